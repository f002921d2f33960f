/* report_files: atomic report files (report_files.h). */
#include "report_files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const side_formats[AL_SIDE_COUNT] = {"json", "sarif", "html", "codequality"};

static bool report_open(al_report_file *r, const char *path)
{
    r->path = path;
    r->temporary = NULL;
    r->f = stdout;
    if (!path)
        return true;
    r->temporary = al_xasprintf("%s.tmp.%ld", path, (long)getpid());
    if (!(r->f = fopen(r->temporary, "w"))) {
        fprintf(stderr, "%s: error: cannot write report: %s\n", path, strerror(errno));
        free(r->temporary);
        r->temporary = NULL;
        return false;
    }
    return true;
}

bool al_report_commit(al_report_file *r)
{
    if (!r->path)
        return fflush(stdout) == 0;
    bool ok = fclose(r->f) == 0 && rename(r->temporary, r->path) == 0;
    if (!ok) {
        fprintf(stderr, "%s: error: cannot write report: %s\n", r->path, strerror(errno));
        remove(r->temporary);
    }
    free(r->temporary);
    r->temporary = NULL;
    return ok;
}

static void report_abandon(al_report_file *r)
{
    if (!r->temporary)
        return;
    fclose(r->f);
    remove(r->temporary);
    free(r->temporary);
    r->temporary = NULL;
}

void al_reports_abandon(al_report_set *r)
{
    report_abandon(&r->main);
    for (int k = 0; k < AL_SIDE_COUNT; k++)
        report_abandon(&r->side[k]);
}

bool al_reports_open(const al_options *o, al_report_set *r)
{
    memset(r, 0, sizeof(*r));
    bool opened = report_open(&r->main, o->output);
    for (int k = 0; k < AL_SIDE_COUNT && opened; k++)
        opened = !o->side_output[k] || report_open(&r->side[k], o->side_output[k]);
    if (!opened)
        al_reports_abandon(r);
    return opened;
}

static void write_findings(FILE *out, const char *format, const al_findings *findings, const al_text_options *text)
{
    if (strcmp(format, "json") == 0) {
        al_report_json(out, findings, AL_VERSION);
    } else if (strcmp(format, "sarif") == 0) {
        al_sarif_options sarif = {findings->source_root, AL_VERSION};
        al_report_sarif(out, findings, &sarif);
    } else if (strcmp(format, "html") == 0) {
        al_report_html(out, findings, AL_VERSION);
    } else if (strcmp(format, "codequality") == 0) {
        al_report_codequality(out, findings);
    } else {
        al_report_text(out, findings, text);
    }
}

bool al_reports_write(al_report_set *r, const al_options *o, const al_findings *findings, const al_text_options *text)
{
    write_findings(r->main.f, o->format, findings, text);
    bool ok = al_report_commit(&r->main);
    for (int k = 0; k < AL_SIDE_COUNT; k++) {
        if (!o->side_output[k])
            continue;
        write_findings(r->side[k].f, side_formats[k], findings, text);
        ok &= al_report_commit(&r->side[k]);
    }
    return ok;
}
