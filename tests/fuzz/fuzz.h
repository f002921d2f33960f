/* What the fuzz targets share: the libFuzzer entry point's prototype, invariant checks that turn
 * a wrong answer into a crash the fuzzer keeps, and a temporary file for readers that take a path. */
#ifndef AL_FUZZ_H
#define AL_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant is a finding like a crash: abort, so libFuzzer saves the input. */
#define AL_FUZZ_CHECK(cond)                                                                                            \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);                               \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

/* The contract for bad input: one line that starts with the file's name. */
static inline void al_fuzz_check_error(const char *error, const char *path)
{
    AL_FUZZ_CHECK(error != NULL);
    AL_FUZZ_CHECK(strncmp(error, path, strlen(path)) == 0);
    AL_FUZZ_CHECK(strchr(error, '\n') == NULL);
    AL_FUZZ_CHECK(strstr(error, ": error: ") != NULL);
}

static char al_fuzz_temp_path[64];

static void al_fuzz_remove_temp(void)
{
    unlink(al_fuzz_temp_path);
}

/* Writes the input to this process's temporary file and returns its path. */
static inline const char *al_fuzz_temp_file(const uint8_t *data, size_t size)
{
    if (!al_fuzz_temp_path[0]) {
        const char *dir = getenv("TMPDIR");
        snprintf(al_fuzz_temp_path, sizeof(al_fuzz_temp_path), "%.40s/al-fuzz-%ld", dir && *dir ? dir : "/tmp",
                 (long)getpid());
        atexit(al_fuzz_remove_temp);
    }
    FILE *f = fopen(al_fuzz_temp_path, "wb");
    AL_FUZZ_CHECK(f != NULL);
    AL_FUZZ_CHECK(size == 0 || fwrite(data, 1, size, f) == size);
    AL_FUZZ_CHECK(fclose(f) == 0);
    return al_fuzz_temp_path;
}

#endif
