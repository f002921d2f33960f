/* html: the report's text is safe whatever the analyzed code holds (the browser test,
 * html_browser_test.js, checks what the page shows): hostile strings and source lines are escaped,
 * the JSON data block reads back, unreadable sources are tolerated; findings that group as in the
 * text report share a group id. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "observed.h"
#include "report.h"

#define HOSTILE "</script><img src=x onerror=alert(1)><!--"

static char source_path[512], folder[256];

/* A source file whose call line carries hostile text, U+2028 and an invalid UTF-8 byte. */
static void write_source(void)
{
    strcpy(folder, "/tmp/asynclock_test_html_XXXXXX");
    assert_non_null(mkdtemp(folder));
    snprintf(source_path, sizeof source_path, "%s/main.c", folder);
    FILE *f = fopen(source_path, "w");
    assert_non_null(f);
    fputs("#include <unistd.h>\n"
          "static void on_timer(void)\n"
          "{\n"
          "    sleep(1); /* " HOSTILE " \xe2\x80\xa8 \xff */\n"
          "}\n",
          f);
    fclose(f);
}

static al_chain_call calls[1];
static al_chain_step steps[1];
static al_finding_handler handlers[2];

static void sample(al_findings *f)
{
    memset(f, 0, sizeof(*f));
    calls[0] = (al_chain_call){"on_timer", {source_path, 4, 5}, NULL, 0, NULL};
    steps[0] = (al_chain_step){&calls[0], "sleep", NULL, 0, 0, false, false, false};
    handlers[0] = (al_finding_handler){"on_timer",
                                       {source_path, 2, 1},
                                       "libuv timer callback",
                                       "uv",
                                       {source_path, 2, 13},
                                       "registered " HOSTILE,
                                       &steps[0],
                                       1,
                                       0,
                                       0,
                                       0,
                                       false,
                                       false,
                                       {0}};
    handlers[1] = handlers[0];
    handlers[1].registered_at.file = "/nonexistent/unreadable.c";
    al_finding a = {0};
    a.rule = "async-lock";
    a.category = "sleep";
    a.severity = AL_SEVERITY_ERROR;
    a.callee = "sleep";
    a.loc = steps[0].call->loc;
    a.function = "on_timer";
    a.handlers = handlers;
    a.handler_count = 2;
    a.message = "blocking call 'sleep' " HOSTILE;
    a.why = "it's \"quoted\" & <tagged>";
    a.fix = "line\nbreak \xe2\x80\xa9";
    strcpy(a.fingerprint, "0123456789abcdef");
    AL_VEC_PUSH(f->items, a);
    al_unit_failure failure = {"/nonexistent/broken.c", "broken.c:3:9: error: " HOSTILE, false};
    AL_VEC_PUSH(f->failures, failure);
    f->summary = (al_summary){2, 1, 3, 1, 1, 0, 0.25, 0, 0};
    f->source_root = folder;
}

/* The memstream's buffer outlives render() (a local one makes GCC warn of a dangling pointer). */
static char *rendered;
static size_t rendered_length;

static char *render(const al_findings *f, const char *version)
{
    FILE *out = open_memstream(&rendered, &rendered_length);
    al_report_html(out, f, version);
    fclose(out);
    return rendered;
}

static size_t count(const char *haystack, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The data block of a rendered report, parsed (html is cut at its end). */
static cJSON *data_block(char *html)
{
    const char *open = "<script type=\"application/json\" id=\"al-data\">";
    char *start = strstr(html, open);
    assert_non_null(start);
    start += strlen(open);
    char *end = strstr(start, "</script>");
    assert_non_null(end);
    *end = '\0';
    cJSON *data = cJSON_Parse(start);
    assert_non_null(data);
    return data;
}

static void test_hostile_text_is_escaped(void **state)
{
    (void)state;
    write_source();
    al_findings f;
    sample(&f);
    char *html = render(&f, "0.1<b>");
    assert_int_equal(strncmp(html, "<!DOCTYPE html>", 15), 0);
    assert_non_null(strstr(html, "</html>\n"));
    /* only the report's own two scripts end; nothing from the findings opens a tag or a comment */
    assert_int_equal(count(html, "</script>"), 2);
    assert_null(strstr(html, "<img"));
    assert_null(strstr(html, "<!--"));
    assert_null(strstr(html, "\xe2\x80\xa8"));
    assert_null(strstr(html, "\xe2\x80\xa9"));
    assert_null(strstr(html, "\xff"));
    /* the header: version and failed unit as text */
    assert_non_null(strstr(html, "asynclock 0.1&lt;b&gt;</span>"));
    assert_non_null(strstr(html, "error: &lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&lt;!--"));
    free(html);
    AL_VEC_FREE(f.items);
    AL_VEC_FREE(f.failures);
}

static void test_data_block_reads_back(void **state)
{
    (void)state;
    write_source();
    al_findings f;
    sample(&f);
    calls[0].via = "field conn.<on_line>"; /* a call through a pointer */
    char *html = render(&f, "0.1.0");
    calls[0].via = NULL;
    cJSON *data = data_block(html);
    cJSON *strings = cJSON_GetObjectItem(data, "strings");
    cJSON *findings = cJSON_GetObjectItem(data, "findings");
    assert_int_equal(cJSON_GetArraySize(findings), 1);
    cJSON *x = cJSON_GetArrayItem(findings, 0);
    int message = cJSON_GetObjectItem(x, "m")->valueint;
    assert_string_equal(cJSON_GetArrayItem(strings, message)->valuestring, "blocking call 'sleep' " HOSTILE);
    int fix = cJSON_GetObjectItem(x, "x")->valueint;
    assert_string_equal(cJSON_GetArrayItem(strings, fix)->valuestring, "line\nbreak \xe2\x80\xa9");
    /* the source lines around the call: 2..5 of the file (it has 5), the hostile one intact but for
     * the invalid byte, which is U+FFFD */
    int file = cJSON_GetObjectItem(x, "f")->valueint;
    char key[16];
    snprintf(key, sizeof key, "%d", file);
    cJSON *lines = cJSON_GetObjectItem(cJSON_GetObjectItem(data, "sources"), key);
    assert_non_null(lines);
    assert_int_equal(cJSON_GetArraySize(lines), 5);
    assert_string_equal(cJSON_GetObjectItem(lines, "4")->valuestring,
                        "    sleep(1); /* " HOSTILE " \xe2\x80\xa8 \xef\xbf\xbd */");
    /* a step through a pointer carries its via as a sixth member */
    cJSON *step = cJSON_GetArrayItem(cJSON_GetArrayItem(cJSON_GetArrayItem(cJSON_GetObjectItem(x, "h"), 0), 8), 0);
    assert_int_equal(cJSON_GetArraySize(step), 6);
    assert_string_equal(cJSON_GetArrayItem(strings, cJSON_GetArrayItem(step, 5)->valueint)->valuestring,
                        "field conn.<on_line>");
    assert_null(strstr(html, "conn.<on_line>")); /* escaped in the data block */
    /* the unreadable file is named, without source lines */
    cJSON *files = cJSON_GetObjectItem(data, "files");
    int unreadable = cJSON_GetArrayItem(cJSON_GetArrayItem(cJSON_GetObjectItem(x, "h"), 1), 4)->valueint;
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetArrayItem(files, unreadable), 1)->valuestring,
                        "/nonexistent/unreadable.c");
    snprintf(key, sizeof key, "%d", unreadable);
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(data, "sources"), key));
    /* paths are shown relative to the source root */
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetArrayItem(files, file), 0)->valuestring, "main.c");
    cJSON_Delete(data);
    free(html);
    AL_VEC_FREE(f.items);
    AL_VEC_FREE(f.failures);
}

/* Each finding's group id ("gr"), in the order of the data block. */
static void group_ids(const al_findings *f, int *out)
{
    char *html = render(f, "0.1.0");
    cJSON *data = data_block(html);
    cJSON *findings = cJSON_GetObjectItem(data, "findings");
    assert_int_equal(cJSON_GetArraySize(findings), (int)f->items.count);
    for (size_t i = 0; i < f->items.count; i++) {
        cJSON *id = cJSON_GetObjectItem(cJSON_GetArrayItem(findings, (int)i), "gr");
        assert_non_null(id);
        out[i] = id->valueint;
    }
    cJSON_Delete(data);
    free(html);
}

enum { GROUPED = 9 };
static al_chain_call group_calls[GROUPED][2][3];
static al_chain_step group_steps[GROUPED][2][3];
static al_finding_handler group_handlers[GROUPED][2];

/* A handler whose chain is handler > parse (at parse_line) > fn (at 20) > callee (at call_line). */
static al_finding_handler chain_to(size_t n, size_t h, const char *handler, const char *fn, const char *callee,
                                   unsigned parse_line, unsigned call_line)
{
    al_chain_call *c = group_calls[n][h];
    al_chain_step *s = group_steps[n][h];
    c[0] = (al_chain_call){handler, {"/src/auth.c", parse_line, 5}, NULL, 0, NULL};
    c[1] = (al_chain_call){"parse", {"/src/auth.c", 20, 5}, NULL, 0, NULL};
    c[2] = (al_chain_call){fn, {"/src/auth.c", call_line, 5}, NULL, 0, NULL};
    s[0] = (al_chain_step){&c[0], "parse", NULL, 0, 0, false, false, false};
    s[1] = (al_chain_step){&c[1], fn, &s[0], 0, 0, false, false, false};
    s[2] = (al_chain_step){&c[2], callee, &s[1], 0, 0, false, false, false};
    return (al_finding_handler){handler,
                                {"/src/auth.c", 1, 1},
                                "libuv read callback",
                                "uv",
                                {"/src/main.c", h ? 60 : 50, 20},
                                "registered here",
                                &s[2],
                                3,
                                0,
                                0,
                                0,
                                false,
                                false,
                                {0}};
}

static void add_call(al_findings *f, const char *fn, const char *callee, unsigned call_line, unsigned parse_line,
                     const char *other_handler, unsigned other_parse_line)
{
    size_t n = f->items.count;
    assert_true(n < GROUPED);
    group_handlers[n][0] = chain_to(n, 0, "on_read", fn, callee, parse_line, call_line);
    al_finding x = {0};
    x.handler_count = 1;
    if (other_handler) {
        group_handlers[n][1] = chain_to(n, 1, other_handler, fn, callee, other_parse_line, call_line);
        x.handler_count = 2;
    }
    x.rule = "async-lock";
    x.category = "file-io";
    x.severity = AL_SEVERITY_ERROR;
    x.callee = callee;
    x.loc = (al_source_loc){"/src/auth.c", call_line, 5};
    x.function = fn;
    x.handlers = group_handlers[n];
    x.message = "blocking call";
    x.why = "disk";
    x.fix = "uv_fs";
    strcpy(x.fingerprint, "0123456789abcdef");
    AL_VEC_PUSH(f->items, x);
}

static void test_group_ids(void **state)
{
    (void)state;
    al_findings f;
    memset(&f, 0, sizeof f);
    f.source_root = (char *)"/src";
    add_call(&f, "load_auth", "fopen", 30, 10, NULL, 0);       /* 0: three calls reached the same way */
    add_call(&f, "load_auth", "fread", 31, 10, NULL, 0);       /* 0 */
    add_call(&f, "load_auth", "fclose", 32, 10, NULL, 0);      /* 0 */
    add_call(&f, "load_config", "fopen", 33, 10, NULL, 0);     /* 1: another function */
    add_call(&f, "load_auth", "fopen", 34, 11, NULL, 0);       /* 2: another chain to it */
    add_call(&f, "load_auth", "fopen", 35, 11, "on_tick", 12); /* 3: other handlers */
    add_call(&f, "load_auth", "fopen", 36, 11, "on_tick", 13); /* 4: the second handler's chain differs */
    add_call(&f, "load_auth", "fread", 37, 11, "on_tick", 13); /* 4 */
    add_call(&f, "load_auth", "fopen", 38, 10, NULL, 0);       /* 5: as 0-2, but not next to them */
    int ids[GROUPED];
    group_ids(&f, ids);
    int want[GROUPED] = {0, 0, 0, 1, 2, 3, 4, 4, 5};
    for (size_t i = 0; i < GROUPED; i++)
        assert_int_equal(ids[i], want[i]);

    /* with traces, in the order of measured stall (as the text report): fclose (9 ms) first, then the
     * call of another chain (5 ms), so fopen and fread (1 ms each) are a group without fclose */
    al_observations traced = {0};
    static al_observation seen[GROUPED];
    const uint64_t ms[] = {1, 1, 9, 0, 5};
    for (size_t i = 0; i < 5; i++) {
        seen[i].stall = (al_stall){1, ms[i] * 1000000, 0, 0, 0, 0};
        f.items.items[i].observed = ms[i] ? &seen[i] : NULL;
    }
    f.observations = &traced;
    group_ids(&f, ids);
    int traced_want[GROUPED] = {2, 2, 0, 3, 1, 4, 5, 5, 6};
    for (size_t i = 0; i < GROUPED; i++)
        assert_int_equal(ids[i], traced_want[i]);
    AL_VEC_FREE(f.items);
}

static void test_empty_report(void **state)
{
    (void)state;
    al_findings f;
    memset(&f, 0, sizeof f);
    char *html = render(&f, "0.1.0");
    assert_non_null(strstr(html, "\"findings\":[\n]"));
    assert_non_null(strstr(html, "<span class=\"num\">0</span><span class=\"lbl\">findings</span>"));
    assert_null(strstr(html, "n-suppressed")); /* shown only when there are some */
    assert_null(strstr(html, "n-excluded"));
    free(html);
    f.summary.suppressed = 2;
    f.summary.excluded = 12;
    html = render(&f, "0.1.0");
    assert_non_null(strstr(html, "id=\"n-suppressed\"><span class=\"num\">2</span><span class=\"lbl\">suppressed"));
    assert_non_null(
        strstr(html, "id=\"n-excluded\"><span class=\"num\">12</span><span class=\"lbl\">in excluded paths"));
    free(html);
}

static int remove_folder(void **state)
{
    (void)state;
    if (*source_path)
        unlink(source_path);
    if (*folder)
        rmdir(folder);
    *source_path = *folder = '\0';
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_hostile_text_is_escaped, remove_folder),
        cmocka_unit_test_teardown(test_data_block_reads_back, remove_folder),
        cmocka_unit_test(test_group_ids),
        cmocka_unit_test(test_empty_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
