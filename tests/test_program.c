/* program: linking units into one call graph. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "facts_builder.h"
#include "program.h"

static uint32_t fn(const al_program *p, const char *key)
{
    uint32_t f = al_program_find(p, key);
    assert_int_not_equal(f, AL_NONE);
    return f;
}

static void test_links_calls_across_units(void **state)
{
    (void)state;
    al_tu_facts *u = fb_units(2);
    fb_function(&u[0], "on_read", "/src/a.c", 10, 0);
    fb_call(&u[0], "on_read", "parse", "/src/a.c", 11, 5, "u");
    fb_call(&u[0], "on_read", "sleep", "/src/a.c", 12, 5, "1");
    fb_function(&u[1], "parse", "/src/b.c", 3, 0);
    fb_call(&u[1], "parse", "fopen", "/src/b.c", 4, 9, "uu");
    al_program p;
    al_program_link(&p, u, 2);
    free(u);

    assert_int_equal(p.units.count, 2);
    uint32_t on_read = fn(&p, "on_read"), parse = fn(&p, "parse");
    const al_function *f = &p.functions.items[on_read];
    assert_true(f->defined);
    assert_string_equal(al_program_str(&p, f->loc.file), "/src/a.c");
    assert_int_equal(f->call_count, 2);
    const al_call *c = &p.calls.items[f->first_call];
    assert_int_equal(c->callee, parse);
    assert_int_equal(c->loc.line, 11);
    c = &p.calls.items[f->first_call + 1];
    assert_int_equal(c->callee, AL_NONE); /* sleep: declared nowhere in the program */
    assert_string_equal(al_program_str(&p, c->callee_name), "sleep");
    assert_int_equal(c->arg_count, 1);
    assert_int_equal(p.args.items[c->first_arg].value, 1);
    f = &p.functions.items[parse];
    assert_int_equal(f->call_count, 1);
    assert_string_equal(al_program_str(&p, p.calls.items[f->first_call].callee_name), "fopen");
    assert_int_equal(p.calls.items[f->first_call].arg_count, 2);
    al_program_free(&p);
}

static void test_header_function_is_owned_by_its_first_unit(void **state)
{
    (void)state;
    /* a static inline helper of a header: both units define it and record its call */
    al_tu_facts *u = fb_units(2);
    for (int i = 0; i < 2; i++) {
        fb_function(&u[i], "slow@/src/slow.h", "/src/slow.h", 2, 0);
        fb_call(&u[i], "slow@/src/slow.h", "sleep", "/src/slow.h", 2, 30, "1");
        fb_ref(&u[i], "slow@/src/slow.h", "slow@/src/slow.h", AL_USE_OTHER, NULL, 0, NULL, "/src/slow.h", 2);
    }
    al_program p;
    al_program_link(&p, u, 2);
    free(u);
    uint32_t slow = fn(&p, "slow@/src/slow.h");
    assert_int_equal(p.functions.count, 1);
    assert_int_equal(p.functions.items[slow].call_count, 1);
    assert_int_equal(p.calls.count, 1);
    assert_int_equal(p.refs.count, 1);
    al_program_free(&p);
}

static void test_annotations_merge_over_declarations(void **state)
{
    (void)state;
    al_tu_facts *u = fb_units(2);
    fb_declaration(&u[0], "wait_reply", "/src/net.h", 5, AL_ANNOT_BLOCKING);
    fb_function(&u[1], "wait_reply", "/src/net.c", 20, 0);
    fb_declaration(&u[1], "remote", "/src/net.h", 6, AL_ANNOT_NONBLOCKING);
    al_program p;
    al_program_link(&p, u, 2);
    free(u);
    const al_function *f = &p.functions.items[fn(&p, "wait_reply")];
    assert_int_equal(f->annotations, AL_ANNOT_BLOCKING);
    assert_true(f->defined);
    assert_string_equal(al_program_str(&p, f->loc.file), "/src/net.c");
    f = &p.functions.items[fn(&p, "remote")];
    assert_false(f->defined);
    assert_int_equal(f->loc.line, 6);
    al_program_free(&p);
}

static void test_failed_units_are_kept_in_the_status(void **state)
{
    (void)state;
    al_tu_facts *u = fb_units(3);
    u[1].parsed = false;
    u[1].failure = al_xstrdup("/src/unit1.c: error: cannot read source file: No such file or directory");
    u[2].error_count = 2;
    u[2].failure = al_xstrdup("/src/unit2.c:3:4: error: expected ';'");
    fb_function(&u[2], "partial", "/src/unit2.c", 1, 0);
    al_program p;
    al_program_link(&p, u, 3);
    free(u);
    assert_int_equal(al_unit_set_failed(p.set), 2);
    assert_false(al_program_unit(&p, 1)->parsed);
    assert_string_equal(al_program_unit(&p, 2)->failure, "/src/unit2.c:3:4: error: expected ';'");
    assert_null(al_program_unit(&p, 0)->failure);
    assert_int_not_equal(al_program_find(&p, "partial"), AL_NONE); /* facts of a partial parse are used */
    al_program_free(&p);
}

/* What calls through pointers need survives linking: the loaded variable's key, the called type,
 * the parameter, function types, stores' keys and aliases, as program strings. */
static void test_links_indirect_call_facts(void **state)
{
    (void)state;
    al_tu_facts *u = fb_units(1);
    fb_function(&u[0], "run", "/src/a.c", 1, 0);
    fb_type(&u[0], "void (int)");
    fb_indirect_call(&u[0], "run", NULL, "c:steps@/src/a.c", true, "void (int)", "/src/a.c", 2);
    u[0].calls.items[0].param = 0;
    fb_store(&u[0], "run", -1, NULL, NULL, "c:steps@/src/a.c", "/src/a.c", 3);
    fb_alias(&u[0], "c:t@/src/a.c", "c:steps@/src/a.c");
    al_program p;
    al_program_link(&p, u, 1);
    free(u);
    const al_call *c = &p.calls.items[0];
    assert_true(c->indirect);
    assert_int_equal(c->callee, AL_NONE);
    assert_true(c->subscripted);
    assert_int_equal(c->param, 0);
    assert_string_equal(al_program_str(&p, c->variable), "c:steps@/src/a.c");
    assert_string_equal(al_program_str(&p, c->pointee_type), "void (int)");
    assert_string_equal(al_program_str(&p, p.functions.items[fn(&p, "run")].type), "void (int)");
    assert_int_equal(p.refs.count, 1);
    assert_int_equal(p.refs.items[0].variable, c->variable);
    assert_int_equal(p.aliases.count, 1);
    assert_int_equal(p.aliases.items[0].source, c->variable);
    assert_string_equal(al_program_str(&p, p.aliases.items[0].variable), "c:t@/src/a.c");
    /* before al_indirect_resolve an indirect call has no targets */
    uint32_t n = 7;
    al_program_call_targets(&p, 0, &n);
    assert_int_equal(n, 0);
    al_program_free(&p);
}

static void test_find_by_name_lists_every_static_copy(void **state)
{
    (void)state;
    al_tu_facts *u = fb_units(2);
    al_fact_function a = {fb_str(&u[0], "c:util.c@F@helper@/a/util.c"),
                          fb_str(&u[0], "helper"),
                          fb_loc(&u[0], "/a/util.c", 1, 1),
                          true,
                          0,
                          0,
                          false};
    AL_VEC_PUSH(u[0].functions, a);
    al_fact_function b = {fb_str(&u[1], "c:util.c@F@helper@/b/util.c"),
                          fb_str(&u[1], "helper"),
                          fb_loc(&u[1], "/b/util.c", 1, 1),
                          true,
                          0,
                          0,
                          false};
    AL_VEC_PUSH(u[1].functions, b);
    al_program p;
    al_program_link(&p, u, 2);
    free(u);
    uint32_t found[4];
    assert_int_equal(al_program_find_by_name(&p, "helper", found, 4), 2);
    assert_int_not_equal(found[0], found[1]);
    assert_int_equal(al_program_find_by_name(&p, "nothing", found, 4), 0);
    al_program_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_links_calls_across_units),
        cmocka_unit_test(test_header_function_is_owned_by_its_first_unit),
        cmocka_unit_test(test_annotations_merge_over_declarations),
        cmocka_unit_test(test_failed_units_are_kept_in_the_status),
        cmocka_unit_test(test_find_by_name_lists_every_static_copy),
        cmocka_unit_test(test_links_indirect_call_facts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
