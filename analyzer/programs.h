/* programs: which programs a compile database builds, and which units each one links.
 *
 * Every later stage (link, contexts, pointer resolution, reach) runs once per program, so a symbol
 * is resolved inside its program and a chain never leaves it. The rules, in order
 * (docs/programs.md):
 *   1. the configuration's "programs" list, when it has one, is the whole answer;
 *   2. an executable target of the build (targets.h): CMake's file API (its units and the
 *      libraries it links), or a target named by object paths that has a unit defining main;
 *   3. a unit that defines main and that no target holds: an executable of its own;
 *   then each executable takes, transitively, the units that define what its units reference, among
 *   the units no other executable holds and that define no main;
 *   4. a library or module target that no executable took is a program of its own;
 *   5. the units no program took form one library program.
 * A unit may belong to several programs. */
#ifndef AL_PROGRAMS_H
#define AL_PROGRAMS_H

#include "config.h"
#include "program.h"
#include "targets.h"

typedef struct al_program_def {
    char *name;
    char *how;               /* one line: how it was found */
    bool library;            /* no main: a library's units */
    al_u32_vec units;        /* unit indexes (in the unit set and the compile database), ascending */
    AL_VEC(char *) notes;    /* choices the reference closure had to make between two definitions */
    al_u32_vec plugin_units; /* units of plugins that joined it (their external functions are entries) */
} al_program_def;

typedef struct al_programs {
    AL_VEC(al_program_def) items;
    size_t unassigned; /* units that no program holds (with a configuration's list only) */
} al_programs;

typedef struct al_programs_options {
    const al_config_program *rules; /* the configuration's "programs", or NULL */
    size_t rule_count;
    const char *rules_base; /* the folder its globs are relative to */
} al_programs_options;

void al_programs_find(al_programs *out, const al_unit_set *set, const al_targets *targets,
                      const al_programs_options *options);
void al_programs_free(al_programs *p);
void al_program_def_free(al_program_def *d);

/* The index of the program named `name`, or -1. */
int al_programs_index(const al_programs *p, const char *name);

#endif
