/* indirect: resolving calls through function pointers.
 *
 * Every store of a function into a field or variable is one (slot, function) pair; a slot is the
 * string id of "S.f" or of the variable's link key. Stores through wrapper parameters are found by
 * a fixpoint over parameter forwards, like the registration wrappers of contexts.c, and copied
 * along variable aliases (`cb_t *t = handlers;`) by a worklist. The pairs are
 * then bucketed by slot once (a counting sort), so each indirect call looks its targets up in
 * constant time and the whole stage stays linear in the facts plus its output. */
#include "indirect.h"

#include <stdlib.h>
#include <string.h>

typedef struct pair {
    uint32_t key, function;
} pair;
typedef AL_VEC(pair) pair_vec;

/* A parameter of a project function that ends up stored into `slot`. The stores of one function
 * are chained from first_of[function] through `next`. */
typedef struct param_store {
    uint32_t function;
    int param;
    uint32_t slot;
    uint32_t next;
} param_store;

typedef struct store_set {
    AL_VEC(param_store) items;
    uint32_t *first_of; /* per function: its first store, or AL_NONE */
} store_set;

/* The slot a reference stores its function (or parameter) into, or 0. */
static uint32_t slot_of_reference(const al_reference *r)
{
    if (r->use == AL_USE_FIELD)
        return r->target;
    if (r->use == AL_USE_VARIABLE)
        return r->variable;
    return 0;
}

static bool add_store(store_set *s, uint32_t function, int param, uint32_t slot)
{
    for (uint32_t i = s->first_of[function]; i != AL_NONE; i = s->items.items[i].next)
        if (s->items.items[i].param == param && s->items.items[i].slot == slot)
            return false;
    param_store entry = {function, param, slot, s->first_of[function]};
    s->first_of[function] = (uint32_t)s->items.count;
    AL_VEC_PUSH(s->items, entry);
    return true;
}

/* Buckets pairs by key (below `keys`): the values of key k are items[start[k] ... start[k + 1]),
 * each once (values are below `values`). A counting sort: linear. */
static void bucket(const pair_vec *pairs, size_t keys, size_t values, uint32_t **start_out, uint32_t **items_out)
{
    uint32_t *start = al_xcalloc(keys + 2, sizeof(uint32_t));
    for (size_t i = 0; i < pairs->count; i++)
        start[pairs->items[i].key + 1]++;
    for (size_t k = 0; k < keys; k++)
        start[k + 1] += start[k];
    uint32_t *items = al_xmalloc((pairs->count + 1) * sizeof(uint32_t));
    uint32_t *fill = al_xmalloc((keys + 1) * sizeof(uint32_t));
    memcpy(fill, start, (keys + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < pairs->count; i++)
        items[fill[pairs->items[i].key]++] = pairs->items[i].function;
    free(fill);
    /* drop duplicates within each bucket, compacting in place */
    uint32_t *stamp = al_xcalloc(values + 1, sizeof(uint32_t));
    uint32_t out = 0;
    for (size_t k = 0; k < keys; k++) {
        uint32_t from = start[k], to = start[k + 1];
        start[k] = out;
        for (uint32_t i = from; i < to; i++) {
            if (stamp[items[i]] != k + 1) {
                stamp[items[i]] = (uint32_t)k + 1;
                items[out++] = items[i];
            }
        }
    }
    start[keys] = out;
    free(stamp);
    *start_out = start;
    *items_out = items;
}

/* The functions stored directly (not through parameters) into each slot: what a call through a
 * field of a table of operations (`conn->type->set_read_handler(...)`) can call. */
typedef struct slot_index {
    uint32_t *start, *items;
} slot_index;

/* The slot an argument reference goes to when its call is through a field: "S.f", else 0. */
static uint32_t called_slot(const al_program *p, const al_reference *r)
{
    if (r->use != AL_USE_ARGUMENT || r->target_function != AL_NONE || !r->target)
        return 0;
    return strchr(al_program_str(p, r->target), '.') ? r->target : 0;
}

static bool is_forward(const al_reference *r)
{
    return r->param >= 0 && r->enclosing != AL_NONE && r->use == AL_USE_ARGUMENT && r->target_function != AL_NONE;
}

/* Every (function, parameter, slot) where what the parameter receives is stored into the slot,
 * directly or through further wrappers: a worklist over the stores, each matched against the
 * forwards into its function (indexed by callee once). */
static void find_param_stores(store_set *s, const al_program *p, const slot_index *direct)
{
    size_t nf = p->functions.count;
    s->first_of = al_xmalloc((nf + 1) * sizeof(uint32_t));
    for (size_t f = 0; f <= nf; f++)
        s->first_of[f] = AL_NONE;
    pair_vec forward_pairs = {0};
    for (size_t i = 0; i < p->refs.count; i++) {
        const al_reference *r = &p->refs.items[i];
        if (!al_program_reference_live(p, r))
            continue;
        uint32_t slot = slot_of_reference(r);
        if (r->param >= 0 && r->enclosing != AL_NONE && slot)
            add_store(s, r->enclosing, r->param, slot);
        if (is_forward(r)) {
            pair f = {r->target_function, (uint32_t)i};
            AL_VEC_PUSH(forward_pairs, f);
        }
        /* `conn->type->set_read_handler(conn, func)`: forwarded to every function of the slot */
        uint32_t called = r->param >= 0 && r->enclosing != AL_NONE ? called_slot(p, r) : 0;
        for (uint32_t k = called ? direct->start[called] : 0; called && k < direct->start[called + 1]; k++) {
            pair f = {direct->items[k], (uint32_t)i};
            AL_VEC_PUSH(forward_pairs, f);
        }
    }
    /* a call through a parameter calls what the parameter receives: the parameter is a slot */
    for (size_t k = 0; k < p->calls.count; k++) {
        const al_call *c = &p->calls.items[k];
        if (c->indirect && c->param >= 0 && c->variable)
            add_store(s, c->caller, c->param, c->variable);
    }
    uint32_t *fstart, *forwards;
    bucket(&forward_pairs, nf, p->refs.count, &fstart, &forwards);
    AL_VEC_FREE(forward_pairs);
    /* the stores vector is the worklist: entries past `next` are not yet propagated */
    for (size_t next = 0; next < s->items.count; next++) {
        param_store e = s->items.items[next];
        for (uint32_t k = fstart[e.function]; k < fstart[e.function + 1]; k++) {
            const al_reference *r = &p->refs.items[forwards[k]];
            if (r->index == e.param && !(r->enclosing == e.function && r->param == e.param))
                add_store(s, r->enclosing, r->param, e.slot);
        }
    }
    free(forwards);
    free(fstart);
}

/* A set of (slot, function) pairs: open addressing over their 64-bit packing. */
typedef struct pair_set {
    uint64_t *slots; /* packed pair + 1; 0 = empty */
    size_t capacity, count;
} pair_set;

static bool pair_set_add(pair_set *set, pair x)
{
    if ((set->count + 1) * 2 > set->capacity) {
        size_t old_capacity = set->capacity;
        uint64_t *old = set->slots;
        set->capacity = old_capacity ? old_capacity * 2 : 1024;
        set->slots = al_xcalloc(set->capacity, sizeof(uint64_t));
        set->count = 0;
        for (size_t i = 0; i < old_capacity; i++) {
            if (old[i]) {
                uint64_t v = old[i] - 1;
                pair_set_add(set, (pair){(uint32_t)(v >> 32), (uint32_t)v});
            }
        }
        free(old);
    }
    uint64_t v = ((uint64_t)x.key << 32 | x.function) + 1;
    size_t i = (size_t)(al_hash_bytes(&v, sizeof(v), AL_HASH_SEED) & (set->capacity - 1));
    while (set->slots[i]) {
        if (set->slots[i] == v)
            return false;
        i = (i + 1) & (set->capacity - 1);
    }
    set->slots[i] = v;
    set->count++;
    return true;
}

/* Copies into each aliasing slot what its source holds, to any depth: variables (`cb_t *t =
 * handlers; cb_t *u = t;`) and the `copies` edges (source, slot): a worklist over the pairs, with
 * the edges indexed by source once. */
static void follow_aliases(pair_vec *slots, const al_program *p, const pair_vec *copies)
{
    if (p->aliases.count == 0 && copies->count == 0)
        return;
    size_t keys = p->strings->count;
    pair_vec by_source = {0};
    for (size_t i = 0; i < p->aliases.count; i++) {
        pair x = {p->aliases.items[i].source, p->aliases.items[i].variable};
        AL_VEC_PUSH(by_source, x);
    }
    for (size_t i = 0; i < copies->count; i++)
        AL_VEC_PUSH(by_source, copies->items[i]);
    uint32_t *start, *variables;
    bucket(&by_source, keys, keys, &start, &variables);
    AL_VEC_FREE(by_source);
    pair_set seen = {0};
    for (size_t i = 0; i < slots->count; i++)
        pair_set_add(&seen, slots->items[i]);
    for (size_t next = 0; next < slots->count; next++) {
        pair x = slots->items[next];
        for (uint32_t k = start[x.key]; k < start[x.key + 1]; k++) {
            pair copy = {variables[k], x.function};
            if (pair_set_add(&seen, copy))
                AL_VEC_PUSH(*slots, copy);
        }
    }
    free(seen.slots);
    free(variables);
    free(start);
}

void al_indirect_resolve(al_program *p, bool by_type)
{
    size_t nf = p->functions.count, nc = p->calls.count, keys = p->strings->count;
    pair_vec direct_pairs = {0};
    for (size_t i = 0; i < p->refs.count; i++) {
        const al_reference *r = &p->refs.items[i];
        uint32_t slot = r->function != AL_NONE && al_program_reference_live(p, r) ? slot_of_reference(r) : 0;
        if (slot)
            AL_VEC_PUSH(direct_pairs, ((pair){slot, r->function}));
    }
    slot_index direct;
    bucket(&direct_pairs, keys, nf, &direct.start, &direct.items);
    AL_VEC_FREE(direct_pairs);
    store_set stores = {0};
    find_param_stores(&stores, p, &direct);

    pair_vec slots = {0}, types = {0};
    for (size_t i = 0; i < p->refs.count; i++) {
        const al_reference *r = &p->refs.items[i];
        if (r->function == AL_NONE || !al_program_reference_live(p, r))
            continue; /* what code that cannot run stores fills no slot */
        uint32_t type = p->functions.items[r->function].type;
        if (by_type && type) {
            pair t = {type, r->function}; /* address taken */
            AL_VEC_PUSH(types, t);
        }
        uint32_t slot = slot_of_reference(r);
        if (slot) {
            pair s = {slot, r->function};
            AL_VEC_PUSH(slots, s);
        } else if (r->use == AL_USE_ARGUMENT) {
            /* passed to a function that stores it (directly called, or through a field) */
            uint32_t called = called_slot(p, r);
            uint32_t first = called ? direct.start[called] : 0, last = called ? direct.start[called + 1] : 1;
            for (uint32_t k = first; k < last; k++) {
                uint32_t g = called ? direct.items[k] : r->target_function;
                for (uint32_t e = g != AL_NONE ? stores.first_of[g] : AL_NONE; e != AL_NONE;
                     e = stores.items.items[e].next) {
                    if (stores.items.items[e].param == r->index) {
                        pair s = {stores.items.items[e].slot, r->function};
                        AL_VEC_PUSH(slots, s);
                    }
                }
            }
        }
    }
    /* `callHandler(conn, conn->read_handler)`: a field's functions passed where a parameter is
     * a slot (called through, or stored) */
    pair_vec copies = {0};
    for (size_t k = 0; k < nc; k++) {
        const al_call *c = &p->calls.items[k];
        if (c->indirect || c->callee == AL_NONE)
            continue;
        for (uint32_t a = 0; a < c->arg_count; a++) {
            const al_fact_arg *arg = &p->args.items[c->first_arg + a];
            if (arg->kind != AL_ARG_FIELD)
                continue;
            for (uint32_t e = stores.first_of[c->callee]; e != AL_NONE; e = stores.items.items[e].next)
                if (stores.items.items[e].param == (int)a && stores.items.items[e].slot != arg->name)
                    AL_VEC_PUSH(copies, ((pair){arg->name, stores.items.items[e].slot}));
        }
    }
    AL_VEC_FREE(stores.items);
    free(stores.first_of);
    free(direct.start);
    free(direct.items);
    follow_aliases(&slots, p, &copies);
    AL_VEC_FREE(copies);

    uint32_t *slot_start, *slot_items, *type_start = NULL, *type_items = NULL;
    bucket(&slots, keys, nf, &slot_start, &slot_items);
    if (by_type)
        bucket(&types, keys, nf, &type_start, &type_items);
    AL_VEC_FREE(slots);
    AL_VEC_FREE(types);

    p->target_start.count = 0;
    p->targets.count = 0;
    AL_VEC_RESERVE(p->target_start, nc + 1);
    for (size_t k = 0; k < nc; k++) {
        al_call *c = &p->calls.items[k];
        AL_VEC_PUSH(p->target_start, (uint32_t)p->targets.count);
        c->via = AL_VIA_NONE;
        if (!c->indirect)
            continue;
        uint32_t slot = c->variable ? c->variable : strchr(al_program_str(p, c->callee_name), '.') ? c->callee_name : 0;
        const uint32_t *start = slot_start, *items = slot_items;
        uint32_t key = slot;
        if (slot && slot_start[slot] != slot_start[slot + 1]) {
            c->via = !c->variable     ? AL_VIA_FIELD
                     : c->subscripted ? AL_VIA_ARRAY
                     : c->param >= 0  ? AL_VIA_PARAMETER
                                      : AL_VIA_VARIABLE;
        } else if (by_type && c->pointee_type && type_start[c->pointee_type] != type_start[c->pointee_type + 1]) {
            c->via = AL_VIA_TYPE;
            start = type_start;
            items = type_items;
            key = c->pointee_type;
        } else {
            continue;
        }
        for (uint32_t i = start[key]; i < start[key + 1]; i++)
            AL_VEC_PUSH(p->targets, items[i]);
    }
    AL_VEC_PUSH(p->target_start, (uint32_t)p->targets.count);
    free(p->slot_start);
    free(p->slot_items);
    p->slot_start = slot_start; /* kept: registrations of a field's value (contexts) */
    p->slot_items = slot_items;
    free(type_start);
    free(type_items);
}
