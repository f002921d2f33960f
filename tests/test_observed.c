/* observed: the blocked-time helpers (percentiles, durations, the shim's histogram buckets), trace
 * files read back with their one-line errors, and the join of trace sites to findings: by the
 * blocking call's line and callee, through a frame further out, a moved finding's chain, a tail
 * call, gcc's stdio rewrites; what is observed only, merged and ranked; what is left to the analysis. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "observed.h"
#include "region.h"

static void test_percentile_from_bins(void **state)
{
    (void)state;
    al_hist_bins bins = {0};
    al_hist_bin rows[] = {{100, 110, 50}, {200, 220, 49}, {5000, 5200, 1}};
    for (size_t i = 0; i < 3; i++)
        AL_VEC_PUSH(bins, rows[i]);
    /* the 50th call is in the first bin, the 99th in the second, the 100th in the third */
    assert_int_equal(al_stall_percentile(&bins, 100, 0.5, 100, 5100), 104);
    assert_int_equal(al_stall_percentile(&bins, 100, 0.99, 100, 5100), 209);
    assert_int_equal(al_stall_percentile(&bins, 100, 1.0, 100, 5100), 5099);
    /* kept within what was seen */
    assert_int_equal(al_stall_percentile(&bins, 100, 0.5, 107, 5100), 107);
    assert_int_equal(al_stall_percentile(&bins, 100, 1.0, 100, 5050), 5050);
    assert_int_equal(al_stall_percentile(&bins, 0, 0.5, 0, 0), 0);
    AL_VEC_FREE(bins);
    assert_int_equal(al_stall_percentile(&bins, 10, 0.5, 1, 2), 0);
}

static void test_durations_have_three_digits(void **state)
{
    (void)state;
    char s[32];
    const struct {
        uint64_t ns;
        const char *text;
    } cases[] = {{0, "0 ns"},         {140, "140 ns"},          {999, "999 ns"},        {1000, "1.00 us"},
                 {812345, "812 us"},  {50123456, "50.1 ms"},    {3204000000, "3.20 s"}, {999499, "999 us"},
                 {999500, "1.00 ms"}, {7200000000000, "7200 s"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        al_format_duration(s, sizeof(s), cases[i].ns);
        assert_string_equal(s, cases[i].text);
    }
}

/* The shim's buckets: every duration falls in its bucket, buckets are ordered, none is wider than a
 * 32nd of its lower bound (exact below 32 ns), and the top one takes everything from 2^46 ns on. */
static void test_histogram_buckets(void **state)
{
    (void)state;
    uint64_t previous_high = 0;
    for (unsigned b = 0; b < AL_HIST_BUCKETS; b++) {
        uint64_t low, high;
        al_hist_bounds(b, &low, &high);
        assert_int_equal(low, previous_high);
        assert_true(high > low);
        if (low >= 32)
            assert_true((high - low) * 32 <= low);
        assert_int_equal(al_hist_bucket(low), b);
        if (b + 1 < AL_HIST_BUCKETS)
            assert_int_equal(al_hist_bucket(high - 1), b);
        previous_high = high;
    }
    assert_int_equal(al_hist_bucket(50123456), al_hist_bucket(50123457));
    assert_int_equal(al_hist_bucket(UINT64_MAX), AL_HIST_BUCKETS - 1);
    assert_int_equal(al_hist_bucket(1ull << 46), AL_HIST_BUCKETS - 1);
    assert_int_equal(al_hist_bucket((1ull << 46) - 1), AL_HIST_BUCKETS - 1);
    assert_int_equal(al_hist_bucket(1ull << 45), AL_HIST_BUCKETS - AL_HIST_SUB);
}

/* ---- trace files ---- */

static char *trace_text(const char *sites)
{
    return al_xasprintf("{\"version\": 1, \"kind\": \"asynclock-trace\", \"tool\": {\"name\": \"asynclock\", "
                        "\"version\": \"0.1.0\"}, \"program\": \"/bin/app\", \"pid\": 42, \"sites\": [%s]}",
                        sites);
}

/* One site: `frames` is a JSON list of [function, file-or-null, line]. */
static char *site_text(const char *api, unsigned calls, uint64_t each_ns, const char *frames, const char *extra)
{
    al_strbuf b = {0};
    al_strbuf_appendf(&b,
                      "{\"api\": \"%s\", \"symbol\": \"%s\", \"category\": \"sleep\", %s \"calls\": %u, "
                      "\"total_ns\": %llu, \"min_ns\": %llu, \"max_ns\": %llu, \"p50_ns\": 1, \"p99_ns\": 1, "
                      "\"histogram\": [[%llu, %llu, %u]], \"stack\": [",
                      api, api, extra, calls, (unsigned long long)(each_ns * calls), (unsigned long long)each_ns,
                      (unsigned long long)each_ns, (unsigned long long)each_ns, (unsigned long long)each_ns + 1, calls);
    al_strbuf_append(&b, frames);
    al_strbuf_append(&b, "]}");
    return al_strbuf_take(&b);
}

static char *frame_text(const char *function, const char *file, unsigned line)
{
    if (!file)
        return al_xasprintf("{\"function\": \"%s\", \"file\": null, \"line\": 0, \"module\": \"/lib/libuv.so.1\", "
                            "\"offset\": \"0x1a2b\"}",
                            function);
    return al_xasprintf("{\"function\": \"%s\", \"file\": \"%s\", \"line\": %u, \"module\": \"/bin/app\", "
                        "\"offset\": \"0x10\"}",
                        function, file, line);
}

static void load_text(al_observations *o, const char *name, char *text)
{
    char *error = NULL;
    bool ok = al_observed_parse(o, name, text, strlen(text), &error);
    if (!ok)
        fprintf(stderr, "%s\n", error);
    assert_true(ok);
    free(text);
}

static void expect_error(const char *text, const char *message)
{
    al_observations o = {0};
    char *error = NULL;
    assert_false(al_observed_parse(&o, "t.json", text, strlen(text), &error));
    assert_string_equal(error, message);
    free(error);
    al_observations_free(&o);
}

static void test_bad_traces_are_one_line_errors(void **state)
{
    (void)state;
    expect_error("[]", "t.json:1:1: error: not an asynclock trace (needs \"kind\": \"asynclock-trace\", \"version\" "
                       "and \"sites\"; written by asynclock trace)");
    expect_error("{\"version\": 2, \"kind\": \"asynclock-trace\", \"sites\": []}",
                 "t.json:1:13: error: trace version 2 is not supported (this asynclock reads 1)");
    expect_error("{\"version\": 1, \"kind\": \"asynclock-trace\", \"sites\": [\n  {\"calls\": 1}]}",
                 "t.json:2:3: error: site 0 needs \"api\": the blocking function's name");
    expect_error("{\"version\": 1, \"kind\": \"asynclock-trace\", \"sites\": [{\"api\": \"sleep\", \"calls\": -1}]}",
                 "t.json:1:53: error: site 0 needs \"calls\": a whole number");
    expect_error("{\"version\": 1, \"kind\": \"asynclock-trace\", \"sites\": [{\"api\": \"sleep\", \"calls\": 1, "
                 "\"total_ns\": 1, \"min_ns\": 1, \"max_ns\": 1, \"histogram\": [[2, 1, 1]], \"stack\": []}]}",
                 "t.json:1:137: error: a histogram bin is [low_ns, high_ns, calls] with low_ns < high_ns");
    expect_error("{\"version\": 1, \"kind\": \"asynclock-trace\", \"sites\": [{\"api\": \"sleep\", \"calls\": 1, "
                 "\"total_ns\": 1, \"min_ns\": 1, \"max_ns\": 1, \"histogram\": [[1, 2, 1]], "
                 "\"stack\": [{\"offset\": \"12\"}]}]}",
                 "t.json:1:159: error: \"offset\" must be a hexadecimal string such as \"0x1a2b\"");
    expect_error("{\"version\": 1, \"kind\": \"asynclock-trace\", \"sites\": [{\"api\": \"sleep\", \"calls\": 1, "
                 "\"total_ns\": 5, \"min_ns\": 9, \"max_ns\": 2, \"histogram\": [[9, 10, 1]], \"stack\": []}]}",
                 "t.json:1:53: error: site 0: \"min_ns\" is above \"max_ns\"");
    expect_error("{\"version\": 1, \"kind\": \"asynclock-trace\", \"sites\": [{\"api\": \"sleep\", \"calls\": 1, "
                 "\"arguments_checked\": 1, \"total_ns\": 1, \"min_ns\": 1, \"max_ns\": 1, \"histogram\": [], "
                 "\"stack\": []}]}",
                 "t.json:1:53: error: site 0: \"arguments_checked\" must be true or false");
}

static void test_a_trace_reads_back(void **state)
{
    (void)state;
    al_observations o = {0};
    char *f0 = frame_text("nap", "/src/a.c", 12), *f1 = frame_text("uv_run", NULL, 0);
    char *frames = al_xasprintf("%s, %s", f0, f1);
    char *site = site_text("nanosleep", 4, 50000000, frames, "\"arguments_checked\": false, \"tail_call\": false,");
    load_text(&o, "t.json", trace_text(site));
    assert_int_equal(o.files.count, 1);
    assert_int_equal(o.sites.count, 1);
    const al_trace_site *s = &o.sites.items[0];
    assert_string_equal(s->api, "nanosleep");
    assert_true(s->unchecked);
    assert_false(s->tail_call);
    assert_int_equal(s->stall.calls, 4);
    assert_int_equal(s->stall.total_ns, 200000000);
    assert_int_equal(s->stall.p50_ns, 50000000); /* recomputed from the histogram, not the file's 1 */
    assert_string_equal(s->program, "/bin/app");
    assert_int_equal(s->pid, 42);
    assert_int_equal(s->stack.count, 2);
    assert_string_equal(s->stack.items[0].file, "/src/a.c");
    assert_int_equal(s->stack.items[0].line, 12);
    assert_null(s->stack.items[1].file);
    assert_int_equal(s->stack.items[1].offset, 0x1a2b);
    assert_string_equal(s->trace, "t.json");
    free(f0);
    free(f1);
    free(frames);
    free(site);
    al_observations_free(&o);
}

/* ---- the join ---- */

/* Findings: sleep at a.c:10 (handler on_tick), fputs at a.c:20, a custom blocking function
 * wait_for_reply called at a.c:30, a usleep in helper() (b.c:5) reached through a.c:40, moved into
 * the source root at a.c:40 from vendor/h.h:7, and a suppressed fsync at a.c:50. */
static al_chain_step steps_sleep[] = {
    {&(al_chain_call){"on_tick", {"/src/a.c", 10, 5}, NULL, 0, NULL}, "sleep", NULL, 0, 0, false, false, false}};
static al_chain_step steps_fputs[] = {
    {&(al_chain_call){"on_tick", {"/src/a.c", 20, 5}, NULL, 0, NULL}, "fputs", NULL, 0, 0, false, false, false}};
static al_chain_step steps_custom[] = {{&(al_chain_call){"on_tick", {"/src/a.c", 30, 5}, NULL, 0, NULL},
                                        "wait_for_reply", NULL, 0, 0, false, false, false}};
static al_chain_step steps_helper[] = {
    {&(al_chain_call){"on_tick", {"/src/a.c", 40, 5}, NULL, 0, NULL}, "helper", NULL, 0, 0, false, false, false},
    {&(al_chain_call){"helper", {"/vendor/h.h", 7, 5}, NULL, 0, NULL}, "usleep", &steps_helper[0], 0, 0, false, false,
     false}};
static al_chain_step steps_fsync[] = {
    {&(al_chain_call){"on_tick", {"/src/a.c", 50, 5}, NULL, 0, NULL}, "fsync", NULL, 0, 0, false, false, false}};
static al_finding_handler handlers[5];

static al_finding finding(const char *callee, const char *file, unsigned line, int h, al_chain_step *steps,
                          size_t length)
{
    handlers[h] = (al_finding_handler){.name = "on_tick",
                                       .defined_at = {"/src/a.c", 8, 1},
                                       .kind = "libuv timer callback",
                                       .family = "libuv",
                                       .registered_at = {"/src/m.c", 3, 1},
                                       .last = &steps[length - 1],
                                       .chain_length = length};
    al_finding f = {0};
    f.rule = "async-lock";
    f.category = "sleep";
    f.callee = callee;
    f.loc = (al_source_loc){file, line, 5};
    f.function = "on_tick";
    f.handlers = &handlers[h];
    f.handler_count = 1;
    return f;
}

static void sample(al_findings *f)
{
    memset(f, 0, sizeof(*f));
    f->source_root = "/src";
    AL_VEC_PUSH(f->items, finding("sleep", "/src/a.c", 10, 0, steps_sleep, 1));
    AL_VEC_PUSH(f->items, finding("fputs", "/src/a.c", 20, 1, steps_fputs, 1));
    AL_VEC_PUSH(f->items, finding("wait_for_reply", "/src/a.c", 30, 2, steps_custom, 1));
    AL_VEC_PUSH(f->items, finding("usleep", "/src/a.c", 40, 3, steps_helper, 2)); /* anchored */
    AL_VEC_PUSH(f->suppressed, finding("fsync", "/src/a.c", 50, 4, steps_fsync, 1));
}

/* A site with one frame per (function, file, line) triple; file NULL: a library frame. */
static void add_site(al_observations *o, const char *api, unsigned calls, uint64_t each_ns, const char *extra,
                     int frame_count, ...)
{
    va_list ap;
    va_start(ap, frame_count);
    al_strbuf frames = {0};
    for (int i = 0; i < frame_count; i++) {
        const char *function = va_arg(ap, const char *), *file = va_arg(ap, const char *);
        unsigned line = va_arg(ap, unsigned);
        char *fr = frame_text(function, file, line);
        al_strbuf_appendf(&frames, "%s%s", i ? ", " : "", fr);
        free(fr);
    }
    va_end(ap);
    char *site = site_text(api, calls, each_ns, frames.data ? frames.data : "", extra);
    char *name = al_xasprintf("trace%zu.json", o->files.count);
    load_text(o, name, trace_text(site));
    free(name);
    free(site);
    al_strbuf_free(&frames);
}

static void free_sample(al_findings *f)
{
    AL_VEC_FREE(f->items);
    AL_VEC_FREE(f->suppressed);
}

static void test_sites_explain_their_findings(void **state)
{
    (void)state;
    al_findings f;
    sample(&f);
    al_observations o = {0};
    /* the call itself, seen twice (two processes): merged, p99 from both histograms */
    add_site(&o, "sleep", 99, 1000000, "", 2, "on_tick", "/src/a.c", 10, "uv_run", NULL, 0);
    add_site(&o, "sleep", 1, 9000000, "", 1, "on_tick", "/src/a.c", 10);
    /* gcc wrote the fputs as fwrite */
    add_site(&o, "fwrite", 3, 500, "", 1, "on_tick", "/src/a.c", 20);
    /* the custom blocking function's own read, one frame in: wait_for_reply was called at a.c:30 */
    add_site(&o, "read", 2, 700, "", 2, "wait_for_reply", "/src/net.c", 90, "on_tick", "/src/a.c", 30);
    /* the moved finding, at its real place in the header */
    add_site(&o, "usleep", 5, 2000, "", 2, "helper", "/vendor/h.h", 7, "on_tick", "/src/a.c", 40);
    /* the suppressed one explains its call too */
    add_site(&o, "fsync", 1, 800, "", 1, "on_tick", "/src/a.c", 50);
    al_observed_apply(&f, &o);
    assert_ptr_equal(f.observations, &o);
    const al_observation *x = f.items.items[0].observed;
    assert_non_null(x);
    assert_int_equal(x->sites, 2);
    assert_int_equal(x->stall.calls, 100);
    assert_int_equal(x->stall.total_ns, 99 * 1000000ull + 9000000);
    assert_int_equal(x->stall.min_ns, 1000000);
    assert_int_equal(x->stall.max_ns, 9000000);
    assert_int_equal(x->stall.p50_ns, 1000000);
    assert_int_equal(x->stall.p99_ns, 1000000);
    assert_ptr_equal(x->example, &o.sites.items[0]); /* the one with the most blocked time */
    assert_int_equal(f.items.items[1].observed->stall.calls, 3);
    assert_int_equal(f.items.items[2].observed->stall.calls, 2);
    assert_int_equal(f.items.items[3].observed->stall.calls, 5);
    assert_int_equal(f.suppressed.items[0].observed->stall.calls, 1);
    assert_int_equal(o.observed_findings, 5);
    assert_int_equal(o.only.count, 0);
    /* ranked by blocked time: sleep (108 ms), usleep (10 us), fwrite (1.5 us), read (1.4 us) */
    size_t *order = al_observed_rank(&f);
    size_t want[] = {0, 3, 1, 2};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(order[i], want[i]);
    free(order);
    al_observations_free(&o);
    free_sample(&f);
}

static void test_what_no_finding_explains(void **state)
{
    (void)state;
    al_findings f;
    sample(&f);
    al_observations o = {0};
    /* the right line, the wrong callee; one frame in, a function that is not the finding's callee */
    add_site(&o, "usleep", 2, 3000, "", 1, "on_tick", "/src/a.c", 10);
    add_site(&o, "read", 1, 100, "", 2, "other", "/src/net.c", 80, "on_tick", "/src/a.c", 30);
    /* inside a library, seen from the project: located at the project's frame; the same place twice */
    add_site(&o, "getpwuid", 1, 5000000, "", 2, "g_get_user_name", NULL, 0, "on_tick", "/src/c.c", 7);
    add_site(&o, "getpwuid", 3, 5000000, "", 2, "g_get_user_name", NULL, 0, "on_tick", "/src/c.c", 7);
    /* arguments the shim could not check and no finding: left to the analysis */
    add_site(&o, "uv_fs_open", 9, 900, "\"arguments_checked\": false,", 1, "on_tick", "/src/a.c", 60);
    /* a tail call whose API two findings could be: observed only, nowhere */
    add_site(&o, "pause", 1, 700, "\"tail_call\": true,", 2, "uv__run_timers", NULL, 0, "main", "/src/m.c", 9);
    /* another program's loop (a test runner's): no frame in the project, not listed */
    add_site(&o, "fopen", 2, 900, "", 2, "run_test", "/build/cmake/ctest.cxx", 40, "main", NULL, 0);
    al_observed_apply(&f, &o);
    for (size_t i = 0; i < f.items.count; i++)
        assert_null(f.items.items[i].observed);
    assert_int_equal(o.unchecked_dropped, 1);
    assert_int_equal(o.outside, 1);
    assert_int_equal(o.only.count, 4);
    /* most blocked time first */
    const al_observation *lib = o.only.items[0];
    assert_string_equal(lib->example->api, "getpwuid");
    assert_int_equal(lib->sites, 2);
    assert_int_equal(lib->stall.calls, 4);
    assert_string_equal(lib->loc.file, "/src/c.c");
    assert_int_equal(lib->loc.line, 7);
    assert_string_equal(o.only.items[1]->example->api, "usleep");
    assert_int_equal(o.only.items[1]->loc.line, 10);
    assert_string_equal(o.only.items[2]->example->api, "pause");
    assert_null(o.only.items[2]->loc.file);
    assert_string_equal(o.only.items[3]->example->api, "read");
    assert_string_equal(o.only.items[3]->loc.file, "/src/net.c"); /* its first frame in the project */
    al_observations_free(&o);
    free_sample(&f);
}

static void test_tail_calls(void **state)
{
    (void)state;
    al_findings f;
    sample(&f);
    al_observations o = {0};
    /* helper() jumped to usleep: it returns to a.c:40, where helper is called */
    add_site(&o, "usleep", 4, 1000, "", 1, "on_tick", "/src/a.c", 40);
    /* a callback's last act, sleep: the one finding whose handler calls sleep itself */
    add_site(&o, "sleep", 1, 1000000000, "\"tail_call\": true,", 2, "uv__run_timers", NULL, 0, "main", "/src/m.c", 9);
    al_observed_apply(&f, &o);
    assert_int_equal(f.items.items[3].observed->stall.calls, 4);
    assert_int_equal(f.items.items[0].observed->stall.calls, 1);
    assert_int_equal(o.only.count, 0);
    al_observations_free(&o);
    free_sample(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentile_from_bins),     cmocka_unit_test(test_durations_have_three_digits),
        cmocka_unit_test(test_histogram_buckets),        cmocka_unit_test(test_bad_traces_are_one_line_errors),
        cmocka_unit_test(test_a_trace_reads_back),       cmocka_unit_test(test_sites_explain_their_findings),
        cmocka_unit_test(test_what_no_finding_explains), cmocka_unit_test(test_tail_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
