/* changes: git diff hunks -> changed line ranges -> findings filter. */
#include "changes.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t lookup(const al_changes *c, const char *file)
{
    for (size_t i = 0; i < c->files.count; i++)
        if (strcmp(c->files.items[i].path, file) == 0)
            return i;
    return SIZE_MAX;
}

static al_changed_file *file_entry(al_changes *c, const char *path)
{
    size_t k = lookup(c, path);
    if (k != SIZE_MAX)
        return &c->files.items[k];
    al_changed_file f = {al_xstrdup(path), false, {0}};
    AL_VEC_PUSH(c->files, f);
    return &c->files.items[c->files.count - 1];
}

/* A path from a "+++ " line: "b/dir/x.c" or, for unusual names, "\"b/dir/x\\tc\"" in C quoting. */
static char *diff_path(const char *s, size_t len)
{
    al_strbuf b = {0};
    if (len && s[len - 1] == '\t') /* git ends a name that has a space with a tab */
        len--;
    if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
        static const char escapes[] = "a\ab\bf\fn\nr\rt\tv\v\\\\\"\"";
        for (size_t i = 1; i + 1 < len; i++) {
            if (s[i] != '\\' || i + 2 >= len) {
                al_strbuf_putc(&b, s[i]);
            } else if (s[i + 1] >= '0' && s[i + 1] <= '7' && i + 4 < len) {
                al_strbuf_putc(&b, (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
                i += 3;
            } else {
                const char *e = strchr(escapes, s[i + 1]);
                al_strbuf_putc(&b, e && (e - escapes) % 2 == 0 ? e[1] : s[i + 1]);
                i++;
            }
        }
    } else {
        al_strbuf_append_n(&b, s, len);
    }
    char *path = al_strbuf_take(&b);
    if (strncmp(path, "b/", 2) == 0)
        memmove(path, path + 2, strlen(path + 2) + 1);
    return path;
}

void al_changes_parse_diff(al_changes *c, const char *diff, const char *top)
{
    al_changed_file *current = NULL;
    c->found.count = 0; /* new files: resolve every path again */
    for (const char *line = diff; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len && line[len - 1] == '\r')
            len--;
        if (strncmp(line, "diff ", 5) == 0) {
            current = NULL;
        } else if (len > 4 && strncmp(line, "+++ ", 4) == 0) {
            current = NULL;
            if (strncmp(line + 4, "/dev/null", 9) != 0) {
                char *rel = diff_path(line + 4, len - 4);
                char *abs = al_path_absolute(rel, top);
                current = file_entry(c, abs);
                free(abs);
                free(rel);
            }
        } else if (current && strncmp(line, "@@ ", 3) == 0) {
            const char *plus = memchr(line, '+', len);
            unsigned long first = 0, count = 1;
            char *after = NULL;
            if (plus)
                first = strtoul(plus + 1, &after, 10);
            if (after && *after == ',')
                count = strtoul(after + 1, NULL, 10);
            /* count 0: lines were only removed, after line `first`; both neighbours changed */
            al_line_range r = {(unsigned)(count   ? first
                                          : first ? first
                                                  : 1),
                               (unsigned)(count ? first + count - 1 : first + 1)};
            if (plus)
                AL_VEC_PUSH(current->ranges, r);
        }
        line = end ? end + 1 : NULL;
    }
}

/* Runs git with `args` in `dir` (no shell); its standard output, or NULL when it could not run or
 * failed. */
static char *run_git(const char *dir, const char *const *args)
{
    const char *argv[16] = {"git", "-C", dir};
    size_t n = 3;
    for (; args[n - 3] && n < 15; n++)
        argv[n] = args[n - 3];
    argv[n] = NULL;
    al_strbuf out = {0}, err = {0};
    al_strbuf_append(&out, "");
    int status = al_run_capture(argv, NULL, &out, &err);
    al_strbuf_free(&err);
    if (status != 0) {
        al_strbuf_free(&out);
        return NULL;
    }
    return al_strbuf_take(&out);
}

bool al_changes_from_git(al_changes *c, const char *dir, const char *revision, char **error)
{
    memset(c, 0, sizeof(*c));
    if (revision[0] == '-' || revision[0] == '\0') {
        *error = al_xasprintf("--changed-since: '%s' is not a revision", revision);
        return false;
    }
    char *top = run_git(dir, (const char *const[]){"rev-parse", "--show-toplevel", NULL});
    if (!top) {
        *error = al_xasprintf("--changed-since: %s is not in a git work tree (or git is not installed)", dir);
        return false;
    }
    top[strcspn(top, "\n")] = '\0';
    char *commit = al_xasprintf("%s^{commit}", revision);
    char *verified = run_git(dir, (const char *const[]){"rev-parse", "--verify", "--quiet", commit, NULL});
    free(commit);
    if (!verified) {
        *error = al_xasprintf("--changed-since: unknown revision '%s' in the git repository at %s", revision, top);
        free(top);
        return false;
    }
    verified[strcspn(verified, "\n")] = '\0';
    /* the verified commit id, so the revision text is never read as an option or a path */
    char *diff = run_git(top, (const char *const[]){"-c", "core.quotePath=false", "diff", "--unified=0", "--no-color",
                                                    "--no-ext-diff", "--no-renames", verified, "--", NULL});
    char *untracked =
        diff ? run_git(top, (const char *const[]){"ls-files", "--others", "--exclude-standard", "-z", NULL}) : NULL;
    bool ok = diff && untracked;
    if (ok) {
        al_changes_parse_diff(c, diff, top);
        for (const char *p = untracked; *p; p += strlen(p) + 1) {
            char *abs = al_path_absolute(p, top);
            file_entry(c, abs)->whole = true;
            free(abs);
        }
    } else {
        *error = al_xasprintf("--changed-since: git diff %s failed in %s", revision, top);
    }
    free(untracked);
    free(diff);
    free(verified);
    free(top);
    return ok;
}

/* The changed file `file` is, or NULL; answers are remembered, since findings repeat their files. */
static const al_changed_file *resolve(al_changes *c, const char *file)
{
    if (c->queried.strings == NULL)
        al_strtab_init(&c->queried);
    uint32_t id = al_strtab_intern(&c->queried, file);
    while (c->found.count <= id)
        AL_VEC_PUSH(c->found, 0);
    if (c->found.items[id] == 0) {
        size_t k = lookup(c, file);
        /* git names files by their real path; the compile database may reach them by a symlink */
        char real[PATH_MAX];
        if (k == SIZE_MAX && realpath(file, real) && strcmp(real, file) != 0)
            k = lookup(c, real);
        c->found.items[id] = k == SIZE_MAX ? SIZE_MAX : k + 1;
    }
    size_t k = c->found.items[id];
    return k == SIZE_MAX ? NULL : &c->files.items[k - 1];
}

bool al_changes_touches(al_changes *c, const char *file, unsigned line)
{
    const al_changed_file *f = resolve(c, file);
    if (!f)
        return false;
    if (f->whole)
        return true;
    for (size_t i = 0; i < f->ranges.count; i++)
        if (line >= f->ranges.items[i].first && line <= f->ranges.items[i].last)
            return true;
    return false;
}

static bool finding_touched(const al_finding *x, al_changes *c)
{
    if (al_changes_touches(c, x->loc.file, x->loc.line))
        return true;
    for (size_t h = 0; h < x->handler_count; h++) {
        const al_finding_handler *fh = &x->handlers[h];
        if (al_changes_touches(c, fh->defined_at.file, fh->defined_at.line) ||
            al_changes_touches(c, fh->registered_at.file, fh->registered_at.line))
            return true;
        for (const al_chain_step *s = fh->last; s; s = s->up)
            if (al_changes_touches(c, s->call->loc.file, s->call->loc.line))
                return true;
    }
    return false;
}

void al_changes_filter(al_findings *f, al_changes *c)
{
    size_t kept = 0;
    for (size_t i = 0; i < f->items.count; i++) {
        al_finding *x = &f->items.items[i];
        if (finding_touched(x, c)) {
            f->items.items[kept++] = *x;
            continue;
        }
        al_finding_free(x);
    }
    f->items.count = kept;
    f->summary.findings = kept;
}

void al_changes_free(al_changes *c)
{
    for (size_t i = 0; i < c->files.count; i++) {
        free(c->files.items[i].path);
        AL_VEC_FREE(c->files.items[i].ranges);
    }
    AL_VEC_FREE(c->files);
    if (c->queried.strings)
        al_strtab_free(&c->queried);
    AL_VEC_FREE(c->found);
    memset(c, 0, sizeof(*c));
}
