/* libclang: opened on first use (see libclang.h). */
#define AL_LIBCLANG_DEFINE_TABLE
#include "libclang.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

/* The library asynclock was built with: its soname, and that name in the folder it was found in
 * (CMakeLists.txt). */
#ifndef AL_LIBCLANG_SONAME
#define AL_LIBCLANG_SONAME "libclang.so"
#endif
#ifndef AL_LIBCLANG_PATH
#define AL_LIBCLANG_PATH AL_LIBCLANG_SONAME
#endif

al_libclang_api al_libclang;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static void *library;    /* never closed: LLVM does not unload */
static char *load_error; /* NULL once loaded */

/* What dlopen is given: $ASYNCLOCK_LIBCLANG, else the built-with path when it exists, else the
 * soname for the loader's search. *is_path: whether it names one file (a '/' in it). */
static const char *library_to_open(bool *is_path)
{
    const char *name = getenv("ASYNCLOCK_LIBCLANG");
    struct stat st;
    if (!name || !*name)
        name = stat(AL_LIBCLANG_PATH, &st) == 0 ? AL_LIBCLANG_PATH : AL_LIBCLANG_SONAME;
    *is_path = strchr(name, '/') != NULL;
    return name;
}

static void load(void)
{
    bool is_path;
    const char *name = library_to_open(&is_path);
    library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        const char *why = dlerror();
        load_error = al_one_line(al_xasprintf("asynclock: error: cannot load libclang: %s (install the libclang "
                                              "asynclock was built with, or name one in ASYNCLOCK_LIBCLANG)",
                                              why ? why : name));
        return;
    }
    al_libclang_api api;
    const char *missing = NULL;
#define AL_LIBCLANG_BIND(fn)                                                                                           \
    if (!missing) {                                                                                                    \
        void *symbol = dlsym(library, #fn);                                                                            \
        if (symbol)                                                                                                    \
            memcpy(&api.fn, &symbol, sizeof(symbol));                                                                  \
        else                                                                                                           \
            missing = #fn;                                                                                             \
    }
    AL_LIBCLANG_FUNCTIONS(AL_LIBCLANG_BIND)
#undef AL_LIBCLANG_BIND
    if (missing) {
        load_error = al_one_line(
            al_xasprintf("asynclock: error: cannot use libclang %s: it has no %s (asynclock needs LLVM 14 or later)",
                         name, missing));
        dlclose(library);
        library = NULL;
        return;
    }
    al_libclang = api;
}

bool al_libclang_load(char **error)
{
    pthread_once(&load_once, load);
    if (load_error && error)
        *error = al_xstrdup(load_error);
    return !load_error;
}

char *al_libclang_file_identity(void)
{
    bool is_path;
    const char *name = library_to_open(&is_path);
    struct stat st;
    if (!is_path || stat(name, &st) != 0)
        return NULL;
    return al_xasprintf("%s %llu %llu %lld %lld.%09ld %lld.%09ld", name, (unsigned long long)st.st_dev,
                        (unsigned long long)st.st_ino, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                        st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
}
