/* instances: which descriptor the object of a call through a slot was set up from, along a chain.
 *
 * A generic container calls through slots of a descriptor that each instance is created with:
 * `r->write(r, buf)` after `*r = file_ops;` in rio_init_file, `d->type->free_val(v)` after
 * `d = dict_create(&set_type)`. The call graph lets such a call reach every function any
 * descriptor puts in that slot. Along one chain the instance can often be told: walking back from
 * the call through the parameters that hand the object down, the function that holds it as a
 * local or parameter sets it up from a descriptor (directly, or by calling a function that does).
 * When that descriptor's initializer does not put the function the chain reaches in the slot, the
 * chain cannot happen for the object at hand. It is still a possible way for the handler when
 * an object set up from a descriptor that does hold the function may reach the call: set up by a
 * function the handler reaches (on the loop thread) and that reaches the call (a replica's load
 * from disk, next to the same load from a socket that the chain took).
 *
 * It is a check of chains, not a search: a site whose chains all fail it may still be reached by
 * another path, which the context-free search does not tell apart. The findings say so (certainty
 * "unlikely") instead of dropping the site. What cannot be told (an object from a field, a
 * descriptor written at run time, a slot stored into by code) is left as it is. */
#ifndef AL_INSTANCES_H
#define AL_INSTANCES_H

#include "paths.h"
#include "reach.h"

typedef struct al_instances al_instances;

/* NULL when the program sets up no object from a descriptor: there is nothing to check. `paths`
 * (NULL: every call can run) says which calls run on the loop thread. */
al_instances *al_instances_new(const al_program *p, const al_paths *paths);
void al_instances_free(al_instances *in);

/* For link `link` of `r`: when it calls through an object's slot a function that the descriptor
 * the object was set up from does not hold there, and no other object set up on the handler's way
 * does, that descriptor's link key (a string id); else 0 (it does hold it, the instance is not
 * known, or *elsewhere: another object may, so the handler reaches the function by another way
 * than this chain). */
uint32_t al_instances_mismatch(al_instances *in, const al_reach *r, uint32_t link, bool *elsewhere);

/* The descriptor variable's name, for messages. */
const char *al_instances_descriptor_name(const al_instances *in, uint32_t descriptor);

#endif
