/* Unit tests for analyzer/config: every key of .asynclock.json, the in-memory rule pack its
 * declarations become, every error with its key path and line:col, discovery and exclusion. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "rules.h"
#include "test_helpers.h"

static const char full[] = "{\n"
                           "  \"version\": 1,\n"
                           "  \"rules\": [\"packs/x.json\", \"/abs/y.json\"],\n"
                           "  \"handlers\": [\"on_*\", {\"function\": \"tick\", \"kind\": \"our tick\"}],\n"
                           "  \"workers\": [{\"name\": \"job_*\"}],\n"
                           "  \"blocking\": [{\"name\": \"my_sync_rpc\", \"category\": \"network\",\n"
                           "                \"why\": \"waits for the reply\", \"fix\": \"use my_rpc_async\"},\n"
                           "               {\"name\": \"legacy_io\", \"severity\": \"warning\"}],\n"
                           "  \"nonblocking\": [\"log_async\", \"vendor_*\"],\n"
                           "  \"categories\": {\"sync\": false, \"sleep\": true, \"dns\": false},\n"
                           "  \"conditional\": true,\n"
                           "  \"exclude\": [\"third_party/**\", \"tests/\"],\n"
                           "  \"fail-on\": \"error\",\n"
                           "  \"source-root\": \"src/..\"\n"
                           "}\n";

static void load_ok(al_config *c, const char *name, const char *text)
{
    char *path = test_write(name, text);
    char *error = NULL;
    bool ok = al_config_load(c, path, &error);
    if (!ok)
        fail_msg("%s", error);
    free(path);
}

static void test_every_key(void **state)
{
    (void)state;
    al_config c;
    load_ok(&c, "full/.asynclock.json", full);
    char *folder = al_xasprintf("%s/full", AL_TEST_WORK_DIR);
    assert_string_equal(c.folder, folder);
    assert_int_equal(c.rule_paths.count, 2);
    char *pack = al_xasprintf("%s/packs/x.json", folder);
    assert_string_equal(c.rule_paths.items[0], pack); /* relative to the file's folder */
    assert_string_equal(c.rule_paths.items[1], "/abs/y.json");
    assert_int_equal(c.off_categories.count, 2);
    assert_string_equal(c.off_categories.items[0], "sync");
    assert_string_equal(c.off_categories.items[1], "dns");
    assert_int_equal(c.conditional, 1);
    assert_int_equal(c.exclude.count, 2);
    assert_string_equal(c.exclude.items[0], "third_party/**");
    assert_string_equal(c.fail_on, "error");
    assert_string_equal(c.source_root, folder); /* "src/.." normalized */
    assert_non_null(c.pack);

    /* the declarations load as an ordinary pack */
    al_rules *r = al_rules_new();
    char *error = NULL;
    static const char toy[] = "{\"pack\": \"toy\", \"version\": 1, \"family\": \"toy\", \"fixes\": ["
                              "{\"category\": \"network\", \"fix\": \"toy network fix\"},"
                              "{\"category\": \"custom\", \"fix\": \"toy custom fix\"}]}";
    assert_true(al_rules_load_text(r, "toy.json", toy, &error));
    if (!al_rules_load_text(r, c.pack_name, c.pack, &error))
        fail_msg("%s", error);
    al_rules_index(r);
    const al_api_rule *api = al_rules_find_api(r, "my_sync_rpc");
    assert_non_null(api);
    assert_string_equal(api->category, "network");
    assert_int_equal(api->severity, AL_SEVERITY_ERROR);
    assert_false(api->conditional);
    assert_true(api->match_definitions);
    assert_string_equal(api->why, "waits for the reply");
    assert_string_equal(api->fix, "use my_rpc_async");
    api = al_rules_find_api(r, "legacy_io");
    assert_non_null(api);
    assert_string_equal(api->category, "custom"); /* the defaults */
    assert_int_equal(api->severity, AL_SEVERITY_WARNING);
    assert_string_equal(api->why, "declared blocking in the project's configuration");
    /* a declared fix is shown in every loop; without one, the loop's fix for the category */
    assert_string_equal(al_rules_fix(r, "toy", al_rules_find_api(r, "my_sync_rpc")), "use my_rpc_async");
    assert_string_equal(al_rules_fix(r, "toy", api), "toy custom fix");
    assert_true(al_rules_known_nonblocking(r, "log_async"));
    assert_true(al_rules_known_nonblocking(r, "vendor_send"));
    assert_false(al_rules_known_nonblocking(r, "log_sync"));
    size_t count;
    const al_context_rule *ctx = al_rules_contexts(r, &count);
    assert_int_equal(count, 3); /* the toy pack has none */
    assert_int_equal(ctx[0].role, AL_ROLE_HANDLER);
    assert_int_equal(ctx[0].match, AL_MATCH_NAME_PATTERN);
    assert_string_equal(ctx[0].pattern, "on_*");
    assert_string_equal(ctx[0].kind, "a handler by the configuration");
    assert_string_equal(ctx[1].pattern, "tick");
    assert_string_equal(ctx[1].kind, "our tick");
    assert_int_equal(ctx[2].role, AL_ROLE_WORKER);
    assert_string_equal(ctx[2].pattern, "job_*");
    char *expected_pack = al_xasprintf("config:%s/.asynclock.json", folder);
    assert_string_equal(ctx[0].pack, expected_pack);
    al_rules_free(r);
    free(expected_pack);
    free(pack);
    free(folder);
    al_config_free(&c);
}

static void test_empty_file_sets_nothing(void **state)
{
    (void)state;
    al_config c;
    load_ok(&c, "empty/.asynclock.json", "{}\n");
    assert_null(c.pack); /* no declarations: no pack */
    assert_int_equal(c.conditional, -1);
    assert_null(c.fail_on);
    assert_null(c.source_root);
    assert_int_equal(c.rule_paths.count + c.exclude.count + c.off_categories.count, 0);
    al_config_free(&c);
    load_ok(&c, "off/.asynclock.json", "{\"conditional\": false}");
    assert_int_equal(c.conditional, 0);
    al_config_free(&c);
}

/* Loading `text` fails with exactly "<path>:<suffix>". */
static void expect_error(const char *text, const char *suffix)
{
    char *path = test_write("bad/.asynclock.json", text);
    al_config c;
    char *error = NULL;
    assert_false(al_config_load(&c, path, &error));
    char *expected = al_xasprintf("%s:%s", path, suffix);
    assert_string_equal(error, expected);
    free(expected);
    free(error);
    al_config_free(&c);
    free(path);
}

static void test_errors_name_the_key(void **state)
{
    (void)state;
    expect_error("{\n  \"categories\": {\n    \"sleeep\": false\n  }\n}\n",
                 "3:15: error: \"categories.sleeep\": unknown category");
    expect_error("{\"categories\": {\"sleep\": 0}}", "1:26: error: \"categories.sleep\": must be true or false");
    expect_error("{\"categories\": []}", "1:16: error: \"categories\": must be an object of category: true|false");
    expect_error("{\n  \"handler\": []\n}", "2:14: error: \"handler\": unknown key");
    expect_error("[]", "1:1: error: \"\": a configuration must be a JSON object");
    expect_error("{\"version\": 2}", "1:13: error: \"version\": unsupported version: this asynclock reads version 1");
    expect_error("{\"rules\": \"x.json\"}", "1:11: error: \"rules\": must be an array of strings");
    expect_error("{\"rules\": [\"a\", 3]}", "1:17: error: \"rules[1]\": must be a non-empty string");
    expect_error("{\"exclude\": [\"\"]}", "1:14: error: \"exclude[0]\": must be a non-empty string");
    expect_error("{\"conditional\": \"yes\"}", "1:17: error: \"conditional\": must be true or false");
    expect_error("{\"fail-on\": \"errors\"}", "1:13: error: \"fail-on\": must be error, warning, note or never");
    expect_error("{\"source-root\": 1}", "1:17: error: \"source-root\": must be a non-empty string (a folder)");
    expect_error("{\"handlers\": {}}",
                 "1:14: error: \"handlers\": must be an array of names, globs or {\"name\"|\"function\", \"kind\"} "
                 "objects");
    expect_error("{\"handlers\": [3]}", "1:15: error: \"handlers[0]\": must be a name, a glob, or an object");
    expect_error("{\"handlers\": [{\"nam\": \"x\"}]}", "1:23: error: \"handlers[0].nam\": unknown key");
    expect_error(
        "{\"workers\": [{\"kind\": \"k\"}]}",
        "1:14: error: \"workers[0]\": needs exactly one of \"name\" (a glob) and \"function\" (an exact name)");
    expect_error(
        "{\"workers\": [{\"name\": \"a\", \"function\": \"b\"}]}",
        "1:14: error: \"workers[0]\": needs exactly one of \"name\" (a glob) and \"function\" (an exact name)");
    expect_error("{\"handlers\": [{\"function\": \"on_*\"}]}",
                 "1:15: error: \"handlers[0]\": \"function\" is an exact name; use \"name\" for a glob");
    expect_error("{\"handlers\": [{\"kind\": 1, \"name\": \"x\"}]}",
                 "1:24: error: \"handlers[0].kind\": must be a non-empty string");
    expect_error("{\"blocking\": {}}",
                 "1:14: error: \"blocking\": must be an array of {\"name\", \"category\", \"why\", \"fix\"} objects");
    expect_error("{\"blocking\": [\"f\"]}", "1:15: error: \"blocking[0]\": must be an object");
    expect_error("{\"blocking\": [{\"category\": \"dns\"}]}", "1:15: error: \"blocking[0]\": missing \"name\"");
    expect_error("{\"blocking\": [{\"name\": \"f\",\n  \"category\": \"disk\"}]}",
                 "2:15: error: \"blocking[0].category\": unknown category");
    expect_error("{\"blocking\": [{\"name\": \"f\", \"severity\": \"fatal\"}]}",
                 "1:41: error: \"blocking[0].severity\": must be error, warning or note");
    expect_error("{\"blocking\": [{\"name\": \"f\", \"fixes\": \"x\"}]}",
                 "1:38: error: \"blocking[0].fixes\": unknown key");
    expect_error("{\"blocking\": [{\"name\": \"\"}]}", "1:24: error: \"blocking[0].name\": must be a non-empty string");
    expect_error("{\"nonblocking\": [\"a\", null]}", "1:23: error: \"nonblocking[1]\": must be a non-empty string");
    expect_error("{\"version\": 1,,}", "1:16: error: malformed JSON");
}

static void test_missing_file(void **state)
{
    (void)state;
    al_config c;
    char *error = NULL;
    assert_false(al_config_load(&c, "/nonexistent/.asynclock.json", &error));
    assert_string_equal(error, "/nonexistent/.asynclock.json: error: cannot read: No such file or directory");
    free(error);
    al_config_free(&c);
}

static void test_found_upward(void **state)
{
    (void)state;
    char *stale = al_xasprintf("%s/up/a/.asynclock.json", AL_TEST_WORK_DIR);
    remove(stale); /* from an earlier run */
    free(stale);
    free(test_write("up/.asynclock.json", "{}"));
    char *deep = al_xasprintf("%s/up/a/b/c", AL_TEST_WORK_DIR);
    test_mkdirs(deep);
    char *found = al_config_find(deep);
    char *expected = al_xasprintf("%s/up/.asynclock.json", AL_TEST_WORK_DIR);
    assert_non_null(found);
    assert_string_equal(found, expected);
    free(found);
    /* the nearest one wins */
    free(test_write("up/a/.asynclock.json", "{}"));
    found = al_config_find(deep);
    free(expected);
    expected = al_xasprintf("%s/up/a/.asynclock.json", AL_TEST_WORK_DIR);
    assert_string_equal(found, expected);
    free(found);
    free(expected);
    free(deep);
    /* a folder is not a configuration */
    char *dir = al_xasprintf("%s/dironly/.asynclock.json", AL_TEST_WORK_DIR);
    test_mkdirs(dir);
    char *below = al_xasprintf("%s/dironly", AL_TEST_WORK_DIR);
    found = al_config_find(below);
    /* nothing in dironly itself; anything found lies above the work folder */
    assert_true(found == NULL || strncmp(found, AL_TEST_WORK_DIR, strlen(AL_TEST_WORK_DIR)) != 0);
    free(found);
    free(below);
    free(dir);
}

static void test_exclude_globs(void **state)
{
    (void)state;
    char *patterns[] = {"third_party/**", "tests/", "*.pb.c", "gen/?.c"};
    assert_true(al_config_path_excluded("/p/third_party/zlib/inflate.c", "/p", patterns, 4));
    assert_true(al_config_path_excluded("/p/tests/unit/a.c", "/p", patterns, 4));
    assert_true(al_config_path_excluded("/p/src/msg.pb.c", "/p", patterns, 4)); /* '*' crosses folders */
    assert_true(al_config_path_excluded("/p/gen/a.c", "/p", patterns, 4));
    assert_false(al_config_path_excluded("/p/gen/ab.c", "/p", patterns, 4));
    assert_false(al_config_path_excluded("/p/src/tests.c", "/p", patterns, 4));
    assert_false(al_config_path_excluded("/q/third_party/x.c", "/p", patterns, 4)); /* outside the folder */
    assert_false(al_config_path_excluded("/p/third_party/x.c", "/p", patterns, 0));
}

/* The in-memory reader agrees with the file reader: same settings, same errors, same folder. */
static void test_parse_from_memory(void **state)
{
    (void)state;
    al_config c;
    char *error = NULL;
    assert_true(al_config_parse(&c, "/p/q/.asynclock.json", full, strlen(full), &error));
    assert_string_equal(c.folder, "/p/q");
    assert_string_equal(c.rule_paths.items[0], "/p/q/packs/x.json");
    assert_string_equal(c.fail_on, "error");
    assert_non_null(c.pack);
    al_config_free(&c);
    static const char bad[] = "{\"version\": 1,\n \"x\": 1}";
    assert_false(al_config_parse(&c, "/p/.asynclock.json", bad, strlen(bad), &error));
    assert_string_equal(error, "/p/.asynclock.json:2:7: error: \"x\": unknown key");
    free(error);
    al_config_free(&c);
    error = NULL;
    assert_false(al_config_parse(&c, "/p/.asynclock.json", "{}", 1, &error)); /* `len` bounds the text */
    assert_string_equal(error, "/p/.asynclock.json:1:2: error: malformed JSON");
    free(error);
    al_config_free(&c);
}

int main(void)
{
    test_mkdirs(AL_TEST_WORK_DIR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_key),           cmocka_unit_test(test_empty_file_sets_nothing),
        cmocka_unit_test(test_errors_name_the_key), cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_found_upward),        cmocka_unit_test(test_exclude_globs),
        cmocka_unit_test(test_parse_from_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
