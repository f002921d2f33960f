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
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${WORK}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building ${FIXTURE} failed:\n${out}")
endif()
set(extra_args "")
if(EXISTS "${FIXTURE}/asynclock.args")
  # one argument per line; @FIXTURE@ stands for the fixture's folder (for packs it ships)
  file(STRINGS "${FIXTURE}/asynclock.args" extra_args)
  string(REPLACE "@FIXTURE@" "${FIXTURE}" extra_args "${extra_args}")
endif()
execute_process(
  COMMAND "${ASYNCLOCK}" check -p "${WORK}" --format json -o "${WORK}/report.json" -j 2 ${extra_args}
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
  COMMAND "${ASYNCLOCK}" check -p "${WORK}" --format json -o "${WORK}/report-warm.json" -j 2 ${extra_args}
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
