/* reach: blocking call sites reachable from handlers.
 *
 * A call site blocks when it calls an API of the rules (matched by name, because the program does
 * not define it, and with its argument conditions), or a function annotated asynclock:blocking.
 * From every handler the call graph is searched breadth-first, so each handler's chain to a site is
 * the most direct one: fewest calls through pointers, then fewest calls (ties: a chain that took
 * its pointer call sooner, then the earlier function in program order, then its earlier call). Functions annotated
 * asynclock:nonblocking are not entered. Each site reached is one result, listing every handler that reaches it. */
#ifndef AL_REACH_H
#define AL_REACH_H

#include "contexts.h"
#include "program.h"
#include "rules.h"

typedef struct al_reach_options {
    bool conditional;      /* report APIs whose confidence is "conditional" */
    const al_paths *paths; /* calls that never run on the loop thread (NULL: every call can) */
    int jobs;              /* threads for the handlers' searches (0 or 1: the calling thread only) */
} al_reach_options;

/* Chains are stored as a tree: the chains of one handler share the calls they start with, so a
 * million (handler, site) pairs cost a link each, not a copy of their whole chain. */
typedef struct al_chain_link {
    uint32_t call;    /* a call of the chain, index in program calls */
    uint32_t up;      /* the link of the call before it, AL_NONE for the handler's own call */
    uint32_t reaches; /* the function the chain enters by it (AL_NONE: the blocking call itself) */
    uint32_t length;  /* calls from the handler's call to this one, >= 1 */
} al_chain_link;

typedef struct al_site_handler {
    uint32_t handler;  /* index in contexts handlers */
    uint32_t last;     /* its chain: the link of the blocking call; `up` leads back to the handler */
    uint32_t length;   /* calls from the handler's call to the blocking call itself, >= 1 */
    uint32_t pointers; /* how many of those calls go through a pointer */
} al_site_handler;

typedef struct al_site {
    uint32_t call;          /* the blocking call, index in program calls */
    const al_api_rule *api; /* NULL for a call to an asynclock:blocking function */
    AL_VEC(al_site_handler) handlers;
} al_site;

typedef struct al_reach {
    AL_VEC(al_site) sites;       /* in call index order */
    AL_VEC(al_chain_link) links; /* every chain's calls; a link's `up` comes before it */
    size_t blocking_calls;       /* blocking call sites anywhere, reached or not */
} al_reach;

void al_reach_run(al_reach *out, const al_program *p, const al_contexts *c, const al_rules *rules,
                  const al_reach_options *options);

/* Per function: whether some handler reaches it (1) through calls that can run, whatever they
 * block: what al_paths_refine needs. The caller frees it. */
uint8_t *al_reach_reachable(const al_program *p, const al_contexts *c, const al_rules *rules,
                            const al_reach_options *options);
void al_reach_free(al_reach *r);

/* An external function that handlers reach and no rule describes (--unknown). */
typedef struct al_unknown_api {
    uint32_t name;       /* string id */
    uint32_t handlers;   /* how many handlers reach a call to it */
    uint32_t calls;      /* call sites reached */
    uint32_t first_call; /* one of them, for its location */
} al_unknown_api;
typedef AL_VEC(al_unknown_api) al_unknown_list;

/* Every such function, most handlers first (then by name). */
void al_reach_unknown(al_unknown_list *out, const al_program *p, const al_contexts *c, const al_rules *rules);

/* The rule a call matches as a blocking call, for callers that classify single calls (tests, the
 * unknown-API listing). Sets *annotated when it calls an asynclock:blocking function. */
bool al_reach_call_blocks(const al_program *p, const al_rules *rules, const al_reach_options *options,
                          const al_call *call, const al_api_rule **api, bool *annotated);

/* The category of a blocking call to `api` (see al_rules_call_category). */
const char *al_reach_call_category(const al_program *p, const al_call *call, const al_api_rule *api);

#endif
