/* targets: what the build says about the programs it makes, before any unit is parsed.
 *
 * A compile database lists compile commands, not executables. Two sources say which unit goes into
 * which target: CMake's file API (its codemodel: every target, its type, its sources and the
 * targets it depends on), and the object file each entry writes (CMake's CMakeFiles/<target>.dir/,
 * meson's <target>.p/, automake's <program>-<file>.o). The programs stage (programs.h) completes
 * this with what the facts say (which unit defines main, who references whom). Nothing here parses
 * C, so a shard run can record the targets and a merge use them. */
#ifndef AL_TARGETS_H
#define AL_TARGETS_H

#include "compdb.h"

typedef enum {
    AL_TARGET_UNKNOWN = 0, /* the object paths name it; the facts tell (a unit with main: an executable) */
    AL_TARGET_EXECUTABLE,
    AL_TARGET_LIBRARY, /* static, shared or object library: linked into executables */
    AL_TARGET_MODULE,  /* a library loaded at run time (a plugin): linked into nothing */
} al_target_kind;

typedef struct al_target {
    char *name;
    al_target_kind kind;
    char *source;     /* how it was learned: "CMake file API", "object folder CMakeFiles/<target>.dir", ... */
    al_u32_vec units; /* compile database units (al_compdb.commands indexes), ascending */
    al_u32_vec links; /* targets it links, transitively (indexes here); only when links_known */
    bool links_known; /* the build says what it links (CMake file API) */
} al_target;

typedef struct al_targets {
    AL_VEC(al_target) items;
    char **objects;      /* per unit: the base name of its first object file ("redis-cli.o"), or NULL */
    size_t object_count; /* units */
    char *notice;        /* something the user should know ("asked CMake for its codemodel ..."), or NULL */
} al_targets;

/* Reads the targets of `db` from the CMake file API reply in `build_dir` (the folder of the
 * compile database), when there is one, and from the entries' object paths. When the folder is a
 * CMake build without a codemodel reply, writes the file API query that makes the next configure
 * write one (and says so in `notice`). Never fails: a build that says nothing gives no targets. */
void al_targets_find(al_targets *out, const al_compdb *db, const char *build_dir);
void al_targets_free(al_targets *t);

/* The target an object path names, and its kind when the path tells ("libfoo.so.1.p" is a library):
 * a malloc'ed name, or NULL. `source` gets the rule's description. Exposed for tests. */
char *al_targets_from_object(const char *object, const char *source_file, al_target_kind *kind, const char **source);

/* To and from JSON text, for shard files. The JSON is private to this version of asynclock. */
char *al_targets_to_json(const al_targets *t);
bool al_targets_from_json(al_targets *out, const char *text);

#endif
