/* Replays a fuzz target's corpus without libFuzzer: every file named on the command line, and
 * every file of every folder named (in name order), is passed once to LLVMFuzzerTestOneInput.
 * Linked with each target in the ordinary builds, so ctest runs the corpus under gcc, under the
 * sanitizers, and under valgrind alike. A crash or a broken invariant aborts the replay. */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "fuzz.h"

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_file(const char *path)
{
    size_t len = 0;
    char *data = al_read_file(path, &len);
    if (!data) {
        fprintf(stderr, "%s: error: cannot read: %s\n", path, strerror(errno));
        exit(2);
    }
    fprintf(stderr, "replay %s\n", path);
    /* a copy of exactly `len` bytes, so ASan sees a read past the input */
    uint8_t *copy = al_xmalloc(len ? len : 1);
    memcpy(copy, data, len);
    free(data);
    LLVMFuzzerTestOneInput(copy, len);
    free(copy);
}

static size_t replay_folder(const char *folder)
{
    DIR *dir = opendir(folder);
    if (!dir) {
        fprintf(stderr, "%s: error: cannot open: %s\n", folder, strerror(errno));
        exit(2);
    }
    AL_VEC(char *) names = {0};
    struct dirent *e;
    while ((e = readdir(dir))) {
        char *path = al_xasprintf("%s/%s", folder, e->d_name);
        struct stat st;
        if (e->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode))
            AL_VEC_PUSH(names, path);
        else
            free(path);
    }
    closedir(dir);
    if (names.count)
        qsort(names.items, names.count, sizeof(char *), compare_names);
    for (size_t i = 0; i < names.count; i++) {
        replay_file(names.items[i]);
        free(names.items[i]);
    }
    size_t count = names.count;
    AL_VEC_FREE(names);
    return count;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            count += replay_folder(argv[i]);
        } else {
            replay_file(argv[i]);
            count++;
        }
    }
    if (count == 0) {
        fputs("replay: no inputs (an empty corpus tests nothing)\n", stderr);
        return 2;
    }
    fprintf(stderr, "replay: %zu inputs, no crash\n", count);
    return 0;
}
