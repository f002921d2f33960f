/* store and the facts codec: a unit's facts survive the round trip exactly; every truncation and
 * many corruptions of a blob are rejected without a crash; the store says "fresh" only while the
 * unit's files and arguments are unchanged; shard files round-trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "store.h"
#include "test_helpers.h"

static const char source[] = "#include <uv.h>\n"
                             "#include \"dep.h\"\n"
                             "struct ops { void (*run)(int); };\n"
                             "static void helper(int x) { (void)x; }\n"
                             "static struct ops table = { .run = helper };\n"
                             "static void on_tick(uv_timer_t *t) { (void)t; table.run(DEP); usleep(-1); }\n"
                             "void start(uv_timer_t *t) { uv_timer_start(t, on_tick, 0, 0); }\n";

static void extract_sample(al_tu_facts *tu, const char *const *argv, int argc)
{
    char *dep = test_write("store/dep.h", "#define DEP 3\nint usleep(int);\n");
    free(dep);
    char *path = test_write("store/sample.c", source);
    free(path);
    test_extract("store/sample.c", argv, argc, tu);
}

static const char *const sample_argv[] = {"cc", "-c", "store/sample.c"};

static void encode(const al_tu_facts *tu, al_bytes *out)
{
    out->count = 0;
    al_tu_facts_encode(tu, out);
}

static void test_round_trip_is_exact(void **state)
{
    (void)state;
    al_tu_facts tu, back;
    extract_sample(&tu, sample_argv, 3);
    assert_true(tu.parsed);
    assert_true(tu.includes.count >= 3); /* sample.c, dep.h, uv.h and what uv.h includes */
    al_bytes a = {0}, b = {0};
    encode(&tu, &a);
    assert_true(al_tu_facts_decode(a.items, a.count, &back));
    assert_string_equal(back.file, tu.file);
    assert_int_equal(back.strings.count, tu.strings.count);
    for (uint32_t i = 0; i < tu.strings.count; i++)
        assert_string_equal(al_str(&back.strings, i), al_str(&tu.strings, i));
    assert_int_equal(back.functions.count, tu.functions.count);
    assert_int_equal(back.calls.count, tu.calls.count);
    assert_int_equal(back.refs.count, tu.refs.count);
    assert_int_equal(back.args.count, tu.args.count);
    assert_int_equal(back.includes.count, tu.includes.count);
    /* the same bytes again: nothing was lost or changed on the way */
    encode(&back, &b);
    assert_int_equal(a.count, b.count);
    assert_memory_equal(a.items, b.items, a.count);
    AL_VEC_FREE(a);
    AL_VEC_FREE(b);
    al_tu_facts_free(&tu);
    al_tu_facts_free(&back);
}

static void test_damaged_blobs_are_rejected(void **state)
{
    (void)state;
    al_tu_facts tu, back;
    extract_sample(&tu, sample_argv, 3);
    al_bytes a = {0};
    encode(&tu, &a);
    for (size_t len = 0; len < a.count; len++) { /* every truncation */
        assert_false(al_tu_facts_decode(a.items, len, &back));
        assert_int_equal(back.functions.count, 0);
        al_tu_facts_free(&back);
    }
    srand(7);
    size_t rejected = 0;
    for (int trial = 0; trial < 3000; trial++) { /* flipped bytes: rejected or decoded, never a crash */
        al_bytes copy = {0};
        AL_VEC_RESERVE(copy, a.count);
        memcpy(copy.items, a.items, a.count);
        copy.count = a.count;
        for (int k = 0; k < 3; k++)
            copy.items[(size_t)rand() % copy.count] ^= (unsigned char)(1u << (rand() % 8));
        rejected += !al_tu_facts_decode(copy.items, copy.count, &back);
        al_tu_facts_free(&back);
        AL_VEC_FREE(copy);
    }
    assert_true(rejected > 0); /* most flips land in string bytes, which may hold anything */
    AL_VEC_FREE(a);
    al_tu_facts_free(&tu);
}

static al_compile_command sample_command(const char *const *argv, int argc)
{
    al_compile_command cmd = {0};
    cmd.directory = al_xstrdup(AL_TEST_WORK_DIR);
    cmd.file = al_xasprintf("%s/store/sample.c", AL_TEST_WORK_DIR);
    cmd.args = al_compdb_clang_args((char *const *)argv, argc, cmd.directory, &cmd.arg_count);
    return cmd;
}

static void free_command(al_compile_command *cmd)
{
    free(cmd->directory);
    free(cmd->file);
    al_free_argv(cmd->args, cmd->arg_count);
}

static void remove_store(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char *path = al_xasprintf("%s/store/cache/facts.sqlite%s", AL_TEST_WORK_DIR, suffixes[i]);
        unlink(path);
        free(path);
    }
}

static al_store *open_store(const char *tool)
{
    char *path = al_xasprintf("%s/store/cache/facts.sqlite", AL_TEST_WORK_DIR);
    char *error = NULL, *notice = NULL;
    al_store *s = al_store_open(path, tool, &error, &notice);
    assert_non_null(s);
    assert_null(notice);
    free(path);
    return s;
}

static bool load_fresh(al_store *s, const al_compile_command *cmd)
{
    al_tu_facts out = {0};
    bool fresh = al_store_load(s, cmd, &out);
    if (fresh)
        al_tu_facts_free(&out);
    return fresh;
}

/* Bytes the encoder never writes are rejected, so a decoded unit re-encodes to the same bytes (found
 * by fuzz target `facts`): an absent file name and a string count of 0 decoded like "" and 1. */
static void test_only_the_encoders_spelling_decodes(void **state)
{
    (void)state;
    /* file "a", parsed 0, failure absent, 0 errors, strings [""], no records in any of the 16
     * lists (functions, calls, args, refs, diags, aliases, variables, variable uses, guards, blocks,
     * loops, returns, stores, installs, objects, includes) */
    unsigned char unit[] = {2, 'a', 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    al_tu_facts back;
    assert_true(al_tu_facts_decode(unit, sizeof(unit), &back));
    al_bytes again = {0};
    encode(&back, &again);
    assert_int_equal(again.count, sizeof(unit));
    assert_memory_equal(again.items, unit, sizeof(unit));
    AL_VEC_FREE(again);
    al_tu_facts_free(&back);
    unit[5] = 0; /* no string count that leaves out id 0 */
    assert_false(al_tu_facts_decode(unit, sizeof(unit), &back));
    al_tu_facts_free(&back);
    unsigned char no_file[] = {0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_false(al_tu_facts_decode(no_file, sizeof(no_file), &back));
    al_tu_facts_free(&back);
}

static void test_store_freshness(void **state)
{
    (void)state;
    al_tu_facts tu;
    extract_sample(&tu, sample_argv, 3);
    sleep(1); /* the files are older than the store's start: only then are facts cached */
    al_compile_command cmd = sample_command(sample_argv, 3);
    remove_store();
    al_store *s = open_store("tool 1");
    assert_false(load_fresh(s, &cmd));
    assert_true(al_store_save(s, &cmd, &tu));
    assert_true(load_fresh(s, &cmd));
    al_store_close(s);

    s = open_store("tool 1"); /* a new run: the cache persisted */
    assert_true(load_fresh(s, &cmd));
    al_store_close(s);

    s = open_store("tool 2"); /* another asynclock or libclang: not used */
    assert_false(load_fresh(s, &cmd));
    al_store_close(s);

    s = open_store("tool 1"); /* other arguments: not used */
    static const char *const other_argv[] = {"cc", "-DX=1", "-c", "store/sample.c"};
    al_compile_command other = sample_command(other_argv, 4);
    assert_false(load_fresh(s, &other));
    free_command(&other);
    al_store_close(s);

    char *dep = test_write("store/dep.h", "#define DEP 4\nint usleep(int);\n"); /* a header changed */
    free(dep);
    s = open_store("tool 1");
    assert_false(load_fresh(s, &cmd));
    al_store_close(s);

    free_command(&cmd);
    al_tu_facts_free(&tu);
}

static void test_failed_units_are_not_cached(void **state)
{
    (void)state;
    char *path = test_write("store/broken.c", "int f( { return 0; }\n");
    static const char *const argv[] = {"cc", "-c", "store/broken.c"};
    al_tu_facts tu;
    test_extract("store/broken.c", argv, 3, &tu);
    assert_true(tu.error_count > 0);
    sleep(1);
    al_compile_command cmd = {0};
    cmd.directory = al_xstrdup(AL_TEST_WORK_DIR);
    cmd.file = path;
    cmd.args = al_compdb_clang_args((char *const *)argv, 3, cmd.directory, &cmd.arg_count);
    al_store *s = open_store("tool 1");
    assert_true(al_store_save(s, &cmd, &tu));
    assert_false(load_fresh(s, &cmd)); /* the next run tries again and says why again */
    al_store_close(s);
    free_command(&cmd);
    al_tu_facts_free(&tu);
}

static void test_shard_round_trip(void **state)
{
    (void)state;
    al_tu_facts tu;
    extract_sample(&tu, sample_argv, 3);
    char *path = al_xasprintf("%s/store/shard.facts", AL_TEST_WORK_DIR);
    al_tu_facts *list[1] = {&tu};
    al_shard_info info = {2, 5, 40, "tool 1", "{\"targets\": []}"};
    uint32_t index = 36;
    char *error = NULL;
    assert_true(al_shard_write(path, &info, list, &index, 1, &error));
    al_shard_info read_info;
    al_tu_facts_vec units = {0};
    al_u32_vec indexes = {0};
    assert_true(al_shard_read(path, &read_info, &units, &indexes, &error));
    assert_int_equal(read_info.index, 2);
    assert_int_equal(read_info.count, 5);
    assert_int_equal(read_info.total_units, 40);
    assert_string_equal(read_info.tool, "tool 1");
    assert_string_equal(read_info.targets, "{\"targets\": []}");
    assert_int_equal(units.count, 1);
    assert_int_equal(indexes.count, 1);
    assert_int_equal(indexes.items[0], 36); /* the unit's place in the database */
    assert_string_equal(units.items[0].file, tu.file);
    assert_int_equal(units.items[0].calls.count, tu.calls.count);
    al_shard_info_free(&read_info);
    al_tu_facts_free(&units.items[0]);
    AL_VEC_FREE(units);

    /* a truncated shard file is an error naming it, not a crash */
    FILE *f = fopen(path, "r+");
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), 1000), 0);
    fclose(f);
    assert_false(al_shard_read(path, &read_info, &units, &indexes, &error));
    assert_non_null(strstr(error, path));
    free(error);
    al_shard_info_free(&read_info);
    for (size_t i = 0; i < units.count; i++)
        al_tu_facts_free(&units.items[i]);
    AL_VEC_FREE(units);
    AL_VEC_FREE(indexes);
    free(path);
    al_tu_facts_free(&tu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_is_exact), cmocka_unit_test(test_damaged_blobs_are_rejected),
        cmocka_unit_test(test_store_freshness),     cmocka_unit_test(test_failed_units_are_not_cached),
        cmocka_unit_test(test_shard_round_trip),    cmocka_unit_test(test_only_the_encoders_spelling_decodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
