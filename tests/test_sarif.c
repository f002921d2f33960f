/* sarif: the SARIF 2.1.0 report read back with cJSON: rules, levels, regions, %SRCROOT%-relative
 * URIs, code flows, fingerprints that ignore line numbers, escaping. Also writes the sample to
 * AL_TEST_WORK_DIR/sample.sarif, which the sarif/validate test hands to the SARIF Multitool. */
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
#include "test_helpers.h"

#define ROOT "/abs/my project"
#define UTIL ROOT "/src/my util.c"
#define SERVER ROOT "/src/server.c"
#define OUTSIDE "/usr/include/evil#header.h"
#define HOSTILE "evil\033[2J\"</script>\n'](1)"

/* Every line of the sample is moved by `shift`: the fingerprints must not change. */
typedef struct sample {
    al_chain_call calls[4];
    al_chain_step chain[2], direct[1], outside[1];
    al_finding_handler handlers[3];
    al_findings f;
} sample;

static void sample_build(sample *s, unsigned shift)
{
    memset(s, 0, sizeof(*s));
    s->calls[0] = (al_chain_call){"on_read", {SERVER, 30 + shift, 3}, "field conn.on_line", 1, NULL};
    s->calls[1] = (al_chain_call){"process_line", {UTIL, 42 + shift, 5}, NULL, 0, NULL};
    s->calls[2] = (al_chain_call){"on_timer", {UTIL, 42 + shift, 5}, NULL, 0, NULL};
    s->calls[3] = (al_chain_call){"on_timer", {OUTSIDE, 7 + shift, 9}, NULL, 0, NULL};
    s->chain[0] = (al_chain_step){&s->calls[0], "process_line", NULL, 1, 0, false, false, false};
    s->chain[1] = (al_chain_step){&s->calls[1], "sleep", &s->chain[0], 1, 0, false, false, false};
    s->direct[0] = (al_chain_step){&s->calls[2], "sleep", NULL, 0, 0, false, false, false};
    s->outside[0] = (al_chain_step){&s->calls[3], HOSTILE, NULL, 0, 0, false, false, false};
    s->handlers[0] = (al_finding_handler){"on_timer",
                                          {UTIL, 40 + shift, 1},
                                          "annotated asynclock:handler",
                                          "",
                                          {UTIL, 40 + shift, 1},
                                          "annotated asynclock:handler here",
                                          &s->direct[0],
                                          1,
                                          0,
                                          0,
                                          0,
                                          false,
                                          false,
                                          {0}};
    s->handlers[1] = (al_finding_handler){"on_read",
                                          {SERVER, 17 + shift, 1},
                                          "libuv read callback (uv_read_cb)",
                                          "uv",
                                          {SERVER, 88 + shift, 3},
                                          "registered as a libuv read callback (uv_read_cb) here",
                                          &s->chain[1],
                                          2,
                                          1,
                                          0,
                                          0,
                                          false,
                                          false,
                                          {0}};
    s->handlers[2] = s->handlers[0];
    s->handlers[2].last = &s->outside[0];

    al_finding a = {0};
    a.rule = "async-lock";
    a.category = "sleep";
    a.severity = AL_SEVERITY_ERROR;
    a.callee = "sleep";
    a.loc = (al_source_loc){UTIL, 42 + shift, 5};
    a.function = "process_line";
    a.handlers = s->handlers;
    a.handler_count = 2;
    a.message = "blocking call 'sleep' in event-loop handler 'on_timer' (and 1 more)";
    a.why = "suspends the thread";
    a.fix = "schedule the rest of the work with uv_timer_start";
    strcpy(a.fingerprint, "0123456789abcdef");
    AL_VEC_PUSH(s->f.items, a);

    al_finding b = a;
    b.category = "custom";
    b.severity = AL_SEVERITY_WARNING;
    b.callee = HOSTILE;
    b.loc = (al_source_loc){OUTSIDE, 7 + shift, 9};
    b.function = "on_timer";
    b.handlers = &s->handlers[2];
    b.handler_count = 1;
    b.message = "blocking call '" HOSTILE "' in event-loop handler 'on_timer'";
    b.fix = "line\nbreak";
    strcpy(b.fingerprint, "fedcba9876543210");
    AL_VEC_PUSH(s->f.items, b);

    al_finding c = a;
    c.category = "file-io";
    c.severity = AL_SEVERITY_NOTE;
    c.callee = "fsync";
    c.loc = (al_source_loc){SERVER, 50 + shift, 7};
    c.function = "on_read";
    c.handlers = &s->handlers[1];
    c.handler_count = 1;
    c.message = "blocking call 'fsync' in event-loop handler 'on_read'";
    strcpy(c.fingerprint, "00000000000000aa");
    AL_VEC_PUSH(s->f.items, c);

    al_unit_failure failure = {ROOT "/src/broken.c", ROOT "/src/broken.c:3:9: error: expected ';'", true};
    AL_VEC_PUSH(s->f.failures, failure);
    s->f.summary = (al_summary){12, 1, 340, 9, 3, 0, 0.5, 0, 0};
    s->f.source_root = ROOT;
}

static void sample_free(sample *s)
{
    AL_VEC_FREE(s->f.items);
    AL_VEC_FREE(s->f.failures);
}

static char *render(const al_findings *f, const char *source_root)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    al_sarif_options o = {source_root, "0.1.0"};
    al_report_sarif(out, f, &o);
    fclose(out);
    return text;
}

static cJSON *get(cJSON *o, const char *path)
{
    /* "a.b.0.c": object keys and array indexes */
    char *copy = strdup(path);
    for (char *part = strtok(copy, "."); part && o; part = strtok(NULL, "."))
        o = (*part >= '0' && *part <= '9') ? cJSON_GetArrayItem(o, atoi(part)) : cJSON_GetObjectItem(o, part);
    free(copy);
    return o;
}

static const char *str(cJSON *o, const char *path)
{
    cJSON *x = get(o, path);
    assert_non_null(x);
    assert_true(cJSON_IsString(x));
    return x->valuestring;
}

static int num(cJSON *o, const char *path)
{
    cJSON *x = get(o, path);
    assert_non_null(x);
    assert_true(cJSON_IsNumber(x));
    return x->valueint;
}

static void test_rules_for_every_category(void **state)
{
    (void)state;
    sample s;
    sample_build(&s, 0);
    char *text = render(&s.f, NULL);
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    assert_string_equal(str(root, "version"), "2.1.0");
    assert_string_equal(str(root, "$schema"), "https://json.schemastore.org/sarif-2.1.0.json");
    assert_int_equal(cJSON_GetArraySize(get(root, "runs")), 1);
    cJSON *driver = get(root, "runs.0.tool.driver");
    assert_string_equal(str(driver, "name"), "asynclock");
    assert_string_equal(str(driver, "version"), "0.1.0");
    assert_string_equal(str(driver, "semanticVersion"), "0.1.0");
    static const char *const ids[] = {"async-lock/sleep",   "async-lock/file-io",     "async-lock/dns",
                                      "async-lock/process", "async-lock/sync",        "async-lock/database",
                                      "async-lock/http",    "async-lock/nested-loop", "async-lock/network",
                                      "async-lock/custom"};
    cJSON *rules = get(driver, "rules");
    assert_int_equal(cJSON_GetArraySize(rules), 10);
    for (int i = 0; i < 10; i++) {
        cJSON *r = cJSON_GetArrayItem(rules, i);
        assert_string_equal(str(r, "id"), ids[i]);
        const char *name = str(r, "name");
        assert_true(name[0] >= 'A' && name[0] <= 'Z');
        assert_null(strchr(name, '-'));
        assert_true(strlen(str(r, "shortDescription.text")) > 10);
        assert_true(strlen(str(r, "fullDescription.text")) > 10);
        assert_non_null(strstr(str(r, "help.text"), "Fix: "));
        assert_non_null(strstr(str(r, "help.markdown"), "## How to fix"));
        assert_non_null(strstr(str(r, "helpUri"), "/docs/"));
        assert_string_equal(str(r, "defaultConfiguration.level"), "error");
        assert_string_equal(str(r, "properties.tags.0"), "concurrency");
        assert_string_equal(str(r, "properties.tags.2"), "event-loop");
        assert_string_equal(str(r, "properties.precision"), "high");
    }
    assert_string_equal(str(root, "runs.0.columnKind"), "utf16CodeUnits");
    assert_true(cJSON_IsTrue(get(root, "runs.0.invocations.0.executionSuccessful")));
    /* the counts say the program was only partly analyzed */
    assert_int_equal(get(root, "runs.0.invocations.0.properties.translationUnits")->valueint, 12);
    assert_int_equal(get(root, "runs.0.invocations.0.properties.failedUnits")->valueint, 1);
    assert_int_equal(get(root, "runs.0.invocations.0.properties.partiallyAnalyzedUnits")->valueint, 1);
    assert_int_equal(get(root, "runs.0.invocations.0.properties.notAnalyzedUnits")->valueint, 0);
    cJSON *note = get(root, "runs.0.invocations.0.toolExecutionNotifications.0");
    assert_string_equal(str(note, "level"), "warning");
    assert_non_null(strstr(str(note, "message.text"), "expected ';'"));
    assert_string_equal(str(note, "locations.0.physicalLocation.artifactLocation.uri"), "src/broken.c");
    cJSON_Delete(root);
    free(text);
    sample_free(&s);
}

static void test_results_levels_regions_and_uris(void **state)
{
    (void)state;
    sample s;
    sample_build(&s, 0);
    char *text = render(&s.f, NULL);
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    assert_string_equal(str(root, "runs.0.originalUriBaseIds.%SRCROOT%.uri"), "file:///abs/my%20project/");
    cJSON *results = get(root, "runs.0.results");
    assert_int_equal(cJSON_GetArraySize(results), 3);

    cJSON *a = cJSON_GetArrayItem(results, 0);
    assert_string_equal(str(a, "ruleId"), "async-lock/sleep");
    assert_int_equal(num(a, "ruleIndex"), 0);
    assert_string_equal(str(a, "level"), "error");
    assert_string_equal(str(a, "message.text"),
                        "blocking call 'sleep' in event-loop handler 'on_timer' (and 1 more). Suggested fix: schedule "
                        "the rest of the work with uv_timer_start.");
    cJSON *pl = get(a, "locations.0.physicalLocation");
    assert_string_equal(str(pl, "artifactLocation.uri"), "src/my%20util.c");
    assert_string_equal(str(pl, "artifactLocation.uriBaseId"), "%SRCROOT%");
    assert_int_equal(num(pl, "region.startLine"), 42);
    assert_int_equal(num(pl, "region.startColumn"), 5);
    assert_int_equal(num(pl, "region.endLine"), 42);
    assert_int_equal(num(pl, "region.endColumn"), 10); /* 5 + strlen("sleep") */
    assert_string_equal(str(a, "locations.0.logicalLocations.0.name"), "process_line");
    assert_string_equal(str(a, "locations.0.logicalLocations.0.kind"), "function");
    assert_string_equal(str(a, "properties.category"), "sleep");
    assert_string_equal(str(a, "properties.callee"), "sleep");
    assert_string_equal(str(a, "properties.handlers.0"), "on_timer");
    assert_string_equal(str(a, "properties.handlers.1"), "on_read");

    cJSON *b = cJSON_GetArrayItem(results, 1);
    assert_string_equal(str(b, "ruleId"), "async-lock/custom");
    assert_int_equal(num(b, "ruleIndex"), 9);
    assert_string_equal(str(b, "level"), "warning");
    /* outside the source root: an absolute file URI, escaped, without a base */
    pl = get(b, "locations.0.physicalLocation");
    assert_string_equal(str(pl, "artifactLocation.uri"), "file:///usr/include/evil%23header.h");
    assert_null(get(pl, "artifactLocation.uriBaseId"));

    cJSON *c = cJSON_GetArrayItem(results, 2);
    assert_string_equal(str(c, "ruleId"), "async-lock/file-io");
    assert_int_equal(num(c, "ruleIndex"), 1);
    assert_string_equal(str(c, "level"), "note");
    assert_string_equal(str(c, "locations.0.physicalLocation.artifactLocation.uri"), "src/server.c");
    cJSON_Delete(root);
    free(text);

    /* an explicit --source-root wins over the findings' own */
    text = render(&s.f, "/abs/");
    root = cJSON_Parse(text);
    assert_string_equal(str(root, "runs.0.originalUriBaseIds.%SRCROOT%.uri"), "file:///abs/");
    assert_string_equal(str(root, "runs.0.results.0.locations.0.physicalLocation.artifactLocation.uri"),
                        "my%20project/src/my%20util.c");
    cJSON_Delete(root);
    free(text);
    sample_free(&s);
}

static void test_code_flows_and_related_locations(void **state)
{
    (void)state;
    sample s;
    sample_build(&s, 0);
    char *text = render(&s.f, NULL);
    cJSON *root = cJSON_Parse(text);
    cJSON *a = get(root, "runs.0.results.0");
    assert_int_equal(cJSON_GetArraySize(get(a, "codeFlows")), 2);
    /* on_read: its registration, then each call of the chain in order */
    cJSON *steps = get(a, "codeFlows.1.threadFlows.0.locations");
    assert_int_equal(cJSON_GetArraySize(steps), 3);
    assert_string_equal(str(steps, "0.location.message.text"),
                        "'on_read' runs on the loop thread: registered as a libuv read callback (uv_read_cb) here.");
    assert_string_equal(str(steps, "0.location.physicalLocation.artifactLocation.uri"), "src/server.c");
    assert_int_equal(num(steps, "0.location.physicalLocation.region.startLine"), 88);
    assert_string_equal(str(steps, "1.location.message.text"),
                        "'on_read' calls 'process_line' through field conn.on_line.");
    assert_int_equal(num(steps, "1.location.physicalLocation.region.startLine"), 30);
    assert_int_equal(num(steps, "1.location.physicalLocation.region.endColumn"), 3 + 12);
    assert_string_equal(str(steps, "2.location.message.text"), "'process_line' calls 'sleep', which blocks.");
    assert_int_equal(num(steps, "2.location.physicalLocation.region.startLine"), 42);
    for (int i = 0; i < 3; i++) {
        cJSON *step = cJSON_GetArrayItem(steps, i);
        assert_int_equal(num(step, "executionOrder"), i + 1);
        assert_int_equal(num(step, "nestingLevel"), i > 0 ? i - 1 : 0);
    }
    /* on_timer calls sleep itself */
    steps = get(a, "codeFlows.0.threadFlows.0.locations");
    assert_int_equal(cJSON_GetArraySize(steps), 2);
    assert_string_equal(str(steps, "1.location.message.text"), "'on_timer' calls 'sleep', which blocks.");

    /* on_timer is annotated (one place), on_read defined and registered apart (two) */
    cJSON *related = get(a, "relatedLocations");
    assert_int_equal(cJSON_GetArraySize(related), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(num(related, i == 0 ? "0.id" : i == 1 ? "1.id" : "2.id"), i + 1);
    assert_non_null(strstr(str(related, "0.message.text"), "'on_timer' is defined here"));
    assert_int_equal(num(related, "1.physicalLocation.region.startLine"), 17);
    assert_non_null(strstr(str(related, "1.message.text"), "'on_read'"));
    assert_int_equal(num(related, "2.physicalLocation.region.startLine"), 88);
    cJSON_Delete(root);
    free(text);
    sample_free(&s);
}

static void test_fingerprints_ignore_lines(void **state)
{
    (void)state;
    sample s1, s2;
    sample_build(&s1, 0);
    sample_build(&s2, 25);
    char *t1 = render(&s1.f, NULL), *t2 = render(&s2.f, NULL);
    cJSON *r1 = cJSON_Parse(t1), *r2 = cJSON_Parse(t2);
    for (int i = 0; i < 3; i++) {
        char path[64];
        snprintf(path, sizeof(path), "runs.0.results.%d.partialFingerprints", i);
        cJSON *p1 = get(r1, path), *p2 = get(r2, path);
        assert_non_null(p1);
        assert_non_null(cJSON_GetObjectItem(p1, "primaryLocationLineHash"));
        assert_non_null(cJSON_GetObjectItem(p1, "asyncLockFingerprint/v2"));
        assert_true(cJSON_Compare(p1, p2, true));
        snprintf(path, sizeof(path), "runs.0.results.%d.locations.0.physicalLocation.region.startLine", i);
        assert_int_equal(num(r1, path) + 25, num(r2, path));
    }
    assert_string_equal(str(r1, "runs.0.results.0.partialFingerprints.primaryLocationLineHash"), "0123456789abcdef:1");
    assert_string_equal(str(r1, "runs.0.results.0.partialFingerprints.asyncLockFingerprint/v2"), "0123456789abcdef");
    cJSON_Delete(r1);
    cJSON_Delete(r2);
    free(t1);
    free(t2);
    sample_free(&s1);
    sample_free(&s2);
}

static void test_escaping_and_determinism(void **state)
{
    (void)state;
    sample s;
    sample_build(&s, 0);
    char *text = render(&s.f, NULL);
    char *again = render(&s.f, NULL);
    assert_string_equal(text, again);
    /* no raw control character from the sources reaches the file */
    assert_null(strchr(text, '\033'));
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    cJSON *b = get(root, "runs.0.results.1");
    assert_string_equal(str(b, "properties.callee"), HOSTILE);
    assert_string_equal(str(b, "message.text"),
                        "blocking call '" HOSTILE "' in event-loop handler 'on_timer'. Suggested fix: line\nbreak.");
    assert_int_equal(num(b, "locations.0.physicalLocation.region.endColumn"), 9 + (int)strlen(HOSTILE));
    assert_string_equal(str(b, "codeFlows.0.threadFlows.0.locations.1.location.message.text"),
                        "'on_timer' calls '" HOSTILE "', which blocks.");

    /* the sample, for the SARIF Multitool (tests/sarif_validate.sh) */
    test_mkdirs(AL_TEST_WORK_DIR);
    char *path = al_xasprintf("%s/sample.sarif", AL_TEST_WORK_DIR);
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs(text, out);
    fclose(out);
    free(path);
    cJSON_Delete(root);
    free(text);
    free(again);
    sample_free(&s);
}

/* Regions count UTF-16 code units, as columnKind says: libclang's byte columns are converted by
 * reading the line (é is 2 bytes and 1 unit, an emoji 4 bytes and 2 units). */
static void test_columns_are_utf16(void **state)
{
    (void)state;
    test_mkdirs(AL_TEST_WORK_DIR);
    char *path = test_write("utf16.c", "void f(void)\n"
                                       "{\n"
                                       "    /* \xc3\xa9\xf0\x9f\x98\x80 */ usleep(1);\n"
                                       "}\n");
    al_findings f;
    memset(&f, 0, sizeof(f));
    al_finding x = {0};
    x.rule = "async-lock";
    x.category = "sleep";
    x.severity = AL_SEVERITY_ERROR;
    x.callee = "usleep";
    x.loc = (al_source_loc){path, 3, 18}; /* byte column of usleep */
    x.function = "f";
    x.message = "blocking call 'usleep' in event-loop handler 'f'";
    x.why = "w";
    x.fix = "f";
    strcpy(x.fingerprint, "0123456789abcdef");
    AL_VEC_PUSH(f.items, x);
    f.source_root = AL_TEST_WORK_DIR;
    char *text = render(&f, NULL);
    cJSON *root = cJSON_Parse(text);
    assert_string_equal(str(root, "runs.0.columnKind"), "utf16CodeUnits");
    assert_int_equal(num(root, "runs.0.results.0.locations.0.physicalLocation.region.startColumn"), 15);
    assert_int_equal(num(root, "runs.0.results.0.locations.0.physicalLocation.region.endColumn"), 21);
    cJSON_Delete(root);
    free(text);
    AL_VEC_FREE(f.items);
    free(path);
}

static void test_empty_report(void **state)
{
    (void)state;
    al_findings f;
    memset(&f, 0, sizeof(f));
    char *text = render(&f, NULL);
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    assert_int_equal(cJSON_GetArraySize(get(root, "runs.0.results")), 0);
    assert_int_equal(cJSON_GetArraySize(get(root, "runs.0.tool.driver.rules")), 10);
    assert_null(get(root, "runs.0.originalUriBaseIds"));
    assert_null(get(root, "runs.0.invocations.0.toolExecutionNotifications"));
    assert_int_equal(get(root, "runs.0.invocations.0.properties.failedUnits")->valueint, 0);
    cJSON_Delete(root);
    free(text);
}

static void test_suppressed_results(void **state)
{
    (void)state;
    sample s;
    sample_build(&s, 0);
    al_suppression comment = {UTIL, 41, 8,     42,   "asynclock:ignore-next-line", NULL, "warm-up only", true,
                              true, 42, false, false};
    al_finding x = s.f.items.items[2];
    x.suppression = &comment;
    AL_VEC_PUSH(s.f.suppressed, x);
    s.f.items.count = 2;
    char *text = render(&s.f, NULL);
    cJSON *root = cJSON_Parse(text);
    cJSON *results = get(root, "runs.0.results");
    /* suppressed results are in the log, after the others, marked as suppressed in source */
    assert_int_equal(cJSON_GetArraySize(results), 3);
    assert_null(get(results, "0.suppressions"));
    assert_null(get(results, "1.suppressions"));
    cJSON *r = cJSON_GetArrayItem(results, 2);
    assert_string_equal(str(r, "properties.callee"), "fsync");
    assert_int_equal(cJSON_GetArraySize(get(r, "suppressions")), 1);
    assert_string_equal(str(r, "suppressions.0.kind"), "inSource");
    assert_string_equal(str(r, "suppressions.0.justification"), "warm-up only");
    cJSON *pl = get(r, "suppressions.0.location.physicalLocation");
    assert_string_equal(str(pl, "artifactLocation.uri"), "src/my%20util.c");
    assert_int_equal(num(pl, "region.startLine"), 41);
    assert_int_equal(num(pl, "region.startColumn"), 8);
    /* no justification: none written */
    comment.reason = NULL;
    free(text);
    cJSON_Delete(root);
    text = render(&s.f, NULL);
    root = cJSON_Parse(text);
    assert_string_equal(str(root, "runs.0.results.2.suppressions.0.kind"), "inSource");
    assert_null(get(root, "runs.0.results.2.suppressions.0.justification"));
    cJSON_Delete(root);
    free(text);
    AL_VEC_FREE(s.f.suppressed);
    sample_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_for_every_category),
        cmocka_unit_test(test_results_levels_regions_and_uris),
        cmocka_unit_test(test_code_flows_and_related_locations),
        cmocka_unit_test(test_fingerprints_ignore_lines),
        cmocka_unit_test(test_escaping_and_determinism),
        cmocka_unit_test(test_columns_are_utf16),
        cmocka_unit_test(test_empty_report),
        cmocka_unit_test(test_suppressed_results),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
