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

static const char *test_name(al_arg_test t)
{
    switch (t) {
    case AL_TEST_EQUALS:
        return "AL_SHIM_EQUALS";
    case AL_TEST_HAS_BITS:
        return "AL_SHIM_HAS_BITS";
    case AL_TEST_IS_NULL:
        return "AL_SHIM_IS_NULL";
    case AL_TEST_VARIABLE_IN:
        return "AL_SHIM_VARIABLE_IN";
    case AL_TEST_OPENED_BY:
        break;
    }
    return "AL_SHIM_REGULAR"; /* a descriptor the function opened from a file: at run time, a regular file */
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
    AL_VEC(const char *) variables = {0};
    AL_VEC(al_shim_condition) conditions = {0};
    AL_VEC(al_shim_api) apis = {0};
    for (size_t i = 0; i < rows.count; i++) {
        const al_api_rule *rule = rows.items[i].rule;
        al_shim_api api = {0};
        api.conditional = rule->conditional;
        api.loop_runner = strcmp(rule->category, "nested-loop") == 0;
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
                sc.value = c->value;
                if (c->test == AL_TEST_VARIABLE_IN) {
                    sc.variables = (uint16_t)variables.count;
                    sc.variable_count = (uint16_t)c->name_count;
                    for (size_t n = 0; n < c->name_count; n++)
                        AL_VEC_PUSH(variables, c->names[n]);
                }
                AL_VEC_PUSH(conditions, sc);
            }
        }
        api.condition_count = (uint16_t)(conditions.count - api.condition_first);
        AL_VEC_PUSH(apis, api);
    }
    fputs("static const char *const al_shim_variable_names[] = {", table);
    for (size_t i = 0; i < variables.count; i++) {
        put_string(table, variables.items[i]);
        fputs(", ", table);
    }
    fputs("NULL};\n", table);
    fprintf(table, "#define AL_SHIM_VARIABLE_COUNT %zu\n", variables.count);
    fputs("static const al_shim_condition al_shim_conditions[] = {\n", table);
    for (size_t i = 0, c = 0; i < rows.count; i++) {
        const al_api_rule *rule = rows.items[i].rule;
        const al_condition *lists[3] = {rule->unless, rule->only_if, rule->definite_if};
        size_t lengths[3] = {rule->unless_count, rule->only_if_count, rule->definite_if_count};
        for (int l = 0; l < 3; l++) {
            for (size_t k = 0; k < lengths[l]; k++, c++) {
                const al_shim_condition *sc = &conditions.items[c];
                fprintf(table, "    {%d, %s, %d, %lldLL, %u, %u}, /* %s */\n", sc->arg, test_name(lists[l][k].test),
                        sc->list, (long long)sc->value, sc->variables, sc->variable_count, rows.items[i].symbol);
            }
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
        fprintf(table, ", %u, %u, %u, %u},\n", apis.items[i].conditional, apis.items[i].loop_runner,
                apis.items[i].condition_first, apis.items[i].condition_count);
    }
    fputs("};\n", table);
    fprintf(table, "#define AL_SHIM_API_COUNT %zu\n", rows.count);
    bool ok = fclose(stubs) == 0 && fclose(table) == 0;
    for (size_t i = 0; i < rows.count; i++)
        free(rows.items[i].symbol);
    AL_VEC_FREE(rows);
    AL_VEC_FREE(variables);
    AL_VEC_FREE(conditions);
    AL_VEC_FREE(apis);
    al_rules_free(rules);
    if (!ok)
        fprintf(stderr, "shim_gen: cannot write %s or %s\n", argv[2], argv[3]);
    return ok ? 0 : 2;
}
