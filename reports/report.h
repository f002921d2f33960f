/* reports: findings -> text a person or a program reads. Reads only al_findings (and, in later
 * formats, source files for snippets); never libclang or sqlite. Every string that came from the
 * analyzed code is escaped for the format it lands in. */
#ifndef AL_REPORT_H
#define AL_REPORT_H

#include <stdio.h>

#include "../analyzer/findings.h"

typedef struct al_text_options {
    bool color;           /* ANSI colours, for terminals */
    const char *cwd;      /* paths under it are shown relative to it */
    bool show_suppressed; /* list suppressed findings too, as notes */
    bool all_chains;      /* every handler's chain, not only the most direct one */
} al_text_options;

/* Compiler-style: "file:line:col: error: ... [async-lock/sleep]" with note: lines, then a summary.
 * Each finding shows its most direct chain and names the other handlers (all chains with
 * all_chains); findings in one function reached by the same chain share one set of notes. */
void al_report_text(FILE *out, const al_findings *f, const al_text_options *options);

/* The JSON contract of docs/json-output.md (version 1). */
void al_report_json(FILE *out, const al_findings *f, const char *tool_version);

/* SARIF 2.1.0 for code scanning (reports/sarif.c). Paths under `source_root` are written relative
 * to the %SRCROOT% base; `rules` of every category are described whether or not they fired. */
typedef struct al_sarif_options {
    const char *source_root; /* absolute; NULL: the findings' own source root */
    const char *tool_version;
} al_sarif_options;
void al_report_sarif(FILE *out, const al_findings *f, const al_sarif_options *options);

/* One self-contained HTML file (reports/html.c): inline CSS and JS, no network. Reads the source
 * files the findings name, for the lines of each chain step. Groups calls as the text report does
 * with all_chains (the page shows every chain). */
void al_report_html(FILE *out, const al_findings *f, const char *tool_version);

/* GitLab Code Quality JSON (reports/codequality.c); against a baseline, new findings only. */
void al_report_codequality(FILE *out, const al_findings *f);

/* --unknown: the external functions handlers reach that no rule describes. */
void al_report_unknown_text(FILE *out, const al_unknown_entries *list, const al_text_options *options);
void al_report_unknown_json(FILE *out, const al_unknown_entries *list, const char *tool_version);

#endif
