/* rules: the blocking-API database and the loop-thread contexts.
 *
 * Rule packs (JSON, see docs/rules.md) are validated and loaded with cJSON into an sqlite
 * database, which `asynclock rules` queries. For the link and reachability stages the rows are
 * then read once into arrays indexed by name, so a lookup during analysis is a hash probe. */
#ifndef AL_RULES_H
#define AL_RULES_H

#include <stdio.h>

#include "facts.h"
#include "util.h"

typedef enum {
    AL_TEST_EQUALS,
    AL_TEST_HAS_BITS,
    AL_TEST_IS_NULL,
    AL_TEST_VARIABLE_IN,
    AL_TEST_OPENED_BY,
    AL_TEST_PREFIX_IN,
    AL_TEST_ONLY_OPENED_BY,
    AL_TEST_FLUSHED_BY,
} al_arg_test;

/* One way a descriptor or stream may have been opened: `fd = open(path, flags)` with flags lacking
 * O_NONBLOCK, `fd = fileno(fopen(...))`, `f = fopen(path, "r")` (a mode without 'w', 'a' or '+'),
 * `f = fopen("/proc/...", ...)`. */
typedef struct al_origin {
    char *call;
    int flags_arg;          /* -1: no flags test */
    long long without_bits; /* the flags argument must not be a constant with these bits */
    char **inner_calls;     /* when given: the call's first argument is a call to one of these */
    size_t inner_count;
    int mode_arg;         /* -1: no mode test */
    char *mode_without;   /* the mode argument must be a string literal without these characters */
    char **path_prefixes; /* when given: the call's first argument is a string starting with one */
    size_t path_prefix_count;
    char **path_not_prefixes; /* when given: the first argument is not a string starting with one */
    size_t path_not_prefix_count;
} al_origin;

typedef struct al_condition {
    int arg; /* from 0; -1 is the last argument */
    al_arg_test test;
    long long value;
    char **names; /* AL_TEST_VARIABLE_IN; AL_TEST_PREFIX_IN: the prefixes; AL_TEST_FLUSHED_BY: the
                     calls that flush the argument */
    size_t name_count;
    char **keepers; /* AL_TEST_FLUSHED_BY: the calls that may take it in between and write nothing */
    size_t keeper_count;
    al_origin *origins; /* AL_TEST_OPENED_BY, AL_TEST_ONLY_OPENED_BY */
    size_t origin_count;
    char *field; /* AL_TEST_EQUALS, AL_TEST_HAS_BITS of a field of `&local` (`hints.ai_flags`), or NULL */
} al_condition;

typedef enum { AL_SEVERITY_NOTE = 0, AL_SEVERITY_WARNING = 1, AL_SEVERITY_ERROR = 2 } al_severity;

typedef struct al_api_rule {
    char *name, *pack, *category, *why, *fix;
    char *definite_category; /* the category when definite_if proves the call blocks, or NULL */
    al_severity severity;
    bool conditional;       /* confidence "conditional": reported only on request */
    bool match_definitions; /* applies even where the program defines the function (a vendored
                               library, a loop's own code): the rule decides, the body is skipped */
    al_condition *unless, *only_if, *definite_if;
    size_t unless_count, only_if_count, definite_if_count;
} al_api_rule;

typedef enum { AL_ROLE_HANDLER, AL_ROLE_WORKER } al_role;
typedef enum {
    AL_MATCH_CALLBACK_TYPE, /* stored or passed as this type */
    AL_MATCH_CALL_ARG,      /* argument `arg` of a call to `pattern` */
    AL_MATCH_FIELD,         /* stored into field "S.f" */
    AL_MATCH_NAME_PATTERN,  /* the function's name matches this glob */
    AL_MATCH_MARKER_CALL,   /* the function calls `pattern` */
} al_match_kind;

typedef struct al_context_rule {
    al_role role;
    al_match_kind match;
    char *pattern; /* typedef name, called function, "S.f", name glob or marker function */
    int arg;       /* for AL_MATCH_CALL_ARG */
    char *kind;    /* "libuv read callback (uv_read_cb)" */
    char *family;  /* the pack's family, or "" */
    char *pack;
    bool thread; /* a worker: the entry of a thread of its own (pthread_create), whose body runs
                    once per thread; not a job callback a pool runs per job (uv_queue_work) */
} al_context_rule;

typedef struct al_rules al_rules;

al_rules *al_rules_new(void);
void al_rules_free(al_rules *r);

/* Loads a pack file, or every *.json of a folder in name order. On failure returns false and sets
 * *error to "file:line:col: error: what is wrong". */
bool al_rules_load_path(al_rules *r, const char *path, char **error);
/* Loads one pack from `len` bytes in memory; `path` names it in messages. */
bool al_rules_load_buffer(al_rules *r, const char *path, const char *data, size_t len, char **error);

/* Loads a pack held in memory (the declarations of a configuration file); `name` stands for its
 * path in the packs table and in errors. */
bool al_rules_load_text(al_rules *r, const char *name, const char *text, char **error);

/* The folder of the packs shipped with asynclock: $ASYNCLOCK_RULES_DIR, the install folder next
 * to the executable, or the source tree's rules/. Caller frees. */
char *al_rules_default_dir(void);

/* Reads the loaded database into the lookup tables below. Call once, after the last load. */
void al_rules_index(al_rules *r);

size_t al_rules_api_count(const al_rules *r);
/* The i-th blocking API (0 <= i < al_rules_api_count), in name order: one per name, the pack loaded
 * last winning. What the trace shim's generator (shim/gen.c) walks. */
const al_api_rule *al_rules_api_at(const al_rules *r, size_t i);
const al_api_rule *al_rules_find_api(const al_rules *r, const char *name);
/* Whether a pack's "nonblocking" list names `name` (exactly or by glob). */
bool al_rules_known_nonblocking(const al_rules *r, const char *name);

/* Whether a pack's "noreturn" list names `name`: a call to it is the last thing its block does
 * (abort, exit, _exit, a library's fatal error reporter). */
bool al_rules_is_noreturn(const al_rules *r, const char *name);
/* A pack's "locks" entry: what a call to the function does to the lock its argument `arg` names. */
typedef enum { AL_LOCK_ACQUIRE = 0, AL_LOCK_RELEASE, AL_LOCK_TRY, AL_LOCK_WAIT } al_lock_role;
typedef struct al_lock_rule {
    al_lock_role role;
    int arg;
} al_lock_rule;
/* The "locks" entry of `name`, or NULL. */
const al_lock_rule *al_rules_find_lock(const al_rules *r, const char *name);

/* Whether a pack's "fork" list names `name`: its result is 0 in a new child process (fork, vfork). */
bool al_rules_is_fork(const al_rules *r, const char *name);

/* Whether some rule describes `name`: a blocking API, or a pack's "nonblocking" list. */
bool al_rules_describes(const al_rules *r, const char *name);

/* What the rules may ask about one call. `opened_by` answers the "opened_by" test: whether what
 * the argument holds (a local or static variable, a struct field) was assigned from a call that
 * matches one of the origins (see al_rules_origin_matches), or from a project function that
 * returns one's result. With `every` set it answers "only_opened_by": the argument is assigned
 * from calls at least once, and every such call matches an origin. */
typedef struct al_call_args {
    const al_fact_arg *args;
    size_t count;
    const al_strtab *strings; /* names of variable and call arguments */
    bool (*opened_by)(const void *context, const al_fact_arg *arg, const al_origin *origins, size_t origin_count,
                      bool every);
    /* the "flushed_by" test: whether the argument was passed to one of `flushers` earlier in the
     * call's block, on every way to it, and to nothing but `keepers` since */
    bool (*flushed_by)(const void *context, const al_fact_arg *arg, char *const *flushers, size_t flusher_count,
                       char *const *keepers, size_t keeper_count);
    const void *context;
} al_call_args;

/* Whether a call to `api` blocks, given its arguments. A conditional API blocks only when
 * `conditional` is set (--conditional), or when all of its definite_if conditions hold. */
bool al_rules_call_blocks(const al_api_rule *api, const al_call_args *call, bool conditional);

/* The category a blocking call to `api` is reported in: `definite_category` when the call's
 * definite_if conditions hold (read() on a regular file is file I/O), else the API's category. */
const char *al_rules_call_category(const al_api_rule *api, const al_call_args *call);

/* Whether a call to `callee` with these arguments is what `origin` describes. */
bool al_rules_origin_matches(const al_origin *origin, const char *callee, const al_fact_arg *args, size_t count,
                             const al_strtab *strings);

/* The context rule a function reference matches: by the declared type it is stored as, else by
 * the call it is an argument of, else by the field it is stored into. NULL when none does. When
 * several match, a handler rule wins over a worker rule. */
const al_context_rule *al_rules_match_context(const al_rules *r, const char *type_name, const char *call, int arg,
                                              const char *field);

/* Every context rule, in load order. */
const al_context_rule *al_rules_contexts(const al_rules *r, size_t *count);

/* The fix to show for `api` called from a handler of `family` (may be NULL or ""). */
const char *al_rules_fix(const al_rules *r, const char *family, const al_api_rule *api);
/* The family's fix for a category ("custom" for annotated blocking functions), or NULL. */
const char *al_rules_category_fix(const al_rules *r, const char *family, const char *category);

/* `asynclock rules list` and `asynclock rules show NAME`. Return false when nothing matched. */
bool al_rules_print_list(al_rules *r, FILE *out, const char *category, const char *pack);
bool al_rules_print_show(al_rules *r, FILE *out, const char *name);
/* One line per loaded pack, in load order: its name, format version, how many APIs it describes
 * (not overridden by a later pack) and a digest of its file (asynclock --version). */
void al_rules_print_packs(al_rules *r, FILE *out);

/* The categories a finding may have, NULL-terminated. */
const char *const *al_rules_categories(void);

const char *al_severity_name(al_severity s);
/* Parses "error"/"warning"/"note"; false when it is none of them. */
bool al_severity_parse(const char *s, al_severity *out);

#endif
