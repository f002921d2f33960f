/* reach: per-handler breadth-first search over the call graph, restricted to functions that can
 * reach a blocking call at all (found first by one backward search from the blocking sites), so
 * handlers that never block cost nothing and the work stays near the size of the output.
 * Everything is iterative: a 100,000-deep chain is a long queue, not a deep stack. */
#include "reach.h"

#include <stdlib.h>
#include <string.h>

/* The "opened_by" test: was `variable` assigned, in the function making the call, from a call
 * that one of the origins describes? Flow-insensitive: any such assignment in the function. */
typedef struct origin_context {
    const al_program *p;
    const al_call *call;
} origin_context;

static bool variable_opened_by(const void *context, uint32_t variable, const al_origin *origins, size_t count)
{
    const origin_context *oc = context;
    const al_program *p = oc->p;
    const al_function *f = &p->functions.items[oc->call->caller];
    for (uint32_t k = f->first_call; k < f->first_call + f->call_count; k++) {
        const al_call *c = &p->calls.items[k];
        if (c->assigned_to != variable)
            continue;
        for (size_t i = 0; i < count; i++)
            if (al_rules_origin_matches(&origins[i], al_program_str(p, c->callee_name), &p->args.items[c->first_arg],
                                        c->arg_count, p->strings))
                return true;
    }
    return false;
}

bool al_reach_call_blocks(const al_program *p, const al_rules *rules, const al_reach_options *options,
                          const al_call *call, const al_api_rule **api, bool *annotated)
{
    *api = NULL;
    *annotated = false;
    if (call->indirect)
        return false;
    const al_api_rule *rule = al_rules_find_api(rules, al_program_str(p, call->callee_name));
    if (call->callee != AL_NONE) {
        const al_function *f = &p->functions.items[call->callee];
        if (f->annotations & AL_ANNOT_BLOCKING) {
            *annotated = true;
            return true;
        }
        if (f->annotations & AL_ANNOT_NONBLOCKING)
            return false;
        if (f->defined && !(rule && rule->match_definitions))
            return false; /* project code: its own calls decide */
    }
    if (!rule)
        return false;
    origin_context oc = {p, call};
    al_call_args args = {&p->args.items[call->first_arg], call->arg_count, p->strings, variable_opened_by, &oc};
    if (!al_rules_call_blocks(rule, &args, options->conditional))
        return false;
    *api = rule;
    return true;
}

const char *al_reach_call_category(const al_program *p, const al_call *call, const al_api_rule *api)
{
    origin_context oc = {p, call};
    al_call_args args = {&p->args.items[call->first_arg], call->arg_count, p->strings, variable_opened_by, &oc};
    return al_rules_call_category(api, &args);
}

/* Per function: whether the search goes into its body. Not into what the program does not define,
 * what is annotated blocking or nonblocking, nor a definition the rules speak for: an API with
 * match_definitions, or a name a pack lists as nonblocking (a vendored library or the loop's own
 * code, where the rule's verdict beats a path-insensitive reading of the body). */
static uint8_t *enterable_functions(const al_program *p, const al_rules *rules)
{
    uint8_t *enter = al_xcalloc(p->functions.count + 1, 1);
    for (size_t f = 0; f < p->functions.count; f++) {
        const al_function *fn = &p->functions.items[f];
        if (!fn->defined || (fn->annotations & (AL_ANNOT_BLOCKING | AL_ANNOT_NONBLOCKING)))
            continue;
        const char *name = al_program_str(p, fn->name);
        const al_api_rule *rule = al_rules_find_api(rules, name);
        enter[f] = rule ? !rule->match_definitions : !al_rules_known_nonblocking(rules, name);
    }
    return enter;
}

/* Whether the search goes from call k into its callee t. A call through a pointer does not enter
 * a handler: a dispatcher calling the handlers it was given (the loop's own table, a hook list)
 * would only repeat, under a longer chain, what each handler's own search reports. */
static bool entered(const al_program *p, const al_contexts *c, uint32_t k, uint32_t t, const uint8_t *enter)
{
    return enter[t] && !(p->calls.items[k].indirect && c->role[t] == AL_CONTEXT_HANDLER);
}

/* Context for the comparison below: qsort has no context argument in C11. */
static struct {
    const al_program *p;
    const al_contexts *c;
} sort_ctx;

/* Shortest chain first, then by handler name, then by handler order. */
static int compare_site_handlers(const void *a, const void *b)
{
    const al_site_handler *x = a, *y = b;
    if (x->length != y->length)
        return x->length < y->length ? -1 : 1;
    const al_program *p = sort_ctx.p;
    const al_function *fx = &p->functions.items[sort_ctx.c->handlers.items[x->handler].function];
    const al_function *fy = &p->functions.items[sort_ctx.c->handlers.items[y->handler].function];
    int by_name = strcmp(al_program_str(p, fx->name), al_program_str(p, fy->name));
    if (by_name)
        return by_name;
    return (x->handler > y->handler) - (x->handler < y->handler);
}

void al_reach_run(al_reach *out, const al_program *p, const al_contexts *c, const al_rules *rules,
                  const al_reach_options *options)
{
    memset(out, 0, sizeof(*out));
    size_t nf = p->functions.count, nc = p->calls.count;
    const al_api_rule **api_of = al_xcalloc(nc + 1, sizeof(*api_of));
    uint8_t *enter = enterable_functions(p, rules);
    uint8_t *blocks = al_xcalloc(nc + 1, 1);
    uint8_t *may_block = al_xcalloc(nf + 1, 1);
    uint32_t *queue = al_xmalloc((nf + 1) * sizeof(uint32_t));
    size_t head = 0, tail = 0;

    /* 1. blocking call sites, and the functions that make them */
    for (size_t i = 0; i < nc; i++) {
        bool annotated;
        if (al_reach_call_blocks(p, rules, options, &p->calls.items[i], &api_of[i], &annotated)) {
            blocks[i] = 1;
            out->blocking_calls++;
            uint32_t caller = p->calls.items[i].caller;
            if (!may_block[caller]) {
                may_block[caller] = 1;
                queue[tail++] = caller;
            }
        }
    }

    /* 2. backward: every function that can reach one (reverse edges in CSR form) */
    uint32_t *rstart = al_xcalloc(nf + 1, sizeof(uint32_t));
    for (size_t i = 0; i < nc; i++) {
        uint32_t n;
        const uint32_t *t = al_program_call_targets(p, (uint32_t)i, &n);
        for (uint32_t j = 0; j < n; j++)
            rstart[t[j] + 1] += enter[t[j]];
    }
    for (size_t f = 0; f < nf; f++)
        rstart[f + 1] += rstart[f];
    uint32_t *rcallers = al_xmalloc((rstart[nf] + 1) * sizeof(uint32_t));
    uint32_t *rfill = al_xmalloc((nf + 1) * sizeof(uint32_t));
    memcpy(rfill, rstart, (nf + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < nc; i++) {
        uint32_t n;
        const uint32_t *t = al_program_call_targets(p, (uint32_t)i, &n);
        for (uint32_t j = 0; j < n; j++)
            if (enter[t[j]])
                rcallers[rfill[t[j]]++] = p->calls.items[i].caller;
    }
    free(rfill);
    while (head < tail) {
        uint32_t f = queue[head++];
        for (uint32_t k = rstart[f]; k < rstart[f + 1]; k++) {
            uint32_t caller = rcallers[k];
            if (!may_block[caller]) {
                may_block[caller] = 1;
                queue[tail++] = caller;
            }
        }
    }
    free(rstart);
    free(rcallers);

    /* 3. forward from each handler, breadth-first, inside the may-block part of the graph */
    uint32_t *seen = al_xcalloc(nf + 1, sizeof(uint32_t)); /* handler number + 1 that saw it */
    uint32_t *parent_call = al_xmalloc((nf + 1) * sizeof(uint32_t));
    uint32_t *site_of_call = al_xcalloc(nc + 1, sizeof(uint32_t)); /* site index + 1 */
    al_u32_vec path = {0};
    for (size_t h = 0; h < c->handlers.count; h++) {
        uint32_t start = c->handlers.items[h].function;
        const al_function *sf = &p->functions.items[start];
        if (!may_block[start] || (sf->annotations & AL_ANNOT_NONBLOCKING))
            continue;
        uint32_t stamp = (uint32_t)h + 1;
        head = tail = 0;
        queue[tail++] = start;
        seen[start] = stamp;
        parent_call[start] = AL_NONE;
        while (head < tail) {
            uint32_t f = queue[head++];
            const al_function *fn = &p->functions.items[f];
            for (uint32_t k = fn->first_call; k < fn->first_call + fn->call_count; k++) {
                if (blocks[k]) {
                    /* the chain: calls from the handler down to f, then this call */
                    path.count = 0;
                    AL_VEC_PUSH(path, k);
                    for (uint32_t g = f; parent_call[g] != AL_NONE; g = p->calls.items[parent_call[g]].caller)
                        AL_VEC_PUSH(path, parent_call[g]);
                    if (!site_of_call[k]) {
                        al_site site = {0};
                        site.call = k;
                        site.api = api_of[k];
                        AL_VEC_PUSH(out->sites, site);
                        site_of_call[k] = (uint32_t)out->sites.count;
                    }
                    al_site_handler sh = {(uint32_t)h, (uint32_t)out->chain_calls.count, (uint32_t)path.count};
                    for (size_t i = path.count; i > 0; i--)
                        AL_VEC_PUSH(out->chain_calls, path.items[i - 1]);
                    AL_VEC_PUSH(out->sites.items[site_of_call[k] - 1].handlers, sh);
                }
                uint32_t n;
                const uint32_t *t = al_program_call_targets(p, k, &n);
                for (uint32_t j = 0; j < n; j++) {
                    if (entered(p, c, k, t[j], enter) && may_block[t[j]] && seen[t[j]] != stamp) {
                        seen[t[j]] = stamp;
                        parent_call[t[j]] = k;
                        queue[tail++] = t[j];
                    }
                }
            }
        }
    }
    AL_VEC_FREE(path);

    sort_ctx.p = p;
    sort_ctx.c = c;
    for (size_t s = 0; s < out->sites.count; s++) {
        al_site *site = &out->sites.items[s];
        if (site->handlers.count > 1)
            qsort(site->handlers.items, site->handlers.count, sizeof(al_site_handler), compare_site_handlers);
    }
    free(seen);
    free(parent_call);
    free(site_of_call);
    free(queue);
    free(may_block);
    free(blocks);
    free(api_of);
    free(enter);
}

void al_reach_free(al_reach *r)
{
    for (size_t s = 0; s < r->sites.count; s++)
        AL_VEC_FREE(r->sites.items[s].handlers);
    AL_VEC_FREE(r->sites);
    AL_VEC_FREE(r->chain_calls);
}

/* ---- --unknown: what handlers call that no rule describes ---- */

static int compare_unknown(const void *a, const void *b)
{
    const al_unknown_api *x = a, *y = b;
    if (x->handlers != y->handlers)
        return x->handlers > y->handlers ? -1 : 1;
    return strcmp(al_program_str(sort_ctx.p, x->name), al_program_str(sort_ctx.p, y->name));
}

void al_reach_unknown(al_unknown_list *out, const al_program *p, const al_contexts *c, const al_rules *rules)
{
    memset(out, 0, sizeof(*out));
    size_t nf = p->functions.count, nc = p->calls.count;
    /* which calls go to an undescribed external function, and its entry in `out` */
    uint32_t *entry_of_call = al_xmalloc((nc + 1) * sizeof(uint32_t));
    uint32_t *entry_of_name = al_xcalloc(p->strings->count + 1, sizeof(uint32_t)); /* entry + 1 */
    for (size_t i = 0; i < nc; i++) {
        const al_call *call = &p->calls.items[i];
        entry_of_call[i] = AL_NONE;
        if (call->indirect)
            continue;
        if (call->callee != AL_NONE &&
            (p->functions.items[call->callee].defined || p->functions.items[call->callee].annotations))
            continue;
        if (!entry_of_name[call->callee_name]) {
            if (al_rules_describes(rules, al_program_str(p, call->callee_name)))
                continue;
            al_unknown_api u = {call->callee_name, 0, 0, (uint32_t)i};
            AL_VEC_PUSH(*out, u);
            entry_of_name[call->callee_name] = (uint32_t)out->count;
        }
        entry_of_call[i] = entry_of_name[call->callee_name] - 1;
    }
    free(entry_of_name);

    /* every handler, breadth-first over all followed calls; count each name once per handler */
    uint8_t *enter = enterable_functions(p, rules);
    uint32_t *seen = al_xcalloc(nf + 1, sizeof(uint32_t));
    uint32_t *counted = al_xcalloc(out->count + 1, sizeof(uint32_t));
    uint8_t *call_counted = al_xcalloc(nc + 1, 1);
    uint32_t *queue = al_xmalloc((nf + 1) * sizeof(uint32_t));
    for (size_t h = 0; h < c->handlers.count; h++) {
        uint32_t stamp = (uint32_t)h + 1;
        size_t head = 0, tail = 0;
        uint32_t start = c->handlers.items[h].function;
        if (p->functions.items[start].annotations & AL_ANNOT_NONBLOCKING)
            continue;
        queue[tail++] = start;
        seen[start] = stamp;
        while (head < tail) {
            const al_function *fn = &p->functions.items[queue[head++]];
            for (uint32_t k = fn->first_call; k < fn->first_call + fn->call_count; k++) {
                uint32_t e = entry_of_call[k];
                if (e != AL_NONE) {
                    if (counted[e] != stamp) {
                        counted[e] = stamp;
                        out->items[e].handlers++;
                    }
                    if (!call_counted[k]) {
                        call_counted[k] = 1;
                        out->items[e].calls++;
                        if (out->items[e].calls == 1)
                            out->items[e].first_call = k;
                    }
                }
                uint32_t n;
                const uint32_t *t = al_program_call_targets(p, k, &n);
                for (uint32_t j = 0; j < n; j++) {
                    if (entered(p, c, k, t[j], enter) && seen[t[j]] != stamp) {
                        seen[t[j]] = stamp;
                        queue[tail++] = t[j];
                    }
                }
            }
        }
    }
    /* drop what no handler reaches */
    size_t kept = 0;
    for (size_t i = 0; i < out->count; i++)
        if (out->items[i].handlers)
            out->items[kept++] = out->items[i];
    out->count = kept;
    sort_ctx.p = p;
    if (out->count > 1)
        qsort(out->items, out->count, sizeof(al_unknown_api), compare_unknown);
    free(enter);
    free(queue);
    free(call_counted);
    free(counted);
    free(seen);
    free(entry_of_call);
}
