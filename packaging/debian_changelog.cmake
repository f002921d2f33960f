# Writes the Debian changelog of the package from CHANGELOG.md: one entry per release heading
# ("## [0.1.0] - 2026-12-06", or "- unreleased": distribution UNRELEASED, dated UNRELEASED_DATE),
# newest first, pointing at CHANGELOG.md for what changed.
#   cmake -DCHANGELOG=CHANGELOG.md -DOUT=changelog -DMAINTAINER="Name <mail>" -DUNRELEASED_DATE=YYYY-MM-DD
#         -P debian_changelog.cmake
cmake_minimum_required(VERSION 3.16)

# "Sun, 06 Dec 2026 00:00:00 +0000" for 2026-12-06 (Sakamoto's day of the week).
function(rfc2822_date date out)
  string(REGEX MATCH "^([0-9]+)-0?([0-9]+)-0?([0-9]+)$" _ "${date}")
  set(y "${CMAKE_MATCH_1}")
  set(m "${CMAKE_MATCH_2}")
  set(d "${CMAKE_MATCH_3}")
  set(offsets 0 3 2 5 0 3 5 1 4 6 2 4)
  math(EXPR month_index "${m} - 1")
  list(GET offsets ${month_index} offset)
  set(yy ${y})
  if(m LESS 3)
    math(EXPR yy "${y} - 1")
  endif()
  math(EXPR weekday "(${yy} + ${yy} / 4 - ${yy} / 100 + ${yy} / 400 + ${offset} + ${d}) % 7")
  set(days Sun Mon Tue Wed Thu Fri Sat)
  set(months Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec)
  list(GET days ${weekday} day_name)
  list(GET months ${month_index} month_name)
  if(d LESS 10)
    set(d "0${d}")
  endif()
  set(${out} "${day_name}, ${d} ${month_name} ${y} 00:00:00 +0000" PARENT_SCOPE)
endfunction()

file(STRINGS "${CHANGELOG}" headings REGEX "^## \\[[0-9][^]]*\\] - ")
set(text "")
foreach(heading ${headings})
  string(REGEX MATCH "^## \\[([^]]+)\\] - (.*)$" _ "${heading}")
  set(version "${CMAKE_MATCH_1}")
  set(date "${CMAKE_MATCH_2}")
  set(distribution unstable)
  if(date STREQUAL "unreleased")
    set(date "${UNRELEASED_DATE}")
    set(distribution UNRELEASED)
  endif()
  rfc2822_date("${date}" when)
  string(APPEND text "asynclock (${version}) ${distribution}; urgency=medium\n\n"
         "  * asynclock ${version}: CHANGELOG.md in this folder says what changed.\n\n"
         " -- ${MAINTAINER}  ${when}\n\n")
endforeach()
if(text STREQUAL "")
  message(FATAL_ERROR "${CHANGELOG}: no '## [VERSION] - DATE' heading")
endif()
string(STRIP "${text}" text)
file(WRITE "${OUT}" "${text}\n")
