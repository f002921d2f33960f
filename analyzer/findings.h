/* findings: the reach results as the user sees them. One finding per blocking call site, with
 * every handler that reaches it (shortest chain first), the fix in the terms of the handler's loop,
 * and a fingerprint that survives line shifts. All strings are resolved here, so reports/ never
 * looks into the program, the rules or libclang. */
#ifndef AL_FINDINGS_H
#define AL_FINDINGS_H

#include "contexts.h"
#include "program.h"
#include "programs.h"
#include "reach.h"
#include "rules.h"
#include "suppress.h"

typedef struct al_source_loc {
    const char *file; /* absolute */
    unsigned line, column;
} al_source_loc;

/* What one call of a chain says, wherever chains pass it: made once per call, shared by its steps. */
typedef struct al_chain_call {
    const char *function; /* the function that makes this call */
    al_source_loc loc;
    const char *via;      /* a call through a pointer: "field cmd.fn", "array handlers", "variable f",
                             "parameter fn" or "type void (int)"; NULL for a direct call */
    uint32_t targets;     /* a call through a pointer: how many functions it may call */
    const char *instance; /* a call through an object's slot that reaches, in this chain, a function
                             the object's descriptor does not hold there: the descriptor's name
                             (instances.h); NULL otherwise */
} al_chain_call;

/* One call of a chain. Chains are linked from the blocking call back to the handler: the chains of
 * one handler share the steps they start with (al_chain_steps lists one in order). Millions of
 * steps make a big program's chains, so a step keeps only what depends on the chain. */
typedef struct al_chain_step {
    const al_chain_call *call;
    const char *callee;             /* the function it calls; through a pointer, the one it reaches here */
    const struct al_chain_step *up; /* the call before it; NULL for the handler's own call */
    uint32_t widest;                /* the most functions one call up to here may call (0: none) */
    uint8_t broad_calls;            /* how many calls up to here may call more than AL_BROAD_SLOT (at most 255) */
    bool commented;                 /* a suppression comment is on this call's line or one before it */
    bool unlikely; /* a call up to here has an `instance`: the chain cannot happen for the object at hand */
    bool detour;   /* a call up to here cannot reach its function with the chain's object, but the
                      handler sets up another that can: it reaches the blocking call another way */
} al_chain_step;

typedef struct al_finding_handler {
    const char *name;
    al_source_loc defined_at;
    const char *kind;
    const char *family; /* its loop family, for the fix ("" when none) */
    al_source_loc registered_at;
    const char *context;       /* why it runs on the loop thread, for notes: "registered as a ... here" */
    const al_chain_step *last; /* its chain, ending at the blocking call (the most direct of its
                                  programs': fewest calls through pointers, then shortest) */
    size_t chain_length;
    size_t chain_pointers; /* how many of its calls go through a pointer */
    uint32_t widest;       /* the most functions one of those calls may call (0: none) */
    unsigned broad_calls;  /* how many of those calls may call more than AL_BROAD_SLOT functions */
    bool unlikely;         /* its chain calls through an object's slot what its descriptor does not hold */
    bool detour;           /* its chain does, but the handler reaches the call another way (al_chain_step) */
    al_u32_vec programs;   /* the programs it runs in (indexes into al_findings.programs), ascending */
} al_finding_handler;

/* A handler's chain in order, from the handler's own call to the blocking call: chain_length
 * steps, in an array the caller frees. */
const al_chain_step **al_chain_steps(const al_finding_handler *h);

/* How sure a finding's primary chain is: no call through a pointer; calls through pointers that
 * may each call a few functions; a call through a slot that holds many (a command table, an
 * interpreter's C-function slot, a container's callbacks), where which one runs depends on data;
 * or, every handler's chain calls through an object's slot a function that the descriptor the
 * object was set up from does not hold (another path the search did not keep may still exist). */
typedef enum { AL_CERTAINTY_DIRECT = 0, AL_CERTAINTY_RESOLVED, AL_CERTAINTY_BROAD, AL_CERTAINTY_UNLIKELY } al_certainty;
#define AL_BROAD_SLOT 8 /* a call through a pointer that may call more functions than this is broad */
const char *al_certainty_name(al_certainty c);

/* A lock finding's other side: a worker that holds the lock the handlers take across blocking
 * work. `worker` is the worker entry as a handler is described (its kind, where it is registered)
 * with its chain from its entry to the blocking call it makes under the lock. */
typedef struct al_lock_holder {
    const char *lock;          /* what the lock is called: "stats.mutex", or its variable's name */
    al_finding_handler worker; /* its `context` says how it runs on a worker thread */
    const char *blocking;      /* the blocking function the worker calls under the lock */
    al_source_loc acquired_at; /* where the worker takes the lock */
    const char *acquired_in;   /* the function that takes it there */
} al_lock_holder;

struct al_observation; /* observed.h */
struct al_observations;

/* Against a baseline (analyzer/baseline.h): whether a finding was already accepted. */
typedef enum { AL_BASELINE_NONE = 0, AL_BASELINE_NEW, AL_BASELINE_UNCHANGED } al_baseline_state;

typedef struct al_finding {
    const char *rule;     /* "async-lock" */
    const char *category; /* sleep, file-io, ... */
    al_severity severity;
    const char *callee;
    al_source_loc loc;    /* where it is reported (anchored in the source root) */
    al_source_loc site;   /* the blocking call itself: one finding per site, whatever the programs */
    const char *function; /* the function that makes the blocking call */
    al_finding_handler *handlers;
    size_t handler_count;
    size_t handler_capacity; /* while findings are built */
    char *message;
    const char *why;
    const char *fix;
    char *call; /* the call as written, whitespace collapsed: "sleep(1)"; the callee when unreadable */
    char fingerprint[17];
    const al_suppression *suppression; /* the comment that suppressed it (in `suppressed`), else NULL */
    al_baseline_state baseline;
    al_u32_vec programs;    /* the programs it is found in (indexes into al_findings.programs), ascending */
    const al_api_rule *api; /* the rule it matches; NULL for an asynclock:blocking function */
    al_certainty certainty; /* of its primary chain (handlers[0]) */
    const struct al_observation *observed; /* check --trace: the blocked time traces saw here (observed.h) */
    const al_lock_holder *holder;          /* category "lock": the worker that holds the lock across blocking work */
} al_finding;
typedef AL_VEC(al_finding) al_finding_list;

/* One baseline entry: the identity of `count` findings that share a fingerprint. Strings owned. */
typedef struct al_baseline_entry {
    char *fingerprint, *rule, *category, *file, *function, *callee, *call, *handler;
    char *reason; /* why it is accepted, or NULL */
    size_t count;
} al_baseline_entry;
typedef AL_VEC(al_baseline_entry) al_baseline_entries;
void al_baseline_entry_free(al_baseline_entry *e);

typedef struct al_unit_failure {
    const char *file;
    const char *message; /* one line: "file:line:col: error: ..." */
    bool parsed;         /* true: parsed with errors, its facts were still used */
} al_unit_failure;

/* One program of the run and what was found in it. */
typedef struct al_program_summary {
    char *name, *how;
    bool library;
    size_t units, handlers, findings;
} al_program_summary;

/* One external function defined twice in one program (al_clash), reported once for all the
 * programs where it happens. */
typedef struct al_link_clash {
    const char *function;
    al_source_loc kept, other;
    al_u32_vec programs;
} al_link_clash;

typedef struct al_summary {
    size_t translation_units, parse_errors, functions, handlers, findings;
    size_t cached_units; /* units whose facts came from the facts cache, not a parse */
    double seconds;
    size_t suppressed; /* findings a comment suppressed */
    size_t excluded;   /* findings in paths the configuration excludes, not listed */
} al_summary;

typedef struct al_findings {
    al_finding_list items;      /* by file, line, column */
    al_finding_list suppressed; /* the same, for findings a comment suppressed */
    al_suppression_list unused; /* suppression comments that matched no finding */
    al_suppressions *comments;  /* owns the comments the two above point to */
    AL_VEC(al_unit_failure) failures;
    al_summary summary;
    char *source_root;                   /* fingerprints use paths relative to it */
    bool baselined;                      /* compared with a baseline: items carry their state, `gone` is filled */
    al_baseline_entries gone;            /* baseline entries no finding matches any more (count: how many) */
    AL_VEC(al_program_summary) programs; /* every program analyzed, in analysis order */
    AL_VEC(al_link_clash) clashes;
    al_strtab texts;               /* texts the findings point to that no stage keeps (handler kinds) */
    AL_VEC(void *) steps;          /* every chain's steps and their calls' texts, blocks per program */
    struct al_findings_work *work; /* between al_findings_begin and al_findings_finish */
    /* check --trace (observed.h): the traces read, and what they saw that no finding explains; not owned */
    const struct al_observations *observations;
} al_findings;

typedef struct al_findings_options {
    const char *source_root; /* NULL: the deepest folder holding every translation unit */
    char **only_files;       /* absolute paths; report only findings in these (NULL: all) */
    size_t only_file_count;
    char *const *exclude; /* globs (al_config_path_excluded): findings there are only counted */
    size_t exclude_count;
    const char *exclude_base;    /* the folder exclude globs are relative to */
    char *const *off_categories; /* categories not reported at all */
    size_t off_category_count;
    bool all_locks; /* --all-locks: every lock a handler takes, as a note, held by a worker or not */
} al_findings_options;

/* Findings are built in three steps: begin (the source root, from every unit of the set), add for
 * each program (its reach results; a site found in several programs is one finding listing them,
 * with each handler's shortest chain), finish (sort, fingerprints, suppressions, summary).
 *
 * A finding is anchored in the project: when its blocking call lies outside the source root (a
 * vendored header's inline function), it is reported at the last call of its chain inside it.
 * Categories that are off are dropped, excluded paths counted. A suppression comment on any call
 * site of a handler's chain (the blocking call's line included) takes that handler off the
 * finding; a finding left with no handler goes to `suppressed`. The unit set must outlive `out`. */
void al_findings_begin(al_findings *out, const al_unit_set *set, const al_findings_options *options);
struct al_instances; /* instances.h: NULL, no chain is checked against its objects' descriptors */
struct al_locks;     /* locks.h: NULL, a lock acquisition is a note like any other */
void al_findings_add(al_findings *out, const al_program_def *def, const al_program *p, const al_contexts *c,
                     const al_reach *r, struct al_instances *instances, const struct al_locks *locks,
                     const al_rules *rules, const al_findings_options *options);
void al_findings_finish(al_findings *out, const al_rules *rules, const al_findings_options *options);
/* begin, add and finish for one program named "program" (tests, benchmarks). */
void al_findings_build(al_findings *out, const al_program *p, const al_contexts *c, const al_reach *r,
                       const al_rules *rules, const al_findings_options *options);
void al_findings_free(al_findings *f);
/* One finding's own memory (for stages that drop findings). */
void al_finding_free(al_finding *x);

/* An external function that handlers reach and no rule describes, resolved for reports. */
typedef struct al_unknown_entry {
    const char *name;
    size_t handlers, calls;
    al_source_loc example;        /* one call to it */
    const char *example_function; /* the function making that call */
} al_unknown_entry;
typedef AL_VEC(al_unknown_entry) al_unknown_entries;

void al_findings_unknown(al_unknown_entries *out, const al_program *p, const al_unknown_list *list);

/* The call expression that starts at line:column (from 1) of `text`, callee and argument list,
 * comments dropped and whitespace collapsed ("sleep(1)"); NULL when none starts there. */
char *al_findings_call_text(const char *text, unsigned line, unsigned column);

/* Whether finding y can be shown as one group with finding x (text notes, HTML rows): blocking
 * calls in the same function and file, reached by the same handlers in the same order with the same
 * chains up to that function (the first handler's only, unless all_chains), in the same programs. */
bool al_finding_same_group(const al_finding *x, const al_finding *y, bool all_chains);

/* Whether any finding is at or above `level` (against a baseline: any new one). */
bool al_findings_fail(const al_findings *f, al_severity level);

#endif
