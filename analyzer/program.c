/* program: one string table for every unit, then one call graph per program.
 *
 * al_unit_set_build rewrites each unit's ids into the set's table, interning each string a fact
 * uses once per run (interning is most of a warm run's time, and a unit shared by ten programs
 * must not cost ten times). al_program_link_units then links the units of one program: a function
 * defined in a header (static inline) is seen by every unit that includes it; the first unit that
 * defines a function owns it, and later units' copies of its calls and references are dropped, so
 * each call site exists once. Two definitions of one external function at different places are a
 * link clash: the first is kept, and the clash recorded. Calls are then grouped by caller with a
 * counting sort, giving every function its slice of the call table. */
#include "program.h"

#include <stdlib.h>
#include <string.h>

/* ---- the unit set ---- */

/* A unit's string id as a set string id. Each unit string is interned once (remap memoizes: id + 1,
 * 0 for not yet), and strings no fact uses (the paths of included headers) never are. */
static uint32_t set_string(al_strtab *strings, const al_tu_facts *tu, uint32_t *remap, uint32_t id)
{
    if (!remap[id])
        remap[id] = al_strtab_intern_from(strings, &tu->strings, id) + 1;
    return remap[id] - 1;
}

#define SET_STR(field) ((field) = set_string(strings, tu, remap, (field)))
#define SET_STR_NONZERO(field)                                                                                         \
    do {                                                                                                               \
        if (field)                                                                                                     \
            SET_STR(field);                                                                                            \
    } while (0)

static void move_strings(al_strtab *strings, al_tu_facts *tu, uint32_t *remap)
{
    for (size_t i = 0; i < tu->functions.count; i++) {
        al_fact_function *f = &tu->functions.items[i];
        SET_STR(f->key);
        SET_STR(f->name);
        SET_STR(f->loc.file);
        SET_STR_NONZERO(f->type);
    }
    for (size_t i = 0; i < tu->calls.count; i++) {
        al_fact_call *c = &tu->calls.items[i];
        SET_STR_NONZERO(c->caller);
        SET_STR_NONZERO(c->callee_key);
        SET_STR(c->callee_name);
        SET_STR(c->loc.file);
        SET_STR_NONZERO(c->assigned_to);
        SET_STR_NONZERO(c->variable_key);
        SET_STR_NONZERO(c->pointee_type);
        SET_STR_NONZERO(c->assigned_field);
        SET_STR_NONZERO(c->assigned_key);
        SET_STR_NONZERO(c->then_calls);
    }
    for (size_t i = 0; i < tu->args.count; i++) {
        al_fact_arg *a = &tu->args.items[i];
        if (a->kind == AL_ARG_VARIABLE || a->kind == AL_ARG_CALL || a->kind == AL_ARG_STRING ||
            a->kind == AL_ARG_FIELD || a->kind == AL_ARG_PARAM || a->kind == AL_ARG_FIELDS ||
            a->kind == AL_ARG_ADDRESS || a->kind == AL_ARG_FIELD_ADDRESS)
            SET_STR(a->name);
        SET_STR_NONZERO(a->key);
    }
    for (size_t i = 0; i < tu->guards.count; i++) {
        SET_STR_NONZERO(tu->guards.items[i].subject);
        SET_STR_NONZERO(tu->guards.items[i].value_key);
    }
    for (size_t i = 0; i < tu->blocks.count; i++)
        SET_STR(tu->blocks.items[i].function);
    for (size_t i = 0; i < tu->loops.count; i++)
        SET_STR(tu->loops.items[i].function);
    for (size_t i = 0; i < tu->returns.count; i++) {
        SET_STR(tu->returns.items[i].function);
        SET_STR_NONZERO(tu->returns.items[i].variable);
        SET_STR_NONZERO(tu->returns.items[i].target);
    }
    for (size_t i = 0; i < tu->stores.count; i++) {
        SET_STR(tu->stores.items[i].function);
        SET_STR(tu->stores.items[i].target);
        SET_STR_NONZERO(tu->stores.items[i].local);
    }
    for (size_t i = 0; i < tu->objects.count; i++) {
        SET_STR_NONZERO(tu->objects.items[i].local);
        SET_STR_NONZERO(tu->objects.items[i].field);
    }
    for (size_t i = 0; i < tu->installs.count; i++) {
        SET_STR(tu->installs.items[i].function);
        SET_STR_NONZERO(tu->installs.items[i].local);
        SET_STR_NONZERO(tu->installs.items[i].field);
        SET_STR(tu->installs.items[i].descriptor);
    }
    for (size_t i = 0; i < tu->refs.count; i++) {
        al_fact_ref *r = &tu->refs.items[i];
        SET_STR_NONZERO(r->function_key);
        SET_STR_NONZERO(r->function_name);
        SET_STR_NONZERO(r->enclosing);
        SET_STR_NONZERO(r->holder);
        SET_STR(r->loc.file);
        SET_STR(r->target);
        SET_STR_NONZERO(r->target_key);
        SET_STR(r->type_name);
        SET_STR_NONZERO(r->variable_key);
    }
    for (size_t i = 0; i < tu->aliases.count; i++) {
        SET_STR(tu->aliases.items[i].variable_key);
        SET_STR(tu->aliases.items[i].source_key);
    }
    for (size_t i = 0; i < tu->variables.count; i++) {
        SET_STR(tu->variables.items[i].key);
        SET_STR(tu->variables.items[i].name);
        SET_STR(tu->variables.items[i].loc.file);
        SET_STR_NONZERO(tu->variables.items[i].type);
    }
    for (size_t i = 0; i < tu->var_uses.count; i++) {
        SET_STR_NONZERO(tu->var_uses.items[i].function);
        SET_STR_NONZERO(tu->var_uses.items[i].holder);
        SET_STR(tu->var_uses.items[i].variable);
        SET_STR_NONZERO(tu->var_uses.items[i].type);
    }
    for (size_t i = 0; i < tu->diags.count; i++) {
        SET_STR(tu->diags.items[i].loc.file);
        SET_STR(tu->diags.items[i].message);
    }
    tu->includes.count = 0; /* the cache's business, already done */
}

void al_unit_set_build(al_unit_set *s, al_tu_facts *units, size_t count)
{
    memset(s, 0, sizeof(*s));
    al_strtab_init(&s->strings);
    s->units = units;
    s->count = count;
    s->status = al_xcalloc(count + 1, sizeof(*s->status));
    al_u32_vec remap = {0};
    for (size_t u = 0; u < count; u++) {
        al_tu_facts *tu = &units[u];
        al_unit_status *status = &s->status[u];
        status->file = al_strtab_intern(&s->strings, tu->file);
        status->parsed = tu->parsed;
        status->errors = tu->error_count;
        status->failure = tu->failure;
        tu->failure = NULL;
        AL_VEC_RESERVE(remap, tu->strings.count + 1);
        memset(remap.items, 0, (tu->strings.count + 1) * sizeof(uint32_t));
        move_strings(&s->strings, tu, remap.items);
        al_strtab_free(&tu->strings);
        al_strtab_init(&tu->strings); /* empty: the ids are the set's now */
    }
    AL_VEC_FREE(remap);
}

void al_unit_set_free(al_unit_set *s)
{
    for (size_t u = 0; u < s->count; u++) {
        free(s->status[u].failure);
        al_tu_facts_free(&s->units[u]);
    }
    free(s->units);
    free(s->status);
    al_strtab_free(&s->strings);
    memset(s, 0, sizeof(*s));
}

size_t al_unit_set_failed(const al_unit_set *s)
{
    size_t failed = 0;
    for (size_t i = 0; i < s->count; i++)
        failed += !s->status[i].parsed || s->status[i].errors > 0;
    return failed;
}

/* ---- linking one program ---- */

static uint32_t function_for_key(al_program *p, uint32_t key, uint32_t name)
{
    uint32_t slot = p->function_of_key[key];
    if (slot)
        return slot - 1;
    al_function f = {0};
    f.key = key;
    f.name = name;
    AL_VEC_PUSH(p->functions, f);
    p->function_of_key[key] = (uint32_t)p->functions.count;
    return (uint32_t)p->functions.count - 1;
}

static bool same_place(al_loc a, al_loc b)
{
    return a.file == b.file && a.line == b.line;
}

static uint32_t rebased(uint32_t index_plus_one, size_t base)
{
    return index_plus_one ? (uint32_t)base + index_plus_one : 0;
}

static void link_unit(al_program *p, const al_tu_facts *tu, uint32_t unit_index, al_u32_vec *owner)
{
    size_t guard_base = p->guards.count, block_base = p->blocks.count, loop_base = p->loops.count;
    for (size_t i = 0; i < tu->guards.count; i++)
        AL_VEC_PUSH(p->guards, tu->guards.items[i]);
    for (size_t i = 0; i < tu->blocks.count; i++) {
        al_region b = {rebased(tu->blocks.items[i].parent, block_base),
                       tu->blocks.items[i].function,
                       tu->blocks.items[i].switch_body,
                       tu->blocks.items[i].position,
                       tu->blocks.items[i].last_exit,
                       false};
        AL_VEC_PUSH(p->blocks, b); /* the function is a key until every unit is in */
    }
    for (size_t i = 0; i < tu->loops.count; i++) {
        al_region l = {rebased(tu->loops.items[i].parent, loop_base),
                       tu->loops.items[i].function,
                       false,
                       0,
                       0,
                       tu->loops.items[i].once};
        AL_VEC_PUSH(p->loops, l);
    }
    for (size_t i = 0; i < tu->returns.count; i++) {
        al_return ret = {tu->returns.items[i].function, tu->returns.items[i].variable, tu->returns.items[i].target};
        AL_VEC_PUSH(p->returns, ret);
    }
    for (size_t i = 0; i < tu->stores.count; i++) {
        const al_fact_store *fs = &tu->stores.items[i];
        al_store st = {fs->target, fs->function, fs->param < 0 ? AL_NONE : (uint32_t)fs->param, fs->local};
        AL_VEC_PUSH(p->stores, st); /* the function is a key until every unit is in */
    }
    for (size_t i = 0; i < tu->installs.count; i++) {
        const al_fact_install *fi = &tu->installs.items[i];
        al_install in = {fi->function, fi->param < 0 ? AL_NONE : (uint32_t)fi->param, fi->local, fi->field,
                         fi->descriptor};
        AL_VEC_PUSH(p->installs, in); /* a key, as above */
    }
    /* 1. functions: definitions are owned by their first unit */
    for (size_t i = 0; i < tu->functions.count; i++) {
        const al_fact_function *ff = &tu->functions.items[i];
        uint32_t index = function_for_key(p, ff->key, ff->name);
        while (owner->count <= index)
            AL_VEC_PUSH(*owner, AL_NONE);
        al_function *f = &p->functions.items[index];
        f->annotations |= ff->annotations;
        if (ff->type && !f->type)
            f->type = ff->type;
        if (ff->defined && !f->defined) {
            f->defined = true;
            f->returns = ff->returns;
            f->loc = ff->loc;
            owner->items[index] = unit_index;
        } else if (ff->defined && !same_place(f->loc, ff->loc) && !al_key_is_internal(al_program_str(p, f->key))) {
            /* one external name, two bodies: the build would not link (or links one by chance) */
            al_clash clash = {index, f->loc, ff->loc};
            bool known = false;
            for (size_t k = 0; k < p->clashes.count && !known; k++)
                known = p->clashes.items[k].function == index;
            if (!known)
                AL_VEC_PUSH(p->clashes, clash);
        } else if (!f->defined && f->loc.line == 0) {
            f->loc = ff->loc;
        }
    }
    /* 2. calls made by the functions this unit owns */
    size_t next_object = 0; /* the unit's objects, in the order of their calls */
    for (size_t i = 0; i < tu->calls.count; i++) {
        const al_fact_call *fc = &tu->calls.items[i];
        if (!fc->caller)
            continue; /* a call at file scope (inside sizeof or typeof) never runs */
        uint32_t caller = function_for_key(p, fc->caller, 0);
        if (caller >= owner->count || owner->items[caller] != unit_index)
            continue;
        al_call c = {0};
        c.caller = caller;
        c.indirect = fc->callee_key == 0;
        c.callee = c.indirect ? AL_NONE : fc->callee_key; /* a key for now */
        c.callee_name = fc->callee_name;
        c.loc = fc->loc;
        c.first_arg = (uint32_t)p->args.count;
        c.arg_count = fc->arg_count;
        c.assigned_to = fc->assigned_to;
        c.variable = fc->variable_key;
        c.pointee_type = fc->pointee_type;
        c.subscripted = fc->subscripted;
        c.param = c.indirect ? fc->param : -1;
        c.assigned_field = fc->assigned_field;
        c.assigned_key = fc->assigned_key;
        c.returned = fc->returned;
        c.statement = fc->statement;
        c.position = fc->position;
        c.label_before = fc->label_before;
        c.block = rebased(fc->block, block_base);
        c.loop = rebased(fc->loop, loop_base);
        c.first_guard = (uint32_t)guard_base + fc->first_guard;
        c.guard_count = fc->guard_count;
        c.then_calls = fc->then_calls;
        while (next_object < tu->objects.count && tu->objects.items[next_object].call < i)
            next_object++;
        if (c.indirect && next_object < tu->objects.count && tu->objects.items[next_object].call == i) {
            const al_fact_object *fo = &tu->objects.items[next_object];
            al_object o = {fo->param < 0 ? AL_NONE : (uint32_t)fo->param, fo->local, fo->field};
            AL_VEC_PUSH(p->objects, o);
            c.object = (uint32_t)p->objects.count;
        }
        for (uint32_t a = 0; a < fc->arg_count; a++)
            AL_VEC_PUSH(p->args, tu->args.items[fc->first_arg + a]);
        AL_VEC_PUSH(p->calls, c);
    }
    /* 3. references: inside owned functions, or at file scope */
    for (size_t i = 0; i < tu->refs.count; i++) {
        const al_fact_ref *fr = &tu->refs.items[i];
        al_reference r = {0};
        r.enclosing = AL_NONE;
        if (fr->enclosing) {
            uint32_t enclosing = function_for_key(p, fr->enclosing, 0);
            if (enclosing >= owner->count || owner->items[enclosing] != unit_index)
                continue;
            r.enclosing = enclosing;
        }
        r.param = fr->param;
        if (fr->param >= 0) {
            r.function = AL_NONE;
        } else {
            r.function = function_for_key(p, fr->function_key, fr->function_name);
            if (!p->functions.items[r.function].name)
                p->functions.items[r.function].name = fr->function_name;
        }
        r.target_function = fr->target_key ? fr->target_key : AL_NONE; /* a key for now */
        r.loc = fr->loc;
        r.use = fr->use;
        r.target = fr->target;
        r.index = fr->index;
        r.type_name = fr->type_name;
        r.variable = fr->variable_key;
        r.holder = fr->holder;
        r.block = rebased(fr->block, block_base);
        r.first_guard = (uint32_t)guard_base + fr->first_guard;
        r.guard_count = fr->guard_count;
        AL_VEC_PUSH(p->refs, r);
    }
    for (size_t i = 0; i < tu->aliases.count; i++) {
        al_alias a = {tu->aliases.items[i].variable_key, tu->aliases.items[i].source_key};
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

static int compare_assignments(const void *a, const void *b)
{
    const al_assignment *x = a, *y = b;
    if (x->target != y->target)
        return x->target < y->target ? -1 : 1;
    return (x->call > y->call) - (x->call < y->call);
}

/* Each function's direct callers: call indexes grouped by callee (al_program_callers). */
static void index_callers(al_program *p)
{
    size_t nf = p->functions.count;
    p->caller_start = al_xcalloc(nf + 2, sizeof(uint32_t));
    for (size_t k = 0; k < p->calls.count; k++)
        if (!p->calls.items[k].indirect && p->calls.items[k].callee != AL_NONE)
            p->caller_start[p->calls.items[k].callee + 1]++;
    for (size_t f = 0; f < nf; f++)
        p->caller_start[f + 1] += p->caller_start[f];
    p->caller_calls = al_xmalloc((p->caller_start[nf] + 1) * sizeof(uint32_t));
    uint32_t *fill = al_xmalloc((nf + 1) * sizeof(uint32_t));
    memcpy(fill, p->caller_start, (nf + 1) * sizeof(uint32_t));
    for (size_t k = 0; k < p->calls.count; k++)
        if (!p->calls.items[k].indirect && p->calls.items[k].callee != AL_NONE)
            p->caller_calls[fill[p->calls.items[k].callee]++] = (uint32_t)k;
    free(fill);
}

static int compare_stores(const void *a, const void *b)
{
    const al_store *x = a, *y = b;
    return (x->target > y->target) - (x->target < y->target);
}

static int compare_installs(const void *a, const void *b)
{
    const al_install *x = a, *y = b;
    return (x->function > y->function) - (x->function < y->function);
}

static int compare_returns(const void *a, const void *b)
{
    const al_return *x = a, *y = b;
    return (x->function > y->function) - (x->function < y->function);
}

static uint32_t function_of(const al_program *p, uint32_t key)
{
    return p->function_of_key[key] ? p->function_of_key[key] - 1 : AL_NONE;
}

void al_program_link_units(al_program *p, const al_unit_set *set, const uint32_t *units, size_t count)
{
    memset(p, 0, sizeof(*p));
    p->strings = &set->strings;
    p->set = set;
    p->function_of_key = al_xcalloc(set->strings.count + 1, sizeof(uint32_t));
    al_u32_vec owner = {0};
    for (size_t k = 0; k < count; k++) {
        uint32_t u = units[k];
        AL_VEC_PUSH(p->units, u);
        if (set->status[u].parsed)
            link_unit(p, &set->units[u], u, &owner);
    }
    AL_VEC_FREE(owner);

    /* resolve callee keys to functions now that every unit is in */
    for (size_t i = 0; i < p->calls.count; i++) {
        al_call *c = &p->calls.items[i];
        if (!c->indirect)
            c->callee = function_of(p, c->callee);
    }
    for (size_t i = 0; i < p->refs.count; i++) {
        al_reference *r = &p->refs.items[i];
        if (r->target_function != AL_NONE)
            r->target_function = function_of(p, r->target_function);
    }
    for (size_t i = 0; i < p->blocks.count; i++)
        p->blocks.items[i].function = function_of(p, p->blocks.items[i].function);
    for (size_t i = 0; i < p->loops.count; i++)
        p->loops.items[i].function = function_of(p, p->loops.items[i].function);
    for (size_t i = 0; i < p->returns.count; i++)
        p->returns.items[i].function = function_of(p, p->returns.items[i].function);
    for (size_t i = 0; i < p->stores.count; i++)
        p->stores.items[i].function = function_of(p, p->stores.items[i].function);
    for (size_t i = 0; i < p->installs.count; i++)
        p->installs.items[i].function = function_of(p, p->installs.items[i].function);

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

    for (size_t k = 0; k < p->calls.count; k++) {
        const al_call *c = &p->calls.items[k];
        if (c->assigned_field)
            AL_VEC_PUSH(p->assignments, ((al_assignment){c->assigned_field, (uint32_t)k}));
        if (c->assigned_key)
            AL_VEC_PUSH(p->assignments, ((al_assignment){c->assigned_key, (uint32_t)k}));
    }
    if (p->assignments.count > 1)
        qsort(p->assignments.items, p->assignments.count, sizeof(al_assignment), compare_assignments);
    if (p->returns.count > 1)
        qsort(p->returns.items, p->returns.count, sizeof(al_return), compare_returns);
    if (p->stores.count > 1)
        qsort(p->stores.items, p->stores.count, sizeof(al_store), compare_stores);
    if (p->installs.count > 1)
        qsort(p->installs.items, p->installs.count, sizeof(al_install), compare_installs);
    index_callers(p);
}

const uint32_t *al_program_slot_functions(const al_program *p, uint32_t slot, size_t *count)
{
    if (!p->slot_start || slot >= p->strings->count) {
        *count = 0;
        return NULL;
    }
    *count = p->slot_start[slot + 1] - p->slot_start[slot];
    return p->slot_items + p->slot_start[slot];
}

const uint32_t *al_program_callers(const al_program *p, uint32_t function, size_t *count)
{
    *count = p->caller_start[function + 1] - p->caller_start[function];
    return p->caller_calls + p->caller_start[function];
}

/* The run of elements whose leading uint32_t key is `key`, in an array sorted by it (assignments
 * by target, returns by function, stores by target): its first index, and its length in *count. */
static size_t key_run(const void *items, size_t count, size_t size, uint32_t key, size_t *run)
{
    const unsigned char *base = items;
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t k;
        memcpy(&k, base + mid * size, sizeof(k));
        if (k < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    for (uint32_t k; end < count && (memcpy(&k, base + end * size, sizeof(k)), k == key);)
        end++;
    *run = end - lo;
    return lo;
}

const al_assignment *al_program_assignments(const al_program *p, uint32_t target, size_t *count)
{
    size_t first = key_run(p->assignments.items, p->assignments.count, sizeof(al_assignment), target, count);
    return *count ? p->assignments.items + first : NULL;
}

const al_return *al_program_returns(const al_program *p, uint32_t function, size_t *count)
{
    size_t first = key_run(p->returns.items, p->returns.count, sizeof(al_return), function, count);
    return *count ? p->returns.items + first : NULL;
}

const al_install *al_program_installs(const al_program *p, uint32_t function, size_t *count)
{
    size_t first = key_run(p->installs.items, p->installs.count, sizeof(al_install), function, count);
    return *count ? p->installs.items + first : NULL;
}

const al_store *al_program_stores(const al_program *p, uint32_t target, size_t *count)
{
    size_t first = key_run(p->stores.items, p->stores.count, sizeof(al_store), target, count);
    return *count ? p->stores.items + first : NULL;
}

/* ---- what can run at all ---- */

/* Pairs (from, to) bucketed by `from` (below `keys`): a CSR of what each function or variable
 * makes live. */
typedef struct live_edges {
    uint32_t *start, *to;
} live_edges;

struct live_pair {
    uint32_t from, to;
};
typedef AL_VEC(struct live_pair) live_pairs;

static void live_bucket(live_edges *e, const live_pairs *pairs, size_t keys)
{
    e->start = al_xcalloc(keys + 2, sizeof(uint32_t));
    for (size_t i = 0; i < pairs->count; i++)
        e->start[pairs->items[i].from + 1]++;
    for (size_t k = 0; k < keys; k++)
        e->start[k + 1] += e->start[k];
    e->to = al_xmalloc((pairs->count + 1) * sizeof(uint32_t));
    uint32_t *fill = al_xmalloc((keys + 1) * sizeof(uint32_t));
    memcpy(fill, e->start, (keys + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < pairs->count; i++)
        e->to[fill[pairs->items[i].from]++] = pairs->items[i].to;
    free(fill);
}

/* Marks `item` live and queues it, the first time. */
static void mark_live(uint8_t *live, al_u32_vec *queue, uint32_t item)
{
    if (!live[item]) {
        live[item] = 1;
        AL_VEC_PUSH(*queue, item);
    }
}

void al_program_find_live(al_program *p, const uint32_t *root_units, size_t root_unit_count)
{
    free(p->live);
    free(p->live_variables);
    p->live = NULL;
    p->live_variables = NULL;
    uint32_t main_key = al_strtab_find(p->strings, "c:@F@main");
    uint32_t main_function = main_key == UINT32_MAX ? AL_NONE : function_of(p, main_key);
    if (main_function == AL_NONE || !p->functions.items[main_function].defined)
        return; /* a library: everything can be called */
    size_t nf = p->functions.count, keys = p->strings->count;
    /* what a function makes live: the variables it uses; what a variable's initializer makes
       live: the functions and variables it names */
    live_pairs uses = {0}, init_functions = {0}, init_variables = {0};
    for (size_t i = 0; i < p->units.count; i++) {
        const al_tu_facts *tu = &p->set->units[p->units.items[i]];
        for (size_t k = 0; k < tu->var_uses.count; k++) {
            const al_fact_var_use *u = &tu->var_uses.items[k];
            if (u->kind == AL_VAR_DISCARD)
                continue;
            uint32_t f = u->function ? function_of(p, u->function) : AL_NONE;
            if (f != AL_NONE)
                AL_VEC_PUSH(uses, ((struct live_pair){f, u->variable}));
            else if (u->holder)
                AL_VEC_PUSH(init_variables, ((struct live_pair){u->holder, u->variable}));
        }
    }
    for (size_t i = 0; i < p->refs.count; i++) {
        const al_reference *r = &p->refs.items[i];
        if (r->enclosing == AL_NONE && r->holder && r->function != AL_NONE)
            AL_VEC_PUSH(init_functions, ((struct live_pair){r->holder, r->function}));
    }
    live_edges function_uses, holder_functions, holder_variables;
    live_bucket(&function_uses, &uses, nf);
    live_bucket(&holder_functions, &init_functions, keys);
    live_bucket(&holder_variables, &init_variables, keys);
    AL_VEC_FREE(uses);
    AL_VEC_FREE(init_functions);
    AL_VEC_FREE(init_variables);
    /* the references each function makes, by enclosing function */
    live_pairs by_enclosing = {0};
    for (size_t i = 0; i < p->refs.count; i++)
        if (p->refs.items[i].enclosing != AL_NONE && p->refs.items[i].function != AL_NONE)
            AL_VEC_PUSH(by_enclosing, ((struct live_pair){p->refs.items[i].enclosing, p->refs.items[i].function}));
    live_edges named;
    live_bucket(&named, &by_enclosing, nf);
    AL_VEC_FREE(by_enclosing);

    uint8_t *live = al_xcalloc(nf + 1, 1), *live_variables = al_xcalloc(keys + 1, 1);
    al_u32_vec functions = {0}, variables = {0};
    mark_live(live, &functions, main_function);
    /* what runs before main: __attribute__((constructor)) functions (a module registering itself) */
    for (size_t f = 0; f < nf; f++)
        if (p->functions.items[f].defined && (p->functions.items[f].annotations & AL_ANNOT_CONSTRUCTOR))
            mark_live(live, &functions, (uint32_t)f);
    /* a plugin's external functions: its host calls them by name (dlsym) */
    for (size_t i = 0; i < root_unit_count; i++) {
        const al_tu_facts *tu = &p->set->units[root_units[i]];
        for (size_t k = 0; k < tu->functions.count; k++) {
            uint32_t f =
                tu->functions.items[k].defined && !al_key_is_internal(al_str(p->strings, tu->functions.items[k].key))
                    ? function_of(p, tu->functions.items[k].key)
                    : AL_NONE;
            if (f != AL_NONE)
                mark_live(live, &functions, f);
        }
    }
    for (size_t fi = 0, vi = 0; fi < functions.count || vi < variables.count;) {
        if (fi < functions.count) {
            uint32_t f = functions.items[fi++];
            const al_function *fn = &p->functions.items[f];
            for (uint32_t k = fn->first_call; k < fn->first_call + fn->call_count; k++)
                if (!p->calls.items[k].indirect && p->calls.items[k].callee != AL_NONE)
                    mark_live(live, &functions, p->calls.items[k].callee);
            for (uint32_t e = named.start[f]; e < named.start[f + 1]; e++)
                mark_live(live, &functions, named.to[e]);
            for (uint32_t e = function_uses.start[f]; e < function_uses.start[f + 1]; e++)
                mark_live(live_variables, &variables, function_uses.to[e]);
        } else {
            uint32_t v = variables.items[vi++];
            for (uint32_t e = holder_functions.start[v]; e < holder_functions.start[v + 1]; e++)
                mark_live(live, &functions, holder_functions.to[e]);
            for (uint32_t e = holder_variables.start[v]; e < holder_variables.start[v + 1]; e++)
                mark_live(live_variables, &variables, holder_variables.to[e]);
        }
    }
    AL_VEC_FREE(functions);
    AL_VEC_FREE(variables);
    free(function_uses.start);
    free(function_uses.to);
    free(holder_functions.start);
    free(holder_functions.to);
    free(holder_variables.start);
    free(holder_variables.to);
    free(named.start);
    free(named.to);
    p->live = live;
    p->live_variables = live_variables;
}

bool al_program_reference_live(const al_program *p, const al_reference *r)
{
    if (!p->live)
        return true;
    if (r->enclosing != AL_NONE)
        return p->live[r->enclosing];
    return !r->holder || p->live_variables[r->holder];
}

void al_program_link(al_program *p, al_tu_facts *units, size_t count)
{
    al_tu_facts *copy = al_xcalloc(count + 1, sizeof(*copy));
    memcpy(copy, units, count * sizeof(*copy));
    memset(units, 0, count * sizeof(*units));
    al_unit_set *set = al_xcalloc(1, sizeof(*set));
    al_unit_set_build(set, copy, count);
    uint32_t *all = al_xcalloc(count + 1, sizeof(uint32_t));
    for (size_t i = 0; i < count; i++)
        all[i] = (uint32_t)i;
    al_program_link_units(p, set, all, count);
    free(all);
    p->owned_set = set;
}

void al_program_free(al_program *p)
{
    AL_VEC_FREE(p->units);
    AL_VEC_FREE(p->functions);
    AL_VEC_FREE(p->calls);
    AL_VEC_FREE(p->args);
    AL_VEC_FREE(p->refs);
    AL_VEC_FREE(p->aliases);
    AL_VEC_FREE(p->clashes);
    AL_VEC_FREE(p->guards);
    AL_VEC_FREE(p->blocks);
    AL_VEC_FREE(p->loops);
    AL_VEC_FREE(p->returns);
    AL_VEC_FREE(p->stores);
    AL_VEC_FREE(p->objects);
    AL_VEC_FREE(p->installs);
    free(p->caller_start);
    free(p->caller_calls);
    free(p->slot_start);
    free(p->slot_items);
    free(p->live);
    free(p->live_variables);
    AL_VEC_FREE(p->assignments);
    free(p->function_of_key);
    AL_VEC_FREE(p->target_start);
    AL_VEC_FREE(p->targets);
    if (p->owned_set) {
        al_unit_set_free(p->owned_set);
        free(p->owned_set);
    }
    memset(p, 0, sizeof(*p));
}

uint32_t al_program_find(const al_program *p, const char *key)
{
    uint32_t id = al_strtab_find(p->strings, key);
    if (id == UINT32_MAX)
        return AL_NONE;
    return function_of(p, id);
}

size_t al_program_find_by_name(const al_program *p, const char *name, uint32_t *out, size_t max)
{
    uint32_t id = al_strtab_find(p->strings, name);
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
