/* shim.h: the table of intercepted APIs that shim/gen.c writes (shim_apis.h, from the rule packs)
 * and shim/shim.c reads. Internal to the shim. */
#ifndef AL_SHIM_H
#define AL_SHIM_H

#include <stdint.h>

/* What a condition tests; the run-time form of the packs' argument tests. */
enum {
    AL_SHIM_EQUALS,      /* the argument (its low 32 bits) equals value */
    AL_SHIM_HAS_BITS,    /* the argument (its low 32 bits) has every bit of value */
    AL_SHIM_IS_NULL,     /* the argument is a null pointer */
    AL_SHIM_VARIABLE_IN, /* the argument is the value of one of the named variables (stdout, stderr) */
    AL_SHIM_PREFIX_IN,   /* the argument is a string starting with one of the prefixes ("prefix_in") */
    AL_SHIM_REGULAR,     /* the descriptor (or stream) is a regular file at none of the prefixes (the
                            origins' "path_not_prefix"): what "opened_by" proves */
    AL_SHIM_ONLY_OPENED, /* the stream (or descriptor) is of a kind value's AL_SHIM_ORIGIN_* bits name:
                            what "only_opened_by" proves */
    AL_SHIM_UNCHECKABLE, /* a test the shim cannot make at run time: as an argument it cannot locate */
};

/* value of AL_SHIM_REGULAR and AL_SHIM_ONLY_OPENED: whether the argument is a stream (all the
 * origins open streams) and, for AL_SHIM_ONLY_OPENED, the kinds of origin the shim can tell from
 * the open stream or descriptor. AL_SHIM_ORIGIN_OTHER: an origin it cannot tell, so a stream of
 * none of the other kinds is unknown rather than failing the test. */
enum {
    AL_SHIM_STREAM = 1,
    AL_SHIM_ORIGIN_READ_ONLY = 2, /* opened without write access ("mode_without": "wa+") */
    AL_SHIM_ORIGIN_MEMORY = 4,    /* fmemopen, open_memstream: no descriptor */
    AL_SHIM_ORIGIN_PATH = 8,      /* a file whose path starts with one of the prefixes ("path_prefix") */
    AL_SHIM_ORIGIN_OTHER = 16,
};

/* Which list of the rule the condition comes from. */
enum { AL_SHIM_UNLESS, AL_SHIM_ONLY_IF, AL_SHIM_DEFINITE_IF };

typedef struct al_shim_condition {
    int8_t arg; /* from 0; -1, the last argument, cannot be located at run time */
    uint8_t test, list;
    int64_t value;
    /* AL_SHIM_VARIABLE_IN: a range of al_shim_variable_names; the other tests with strings
     * (AL_SHIM_PREFIX_IN, AL_SHIM_REGULAR, AL_SHIM_ONLY_OPENED): a range of al_shim_prefixes */
    uint16_t strings, string_count;
} al_shim_condition;

typedef struct al_shim_api {
    const char *name;   /* the rule's API: "fopen" */
    const char *symbol; /* the symbol intercepted: "fopen", "fopen64", "__fread_chk" */
    const char *category, *definite_category;
    uint8_t conditional; /* confidence "conditional": traced with --conditional, or when definite_if holds */
    uint8_t loop_runner; /* category "nested-loop": entering it makes the thread a loop thread */
    uint8_t loop_wait;   /* a wait on descriptors (poll, epoll_wait, select): what a loop waits in */
    uint16_t condition_first, condition_count;
} al_shim_api;

#endif
