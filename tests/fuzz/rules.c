/* Fuzz target for analyzer/rules.c (through cJSON and analyzer/jsonfile.c): any bytes as a rule
 * pack. A pack either loads whole or fails with one error line naming it; a loaded pack indexes,
 * answers every query about what it declares, and cannot be loaded twice. */
#include <cjson/cJSON.h>

#include "fuzz.h"
#include "rules.h"

#define PATH "fuzz-pack.json"

static FILE *sink(void)
{
    static FILE *f;
    if (!f)
        f = fopen("/dev/null", "w");
    AL_FUZZ_CHECK(f != NULL);
    return f;
}

/* A call with one argument of each kind, and a variable whose opening is always "proved". */
static bool always_opened(const void *context, const al_fact_arg *variable, const al_origin *origins, size_t count,
                          bool every)
{
    (void)context;
    (void)variable;
    (void)every;
    for (size_t i = 0; i < count; i++)
        AL_FUZZ_CHECK(origins[i].call != NULL);
    return count > 0;
}

static void query_api(const al_rules *r, const char *name, const al_call_args *call)
{
    const al_api_rule *api = al_rules_find_api(r, name);
    AL_FUZZ_CHECK(api != NULL && strcmp(api->name, name) == 0);
    AL_FUZZ_CHECK(al_rules_describes(r, name));
    for (int conditional = 0; conditional < 2; conditional++)
        al_rules_call_blocks(api, call, conditional);
    AL_FUZZ_CHECK(al_rules_call_category(api, call) != NULL);
    AL_FUZZ_CHECK(al_rules_fix(r, "libuv", api) != NULL && al_rules_fix(r, NULL, api) != NULL);
    for (size_t i = 0; i < api->definite_if_count; i++)
        for (size_t k = 0; k < api->definite_if[i].origin_count; k++)
            al_rules_origin_matches(&api->definite_if[i].origins[k], name, call->args, call->count, call->strings);
}

/* Asks the loaded rules about everything the pack text names. */
static void query(al_rules *r, const cJSON *pack)
{
    al_strtab strings;
    al_strtab_init(&strings);
    al_fact_arg args[5] = {{AL_ARG_INT, 0, 0, 0},
                           {AL_ARG_NULL, 0, 0, 0},
                           {AL_ARG_VARIABLE, 0, al_strtab_intern(&strings, "stderr"), 0},
                           {AL_ARG_CALL, 0, al_strtab_intern(&strings, "fopen"), 0},
                           {AL_ARG_UNKNOWN, 0, 0, 0}};
    al_call_args call = {args, 5, &strings, always_opened, NULL, NULL};
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(pack, "apis"))
    {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "name"));
        query_api(r, name, &call);
        al_rules_print_show(r, sink(), name);
    }
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(pack, "nonblocking"))
    {
        if (!strpbrk(item->valuestring, "*?[")) /* a glob need not match its own text */
            AL_FUZZ_CHECK(al_rules_known_nonblocking(r, item->valuestring));
    }
    size_t count = 0;
    const al_context_rule *contexts = al_rules_contexts(r, &count);
    for (size_t i = 0; i < count; i++) {
        const al_context_rule *c = &contexts[i];
        const al_context_rule *m = al_rules_match_context(r, c->pattern, c->pattern, c->arg, c->pattern);
        AL_FUZZ_CHECK(m != NULL || c->match == AL_MATCH_NAME_PATTERN || c->match == AL_MATCH_MARKER_CALL);
        al_rules_print_show(r, sink(), c->pattern);
    }
    al_rules_category_fix(r, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pack, "family")), "sleep");
    al_rules_print_list(r, sink(), NULL, NULL);
    al_strtab_free(&strings);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    al_rules *r = al_rules_new();
    char *error = NULL;
    if (al_rules_load_buffer(r, PATH, (const char *)data, size, &error)) {
        /* the same pack again: its name is taken, and the failed load leaves the first intact */
        char *again = NULL;
        AL_FUZZ_CHECK(!al_rules_load_buffer(r, PATH, (const char *)data, size, &again));
        al_fuzz_check_error(again, PATH);
        free(again);
        al_rules_index(r);
        cJSON *pack = cJSON_ParseWithLength((const char *)data, size);
        AL_FUZZ_CHECK(pack != NULL);
        query(r, pack);
        cJSON_Delete(pack);
    } else {
        al_fuzz_check_error(error, PATH);
        al_rules_index(r);
        AL_FUZZ_CHECK(al_rules_api_count(r) == 0);
    }
    free(error);
    al_rules_free(r);
    return 0;
}
