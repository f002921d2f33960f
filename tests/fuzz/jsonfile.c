/* Fuzz target for analyzer/jsonfile.c: any bytes as a JSON input. Malformed input must give one
 * error line; for well-formed input, the error locator (a scanner over the raw text) must find a
 * line and column inside the text for the path of every value in it. Loading the same bytes from
 * a file must agree with parsing them in memory. */
#include "fuzz.h"
#include "jsonfile.h"

#define PATH "fuzz.json"
#define MAX_VALUES 64

static unsigned line_count(const char *text)
{
    unsigned n = 1;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

/* The byte offset of line:col (both from 1) in text. */
static size_t offset_of(const char *text, unsigned line, unsigned col)
{
    size_t i = 0;
    for (unsigned l = 1; l < line; i++)
        if (text[i] == '\n')
            l++;
    return i + col - 1;
}

/* Asks for an error at `where`, checks it points inside the text, and when the path names exactly
 * one value (`node`), that the value written there is that value. */
static void check_locate(const al_jsonfile *jf, const char *where, unsigned lines, const cJSON *node)
{
    char *error = al_jsonfile_error(jf, where, "value at '%s'", where);
    unsigned line = 0, col = 0;
    AL_FUZZ_CHECK(sscanf(error, PATH ":%u:%u: error: ", &line, &col) == 2);
    AL_FUZZ_CHECK(line >= 1 && line <= lines && col >= 1);
    size_t offset = offset_of(jf->text, line, col);
    AL_FUZZ_CHECK(offset <= strlen(jf->text));
    if (node) {
        /* compared as printed: cJSON_Compare is wrong for objects with a key twice */
        cJSON *there = cJSON_ParseWithOpts(jf->text + offset, NULL, false);
        AL_FUZZ_CHECK(there != NULL);
        char *expected = cJSON_PrintUnformatted(node), *found = cJSON_PrintUnformatted(there);
        AL_FUZZ_CHECK(expected && found && strcmp(expected, found) == 0);
        cJSON_free(expected);
        cJSON_free(found);
        cJSON_Delete(there);
    }
    free(error);
}

/* Whether `key` names `child` alone among its siblings, and can be written in a path. */
static bool unique_key(const cJSON *parent, const cJSON *child)
{
    if (!*child->string || strchr(child->string, '/'))
        return false;
    for (const cJSON *c = parent->child; c != child; c = c->next)
        if (strcmp(c->string, child->string) == 0)
            return false;
    return true;
}

/* Whether a \u escape decodes to NUL: \u0000, or one that is not hex, which cJSON reads as 0.
 * cJSON cuts such a key short, so no path names its value. */
static bool has_nul_escape(const char *text)
{
    for (const char *p = strstr(text, "\\u"); p; p = strstr(p + 2, "\\u")) {
        bool hex = true;
        for (int i = 2; i < 6 && hex; i++)
            hex = p[i] && strchr("0123456789abcdefABCDEF", p[i]);
        if (!hex || strncmp(p + 2, "0000", 4) == 0)
            return true;
    }
    return false;
}

/* Every value's slash-separated path, breadth first, iteratively. */
static void check_every_path(const al_jsonfile *jf)
{
    unsigned lines = line_count(jf->text);
    bool exact_possible = !has_nul_escape(jf->text);
    typedef struct pending {
        const cJSON *node;
        char *path;
        bool exact; /* the path names this node and no other */
    } pending;
    AL_VEC(pending) queue = {0};
    pending first = {jf->root, al_xstrdup(""), exact_possible};
    AL_VEC_PUSH(queue, first);
    for (size_t head = 0; head < queue.count; head++) {
        pending at = queue.items[head];
        check_locate(jf, at.path, lines, at.exact ? at.node : NULL);
        int index = 0;
        const cJSON *child;
        cJSON_ArrayForEach(child, at.node)
        {
            if (queue.count >= MAX_VALUES)
                break;
            const char *sep = *at.path ? "/" : "";
            pending next = {child, NULL, at.exact};
            if (cJSON_IsObject(at.node)) {
                next.path = al_xasprintf("%s%s%s", at.path, sep, child->string);
                next.exact = next.exact && unique_key(at.node, child);
            } else {
                next.path = al_xasprintf("%s%s%d", at.path, sep, index);
            }
            AL_VEC_PUSH(queue, next);
            index++;
        }
    }
    for (size_t i = 0; i < queue.count; i++)
        free(queue.items[i].path);
    AL_VEC_FREE(queue);
    /* paths that name nothing stop at the deepest part that exists */
    check_locate(jf, "no/such/key", lines, NULL);
    check_locate(jf, "999999/0", lines, NULL);
    check_locate(jf, "-1", lines, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    al_jsonfile jf;
    char *error = NULL;
    bool ok = al_jsonfile_parse(&jf, PATH, (const char *)data, size, &error);
    if (ok)
        check_every_path(&jf);
    else
        al_fuzz_check_error(error, PATH);

    /* the file reader agrees with the in-memory parser */
    const char *path = al_fuzz_temp_file(data, size);
    al_jsonfile from_file;
    char *file_error = NULL;
    bool file_ok = al_jsonfile_load(&from_file, path, &file_error);
    AL_FUZZ_CHECK(file_ok == ok);
    if (!ok)
        AL_FUZZ_CHECK(strcmp(strchr(file_error, ':'), strchr(error, ':')) == 0);
    al_jsonfile_free(&from_file);
    free(file_error);
    free(error);
    al_jsonfile_free(&jf);
    return 0;
}
