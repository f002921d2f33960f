/* trace: runs a program under the trace shim and writes its trace files (see trace.h).
 *
 * The shim (shim/shim.c) records into one shared region per process image that runs an event loop
 * (shim/region.h), in a private folder this command makes and names in $ASYNCLOCK_TRACE_DIR. The
 * regions survive their processes, so what a program observed is read here whether it exited,
 * crashed or was killed: every few seconds (--interval) and once the program has ended, every
 * region is read, its stacks are symbolized with binutils' addr2line (each return address once
 * per run), and its trace file is written whole under a temporary name and renamed. The program's
 * own process image that runs last writes to -o FILE; every other image that ran a loop (a forked
 * child, an exec'd program) to FILE with its pid before the extension. */
#include "trace.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "observed.h"
#include "region.h"
#include "util.h"

#ifndef AL_SHIM_BUILD_PATH
#define AL_SHIM_BUILD_PATH ""
#endif
#ifndef AL_SHIM_INSTALL_DIR
#define AL_SHIM_INSTALL_DIR "lib/asynclock/trace"
#endif
#define SHIM_NAME "libasynclock-trace.so"

extern char **environ;

enum { EXIT_TRACE_ERROR = 2 };

static const char trace_usage[] =
    "usage: asynclock trace [-o FILE] [--interval SECONDS] [--conditional] [-q] [--] PROGRAM [ARGS...]\n"
    "\n"
    "Runs PROGRAM with the trace shim preloaded. A thread is a loop thread while it runs an event\n"
    "loop of the rule packs (uv_run, event_base_dispatch, ev_run, g_main_loop_run, aeMain, ...) or\n"
    "while the program marks it (ASYNCLOCK_TRACE_LOOP in asynclock.h); every blocking API of the\n"
    "packs that a loop thread calls is timed, per call site: calls, total, p50, p99 and max blocked\n"
    "time, and the call stack, symbolized from the program's debug information (build with -g).\n"
    "\n"
    "  -o, --output FILE    the trace of PROGRAM (default: asynclock-trace.json); a forked or\n"
    "                       exec'd process that runs a loop gets FILE with its pid before the\n"
    "                       extension (trace.json -> trace.4242.json)\n"
    "      --interval S     also write the traces every S seconds while PROGRAM runs (default 5)\n"
    "      --conditional    also time the APIs that block only on blocking descriptors (read,\n"
    "                       write, recv, send, ...)\n"
    "  -q, --quiet          no summary on standard error\n"
    "\n"
    "Exit code: PROGRAM's (128 + N when signal N ended it); 2 when asynclock cannot trace it\n"
    "(not found, statically linked, not x86-64, set-user-ID, unwritable FILE). SIGINT, SIGTERM and\n"
    "SIGHUP sent to asynclock are passed on to PROGRAM; the traces are written when it has ended.\n"
    "Feed the traces to the report with: asynclock check -p BUILD_DIR --trace FILE...\n";

typedef struct trace_options {
    const char *output;
    double interval;
    bool conditional;
    bool quiet;
    char **argv; /* the program and its arguments */
} trace_options;

/* ---- finding the shim and checking the program ---- */

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *al_trace_shim_path(void)
{
    const char *env = getenv("ASYNCLOCK_TRACE_SHIM");
    if (env && *env)
        return al_path_absolute(env, NULL);
    char *installed = al_beside_executable("../" AL_SHIM_INSTALL_DIR "/" SHIM_NAME);
    if (installed && is_file(installed))
        return installed;
    free(installed);
    return *AL_SHIM_BUILD_PATH && is_file(AL_SHIM_BUILD_PATH) ? al_xstrdup(AL_SHIM_BUILD_PATH) : NULL;
}

/* The file execvp would run for `name`, or NULL. */
static char *find_program(const char *name)
{
    if (strchr(name, '/'))
        return access(name, X_OK) == 0 && is_file(name) ? al_path_absolute(name, NULL) : NULL;
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        const char *end = strchr(path, ':');
        size_t len = end ? (size_t)(end - path) : strlen(path);
        char *dir = len ? al_xstrndup(path, len) : al_xstrdup(".");
        char *candidate = al_xasprintf("%s/%s", dir, name);
        free(dir);
        if (access(candidate, X_OK) == 0 && is_file(candidate)) {
            char *abs = al_path_absolute(candidate, NULL);
            free(candidate);
            return abs;
        }
        free(candidate);
        if (!end)
            break;
        path = end + 1;
    }
    return NULL;
}

/* Why the shim cannot be preloaded into `path`, or NULL when it can (or when it is no ELF file:
 * then exec says what it thinks). Follows one "#!" interpreter. */
static char *unfit_program(const char *path, int depth)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return al_xasprintf("%s: error: cannot read the program: %s", path, strerror(errno));
    struct stat st;
    unsigned char head[256];
    ssize_t n = fstat(fd, &st) == 0 ? pread(fd, head, sizeof(head), 0) : -1;
    char *why = NULL;
    if (n >= 2 && head[0] == '#' && head[1] == '!' && depth == 0) {
        size_t i = 2, len = (size_t)n;
        while (i < len && (head[i] == ' ' || head[i] == '\t'))
            i++;
        size_t start = i;
        while (i < len && head[i] != ' ' && head[i] != '\t' && head[i] != '\n')
            i++;
        char *interpreter = al_xstrndup((const char *)head + start, i - start);
        if (*interpreter == '/')
            why = unfit_program(interpreter, depth + 1);
        free(interpreter);
    } else if (n >= (ssize_t)sizeof(Elf64_Ehdr) && memcmp(head, ELFMAG, SELFMAG) == 0) {
        const Elf64_Ehdr *eh = (const Elf64_Ehdr *)head;
        bool interp = false;
        if (head[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64) {
            why = al_xasprintf("%s: error: not an x86-64 program: the trace shim is built for x86-64", path);
        } else {
            for (unsigned i = 0; i < eh->e_phnum && !interp; i++) {
                Elf64_Phdr ph;
                off_t at = (off_t)eh->e_phoff + (off_t)i * eh->e_phentsize;
                if (pread(fd, &ph, sizeof(ph), at) != (ssize_t)sizeof(ph))
                    break;
                interp = ph.p_type == PT_INTERP;
            }
            if (!interp)
                why = al_xasprintf("%s: error: statically linked: the trace shim can only be preloaded into a "
                                   "dynamically linked program",
                                   path);
        }
        if (!why &&
            (((st.st_mode & S_ISUID) && st.st_uid != geteuid()) || ((st.st_mode & S_ISGID) && st.st_gid != getegid())))
            why = al_xasprintf("%s: error: set-user-ID or set-group-ID: the dynamic loader ignores the trace shim "
                               "for it",
                               path);
    }
    close(fd);
    return why;
}

/* ---- the regions ---- */

typedef struct region_map {
    char *name; /* the file's name in the trace folder */
    const al_trace_region *r;
} region_map;

/* One return address, symbolized: its frames, innermost (inlined) first. */
typedef struct symbolized {
    size_t first, count; /* in trace_run.frames */
    bool done;
} symbolized;

typedef struct trace_run {
    trace_options options;
    const char *tool_version;
    char *stem, *extension; /* of the output: "out/trace" ".json" */
    char *shim;             /* the library preloaded */
    char *folder;           /* the shim's regions */
    char *program;          /* resolved */
    pid_t root;
    uint64_t root_ticks;
    AL_VEC(region_map) regions;
    al_strtab keys;                /* "module\noffset" -> id into `symbols` */
    AL_VEC(symbolized) symbols;    /* by key id */
    AL_VEC(al_trace_frame) frames; /* symbolized frames (strings owned) */
    bool warned_symbolizer;
    AL_VEC(char *) written; /* files written by the last pass, for the summary */
} trace_run;

static bool region_valid(const al_trace_region *r)
{
    return memcmp(r->magic, AL_REGION_MAGIC, sizeof(r->magic)) == 0 && r->version == AL_REGION_VERSION &&
           r->header_size == sizeof(al_trace_region);
}

/* Maps the region files that appeared since the last pass. */
static void scan_regions(trace_run *t)
{
    DIR *d = opendir(t->folder);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 8 || strcmp(e->d_name + len - 7, ".region") != 0)
            continue;
        bool known = false;
        for (size_t i = 0; i < t->regions.count && !known; i++)
            known = strcmp(t->regions.items[i].name, e->d_name) == 0;
        if (known)
            continue;
        char *path = al_xasprintf("%s/%s", t->folder, e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        free(path);
        struct stat st;
        if (fd < 0)
            continue;
        void *p = MAP_FAILED;
        if (fstat(fd, &st) == 0 && st.st_size == (off_t)sizeof(al_trace_region))
            p = mmap(NULL, sizeof(al_trace_region), PROT_READ, MAP_SHARED, fd, 0);
        close(fd);
        if (p == MAP_FAILED)
            continue; /* not sized yet: the next pass takes it */
        region_map m = {al_xstrdup(e->d_name), p};
        AL_VEC_PUSH(t->regions, m);
    }
    closedir(d);
}

/* Whether the process (pid, start time) still runs: not gone, not a zombie, not another process. */
static bool process_running(pid_t pid, uint64_t ticks)
{
    char path[64], stat[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(stat, 1, sizeof(stat) - 1, f);
    fclose(f);
    stat[n] = '\0';
    const char *p = strrchr(stat, ')');
    if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
        return false;
    for (int field = 2; *p && field < 22; p++)
        if (*p == ' ')
            field++;
    return strtoull(p, NULL, 10) == ticks;
}

static uint64_t process_ticks(pid_t pid)
{
    char path[64], stat[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(stat, 1, sizeof(stat) - 1, f);
    fclose(f);
    stat[n] = '\0';
    const char *p = strrchr(stat, ')');
    for (int field = 2; p && *p && field < 22; p++)
        if (*p == ' ')
            field++;
    return p ? strtoull(p, NULL, 10) : 0;
}

/* ---- symbolization ---- */

static char *key_of(const char *module, uint64_t offset)
{
    return al_xasprintf("%s\n%llx", module, (unsigned long long)offset);
}

static uint32_t symbol_id(trace_run *t, const char *module, uint64_t offset)
{
    char *key = key_of(module, offset);
    uint32_t id = al_strtab_intern(&t->keys, key);
    free(key);
    while (t->symbols.count <= id) {
        symbolized none = {0, 0, false};
        AL_VEC_PUSH(t->symbols, none);
    }
    return id;
}

/* Parses addr2line -a -f -i output: for each address a "0x..." line, then function and
 * file:line lines, one pair per inlined level. */
static void take_addr2line(trace_run *t, const char *module, const uint64_t *offsets, size_t count, char *text)
{
    size_t index = SIZE_MAX;
    char *line = text, *function = NULL;
    while (line && *line) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (strncmp(line, "0x", 2) == 0 && !function) {
            index = index == SIZE_MAX ? 0 : index + 1;
            if (index < count) {
                symbolized *s = &t->symbols.items[symbol_id(t, module, offsets[index])];
                s->first = t->frames.count;
                s->count = 0;
                s->done = true;
            }
        } else if (index < count && !function) {
            function = line;
        } else if (index < count) {
            al_trace_frame f = {0};
            f.function = strcmp(function, "??") == 0 ? NULL : al_xstrdup(function);
            char *colon = strrchr(line, ':');
            if (colon) {
                *colon = '\0';
                unsigned long n = strtoul(colon + 1, NULL, 10);
                if (n > 0 && strcmp(line, "??") != 0) {
                    /* a relative name (a library built elsewhere) stays as the debug information says */
                    f.file = *line == '/' ? al_path_absolute(line, NULL) : al_xstrdup(line);
                    f.line = (unsigned)n;
                }
            }
            f.module = al_xstrdup(module);
            f.offset = offsets[index];
            AL_VEC_PUSH(t->frames, f);
            t->symbols.items[symbol_id(t, module, offsets[index])].count++;
            function = NULL;
        }
        line = next;
    }
}

/* Symbolizes the addresses of `module` not seen before: one addr2line per 256 of them. */
static void symbolize_module(trace_run *t, const char *module, const uint64_t *offsets, size_t count)
{
    for (size_t start = 0; start < count; start += 256) {
        size_t n = count - start < 256 ? count - start : 256;
        const char **argv = al_xcalloc(n + 9, sizeof(*argv));
        char **hex = al_xcalloc(n, sizeof(*hex));
        size_t a = 0;
        argv[a++] = "addr2line";
        argv[a++] = "-e";
        argv[a++] = module;
        argv[a++] = "-a";
        argv[a++] = "-f";
        argv[a++] = "-i";
        argv[a++] = "-C";
        for (size_t i = 0; i < n; i++) {
            /* a return address: the call is the instruction before it */
            hex[i] = al_xasprintf("0x%llx", (unsigned long long)(offsets[start + i] ? offsets[start + i] - 1 : 0));
            argv[a++] = hex[i];
        }
        al_strbuf out = {0}, err = {0};
        int status = al_run_capture(argv, NULL, &out, &err);
        if (status == 0) {
            take_addr2line(t, module, offsets + start, n, out.data);
        } else if (!t->warned_symbolizer && (status < 0 || status == 127)) {
            fprintf(stderr, "asynclock: warning: cannot run addr2line (binutils): the stacks are not symbolized\n");
            t->warned_symbolizer = true;
        }
        al_strbuf_free(&out);
        al_strbuf_free(&err);
        for (size_t i = 0; i < n; i++)
            free(hex[i]);
        free(hex);
        free(argv);
    }
}

/* The module of frame i of a site: its path and load bias, or NULL. */
static const al_region_module *frame_module(const al_trace_region *r, const al_region_site *s, uint32_t i)
{
    uint16_t m = s->modules[i];
    if (m == 0 || m > AL_REGION_MAX_MODULES || m > __atomic_load_n(&r->module_count, __ATOMIC_ACQUIRE))
        return NULL;
    const al_region_module *mod = &r->modules[m - 1];
    if (__atomic_load_n(&mod->state, __ATOMIC_ACQUIRE) != AL_ENTRY_READY ||
        !memchr(mod->path, '\0', sizeof(mod->path)) || mod->path[0] != '/')
        return NULL;
    return mod;
}

static uint32_t ready_sites(const al_trace_region *r)
{
    uint32_t n = __atomic_load_n(&r->site_count, __ATOMIC_ACQUIRE);
    return n < AL_REGION_MAX_SITES ? n : AL_REGION_MAX_SITES;
}

/* Site i when it is published and has a call counted (a snapshot can find one made for a call
 * still under way), else NULL. */
static const al_region_site *ready_site(const al_trace_region *r, uint32_t i)
{
    const al_region_site *s = &r->sites[i];
    if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != AL_ENTRY_READY || s->frame_count > AL_REGION_MAX_FRAMES)
        return NULL;
    for (unsigned b = 0; b < AL_HIST_BUCKETS; b++)
        if (__atomic_load_n(&s->histogram[b], __ATOMIC_RELAXED))
            return s;
    return NULL;
}

/* Symbolizes every return address of these regions that is not yet. */
static void symbolize(trace_run *t, const al_trace_region *const *regions, size_t count)
{
    al_strtab modules;
    al_strtab_init(&modules);
    AL_VEC(al_u32_vec) wanted = {0}; /* per module: symbol ids to resolve */
    for (size_t k = 0; k < count; k++) {
        const al_trace_region *r = regions[k];
        for (uint32_t i = 0, n = ready_sites(r); i < n; i++) {
            const al_region_site *s = ready_site(r, i);
            for (uint32_t f = 0; s && f < s->frame_count; f++) {
                const al_region_module *m = frame_module(r, s, f);
                if (!m || !is_file(m->path))
                    continue;
                uint32_t id = symbol_id(t, m->path, s->frames[f] - m->base);
                if (t->symbols.items[id].done)
                    continue;
                t->symbols.items[id].done = true; /* asked once, answered or not */
                uint32_t mid = al_strtab_intern(&modules, m->path);
                while (wanted.count <= mid) {
                    al_u32_vec none = {0};
                    AL_VEC_PUSH(wanted, none);
                }
                AL_VEC_PUSH(wanted.items[mid], id);
            }
        }
    }
    for (uint32_t mid = 0; mid < wanted.count; mid++) {
        al_u32_vec *ids = &wanted.items[mid];
        if (!ids->count)
            continue;
        uint64_t *offsets = al_xcalloc(ids->count, sizeof(*offsets));
        for (size_t i = 0; i < ids->count; i++) {
            const char *key = al_str(&t->keys, ids->items[i]);
            offsets[i] = strtoull(strrchr(key, '\n') + 1, NULL, 16);
        }
        symbolize_module(t, al_str(&modules, mid), offsets, ids->count);
        free(offsets);
        AL_VEC_FREE(*ids);
    }
    AL_VEC_FREE(wanted);
    al_strtab_free(&modules);
}

/* ---- writing ---- */

static cJSON *frame_json(const char *function, const char *file, unsigned line, const char *module, uint64_t offset)
{
    cJSON *o = cJSON_CreateObject();
    if (function)
        cJSON_AddStringToObject(o, "function", function);
    else
        cJSON_AddNullToObject(o, "function");
    if (file) {
        cJSON_AddStringToObject(o, "file", file);
        cJSON_AddNumberToObject(o, "line", line);
    } else {
        cJSON_AddNullToObject(o, "file");
        cJSON_AddNumberToObject(o, "line", 0);
    }
    if (module)
        cJSON_AddStringToObject(o, "module", module);
    else
        cJSON_AddNullToObject(o, "module");
    char hex[32];
    snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)offset);
    cJSON_AddStringToObject(o, "offset", hex);
    return o;
}

static cJSON *stack_json(trace_run *t, const al_trace_region *r, const al_region_site *s)
{
    cJSON *stack = cJSON_CreateArray();
    for (uint32_t f = 0; f < s->frame_count; f++) {
        const al_region_module *m = frame_module(r, s, f);
        if (!m) {
            cJSON_AddItemToArray(stack, frame_json(NULL, NULL, 0, NULL, s->frames[f]));
            continue;
        }
        uint64_t offset = s->frames[f] - m->base;
        char *key = key_of(m->path, offset);
        uint32_t id = al_strtab_find(&t->keys, key);
        free(key);
        const symbolized *sym = id != UINT32_MAX && id < t->symbols.count ? &t->symbols.items[id] : NULL;
        if (!sym || sym->count == 0) {
            cJSON_AddItemToArray(stack, frame_json(NULL, NULL, 0, m->path, offset));
            continue;
        }
        for (size_t k = 0; k < sym->count; k++) {
            const al_trace_frame *fr = &t->frames.items[sym->first + k];
            cJSON_AddItemToArray(stack, frame_json(fr->function, fr->file, fr->line, m->path, offset));
        }
    }
    return stack;
}

static cJSON *site_json(trace_run *t, const al_trace_region *r, const al_region_site *s)
{
    cJSON *o = cJSON_CreateObject();
    char name[AL_REGION_NAME_BYTES + 1];
    const char *fields[] = {s->api_name, s->symbol, s->category};
    const char *keys[] = {"api", "symbol", "category"};
    for (int k = 0; k < 3; k++) {
        memcpy(name, fields[k], AL_REGION_NAME_BYTES);
        name[AL_REGION_NAME_BYTES] = '\0';
        cJSON_AddStringToObject(o, keys[k], name);
    }
    cJSON_AddBoolToObject(o, "arguments_checked", !(s->flags & AL_SITE_UNCHECKED));
    cJSON_AddBoolToObject(o, "tail_call", (s->flags & AL_SITE_TAIL_CALL) != 0);
    al_stall st = {0};
    st.calls = __atomic_load_n(&s->calls, __ATOMIC_RELAXED);
    st.total_ns = __atomic_load_n(&s->total_ns, __ATOMIC_RELAXED);
    st.max_ns = __atomic_load_n(&s->max_ns, __ATOMIC_RELAXED);
    st.min_ns = __atomic_load_n(&s->min_ns, __ATOMIC_RELAXED);
    if (st.min_ns > st.max_ns)
        st.min_ns = st.max_ns;
    al_hist_bins bins = {0};
    uint64_t counted = 0;
    cJSON *histogram = cJSON_CreateArray();
    for (unsigned b = 0; b < AL_HIST_BUCKETS; b++) {
        uint32_t n = __atomic_load_n(&s->histogram[b], __ATOMIC_RELAXED);
        if (!n)
            continue;
        al_hist_bin bin;
        al_hist_bounds(b, &bin.low, &bin.high);
        bin.count = n;
        counted += n;
        AL_VEC_PUSH(bins, bin);
        cJSON *row = cJSON_CreateArray();
        cJSON_AddItemToArray(row, cJSON_CreateNumber((double)bin.low));
        cJSON_AddItemToArray(row, cJSON_CreateNumber((double)bin.high));
        cJSON_AddItemToArray(row, cJSON_CreateNumber((double)n));
        cJSON_AddItemToArray(histogram, row);
    }
    /* a snapshot may catch a call half counted: the histogram says how many it holds */
    st.calls = counted;
    st.p50_ns = al_stall_percentile(&bins, counted, 0.5, st.min_ns, st.max_ns);
    st.p99_ns = al_stall_percentile(&bins, counted, 0.99, st.min_ns, st.max_ns);
    AL_VEC_FREE(bins);
    cJSON_AddNumberToObject(o, "calls", (double)st.calls);
    cJSON_AddNumberToObject(o, "total_ns", (double)st.total_ns);
    cJSON_AddNumberToObject(o, "min_ns", (double)st.min_ns);
    cJSON_AddNumberToObject(o, "p50_ns", (double)st.p50_ns);
    cJSON_AddNumberToObject(o, "p99_ns", (double)st.p99_ns);
    cJSON_AddNumberToObject(o, "max_ns", (double)st.max_ns);
    cJSON_AddItemToObject(o, "histogram", histogram);
    cJSON_AddItemToObject(o, "stack", stack_json(t, r, s));
    return o;
}

static int by_total_desc(const void *a, const void *b)
{
    const al_region_site *x = *(const al_region_site *const *)a, *y = *(const al_region_site *const *)b;
    uint64_t tx = __atomic_load_n(&x->total_ns, __ATOMIC_RELAXED), ty = __atomic_load_n(&y->total_ns, __ATOMIC_RELAXED);
    if (tx != ty)
        return tx < ty ? 1 : -1;
    return x->caller < y->caller ? -1 : x->caller > y->caller;
}

static void add_time(cJSON *o, const char *key, uint64_t ns)
{
    time_t seconds = (time_t)(ns / 1000000000u);
    struct tm tm;
    char text[32] = "";
    if (ns && gmtime_r(&seconds, &tm))
        strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (*text)
        cJSON_AddStringToObject(o, key, text);
    else
        cJSON_AddNullToObject(o, key);
}

static uint64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The trace of one process image; r NULL: the program ran no loop (an empty trace). */
static cJSON *trace_json(trace_run *t, const al_trace_region *r, bool complete)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "version", AL_TRACE_FORMAT_VERSION);
    cJSON_AddStringToObject(root, "kind", "asynclock-trace");
    cJSON *tool = cJSON_AddObjectToObject(root, "tool");
    cJSON_AddStringToObject(tool, "name", "asynclock");
    cJSON_AddStringToObject(tool, "version", t->tool_version);
    cJSON *arguments = cJSON_CreateArray();
    if (r) {
        char exe[AL_REGION_PATH_BYTES + 1];
        memcpy(exe, r->exe, AL_REGION_PATH_BYTES);
        exe[AL_REGION_PATH_BYTES] = '\0';
        cJSON_AddStringToObject(root, "program", exe);
        const char *p = r->cmdline, *end = r->cmdline + sizeof(r->cmdline);
        while (p < end && *p) {
            const char *nul = memchr(p, '\0', (size_t)(end - p));
            if (!nul)
                break;
            cJSON_AddItemToArray(arguments, cJSON_CreateString(p));
            p = nul + 1;
        }
    } else {
        cJSON_AddStringToObject(root, "program", t->program);
        for (char **a = t->options.argv; *a; a++)
            cJSON_AddItemToArray(arguments, cJSON_CreateString(*a));
    }
    cJSON_AddItemToObject(root, "arguments", arguments);
    cJSON_AddNumberToObject(root, "pid", r ? r->pid : t->root);
    if (r)
        cJSON_AddNumberToObject(root, "parent_pid", r->ppid);
    else
        cJSON_AddNumberToObject(root, "parent_pid", getpid());
    uint64_t started = r ? r->started_ns : 0, ended = r ? __atomic_load_n(&r->ended_ns, __ATOMIC_RELAXED) : 0;
    add_time(root, "started", started);
    uint64_t until = ended ? ended : realtime_ns();
    cJSON_AddNumberToObject(root, "seconds", started && until > started ? (double)(until - started) / 1e9 : 0.0);
    cJSON_AddBoolToObject(root, "complete", complete);
    cJSON_AddBoolToObject(root, "conditional", r ? r->conditional != 0 : t->options.conditional);
    cJSON_AddNumberToObject(root, "loop_threads", r ? __atomic_load_n(&r->loop_threads, __ATOMIC_RELAXED) : 0);
    cJSON_AddNumberToObject(root, "dropped_calls", r ? (double)__atomic_load_n(&r->dropped, __ATOMIC_RELAXED) : 0);
    cJSON *sites = cJSON_AddArrayToObject(root, "sites");
    if (r) {
        AL_VEC(const al_region_site *) list = {0};
        for (uint32_t i = 0, n = ready_sites(r); i < n; i++)
            if (ready_site(r, i))
                AL_VEC_PUSH(list, &r->sites[i]);
        if (list.count > 1)
            qsort(list.items, list.count, sizeof(*list.items), by_total_desc);
        for (size_t i = 0; i < list.count; i++)
            cJSON_AddItemToArray(sites, site_json(t, r, list.items[i]));
        AL_VEC_FREE(list);
    }
    return root;
}

/* Writes the JSON whole under a temporary name, then renames it. */
static bool write_atomically(const char *path, cJSON *root)
{
    char *text = cJSON_Print(root);
    char *temporary = al_xasprintf("%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(temporary, "w");
    bool ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    ok = f && fclose(f) == 0 && ok;
    ok = ok && rename(temporary, path) == 0;
    if (!ok) {
        fprintf(stderr, "%s: error: cannot write the trace: %s\n", path, strerror(errno));
        remove(temporary);
    }
    free(temporary);
    cJSON_free(text);
    return ok;
}

typedef struct image {
    const al_trace_region *r;
    char *path; /* where its trace goes; NULL: not written */
    bool complete;
} image;

static int by_process_then_start(const void *a, const void *b)
{
    const al_trace_region *x = ((const image *)a)->r, *y = ((const image *)b)->r;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    if (x->start_ticks != y->start_ticks)
        return x->start_ticks < y->start_ticks ? -1 : 1;
    return x->started_ns < y->started_ns ? -1 : x->started_ns > y->started_ns;
}

static bool same_process(const al_trace_region *a, const al_trace_region *b)
{
    return a->pid == b->pid && a->start_ticks == b->start_ticks;
}

/* Reads every region and writes every trace file; `ended`: the program is over. False when a file
 * could not be written. */
static bool write_traces(trace_run *t, bool ended)
{
    scan_regions(t);
    AL_VEC(image) images = {0};
    for (size_t i = 0; i < t->regions.count; i++) {
        if (region_valid(t->regions.items[i].r)) {
            image im = {t->regions.items[i].r, NULL, false};
            AL_VEC_PUSH(images, im);
        }
    }
    if (images.count > 1)
        qsort(images.items, images.count, sizeof(image), by_process_then_start);
    bool root_written = false;
    for (size_t i = 0; i < images.count; i++) {
        const al_trace_region *r = images.items[i].r;
        bool last = i + 1 == images.count || !same_process(r, images.items[i + 1].r);
        bool is_root = r->pid == t->root && r->start_ticks == t->root_ticks;
        /* an image ends when it exits, when its process runs another one, or when its process is gone */
        images.items[i].complete = __atomic_load_n(&r->state, __ATOMIC_ACQUIRE) == AL_PROCESS_EXITED || !last ||
                                   (ended && is_root) || !process_running(r->pid, r->start_ticks);
        if (is_root && last) {
            images.items[i].path = al_xasprintf("%s%s", t->stem, t->extension);
            root_written = true;
        } else if (__atomic_load_n(&r->loop_threads, __ATOMIC_RELAXED) || ready_sites(r)) {
            size_t first = i, count = 0;
            while (first > 0 && same_process(images.items[first - 1].r, r))
                first--;
            for (size_t k = first; k < images.count && images.items[k].r->pid == r->pid; k++)
                count++;
            if (count == 1)
                images.items[i].path = al_xasprintf("%s.%d%s", t->stem, (int)r->pid, t->extension);
            else
                images.items[i].path = al_xasprintf("%s.%d-%zu%s", t->stem, (int)r->pid, i - first + 1, t->extension);
        }
    }
    const al_trace_region **list = al_xcalloc(images.count + 1, sizeof(*list));
    for (size_t i = 0; i < images.count; i++)
        list[i] = images.items[i].r;
    symbolize(t, list, images.count);
    free(list);

    for (size_t i = 0; i < t->written.count; i++)
        free(t->written.items[i]);
    t->written.count = 0;
    bool ok = true;
    if (!root_written) {
        cJSON *root = trace_json(t, NULL, ended);
        char *path = al_xasprintf("%s%s", t->stem, t->extension);
        ok = write_atomically(path, root);
        AL_VEC_PUSH(t->written, path);
        cJSON_Delete(root);
    }
    for (size_t i = 0; i < images.count; i++) {
        if (!images.items[i].path)
            continue;
        cJSON *root = trace_json(t, images.items[i].r, images.items[i].complete);
        ok = write_atomically(images.items[i].path, root) && ok;
        cJSON_Delete(root);
        AL_VEC_PUSH(t->written, images.items[i].path);
    }
    AL_VEC_FREE(images);
    return ok;
}

/* ---- running the program ---- */

static volatile sig_atomic_t child_pid, signal_seen;

/* A signal sent to asynclock by a process (kill, timeout, a CI runner) goes on to the program; one
 * from the terminal (Ctrl-C) already reached the whole foreground group, the program included. */
static void on_signal(int signo, siginfo_t *info, void *context)
{
    (void)context;
    signal_seen = signo;
    if (info && info->si_code <= 0 && child_pid > 0)
        kill((pid_t)child_pid, signo);
}

/* The program's environment: ours, with the shim first in LD_PRELOAD and the trace folder named.
 * A program built with AddressSanitizer refuses to start when its runtime is not the first object
 * loaded, as it is not with the shim preloaded; it runs fine otherwise, so that check is turned off
 * in ASAN_OPTIONS (programs without AddressSanitizer ignore the variable). */
static char **program_environment(const char *shim, const char *folder, bool conditional)
{
    AL_VEC(char *) env = {0};
    const char *preload = NULL, *asan = NULL;
    for (char **e = environ; *e; e++) {
        if (strncmp(*e, "LD_PRELOAD=", 11) == 0)
            preload = *e + 11;
        else if (strncmp(*e, "ASAN_OPTIONS=", 13) == 0)
            asan = *e + 13;
        else if (strncmp(*e, "ASYNCLOCK_TRACE_", 16) != 0)
            AL_VEC_PUSH(env, al_xstrdup(*e));
    }
    if (asan && strstr(asan, "verify_asan_link_order"))
        AL_VEC_PUSH(env, al_xasprintf("ASAN_OPTIONS=%s", asan));
    else
        AL_VEC_PUSH(
            env, al_xasprintf("ASAN_OPTIONS=%s%sverify_asan_link_order=0", asan ? asan : "", asan && *asan ? ":" : ""));
    AL_VEC_PUSH(env, preload && *preload ? al_xasprintf("LD_PRELOAD=%s:%s", shim, preload)
                                         : al_xasprintf("LD_PRELOAD=%s", shim));
    AL_VEC_PUSH(env, al_xasprintf("ASYNCLOCK_TRACE_DIR=%s", folder));
    if (conditional)
        AL_VEC_PUSH(env, al_xstrdup("ASYNCLOCK_TRACE_CONDITIONAL=1"));
    AL_VEC_PUSH(env, NULL);
    return env.items;
}

static void remove_folder(const char *folder)
{
    DIR *d = opendir(folder);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *path = al_xasprintf("%s/%s", folder, e->d_name);
            unlink(path);
            free(path);
        }
        closedir(d);
    }
    rmdir(folder);
}

static void summarize(const trace_run *t)
{
    if (t->options.quiet)
        return;
    size_t sites = 0, calls = 0;
    unsigned threads = 0;
    for (size_t i = 0; i < t->regions.count; i++) {
        const al_trace_region *r = t->regions.items[i].r;
        if (!region_valid(r))
            continue;
        threads += r->loop_threads;
        for (uint32_t k = 0, n = ready_sites(r); k < n; k++) {
            const al_region_site *s = ready_site(r, k);
            if (s) {
                sites++;
                calls += s->calls;
            }
        }
    }
    fprintf(stderr, "asynclock: trace: %zu blocking call site%s (%zu call%s) on %u loop thread%s; written: ", sites,
            sites == 1 ? "" : "s", calls, calls == 1 ? "" : "s", threads, threads == 1 ? "" : "s");
    for (size_t i = 0; i < t->written.count; i++)
        fprintf(stderr, "%s%s", i ? ", " : "", t->written.items[i]);
    fputc('\n', stderr);
}

static int parse_trace_options(int argc, char **argv, trace_options *o)
{
    static const struct option long_options[] = {
        {"output", required_argument, NULL, 'o'}, {"interval", required_argument, NULL, 'i'},
        {"conditional", no_argument, NULL, 'c'},  {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    o->output = "asynclock-trace.json";
    o->interval = 5;
    opterr = 0;
    optind = 1;
    int c;
    /* '+': the first operand is the program; its own options are its own */
    while ((c = getopt_long(argc, argv, "+:o:qh", long_options, NULL)) != -1) {
        switch (c) {
        case 'o':
            o->output = optarg;
            break;
        case 'i': {
            char *end;
            o->interval = strtod(optarg, &end);
            if (*end || !(o->interval >= 0.1 && o->interval <= 86400)) {
                fprintf(stderr,
                        "asynclock: error: --interval takes seconds from 0.1 to 86400, not '%s' (see "
                        "asynclock trace --help)\n",
                        optarg);
                return EXIT_TRACE_ERROR;
            }
            break;
        }
        case 'c':
            o->conditional = true;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'h':
            fputs(trace_usage, stdout);
            return 0;
        case ':':
            fprintf(stderr, "asynclock: error: option '%s' needs a value (see asynclock trace --help)\n",
                    argv[optind - 1]);
            return EXIT_TRACE_ERROR;
        default:
            fprintf(stderr, "asynclock: error: unknown option '%s' (see asynclock trace --help)\n", argv[optind - 1]);
            return EXIT_TRACE_ERROR;
        }
    }
    if (optind >= argc) {
        fputs("asynclock: error: trace needs the program to run: asynclock trace [-o FILE] -- PROGRAM [ARGS...]\n",
              stderr);
        return EXIT_TRACE_ERROR;
    }
    o->argv = argv + optind;
    return -1;
}

/* Checks that the output's folder takes files, before the program runs. */
static bool output_writable(const char *output)
{
    char *probe = al_xasprintf("%s.tmp.%ld", output, (long)getpid());
    FILE *f = fopen(probe, "w");
    bool ok = f != NULL;
    if (f)
        fclose(f);
    remove(probe);
    if (!ok)
        fprintf(stderr, "%s: error: cannot write the trace: %s\n", output, strerror(errno));
    free(probe);
    return ok;
}

static void free_run(trace_run *t)
{
    for (size_t i = 0; i < t->regions.count; i++) {
        munmap((void *)t->regions.items[i].r, sizeof(al_trace_region));
        free(t->regions.items[i].name);
    }
    AL_VEC_FREE(t->regions);
    al_trace_frames_free(t->frames.items, t->frames.count);
    AL_VEC_FREE(t->frames);
    AL_VEC_FREE(t->symbols);
    al_strtab_free(&t->keys);
    for (size_t i = 0; i < t->written.count; i++)
        free(t->written.items[i]);
    AL_VEC_FREE(t->written);
    free(t->stem);
    free(t->extension);
    free(t->folder);
    free(t->program);
    free(t->shim);
}

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The shim, the program and the output checked, the trace folder made; false (one line printed) when
 * the program cannot be traced. */
static bool prepare_run(trace_run *t)
{
    t->shim = al_trace_shim_path();
    if (!t->shim) {
        fprintf(stderr, "asynclock: error: the trace shim (" SHIM_NAME ") is not installed with this asynclock; "
                        "set ASYNCLOCK_TRACE_SHIM to its path\n");
        return false;
    }
    if (strpbrk(t->shim, ": ") || !is_file(t->shim)) {
        fprintf(stderr, "%s: error: the trace shim is missing, or its path holds a colon or a space\n", t->shim);
        return false;
    }
    t->program = find_program(t->options.argv[0]);
    if (!t->program) {
        fprintf(stderr, "%s: error: no such program%s\n", t->options.argv[0],
                strchr(t->options.argv[0], '/') ? "" : " in PATH");
        return false;
    }
    char *why = unfit_program(t->program, 0);
    if (why) {
        fprintf(stderr, "%s\n", al_one_line(why));
        free(why);
        return false;
    }
    if (!output_writable(t->options.output))
        return false;
    const char *dot = strrchr(t->options.output, '.'), *slash = strrchr(t->options.output, '/');
    if (dot && (!slash || dot > slash + 1)) {
        t->stem = al_xstrndup(t->options.output, (size_t)(dot - t->options.output));
        t->extension = al_xstrdup(dot);
    } else {
        t->stem = al_xstrdup(t->options.output);
        t->extension = al_xstrdup("");
    }
    const char *tmp = getenv("TMPDIR");
    char *folder = al_xasprintf("%s/asynclock-trace.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(folder)) {
        fprintf(stderr, "%s: error: cannot make the trace folder: %s\n", folder, strerror(errno));
        free(folder);
        return false;
    }
    t->folder = folder;
    return true;
}

int al_trace_main(int argc, char **argv, const char *tool_version)
{
    trace_run t = {0};
    al_strtab_init(&t.keys);
    t.tool_version = tool_version;
    int status = parse_trace_options(argc, argv, &t.options);
    if (status < 0 && !prepare_run(&t))
        status = EXIT_TRACE_ERROR;
    if (status >= 0) {
        free_run(&t);
        return status;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    struct sigaction old[3];
    const int forwarded[3] = {SIGINT, SIGTERM, SIGHUP};
    bool handled[3];
    for (int i = 0; i < 3; i++) {
        /* an ignored signal stays ignored, for asynclock and for the program (exec keeps SIG_IGN) */
        sigaction(forwarded[i], NULL, &old[i]);
        handled[i] = old[i].sa_handler != SIG_IGN;
        if (handled[i])
            sigaction(forwarded[i], &sa, NULL);
    }

    char **env = program_environment(t.shim, t.folder, t.options.conditional);
    pid_t pid;
    int spawned = posix_spawn(&pid, t.program, NULL, NULL, t.options.argv, env);
    for (char **e = env; *e; e++)
        free(*e);
    free(env);
    if (spawned != 0) {
        fprintf(stderr, "%s: error: cannot run it: %s\n", t.program, strerror(spawned));
        for (int i = 0; i < 3; i++)
            if (handled[i])
                sigaction(forwarded[i], &old[i], NULL);
        remove_folder(t.folder);
        free_run(&t);
        return EXIT_TRACE_ERROR;
    }
    child_pid = pid;
    t.root = pid;
    t.root_ticks = process_ticks(pid);

    int wstatus = 0;
    double next = monotonic_seconds() + t.options.interval;
    for (;;) {
        pid_t w = waitpid(pid, &wstatus, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR))
            break;
        struct timespec nap = {0, 50 * 1000 * 1000};
        nanosleep(&nap, NULL);
        if (monotonic_seconds() >= next) {
            write_traces(&t, false);
            next = monotonic_seconds() + t.options.interval;
        }
    }
    child_pid = 0;
    bool written = write_traces(&t, true);
    summarize(&t);
    remove_folder(t.folder);
    free_run(&t);
    for (int i = 0; i < 3; i++)
        if (handled[i])
            sigaction(forwarded[i], &old[i], NULL);
    if (!written)
        return EXIT_TRACE_ERROR;
    return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : 1;
}
