/* options: what the command line asked for, shared by every command's driver (commands.h).
 *
 * main.c fills it from argv; al_options_apply_config then fills in what the command line left
 * unset from the configuration file, and al_options_load_rules loads the rule packs the options
 * name. Command-line options always beat the configuration. */
#ifndef AL_OPTIONS_H
#define AL_OPTIONS_H

#include "baseline.h"
#include "config.h"
#include "observed.h"
#include "rules.h"

#ifndef AL_VERSION
#define AL_VERSION "0.1.0"
#endif

enum { AL_EXIT_CLEAN = 0, AL_EXIT_FINDINGS = 1, AL_EXIT_USAGE = 2 };

/* The side reports of --json, --sarif, --html and --codequality, in this order. */
#define AL_SIDE_COUNT 4

typedef struct al_options {
    const char *command; /* check, baseline, merge, programs, rules */
    const char *build_dir;
    const char *format;
    const char *output;
    const char *side_output[AL_SIDE_COUNT];
    const char *baseline;                 /* --baseline FILE */
    const char *changed_since;            /* --changed-since REV */
    bool write_baseline;                  /* the baseline command: -o FILE gets the baseline */
    al_baseline_entries baseline_entries; /* what --baseline (or the file being regenerated) holds */
    bool have_baseline;
    int jobs;
    AL_VEC(const char *) rule_paths;
    AL_VEC(const char *) programs; /* --program NAME: analyze only these */
    const char *fail_on;
    bool conditional;
    bool no_conditional;  /* --no-conditional: overrides "conditional": true in the configuration */
    bool resolve_by_type; /* --resolve-by-type: unresolved indirect calls match by function type */
    bool unknown;         /* --unknown: list undescribed external functions instead of findings */
    const char *source_root;
    const char *color;
    bool quiet;
    bool strict;                 /* --strict: a failed translation unit is an input error */
    const char *category, *pack; /* rules list */
    const char *cache_dir;
    bool no_cache;
    unsigned shard_index, shard_count; /* --shard K/N; shard_count 0: no sharding */
    AL_VEC(char *) files;              /* FILE... (check) or SHARD_FILE... (merge) */
    const char *config_path;           /* --config */
    bool no_config;
    bool show_suppressed;
    bool all_chains;              /* --all-chains: text and HTML show every handler's chain */
    bool all_locks;               /* --all-locks: every lock a handler takes, held by a worker or not */
    AL_VEC(char *) traces;        /* --trace FILE... (not owned: argv's) */
    al_observations observations; /* what they hold (al_options_load_traces) */
    al_config config;             /* the file's settings; path NULL when none was read */
} al_options;

/* "asynclock: error: <fmt with arg> (see asynclock --help)" on standard error; AL_EXIT_USAGE. */
int al_usage_error(const char *fmt, const char *arg);

/* Reads the configuration file (--config, else the nearest .asynclock.json) and fills in what the
 * command line left unset. False (message printed) when the file is bad. */
bool al_options_apply_config(al_options *o);

/* The default packs, the configuration's, then --rules; NULL (message printed) on a bad pack. */
al_rules *al_options_load_rules(const al_options *o);

/* The baseline to compare with (--baseline), or the one being regenerated, for its reasons. False
 * (message printed) when it cannot be read. */
bool al_options_load_baseline(al_options *o);

/* What identifies the code that writes facts: cached or sharded facts of another asynclock, facts
 * format or libclang are never used. `clang_version` is libclang's (al_extract_clang_version).
 * Malloc'ed. */
char *al_tool_id(const char *clang_version);

/* The traces of --trace, read before the analysis so that a bad file fails fast. False (message
 * printed) when one cannot be read. */
bool al_options_load_traces(al_options *o);

void al_options_free(al_options *o);

#endif
