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
    al_strtab files;
    al_strtab_init(&files);
    for (size_t i = 0; i < db.count; i++) {
        const al_compile_command *c = &db.commands[i];
        check_absolute(c->directory);
        check_absolute(c->file);
        uint32_t before = files.count;
        al_strtab_intern(&files, c->file);
        AL_FUZZ_CHECK(files.count == before + 1);
        AL_FUZZ_CHECK(c->arg_count >= 0 && c->args != NULL);
        for (int a = 0; a < c->arg_count; a++)
            AL_FUZZ_CHECK(c->args[a] != NULL);
    }
    al_strtab_free(&files);
    al_compdb_free(&db);
    return 0;
}
