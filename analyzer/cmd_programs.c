/* cmd_programs: `asynclock programs` shows what check would analyze: the programs found in the
 * compile database (docs/programs.md), how each was found, its units, and the choices the
 * reference closure made; as text, or as JSON with --format json. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "check_run.h"
#include "commands.h"
#include "gather.h"

/* How a unit is told apart from another unit of the same file: its -D and -U arguments. */
static char *unit_flags(const al_compdb *db, uint32_t u)
{
    const al_compile_command *cmd = &db->commands[u];
    bool twice = false;
    for (size_t k = 0; k < db->count && !twice; k++)
        twice = k != u && strcmp(db->commands[k].file, cmd->file) == 0;
    if (!twice)
        return NULL;
    al_strbuf b = {0};
    for (int i = 0; i < cmd->arg_count; i++)
        if (strncmp(cmd->args[i], "-D", 2) == 0 || strncmp(cmd->args[i], "-U", 2) == 0)
            al_strbuf_appendf(&b, "%s%s", b.len ? " " : "", cmd->args[i]);
    return al_strbuf_take(&b);
}

/* `text` with every path under the working folder written relative to it. */
static void put_relative(FILE *out, const char *text, const char *cwd)
{
    size_t n = strlen(cwd);
    for (const char *p = text; *p;) {
        const char *at = strstr(p, cwd);
        while (at && at[n] != '/')
            at = strstr(at + 1, cwd);
        if (!at) {
            fputs(p, out);
            return;
        }
        fwrite(p, 1, (size_t)(at - p), out);
        p = at + n + 1;
    }
}

static void print_text(FILE *out, const al_programs *programs, const al_gather *g, const al_targets *targets)
{
    char *cwd = al_path_absolute(".", NULL);
    fprintf(out, "asynclock: %zu program%s in %zu unit%s (%zu entries in %s)\n", programs->items.count,
            programs->items.count == 1 ? "" : "s", g->db.count, g->db.count == 1 ? "" : "s", g->db.entries, g->db.path);
    if (targets->notice) {
        put_relative(out, targets->notice, cwd);
        fputc('\n', out);
    }
    for (size_t i = 0; i < programs->items.count; i++) {
        const al_program_def *d = &programs->items.items[i];
        fprintf(out, "\n%s%s: %zu unit%s\n  found as: ", d->name, d->library ? " (library)" : "", d->units.count,
                d->units.count == 1 ? "" : "s");
        put_relative(out, d->how, cwd);
        fputc('\n', out);
        for (size_t k = 0; k < d->units.count; k++) {
            char *flags = unit_flags(&g->db, d->units.items[k]);
            fprintf(out, "  %s%s%s%s\n", al_path_relative_to(g->db.commands[d->units.items[k]].file, cwd),
                    flags ? " (" : "", flags ? flags : "", flags ? ")" : "");
            free(flags);
        }
        for (size_t k = 0; k < d->notes.count; k++) {
            fputs("  note: ", out);
            put_relative(out, d->notes.items[k], cwd);
            fputc('\n', out);
        }
    }
    if (programs->unassigned)
        fprintf(out, "\n%zu unit%s in no program of the configuration: not analyzed\n", programs->unassigned,
                programs->unassigned == 1 ? " is" : "s are");
    free(cwd);
}

static void print_json(FILE *out, const al_programs *programs, const al_gather *g, const al_targets *targets)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "version", 1);
    cJSON_AddStringToObject(root, "compile_commands", g->db.path);
    cJSON_AddNumberToObject(root, "translation_units", (double)g->db.count);
    if (targets->notice)
        cJSON_AddStringToObject(root, "notice", targets->notice);
    cJSON *list = cJSON_AddArrayToObject(root, "programs");
    for (size_t i = 0; i < programs->items.count; i++) {
        const al_program_def *d = &programs->items.items[i];
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "name", d->name);
        cJSON_AddStringToObject(p, "how", d->how);
        cJSON_AddBoolToObject(p, "library", d->library);
        cJSON *units = cJSON_AddArrayToObject(p, "units");
        for (size_t k = 0; k < d->units.count; k++) {
            cJSON *unit = cJSON_CreateObject();
            cJSON_AddStringToObject(unit, "file", g->db.commands[d->units.items[k]].file);
            char *flags = unit_flags(&g->db, d->units.items[k]);
            if (flags)
                cJSON_AddStringToObject(unit, "flags", flags);
            free(flags);
            cJSON_AddItemToArray(units, unit);
        }
        cJSON *notes = cJSON_AddArrayToObject(p, "notes");
        for (size_t k = 0; k < d->notes.count; k++)
            cJSON_AddItemToArray(notes, cJSON_CreateString(d->notes.items[k]));
        cJSON_AddItemToArray(list, p);
    }
    cJSON_AddNumberToObject(root, "unassigned_units", (double)programs->unassigned);
    char *text = cJSON_Print(root);
    fputs(text, out);
    fputc('\n', out);
    cJSON_free(text);
    cJSON_Delete(root);
}

int al_command_programs(al_options *o)
{
    if (strcmp(o->format, "text") != 0 && strcmp(o->format, "json") != 0)
        return al_usage_error("programs writes text or json, not '%s'", o->format);
    al_gather g;
    if (!al_gather_open(&g, o))
        return AL_EXIT_USAGE;
    al_report_set reports;
    if (!al_reports_open(o, &reports)) {
        al_gather_close(&g);
        return AL_EXIT_USAGE;
    }
    if (!al_gather_facts(&g, o)) {
        al_reports_abandon(&reports);
        int status = al_gather_failure_status(&g);
        al_gather_close(&g);
        return status;
    }
    char *build_folder = al_check_build_folder(&g.db);
    al_targets targets;
    al_targets_find(&targets, &g.db, build_folder);
    free(build_folder);
    al_unit_set set;
    al_unit_set_build(&set, g.units, g.db.count);
    g.units = NULL;
    al_programs programs;
    int status = AL_EXIT_USAGE;
    if (al_analysis_programs(&programs, &set, &targets, o)) {
        if (strcmp(o->format, "json") == 0)
            print_json(reports.main.f, &programs, &g, &targets);
        else
            print_text(reports.main.f, &programs, &g, &targets);
        status = al_report_commit(&reports.main) ? AL_EXIT_CLEAN : AL_EXIT_USAGE;
        al_programs_free(&programs);
    } else {
        al_reports_abandon(&reports);
    }
    al_unit_set_free(&set);
    al_targets_free(&targets);
    al_gather_close(&g);
    return status;
}
