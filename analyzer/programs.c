/* programs: the programs of a compile database (see programs.h). Linear in the facts: one index
 * of definitions and of each function's references, then per executable one breadth-first
 * closure over the functions its main can reach.
 *
 * Why functions and not units: a unit that one reachable function needs may hold other functions
 * that reference half of another executable (redis's debug.c, pulled into redis-cli for one assert
 * helper, references the whole server). Those functions never run in this executable, so what
 * they reference does not join it; a unit joins when a function that can run needs it. What a
 * function can run is what it calls, what it takes the address of and the variables it uses (a
 * command table in another unit brings that unit in); a unit's file-scope initializers (handler
 * tables, ops structs) count as reachable once the unit is in. */
#include "programs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAIN_KEY "c:@F@main"
#define NOTE_LIMIT 20 /* closure choices spelled out per program; more are counted */

/* One reference of a function (or, with `from` 0, of a unit's file scope) to another function. */
typedef struct edge {
    uint32_t from, to; /* key ids */
} edge;

/* What the facts say about each unit, for the closure. */
typedef struct unit_index {
    const al_unit_set *set;
    uint8_t *defines_main;
    uint32_t *def_start, *definers;    /* key id -> the units that define it (CSR, ascending) */
    uint32_t *defined_start, *defined; /* unit -> the keys it defines (CSR) */
    uint32_t *edge_start;              /* unit -> its edges, sorted by `from` (file scope first) */
    edge *edges;
    uint8_t *in_executable; /* unit held by an executable target */
    uint32_t *first_target; /* unit -> a target holding it + 1, or 0 */
} unit_index;

static bool external_key(const al_unit_set *set, uint32_t key)
{
    return key && !al_key_is_internal(al_str(&set->strings, key));
}

static int compare_edges(const void *a, const void *b)
{
    const edge *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return (x->to > y->to) - (x->to < y->to);
}

static void index_units(unit_index *ix, const al_unit_set *set)
{
    size_t n = set->count, keys = set->strings.count;
    ix->set = set;
    ix->defines_main = al_xcalloc(n + 1, 1);
    uint32_t main_key = al_strtab_find(&set->strings, MAIN_KEY);
    /* definitions of functions, static ones too (a static helper leads on to what it calls), and
       of variables (a table another unit reads), each key once per unit: count, then fill */
    uint32_t *seen = al_xcalloc(keys + 1, sizeof(uint32_t)); /* key -> unit + 1 that listed it */
    al_u32_vec defined = {0};                                /* unit by unit, its keys */
    uint32_t *defined_start = al_xcalloc(n + 1, sizeof(uint32_t));
    for (size_t u = 0; u < n; u++) {
        const al_tu_facts *tu = &set->units[u];
        uint32_t mark = (uint32_t)u + 1;
        for (size_t i = 0; i < tu->functions.count + tu->variables.count; i++) {
            bool function = i < tu->functions.count;
            if (function && !tu->functions.items[i].defined)
                continue;
            uint32_t key = function ? tu->functions.items[i].key : tu->variables.items[i - tu->functions.count].key;
            if (seen[key] == mark)
                continue;
            seen[key] = mark;
            AL_VEC_PUSH(defined, key);
            if (key == main_key && function)
                ix->defines_main[u] = 1;
        }
        defined_start[u + 1] = (uint32_t)defined.count;
    }
    free(seen);
    ix->def_start = al_xcalloc(keys + 2, sizeof(uint32_t));
    for (size_t i = 0; i < defined.count; i++)
        ix->def_start[defined.items[i] + 1]++;
    for (size_t k = 0; k < keys; k++)
        ix->def_start[k + 1] += ix->def_start[k];
    ix->definers = al_xmalloc((ix->def_start[keys] + 1) * sizeof(uint32_t));
    uint32_t *fill = al_xmalloc((keys + 1) * sizeof(uint32_t));
    memcpy(fill, ix->def_start, (keys + 1) * sizeof(uint32_t));
    for (size_t u = 0; u < n; u++)
        for (uint32_t i = defined_start[u]; i < defined_start[u + 1]; i++)
            ix->definers[fill[defined.items[i]]++] = (uint32_t)u;
    free(fill);
    ix->defined_start = defined_start;
    ix->defined = defined.items ? defined.items : al_xcalloc(1, sizeof(uint32_t));
    /* each unit's edges: calls, and functions named outside callee position */
    AL_VEC(edge) edges = {0};
    ix->edge_start = al_xcalloc(n + 1, sizeof(uint32_t));
    for (size_t u = 0; u < n; u++) {
        const al_tu_facts *tu = &set->units[u];
        size_t first = edges.count;
        for (size_t i = 0; i < tu->calls.count; i++)
            if (tu->calls.items[i].callee_key)
                AL_VEC_PUSH(edges, ((edge){tu->calls.items[i].caller, tu->calls.items[i].callee_key}));
        for (size_t i = 0; i < tu->refs.count; i++)
            if (tu->refs.items[i].function_key)
                AL_VEC_PUSH(edges, ((edge){tu->refs.items[i].enclosing, tu->refs.items[i].function_key}));
        for (size_t i = 0; i < tu->var_uses.count; i++)
            AL_VEC_PUSH(edges, ((edge){tu->var_uses.items[i].function, tu->var_uses.items[i].variable}));
        if (edges.count - first > 1)
            qsort(edges.items + first, edges.count - first, sizeof(edge), compare_edges);
        ix->edge_start[u + 1] = (uint32_t)edges.count;
    }
    ix->edges = edges.items ? edges.items : al_xcalloc(1, sizeof(edge));
}

static void free_index(unit_index *ix)
{
    free(ix->defined_start);
    free(ix->defined);
    free(ix->defines_main);
    free(ix->def_start);
    free(ix->definers);
    free(ix->edge_start);
    free(ix->edges);
    free(ix->in_executable);
    free(ix->first_target);
}

/* The first of unit u's edges from `from` (they are sorted), or the end of its edges. */
static uint32_t first_edge(const unit_index *ix, uint32_t u, uint32_t from)
{
    uint32_t lo = ix->edge_start[u], hi = ix->edge_start[u + 1];
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ix->edges[mid].from < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- building one program ---- */

typedef struct builder {
    const unit_index *ix;
    uint32_t *stamp;   /* unit -> program number + 1 that holds it */
    uint32_t *reached; /* key -> program number + 1 that reached it */
    uint32_t mark;
    al_u32_vec queue; /* keys reached, not yet followed */
    al_program_def *def;
    al_u32_vec chosen; /* units the closure brought in, in order */
    size_t choices;    /* closure choices made (notes beyond NOTE_LIMIT are only counted) */
} builder;

static void reach_key(builder *b, uint32_t key)
{
    if (key && b->reached[key] != b->mark) {
        b->reached[key] = b->mark;
        AL_VEC_PUSH(b->queue, key);
    }
}

/* Unit u joins the program; its file-scope references can run. */
static void take(builder *b, uint32_t u)
{
    if (b->stamp[u] == b->mark)
        return;
    b->stamp[u] = b->mark;
    AL_VEC_PUSH(b->def->units, u);
    const unit_index *ix = b->ix;
    for (uint32_t e = ix->edge_start[u]; e < ix->edge_start[u + 1] && ix->edges[e].from == 0; e++)
        reach_key(b, ix->edges[e].to);
}

/* Every function the program's units define can run (a library's units, an executable whose main
 * the build puts in a library). */
static void reach_all_definitions(builder *b)
{
    const al_unit_set *set = b->ix->set;
    for (size_t i = 0; i < b->def->units.count; i++) {
        const al_tu_facts *tu = &set->units[b->def->units.items[i]];
        for (size_t k = 0; k < tu->functions.count; k++)
            if (tu->functions.items[k].defined)
                reach_key(b, tu->functions.items[k].key);
    }
}

static size_t common_prefix(const char *a, const char *b)
{
    size_t n = 0, at_slash = 0;
    while (a[n] && a[n] == b[n]) {
        if (a[n] == '/')
            at_slash = n;
        n++;
    }
    return at_slash; /* whole folders only */
}

/* A function's name from its USR ("c:@F@net_open"), for messages. */
static const char *symbol_name(const char *key)
{
    return strncmp(key, "c:@F@", 5) == 0 ? key + 5 : key;
}

typedef bool (*eligible_fn)(const unit_index *ix, uint32_t u, uint32_t entry_target);

/* Not another executable's: no main, held by no executable target. */
static bool eligible_unheld(const unit_index *ix, uint32_t u, uint32_t entry_target)
{
    (void)entry_target;
    return !ix->defines_main[u] && !ix->in_executable[u];
}

/* For a target whose links the build states: only units no target holds. */
static bool eligible_untargeted(const unit_index *ix, uint32_t u, uint32_t entry_target)
{
    (void)entry_target;
    return !ix->defines_main[u] && !ix->first_target[u];
}

/* A unit the closure brought in for a function that a unit taken later also defines is not needed:
 * the build links one of them (redis-server's debug.c defines the assert helper redis-cli takes
 * from redisassert.c). Dropped, latest first, so no program holds both and reports a clash. */
static void drop_redundant(builder *b)
{
    const unit_index *ix = b->ix;
    for (size_t c = b->chosen.count; c-- > 0;) {
        uint32_t u = b->chosen.items[c];
        bool needed = false;
        for (uint32_t i = ix->defined_start[u]; i < ix->defined_start[u + 1] && !needed; i++) {
            uint32_t key = ix->defined[i];
            if (b->reached[key] != b->mark)
                continue;
            bool elsewhere = false;
            for (uint32_t d = ix->def_start[key]; d < ix->def_start[key + 1] && !elsewhere; d++)
                elsewhere = ix->definers[d] != u && b->stamp[ix->definers[d]] == b->mark;
            needed = !elsewhere;
        }
        if (!needed)
            b->stamp[u] = 0;
    }
    size_t kept = 0;
    for (size_t i = 0; i < b->def->units.count; i++)
        if (b->stamp[b->def->units.items[i]] == b->mark)
            b->def->units.items[kept++] = b->def->units.items[i];
    b->def->units.count = kept;
}

/* The type the program's units give variable `key` where they use it, or 0 (a function, or no use
 * with a type). */
static uint32_t used_type(const builder *b, uint32_t key)
{
    const al_unit_set *set = b->ix->set;
    for (size_t i = 0; i < b->def->units.count; i++) {
        const al_tu_facts *tu = &set->units[b->def->units.items[i]];
        for (size_t k = 0; k < tu->var_uses.count; k++)
            if (tu->var_uses.items[k].variable == key && tu->var_uses.items[k].type)
                return tu->var_uses.items[k].type;
    }
    return 0;
}

/* Whether unit u defines variable `key` with type `type`. */
static bool defines_with_type(const al_unit_set *set, uint32_t u, uint32_t key, uint32_t type)
{
    const al_tu_facts *tu = &set->units[u];
    for (size_t k = 0; k < tu->variables.count; k++)
        if (tu->variables.items[k].key == key)
            return tu->variables.items[k].type == type;
    return false;
}

/* Follows, breadth-first, every function the program's reached functions call or name. A function
 * no unit of the program defines brings in a unit that defines it (only an external one: a static
 * function lives in its own unit). Between several eligible definitions: the entry's target's,
 * then, for a variable, one of the type the program uses it with (the server's and the client's
 * command tables share a name, not a type), then the one nearest to the entry's file (longest
 * common folder), then the smallest unit (a program's stub of a helper, redis-cli's
 * redisassert.c, beside the server's debug.c that also defines it), then the first in the
 * database. */
static void close_over_references(builder *b, const char *entry_file, uint32_t entry_target, eligible_fn eligible)
{
    const unit_index *ix = b->ix;
    const al_unit_set *set = ix->set;
    for (size_t head = 0; head < b->queue.count; head++) {
        uint32_t key = b->queue.items[head];
        uint32_t from = ix->def_start[key], to = ix->def_start[key + 1];
        bool held = false;
        for (uint32_t d = from; d < to && !held; d++)
            held = b->stamp[ix->definers[d]] == b->mark;
        if (!held && external_key(set, key)) {
            uint32_t best = UINT32_MAX, candidates = 0;
            size_t best_prefix = 0, best_size = 0;
            bool best_in_target = false, best_typed = false;
            uint32_t type = to - from > 1 ? used_type(b, key) : 0;
            for (uint32_t d = from; d < to; d++) {
                uint32_t c = ix->definers[d];
                if (!eligible(ix, c, entry_target))
                    continue;
                candidates++;
                bool in_target = entry_target && ix->first_target[c] == entry_target;
                bool typed = type && defines_with_type(set, c, key, type);
                size_t prefix = common_prefix(entry_file, al_str(&set->strings, set->status[c].file));
                size_t size = set->units[c].functions.count;
                if (best == UINT32_MAX || (in_target && !best_in_target) ||
                    (in_target == best_in_target &&
                     ((typed && !best_typed) ||
                      (typed == best_typed &&
                       (prefix > best_prefix || (prefix == best_prefix && size < best_size)))))) {
                    best = c;
                    best_prefix = prefix;
                    best_size = size;
                    best_in_target = in_target;
                    best_typed = typed;
                }
            }
            if (best == UINT32_MAX)
                continue; /* a library's function, outside the compile database */
            if (candidates > 1 && b->choices++ < NOTE_LIMIT)
                AL_VEC_PUSH(b->def->notes,
                            best_typed ? al_xasprintf("'%s' is defined in %u units: took %s, of the type the program "
                                                      "uses it with (%s)",
                                                      symbol_name(al_str(&set->strings, key)), candidates,
                                                      al_str(&set->strings, set->status[best].file),
                                                      al_str(&set->strings, type))
                                       : al_xasprintf("'%s' is defined in %u units: took %s, nearest to %s",
                                                      symbol_name(al_str(&set->strings, key)), candidates,
                                                      al_str(&set->strings, set->status[best].file), entry_file));
            take(b, best);
            AL_VEC_PUSH(b->chosen, best);
        }
        /* what it calls and names, in every unit of the program that defines it */
        for (uint32_t d = from; d < to; d++) {
            uint32_t u = ix->definers[d];
            if (b->stamp[u] != b->mark)
                continue;
            for (uint32_t e = first_edge(ix, u, key); e < ix->edge_start[u + 1] && ix->edges[e].from == key; e++)
                reach_key(b, ix->edges[e].to);
        }
    }
    drop_redundant(b);
}

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static al_program_def *begin(al_programs *out, builder *b, const char *name, bool library)
{
    al_program_def def = {0};
    def.name = al_xstrdup(name);
    def.library = library;
    AL_VEC_PUSH(out->items, def);
    b->def = &out->items.items[out->items.count - 1];
    b->mark = (uint32_t)out->items.count;
    b->queue.count = 0;
    b->chosen.count = 0;
    b->choices = 0;
    return b->def;
}

static void finish(builder *b)
{
    al_program_def *def = b->def;
    if (b->choices > NOTE_LIMIT)
        AL_VEC_PUSH(def->notes, al_xasprintf("... and %zu more such choices", b->choices - NOTE_LIMIT));
    if (def->units.count > 1)
        qsort(def->units.items, def->units.count, sizeof(uint32_t), compare_u32);
}

/* ---- names ---- */

static bool name_taken(const al_programs *out, const char *name)
{
    return al_programs_index(out, name) >= 0;
}

/* A program named after its main unit: its object's name ("redis-cli.o" -> "redis-cli"), else the
 * source's; "main" says nothing, so then its folder's ("tools/dump/main.c" -> "dump"). */
static char *name_of_main_unit(const char *object, const char *file)
{
    const char *path = object ? object : file;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char *name = al_xstrndup(base, strcspn(base, "."));
    if (*name && strcmp(name, "main") != 0)
        return name;
    free(name);
    const char *slash = strrchr(file, '/');
    const char *start = slash;
    while (start && start > file && start[-1] != '/')
        start--;
    if (start && slash > start)
        return al_xstrndup(start, (size_t)(slash - start));
    return al_xstrdup("main");
}

/* `name`, made unique among the programs found so far with a number. */
static char *unique_name(const al_programs *out, char *name)
{
    if (!name_taken(out, name))
        return name;
    for (unsigned n = 2;; n++) {
        char *other = al_xasprintf("%s-%u", name, n);
        if (!name_taken(out, other)) {
            free(name);
            return other;
        }
        free(other);
    }
}

/* ---- the rules ---- */

static void from_configuration(al_programs *out, const al_unit_set *set, const al_programs_options *o)
{
    uint8_t *assigned = al_xcalloc(set->count + 1, 1);
    for (size_t r = 0; r < o->rule_count; r++) {
        const al_config_program *rule = &o->rules[r];
        al_program_def def = {0};
        def.name = al_xstrdup(rule->name);
        def.how = al_xstrdup("declared in the configuration (\"programs\")");
        for (size_t u = 0; u < set->count; u++) {
            const char *file = al_str(&set->strings, set->status[u].file);
            if (al_config_path_excluded(file, o->rules_base, rule->units, rule->unit_count)) {
                AL_VEC_PUSH(def.units, (uint32_t)u);
                assigned[u] = 1;
            }
        }
        AL_VEC_PUSH(out->items, def);
    }
    for (size_t u = 0; u < set->count; u++)
        out->unassigned += !assigned[u];
    free(assigned);
}

static const char *kind_word(al_target_kind kind)
{
    return kind == AL_TARGET_MODULE ? "module" : kind == AL_TARGET_LIBRARY ? "library" : "executable";
}

static int compare_u32(const void *a, const void *b);

/* A library or module no executable links, whose code calls functions it does not define but an
 * executable program does, is that executable's plugin (lighttpd's mod_*.so, a resolver's
 * modules): its units join the host, where its hooks run and its calls resolve. The host is the
 * executable program that defines the most of those functions and none of the plugin's own
 * (a test program that compiles the plugin's source in is not its host). True when it joined. */
static bool join_host(al_programs *out, const unit_index *ix, const al_target *target, const uint8_t *taken)
{
    const al_unit_set *set = ix->set;
    size_t n = set->count, programs = out->items.count;
    if (programs == 0)
        return false;
    uint8_t *mine = al_xcalloc(n + 1, 1);
    for (size_t i = 0; i < target->units.count; i++)
        if (target->units.items[i] < n && !taken[target->units.items[i]])
            mine[target->units.items[i]] = 1;
    /* per unit: the programs holding it (a unit may be in several) */
    uint32_t *in_program = al_xcalloc(n + 1, sizeof(uint32_t)); /* program index + 1 of the last */
    size_t *needs = al_xcalloc(programs + 1, sizeof(size_t));
    uint8_t *clashes = al_xcalloc(programs + 1, 1);
    for (size_t p = 0; p < programs; p++) {
        const al_program_def *def = &out->items.items[p];
        if (def->library)
            continue;
        for (size_t i = 0; i < def->units.count; i++)
            in_program[def->units.items[i]] = (uint32_t)p + 1;
        for (size_t u = 0; u < n; u++) {
            if (!mine[u])
                continue;
            /* the plugin's own external definitions: the host must not have them */
            for (uint32_t i = ix->defined_start[u]; i < ix->defined_start[u + 1] && !clashes[p]; i++) {
                uint32_t key = ix->defined[i];
                if (!external_key(set, key))
                    continue;
                for (uint32_t d = ix->def_start[key]; d < ix->def_start[key + 1]; d++)
                    clashes[p] |= !mine[ix->definers[d]] && in_program[ix->definers[d]] == p + 1;
            }
            /* the functions it uses that it does not define, and the host does */
            for (uint32_t e = ix->edge_start[u]; e < ix->edge_start[u + 1]; e++) {
                uint32_t key = ix->edges[e].to;
                bool own = false, hosted = false;
                for (uint32_t d = ix->def_start[key]; d < ix->def_start[key + 1]; d++) {
                    own |= mine[ix->definers[d]];
                    hosted |= in_program[ix->definers[d]] == p + 1;
                }
                needs[p] += !own && hosted;
            }
        }
    }
    size_t best = SIZE_MAX;
    for (size_t p = 0; p < programs; p++)
        if (!out->items.items[p].library && !clashes[p] && needs[p] &&
            (best == SIZE_MAX || needs[p] > needs[best] ||
             (needs[p] == needs[best] && out->items.items[p].units.count > out->items.items[best].units.count)))
            best = p;
    if (best != SIZE_MAX) {
        al_program_def *host = &out->items.items[best];
        size_t before = host->units.count;
        for (size_t u = 0; u < n; u++) {
            if (mine[u]) {
                AL_VEC_PUSH(host->units, (uint32_t)u);
                AL_VEC_PUSH(host->plugin_units, (uint32_t)u);
            }
        }
        qsort(host->units.items, host->units.count, sizeof(uint32_t), compare_u32);
        char *note = al_xasprintf(
            "plugin %s: its %zu unit%s joined, for the %zu uses of functions this program defines", target->name,
            host->units.count - before, host->units.count - before == 1 ? "" : "s", needs[best]);
        AL_VEC_PUSH(host->notes, note);
    }
    free(mine);
    free(in_program);
    free(needs);
    free(clashes);
    return best != SIZE_MAX;
}

void al_programs_find(al_programs *out, const al_unit_set *set, const al_targets *targets,
                      const al_programs_options *options)
{
    memset(out, 0, sizeof(*out));
    if (options && options->rules) {
        from_configuration(out, set, options);
        return;
    }
    size_t n = set->count, nt = targets ? targets->items.count : 0;
    unit_index ix = {0};
    index_units(&ix, set);
    ix.in_executable = al_xcalloc(n + 1, 1);
    ix.first_target = al_xcalloc(n + 1, sizeof(uint32_t));
    /* which targets are executables: the build says so, or one of their units defines main */
    uint8_t *executable = al_xcalloc(nt + 1, 1);
    uint32_t *main_of = al_xcalloc(nt + 1, sizeof(uint32_t)); /* a main unit + 1 */
    for (size_t t = 0; t < nt; t++) {
        const al_target *target = &targets->items.items[t];
        for (size_t i = 0; i < target->units.count; i++) {
            uint32_t u = target->units.items[i];
            if (u >= n)
                continue;
            if (!ix.first_target[u])
                ix.first_target[u] = (uint32_t)t + 1;
            if (ix.defines_main[u] && !main_of[t])
                main_of[t] = u + 1;
        }
        executable[t] = target->kind == AL_TARGET_EXECUTABLE || (target->kind == AL_TARGET_UNKNOWN && main_of[t]);
        for (size_t i = 0; executable[t] && i < target->units.count; i++)
            if (target->units.items[i] < n)
                ix.in_executable[target->units.items[i]] = 1;
    }

    builder b = {0};
    b.ix = &ix;
    b.stamp = al_xcalloc(n + 1, sizeof(uint32_t));
    b.reached = al_xcalloc(set->strings.count + 1, sizeof(uint32_t));
    uint32_t main_key = al_strtab_find(&set->strings, MAIN_KEY);
    uint8_t *taken = al_xcalloc(n + 1, 1);

    /* 2. executable targets */
    for (size_t t = 0; t < nt; t++) {
        const al_target *target = &targets->items.items[t];
        if (!executable[t] || target->units.count == 0 || target->units.items[0] >= n)
            continue;
        al_program_def *def = begin(out, &b, target->name, false);
        for (size_t i = 0; i < target->units.count; i++)
            if (target->units.items[i] < n)
                take(&b, target->units.items[i]);
        al_strbuf how = {0};
        al_strbuf_appendf(&how, "executable target '%s' (%s)", target->name, target->source);
        for (size_t l = 0; l < target->links.count; l++) {
            const al_target *lib = &targets->items.items[target->links.items[l]];
            al_strbuf_appendf(&how, "%s%s", l ? ", " : "; links ", lib->name);
            for (size_t i = 0; i < lib->units.count; i++)
                if (lib->units.items[i] < n)
                    take(&b, lib->units.items[i]);
        }
        size_t own = def->units.count;
        uint32_t entry = main_of[t] ? main_of[t] - 1 : target->units.items[0];
        if (main_of[t])
            reach_key(&b, main_key);
        else
            reach_all_definitions(&b); /* its main is in a library it links, or it has none */
        close_over_references(&b, al_str(&set->strings, set->status[entry].file), (uint32_t)t + 1,
                              target->links_known ? eligible_untargeted : eligible_unheld);
        if (def->units.count > own)
            al_strbuf_appendf(&how, "; and %zu unit%s its code needs", def->units.count - own,
                              def->units.count - own == 1 ? "" : "s");
        def->how = al_strbuf_take(&how);
        finish(&b);
    }
    /* 3. main units no target holds */
    for (size_t u = 0; u < n; u++) {
        if (!ix.defines_main[u] || ix.first_target[u])
            continue;
        const char *file = al_str(&set->strings, set->status[u].file);
        const char *object = targets && u < targets->object_count ? targets->objects[u] : NULL;
        char *name = unique_name(out, name_of_main_unit(object, file));
        al_program_def *def = begin(out, &b, name, false);
        free(name);
        take(&b, (uint32_t)u);
        reach_key(&b, main_key);
        close_over_references(&b, file, 0, eligible_unheld);
        def->how = al_xasprintf("%s defines main; and %zu unit%s its code needs", file, def->units.count - 1,
                                def->units.count == 2 ? "" : "s");
        finish(&b);
    }
    for (size_t p = 0; p < out->items.count; p++)
        for (size_t i = 0; i < out->items.items[p].units.count; i++)
            taken[out->items.items[p].units.items[i]] = 1;
    /* 4. library and module targets no executable took */
    for (size_t t = 0; t < nt; t++) {
        const al_target *target = &targets->items.items[t];
        if (executable[t])
            continue;
        bool any_taken = false;
        for (size_t i = 0; i < target->units.count && !any_taken; i++)
            any_taken = target->units.items[i] < n && taken[target->units.items[i]];
        if (any_taken && target->kind != AL_TARGET_MODULE)
            continue;
        if (join_host(out, &ix, target, taken)) {
            for (size_t i = 0; i < target->units.count; i++)
                if (target->units.items[i] < n)
                    taken[target->units.items[i]] = 1;
            continue;
        }
        al_program_def *def = begin(out, &b, target->name, true);
        def->how = al_xasprintf("%s target '%s' (%s) that no executable links", kind_word(target->kind), target->name,
                                target->source);
        for (size_t i = 0; i < target->units.count; i++)
            if (target->units.items[i] < n)
                take(&b, target->units.items[i]);
        for (size_t l = 0; l < target->links.count; l++) {
            const al_target *lib = &targets->items.items[target->links.items[l]];
            for (size_t i = 0; i < lib->units.count; i++)
                if (lib->units.items[i] < n)
                    take(&b, lib->units.items[i]);
        }
        for (size_t i = 0; i < def->units.count; i++)
            taken[def->units.items[i]] = 1;
        finish(&b);
    }
    /* 5. what is left: one library program, with what its code needs */
    uint32_t left = 0, left_target = 0;
    bool one_target = true;
    for (size_t u = 0; u < n; u++) {
        if (taken[u])
            continue;
        if (left++ == 0)
            left_target = ix.first_target[u];
        one_target &= ix.first_target[u] == left_target;
    }
    if (left) {
        const char *name = one_target && left_target ? targets->items.items[left_target - 1].name : "library";
        char *unique = unique_name(out, al_xstrdup(name));
        al_program_def *def = begin(out, &b, unique, true);
        free(unique);
        const char *entry_file = NULL;
        for (size_t u = 0; u < n; u++) {
            if (!taken[u]) {
                take(&b, (uint32_t)u);
                if (!entry_file)
                    entry_file = al_str(&set->strings, set->status[u].file);
            }
        }
        reach_all_definitions(&b);
        close_over_references(&b, entry_file, 0, eligible_unheld);
        def->how = al_xasprintf("%u unit%s that no executable takes%s", left, left == 1 ? "" : "s",
                                def->units.count > left ? ", and the units their code needs" : "");
        finish(&b);
    }
    free(taken);
    free(b.stamp);
    free(b.reached);
    AL_VEC_FREE(b.chosen);
    AL_VEC_FREE(b.queue);
    free(executable);
    free(main_of);
    free_index(&ix);
}

void al_program_def_free(al_program_def *d)
{
    free(d->name);
    free(d->how);
    AL_VEC_FREE(d->units);
    AL_VEC_FREE(d->plugin_units);
    for (size_t k = 0; k < d->notes.count; k++)
        free(d->notes.items[k]);
    AL_VEC_FREE(d->notes);
}

void al_programs_free(al_programs *p)
{
    for (size_t i = 0; i < p->items.count; i++)
        al_program_def_free(&p->items.items[i]);
    AL_VEC_FREE(p->items);
    memset(p, 0, sizeof(*p));
}

int al_programs_index(const al_programs *p, const char *name)
{
    for (size_t i = 0; i < p->items.count; i++)
        if (strcmp(p->items.items[i].name, name) == 0)
            return (int)i;
    return -1;
}
