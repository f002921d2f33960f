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
    {"on_read", "process_line", {"/abs/src/server.c", 30, 3}, (char *)"field conn.on_line"},
    {"process_line", "sleep", {"/abs/src/util.c", 42, 5}, NULL},
};
static al_chain_step direct[] = {
    {"on_timer", "sleep", {"/abs/src/util.c", 42, 5}, NULL},
};
static al_finding_handler handlers[] = {
    {"on_timer",
     {"/abs/src/util.c", 40, 1},
     "annotated asynclock:handler",
     {"/abs/src/util.c", 40, 1},
     "annotated asynclock:handler here",
     direct,
     1},
    {"on_read",
     {"/abs/src/server.c", 17, 1},
     "libuv read callback (uv_read_cb)",
     {"/abs/src/server.c", 88, 3},
     "registered as a libuv read callback (uv_read_cb) here",
     chain,
     2},
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
    strcpy(a.fingerprint, "0123456789abcdef");
    AL_VEC_PUSH(f->items, a);
    al_finding b = a;
    b.category = "custom";
    b.severity = AL_SEVERITY_WARNING;
    b.callee = "evil\033[2J\"</script>";
    b.handlers = &handlers[0];
    b.handler_count = 1;
    b.message = "blocking call 'evil\033[2J\"</script>' in event-loop handler 'on_timer'";
    b.fix = "line\nbreak";
    AL_VEC_PUSH(f->items, b);
    al_unit_failure failure = {"/abs/src/broken.c", "/abs/src/broken.c:3:9: error: expected ';'", true};
    AL_VEC_PUSH(f->failures, failure);
    f->summary = (al_summary){12, 1, 340, 9, 2, 0.5};
}

static char *render_text(const al_findings *f, bool color)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    al_text_options o = {color, "/abs"};
    al_report_text(out, f, &o);
    fclose(out);
    return text;
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
                       "src/server.c:88:3: note: 'on_read' runs on the loop thread: registered as a libuv read "
                       "callback (uv_read_cb) here\n"
                       "src/server.c:30:3: note: 'on_read' calls 'process_line' through field 'conn.on_line'\n"
                       "src/util.c:42:5: note: suggested fix: schedule the rest of the work with uv_timer_start\n"
                       "src/util.c:42:5: warning: blocking call 'evil?[2J\"</script>' in event-loop handler 'on_timer' "
                       "[async-lock/custom]\n"
                       "src/util.c:40:1: note: 'on_timer' runs on the loop thread: annotated asynclock:handler here\n"
                       "src/util.c:42:5: note: suggested fix: line?break\n"
                       "asynclock: 2 findings (1 error, 1 warning) from 9 handlers in 12 translation units; 1 "
                       "translation unit had errors (see above)\n";
    assert_string_equal(text, want);
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
    f.summary = (al_summary){1, 0, 3, 1, 0, 0.1};
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_is_compiler_style),
        cmocka_unit_test(test_text_colour_only_when_asked),
        cmocka_unit_test(test_empty_report_summary),
        cmocka_unit_test(test_json_contract),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
