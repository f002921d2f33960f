/* facts: lifetime of a translation unit's facts, and their serialized form.
 *
 * The encoding is a flat sequence of LEB128 varints (signed values zigzagged) and length-prefixed
 * strings, in field order. Decoding checks every length, string id and argument range, because a
 * cache file can be truncated by a crash or edited by hand: bad bytes make the unit stale, they
 * never reach the analysis. */
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
    AL_VEC_FREE(tu->variables);
    AL_VEC_FREE(tu->var_uses);
    AL_VEC_FREE(tu->guards);
    AL_VEC_FREE(tu->blocks);
    AL_VEC_FREE(tu->loops);
    AL_VEC_FREE(tu->returns);
    AL_VEC_FREE(tu->stores);
    AL_VEC_FREE(tu->installs);
    AL_VEC_FREE(tu->objects);
    AL_VEC_FREE(tu->diags);
    AL_VEC_FREE(tu->includes);
    memset(tu, 0, sizeof(*tu));
}

/* ---- encoding ---- */

#define put_u64 al_bytes_put_u64
#define put_i64 al_bytes_put_i64
#define put_text al_bytes_put_text

static void put_loc(al_bytes *out, al_loc loc)
{
    put_u64(out, loc.file);
    put_u64(out, loc.line);
    put_u64(out, loc.column);
}

void al_tu_facts_encode(const al_tu_facts *tu, al_bytes *out)
{
    put_text(out, tu->file);
    put_u64(out, tu->parsed);
    put_text(out, tu->failure);
    put_u64(out, tu->error_count);
    put_u64(out, tu->strings.count);
    for (uint32_t i = 1; i < tu->strings.count; i++)
        put_text(out, al_str(&tu->strings, i));

    put_u64(out, tu->functions.count);
    for (size_t i = 0; i < tu->functions.count; i++) {
        const al_fact_function *f = &tu->functions.items[i];
        put_u64(out, f->key);
        put_u64(out, f->name);
        put_loc(out, f->loc);
        put_u64(out, f->defined);
        put_u64(out, f->annotations);
        put_u64(out, f->type);
        put_u64(out, f->returns);
    }
    put_u64(out, tu->calls.count);
    for (size_t i = 0; i < tu->calls.count; i++) {
        const al_fact_call *c = &tu->calls.items[i];
        put_u64(out, c->caller);
        put_u64(out, c->callee_key);
        put_u64(out, c->callee_name);
        put_loc(out, c->loc);
        put_u64(out, c->first_arg);
        put_u64(out, c->arg_count);
        put_u64(out, c->assigned_to);
        put_u64(out, c->variable_key);
        put_u64(out, c->pointee_type);
        put_u64(out, c->subscripted);
        put_i64(out, c->param);
        put_u64(out, c->assigned_field);
        put_u64(out, c->assigned_key);
        put_u64(out, c->returned);
        put_u64(out, c->statement);
        put_u64(out, c->block);
        put_u64(out, c->loop);
        put_u64(out, c->first_guard);
        put_u64(out, c->guard_count);
        put_u64(out, c->then_calls);
        put_u64(out, c->position);
        put_u64(out, c->label_before);
    }
    put_u64(out, tu->args.count);
    for (size_t i = 0; i < tu->args.count; i++) {
        const al_fact_arg *a = &tu->args.items[i];
        put_u64(out, a->kind);
        put_i64(out, a->value);
        put_u64(out, a->name);
        put_u64(out, a->key);
    }
    put_u64(out, tu->refs.count);
    for (size_t i = 0; i < tu->refs.count; i++) {
        const al_fact_ref *r = &tu->refs.items[i];
        put_u64(out, r->function_key);
        put_u64(out, r->function_name);
        put_i64(out, r->param);
        put_u64(out, r->enclosing);
        put_loc(out, r->loc);
        put_u64(out, r->use);
        put_u64(out, r->target);
        put_u64(out, r->target_key);
        put_i64(out, r->index);
        put_u64(out, r->type_name);
        put_u64(out, r->variable_key);
        put_u64(out, r->block);
        put_u64(out, r->first_guard);
        put_u64(out, r->guard_count);
        put_u64(out, r->holder);
    }
    put_u64(out, tu->diags.count);
    for (size_t i = 0; i < tu->diags.count; i++) {
        const al_fact_diag *d = &tu->diags.items[i];
        put_loc(out, d->loc);
        put_u64(out, d->fatal);
        put_u64(out, d->message);
    }
    put_u64(out, tu->aliases.count);
    for (size_t i = 0; i < tu->aliases.count; i++) {
        put_u64(out, tu->aliases.items[i].variable_key);
        put_u64(out, tu->aliases.items[i].source_key);
    }
    put_u64(out, tu->variables.count);
    for (size_t i = 0; i < tu->variables.count; i++) {
        const al_fact_variable *v = &tu->variables.items[i];
        put_u64(out, v->key);
        put_u64(out, v->name);
        put_loc(out, v->loc);
        put_u64(out, v->has_value);
        put_i64(out, v->value);
        put_u64(out, v->type);
    }
    put_u64(out, tu->var_uses.count);
    for (size_t i = 0; i < tu->var_uses.count; i++) {
        put_u64(out, tu->var_uses.items[i].function);
        put_u64(out, tu->var_uses.items[i].variable);
        put_u64(out, tu->var_uses.items[i].kind);
        put_u64(out, tu->var_uses.items[i].type);
        put_u64(out, tu->var_uses.items[i].holder);
    }
    put_u64(out, tu->guards.count);
    for (size_t i = 0; i < tu->guards.count; i++) {
        const al_fact_guard *g = &tu->guards.items[i];
        put_u64(out, g->subject_kind);
        put_u64(out, g->subject);
        put_i64(out, g->param);
        put_u64(out, g->op);
        put_i64(out, g->value);
        put_u64(out, g->value_key);
        put_i64(out, g->fixed);
    }
    put_u64(out, tu->blocks.count);
    for (size_t i = 0; i < tu->blocks.count; i++) {
        put_u64(out, tu->blocks.items[i].parent);
        put_u64(out, tu->blocks.items[i].function);
        put_u64(out, tu->blocks.items[i].switch_body);
        put_u64(out, tu->blocks.items[i].position);
        put_u64(out, tu->blocks.items[i].last_exit);
    }
    put_u64(out, tu->loops.count);
    for (size_t i = 0; i < tu->loops.count; i++) {
        put_u64(out, tu->loops.items[i].parent);
        put_u64(out, tu->loops.items[i].function);
        put_u64(out, tu->loops.items[i].once);
    }
    put_u64(out, tu->returns.count);
    for (size_t i = 0; i < tu->returns.count; i++) {
        put_u64(out, tu->returns.items[i].function);
        put_u64(out, tu->returns.items[i].variable);
        put_u64(out, tu->returns.items[i].target);
    }
    put_u64(out, tu->stores.count);
    for (size_t i = 0; i < tu->stores.count; i++) {
        put_u64(out, tu->stores.items[i].function);
        put_u64(out, tu->stores.items[i].target);
        put_i64(out, tu->stores.items[i].param);
        put_u64(out, tu->stores.items[i].local);
    }
    put_u64(out, tu->installs.count);
    for (size_t i = 0; i < tu->installs.count; i++) {
        const al_fact_install *in = &tu->installs.items[i];
        put_u64(out, in->function);
        put_i64(out, in->param);
        put_u64(out, in->local);
        put_u64(out, in->field);
        put_u64(out, in->descriptor);
    }
    put_u64(out, tu->objects.count);
    for (size_t i = 0; i < tu->objects.count; i++) {
        const al_fact_object *o = &tu->objects.items[i];
        put_u64(out, o->call);
        put_i64(out, o->param);
        put_u64(out, o->local);
        put_u64(out, o->field);
    }
    put_u64(out, tu->includes.count);
    for (size_t i = 0; i < tu->includes.count; i++)
        put_u64(out, tu->includes.items[i]);
}

/* ---- decoding ---- */

typedef struct reader {
    al_byte_reader bytes;
    uint32_t string_count; /* ids below it are valid */
} reader;

/* Most values are one or two bytes (ids, lines, flags, counts): read those here, as
 * al_bytes_get_u64 would (a last byte 0 is no encoding: it goes there, to be rejected). */
static inline uint64_t get_u64(reader *r)
{
    const unsigned char *p = r->bytes.p;
    if (!r->bytes.bad && r->bytes.end - p >= 2) {
        if (p[0] < 0x80) {
            r->bytes.p++;
            return p[0];
        }
        if (p[1] < 0x80 && p[1] != 0) {
            r->bytes.p += 2;
            return (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
        }
    }
    return al_bytes_get_u64(&r->bytes);
}

static uint32_t get_u32(reader *r, uint32_t limit)
{
    uint64_t v = get_u64(r);
    if (v >= limit) {
        r->bytes.bad = true;
        return 0;
    }
    return (uint32_t)v;
}

static long long get_i64(reader *r)
{
    return al_bytes_unzigzag(get_u64(r));
}

static int get_int(reader *r)
{
    long long v = get_i64(r);
    if (v < -1000000000LL || v > 1000000000LL)
        r->bytes.bad = true;
    return (int)v;
}

static uint32_t get_id(reader *r)
{
    return get_u32(r, r->string_count);
}

/* A count of records, each at least `min_size` bytes: bounded by what is left, so a corrupt count
 * cannot make us allocate gigabytes. */
static size_t get_count(reader *r, size_t min_size)
{
    uint64_t n = get_u64(r);
    if (n > (uint64_t)(r->bytes.end - r->bytes.p) / min_size) {
        r->bytes.bad = true;
        return 0;
    }
    return (size_t)n;
}

static char *get_text(reader *r, size_t *len)
{
    return al_bytes_get_text(&r->bytes, len);
}

static al_loc get_loc(reader *r)
{
    al_loc loc;
    loc.file = get_id(r);
    loc.line = get_u32(r, UINT32_MAX);
    loc.column = get_u32(r, UINT32_MAX);
    return loc;
}

bool al_tu_facts_decode(const void *data, size_t len, al_tu_facts *out)
{
    reader r = {{data, (const unsigned char *)data + len, false}, 1};
    char *file = get_text(&r, NULL);
    al_tu_facts_init(out, file ? file : "");
    /* what the encoder never writes is rejected, so a unit has one encoding: a file name is never
     * absent, and the string count includes id 0, "" */
    r.bytes.bad = r.bytes.bad || !file;
    free(file);
    out->parsed = get_u32(&r, 2);
    out->failure = get_text(&r, NULL);
    out->error_count = get_u32(&r, UINT32_MAX);
    size_t strings = get_count(&r, 1);
    r.bytes.bad = r.bytes.bad || strings == 0 || strings > UINT32_MAX;
    if (!r.bytes.bad)
        al_strtab_reserve(&out->strings, (uint32_t)strings);
    for (size_t i = 1; i < strings && !r.bytes.bad; i++) {
        size_t n = 0;
        const char *s = al_bytes_get_span(&r.bytes, &n);
        /* the interner gives equal strings equal ids: a duplicate would shift every later id */
        if (!s || al_strtab_intern_n(&out->strings, s, n) != i)
            r.bytes.bad = true;
    }
    r.string_count = out->strings.count;

    size_t n = get_count(&r, 9);
    AL_VEC_RESERVE(out->functions, n);
    for (size_t i = 0; i < n && !r.bytes.bad; i++) {
        al_fact_function f = {0};
        f.key = get_id(&r);
        f.name = get_id(&r);
        f.loc = get_loc(&r);
        f.defined = get_u32(&r, 2);
        f.annotations = get_u32(&r, 32);
        f.type = get_id(&r);
        f.returns = get_u32(&r, 2);
        AL_VEC_PUSH(out->functions, f);
    }
    n = get_count(&r, 23);
    AL_VEC_RESERVE(out->calls, n);
    for (size_t i = 0; i < n && !r.bytes.bad; i++) {
        al_fact_call c = {0};
        c.caller = get_id(&r);
        c.callee_key = get_id(&r);
        c.callee_name = get_id(&r);
        c.loc = get_loc(&r);
        c.first_arg = get_u32(&r, UINT32_MAX);
        c.arg_count = get_u32(&r, UINT32_MAX);
        c.assigned_to = get_id(&r);
        c.variable_key = get_id(&r);
        c.pointee_type = get_id(&r);
        c.subscripted = get_u32(&r, 2);
        c.param = get_int(&r);
        c.assigned_field = get_id(&r);
        c.assigned_key = get_id(&r);
        c.returned = get_u32(&r, 2);
        c.statement = get_u32(&r, 2);
        c.block = get_u32(&r, UINT32_MAX);
        c.loop = get_u32(&r, UINT32_MAX);
        c.first_guard = get_u32(&r, UINT32_MAX);
        c.guard_count = get_u32(&r, UINT32_MAX);
        c.then_calls = get_id(&r);
        c.position = get_u32(&r, UINT32_MAX);
        c.label_before = get_u32(&r, UINT32_MAX);
        AL_VEC_PUSH(out->calls, c);
    }
    n = get_count(&r, 4);
    AL_VEC_RESERVE(out->args, n);
    for (size_t i = 0; i < n && !r.bytes.bad; i++) {
        al_fact_arg a = {0};
        a.kind = (al_arg_kind)get_u32(&r, AL_ARG_FIELD_ADDRESS + 1);
        a.value = get_i64(&r);
        a.name = get_id(&r);
        a.key = get_id(&r);
        AL_VEC_PUSH(out->args, a);
    }
    for (size_t i = 0; i < out->calls.count && !r.bytes.bad; i++) {
        const al_fact_call *c = &out->calls.items[i];
        if ((uint64_t)c->first_arg + c->arg_count > out->args.count)
            r.bytes.bad = true;
    }
    n = get_count(&r, 17);
    AL_VEC_RESERVE(out->refs, n);
    for (size_t i = 0; i < n && !r.bytes.bad; i++) {
        al_fact_ref f = {0};
        f.function_key = get_id(&r);
        f.function_name = get_id(&r);
        f.param = get_int(&r);
        f.enclosing = get_id(&r);
        f.loc = get_loc(&r);
        f.use = (al_use_kind)get_u32(&r, AL_USE_OTHER + 1);
        f.target = get_id(&r);
        f.target_key = get_id(&r);
        f.index = get_int(&r);
        f.type_name = get_id(&r);
        f.variable_key = get_id(&r);
        f.block = get_u32(&r, UINT32_MAX);
        f.first_guard = get_u32(&r, UINT32_MAX);
        f.guard_count = get_u32(&r, UINT32_MAX);
        f.holder = get_id(&r);
        AL_VEC_PUSH(out->refs, f);
    }
    n = get_count(&r, 5);
    AL_VEC_RESERVE(out->diags, n);
    for (size_t i = 0; i < n && !r.bytes.bad; i++) {
        al_fact_diag d = {0};
        d.loc = get_loc(&r);
        d.fatal = get_u32(&r, 2);
        d.message = get_id(&r);
        AL_VEC_PUSH(out->diags, d);
    }
    n = get_count(&r, 2);
    AL_VEC_RESERVE(out->aliases, n);
    for (size_t i = 0; i < n && !r.bytes.bad; i++) {
        al_fact_alias a;
        a.variable_key = get_id(&r);
        a.source_key = get_id(&r);
        AL_VEC_PUSH(out->aliases, a);
    }
    n = get_count(&r, 8);
    AL_VEC_RESERVE(out->variables, n);
    for (size_t i = 0; i < n && !r.bytes.bad; i++) {
        al_fact_variable v = {0};
        v.key = get_id(&r);
        v.name = get_id(&r);
        v.loc = get_loc(&r);
        v.has_value = get_u32(&r, 2);
        v.value = get_i64(&r);
        v.type = get_id(&r);
        AL_VEC_PUSH(out->variables, v);
    }
    n = get_count(&r, 5);
    AL_VEC_RESERVE(out->var_uses, n);
    for (size_t i = 0; i < n && !r.bytes.bad; i++) {
        al_fact_var_use u = {0};
        u.function = get_id(&r);
        u.variable = get_id(&r);
        u.kind = (al_var_use_kind)get_u32(&r, AL_VAR_DISCARD + 1);
        u.type = get_id(&r);
        u.holder = get_id(&r);
        AL_VEC_PUSH(out->var_uses, u);
    }
    n = get_count(&r, 7);
    AL_VEC_RESERVE(out->guards, n);
    for (size_t i = 0; i < n && !r.bytes.bad; i++) {
        al_fact_guard g = {0};
        g.subject_kind = (al_guard_subject)get_u32(&r, AL_GUARD_FIXED + 1);
        g.subject = get_id(&r);
        g.param = get_int(&r);
        g.op = (al_guard_op)get_u32(&r, AL_GUARD_BITS_CLEAR + 1);
        g.value = get_i64(&r);
        g.value_key = get_id(&r);
        g.fixed = get_i64(&r);
        AL_VEC_PUSH(out->guards, g);
    }
    n = get_count(&r, 2);
    AL_VEC_RESERVE(out->blocks, n);
    for (size_t i = 0; i < n && !r.bytes.bad; i++) {
        al_fact_block b;
        b.parent = get_u32(&r, (uint32_t)i + 1); /* an enclosing block comes first */
        b.function = get_id(&r);
        b.switch_body = get_u32(&r, 2) != 0;
        b.position = get_u32(&r, UINT32_MAX);
        b.last_exit = get_u32(&r, UINT32_MAX);
        AL_VEC_PUSH(out->blocks, b);
    }
    n = get_count(&r, 3);
    AL_VEC_RESERVE(out->loops, n);
    for (size_t i = 0; i < n && !r.bytes.bad; i++) {
        al_fact_loop l;
        l.parent = get_u32(&r, (uint32_t)i + 1);
        l.function = get_id(&r);
        l.once = get_u32(&r, 2);
        AL_VEC_PUSH(out->loops, l);
    }
    n = get_count(&r, 3);
    AL_VEC_RESERVE(out->returns, n);
    for (size_t i = 0; i < n && !r.bytes.bad; i++) {
        al_fact_return ret;
        ret.function = get_id(&r);
        ret.variable = get_id(&r);
        ret.target = get_id(&r);
        AL_VEC_PUSH(out->returns, ret);
    }
    n = get_count(&r, 3);
    AL_VEC_RESERVE(out->stores, n);
    for (size_t i = 0; i < n && !r.bytes.bad; i++) {
        al_fact_store st;
        st.function = get_id(&r);
        st.target = get_id(&r);
        st.param = get_int(&r);
        st.local = get_id(&r);
        r.bytes.bad |= st.param < -1 || (st.param < 0) != (st.local != 0);
        AL_VEC_PUSH(out->stores, st);
    }
    n = get_count(&r, 5);
    AL_VEC_RESERVE(out->installs, n);
    for (size_t i = 0; i < n && !r.bytes.bad; i++) {
        al_fact_install in;
        in.function = get_id(&r);
        in.param = get_int(&r);
        in.local = get_id(&r);
        in.field = get_id(&r);
        in.descriptor = get_id(&r);
        r.bytes.bad |= in.param < -1 || (in.param < 0) != (in.local != 0) || !in.descriptor;
        AL_VEC_PUSH(out->installs, in);
    }
    n = get_count(&r, 4);
    AL_VEC_RESERVE(out->objects, n);
    for (size_t i = 0; i < n && !r.bytes.bad; i++) {
        al_fact_object o;
        o.call = get_u32(&r, (uint32_t)out->calls.count);
        o.param = get_int(&r);
        o.local = get_id(&r);
        o.field = get_id(&r);
        /* ascending calls, and a parameter or a local */
        r.bytes.bad |=
            (i > 0 && o.call <= out->objects.items[i - 1].call) || o.param < -1 || (o.param < 0) == (o.local == 0);
        AL_VEC_PUSH(out->objects, o);
    }
    /* every index into another list is within it */
    for (size_t i = 0; i < out->calls.count && !r.bytes.bad; i++) {
        const al_fact_call *c = &out->calls.items[i];
        r.bytes.bad = c->block > out->blocks.count || c->loop > out->loops.count ||
                      (uint64_t)c->first_guard + c->guard_count > out->guards.count;
    }
    for (size_t i = 0; i < out->refs.count && !r.bytes.bad; i++) {
        const al_fact_ref *f = &out->refs.items[i];
        r.bytes.bad = f->block > out->blocks.count || (uint64_t)f->first_guard + f->guard_count > out->guards.count;
    }
    n = get_count(&r, 1);
    AL_VEC_RESERVE(out->includes, n);
    for (size_t i = 0; i < n && !r.bytes.bad; i++)
        AL_VEC_PUSH(out->includes, get_id(&r));
    if (r.bytes.bad || r.bytes.p != r.bytes.end) {
        al_tu_facts_free(out);
        al_tu_facts_init(out, "");
        return false;
    }
    return true;
}
