/* Fuzz target for the "command" strings of compile_commands.json (analyzer/compdb.c): the input,
 * up to its first NUL, is split like sh would and filtered to the arguments libclang gets. Every
 * word is a string, and every path kept is absolute. */
#include "compdb.h"
#include "fuzz.h"

static const char *const path_options[] = {"-I",       "-isystem",  "-iquote",  "-idirafter", "-include",
                                           "-imacros", "-isysroot", "-iprefix", NULL};

static bool takes_path(const char *arg)
{
    for (int i = 0; path_options[i]; i++)
        if (strcmp(arg, path_options[i]) == 0)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *command = al_xstrndup((const char *)data, size);
    int argc = -1;
    char **argv = al_shell_split(command, &argc);
    AL_FUZZ_CHECK(argc >= 0 && argv != NULL);
    for (int i = 0; i < argc; i++)
        AL_FUZZ_CHECK(argv[i] != NULL);
    int count = -1;
    char **args = al_compdb_clang_args(argv, argc, "/work/build", &count);
    AL_FUZZ_CHECK(count >= 0 && count <= 2 * argc && args != NULL);
    for (int i = 0; i < count; i++) {
        AL_FUZZ_CHECK(args[i] != NULL);
        if (takes_path(args[i])) {
            AL_FUZZ_CHECK(i + 1 < count);
            AL_FUZZ_CHECK(args[++i][0] == '/');
        }
    }
    al_free_argv(args, count);
    al_free_argv(argv, argc);
    free(command);
    return 0;
}
