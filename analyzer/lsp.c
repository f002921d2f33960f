/* lsp: the language server (see lsp.h). */
#include "lsp.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sources.h"

enum { MAX_FRAME = 64 << 20, RELATED_HANDLERS = 3 };

/* JSON-RPC error codes used here. */
enum {
    RPC_PARSE_ERROR = -32700,
    RPC_INVALID_REQUEST = -32600,
    RPC_METHOD_NOT_FOUND = -32601,
    RPC_SERVER_NOT_INITIALIZED = -32002,
};

struct al_lsp {
    char *self;
    char **extra_args;
    int extra_count;
    FILE *out;
    bool initialized, shut_down;
    al_strtab published_uris; /* uri -> id into published */
    AL_VEC(char *) published; /* the diagnostics array last sent for each uri, unformatted JSON */
    al_strtab warned_folders; /* files told once that no compile database was found */
    al_lsp_analyzer analyze;
    void *analyze_context;
    /* the folder of the file being analyzed: the child runs there, so that it finds the project's
       .asynclock.json as `check` would */
    char *document_folder;
    char *compile_commands_dir; /* --compile-commands-dir: the one build folder; NULL: search from each file */
};

static int run_check(void *context, const char *build_dir, al_strbuf *out, al_strbuf *err);

al_lsp *al_lsp_new(const char *self, char **extra_args, int extra_count, FILE *out)
{
    al_lsp *s = al_xcalloc(1, sizeof(*s));
    s->self = al_xstrdup(self);
    s->extra_args = extra_args;
    s->extra_count = extra_count;
    s->out = out;
    s->analyze = run_check;
    s->analyze_context = s;
    al_strtab_init(&s->published_uris);
    al_strtab_init(&s->warned_folders);
    return s;
}

void al_lsp_free(al_lsp *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->published.count; i++)
        free(s->published.items[i]);
    AL_VEC_FREE(s->published);
    al_strtab_free(&s->published_uris);
    al_strtab_free(&s->warned_folders);
    free(s->document_folder);
    free(s->compile_commands_dir);
    free(s->self);
    free(s);
}

void al_lsp_set_compile_commands_dir(al_lsp *s, const char *dir)
{
    free(s->compile_commands_dir);
    s->compile_commands_dir = dir ? al_path_absolute(dir, NULL) : NULL;
}

void al_lsp_set_analyzer(al_lsp *s, al_lsp_analyzer analyze, void *context)
{
    s->analyze = analyze;
    s->analyze_context = context;
}

int al_lsp_exit_code(const al_lsp *s)
{
    return s->shut_down ? 0 : 1;
}

/* ---- framing ---- */

char *al_lsp_read_frame(FILE *in, size_t *len, const char **error)
{
    *error = NULL;
    long long length = -1;
    char line[1024];
    bool any = false;
    for (;;) {
        if (!fgets(line, sizeof(line), in)) {
            if (any)
                *error = "the input ended inside a message header";
            return NULL;
        }
        any = true;
        size_t n = strlen(line);
        if (n == 0 || line[n - 1] != '\n') {
            *error = "a message header line is too long or unterminated";
            return NULL;
        }
        if (strcmp(line, "\r\n") == 0 || strcmp(line, "\n") == 0)
            break;
        if (strncasecmp(line, "Content-Length:", 15) == 0) {
            char *end;
            errno = 0;
            length = strtoll(line + 15, &end, 10);
            while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
                end++;
            if (errno || *end || end == line + 15 || length < 0 || length > MAX_FRAME) {
                *error = "Content-Length is not a number from 0 to 64 MiB";
                return NULL;
            }
        }
    }
    if (length < 0) {
        *error = "a message has no Content-Length header";
        return NULL;
    }
    char *body = al_xmalloc((size_t)length + 1);
    if (fread(body, 1, (size_t)length, in) != (size_t)length) {
        free(body);
        *error = "the input ended inside a message body";
        return NULL;
    }
    body[length] = '\0';
    *len = (size_t)length;
    return body;
}

static void send_json(al_lsp *s, cJSON *message)
{
    cJSON_AddStringToObject(message, "jsonrpc", "2.0");
    char *text = cJSON_PrintUnformatted(message);
    fprintf(s->out, "Content-Length: %zu\r\n\r\n%s", strlen(text), text);
    fflush(s->out);
    free(text);
    cJSON_Delete(message);
}

static void send_result(al_lsp *s, const cJSON *id, cJSON *result)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddItemToObject(m, "id", cJSON_Duplicate(id, true));
    cJSON_AddItemToObject(m, "result", result ? result : cJSON_CreateNull());
    send_json(s, m);
}

static void send_error(al_lsp *s, const cJSON *id, int code, const char *message)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddItemToObject(m, "id", id ? cJSON_Duplicate(id, true) : cJSON_CreateNull());
    cJSON *e = cJSON_AddObjectToObject(m, "error");
    cJSON_AddNumberToObject(e, "code", code);
    cJSON_AddStringToObject(e, "message", message);
    send_json(s, m);
}

static void send_notification(al_lsp *s, const char *method, cJSON *params)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "method", method);
    cJSON_AddItemToObject(m, "params", params);
    send_json(s, m);
}

/* window/showMessage: 1 error, 2 warning, 3 info. */
static void show_message(al_lsp *s, int type, const char *text)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddNumberToObject(p, "type", type);
    cJSON_AddStringToObject(p, "message", text);
    send_notification(s, "window/showMessage", p);
}

/* ---- positions: LSP counts UTF-16 code units, libclang counts bytes ---- */

static cJSON *position_json(unsigned line, unsigned character)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddNumberToObject(p, "line", line);
    cJSON_AddNumberToObject(p, "character", character);
    return p;
}

/* The range of `name` written at line:column (1-based bytes), in LSP terms (UTF-16 units). */
static cJSON *range_json(al_sources *c, const char *file, unsigned line, unsigned column, const char *name)
{
    size_t len = 0;
    const char *text = line ? al_source_line(al_sources_get(c, file), line, &len) : NULL;
    unsigned start = column ? column - 1 : 0, end = start + 1;
    if (text && column >= 1 && column - 1 <= len) {
        size_t at = column - 1, name_len = name ? strlen(name) : 0;
        start = al_utf16_column(text, len, column) - 1;
        end = name_len && at + name_len <= len && strncmp(text + at, name, name_len) == 0
                  ? al_utf16_column(text, len, column + (unsigned)name_len) - 1
                  : start + 1;
    }
    cJSON *r = cJSON_CreateObject();
    cJSON_AddItemToObject(r, "start", position_json(line ? line - 1 : 0, start));
    cJSON_AddItemToObject(r, "end", position_json(line ? line - 1 : 0, end));
    return r;
}

static char *file_uri(const char *path)
{
    al_strbuf b = {0};
    al_strbuf_append_file_uri(&b, path);
    return al_strbuf_take(&b);
}

static const char *json_string(const cJSON *object, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static unsigned json_uint(const cJSON *object, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 4e9 ? (unsigned)v->valuedouble : 0;
}

static void add_related(cJSON *related, al_sources *c, const cJSON *where, const char *name, const char *message)
{
    const char *file = json_string(where, "file");
    if (!file)
        return;
    cJSON *info = cJSON_CreateObject();
    cJSON *location = cJSON_AddObjectToObject(info, "location");
    char *uri = file_uri(file);
    cJSON_AddStringToObject(location, "uri", uri);
    free(uri);
    cJSON_AddItemToObject(location, "range",
                          range_json(c, file, json_uint(where, "line"), json_uint(where, "column"), name));
    cJSON_AddStringToObject(info, "message", message);
    cJSON_AddItemToArray(related, info);
}

/* One finding of the JSON report as an LSP diagnostic. */
static cJSON *diagnostic_json(const cJSON *finding, al_sources *c)
{
    const cJSON *loc = cJSON_GetObjectItemCaseSensitive(finding, "location");
    const char *file = json_string(loc, "file");
    const char *callee = json_string(finding, "callee");
    const char *severity = json_string(finding, "severity");
    const char *category = json_string(finding, "category");
    const char *message = json_string(finding, "message");
    const char *fix = json_string(finding, "fix");
    cJSON *d = cJSON_CreateObject();
    cJSON_AddItemToObject(d, "range", range_json(c, file, json_uint(loc, "line"), json_uint(loc, "column"), callee));
    cJSON_AddNumberToObject(d, "severity",
                            severity && strcmp(severity, "error") == 0     ? 1
                            : severity && strcmp(severity, "warning") == 0 ? 2
                                                                           : 3);
    char *code = al_xasprintf("async-lock/%s", category ? category : "custom");
    cJSON_AddStringToObject(d, "code", code);
    free(code);
    cJSON_AddStringToObject(d, "source", "asynclock");
    char *text =
        fix ? al_xasprintf("%s\nsuggested fix: %s", message ? message : "", fix) : al_xstrdup(message ? message : "");
    cJSON_AddStringToObject(d, "message", text);
    free(text);

    /* the registration and the chain of the first handlers, in call order */
    cJSON *related = cJSON_AddArrayToObject(d, "relatedInformation");
    const cJSON *handlers = cJSON_GetObjectItemCaseSensitive(finding, "handlers");
    int shown = 0;
    const cJSON *h;
    cJSON_ArrayForEach(h, handlers)
    {
        if (shown++ == RELATED_HANDLERS)
            break;
        /* the words of the text report's note: how the handler was found */
        const char *name = json_string(h, "name");
        const char *context = json_string(h, "context");
        const cJSON *registered = cJSON_GetObjectItemCaseSensitive(h, "registered_at");
        char *why = al_xasprintf("'%s' runs on the loop thread: %s", name ? name : "",
                                 context                  ? context
                                 : json_string(h, "kind") ? json_string(h, "kind")
                                                          : "a handler");
        add_related(related, c, json_uint(registered, "line") ? registered : h, name, why);
        free(why);
        const cJSON *step;
        cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(h, "chain"))
        {
            const char *function = json_string(step, "function");
            const char *step_callee = json_string(step, "callee");
            const char *via = json_string(step, "via");
            char *what = al_xasprintf("'%s' calls '%s'%s%s", function ? function : "", step_callee ? step_callee : "",
                                      via ? " through " : "", via ? via : "");
            add_related(related, c, step, step_callee, what);
            free(what);
        }
    }
    return d;
}

/* Sends the diagnostics of `uri` unless they are what the client already has (`force`: send anyway). */
static void publish(al_lsp *s, const char *uri, cJSON *diagnostics, bool force)
{
    uint32_t id = al_strtab_intern(&s->published_uris, uri);
    while (s->published.count <= id)
        AL_VEC_PUSH(s->published, NULL);
    char *text = cJSON_PrintUnformatted(diagnostics);
    if (!force && s->published.items[id] && strcmp(s->published.items[id], text) == 0) {
        free(text);
        cJSON_Delete(diagnostics);
        return;
    }
    if (!s->published.items[id] && !force && strcmp(text, "[]") == 0) { /* nothing to clear */
        free(text);
        cJSON_Delete(diagnostics);
        return;
    }
    free(s->published.items[id]);
    s->published.items[id] = text;
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "uri", uri);
    cJSON_AddItemToObject(p, "diagnostics", diagnostics);
    send_notification(s, "textDocument/publishDiagnostics", p);
}

/* ---- analysis ---- */

/* The folder of the compile database that covers `path`, as clangd looks for it: the file's folder
 * and each parent, directly or in their build/ subfolder. */
static char *find_build_dir(const char *path)
{
    static const char *const names[] = {"compile_commands.json", "build/compile_commands.json"};
    char *folder = al_xstrndup(path, (size_t)(strrchr(path, '/') - path));
    char *database = al_find_upward(*folder ? folder : "/", names, 2);
    free(folder);
    if (database) { /* the folder holding it; "/" for /compile_commands.json */
        char *slash = strrchr(database, '/');
        slash[slash == database ? 1 : 0] = '\0';
    }
    return database;
}

/* The default analyzer: `asynclock check` as a child process, so a crash cannot take the server down. */
static int run_check(void *context, const char *build_dir, al_strbuf *out, al_strbuf *err)
{
    al_lsp *s = context;
    AL_VEC(const char *) argv = {0};
    const char *fixed[] = {s->self, "check", "-p", build_dir, "-f", "json", "-q", "--fail-on", "never"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
        AL_VEC_PUSH(argv, fixed[i]);
    for (int i = 0; i < s->extra_count; i++)
        AL_VEC_PUSH(argv, s->extra_args[i]);
    AL_VEC_PUSH(argv, NULL);
    int status = al_run_capture(argv.items, s->document_folder, out, err);
    AL_VEC_FREE(argv);
    return status;
}

/* Analyzes the project of `path` and publishes: the file itself always, others when changed. */
static void analyze_and_publish(al_lsp *s, const char *uri, const char *path)
{
    char *build_dir = s->compile_commands_dir ? al_xstrdup(s->compile_commands_dir) : find_build_dir(path);
    free(s->document_folder);
    s->document_folder = al_xstrndup(path, (size_t)(strrchr(path, '/') - path));
    if (!*s->document_folder) {
        free(s->document_folder);
        s->document_folder = al_xstrdup("/");
    }
    if (!build_dir) {
        if (al_strtab_find(&s->warned_folders, path) == UINT32_MAX) {
            al_strtab_intern(&s->warned_folders, path);
            char *text = al_xasprintf("asynclock: no compile_commands.json for %s (looked in its folder, its "
                                      "parents, and their build/ folders; name the build folder with "
                                      "asynclock lsp --compile-commands-dir DIR)",
                                      path);
            show_message(s, 2, text);
            free(text);
        }
        publish(s, uri, cJSON_CreateArray(), true);
        return;
    }
    al_strbuf out = {0}, err = {0};
    al_strbuf_append(&out, "");
    al_strbuf_append(&err, "");
    int status = s->analyze(s->analyze_context, build_dir, &out, &err);
    cJSON *report = status == 0 ? cJSON_Parse(out.data) : NULL;
    if (!report) {
        char *newline = strchr(err.data, '\n');
        if (newline)
            *newline = '\0';
        char *text = al_xasprintf("asynclock: the analysis of %s failed (exit %d): %s", build_dir, status,
                                  *err.data ? err.data : "no message");
        show_message(s, 1, text);
        free(text);
    } else {
        /* group by file; start from every uri published before, so fixed files are cleared */
        al_strtab uris;
        al_strtab_init(&uris);
        AL_VEC(cJSON *) lists = {0};
        for (uint32_t i = 1; i < s->published_uris.count; i++) {
            al_strtab_intern(&uris, al_str(&s->published_uris, i));
            AL_VEC_PUSH(lists, cJSON_CreateArray());
        }
        uint32_t self_id = al_strtab_intern(&uris, uri);
        while (lists.count < uris.count - 1)
            AL_VEC_PUSH(lists, cJSON_CreateArray());
        al_sources sources;
        al_sources_init(&sources);
        const cJSON *finding;
        cJSON_ArrayForEach(finding, cJSON_GetObjectItemCaseSensitive(report, "findings"))
        {
            const char *file = json_string(cJSON_GetObjectItemCaseSensitive(finding, "location"), "file");
            if (!file)
                continue;
            char *file_uri_text = file_uri(file);
            uint32_t id = al_strtab_intern(&uris, file_uri_text);
            free(file_uri_text);
            while (lists.count < uris.count - 1)
                AL_VEC_PUSH(lists, cJSON_CreateArray());
            cJSON_AddItemToArray(lists.items[id - 1], diagnostic_json(finding, &sources));
        }
        for (uint32_t id = 1; id < uris.count; id++)
            publish(s, al_str(&uris, id), lists.items[id - 1], id == self_id);
        al_sources_free(&sources);
        AL_VEC_FREE(lists);
        al_strtab_free(&uris);
        cJSON_Delete(report);
    }
    al_strbuf_free(&out);
    al_strbuf_free(&err);
    free(build_dir);
}

static void on_document(al_lsp *s, const cJSON *params)
{
    const cJSON *doc = cJSON_GetObjectItemCaseSensitive(params, "textDocument");
    const char *uri = json_string(doc, "uri");
    char *path = uri ? al_file_uri_to_path(uri) : NULL;
    if (path)
        analyze_and_publish(s, uri, path);
    free(path);
}

/* ---- dispatch ---- */

static cJSON *initialize_result(void)
{
    cJSON *r = cJSON_CreateObject();
    cJSON *caps = cJSON_AddObjectToObject(r, "capabilities");
    cJSON *sync = cJSON_AddObjectToObject(caps, "textDocumentSync");
    cJSON_AddBoolToObject(sync, "openClose", true);
    cJSON_AddNumberToObject(sync, "change", 0); /* the analysis reads saved files */
    cJSON *save = cJSON_AddObjectToObject(sync, "save");
    cJSON_AddBoolToObject(save, "includeText", false);
    cJSON *info = cJSON_AddObjectToObject(r, "serverInfo");
    cJSON_AddStringToObject(info, "name", "asynclock");
    cJSON_AddStringToObject(info, "version", AL_VERSION);
    return r;
}

bool al_lsp_handle(al_lsp *s, const char *body, size_t len)
{
    cJSON *m = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(m)) {
        cJSON_Delete(m);
        send_error(s, NULL, RPC_PARSE_ERROR, "the message is not a JSON object");
        return true;
    }
    const char *method = json_string(m, "method");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(m, "id");
    if (id && !cJSON_IsNumber(id) && !cJSON_IsString(id))
        id = NULL;
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(m, "params");
    bool keep_going = true;
    if (!method) {
        if (id) /* a response to a request of ours: we send none */
            ;
        else
            send_error(s, NULL, RPC_INVALID_REQUEST, "a message needs a method");
    } else if (strcmp(method, "exit") == 0) {
        keep_going = false;
    } else if (strcmp(method, "initialize") == 0) {
        s->initialized = true;
        if (id)
            send_result(s, id, initialize_result());
    } else if (!s->initialized) {
        if (id)
            send_error(s, id, RPC_SERVER_NOT_INITIALIZED, "initialize first");
    } else if (s->shut_down) {
        if (id)
            send_error(s, id, RPC_INVALID_REQUEST, "the server is shut down");
    } else if (strcmp(method, "shutdown") == 0) {
        s->shut_down = true;
        if (id)
            send_result(s, id, NULL);
    } else if (strcmp(method, "textDocument/didOpen") == 0 || strcmp(method, "textDocument/didSave") == 0) {
        on_document(s, params);
    } else if (id) {
        char *text = al_xasprintf("asynclock does not implement '%s'", method);
        send_error(s, id, RPC_METHOD_NOT_FOUND, text);
        free(text);
    } /* other notifications (initialized, didChange, didClose, $/...) need nothing */
    cJSON_Delete(m);
    return keep_going;
}

/* Takes `-p DIR` and `--compile-commands-dir DIR` (also `-pDIR`, `--compile-commands-dir=DIR`) out of
 * the arguments, wherever they are; the others are left, in order, for each analysis. */
bool al_lsp_take_options(char **args, int *count, char **compile_commands_dir, char **error)
{
    static const char long_name[] = "--compile-commands-dir";
    const size_t long_len = sizeof(long_name) - 1;
    *compile_commands_dir = NULL;
    *error = NULL;
    int kept = 0;
    for (int i = 0; i < *count; i++) {
        const char *a = args[i], *value;
        if (strcmp(a, "-p") == 0 || strcmp(a, long_name) == 0)
            value = i + 1 < *count ? args[++i] : "";
        else if (strncmp(a, "-p", 2) == 0)
            value = a + 2;
        else if (strncmp(a, long_name, long_len) == 0 && a[long_len] == '=')
            value = a + long_len + 1;
        else {
            args[kept++] = args[i];
            continue;
        }
        free(*compile_commands_dir);
        *compile_commands_dir = NULL;
        if (!*value) {
            *error = al_xasprintf("option '%s' needs a value", a);
            return false;
        }
        *compile_commands_dir = al_xstrdup(value);
    }
    *count = kept;
    return true;
}

int al_lsp_run(const char *self, char **extra_args, int extra_count)
{
    char *dir, *error;
    if (!al_lsp_take_options(extra_args, &extra_count, &dir, &error)) {
        fprintf(stderr, "asynclock: error: %s (see asynclock --help)\n", error);
        free(error);
        return 2;
    }
    al_lsp *s = al_lsp_new(self, extra_args, extra_count, stdout);
    al_lsp_set_compile_commands_dir(s, dir);
    free(dir);
    int code = 1;
    for (;;) {
        size_t len = 0;
        const char *error = NULL;
        char *body = al_lsp_read_frame(stdin, &len, &error);
        if (!body) {
            if (error)
                fprintf(stderr, "asynclock lsp: error: %s\n", error);
            code = error ? 2 : al_lsp_exit_code(s);
            break;
        }
        bool more = al_lsp_handle(s, body, len);
        free(body);
        if (!more) {
            code = al_lsp_exit_code(s);
            break;
        }
    }
    al_lsp_free(s);
    return code;
}
