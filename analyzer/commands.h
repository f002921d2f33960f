/* commands: one driver per command of the command line. main.c parses the options and calls one;
 * each returns the exit code. */
#ifndef AL_COMMANDS_H
#define AL_COMMANDS_H

#include "options.h"

/* check [FILE...] and baseline: gather the facts, find the programs, analyze, report (or write a
 * shard file with --shard, or the baseline). */
int al_command_check(al_options *o);
/* merge SHARD_FILE...: the shards of a --shard run joined, then analyzed as check does. */
int al_command_merge(al_options *o);
/* programs: the programs found in the compile database, their units and how each was found. */
int al_command_programs(al_options *o);
/* rules list | rules show NAME */
int al_command_rules(al_options *o, int argc, char **argv);

#endif
