/* gen: writes the trace shim's list of intercepted APIs from the rule packs, at build time.
 *
 *   shim_gen RULES_DIR STUBS.S TABLE.h
 *
 * The packs are read with the analyzer's own rules module, so the shim intercepts exactly the
 * blocking APIs that `asynclock check` reports, with the same argument conditions: the list is
 * never written by hand. Each API becomes an x86-64 stub (its index in %r11d, then a jump to the
 * shared trampoline of shim/trampoline.S) and a row of the table shim/shim.c reads. glibc's other
 * names for the same function are intercepted too: the large-file one (open64), the fortified ones
 * (__read_chk, __open_2) and the C99 scanf ones (__isoc99_fscanf), when this libc exports them. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "shim.h"

/* Names never intercepted, whatever a pack says: they return twice, never return, or act on behalf
 * of their caller's address (dlopen's search path, dlsym's RTLD_NEXT), which a timed call hides. */
static const char *const never[] = {
    "vfork",    "setjmp",     "_setjmp",      "sigsetjmp",   "__sigsetjmp", "longjmp",
    "_longjmp", "siglongjmp", "getcontext",   "swapcontext", "makecontext", "dlopen",
    "dlmopen",  "dlsym",      "dlvsym",       "dladdr",      "dladdr1",     "exit",
    "_exit",    "_Exit",      "pthread_exit", "abort",       "clone",       "__libc_start_main"};

static bool never_intercepted(const char *name)
{
    for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
        if (strcmp(name, never[i]) == 0)
            return true;
    return false;
}

typedef struct row {
    const al_api_rule *rule;
    char *symbol;
    bool first_argument_only; /* a fortified alias: only argument 0 is where the rule says */
} row;

static bool libc_exports(const char *symbol)
{
    return dlsym(RTLD_DEFAULT, symbol) != NULL;
}

static bool symbol_taken(const row *rows, size_t count, const char *symbol)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(rows[i].symbol, symbol) == 0)
            return true;
    return false;
}

static void put_string(FILE *out, const char *s)
{
    if (!s) {
        fputs("NULL", out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static const char *const test_names[] = {"AL_SHIM_EQUALS",      "AL_SHIM_HAS_BITS",   "AL_SHIM_IS_NULL",
                                         "AL_SHIM_VARIABLE_IN", "AL_SHIM_PREFIX_IN",  "AL_SHIM_REGULAR",
                                         "AL_SHIM_ONLY_OPENED", "AL_SHIM_UNCHECKABLE"};
_Static_assert(sizeof(test_names) / sizeof(test_names[0]) == AL_SHIM_UNCHECKABLE + 1, "a name per test of shim.h");

typedef AL_VEC(const char *) string_list;

/* The calls that return a stream (FILE *): an origin's call says whether a test's argument is a
 * stream or a descriptor. */
static bool opens_stream(const char *call)
{
    static const char *const calls[] = {"fopen",          "fopen64",         "fdopen",    "freopen",
                                        "freopen64",      "tmpfile",         "tmpfile64", "fmemopen",
                                        "open_memstream", "open_wmemstream", "popen",     "fopencookie"};
    for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
        if (strcmp(call, calls[i]) == 0)
            return true;
    return false;
}

/* AL_SHIM_STREAM when every origin opens a stream, 0 when none does, -1 when they disagree. */
static int stream_bit(const al_condition *c)
{
    size_t streams = 0;
    for (size_t i = 0; i < c->origin_count; i++)
        streams += opens_stream(c->origins[i].call);
    return streams == c->origin_count ? AL_SHIM_STREAM : streams == 0 ? 0 : -1;
}

/* What the shim can tell at run time of a stream or descriptor one of `o`'s calls opened. */
static int origin_kind(const al_origin *o)
{
    bool plain = o->flags_arg < 0 && !o->inner_count && o->mode_arg < 0 && !o->path_not_prefix_count;
    if (plain && !o->path_prefix_count &&
        (strcmp(o->call, "fmemopen") == 0 || strcmp(o->call, "open_memstream") == 0 ||
         strcmp(o->call, "open_wmemstream") == 0))
        return AL_SHIM_ORIGIN_MEMORY;
    if (plain && o->path_prefix_count)
        return AL_SHIM_ORIGIN_PATH;
    if (o->flags_arg < 0 && !o->inner_count && !o->path_prefix_count && !o->path_not_prefix_count && o->mode_arg >= 0 &&
        opens_stream(o->call) && o->mode_without && strchr(o->mode_without, 'w') && strchr(o->mode_without, 'a') &&
        strchr(o->mode_without, '+'))
        return AL_SHIM_ORIGIN_READ_ONLY;
    return AL_SHIM_ORIGIN_OTHER;
}

/* Where the strings `items` are in `all`: an equal run already there, or appended. Sets the
 * condition's range. */
static void set_strings(al_shim_condition *sc, string_list *all, const char *const *items, size_t count)
{
    size_t at = all->count;
    for (size_t i = 0; count && i + count <= all->count && at == all->count; i++) {
        size_t n = 0;
        while (n < count && strcmp(all->items[i + n], items[n]) == 0)
            n++;
        if (n == count)
            at = i;
    }
    if (at == all->count)
        for (size_t n = 0; n < count; n++)
            AL_VEC_PUSH(*all, items[n]);
    sc->strings = (uint16_t)at;
    sc->string_count = (uint16_t)count;
}

/* Adds the strings not yet in `list`. */
static void add_new(string_list *list, char *const *items, size_t count)
{
    for (size_t n = 0; n < count; n++) {
        bool seen = false;
        for (size_t i = 0; i < list->count && !seen; i++)
            seen = strcmp(list->items[i], items[n]) == 0;
        if (!seen)
            AL_VEC_PUSH(*list, items[n]);
    }
}

/* The waits on descriptors that event loops are built on: a loop library reaching one through its
 * own poll hook (GLib's g_poll is `jmp poll`) is the loop waiting (shim.c, al_shim_enter). */
static bool is_loop_wait(const char *name)
{
    static const char *const waits[] = {"poll", "ppoll", "select", "pselect", "epoll_wait", "epoll_pwait"};
    for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++)
        if (strcmp(name, waits[i]) == 0)
            return true;
    return false;
}

/* The run-time form of condition `c`: its test, value and strings (in `variables` or `prefixes`). */
static void shim_condition(al_shim_condition *sc, const al_condition *c, string_list *variables, string_list *prefixes)
{
    sc->value = c->value;
    if (c->field) { /* a field of a structure the argument points to: its layout is the program's */
        sc->test = AL_SHIM_UNCHECKABLE;
        sc->value = 0;
        return;
    }
    switch (c->test) {
    case AL_TEST_EQUALS:
        sc->test = AL_SHIM_EQUALS;
        return;
    case AL_TEST_HAS_BITS:
        sc->test = AL_SHIM_HAS_BITS;
        return;
    case AL_TEST_IS_NULL:
        sc->test = AL_SHIM_IS_NULL;
        return;
    case AL_TEST_VARIABLE_IN:
        sc->test = AL_SHIM_VARIABLE_IN;
        set_strings(sc, variables, (const char *const *)c->names, c->name_count);
        return;
    case AL_TEST_PREFIX_IN:
        sc->test = AL_SHIM_PREFIX_IN;
        set_strings(sc, prefixes, (const char *const *)c->names, c->name_count);
        return;
    case AL_TEST_FLUSHED_BY: /* what ran before the call in its block: nothing the call's arguments show */
        sc->test = AL_SHIM_UNCHECKABLE;
        sc->value = 0;
        return;
    case AL_TEST_OPENED_BY:
    case AL_TEST_ONLY_OPENED_BY:
        break;
    }
    int stream = stream_bit(c);
    sc->test = stream < 0 ? AL_SHIM_UNCHECKABLE : c->test == AL_TEST_OPENED_BY ? AL_SHIM_REGULAR : AL_SHIM_ONLY_OPENED;
    sc->value = stream < 0 ? 0 : stream;
    /* AL_SHIM_REGULAR: the paths no origin may have ("path_not_prefix"); AL_SHIM_ONLY_OPENED: the
     * paths an origin may have ("path_prefix") */
    string_list paths = {0};
    for (size_t i = 0; stream >= 0 && i < c->origin_count; i++) {
        const al_origin *o = &c->origins[i];
        if (sc->test == AL_SHIM_REGULAR) {
            add_new(&paths, o->path_not_prefixes, o->path_not_prefix_count);
            continue;
        }
        int kind = origin_kind(o);
        /* read-only and memory streams have no descriptor's counterpart */
        sc->value |= stream || kind == AL_SHIM_ORIGIN_PATH ? kind : AL_SHIM_ORIGIN_OTHER;
        if (kind == AL_SHIM_ORIGIN_PATH)
            add_new(&paths, o->path_prefixes, o->path_prefix_count);
    }
    set_strings(sc, prefixes, paths.items, paths.count);
    AL_VEC_FREE(paths);
}

/* static const char *const NAME[] = {"a", "b", NULL}; and #define COUNT n */
static void put_strings(FILE *out, const char *name, const char *count_name, const string_list *list)
{
    fprintf(out, "static const char *const %s[] = {", name);
    for (size_t i = 0; i < list->count; i++) {
        put_string(out, list->items[i]);
        fputs(", ", out);
    }
    fputs("NULL};\n", out);
    fprintf(out, "#define %s %zu\n", count_name, list->count);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fputs("usage: shim_gen RULES_DIR STUBS.S TABLE.h\n", stderr);
        return 2;
    }
    al_rules *rules = al_rules_new();
    char *error = NULL;
    if (!al_rules_load_path(rules, argv[1], &error)) {
        fprintf(stderr, "%s\n", error);
        return 2;
    }
    al_rules_index(rules);

    AL_VEC(row) rows = {0};
    size_t count = al_rules_api_count(rules);
    static const char *const aliases[][2] = {{"", "64"},        {"__", "_chk"}, {"__", "64_chk"}, {"__isoc99_", ""},
                                             {"__isoc23_", ""}, {"__", "_2"},   {"__", "64_2"}};
    for (size_t i = 0; i < count; i++) {
        const al_api_rule *rule = al_rules_api_at(rules, i);
        if (never_intercepted(rule->name) || symbol_taken(rows.items, rows.count, rule->name))
            continue;
        row own = {rule, al_xstrdup(rule->name), false};
        AL_VEC_PUSH(rows, own);
    }
    size_t own_rows = rows.count;
    for (size_t i = 0; i < own_rows; i++) {
        const al_api_rule *rule = rows.items[i].rule;
        for (size_t a = 0; a < sizeof(aliases) / sizeof(aliases[0]); a++) {
            char *symbol = al_xasprintf("%s%s%s", aliases[a][0], rule->name, aliases[a][1]);
            if (!libc_exports(symbol) || al_rules_find_api(rules, symbol) ||
                symbol_taken(rows.items, rows.count, symbol)) {
                free(symbol);
                continue;
            }
            /* __recv_chk(fd, buf, len, buflen, flags): a fortified function inserts its buffer's size
             * after the buffer, so only argument 0 keeps its place; the large-file and scanf names
             * take the same arguments */
            row alias = {rule, symbol, strstr(symbol, "_chk") != NULL};
            AL_VEC_PUSH(rows, alias);
        }
    }

    FILE *stubs = fopen(argv[2], "w"), *table = fopen(argv[3], "w");
    if (!stubs || !table) {
        fprintf(stderr, "shim_gen: cannot write %s or %s\n", argv[2], argv[3]);
        return 2;
    }
    fputs("/* Written by shim/gen.c from the rule packs: one stub per intercepted symbol. */\n"
          "\t.text\n",
          stubs);
    for (size_t i = 0; i < rows.count; i++) {
        const char *s = rows.items[i].symbol;
        fprintf(stubs,
                "\t.globl %s\n\t.type %s, @function\n\t.p2align 4\n%s:\n\t.cfi_startproc\n\tendbr64\n"
                "\tmovl $%zu, %%r11d\n"
                "\tjmp al_shim_common\n\t.cfi_endproc\n\t.size %s, .-%s\n",
                s, s, s, i, s, s);
    }
    fputs("\t.section .note.GNU-stack,\"\",@progbits\n", stubs);

    fputs("/* Written by shim/gen.c from the rule packs: the intercepted APIs and their conditions. */\n", table);
    string_list variables = {0}, prefixes = {0};
    AL_VEC(al_shim_condition) conditions = {0};
    AL_VEC(al_shim_api) apis = {0};
    for (size_t i = 0; i < rows.count; i++) {
        const al_api_rule *rule = rows.items[i].rule;
        al_shim_api api = {0};
        api.conditional = rule->conditional;
        api.loop_runner = strcmp(rule->category, "nested-loop") == 0;
        api.loop_wait = is_loop_wait(rule->name);
        api.condition_first = (uint16_t)conditions.count;
        const al_condition *lists[3] = {rule->unless, rule->only_if, rule->definite_if};
        size_t lengths[3] = {rule->unless_count, rule->only_if_count, rule->definite_if_count};
        for (int l = 0; l < 3; l++) {
            for (size_t k = 0; k < lengths[l]; k++) {
                const al_condition *c = &lists[l][k];
                al_shim_condition sc = {0};
                /* a fortified alias's other arguments moved: the shim cannot place them */
                sc.arg = rows.items[i].first_argument_only && c->arg != 0 ? -1 : (int8_t)c->arg;
                sc.list = (uint8_t)l;
                shim_condition(&sc, c, &variables, &prefixes);
                AL_VEC_PUSH(conditions, sc);
            }
        }
        api.condition_count = (uint16_t)(conditions.count - api.condition_first);
        AL_VEC_PUSH(apis, api);
    }
    put_strings(table, "al_shim_variable_names", "AL_SHIM_VARIABLE_COUNT", &variables);
    put_strings(table, "al_shim_prefixes", "AL_SHIM_PREFIX_COUNT", &prefixes);
    fputs("static const al_shim_condition al_shim_conditions[] = {\n", table);
    for (size_t i = 0; i < rows.count; i++) {
        for (size_t c = apis.items[i].condition_first;
             c < apis.items[i].condition_first + apis.items[i].condition_count; c++) {
            const al_shim_condition *sc = &conditions.items[c];
            fprintf(table, "    {%d, %s, %d, %lldLL, %u, %u}, /* %s */\n", sc->arg, test_names[sc->test], sc->list,
                    (long long)sc->value, sc->strings, sc->string_count, rows.items[i].symbol);
        }
    }
    fputs("    {0, 0, 0, 0, 0, 0}};\n", table);
    fputs("static const al_shim_api al_shim_apis[] = {\n", table);
    for (size_t i = 0; i < rows.count; i++) {
        const al_api_rule *rule = rows.items[i].rule;
        fputs("    {", table);
        put_string(table, rule->name);
        fputs(", ", table);
        put_string(table, rows.items[i].symbol);
        fputs(", ", table);
        put_string(table, rule->category);
        fputs(", ", table);
        put_string(table, rule->definite_category);
        fprintf(table, ", %u, %u, %u, %u, %u},\n", apis.items[i].conditional, apis.items[i].loop_runner,
                apis.items[i].loop_wait, apis.items[i].condition_first, apis.items[i].condition_count);
    }
    fputs("};\n", table);
    fprintf(table, "#define AL_SHIM_API_COUNT %zu\n", rows.count);
    bool ok = fclose(stubs) == 0 && fclose(table) == 0;
    for (size_t i = 0; i < rows.count; i++)
        free(rows.items[i].symbol);
    AL_VEC_FREE(rows);
    AL_VEC_FREE(variables);
    AL_VEC_FREE(prefixes);
    AL_VEC_FREE(conditions);
    AL_VEC_FREE(apis);
    al_rules_free(rules);
    if (!ok)
        fprintf(stderr, "shim_gen: cannot write %s or %s\n", argv[2], argv[3]);
    return ok ? 0 : 2;
}
