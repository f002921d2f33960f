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
    AL_SHIM_REGULAR,     /* the argument is a descriptor of a regular file: what "opened_by" proves */
};

/* Which list of the rule the condition comes from. */
enum { AL_SHIM_UNLESS, AL_SHIM_ONLY_IF, AL_SHIM_DEFINITE_IF };

typedef struct al_shim_condition {
    int8_t arg; /* from 0; -1, the last argument, cannot be located at run time */
    uint8_t test, list;
    int64_t value;
    uint16_t variables, variable_count; /* AL_SHIM_VARIABLE_IN: a range of al_shim_variable_names */
} al_shim_condition;

typedef struct al_shim_api {
    const char *name;   /* the rule's API: "fopen" */
    const char *symbol; /* the symbol intercepted: "fopen", "fopen64", "__fread_chk" */
    const char *category, *definite_category;
    uint8_t conditional; /* confidence "conditional": traced with --conditional, or when definite_if holds */
    uint8_t loop_runner; /* category "nested-loop": entering it makes the thread a loop thread */
    uint16_t condition_first, condition_count;
} al_shim_api;

#endif
