/* Fuzz target for analyzer/config.c (through analyzer/jsonfile.c): any bytes as .asynclock.json.
 * A configuration either loads or fails with one error line naming it; a loaded one's declarations
 * are a rule pack the rules module accepts, and its exclusion globs can be matched. */
#include "config.h"
#include "fuzz.h"
#include "rules.h"

#define PATH "/fuzz/.asynclock.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    al_config c;
    char *error = NULL;
    if (al_config_parse(&c, PATH, (const char *)data, size, &error)) {
        AL_FUZZ_CHECK(strcmp(c.path, PATH) == 0 && strcmp(c.folder, "/fuzz") == 0);
        AL_FUZZ_CHECK(c.conditional >= -1 && c.conditional <= 1);
        if (c.pack) {
            al_rules *r = al_rules_new();
            char *pack_error = NULL;
            if (!al_rules_load_buffer(r, c.pack_name, c.pack, strlen(c.pack), &pack_error)) {
                fprintf(stderr, "%s\n", pack_error);
                AL_FUZZ_CHECK(!"the declarations are a valid rule pack");
            }
            al_rules_index(r);
            al_rules_free(r);
        }
        al_config_path_excluded("/fuzz/src/main.c", c.folder, c.exclude.items, c.exclude.count);
        al_config_path_excluded("/elsewhere/x.c", c.folder, c.exclude.items, c.exclude.count);
    } else {
        al_fuzz_check_error(error, PATH);
    }
    free(error);
    al_config_free(&c);
    return 0;
}
