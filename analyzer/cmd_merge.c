/* cmd_merge: merge SHARD_FILE... joins the facts files of every shard of a --shard run (checked to
 * be one complete set, written by this asynclock), puts each unit back at its place in the compile
 * database, and analyzes and reports as check does, with the targets the shards recorded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_run.h"
#include "commands.h"
#include "extract.h"
#include "gather.h"
#include "store.h"

/* The facts of every shard, checked to be one complete set written by this asynclock: units[i] is
 * the database's unit i. */
static bool read_shards(char **paths, size_t count, al_tu_facts **units_out, size_t *total_out, char **targets)
{
    *units_out = NULL;
    *total_out = 0;
    *targets = NULL;
    char *error = NULL, *version = al_extract_clang_version(&error);
    if (!version) {
        fprintf(stderr, "%s\n", error);
        free(error);
        return false;
    }
    char *id = al_tool_id(version);
    free(version);
    unsigned shards = 0;
    size_t total = 0;
    bool *seen = NULL, ok = true;
    al_tu_facts_vec units = {0};
    al_u32_vec indexes = {0};
    for (size_t i = 0; i < count && ok; i++) {
        al_shard_info info;
        char *error = NULL;
        if (!al_shard_read(paths[i], &info, &units, &indexes, &error)) {
            fprintf(stderr, "%s\n", error);
            free(error);
            ok = false;
        } else if (strcmp(info.tool, id) != 0) {
            fprintf(stderr, "%s: error: written by another asynclock or libclang (%s), not %s\n", paths[i], info.tool,
                    id);
            ok = false;
        } else if (i > 0 && (info.count != shards || info.total_units != total)) {
            fprintf(stderr, "%s: error: shard %u/%u of %zu units does not belong with %s (shards of %u, %zu units)\n",
                    paths[i], info.index, info.count, info.total_units, paths[0], shards, total);
            ok = false;
        } else {
            if (i == 0) {
                shards = info.count;
                total = info.total_units;
                seen = al_xcalloc(shards, sizeof(*seen));
                *targets = info.targets;
                info.targets = NULL;
            }
            if (seen[info.index - 1]) {
                fprintf(stderr, "%s: error: shard %u/%u is given twice\n", paths[i], info.index, info.count);
                ok = false;
            }
            seen[info.index - 1] = true;
        }
        al_shard_info_free(&info);
    }
    for (unsigned k = 0; ok && k < shards; k++) {
        if (!seen[k]) {
            fprintf(stderr, "asynclock: error: shard %u/%u is missing: merge needs every shard's file\n", k + 1,
                    shards);
            ok = false;
        }
    }
    /* each unit at its place; a place filled twice or left empty is not one run's set */
    al_tu_facts *placed = al_xcalloc(total + 1, sizeof(*placed));
    for (size_t i = 0; ok && i < units.count; i++) {
        if (placed[indexes.items[i]].file) {
            fprintf(stderr, "%s: error: unit %u is in two shard files\n", paths[0], indexes.items[i]);
            ok = false;
            break;
        }
        placed[indexes.items[i]] = units.items[i];
        units.items[i].file = NULL; /* moved */
    }
    for (size_t u = 0; ok && u < total; u++) {
        if (!placed[u].file) {
            fprintf(stderr, "%s: error: the shards hold no facts of unit %zu of %zu\n", paths[0], u, total);
            ok = false;
        }
    }
    for (size_t i = 0; i < units.count; i++)
        if (units.items[i].file)
            al_tu_facts_free(&units.items[i]);
    AL_VEC_FREE(units);
    AL_VEC_FREE(indexes);
    if (!ok) {
        for (size_t u = 0; u < total; u++)
            if (placed[u].file)
                al_tu_facts_free(&placed[u]);
        free(placed);
        free(*targets);
        *targets = NULL;
        placed = NULL;
    }
    free(seen);
    free(id);
    *units_out = placed;
    *total_out = total;
    return ok;
}

int al_command_merge(al_options *o)
{
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    if (o->files.count < 1)
        return al_usage_error("%s", "merge needs the shard files written by check --shard K/N -o FILE");
    if (o->shard_count || o->build_dir)
        return al_usage_error("%s", "merge takes shard files, not -p or --shard");
    if (!al_options_load_baseline(o) || !al_options_load_traces(o))
        return AL_EXIT_USAGE;
    al_rules *rules = al_options_load_rules(o);
    if (!rules)
        return AL_EXIT_USAGE;
    al_tu_facts *units = NULL;
    size_t total = 0;
    char *targets_json = NULL;
    al_report_set reports;
    int status;
    al_targets targets = {0};
    if (!read_shards(o->files.items, o->files.count, &units, &total, &targets_json)) {
        status = AL_EXIT_USAGE;
    } else if (targets_json && *targets_json && !al_targets_from_json(&targets, targets_json)) {
        fprintf(stderr, "%s: error: corrupt shard file: its targets do not decode\n", o->files.items[0]);
        status = AL_EXIT_USAGE;
    } else if (!al_reports_open(o, &reports)) {
        status = AL_EXIT_USAGE;
    } else {
        /* FILE... of merge are the shards, not files to report on */
        for (size_t i = 0; i < o->files.count; i++)
            free(o->files.items[i]);
        o->files.count = 0;
        al_unit_set set;
        al_unit_set_build(&set, units, total);
        units = NULL;
        status = al_check_analyze_and_report(o, rules, &set, &targets, 0, &reports, &started);
        al_unit_set_free(&set);
    }
    if (units) {
        for (size_t u = 0; u < total; u++)
            if (units[u].file)
                al_tu_facts_free(&units[u]);
        free(units);
    }
    al_targets_free(&targets);
    free(targets_json);
    al_rules_free(rules);
    return status;
}
