/* Shared by the unit tests that need real files: a scratch folder per test binary, and a way to
 * parse a snippet of C with the real libclang. */
#ifndef AL_TEST_HELPERS_H
#define AL_TEST_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compdb.h"
#include "extract.h"
#include "util.h"

static inline void test_mkdirs(const char *path)
{
    char *p = al_xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0755);
            *s = '/';
        }
    }
    mkdir(p, 0755);
    free(p);
}

/* Writes `text` to AL_TEST_WORK_DIR/name (folders created) and returns the absolute path. */
static inline char *test_write(const char *name, const char *text)
{
    char *path = al_xasprintf("%s/%s", AL_TEST_WORK_DIR, name);
    char *dir = al_xstrdup(path);
    *strrchr(dir, '/') = '\0';
    test_mkdirs(dir);
    free(dir);
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
    return path;
}

/* Parses AL_TEST_WORK_DIR/name with the given gcc-style command line (argv[0] is the compiler). */
static inline void test_extract(const char *name, const char *const *argv, int argc, al_tu_facts *out)
{
    al_compile_command cmd = {0};
    cmd.directory = al_xstrdup(AL_TEST_WORK_DIR);
    cmd.file = al_xasprintf("%s/%s", AL_TEST_WORK_DIR, name);
    cmd.args = al_compdb_clang_args((char *const *)argv, argc, cmd.directory, &cmd.arg_count);
    al_extractor *ex = al_extractor_new();
    al_extract_unit(ex, &cmd, out);
    al_extractor_free(ex);
    free(cmd.directory);
    free(cmd.file);
    al_free_argv(cmd.args, cmd.arg_count);
}

#endif
