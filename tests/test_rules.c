/* Unit tests for analyzer/rules: the shipped rule packs, argument conditions, context matching,
 * family fixes, strict pack validation with positioned errors, overrides and browsing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "test_helpers.h"

#define SHIPPED_RULES AL_TEST_SOURCE_DIR "/rules"

/* The shipped packs, loaded once for the tests that only read them. */
static al_rules *shipped;

static al_strtab names;

static int load_shipped(void **state)
{
    (void)state;
    al_strtab_init(&names);
    shipped = al_rules_new();
    char *error = NULL;
    if (!al_rules_load_path(shipped, SHIPPED_RULES, &error)) {
        print_error("%s\n", error);
        free(error);
        return -1;
    }
    al_rules_index(shipped);
    return 0;
}

static int free_shipped(void **state)
{
    (void)state;
    al_rules_free(shipped);
    shipped = NULL;
    al_strtab_free(&names);
    return 0;
}

/* ---- captured output ---- */

typedef struct capture {
    FILE *f;
    char *text;
    size_t len;
} capture;

static void capture_open(capture *c)
{
    c->text = NULL;
    c->len = 0;
    c->f = open_memstream(&c->text, &c->len);
    assert_non_null(c->f);
}

static void capture_close(capture *c)
{
    fclose(c->f);
    c->f = NULL;
}

/* ---- the shipped packs ---- */

static void test_shipped_posix_pack(void **state)
{
    (void)state;
    al_rules *r = al_rules_new();
    char *error = NULL;
    assert_true(al_rules_load_path(r, SHIPPED_RULES "/posix.json", &error));
    assert_null(error);
    al_rules_index(r);
    size_t posix = al_rules_api_count(r);
    assert_true(posix >= 60);
    al_rules_free(r);

    /* the folder holds posix and more; no API name is in two shipped packs, so the whole database
     * has as many APIs as the packs one by one */
    static const char *const packs[] = {
        "libuv", "libevent", "libev",   "glib", "ae",      "nginx",   "libpq",
        "mysql", "sqlite3",  "hiredis", "curl", "openssl", "pthread", "posix-nonblocking"};
    size_t total = posix;
    for (size_t i = 0; i < sizeof(packs) / sizeof(packs[0]); i++) {
        char *path = al_xasprintf("%s/%s.json", SHIPPED_RULES, packs[i]);
        r = al_rules_new();
        assert_true(al_rules_load_path(r, path, &error));
        al_rules_index(r);
        total += al_rules_api_count(r);
        al_rules_free(r);
        free(path);
    }
    assert_int_equal(al_rules_api_count(shipped), total);
    assert_true(total >= 200);
}

static void test_shipped_apis(void **state)
{
    (void)state;
    const al_api_rule *sleep_rule = al_rules_find_api(shipped, "sleep");
    assert_non_null(sleep_rule);
    assert_string_equal(sleep_rule->name, "sleep");
    assert_string_equal(sleep_rule->pack, "posix");
    assert_string_equal(sleep_rule->category, "sleep");
    assert_int_equal(sleep_rule->severity, AL_SEVERITY_ERROR);
    assert_false(sleep_rule->conditional);
    assert_int_equal(sleep_rule->unless_count, 0);
    assert_int_equal(sleep_rule->only_if_count, 0);
    assert_true(strlen(sleep_rule->why) > 0);
    assert_true(strlen(sleep_rule->fix) > 0);

    const al_api_rule *read_rule = al_rules_find_api(shipped, "read");
    assert_non_null(read_rule);
    assert_true(read_rule->conditional);
    assert_string_equal(read_rule->category, "network");

    const al_api_rule *uv_sleep = al_rules_find_api(shipped, "uv_sleep");
    assert_non_null(uv_sleep);
    assert_string_equal(uv_sleep->pack, "libuv");

    /* printing to the terminal is not blocking; a stream's writes are conditional on its origin */
    assert_null(al_rules_find_api(shipped, "printf"));
    const al_api_rule *fprintf_rule = al_rules_find_api(shipped, "fprintf");
    assert_non_null(fprintf_rule);
    assert_true(fprintf_rule->conditional);
    assert_false(al_rules_known_nonblocking(shipped, "fprintf"));
    assert_null(al_rules_find_api(shipped, "no_such_function"));
    assert_null(al_rules_find_api(shipped, ""));
    assert_null(al_rules_find_api(shipped, "slee"));
}

static void test_shipped_conditions(void **state)
{
    (void)state;
    const al_api_rule *waitpid_rule = al_rules_find_api(shipped, "waitpid");
    assert_non_null(waitpid_rule);
    assert_int_equal(waitpid_rule->unless_count, 1);
    assert_int_equal(waitpid_rule->unless[0].arg, 2);
    assert_int_equal(waitpid_rule->unless[0].test, AL_TEST_HAS_BITS);
    assert_int_equal(waitpid_rule->unless[0].value, 1);

    const al_api_rule *uv_fs_open = al_rules_find_api(shipped, "uv_fs_open");
    assert_non_null(uv_fs_open);
    assert_int_equal(uv_fs_open->only_if_count, 1);
    assert_int_equal(uv_fs_open->only_if[0].arg, -1);
    assert_int_equal(uv_fs_open->only_if[0].test, AL_TEST_IS_NULL);
}

/* Call arguments as the extractor records them; variable names live in `names`. */

static al_fact_arg unknown_arg(void)
{
    return (al_fact_arg){.kind = AL_ARG_UNKNOWN};
}

static al_fact_arg int_arg(long long value)
{
    return (al_fact_arg){.kind = AL_ARG_INT, .value = value};
}

static al_fact_arg null_arg(void)
{
    return (al_fact_arg){.kind = AL_ARG_NULL};
}

static al_fact_arg variable_arg(const char *name)
{
    return (al_fact_arg){.kind = AL_ARG_VARIABLE, .name = al_strtab_intern(&names, name)};
}

/* Whether the call blocks with --conditional on (the argument tests alone). */
static bool blocks(const al_api_rule *api, const al_fact_arg *args, size_t count)
{
    al_call_args call = {args, count, &names, NULL, NULL, NULL};
    return al_rules_call_blocks(api, &call, true);
}

/* An "opened_by" oracle for the tests: `fd` was opened by open(path, O_RDONLY) (0), `sock` by
 * socket(), `fp_fd` by fileno(fopen(...)), `nb` by open(path, O_NONBLOCK) (04000); any other
 * name by dup(). */
static bool test_opened_by(const void *context, const al_fact_arg *variable, const al_origin *origins, size_t count,
                           bool every)
{
    (void)context;
    (void)every; /* each name has one origin: "every" and "any" agree */
    const char *name = al_str(&names, variable->name);
    al_fact_arg open_args[2] = {unknown_arg(), int_arg(strcmp(name, "nb") == 0 ? 04000 : 0)};
    al_fact_arg fileno_args[1] = {{.kind = AL_ARG_CALL, .name = al_strtab_intern(&names, "fopen")}};
    const char *callee = "open";
    if (strcmp(name, "sock") == 0)
        callee = "socket";
    else if (strcmp(name, "fp_fd") == 0)
        callee = "fileno";
    else if (strcmp(name, "other") == 0)
        callee = "dup";
    const al_fact_arg *args = strcmp(name, "fp_fd") == 0 ? fileno_args : open_args;
    size_t n = strcmp(name, "fp_fd") == 0 ? 1 : 2;
    for (size_t i = 0; i < count; i++)
        if (al_rules_origin_matches(&origins[i], callee, args, n, &names))
            return true;
    return false;
}

static void test_conditional_read_on_a_regular_file(void **state)
{
    (void)state;
    const al_api_rule *api = al_rules_find_api(shipped, "read");
    assert_non_null(api);
    assert_true(api->conditional);
    const char *vars[] = {"fd", "sock", "fp_fd", "nb", "other"};
    const bool definite[] = {true, false, true, false, false};
    for (int i = 0; i < 5; i++) {
        al_fact_arg args[3] = {variable_arg(vars[i]), unknown_arg(), unknown_arg()};
        al_call_args call = {args, 3, &names, test_opened_by, NULL, NULL};
        assert_int_equal(al_rules_call_blocks(api, &call, false), definite[i]);
        assert_true(al_rules_call_blocks(api, &call, true)); /* --conditional: every read */
    }
    /* what the pack proves is file I/O is reported as such */
    al_fact_arg file_args[3] = {variable_arg("fd"), unknown_arg(), unknown_arg()};
    al_call_args file_call = {file_args, 3, &names, test_opened_by, NULL, NULL};
    assert_string_equal(al_rules_call_category(api, &file_call), "file-io");
    al_fact_arg sock_args[3] = {variable_arg("sock"), unknown_arg(), unknown_arg()};
    al_call_args sock_call = {sock_args, 3, &names, test_opened_by, NULL, NULL};
    assert_string_equal(al_rules_call_category(api, &sock_call), "network");
    /* a descriptor that is not a variable proves nothing */
    al_fact_arg args[3] = {int_arg(0), unknown_arg(), unknown_arg()};
    al_call_args call = {args, 3, &names, test_opened_by, NULL, NULL};
    assert_false(al_rules_call_blocks(api, &call, false));
}

static void test_call_blocks_waitpid(void **state)
{
    (void)state;
    const al_api_rule *api = al_rules_find_api(shipped, "waitpid");
    assert_non_null(api);
    al_fact_arg args[3] = {unknown_arg(), unknown_arg(), int_arg(1)};
    assert_false(blocks(api, args, 3)); /* WNOHANG */
    args[2] = int_arg(3);               /* WNOHANG | WUNTRACED */
    assert_false(blocks(api, args, 3));
    args[2] = int_arg(2); /* WUNTRACED only */
    assert_true(blocks(api, args, 3));
    args[2] = int_arg(0);
    assert_true(blocks(api, args, 3));
    args[2] = unknown_arg(); /* computed at run time: not proven non-blocking */
    args[2].value = 1;
    assert_true(blocks(api, args, 3));
    args[2] = variable_arg("options");
    assert_true(blocks(api, args, 3));
    args[2] = null_arg();
    assert_true(blocks(api, args, 3));
    /* fewer arguments than the condition names */
    args[2] = int_arg(1);
    assert_true(blocks(api, args, 2));
}

static void test_call_blocks_uv_run(void **state)
{
    (void)state;
    const al_api_rule *api = al_rules_find_api(shipped, "uv_run");
    assert_non_null(api);
    assert_string_equal(api->category, "nested-loop");
    al_fact_arg args[2] = {unknown_arg(), int_arg(2)};
    assert_false(blocks(api, args, 2)); /* UV_RUN_NOWAIT */
    args[1] = int_arg(0);               /* UV_RUN_DEFAULT */
    assert_true(blocks(api, args, 2));
    args[1] = int_arg(1); /* UV_RUN_ONCE */
    assert_true(blocks(api, args, 2));
    args[1] = unknown_arg();
    args[1].value = 2;
    assert_true(blocks(api, args, 2));
}

static void test_call_blocks_uv_fs_open(void **state)
{
    (void)state;
    const al_api_rule *api = al_rules_find_api(shipped, "uv_fs_open");
    assert_non_null(api);
    al_fact_arg args[6] = {unknown_arg(), unknown_arg(), unknown_arg(), int_arg(0), int_arg(0644), null_arg()};
    assert_true(blocks(api, args, 6)); /* NULL callback: synchronous */
    args[5] = unknown_arg();           /* a callback */
    assert_false(blocks(api, args, 6));
    args[5] = variable_arg("on_open");
    assert_false(blocks(api, args, 6));
    /* "-1" is the last argument, wherever it is */
    args[4] = null_arg();
    assert_true(blocks(api, args, 5));
    assert_false(blocks(api, args, 0));
}

static void test_call_blocks_standard_streams(void **state)
{
    (void)state;
    /* flushing the standard streams is logging; flushing a file is file I/O */
    const al_api_rule *api = al_rules_find_api(shipped, "fflush");
    assert_non_null(api);
    al_fact_arg arg = variable_arg("stderr");
    assert_false(blocks(api, &arg, 1));
    arg = variable_arg("stdout");
    assert_false(blocks(api, &arg, 1));
    arg = variable_arg("logfile");
    assert_true(blocks(api, &arg, 1));
    arg = unknown_arg();
    assert_true(blocks(api, &arg, 1));
    arg = null_arg(); /* fflush(NULL) flushes every stream */
    assert_true(blocks(api, &arg, 1));

    api = al_rules_find_api(shipped, "fputs");
    assert_non_null(api);
    al_fact_arg args[2] = {unknown_arg(), variable_arg("stderr")};
    assert_false(blocks(api, args, 2));
    args[1] = variable_arg("file");
    assert_true(blocks(api, args, 2));
    /* the name must be the stream argument's */
    al_fact_arg swapped[2] = {variable_arg("stderr"), unknown_arg()};
    assert_true(blocks(api, swapped, 2));
}

static void test_contexts(void **state)
{
    (void)state;
    const al_context_rule *c = al_rules_match_context(shipped, "uv_read_cb", NULL, -1, NULL);
    assert_non_null(c);
    assert_int_equal(c->role, AL_ROLE_HANDLER);
    assert_int_equal(c->match, AL_MATCH_CALLBACK_TYPE);
    assert_string_equal(c->pattern, "uv_read_cb");
    assert_non_null(strstr(c->kind, "uv_read_cb"));
    assert_string_equal(c->family, "libuv");
    assert_string_equal(c->pack, "libuv");

    c = al_rules_match_context(shipped, "uv_work_cb", NULL, -1, NULL);
    assert_non_null(c);
    assert_int_equal(c->role, AL_ROLE_WORKER);

    c = al_rules_match_context(shipped, NULL, "pthread_create", 2, NULL);
    assert_non_null(c);
    assert_int_equal(c->role, AL_ROLE_WORKER);
    assert_int_equal(c->match, AL_MATCH_CALL_ARG);
    assert_int_equal(c->arg, 2);
    assert_string_equal(c->kind, "pthread thread entry");

    /* another argument of the same call, or names no rule has */
    assert_null(al_rules_match_context(shipped, NULL, "pthread_create", 1, NULL));
    assert_null(al_rules_match_context(shipped, "my_own_cb", "my_register", 0, "conn.cb"));
    assert_null(al_rules_match_context(shipped, NULL, NULL, -1, NULL));
}

static void test_contexts_handler_wins(void **state)
{
    (void)state;
    /* a handler by its type, a worker by the call it is passed to: the handler wins */
    const al_context_rule *c = al_rules_match_context(shipped, "uv_timer_cb", "pthread_create", 2, NULL);
    assert_non_null(c);
    assert_int_equal(c->role, AL_ROLE_HANDLER);
    assert_string_equal(c->pattern, "uv_timer_cb");
    c = al_rules_match_context(shipped, "uv_work_cb", NULL, -1, NULL);
    assert_int_equal(c->role, AL_ROLE_WORKER);

    /* also when the handler rule comes after the worker rule */
    al_rules *r = al_rules_new();
    char *error = NULL;
    assert_true(al_rules_load_path(r, SHIPPED_RULES, &error));
    char *path =
        test_write("contexts/late-handler.json",
                   "{\"pack\": \"late\", \"version\": 1, \"family\": \"mine\", \"contexts\": [\n"
                   "  {\"role\": \"handler\", \"call\": \"pthread_create\", \"arg\": 2, \"kind\": \"late handler\"},\n"
                   "  {\"role\": \"handler\", \"field\": \"conn.on_data\", \"kind\": \"field handler\"}\n"
                   "]}\n");
    bool ok = al_rules_load_path(r, path, &error);
    if (!ok)
        print_error("%s\n", error);
    assert_true(ok);
    al_rules_index(r);
    c = al_rules_match_context(r, "uv_work_cb", "pthread_create", 2, NULL);
    assert_non_null(c);
    assert_int_equal(c->role, AL_ROLE_HANDLER);
    assert_string_equal(c->kind, "late handler");
    assert_string_equal(c->family, "mine");
    c = al_rules_match_context(r, NULL, NULL, -1, "conn.on_data");
    assert_non_null(c);
    assert_int_equal(c->match, AL_MATCH_FIELD);
    assert_string_equal(c->kind, "field handler");
    al_rules_free(r);
    free(path);
}

static void test_fixes(void **state)
{
    (void)state;
    const al_api_rule *api = al_rules_find_api(shipped, "getaddrinfo");
    assert_non_null(api);
    /* the family's fix for this API */
    const char *fix = al_rules_fix(shipped, "libuv", api);
    assert_string_equal(fix, "resolve with uv_getaddrinfo and continue in its uv_getaddrinfo_cb");
    assert_non_null(strstr(fix, "uv_getaddrinfo"));
    /* no family, or a family with no fixes: the API's own generic fix */
    assert_ptr_equal(al_rules_fix(shipped, "", api), api->fix);
    assert_ptr_equal(al_rules_fix(shipped, NULL, api), api->fix);
    assert_ptr_equal(al_rules_fix(shipped, "nosuchfamily", api), api->fix);
    /* each loop family has its own */
    assert_non_null(strstr(al_rules_fix(shipped, "libevent", api), "evdns_getaddrinfo"));
    assert_non_null(strstr(al_rules_fix(shipped, "glib", api), "g_resolver_lookup_by_name_async"));
    assert_null(strstr(api->fix, "uv_"));

    /* no fix for the API in the family: the family's fix for its category */
    const al_api_rule *cond_wait = al_rules_find_api(shipped, "pthread_cond_wait");
    assert_non_null(cond_wait);
    assert_string_equal(cond_wait->category, "sync");
    assert_string_equal(al_rules_fix(shipped, "libuv", cond_wait),
                        "do the waiting in uv_queue_work's work callback and continue in the after-work callback");
    assert_ptr_equal(al_rules_fix(shipped, "", cond_wait), cond_wait->fix);

    assert_string_equal(al_rules_category_fix(shipped, "libuv", "sleep"),
                        "schedule the rest of the work with uv_timer_start instead of sleeping");
    assert_null(al_rules_category_fix(shipped, "", "sleep"));
    assert_null(al_rules_category_fix(shipped, NULL, "sleep"));
    assert_null(al_rules_category_fix(shipped, "libuv", "custom"));
    assert_null(al_rules_category_fix(shipped, "nosuchfamily", "sleep"));
}

static void test_severity_names(void **state)
{
    (void)state;
    al_severity s = AL_SEVERITY_NOTE;
    assert_true(al_severity_parse("error", &s));
    assert_int_equal(s, AL_SEVERITY_ERROR);
    assert_true(al_severity_parse("warning", &s));
    assert_int_equal(s, AL_SEVERITY_WARNING);
    assert_true(al_severity_parse("note", &s));
    assert_int_equal(s, AL_SEVERITY_NOTE);
    s = AL_SEVERITY_WARNING;
    assert_false(al_severity_parse("Error", &s));
    assert_false(al_severity_parse("never", &s));
    assert_false(al_severity_parse("", &s));
    assert_false(al_severity_parse(NULL, &s));
    assert_int_equal(s, AL_SEVERITY_WARNING);
    assert_string_equal(al_severity_name(AL_SEVERITY_ERROR), "error");
    assert_string_equal(al_severity_name(AL_SEVERITY_WARNING), "warning");
    assert_string_equal(al_severity_name(AL_SEVERITY_NOTE), "note");
}

static void test_default_dir(void **state)
{
    (void)state;
    const char *env = getenv("ASYNCLOCK_RULES_DIR");
    char *saved = env ? al_xstrdup(env) : NULL;
    setenv("ASYNCLOCK_RULES_DIR", "/some/where/rules", 1);
    char *dir = al_rules_default_dir();
    assert_string_equal(dir, "/some/where/rules");
    free(dir);
    /* unset (or empty): not installed next to the test binary, so the source tree's rules */
    setenv("ASYNCLOCK_RULES_DIR", "", 1);
    dir = al_rules_default_dir();
    assert_string_equal(dir, SHIPPED_RULES);
    free(dir);
    if (saved) {
        setenv("ASYNCLOCK_RULES_DIR", saved, 1);
        free(saved);
    } else {
        unsetenv("ASYNCLOCK_RULES_DIR");
    }
}

/* ---- malformed packs ---- */

/* Loads pack text `json` written as bad/<name> into fresh rules, expecting failure with exactly
 * "<path>:<position_and_message>". */
static void expect_pack_error(const char *name, const char *json, const char *position_and_message)
{
    char *file = al_xasprintf("bad/%s", name);
    char *path = test_write(file, json);
    free(file);
    al_rules *r = al_rules_new();
    char *error = NULL;
    assert_false(al_rules_load_path(r, path, &error));
    assert_non_null(error);
    char *expected = al_xasprintf("%s:%s", path, position_and_message);
    assert_string_equal(error, expected);
    free(expected);
    free(error);
    /* nothing of the failed pack is left */
    al_rules_index(r);
    assert_int_equal(al_rules_api_count(r), 0);
    assert_null(al_rules_match_context(r, "my_cb", "register", 1, NULL));
    al_rules_free(r);
    free(path);
}

static void test_bad_json(void **state)
{
    (void)state;
    expect_pack_error("bad_json.json",
                      "{\n"
                      "  \"pack\": \"bad\",\n"
                      "  \"version\": 1,\n"
                      "  \"apis\": [\n"
                      "    {\"name\": \"x\", \"why\": }\n"
                      "  ]\n"
                      "}\n",
                      "5:26: error: malformed JSON");
    expect_pack_error("empty.json", "", "1:1: error: empty file, expected JSON");
    expect_pack_error("array.json", "[]\n", "1:1: error: a rule pack must be a JSON object");
}

static void test_unknown_top_level_key(void **state)
{
    (void)state;
    expect_pack_error("unknown_key.json",
                      "{\n"
                      "  \"pack\": \"p\",\n"
                      "  \"version\": 1,\n"
                      "  \"contxts\": []\n"
                      "}\n",
                      "4:14: error: unknown key \"contxts\"");
    /* found by the fuzzer: a key with a newline made the one-line error two lines */
    expect_pack_error("newline_key.json", "{\"pack\": \"p\", \"version\": 1, \"a\\nb\\u001b\": 2}\n",
                      "1:43: error: unknown key \"a\\nb\\x1b\"");
}

static void test_bad_severity(void **state)
{
    (void)state;
    expect_pack_error("bad_severity.json",
                      "{\n"
                      "  \"pack\": \"p\",\n"
                      "  \"version\": 1,\n"
                      "  \"apis\": [\n"
                      "    {\"name\": \"ok\", \"category\": \"sleep\", \"severity\": \"error\", \"confidence\": "
                      "\"definite\", \"why\": \"w\", \"fix\": \"f\"},\n"
                      "    {\"name\": \"x\", \"category\": \"sleep\",\n"
                      "     \"severity\": \"fatal\", \"confidence\": \"definite\", \"why\": \"w\", \"fix\": \"f\"}\n"
                      "  ]\n"
                      "}\n",
                      "7:18: error: \"severity\" must be one of error, warning, note");
    expect_pack_error("bad_category.json",
                      "{\"pack\": \"p\", \"version\": 1, \"apis\": [\n"
                      "  {\"name\": \"x\", \"category\": \"slep\", \"severity\": \"error\", \"confidence\": "
                      "\"definite\", \"why\": \"w\", \"fix\": \"f\"}]}\n",
                      "2:29: error: \"category\" must be one of sleep, file-io, dns, process, sync, database, "
                      "http, nested-loop, network, custom, lock");
    expect_pack_error("severity_number.json",
                      "{\"pack\": \"p\", \"version\": 1, \"apis\": [\n"
                      "  {\"name\": \"x\", \"category\": \"sleep\", \"severity\": 2, \"confidence\": \"definite\", "
                      "\"why\": \"w\", \"fix\": \"f\"}]}\n",
                      "2:50: error: \"severity\" must be a non-empty string");
}

static void test_missing_why(void **state)
{
    (void)state;
    expect_pack_error("missing_why.json",
                      "{\n"
                      "  \"pack\": \"p\",\n"
                      "  \"version\": 1,\n"
                      "  \"apis\": [\n"
                      "    {\"name\": \"x\", \"category\": \"sleep\", \"severity\": \"error\", \"confidence\": "
                      "\"definite\", \"fix\": \"f\"}\n"
                      "  ]\n"
                      "}\n",
                      "5:5: error: missing \"why\"");
    expect_pack_error("missing_pack.json", "{\n  \"version\": 1\n}\n", "1:1: error: missing \"pack\"");
    expect_pack_error("missing_version.json", "{\n  \"pack\": \"p\"\n}\n", "1:1: error: missing \"version\" (1)");
}

static void test_two_condition_tests(void **state)
{
    (void)state;
    expect_pack_error("two_tests.json",
                      "{\n"
                      "  \"pack\": \"p\",\n"
                      "  \"version\": 1,\n"
                      "  \"apis\": [\n"
                      "    {\"name\": \"x\", \"category\": \"process\", \"severity\": \"error\", \"confidence\": "
                      "\"definite\", \"why\": \"w\", \"fix\": \"f\",\n"
                      "     \"unless\": [{\"arg\": 0, \"equals\": 1}, {\"arg\": 2, \"equals\": 1, \"has_bits\": 1}]}\n"
                      "  ]\n"
                      "}\n",
                      "6:42: error: an argument condition needs exactly one of \"equals\", \"has_bits\", \"is_null\", "
                      "\"variable_in\", \"opened_by\", \"only_opened_by\", \"prefix_in\", \"flushed_by\"");
    expect_pack_error("no_test.json",
                      "{\"pack\": \"p\", \"version\": 1, \"apis\": [\n"
                      "  {\"name\": \"x\", \"category\": \"process\", \"severity\": \"error\", \"confidence\": "
                      "\"definite\", \"why\": \"w\", \"fix\": \"f\",\n"
                      "   \"only_if\": [{\"arg\": 1}]}]}\n",
                      "3:16: error: an argument condition needs exactly one of \"equals\", \"has_bits\", \"is_null\", "
                      "\"variable_in\", \"opened_by\", \"only_opened_by\", \"prefix_in\", \"flushed_by\"");
    expect_pack_error("field_without_value_test.json",
                      "{\"pack\": \"p\", \"version\": 1, \"apis\": [\n"
                      "  {\"name\": \"x\", \"category\": \"dns\", \"severity\": \"error\", \"confidence\": "
                      "\"definite\", \"why\": \"w\", \"fix\": \"f\",\n"
                      "   \"unless\": [{\"arg\": 2, \"field\": \"ai_flags\", \"is_null\": true}]}]}\n",
                      "3:15: error: \"field\" must be a field name, with \"equals\" or \"has_bits\"");
    expect_pack_error("bad_arg.json",
                      "{\"pack\": \"p\", \"version\": 1, \"apis\": [\n"
                      "  {\"name\": \"x\", \"category\": \"process\", \"severity\": \"error\", \"confidence\": "
                      "\"definite\", \"why\": \"w\", \"fix\": \"f\",\n"
                      "   \"unless\": [{\"arg\": -2, \"equals\": 1}]}]}\n",
                      "3:15: error: \"arg\" must be an argument index (0 or more, or -1 for the last)");
    expect_pack_error(
        "kept_without_flushed.json",
        "{\"pack\": \"p\", \"version\": 1, \"apis\": [\n"
        "  {\"name\": \"x\", \"category\": \"file-io\", \"severity\": \"error\", \"confidence\": "
        "\"definite\", \"why\": \"w\", \"fix\": \"f\",\n"
        "   \"unless\": [{\"arg\": 0, \"is_null\": true, \"flush_kept_by\": [\"fileno\"]}]}]}\n",
        "3:15: error: \"flush_kept_by\" must be a non-empty array of function names, with \"flushed_by\"");
    expect_pack_error("empty_flushed_by.json",
                      "{\"pack\": \"p\", \"version\": 1, \"apis\": [\n"
                      "  {\"name\": \"x\", \"category\": \"file-io\", \"severity\": \"error\", \"confidence\": "
                      "\"definite\", \"why\": \"w\", \"fix\": \"f\",\n"
                      "   \"unless\": [{\"arg\": 0, \"flushed_by\": []}]}]}\n",
                      "3:15: error: \"flushed_by\" must be a non-empty array of function names");
    expect_pack_error("empty_variable_in.json",
                      "{\"pack\": \"p\", \"version\": 1, \"apis\": [\n"
                      "  {\"name\": \"x\", \"category\": \"file-io\", \"severity\": \"error\", \"confidence\": "
                      "\"definite\", \"why\": \"w\", \"fix\": \"f\",\n"
                      "   \"unless\": [{\"arg\": 0, \"variable_in\": []}]}]}\n",
                      "3:15: error: \"variable_in\" must be a non-empty array of variable names");
    expect_pack_error("category_without_proof.json",
                      "{\"pack\": \"p\", \"version\": 1, \"apis\": [\n"
                      "  {\"name\": \"x\", \"category\": \"network\", \"severity\": \"error\", \"confidence\": "
                      "\"conditional\", \"why\": \"w\", \"fix\": \"f\", \"definite_category\": \"file-io\"}]}\n",
                      "2:3: error: \"definite_category\" needs \"definite_if\"");
    expect_pack_error("fraction.json",
                      "{\"pack\": \"p\", \"version\": 1, \"apis\": [\n"
                      "  {\"name\": \"x\", \"category\": \"process\", \"severity\": \"error\", \"confidence\": "
                      "\"definite\", \"why\": \"w\", \"fix\": \"f\",\n"
                      "   \"unless\": [{\"arg\": 2, \"has_bits\": 1.5}]}]}\n",
                      "3:15: error: \"has_bits\" must be an integer");
    /* found by the fuzzer: converting 1e300 to long long was undefined behaviour */
    expect_pack_error("huge.json",
                      "{\"pack\": \"p\", \"version\": 1, \"apis\": [\n"
                      "  {\"name\": \"x\", \"category\": \"process\", \"severity\": \"error\", \"confidence\": "
                      "\"definite\", \"why\": \"w\", \"fix\": \"f\",\n"
                      "   \"unless\": [{\"arg\": 0, \"equals\": 1e300}, {\"arg\": 1, \"equals\": 1e999}]}]}\n",
                      "3:15: error: \"equals\" must be an integer");
}

static void test_context_with_two_matches(void **state)
{
    (void)state;
    expect_pack_error("context_both.json",
                      "{\n"
                      "  \"pack\": \"p\",\n"
                      "  \"version\": 1,\n"
                      "  \"family\": \"f\",\n"
                      "  \"contexts\": [\n"
                      "    {\"role\": \"handler\", \"callback_type\": \"my_cb\", \"kind\": \"k\"},\n"
                      "    {\"role\": \"handler\", \"callback_type\": \"my_cb\", \"call\": \"register\", \"arg\": 1, "
                      "\"kind\": \"k\"}\n"
                      "  ]\n"
                      "}\n",
                      "7:5: error: a context needs exactly one of \"callback_type\", \"call\", \"field\", "
                      "\"name_pattern\", \"marker_call\"");
    expect_pack_error("call_without_arg.json",
                      "{\"pack\": \"p\", \"version\": 1, \"contexts\": [\n"
                      "  {\"role\": \"worker\", \"call\": \"register\", \"kind\": \"k\"}]}\n",
                      "2:3: error: a \"call\" context needs \"arg\", the argument index (from 0)");
    expect_pack_error("bad_role.json",
                      "{\"pack\": \"p\", \"version\": 1, \"contexts\": [\n"
                      "  {\"role\": \"loop\", \"callback_type\": \"my_cb\", \"kind\": \"k\"}]}\n",
                      "2:12: error: \"role\" must be one of handler, worker");
}

static void test_fixes_without_family(void **state)
{
    (void)state;
    expect_pack_error("fixes_no_family.json",
                      "{\n"
                      "  \"pack\": \"p\",\n"
                      "  \"version\": 1,\n"
                      "  \"fixes\": [\n"
                      "    {\"category\": \"sleep\", \"fix\": \"f\"}\n"
                      "  ]\n"
                      "}\n",
                      "5:5: error: a fix needs a \"family\", here or in the pack");
    expect_pack_error("fix_both.json",
                      "{\"pack\": \"p\", \"version\": 1, \"family\": \"f\", \"fixes\": [\n"
                      "  {\"category\": \"sleep\", \"api\": \"sleep\", \"fix\": \"f\"}]}\n",
                      "2:3: error: a fix needs exactly one of \"category\" and \"api\"");
}

static void test_version_2(void **state)
{
    (void)state;
    expect_pack_error("version2.json",
                      "{\n"
                      "  \"pack\": \"p\",\n"
                      "  \"version\": 2\n"
                      "}\n",
                      "3:14: error: unsupported \"version\": this asynclock reads version 1");
    expect_pack_error("version_string.json", "{\"pack\": \"p\", \"version\": \"1\"}",
                      "1:26: error: unsupported \"version\": this asynclock reads version 1");
}

static void test_duplicate_api_in_pack(void **state)
{
    (void)state;
    expect_pack_error("dup_api.json",
                      "{\n"
                      "  \"pack\": \"p\",\n"
                      "  \"version\": 1,\n"
                      "  \"apis\": [\n"
                      "    {\"name\": \"dup_me\", \"category\": \"sleep\", \"severity\": \"error\", \"confidence\": "
                      "\"definite\", \"why\": \"w\", \"fix\": \"f\"},\n"
                      "    {\"name\": \"other\", \"category\": \"sleep\", \"severity\": \"error\", \"confidence\": "
                      "\"definite\", \"why\": \"w\", \"fix\": \"f\"},\n"
                      "    {\"name\": \"dup_me\", \"category\": \"dns\", \"severity\": \"note\", \"confidence\": "
                      "\"definite\", \"why\": \"w\", \"fix\": \"f\"}\n"
                      "  ]\n"
                      "}\n",
                      "7:14: error: API \"dup_me\" is listed twice in this pack");
}

static void test_duplicate_pack_name(void **state)
{
    (void)state;
    /* two files of one folder */
    free(test_write("dup-packs/a.json", "{\"pack\": \"same\", \"version\": 1, \"apis\": [\n"
                                        "  {\"name\": \"from_a\", \"category\": \"sleep\", \"severity\": \"error\", "
                                        "\"confidence\": \"definite\", \"why\": \"w\", \"fix\": \"f\"}]}\n"));
    char *b =
        test_write("dup-packs/b.json", "{\n"
                                       "  \"pack\": \"same\", \"version\": 1, \"apis\": [\n"
                                       "  {\"name\": \"from_b\", \"category\": \"sleep\", \"severity\": \"error\", "
                                       "\"confidence\": \"definite\", \"why\": \"w\", \"fix\": \"f\"}]}\n");
    char *folder = al_xasprintf("%s/dup-packs", AL_TEST_WORK_DIR);
    al_rules *r = al_rules_new();
    char *error = NULL;
    assert_false(al_rules_load_path(r, folder, &error));
    char *expected = al_xasprintf("%s:2:11: error: another loaded pack has this name", b);
    assert_string_equal(error, expected);
    free(expected);
    free(error);
    /* the first pack stays loaded, the second loaded nothing */
    al_rules_index(r);
    assert_int_equal(al_rules_api_count(r), 1);
    assert_non_null(al_rules_find_api(r, "from_a"));
    assert_null(al_rules_find_api(r, "from_b"));
    al_rules_free(r);
    free(folder);
    free(b);

    /* a user pack named like a shipped one */
    char *user = test_write("user-posix.json", "{\"version\": 1, \"pack\": \"posix\"}\n");
    r = al_rules_new();
    assert_true(al_rules_load_path(r, SHIPPED_RULES, &error));
    assert_false(al_rules_load_path(r, user, &error));
    expected = al_xasprintf("%s:1:24: error: another loaded pack has this name", user);
    assert_string_equal(error, expected);
    free(expected);
    free(error);
    al_rules_free(r);
    free(user);
}

static void test_pack_loads_whole_or_not_at_all(void **state)
{
    (void)state;
    char *path = test_write(
        "partial.json",
        "{\"pack\": \"partial\", \"version\": 1, \"family\": \"fam\",\n"
        " \"apis\": [\n"
        "  {\"name\": \"good_api\", \"category\": \"sleep\", \"severity\": \"error\", \"confidence\": \"definite\", "
        "\"why\": \"w\", \"fix\": \"f\"}],\n"
        " \"contexts\": [{\"role\": \"handler\", \"callback_type\": \"partial_cb\", \"kind\": \"k\"}],\n"
        " \"fixes\": [{\"category\": \"sleep\", \"fix\": \"f\"}, {\"category\": \"bogus\", \"fix\": \"f\"}]}\n");
    al_rules *r = al_rules_new();
    char *error = NULL;
    assert_true(al_rules_load_path(r, SHIPPED_RULES, &error));
    assert_false(al_rules_load_path(r, path, &error));
    char *expected = al_xasprintf("%s:5:60: error: \"category\" must be one of sleep, file-io, dns, process, "
                                  "sync, database, http, nested-loop, network, custom, lock",
                                  path);
    assert_string_equal(error, expected);
    free(expected);
    free(error);
    al_rules_index(r);
    assert_null(al_rules_find_api(r, "good_api"));
    assert_null(al_rules_match_context(r, "partial_cb", NULL, -1, NULL));
    assert_null(al_rules_category_fix(r, "fam", "sleep"));
    assert_non_null(al_rules_find_api(r, "sleep"));
    /* the same name loads once it is valid: the failed attempt did not register it */
    free(test_write("partial.json", "{\"pack\": \"partial\", \"version\": 1}\n"));
    assert_true(al_rules_load_path(r, path, &error));
    al_rules_free(r);
    free(path);
}

static void test_missing_pack_path(void **state)
{
    (void)state;
    al_rules *r = al_rules_new();
    char *error = NULL;
    char *path = al_xasprintf("%s/not-there.json", AL_TEST_WORK_DIR);
    assert_false(al_rules_load_path(r, path, &error));
    char *expected = al_xasprintf("%s: error: rule pack not found", path);
    assert_string_equal(error, expected);
    free(expected);
    free(error);
    free(path);
    al_rules_free(r);
}

/* ---- overrides ---- */

static void test_user_pack_overrides(void **state)
{
    (void)state;
    char *path = test_write(
        "override.json",
        "{\"pack\": \"user\", \"version\": 1, \"apis\": [\n"
        "  {\"name\": \"sleep\", \"category\": \"sleep\", \"severity\": \"warning\", \"confidence\": \"conditional\",\n"
        "   \"why\": \"our sleep is short\", \"fix\": \"do not sleep\"},\n"
        "  {\"name\": \"my_blocking_call\", \"category\": \"custom\", \"severity\": \"note\", \"confidence\": "
        "\"definite\",\n"
        "   \"why\": \"w\", \"fix\": \"f\", \"only_if\": [{\"arg\": 0, \"equals\": -5}]}]}\n");
    al_rules *r = al_rules_new();
    char *error = NULL;
    assert_true(al_rules_load_path(r, SHIPPED_RULES, &error));
    assert_true(al_rules_load_path(r, path, &error));
    al_rules_index(r);
    assert_int_equal(al_rules_api_count(r), al_rules_api_count(shipped) + 1);
    const al_api_rule *s = al_rules_find_api(r, "sleep");
    assert_non_null(s);
    assert_string_equal(s->pack, "user");
    assert_int_equal(s->severity, AL_SEVERITY_WARNING);
    assert_true(s->conditional);
    assert_string_equal(s->why, "our sleep is short");
    assert_string_equal(s->fix, "do not sleep");
    /* the family's fix for the name still applies */
    assert_string_equal(al_rules_fix(r, "libuv", s),
                        "start a uv_timer_t with uv_timer_start and continue in its uv_timer_cb instead of sleeping");
    assert_string_equal(al_rules_fix(r, "", s), "do not sleep");
    /* other shipped APIs are untouched */
    assert_int_equal(al_rules_find_api(r, "usleep")->severity, AL_SEVERITY_ERROR);
    const al_api_rule *mine = al_rules_find_api(r, "my_blocking_call");
    assert_non_null(mine);
    assert_int_equal(mine->only_if_count, 1);
    assert_int_equal(mine->only_if[0].test, AL_TEST_EQUALS);
    assert_int_equal(mine->only_if[0].value, -5);
    al_fact_arg arg = int_arg(-5);
    assert_true(blocks(mine, &arg, 1));
    arg = int_arg(5);
    assert_false(blocks(mine, &arg, 1));
    al_rules_free(r);
    free(path);
}

static void test_folder_loads_in_name_order(void **state)
{
    (void)state;
    free(test_write("ordered/b.json",
                    "{\"pack\": \"b\", \"version\": 1, \"apis\": [{\"name\": \"order_api\", \"category\": \"sleep\", "
                    "\"severity\": \"note\", \"confidence\": \"definite\", \"why\": \"w\", \"fix\": \"from b\"}]}\n"));
    free(test_write("ordered/a.json",
                    "{\"pack\": \"a\", \"version\": 1, \"apis\": [{\"name\": \"order_api\", \"category\": \"dns\", "
                    "\"severity\": \"error\", \"confidence\": \"definite\", \"why\": \"w\", \"fix\": \"from a\"}]}\n"));
    free(test_write("ordered/ignored.txt", "not a pack"));
    char *folder = al_xasprintf("%s/ordered", AL_TEST_WORK_DIR);
    al_rules *r = al_rules_new();
    char *error = NULL;
    assert_true(al_rules_load_path(r, folder, &error));
    al_rules_index(r);
    assert_int_equal(al_rules_api_count(r), 1);
    const al_api_rule *api = al_rules_find_api(r, "order_api");
    assert_string_equal(api->pack, "b");
    assert_string_equal(api->fix, "from b");
    assert_int_equal(api->severity, AL_SEVERITY_NOTE);
    al_rules_free(r);
    free(folder);
}

/* ---- browsing ---- */

static void test_print_list(void **state)
{
    (void)state;
    char *path = test_write("mini.json", "{\"pack\": \"mini\", \"version\": 1, \"description\": \"d\", \"apis\": [\n"
                                         "  {\"name\": \"mini_b\", \"category\": \"sleep\", \"severity\": \"warning\", "
                                         "\"confidence\": \"conditional\", \"why\": \"w\", \"fix\": \"f\"},\n"
                                         "  {\"name\": \"mini_c\", \"category\": \"dns\", \"severity\": \"error\", "
                                         "\"confidence\": \"definite\", \"why\": \"w\", \"fix\": \"f\"},\n"
                                         "  {\"name\": \"mini_a\", \"category\": \"dns\", \"severity\": \"note\", "
                                         "\"confidence\": \"definite\", \"why\": \"w\", \"fix\": \"f\"}]}\n");
    al_rules *r = al_rules_new();
    char *error = NULL;
    assert_true(al_rules_load_path(r, SHIPPED_RULES, &error));
    assert_true(al_rules_load_path(r, path, &error));
    al_rules_index(r);

    capture c;
    capture_open(&c);
    assert_true(al_rules_print_list(r, c.f, NULL, "mini"));
    capture_close(&c);
    assert_string_equal(c.text, "API                          CATEGORY     SEVERITY CONFIDENCE   PACK\n"
                                "mini_a                       dns          note     definite     mini\n"
                                "mini_c                       dns          error    definite     mini\n"
                                "mini_b                       sleep        warning  conditional  mini\n"
                                "3 APIs\n");
    free(c.text);

    capture_open(&c);
    assert_true(al_rules_print_list(r, c.f, "sleep", "mini"));
    capture_close(&c);
    assert_string_equal(c.text, "API                          CATEGORY     SEVERITY CONFIDENCE   PACK\n"
                                "mini_b                       sleep        warning  conditional  mini\n"
                                "1 APIs\n");
    free(c.text);

    /* the shipped packs, filtered by category */
    capture_open(&c);
    assert_true(al_rules_print_list(r, c.f, "sleep", NULL));
    capture_close(&c);
    assert_non_null(strstr(c.text, "\nsleep                        sleep        error    definite     posix\n"));
    assert_non_null(strstr(c.text, "\nuv_sleep                     sleep        error    definite     libuv\n"));
    assert_non_null(strstr(c.text, "\nmini_b "));
    assert_null(strstr(c.text, "getaddrinfo"));
    free(c.text);

    /* everything: one line per API plus the header and the count */
    capture_open(&c);
    assert_true(al_rules_print_list(r, c.f, NULL, NULL));
    capture_close(&c);
    size_t lines = 0;
    for (const char *p = c.text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, al_rules_api_count(r) + 2);
    char *count_line = al_xasprintf("\n%zu APIs\n", al_rules_api_count(r));
    assert_non_null(strstr(c.text, count_line));
    free(count_line);
    free(c.text);

    /* nothing matches: false and no output */
    capture_open(&c);
    assert_false(al_rules_print_list(r, c.f, "sleep", "no-such-pack"));
    capture_close(&c);
    assert_string_equal(c.text, "");
    free(c.text);

    al_rules_free(r);
    free(path);
}

static void test_print_show(void **state)
{
    (void)state;
    const al_api_rule *api = al_rules_find_api(shipped, "getaddrinfo");
    assert_non_null(api);
    capture c;
    capture_open(&c);
    assert_true(al_rules_print_show(shipped, c.f, "getaddrinfo"));
    capture_close(&c);
    char *expected = al_xasprintf("getaddrinfo  [dns, error, definite] from pack posix\n"
                                  "  why: %s\n"
                                  "  fix: %s\n",
                                  api->why, api->fix);
    assert_true(strncmp(c.text, expected, strlen(expected)) == 0);
    free(expected);
    /* then the fix of every family that has one for this API, by family name */
    assert_non_null(strstr(c.text, "\n  fix in libuv handlers: resolve with uv_getaddrinfo and continue in its "
                                   "uv_getaddrinfo_cb\n"));
    assert_true(strstr(c.text, "fix in ae handlers") < strstr(c.text, "fix in glib handlers"));
    assert_true(strstr(c.text, "fix in glib handlers") < strstr(c.text, "fix in libuv handlers"));
    free(c.text);

    /* conditions are shown */
    capture_open(&c);
    assert_true(al_rules_print_show(shipped, c.f, "waitpid"));
    capture_close(&c);
    assert_non_null(strstr(c.text, "\n  not blocking when any of: [{\"arg\":2,\"has_bits\":1}]\n"));
    free(c.text);
    capture_open(&c);
    assert_true(al_rules_print_show(shipped, c.f, "uv_fs_open"));
    capture_close(&c);
    assert_non_null(strstr(c.text, "\n  blocking only when all of: [{\"arg\":-1,\"is_null\":true}]\n"));
    free(c.text);
    capture_open(&c);
    assert_true(al_rules_print_show(shipped, c.f, "fflush"));
    capture_close(&c);
    assert_non_null(strstr(c.text, "\n  not blocking when any of: [{\"arg\":0,\"variable_in\":[\"stdout\",\"stderr\"]},"
                                   "{\"arg\":0,\"only_opened_by\":[{\"call\":\"fopen\",\"mode_arg\":1,"));
    assert_non_null(strstr(c.text, "\n  blocking for certain (file-io) when all of: [{\"arg\":0,\"opened_by\":"));
    free(c.text);

    /* contexts are browsable by their pattern */
    capture_open(&c);
    assert_true(al_rules_print_show(shipped, c.f, "uv_read_cb"));
    capture_close(&c);
    assert_string_equal(c.text, "uv_read_cb: handler context, libuv read callback (uv_read_cb) (pack libuv)\n");
    free(c.text);
    capture_open(&c);
    assert_true(al_rules_print_show(shipped, c.f, "pthread_create"));
    capture_close(&c);
    assert_string_equal(c.text, "pthread_create argument 2: worker context, pthread thread entry (pack pthread)\n");
    free(c.text);

    /* an unknown name */
    capture_open(&c);
    assert_false(al_rules_print_show(shipped, c.f, "nosuchapi"));
    capture_close(&c);
    assert_string_equal(c.text, "");
    free(c.text);
}

static void test_nonblocking_lists(void **state)
{
    (void)state;
    char *path =
        test_write("nonblocking_pack.json",
                   "{\"pack\": \"nb\", \"version\": 1, \"nonblocking\": [\"memcpy\", \"uv_*\", \"ev_[ab]*\"],\n"
                   " \"apis\": [{\"name\": \"uv_sleep\", \"category\": \"sleep\", \"severity\": \"error\",\n"
                   "  \"confidence\": \"definite\", \"why\": \"w\", \"fix\": \"f\"}]}\n");
    al_rules *r = al_rules_new();
    char *error = NULL;
    assert_true(al_rules_load_path(r, path, &error));
    al_rules_index(r);
    assert_true(al_rules_describes(r, "memcpy"));
    assert_true(al_rules_describes(r, "uv_close"));
    assert_true(al_rules_describes(r, "ev_async_send"));
    assert_false(al_rules_describes(r, "ev_run"));
    assert_false(al_rules_describes(r, "memmove"));
    assert_true(al_rules_describes(r, "uv_sleep"));
    assert_non_null(al_rules_find_api(r, "uv_sleep")); /* still blocking despite the glob */
    assert_null(al_rules_find_api(r, "uv_close"));
    al_rules_free(r);
    free(path);
    expect_pack_error("bad_nonblocking.json", "{\"pack\": \"p\", \"version\": 1,\n \"nonblocking\": [\"a\", 3]}\n",
                      "2:23: error: a \"nonblocking\" entry must be a non-empty string");
}

/* "locks": what each lock function does to the lock its argument names; the shipped packs'
 * families; one role per entry, an argument index. */
static void test_lock_lists(void **state)
{
    (void)state;
    const al_lock_rule *l = al_rules_find_lock(shipped, "pthread_mutex_lock");
    assert_non_null(l);
    assert_int_equal(l->role, AL_LOCK_ACQUIRE);
    assert_int_equal(l->arg, 0);
    assert_int_equal(al_rules_find_lock(shipped, "pthread_mutex_trylock")->role, AL_LOCK_TRY);
    assert_int_equal(al_rules_find_lock(shipped, "uv_mutex_unlock")->role, AL_LOCK_RELEASE);
    l = al_rules_find_lock(shipped, "g_cond_wait");
    assert_int_equal(l->role, AL_LOCK_WAIT);
    assert_int_equal(l->arg, 1); /* the mutex it gives back while it waits */
    assert_non_null(al_rules_find_lock(shipped, "mtx_lock"));
    assert_non_null(al_rules_find_lock(shipped, "g_rw_lock_writer_lock"));
    assert_null(al_rules_find_lock(shipped, "pthread_cond_signal"));
    expect_pack_error(
        "two_roles.json",
        "{\"pack\": \"p\", \"version\": 1,\n \"locks\": [{\"acquire\": \"a\", \"release\": \"b\", \"arg\": 0}]}\n",
        "2:12: error: a \"locks\" entry names one function's exact name as \"acquire\", \"release\", \"try\" or "
        "\"wait\"");
    expect_pack_error("no_arg.json", "{\"pack\": \"p\", \"version\": 1,\n \"locks\": [{\"acquire\": \"a\"}]}\n",
                      "2:12: error: \"arg\" must be the index (0 to 32) of the argument that names the lock");
    /* "thread": the entry of a thread of its own, on worker contexts only */
    size_t count;
    const al_context_rule *contexts = al_rules_contexts(shipped, &count);
    bool pthread_thread = false, work_thread = true;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(contexts[i].pattern, "pthread_create") == 0)
            pthread_thread = contexts[i].thread;
        if (strcmp(contexts[i].pattern, "uv_work_cb") == 0)
            work_thread = contexts[i].thread;
    }
    assert_true(pthread_thread);
    assert_false(work_thread); /* a pool runs it per job */
    expect_pack_error(
        "thread_handler.json",
        "{\"pack\": \"p\", \"version\": 1,\n \"contexts\": [{\"role\": \"handler\", \"call\": \"f\", \"arg\": 0, "
        "\"kind\": \"k\", \"thread\": true}]}\n",
        "2:15: error: \"thread\" is true or false, on a worker context");
    expect_pack_error("no_role.json", "{\"pack\": \"p\", \"version\": 1,\n \"locks\": [{\"arg\": 0}]}\n",
                      "2:12: error: a \"locks\" entry needs \"acquire\", \"release\", \"try\" or \"wait\"");
}

/* The in-memory entry point the fuzz target uses. */
static void test_load_buffer(void **state)
{
    (void)state;
    static const char pack[] = "{\"pack\": \"mem\", \"version\": 1, \"apis\": [{\"name\": \"mem_wait\", "
                               "\"category\": \"sync\", \"severity\": \"error\", \"confidence\": \"definite\", "
                               "\"why\": \"w\", \"fix\": \"f\"}]}";
    al_rules *r = al_rules_new();
    char *error = NULL;
    assert_true(al_rules_load_buffer(r, "mem.json", pack, sizeof(pack) - 1, &error));
    assert_false(al_rules_load_buffer(r, "again.json", pack, sizeof(pack) - 1, &error));
    assert_string_equal(error, "again.json:1:10: error: another loaded pack has this name");
    free(error);
    al_rules_index(r);
    assert_non_null(al_rules_find_api(r, "mem_wait"));
    al_rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nonblocking_lists),
        cmocka_unit_test(test_lock_lists),
        cmocka_unit_test(test_conditional_read_on_a_regular_file),
        cmocka_unit_test(test_shipped_posix_pack),
        cmocka_unit_test(test_shipped_apis),
        cmocka_unit_test(test_shipped_conditions),
        cmocka_unit_test(test_call_blocks_waitpid),
        cmocka_unit_test(test_call_blocks_uv_run),
        cmocka_unit_test(test_call_blocks_uv_fs_open),
        cmocka_unit_test(test_call_blocks_standard_streams),
        cmocka_unit_test(test_contexts),
        cmocka_unit_test(test_contexts_handler_wins),
        cmocka_unit_test(test_fixes),
        cmocka_unit_test(test_severity_names),
        cmocka_unit_test(test_default_dir),
        cmocka_unit_test(test_bad_json),
        cmocka_unit_test(test_unknown_top_level_key),
        cmocka_unit_test(test_bad_severity),
        cmocka_unit_test(test_missing_why),
        cmocka_unit_test(test_two_condition_tests),
        cmocka_unit_test(test_context_with_two_matches),
        cmocka_unit_test(test_fixes_without_family),
        cmocka_unit_test(test_version_2),
        cmocka_unit_test(test_duplicate_api_in_pack),
        cmocka_unit_test(test_duplicate_pack_name),
        cmocka_unit_test(test_pack_loads_whole_or_not_at_all),
        cmocka_unit_test(test_missing_pack_path),
        cmocka_unit_test(test_user_pack_overrides),
        cmocka_unit_test(test_folder_loads_in_name_order),
        cmocka_unit_test(test_print_list),
        cmocka_unit_test(test_print_show),
        cmocka_unit_test(test_load_buffer),
    };
    return cmocka_run_group_tests(tests, load_shipped, free_shipped);
}
