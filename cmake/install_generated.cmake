# Run by `cmake --install` (see install.cmake): writes the unit and the configuration for the install-time
# prefix. file(INSTALL) adds $DESTDIR itself.
set(prefix "${CMAKE_INSTALL_PREFIX}")
if(prefix STREQUAL "/usr")
  set(sysconf /etc)  # as GNUInstallDirs: /usr's configuration lives in /etc
else()
  set(sysconf "${prefix}/etc")
endif()
set(CALLBACKD_BINARY "${prefix}/sbin/callbackd")
set(CALLBACKD_CONFIG "${sysconf}/callbackd/callbackd.toml")
set(CALLBACKD_DOC_DIR "${prefix}/share/doc/callbackd")
set(CALLBACKD_UNIT_DIR "${prefix}/lib/systemd/system")
set(CALLBACKD_SYSUSERS_DIR "${prefix}/lib/sysusers.d")
set(state_dir /var/lib/callbackd)  # StateDirectory=callbackd in the unit
set(out "${CALLBACKD_BINARY_DIR}/install")

configure_file("${CALLBACKD_SOURCE_DIR}/contrib/systemd/callbackd.service.in" "${out}/callbackd.service" @ONLY)
file(INSTALL "${out}/callbackd.service" DESTINATION "${CALLBACKD_UNIT_DIR}")
configure_file("${CALLBACKD_SOURCE_DIR}/contrib/systemd/callbackd.sysusers.conf" "${out}/sysusers/callbackd.conf"
               COPYONLY)
file(INSTALL "${out}/sysusers/callbackd.conf" DESTINATION "${CALLBACKD_SYSUSERS_DIR}")

# The installed configuration is the sample with the installed paths: one source for both.
file(READ "${CALLBACKD_SOURCE_DIR}/config/callbackd.sample.toml" sample)
string(REPLACE "sqlite = \"var/callbackd.db\"" "sqlite = \"${state_dir}/callbackd.db\"" sample "${sample}")
string(REPLACE "var/admin_token" "${state_dir}/admin_token" sample "${sample}")
string(REPLACE "language = \"en\"" "language = \"en\"\nprompts_dir = \"${prefix}/share/callbackd/prompts\"" sample
       "${sample}")
file(WRITE "${out}/callbackd.toml" "${sample}")
# An admin's configuration is never overwritten (like a Debian conffile): the new sample goes beside it.
if(EXISTS "$ENV{DESTDIR}${CALLBACKD_CONFIG}")
  configure_file("${out}/callbackd.toml" "${out}/callbackd.toml.sample" COPYONLY)
  file(INSTALL "${out}/callbackd.toml.sample" DESTINATION "${sysconf}/callbackd")
else()
  file(INSTALL "${out}/callbackd.toml" DESTINATION "${sysconf}/callbackd"
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endif()
