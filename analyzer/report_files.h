/* report_files: where a run's reports go. Each report file is written under a temporary name and
 * renamed when complete, so a failed or interrupted run never leaves a truncated report that looks
 * finished; all of a run's files are opened before the analysis, so an unwritable path fails fast. */
#ifndef AL_REPORT_FILES_H
#define AL_REPORT_FILES_H

#include <stdio.h>

#include "../reports/report.h"
#include "options.h"

typedef struct al_report_file {
    const char *path; /* NULL: standard output */
    char *temporary;
    FILE *f;
} al_report_file;

/* The main report (-o, or standard output) and the side reports (--json, --sarif, --html,
 * --codequality). */
typedef struct al_report_set {
    al_report_file main;
    al_report_file side[AL_SIDE_COUNT];
} al_report_set;

/* False (message printed, nothing left behind) when one cannot be created. */
bool al_reports_open(const al_options *o, al_report_set *r);
/* Drops every report not yet committed: nothing is written. */
void al_reports_abandon(al_report_set *r);
/* Renames one report into place; false (message printed) when it cannot be written. */
bool al_report_commit(al_report_file *r);

/* Writes the findings in the main format and in every side report; false when one failed. */
bool al_reports_write(al_report_set *r, const al_options *o, const al_findings *findings, const al_text_options *text);

#endif
