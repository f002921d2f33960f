/* Builds translation-unit facts by hand, for the tests of the stages after the extractor: the
 * graph shapes that matter (cycles, 100,000-deep chains, duplicates) are easier to state than to
 * write as C. */
#ifndef AL_FACTS_BUILDER_H
#define AL_FACTS_BUILDER_H

#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "rules.h"
#include "util.h"

static inline al_loc fb_loc(al_tu_facts *tu, const char *file, unsigned line, unsigned column)
{
    al_loc loc = {al_strtab_intern(&tu->strings, file), line, column};
    return loc;
}

static inline uint32_t fb_str(al_tu_facts *tu, const char *s)
{
    return s ? al_strtab_intern(&tu->strings, s) : 0;
}

/* A function whose key is its name (external linkage). */
static inline void fb_function(al_tu_facts *tu, const char *name, const char *file, unsigned line, unsigned annotations)
{
    al_fact_function f = {fb_str(tu, name), fb_str(tu, name), fb_loc(tu, file, line, 1), true, annotations, 0, false};
    AL_VEC_PUSH(tu->functions, f);
}

static inline void fb_declaration(al_tu_facts *tu, const char *name, const char *file, unsigned line,
                                  unsigned annotations)
{
    al_fact_function f = {fb_str(tu, name), fb_str(tu, name), fb_loc(tu, file, line, 1), false, annotations, 0, false};
    AL_VEC_PUSH(tu->functions, f);
}

/* A direct call; args are given as a string of 'n' (null), 'u' (unknown), digits (an int), 's'
 * (the variable `stderr`) or 'f' (the variable `logfile`). */
static inline void fb_call(al_tu_facts *tu, const char *caller, const char *callee, const char *file, unsigned line,
                           unsigned column, const char *args)
{
    al_fact_call c = {0};
    c.param = -1;
    c.caller = fb_str(tu, caller);
    c.callee_key = fb_str(tu, callee);
    c.callee_name = fb_str(tu, callee);
    c.loc = fb_loc(tu, file, line, column);
    c.first_arg = (uint32_t)tu->args.count;
    for (const char *a = args ? args : ""; *a; a++) {
        al_fact_arg arg = {AL_ARG_UNKNOWN, 0, 0, 0};
        if (*a == 'n')
            arg.kind = AL_ARG_NULL;
        else if (*a >= '0' && *a <= '9')
            arg = (al_fact_arg){AL_ARG_INT, *a - '0', 0, 0};
        else if (*a == 's' || *a == 'f')
            arg = (al_fact_arg){AL_ARG_VARIABLE, 0, fb_str(tu, *a == 's' ? "stderr" : "logfile"), 0};
        AL_VEC_PUSH(tu->args, arg);
        c.arg_count++;
    }
    AL_VEC_PUSH(tu->calls, c);
}

/* `function` passed as argument `index` of a call to `target` whose parameter type is `type`,
 * inside `enclosing` (NULL: file scope). */
static inline void fb_ref(al_tu_facts *tu, const char *function, const char *enclosing, al_use_kind use,
                          const char *target, int index, const char *type, const char *file, unsigned line)
{
    al_fact_ref r = {0};
    r.function_key = fb_str(tu, function);
    r.function_name = fb_str(tu, function);
    r.param = -1;
    r.enclosing = enclosing ? fb_str(tu, enclosing) : 0;
    r.loc = fb_loc(tu, file, line, 3);
    r.use = use;
    r.target = fb_str(tu, target);
    r.target_key = use == AL_USE_ARGUMENT ? r.target : 0;
    r.index = index;
    r.type_name = fb_str(tu, type);
    AL_VEC_PUSH(tu->refs, r);
}

/* Parameter `param` of `enclosing` passed on as argument `index` of a call to the program function
 * (or API) `target`, whose parameter type is `type`. */
static inline void fb_forward(al_tu_facts *tu, const char *enclosing, int param, const char *target, int index,
                              const char *type, const char *file, unsigned line)
{
    al_fact_ref r = {0};
    r.param = param;
    r.enclosing = fb_str(tu, enclosing);
    r.loc = fb_loc(tu, file, line, 3);
    r.use = AL_USE_ARGUMENT;
    r.target = fb_str(tu, target);
    r.target_key = fb_str(tu, target);
    r.index = index;
    r.type_name = fb_str(tu, type);
    AL_VEC_PUSH(tu->refs, r);
}

/* An indirect call in `caller`: through field "S.f" (`variable` NULL) or through the variable or
 * array with link key `variable`; `type` is the called function type (NULL: unknown). */
static inline void fb_indirect_call(al_tu_facts *tu, const char *caller, const char *field, const char *variable,
                                    bool subscripted, const char *type, const char *file, unsigned line)
{
    al_fact_call c = {0};
    c.caller = fb_str(tu, caller);
    c.callee_name = fb_str(tu, variable ? variable : field);
    c.variable_key = fb_str(tu, variable);
    c.subscripted = subscripted;
    c.param = -1;
    c.pointee_type = fb_str(tu, type);
    c.loc = fb_loc(tu, file, line, 5);
    c.first_arg = (uint32_t)tu->args.count;
    AL_VEC_PUSH(tu->calls, c);
}

/* `function` (or, when param >= 0, parameter `param` of `enclosing`) stored into field "S.f" or,
 * when `variable` is given, into the variable with that link key. */
static inline void fb_store(al_tu_facts *tu, const char *function, int param, const char *enclosing, const char *field,
                            const char *variable, const char *file, unsigned line)
{
    al_fact_ref r = {0};
    r.function_key = fb_str(tu, function);
    r.function_name = fb_str(tu, function);
    r.param = param;
    r.enclosing = enclosing ? fb_str(tu, enclosing) : 0;
    r.loc = fb_loc(tu, file, line, 3);
    r.use = variable ? AL_USE_VARIABLE : AL_USE_FIELD;
    r.target = fb_str(tu, variable ? variable : field);
    r.variable_key = fb_str(tu, variable);
    AL_VEC_PUSH(tu->refs, r);
}

/* The variable with link key `variable` holds what `source` holds (`cb_t *t = handlers;`). */
static inline void fb_alias(al_tu_facts *tu, const char *variable, const char *source)
{
    al_fact_alias a = {fb_str(tu, variable), fb_str(tu, source)};
    AL_VEC_PUSH(tu->aliases, a);
}

/* Sets the function type of the last function added. */
static inline void fb_type(al_tu_facts *tu, const char *type)
{
    tu->functions.items[tu->functions.count - 1].type = fb_str(tu, type);
}

static inline al_tu_facts *fb_units(size_t count)
{
    al_tu_facts *units = al_xcalloc(count, sizeof(al_tu_facts));
    for (size_t i = 0; i < count; i++) {
        char name[32];
        snprintf(name, sizeof(name), "/src/unit%zu.c", i);
        al_tu_facts_init(&units[i], name);
        units[i].parsed = true;
    }
    return units;
}

/* A small pack: loop_cb handlers (family "toy"), work_cb workers, spawn_thread's argument 0 a
 * worker, conn.on_data a handler field; blocking APIs with conditions. */
static const char fb_pack[] =
    "{\"pack\": \"toy\", \"version\": 1, \"family\": \"toy\",\n"
    " \"apis\": [\n"
    "  {\"name\": \"sleep\", \"category\": \"sleep\", \"severity\": \"error\", \"confidence\": \"definite\",\n"
    "   \"why\": \"waits\", \"fix\": \"generic sleep fix\"},\n"
    "  {\"name\": \"stat\", \"category\": \"file-io\", \"severity\": \"warning\", \"confidence\": \"definite\",\n"
    "   \"why\": \"disk\", \"fix\": \"generic stat fix\"},\n"
    "  {\"name\": \"fclose\", \"category\": \"file-io\", \"severity\": \"note\", \"confidence\": \"definite\",\n"
    "   \"why\": \"flush\", \"fix\": \"generic fclose fix\"},\n"
    "  {\"name\": \"read\", \"category\": \"network\", \"severity\": \"warning\", \"confidence\": \"conditional\",\n"
    "   \"why\": \"fd\", \"fix\": \"generic read fix\"},\n"
    "  {\"name\": \"waitpid\", \"category\": \"process\", \"severity\": \"error\", \"confidence\": \"definite\",\n"
    "   \"why\": \"child\", \"fix\": \"generic waitpid fix\", \"unless\": [{\"arg\": 2, \"has_bits\": 1}]},\n"
    "  {\"name\": \"fflush\", \"category\": \"file-io\", \"severity\": \"error\", \"confidence\": \"definite\",\n"
    "   \"why\": \"flush\", \"fix\": \"f\", \"unless\": [{\"arg\": 0, \"variable_in\": [\"stdout\", \"stderr\"]}]},\n"
    "  {\"name\": \"db_query\", \"category\": \"database\", \"severity\": \"error\", \"confidence\": \"definite\",\n"
    "   \"why\": \"round trip\", \"fix\": \"async\", \"match_definitions\": true},\n"
    "  {\"name\": \"fs_open\", \"category\": \"file-io\", \"severity\": \"error\", \"confidence\": \"definite\",\n"
    "   \"why\": \"sync without cb\", \"fix\": \"pass a callback\", \"only_if\": [{\"arg\": -1, \"is_null\": "
    "true}]}],\n"
    " \"contexts\": [\n"
    "  {\"role\": \"handler\", \"callback_type\": \"loop_cb\", \"kind\": \"toy loop callback (loop_cb)\"},\n"
    "  {\"role\": \"worker\", \"callback_type\": \"work_cb\", \"kind\": \"toy work callback\"},\n"
    "  {\"role\": \"worker\", \"call\": \"spawn_thread\", \"arg\": 0, \"kind\": \"toy thread entry\"},\n"
    "  {\"role\": \"handler\", \"field\": \"conn.on_data\", \"kind\": \"connection data handler\"},\n"
    "  {\"role\": \"handler\", \"name_pattern\": \"on_*_event\", \"kind\": \"toy event handler\"},\n"
    "  {\"role\": \"handler\", \"marker_call\": \"assert_loop_thread\", \"kind\": \"asserts the loop thread\"}],\n"
    " \"fixes\": [{\"category\": \"sleep\", \"fix\": \"use toy_timer\"}, {\"api\": \"stat\", \"fix\": \"use "
    "toy_stat\"}],\n"
    " \"nonblocking\": [\"lib_fast_*\"]}\n";

static inline al_rules *fb_rules(const char *work_dir)
{
    char *path = al_xasprintf("%s/toy.json", work_dir);
    FILE *f = fopen(path, "w");
    fputs(fb_pack, f);
    fclose(f);
    al_rules *r = al_rules_new();
    char *error = NULL;
    if (!al_rules_load_path(r, path, &error)) {
        fprintf(stderr, "%s\n", error);
        abort();
    }
    al_rules_index(r);
    free(path);
    return r;
}

#endif
