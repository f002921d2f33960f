/* version: what `asynclock --version` says (see version.h). */
#include "version.h"

#include <stdlib.h>

#include "extract.h"
#include "rules.h"
#include "trace.h"

#ifndef AL_VERSION
#define AL_VERSION "0.1.0"
#endif
#ifndef AL_LIBCLANG_BUILT
#define AL_LIBCLANG_BUILT "LLVM unknown"
#endif

int al_version_print(FILE *out)
{
    char *clang_error = NULL, *running = al_extract_clang_version(&clang_error);
    fprintf(out, "asynclock %s\nlibclang: built with %s, C API %s; running %s\n", AL_VERSION, AL_LIBCLANG_BUILT,
            al_extract_cindex_version(), running ? running : "none (it cannot be loaded)");
    free(running);
    char *shim = al_trace_shim_path();
    fprintf(out, "trace shim: %s\n", shim ? shim : "not installed");
    free(shim);
    char *dir = al_rules_default_dir(), *error = NULL;
    fprintf(out, "rule packs: %s\n", dir);
    al_rules *rules = al_rules_new();
    bool ok = al_rules_load_path(rules, dir, &error);
    if (ok) {
        al_rules_print_packs(rules, out);
    } else {
        fflush(out);
        fprintf(stderr, "%s\n", error);
        free(error);
    }
    al_rules_free(rules);
    free(dir);
    if (clang_error) {
        fflush(out);
        fprintf(stderr, "%s\n", clang_error);
        free(clang_error);
        ok = false;
    }
    return ok ? 0 : 2;
}
