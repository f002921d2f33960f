/* sources: the analyzed program's source files, read once each and indexed by line, for the
 * stages that quote code: findings (the call text of a fingerprint), the reports (HTML chains,
 * SARIF columns) and the language server. libclang counts columns in bytes; LSP and SARIF count
 * UTF-16 code units: al_utf16_column converts. */
#ifndef AL_SOURCES_H
#define AL_SOURCES_H

#include "util.h"

typedef struct al_source {
    bool readable;
    char *text; /* NUL-terminated */
    size_t len;
    size_t *line_start; /* line n (1-based) starts at text + line_start[n - 1] */
    size_t line_count;
} al_source;

typedef struct al_sources {
    al_strtab paths; /* path -> id; files.items[id - 1] (id 0 is "") */
    AL_VEC(al_source) files;
} al_sources;

void al_sources_init(al_sources *s);
void al_sources_free(al_sources *s);

/* The file at `path`, read on first use; an unreadable one stays unreadable for this run. */
const al_source *al_sources_get(al_sources *s, const char *path);

/* Line `line` (1-based) without its line ending, or NULL past the end or for an unreadable file. */
const char *al_source_line(const al_source *src, unsigned line, size_t *len);

/* The UTF-16 column (1-based) of byte column `byte_column` (1-based) of a line of UTF-8 text. */
unsigned al_utf16_column(const char *line, size_t len, unsigned byte_column);

#endif
