/* text: compiler-style diagnostics that editors and CI log parsers already understand. */
#include <stdlib.h>
#include <string.h>

#include "observed.h"
#include "report.h"

#define BOLD "\033[1m"
#define RED "\033[1;31m"
#define MAGENTA "\033[1;35m"
#define CYAN "\033[1;36m"
#define RESET "\033[0m"

/* Text from sources goes to terminals: control characters (escape sequences) become '?'. */
static void put_clean(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, out);
}

static void put_location(FILE *out, const al_text_options *o, al_source_loc loc)
{
    if (o->color)
        fputs(BOLD, out);
    put_clean(out, al_path_relative_to(loc.file, o->cwd));
    fprintf(out, ":%u:%u:", loc.line, loc.column);
    if (o->color)
        fputs(RESET, out);
    fputc(' ', out);
}

static void put_label(FILE *out, const al_text_options *o, const char *label, const char *colour)
{
    if (o->color)
        fprintf(out, "%s%s:" RESET " ", colour, label);
    else
        fprintf(out, "%s: ", label);
}

static const char *severity_colour(al_severity s)
{
    return s == AL_SEVERITY_ERROR ? RED : s == AL_SEVERITY_WARNING ? MAGENTA : CYAN;
}

static void put_take_note(FILE *out, const al_text_options *o, const al_lock_holder *x)
{
    put_location(out, o, x->acquired_at);
    put_label(out, o, "note", CYAN);
    fputc('\'', out);
    put_clean(out, x->acquired_in);
    fputs("' takes '", out);
    put_clean(out, x->lock);
    fputs("' here\n", out);
}

/* A chain's calls as notes: every step but the last (the blocking call the error line shows); or,
 * of a lock holder's worker, every step, where the lock is taken before the first call of the
 * function that takes it, and the last one saying it blocks while the lock is held. */
static void put_chain_notes(FILE *out, const al_text_options *o, const al_finding_handler *h,
                            const al_lock_holder *holder)
{
    const al_chain_step **steps = al_chain_steps(h);
    bool taken = false;
    for (size_t i = 0; i < h->chain_length && (holder || i + 1 < h->chain_length); i++) {
        const al_chain_step *s = steps[i];
        if (holder && !taken && strcmp(s->call->function, holder->acquired_in) == 0) {
            put_take_note(out, o, holder);
            taken = true;
        }
        put_location(out, o, s->call->loc);
        put_label(out, o, "note", CYAN);
        fputc('\'', out);
        put_clean(out, s->call->function);
        fputs("' calls '", out);
        put_clean(out, s->callee);
        fputc('\'', out);
        if (s->call->via) {
            /* "through field 'cmd.fn'": the kind, then the name quoted */
            const char *space = strchr(s->call->via, ' ');
            fputs(" through ", out);
            fwrite(s->call->via, 1, space ? (size_t)(space - s->call->via) : 0, out);
            fputs(" '", out);
            put_clean(out, space ? space + 1 : s->call->via);
            fputc('\'', out);
            if (s->call->targets > 1) /* how sure: which of them runs depends on data */
                fprintf(out, " (one of %u functions it may call)", s->call->targets);
            if (s->call->instance) {
                fputs(", but the object here was set up from '", out);
                put_clean(out, s->call->instance);
                fputs("', which does not hold it", out);
            }
        }
        if (holder && i + 1 == h->chain_length) {
            fputs(", which blocks while it holds '", out);
            put_clean(out, holder->lock);
            fputc('\'', out);
        }
        fputc('\n', out);
    }
    free(steps);
}

/* Where a handler (or a lock finding's worker, `holder`) is registered and how it runs, then its
 * chain. */
static void put_handler_notes(FILE *out, const al_text_options *o, const al_finding_handler *h,
                              const al_lock_holder *holder)
{
    put_location(out, o, h->registered_at);
    put_label(out, o, "note", CYAN);
    fputc('\'', out);
    put_clean(out, h->name);
    fputs(holder ? "' runs on a worker thread: " : "' runs on the loop thread: ", out);
    put_clean(out, h->context);
    fputc('\n', out);
    put_chain_notes(out, o, h, holder);
}

/* --show-suppressed: one note per suppressed finding, at the comment, with its reason. */
static void put_suppressed(FILE *out, const al_text_options *o, const al_finding *x)
{
    put_location(out, o, x->loc);
    put_label(out, o, "note", CYAN);
    fputs("suppressed: ", out);
    put_clean(out, x->message);
    fprintf(out, " [%s/%s]\n", x->rule, x->category);
    const al_suppression *sup = x->suppression;
    al_source_loc at = {sup->file, sup->line, sup->column};
    put_location(out, o, at);
    put_label(out, o, "note", CYAN);
    fputs("by '", out);
    put_clean(out, sup->marker);
    fputs("'", out);
    if (sup->reason) {
        fputs(": ", out);
        put_clean(out, sup->reason);
    }
    fputc('\n', out);
}

static void put_unused(FILE *out, const al_text_options *o, const al_suppression *sup)
{
    al_source_loc at = {sup->file, sup->line, sup->column};
    put_location(out, o, at);
    put_label(out, o, "note", CYAN);
    fputs("unused suppression '", out);
    put_clean(out, sup->marker);
    fprintf(out, "': no finding %s\n", sup->target == sup->line ? "on this line" : "on the next line");
}

/* "812 calls, 40.6 s in all, p50 50.1 ms, p99 50.3 ms, max 51.0 ms" */
static void put_stall(FILE *out, const al_stall *s)
{
    char total[32], p50[32], p99[32], max[32];
    al_format_duration(total, sizeof(total), s->total_ns);
    al_format_duration(p50, sizeof(p50), s->p50_ns);
    al_format_duration(p99, sizeof(p99), s->p99_ns);
    al_format_duration(max, sizeof(max), s->max_ns);
    fprintf(out, "%llu call%s, %s in all, p50 %s, p99 %s, max %s", (unsigned long long)s->calls,
            s->calls == 1 ? "" : "s", total, p50, p99, max);
}

static void put_observed_note(FILE *out, const al_text_options *o, const al_finding *x)
{
    put_location(out, o, x->loc);
    put_label(out, o, "note", CYAN);
    if (!x->observed) {
        fputs("not observed in the traces\n", out);
        return;
    }
    fputs("observed on a loop thread: ", out);
    put_stall(out, &x->observed->stall);
    fputc('\n', out);
}

/* A place without a column: "file:line: " or, for a frame without line information, the object. */
static void put_place(FILE *out, const al_text_options *o, const char *file, unsigned line, const char *module)
{
    if (o->color)
        fputs(BOLD, out);
    if (file) {
        put_clean(out, al_path_relative_to(file, o->cwd));
        fprintf(out, ":%u:", line);
    } else {
        put_clean(out, module ? module : "??");
        fputc(':', out);
    }
    if (o->color)
        fputs(RESET, out);
    fputc(' ', out);
}

#define SHOWN_FRAMES 12

/* A blocking call seen on a loop thread that no finding explains, with the stack it was seen with. */
static void put_observed_only(FILE *out, const al_text_options *o, const al_observation *x)
{
    const al_trace_site *s = x->example;
    const al_trace_frame *top = s->stack.count ? &s->stack.items[0] : NULL;
    put_place(out, o, x->loc.file, x->loc.line, top ? top->module : NULL);
    put_label(out, o, "warning", MAGENTA);
    if (o->color)
        fputs(BOLD, out);
    fputs("blocking call '", out);
    put_clean(out, s->api);
    fputs("' observed on a loop thread, which no finding explains: ", out);
    put_stall(out, &x->stall);
    fputs(" [async-lock/observed-only]", out);
    if (o->color)
        fputs(RESET, out);
    fputc('\n', out);
    for (size_t k = 0; k < s->stack.count && k < SHOWN_FRAMES; k++) {
        const al_trace_frame *fr = &s->stack.items[k];
        put_place(out, o, fr->file, fr->line, fr->module);
        put_label(out, o, "note", CYAN);
        fputs(k == 0 ? "called here" : "from here", out);
        if (fr->function) {
            /* without line information the name is the nearest exported symbol: a hint */
            fputs(fr->file ? ", in '" : ", near '", out);
            put_clean(out, fr->function);
            fputc('\'', out);
        }
        if (!fr->file)
            fprintf(out, " (+0x%llx)", (unsigned long long)fr->offset);
        fputc('\n', out);
    }
    if (s->stack.count > SHOWN_FRAMES)
        fprintf(out, "asynclock: ... %zu more frames (the JSON report has them all)\n", s->stack.count - SHOWN_FRAMES);
}

/* "'server'", "'server' and 'bench'", "'a', 'b' and 'c'": the programs of a finding. */
static void put_program_list(FILE *out, const al_findings *f, const al_u32_vec *programs)
{
    for (size_t i = 0; i < programs->count; i++) {
        if (i)
            fputs(i + 1 == programs->count ? " and " : ", ", out);
        fputc('\'', out);
        put_clean(out, f->programs.items[programs->items[i]].name);
        fputc('\'', out);
    }
}

/* An external function defined twice in one program: the build would not link, or links one of
 * the two by chance; the analysis used the first. */
static void put_clash(FILE *out, const al_text_options *o, const al_findings *f, const al_link_clash *c)
{
    put_location(out, o, c->other);
    put_label(out, o, "warning", MAGENTA);
    fputc('\'', out);
    put_clean(out, c->function);
    fprintf(out, "' is defined twice in program%s ", c->programs.count == 1 ? "" : "s");
    put_program_list(out, f, &c->programs);
    fputs(": here and at ", out);
    put_clean(out, al_path_relative_to(c->kept.file, o->cwd));
    fprintf(out, ":%u, which the analysis uses [link-clash]\n", c->kept.line);
}

/* "also reached from 2 other handlers: 'a' and 'b'": the handlers whose chains are not shown. */
static void put_other_handlers(FILE *out, const al_text_options *o, const al_finding *x)
{
    enum { NAMED = 6 };
    size_t others = x->handler_count - 1;
    put_location(out, o, x->loc);
    put_label(out, o, "note", CYAN);
    fprintf(out, "also reached from %zu other handler%s: ", others, others == 1 ? "" : "s");
    size_t named = others > NAMED ? NAMED - 1 : others;
    for (size_t i = 0; i < named; i++) {
        if (i)
            fputs(i + 1 == named && named == others ? " and " : ", ", out);
        fputc('\'', out);
        put_clean(out, x->handlers[i + 1].name);
        fputc('\'', out);
    }
    if (named < others)
        fprintf(out, " and %zu more", others - named);
    fputs(" (--all-chains shows their chains)\n", out);
}

/* The error or warning line of one finding. */
static void put_finding_line(FILE *out, const al_text_options *o, const al_finding *x)
{
    put_location(out, o, x->loc);
    put_label(out, o, al_severity_name(x->severity), severity_colour(x->severity));
    if (o->color)
        fputs(BOLD, out);
    put_clean(out, x->message);
    fprintf(out, " [%s/%s]", x->rule, x->category);
    if (o->color)
        fputs(RESET, out);
    fputc('\n', out);
}

void al_report_text(FILE *out, const al_findings *f, const al_text_options *o)
{
    size_t by_severity[3] = {0, 0, 0}, shown = 0, unchanged = 0;
    /* in the order of al_observed_rank: as built, or after --trace by measured stall */
    size_t *order = al_observed_rank(f);
#define NTH(n) (&f->items.items[order[n]])
    for (size_t i = 0; i < f->items.count;) {
        const al_finding *x = NTH(i);
        if (x->baseline == AL_BASELINE_UNCHANGED) {
            unchanged++; /* accepted in the baseline: counted, not repeated */
            i++;
            continue;
        }
        /* the group: this finding and the next ones that share its notes */
        size_t end = i + 1;
        while (end < f->items.count && NTH(end)->baseline != AL_BASELINE_UNCHANGED &&
               al_finding_same_group(x, NTH(end), o->all_chains))
            end++;
        for (size_t k = i; k < end; k++) {
            shown++;
            by_severity[NTH(k)->severity]++;
            put_finding_line(out, o, NTH(k));
        }
        if (end - i > 1) {
            put_location(out, o, x->loc);
            put_label(out, o, "note", CYAN);
            fprintf(out, "%zu blocking calls in '", end - i);
            put_clean(out, x->function);
            fputs("', reached the same way:\n", out);
        }
        size_t chains = o->all_chains ? x->handler_count : 1;
        for (size_t h = 0; h < chains; h++)
            put_handler_notes(out, o, &x->handlers[h], NULL);
        if (x->holder) /* a lock finding's other side: the worker, where it takes the lock, its calls */
            put_handler_notes(out, o, &x->holder->worker, x->holder);
        if (!o->all_chains && x->handler_count > 1)
            put_other_handlers(out, o, x);
        if (f->programs.count > 1) {
            put_location(out, o, x->loc);
            put_label(out, o, "note", CYAN);
            fprintf(out, "in program%s ", x->programs.count == 1 ? "" : "s");
            put_program_list(out, f, &x->programs);
            fputc('\n', out);
        }
        /* --trace: what each call of the group was seen to block, at the call */
        for (size_t k = i; k < end && f->observations; k++)
            put_observed_note(out, o, NTH(k));
        /* each fix of the group once, at the first call it is for */
        for (size_t k = i; k < end; k++) {
            const al_finding *y = NTH(k);
            bool seen = false;
            for (size_t j = i; j < k && !seen; j++)
                seen = strcmp(NTH(j)->fix, y->fix) == 0;
            if (seen)
                continue;
            put_location(out, o, y->loc);
            put_label(out, o, "note", CYAN);
            fputs("suggested fix: ", out);
            put_clean(out, y->fix);
            fputc('\n', out);
        }
        i = end;
    }
#undef NTH
    free(order);
    for (size_t i = 0; f->observations && i < f->observations->only.count; i++)
        put_observed_only(out, o, f->observations->only.items[i]);
    for (size_t i = 0; i < f->clashes.count; i++)
        put_clash(out, o, f, &f->clashes.items[i]);
    for (size_t i = 0; o->show_suppressed && i < f->suppressed.count; i++)
        put_suppressed(out, o, &f->suppressed.items[i]);
    for (size_t i = 0; i < f->unused.count; i++)
        put_unused(out, o, f->unused.items[i]);
    /* the failed units and why, so that a report saved with -o or read after -q still says the
     * program was only partly analyzed; not in compiler style, which the stderr lines already are */
    for (size_t i = 0; i < f->failures.count; i++) {
        fputs(f->failures.items[i].parsed ? "asynclock: partially analyzed: " : "asynclock: not analyzed: ", out);
        put_clean(out, f->failures.items[i].message);
        fputc('\n', out);
    }
    const al_summary *s = &f->summary;
    fprintf(out, "asynclock: %zu %sfinding%s", shown, f->baselined ? "new " : "", shown == 1 ? "" : "s");
    if (shown) {
        const char *names[3] = {"note", "warning", "error"};
        const char *sep = " (";
        for (int level = 2; level >= 0; level--) {
            if (!by_severity[level])
                continue;
            fprintf(out, "%s%zu %s%s", sep, by_severity[level], names[level], by_severity[level] == 1 ? "" : "s");
            sep = ", ";
        }
        fputc(')', out);
    }
    fprintf(out, " from %zu handler%s in ", s->handlers, s->handlers == 1 ? "" : "s");
    if (f->programs.count > 1)
        fprintf(out, "%zu programs, ", f->programs.count);
    fprintf(out, "%zu translation unit%s", s->translation_units, s->translation_units == 1 ? "" : "s");
    if (s->parse_errors) {
        size_t partial = 0;
        for (size_t i = 0; i < f->failures.count; i++)
            partial += f->failures.items[i].parsed;
        size_t skipped = f->failures.count - partial;
        fprintf(out, "; %zu of them failed: ", s->parse_errors);
        if (skipped)
            fprintf(out, "%zu not analyzed%s", skipped, partial ? ", " : "");
        if (partial)
            fprintf(out, "%zu partially analyzed", partial);
    }
    if (s->suppressed)
        fprintf(out, "; %zu suppressed%s", s->suppressed, o->show_suppressed ? "" : " (--show-suppressed lists them)");
    if (s->excluded)
        fprintf(out, "; %zu finding%s in excluded paths not shown", s->excluded, s->excluded == 1 ? "" : "s");
    fputc('\n', out);
    if (f->observations) {
        const al_observations *obs = f->observations;
        size_t observed = 0;
        for (size_t i = 0; i < f->items.count; i++)
            observed += f->items.items[i].observed != NULL;
        fprintf(out, "asynclock: traces: %zu of %zu finding%s observed on loop threads, %zu call site%s observed only",
                observed, f->items.count, f->items.count == 1 ? "" : "s", obs->only.count,
                obs->only.count == 1 ? "" : "s");
        if (obs->outside)
            fprintf(out, " and %zu outside the source root", obs->outside);
        fprintf(out, " (%zu trace file%s)\n", obs->files.count, obs->files.count == 1 ? "" : "s");
    }
    if (!f->baselined)
        return;
    size_t gone = 0;
    for (size_t i = 0; i < f->gone.count; i++)
        gone += f->gone.items[i].count;
    fprintf(out, "asynclock: baseline: %zu new, %zu unchanged, %zu gone\n", shown, unchanged, gone);
    for (size_t i = 0; i < f->gone.count; i++) {
        const al_baseline_entry *e = &f->gone.items[i];
        fputs("asynclock: gone: ", out);
        put_clean(out, e->file);
        fputs(": '", out);
        put_clean(out, e->call);
        fputs("' in '", out);
        put_clean(out, e->function);
        fputc('\'', out);
        if (e->count > 1)
            fprintf(out, " x%zu", e->count);
        fprintf(out, " [%s/%s] %s\n", e->rule, e->category, e->fingerprint);
    }
    if (gone)
        fputs("asynclock: the gone entries are prunable: run 'asynclock baseline' again to drop them\n", out);
}

void al_report_unknown_text(FILE *out, const al_unknown_entries *list, const al_text_options *o)
{
    if (list->count == 0) {
        fputs("asynclock: every external function that handlers reach is described by a rule\n", out);
        return;
    }
    fprintf(out, "asynclock: %zu external function%s reached from handlers that no rule describes;\n", list->count,
            list->count == 1 ? "" : "s");
    fputs("write rules for the ones that block (see docs/rules.md), or list them as \"nonblocking\"\n", out);
    fprintf(out, "%8s %6s  %-32s %s\n", "HANDLERS", "CALLS", "FUNCTION", "FIRST CALL");
    for (size_t i = 0; i < list->count; i++) {
        const al_unknown_entry *e = &list->items[i];
        fprintf(out, "%8zu %6zu  ", e->handlers, e->calls);
        put_clean(out, e->name);
        for (size_t n = strlen(e->name); n < 32; n++)
            fputc(' ', out);
        fputc(' ', out);
        put_clean(out, al_path_relative_to(e->example.file, o->cwd));
        fprintf(out, ":%u:%u (in ", e->example.line, e->example.column);
        put_clean(out, e->example_function);
        fputs(")\n", out);
    }
}
