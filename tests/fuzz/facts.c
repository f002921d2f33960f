/* Fuzz target for the facts cache's unit encoding (analyzer/facts.c) and shard files
 * (analyzer/store.c): any bytes as an encoded unit. Decoding either rejects the bytes, leaving the
 * unit empty, or gives a unit that encodes to exactly the same bytes (the format has one spelling
 * per unit, so nothing is read that the encoder would not write). A decoded unit also goes through
 * a shard file and back unchanged. */
#include "facts.h"
#include "fuzz.h"
#include "store.h"

static void check_shard(const al_tu_facts *tu, const al_bytes *encoded)
{
    const char *path = al_fuzz_temp_file(NULL, 0);
    al_shard_info info = {1, 1, 1, al_xstrdup("fuzz"), NULL};
    al_tu_facts *units[1] = {(al_tu_facts *)tu};
    uint32_t index = 0;
    char *error = NULL;
    if (!al_shard_write(path, &info, units, &index, 1, &error)) {
        fprintf(stderr, "%s\n", error);
        AL_FUZZ_CHECK(!"a decoded unit can be written to a shard");
    }
    al_shard_info_free(&info);
    al_tu_facts_vec units_read = {0};
    al_shard_info info_read = {0};
    al_u32_vec indexes = {0};
    if (!al_shard_read(path, &info_read, &units_read, &indexes, &error)) {
        fprintf(stderr, "%s\n", error);
        AL_FUZZ_CHECK(!"a written shard reads back");
    }
    AL_FUZZ_CHECK(units_read.count == 1 && indexes.count == 1 && indexes.items[0] == 0);
    AL_VEC_FREE(indexes);
    al_bytes again = {0};
    al_tu_facts_encode(&units_read.items[0], &again);
    AL_FUZZ_CHECK(again.count == encoded->count && memcmp(again.items, encoded->items, again.count) == 0);
    AL_VEC_FREE(again);
    for (size_t i = 0; i < units_read.count; i++)
        al_tu_facts_free(&units_read.items[i]);
    AL_VEC_FREE(units_read);
    al_shard_info_free(&info_read);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    al_tu_facts tu;
    if (!al_tu_facts_decode(data, size, &tu)) {
        AL_FUZZ_CHECK(tu.functions.count == 0);
        al_tu_facts_free(&tu);
        return 0;
    }
    al_bytes encoded = {0};
    al_tu_facts_encode(&tu, &encoded);
    AL_FUZZ_CHECK(encoded.count == size && memcmp(encoded.items, data, size) == 0);
    check_shard(&tu, &encoded);
    AL_VEC_FREE(encoded);
    al_tu_facts_free(&tu);
    return 0;
}
