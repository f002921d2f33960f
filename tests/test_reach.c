/* reach: blocking call sites reachable from handlers, with shortest chains. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "facts_builder.h"
#include "indirect.h"
#include "reach.h"
#include "test_helpers.h"

static al_rules *rules;

static int setup(void **state)
{
    (void)state;
    test_mkdirs(AL_TEST_WORK_DIR);
    rules = fb_rules(AL_TEST_WORK_DIR);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    al_rules_free(rules);
    return 0;
}

typedef struct analysis {
    al_program p;
    al_contexts c;
    al_reach r;
} analysis;

static void analyze_with_jobs(analysis *a, al_tu_facts *units, size_t count, bool conditional, int jobs)
{
    al_program_link(&a->p, units, count);
    free(units);
    al_contexts_find(&a->c, &a->p, rules, NULL);
    al_reach_options o = {conditional, NULL, jobs};
    al_reach_run(&a->r, &a->p, &a->c, rules, &o);
}

static void analyze(analysis *a, al_tu_facts *units, size_t count, bool conditional)
{
    analyze_with_jobs(a, units, count, conditional, 1);
}

/* The same, with calls through pointers resolved (as `asynclock check` does). */
static void analyze_indirect(analysis *a, al_tu_facts *units, size_t count, bool by_type)
{
    al_program_link(&a->p, units, count);
    free(units);
    al_indirect_resolve(&a->p, by_type);
    al_contexts_find(&a->c, &a->p, rules, NULL);
    al_reach_options o = {false, NULL, 1};
    al_reach_run(&a->r, &a->p, &a->c, rules, &o);
}

static void analysis_free(analysis *a)
{
    al_reach_free(&a->r);
    al_contexts_free(&a->c);
    al_program_free(&a->p);
}

static void handler(al_tu_facts *u, const char *name, unsigned line)
{
    fb_function(u, name, "/src/a.c", line, 0);
    fb_ref(u, name, NULL, AL_USE_ARGUMENT, "loop_start", 1, "loop_cb", "/src/main.c", line);
}

/* "h:f1>f2>callee" for the handler at `index` of a site: its chain as function names. */
static char *chain_of(const analysis *a, const al_site *site, size_t index)
{
    const al_site_handler *sh = &site->handlers.items[index];
    al_strbuf b = {0};
    al_strbuf_append(&b, al_program_str(&a->p, a->p.functions.items[a->c.handlers.items[sh->handler].function].name));
    al_strbuf_putc(&b, ':');
    /* the links run from the blocking call back to the handler */
    const char **callers = calloc(sh->length, sizeof(*callers));
    uint32_t k = sh->length;
    for (uint32_t at = sh->last; at != AL_NONE && k > 0; at = a->r.links.items[at].up) {
        const al_call *call = &a->p.calls.items[a->r.links.items[at].call];
        callers[--k] = al_program_str(&a->p, a->p.functions.items[call->caller].name);
    }
    assert_int_equal(k, 0);
    for (k = 0; k < sh->length; k++)
        al_strbuf_appendf(&b, "%s%s", k ? ">" : "", callers[k]);
    free(callers);
    al_strbuf_appendf(&b, ">%s", al_program_str(&a->p, a->p.calls.items[site->call].callee_name));
    return al_strbuf_take(&b);
}

static void assert_chain(const analysis *a, const al_site *site, size_t index, const char *want)
{
    char *got = chain_of(a, site, index);
    assert_string_equal(got, want);
    free(got);
}

static void test_shortest_chains_and_every_handler(void **state)
{
    (void)state;
    al_tu_facts *u = fb_units(1);
    handler(&u[0], "on_a", 1);
    handler(&u[0], "on_b", 2);
    fb_function(&u[0], "long1", "/src/a.c", 3, 0);
    fb_function(&u[0], "long2", "/src/a.c", 4, 0);
    fb_function(&u[0], "store", "/src/a.c", 5, 0);
    /* on_a reaches store through long1>long2 and directly; on_b through long2 */
    fb_call(&u[0], "on_a", "long1", "/src/a.c", 10, 1, "");
    fb_call(&u[0], "on_a", "store", "/src/a.c", 11, 1, "");
    fb_call(&u[0], "long1", "long2", "/src/a.c", 12, 1, "");
    fb_call(&u[0], "long2", "store", "/src/a.c", 13, 1, "");
    fb_call(&u[0], "on_b", "long2", "/src/a.c", 14, 1, "");
    fb_call(&u[0], "store", "sleep", "/src/a.c", 15, 1, "1");
    fb_call(&u[0], "not_a_handler", "sleep", "/src/a.c", 16, 1, "1");
    fb_function(&u[0], "not_a_handler", "/src/a.c", 6, 0);
    analysis a;
    analyze(&a, u, 1, false);
    assert_int_equal(a.r.sites.count, 1);
    assert_int_equal(a.r.blocking_calls, 2);
    const al_site *site = &a.r.sites.items[0];
    assert_string_equal(site->api->name, "sleep");
    assert_int_equal(site->handlers.count, 2);
    assert_chain(&a, site, 0, "on_a:on_a>store>sleep");
    assert_chain(&a, site, 1, "on_b:on_b>long2>store>sleep");
    analysis_free(&a);
}

static void test_cycles_terminate(void **state)
{
    (void)state;
    al_tu_facts *u = fb_units(1);
    handler(&u[0], "on_self", 1);
    handler(&u[0], "on_loop", 2);
    fb_function(&u[0], "ping", "/src/a.c", 3, 0);
    fb_function(&u[0], "pong", "/src/a.c", 4, 0);
    fb_call(&u[0], "on_self", "on_self", "/src/a.c", 10, 1, "");
    fb_call(&u[0], "on_self", "stat", "/src/a.c", 11, 1, "uu");
    fb_call(&u[0], "on_loop", "ping", "/src/a.c", 12, 1, "");
    fb_call(&u[0], "ping", "pong", "/src/a.c", 13, 1, "");
    fb_call(&u[0], "pong", "ping", "/src/a.c", 14, 1, "");
    fb_call(&u[0], "pong", "on_self", "/src/a.c", 15, 1, "");
    analysis a;
    analyze(&a, u, 1, false);
    assert_int_equal(a.r.sites.count, 1);
    const al_site *site = &a.r.sites.items[0];
    assert_int_equal(site->handlers.count, 2);
    assert_chain(&a, site, 0, "on_self:on_self>stat");
    assert_chain(&a, site, 1, "on_loop:on_loop>ping>pong>on_self>stat");
    analysis_free(&a);
}

static void test_annotations_stop_or_mark(void **state)
{
    (void)state;
    al_tu_facts *u = fb_units(1);
    handler(&u[0], "on_tick", 1);
    fb_function(&u[0], "quick", "/src/a.c", 2, AL_ANNOT_NONBLOCKING);
    fb_function(&u[0], "wait_reply", "/src/a.c", 3, AL_ANNOT_BLOCKING);
    fb_declaration(&u[0], "legacy", "/src/legacy.h", 4, AL_ANNOT_BLOCKING);
    fb_call(&u[0], "on_tick", "quick", "/src/a.c", 10, 1, "");
    fb_call(&u[0], "quick", "sleep", "/src/a.c", 11, 1, "0");
    fb_call(&u[0], "on_tick", "wait_reply", "/src/a.c", 12, 1, "u");
    fb_call(&u[0], "wait_reply", "sleep", "/src/a.c", 13, 1, "1"); /* not entered */
    fb_call(&u[0], "on_tick", "legacy", "/src/a.c", 14, 1, "");
    analysis a;
    analyze(&a, u, 1, false);
    assert_int_equal(a.r.sites.count, 2);
    const al_site *site = &a.r.sites.items[0];
    assert_null(site->api);
    assert_string_equal(al_program_str(&a.p, a.p.calls.items[site->call].callee_name), "wait_reply");
    assert_chain(&a, site, 0, "on_tick:on_tick>wait_reply");
    site = &a.r.sites.items[1];
    assert_null(site->api);
    assert_chain(&a, site, 0, "on_tick:on_tick>legacy");
    analysis_free(&a);
}

static void test_argument_conditions_and_conditional_apis(void **state)
{
    (void)state;
    al_tu_facts *u = fb_units(1);
    handler(&u[0], "on_child", 1);
    fb_call(&u[0], "on_child", "waitpid", "/src/a.c", 10, 1, "uu1"); /* WNOHANG: no */
    fb_call(&u[0], "on_child", "waitpid", "/src/a.c", 11, 1, "uu0"); /* yes */
    fb_call(&u[0], "on_child", "waitpid", "/src/a.c", 12, 1, "uuu"); /* unknown flags: yes */
    fb_call(&u[0], "on_child", "fs_open", "/src/a.c", 13, 1, "uun"); /* no callback: yes */
    fb_call(&u[0], "on_child", "fs_open", "/src/a.c", 14, 1, "uuu"); /* a callback: no */
    fb_call(&u[0], "on_child", "read", "/src/a.c", 15, 1, "uuu");    /* conditional */
    fb_call(&u[0], "on_child", "fflush", "/src/a.c", 16, 1, "s");    /* stderr: logging */
    fb_call(&u[0], "on_child", "fflush", "/src/a.c", 17, 1, "f");    /* a file: yes */
    fb_call(&u[0], "on_child", "fflush", "/src/a.c", 18, 1, "u");    /* unknown: yes */
    analysis a;
    analyze(&a, u, 1, false);
    assert_int_equal(a.r.sites.count, 5);
    unsigned lines[5];
    for (int i = 0; i < 5; i++)
        lines[i] = a.p.calls.items[a.r.sites.items[i].call].loc.line;
    assert_int_equal(lines[0], 11);
    assert_int_equal(lines[1], 12);
    assert_int_equal(lines[2], 13);
    assert_int_equal(lines[3], 17);
    assert_int_equal(lines[4], 18);
    analysis_free(&a);

    u = fb_units(1);
    handler(&u[0], "on_child", 1);
    fb_call(&u[0], "on_child", "read", "/src/a.c", 15, 1, "uuu");
    analyze(&a, u, 1, true);
    assert_int_equal(a.r.sites.count, 1);
    assert_string_equal(a.r.sites.items[0].api->name, "read");
    analysis_free(&a);
}

static void test_project_definition_shadows_the_api(void **state)
{
    (void)state;
    /* the project defines its own stat(): its body decides, not the rule */
    al_tu_facts *u = fb_units(1);
    handler(&u[0], "on_tick", 1);
    fb_function(&u[0], "stat", "/src/mystat.c", 2, 0);
    fb_call(&u[0], "on_tick", "stat", "/src/a.c", 10, 1, "uu");
    analysis a;
    analyze(&a, u, 1, false);
    assert_int_equal(a.r.sites.count, 0);
    analysis_free(&a);
}

static void test_unknown_external_functions(void **state)
{
    (void)state;
    al_tu_facts *u = fb_units(1);
    handler(&u[0], "on_a", 1);
    handler(&u[0], "on_b", 2);
    fb_function(&u[0], "helper", "/src/a.c", 3, 0);
    fb_function(&u[0], "work", "/src/a.c", 4, 0);
    fb_ref(&u[0], "work", NULL, AL_USE_ARGUMENT, "queue", 2, "work_cb", "/src/main.c", 4);
    fb_call(&u[0], "on_a", "rpc_call", "/src/a.c", 10, 1, "");
    fb_call(&u[0], "on_a", "helper", "/src/a.c", 11, 1, "");
    fb_call(&u[0], "helper", "rpc_call", "/src/a.c", 12, 1, "");
    fb_call(&u[0], "on_b", "helper", "/src/a.c", 13, 1, "");
    fb_call(&u[0], "on_b", "zlib_compress", "/src/a.c", 14, 1, "");
    fb_call(&u[0], "on_b", "sleep", "/src/a.c", 15, 1, "1"); /* described: a blocking API */
    fb_call(&u[0], "work", "only_in_worker", "/src/a.c", 16, 1, "");
    analysis a;
    analyze(&a, u, 1, false);
    al_unknown_list list;
    al_reach_unknown(&list, &a.p, &a.c, rules);
    assert_int_equal(list.count, 2);
    assert_string_equal(al_program_str(&a.p, list.items[0].name), "rpc_call");
    assert_int_equal(list.items[0].handlers, 2);
    assert_int_equal(list.items[0].calls, 2);
    assert_int_equal(a.p.calls.items[list.items[0].first_call].loc.line, 10);
    assert_string_equal(al_program_str(&a.p, list.items[1].name), "zlib_compress");
    assert_int_equal(list.items[1].handlers, 1);
    AL_VEC_FREE(list);
    analysis_free(&a);
}

static void test_rules_that_match_definitions(void **state)
{
    (void)state;
    /* the program vendors the library that defines db_query: the rule speaks for the definition,
     * the call is the finding and the library's body is not searched */
    al_tu_facts *u = fb_units(1);
    handler(&u[0], "on_req", 1);
    fb_function(&u[0], "db_query", "/src/vendor/db.c", 2, 0);
    fb_function(&u[0], "db_connect", "/src/vendor/db.c", 3, 0);
    fb_call(&u[0], "on_req", "db_query", "/src/a.c", 10, 5, "");
    fb_call(&u[0], "db_query", "db_connect", "/src/vendor/db.c", 20, 5, "");
    fb_call(&u[0], "db_connect", "sleep", "/src/vendor/db.c", 30, 5, "1");
    /* a vendored function a pack lists as nonblocking is not searched either */
    fb_function(&u[0], "lib_fast_get", "/src/vendor/db.c", 4, 0);
    fb_call(&u[0], "on_req", "lib_fast_get", "/src/a.c", 11, 5, "");
    fb_call(&u[0], "lib_fast_get", "db_connect", "/src/vendor/db.c", 40, 5, "");
    analysis a;
    analyze(&a, u, 1, false);
    assert_int_equal(a.r.sites.count, 1);
    assert_string_equal(a.r.sites.items[0].api->name, "db_query");
    assert_chain(&a, &a.r.sites.items[0], 0, "on_req:on_req>db_query");
    analysis_free(&a);
}

static void test_workers_are_not_searched(void **state)
{
    (void)state;
    al_tu_facts *u = fb_units(1);
    fb_function(&u[0], "work", "/src/a.c", 1, 0);
    fb_ref(&u[0], "work", NULL, AL_USE_ARGUMENT, "queue", 2, "work_cb", "/src/main.c", 1);
    fb_call(&u[0], "work", "sleep", "/src/a.c", 10, 1, "1");
    analysis a;
    analyze(&a, u, 1, false);
    assert_int_equal(a.r.sites.count, 0);
    assert_int_equal(a.r.blocking_calls, 1);
    analysis_free(&a);
}

/* A field set through two levels of wrappers, and two files' static arrays of one name. */
static void test_calls_through_fields_and_arrays(void **state)
{
    (void)state;
    al_tu_facts *u = fb_units(2);
    handler(&u[0], "h_field", 10);
    fb_indirect_call(&u[0], "h_field", "conn.on_line", NULL, false, "void (int)", "/src/a.c", 11);
    fb_function(&u[0], "set_cb", "/src/a.c", 20, 0);
    fb_store(&u[0], NULL, 1, "set_cb", "conn.on_line", NULL, "/src/a.c", 21);
    fb_function(&u[0], "install", "/src/a.c", 25, 0);
    fb_forward(&u[0], "install", 1, "set_cb", 1, NULL, "/src/a.c", 26);
    fb_function(&u[0], "setup", "/src/a.c", 30, 0);
    fb_ref(&u[0], "slow", "setup", AL_USE_ARGUMENT, "install", 1, NULL, "/src/a.c", 31);
    fb_function(&u[0], "slow", "/src/a.c", 40, 0);
    fb_call(&u[0], "slow", "sleep", "/src/a.c", 41, 5, "1");
    /* stored into a field nothing calls */
    fb_function(&u[0], "stored_only", "/src/a.c", 50, 0);
    fb_call(&u[0], "stored_only", "sleep", "/src/a.c", 51, 5, "1");
    fb_store(&u[0], "stored_only", -1, "setup", "conn.on_exit", NULL, "/src/a.c", 32);

    /* unit 0 calls its own `steps`; unit 1's `steps` holds a function that stats */
    handler(&u[0], "h_array", 60);
    fb_indirect_call(&u[0], "h_array", NULL, "c:steps@/src/a.c", true, "void (int)", "/src/a.c", 61);
    fb_function(&u[0], "step_a", "/src/a.c", 65, 0);
    fb_call(&u[0], "step_a", "sleep", "/src/a.c", 66, 5, "2");
    fb_store(&u[0], "step_a", -1, NULL, NULL, "c:steps@/src/a.c", "/src/a.c", 67);
    fb_function(&u[1], "step_b", "/src/b.c", 5, 0);
    fb_call(&u[1], "step_b", "stat", "/src/b.c", 6, 5, "uu");
    fb_store(&u[1], "step_b", -1, NULL, NULL, "c:steps@/src/b.c", "/src/b.c", 7);

    /* h_alias calls through `u`, which copies `t`, which copies unit 0's `steps` */
    handler(&u[0], "h_alias", 70);
    fb_indirect_call(&u[0], "h_alias", NULL, "c:u@/src/a.c", true, "void (int)", "/src/a.c", 71);
    fb_alias(&u[0], "c:u@/src/a.c", "c:t@/src/a.c");
    fb_alias(&u[0], "c:t@/src/a.c", "c:steps@/src/a.c");
    fb_alias(&u[0], "c:t@/src/a.c", "c:u@/src/a.c"); /* a cycle ends */

    analysis a;
    analyze_indirect(&a, u, 2, false);
    assert_int_equal(a.c.handlers.count, 3); /* stored functions are not handlers */
    assert_int_equal(a.r.sites.count, 2);
    assert_int_equal(a.r.sites.items[0].handlers.count, 1);
    assert_chain(&a, &a.r.sites.items[0], 0, "h_field:h_field>slow>sleep");
    assert_int_equal(a.r.sites.items[1].handlers.count, 2);
    assert_chain(&a, &a.r.sites.items[1], 0, "h_alias:h_alias>step_a>sleep");
    assert_chain(&a, &a.r.sites.items[1], 1, "h_array:h_array>step_a>sleep");
    uint32_t h_field = al_program_find(&a.p, "h_field"), h_array = al_program_find(&a.p, "h_array");
    const al_call *field_call = &a.p.calls.items[a.p.functions.items[h_field].first_call];
    const al_call *array_call = &a.p.calls.items[a.p.functions.items[h_array].first_call];
    assert_int_equal(field_call->via, AL_VIA_FIELD);
    assert_int_equal(array_call->via, AL_VIA_ARRAY);
    uint32_t n;
    al_program_call_targets(&a.p, a.p.functions.items[h_array].first_call, &n);
    assert_int_equal(n, 1); /* step_b is in the other file's array */
    analysis_free(&a);
}

/* An unresolved call may call any address-taken function of its type, only when asked. */
static void test_resolution_by_type_is_opt_in(void **state)
{
    (void)state;
    for (int by_type = 0; by_type < 2; by_type++) {
        al_tu_facts *u = fb_units(1);
        handler(&u[0], "h", 10);
        fb_indirect_call(&u[0], "h", NULL, "c:a.c@20@F@h@f", false, "void (int)", "/src/a.c", 11);
        fb_function(&u[0], "typed", "/src/a.c", 20, 0);
        fb_type(&u[0], "void (int)");
        fb_call(&u[0], "typed", "sleep", "/src/a.c", 21, 5, "1");
        fb_ref(&u[0], "typed", NULL, AL_USE_OTHER, NULL, 0, NULL, "/src/a.c", 40);
        fb_function(&u[0], "other_type", "/src/a.c", 25, 0);
        fb_type(&u[0], "void (char *)");
        fb_call(&u[0], "other_type", "sleep", "/src/a.c", 26, 5, "1");
        fb_ref(&u[0], "other_type", NULL, AL_USE_OTHER, NULL, 0, NULL, "/src/a.c", 41);
        fb_function(&u[0], "never_taken", "/src/a.c", 30, 0);
        fb_type(&u[0], "void (int)");
        fb_call(&u[0], "never_taken", "sleep", "/src/a.c", 31, 5, "1");
        analysis a;
        analyze_indirect(&a, u, 1, by_type);
        if (!by_type) {
            assert_int_equal(a.r.sites.count, 0);
        } else {
            assert_int_equal(a.r.sites.count, 1);
            assert_chain(&a, &a.r.sites.items[0], 0, "h:h>typed>sleep");
            uint32_t h = al_program_find(&a.p, "h");
            assert_int_equal(a.p.calls.items[a.p.functions.items[h].first_call].via, AL_VIA_TYPE);
        }
        analysis_free(&a);
    }
}

/* A dispatcher handler calling handlers through a pointer does not repeat their findings. */
static void test_pointer_calls_do_not_enter_handlers(void **state)
{
    (void)state;
    al_tu_facts *u = fb_units(1);
    handler(&u[0], "dispatch", 10);
    fb_indirect_call(&u[0], "dispatch", "conn.on_line", NULL, false, NULL, "/src/a.c", 11);
    handler(&u[0], "on_tick", 20);
    fb_call(&u[0], "on_tick", "sleep", "/src/a.c", 21, 5, "1");
    fb_store(&u[0], "on_tick", -1, NULL, "conn.on_line", NULL, "/src/a.c", 30);
    analysis a;
    analyze_indirect(&a, u, 1, false);
    assert_int_equal(a.r.sites.count, 1);
    assert_int_equal(a.r.sites.items[0].handlers.count, 1);
    assert_chain(&a, &a.r.sites.items[0], 0, "on_tick:on_tick>sleep");
    analysis_free(&a);
}

/* 200,000 handlers each calling through its own field, set through a wrapper: linear work. */
static void test_many_indirect_calls(void **state)
{
    (void)state;
    enum { N = 200000 };
    al_tu_facts *u = fb_units(1);
    fb_function(&u[0], "set_cb", "/src/a.c", 1, 0);
    fb_store(&u[0], NULL, 1, "set_cb", "conn.on_line", NULL, "/src/a.c", 2);
    char name[64], field[64];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "h%d", i);
        handler(&u[0], name, 10);
        snprintf(field, sizeof(field), "s%d.f", i);
        fb_indirect_call(&u[0], name, field, NULL, false, "void (void)", "/src/a.c", 11);
        snprintf(name, sizeof(name), "t%d", i);
        fb_function(&u[0], name, "/src/a.c", 20, 0);
        fb_store(&u[0], name, -1, "set_cb", field, NULL, "/src/a.c", 21);
        fb_ref(&u[0], name, "set_cb", AL_USE_ARGUMENT, "set_cb", 1, NULL, "/src/a.c", 22);
    }
    fb_call(&u[0], "t7", "sleep", "/src/a.c", 30, 5, "1");
    analysis a;
    analyze_indirect(&a, u, 1, true);
    assert_int_equal(a.r.sites.count, 1);
    assert_int_equal(a.r.sites.items[0].handlers.count, 1);
    assert_chain(&a, &a.r.sites.items[0], 0, "h7:h7>t7>sleep");
    analysis_free(&a);
}

static void test_deep_chain_is_iterative(void **state)
{
    (void)state;
    enum { DEPTH = 100000 };
    al_tu_facts *u = fb_units(1);
    handler(&u[0], "f0", 1);
    char name[32], next[32];
    for (int i = 1; i <= DEPTH; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        fb_function(&u[0], name, "/src/deep.c", (unsigned)i, 0);
    }
    for (int i = 0; i < DEPTH; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        snprintf(next, sizeof(next), "f%d", i + 1);
        fb_call(&u[0], name, next, "/src/deep.c", (unsigned)i, 1, "");
    }
    snprintf(name, sizeof(name), "f%d", DEPTH);
    fb_call(&u[0], name, "sleep", "/src/deep.c", DEPTH + 1, 1, "1");
    analysis a;
    analyze(&a, u, 1, false);
    assert_int_equal(a.r.sites.count, 1);
    assert_int_equal(a.r.sites.items[0].handlers.items[0].length, DEPTH + 1);
    analysis_free(&a);
}

/* Two chains of one length: the one through the function defined first wins, whatever the order
 * of the calls that lead there (and so whatever else the search is doing at the time). */
static void test_ties_go_to_the_earlier_function(void **state)
{
    (void)state;
    al_tu_facts *u = fb_units(1);
    handler(&u[0], "on_a", 1);
    fb_function(&u[0], "earlier", "/src/a.c", 3, 0);
    fb_function(&u[0], "later", "/src/a.c", 4, 0);
    fb_function(&u[0], "target", "/src/a.c", 5, 0);
    fb_call(&u[0], "on_a", "later", "/src/a.c", 10, 1, "");
    fb_call(&u[0], "on_a", "earlier", "/src/a.c", 11, 1, "");
    fb_call(&u[0], "later", "target", "/src/a.c", 12, 1, "");
    fb_call(&u[0], "earlier", "target", "/src/a.c", 13, 1, "");
    fb_call(&u[0], "target", "sleep", "/src/a.c", 14, 1, "1");
    analysis a;
    analyze(&a, u, 1, false);
    assert_int_equal(a.r.sites.count, 1);
    assert_chain(&a, &a.r.sites.items[0], 0, "on_a:on_a>earlier>target>sleep");
    analysis_free(&a);
}

/* 200 handlers (four batches of up to 64) over shared helpers with ties: every site, handler and
 * chain, as text. */
static al_tu_facts *wide_program(void)
{
    enum { HANDLERS = 200 };
    al_tu_facts *u = fb_units(1);
    char name[32], helper[32];
    for (int i = 0; i < HANDLERS; i++) {
        snprintf(name, sizeof(name), "on_%03d", i);
        handler(&u[0], name, (unsigned)(100 + i));
    }
    for (int j = 0; j < 7; j++) {
        snprintf(helper, sizeof(helper), "mid%d", j);
        fb_function(&u[0], helper, "/src/mid.c", (unsigned)(10 + j), 0);
    }
    fb_function(&u[0], "left", "/src/mid.c", 30, 0);
    fb_function(&u[0], "right", "/src/mid.c", 31, 0);
    fb_function(&u[0], "store", "/src/mid.c", 32, 0);
    for (int i = 0; i < HANDLERS; i++) {
        snprintf(name, sizeof(name), "on_%03d", i);
        snprintf(helper, sizeof(helper), "mid%d", i % 7);
        fb_call(&u[0], name, helper, "/src/a.c", (unsigned)(1000 + i), 1, "");
        if (i % 5 == 0) /* a second way in, one call longer */
            fb_call(&u[0], name, "left", "/src/a.c", (unsigned)(2000 + i), 1, "");
    }
    for (int j = 0; j < 7; j++) {
        snprintf(helper, sizeof(helper), "mid%d", j);
        snprintf(name, sizeof(name), "mid%d", (j + 1) % 7); /* a ring */
        fb_call(&u[0], helper, name, "/src/mid.c", (unsigned)(40 + j), 1, "");
        fb_call(&u[0], helper, j % 2 ? "right" : "left", "/src/mid.c", (unsigned)(50 + j), 1, "");
    }
    /* left and right both reach store in one call: a tie, which the earlier function wins */
    fb_call(&u[0], "left", "store", "/src/mid.c", 60, 1, "");
    fb_call(&u[0], "right", "store", "/src/mid.c", 61, 1, "");
    fb_call(&u[0], "right", "sleep", "/src/mid.c", 62, 1, "1");
    fb_call(&u[0], "store", "sleep", "/src/mid.c", 63, 1, "2");
    fb_call(&u[0], "mid3", "sleep", "/src/mid.c", 64, 1, "1");
    return u;
}

static char *dump_reach(const analysis *a)
{
    al_strbuf b = {0};
    for (size_t s = 0; s < a->r.sites.count; s++) {
        const al_site *site = &a->r.sites.items[s];
        al_strbuf_appendf(&b, "site %u:\n", site->call);
        for (size_t h = 0; h < site->handlers.count; h++) {
            char *chain = chain_of(a, site, h);
            al_strbuf_appendf(&b, "  %s (%u pointer calls)\n", chain, site->handlers.items[h].pointers);
            free(chain);
        }
    }
    return al_strbuf_take(&b);
}

/* Handlers are searched 64 at a time, the batches shared out among threads: neither the batch a
 * handler falls in nor the number of threads changes a chain. */
static void test_batches_and_threads_agree(void **state)
{
    (void)state;
    analysis one, two;
    analyze_with_jobs(&one, wide_program(), 1, false, 1);
    analyze_with_jobs(&two, wide_program(), 1, false, 2);
    assert_int_equal(one.r.sites.count, 3);
    char *a = dump_reach(&one), *b = dump_reach(&two);
    assert_string_equal(a, b);
    /* every handler reaches every site; the tie at store goes to left, defined first */
    for (size_t s = 0; s < one.r.sites.count; s++)
        assert_int_equal(one.r.sites.items[s].handlers.count, 200);
    const al_site *store_site = NULL;
    for (size_t s = 0; s < one.r.sites.count; s++) {
        const al_call *call = &one.p.calls.items[one.r.sites.items[s].call];
        if (strcmp(al_program_str(&one.p, one.p.functions.items[call->caller].name), "store") == 0)
            store_site = &one.r.sites.items[s];
    }
    assert_non_null(store_site);
    assert_chain(&one, store_site, 0, "on_000:on_000>left>store>sleep");
    bool via_mid1 = false; /* on_001 > mid1 > right or left: mid1 calls right (odd), so right>store */
    for (size_t h = 0; h < store_site->handlers.count; h++) {
        char *chain = chain_of(&one, store_site, h);
        via_mid1 = via_mid1 || strcmp(chain, "on_001:on_001>mid1>right>store>sleep") == 0;
        free(chain);
    }
    assert_true(via_mid1);
    /* the same shapes in other batches (64 handlers each) give the same chains */
    static const char *const want[] = {"on_070:on_070>left>store>sleep", "on_135:on_135>left>store>sleep",
                                       "on_195:on_195>left>store>sleep", "on_071:on_071>mid1>right>store>sleep",
                                       "on_134:on_134>mid1>right>store>sleep"};
    for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
        bool found = false;
        for (size_t h = 0; h < store_site->handlers.count && !found; h++) {
            char *chain = chain_of(&one, store_site, h);
            found = strcmp(chain, want[w]) == 0;
            free(chain);
        }
        assert_true(found);
    }
    free(a);
    free(b);
    analysis_free(&one);
    analysis_free(&two);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shortest_chains_and_every_handler),
        cmocka_unit_test(test_batches_and_threads_agree),
        cmocka_unit_test(test_ties_go_to_the_earlier_function),
        cmocka_unit_test(test_cycles_terminate),
        cmocka_unit_test(test_annotations_stop_or_mark),
        cmocka_unit_test(test_argument_conditions_and_conditional_apis),
        cmocka_unit_test(test_project_definition_shadows_the_api),
        cmocka_unit_test(test_workers_are_not_searched),
        cmocka_unit_test(test_rules_that_match_definitions),
        cmocka_unit_test(test_unknown_external_functions),
        cmocka_unit_test(test_deep_chain_is_iterative),
        cmocka_unit_test(test_calls_through_fields_and_arrays),
        cmocka_unit_test(test_resolution_by_type_is_opt_in),
        cmocka_unit_test(test_pointer_calls_do_not_enter_handlers),
        cmocka_unit_test(test_many_indirect_calls),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
