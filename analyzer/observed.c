/* observed: trace files read, and joined to the findings (see observed.h). */
#include "observed.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jsonfile.h"

/* ---- blocked time ---- */

uint64_t al_stall_percentile(const al_hist_bins *bins, uint64_t calls, double q, uint64_t min, uint64_t max)
{
    if (calls == 0 || bins->count == 0)
        return 0;
    double wanted = q * (double)calls;
    uint64_t rank = (uint64_t)wanted, seen = 0;
    if ((double)rank < wanted)
        rank++; /* the rank-th call, rounded up */
    if (rank == 0)
        rank = 1;
    uint64_t value = max;
    for (size_t i = 0; i < bins->count; i++) {
        seen += bins->items[i].count;
        if (seen >= rank) {
            const al_hist_bin *b = &bins->items[i];
            value = b->low + (b->high - b->low - 1) / 2;
            break;
        }
    }
    if (value < min)
        value = min;
    if (value > max)
        value = max;
    return value;
}

void al_format_duration(char *out, size_t cap, uint64_t ns)
{
    static const char *const units[] = {"ns", "us", "ms", "s"};
    double v = (double)ns;
    int u = 0;
    while (u < 3 && v >= 999.5) {
        v /= 1000;
        u++;
    }
    if (u == 0)
        snprintf(out, cap, "%llu ns", (unsigned long long)ns);
    else if (v >= 99.95)
        snprintf(out, cap, "%.0f %s", v, units[u]);
    else if (v >= 9.995)
        snprintf(out, cap, "%.1f %s", v, units[u]);
    else
        snprintf(out, cap, "%.2f %s", v, units[u]);
}

static int by_low(const void *a, const void *b)
{
    const al_hist_bin *x = a, *y = b;
    return x->low < y->low ? -1 : x->low > y->low;
}

/* Adds `from` into `into` (both sorted by low bound), bins of equal bounds summed. */
static void merge_bins(al_hist_bins *into, const al_hist_bins *from)
{
    for (size_t i = 0; i < from->count; i++)
        AL_VEC_PUSH(*into, from->items[i]);
    if (into->count > 1)
        qsort(into->items, into->count, sizeof(al_hist_bin), by_low);
    size_t n = 0;
    for (size_t i = 0; i < into->count; i++) {
        if (n && into->items[n - 1].low == into->items[i].low && into->items[n - 1].high == into->items[i].high)
            into->items[n - 1].count += into->items[i].count;
        else
            into->items[n++] = into->items[i];
    }
    into->count = n;
}

/* ---- reading trace files ---- */

static bool whole_number(const cJSON *v)
{
    return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 9007199254740992.0 &&
           v->valuedouble == (double)(uint64_t)v->valuedouble;
}

void al_trace_frames_free(al_trace_frame *frames, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(frames[i].function);
        free(frames[i].file);
        free(frames[i].module);
    }
}

static void free_site(al_trace_site *s)
{
    free(s->api);
    free(s->symbol);
    free(s->category);
    free(s->program);
    AL_VEC_FREE(s->histogram);
    al_trace_frames_free(s->stack.items, s->stack.count);
    AL_VEC_FREE(s->stack);
}

static char *optional_string(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? al_xstrdup(v->valuestring) : NULL;
}

static bool read_frame(al_trace_frame *f, const al_jsonfile *jf, const cJSON *item, const char *where, char **error)
{
    if (!cJSON_IsObject(item)) {
        *error = al_jsonfile_error(jf, where, "a stack frame must be an object");
        return false;
    }
    static const char *const strings[] = {"function", "file", "module"};
    for (int k = 0; k < 3; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, strings[k]);
        if (v && !cJSON_IsString(v) && !cJSON_IsNull(v)) {
            *error = al_jsonfile_error(jf, where, "\"%s\" must be a string or null", strings[k]);
            return false;
        }
    }
    const cJSON *line = cJSON_GetObjectItemCaseSensitive(item, "line");
    if (line && (!whole_number(line) || line->valuedouble > UINT_MAX)) {
        *error = al_jsonfile_error(jf, where, "\"line\" must be a whole number");
        return false;
    }
    const cJSON *offset = cJSON_GetObjectItemCaseSensitive(item, "offset");
    char *end = NULL;
    if (offset && (!cJSON_IsString(offset) || strncmp(offset->valuestring, "0x", 2) != 0 ||
                   (strtoull(offset->valuestring, &end, 16), *end))) {
        *error = al_jsonfile_error(jf, where, "\"offset\" must be a hexadecimal string such as \"0x1a2b\"");
        return false;
    }
    f->function = optional_string(item, "function");
    f->module = optional_string(item, "module");
    f->offset = offset ? strtoull(offset->valuestring, NULL, 16) : 0;
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(item, "file");
    if (cJSON_IsString(file) && *file->valuestring && line && line->valuedouble >= 1) {
        /* relative: a library built elsewhere, never a finding's file (those are absolute) */
        f->file =
            file->valuestring[0] == '/' ? al_path_absolute(file->valuestring, NULL) : al_xstrdup(file->valuestring);
        f->line = (unsigned)line->valuedouble;
    }
    return true;
}

static bool read_site(al_trace_site *s, const al_jsonfile *jf, const cJSON *item, int index, char **error)
{
    char where[96];
    snprintf(where, sizeof(where), "sites/%d", index);
    if (!cJSON_IsObject(item)) {
        *error = al_jsonfile_error(jf, where, "site %d is not an object", index);
        return false;
    }
    const cJSON *api = cJSON_GetObjectItemCaseSensitive(item, "api");
    if (!cJSON_IsString(api) || !*api->valuestring) {
        *error = al_jsonfile_error(jf, where, "site %d needs \"api\": the blocking function's name", index);
        return false;
    }
    static const char *const numbers[] = {"calls", "total_ns", "min_ns", "max_ns"};
    uint64_t values[4];
    for (int k = 0; k < 4; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, numbers[k]);
        if (!whole_number(v)) {
            *error = al_jsonfile_error(jf, where, "site %d needs \"%s\": a whole number", index, numbers[k]);
            return false;
        }
        values[k] = (uint64_t)v->valuedouble;
    }
    if (values[2] > values[3]) {
        *error = al_jsonfile_error(jf, where, "site %d: \"min_ns\" is above \"max_ns\"", index);
        return false;
    }
    const cJSON *checked = cJSON_GetObjectItemCaseSensitive(item, "arguments_checked");
    if (checked && !cJSON_IsBool(checked)) {
        *error = al_jsonfile_error(jf, where, "site %d: \"arguments_checked\" must be true or false", index);
        return false;
    }
    const cJSON *histogram = cJSON_GetObjectItemCaseSensitive(item, "histogram");
    const cJSON *stack = cJSON_GetObjectItemCaseSensitive(item, "stack");
    if (!cJSON_IsArray(histogram) || !cJSON_IsArray(stack)) {
        *error = al_jsonfile_error(jf, where, "site %d needs \"histogram\" and \"stack\" arrays", index);
        return false;
    }
    s->api = al_xstrdup(api->valuestring);
    s->symbol = optional_string(item, "symbol");
    s->category = optional_string(item, "category");
    s->unchecked = cJSON_IsFalse(checked);
    const cJSON *tail = cJSON_GetObjectItemCaseSensitive(item, "tail_call");
    if (tail && !cJSON_IsBool(tail)) {
        *error = al_jsonfile_error(jf, where, "site %d: \"tail_call\" must be true or false", index);
        return false;
    }
    s->tail_call = cJSON_IsTrue(tail);
    s->stall.calls = values[0];
    s->stall.total_ns = values[1];
    s->stall.min_ns = values[2];
    s->stall.max_ns = values[3];
    uint64_t counted = 0;
    int b = 0;
    for (const cJSON *row = histogram->child; row; row = row->next, b++) {
        char at[128];
        snprintf(at, sizeof(at), "%s/histogram/%d", where, b);
        const cJSON *low = cJSON_GetArrayItem(row, 0), *high = cJSON_GetArrayItem(row, 1),
                    *count = cJSON_GetArrayItem(row, 2);
        if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != 3 || !whole_number(low) || !whole_number(high) ||
            !whole_number(count) || high->valuedouble <= low->valuedouble) {
            *error = al_jsonfile_error(jf, at, "a histogram bin is [low_ns, high_ns, calls] with low_ns < high_ns");
            return false;
        }
        al_hist_bin bin = {(uint64_t)low->valuedouble, (uint64_t)high->valuedouble, (uint64_t)count->valuedouble};
        counted += bin.count;
        AL_VEC_PUSH(s->histogram, bin);
    }
    if (counted != s->stall.calls) {
        *error = al_jsonfile_error(jf, where, "site %d: its histogram holds %llu calls, \"calls\" says %llu", index,
                                   (unsigned long long)counted, (unsigned long long)s->stall.calls);
        return false;
    }
    if (s->histogram.count > 1)
        qsort(s->histogram.items, s->histogram.count, sizeof(al_hist_bin), by_low);
    s->stall.p50_ns = al_stall_percentile(&s->histogram, counted, 0.5, s->stall.min_ns, s->stall.max_ns);
    s->stall.p99_ns = al_stall_percentile(&s->histogram, counted, 0.99, s->stall.min_ns, s->stall.max_ns);
    int f = 0;
    for (const cJSON *frame = stack->child; frame; frame = frame->next, f++) {
        char at[128];
        snprintf(at, sizeof(at), "%s/stack/%d", where, f);
        al_trace_frame fr = {0};
        if (!read_frame(&fr, jf, frame, at, error))
            return false;
        AL_VEC_PUSH(s->stack, fr);
    }
    return true;
}

/* `text` NULL: read `path`. */
static bool load(al_observations *o, const char *path, const char *text, size_t len, char **error)
{
    al_jsonfile jf;
    if (!(text ? al_jsonfile_parse(&jf, path, text, len, error) : al_jsonfile_load(&jf, path, error))) {
        al_jsonfile_free(&jf);
        return false;
    }
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(jf.root, "version");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(jf.root, "kind");
    const cJSON *sites = cJSON_GetObjectItemCaseSensitive(jf.root, "sites");
    const cJSON *pid = cJSON_GetObjectItemCaseSensitive(jf.root, "pid");
    bool ok = false;
    if (!cJSON_IsObject(jf.root) || !cJSON_IsString(kind) || strcmp(kind->valuestring, "asynclock-trace") != 0 ||
        !cJSON_IsNumber(version) || !cJSON_IsArray(sites)) {
        *error = al_jsonfile_error(&jf, "",
                                   "not an asynclock trace (needs \"kind\": \"asynclock-trace\", "
                                   "\"version\" and \"sites\"; written by asynclock trace)");
    } else if (version->valuedouble != AL_TRACE_FORMAT_VERSION) {
        *error = al_jsonfile_error(&jf, "version", "trace version %g is not supported (this asynclock reads %d)",
                                   version->valuedouble, AL_TRACE_FORMAT_VERSION);
    } else {
        char *name = al_xstrdup(path);
        AL_VEC_PUSH(o->files, name);
        ok = true;
        int index = 0;
        for (const cJSON *item = sites->child; item && ok; item = item->next, index++) {
            al_trace_site s = {0};
            ok = read_site(&s, &jf, item, index, error);
            if (!ok) {
                free_site(&s);
                break;
            }
            s.trace = name;
            s.program = optional_string(jf.root, "program");
            s.pid = cJSON_IsNumber(pid) ? (long)pid->valuedouble : 0;
            AL_VEC_PUSH(o->sites, s);
        }
    }
    if (*error)
        *error = al_one_line(*error);
    al_jsonfile_free(&jf);
    return ok;
}

bool al_observed_parse(al_observations *o, const char *path, const char *text, size_t len, char **error)
{
    *error = NULL;
    return load(o, path, text, len, error);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder's *.json files, in name order: a test suite's traces. */
static bool load_folder(al_observations *o, const char *folder, char **error)
{
    DIR *d = opendir(folder);
    if (!d) {
        *error = al_one_line(al_xasprintf("%s: error: cannot read: %s", folder, strerror(errno)));
        return false;
    }
    AL_VEC(char *) names = {0};
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0)
            AL_VEC_PUSH(names, al_xasprintf("%s/%s", folder, e->d_name));
    }
    closedir(d);
    if (names.count > 1)
        qsort(names.items, names.count, sizeof(char *), by_name);
    bool ok = names.count > 0;
    if (!ok)
        *error = al_one_line(al_xasprintf("%s: error: no trace file (*.json) in this folder", folder));
    for (size_t i = 0; ok && i < names.count; i++)
        ok = load(o, names.items[i], NULL, 0, error);
    for (size_t i = 0; i < names.count; i++)
        free(names.items[i]);
    AL_VEC_FREE(names);
    return ok;
}

bool al_observed_load(al_observations *o, char *const *paths, size_t count, char **error)
{
    *error = NULL;
    for (size_t i = 0; i < count; i++) {
        struct stat st;
        bool folder = stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode);
        if (!(folder ? load_folder(o, paths[i], error) : load(o, paths[i], NULL, 0, error)))
            return false;
    }
    return true;
}

/* ---- the join ---- */

typedef struct match_point {
    al_finding *finding;
    const char *callee;
    bool tail;     /* the call of the function whose last act is the blocking call: only the API's own frame */
    uint32_t next; /* the next point at the same place, + 1; 0: none */
} match_point;

typedef struct join_state {
    al_strtab places;       /* "file\nline" -> id */
    AL_VEC(uint32_t) first; /* by place id: the first point + 1 */
    AL_VEC(match_point) points;
    al_strtab canonical_in, canonical_out; /* path -> realpath, cached */
    AL_VEC(uint32_t) canonical;
} join_state;

/* The path with symbolic links resolved (when it exists), so a build through a symlinked folder
 * still matches what the debug information says. */
static const char *canonical(join_state *j, const char *path)
{
    uint32_t id = al_strtab_intern(&j->canonical_in, path);
    while (j->canonical.count <= id)
        AL_VEC_PUSH(j->canonical, UINT32_MAX);
    if (j->canonical.items[id] == UINT32_MAX) {
        char *real = path[0] == '/' ? realpath(path, NULL) : NULL;
        j->canonical.items[id] = al_strtab_intern(&j->canonical_out, real ? real : path);
        free(real);
    }
    return al_str(&j->canonical_out, j->canonical.items[id]);
}

static uint32_t place_id(join_state *j, const char *file, unsigned line, bool add)
{
    char *key = al_xasprintf("%s\n%u", canonical(j, file), line);
    uint32_t id = add ? al_strtab_intern(&j->places, key) : al_strtab_find(&j->places, key);
    free(key);
    while (add && j->first.count <= id)
        AL_VEC_PUSH(j->first, 0);
    return id;
}

static void add_point(join_state *j, al_finding *x, al_source_loc loc, const char *callee, bool tail)
{
    if (!loc.file || !loc.line)
        return;
    uint32_t id = place_id(j, loc.file, loc.line, true);
    for (uint32_t p = j->first.items[id]; p; p = j->points.items[p - 1].next)
        if (j->points.items[p - 1].finding == x && strcmp(j->points.items[p - 1].callee, callee) == 0 &&
            j->points.items[p - 1].tail == tail)
            return;
    match_point mp = {x, callee, tail, j->first.items[id]};
    AL_VEC_PUSH(j->points, mp);
    j->first.items[id] = (uint32_t)j->points.count;
}

/* A finding is where its blocking call is: its location, and the last step of each chain (the call
 * itself, when the location was moved into the source root). And, for a compiler that turned the
 * blocking call into the last act of its function (`jmp nanosleep`), the call of that function
 * one step before: the API returns there directly. */
static void add_finding(join_state *j, al_finding *x)
{
    add_point(j, x, x->loc, x->callee, false);
    for (size_t h = 0; h < x->handler_count; h++) {
        const al_finding_handler *fh = &x->handlers[h];
        if (fh->last)
            add_point(j, x, fh->last->call->loc, fh->last->callee, false);
        if (fh->last && fh->last->up)
            add_point(j, x, fh->last->up->call->loc, fh->last->callee, true);
    }
}

/* gcc writes some stdio calls as others (fputs of a literal as fwrite, printf("x\n") as puts,
 * fprintf(f, "%s", s) as fputs): the program calls one of these where the source says another. */
static bool same_stdio_write(const char *a, const char *b)
{
    static const char *const writes[] = {"fputs",    "fwrite", "fputc",   "putc", "fprintf",
                                         "vfprintf", "printf", "vprintf", "puts", "putchar"};
    bool in_a = false, in_b = false;
    for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
        in_a = in_a || strcmp(a, writes[i]) == 0;
        in_b = in_b || strcmp(b, writes[i]) == 0;
    }
    return in_a && in_b;
}

/* A callback's tail call left no frame of the callback: the finding it is, if only one finding has
 * a handler making that call itself. */
static al_finding *tail_call_finding(al_findings *f, const al_trace_site *s)
{
    al_finding *found = NULL;
    for (size_t i = 0; i < f->items.count + f->suppressed.count; i++) {
        al_finding *x = i < f->items.count ? &f->items.items[i] : &f->suppressed.items[i - f->items.count];
        if (strcmp(x->callee, s->api) != 0)
            continue;
        for (size_t h = 0; h < x->handler_count; h++) {
            if (x->handlers[h].chain_length != 1)
                continue;
            if (found && found != x)
                return NULL; /* ambiguous: observed only */
            found = x;
        }
    }
    return found;
}

/* The finding a site's stack explains: the nearest frame at a finding's blocking call, where the
 * function called there (the API itself for the innermost frame) is the finding's callee. */
static al_finding *explaining(join_state *j, al_findings *f, const al_trace_site *s)
{
    if (s->tail_call)
        return tail_call_finding(f, s);
    for (size_t k = 0; k < s->stack.count; k++) {
        const al_trace_frame *f = &s->stack.items[k];
        if (!f->file)
            continue;
        uint32_t id = place_id(j, f->file, f->line, false);
        if (id == UINT32_MAX || id >= j->first.count)
            continue;
        const char *called = k == 0 ? s->api : s->stack.items[k - 1].function;
        /* points are pushed to the front, the findings were added last first: the first match is
         * the earliest listed finding */
        for (uint32_t p = j->first.items[id]; p && called; p = j->points.items[p - 1].next) {
            const match_point *mp = &j->points.items[p - 1];
            if (mp->tail ? k == 0 && strcmp(s->api, mp->callee) == 0
                         : strcmp(called, mp->callee) == 0 || (k == 0 && same_stdio_write(called, mp->callee)))
                return mp->finding;
        }
    }
    return NULL;
}

static al_observation *new_observation(al_observations *o)
{
    al_observation *x = al_xcalloc(1, sizeof(*x));
    x->stall.min_ns = UINT64_MAX;
    AL_VEC_PUSH(o->own, x);
    return x;
}

/* Adds a site's blocked time to an observation; `bins` is the observation's histogram so far. */
static void add_site(al_observation *x, al_hist_bins *bins, const al_trace_site *s)
{
    x->stall.calls += s->stall.calls;
    x->stall.total_ns += s->stall.total_ns;
    if (s->stall.calls && s->stall.min_ns < x->stall.min_ns)
        x->stall.min_ns = s->stall.min_ns;
    if (s->stall.max_ns > x->stall.max_ns)
        x->stall.max_ns = s->stall.max_ns;
    merge_bins(bins, &s->histogram);
    x->stall.p50_ns = al_stall_percentile(bins, x->stall.calls, 0.5, x->stall.min_ns, x->stall.max_ns);
    x->stall.p99_ns = al_stall_percentile(bins, x->stall.calls, 0.99, x->stall.min_ns, x->stall.max_ns);
    if (!x->example || s->stall.total_ns > x->example->stall.total_ns)
        x->example = s;
    x->sites++;
}

static bool inside(const char *file, const char *root)
{
    size_t n = root ? strlen(root) : 0;
    return n && strncmp(file, root, n) == 0 && (file[n] == '/' || root[n - 1] == '/');
}

/* Whether a frame of the site's stack is in the project's sources. */
static bool in_project(const al_trace_site *s, const char *root)
{
    for (size_t k = 0; k < s->stack.count; k++)
        if (s->stack.items[k].file && inside(s->stack.items[k].file, root))
            return true;
    return false;
}

/* Where an observed-only call is: its first frame in the project, else its first with a file; nowhere
 * for a callback's tail call, whose own frame is gone (the next one with a line is the loop's caller). */
static al_source_loc call_site(const al_trace_site *s, const char *root)
{
    al_source_loc loc = {NULL, 0, 0};
    if (s->tail_call)
        return loc;
    for (size_t k = 0; k < s->stack.count; k++) {
        const al_trace_frame *f = &s->stack.items[k];
        if (f->file && inside(f->file, root)) {
            loc.file = f->file;
            loc.line = f->line;
            return loc;
        }
        if (f->file && !loc.file) {
            loc.file = f->file;
            loc.line = f->line;
        }
    }
    return loc;
}

static int by_stall_desc(const void *a, const void *b)
{
    const al_observation *x = *(const al_observation *const *)a, *y = *(const al_observation *const *)b;
    if (x->stall.total_ns != y->stall.total_ns)
        return x->stall.total_ns < y->stall.total_ns ? 1 : -1;
    if (x->stall.calls != y->stall.calls)
        return x->stall.calls < y->stall.calls ? 1 : -1;
    return strcmp(x->example->api, y->example->api);
}

void al_observed_apply(al_findings *f, al_observations *o)
{
    f->observations = o;
    join_state j = {0};
    al_strtab_init(&j.places);
    al_strtab_init(&j.canonical_in);
    al_strtab_init(&j.canonical_out);
    /* suppressed findings first, so that a listed one wins when both are at the same place */
    for (size_t i = 0; i < f->suppressed.count; i++)
        add_finding(&j, &f->suppressed.items[i]);
    for (size_t i = f->items.count; i-- > 0;)
        add_finding(&j, &f->items.items[i]);

    size_t finding_count = f->items.count + f->suppressed.count;
    al_observation **by_finding = al_xcalloc(finding_count + 1, sizeof(*by_finding));
    al_hist_bins *finding_bins = al_xcalloc(finding_count + 1, sizeof(*finding_bins));
    al_strtab only_keys;
    al_strtab_init(&only_keys);
    AL_VEC(al_observation *) only = {0};
    AL_VEC(al_hist_bins) only_bins = {0};
    for (size_t i = 0; i < o->sites.count; i++) {
        const al_trace_site *s = &o->sites.items[i];
        if (s->stall.calls == 0)
            continue;
        al_finding *x = explaining(&j, f, s);
        if (x) {
            size_t index = x >= f->items.items && x < f->items.items + f->items.count
                               ? (size_t)(x - f->items.items)
                               : f->items.count + (size_t)(x - f->suppressed.items);
            if (!by_finding[index]) {
                by_finding[index] = new_observation(o);
                x->observed = by_finding[index];
                o->observed_findings++;
            }
            add_site(by_finding[index], &finding_bins[index], s);
            continue;
        }
        if (s->unchecked) {
            /* uv_fs_open and the like with a callback: the analysis saw their arguments, the shim could
             * not; with no finding here, the analysis found the call does not block */
            o->unchecked_dropped++;
            continue;
        }
        if (!in_project(s, f->source_root)) {
            /* another program's own loop (ctest runs on libuv): not this project's to report */
            o->outside++;
            continue;
        }
        al_source_loc loc = call_site(s, f->source_root);
        char *key = loc.file ? al_xasprintf("%s\n%s\n%u", s->api, canonical(&j, loc.file), loc.line)
                             : al_xasprintf("%s\n%s\n%llx", s->api, s->stack.count ? s->stack.items[0].module : "",
                                            (unsigned long long)(s->stack.count ? s->stack.items[0].offset : 0));
        size_t index = al_strtab_intern(&only_keys, key) - 1; /* ids are dense from 1 ("" is 0) */
        free(key);
        if (index >= only.count) {
            al_observation *x = new_observation(o);
            x->loc = loc;
            AL_VEC_PUSH(only, x);
            al_hist_bins none = {0};
            AL_VEC_PUSH(only_bins, none);
        }
        add_site(only.items[index], &only_bins.items[index], s);
    }
    for (size_t i = 0; i < only.count; i++)
        AL_VEC_PUSH(o->only, only.items[i]);
    if (o->only.count > 1)
        qsort(o->only.items, o->only.count, sizeof(*o->only.items), by_stall_desc);
    for (size_t i = 0; i < finding_count; i++)
        AL_VEC_FREE(finding_bins[i]);
    for (size_t i = 0; i < only_bins.count; i++)
        AL_VEC_FREE(only_bins.items[i]);
    AL_VEC_FREE(only_bins);
    AL_VEC_FREE(only);
    free(finding_bins);
    free(by_finding);
    al_strtab_free(&only_keys);
    al_strtab_free(&j.places);
    al_strtab_free(&j.canonical_in);
    al_strtab_free(&j.canonical_out);
    AL_VEC_FREE(j.first);
    AL_VEC_FREE(j.points);
    AL_VEC_FREE(j.canonical);
}

/* Most blocked time first; findings the traces did not see keep their order after them. */
static int by_measured_stall(const void *a, const void *b, void *data)
{
    const al_findings *f = data;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    const al_observation *x = f->items.items[i].observed, *y = f->items.items[j].observed;
    if ((x != NULL) != (y != NULL))
        return x ? -1 : 1;
    if (x && x->stall.total_ns != y->stall.total_ns)
        return x->stall.total_ns < y->stall.total_ns ? 1 : -1;
    return i < j ? -1 : i > j;
}

size_t *al_observed_rank(const al_findings *f)
{
    size_t *order = al_xcalloc(f->items.count + 1, sizeof(*order));
    for (size_t i = 0; i < f->items.count; i++)
        order[i] = i;
    if (f->observations && f->items.count > 1)
        qsort_r(order, f->items.count, sizeof(*order), by_measured_stall, (void *)f);
    return order;
}

void al_observations_free(al_observations *o)
{
    for (size_t i = 0; i < o->sites.count; i++)
        free_site(&o->sites.items[i]);
    AL_VEC_FREE(o->sites);
    for (size_t i = 0; i < o->files.count; i++)
        free(o->files.items[i]);
    AL_VEC_FREE(o->files);
    for (size_t i = 0; i < o->own.count; i++)
        free(o->own.items[i]);
    AL_VEC_FREE(o->own);
    AL_VEC_FREE(o->only);
}
