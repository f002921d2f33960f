/* findings: reach results -> user-facing findings. */
#include "findings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static al_source_loc source_loc(const al_program *p, al_loc loc)
{
    al_source_loc s = {al_program_str(p, loc.file), loc.line, loc.column};
    return s;
}

/* The deepest folder that holds every translation unit. */
static char *common_root(const al_program *p)
{
    if (p->units.count == 0)
        return al_xstrdup("/");
    char *root = al_xstrdup(al_program_str(p, p->units.items[0].file));
    char *slash = strrchr(root, '/');
    if (slash)
        slash[slash == root ? 1 : 0] = '\0';
    for (size_t i = 1; i < p->units.count; i++) {
        const char *file = al_program_str(p, p->units.items[i].file);
        while (strcmp(root, "/") != 0 && !(strncmp(file, root, strlen(root)) == 0 && file[strlen(root)] == '/')) {
            slash = strrchr(root, '/');
            slash[slash == root ? 1 : 0] = '\0';
        }
    }
    return root;
}

/* Which occurrence of a call to the same name within its function this call is (from 0). */
static unsigned occurrence(const al_program *p, uint32_t call_index)
{
    const al_call *call = &p->calls.items[call_index];
    const al_function *f = &p->functions.items[call->caller];
    unsigned n = 0;
    for (uint32_t k = f->first_call; k < call_index; k++)
        n += p->calls.items[k].callee_name == call->callee_name;
    return n;
}

static void fingerprint(al_finding *f, const char *root, unsigned occurrence_index)
{
    /* no line numbers: rule, category, relative path, function, callee, occurrence */
    char occ[16];
    snprintf(occ, sizeof(occ), "%u", occurrence_index);
    const char *parts[] = {f->rule, f->category, al_path_relative_to(f->loc.file, root), f->function, f->callee, occ};
    uint64_t h = AL_HASH_SEED;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        h = al_hash_bytes(parts[i], strlen(parts[i]) + 1, h);
    snprintf(f->fingerprint, sizeof(f->fingerprint), "%016llx", (unsigned long long)h);
}

/* The note's reason: how the handler was found, in words. */
static char *context_phrase(const al_handler *h)
{
    switch (h->how) {
    case AL_HANDLER_ANNOTATED:
        return al_xstrdup("annotated asynclock:handler here");
    case AL_MATCH_NAME_PATTERN:
        return al_xasprintf("its name matches '%s' (%s)", h->pattern, h->kind);
    case AL_MATCH_MARKER_CALL:
        return al_xasprintf("it calls '%s' here (%s)", h->pattern, h->kind);
    default:
        return al_xasprintf("registered as %s %s here", strchr("aeiouAEIOU", h->kind[0]) ? "an" : "a", h->kind);
    }
}

static int compare_findings(const void *a, const void *b)
{
    const al_finding *x = a, *y = b;
    int c = strcmp(x->loc.file, y->loc.file);
    if (c)
        return c;
    if (x->loc.line != y->loc.line)
        return x->loc.line < y->loc.line ? -1 : 1;
    if (x->loc.column != y->loc.column)
        return x->loc.column < y->loc.column ? -1 : 1;
    return strcmp(x->callee, y->callee);
}

static bool wanted(const al_findings_options *o, const char *file)
{
    if (!o || !o->only_files)
        return true;
    for (size_t i = 0; i < o->only_file_count; i++)
        if (strcmp(o->only_files[i], file) == 0)
            return true;
    return false;
}

/* How a call through a pointer was resolved, for the chain: "field cmd.fn", "array handlers". */
static char *via_phrase(const al_program *p, const al_call *call)
{
    switch (call->via) {
    case AL_VIA_FIELD:
        return al_xasprintf("field %s", al_program_str(p, call->callee_name));
    case AL_VIA_ARRAY:
        return al_xasprintf("array %s", al_program_str(p, call->callee_name));
    case AL_VIA_VARIABLE:
        return al_xasprintf("variable %s", al_program_str(p, call->callee_name));
    case AL_VIA_PARAMETER:
        return al_xasprintf("parameter %s", al_program_str(p, call->callee_name));
    case AL_VIA_TYPE:
        return al_xasprintf("type %s", al_program_str(p, call->pointee_type));
    case AL_VIA_NONE:
        break;
    }
    return al_xasprintf("pointer %s", al_program_str(p, call->callee_name));
}

void al_findings_build(al_findings *out, const al_program *p, const al_contexts *c, const al_reach *r,
                       const al_rules *rules, const al_findings_options *options)
{
    memset(out, 0, sizeof(*out));
    out->source_root = options && options->source_root ? al_xstrdup(options->source_root) : common_root(p);

    for (size_t s = 0; s < r->sites.count; s++) {
        const al_site *site = &r->sites.items[s];
        const al_call *call = &p->calls.items[site->call];
        al_finding f = {0};
        f.rule = "async-lock";
        f.callee = al_program_str(p, call->callee_name);
        f.loc = source_loc(p, call->loc);
        if (!wanted(options, f.loc.file))
            continue;
        f.function = al_program_str(p, p->functions.items[call->caller].name);
        const al_handler *first = &c->handlers.items[site->handlers.items[0].handler];
        if (site->api) {
            f.category = al_reach_call_category(p, call, site->api);
            f.severity = site->api->severity;
            f.why = site->api->why;
            f.fix = al_rules_fix(rules, first->family, site->api);
        } else {
            f.category = "custom";
            f.severity = AL_SEVERITY_ERROR;
            f.why = "the function is annotated asynclock:blocking";
            f.fix = al_rules_category_fix(rules, first->family, "custom");
            if (!f.fix)
                f.fix = "call it from a worker thread and deliver the result back to the loop";
        }
        f.handler_count = site->handlers.count;
        f.handlers = al_xcalloc(f.handler_count, sizeof(*f.handlers));
        for (size_t i = 0; i < site->handlers.count; i++) {
            const al_site_handler *sh = &site->handlers.items[i];
            const al_handler *h = &c->handlers.items[sh->handler];
            al_finding_handler *fh = &f.handlers[i];
            const al_function *hf = &p->functions.items[h->function];
            fh->name = al_program_str(p, hf->name);
            fh->defined_at = source_loc(p, hf->loc);
            fh->kind = h->kind;
            fh->registered_at = source_loc(p, h->registered_at);
            fh->context = context_phrase(h);
            fh->chain_length = sh->length;
            fh->chain = al_xcalloc(sh->length, sizeof(*fh->chain));
            for (uint32_t k = 0; k < sh->length; k++) {
                const al_call *step = &p->calls.items[r->chain_calls.items[sh->first + k]];
                fh->chain[k].function = al_program_str(p, p->functions.items[step->caller].name);
                fh->chain[k].callee = al_program_str(p, step->callee_name);
                fh->chain[k].loc = source_loc(p, step->loc);
                if (step->indirect && k + 1 < sh->length) {
                    /* the function it reaches is the one making the next call of the chain */
                    const al_call *next = &p->calls.items[r->chain_calls.items[sh->first + k + 1]];
                    fh->chain[k].callee = al_program_str(p, p->functions.items[next->caller].name);
                    fh->chain[k].via = via_phrase(p, step);
                }
            }
        }
        if (f.handler_count == 1)
            f.message = al_xasprintf("blocking call '%s' in event-loop handler '%s'", f.callee, f.handlers[0].name);
        else
            f.message = al_xasprintf("blocking call '%s' in event-loop handler '%s' (and %zu more)", f.callee,
                                     f.handlers[0].name, f.handler_count - 1);
        fingerprint(&f, out->source_root, occurrence(p, site->call));
        AL_VEC_PUSH(out->items, f);
    }
    if (out->items.count > 1)
        qsort(out->items.items, out->items.count, sizeof(al_finding), compare_findings);

    for (size_t i = 0; i < p->units.count; i++) {
        const al_unit_status *u = &p->units.items[i];
        if (u->parsed && u->errors == 0)
            continue;
        al_unit_failure failure = {al_program_str(p, u->file), u->failure ? u->failure : "failed to parse", u->parsed};
        AL_VEC_PUSH(out->failures, failure);
    }
    out->summary.translation_units = p->units.count;
    out->summary.parse_errors = out->failures.count;
    out->summary.handlers = c->handlers.count;
    out->summary.findings = out->items.count;
    for (size_t i = 0; i < p->functions.count; i++)
        out->summary.functions += p->functions.items[i].defined;
}

void al_findings_free(al_findings *f)
{
    for (size_t i = 0; i < f->items.count; i++) {
        al_finding *x = &f->items.items[i];
        for (size_t h = 0; h < x->handler_count; h++) {
            for (size_t k = 0; k < x->handlers[h].chain_length; k++)
                free(x->handlers[h].chain[k].via);
            free(x->handlers[h].chain);
            free(x->handlers[h].context);
        }
        free(x->handlers);
        free(x->message);
    }
    AL_VEC_FREE(f->items);
    AL_VEC_FREE(f->failures);
    free(f->source_root);
    memset(f, 0, sizeof(*f));
}

void al_findings_unknown(al_unknown_entries *out, const al_program *p, const al_unknown_list *list)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < list->count; i++) {
        const al_unknown_api *u = &list->items[i];
        const al_call *call = &p->calls.items[u->first_call];
        al_unknown_entry e = {al_program_str(p, u->name), u->handlers, u->calls, source_loc(p, call->loc),
                              al_program_str(p, p->functions.items[call->caller].name)};
        AL_VEC_PUSH(*out, e);
    }
}

bool al_findings_fail(const al_findings *f, al_severity level)
{
    for (size_t i = 0; i < f->items.count; i++)
        if (f->items.items[i].severity >= level)
            return true;
    return false;
}
