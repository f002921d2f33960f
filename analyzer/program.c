/* program: links per-unit facts into one call graph.
 *
 * A function defined in a header (static inline) is seen by every unit that includes it; the
 * first unit that defines a function owns it, and later units' copies of its calls and references
 * are dropped, so each call site exists once. Calls are then grouped by caller with a counting
 * sort, giving every function its slice of the call table. */
#include "program.h"

#include <stdlib.h>
#include <string.h>

static uint32_t function_for_key(al_program *p, uint32_t key, uint32_t name)
{
    while (p->function_of_key.count <= key)
        AL_VEC_PUSH(p->function_of_key, 0);
    uint32_t slot = p->function_of_key.items[key];
    if (slot)
        return slot - 1;
    al_function f = {0};
    f.key = key;
    f.name = name;
    AL_VEC_PUSH(p->functions, f);
    p->function_of_key.items[key] = (uint32_t)p->functions.count;
    return (uint32_t)p->functions.count - 1;
}

/* A unit's string id as a program string id. Each unit string is interned once (remap memoizes:
 * id + 1, 0 for not yet), and strings no fact uses (the paths of included headers) never are:
 * interning is most of the link's time. */
static uint32_t unit_string(al_program *p, const al_tu_facts *tu, uint32_t *remap, uint32_t id)
{
    if (!remap[id])
        remap[id] = al_strtab_intern(&p->strings, al_str(&tu->strings, id)) + 1;
    return remap[id] - 1;
}

#define UNIT_STR(tu, id) unit_string(p, (tu), remap, (id))

static al_loc translate_loc(al_program *p, const al_tu_facts *tu, uint32_t *remap, al_loc loc)
{
    loc.file = UNIT_STR(tu, loc.file);
    return loc;
}

static void link_unit(al_program *p, al_tu_facts *tu, uint32_t *remap, uint32_t unit_index, al_u32_vec *owner)
{
    /* 1. functions: definitions are owned by their first unit */
    for (size_t i = 0; i < tu->functions.count; i++) {
        const al_fact_function *ff = &tu->functions.items[i];
        uint32_t index = function_for_key(p, UNIT_STR(tu, ff->key), UNIT_STR(tu, ff->name));
        while (owner->count <= index)
            AL_VEC_PUSH(*owner, AL_NONE);
        al_function *f = &p->functions.items[index];
        f->annotations |= ff->annotations;
        if (ff->type && !f->type)
            f->type = UNIT_STR(tu, ff->type);
        if (ff->defined && !f->defined) {
            f->defined = true;
            f->loc = translate_loc(p, tu, remap, ff->loc);
            owner->items[index] = unit_index;
        } else if (!f->defined && f->loc.line == 0) {
            f->loc = translate_loc(p, tu, remap, ff->loc);
        }
    }
    /* 2. calls made by the functions this unit owns */
    for (size_t i = 0; i < tu->calls.count; i++) {
        const al_fact_call *fc = &tu->calls.items[i];
        if (!fc->caller)
            continue; /* a call at file scope (inside sizeof or typeof) never runs */
        uint32_t caller = function_for_key(p, UNIT_STR(tu, fc->caller), 0);
        if (caller >= owner->count || owner->items[caller] != unit_index)
            continue;
        al_call c = {0};
        c.caller = caller;
        c.indirect = fc->callee_key == 0;
        c.callee = c.indirect ? AL_NONE : UNIT_STR(tu, fc->callee_key); /* a key for now */
        c.callee_name = UNIT_STR(tu, fc->callee_name);
        c.loc = translate_loc(p, tu, remap, fc->loc);
        c.first_arg = (uint32_t)p->args.count;
        c.arg_count = fc->arg_count;
        c.assigned_to = fc->assigned_to ? UNIT_STR(tu, fc->assigned_to) : 0;
        c.variable = fc->variable_key ? UNIT_STR(tu, fc->variable_key) : 0;
        c.pointee_type = fc->pointee_type ? UNIT_STR(tu, fc->pointee_type) : 0;
        c.subscripted = fc->subscripted;
        c.param = c.indirect ? fc->param : -1;
        for (uint32_t a = 0; a < fc->arg_count; a++) {
            al_fact_arg arg = tu->args.items[fc->first_arg + a];
            if (arg.kind == AL_ARG_VARIABLE || arg.kind == AL_ARG_CALL)
                arg.name = UNIT_STR(tu, arg.name);
            AL_VEC_PUSH(p->args, arg);
        }
        AL_VEC_PUSH(p->calls, c);
    }
    /* 3. references: inside owned functions, or at file scope */
    for (size_t i = 0; i < tu->refs.count; i++) {
        const al_fact_ref *fr = &tu->refs.items[i];
        al_reference r = {0};
        r.enclosing = AL_NONE;
        if (fr->enclosing) {
            uint32_t enclosing = function_for_key(p, UNIT_STR(tu, fr->enclosing), 0);
            if (enclosing >= owner->count || owner->items[enclosing] != unit_index)
                continue;
            r.enclosing = enclosing;
        }
        r.param = fr->param;
        if (fr->param >= 0) {
            r.function = AL_NONE;
        } else {
            r.function = function_for_key(p, UNIT_STR(tu, fr->function_key), UNIT_STR(tu, fr->function_name));
            if (!p->functions.items[r.function].name)
                p->functions.items[r.function].name = UNIT_STR(tu, fr->function_name);
        }
        r.target_function = fr->target_key ? UNIT_STR(tu, fr->target_key) : AL_NONE; /* a key for now */
        r.loc = translate_loc(p, tu, remap, fr->loc);
        r.use = fr->use;
        r.target = UNIT_STR(tu, fr->target);
        r.index = fr->index;
        r.type_name = UNIT_STR(tu, fr->type_name);
        r.variable = fr->variable_key ? UNIT_STR(tu, fr->variable_key) : 0;
        AL_VEC_PUSH(p->refs, r);
    }
}

static void link_aliases(al_program *p, const al_tu_facts *tu, uint32_t *remap)
{
    for (size_t i = 0; i < tu->aliases.count; i++) {
        al_alias a = {UNIT_STR(tu, tu->aliases.items[i].variable_key), UNIT_STR(tu, tu->aliases.items[i].source_key)};
        AL_VEC_PUSH(p->aliases, a);
    }
}

static int compare_refs(const void *a, const void *b)
{
    const al_reference *x = a, *y = b;
    if (x->loc.file != y->loc.file)
        return x->loc.file < y->loc.file ? -1 : 1;
    if (x->loc.line != y->loc.line)
        return x->loc.line < y->loc.line ? -1 : 1;
    if (x->loc.column != y->loc.column)
        return x->loc.column < y->loc.column ? -1 : 1;
    if (x->function != y->function)
        return x->function < y->function ? -1 : 1;
    return (x->use > y->use) - (x->use < y->use);
}

void al_program_link(al_program *p, al_tu_facts *units, size_t count)
{
    memset(p, 0, sizeof(*p));
    al_strtab_init(&p->strings);
    al_u32_vec owner = {0};
    al_u32_vec remap = {0};
    for (size_t u = 0; u < count; u++) {
        al_tu_facts *tu = &units[u];
        al_unit_status status = {0};
        status.file = al_strtab_intern(&p->strings, tu->file);
        status.parsed = tu->parsed;
        status.errors = tu->error_count;
        status.failure = tu->failure;
        tu->failure = NULL;
        AL_VEC_PUSH(p->units, status);
        if (tu->parsed) {
            AL_VEC_RESERVE(remap, tu->strings.count);
            memset(remap.items, 0, tu->strings.count * sizeof(uint32_t));
            link_unit(p, tu, remap.items, (uint32_t)u, &owner);
            link_aliases(p, tu, remap.items);
        }
        al_tu_facts_free(tu);
    }
    AL_VEC_FREE(owner);
    AL_VEC_FREE(remap);

    /* resolve callee keys to functions now that every unit is in */
    for (size_t i = 0; i < p->calls.count; i++) {
        al_call *c = &p->calls.items[i];
        if (c->indirect)
            continue;
        uint32_t key = c->callee;
        c->callee = key < p->function_of_key.count && p->function_of_key.items[key] ? p->function_of_key.items[key] - 1
                                                                                    : AL_NONE;
    }

    for (size_t i = 0; i < p->refs.count; i++) {
        al_reference *r = &p->refs.items[i];
        uint32_t key = r->target_function;
        if (key != AL_NONE)
            r->target_function = key < p->function_of_key.count && p->function_of_key.items[key]
                                     ? p->function_of_key.items[key] - 1
                                     : AL_NONE;
    }

    /* group calls by caller (stable: source order within a caller is kept) */
    size_t n = p->functions.count;
    uint32_t *start = al_xcalloc(n + 1, sizeof(uint32_t));
    for (size_t i = 0; i < p->calls.count; i++)
        start[p->calls.items[i].caller + 1]++;
    for (size_t f = 0; f < n; f++)
        start[f + 1] += start[f];
    al_call *sorted = al_xmalloc((p->calls.count + 1) * sizeof(al_call));
    uint32_t *fill = al_xmalloc((n + 1) * sizeof(uint32_t));
    memcpy(fill, start, (n + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < p->calls.count; i++)
        sorted[fill[p->calls.items[i].caller]++] = p->calls.items[i];
    free(p->calls.items);
    p->calls.items = sorted;
    p->calls.capacity = p->calls.count + 1;
    for (size_t f = 0; f < n; f++) {
        p->functions.items[f].first_call = start[f];
        p->functions.items[f].call_count = start[f + 1] - start[f];
    }
    free(fill);
    free(start);

    /* references in source order, so "registered here" is the first registration */
    if (p->refs.count > 1)
        qsort(p->refs.items, p->refs.count, sizeof(al_reference), compare_refs);
}

void al_program_free(al_program *p)
{
    for (size_t i = 0; i < p->units.count; i++)
        free(p->units.items[i].failure);
    AL_VEC_FREE(p->units);
    AL_VEC_FREE(p->functions);
    AL_VEC_FREE(p->calls);
    AL_VEC_FREE(p->args);
    AL_VEC_FREE(p->refs);
    AL_VEC_FREE(p->aliases);
    AL_VEC_FREE(p->function_of_key);
    AL_VEC_FREE(p->target_start);
    AL_VEC_FREE(p->targets);
    al_strtab_free(&p->strings);
}

uint32_t al_program_find(const al_program *p, const char *key)
{
    uint32_t id = al_strtab_find(&p->strings, key);
    if (id == UINT32_MAX || id >= p->function_of_key.count || !p->function_of_key.items[id])
        return AL_NONE;
    return p->function_of_key.items[id] - 1;
}

size_t al_program_find_by_name(const al_program *p, const char *name, uint32_t *out, size_t max)
{
    uint32_t id = al_strtab_find(&p->strings, name);
    size_t found = 0;
    if (id == UINT32_MAX)
        return 0;
    for (size_t i = 0; i < p->functions.count; i++) {
        if (p->functions.items[i].name == id && p->functions.items[i].defined) {
            if (found < max)
                out[found] = (uint32_t)i;
            found++;
        }
    }
    return found;
}

size_t al_program_failed_units(const al_program *p)
{
    size_t failed = 0;
    for (size_t i = 0; i < p->units.count; i++)
        failed += !p->units.items[i].parsed || p->units.items[i].errors > 0;
    return failed;
}
