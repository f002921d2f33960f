/* baseline: call texts, entries from findings, the file read back, new/unchanged/gone, and the
 * one-line errors for corrupt or foreign baselines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "baseline.h"
#include "test_helpers.h"

static void test_call_text_collapses_whitespace_and_comments(void **state)
{
    (void)state;
    const char *text = "int x;\n"
                       "void f(void) {\n"
                       "    n = read( fd ,\n"
                       "              buf /* the buffer */, sizeof buf);\n"
                       "    usleep(\"a )( b\"[0] + ')'); // done\n"
                       "    cb->fn (x);\n"
                       "}\n";
    char *call = al_findings_call_text(text, 3, 9);
    assert_string_equal(call, "read(fd,buf,sizeof buf)");
    free(call);
    call = al_findings_call_text(text, 5, 5);
    assert_string_equal(call, "usleep(\"a )( b\"[0]+')')");
    free(call);
    call = al_findings_call_text(text, 6, 5);
    assert_string_equal(call, "cb->fn(x)");
    free(call);
    /* not at a call: an assignment's left side, past the end, an unbalanced call */
    assert_null(al_findings_call_text(text, 1, 1));
    assert_null(al_findings_call_text(text, 40, 1));
    assert_null(al_findings_call_text("f(a, (b)", 1, 1));
    assert_null(al_findings_call_text(NULL, 1, 1));
}

static al_chain_step step = {
    &(al_chain_call){"on_tick", {"/src/a.c", 10, 5}, NULL, 0, NULL}, "sleep", NULL, 0, 0, false, false, false};
static al_finding_handler handler = {"on_tick",
                                     {"/src/a.c", 8, 1},
                                     "libuv timer callback",
                                     "uv",
                                     {"/src/main.c", 3, 1},
                                     NULL,
                                     &step,
                                     1,
                                     0,
                                     0,
                                     0,
                                     false,
                                     false,
                                     {0}};

static al_finding finding(const char *file, unsigned line, const char *call, const char *fingerprint)
{
    al_finding f = {0};
    f.rule = "async-lock";
    f.category = "sleep";
    f.severity = AL_SEVERITY_ERROR;
    f.callee = "sleep";
    f.loc = (al_source_loc){file, line, 5};
    f.function = "on_tick";
    f.handlers = &handler;
    f.handler_count = 1;
    f.call = (char *)call;
    strcpy(f.fingerprint, fingerprint);
    return f;
}

static void sample(al_findings *f)
{
    memset(f, 0, sizeof(*f));
    f->source_root = "/src";
    /* the same identity twice (a multiset entry of count 2), and one other */
    AL_VEC_PUSH(f->items, finding("/src/b.c", 4, "sleep(2)", "00000000000000bb"));
    AL_VEC_PUSH(f->items, finding("/src/a.c", 10, "sleep(1)", "00000000000000aa"));
    AL_VEC_PUSH(f->items, finding("/src/a.c", 20, "sleep(1)", "00000000000000aa"));
}

static char *write_entries(const al_baseline_entries *e)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    al_baseline_write(out, e, "9.9");
    fclose(out);
    return text;
}

static void test_entries_round_trip_and_keep_reasons(void **state)
{
    (void)state;
    al_findings f;
    sample(&f);
    al_baseline_entries entries;
    al_baseline_from_findings(&entries, &f, NULL);
    assert_int_equal(entries.count, 2);
    /* ordered by file: a.c first, its two findings in one entry */
    assert_string_equal(entries.items[0].file, "a.c");
    assert_string_equal(entries.items[0].fingerprint, "00000000000000aa");
    assert_int_equal(entries.items[0].count, 2);
    assert_string_equal(entries.items[0].call, "sleep(1)");
    assert_string_equal(entries.items[0].handler, "on_tick");
    assert_null(entries.items[0].reason);
    assert_string_equal(entries.items[1].file, "b.c");
    assert_int_equal(entries.items[1].count, 1);

    /* a person writes a reason; regenerating keeps it */
    entries.items[1].reason = al_xstrdup("startup only, before the loop runs");
    char *text = write_entries(&entries);
    assert_non_null(strstr(text, "\"tool\":\t\"asynclock 9.9\""));
    char *path = test_write("round-trip.json", text);
    free(text);
    al_baseline_entries loaded;
    char *error = NULL;
    assert_true(al_baseline_load(&loaded, path, &error));
    assert_int_equal(loaded.count, 2);
    assert_int_equal(loaded.items[0].count, 2);
    assert_string_equal(loaded.items[1].reason, "startup only, before the loop runs");
    assert_string_equal(loaded.items[1].category, "sleep");
    al_baseline_entries again;
    al_baseline_from_findings(&again, &f, &loaded);
    assert_string_equal(again.items[1].reason, "startup only, before the loop runs");
    assert_null(again.items[0].reason);
    al_baseline_free(&again);
    al_baseline_free(&loaded);
    al_baseline_free(&entries);
    free(path);
    AL_VEC_FREE(f.items);
}

static void test_apply_marks_new_unchanged_and_gone(void **state)
{
    (void)state;
    al_findings f;
    sample(&f);
    al_baseline_entries baseline;
    al_baseline_from_findings(&baseline, &f, NULL);
    /* today: one of the two identical calls is fixed, b.c's stays, a new one appears */
    f.items.count = 0;
    AL_VEC_PUSH(f.items, finding("/src/b.c", 9, "sleep(2)", "00000000000000bb"));
    AL_VEC_PUSH(f.items, finding("/src/a.c", 12, "sleep(1)", "00000000000000aa"));
    AL_VEC_PUSH(f.items, finding("/src/c.c", 1, "sleep(3)", "00000000000000cc"));
    al_baseline_apply(&f, &baseline);
    assert_true(f.baselined);
    assert_int_equal(f.items.items[0].baseline, AL_BASELINE_UNCHANGED);
    assert_int_equal(f.items.items[1].baseline, AL_BASELINE_UNCHANGED);
    assert_int_equal(f.items.items[2].baseline, AL_BASELINE_NEW);
    assert_int_equal(f.gone.count, 1);
    assert_string_equal(f.gone.items[0].fingerprint, "00000000000000aa");
    assert_int_equal(f.gone.items[0].count, 1);
    /* only the new finding fails the check */
    assert_true(al_findings_fail(&f, AL_SEVERITY_WARNING));
    f.items.count = 2;
    assert_false(al_findings_fail(&f, AL_SEVERITY_WARNING));
    /* a second identical call beyond the baseline's count is new */
    AL_VEC_PUSH(f.items, finding("/src/b.c", 30, "sleep(2)", "00000000000000bb"));
    for (size_t i = 0; i < f.gone.count; i++)
        al_baseline_entry_free(&f.gone.items[i]);
    f.gone.count = 0;
    al_baseline_apply(&f, &baseline);
    assert_int_equal(f.items.items[2].baseline, AL_BASELINE_NEW);
    for (size_t i = 0; i < f.gone.count; i++)
        al_baseline_entry_free(&f.gone.items[i]);
    AL_VEC_FREE(f.gone);
    AL_VEC_FREE(f.items);
    al_baseline_free(&baseline);
}

/* An entry of asynclock 0.1, whose fingerprint also hashed the first handler, still matches a
 * finding of the same rule, category, file, function and call; and its reason carries over. */
static void test_entries_of_older_fingerprints_match_by_identity(void **state)
{
    (void)state;
    al_findings f;
    sample(&f);
    al_baseline_entries old;
    al_baseline_from_findings(&old, &f, NULL);
    strcpy(old.items[0].fingerprint, "0123456789abcdef"); /* a.c's sleep(1) x2, fingerprinted otherwise */
    old.items[0].reason = al_xstrdup("accepted in 0.1");
    al_baseline_apply(&f, &old);
    for (size_t i = 0; i < f.items.count; i++)
        assert_int_equal(f.items.items[i].baseline, AL_BASELINE_UNCHANGED);
    assert_int_equal(f.gone.count, 0);
    al_baseline_entries again;
    al_baseline_from_findings(&again, &f, &old);
    assert_string_equal(again.items[0].fingerprint, "00000000000000aa"); /* today's fingerprint */
    assert_string_equal(again.items[0].reason, "accepted in 0.1");
    /* another call in the same function is not matched by the identity */
    f.items.items[2].call = "sleep(9)";
    for (size_t i = 0; i < f.items.count; i++)
        f.items.items[i].baseline = AL_BASELINE_NONE;
    al_baseline_apply(&f, &old);
    assert_int_equal(f.items.items[2].baseline, AL_BASELINE_NEW);
    assert_int_equal(f.gone.count, 1);
    for (size_t i = 0; i < f.gone.count; i++)
        al_baseline_entry_free(&f.gone.items[i]);
    AL_VEC_FREE(f.gone);
    al_baseline_free(&again);
    al_baseline_free(&old);
    AL_VEC_FREE(f.items);
}

static void expect_load_error(const char *name, const char *text, const char *message)
{
    char *path = test_write(name, text);
    al_baseline_entries e;
    char *error = NULL;
    assert_false(al_baseline_load(&e, path, &error));
    assert_int_equal(e.count, 0);
    char *expected = al_xasprintf("%s:%s", path, message);
    assert_string_equal(error, expected);
    assert_null(strchr(error, '\n'));
    free(expected);
    free(error);
    free(path);
}

static void test_corrupt_or_foreign_baselines(void **state)
{
    (void)state;
    expect_load_error("truncated.json", "{\"version\": 1, \"entries\": [", "1:28: error: malformed JSON");
    expect_load_error("v2.json", "{\"version\": 2, \"entries\": []}",
                      "1:13: error: baseline version 2 is not supported (this asynclock reads 1)");
    expect_load_error("array.json", "[]", "1:1: error: not an asynclock baseline (needs \"version\" and \"entries\")");
    expect_load_error("nofp.json", "{\"version\": 1, \"entries\": [{\"count\": 1}]}",
                      "1:28: error: baseline entry 0 needs \"fingerprint\": 16 hex digits");
    expect_load_error("count.json",
                      "{\"version\": 1, \"entries\": [{\"fingerprint\": \"00000000000000aa\", \"count\": 0}]}",
                      "1:28: error: baseline entry 0: \"count\" must be a whole number from 1");
    al_baseline_entries e;
    char *error = NULL;
    assert_false(al_baseline_load(&e, "/nonexistent/baseline.json", &error));
    assert_string_equal(error, "/nonexistent/baseline.json: error: cannot read: No such file or directory");
    free(error);
}

/* The in-memory reader: entries from the given bytes only, errors naming the path given. */
static void test_parse_from_memory(void **state)
{
    (void)state;
    static const char text[] = "{\"version\": 1, \"entries\": [{\"fingerprint\": \"00000000000000aa\", \"count\": 2}]}";
    al_baseline_entries e;
    char *error = NULL;
    assert_true(al_baseline_parse(&e, "mem.json", text, strlen(text), &error));
    assert_int_equal(e.count, 1);
    assert_string_equal(e.items[0].fingerprint, "00000000000000aa");
    assert_int_equal(e.items[0].count, 2);
    assert_string_equal(e.items[0].file, "");
    al_baseline_free(&e);
    assert_false(al_baseline_parse(&e, "mem.json", text, strlen(text) - 1, &error));
    assert_int_equal(e.count, 0);
    assert_string_equal(error, "mem.json:1:76: error: malformed JSON");
    free(error);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_text_collapses_whitespace_and_comments),
        cmocka_unit_test(test_entries_round_trip_and_keep_reasons),
        cmocka_unit_test(test_apply_marks_new_unchanged_and_gone),
        cmocka_unit_test(test_entries_of_older_fingerprints_match_by_identity),
        cmocka_unit_test(test_corrupt_or_foreign_baselines),
        cmocka_unit_test(test_parse_from_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
