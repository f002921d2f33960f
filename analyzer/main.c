/* asynclock: finds blocking calls reachable from event-loop handlers in C programs.
 *
 * main parses the command line and hands the options to the command's driver (commands.h):
 * cmd_check.c (check, baseline), cmd_merge.c, cmd_programs.c, cmd_rules.c, lsp.c and trace.c. The
 * pipeline itself is described in docs/architecture.md. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "extract.h"
#include "gather.h"
#include "lsp.h"
#include "trace.h"
#include "version.h"

static const char usage_text[] =
    "usage: asynclock check [-p BUILD_DIR] [options] [FILE...]\n"
    "       asynclock check -p BUILD_DIR --shard K/N -o SHARD_FILE [options]\n"
    "       asynclock merge [report options] SHARD_FILE...\n"
    "       asynclock lsp [--compile-commands-dir DIR] [check options...]\n"
    "       asynclock baseline [-p BUILD_DIR] -o FILE [check options]\n"
    "       asynclock programs [-p BUILD_DIR] [--format text|json] [-o FILE] [--program NAME]\n"
    "       asynclock rules list [--category C] [--pack P] | rules show NAME\n"
    "       asynclock trace [-o FILE] [--interval S] [--conditional] [-q] [--] PROGRAM [ARGS...]\n"
    "       asynclock --help | --version\n"
    "\n"
    "Finds blocking calls (sleep, file I/O, DNS, process waits, locks, nested loops) reachable\n"
    "from event-loop handlers, in every program that compile_commands.json builds (each\n"
    "executable analyzed as itself: docs/programs.md).\n"
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
    "  -j, --jobs N         parallel parses and handler searches (default: number of cores)\n"
    "      --cache DIR      keep the facts cache in DIR (default: BUILD_DIR/.asynclock-cache);\n"
    "                       a unit is parsed again only when a file it reads, its compile\n"
    "                       arguments or asynclock changed\n"
    "      --no-cache       parse every unit, read and write no cache\n"
    "      --shard K/N      parse only shard K of N of the units and write their facts to the\n"
    "                       -o file, for 'asynclock merge'\n"
    "      --program NAME   analyze only this program (repeatable; 'asynclock programs'\n"
    "                       lists them)\n"
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
    "      --all-chains     text and HTML: every handler's chain, not only the most direct\n"
    "                       one (JSON and SARIF always carry them all)\n"
    "      --all-locks      every lock a handler takes, as a note; by default only a lock\n"
    "                       that a worker holds across blocking work (category lock)\n"
    "      --color WHEN     auto (default) | always | never, for text output\n"
    "  -q, --quiet          no progress or parse-error lines on standard error\n"
    "      --strict         exit 2 when any translation unit failed to parse (after writing\n"
    "                       the reports, which count and name the failed units)\n"
    "\n"
    "lsp: a language server on standard input/output; on open and save of a C file it analyzes\n"
    "the project of the nearest compile_commands.json and publishes the findings as diagnostics.\n"
    "  -p, --compile-commands-dir DIR\n"
    "                       the folder holding compile_commands.json, for every file (a build\n"
    "                       folder outside the sources); relative to the server's working folder\n"
    "\n"
    "merge: joins the facts files of every shard of a --shard run, then analyzes and reports\n"
    "as check does (check's report options apply).\n"
    "\n"
    "programs: lists the programs found in the compile database, how each was found and the\n"
    "units it links (the configuration's \"programs\" list overrides; docs/programs.md).\n"
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
    "on, per call site, with stacks, for check --trace (docs/trace.md); exits as PROGRAM did.\n"
    "  -o, --output FILE    the trace (default: asynclock-trace.json); a process PROGRAM forks or\n"
    "                       execs that runs a loop writes FILE with its pid before the extension\n"
    "      --interval S     also write the traces every S seconds while PROGRAM runs (default 5)\n"
    "      --conditional    also time the APIs that block only on blocking descriptors\n"
    "  -q, --quiet          no summary line on standard error\n"
    "\n"
    "Command-line options override the configuration file.\n"
    "Exit codes: 0 no (new) finding at or above --fail-on, 1 findings, 2 usage, input or\n"
    "configuration error (or, with --strict, a failed translation unit); 130/143 after SIGINT/\n"
    "SIGTERM (the parsed units stay cached, no report is written).\n"
    "Rule packs: $ASYNCLOCK_RULES_DIR or the installed rules folder. libclang: $ASYNCLOCK_LIBCLANG or\n"
    "the one asynclock was built with, loaded only when a unit must be parsed.\n";

static int default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* The options of check and the commands that share its parser. Most only store their value, or
 * set a flag, at `offset` in al_options; the others are handled one by one in apply_option. */
typedef enum { STORE_STRING, SET_FLAG, SPECIAL } option_action;

typedef struct option_spec {
    const char *name;
    int value; /* required_argument or no_argument */
    int short_name;
    option_action action;
    size_t offset;
} option_spec;

#define STRING_OPTION(n, field)                                                                                        \
    {                                                                                                                  \
        n, required_argument, 0, STORE_STRING, offsetof(al_options, field)                                             \
    }
#define FLAG_OPTION(n, field)                                                                                          \
    {                                                                                                                  \
        n, no_argument, 0, SET_FLAG, offsetof(al_options, field)                                                       \
    }
#define SPECIAL_OPTION(n, has_value, short)                                                                            \
    {                                                                                                                  \
        n, has_value, short, SPECIAL, 0                                                                                \
    }

static const option_spec option_specs[] = {
    STRING_OPTION("format", format),
    STRING_OPTION("output", output),
    STRING_OPTION("json", side_output[0]),
    STRING_OPTION("sarif", side_output[1]),
    STRING_OPTION("html", side_output[2]),
    STRING_OPTION("codequality", side_output[3]),
    STRING_OPTION("baseline", baseline),
    STRING_OPTION("changed-since", changed_since),
    STRING_OPTION("fail-on", fail_on),
    STRING_OPTION("source-root", source_root),
    STRING_OPTION("color", color),
    STRING_OPTION("category", category),
    STRING_OPTION("pack", pack),
    STRING_OPTION("cache", cache_dir),
    STRING_OPTION("config", config_path),
    FLAG_OPTION("resolve-by-type", resolve_by_type),
    FLAG_OPTION("unknown", unknown),
    FLAG_OPTION("no-cache", no_cache),
    FLAG_OPTION("no-config", no_config),
    FLAG_OPTION("show-suppressed", show_suppressed),
    FLAG_OPTION("all-chains", all_chains),
    FLAG_OPTION("all-locks", all_locks),
    FLAG_OPTION("quiet", quiet),
    FLAG_OPTION("strict", strict),
    SPECIAL_OPTION("jobs", required_argument, 'j'),
    SPECIAL_OPTION("rules", required_argument, 0),
    SPECIAL_OPTION("program", required_argument, 0),
    SPECIAL_OPTION("trace", required_argument, 0),
    SPECIAL_OPTION("conditional", no_argument, 0),
    SPECIAL_OPTION("no-conditional", no_argument, 0),
    SPECIAL_OPTION("shard", required_argument, 0),
    SPECIAL_OPTION("help", no_argument, 'h'),
};
#define OPTION_COUNT (sizeof(option_specs) / sizeof(option_specs[0]))

/* The options with their own rules; -1 to go on, else the exit code. */
static int apply_special(al_options *o, const char *name)
{
    if (strcmp(name, "jobs") == 0) {
        char *end;
        long n = strtol(optarg, &end, 10);
        if (*end || n < 1 || n > 1024)
            return al_usage_error("-j needs a number of jobs from 1 to 1024, not '%s'", optarg);
        o->jobs = (int)n;
    } else if (strcmp(name, "rules") == 0) {
        AL_VEC_PUSH(o->rule_paths, optarg);
    } else if (strcmp(name, "program") == 0) {
        AL_VEC_PUSH(o->programs, optarg);
    } else if (strcmp(name, "trace") == 0) {
        AL_VEC_PUSH(o->traces, optarg);
    } else if (strcmp(name, "conditional") == 0 || strcmp(name, "no-conditional") == 0) {
        o->conditional = name[0] == 'c';
        o->no_conditional = !o->conditional;
    } else if (strcmp(name, "shard") == 0) {
        unsigned k, n;
        char tail;
        if (sscanf(optarg, "%u/%u%c", &k, &n, &tail) != 2 || n < 1 || n > 100000 || k < 1 || k > n)
            return al_usage_error("--shard takes K/N with 1 <= K <= N, not '%s'", optarg);
        o->shard_index = k;
        o->shard_count = n;
    } else if (strcmp(name, "help") == 0) {
        fputs(usage_text, stdout);
        return AL_EXIT_CLEAN;
    }
    return -1;
}

/* Combinations of options that mean nothing; -1 when all is well, else the exit code. */
static int check_combinations(const al_options *o)
{
    static const char *const formats[] = {"text", "json", "sarif", "html", "codequality"};
    bool known = false;
    for (size_t i = 0; i < sizeof(formats) / sizeof(*formats); i++)
        known |= strcmp(o->format, formats[i]) == 0;
    if (!known)
        return al_usage_error("unknown format '%s' (text, json, sarif, html, codequality)", o->format);
    if (o->unknown &&
        (strcmp(o->format, "sarif") == 0 || strcmp(o->format, "html") == 0 || strcmp(o->format, "codequality") == 0 ||
         o->side_output[1] || o->side_output[2] || o->side_output[3] || o->baseline || o->changed_since))
        return al_usage_error("%s", "--unknown writes text or JSON only, without --baseline or --changed-since");
    if (o->unknown && o->traces.count)
        return al_usage_error("%s", "--unknown lists functions, not findings: it takes no --trace");
    if (strcmp(o->color, "auto") != 0 && strcmp(o->color, "always") != 0 && strcmp(o->color, "never") != 0)
        return al_usage_error("--color takes auto, always or never, not '%s'", o->color);
    if (o->shard_count && !o->output)
        return al_usage_error("%s", "--shard writes a facts file: give it with -o FILE");
    if (o->no_cache && o->cache_dir)
        return al_usage_error("%s", "--cache and --no-cache exclude each other");
    al_severity level;
    if (o->fail_on && strcmp(o->fail_on, "never") != 0 && !al_severity_parse(o->fail_on, &level))
        return al_usage_error("--fail-on takes error, warning, note or never, not '%s'", o->fail_on);
    if (o->config_path && o->no_config)
        return al_usage_error("%s", "--config and --no-config exclude each other");
    if (strcmp(o->command, "programs") == 0 &&
        (o->side_output[0] || o->side_output[1] || o->side_output[2] || o->side_output[3] || o->shard_count ||
         o->baseline || o->changed_since || o->unknown))
        return al_usage_error("%s", "programs takes -p, --format text|json, -o, --program and the cache and "
                                    "configuration options");
    if (o->traces.count && (o->write_baseline || strcmp(o->command, "programs") == 0))
        return al_usage_error("--trace joins traces to the findings of check or merge, not to %s", o->command);
    if (o->write_baseline && !o->output)
        return al_usage_error("%s", "baseline needs -o FILE, where the baseline is written");
    if (o->write_baseline && (o->unknown || o->baseline || o->changed_since || strcmp(o->format, "text") != 0 ||
                              o->side_output[0] || o->side_output[1] || o->side_output[2] || o->side_output[3]))
        return al_usage_error("%s", "baseline writes only the baseline file: no --format, --unknown, "
                                    "--baseline, --changed-since or side reports");
    return -1;
}

/* Fills `o` from argv (argv[0] is the command); -1 to go on, else the exit code. The operands are
 * left at argv[optind ...]. */
static int parse_options(int argc, char **argv, al_options *o)
{
    struct option long_options[OPTION_COUNT + 3];
    for (size_t i = 0; i < OPTION_COUNT; i++)
        long_options[i] = (struct option){option_specs[i].name, option_specs[i].value, NULL, (int)i + 256};
    long_options[OPTION_COUNT] = (struct option){NULL, 0, NULL, 0};
    o->format = "text";
    o->color = "auto";
    o->jobs = default_jobs();
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":p:f:o:j:qh", long_options, NULL)) != -1) {
        const option_spec *spec = NULL;
        if (c >= 256)
            spec = &option_specs[c - 256];
        else if (c == 'p')
            o->build_dir = optarg;
        else if (c == 'f')
            o->format = optarg;
        else if (c == 'o')
            o->output = optarg;
        else if (c == 'q')
            o->quiet = true;
        else if (c == 'j' || c == 'h') {
            for (size_t i = 0; i < OPTION_COUNT && !spec; i++)
                spec = option_specs[i].short_name == c ? &option_specs[i] : NULL;
        } else if (c == ':') {
            return al_usage_error("option '%s' needs a value", argv[optind - 1]);
        } else {
            return al_usage_error("unknown option '%s'", argv[optind - 1]);
        }
        if (!spec)
            continue;
        if (spec->action == STORE_STRING) {
            *(const char **)((char *)o + spec->offset) = optarg;
        } else if (spec->action == SET_FLAG) {
            *(bool *)((char *)o + spec->offset) = true;
        } else {
            int status = apply_special(o, spec->name);
            if (status >= 0)
                return status;
        }
    }
    return check_combinations(o);
}

/* The language server runs `asynclock check` for each analysis: this very executable. */
static int run_lsp(int argc, char **argv)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0)
        self[n] = '\0';
    else
        snprintf(self, sizeof(self), "%s", argv[0]);
    return al_lsp_run(self, argv + 2, argc - 2);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return AL_EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 || strcmp(command, "help") == 0) {
        fputs(usage_text, stdout);
        return AL_EXIT_CLEAN;
    }
    if (strcmp(command, "--version") == 0 || strcmp(command, "version") == 0)
        return al_version_print(stdout);
    if (strcmp(command, "lsp") == 0)
        return run_lsp(argc, argv);
    if (strcmp(command, "trace") == 0)
        return al_trace_main(argc - 1, argv + 1, AL_VERSION);
    static const char *const commands[] = {"check", "baseline", "merge", "programs", "rules"};
    bool known = false;
    for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
        known |= strcmp(command, commands[i]) == 0;
    if (!known)
        return al_usage_error("unknown command '%s' (check, baseline, merge, programs, lsp, rules, trace)", command);

    al_options o = {0};
    o.command = command;
    o.write_baseline = strcmp(command, "baseline") == 0;
    int status = parse_options(argc - 1, argv + 1, &o);
    if (status < 0 && !al_options_apply_config(&o))
        status = AL_EXIT_USAGE;
    if (status < 0) {
        int operands = argc - 1 - optind;
        char **operand = argv + 1 + optind;
        for (int i = 0; i < operands && strcmp(command, "rules") != 0; i++)
            AL_VEC_PUSH(o.files, al_xstrdup(operand[i]));
        al_gather_install_stop_handlers();
        if (strcmp(command, "rules") == 0)
            status = al_command_rules(&o, operands, operand);
        else if (strcmp(command, "merge") == 0)
            status = al_command_merge(&o);
        else if (strcmp(command, "programs") == 0)
            status = o.files.count ? al_usage_error("programs takes no file, not '%s'", o.files.items[0])
                                   : al_command_programs(&o);
        else
            status = al_command_check(&o);
    }
    al_options_free(&o);
    return status;
}
