/* findings: reach results -> user-facing findings. */
#include "findings.h"
#include "sources.h"

#include "config.h"
#include "instances.h"
#include "locks.h"

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
static char *common_root(const al_unit_set *set)
{
    if (set->count == 0)
        return al_xstrdup("/");
    char *root = al_xstrdup(al_str(&set->strings, set->status[0].file));
    char *slash = strrchr(root, '/');
    if (slash)
        slash[slash == root ? 1 : 0] = '\0';
    for (size_t u = 0; u < set->count; u++) {
        widen_root(root, al_str(&set->strings, set->status[u].file));
        uint32_t last_file = 0;
        const al_tu_facts *tu = &set->units[u];
        for (size_t i = 0; i < tu->functions.count; i++) {
            const al_fact_function *fn = &tu->functions.items[i];
            if (fn->defined && fn->loc.file && fn->loc.file != last_file) {
                widen_root(root, al_str(&set->strings, fn->loc.file));
                last_file = fn->loc.file;
            }
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

/* Identity without lines: rule, category, relative path, function, call text. Neither the handler
 * nor the program enters, so a program added to the build, or a handler that now reaches the call
 * by a shorter chain, leaves the fingerprint (and the baseline entry) as it was. */
static uint64_t identity_hash(const al_finding *f, const char *root)
{
    const char *parts[] = {f->rule, f->category, al_path_relative_to(f->loc.file, root), f->function, f->call};
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
    case AL_HANDLER_LOOP_DRIVER:
        return al_xasprintf("it runs '%s' in a loop here, and what that loop calls between iterations runs "
                            "on the loop thread",
                            h->pattern);
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
const char *al_certainty_name(al_certainty c)
{
    static const char *const names[] = {"direct", "resolved", "broad", "unlikely"};
    return names[c];
}

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
    AL_VEC_FREE(h->programs); /* its steps and texts belong to the findings */
}

const al_chain_step **al_chain_steps(const al_finding_handler *h)
{
    const al_chain_step **steps = al_xmalloc((h->chain_length + 1) * sizeof(*steps));
    size_t k = h->chain_length;
    for (const al_chain_step *s = h->last; s && k > 0; s = s->up)
        steps[--k] = s;
    return steps;
}

/* The texts of one call, made the first time a link names it: the links of a big program name
 * the same calls many times over, and reading a call's texts touches four scattered tables. */
typedef struct call_text {
    al_chain_call call;  /* with how a call through a pointer was resolved */
    al_chain_call plain; /* without: for the blocking call itself, which reaches no function */
    const char *callee;
    bool commented;
} call_text;

static call_text make_call_text(al_findings *out, const al_program *p, uint32_t k)
{
    const al_call *call = &p->calls.items[k];
    call_text t = {{0}, {0}, al_program_str(p, call->callee_name), false};
    t.plain.function = al_program_str(p, p->functions.items[call->caller].name);
    t.plain.loc = source_loc(p, call->loc);
    t.call = t.plain;
    t.commented = al_suppressions_near(out->comments, t.plain.loc.file, t.plain.loc.line);
    if (call->indirect) {
        char *via = via_phrase(p, call);
        t.call.via = al_str(&out->texts, al_strtab_intern(&out->texts, via));
        free(via);
        al_program_call_targets(p, k, &t.call.targets);
    }
    return t;
}

/* The steps of a program's chain links, one per link, and the texts of the calls they name (both
 * owned by the findings). A call through a pointer names the function it reaches in the chain, how
 * it was resolved and how many it may call. */
static const al_chain_step *make_steps(al_findings *out, const al_program *p, const al_reach *r,
                                       al_instances *instances)
{
    uint32_t *text_of = al_xcalloc(p->calls.count + 1, sizeof(*text_of)); /* call -> text index + 1 */
    AL_VEC(call_text) texts = {0};
    for (size_t i = 0; i < r->links.count; i++) {
        uint32_t k = r->links.items[i].call;
        if (!text_of[k]) {
            AL_VEC_PUSH(texts, make_call_text(out, p, k));
            text_of[k] = (uint32_t)texts.count;
        }
    }
    AL_VEC_PUSH(out->steps, texts.items); /* where it stays from here on */
    al_chain_step *steps = al_xmalloc((r->links.count + 1) * sizeof(*steps));
    AL_VEC_PUSH(out->steps, steps);
    for (size_t i = 0; i < r->links.count; i++) {
        const al_chain_link *link = &r->links.items[i];
        const call_text *t = &texts.items[text_of[link->call] - 1];
        al_chain_step *step = &steps[i];
        step->up = link->up == AL_NONE ? NULL : &steps[link->up]; /* linked before it */
        step->widest = step->up ? step->up->widest : 0;
        step->broad_calls = step->up ? step->up->broad_calls : 0;
        step->commented = t->commented || (step->up && step->up->commented);
        step->unlikely = step->up && step->up->unlikely;
        step->detour = step->up && step->up->detour;
        if (!t->call.via || link->reaches == AL_NONE) {
            step->call = &t->plain;
            step->callee = t->callee;
            continue;
        }
        step->call = &t->call; /* the function it reaches in this chain */
        step->callee = al_program_str(p, p->functions.items[link->reaches].name);
        bool elsewhere = false;
        uint32_t descriptor = instances ? al_instances_mismatch(instances, r, (uint32_t)i, &elsewhere) : 0;
        step->detour = step->detour || elsewhere;
        if (descriptor) { /* this link's own text: the call says which descriptor rules it out */
            al_chain_call *own = al_xmalloc(sizeof(*own));
            *own = t->call;
            const char *name = al_instances_descriptor_name(instances, descriptor);
            own->instance = al_str(&out->texts, al_strtab_intern(&out->texts, name));
            AL_VEC_PUSH(out->steps, own);
            step->call = own;
            step->unlikely = true;
        }
        if (t->call.targets > step->widest)
            step->widest = t->call.targets;
        if (t->call.targets > AL_BROAD_SLOT && step->broad_calls < UINT8_MAX)
            step->broad_calls++;
    }
    free(text_of);
    return steps;
}

/* What al_findings_add keeps between programs, until al_findings_finish. */
struct al_findings_work {
    const al_unit_set *set;
    al_finding_list pending;    /* one per blocking call site, in the order found */
    al_strtab sites;            /* "file:line:col:callee" of each pending finding */
    al_u32_vec finding_of_site; /* site id -> pending index + 1 */
    uint8_t *handler_counted;   /* per key string id: a handler counted in the summary */
    uint8_t *function_counted;  /* per key string id: a definition counted in the summary */
    al_strtab clash_ids;        /* "function:kept:other" -> clash index + 1 */
    al_u32_vec clash_of_id;
};

static void add_program_index(al_u32_vec *programs, uint32_t program)
{
    if (programs->count == 0 || programs->items[programs->count - 1] != program)
        AL_VEC_PUSH(*programs, program);
}

/* The texts of a handler as the program sees it, made once for all its chains. */
static al_finding_handler make_handler(al_findings *out, const al_program *p, const al_handler *h)
{
    const al_function *hf = &p->functions.items[h->function];
    al_finding_handler fh = {0};
    fh.name = al_program_str(p, hf->name);
    fh.defined_at = source_loc(p, hf->loc);
    fh.kind = al_str(&out->texts, al_strtab_intern(&out->texts, h->kind)); /* the contexts go first */
    fh.family = h->family;
    fh.registered_at = source_loc(p, h->registered_at);
    char *context = context_phrase(h);
    fh.context = al_str(&out->texts, al_strtab_intern(&out->texts, context));
    free(context);
    return fh;
}

/* The more direct of two chains: fewer calls through pointers, then fewer calls. */
static int compare_chains(const al_finding_handler *x, const al_finding_handler *y)
{
    if (x->unlikely != y->unlikely)
        return x->unlikely ? 1 : -1;
    if (x->detour != y->detour) /* a chain that is exactly the way the handler gets there first */
        return x->detour ? 1 : -1;
    if (x->chain_pointers != y->chain_pointers)
        return x->chain_pointers < y->chain_pointers ? -1 : 1;
    return (x->chain_length > y->chain_length) - (x->chain_length < y->chain_length);
}

static char *handler_identity(const al_finding_handler *h)
{
    return al_xasprintf("%s\x1f%s:%u", h->name, h->defined_at.file, h->defined_at.line);
}

/* The handler joins the finding. A handler the finding already has from another program (the same
 * function of a unit two programs share: same name, same definition) gains the program and keeps
 * the shorter of the two chains. `known` maps the identities of the finding's handlers from earlier
 * programs to their index + 1; NULL when the finding is new in this program (its handlers are
 * distinct functions, nothing to look up: linear in the handlers). */
static void merge_handler(al_finding *f, al_finding_handler *h, uint32_t program, const al_strtab *known,
                          const al_u32_vec *index_of)
{
    if (known) {
        char *id = handler_identity(h);
        uint32_t k = al_strtab_find(known, id);
        free(id);
        if (k != UINT32_MAX && k < index_of->count && index_of->items[k]) {
            al_finding_handler *have = &f->handlers[index_of->items[k] - 1];
            add_program_index(&have->programs, program);
            if (compare_chains(h, have) < 0) {
                /* the more direct chain, with every program of both */
                al_u32_vec programs = have->programs;
                have->programs = (al_u32_vec){0};
                free_handler(have);
                *have = *h;
                AL_VEC_FREE(have->programs);
                have->programs = programs;
            } else {
                free_handler(h);
            }
            return;
        }
    }
    if (f->handler_count == f->handler_capacity) {
        f->handler_capacity = f->handler_capacity ? f->handler_capacity * 2 : 4;
        f->handlers = al_xrealloc(f->handlers, f->handler_capacity * sizeof(*f->handlers));
    }
    f->handlers[f->handler_count++] = *h;
}

/* The most direct chain first, then by handler name, then where it is defined. */
static int compare_handlers(const void *a, const void *b)
{
    const al_finding_handler *x = a, *y = b;
    int c = compare_chains(x, y);
    if (c)
        return c;
    c = strcmp(x->name, y->name);
    if (c)
        return c;
    if ((c = strcmp(x->defined_at.file, y->defined_at.file)))
        return c;
    return (x->defined_at.line > y->defined_at.line) - (x->defined_at.line < y->defined_at.line);
}

/* The descriptor that rules out an unlikely chain: its first call that names one. */
static const char *unlikely_descriptor(const al_finding_handler *h)
{
    const char *name = "";
    for (const al_chain_step *s = h->last; s; s = s->up)
        if (s->call->instance)
            name = s->call->instance;
    return name;
}

/* A blocking call outside the source root is reported at the first handler's last call inside it. */
static void anchor(al_finding *f, const char *root)
{
    if (inside(f->loc.file, root))
        return;
    for (const al_chain_step *s = f->handlers[0].last; s; s = s->up)
        if (inside(s->call->loc.file, root)) {
            f->loc = s->call->loc;
            f->function = s->call->function;
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
        for (const al_chain_step *s = h->last; s && s->commented && !by[i]; s = s->up)
            by[i] = al_suppressions_match(comments, s->call->loc.file, s->call->loc.line, f->category);
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
static void scan_sources(al_findings *out, const al_unit_set *set, const al_findings_options *o)
{
    uint8_t *seen = al_xcalloc(set->strings.count + 1, 1); /* each file tested once, not per function */
    for (size_t u = 0; u < set->count; u++) {
        const al_tu_facts *tu = &set->units[u];
        for (size_t i = 0; i <= tu->functions.count; i++) {
            /* the files of the functions it defines, then its own */
            uint32_t id = set->status[u].file;
            if (i < tu->functions.count)
                id = tu->functions.items[i].defined ? tu->functions.items[i].loc.file : 0;
            if (seen[id])
                continue;
            seen[id] = 1;
            const char *file = al_str(&set->strings, id);
            if (*file && inside(file, out->source_root) && wanted(o, file) && !excluded(o, file))
                al_suppressions_scan(out->comments, file);
        }
    }
    free(seen);
}

void al_findings_begin(al_findings *out, const al_unit_set *set, const al_findings_options *options)
{
    memset(out, 0, sizeof(*out));
    out->source_root = options && options->source_root ? al_xstrdup(options->source_root) : common_root(set);
    out->comments = al_suppressions_new();
    al_strtab_init(&out->texts);
    struct al_findings_work *w = al_xcalloc(1, sizeof(*w));
    w->set = set;
    al_strtab_init(&w->sites);
    al_strtab_init(&w->clash_ids);
    w->handler_counted = al_xcalloc(set->strings.count + 1, 1);
    w->function_counted = al_xcalloc(set->strings.count + 1, 1);
    out->work = w;
}

/* A link clash of the program, once per (function, two definitions) over all programs. */
static void add_clash(al_findings *out, const al_program *p, const al_clash *clash, uint32_t program)
{
    struct al_findings_work *w = out->work;
    const char *function = al_program_str(p, p->functions.items[clash->function].name);
    al_source_loc kept = source_loc(p, clash->kept), other = source_loc(p, clash->other);
    char *id = al_xasprintf("%s\x1f%s:%u\x1f%s:%u", function, kept.file, kept.line, other.file, other.line);
    uint32_t key = al_strtab_intern(&w->clash_ids, id);
    free(id);
    while (w->clash_of_id.count <= key)
        AL_VEC_PUSH(w->clash_of_id, 0);
    if (!w->clash_of_id.items[key]) {
        al_link_clash c = {function, kept, other, {0}};
        AL_VEC_PUSH(out->clashes, c);
        w->clash_of_id.items[key] = (uint32_t)out->clashes.count;
    }
    add_program_index(&out->clashes.items[w->clash_of_id.items[key] - 1].programs, program);
}

/* The other side of a lock finding: the worker's description and its chain to the blocking call it
 * makes under the lock (owned by the findings). */
static const al_lock_holder *make_holder(al_findings *out, const al_program *p, const al_contexts *c,
                                         const al_locks *locks, const al_lock_witness *w, uint32_t lock_name,
                                         uint32_t program)
{
    al_lock_holder *holder = al_xcalloc(1, sizeof(*holder));
    AL_VEC_PUSH(out->steps, holder);
    for (size_t i = 0; i < c->workers.count; i++)
        if (c->workers.items[i].function == w->worker)
            holder->worker = make_handler(out, p, &c->workers.items[i]);
    call_text *texts = al_xcalloc(w->count + 1, sizeof(*texts));
    al_chain_step *steps = al_xcalloc(w->count + 1, sizeof(*steps));
    AL_VEC_PUSH(out->steps, texts);
    AL_VEC_PUSH(out->steps, steps);
    const uint32_t *calls = locks->chain_calls.items + w->first;
    for (uint32_t i = 0; i < w->count; i++) {
        texts[i] = make_call_text(out, p, calls[i]);
        bool last = i + 1 == w->count;
        steps[i].up = i ? &steps[i - 1] : NULL;
        steps[i].call = last ? &texts[i].plain : &texts[i].call;
        steps[i].callee =
            last ? texts[i].callee : al_program_str(p, p->functions.items[p->calls.items[calls[i + 1]].caller].name);
        holder->worker.chain_pointers += !last && p->calls.items[calls[i]].indirect;
    }
    holder->worker.last = w->count ? &steps[w->count - 1] : NULL;
    holder->worker.chain_length = w->count;
    holder->lock = al_str(&out->texts, al_strtab_intern(&out->texts, al_program_str(p, lock_name)));
    holder->blocking = w->count ? texts[w->count - 1].callee : "";
    holder->acquired_at = source_loc(p, p->calls.items[w->acquired].loc);
    holder->acquired_in = al_program_str(p, p->functions.items[p->calls.items[w->acquired].caller].name);
    AL_VEC_PUSH(holder->worker.programs, program); /* freed with the finding */
    return holder;
}

/* A pack's "acquire" lock function (not a trylock, not a condition wait) whose rule makes taking it
 * a note: the waits that are findings of their own (a semaphore) keep their rule. */
static bool takes_a_lock(const al_rules *rules, const al_site *site, const char *callee)
{
    const al_lock_rule *rule = al_rules_find_lock(rules, callee);
    return site->api && site->api->severity == AL_SEVERITY_NOTE && rule && rule->role == AL_LOCK_ACQUIRE;
}

void al_findings_add(al_findings *out, const al_program_def *def, const al_program *p, const al_contexts *c,
                     const al_reach *r, al_instances *instances, const al_locks *locks, const al_rules *rules,
                     const al_findings_options *options)
{
    struct al_findings_work *w = out->work;
    (void)rules;
    uint32_t program = (uint32_t)out->programs.count;
    al_program_summary summary = {0};
    summary.name = al_xstrdup(def ? def->name : "program");
    summary.how = al_xstrdup(def && def->how ? def->how : "every unit");
    summary.library = def && def->library;
    summary.units = p->units.count;
    summary.handlers = c->handlers.count;
    AL_VEC_PUSH(out->programs, summary);
    for (size_t i = 0; i < c->handlers.count; i++) {
        uint32_t key = p->functions.items[c->handlers.items[i].function].key;
        out->summary.handlers += !w->handler_counted[key];
        w->handler_counted[key] = 1;
    }
    for (size_t i = 0; i < p->functions.count; i++) {
        const al_function *fn = &p->functions.items[i];
        if (fn->defined && !w->function_counted[fn->key]) {
            w->function_counted[fn->key] = 1;
            out->summary.functions++;
        }
    }
    for (size_t i = 0; i < p->clashes.count; i++)
        add_clash(out, p, &p->clashes.items[i], program);
    const al_chain_step *steps = make_steps(out, p, r, instances);
    al_finding_handler *handler_texts = al_xcalloc(c->handlers.count + 1, sizeof(*handler_texts));

    for (size_t s = 0; s < r->sites.count; s++) {
        const al_site *site = &r->sites.items[s];
        const al_call *call = &p->calls.items[site->call];
        const char *category = site->api ? al_reach_call_category(p, call, site->api) : "custom";
        const char *callee = al_program_str(p, call->callee_name);
        /* a lock a handler takes: a finding when a worker holds it across blocking work */
        const al_lock_witness *witness = NULL;
        uint32_t lock_name = 0;
        if (locks && takes_a_lock(rules, site, callee)) {
            for (size_t i = 0; i < site->handlers.count && !witness; i++)
                witness =
                    al_locks_held_across(locks, al_locks_acquired(locks, r, site->handlers.items[i].last, &lock_name));
            if (witness)
                category = "lock";
            else if (!options || !options->all_locks)
                continue;
        }
        if (category_off(options, category))
            continue;
        al_source_loc at = source_loc(p, call->loc);
        char *id = al_xasprintf("%s:%u:%u:%s", at.file, at.line, at.column, callee);
        uint32_t key = al_strtab_intern(&w->sites, id);
        free(id);
        while (w->finding_of_site.count <= key)
            AL_VEC_PUSH(w->finding_of_site, 0);
        if (!w->finding_of_site.items[key]) {
            al_finding f = {0};
            f.rule = "async-lock";
            f.callee = callee;
            f.site = f.loc = at;
            f.function = al_program_str(p, p->functions.items[call->caller].name);
            f.api = site->api;
            f.category = category;
            if (witness) {
                f.severity = AL_SEVERITY_WARNING;
                f.why = "the handler waits for the lock as long as the worker holds it, and the worker holds it "
                        "across a blocking call";
                f.holder = make_holder(out, p, c, locks, witness, lock_name, program);
            } else if (site->api) {
                f.severity = site->api->severity;
                f.why = site->api->why;
            } else {
                f.severity = AL_SEVERITY_ERROR;
                f.why = "the function is annotated asynclock:blocking";
            }
            AL_VEC_PUSH(w->pending, f);
            w->finding_of_site.items[key] = (uint32_t)w->pending.count;
        }
        al_finding *f = &w->pending.items[w->finding_of_site.items[key] - 1];
        /* found by an earlier program too: its handlers, by identity, to merge with */
        bool earlier = f->programs.count > 0;
        al_strtab known;
        al_u32_vec index_of = {0};
        if (earlier) {
            al_strtab_init(&known);
            for (size_t i = 0; i < f->handler_count; i++) {
                char *id = handler_identity(&f->handlers[i]);
                uint32_t k = al_strtab_intern(&known, id);
                free(id);
                while (index_of.count <= k)
                    AL_VEC_PUSH(index_of, 0);
                index_of.items[k] = (uint32_t)i + 1;
            }
        }
        add_program_index(&f->programs, program);
        for (size_t i = 0; i < site->handlers.count; i++) {
            const al_site_handler *sh = &site->handlers.items[i];
            if (!handler_texts[sh->handler].name) /* not made yet */
                handler_texts[sh->handler] = make_handler(out, p, &c->handlers.items[sh->handler]);
            al_finding_handler h = handler_texts[sh->handler];
            h.last = &steps[sh->last];
            h.chain_length = sh->length;
            h.chain_pointers = sh->pointers;
            h.widest = h.last->widest;
            h.broad_calls = h.last->broad_calls;
            h.unlikely = h.last->unlikely;
            h.detour = h.last->detour;
            AL_VEC_PUSH(h.programs, program);
            merge_handler(f, &h, program, earlier ? &known : NULL, &index_of);
        }
        if (earlier) {
            al_strtab_free(&known);
            AL_VEC_FREE(index_of);
        }
    }
    free(handler_texts);
}

/* The fix in the terms of the first handler's loop. */
static const char *fix_for(const al_rules *rules, const al_finding *f)
{
    const char *family = f->handlers[0].family;
    if (f->holder) {
        const char *fix = al_rules_category_fix(rules, family, "lock");
        return fix ? fix
                   : "take the lock only where no worker does blocking work under it: do the worker's I/O outside its "
                     "critical section, or try the lock and retry later from the loop";
    }
    if (f->api)
        return al_rules_fix(rules, family, f->api);
    const char *fix = al_rules_category_fix(rules, family, "custom");
    return fix ? fix : "call it from a worker thread and deliver the result back to the loop";
}

void al_findings_finish(al_findings *out, const al_rules *rules, const al_findings_options *options)
{
    struct al_findings_work *w = out->work;
    const al_unit_set *set = w->set;
    al_sources sources;
    al_sources_init(&sources);
    for (size_t i = 0; i < w->pending.count; i++) {
        al_finding f = w->pending.items[i];
        if (f.handler_count > 1)
            qsort(f.handlers, f.handler_count, sizeof(*f.handlers), compare_handlers);
        f.fix = fix_for(rules, &f);
        f.certainty = f.handlers[0].unlikely              ? AL_CERTAINTY_UNLIKELY
                      : f.handlers[0].chain_pointers == 0 ? AL_CERTAINTY_DIRECT
                      : f.handlers[0].broad_calls         ? AL_CERTAINTY_BROAD
                                                          : AL_CERTAINTY_RESOLVED;
        /* Even its most direct chain passes a slot that holds many functions (a command table, an
         * interpreter's C-function slot), where data decides which one runs: one level less severe
         * per such slot, since each is a guess of its own (a command that runs a script that calls
         * one of the interpreter's C functions is two). */
        for (unsigned b = 0; b < f.handlers[0].broad_calls && f.severity > AL_SEVERITY_NOTE; b++)
            f.severity--;
        /* Every handler's chain passes an object whose descriptor rules it out: kept as a note,
         * since the search keeps one chain per handler and another path may exist. */
        if (f.certainty == AL_CERTAINTY_UNLIKELY && f.severity > AL_SEVERITY_NOTE)
            f.severity = AL_SEVERITY_NOTE;
        anchor(&f, out->source_root);
        bool drop = !wanted(options, f.loc.file);
        if (!drop && excluded(options, f.loc.file)) {
            out->summary.excluded++;
            drop = true;
        }
        if (drop) {
            al_finding_free(&f);
            continue;
        }
        bool quiet = suppress(&f, out->comments);
        char more[48] = "", broad[96] = "", unlikely[192] = "";
        if (f.handler_count > 1)
            snprintf(more, sizeof(more), " (and %zu more)", f.handler_count - 1);
        if (f.handlers[0].broad_calls == 1)
            snprintf(broad, sizeof(broad), ", through a call that may reach any of %u functions", f.handlers[0].widest);
        else if (f.handlers[0].broad_calls > 1)
            snprintf(broad, sizeof(broad), ", through %u calls that may each reach more than %d functions (up to %u)",
                     f.handlers[0].broad_calls, AL_BROAD_SLOT, f.handlers[0].widest);
        if (f.certainty == AL_CERTAINTY_UNLIKELY) {
            const char *descriptor = unlikely_descriptor(&f.handlers[0]);
            snprintf(
                unlikely, sizeof(unlikely),
                ", though only through a slot of an object set up from '%s', which does not hold the function there",
                descriptor);
        }
        if (f.holder)
            f.message = al_xasprintf("event-loop handler '%s'%s takes lock '%s', which worker '%s' holds across "
                                     "blocking call '%s'%s%s",
                                     f.handlers[0].name, more, f.holder->lock, f.holder->worker.name,
                                     f.holder->blocking, broad, unlikely);
        else
            f.message = al_xasprintf("blocking call '%s' in event-loop handler '%s'%s%s%s", f.callee,
                                     f.handlers[0].name, more, broad, unlikely);
        /* from the start of its line (the source's line index), not of the file */
        size_t line_len;
        const char *line = al_source_line(al_sources_get(&sources, f.loc.file), f.loc.line, &line_len);
        f.call = al_findings_call_text(line, 1, f.loc.column);
        if (!f.call)
            f.call = al_xstrdup(f.callee);
        if (quiet) {
            AL_VEC_PUSH(out->suppressed, f);
        } else {
            for (size_t k = 0; k < f.programs.count; k++)
                out->programs.items[f.programs.items[k]].findings++;
            AL_VEC_PUSH(out->items, f);
        }
    }
    AL_VEC_FREE(w->pending);
    if (out->items.count > 1)
        qsort(out->items.items, out->items.count, sizeof(al_finding), compare_findings);
    if (out->suppressed.count > 1)
        qsort(out->suppressed.items, out->suppressed.count, sizeof(al_finding), compare_findings);
    assign_fingerprints(&out->items, out->source_root);
    assign_fingerprints(&out->suppressed, out->source_root);
    al_sources_free(&sources);

    scan_sources(out, set, options);
    al_suppression_list unused;
    al_suppressions_unused(out->comments, &unused);
    for (size_t i = 0; i < unused.count; i++)
        if (inside(unused.items[i]->file, out->source_root) && !excluded(options, unused.items[i]->file))
            AL_VEC_PUSH(out->unused, unused.items[i]);
    AL_VEC_FREE(unused);

    for (size_t u = 0; u < set->count; u++) {
        const al_unit_status *status = &set->status[u];
        if (status->parsed && status->errors == 0)
            continue;
        al_unit_failure failure = {al_str(&set->strings, status->file),
                                   status->failure ? status->failure : "failed to parse", status->parsed};
        AL_VEC_PUSH(out->failures, failure);
    }
    out->summary.translation_units = set->count;
    out->summary.parse_errors = out->failures.count;
    out->summary.findings = out->items.count;
    out->summary.suppressed = out->suppressed.count;

    al_strtab_free(&w->sites);
    AL_VEC_FREE(w->finding_of_site);
    al_strtab_free(&w->clash_ids);
    AL_VEC_FREE(w->clash_of_id);
    free(w->handler_counted);
    free(w->function_counted);
    free(w);
    out->work = NULL;
}

void al_findings_build(al_findings *out, const al_program *p, const al_contexts *c, const al_reach *r,
                       const al_rules *rules, const al_findings_options *options)
{
    al_findings_begin(out, p->set, options);
    al_findings_add(out, NULL, p, c, r, NULL, NULL, rules, options);
    al_findings_finish(out, rules, options);
}

void al_finding_free(al_finding *x)
{
    for (size_t h = 0; h < x->handler_count; h++)
        free_handler(&x->handlers[h]);
    free(x->handlers);
    if (x->holder)
        AL_VEC_FREE(((al_lock_holder *)x->holder)->worker.programs);
    free(x->message);
    free(x->call);
    AL_VEC_FREE(x->programs);
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
    for (size_t i = 0; i < f->programs.count; i++) {
        free(f->programs.items[i].name);
        free(f->programs.items[i].how);
    }
    AL_VEC_FREE(f->programs);
    for (size_t i = 0; i < f->steps.count; i++)
        free(f->steps.items[i]);
    AL_VEC_FREE(f->steps);
    for (size_t i = 0; i < f->clashes.count; i++)
        AL_VEC_FREE(f->clashes.items[i].programs);
    AL_VEC_FREE(f->clashes);
    al_strtab_free(&f->texts);
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

/* Whether the chain steps of two handlers up to their last call are the same calls. */
static bool same_chain_prefix(const al_finding_handler *a, const al_finding_handler *b)
{
    if (a->chain_length != b->chain_length || strcmp(a->name, b->name) != 0 ||
        a->registered_at.line != b->registered_at.line || strcmp(a->registered_at.file, b->registered_at.file) != 0)
        return false;
    for (const al_chain_step *x = a->last->up, *y = b->last->up; x && y; x = x->up, y = y->up)
        if (x->call != y->call &&
            (x->call->loc.line != y->call->loc.line || x->call->loc.column != y->call->loc.column ||
             strcmp(x->call->loc.file, y->call->loc.file) != 0))
            return false;
    return true;
}

static bool same_programs(const al_u32_vec *a, const al_u32_vec *b)
{
    return a->count == b->count && (a->count == 0 || memcmp(a->items, b->items, a->count * sizeof(uint32_t)) == 0);
}

bool al_finding_same_group(const al_finding *x, const al_finding *y, bool all_chains)
{
    if (x->holder || y->holder || strcmp(x->function, y->function) != 0 || strcmp(x->loc.file, y->loc.file) != 0 ||
        x->handler_count != y->handler_count || !same_programs(&x->programs, &y->programs))
        return false;
    for (size_t h = 0; h < x->handler_count; h++) {
        if (strcmp(x->handlers[h].name, y->handlers[h].name) != 0)
            return false;
        if ((h == 0 || all_chains) && !same_chain_prefix(&x->handlers[h], &y->handlers[h]))
            return false;
    }
    return true;
}

void al_baseline_entry_free(al_baseline_entry *e)
{
    char *fields[] = {e->fingerprint, e->rule, e->category, e->file,  e->function,
                      e->callee,      e->call, e->handler,  e->reason};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        free(fields[i]);
    memset(e, 0, sizeof(*e));
}
