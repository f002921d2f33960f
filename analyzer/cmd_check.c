/* cmd_check: the check and baseline commands.
 *
 *   compile database -> gather (cache or parse) -> unit set -> targets + programs -> analysis
 *   (per program) -> findings -> baseline / changed-since filters -> --trace observations -> reports
 *
 * With --shard K/N the run stops after gathering and writes this shard's facts, with the build's
 * targets, for merge (cmd_merge.c), which joins the shards and reports through
 * al_check_analyze_and_report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "changes.h"
#include "check_run.h"
#include "commands.h"
#include "gather.h"
#include "observed.h"
#include "report_files.h"

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* The folder of the compile database: where the build's own files are (CMake's file API). */
char *al_check_build_folder(const al_compdb *db)
{
    const char *slash = strrchr(db->path, '/');
    char *relative = slash ? al_xstrndup(db->path, (size_t)(slash - db->path)) : al_xstrdup(".");
    char *folder = al_path_absolute(*relative ? relative : "/", NULL);
    free(relative);
    return folder;
}

/* The findings, filtered by the baseline and --changed-since, in every report; the exit code. */
static int report_findings(al_options *o, const al_unit_set *set, const al_programs *programs, const al_rules *rules,
                           al_report_set *reports, const al_text_options *text, const struct timespec *started,
                           size_t cached_units)
{
    const al_baseline_entries *baseline = o->have_baseline ? &o->baseline_entries : NULL;
    for (size_t i = 0; i < o->files.count; i++) {
        char *abs = al_path_absolute(o->files.items[i], NULL);
        free(o->files.items[i]);
        o->files.items[i] = abs;
    }
    /* fingerprints compare absolute paths with it: "--source-root ." means the working folder */
    char *source_root = o->source_root ? al_path_absolute(o->source_root, NULL) : NULL;
    al_findings_options finding_options = {source_root,
                                           o->files.count ? o->files.items : NULL,
                                           o->files.count,
                                           o->config.exclude.items,
                                           o->config.exclude.count,
                                           o->config.folder,
                                           o->config.off_categories.items,
                                           o->config.off_categories.count,
                                           o->all_locks};
    al_findings findings;
    al_analysis_findings(&findings, set, programs, rules, o, &finding_options);
    free(source_root);
    findings.summary.seconds = seconds_since(started);
    findings.summary.cached_units = cached_units;
    if (findings.summary.handlers == 0 && findings.summary.translation_units > 0 && !o->quiet)
        fputs("asynclock: warning: no event-loop handler found, so nothing was searched; a program that runs its "
              "own loop needs its handlers declared (a rule pack's \"contexts\", or ASYNCLOCK_HANDLER; see "
              "docs/rules.md)\n",
              stderr);
    int status = AL_EXIT_CLEAN;
    if (o->write_baseline) {
        al_baseline_entries entries;
        al_baseline_from_findings(&entries, &findings, baseline);
        al_baseline_write(reports->main.f, &entries, AL_VERSION);
        status = al_report_commit(&reports->main) ? AL_EXIT_CLEAN : AL_EXIT_USAGE;
        if (status == AL_EXIT_CLEAN && !o->quiet)
            fprintf(stderr, "asynclock: wrote %zu finding%s as %zu baseline entr%s to %s\n", findings.items.count,
                    findings.items.count == 1 ? "" : "s", entries.count, entries.count == 1 ? "y" : "ies", o->output);
        al_baseline_free(&entries);
        al_findings_free(&findings);
        return status;
    }
    if (baseline)
        al_baseline_apply(&findings, baseline);
    if (o->changed_since) {
        al_changes changes;
        char *error = NULL;
        if (!al_changes_from_git(&changes, findings.source_root, o->changed_since, &error)) {
            fprintf(stderr, "asynclock: error: %s\n", error);
            free(error);
            al_reports_abandon(reports);
            al_findings_free(&findings);
            return AL_EXIT_USAGE;
        }
        al_changes_filter(&findings, &changes);
        al_changes_free(&changes);
    }
    if (o->traces.count)
        al_observed_apply(&findings, &o->observations);
    status = al_reports_write(reports, o, &findings, text) ? AL_EXIT_CLEAN : AL_EXIT_USAGE;
    al_severity level;
    if (status == AL_EXIT_CLEAN && al_severity_parse(o->fail_on, &level) && al_findings_fail(&findings, level))
        status = AL_EXIT_FINDINGS;
    al_findings_free(&findings);
    return status;
}

/* --unknown: what handlers call that no rule describes. Exit 0: it is a listing, not a verdict. */
static int report_unknown(const al_options *o, const al_unit_set *set, const al_programs *programs,
                          const al_rules *rules, al_report_set *reports, const al_text_options *text)
{
    al_unknown_entries entries;
    al_analysis_unknown(&entries, set, programs, rules, o);
    if (strcmp(o->format, "json") == 0)
        al_report_unknown_json(reports->main.f, &entries, AL_VERSION);
    else
        al_report_unknown_text(reports->main.f, &entries, text);
    int status = al_report_commit(&reports->main) ? AL_EXIT_CLEAN : AL_EXIT_USAGE;
    if (o->side_output[0]) {
        al_report_unknown_json(reports->side[0].f, &entries, AL_VERSION);
        if (!al_report_commit(&reports->side[0]))
            status = AL_EXIT_USAGE;
    }
    AL_VEC_FREE(entries);
    return status;
}

int al_check_analyze_and_report(al_options *o, const al_rules *rules, al_unit_set *set, const al_targets *targets,
                                size_t cached_units, al_report_set *reports, const struct timespec *started)
{
    al_programs programs;
    if (!al_analysis_programs(&programs, set, targets, o)) {
        al_reports_abandon(reports);
        return AL_EXIT_USAGE;
    }
    char cwd[4096];
    bool color = strcmp(o->color, "always") == 0 ||
                 (strcmp(o->color, "auto") == 0 && !o->output && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
    al_text_options text = {color, getcwd(cwd, sizeof(cwd)) ? cwd : NULL, o->show_suppressed, o->all_chains};
    int status = o->unknown ? report_unknown(o, set, &programs, rules, reports, &text)
                            : report_findings(o, set, &programs, rules, reports, &text, started, cached_units);
    size_t failed = al_unit_set_failed(set);
    if (o->strict && failed && status != AL_EXIT_USAGE) {
        fprintf(stderr, "asynclock: error: %zu of %zu translation units failed to parse (--strict)\n", failed,
                set->count);
        status = AL_EXIT_USAGE;
    }
    al_programs_free(&programs);
    return status;
}

/* --shard K/N: this shard's facts, and the build's targets, go to the -o file; merge reports. */
static int write_shard(const al_options *o, al_gather *g, const al_targets *targets)
{
    if (!al_gather_tool_id(g))
        return AL_EXIT_USAGE;
    AL_VEC(al_tu_facts *) mine = {0};
    al_u32_vec indexes = {0};
    for (size_t i = 0; i < g->db.count; i++) {
        if (g->units[i].file) {
            AL_VEC_PUSH(mine, &g->units[i]);
            AL_VEC_PUSH(indexes, (uint32_t)i);
        }
    }
    char *error = NULL, *targets_json = al_targets_to_json(targets);
    al_shard_info info = {o->shard_index, o->shard_count, g->db.count, g->tool_id, targets_json};
    bool ok = al_shard_write(o->output, &info, mine.items, indexes.items, mine.count, &error);
    if (!ok) {
        fprintf(stderr, "%s\n", error);
        free(error);
    } else if (!o->quiet) {
        fprintf(stderr, "asynclock: shard %u/%u: facts of %zu of %zu units written to %s\n", o->shard_index,
                o->shard_count, mine.count, g->db.count, o->output);
    }
    free(targets_json);
    AL_VEC_FREE(mine);
    AL_VEC_FREE(indexes);
    return ok ? AL_EXIT_CLEAN : AL_EXIT_USAGE;
}

int al_command_check(al_options *o)
{
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);

    if (!al_options_load_baseline(o) || !al_options_load_traces(o))
        return AL_EXIT_USAGE;
    al_rules *rules = al_options_load_rules(o);
    if (!rules)
        return AL_EXIT_USAGE;
    al_gather g;
    if (!al_gather_open(&g, o)) {
        al_rules_free(rules);
        return AL_EXIT_USAGE;
    }
    al_report_set reports;
    if (!o->shard_count && !al_reports_open(o, &reports)) {
        al_gather_close(&g);
        al_rules_free(rules);
        return AL_EXIT_USAGE;
    }
    char *build_folder = al_check_build_folder(&g.db);
    al_targets targets;
    al_targets_find(&targets, &g.db, build_folder);
    free(build_folder);

    int status;
    if (!al_gather_facts(&g, o)) {
        status = al_gather_failure_status(&g);
        if (!o->shard_count)
            al_reports_abandon(&reports);
    } else if (o->shard_count) {
        status = write_shard(o, &g, &targets);
    } else {
        al_unit_set set;
        al_unit_set_build(&set, g.units, g.db.count);
        g.units = NULL; /* the set has them */
        status = al_check_analyze_and_report(o, rules, &set, &targets, g.cached, &reports, &started);
        al_unit_set_free(&set);
    }
    al_targets_free(&targets);
    al_gather_close(&g);
    al_rules_free(rules);
    return status;
}
