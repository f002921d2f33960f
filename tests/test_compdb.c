/* Unit tests for analyzer/compdb: shell splitting, the compiler-flag filter, and loading
 * compile_commands.json with its one-line errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compdb.h"
#include "test_helpers.h"

/* ---- helpers ---- */

static void expect_argv(char **got, int got_count, const char *const *expected, int expected_count)
{
    for (int i = 0; i < got_count && i < expected_count; i++) {
        if (strcmp(got[i], expected[i]) != 0)
            print_error("argument %d: got '%s', expected '%s'\n", i, got[i], expected[i]);
        assert_string_equal(got[i], expected[i]);
    }
    assert_int_equal(got_count, expected_count);
}

static void expect_split(const char *command, const char *const *expected, int expected_count)
{
    int count = -1;
    char **words = al_shell_split(command, &count);
    assert_non_null(words);
    expect_argv(words, count, expected, expected_count);
    al_free_argv(words, count);
}

static void expect_clang_args(const char *const *argv, int argc, const char *directory, const char *const *expected,
                              int expected_count)
{
    int count = -1;
    char **args = al_compdb_clang_args((char *const *)argv, argc, directory, &count);
    assert_non_null(args);
    expect_argv(args, count, expected, expected_count);
    al_free_argv(args, count);
}

#define N(array) ((int)(sizeof(array) / sizeof((array)[0])))

/* The work folder, absolute and normalized, as compdb reports paths. */
static char *work_dir(void)
{
    test_mkdirs(AL_TEST_WORK_DIR);
    return al_path_absolute(AL_TEST_WORK_DIR, NULL);
}

/* Writes AL_TEST_WORK_DIR/<folder>/compile_commands.json; returns the folder's path. */
static char *write_db(const char *folder, const char *json)
{
    char *name = al_xasprintf("%s/compile_commands.json", folder);
    free(test_write(name, json));
    free(name);
    return al_xasprintf("%s/%s", AL_TEST_WORK_DIR, folder);
}

/* Loads from `build_dir` expecting failure with exactly `expected`; the database is left empty. */
static void expect_load_error(const char *build_dir, const char *expected)
{
    al_compdb db;
    char *error = NULL;
    assert_false(al_compdb_load(&db, build_dir, &error));
    assert_non_null(error);
    assert_string_equal(error, expected);
    free(error);
    assert_int_equal(db.count, 0);
    assert_null(db.commands);
    assert_null(db.path);
}

/* ---- al_shell_split ---- */

static void test_shell_split_plain(void **state)
{
    (void)state;
    static const char *const expected[] = {"gcc", "-c", "main.c", "-o", "main.o"};
    expect_split("gcc -c main.c -o main.o", expected, N(expected));
    /* runs of blanks, tabs and newlines separate words; leading and trailing ones are ignored */
    expect_split("  gcc\t\t-c   main.c \n -o\r\nmain.o   ", expected, N(expected));

    int count = -1;
    char **none = al_shell_split("", &count);
    assert_non_null(none);
    assert_int_equal(count, 0);
    al_free_argv(none, count);
    none = al_shell_split(" \t\n ", &count);
    assert_int_equal(count, 0);
    al_free_argv(none, count);
}

static void test_shell_split_quotes(void **state)
{
    (void)state;
    static const char *const double_quoted[] = {"cc", "-DMSG=\"hello world\"", "-I/a b/inc", "x.c"};
    expect_split("cc -DMSG='\"hello world\"' \"-I/a b/inc\" x.c", double_quoted, N(double_quoted));
    /* quotes join with the rest of the word */
    static const char *const joined[] = {"-Iinc dir/sub", "pre mid post"};
    expect_split("-I\"inc dir\"/sub pre' mid 'post", joined, N(joined));
    /* empty quotes make an empty word */
    static const char *const empty[] = {"a", "", "b", ""};
    expect_split("a '' b \"\"", empty, N(empty));
    /* single quotes keep everything literally, backslashes included */
    static const char *const literal[] = {"a\\nb", "$HOME \\\"x"};
    expect_split("'a\\nb' '$HOME \\\"x'", literal, N(literal));
    /* an unterminated quote runs to the end */
    static const char *const open[] = {"x", "abc def"};
    expect_split("x 'abc def", open, N(open));
}

static void test_shell_split_escapes(void **state)
{
    (void)state;
    /* outside quotes a backslash keeps the next character literally */
    static const char *const outside[] = {"a b", "c\\d", "e\"f", "g'h"};
    expect_split("a\\ b c\\\\d e\\\"f g\\'h", outside, N(outside));
    /* inside double quotes only \" \\ \$ \` escape; other backslashes stay */
    static const char *const inside[] = {"-DS=\"q\"", "a$b\\c", "back\\slash"};
    expect_split("\"-DS=\\\"q\\\"\" \"a\\$b\\c\" \"back\\\\slash\"", inside, N(inside));
    /* a trailing lone backslash is kept */
    static const char *const trailing[] = {"end\\"};
    expect_split("end\\", trailing, N(trailing));
}

/* ---- al_compdb_clang_args ---- */

static void test_clang_args_keeps_and_drops(void **state)
{
    (void)state;
    static const char *const argv[] = {"/usr/bin/gcc",
                                       "-Iinc",
                                       "-I",
                                       "inc2",
                                       "-I/abs/inc",
                                       "-I../up",
                                       "-DFOO",
                                       "-D",
                                       "BAR=1",
                                       "-UBAZ",
                                       "-U",
                                       "QUX",
                                       "-std=gnu11",
                                       "-include",
                                       "config.h",
                                       "-isystem",
                                       "sys",
                                       "-m32",
                                       "-O2",
                                       "-pthread",
                                       "-c",
                                       "-o",
                                       "out.o",
                                       "-Wall",
                                       "-Werror",
                                       "-g",
                                       "-fno-tree-vrp",
                                       "-mindirect-branch=thunk",
                                       "-MF",
                                       "dep.d",
                                       "-MD",
                                       "src/main.c",
                                       "lib.o",
                                       "-fstack-protector-strong"};
    static const char *const expected[] = {"-I",
                                           "/proj/build/inc",
                                           "-I",
                                           "/proj/build/inc2",
                                           "-I",
                                           "/abs/inc",
                                           "-I",
                                           "/proj/up",
                                           "-DFOO",
                                           "-DBAR=1",
                                           "-UBAZ",
                                           "-UQUX",
                                           "-std=gnu11",
                                           "-include",
                                           "/proj/build/config.h",
                                           "-isystem",
                                           "/proj/build/sys",
                                           "-m32",
                                           "-O2",
                                           "-pthread"};
    expect_clang_args(argv, N(argv), "/proj/build", expected, N(expected));
}

static void test_clang_args_more_options(void **state)
{
    (void)state;
    static const char *const argv[] = {"cc",
                                       "-x",
                                       "c",
                                       "-std",
                                       "c99",
                                       "--sysroot",
                                       "root",
                                       "--sysroot=/abs/root",
                                       "-iquote",
                                       "q",
                                       "-idirafter",
                                       "/after/./x",
                                       "-imacros",
                                       "m.h",
                                       "-fno-builtin-memcpy",
                                       "-funsigned-char",
                                       "-ffreestanding",
                                       "-Os",
                                       "-m64",
                                       "-Xclang",
                                       "-fcolor-diagnostics",
                                       "-MT",
                                       "target",
                                       "-MQ",
                                       "t2",
                                       "-L",
                                       "libdir",
                                       "-l",
                                       "m",
                                       "-lpthread",
                                       "-Wl,--as-needed",
                                       "-fPIC",
                                       "-pipe",
                                       "-save-temps",
                                       "-MMD",
                                       "-DMSG=\"a b\""};
    static const char *const expected[] = {"-xc",
                                           "-std=c99",
                                           "--sysroot=/w/root",
                                           "--sysroot=/abs/root",
                                           "-iquote",
                                           "/w/q",
                                           "-idirafter",
                                           "/after/x",
                                           "-imacros",
                                           "/w/m.h",
                                           "-fno-builtin-memcpy",
                                           "-funsigned-char",
                                           "-ffreestanding",
                                           "-Os",
                                           "-m64",
                                           "-DMSG=\"a b\""};
    expect_clang_args(argv, N(argv), "/w", expected, N(expected));
}

static void test_clang_args_joined_path_options(void **state)
{
    (void)state;
    /* gcc also takes the longer path options with their value glued on */
    static const char *const argv[] = {"gcc",         "-isystem/usr/x",   "-isystemrel", "-includeconfig.h",
                                       "-iquote../q", "-idirafter/d/./e", "-imacrosm.h", "-I=inc"};
    static const char *const expected[] = {"-isystem",      "/usr/x",   "-isystem", "/w/b/rel",   "-include",
                                           "/w/b/config.h", "-iquote",  "/w/q",     "-idirafter", "/d/e",
                                           "-imacros",      "/w/b/m.h", "-I",       "/w/b/inc"};
    expect_clang_args(argv, N(argv), "/w/b", expected, N(expected));
}

static void test_clang_args_edge_cases(void **state)
{
    (void)state;
    /* only the compiler: nothing */
    static const char *const only_cc[] = {"gcc"};
    expect_clang_args(only_cc, N(only_cc), "/w", NULL, 0);
    /* an option missing its value at the end is dropped */
    static const char *const dangling[] = {"gcc", "-DX", "-I"};
    static const char *const dangling_expected[] = {"-DX"};
    expect_clang_args(dangling, N(dangling), "/w", dangling_expected, N(dangling_expected));
    static const char *const dangling_d[] = {"gcc", "-Ia", "-D"};
    static const char *const dangling_d_expected[] = {"-I", "/w/a"};
    expect_clang_args(dangling_d, N(dangling_d), "/w", dangling_d_expected, N(dangling_d_expected));
    /* "-o" swallows its value even when it looks like a flag we keep */
    static const char *const out_flag[] = {"gcc", "-o", "-m32", "-O0"};
    static const char *const out_flag_expected[] = {"-O0"};
    expect_clang_args(out_flag, N(out_flag), "/w", out_flag_expected, N(out_flag_expected));
    /* longer clang options that start like a path option are not read as one with a value */
    static const char *const lookalikes[] = {"clang", "-include-pch", "x.pch", "-isystem-after", "d", "-DY"};
    static const char *const lookalikes_expected[] = {"-DY"};
    expect_clang_args(lookalikes, N(lookalikes), "/w", lookalikes_expected, N(lookalikes_expected));
}

/* ---- al_compdb_load ---- */

static void test_load_arguments_and_command(void **state)
{
    (void)state;
    char *w = work_dir();
    char *json =
        al_xasprintf("[\n"
                     "  {\"directory\": \"%s/forms\",\n"
                     "   \"arguments\": [\"gcc\", \"-Iinc\", \"-DX=1\", \"-c\", \"-o\", \"main.o\", \"src/main.c\"],\n"
                     "   \"file\": \"src/main.c\"},\n"
                     "  {\"directory\": \"%s/forms/sub\",\n"
                     "   \"command\": \"cc -I../inc -D'MSG=\\\"hi there\\\"' -c util.c -o util.o\",\n"
                     "   \"file\": \"util.c\"},\n"
                     "  {\"directory\": \"%s/forms\",\n"
                     "   \"arguments\": [\"gcc\", \"-c\", \"%s/forms/x/../abs.c\"],\n"
                     "   \"file\": \"%s/forms/x/../abs.c\"}\n"
                     "]\n",
                     w, w, w, w, w);
    char *dir = write_db("forms", json);
    free(json);

    al_compdb db;
    char *error = NULL;
    bool ok = al_compdb_load(&db, dir, &error);
    if (!ok)
        print_error("%s\n", error);
    assert_true(ok);
    assert_null(error);
    char *expected_path = al_xasprintf("%s/compile_commands.json", dir);
    assert_string_equal(db.path, expected_path);
    free(expected_path);
    assert_int_equal(db.count, 3);
    assert_int_equal(db.duplicates, 0);

    char *s = al_xasprintf("%s/forms", w);
    assert_string_equal(db.commands[0].directory, s);
    free(s);
    s = al_xasprintf("%s/forms/src/main.c", w);
    assert_string_equal(db.commands[0].file, s);
    free(s);
    char *inc = al_xasprintf("%s/forms/inc", w);
    const char *const args0[] = {"-I", inc, "-DX=1"};
    expect_argv(db.commands[0].args, db.commands[0].arg_count, args0, N(args0));

    s = al_xasprintf("%s/forms/sub", w);
    assert_string_equal(db.commands[1].directory, s);
    free(s);
    s = al_xasprintf("%s/forms/sub/util.c", w);
    assert_string_equal(db.commands[1].file, s);
    free(s);
    const char *const args1[] = {"-I", inc, "-DMSG=\"hi there\""};
    expect_argv(db.commands[1].args, db.commands[1].arg_count, args1, N(args1));
    free(inc);

    /* an absolute "file" is normalized, and the input file is not among the arguments */
    s = al_xasprintf("%s/forms/abs.c", w);
    assert_string_equal(db.commands[2].file, s);
    free(s);
    assert_int_equal(db.commands[2].arg_count, 0);

    al_compdb_free(&db);
    assert_null(db.commands);
    assert_int_equal(db.count, 0);
    free(dir);
    free(w);
}

/* A file compiled with other flags is another unit; compiled the same way again (for another
 * program), it is the same unit with one more object file. */
static void test_load_duplicates(void **state)
{
    (void)state;
    char *w = work_dir();
    char *json = al_xasprintf(
        "[\n"
        "  {\"directory\": \"%s/dups\", \"arguments\": [\"cc\", \"-DFIRST\", \"-o\", \"one-a.o\", \"a.c\"], "
        "\"file\": \"a.c\"},\n"
        "  {\"directory\": \"%s/dups\", \"arguments\": [\"cc\", \"b.c\"], \"file\": \"b.c\"},\n"
        "  {\"directory\": \"%s/dups/x\", \"arguments\": [\"cc\", \"-DSECOND\", \"../a.c\"], \"file\": "
        "\"../a.c\"},\n"
        "  {\"directory\": \"/elsewhere\", \"arguments\": [\"cc\", \"-DFIRST\", \"-otwo-a.o\"], \"file\": "
        "\"%s/dups/./a.c\"},\n"
        "  {\"directory\": \"%s/dups\", \"arguments\": [\"cc\", \"-DFIRST\"], \"file\": \"a.c\", \"output\": "
        "\"obj/three-a.o\"}\n"
        "]\n",
        w, w, w, w, w);
    char *dir = write_db("dups", json);
    free(json);
    al_compdb db;
    char *error = NULL;
    assert_true(al_compdb_load(&db, dir, &error));
    assert_int_equal(db.entries, 5);
    assert_int_equal(db.count, 3);
    assert_int_equal(db.duplicates, 2);
    char *a = al_xasprintf("%s/dups/a.c", w);
    char *b = al_xasprintf("%s/dups/b.c", w);
    assert_string_equal(db.commands[0].file, a);
    assert_string_equal(db.commands[1].file, b);
    assert_string_equal(db.commands[2].file, a);
    static const char *const first[] = {"-DFIRST"}, *const second[] = {"-DSECOND"};
    expect_argv(db.commands[0].args, db.commands[0].arg_count, first, N(first));
    expect_argv(db.commands[2].args, db.commands[2].arg_count, second, N(second));
    /* the three entries of unit 0 wrote three objects: -o, joined -o, and "output" */
    assert_int_equal(db.commands[0].output_count, 3);
    char *one = al_xasprintf("%s/dups/one-a.o", w), *three = al_xasprintf("%s/dups/obj/three-a.o", w);
    assert_string_equal(db.commands[0].outputs[0], one);
    assert_string_equal(db.commands[0].outputs[1], "/elsewhere/two-a.o");
    assert_string_equal(db.commands[0].outputs[2], three);
    assert_int_equal(db.commands[1].output_count, 0);
    free(one);
    free(three);
    free(a);
    free(b);
    al_compdb_free(&db);
    free(dir);
    free(w);
}

static void test_load_path_names_file(void **state)
{
    (void)state;
    char *w = work_dir();
    char *json = al_xasprintf("[{\"directory\": \"%s\", \"command\": \"cc -c one.c\", \"file\": \"one.c\"}]", w);
    free(test_write("named/my-db.json", json));
    free(json);
    char *path = al_xasprintf("%s/named/my-db.json", AL_TEST_WORK_DIR);
    al_compdb db;
    char *error = NULL;
    assert_true(al_compdb_load(&db, path, &error));
    assert_string_equal(db.path, path);
    assert_int_equal(db.count, 1);
    char *one = al_xasprintf("%s/one.c", w);
    assert_string_equal(db.commands[0].file, one);
    free(one);
    al_compdb_free(&db);
    free(path);

    /* the usual name given directly works the same */
    char *dir = write_db("direct", "[]");
    path = al_xasprintf("%s/compile_commands.json", dir);
    assert_true(al_compdb_load(&db, path, &error));
    assert_string_equal(db.path, path);
    assert_int_equal(db.count, 0);
    assert_int_equal(db.duplicates, 0);
    al_compdb_free(&db);
    free(path);
    free(dir);
    free(w);
}

static void test_load_default_search(void **state)
{
    (void)state;
    char *w = work_dir();
    char old_cwd[4096];
    assert_non_null(getcwd(old_cwd, sizeof(old_cwd)));

    /* neither ./compile_commands.json nor ./build/compile_commands.json */
    char *bare = al_xasprintf("%s/search/bare", w);
    test_mkdirs(bare);
    assert_int_equal(chdir(bare), 0);
    al_compdb db;
    char *error = NULL;
    bool ok = al_compdb_load(&db, NULL, &error);
    assert_int_equal(chdir(old_cwd), 0);
    assert_false(ok);
    assert_string_equal(error, "compile_commands.json: error: not found in . or ./build (use -p BUILD_DIR)");
    free(error);
    error = NULL;

    /* found in ./build (a database left in ./ by an earlier run is removed first) */
    char *proj = write_db("search/proj/build", "[]");
    char *proj_root = al_xasprintf("%s/search/proj", w);
    char *stale = al_xasprintf("%s/compile_commands.json", proj_root);
    unlink(stale);
    free(stale);
    assert_int_equal(chdir(proj_root), 0);
    ok = al_compdb_load(&db, NULL, &error);
    assert_int_equal(chdir(old_cwd), 0);
    assert_true(ok);
    assert_string_equal(db.path, "build/compile_commands.json");
    al_compdb_free(&db);

    /* ./compile_commands.json comes first */
    free(write_db("search/proj", "[]"));
    assert_int_equal(chdir(proj_root), 0);
    ok = al_compdb_load(&db, NULL, &error);
    assert_int_equal(chdir(old_cwd), 0);
    assert_true(ok);
    assert_string_equal(db.path, "compile_commands.json");
    al_compdb_free(&db);

    free(proj_root);
    free(proj);
    free(bare);
    free(w);
}

static void test_load_missing_folder(void **state)
{
    (void)state;
    char *w = work_dir();
    char *missing = al_xasprintf("%s/no-such-build", w);
    char *expected = al_xasprintf("%s: error: build folder does not exist", missing);
    expect_load_error(missing, expected);
    free(expected);
    free(missing);
    expect_load_error("/nonexistent", "/nonexistent: error: build folder does not exist");
    free(w);
}

static void test_load_folder_without_database(void **state)
{
    (void)state;
    char *w = work_dir();
    char *empty = al_xasprintf("%s/empty-build", w);
    test_mkdirs(empty);
    char *expected = al_xasprintf("%s: error: no compile_commands.json in this folder (configure with "
                                  "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON, or use bear)",
                                  empty);
    expect_load_error(empty, expected);
    free(expected);
    free(empty);
    free(w);
}

static void test_load_malformed_json(void **state)
{
    (void)state;
    char *dir =
        write_db("malformed", "[\n  {\"directory\": \"/tmp\",\n   \"file\": \"a.c\" \"command\": \"cc a.c\"}\n]\n");
    char *expected = al_xasprintf("%s/compile_commands.json:3:18: error: malformed JSON", dir);
    expect_load_error(dir, expected);
    free(expected);
    free(dir);

    dir = write_db("empty-db", "");
    expected = al_xasprintf("%s/compile_commands.json:1:1: error: empty file, expected JSON", dir);
    expect_load_error(dir, expected);
    free(expected);
    free(dir);
}

static void test_load_not_an_array(void **state)
{
    (void)state;
    char *dir = write_db("object", "\n  {\"directory\": \"/tmp\", \"file\": \"a.c\", \"command\": \"cc a.c\"}\n");
    char *expected = al_xasprintf("%s/compile_commands.json:2:3: error: expected an array of compile commands", dir);
    expect_load_error(dir, expected);
    free(expected);
    free(dir);
}

static void test_load_bad_entries(void **state)
{
    (void)state;
    /* entry 1 has no "file": the message names the entry and points at its object */
    char *dir =
        write_db("no-file", "[\n"
                            "  {\"directory\": \"/tmp\", \"arguments\": [\"cc\", \"a.c\"], \"file\": \"a.c\"},\n"
                            "    {\"directory\": \"/tmp\", \"arguments\": [\"cc\", \"b.c\"]}\n"
                            "]\n");
    char *expected =
        al_xasprintf("%s/compile_commands.json:3:5: error: entry 1 needs string \"directory\" and \"file\"", dir);
    expect_load_error(dir, expected);
    free(expected);
    free(dir);

    /* "directory" of the wrong type */
    dir = write_db("dir-number", "[{\"directory\": 5, \"command\": \"cc a.c\", \"file\": \"a.c\"}]");
    expected =
        al_xasprintf("%s/compile_commands.json:1:2: error: entry 0 needs string \"directory\" and \"file\"", dir);
    expect_load_error(dir, expected);
    free(expected);
    free(dir);

    /* neither "arguments" nor "command" */
    dir = write_db("no-command", "[\n  {\"directory\": \"/tmp\", \"file\": \"a.c\"}\n]");
    expected = al_xasprintf(
        "%s/compile_commands.json:2:3: error: entry 0 needs \"arguments\" (array) or \"command\" (string)", dir);
    expect_load_error(dir, expected);
    free(expected);
    free(dir);

    /* an argument that is not a string points at that argument */
    dir = write_db(
        "bad-arg",
        "[\n  {\"directory\": \"/tmp\", \"file\": \"a.c\",\n   \"arguments\": [\"cc\", \"-c\", 7, \"a.c\"]}\n]");
    expected = al_xasprintf("%s/compile_commands.json:3:30: error: argument 2 of entry 0 is not a string", dir);
    expect_load_error(dir, expected);
    free(expected);
    free(dir);

    /* an entry that is not an object */
    dir = write_db("not-object",
                   "[\n  {\"directory\": \"/tmp\", \"file\": \"a.c\", \"command\": \"cc\"},\n  \"cc b.c\"\n]");
    expected = al_xasprintf("%s/compile_commands.json:3:3: error: entry 1 is not an object", dir);
    expect_load_error(dir, expected);
    free(expected);
    free(dir);
}

/* The in-memory entry point the fuzz target uses: the same entries, messages naming `path`. */
static void test_parse_from_memory(void **state)
{
    (void)state;
    static const char text[] = "[{\"directory\": \"/src/b\", \"command\": \"cc -I../inc -c ../a.c\", \"file\": "
                               "\"../a.c\"},\n {\"directory\": \"/src\", \"arguments\": [\"cc\", \"a.c\"], \"file\": "
                               "\"a.c\"}]";
    al_compdb db;
    char *error = NULL;
    assert_true(al_compdb_parse(&db, "mem/compile_commands.json", text, sizeof(text) - 1, &error));
    assert_string_equal(db.path, "mem/compile_commands.json");
    assert_int_equal(db.count, 2); /* one file, two sets of flags: two units */
    assert_int_equal(db.duplicates, 0);
    assert_string_equal(db.commands[0].file, "/src/a.c");
    assert_int_equal(db.commands[0].arg_count, 2);
    assert_string_equal(db.commands[0].args[1], "/src/inc");
    assert_int_equal(db.commands[1].arg_count, 0);
    al_compdb_free(&db);
    assert_false(al_compdb_parse(&db, "mem.json", "[{\"file\": 1}]", 13, &error));
    assert_string_equal(error, "mem.json:1:2: error: entry 0 needs string \"directory\" and \"file\"");
    free(error);
    assert_false(al_compdb_parse(&db, "mem.json", "[1]\0", 4, &error));
    assert_string_equal(error, "mem.json:1:4: error: NUL byte in JSON text");
    free(error);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shell_split_plain),
        cmocka_unit_test(test_shell_split_quotes),
        cmocka_unit_test(test_shell_split_escapes),
        cmocka_unit_test(test_clang_args_keeps_and_drops),
        cmocka_unit_test(test_clang_args_more_options),
        cmocka_unit_test(test_clang_args_joined_path_options),
        cmocka_unit_test(test_clang_args_edge_cases),
        cmocka_unit_test(test_load_arguments_and_command),
        cmocka_unit_test(test_load_duplicates),
        cmocka_unit_test(test_load_path_names_file),
        cmocka_unit_test(test_load_default_search),
        cmocka_unit_test(test_load_missing_folder),
        cmocka_unit_test(test_load_folder_without_database),
        cmocka_unit_test(test_load_malformed_json),
        cmocka_unit_test(test_load_not_an_array),
        cmocka_unit_test(test_load_bad_entries),
        cmocka_unit_test(test_parse_from_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
