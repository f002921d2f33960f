/* json: the machine-readable report (version 1 of the contract in docs/json-output.md). Built with
 * cJSON, which escapes every string. */
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "observed.h"
#include "report.h"

/* {"version": 1, "tool": {...}}: how every JSON report starts. */
static cJSON *new_report(const char *tool_version)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "version", 1);
    cJSON *tool = cJSON_AddObjectToObject(root, "tool");
    cJSON_AddStringToObject(tool, "name", "asynclock");
    cJSON_AddStringToObject(tool, "version", tool_version);
    return root;
}

static void write_report(FILE *out, cJSON *root)
{
    char *text = cJSON_Print(root);
    fputs(text, out);
    fputc('\n', out);
    cJSON_free(text);
    cJSON_Delete(root);
}

static cJSON *location_json(al_source_loc loc, bool with_column)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", loc.file);
    cJSON_AddNumberToObject(o, "line", loc.line);
    if (with_column)
        cJSON_AddNumberToObject(o, "column", loc.column);
    return o;
}

/* The names of the programs a finding or handler is found in. */
static cJSON *program_names(const al_findings *f, const al_u32_vec *programs)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; i < programs->count; i++)
        cJSON_AddItemToArray(list, cJSON_CreateString(f->programs.items[programs->items[i]].name));
    return list;
}

static cJSON *handler_json(const al_findings *f, const al_finding_handler *h)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", h->name);
    cJSON_AddStringToObject(o, "file", h->defined_at.file);
    cJSON_AddNumberToObject(o, "line", h->defined_at.line);
    cJSON_AddStringToObject(o, "kind", h->kind);
    if (h->context)
        cJSON_AddStringToObject(o, "context", h->context);
    cJSON_AddItemToObject(o, "registered_at", location_json(h->registered_at, true));
    cJSON *chain = cJSON_AddArrayToObject(o, "chain");
    const al_chain_step **steps = al_chain_steps(h);
    for (size_t i = 0; i < h->chain_length; i++) {
        const al_chain_step *s = steps[i];
        cJSON *step = cJSON_CreateObject();
        cJSON_AddStringToObject(step, "function", s->call->function);
        cJSON_AddStringToObject(step, "callee", s->callee);
        cJSON_AddStringToObject(step, "file", s->call->loc.file);
        cJSON_AddNumberToObject(step, "line", s->call->loc.line);
        cJSON_AddNumberToObject(step, "column", s->call->loc.column);
        if (s->call->via) {
            cJSON_AddStringToObject(step, "via", s->call->via);
            cJSON_AddNumberToObject(step, "targets", s->call->targets);
            if (s->call->instance)
                cJSON_AddStringToObject(step, "instance", s->call->instance);
        }
        cJSON_AddItemToArray(chain, step);
    }
    free(steps);
    cJSON_AddItemToObject(o, "programs", program_names(f, &h->programs));
    return o;
}

/* Blocked time, as measured by asynclock trace (all in nanoseconds). */
static cJSON *stall_json(const al_observation *x)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "calls", (double)x->stall.calls);
    cJSON_AddNumberToObject(o, "total_ns", (double)x->stall.total_ns);
    cJSON_AddNumberToObject(o, "min_ns", (double)x->stall.min_ns);
    cJSON_AddNumberToObject(o, "p50_ns", (double)x->stall.p50_ns);
    cJSON_AddNumberToObject(o, "p99_ns", (double)x->stall.p99_ns);
    cJSON_AddNumberToObject(o, "max_ns", (double)x->stall.max_ns);
    cJSON_AddNumberToObject(o, "sites", (double)x->sites);
    return o;
}

static cJSON *optional_string(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *trace_stack_json(const al_trace_site *s)
{
    cJSON *stack = cJSON_CreateArray();
    for (size_t k = 0; k < s->stack.count; k++) {
        const al_trace_frame *f = &s->stack.items[k];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "function", optional_string(f->function));
        cJSON_AddItemToObject(o, "file", optional_string(f->file));
        cJSON_AddNumberToObject(o, "line", f->line);
        cJSON_AddItemToObject(o, "module", optional_string(f->module));
        char offset[32];
        snprintf(offset, sizeof(offset), "0x%llx", (unsigned long long)f->offset);
        cJSON_AddStringToObject(o, "offset", offset);
        cJSON_AddItemToArray(stack, o);
    }
    return stack;
}

/* A blocking call seen on a loop thread that no finding explains: the API, where, how long, and the
 * stack of its site with the most blocked time. */
static cJSON *observed_only_json(const al_observation *x)
{
    const al_trace_site *s = x->example;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "callee", s->api);
    cJSON_AddItemToObject(o, "category", optional_string(s->category));
    if (x->loc.file) {
        cJSON *loc = cJSON_AddObjectToObject(o, "location");
        cJSON_AddStringToObject(loc, "file", x->loc.file);
        cJSON_AddNumberToObject(loc, "line", x->loc.line);
    } else {
        cJSON_AddNullToObject(o, "location");
    }
    cJSON_AddItemToObject(o, "observed", stall_json(x));
    cJSON_AddItemToObject(o, "program", optional_string(s->program));
    cJSON_AddNumberToObject(o, "pid", (double)s->pid);
    cJSON_AddStringToObject(o, "trace", s->trace);
    cJSON_AddItemToObject(o, "stack", trace_stack_json(s));
    return o;
}

static cJSON *finding_json(const al_findings *f, const al_finding *x)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "rule", x->rule);
    cJSON_AddStringToObject(o, "category", x->category);
    cJSON_AddStringToObject(o, "severity", al_severity_name(x->severity));
    cJSON_AddStringToObject(o, "callee", x->callee);
    cJSON_AddItemToObject(o, "location", location_json(x->loc, true));
    cJSON_AddStringToObject(o, "function", x->function);
    cJSON *handlers = cJSON_AddArrayToObject(o, "handlers");
    for (size_t h = 0; h < x->handler_count; h++)
        cJSON_AddItemToArray(handlers, handler_json(f, &x->handlers[h]));
    cJSON_AddStringToObject(o, "message", x->message);
    cJSON_AddStringToObject(o, "why", x->why);
    cJSON_AddStringToObject(o, "fix", x->fix);
    cJSON_AddStringToObject(o, "fingerprint", x->fingerprint);
    cJSON_AddStringToObject(o, "call", x->call);
    cJSON_AddStringToObject(o, "certainty", al_certainty_name(x->certainty));
    if (x->holder) { /* category "lock": the worker that holds the lock across blocking work */
        cJSON *lock = cJSON_AddObjectToObject(o, "lock");
        cJSON_AddStringToObject(lock, "name", x->holder->lock);
        cJSON_AddItemToObject(lock, "worker", handler_json(f, &x->holder->worker));
        cJSON *taken = location_json(x->holder->acquired_at, true);
        cJSON_AddStringToObject(taken, "function", x->holder->acquired_in);
        cJSON_AddItemToObject(lock, "acquired_at", taken);
        cJSON_AddStringToObject(lock, "blocking", x->holder->blocking);
    }
    if (x->baseline != AL_BASELINE_NONE)
        cJSON_AddStringToObject(o, "baseline", x->baseline == AL_BASELINE_NEW ? "new" : "unchanged");
    cJSON_AddItemToObject(o, "programs", program_names(f, &x->programs));
    if (f->observations) /* with --trace: what was measured here, or null */
        cJSON_AddItemToObject(o, "observed", x->observed ? stall_json(x->observed) : cJSON_CreateNull());
    return o;
}

/* Every program of the run: how it was found and what it holds. */
static void add_programs(cJSON *root, const al_findings *f)
{
    cJSON *list = cJSON_AddArrayToObject(root, "programs");
    for (size_t i = 0; i < f->programs.count; i++) {
        const al_program_summary *p = &f->programs.items[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", p->name);
        cJSON_AddStringToObject(o, "how", p->how);
        cJSON_AddBoolToObject(o, "library", p->library);
        cJSON_AddNumberToObject(o, "units", (double)p->units);
        cJSON_AddNumberToObject(o, "handlers", (double)p->handlers);
        cJSON_AddNumberToObject(o, "findings", (double)p->findings);
        cJSON_AddItemToArray(list, o);
    }
    cJSON *clashes = cJSON_AddArrayToObject(root, "link_clashes");
    for (size_t i = 0; i < f->clashes.count; i++) {
        const al_link_clash *c = &f->clashes.items[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "function", c->function);
        cJSON_AddItemToObject(o, "kept", location_json(c->kept, true));
        cJSON_AddItemToObject(o, "other", location_json(c->other, true));
        cJSON_AddItemToObject(o, "programs", program_names(f, &c->programs));
        cJSON_AddItemToArray(clashes, o);
    }
}

/* A suppression comment: where it is, what it says, and why. */
static cJSON *comment_json(const al_suppression *sup)
{
    al_source_loc at = {sup->file, sup->line, sup->column};
    cJSON *o = location_json(at, true);
    cJSON_AddStringToObject(o, "comment", sup->marker);
    if (sup->reason)
        cJSON_AddStringToObject(o, "justification", sup->reason);
    else
        cJSON_AddNullToObject(o, "justification");
    return o;
}

void al_report_json(FILE *out, const al_findings *f, const char *tool_version)
{
    cJSON *root = new_report(tool_version);
    cJSON *findings = cJSON_AddArrayToObject(root, "findings");
    for (size_t i = 0; i < f->items.count; i++)
        cJSON_AddItemToArray(findings, finding_json(f, &f->items.items[i]));
    /* beside "findings", so that scripts reading findings see only what is to be acted on */
    cJSON *suppressed = cJSON_AddArrayToObject(root, "suppressed");
    for (size_t i = 0; i < f->suppressed.count; i++) {
        const al_finding *x = &f->suppressed.items[i];
        cJSON *o = finding_json(f, x);
        cJSON_AddItemToObject(o, "suppression", comment_json(x->suppression));
        cJSON_AddItemToArray(suppressed, o);
    }
    cJSON *unused = cJSON_AddArrayToObject(root, "unused_suppressions");
    for (size_t i = 0; i < f->unused.count; i++)
        cJSON_AddItemToArray(unused, comment_json(f->unused.items[i]));
    if (f->baselined) {
        cJSON *gone = cJSON_AddArrayToObject(root, "gone");
        for (size_t i = 0; i < f->gone.count; i++) {
            const al_baseline_entry *e = &f->gone.items[i];
            cJSON *o = cJSON_CreateObject();
            const char *keys[] = {"fingerprint", "rule", "category", "file", "function", "callee", "call", "handler"};
            const char *values[] = {e->fingerprint, e->rule,   e->category, e->file,
                                    e->function,    e->callee, e->call,     e->handler};
            for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
                cJSON_AddStringToObject(o, keys[k], values[k]);
            cJSON_AddNumberToObject(o, "count", (double)e->count);
            if (e->reason)
                cJSON_AddStringToObject(o, "reason", e->reason);
            cJSON_AddItemToArray(gone, o);
        }
    }
    add_programs(root, f);
    if (f->observations) {
        cJSON *only = cJSON_AddArrayToObject(root, "observed_only");
        for (size_t i = 0; i < f->observations->only.count; i++)
            cJSON_AddItemToArray(only, observed_only_json(f->observations->only.items[i]));
    }
    const al_summary *s = &f->summary;
    cJSON *summary = cJSON_AddObjectToObject(root, "summary");
    cJSON_AddNumberToObject(summary, "translation_units", (double)s->translation_units);
    cJSON_AddNumberToObject(summary, "programs", (double)f->programs.count);
    cJSON_AddNumberToObject(summary, "parse_errors", (double)s->parse_errors);
    cJSON_AddNumberToObject(summary, "functions", (double)s->functions);
    cJSON_AddNumberToObject(summary, "handlers", (double)s->handlers);
    cJSON_AddNumberToObject(summary, "findings", (double)s->findings);
    cJSON_AddNumberToObject(summary, "suppressed", (double)s->suppressed);
    cJSON_AddNumberToObject(summary, "excluded", (double)s->excluded);
    cJSON_AddNumberToObject(summary, "seconds", s->seconds);
    cJSON_AddNumberToObject(summary, "cached_units", (double)s->cached_units);
    if (f->observations) {
        size_t observed = 0;
        for (size_t i = 0; i < f->items.count; i++)
            observed += f->items.items[i].observed != NULL;
        cJSON_AddNumberToObject(summary, "traces", (double)f->observations->files.count);
        cJSON_AddNumberToObject(summary, "observed", (double)observed);
        cJSON_AddNumberToObject(summary, "observed_only", (double)f->observations->only.count);
        cJSON_AddNumberToObject(summary, "observed_outside", (double)f->observations->outside);
        cJSON_AddNumberToObject(summary, "observed_unchecked", (double)f->observations->unchecked_dropped);
    }
    cJSON *failures = cJSON_AddArrayToObject(summary, "failed_units");
    for (size_t i = 0; i < f->failures.count; i++) {
        cJSON *u = cJSON_CreateObject();
        cJSON_AddStringToObject(u, "file", f->failures.items[i].file);
        cJSON_AddStringToObject(u, "message", f->failures.items[i].message);
        cJSON_AddBoolToObject(u, "partially_analyzed", f->failures.items[i].parsed);
        cJSON_AddItemToArray(failures, u);
    }
    write_report(out, root);
}

void al_report_unknown_json(FILE *out, const al_unknown_entries *list, const char *tool_version)
{
    cJSON *root = new_report(tool_version);
    cJSON *unknown = cJSON_AddArrayToObject(root, "unknown");
    for (size_t i = 0; i < list->count; i++) {
        const al_unknown_entry *e = &list->items[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", e->name);
        cJSON_AddNumberToObject(o, "handlers", (double)e->handlers);
        cJSON_AddNumberToObject(o, "calls", (double)e->calls);
        cJSON *example = location_json(e->example, true);
        cJSON_AddStringToObject(example, "function", e->example_function);
        cJSON_AddItemToObject(o, "example", example);
        cJSON_AddItemToArray(unknown, o);
    }
    write_report(out, root);
}
