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
static void build_in(al_findings *out, al_program *p, unsigned line, const al_findings_options *options,
                     const char *root)
{
    char *a = al_xasprintf("%s/net/a.c", root), *b = al_xasprintf("%s/util/b.c", root);
    al_tu_facts *u = fb_units(2);
    fb_function(&u[0], "on_a", a, 1, 0);
    fb_function(&u[0], "on_b", a, 2, 0);
    fb_function(&u[1], "helper", b, 3, 0);
    fb_function(&u[1], "on_annotated", b, 4, AL_ANNOT_HANDLER);
    fb_ref(&u[0], "on_a", NULL, AL_USE_ARGUMENT, "loop_start", 1, "loop_cb", a, 40);
    fb_ref(&u[0], "on_b", NULL, AL_USE_ARGUMENT, "loop_start", 1, "loop_cb", a, 41);
    fb_call(&u[0], "on_b", "helper", a, line, 5, "");
    fb_call(&u[0], "on_a", "helper", a, line + 1, 5, "");
    fb_call(&u[0], "on_a", "stat", a, line + 2, 5, "uu");
    fb_call(&u[0], "on_a", "stat", a, line + 3, 5, "uu");
    fb_call(&u[1], "helper", "sleep", b, line, 9, "1");
    fb_call(&u[1], "on_annotated", "stat", b, line + 5, 9, "uu");
    free(a);
    free(b);
    al_program_link(p, u, 2);
    free(u);
    al_contexts c;
    al_contexts_find(&c, p, rules, NULL);
    al_reach_options ro = {false, NULL, 1};
    al_reach r;
    al_reach_run(&r, p, &c, rules, &ro);
    al_findings_build(out, p, &c, &r, rules, options);
    al_reach_free(&r);
    al_contexts_free(&c);
}

static void build(al_findings *out, al_program *p, unsigned line, const al_findings_options *options)
{
    build_in(out, p, line, options, "/src");
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
    const al_chain_step **steps = al_chain_steps(&x->handlers[0]);
    assert_string_equal(steps[0]->call->function, "on_a");
    assert_string_equal(steps[0]->callee, "helper");
    assert_int_equal(steps[0]->call->loc.line, 11);
    assert_null(steps[0]->up);
    assert_string_equal(steps[1]->call->function, "helper");
    assert_string_equal(steps[1]->callee, "sleep");
    assert_ptr_equal(steps[1], x->handlers[0].last);
    free(steps);
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

/* The lines of the sources build_in(line 10) describes, with suppression comments. */
static const char a_c[] = "1\n2\n3\n4\n5\n6\n7\n8\n9\n"
                          "    helper(); /* on_b */\n"
                          "    helper(); // asynclock:ignore -- on_a's sleep is fine\n"
                          "    stat(p, &st); // asynclock:ignore[dns]\n"
                          "    stat(q, &st); // NOLINT(async-lock/file-io)\n";
static const char b_c[] = "1\n"
                          "// asynclock:ignore\n"
                          "3\n4\n5\n6\n7\n8\n9\n"
                          "    sleep(1);\n"
                          "11\n12\n13\n"
                          "    // asynclock:ignore-next-line -- annotated handlers may\n"
                          "    stat(p, &st);\n";

static void test_suppressions(void **state)
{
    (void)state;
    char *a = test_write("sup/net/a.c", a_c), *b = test_write("sup/util/b.c", b_c);
    char *root = al_xasprintf("%s/sup", AL_TEST_WORK_DIR);
    al_findings_options o = {.source_root = root}; /* the units' files lie in /src */
    al_findings f;
    al_program p;
    build_in(&f, &p, 10, &o, root);
    /* the [dns] comment does not cover a file-io finding */
    assert_int_equal(f.items.count, 2);
    assert_string_equal(f.items.items[0].callee, "stat");
    assert_int_equal(f.items.items[0].loc.line, 12);
    assert_null(f.items.items[0].suppression);
    /* on_a's chain passes a suppressed call: the sleep is left with on_b alone */
    const al_finding *x = &f.items.items[1];
    assert_string_equal(x->callee, "sleep");
    assert_int_equal(x->handler_count, 1);
    assert_string_equal(x->handlers[0].name, "on_b");
    assert_string_equal(x->message, "blocking call 'sleep' in event-loop handler 'on_b'");

    assert_int_equal(f.suppressed.count, 2);
    x = &f.suppressed.items[0];
    assert_string_equal(x->loc.file, a);
    assert_int_equal(x->loc.line, 13);
    assert_string_equal(x->suppression->marker, "NOLINT(async-lock/file-io)");
    assert_null(x->suppression->reason);
    x = &f.suppressed.items[1];
    assert_string_equal(x->loc.file, b);
    assert_int_equal(x->loc.line, 15);
    assert_int_equal(x->suppression->line, 14);
    assert_string_equal(x->suppression->reason, "annotated handlers may");
    assert_int_equal(f.summary.findings, 2);
    assert_int_equal(f.summary.suppressed, 2);

    /* unused: the [dns] one, and the one in b.c above nothing; by file and line */
    assert_int_equal(f.unused.count, 2);
    assert_string_equal(f.unused.items[0]->file, a);
    assert_int_equal(f.unused.items[0]->line, 12);
    assert_string_equal(f.unused.items[1]->file, b);
    assert_int_equal(f.unused.items[1]->line, 2);
    al_findings_free(&f);
    al_program_free(&p);

    /* when every handler of a finding is suppressed along its chain, the finding is */
    char *a2 = test_write("sup/net/a.c", "1\n2\n3\n4\n5\n6\n7\n8\n9\n"
                                         "    helper(); // asynclock:ignore[sleep]\n"
                                         "    helper(); // asynclock:ignore[sleep]\n");
    build_in(&f, &p, 10, &o, root);
    assert_int_equal(f.suppressed.count, 2);
    assert_string_equal(f.suppressed.items[0].callee, "sleep");
    assert_int_equal(f.suppressed.items[0].handler_count, 2);
    assert_int_equal(f.unused.count, 1); /* b.c:2 */
    al_findings_free(&f);
    al_program_free(&p);
    /* comments outside the source root are matched, but never listed as unused */
    char *net = al_xasprintf("%s/net", root);
    al_findings_options net_root = {.source_root = net};
    build_in(&f, &p, 10, &net_root, root);
    free(net);
    assert_int_equal(f.suppressed.count, 2);
    assert_int_equal(f.unused.count, 0);
    al_findings_free(&f);
    al_program_free(&p);
    free(a2);
    free(a);
    free(b);
    free(root);
}

static void test_anchor_in_source_root(void **state)
{
    (void)state;
    /* only net/ is the project: the sleep in util/b.c is reported at on_a's call of helper */
    al_findings_options o = {.source_root = "/src/net"};
    al_findings f;
    al_program p;
    build(&f, &p, 10, &o);
    assert_int_equal(f.items.count, 4);
    const al_finding *x = &f.items.items[0];
    assert_string_equal(x->callee, "sleep");
    assert_string_equal(x->loc.file, "/src/net/a.c");
    assert_int_equal(x->loc.line, 11);
    assert_string_equal(x->function, "on_a");
    assert_int_equal(x->handlers[0].last->call->loc.line, 10); /* the chain still ends at the call itself */
    /* a chain that never enters the root stays where it is */
    assert_string_equal(f.items.items[3].loc.file, "/src/util/b.c");
    al_findings_free(&f);
    al_program_free(&p);
}

/* The default source root holds the function definitions too: a project header beside the units'
 * folder (here: the units in /src, the definitions in /proj) is project code, not anchored away. */
static void test_default_root_holds_definitions(void **state)
{
    (void)state;
    al_findings f;
    al_program p;
    build_in(&f, &p, 10, NULL, "/proj");
    assert_string_equal(f.source_root, "/");
    const al_finding *sleep_finding = NULL;
    for (size_t i = 0; i < f.items.count; i++)
        if (strcmp(f.items.items[i].callee, "sleep") == 0)
            sleep_finding = &f.items.items[i];
    assert_non_null(sleep_finding);
    assert_string_equal(sleep_finding->loc.file, "/proj/util/b.c");
    al_findings_free(&f);
    al_program_free(&p);
}

static void test_exclude_and_categories(void **state)
{
    (void)state;
    char *exclude[] = {"util/**"};
    al_findings_options o = {.exclude = exclude, .exclude_count = 1, .exclude_base = "/src"};
    al_findings f;
    al_program p;
    build(&f, &p, 10, &o);
    assert_int_equal(f.items.count, 2); /* the two stats in net/a.c */
    assert_string_equal(f.items.items[0].loc.file, "/src/net/a.c");
    assert_string_equal(f.items.items[1].loc.file, "/src/net/a.c");
    assert_int_equal(f.summary.excluded, 2);
    assert_int_equal(f.summary.findings, 2);
    al_findings_free(&f);
    al_program_free(&p);

    char *off[] = {"file-io"};
    al_findings_options o2 = {.off_categories = off, .off_category_count = 1};
    build(&f, &p, 10, &o2);
    assert_int_equal(f.items.count, 1);
    assert_string_equal(f.items.items[0].category, "sleep");
    assert_int_equal(f.summary.excluded, 0); /* categories that are off are not counted */
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
        cmocka_unit_test(test_suppressions),
        cmocka_unit_test(test_anchor_in_source_root),
        cmocka_unit_test(test_default_root_holds_definitions),
        cmocka_unit_test(test_exclude_and_categories),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
