/* Unit tests for analyzer/jsonfile: loading JSON inputs with compiler-style error messages and
 * locating values by their JSON path. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonfile.h"
#include "test_helpers.h"

/* Loads `text` written to the work folder as `name`, expecting failure with exactly
 * "<path><suffix>". */
static void expect_load_error(const char *name, const char *text, size_t len, const char *suffix)
{
    char *path = al_xasprintf("%s/%s", AL_TEST_WORK_DIR, name);
    test_mkdirs(AL_TEST_WORK_DIR);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
    al_jsonfile jf;
    char *error = NULL;
    assert_false(al_jsonfile_load(&jf, path, &error));
    assert_non_null(error);
    char *expected = al_xasprintf("%s%s", path, suffix);
    assert_string_equal(error, expected);
    free(expected);
    free(error);
    al_jsonfile_free(&jf);
    free(path);
}

static void test_load_valid(void **state)
{
    (void)state;
    char *path = test_write("valid.json", "{\n  \"pack\": \"demo\",\n  \"list\": [1, 2, 3]\n}\n");
    al_jsonfile jf;
    char *error = NULL;
    assert_true(al_jsonfile_load(&jf, path, &error));
    assert_null(error);
    assert_string_equal(jf.path, path);
    assert_string_equal(jf.text, "{\n  \"pack\": \"demo\",\n  \"list\": [1, 2, 3]\n}\n");
    assert_true(cJSON_IsObject(jf.root));
    const cJSON *pack = cJSON_GetObjectItemCaseSensitive(jf.root, "pack");
    assert_true(cJSON_IsString(pack));
    assert_string_equal(pack->valuestring, "demo");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(jf.root, "list");
    assert_int_equal(cJSON_GetArraySize(list), 3);
    assert_int_equal(cJSON_GetArrayItem(list, 2)->valueint, 3);
    al_jsonfile_free(&jf);
    assert_null(jf.root);
    assert_null(jf.text);
    assert_null(jf.path);
    free(path);

    /* a top-level array or scalar is valid JSON too */
    path = test_write("array.json", "[]");
    assert_true(al_jsonfile_load(&jf, path, &error));
    assert_true(cJSON_IsArray(jf.root));
    al_jsonfile_free(&jf);
    free(path);
}

static void test_load_malformed(void **state)
{
    (void)state;
    /* a value missing on line 3: the error is at the '}' in column 8 */
    static const char missing_value[] = "{\n  \"a\": 1,\n  \"b\": }\n";
    expect_load_error("malformed1.json", missing_value, strlen(missing_value), ":3:8: error: malformed JSON");
    /* a misspelt literal on line 3, column 8 */
    static const char bad_literal[] = "{\n  \"a\": 1,\n  \"b\": tru\n}\n";
    expect_load_error("malformed2.json", bad_literal, strlen(bad_literal), ":3:8: error: malformed JSON");
    /* an empty array element: the second ',' of line 3, column 14 */
    static const char double_comma[] = "{\n  \"a\": 1,\n  \"b\": [1, 2,, 3]\n}\n";
    expect_load_error("malformed3.json", double_comma, strlen(double_comma), ":3:14: error: malformed JSON");
    /* a missing comma between members: the second key at line 3, column 10 */
    static const char no_comma[] = "{\n  \"a\": 1,\n  \"b\": 2 \"c\": 3\n}\n";
    expect_load_error("malformed4.json", no_comma, strlen(no_comma), ":3:10: error: malformed JSON");
    /* text after the value */
    static const char trailing[] = "{\n  \"a\": 1\n}\n}";
    expect_load_error("malformed5.json", trailing, strlen(trailing), ":4:1: error: malformed JSON");
    /* a NUL byte inside the text */
    static const char nul[] = "{\n  \"a\": \0 1\n}\n";
    expect_load_error("nul.json", nul, sizeof(nul) - 1, ":2:8: error: NUL byte in JSON text");
}

static void test_load_empty(void **state)
{
    (void)state;
    expect_load_error("empty.json", "", 0, ":1:1: error: empty file, expected JSON");
    expect_load_error("blank.json", "\n  \n", 4, ":3:1: error: empty file, expected JSON");
}

static void test_load_missing(void **state)
{
    (void)state;
    test_mkdirs(AL_TEST_WORK_DIR);
    char *path = al_xasprintf("%s/no-such-file.json", AL_TEST_WORK_DIR);
    al_jsonfile jf;
    char *error = NULL;
    assert_false(al_jsonfile_load(&jf, path, &error));
    char *expected = al_xasprintf("%s: error: cannot read: %s", path, strerror(ENOENT));
    assert_string_equal(error, expected);
    assert_null(jf.root);
    free(expected);
    free(error);
    al_jsonfile_free(&jf);
    free(path);
}

static const char located_text[] = "{\n"                                                              /* 1 */
                                   "  \"pack\": \"demo\",\n"                                          /* 2 */
                                   "  \"apis\": [\n"                                                  /* 3 */
                                   "    {\"name\": \"a\", \"severity\": \"error\"},\n"                /* 4 */
                                   "    {\n"                                                          /* 5 */
                                   "      \"name\": \"b\", \"why\": \"a \\\"q\\\" {x} [y], \\\\\",\n" /* 6 */
                                   "      \"severity\":   \"bogus\"\n"                                /* 7 */
                                   "    }\n"                                                          /* 8 */
                                   "  ],\n"                                                           /* 9 */
                                   "  \"nested\": {\"x\": {\"y\": [10, [20, 30]]}},\n"                /* 10 */
                                   "  \"inner\": {\"severity\": 1}, \"severity\": 2\n"                /* 11 */
                                   "}\n";

static char *located_error(const al_jsonfile *jf, const char *where)
{
    return al_jsonfile_error(jf, where, "problem at %s", where);
}

static void expect_located(const al_jsonfile *jf, const char *where, unsigned line, unsigned col)
{
    char *got = located_error(jf, where);
    char *expected = al_xasprintf("%s:%u:%u: error: problem at %s", jf->path, line, col, where);
    assert_string_equal(got, expected);
    free(expected);
    free(got);
}

static void test_error_locations(void **state)
{
    (void)state;
    char *path = test_write("located.json", located_text);
    al_jsonfile jf;
    char *error = NULL;
    assert_true(al_jsonfile_load(&jf, path, &error));
    expect_located(&jf, "", 1, 1);
    expect_located(&jf, "pack", 2, 11);
    expect_located(&jf, "apis", 3, 11);
    expect_located(&jf, "apis/0", 4, 5);
    expect_located(&jf, "apis/0/severity", 4, 31);
    expect_located(&jf, "apis/1", 5, 5);
    expect_located(&jf, "apis/1/name", 6, 15);
    expect_located(&jf, "apis/1/why", 6, 27);
    /* the scanner skips the escaped quotes and brackets inside "why" */
    expect_located(&jf, "apis/1/severity", 7, 21);
    expect_located(&jf, "nested", 10, 13);
    expect_located(&jf, "nested/x/y", 10, 25);
    expect_located(&jf, "nested/x/y/0", 10, 26);
    expect_located(&jf, "nested/x/y/1", 10, 30);
    expect_located(&jf, "nested/x/y/1/0", 10, 31);
    expect_located(&jf, "nested/x/y/1/1", 10, 35);
    /* a key of the same name inside a nested object is not the one asked for */
    expect_located(&jf, "inner/severity", 11, 25);
    expect_located(&jf, "severity", 11, 41);
    al_jsonfile_free(&jf);
    free(path);
}

static void test_error_missing_points_at_object(void **state)
{
    (void)state;
    char *path = test_write("located.json", located_text);
    al_jsonfile jf;
    char *error = NULL;
    assert_true(al_jsonfile_load(&jf, path, &error));
    /* an absent key points at the object that should hold it */
    expect_located(&jf, "apis/1/fix", 5, 5);
    expect_located(&jf, "apis/0/why", 4, 5);
    expect_located(&jf, "version", 1, 1);
    /* an index past the end points at the array */
    expect_located(&jf, "apis/2", 3, 11);
    expect_located(&jf, "apis/7/severity", 3, 11);
    /* a path through a scalar stops at the scalar */
    expect_located(&jf, "pack/deeper", 2, 11);
    al_jsonfile_free(&jf);
    free(path);
}

static void test_error_message_format(void **state)
{
    (void)state;
    char *path = test_write("format.json", "[\n  {\"file\": 3}\n]\n");
    al_jsonfile jf;
    char *error = NULL;
    assert_true(al_jsonfile_load(&jf, path, &error));
    char *got = al_jsonfile_error(&jf, "0/file", "\"%s\" must be %s (%d%%)", "file", "a string", 100);
    char *expected = al_xasprintf("%s:2:12: error: \"file\" must be a string (100%%)", path);
    assert_string_equal(got, expected);
    free(got);
    free(expected);
    al_jsonfile_free(&jf);
    free(path);
}

/* Found by tests/fuzz/jsonfile.c: cJSON skips every byte up to 32 as white space, so the locator
 * must too; and keys are compared once their escapes are decoded. */
static void test_error_locations_control_bytes_and_escaped_keys(void **state)
{
    (void)state;
    static const char text[] = "{\"a\":\x02\x1f[1,\x01 2],\n"
                               " \"q\\\"\\u00e9\\ud83d\\ude00\\n\": 3, \"x\": {\"\\\\\": 4}}";
    al_jsonfile jf;
    char *error = NULL;
    assert_true(al_jsonfile_parse(&jf, "mem.json", text, sizeof(text) - 1, &error));
    expect_located(&jf, "a", 1, 8);
    expect_located(&jf, "a/1", 1, 13);
    char *key = al_xasprintf("q\"\xc3\xa9\xf0\x9f\x98\x80\n");
    char *got = al_jsonfile_error(&jf, key, "k");
    assert_string_equal(got, "mem.json:2:29: error: k");
    free(got);
    free(key);
    got = al_jsonfile_error(&jf, "x/\\", "k"); /* the key "\\\\" is one backslash */
    assert_string_equal(got, "mem.json:2:44: error: k");
    free(got);
    al_jsonfile_free(&jf);
}

/* Messages about input are one line whatever the input holds. */
static void test_error_message_is_one_line(void **state)
{
    (void)state;
    static const char text[] = "{\"a\\nb\\u001b\\t\": 1}";
    al_jsonfile jf;
    char *error = NULL;
    assert_true(al_jsonfile_parse(&jf, "dir\nname.json", text, sizeof(text) - 1, &error));
    char *got = al_jsonfile_error(&jf, "a\nb\x1b\t", "bad key \"%s\"", "a\nb\x1b\t");
    assert_string_equal(got, "dir\\nname.json:1:18: error: bad key \"a\\nb\\x1b\\t\"");
    free(got);
    al_jsonfile_free(&jf);
    assert_false(al_jsonfile_parse(&jf, "x\r.json", "[1,\x00]", 4, &error));
    assert_string_equal(error, "x\\r.json:1:4: error: NUL byte in JSON text");
    free(error);
    al_jsonfile_free(&jf);
}

static void test_text_line_col(void **state)
{
    (void)state;
    static const char text[] = "ab\ncd\n\nef";
    static const struct {
        size_t offset;
        unsigned line, col;
    } cases[] = {
        {0, 1, 1}, {1, 1, 2}, {2, 1, 3}, {3, 2, 1}, {4, 2, 2},   {5, 2, 3},
        {6, 3, 1}, {7, 4, 1}, {8, 4, 2}, {9, 4, 3}, {100, 4, 3}, /* past the end stops at NUL */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned line = 0, col = 0;
        al_text_line_col(text, cases[i].offset, &line, &col);
        assert_int_equal(line, cases[i].line);
        assert_int_equal(col, cases[i].col);
    }
    /* a carriage return is an ordinary column; the line starts after '\n' */
    unsigned line, col;
    al_text_line_col("a\r\nb", 3, &line, &col);
    assert_int_equal(line, 2);
    assert_int_equal(col, 1);
    al_text_line_col("a\r\nb", 2, &line, &col);
    assert_int_equal(line, 1);
    assert_int_equal(col, 3);
    al_text_line_col("", 0, &line, &col);
    assert_int_equal(line, 1);
    assert_int_equal(col, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_valid),
        cmocka_unit_test(test_load_malformed),
        cmocka_unit_test(test_load_empty),
        cmocka_unit_test(test_load_missing),
        cmocka_unit_test(test_error_locations),
        cmocka_unit_test(test_error_missing_points_at_object),
        cmocka_unit_test(test_error_message_format),
        cmocka_unit_test(test_text_line_col),
        cmocka_unit_test(test_error_locations_control_bytes_and_escaped_keys),
        cmocka_unit_test(test_error_message_is_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
