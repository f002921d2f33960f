/* trace: `asynclock trace [-o FILE] -- PROGRAM [ARGS...]` runs a program with the trace shim
 * (shim/) preloaded, and writes what its loop threads were seen to block on: one trace file per
 * process image that ran an event loop, symbolized to file:line from the programs' debug
 * information (docs/trace.md). `asynclock check --trace FILE...` joins them to the findings
 * (analyzer/observed.h). */
#ifndef AL_TRACE_H
#define AL_TRACE_H

/* The command, from its own argv (argv[0] is "trace"); the program's exit status, or 2 when
 * asynclock could not trace it (a one-line message names the file). */
int al_trace_main(int argc, char **argv, const char *tool_version);

/* The shim `asynclock trace` preloads: $ASYNCLOCK_TRACE_SHIM, the one installed beside this
 * executable, or the build tree's; NULL when there is none. Caller frees. */
char *al_trace_shim_path(void);

#endif
