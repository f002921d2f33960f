/* options: the configuration merged under the command line, rule packs and baselines (options.h). */
#include "options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "facts.h"

int al_usage_error(const char *fmt, const char *arg)
{
    fputs("asynclock: error: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see asynclock --help)\n", stderr);
    return AL_EXIT_USAGE;
}

bool al_options_apply_config(al_options *o)
{
    o->config.conditional = -1;
    char *path = NULL;
    if (o->config_path) {
        path = al_xstrdup(o->config_path);
    } else if (!o->no_config) {
        char *cwd = al_path_absolute(".", NULL);
        path = al_config_find(cwd);
        free(cwd);
    }
    if (path) {
        char *error = NULL;
        bool ok = al_config_load(&o->config, path, &error);
        free(path);
        if (!ok) {
            fprintf(stderr, "%s\n", error);
            free(error);
            return false;
        }
    }
    if (!o->fail_on)
        o->fail_on = o->config.fail_on ? o->config.fail_on : "warning";
    if (!o->source_root)
        o->source_root = o->config.source_root;
    if (!o->conditional && !o->no_conditional)
        o->conditional = o->config.conditional == 1;
    return true;
}

al_rules *al_options_load_rules(const al_options *o)
{
    al_rules *rules = al_rules_new();
    char *error = NULL;
    char *dir = al_rules_default_dir();
    bool ok = al_rules_load_path(rules, dir, &error);
    free(dir);
    /* the configuration's packs and declarations, then --rules, which may override them */
    for (size_t i = 0; ok && i < o->config.rule_paths.count; i++)
        ok = al_rules_load_path(rules, o->config.rule_paths.items[i], &error);
    if (ok && o->config.pack)
        ok = al_rules_load_text(rules, o->config.pack_name, o->config.pack, &error);
    for (size_t i = 0; ok && i < o->rule_paths.count; i++)
        ok = al_rules_load_path(rules, o->rule_paths.items[i], &error);
    if (!ok) {
        fprintf(stderr, "%s\n", error);
        free(error);
        al_rules_free(rules);
        return NULL;
    }
    al_rules_index(rules);
    return rules;
}

bool al_options_load_baseline(al_options *o)
{
    const char *path = o->write_baseline ? o->output : o->baseline;
    o->have_baseline = path && (!o->write_baseline || access(path, F_OK) == 0);
    char *error = NULL;
    if (o->have_baseline && !al_baseline_load(&o->baseline_entries, path, &error)) {
        fprintf(stderr, "%s\n", error);
        free(error);
        o->have_baseline = false;
        return false;
    }
    return true;
}

bool al_options_load_traces(al_options *o)
{
    char *error = NULL;
    if (o->traces.count && !al_observed_load(&o->observations, o->traces.items, o->traces.count, &error)) {
        fprintf(stderr, "%s\n", error);
        free(error);
        return false;
    }
    return true;
}

char *al_tool_id(const char *clang_version)
{
    return al_xasprintf("asynclock %s facts %d %s", AL_VERSION, AL_FACTS_FORMAT, clang_version);
}

void al_options_free(al_options *o)
{
    for (size_t i = 0; i < o->files.count; i++)
        free(o->files.items[i]);
    AL_VEC_FREE(o->files);
    AL_VEC_FREE(o->rule_paths);
    AL_VEC_FREE(o->programs);
    AL_VEC_FREE(o->traces);
    al_observations_free(&o->observations);
    al_config_free(&o->config);
    if (o->have_baseline)
        al_baseline_free(&o->baseline_entries);
}
