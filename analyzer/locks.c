/* locks: which locks worker threads hold across blocking work (see locks.h). */
#include "locks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a call does to a lock: takes or gives back the lock its argument names (`lock` and `name`,
 * string ids), or the one its caller's parameter `param` names (a wrapper's summary). */
typedef struct effect {
    al_lock_role role;
    int param; /* >= 0: the function's parameter; else `lock` */
    uint32_t lock, name;
} effect;
typedef AL_VEC(effect) effect_list;

typedef struct work {
    const al_program *p;
    const al_rules *rules;
    const al_paths *paths;
    effect_list *summary; /* per function: what a call to it does to locks (a wrapper's effect) */
} work;

/* Bounds: rounds of the wrapper fixpoint, steps of a chain, and effects in one summary (past that
 * a function is no lock wrapper: it takes and gives back too many things to say). */
enum { MOST_SUMMARY_ROUNDS = 8, MOST_CHAIN_STEPS = 64, MOST_EFFECTS = 8 };
/* How far below the call made under the lock the blocking call may be. Every allocation reaches an
 * allocator's one-time setup (its configuration file) a dozen calls down, and a worker holding a
 * lock across `malloc` is not holding it across I/O: what a critical section does is what its
 * code calls, a few calls deep. */
enum { MOST_BLOCKING_DEPTH = 6 };

/* The lock an argument names: a variable with static storage (`&m`, `m` of a pointer, `&m[i]` of an
 * array), a field (`&s.mutex`, `&c->mutex`, `c->lock`); its identity, and in *name what to call
 * it. A field of a structure without a name ("(anonymous).lock") names no lock: every such
 * structure's field would be one lock. */
static uint32_t identity_of_arg(const al_program *p, const al_fact_arg *a, uint32_t *name)
{
    *name = a->name;
    if ((a->kind == AL_ARG_ADDRESS || a->kind == AL_ARG_VARIABLE) && a->key)
        return a->key;
    if ((a->kind == AL_ARG_FIELD_ADDRESS || a->kind == AL_ARG_FIELD) &&
        strncmp(al_program_str(p, a->name), "(anonymous).", 12) != 0)
        return a->name;
    return 0;
}

/* An effect of `role` on the lock argument `a` names; false when it names none. */
static bool effect_of_arg(const al_program *p, al_lock_role role, const al_fact_arg *a, effect *out)
{
    *out = (effect){role, -1, 0, 0};
    if (a->kind == AL_ARG_PARAM) {
        out->param = (int)a->value;
        return true;
    }
    out->lock = identity_of_arg(p, a, &out->name);
    return out->lock != 0;
}

/* What call k does to locks: a lock function of the packs, or a function whose summary says. */
static void call_effects(const work *w, uint32_t k, effect_list *out)
{
    out->count = 0;
    const al_program *p = w->p;
    const al_call *c = &p->calls.items[k];
    if (c->indirect)
        return;
    const al_lock_rule *rule = al_rules_find_lock(w->rules, al_program_str(p, c->callee_name));
    effect e;
    if (rule) {
        if ((uint32_t)rule->arg < c->arg_count &&
            effect_of_arg(p, rule->role, &p->args.items[c->first_arg + rule->arg], &e))
            AL_VEC_PUSH(*out, e);
        return;
    }
    if (c->callee == AL_NONE || !w->summary)
        return;
    const effect_list *s = &w->summary[c->callee];
    for (size_t i = 0; i < s->count; i++) {
        e = s->items[i];
        if (e.param >= 0) {
            if ((uint32_t)e.param >= c->arg_count ||
                !effect_of_arg(p, e.role, &p->args.items[c->first_arg + e.param], &e))
                continue;
        }
        AL_VEC_PUSH(*out, e);
    }
}

static bool same_lock(const effect *a, const effect *b)
{
    return a->param == b->param && (a->param >= 0 || a->lock == b->lock);
}

/* Adds e to list unless an effect of its role on its lock is there already. */
static void add_effect(effect_list *list, const effect *e)
{
    for (size_t i = 0; i < list->count; i++)
        if (list->items[i].role == e->role && same_lock(&list->items[i], e))
            return;
    AL_VEC_PUSH(*list, *e);
}

/* What a call to f does to locks, from its calls in order: what it takes and does not give back,
 * what it gives back that it did not take, and the condition waits that give back a lock it did
 * not take (a caller that holds one of those does not hold it across f's blocking calls). Returns
 * whether that changed. */
static bool summarize(work *w, uint32_t f, effect_list *scratch)
{
    const al_program *p = w->p;
    const al_function *fn = &p->functions.items[f];
    effect_list taken = {0}, given = {0};
    for (uint32_t k = fn->first_call; k < fn->first_call + fn->call_count; k++) {
        call_effects(w, k, scratch);
        for (size_t i = 0; i < scratch->count; i++) {
            const effect *e = &scratch->items[i];
            if (e->role == AL_LOCK_ACQUIRE) {
                add_effect(&taken, e);
            } else if (e->role == AL_LOCK_WAIT) {
                bool own = false;
                for (size_t j = 0; j < taken.count && !own; j++)
                    own = same_lock(&taken.items[j], e);
                if (!own)
                    add_effect(&given, e);
            } else if (e->role == AL_LOCK_RELEASE) {
                size_t j = taken.count;
                while (j > 0 && !same_lock(&taken.items[j - 1], e))
                    j--;
                if (j > 0) { /* given back: the function holds it no longer */
                    memmove(&taken.items[j - 1], &taken.items[j], (taken.count - j) * sizeof(effect));
                    taken.count--;
                } else {
                    add_effect(&given, e);
                }
            }
        }
    }
    for (size_t i = 0; i < given.count; i++)
        AL_VEC_PUSH(taken, given.items[i]);
    AL_VEC_FREE(given);
    if (taken.count > MOST_EFFECTS)
        taken.count = 0;
    effect_list *old = &w->summary[f];
    bool changed = old->count != taken.count ||
                   (taken.count && memcmp(old->items, taken.items, taken.count * sizeof(effect)) != 0);
    AL_VEC_FREE(*old);
    *old = taken;
    return changed;
}

/* The project's lock wrappers: summaries to a fixpoint, from the functions that call a pack's lock
 * function up through their callers, a bounded number of rounds. */
static void find_wrappers(work *w)
{
    const al_program *p = w->p;
    size_t n = p->functions.count;
    w->summary = al_xcalloc(n + 1, sizeof(effect_list));
    uint8_t *pending = al_xcalloc(n + 1, 1), *next = al_xcalloc(n + 1, 1);
    for (size_t k = 0; k < p->calls.count; k++) {
        const al_call *c = &p->calls.items[k];
        if (!c->indirect && al_rules_find_lock(w->rules, al_program_str(p, c->callee_name)))
            pending[c->caller] = 1;
    }
    effect_list scratch = {0};
    for (int round = 0; round < MOST_SUMMARY_ROUNDS; round++) {
        bool any = false;
        memset(next, 0, n + 1);
        for (size_t f = 0; f < n; f++) {
            if (!pending[f] || !p->functions.items[f].defined || !summarize(w, (uint32_t)f, &scratch))
                continue;
            size_t count; /* its callers take its effect on */
            const uint32_t *callers = al_program_callers(p, (uint32_t)f, &count);
            for (size_t i = 0; i < count; i++)
                next[p->calls.items[callers[i]].caller] = any = 1;
        }
        if (!any)
            break;
        uint8_t *t = pending;
        pending = next;
        next = t;
    }
    AL_VEC_FREE(scratch);
    free(pending);
    free(next);
}

/* Whether block `outer` (index + 1, 0 for the body) is block `inner` or encloses it. */
static bool encloses(const al_program *p, uint32_t outer, uint32_t inner)
{
    for (uint32_t b = inner;; b = p->blocks.items[b - 1].parent) {
        if (b == outer)
            return true;
        if (b == 0)
            return false;
    }
}

/* Whether lock holding `x` (taken by call `taken`) may still be held at call c of the same function:
 * taken in c's block or one around it, or in a branch before the statement that holds c
 * (`switch (op) { case PAUSE: lock(m); break; ... } wait_for(...);`), but not in another case of
 * the same switch. */
static bool held_at(const al_program *p, const al_call *taken, const al_call *c)
{
    if (encloses(p, taken->block, c->block))
        return true;
    uint32_t b = taken->block, position = taken->position;
    while (b && !encloses(p, b, c->block)) { /* up to the block that holds both */
        position = p->blocks.items[b - 1].position;
        b = p->blocks.items[b - 1].parent;
    }
    if (!b || p->blocks.items[b - 1].switch_body)
        return false;
    uint32_t cb = c->block, c_position = c->position;
    while (cb != b) {
        c_position = p->blocks.items[cb - 1].position;
        cb = p->blocks.items[cb - 1].parent;
    }
    return position < c_position;
}

/* Whether calls `a` and then `b` lie in different cases of the innermost switch around both (each
 * case's statements are a block of the switch's body, or they follow a case label in it). */
static bool other_case(const al_program *p, const al_call *a, const al_call *b)
{
    uint32_t a_position = a->position;
    for (uint32_t x = a->block; x; a_position = p->blocks.items[x - 1].position, x = p->blocks.items[x - 1].parent) {
        if (!p->blocks.items[x - 1].switch_body || !encloses(p, x, b->block))
            continue;
        uint32_t b_position = b->position;
        for (uint32_t y = b->block; y != x; y = p->blocks.items[y - 1].parent)
            b_position = p->blocks.items[y - 1].position;
        return b_position != a_position && (b->block != x || (b->label_before && b->label_before - 1 > a_position));
    }
    return false;
}

/* Whether a call leaves its function soon after: a return or goto follows it in its own block
 * (`if (err) { unlock(m); return -1; }`). */
static bool leaves_after(const al_program *p, const al_call *c)
{
    return c->block && p->blocks.items[c->block - 1].last_exit > c->position;
}

/* Whether a call gives lock `lock` back on its way (a condition wait on it, or a callee that
 * releases it, `unlock(); usleep(); lock();`): it may block only after that. */
static bool gives_back(const effect_list *effects, uint32_t lock)
{
    for (size_t i = 0; i < effects->count; i++)
        if (effects->items[i].param < 0 && effects->items[i].lock == lock &&
            (effects->items[i].role == AL_LOCK_WAIT || effects->items[i].role == AL_LOCK_RELEASE))
            return true;
    return false;
}

/* What the searches below share: the calls that block, the way from each function to one, and a
 * mark per function for the search at hand. */
typedef struct search {
    const work *w;
    const uint8_t *blocking;
    const uint32_t *blocks_next;
    uint32_t *seen; /* per function: the stamp of the search that entered it */
    uint32_t stamp;
    effect_list scratch;
    al_answers memo; /* "function lock": it does not block while the lock is held */
} search;

/* Whether function t, entered while `lock` is held, makes a blocking call, at most
 * MOST_BLOCKING_DEPTH calls down, before it gives the lock back (a release of it, a condition
 * wait on it: nothing after that in the function counts); the calls that lead there in *path,
 * the blocking call last. A depth-first search with an explicit stack, each function once. */
static bool blocks_while_held(search *s, uint32_t t, uint32_t lock, al_u32_vec *path)
{
    const al_program *p = s->w->p;
    char question[32];
    snprintf(question, sizeof(question), "%u %u", t, lock);
    uint8_t known;
    uint32_t id = al_answers_ask(&s->memo, question, &known);
    if (known) /* known not to: a witness is made once, so no path is needed again */
        return false;
    struct frame {
        uint32_t function, next;
    } stack[MOST_BLOCKING_DEPTH];
    int top = 0;
    uint32_t stamp = ++s->stamp;
    stack[0] = (struct frame){t, p->functions.items[t].first_call};
    s->seen[t] = stamp;
    path->count = 0;
    while (top >= 0) {
        struct frame *fr = &stack[top];
        const al_function *fn = &p->functions.items[fr->function];
        uint32_t k = fr->next++;
        bool done = k >= fn->first_call + fn->call_count;
        if (!done && s->w->paths && s->w->paths->call[k] != AL_PATH_LIVE)
            continue;
        if (!done) {
            call_effects(s->w, k, &s->scratch);
            done = gives_back(&s->scratch, lock);
        }
        if (done) { /* back to the caller's next call */
            if (--top >= 0)
                path->count--;
            continue;
        }
        if (s->blocking[k]) {
            AL_VEC_PUSH(*path, k);
            return true;
        }
        if (top + 1 >= MOST_BLOCKING_DEPTH)
            continue;
        uint32_t n;
        const uint32_t *targets = al_program_call_targets(p, k, &n);
        for (uint32_t j = 0; j < n; j++) {
            if (!s->blocks_next[targets[j]] || s->seen[targets[j]] == stamp)
                continue;
            s->seen[targets[j]] = stamp;
            AL_VEC_PUSH(*path, k);
            stack[++top] = (struct frame){targets[j], p->functions.items[targets[j]].first_call};
            break;
        }
    }
    al_answers_set(&s->memo, id, false);
    return false;
}

/* A lock taken in a function, while it is held. */
typedef struct holding {
    uint32_t lock, name, call, block;
} holding;
typedef AL_VEC(holding) holding_list;

/* Walks f's calls in order; for each call under a lock that blocks, or whose callee blocks before
 * it gives the lock back, records a witness for each such lock that has none yet. */
static void holds_in(al_locks *out, search *s, uint32_t f, const uint32_t *worker_of, const uint32_t *parent_call,
                     bool start_once, effect_list *scratch, holding_list *held, al_u32_vec *path)
{
    const al_program *p = s->w->p;
    const al_function *fn = &p->functions.items[f];
    held->count = 0;
    for (uint32_t k = fn->first_call; k < fn->first_call + fn->call_count; k++) {
        const al_call *c = &p->calls.items[k];
        bool live = !s->w->paths || s->w->paths->call[k] == AL_PATH_LIVE;
        call_effects(s->w, k, scratch);
        bool once = start_once && !al_program_call_repeats(p, c); /* a thread's start, before its loop */
        for (size_t h = 0; live && !once && h < held->count; h++) {
            const holding *x = &held->items[h];
            if (out->witness_of[x->lock] || !held_at(p, &p->calls.items[x->call], c) || gives_back(scratch, x->lock))
                continue;
            /* the call blocks, or one of its callees does before it gives the lock back */
            bool blocks = s->blocking[k];
            path->count = 0;
            uint32_t n;
            const uint32_t *targets = al_program_call_targets(p, k, &n);
            for (uint32_t j = 0; j < n && !blocks; j++)
                blocks = s->blocks_next[targets[j]] && blocks_while_held(s, targets[j], x->lock, path);
            if (!blocks)
                continue;
            al_lock_witness wit = {x->lock, x->name, worker_of[f], x->call, (uint32_t)out->chain_calls.count, 0, NULL};
            /* the worker's way to f, from its entry */
            size_t start = out->chain_calls.count;
            for (uint32_t g = f, steps = 0; parent_call[g] && steps < MOST_CHAIN_STEPS; steps++) {
                uint32_t call = parent_call[g] - 1;
                AL_VEC_PUSH(out->chain_calls, call);
                g = p->calls.items[call].caller;
            }
            for (size_t a = start, b = out->chain_calls.count; a + 1 < b; a++, b--) {
                uint32_t t = out->chain_calls.items[a];
                out->chain_calls.items[a] = out->chain_calls.items[b - 1];
                out->chain_calls.items[b - 1] = t;
            }
            /* this call, then on to the blocking call */
            AL_VEC_PUSH(out->chain_calls, k);
            for (size_t i = 0; i < path->count; i++)
                AL_VEC_PUSH(out->chain_calls, path->items[i]);
            wit.count = (uint32_t)(out->chain_calls.count - wit.first);
            uint32_t last = out->chain_calls.items[out->chain_calls.count - 1];
            bool annotated;
            al_reach_options o = {false, s->w->paths, 0};
            al_reach_call_blocks(p, s->w->rules, &o, &p->calls.items[last], &wit.api, &annotated);
            AL_VEC_PUSH(out->witnesses, wit);
            out->witness_of[x->lock] = (uint32_t)out->witnesses.count;
        }
        /* then what the call does to locks, for the calls after it */
        for (size_t i = 0; i < scratch->count; i++) {
            const effect *e = &scratch->items[i];
            if (e->param >= 0 || !live)
                continue;
            if (e->role == AL_LOCK_ACQUIRE) {
                holding x = {e->lock, e->name, k, c->block};
                AL_VEC_PUSH(*held, x);
            } else if (e->role == AL_LOCK_RELEASE) {
                /* a release in a branch that then leaves (`if (err) { unlock(m); return; }`), or in
                   another case of a switch than the one that took the lock, ends the hold only on
                   its own way */
                bool early = leaves_after(p, c);
                size_t kept = 0;
                for (size_t h = 0; h < held->count; h++)
                    if (held->items[h].lock != e->lock || (early && held->items[h].block != c->block) ||
                        other_case(p, &p->calls.items[held->items[h].call], c))
                        held->items[kept++] = held->items[h];
                held->count = kept;
            }
        }
    }
}

void al_locks_find(al_locks *out, const al_program *p, const al_contexts *c, const al_rules *rules,
                   const al_paths *paths)
{
    memset(out, 0, sizeof(*out));
    out->p = p;
    out->rules = rules;
    out->witness_of = al_xcalloc(p->strings->count + 1, sizeof(uint32_t));
    if (!c->worker_count)
        return;
    work w = {p, rules, paths, NULL};
    find_wrappers(&w);
    size_t n = p->functions.count;

    /* the calls that block (as the loop's findings judge them, a lock wait aside), and, per
       function, the call of it that leads to one (breadth-first from them, backwards) */
    uint8_t *blocking = al_xcalloc(p->calls.count + 1, 1);
    uint32_t *blocks_next = al_xcalloc(n + 1, sizeof(uint32_t)); /* call + 1 */
    uint8_t *depth = al_xcalloc(n + 1, 1);                       /* calls from the function down to the blocking call */
    uint32_t *queue = al_xmalloc((n + 1) * sizeof(uint32_t));
    size_t head = 0, tail = 0;
    al_reach_options o = {false, paths, 0};
    for (size_t k = 0; k < p->calls.count; k++) {
        const al_call *call = &p->calls.items[k];
        const al_api_rule *api;
        bool annotated;
        if ((paths && paths->call[k] != AL_PATH_LIVE) || !al_reach_call_blocks(p, rules, &o, call, &api, &annotated))
            continue;
        if (!annotated && (api->severity < AL_SEVERITY_WARNING))
            continue; /* a lock acquisition, a note: not blocking work of its own */
        blocking[k] = 1;
        if (!blocks_next[call->caller]) {
            blocks_next[call->caller] = (uint32_t)k + 1;
            depth[call->caller] = 1;
            queue[tail++] = call->caller;
        }
    }
    /* callers of each function, through pointers too */
    uint32_t *rev_start = al_xcalloc(n + 2, sizeof(uint32_t));
    for (size_t k = 0; k < p->calls.count; k++) {
        uint32_t m;
        const uint32_t *t = al_program_call_targets(p, (uint32_t)k, &m);
        for (uint32_t j = 0; j < m; j++)
            rev_start[t[j] + 1]++;
    }
    for (size_t f = 0; f < n; f++)
        rev_start[f + 1] += rev_start[f];
    uint32_t *rev = al_xmalloc((rev_start[n] + 1) * sizeof(uint32_t));
    uint32_t *fill = al_xmalloc((n + 1) * sizeof(uint32_t));
    memcpy(fill, rev_start, (n + 1) * sizeof(uint32_t));
    for (size_t k = 0; k < p->calls.count; k++) {
        uint32_t m;
        const uint32_t *t = al_program_call_targets(p, (uint32_t)k, &m);
        for (uint32_t j = 0; j < m; j++)
            rev[fill[t[j]]++] = (uint32_t)k;
    }
    free(fill);
    while (head < tail) {
        uint32_t f = queue[head++];
        if (depth[f] >= MOST_BLOCKING_DEPTH)
            continue;
        for (uint32_t i = rev_start[f]; i < rev_start[f + 1]; i++) {
            uint32_t k = rev[i], g = p->calls.items[k].caller;
            if (blocks_next[g] || (paths && paths->call[k] != AL_PATH_LIVE))
                continue;
            blocks_next[g] = k + 1;
            depth[g] = (uint8_t)(depth[f] + 1);
            queue[tail++] = g;
        }
    }
    free(depth);
    free(rev);
    free(rev_start);

    /* the entries of long-running threads (a loop in their body): what they do outside their loops
       runs once, when the thread starts or ends, not as the worker's work */
    uint8_t *start_once = al_xcalloc(n + 1, 1);
    for (size_t i = 0; i < c->workers.count; i++) {
        uint32_t f = c->workers.items[i].function;
        for (size_t l = 0; l < p->loops.count && c->workers.items[i].thread && !start_once[f]; l++)
            start_once[f] = p->loops.items[l].function == f && !p->loops.items[l].once;
    }
    /* the worker side: breadth-first from the worker entries, in that order */
    uint32_t *parent_call = al_xcalloc(n + 1, sizeof(uint32_t)); /* call + 1; 0 for an entry */
    uint32_t *worker_of = al_xmalloc((n + 1) * sizeof(uint32_t));
    uint8_t *seen = al_xcalloc(n + 1, 1);
    head = tail = 0;
    for (size_t f = 0; f < n; f++)
        if (c->role[f] == AL_CONTEXT_WORKER && p->functions.items[f].defined) {
            seen[f] = 1;
            worker_of[f] = (uint32_t)f;
            queue[tail++] = (uint32_t)f;
        }
    effect_list scratch = {0};
    holding_list held = {0};
    al_u32_vec path = {0};
    search s = {&w, blocking, blocks_next, al_xcalloc(n + 1, sizeof(uint32_t)), 0, {0}, {{0}, {0}}};
    al_answers_init(&s.memo);
    while (head < tail) {
        uint32_t f = queue[head++];
        holds_in(out, &s, f, worker_of, parent_call, start_once[f], &scratch, &held, &path);
        const al_function *fn = &p->functions.items[f];
        for (uint32_t k = fn->first_call; k < fn->first_call + fn->call_count; k++) {
            if ((paths && paths->call[k] != AL_PATH_LIVE) ||
                (start_once[f] && !al_program_call_repeats(p, &p->calls.items[k])))
                continue;
            uint32_t m;
            const uint32_t *t = al_program_call_targets(p, k, &m);
            for (uint32_t j = 0; j < m; j++) {
                if (seen[t[j]] || !p->functions.items[t[j]].defined || c->role[t[j]] == AL_CONTEXT_HANDLER)
                    continue;
                seen[t[j]] = 1;
                parent_call[t[j]] = k + 1;
                worker_of[t[j]] = worker_of[f];
                queue[tail++] = t[j];
            }
        }
    }
    AL_VEC_FREE(scratch);
    AL_VEC_FREE(held);
    AL_VEC_FREE(path);
    AL_VEC_FREE(s.scratch);
    al_answers_free(&s.memo);
    free(s.seen);
    free(seen);
    free(start_once);
    free(worker_of);
    free(parent_call);
    free(queue);
    free(blocks_next);
    free(blocking);
    for (size_t f = 0; f < n; f++)
        AL_VEC_FREE(w.summary[f]);
    free(w.summary);
}

void al_locks_free(al_locks *l)
{
    AL_VEC_FREE(l->witnesses);
    AL_VEC_FREE(l->chain_calls);
    free(l->witness_of);
    memset(l, 0, sizeof(*l));
}

uint32_t al_locks_acquired(const al_locks *l, const al_reach *r, uint32_t link, uint32_t *name)
{
    const al_program *p = l->p;
    *name = 0;
    const al_chain_link *at = &r->links.items[link];
    const al_call *c = &p->calls.items[at->call];
    const al_lock_rule *rule = c->indirect ? NULL : al_rules_find_lock(l->rules, al_program_str(p, c->callee_name));
    if (!rule || rule->role != AL_LOCK_ACQUIRE || (uint32_t)rule->arg >= c->arg_count)
        return 0;
    const al_fact_arg *arg = &p->args.items[c->first_arg + rule->arg];
    /* `lock(m)` of a wrapper: back along the chain to the argument that names the lock */
    for (int step = 0; arg->kind == AL_ARG_PARAM && at->up != AL_NONE && step < MOST_CHAIN_STEPS; step++) {
        at = &r->links.items[at->up];
        c = &p->calls.items[at->call];
        if ((uint32_t)arg->value >= c->arg_count)
            return 0;
        arg = &p->args.items[c->first_arg + arg->value];
    }
    return identity_of_arg(p, arg, name);
}

const al_lock_witness *al_locks_held_across(const al_locks *l, uint32_t lock)
{
    return lock && l->witness_of && l->witness_of[lock] ? &l->witnesses.items[l->witness_of[lock] - 1] : NULL;
}
