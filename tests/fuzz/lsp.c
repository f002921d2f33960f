/* Fuzz target for analyzer/lsp.c: any bytes as what a client sends the language server. Frames are
 * read from the input as from standard input and each is handled; every frame the server writes
 * must be a JSON object with "jsonrpc": "2.0". The analysis does not fork: its stand-in returns
 * the message being handled as the JSON report, so a didOpen with a "findings" member drives the
 * diagnostics code too (a message without one is an analysis that failed). didOpen finds a
 * compile database for files under FOLDER, which the target creates. */
#include <cjson/cJSON.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "lsp.h"

#define FOLDER "/tmp/al-fuzz-lsp"

static const char *current; /* the body being handled */

static int fake_check(void *context, const char *build_dir, al_strbuf *out, al_strbuf *err)
{
    (void)context;
    AL_FUZZ_CHECK(build_dir != NULL);
    if (!strstr(current, "\"findings\"")) {
        al_strbuf_append(err, "fuzz: no report\nsecond line");
        return 2;
    }
    al_strbuf_append(out, current);
    return 0;
}

static void make_project(void)
{
    static bool made;
    if (made)
        return;
    mkdir(FOLDER, 0777);
    FILE *f = fopen(FOLDER "/compile_commands.json", "w");
    AL_FUZZ_CHECK(f != NULL);
    fputs("[]\n", f);
    AL_FUZZ_CHECK(fclose(f) == 0);
    made = true;
}

/* Every frame of `text`: Content-Length header, blank line, a JSON object speaking JSON-RPC 2.0. */
static void check_output(const char *text, size_t len)
{
    FILE *in = fmemopen((void *)text, len, "r");
    AL_FUZZ_CHECK(in != NULL);
    size_t body_len = 0;
    const char *error = NULL;
    char *body;
    while ((body = al_lsp_read_frame(in, &body_len, &error))) {
        cJSON *m = cJSON_ParseWithLength(body, body_len);
        AL_FUZZ_CHECK(cJSON_IsObject(m));
        const cJSON *version = cJSON_GetObjectItemCaseSensitive(m, "jsonrpc");
        AL_FUZZ_CHECK(cJSON_IsString(version) && strcmp(version->valuestring, "2.0") == 0);
        cJSON_Delete(m);
        free(body);
    }
    AL_FUZZ_CHECK(error == NULL);
    fclose(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    make_project();
    if (size == 0)
        return 0; /* fmemopen of nothing fails */
    FILE *in = fmemopen((void *)data, size, "r");
    AL_FUZZ_CHECK(in != NULL);
    char *written = NULL;
    size_t written_len = 0;
    FILE *out = open_memstream(&written, &written_len);
    AL_FUZZ_CHECK(out != NULL);
    al_lsp *server = al_lsp_new("asynclock", NULL, 0, out);
    al_lsp_set_analyzer(server, fake_check, NULL);
    size_t len = 0;
    const char *error = NULL;
    char *body;
    while ((body = al_lsp_read_frame(in, &len, &error))) {
        current = body;
        bool more = al_lsp_handle(server, body, len);
        free(body);
        if (!more)
            break;
    }
    int code = al_lsp_exit_code(server);
    AL_FUZZ_CHECK(code == 0 || code == 1);
    al_lsp_free(server);
    fclose(in);
    AL_FUZZ_CHECK(fclose(out) == 0);
    check_output(written, written_len);
    free(written);
    return 0;
}
