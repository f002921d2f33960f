/* findings: messages, fixes per loop family, fingerprints, filters, summary. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "facts_builder.h"
#include "findings.h"
#include "test_helpers.h"

static al_rules *rules;

static int setup(void **state)
{
    (void)state;
    test_mkdirs(AL_TEST_WORK_DIR);
    rules = fb_rules(AL_TEST_WORK_DIR);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    al_rules_free(rules);
    return 0;
}

/* Findings point into the program's strings, so the caller frees `p` after them.
 * A program whose blocking calls start at `line`: on_a and on_b (both loop_cb, family "toy")
 * reach a sleep in helper; on_a stats twice; an annotated handler (no family) stats once. */
static void build(al_findings *out, al_program *p, unsigned line, const al_findings_options *options)
{
    al_tu_facts *u = fb_units(2);
    fb_function(&u[0], "on_a", "/src/net/a.c", 1, 0);
    fb_function(&u[0], "on_b", "/src/net/a.c", 2, 0);
    fb_function(&u[1], "helper", "/src/util/b.c", 3, 0);
    fb_function(&u[1], "on_annotated", "/src/util/b.c", 4, AL_ANNOT_HANDLER);
    fb_ref(&u[0], "on_a", NULL, AL_USE_ARGUMENT, "loop_start", 1, "loop_cb", "/src/net/a.c", 40);
    fb_ref(&u[0], "on_b", NULL, AL_USE_ARGUMENT, "loop_start", 1, "loop_cb", "/src/net/a.c", 41);
    fb_call(&u[0], "on_b", "helper", "/src/net/a.c", line, 5, "");
    fb_call(&u[0], "on_a", "helper", "/src/net/a.c", line + 1, 5, "");
    fb_call(&u[0], "on_a", "stat", "/src/net/a.c", line + 2, 5, "uu");
    fb_call(&u[0], "on_a", "stat", "/src/net/a.c", line + 3, 5, "uu");
    fb_call(&u[1], "helper", "sleep", "/src/util/b.c", line, 9, "1");
    fb_call(&u[1], "on_annotated", "stat", "/src/util/b.c", line + 5, 9, "uu");
    al_program_link(p, u, 2);
    free(u);
    al_contexts c;
    al_contexts_find(&c, p, rules);
    al_reach_options ro = {false};
    al_reach r;
    al_reach_run(&r, p, &c, rules, &ro);
    al_findings_build(out, p, &c, &r, rules, options);
    al_reach_free(&r);
    al_contexts_free(&c);
}

static void test_messages_fixes_and_order(void **state)
{
    (void)state;
    al_findings f;
    al_program p;
    build(&f, &p, 10, NULL);
    assert_int_equal(f.items.count, 4);
    assert_string_equal(f.source_root, "/src");
    /* sorted by file, line */
    const al_finding *x = &f.items.items[0];
    assert_string_equal(x->loc.file, "/src/net/a.c");
    assert_int_equal(x->loc.line, 12);
    assert_string_equal(x->callee, "stat");
    assert_string_equal(x->category, "file-io");
    assert_int_equal(x->severity, AL_SEVERITY_WARNING);
    assert_string_equal(x->function, "on_a");
    assert_string_equal(x->message, "blocking call 'stat' in event-loop handler 'on_a'");
    assert_string_equal(x->fix, "use toy_stat"); /* the family's fix for this API */
    assert_string_equal(x->why, "disk");

    x = &f.items.items[2];
    assert_string_equal(x->loc.file, "/src/util/b.c");
    assert_int_equal(x->loc.line, 10);
    assert_string_equal(x->callee, "sleep");
    assert_string_equal(x->function, "helper");
    assert_string_equal(x->message, "blocking call 'sleep' in event-loop handler 'on_a' (and 1 more)");
    assert_string_equal(x->fix, "use toy_timer"); /* the family's fix for the category */
    assert_int_equal(x->handler_count, 2);
    assert_string_equal(x->handlers[0].name, "on_a");
    assert_string_equal(x->handlers[0].kind, "toy loop callback (loop_cb)");
    assert_int_equal(x->handlers[0].registered_at.line, 40);
    assert_int_equal(x->handlers[0].chain_length, 2);
    assert_string_equal(x->handlers[0].chain[0].function, "on_a");
    assert_string_equal(x->handlers[0].chain[0].callee, "helper");
    assert_int_equal(x->handlers[0].chain[0].loc.line, 11);
    assert_string_equal(x->handlers[0].chain[1].function, "helper");
    assert_string_equal(x->handlers[0].chain[1].callee, "sleep");
    assert_string_equal(x->handlers[1].name, "on_b");

    x = &f.items.items[3];
    assert_string_equal(x->callee, "stat");
    assert_string_equal(x->handlers[0].kind, "annotated asynclock:handler");
    assert_string_equal(x->fix, "generic stat fix"); /* no family: the API's own fix */

    assert_int_equal(f.summary.translation_units, 2);
    assert_int_equal(f.summary.parse_errors, 0);
    assert_int_equal(f.summary.functions, 4);
    assert_int_equal(f.summary.handlers, 3);
    assert_int_equal(f.summary.findings, 4);
    assert_true(al_findings_fail(&f, AL_SEVERITY_ERROR));
    al_findings_free(&f);
    al_program_free(&p);
}

static void test_fingerprints_survive_line_shifts(void **state)
{
    (void)state;
    al_findings a, b;
    al_program pa, pb;
    build(&a, &pa, 10, NULL);
    build(&b, &pb, 250, NULL);
    assert_int_equal(a.items.count, b.items.count);
    for (size_t i = 0; i < a.items.count; i++) {
        assert_int_not_equal(a.items.items[i].loc.line, b.items.items[i].loc.line);
        assert_string_equal(a.items.items[i].fingerprint, b.items.items[i].fingerprint);
        assert_int_equal(strlen(a.items.items[i].fingerprint), 16);
    }
    /* two stat calls in one function differ by their occurrence */
    assert_string_not_equal(a.items.items[0].fingerprint, a.items.items[1].fingerprint);
    al_findings_free(&a);
    al_findings_free(&b);
    al_program_free(&pa);
    al_program_free(&pb);
}

static void test_only_files_and_source_root(void **state)
{
    (void)state;
    char *only[] = {"/src/util/b.c"};
    al_findings_options o = {.source_root = "/elsewhere", .only_files = only, .only_file_count = 1};
    al_findings f;
    al_program p;
    build(&f, &p, 10, &o);
    assert_int_equal(f.items.count, 2);
    assert_string_equal(f.items.items[0].loc.file, "/src/util/b.c");
    assert_string_equal(f.items.items[1].loc.file, "/src/util/b.c");
    assert_string_equal(f.source_root, "/elsewhere");
    assert_int_equal(f.summary.findings, 2);
    al_findings_free(&f);
    al_program_free(&p);
}

static void test_fail_levels(void **state)
{
    (void)state;
    char *only[] = {"/src/net/a.c"}; /* only the two stat warnings */
    al_findings_options o = {.only_files = only, .only_file_count = 1};
    al_findings f;
    al_program p;
    build(&f, &p, 10, &o);
    assert_int_equal(f.items.count, 2);
    assert_false(al_findings_fail(&f, AL_SEVERITY_ERROR));
    assert_true(al_findings_fail(&f, AL_SEVERITY_WARNING));
    assert_true(al_findings_fail(&f, AL_SEVERITY_NOTE));
    al_findings_free(&f);
    al_program_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_messages_fixes_and_order),
        cmocka_unit_test(test_fingerprints_survive_line_shifts),
        cmocka_unit_test(test_only_files_and_source_root),
        cmocka_unit_test(test_fail_levels),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
