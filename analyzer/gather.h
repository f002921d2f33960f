/* gather: the facts of every unit of a compile database, for the commands that start from one
 * (check, baseline, programs): the database loaded, the facts cache opened, each unit's facts read
 * from the cache when still fresh and parsed otherwise (N jobs, progress on a terminal, parse
 * errors on standard error). SIGINT and SIGTERM stop the parsing cleanly. */
#ifndef AL_GATHER_H
#define AL_GATHER_H

#include "compdb.h"
#include "facts.h"
#include "options.h"
#include "store.h"

typedef struct al_gather {
    al_compdb db;
    al_store *store;    /* NULL without a cache */
    al_tu_facts *units; /* db.count; a unit of another shard is left zeroed (file NULL) */
    size_t cached;      /* units read from the cache */
    char *tool_id;      /* the facts' al_tool_id: set with a cache, else by al_gather_tool_id */
    bool no_libclang;   /* a unit had to be parsed, or the cache named, and libclang cannot be loaded */
} al_gather;

/* Loads the compile database (-p) and opens the facts cache. False (message printed) on a bad
 * database, an unusable --cache folder or a libclang that cannot be loaded; the default cache,
 * when unusable, costs a warning. */
bool al_gather_open(al_gather *g, const al_options *o);
/* Fills g->units: every unit, or with --shard this shard's share. False when a signal stopped the
 * parsing (message printed; the parsed units are cached), or a unit must be parsed and libclang
 * cannot be loaded (message printed). */
bool al_gather_facts(al_gather *g, const al_options *o);
/* The facts' tool id (al_tool_id), for a shard file; NULL (message printed) when libclang cannot be
 * loaded. */
const char *al_gather_tool_id(al_gather *g);
/* Frees what is left (units not taken by a unit set, the cache, the database). */
void al_gather_close(al_gather *g);

/* SIGINT/SIGTERM: stop taking units, keep what is cached, write no report; a second signal kills. */
void al_gather_install_stop_handlers(void);
/* The exit code when al_gather_facts returned false: after a stop 128 + the signal, as the shell
 * reports it; 2 when libclang could not be loaded. */
int al_gather_failure_status(const al_gather *g);

#endif
