/* reports: the exact text of the compiler-style report, and the JSON contract read back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static al_chain_step chain[] = {
    {&(al_chain_call){"on_read", {"/abs/src/server.c", 30, 3}, "field conn.on_line", 1, NULL}, "process_line", NULL, 1,
     0, false, false, false},
    {&(al_chain_call){"process_line", {"/abs/src/util.c", 42, 5}, NULL, 0, NULL}, "sleep", &chain[0], 1, 0, false,
     false, false},
};
static al_chain_step direct[] = {
    {&(al_chain_call){"on_timer", {"/abs/src/util.c", 42, 5}, NULL, 0, NULL}, "sleep", NULL, 0, 0, false, false, false},
};
static al_finding_handler handlers[] = {
    {"on_timer",
     {"/abs/src/util.c", 40, 1},
     "annotated asynclock:handler",
     "",
     {"/abs/src/util.c", 40, 1},
     "annotated asynclock:handler here",
     &direct[0],
     1,
     0,
     0,
     0,
     false,
     false,
     {0}},
    {"on_read",
     {"/abs/src/server.c", 17, 1},
     "libuv read callback (uv_read_cb)",
     "uv",
     {"/abs/src/server.c", 88, 3},
     "registered as a libuv read callback (uv_read_cb) here",
     &chain[1],
     2,
     0,
     0,
     0,
     false,
     false,
     {0}},
};

/* One finding with two handlers, and one whose callee and fix carry hostile text. */
static void sample(al_findings *f)
{
    memset(f, 0, sizeof(*f));
    al_finding a = {0};
    a.rule = "async-lock";
    a.category = "sleep";
    a.severity = AL_SEVERITY_ERROR;
    a.callee = "sleep";
    a.loc = (al_source_loc){"/abs/src/util.c", 42, 5};
    a.function = "process_line";
    a.handlers = handlers;
    a.handler_count = 2;
    a.message = "blocking call 'sleep' in event-loop handler 'on_timer' (and 1 more)";
    a.why = "suspends the thread";
    a.fix = "schedule the rest of the work with uv_timer_start";
    a.call = "sleep(1)";
    strcpy(a.fingerprint, "0123456789abcdef");
    AL_VEC_PUSH(f->items, a);
    al_finding b = a;
    b.category = "custom";
    b.severity = AL_SEVERITY_WARNING;
    b.callee = "evil\033[2J\"</script>";
    b.handlers = &handlers[0];
    b.handler_count = 1;
    b.message = "blocking call 'evil\033[2J\"</script>' in event-loop handler 'on_timer'";
    b.call = "evil()";
    strcpy(b.fingerprint, "fedcba9876543210");
    b.fix = "line\nbreak";
    AL_VEC_PUSH(f->items, b);
    al_unit_failure failure = {"/abs/src/broken.c", "/abs/src/broken.c:3:9: error: expected ';'", true};
    AL_VEC_PUSH(f->failures, failure);
    f->summary = (al_summary){12, 1, 340, 9, 2, 0, 0.5, 0, 0};
}

/* The text report (or, with `json`, the JSON one) of f. */
static char *render_with(const al_findings *f, bool json, bool color, bool show_suppressed, bool all_chains)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    al_text_options o = {color, "/abs", show_suppressed, all_chains};
    if (json)
        al_report_json(out, f, "0.1.0");
    else
        al_report_text(out, f, &o);
    fclose(out);
    return text;
}

static char *render(const al_findings *f, bool json, bool color, bool show_suppressed)
{
    return render_with(f, json, color, show_suppressed, false);
}

static char *render_text(const al_findings *f, bool color)
{
    return render(f, false, color, false);
}

static void test_text_is_compiler_style(void **state)
{
    (void)state;
    al_findings f;
    sample(&f);
    char *text = render_text(&f, false);
    const char *want = "src/util.c:42:5: error: blocking call 'sleep' in event-loop handler 'on_timer' (and 1 more) "
                       "[async-lock/sleep]\n"
                       "src/util.c:40:1: note: 'on_timer' runs on the loop thread: annotated asynclock:handler here\n"
                       "src/util.c:42:5: note: also reached from 1 other handler: 'on_read' (--all-chains shows "
                       "their chains)\n"
                       "src/util.c:42:5: note: suggested fix: schedule the rest of the work with uv_timer_start\n"
                       "src/util.c:42:5: warning: blocking call 'evil?[2J\"</script>' in event-loop handler 'on_timer' "
                       "[async-lock/custom]\n"
                       "src/util.c:40:1: note: 'on_timer' runs on the loop thread: annotated asynclock:handler here\n"
                       "src/util.c:42:5: note: suggested fix: line?break\n"
                       "asynclock: partially analyzed: /abs/src/broken.c:3:9: error: expected ';'\n"
                       "asynclock: 2 findings (1 error, 1 warning) from 9 handlers in 12 translation units; 1 of "
                       "them failed: 1 partially analyzed\n";
    assert_string_equal(text, want);
    free(text);
    AL_VEC_FREE(f.items);
    AL_VEC_FREE(f.failures);
}

/* --all-chains: every handler's chain, in the findings' order (the most direct first). */
static void test_text_all_chains(void **state)
{
    (void)state;
    al_findings f;
    sample(&f);
    f.items.count = 1;
    char *text = render_with(&f, false, false, false, true);
    const char *want = "src/util.c:42:5: error: blocking call 'sleep' in event-loop handler 'on_timer' (and 1 more) "
                       "[async-lock/sleep]\n"
                       "src/util.c:40:1: note: 'on_timer' runs on the loop thread: annotated asynclock:handler here\n"
                       "src/server.c:88:3: note: 'on_read' runs on the loop thread: registered as a libuv read "
                       "callback (uv_read_cb) here\n"
                       "src/server.c:30:3: note: 'on_read' calls 'process_line' through field 'conn.on_line'\n"
                       "src/util.c:42:5: note: suggested fix: schedule the rest of the work with uv_timer_start\n";
    assert_non_null(strstr(text, want));
    assert_null(strstr(text, "also reached from"));
    free(text);
    AL_VEC_FREE(f.items);
    AL_VEC_FREE(f.failures);
}

/* Blocking calls in one function, reached by the same chain: each has its error line, the notes are
 * written once. A call in the same function reached another way keeps its own notes. */
static void test_text_groups_sites_of_one_function(void **state)
{
    (void)state;
    al_findings f;
    sample(&f);
    f.items.count = 1;
    al_finding a = f.items.items[0];
    a.handlers = &handlers[1]; /* on_read, through conn.on_line */
    a.handler_count = 1;
    a.message = "blocking call 'sleep' in event-loop handler 'on_read'";
    f.items.items[0] = a;
    al_finding b = a;
    b.loc.line = 43;
    b.callee = "usleep";
    b.message = "blocking call 'usleep' in event-loop handler 'on_read'";
    b.fix = "sleep less"; /* each fix of the group is written once */
    AL_VEC_PUSH(f.items, b);
    al_finding c = b;
    c.loc.line = 44;
    c.handlers = &handlers[0]; /* on_timer: another chain */
    c.message = "blocking call 'usleep' in event-loop handler 'on_timer'";
    AL_VEC_PUSH(f.items, c);
    char *text = render_text(&f, false);
    const char *want =
        "src/util.c:42:5: error: blocking call 'sleep' in event-loop handler 'on_read' [async-lock/sleep]\n"
        "src/util.c:43:5: error: blocking call 'usleep' in event-loop handler 'on_read' "
        "[async-lock/sleep]\n"
        "src/util.c:42:5: note: 2 blocking calls in 'process_line', reached the same way:\n"
        "src/server.c:88:3: note: 'on_read' runs on the loop thread: registered as a libuv read "
        "callback (uv_read_cb) here\n"
        "src/server.c:30:3: note: 'on_read' calls 'process_line' through field 'conn.on_line'\n"
        "src/util.c:42:5: note: suggested fix: schedule the rest of the work with uv_timer_start\n"
        "src/util.c:43:5: note: suggested fix: sleep less\n"
        "src/util.c:44:5: error: blocking call 'usleep' in event-loop handler 'on_timer' "
        "[async-lock/sleep]\n"
        "src/util.c:40:1: note: 'on_timer' runs on the loop thread: annotated asynclock:handler here\n"
        "src/util.c:44:5: note: suggested fix: sleep less\n"
        "asynclock: partially analyzed: ";
    if (strncmp(text, want, strlen(want)) != 0)
        fprintf(stderr, "got:\n%s", text);
    assert_int_equal(strncmp(text, want, strlen(want)), 0);
    assert_non_null(strstr(text, "asynclock: 3 findings (3 errors) from 9 handlers"));
    free(text);
    AL_VEC_FREE(f.items);
    AL_VEC_FREE(f.failures);
}

static void test_text_colour_only_when_asked(void **state)
{
    (void)state;
    al_findings f;
    sample(&f);
    char *plain = render_text(&f, false);
    char *color = render_text(&f, true);
    assert_null(strstr(plain, "\033["));
    assert_non_null(strstr(color, "\033[1;31merror:\033[0m"));
    assert_non_null(strstr(color, "\033[1;35mwarning:\033[0m"));
    /* the escape from the source is still neutralized in colour mode */
    assert_null(strstr(color, "\033[2J"));
    free(plain);
    free(color);
    AL_VEC_FREE(f.items);
    AL_VEC_FREE(f.failures);
}

static void test_empty_report_summary(void **state)
{
    (void)state;
    al_findings f;
    memset(&f, 0, sizeof(f));
    f.summary = (al_summary){1, 0, 3, 1, 0, 0, 0.1, 0, 0};
    char *text = render_text(&f, false);
    assert_string_equal(text, "asynclock: 0 findings from 1 handler in 1 translation unit\n");
    free(text);
}

static void test_json_contract(void **state)
{
    (void)state;
    al_findings f;
    sample(&f);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    al_report_json(out, &f, "0.1.0");
    fclose(out);
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    assert_int_equal(cJSON_GetObjectItem(root, "version")->valueint, 1);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "tool"), "name")->valuestring, "asynclock");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "tool"), "version")->valuestring, "0.1.0");
    cJSON *findings = cJSON_GetObjectItem(root, "findings");
    assert_int_equal(cJSON_GetArraySize(findings), 2);
    cJSON *a = cJSON_GetArrayItem(findings, 0);
    assert_string_equal(cJSON_GetObjectItem(a, "rule")->valuestring, "async-lock");
    assert_string_equal(cJSON_GetObjectItem(a, "category")->valuestring, "sleep");
    assert_string_equal(cJSON_GetObjectItem(a, "severity")->valuestring, "error");
    assert_string_equal(cJSON_GetObjectItem(a, "callee")->valuestring, "sleep");
    cJSON *loc = cJSON_GetObjectItem(a, "location");
    assert_string_equal(cJSON_GetObjectItem(loc, "file")->valuestring, "/abs/src/util.c");
    assert_int_equal(cJSON_GetObjectItem(loc, "line")->valueint, 42);
    assert_int_equal(cJSON_GetObjectItem(loc, "column")->valueint, 5);
    assert_string_equal(cJSON_GetObjectItem(a, "function")->valuestring, "process_line");
    assert_string_equal(cJSON_GetObjectItem(a, "fix")->valuestring,
                        "schedule the rest of the work with uv_timer_start");
    assert_string_equal(cJSON_GetObjectItem(a, "fingerprint")->valuestring, "0123456789abcdef");
    cJSON *h = cJSON_GetArrayItem(cJSON_GetObjectItem(a, "handlers"), 1);
    assert_string_equal(cJSON_GetObjectItem(h, "name")->valuestring, "on_read");
    assert_string_equal(cJSON_GetObjectItem(h, "file")->valuestring, "/abs/src/server.c");
    assert_int_equal(cJSON_GetObjectItem(h, "line")->valueint, 17);
    assert_string_equal(cJSON_GetObjectItem(h, "kind")->valuestring, "libuv read callback (uv_read_cb)");
    assert_string_equal(cJSON_GetObjectItem(h, "context")->valuestring,
                        "registered as a libuv read callback (uv_read_cb) here");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(h, "registered_at"), "line")->valueint, 88);
    cJSON *steps = cJSON_GetObjectItem(h, "chain");
    assert_int_equal(cJSON_GetArraySize(steps), 2);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(steps, 0), "function")->valuestring, "on_read");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(steps, 0), "line")->valueint, 30);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(steps, 0), "via")->valuestring, "field conn.on_line");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(steps, 1), "function")->valuestring, "process_line");
    assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(steps, 1), "via")); /* a direct call */
    /* hostile strings survive as data */
    cJSON *b = cJSON_GetArrayItem(findings, 1);
    assert_string_equal(cJSON_GetObjectItem(b, "callee")->valuestring, "evil\033[2J\"</script>");
    assert_null(strstr(text, "\033"));
    cJSON *summary = cJSON_GetObjectItem(root, "summary");
    assert_int_equal(cJSON_GetObjectItem(summary, "translation_units")->valueint, 12);
    assert_int_equal(cJSON_GetObjectItem(summary, "parse_errors")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(summary, "functions")->valueint, 340);
    assert_int_equal(cJSON_GetObjectItem(summary, "handlers")->valueint, 9);
    assert_int_equal(cJSON_GetObjectItem(summary, "findings")->valueint, 2);
    cJSON *failed = cJSON_GetArrayItem(cJSON_GetObjectItem(summary, "failed_units"), 0);
    assert_string_equal(cJSON_GetObjectItem(failed, "file")->valuestring, "/abs/src/broken.c");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(failed, "partially_analyzed")));
    cJSON_Delete(root);
    free(text);
    AL_VEC_FREE(f.items);
    AL_VEC_FREE(f.failures);
}

/* A step whose object's descriptor does not hold the function it reaches says so, in the text
 * (with the number of functions the call may reach) and as `instance` in JSON. */
static void test_instance_step(void **state)
{
    (void)state;
    al_chain_call through = {"stream_write", {"/abs/src/stream.c", 12, 9}, "field stream.write", 2, "mem_ops"};
    al_chain_call write = {"file_write", {"/abs/src/stream.c", 30, 12}, NULL, 0, NULL};
    al_chain_step steps[] = {{&through, "file_write", NULL, 2, 0, false, true, false},
                             {&write, "fwrite", &steps[0], 2, 0, false, true, false}};
    al_finding_handler handler = handlers[1];
    handler.last = &steps[1];
    handler.chain_length = 2;
    handler.unlikely = true;
    al_findings f;
    sample(&f);
    f.items.count = 1;
    f.items.items[0].handlers = &handler;
    f.items.items[0].handler_count = 1;
    f.items.items[0].certainty = AL_CERTAINTY_UNLIKELY;
    char *text = render(&f, false, false, false);
    assert_non_null(strstr(text, "src/stream.c:12:9: note: 'stream_write' calls 'file_write' through field "
                                 "'stream.write' (one of 2 functions it may call), but the object here was set up "
                                 "from 'mem_ops', which does not hold it\n"));
    free(text);
    text = render(&f, true, false, false);
    cJSON *root = cJSON_Parse(text);
    cJSON *finding = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "findings"), 0);
    assert_string_equal(cJSON_GetObjectItem(finding, "certainty")->valuestring, "unlikely");
    cJSON *chain = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(finding, "handlers"), 0), "chain");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(chain, 0), "instance")->valuestring, "mem_ops");
    assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(chain, 1), "instance"));
    cJSON_Delete(root);
    free(text);
    AL_VEC_FREE(f.items);
    AL_VEC_FREE(f.failures);
}

/* sample() with one finding suppressed by a comment, one unused comment and excluded findings. */
static al_suppression used = {
    "/abs/src/util.c", 41, 8, 42, "asynclock:ignore-next-line", NULL, "warm-up only", true, true, 42, false, false};
static al_suppression unused = {
    "/abs/src/server.c", 5, 20, 5, "NOLINT(async-lock/dns)", ",dns,", NULL, true, false, 5, false, false};

static void sample_suppressed(al_findings *f)
{
    sample(f);
    al_finding s = f->items.items[0];
    s.suppression = &used;
    AL_VEC_PUSH(f->suppressed, s);
    AL_VEC_PUSH(f->unused, &unused);
    f->summary.suppressed = 1;
    f->summary.excluded = 3;
}

static void free_sample(al_findings *f)
{
    AL_VEC_FREE(f->items);
    AL_VEC_FREE(f->suppressed);
    AL_VEC_FREE(f->unused);
    AL_VEC_FREE(f->failures);
}

static void test_suppressed_in_text(void **state)
{
    (void)state;
    al_findings f;
    sample_suppressed(&f);
    char *quiet = render(&f, false, false, false);
    const char *tail = "src/server.c:5:20: note: unused suppression 'NOLINT(async-lock/dns)': no finding on this line\n"
                       "asynclock: partially analyzed: /abs/src/broken.c:3:9: error: expected ';'\n"
                       "asynclock: 2 findings (1 error, 1 warning) from 9 handlers in 12 translation units; 1 "
                       "of them failed: 1 partially analyzed; 1 suppressed (--show-suppressed lists them); 3 "
                       "findings in excluded paths not shown\n";
    assert_non_null(strstr(quiet, tail));
    assert_string_equal(strstr(quiet, tail), tail);
    assert_null(strstr(quiet, "suppressed: "));
    char *shown = render(&f, false, false, true);
    assert_non_null(strstr(shown, "src/util.c:42:5: note: suppressed: blocking call 'sleep' in event-loop handler "
                                  "'on_timer' (and 1 more) [async-lock/sleep]\n"
                                  "src/util.c:41:8: note: by 'asynclock:ignore-next-line': warm-up only\n"
                                  "src/server.c:5:20: note: unused suppression"));
    assert_non_null(strstr(shown, "; 1 suppressed; 3 findings"));
    free(quiet);
    free(shown);
    free_sample(&f);
}

static void test_suppressed_in_json(void **state)
{
    (void)state;
    al_findings f;
    sample_suppressed(&f);
    char *text = render(&f, true, false, false);
    cJSON *root = cJSON_Parse(text);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "findings")), 2); /* unchanged */
    cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "suppressed"), 0);
    assert_string_equal(cJSON_GetObjectItem(s, "callee")->valuestring, "sleep");
    assert_string_equal(cJSON_GetObjectItem(s, "fingerprint")->valuestring, "0123456789abcdef");
    cJSON *why = cJSON_GetObjectItem(s, "suppression");
    assert_string_equal(cJSON_GetObjectItem(why, "file")->valuestring, "/abs/src/util.c");
    assert_int_equal(cJSON_GetObjectItem(why, "line")->valueint, 41);
    assert_int_equal(cJSON_GetObjectItem(why, "column")->valueint, 8);
    assert_string_equal(cJSON_GetObjectItem(why, "comment")->valuestring, "asynclock:ignore-next-line");
    assert_string_equal(cJSON_GetObjectItem(why, "justification")->valuestring, "warm-up only");
    cJSON *u = cJSON_GetObjectItem(root, "unused_suppressions");
    assert_int_equal(cJSON_GetArraySize(u), 1);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(u, 0), "comment")->valuestring,
                        "NOLINT(async-lock/dns)");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(u, 0), "justification")));
    cJSON *summary = cJSON_GetObjectItem(root, "summary");
    assert_int_equal(cJSON_GetObjectItem(summary, "suppressed")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(summary, "excluded")->valueint, 3);
    cJSON_Delete(root);
    free(text);
    free_sample(&f);
}

/* GitLab's documented Code Quality format: an array of objects with string description,
 * check_name and fingerprint, severity one of info|minor|major|critical|blocker, and location with
 * a string path and an integer lines.begin from 1. Unchanged baseline findings are left out. */
static void check_codequality_issue(const cJSON *issue)
{
    assert_true(cJSON_IsObject(issue));
    const char *strings[] = {"description", "check_name", "fingerprint", "severity"};
    for (size_t k = 0; k < 4; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(issue, strings[k]);
        assert_true(cJSON_IsString(v));
        assert_true(strlen(v->valuestring) > 0);
    }
    const char *severity = cJSON_GetObjectItemCaseSensitive(issue, "severity")->valuestring;
    assert_non_null(strstr("|info|minor|major|critical|blocker|", severity));
    const cJSON *location = cJSON_GetObjectItemCaseSensitive(issue, "location");
    assert_true(cJSON_IsObject(location));
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(location, "path")));
    const cJSON *begin = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(location, "lines"), "begin");
    assert_true(cJSON_IsNumber(begin));
    assert_true(begin->valuedouble >= 1 && begin->valuedouble == (double)begin->valueint);
}

static void test_codequality_gitlab_format(void **state)
{
    (void)state;
    al_findings f;
    sample(&f);
    f.source_root = "/abs/src";
    f.items.items[1].baseline = AL_BASELINE_UNCHANGED;
    f.items.items[0].baseline = AL_BASELINE_NEW;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    al_report_codequality(out, &f);
    fclose(out);
    cJSON *root = cJSON_Parse(text);
    assert_true(cJSON_IsArray(root));
    assert_int_equal(cJSON_GetArraySize(root), 1);
    const cJSON *issue = cJSON_GetArrayItem(root, 0);
    check_codequality_issue(issue);
    assert_string_equal(cJSON_GetObjectItem(issue, "check_name")->valuestring, "async-lock/sleep");
    assert_string_equal(cJSON_GetObjectItem(issue, "fingerprint")->valuestring, "0123456789abcdef");
    assert_string_equal(cJSON_GetObjectItem(issue, "severity")->valuestring, "critical");
    const cJSON *location = cJSON_GetObjectItem(issue, "location");
    assert_string_equal(cJSON_GetObjectItem(location, "path")->valuestring, "util.c");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(location, "lines"), "begin")->valueint, 42);
    cJSON_Delete(root);
    free(text);

    /* without a baseline every finding is listed; the warning is "major" */
    f.items.items[1].baseline = AL_BASELINE_NONE;
    out = open_memstream(&text, &len);
    al_report_codequality(out, &f);
    fclose(out);
    root = cJSON_Parse(text);
    assert_int_equal(cJSON_GetArraySize(root), 2);
    check_codequality_issue(cJSON_GetArrayItem(root, 1));
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(root, 1), "severity")->valuestring, "major");
    cJSON_Delete(root);
    free(text);
    AL_VEC_FREE(f.items);
    AL_VEC_FREE(f.failures);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_is_compiler_style),
        cmocka_unit_test(test_text_all_chains),
        cmocka_unit_test(test_text_groups_sites_of_one_function),
        cmocka_unit_test(test_text_colour_only_when_asked),
        cmocka_unit_test(test_empty_report_summary),
        cmocka_unit_test(test_json_contract),
        cmocka_unit_test(test_instance_step),
        cmocka_unit_test(test_suppressed_in_text),
        cmocka_unit_test(test_suppressed_in_json),
        cmocka_unit_test(test_codequality_gitlab_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
