/* origins: where a descriptor or stream argument comes from, and whether a stream was just
 * flushed.
 *
 * Where it comes from is flow-insensitive, over the whole program: every source that can reach
 * the argument counts.
 *
 * The sources of an argument:
 * - a local: the calls assigned to it in the calling function (`fd = open(...)`);
 * - a static variable or a field: the calls assigned to it anywhere (`log->fd = open(...)` at
 *   startup), the parameters stored into it (`r->fp = fp;` in an init function), which lead
 *   on to that function's callers, and the locals stored into it (`fd = open(...); c->fd = fd;`),
 *   which hold what their function assigns them;
 * - a parameter of the calling function: what each of its callers passes there;
 * - a call to a project function: what it returns.
 * A call is a source the origins describe when it matches one, or when it is a project function
 * that returns such a call's result (its own open() wrapper), a few levels deep. The search goes
 * through callers a few levels deep and looks at a bounded number of call sites, so a helper
 * called from everywhere stays cheap; what it does not get to is unknown. */
#include "origins.h"

#include <string.h>

#define ORIGIN_DEPTH 4    /* wrappers, and callers of callers */
#define ORIGIN_BUDGET 256 /* call sites looked at per question */

typedef struct query {
    const al_program *p;
    const al_origin *origins;
    size_t count;
    unsigned budget;
} query;

/* What the sources of an argument were found to be. */
typedef struct verdict {
    unsigned matched, unmatched, unknown;
} verdict;

static bool call_opens(query *q, const al_call *c, int depth);

/* Whether function f returns the result of a call the origins describe: directly (`return
 * open(...)`), through a local (`fd = open(...); return fd;`), or through a static variable or
 * field it returns (`return segment;` where `segment = fopen(...)` somewhere). */
static bool returns_opened(query *q, uint32_t f, int depth)
{
    const al_program *p = q->p;
    const al_function *fn = &p->functions.items[f];
    size_t return_count;
    const al_return *returns = al_program_returns(p, f, &return_count);
    for (uint32_t k = fn->first_call; k < fn->first_call + fn->call_count; k++) {
        const al_call *c = &p->calls.items[k];
        bool returned = c->returned;
        for (size_t r = 0; r < return_count && !returned && c->assigned_to; r++)
            returned = returns[r].variable == c->assigned_to;
        if (returned && call_opens(q, c, depth + 1))
            return true;
    }
    for (size_t r = 0; r < return_count; r++) {
        if (!returns[r].target)
            continue;
        size_t n;
        const al_assignment *a = al_program_assignments(p, returns[r].target, &n);
        for (size_t i = 0; i < n; i++)
            if (call_opens(q, &p->calls.items[a[i].call], depth + 1))
                return true;
    }
    return false;
}

static bool call_opens(query *q, const al_call *c, int depth)
{
    const al_program *p = q->p;
    if (c->indirect)
        return false;
    for (size_t i = 0; i < q->count; i++)
        if (al_rules_origin_matches(&q->origins[i], al_program_str(p, c->callee_name), &p->args.items[c->first_arg],
                                    c->arg_count, p->strings))
            return true;
    return depth < ORIGIN_DEPTH && c->callee != AL_NONE && p->functions.items[c->callee].defined &&
           returns_opened(q, c->callee, depth);
}

static void judge_argument(query *q, const al_call *call, const al_fact_arg *arg, int depth, verdict *v);

/* A call that is a source: one the origins describe, or not. */
static void judge_source(query *q, const al_call *c, verdict *v)
{
    if (call_opens(q, c, 0))
        v->matched++;
    else
        v->unmatched++;
}

/* The calls function f assigns to its local `name` (`fd = open(...)`); false when there are none. */
static bool judge_local(query *q, uint32_t f, uint32_t name, verdict *v)
{
    const al_function *fn = &q->p->functions.items[f];
    bool assigned = false;
    for (uint32_t k = fn->first_call; k < fn->first_call + fn->call_count; k++) {
        const al_call *c = &q->p->calls.items[k];
        if (c->assigned_to == name) {
            assigned = true;
            judge_source(q, c, v);
        }
    }
    return assigned;
}

/* Parameter `param` of function f: what its callers pass there. */
static void judge_parameter(query *q, uint32_t f, uint32_t param, int depth, verdict *v)
{
    const al_program *p = q->p;
    size_t n;
    const uint32_t *callers = al_program_callers(p, f, &n);
    if (n == 0 || depth >= ORIGIN_DEPTH) {
        v->unknown++;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const al_call *c = &p->calls.items[callers[i]];
        if (q->budget == 0 || param >= c->arg_count) {
            v->unknown++;
            return;
        }
        q->budget--;
        judge_argument(q, c, &p->args.items[c->first_arg + param], depth + 1, v);
    }
}

static void judge_argument(query *q, const al_call *call, const al_fact_arg *arg, int depth, verdict *v)
{
    const al_program *p = q->p;
    if (arg->kind == AL_ARG_CALL) {
        /* `fputs(s, log_stream())`: what the project function may return (for some return
         * path: whether every path does is not known); `sink_init(&s, fopen(...))`: the call
         * itself, when an origin asks nothing of its arguments (they are not known here) */
        uint32_t defined[4];
        size_t n = al_program_find_by_name(p, al_program_str(p, arg->name), defined, 4);
        bool opened = false;
        for (size_t i = 0; i < q->count && !opened; i++)
            opened = al_rules_origin_matches(&q->origins[i], al_program_str(p, arg->name), NULL, 0, p->strings);
        for (size_t i = 0; i < n && !opened; i++)
            opened = returns_opened(q, defined[i], depth);
        if (opened)
            v->matched++;
        v->unknown++;
        return;
    }
    if (arg->kind == AL_ARG_VARIABLE || arg->kind == AL_ARG_PARAM)
        judge_local(q, call->caller, arg->name, v);
    if (arg->kind == AL_ARG_PARAM)
        judge_parameter(q, call->caller, (uint32_t)arg->value, depth, v);
    uint32_t target = arg->kind == AL_ARG_FIELD ? arg->name : arg->kind == AL_ARG_VARIABLE ? arg->key : 0;
    if (!target)
        return;
    size_t n;
    const al_assignment *a = al_program_assignments(p, target, &n);
    for (size_t i = 0; i < n; i++)
        judge_source(q, &p->calls.items[a[i].call], v);
    const al_store *s = al_program_stores(p, target, &n);
    for (size_t i = 0; i < n; i++) {
        if (s[i].function == AL_NONE)
            continue;
        if (s[i].param != AL_NONE) {
            judge_parameter(q, s[i].function, s[i].param, depth, v);
            continue;
        }
        /* a local kept in it: what the function assigns to that local; with nothing assigned, it
         * came from something else (a parameter, another variable) */
        if (!judge_local(q, s[i].function, s[i].local, v))
            v->unknown++;
    }
}

/* With `every` false: whether some source of the argument is a call the origins describe. With
 * `every` true: whether it has sources, all known, and every one is (a stream only ever opened
 * for reading). */
static bool opened_by(const void *context, const al_fact_arg *arg, const al_origin *origins, size_t count, bool every)
{
    const al_origin_context *oc = context;
    query q = {oc->p, origins, count, ORIGIN_BUDGET};
    verdict v = {0, 0, 0};
    judge_argument(&q, oc->call, arg, 0, &v);
    return every ? v.matched > 0 && v.unmatched == 0 && v.unknown == 0 : v.matched > 0;
}

/* ---- "flushed_by": nothing left in the stream's buffer ----
 *
 * `if (fflush(fp)) goto err; if (fsync(fileno(fp))) goto err; fclose(fp);`: the fclose has nothing
 * to write. Looked at within the call's block: a flush of the same variable in an earlier
 * statement, under no condition the call is not also under, with no goto label between them (a
 * jump could come past the flush: the `err:` path's fclose is not flushed), and since then the
 * variable passed only to calls that write nothing to it (fileno). A write through another
 * pointer to the same stream is not seen. */

static bool same_argument(const al_fact_arg *a, const al_fact_arg *b)
{
    return a->kind == b->kind && a->name == b->name && a->key == b->key &&
           (a->kind != AL_ARG_PARAM || a->value == b->value);
}

static bool takes_argument(const al_program *p, const al_call *c, const al_fact_arg *arg)
{
    for (uint32_t i = 0; i < c->arg_count; i++)
        if (same_argument(&p->args.items[c->first_arg + i], arg))
            return true;
    return false;
}

static bool same_guard(const al_fact_guard *a, const al_fact_guard *b)
{
    return a->subject_kind == b->subject_kind && a->subject == b->subject && a->param == b->param && a->op == b->op &&
           a->value == b->value && a->value_key == b->value_key && a->fixed == b->fixed;
}

/* Whether every condition `inner` runs under is one `outer` runs under too. */
static bool guards_within(const al_program *p, const al_call *inner, const al_call *outer)
{
    for (uint32_t i = 0; i < inner->guard_count; i++) {
        const al_fact_guard *g = &p->guards.items[inner->first_guard + i];
        bool found = false;
        for (uint32_t j = 0; j < outer->guard_count && !found; j++)
            found = same_guard(g, &p->guards.items[outer->first_guard + j]);
        if (!found)
            return false;
    }
    return true;
}

/* The position, in block `block`, of the statement that holds call c; false when c is not in it. */
static bool position_in(const al_program *p, const al_call *c, uint32_t block, uint32_t *position)
{
    uint32_t b = c->block, at = c->position;
    while (b && b != block) {
        at = p->blocks.items[b - 1].position;
        b = p->blocks.items[b - 1].parent;
    }
    *position = at;
    return b == block && block != 0;
}

static bool named(const al_program *p, const al_call *c, char *const *names, size_t count)
{
    if (c->indirect)
        return false;
    const char *callee = al_program_str(p, c->callee_name);
    for (size_t i = 0; i < count; i++)
        if (strcmp(callee, names[i]) == 0)
            return true;
    return false;
}

static bool flushed_by(const void *context, const al_fact_arg *arg, char *const *flushers, size_t flusher_count,
                       char *const *keepers, size_t keeper_count)
{
    const al_origin_context *oc = context;
    const al_program *p = oc->p;
    const al_call *call = oc->call;
    if (!call->block || p->blocks.items[call->block - 1].switch_body) /* a case label enters it anywhere */
        return false;
    const al_function *fn = &p->functions.items[call->caller];
    const al_call *flush = NULL;
    for (uint32_t k = fn->first_call; k < fn->first_call + fn->call_count; k++) {
        const al_call *c = &p->calls.items[k];
        if (c->block == call->block && c->position < call->position && (!flush || c->position > flush->position) &&
            c->arg_count > 0 && same_argument(&p->args.items[c->first_arg], arg) &&
            named(p, c, flushers, flusher_count) && guards_within(p, c, call))
            flush = c;
    }
    if (!flush || (call->label_before && call->label_before - 1 > flush->position))
        return false;
    for (uint32_t k = fn->first_call; k < fn->first_call + fn->call_count; k++) {
        const al_call *c = &p->calls.items[k];
        uint32_t at;
        if (c == flush || c == call || !position_in(p, c, call->block, &at) || at < flush->position ||
            at > call->position)
            continue;
        if (takes_argument(p, c, arg) && !named(p, c, keepers, keeper_count))
            return false; /* it may have written to the stream since */
    }
    return true;
}

al_call_args al_origins_call_args(const al_program *p, const al_call *call, al_origin_context *context)
{
    context->p = p;
    context->call = call;
    al_call_args args = {&p->args.items[call->first_arg], call->arg_count, p->strings, opened_by, flushed_by, context};
    return args;
}
