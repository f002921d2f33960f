/* jsonfile: cJSON parsing with positions. cJSON keeps no source positions, so an error about a
 * value (a bad "severity" in a rule pack) is located by walking the text along the value's JSON
 * path with a small scanner that skips values without building them. */
#include "jsonfile.h"

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
    size_t len = 0;
    char *text = al_read_file(path, &len);
    if (!text) {
        memset(jf, 0, sizeof(*jf));
        *error = al_one_line(al_xasprintf("%s: error: cannot read: %s", path, strerror(errno)));
        return false;
    }
    bool ok = al_jsonfile_parse(jf, path, text, len, error);
    free(text);
    return ok;
}

bool al_jsonfile_parse(al_jsonfile *jf, const char *path, const char *data, size_t len, char **error)
{
    memset(jf, 0, sizeof(*jf));
    jf->path = al_xstrdup(path);
    jf->text = al_xstrndup(data, len);
    if (strlen(jf->text) != len) {
        unsigned line, col;
        size_t nul = strlen(jf->text);
        al_text_line_col(jf->text, nul, &line, &col);
        *error = al_one_line(al_xasprintf("%s:%u:%u: error: NUL byte in JSON text", path, line, col));
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
            *error = al_one_line(al_xasprintf("%s:%u:%u: error: empty file, expected JSON", path, line, col));
        else
            *error = al_one_line(al_xasprintf("%s:%u:%u: error: malformed JSON", path, line, col));
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

/* What cJSON skips as white space: every byte from 1 to 32, not only isspace() (found by
 * tests/fuzz/jsonfile.c: a stray control character shifted every later position). */
static bool is_space(char c)
{
    return c && (unsigned char)c <= 32;
}

static const char *skip_space(const char *p)
{
    while (is_space(*p))
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
            while (*p && !is_space(*p) && !strchr(",}]", *p))
                p++;
        }
    } while (depth > 0);
    return p;
}

static int hex_value(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Writes code point `cp` as UTF-8 into buf (4 bytes); returns the length. */
static size_t put_utf8(long cp, char *buf)
{
    if (cp < 0x80) {
        buf[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        buf[0] = (char)(0xc0 | (cp >> 6));
        buf[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        buf[0] = (char)(0xe0 | (cp >> 12));
        buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        buf[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    buf[0] = (char)(0xf0 | (cp >> 18));
    buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    buf[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Whether the JSON string at `q` (its opening quote) spells the n bytes of `name` once its escapes
 * are decoded as cJSON decodes them: "a\u00e9" is the key "a\xc3\xa9". */
static bool key_equals(const char *q, const char *name, size_t n)
{
    size_t i = 0;
    for (const char *p = q + 1; *p && *p != '"'; p++) {
        char buf[4];
        size_t len = 1;
        const char *bytes = p;
        if (*p == '\\' && p[1]) {
            p++;
            bytes = buf;
            if (*p == 'u') {
                long cp = hex_value(p + 1);
                if (cp < 0)
                    return false;
                p += 4;
                if (cp >= 0xd800 && cp < 0xdc00 && p[1] == '\\' && p[2] == 'u') { /* surrogate pair */
                    long low = hex_value(p + 3);
                    if (low < 0xdc00 || low > 0xdfff)
                        return false;
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                    p += 6;
                }
                len = put_utf8(cp, buf);
            } else {
                switch (*p) {
                case 'b':
                    buf[0] = '\b';
                    break;
                case 'f':
                    buf[0] = '\f';
                    break;
                case 'n':
                    buf[0] = '\n';
                    break;
                case 'r':
                    buf[0] = '\r';
                    break;
                case 't':
                    buf[0] = '\t';
                    break;
                default: /* \" \\ \/ */
                    buf[0] = *p;
                }
            }
        }
        if (i + len > n || memcmp(name + i, bytes, len) != 0)
            return false;
        i += len;
    }
    return i == n;
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
                const char *colon = skip_space(skip_string(q));
                if (*colon != ':')
                    break;
                const char *value = skip_space(colon + 1);
                if (key_equals(q, part, n)) {
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
    return al_one_line(al_strbuf_take(&b));
}
