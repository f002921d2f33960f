/* extract: parses real C with the real libclang and checks the recorded facts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_helpers.h"

static const char *const gcc[] = {"gcc", "-O2", "-fno-tree-vrp", "-mindirect-branch=thunk-extern", "-Wall", "-c", "x.c",
                                  "-o",  "x.o"};
#define GCC_ARGC ((int)(sizeof(gcc) / sizeof(gcc[0])))

static const char *S(const al_tu_facts *tu, uint32_t id)
{
    return al_str(&tu->strings, id);
}

static const al_fact_function *function_named(const al_tu_facts *tu, const char *name)
{
    for (size_t i = 0; i < tu->functions.count; i++)
        if (strcmp(S(tu, tu->functions.items[i].name), name) == 0)
            return &tu->functions.items[i];
    return NULL;
}

/* The n-th call (from 0) to `callee`. */
static const al_fact_call *call_to(const al_tu_facts *tu, const char *callee, int n)
{
    for (size_t i = 0; i < tu->calls.count; i++)
        if (strcmp(S(tu, tu->calls.items[i].callee_name), callee) == 0 && n-- == 0)
            return &tu->calls.items[i];
    return NULL;
}

static const al_fact_ref *ref_to(const al_tu_facts *tu, const char *function, int n)
{
    for (size_t i = 0; i < tu->refs.count; i++)
        if (strcmp(S(tu, tu->refs.items[i].function_name), function) == 0 && n-- == 0)
            return &tu->refs.items[i];
    return NULL;
}

static void test_definitions_and_calls(void **state)
{
    (void)state;
    free(test_write("calls.c", "#include <unistd.h>\n"
                               "static void helper(void) { sleep(1); }\n"
                               "void entry(void) {\n"
                               "    helper();\n"
                               "}\n"));
    al_tu_facts tu;
    test_extract("calls.c", gcc, GCC_ARGC, &tu);
    assert_true(tu.parsed);
    assert_int_equal(tu.error_count, 0);
    assert_int_equal(tu.functions.count, 2);
    const al_fact_function *entry = function_named(&tu, "entry");
    assert_non_null(entry);
    assert_true(entry->defined);
    assert_int_equal(entry->loc.line, 3);
    assert_string_equal(S(&tu, entry->key), "c:@F@entry");
    const al_fact_function *helper = function_named(&tu, "helper");
    /* static: the USR is qualified with the defining file's full path */
    char *want = al_xasprintf("c:calls.c@F@helper@%s/calls.c", AL_TEST_WORK_DIR);
    assert_string_equal(S(&tu, helper->key), want);
    free(want);

    assert_int_equal(tu.calls.count, 2);
    const al_fact_call *sleep_call = call_to(&tu, "sleep", 0);
    assert_non_null(sleep_call);
    assert_int_equal(sleep_call->caller, helper->key);
    assert_int_equal(sleep_call->loc.line, 2);
    assert_int_equal(sleep_call->loc.column, 28);
    assert_string_equal(S(&tu, sleep_call->callee_key), "c:@F@sleep");
    assert_int_equal(sleep_call->arg_count, 1);
    assert_int_equal(tu.args.items[sleep_call->first_arg].kind, AL_ARG_INT);
    assert_int_equal(tu.args.items[sleep_call->first_arg].value, 1);
    const al_fact_call *helper_call = call_to(&tu, "helper", 0);
    assert_int_equal(helper_call->caller, entry->key);
    assert_int_equal(helper_call->callee_key, helper->key);
    assert_int_equal(helper_call->loc.line, 4);
    assert_int_equal(helper_call->loc.column, 5);
    al_tu_facts_free(&tu);
}

/* Writes `text` (a format with up to two %s, given "a" or "b") to two files and extracts both. */
static void extract_two(const char *text, const char *path_a, const char *path_b, al_tu_facts *ta, al_tu_facts *tb)
{
    char *a = al_xasprintf(text, "a", "a");
    char *b = al_xasprintf(text, "b", "b");
    free(test_write(path_a, a));
    free(test_write(path_b, b));
    test_extract(path_a, gcc, GCC_ARGC, ta);
    test_extract(path_b, gcc, GCC_ARGC, tb);
    free(a);
    free(b);
}

static void test_same_static_name_in_two_folders(void **state)
{
    (void)state;
    const char *text = "static void helper(void) {}\nvoid use_%s(void) { helper(); }\n";
    al_tu_facts ta, tb;
    extract_two(text, "a/util.c", "b/util.c", &ta, &tb);
    const char *ka = S(&ta, function_named(&ta, "helper")->key);
    const char *kb = S(&tb, function_named(&tb, "helper")->key);
    assert_string_not_equal(ka, kb);
    assert_non_null(strstr(ka, "/a/util.c"));
    assert_non_null(strstr(kb, "/b/util.c"));
    /* the call links to the same key as the definition */
    assert_string_equal(S(&ta, call_to(&ta, "helper", 0)->callee_key), ka);
    al_tu_facts_free(&ta);
    al_tu_facts_free(&tb);
}

/* Calls through pointers name what they load: the field, or the variable's link key (a static
 * array's qualified by its file, so two files' `steps` differ), whether it was subscripted, and the
 * called function type; definitions carry their type; stores into variables carry the key. */
static void test_indirect_call_facts(void **state)
{
    (void)state;
    const char *text = "typedef void (*step_fn)(int);\n"
                       "struct cmd { const char *name; step_fn fn; };\n"
                       "static void first(int n) { (void)n; }\n"
                       "static step_fn steps[] = {first};\n"
                       "static struct cmd cmds[] = {{\"a\", first}};\n"
                       "void run_%s(struct cmd *c, int i) {\n"
                       "    steps[i](i);\n"
                       "    cmds[i].fn(i);\n"
                       "    c->fn(i);\n"
                       "    step_fn f = first;\n"
                       "    f(1);\n"
                       "    (*f)(2);\n"
                       "    step_fn *t = steps;\n"
                       "    t[0](3);\n"
                       "}\n"
                       "void each_%s(int n, step_fn fn) { fn(n); }\n";
    al_tu_facts ta, tb;
    extract_two(text, "ia/steps.c", "ib/steps.c", &ta, &tb);

    assert_string_equal(S(&ta, function_named(&ta, "first")->type), "void (int)");
    assert_string_equal(S(&ta, function_named(&ta, "run_a")->type), "void (struct cmd *, int)");

    const al_fact_call *through_array = call_to(&ta, "steps", 0);
    assert_non_null(through_array);
    assert_int_equal(through_array->callee_key, 0);
    assert_true(through_array->subscripted);
    assert_string_equal(S(&ta, through_array->pointee_type), "void (int)");
    const char *key_a = S(&ta, through_array->variable_key);
    const char *key_b = S(&tb, call_to(&tb, "steps", 0)->variable_key);
    assert_non_null(strstr(key_a, "/ia/steps.c"));
    assert_non_null(strstr(key_b, "/ib/steps.c"));
    assert_string_not_equal(key_a, key_b);

    /* the array initializer stores `first` under the same key the call loads */
    const al_fact_ref *in_array = ref_to(&ta, "first", 0);
    assert_int_equal(in_array->use, AL_USE_VARIABLE);
    assert_string_equal(S(&ta, in_array->variable_key), key_a);
    /* a positional initializer of an array of structs stores into the field */
    const al_fact_ref *in_table = ref_to(&ta, "first", 1);
    assert_int_equal(in_table->use, AL_USE_FIELD);
    assert_string_equal(S(&ta, in_table->target), "cmd.fn");

    for (int n = 0; n < 2; n++) {
        const al_fact_call *field = call_to(&ta, "cmd.fn", n);
        assert_non_null(field);
        assert_int_equal(field->variable_key, 0);
        assert_false(field->subscripted);
        assert_string_equal(S(&ta, field->pointee_type), "void (int)");
    }

    /* a local pointer: the store and the call agree on its key */
    const al_fact_ref *local = ref_to(&ta, "first", 2);
    assert_int_equal(local->use, AL_USE_VARIABLE);
    const al_fact_call *through_local = call_to(&ta, "f", 0);
    assert_non_null(through_local);
    assert_false(through_local->subscripted);
    assert_string_equal(S(&ta, through_local->variable_key), S(&ta, local->variable_key));
    const al_fact_call *dereferenced = call_to(&ta, "f", 1); /* (*f)(2) */
    assert_non_null(dereferenced);
    assert_string_equal(S(&ta, dereferenced->variable_key), S(&ta, local->variable_key));
    /* through a parameter: which one */
    const al_fact_call *through_param = call_to(&ta, "fn", 0);
    assert_non_null(through_param);
    assert_int_equal(through_param->param, 1);
    assert_int_equal(call_to(&ta, "f", 0)->param, -1);
    assert_int_equal(call_to(&ta, "cmd.fn", 0)->param, -1);
    /* `step_fn *t = steps;` copies the array: the only alias of the unit */
    assert_int_equal(ta.aliases.count, 1);
    assert_string_equal(S(&ta, ta.aliases.items[0].source_key), key_a);
    assert_string_equal(S(&ta, ta.aliases.items[0].variable_key), S(&ta, call_to(&ta, "t", 0)->variable_key));
    assert_string_not_equal(S(&ta, local->variable_key), key_a);
    al_tu_facts_free(&ta);
    al_tu_facts_free(&tb);
}

static const char uv_refs[] = "#include <uv.h>\n"                                                         /* 1 */
                              "#define START(t, cb) uv_timer_start((t), (cb), 0, 0)\n"                    /* 2 */
                              "struct ops { uv_timer_cb tick; int n; uv_close_cb closed; };\n"            /* 3 */
                              "static void on_tick(uv_timer_t *t) { (void)t; }\n"                         /* 4 */
                              "static void on_close(uv_handle_t *h) { (void)h; }\n"                       /* 5 */
                              "static struct ops positional = { on_tick, 1, on_close };\n"                /* 6 */
                              "static struct ops designated = { .closed = on_close, .tick = on_tick };\n" /* 7 */
                              "void reg(uv_timer_t *t, struct ops *o, uv_timer_cb cb) {\n"                /* 8 */
                              "    uv_timer_start(t, on_tick, 0, 0);\n"                                   /* 9 */
                              "    uv_timer_start(t, (uv_timer_cb)&on_tick, 0, 0);\n"                     /* 10 */
                              "    START(t, on_tick);\n"                                                  /* 11 */
                              "    o->tick = on_tick;\n"                                                  /* 12 */
                              "    uv_timer_cb local = on_tick;\n"                                        /* 13 */
                              "    if (cb == on_tick) (void)local;\n"                                     /* 14 */
                              "    (void)positional; (void)designated;\n"                                 /* 15 */
                              "}\n";

static void test_reference_uses(void **state)
{
    (void)state;
    free(test_write("refs.c", uv_refs));
    al_tu_facts tu;
    test_extract("refs.c", gcc, GCC_ARGC, &tu);
    assert_true(tu.parsed);
    assert_int_equal(tu.error_count, 0);

    /* file scope: positional and designated initializers, in source order */
    const al_fact_ref *r = ref_to(&tu, "on_tick", 0);
    assert_int_equal(r->loc.line, 6);
    assert_int_equal(r->use, AL_USE_FIELD);
    assert_string_equal(S(&tu, r->target), "ops.tick");
    assert_string_equal(S(&tu, r->type_name), "uv_timer_cb");
    assert_int_equal(r->enclosing, 0);
    r = ref_to(&tu, "on_close", 0);
    assert_int_equal(r->use, AL_USE_FIELD);
    assert_string_equal(S(&tu, r->target), "ops.closed");
    assert_string_equal(S(&tu, r->type_name), "uv_close_cb");
    r = ref_to(&tu, "on_close", 1);
    assert_int_equal(r->loc.line, 7);
    assert_string_equal(S(&tu, r->target), "ops.closed");
    r = ref_to(&tu, "on_tick", 1);
    assert_int_equal(r->loc.line, 7);
    assert_int_equal(r->use, AL_USE_FIELD);
    assert_string_equal(S(&tu, r->target), "ops.tick");

    /* argument of a call, plain, through a cast and '&', and through a macro */
    for (int i = 2; i <= 4; i++) {
        r = ref_to(&tu, "on_tick", i);
        assert_int_equal(r->loc.line, 9 + (i - 2));
        assert_int_equal(r->use, AL_USE_ARGUMENT);
        assert_string_equal(S(&tu, r->target), "uv_timer_start");
        assert_int_equal(r->index, 1);
        assert_string_equal(S(&tu, r->type_name), "uv_timer_cb");
        assert_string_equal(S(&tu, r->enclosing), "c:@F@reg");
    }
    /* assignment to a field, initialization of a variable, comparison */
    r = ref_to(&tu, "on_tick", 5);
    assert_int_equal(r->loc.line, 12);
    assert_int_equal(r->use, AL_USE_FIELD);
    assert_string_equal(S(&tu, r->target), "ops.tick");
    assert_string_equal(S(&tu, r->type_name), "uv_timer_cb");
    r = ref_to(&tu, "on_tick", 6);
    assert_int_equal(r->loc.line, 13);
    assert_int_equal(r->use, AL_USE_VARIABLE);
    assert_string_equal(S(&tu, r->target), "local");
    assert_string_equal(S(&tu, r->type_name), "uv_timer_cb");
    r = ref_to(&tu, "on_tick", 7);
    assert_int_equal(r->loc.line, 14);
    assert_int_equal(r->use, AL_USE_OTHER);
    assert_null(ref_to(&tu, "on_tick", 8));
    /* the macro's call is recorded where the macro is used */
    const al_fact_call *c = call_to(&tu, "uv_timer_start", 2);
    assert_int_equal(c->loc.line, 11);
    al_tu_facts_free(&tu);
}

static void test_type_names_of_anonymous_structs_and_function_types(void **state)
{
    (void)state;
    free(test_write("names.c", "typedef void fileProc(int fd, void *data);\n"
                               "typedef void (*io_cb)(int fd);\n"
                               "typedef struct { io_cb on_readable; } conn_t;\n"
                               "void create_event(int fd, fileProc *proc);\n"
                               "static void on_file(int fd, void *data) { (void)fd; (void)data; }\n"
                               "static void on_io(int fd) { (void)fd; }\n"
                               "void reg(conn_t *c) {\n"
                               "    create_event(1, on_file);\n"
                               "    c->on_readable = on_io;\n"
                               "}\n"));
    al_tu_facts tu;
    test_extract("names.c", gcc, GCC_ARGC, &tu);
    assert_int_equal(tu.error_count, 0);
    const al_fact_ref *r = ref_to(&tu, "on_file", 0);
    assert_int_equal(r->use, AL_USE_ARGUMENT);
    assert_string_equal(S(&tu, r->type_name), "fileProc"); /* not "fileProc *" */
    r = ref_to(&tu, "on_io", 0);
    assert_int_equal(r->use, AL_USE_FIELD);
    assert_string_equal(S(&tu, r->target), "conn_t.on_readable");
    assert_string_equal(S(&tu, r->type_name), "io_cb");
    al_tu_facts_free(&tu);
}

static void test_parameter_forwards(void **state)
{
    (void)state;
    free(test_write("fwd.c", "typedef void (*io_cb)(int fd);\n"
                             "void loop_watch(int fd, io_cb cb, void *arg);\n"
                             "struct conn { io_cb on_readable; };\n"
                             "void watch(int fd, void (*fn)(int), void *arg, int flags) {\n"
                             "    if (fn && flags)\n"
                             "        loop_watch(fd, fn, arg);\n"
                             "}\n"
                             "void keep(struct conn *c, io_cb fn) { c->on_readable = fn; fn(1); }\n"));
    al_tu_facts tu;
    test_extract("fwd.c", gcc, GCC_ARGC, &tu);
    assert_int_equal(tu.error_count, 0);
    /* fn and arg of watch are passed on (fn as io_cb, arg as void *); the test and flags are not */
    assert_int_equal(tu.refs.count, 3);
    const al_fact_ref *r = &tu.refs.items[0];
    assert_int_equal(r->param, 1);
    assert_int_equal(r->function_key, 0);
    assert_string_equal(S(&tu, r->enclosing), "c:@F@watch");
    assert_int_equal(r->use, AL_USE_ARGUMENT);
    assert_string_equal(S(&tu, r->target), "loop_watch");
    assert_string_equal(S(&tu, r->target_key), "c:@F@loop_watch");
    assert_int_equal(r->index, 1);
    assert_string_equal(S(&tu, r->type_name), "io_cb");
    r = &tu.refs.items[1];
    assert_int_equal(r->param, 2);
    assert_int_equal(r->index, 2);
    assert_string_equal(S(&tu, r->type_name), "void *");
    r = &tu.refs.items[2];
    assert_int_equal(r->param, 1);
    assert_string_equal(S(&tu, r->enclosing), "c:@F@keep");
    assert_int_equal(r->use, AL_USE_FIELD);
    assert_string_equal(S(&tu, r->target), "conn.on_readable");
    al_tu_facts_free(&tu);
}

static void test_assignments_and_call_arguments(void **state)
{
    (void)state;
    free(test_write("assign.c", "#include <fcntl.h>\n"
                                "#include <stdio.h>\n"
                                "#include <unistd.h>\n"
                                "void f(const char *path) {\n"
                                "    int fd = open(path, O_RDONLY);\n"
                                "    int other;\n"
                                "    other = fileno(fopen(path, \"r\"));\n"
                                "    if (fd == open(path, O_RDONLY | O_NONBLOCK)) (void)0;\n"
                                "    (void)read(fd, 0, 0);\n"
                                "    close(other);\n"
                                "}\n"
                                "struct log { const char *name; int fd; };\n"
                                "void g(const char *path) {\n"
                                "    struct log a = {.fd = open(path, O_WRONLY)};\n"
                                "    struct log b = {path, creat(path, 0600)};\n"
                                "    (void)a; (void)b;\n"
                                "}\n"));
    al_tu_facts tu;
    test_extract("assign.c", gcc, GCC_ARGC, &tu);
    assert_int_equal(tu.error_count, 0);
    const al_fact_call *c = call_to(&tu, "open", 0);
    assert_string_equal(S(&tu, c->assigned_to), "fd");
    assert_int_equal(tu.args.items[c->first_arg + 1].kind, AL_ARG_INT);
    assert_int_equal(tu.args.items[c->first_arg + 1].value, 0);
    c = call_to(&tu, "fileno", 0);
    assert_string_equal(S(&tu, c->assigned_to), "other");
    assert_int_equal(tu.args.items[c->first_arg].kind, AL_ARG_CALL);
    assert_string_equal(S(&tu, tu.args.items[c->first_arg].name), "fopen");
    assert_int_equal(call_to(&tu, "fopen", 0)->assigned_to, 0); /* an argument, not stored */
    c = call_to(&tu, "open", 1);                                /* compared, not assigned */
    assert_int_equal(c->assigned_to, 0);
    assert_int_equal(tu.args.items[c->first_arg + 1].value, 04000);
    c = call_to(&tu, "read", 0);
    assert_int_equal(c->assigned_to, 0);
    assert_int_equal(tu.args.items[c->first_arg].kind, AL_ARG_VARIABLE);
    assert_string_equal(S(&tu, tu.args.items[c->first_arg].name), "fd");
    /* an initializer's field, designated or by position, is where the result goes */
    assert_string_equal(S(&tu, call_to(&tu, "open", 2)->assigned_field), "log.fd");
    assert_string_equal(S(&tu, call_to(&tu, "creat", 0)->assigned_field), "log.fd");
    al_tu_facts_free(&tu);
}

/* The install of `function` into `descriptor` (a name the key ends with, or holds before "@"). */
static const al_fact_install *install_of(const al_tu_facts *tu, const char *function, const char *descriptor)
{
    uint32_t key = function_named(tu, function)->key;
    for (size_t i = 0; i < tu->installs.count; i++) {
        const al_fact_install *in = &tu->installs.items[i];
        const char *d = S(tu, in->descriptor);
        const char *at = strstr(d, descriptor);
        if (in->function == key && at && (at[strlen(descriptor)] == '@' || at[strlen(descriptor)] == '\0'))
            return in;
    }
    return NULL;
}

/* The object a call goes through (al_fact_object), or NULL. */
static const al_fact_object *object_of(const al_tu_facts *tu, const al_fact_call *c)
{
    for (size_t i = 0; i < tu->objects.count; i++)
        if (&tu->calls.items[tu->objects.items[i].call] == c)
            return &tu->objects.items[i];
    return NULL;
}

/* Container instances: the object a call through a slot goes through (a parameter, a local, and
 * the field on the way), the address of a variable as an argument, and objects set up from a
 * descriptor (copied whole, its address into a field, a local initialized with it); what is not
 * a descriptor (a non-static source, an int) sets nothing up. */
static void test_container_instance_facts(void **state)
{
    (void)state;
    free(test_write("inst.c", "typedef struct ops { int (*write)(int); } ops;\n"
                              "typedef struct io { int (*write)(int); int n; } io;\n"
                              "typedef struct table { const ops *type; } table;\n"
                              "static int w(int x) { return x; }\n"
                              "static const io file_io = {w, 0};\n"
                              "static ops plain = {w};\n"
                              "static void init_file(io *r) { *r = file_io; }\n"
                              "static void init_table(table *t) { t->type = &plain; }\n"
                              "static int run(io *r, table *t) {\n"
                              "    io copy = file_io;\n"
                              "    io other = *r;\n"
                              "    int n = 0;\n"
                              "    n = n + 1;\n"
                              "    init_file(&copy);\n"
                              "    return r->write(1) + t->type->write(2) + copy.write(n) + other.write(0);\n"
                              "}\n"
                              "int main(void) { io r; table t; init_table(&t); return run(&r, &t); }\n"));
    al_tu_facts tu;
    test_extract("inst.c", gcc, GCC_ARGC, &tu);
    assert_int_equal(tu.error_count, 0);
    const al_fact_install *in = install_of(&tu, "init_file", "file_io");
    assert_non_null(in);
    assert_int_equal(in->param, 0);
    assert_int_equal(in->local, 0);
    assert_int_equal(in->field, 0);
    in = install_of(&tu, "init_table", "plain");
    assert_non_null(in);
    assert_int_equal(in->param, 0);
    assert_string_equal(S(&tu, in->field), "table.type");
    in = install_of(&tu, "run", "file_io");
    assert_non_null(in);
    assert_int_equal(in->param, -1);
    assert_string_equal(S(&tu, in->local), "copy");
    assert_int_equal(tu.installs.count, 3); /* `other = *r` copies no descriptor */

    const al_fact_object *o = object_of(&tu, call_to(&tu, "io.write", 0));
    assert_int_equal(o->param, 0);
    assert_int_equal(o->field, 0);
    o = object_of(&tu, call_to(&tu, "ops.write", 0));
    assert_int_equal(o->param, 1);
    assert_string_equal(S(&tu, o->field), "table.type");
    o = object_of(&tu, call_to(&tu, "io.write", 1));
    assert_int_equal(o->param, -1);
    assert_string_equal(S(&tu, o->local), "copy");
    assert_int_equal(tu.objects.count, 4);                     /* and `other.write` */
    assert_null(object_of(&tu, call_to(&tu, "init_file", 0))); /* a direct call */
    const al_fact_call *c = call_to(&tu, "init_file", 0);
    assert_int_equal(tu.args.items[c->first_arg].kind, AL_ARG_ADDRESS);
    assert_string_equal(S(&tu, tu.args.items[c->first_arg].name), "copy");
    assert_int_equal(tu.args.items[c->first_arg].key, 0); /* a local */
    al_tu_facts_free(&tu);
}

/* A field's address as an argument names the field (a lock in a struct: `&stats.mutex`,
 * `&c->lock`); a variable's, the variable, and an element's, its array (`&locks[i]`). A header's
 * `extern` declaration that nothing uses interns nothing. Inside a switch, a case label is where
 * the switch enters its body (`label_before`). */
static void test_field_address_arguments(void **state)
{
    (void)state;
    free(test_write("lockargs.c", "#include <pthread.h>\n"
                                  "struct stats { pthread_mutex_t mutex; long n; } stats;\n"
                                  "struct conn { pthread_mutex_t lock; };\n"
                                  "static pthread_mutex_t global_lock;\n"
                                  "static pthread_mutex_t bucket_locks[8];\n"
                                  "extern int never_used_anywhere;\n"
                                  "void f(struct conn *c, int i) {\n"
                                  "    pthread_mutex_lock(&stats.mutex);\n"
                                  "    pthread_mutex_lock(&c->lock);\n"
                                  "    pthread_mutex_lock(&global_lock);\n"
                                  "    pthread_mutex_lock(&bucket_locks[i & 7]);\n"
                                  "    switch (i) {\n"
                                  "    case 1:\n"
                                  "        pthread_mutex_unlock(&global_lock);\n"
                                  "        break;\n"
                                  "    case 2:\n"
                                  "        pthread_mutex_unlock(&stats.mutex);\n"
                                  "    }\n"
                                  "}\n"));
    al_tu_facts tu;
    test_extract("lockargs.c", gcc, GCC_ARGC, &tu);
    assert_int_equal(tu.error_count, 0);
    const al_fact_call *c = call_to(&tu, "pthread_mutex_lock", 0);
    assert_int_equal(tu.args.items[c->first_arg].kind, AL_ARG_FIELD_ADDRESS);
    assert_string_equal(S(&tu, tu.args.items[c->first_arg].name), "stats.mutex");
    c = call_to(&tu, "pthread_mutex_lock", 1);
    assert_int_equal(tu.args.items[c->first_arg].kind, AL_ARG_FIELD_ADDRESS);
    assert_string_equal(S(&tu, tu.args.items[c->first_arg].name), "conn.lock");
    c = call_to(&tu, "pthread_mutex_lock", 2);
    assert_int_equal(tu.args.items[c->first_arg].kind, AL_ARG_ADDRESS);
    assert_string_equal(S(&tu, tu.args.items[c->first_arg].name), "global_lock");
    assert_int_not_equal(tu.args.items[c->first_arg].key, 0);
    c = call_to(&tu, "pthread_mutex_lock", 3);
    assert_int_equal(tu.args.items[c->first_arg].kind, AL_ARG_ADDRESS);
    assert_string_equal(S(&tu, tu.args.items[c->first_arg].name), "bucket_locks");
    for (uint32_t id = 0; id < tu.strings.count; id++)
        assert_null(strstr(S(&tu, id), "never_used_anywhere"));
    const al_fact_call *first = call_to(&tu, "pthread_mutex_unlock", 0);
    const al_fact_call *second = call_to(&tu, "pthread_mutex_unlock", 1);
    assert_int_not_equal(second->label_before, 0);
    assert_true(second->label_before > first->label_before); /* a later case */
    al_tu_facts_free(&tu);
}

static const al_fact_variable *variable_named(const al_tu_facts *tu, const char *name)
{
    for (size_t i = 0; i < tu->variables.count; i++)
        if (strcmp(S(tu, tu->variables.items[i].name), name) == 0)
            return &tu->variables.items[i];
    return NULL;
}

/* Whether `function` (NULL: file scope) uses the variable whose key ends in `name` this way. */
static bool used(const al_tu_facts *tu, const char *function, const char *name, al_var_use_kind kind)
{
    const al_fact_function *f = function ? function_named(tu, function) : NULL;
    uint32_t key = f ? f->key : 0;
    for (size_t i = 0; i < tu->var_uses.count; i++) {
        const al_fact_var_use *u = &tu->var_uses.items[i];
        const char *v = S(tu, u->variable);
        size_t n = strlen(v), m = strlen(name);
        bool named = n >= m && strcmp(v + n - m, name) == 0;
        const char *at = strstr(v, name); /* a static's key is qualified with its file */
        if (u->function == key && u->kind == kind && (named || (at && at[m] == '@')))
            return true;
    }
    return false;
}

/* Variables with static storage: their definitions with constant values, and how each function
 * uses them (read, written, address taken); locals are not recorded. */
static void test_variables_and_their_uses(void **state)
{
    (void)state;
    free(test_write("vars.c", "#define VERBOSE 2\n"
                              "static int debugmsg = 0;\n"
                              "static int level = VERBOSE + 1;\n"
                              "int counter;\n"
                              "extern int elsewhere;\n"
                              "static const char *name = \"x\";\n"
                              "struct conf { int port; } conf;\n"
                              "static int *table[] = {&counter};\n"
                              "int f(int x) {\n"
                              "    static int calls;\n"
                              "    int local = x;\n"
                              "    calls++;\n"
                              "    if (debugmsg) local += level;\n"
                              "    counter = local;\n"
                              "    conf.port = 80;\n"
                              "    int *p = &elsewhere;\n"
                              "    return local + *p + *table[0] + (name != 0);\n"
                              "}\n"));
    al_tu_facts tu;
    test_extract("vars.c", gcc, GCC_ARGC, &tu);
    assert_int_equal(tu.error_count, 0);
    const al_fact_variable *v = variable_named(&tu, "debugmsg");
    assert_non_null(v);
    assert_true(v->has_value);
    assert_int_equal(v->value, 0);
    assert_non_null(strstr(S(&tu, v->key), "@/")); /* a static: qualified with its file */
    v = variable_named(&tu, "level");
    assert_true(v->has_value);
    assert_int_equal(v->value, 3);
    v = variable_named(&tu, "counter");
    assert_true(v->has_value); /* no initializer: static storage starts at zero */
    assert_int_equal(v->value, 0);
    assert_false(variable_named(&tu, "name")->has_value);
    assert_non_null(variable_named(&tu, "calls")); /* a static local */
    assert_null(variable_named(&tu, "elsewhere")); /* declared here, defined elsewhere */
    assert_null(variable_named(&tu, "local"));
    assert_true(used(&tu, "f", "debugmsg", AL_VAR_READ));
    assert_false(used(&tu, "f", "debugmsg", AL_VAR_WRITE));
    assert_true(used(&tu, "f", "level", AL_VAR_READ));
    assert_true(used(&tu, "f", "calls", AL_VAR_WRITE));
    assert_true(used(&tu, "f", "counter", AL_VAR_WRITE));
    assert_true(used(&tu, "f", "conf", AL_VAR_WRITE)); /* a member assigned */
    assert_true(used(&tu, "f", "elsewhere", AL_VAR_ADDRESS));
    assert_true(used(&tu, NULL, "counter", AL_VAR_ADDRESS)); /* the table's initializer */
    assert_true(used(&tu, "f", "table", AL_VAR_READ));
    al_tu_facts_free(&tu);
}

/* The guards of the n-th call to `callee`, as text: "LOCAL pid EQ 0", "GLOBAL ...debug TRUE". */
static char *guards_of(const al_tu_facts *tu, const char *callee, int n)
{
    static const char *const subjects[] = {"LOCAL", "GLOBAL", "PARAM", "FIELD", "CALL"};
    static const char *const ops[] = {"EQ", "NE", "LT", "LE", "GT", "GE", "TRUE", "FALSE", "SET", "CLEAR"};
    const al_fact_call *c = call_to(tu, callee, n);
    assert_non_null(c);
    al_strbuf b = {0};
    for (uint32_t i = 0; i < c->guard_count; i++) {
        const al_fact_guard *g = &tu->guards.items[c->first_guard + i];
        /* a key: its name, before the defining file of a static ("c:flow.c@debugmsg@/abs/flow.c") */
        char *subject = al_xstrdup(g->subject_kind == AL_GUARD_PARAM ? "" : S(tu, g->subject));
        char *file = strstr(subject, "@/");
        if (file)
            *file = '\0';
        const char *at = strrchr(subject, '@');
        al_strbuf_appendf(&b, "%s%s %s", i ? "; " : "", subjects[g->subject_kind], at ? at + 1 : subject);
        free(subject);
        if (g->subject_kind == AL_GUARD_PARAM)
            al_strbuf_appendf(&b, "%d", g->param);
        al_strbuf_appendf(&b, " %s", ops[g->op]);
        if (g->op != AL_GUARD_TRUE && g->op != AL_GUARD_FALSE)
            al_strbuf_appendf(&b, " %s", g->value_key ? S(tu, g->value_key) : "");
        if (g->op != AL_GUARD_TRUE && g->op != AL_GUARD_FALSE && !g->value_key)
            al_strbuf_appendf(&b, "%lld", g->value);
    }
    return al_strbuf_take(&b);
}

static void expect_guards(const al_tu_facts *tu, const char *callee, int n, const char *want)
{
    char *got = guards_of(tu, callee, n);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "guards of %s #%d: '%s', expected '%s'\n", callee, n, got, want);
    assert_string_equal(got, want);
    free(got);
}

/* Where calls run: the conditions around them (if, else, switch cases, &&, ||, early returns),
 * constant branches left out, blocks, loops, statements, and what results are returned. */
static void test_guards_blocks_and_loops(void **state)
{
    (void)state;
    free(test_write("flow.c", "#include <stdlib.h>\n"
                              "#include <unistd.h>\n"
                              "#define DEBUG 0\n"
                              "static int debugmsg = 0;\n"
                              "struct conn { void (*handler)(int); int fd; };\n"
                              "void on_read(int);\n"
                              "void a(void); void b(void); void c(void); void d(void); void e(void);\n"
                              "void g(void); void h(void); int k(void); void m(void); void q(void);\n"
                              "int spawn(void) { pid_t p = fork(); return p; }\n"
                              "int loop_once(void);\n"
                              "void f(int flags, struct conn *cn) {\n"
                              "    pid_t pid;\n"
                              "    if ((pid = fork()) == 0) { a(); _exit(0); }\n"
                              "    else b();\n"
                              "    if (debugmsg && !(flags & 4)) c();\n"
                              "    if (DEBUG) d();\n"
                              "    switch (fork()) { case 0: e(); break; case 1: case 2: g(); break; default: h(); }\n"
                              "    if (cn->handler == on_read) cn->handler(1);\n"
                              "    flags > 2 || k();\n"
                              "    while (loop_once()) m();\n"
                              "    if (pid != 0) return;\n"
                              "    q();\n"
                              "}\n"));
    al_tu_facts tu;
    test_extract("flow.c", gcc, GCC_ARGC, &tu);
    assert_int_equal(tu.error_count, 0);
    expect_guards(&tu, "a", 0, "LOCAL pid EQ 0");
    expect_guards(&tu, "b", 0, "LOCAL pid NE 0");
    expect_guards(&tu, "c", 0, "GLOBAL debugmsg TRUE; PARAM 0 CLEAR 4");
    assert_null(call_to(&tu, "d", 0)); /* `if (DEBUG)`: never runs, not recorded */
    expect_guards(&tu, "e", 0, "CALL fork EQ 0");
    expect_guards(&tu, "g", 0, ""); /* two labels: no single value */
    expect_guards(&tu, "h", 0, ""); /* default */
    expect_guards(&tu, "k", 0, "PARAM 0 LE 2");
    expect_guards(&tu, "q", 0, "LOCAL pid EQ 0");   /* after `if (pid != 0) return;` */
    const al_fact_call *call = call_to(&tu, "", 0); /* cn->handler(1): through a field */
    for (size_t i = 0; i < tu.calls.count && (!call || call->callee_key); i++)
        call = &tu.calls.items[i];
    assert_int_equal(call->callee_key, 0);
    assert_int_equal(call->guard_count, 1);
    assert_int_equal(tu.guards.items[call->first_guard].subject_kind, AL_GUARD_FIELD);
    assert_string_equal(S(&tu, tu.guards.items[call->first_guard].value_key), "c:@F@on_read");
    /* _exit(0) is a statement of the child's block, which is not f's body */
    const al_fact_call *x = call_to(&tu, "_exit", 0);
    assert_true(x->statement);
    assert_true(x->block > 0 && tu.blocks.items[x->block - 1].parent > 0);
    assert_true(call_to(&tu, "a", 0)->block == x->block);
    assert_false(call_to(&tu, "loop_once", 0)->statement);
    /* m() runs in the while loop; loop_once() in its condition is in the loop too */
    assert_true(call_to(&tu, "m", 0)->loop > 0);
    assert_int_equal(call_to(&tu, "m", 0)->loop, call_to(&tu, "loop_once", 0)->loop);
    assert_int_equal(call_to(&tu, "q", 0)->loop, 0);
    /* spawn returns what fork() gave p */
    assert_int_equal(tu.returns.count, 1);
    assert_string_equal(S(&tu, tu.returns.items[0].variable), "p");
    assert_string_equal(S(&tu, call_to(&tu, "fork", 0)->assigned_to), "p");
    assert_true(function_named(&tu, "spawn")->returns);
    assert_true(function_named(&tu, "f")->returns);
    al_tu_facts_free(&tu);
}

static void test_conditional_operator_branches(void **state)
{
    (void)state;
    free(test_write("cond.c", "#include <uv.h>\n"
                              "static void on_a(uv_timer_t *t) { (void)t; }\n"
                              "static void on_b(uv_timer_t *t) { (void)t; }\n"
                              "static int pick(void (*f)(uv_timer_t *)) { return f != 0; }\n"
                              "void reg(uv_timer_t *t, int flag) {\n"
                              "    uv_timer_start(t, flag ? on_a : on_b, 0, 0);\n"
                              "    uv_timer_start(t, pick(on_a) ? on_b : 0, 0, 0);\n"
                              "}\n"));
    al_tu_facts tu;
    test_extract("cond.c", gcc, GCC_ARGC, &tu);
    assert_int_equal(tu.error_count, 0);
    const al_fact_ref *r = ref_to(&tu, "on_a", 0);
    assert_int_equal(r->use, AL_USE_ARGUMENT);
    assert_string_equal(S(&tu, r->target), "uv_timer_start");
    assert_int_equal(r->index, 1);
    assert_string_equal(S(&tu, r->type_name), "uv_timer_cb");
    r = ref_to(&tu, "on_b", 0);
    assert_string_equal(S(&tu, r->target), "uv_timer_start");
    assert_int_equal(r->index, 1);
    /* inside the condition, on_a is pick()'s argument, not the timer's */
    r = ref_to(&tu, "on_a", 1);
    assert_string_equal(S(&tu, r->target), "pick");
    r = ref_to(&tu, "on_b", 1);
    assert_string_equal(S(&tu, r->target), "uv_timer_start");
    al_tu_facts_free(&tu);
}

static void test_constant_arguments(void **state)
{
    (void)state;
    free(test_write("args.c", "#include <uv.h>\n"
                              "#include <sys/wait.h>\n"
                              "#include <stdio.h>\n"
                              "void f(uv_loop_t *loop, uv_fs_t *req, int pid, int flags, uv_fs_cb cb) {\n"
                              "    int st;\n"
                              "    waitpid(pid, &st, WNOHANG);\n"
                              "    waitpid(pid, &st, flags);\n"
                              "    uv_fs_open(loop, req, \"x\", 0, 0, NULL);\n"
                              "    uv_fs_open(loop, req, \"x\", 0, 0, cb);\n"
                              "    uv_run(loop, UV_RUN_NOWAIT);\n"
                              "    fflush(stderr);\n"
                              "}\n"));
    al_tu_facts tu;
    test_extract("args.c", gcc, GCC_ARGC, &tu);
    assert_int_equal(tu.error_count, 0);
    const al_fact_call *c = call_to(&tu, "waitpid", 0);
    assert_int_equal(c->arg_count, 3);
    assert_int_equal(tu.args.items[c->first_arg + 2].kind, AL_ARG_INT);
    assert_int_equal(tu.args.items[c->first_arg + 2].value, 1);
    /* the caller's own parameter `pid`, by its index */
    assert_int_equal(tu.args.items[c->first_arg + 0].kind, AL_ARG_PARAM);
    assert_int_equal(tu.args.items[c->first_arg + 0].value, 2);
    c = call_to(&tu, "waitpid", 1);
    assert_int_equal(tu.args.items[c->first_arg + 2].kind, AL_ARG_PARAM);
    assert_int_equal(tu.args.items[c->first_arg + 2].value, 3);
    c = call_to(&tu, "uv_fs_open", 0);
    assert_int_equal(c->arg_count, 6);
    assert_int_equal(tu.args.items[c->first_arg + 5].kind, AL_ARG_NULL);
    assert_int_equal(tu.args.items[c->first_arg + 3].kind, AL_ARG_INT);
    c = call_to(&tu, "uv_fs_open", 1);
    assert_int_equal(tu.args.items[c->first_arg + 5].kind, AL_ARG_PARAM);
    c = call_to(&tu, "uv_run", 0);
    assert_int_equal(tu.args.items[c->first_arg + 1].kind, AL_ARG_INT);
    assert_int_equal(tu.args.items[c->first_arg + 1].value, 2 /* UV_RUN_NOWAIT */);
    c = call_to(&tu, "fflush", 0);
    assert_int_equal(tu.args.items[c->first_arg].kind, AL_ARG_VARIABLE);
    assert_string_equal(S(&tu, tu.args.items[c->first_arg].name), "stderr");
    al_tu_facts_free(&tu);
}

static void test_annotations(void **state)
{
    (void)state;
    char *include = al_xasprintf("-I%s/include", AL_TEST_SOURCE_DIR);
    const char *argv[] = {"cc", include, "-c", "annot.c"};
    free(test_write("annot.c", "#include \"asynclock.h\"\n"
                               "ASYNCLOCK_BLOCKING int wait_reply(int fd);\n"
                               "ASYNCLOCK_HANDLER void on_event(void) { wait_reply(3); }\n"
                               "ASYNCLOCK_NONBLOCKING static void quick(void) {}\n"
                               "void plain(void) { quick(); }\n"));
    al_tu_facts tu;
    test_extract("annot.c", argv, 4, &tu);
    assert_int_equal(tu.error_count, 0);
    const al_fact_function *f = function_named(&tu, "wait_reply");
    assert_non_null(f);
    assert_false(f->defined);
    assert_int_equal(f->annotations, AL_ANNOT_BLOCKING);
    f = function_named(&tu, "on_event");
    assert_true(f->defined);
    assert_int_equal(f->annotations, AL_ANNOT_HANDLER);
    assert_int_equal(function_named(&tu, "quick")->annotations, AL_ANNOT_NONBLOCKING);
    assert_int_equal(function_named(&tu, "plain")->annotations, 0);
    al_tu_facts_free(&tu);
    free(include);
}

static void test_define_flags_from_the_command(void **state)
{
    (void)state;
    free(test_write("defs.c", "#include <unistd.h>\n"
                              "void f(void) {\n"
                              "#ifdef USE_SLEEP\n"
                              "    sleep(1);\n"
                              "#endif\n"
                              "#if LEVEL > 1\n"
                              "    usleep(1);\n"
                              "#endif\n"
                              "}\n"));
    const char *with[] = {"gcc", "-DUSE_SLEEP", "-D", "LEVEL=2", "-c", "defs.c"};
    const char *without[] = {"gcc", "-c", "defs.c"};
    al_tu_facts tu;
    test_extract("defs.c", with, 6, &tu);
    assert_non_null(call_to(&tu, "sleep", 0));
    assert_non_null(call_to(&tu, "usleep", 0));
    al_tu_facts_free(&tu);
    test_extract("defs.c", without, 3, &tu);
    assert_int_equal(tu.calls.count, 0);
    al_tu_facts_free(&tu);
}

static void test_static_inline_in_header(void **state)
{
    (void)state;
    free(test_write("inc/slow.h", "#include <unistd.h>\nstatic inline void slow(void) { sleep(1); }\n"));
    free(test_write("user.c", "#include \"slow.h\"\nvoid f(void) { slow(); }\n"));
    const char *argv[] = {"gcc", "-Iinc", "-c", "user.c"};
    al_tu_facts tu;
    test_extract("user.c", argv, 4, &tu);
    const al_fact_function *slow = function_named(&tu, "slow");
    char *header = al_xasprintf("%s/inc/slow.h", AL_TEST_WORK_DIR);
    assert_string_equal(S(&tu, slow->loc.file), header);
    assert_non_null(strstr(S(&tu, slow->key), header));
    const al_fact_call *c = call_to(&tu, "sleep", 0);
    assert_string_equal(S(&tu, c->loc.file), header);
    assert_int_equal(c->caller, slow->key);
    free(header);
    al_tu_facts_free(&tu);
}

static void test_syntax_error_keeps_what_parsed(void **state)
{
    (void)state;
    free(test_write("broken.c", "#include <unistd.h>\n"
                                "void good(void) { sleep(1); }\n"
                                "void bad(void) { int x = ; }\n"));
    al_tu_facts tu;
    test_extract("broken.c", gcc, GCC_ARGC, &tu);
    assert_true(tu.parsed);
    assert_int_equal(tu.error_count, 1);
    char *want = al_xasprintf("%s/broken.c:3:26: error: expected expression", AL_TEST_WORK_DIR);
    assert_string_equal(tu.failure, want);
    free(want);
    assert_non_null(call_to(&tu, "sleep", 0));
    al_tu_facts_free(&tu);
}

static void test_missing_header_and_missing_file(void **state)
{
    (void)state;
    free(test_write("nohdr.c", "#include \"does_not_exist.h\"\n#include <unistd.h>\nvoid f(void) { sleep(1); }\n"));
    al_tu_facts tu;
    test_extract("nohdr.c", gcc, GCC_ARGC, &tu);
    assert_true(tu.parsed);
    assert_true(tu.error_count >= 1);
    assert_non_null(strstr(tu.failure, "'does_not_exist.h' file not found"));
    assert_non_null(call_to(&tu, "sleep", 0)); /* KeepGoing: the rest is still parsed */
    al_tu_facts_free(&tu);

    test_extract("never_written.c", gcc, GCC_ARGC, &tu);
    assert_false(tu.parsed);
    char *want =
        al_xasprintf("%s/never_written.c: error: cannot read source file: No such file or directory", AL_TEST_WORK_DIR);
    assert_string_equal(tu.failure, want);
    free(want);
    al_tu_facts_free(&tu);
}

static void test_parallel_extraction_matches_serial(void **state)
{
    (void)state;
    al_compdb db = {0};
    db.count = 4;
    db.commands = al_xcalloc(4, sizeof(*db.commands));
    const char *names[] = {"calls.c", "refs.c", "args.c", "defs.c"};
    free(test_write("calls.c",
                    "#include <unistd.h>\nstatic void helper(void) { sleep(1); }\nvoid entry(void) { helper(); }\n"));
    free(test_write("refs.c", uv_refs));
    for (size_t i = 0; i < db.count; i++) {
        db.commands[i].directory = al_xstrdup(AL_TEST_WORK_DIR);
        db.commands[i].file = al_xasprintf("%s/%s", AL_TEST_WORK_DIR, names[i]);
        db.commands[i].args =
            al_compdb_clang_args((char *const *)gcc, GCC_ARGC, AL_TEST_WORK_DIR, &db.commands[i].arg_count);
    }
    al_tu_facts serial[4], parallel[4];
    al_extract_all(&db, NULL, 0, 1, serial, NULL, NULL);
    al_extract_all(&db, NULL, 0, 3, parallel, NULL, NULL);
    assert_int_equal(serial[0].calls.count, 2);
    assert_int_equal(serial[1].refs.count, 10);
    for (size_t i = 0; i < db.count; i++) {
        assert_string_equal(serial[i].file, parallel[i].file);
        assert_int_equal(serial[i].calls.count, parallel[i].calls.count);
        assert_int_equal(serial[i].refs.count, parallel[i].refs.count);
        assert_int_equal(serial[i].functions.count, parallel[i].functions.count);
        al_tu_facts_free(&serial[i]);
        al_tu_facts_free(&parallel[i]);
    }
    al_compdb_free(&db);
}

/* glib's headers come with -I from pkg-config, so clang does not call them system headers; their
 * static inline functions are still library code, not a few hundred project functions per unit. */
static void test_installed_library_headers_are_not_project_code(void **state)
{
    (void)state;
    free(test_write("glib_user.c", "#include <glib.h>\n"
                                   "static gboolean on_idle(gpointer data) { (void)data; return G_SOURCE_REMOVE; }\n"
                                   "void start(void) { g_idle_add(on_idle, NULL); }\n"));
    const char *argv[64] = {"cc"};
    int argc = 1;
    char *flags = al_xstrdup(AL_TEST_GLIB_CFLAGS);
    for (char *tok = strtok(flags, " "); tok && argc < 60; tok = strtok(NULL, " "))
        argv[argc++] = tok;
    argv[argc++] = "-c";
    argv[argc++] = "glib_user.c";
    al_tu_facts tu;
    test_extract("glib_user.c", argv, argc, &tu);
    assert_int_equal(tu.error_count, 0);
    assert_int_equal(tu.functions.count, 2); /* on_idle and start, nothing from /usr/include */
    assert_non_null(function_named(&tu, "on_idle"));
    assert_non_null(function_named(&tu, "start"));
    assert_true(tu.includes.count > 10); /* but every header read is a dependency */
    al_tu_facts_free(&tu);
    free(flags);
}

int main(void)
{
    test_mkdirs(AL_TEST_WORK_DIR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_installed_library_headers_are_not_project_code),
        cmocka_unit_test(test_definitions_and_calls),
        cmocka_unit_test(test_same_static_name_in_two_folders),
        cmocka_unit_test(test_indirect_call_facts),
        cmocka_unit_test(test_reference_uses),
        cmocka_unit_test(test_type_names_of_anonymous_structs_and_function_types),
        cmocka_unit_test(test_parameter_forwards),
        cmocka_unit_test(test_assignments_and_call_arguments),
        cmocka_unit_test(test_container_instance_facts),
        cmocka_unit_test(test_field_address_arguments),
        cmocka_unit_test(test_variables_and_their_uses),
        cmocka_unit_test(test_guards_blocks_and_loops),
        cmocka_unit_test(test_conditional_operator_branches),
        cmocka_unit_test(test_constant_arguments),
        cmocka_unit_test(test_annotations),
        cmocka_unit_test(test_define_flags_from_the_command),
        cmocka_unit_test(test_static_inline_in_header),
        cmocka_unit_test(test_syntax_error_keeps_what_parsed),
        cmocka_unit_test(test_missing_header_and_missing_file),
        cmocka_unit_test(test_parallel_extraction_matches_serial),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
