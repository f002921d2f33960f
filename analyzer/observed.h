/* observed: what `asynclock trace` measured, joined to the findings (`check --trace FILE...`).
 *
 * A trace file (docs/trace.md) lists the call sites of blocking APIs seen on loop threads, each with
 * its blocked time and symbolized stack. al_observed_apply runs after the findings are built (as
 * the baseline does): a site explains a finding when one of its frames is the finding's blocking
 * call (file and line, and the callee); the finding then carries the sites' blocked time merged.
 * Sites no finding explains are the "observed only" list: blocking calls the static analysis did
 * not see (a pointer it could not resolve, an API no rule describes, code it did not analyze), when
 * their stack passes through the project's sources (a test runner's own loop does not count). */
#ifndef AL_OBSERVED_H
#define AL_OBSERVED_H

#include "findings.h"

#define AL_TRACE_FORMAT_VERSION 1

typedef struct al_trace_frame {
    char *function; /* NULL when unknown */
    char *file;     /* absolute; NULL when the object has no line information for it */
    unsigned line;
    char *module; /* the object: the program or a shared library */
    uint64_t offset;
} al_trace_frame;

/* Frees the strings of `count` frames. */
void al_trace_frames_free(al_trace_frame *frames, size_t count);

typedef struct al_hist_bin {
    uint64_t low, high, count; /* `count` calls took from `low` to `high` (excluded) nanoseconds */
} al_hist_bin;
typedef AL_VEC(al_hist_bin) al_hist_bins;

/* Blocked time of one call site, or of several merged. */
typedef struct al_stall {
    uint64_t calls, total_ns, min_ns, max_ns, p50_ns, p99_ns;
} al_stall;

typedef struct al_trace_site {
    char *api, *symbol, *category;
    bool unchecked; /* the shim could not check the API's argument conditions (docs/trace.md) */
    bool tail_call; /* a callback's last act: its frame is gone, the stack starts in the loop library */
    al_stall stall;
    al_hist_bins histogram;
    AL_VEC(al_trace_frame) stack; /* the call's own frame first */
    const char *trace;            /* the trace file it came from */
    char *program;
    long pid;
} al_trace_site;

/* The blocked time a finding, or an observed-only call site, was seen to cause. */
typedef struct al_observation {
    al_stall stall;
    size_t sites;                 /* trace sites merged into it */
    const al_trace_site *example; /* the site with the most blocked time: its stack and program */
    al_source_loc loc;            /* observed only: the call site (column 0), file NULL when unknown */
} al_observation;

typedef struct al_observations {
    AL_VEC(char *) files;                /* the trace files read */
    AL_VEC(al_trace_site) sites;         /* from every file */
    AL_VEC(al_observation *) own;        /* every observation made (owned) */
    AL_VEC(const al_observation *) only; /* observed only, most blocked time first */
    size_t observed_findings;            /* findings that gained an observation */
    size_t unchecked_dropped;            /* sites whose conditions the shim could not check and no finding explains */
    size_t outside;                      /* sites no finding explains with no frame in the source root: not listed */
} al_observations;

/* Reads trace files; a folder stands for every *.json file in it (a test suite's traces), in name
 * order. On failure returns false and sets *error to one line naming the file (and the line and
 * column of a bad value). */
bool al_observed_load(al_observations *o, char *const *paths, size_t count, char **error);
/* Reads one trace held in memory (`len` bytes); `path` names it in messages. */
bool al_observed_parse(al_observations *o, const char *path, const char *text, size_t len, char **error);

/* Joins the sites to the findings (items and suppressed) and fills the observed-only list. Sets
 * f->observations; each finding explained by a site gets `observed`. Call once, after the baseline. */
void al_observed_apply(al_findings *f, al_observations *o);

/* The order text and HTML show f->items in: as built, or after --trace by measured stall (total
 * blocked time, most first), the findings not observed after them in their own order. Caller frees. */
size_t *al_observed_rank(const al_findings *f);

void al_observations_free(al_observations *o);

/* The duration under which a fraction q (0.5, 0.99) of the calls fell, from a histogram: the
 * middle of the bucket holding that call, kept within [min, max]. */
uint64_t al_stall_percentile(const al_hist_bins *bins, uint64_t calls, double q, uint64_t min, uint64_t max);

/* "50.1 ms", "812 us", "3.20 s", "140 ns": three significant digits. */
void al_format_duration(char *out, size_t cap, uint64_t ns);

#endif
