/* suppress: suppression comments in source files (docs/suppressions.md).
 *
 *   x = sleep(1); // asynclock:ignore -- startup only, before the loop runs
 *   // asynclock:ignore-next-line[file-io] -- the file is on tmpfs
 *   x = sleep(1); // NOLINT(async-lock/sleep): clang-tidy's spelling works too
 *
 * The findings stage asks, for each call site of a finding's chain, whether a comment suppresses
 * it. The source files are read here, when first asked about, rather than recorded by the
 * extractor: the facts of a unit then stay valid when only comments change, and no libclang
 * token walk is needed for the few files that findings touch. */
#ifndef AL_SUPPRESS_H
#define AL_SUPPRESS_H

#include "util.h"

typedef struct al_suppression {
    const char *file; /* absolute */
    unsigned line;    /* of the comment */
    unsigned column;  /* of the marker */
    unsigned target;  /* the line it applies to: `line`, or `line + 1` for the next-line forms */
    char *marker;     /* "asynclock:ignore", "NOLINT(async-lock/dns)", ... as written */
    char *categories; /* ",dns,file-io," or NULL: every category */
    char *reason;     /* after "--" (or ':' for NOLINT), or NULL */
    bool ours;        /* names asynclock: an unused one is reported. Plain NOLINT is not ours. */
    bool used;
    unsigned target_end; /* the last line it applies to: `target`, or for NOLINTBEGIN the line of
                            its NOLINTEND (the end of the file when there is none) */
    bool begins, ends;   /* NOLINTBEGIN / NOLINTEND */
} al_suppression;

/* Parses the suppression comment of one source line (without its newline), if any. The caller
 * sets file and line. */
bool al_suppression_parse(const char *text, size_t len, al_suppression *out);

typedef struct al_suppressions al_suppressions;

al_suppressions *al_suppressions_new(void);
void al_suppressions_free(al_suppressions *s);

/* The comment that suppresses a finding of `category` at `file`:`line`, marked used, or NULL. An
 * unreadable file suppresses nothing. */
al_suppression *al_suppressions_match(al_suppressions *s, const char *file, unsigned line, const char *category);

/* Whether a comment of any category applies to `file`:`line`, without marking it used: a cheap
 * test before the matches of a whole chain. */
bool al_suppressions_near(al_suppressions *s, const char *file, unsigned line);

/* Reads `file` too, so that its comments are reported when unused. */
void al_suppressions_scan(al_suppressions *s, const char *file);

/* Every comment of the files read that is ours and was never used, by file and line. */
typedef AL_VEC(const al_suppression *) al_suppression_list;
void al_suppressions_unused(const al_suppressions *s, al_suppression_list *out);

#endif
