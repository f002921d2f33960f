/* util: the small containers every stage shares.
 *
 * Growable arrays (AL_VEC), a string interner (al_strtab) that turns names into dense ids, a string
 * builder (al_strbuf), and allocation that aborts on exhaustion. Nothing here knows about C code,
 * rules or reports. */
#ifndef AL_UTIL_H
#define AL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define AL_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define AL_PRINTF(fmt, args)
#endif

void *al_xmalloc(size_t size);
void *al_xcalloc(size_t count, size_t size);
void *al_xrealloc(void *ptr, size_t size);
char *al_xstrdup(const char *s);
char *al_xstrndup(const char *s, size_t n);
char *al_xasprintf(const char *fmt, ...) AL_PRINTF(1, 2);

/* A growable array of T: `AL_VEC(int) v = {0}; AL_VEC_PUSH(v, 3); free(v.items);` */
#define AL_VEC(T)                                                                                                      \
    struct {                                                                                                           \
        T *items;                                                                                                      \
        size_t count, capacity;                                                                                        \
    }
#define AL_VEC_RESERVE(vec, n)                                                                                         \
    do {                                                                                                               \
        if ((n) > (vec).capacity) {                                                                                    \
            size_t al_cap_ = (vec).capacity ? (vec).capacity : 8;                                                      \
            while (al_cap_ < (n))                                                                                      \
                al_cap_ *= 2;                                                                                          \
            (vec).items = al_xrealloc((vec).items, al_cap_ * sizeof(*(vec).items));                                    \
            (vec).capacity = al_cap_;                                                                                  \
        }                                                                                                              \
    } while (0)
#define AL_VEC_PUSH(vec, value)                                                                                        \
    do {                                                                                                               \
        AL_VEC_RESERVE(vec, (vec).count + 1);                                                                          \
        (vec).items[(vec).count++] = (value);                                                                          \
    } while (0)
#define AL_VEC_FREE(vec)                                                                                               \
    do {                                                                                                               \
        free((vec).items);                                                                                             \
        (vec).items = NULL;                                                                                            \
        (vec).count = (vec).capacity = 0;                                                                              \
    } while (0)

typedef AL_VEC(uint32_t) al_u32_vec;

/* 64-bit FNV-1a: fingerprints and hash tables. */
uint64_t al_hash_bytes(const void *data, size_t len, uint64_t seed);
#define AL_HASH_SEED 0xcbf29ce484222325ULL

/* String interner: equal strings get equal ids, ids are dense from 0. Id 0 is always "". A string
 * stays where it is until the table is freed. */
typedef struct al_strtab {
    char **strings;   /* id -> string, in `blocks` */
    uint64_t *hashes; /* id -> its hash, so probing and growing never rehash or compare in vain */
    uint32_t count, capacity;
    uint32_t *slots;     /* open addressing: id + 1, 0 = empty */
    uint32_t slot_count; /* power of two */
    /* the strings' bytes, in blocks that never move (not one allocation a string: a warm run
     * interns a few hundred thousand) */
    AL_VEC(char *) blocks;
    char *free_at; /* the unused end of the last block */
    size_t free_left, block_size;
} al_strtab;

void al_strtab_init(al_strtab *t);
void al_strtab_free(al_strtab *t);
/* Room for `count` strings in all, so that interning up to that many never grows the table. */
void al_strtab_reserve(al_strtab *t, uint32_t count);
uint32_t al_strtab_intern(al_strtab *t, const char *s);
uint32_t al_strtab_intern_n(al_strtab *t, const char *s, size_t len);
/* Interns string `id` of another table, with the hash that table keeps (no hashing again). */
uint32_t al_strtab_intern_from(al_strtab *t, const al_strtab *from, uint32_t id);
/* Id of s, or UINT32_MAX when it was never interned. */
uint32_t al_strtab_find(const al_strtab *t, const char *s);
static inline const char *al_str(const al_strtab *t, uint32_t id)
{
    return t->strings[id];
}

/* Yes/no answers to questions asked before, by their text ("from to"): a memo for searches that may
 * be asked the same question many times. */
typedef struct al_answers {
    al_strtab asked;
    AL_VEC(uint8_t) answers; /* per question id: 0 unknown, else 1 + the answer */
} al_answers;
void al_answers_init(al_answers *a);
void al_answers_free(al_answers *a);
/* The id of `question`, and in *known its answer (0: not answered yet, else 1 + the answer). */
uint32_t al_answers_ask(al_answers *a, const char *question, uint8_t *known);
static inline void al_answers_set(al_answers *a, uint32_t id, bool answer)
{
    a->answers.items[id] = (uint8_t)(1 + answer);
}

/* A growable NUL-terminated string. */
typedef struct al_strbuf {
    char *data;
    size_t len, capacity;
} al_strbuf;

void al_strbuf_append(al_strbuf *b, const char *s);
void al_strbuf_append_n(al_strbuf *b, const char *s, size_t n);
void al_strbuf_appendf(al_strbuf *b, const char *fmt, ...) AL_PRINTF(2, 3);
void al_strbuf_vappendf(al_strbuf *b, const char *fmt, va_list ap);
void al_strbuf_putc(al_strbuf *b, char c);
void al_strbuf_reset(al_strbuf *b);
void al_strbuf_free(al_strbuf *b);
/* Percent-encodes a path for a URI (RFC 3986): unreserved characters and '/' stay, every other
 * byte (spaces, '%', '#', '?', non-ASCII) becomes %XX. */
void al_strbuf_append_uri_path(al_strbuf *b, const char *path);
/* "file:///abs/path" for an absolute path. */
void al_strbuf_append_file_uri(al_strbuf *b, const char *path);
/* The path of a "file://" URI, percent-decoded; NULL for another scheme or a malformed URI. */
char *al_file_uri_to_path(const char *uri);
/* Hands the contents to the caller (never NULL) and leaves the buffer empty. */
char *al_strbuf_take(al_strbuf *b);

/* Bytes, and the compact codec of the facts cache: LEB128 varints (signed values zigzagged) and
 * length-prefixed strings. Readers never trust the bytes: running off the end or a malformed
 * value sets `bad`, and every later read returns 0 / NULL. */
typedef AL_VEC(unsigned char) al_bytes;
void al_bytes_put_u64(al_bytes *out, uint64_t v);
void al_bytes_put_i64(al_bytes *out, long long v);
void al_bytes_put_text(al_bytes *out, const char *s); /* NULL is kept apart from "" */

typedef struct al_byte_reader {
    const unsigned char *p, *end;
    bool bad;
} al_byte_reader;
uint64_t al_bytes_get_u64(al_byte_reader *r);
long long al_bytes_get_i64(al_byte_reader *r);
/* The signed value of a zigzagged one (al_bytes_get_i64 reads one). */
static inline long long al_bytes_unzigzag(uint64_t v)
{
    return (long long)((v >> 1) ^ (~(v & 1) + 1));
}
/* A malloc'ed copy of the next string (its length in *len when len is not NULL); NULL for an
 * absent string or bad input. Strings holding a NUL byte are bad. */
char *al_bytes_get_text(al_byte_reader *r, size_t *len);
/* The same string in place (not NUL-terminated): a pointer into the bytes, or NULL. */
const char *al_bytes_get_span(al_byte_reader *r, size_t *len);

/* Reads a whole file; NULL with errno set on failure. */
char *al_read_file(const char *path, size_t *len_out);

/* An absolute, lexically normalized path ("a/./b/../c" -> "a/c") of `path` taken relative to
 * `base` (or the working folder when base is NULL). Symlinks are not resolved. */
char *al_path_absolute(const char *path, const char *base);
/* `path` relative to folder `root` when it lies inside it, else `path` itself (not a copy). */
const char *al_path_relative_to(const char *path, const char *root);

/* The first of `names` (paths relative to a folder) that is a regular file in `folder` or the
 * nearest of its parents that has one: its path, or NULL. How .asynclock.json and, as clangd
 * does, compile_commands.json are found. */
char *al_find_upward(const char *folder, const char *const *names, size_t count);

/* `relative` taken from the folder of this executable, absolute and normalized ("../share/asynclock/
 * rules" for <prefix>/bin/asynclock), whether it exists or not; NULL when /proc/self/exe is
 * unreadable. How an installed asynclock finds its rule packs and its trace shim. */
char *al_beside_executable(const char *relative);

/* Runs argv[0] (searched in PATH) with `argv` (NULL-terminated), no shell, standard input
 * /dev/null, in folder `cwd` (NULL: ours); collects standard output and error. Returns the exit
 * status (128 + signal when killed), or -1 when it could not be started (errno set). */
int al_run_capture(const char *const *argv, const char *cwd, al_strbuf *out, al_strbuf *err);
/* Takes `message` and returns it fit for one line: control characters (a newline in a file name
 * or a JSON key) written as \n, \t, \r or \xHH. Messages about input go through it, so an error
 * about bad input is always one line. */
char *al_one_line(char *message);

/* A one-line error for the user: "asynclock: <message>" on standard error. */
void al_error(const char *fmt, ...) AL_PRINTF(1, 2);

#endif
