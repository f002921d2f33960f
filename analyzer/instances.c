/* instances: which descriptor the object of a call through a slot was set up from, along a chain
 * (see instances.h). */
#include "instances.h"

#include <stdio.h>
#include <stdlib.h>

/* What a descriptor's initializer puts in one of its slots. */
typedef struct slot_entry {
    uint32_t descriptor, slot, function;
} slot_entry;

typedef struct descriptor_info {
    uint32_t name; /* string id; 0: not a descriptor the program defines */
    bool written;  /* assigned somewhere: what it holds is not only its initializer */
} descriptor_info;

/* A call that passes a descriptor's address: `dict_create(&set_type)`. */
typedef struct address_use {
    uint32_t descriptor, call;
} address_use;

struct al_instances {
    const al_program *p;
    const al_paths *paths;
    AL_VEC(slot_entry) entries;    /* sorted by descriptor, then slot */
    AL_VEC(slot_entry) holders;    /* the same, sorted by slot, then function: who holds a function there */
    AL_VEC(address_use) addresses; /* sorted by descriptor */
    al_answers memo;               /* "from to" of the reach questions asked, and "handler call function" */
    uint32_t *seen;                /* per function: the search that saw it last (a stamp) */
    uint32_t stamp;
    uint32_t *queue;
    descriptor_info *descriptors; /* per string id */
    uint8_t *slot_stored;         /* per string id: a field that code stores functions into */
    uint8_t *checked;             /* per string id: a slot or field an object is set up through */
};

/* Bounds of the walks: the chain back from a call, and the functions that forward an object's
 * parameter to the one that sets it up (rio_init -> rio_init_file -> `*r = file_ops;`). */
enum { MOST_CHAIN_STEPS = 32, MOST_FORWARDS = 16, MOST_DESCRIPTORS = 8 };

static int compare_entries(const void *a, const void *b)
{
    const slot_entry *x = a, *y = b;
    if (x->descriptor != y->descriptor)
        return x->descriptor < y->descriptor ? -1 : 1;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    return (x->function > y->function) - (x->function < y->function);
}

static int compare_holders(const void *a, const void *b)
{
    const slot_entry *x = a, *y = b;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    if (x->function != y->function)
        return x->function < y->function ? -1 : 1;
    return (x->descriptor > y->descriptor) - (x->descriptor < y->descriptor);
}

static int compare_addresses(const void *a, const void *b)
{
    const address_use *x = a, *y = b;
    if (x->descriptor != y->descriptor)
        return x->descriptor < y->descriptor ? -1 : 1;
    return (x->call > y->call) - (x->call < y->call);
}

/* The first of `count` sorted items that `compare` does not order before `key` (keys of 0 sort
 * first, so a key with its last fields 0 finds the start of a run). */
static size_t lower_bound(const void *items, size_t count, size_t size, const void *key,
                          int (*compare)(const void *, const void *))
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (compare((const char *)items + mid * size, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

al_instances *al_instances_new(const al_program *p, const al_paths *paths)
{
    if (p->installs.count == 0 && p->stores.count == 0)
        return NULL;
    size_t ids = p->strings->count + 1;
    al_instances *in = al_xcalloc(1, sizeof(*in));
    in->p = p;
    in->paths = paths;
    al_answers_init(&in->memo);
    in->seen = al_xcalloc(p->functions.count + 1, sizeof(uint32_t));
    in->queue = al_xmalloc((p->functions.count + 1) * sizeof(uint32_t));
    in->descriptors = al_xcalloc(ids, sizeof(*in->descriptors));
    in->slot_stored = al_xcalloc(ids, 1);
    in->checked = al_xcalloc(ids, 1);
    for (size_t i = 0; i < p->units.count; i++) {
        const al_tu_facts *tu = &p->set->units[p->units.items[i]];
        for (size_t k = 0; k < tu->variables.count; k++)
            in->descriptors[tu->variables.items[k].key].name = tu->variables.items[k].name;
        for (size_t k = 0; k < tu->var_uses.count; k++)
            if (tu->var_uses.items[k].kind == AL_VAR_WRITE)
                in->descriptors[tu->var_uses.items[k].variable].written = true;
    }
    for (size_t i = 0; i < p->refs.count; i++) {
        const al_reference *r = &p->refs.items[i];
        if (r->use != AL_USE_FIELD)
            continue;
        if (r->enclosing != AL_NONE) {
            in->slot_stored[r->target] = 1; /* `x->write = my_write;`: which object is not known */
        } else if (r->holder && r->function != AL_NONE) {
            slot_entry e = {r->holder, r->target, r->function};
            AL_VEC_PUSH(in->entries, e);
        }
    }
    for (size_t i = 0; i < p->stores.count; i++) /* `x->write = fn;` of a parameter */
        in->slot_stored[p->stores.items[i].target] = 1;
    if (in->entries.count > 1)
        qsort(in->entries.items, in->entries.count, sizeof(slot_entry), compare_entries);
    AL_VEC_RESERVE(in->holders, in->entries.count);
    for (size_t i = 0; i < in->entries.count; i++)
        AL_VEC_PUSH(in->holders, in->entries.items[i]);
    if (in->holders.count > 1)
        qsort(in->holders.items, in->holders.count, sizeof(slot_entry), compare_holders);
    for (size_t k = 0; k < p->calls.count; k++) {
        const al_call *c = &p->calls.items[k];
        for (uint32_t a = 0; a < c->arg_count; a++) {
            const al_fact_arg *arg = &p->args.items[c->first_arg + a];
            if (arg->kind == AL_ARG_ADDRESS && arg->key)
                AL_VEC_PUSH(in->addresses, ((address_use){arg->key, (uint32_t)k}));
        }
    }
    if (in->addresses.count > 1)
        qsort(in->addresses.items, in->addresses.count, sizeof(address_use), compare_addresses);
    /* the slots of descriptors copied whole into objects, and the fields descriptors are set into */
    for (size_t i = 0; i < p->installs.count; i++) {
        const al_install *x = &p->installs.items[i];
        if (x->field) {
            in->checked[x->field] = 1;
            continue;
        }
        slot_entry key = {x->descriptor, 0, 0};
        for (size_t e = lower_bound(in->entries.items, in->entries.count, sizeof(key), &key, compare_entries);
             e < in->entries.count && in->entries.items[e].descriptor == x->descriptor; e++)
            in->checked[in->entries.items[e].slot] = 1;
    }
    for (size_t i = 0; i < p->stores.count; i++) /* `d->type = type;`: a constructor's */
        if (p->stores.items[i].param != AL_NONE)
            in->checked[p->stores.items[i].target] = 1;
    return in;
}

void al_instances_free(al_instances *in)
{
    if (!in)
        return;
    AL_VEC_FREE(in->entries);
    AL_VEC_FREE(in->holders);
    AL_VEC_FREE(in->addresses);
    al_answers_free(&in->memo);
    free(in->seen);
    free(in->queue);
    free(in->descriptors);
    free(in->slot_stored);
    free(in->checked);
    free(in);
}

const char *al_instances_descriptor_name(const al_instances *in, uint32_t descriptor)
{
    return al_program_str(in->p, in->descriptors[descriptor].name);
}

/* An object as a function holds it: its parameter `param`, or (param AL_NONE) its local `local`. */
typedef struct holder {
    uint32_t function, param, local;
} holder;

/* A set of descriptors, small: past MOST_DESCRIPTORS the object is not known. */
typedef struct descriptor_set {
    uint32_t items[MOST_DESCRIPTORS];
    size_t count;
    bool overflow;
} descriptor_set;

static void add_descriptor(descriptor_set *set, uint32_t descriptor)
{
    for (size_t i = 0; i < set->count; i++)
        if (set->items[i] == descriptor)
            return;
    if (set->count == MOST_DESCRIPTORS)
        set->overflow = true;
    else
        set->items[set->count++] = descriptor;
}

/* Whether argument `arg` of a call passes the object `h` holds. */
static bool passes(const al_fact_arg *arg, const holder *h)
{
    if (h->param != AL_NONE)
        return arg->kind == AL_ARG_PARAM && arg->value == (long long)h->param;
    return (arg->kind == AL_ARG_VARIABLE || arg->kind == AL_ARG_ADDRESS) && arg->key == 0 && arg->name == h->local;
}

/* The (function, parameter) pairs that parameter `param` of `function` reaches by being passed on
 * unchanged, itself first: at most MOST_FORWARDS of them. */
static size_t forwards(const al_program *p, uint32_t function, uint32_t param, holder *out)
{
    size_t count = 0;
    out[count++] = (holder){function, param, 0};
    for (size_t next = 0; next < count; next++) {
        const al_function *f = &p->functions.items[out[next].function];
        for (uint32_t k = f->first_call; k < f->first_call + f->call_count; k++) {
            const al_call *c = &p->calls.items[k];
            if (c->indirect || c->callee == AL_NONE)
                continue;
            for (uint32_t a = 0; a < c->arg_count; a++) {
                const al_fact_arg *arg = &p->args.items[c->first_arg + a];
                if (arg->kind != AL_ARG_PARAM || arg->value != (long long)out[next].param)
                    continue;
                bool seen = false;
                for (size_t i = 0; i < count && !seen; i++)
                    seen = out[i].function == c->callee && out[i].param == a;
                if (!seen && count < MOST_FORWARDS)
                    out[count++] = (holder){c->callee, a, 0};
            }
        }
    }
    return count;
}

/* Whether `function` stores its parameter `param` (or a function it passes it to does) into
 * `field`: a constructor that keeps the descriptor it is given (`d->type = type;`). */
static bool stores_param(const al_program *p, uint32_t function, uint32_t param, uint32_t field)
{
    size_t n;
    const al_store *st = al_program_stores(p, field, &n);
    if (!n)
        return false;
    holder reached[MOST_FORWARDS];
    size_t count = forwards(p, function, param, reached);
    for (size_t i = 0; i < count; i++)
        for (size_t s = 0; s < n; s++)
            if (st[s].function == reached[i].function && st[s].param == reached[i].param)
                return true;
    return false;
}

/* The descriptors set into `field` of the object that parameter `param` of `function` points to,
 * by the function or those it forwards the parameter to (`*r = file_ops;` for field 0). */
static void installs_through(const al_program *p, uint32_t function, uint32_t param, uint32_t field,
                             descriptor_set *out)
{
    holder reached[MOST_FORWARDS];
    size_t count = forwards(p, function, param, reached);
    for (size_t i = 0; i < count; i++) {
        size_t n;
        const al_install *x = al_program_installs(p, reached[i].function, &n);
        for (size_t k = 0; k < n; k++)
            if (x[k].param == reached[i].param && x[k].field == field)
                add_descriptor(out, x[k].descriptor);
    }
}

/* The descriptors the object `h` holds is set up from in h's function, into `field` (0: copied
 * whole): by the function itself, by a call it passes the object to, or by the constructor whose
 * result it is (`d = dict_create(&set_type)`). */
static void descriptors_of(const al_program *p, const holder *h, uint32_t field, descriptor_set *out)
{
    size_t n;
    const al_install *x = al_program_installs(p, h->function, &n);
    for (size_t k = 0; k < n; k++)
        if (x[k].param == h->param && x[k].local == (h->param == AL_NONE ? h->local : 0) && x[k].field == field)
            add_descriptor(out, x[k].descriptor);
    const al_function *f = &p->functions.items[h->function];
    for (uint32_t k = f->first_call; k < f->first_call + f->call_count; k++) {
        const al_call *c = &p->calls.items[k];
        if (c->indirect || c->callee == AL_NONE)
            continue;
        bool made_here = h->param == AL_NONE && c->assigned_to == h->local; /* `d = dict_create(...)` */
        int passed_at = -1;
        for (uint32_t a = 0; a < c->arg_count && passed_at < 0; a++)
            if (passes(&p->args.items[c->first_arg + a], h))
                passed_at = (int)a;
        if (passed_at >= 0)
            installs_through(p, c->callee, (uint32_t)passed_at, field, out);
        if ((passed_at < 0 && !made_here) || !field)
            continue;
        /* `dict_init(&d, &set_type)`, `d = dict_create(&set_type)`: a descriptor it keeps in `field` */
        for (uint32_t a = 0; a < c->arg_count; a++) {
            const al_fact_arg *arg = &p->args.items[c->first_arg + a];
            if (arg->kind == AL_ARG_ADDRESS && arg->key && stores_param(p, c->callee, a, field))
                add_descriptor(out, arg->key);
        }
    }
}

/* The descriptors of the objects kept in field `kept` ("S.f"), into their `field`, when every
 * assignment to it is a constructor's result (`li->functions = dict_create(&fn_type)`); false when
 * one is not, or a parameter or local is stored into it (a setter: anything may come). */
static bool descriptors_of_field(const al_program *p, uint32_t kept, uint32_t field, descriptor_set *out)
{
    size_t n;
    al_program_stores(p, kept, &n);
    if (n)
        return false;
    const al_assignment *as = al_program_assignments(p, kept, &n);
    for (size_t i = 0; i < n; i++) {
        const al_call *c = &p->calls.items[as[i].call];
        bool constructed = false;
        for (uint32_t a = 0; a < c->arg_count && !c->indirect && c->callee != AL_NONE; a++) {
            const al_fact_arg *arg = &p->args.items[c->first_arg + a];
            if (arg->kind == AL_ARG_ADDRESS && arg->key && stores_param(p, c->callee, a, field)) {
                add_descriptor(out, arg->key);
                constructed = true;
            }
        }
        if (!constructed)
            return false;
    }
    return n > 0;
}

/* Whether descriptor `d`'s initializer puts `function` in `slot`; false too when it puts nothing
 * there. */
static bool holds(const al_instances *in, uint32_t d, uint32_t slot, uint32_t function)
{
    slot_entry key = {d, slot, 0};
    size_t lo = lower_bound(in->entries.items, in->entries.count, sizeof(key), &key, compare_entries);
    for (size_t i = lo;
         i < in->entries.count && in->entries.items[i].descriptor == d && in->entries.items[i].slot == slot; i++)
        if (in->entries.items[i].function == function)
            return true;
    return false;
}

/* Whether function `from` calls, directly or not, function `to` through calls that can run on the
 * loop thread (itself included). */
static bool reaches(al_instances *in, uint32_t from, uint32_t to)
{
    char question[32];
    snprintf(question, sizeof(question), "%u %u", from, to);
    uint8_t known;
    uint32_t id = al_answers_ask(&in->memo, question, &known);
    if (known)
        return known - 1;
    const al_program *p = in->p;
    bool found = from == to;
    uint32_t stamp = ++in->stamp;
    size_t head = 0, tail = 0;
    in->seen[from] = stamp;
    in->queue[tail++] = from;
    while (head < tail && !found) {
        const al_function *f = &p->functions.items[in->queue[head++]];
        for (uint32_t k = f->first_call; k < f->first_call + f->call_count && !found; k++) {
            if (in->paths && in->paths->call[k] != AL_PATH_LIVE)
                continue;
            uint32_t n;
            const uint32_t *t = al_program_call_targets(p, k, &n);
            for (uint32_t j = 0; j < n; j++) {
                if (in->seen[t[j]] == stamp)
                    continue;
                in->seen[t[j]] = stamp;
                in->queue[tail++] = t[j];
                found = found || t[j] == to;
            }
        }
    }
    al_answers_set(&in->memo, id, found);
    return found;
}

/* Whether call `call` can run on the loop thread. */
static bool live_call(const al_instances *in, uint32_t call)
{
    return !in->paths || in->paths->call[call] == AL_PATH_LIVE;
}

/* Whether some object set up from descriptor `d` may reach the call in `f`: a function that sets
 * one up (holds it as a local, or calls the function that installs it into its parameter, or
 * passes `&d` to a constructor) is reached from `handler` and reaches `f`. */
static bool set_up_on_the_way(al_instances *in, uint32_t d, uint32_t handler, uint32_t f)
{
    const al_program *p = in->p;
    for (size_t i = 0; i < p->installs.count; i++) {
        const al_install *x = &p->installs.items[i];
        if (x->descriptor != d || x->function == AL_NONE)
            continue;
        if (x->param == AL_NONE) { /* a local of the function itself */
            if (reaches(in, handler, x->function) && reaches(in, x->function, f))
                return true;
            continue;
        }
        size_t n;
        const uint32_t *callers = al_program_callers(p, x->function, &n);
        for (size_t k = 0; k < n; k++) {
            uint32_t holder = p->calls.items[callers[k]].caller;
            if (live_call(in, callers[k]) && reaches(in, handler, holder) && reaches(in, holder, f))
                return true;
        }
    }
    address_use key = {d, 0};
    size_t lo = lower_bound(in->addresses.items, in->addresses.count, sizeof(key), &key, compare_addresses);
    for (size_t i = lo; i < in->addresses.count && in->addresses.items[i].descriptor == d; i++) {
        uint32_t call = in->addresses.items[i].call, holder = p->calls.items[call].caller;
        if (live_call(in, call) && reaches(in, handler, holder) && reaches(in, holder, f))
            return true;
    }
    return false;
}

/* Whether, from `handler`, the call through `slot` in `f` may reach `function` with another
 * object than the chain's: one set up from a descriptor that holds `function` there (or one whose
 * contents are not known), on the way from the handler to `f`. */
static bool reachable_another_way(al_instances *in, uint32_t handler, uint32_t f, uint32_t slot, uint32_t function)
{
    char question[48];
    snprintf(question, sizeof(question), "%u %u %u %u", handler, f, slot, function);
    uint8_t known;
    uint32_t id = al_answers_ask(&in->memo, question, &known);
    if (known)
        return known - 1;
    bool found = false;
    slot_entry key = {0, slot, function};
    size_t lo = lower_bound(in->holders.items, in->holders.count, sizeof(key), &key, compare_holders);
    for (size_t i = lo; i < in->holders.count && !found && in->holders.items[i].slot == slot &&
                        in->holders.items[i].function == function;
         i++) {
        uint32_t d = in->holders.items[i].descriptor;
        found = !in->descriptors[d].name || in->descriptors[d].written || set_up_on_the_way(in, d, handler, f);
    }
    al_answers_set(&in->memo, id, found);
    return found;
}

uint32_t al_instances_mismatch(al_instances *in, const al_reach *r, uint32_t link, bool *elsewhere)
{
    *elsewhere = false;
    const al_program *p = in->p;
    const al_chain_link *l = &r->links.items[link];
    const al_call *call = &p->calls.items[l->call];
    if (!call->object || l->reaches == AL_NONE || call->via != AL_VIA_FIELD)
        return 0;
    const al_object *o = &p->objects.items[call->object - 1];
    uint32_t slot = call->callee_name;
    if (in->slot_stored[slot] || !in->checked[o->field ? o->field : slot])
        return 0;
    /* back along the chain while a parameter hands the object down */
    holder h = {call->caller, o->param, o->param == AL_NONE ? o->local : 0};
    uint32_t up = l->up;
    descriptor_set found = {{0}, 0, false};
    for (int step = 0; step < MOST_CHAIN_STEPS; step++) {
        descriptors_of(p, &h, o->field, &found);
        if (found.count || h.param == AL_NONE || up == AL_NONE)
            break;
        const al_chain_link *caller_link = &r->links.items[up];
        const al_call *c = &p->calls.items[caller_link->call];
        if (h.param >= c->arg_count)
            return 0;
        const al_fact_arg *arg = &p->args.items[c->first_arg + h.param];
        if (arg->kind == AL_ARG_PARAM) {
            h = (holder){c->caller, (uint32_t)arg->value, 0};
        } else if ((arg->kind == AL_ARG_VARIABLE || arg->kind == AL_ARG_ADDRESS) && arg->key == 0) {
            h = (holder){c->caller, AL_NONE, arg->name};
        } else if (arg->kind == AL_ARG_FIELD && o->field) { /* `dict_release(li->functions)` */
            if (!descriptors_of_field(p, arg->name, o->field, &found))
                return 0;
            break;
        } else {
            return 0;
        }
        up = caller_link->up;
    }
    if (!found.count || found.overflow)
        return 0;
    for (size_t i = 0; i < found.count; i++) {
        const descriptor_info *d = &in->descriptors[found.items[i]];
        if (!d->name || d->written || holds(in, found.items[i], slot, l->reaches))
            return 0;
    }
    /* the chain's object cannot, but one set up elsewhere on the handler's way may */
    uint32_t root = link;
    while (r->links.items[root].up != AL_NONE)
        root = r->links.items[root].up;
    uint32_t handler = p->calls.items[r->links.items[root].call].caller;
    if (reachable_another_way(in, handler, call->caller, slot, l->reaches)) {
        *elsewhere = true;
        return 0;
    }
    return found.items[0];
}
