/* Fuzz target for analyzer/observed.c (through analyzer/jsonfile.c): any bytes as a trace file
 * (docs/trace.md). A trace either loads or fails with one error line naming it; a loaded one is
 * joined to a few findings, whose measured blocked time then holds together (min <= p50 <= p99 <=
 * max, calls and sites counted once), and the text, JSON, SARIF and HTML reports write it. */
#include "../../reports/report.h"
#include "fuzz.h"
#include "observed.h"

#define PATH "fuzz-trace.json"

static al_chain_step steps[] = {
    {&(al_chain_call){"on_tick", {"/src/a.c", 10, 5}, NULL, 0, NULL}, "helper", NULL, 0, 0, false, false, false},
    {&(al_chain_call){"helper", {"/src/a.c", 20, 5}, NULL, 0, NULL}, "sleep", &steps[0], 0, 0, false, false, false}};
static al_finding_handler handler = {.name = "on_tick",
                                     .defined_at = {"/src/a.c", 8, 1},
                                     .kind = "libuv timer callback",
                                     .family = "libuv",
                                     .registered_at = {"/src/a.c", 3, 1},
                                     .context = "registered here",
                                     .last = &steps[1],
                                     .chain_length = 2};

static void check_stall(const al_observation *x)
{
    const al_stall *s = &x->stall;
    AL_FUZZ_CHECK(x->sites >= 1 && x->example != NULL);
    AL_FUZZ_CHECK(s->calls >= 1);
    AL_FUZZ_CHECK(s->min_ns <= s->p50_ns && s->p50_ns <= s->p99_ns && s->p99_ns <= s->max_ns);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    al_observations o = {0};
    char *error = NULL;
    if (!al_observed_parse(&o, PATH, (const char *)data, size, &error)) {
        al_fuzz_check_error(error, PATH);
        free(error);
        al_observations_free(&o);
        return 0;
    }
    al_findings f;
    memset(&f, 0, sizeof(f));
    f.source_root = "/src";
    al_finding x = {0};
    x.rule = "async-lock";
    x.category = "sleep";
    x.callee = "sleep";
    x.loc = (al_source_loc){"/src/a.c", 20, 5};
    x.function = "helper";
    x.handlers = &handler;
    x.handler_count = 1;
    x.message = "blocking call 'sleep' in event-loop handler 'on_tick'";
    x.why = "sleeps";
    x.fix = "do not";
    x.call = "sleep(1)";
    strcpy(x.fingerprint, "0123456789abcdef");
    AL_VEC_PUSH(f.items, x);
    al_observed_apply(&f, &o);
    AL_FUZZ_CHECK(f.observations == &o);
    size_t sites = 0, calls = 0, used = 0;
    for (size_t i = 0; i < o.sites.count; i++)
        if (o.sites.items[i].stall.calls) {
            sites++;
            calls += o.sites.items[i].stall.calls;
        }
    if (f.items.items[0].observed) {
        check_stall(f.items.items[0].observed);
        used += f.items.items[0].observed->sites;
        calls -= f.items.items[0].observed->stall.calls;
    }
    for (size_t i = 0; i < o.only.count; i++) {
        check_stall(o.only.items[i]);
        used += o.only.items[i]->sites;
        calls -= o.only.items[i]->stall.calls;
        if (i)
            AL_FUZZ_CHECK(o.only.items[i - 1]->stall.total_ns >= o.only.items[i]->stall.total_ns);
    }
    /* every site with calls is a finding's, observed only, left to the analysis or outside: once */
    AL_FUZZ_CHECK(used + o.unchecked_dropped + o.outside == sites);
    (void)calls;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    AL_FUZZ_CHECK(out != NULL);
    al_text_options options = {false, "/src", false, false};
    al_report_text(out, &f, &options);
    al_report_json(out, &f, "fuzz");
    al_sarif_options sarif = {"/src", "fuzz"};
    al_report_sarif(out, &f, &sarif);
    al_report_html(out, &f, "fuzz");
    AL_FUZZ_CHECK(fclose(out) == 0);
    free(text);
    AL_VEC_FREE(f.items);
    al_observations_free(&o);
    return 0;
}
