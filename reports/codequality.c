/* codequality: GitLab Code Quality JSON, an array of issues the merge request widget compares by
 * fingerprint between the source and target branches. Paths are relative to the source root, which
 * should be the repository's top folder. Against a baseline only new findings are listed. */
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "report.h"

static const char *gitlab_severity(al_severity s)
{
    switch (s) {
    case AL_SEVERITY_ERROR:
        return "critical";
    case AL_SEVERITY_WARNING:
        return "major";
    default:
        return "minor";
    }
}

void al_report_codequality(FILE *out, const al_findings *f)
{
    cJSON *issues = cJSON_CreateArray();
    for (size_t i = 0; i < f->items.count; i++) {
        const al_finding *x = &f->items.items[i];
        if (x->baseline == AL_BASELINE_UNCHANGED)
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", "issue");
        char *text = al_xasprintf("%s (in '%s'). Suggested fix: %s", x->message, x->function, x->fix);
        cJSON_AddStringToObject(o, "description", text);
        free(text);
        char *check = al_xasprintf("%s/%s", x->rule, x->category);
        cJSON_AddStringToObject(o, "check_name", check);
        free(check);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "categories"), cJSON_CreateString("Performance"));
        cJSON_AddStringToObject(o, "fingerprint", x->fingerprint);
        cJSON_AddStringToObject(o, "severity", gitlab_severity(x->severity));
        cJSON *location = cJSON_AddObjectToObject(o, "location");
        cJSON_AddStringToObject(location, "path", al_path_relative_to(x->loc.file, f->source_root));
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(location, "lines"), "begin", x->loc.line);
        cJSON_AddItemToArray(issues, o);
    }
    char *text = cJSON_Print(issues);
    fputs(text, out);
    fputc('\n', out);
    cJSON_free(text);
    cJSON_Delete(issues);
}
