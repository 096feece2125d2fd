# package.cmake - install rules and the CPack configuration of the Debian
# package (no debian/ directory): `./zq package`, or by hand
#   cmake -S . -B build/package -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZQ_TESTS=OFF
#   cmake --build build/package && (cd build/package && cpack -G DEB)
# -> build/package/zq_<version>_amd64.deb. tests/package/ checks the result.
#
# Paths: relative destinations are under the prefix (/usr in the package),
# absolute ones (/etc, /lib/systemd) are where Debian wants them whatever the
# prefix; CPACK_SET_DESTDIR keeps both inside CPack's staging tree.

set(ZQ_PKG_DIR ${CMAKE_CURRENT_LIST_DIR})
set(ZQ_PKG_OUT ${CMAKE_BINARY_DIR}/package-files)
set(ZQ_DOC share/doc/zq)

# --- programs -----------------------------------------------------------------
install(TARGETS zq-api zq-scheduler zq-db zqctl RUNTIME DESTINATION bin)

# --- admin pages ----------------------------------------------------------------
install(DIRECTORY ${CMAKE_SOURCE_DIR}/www/ DESTINATION share/zq/www
        FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
        DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                              WORLD_READ WORLD_EXECUTE
        PATTERN ".*" EXCLUDE
        PATTERN "*~" EXCLUDE
        PATTERN "README.md" EXCLUDE)  # the folder's guide for developers, not a page

# --- example jobs and the SSE calendar (zq-db seed finds them here) -------------
install(DIRECTORY ${CMAKE_SOURCE_DIR}/db/examples/ DESTINATION share/zq/examples
        FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
        DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                              WORLD_READ WORLD_EXECUTE
        PATTERN "node_modules" EXCLUDE  PATTERN "__pycache__" EXCLUDE  PATTERN "*.pyc" EXCLUDE
        PATTERN "package.json" EXCLUDE  PATTERN "package-lock.json" EXCLUDE
        PATTERN "embed.cmake" EXCLUDE)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "python3")

# --- configuration (conffiles: db/package/conffiles) ----------------------------
# zq.conf ships 0644 root:root without a password; postinst makes it root:zq 0640.
install(FILES ${ZQ_PKG_DIR}/zq.conf DESTINATION /etc/zq)
install(FILES ${CMAKE_SOURCE_DIR}/nginx/zq-locations.conf DESTINATION /etc/nginx/snippets
        RENAME zq.conf)
install(FILES ${CMAKE_SOURCE_DIR}/nginx/zq.conf DESTINATION /etc/nginx/sites-available
        RENAME zq)
install(FILES ${CMAKE_SOURCE_DIR}/nginx/zq-plain.conf DESTINATION /etc/nginx/sites-available
        RENAME zq-plain)

# --- systemd --------------------------------------------------------------------
install(FILES ${CMAKE_SOURCE_DIR}/fcgi/systemd/zq-api.socket
              ${CMAKE_SOURCE_DIR}/fcgi/systemd/zq-api.service
              ${CMAKE_SOURCE_DIR}/scheduler/systemd/zq-scheduler.service
        DESTINATION /lib/systemd/system)
install(FILES ${ZQ_PKG_DIR}/tmpfiles.conf DESTINATION lib/tmpfiles.d RENAME zq.conf)

# --- documentation: changelog, README and man pages gzip -9n (reproducible) -----
find_program(ZQ_GZIP gzip)
set(ZQ_PKG_GZ)
# zq_pkg_gzip(SOURCE NAME): ${ZQ_PKG_OUT}/NAME.gz from SOURCE, built with `all`
function(zq_pkg_gzip src name)
  set(out ${ZQ_PKG_OUT}/${name}.gz)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${ZQ_PKG_OUT}
    COMMAND ${CMAKE_COMMAND} -E copy ${src} ${ZQ_PKG_OUT}/${name}
    COMMAND ${ZQ_GZIP} -9nf ${ZQ_PKG_OUT}/${name}
    DEPENDS ${src} VERBATIM)
  set(ZQ_PKG_GZ ${ZQ_PKG_GZ} ${out} PARENT_SCOPE)
endfunction()
if(ZQ_GZIP)
  zq_pkg_gzip(${ZQ_PKG_DIR}/changelog changelog)
  zq_pkg_gzip(${CMAKE_SOURCE_DIR}/README.md README.md)
  foreach(page zq-api.8 zq-scheduler.8 zq-db.8)
    zq_pkg_gzip(${ZQ_PKG_DIR}/man/${page} ${page})
  endforeach()
  add_custom_target(zq-package-docs ALL DEPENDS ${ZQ_PKG_GZ})
  install(FILES ${ZQ_PKG_OUT}/changelog.gz ${ZQ_PKG_OUT}/README.md.gz DESTINATION ${ZQ_DOC})
  install(FILES ${ZQ_PKG_OUT}/zq-api.8.gz ${ZQ_PKG_OUT}/zq-scheduler.8.gz
                ${ZQ_PKG_OUT}/zq-db.8.gz DESTINATION share/man/man8)
endif()
install(FILES ${ZQ_PKG_DIR}/copyright DESTINATION ${ZQ_DOC})
install(FILES ${CMAKE_SOURCE_DIR}/nginx/zq.conf DESTINATION ${ZQ_DOC}/examples
        RENAME nginx-site.conf)
install(FILES ${CMAKE_SOURCE_DIR}/nginx/zq-plain.conf DESTINATION ${ZQ_DOC}/examples
        RENAME nginx-site-plain.conf)

# --- CPack ----------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME zq)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "zq maintainers <maintainers@users.noreply.b-seed-b1aef81d.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "task scheduler with a REST API and admin pages")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"zq runs scheduled tasks (cron, interval, one-off and manual; shell commands,
example tasks and workflows of other tasks) from a MariaDB/MySQL database.

This package contains zq-api, the REST API as a FastCGI program behind nginx
(socket-activated by systemd), zq-scheduler, the daemon that fires, claims
and runs tasks, zq-db, the schema and user administration tool, and the
static admin pages.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# the libraries come from dpkg-shlibdeps; adduser for postinst
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "nginx | nginx-light, mariadb-server | mariadb-client, ssl-cert")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${ZQ_PKG_DIR}/conffiles ${ZQ_PKG_DIR}/postinst ${ZQ_PKG_DIR}/prerm ${ZQ_PKG_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
include(CPack)
