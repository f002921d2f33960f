/* suppress: suppression comments, read from the source files findings point into. */
#include "suppress.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Where `needle` starts in text[0, len), or NULL. */
static const char *find(const char *text, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(text + i, needle, n) == 0)
            return text + i;
    return NULL;
}

/* The reason after `p`: text after "--" (or, for NOLINT, a ':'), to the end of the comment. */
static char *reason_after(const char *p, const char *end, bool colon)
{
    while (p < end && isspace((unsigned char)*p))
        p++;
    if (end - p >= 2 && p[0] == '-' && p[1] == '-')
        p += 2;
    else if (colon && p < end && *p == ':')
        p++;
    else
        return NULL;
    const char *close = find(p, (size_t)(end - p), "*/");
    if (close)
        end = close;
    while (p < end && isspace((unsigned char)*p))
        p++;
    while (end > p && isspace((unsigned char)end[-1]))
        end--;
    return end > p ? al_xstrndup(p, (size_t)(end - p)) : NULL;
}

/* "[file-io, dns]" after asynclock:ignore, at p: sets *categories to ",file-io,dns," and returns the
 * position after ']'. */
static const char *bracket_list(const char *p, const char *end, char **categories)
{
    if (p >= end || *p != '[')
        return p;
    const char *close = memchr(p, ']', (size_t)(end - p));
    if (!close)
        return p;
    al_strbuf b = {0};
    al_strbuf_putc(&b, ',');
    for (const char *q = p + 1; q < close; q++)
        if (!isspace((unsigned char)*q))
            al_strbuf_putc(&b, *q);
    al_strbuf_putc(&b, ',');
    *categories = al_strbuf_take(&b);
    return close + 1;
}

/* NOLINT(check, check): whether it covers asynclock, and which categories ("async-lock/dns"). */
static const char *nolint_list(const char *p, const char *end, bool *covers, bool *ours, char **categories)
{
    *covers = true; /* plain NOLINT covers every check */
    *ours = false;
    if (p >= end || *p != '(')
        return p;
    const char *close = memchr(p, ')', (size_t)(end - p));
    if (!close)
        return p;
    *covers = false;
    bool all = false;
    al_strbuf b = {0};
    al_strbuf_putc(&b, ',');
    for (const char *q = p + 1; q < close;) {
        while (q < close && (isspace((unsigned char)*q) || *q == ','))
            q++;
        const char *start = q;
        while (q < close && *q != ',' && !isspace((unsigned char)*q))
            q++;
        size_t n = (size_t)(q - start);
        if (n == 1 && *start == '*') {
            *covers = true;
        } else if (n >= 10 && strncmp(start, "async-lock", 10) == 0) {
            *covers = *ours = true;
            if (n > 11 && start[10] == '/')
                al_strbuf_appendf(&b, "%.*s,", (int)(n - 11), start + 11);
            else
                all = true; /* async-lock, async-lock* */
        }
    }
    if (*ours && !all && b.len > 1)
        *categories = al_strbuf_take(&b);
    al_strbuf_free(&b);
    return close + 1;
}

bool al_suppression_parse(const char *text, size_t len, al_suppression *out)
{
    memset(out, 0, sizeof(*out));
    const char *comment = find(text, len, "//");
    const char *block = find(text, len, "/*");
    if (!comment || (block && block < comment))
        comment = block;
    if (!comment)
        return false;
    const char *end = text + len;
    size_t rest = (size_t)(end - comment);
    const char *mark = find(comment, rest, "asynclock:ignore");
    const char *p;
    if (mark) {
        p = mark + strlen("asynclock:ignore");
        if (end - p >= 10 && memcmp(p, "-next-line", 10) == 0) {
            out->target = 1;
            p += 10;
        } else if (p < end && (isalnum((unsigned char)*p) || *p == '-' || *p == '_')) {
            return false; /* some other word */
        }
        p = bracket_list(p, end, &out->categories);
        out->ours = true;
        out->reason = reason_after(p, end, false);
    } else if ((mark = find(comment, rest, "NOLINT"))) {
        p = mark + 6;
        if (end - p >= 8 && memcmp(p, "NEXTLINE", 8) == 0) {
            out->target = 1;
            p += 8;
        } else if (end - p >= 5 && memcmp(p, "BEGIN", 5) == 0) {
            out->begins = true; /* its lines run to the NOLINTEND that the file scan pairs it with */
            out->target = 1;
            p += 5;
        } else if (end - p >= 3 && memcmp(p, "END", 3) == 0) {
            out->ends = true;
            p += 3;
        }
        if (p < end && (isalnum((unsigned char)*p) || *p == '_'))
            return false; /* some other word */
        bool covers;
        p = nolint_list(p, end, &covers, &out->ours, &out->categories);
        if (!covers && !out->ends) { /* any NOLINTEND closes the open NOLINTBEGIN */
            free(out->categories);
            out->categories = NULL;
            return false;
        }
        out->reason = reason_after(p, end, true);
    } else {
        return false;
    }
    out->column = (unsigned)(mark - text) + 1;
    out->marker = al_xstrndup(mark, (size_t)(p - mark));
    return true;
}

/* ---- the files ---- */

typedef struct file_comments {
    AL_VEC(al_suppression) items; /* by line */
} file_comments;

struct al_suppressions {
    al_strtab files; /* path -> index into comments */
    AL_VEC(file_comments) comments;
};

al_suppressions *al_suppressions_new(void)
{
    al_suppressions *s = al_xcalloc(1, sizeof(*s));
    al_strtab_init(&s->files);
    return s;
}

void al_suppressions_free(al_suppressions *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->comments.count; i++) {
        file_comments *fc = &s->comments.items[i];
        for (size_t k = 0; k < fc->items.count; k++) {
            free(fc->items.items[k].marker);
            free(fc->items.items[k].categories);
            free(fc->items.items[k].reason);
        }
        AL_VEC_FREE(fc->items);
    }
    AL_VEC_FREE(s->comments);
    al_strtab_free(&s->files);
    free(s);
}

/* The comments of `file`, read and parsed on first use. */
static file_comments *comments_of(al_suppressions *s, const char *file)
{
    uint32_t id = al_strtab_find(&s->files, file);
    if (id != UINT32_MAX)
        return &s->comments.items[id];
    id = al_strtab_intern(&s->files, file);
    while (s->comments.count <= id) {
        file_comments empty = {0};
        AL_VEC_PUSH(s->comments, empty);
    }
    file_comments *fc = &s->comments.items[id];
    size_t len = 0;
    char *text = *file ? al_read_file(file, &len) : NULL;
    if (!text)
        return fc;
    const char *path = al_str(&s->files, id);
    AL_VEC(size_t) open_regions = {0}; /* NOLINTBEGIN comments not closed yet, innermost last */
    unsigned line = 1;
    for (size_t i = 0; i < len; line++) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
        al_suppression sup;
        /* cheap test first: most lines hold neither marker */
        if (memchr(text + i, '/', n) && al_suppression_parse(text + i, n, &sup)) {
            if (sup.ends) {
                if (open_regions.count)
                    fc->items.items[open_regions.items[--open_regions.count]].target_end = line - 1;
                free(sup.marker);
                free(sup.categories);
                free(sup.reason);
            } else {
                sup.file = path;
                sup.line = line;
                sup.target += line;
                sup.target_end = sup.begins ? UINT_MAX : sup.target;
                if (sup.begins)
                    AL_VEC_PUSH(open_regions, fc->items.count);
                AL_VEC_PUSH(fc->items, sup);
            }
        }
        i += n + 1;
    }
    AL_VEC_FREE(open_regions);
    free(text);
    return fc;
}

static bool covers(const al_suppression *sup, const char *category)
{
    if (!sup->categories)
        return true;
    size_t n = strlen(category);
    for (const char *p = strstr(sup->categories, category); p; p = strstr(p + 1, category))
        if (p[-1] == ',' && p[n] == ',')
            return true;
    return false;
}

al_suppression *al_suppressions_match(al_suppressions *s, const char *file, unsigned line, const char *category)
{
    file_comments *fc = comments_of(s, file);
    for (size_t i = 0; i < fc->items.count; i++) {
        al_suppression *sup = &fc->items.items[i];
        if (line >= sup->target && line <= sup->target_end && covers(sup, category)) {
            sup->used = true;
            return sup;
        }
    }
    return NULL;
}

bool al_suppressions_near(al_suppressions *s, const char *file, unsigned line)
{
    file_comments *fc = comments_of(s, file);
    for (size_t i = 0; i < fc->items.count; i++)
        if (line >= fc->items.items[i].target && line <= fc->items.items[i].target_end)
            return true;
    return false;
}

void al_suppressions_scan(al_suppressions *s, const char *file)
{
    comments_of(s, file);
}

static int by_place(const void *a, const void *b)
{
    const al_suppression *x = *(const al_suppression *const *)a, *y = *(const al_suppression *const *)b;
    int c = strcmp(x->file, y->file);
    return c ? c : x->line < y->line ? -1 : x->line > y->line;
}

void al_suppressions_unused(const al_suppressions *s, al_suppression_list *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < s->comments.count; i++)
        for (size_t k = 0; k < s->comments.items[i].items.count; k++) {
            const al_suppression *sup = &s->comments.items[i].items.items[k];
            if (sup->ours && !sup->used)
                AL_VEC_PUSH(*out, sup);
        }
    if (out->count > 1)
        qsort(out->items, out->count, sizeof(*out->items), by_place);
}
