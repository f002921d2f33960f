/* shim: the library `asynclock trace` preloads (LD_PRELOAD) into the program it runs.
 *
 * It defines every blocking API of the rule packs (shim_apis.h and the stubs, both written by
 * shim/gen.c at build time), so calls to them come here first, through shim/trampoline.S. A thread
 * is a loop thread while it is inside a loop-running API of the packs (uv_run, event_base_loop,
 * ev_run, g_main_loop_run, ...), or after the program marked it (asynclock_trace_loop, from
 * asynclock.h). A blocking call a loop thread makes is timed, and counted per call site (the API
 * and the return address) in the process's region (shim/region.h): calls, total, minimum, maximum
 * and a histogram of the blocked time, and the call stack the first time the site is seen.
 * `asynclock trace` reads the regions, symbolizes the stacks and writes the trace files.
 *
 * Which calls count: only the outermost (what getaddrinfo does inside is getaddrinfo's time); not
 * those a loop library makes itself (libuv locking its work queue, GLib polling: the loop's own
 * machinery, as the packs speak for the libraries they describe); not those the rule's argument
 * conditions clear (poll with a 0 timeout, waitpid with WNOHANG, fflush(stderr), open of a /proc
 * path, fclose of a stream opened for reading); conditional APIs (read, recv, fprintf, ...) only
 * with --conditional, or when the rule's definite_if holds (read() on a regular file).
 *
 * What it must not change: errno (saved around everything it does), signals (it installs no
 * handler and blocks nothing), threads (it starts none), memory (no malloc: static and
 * thread-local state, and the region mapped with mmap), fork (no locks: the region is updated with
 * atomic operations only; a child gets a region of its own). A signal handler that runs while the
 * shim works on its thread passes straight through. Without $ASYNCLOCK_TRACE_DIR it does nothing
 * but forward. x86-64 Linux with glibc 2.35 or later (_dl_find_object). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <unwind.h>

#include "region.h"
#include "shim.h"
#include "shim_apis.h"

#define EXPORT __attribute__((visibility("default")))
#define LOAD(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
#define ADD(p, v) __atomic_fetch_add(p, v, __ATOMIC_RELAXED)

enum { TOKEN_PASS = 0, TOKEN_CALL = 1, TOKEN_LOOP = 2 };
#define MAX_LOOP_FRAMES 16
#define MAX_LOOP_OBJECTS 16

typedef struct al_shim_pair {
    void *real;
    uint64_t token;
} al_shim_pair;

/* One thread's state. Initial-exec TLS: the shim is loaded at start-up, so its TLS is static and
 * reading it is one instruction, with no allocation behind it. */
typedef struct thread_state {
    uint8_t busy;   /* the shim is working on this thread: whatever it (or a signal handler) calls passes */
    uint8_t marked; /* asynclock_trace_loop(1) */
    uint8_t inflight;
    uint8_t loop_depth;
    uint32_t counted; /* the process generation in which this thread was counted as a loop thread */
    uintptr_t loop_frames[MAX_LOOP_FRAMES]; /* the trampoline frame of each loop-running call in progress */
    /* the blocking call being timed */
    uintptr_t inflight_frame, inflight_caller;
    pid_t inflight_pid;
    uint32_t inflight_api, inflight_flags;
    const char *inflight_category;
    uint64_t inflight_start;
} thread_state;

static __thread thread_state tls __attribute__((tls_model("initial-exec")));

/* What the trampoline's first test reads (shim/trampoline.S): whether this thread runs a loop now,
 * whether an API enters one, and the real functions. */
__attribute__((visibility("hidden"))) __thread uint8_t al_shim_active __attribute__((tls_model("initial-exec")));
__attribute__((visibility("hidden"))) uint8_t al_shim_runner[AL_SHIM_API_COUNT];
__attribute__((visibility("hidden"))) void *al_shim_real[AL_SHIM_API_COUNT];
/* Return addresses found to be a loop library's own calls, by (address >> 4) & 1023: the trampoline
 * lets those through without asking (a slot holds one address; a collision only costs a lookup). */
#define MACHINERY_SLOTS 1024
__attribute__((visibility("hidden"))) uintptr_t al_shim_machinery[MACHINERY_SLOTS];
static void *variable_addresses[AL_SHIM_VARIABLE_COUNT + 1]; /* &stdout, &stderr, ... */

/* The objects that define a loop-running API (libuv, libevent, libev, GLib): their direct calls are
 * the loop's own machinery (caller_kind). */
static struct {
    uintptr_t start, end;
} loop_objects[MAX_LOOP_OBJECTS];
static uint32_t loop_object_count;
static uintptr_t own_start, own_end; /* this library */

static bool enabled;
static bool trace_conditional;
static char trace_dir[3072];
static pid_t process_id;
static uint32_t generation = 1; /* a forked child is a new generation */
static al_trace_region *region;
static uint32_t region_creating, region_failed;
static char exe_path[AL_REGION_PATH_BYTES];
static char command_line[sizeof(((al_trace_region *)0)->cmdline)];
static uint64_t start_ticks;

/* The thread runs a loop (entered or marked): its calls go through al_shim_enter. */
static void update_active(const thread_state *t)
{
    al_shim_active = enabled && (t->loop_depth || t->marked);
}

/* ---- small helpers that call nothing intercepted ---- */

static uint64_t now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void copy_text(char *to, size_t cap, const char *from)
{
    size_t n = 0;
    for (; from && from[n] && n + 1 < cap; n++)
        to[n] = from[n];
    to[n] = '\0';
}

static char *put_decimal(char *to, uint64_t v)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *to++ = digits[--n];
    *to = '\0';
    return to;
}

static long raw_open(const char *path, int flags, int mode)
{
    return syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

/* The whole of a small /proc file, NUL-terminated; its length, or -1. */
static long read_proc(const char *path, char *buf, size_t cap)
{
    long fd = raw_open(path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    size_t used = 0;
    while (used + 1 < cap) {
        long n = syscall(SYS_read, fd, buf + used, cap - 1 - used);
        if (n <= 0)
            break;
        used += (size_t)n;
    }
    syscall(SYS_close, fd);
    buf[used] = '\0';
    return (long)used;
}

/* Field 22 of /proc/self/stat, the start time in clock ticks: with the pid, which process this is. */
static uint64_t read_start_ticks(void)
{
    char stat[1024];
    if (read_proc("/proc/self/stat", stat, sizeof(stat)) <= 0)
        return 0;
    const char *p = strrchr(stat, ')');
    for (int field = 2; p && *p && field < 22; p++)
        if (*p == ' ')
            field++;
    uint64_t v = 0;
    while (p && *p >= '0' && *p <= '9')
        v = v * 10 + (uint64_t)(*p++ - '0');
    return v;
}

static void die(const char *what, const char *name)
{
    const char *parts[] = {"asynclock trace: ", what, name, "\n"};
    for (size_t i = 0; i < 4; i++)
        syscall(SYS_write, 2, parts[i], strlen(parts[i]));
    abort();
}

/* ---- the real functions ---- */

struct search {
    const char *symbol;
    void *found;
};

/* A definition in a loaded object outside the global scope (dlopen'ed RTLD_LOCAL): RTLD_NEXT does
 * not see those, but a library in there may still call the API through this shim. */
static int search_object(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct search *s = data;
    if (!info->dlpi_name || !*info->dlpi_name)
        return 0;
    void *handle = dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
    if (!handle)
        return 0;
    void *p = dlsym(handle, s->symbol);
    dlclose(handle);
    if (p && ((uintptr_t)p < own_start || (uintptr_t)p >= own_end)) {
        s->found = p;
        return 1;
    }
    return 0;
}

static void note_loop_object(void *function)
{
    struct dl_find_object where;
    if (!function || _dl_find_object(function, &where) != 0)
        return;
    uint32_t n = LOAD(&loop_object_count);
    for (uint32_t i = 0; i < n && i < MAX_LOOP_OBJECTS; i++)
        if (loop_objects[i].start == (uintptr_t)where.dlfo_map_start)
            return;
    uint32_t slot = ADD(&loop_object_count, 1);
    if (slot >= MAX_LOOP_OBJECTS)
        return;
    loop_objects[slot].end = (uintptr_t)where.dlfo_map_end;
    STORE(&loop_objects[slot].start, (uintptr_t)where.dlfo_map_start);
}

static void *resolve(uint32_t index)
{
    void *p = LOAD(&al_shim_real[index]);
    if (p)
        return p;
    uint8_t was = tls.busy;
    tls.busy = 1;
    const char *symbol = al_shim_apis[index].symbol;
    p = dlsym(RTLD_NEXT, symbol);
    if (!p) {
        struct search s = {symbol, NULL};
        dl_iterate_phdr(search_object, &s);
        p = s.found;
    }
    if (!p)
        die("no loaded object defines ", symbol);
    if (al_shim_apis[index].loop_runner)
        note_loop_object(p);
    STORE(&al_shim_real[index], p);
    tls.busy = was;
    return p;
}

/* Whether the instruction that ends at `ret` is a direct call (e8 rel32) to a place in [start, end):
 * a function's own call, as opposed to an indirect call through a callback pointer. */
static bool direct_call(uintptr_t ret, uintptr_t start, uintptr_t end)
{
    if (ret < start + 5)
        return false;
    const unsigned char *p = (const unsigned char *)(ret - 5);
    if (p[0] != 0xe8)
        return false;
    int32_t rel;
    memcpy(&rel, p + 1, sizeof(rel));
    uintptr_t target = ret + (uintptr_t)(intptr_t)rel;
    return target >= start && target < end;
}

enum { CALLER_PROGRAM, CALLER_MACHINERY, CALLER_TAIL };

/* Who makes a call that returns to `caller`:
 *  - the trampoline itself: the function it called jumped on to this one (event_base_dispatch's
 *    tail call of event_base_loop), which is that library's own doing: machinery;
 *  - a loop library, by a direct call: its own machinery (libuv locking its work queue);
 *  - a loop library, by an indirect call: it called a callback, and the callback's last act was
 *    this call (a tail call, `jmp usleep`), so the callback's frame is gone: the program's call,
 *    recorded with the flag that says so;
 *  - anything else: the program (or a library it called). */
static int caller_kind(uintptr_t caller)
{
    if (caller >= own_start && caller < own_end)
        return CALLER_MACHINERY;
    uint32_t n = LOAD(&loop_object_count);
    for (uint32_t i = 0; i < n && i < MAX_LOOP_OBJECTS; i++) {
        uintptr_t start = LOAD(&loop_objects[i].start), end = loop_objects[i].end;
        if (start && caller >= start && caller < end)
            return direct_call(caller, start, end) ? CALLER_MACHINERY : CALLER_TAIL;
    }
    return CALLER_PROGRAM;
}

/* ---- the region ---- */

static al_trace_region *get_region(void)
{
    al_trace_region *r = LOAD(&region);
    if (r || !enabled || LOAD(&region_failed))
        return r;
    uint32_t expected = 0;
    if (!__atomic_compare_exchange_n(&region_creating, &expected, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        /* another thread is making it: wait a little, or let this call go unrecorded */
        for (int i = 0; i < 1000 && !(r = LOAD(&region)) && !LOAD(&region_failed); i++)
            syscall(SYS_sched_yield);
        return r;
    }
    uint64_t started = now_ns(CLOCK_REALTIME);
    char path[sizeof(trace_dir) + 64];
    char *end = path;
    for (const char *s = trace_dir; *s; s++)
        *end++ = *s;
    *end++ = '/';
    end = put_decimal(end, (uint64_t)process_id);
    *end++ = '-';
    end = put_decimal(end, started);
    copy_text(end, 16, ".region");
    long fd = raw_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    void *p = MAP_FAILED;
    if (fd >= 0 && syscall(SYS_ftruncate, fd, (long)sizeof(al_trace_region)) == 0)
        p = mmap(NULL, sizeof(al_trace_region), PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
    if (fd >= 0)
        syscall(SYS_close, fd);
    if (p == MAP_FAILED) {
        STORE(&region_failed, 1); /* one attempt per process: the trace folder is gone or full */
        return NULL;
    }
    r = p;
    r->version = AL_REGION_VERSION;
    r->header_size = sizeof(al_trace_region);
    r->pid = process_id;
    r->ppid = (int32_t)syscall(SYS_getppid);
    r->start_ticks = start_ticks;
    r->started_ns = started;
    r->conditional = trace_conditional;
    r->state = AL_PROCESS_RUNNING;
    copy_text(r->exe, sizeof(r->exe), exe_path);
    memcpy(r->cmdline, command_line, sizeof(r->cmdline));
    __atomic_thread_fence(__ATOMIC_RELEASE);
    memcpy(r->magic, AL_REGION_MAGIC, sizeof(r->magic)); /* readers wait for the magic */
    STORE(&region, r);
    return r;
}

/* Counts the calling thread as a loop thread, once per process. */
static void count_loop_thread(void)
{
    if (tls.counted == LOAD(&generation))
        return;
    al_trace_region *r = get_region();
    if (!r)
        return;
    tls.counted = LOAD(&generation);
    ADD(&r->loop_threads, 1);
}

static uint16_t module_of(al_trace_region *r, uintptr_t pc)
{
    struct dl_find_object where;
    if (_dl_find_object((void *)(pc - 1), &where) != 0 || !where.dlfo_link_map)
        return 0;
    const struct link_map *map = where.dlfo_link_map;
    uint32_t n = LOAD(&r->module_count);
    for (uint32_t i = 0; i < n && i < AL_REGION_MAX_MODULES; i++)
        if (LOAD(&r->modules[i].state) == AL_ENTRY_READY && r->modules[i].key == (uintptr_t)map)
            return (uint16_t)(i + 1);
    uint32_t slot = ADD(&r->module_count, 1);
    if (slot >= AL_REGION_MAX_MODULES)
        return 0;
    al_region_module *m = &r->modules[slot];
    m->key = (uintptr_t)map;
    m->base = map->l_addr;
    /* the main program's link_map has an empty name */
    copy_text(m->path, sizeof(m->path), map->l_name && *map->l_name ? map->l_name : exe_path);
    STORE(&m->state, AL_ENTRY_READY);
    return (uint16_t)(slot + 1);
}

struct unwind_state {
    uintptr_t caller;
    uint32_t count;
    bool started;
    uint64_t *frames;
};

static _Unwind_Reason_Code collect_frame(struct _Unwind_Context *context, void *data)
{
    struct unwind_state *s = data;
    uintptr_t pc = _Unwind_GetIP(context);
    bool own = pc >= own_start && pc < own_end;
    if (!s->started) {
        /* the shim's own frames first, then the trampoline's caller */
        if (pc == s->caller)
            s->started = true;
        else
            return own ? _URC_NO_REASON : _URC_END_OF_STACK;
    }
    if (!pc || s->count >= AL_REGION_MAX_FRAMES)
        return _URC_END_OF_STACK;
    if (own)
        return _URC_NO_REASON; /* the trampoline of a loop-running call further out */
    s->frames[s->count++] = pc;
    return _URC_NO_REASON;
}

static uint32_t site_slot(uint32_t api, uintptr_t caller)
{
    uint64_t h = ((uint64_t)caller ^ ((uint64_t)api << 48)) * 0x9e3779b97f4a7c15ull;
    return (uint32_t)(h >> 40) & (AL_REGION_SLOTS - 1);
}

static al_region_site *find_site(al_trace_region *r, const thread_state *t)
{
    uint32_t slot = site_slot(t->inflight_api, t->inflight_caller);
    for (uint32_t probe = 0; probe < AL_REGION_SLOTS; probe++, slot = (slot + 1) & (AL_REGION_SLOTS - 1)) {
        uint32_t v = LOAD(&r->slots[slot]);
        if (v == 0) {
            /* not there: claim a site, fill it, and publish it in this slot */
            uint32_t index = ADD(&r->site_count, 1);
            if (index >= AL_REGION_MAX_SITES)
                return NULL;
            al_region_site *s = &r->sites[index];
            s->state = AL_ENTRY_CLAIMED;
            s->api = t->inflight_api;
            s->caller = t->inflight_caller;
            s->flags = t->inflight_flags;
            s->min_ns = UINT64_MAX;
            const al_shim_api *api = &al_shim_apis[t->inflight_api];
            copy_text(s->api_name, sizeof(s->api_name), api->name);
            copy_text(s->symbol, sizeof(s->symbol), api->symbol);
            copy_text(s->category, sizeof(s->category), t->inflight_category);
            struct unwind_state u = {t->inflight_caller, 0, false, s->frames};
            _Unwind_Backtrace(collect_frame, &u);
            if (u.count == 0)
                s->frames[u.count++] = t->inflight_caller; /* the unwinder could not get through */
            for (uint32_t i = 0; i < u.count; i++)
                s->modules[i] = module_of(r, s->frames[i]);
            s->frame_count = u.count;
            uint32_t empty = 0;
            if (__atomic_compare_exchange_n(&r->slots[slot], &empty, index + 1, false, __ATOMIC_ACQ_REL,
                                            __ATOMIC_ACQUIRE)) {
                STORE(&s->state, AL_ENTRY_READY);
                return s;
            }
            v = empty; /* another thread took the slot first: this site stays claimed, unused */
        }
        al_region_site *s = &r->sites[v - 1];
        if (s->api == t->inflight_api && s->caller == t->inflight_caller)
            return s;
    }
    return NULL;
}

static void record(thread_state *t, uint64_t ns)
{
    al_trace_region *r = get_region();
    if (!r)
        return;
    al_region_site *s = find_site(r, t);
    if (!s) {
        ADD(&r->dropped, 1);
        return;
    }
    ADD(&s->calls, 1);
    ADD(&s->total_ns, ns);
    ADD(&s->histogram[al_hist_bucket(ns)], 1);
    uint64_t seen = __atomic_load_n(&s->max_ns, __ATOMIC_RELAXED);
    while (ns > seen && !__atomic_compare_exchange_n(&s->max_ns, &seen, ns, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
    seen = __atomic_load_n(&s->min_ns, __ATOMIC_RELAXED);
    while (ns < seen && !__atomic_compare_exchange_n(&s->min_ns, &seen, ns, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

/* ---- conditions ---- */

enum { HOLDS, FAILS, UNKNOWN };

/* glibc's _IO_NO_WRITES (libio.h), in FILE's public _flags: the stream was opened without write
 * access, so it never holds output to write out. */
#define LIBIO_NO_WRITES 0x0008

static bool has_prefix(const char *s, uint16_t first, uint16_t count)
{
    for (uint16_t i = 0; s && i < count; i++) {
        const char *prefix = al_shim_prefixes[first + i];
        size_t n = 0;
        while (prefix[n] && s[n] == prefix[n])
            n++;
        if (!prefix[n])
            return true;
    }
    return false;
}

/* Whether the file the descriptor has open is at a path starting with one of the prefixes. */
static bool path_has_prefix(int fd, uint16_t first, uint16_t count)
{
    char link[40] = "/proc/self/fd/", path[AL_REGION_PATH_BYTES];
    *put_decimal(link + strlen(link), (uint64_t)fd) = '\0';
    long n = syscall(SYS_readlink, link, path, sizeof(path) - 1);
    if (n <= 0)
        return false;
    path[n] = '\0';
    return has_prefix(path, first, count);
}

/* opened_by: whether the descriptor is a regular file (which reading or writing waits on) at a path
 * the origins allow: none of the prefixes (/proc, /sys and /dev are the kernel's or devices). */
static bool regular_file(int fd, const al_shim_condition *c)
{
    struct stat st;
    return fd >= 0 && syscall(SYS_fstat, fd, &st) == 0 && S_ISREG(st.st_mode) &&
           !(c->string_count && path_has_prefix(fd, c->strings, c->string_count));
}

/* only_opened_by: whether the stream (or descriptor) is of a kind the origins name. */
static int opened_only_by(const al_shim_condition *c, uint64_t v)
{
    FILE *stream = (FILE *)(uintptr_t)v;
    bool is_stream = c->value & AL_SHIM_STREAM;
    if (is_stream && !stream)
        return FAILS; /* fflush(NULL) flushes every stream */
    if ((c->value & AL_SHIM_ORIGIN_READ_ONLY) && (stream->_flags & LIBIO_NO_WRITES))
        return HOLDS;
    int fd = is_stream ? fileno_unlocked(stream) : (int)(uint32_t)v;
    if ((c->value & AL_SHIM_ORIGIN_MEMORY) && fd < 0)
        return HOLDS;
    if ((c->value & AL_SHIM_ORIGIN_PATH) && fd >= 0 && path_has_prefix(fd, c->strings, c->string_count))
        return HOLDS;
    return c->value & AL_SHIM_ORIGIN_OTHER ? UNKNOWN : FAILS;
}

static int condition_holds(const al_shim_condition *c, const uint64_t *regs, const uint64_t *stack)
{
    if (c->arg < 0 || c->test == AL_SHIM_UNCHECKABLE)
        return UNKNOWN;
    /* the integer and pointer arguments, in order: six registers, then the stack */
    uint64_t v = c->arg < 6 ? regs[c->arg] : stack[c->arg - 6];
    int32_t low = (int32_t)(uint32_t)v; /* an int argument's upper half is undefined */
    switch (c->test) {
    case AL_SHIM_EQUALS:
        return low == c->value ? HOLDS : FAILS;
    case AL_SHIM_HAS_BITS:
        return ((int64_t)low & c->value) == c->value ? HOLDS : FAILS;
    case AL_SHIM_IS_NULL:
        return v == 0 ? HOLDS : FAILS;
    case AL_SHIM_VARIABLE_IN:
        for (uint16_t i = 0; i < c->string_count; i++) {
            void **address = variable_addresses[c->strings + i];
            if (address && (uint64_t)(uintptr_t)*address == v)
                return HOLDS;
        }
        return FAILS;
    case AL_SHIM_PREFIX_IN:
        return has_prefix((const char *)(uintptr_t)v, c->strings, c->string_count) ? HOLDS : FAILS;
    case AL_SHIM_REGULAR:
        if (c->value & AL_SHIM_STREAM)
            return v && regular_file(fileno_unlocked((FILE *)(uintptr_t)v), c) ? HOLDS : FAILS;
        return regular_file(low, c) ? HOLDS : FAILS;
    default:
        return opened_only_by(c, v);
    }
}

/* Whether the call blocks by the rule's conditions; sets *flags (AL_SITE_UNCHECKED) and *category. */
static bool call_blocks(const al_shim_api *api, const uint64_t *regs, const uint64_t *stack, uint32_t *flags,
                        const char **category)
{
    bool definite = false, definite_known = true;
    size_t definite_count = 0;
    *flags = 0;
    *category = api->category;
    for (uint16_t i = 0; i < api->condition_count; i++) {
        const al_shim_condition *c = &al_shim_conditions[api->condition_first + i];
        int result = condition_holds(c, regs, stack);
        if (result == UNKNOWN && c->list != AL_SHIM_DEFINITE_IF)
            *flags |= AL_SITE_UNCHECKED;
        if (c->list == AL_SHIM_UNLESS && result == HOLDS)
            return false;
        if (c->list == AL_SHIM_ONLY_IF && result == FAILS)
            return false;
        if (c->list == AL_SHIM_DEFINITE_IF) {
            definite_count++;
            definite_known = definite_known && result == HOLDS;
        }
    }
    definite = definite_count > 0 && definite_known;
    if (!api->conditional)
        return true;
    if (definite && api->definite_category)
        *category = api->definite_category;
    return definite || trace_conditional;
}

/* ---- the trampoline's two calls ---- */

__attribute__((visibility("hidden"))) al_shim_pair
al_shim_enter(uint32_t index, const uint64_t *regs, const uint64_t *stack, uintptr_t caller, uintptr_t frame);
__attribute__((visibility("hidden"))) void al_shim_leave(uint64_t token);

al_shim_pair al_shim_enter(uint32_t index, const uint64_t *regs, const uint64_t *stack, uintptr_t caller,
                           uintptr_t frame)
{
    int saved_errno = errno;
    al_shim_pair pass = {resolve(index), TOKEN_PASS};
    thread_state *t = &tls;
    if (t->busy || !enabled) {
        errno = saved_errno;
        return pass;
    }
    t->busy = 1;
    /* calls the program left by longjmp (or an exception) never returned here: forget them */
    while (t->loop_depth && t->loop_depth <= MAX_LOOP_FRAMES && t->loop_frames[t->loop_depth - 1] < frame)
        t->loop_depth--;
    if (t->inflight && t->inflight_frame < frame)
        t->inflight = 0;
    const al_shim_api *api = &al_shim_apis[index];
    bool on_loop = t->loop_depth || t->marked;
    al_shim_pair result = pass;
    uint32_t flags = 0;
    const char *category = NULL;
    int kind = t->inflight || !on_loop ? CALLER_PROGRAM : caller_kind(caller);
    /* a wait that a loop library reaches through a function pointer is its own poll hook (GLib's
     * g_poll tail-calls poll), not a callback whose last act was to wait */
    if (kind == CALLER_TAIL && api->loop_wait)
        kind = CALLER_MACHINERY;
    if (kind == CALLER_MACHINERY)
        __atomic_store_n(&al_shim_machinery[(caller >> 4) & (MACHINERY_SLOTS - 1)], caller, __ATOMIC_RELAXED);
    if (t->inflight) {
        /* inside a timed call: part of its time */
    } else if (api->loop_runner &&
               (!on_loop || kind == CALLER_MACHINERY || !call_blocks(api, regs, stack, &flags, &category))) {
        /* entering a loop (the library's own nested runner included; or a handler running the
         * loop without waiting): the thread is a loop thread until it returns */
        if (t->loop_depth < UINT8_MAX) {
            if (t->loop_depth < MAX_LOOP_FRAMES)
                t->loop_frames[t->loop_depth] = frame;
            t->loop_depth++;
            result.token = TOKEN_LOOP;
            count_loop_thread();
        }
    } else if (on_loop && kind != CALLER_MACHINERY &&
               (api->loop_runner || call_blocks(api, regs, stack, &flags, &category))) {
        if (kind == CALLER_TAIL)
            flags |= AL_SITE_TAIL_CALL;
        t->inflight = 1;
        t->inflight_frame = frame;
        t->inflight_caller = caller;
        t->inflight_pid = process_id;
        t->inflight_api = index;
        t->inflight_flags = flags;
        t->inflight_category = category ? category : api->category;
        result.token = TOKEN_CALL;
        count_loop_thread();
        t->inflight_start = now_ns(CLOCK_MONOTONIC);
    }
    update_active(t);
    t->busy = 0;
    errno = saved_errno;
    return result;
}

void al_shim_leave(uint64_t token)
{
    uint64_t end = now_ns(CLOCK_MONOTONIC);
    int saved_errno = errno;
    thread_state *t = &tls;
    uint8_t was = t->busy;
    t->busy = 1;
    if (token == TOKEN_LOOP) {
        if (t->loop_depth)
            t->loop_depth--;
        update_active(t);
    } else if (token == TOKEN_CALL && t->inflight) {
        t->inflight = 0;
        /* a fork timed in the parent returns in the child too: only the parent's call counts */
        if (t->inflight_pid == process_id)
            record(t, end - t->inflight_start);
    }
    t->busy = was;
    errno = saved_errno;
}

/* ---- the program's own mark (asynclock.h: ASYNCLOCK_TRACE_LOOP) ---- */

EXPORT void asynclock_trace_loop(int on)
{
    int saved_errno = errno;
    tls.marked = on != 0;
    update_active(&tls);
    if (on && enabled && !tls.busy) {
        tls.busy = 1;
        count_loop_thread();
        tls.busy = 0;
    }
    errno = saved_errno;
}

/* ---- start, fork, exit ---- */

/* A forked child starts with no loop thread and a region of its own: it is traced from the loops
 * it enters itself (the parent's loop, whose frames it inherits, is not running in it). */
static void after_fork_in_child(void)
{
    tls.loop_depth = 0;
    tls.inflight = 0;
    tls.marked = 0;
    al_shim_active = 0;
    process_id = (pid_t)syscall(SYS_getpid);
    start_ticks = read_start_ticks();
    STORE(&region, NULL);
    STORE(&region_creating, 0);
    STORE(&region_failed, 0);
    ADD(&generation, 1);
}

static _Unwind_Reason_Code count_frames(struct _Unwind_Context *context, void *data)
{
    (void)context;
    ++*(int *)data;
    return _URC_NO_REASON;
}

__attribute__((constructor)) static void shim_start(void)
{
    int saved_errno = errno;
    tls.busy = 1;
    struct dl_find_object own;
    if (_dl_find_object((void *)shim_start, &own) == 0) {
        own_start = (uintptr_t)own.dlfo_map_start;
        own_end = (uintptr_t)own.dlfo_map_end;
    }
    const char *dir = getenv("ASYNCLOCK_TRACE_DIR");
    const char *conditional = getenv("ASYNCLOCK_TRACE_CONDITIONAL");
    trace_conditional = conditional && strcmp(conditional, "1") == 0;
    if (dir && *dir && strlen(dir) < sizeof(trace_dir)) {
        copy_text(trace_dir, sizeof(trace_dir), dir);
        process_id = (pid_t)syscall(SYS_getpid);
        start_ticks = read_start_ticks();
        long n = syscall(SYS_readlink, "/proc/self/exe", exe_path, sizeof(exe_path) - 1);
        exe_path[n > 0 ? n : 0] = '\0';
        read_proc("/proc/self/cmdline", command_line, sizeof(command_line));
        for (size_t i = 0; i < AL_SHIM_VARIABLE_COUNT; i++)
            variable_addresses[i] = dlsym(RTLD_DEFAULT, al_shim_variable_names[i]);
        for (uint32_t i = 0; i < AL_SHIM_API_COUNT; i++) {
            al_shim_runner[i] = al_shim_apis[i].loop_runner;
            if (al_shim_apis[i].loop_runner && dlsym(RTLD_NEXT, al_shim_apis[i].symbol))
                resolve(i);
        }
        /* the unwinder's first use sets itself up; not in the middle of a timed call */
        int frames = 0;
        _Unwind_Backtrace(count_frames, &frames);
        pthread_atfork(NULL, NULL, after_fork_in_child);
        enabled = true;
    }
    tls.busy = 0;
    errno = saved_errno;
}

__attribute__((destructor)) static void shim_stop(void)
{
    al_trace_region *r = LOAD(&region);
    if (!r)
        return;
    __atomic_store_n(&r->ended_ns, now_ns(CLOCK_REALTIME), __ATOMIC_RELAXED);
    STORE(&r->state, AL_PROCESS_EXITED);
}
