/* analysis: the per-program stages and the merge of their results (analysis.h). Programs are
 * analyzed one after the other: only one program's graph is in memory at a time. */
#include "analysis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contexts.h"
#include "indirect.h"
#include "instances.h"
#include "locks.h"
#include "reach.h"

bool al_analysis_programs(al_programs *out, const al_unit_set *set, const al_targets *targets, const al_options *o)
{
    al_programs_options po = {o->config.programs.count ? o->config.programs.items : NULL, o->config.programs.count,
                              o->config.folder};
    al_programs_find(out, set, targets, &po);
    if (!o->programs.count)
        return true;
    for (size_t i = 0; i < o->programs.count; i++) {
        if (al_programs_index(out, o->programs.items[i]) >= 0)
            continue;
        al_strbuf names = {0};
        for (size_t k = 0; k < out->items.count; k++)
            al_strbuf_appendf(&names, "%s'%s'", k ? ", " : "", out->items.items[k].name);
        char *message = al_one_line(al_xasprintf("asynclock: error: --program '%s': no such program (found: %s; "
                                                 "'asynclock programs' lists them)",
                                                 o->programs.items[i], names.data ? names.data : "none"));
        fprintf(stderr, "%s\n", message);
        free(message);
        al_strbuf_free(&names);
        al_programs_free(out);
        return false;
    }
    /* keep the named ones, in the order found */
    size_t kept = 0;
    for (size_t k = 0; k < out->items.count; k++) {
        bool named = false;
        for (size_t i = 0; i < o->programs.count && !named; i++)
            named = strcmp(o->programs.items[i], out->items.items[k].name) == 0;
        if (named) {
            out->items.items[kept++] = out->items.items[k];
        } else {
            al_program_def_free(&out->items.items[k]);
        }
    }
    out->items.count = kept;
    return true;
}

/* ASYNCLOCK_DEBUG_PATHS=1: every call the paths stage takes off the loop thread, and why, on
 * standard error (for triage: "why is this call not reported?"). */
static void debug_paths(const al_program *p, const al_paths *paths)
{
    static const char *const reasons[] = {"live", "constant guard", "flag guard", "fork child", "crash path"};
    for (size_t k = 0; k < p->calls.count; k++) {
        const al_call *c = &p->calls.items[k];
        if (paths->call[k] == AL_PATH_LIVE)
            continue;
        fprintf(stderr, "asynclock: debug: %s:%u: %s in %s: %s\n", al_program_str(p, c->loc.file), c->loc.line,
                al_program_str(p, c->callee_name), al_program_str(p, p->functions.items[c->caller].name),
                reasons[paths->call[k]]);
    }
}

/* ASYNCLOCK_DEBUG_CALLS=NAME: the calls of the functions named NAME and what each may enter. */
static void debug_calls(const al_program *p, const char *name)
{
    for (size_t f = 0; f < p->functions.count; f++) {
        const al_function *fn = &p->functions.items[f];
        if (strcmp(al_program_str(p, fn->name), name) != 0)
            continue;
        for (uint32_t k = fn->first_call; k < fn->first_call + fn->call_count; k++) {
            const al_call *c = &p->calls.items[k];
            uint32_t n;
            const uint32_t *t = al_program_call_targets(p, k, &n);
            fprintf(stderr, "asynclock: debug: %s:%u: %s%s calls %s:", al_program_str(p, c->loc.file), c->loc.line,
                    name, c->indirect ? " (through a pointer)" : "", al_program_str(p, c->callee_name));
            for (uint32_t j = 0; j < n && j < 12; j++)
                fprintf(stderr, " %s", al_program_str(p, p->functions.items[t[j]].name));
            fprintf(stderr, n > 12 ? " ... (%u)\n" : "\n", n);
        }
    }
}

/* One program's graph, the calls that can run on its loop thread, and its handlers; the caller
 * frees the three. */
static void analyze_program(al_program *program, al_paths *paths, al_contexts *contexts, const al_unit_set *set,
                            const al_program_def *def, const al_rules *rules, const al_options *o)
{
    al_program_link_units(program, set, def->units.items, def->units.count);
    al_program_find_live(program, def->plugin_units.items, def->plugin_units.count);
    al_paths_find(paths, program, rules);
    al_indirect_resolve(program, o->resolve_by_type);
    al_contexts_find(contexts, program, rules, paths);
    al_reach_options options = {o->conditional, paths, o->jobs};
    uint8_t *reachable = al_reach_reachable(program, contexts, rules, &options);
    al_paths_refine(paths, program, reachable);
    free(reachable);
    if (getenv("ASYNCLOCK_DEBUG_PATHS"))
        debug_paths(program, paths);
    if (getenv("ASYNCLOCK_DEBUG_CALLS"))
        debug_calls(program, getenv("ASYNCLOCK_DEBUG_CALLS"));
}

void al_analysis_findings(al_findings *out, const al_unit_set *set, const al_programs *programs, const al_rules *rules,
                          const al_options *o, const al_findings_options *fo)
{
    al_findings_begin(out, set, fo);
    for (size_t i = 0; i < programs->items.count; i++) {
        const al_program_def *def = &programs->items.items[i];
        al_program program;
        al_paths paths;
        al_contexts contexts;
        analyze_program(&program, &paths, &contexts, set, def, rules, o);
        al_reach_options reach_options = {o->conditional, &paths, o->jobs};
        al_reach reach;
        al_reach_run(&reach, &program, &contexts, rules, &reach_options);
        al_instances *instances = al_instances_new(&program, &paths);
        al_locks locks;
        al_locks_find(&locks, &program, &contexts, rules, &paths);
        al_findings_add(out, def, &program, &contexts, &reach, instances, &locks, rules, fo);
        al_locks_free(&locks);
        al_instances_free(instances);
        al_reach_free(&reach);
        al_contexts_free(&contexts);
        al_paths_free(&paths);
        al_program_free(&program);
    }
    al_findings_finish(out, rules, fo);
}

static int compare_unknown(const void *a, const void *b)
{
    const al_unknown_entry *x = a, *y = b;
    if (x->handlers != y->handlers)
        return x->handlers > y->handlers ? -1 : 1;
    return strcmp(x->name, y->name);
}

void al_analysis_unknown(al_unknown_entries *out, const al_unit_set *set, const al_programs *programs,
                         const al_rules *rules, const al_options *o)
{
    memset(out, 0, sizeof(*out));
    al_strtab names;
    al_strtab_init(&names);
    al_u32_vec entry_of_name = {0}; /* name id -> entry + 1 */
    for (size_t i = 0; i < programs->items.count; i++) {
        al_program program;
        al_paths paths;
        al_contexts contexts;
        analyze_program(&program, &paths, &contexts, set, &programs->items.items[i], rules, o);
        al_unknown_list list;
        al_reach_unknown(&list, &program, &contexts, rules);
        al_unknown_entries entries;
        al_findings_unknown(&entries, &program, &list);
        for (size_t k = 0; k < entries.count; k++) {
            const al_unknown_entry *e = &entries.items[k];
            uint32_t id = al_strtab_intern(&names, e->name);
            while (entry_of_name.count <= id)
                AL_VEC_PUSH(entry_of_name, 0);
            if (!entry_of_name.items[id]) {
                AL_VEC_PUSH(*out, *e);
                entry_of_name.items[id] = (uint32_t)out->count;
            } else {
                al_unknown_entry *have = &out->items[entry_of_name.items[id] - 1];
                have->handlers += e->handlers;
                have->calls += e->calls;
            }
        }
        AL_VEC_FREE(entries);
        AL_VEC_FREE(list);
        al_contexts_free(&contexts);
        al_paths_free(&paths);
        al_program_free(&program);
    }
    if (out->count > 1)
        qsort(out->items, out->count, sizeof(*out->items), compare_unknown);
    AL_VEC_FREE(entry_of_name);
    al_strtab_free(&names);
}
