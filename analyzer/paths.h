/* paths: which calls of a program can run on its loop thread, from the flow facts the extractor
 * recorded (guards, blocks, loops; facts.h). Runs once per program, after linking, before the
 * handlers are found and searched. Four kinds of call never run there:
 *
 *  - a call guarded by a variable with static storage that nothing in the program writes, when its
 *    initial value makes the guard false (`static int debugmsg = 0; if (debugmsg) log_to_file()`);
 *  - a call guarded by a parameter that every call of its function the loop thread can make passes
 *    as a constant making the guard false (`crawler_stop(false)` wherever the loop reaches it, while
 *    only the shutdown code passes true: `if (wait) pthread_join()`);
 *  - a call in the child of a fork: guarded by the result of fork() (or a project function that
 *    returns it) being 0;
 *  - a call on a crash path: in a block that ends the process (a statement calling abort, exit, a
 *    library's or the project's own fatal reporter: a function whose body does, and that has no
 *    return statement).
 *
 * Each is linear in the program's facts (the noreturn functions are a fixpoint over project
 * functions, each pass linear). It also finds the loop drivers: loops whose body runs one event
 * loop iteration (`while (uv_run(loop, UV_RUN_ONCE)) drain();`); the other calls of such a loop run
 * on the loop thread (contexts.h makes them a handler's start). */
#ifndef AL_PATHS_H
#define AL_PATHS_H

#include "program.h"
#include "rules.h"

typedef enum {
    AL_PATH_LIVE = 0,
    AL_PATH_CONSTANT, /* a guard on a variable nothing writes is false */
    AL_PATH_FLAG,     /* a guard on a parameter every caller passes as the same constants is false */
    AL_PATH_CHILD,    /* runs only in a forked child */
    AL_PATH_CRASH,    /* runs only on the way to abort/exit */
} al_path_reason;

/* A loop whose body runs an event loop iteration: the calls of the loop (its condition, its body,
 * its nested loops) other than the loop-running ones run on the loop thread. */
typedef struct al_loop_driver {
    uint32_t function; /* where the loop is */
    uint32_t loop;     /* index + 1 in program loops */
    uint32_t run_call; /* the call that runs the event loop */
} al_loop_driver;

typedef struct al_paths {
    uint8_t *call;     /* per program call: al_path_reason */
    uint8_t *ref;      /* per program reference: al_path_reason (a registration that never runs) */
    uint8_t *noreturn; /* per function: it never returns */
    AL_VEC(al_loop_driver) drivers;
    size_t counts[AL_PATH_CRASH + 1]; /* calls excluded, by reason */
    struct al_paths_work *work;       /* what al_paths_refine needs */
} al_paths;

/* Constant guards, fork children, crash paths and loop drivers: before the handlers are found. */
void al_paths_find(al_paths *out, const al_program *p, const al_rules *rules);
/* Flag guards, once the handlers are known: a call guarded by a parameter is dead when every call
 * of its function that the loop thread can make (from a function in `reachable`, per function)
 * passes a constant that makes the guard false. Other callers (a signal handler, the shutdown code
 * after the loop returned) cannot run it on the loop thread. */
void al_paths_refine(al_paths *out, const al_program *p, const uint8_t *reachable);
void al_paths_free(al_paths *out);

/* Whether call k lies inside loop `loop` (index + 1), or a loop nested in it. */
bool al_paths_call_in_loop(const al_program *p, uint32_t k, uint32_t loop);

#endif
