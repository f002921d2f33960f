/* Fuzz target for analyzer/compdb.c: any bytes as compile_commands.json. A database either loads,
 * with an absolute, normalized path for every unit and no file listed twice, or fails with one
 * error line that names it. */
#include "compdb.h"
#include "fuzz.h"

#define PATH "build/compile_commands.json"

static void check_absolute(const char *path)
{
    AL_FUZZ_CHECK(path[0] == '/');
    AL_FUZZ_CHECK(strstr(path, "//") == NULL && strstr(path, "/./") == NULL && strstr(path, "/../") == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    al_compdb db;
    char *error = NULL;
    if (!al_compdb_parse(&db, PATH, (const char *)data, size, &error)) {
        al_fuzz_check_error(error, PATH);
        AL_FUZZ_CHECK(db.count == 0 && db.commands == NULL);
        free(error);
        return 0;
    }
    /* every unit is one file with one set of arguments, each once; every entry is a unit or one
       of its duplicates */
    al_strtab units;
    al_strtab_init(&units);
    AL_FUZZ_CHECK(db.entries == db.count + db.duplicates);
    for (size_t i = 0; i < db.count; i++) {
        const al_compile_command *c = &db.commands[i];
        check_absolute(c->directory);
        check_absolute(c->file);
        AL_FUZZ_CHECK(c->arg_count >= 0 && c->args != NULL);
        al_strbuf identity = {0};
        al_strbuf_append(&identity, c->file);
        for (int a = 0; a < c->arg_count; a++) {
            AL_FUZZ_CHECK(c->args[a] != NULL);
            al_strbuf_appendf(&identity, "|%zu|%s", strlen(c->args[a]), c->args[a]);
        }
        uint32_t before = units.count;
        al_strtab_intern(&units, identity.data);
        AL_FUZZ_CHECK(units.count == before + 1);
        al_strbuf_free(&identity);
        for (size_t k = 0; k < c->output_count; k++)
            check_absolute(c->outputs[k]);
    }
    al_strtab_free(&units);
    al_compdb_free(&db);
    return 0;
}
