/* paths: calls that never run on the loop thread, and loop drivers (see paths.h). */
#include "paths.h"

#include <stdlib.h>
#include <string.h>

typedef struct al_paths_work analysis;

struct al_paths_work {
    const al_program *p;
    const al_rules *rules;
    uint8_t *fork_like;        /* per function */
    uint8_t *address_taken;    /* per function: named outside a call, so callers are unknown */
    uint32_t *variable_of_key; /* key id -> variable state + 1, for keys some guard tests */
    AL_VEC(struct variable_state) variables;
    uint8_t *dying;           /* per program block */
    uint32_t *body;           /* per function: its body block (index + 1), or 0 */
    uint32_t *exit_at;        /* per function: 1 + the position in its body of its first statement
                                 that never returns (`exit(1);` at the end of a reporter), or 0 */
    const uint8_t *reachable; /* per function, once known (al_paths_refine): the loop can run it */
};

typedef struct variable_state {
    bool defined, has_value, consistent, written;
    long long value;
} variable_state;

/* The name in an external function's USR ("c:@F@fork" -> "fork"), else the key itself. */
static const char *name_of_key(const char *key)
{
    return strncmp(key, "c:@F@", 5) == 0 ? key + 5 : key;
}

/* Whether call c enters a function that is in `set` (project functions by index) or that the
 * rules name (`in_rules`) when the program does not define it. */
static bool calls_one_of(const analysis *a, const al_call *c, const uint8_t *set,
                         bool (*in_rules)(const al_rules *, const char *))
{
    if (c->indirect)
        return false;
    if (c->callee != AL_NONE && set[c->callee])
        return true;
    bool defined = c->callee != AL_NONE && a->p->functions.items[c->callee].defined;
    return !defined && in_rules(a->rules, al_program_str(a->p, c->callee_name));
}

static bool never_returns(const analysis *a, const uint8_t *noreturn, uint32_t name);

/* Whether call c ends its block: a statement that calls a function that never returns, or that
 * the comma operator follows with one (`_panic(...), __builtin_unreachable();`, a panic macro). */
static bool ends_block(const analysis *a, const al_call *c, const uint8_t *noreturn)
{
    return c->statement && (calls_one_of(a, c, noreturn, al_rules_is_noreturn) ||
                            (c->then_calls && never_returns(a, noreturn, c->then_calls)));
}

/* ---- fork ---- */

/* Functions whose result is fork()'s: the rules' fork-like functions, and project functions that
 * return one's result (`return fork();`, or `pid = fork(); ... return pid;`), to any depth. */
static void find_fork_like(analysis *a)
{
    const al_program *p = a->p;
    size_t n = p->functions.count;
    a->fork_like = al_xcalloc(n + 1, 1);
    for (size_t f = 0; f < n; f++)
        if (!p->functions.items[f].defined && al_rules_is_fork(a->rules, al_program_str(p, p->functions.items[f].name)))
            a->fork_like[f] = 1;
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t f = 0; f < n; f++) {
            const al_function *fn = &p->functions.items[f];
            if (a->fork_like[f] || !fn->defined)
                continue;
            for (uint32_t k = fn->first_call; k < fn->first_call + fn->call_count && !a->fork_like[f]; k++) {
                const al_call *c = &p->calls.items[k];
                if (!calls_one_of(a, c, a->fork_like, al_rules_is_fork))
                    continue;
                bool returned = c->returned;
                size_t return_count;
                const al_return *returns = al_program_returns(p, (uint32_t)f, &return_count);
                for (size_t r = 0; r < return_count && !returned && c->assigned_to; r++)
                    returned = returns[r].variable == c->assigned_to;
                if (returned) {
                    a->fork_like[f] = 1;
                    changed = true;
                }
            }
        }
    }
}

/* Whether guard g of code in function f says "in the child": a fork-like result is 0. */
static bool child_guard(const analysis *a, uint32_t f, const al_fact_guard *g)
{
    const al_program *p = a->p;
    bool zero = (g->op == AL_GUARD_EQ && g->value == 0 && !g->value_key) || g->op == AL_GUARD_FALSE;
    if (!zero)
        return false;
    if (g->subject_kind == AL_GUARD_CALL) {
        uint32_t callee = g->subject < p->strings->count ? p->function_of_key[g->subject] : 0;
        if (callee && a->fork_like[callee - 1])
            return true;
        return (!callee || !p->functions.items[callee - 1].defined) &&
               al_rules_is_fork(a->rules, name_of_key(al_program_str(p, g->subject)));
    }
    if (g->subject_kind == AL_GUARD_LOCAL && f != AL_NONE) {
        const al_function *fn = &p->functions.items[f];
        for (uint32_t k = fn->first_call; k < fn->first_call + fn->call_count; k++) {
            const al_call *c = &p->calls.items[k];
            if (c->assigned_to == g->subject && calls_one_of(a, c, a->fork_like, al_rules_is_fork))
                return true;
        }
    }
    return false;
}

/* ---- constant guards ---- */

/* Whether `g` is false when its subject holds `value`. */
static bool false_for(const al_fact_guard *g, long long value)
{
    switch (g->op) {
    case AL_GUARD_EQ:
        return value != g->value;
    case AL_GUARD_NE:
        return value == g->value;
    case AL_GUARD_LT:
        return !(value < g->value);
    case AL_GUARD_LE:
        return !(value <= g->value);
    case AL_GUARD_GT:
        return !(value > g->value);
    case AL_GUARD_GE:
        return !(value >= g->value);
    case AL_GUARD_TRUE:
        return value == 0;
    case AL_GUARD_FALSE:
        return value != 0;
    case AL_GUARD_BITS_SET:
        return (value & g->value) == 0;
    case AL_GUARD_BITS_CLEAR:
        return (value & g->value) != 0;
    }
    return false;
}

/* The variables some guard tests: whether each is defined with one known value and never written
 * or has its address taken anywhere in the program's units. */
static void find_constant_variables(analysis *a)
{
    const al_program *p = a->p;
    a->variable_of_key = al_xcalloc(p->strings->count + 1, sizeof(uint32_t));
    for (size_t i = 0; i < p->guards.count; i++) {
        const al_fact_guard *g = &p->guards.items[i];
        if (g->subject_kind == AL_GUARD_GLOBAL && !g->value_key && !a->variable_of_key[g->subject]) {
            variable_state v = {false, true, true, false, 0};
            AL_VEC_PUSH(a->variables, v);
            a->variable_of_key[g->subject] = (uint32_t)a->variables.count;
        }
    }
    if (!a->variables.count)
        return;
    for (size_t i = 0; i < p->units.count; i++) {
        const al_tu_facts *tu = &p->set->units[p->units.items[i]];
        for (size_t k = 0; k < tu->variables.count; k++) {
            const al_fact_variable *d = &tu->variables.items[k];
            uint32_t slot = a->variable_of_key[d->key];
            if (!slot)
                continue;
            variable_state *v = &a->variables.items[slot - 1];
            if (!d->has_value)
                v->has_value = false;
            else if (v->defined && v->value != d->value)
                v->consistent = false;
            v->value = d->value;
            v->defined = true;
        }
        for (size_t k = 0; k < tu->var_uses.count; k++) {
            const al_fact_var_use *u = &tu->var_uses.items[k];
            uint32_t slot = a->variable_of_key[u->variable];
            if (slot && u->kind != AL_VAR_READ && u->kind != AL_VAR_DISCARD)
                a->variables.items[slot - 1].written = true;
        }
    }
}

/* Which functions are named outside a call: their callers are not all known. */
static void find_address_taken(analysis *a)
{
    const al_program *p = a->p;
    a->address_taken = al_xcalloc(p->functions.count + 1, 1);
    for (size_t i = 0; i < p->refs.count; i++)
        if (p->refs.items[i].function != AL_NONE)
            a->address_taken[p->refs.items[i].function] = 1;
}

/* Whether parameter `param` of f is, at every call of f, a constant that makes `g` false; a caller
 * that passes its own parameter on (`get_smap(field, pid)` inside `get_dirty(long pid)`) is asked
 * the same of its callers. Bounded: past a few dozen forwarding functions, it is not known. */
static bool false_at_every_call(const analysis *a, uint32_t f, const al_fact_guard *g)
{
    const al_program *p = a->p;
    enum { MOST_FORWARDS = 32 };
    struct asked {
        uint32_t function;
        int param;
    } asked[MOST_FORWARDS];
    size_t asked_count = 0, next = 0;
    if (f == AL_NONE || g->value_key || g->param < 0)
        return false;
    asked[asked_count++] = (struct asked){f, g->param};
    bool any = false;
    while (next < asked_count) {
        struct asked q = asked[next++];
        if (a->address_taken[q.function])
            return false; /* called through pointers too: its callers are not all known */
        size_t n;
        const uint32_t *callers = al_program_callers(p, q.function, &n);
        for (size_t i = 0; i < n; i++) {
            const al_call *c = &p->calls.items[callers[i]];
            if (!a->reachable[c->caller])
                continue; /* not on the loop thread */
            if ((uint32_t)q.param >= c->arg_count)
                return false;
            const al_fact_arg *arg = &p->args.items[c->first_arg + (uint32_t)q.param];
            if (arg->kind == AL_ARG_PARAM) {
                bool seen = false;
                for (size_t k = 0; k < asked_count && !seen; k++)
                    seen = asked[k].function == c->caller && asked[k].param == (int)arg->value;
                if (seen)
                    continue;
                if (asked_count == MOST_FORWARDS)
                    return false;
                asked[asked_count++] = (struct asked){c->caller, (int)arg->value};
                continue;
            }
            any = true;
            long long value = arg->kind == AL_ARG_INT ? arg->value : 0;
            if ((arg->kind != AL_ARG_INT && arg->kind != AL_ARG_NULL) || !false_for(g, value))
                return false;
        }
    }
    return any;
}

/* Why code in function f under guards[first ... first + count) cannot run on the loop thread. */
static al_path_reason guarded(const analysis *a, uint32_t f, uint32_t first, uint32_t count)
{
    const al_program *p = a->p;
    al_path_reason reason = AL_PATH_LIVE;
    for (uint32_t i = first; i < first + count; i++) {
        const al_fact_guard *g = &p->guards.items[i];
        if (child_guard(a, f, g))
            return AL_PATH_CHILD;
        if (g->subject_kind == AL_GUARD_FIXED && !g->value_key && false_for(g, g->fixed)) {
            reason = AL_PATH_CONSTANT;
        } else if (g->subject_kind == AL_GUARD_GLOBAL && !g->value_key) {
            const variable_state *v = &a->variables.items[a->variable_of_key[g->subject] - 1];
            if (v->defined && v->has_value && v->consistent && !v->written && false_for(g, v->value))
                reason = AL_PATH_CONSTANT;
        } else if (g->subject_kind == AL_GUARD_PARAM && reason == AL_PATH_LIVE && a->reachable &&
                   false_at_every_call(a, f, g)) {
            reason = AL_PATH_FLAG;
        }
    }
    return reason;
}

/* ---- crash paths ---- */

/* The functions that never return and the blocks that end the process: a block dies when one of
 * its statements calls a function that never returns; a project function never returns when its
 * body dies and it has no return statement. A fixpoint: each pass is linear in the calls. */
static void find_crash_blocks(analysis *a, uint8_t *noreturn)
{
    const al_program *p = a->p;
    size_t n = p->functions.count, nb = p->blocks.count;
    a->dying = al_xcalloc(nb + 1, 1);
    a->body = al_xcalloc(n + 1, sizeof(uint32_t));
    for (size_t b = 0; b < nb; b++) {
        const al_region *r = &p->blocks.items[b];
        if (r->parent == 0 && r->function != AL_NONE && !a->body[r->function])
            a->body[r->function] = (uint32_t)b + 1;
    }
    for (size_t f = 0; f < n; f++) {
        const al_function *fn = &p->functions.items[f];
        if ((fn->annotations & AL_ANNOT_NORETURN) ||
            (!fn->defined && al_rules_is_noreturn(a->rules, al_program_str(p, fn->name))))
            noreturn[f] = 1;
        /* a reporter declared noreturn (an assertion's): all it does is on the way out */
        if ((fn->annotations & AL_ANNOT_NORETURN) && fn->defined && a->body[f])
            a->dying[a->body[f] - 1] = 1;
    }
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t k = 0; k < p->calls.count; k++) {
            const al_call *c = &p->calls.items[k];
            if (c->block && !a->dying[c->block - 1] && !p->blocks.items[c->block - 1].switch_body &&
                ends_block(a, c, noreturn)) {
                a->dying[c->block - 1] = 1;
                changed = true;
            }
        }
        for (size_t f = 0; f < n; f++) {
            const al_function *fn = &p->functions.items[f];
            if (!noreturn[f] && fn->defined && !fn->returns && a->body[f] && a->dying[a->body[f] - 1]) {
                noreturn[f] = 1;
                changed = true;
            }
        }
    }
    a->exit_at = al_xcalloc(n + 1, sizeof(uint32_t));
    for (size_t k = 0; k < p->calls.count; k++) {
        const al_call *c = &p->calls.items[k];
        uint32_t *at = &a->exit_at[c->caller];
        if (c->block && c->block == a->body[c->caller] && (!*at || c->position + 1 < *at) && ends_block(a, c, noreturn))
            *at = c->position + 1;
    }
}

/* Whether everything after call c runs into its function's exit: `exit(1);` at the end of a
 * reporter whose other branches return. Walking out from the call's block to the body, no block
 * may hold a return or a goto after the statement the call is in (or in it, when the call is part
 * of a larger statement: `if (check()) return;`), and no loop may bring the flow back. */
static bool runs_into_exit(const analysis *a, const al_call *c)
{
    const al_program *p = a->p;
    uint32_t f = c->caller;
    if (!a->exit_at[f] || !c->block || al_program_call_repeats(p, c))
        return false;
    uint32_t block = c->block, position = c->position;
    bool inside_statement = !c->statement;
    while (block) {
        const al_region *r = &p->blocks.items[block - 1];
        if (r->last_exit && (r->last_exit - 1 > position || (inside_statement && r->last_exit - 1 == position)))
            return false;
        if (block == a->body[f])
            return position + 1 < a->exit_at[f];
        inside_statement = false;
        position = r->position;
        block = r->parent;
    }
    return false;
}

/* Whether code in `block` of function f runs only on the way out: some block around it dies (the
 * body of a function that can return counts only for the calls after its returns, so not at all). */
static bool on_crash_path(const analysis *a, uint32_t f, uint32_t block)
{
    const al_program *p = a->p;
    for (uint32_t b = block; b; b = p->blocks.items[b - 1].parent) {
        bool body = f != AL_NONE && a->body[f] == b;
        if (a->dying[b - 1] && !(body && p->functions.items[f].returns))
            return true;
    }
    return false;
}

/* Whether the function named `name` never returns: a pack's noreturn list, or a program function
 * found so (`__builtin_unreachable()` after an assertion's reporter, or the project's own). */
static bool never_returns(const analysis *a, const uint8_t *noreturn, uint32_t name)
{
    const char *text = al_program_str(a->p, name);
    if (al_rules_is_noreturn(a->rules, text))
        return true;
    uint32_t f;
    return al_program_find_by_name(a->p, text, &f, 1) == 1 && noreturn[f];
}

/* ---- loop drivers ---- */

static bool runs_event_loop(const analysis *a, const al_call *c)
{
    if (c->indirect)
        return false;
    const al_api_rule *api = al_rules_find_api(a->rules, al_program_str(a->p, c->callee_name));
    bool defined = c->callee != AL_NONE && a->p->functions.items[c->callee].defined;
    return api && (!defined || api->match_definitions) && strcmp(api->category, "nested-loop") == 0;
}

bool al_paths_call_in_loop(const al_program *p, uint32_t k, uint32_t loop)
{
    for (uint32_t l = p->calls.items[k].loop; l; l = p->loops.items[l - 1].parent)
        if (l == loop)
            return true;
    return false;
}

/* Loops that run an event loop iteration, and have other calls to make between iterations. */
static void find_drivers(const analysis *a, al_paths *out)
{
    const al_program *p = a->p;
    uint8_t *seen = al_xcalloc(p->loops.count + 1, 1);
    for (size_t k = 0; k < p->calls.count; k++) {
        const al_call *c = &p->calls.items[k];
        if (!c->loop || seen[c->loop - 1] || out->call[k] != AL_PATH_LIVE || !runs_event_loop(a, c))
            continue;
        seen[c->loop - 1] = 1;
        const al_function *fn = &p->functions.items[c->caller];
        bool others = false;
        for (uint32_t j = fn->first_call; j < fn->first_call + fn->call_count && !others; j++)
            others = al_paths_call_in_loop(p, j, c->loop) && !runs_event_loop(a, &p->calls.items[j]);
        if (others) {
            al_loop_driver d = {c->caller, c->loop, (uint32_t)k};
            AL_VEC_PUSH(out->drivers, d);
        }
    }
    free(seen);
}

void al_paths_find(al_paths *out, const al_program *p, const al_rules *rules)
{
    memset(out, 0, sizeof(*out));
    size_t nc = p->calls.count, nr = p->refs.count, nf = p->functions.count;
    out->call = al_xcalloc(nc + 1, 1);
    out->ref = al_xcalloc(nr + 1, 1);
    out->noreturn = al_xcalloc(nf + 1, 1);
    analysis a = {0};
    a.p = p;
    a.rules = rules;
    find_fork_like(&a);
    find_constant_variables(&a);
    find_address_taken(&a);
    find_crash_blocks(&a, out->noreturn);
    for (size_t k = 0; k < nc; k++) {
        const al_call *c = &p->calls.items[k];
        al_path_reason reason = guarded(&a, c->caller, c->first_guard, c->guard_count);
        if (reason == AL_PATH_LIVE &&
            (on_crash_path(&a, c->caller, c->block) ||
             (c->then_calls && never_returns(&a, out->noreturn, c->then_calls)) || runs_into_exit(&a, c)))
            reason = AL_PATH_CRASH;
        out->call[k] = (uint8_t)reason;
        out->counts[reason]++;
    }
    for (size_t i = 0; i < nr; i++) {
        const al_reference *r = &p->refs.items[i];
        al_path_reason reason = guarded(&a, r->enclosing, r->first_guard, r->guard_count);
        if (reason == AL_PATH_LIVE && r->block && on_crash_path(&a, r->enclosing, r->block))
            reason = AL_PATH_CRASH;
        out->ref[i] = (uint8_t)reason;
    }
    find_drivers(&a, out);
    out->work = al_xcalloc(1, sizeof(analysis));
    *out->work = a;
}

void al_paths_refine(al_paths *out, const al_program *p, const uint8_t *reachable)
{
    analysis *a = out->work;
    a->reachable = reachable;
    for (size_t k = 0; k < p->calls.count; k++) {
        const al_call *c = &p->calls.items[k];
        if (out->call[k] != AL_PATH_LIVE || !c->guard_count)
            continue;
        if (guarded(a, c->caller, c->first_guard, c->guard_count) == AL_PATH_FLAG) {
            out->call[k] = AL_PATH_FLAG;
            out->counts[AL_PATH_LIVE]--;
            out->counts[AL_PATH_FLAG]++;
        }
    }
    a->reachable = NULL;
}

void al_paths_free(al_paths *out)
{
    analysis *a = out->work;
    if (a) {
        free(a->fork_like);
        free(a->address_taken);
        free(a->variable_of_key);
        AL_VEC_FREE(a->variables);
        free(a->dying);
        free(a->body);
        free(a->exit_at);
        free(a);
    }
    free(out->call);
    free(out->ref);
    free(out->noreturn);
    AL_VEC_FREE(out->drivers);
    memset(out, 0, sizeof(*out));
}
