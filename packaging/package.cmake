# Installing asynclock like a system tool: the man page, shell completion, the documentation and
# the demo project (the binary, the rule packs and the trace shim are installed by the top
# CMakeLists.txt and shim/), and a Debian package of it all built by CPack (`cpack -G DEB` in the
# build folder). Included from the top CMakeLists.txt; docs/releasing.md is the release checklist.

# The release date of PROJECT_VERSION, from CHANGELOG.md ("## [0.1.0] - 2026-12-06"; "- unreleased"
# takes the day of the build, or SOURCE_DATE_EPOCH's): the man page's date and the Debian changelog's.
file(READ "${PROJECT_SOURCE_DIR}/CHANGELOG.md" _changelog)
string(REPLACE "." "\\." _version_re "${PROJECT_VERSION}")
if(NOT _changelog MATCHES "\n## \\[${_version_re}\\] - ([0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|unreleased)")
  message(FATAL_ERROR "CHANGELOG.md has no '## [${PROJECT_VERSION}] - YYYY-MM-DD' (or '- unreleased') heading "
                      "for the version of project(); see docs/releasing.md")
endif()
if(CMAKE_MATCH_1 STREQUAL "unreleased")
  string(TIMESTAMP ASYNCLOCK_RELEASE_DATE "%Y-%m-%d" UTC)
else()
  set(ASYNCLOCK_RELEASE_DATE "${CMAKE_MATCH_1}")
endif()

# ---- the man page, gzipped as Debian wants it ----
configure_file("${PROJECT_SOURCE_DIR}/docs/asynclock.1.in" "${PROJECT_BINARY_DIR}/asynclock.1" @ONLY)
add_custom_command(OUTPUT "${PROJECT_BINARY_DIR}/asynclock.1.gz"
                   COMMAND gzip -9n -c asynclock.1 > asynclock.1.gz
                   DEPENDS "${PROJECT_BINARY_DIR}/asynclock.1" WORKING_DIRECTORY "${PROJECT_BINARY_DIR}" VERBATIM)

install(FILES "${PROJECT_BINARY_DIR}/asynclock.1.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")

# ---- the Debian changelog (the package is native: /usr/share/doc/asynclock/changelog.gz) ----
set(ASYNCLOCK_PACKAGE_MAINTAINER "asynclock developers <asynclock@users.noreply.github.com>"
    CACHE STRING "the Maintainer of the Debian package, and of its changelog entries")
add_custom_command(OUTPUT "${PROJECT_BINARY_DIR}/debian/changelog.gz"
                   COMMAND "${CMAKE_COMMAND}" -DCHANGELOG=${PROJECT_SOURCE_DIR}/CHANGELOG.md
                           -DOUT=${PROJECT_BINARY_DIR}/debian/changelog
                           "-DMAINTAINER=${ASYNCLOCK_PACKAGE_MAINTAINER}"
                           -DUNRELEASED_DATE=${ASYNCLOCK_RELEASE_DATE} -P ${CMAKE_CURRENT_LIST_DIR}/debian_changelog.cmake
                   COMMAND gzip -9n -f debian/changelog
                   DEPENDS "${PROJECT_SOURCE_DIR}/CHANGELOG.md" "${CMAKE_CURRENT_LIST_DIR}/debian_changelog.cmake"
                   WORKING_DIRECTORY "${PROJECT_BINARY_DIR}" VERBATIM)
add_custom_target(asynclock_package_files ALL
                  DEPENDS "${PROJECT_BINARY_DIR}/asynclock.1.gz" "${PROJECT_BINARY_DIR}/debian/changelog.gz")

# ---- shell completion ----
set(ASYNCLOCK_BASH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/bash-completion/completions" CACHE STRING
    "where the bash completion goes (bash-completion loads it from <prefix>/share/bash-completion/completions)")
# Debian's zsh searches /usr/share/zsh/vendor-completions; for another prefix, add the folder to fpath.
set(ASYNCLOCK_ZSH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions" CACHE STRING
    "where the zsh completion (_asynclock) goes")
install(FILES "${PROJECT_SOURCE_DIR}/completions/asynclock.bash" DESTINATION "${ASYNCLOCK_BASH_COMPLETION_DIR}"
        RENAME asynclock)
install(FILES "${PROJECT_SOURCE_DIR}/completions/_asynclock" DESTINATION "${ASYNCLOCK_ZSH_COMPLETION_DIR}")

# ---- the documentation, the Debian changelog and copyright, the demo ----
install(FILES "${PROJECT_SOURCE_DIR}/README.md" "${PROJECT_SOURCE_DIR}/CHANGELOG.md" "${CMAKE_CURRENT_LIST_DIR}/copyright"
              "${PROJECT_BINARY_DIR}/debian/changelog.gz" DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/docs/" DESTINATION "${CMAKE_INSTALL_DOCDIR}/docs" PATTERN "*.in" EXCLUDE)
# The demo of the README (a small libuv server), to try asynclock on: see its README.
install(DIRECTORY "${PROJECT_SOURCE_DIR}/fixtures/demo/" DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples/demo")

# ---- the Debian package ----
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME asynclock)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_CONTACT "${ASYNCLOCK_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${ASYNCLOCK_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/asynclock/asynclock")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "find blocking calls reachable from event-loop handlers in C
A static analyzer for C programs built around an event loop (libuv, libevent,
libev, GLib/GIO, Redis-style ae, nginx-style loops). It reads a project's
compile_commands.json, parses every file with libclang, follows the call graph
across files and through function pointers, and reports each blocking call
(sleep, file I/O, DNS lookups, process waits, locks, database and HTTP client
calls, nested loops) reachable from a loop-thread callback, with the chain
from the handler and the fix in the loop's own terms.
.
Reports are compiler-style text, JSON, SARIF 2.1.0, GitLab Code Quality or
HTML; a language server (asynclock lsp) shows them in editors. asynclock trace
runs a program with a preloaded shim that times the blocking calls its loop
threads make, so that the report can rank the findings by what really
blocked.")
# Libraries from the binary's ELF needs (dpkg-shlibdeps: libc6, libsqlite3-0, libcjson1); libclang,
# which the binary opens when it first parses (analyzer/libclang.c) and so does not list: the package
# of the file it opens (libclang1-N); and libclang's builtin headers (stddef.h, stdarg.h, ...), which
# libclang reads from its resource folder at run time and which Debian ships apart from the library.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(_libclang_package "")
find_program(DPKG_QUERY dpkg-query)
if(DPKG_QUERY)
  asynclock_output_match(_libclang_package "^([a-z0-9][a-z0-9.+-]*)(:[a-z0-9-]+)?: " "${DPKG_QUERY}" -S
                         "${LIBCLANG_RUNTIME_PATH}")
endif()
if(NOT _libclang_package AND LIBCLANG_LLVM_MAJOR)
  set(_libclang_package "libclang1-${LIBCLANG_LLVM_MAJOR}")
endif()
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${_libclang_package}")
if(LIBCLANG_LLVM_MAJOR)
  list(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS "libclang-common-${LIBCLANG_LLVM_MAJOR}-dev")
endif()
list(REMOVE_ITEM CPACK_DEBIAN_PACKAGE_DEPENDS "")
string(REPLACE ";" ", " CPACK_DEBIAN_PACKAGE_DEPENDS "${CPACK_DEBIAN_PACKAGE_DEPENDS}")
# `asynclock trace` symbolizes the stacks it records with binutils' addr2line (without it they stay
# addresses, and check --trace cannot place them).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS binutils)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
