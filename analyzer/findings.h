/* findings: the reach results as the user sees them. One finding per blocking call site, with
 * every handler that reaches it (shortest chain first), the fix in the terms of the handler's loop,
 * and a fingerprint that survives line shifts. All strings are resolved here, so reports/ never
 * looks into the program, the rules or libclang. */
#ifndef AL_FINDINGS_H
#define AL_FINDINGS_H

#include "contexts.h"
#include "program.h"
#include "reach.h"
#include "rules.h"

typedef struct al_source_loc {
    const char *file; /* absolute */
    unsigned line, column;
} al_source_loc;

typedef struct al_chain_step {
    const char *function; /* the function that makes this call */
    const char *callee;   /* for a call through a pointer: the function it reaches here */
    al_source_loc loc;
    char *via; /* a call through a pointer: "field cmd.fn", "array handlers", "variable f",
                  "parameter fn" or "type void (int)" (owned); NULL for a direct call */
} al_chain_step;

typedef struct al_finding_handler {
    const char *name;
    al_source_loc defined_at;
    const char *kind;
    al_source_loc registered_at;
    char *context;        /* why it runs on the loop thread, for notes: "registered as a ... here" */
    al_chain_step *chain; /* from the handler's own call to the blocking call */
    size_t chain_length;
} al_finding_handler;

typedef struct al_finding {
    const char *rule;     /* "async-lock" */
    const char *category; /* sleep, file-io, ... */
    al_severity severity;
    const char *callee;
    al_source_loc loc;
    const char *function; /* the function that makes the blocking call */
    al_finding_handler *handlers;
    size_t handler_count;
    char *message;
    const char *why;
    const char *fix;
    char fingerprint[17];
} al_finding;

typedef struct al_unit_failure {
    const char *file;
    const char *message; /* one line: "file:line:col: error: ..." */
    bool parsed;         /* true: parsed with errors, its facts were still used */
} al_unit_failure;

typedef struct al_summary {
    size_t translation_units, parse_errors, functions, handlers, findings;
    double seconds;
} al_summary;

typedef struct al_findings {
    AL_VEC(al_finding) items; /* by file, line, column */
    AL_VEC(al_unit_failure) failures;
    al_summary summary;
    char *source_root; /* fingerprints use paths relative to it */
} al_findings;

typedef struct al_findings_options {
    const char *source_root; /* NULL: the deepest folder holding every translation unit */
    char **only_files;       /* absolute paths; report only findings in these (NULL: all) */
    size_t only_file_count;
} al_findings_options;

void al_findings_build(al_findings *out, const al_program *p, const al_contexts *c, const al_reach *r,
                       const al_rules *rules, const al_findings_options *options);
void al_findings_free(al_findings *f);

/* An external function that handlers reach and no rule describes, resolved for reports. */
typedef struct al_unknown_entry {
    const char *name;
    size_t handlers, calls;
    al_source_loc example;        /* one call to it */
    const char *example_function; /* the function making that call */
} al_unknown_entry;
typedef AL_VEC(al_unknown_entry) al_unknown_entries;

void al_findings_unknown(al_unknown_entries *out, const al_program *p, const al_unknown_list *list);

/* Whether any finding is at or above `level`. */
bool al_findings_fail(const al_findings *f, al_severity level);

#endif
