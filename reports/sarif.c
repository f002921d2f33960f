/* sarif: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers (docs/sarif.md). One run:
 * the tool with a rule for every category, one result per finding with the chain of each handler as
 * a code flow, the handlers' definitions and registrations as related locations, and fingerprints
 * without line numbers. Paths under the source root are relative to %SRCROOT%. Built with cJSON,
 * which escapes every string; nothing in the output depends on the time or the machine beyond the
 * paths, so the same findings give the same file. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "observed.h"
#include "report.h"
#include "sources.h"
#include "util.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define INFORMATION_URI "https://github.com/asynclock/asynclock"
#define CATEGORIES_URI "https://github.com/asynclock/asynclock/blob/main/docs/categories.md"
#define SRCROOT "%SRCROOT%"

typedef struct rule_info {
    const char *category;
    const char *name; /* PascalCase, as SARIF viewers show it */
    const char *short_description;
    const char *full_description;
    const char *fix; /* markdown */
} rule_info;

static const rule_info rule_infos[] = {
    {"sleep", "SleepInEventLoopHandler", "A handler running on the event-loop thread sleeps.",
     "A function that runs on the event-loop thread (or a function it calls) suspends the thread with a sleep call. "
     "While it sleeps, the loop serves no other connection, timer or signal.",
     "Schedule the rest of the work with the loop's timer (`uv_timer_start`, `event_add` with a timeout, "
     "`ev_timer_start`, `g_timeout_add`, `aeCreateTimeEvent`) and continue in its callback instead of sleeping."},
    {"file-io", "FileIoInEventLoopHandler", "A handler running on the event-loop thread does blocking file I/O.",
     "A function that runs on the event-loop thread (or a function it calls) reads, writes, syncs or opens a regular "
     "file synchronously. Disk I/O can take milliseconds to seconds, during which the loop is stalled.",
     "Use the loop's asynchronous file API (`uv_fs_*` with a callback) or hand the file work to a worker thread "
     "(`uv_queue_work`, `g_task_run_in_thread`, a bio-style background thread) and pick up the result on the loop."},
    {"dns", "SynchronousDnsInEventLoopHandler",
     "A handler running on the event-loop thread resolves names synchronously.",
     "A function that runs on the event-loop thread (or a function it calls) resolves a host name with a blocking "
     "resolver call, which waits on DNS servers for up to the resolver's timeout and retries.",
     "Resolve asynchronously with the loop's resolver (`uv_getaddrinfo`, `evdns_getaddrinfo`, "
     "`g_resolver_lookup_by_name_async`) or in a worker thread, and continue in the callback."},
    {"process", "ProcessWaitInEventLoopHandler",
     "A handler running on the event-loop thread runs or waits for a child process.",
     "A function that runs on the event-loop thread (or a function it calls) starts a process and waits for it "
     "(`system`, `popen`, a blocking `waitpid`), stalling the loop until the child exits.",
     "Spawn the child with the loop's process API (`uv_spawn` with an exit callback, `g_subprocess_wait_async`, "
     "`ev_child`) or reap it with `waitpid(..., WNOHANG)` from a loop callback."},
    {"sync", "BlockingSynchronizationInEventLoopHandler",
     "A handler running on the event-loop thread waits on a lock, condition or thread.",
     "A function that runs on the event-loop thread (or a function it calls) waits on a synchronization primitive "
     "(a contended mutex, a condition variable, a semaphore, a thread join) whose owner may hold it for long.",
     "Do the waiting in a worker thread and signal the loop when it is done (`uv_async_send`, an eventfd or pipe "
     "watched by the loop), or restructure the shared state so the loop never waits for it."},
    {"database", "SynchronousDatabaseQueryInEventLoopHandler",
     "A handler running on the event-loop thread runs a synchronous database query.",
     "A function that runs on the event-loop thread (or a function it calls) sends a query with a synchronous client "
     "API and waits for the server's answer.",
     "Use the client library's asynchronous API (`PQsendQuery` with the connection's socket watched by the loop, "
     "`mysql_real_query_start`, `redisAsyncCommand`) or run the query in a worker thread."},
    {"http", "SynchronousHttpRequestInEventLoopHandler",
     "A handler running on the event-loop thread performs a synchronous HTTP request.",
     "A function that runs on the event-loop thread (or a function it calls) performs a whole HTTP transfer "
     "synchronously: name resolution, connect, TLS handshake, request and response.",
     "Drive the transfer with a curl multi handle and `curl_multi_socket_action` from the loop's socket and timer "
     "callbacks (`CURLMOPT_SOCKETFUNCTION`, `CURLMOPT_TIMERFUNCTION`), or move it to a worker thread."},
    {"nested-loop", "NestedEventLoopInHandler", "A handler running on the event-loop thread runs the loop again.",
     "A function that runs on the event-loop thread (or a function it calls) runs or iterates the event loop from "
     "inside one of its own callbacks, which nests the loop and blocks the outer callback until the inner run ends.",
     "Return from the callback and let the running loop continue; iterate the loop without blocking "
     "(`UV_RUN_NOWAIT`, `EVLOOP_NONBLOCK`, `AE_DONT_WAIT`) only outside callbacks."},
    {"network", "BlockingNetworkIoInEventLoopHandler",
     "A handler running on the event-loop thread does blocking network I/O.",
     "A function that runs on the event-loop thread (or a function it calls) connects, sends, receives or polls on a "
     "socket in blocking mode, waiting on the peer.",
     "Make the socket non-blocking and do the I/O when the loop reports it readable or writable (`uv_read_start`, "
     "`event_new` with `EV_READ`/`EV_WRITE`, `ev_io`, `aeCreateFileEvent`)."},
    {"custom", "AnnotatedBlockingCallInEventLoopHandler",
     "A handler running on the event-loop thread calls a function annotated as blocking.",
     "A function that runs on the event-loop thread (or a function it calls) calls a function that the project "
     "annotated `asynclock:blocking` or that a project rule pack lists as blocking.",
     "Move the call to a worker thread (`uv_queue_work`, `g_task_run_in_thread`, a background thread) and continue "
     "on the loop when it completes, or provide a non-blocking variant of the function."},
};
#define RULE_COUNT (sizeof(rule_infos) / sizeof(rule_infos[0]))

static int rule_index(const char *category)
{
    for (size_t i = 0; i < RULE_COUNT; i++)
        if (strcmp(rule_infos[i].category, category) == 0)
            return (int)i;
    return -1;
}

static const char *level_name(al_severity s)
{
    return s == AL_SEVERITY_ERROR ? "error" : s == AL_SEVERITY_WARNING ? "warning" : "note";
}

/* A message object whose text ends with a period, as SARIF viewers expect. */
static cJSON *message_json(const char *text)
{
    cJSON *m = cJSON_CreateObject();
    size_t n = strlen(text);
    if (n > 0 && (text[n - 1] == '.' || text[n - 1] == '!' || text[n - 1] == '?'))
        cJSON_AddStringToObject(m, "text", text);
    else {
        char *t = al_xasprintf("%s.", text);
        cJSON_AddStringToObject(m, "text", t);
        free(t);
    }
    return m;
}

/* What every location needs: the source root (URIs under it are relative to %SRCROOT%) and the
 * source files, for UTF-16 columns. */
typedef struct sarif_ctx {
    const char *root; /* NULL: every URI is absolute */
    al_sources *sources;
} sarif_ctx;

/* {"uri": "src/a%20b.c", "uriBaseId": "%SRCROOT%"} under the root, else {"uri": "file:///abs"}. */
static cJSON *artifact_location_json(const char *file, const char *root)
{
    cJSON *o = cJSON_CreateObject();
    al_strbuf b = {0};
    const char *rel = root ? al_path_relative_to(file, root) : file;
    if (rel != file && *rel) {
        al_strbuf_append_uri_path(&b, rel);
        cJSON_AddStringToObject(o, "uri", b.data);
        cJSON_AddStringToObject(o, "uriBaseId", SRCROOT);
    } else {
        al_strbuf_append_file_uri(&b, file);
        cJSON_AddStringToObject(o, "uri", b.data);
    }
    al_strbuf_free(&b);
    return o;
}

/* A region starting at the location and, when a name is written there, covering it on that line. */
static cJSON *physical_location_json(al_source_loc loc, const char *name, sarif_ctx *cx)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "artifactLocation", artifact_location_json(loc.file, cx->root));
    cJSON *region = cJSON_AddObjectToObject(o, "region");
    unsigned line = loc.line ? loc.line : 1, column = loc.column ? loc.column : 1;
    unsigned end = column + (name && *name ? (unsigned)strlen(name) : 1);
    size_t len = 0;
    const char *text = al_source_line(al_sources_get(cx->sources, loc.file), line, &len);
    if (text) { /* libclang's byte columns in the UTF-16 code units columnKind announces */
        end = al_utf16_column(text, len, end);
        column = al_utf16_column(text, len, column);
    }
    cJSON_AddNumberToObject(region, "startLine", line);
    cJSON_AddNumberToObject(region, "startColumn", column);
    cJSON_AddNumberToObject(region, "endLine", line);
    cJSON_AddNumberToObject(region, "endColumn", end);
    return o;
}

static cJSON *location_json(al_source_loc loc, const char *name, sarif_ctx *cx, const char *text)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "physicalLocation", physical_location_json(loc, name, cx));
    if (text)
        cJSON_AddItemToObject(o, "message", message_json(text));
    return o;
}

static cJSON *string_array(const char *const *items, size_t count)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < count; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(items[i]));
    return a;
}

static cJSON *rule_json(const rule_info *r, const char *rule)
{
    cJSON *o = cJSON_CreateObject();
    char *id = al_xasprintf("%s/%s", rule, r->category);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "name", r->name);
    cJSON_AddItemToObject(o, "shortDescription", message_json(r->short_description));
    cJSON_AddItemToObject(o, "fullDescription", message_json(r->full_description));
    char *text = al_xasprintf("%s An event loop runs every handler on one thread, so a blocking call there delays "
                              "every other connection, timer and signal the loop serves. Fix: %s The finding's own "
                              "message names the fix in the terms of the handler's event loop.",
                              r->full_description, r->fix);
    char *markdown =
        al_xasprintf("**%s** (`%s`)\n\n%s\n\nAn event loop runs every handler on one thread, so a blocking call there "
                     "delays every other connection, timer and signal the loop serves. Each result shows the chain "
                     "from the handler to the blocking call as a code flow, and the handler's registration.\n\n"
                     "## How to fix\n\n%s\n\nThe result's message names the fix in the terms of the handler's own "
                     "event loop. If the function really runs on a worker thread, mark it so (see "
                     "[annotations](" INFORMATION_URI "/blob/main/docs/rules.md)).",
                     r->short_description, id, r->full_description, r->fix);
    cJSON *help = cJSON_AddObjectToObject(o, "help");
    cJSON_AddStringToObject(help, "text", text);
    cJSON_AddStringToObject(help, "markdown", markdown);
    char *uri = al_xasprintf(CATEGORIES_URI "#%s", r->category);
    cJSON_AddStringToObject(o, "helpUri", uri);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "defaultConfiguration"), "level", "error");
    cJSON *properties = cJSON_AddObjectToObject(o, "properties");
    static const char *const tags[] = {"concurrency", "performance", "event-loop"};
    cJSON_AddItemToObject(properties, "tags", string_array(tags, 3));
    cJSON_AddStringToObject(properties, "precision", "high");
    cJSON_AddStringToObject(properties, "category", r->category);
    free(id);
    free(text);
    free(markdown);
    free(uri);
    return o;
}

/* The rule of the blocking calls asynclock trace saw that no finding explains (only with --trace). */
static cJSON *observed_rule_json(const char *rule)
{
    cJSON *o = cJSON_CreateObject();
    char *id = al_xasprintf("%s/observed-only", rule);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "name", "BlockingCallObservedOnLoopThread");
    cJSON_AddItemToObject(o, "shortDescription",
                          message_json("A blocking call was observed on an event-loop thread where no finding is."));
    cJSON_AddItemToObject(o, "fullDescription",
                          message_json("asynclock trace saw a loop thread call a blocking API here, and the static "
                                       "analysis reported nothing at this call: a call through a pointer it could not "
                                       "resolve, a library function no rule describes, or code it did not analyze."));
    char *markdown = al_xasprintf(
        "**A blocking call was observed on an event-loop thread where no finding is.** (`%s`)\n\n"
        "The result's stack shows how the loop thread got there, as recorded by `asynclock trace`. Find which "
        "handler runs this code, then move the call off the loop thread the way the other findings suggest; or "
        "teach the analysis what it missed (a rule for the library function, `ASYNCLOCK_BLOCKING` on your own). "
        "See [docs/trace.md](" INFORMATION_URI "/blob/main/docs/trace.md).",
        id);
    cJSON *help = cJSON_AddObjectToObject(o, "help");
    cJSON_AddStringToObject(help, "text",
                            "asynclock trace saw a loop thread block here, and no finding explains it. The stack shows "
                            "the way there; move the call off the loop thread, or teach the analysis what it missed.");
    cJSON_AddStringToObject(help, "markdown", markdown);
    cJSON_AddStringToObject(o, "helpUri", INFORMATION_URI "/blob/main/docs/trace.md");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "defaultConfiguration"), "level", "warning");
    cJSON *properties = cJSON_AddObjectToObject(o, "properties");
    static const char *const tags[] = {"concurrency", "performance", "event-loop", "runtime"};
    cJSON_AddItemToObject(properties, "tags", string_array(tags, 4));
    cJSON_AddStringToObject(properties, "precision", "high");
    free(id);
    free(markdown);
    return o;
}

/* Measured blocked time, in nanoseconds, as the JSON report has it. */
static cJSON *stall_json(const al_observation *x)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "calls", (double)x->stall.calls);
    cJSON_AddNumberToObject(o, "totalNs", (double)x->stall.total_ns);
    cJSON_AddNumberToObject(o, "minNs", (double)x->stall.min_ns);
    cJSON_AddNumberToObject(o, "p50Ns", (double)x->stall.p50_ns);
    cJSON_AddNumberToObject(o, "p99Ns", (double)x->stall.p99_ns);
    cJSON_AddNumberToObject(o, "maxNs", (double)x->stall.max_ns);
    return o;
}

/* A place known by its line only (what the debug information gives). */
static cJSON *line_location_json(const char *file, unsigned line, sarif_ctx *cx)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *physical = cJSON_AddObjectToObject(o, "physicalLocation");
    cJSON_AddItemToObject(physical, "artifactLocation", artifact_location_json(file, cx->root));
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(physical, "region"), "startLine", line);
    return o;
}

static cJSON *observed_only_result_json(const al_observation *x, const char *rule, int rule_index, sarif_ctx *cx)
{
    const al_trace_site *s = x->example;
    cJSON *o = cJSON_CreateObject();
    char *rule_id = al_xasprintf("%s/observed-only", rule);
    cJSON_AddStringToObject(o, "ruleId", rule_id);
    free(rule_id);
    cJSON_AddNumberToObject(o, "ruleIndex", rule_index);
    cJSON_AddStringToObject(o, "level", "warning");
    char total[32], p99[32], max[32];
    al_format_duration(total, sizeof(total), x->stall.total_ns);
    al_format_duration(p99, sizeof(p99), x->stall.p99_ns);
    al_format_duration(max, sizeof(max), x->stall.max_ns);
    char *text = al_xasprintf("blocking call '%s' observed on a loop thread, which no finding explains: %llu calls, %s "
                              "in all, p99 %s, max %s",
                              s->api, (unsigned long long)x->stall.calls, total, p99, max);
    cJSON_AddItemToObject(o, "message", message_json(text));
    free(text);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "locations"), line_location_json(x->loc.file, x->loc.line, cx));
    /* the stack the call was seen with */
    cJSON *stack = cJSON_CreateObject();
    char *about =
        al_xasprintf("as asynclock trace recorded it in %s (pid %ld)", s->program ? s->program : "the program", s->pid);
    cJSON_AddItemToObject(stack, "message", message_json(about));
    free(about);
    cJSON *frames = cJSON_AddArrayToObject(stack, "frames");
    for (size_t k = 0; k < s->stack.count; k++) {
        const al_trace_frame *fr = &s->stack.items[k];
        cJSON *frame = cJSON_CreateObject();
        cJSON *loc = fr->file && fr->file[0] == '/' ? line_location_json(fr->file, fr->line, cx) : cJSON_CreateObject();
        if (fr->function) {
            cJSON *logical = cJSON_CreateObject();
            cJSON_AddStringToObject(logical, "name", fr->function);
            cJSON_AddStringToObject(logical, "kind", "function");
            cJSON_AddItemToArray(cJSON_AddArrayToObject(loc, "logicalLocations"), logical);
        }
        cJSON_AddItemToObject(frame, "location", loc);
        if (fr->module)
            cJSON_AddStringToObject(frame, "module", fr->module);
        cJSON_AddItemToArray(frames, frame);
    }
    cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "stacks"), stack);
    cJSON *properties = cJSON_AddObjectToObject(o, "properties");
    cJSON_AddStringToObject(properties, "callee", s->api);
    if (s->category)
        cJSON_AddStringToObject(properties, "category", s->category);
    cJSON_AddItemToObject(properties, "observed", stall_json(x));
    cJSON_AddStringToObject(properties, "trace", s->trace);
    return o;
}

/* One code flow per handler: where it is registered, then every call of its chain. */
/* One thread's part of a code flow: a handler on the loop thread up to the blocking call (or the
 * lock it takes), or, with `holder`, the worker that holds the lock: its entry, where it takes the
 * lock, and its calls up to the blocking call it makes under it. */
static cJSON *thread_flow_json(const al_finding_handler *h, const al_lock_holder *holder,
                               const al_lock_holder *waits_for, sarif_ctx *cx)
{
    cJSON *thread_flow = cJSON_CreateObject();
    char *text = holder ? al_xasprintf("worker thread: '%s' holds '%s'", h->name, holder->lock)
                        : al_xasprintf("loop thread: '%s'", h->name);
    cJSON_AddItemToObject(thread_flow, "message", message_json(text));
    free(text);
    cJSON *locations = cJSON_AddArrayToObject(thread_flow, "locations");
    int order = 1;

    cJSON *reg = cJSON_CreateObject();
    text = al_xasprintf("'%s' runs on %s: %s", h->name, holder ? "a worker thread" : "the loop thread",
                        h->context ? h->context : h->kind);
    cJSON_AddItemToObject(reg, "location", location_json(h->registered_at, NULL, cx, text));
    free(text);
    cJSON_AddNumberToObject(reg, "nestingLevel", 0);
    cJSON_AddNumberToObject(reg, "executionOrder", order++);
    cJSON_AddItemToArray(locations, reg);

    const al_chain_step **steps = al_chain_steps(h);
    bool taken = false;
    for (size_t i = 0; i < h->chain_length; i++) {
        const al_chain_step *s = steps[i];
        if (holder && !taken && strcmp(s->call->function, holder->acquired_in) == 0) {
            cJSON *take = cJSON_CreateObject();
            text = al_xasprintf("'%s' takes '%s'", holder->acquired_in, holder->lock);
            cJSON_AddItemToObject(take, "location", location_json(holder->acquired_at, NULL, cx, text));
            free(text);
            static const char *const acquire[] = {"acquire", "lock"};
            cJSON_AddItemToObject(take, "kinds", string_array(acquire, 2));
            cJSON_AddNumberToObject(take, "nestingLevel", (double)i);
            cJSON_AddNumberToObject(take, "executionOrder", order++);
            cJSON_AddItemToArray(locations, take);
            taken = true;
        }
        cJSON *step = cJSON_CreateObject();
        if (i + 1 == h->chain_length && holder)
            text = al_xasprintf("'%s' calls '%s', which blocks while it holds '%s'", s->call->function, s->callee,
                                holder->lock);
        else if (i + 1 == h->chain_length && waits_for)
            text = al_xasprintf("'%s' calls '%s', which waits while the worker holds '%s'", s->call->function,
                                s->callee, waits_for->lock);
        else if (i + 1 == h->chain_length)
            text = al_xasprintf("'%s' calls '%s', which blocks", s->call->function, s->callee);
        else if (s->call->instance)
            text = al_xasprintf("'%s' calls '%s' through %s, but the object here was set up from '%s', which does "
                                "not hold it",
                                s->call->function, s->callee, s->call->via, s->call->instance);
        else if (s->call->via && s->call->targets > 1)
            text = al_xasprintf("'%s' calls '%s' through %s (one of %u functions it may call)", s->call->function,
                                s->callee, s->call->via, s->call->targets);
        else if (s->call->via)
            text = al_xasprintf("'%s' calls '%s' through %s", s->call->function, s->callee, s->call->via);
        else
            text = al_xasprintf("'%s' calls '%s'", s->call->function, s->callee);
        cJSON_AddItemToObject(step, "location", location_json(s->call->loc, s->callee, cx, text));
        free(text);
        static const char *const call[] = {"call"};
        cJSON_AddItemToObject(step, "kinds", string_array(call, 1));
        cJSON_AddNumberToObject(step, "nestingLevel", (double)i);
        cJSON_AddNumberToObject(step, "executionOrder", order++);
        if (i + 1 == h->chain_length)
            cJSON_AddStringToObject(step, "importance", "essential");
        cJSON_AddItemToArray(locations, step);
    }
    free(steps);
    return thread_flow;
}

/* A handler's code flow; a lock finding's has a second thread flow, the worker holding the lock. */
static cJSON *code_flow_json(const al_finding *x, const al_finding_handler *h, sarif_ctx *cx)
{
    cJSON *flow = cJSON_CreateObject();
    char *text = x->holder ? al_xasprintf("'%s' takes '%s' while worker '%s' holds it across '%s'", h->name,
                                          x->holder->lock, x->holder->worker.name, x->holder->blocking)
                           : al_xasprintf("'%s' reaches the blocking call '%s'", h->name, x->callee);
    cJSON_AddItemToObject(flow, "message", message_json(text));
    free(text);
    cJSON *thread_flows = cJSON_AddArrayToObject(flow, "threadFlows");
    cJSON_AddItemToArray(thread_flows, thread_flow_json(h, NULL, x->holder, cx));
    if (x->holder)
        cJSON_AddItemToArray(thread_flows, thread_flow_json(&x->holder->worker, x->holder, NULL, cx));
    return flow;
}

static bool same_loc(al_source_loc a, al_source_loc b)
{
    return a.line == b.line && a.column == b.column && strcmp(a.file, b.file) == 0;
}

static void add_related_locations(cJSON *related, const al_finding_handler *h, int *id, sarif_ctx *cx)
{
    char *text;
    cJSON *loc;
    if (same_loc(h->defined_at, h->registered_at)) {
        text = al_xasprintf("'%s' is defined here and runs on the loop thread: %s", h->name,
                            h->context ? h->context : h->kind);
        loc = location_json(h->defined_at, h->name, cx, text);
        cJSON_AddNumberToObject(loc, "id", (*id)++);
        cJSON_AddItemToArray(related, loc);
        free(text);
        return;
    }
    text = al_xasprintf("event-loop handler '%s' is defined here (%s)", h->name, h->kind);
    loc = location_json(h->defined_at, h->name, cx, text);
    free(text);
    cJSON_AddNumberToObject(loc, "id", (*id)++);
    cJSON_AddItemToArray(related, loc);
    text = al_xasprintf("'%s' runs on the loop thread: %s", h->name, h->context ? h->context : h->kind);
    loc = location_json(h->registered_at, NULL, cx, text);
    free(text);
    cJSON_AddNumberToObject(loc, "id", (*id)++);
    cJSON_AddItemToArray(related, loc);
}

/* A result with its "ruleId" and, for a known category, "ruleIndex". */
static cJSON *new_result(const char *rule, const char *category)
{
    cJSON *o = cJSON_CreateObject();
    char *rule_id = al_xasprintf("%s/%s", rule, category);
    cJSON_AddStringToObject(o, "ruleId", rule_id);
    free(rule_id);
    int index = rule_index(category);
    if (index >= 0)
        cJSON_AddNumberToObject(o, "ruleIndex", index);
    return o;
}

static cJSON *result_json(const al_findings *f, const al_finding *x, sarif_ctx *cx, double largest_stall)
{
    cJSON *o = new_result(x->rule, x->category);
    cJSON_AddStringToObject(o, "level", level_name(x->severity));
    size_t n = strlen(x->message);
    char *text = al_xasprintf("%s%s Suggested fix: %s", x->message, n && x->message[n - 1] == '.' ? "" : ".", x->fix);
    cJSON_AddItemToObject(o, "message", message_json(text));
    free(text);

    cJSON *locations = cJSON_AddArrayToObject(o, "locations");
    cJSON *loc = location_json(x->loc, x->callee, cx, NULL);
    cJSON *logical = cJSON_AddArrayToObject(loc, "logicalLocations");
    cJSON *function = cJSON_CreateObject();
    cJSON_AddStringToObject(function, "name", x->function);
    cJSON_AddStringToObject(function, "kind", "function");
    cJSON_AddItemToArray(logical, function);
    cJSON_AddItemToArray(locations, loc);

    /* GitHub's form is "hash:occurrence"; the fingerprint already tells occurrences apart. */
    cJSON *fingerprints = cJSON_AddObjectToObject(o, "partialFingerprints");
    char *line_hash = al_xasprintf("%s:1", x->fingerprint);
    cJSON_AddStringToObject(fingerprints, "primaryLocationLineHash", line_hash);
    free(line_hash);
    cJSON_AddStringToObject(fingerprints, "asyncLockFingerprint/v2", x->fingerprint);
    if (x->baseline != AL_BASELINE_NONE)
        cJSON_AddStringToObject(o, "baselineState", x->baseline == AL_BASELINE_NEW ? "new" : "unchanged");

    if (x->handler_count > 0) {
        cJSON *flows = cJSON_AddArrayToObject(o, "codeFlows");
        for (size_t h = 0; h < x->handler_count; h++)
            cJSON_AddItemToArray(flows, code_flow_json(x, &x->handlers[h], cx));
        cJSON *related = cJSON_AddArrayToObject(o, "relatedLocations");
        int id = 1;
        for (size_t h = 0; h < x->handler_count; h++)
            add_related_locations(related, &x->handlers[h], &id, cx);
    }

    if (x->suppression) {
        /* the comment that suppressed it: code scanning shows the result as dismissed in source */
        const al_suppression *sup = x->suppression;
        cJSON *suppression = cJSON_CreateObject();
        cJSON_AddStringToObject(suppression, "kind", "inSource");
        if (sup->reason)
            cJSON_AddStringToObject(suppression, "justification", sup->reason);
        al_source_loc at = {sup->file, sup->line, sup->column};
        cJSON_AddItemToObject(suppression, "location", location_json(at, sup->marker, cx, NULL));
        cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "suppressions"), suppression);
    }

    cJSON *properties = cJSON_AddObjectToObject(o, "properties");
    cJSON_AddStringToObject(properties, "category", x->category);
    cJSON_AddStringToObject(properties, "callee", x->callee);
    cJSON_AddStringToObject(properties, "function", x->function);
    cJSON_AddStringToObject(properties, "certainty", al_certainty_name(x->certainty));
    cJSON *names = cJSON_AddArrayToObject(properties, "handlers");
    for (size_t h = 0; h < x->handler_count; h++)
        cJSON_AddItemToArray(names, cJSON_CreateString(x->handlers[h].name));
    cJSON_AddStringToObject(properties, "why", x->why);
    cJSON_AddStringToObject(properties, "fix", x->fix);
    cJSON *programs = cJSON_AddArrayToObject(properties, "programs");
    for (size_t i = 0; i < x->programs.count; i++)
        cJSON_AddItemToArray(programs, cJSON_CreateString(f->programs.items[x->programs.items[i]].name));
    if (largest_stall >= 0) {
        /* with --trace: what was measured, and a rank by it (100: the most blocked time) */
        cJSON_AddItemToObject(properties, "observed", x->observed ? stall_json(x->observed) : cJSON_CreateNull());
        double rank =
            x->observed && largest_stall > 0 ? 100.0 * (double)x->observed->stall.total_ns / largest_stall : 0;
        cJSON_AddNumberToObject(o, "rank", rank);
    }
    return o;
}

/* A baseline entry no finding matches any more: an "absent" result, so a viewer can show it fixed. */
static cJSON *absent_result_json(const al_baseline_entry *e, const char *source_root, sarif_ctx *cx)
{
    cJSON *o = new_result(e->rule, e->category);
    cJSON_AddStringToObject(o, "kind", "pass");
    cJSON_AddStringToObject(o, "level", "none");
    char *text = al_xasprintf("fixed: blocking call '%s' in '%s' is gone (the baseline entry can be pruned)", e->call,
                              e->function);
    cJSON_AddItemToObject(o, "message", message_json(text));
    free(text);
    cJSON *locations = cJSON_AddArrayToObject(o, "locations");
    cJSON *loc = cJSON_CreateObject();
    char *file = al_path_absolute(e->file, source_root);
    cJSON *physical = cJSON_AddObjectToObject(loc, "physicalLocation");
    cJSON_AddItemToObject(physical, "artifactLocation", artifact_location_json(file, cx->root));
    /* the call has no line any more: the whole file is the region */
    const al_source *source = al_sources_get(cx->sources, file);
    size_t lines = source->readable ? source->line_count : 1;
    cJSON *region = cJSON_AddObjectToObject(physical, "region");
    cJSON_AddNumberToObject(region, "startLine", 1);
    cJSON_AddNumberToObject(region, "endLine", lines);
    free(file);
    cJSON_AddItemToArray(locations, loc);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "partialFingerprints"), "asyncLockFingerprint/v2",
                            e->fingerprint);
    cJSON_AddStringToObject(o, "baselineState", "absent");
    return o;
}

static cJSON *notification_json(const al_unit_failure *u, sarif_ctx *cx)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "level", u->parsed ? "warning" : "error");
    char *text = al_xasprintf("%s (%s)", u->message,
                              u->parsed ? "partially analyzed: its facts up to the error were used" : "not analyzed");
    cJSON_AddItemToObject(o, "message", message_json(text));
    free(text);
    cJSON *locations = cJSON_AddArrayToObject(o, "locations");
    cJSON *loc = cJSON_CreateObject();
    cJSON *physical = cJSON_AddObjectToObject(loc, "physicalLocation");
    cJSON_AddItemToObject(physical, "artifactLocation", artifact_location_json(u->file, cx->root));
    cJSON_AddItemToArray(locations, loc);
    cJSON_AddBoolToObject(cJSON_AddObjectToObject(o, "properties"), "partiallyAnalyzed", u->parsed);
    return o;
}

/* A link clash (an external function defined twice in one program): a warning of the run. */
static cJSON *clash_notification_json(const al_findings *f, const al_link_clash *c, sarif_ctx *cx)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "level", "warning");
    al_strbuf text = {0};
    al_strbuf_appendf(&text, "'%s' is defined twice in program", c->function);
    for (size_t i = 0; i < c->programs.count; i++)
        al_strbuf_appendf(&text, "%s '%s'",
                          i                       ? ","
                          : c->programs.count > 1 ? "s"
                                                  : "",
                          f->programs.items[c->programs.items[i]].name);
    al_strbuf_appendf(&text, ": here and at %s:%u, which the analysis uses", c->kept.file, c->kept.line);
    cJSON_AddItemToObject(o, "message", message_json(text.data));
    al_strbuf_free(&text);
    cJSON *locations = cJSON_AddArrayToObject(o, "locations");
    cJSON_AddItemToArray(locations, location_json(c->other, c->function, cx, NULL));
    return o;
}

void al_report_sarif(FILE *out, const al_findings *f, const al_sarif_options *o)
{
    const char *version = o && o->tool_version ? o->tool_version : "0.0.0";
    /* the root without trailing slashes; "/" stays "/" */
    char *root = NULL;
    const char *given = o && o->source_root && o->source_root[0] == '/' ? o->source_root : f->source_root;
    if (given && given[0] == '/') {
        root = al_xstrdup(given);
        size_t n = strlen(root);
        while (n > 1 && root[n - 1] == '/')
            root[--n] = '\0';
    }

    al_sources sources;
    al_sources_init(&sources);
    sarif_ctx cx = {root, &sources};
    cJSON *sarif = cJSON_CreateObject();
    cJSON_AddStringToObject(sarif, "$schema", SARIF_SCHEMA);
    cJSON_AddStringToObject(sarif, "version", "2.1.0");
    cJSON *runs = cJSON_AddArrayToObject(sarif, "runs");
    cJSON *run = cJSON_CreateObject();
    cJSON_AddItemToArray(runs, run);

    cJSON *driver = cJSON_AddObjectToObject(cJSON_AddObjectToObject(run, "tool"), "driver");
    cJSON_AddStringToObject(driver, "name", "asynclock");
    cJSON_AddStringToObject(driver, "version", version);
    cJSON_AddStringToObject(driver, "semanticVersion", version);
    cJSON_AddStringToObject(driver, "informationUri", INFORMATION_URI);
    cJSON *rules = cJSON_AddArrayToObject(driver, "rules");
    const char *rule = f->items.count ? f->items.items[0].rule : "async-lock";
    for (size_t i = 0; i < RULE_COUNT; i++)
        cJSON_AddItemToArray(rules, rule_json(&rule_infos[i], rule));
    if (f->observations)
        cJSON_AddItemToArray(rules, observed_rule_json(rule));

    cJSON *invocations = cJSON_AddArrayToObject(run, "invocations");
    cJSON *invocation = cJSON_CreateObject();
    cJSON_AddItemToArray(invocations, invocation);
    cJSON_AddBoolToObject(invocation, "executionSuccessful", true);
    /* counts, so a half-analyzed program is not mistaken for a clean one */
    size_t partial = 0;
    for (size_t i = 0; i < f->failures.count; i++)
        partial += f->failures.items[i].parsed;
    cJSON *counts = cJSON_AddObjectToObject(invocation, "properties");
    cJSON_AddNumberToObject(counts, "translationUnits", (double)f->summary.translation_units);
    cJSON_AddNumberToObject(counts, "failedUnits", (double)f->failures.count);
    cJSON_AddNumberToObject(counts, "partiallyAnalyzedUnits", (double)partial);
    cJSON_AddNumberToObject(counts, "notAnalyzedUnits", (double)(f->failures.count - partial));
    cJSON_AddNumberToObject(counts, "programs", (double)f->programs.count);
    if (f->failures.count || f->clashes.count) {
        cJSON *notes = cJSON_AddArrayToObject(invocation, "toolExecutionNotifications");
        for (size_t i = 0; i < f->failures.count; i++)
            cJSON_AddItemToArray(notes, notification_json(&f->failures.items[i], &cx));
        for (size_t i = 0; i < f->clashes.count; i++)
            cJSON_AddItemToArray(notes, clash_notification_json(f, &f->clashes.items[i], &cx));
    }

    if (root) {
        cJSON *bases = cJSON_AddObjectToObject(run, "originalUriBaseIds");
        al_strbuf b = {0};
        al_strbuf_append_file_uri(&b, root);
        if (b.data[b.len - 1] != '/')
            al_strbuf_putc(&b, '/');
        cJSON *base = cJSON_AddObjectToObject(bases, SRCROOT);
        cJSON_AddStringToObject(base, "uri", b.data);
        cJSON_AddItemToObject(base, "description", message_json("The source root of the analyzed project"));
        al_strbuf_free(&b);
    }

    /* with --trace, results are ranked by measured blocked time; -1: no traces */
    double largest = f->observations ? 0 : -1;
    for (size_t i = 0; f->observations && i < f->items.count + f->suppressed.count; i++) {
        const al_finding *x = i < f->items.count ? &f->items.items[i] : &f->suppressed.items[i - f->items.count];
        if (x->observed && (double)x->observed->stall.total_ns > largest)
            largest = (double)x->observed->stall.total_ns;
    }
    cJSON *results = cJSON_AddArrayToObject(run, "results");
    for (size_t i = 0; i < f->items.count; i++)
        cJSON_AddItemToArray(results, result_json(f, &f->items.items[i], &cx, largest));
    for (size_t i = 0; i < f->suppressed.count; i++)
        cJSON_AddItemToArray(results, result_json(f, &f->suppressed.items[i], &cx, largest));
    size_t unplaced = 0;
    for (size_t i = 0; f->observations && i < f->observations->only.count; i++) {
        const al_observation *x = f->observations->only.items[i];
        /* code scanning needs a place in a source file: a call seen only inside libraries stays in JSON */
        if (x->loc.file && x->loc.file[0] == '/')
            cJSON_AddItemToArray(results, observed_only_result_json(x, rule, (int)RULE_COUNT, &cx));
        else
            unplaced++;
    }
    if (f->observations) {
        cJSON_AddNumberToObject(counts, "traces", (double)f->observations->files.count);
        cJSON_AddNumberToObject(counts, "observedOnlyWithoutSource", (double)unplaced);
    }
    for (size_t i = 0; i < f->gone.count; i++)
        cJSON_AddItemToArray(results, absent_result_json(&f->gone.items[i], f->source_root, &cx));
    cJSON_AddStringToObject(run, "columnKind", "utf16CodeUnits");

    char *text = cJSON_Print(sarif);
    fputs(text, out);
    fputc('\n', out);
    cJSON_free(text);
    cJSON_Delete(sarif);
    al_sources_free(&sources);
    free(root);
}
