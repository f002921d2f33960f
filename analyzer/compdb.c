/* compdb: compile_commands.json -> a list of translation units with parse arguments. */
#include "compdb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jsonfile.h"

void al_free_argv(char **argv, int count)
{
    for (int i = 0; i < count; i++)
        free(argv[i]);
    free(argv);
}

char **al_shell_split(const char *command, int *count)
{
    AL_VEC(char *) words = {0};
    al_strbuf word = {0};
    const char *p = command;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (!*p)
            break;
        bool in_word = false;
        while (*p && !(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
            in_word = true;
            if (*p == '\'') {
                const char *end = strchr(p + 1, '\'');
                if (!end)
                    end = p + strlen(p);
                al_strbuf_append_n(&word, p + 1, (size_t)(end - p - 1));
                p = *end ? end + 1 : end;
            } else if (*p == '"') {
                p++;
                while (*p && *p != '"') {
                    if (*p == '\\' && p[1] && strchr("\"\\$`\n", p[1]))
                        p++;
                    al_strbuf_putc(&word, *p++);
                }
                if (*p)
                    p++;
            } else if (*p == '\\' && p[1]) {
                al_strbuf_putc(&word, p[1]);
                p += 2;
            } else {
                al_strbuf_putc(&word, *p++);
            }
        }
        if (in_word)
            AL_VEC_PUSH(words, al_strbuf_take(&word));
    }
    al_strbuf_free(&word);
    *count = (int)words.count;
    return words.items ? words.items : al_xcalloc(1, sizeof(char *));
}

/* Options whose value follows, separately or joined, and names a path. */
static const char *const path_options[] = {"-I",       "-isystem",  "-iquote",   "-idirafter", "-include",
                                           "-imacros", "-isysroot", "--sysroot", "-iprefix",   NULL};
/* Options whose value follows, separately or joined, and is not a path. */
static const char *const value_options[] = {"-D", "-U", "-std", "-x", NULL};
/* Options kept as they are (exact match). */
static const char *const kept_flags[] = {"-ansi",          "-nostdinc",
                                         "-undef",         "-funsigned-char",
                                         "-fsigned-char",  "-fno-signed-char",
                                         "-fshort-enums",  "-fms-extensions",
                                         "-fgnu89-inline", "-ffreestanding",
                                         "-fno-builtin",   "-pthread",
                                         "-m32",           "-m64",
                                         "-mx32",          "-fblocks",
                                         "-fshort-wchar",  NULL};
/* Options dropped together with the value that follows them. */
static const char *const dropped_with_value[] = {
    "-o",        "-MF",   "-MT",     "-MQ",     "-Xclang", "-Xlinker", "-Xassembler", "-Xpreprocessor",
    "-aux-info", "-arch", "-target", "--param", "-L",      "-l",       NULL};

/* If `arg` is one of `options`, returns that option and sets *joined_value to its value when it is
 * written in the same argument ("-Ifoo", "-std=c11", "-isystem/usr/x"), else to NULL. Only
 * one-letter options and `joinable` lists take a value glued on without '='. */
static const char *match_option(const char *arg, const char *const *options, bool joinable, const char **joined_value)
{
    for (int i = 0; options[i]; i++) {
        size_t n = strlen(options[i]);
        if (strncmp(arg, options[i], n) != 0)
            continue;
        if (arg[n] == '\0') {
            *joined_value = NULL;
            return options[i];
        }
        if (arg[n] == '=') {
            *joined_value = arg + n + 1;
            return options[i];
        }
        if (n == 2 || (joinable && arg[n] != '-')) { /* "-isystem-after" is another option */
            *joined_value = arg + n;
            return options[i];
        }
    }
    return NULL;
}

static bool in_list(const char *arg, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(arg, list[i]) == 0)
            return true;
    return false;
}

char **al_compdb_clang_args(char *const *argv, int argc, const char *directory, int *count)
{
    AL_VEC(char *) out = {0};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = NULL;
        const char *option;
        if (in_list(arg, dropped_with_value)) {
            i++;
        } else if ((option = match_option(arg, path_options, true, &value))) {
            if (!value) {
                if (i + 1 >= argc)
                    break;
                value = argv[++i];
            }
            char *abs = al_path_absolute(value, directory);
            if (strcmp(option, "--sysroot") == 0) {
                AL_VEC_PUSH(out, al_xasprintf("--sysroot=%s", abs));
                free(abs);
            } else {
                AL_VEC_PUSH(out, al_xstrdup(option));
                AL_VEC_PUSH(out, abs);
            }
        } else if ((option = match_option(arg, value_options, false, &value))) {
            if (!value) {
                if (i + 1 >= argc)
                    break;
                value = argv[++i];
            }
            if (strcmp(option, "-std") == 0)
                AL_VEC_PUSH(out, al_xasprintf("-std=%s", value));
            else
                AL_VEC_PUSH(out, al_xasprintf("%s%s", option, value));
        } else if (in_list(arg, kept_flags) || strncmp(arg, "-fno-builtin-", 13) == 0 ||
                   (arg[0] == '-' && arg[1] == 'O')) {
            AL_VEC_PUSH(out, al_xstrdup(arg));
        } else {
            /* Everything else is dropped: warnings, codegen and gcc-only flags, -c, the input
             * file (given to libclang separately) and any other input such as objects. */
        }
    }
    *count = (int)out.count;
    return out.items ? out.items : al_xcalloc(1, sizeof(char *));
}

static char *find_database(const char *build_dir, char **error)
{
    struct stat st;
    if (build_dir) {
        if (stat(build_dir, &st) != 0) {
            *error = al_one_line(al_xasprintf("%s: error: build folder does not exist", build_dir));
            return NULL;
        }
        if (S_ISREG(st.st_mode)) /* -p may name the file itself */
            return al_xstrdup(build_dir);
        char *path = al_xasprintf("%s/compile_commands.json", build_dir);
        if (stat(path, &st) != 0) {
            *error = al_one_line(al_xasprintf("%s: error: no compile_commands.json in this folder (configure "
                                              "with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON, or use bear)",
                                              build_dir));
            free(path);
            return NULL;
        }
        return path;
    }
    if (stat("compile_commands.json", &st) == 0)
        return al_xstrdup("compile_commands.json");
    if (stat("build/compile_commands.json", &st) == 0)
        return al_xstrdup("build/compile_commands.json");
    *error = al_xstrdup("compile_commands.json: error: not found in . or ./build (use -p BUILD_DIR)");
    return NULL;
}

/* The object file a compiler argv writes: "-o x.o" or "-ox.o"; NULL when it names none. */
static const char *output_argument(char *const *argv, int argc)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0)
            return i + 1 < argc ? argv[i + 1] : NULL;
        if (strncmp(argv[i], "-o", 2) == 0)
            return argv[i] + 2;
    }
    return NULL;
}

static void free_command(al_compile_command *cmd)
{
    free(cmd->directory);
    free(cmd->file);
    al_free_argv(cmd->args, cmd->arg_count);
    for (size_t i = 0; i < cmd->output_count; i++)
        free(cmd->outputs[i]);
    free(cmd->outputs);
}

/* What makes two entries one unit: the file and the arguments libclang gets. */
static char *unit_identity(const al_compile_command *cmd)
{
    al_strbuf b = {0};
    al_strbuf_append(&b, cmd->file);
    for (int i = 0; i < cmd->arg_count; i++) /* length-prefixed: no two argument lists spell alike */
        al_strbuf_appendf(&b, "\n%zu:%s", strlen(cmd->args[i]), cmd->args[i]);
    return al_strbuf_take(&b);
}

static bool load_entry(al_jsonfile *jf, const cJSON *entry, int index, al_compile_command *cmd, char **error)
{
    char where[64];
    snprintf(where, sizeof(where), "%d", index);
    if (!cJSON_IsObject(entry)) {
        *error = al_jsonfile_error(jf, where, "entry %d is not an object", index);
        return false;
    }
    const cJSON *dir = cJSON_GetObjectItemCaseSensitive(entry, "directory");
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(entry, "file");
    const cJSON *arguments = cJSON_GetObjectItemCaseSensitive(entry, "arguments");
    const cJSON *command = cJSON_GetObjectItemCaseSensitive(entry, "command");
    if (!cJSON_IsString(dir) || !cJSON_IsString(file)) {
        *error = al_jsonfile_error(jf, where, "entry %d needs string \"directory\" and \"file\"", index);
        return false;
    }
    char **argv = NULL;
    int argc = 0;
    if (cJSON_IsArray(arguments)) {
        argc = cJSON_GetArraySize(arguments);
        argv = al_xcalloc((size_t)argc + 1, sizeof(char *));
        int i = 0;
        const cJSON *a;
        cJSON_ArrayForEach(a, arguments)
        {
            if (!cJSON_IsString(a)) {
                snprintf(where, sizeof(where), "%d/arguments/%d", index, i);
                *error = al_jsonfile_error(jf, where, "argument %d of entry %d is not a string", i, index);
                al_free_argv(argv, i);
                return false;
            }
            argv[i++] = al_xstrdup(a->valuestring);
        }
    } else if (cJSON_IsString(command)) {
        argv = al_shell_split(command->valuestring, &argc);
    } else {
        *error = al_jsonfile_error(jf, where, "entry %d needs \"arguments\" (array) or \"command\" (string)", index);
        return false;
    }
    char *base = al_path_absolute(dir->valuestring, NULL);
    cmd->directory = base;
    cmd->file = al_path_absolute(file->valuestring, base);
    cmd->args = al_compdb_clang_args(argv, argc, base, &cmd->arg_count);
    const cJSON *output = cJSON_GetObjectItemCaseSensitive(entry, "output");
    const char *object = cJSON_IsString(output) ? output->valuestring : output_argument(argv, argc);
    if (object && *object) {
        cmd->outputs = al_xcalloc(1, sizeof(char *));
        cmd->outputs[0] = al_path_absolute(object, base);
        cmd->output_count = 1;
    }
    al_free_argv(argv, argc);
    return true;
}

/* The entries of a parsed database into db; frees jf. */
static bool load_entries(al_compdb *db, al_jsonfile *jf, char **error)
{
    if (!cJSON_IsArray(jf->root)) {
        *error = al_jsonfile_error(jf, "", "expected an array of compile commands");
        al_jsonfile_free(jf);
        al_compdb_free(db);
        return false;
    }
    int n = cJSON_GetArraySize(jf->root);
    db->commands = al_xcalloc((size_t)n + 1, sizeof(*db->commands));
    al_strtab seen; /* unit identity -> index in commands */
    al_strtab_init(&seen);
    int index = 0;
    const cJSON *entry;
    bool ok = true;
    cJSON_ArrayForEach(entry, jf->root)
    {
        al_compile_command cmd = {0};
        if (!load_entry(jf, entry, index++, &cmd, error)) {
            free_command(&cmd);
            ok = false;
            break;
        }
        db->entries++;
        /* A file compiled the same way twice (for two programs) is one unit with both objects;
         * compiled with other flags, it is another unit (docs/programs.md). */
        char *identity = unit_identity(&cmd);
        uint32_t before = seen.count;
        uint32_t id = al_strtab_intern(&seen, identity);
        free(identity);
        if (seen.count == before) {
            al_compile_command *first = &db->commands[id - 1]; /* id 0 is "" */
            db->duplicates++;
            for (size_t k = 0; k < cmd.output_count; k++) {
                first->outputs = al_xrealloc(first->outputs, (first->output_count + 1) * sizeof(char *));
                first->outputs[first->output_count++] = cmd.outputs[k];
            }
            cmd.output_count = 0;
            free_command(&cmd);
            continue;
        }
        db->commands[db->count++] = cmd;
    }
    al_strtab_free(&seen);
    al_jsonfile_free(jf);
    if (!ok)
        al_compdb_free(db);
    return ok;
}

bool al_compdb_load(al_compdb *db, const char *build_dir, char **error)
{
    memset(db, 0, sizeof(*db));
    char *path = find_database(build_dir, error);
    if (!path)
        return false;
    al_jsonfile jf;
    if (!al_jsonfile_load(&jf, path, error)) {
        al_jsonfile_free(&jf);
        free(path);
        return false;
    }
    db->path = path;
    return load_entries(db, &jf, error);
}

bool al_compdb_parse(al_compdb *db, const char *path, const char *data, size_t len, char **error)
{
    memset(db, 0, sizeof(*db));
    al_jsonfile jf;
    if (!al_jsonfile_parse(&jf, path, data, len, error)) {
        al_jsonfile_free(&jf);
        return false;
    }
    db->path = al_xstrdup(path);
    return load_entries(db, &jf, error);
}

void al_compdb_free(al_compdb *db)
{
    for (size_t i = 0; i < db->count; i++)
        free_command(&db->commands[i]);
    free(db->commands);
    free(db->path);
    memset(db, 0, sizeof(*db));
}
