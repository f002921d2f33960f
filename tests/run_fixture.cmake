# Runs one fixture test: builds the fixture with the real compiler against the real headers (which
# also writes its compile_commands.json), analyzes it, and checks the report against the
# expectations in its sources. Then analyzes it again, every unit now read from the facts cache,
# and checks that the second report says exactly what the first did.
#   cmake -DFIXTURE=dir -DWORK=dir -DASYNCLOCK=exe -DCHECKER=exe -DINCLUDE_DIR=dir -P run_fixture.cmake
cmake_minimum_required(VERSION 3.16) # new policies: "@FIXTURE@" below is a literal, not a reference
file(REMOVE_RECURSE "${WORK}")
execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${FIXTURE}" -B "${WORK}" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
          "-DASYNCLOCK_INCLUDE_DIR=${INCLUDE_DIR}" "-DCMAKE_C_FLAGS=-Wall -Wextra -Werror"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring ${FIXTURE} failed:\n${out}")
endif()
# A project that asks CMake's file API for its codemodel in its CMakeLists.txt gets the reply at the
# next generation, as a user's second configure would.
if(EXISTS "${WORK}/.cmake/api/v1/query" AND NOT EXISTS "${WORK}/.cmake/api/v1/reply")
  execute_process(COMMAND "${CMAKE_COMMAND}" "${WORK}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "configuring ${FIXTURE} again failed:\n${out}")
  endif()
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${WORK}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building ${FIXTURE} failed:\n${out}")
endif()
# A fixture that stands for another build system (automake's objects, a plain Makefile) gives its
# database as compile_commands.in.json: the sources were just built by CMake (so they compile against
# the real headers), and the database asynclock reads is that template, @FIXTURE@ and @WORK@ filled,
# in a folder of its own (no CMake build around it).
set(database_dir "${WORK}")
if(EXISTS "${FIXTURE}/compile_commands.in.json")
  set(database_dir "${WORK}/other-build")
  file(READ "${FIXTURE}/compile_commands.in.json" database)
  string(REPLACE "@FIXTURE@" "${FIXTURE}" database "${database}")
  string(REPLACE "@WORK@" "${database_dir}" database "${database}")
  file(WRITE "${database_dir}/compile_commands.json" "${database}")
endif()
set(extra_args "")
if(EXISTS "${FIXTURE}/asynclock.args")
  # one argument per line; @FIXTURE@ stands for the fixture's folder (for packs it ships)
  file(STRINGS "${FIXTURE}/asynclock.args" extra_args)
  string(REPLACE "@FIXTURE@" "${FIXTURE}" extra_args "${extra_args}")
endif()
execute_process(
  COMMAND "${ASYNCLOCK}" check -p "${database_dir}" --format json -o "${WORK}/report.json" -j 2 ${extra_args}
  RESULT_VARIABLE analysis_rc ERROR_VARIABLE err)
if(NOT (analysis_rc EQUAL 0 OR analysis_rc EQUAL 1))
  message(FATAL_ERROR "asynclock failed on ${FIXTURE} (exit ${analysis_rc}):\n${err}")
endif()
execute_process(COMMAND "${CHECKER}" "${WORK}/report.json" "${FIXTURE}" ${analysis_rc} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the report of ${FIXTURE} does not match its expectations")
endif()

# The warm run: the same report from cached facts (only the timing and cache count may differ).
execute_process(
  COMMAND "${ASYNCLOCK}" check -p "${database_dir}" --format json -o "${WORK}/report-warm.json" -j 2 ${extra_args}
  RESULT_VARIABLE warm_rc ERROR_VARIABLE err)
if(NOT warm_rc EQUAL analysis_rc)
  message(FATAL_ERROR "the warm run of ${FIXTURE} exited ${warm_rc}, the cold one ${analysis_rc}:\n${err}")
endif()
file(READ "${WORK}/report.json" cold_report)
file(READ "${WORK}/report-warm.json" warm_report)
string(JSON units GET "${cold_report}" summary translation_units)
string(JSON failed GET "${cold_report}" summary parse_errors)
string(JSON cached GET "${warm_report}" summary cached_units)
math(EXPR want_cached "${units} - ${failed}")
if(NOT cached EQUAL want_cached)
  message(FATAL_ERROR "the warm run of ${FIXTURE} read ${cached} units from the cache, expected ${want_cached}")
endif()
foreach(report cold_report warm_report)
  string(REGEX REPLACE "\"(seconds|cached_units)\":[^,}]*" "" ${report} "${${report}}")
endforeach()
if(NOT cold_report STREQUAL warm_report)
  message(FATAL_ERROR "the warm run of ${FIXTURE} reported differently from the cold one")
endif()

# The programs asynclock finds, when the fixture says which: `asynclock programs` run from the
# fixture's folder (unit paths relative to it) must print exactly programs.expect (@WORK@ for the
# folder of the database, @FIXTURE@ for the fixture's).
if(EXISTS "${FIXTURE}/programs.expect")
  execute_process(COMMAND "${ASYNCLOCK}" programs -p "${database_dir}" ${extra_args} WORKING_DIRECTORY "${FIXTURE}"
                  RESULT_VARIABLE programs_rc OUTPUT_VARIABLE programs_out ERROR_VARIABLE err)
  file(READ "${FIXTURE}/programs.expect" programs_expected)
  string(REPLACE "@WORK@" "${database_dir}" programs_expected "${programs_expected}")
  string(REPLACE "@FIXTURE@" "${FIXTURE}" programs_expected "${programs_expected}")
  if(NOT programs_rc EQUAL 0 OR NOT programs_out STREQUAL programs_expected)
    message(FATAL_ERROR "asynclock programs on ${FIXTURE} (exit ${programs_rc}) printed:\n${programs_out}${err}\n"
                        "expected:\n${programs_expected}")
  endif()
endif()
