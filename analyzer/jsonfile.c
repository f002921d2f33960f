/* jsonfile: cJSON parsing with positions. cJSON keeps no source positions, so an error about a
 * value (a bad "severity" in a rule pack) is located by walking the text along the value's JSON
 * path with a small scanner that skips values without building them. */
#include "jsonfile.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void al_text_line_col(const char *text, size_t offset, unsigned *line, unsigned *col)
{
    unsigned l = 1, c = 1;
    for (size_t i = 0; i < offset && text[i]; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

bool al_jsonfile_load(al_jsonfile *jf, const char *path, char **error)
{
    memset(jf, 0, sizeof(*jf));
    jf->path = al_xstrdup(path);
    size_t len = 0;
    jf->text = al_read_file(path, &len);
    if (!jf->text) {
        *error = al_xasprintf("%s: error: cannot read: %s", path, strerror(errno));
        return false;
    }
    return al_jsonfile_parse(jf, path, NULL, len, error);
}

bool al_jsonfile_parse(al_jsonfile *jf, const char *path, char *text, size_t len, char **error)
{
    if (text) {
        memset(jf, 0, sizeof(*jf));
        jf->path = al_xstrdup(path);
        jf->text = text;
    }
    if (strlen(jf->text) != len) {
        unsigned line, col;
        size_t nul = strlen(jf->text);
        al_text_line_col(jf->text, nul, &line, &col);
        *error = al_xasprintf("%s:%u:%u: error: NUL byte in JSON text", path, line, col);
        return false;
    }
    const char *end = NULL;
    jf->root = cJSON_ParseWithOpts(jf->text, &end, true);
    if (!jf->root) {
        const char *where = end ? end : cJSON_GetErrorPtr();
        size_t offset = where && where >= jf->text && where <= jf->text + len ? (size_t)(where - jf->text) : 0;
        unsigned line, col;
        al_text_line_col(jf->text, offset, &line, &col);
        if (len == 0 || strspn(jf->text, " \t\r\n") == len)
            *error = al_xasprintf("%s:%u:%u: error: empty file, expected JSON", path, line, col);
        else
            *error = al_xasprintf("%s:%u:%u: error: malformed JSON", path, line, col);
        return false;
    }
    return true;
}

void al_jsonfile_free(al_jsonfile *jf)
{
    cJSON_Delete(jf->root);
    free(jf->text);
    free(jf->path);
    memset(jf, 0, sizeof(*jf));
}

/* ---- a value-skipping scanner over the raw text ---- */

static const char *skip_space(const char *p)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    return p;
}

static const char *skip_string(const char *p)
{
    /* p at the opening quote */
    p++;
    while (*p && *p != '"') {
        if (*p == '\\' && p[1])
            p++;
        p++;
    }
    return *p ? p + 1 : p;
}

/* Skips one value of any depth, iteratively. */
static const char *skip_value(const char *p)
{
    p = skip_space(p);
    int depth = 0;
    do {
        if (!*p)
            return p;
        if (*p == '"') {
            p = skip_string(p);
        } else if (*p == '{' || *p == '[') {
            depth++;
            p++;
        } else if (*p == '}' || *p == ']') {
            depth--;
            p++;
        } else if (depth > 0) {
            p++;
        } else {
            while (*p && !strchr(",}] \t\r\n", *p))
                p++;
        }
    } while (depth > 0);
    return p;
}

/* The offset of the value at `where`; stops at the deepest part that exists. */
static size_t locate(const char *text, const char *where)
{
    const char *p = skip_space(text);
    const char *part = where;
    while (*part) {
        const char *slash = strchr(part, '/');
        size_t n = slash ? (size_t)(slash - part) : strlen(part);
        const char *found = NULL;
        if (*p == '{') {
            const char *q = skip_space(p + 1);
            while (*q == '"') {
                const char *key_end = skip_string(q);
                size_t key_len = (size_t)(key_end - q) - 2;
                const char *value = skip_space(skip_space(key_end) + 1);
                if (key_len == n && strncmp(q + 1, part, n) == 0) {
                    found = value;
                    break;
                }
                q = skip_space(skip_value(value));
                if (*q == ',')
                    q = skip_space(q + 1);
            }
        } else if (*p == '[') {
            long index = strtol(part, NULL, 10);
            const char *q = skip_space(p + 1);
            for (long i = 0; *q && *q != ']'; i++) {
                if (i == index) {
                    found = q;
                    break;
                }
                q = skip_space(skip_value(q));
                if (*q == ',')
                    q = skip_space(q + 1);
            }
        }
        if (!found)
            break;
        p = found;
        part = slash ? slash + 1 : part + n;
    }
    return (size_t)(p - text);
}

char *al_jsonfile_error(const al_jsonfile *jf, const char *where, const char *fmt, ...)
{
    unsigned line, col;
    al_text_line_col(jf->text, locate(jf->text, where), &line, &col);
    al_strbuf b = {0};
    al_strbuf_appendf(&b, "%s:%u:%u: error: ", jf->path, line, col);
    va_list ap;
    va_start(ap, fmt);
    al_strbuf_vappendf(&b, fmt, ap);
    va_end(ap);
    return al_strbuf_take(&b);
}
