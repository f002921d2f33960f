/* indirect: what calls through function pointers may call.
 *
 * A call through a struct field ("S.f") or a variable or array (by its link key) may call every
 * function stored into that field or variable anywhere in the program, by assignment or
 * initializer, directly or through the parameters of project functions that store what they
 * receive (`set_handler(c, on_x)` whose body does `c->cb = fn`), to any depth, and through
 * variables that copy another's (`cb_t *t = handlers;`). With `by_type`, a
 * call that finds nothing that way may call any address-taken function of its function type. */
#ifndef AL_INDIRECT_H
#define AL_INDIRECT_H

#include "program.h"

/* Fills p->target_start, p->targets and each indirect call's `via`. */
void al_indirect_resolve(al_program *p, bool by_type);

#endif
