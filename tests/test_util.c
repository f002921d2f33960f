/* Unit tests for analyzer/util: the string interner, string builder, growable arrays, hashing,
 * path normalization and whole-file reads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_helpers.h"
#include "util.h"

/* ---- al_strtab ---- */

static void test_strtab_empty_string_is_id_zero(void **state)
{
    (void)state;
    al_strtab t;
    al_strtab_init(&t);
    assert_int_equal(t.count, 1);
    assert_string_equal(al_str(&t, 0), "");
    assert_int_equal(al_strtab_intern(&t, ""), 0);
    assert_int_equal(al_strtab_find(&t, ""), 0);
    assert_int_equal(t.count, 1);
    al_strtab_free(&t);
}

static void test_strtab_intern_equal_strings(void **state)
{
    (void)state;
    al_strtab t;
    al_strtab_init(&t);
    uint32_t a = al_strtab_intern(&t, "alpha");
    uint32_t b = al_strtab_intern(&t, "beta");
    uint32_t c = al_strtab_intern(&t, "gamma");
    /* dense ids from 1, in order of first interning */
    assert_int_equal(a, 1);
    assert_int_equal(b, 2);
    assert_int_equal(c, 3);
    /* equal strings, including from a different buffer, get the same id */
    char copy[] = "alpha";
    assert_int_equal(al_strtab_intern(&t, copy), a);
    assert_int_equal(al_strtab_intern(&t, "beta"), b);
    assert_int_equal(t.count, 4);
    assert_string_equal(al_str(&t, a), "alpha");
    assert_string_equal(al_str(&t, b), "beta");
    assert_string_equal(al_str(&t, c), "gamma");
    /* the table owns its copy */
    assert_ptr_not_equal(al_str(&t, a), copy);
    al_strtab_free(&t);
}

static void test_strtab_intern_n_prefix(void **state)
{
    (void)state;
    al_strtab t;
    al_strtab_init(&t);
    uint32_t ab = al_strtab_intern(&t, "ab");
    /* a length-limited slice of a longer string equals the shorter string */
    assert_int_equal(al_strtab_intern_n(&t, "abcdef", 2), ab);
    uint32_t abc = al_strtab_intern_n(&t, "abcdef", 3);
    assert_int_equal(abc, 2);
    assert_string_equal(al_str(&t, abc), "abc");
    /* "abc" must not be found as "ab" or "abcd" */
    assert_int_equal(al_strtab_find(&t, "abc"), abc);
    assert_int_equal(al_strtab_find(&t, "abcd"), UINT32_MAX);
    assert_int_equal(al_strtab_intern_n(&t, "xyz", 0), 0);
    assert_int_equal(t.count, 3);
    al_strtab_free(&t);
}

static void test_strtab_find_missing(void **state)
{
    (void)state;
    al_strtab t;
    al_strtab_init(&t);
    al_strtab_intern(&t, "present");
    assert_int_equal(al_strtab_find(&t, "present"), 1);
    assert_int_equal(al_strtab_find(&t, "absent"), UINT32_MAX);
    assert_int_equal(al_strtab_find(&t, "presen"), UINT32_MAX);
    assert_int_equal(al_strtab_find(&t, "presentt"), UINT32_MAX);
    /* find does not intern */
    assert_int_equal(t.count, 2);
    al_strtab_free(&t);
}

static void test_strtab_growth(void **state)
{
    (void)state;
    enum { N = 12000 };
    al_strtab t;
    al_strtab_init(&t);
    char buf[32];
    for (uint32_t i = 0; i < N; i++) {
        snprintf(buf, sizeof(buf), "name_%u", i);
        assert_int_equal(al_strtab_intern(&t, buf), i + 1);
    }
    assert_int_equal(t.count, N + 1);
    /* the slot table stays at most half full */
    assert_true(t.slot_count >= 2u * t.count);
    assert_int_equal(t.slot_count & (t.slot_count - 1), 0);
    for (uint32_t i = 0; i < N; i++) {
        snprintf(buf, sizeof(buf), "name_%u", i);
        assert_int_equal(al_strtab_find(&t, buf), i + 1);
        assert_string_equal(al_str(&t, i + 1), buf);
        /* re-interning after all the growth still gives the old id */
        assert_int_equal(al_strtab_intern(&t, buf), i + 1);
    }
    assert_int_equal(t.count, N + 1);
    assert_int_equal(al_strtab_find(&t, "name_12000"), UINT32_MAX);
    assert_int_equal(al_strtab_find(&t, ""), 0);
    al_strtab_free(&t);
    assert_null(t.strings);
    assert_int_equal(t.count, 0);
}

/* ---- al_strbuf ---- */

static void test_strbuf_append(void **state)
{
    (void)state;
    al_strbuf b = {0};
    al_strbuf_append(&b, "hello");
    assert_int_equal(b.len, 5);
    assert_string_equal(b.data, "hello");
    al_strbuf_putc(&b, ',');
    al_strbuf_append_n(&b, " worldXXX", 6);
    assert_int_equal(b.len, 12);
    assert_string_equal(b.data, "hello, world");
    al_strbuf_append(&b, "");
    assert_int_equal(b.len, 12);
    al_strbuf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    /* growth far past the first capacity keeps every byte */
    for (int i = 0; i < 1000; i++)
        al_strbuf_append(&b, "0123456789");
    assert_int_equal(b.len, 10000);
    assert_int_equal(strlen(b.data), 10000);
    assert_memory_equal(b.data + 9990, "0123456789", 10);
    assert_true(b.capacity > b.len);
    al_strbuf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

static void test_strbuf_appendf(void **state)
{
    (void)state;
    al_strbuf b = {0};
    al_strbuf_appendf(&b, "%s:%u:%u: ", "f.c", 3u, 14u);
    al_strbuf_appendf(&b, "%d%%", -7);
    assert_string_equal(b.data, "f.c:3:14: -7%");
    assert_int_equal(b.len, strlen("f.c:3:14: -7%"));
    /* a formatted piece longer than the initial capacity */
    al_strbuf_appendf(&b, "%0200d", 5);
    assert_int_equal(b.len, 13 + 200);
    assert_int_equal(b.data[b.len - 1], '5');
    assert_int_equal(b.data[13], '0');
    al_strbuf_free(&b);

    char *s = al_xasprintf("%s-%d", "x", 42);
    assert_string_equal(s, "x-42");
    free(s);
}

static void test_strbuf_take(void **state)
{
    (void)state;
    al_strbuf b = {0};
    /* an untouched buffer still hands out a string */
    char *empty = al_strbuf_take(&b);
    assert_non_null(empty);
    assert_string_equal(empty, "");
    free(empty);

    al_strbuf_append(&b, "abc");
    char *s = al_strbuf_take(&b);
    assert_string_equal(s, "abc");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.capacity, 0);
    /* the buffer is reusable and independent from what was taken */
    al_strbuf_append(&b, "def");
    assert_string_equal(b.data, "def");
    assert_string_equal(s, "abc");
    free(s);
    al_strbuf_free(&b);
}

/* ---- AL_VEC ---- */

static void test_vec_push(void **state)
{
    (void)state;
    AL_VEC(int) v = {0};
    for (int i = 0; i < 100; i++)
        AL_VEC_PUSH(v, i * 3);
    assert_int_equal(v.count, 100);
    assert_int_equal(v.capacity, 128);
    for (int i = 0; i < 100; i++)
        assert_int_equal(v.items[i], i * 3);
    AL_VEC_FREE(v);
    assert_null(v.items);
    assert_int_equal(v.count, 0);
    assert_int_equal(v.capacity, 0);

    al_u32_vec u = {0};
    AL_VEC_PUSH(u, 7u);
    assert_int_equal(u.count, 1);
    assert_int_equal(u.capacity, 8);
    assert_int_equal(u.items[0], 7);
    AL_VEC_FREE(u);
}

static void test_vec_reserve(void **state)
{
    (void)state;
    AL_VEC(uint64_t) v = {0};
    size_t none = 0;
    AL_VEC_RESERVE(v, none);
    assert_null(v.items);
    assert_int_equal(v.capacity, 0);
    AL_VEC_RESERVE(v, 3);
    assert_non_null(v.items);
    assert_int_equal(v.capacity, 8);
    assert_int_equal(v.count, 0);
    AL_VEC_RESERVE(v, 9);
    assert_int_equal(v.capacity, 16);
    /* never shrinks */
    AL_VEC_RESERVE(v, 2);
    assert_int_equal(v.capacity, 16);
    AL_VEC_RESERVE(v, 1000);
    assert_int_equal(v.capacity, 1024);
    for (uint64_t i = 0; i < 1000; i++)
        v.items[v.count++] = i * i;
    assert_int_equal(v.items[999], 998001);
    AL_VEC_PUSH(v, 5);
    assert_int_equal(v.count, 1001);
    assert_int_equal(v.capacity, 1024);
    AL_VEC_FREE(v);
}

/* ---- al_hash_bytes ---- */

static void test_hash_fnv1a(void **state)
{
    (void)state;
    /* published FNV-1a 64 test vectors */
    assert_true(al_hash_bytes("", 0, AL_HASH_SEED) == 0xcbf29ce484222325ULL);
    assert_true(al_hash_bytes("a", 1, AL_HASH_SEED) == 0xaf63dc4c8601ec8cULL);
    assert_true(al_hash_bytes("foobar", 6, AL_HASH_SEED) == 0x85944171f73967e8ULL);
    /* only `len` bytes count */
    assert_true(al_hash_bytes("ab", 1, AL_HASH_SEED) == 0xaf63dc4c8601ec8cULL);
    /* the seed is the starting state */
    assert_true(al_hash_bytes("a", 1, 0) == 0x61ULL * 0x100000001b3ULL);
    assert_true(al_hash_bytes("a", 1, 1) != al_hash_bytes("a", 1, AL_HASH_SEED));
}

/* ---- paths ---- */

static void check_absolute(const char *path, const char *base, const char *expected)
{
    char *got = al_path_absolute(path, base);
    assert_string_equal(got, expected);
    free(got);
}

static void test_path_absolute(void **state)
{
    (void)state;
    check_absolute("a/./b/../c", "/base", "/base/a/c");
    check_absolute("/x/../../y", "/base", "/y");
    check_absolute("/x/../../y", NULL, "/y");
    check_absolute("/a/b/", NULL, "/a/b");
    check_absolute("/a//b///", NULL, "/a/b");
    check_absolute("dir/", "/base/", "/base/dir");
    check_absolute("dir//sub/.", "/base//", "/base/dir/sub");
    check_absolute("..", "/base", "/");
    check_absolute("../..", "/base", "/");
    check_absolute(".", "/base/x/", "/base/x");
    check_absolute("", "/base", "/base");
    check_absolute("/", NULL, "/");
    check_absolute("/.", NULL, "/");
    check_absolute("./inc", "/proj/build/../src", "/proj/src/inc");
    /* names that only start with dots are ordinary */
    check_absolute("..a/.b/...", "/r", "/r/..a/.b/...");
    /* an absolute path ignores the base */
    check_absolute("/abs/p", "/base", "/abs/p");
}

static void test_path_absolute_cwd(void **state)
{
    (void)state;
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    char *expected = al_xasprintf("%s/sub/file.c", strcmp(cwd, "/") == 0 ? "" : cwd);
    check_absolute("sub/./x/../file.c", NULL, expected);
    free(expected);
}

static void test_path_relative_to(void **state)
{
    (void)state;
    const char *path = "/root/src/a.c";
    assert_string_equal(al_path_relative_to(path, "/root"), "src/a.c");
    assert_ptr_equal(al_path_relative_to(path, "/root"), path + 6);
    assert_string_equal(al_path_relative_to(path, "/root/"), "src/a.c");
    assert_string_equal(al_path_relative_to(path, "/root//"), "src/a.c");
    assert_string_equal(al_path_relative_to(path, "/root/src"), "a.c");
    /* not inside: the path itself, not a copy */
    assert_ptr_equal(al_path_relative_to(path, "/ro"), path);
    assert_ptr_equal(al_path_relative_to(path, "/rootx"), path);
    assert_ptr_equal(al_path_relative_to(path, "/other"), path);
    assert_ptr_equal(al_path_relative_to(path, "/root/src/a.c"), path);
    assert_ptr_equal(al_path_relative_to(path, NULL), path);
    assert_ptr_equal(al_path_relative_to(path, ""), path);
    assert_string_equal(al_path_relative_to(path, "/"), "root/src/a.c");
    const char *sibling = "/rootfile";
    assert_ptr_equal(al_path_relative_to(sibling, "/root"), sibling);
    /* the root itself is not inside the root */
    const char *same = "/root";
    assert_ptr_equal(al_path_relative_to(same, "/root"), same);
}

/* ---- al_read_file ---- */

/* Varints round-trip, and only the encoder's spelling of a value is read (found by fuzz target
 * `facts`: 0xea 0x00 was read as 0x6a, so decoded facts re-encoded to other bytes). */
static void test_bytes_varints_are_canonical(void **state)
{
    (void)state;
    const uint64_t values[] = {0, 1, 127, 128, 16383, 16384, UINT64_MAX};
    for (size_t i = 0; i < sizeof(values) / sizeof(*values); i++) {
        al_bytes b = {0};
        al_bytes_put_u64(&b, values[i]);
        al_byte_reader r = {b.items, b.items + b.count, false};
        assert_true(al_bytes_get_u64(&r) == values[i]);
        assert_false(r.bad);
        assert_ptr_equal(r.p, r.end);
        AL_VEC_FREE(b);
    }
    static const unsigned char overlong[][11] = {
        {0x80, 0x00},
        {0xea, 0x00},
        {0xff, 0x80, 0x00},                                                 /* a zero last byte */
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02},       /* 65 bits */
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x01}, /* 11 bytes */
        {0x80},                                                             /* cut short */
    };
    const size_t lengths[] = {2, 2, 3, 10, 11, 1};
    for (size_t i = 0; i < sizeof(lengths) / sizeof(*lengths); i++) {
        al_byte_reader r = {overlong[i], overlong[i] + lengths[i], false};
        assert_true(al_bytes_get_u64(&r) == 0);
        assert_true(r.bad);
    }
}

static void test_read_file(void **state)
{
    (void)state;
    test_mkdirs(AL_TEST_WORK_DIR);
    char *path = al_xasprintf("%s/read_me.bin", AL_TEST_WORK_DIR);
    static const char content[] = "line 1\nline 2\0after nul\n";
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, sizeof(content) - 1, f), sizeof(content) - 1);
    fclose(f);

    size_t len = 0;
    char *text = al_read_file(path, &len);
    assert_non_null(text);
    assert_int_equal(len, sizeof(content) - 1);
    assert_memory_equal(text, content, sizeof(content) - 1);
    assert_int_equal(text[len], '\0');
    free(text);

    /* len_out is optional */
    text = al_read_file(path, NULL);
    assert_non_null(text);
    assert_string_equal(text, "line 1\nline 2");
    free(text);
    free(path);

    /* an empty file is an empty string, not NULL */
    char *empty = test_write("empty.txt", "");
    len = 99;
    text = al_read_file(empty, &len);
    assert_non_null(text);
    assert_int_equal(len, 0);
    assert_string_equal(text, "");
    free(text);
    free(empty);

    /* larger than one read chunk */
    al_strbuf big = {0};
    for (int i = 0; i < 20000; i++)
        al_strbuf_appendf(&big, "%05d\n", i);
    char *big_path = test_write("big.txt", big.data);
    text = al_read_file(big_path, &len);
    assert_non_null(text);
    assert_int_equal(len, big.len);
    assert_int_equal(len, 120000);
    assert_string_equal(text, big.data);
    free(text);
    free(big_path);
    al_strbuf_free(&big);
}

static void test_read_file_missing(void **state)
{
    (void)state;
    test_mkdirs(AL_TEST_WORK_DIR);
    char *path = al_xasprintf("%s/does-not-exist.txt", AL_TEST_WORK_DIR);
    size_t len = 1234;
    errno = 0;
    char *text = al_read_file(path, &len);
    assert_null(text);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(len, 1234); /* untouched on failure */
    free(path);

    /* a folder cannot be read as a file */
    errno = 0;
    assert_null(al_read_file(AL_TEST_WORK_DIR, &len));
    assert_int_equal(errno, EISDIR);
}

static void test_find_upward(void **state)
{
    (void)state;
    free(test_write("up/a/x", "x"));
    free(test_write("up/a/b/build/y", "y"));
    test_mkdirs(AL_TEST_WORK_DIR "/up/a/b/c");
    test_mkdirs(AL_TEST_WORK_DIR "/up/a/b/x"); /* a folder named x does not count */
    static const char *const x[] = {"x"};
    static const char *const y[] = {"y", "build/y"};
    static const char *const none[] = {"nothing-here"};
    char *found = al_find_upward(AL_TEST_WORK_DIR "/up/a/b/c", x, 1);
    assert_string_equal(found, AL_TEST_WORK_DIR "/up/a/x");
    free(found);
    found = al_find_upward(AL_TEST_WORK_DIR "/up/a/b/c", y, 2);
    assert_string_equal(found, AL_TEST_WORK_DIR "/up/a/b/build/y");
    free(found);
    assert_null(al_find_upward(AL_TEST_WORK_DIR "/up/a/b/c", none, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_upward),
        cmocka_unit_test(test_strtab_empty_string_is_id_zero),
        cmocka_unit_test(test_strtab_intern_equal_strings),
        cmocka_unit_test(test_strtab_intern_n_prefix),
        cmocka_unit_test(test_strtab_find_missing),
        cmocka_unit_test(test_strtab_growth),
        cmocka_unit_test(test_strbuf_append),
        cmocka_unit_test(test_strbuf_appendf),
        cmocka_unit_test(test_strbuf_take),
        cmocka_unit_test(test_vec_push),
        cmocka_unit_test(test_vec_reserve),
        cmocka_unit_test(test_hash_fnv1a),
        cmocka_unit_test(test_path_absolute),
        cmocka_unit_test(test_path_absolute_cwd),
        cmocka_unit_test(test_path_relative_to),
        cmocka_unit_test(test_bytes_varints_are_canonical),
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_read_file_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
