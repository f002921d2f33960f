/* reach: per-handler breadth-first search over the call graph, restricted to functions that can
 * reach a blocking call at all (found first by one backward search from the blocking sites), so
 * handlers that never block cost nothing and the work stays near the size of the output.
 * Everything is iterative: a 100,000-deep chain is a long queue, not a deep stack. */
#include "reach.h"

#include "origins.h"

#include <stdlib.h>
#include <string.h>

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
    al_origin_context oc;
    al_call_args args = al_origins_call_args(p, call, &oc);
    if (!al_rules_call_blocks(rule, &args, options->conditional))
        return false;
    *api = rule;
    return true;
}

const char *al_reach_call_category(const al_program *p, const al_call *call, const al_api_rule *api)
{
    al_origin_context oc;
    al_call_args args = al_origins_call_args(p, call, &oc);
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

/* Whether call k can run on the loop thread (paths.h): not in a fork child, on a crash path or
 * under a guard known false. */
static bool live(const al_reach_options *o, uint32_t k)
{
    return !o || !o->paths || o->paths->call[k] == AL_PATH_LIVE;
}

/* Whether the search from handler h looks at call k of the function it is expanding: a loop
 * driver's start is only the calls of its loop, and not the calls that run the event loop. */
static bool in_start(const al_program *p, const al_handler *h, uint32_t f, uint32_t k, bool root)
{
    return !root || !h->region || f != h->function || al_paths_call_in_loop(p, k, h->region);
}

/* The part of the call graph the handlers' searches walk, built once: for each function that may
 * block, the calls into functions that may block (live, and entered), as a flat edge list, and its
 * blocking calls. Walking it touches a few arrays instead of the program's calls and targets. */
typedef struct search_edge {
    uint32_t to, call;
    uint32_t pointer; /* 1: a call through a pointer */
} search_edge;

typedef struct search_graph {
    uint32_t *edge_start; /* function f's edges: edges[edge_start[f] ... edge_start[f + 1]) */
    search_edge *edges;
    uint32_t *site_start; /* its blocking calls: site_calls[site_start[f] ...] */
    uint32_t *site_calls;
} search_graph;

static void build_search_graph(search_graph *g, const al_program *p, const al_contexts *c,
                               const al_reach_options *options, const uint8_t *enter, const uint8_t *may_block,
                               const uint8_t *blocks)
{
    size_t nf = p->functions.count;
    AL_VEC(search_edge) edges = {0};
    al_u32_vec sites = {0};
    g->edge_start = al_xcalloc(nf + 1, sizeof(uint32_t));
    g->site_start = al_xcalloc(nf + 1, sizeof(uint32_t));
    for (size_t f = 0; f < nf; f++) {
        g->edge_start[f] = (uint32_t)edges.count;
        g->site_start[f] = (uint32_t)sites.count;
        if (!may_block[f])
            continue;
        const al_function *fn = &p->functions.items[f];
        for (uint32_t k = fn->first_call; k < fn->first_call + fn->call_count; k++) {
            if (blocks[k])
                AL_VEC_PUSH(sites, k);
            if (!live(options, k))
                continue;
            uint32_t n;
            const uint32_t *t = al_program_call_targets(p, k, &n);
            for (uint32_t j = 0; j < n; j++)
                if (entered(p, c, k, t[j], enter) && may_block[t[j]])
                    AL_VEC_PUSH(edges, ((search_edge){t[j], k, p->calls.items[k].indirect}));
        }
    }
    g->edge_start[nf] = (uint32_t)edges.count;
    g->site_start[nf] = (uint32_t)sites.count;
    g->edges = edges.items;
    g->site_calls = sites.items;
}

/* Per function, in one handler's search: stamps (handler number + 1) of when it was settled and
 * when `pointers` and `length` (of its best chain so far) were set. One cache line, not four. */
typedef struct search_state {
    uint32_t settled, queued, pointers, length;
} search_state;

static void free_search_graph(search_graph *g)
{
    free(g->edge_start);
    free(g->edges);
    free(g->site_start);
    free(g->site_calls);
}

/* Context for the comparison below: qsort has no context argument in C11. */
static struct {
    const al_program *p;
    const al_contexts *c;
} sort_ctx;

/* The most direct chain first: fewest calls through pointers, then shortest; then by handler
 * name, then by handler order. */
static int compare_site_handlers(const void *a, const void *b)
{
    const al_site_handler *x = a, *y = b;
    if (x->pointers != y->pointers)
        return x->pointers < y->pointers ? -1 : 1;
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
        if (live(options, (uint32_t)i) &&
            al_reach_call_blocks(p, rules, options, &p->calls.items[i], &api_of[i], &annotated)) {
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
        for (uint32_t j = 0; j < n && live(options, (uint32_t)i); j++)
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
        for (uint32_t j = 0; j < n && live(options, (uint32_t)i); j++)
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

    /* 3. forward from each handler, inside the may-block part of the graph, for the most direct
     * chain to each function: fewest calls through pointers, then fewest calls. In phases: phase
     * P settles the functions reached with P pointer calls, merging two queues sorted by length
     * (the functions entered from phase P - 1, and those it reaches by direct calls), which keeps
     * the search linear. A function is settled when it leaves a queue, and expanded once. */
    search_graph g;
    build_search_graph(&g, p, c, options, enter, may_block, blocks);
    search_state *state = al_xcalloc(nf + 1, sizeof(search_state));
    uint32_t *parent_call = al_xmalloc((nf + 1) * sizeof(uint32_t));
    uint32_t *site_of_call = al_xcalloc(nc + 1, sizeof(uint32_t)); /* site index + 1 */
    al_u32_vec direct = {0}, entered_now = {0}, entered_next = {0}, path = {0};
    for (size_t h = 0; h < c->handlers.count; h++) {
        uint32_t start = c->handlers.items[h].function;
        const al_function *sf = &p->functions.items[start];
        if (!may_block[start] || (sf->annotations & AL_ANNOT_NONBLOCKING))
            continue;
        uint32_t stamp = (uint32_t)h + 1;
        const al_handler *handler = &c->handlers.items[h];
        entered_now.count = 0;
        AL_VEC_PUSH(entered_now, start);
        state[start].queued = stamp;
        state[start].pointers = state[start].length = 0;
        parent_call[start] = AL_NONE;
        for (uint32_t phase = 0; entered_now.count; phase++) {
            size_t next_entered = 0, next_direct = 0;
            direct.count = 0;
            entered_next.count = 0;
            for (;;) {
                /* the shorter of the two queue heads */
                uint32_t f;
                bool from_entered = next_entered < entered_now.count &&
                                    (next_direct == direct.count || state[entered_now.items[next_entered]].length <=
                                                                        state[direct.items[next_direct]].length);
                if (from_entered)
                    f = entered_now.items[next_entered++];
                else if (next_direct < direct.count)
                    f = direct.items[next_direct++];
                else
                    break;
                if (state[f].settled == stamp || state[f].pointers != phase)
                    continue; /* settled already, or entered again by a better way */
                state[f].settled = stamp;
                bool root = f == start && phase == 0;
                for (uint32_t s = g.site_start[f]; s < g.site_start[f + 1]; s++) {
                    uint32_t k = g.site_calls[s];
                    if (root && (!in_start(p, handler, f, k, true) ||
                                 (handler->region && api_of[k] && strcmp(api_of[k]->category, "nested-loop") == 0)))
                        continue;
                    /* the chain: calls from the handler down to f, then this call */
                    path.count = 0;
                    AL_VEC_PUSH(path, k);
                    for (uint32_t at = f; parent_call[at] != AL_NONE; at = p->calls.items[parent_call[at]].caller)
                        AL_VEC_PUSH(path, parent_call[at]);
                    if (!site_of_call[k]) {
                        al_site site = {0};
                        site.call = k;
                        site.api = api_of[k];
                        AL_VEC_PUSH(out->sites, site);
                        site_of_call[k] = (uint32_t)out->sites.count;
                    }
                    al_site_handler sh = {(uint32_t)h, (uint32_t)out->chain_calls.count, (uint32_t)path.count, phase};
                    for (size_t i = path.count; i > 0; i--)
                        AL_VEC_PUSH(out->chain_calls, path.items[i - 1]);
                    AL_VEC_PUSH(out->sites.items[site_of_call[k] - 1].handlers, sh);
                }
                uint32_t length = state[f].length + 1;
                for (uint32_t e = g.edge_start[f]; e < g.edge_start[f + 1]; e++) {
                    const search_edge *edge = &g.edges[e];
                    uint32_t to = edge->to;
                    search_state *next = &state[to];
                    if (next->settled == stamp || (root && !in_start(p, handler, f, edge->call, true)))
                        continue;
                    uint32_t pointers = phase + edge->pointer;
                    if (next->queued == stamp &&
                        (next->pointers < pointers || (next->pointers == pointers && next->length <= length)))
                        continue;
                    next->queued = stamp;
                    next->pointers = pointers;
                    next->length = length;
                    parent_call[to] = edge->call;
                    if (edge->pointer)
                        AL_VEC_PUSH(entered_next, to);
                    else
                        AL_VEC_PUSH(direct, to);
                }
            }
            al_u32_vec swap = entered_now;
            entered_now = entered_next;
            entered_next = swap;
        }
    }
    AL_VEC_FREE(direct);
    AL_VEC_FREE(entered_now);
    AL_VEC_FREE(entered_next);
    AL_VEC_FREE(path);

    sort_ctx.p = p;
    sort_ctx.c = c;
    for (size_t s = 0; s < out->sites.count; s++) {
        al_site *site = &out->sites.items[s];
        if (site->handlers.count > 1)
            qsort(site->handlers.items, site->handlers.count, sizeof(al_site_handler), compare_site_handlers);
    }
    free_search_graph(&g);
    free(state);
    free(parent_call);
    free(site_of_call);
    free(queue);
    free(may_block);
    free(blocks);
    free(api_of);
    free(enter);
}

uint8_t *al_reach_reachable(const al_program *p, const al_contexts *c, const al_rules *rules,
                            const al_reach_options *options)
{
    size_t nf = p->functions.count;
    uint8_t *enter = enterable_functions(p, rules);
    uint8_t *reached = al_xcalloc(nf + 1, 1);
    uint32_t *queue = al_xmalloc((nf + 1) * sizeof(uint32_t));
    size_t head = 0, tail = 0;
    /* the whole of every handler but a loop driver, whose own function is only partly on the loop */
    for (size_t h = 0; h < c->handlers.count; h++) {
        const al_handler *handler = &c->handlers.items[h];
        const al_function *fn = &p->functions.items[handler->function];
        if (!handler->region) {
            if (!reached[handler->function]) {
                reached[handler->function] = 1;
                queue[tail++] = handler->function;
            }
            continue;
        }
        for (uint32_t k = fn->first_call; k < fn->first_call + fn->call_count; k++) {
            uint32_t n;
            const uint32_t *t = al_program_call_targets(p, k, &n);
            for (uint32_t j = 0; j < n && live(options, k) && in_start(p, handler, handler->function, k, true); j++)
                if (entered(p, c, k, t[j], enter) && !reached[t[j]]) {
                    reached[t[j]] = 1;
                    queue[tail++] = t[j];
                }
        }
    }
    while (head < tail) {
        const al_function *fn = &p->functions.items[queue[head++]];
        for (uint32_t k = fn->first_call; k < fn->first_call + fn->call_count; k++) {
            uint32_t n;
            const uint32_t *t = al_program_call_targets(p, k, &n);
            for (uint32_t j = 0; j < n && live(options, k); j++)
                if (entered(p, c, k, t[j], enter) && !reached[t[j]]) {
                    reached[t[j]] = 1;
                    queue[tail++] = t[j];
                }
        }
    }
    free(queue);
    free(enter);
    return reached;
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
