# Installing asynclock like a system tool: the man page and shell completion. Included from the top
# CMakeLists.txt; docs/releasing.md is the release checklist.

# The release date of PROJECT_VERSION, from CHANGELOG.md ("## [0.1.0] - 2026-12-06"; "- unreleased"
# takes the day of the build, or SOURCE_DATE_EPOCH's): the man page's date.
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

add_custom_target(asynclock_man_page ALL DEPENDS "${PROJECT_BINARY_DIR}/asynclock.1.gz")
install(FILES "${PROJECT_BINARY_DIR}/asynclock.1.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")

# ---- shell completion ----
set(ASYNCLOCK_BASH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/bash-completion/completions" CACHE STRING
    "where the bash completion goes (bash-completion loads it from <prefix>/share/bash-completion/completions)")
# Debian's zsh searches /usr/share/zsh/vendor-completions; for another prefix, add the folder to fpath.
set(ASYNCLOCK_ZSH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions" CACHE STRING
    "where the zsh completion (_asynclock) goes")
install(FILES "${PROJECT_SOURCE_DIR}/completions/asynclock.bash" DESTINATION "${ASYNCLOCK_BASH_COMPLETION_DIR}"
        RENAME asynclock)
install(FILES "${PROJECT_SOURCE_DIR}/completions/_asynclock" DESTINATION "${ASYNCLOCK_ZSH_COMPLETION_DIR}")
