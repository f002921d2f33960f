/* Writes seeds for the `facts` fuzz target: the encoded facts of every unit of a compile database,
 * extracted with libclang as `asynclock check` does, one file per unit named after its source.
 *   facts_seeds BUILD_DIR OUT_DIR
 * The committed seeds in corpus/facts/ come from fixtures/uv_annotations (see docs/robustness.md). */
#include "compdb.h"
#include "extract.h"
#include "facts.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fputs("usage: facts_seeds BUILD_DIR OUT_DIR\n", stderr);
        return 2;
    }
    al_compdb db;
    char *error = NULL;
    if (!al_compdb_load(&db, argv[1], &error)) {
        fprintf(stderr, "%s\n", error);
        return 2;
    }
    al_extractor *ex = al_extractor_new();
    int status = 0;
    for (size_t i = 0; i < db.count; i++) {
        al_tu_facts tu;
        al_extract_unit(ex, &db.commands[i], &tu);
        al_bytes bytes = {0};
        al_tu_facts_encode(&tu, &bytes);
        const char *base = strrchr(db.commands[i].file, '/');
        char *path = al_xasprintf("%s/%s", argv[2], base ? base + 1 : db.commands[i].file);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(bytes.items, 1, bytes.count, f) != bytes.count || fclose(f) != 0) {
            fprintf(stderr, "%s: error: cannot write\n", path);
            status = 1;
        } else {
            printf("%s: %zu bytes, %zu functions, %zu calls, parsed %d\n", path, bytes.count, tu.functions.count,
                   tu.calls.count, tu.parsed);
        }
        free(path);
        AL_VEC_FREE(bytes);
        al_tu_facts_free(&tu);
    }
    al_extractor_free(ex);
    al_compdb_free(&db);
    return status;
}
