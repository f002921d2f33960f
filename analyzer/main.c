/* asynclock: finds blocking calls reachable from event-loop handlers in C programs.
 *
 * main parses the command line and runs the stages of the pipeline in order:
 * compdb -> extract -> program -> contexts -> reach -> findings -> reports.
 * No analysis happens here. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../reports/report.h"
#include "baseline.h"
#include "changes.h"
#include "compdb.h"
#include "config.h"
#include "contexts.h"
#include "extract.h"
#include "findings.h"
#include "lsp.h"
#include "indirect.h"
#include "observed.h"
#include "program.h"
#include "reach.h"
#include "rules.h"
#include "store.h"
#include "trace.h"

#ifndef AL_VERSION
#define AL_VERSION "0.1.0"
#endif

enum { EXIT_CLEAN = 0, EXIT_FINDINGS = 1, EXIT_USAGE = 2 };

static volatile sig_atomic_t stop_signal; /* the SIGINT or SIGTERM that stopped the run */

static const char usage_text[] =
    "usage: asynclock check [-p BUILD_DIR] [options] [FILE...]\n"
    "       asynclock check -p BUILD_DIR --shard K/N -o SHARD_FILE [options]\n"
    "       asynclock merge [report options] SHARD_FILE...\n"
    "       asynclock lsp [check options...]\n"
    "       asynclock baseline [-p BUILD_DIR] -o FILE [check options]\n"
    "       asynclock rules list [--category C] [--pack P] | rules show NAME\n"
    "       asynclock trace [-o FILE] [options] -- PROGRAM [ARGS...]   (asynclock trace --help)\n"
    "       asynclock --help | --version\n"
    "\n"
    "Finds blocking calls (sleep, file I/O, DNS, process waits, locks, nested loops) reachable\n"
    "from event-loop handlers, across the whole program described by compile_commands.json.\n"
    "\n"
    "check options:\n"
    "  -p DIR               folder holding compile_commands.json (default: ., then ./build)\n"
    "  FILE...              report only findings in these files (the whole program is analyzed;\n"
    "                       unchanged units come from the facts cache)\n"
    "  -f, --format FMT     text (default) | json | sarif | html | codequality\n"
    "  -o, --output FILE    write the report there (default: standard output)\n"
    "      --json FILE      also write the JSON report to FILE\n"
    "      --sarif FILE     also write the SARIF 2.1.0 report to FILE\n"
    "      --html FILE      also write the HTML report to FILE\n"
    "      --codequality FILE  also write the GitLab Code Quality report to FILE\n"
    "      --baseline FILE  fail only on findings not in this baseline; report the\n"
    "                       baseline entries that are gone (see docs/baselines.md)\n"
    "      --changed-since REV  report only findings whose call, chain or handler is on a\n"
    "                       line changed since git revision REV (work tree included)\n"
    "      --trace FILE     what asynclock trace observed (repeatable; a folder stands for its\n"
    "                       *.json files): each finding gains its measured blocked time, text\n"
    "                       and HTML rank findings by it, and blocking calls seen on loop\n"
    "                       threads that no finding explains are listed as observed only\n"
    "                       (docs/trace.md)\n"
    "  -j, --jobs N         parallel parses (default: number of cores)\n"
    "      --cache DIR      keep the facts cache in DIR (default: BUILD_DIR/.asynclock-cache);\n"
    "                       a unit is parsed again only when a file it reads, its compile\n"
    "                       arguments or asynclock changed\n"
    "      --no-cache       parse every unit, read and write no cache\n"
    "      --shard K/N      parse only shard K of N of the units and write their facts to the\n"
    "                       -o file, for 'asynclock merge'\n"
    "      --rules PATH     extra rule pack, file or folder (repeatable; later packs override)\n"
    "      --config FILE    settings and declarations (default: the nearest .asynclock.json\n"
    "                       in the working folder or above; see docs/configuration.md)\n"
    "      --no-config      read no configuration file\n"
    "      --fail-on LEVEL  error | warning | note | never (default: warning)\n"
    "      --conditional    also report conditional APIs (read, write, recv, send, ...)\n"
    "      --no-conditional do not, whatever the configuration file says\n"
    "      --resolve-by-type\n"
    "                       a call through a pointer that no store into its field or\n"
    "                       array explains may call any address-taken function of its type\n"
    "      --unknown        instead of findings, list the external functions handlers reach\n"
    "                       that no rule describes, most handlers first\n"
    "      --source-root D  the project: fingerprints are relative to D, calls outside it are\n"
    "                       reported at the chain's last call inside (default: common folder\n"
    "                       of the units and function definitions)\n"
    "      --show-suppressed  list the findings that asynclock:ignore or NOLINT comments\n"
    "                       suppress (text output; JSON and SARIF always carry them)\n"
    "      --color WHEN     auto (default) | always | never, for text output\n"
    "  -q, --quiet          no progress or parse-error lines on standard error\n"
    "      --strict         exit 2 when any translation unit failed to parse (after writing\n"
    "                       the reports, which count and name the failed units)\n"
    "\n"
    "lsp: a language server on standard input/output; on open and save of a C file it analyzes\n"
    "the project of the nearest compile_commands.json and publishes the findings as diagnostics.\n"
    "\n"
    "merge: joins the facts files of every shard of a --shard run, then analyzes and reports\n"
    "as check does (check's report options apply).\n"
    "\n"
    "baseline: writes today's findings to -o FILE (JSON); a \"reason\" an entry of an existing\n"
    "FILE has is kept. Takes the check options that choose findings (-p, --rules, --conditional,\n"
    "--source-root, FILE...).\n"
    "\n"
    "rules options:\n"
    "      --rules PATH     load this pack too\n"
    "      --category C     list only this category\n"
    "      --pack P         list only this pack\n"
    "\n"
    "trace: runs PROGRAM with the trace shim preloaded and writes what its loop threads blocked\n"
    "on, per call site, with stacks (docs/trace.md).\n"
    "\n"
    "Command-line options override the configuration file.\n"
    "Exit codes: 0 no (new) finding at or above --fail-on, 1 findings, 2 usage, input or\n"
    "configuration error (or, with --strict, a failed translation unit); 130/143 after SIGINT/\n"
    "SIGTERM (the parsed units stay cached, no report is written).\n"
    "Rule packs: $ASYNCLOCK_RULES_DIR or the installed rules folder.\n";

typedef struct check_options {
    const char *build_dir;
    const char *format;
    const char *output;
    const char *side_output[4];           /* --json, --sarif, --html, --codequality: reports beside the main one */
    const char *baseline;                 /* --baseline FILE */
    const char *changed_since;            /* --changed-since REV */
    AL_VEC(char *) traces;                /* --trace FILE... */
    al_observations observations;         /* what they hold */
    bool write_baseline;                  /* the baseline command: -o FILE gets the baseline */
    al_baseline_entries baseline_entries; /* what --baseline (or the file being regenerated) holds */
    bool have_baseline;
    int jobs;
    AL_VEC(const char *) rule_paths;
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
    AL_VEC(char *) files;
    const char *config_path; /* --config */
    bool no_config;
    bool show_suppressed;
    al_config config; /* the file's settings; path NULL when none was read */
} check_options;

static int usage_error(const char *fmt, const char *arg)
{
    fputs("asynclock: error: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see asynclock --help)\n", stderr);
    return EXIT_USAGE;
}

static int default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

enum {
    OPT_JSON = 256,
    OPT_SARIF,
    OPT_HTML,
    OPT_CODEQUALITY,
    OPT_BASELINE,
    OPT_CHANGED_SINCE,
    OPT_TRACE,
    OPT_UNKNOWN,
    OPT_RULES,
    OPT_FAIL_ON,
    OPT_CONDITIONAL,
    OPT_NO_CONDITIONAL,
    OPT_RESOLVE_BY_TYPE,
    OPT_SOURCE_ROOT,
    OPT_COLOR,
    OPT_CATEGORY,
    OPT_PACK,
    OPT_CACHE,
    OPT_NO_CACHE,
    OPT_SHARD,
    OPT_CONFIG,
    OPT_NO_CONFIG,
    OPT_SHOW_SUPPRESSED,
    OPT_STRICT
};

static int parse_options(int argc, char **argv, check_options *o)
{
    static const struct option long_options[] = {{"format", required_argument, NULL, 'f'},
                                                 {"output", required_argument, NULL, 'o'},
                                                 {"jobs", required_argument, NULL, 'j'},
                                                 {"rules", required_argument, NULL, OPT_RULES},
                                                 {"json", required_argument, NULL, OPT_JSON},
                                                 {"sarif", required_argument, NULL, OPT_SARIF},
                                                 {"html", required_argument, NULL, OPT_HTML},
                                                 {"codequality", required_argument, NULL, OPT_CODEQUALITY},
                                                 {"baseline", required_argument, NULL, OPT_BASELINE},
                                                 {"changed-since", required_argument, NULL, OPT_CHANGED_SINCE},
                                                 {"trace", required_argument, NULL, OPT_TRACE},
                                                 {"fail-on", required_argument, NULL, OPT_FAIL_ON},
                                                 {"conditional", no_argument, NULL, OPT_CONDITIONAL},
                                                 {"no-conditional", no_argument, NULL, OPT_NO_CONDITIONAL},
                                                 {"resolve-by-type", no_argument, NULL, OPT_RESOLVE_BY_TYPE},
                                                 {"unknown", no_argument, NULL, OPT_UNKNOWN},
                                                 {"source-root", required_argument, NULL, OPT_SOURCE_ROOT},
                                                 {"color", required_argument, NULL, OPT_COLOR},
                                                 {"category", required_argument, NULL, OPT_CATEGORY},
                                                 {"pack", required_argument, NULL, OPT_PACK},
                                                 {"cache", required_argument, NULL, OPT_CACHE},
                                                 {"no-cache", no_argument, NULL, OPT_NO_CACHE},
                                                 {"shard", required_argument, NULL, OPT_SHARD},
                                                 {"config", required_argument, NULL, OPT_CONFIG},
                                                 {"no-config", no_argument, NULL, OPT_NO_CONFIG},
                                                 {"show-suppressed", no_argument, NULL, OPT_SHOW_SUPPRESSED},
                                                 {"quiet", no_argument, NULL, 'q'},
                                                 {"strict", no_argument, NULL, OPT_STRICT},
                                                 {"help", no_argument, NULL, 'h'},
                                                 {NULL, 0, NULL, 0}};
    o->format = "text";
    o->color = "auto";
    o->jobs = default_jobs();
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":p:f:o:j:qh", long_options, NULL)) != -1) {
        switch (c) {
        case 'p':
            o->build_dir = optarg;
            break;
        case 'f':
            o->format = optarg;
            break;
        case 'o':
            o->output = optarg;
            break;
        case 'j': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 1024)
                return usage_error("-j needs a number of jobs from 1 to 1024, not '%s'", optarg);
            o->jobs = (int)n;
            break;
        }
        case OPT_JSON:
            o->side_output[0] = optarg;
            break;
        case OPT_SARIF:
            o->side_output[1] = optarg;
            break;
        case OPT_HTML:
            o->side_output[2] = optarg;
            break;
        case OPT_CODEQUALITY:
            o->side_output[3] = optarg;
            break;
        case OPT_BASELINE:
            o->baseline = optarg;
            break;
        case OPT_CHANGED_SINCE:
            o->changed_since = optarg;
            break;
        case OPT_TRACE:
            AL_VEC_PUSH(o->traces, optarg);
            break;
        case OPT_RULES:
            AL_VEC_PUSH(o->rule_paths, optarg);
            break;
        case OPT_FAIL_ON:
            o->fail_on = optarg;
            break;
        case OPT_CONDITIONAL:
            o->conditional = true;
            o->no_conditional = false;
            break;
        case OPT_NO_CONDITIONAL:
            o->no_conditional = true;
            o->conditional = false;
            break;
        case OPT_RESOLVE_BY_TYPE:
            o->resolve_by_type = true;
            break;
        case OPT_UNKNOWN:
            o->unknown = true;
            break;
        case OPT_SOURCE_ROOT:
            o->source_root = optarg;
            break;
        case OPT_COLOR:
            o->color = optarg;
            break;
        case OPT_CATEGORY:
            o->category = optarg;
            break;
        case OPT_PACK:
            o->pack = optarg;
            break;
        case OPT_CACHE:
            o->cache_dir = optarg;
            break;
        case OPT_NO_CACHE:
            o->no_cache = true;
            break;
        case OPT_SHARD: {
            unsigned k, n;
            char tail;
            if (sscanf(optarg, "%u/%u%c", &k, &n, &tail) != 2 || n < 1 || n > 100000 || k < 1 || k > n)
                return usage_error("--shard takes K/N with 1 <= K <= N, not '%s'", optarg);
            o->shard_index = k;
            o->shard_count = n;
            break;
        }
        case OPT_CONFIG:
            o->config_path = optarg;
            break;
        case OPT_NO_CONFIG:
            o->no_config = true;
            break;
        case OPT_SHOW_SUPPRESSED:
            o->show_suppressed = true;
            break;
        case 'q':
            o->quiet = true;
            break;
        case OPT_STRICT:
            o->strict = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            exit(EXIT_CLEAN);
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (strcmp(o->format, "text") != 0 && strcmp(o->format, "json") != 0 && strcmp(o->format, "sarif") != 0 &&
        strcmp(o->format, "html") != 0 && strcmp(o->format, "codequality") != 0)
        return usage_error("unknown format '%s' (text, json, sarif, html, codequality)", o->format);
    if (o->unknown &&
        (strcmp(o->format, "sarif") == 0 || strcmp(o->format, "html") == 0 || strcmp(o->format, "codequality") == 0 ||
         o->side_output[1] || o->side_output[2] || o->side_output[3] || o->baseline || o->changed_since))
        return usage_error("%s", "--unknown writes text or JSON only, without --baseline or --changed-since");
    if (o->unknown && o->traces.count)
        return usage_error("%s", "--unknown lists functions, not findings: it takes no --trace");
    if (strcmp(o->color, "auto") != 0 && strcmp(o->color, "always") != 0 && strcmp(o->color, "never") != 0)
        return usage_error("--color takes auto, always or never, not '%s'", o->color);
    if (o->shard_count && !o->output)
        return usage_error("%s", "--shard writes a facts file: give it with -o FILE");
    if (o->no_cache && o->cache_dir)
        return usage_error("%s", "--cache and --no-cache exclude each other");
    al_severity level;
    if (o->fail_on && strcmp(o->fail_on, "never") != 0 && !al_severity_parse(o->fail_on, &level))
        return usage_error("--fail-on takes error, warning, note or never, not '%s'", o->fail_on);
    if (o->config_path && o->no_config)
        return usage_error("%s", "--config and --no-config exclude each other");
    return -1;
}

/* Reads the configuration file (--config, else the nearest .asynclock.json) and fills in what the
 * command line left unset. False (message printed) when the file is bad. */
static bool apply_config(check_options *o)
{
    o->config.conditional = -1;
    char *path = NULL;
    if (o->config_path) {
        path = al_xstrdup(o->config_path);
    } else if (!o->no_config) {
        char *cwd = al_path_absolute(".", NULL);
        path = al_config_find(cwd);
        free(cwd);
    }
    if (path) {
        char *error = NULL;
        bool ok = al_config_load(&o->config, path, &error);
        free(path);
        if (!ok) {
            fprintf(stderr, "%s\n", error);
            free(error);
            return false;
        }
    }
    if (!o->fail_on)
        o->fail_on = o->config.fail_on ? o->config.fail_on : "warning";
    if (!o->source_root)
        o->source_root = o->config.source_root;
    if (!o->conditional && !o->no_conditional)
        o->conditional = o->config.conditional == 1;
    return true;
}

static al_rules *load_rules(const check_options *o)
{
    al_rules *rules = al_rules_new();
    char *error = NULL;
    char *dir = al_rules_default_dir();
    bool ok = al_rules_load_path(rules, dir, &error);
    free(dir);
    /* the configuration's packs and declarations, then --rules, which may override them */
    for (size_t i = 0; ok && i < o->config.rule_paths.count; i++)
        ok = al_rules_load_path(rules, o->config.rule_paths.items[i], &error);
    if (ok && o->config.pack)
        ok = al_rules_load_text(rules, o->config.pack_name, o->config.pack, &error);
    for (size_t i = 0; ok && i < o->rule_paths.count; i++)
        ok = al_rules_load_path(rules, o->rule_paths.items[i], &error);
    if (!ok) {
        fprintf(stderr, "%s\n", error);
        free(error);
        al_rules_free(rules);
        return NULL;
    }
    al_rules_index(rules);
    return rules;
}

typedef struct progress_state {
    bool terminal;
    bool quiet;
    al_store *store; /* receives each parsed unit's facts; NULL without a cache */
    const al_compdb *db;
} progress_state;

/* Called under the extractor's lock, so the cache has one writer at a time. */
static void unit_parsed(void *data, size_t done, size_t total, size_t index, const al_tu_facts *tu)
{
    progress_state *s = data;
    if (s->store)
        al_store_save(s->store, &s->db->commands[index], tu);
    if (s->quiet)
        return;
    if (tu->failure) {
        if (s->terminal)
            fputs("\r\033[K", stderr);
        fprintf(stderr, "%s%s\n", tu->failure,
                tu->parsed ? " (the rest of this file is still analyzed)" : " (skipped)");
    }
    if (s->terminal) {
        int width = snprintf(NULL, 0, "%zu", total);
        fprintf(stderr, "\r\033[K[%*zu/%zu] %s", width, done, total, tu->file);
        if (done == total)
            fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

/* A report file is written under a temporary name and renamed when complete, so a failed or
 * interrupted run never leaves a truncated report that looks finished. */
typedef struct report_file {
    const char *path; /* NULL: standard output */
    char *temporary;
    FILE *f;
} report_file;

static bool report_open(report_file *r, const char *path)
{
    r->path = path;
    r->temporary = NULL;
    r->f = stdout;
    if (!path)
        return true;
    r->temporary = al_xasprintf("%s.tmp.%ld", path, (long)getpid());
    if (!(r->f = fopen(r->temporary, "w"))) {
        fprintf(stderr, "%s: error: cannot write report: %s\n", path, strerror(errno));
        free(r->temporary);
        r->temporary = NULL;
        return false;
    }
    return true;
}

static bool report_commit(report_file *r)
{
    if (!r->path)
        return fflush(stdout) == 0;
    bool ok = fclose(r->f) == 0 && rename(r->temporary, r->path) == 0;
    if (!ok) {
        fprintf(stderr, "%s: error: cannot write report: %s\n", r->path, strerror(errno));
        remove(r->temporary);
    }
    free(r->temporary);
    r->temporary = NULL;
    return ok;
}

static void report_abandon(report_file *r)
{
    if (!r->temporary)
        return;
    fclose(r->f);
    remove(r->temporary);
    free(r->temporary);
    r->temporary = NULL;
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* The side reports of --json, --sarif, --html and --codequality, in this order. */
#define SIDE_COUNT 4
static const char *const side_formats[SIDE_COUNT] = {"json", "sarif", "html", "codequality"};

static void write_findings(FILE *out, const char *format, const al_findings *findings, const al_text_options *text)
{
    if (strcmp(format, "json") == 0) {
        al_report_json(out, findings, AL_VERSION);
    } else if (strcmp(format, "sarif") == 0) {
        al_sarif_options sarif = {findings->source_root, AL_VERSION};
        al_report_sarif(out, findings, &sarif);
    } else if (strcmp(format, "html") == 0) {
        al_report_html(out, findings, AL_VERSION);
    } else if (strcmp(format, "codequality") == 0) {
        al_report_codequality(out, findings);
    } else {
        al_report_text(out, findings, text);
    }
}

/* The reports of a check or merge run, opened before the analysis so that an unwritable path fails
 * fast; written only at the end. */
typedef struct report_set {
    report_file main;
    report_file side[SIDE_COUNT];
} report_set;

static void reports_abandon(report_set *r)
{
    report_abandon(&r->main);
    for (int k = 0; k < SIDE_COUNT; k++)
        report_abandon(&r->side[k]);
}

static bool reports_open(const check_options *o, report_set *r)
{
    memset(r, 0, sizeof(*r));
    bool opened = report_open(&r->main, o->output);
    for (int k = 0; k < SIDE_COUNT && opened; k++)
        opened = !o->side_output[k] || report_open(&r->side[k], o->side_output[k]);
    if (!opened)
        reports_abandon(r);
    return opened;
}

/* The findings, in the chosen format and in every side report; the exit code. */
static int report_findings(check_options *o, const al_program *program, const al_contexts *contexts,
                           const al_rules *rules, report_set *reports, const al_text_options *text, double seconds,
                           size_t cached_units)
{
    report_file *main_report = &reports->main, *side = reports->side;
    const al_baseline_entries *baseline = o->have_baseline ? &o->baseline_entries : NULL;
    al_reach_options reach_options = {o->conditional};
    al_reach reach;
    al_reach_run(&reach, program, contexts, rules, &reach_options);
    for (size_t i = 0; i < o->files.count; i++) {
        char *abs = al_path_absolute(o->files.items[i], NULL);
        free(o->files.items[i]);
        o->files.items[i] = abs;
    }
    /* fingerprints compare absolute paths with it: "--source-root ." means the working folder */
    char *source_root = o->source_root ? al_path_absolute(o->source_root, NULL) : NULL;
    al_findings_options finding_options = {source_root,
                                           o->files.count ? o->files.items : NULL,
                                           o->files.count,
                                           o->config.exclude.items,
                                           o->config.exclude.count,
                                           o->config.folder,
                                           o->config.off_categories.items,
                                           o->config.off_categories.count};
    al_findings findings;
    al_findings_build(&findings, program, contexts, &reach, rules, &finding_options);
    free(source_root);
    findings.summary.seconds = seconds;
    findings.summary.cached_units = cached_units;
    int status = EXIT_CLEAN;
    if (o->write_baseline) {
        al_baseline_entries entries;
        al_baseline_from_findings(&entries, &findings, baseline);
        al_baseline_write(main_report->f, &entries, AL_VERSION);
        status = report_commit(main_report) ? EXIT_CLEAN : EXIT_USAGE;
        if (status == EXIT_CLEAN && !o->quiet)
            fprintf(stderr, "asynclock: wrote %zu finding%s as %zu baseline entr%s to %s\n", findings.items.count,
                    findings.items.count == 1 ? "" : "s", entries.count, entries.count == 1 ? "y" : "ies", o->output);
        al_baseline_free(&entries);
        al_findings_free(&findings);
        al_reach_free(&reach);
        return status;
    }
    if (baseline)
        al_baseline_apply(&findings, baseline);
    if (o->changed_since) {
        al_changes changes;
        char *error = NULL;
        if (!al_changes_from_git(&changes, findings.source_root, o->changed_since, &error)) {
            fprintf(stderr, "asynclock: error: %s\n", error);
            free(error);
            reports_abandon(reports);
            al_findings_free(&findings);
            al_reach_free(&reach);
            return EXIT_USAGE;
        }
        al_changes_filter(&findings, &changes);
        al_changes_free(&changes);
    }
    if (o->traces.count)
        al_observed_apply(&findings, &o->observations);

    write_findings(main_report->f, o->format, &findings, text);
    status = report_commit(main_report) ? EXIT_CLEAN : EXIT_USAGE;
    for (int k = 0; k < SIDE_COUNT; k++) {
        if (!o->side_output[k])
            continue;
        write_findings(side[k].f, side_formats[k], &findings, text);
        if (!report_commit(&side[k]))
            status = EXIT_USAGE;
    }
    al_severity level;
    if (status == EXIT_CLEAN && al_severity_parse(o->fail_on, &level) && al_findings_fail(&findings, level))
        status = EXIT_FINDINGS;
    al_findings_free(&findings);
    al_reach_free(&reach);
    return status;
}

/* --unknown: what handlers call that no rule describes. Exit 0: it is a listing, not a verdict. */
static int report_unknown(const al_program *program, const al_contexts *contexts, const al_rules *rules,
                          check_options *o, report_set *reports, const al_text_options *text)
{
    report_file *main_report = &reports->main, *side = reports->side;
    al_unknown_list list;
    al_reach_unknown(&list, program, contexts, rules);
    al_unknown_entries entries;
    al_findings_unknown(&entries, program, &list);
    if (strcmp(o->format, "json") == 0)
        al_report_unknown_json(main_report->f, &entries, AL_VERSION);
    else
        al_report_unknown_text(main_report->f, &entries, text);
    int status = report_commit(main_report) ? EXIT_CLEAN : EXIT_USAGE;
    if (o->side_output[0]) {
        al_report_unknown_json(side[0].f, &entries, AL_VERSION);
        if (!report_commit(&side[0]))
            status = EXIT_USAGE;
    }
    AL_VEC_FREE(entries);
    AL_VEC_FREE(list);
    return status;
}

/* What identifies the code that wrote a unit's facts: cached facts of another asynclock, facts
 * format or libclang are never used. */
static char *tool_id(void)
{
    char *clang = al_extract_clang_version();
    char *id = al_xasprintf("asynclock %s facts %d %s", AL_VERSION, AL_FACTS_FORMAT, clang);
    free(clang);
    return id;
}

/* Opens the facts cache. False only when the user named a cache folder that cannot be used; the
 * default cache, when unusable, costs a warning and the run goes on without it. */
static bool open_cache(const check_options *o, const al_compdb *db, al_store **store)
{
    *store = NULL;
    if (o->no_cache)
        return true;
    char *path;
    if (o->cache_dir) {
        path = al_xasprintf("%s/facts.sqlite", o->cache_dir);
    } else {
        const char *slash = strrchr(db->path, '/');
        char *folder = slash ? al_xstrndup(db->path, (size_t)(slash - db->path)) : al_xstrdup(".");
        path = al_xasprintf("%s/.asynclock-cache/facts.sqlite", *folder ? folder : "/");
        free(folder);
    }
    char *id = tool_id(), *error = NULL, *notice = NULL;
    *store = al_store_open(path, id, &error, &notice);
    free(id);
    free(path);
    if (notice) {
        fprintf(stderr, "%s\n", notice);
        free(notice);
    }
    if (!*store) {
        if (o->cache_dir) {
            fprintf(stderr, "%s\n", error);
            free(error);
            return false;
        }
        fprintf(stderr, "%s (going on without a cache; --no-cache silences this)\n", error);
        free(error);
    }
    return true;
}

/* Fills units[i] for every unit of this run (all of them, or this shard's share): from the cache
 * when still valid, parsed otherwise. False when a signal stopped the parsing. */
static bool gather_facts(const check_options *o, const al_compdb *db, al_store *store, al_tu_facts *units,
                         size_t *cached)
{
    *cached = 0;
    AL_VEC(size_t) to_parse = {0};
    for (size_t i = 0; i < db->count; i++) {
        if (o->shard_count && i % o->shard_count != o->shard_index - 1)
            continue;
        if (store && al_store_load(store, &db->commands[i], &units[i]))
            ++*cached;
        else
            AL_VEC_PUSH(to_parse, i);
    }
    progress_state progress = {isatty(STDERR_FILENO) && !getenv("CI"), o->quiet, store, db};
    if (to_parse.count)
        al_extract_all(db, to_parse.items, to_parse.count, o->jobs, units, unit_parsed, &progress);
    bool complete = !al_extract_stopped();
    if (!complete && !o->quiet) {
        size_t done = 0;
        for (size_t k = 0; k < to_parse.count; k++)
            done += units[to_parse.items[k]].file != NULL;
        fprintf(stderr, "%sasynclock: interrupted after parsing %zu of %zu units%s; no report written\n",
                progress.terminal ? "\r\033[K" : "", done, to_parse.count, store ? " (they are cached)" : "");
    }
    AL_VEC_FREE(to_parse);
    return complete;
}

static void free_units(al_tu_facts *units, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (units[i].file)
            al_tu_facts_free(&units[i]);
    free(units);
}

/* Links the units (consumed), finds handlers and reports; the exit code. */
static int analyze_and_report(check_options *o, const al_rules *rules, al_tu_facts *units, size_t count,
                              size_t cached_units, report_set *reports, const struct timespec *started)
{
    al_program program;
    al_program_link(&program, units, count);
    al_indirect_resolve(&program, o->resolve_by_type);
    al_contexts contexts;
    al_contexts_find(&contexts, &program, rules);

    char cwd[4096];
    bool color = strcmp(o->color, "always") == 0 ||
                 (strcmp(o->color, "auto") == 0 && !o->output && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
    al_text_options text = {color, getcwd(cwd, sizeof(cwd)) ? cwd : NULL, o->show_suppressed};
    int status = o->unknown ? report_unknown(&program, &contexts, rules, o, reports, &text)
                            : report_findings(o, &program, &contexts, rules, reports, &text, seconds_since(started),
                                              cached_units);
    size_t failed = al_program_failed_units(&program);
    if (o->strict && failed && status != EXIT_USAGE) {
        fprintf(stderr, "asynclock: error: %zu of %zu translation units failed to parse (--strict)\n", failed,
                program.units.count);
        status = EXIT_USAGE;
    }
    al_contexts_free(&contexts);
    al_program_free(&program);
    return status;
}

/* --shard K/N: this shard's facts go to the -o file; merge reports. */
static int write_shard(const check_options *o, const al_compdb *db, al_tu_facts *units)
{
    AL_VEC(al_tu_facts *) mine = {0};
    for (size_t i = 0; i < db->count; i++)
        if (units[i].file)
            AL_VEC_PUSH(mine, &units[i]);
    char *id = tool_id(), *error = NULL;
    al_shard_info info = {o->shard_index, o->shard_count, db->count, id};
    bool ok = al_shard_write(o->output, &info, mine.items, mine.count, &error);
    if (!ok) {
        fprintf(stderr, "%s\n", error);
        free(error);
    } else if (!o->quiet) {
        fprintf(stderr, "asynclock: shard %u/%u: facts of %zu of %zu units written to %s\n", o->shard_index,
                o->shard_count, mine.count, db->count, o->output);
    }
    free(id);
    AL_VEC_FREE(mine);
    return ok ? EXIT_CLEAN : EXIT_USAGE;
}

/* The traces of --trace, read before the analysis so that a bad file fails fast. */
static bool load_traces(check_options *o)
{
    char *error = NULL;
    if (o->traces.count && !al_observed_load(&o->observations, o->traces.items, o->traces.count, &error)) {
        fprintf(stderr, "%s\n", error);
        free(error);
        return false;
    }
    return true;
}

/* The baseline to compare with (--baseline), or the one being regenerated, for its reasons. */
static bool load_baseline(check_options *o)
{
    const char *path = o->write_baseline ? o->output : o->baseline;
    o->have_baseline = path && (!o->write_baseline || access(path, F_OK) == 0);
    char *error = NULL;
    if (o->have_baseline && !al_baseline_load(&o->baseline_entries, path, &error)) {
        fprintf(stderr, "%s\n", error);
        free(error);
        o->have_baseline = false;
        return false;
    }
    return true;
}

static int run_check(check_options *o)
{
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);

    if (!load_baseline(o) || !load_traces(o))
        return EXIT_USAGE;
    al_rules *rules = load_rules(o);
    if (!rules)
        return EXIT_USAGE;
    al_compdb db;
    char *error = NULL;
    if (!al_compdb_load(&db, o->build_dir, &error)) {
        fprintf(stderr, "%s\n", error);
        free(error);
        al_rules_free(rules);
        return EXIT_USAGE;
    }
    report_set reports;
    al_store *store = NULL;
    if ((!o->shard_count && !reports_open(o, &reports)) || !open_cache(o, &db, &store)) {
        if (!o->shard_count)
            reports_abandon(&reports);
        al_compdb_free(&db);
        al_rules_free(rules);
        return EXIT_USAGE;
    }

    al_tu_facts *units = al_xcalloc(db.count + 1, sizeof(*units));
    int status;
    size_t cached;
    if (!gather_facts(o, &db, store, units, &cached)) {
        status = 128 + (stop_signal ? (int)stop_signal : SIGINT); /* as the shell reports a signal */
        if (!o->shard_count)
            reports_abandon(&reports);
        free_units(units, db.count);
    } else if (o->shard_count) {
        status = write_shard(o, &db, units);
        free_units(units, db.count);
    } else {
        if (store)
            al_store_prune(store, &db);
        status = analyze_and_report(o, rules, units, db.count, cached, &reports, &started);
        free(units);
    }
    al_store_close(store);
    al_compdb_free(&db);
    al_rules_free(rules);
    return status;
}

/* merge: the facts of every shard, checked to be one complete set written by this asynclock. */
static bool read_shards(char **paths, int count, al_tu_facts_vec *units)
{
    char *id = tool_id();
    unsigned shards = 0;
    size_t total = 0;
    bool *seen = NULL, ok = true;
    for (int i = 0; i < count && ok; i++) {
        al_shard_info info;
        char *error = NULL;
        if (!al_shard_read(paths[i], &info, units, &error)) {
            fprintf(stderr, "%s\n", error);
            free(error);
            ok = false;
        } else if (strcmp(info.tool, id) != 0) {
            fprintf(stderr, "%s: error: written by another asynclock or libclang (%s), not %s\n", paths[i], info.tool,
                    id);
            ok = false;
        } else if (i > 0 && (info.count != shards || info.total_units != total)) {
            fprintf(stderr, "%s: error: shard %u/%u of %zu units does not belong with %s (shards of %u, %zu units)\n",
                    paths[i], info.index, info.count, info.total_units, paths[0], shards, total);
            ok = false;
        } else {
            if (i == 0) {
                shards = info.count;
                total = info.total_units;
                seen = al_xcalloc(shards, sizeof(*seen));
            }
            if (seen[info.index - 1]) {
                fprintf(stderr, "%s: error: shard %u/%u is given twice\n", paths[i], info.index, info.count);
                ok = false;
            }
            seen[info.index - 1] = true;
        }
        al_shard_info_free(&info);
    }
    for (unsigned k = 0; ok && k < shards; k++) {
        if (!seen[k]) {
            fprintf(stderr, "asynclock: error: shard %u/%u is missing: merge needs every shard's file\n", k + 1,
                    shards);
            ok = false;
        }
    }
    free(seen);
    free(id);
    return ok;
}

static int run_merge(check_options *o, int argc, char **argv)
{
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    if (argc < 1)
        return usage_error("%s", "merge needs the shard files written by check --shard K/N -o FILE");
    if (o->shard_count || o->build_dir)
        return usage_error("%s", "merge takes shard files, not -p or --shard");
    if (!load_baseline(o) || !load_traces(o))
        return EXIT_USAGE;
    al_rules *rules = load_rules(o);
    if (!rules)
        return EXIT_USAGE;
    al_tu_facts_vec units = {0};
    report_set reports;
    int status;
    if (!read_shards(argv, argc, &units)) {
        status = EXIT_USAGE;
    } else if (!reports_open(o, &reports)) {
        status = EXIT_USAGE;
    } else {
        status = analyze_and_report(o, rules, units.items, units.count, 0, &reports, &started);
        units.count = 0; /* consumed by the link */
    }
    for (size_t i = 0; i < units.count; i++)
        al_tu_facts_free(&units.items[i]);
    AL_VEC_FREE(units);
    al_rules_free(rules);
    return status;
}

/* SIGINT/SIGTERM: stop taking units, keep what is cached, write no report. A second signal kills. */
static void on_stop_signal(int signo)
{
    stop_signal = signo;
    al_extract_request_stop();
}

static void install_stop_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static int run_rules(check_options *o, int argc, char **argv)
{
    if (argc < 1 || (strcmp(argv[0], "list") != 0 && strcmp(argv[0], "show") != 0))
        return usage_error("%s", "rules needs 'list' or 'show NAME'");
    if (strcmp(argv[0], "show") == 0 && argc != 2)
        return usage_error("%s", "rules show needs one NAME");
    al_rules *rules = load_rules(o);
    if (!rules)
        return EXIT_USAGE;
    bool found;
    if (strcmp(argv[0], "list") == 0) {
        found = al_rules_print_list(rules, stdout, o->category, o->pack);
        if (!found)
            fprintf(stderr, "asynclock: no API matches\n");
    } else {
        found = al_rules_print_show(rules, stdout, argv[1]);
        if (!found)
            fprintf(stderr, "asynclock: '%s' is in no loaded rule pack\n", argv[1]);
    }
    al_rules_free(rules);
    return found ? EXIT_CLEAN : EXIT_FINDINGS;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 || strcmp(command, "help") == 0) {
        fputs(usage_text, stdout);
        return EXIT_CLEAN;
    }
    if (strcmp(command, "--version") == 0 || strcmp(command, "version") == 0) {
        char *clang = al_extract_clang_version();
        char *rules = al_rules_default_dir();
        char *shim = al_trace_shim_path();
        printf("asynclock %s (%s)\nrule packs: %s\ntrace shim: %s\n", AL_VERSION, clang, rules,
               shim ? shim : "not installed");
        free(shim);
        free(rules);
        free(clang);
        return EXIT_CLEAN;
    }
    if (strcmp(command, "lsp") == 0) {
        /* the server runs `asynclock check` for each analysis: find this very executable */
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n > 0)
            self[n] = '\0';
        else
            snprintf(self, sizeof(self), "%s", argv[0]);
        return al_lsp_run(self, argv + 2, argc - 2);
    }
    if (strcmp(command, "trace") == 0)
        return al_trace_main(argc - 1, argv + 1, AL_VERSION);
    if (strcmp(command, "check") != 0 && strcmp(command, "merge") != 0 && strcmp(command, "rules") != 0 &&
        strcmp(command, "baseline") != 0)
        return usage_error("unknown command '%s' (check, baseline, merge, lsp, rules, trace)", command);

    check_options o = {0};
    int parsed = parse_options(argc - 1, argv + 1, &o);
    o.write_baseline = strcmp(command, "baseline") == 0;
    int status;
    if (parsed >= 0) {
        status = parsed;
    } else if (!apply_config(&o)) {
        status = EXIT_USAGE;
    } else if (o.write_baseline && !o.output) {
        status = usage_error("%s", "baseline needs -o FILE, where the baseline is written");
    } else if (o.write_baseline && (o.unknown || o.baseline || o.changed_since || strcmp(o.format, "text") != 0 ||
                                    o.side_output[0] || o.side_output[1] || o.side_output[2] || o.side_output[3])) {
        status = usage_error("%s", "baseline writes only the baseline file: no --format, --unknown, "
                                   "--baseline, --changed-since or side reports");
    } else if (strcmp(command, "rules") == 0) {
        status = run_rules(&o, argc - 1 - optind, argv + 1 + optind);
    } else if (strcmp(command, "merge") == 0) {
        install_stop_handlers();
        status = run_merge(&o, argc - 1 - optind, argv + 1 + optind);
    } else {
        for (int i = optind + 1; i < argc; i++)
            AL_VEC_PUSH(o.files, al_xstrdup(argv[i]));
        install_stop_handlers();
        status = run_check(&o);
    }
    for (size_t i = 0; i < o.files.count; i++)
        free(o.files.items[i]);
    AL_VEC_FREE(o.files);
    AL_VEC_FREE(o.rule_paths);
    AL_VEC_FREE(o.traces);
    al_observations_free(&o.observations);
    al_config_free(&o.config);
    if (o.have_baseline)
        al_baseline_free(&o.baseline_entries);
    return status;
}
