/* changes: the hunk parser on real `git diff --unified=0` output, the findings filter, and git run
 * in a scratch repository (a tracked edit, an untracked file, a bad revision, no repository). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "changes.h"
#include "test_helpers.h"

/* Captured from git 2.39: one.c edited (a change, an insertion, a deletion), gone.c deleted,
 * added.c staged as new, and "sub dir/t\\tab.c" (a name git quotes) with a line removed. */
static const char real_diff[] =
    "diff --git a/added.c b/added.c\nnew file mode 100644\nindex 0000000..8ba3a16\n--- /dev/null\n+++ "
    "b/added.c\n@@ -0,0 +1 @@\n+n\ndiff --git a/gone.c b/gone.c\ndeleted file mode 100644\nindex "
    "b77b4eb..0000000\n--- a/gone.c\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-x\n-y\ndiff --git a/one.c "
    "b/one.c\nindex 0fdf397..1245d7a 100644\n--- a/one.c\n+++ b/one.c\n@@ -2 +2 @@ a\n-b\n+B\n@@ -4,0 +5,2 @@ "
    "d\n+new1\n+new2\n@@ -6 +7,0 @@ e\n-f\ndiff --git \"a/sub dir/t\\\\tab.c\" \"b/sub dir/t\\\\tab.c\"\nindex "
    "01e79c3..2b2f2e1 100644\n--- \"a/sub dir/t\\\\tab.c\"\t\n+++ \"b/sub dir/t\\\\tab.c\"\t\n@@ -2 +1,0 @@\n-2\n";

static void test_parse_real_git_output(void **state)
{
    (void)state;
    al_changes c = {0};
    al_changes_parse_diff(&c, real_diff, "/repo");
    assert_int_equal(c.files.count, 3);
    assert_string_equal(c.files.items[0].path, "/repo/added.c");
    assert_string_equal(c.files.items[1].path, "/repo/one.c");
    assert_string_equal(c.files.items[2].path, "/repo/sub dir/t\\tab.c");
    const al_changed_file *one = &c.files.items[1];
    assert_int_equal(one->ranges.count, 3);
    assert_int_equal(one->ranges.items[0].first, 2);
    assert_int_equal(one->ranges.items[0].last, 2);
    assert_int_equal(one->ranges.items[1].first, 5);
    assert_int_equal(one->ranges.items[1].last, 6);
    assert_int_equal(one->ranges.items[2].first, 7); /* "f" removed after line 7 */
    assert_int_equal(one->ranges.items[2].last, 8);
    bool expected[] = {false, false, true, false, false, true, true, true, true, false};
    for (unsigned line = 1; line < 10; line++)
        assert_int_equal(al_changes_touches(&c, "/repo/one.c", line), expected[line]);
    assert_true(al_changes_touches(&c, "/repo/added.c", 1));
    assert_false(al_changes_touches(&c, "/repo/added.c", 2));
    assert_false(al_changes_touches(&c, "/repo/gone.c", 1));
    assert_true(al_changes_touches(&c, "/repo/sub dir/t\\tab.c", 1));
    assert_false(al_changes_touches(&c, "/repo/other.c", 2));
    al_changes_free(&c);
}

static al_chain_step steps[] = {
    {&(al_chain_call){"on_read", {"/repo/one.c", 30, 3}, NULL, 0, NULL}, "helper", NULL, 0, 0, false, false, false},
    {&(al_chain_call){"helper", {"/repo/b.c", 4, 1}, NULL, 0, NULL}, "sleep", &steps[0], 0, 0, false, false, false}};

static void push_finding(al_findings *f, const char *file, unsigned line, unsigned handler_line)
{
    al_finding x = {0};
    x.loc = (al_source_loc){file, line, 1};
    x.handler_count = 1;
    x.handlers = al_xcalloc(1, sizeof(*x.handlers));
    x.handlers[0].defined_at = (al_source_loc){"/repo/h.c", handler_line, 1};
    x.handlers[0].registered_at = (al_source_loc){"/repo/h.c", 90, 1};
    x.handlers[0].last = &steps[1];
    x.handlers[0].chain_length = 2;
    x.message = al_xstrdup(file);
    AL_VEC_PUSH(f->items, x);
}

static void test_filter_keeps_findings_a_change_touches(void **state)
{
    (void)state;
    al_changes c = {0};
    al_changes_parse_diff(&c,
                          "diff --git a/b.c b/b.c\n--- a/b.c\n+++ b/b.c\n@@ -10 +10 @@\n-x\n+y\n"
                          "diff --git a/h.c b/h.c\n--- a/h.c\n+++ b/h.c\n@@ -50,0 +51 @@\n+z\n",
                          "/repo");
    al_findings f = {0};
    push_finding(&f, "/repo/b.c", 10, 1);  /* the blocking call itself changed */
    push_finding(&f, "/repo/b.c", 11, 1);  /* nothing it touches changed */
    push_finding(&f, "/repo/b.c", 12, 51); /* its handler's definition changed */
    f.summary.findings = 3;
    al_changes_filter(&f, &c);
    assert_int_equal(f.items.count, 2);
    assert_int_equal(f.summary.findings, 2);
    assert_int_equal(f.items.items[0].loc.line, 10);
    assert_int_equal(f.items.items[1].loc.line, 12);
    al_changes_free(&c);

    /* a chain step on a changed line counts too */
    al_changes_parse_diff(&c, "diff --git a/one.c b/one.c\n--- a/one.c\n+++ b/one.c\n@@ -29,2 +29,3 @@\n", "/repo");
    push_finding(&f, "/repo/b.c", 40, 1);
    al_changes_filter(&f, &c);
    assert_int_equal(f.items.count, 3);
    al_changes_free(&c);
    al_findings_free(&f);
}

static int sh(const char *dir, const char *command)
{
    char *line = al_xasprintf("cd '%s' && { %s; } >/dev/null 2>&1", dir, command);
    int rc = system(line);
    free(line);
    return rc;
}

static void test_git_in_a_scratch_repository(void **state)
{
    (void)state;
    char *repo = al_xasprintf("%s/repo", AL_TEST_WORK_DIR);
    sh(AL_TEST_WORK_DIR, "rm -rf repo");
    char *file = test_write("repo/src/a.c", "one\ntwo\nthree\n");
    free(file);
    assert_int_equal(sh(repo, "git init -q && git add . && git -c user.name=t -c user.email=t@t commit -qm one"), 0);
    free(test_write("repo/src/a.c", "one\nTWO\nthree\n"));
    free(test_write("repo/src/new.c", "fresh\n"));
    char *src = al_xasprintf("%s/src", repo);

    al_changes c;
    char *error = NULL;
    assert_true(al_changes_from_git(&c, src, "HEAD", &error));
    char *a = al_xasprintf("%s/src/a.c", repo), *fresh = al_xasprintf("%s/src/new.c", repo);
    assert_false(al_changes_touches(&c, a, 1));
    assert_true(al_changes_touches(&c, a, 2));
    assert_false(al_changes_touches(&c, a, 3));
    assert_true(al_changes_touches(&c, fresh, 1)); /* untracked: every line */
    al_changes_free(&c);

    assert_false(al_changes_from_git(&c, src, "no-such-rev", &error));
    char *expected = al_xasprintf("--changed-since: unknown revision 'no-such-rev' in the git repository at %s", repo);
    assert_string_equal(error, expected);
    free(expected);
    free(error);
    assert_false(al_changes_from_git(&c, src, "--output=/tmp/x", &error));
    assert_string_equal(error, "--changed-since: '--output=/tmp/x' is not a revision");
    free(error);
    assert_false(al_changes_from_git(&c, "/", "HEAD", &error));
    assert_string_equal(error, "--changed-since: / is not in a git work tree (or git is not installed)");
    free(error);
    free(a);
    free(fresh);
    free(src);
    free(repo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_real_git_output),
        cmocka_unit_test(test_filter_keeps_findings_a_change_touches),
        cmocka_unit_test(test_git_in_a_scratch_repository),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
