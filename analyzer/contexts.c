/* contexts: handler and worker discovery.
 *
 * Four sources, in this order of strength for the report's "registered as" note:
 * 1. a reference that matches a context rule directly (passed as a uv_read_cb, stored into
 *    ngx_event_s.handler, argument 2 of pthread_create);
 * 2. a reference passed to a project function that forwards that parameter to a registration, to
 *    any depth ("registration wrappers", found by a fixpoint over parameter forwards);
 * 3. the asynclock:handler annotation;
 * 4. the function's name (name_pattern rules) or a call it makes (marker_call rules).
 * A handler rule beats a worker rule: a function registered both ways runs on the loop at least
 * once. */
#include "contexts.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

static const char *nonempty(const al_program *p, uint32_t id)
{
    const char *s = al_program_str(p, id);
    return *s ? s : NULL;
}

static const al_context_rule *match_reference(const al_program *p, const al_rules *rules, const al_reference *r)
{
    const char *target = nonempty(p, r->target);
    return al_rules_match_context(rules, nonempty(p, r->type_name), r->use == AL_USE_ARGUMENT ? target : NULL, r->index,
                                  r->use == AL_USE_FIELD ? target : NULL);
}

/* A parameter of a project function that is a registration, and the rule it leads to. The
 * wrappers of one function are chained from first_of[function] through `next`. */
typedef struct wrapper {
    int param;
    const al_context_rule *rule;
    uint32_t next;
} wrapper;

typedef struct wrapper_set {
    AL_VEC(wrapper) items;
    uint32_t *first_of; /* per function: index of its first wrapper, or AL_NONE */
} wrapper_set;

static const al_context_rule *find_wrapper(const wrapper_set *w, uint32_t function, int param)
{
    for (uint32_t i = w->first_of[function]; i != AL_NONE; i = w->items.items[i].next)
        if (w->items.items[i].param == param)
            return w->items.items[i].rule;
    return NULL;
}

static void add_wrapper(wrapper_set *w, uint32_t function, int param, const al_context_rule *rule)
{
    wrapper entry = {param, rule, w->first_of[function]};
    w->first_of[function] = (uint32_t)w->items.count;
    AL_VEC_PUSH(w->items, entry);
}

/* Every (function, parameter) that registers what it receives. Parameter forwards are few (only
 * function-pointer and void * parameters passed on), so a fixpoint over them is cheap. */
static void find_wrappers(wrapper_set *out, const al_program *p, const al_rules *rules)
{
    out->items.count = 0;
    out->first_of = al_xmalloc((p->functions.count + 1) * sizeof(uint32_t));
    for (size_t f = 0; f <= p->functions.count; f++)
        out->first_of[f] = AL_NONE;
    for (size_t i = 0; i < p->refs.count; i++) {
        const al_reference *r = &p->refs.items[i];
        if (r->param < 0 || r->enclosing == AL_NONE)
            continue;
        const al_context_rule *rule = match_reference(p, rules, r);
        if (rule && !find_wrapper(out, r->enclosing, r->param))
            add_wrapper(out, r->enclosing, r->param, rule);
    }
    bool changed = true;
    while (changed) {
        changed = false;
        for (size_t i = 0; i < p->refs.count; i++) {
            const al_reference *r = &p->refs.items[i];
            if (r->param < 0 || r->enclosing == AL_NONE || r->use != AL_USE_ARGUMENT || r->target_function == AL_NONE ||
                find_wrapper(out, r->enclosing, r->param))
                continue;
            const al_context_rule *rule = find_wrapper(out, r->target_function, r->index);
            if (rule) {
                add_wrapper(out, r->enclosing, r->param, rule);
                changed = true;
            }
        }
    }
}

typedef struct discovery {
    const al_context_rule *rule;
    char *kind; /* owned when it says "via wrapper()" */
    al_loc where;
} discovery;

static void set_role(al_contexts *c, discovery *d, uint32_t f, const al_context_rule *rule, char *kind, al_loc where)
{
    uint8_t role = rule->role == AL_ROLE_HANDLER ? AL_CONTEXT_HANDLER : AL_CONTEXT_WORKER;
    if (role <= c->role[f]) {
        free(kind);
        return;
    }
    c->role[f] = role;
    free(d[f].kind);
    d[f].rule = rule;
    d[f].kind = kind;
    d[f].where = where;
}

/* `aeCreateFileEvent(el, fd, AE_READABLE, conn->type->ae_handler, conn)`: a registration whose
 * argument is a field registers every function stored into that field. Only calls to a function
 * some context rule names are looked at (one hash probe each). */
static void register_field_values(al_contexts *c, discovery *d, const al_program *p, const al_rules *rules,
                                  const al_paths *paths)
{
    size_t rule_count;
    const al_context_rule *all = al_rules_contexts(rules, &rule_count);
    al_strtab registrations;
    al_strtab_init(&registrations);
    for (size_t k = 0; k < rule_count; k++)
        if (all[k].match == AL_MATCH_CALL_ARG)
            al_strtab_intern(&registrations, all[k].pattern);
    for (size_t k = 0; k < p->calls.count; k++) {
        const al_call *call = &p->calls.items[k];
        if (call->indirect || (paths && paths->call[k] != AL_PATH_LIVE) || (p->live && !p->live[call->caller]))
            continue;
        const char *name = al_program_str(p, call->callee_name);
        if (al_strtab_find(&registrations, name) == UINT32_MAX)
            continue;
        for (uint32_t a = 0; a < call->arg_count; a++) {
            const al_fact_arg *arg = &p->args.items[call->first_arg + a];
            const al_context_rule *rule;
            if (arg->kind != AL_ARG_FIELD || !(rule = al_rules_match_context(rules, NULL, name, (int)a, NULL)))
                continue;
            size_t n;
            const uint32_t *stored = al_program_slot_functions(p, arg->name, &n);
            for (size_t i = 0; i < n; i++)
                set_role(c, d, stored[i], rule,
                         al_xasprintf("%s, stored in field %s", rule->kind, al_program_str(p, arg->name)), call->loc);
        }
    }
    al_strtab_free(&registrations);
}

void al_contexts_find(al_contexts *c, const al_program *p, const al_rules *rules, const al_paths *paths)
{
    memset(c, 0, sizeof(*c));
    size_t n = p->functions.count;
    c->role = al_xcalloc(n + 1, 1);
    discovery *d = al_xcalloc(n + 1, sizeof(*d));
    wrapper_set wrappers = {0};
    find_wrappers(&wrappers, p, rules);

    /* references, in source order: the first registration is the one reported */
    for (size_t i = 0; i < p->refs.count; i++) {
        const al_reference *r = &p->refs.items[i];
        if (r->function == AL_NONE || (paths && paths->ref[i] != AL_PATH_LIVE) || !al_program_reference_live(p, r))
            continue; /* a registration that never runs on the loop thread (or at all) registers nothing */
        const al_context_rule *rule = match_reference(p, rules, r);
        if (rule) {
            set_role(c, d, r->function, rule, NULL, r->loc);
            continue;
        }
        if (r->use == AL_USE_ARGUMENT && r->target_function != AL_NONE &&
            (rule = find_wrapper(&wrappers, r->target_function, r->index))) {
            const char *via = al_program_str(p, p->functions.items[r->target_function].name);
            set_role(c, d, r->function, rule, al_xasprintf("%s via %s()", rule->kind, via), r->loc);
        }
    }

    register_field_values(c, d, p, rules, paths);

    /* name patterns and marker calls: properties of the function itself */
    size_t rule_count;
    const al_context_rule *all = al_rules_contexts(rules, &rule_count);
    for (size_t k = 0; k < rule_count; k++) {
        const al_context_rule *rule = &all[k];
        if (rule->match == AL_MATCH_NAME_PATTERN) {
            for (size_t f = 0; f < n; f++) {
                const al_function *fn = &p->functions.items[f];
                if (fn->defined && fnmatch(rule->pattern, al_program_str(p, fn->name), 0) == 0)
                    set_role(c, d, (uint32_t)f, rule, NULL, fn->loc);
            }
        } else if (rule->match == AL_MATCH_MARKER_CALL) {
            for (size_t i = 0; i < p->calls.count; i++) {
                const al_call *call = &p->calls.items[i];
                if (strcmp(al_program_str(p, call->callee_name), rule->pattern) == 0)
                    set_role(c, d, call->caller, rule, NULL, call->loc);
            }
        }
    }

    for (size_t f = 0; f < n; f++) {
        const al_function *fn = &p->functions.items[f];
        if (!fn->defined)
            continue; /* an external function runs where its library runs it */
        bool annotated = fn->annotations & AL_ANNOT_HANDLER;
        if (c->role[f] != AL_CONTEXT_HANDLER && !annotated) {
            if (c->role[f] == AL_CONTEXT_WORKER) { /* kept for the lock findings' other side */
                al_handler worker = {(uint32_t)f,
                                     (int)d[f].rule->match,
                                     d[f].rule->pattern,
                                     d[f].kind ? d[f].kind : d[f].rule->kind,
                                     d[f].rule->family,
                                     d[f].where,
                                     0,
                                     d[f].rule->thread};
                if (d[f].kind)
                    AL_VEC_PUSH(c->owned_kinds, d[f].kind);
                d[f].kind = NULL;
                AL_VEC_PUSH(c->workers, worker);
                c->worker_count++;
            }
            continue;
        }
        al_handler h = {0};
        h.function = (uint32_t)f;
        if (c->role[f] == AL_CONTEXT_HANDLER) {
            h.kind = d[f].kind ? d[f].kind : d[f].rule->kind;
            h.family = d[f].rule->family;
            h.registered_at = d[f].where;
            h.how = (int)d[f].rule->match;
            h.pattern = d[f].rule->pattern;
            if (d[f].kind)
                AL_VEC_PUSH(c->owned_kinds, d[f].kind);
            d[f].kind = NULL;
        } else {
            c->role[f] = AL_CONTEXT_HANDLER;
            h.kind = "annotated asynclock:handler";
            h.family = "";
            h.registered_at = fn->loc;
            h.how = AL_HANDLER_ANNOTATED;
        }
        AL_VEC_PUSH(c->handlers, h);
    }
    /* loop drivers: what a loop calls between iterations of the event loop it runs */
    for (size_t i = 0; paths && i < paths->drivers.count; i++) {
        const al_loop_driver *driver = &paths->drivers.items[i];
        const al_call *run = &p->calls.items[driver->run_call];
        al_handler h = {0};
        h.function = driver->function;
        h.how = AL_HANDLER_LOOP_DRIVER;
        h.pattern = al_program_str(p, run->callee_name);
        char *kind = al_xasprintf("loop driver (the calls between iterations of %s)", h.pattern);
        AL_VEC_PUSH(c->owned_kinds, kind);
        h.kind = kind;
        h.family = "";
        h.registered_at = run->loc;
        h.region = driver->loop;
        AL_VEC_PUSH(c->handlers, h);
    }
    for (size_t f = 0; f < n; f++)
        free(d[f].kind);
    free(d);
    AL_VEC_FREE(wrappers.items);
    free(wrappers.first_of);
}

void al_contexts_free(al_contexts *c)
{
    for (size_t i = 0; i < c->owned_kinds.count; i++)
        free(c->owned_kinds.items[i]);
    AL_VEC_FREE(c->owned_kinds);
    AL_VEC_FREE(c->handlers);
    AL_VEC_FREE(c->workers);
    free(c->role);
    memset(c, 0, sizeof(*c));
}
