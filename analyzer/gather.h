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
} al_gather;

/* Loads the compile database (-p) and opens the facts cache. False (message printed) on a bad
 * database or an unusable --cache folder; the default cache, when unusable, costs a warning. */
bool al_gather_open(al_gather *g, const al_options *o);
/* Fills g->units: every unit, or with --shard this shard's share. False when a signal stopped the
 * parsing (message printed; the parsed units are cached). */
bool al_gather_facts(al_gather *g, const al_options *o);
/* Frees what is left (units not taken by a unit set, the cache, the database). */
void al_gather_close(al_gather *g);

/* SIGINT/SIGTERM: stop taking units, keep what is cached, write no report; a second signal kills. */
void al_gather_install_stop_handlers(void);
/* The exit code after a stop: 128 + the signal, as the shell reports it. */
int al_gather_stop_status(void);

#endif
