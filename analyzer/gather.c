/* gather: compile database + facts cache + extraction (gather.h). */
#include "gather.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extract.h"

static volatile sig_atomic_t stop_signal; /* the SIGINT or SIGTERM that stopped the run */

static void on_stop_signal(int signo)
{
    stop_signal = signo;
    al_extract_request_stop();
}

void al_gather_install_stop_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int al_gather_failure_status(const al_gather *g)
{
    if (g->no_libclang)
        return AL_EXIT_USAGE;
    return 128 + (stop_signal ? (int)stop_signal : SIGINT);
}

/* libclang's version, loading libclang; NULL (message printed) when it cannot be loaded. */
static char *clang_version(void)
{
    char *error = NULL, *version = al_extract_clang_version(&error);
    if (!version) {
        fprintf(stderr, "%s\n", error);
        free(error);
    }
    return version;
}

/* The tool id of a cache's units. It names libclang's version, and asking libclang means loading
 * it (libclang.h), which costs a run that parses nothing more than all its other work: the cache
 * notes the version with the identity of the library file it came from, and while al_extract_load
 * would open that same file the version is read from the note. NULL (message printed) when
 * libclang is needed and cannot be loaded. */
static char *cache_tool_id(al_store *store)
{
    char *identity = al_extract_clang_identity(), *note = identity ? al_store_get_note(store, "libclang") : NULL;
    size_t len = identity ? strlen(identity) : 0;
    char *version = NULL;
    if (note && strncmp(note, identity, len) == 0 && note[len] == '\n') {
        version = al_xstrdup(note + len + 1);
    } else if ((version = clang_version()) && identity) {
        char *value = al_xasprintf("%s\n%s", identity, version);
        al_store_set_note(store, "libclang", value);
        free(value);
    }
    char *id = version ? al_tool_id(version) : NULL;
    free(version);
    free(note);
    free(identity);
    return id;
}

const char *al_gather_tool_id(al_gather *g)
{
    if (!g->tool_id) {
        char *version = clang_version();
        g->tool_id = version ? al_tool_id(version) : NULL;
        free(version);
    }
    return g->tool_id;
}

/* Opens the facts cache. False when the user named a cache folder that cannot be used (the
 * default cache, when unusable, costs a warning and the run goes on without it), or libclang, which
 * names the cache's units, cannot be loaded. */
static bool open_cache(const al_options *o, al_gather *g)
{
    al_store **store = &g->store;
    const al_compdb *db = &g->db;
    *store = NULL;
    if (o->no_cache)
        return true;
    char *path;
    if (o->cache_dir) {
        path = al_xasprintf("%s/facts.sqlite", o->cache_dir);
    } else {
        const char *slash = strrchr(db->path, '/');
        char *folder = slash ? al_xstrndup(db->path, (size_t)(slash - db->path)) : al_xstrdup(".");
        path = al_xasprintf("%s/.asynclock-cache/facts.sqlite", *folder ? folder : "/");
        free(folder);
    }
    char *error = NULL, *notice = NULL;
    *store = al_store_open(path, NULL, &error, &notice);
    free(path);
    if (notice) {
        fprintf(stderr, "%s\n", notice);
        free(notice);
    }
    if (!*store) {
        if (o->cache_dir) {
            fprintf(stderr, "%s\n", error);
            free(error);
            return false;
        }
        fprintf(stderr, "%s (going on without a cache; --no-cache silences this)\n", error);
        free(error);
        return true;
    }
    g->tool_id = cache_tool_id(*store);
    if (!g->tool_id) {
        g->no_libclang = true;
        return false;
    }
    al_store_set_tool_id(*store, g->tool_id);
    return true;
}

bool al_gather_open(al_gather *g, const al_options *o)
{
    memset(g, 0, sizeof(*g));
    char *error = NULL;
    if (!al_compdb_load(&g->db, o->build_dir, &error)) {
        fprintf(stderr, "%s\n", error);
        free(error);
        return false;
    }
    if (!open_cache(o, g)) {
        al_store_close(g->store);
        al_compdb_free(&g->db);
        return false;
    }
    g->units = al_xcalloc(g->db.count + 1, sizeof(*g->units));
    return true;
}

typedef struct progress_state {
    bool terminal;
    bool quiet;
    al_store *store; /* receives each parsed unit's facts; NULL without a cache */
    const al_compdb *db;
} progress_state;

/* Called under the extractor's lock, so the cache has one writer at a time. */
static void unit_parsed(void *data, size_t done, size_t total, size_t index, const al_tu_facts *tu)
{
    progress_state *s = data;
    if (s->store)
        al_store_save(s->store, &s->db->commands[index], tu);
    if (s->quiet)
        return;
    if (tu->failure) {
        if (s->terminal)
            fputs("\r\033[K", stderr);
        fprintf(stderr, "%s%s\n", tu->failure,
                tu->parsed ? " (the rest of this file is still analyzed)" : " (skipped)");
    }
    if (s->terminal) {
        int width = snprintf(NULL, 0, "%zu", total);
        fprintf(stderr, "\r\033[K[%*zu/%zu] %s", width, done, total, tu->file);
        if (done == total)
            fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

bool al_gather_facts(al_gather *g, const al_options *o)
{
    g->cached = 0;
    AL_VEC(size_t) to_parse = {0};
    for (size_t i = 0; i < g->db.count; i++) {
        if (o->shard_count && i % o->shard_count != o->shard_index - 1)
            continue;
        if (g->store && al_store_load(g->store, &g->db.commands[i], &g->units[i]))
            g->cached++;
        else
            AL_VEC_PUSH(to_parse, i);
    }
    char *error = NULL;
    if (to_parse.count && !al_extract_load(&error)) {
        fprintf(stderr, "%s\n", error);
        free(error);
        AL_VEC_FREE(to_parse);
        g->no_libclang = true;
        return false;
    }
    progress_state progress = {isatty(STDERR_FILENO) && !getenv("CI"), o->quiet, g->store, &g->db};
    if (to_parse.count)
        al_extract_all(&g->db, to_parse.items, to_parse.count, o->jobs, g->units, unit_parsed, &progress);
    bool complete = !al_extract_stopped();
    if (!complete && !o->quiet) {
        size_t done = 0;
        for (size_t k = 0; k < to_parse.count; k++)
            done += g->units[to_parse.items[k]].file != NULL;
        fprintf(stderr, "%sasynclock: interrupted after parsing %zu of %zu units%s; no report written\n",
                progress.terminal ? "\r\033[K" : "", done, to_parse.count, g->store ? " (they are cached)" : "");
    }
    AL_VEC_FREE(to_parse);
    if (complete && g->store && !o->shard_count)
        al_store_prune(g->store, &g->db);
    return complete;
}

void al_gather_close(al_gather *g)
{
    for (size_t i = 0; g->units && i < g->db.count; i++)
        if (g->units[i].file)
            al_tu_facts_free(&g->units[i]);
    free(g->units);
    free(g->tool_id);
    al_store_close(g->store);
    al_compdb_free(&g->db);
    memset(g, 0, sizeof(*g));
}
