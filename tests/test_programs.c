/* targets and programs: which executables a compile database builds, and the units each links;
 * and what linking per program changes (link clashes, findings merged over programs). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "analysis.h"
#include "contexts.h"
#include "facts_builder.h"
#include "findings.h"
#include "indirect.h"
#include "programs.h"
#include "reach.h"
#include "targets.h"
#include "test_helpers.h"

/* ---- targets from object paths ---- */

static void expect_object(const char *object, const char *source, const char *name, al_target_kind kind)
{
    al_target_kind got_kind;
    const char *how = NULL;
    char *got = al_targets_from_object(object, source, &got_kind, &how);
    if (!name) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, name);
    assert_int_equal(got_kind, kind);
    assert_non_null(how);
    free(got);
}

static void test_target_of_object_paths(void **state)
{
    (void)state;
    /* CMake: the last CMakeFiles/<target>.dir */
    expect_object("/b/CMakeFiles/server.dir/src/main.c.o", "/s/src/main.c", "server", AL_TARGET_UNKNOWN);
    expect_object("/b/sub/CMakeFiles/redis-cli.dir/Release/cli.c.o", "/s/cli.c", "redis-cli", AL_TARGET_UNKNOWN);
    expect_object("/b/CMakeFiles/x/CMakeFiles/core.dir/a.c.o", "/s/a.c", "core", AL_TARGET_UNKNOWN);
    /* meson: <target>.p, a library by its file name */
    expect_object("/b/daemon/kresd.p/main.c.o", "/s/daemon/main.c", "kresd", AL_TARGET_UNKNOWN);
    expect_object("/b/lib/libkres.so.9.p/cache.c.o", "/s/lib/cache.c", "libkres.so.9", AL_TARGET_LIBRARY);
    expect_object("/b/libutil.a.p/u.c.o", "/s/u.c", "libutil.a", AL_TARGET_LIBRARY);
    /* automake: <program>-<file>.o, libtool's <lib>_la-<file>.lo, a static library's <lib>_a-<file>.o */
    expect_object("/b/src/ss_local-local.o", "/s/src/local.c", "ss_local", AL_TARGET_UNKNOWN);
    expect_object("/b/src/libcork_la-buffer.lo", "/s/src/buffer.c", "libcork_la", AL_TARGET_LIBRARY);
    expect_object("/b/src/libstore_a-store.o", "/s/src/store.c", "libstore_a", AL_TARGET_LIBRARY);
    expect_object("/b/src/my-prog-my-file.o", "/s/src/my-file.c", "my-prog", AL_TARGET_UNKNOWN);
    /* nothing said: a plain object, a file whose own name has a dash, an object of another source */
    expect_object("/b/src/main.o", "/s/src/main.c", NULL, AL_TARGET_UNKNOWN);
    expect_object("/b/src/foo-bar.o", "/s/src/foo-bar.c", NULL, AL_TARGET_UNKNOWN);
    expect_object("/b/src/prog-other.o", "/s/src/main.c", NULL, AL_TARGET_UNKNOWN);
    expect_object("/b/CMakeFiles/.dir/x.o", "/s/x.c", NULL, AL_TARGET_UNKNOWN);
}

/* A compile database of `count` units, unit i compiling files[i] into objects[i] (NULL: none). */
static void fake_db(al_compdb *db, const char *const *files, const char *const *objects, size_t count)
{
    memset(db, 0, sizeof(*db));
    db->path = al_xstrdup("/b/compile_commands.json");
    db->commands = al_xcalloc(count + 1, sizeof(*db->commands));
    db->count = db->entries = count;
    for (size_t i = 0; i < count; i++) {
        al_compile_command *c = &db->commands[i];
        c->directory = al_xstrdup("/b");
        c->file = al_xstrdup(files[i]);
        c->args = al_xcalloc(1, sizeof(char *));
        if (objects[i]) {
            c->outputs = al_xcalloc(1, sizeof(char *));
            c->outputs[0] = al_xstrdup(objects[i]);
            c->output_count = 1;
        }
    }
}

static void test_targets_from_objects_and_json(void **state)
{
    (void)state;
    static const char *const files[] = {"/s/a.c", "/s/b.c", "/s/a.c", "/s/main.c"};
    static const char *const objects[] = {"/b/CMakeFiles/one.dir/a.c.o", "/b/CMakeFiles/two.dir/b.c.o",
                                          "/b/CMakeFiles/two.dir/a.c.o", "/b/main.o"};
    al_compdb db;
    fake_db(&db, files, objects, 4);
    al_targets t;
    al_targets_find(&t, &db, NULL);
    assert_int_equal(t.items.count, 2);
    assert_string_equal(t.items.items[0].name, "one");
    assert_int_equal(t.items.items[0].units.count, 1);
    assert_int_equal(t.items.items[0].units.items[0], 0);
    assert_string_equal(t.items.items[1].name, "two");
    assert_int_equal(t.items.items[1].units.count, 2);
    assert_false(t.items.items[1].links_known);
    assert_string_equal(t.objects[3], "main.o");
    assert_null(t.notice); /* no build folder given: nothing asked of CMake */

    /* through a shard file's JSON and back */
    char *json = al_targets_to_json(&t);
    al_targets back;
    assert_true(al_targets_from_json(&back, json));
    assert_int_equal(back.items.count, 2);
    assert_string_equal(back.items.items[1].name, "two");
    assert_int_equal(back.items.items[1].units.items[1], 2);
    assert_string_equal(back.items.items[1].source, t.items.items[1].source);
    assert_int_equal(back.object_count, 4);
    assert_string_equal(back.objects[0], "a.c.o");
    al_targets_free(&back);
    free(json);
    assert_false(al_targets_from_json(&back, "{\"objects\": [], \"targets\": [{\"name\": 3}]}"));
    assert_false(al_targets_from_json(&back, "[1,2"));
    assert_false(al_targets_from_json(&back, "{\"objects\": [], \"targets\": [{\"name\": \"x\", \"source\": \"s\", "
                                             "\"kind\": 1, \"units\": [], \"links\": [5]}]}"));
    al_targets_free(&t);
    al_compdb_free(&db);
}

/* CMake's file API reply, written by hand as CMake 3.25 writes it: a codemodel whose executable
 * depends on a static library and a utility, and a module nothing links. */
static void test_targets_from_cmake_file_api(void **state)
{
    (void)state;
    char *build = al_xasprintf("%s/fileapi/build", AL_TEST_WORK_DIR);
    char *source = al_xasprintf("%s/fileapi/src", AL_TEST_WORK_DIR);
    free(test_write("fileapi/build/.cmake/api/v1/reply/index-2026-01-01T00-00-00-0000.json",
                    "{\"objects\": [{\"kind\": \"codemodel\", \"version\": {\"major\": 2, \"minor\": 4},"
                    " \"jsonFile\": \"codemodel-v2-1.json\"}]}"));
    /* an older index, to be ignored */
    free(test_write("fileapi/build/.cmake/api/v1/reply/index-2025-01-01T00-00-00-0000.json", "{\"objects\": []}"));
    char *model = al_xasprintf(
        "{\"paths\": {\"source\": \"%s\", \"build\": \"%s\"}, \"configurations\": [{\"targets\": ["
        "{\"name\": \"app\", \"jsonFile\": \"target-app.json\"}, {\"name\": \"core\", \"jsonFile\": "
        "\"target-core.json\"}, {\"name\": \"gen\", \"jsonFile\": \"target-gen.json\"}, {\"name\": \"plug\", "
        "\"jsonFile\": \"target-plug.json\"}, {\"name\": \"evil\", \"jsonFile\": \"../../../../outside.json\"}]}]}",
        source, build);
    free(test_write("fileapi/build/.cmake/api/v1/reply/codemodel-v2-1.json", model));
    free(model);
    free(test_write("fileapi/build/.cmake/api/v1/reply/target-app.json",
                    "{\"name\": \"app\", \"id\": \"app::@1\", \"type\": \"EXECUTABLE\", \"sources\": [{\"path\": "
                    "\"app.c\"}], \"dependencies\": [{\"id\": \"core::@1\"}, {\"id\": \"gen::@1\"}]}"));
    free(test_write("fileapi/build/.cmake/api/v1/reply/target-core.json",
                    "{\"name\": \"core\", \"id\": \"core::@1\", \"type\": \"STATIC_LIBRARY\", \"sources\": "
                    "[{\"path\": \"core/a.c\"}, {\"path\": \"core/b.c\"}]}"));
    free(test_write("fileapi/build/.cmake/api/v1/reply/target-gen.json",
                    "{\"name\": \"gen\", \"id\": \"gen::@1\", \"type\": \"UTILITY\", \"sources\": []}"));
    free(test_write("fileapi/build/.cmake/api/v1/reply/target-plug.json",
                    "{\"name\": \"plug\", \"id\": \"plug::@1\", \"type\": \"MODULE_LIBRARY\", \"sources\": [{\"path\": "
                    "\"plug.c\"}], \"dependencies\": [{\"id\": \"core::@1\"}]}"));
    char *app = al_xasprintf("%s/app.c", source), *a = al_xasprintf("%s/core/a.c", source),
         *b = al_xasprintf("%s/core/b.c", source), *plug = al_xasprintf("%s/plug.c", source);
    const char *files[] = {app, a, b, plug};
    /* app's object path says its target; the others are found by the file API's source lists */
    char *app_object = al_xasprintf("%s/CMakeFiles/app.dir/app.c.o", build);
    const char *objects[] = {app_object, NULL, NULL, NULL};
    al_compdb db;
    fake_db(&db, files, objects, 4);
    al_targets t;
    al_targets_find(&t, &db, build);
    assert_null(t.notice);
    assert_int_equal(t.items.count, 3); /* the utility compiles nothing: dropped */
    assert_string_equal(t.items.items[0].name, "app");
    assert_int_equal(t.items.items[0].kind, AL_TARGET_EXECUTABLE);
    assert_string_equal(t.items.items[0].source, "CMake file API");
    assert_true(t.items.items[0].links_known);
    assert_int_equal(t.items.items[0].links.count, 1);
    assert_string_equal(t.items.items[t.items.items[0].links.items[0]].name, "core");
    assert_int_equal(t.items.items[1].kind, AL_TARGET_LIBRARY);
    assert_int_equal(t.items.items[1].units.count, 2);
    assert_string_equal(t.items.items[2].name, "plug");
    assert_int_equal(t.items.items[2].kind, AL_TARGET_MODULE);
    assert_int_equal(t.items.items[2].links.count, 1);
    al_targets_free(&t);
    al_compdb_free(&db);

    /* a CMake build folder without a reply: asked for one, and said so */
    char *other = al_xasprintf("%s/fileapi/plain", AL_TEST_WORK_DIR);
    free(test_write("fileapi/plain/CMakeCache.txt", "# CMake cache\n"));
    fake_db(&db, files, objects, 4);
    al_targets_find(&t, &db, other);
    assert_non_null(t.notice);
    assert_non_null(strstr(t.notice, "asked for one"));
    char *query = al_xasprintf("%s/.cmake/api/v1/query/client-asynclock/codemodel-v2", other);
    struct stat st;
    assert_int_equal(stat(query, &st), 0);
    al_targets_free(&t);
    al_compdb_free(&db);
    free(query);
    free(other);
    free(app_object);
    free(app);
    free(a);
    free(b);
    free(plug);
    free(build);
    free(source);
}

/* ---- programs from the facts ---- */

/* A function with a USR-like key: "main" is "c:@F@main". */
static void define(al_tu_facts *tu, const char *name, const char *file, unsigned line)
{
    char *key = al_xasprintf("c:@F@%s", name);
    al_fact_function f = {fb_str(tu, key), fb_str(tu, name), fb_loc(tu, file, line, 1), true, 0, 0, false};
    AL_VEC_PUSH(tu->functions, f);
    free(key);
}

static void call(al_tu_facts *tu, const char *caller, const char *callee, const char *file, unsigned line)
{
    char *from = al_xasprintf("c:@F@%s", caller), *to = al_xasprintf("c:@F@%s", callee);
    fb_call(tu, from, to, file, line, 5, "");
    tu->calls.items[tu->calls.count - 1].callee_name = fb_str(tu, callee);
    free(from);
    free(to);
}

static al_tu_facts *unit_files(const char *const *files, size_t count)
{
    al_tu_facts *units = al_xcalloc(count + 1, sizeof(al_tu_facts));
    for (size_t i = 0; i < count; i++) {
        al_tu_facts_init(&units[i], files[i]);
        units[i].parsed = true;
    }
    return units;
}

static const al_program_def *program_named(const al_programs *p, const char *name)
{
    int i = al_programs_index(p, name);
    assert_true(i >= 0);
    return &p->items.items[i];
}

static void expect_units(const al_program_def *d, const uint32_t *units, size_t count)
{
    assert_int_equal(d->units.count, count);
    for (size_t i = 0; i < count; i++)
        assert_int_equal(d->units.items[i], units[i]);
}

/* Two mains that define the same external functions (the tool's units first, as in a database
 * that lists them first); a shared unit; a unit no main reaches. */
static void test_programs_by_symbol_closure(void **state)
{
    (void)state;
    static const char *const files[] = {"/p/tool/main.c",  "/p/tool/net.c",   "/p/server/main.c",
                                        "/p/server/net.c", "/p/common/log.c", "/p/extra/plugin.c"};
    al_tu_facts *u = unit_files(files, 6);
    define(&u[0], "main", files[0], 1);
    call(&u[0], "main", "net_open", files[0], 2);
    define(&u[1], "net_open", files[1], 1);
    call(&u[1], "net_open", "log_line", files[1], 2);
    define(&u[2], "main", files[2], 1);
    call(&u[2], "main", "net_open", files[2], 2);
    call(&u[2], "main", "main_helper_of_tool", files[2], 3); /* defined only in a unit with a main: never taken */
    define(&u[0], "main_helper_of_tool", files[0], 9);
    define(&u[3], "net_open", files[3], 1);
    call(&u[3], "net_open", "log_line", files[3], 2);
    define(&u[4], "log_line", files[4], 1);
    call(&u[4], "log_line", "fputs", files[4], 2);
    define(&u[5], "plugin_init", files[5], 1);
    call(&u[5], "plugin_init", "log_line", files[5], 2);
    al_unit_set set;
    al_unit_set_build(&set, u, 6);
    al_programs p;
    al_programs_find(&p, &set, NULL, NULL);
    assert_int_equal(p.items.count, 3);
    const al_program_def *tool = program_named(&p, "tool"), *server = program_named(&p, "server");
    expect_units(tool, (uint32_t[]){0, 1, 4}, 3);
    expect_units(server, (uint32_t[]){2, 3, 4}, 3);
    assert_false(server->library);
    assert_int_equal(server->notes.count, 1); /* net_open was a choice: the nearer one */
    assert_non_null(strstr(server->notes.items[0], "took /p/server/net.c"));
    /* the plugin's unit, with what it references, is the library program */
    const al_program_def *library = program_named(&p, "library");
    assert_true(library->library);
    expect_units(library, (uint32_t[]){4, 5}, 2);
    al_programs_free(&p);

    /* the configuration's list is the whole answer */
    char *tool_globs[] = {"tool/*", "common/*"};
    al_config_program rules[] = {{"cli", tool_globs, 2}};
    al_programs_options options = {rules, 1, "/p"};
    al_programs_find(&p, &set, NULL, &options);
    assert_int_equal(p.items.count, 1);
    expect_units(&p.items.items[0], (uint32_t[]){0, 1, 4}, 3);
    assert_int_equal(p.unassigned, 3);
    al_programs_free(&p);
    al_unit_set_free(&set);
}

static void typed_variable(al_tu_facts *tu, const char *name, const char *file, const char *type)
{
    char *key = al_xasprintf("c:@%s", name);
    al_fact_variable v = {fb_str(tu, key), fb_str(tu, name), fb_loc(tu, file, 1, 1), false, 0, fb_str(tu, type)};
    AL_VEC_PUSH(tu->variables, v);
    free(key);
}

static void variable(al_tu_facts *tu, const char *name, const char *file)
{
    typed_variable(tu, name, file, "int");
}

/* `function` (NULL: an initializer at file scope) uses the variable, declared with `type`. */
static void typed_use(al_tu_facts *tu, const char *function, const char *name, const char *type)
{
    char *fn = function ? al_xasprintf("c:@F@%s", function) : NULL, *key = al_xasprintf("c:@%s", name);
    al_fact_var_use u = {fn ? fb_str(tu, fn) : 0, fb_str(tu, key), AL_VAR_READ, fb_str(tu, type), 0};
    AL_VEC_PUSH(tu->var_uses, u);
    free(fn);
    free(key);
}

static void use(al_tu_facts *tu, const char *function, const char *name)
{
    typed_use(tu, function, name, "int");
}

static void named_at_file_scope(al_tu_facts *tu, const char *function, const char *file)
{
    char *key = al_xasprintf("c:@F@%s", function);
    fb_ref(tu, key, NULL, AL_USE_FIELD, "cmd.exec", 0, "exec_fn", file, 3);
    free(key);
}

/* What main can reach decides: a command table in another unit (a variable) brings in that unit
 * and the units of the functions its initializer names; a unit that only an unreachable function
 * needs stays out; of two units defining one helper, the one a later choice makes redundant is
 * dropped. */
static void test_closure_follows_reachable_code_and_tables(void **state)
{
    (void)state;
    static const char *const files[] = {"/p/main.c",       "/p/cmd.c",         "/p/table.c", "/p/cmds.c",
                                        "/p/unused_dep.c", "/p/assert_stub.c", "/p/debug.c"};
    al_tu_facts *u = unit_files(files, 7);
    define(&u[0], "main", files[0], 1);
    call(&u[0], "main", "dispatch", files[0], 2);
    call(&u[0], "main", "serverAssert", files[0], 3);
    define(&u[0], "never_called", files[0], 9);
    call(&u[0], "never_called", "unused_dep_fn", files[0], 10);
    define(&u[1], "dispatch", files[1], 1);
    use(&u[1], "dispatch", "cmd_table");
    call(&u[1], "dispatch", "debug_dump", files[1], 2);
    variable(&u[2], "cmd_table", files[2]);
    use(&u[2], NULL, "cmd_get_entry");
    variable(&u[3], "cmd_get_entry", files[3]);
    define(&u[3], "cmd_get", files[3], 2);
    named_at_file_scope(&u[3], "cmd_get", files[3]);
    define(&u[4], "unused_dep_fn", files[4], 1);
    define(&u[5], "serverAssert", files[5], 1); /* the small stub, chosen first */
    define(&u[6], "serverAssert", files[6], 1);
    define(&u[6], "debug_dump", files[6], 5);
    define(&u[6], "debug_other", files[6], 9);
    al_unit_set set;
    al_unit_set_build(&set, u, 7);
    al_programs p;
    al_programs_find(&p, &set, NULL, NULL);
    const al_program_def *main_program = program_named(&p, "p"); /* main.c: named after its folder */
    expect_units(main_program, (uint32_t[]){0, 1, 2, 3, 6}, 5);
    al_programs_free(&p);
    al_unit_set_free(&set);
}

/* Two units define a variable of one name with different types (a server's command table and its
 * client's): the program takes the one of the type it uses, though the other comes first and is
 * as near. */
static void test_closure_takes_the_variable_of_the_used_type(void **state)
{
    (void)state;
    static const char *const files[] = {"/p/server.c", "/p/cli_table.c", "/p/table.c", "/p/cmds.c"};
    al_tu_facts *u = unit_files(files, 4);
    define(&u[0], "main", files[0], 1);
    typed_use(&u[0], "main", "cmd_table", "struct command");
    typed_variable(&u[1], "cmd_table", files[1], "struct command_docs");
    typed_variable(&u[2], "cmd_table", files[2], "struct command");
    use(&u[2], NULL, "get_entry");
    variable(&u[3], "get_entry", files[3]);
    al_unit_set set;
    al_unit_set_build(&set, u, 4);
    al_programs p;
    al_programs_find(&p, &set, NULL, NULL);
    expect_units(program_named(&p, "server"), (uint32_t[]){0, 2, 3}, 3);
    al_programs_free(&p);
    al_unit_set_free(&set);
}

/* Targets named by object paths: a group with a main is an executable, one without a library
 * whose units an executable takes one by one; a library group no executable takes is a program. */
static void test_programs_from_targets(void **state)
{
    (void)state;
    static const char *const files[] = {"/p/relay.c",  "/p/shared.c", "/p/probe.c",
                                        "/p/shared.c", "/p/store.c",  "/p/unused.c"};
    al_tu_facts *u = unit_files(files, 6);
    define(&u[0], "main", files[0], 1);
    call(&u[0], "main", "shared_commit", files[0], 2);
    call(&u[0], "main", "store_put", files[0], 3);
    define(&u[1], "shared_commit", files[1], 1);
    define(&u[2], "main", files[2], 1);
    call(&u[2], "main", "shared_commit", files[2], 2);
    define(&u[3], "shared_commit", files[3], 1);
    define(&u[4], "store_put", files[4], 1);
    define(&u[5], "store_unused", files[5], 1);
    al_unit_set set;
    al_unit_set_build(&set, u, 6);
    al_targets t = {0};
    al_target relay = {al_xstrdup("relay"), AL_TARGET_UNKNOWN, al_xstrdup("automake"), {0}, {0}, false};
    AL_VEC_PUSH(relay.units, 0);
    AL_VEC_PUSH(relay.units, 1);
    al_target probe = {al_xstrdup("probe"), AL_TARGET_UNKNOWN, al_xstrdup("automake"), {0}, {0}, false};
    AL_VEC_PUSH(probe.units, 2);
    AL_VEC_PUSH(probe.units, 3);
    al_target store = {al_xstrdup("libstore_a"), AL_TARGET_LIBRARY, al_xstrdup("automake"), {0}, {0}, false};
    AL_VEC_PUSH(store.units, 4);
    al_target other = {al_xstrdup("libother_a"), AL_TARGET_LIBRARY, al_xstrdup("automake"), {0}, {0}, false};
    AL_VEC_PUSH(other.units, 5);
    AL_VEC_PUSH(t.items, relay);
    AL_VEC_PUSH(t.items, probe);
    AL_VEC_PUSH(t.items, store);
    AL_VEC_PUSH(t.items, other);
    al_programs p;
    al_programs_find(&p, &set, &t, NULL);
    assert_int_equal(p.items.count, 3);
    expect_units(program_named(&p, "relay"), (uint32_t[]){0, 1, 4}, 3);
    expect_units(program_named(&p, "probe"), (uint32_t[]){2, 3}, 2); /* its own unit of shared.c */
    const al_program_def *lib = program_named(&p, "libother_a");
    assert_true(lib->library);
    expect_units(lib, (uint32_t[]){5}, 1);
    al_programs_free(&p);
    al_targets_free(&t);
    al_unit_set_free(&set);
}

/* A module no executable links, that calls functions of an executable, is its plugin: its units
 * join that executable (not a test program that compiles the module's source in, nor a program that
 * defines nothing it calls); a library that calls nothing of any program stays a program. */
static void test_plugins_join_their_host(void **state)
{
    (void)state;
    static const char *const files[] = {"/p/server.c", "/p/core.c",  "/p/t/test_mod.c", "/p/core.c",
                                        "/p/mod_x.c",  "/p/mod_x.c", "/p/tool.c",       "/p/alone.c"};
    al_tu_facts *u = unit_files(files, 8);
    define(&u[0], "main", files[0], 1);
    call(&u[0], "main", "log_error", files[0], 2);
    define(&u[1], "log_error", files[1], 1);
    define(&u[1], "buffer_append", files[1], 2);
    define(&u[2], "main", files[2], 1); /* the test compiles mod_x.c in */
    call(&u[2], "main", "mod_x_hook", files[2], 2);
    define(&u[3], "log_error", files[3], 1);
    define(&u[3], "buffer_append", files[3], 2);
    define(&u[5], "mod_x_hook", files[5], 1);
    define(&u[4], "mod_x_hook", files[4], 1);
    call(&u[4], "mod_x_hook", "log_error", files[4], 2);
    call(&u[4], "mod_x_hook", "buffer_append", files[4], 3);
    define(&u[6], "main", files[6], 1);
    define(&u[7], "alone_fn", files[7], 1);
    call(&u[7], "alone_fn", "strlen", files[7], 2);
    al_unit_set set;
    al_unit_set_build(&set, u, 8);
    al_targets t = {0};
    al_target server = {al_xstrdup("server"), AL_TARGET_EXECUTABLE, al_xstrdup("meson"), {0}, {0}, false};
    AL_VEC_PUSH(server.units, 0);
    AL_VEC_PUSH(server.units, 1);
    al_target test = {al_xstrdup("test_mod"), AL_TARGET_EXECUTABLE, al_xstrdup("meson"), {0}, {0}, false};
    AL_VEC_PUSH(test.units, 2);
    AL_VEC_PUSH(test.units, 3);
    AL_VEC_PUSH(test.units, 5);
    al_target tool = {al_xstrdup("tool"), AL_TARGET_EXECUTABLE, al_xstrdup("meson"), {0}, {0}, false};
    AL_VEC_PUSH(tool.units, 6);
    al_target module = {al_xstrdup("mod_x.so"), AL_TARGET_MODULE, al_xstrdup("meson"), {0}, {0}, false};
    AL_VEC_PUSH(module.units, 4);
    al_target alone = {al_xstrdup("libalone.so"), AL_TARGET_LIBRARY, al_xstrdup("meson"), {0}, {0}, false};
    AL_VEC_PUSH(alone.units, 7);
    AL_VEC_PUSH(t.items, server);
    AL_VEC_PUSH(t.items, test);
    AL_VEC_PUSH(t.items, tool);
    AL_VEC_PUSH(t.items, module);
    AL_VEC_PUSH(t.items, alone);
    al_programs p;
    al_programs_find(&p, &set, &t, NULL);
    assert_int_equal(p.items.count, 4);
    const al_program_def *host = program_named(&p, "server");
    expect_units(host, (uint32_t[]){0, 1, 4}, 3);
    assert_int_equal(host->notes.count, 1);
    assert_string_equal(host->notes.items[0], "plugin mod_x.so: its 1 unit joined, for the 2 uses of functions this "
                                              "program defines");
    expect_units(program_named(&p, "test_mod"), (uint32_t[]){2, 3, 5}, 3);
    assert_int_equal(al_programs_index(&p, "mod_x.so"), -1);
    expect_units(program_named(&p, "libalone.so"), (uint32_t[]){7}, 1);
    al_programs_free(&p);
    al_targets_free(&t);
    al_unit_set_free(&set);
}

/* --program keeps the named programs; a name that is no program is a one-line error. */
static void test_program_option(void **state)
{
    (void)state;
    static const char *const files[] = {"/p/a/main.c", "/p/b/main.c"};
    al_tu_facts *u = unit_files(files, 2);
    define(&u[0], "main", files[0], 1);
    define(&u[1], "main", files[1], 1);
    al_unit_set set;
    al_unit_set_build(&set, u, 2);
    al_options o = {0};
    AL_VEC_PUSH(o.programs, "b");
    al_programs p;
    assert_true(al_analysis_programs(&p, &set, NULL, &o));
    assert_int_equal(p.items.count, 1);
    assert_string_equal(p.items.items[0].name, "b");
    al_programs_free(&p);
    o.programs.items[0] = "c";
    assert_false(al_analysis_programs(&p, &set, NULL, &o));
    AL_VEC_FREE(o.programs);
    al_unit_set_free(&set);
}

/* ---- linking per program ---- */

/* Two bodies of one external function in one program are a clash, reported once; a header's
 * inline function that every unit defines at the same place is not. */
static void test_link_clash(void **state)
{
    (void)state;
    al_tu_facts *u = fb_units(3);
    define(&u[0], "log_init", "/src/a.c", 3);
    define(&u[1], "log_init", "/src/b.c", 7);
    define(&u[2], "log_init", "/src/c.c", 9);
    for (int i = 0; i < 3; i++)
        define(&u[i], "inline_helper", "/src/helper.h", 2);
    al_program p;
    al_program_link(&p, u, 3);
    free(u);
    assert_int_equal(p.clashes.count, 1);
    const al_clash *c = &p.clashes.items[0];
    assert_string_equal(al_program_str(&p, p.functions.items[c->function].name), "log_init");
    assert_int_equal(c->kept.line, 3);
    assert_int_equal(c->other.line, 7);
    al_program_free(&p);
}

/* One site in a unit two programs share is one finding listing both, with each program's handler;
 * a handler of the shared unit is listed once. */
static void test_findings_merged_over_programs(void **state)
{
    (void)state;
    al_rules *rules = fb_rules(AL_TEST_WORK_DIR);
    al_tu_facts *u = fb_units(3);
    /* unit 0 (shared): on_tick (a handler) and flush, which sleeps */
    fb_function(&u[0], "on_tick", "/src/shared.c", 1, 0);
    fb_ref(&u[0], "on_tick", NULL, AL_USE_ARGUMENT, "loop_start", 0, "loop_cb", "/src/shared.c", 20);
    fb_call(&u[0], "on_tick", "flush", "/src/shared.c", 2, 5, "");
    fb_function(&u[0], "flush", "/src/shared.c", 5, 0);
    fb_call(&u[0], "flush", "sleep", "/src/shared.c", 6, 5, "1");
    /* units 1 and 2: each program's own handler calls flush */
    fb_function(&u[1], "on_a", "/src/a.c", 1, 0);
    fb_ref(&u[1], "on_a", NULL, AL_USE_ARGUMENT, "loop_start", 0, "loop_cb", "/src/a.c", 20);
    fb_call(&u[1], "on_a", "flush", "/src/a.c", 2, 5, "");
    fb_function(&u[2], "on_b", "/src/b.c", 1, 0);
    fb_ref(&u[2], "on_b", NULL, AL_USE_ARGUMENT, "loop_start", 0, "loop_cb", "/src/b.c", 20);
    fb_call(&u[2], "on_b", "flush", "/src/b.c", 2, 5, "");
    al_unit_set set;
    al_unit_set_build(&set, u, 3);
    al_programs programs = {0};
    al_program_def a = {al_xstrdup("a"), al_xstrdup("test"), false, {0}, {0}, {0}};
    AL_VEC_PUSH(a.units, 0);
    AL_VEC_PUSH(a.units, 1);
    al_program_def b = {al_xstrdup("b"), al_xstrdup("test"), false, {0}, {0}, {0}};
    AL_VEC_PUSH(b.units, 0);
    AL_VEC_PUSH(b.units, 2);
    AL_VEC_PUSH(programs.items, a);
    AL_VEC_PUSH(programs.items, b);
    al_options o = {0};
    al_findings_options fo = {0};
    al_findings f;
    al_analysis_findings(&f, &set, &programs, rules, &o, &fo);
    assert_int_equal(f.items.count, 1);
    const al_finding *x = &f.items.items[0];
    assert_string_equal(x->callee, "sleep");
    assert_int_equal(x->programs.count, 2);
    assert_int_equal(x->handler_count, 3); /* on_a, on_b, and on_tick once */
    /* equal chains: by name; on_tick, of the shared unit, runs in both programs */
    assert_string_equal(x->handlers[0].name, "on_a");
    assert_int_equal(x->handlers[0].programs.count, 1);
    assert_string_equal(x->handlers[2].name, "on_tick");
    assert_int_equal(x->handlers[2].programs.count, 2);
    assert_int_equal(f.programs.count, 2);
    assert_int_equal(f.programs.items[0].findings, 1);
    assert_int_equal(f.programs.items[1].findings, 1);
    assert_int_equal(f.summary.handlers, 3);
    assert_int_equal(f.summary.functions, 4);
    al_findings_free(&f);
    al_programs_free(&programs);
    al_unit_set_free(&set);
    al_rules_free(rules);
}

int main(void)
{
    test_mkdirs(AL_TEST_WORK_DIR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_target_of_object_paths),
        cmocka_unit_test(test_targets_from_objects_and_json),
        cmocka_unit_test(test_targets_from_cmake_file_api),
        cmocka_unit_test(test_programs_by_symbol_closure),
        cmocka_unit_test(test_closure_follows_reachable_code_and_tables),
        cmocka_unit_test(test_closure_takes_the_variable_of_the_used_type),
        cmocka_unit_test(test_plugins_join_their_host),
        cmocka_unit_test(test_programs_from_targets),
        cmocka_unit_test(test_program_option),
        cmocka_unit_test(test_link_clash),
        cmocka_unit_test(test_findings_merged_over_programs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
