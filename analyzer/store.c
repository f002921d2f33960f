/* store: facts cache and shard files in sqlite (see store.h).
 *
 * Schema: `units(file, key, deps, facts)`, one row per (file, key): `key` hashes the tool id, the
 * working folder and the compile arguments, so a file compiled twice with other flags keeps two
 * rows; `deps` lists every file the unit read with its size, modification time and
 * content hash; `facts` is al_tu_facts_encode's blob. Checking a unit costs one row read and a
 * stat per distinct file (each file is stat'ed, and hashed only when its time changed, once per
 * run however many units include it). */
#include "store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STORE_SCHEMA "3"

static const char schema_sql[] = "CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);"
                                 "CREATE TABLE IF NOT EXISTS units(file TEXT NOT NULL, key TEXT NOT NULL,"
                                 " deps BLOB NOT NULL, facts BLOB NOT NULL, PRIMARY KEY(file, key));";

/* What this run knows of one file on disk. */
typedef struct file_state {
    bool checked, exists;
    long long mtime_ns, size;
    bool hashed;
    uint64_t hash;
} file_state;

struct al_store {
    char *path;
    char *tool_id;
    sqlite3 *db;
    sqlite3_stmt *load, *save;
    long long started_ns; /* files modified after this changed while we parsed: not cached */
    al_strtab paths;      /* path -> id into files */
    AL_VEC(file_state) files;
    bool write_failed;
};

static long long timespec_ns(struct timespec t)
{
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static file_state *file_state_of_n(al_store *s, const char *path_bytes, size_t len)
{
    uint32_t id = al_strtab_intern_n(&s->paths, path_bytes, len);
    const char *path = al_str(&s->paths, id);
    while (s->files.count <= id)
        AL_VEC_PUSH(s->files, (file_state){0});
    file_state *f = &s->files.items[id];
    if (!f->checked) {
        struct stat st;
        f->checked = true;
        f->exists = stat(path, &st) == 0;
        if (f->exists) {
            f->mtime_ns = timespec_ns(st.st_mtim);
            f->size = (long long)st.st_size;
        }
    }
    return f;
}

static file_state *file_state_of(al_store *s, const char *path)
{
    return file_state_of_n(s, path, strlen(path));
}

static uint64_t file_hash(al_store *s, const char *path)
{
    file_state *f = file_state_of(s, path);
    if (!f->hashed) {
        size_t len = 0;
        char *data = al_read_file(path, &len);
        f->hash = data ? al_hash_bytes(data, len, AL_HASH_SEED) : 0;
        f->hashed = true;
        free(data);
    }
    return f->hash;
}

/* ---- opening, with recovery from corruption ---- */

static bool is_corruption(int rc)
{
    rc &= 0xff;
    return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

/* 0 on success, else the sqlite error code; *why set to a message to free. */
static int open_database(al_store *s, char **why)
{
    int rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(s->db, 60000);
    /* a warm run reads every unit's row: through a mapping of the file rather than a pread a page
     * (safe here: the cache file never shrinks, nothing vacuums it) */
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA mmap_size=1073741824;",
                          NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK) {
        /* a cache of another schema is not corrupt, only old: start it afresh */
        sqlite3_stmt *st = NULL;
        rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE name = 'schema'", -1, &st, NULL);
        bool current = false, empty = true;
        if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
            empty = false;
            current = strcmp((const char *)sqlite3_column_text(st, 0), STORE_SCHEMA) == 0;
        }
        sqlite3_finalize(st);
        /* the units table of an older schema may have other columns and keys: made anew */
        if (rc == SQLITE_OK && !current && !empty)
            rc = sqlite3_exec(s->db, "DROP TABLE units", NULL, NULL, NULL);
        if (rc == SQLITE_OK && !current && !empty)
            rc = sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL);
        if (rc == SQLITE_OK && !current)
            rc = sqlite3_exec(s->db, "INSERT OR REPLACE INTO meta VALUES('schema', '" STORE_SCHEMA "')", NULL, NULL,
                              NULL);
    }
    if (rc == SQLITE_OK)
        rc =
            sqlite3_prepare_v2(s->db, "SELECT deps, facts FROM units WHERE file = ?1 AND key = ?2", -1, &s->load, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO units(file, key, deps, facts) VALUES(?1, ?2, ?3, ?4)",
                                -1, &s->save, NULL);
    if (rc != SQLITE_OK && !*why)
        *why = al_xstrdup(s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    return rc;
}

static void close_database(al_store *s)
{
    sqlite3_finalize(s->load);
    sqlite3_finalize(s->save);
    sqlite3_close(s->db);
    s->load = s->save = NULL;
    s->db = NULL;
}

/* Two runs creating one cache at once can meet where sqlite does not wait for the lock (switching
 * the journal to WAL): try again for a while rather than give up the cache. */
static int open_database_patiently(al_store *s, char **why)
{
    int rc = SQLITE_BUSY;
    for (int attempt = 0; attempt < 200; attempt++) {
        rc = open_database(s, why);
        if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
            break;
        close_database(s);
        free(*why);
        *why = NULL;
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    }
    return rc;
}

static void remove_database_files(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
        char *p = al_xasprintf("%s%s", path, suffixes[i]);
        unlink(p);
        free(p);
    }
}

/* Creates the folders leading to `path`'s file, as mkdir -p would. */
static bool make_parent_folders(const char *path)
{
    char *copy = al_xstrdup(path);
    bool ok = true;
    for (char *p = copy + 1; *p && ok; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0777) != 0 && errno != EEXIST)
            ok = false;
        *p = '/';
    }
    free(copy);
    return ok;
}

al_store *al_store_open(const char *path, const char *tool_id, char **error, char **notice)
{
    *notice = NULL;
    if (!make_parent_folders(path)) {
        *error = al_xasprintf("%s: error: cannot create the facts cache folder: %s", path, strerror(errno));
        return NULL;
    }
    al_store *s = al_xcalloc(1, sizeof(*s));
    s->path = al_xstrdup(path);
    s->tool_id = tool_id ? al_xstrdup(tool_id) : NULL;
    al_strtab_init(&s->paths);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    s->started_ns = timespec_ns(now);

    char *why = NULL;
    int rc = open_database_patiently(s, &why);
    if (is_corruption(rc)) {
        close_database(s);
        remove_database_files(path);
        *notice = al_xasprintf("%s: warning: the facts cache was corrupt (%s); rebuilt it", path, why);
        free(why);
        why = NULL;
        rc = open_database_patiently(s, &why);
    }
    if (rc != SQLITE_OK) {
        *error = al_xasprintf("%s: error: cannot use the facts cache: %s", path, why ? why : sqlite3_errstr(rc));
        free(why);
        free(*notice);
        *notice = NULL;
        al_store_close(s);
        return NULL;
    }
    free(why);
    return s;
}

void al_store_set_tool_id(al_store *s, const char *tool_id)
{
    free(s->tool_id);
    s->tool_id = al_xstrdup(tool_id);
}

/* Notes live in the meta table beside 'schema', under names of their own ("note:" + name). */
char *al_store_get_note(al_store *s, const char *name)
{
    sqlite3_stmt *st = NULL;
    char *value = NULL;
    if (s->db &&
        sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE name = 'note:' || ?1", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            value = al_xstrdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return value;
}

void al_store_set_note(al_store *s, const char *name, const char *value)
{
    sqlite3_stmt *st = NULL;
    if (s->db && !s->write_failed &&
        sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta VALUES('note:' || ?1, ?2)", -1, &st, NULL) ==
            SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
}

void al_store_close(al_store *s)
{
    if (!s)
        return;
    close_database(s);
    al_strtab_free(&s->paths);
    AL_VEC_FREE(s->files);
    free(s->tool_id);
    free(s->path);
    free(s);
}

/* Damage that shows only when its pages are read (a truncated file opens fine): the cache is
 * deleted and started afresh, and the user told. Without a working database the run goes on
 * uncached. */
static void rebuild(al_store *s, const char *why)
{
    char *reason = al_xstrdup(why);
    close_database(s);
    remove_database_files(s->path);
    char *error = NULL;
    if (open_database_patiently(s, &error) == SQLITE_OK) {
        fprintf(stderr, "%s: warning: the facts cache was corrupt (%s); rebuilt it\n", s->path, reason);
    } else {
        fprintf(stderr,
                "%s: warning: the facts cache was corrupt (%s) and cannot be rebuilt (%s); going on without it\n",
                s->path, reason, error ? error : "unknown error");
        close_database(s);
        s->write_failed = true;
    }
    free(error);
    free(reason);
}

/* ---- units ---- */

/* The cache key of a command: what, besides the files it reads, decides a unit's facts. */
static char *command_key(const al_store *s, const al_compile_command *cmd)
{
    uint64_t h = al_hash_bytes(s->tool_id, strlen(s->tool_id) + 1, AL_HASH_SEED);
    h = al_hash_bytes(cmd->directory, strlen(cmd->directory) + 1, h);
    for (int i = 0; i < cmd->arg_count; i++)
        h = al_hash_bytes(cmd->args[i], strlen(cmd->args[i]) + 1, h);
    return al_xasprintf("%016llx", (unsigned long long)h);
}

/* True when every dependency in the blob is as it was when the unit was parsed. */
static bool deps_unchanged(al_store *s, const void *data, size_t len)
{
    al_byte_reader r = {data, (const unsigned char *)data + len, false};
    uint64_t count = al_bytes_get_u64(&r);
    for (uint64_t i = 0; i < count && !r.bad; i++) {
        size_t path_len = 0;
        const char *path = al_bytes_get_span(&r, &path_len);
        long long mtime = al_bytes_get_i64(&r), size = al_bytes_get_i64(&r);
        uint64_t hash = al_bytes_get_u64(&r);
        bool same = false;
        if (path && !r.bad) {
            file_state *f = file_state_of_n(s, path, path_len);
            same = f->exists && f->size == size &&
                   (f->mtime_ns == mtime || file_hash(s, al_str(&s->paths, f - s->files.items)) == hash);
        }
        if (!same)
            return false;
    }
    return !r.bad && count > 0 && r.p == r.end;
}

bool al_store_load(al_store *s, const al_compile_command *cmd, al_tu_facts *out)
{
    if (!s->db)
        return false;
    char *key = command_key(s, cmd);
    sqlite3_reset(s->load);
    sqlite3_bind_text(s->load, 1, cmd->file, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s->load, 2, key, -1, SQLITE_TRANSIENT);
    bool fresh = false;
    int rc = sqlite3_step(s->load);
    if (is_corruption(rc) || is_corruption(sqlite3_extended_errcode(s->db))) {
        sqlite3_reset(s->load);
        rebuild(s, sqlite3_errmsg(s->db));
        free(key);
        return false;
    }
    if (rc == SQLITE_ROW) {
        const void *deps = sqlite3_column_blob(s->load, 0);
        size_t deps_len = (size_t)sqlite3_column_bytes(s->load, 0);
        if (deps && deps_unchanged(s, deps, deps_len)) {
            const void *facts = sqlite3_column_blob(s->load, 1);
            size_t facts_len = (size_t)sqlite3_column_bytes(s->load, 1);
            al_tu_facts decoded;
            if (facts && al_tu_facts_decode(facts, facts_len, &decoded)) {
                fresh = strcmp(decoded.file, cmd->file) == 0;
                if (fresh)
                    *out = decoded;
                else
                    al_tu_facts_free(&decoded);
            } else if (facts) {
                al_tu_facts_free(&decoded);
            }
        }
    }
    sqlite3_reset(s->load);
    free(key);
    return fresh;
}

/* The dependency blob of a unit; false when a file changed during this run (or vanished). */
static bool encode_deps(al_store *s, const al_tu_facts *tu, al_bytes *out)
{
    al_bytes_put_u64(out, tu->includes.count);
    for (size_t i = 0; i < tu->includes.count; i++) {
        const char *path = al_str(&tu->strings, tu->includes.items[i]);
        file_state *f = file_state_of(s, path);
        if (!f->exists || f->mtime_ns >= s->started_ns)
            return false;
        al_bytes_put_text(out, path);
        al_bytes_put_i64(out, f->mtime_ns);
        al_bytes_put_i64(out, f->size);
        al_bytes_put_u64(out, file_hash(s, path));
    }
    return tu->includes.count > 0;
}

static int write_unit(al_store *s, const char *file, const char *key, const al_bytes *deps, const al_bytes *facts)
{
    sqlite3_reset(s->save);
    sqlite3_bind_text(s->save, 1, file, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s->save, 2, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(s->save, 3, deps->items, (int)deps->count, SQLITE_TRANSIENT);
    sqlite3_bind_blob(s->save, 4, facts->items, (int)facts->count, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s->save);
    sqlite3_reset(s->save);
    return rc;
}

bool al_store_save(al_store *s, const al_compile_command *cmd, const al_tu_facts *tu)
{
    if (s->write_failed || !tu->parsed || tu->error_count)
        return !s->write_failed;
    al_bytes deps = {0}, facts = {0};
    bool ok = true;
    if (encode_deps(s, tu, &deps)) {
        al_tu_facts_encode(tu, &facts);
        char *key = command_key(s, cmd);
        int rc = write_unit(s, cmd->file, key, &deps, &facts);
        if (is_corruption(rc)) { /* found while writing: rebuild, then write this unit once more */
            rebuild(s, sqlite3_errmsg(s->db));
            if (s->db)
                rc = write_unit(s, cmd->file, key, &deps, &facts);
        }
        free(key);
        if (rc != SQLITE_DONE && s->db) {
            fprintf(stderr, "%s: warning: cannot write the facts cache: %s; going on without it\n", s->path,
                    sqlite3_errmsg(s->db));
            s->write_failed = true;
        }
        ok = !s->write_failed;
    }
    AL_VEC_FREE(deps);
    AL_VEC_FREE(facts);
    return ok;
}

void al_store_prune(al_store *s, const al_compdb *db)
{
    if (s->write_failed)
        return;
    /* one transaction: a temporary table of the current units, then one DELETE */
    bool ok =
        sqlite3_exec(s->db,
                     "BEGIN; CREATE TEMP TABLE IF NOT EXISTS current(file TEXT, key TEXT, PRIMARY KEY(file, key));"
                     "DELETE FROM current;",
                     NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_stmt *st = NULL;
    ok = ok && sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO current VALUES(?1, ?2)", -1, &st, NULL) == SQLITE_OK;
    for (size_t i = 0; ok && i < db->count; i++) {
        char *key = command_key(s, &db->commands[i]);
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, db->commands[i].file, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
        ok = sqlite3_step(st) == SQLITE_DONE;
        free(key);
    }
    sqlite3_finalize(st);
    ok = ok && sqlite3_exec(s->db,
                            "DELETE FROM units WHERE NOT EXISTS (SELECT 1 FROM current"
                            " WHERE current.file = units.file AND current.key = units.key); COMMIT;",
                            NULL, NULL, NULL) == SQLITE_OK;
    if (!ok)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- shard files ---- */

bool al_shard_write(const char *path, const al_shard_info *info, al_tu_facts *const *units,
                    const uint32_t *unit_indexes, size_t count, char **error)
{
    char *temporary = al_xasprintf("%s.tmp.%ld", path, (long)getpid());
    remove_database_files(temporary);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_open_v2(temporary, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN;", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, schema_sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "INSERT INTO meta VALUES(?1, ?2)", -1, &st, NULL);
    char *values[6] = {al_xstrdup("shard-file"),        al_xasprintf("%u", info->index),
                       al_xasprintf("%u", info->count), al_xasprintf("%zu", info->total_units),
                       al_xstrdup(info->tool),          al_xstrdup(info->targets ? info->targets : "")};
    static const char *const names[6] = {"schema", "shard", "shards", "units", "tool", "targets"};
    for (int i = 0; i < 6 && rc == SQLITE_OK; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, names[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, values[i], -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
    }
    for (int i = 0; i < 6; i++)
        free(values[i]);
    sqlite3_finalize(st);
    st = NULL;
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "INSERT INTO units VALUES(?1, ?2, x'', ?3)", -1, &st, NULL);
    al_bytes facts = {0};
    for (size_t i = 0; i < count && rc == SQLITE_OK; i++) {
        facts.count = 0;
        al_tu_facts_encode(units[i], &facts);
        char index[16];
        snprintf(index, sizeof(index), "%u", unit_indexes[i]); /* the key: which unit of the database */
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, units[i]->file, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, index, -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 3, facts.items, (int)facts.count, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
    }
    AL_VEC_FREE(facts);
    sqlite3_finalize(st);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        *error = al_xasprintf("%s: error: cannot write the shard file: %s", path,
                              db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    if (rc == SQLITE_OK && rename(temporary, path) != 0) {
        *error = al_xasprintf("%s: error: cannot write the shard file: %s", path, strerror(errno));
        rc = SQLITE_CANTOPEN;
    }
    if (rc != SQLITE_OK)
        remove_database_files(temporary);
    free(temporary);
    return rc == SQLITE_OK;
}

static bool read_meta(sqlite3 *db, al_shard_info *info)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT name, value FROM meta", -1, &st, NULL) != SQLITE_OK)
        return false;
    bool is_shard = false;
    long long index = 0, count = 0, units = -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *value = (const char *)sqlite3_column_text(st, 1);
        if (!name || !value)
            continue;
        if (strcmp(name, "schema") == 0)
            is_shard = strcmp(value, "shard-file") == 0;
        else if (strcmp(name, "shard") == 0)
            index = atoll(value);
        else if (strcmp(name, "shards") == 0)
            count = atoll(value);
        else if (strcmp(name, "units") == 0)
            units = atoll(value);
        else if (strcmp(name, "tool") == 0 && !info->tool)
            info->tool = al_xstrdup(value);
        else if (strcmp(name, "targets") == 0 && !info->targets)
            info->targets = al_xstrdup(value);
    }
    sqlite3_finalize(st);
    if (!is_shard || count < 1 || count > 100000 || index < 1 || index > count || units < 0 || !info->tool)
        return false;
    info->index = (unsigned)index;
    info->count = (unsigned)count;
    info->total_units = (size_t)units;
    return true;
}

bool al_shard_read(const char *path, al_shard_info *info, al_tu_facts_vec *units, al_u32_vec *unit_indexes,
                   char **error)
{
    memset(info, 0, sizeof(*info));
    if (access(path, R_OK) != 0) {
        *error = al_xasprintf("%s: error: cannot read the shard file: %s", path, strerror(errno));
        return false;
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK && !read_meta(db, info)) {
        *error =
            al_xasprintf("%s: error: not an asynclock shard file (write one with check --shard K/N -o FILE)", path);
        sqlite3_close(db);
        return false;
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "SELECT facts, key FROM units ORDER BY file, key", -1, &st, NULL);
    while (rc == SQLITE_OK) {
        int step = sqlite3_step(st);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = step;
            break;
        }
        al_tu_facts tu;
        const void *blob = sqlite3_column_blob(st, 0);
        const char *key = (const char *)sqlite3_column_text(st, 1);
        char *end = NULL;
        unsigned long index = key ? strtoul(key, &end, 10) : 0;
        bool index_ok = key && *key && end && !*end && index < info->total_units;
        if (!blob || !index_ok || !al_tu_facts_decode(blob, (size_t)sqlite3_column_bytes(st, 0), &tu)) {
            if (blob && index_ok)
                al_tu_facts_free(&tu);
            *error = al_xasprintf("%s: error: corrupt shard file: a unit's facts do not decode", path);
            sqlite3_finalize(st);
            sqlite3_close(db);
            return false;
        }
        AL_VEC_PUSH(*units, tu);
        AL_VEC_PUSH(*unit_indexes, (uint32_t)index);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        *error = al_xasprintf("%s: error: cannot read the shard file: %s", path,
                              db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return rc == SQLITE_OK;
}

void al_shard_info_free(al_shard_info *info)
{
    free(info->tool);
    free(info->targets);
    info->tool = info->targets = NULL;
}
