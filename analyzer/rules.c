/* rules: rule packs -> sqlite -> lookup tables.
 *
 * Validation is strict (unknown keys, wrong types and values are errors with their position) so a
 * typo in a pack never silently disables a rule. A later pack replaces an API of the same name from
 * an earlier one: user packs given with --rules override the shipped ones. */
#include "rules.h"

#include <dirent.h>
#include <fnmatch.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonfile.h"

#ifndef AL_SOURCE_RULES_DIR
#define AL_SOURCE_RULES_DIR "rules"
#endif

typedef struct al_fix_rule {
    char *family, *category, *api, *fix;
} al_fix_rule;

struct al_rules {
    sqlite3 *db;
    int pack_count;
    /* lookup tables, built by al_rules_index */
    AL_VEC(al_api_rule) apis;
    al_strtab api_names; /* name id -> apis index + 1 in api_slot */
    AL_VEC(uint32_t) api_slot;
    AL_VEC(al_context_rule) contexts;
    AL_VEC(al_fix_rule) fixes;
    al_strtab fix_keys;               /* fix_key of a fix -> id into fix_first */
    AL_VEC(uint32_t) fix_first;       /* the first fix of each key, as a scan in pack order finds it */
    al_strtab nonblocking_names;      /* exact names */
    AL_VEC(char *) nonblocking_globs; /* patterns with * ? [ */
    AL_VEC(size_t) glob_prefix;       /* per glob: n for "n plain characters, then *", else SIZE_MAX */
    al_strtab noreturn_names;         /* "noreturn": functions that never return (abort, exit) */
    al_strtab fork_names;             /* "fork": functions whose result is 0 in a new child process */
    al_strtab lock_names;             /* "locks": name id -> locks index */
    AL_VEC(al_lock_rule) locks;
};

static const char *const categories[] = {"sleep", "file-io",     "dns",     "process", "sync", "database",
                                         "http",  "nested-loop", "network", "custom",  "lock", NULL};

const char *const *al_rules_categories(void)
{
    return categories;
}

static const char schema[] =
    "CREATE TABLE packs(name TEXT PRIMARY KEY, path TEXT, description TEXT, family TEXT, digest TEXT);"
    "CREATE TABLE apis(name TEXT PRIMARY KEY, pack TEXT, category TEXT, severity TEXT,"
    "  confidence TEXT, why TEXT, fix TEXT, unless TEXT, only_if TEXT, definite_if TEXT,"
    "  match_definitions INTEGER, definite_category TEXT);"
    "CREATE TABLE contexts(pack TEXT, family TEXT, role TEXT, callback_type TEXT, call TEXT,"
    "  arg INTEGER, field TEXT, name_pattern TEXT, marker_call TEXT, kind TEXT, thread INTEGER);"
    "CREATE TABLE fixes(pack TEXT, family TEXT, category TEXT, api TEXT, fix TEXT);"
    "CREATE TABLE nonblocking(pattern TEXT, pack TEXT);"
    "CREATE TABLE name_lists(list TEXT, name TEXT, pack TEXT);"
    "CREATE TABLE locks(role TEXT, name TEXT, arg INTEGER, pack TEXT);";

al_rules *al_rules_new(void)
{
    al_rules *r = al_xcalloc(1, sizeof(*r));
    if (sqlite3_open(":memory:", &r->db) != SQLITE_OK || sqlite3_exec(r->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        al_error("cannot create the in-memory rules database: %s", sqlite3_errmsg(r->db));
        abort();
    }
    al_strtab_init(&r->api_names);
    return r;
}

static void free_strings(char **list, size_t count)
{
    for (size_t k = 0; k < count; k++)
        free(list[k]);
    free(list);
}

static void free_conditions(al_condition *c, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free_strings(c[i].names, c[i].name_count);
        free_strings(c[i].keepers, c[i].keeper_count);
        for (size_t k = 0; k < c[i].origin_count; k++) {
            free(c[i].origins[k].call);
            free_strings(c[i].origins[k].inner_calls, c[i].origins[k].inner_count);
            free_strings(c[i].origins[k].path_prefixes, c[i].origins[k].path_prefix_count);
            free_strings(c[i].origins[k].path_not_prefixes, c[i].origins[k].path_not_prefix_count);
            free(c[i].origins[k].mode_without);
        }
        free(c[i].origins);
        free(c[i].field);
    }
    free(c);
}

static void free_api(al_api_rule *a)
{
    free(a->name);
    free(a->pack);
    free(a->category);
    free(a->definite_category);
    free(a->why);
    free(a->fix);
    free_conditions(a->unless, a->unless_count);
    free_conditions(a->only_if, a->only_if_count);
    free_conditions(a->definite_if, a->definite_if_count);
}

static void clear_index(al_rules *r)
{
    for (size_t i = 0; i < r->apis.count; i++)
        free_api(&r->apis.items[i]);
    AL_VEC_FREE(r->apis);
    AL_VEC_FREE(r->api_slot);
    al_strtab_free(&r->api_names);
    for (size_t i = 0; i < r->contexts.count; i++) {
        free(r->contexts.items[i].pattern);
        free(r->contexts.items[i].kind);
        free(r->contexts.items[i].family);
        free(r->contexts.items[i].pack);
    }
    AL_VEC_FREE(r->contexts);
    for (size_t i = 0; i < r->fixes.count; i++) {
        free(r->fixes.items[i].family);
        free(r->fixes.items[i].category);
        free(r->fixes.items[i].api);
        free(r->fixes.items[i].fix);
    }
    AL_VEC_FREE(r->fixes);
    if (r->fix_keys.slots)
        al_strtab_free(&r->fix_keys);
    AL_VEC_FREE(r->fix_first);
    if (r->nonblocking_names.slots)
        al_strtab_free(&r->nonblocking_names);
    if (r->noreturn_names.slots)
        al_strtab_free(&r->noreturn_names);
    if (r->fork_names.slots)
        al_strtab_free(&r->fork_names);
    if (r->lock_names.slots)
        al_strtab_free(&r->lock_names);
    AL_VEC_FREE(r->locks);
    for (size_t i = 0; i < r->nonblocking_globs.count; i++)
        free(r->nonblocking_globs.items[i]);
    AL_VEC_FREE(r->nonblocking_globs);
    AL_VEC_FREE(r->glob_prefix);
}

void al_rules_free(al_rules *r)
{
    if (!r)
        return;
    clear_index(r);
    sqlite3_close(r->db);
    free(r);
}

/* ---- validation ---- */

typedef struct pack_reader {
    al_jsonfile *jf;
    char **error;
} pack_reader;

static bool fail(pack_reader *pr, const char *where, const char *message)
{
    *pr->error = al_jsonfile_error(pr->jf, where, "%s", message);
    return false;
}

/* Every key of `object` must be in `allowed` (NULL-terminated). */
static bool only_keys(pack_reader *pr, const cJSON *object, const char *where, const char *const *allowed)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, object)
    {
        bool known = false;
        for (int i = 0; allowed[i]; i++)
            known = known || strcmp(item->string, allowed[i]) == 0;
        if (!known) {
            char path[256];
            snprintf(path, sizeof(path), "%s%s%s", where, *where ? "/" : "", item->string);
            *pr->error = al_jsonfile_error(pr->jf, path, "unknown key \"%s\"", item->string);
            return false;
        }
    }
    return true;
}

/* A required (or optional, when `required` is false) non-empty string member. */
static bool get_string(pack_reader *pr, const cJSON *object, const char *where, const char *key, bool required,
                       const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(object, key);
    *out = NULL;
    if (!v) {
        if (!required)
            return true;
        *pr->error = al_jsonfile_error(pr->jf, where, "missing \"%s\"", key);
        return false;
    }
    if (!cJSON_IsString(v) || !*v->valuestring) {
        char path[256];
        snprintf(path, sizeof(path), "%s%s%s", where, *where ? "/" : "", key);
        *pr->error = al_jsonfile_error(pr->jf, path, "\"%s\" must be a non-empty string", key);
        return false;
    }
    *out = v->valuestring;
    return true;
}

static bool one_of(pack_reader *pr, const char *where, const char *key, const char *value, const char *const *allowed)
{
    for (int i = 0; allowed[i]; i++)
        if (strcmp(value, allowed[i]) == 0)
            return true;
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", where, key);
    al_strbuf list = {0};
    for (int i = 0; allowed[i]; i++)
        al_strbuf_appendf(&list, "%s%s", i ? ", " : "", allowed[i]);
    *pr->error = al_jsonfile_error(pr->jf, path, "\"%s\" must be one of %s", key, list.data);
    al_strbuf_free(&list);
    return false;
}

/* An integer that fits a long long: 1e300 must be rejected before the cast, which would be
 * undefined behaviour (found by tests/fuzz/rules.c). */
static bool is_integer(const cJSON *v)
{
    return cJSON_IsNumber(v) && v->valuedouble >= -9223372036854775808.0 && v->valuedouble < 9223372036854775808.0 &&
           v->valuedouble == (double)(long long)v->valuedouble;
}

static bool is_string_list(const cJSON *v)
{
    bool ok = cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, v) ok = ok && cJSON_IsString(s) && *s->valuestring;
    return ok;
}

/* "opened_by": [{"call": "open", "flags_arg": 1, "without_bits": 2048}, {"call": "fileno",
 * "inner_call": ["fopen"]}] */
static bool check_origins(pack_reader *pr, const cJSON *list, const char *where)
{
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0)
        return fail(pr, where, "\"opened_by\" must be a non-empty array of {\"call\": ...} objects");
    static const char *const keys[] = {"call",         "flags_arg",   "without_bits",    "inner_call", "mode_arg",
                                       "mode_without", "path_prefix", "path_not_prefix", NULL};
    int i = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, list)
    {
        char path[320];
        snprintf(path, sizeof(path), "%s/%d", where, i++);
        const char *call;
        if (!cJSON_IsObject(o))
            return fail(pr, path, "an \"opened_by\" entry must be an object");
        if (!only_keys(pr, o, path, keys) || !get_string(pr, o, path, "call", true, &call))
            return false;
        const cJSON *flags = cJSON_GetObjectItemCaseSensitive(o, "flags_arg");
        const cJSON *bits = cJSON_GetObjectItemCaseSensitive(o, "without_bits");
        if ((flags != NULL) != (bits != NULL))
            return fail(pr, path, "\"flags_arg\" and \"without_bits\" go together");
        if (flags && (!is_integer(flags) || flags->valuedouble < 0))
            return fail(pr, path, "\"flags_arg\" must be an argument index (0 or more)");
        if (bits && !is_integer(bits))
            return fail(pr, path, "\"without_bits\" must be an integer");
        const cJSON *inner = cJSON_GetObjectItemCaseSensitive(o, "inner_call");
        if (inner && !is_string_list(inner))
            return fail(pr, path, "\"inner_call\" must be a non-empty array of function names");
        const cJSON *mode = cJSON_GetObjectItemCaseSensitive(o, "mode_arg");
        const cJSON *without = cJSON_GetObjectItemCaseSensitive(o, "mode_without");
        if ((mode != NULL) != (without != NULL))
            return fail(pr, path, "\"mode_arg\" and \"mode_without\" go together");
        if (mode && (!is_integer(mode) || mode->valuedouble < 0))
            return fail(pr, path, "\"mode_arg\" must be an argument index (0 or more)");
        if (without && (!cJSON_IsString(without) || !*without->valuestring))
            return fail(pr, path, "\"mode_without\" must be a non-empty string of characters");
        const cJSON *prefix = cJSON_GetObjectItemCaseSensitive(o, "path_prefix");
        if (prefix && !is_string_list(prefix))
            return fail(pr, path, "\"path_prefix\" must be a non-empty array of strings");
        const cJSON *not_prefix = cJSON_GetObjectItemCaseSensitive(o, "path_not_prefix");
        if (not_prefix && !is_string_list(not_prefix))
            return fail(pr, path, "\"path_not_prefix\" must be a non-empty array of strings");
    }
    return true;
}

static bool check_conditions(pack_reader *pr, const cJSON *list, const char *where)
{
    if (!cJSON_IsArray(list))
        return fail(pr, where, "argument conditions must be an array");
    static const char *const keys[] = {"arg",         "equals",     "has_bits",       "is_null",
                                       "variable_in", "opened_by",  "only_opened_by", "prefix_in",
                                       "field",       "flushed_by", "flush_kept_by",  NULL};
    int i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, list)
    {
        char path[256];
        snprintf(path, sizeof(path), "%s/%d", where, i++);
        if (!cJSON_IsObject(c))
            return fail(pr, path, "an argument condition must be an object");
        if (!only_keys(pr, c, path, keys))
            return false;
        const cJSON *arg = cJSON_GetObjectItemCaseSensitive(c, "arg");
        if (!cJSON_IsNumber(arg) || arg->valuedouble != (double)arg->valueint || arg->valueint < -1)
            return fail(pr, path, "\"arg\" must be an argument index (0 or more, or -1 for the last)");
        int tests = 0;
        const cJSON *t;
        const cJSON *field = cJSON_GetObjectItemCaseSensitive(c, "field");
        if (field &&
            (!cJSON_IsString(field) || !*field->valuestring ||
             !(cJSON_GetObjectItemCaseSensitive(c, "equals") || cJSON_GetObjectItemCaseSensitive(c, "has_bits"))))
            return fail(pr, path, "\"field\" must be a field name, with \"equals\" or \"has_bits\"");
        if ((t = cJSON_GetObjectItemCaseSensitive(c, "equals"))) {
            tests++;
            if (!is_integer(t))
                return fail(pr, path, "\"equals\" must be an integer");
        }
        if ((t = cJSON_GetObjectItemCaseSensitive(c, "has_bits"))) {
            tests++;
            if (!is_integer(t))
                return fail(pr, path, "\"has_bits\" must be an integer");
        }
        if ((t = cJSON_GetObjectItemCaseSensitive(c, "is_null"))) {
            tests++;
            if (!cJSON_IsTrue(t))
                return fail(pr, path, "\"is_null\" must be true");
        }
        if ((t = cJSON_GetObjectItemCaseSensitive(c, "variable_in"))) {
            tests++;
            if (!is_string_list(t))
                return fail(pr, path, "\"variable_in\" must be a non-empty array of variable names");
        }
        if ((t = cJSON_GetObjectItemCaseSensitive(c, "prefix_in"))) {
            tests++;
            if (!is_string_list(t))
                return fail(pr, path, "\"prefix_in\" must be a non-empty array of strings");
        }
        if ((t = cJSON_GetObjectItemCaseSensitive(c, "flushed_by"))) {
            tests++;
            if (!is_string_list(t))
                return fail(pr, path, "\"flushed_by\" must be a non-empty array of function names");
        }
        if ((t = cJSON_GetObjectItemCaseSensitive(c, "flush_kept_by")) &&
            (!is_string_list(t) || !cJSON_GetObjectItemCaseSensitive(c, "flushed_by")))
            return fail(pr, path, "\"flush_kept_by\" must be a non-empty array of function names, with \"flushed_by\"");
        static const char *const origin_tests[] = {"opened_by", "only_opened_by"};
        for (size_t k = 0; k < 2; k++) {
            if (!(t = cJSON_GetObjectItemCaseSensitive(c, origin_tests[k])))
                continue;
            tests++;
            char opened_path[300];
            snprintf(opened_path, sizeof(opened_path), "%s/%s", path, origin_tests[k]);
            if (!check_origins(pr, t, opened_path))
                return false;
        }
        if (tests != 1)
            return fail(pr, path,
                        "an argument condition needs exactly one of \"equals\", \"has_bits\", \"is_null\", "
                        "\"variable_in\", \"opened_by\", \"only_opened_by\", \"prefix_in\", \"flushed_by\"");
    }
    return true;
}

static bool bind_text_exec(sqlite3_stmt *st, const char *const *values, int count)
{
    sqlite3_reset(st);
    for (int i = 0; i < count; i++) {
        if (values[i])
            sqlite3_bind_text(st, i + 1, values[i], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, i + 1);
    }
    return sqlite3_step(st) == SQLITE_DONE;
}

static bool load_apis(al_rules *r, pack_reader *pr, const cJSON *apis, const char *pack)
{
    if (!cJSON_IsArray(apis))
        return fail(pr, "apis", "\"apis\" must be an array");
    static const char *const keys[] = {
        "name",    "category",          "severity",    "confidence",        "why", "fix", "unless",
        "only_if", "match_definitions", "definite_if", "definite_category", NULL};
    static const char *const severities[] = {"error", "warning", "note", NULL};
    static const char *const confidences[] = {"definite", "conditional", NULL};
    sqlite3_stmt *st;
    sqlite3_prepare_v2(r->db, "INSERT OR REPLACE INTO apis VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)", -1, &st,
                       NULL);
    al_strtab seen;
    al_strtab_init(&seen);
    bool ok = true;
    int i = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, apis)
    {
        char where[64];
        snprintf(where, sizeof(where), "apis/%d", i++);
        const char *name, *category, *severity, *confidence, *why, *fix;
        if (!cJSON_IsObject(a)) {
            ok = fail(pr, where, "an API entry must be an object");
            break;
        }
        if (!only_keys(pr, a, where, keys) || !get_string(pr, a, where, "name", true, &name) ||
            !get_string(pr, a, where, "category", true, &category) ||
            !get_string(pr, a, where, "severity", true, &severity) ||
            !get_string(pr, a, where, "confidence", true, &confidence) ||
            !get_string(pr, a, where, "why", true, &why) || !get_string(pr, a, where, "fix", true, &fix) ||
            !one_of(pr, where, "category", category, categories) ||
            !one_of(pr, where, "severity", severity, severities) ||
            !one_of(pr, where, "confidence", confidence, confidences)) {
            ok = false;
            break;
        }
        const char *definite_category;
        if (!get_string(pr, a, where, "definite_category", false, &definite_category) ||
            (definite_category && !one_of(pr, where, "definite_category", definite_category, categories))) {
            ok = false;
            break;
        }
        if (definite_category && !cJSON_GetObjectItemCaseSensitive(a, "definite_if")) {
            ok = fail(pr, where, "\"definite_category\" needs \"definite_if\"");
            break;
        }
        const cJSON *match_definitions = cJSON_GetObjectItemCaseSensitive(a, "match_definitions");
        if (match_definitions && !cJSON_IsBool(match_definitions)) {
            char path[128];
            snprintf(path, sizeof(path), "%s/match_definitions", where);
            ok = fail(pr, path, "\"match_definitions\" must be true or false");
            break;
        }
        uint32_t before = seen.count;
        al_strtab_intern(&seen, name);
        if (seen.count == before) {
            char path[80];
            snprintf(path, sizeof(path), "%s/name", where);
            *pr->error = al_jsonfile_error(pr->jf, path, "API \"%s\" is listed twice in this pack", name);
            ok = false;
            break;
        }
        char *conditions[3] = {NULL, NULL, NULL};
        const char *const condition_keys[3] = {"unless", "only_if", "definite_if"};
        for (int k = 0; k < 3 && ok; k++) {
            const cJSON *list = cJSON_GetObjectItemCaseSensitive(a, condition_keys[k]);
            if (!list)
                continue;
            char path[80];
            snprintf(path, sizeof(path), "%s/%s", where, condition_keys[k]);
            ok = check_conditions(pr, list, path);
            if (ok)
                conditions[k] = cJSON_PrintUnformatted(list);
        }
        if (ok) {
            const char *values[] = {name, pack, category,      severity,      confidence,
                                    why,  fix,  conditions[0], conditions[1], conditions[2]};
            sqlite3_reset(st);
            for (int v = 0; v < 10; v++)
                sqlite3_bind_text(st, v + 1, values[v], -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 11, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "match_definitions")));
            sqlite3_bind_text(st, 12, definite_category, -1, SQLITE_STATIC);
            sqlite3_step(st);
        }
        for (int k = 0; k < 3; k++)
            cJSON_free(conditions[k]);
        if (!ok)
            break;
    }
    al_strtab_free(&seen);
    sqlite3_finalize(st);
    return ok;
}

static bool load_contexts(al_rules *r, pack_reader *pr, const cJSON *contexts, const char *pack, const char *family)
{
    if (!cJSON_IsArray(contexts))
        return fail(pr, "contexts", "\"contexts\" must be an array");
    static const char *const keys[] = {"role",         "callback_type", "call", "arg",    "field",
                                       "name_pattern", "marker_call",   "kind", "thread", NULL};
    static const char *const roles[] = {"handler", "worker", NULL};
    sqlite3_stmt *st;
    sqlite3_prepare_v2(r->db, "INSERT INTO contexts VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)", -1, &st, NULL);
    bool ok = true;
    int i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, contexts)
    {
        char where[64];
        snprintf(where, sizeof(where), "contexts/%d", i++);
        const char *role, *type, *call, *field, *name_pattern, *marker, *kind;
        if (!cJSON_IsObject(c)) {
            ok = fail(pr, where, "a context entry must be an object");
            break;
        }
        if (!only_keys(pr, c, where, keys) || !get_string(pr, c, where, "role", true, &role) ||
            !one_of(pr, where, "role", role, roles) || !get_string(pr, c, where, "kind", true, &kind) ||
            !get_string(pr, c, where, "callback_type", false, &type) ||
            !get_string(pr, c, where, "call", false, &call) || !get_string(pr, c, where, "field", false, &field) ||
            !get_string(pr, c, where, "name_pattern", false, &name_pattern) ||
            !get_string(pr, c, where, "marker_call", false, &marker)) {
            ok = false;
            break;
        }
        if ((type != NULL) + (call != NULL) + (field != NULL) + (name_pattern != NULL) + (marker != NULL) != 1) {
            ok = fail(pr, where,
                      "a context needs exactly one of \"callback_type\", \"call\", \"field\", \"name_pattern\", "
                      "\"marker_call\"");
            break;
        }
        const cJSON *arg = cJSON_GetObjectItemCaseSensitive(c, "arg");
        if (call && (!cJSON_IsNumber(arg) || arg->valueint < 0 || arg->valuedouble != (double)arg->valueint)) {
            ok = fail(pr, where, "a \"call\" context needs \"arg\", the argument index (from 0)");
            break;
        }
        if (!call && arg) {
            ok = fail(pr, where, "\"arg\" only goes with \"call\"");
            break;
        }
        const cJSON *thread = cJSON_GetObjectItemCaseSensitive(c, "thread");
        if (thread && (!cJSON_IsBool(thread) || strcmp(role, "worker") != 0)) {
            ok = fail(pr, where, "\"thread\" is true or false, on a worker context");
            break;
        }
        if (field && !strchr(field, '.')) {
            char path[80];
            snprintf(path, sizeof(path), "%s/field", where);
            ok = fail(pr, path, "\"field\" must be STRUCT.FIELD");
            break;
        }
        sqlite3_reset(st);
        const char *texts[] = {pack, family, role, type, call};
        for (int k = 0; k < 5; k++)
            if (texts[k])
                sqlite3_bind_text(st, k + 1, texts[k], -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(st, k + 1);
        if (call)
            sqlite3_bind_int(st, 6, arg->valueint);
        else
            sqlite3_bind_null(st, 6);
        sqlite3_bind_text(st, 7, field, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, name_pattern, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, marker, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, kind, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 11, cJSON_IsTrue(thread));
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return ok;
}

static bool load_fixes(al_rules *r, pack_reader *pr, const cJSON *fixes, const char *pack, const char *family)
{
    if (!cJSON_IsArray(fixes))
        return fail(pr, "fixes", "\"fixes\" must be an array");
    static const char *const keys[] = {"family", "category", "api", "fix", NULL};
    sqlite3_stmt *st;
    sqlite3_prepare_v2(r->db, "INSERT INTO fixes VALUES(?1,?2,?3,?4,?5)", -1, &st, NULL);
    bool ok = true;
    int i = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, fixes)
    {
        char where[64];
        snprintf(where, sizeof(where), "fixes/%d", i++);
        const char *category, *api, *fix, *fix_family;
        if (!cJSON_IsObject(f)) {
            ok = fail(pr, where, "a fix entry must be an object");
            break;
        }
        if (!only_keys(pr, f, where, keys) || !get_string(pr, f, where, "family", false, &fix_family) ||
            !get_string(pr, f, where, "category", false, &category) || !get_string(pr, f, where, "api", false, &api) ||
            !get_string(pr, f, where, "fix", true, &fix)) {
            ok = false;
            break;
        }
        if ((category != NULL) == (api != NULL)) {
            ok = fail(pr, where, "a fix needs exactly one of \"category\" and \"api\"");
            break;
        }
        if (category && !one_of(pr, where, "category", category, categories)) {
            ok = false;
            break;
        }
        if (!fix_family && !family) {
            ok = fail(pr, where, "a fix needs a \"family\", here or in the pack");
            break;
        }
        const char *values[] = {pack, fix_family ? fix_family : family, category, api, fix};
        bind_text_exec(st, values, 5);
    }
    sqlite3_finalize(st);
    return ok;
}

static bool load_nonblocking(al_rules *r, pack_reader *pr, const cJSON *list, const char *pack)
{
    if (!cJSON_IsArray(list))
        return fail(pr, "nonblocking", "\"nonblocking\" must be an array of function names or globs");
    sqlite3_stmt *st;
    sqlite3_prepare_v2(r->db, "INSERT INTO nonblocking VALUES(?1,?2)", -1, &st, NULL);
    bool ok = true;
    int i = 0;
    const cJSON *name;
    cJSON_ArrayForEach(name, list)
    {
        if (!cJSON_IsString(name) || !*name->valuestring) {
            char where[64];
            snprintf(where, sizeof(where), "nonblocking/%d", i);
            ok = fail(pr, where, "a \"nonblocking\" entry must be a non-empty string");
            break;
        }
        const char *values[] = {name->valuestring, pack};
        bind_text_exec(st, values, 2);
        i++;
    }
    sqlite3_finalize(st);
    return ok;
}

/* "noreturn" and "fork": exact function names, each list a property of the functions it names. */
static bool load_name_list(al_rules *r, pack_reader *pr, const cJSON *list, const char *key, const char *pack)
{
    char message[96];
    snprintf(message, sizeof(message), "\"%s\" must be an array of function names", key);
    if (!cJSON_IsArray(list))
        return fail(pr, key, message);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(r->db, "INSERT INTO name_lists VALUES(?1,?2,?3)", -1, &st, NULL);
    bool ok = true;
    int i = 0;
    const cJSON *name;
    cJSON_ArrayForEach(name, list)
    {
        if (!cJSON_IsString(name) || !*name->valuestring || strpbrk(name->valuestring, "*?[")) {
            char where[64];
            snprintf(where, sizeof(where), "%s/%d", key, i);
            snprintf(message, sizeof(message), "a \"%s\" entry must be a function's exact name", key);
            ok = fail(pr, where, message);
            break;
        }
        const char *values[] = {key, name->valuestring, pack};
        bind_text_exec(st, values, 3);
        i++;
    }
    sqlite3_finalize(st);
    return ok;
}

/* "locks": how the lock functions of a family take and give back the lock their argument `arg`
 * names: {"acquire": "pthread_mutex_lock", "arg": 0}, "release", "try" (a trylock: never waits),
 * "wait" (a condition wait: gives the lock back while it waits, takes it again after). */
static const char *const lock_roles[] = {"acquire", "release", "try", "wait", NULL};

static bool load_locks(al_rules *r, pack_reader *pr, const cJSON *list, const char *pack)
{
    if (!cJSON_IsArray(list))
        return fail(pr, "locks", "\"locks\" must be an array of objects");
    sqlite3_stmt *st;
    sqlite3_prepare_v2(r->db, "INSERT INTO locks VALUES(?1,?2,?3,?4)", -1, &st, NULL);
    bool ok = true;
    int i = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, list)
    {
        char where[32];
        snprintf(where, sizeof(where), "locks/%d", i++);
        static const char *const keys[] = {"acquire", "release", "try", "wait", "arg", NULL};
        if (!cJSON_IsObject(entry)) {
            ok = fail(pr, where, "a \"locks\" entry must be an object");
            break;
        }
        if (!only_keys(pr, entry, where, keys)) {
            ok = false;
            break;
        }
        const char *role = NULL, *name = NULL;
        for (int k = 0; lock_roles[k]; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(entry, lock_roles[k]);
            if (!v)
                continue;
            if (role || !cJSON_IsString(v) || !*v->valuestring || strpbrk(v->valuestring, "*?[")) {
                ok = fail(pr, where,
                          "a \"locks\" entry names one function's exact name as \"acquire\", \"release\", "
                          "\"try\" or \"wait\"");
                break;
            }
            role = lock_roles[k];
            name = v->valuestring;
        }
        if (!ok)
            break;
        const cJSON *arg = cJSON_GetObjectItemCaseSensitive(entry, "arg");
        if (!role) {
            ok = fail(pr, where, "a \"locks\" entry needs \"acquire\", \"release\", \"try\" or \"wait\"");
            break;
        }
        if (!arg || !is_integer(arg) || arg->valuedouble < 0 || arg->valuedouble > 32) {
            ok = fail(pr, where, "\"arg\" must be the index (0 to 32) of the argument that names the lock");
            break;
        }
        char index[16];
        snprintf(index, sizeof(index), "%d", (int)arg->valuedouble);
        const char *values[] = {role, name, index, pack};
        bind_text_exec(st, values, 4);
    }
    sqlite3_finalize(st);
    return ok;
}

/* Validates and loads a parsed pack; frees jf. */
static bool load_pack_json(al_rules *r, al_jsonfile *jf, char **error)
{
    const char *path = jf->path;
    pack_reader pr = {jf, error};
    const cJSON *root = jf->root;
    static const char *const keys[] = {"pack",  "version",     "description", "family", "apis",  "contexts",
                                       "fixes", "nonblocking", "noreturn",    "fork",   "locks", NULL};
    const char *name, *description, *family;
    bool ok = cJSON_IsObject(root) || fail(&pr, "", "a rule pack must be a JSON object");
    ok = ok && only_keys(&pr, root, "", keys) && get_string(&pr, root, "", "pack", true, &name) &&
         get_string(&pr, root, "", "description", false, &description) &&
         get_string(&pr, root, "", "family", false, &family);
    if (ok) {
        const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "version");
        if (!version)
            ok = fail(&pr, "", "missing \"version\" (1)");
        else if (!cJSON_IsNumber(version) || version->valuedouble != 1)
            ok = fail(&pr, "version", "unsupported \"version\": this asynclock reads version 1");
    }
    /* a pack loads whole or not at all */
    sqlite3_exec(r->db, "SAVEPOINT pack", NULL, NULL, NULL);
    if (ok) {
        sqlite3_stmt *st;
        sqlite3_prepare_v2(r->db, "INSERT INTO packs VALUES(?1,?2,?3,?4,?5)", -1, &st, NULL);
        char digest[17]; /* of the file's bytes: tells two copies of a pack apart (asynclock --version) */
        snprintf(digest, sizeof(digest), "%016llx",
                 (unsigned long long)al_hash_bytes(jf->text, strlen(jf->text), AL_HASH_SEED));
        const char *values[] = {name, path, description, family, digest};
        if (!bind_text_exec(st, values, 5))
            ok = fail(&pr, "pack", "another loaded pack has this name");
        sqlite3_finalize(st);
    }
    const cJSON *part;
    if (ok && (part = cJSON_GetObjectItemCaseSensitive(root, "apis")))
        ok = load_apis(r, &pr, part, name);
    if (ok && (part = cJSON_GetObjectItemCaseSensitive(root, "contexts")))
        ok = load_contexts(r, &pr, part, name, family ? family : "");
    if (ok && (part = cJSON_GetObjectItemCaseSensitive(root, "fixes")))
        ok = load_fixes(r, &pr, part, name, family);
    if (ok && (part = cJSON_GetObjectItemCaseSensitive(root, "nonblocking")))
        ok = load_nonblocking(r, &pr, part, name);
    if (ok && (part = cJSON_GetObjectItemCaseSensitive(root, "noreturn")))
        ok = load_name_list(r, &pr, part, "noreturn", name);
    if (ok && (part = cJSON_GetObjectItemCaseSensitive(root, "fork")))
        ok = load_name_list(r, &pr, part, "fork", name);
    if (ok && (part = cJSON_GetObjectItemCaseSensitive(root, "locks")))
        ok = load_locks(r, &pr, part, name);
    sqlite3_exec(r->db, ok ? "RELEASE pack" : "ROLLBACK TO pack; RELEASE pack", NULL, NULL, NULL);
    if (ok)
        r->pack_count++;
    al_jsonfile_free(jf);
    return ok;
}

static bool load_pack(al_rules *r, const char *path, char **error)
{
    al_jsonfile jf;
    if (!al_jsonfile_load(&jf, path, error)) {
        al_jsonfile_free(&jf);
        return false;
    }
    return load_pack_json(r, &jf, error);
}

bool al_rules_load_buffer(al_rules *r, const char *path, const char *data, size_t len, char **error)
{
    al_jsonfile jf;
    if (!al_jsonfile_parse(&jf, path, data, len, error)) {
        al_jsonfile_free(&jf);
        return false;
    }
    return load_pack_json(r, &jf, error);
}

bool al_rules_load_text(al_rules *r, const char *name, const char *text, char **error)
{
    return al_rules_load_buffer(r, name, text, strlen(text), error);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

bool al_rules_load_path(al_rules *r, const char *path, char **error)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        *error = al_one_line(al_xasprintf("%s: error: rule pack not found", path));
        return false;
    }
    if (!S_ISDIR(st.st_mode))
        return load_pack(r, path, error);
    DIR *dir = opendir(path);
    if (!dir) {
        *error = al_one_line(al_xasprintf("%s: error: cannot open rules folder", path));
        return false;
    }
    AL_VEC(char *) names = {0};
    struct dirent *e;
    while ((e = readdir(dir))) {
        size_t n = strlen(e->d_name);
        if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0)
            AL_VEC_PUSH(names, al_xasprintf("%s/%s", path, e->d_name));
    }
    closedir(dir);
    if (names.count)
        qsort(names.items, names.count, sizeof(char *), compare_names);
    bool ok = true;
    for (size_t i = 0; i < names.count; i++) {
        if (ok)
            ok = load_pack(r, names.items[i], error);
        free(names.items[i]);
    }
    AL_VEC_FREE(names);
    return ok;
}

char *al_rules_default_dir(void)
{
    const char *env = getenv("ASYNCLOCK_RULES_DIR");
    if (env && *env)
        return al_xstrdup(env);
    /* installed: <prefix>/bin/asynclock and <prefix>/share/asynclock/rules */
    char *installed = al_beside_executable("../share/asynclock/rules");
    struct stat st;
    if (installed && stat(installed, &st) == 0 && S_ISDIR(st.st_mode))
        return installed;
    free(installed);
    return al_xstrdup(AL_SOURCE_RULES_DIR);
}

/* ---- lookup tables ---- */

static char *column_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return al_xstrdup(t ? (const char *)t : "");
}

static char **string_list(const cJSON *array, size_t *count)
{
    char **out = al_xcalloc((size_t)cJSON_GetArraySize(array) + 1, sizeof(char *));
    *count = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, array) out[(*count)++] = al_xstrdup(s->valuestring);
    return out;
}

static al_condition *parse_conditions(const unsigned char *json, size_t *count)
{
    *count = 0;
    if (!json)
        return NULL;
    cJSON *list = cJSON_Parse((const char *)json);
    int n = cJSON_GetArraySize(list);
    al_condition *out = al_xcalloc((size_t)n + 1, sizeof(*out));
    const cJSON *c;
    cJSON_ArrayForEach(c, list)
    {
        al_condition *cond = &out[(*count)++];
        cond->arg = cJSON_GetObjectItemCaseSensitive(c, "arg")->valueint;
        const cJSON *t;
        if ((t = cJSON_GetObjectItemCaseSensitive(c, "field")))
            cond->field = al_xstrdup(t->valuestring);
        if ((t = cJSON_GetObjectItemCaseSensitive(c, "equals"))) {
            cond->test = AL_TEST_EQUALS;
            cond->value = (long long)t->valuedouble;
        } else if ((t = cJSON_GetObjectItemCaseSensitive(c, "has_bits"))) {
            cond->test = AL_TEST_HAS_BITS;
            cond->value = (long long)t->valuedouble;
        } else if ((t = cJSON_GetObjectItemCaseSensitive(c, "variable_in"))) {
            cond->test = AL_TEST_VARIABLE_IN;
            cond->names = string_list(t, &cond->name_count);
        } else if ((t = cJSON_GetObjectItemCaseSensitive(c, "prefix_in"))) {
            cond->test = AL_TEST_PREFIX_IN;
            cond->names = string_list(t, &cond->name_count);
        } else if ((t = cJSON_GetObjectItemCaseSensitive(c, "flushed_by"))) {
            cond->test = AL_TEST_FLUSHED_BY;
            cond->names = string_list(t, &cond->name_count);
            const cJSON *keep = cJSON_GetObjectItemCaseSensitive(c, "flush_kept_by");
            if (keep)
                cond->keepers = string_list(keep, &cond->keeper_count);
        } else if ((t = cJSON_GetObjectItemCaseSensitive(c, "opened_by")) ||
                   (t = cJSON_GetObjectItemCaseSensitive(c, "only_opened_by"))) {
            cond->test = strcmp(t->string, "opened_by") == 0 ? AL_TEST_OPENED_BY : AL_TEST_ONLY_OPENED_BY;
            cond->origins = al_xcalloc((size_t)cJSON_GetArraySize(t), sizeof(al_origin));
            const cJSON *o;
            cJSON_ArrayForEach(o, t)
            {
                al_origin *origin = &cond->origins[cond->origin_count++];
                origin->call = al_xstrdup(cJSON_GetObjectItemCaseSensitive(o, "call")->valuestring);
                const cJSON *flags = cJSON_GetObjectItemCaseSensitive(o, "flags_arg");
                origin->flags_arg = flags ? flags->valueint : -1;
                const cJSON *bits = cJSON_GetObjectItemCaseSensitive(o, "without_bits");
                origin->without_bits = bits ? (long long)bits->valuedouble : 0;
                const cJSON *inner = cJSON_GetObjectItemCaseSensitive(o, "inner_call");
                if (inner)
                    origin->inner_calls = string_list(inner, &origin->inner_count);
                const cJSON *mode = cJSON_GetObjectItemCaseSensitive(o, "mode_arg");
                origin->mode_arg = mode ? mode->valueint : -1;
                const cJSON *without = cJSON_GetObjectItemCaseSensitive(o, "mode_without");
                if (without)
                    origin->mode_without = al_xstrdup(without->valuestring);
                const cJSON *prefix = cJSON_GetObjectItemCaseSensitive(o, "path_prefix");
                if (prefix)
                    origin->path_prefixes = string_list(prefix, &origin->path_prefix_count);
                const cJSON *not_prefix = cJSON_GetObjectItemCaseSensitive(o, "path_not_prefix");
                if (not_prefix)
                    origin->path_not_prefixes = string_list(not_prefix, &origin->path_not_prefix_count);
            }
        } else {
            cond->test = AL_TEST_IS_NULL;
        }
    }
    cJSON_Delete(list);
    return out;
}

/* s, after its length in 16 hex digits. */
static void append_counted(al_strbuf *b, const char *s)
{
    size_t n = strlen(s);
    char length[16];
    for (int i = 15; i >= 0; i--, n >>= 4)
        length[i] = "0123456789abcdef"[n & 15];
    al_strbuf_append_n(b, length, sizeof(length));
    al_strbuf_append(b, s);
}

/* What finds a fix: its family and its API, or (API "") its category; a fix has one of the two
 * (load_fixes), the other "". Lengths first, so that no two triples make one key. */
static char *fix_key(const char *family, const char *api, const char *category)
{
    al_strbuf key = {0};
    append_counted(&key, family);
    append_counted(&key, api);
    al_strbuf_append(&key, category);
    return al_strbuf_take(&key);
}

/* The index of the first fix of (family, api, category), or SIZE_MAX. */
static size_t first_fix(const al_rules *r, const char *family, const char *api, const char *category)
{
    char *key = fix_key(family, api, category);
    uint32_t id = al_strtab_find(&r->fix_keys, key);
    free(key);
    return id == UINT32_MAX || id >= r->fix_first.count ? SIZE_MAX : r->fix_first.items[id];
}

void al_rules_index(al_rules *r)
{
    clear_index(r);
    al_strtab_init(&r->api_names);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(r->db,
                       "SELECT name, pack, category, severity, confidence, why, fix, unless, only_if, "
                       "definite_if, match_definitions, definite_category FROM apis ORDER BY name",
                       -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        al_api_rule a = {0};
        a.name = column_text(st, 0);
        a.pack = column_text(st, 1);
        a.category = column_text(st, 2);
        al_severity_parse((const char *)sqlite3_column_text(st, 3), &a.severity);
        a.conditional = strcmp((const char *)sqlite3_column_text(st, 4), "conditional") == 0;
        a.why = column_text(st, 5);
        a.fix = column_text(st, 6);
        a.unless = parse_conditions(sqlite3_column_text(st, 7), &a.unless_count);
        a.only_if = parse_conditions(sqlite3_column_text(st, 8), &a.only_if_count);
        a.definite_if = parse_conditions(sqlite3_column_text(st, 9), &a.definite_if_count);
        a.match_definitions = sqlite3_column_int(st, 10) != 0;
        if (sqlite3_column_type(st, 11) != SQLITE_NULL)
            a.definite_category = column_text(st, 11);
        uint32_t id = al_strtab_intern(&r->api_names, a.name);
        while (r->api_slot.count <= id)
            AL_VEC_PUSH(r->api_slot, 0);
        r->api_slot.items[id] = (uint32_t)r->apis.count + 1;
        AL_VEC_PUSH(r->apis, a);
    }
    sqlite3_finalize(st);

    sqlite3_prepare_v2(r->db,
                       "SELECT role, callback_type, call, arg, field, kind, family, pack, name_pattern, "
                       "marker_call, thread FROM contexts ORDER BY rowid",
                       -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        al_context_rule c = {0};
        c.role = strcmp((const char *)sqlite3_column_text(st, 0), "handler") == 0 ? AL_ROLE_HANDLER : AL_ROLE_WORKER;
        if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
            c.match = AL_MATCH_CALLBACK_TYPE;
            c.pattern = column_text(st, 1);
        } else if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
            c.match = AL_MATCH_CALL_ARG;
            c.pattern = column_text(st, 2);
            c.arg = sqlite3_column_int(st, 3);
        } else if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
            c.match = AL_MATCH_FIELD;
            c.pattern = column_text(st, 4);
        } else if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
            c.match = AL_MATCH_NAME_PATTERN;
            c.pattern = column_text(st, 8);
        } else {
            c.match = AL_MATCH_MARKER_CALL;
            c.pattern = column_text(st, 9);
        }
        c.kind = column_text(st, 5);
        c.family = column_text(st, 6);
        c.pack = column_text(st, 7);
        c.thread = sqlite3_column_int(st, 10) != 0;
        AL_VEC_PUSH(r->contexts, c);
    }
    sqlite3_finalize(st);

    al_strtab_init(&r->nonblocking_names);
    sqlite3_prepare_v2(r->db, "SELECT pattern FROM nonblocking ORDER BY rowid", -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *pattern = (const char *)sqlite3_column_text(st, 0);
        if (strpbrk(pattern, "*?[")) {
            AL_VEC_PUSH(r->nonblocking_globs, al_xstrdup(pattern));
            /* "uv_*", the usual glob, is a prefix test (fnmatch, without flags, in the C locale) */
            size_t plain = strcspn(pattern, "*?[\\");
            AL_VEC_PUSH(r->glob_prefix, strcmp(pattern + plain, "*") == 0 ? plain : SIZE_MAX);
        } else
            al_strtab_intern(&r->nonblocking_names, pattern);
    }
    sqlite3_finalize(st);

    al_strtab_init(&r->noreturn_names);
    al_strtab_init(&r->fork_names);
    sqlite3_prepare_v2(r->db, "SELECT list, name FROM name_lists ORDER BY rowid", -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *list = (const char *)sqlite3_column_text(st, 0);
        al_strtab_intern(strcmp(list, "noreturn") == 0 ? &r->noreturn_names : &r->fork_names,
                         (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);

    /* a name listed twice keeps the entry of the pack loaded last */
    al_strtab_init(&r->lock_names);
    AL_VEC_PUSH(r->locks, ((al_lock_rule){AL_LOCK_ACQUIRE, 0})); /* id 0, "", names no function */
    sqlite3_prepare_v2(r->db, "SELECT role, name, arg FROM locks ORDER BY rowid", -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *role = (const char *)sqlite3_column_text(st, 0);
        al_lock_rule l = {AL_LOCK_ACQUIRE, sqlite3_column_int(st, 2)};
        for (int k = 0; lock_roles[k]; k++)
            if (strcmp(role, lock_roles[k]) == 0)
                l.role = (al_lock_role)k;
        uint32_t id = al_strtab_intern(&r->lock_names, (const char *)sqlite3_column_text(st, 1));
        if (id == r->locks.count)
            AL_VEC_PUSH(r->locks, l);
        else
            r->locks.items[id] = l;
    }
    sqlite3_finalize(st);

    al_strtab_init(&r->fix_keys);
    AL_VEC_PUSH(r->fix_first, 0); /* id 0, "", is no key */
    sqlite3_prepare_v2(r->db, "SELECT family, category, api, fix FROM fixes ORDER BY rowid", -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        al_fix_rule f = {column_text(st, 0), column_text(st, 1), column_text(st, 2), column_text(st, 3)};
        char *key = fix_key(f.family, f.api, f.category);
        uint32_t id = al_strtab_intern(&r->fix_keys, key);
        free(key);
        if (id == r->fix_first.count)
            AL_VEC_PUSH(r->fix_first, (uint32_t)r->fixes.count);
        AL_VEC_PUSH(r->fixes, f);
    }
    sqlite3_finalize(st);
}

size_t al_rules_api_count(const al_rules *r)
{
    return r->apis.count;
}

const al_api_rule *al_rules_api_at(const al_rules *r, size_t i)
{
    return &r->apis.items[i];
}

bool al_rules_known_nonblocking(const al_rules *r, const char *name)
{
    if (al_strtab_find(&r->nonblocking_names, name) != UINT32_MAX)
        return true;
    for (size_t i = 0; i < r->nonblocking_globs.count; i++) {
        size_t prefix = r->glob_prefix.items[i];
        if (prefix != SIZE_MAX ? strncmp(name, r->nonblocking_globs.items[i], prefix) == 0
                               : fnmatch(r->nonblocking_globs.items[i], name, 0) == 0)
            return true;
    }
    return false;
}

bool al_rules_is_noreturn(const al_rules *r, const char *name)
{
    return al_strtab_find(&r->noreturn_names, name) != UINT32_MAX;
}

const al_lock_rule *al_rules_find_lock(const al_rules *r, const char *name)
{
    uint32_t id = r->lock_names.slots ? al_strtab_find(&r->lock_names, name) : UINT32_MAX;
    return id == UINT32_MAX ? NULL : &r->locks.items[id];
}

bool al_rules_is_fork(const al_rules *r, const char *name)
{
    return al_strtab_find(&r->fork_names, name) != UINT32_MAX;
}

bool al_rules_describes(const al_rules *r, const char *name)
{
    return al_rules_find_api(r, name) || al_rules_known_nonblocking(r, name);
}

const al_api_rule *al_rules_find_api(const al_rules *r, const char *name)
{
    uint32_t id = al_strtab_find(&r->api_names, name);
    if (id == UINT32_MAX || id >= r->api_slot.count || !r->api_slot.items[id])
        return NULL;
    return &r->apis.items[r->api_slot.items[id] - 1];
}

static bool name_in(const char *name, char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(name, list[i]) == 0)
            return true;
    return false;
}

static bool has_prefix_in(const char *s, char *const *prefixes, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strncmp(s, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

bool al_rules_origin_matches(const al_origin *origin, const char *callee, const al_fact_arg *args, size_t count,
                             const al_strtab *strings)
{
    if (strcmp(callee, origin->call) != 0)
        return false;
    /* flags that are not a constant (a wrapper's `flags | O_CLOEXEC`) may be anything: only a
     * constant with the bits says otherwise */
    if (origin->flags_arg >= 0 && (size_t)origin->flags_arg < count && args[origin->flags_arg].kind == AL_ARG_INT &&
        (args[origin->flags_arg].value & origin->without_bits) != 0)
        return false;
    if (origin->inner_count) {
        if (count == 0 || args[0].kind != AL_ARG_CALL ||
            !name_in(al_str(strings, args[0].name), origin->inner_calls, origin->inner_count))
            return false;
    }
    if (origin->mode_arg >= 0) {
        if ((size_t)origin->mode_arg >= count || args[origin->mode_arg].kind != AL_ARG_STRING ||
            strpbrk(al_str(strings, args[origin->mode_arg].name), origin->mode_without))
            return false;
    }
    if (origin->path_prefix_count) {
        if (count == 0 || args[0].kind != AL_ARG_STRING ||
            !has_prefix_in(al_str(strings, args[0].name), origin->path_prefixes, origin->path_prefix_count))
            return false;
    }
    if (origin->path_not_prefix_count && count > 0 && args[0].kind == AL_ARG_STRING &&
        has_prefix_in(al_str(strings, args[0].name), origin->path_not_prefixes, origin->path_not_prefix_count))
        return false;
    return true;
}

/* In "ai_flags=4,ai_family=2" (an AL_ARG_FIELDS argument), the value of `field`. */
static bool field_constant(const char *fields, const char *field, long long *value)
{
    size_t n = strlen(field);
    for (const char *p = fields; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
        if (strncmp(p, field, n) == 0 && p[n] == '=') {
            *value = strtoll(p + n + 1, NULL, 10);
            return true;
        }
    }
    return false;
}

static bool condition_holds(const al_condition *c, const al_call_args *call)
{
    long index = c->arg < 0 ? (long)call->count + c->arg : c->arg;
    if (index < 0 || (size_t)index >= call->count)
        return false;
    const al_fact_arg *a = &call->args[index];
    long long value = a->value;
    bool known = a->kind == AL_ARG_INT && !c->field;
    if (c->field)
        known = a->kind == AL_ARG_FIELDS && field_constant(al_str(call->strings, a->name), c->field, &value);
    switch (c->test) {
    case AL_TEST_EQUALS:
        return known && value == c->value;
    case AL_TEST_HAS_BITS:
        return known && (value & c->value) == c->value;
    case AL_TEST_IS_NULL:
        return a->kind == AL_ARG_NULL;
    case AL_TEST_VARIABLE_IN:
        return a->kind == AL_ARG_VARIABLE && name_in(al_str(call->strings, a->name), c->names, c->name_count);
    case AL_TEST_OPENED_BY:
    case AL_TEST_ONLY_OPENED_BY:
        return (a->kind == AL_ARG_VARIABLE || a->kind == AL_ARG_FIELD || a->kind == AL_ARG_CALL ||
                a->kind == AL_ARG_PARAM) &&
               call->opened_by &&
               call->opened_by(call->context, a, c->origins, c->origin_count, c->test == AL_TEST_ONLY_OPENED_BY);
    case AL_TEST_PREFIX_IN:
        return a->kind == AL_ARG_STRING && has_prefix_in(al_str(call->strings, a->name), c->names, c->name_count);
    case AL_TEST_FLUSHED_BY:
        return (a->kind == AL_ARG_VARIABLE || a->kind == AL_ARG_PARAM) && call->flushed_by &&
               call->flushed_by(call->context, a, c->names, c->name_count, c->keepers, c->keeper_count);
    }
    return false;
}

static bool all_hold(const al_condition *conditions, size_t count, const al_call_args *call)
{
    for (size_t i = 0; i < count; i++)
        if (!condition_holds(&conditions[i], call))
            return false;
    return true;
}

const char *al_rules_call_category(const al_api_rule *api, const al_call_args *call)
{
    if (api->definite_category && api->definite_if_count && all_hold(api->definite_if, api->definite_if_count, call))
        return api->definite_category;
    return api->category;
}

bool al_rules_call_blocks(const al_api_rule *api, const al_call_args *call, bool conditional)
{
    for (size_t i = 0; i < api->unless_count; i++)
        if (condition_holds(&api->unless[i], call))
            return false;
    for (size_t i = 0; i < api->only_if_count; i++)
        if (!condition_holds(&api->only_if[i], call))
            return false;
    if (!api->conditional || conditional)
        return true;
    /* a conditional API is definite when the pack proves it: read() on a descriptor the same
     * function opened from a regular file without O_NONBLOCK */
    return api->definite_if_count > 0 && all_hold(api->definite_if, api->definite_if_count, call);
}

const al_context_rule *al_rules_match_context(const al_rules *r, const char *type_name, const char *call, int arg,
                                              const char *field)
{
    const al_context_rule *found = NULL;
    for (size_t i = 0; i < r->contexts.count; i++) {
        const al_context_rule *c = &r->contexts.items[i];
        bool hit = false;
        switch (c->match) {
        case AL_MATCH_CALLBACK_TYPE:
            hit = type_name && strcmp(type_name, c->pattern) == 0;
            break;
        case AL_MATCH_CALL_ARG:
            hit = call && c->arg == arg && strcmp(call, c->pattern) == 0;
            break;
        case AL_MATCH_FIELD:
            hit = field && strcmp(field, c->pattern) == 0;
            break;
        case AL_MATCH_NAME_PATTERN:
        case AL_MATCH_MARKER_CALL:
            break; /* properties of the function, not of a reference: see contexts */
        }
        if (hit && (!found || (found->role == AL_ROLE_WORKER && c->role == AL_ROLE_HANDLER)))
            found = c;
    }
    return found;
}

const al_context_rule *al_rules_contexts(const al_rules *r, size_t *count)
{
    *count = r->contexts.count;
    return r->contexts.items;
}

const char *al_rules_category_fix(const al_rules *r, const char *family, const char *category)
{
    if (!family || !*family)
        return NULL;
    size_t i = first_fix(r, family, "", category);
    return i == SIZE_MAX ? NULL : r->fixes.items[i].fix;
}

const char *al_rules_fix(const al_rules *r, const char *family, const al_api_rule *api)
{
    if (family && *family) {
        /* family "*": a fix for one API in every loop (a configuration's own APIs); the first of
         * the two in pack order */
        size_t own = first_fix(r, family, api->name, ""), any = first_fix(r, "*", api->name, "");
        size_t i = own < any ? own : any;
        if (i != SIZE_MAX)
            return r->fixes.items[i].fix;
        const char *by_category = al_rules_category_fix(r, family, api->category);
        if (by_category)
            return by_category;
    }
    return api->fix;
}

/* ---- browsing ---- */

bool al_rules_print_list(al_rules *r, FILE *out, const char *category, const char *pack)
{
    sqlite3_stmt *st;
    sqlite3_prepare_v2(r->db,
                       "SELECT name, category, severity, confidence, pack FROM apis "
                       "WHERE (?1 IS NULL OR category = ?1) AND (?2 IS NULL OR pack = ?2) "
                       "ORDER BY category, name",
                       -1, &st, NULL);
    sqlite3_bind_text(st, 1, category, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, pack, -1, SQLITE_STATIC);
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (rows++ == 0)
            fprintf(out, "%-28s %-12s %-8s %-12s %s\n", "API", "CATEGORY", "SEVERITY", "CONFIDENCE", "PACK");
        fprintf(out, "%-28s %-12s %-8s %-12s %s\n", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
                sqlite3_column_text(st, 2), sqlite3_column_text(st, 3), sqlite3_column_text(st, 4));
    }
    sqlite3_finalize(st);
    if (rows)
        fprintf(out, "%d APIs\n", rows);
    return rows > 0;
}

void al_rules_print_packs(al_rules *r, FILE *out)
{
    sqlite3_stmt *st;
    sqlite3_prepare_v2(r->db,
                       "SELECT name, digest, (SELECT count(*) FROM apis WHERE apis.pack = packs.name) "
                       "FROM packs ORDER BY rowid",
                       -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW)
        fprintf(out, "  %-18s format 1  %3d APIs  digest %s\n", sqlite3_column_text(st, 0), sqlite3_column_int(st, 2),
                sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
}

bool al_rules_print_show(al_rules *r, FILE *out, const char *name)
{
    sqlite3_stmt *st;
    bool found = false;
    sqlite3_prepare_v2(r->db,
                       "SELECT name, pack, category, severity, confidence, why, fix, unless, only_if, definite_if, "
                       "definite_category FROM apis WHERE name = ?1",
                       -1, &st, NULL);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        found = true;
        fprintf(out, "%s  [%s, %s, %s] from pack %s\n", sqlite3_column_text(st, 0), sqlite3_column_text(st, 2),
                sqlite3_column_text(st, 3), sqlite3_column_text(st, 4), sqlite3_column_text(st, 1));
        fprintf(out, "  why: %s\n  fix: %s\n", sqlite3_column_text(st, 5), sqlite3_column_text(st, 6));
        if (sqlite3_column_type(st, 7) != SQLITE_NULL)
            fprintf(out, "  not blocking when any of: %s\n", sqlite3_column_text(st, 7));
        if (sqlite3_column_type(st, 8) != SQLITE_NULL)
            fprintf(out, "  blocking only when all of: %s\n", sqlite3_column_text(st, 8));
        if (sqlite3_column_type(st, 9) != SQLITE_NULL)
            fprintf(out, "  blocking for certain (%s) when all of: %s\n", sqlite3_column_text(st, 10),
                    sqlite3_column_text(st, 9));
        sqlite3_finalize(st);
        sqlite3_prepare_v2(r->db, "SELECT family, fix FROM fixes WHERE api = ?1 ORDER BY family", -1, &st, NULL);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW)
            fprintf(out, "  fix in %s handlers: %s\n", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    /* context rules are browsable by their pattern too: uv_read_cb, pthread_create */
    sqlite3_prepare_v2(r->db,
                       "SELECT role, kind, pack, callback_type, call, arg, field FROM contexts "
                       "WHERE callback_type = ?1 OR call = ?1 OR field = ?1",
                       -1, &st, NULL);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        found = true;
        if (sqlite3_column_type(st, 4) != SQLITE_NULL)
            fprintf(out, "%s argument %d: %s context, %s (pack %s)\n", name, sqlite3_column_int(st, 5),
                    sqlite3_column_text(st, 0), sqlite3_column_text(st, 1), sqlite3_column_text(st, 2));
        else
            fprintf(out, "%s: %s context, %s (pack %s)\n", name, sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
                    sqlite3_column_text(st, 2));
    }
    sqlite3_finalize(st);
    return found;
}

const char *al_severity_name(al_severity s)
{
    return s == AL_SEVERITY_ERROR ? "error" : s == AL_SEVERITY_WARNING ? "warning" : "note";
}

bool al_severity_parse(const char *s, al_severity *out)
{
    if (!s)
        return false;
    if (strcmp(s, "error") == 0)
        *out = AL_SEVERITY_ERROR;
    else if (strcmp(s, "warning") == 0)
        *out = AL_SEVERITY_WARNING;
    else if (strcmp(s, "note") == 0)
        *out = AL_SEVERITY_NOTE;
    else
        return false;
    return true;
}
