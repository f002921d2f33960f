/* contexts: handler and worker discovery from references and annotations. */
#include "contexts.h"

#include <stdlib.h>
#include <string.h>

static const char *nonempty(const al_program *p, uint32_t id)
{
    const char *s = al_program_str(p, id);
    return *s ? s : NULL;
}

void al_contexts_find(al_contexts *c, const al_program *p, const al_rules *rules)
{
    memset(c, 0, sizeof(*c));
    size_t n = p->functions.count;
    c->role = al_xcalloc(n + 1, 1);
    /* the first registration of each handler; refs are in source order */
    const al_context_rule **rule_of = al_xcalloc(n + 1, sizeof(*rule_of));
    al_loc *where = al_xcalloc(n + 1, sizeof(*where));

    for (size_t i = 0; i < p->refs.count; i++) {
        const al_reference *r = &p->refs.items[i];
        const char *type = nonempty(p, r->type_name);
        const char *target = nonempty(p, r->target);
        const al_context_rule *rule = al_rules_match_context(rules, type, r->use == AL_USE_ARGUMENT ? target : NULL,
                                                             r->index, r->use == AL_USE_FIELD ? target : NULL);
        if (!rule)
            continue;
        uint8_t role = rule->role == AL_ROLE_HANDLER ? AL_CONTEXT_HANDLER : AL_CONTEXT_WORKER;
        if (role > c->role[r->function]) {
            c->role[r->function] = role;
            rule_of[r->function] = rule;
            where[r->function] = r->loc;
        }
    }
    for (size_t f = 0; f < n; f++) {
        const al_function *fn = &p->functions.items[f];
        if (!fn->defined)
            continue; /* an external function runs where its library runs it */
        bool annotated = fn->annotations & AL_ANNOT_HANDLER;
        if (c->role[f] != AL_CONTEXT_HANDLER && !annotated) {
            c->worker_count += c->role[f] == AL_CONTEXT_WORKER;
            continue;
        }
        al_handler h = {0};
        h.function = (uint32_t)f;
        if (c->role[f] == AL_CONTEXT_HANDLER) {
            h.kind = rule_of[f]->kind;
            h.family = rule_of[f]->family;
            h.registered_at = where[f];
        } else {
            c->role[f] = AL_CONTEXT_HANDLER;
            h.kind = "annotated asynclock:handler";
            h.family = "";
            h.registered_at = fn->loc;
        }
        AL_VEC_PUSH(c->handlers, h);
    }
    free(rule_of);
    free(where);
}

void al_contexts_free(al_contexts *c)
{
    AL_VEC_FREE(c->handlers);
    free(c->role);
    memset(c, 0, sizeof(*c));
}
