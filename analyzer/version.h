/* version: `asynclock --version`, the facts a bug report needs about this build.
 *
 * The asynclock version; the libclang it was compiled against (LLVM version and folder, found by
 * CMake, and the C API version of its headers) and the one it runs with; the trace shim `asynclock
 * trace` preloads (trace.h), or "not installed"; and the rule packs of the default folder, each
 * with its format version, its API count and a digest of its file, so two installations, or a
 * locally edited pack, can be told apart. */
#ifndef AL_VERSION_H
#define AL_VERSION_H

#include <stdio.h>

/* Writes the version text to `out`; returns 0, or 2 (after a one-line error on standard error)
 * when a pack of the default folder or libclang does not load. */
int al_version_print(FILE *out);

#endif
