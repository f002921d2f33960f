/* Unit tests for analyzer/suppress: the comment forms, categories, reasons, and matching against
 * the lines of real files, with the unused ones listed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suppress.h"
#include "test_helpers.h"

typedef struct parse_case {
    const char *line;
    bool found;
    unsigned target; /* 0: this line, 1: the next */
    const char *marker, *categories, *reason;
    bool ours;
    unsigned column;
} parse_case;

static void test_forms(void **state)
{
    (void)state;
    static const parse_case cases[] = {
        {"    sleep(1); // asynclock:ignore", true, 0, "asynclock:ignore", NULL, NULL, true, 18},
        {"sleep(1); /* asynclock:ignore -- startup only */", true, 0, "asynclock:ignore", NULL, "startup only", true,
         14},
        {"// asynclock:ignore-next-line -- on tmpfs", true, 1, "asynclock:ignore-next-line", NULL, "on tmpfs", true, 4},
        {"x(); // asynclock:ignore[file-io] -- r", true, 0, "asynclock:ignore[file-io]", ",file-io,", "r", true, 9},
        {"x(); // asynclock:ignore[file-io, dns]", true, 0, "asynclock:ignore[file-io, dns]", ",file-io,dns,", NULL,
         true, 9},
        {"// asynclock:ignore-next-line[sleep]--why", true, 1, "asynclock:ignore-next-line[sleep]", ",sleep,", "why",
         true, 4},
        {"x(); // NOLINT", true, 0, "NOLINT", NULL, NULL, false, 9},
        {"x(); // NOLINT(async-lock)", true, 0, "NOLINT(async-lock)", NULL, NULL, true, 9},
        {"x(); // NOLINT(async-lock*): legacy", true, 0, "NOLINT(async-lock*)", NULL, "legacy", true, 9},
        {"x(); // NOLINT(async-lock/dns, async-lock/sleep) -- both", true, 0,
         "NOLINT(async-lock/dns, async-lock/sleep)", ",dns,sleep,", "both", true, 9},
        {"// NOLINTNEXTLINE(bugprone-x,async-lock/dns)", true, 1, "NOLINTNEXTLINE(bugprone-x,async-lock/dns)", ",dns,",
         NULL, true, 4},
        {"x(); // NOLINT(*)", true, 0, "NOLINT(*)", NULL, NULL, false, 9},
        {"/* NOLINTNEXTLINE */", true, 1, "NOLINTNEXTLINE", NULL, NULL, false, 4},
        /* not ours, or not suppressions at all */
        {"x(); // NOLINT(bugprone-branch-clone)", false, 0, NULL, NULL, NULL, false, 0},
        {"x(); // NOLINTBEGIN", true, 1, "NOLINTBEGIN", NULL, NULL, false, 9},
        {"// NOLINTBEGIN(async-lock/dns) -- vendored", true, 1, "NOLINTBEGIN(async-lock/dns)", ",dns,", "vendored",
         true, 4},
        {"// NOLINTEND(async-lock)", true, 0, "NOLINTEND(async-lock)", NULL, NULL, true, 4},
        {"x(); // NOLINTBEGINS", false, 0, NULL, NULL, NULL, false, 0},
        {"x(); // asynclock:ignored", false, 0, NULL, NULL, NULL, false, 0},
        {"puts(\"asynclock:ignore\");", false, 0, NULL, NULL, NULL, false, 0},
        {"x(); // nothing here", false, 0, NULL, NULL, NULL, false, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const parse_case *c = &cases[i];
        al_suppression s;
        bool found = al_suppression_parse(c->line, strlen(c->line), &s);
        if (found != c->found)
            fail_msg("'%s': found %d", c->line, found);
        if (!found)
            continue;
        assert_int_equal(s.target, c->target);
        assert_string_equal(s.marker, c->marker);
        if (c->categories)
            assert_string_equal(s.categories, c->categories);
        else
            assert_null(s.categories);
        if (c->reason)
            assert_string_equal(s.reason, c->reason);
        else
            assert_null(s.reason);
        assert_int_equal(s.ours, c->ours);
        assert_int_equal(s.column, c->column);
        free(s.marker);
        free(s.categories);
        free(s.reason);
    }
}

static void test_match_and_unused(void **state)
{
    (void)state;
    char *path = test_write("a.c", "void f(void)\n"
                                   "{\n"
                                   "    sleep(1); // asynclock:ignore -- one\n"
                                   "    // asynclock:ignore-next-line[dns]\n"
                                   "    getaddrinfo(0, 0, 0, 0);\n"
                                   "    stat(p, &st); // asynclock:ignore[sleep]\n"
                                   "    usleep(1); // NOLINT\n"
                                   "}\n");
    char *other = test_write("b.c", "int g; // asynclock:ignore -- never used\n");
    al_suppressions *s = al_suppressions_new();
    al_suppression *m = al_suppressions_match(s, path, 3, "sleep");
    assert_non_null(m);
    assert_int_equal(m->line, 3);
    assert_string_equal(m->reason, "one");
    assert_string_equal(m->file, path);
    m = al_suppressions_match(s, path, 5, "dns");
    assert_non_null(m);
    assert_int_equal(m->line, 4);
    assert_int_equal(m->target, 5);
    assert_null(al_suppressions_match(s, path, 4, "dns"));     /* next-line applies to the next line only */
    assert_null(al_suppressions_match(s, path, 6, "file-io")); /* another category */
    assert_non_null(al_suppressions_match(s, path, 7, "sleep"));
    assert_null(al_suppressions_match(s, "/nonexistent.c", 1, "sleep"));
    al_suppressions_scan(s, other);
    al_suppression_list unused;
    al_suppressions_unused(s, &unused);
    /* the [sleep] one in a.c and the one in b.c; plain NOLINT is never listed */
    assert_int_equal(unused.count, 2);
    assert_string_equal(unused.items[0]->file, path);
    assert_int_equal(unused.items[0]->line, 6);
    assert_string_equal(unused.items[1]->file, other);
    AL_VEC_FREE(unused);
    al_suppressions_free(s);
    free(path);
    free(other);
}

/* NOLINTBEGIN ... NOLINTEND cover the lines between them; an unclosed one runs to the end. */
static void test_regions(void **state)
{
    (void)state;
    char *path = test_write("regions.c", "void f(void)\n"
                                         "{\n"
                                         "    // NOLINTBEGIN(async-lock/sleep) -- legacy block\n"
                                         "    sleep(1);\n"
                                         "    usleep(2);\n"
                                         "    // NOLINTEND(async-lock/sleep)\n"
                                         "    sleep(3);\n"
                                         "    // NOLINTBEGIN(async-lock)\n"
                                         "    system(\"x\");\n"
                                         "}\n");
    al_suppressions *s = al_suppressions_new();
    al_suppression *m = al_suppressions_match(s, path, 4, "sleep");
    assert_non_null(m);
    assert_int_equal(m->line, 3);
    assert_int_equal(m->target, 4);
    assert_int_equal(m->target_end, 5);
    assert_string_equal(m->reason, "legacy block");
    assert_non_null(al_suppressions_match(s, path, 5, "sleep"));
    assert_null(al_suppressions_match(s, path, 4, "dns"));   /* another category */
    assert_null(al_suppressions_match(s, path, 7, "sleep")); /* after the NOLINTEND */
    m = al_suppressions_match(s, path, 9, "process");        /* unclosed: to the end of the file */
    assert_non_null(m);
    assert_int_equal(m->line, 8);
    al_suppression_list unused;
    al_suppressions_unused(s, &unused);
    assert_int_equal(unused.count, 0);
    AL_VEC_FREE(unused);
    al_suppressions_free(s);
    free(path);
}

int main(void)
{
    test_mkdirs(AL_TEST_WORK_DIR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_match_and_unused),
        cmocka_unit_test(test_regions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
