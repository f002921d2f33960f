/* facts: lifetime of a translation unit's facts. */
#include "facts.h"

#include <stdlib.h>
#include <string.h>

void al_tu_facts_init(al_tu_facts *tu, const char *file)
{
    memset(tu, 0, sizeof(*tu));
    tu->file = al_xstrdup(file);
    al_strtab_init(&tu->strings);
}

void al_tu_facts_free(al_tu_facts *tu)
{
    free(tu->file);
    free(tu->failure);
    al_strtab_free(&tu->strings);
    AL_VEC_FREE(tu->functions);
    AL_VEC_FREE(tu->calls);
    AL_VEC_FREE(tu->args);
    AL_VEC_FREE(tu->refs);
    AL_VEC_FREE(tu->aliases);
    AL_VEC_FREE(tu->diags);
    memset(tu, 0, sizeof(*tu));
}
