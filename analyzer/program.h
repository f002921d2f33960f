/* program: the call graph of one program. The facts of every unit are first put over one string
 * table (al_unit_set: each unit's strings interned once, whatever the number of programs that
 * link it); then each program links its own units by function key (USR), so a call in one file
 * reaches the definition in another of the same program and never one of another program. The
 * contexts and reach stages get one table of functions, calls (grouped by caller) and function
 * references. */
#ifndef AL_PROGRAM_H
#define AL_PROGRAM_H

#include "facts.h"

#define AL_NONE UINT32_MAX

typedef struct al_function {
    uint32_t key, name; /* ids in program strings */
    al_loc loc;
    bool defined;
    bool returns;                    /* its body has a return statement */
    unsigned annotations;            /* AL_ANNOT_*, merged over every declaration */
    uint32_t type;                   /* string id: canonical function type, 0 when unknown */
    uint32_t first_call, call_count; /* this function's calls: program calls[first_call ...] */
} al_function;

/* A block or a loop of a function (al_fact_block, al_fact_loop): the enclosing one's index + 1
 * (0: none), and the function's index. */
typedef struct al_region {
    uint32_t parent;
    uint32_t function;
    bool switch_body;   /* blocks: the body of a switch (al_fact_block) */
    uint32_t position;  /* blocks: where in the enclosing block (al_fact_block) */
    uint32_t last_exit; /* blocks: 1 + the position of its last statement holding a return or goto */
    bool once;          /* loops: `do { ... } while (0)` (al_fact_loop) */
} al_region;

/* A call whose result goes into field or static variable `target` (string id). */
typedef struct al_assignment {
    uint32_t target, call;
} al_assignment;

/* `return v;` in a function (index): of the local named `variable`, or of `target` (a static
 * variable's link key, or a field "S.f"); string ids, 0 when not that kind. */
typedef struct al_return {
    uint32_t function, variable, target;
} al_return;

/* A parameter of `function` (index) stored into `target` ("S.f" or a static variable's key), or
 * a local of it (`local`, its name's string id; `param` is then AL_NONE). */
typedef struct al_store {
    uint32_t target, function, param, local;
} al_store;

/* How an indirect call found its targets. */
typedef enum { AL_VIA_NONE = 0, AL_VIA_FIELD, AL_VIA_ARRAY, AL_VIA_VARIABLE, AL_VIA_PARAMETER, AL_VIA_TYPE } al_via;

/* The object whose slot an indirect call calls (al_fact_call.object_*): parameter `param` of the
 * caller (else AL_NONE) or its local named `local` (string id, else 0); `field` ("S.f", or 0) is
 * the field the slot is read through. */
typedef struct al_object {
    uint32_t param, local, field;
} al_object;

/* An object set up from a descriptor (al_fact_install): `function` is an index, `param` AL_NONE
 * for a local, string ids otherwise. */
typedef struct al_install {
    uint32_t function, param, local, field, descriptor;
} al_install;

typedef struct al_call {
    uint32_t caller;      /* function index */
    uint32_t callee;      /* function index when the program declares it, else AL_NONE */
    uint32_t callee_name; /* string id: the called name, or what an indirect call loads */
    uint32_t object;      /* indirect through an object's field: index + 1 in program objects, else 0 */
    al_loc loc;
    uint32_t first_arg, arg_count; /* into program args */
    uint32_t assigned_to;          /* string id of the variable its result is stored into, or 0 */
    uint32_t variable;             /* indirect through a variable or array: its link key (string id) */
    uint32_t pointee_type;         /* indirect: string id of the called function type, or 0 */
    int param;                     /* indirect through parameter `param` of the caller, else -1 */
    al_via via;                    /* how the indirect call was resolved (al_indirect_resolve) */
    uint32_t assigned_field;       /* string id: "S.f" its result is stored into, or 0 */
    uint32_t assigned_key;         /* string id: the static variable its result is stored into, or 0 */
    bool indirect;
    bool subscripted;                  /* indirect through an array element: `handlers[i](x)` */
    bool returned;                     /* `return call(...)` */
    bool statement;                    /* a whole statement of its block */
    uint32_t block, loop;              /* index + 1 into program blocks / loops, 0 for none */
    uint32_t first_guard, guard_count; /* into program guards */
    uint32_t then_calls;               /* string id: the name the comma operator calls next, or 0 */
    uint32_t position;                 /* where in its block (al_fact_call) */
    uint32_t label_before;             /* 1 + where in its block the last goto label up to it is, or 0 */
} al_call;

typedef struct al_reference {
    uint32_t function;  /* index of the referenced function; AL_NONE for a parameter */
    int param;          /* >= 0: parameter `param` of `enclosing` is what is passed on */
    uint32_t enclosing; /* index of the function it appears in, or AL_NONE */
    al_loc loc;
    al_use_kind use;
    uint32_t target;          /* string id: callee, "S.f" or variable name */
    uint32_t target_function; /* AL_USE_ARGUMENT of a call to a program function: its index */
    int index;
    uint32_t type_name;                /* string id */
    uint32_t variable;                 /* AL_USE_VARIABLE: the variable's link key (string id), or 0 */
    uint32_t holder;                   /* at file scope: the key of the variable whose initializer holds it */
    uint32_t block;                    /* index + 1 into program blocks, 0 at file scope */
    uint32_t first_guard, guard_count; /* into program guards */
} al_reference;

/* A variable that holds what another holds (al_fact_alias): link keys as string ids. */
typedef struct al_alias {
    uint32_t variable, source;
} al_alias;

typedef struct al_unit_status {
    uint32_t file; /* string id */
    bool parsed;
    unsigned errors;
    char *failure; /* owned; NULL when the unit parsed cleanly */
} al_unit_status;

/* Every unit of a run, its facts over one string table: every id in units[i] (names, keys, files)
 * is an id in `strings`, and units[i].strings is left empty. */
typedef struct al_unit_set {
    al_strtab strings;
    al_tu_facts *units;
    al_unit_status *status; /* per unit */
    size_t count;
} al_unit_set;

/* Takes `units` (an array of `count`, freed with the set) and moves their strings into one table.
 * Each unit string is interned once, and only when a fact uses it. */
void al_unit_set_build(al_unit_set *s, al_tu_facts *units, size_t count);
void al_unit_set_free(al_unit_set *s);

/* Two definitions of one external function in one program: a real link clash. The program keeps
 * the first (in the order of its units) and says so. */
typedef struct al_clash {
    uint32_t function; /* index in the program */
    al_loc kept, other;
} al_clash;

typedef struct al_program {
    const al_strtab *strings; /* the unit set's */
    const al_unit_set *set;
    al_u32_vec units; /* the set's units this program links, in link order */
    AL_VEC(al_function) functions;
    AL_VEC(al_call) calls;
    AL_VEC(al_fact_arg) args;
    AL_VEC(al_reference) refs;
    AL_VEC(al_alias) aliases;
    AL_VEC(al_clash) clashes;
    AL_VEC(al_fact_guard) guards; /* string ids are program strings */
    AL_VEC(al_region) blocks, loops;
    AL_VEC(al_return) returns;
    AL_VEC(al_store) stores; /* sorted by target */
    AL_VEC(al_object) objects;
    AL_VEC(al_install) installs; /* sorted by function */
    uint32_t *caller_start;      /* the direct calls of function f: caller_calls[caller_start[f] ...
                                    caller_start[f + 1]) */
    uint32_t *caller_calls;
    /* calls whose result is stored into a struct field or a static variable, by that field's or
       variable's string id: what a descriptor or stream kept there was opened with (sorted) */
    AL_VEC(al_assignment) assignments;
    uint32_t *function_of_key; /* key string id -> function index + 1 (0: none); strings->count long */
    /* what indirect calls may call, filled by al_indirect_resolve: call k's targets are
       targets[target_start[k] ... target_start[k + 1]); empty (count 0) before it runs */
    al_u32_vec target_start;
    al_u32_vec targets;
    uint8_t *live;                     /* al_program_find_live: per function, whether a path from main (or a
                                          plugin's entry) can call or name it; NULL: all can (a library) */
    uint8_t *live_variables;           /* per string id: a variable such a function uses */
    uint32_t *slot_start, *slot_items; /* filled by al_indirect_resolve: the functions stored into
                                          slot s ("S.f" or a variable's key) are slot_items[
                                          slot_start[s] ... slot_start[s + 1]) */
    al_unit_set *owned_set;            /* al_program_link's own set, freed with the program */
} al_program;

/* Links the units `units[0 .. count)` of `set` (which must outlive the program) as one program. */
void al_program_link_units(al_program *p, const al_unit_set *set, const uint32_t *units, size_t count);
/* Links every unit as one program (tests, benchmarks): the units are consumed. */
void al_program_link(al_program *p, al_tu_facts *units, size_t count);
void al_program_free(al_program *p);

static inline const char *al_program_str(const al_program *p, uint32_t id)
{
    return al_str(p->strings, id);
}
/* The status of the program's i-th unit. */
static inline const al_unit_status *al_program_unit(const al_program *p, size_t i)
{
    return &p->set->status[p->units.items[i]];
}
/* The function with this key, or AL_NONE. */
uint32_t al_program_find(const al_program *p, const char *key);
/* The defined functions named `name` (static ones may be several): writes up to `max` indexes. */
size_t al_program_find_by_name(const al_program *p, const char *name, uint32_t *out, size_t max);
/* The calls whose result is stored into `target` (a field "S.f" or a static variable's key). */
const al_assignment *al_program_assignments(const al_program *p, uint32_t target, size_t *count);
/* What can run at all: the functions that main reaches by calls and by naming them (passing,
 * storing), the variables they use and what those variables' initializers name, to a fixpoint;
 * the external functions of `root_units` (a plugin's) are entries too. A store or registration
 * that only dead code makes fills no slot and registers no handler (a library's table that the
 * program never opens). Without a main, everything is live. */
void al_program_find_live(al_program *p, const uint32_t *root_units, size_t root_unit_count);
/* Whether reference r is made by live code (al_program_find_live). */
bool al_program_reference_live(const al_program *p, const al_reference *r);
/* The functions stored into field "S.f" or variable key `slot` (after al_indirect_resolve). */
const uint32_t *al_program_slot_functions(const al_program *p, uint32_t slot, size_t *count);
/* The direct calls of function `function` (call indexes). */
const uint32_t *al_program_callers(const al_program *p, uint32_t function, size_t *count);
/* Where a parameter is stored into `target` (a field "S.f" or a static variable's key). */
const al_store *al_program_stores(const al_program *p, uint32_t target, size_t *count);
/* Where function `function` sets up an object from a descriptor. */
const al_install *al_program_installs(const al_program *p, uint32_t function, size_t *count);
/* The return statements of function `function` that return a variable or field. */
const al_return *al_program_returns(const al_program *p, uint32_t function, size_t *count);

/* Units that did not parse, or parsed with errors. */
size_t al_unit_set_failed(const al_unit_set *s);

/* Whether call c may run more than once in a call of its function: it lies in a loop (a macro's
 * `do { ... } while (0)` is none). */
static inline bool al_program_call_repeats(const al_program *p, const al_call *c)
{
    for (uint32_t l = c->loop; l; l = p->loops.items[l - 1].parent)
        if (!p->loops.items[l - 1].once)
            return true;
    return false;
}

/* The functions call k may enter: a direct call's callee (when the program declares it), or what
 * an indirect call was resolved to. */
static inline const uint32_t *al_program_call_targets(const al_program *p, uint32_t k, uint32_t *count)
{
    const al_call *c = &p->calls.items[k];
    if (!c->indirect) {
        *count = c->callee != AL_NONE;
        return &c->callee;
    }
    if (p->target_start.count <= k + 1) {
        *count = 0;
        return NULL;
    }
    *count = p->target_start.items[k + 1] - p->target_start.items[k];
    return p->targets.items + p->target_start.items[k];
}

#endif
