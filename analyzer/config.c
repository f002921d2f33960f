/* config: .asynclock.json -> settings and one in-memory rule pack. */
#include "config.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "jsonfile.h"
#include "rules.h"

char *al_config_find(const char *start)
{
    static const char *const name[] = {AL_CONFIG_NAME};
    return al_find_upward(start, name, 1);
}

typedef struct reader {
    al_jsonfile *jf;
    char **error;
} reader;

/* An error at the value of `where` ("blocking/2/category"), naming it as people write it
 * ("blocking[2].category"). */
static bool fail(reader *rd, const char *where, const char *message)
{
    al_strbuf dotted = {0};
    for (const char *p = where; *p;) {
        size_t n = strcspn(p, "/");
        if (isdigit((unsigned char)*p))
            al_strbuf_appendf(&dotted, "[%.*s]", (int)n, p);
        else
            al_strbuf_appendf(&dotted, "%s%.*s", dotted.len ? "." : "", (int)n, p);
        p += n + (p[n] == '/');
    }
    *rd->error = al_jsonfile_error(rd->jf, where, "\"%s\": %s", dotted.data ? dotted.data : "", message);
    al_strbuf_free(&dotted);
    return false;
}

static bool is_nonempty_string(const cJSON *v)
{
    return cJSON_IsString(v) && *v->valuestring;
}

/* An array of non-empty strings; each is passed to `take`. */
static bool string_list(reader *rd, const cJSON *v, const char *key, void (*take)(void *, const char *), void *data)
{
    if (!cJSON_IsArray(v))
        return fail(rd, key, "must be an array of strings");
    int i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, v)
    {
        if (!is_nonempty_string(item)) {
            char where[64];
            snprintf(where, sizeof(where), "%s/%d", key, i);
            return fail(rd, where, "must be a non-empty string");
        }
        take(data, item->valuestring);
        i++;
    }
    return true;
}

typedef struct string_target {
    al_config *c;
    void *vec; /* an AL_VEC(char *) */
    bool absolute;
} string_target;

static void push_string(void *data, const char *s)
{
    string_target *t = data;
    AL_VEC(char *) *vec = t->vec;
    AL_VEC_PUSH(*vec, t->absolute ? al_path_absolute(s, t->c->folder) : al_xstrdup(s));
}

static void push_json_string(void *data, const char *s)
{
    cJSON_AddItemToArray(data, cJSON_CreateString(s));
}

/* The keys of `object` must be among `allowed` (NULL-terminated). */
static bool only_keys(reader *rd, const cJSON *object, const char *where, const char *const *allowed)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, object)
    {
        bool known = false;
        for (int i = 0; allowed[i] && !known; i++)
            known = strcmp(item->string, allowed[i]) == 0;
        if (!known) {
            char *path = al_xasprintf("%s%s%s", where, *where ? "/" : "", item->string);
            fail(rd, path, "unknown key");
            free(path);
            return false;
        }
    }
    return true;
}

/* An optional non-empty string member of entry `where`; false (error set) when it has another type. */
static bool optional_string(reader *rd, const cJSON *entry, const char *where, const char *key, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(entry, key);
    *out = NULL;
    if (!v)
        return true;
    if (!is_nonempty_string(v)) {
        char *path = al_xasprintf("%s/%s", where, key);
        fail(rd, path, "must be a non-empty string");
        free(path);
        return false;
    }
    *out = v->valuestring;
    return true;
}

/* "handlers" / "workers": ["on_*", {"name": "on_*", "kind": "..."}, {"function": "exact"}] ->
 * name_pattern contexts of the pack. */
static bool contexts(reader *rd, const cJSON *list, const char *key, const char *role, cJSON *out)
{
    if (!cJSON_IsArray(list))
        return fail(rd, key, "must be an array of names, globs or {\"name\"|\"function\", \"kind\"} objects");
    static const char *const keys[] = {"name", "function", "kind", NULL};
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
    {
        char where[64];
        snprintf(where, sizeof(where), "%s/%d", key, i++);
        const char *name = NULL, *function = NULL, *kind = NULL;
        if (is_nonempty_string(e)) {
            name = e->valuestring;
        } else if (!cJSON_IsObject(e)) {
            return fail(rd, where, "must be a name, a glob, or an object");
        } else if (!only_keys(rd, e, where, keys) || !optional_string(rd, e, where, "name", &name) ||
                   !optional_string(rd, e, where, "function", &function) ||
                   !optional_string(rd, e, where, "kind", &kind)) {
            return false;
        }
        if ((name != NULL) == (function != NULL))
            return fail(rd, where, "needs exactly one of \"name\" (a glob) and \"function\" (an exact name)");
        const char *pattern = name ? name : function;
        if (function && strpbrk(function, "*?["))
            return fail(rd, where, "\"function\" is an exact name; use \"name\" for a glob");
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "role", role);
        cJSON_AddStringToObject(c, "name_pattern", pattern);
        if (kind)
            cJSON_AddStringToObject(c, "kind", kind);
        else
            cJSON_AddItemToObject(c, "kind",
                                  cJSON_CreateString(strcmp(role, "handler") == 0 ? "a handler by the configuration"
                                                                                  : "a worker by the configuration"));
        cJSON_AddItemToArray(out, c);
    }
    return true;
}

static bool in_list(const char *s, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

/* "blocking": [{"name", "category", "severity", "why", "fix"}] -> apis of the pack. They apply even
 * where the program defines the function: declaring it blocking is the point. */
static bool blocking(reader *rd, const cJSON *list, cJSON *out, cJSON *fixes)
{
    if (!cJSON_IsArray(list))
        return fail(rd, "blocking", "must be an array of {\"name\", \"category\", \"why\", \"fix\"} objects");
    static const char *const keys[] = {"name", "category", "severity", "why", "fix", NULL};
    static const char *const severities[] = {"error", "warning", "note", NULL};
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
    {
        char where[64], path[96];
        snprintf(where, sizeof(where), "blocking/%d", i++);
        const char *name, *category, *severity, *why, *fix;
        if (!cJSON_IsObject(e))
            return fail(rd, where, "must be an object");
        if (!only_keys(rd, e, where, keys) || !optional_string(rd, e, where, "name", &name) ||
            !optional_string(rd, e, where, "category", &category) ||
            !optional_string(rd, e, where, "severity", &severity) || !optional_string(rd, e, where, "why", &why) ||
            !optional_string(rd, e, where, "fix", &fix))
            return false;
        if (!name)
            return fail(rd, where, "missing \"name\"");
        snprintf(path, sizeof(path), "%s/category", where);
        if (category && !in_list(category, al_rules_categories()))
            return fail(rd, path, "unknown category");
        snprintf(path, sizeof(path), "%s/severity", where);
        if (severity && !in_list(severity, severities))
            return fail(rd, path, "must be error, warning or note");
        cJSON *api = cJSON_CreateObject();
        cJSON_AddStringToObject(api, "name", name);
        cJSON_AddStringToObject(api, "category", category ? category : "custom");
        cJSON_AddStringToObject(api, "severity", severity ? severity : "error");
        cJSON_AddStringToObject(api, "confidence", "definite");
        cJSON_AddStringToObject(api, "why", why ? why : "declared blocking in the project's configuration");
        cJSON_AddStringToObject(api, "fix",
                                fix ? fix : "call it from a worker thread and deliver the result to the loop");
        cJSON_AddBoolToObject(api, "match_definitions", true);
        cJSON_AddItemToArray(out, api);
        if (fix) {
            /* the project's own words beat a loop family's fix for the category */
            cJSON *f = cJSON_CreateObject();
            cJSON_AddStringToObject(f, "family", "*");
            cJSON_AddStringToObject(f, "api", name);
            cJSON_AddStringToObject(f, "fix", fix);
            cJSON_AddItemToArray(fixes, f);
        }
    }
    return true;
}

static bool categories(reader *rd, const cJSON *v, al_config *c)
{
    if (!cJSON_IsObject(v))
        return fail(rd, "categories", "must be an object of category: true|false");
    const cJSON *item;
    cJSON_ArrayForEach(item, v)
    {
        char *where = al_xasprintf("categories/%s", item->string);
        bool ok = in_list(item->string, al_rules_categories())
                      ? cJSON_IsBool(item) || fail(rd, where, "must be true or false")
                      : fail(rd, where, "unknown category");
        free(where);
        if (!ok)
            return false;
        if (cJSON_IsFalse(item))
            AL_VEC_PUSH(c->off_categories, al_xstrdup(item->string));
    }
    return true;
}

/* "programs": [{"name": "server", "units": ["src/server/", "src/common/x.c"]}, ...] */
static bool programs(reader *rd, const cJSON *list, al_config *c)
{
    if (!cJSON_IsArray(list))
        return fail(rd, "programs", "must be an array of {\"name\", \"units\"} objects");
    static const char *const keys[] = {"name", "units", NULL};
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
    {
        char where[64];
        snprintf(where, sizeof(where), "programs/%d", i++);
        const char *name;
        if (!cJSON_IsObject(e))
            return fail(rd, where, "must be an object");
        if (!only_keys(rd, e, where, keys) || !optional_string(rd, e, where, "name", &name))
            return false;
        if (!name)
            return fail(rd, where, "missing \"name\"");
        for (size_t k = 0; k < c->programs.count; k++)
            if (strcmp(c->programs.items[k].name, name) == 0) {
                char path[96];
                snprintf(path, sizeof(path), "%s/name", where);
                return fail(rd, path, "names a program twice");
            }
        char path[96];
        snprintf(path, sizeof(path), "%s/units", where);
        const cJSON *units = cJSON_GetObjectItemCaseSensitive(e, "units");
        if (!units)
            return fail(rd, where, "missing \"units\" (globs of the files of its units)");
        AL_VEC(char *) globs = {0};
        string_target t = {c, &globs, false};
        if (!string_list(rd, units, path, push_string, &t)) {
            for (size_t k = 0; k < globs.count; k++)
                free(globs.items[k]);
            free(globs.items);
            return false;
        }
        al_config_program p = {al_xstrdup(name), globs.items, globs.count};
        AL_VEC_PUSH(c->programs, p);
    }
    return true;
}

/* Every setting but the declarations. */
static bool settings(reader *rd, const cJSON *root, al_config *c)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (v && !(cJSON_IsNumber(v) && v->valuedouble == 1))
        return fail(rd, "version", "unsupported version: this asynclock reads version 1");
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "rules"))) {
        string_target t = {c, &c->rule_paths, true};
        if (!string_list(rd, v, "rules", push_string, &t))
            return false;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "exclude"))) {
        string_target t = {c, &c->exclude, false};
        if (!string_list(rd, v, "exclude", push_string, &t))
            return false;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "categories")) && !categories(rd, v, c))
        return false;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "conditional"))) {
        if (!cJSON_IsBool(v))
            return fail(rd, "conditional", "must be true or false");
        c->conditional = cJSON_IsTrue(v);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "fail-on"))) {
        static const char *const levels[] = {"error", "warning", "note", "never", NULL};
        if (!cJSON_IsString(v) || !in_list(v->valuestring, levels))
            return fail(rd, "fail-on", "must be error, warning, note or never");
        c->fail_on = al_xstrdup(v->valuestring);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "programs")) && !programs(rd, v, c))
        return false;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "source-root"))) {
        if (!is_nonempty_string(v))
            return fail(rd, "source-root", "must be a non-empty string (a folder)");
        c->source_root = al_path_absolute(v->valuestring, c->folder);
    }
    return true;
}

/* handlers, workers, blocking, nonblocking -> c->pack, or NULL when the file declares nothing. */
static bool declarations(reader *rd, const cJSON *root, al_config *c)
{
    cJSON *pack = cJSON_CreateObject();
    c->pack_name = al_xasprintf("config:%s", c->path);
    cJSON_AddStringToObject(pack, "pack", c->pack_name);
    cJSON_AddNumberToObject(pack, "version", 1);
    cJSON_AddStringToObject(pack, "description", "declarations of the project's " AL_CONFIG_NAME);
    cJSON *ctx = cJSON_AddArrayToObject(pack, "contexts");
    cJSON *apis = cJSON_AddArrayToObject(pack, "apis");
    cJSON *nonblocking = cJSON_AddArrayToObject(pack, "nonblocking");
    cJSON *fixes = cJSON_AddArrayToObject(pack, "fixes");
    const cJSON *v;
    bool ok = true;
    if (ok && (v = cJSON_GetObjectItemCaseSensitive(root, "handlers")))
        ok = contexts(rd, v, "handlers", "handler", ctx);
    if (ok && (v = cJSON_GetObjectItemCaseSensitive(root, "workers")))
        ok = contexts(rd, v, "workers", "worker", ctx);
    if (ok && (v = cJSON_GetObjectItemCaseSensitive(root, "blocking")))
        ok = blocking(rd, v, apis, fixes);
    if (ok && (v = cJSON_GetObjectItemCaseSensitive(root, "nonblocking")))
        ok = string_list(rd, v, "nonblocking", push_json_string, nonblocking);
    if (ok && (cJSON_GetArraySize(ctx) || cJSON_GetArraySize(apis) || cJSON_GetArraySize(nonblocking)))
        c->pack = cJSON_PrintUnformatted(pack);
    cJSON_Delete(pack);
    return ok;
}

/* `text` is NULL to read `path`, else the file's `len` bytes. */
static bool load(al_config *c, const char *path, const char *text, size_t len, char **error)
{
    memset(c, 0, sizeof(*c));
    c->conditional = -1;
    c->path = al_path_absolute(path, NULL);
    c->folder = al_xstrdup(c->path);
    char *slash = strrchr(c->folder, '/');
    slash[slash == c->folder ? 1 : 0] = '\0';
    al_jsonfile jf;
    if (!(text ? al_jsonfile_parse(&jf, path, text, len, error) : al_jsonfile_load(&jf, path, error))) {
        al_jsonfile_free(&jf);
        return false;
    }
    reader rd = {&jf, error};
    static const char *const keys[] = {"version",     "rules",      "handlers",    "workers", "blocking",
                                       "nonblocking", "categories", "conditional", "exclude", "fail-on",
                                       "source-root", "programs",   NULL};
    bool ok = (cJSON_IsObject(jf.root) || fail(&rd, "", "a configuration must be a JSON object")) &&
              only_keys(&rd, jf.root, "", keys) && settings(&rd, jf.root, c) && declarations(&rd, jf.root, c);
    al_jsonfile_free(&jf);
    return ok;
}

bool al_config_load(al_config *c, const char *path, char **error)
{
    return load(c, path, NULL, 0, error);
}

bool al_config_parse(al_config *c, const char *path, const char *text, size_t len, char **error)
{
    return load(c, path, text ? text : "", len, error);
}

static void free_strings(char **items, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(items[i]);
    free(items);
}

void al_config_free(al_config *c)
{
    free_strings(c->rule_paths.items, c->rule_paths.count);
    free_strings(c->off_categories.items, c->off_categories.count);
    free_strings(c->exclude.items, c->exclude.count);
    if (c->pack)
        cJSON_free(c->pack);
    free(c->pack_name);
    free(c->fail_on);
    free(c->source_root);
    for (size_t i = 0; i < c->programs.count; i++) {
        free(c->programs.items[i].name);
        free_strings(c->programs.items[i].units, c->programs.items[i].unit_count);
    }
    AL_VEC_FREE(c->programs);
    free(c->path);
    free(c->folder);
    memset(c, 0, sizeof(*c));
}

bool al_config_path_excluded(const char *file, const char *base, char *const *patterns, size_t count)
{
    const char *relative = al_path_relative_to(file, base);
    for (size_t i = 0; i < count; i++) {
        const char *pattern = patterns[i];
        size_t n = strlen(pattern);
        /* "third_party/" names the folder: everything under it */
        char *folder = n && pattern[n - 1] == '/' ? al_xasprintf("%s*", pattern) : NULL;
        /* without FNM_PATHNAME, '*' already crosses '/', so "**" needs no special case */
        bool match = fnmatch(folder ? folder : pattern, relative, 0) == 0;
        free(folder);
        if (match)
            return true;
    }
    return false;
}
