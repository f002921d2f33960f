/* html: one self-contained page (inline CSS and JS, no network) that a person opens from disk.
 *
 * The header (version, summary, failed units) is written as HTML; the findings, the source lines
 * around every location they name, and the strings they use go into one JSON block that the
 * page's script draws: charts, a sortable and filterable table paged 200 rows at a time, and for
 * an expanded finding its chains step by step. Calls in one function reached the same way share a
 * group id and one row, as they share notes in the text report. Strings are interned (why/fix/kind
 * texts repeat on every finding), so 10,000 findings stay a few megabytes.
 *
 * Escaping: text written as HTML goes through put_html (& < > " ' become references); the JSON
 * block goes through put_json_string, which also writes < > & as \u escapes (no "</script>" or
 * "<!--" can appear in it), U+2028/U+2029 as escapes, and invalid UTF-8 as U+FFFD. The script
 * escapes every string again when it builds markup. */
#include <stdlib.h>
#include <string.h>

#include "html_assets.h"
#include "observed.h"
#include "report.h"
#include "sources.h"

/* Lines shown before and after each location, and the longest line kept (in bytes). */
#define CONTEXT_LINES 2
#define MAX_LINE_BYTES 400

/* Which lines of one source file the report shows. */
typedef struct source_file {
    unsigned char *needed; /* needed[n]: line n is shown somewhere; NULL: unreadable */
} source_file;

typedef struct html_state {
    FILE *out;
    al_strtab strings; /* every text of the findings, by id */
    al_strtab files;   /* file paths; the id is the index into `sources` */
    AL_VEC(source_file) sources;
    al_sources texts; /* the files' contents, read once */
} html_state;

/* The length of the valid UTF-8 sequence at p (1..4), or 0 when it is not valid. */
static size_t utf8_length(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        return (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (p[0] >= 0xe0 && p[0] <= 0xef) {
        if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
            return 0;
        if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0))
            return 0; /* overlong, or a surrogate */
        return 3;
    }
    if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
            return 0;
        if ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

/* Text as HTML: the five special characters as references, invalid UTF-8 as U+FFFD. */
static void put_html(FILE *out, const char *s)
{
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        switch (*p) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default: {
            size_t n = utf8_length(p);
            if (n == 0) {
                fputs("\xef\xbf\xbd", out);
                p++;
                continue;
            }
            if (n == 1 && *p < 0x20 && *p != '\t' && *p != '\n')
                fputc('?', out);
            else
                fwrite(p, 1, n, out);
            p += n;
            continue;
        }
        }
        p++;
    }
}

/* A JSON string (with its quotes) of the first `len` bytes of s, safe inside <script>. */
static void put_json_string_n(FILE *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    fputc('"', out);
    while (p < end) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
            p++;
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            fprintf(out, "\\u%04x", c);
            p++;
        } else if (c < 0x80) {
            fputc(c, out);
            p++;
        } else {
            /* a sequence cut by `end` counts as invalid */
            size_t n = (size_t)(end - p) >= 4 ? utf8_length(p) : 0;
            if (n == 0 && (size_t)(end - p) < 4) {
                unsigned char tail[5] = {0};
                memcpy(tail, p, (size_t)(end - p));
                n = utf8_length(tail);
            }
            if (n == 0) {
                fputs("\\ufffd", out);
                p++;
            } else if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
                fputs(p[2] == 0xa8 ? "\\u2028" : "\\u2029", out);
                p += 3;
            } else {
                fwrite(p, 1, n, out);
                p += n;
            }
        }
    }
    fputc('"', out);
}

static void put_json_string(FILE *out, const char *s)
{
    s = s ? s : "";
    put_json_string_n(out, s, strlen(s));
}

static uint32_t string_id(html_state *st, const char *s)
{
    return al_strtab_intern(&st->strings, s ? s : "");
}

/* The id of a file, with the lines around `line` marked to be shown. */
static uint32_t file_id(html_state *st, const char *path, unsigned line)
{
    uint32_t id = al_strtab_intern(&st->files, path ? path : "");
    while (st->sources.count <= id) {
        source_file empty = {0};
        AL_VEC_PUSH(st->sources, empty);
    }
    const al_source *text = al_sources_get(&st->texts, al_str(&st->files, id));
    source_file *src = &st->sources.items[id];
    if (text->readable && !src->needed)
        src->needed = al_xcalloc(text->line_count + 1, 1);
    if (text->readable && line > 0) {
        unsigned first = line > CONTEXT_LINES ? line - CONTEXT_LINES : 1;
        for (unsigned n = first; n <= line + CONTEXT_LINES && n <= text->line_count; n++)
            src->needed[n] = 1;
    }
    return id;
}

/* [function, callee, file, line, column] and, for a call through a pointer, its via */
static void put_step(html_state *st, const al_chain_step *s)
{
    fprintf(st->out, "[%u,%u,%u,%u,%u", string_id(st, s->call->function), string_id(st, s->callee),
            file_id(st, s->call->loc.file, s->call->loc.line), s->call->loc.line, s->call->loc.column);
    if (s->call->via && (s->call->targets > 1 || s->call->instance)) {
        /* a call through a pointer: how its callee was found, how sure */
        char *instance =
            s->call->instance
                ? al_xasprintf(", but the object here was set up from '%s', which does not hold it", s->call->instance)
                : al_xstrdup("");
        char *via = s->call->targets > 1 ? al_xasprintf("%s (one of %u functions it may call)%s", s->call->via,
                                                        s->call->targets, instance)
                                         : al_xasprintf("%s%s", s->call->via, instance);
        free(instance);
        fprintf(st->out, ",%u", string_id(st, via));
        free(via);
    } else if (s->call->via) {
        fprintf(st->out, ",%u", string_id(st, s->call->via));
    }
    fputc(']', st->out);
}

/* [name, kind, defined file, defined line, registered file, line, column, context, [steps]] */
static void put_handler(html_state *st, const al_finding_handler *h)
{
    fprintf(st->out, "[%u,%u,%u,%u,", string_id(st, h->name), string_id(st, h->kind),
            file_id(st, h->defined_at.file, 0), h->defined_at.line);
    fprintf(st->out, "%u,%u,%u,%u,[", file_id(st, h->registered_at.file, h->registered_at.line), h->registered_at.line,
            h->registered_at.column, string_id(st, h->context));
    const al_chain_step **steps = al_chain_steps(h);
    for (size_t i = 0; i < h->chain_length; i++) {
        if (i)
            fputc(',', st->out);
        put_step(st, steps[i]);
    }
    free(steps);
    fputs("]]", st->out);
}

static void put_finding(html_state *st, const al_findings *f, const al_finding *x, size_t group)
{
    FILE *out = st->out;
    fprintf(out, "{\"gr\":%zu,\"c\":%u,\"s\":%u,\"k\":%u,", group, string_id(st, x->category),
            string_id(st, al_severity_name(x->severity)), string_id(st, x->callee));
    fprintf(out, "\"f\":%u,\"l\":%u,\"o\":%u,\"fn\":%u,", file_id(st, x->loc.file, x->loc.line), x->loc.line,
            x->loc.column, string_id(st, x->function));
    fprintf(out, "\"m\":%u,\"w\":%u,\"x\":%u,\"r\":%u,\"p\":", string_id(st, x->message), string_id(st, x->why),
            string_id(st, x->fix), string_id(st, x->rule));
    put_json_string(out, x->fingerprint);
    fputs(",\"g\":[", out); /* the programs it is found in */
    for (size_t i = 0; i < x->programs.count; i++)
        fprintf(out, "%s%u", i ? "," : "", string_id(st, f->programs.items[x->programs.items[i]].name));
    fputc(']', out);
    if (x->observed) { /* what asynclock trace measured: [calls, total, p50, p99, max] in ns */
        const al_stall *s = &x->observed->stall;
        fprintf(out, ",\"ob\":[%llu,%llu,%llu,%llu,%llu]", (unsigned long long)s->calls,
                (unsigned long long)s->total_ns, (unsigned long long)s->p50_ns, (unsigned long long)s->p99_ns,
                (unsigned long long)s->max_ns);
    }
    if (x->holder) { /* a lock finding's worker: [lock, [worker as a handler], file, line, column, function] */
        const al_lock_holder *lh = x->holder;
        fprintf(out, ",\"lk\":[%u,", string_id(st, lh->lock));
        put_handler(st, &lh->worker);
        fprintf(out, ",%u,%u,%u,%u]", file_id(st, lh->acquired_at.file, lh->acquired_at.line), lh->acquired_at.line,
                lh->acquired_at.column, string_id(st, lh->acquired_in));
    }
    fputs(",\"h\":[", out);
    for (size_t h = 0; h < x->handler_count; h++) {
        if (h)
            fputc(',', out);
        put_handler(st, &x->handlers[h]);
    }
    fputs("]}", out);
}

/* Each finding's group, numbered in the order of al_observed_rank: consecutive findings there that
 * al_finding_same_group joins, as the text report groups them. The page shows every handler's chain,
 * so every chain must match (the text report's --all-chains). */
static size_t *group_ids(const al_findings *f)
{
    size_t *ids = al_xcalloc(f->items.count + 1, sizeof(*ids));
    size_t *order = al_observed_rank(f);
    size_t group = 0, lead = 0;
    for (size_t i = 0; i < f->items.count; i++) {
        if (i && !al_finding_same_group(&f->items.items[order[lead]], &f->items.items[order[i]], true)) {
            group++;
            lead = i;
        }
        ids[order[i]] = group;
    }
    free(order);
    return ids;
}

/* "sources": {file id: {line: text}} for the lines marked needed. */
static void put_sources(html_state *st)
{
    FILE *out = st->out;
    fputs("\"sources\":{", out);
    bool first_file = true;
    for (size_t id = 0; id < st->sources.count; id++) {
        const source_file *src = &st->sources.items[id];
        const al_source *text = al_sources_get(&st->texts, al_str(&st->files, (uint32_t)id));
        if (!src->needed)
            continue;
        bool first_line = true;
        for (size_t n = 1; n <= text->line_count; n++) {
            if (!src->needed[n])
                continue;
            if (first_line) {
                fprintf(out, "%s\"%zu\":{", first_file ? "" : ",\n", id);
                first_file = false;
            }
            size_t len = 0;
            const char *start = al_source_line(text, (unsigned)n, &len);
            if (len > MAX_LINE_BYTES)
                len = MAX_LINE_BYTES;
            fprintf(out, "%s\"%zu\":", first_line ? "" : ",", n);
            put_json_string_n(out, start, len);
            first_line = false;
        }
        if (!first_line)
            fputc('}', out);
    }
    fputs("}", out);
}

/* "files": [[shown path, absolute path], ...] by id */
static void put_files(html_state *st, const char *root)
{
    fputs("\"files\":[", st->out);
    for (uint32_t id = 0; id < st->files.count; id++) {
        const char *path = al_str(&st->files, id);
        fputs(id ? ",[" : "[", st->out);
        put_json_string(st->out, al_path_relative_to(path, root));
        fputc(',', st->out);
        put_json_string(st->out, path);
        fputc(']', st->out);
    }
    fputs("]", st->out);
}

static void put_strings(html_state *st)
{
    fputs("\"strings\":[", st->out);
    for (uint32_t id = 0; id < st->strings.count; id++) {
        if (id)
            fputs(id % 8 ? "," : ",\n", st->out);
        put_json_string(st->out, al_str(&st->strings, id));
    }
    fputs("]", st->out);
}

static void put_stat(FILE *out, const char *id, const char *label, size_t value)
{
    fprintf(out, "<div class=\"stat\" id=\"%s\"><span class=\"num\">%zu</span><span class=\"lbl\">%s</span></div>\n",
            id, value, label);
}

static void put_header(FILE *out, const al_findings *f, const char *tool_version)
{
    const al_summary *s = &f->summary;
    fputs("<header class=\"top\">\n<div class=\"title\"><h1>asynclock report</h1><span class=\"ver\" id=\"tool\">"
          "asynclock ",
          out);
    put_html(out, tool_version);
    fputs("</span></div>\n", out);
    if (f->source_root) {
        fputs("<div class=\"root\">Source root: <code id=\"root\">", out);
        put_html(out, f->source_root);
        fputs("</code></div>\n", out);
    }
    fputs("<div class=\"stats\">\n", out);
    put_stat(out, "n-findings", "findings", f->items.count);
    put_stat(out, "n-programs", "programs", f->programs.count);
    put_stat(out, "n-units", "translation units", s->translation_units);
    put_stat(out, "n-failed", "failed units", f->failures.count);
    put_stat(out, "n-functions", "functions", s->functions);
    put_stat(out, "n-handlers", "handlers", s->handlers);
    if (s->suppressed) /* by comments in the source: listed in the text, JSON and SARIF reports */
        put_stat(out, "n-suppressed", "suppressed", s->suppressed);
    if (s->excluded)
        put_stat(out, "n-excluded", "in excluded paths", s->excluded);
    if (f->observations) {
        size_t observed = 0;
        for (size_t i = 0; i < f->items.count; i++)
            observed += f->items.items[i].observed != NULL;
        put_stat(out, "n-observed", "observed on loop threads", observed);
        put_stat(out, "n-observed-only", "observed only", f->observations->only.count);
    }
    fprintf(out,
            "<div class=\"stat\" id=\"n-seconds\"><span class=\"num\">%.2f s</span><span class=\"lbl\">analysis"
            "</span></div>\n</div>\n",
            s->seconds);
    if (f->failures.count) {
        fprintf(out,
                "<details class=\"failures\" id=\"failures\" open><summary>%zu translation unit%s failed to parse"
                "</summary>\n<ul>\n",
                f->failures.count, f->failures.count == 1 ? "" : "s");
        for (size_t i = 0; i < f->failures.count; i++) {
            const al_unit_failure *u = &f->failures.items[i];
            fputs("<li><code>", out);
            put_html(out, al_path_relative_to(u->file, f->source_root));
            fputs("</code>: ", out);
            put_html(out, u->message);
            fputs(u->parsed ? " <em>(partially analyzed: its facts were used)</em>" : " <em>(not analyzed)</em>", out);
            fputs("</li>\n", out);
        }
        fputs("</ul>\n</details>\n", out);
    }
    fputs("</header>\n", out);
}

/* The blocking calls asynclock trace saw that no finding explains, with their stacks: written as
 * HTML, escaped, after the findings table. */
static void put_observed_only(FILE *out, const al_findings *f)
{
    const al_observations *o = f->observations;
    fprintf(out, "<section class=\"observed-only\" id=\"observed-only\">\n<h2>Observed only (%zu)</h2>\n",
            o->only.count);
    fputs("<p>Blocking calls <code>asynclock trace</code> saw on a loop thread where no finding is: a pointer the "
          "analysis could not resolve, a function no rule describes, code it did not analyze.</p>\n",
          out);
    if (!o->only.count) {
        fputs("<p class=\"empty\">None: every blocking call the traces saw is a finding.</p>\n</section>\n", out);
        return;
    }
    fputs("<table><thead><tr><th>Blocking call</th><th>Where</th><th>Blocked on loop</th><th>Stack</th></tr>"
          "</thead>\n<tbody>\n",
          out);
    for (size_t i = 0; i < o->only.count; i++) {
        const al_observation *x = o->only.items[i];
        const al_trace_site *s = x->example;
        char total[32], p50[32], p99[32], max[32];
        al_format_duration(total, sizeof(total), x->stall.total_ns);
        al_format_duration(p50, sizeof(p50), x->stall.p50_ns);
        al_format_duration(p99, sizeof(p99), x->stall.p99_ns);
        al_format_duration(max, sizeof(max), x->stall.max_ns);
        fputs("<tr class=\"observed-only\"><td><code>", out);
        put_html(out, s->api);
        fputs("</code></td><td class=\"mono\">", out);
        if (x->loc.file) {
            put_html(out, al_path_relative_to(x->loc.file, f->source_root));
            fprintf(out, ":%u", x->loc.line);
        } else {
            fputs("?", out);
        }
        fprintf(out, "</td><td class=\"stall\">%s <span class=\"extra\">%llu calls, p50 %s, p99 %s, max %s</span>",
                total, (unsigned long long)x->stall.calls, p50, p99, max);
        fputs("</td><td><details><summary>", out);
        fprintf(out, "%zu frames</summary><ol class=\"mono\">", s->stack.count);
        for (size_t k = 0; k < s->stack.count; k++) {
            const al_trace_frame *fr = &s->stack.items[k];
            fputs("<li>", out);
            put_html(out, fr->function ? fr->function : "??");
            fputs(" <span class=\"extra\">", out);
            if (fr->file) {
                put_html(out, al_path_relative_to(fr->file, f->source_root));
                fprintf(out, ":%u", fr->line);
            } else {
                put_html(out, fr->module ? fr->module : "?");
                fprintf(out, "+0x%llx", (unsigned long long)fr->offset);
            }
            fputs("</span></li>", out);
        }
        fputs("</ol></details></td></tr>\n", out);
    }
    fputs("</tbody></table>\n</section>\n", out);
}

void al_report_html(FILE *out, const al_findings *f, const char *tool_version)
{
    html_state st = {.out = out};
    al_strtab_init(&st.strings);
    al_strtab_init(&st.files);
    al_sources_init(&st.texts);
    for (const char *const *line = al_html_head; *line; line++)
        fputs(*line, out);
    put_header(out, f, tool_version);
    for (const char *const *line = al_html_body; *line; line++)
        fputs(*line, out);
    if (f->observations)
        put_observed_only(out, f);

    fputs("<script type=\"application/json\" id=\"al-data\">{\"version\":1,\"tool\":", out);
    put_json_string(out, tool_version);
    fputs(",\"root\":", out);
    put_json_string(out, f->source_root);
    if (f->observations)
        fputs(",\"traced\":true", out);
    fputs(",\"findings\":[\n", out);
    size_t *groups = group_ids(f);
    for (size_t i = 0; i < f->items.count; i++) {
        if (i)
            fputs(",\n", out);
        put_finding(&st, f, &f->items.items[i], groups[i]);
    }
    free(groups);
    fputs("],\n", out);
    put_files(&st, f->source_root);
    fputs(",\n", out);
    put_sources(&st);
    fputs(",\n", out);
    put_strings(&st);
    fputs("}</script>\n<script>\n", out);
    for (const char *const *line = al_html_script; *line; line++)
        fputs(*line, out);
    fputs("</script>\n</body>\n</html>\n", out);

    for (size_t i = 0; i < st.sources.count; i++) {
        free(st.sources.items[i].needed);
    }
    AL_VEC_FREE(st.sources);
    al_sources_free(&st.texts);
    al_strtab_free(&st.strings);
    al_strtab_free(&st.files);
}
