/* check_run: what the check and merge drivers share (cmd_check.c). */
#ifndef AL_CHECK_RUN_H
#define AL_CHECK_RUN_H

#include <time.h>

#include "compdb.h"
#include "options.h"
#include "program.h"
#include "report_files.h"
#include "targets.h"

/* The programs of `set`, analyzed and reported (findings, or --unknown's listing); the exit code. */
int al_check_analyze_and_report(al_options *o, const al_rules *rules, al_unit_set *set, const al_targets *targets,
                                size_t cached_units, al_report_set *reports, const struct timespec *started);

/* The absolute folder of the compile database: where the build keeps its own files. */
char *al_check_build_folder(const al_compdb *db);

#endif
