/* sources: files read once and indexed by line; byte columns to UTF-16 columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sources.h"
#include "test_helpers.h"

static void test_lines(void **state)
{
    (void)state;
    char *path = test_write("lines.c", "first\r\nsecond\n\nlast");
    al_sources s;
    al_sources_init(&s);
    const al_source *src = al_sources_get(&s, path);
    assert_true(src->readable);
    assert_int_equal(src->line_count, 4);
    size_t len = 0;
    assert_memory_equal(al_source_line(src, 1, &len), "first", 5);
    assert_int_equal(len, 5); /* without the \r\n */
    assert_memory_equal(al_source_line(src, 2, &len), "second", 6);
    assert_non_null(al_source_line(src, 3, &len));
    assert_int_equal(len, 0);
    assert_memory_equal(al_source_line(src, 4, &len), "last", 4);
    assert_null(al_source_line(src, 5, &len));
    assert_null(al_source_line(src, 0, &len));
    assert_ptr_equal(al_sources_get(&s, path), src); /* read once */
    const al_source *missing = al_sources_get(&s, "/no/such/file.c");
    assert_false(missing->readable);
    assert_null(al_source_line(missing, 1, &len));
    assert_false(al_sources_get(&s, "")->readable);
    al_sources_free(&s);
    free(path);
}

static void test_utf16_columns(void **state)
{
    (void)state;
    /* "é" is 2 bytes and 1 unit; "😀" is 4 bytes and 2 units (a surrogate pair) */
    const char *line = "/* \xc3\xa9\xf0\x9f\x98\x80 */ usleep(1);";
    size_t len = strlen(line);
    assert_int_equal(al_utf16_column(line, len, 1), 1);
    assert_int_equal(al_utf16_column(line, len, 4), 4);   /* at the é */
    assert_int_equal(al_utf16_column(line, len, 6), 5);   /* at the emoji */
    assert_int_equal(al_utf16_column(line, len, 14), 11); /* at usleep: 13 bytes, 10 units before it */
    assert_int_equal(al_utf16_column("abc", 3, 3), 3);    /* ASCII: unchanged */
    assert_int_equal(al_utf16_column("abc", 3, 6), 6);    /* past the end: counted as bytes */
    assert_int_equal(al_utf16_column("abc", 3, 0), 0);
}

int main(void)
{
    test_mkdirs(AL_TEST_WORK_DIR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_utf16_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
