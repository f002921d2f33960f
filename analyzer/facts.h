/* facts: what the extractor learns from one translation unit, as plain C data.
 *
 * Facts do not depend on the rules: every function reference is recorded with how it is used
 * (argument i of a call to F with the parameter's declared type, stored into field S.f, ...), so
 * rules and configuration are applied later, at link time. All strings live in the unit's own
 * interner (`strings`); every `uint32_t` named *_name, *_key, *_type or file is an id in it. */
#ifndef AL_FACTS_H
#define AL_FACTS_H

#include <string.h>

#include "util.h"

typedef struct al_loc {
    uint32_t file; /* absolute path, id in the unit's strings */
    uint32_t line, column;
} al_loc;

enum {
    AL_ANNOT_HANDLER = 1u << 0,
    AL_ANNOT_BLOCKING = 1u << 1,
    AL_ANNOT_NONBLOCKING = 1u << 2,
    AL_ANNOT_NORETURN = 1u << 3,    /* declared noreturn: `_Noreturn`, `__attribute__((noreturn))` */
    AL_ANNOT_CONSTRUCTOR = 1u << 4, /* `__attribute__((constructor))`: runs before main */
};

/* A function defined in the unit, or only declared with an annotation. */
typedef struct al_fact_function {
    uint32_t key; /* link key: the USR, qualified by the defining file for static functions */
    uint32_t name;
    al_loc loc;
    bool defined;
    unsigned annotations; /* AL_ANNOT_* */
    uint32_t type;        /* canonical function type, "void (struct conn *)": --resolve-by-type */
    bool returns;         /* its body has a return statement */
} al_fact_function;

/* What the extractor knows of one call argument: an integer or null pointer constant it could
 * fold, or the variable it names (`stderr` in `fflush(stderr)`). */
typedef enum {
    AL_ARG_UNKNOWN = 0,
    AL_ARG_INT,
    AL_ARG_NULL,
    AL_ARG_VARIABLE,
    AL_ARG_CALL,
    AL_ARG_STRING,        /* a string literal: `fopen(path, "r")`, `open("/proc/stat", ...)` */
    AL_ARG_FIELD,         /* a struct field: `write(log->fd, ...)` */
    AL_ARG_PARAM,         /* a parameter of the calling function: `value` is its index, `name` its name */
    AL_ARG_FIELDS,        /* the address of a local struct, `&hints`, whose fields the function set to
                             constants: `name` is "ai_flags=4,ai_family=2" */
    AL_ARG_ADDRESS,       /* the address of a variable, `&rdb`, `&hash_type`: `name` is its name, `key` its
                             link key when it has static storage (0 for a local) */
    AL_ARG_FIELD_ADDRESS, /* the address of a struct field, `&stats.mutex`, `&c->lock`: `name` is "S.f" */
} al_arg_kind;
typedef struct al_fact_arg {
    al_arg_kind kind;
    long long value; /* AL_ARG_INT */
    uint32_t name;   /* AL_ARG_VARIABLE: the variable's name; AL_ARG_CALL: the called function's name
                        (`fileno(fopen(p, "r"))`); AL_ARG_STRING: the literal's text (at most 256
                        bytes); AL_ARG_FIELD: "S.f"; an id in the unit's strings */
    uint32_t key;    /* AL_ARG_VARIABLE of static storage: its link key (0 for a local) */
} al_fact_arg;

/* A condition a call (or reference) runs under, from the if, switch, ?:, && and || around it and
 * the early returns before it: `if ((pid = fork()) == 0)`, `if (debug)`, `if (flags & SYNC)`,
 * `if (c->handler == on_read)`. The programs stage evaluates them: a guard on a variable nothing
 * assigns, or on a parameter every caller passes as the same constant, can be known false; a
 * guard on the result of fork() can say "only in the child". */
typedef enum {
    AL_GUARD_LOCAL,  /* `subject` is a local variable's name */
    AL_GUARD_GLOBAL, /* `subject` is a variable's link key (static storage) */
    AL_GUARD_PARAM,  /* parameter `param` of the enclosing function */
    AL_GUARD_FIELD,  /* `subject` is "S.f" */
    AL_GUARD_CALL,   /* the result of a direct call: `subject` is the callee's link key */
    AL_GUARD_FIXED,  /* a local that holds `fixed` all along (a constant initializer, never
                        written, its address never taken); `subject` is its name */
} al_guard_subject;
typedef enum {
    AL_GUARD_EQ, /* subject == value (or == function value_key) */
    AL_GUARD_NE,
    AL_GUARD_LT,
    AL_GUARD_LE,
    AL_GUARD_GT,
    AL_GUARD_GE,
    AL_GUARD_TRUE,       /* subject != 0 */
    AL_GUARD_FALSE,      /* subject == 0 */
    AL_GUARD_BITS_SET,   /* (subject & value) != 0 */
    AL_GUARD_BITS_CLEAR, /* (subject & value) == 0 */
} al_guard_op;
typedef struct al_fact_guard {
    al_guard_subject subject_kind;
    uint32_t subject; /* string id (name, key or "S.f"), 0 for a parameter */
    int param;
    al_guard_op op;
    long long value;
    uint32_t value_key; /* EQ/NE against a function: its link key, else 0 */
    long long fixed;    /* AL_GUARD_FIXED: the local's value */
} al_fact_guard;

/* A block of statements (a compound statement, or a branch or loop body written without braces),
 * for the crash paths: a block whose statements include a call that never returns (abort, exit, a
 * project's fatal reporter) only runs on the way out of the process. */
typedef struct al_fact_block {
    uint32_t parent;    /* index + 1 of the enclosing block in the unit, 0 for a function's body */
    uint32_t function;  /* key of its function */
    bool switch_body;   /* the body of a switch: its statements are not run one after the other
                           (a case label enters in the middle), so an exit in one case ends no other */
    uint32_t position;  /* the position in the enclosing block of the statement that holds it */
    uint32_t last_exit; /* 1 + the position of the last of its statements that holds a return or a
                           goto, 0 for none: what runs after a call can still leave the function */
} al_fact_block;

/* A loop statement (for, while, do), for the loop drivers: the calls of a loop whose body runs
 * one iteration of an event loop (`while (uv_run(loop, UV_RUN_ONCE)) drain();`) run on the loop
 * thread between iterations. */
typedef struct al_fact_loop {
    uint32_t parent;   /* index + 1 of the enclosing loop, 0 for none */
    uint32_t function; /* key of its function */
    bool once;         /* `do { ... } while (0)`: a macro's statement wrapper, its body runs once */
} al_fact_loop;

/* `return v;` of a local variable: with the calls assigned to `v`, which calls' results a function
 * returns (a project's own fork() or open() wrapper). */
/* `r->fp = fp;`, `g_log = fd;`: a parameter of `function` stored into a field or a variable with
 * static storage, so what the field holds comes from the function's callers; or a local:
 * `fd = open(...); c->fd = fd;`, so it holds what the function assigns to that local. */
typedef struct al_fact_store {
    uint32_t function; /* key */
    uint32_t target;   /* "S.f", or the variable's link key */
    int param;         /* -1 for a local */
    uint32_t local;    /* the local's name, 0 for a parameter */
} al_fact_store;

/* An object set up from a descriptor with static storage: `*r = file_ops;` (a copy of the whole
 * descriptor, `field` 0), `r->type = &hash_type;` (`field` "S.type"), `rio r = file_ops;`. The
 * object is parameter `param` of `function` (else -1) or its local named `local` (else 0); a call
 * through one of its slots can only call what the descriptor's initializer put there. */
typedef struct al_fact_install {
    uint32_t function; /* key */
    int param;
    uint32_t local;
    uint32_t field;      /* "S.f", or 0 for the whole object */
    uint32_t descriptor; /* the descriptor variable's link key */
} al_fact_install;

/* `return v;`, `return g;`, `return x->f;` of a function: what its callers receive. */
typedef struct al_fact_return {
    uint32_t function;
    uint32_t variable; /* a local: its name, else 0 */
    uint32_t target;   /* a variable with static storage: its link key; a field: "S.f"; else 0 */
} al_fact_return;

typedef struct al_fact_call {
    uint32_t caller;      /* key of the enclosing function */
    uint32_t callee_key;  /* direct call: the callee's link key; 0 for an indirect call */
    uint32_t callee_name; /* direct call: its name; indirect: what the callee expression loads,
                             "S.f" for a field, the variable's name, or "" */
    al_loc loc;           /* where the call is written (macro expansions: where the macro is used) */
    uint32_t first_arg;   /* index into the unit's args */
    uint32_t arg_count;
    uint32_t assigned_to;    /* `fd = open(...)`, `int fd = open(...)`: the variable's name, else 0 */
    uint32_t variable_key;   /* indirect call through a variable or array (`handlers[i](x)`): the
                                variable's link key (see al_fact_ref.variable_key), else 0 */
    uint32_t pointee_type;   /* indirect call: canonical type of the called function, else 0 */
    int param;               /* indirect call through parameter `param` of the caller, else -1 */
    uint32_t assigned_field; /* `x->f = open(...)`: "S.f", else 0 */
    uint32_t assigned_key;   /* `g = open(...)` of a variable with static storage: its link key, else 0 */
    bool subscripted;        /* indirect call through an array element: `handlers[i](x)` */
    bool returned;           /* `return open(...);` */
    bool statement;          /* the call is a whole statement of its block: `abort();` */
    uint32_t block;          /* index + 1 of its innermost block, 0 at file scope */
    uint32_t loop;           /* index + 1 of its innermost loop, 0 for none */
    uint32_t first_guard;    /* its guards: the unit's guards[first_guard ... + guard_count) */
    uint32_t guard_count;
    uint32_t then_calls;   /* `report(), unreachable()`: the name of the function that the comma
                              operator calls right after this call, else 0 (an assertion macro's
                              reporter is followed by a call that never returns) */
    uint32_t position;     /* the position in its block of the statement that holds it */
    uint32_t label_before; /* 1 + the position in its block of the last statement, up to the one that
                              holds it, that is or holds a goto label (`werr:`) or, in a switch's
                              body, a case label, 0 for none: a jump may enter the block there,
                              past what comes before */
} al_fact_call;

/* A call through a field of an object the caller names, `r->write(r, buf)` or
 * `d->type->free_val(v)`: the object is parameter `param` (else -1) or the local named `local`
 * (else 0); `field` is the field it is read through on the way ("dict.type" of
 * `d->type->free_val`), 0 when the slot is the object's own. Few calls are such calls: kept apart,
 * by the index of the call in the unit's calls, ascending. */
typedef struct al_fact_object {
    uint32_t call;
    int param;
    uint32_t local;
    uint32_t field;
} al_fact_object;

typedef enum {
    AL_USE_ARGUMENT, /* argument `index` of a call to `target` */
    AL_USE_FIELD,    /* stored into field `target` ("S.f") by assignment or initializer */
    AL_USE_VARIABLE, /* stored into variable `target` by assignment or initializer */
    AL_USE_OTHER,    /* any other address-taken use */
} al_use_kind;

/* A function named outside callee position: `uv_timer_start(&t, on_tick, 0, 0)`; or, when
 * `param` >= 0, a parameter of the enclosing function that may hold a function (a function
 * pointer or void *) passed on the same way: `void watch(cb_t fn) { event_new(..., fn, ...); }`
 * makes `watch` a registration function for its parameter. */
typedef struct al_fact_ref {
    uint32_t function_key; /* 0 for a parameter */
    uint32_t function_name;
    int param;
    uint32_t enclosing; /* key of the function it appears in; 0 at file scope */
    al_loc loc;
    al_use_kind use;
    uint32_t target;       /* callee name, field "S.f" or variable name */
    uint32_t target_key;   /* callee's link key for AL_USE_ARGUMENT direct calls, else 0 */
    int index;             /* argument index for AL_USE_ARGUMENT */
    uint32_t type_name;    /* declared type of the parameter, field or variable ("uv_read_cb") */
    uint32_t variable_key; /* AL_USE_VARIABLE: the variable's link key: its USR, qualified by the
                              defining file unless it has external linkage (statics, locals) */
    uint32_t block;        /* as al_fact_call: where a registration is made, and under what */
    uint32_t first_guard, guard_count;
    uint32_t holder; /* at file scope: the link key of the variable whose initializer holds it */
} al_fact_ref;

/* A variable that holds what another one holds: `cb_t *t = handlers;`, `cb_t (*p)[2] = &handlers;`,
 * `f = g;` (both of a type that leads to functions), or what a field holds: `fns[n] = cfg->apply;`.
 * A call through `variable_key` may call what was stored into `source_key`. Both are link keys
 * (al_fact_ref.variable_key); a field source is its "S.f". */
typedef struct al_fact_alias {
    uint32_t variable_key;
    uint32_t source_key;
} al_fact_alias;

/* A variable with static storage that the unit defines (file scope, or a static local): what the
 * programs stage follows (a unit that defines a table another unit uses joins its program) and
 * what constant guards read (`static int debug = 0;` that nothing assigns is a constant). */
typedef struct al_fact_variable {
    uint32_t key; /* link key (al_fact_ref.variable_key) */
    uint32_t name;
    al_loc loc;
    bool has_value; /* its initializer (or the zero of static storage) is an integer constant */
    long long value;
    uint32_t type; /* its type, arrays as their element type ("struct redisCommand") */
} al_fact_variable;

typedef enum {
    AL_VAR_READ = 0,
    AL_VAR_WRITE = 1,   /* assigned, incremented, or an element or member of it assigned */
    AL_VAR_ADDRESS = 2, /* its address taken: it may be written anywhere */
    AL_VAR_DISCARD = 3, /* cast to void (`UNUSED(table)`): named, never read */
} al_var_use_kind;

/* A use of a variable with static storage, once per (function, variable, kind) in the unit. */
typedef struct al_fact_var_use {
    uint32_t function; /* key of the enclosing function; 0 at file scope (an initializer) */
    uint32_t variable; /* its link key */
    al_var_use_kind kind;
    uint32_t type;   /* its type as this unit declares it (al_fact_variable.type): two programs may
                        each define a variable of the name, with different types */
    uint32_t holder; /* at file scope: the link key of the variable whose initializer uses it */
} al_fact_var_use;

typedef struct al_fact_diag {
    al_loc loc;
    bool fatal; /* an error that makes the unit's facts incomplete */
    uint32_t message;
} al_fact_diag;

typedef struct al_tu_facts {
    char *file;    /* the translation unit's main file */
    bool parsed;   /* false: no facts at all (unreadable file, libclang failure) */
    char *failure; /* why it was not parsed, or the first error when it parsed with errors */
    unsigned error_count;
    al_strtab strings;
    AL_VEC(al_fact_function) functions;
    AL_VEC(al_fact_call) calls;
    AL_VEC(al_fact_arg) args;
    AL_VEC(al_fact_ref) refs;
    AL_VEC(al_fact_alias) aliases;
    AL_VEC(al_fact_variable) variables;
    AL_VEC(al_fact_var_use) var_uses;
    AL_VEC(al_fact_guard) guards;
    AL_VEC(al_fact_block) blocks;
    AL_VEC(al_fact_loop) loops;
    AL_VEC(al_fact_return) returns;
    AL_VEC(al_fact_store) stores;
    AL_VEC(al_fact_install) installs;
    AL_VEC(al_fact_object) objects;
    AL_VEC(al_fact_diag) diags;
    al_u32_vec includes; /* every file the unit read (headers included), ids in strings: the
                            facts cache re-parses the unit when one of them changes */
} al_tu_facts;

typedef AL_VEC(al_tu_facts) al_tu_facts_vec;

/* Whether a link key names an internal symbol (a static function or variable, a local): those keys
 * are qualified with "@" and the absolute path of the defining file; external USRs never hold
 * "@/". Programs link external keys across units, and only external keys can clash. */
static inline bool al_key_is_internal(const char *key)
{
    return strstr(key, "@/") != NULL;
}

void al_tu_facts_init(al_tu_facts *tu, const char *file);
void al_tu_facts_free(al_tu_facts *tu);

/* The serialized form of a unit's facts, for the facts cache and shard files. It is private to
 * this version of asynclock (the cache key includes AL_FACTS_FORMAT), compact (varints), and
 * decoded defensively: a truncated or corrupt blob is rejected, never trusted. */
#define AL_FACTS_FORMAT 20
void al_tu_facts_encode(const al_tu_facts *tu, al_bytes *out);
/* Fills `out` (initialized here) from `data`; false, with `out` empty, when the bytes are not a
 * well-formed encoding. */
bool al_tu_facts_decode(const void *data, size_t len, al_tu_facts *out);

#endif
