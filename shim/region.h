/* region: what the trace shim (shim/shim.c) records, as laid out in memory shared with
 * `asynclock trace` (analyzer/trace.c).
 *
 * Each traced process image that runs an event loop maps one file of the trace folder
 * ($ASYNCLOCK_TRACE_DIR/<pid>-<start>.region) and writes into it with atomic operations only: no
 * lock, no allocation, nothing a signal handler or a fork could leave half taken. The mapping
 * outlives the process, so `asynclock trace` reads what a crashed or killed program observed, and
 * reads it while the program runs for its periodic snapshots. Both sides include this header; the
 * version field tells a reader from another build to stay away. */
#ifndef AL_TRACE_REGION_H
#define AL_TRACE_REGION_H

#include <stdint.h>

#define AL_REGION_MAGIC "ALTRACE\0"
#define AL_REGION_VERSION 1

#define AL_REGION_MAX_SITES 1024
#define AL_REGION_SLOTS (2 * AL_REGION_MAX_SITES) /* open addressing, power of two */
#define AL_REGION_MAX_FRAMES 48
#define AL_REGION_MAX_MODULES 256
#define AL_REGION_PATH_BYTES 512
#define AL_REGION_NAME_BYTES 48

/* Blocked time is counted in a log-linear histogram: exact below 32 ns, then 32 buckets per power
 * of two, so a bucket is at most 1/32 of its value wide and its midpoint within 1.6 % of any
 * duration in it; durations of 2^46 ns (19.5 hours) and more are counted in the last bucket. */
#define AL_HIST_SUB_BITS 5
#define AL_HIST_SUB (1u << AL_HIST_SUB_BITS)
#define AL_HIST_MAX_EXPONENT 45
#define AL_HIST_BUCKETS (AL_HIST_SUB + (AL_HIST_MAX_EXPONENT - AL_HIST_SUB_BITS + 1) * AL_HIST_SUB)

static inline unsigned al_hist_bucket(uint64_t ns)
{
    if (ns < AL_HIST_SUB)
        return (unsigned)ns;
    unsigned exponent = 63u - (unsigned)__builtin_clzll(ns);
    if (exponent > AL_HIST_MAX_EXPONENT)
        return AL_HIST_BUCKETS - 1;
    unsigned mantissa = (unsigned)(ns >> (exponent - AL_HIST_SUB_BITS)) & (AL_HIST_SUB - 1);
    return AL_HIST_SUB + (exponent - AL_HIST_SUB_BITS) * AL_HIST_SUB + mantissa;
}

/* The durations bucket b holds: [*low, *high). */
static inline void al_hist_bounds(unsigned b, uint64_t *low, uint64_t *high)
{
    if (b < AL_HIST_SUB) {
        *low = b;
        *high = b + 1;
        return;
    }
    unsigned exponent = (b - AL_HIST_SUB) / AL_HIST_SUB + AL_HIST_SUB_BITS;
    uint64_t mantissa = (b - AL_HIST_SUB) % AL_HIST_SUB;
    *low = (AL_HIST_SUB + mantissa) << (exponent - AL_HIST_SUB_BITS);
    *high = *low + (1ull << (exponent - AL_HIST_SUB_BITS));
}

/* Entry states: a writer claims an entry (CLAIMED), fills it, then publishes it (READY) with a
 * release store; readers take only READY entries. */
enum { AL_ENTRY_FREE = 0, AL_ENTRY_CLAIMED = 1, AL_ENTRY_READY = 2 };

/* Site flags. */
enum {
    AL_SITE_UNCHECKED = 1, /* the API's argument conditions name an argument the shim cannot locate
                              (the last one, `"arg": -1`): the call was recorded whatever it was */
    AL_SITE_TAIL_CALL = 2, /* a callback's last act (`jmp usleep`): it returns straight to the loop
                              library that called the callback, whose frame is the first one */
};

/* One loaded object that a recorded stack passes through. */
typedef struct al_region_module {
    uint32_t state;
    uint32_t reserved;
    uint64_t key;  /* the loader's link_map: identity */
    uint64_t base; /* load bias: an address minus base is the address in the file */
    char path[AL_REGION_PATH_BYTES];
} al_region_module;

/* One call site (an API and the return address of its call) seen on a loop thread. */
typedef struct al_region_site {
    uint32_t state;
    uint32_t flags;
    uint64_t caller; /* the return address of the call: the key, with `api` */
    uint32_t api;    /* index in the shim's table (the names below say what it is) */
    uint32_t frame_count;
    char api_name[AL_REGION_NAME_BYTES];    /* the rule's name: "fopen" */
    char symbol[AL_REGION_NAME_BYTES];      /* the symbol called: "fopen64" */
    char category[AL_REGION_NAME_BYTES];    /* "file-io"; a definite_category when definite_if held */
    uint64_t frames[AL_REGION_MAX_FRAMES];  /* return addresses, the call's own first */
    uint16_t modules[AL_REGION_MAX_FRAMES]; /* index + 1 in `modules`, 0: unknown */
    uint64_t calls, total_ns, max_ns, min_ns;
    uint32_t histogram[AL_HIST_BUCKETS];
} al_region_site;

enum { AL_PROCESS_RUNNING = 1, AL_PROCESS_EXITED = 2 };

typedef struct al_trace_region {
    char magic[8];
    uint32_t version;
    uint32_t header_size; /* sizeof(al_trace_region): a reader checks it against its own */
    int32_t pid, ppid;
    uint64_t start_ticks; /* the process's start time (/proc/PID/stat field 22): with pid, its identity */
    uint64_t started_ns;  /* CLOCK_REALTIME when the region was made */
    uint64_t ended_ns;    /* at exit, 0 before */
    uint32_t state;       /* AL_PROCESS_* */
    uint32_t loop_threads;
    uint32_t conditional; /* conditional APIs were traced too */
    uint32_t site_count;  /* sites claimed so far */
    uint32_t module_count;
    uint32_t reserved;
    uint64_t dropped; /* calls not recorded: the site table was full */
    char exe[AL_REGION_PATH_BYTES];
    char cmdline[4096];              /* the arguments, each ended by a NUL byte (cut at 4096 bytes) */
    uint32_t slots[AL_REGION_SLOTS]; /* site index + 1 by hash of (api, caller); 0: empty */
    al_region_module modules[AL_REGION_MAX_MODULES];
    al_region_site sites[AL_REGION_MAX_SITES];
} al_trace_region;

#endif
