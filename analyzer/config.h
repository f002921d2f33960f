/* config: the project's .asynclock.json (docs/configuration.md).
 *
 * Found upward from the working folder, or named with --config. It is validated whole before
 * anything runs: an unknown key or a wrong type is a one-line error with the file, line and column
 * and the key's path. Declarations (handlers, workers, blocking and non-blocking functions) become
 * one rule pack held in memory, loaded by the rules module like any other, so there is no second
 * mechanism; the other settings are values main.c merges under the command line's. */
#ifndef AL_CONFIG_H
#define AL_CONFIG_H

#include "util.h"

/* A program the configuration declares (its "programs" list): a name and the globs of the files
 * of its units, relative to the configuration's folder. */
typedef struct al_config_program {
    char *name;
    char **units;
    size_t unit_count;
} al_config_program;

typedef struct al_config {
    char *path;                         /* the file read */
    char *folder;                       /* its folder: relative paths in it are relative to this */
    AL_VEC(char *) rule_paths;          /* "rules", absolute */
    char *pack;                         /* the declarations as a rule pack (JSON text), NULL when none */
    char *pack_name;                    /* "config:<path>" */
    AL_VEC(char *) off_categories;      /* "categories" set to false */
    int conditional;                    /* -1: not set, else 0 or 1 */
    AL_VEC(char *) exclude;             /* globs, matched against paths relative to `folder` */
    char *fail_on;                      /* NULL: not set */
    char *source_root;                  /* absolute, NULL: not set */
    AL_VEC(al_config_program) programs; /* "programs": when given, the whole list of programs */
} al_config;

#define AL_CONFIG_NAME ".asynclock.json"

/* The nearest .asynclock.json in `start` (absolute) or a folder above it; NULL when none. */
char *al_config_find(const char *start);

/* Reads and validates `path`. On failure returns false and sets *error to
 * "path:line:col: error: \"key.path\": what is wrong". */
bool al_config_load(al_config *c, const char *path, char **error);
/* The same for a file already in memory (`len` bytes); `path` names it and its folder. */
bool al_config_parse(al_config *c, const char *path, const char *text, size_t len, char **error);
void al_config_free(al_config *c);

/* Whether `file` (absolute) matches one of `patterns`, taken relative to `base`: `*` and `**` match
 * across folders, `?` one character, `[...]` a set; a pattern ending in '/' names a folder. */
bool al_config_path_excluded(const char *file, const char *base, char *const *patterns, size_t count);

#endif
