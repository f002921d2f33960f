/* baseline: read, write and compare accepted findings. */
#include "baseline.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonfile.h"

static const char *const string_keys[] = {"rule", "category", "file", "function", "callee", "call", "handler"};

/* The string fields of an entry in the order of string_keys. */
static char **entry_field(al_baseline_entry *e, size_t i)
{
    char **fields[] = {&e->rule, &e->category, &e->file, &e->function, &e->callee, &e->call, &e->handler};
    return fields[i];
}

static bool is_fingerprint(const char *s)
{
    if (strlen(s) != 16)
        return false;
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789abcdef", *p))
            return false;
    return true;
}

static bool load_entry(al_baseline_entry *e, const al_jsonfile *jf, const cJSON *item, int index, char **error)
{
    char where[64];
    snprintf(where, sizeof(where), "entries/%d", index);
    if (!cJSON_IsObject(item)) {
        *error = al_jsonfile_error(jf, where, "baseline entry %d is not an object", index);
        return false;
    }
    const cJSON *fp = cJSON_GetObjectItemCaseSensitive(item, "fingerprint");
    if (!cJSON_IsString(fp) || !is_fingerprint(fp->valuestring)) {
        *error = al_jsonfile_error(jf, where, "baseline entry %d needs \"fingerprint\": 16 hex digits", index);
        return false;
    }
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(item, "count");
    if (count && (!cJSON_IsNumber(count) || count->valuedouble < 1 || count->valuedouble > 1e9 ||
                  count->valuedouble != (double)(size_t)count->valuedouble)) {
        *error = al_jsonfile_error(jf, where, "baseline entry %d: \"count\" must be a whole number from 1", index);
        return false;
    }
    e->fingerprint = al_xstrdup(fp->valuestring);
    e->count = count ? (size_t)count->valuedouble : 1;
    for (size_t k = 0; k < sizeof(string_keys) / sizeof(string_keys[0]); k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, string_keys[k]);
        *entry_field(e, k) = al_xstrdup(cJSON_IsString(v) ? v->valuestring : "");
    }
    const cJSON *reason = cJSON_GetObjectItemCaseSensitive(item, "reason");
    if (reason && !cJSON_IsNull(reason) && !cJSON_IsString(reason)) {
        *error = al_jsonfile_error(jf, where, "baseline entry %d: \"reason\" must be a string", index);
        return false;
    }
    e->reason = cJSON_IsString(reason) ? al_xstrdup(reason->valuestring) : NULL;
    return true;
}

/* `text` is NULL to read `path`, else the file's `len` bytes. */
static bool load(al_baseline_entries *out, const char *path, const char *text, size_t len, char **error)
{
    memset(out, 0, sizeof(*out));
    al_jsonfile jf;
    if (!(text ? al_jsonfile_parse(&jf, path, text, len, error) : al_jsonfile_load(&jf, path, error))) {
        al_jsonfile_free(&jf);
        return false;
    }
    bool ok = false;
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(jf.root, "version");
    const cJSON *entries = cJSON_GetObjectItemCaseSensitive(jf.root, "entries");
    if (!cJSON_IsObject(jf.root) || !cJSON_IsNumber(version) || !cJSON_IsArray(entries)) {
        *error = al_jsonfile_error(&jf, "", "not an asynclock baseline (needs \"version\" and \"entries\")");
    } else if (version->valuedouble != AL_BASELINE_VERSION) {
        *error = al_jsonfile_error(&jf, "version", "baseline version %g is not supported (this asynclock reads %d)",
                                   version->valuedouble, AL_BASELINE_VERSION);
    } else {
        ok = true;
        int index = 0;
        const cJSON *item;
        cJSON_ArrayForEach(item, entries)
        {
            al_baseline_entry e = {0};
            if (!load_entry(&e, &jf, item, index++, error)) {
                al_baseline_entry_free(&e);
                ok = false;
                break;
            }
            AL_VEC_PUSH(*out, e);
        }
    }
    al_jsonfile_free(&jf);
    if (!ok)
        al_baseline_free(out);
    return ok;
}

bool al_baseline_load(al_baseline_entries *out, const char *path, char **error)
{
    return load(out, path, NULL, 0, error);
}

bool al_baseline_parse(al_baseline_entries *out, const char *path, const char *text, size_t len, char **error)
{
    return load(out, path, text ? text : "", len, error);
}

static int compare_entries(const void *a, const void *b)
{
    const al_baseline_entry *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    if (!c)
        c = strcmp(x->function, y->function);
    if (!c)
        c = strcmp(x->call, y->call);
    return c ? c : strcmp(x->fingerprint, y->fingerprint);
}

/* Fingerprint -> index of the first entry that has it, through the interner's dense ids, so
 * matching stays linear in the findings and entries. */
typedef struct fingerprint_index {
    al_strtab ids;
    AL_VEC(size_t) entry; /* by id; SIZE_MAX: none */
} fingerprint_index;

static void index_add(fingerprint_index *ix, const char *fingerprint, size_t entry)
{
    uint32_t id = al_strtab_intern(&ix->ids, fingerprint);
    while (ix->entry.count <= id)
        AL_VEC_PUSH(ix->entry, SIZE_MAX);
    if (ix->entry.items[id] == SIZE_MAX)
        ix->entry.items[id] = entry;
}

static void index_init(fingerprint_index *ix, const al_baseline_entries *entries)
{
    memset(ix, 0, sizeof(*ix));
    al_strtab_init(&ix->ids);
    for (size_t i = 0; entries && i < entries->count; i++)
        index_add(ix, entries->items[i].fingerprint, i);
}

static size_t index_find(const fingerprint_index *ix, const char *fingerprint)
{
    uint32_t id = al_strtab_find(&ix->ids, fingerprint);
    return id == UINT32_MAX || id >= ix->entry.count ? SIZE_MAX : ix->entry.items[id];
}

static void index_free(fingerprint_index *ix)
{
    al_strtab_free(&ix->ids);
    AL_VEC_FREE(ix->entry);
}

/* Whether entry `e` names the finding by its fields (rule, category, file, function, call): how an
 * entry written before fingerprints left the handler out (asynclock 0.1) still matches. */
static bool same_identity(const al_baseline_entry *e, const al_finding *x, const char *root)
{
    return strcmp(e->rule, x->rule) == 0 && strcmp(e->category, x->category) == 0 &&
           strcmp(e->file, al_path_relative_to(x->loc.file, root)) == 0 && strcmp(e->function, x->function) == 0 &&
           strcmp(e->call, x->call) == 0;
}

void al_baseline_from_findings(al_baseline_entries *out, const al_findings *f, const al_baseline_entries *previous)
{
    memset(out, 0, sizeof(*out));
    fingerprint_index mine, old_index;
    index_init(&mine, NULL);
    index_init(&old_index, previous);
    for (size_t i = 0; i < f->items.count; i++) {
        const al_finding *x = &f->items.items[i];
        size_t same = index_find(&mine, x->fingerprint);
        if (same != SIZE_MAX) {
            out->items[same].count++;
            continue;
        }
        size_t k = index_find(&old_index, x->fingerprint);
        for (size_t j = 0; k == SIZE_MAX && previous && j < previous->count; j++)
            if (same_identity(&previous->items[j], x, f->source_root))
                k = j; /* an entry of an older fingerprint: its reason carries over */
        const al_baseline_entry *old = k == SIZE_MAX ? NULL : &previous->items[k];
        al_baseline_entry e = {al_xstrdup(x->fingerprint),
                               al_xstrdup(x->rule),
                               al_xstrdup(x->category),
                               al_xstrdup(al_path_relative_to(x->loc.file, f->source_root)),
                               al_xstrdup(x->function),
                               al_xstrdup(x->callee),
                               al_xstrdup(x->call),
                               al_xstrdup(x->handlers[0].name),
                               old && old->reason ? al_xstrdup(old->reason) : NULL,
                               1};
        index_add(&mine, e.fingerprint, out->count);
        AL_VEC_PUSH(*out, e);
    }
    index_free(&mine);
    index_free(&old_index);
    if (out->count > 1)
        qsort(out->items, out->count, sizeof(*out->items), compare_entries);
}

void al_baseline_write(FILE *out, const al_baseline_entries *entries, const char *tool_version)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "version", AL_BASELINE_VERSION);
    char *tool = al_xasprintf("asynclock %s", tool_version);
    cJSON_AddStringToObject(root, "tool", tool);
    free(tool);
    cJSON *list = cJSON_AddArrayToObject(root, "entries");
    for (size_t i = 0; i < entries->count; i++) {
        al_baseline_entry *e = &entries->items[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "fingerprint", e->fingerprint);
        for (size_t k = 0; k < sizeof(string_keys) / sizeof(string_keys[0]); k++)
            cJSON_AddStringToObject(o, string_keys[k], *entry_field(e, k));
        cJSON_AddNumberToObject(o, "count", (double)e->count);
        if (e->reason)
            cJSON_AddStringToObject(o, "reason", e->reason);
        cJSON_AddItemToArray(list, o);
    }
    char *text = cJSON_Print(root);
    fputs(text, out);
    fputc('\n', out);
    cJSON_free(text);
    cJSON_Delete(root);
}

static void copy_entry(al_baseline_entry *to, const al_baseline_entry *from, size_t count)
{
    to->fingerprint = al_xstrdup(from->fingerprint);
    for (size_t k = 0; k < sizeof(string_keys) / sizeof(string_keys[0]); k++)
        *entry_field(to, k) = al_xstrdup(*entry_field((al_baseline_entry *)from, k));
    to->reason = from->reason ? al_xstrdup(from->reason) : NULL;
    to->count = count;
}

void al_baseline_apply(al_findings *f, const al_baseline_entries *baseline)
{
    size_t *used = al_xcalloc(baseline->count + 1, sizeof(*used));
    fingerprint_index ix;
    index_init(&ix, baseline);
    /* by fingerprint first, then what is left by the identity's fields */
    for (size_t i = 0; i < f->items.count; i++) {
        al_finding *x = &f->items.items[i];
        size_t k = index_find(&ix, x->fingerprint);
        if (k != SIZE_MAX && used[k] < baseline->items[k].count) {
            used[k]++;
            x->baseline = AL_BASELINE_UNCHANGED;
        } else {
            x->baseline = AL_BASELINE_NEW;
        }
    }
    for (size_t i = 0; i < f->items.count; i++) {
        al_finding *x = &f->items.items[i];
        for (size_t k = 0; x->baseline == AL_BASELINE_NEW && k < baseline->count; k++) {
            if (used[k] < baseline->items[k].count && same_identity(&baseline->items[k], x, f->source_root)) {
                used[k]++;
                x->baseline = AL_BASELINE_UNCHANGED;
            }
        }
    }
    for (size_t k = 0; k < baseline->count; k++) {
        if (used[k] >= baseline->items[k].count)
            continue;
        al_baseline_entry gone = {0};
        copy_entry(&gone, &baseline->items[k], baseline->items[k].count - used[k]);
        AL_VEC_PUSH(f->gone, gone);
    }
    free(used);
    index_free(&ix);
    f->baselined = true;
}

void al_baseline_free(al_baseline_entries *entries)
{
    for (size_t i = 0; i < entries->count; i++)
        al_baseline_entry_free(&entries->items[i]);
    AL_VEC_FREE(*entries);
}
