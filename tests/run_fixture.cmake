# Runs one fixture test: builds the fixture with the real compiler against the real headers (which
# also writes its compile_commands.json), analyzes it, and checks the report against the
# expectations in its sources.
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
