/* fixture_check: compares an asynclock JSON report with the expectations written in a fixture's
 * sources (docs/testing.md). Every finding must match one `expect:` comment on its line, and every
 * comment one finding; the fixture must also have parsed without errors. The same holds for
 * suppressed findings and `expect-suppressed:` comments, and for unused suppression comments and
 * `expect-unused` comments on their line.
 *
 * With EXIT_CODE, also checks that asynclock exited as --fail-on=warning says it must: 1 when a
 * finding is a warning or an error, else 0.
 *
 * usage: fixture_check REPORT.json FIXTURE_DIR [EXIT_CODE] */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

typedef enum { EXPECT_FINDING, EXPECT_SUPPRESSED, EXPECT_UNUSED } expect_kind;
static const char *const markers[] = {"expect:", "expect-suppressed:", "expect-unused"};

typedef struct expectation {
    expect_kind kind;
    char *file;
    unsigned line;
    char *category, *callee;
    char *handlers[16]; /* "name" or "name:F1>F2" */
    int handler_count;
    char *programs[16]; /* program=NAME: the finding's programs, exactly */
    int program_count;
    char *severity;  /* severity=LEVEL, or NULL: any */
    char *certainty; /* certainty=C, or NULL: any */
    char *first;     /* first=NAME: the handler named first (its primary chain), or NULL: any */
    char *lock;      /* lock=NAME: a lock finding's lock */
    char *worker;    /* worker=NAME:F1>F2: the worker that holds it, with its chain */
    bool matched;
} expectation;

static AL_VEC(expectation) expected;

static void parse_expectations(const char *file, const char *text)
{
    unsigned line = 1;
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            line++;
            continue;
        }
        int kind = 0;
        while (kind < 3 && strncmp(p, markers[kind], strlen(markers[kind])) != 0)
            kind++;
        if (kind == 3)
            continue;
        size_t n = strlen(markers[kind]);
        expectation e = {0};
        e.kind = (expect_kind)kind;
        e.file = al_xstrdup(file);
        e.line = line;
        if (e.kind == EXPECT_UNUSED) {
            AL_VEC_PUSH(expected, e);
            continue;
        }
        /* tokens up to the end of the line or the comment */
        const char *end = p + n;
        while (*end && *end != '\n' && strncmp(end, "*/", 2) != 0 && strncmp(end, "expect", 6) != 0)
            end++;
        char *body = al_xstrndup(p + n, (size_t)(end - p - n));
        int field = 0;
        for (char *tok = strtok(body, " \t\r"); tok; tok = strtok(NULL, " \t\r")) {
            if (field == 0)
                e.category = al_xstrdup(tok);
            else if (field == 1)
                e.callee = al_xstrdup(tok);
            else if (strncmp(tok, "handler=", 8) == 0 && e.handler_count < 16)
                e.handlers[e.handler_count++] = al_xstrdup(tok + 8);
            else if (strncmp(tok, "program=", 8) == 0 && e.program_count < 16)
                e.programs[e.program_count++] = al_xstrdup(tok + 8);
            else if (strncmp(tok, "severity=", 9) == 0)
                e.severity = al_xstrdup(tok + 9);
            else if (strncmp(tok, "certainty=", 10) == 0)
                e.certainty = al_xstrdup(tok + 10);
            else if (strncmp(tok, "first=", 6) == 0)
                e.first = al_xstrdup(tok + 6);
            else if (strncmp(tok, "lock=", 5) == 0)
                e.lock = al_xstrdup(tok + 5);
            else if (strncmp(tok, "worker=", 7) == 0)
                e.worker = al_xstrdup(tok + 7);
            else {
                fprintf(stderr, "%s:%u: bad expect token '%s'\n", file, line, tok);
                exit(2);
            }
            field++;
        }
        free(body);
        if (!e.category || !e.callee || e.handler_count == 0) {
            fprintf(stderr, "%s:%u: an expect: comment needs CATEGORY CALLEE handler=...\n", file, line);
            exit(2);
        }
        AL_VEC_PUSH(expected, e);
        p = end - 1;
    }
}

static void scan_folder(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (ent->d_name[0] == '.')
            continue;
        char *path = al_xasprintf("%s/%s", dir, ent->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            scan_folder(path);
        } else {
            size_t n = strlen(path);
            if (n > 2 && (strcmp(path + n - 2, ".c") == 0 || strcmp(path + n - 2, ".h") == 0)) {
                char *text = al_read_file(path, NULL);
                char *abs = al_path_absolute(path, NULL);
                if (text)
                    parse_expectations(abs, text);
                free(abs);
                free(text);
            }
        }
        free(path);
    }
    closedir(d);
}

static const char *string_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* The name of a finding's first handler: the one its primary chain starts from. */
static const char *first_handler(const cJSON *f)
{
    const cJSON *h = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(f, "handlers"), 0);
    return h ? string_of(h, "name") : "";
}

/* "name" or "name:F1>F2>..." for a reported handler. */
static char *describe_handler(const cJSON *h, bool with_chain)
{
    al_strbuf b = {0};
    al_strbuf_append(&b, string_of(h, "name"));
    if (with_chain) {
        al_strbuf_putc(&b, ':');
        const cJSON *step;
        int i = 0;
        const cJSON *instance = NULL; /* of the step before: "F[D]", F reached though D does not hold it */
        cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(h, "chain"))
        {
            al_strbuf_appendf(&b, "%s%s", i++ ? ">" : "", string_of(step, "function"));
            if (cJSON_IsString(instance))
                al_strbuf_appendf(&b, "[%s]", instance->valuestring);
            instance = cJSON_GetObjectItemCaseSensitive(step, "instance");
        }
    }
    return al_strbuf_take(&b);
}

/* A lock finding's lock and worker as the expectation says them (both absent when it is not one). */
static bool lock_matches(const expectation *e, const cJSON *f)
{
    const cJSON *lock = cJSON_GetObjectItemCaseSensitive(f, "lock");
    if (!lock)
        return !e->lock && !e->worker;
    if (!e->lock || !e->worker || strcmp(e->lock, string_of(lock, "name")) != 0)
        return false;
    char *d = describe_handler(cJSON_GetObjectItemCaseSensitive(lock, "worker"), strchr(e->worker, ':') != NULL);
    bool same = strcmp(d, e->worker) == 0;
    free(d);
    return same;
}

static bool handlers_match(const expectation *e, const cJSON *handlers)
{
    if (cJSON_GetArraySize(handlers) != e->handler_count)
        return false;
    for (int i = 0; i < e->handler_count; i++) {
        bool with_chain = strchr(e->handlers[i], ':') != NULL;
        bool found = false;
        const cJSON *h;
        cJSON_ArrayForEach(h, handlers)
        {
            char *d = describe_handler(h, with_chain);
            found = found || strcmp(d, e->handlers[i]) == 0;
            free(d);
        }
        if (!found)
            return false;
    }
    return true;
}

/* The finding's programs are exactly the expectation's (any order). */
static bool programs_match(const expectation *e, const cJSON *programs)
{
    if (cJSON_GetArraySize(programs) != e->program_count)
        return false;
    for (int i = 0; i < e->program_count; i++) {
        bool found = false;
        const cJSON *p;
        cJSON_ArrayForEach(p, programs)
        {
            found = found || (cJSON_IsString(p) && strcmp(p->valuestring, e->programs[i]) == 0);
        }
        if (!found)
            return false;
    }
    return true;
}

static void print_finding(const cJSON *f)
{
    const cJSON *loc = cJSON_GetObjectItemCaseSensitive(f, "location");
    fprintf(stderr, "  %s:%d: %s %s", string_of(loc, "file"), cJSON_GetObjectItemCaseSensitive(loc, "line")->valueint,
            string_of(f, "category"), string_of(f, "callee"));
    const cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(f, "handlers"))
    {
        char *d = describe_handler(h, true);
        fprintf(stderr, " handler=%s", d);
        free(d);
    }
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(f, "programs"))
    {
        fprintf(stderr, " program=%s", cJSON_IsString(p) ? p->valuestring : "?");
    }
    fprintf(stderr, " severity=%s certainty=%s first=%s", string_of(f, "severity"), string_of(f, "certainty"),
            first_handler(f));
    const cJSON *lock = cJSON_GetObjectItemCaseSensitive(f, "lock");
    if (lock) {
        char *d = describe_handler(cJSON_GetObjectItemCaseSensitive(lock, "worker"), true);
        fprintf(stderr, " lock=%s worker=%s", string_of(lock, "name"), d);
        free(d);
    }
    fputc('\n', stderr);
}

/* Every entry of `list` must match one expectation of `kind`; the number that did not. */
static int match_findings(const cJSON *list, expect_kind kind)
{
    int failures = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, list)
    {
        const cJSON *loc = cJSON_GetObjectItemCaseSensitive(f, "location");
        const char *file = string_of(loc, "file");
        unsigned line = (unsigned)cJSON_GetObjectItemCaseSensitive(loc, "line")->valueint;
        bool matched = false;
        for (size_t i = 0; i < expected.count && !matched; i++) {
            expectation *e = &expected.items[i];
            if (e->kind != kind || e->matched || e->line != line || strcmp(e->file, file) != 0 ||
                strcmp(e->category, string_of(f, "category")) != 0 || strcmp(e->callee, string_of(f, "callee")) != 0 ||
                !handlers_match(e, cJSON_GetObjectItemCaseSensitive(f, "handlers")) ||
                (e->program_count && !programs_match(e, cJSON_GetObjectItemCaseSensitive(f, "programs"))) ||
                (e->severity && strcmp(e->severity, string_of(f, "severity")) != 0) ||
                (e->certainty && strcmp(e->certainty, string_of(f, "certainty")) != 0) ||
                (e->first && strcmp(e->first, first_handler(f)) != 0) || !lock_matches(e, f))
                continue;
            e->matched = matched = true;
        }
        if (!matched) {
            fprintf(stderr, "unexpected %s:\n", kind == EXPECT_FINDING ? "finding" : "suppressed finding");
            print_finding(f);
            failures++;
        }
    }
    return failures;
}

static int match_unused(const cJSON *list)
{
    int failures = 0;
    const cJSON *u;
    cJSON_ArrayForEach(u, list)
    {
        const char *file = string_of(u, "file");
        unsigned line = (unsigned)cJSON_GetObjectItemCaseSensitive(u, "line")->valueint;
        bool matched = false;
        for (size_t i = 0; i < expected.count && !matched; i++) {
            expectation *e = &expected.items[i];
            if (e->kind == EXPECT_UNUSED && !e->matched && e->line == line && strcmp(e->file, file) == 0)
                e->matched = matched = true;
        }
        if (!matched) {
            fprintf(stderr, "unexpected unused suppression:\n  %s:%u: %s\n", file, line, string_of(u, "comment"));
            failures++;
        }
    }
    return failures;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: fixture_check REPORT.json FIXTURE_DIR [EXIT_CODE]\n");
        return 2;
    }
    char *text = al_read_file(argv[1], NULL);
    cJSON *report = text ? cJSON_Parse(text) : NULL;
    if (!report) {
        fprintf(stderr, "%s: not a JSON report\n", argv[1]);
        return 2;
    }
    scan_folder(argv[2]);
    int failures = 0;

    const cJSON *summary = cJSON_GetObjectItemCaseSensitive(report, "summary");
    const cJSON *parse_errors = cJSON_GetObjectItemCaseSensitive(summary, "parse_errors");
    if (!cJSON_IsNumber(parse_errors) || parse_errors->valueint != 0) {
        fprintf(stderr, "the fixture did not parse cleanly:\n%s\n",
                cJSON_Print(cJSON_GetObjectItemCaseSensitive(summary, "failed_units")));
        failures++;
    }

    /* a report of several programs: every expectation says which (program=NAME) */
    int program_count = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(report, "programs"));
    for (size_t i = 0; program_count > 1 && i < expected.count; i++) {
        expectation *e = &expected.items[i];
        if (e->kind != EXPECT_UNUSED && e->program_count == 0) {
            fprintf(stderr, "%s:%u: the report has %d programs: the expectation must say program=NAME\n", e->file,
                    e->line, program_count);
            failures++;
        }
    }

    int want_exit = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(report, "findings"))
    {
        if (strcmp(string_of(f, "severity"), "note") != 0)
            want_exit = 1;
    }
    failures += match_findings(cJSON_GetObjectItemCaseSensitive(report, "findings"), EXPECT_FINDING);
    failures += match_findings(cJSON_GetObjectItemCaseSensitive(report, "suppressed"), EXPECT_SUPPRESSED);
    failures += match_unused(cJSON_GetObjectItemCaseSensitive(report, "unused_suppressions"));
    for (size_t i = 0; i < expected.count; i++) {
        expectation *e = &expected.items[i];
        if (e->matched)
            continue;
        fprintf(stderr, "missing %s\n  %s:%u: %s %s", markers[e->kind], e->file, e->line,
                e->category ? e->category : "", e->callee ? e->callee : "");
        for (int h = 0; h < e->handler_count; h++)
            fprintf(stderr, " handler=%s", e->handlers[h]);
        for (int k = 0; k < e->program_count; k++)
            fprintf(stderr, " program=%s", e->programs[k]);
        if (e->severity)
            fprintf(stderr, " severity=%s", e->severity);
        if (e->certainty)
            fprintf(stderr, " certainty=%s", e->certainty);
        if (e->first)
            fprintf(stderr, " first=%s", e->first);
        if (e->lock)
            fprintf(stderr, " lock=%s worker=%s", e->lock, e->worker ? e->worker : "");
        fputc('\n', stderr);
        failures++;
    }
    if (argc == 4 && atoi(argv[3]) != want_exit) {
        fprintf(stderr, "asynclock exited %s, expected %d\n", argv[3], want_exit);
        failures++;
    }
    printf("%s: %zu expectations, %d problems\n", argv[2], expected.count, failures);
    for (size_t i = 0; i < expected.count; i++) {
        expectation *e = &expected.items[i];
        free(e->file);
        free(e->category);
        free(e->callee);
        for (int h = 0; h < e->handler_count; h++)
            free(e->handlers[h]);
        for (int k = 0; k < e->program_count; k++)
            free(e->programs[k]);
        free(e->severity);
        free(e->certainty);
        free(e->first);
        free(e->lock);
        free(e->worker);
    }
    AL_VEC_FREE(expected);
    cJSON_Delete(report);
    free(text);
    return failures ? 1 : 0;
}
