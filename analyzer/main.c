/* asynclock: finds blocking calls reachable from event-loop handlers in C programs.
 *
 * main parses the command line and runs the stages of the pipeline in order:
 * compdb -> extract -> program -> contexts -> reach -> findings -> reports.
 * No analysis happens here. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../reports/report.h"
#include "compdb.h"
#include "contexts.h"
#include "extract.h"
#include "findings.h"
#include "indirect.h"
#include "program.h"
#include "reach.h"
#include "rules.h"

#ifndef AL_VERSION
#define AL_VERSION "0.1.0"
#endif

enum { EXIT_CLEAN = 0, EXIT_FINDINGS = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
    "usage: asynclock check [-p BUILD_DIR] [options] [FILE...]\n"
    "       asynclock rules list [--category C] [--pack P] | rules show NAME\n"
    "       asynclock --help | --version\n"
    "\n"
    "Finds blocking calls (sleep, file I/O, DNS, process waits, locks, nested loops) reachable\n"
    "from event-loop handlers, across the whole program described by compile_commands.json.\n"
    "\n"
    "check options:\n"
    "  -p DIR               folder holding compile_commands.json (default: ., then ./build)\n"
    "  FILE...              report only findings in these files (the whole program is analyzed)\n"
    "  -f, --format FMT     text (default) | json | sarif | html\n"
    "  -o, --output FILE    write the report there (default: standard output)\n"
    "      --json FILE      also write the JSON report to FILE\n"
    "      --sarif FILE     also write the SARIF 2.1.0 report to FILE\n"
    "      --html FILE      also write the HTML report to FILE\n"
    "  -j, --jobs N         parallel parses (default: number of cores)\n"
    "      --rules PATH     extra rule pack, file or folder (repeatable; later packs override)\n"
    "      --fail-on LEVEL  error | warning | note | never (default: warning)\n"
    "      --conditional    also report conditional APIs (read, write, recv, send, ...)\n"
    "      --resolve-by-type\n"
    "                       a call through a pointer that no store into its field or\n"
    "                       array explains may call any address-taken function of its type\n"
    "      --unknown        instead of findings, list the external functions handlers reach\n"
    "                       that no rule describes, most handlers first\n"
    "      --source-root D  paths in fingerprints are relative to D (default: common folder)\n"
    "      --color WHEN     auto (default) | always | never, for text output\n"
    "  -q, --quiet          no progress or parse-error lines on standard error\n"
    "\n"
    "rules options:\n"
    "      --rules PATH     load this pack too\n"
    "      --category C     list only this category\n"
    "      --pack P         list only this pack\n"
    "\n"
    "Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage, input or\n"
    "configuration error. Rule packs: $ASYNCLOCK_RULES_DIR or the installed rules folder.\n";

typedef struct check_options {
    const char *build_dir;
    const char *format;
    const char *output;
    const char *side_output[3]; /* --json, --sarif, --html: reports beside the main one */
    int jobs;
    AL_VEC(const char *) rule_paths;
    const char *fail_on;
    bool conditional;
    bool resolve_by_type; /* --resolve-by-type: unresolved indirect calls match by function type */
    bool unknown;         /* --unknown: list undescribed external functions instead of findings */
    const char *source_root;
    const char *color;
    bool quiet;
    const char *category, *pack; /* rules list */
    AL_VEC(char *) files;
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
    OPT_UNKNOWN,
    OPT_RULES,
    OPT_FAIL_ON,
    OPT_CONDITIONAL,
    OPT_RESOLVE_BY_TYPE,
    OPT_SOURCE_ROOT,
    OPT_COLOR,
    OPT_CATEGORY,
    OPT_PACK
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
                                                 {"fail-on", required_argument, NULL, OPT_FAIL_ON},
                                                 {"conditional", no_argument, NULL, OPT_CONDITIONAL},
                                                 {"resolve-by-type", no_argument, NULL, OPT_RESOLVE_BY_TYPE},
                                                 {"unknown", no_argument, NULL, OPT_UNKNOWN},
                                                 {"source-root", required_argument, NULL, OPT_SOURCE_ROOT},
                                                 {"color", required_argument, NULL, OPT_COLOR},
                                                 {"category", required_argument, NULL, OPT_CATEGORY},
                                                 {"pack", required_argument, NULL, OPT_PACK},
                                                 {"quiet", no_argument, NULL, 'q'},
                                                 {"help", no_argument, NULL, 'h'},
                                                 {NULL, 0, NULL, 0}};
    o->format = "text";
    o->fail_on = "warning";
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
        case OPT_RULES:
            AL_VEC_PUSH(o->rule_paths, optarg);
            break;
        case OPT_FAIL_ON:
            o->fail_on = optarg;
            break;
        case OPT_CONDITIONAL:
            o->conditional = true;
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
        case 'q':
            o->quiet = true;
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
        strcmp(o->format, "html") != 0)
        return usage_error("unknown format '%s' (text, json, sarif, html)", o->format);
    if (o->unknown &&
        (strcmp(o->format, "sarif") == 0 || strcmp(o->format, "html") == 0 || o->side_output[1] || o->side_output[2]))
        return usage_error("%s", "--unknown writes text or JSON only");
    if (strcmp(o->color, "auto") != 0 && strcmp(o->color, "always") != 0 && strcmp(o->color, "never") != 0)
        return usage_error("--color takes auto, always or never, not '%s'", o->color);
    al_severity level;
    if (strcmp(o->fail_on, "never") != 0 && !al_severity_parse(o->fail_on, &level))
        return usage_error("--fail-on takes error, warning, note or never, not '%s'", o->fail_on);
    return -1;
}

static al_rules *load_rules(const check_options *o)
{
    al_rules *rules = al_rules_new();
    char *error = NULL;
    char *dir = al_rules_default_dir();
    bool ok = al_rules_load_path(rules, dir, &error);
    free(dir);
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
} progress_state;

static void show_progress(void *data, size_t done, size_t total, const al_tu_facts *tu)
{
    progress_state *s = data;
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

/* The side reports of --json, --sarif and --html, in this order. */
static const char *const side_formats[3] = {"json", "sarif", "html"};

static void write_findings(FILE *out, const char *format, const al_findings *findings, const al_text_options *text)
{
    if (strcmp(format, "json") == 0) {
        al_report_json(out, findings, AL_VERSION);
    } else if (strcmp(format, "sarif") == 0) {
        al_sarif_options sarif = {findings->source_root, AL_VERSION};
        al_report_sarif(out, findings, &sarif);
    } else if (strcmp(format, "html") == 0) {
        al_report_html(out, findings, AL_VERSION);
    } else {
        al_report_text(out, findings, text);
    }
}

/* The findings, in the chosen format and in every side report; the exit code. */
static int report_findings(check_options *o, const al_program *program, const al_contexts *contexts,
                           const al_rules *rules, report_file *main_report, report_file *side,
                           const al_text_options *text, double seconds)
{
    al_reach_options reach_options = {o->conditional};
    al_reach reach;
    al_reach_run(&reach, program, contexts, rules, &reach_options);
    for (size_t i = 0; i < o->files.count; i++) {
        char *abs = al_path_absolute(o->files.items[i], NULL);
        free(o->files.items[i]);
        o->files.items[i] = abs;
    }
    al_findings_options finding_options = {o->source_root, o->files.count ? o->files.items : NULL, o->files.count};
    al_findings findings;
    al_findings_build(&findings, program, contexts, &reach, rules, &finding_options);
    findings.summary.seconds = seconds;

    write_findings(main_report->f, o->format, &findings, text);
    int status = report_commit(main_report) ? EXIT_CLEAN : EXIT_USAGE;
    for (int k = 0; k < 3; k++) {
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
                          check_options *o, report_file *main_report, report_file *side, const al_text_options *text)
{
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

static int run_check(check_options *o)
{
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);

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
    /* Opened before the analysis, so an unwritable path fails fast; written only at the end. */
    report_file main_report, side[3] = {{0}};
    bool opened = report_open(&main_report, o->output);
    for (int k = 0; k < 3 && opened; k++)
        opened = !o->side_output[k] || report_open(&side[k], o->side_output[k]);
    if (!opened) {
        report_abandon(&main_report);
        for (int k = 0; k < 3; k++)
            report_abandon(&side[k]);
        al_compdb_free(&db);
        al_rules_free(rules);
        return EXIT_USAGE;
    }

    al_tu_facts *units = al_xcalloc(db.count + 1, sizeof(*units));
    progress_state progress = {isatty(STDERR_FILENO) && !getenv("CI"), o->quiet};
    al_extract_all(&db, o->jobs, units, show_progress, &progress);

    al_program program;
    al_program_link(&program, units, db.count);
    free(units);
    al_indirect_resolve(&program, o->resolve_by_type);
    al_contexts contexts;
    al_contexts_find(&contexts, &program, rules);

    char cwd[4096];
    bool color = strcmp(o->color, "always") == 0 ||
                 (strcmp(o->color, "auto") == 0 && !o->output && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
    al_text_options text = {color, getcwd(cwd, sizeof(cwd)) ? cwd : NULL};
    int status =
        o->unknown ? report_unknown(&program, &contexts, rules, o, &main_report, side, &text)
                   : report_findings(o, &program, &contexts, rules, &main_report, side, &text, seconds_since(&started));
    al_contexts_free(&contexts);
    al_program_free(&program);
    al_compdb_free(&db);
    al_rules_free(rules);
    return status;
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
        printf("asynclock %s (%s)\nrule packs: %s\n", AL_VERSION, clang, rules);
        free(rules);
        free(clang);
        return EXIT_CLEAN;
    }
    if (strcmp(command, "check") != 0 && strcmp(command, "rules") != 0)
        return usage_error("unknown command '%s' (check, rules)", command);

    check_options o = {0};
    int parsed = parse_options(argc - 1, argv + 1, &o);
    int status;
    if (parsed >= 0) {
        status = parsed;
    } else if (strcmp(command, "rules") == 0) {
        status = run_rules(&o, argc - 1 - optind, argv + 1 + optind);
    } else {
        for (int i = optind + 1; i < argc; i++)
            AL_VEC_PUSH(o.files, al_xstrdup(argv[i]));
        status = run_check(&o);
    }
    for (size_t i = 0; i < o.files.count; i++)
        free(o.files.items[i]);
    AL_VEC_FREE(o.files);
    AL_VEC_FREE(o.rule_paths);
    return status;
}
