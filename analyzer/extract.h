/* extract: the libclang seam. Parses one translation unit with its compile command and records
 * its facts (facts.h): function definitions and annotations, direct and indirect call sites with
 * their constant arguments, and every function reference with its use. It is the only module that
 * calls libclang (opened on first use by libclang.c); everything after it sees plain C structs. */
#ifndef AL_EXTRACT_H
#define AL_EXTRACT_H

#include "compdb.h"
#include "facts.h"

typedef struct al_extractor al_extractor;

/* Opens libclang if it is not yet open (libclang.h): a run that parses calls it first and stops on
 * its error. False with *error (one line, to free) when libclang cannot be loaded. */
bool al_extract_load(char **error);

/* One extractor per thread: it owns a libclang index. Loads libclang, and aborts when it cannot. */
al_extractor *al_extractor_new(void);
void al_extractor_free(al_extractor *ex);

/* Parses `cmd` and fills `out` (initialized here). A unit that cannot be parsed at all has
 * out->parsed == false and out->failure set; one that parsed with errors keeps the facts of what
 * parsed, with error_count and failure (its first error) set. */
void al_extract_unit(al_extractor *ex, const al_compile_command *cmd, al_tu_facts *out);

/* Called after each unit, from the worker thread that parsed it, under a lock (so it may write
 * the facts cache: one writer at a time). `index` is the unit's position in the database. */
typedef void (*al_extract_progress_fn)(void *data, size_t done, size_t total, size_t index, const al_tu_facts *tu);

/* Parses the commands `selected[0..count)` (indexes into db; NULL: every command) with `jobs`
 * threads; results[i] receives commands[i]'s facts. Units never started because a stop was
 * requested are left zeroed (file == NULL). */
void al_extract_all(const al_compdb *db, const size_t *selected, size_t count, int jobs, al_tu_facts *results,
                    al_extract_progress_fn progress, void *progress_data);

/* Async-signal-safe: asks running workers to take no further unit. */
void al_extract_request_stop(void);
bool al_extract_stopped(void);

/* The libclang version string ("Debian clang version 14.0.6"), for --version and the tool id of
 * the facts; loads libclang. NULL with *error (as al_extract_load) when it cannot be loaded. */
char *al_extract_clang_version(char **error);
/* What tells the libclang file al_extract_load opens from another, without loading it
 * (al_libclang_file_identity); NULL when that is not known. */
char *al_extract_clang_identity(void);
/* The libclang C API version of the headers asynclock was compiled against ("0.62"). */
const char *al_extract_cindex_version(void);

#endif
