# `cpack -G DEB --config build/CPackConfig.cmake`: a Debian package of what `cmake --install` puts in place
# (install.cmake), with the sample configuration as a conffile, dependencies from dpkg-shlibdeps, and a
# postinst that creates the service's user. Not signed, not for the archive: for installing on one's own hosts.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME callbackd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "SIP call-back and call-relay server")
set(CPACK_PACKAGE_CONTACT "callbackd admins <root@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# dpkg-shlibdeps asks only for some libsofia-sip-ua0; Debian's own has an assertion that two packets can reach,
# so the package wants the patched build (scripts/build-sofia.sh) this one was built against.
execute_process(COMMAND dpkg-query -W -f=\${Version} libsofia-sip-ua0 OUTPUT_VARIABLE sofia_version
                ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
if(sofia_version MATCHES "\\+callbackd")
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd, libsofia-sip-ua0 (>= ${sofia_version})")
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd")
endif()
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "fail2ban, sqlite3")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/contrib/debian/postinst;${PROJECT_SOURCE_DIR}/contrib/debian/prerm;${PROJECT_SOURCE_DIR}/contrib/debian/postrm;${PROJECT_SOURCE_DIR}/contrib/debian/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
