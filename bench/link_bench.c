/* link_bench: the stages after parsing, at a size no test suite reaches.
 *
 * Writes translation-unit facts straight into memory (no libclang) for a program of F functions
 * and C calls over U units, then times al_program_link, al_contexts_find, al_reach_run and
 * al_findings_build one by one and reports the peak RSS. The shipped rule packs are used, so
 * handlers are found the way the libuv pack finds them: the function is passed as argument 1 of
 * uv_timer_start, whose parameter type is uv_timer_cb.
 *
 * Shape of each unit (k = F/U functions): a body of k - T functions and a tail of T utility
 * functions. A body function calls near-forward body functions (deep local chains), now and then
 * an earlier one (cycles), tail functions of random units (cross-unit calls), libc externals, and
 * rarely a blocking API; tail functions call forward in their tail and externals. The first
 * --chain-units units form one long chain instead (each body function calls the next, the last
 * calls into the next unit), ending in a sleep. Each unit registers --handlers-per-unit handlers
 * and one uv_queue_work worker.
 *
 *   link_bench [--functions F] [--calls C] [--units U] [--handlers-per-unit H] [--chain-units K]
 *              [--seed S] [--utility-every N] [--tail-back PER_MILLE] [--jobs N]
 * Defaults: 1,000,000 functions, 5,000,000 calls, 1,000 units, 2 handlers per unit, 10 chain units,
 * an fsync in the tail of every 10th unit, tails that never call back into bodies, 2 search threads. The worst case,
 * `--handlers-per-unit 1 --utility-every 1 --tail-back 100`: 1,000 handlers, nearly every function
 * may block, and every handler reaches most of the graph.
 * Targets: link + contexts + reach + findings under 10 s, peak RSS under 2 GiB (exit 1 if missed). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "contexts.h"
#include "facts_builder.h"
#include "findings.h"
#include "indirect.h"
#include "program.h"
#include "reach.h"
#include "rules.h"

typedef struct bench_options {
    unsigned long functions, calls, units, handlers_per_unit, chain_units, seed;
    unsigned long utility_every; /* every Nth unit's last tail function calls fsync (1: all of them,
                                    so nearly every function may block) */
    unsigned long tail_back;     /* per mille of tail calls into a random unit's body: the graph
                                    becomes one component that every handler reaches most of */
    unsigned long jobs;          /* threads for the handlers' searches, as check -j */
} bench_options;

static const char *const externals[] = {"memcpy", "strlen", "snprintf", "malloc", "free", "strcmp", "memset", "qsort"};
static const char *const blocking[] = {"sleep", "usleep", "getaddrinfo", "fsync", "system", "gethostbyname"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* xorshift64*: fast, seedable, the same graph for the same seed. */
static uint64_t rng_state;
static uint32_t rng(uint32_t bound)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ULL) >> 33) % bound;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double peak_mib(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_maxrss / 1024.0; /* ru_maxrss is in KiB on Linux */
}

/* Functions of unit u: count, and where the unit starts in the global numbering. */
static unsigned long unit_size(const bench_options *o, unsigned long u)
{
    return o->functions / o->units + (u < o->functions % o->units);
}

static unsigned long tail_size(unsigned long k)
{
    unsigned long t = k / 10 < 20 ? k / 10 : 20;
    return t ? t : 1;
}

static void fn_name(char *buf, size_t size, unsigned long u, unsigned long i)
{
    snprintf(buf, size, "f%lu_%lu", u, i);
}

static void call_fn(al_tu_facts *tu, const char *caller, unsigned long u, unsigned long i, const char *file,
                    unsigned line)
{
    char callee[48];
    fn_name(callee, sizeof(callee), u, i);
    fb_call(tu, caller, callee, file, line, 5, "u");
}

/* The callee of one call made by body function i of unit u (k functions, t in the tail). */
static void body_call(al_tu_facts *tu, const bench_options *o, const char *caller, unsigned long u, unsigned long i,
                      unsigned long k, unsigned long t, unsigned line)
{
    unsigned long body = k - t;
    uint32_t r = rng(100);
    if (r < 40) {
        unsigned long j = i + 1 + rng(8);
        call_fn(tu, caller, u, j < body ? j : body + rng((uint32_t)t), tu->file, line);
    } else if (r < 43 && i > 0) {
        unsigned long back = 1 + rng(16);
        call_fn(tu, caller, u, i > back ? i - back : 0, tu->file, line);
    } else if (r < 53) {
        unsigned long v = rng((uint32_t)o->units);
        unsigned long kv = unit_size(o, v), tv = tail_size(kv);
        call_fn(tu, caller, v, kv - tv + rng((uint32_t)tv), tu->file, line);
    } else {
        fb_call(tu, caller, externals[rng(COUNT(externals))], tu->file, line, 5, "uu");
    }
}

static void build_unit(al_tu_facts *tu, const bench_options *o, unsigned long u, unsigned long calls_of_unit)
{
    unsigned long k = unit_size(o, u), t = tail_size(k), body = k - t;
    bool chain = u < o->chain_units;
    char name[48];
    unsigned line = 1;
    for (unsigned long i = 0; i < k; i++) {
        fn_name(name, sizeof(name), u, i);
        fb_function(tu, name, tu->file, line++, 0);
        unsigned long calls = calls_of_unit / k + (i < calls_of_unit % k);
        for (unsigned long c = 0; c < calls; c++, line++) {
            if (chain && i < body && c == 0) {
                /* the long chain: the next body function, or the next unit's first one */
                if (i + 1 < body)
                    call_fn(tu, name, u, i + 1, tu->file, line);
                else if (u + 1 < o->chain_units && u + 1 < o->units)
                    call_fn(tu, name, u + 1, 0, tu->file, line);
                else
                    fb_call(tu, name, "sleep", tu->file, line, 5, "1");
            } else if (chain && i < body) {
                fb_call(tu, name, externals[rng(COUNT(externals))], tu->file, line, 5, "uu");
            } else if (c == 0 && rng(400) == 0) {
                fb_call(tu, name, blocking[rng(COUNT(blocking))], tu->file, line, 5, "uu");
            } else if (i < body) {
                body_call(tu, o, name, u, i, k, t, line);
            } else if (o->tail_back && rng(1000) < o->tail_back) {
                unsigned long v = rng((uint32_t)o->units);
                unsigned long kv = unit_size(o, v);
                call_fn(tu, name, v, rng((uint32_t)(kv - tail_size(kv))), tu->file, line);
            } else if (i + 1 < k && rng(100) < 40) {
                call_fn(tu, name, u, i + 1 + rng((uint32_t)(k - i - 1)), tu->file, line);
            } else if (i + 1 == k && c == 0 && u % o->utility_every == 0) {
                fb_call(tu, name, "fsync", tu->file, line, 5, "u"); /* a utility many handlers reach */
            } else {
                fb_call(tu, name, externals[rng(COUNT(externals))], tu->file, line, 5, "uu");
            }
        }
    }
    /* registrations, made by the unit's first function */
    char setup[48], handler[48];
    fn_name(setup, sizeof(setup), u, 0);
    for (unsigned long h = 0; h < o->handlers_per_unit && h < body; h++) {
        fn_name(handler, sizeof(handler), u, h == 0 ? 0 : rng((uint32_t)body));
        fb_ref(tu, handler, setup, AL_USE_ARGUMENT, "uv_timer_start", 1, "uv_timer_cb", tu->file, line++);
    }
    fn_name(handler, sizeof(handler), u, rng((uint32_t)body));
    fb_ref(tu, handler, setup, AL_USE_ARGUMENT, "uv_queue_work", 2, "uv_work_cb", tu->file, line++);
}

static bool parse_number(const char *flag, const char *text, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text ? text : "", &end, 10);
    if (!text || !*text || *end || errno || v > UINT32_MAX / 2) {
        fprintf(stderr, "link_bench: error: %s needs a number below 2^31, not '%s'\n", flag, text ? text : "");
        return false;
    }
    *out = (unsigned long)v;
    return true;
}

static int parse_options(int argc, char **argv, bench_options *o)
{
    static const char *const flags[] = {"--functions",         "--calls",       "--units",
                                        "--handlers-per-unit", "--chain-units", "--seed",
                                        "--utility-every",     "--tail-back",   "--jobs"};
    unsigned long *fields[] = {&o->functions,         &o->calls,       &o->units,
                               &o->handlers_per_unit, &o->chain_units, &o->seed,
                               &o->utility_every,     &o->tail_back,   &o->jobs};
    for (int a = 1; a < argc; a += 2) {
        size_t f = 0;
        while (f < COUNT(flags) && strcmp(argv[a], flags[f]) != 0)
            f++;
        if (f == COUNT(flags)) {
            fprintf(stderr, "link_bench: error: unknown argument '%s'\n", argv[a]);
            return 2;
        }
        if (!parse_number(argv[a], a + 1 < argc ? argv[a + 1] : NULL, fields[f]))
            return 2;
    }
    if (o->utility_every < 1) {
        fprintf(stderr, "link_bench: error: --utility-every needs 1 or more\n");
        return 2;
    }
    if (o->units < 1 || o->functions < 2 * o->units) {
        fprintf(stderr, "link_bench: error: needs at least one unit and two functions per unit\n");
        return 2;
    }
    return -1;
}

int main(int argc, char **argv)
{
    bench_options o = {1000000, 5000000, 1000, 2, 10, 1, 10, 0, 2};
    int status = parse_options(argc, argv, &o);
    if (status >= 0)
        return status;
    rng_state = o.seed * 0x9E3779B97F4A7C15ULL + 1;

    char *dir = al_rules_default_dir();
    char *error = NULL;
    al_rules *rules = al_rules_new();
    if (!al_rules_load_path(rules, dir, &error)) {
        fprintf(stderr, "%s\n", error);
        return 2;
    }
    al_rules_index(rules);
    free(dir);

    double t0 = now();
    al_tu_facts *units = fb_units(o.units);
    for (unsigned long u = 0; u < o.units; u++)
        build_unit(&units[u], &o, u, o.calls / o.units + (u < o.calls % o.units));
    double facts_seconds = now() - t0, facts_peak = peak_mib();

    al_program program;
    t0 = now();
    al_program_link(&program, units, o.units);
    al_indirect_resolve(&program, false); /* as check does; this graph has no indirect calls */
    double link_seconds = now() - t0;
    free(units);

    al_contexts contexts;
    t0 = now();
    al_contexts_find(&contexts, &program, rules, NULL);
    double contexts_seconds = now() - t0;

    al_reach reach;
    al_reach_options reach_options = {false, NULL, (int)o.jobs};
    t0 = now();
    al_reach_run(&reach, &program, &contexts, rules, &reach_options);
    double reach_seconds = now() - t0;

    al_findings findings;
    al_findings_options finding_options = {.source_root = NULL};
    t0 = now();
    al_findings_build(&findings, &program, &contexts, &reach, rules, &finding_options);
    double findings_seconds = now() - t0;
    double peak = peak_mib();

    size_t pairs = 0, steps = 0;
    for (size_t i = 0; i < reach.sites.count; i++)
        for (size_t h = 0; h < reach.sites.items[i].handlers.count; h++, pairs++)
            steps += reach.sites.items[i].handlers.items[h].length;
    double total = link_seconds + contexts_seconds + reach_seconds + findings_seconds;
    printf("program: %zu functions, %zu calls, %zu references, %lu units\n", program.functions.count,
           program.calls.count, program.refs.count, o.units);
    printf("found:   %zu handlers, %zu workers, %zu blocking sites reached (%zu blocking calls in all), "
           "%zu site-handler pairs, %zu chain steps in %zu links, %zu findings\n",
           contexts.handlers.count, contexts.worker_count, reach.sites.count, reach.blocking_calls, pairs, steps,
           reach.links.count, findings.items.count);
    printf("facts written in memory:  %7.2f s  (peak RSS so far %.0f MiB)\n", facts_seconds, facts_peak);
    printf("al_program_link:          %7.2f s\n", link_seconds);
    printf("al_contexts_find:         %7.2f s\n", contexts_seconds);
    printf("al_reach_run:             %7.2f s\n", reach_seconds);
    printf("al_findings_build:        %7.2f s\n", findings_seconds);
    printf("link to findings:         %7.2f s  (target < 10 s: %s)\n", total, total < 10 ? "met" : "MISSED");
    printf("peak RSS:                 %7.0f MiB (target < 2048 MiB: %s)\n", peak, peak < 2048 ? "met" : "MISSED");

    al_findings_free(&findings);
    al_reach_free(&reach);
    al_contexts_free(&contexts);
    al_program_free(&program);
    al_rules_free(rules);
    return total < 10 && peak < 2048 ? 0 : 1;
}
