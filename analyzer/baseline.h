/* baseline: findings accepted today, so a check fails only on new ones.
 *
 * A baseline is a JSON multiset of fingerprints (docs/baselines.md): each entry names one identity
 * (rule, category, file relative to the source root, function, call, handler) and how many findings
 * carry it, with an optional reason a person wrote. Fingerprints hold no line numbers, so entries
 * survive edits elsewhere in a file. */
#ifndef AL_BASELINE_H
#define AL_BASELINE_H

#include <stdio.h>

#include "findings.h"

#define AL_BASELINE_VERSION 1

/* Reads a baseline. On failure returns false and sets *error to one line naming the file. */
bool al_baseline_load(al_baseline_entries *out, const char *path, char **error);
/* The same for a baseline already in memory (`len` bytes); `path` names it in messages. */
bool al_baseline_parse(al_baseline_entries *out, const char *path, const char *text, size_t len, char **error);

/* Today's findings as entries, ordered by file, function and call; a reason `previous` gave a
 * fingerprint is kept. `previous` may be NULL. */
void al_baseline_from_findings(al_baseline_entries *out, const al_findings *f, const al_baseline_entries *previous);

void al_baseline_write(FILE *out, const al_baseline_entries *entries, const char *tool_version);

/* Marks every finding new or unchanged (the first `count` findings with an entry's fingerprint are
 * unchanged) and fills f->gone with what is left of each entry. */
void al_baseline_apply(al_findings *f, const al_baseline_entries *baseline);

void al_baseline_free(al_baseline_entries *entries);

#endif
