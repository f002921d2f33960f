/* origins: where a descriptor or stream that a call is given comes from, for the rules'
 * "opened_by" and "only_opened_by" tests (rules.h al_call_args). */
#ifndef AL_ORIGINS_H
#define AL_ORIGINS_H

#include "program.h"
#include "rules.h"

/* The arguments of call `call` of program p as the rules ask about them; `context` is storage
 * the result points to, alive as long as the result is used. */
typedef struct al_origin_context {
    const al_program *p;
    const al_call *call;
} al_origin_context;

al_call_args al_origins_call_args(const al_program *p, const al_call *call, al_origin_context *context);

#endif
