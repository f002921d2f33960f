/* targets: the build's own account of its targets (see targets.h).
 *
 * Order of trust: CMake's file API knows every target's type and what it links; object paths know
 * which unit a target compiles (also when one file is compiled twice with other flags, which the
 * file API's source lists cannot tell apart). So units are assigned by object path first, and the
 * file API's source lists only fill in targets whose objects the database does not name. */
#include "targets.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jsonfile.h"

static const char *const SOURCE_FILE_API = "CMake file API";
static const char *const SOURCE_CMAKE_OBJECTS = "object folder CMakeFiles/<target>.dir";
static const char *const SOURCE_MESON_OBJECTS = "object folder <target>.p (meson)";
static const char *const SOURCE_AUTOMAKE_OBJECTS = "object name <program>-<file>.o (automake)";

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* "libfoo.so", "libfoo.so.1.2", "libfoo.a", "foo.dll": a library's file name. */
static bool library_file_name(const char *name, size_t len)
{
    return ends_with(name, len, ".a") || ends_with(name, len, ".so") || ends_with(name, len, ".dll") ||
           ends_with(name, len, ".dylib") || (len > 3 && memcmp(name, "lib", 3) == 0 && memmem(name, len, ".so.", 4));
}

char *al_targets_from_object(const char *object, const char *source_file, al_target_kind *kind, const char **source)
{
    *kind = AL_TARGET_UNKNOWN;
    /* CMake: .../CMakeFiles/<target>.dir/<path>.o (the last CMakeFiles folder) */
    const char *cmake = NULL;
    for (const char *p = strstr(object, "/CMakeFiles/"); p; p = strstr(p + 1, "/CMakeFiles/"))
        cmake = p;
    if (cmake) {
        const char *name = cmake + strlen("/CMakeFiles/");
        const char *end = strchr(name, '/');
        if (end && ends_with(name, (size_t)(end - name), ".dir") && end - name > 4) {
            *source = SOURCE_CMAKE_OBJECTS;
            return al_xstrndup(name, (size_t)(end - name) - 4);
        }
    }
    /* meson: .../<target>.p/<file>.o, the target's file name: "kresd", "libkres.so.9" */
    const char *file = base_name(object), *meson = NULL;
    size_t meson_len = 0;
    for (const char *c = object; c < file;) {
        const char *end = strchr(c, '/');
        if (!end || end >= file)
            break;
        size_t len = (size_t)(end - c);
        if (len > 2 && ends_with(c, len, ".p")) {
            meson = c;
            meson_len = len - 2;
        }
        c = end + 1;
    }
    if (meson) {
        *kind = library_file_name(meson, meson_len) ? AL_TARGET_LIBRARY : AL_TARGET_UNKNOWN;
        *source = SOURCE_MESON_OBJECTS;
        return al_xstrndup(meson, meson_len);
    }
    /* automake: <program>-<file>.o or libtool's <library>_la-<file>.lo, where <file> is the
     * source's base name without its extension */
    const char *src = base_name(source_file);
    const char *dot = strrchr(src, '.');
    size_t stem = dot ? (size_t)(dot - src) : strlen(src);
    static const char *const suffixes[] = {".o", ".lo", ".obj"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
        size_t len = strlen(file), n = strlen(suffixes[i]);
        if (len <= n + stem + 1 || strcmp(file + len - n, suffixes[i]) != 0)
            continue;
        const char *tail = file + len - n - stem;
        if (memcmp(tail, src, stem) != 0 || tail[-1] != '-')
            continue;
        size_t prefix = (size_t)(tail - 1 - file);
        if (ends_with(file, prefix, "_la") || ends_with(file, prefix, "_a"))
            *kind = AL_TARGET_LIBRARY; /* automake's canonical names of libfoo.la and libfoo.a */
        *source = SOURCE_AUTOMAKE_OBJECTS;
        return al_xstrndup(file, prefix);
    }
    return NULL;
}

/* ---- building the list ---- */

typedef struct builder {
    al_targets *out;
    al_strtab names; /* target name -> index + 1 (id order is not index order) */
    al_u32_vec index_of_name;
    AL_VEC(char **) sources;   /* per target: absolute source files the file API lists, NULL-ended */
    AL_VEC(char **) depends;   /* per target: ids of the targets it depends on (file API), NULL-ended */
    AL_VEC(char *) ids;        /* per target: its file API id, or NULL */
    AL_VEC(al_u32_vec) direct; /* per target: the targets it links directly */
    AL_VEC(char *) folders;    /* per target: its CMakeFiles/<target>.dir folder, or NULL */
} builder;

static uint32_t find_target(builder *b, const char *name)
{
    uint32_t id = al_strtab_find(&b->names, name);
    return id == UINT32_MAX || id >= b->index_of_name.count ? UINT32_MAX : b->index_of_name.items[id];
}

static uint32_t add_target(builder *b, const char *name, al_target_kind kind, const char *source)
{
    uint32_t id = al_strtab_intern(&b->names, name);
    while (b->index_of_name.count <= id)
        AL_VEC_PUSH(b->index_of_name, UINT32_MAX);
    al_target t = {0};
    t.name = al_xstrdup(name);
    t.kind = kind;
    t.source = al_xstrdup(source);
    AL_VEC_PUSH(b->out->items, t);
    AL_VEC_PUSH(b->sources, NULL);
    AL_VEC_PUSH(b->depends, NULL);
    AL_VEC_PUSH(b->ids, NULL);
    AL_VEC_PUSH(b->direct, (al_u32_vec){0});
    AL_VEC_PUSH(b->folders, NULL);
    b->index_of_name.items[id] = (uint32_t)b->out->items.count - 1;
    return (uint32_t)b->out->items.count - 1;
}

static void free_list(char **list)
{
    for (size_t i = 0; list && list[i]; i++)
        free(list[i]);
    free(list);
}

static const char *json_string(const cJSON *object, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static char *reply_file(const char *reply, const char *name)
{
    return strchr(name, '/') ? NULL : al_xasprintf("%s/%s", reply, name); /* never outside the reply */
}

/* The newest index file of the reply folder (their names sort by time), or NULL. */
static char *newest_index(const char *reply)
{
    DIR *d = opendir(reply);
    if (!d)
        return NULL;
    char *best = NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "index-", 6) == 0 && strstr(e->d_name, ".json") &&
            (!best || strcmp(e->d_name, best) > 0)) {
            free(best);
            best = al_xstrdup(e->d_name);
        }
    }
    closedir(d);
    return best;
}

static al_target_kind kind_of_type(const char *type)
{
    if (!type)
        return AL_TARGET_UNKNOWN;
    if (strcmp(type, "EXECUTABLE") == 0)
        return AL_TARGET_EXECUTABLE;
    if (strcmp(type, "STATIC_LIBRARY") == 0 || strcmp(type, "SHARED_LIBRARY") == 0 ||
        strcmp(type, "OBJECT_LIBRARY") == 0)
        return AL_TARGET_LIBRARY;
    if (strcmp(type, "MODULE_LIBRARY") == 0)
        return AL_TARGET_MODULE;
    return AL_TARGET_UNKNOWN; /* UTILITY, INTERFACE_LIBRARY: nothing compiled */
}

/* One target's file of the codemodel: its type, sources and dependencies. */
static void read_target(builder *b, const char *reply, const char *file, const char *top_source)
{
    char *path = reply_file(reply, file), *error = NULL;
    al_jsonfile jf;
    if (!path || !al_jsonfile_load(&jf, path, &error)) {
        free(error);
        free(path);
        if (path)
            al_jsonfile_free(&jf);
        return;
    }
    free(path);
    const char *name = json_string(jf.root, "name"), *id = json_string(jf.root, "id");
    al_target_kind kind = kind_of_type(json_string(jf.root, "type"));
    if (name && id && kind != AL_TARGET_UNKNOWN && find_target(b, name) == UINT32_MAX) {
        uint32_t t = add_target(b, name, kind, SOURCE_FILE_API);
        b->out->items.items[t].links_known = true;
        b->ids.items[t] = al_xstrdup(id);
        AL_VEC(char *) list = {0};
        const cJSON *s;
        cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(jf.root, "sources"))
        {
            const char *p = json_string(s, "path");
            if (p)
                AL_VEC_PUSH(list, al_path_absolute(p, top_source));
        }
        AL_VEC_PUSH(list, NULL);
        b->sources.items[t] = list.items;
        AL_VEC(char *) deps = {0};
        const cJSON *d;
        cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(jf.root, "dependencies"))
        {
            const char *dep = json_string(d, "id");
            if (dep)
                AL_VEC_PUSH(deps, al_xstrdup(dep));
        }
        AL_VEC_PUSH(deps, NULL);
        b->depends.items[t] = deps.items;
    }
    al_jsonfile_free(&jf);
}

/* The codemodel of the file API reply, when the build folder has one; true when read. */
static bool read_file_api(builder *b, const char *build_dir)
{
    char *reply = al_xasprintf("%s/.cmake/api/v1/reply", build_dir);
    char *index_name = newest_index(reply);
    bool read = false;
    al_jsonfile index, model;
    char *error = NULL;
    char *index_path = index_name ? reply_file(reply, index_name) : NULL;
    if (index_path && al_jsonfile_load(&index, index_path, &error)) {
        const cJSON *o;
        const char *model_file = NULL;
        cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(index.root, "objects"))
        {
            const cJSON *version = cJSON_GetObjectItemCaseSensitive(o, "version");
            const cJSON *major = cJSON_GetObjectItemCaseSensitive(version, "major");
            const char *kind = json_string(o, "kind");
            if (kind && strcmp(kind, "codemodel") == 0 && cJSON_IsNumber(major) && major->valueint == 2)
                model_file = json_string(o, "jsonFile");
        }
        char *model_path = model_file ? reply_file(reply, model_file) : NULL;
        if (model_path && al_jsonfile_load(&model, model_path, &error)) {
            const cJSON *paths = cJSON_GetObjectItemCaseSensitive(model.root, "paths");
            const char *top_source = json_string(paths, "source");
            const cJSON *configs = cJSON_GetObjectItemCaseSensitive(model.root, "configurations");
            const cJSON *config = cJSON_IsArray(configs) ? cJSON_GetArrayItem(configs, 0) : NULL;
            const cJSON *t;
            if (top_source) {
                cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(config, "targets"))
                {
                    const char *file = json_string(t, "jsonFile");
                    if (file)
                        read_target(b, reply, file, top_source);
                }
                read = true;
            }
            al_jsonfile_free(&model);
        } else if (model_path) {
            al_jsonfile_free(&model);
        }
        free(model_path);
        al_jsonfile_free(&index);
    } else if (index_path) {
        al_jsonfile_free(&index);
    }
    free(error);
    free(index_path);
    free(index_name);
    free(reply);
    return read;
}

/* A CMake build folder without a codemodel: ask for one the way CMake's file API documents for
 * tools (a client query file), so the next configure writes it. False when this is no CMake build. */
static bool request_codemodel(const char *build_dir, bool *written)
{
    char *cache = al_xasprintf("%s/CMakeCache.txt", build_dir);
    struct stat st;
    bool cmake_build = stat(cache, &st) == 0;
    free(cache);
    if (!cmake_build)
        return false;
    static const char *const folders[] = {"/.cmake", "/.cmake/api", "/.cmake/api/v1", "/.cmake/api/v1/query",
                                          "/.cmake/api/v1/query/client-asynclock"};
    for (size_t i = 0; i < sizeof(folders) / sizeof(*folders); i++) {
        char *folder = al_xasprintf("%s%s", build_dir, folders[i]);
        mkdir(folder, 0777);
        free(folder);
    }
    char *query = al_xasprintf("%s/.cmake/api/v1/query/client-asynclock/codemodel-v2", build_dir);
    FILE *f = fopen(query, "a");
    *written = f != NULL;
    if (f)
        fclose(f);
    free(query);
    return true;
}

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void sort_unique(al_u32_vec *v)
{
    if (v->count > 1)
        qsort(v->items, v->count, sizeof(uint32_t), compare_u32);
    size_t kept = 0;
    for (size_t i = 0; i < v->count; i++)
        if (kept == 0 || v->items[kept - 1] != v->items[i])
            v->items[kept++] = v->items[i];
    v->count = kept;
}

/* The file API's dependencies, by id, as direct links. */
static void file_api_links(builder *b)
{
    size_t n = b->out->items.count;
    for (size_t t = 0; t < n; t++)
        for (char **d = b->depends.items[t]; d && *d; d++)
            for (size_t k = 0; k < n; k++)
                if (k != t && b->ids.items[k] && strcmp(b->ids.items[k], *d) == 0)
                    AL_VEC_PUSH(b->direct.items[t], (uint32_t)k);
}

/* What each target whose links the build states links, transitively: its libraries and theirs,
 * never through an executable or a module (built before, not linked). */
static void resolve_links(builder *b)
{
    size_t n = b->out->items.count;
    uint8_t *seen = al_xcalloc(n + 1, 1);
    al_u32_vec stack = {0};
    for (size_t t = 0; t < n; t++) {
        al_target *target = &b->out->items.items[t];
        if (!target->links_known)
            continue;
        memset(seen, 0, n);
        seen[t] = 1;
        stack.count = 0;
        AL_VEC_PUSH(stack, (uint32_t)t);
        while (stack.count) {
            uint32_t from = stack.items[--stack.count];
            const al_u32_vec *next = &b->direct.items[from];
            for (size_t i = 0; i < next->count; i++) {
                uint32_t k = next->items[i];
                if (seen[k])
                    continue;
                seen[k] = 1;
                if (b->out->items.items[k].kind == AL_TARGET_LIBRARY) {
                    AL_VEC_PUSH(target->links, k);
                    AL_VEC_PUSH(stack, k);
                }
            }
        }
        sort_unique(&target->links);
    }
    AL_VEC_FREE(stack);
    free(seen);
}

/* ---- CMake's own generator files: link.txt (Makefiles) and build.ninja ----
 *
 * Without a file API reply, the build folder still says how each target is linked: Makefile
 * generators write CMakeFiles/<target>.dir/link.txt ("ar qc libcore.a ..." for a static library,
 * "cc ... -o app libcore.a" for an executable), Ninja writes one build statement per link whose
 * rule names the kind (C_EXECUTABLE_LINKER__app_...). Libraries are matched to the targets that
 * produce them by the base name of their file. */

typedef struct link_step {
    uint32_t target;
    al_target_kind kind;
    char *output;          /* base name of what the step writes */
    AL_VEC(char *) inputs; /* base names of the libraries it reads */
} link_step;
typedef AL_VEC(link_step) link_steps;

static bool library_word(const char *word)
{
    size_t n = strlen(word);
    return ends_with(word, n, ".a") || ends_with(word, n, ".so") || strstr(word, ".so.") != NULL;
}

static void add_input(link_step *step, const char *word)
{
    if (library_word(word))
        AL_VEC_PUSH(step->inputs, al_xstrdup(base_name(word)));
}

/* link.txt of the target's folder: its first command is the link (ranlib may follow). */
static void read_link_txt(link_steps *steps, builder *b, uint32_t target)
{
    char *path = al_xasprintf("%s/link.txt", b->folders.items[target]);
    char *text = al_read_file(path, NULL);
    free(path);
    if (!text)
        return;
    char *newline = strchr(text, '\n');
    if (newline)
        *newline = '\0';
    int argc = 0;
    char **argv = al_shell_split(text, &argc);
    free(text);
    link_step step = {target, AL_TARGET_LIBRARY, NULL, {0}};
    bool linking = false;
    for (int i = 0; i < argc; i++)
        linking |= strcmp(argv[i], "-o") == 0;
    for (int i = 1; i < argc; i++) {
        if (linking && strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            step.output = al_xstrdup(base_name(argv[++i]));
        } else if (strcmp(argv[i], "-shared") == 0) {
            step.kind = AL_TARGET_LIBRARY;
        } else if (!linking && !step.output && library_word(argv[i])) {
            step.output = al_xstrdup(base_name(argv[i])); /* ar qc libcore.a objects... */
        } else if (linking) {
            add_input(&step, argv[i]);
        }
    }
    if (linking) {
        bool shared = false;
        for (int i = 0; i < argc; i++)
            shared |= strcmp(argv[i], "-shared") == 0;
        step.kind = shared ? AL_TARGET_LIBRARY : AL_TARGET_EXECUTABLE;
    }
    al_free_argv(argv, argc);
    if (step.output)
        AL_VEC_PUSH(*steps, step);
    else
        free(step.inputs.items);
}

/* build.ninja's link statements: "build OUT: C_EXECUTABLE_LINKER__app_ OBJECTS | LIBRARIES || ..." */
static void read_build_ninja(link_steps *steps, builder *b, const char *build_dir)
{
    char *path = al_xasprintf("%s/build.ninja", build_dir);
    char *text = al_read_file(path, NULL);
    free(path);
    static const struct {
        const char *rule;
        al_target_kind kind;
    } rules[] = {{"_EXECUTABLE_LINKER__", AL_TARGET_EXECUTABLE},
                 {"_STATIC_LIBRARY_LINKER__", AL_TARGET_LIBRARY},
                 {"_SHARED_LIBRARY_LINKER__", AL_TARGET_LIBRARY},
                 {"_MODULE_LIBRARY_LINKER__", AL_TARGET_MODULE}};
    for (char *line = text; line && *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        char *colon = strncmp(line, "build ", 6) == 0 ? strstr(line, ": ") : NULL;
        int rule = -1;
        for (int r = 0; colon && r < 4 && rule < 0; r++)
            if (strstr(colon, rules[r].rule))
                rule = r;
        if (rule >= 0) {
            *colon = '\0';
            int argc = 0;
            char **argv = al_shell_split(colon + 2, &argc);
            link_step step = {UINT32_MAX, rules[rule].kind, al_xstrdup(base_name(line + 6)), {0}};
            bool order_only = false;
            for (int i = 1; i < argc && !order_only; i++) {
                order_only = strcmp(argv[i], "||") == 0;
                char *object = al_xasprintf("/%s", argv[i]);
                al_target_kind kind;
                const char *how;
                char *name = step.target == UINT32_MAX ? al_targets_from_object(object, "", &kind, &how) : NULL;
                if (name)
                    step.target = find_target(b, name);
                free(name);
                free(object);
                if (!order_only)
                    add_input(&step, argv[i]);
            }
            al_free_argv(argv, argc);
            if (step.target != UINT32_MAX) {
                AL_VEC_PUSH(*steps, step);
            } else {
                free(step.output);
                for (size_t k = 0; k < step.inputs.count; k++)
                    free(step.inputs.items[k]);
                free(step.inputs.items);
            }
        }
        line = end ? end + 1 : NULL;
    }
    free(text);
}

/* The link steps as kinds and direct links of the targets they belong to; true when any. */
static bool apply_link_steps(builder *b, link_steps *steps, const char *source)
{
    al_strtab outputs;
    al_strtab_init(&outputs);
    al_u32_vec producer = {0}; /* output id -> target + 1 */
    for (size_t i = 0; i < steps->count; i++) {
        uint32_t id = al_strtab_intern(&outputs, steps->items[i].output);
        while (producer.count <= id)
            AL_VEC_PUSH(producer, 0);
        producer.items[id] = steps->items[i].target + 1;
    }
    for (size_t i = 0; i < steps->count; i++) {
        link_step *step = &steps->items[i];
        al_target *target = &b->out->items.items[step->target];
        target->kind = step->kind;
        target->links_known = true;
        free(target->source);
        target->source = al_xstrdup(source);
        for (size_t k = 0; k < step->inputs.count; k++) {
            uint32_t id = al_strtab_find(&outputs, step->inputs.items[k]);
            if (id != UINT32_MAX && id < producer.count && producer.items[id] && producer.items[id] - 1 != step->target)
                AL_VEC_PUSH(b->direct.items[step->target], producer.items[id] - 1);
            free(step->inputs.items[k]);
        }
        free(step->inputs.items);
        free(step->output);
    }
    bool any = steps->count > 0;
    AL_VEC_FREE(*steps);
    AL_VEC_FREE(producer);
    al_strtab_free(&outputs);
    return any;
}

static bool read_generator_files(builder *b, const char *build_dir)
{
    link_steps steps = {0};
    read_build_ninja(&steps, b, build_dir);
    if (steps.count)
        return apply_link_steps(b, &steps, "CMake's build.ninja");
    for (size_t t = 0; t < b->out->items.count; t++)
        if (b->folders.items[t])
            read_link_txt(&steps, b, (uint32_t)t);
    return apply_link_steps(b, &steps, "CMake's link.txt");
}

/* Targets with no unit of the database are dropped (an imported library, a utility): indexes in
 * `links` are renumbered. */
static void drop_empty(al_targets *t)
{
    size_t n = t->items.count, kept = 0;
    uint32_t *new_index = al_xmalloc((n + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        al_target *x = &t->items.items[i];
        if (x->units.count == 0) {
            new_index[i] = UINT32_MAX;
            free(x->name);
            free(x->source);
            AL_VEC_FREE(x->units);
            AL_VEC_FREE(x->links);
            continue;
        }
        new_index[i] = (uint32_t)kept;
        t->items.items[kept++] = *x;
    }
    t->items.count = kept;
    for (size_t i = 0; i < kept; i++) {
        al_u32_vec *links = &t->items.items[i].links;
        size_t k = 0;
        for (size_t j = 0; j < links->count; j++)
            if (new_index[links->items[j]] != UINT32_MAX)
                links->items[k++] = new_index[links->items[j]];
        links->count = k;
    }
    free(new_index);
}

void al_targets_find(al_targets *out, const al_compdb *db, const char *build_dir)
{
    memset(out, 0, sizeof(*out));
    builder b = {0};
    b.out = out;
    al_strtab_init(&b.names);
    bool file_api = build_dir && read_file_api(&b, build_dir), query_written = false;
    bool cmake_build = build_dir && !file_api && request_codemodel(build_dir, &query_written);

    /* units by the object each entry writes */
    uint8_t *placed = al_xcalloc(db->count + 1, 1);
    out->objects = al_xcalloc(db->count + 1, sizeof(char *));
    out->object_count = db->count;
    for (size_t u = 0; u < db->count; u++) {
        const al_compile_command *cmd = &db->commands[u];
        if (cmd->output_count)
            out->objects[u] = al_xstrdup(base_name(cmd->outputs[0]));
        for (size_t k = 0; k < cmd->output_count; k++) {
            al_target_kind kind;
            const char *source;
            char *name = al_targets_from_object(cmd->outputs[k], cmd->file, &kind, &source);
            if (!name)
                continue;
            uint32_t t = find_target(&b, name);
            if (t == UINT32_MAX)
                t = add_target(&b, name, kind, source);
            AL_VEC_PUSH(out->items.items[t].units, (uint32_t)u);
            if (source == SOURCE_CMAKE_OBJECTS && !b.folders.items[t]) {
                char *dir = al_xasprintf("/CMakeFiles/%s.dir/", name);
                const char *at = strstr(cmd->outputs[k], dir);
                b.folders.items[t] =
                    at ? al_xstrndup(cmd->outputs[k], (size_t)(at - cmd->outputs[k]) + strlen(dir) - 1) : NULL;
                free(dir);
            }
            placed[u] = 1;
            free(name);
        }
    }
    /* file API targets whose objects the database does not name: by their sources */
    if (file_api) {
        al_strtab files;
        al_strtab_init(&files);
        al_u32_vec first_unit = {0}; /* file id -> first unit + 1; later units of the file follow */
        for (size_t u = 0; u < db->count; u++) {
            uint32_t id = al_strtab_intern(&files, db->commands[u].file);
            while (first_unit.count <= id)
                AL_VEC_PUSH(first_unit, 0);
            if (!first_unit.items[id])
                first_unit.items[id] = (uint32_t)u + 1;
        }
        for (size_t t = 0; t < out->items.count; t++) {
            al_target *target = &out->items.items[t];
            if (target->units.count || !b.sources.items[t])
                continue;
            for (char **s = b.sources.items[t]; *s; s++) {
                uint32_t id = al_strtab_find(&files, *s);
                if (id == UINT32_MAX || id >= first_unit.count || !first_unit.items[id])
                    continue;
                for (size_t u = first_unit.items[id] - 1; u < db->count; u++)
                    if (strcmp(db->commands[u].file, *s) == 0 && !placed[u])
                        AL_VEC_PUSH(target->units, (uint32_t)u);
            }
        }
        AL_VEC_FREE(first_unit);
        al_strtab_free(&files);
        file_api_links(&b);
    } else if (cmake_build) {
        bool linked = read_generator_files(&b, build_dir);
        out->notice = al_xasprintf("%s: note: this CMake build has no file API codemodel yet; asynclock asked for "
                                   "one (%s), which the next cmake configure of this folder writes. Until then the "
                                   "targets come from %s.",
                                   build_dir, query_written ? "query written" : "but could not write the query",
                                   linked ? "CMake's link commands and the object paths" : "the object paths");
    }
    resolve_links(&b);
    free(placed);
    for (size_t t = 0; t < out->items.count; t++) {
        sort_unique(&out->items.items[t].units);
        free_list(b.sources.items[t]);
        free_list(b.depends.items[t]);
        free(b.ids.items[t]);
        AL_VEC_FREE(b.direct.items[t]);
        free(b.folders.items[t]);
    }
    AL_VEC_FREE(b.direct);
    AL_VEC_FREE(b.folders);
    AL_VEC_FREE(b.sources);
    AL_VEC_FREE(b.depends);
    AL_VEC_FREE(b.ids);
    AL_VEC_FREE(b.index_of_name);
    al_strtab_free(&b.names);
    drop_empty(out);
}

void al_targets_free(al_targets *t)
{
    for (size_t i = 0; i < t->items.count; i++) {
        free(t->items.items[i].name);
        free(t->items.items[i].source);
        AL_VEC_FREE(t->items.items[i].units);
        AL_VEC_FREE(t->items.items[i].links);
    }
    AL_VEC_FREE(t->items);
    for (size_t u = 0; u < t->object_count; u++)
        free(t->objects[u]);
    free(t->objects);
    free(t->notice);
    memset(t, 0, sizeof(*t));
}

/* ---- shard files ---- */

static cJSON *number_list(const al_u32_vec *v)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; i < v->count; i++)
        cJSON_AddItemToArray(list, cJSON_CreateNumber(v->items[i]));
    return list;
}

char *al_targets_to_json(const al_targets *t)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *objects = cJSON_AddArrayToObject(root, "objects");
    for (size_t u = 0; u < t->object_count; u++)
        cJSON_AddItemToArray(objects, t->objects[u] ? cJSON_CreateString(t->objects[u]) : cJSON_CreateNull());
    cJSON *list = cJSON_AddArrayToObject(root, "targets");
    for (size_t i = 0; i < t->items.count; i++) {
        const al_target *x = &t->items.items[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", x->name);
        cJSON_AddNumberToObject(o, "kind", x->kind);
        cJSON_AddStringToObject(o, "source", x->source);
        cJSON_AddItemToObject(o, "units", number_list(&x->units));
        cJSON_AddItemToObject(o, "links", number_list(&x->links));
        cJSON_AddBoolToObject(o, "links_known", x->links_known);
        cJSON_AddItemToArray(list, o);
    }
    char *text = cJSON_PrintUnformatted(root);
    char *copy = al_xstrdup(text);
    cJSON_free(text);
    cJSON_Delete(root);
    return copy;
}

static bool read_numbers(const cJSON *list, al_u32_vec *out, double limit)
{
    const cJSON *n;
    if (!cJSON_IsArray(list))
        return false;
    cJSON_ArrayForEach(n, list)
    {
        if (!cJSON_IsNumber(n) || n->valuedouble < 0 || n->valuedouble >= limit)
            return false;
        AL_VEC_PUSH(*out, (uint32_t)n->valuedouble);
    }
    return true;
}

bool al_targets_from_json(al_targets *out, const char *text)
{
    memset(out, 0, sizeof(*out));
    cJSON *root = cJSON_Parse(text);
    const cJSON *objects = cJSON_GetObjectItemCaseSensitive(root, "objects");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "targets");
    bool ok = cJSON_IsArray(objects) && cJSON_IsArray(list);
    int count = ok ? cJSON_GetArraySize(list) : 0;
    if (ok) {
        out->object_count = (size_t)cJSON_GetArraySize(objects);
        out->objects = al_xcalloc(out->object_count + 1, sizeof(char *));
        size_t u = 0;
        const cJSON *name;
        cJSON_ArrayForEach(name, objects)
        {
            if (cJSON_IsString(name))
                out->objects[u] = al_xstrdup(name->valuestring);
            else
                ok &= cJSON_IsNull(name);
            u++;
        }
    }
    const cJSON *o;
    const cJSON *targets = ok ? list : NULL;
    cJSON_ArrayForEach(o, targets)
    {
        const char *name = json_string(o, "name"), *source = json_string(o, "source");
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(o, "kind");
        if (!name || !source || !cJSON_IsNumber(kind) || kind->valueint < 0 || kind->valueint > AL_TARGET_MODULE) {
            ok = false;
            break;
        }
        al_target t = {0};
        t.name = al_xstrdup(name);
        t.source = al_xstrdup(source);
        t.kind = (al_target_kind)kind->valueint;
        t.links_known = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "links_known"));
        AL_VEC_PUSH(out->items, t);
        al_target *added = &out->items.items[out->items.count - 1];
        if (!read_numbers(cJSON_GetObjectItemCaseSensitive(o, "units"), &added->units, 4294967295.0) ||
            !read_numbers(cJSON_GetObjectItemCaseSensitive(o, "links"), &added->links, count)) {
            ok = false;
            break;
        }
    }
    cJSON_Delete(root);
    if (!ok)
        al_targets_free(out);
    return ok;
}
