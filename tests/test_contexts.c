/* contexts: handler and worker discovery. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "contexts.h"
#include "facts_builder.h"
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

static const al_handler *handler_named(const al_program *p, const al_contexts *c, const char *name)
{
    for (size_t i = 0; i < c->handlers.count; i++)
        if (strcmp(al_program_str(p, p->functions.items[c->handlers.items[i].function].name), name) == 0)
            return &c->handlers.items[i];
    return NULL;
}

static void test_every_kind_of_registration(void **state)
{
    (void)state;
    al_tu_facts *u = fb_units(1);
    const char *names[] = {"by_type", "by_field", "by_annotation", "worker", "thread", "plain", "both"};
    for (int i = 0; i < 7; i++)
        fb_function(&u[0], names[i], "/src/a.c", (unsigned)(10 + i), i == 2 ? AL_ANNOT_HANDLER : 0);
    fb_function(&u[0], "main", "/src/a.c", 50, 0);
    fb_ref(&u[0], "by_type", "main", AL_USE_ARGUMENT, "loop_start", 1, "loop_cb", "/src/a.c", 51);
    fb_ref(&u[0], "by_type", "main", AL_USE_ARGUMENT, "loop_start", 1, "loop_cb", "/src/a.c", 60); /* later */
    fb_ref(&u[0], "by_field", NULL, AL_USE_FIELD, "conn.on_data", 0, "data_fn", "/src/a.c", 5);
    fb_ref(&u[0], "worker", "main", AL_USE_ARGUMENT, "queue", 2, "work_cb", "/src/a.c", 52);
    fb_ref(&u[0], "thread", "main", AL_USE_ARGUMENT, "spawn_thread", 0, "void *(*)(void *)", "/src/a.c", 53);
    fb_ref(&u[0], "plain", "main", AL_USE_ARGUMENT, "qsort", 3, "__compar_fn_t", "/src/a.c", 54);
    fb_ref(&u[0], "both", "main", AL_USE_ARGUMENT, "queue", 2, "work_cb", "/src/a.c", 55);
    fb_ref(&u[0], "both", "main", AL_USE_VARIABLE, "saved", 0, "loop_cb", "/src/a.c", 56);
    fb_ref(&u[0], "external_cb", "main", AL_USE_ARGUMENT, "loop_start", 1, "loop_cb", "/src/a.c", 57);
    al_program p;
    al_program_link(&p, u, 1);
    free(u);
    al_contexts c;
    al_contexts_find(&c, &p, rules, NULL);

    assert_int_equal(c.handlers.count, 4);
    const al_handler *h = handler_named(&p, &c, "by_type");
    assert_non_null(h);
    assert_string_equal(h->kind, "toy loop callback (loop_cb)");
    assert_string_equal(h->family, "toy");
    assert_int_equal(h->registered_at.line, 51); /* the first registration */
    h = handler_named(&p, &c, "by_field");
    assert_string_equal(h->kind, "connection data handler");
    assert_int_equal(h->registered_at.line, 5);
    h = handler_named(&p, &c, "by_annotation");
    assert_string_equal(h->kind, "annotated asynclock:handler");
    assert_string_equal(h->family, "");
    assert_int_equal(h->registered_at.line, 12);
    h = handler_named(&p, &c, "both"); /* a worker and a handler: runs on the loop at least once */
    assert_non_null(h);
    assert_int_equal(h->registered_at.line, 56);
    assert_null(handler_named(&p, &c, "worker"));
    assert_null(handler_named(&p, &c, "thread"));
    assert_null(handler_named(&p, &c, "plain"));
    assert_null(handler_named(&p, &c, "external_cb")); /* not defined in the program */
    assert_int_equal(c.worker_count, 2);
    assert_int_equal(c.role[al_program_find(&p, "worker")], AL_CONTEXT_WORKER);
    assert_int_equal(c.role[al_program_find(&p, "plain")], 0);
    al_contexts_free(&c);
    al_program_free(&p);
}

static void test_registration_through_wrappers(void **state)
{
    (void)state;
    /* watch(fn) passes fn to loop_start as a loop_cb; watch_twice(g) passes g to watch;
     * run_later(w) passes w to queue as a work_cb; keep(x) only tests its parameter */
    al_tu_facts *u = fb_units(1);
    const char *fns[] = {"watch", "watch_twice", "run_later", "keep", "on_ready", "on_deep", "job", "kept", "main"};
    for (int i = 0; i < 9; i++)
        fb_function(&u[0], fns[i], "/src/w.c", (unsigned)(1 + i), 0);
    fb_forward(&u[0], "watch", 1, "loop_start", 1, "loop_cb", "/src/w.c", 20);
    fb_forward(&u[0], "watch_twice", 0, "watch", 1, "void (*)(int)", "/src/w.c", 21);
    fb_forward(&u[0], "run_later", 0, "queue", 2, "work_cb", "/src/w.c", 22);
    fb_ref(&u[0], "on_ready", "main", AL_USE_ARGUMENT, "watch", 1, "void (*)(int)", "/src/w.c", 30);
    fb_ref(&u[0], "on_deep", "main", AL_USE_ARGUMENT, "watch_twice", 0, "void (*)(int)", "/src/w.c", 31);
    fb_ref(&u[0], "job", "main", AL_USE_ARGUMENT, "run_later", 0, "void (*)(void *)", "/src/w.c", 32);
    fb_ref(&u[0], "kept", "main", AL_USE_ARGUMENT, "keep", 0, "void (*)(int)", "/src/w.c", 33);
    fb_ref(&u[0], "on_ready", "main", AL_USE_ARGUMENT, "watch", 0, "void *", "/src/w.c", 34); /* other param */
    al_program p;
    al_program_link(&p, u, 1);
    free(u);
    al_contexts c;
    al_contexts_find(&c, &p, rules, NULL);
    assert_int_equal(c.handlers.count, 2);
    const al_handler *h = handler_named(&p, &c, "on_ready");
    assert_string_equal(h->kind, "toy loop callback (loop_cb) via watch()");
    assert_string_equal(h->family, "toy");
    assert_int_equal(h->registered_at.line, 30);
    h = handler_named(&p, &c, "on_deep");
    assert_string_equal(h->kind, "toy loop callback (loop_cb) via watch_twice()");
    assert_null(handler_named(&p, &c, "job"));
    assert_int_equal(c.role[al_program_find(&p, "job")], AL_CONTEXT_WORKER);
    assert_null(handler_named(&p, &c, "kept"));
    al_contexts_free(&c);
    al_program_free(&p);
}

static void test_name_patterns_and_marker_calls(void **state)
{
    (void)state;
    al_tu_facts *u = fb_units(1);
    fb_function(&u[0], "on_read_event", "/src/m.c", 1, 0);
    fb_function(&u[0], "on_read", "/src/m.c", 2, 0);
    fb_function(&u[0], "flush_queue", "/src/m.c", 3, 0);
    fb_declaration(&u[0], "on_write_event", "/src/m.h", 4, 0); /* declared only: not a handler */
    fb_call(&u[0], "flush_queue", "assert_loop_thread", "/src/m.c", 10, 5, "");
    al_program p;
    al_program_link(&p, u, 1);
    free(u);
    al_contexts c;
    al_contexts_find(&c, &p, rules, NULL);
    assert_int_equal(c.handlers.count, 2);
    const al_handler *h = handler_named(&p, &c, "on_read_event");
    assert_int_equal(h->how, AL_MATCH_NAME_PATTERN);
    assert_string_equal(h->pattern, "on_*_event");
    assert_int_equal(h->registered_at.line, 1);
    h = handler_named(&p, &c, "flush_queue");
    assert_int_equal(h->how, AL_MATCH_MARKER_CALL);
    assert_string_equal(h->kind, "asserts the loop thread");
    assert_int_equal(h->registered_at.line, 10);
    assert_null(handler_named(&p, &c, "on_read"));
    al_contexts_free(&c);
    al_program_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_of_registration),
        cmocka_unit_test(test_registration_through_wrappers),
        cmocka_unit_test(test_name_patterns_and_marker_calls),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
