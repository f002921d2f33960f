/* analysis: everything after the facts, once per program.
 *
 *   unit set -> programs (programs.h) -> for each program: link (program.h), indirect, contexts,
 *   reach -> findings of every program merged (findings.h)
 *
 * The drivers of check, baseline and merge call it with the units they gathered; nothing here reads
 * files other than the sources findings quote. */
#ifndef AL_ANALYSIS_H
#define AL_ANALYSIS_H

#include "findings.h"
#include "options.h"
#include "programs.h"
#include "targets.h"

/* The programs of the units (al_programs_find with the configuration's list), restricted to those
 * --program names. False (message printed) when --program names no program found. */
bool al_analysis_programs(al_programs *out, const al_unit_set *set, const al_targets *targets, const al_options *o);

/* The findings of every program, merged. */
void al_analysis_findings(al_findings *out, const al_unit_set *set, const al_programs *programs, const al_rules *rules,
                          const al_options *o, const al_findings_options *fo);

/* --unknown: the undescribed external functions every program's handlers reach, by name (the
 * counts add up over programs). */
void al_analysis_unknown(al_unknown_entries *out, const al_unit_set *set, const al_programs *programs,
                         const al_rules *rules, const al_options *o);

#endif
