/* contexts: which functions run on the loop thread. Applies the context rules of the packs to
 * every function reference of the program (passed as a uv_read_cb, stored into a handler field,
 * argument 2 of pthread_create, passed to the project's own registration wrapper, ...), to
 * function names and marker calls, and to asynclock:handler annotations. The reach stage starts
 * from the handlers it finds; worker entries are only recorded, never searched. */
#ifndef AL_CONTEXTS_H
#define AL_CONTEXTS_H

#include "paths.h"
#include "program.h"
#include "rules.h"

/* How a handler was found: the al_match_kind of its rule, or one of these. */
#define AL_HANDLER_ANNOTATED (-1)
#define AL_HANDLER_LOOP_DRIVER (-2) /* the calls a loop makes between iterations of an event loop */

typedef struct al_handler {
    uint32_t function;    /* index in the program */
    int how;              /* al_match_kind, or AL_HANDLER_ANNOTATED */
    const char *pattern;  /* the rule's name glob or marker function, for the report */
    const char *kind;     /* "libuv read callback (uv_read_cb)" or "annotated asynclock:handler" */
    const char *family;   /* loop family for fixes ("" when none) */
    al_loc registered_at; /* the first registration, or the annotated declaration */
    uint32_t region;      /* a loop driver: the loop (index + 1) whose calls start the search; else 0 */
    bool thread;          /* a worker: the entry of a thread of its own (al_context_rule.thread) */
} al_handler;

typedef struct al_contexts {
    AL_VEC(al_handler) handlers; /* in function index order */
    AL_VEC(al_handler) workers;  /* worker entries (thread entries, work callbacks), in function order */
    AL_VEC(char *) owned_kinds;  /* "... via wrapper()" descriptions that handlers point to */
    uint8_t *role;               /* per function: 0 none, AL_CONTEXT_WORKER, AL_CONTEXT_HANDLER */
    size_t worker_count;
} al_contexts;

enum { AL_CONTEXT_WORKER = 1, AL_CONTEXT_HANDLER = 2 };

/* `paths` (may be NULL) says which registrations never run on the loop thread (in a fork child,
 * under a constant guard), and which loops drive an event loop: each is a handler of its own. */
void al_contexts_find(al_contexts *c, const al_program *p, const al_rules *rules, const al_paths *paths);
void al_contexts_free(al_contexts *c);

#endif
