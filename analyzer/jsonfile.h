/* jsonfile: reads a JSON input (compile database, rule pack) with cJSON and turns every problem
 * into a one-line message that names the file, line and column, the way a compiler would. */
#ifndef AL_JSONFILE_H
#define AL_JSONFILE_H

#include <cjson/cJSON.h>

#include "util.h"

typedef struct al_jsonfile {
    char *path; /* as the user named it */
    char *text; /* the whole file, kept to locate values for later errors */
    cJSON *root;
} al_jsonfile;

/* Parses `path`. On failure returns false and sets *error to "path:line:col: error: ...". */
bool al_jsonfile_load(al_jsonfile *jf, const char *path, char **error);
/* The same for `len` bytes already in memory (any bytes: a NUL is an error); `path` names them in
 * messages. The fuzz targets and callers that hold the text use it. */
bool al_jsonfile_parse(al_jsonfile *jf, const char *path, const char *data, size_t len, char **error);
void al_jsonfile_free(al_jsonfile *jf);

/* "path:line:col: error: <message>" for the value at `where`, a slash-separated JSON path such as
 * "apis/3/severity" (array indexes are numbers; "" is the root). A key that is absent points at its
 * object. */
char *al_jsonfile_error(const al_jsonfile *jf, const char *where, const char *fmt, ...) AL_PRINTF(3, 4);

/* Line and column (from 1) of byte `offset` in `text`. */
void al_text_line_col(const char *text, size_t offset, unsigned *line, unsigned *col);

#endif
