/* locks: which locks worker threads hold across blocking work, and which lock a handler takes.
 *
 * A handler that takes a lock waits for as long as another thread holds it. That is harmless when
 * every holder only updates a counter; it stalls the loop when a worker holds the lock while it
 * writes a file, waits on a condition or sleeps. So a lock acquisition on the loop is a finding
 * only when some worker can hold that lock across a blocking call.
 *
 * Lock identity is the variable or field the lock call's argument names: a variable with static
 * storage by its link key (`&stats_mutex`, `g_lock`), a lock in a struct by its field ("stats.mutex"
 * for `&stats.mutex` and `&s->mutex` alike, "conn.lock" for a pointer field `c->lock`). The
 * project's lock wrappers (`stats_lock()` taking `&stats.mutex`, `lock(m)` taking its parameter)
 * are found by a fixpoint over function summaries: what a function acquires and does not release,
 * and what it releases that it did not acquire.
 *
 * The worker side is every function worker entries (thread entries, work callbacks) reach on calls
 * that can run. In such a function, a lock is held at a call when an acquisition of it comes
 * before the call in the same block or an enclosing one, and no release of it comes between them
 * (a release in a branch that then leaves the function, `if (err) { unlock(); return; }`, does not
 * count). A call under a lock that blocks, or that leads to a blocking call, holds the lock across
 * blocking work; a condition wait gives its own mutex back while it waits. */
#ifndef AL_LOCKS_H
#define AL_LOCKS_H

#include "contexts.h"
#include "paths.h"
#include "reach.h"

/* A worker that holds a lock across blocking work: the calls from its entry to the blocking call,
 * in order (the worker entry makes the first; the last is the blocking call). */
typedef struct al_lock_witness {
    uint32_t lock;          /* the lock's identity (string id) */
    uint32_t lock_name;     /* what the report calls it: the variable's name, or "S.f" */
    uint32_t worker;        /* the worker entry (function index) */
    uint32_t acquired;      /* the call that took the lock */
    uint32_t first, count;  /* its chain: al_locks.chain_calls[first .. first + count) */
    const al_api_rule *api; /* the blocking call's rule (NULL: an asynclock:blocking function) */
} al_lock_witness;

typedef struct al_locks {
    AL_VEC(al_lock_witness) witnesses; /* one per lock a worker holds across blocking work */
    al_u32_vec chain_calls;
    uint32_t *witness_of; /* per string id: witness index + 1, 0 for none */
    const al_program *p;
    const al_rules *rules;
} al_locks;

/* Finds what workers hold across blocking work in `p`. */
void al_locks_find(al_locks *out, const al_program *p, const al_contexts *c, const al_rules *rules,
                   const al_paths *paths);
void al_locks_free(al_locks *l);

/* When link `link` of `r` is a call that acquires a lock (a pack's "acquire", not a trylock): the
 * lock's identity and, in *name, what the report calls it; 0 when the call takes no lock or its
 * lock cannot be named (a parameter of the handler's own chain is followed back to the argument
 * that names it). */
uint32_t al_locks_acquired(const al_locks *l, const al_reach *r, uint32_t link, uint32_t *name);

/* The worker that holds lock `lock` across blocking work, or NULL. */
const al_lock_witness *al_locks_held_across(const al_locks *l, uint32_t lock);

#endif
