cmake_minimum_required(VERSION 3.16)
# Installs into PREFIX and checks the layout (binary, packs, header, man page, completion, docs,
# the demo) and that the installed binary uses its own packs.
file(REMOVE_RECURSE "${PREFIX}")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}" RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed")
endif()
foreach(f bin/asynclock share/asynclock/rules/posix.json share/asynclock/rules/libuv.json include/asynclock.h
          share/man/man1/asynclock.1.gz share/bash-completion/completions/asynclock
          share/zsh/vendor-completions/_asynclock share/doc/asynclock/README.md share/doc/asynclock/docs/editors.md
          share/doc/asynclock/copyright share/doc/asynclock/changelog.gz share/doc/asynclock/examples/demo/server.c)
  if(NOT EXISTS "${PREFIX}/${f}")
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
execute_process(COMMAND "${CMAKE_COMMAND}" -E env --unset=ASYNCLOCK_RULES_DIR "${PREFIX}/bin/asynclock" --version
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out MATCHES "rule packs: ${PREFIX}/share/asynclock/rules")
  message(FATAL_ERROR "the installed asynclock does not use its installed packs:\n${out}")
endif()
# the trace shim, in the library folder (lib, lib64 or lib/<multiarch>), found by the installed asynclock
file(GLOB_RECURSE shims "${PREFIX}/lib*/libasynclock-trace.so")
if(CMAKE_HOST_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  if(NOT shims MATCHES "/asynclock/trace/libasynclock-trace.so")
    message(FATAL_ERROR "not installed: the trace shim (lib.../asynclock/trace/libasynclock-trace.so)")
  endif()
  if(NOT out MATCHES "trace shim: ${PREFIX}/lib[^\n]*/asynclock/trace/libasynclock-trace.so")
    message(FATAL_ERROR "the installed asynclock does not use its installed trace shim:\n${out}")
  endif()
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" -E env --unset=ASYNCLOCK_RULES_DIR "${PREFIX}/bin/asynclock" rules show uv_run
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out MATCHES "nested-loop")
  message(FATAL_ERROR "the installed asynclock cannot read its packs:\n${out}")
endif()
