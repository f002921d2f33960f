/* changes: the lines changed since a git revision, and the findings that touch them.
 *
 * `git diff --unified=0 REV` (run with an argument vector, never a shell) in the source root gives
 * the changed lines of tracked files, work tree included; untracked files count as changed
 * throughout. --changed-since keeps only the findings whose blocking call, any chain step, or any
 * handler's definition or registration lies on a changed line: what a pull request introduces. */
#ifndef AL_CHANGES_H
#define AL_CHANGES_H

#include "findings.h"

typedef struct al_line_range {
    unsigned first, last; /* inclusive, from 1 */
} al_line_range;

typedef struct al_changed_file {
    char *path; /* absolute */
    bool whole; /* new or untracked: every line */
    AL_VEC(al_line_range) ranges;
} al_changed_file;

typedef struct al_changes {
    AL_VEC(al_changed_file) files;
    al_strtab queried;    /* paths al_changes_touches was asked about ... */
    AL_VEC(size_t) found; /* ... by id: their index in files, SIZE_MAX none, 0 not resolved yet */
} al_changes;

/* Adds the new-side ranges of a unified diff (any context size) to `c`; paths are taken relative
 * to `top`, the repository's top folder. Deleted files are skipped; a pure deletion marks the lines
 * on either side of it. */
void al_changes_parse_diff(al_changes *c, const char *diff, const char *top);

/* Runs git in `dir`. On failure returns false and sets *error to one line. */
bool al_changes_from_git(al_changes *c, const char *dir, const char *revision, char **error);

/* Whether `line` of `file` changed; each path is resolved once (symlinks: realpath). */
bool al_changes_touches(al_changes *c, const char *file, unsigned line);

/* Drops the findings no changed line touches; keeps the summary count true. */
void al_changes_filter(al_findings *f, al_changes *c);

void al_changes_free(al_changes *c);

#endif
