/* compdb: the first stage. Reads compile_commands.json and hands the extractor, for each
 * translation unit, its absolute source path and the compiler arguments that matter to parsing.
 *
 * Real databases come from gcc builds and carry flags clang does not know (-fno-tree-vrp,
 * -mindirect-branch=...). Like clangd, we keep only what changes the meaning of the code
 * (include paths, macros, language standard, target width, forced includes) and drop the rest,
 * so one exotic flag never stops a translation unit from parsing. */
#ifndef AL_COMPDB_H
#define AL_COMPDB_H

#include "util.h"

/* One translation unit: a source file with one set of compile arguments. A file that the build
 * compiles twice with different flags (per executable, with other -D) is two units; entries that
 * compile it the same way (for two programs, into two objects) are one unit with two outputs. */
typedef struct al_compile_command {
    char *directory; /* absolute: the first entry's */
    char *file;      /* absolute, normalized */
    char **args;     /* arguments for libclang: no compiler, no input, no output */
    int arg_count;
    char **outputs; /* the object file of every entry of this unit (absolute), as "output" or -o says;
                       the programs stage reads the target from it (CMakeFiles/<target>.dir/...) */
    size_t output_count;
} al_compile_command;

typedef struct al_compdb {
    char *path; /* the compile_commands.json that was read */
    al_compile_command *commands;
    size_t count;
    size_t entries;    /* entries in the file */
    size_t duplicates; /* entries that compile a file exactly as an earlier one does (same arguments) */
} al_compdb;

/* Finds compile_commands.json in `build_dir` (NULL: ".", then "./build") and loads it.
 * On failure returns false and sets *error to a one-line message naming the file. */
bool al_compdb_load(al_compdb *db, const char *build_dir, char **error);
/* The same for a database already in memory (`len` bytes); `path` names it in messages. */
bool al_compdb_parse(al_compdb *db, const char *path, const char *data, size_t len, char **error);
void al_compdb_free(al_compdb *db);

/* Splits a shell command line the way sh would for plain words and quotes. */
char **al_shell_split(const char *command, int *count);

/* Filters a compiler's argv (argv[0] is the compiler) down to what libclang needs, dropping the
 * input file among the rest; relative paths are made absolute against `directory`. */
char **al_compdb_clang_args(char *const *argv, int argc, const char *directory, int *count);

void al_free_argv(char **argv, int count);

#endif
