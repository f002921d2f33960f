/* store: the facts store. Keeps each translation unit's facts in sqlite between runs, so a unit is
 * parsed again only when its source, a header it read, its compile arguments or the tool changed;
 * and writes / reads the facts files of `--shard` runs that `asynclock merge` joins.
 *
 * Consistency: each unit is one row written in its own transaction (WAL journal), so a run killed
 * mid-way leaves every finished unit cached and nothing half-written; two runs on one cache wait
 * for each other's writes (busy timeout). A database that sqlite finds corrupt is deleted and
 * rebuilt, and the caller is told. Only this module and rules.c speak SQL. */
#ifndef AL_STORE_H
#define AL_STORE_H

#include "compdb.h"
#include "facts.h"

typedef struct al_store al_store;

/* Opens or creates the cache at `path` (its folder is created). NULL with *error (one line naming
 * the path) when it cannot be written. *notice is set (to free) when a corrupt cache was rebuilt.
 * `tool_id` (al_tool_id) is part of every unit's key; NULL when it is not known yet, and then set
 * with al_store_set_tool_id before units are loaded, saved or pruned. */
al_store *al_store_open(const char *path, const char *tool_id, char **error, char **notice);
void al_store_set_tool_id(al_store *s, const char *tool_id);
void al_store_close(al_store *s);

/* The cache's own notes (name -> text) besides its units, for what a run would otherwise work out
 * again (libclang's version, gather.c): the value of `name` (to free) or NULL; and setting one
 * (best effort: a cache that cannot be written only forgets it). */
char *al_store_get_note(al_store *s, const char *name);
void al_store_set_note(al_store *s, const char *name, const char *value);

/* Fills `out` with the cached facts of `cmd` when they are still valid: same compile arguments and
 * tool, and every file the unit read unchanged (same size and modification time, or same
 * contents). False when the unit must be parsed. */
bool al_store_load(al_store *s, const al_compile_command *cmd, al_tu_facts *out);

/* Records freshly extracted facts. Units that failed to parse are not kept (the next run tries
 * again), nor units whose files changed while this run was parsing them. False on a write error
 * (reported once on standard error; the run goes on without caching). */
bool al_store_save(al_store *s, const al_compile_command *cmd, const al_tu_facts *tu);

/* Drops the units that are no longer in the compile database. */
void al_store_prune(al_store *s, const al_compdb *db);

/* ---- shard files: the facts of one share of the units, for `asynclock merge` ---- */

typedef struct al_shard_info {
    unsigned index, count; /* shard K of N, K from 1 */
    size_t total_units;    /* units in the whole compile database */
    char *tool;            /* the tool id that wrote it */
    char *targets;         /* the build's targets (al_targets_to_json), which merge needs */
} al_shard_info;

/* Writes a shard file atomically (temporary file, then rename): units[i] is the database's unit
 * unit_indexes[i]. */
bool al_shard_write(const char *path, const al_shard_info *info, al_tu_facts *const *units,
                    const uint32_t *unit_indexes, size_t count, char **error);
/* Reads a shard file: its info, and its units appended to *units with their database indexes
 * appended to *unit_indexes. */
bool al_shard_read(const char *path, al_shard_info *info, al_tu_facts_vec *units, al_u32_vec *unit_indexes,
                   char **error);
void al_shard_info_free(al_shard_info *info);

#endif
