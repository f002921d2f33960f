/* lsp: `asynclock lsp`, a language server over standard input and output.
 *
 * Speaks JSON-RPC 2.0 with LSP's Content-Length framing (cJSON for the JSON). On didOpen and
 * didSave of a C file it finds the file's compile_commands.json the way clangd does (the file's
 * folder and each parent, directly or in a build/ subfolder; or the one folder named with
 * --compile-commands-dir, as clangd's option of that name, for a build folder outside the
 * sources), runs `asynclock check` on that
 * project as a child process (so the facts cache makes it cost about one unit's parse, and a
 * crash in the analysis cannot take the server down), and publishes the findings as diagnostics:
 * the message with its suggested fix, the chain and the registration as related information.
 * Files whose findings changed since the last publication are published again (an empty list
 * clears them). */
#ifndef AL_LSP_H
#define AL_LSP_H

#include <stdio.h>

#include "util.h"

typedef struct al_lsp al_lsp;

/* `self` is the asynclock executable to run for analyses; `extra_args` are passed to each
 * `asynclock check` (e.g. --rules PACK), `extra_count` of them. */
al_lsp *al_lsp_new(const char *self, char **extra_args, int extra_count, FILE *out);
void al_lsp_free(al_lsp *server);

/* How an analysis runs: `asynclock check` of the project in `build_dir`, its JSON report appended
 * to `out` and its messages to `err`; returns the exit status. */
typedef int (*al_lsp_analyzer)(void *context, const char *build_dir, al_strbuf *out, al_strbuf *err);
/* Replaces the child process (the default) with `analyze`, e.g. so the fuzz target does not fork. */
void al_lsp_set_analyzer(al_lsp *server, al_lsp_analyzer analyze, void *context);

/* Handles one message (the JSON body of a frame). Returns false once the client sent `exit`. */
bool al_lsp_handle(al_lsp *server, const char *body, size_t len);

/* Reads one frame's body from `in` (malloc'ed, *len set). NULL at end of input or on a malformed
 * header (then *error says what was wrong). */
char *al_lsp_read_frame(FILE *in, size_t *len, const char **error);

/* The folder holding compile_commands.json for every file (made absolute against the working
 * folder); NULL (the default) finds it from each file. */
void al_lsp_set_compile_commands_dir(al_lsp *server, const char *dir);

/* `asynclock lsp`'s own options: takes every `-p DIR` / `--compile-commands-dir DIR` (or `-pDIR`,
 * `--compile-commands-dir=DIR`) out of args (the last one wins, malloc'ed in *dir, NULL when none)
 * and leaves the other arguments, in order, for the analyses (*count updated). False with a
 * malloc'ed *error for a missing or empty value. */
bool al_lsp_take_options(char **args, int *count, char **dir, char **error);

/* The exit code LSP prescribes: 0 when `shutdown` came before `exit`, else 1. */
int al_lsp_exit_code(const al_lsp *server);

/* The whole server loop on standard input/output, after taking lsp's own options out of
 * extra_args (a bad one: a one-line error, exit code 2). */
int al_lsp_run(const char *self, char **extra_args, int extra_count);

#endif
