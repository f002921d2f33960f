/* Fuzz target for analyzer/baseline.c (through analyzer/jsonfile.c): any bytes as a baseline.
 * A baseline either loads or fails with one error line naming it; a loaded one, written out again,
 * reads back as the same entries. */
#include "baseline.h"
#include "fuzz.h"

#define PATH "fuzz-baseline.json"

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_entry(const al_baseline_entry *a, const al_baseline_entry *b)
{
    return a->count == b->count && same_text(a->fingerprint, b->fingerprint) && same_text(a->rule, b->rule) &&
           same_text(a->category, b->category) && same_text(a->file, b->file) && same_text(a->function, b->function) &&
           same_text(a->callee, b->callee) && same_text(a->call, b->call) && same_text(a->handler, b->handler) &&
           same_text(a->reason, b->reason);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    al_baseline_entries entries;
    char *error = NULL;
    if (!al_baseline_parse(&entries, PATH, (const char *)data, size, &error)) {
        al_fuzz_check_error(error, PATH);
        AL_FUZZ_CHECK(entries.count == 0);
        free(error);
        return 0;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    AL_FUZZ_CHECK(out != NULL);
    al_baseline_write(out, &entries, "fuzz");
    AL_FUZZ_CHECK(fclose(out) == 0);
    al_baseline_entries again;
    char *again_error = NULL;
    if (!al_baseline_parse(&again, PATH, text, len, &again_error)) {
        fprintf(stderr, "%s\n", again_error);
        AL_FUZZ_CHECK(!"a written baseline reads back");
    }
    AL_FUZZ_CHECK(again.count == entries.count);
    for (size_t i = 0; i < entries.count; i++)
        AL_FUZZ_CHECK(same_entry(&entries.items[i], &again.items[i]));
    al_baseline_free(&again);
    al_baseline_free(&entries);
    free(text);
    return 0;
}
