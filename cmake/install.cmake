# `cmake --install build` (default prefix /usr, the Debian layout; DESTDIR for a staging root):
#   /usr/sbin/callbackd                            the server
#   /usr/share/callbackd/prompts/<lang>/*.wav      the voice prompts built by espeak-ng
#   /etc/callbackd/callbackd.toml                  the sample configuration with the installed paths (kept
#                                                  if it exists: then written as callbackd.toml.sample)
#   /usr/lib/systemd/system/callbackd.service      the unit (Type=notify, hardened)
#   /usr/lib/sysusers.d/callbackd.conf             the service's system user
#   /usr/share/doc/callbackd/                      docs and contrib/ (fail2ban filter and jail, Grafana)
# The unit and the configuration name installed paths, so they are written at install time, for the prefix
# actually used (`cmake --install build --prefix /opt/x` gives a unit that runs /opt/x/sbin/callbackd).
if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
  set(CMAKE_INSTALL_PREFIX /usr CACHE PATH "Install prefix" FORCE)
endif()
include(GNUInstallDirs)

install(TARGETS callbackd RUNTIME DESTINATION sbin)
install(DIRECTORY ${PROJECT_BINARY_DIR}/prompts/ DESTINATION share/callbackd/prompts FILES_MATCHING PATTERN "*.wav"
        PATTERN CMakeFiles EXCLUDE)
install(FILES ${PROJECT_SOURCE_DIR}/docs/operations.md ${PROJECT_SOURCE_DIR}/docs/configuration.md
              ${PROJECT_SOURCE_DIR}/docs/rest-api.md ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION share/doc/callbackd)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/contrib/fail2ban ${PROJECT_SOURCE_DIR}/contrib/grafana
        DESTINATION share/doc/callbackd/contrib)
install(CODE "set(CALLBACKD_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")\nset(CALLBACKD_BINARY_DIR \"${PROJECT_BINARY_DIR}\")")
install(SCRIPT ${PROJECT_SOURCE_DIR}/cmake/install_generated.cmake)
install(FILES ${PROJECT_SOURCE_DIR}/docs/man/callbackd.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
