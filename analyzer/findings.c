/* findings: reach results -> user-facing findings. */
#include "findings.h"
#include "sources.h"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static al_source_loc source_loc(const al_program *p, al_loc loc)
{
    al_source_loc s = {al_program_str(p, loc.file), loc.line, loc.column};
    return s;
}

/* Shortens `root` (in place) until it is `file`'s folder or one of its parents. */
static void widen_root(char *root, const char *file)
{
    size_t len = strlen(root);
    while (strcmp(root, "/") != 0 && !(strncmp(file, root, len) == 0 && file[len] == '/')) {
        char *slash = strrchr(root, '/');
        slash[slash == root ? 1 : 0] = '\0';
        len = strlen(root);
    }
}

/* The deepest folder that holds every translation unit and every function definition: the
 * project, with its include/ folder beside src/ (library headers define no functions here, see
 * extract.c), so that only an explicit --source-root moves findings out of project headers. */
static char *common_root(const al_program *p)
{
    if (p->units.count == 0)
        return al_xstrdup("/");
    char *root = al_xstrdup(al_program_str(p, p->units.items[0].file));
    char *slash = strrchr(root, '/');
    if (slash)
        slash[slash == root ? 1 : 0] = '\0';
    for (size_t i = 1; i < p->units.count; i++)
        widen_root(root, al_program_str(p, p->units.items[i].file));
    uint32_t last_file = 0;
    for (size_t i = 0; i < p->functions.count; i++) {
        const al_function *fn = &p->functions.items[i];
        if (fn->defined && fn->loc.file && fn->loc.file != last_file) {
            widen_root(root, al_program_str(p, fn->loc.file));
            last_file = fn->loc.file;
        }
    }
    return root;
}

/* Source files read for call texts, each once per run. */
static bool word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

char *al_findings_call_text(const char *text, unsigned line, unsigned column)
{
    if (!text || line == 0 || column == 0)
        return NULL;
    const char *p = text;
    for (unsigned l = 1; l < line && *p; p++)
        l += *p == '\n';
    for (unsigned c = 1; c < column && *p && *p != '\n'; c++)
        p++;
    /* The callee expression up to '(' and the balanced argument list after it; comments and
     * whitespace runs collapse to one space, kept only between two words. */
    al_strbuf out = {0};
    int depth = 0;
    bool pending_space = false;
    const size_t limit = 4096;
    while (*p && out.len < limit) {
        char c = *p;
        if (c == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            p = end ? end + 2 : p + strlen(p);
            pending_space = true;
            continue;
        }
        if (c == '/' && p[1] == '/') {
            while (*p && *p != '\n')
                p++;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\\') {
            pending_space = true;
            p++;
            continue;
        }
        if (depth == 0 && c != '(' && !word_char(c) && c != '.' && c != '-' && c != '>' && c != '*' && c != ':' &&
            c != '[' && c != ']')
            break; /* not a call expression here (a macro argument, a bad column) */
        if (pending_space && out.len && word_char(out.data[out.len - 1]) && word_char(c))
            al_strbuf_putc(&out, ' ');
        pending_space = false;
        if (c == '"' || c == '\'') {
            const char *q = p + 1;
            while (*q && *q != c && *q != '\n')
                q += q[0] == '\\' && q[1] ? 2 : 1;
            if (*q == c)
                q++;
            al_strbuf_append_n(&out, p, (size_t)(q - p));
            p = q;
            continue;
        }
        al_strbuf_putc(&out, c);
        p++;
        if (c == '(')
            depth++;
        else if (c == ')' && --depth == 0)
            return al_strbuf_take(&out);
    }
    al_strbuf_free(&out);
    return NULL;
}

/* Identity without lines: rule, category, relative path, function, call text, first handler. */
static uint64_t identity_hash(const al_finding *f, const char *root)
{
    const char *parts[] = {f->rule,     f->category, al_path_relative_to(f->loc.file, root),
                           f->function, f->call,     f->handlers[0].name};
    uint64_t h = AL_HASH_SEED;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        h = al_hash_bytes(parts[i], strlen(parts[i]) + 1, h);
    return h;
}

/* After sorting: the identity plus which occurrence of it this is in its file, in source order, so
 * two identical calls in one function differ and lines never enter. */
static void assign_fingerprints(al_finding_list *list, const char *root)
{
    size_t n = list->count;
    uint64_t *ids = al_xcalloc(n ? n : 1, sizeof(*ids));
    size_t file_start = 0;
    for (size_t i = 0; i < n; i++) {
        al_finding *f = &list->items[i];
        if (strcmp(f->loc.file, list->items[file_start].loc.file) != 0)
            file_start = i;
        ids[i] = identity_hash(f, root);
        unsigned occurrence = 0;
        for (size_t k = file_start; k < i; k++)
            occurrence += ids[k] == ids[i];
        uint64_t h = al_hash_bytes(&occurrence, sizeof(occurrence), ids[i]);
        snprintf(f->fingerprint, sizeof(f->fingerprint), "%016llx", (unsigned long long)h);
    }
    free(ids);
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

static bool excluded(const al_findings_options *o, const char *file)
{
    return o && o->exclude_count && al_config_path_excluded(file, o->exclude_base, o->exclude, o->exclude_count);
}

static bool category_off(const al_findings_options *o, const char *category)
{
    for (size_t i = 0; o && i < o->off_category_count; i++)
        if (strcmp(o->off_categories[i], category) == 0)
            return true;
    return false;
}

static bool inside(const char *file, const char *root)
{
    return al_path_relative_to(file, root) != file;
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

static void free_handler(al_finding_handler *h)
{
    for (size_t k = 0; k < h->chain_length; k++)
        free(h->chain[k].via);
    free(h->chain);
    free(h->context);
}

/* Every handler that reaches the site, with its chain. */
static void add_handlers(al_finding *f, const al_program *p, const al_contexts *c, const al_reach *r,
                         const al_site *site)
{
    f->handler_count = site->handlers.count;
    f->handlers = al_xcalloc(f->handler_count, sizeof(*f->handlers));
    for (size_t i = 0; i < site->handlers.count; i++) {
        const al_site_handler *sh = &site->handlers.items[i];
        const al_handler *h = &c->handlers.items[sh->handler];
        al_finding_handler *fh = &f->handlers[i];
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
}

/* A blocking call outside the source root is reported at the first handler's last call inside it. */
static void anchor(al_finding *f, const char *root)
{
    if (inside(f->loc.file, root))
        return;
    const al_finding_handler *h = &f->handlers[0];
    for (size_t k = h->chain_length; k-- > 0;)
        if (inside(h->chain[k].loc.file, root)) {
            f->loc = h->chain[k].loc;
            f->function = h->chain[k].function;
            return;
        }
}

/* Takes off the handlers whose chain passes a suppression comment; true when none is left (then the
 * finding keeps them all, and the first one's comment). */
static bool suppress(al_finding *f, al_suppressions *comments)
{
    const al_suppression **by = al_xcalloc(f->handler_count, sizeof(*by));
    size_t left = 0;
    for (size_t i = 0; i < f->handler_count; i++) {
        const al_finding_handler *h = &f->handlers[i];
        /* from the blocking call back to the handler: the nearest comment explains it best */
        for (size_t k = h->chain_length; k-- > 0 && !by[i];)
            by[i] = al_suppressions_match(comments, h->chain[k].loc.file, h->chain[k].loc.line, f->category);
        left += !by[i];
    }
    if (left == 0) {
        f->suppression = by[0];
    } else if (left < f->handler_count) {
        size_t n = 0;
        for (size_t i = 0; i < f->handler_count; i++) {
            if (by[i])
                free_handler(&f->handlers[i]);
            else
                f->handlers[n++] = f->handlers[i];
        }
        f->handler_count = n;
    }
    free(by);
    return left == 0;
}

/* Reads the files whose unused comments are reported: the project's sources, as the filters see them. */
static void scan_sources(al_findings *out, const al_program *p, const al_findings_options *o)
{
    for (size_t i = 0; i < p->functions.count; i++) {
        const al_function *fn = &p->functions.items[i];
        const char *file = fn->defined ? al_program_str(p, fn->loc.file) : "";
        if (*file && inside(file, out->source_root) && wanted(o, file) && !excluded(o, file))
            al_suppressions_scan(out->comments, file);
    }
    for (size_t i = 0; i < p->units.count; i++) {
        const char *file = al_program_str(p, p->units.items[i].file);
        if (inside(file, out->source_root) && wanted(o, file) && !excluded(o, file))
            al_suppressions_scan(out->comments, file);
    }
}

void al_findings_build(al_findings *out, const al_program *p, const al_contexts *c, const al_reach *r,
                       const al_rules *rules, const al_findings_options *options)
{
    memset(out, 0, sizeof(*out));
    out->source_root = options && options->source_root ? al_xstrdup(options->source_root) : common_root(p);
    out->comments = al_suppressions_new();
    al_sources sources;
    al_sources_init(&sources);

    for (size_t s = 0; s < r->sites.count; s++) {
        const al_site *site = &r->sites.items[s];
        const al_call *call = &p->calls.items[site->call];
        al_finding f = {0};
        f.rule = "async-lock";
        f.callee = al_program_str(p, call->callee_name);
        f.loc = source_loc(p, call->loc);
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
        if (category_off(options, f.category))
            continue;
        add_handlers(&f, p, c, r, site);
        anchor(&f, out->source_root);
        bool drop = !wanted(options, f.loc.file);
        if (!drop && excluded(options, f.loc.file)) {
            out->summary.excluded++;
            drop = true;
        }
        if (drop) {
            for (size_t h = 0; h < f.handler_count; h++)
                free_handler(&f.handlers[h]);
            free(f.handlers);
            continue;
        }
        bool quiet = suppress(&f, out->comments);
        if (f.handler_count == 1)
            f.message = al_xasprintf("blocking call '%s' in event-loop handler '%s'", f.callee, f.handlers[0].name);
        else
            f.message = al_xasprintf("blocking call '%s' in event-loop handler '%s' (and %zu more)", f.callee,
                                     f.handlers[0].name, f.handler_count - 1);
        f.call = al_findings_call_text(al_sources_get(&sources, f.loc.file)->text, f.loc.line, f.loc.column);
        if (!f.call)
            f.call = al_xstrdup(f.callee);
        if (quiet)
            AL_VEC_PUSH(out->suppressed, f);
        else
            AL_VEC_PUSH(out->items, f);
    }
    if (out->items.count > 1)
        qsort(out->items.items, out->items.count, sizeof(al_finding), compare_findings);
    if (out->suppressed.count > 1)
        qsort(out->suppressed.items, out->suppressed.count, sizeof(al_finding), compare_findings);
    assign_fingerprints(&out->items, out->source_root);
    assign_fingerprints(&out->suppressed, out->source_root);
    al_sources_free(&sources);

    scan_sources(out, p, options);
    al_suppression_list unused;
    al_suppressions_unused(out->comments, &unused);
    for (size_t i = 0; i < unused.count; i++)
        if (inside(unused.items[i]->file, out->source_root) && !excluded(options, unused.items[i]->file))
            AL_VEC_PUSH(out->unused, unused.items[i]);
    AL_VEC_FREE(unused);

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
    out->summary.suppressed = out->suppressed.count;
    for (size_t i = 0; i < p->functions.count; i++)
        out->summary.functions += p->functions.items[i].defined;
}

void al_finding_free(al_finding *x)
{
    for (size_t h = 0; h < x->handler_count; h++)
        free_handler(&x->handlers[h]);
    free(x->handlers);
    free(x->message);
    free(x->call);
    memset(x, 0, sizeof(*x));
}

static void free_list(al_finding_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        al_finding_free(&list->items[i]);
    AL_VEC_FREE(*list);
}

void al_findings_free(al_findings *f)
{
    free_list(&f->items);
    free_list(&f->suppressed);
    AL_VEC_FREE(f->unused);
    al_suppressions_free(f->comments);
    for (size_t i = 0; i < f->gone.count; i++)
        al_baseline_entry_free(&f->gone.items[i]);
    AL_VEC_FREE(f->gone);
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
        if (f->items.items[i].severity >= level && f->items.items[i].baseline != AL_BASELINE_UNCHANGED)
            return true;
    return false;
}

void al_baseline_entry_free(al_baseline_entry *e)
{
    char *fields[] = {e->fingerprint, e->rule, e->category, e->file,  e->function,
                      e->callee,      e->call, e->handler,  e->reason};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        free(fields[i]);
    memset(e, 0, sizeof(*e));
}
