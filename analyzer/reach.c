/* reach: breadth-first searches from the handlers, 64 at a time on -j threads, over the part of
 * the call graph that can reach a blocking call at all (found first by one backward search from
 * the blocking sites), so handlers that never block cost nothing. Chains are kept as a tree of
 * links that one handler's chains share. Everything is iterative: a 100,000-deep chain is a long
 * level list, not a deep stack. */
#include "reach.h"

#include "origins.h"

#include <pthread.h>
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

/* The part of the call graph the handlers' searches walk, built once: the functions that may block,
 * numbered densely (node), with their calls into functions that may block (live, and entered) as a
 * flat edge list, and their blocking calls. Walking it touches a few small arrays instead of the
 * program's calls and targets. */
typedef struct search_edge {
    uint32_t from, to, call;
    uint32_t pointer; /* 1: a call through a pointer */
} search_edge;

typedef struct search_graph {
    uint32_t count;       /* nodes */
    uint32_t *function;   /* node -> function */
    uint32_t *node_of;    /* function -> node + 1 (0: may not block) */
    uint32_t *edge_start; /* node n's edges: edges[edge_start[n] ... edge_start[n + 1]) */
    search_edge *edges;
    uint32_t *site_start; /* its blocking calls: site_calls[site_start[n] ...] */
    uint32_t *site_calls;
} search_graph;

static void build_search_graph(search_graph *g, const al_program *p, const al_contexts *c,
                               const al_reach_options *options, const uint8_t *enter, const uint8_t *may_block,
                               const uint8_t *blocks)
{
    size_t nf = p->functions.count;
    AL_VEC(search_edge) edges = {0};
    al_u32_vec sites = {0};
    g->node_of = al_xcalloc(nf + 1, sizeof(uint32_t));
    g->count = 0;
    for (size_t f = 0; f < nf; f++)
        if (may_block[f])
            g->node_of[f] = ++g->count;
    g->function = al_xmalloc((g->count + 1) * sizeof(uint32_t));
    g->edge_start = al_xcalloc(g->count + 1, sizeof(uint32_t));
    g->site_start = al_xcalloc(g->count + 1, sizeof(uint32_t));
    for (size_t f = 0; f < nf; f++) {
        if (!may_block[f])
            continue;
        uint32_t n = g->node_of[f] - 1;
        g->function[n] = (uint32_t)f;
        g->edge_start[n] = (uint32_t)edges.count;
        g->site_start[n] = (uint32_t)sites.count;
        const al_function *fn = &p->functions.items[f];
        for (uint32_t k = fn->first_call; k < fn->first_call + fn->call_count; k++) {
            if (blocks[k])
                AL_VEC_PUSH(sites, k);
            if (!live(options, k))
                continue;
            uint32_t count;
            const uint32_t *t = al_program_call_targets(p, k, &count);
            for (uint32_t j = 0; j < count; j++)
                if (entered(p, c, k, t[j], enter) && may_block[t[j]])
                    AL_VEC_PUSH(edges, ((search_edge){n, g->node_of[t[j]] - 1, k, p->calls.items[k].indirect}));
        }
    }
    g->edge_start[g->count] = (uint32_t)edges.count;
    g->site_start[g->count] = (uint32_t)sites.count;
    g->edges = edges.items;
    g->site_calls = sites.items;
}

static void free_search_graph(search_graph *g)
{
    free(g->function);
    free(g->node_of);
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

/* Sorts node numbers ascending: insertion for a few, else three passes of 11 bits (radix), which
 * keeps a level of a million nodes linear. `scratch` grows to the list's size. */
static void sort_nodes(al_u32_vec *list, al_u32_vec *scratch)
{
    uint32_t *a = list->items;
    size_t n = list->count;
    if (n < 64) {
        for (size_t i = 1; i < n; i++) {
            uint32_t v = a[i];
            size_t j = i;
            for (; j > 0 && a[j - 1] > v; j--)
                a[j] = a[j - 1];
            a[j] = v;
        }
        return;
    }
    while (scratch->count < n)
        AL_VEC_PUSH(*scratch, 0);
    uint32_t *from = a, *to = scratch->items;
    for (unsigned shift = 0; shift < 33; shift += 11) {
        size_t count[2049] = {0};
        for (size_t i = 0; i < n; i++)
            count[((from[i] >> shift) & 2047) + 1]++;
        for (size_t d = 0; d < 2048; d++)
            count[d + 1] += count[d];
        for (size_t i = 0; i < n; i++)
            to[count[(from[i] >> shift) & 2047]++] = from[i];
        uint32_t *t = from;
        from = to;
        to = t;
    }
    if (from != a) /* an odd number of passes ends in scratch */
        memcpy(a, from, n * sizeof(uint32_t));
}

/* ---- the handlers' searches, up to 128 at once ----
 *
 * Each handler is one bit (lane) of a 128-bit word per node (64 where the compiler has no 128-bit
 * integers), so one pass over the graph serves a batch of handlers (multi-source breadth-first
 * search): a node is expanded once per distinct label among the lanes that reach it, not once per
 * handler; on a graph of small diameter that is a few times per batch, however many lanes. Labels
 * are (calls through pointers, calls), smallest first. Phase P settles the lanes reached with P
 * pointer calls, level by level; a call through a pointer hands its lanes to phase P + 1
 * (`waiting`, with the level they arrive at). Each level's nodes are expanded in node order, so a
 * lane's chain does not depend on which other handlers share its batch: among chains of the same
 * label, a pointer call that arrived in an earlier phase wins, then the earlier node (program
 * order), then its earlier call. */
#ifdef __SIZEOF_INT128__
typedef unsigned __int128 lanes;
#define LANES 128
#else
typedef uint64_t lanes;
#define LANES 64
#endif

/* The lowest lane of a non-empty set. */
static inline uint32_t lowest_lane(lanes l)
{
#ifdef __SIZEOF_INT128__
    uint64_t low = (uint64_t)l;
    return low ? (uint32_t)__builtin_ctzll(low) : 64 + (uint32_t)__builtin_ctzll((uint64_t)(l >> 64));
#else
    return (uint32_t)__builtin_ctzll(l);
#endif
}

#define PREFETCH_NODES 2 /* how many nodes ahead of the one expanded a level's walk asks for what it will touch */

typedef struct lane_entry { /* lanes handed to the next phase, arriving at `level` */
    uint32_t node, level;
    lanes lanes;
} lane_entry;
typedef AL_VEC(lane_entry) lane_entries;

/* A node's lanes, together (in one or two cache lines): an edge looks at all four. */
typedef struct node_lanes {
    lanes settled;
    lanes waiting;    /* handed on to a later phase */
    lanes pending[2]; /* reached at the level being expanded, or at the next one */
} node_lanes;

typedef struct batch_search {
    const al_program *p;
    const al_contexts *c;
    const search_graph *g;
    const al_api_rule *const *api_of;
    node_lanes *node;   /* per node */
    unsigned cur, next; /* which `pending` holds the level being expanded, and the next one */
    uint32_t *parent;   /* [node * LANES + lane]: the edge the lane's chain arrives by */
    uint32_t handler_of[LANES];
    al_u32_vec cur_list, next_list;
    lane_entries entering, entered; /* handed to the next phase; being admitted in this one */
    al_u32_vec path, scratch;
    uint32_t *site_of_call; /* site index + 1 */
    al_reach *out;
} batch_search;

/* Lanes `arriving` by edge e from a node of label (phase, level - 1). */
static inline void arrive(batch_search *s, uint32_t e, lanes arriving, uint32_t level)
{
    const search_edge *edge = &s->g->edges[e];
    uint32_t to = edge->to;
    node_lanes *at = &s->node[to];
    lanes fresh = arriving & ~(at->settled | at->pending[0] | at->pending[1]);
    if (edge->pointer)
        fresh &= ~at->waiting; /* already handed on, by a chain no longer */
    if (!fresh)
        return;
    for (lanes l = fresh; l; l &= l - 1)
        s->parent[(size_t)to * LANES + lowest_lane(l)] = e;
    if (edge->pointer) {
        at->waiting |= fresh;
        AL_VEC_PUSH(s->entering, ((lane_entry){to, level, fresh}));
        return;
    }
    at->waiting &= ~fresh; /* a direct chain of this phase beats any handed on */
    if (!at->pending[s->next])
        AL_VEC_PUSH(s->next_list, to);
    at->pending[s->next] |= fresh;
}

/* Moves the lanes handed on to this phase that arrive at `level` into `next`. */
static void admit(batch_search *s, size_t *at, uint32_t level)
{
    for (; *at < s->entered.count && s->entered.items[*at].level == level; (*at)++) {
        const lane_entry *e = &s->entered.items[*at];
        node_lanes *at = &s->node[e->node];
        lanes ready = e->lanes & at->waiting;
        if (!ready)
            continue;
        at->waiting &= ~ready;
        if (!at->pending[s->next])
            AL_VEC_PUSH(s->next_list, e->node);
        at->pending[s->next] |= ready;
    }
}

/* A new link: `call` after link `up` (AL_NONE: the handler's own call), entering `reaches`. */
static uint32_t add_link(al_reach *out, uint32_t call, uint32_t up, uint32_t reaches)
{
    al_chain_link link = {call, up, reaches, up == AL_NONE ? 1 : out->links.items[up].length + 1};
    AL_VEC_PUSH(out->links, link);
    return (uint32_t)out->links.count - 1;
}

/* A lane's chain is linked once it is asked for: its parent entry then holds the link, marked.
 * (Edge and link numbers stay below the mark: 2^31 of either would take over 32 GiB first.) */
#define LINKED 0x80000000u

/* The link of the last call of `lane`'s chain to node n (AL_NONE at its handler): walks the parent
 * edges up to the first one linked already, then links the walked ones from the top down. */
static uint32_t node_link(batch_search *s, uint32_t n, uint32_t lane)
{
    s->path.count = 0;
    uint32_t at = n, up = AL_NONE;
    for (;;) {
        uint32_t entry = s->parent[(size_t)at * LANES + lane];
        if (entry == AL_NONE)
            break;
        if (entry & LINKED) {
            up = entry & ~LINKED;
            break;
        }
        AL_VEC_PUSH(s->path, at);
        at = s->g->edges[entry].from;
    }
    for (size_t i = s->path.count; i > 0; i--) {
        uint32_t node = s->path.items[i - 1];
        uint32_t *entry = &s->parent[(size_t)node * LANES + lane];
        up = add_link(s->out, s->g->edges[*entry].call, up, s->g->function[node]);
        *entry = up | LINKED;
    }
    return up;
}

/* The site of blocking call k in `out`, added the first time (site_of_call: site index + 1). */
static al_site *site_of(al_reach *out, uint32_t *site_of_call, uint32_t k, const al_api_rule *api)
{
    if (!site_of_call[k]) {
        al_site site = {k, api, {0}};
        AL_VEC_PUSH(out->sites, site);
        site_of_call[k] = (uint32_t)out->sites.count;
    }
    return &out->sites.items[site_of_call[k] - 1];
}

/* Records node n's blocking call k for the lanes of `found`: its chain is the lane's chain to n,
 * then k. */
static void record_site(batch_search *s, uint32_t n, uint32_t k, lanes found, uint32_t phase)
{
    al_reach *out = s->out;
    al_site *site = site_of(out, s->site_of_call, k, s->api_of[k]);
    for (lanes l = found; l; l &= l - 1) {
        uint32_t lane = lowest_lane(l);
        uint32_t last = add_link(out, k, node_link(s, n, lane), AL_NONE);
        al_site_handler sh = {s->handler_of[lane], last, out->links.items[last].length, phase};
        AL_VEC_PUSH(site->handlers, sh);
    }
}

/* A handler's own function, first and alone in its lane: a loop driver's start is only the calls
 * of its loop (and not the calls that run the event loop). */
static void search_root(batch_search *s, uint32_t lane)
{
    const al_handler *handler = &s->c->handlers.items[s->handler_of[lane]];
    uint32_t f = handler->function, n = s->g->node_of[f] - 1;
    lanes bit = (lanes)1 << lane;
    s->node[n].settled |= bit;
    s->parent[(size_t)n * LANES + lane] = AL_NONE;
    for (uint32_t i = s->g->site_start[n]; i < s->g->site_start[n + 1]; i++) {
        uint32_t k = s->g->site_calls[i];
        if (in_start(s->p, handler, f, k, true) &&
            !(handler->region && s->api_of[k] && strcmp(s->api_of[k]->category, "nested-loop") == 0))
            record_site(s, n, k, bit, 0);
    }
    for (uint32_t e = s->g->edge_start[n]; e < s->g->edge_start[n + 1]; e++) {
        const search_edge *edge = &s->g->edges[e];
        if (in_start(s->p, handler, f, edge->call, true))
            arrive(s, e, bit, 1);
    }
}

/* The graph is far bigger than the cache: while node i of the level is expanded, ask for what the
 * nodes after it will touch, each a step further down the chain of loads (the node and its edges;
 * then, once those are in, the nodes and parent rows its edges lead to). */
static inline void prefetch_ahead(const batch_search *s, size_t i)
{
    const search_graph *g = s->g;
    const uint32_t *list = s->cur_list.items;
    size_t count = s->cur_list.count;
    if (i + 2 * PREFETCH_NODES < count) {
        uint32_t far = list[i + 2 * PREFETCH_NODES];
        __builtin_prefetch(&s->node[far]);
        __builtin_prefetch(&g->edges[g->edge_start[far]]);
    }
    if (i + PREFETCH_NODES < count) {
        uint32_t near = list[i + PREFETCH_NODES];
        lanes here = s->node[near].pending[s->cur];
        size_t lane = here ? lowest_lane(here) : 0;
        for (uint32_t e = g->edge_start[near]; e < g->edge_start[near + 1]; e++) {
            uint32_t to = g->edges[e].to;
            __builtin_prefetch(&s->node[to]);
            __builtin_prefetch(&s->parent[(size_t)to * LANES + lane], 1);
        }
    }
}

/* One batch: every lane's search to the end. */
static void search_batch(batch_search *s, uint32_t lane_count)
{
    const search_graph *g = s->g;
    s->next_list.count = s->entering.count = s->entered.count = 0;
    for (uint32_t lane = 0; lane < lane_count; lane++)
        search_root(s, lane);
    for (uint32_t phase = 0;; phase++) {
        size_t at = 0;
        uint32_t level = 1;
        if (phase > 0) {
            /* this phase's entries, in level order (handed on while the last phase went level by level) */
            lane_entries swap = s->entered;
            s->entered = s->entering;
            s->entering = swap;
            s->entering.count = 0;
            if (s->entered.count == 0)
                break;
            level = s->entered.items[0].level;
            admit(s, &at, level);
        }
        while (s->next_list.count) {
            s->cur = s->next;
            s->next = !s->cur;
            al_u32_vec list = s->cur_list;
            s->cur_list = s->next_list;
            s->next_list = list;
            s->next_list.count = 0;
            admit(s, &at, level + 1); /* handed-on lanes win ties with direct ones */
            sort_nodes(&s->cur_list, &s->scratch);
            for (size_t i = 0; i < s->cur_list.count; i++) {
                uint32_t n = s->cur_list.items[i];
                prefetch_ahead(s, i);
                lanes here = s->node[n].pending[s->cur];
                s->node[n].pending[s->cur] = 0;
                s->node[n].settled |= here;
                for (uint32_t j = g->site_start[n]; j < g->site_start[n + 1]; j++)
                    record_site(s, n, g->site_calls[j], here, phase);
                uint32_t end = g->edge_start[n + 1];
                for (uint32_t e = g->edge_start[n]; e < end; e++)
                    arrive(s, e, here, level + 1);
            }
            level++;
            if (!s->next_list.count && at < s->entered.count) {
                level = s->entered.items[at].level; /* a gap: the next lanes handed on */
                admit(s, &at, level);
            }
        }
    }
}

/* What the search threads share: the graph, and the handlers to search in lane order, taken a
 * batch at a time. */
typedef struct search_work {
    const al_program *p;
    const al_contexts *c;
    const search_graph *g;
    const al_api_rule *const *api_of;
    al_u32_vec handlers;
    size_t next_batch;
    pthread_mutex_t lock;
} search_work;

typedef struct search_thread {
    search_work *work;
    pthread_t thread;
    bool started;
    al_reach part; /* the sites and links of its batches */
} search_thread;

static void *search_worker(void *data)
{
    search_thread *t = data;
    const search_work *w = t->work;
    size_t nodes = (size_t)w->g->count + 1;
    batch_search s = {0};
    s.p = w->p;
    s.c = w->c;
    s.g = w->g;
    s.api_of = w->api_of;
    s.out = &t->part;
    s.node = al_xmalloc(nodes * sizeof(node_lanes));
    s.next = 1;
    s.parent = al_xmalloc(nodes * LANES * sizeof(uint32_t));
    s.site_of_call = al_xcalloc(w->p->calls.count + 1, sizeof(uint32_t));
    for (;;) {
        pthread_mutex_lock(&t->work->lock);
        size_t first = t->work->next_batch++ * LANES;
        pthread_mutex_unlock(&t->work->lock);
        if (first >= w->handlers.count)
            break;
        uint32_t lane_count = 0;
        for (; lane_count < LANES && first + lane_count < w->handlers.count; lane_count++)
            s.handler_of[lane_count] = w->handlers.items[first + lane_count];
        memset(s.node, 0, nodes * sizeof(node_lanes));
        search_batch(&s, lane_count);
    }
    free(s.node);
    free(s.parent);
    free(s.site_of_call);
    AL_VEC_FREE(s.cur_list);
    AL_VEC_FREE(s.next_list);
    AL_VEC_FREE(s.entering);
    AL_VEC_FREE(s.entered);
    AL_VEC_FREE(s.path);
    AL_VEC_FREE(s.scratch);
    return NULL;
}

static int compare_sites(const void *a, const void *b)
{
    const al_site *x = a, *y = b;
    return (x->call > y->call) - (x->call < y->call);
}

/* Appends the threads' sites and links, each thread's links renumbered after those before it. */
static void merge_threads(al_reach *out, search_thread *threads, size_t count, size_t call_count)
{
    uint32_t *site_of_call = al_xcalloc(call_count + 1, sizeof(uint32_t)); /* site index + 1 */
    for (size_t t = 0; t < count; t++) {
        al_reach *part = &threads[t].part;
        uint32_t offset = (uint32_t)out->links.count;
        for (size_t i = 0; i < part->links.count; i++) {
            al_chain_link link = part->links.items[i];
            if (link.up != AL_NONE)
                link.up += offset;
            AL_VEC_PUSH(out->links, link);
        }
        AL_VEC_FREE(part->links);
        for (size_t i = 0; i < part->sites.count; i++) {
            al_site *from = &part->sites.items[i];
            al_site *to = site_of(out, site_of_call, from->call, from->api);
            for (size_t h = 0; h < from->handlers.count; h++) {
                al_site_handler sh = from->handlers.items[h];
                sh.last += offset;
                AL_VEC_PUSH(to->handlers, sh);
            }
        }
        al_reach_free(part);
    }
    free(site_of_call);
}

/* The threads' results as one: links renumbered after those of the threads before, each site
 * once (in call order) with every thread's handlers. */
static void merge_parts(al_reach *out, search_thread *threads, size_t count, size_t call_count)
{
    if (count == 1) { /* one thread: its result is the result */
        out->links = threads[0].part.links;
        out->sites = threads[0].part.sites;
    } else {
        size_t links = 0;
        for (size_t t = 0; t < count; t++)
            links += threads[t].part.links.count;
        AL_VEC_RESERVE(out->links, links); /* one allocation: the links are most of the memory */
        merge_threads(out, threads, count, call_count);
    }
    if (out->sites.count > 1)
        qsort(out->sites.items, out->sites.count, sizeof(al_site), compare_sites);
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
    free(queue);

    /* 3. forward from the handlers that may block, 64 at a time, the batches shared out among
     * threads; each thread's sites and links are merged after (no chain depends on the batch or
     * the thread it was found in, so neither does the result) */
    search_graph g;
    build_search_graph(&g, p, c, options, enter, may_block, blocks);
    search_work w = {p, c, &g, api_of, {0}, 0, PTHREAD_MUTEX_INITIALIZER};
    for (size_t h = 0; h < c->handlers.count; h++) {
        uint32_t start = c->handlers.items[h].function;
        if (may_block[start] && !(p->functions.items[start].annotations & AL_ANNOT_NONBLOCKING))
            AL_VEC_PUSH(w.handlers, (uint32_t)h);
    }
    size_t batches = (w.handlers.count + LANES - 1) / LANES;
    size_t jobs = options && options->jobs > 1 ? (size_t)options->jobs : 1;
    if (jobs > batches)
        jobs = batches ? batches : 1;
    search_thread *threads = al_xcalloc(jobs, sizeof(*threads));
    for (size_t t = 0; t < jobs; t++) {
        threads[t].work = &w;
        threads[t].started = t > 0 && pthread_create(&threads[t].thread, NULL, search_worker, &threads[t]) == 0;
    }
    search_worker(&threads[0]); /* the calling thread takes batches too (and all, if no thread started) */
    for (size_t t = 1; t < jobs; t++)
        if (threads[t].started)
            pthread_join(threads[t].thread, NULL);
    merge_parts(out, threads, jobs, nc);
    free(threads);
    AL_VEC_FREE(w.handlers);
    pthread_mutex_destroy(&w.lock);
    free_search_graph(&g);

    sort_ctx.p = p;
    sort_ctx.c = c;
    for (size_t i = 0; i < out->sites.count; i++) {
        al_site *site = &out->sites.items[i];
        if (site->handlers.count > 1)
            qsort(site->handlers.items, site->handlers.count, sizeof(al_site_handler), compare_site_handlers);
    }
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
    AL_VEC_FREE(r->links);
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
