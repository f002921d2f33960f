/* text: compiler-style diagnostics that editors and CI log parsers already understand. */
#include <string.h>

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

static void put_handler_notes(FILE *out, const al_text_options *o, const al_finding_handler *h)
{
    put_location(out, o, h->registered_at);
    put_label(out, o, "note", CYAN);
    fputc('\'', out);
    put_clean(out, h->name);
    fputs("' runs on the loop thread: ", out);
    put_clean(out, h->context);
    fputc('\n', out);
    /* every step but the last, which is the blocking call the error line shows */
    for (size_t i = 0; i + 1 < h->chain_length; i++) {
        const al_chain_step *s = &h->chain[i];
        put_location(out, o, s->loc);
        put_label(out, o, "note", CYAN);
        fputc('\'', out);
        put_clean(out, s->function);
        fputs("' calls '", out);
        put_clean(out, s->callee);
        fputc('\'', out);
        if (s->via) {
            /* "through field 'cmd.fn'": the kind, then the name quoted */
            const char *space = strchr(s->via, ' ');
            fputs(" through ", out);
            fwrite(s->via, 1, space ? (size_t)(space - s->via) : 0, out);
            fputs(" '", out);
            put_clean(out, space ? space + 1 : s->via);
            fputc('\'', out);
        }
        fputc('\n', out);
    }
}

void al_report_text(FILE *out, const al_findings *f, const al_text_options *o)
{
    size_t by_severity[3] = {0, 0, 0};
    for (size_t i = 0; i < f->items.count; i++) {
        const al_finding *x = &f->items.items[i];
        by_severity[x->severity]++;
        put_location(out, o, x->loc);
        put_label(out, o, al_severity_name(x->severity), severity_colour(x->severity));
        if (o->color)
            fputs(BOLD, out);
        put_clean(out, x->message);
        fprintf(out, " [%s/%s]", x->rule, x->category);
        if (o->color)
            fputs(RESET, out);
        fputc('\n', out);
        for (size_t h = 0; h < x->handler_count; h++)
            put_handler_notes(out, o, &x->handlers[h]);
        put_location(out, o, x->loc);
        put_label(out, o, "note", CYAN);
        fputs("suggested fix: ", out);
        put_clean(out, x->fix);
        fputc('\n', out);
    }
    const al_summary *s = &f->summary;
    fprintf(out, "asynclock: %zu finding%s", s->findings, s->findings == 1 ? "" : "s");
    if (s->findings) {
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
    fprintf(out, " from %zu handler%s in %zu translation unit%s", s->handlers, s->handlers == 1 ? "" : "s",
            s->translation_units, s->translation_units == 1 ? "" : "s");
    if (s->parse_errors)
        fprintf(out, "; %zu translation unit%s had errors (see above)", s->parse_errors,
                s->parse_errors == 1 ? "" : "s");
    fputc('\n', out);
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
