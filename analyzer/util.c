/* util: allocation, growable strings, string interning and path helpers shared by every stage. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void out_of_memory(size_t size)
{
    fprintf(stderr, "asynclock: out of memory (allocating %zu bytes)\n", size);
    abort();
}

void *al_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

void *al_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *al_xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

char *al_xstrndup(const char *s, size_t n)
{
    char *p = al_xmalloc(n + 1);
    if (n) /* s may be NULL when n is 0 */
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *al_xstrdup(const char *s)
{
    return al_xstrndup(s, strlen(s));
}

char *al_xasprintf(const char *fmt, ...)
{
    al_strbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    al_strbuf_vappendf(&b, fmt, ap);
    va_end(ap);
    return al_strbuf_take(&b);
}

uint64_t al_hash_bytes(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = seed;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* ---- string interner ---- */

void al_strtab_init(al_strtab *t)
{
    memset(t, 0, sizeof(*t));
    t->slot_count = 64;
    t->slots = al_xcalloc(t->slot_count, sizeof(*t->slots));
    al_strtab_intern(t, "");
}

void al_answers_init(al_answers *a)
{
    al_strtab_init(&a->asked);
    a->answers.count = 0;
}

void al_answers_free(al_answers *a)
{
    al_strtab_free(&a->asked);
    AL_VEC_FREE(a->answers);
}

uint32_t al_answers_ask(al_answers *a, const char *question, uint8_t *known)
{
    uint32_t id = al_strtab_intern(&a->asked, question);
    while (a->answers.count <= id)
        AL_VEC_PUSH(a->answers, 0);
    *known = a->answers.items[id];
    return id;
}

void al_strtab_free(al_strtab *t)
{
    for (size_t i = 0; i < t->blocks.count; i++)
        free(t->blocks.items[i]);
    AL_VEC_FREE(t->blocks);
    free(t->strings);
    free(t->hashes);
    free(t->slots);
    memset(t, 0, sizeof(*t));
}

/* The interner's own hash, 8 bytes a step: interning is the hot loop of linking and of reading the
 * facts cache. (al_hash_bytes stays FNV-1a: fingerprints written into baselines depend on it.) */
static uint64_t strtab_hash(const char *s, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (len * 0xff51afd7ed558ccdULL);
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 29;
        s += 8;
        len -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, len);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 32);
}

static uint32_t strtab_probe(const al_strtab *t, const char *s, size_t len, uint64_t hash)
{
    uint32_t mask = t->slot_count - 1;
    uint32_t i = (uint32_t)hash & mask;
    for (;;) {
        uint32_t id1 = t->slots[i];
        if (id1 == 0)
            return i;
        if (t->hashes[id1 - 1] == hash) { /* compare the text only when the hashes agree */
            const char *have = t->strings[id1 - 1];
            if (strncmp(have, s, len) == 0 && have[len] == '\0')
                return i;
        }
        i = (i + 1) & mask;
    }
}

/* Rehashes into `slot_count` slots (a power of two, more than twice the strings). */
static void strtab_rehash(al_strtab *t, uint32_t slot_count)
{
    uint32_t old_count = t->slot_count;
    uint32_t *old = t->slots;
    t->slot_count = slot_count;
    t->slots = al_xcalloc(t->slot_count, sizeof(*t->slots));
    uint32_t mask = t->slot_count - 1;
    for (uint32_t i = 0; i < old_count; i++) {
        if (!old[i])
            continue;
        uint32_t j = (uint32_t)t->hashes[old[i] - 1] & mask; /* all distinct: the first free slot */
        while (t->slots[j])
            j = (j + 1) & mask;
        t->slots[j] = old[i];
    }
    free(old);
}

static void strtab_set_capacity(al_strtab *t, uint32_t capacity)
{
    t->capacity = capacity;
    t->strings = al_xrealloc(t->strings, t->capacity * sizeof(*t->strings));
    t->hashes = al_xrealloc(t->hashes, t->capacity * sizeof(*t->hashes));
}

void al_strtab_reserve(al_strtab *t, uint32_t count)
{
    if (count > t->capacity)
        strtab_set_capacity(t, count);
    uint32_t slot_count = t->slot_count;
    while ((uint64_t)count * 2 > slot_count)
        slot_count *= 2;
    if (slot_count != t->slot_count)
        strtab_rehash(t, slot_count);
}

/* A copy of s[0..len) in the table's blocks: the next block is twice the last (up to 64 KiB), or
 * as large as a longer string needs. */
static char *strtab_store(al_strtab *t, const char *s, size_t len)
{
    if (len + 1 > t->free_left) {
        t->block_size = t->block_size ? t->block_size * 2 : 1024;
        if (t->block_size > 65536)
            t->block_size = 65536;
        size_t size = len + 1 > t->block_size ? len + 1 : t->block_size;
        AL_VEC_PUSH(t->blocks, al_xmalloc(size));
        t->free_at = t->blocks.items[t->blocks.count - 1];
        t->free_left = size;
    }
    char *copy = t->free_at;
    memcpy(copy, s, len);
    copy[len] = '\0';
    t->free_at += len + 1;
    t->free_left -= len + 1;
    return copy;
}

static uint32_t strtab_intern_hashed(al_strtab *t, const char *s, size_t len, uint64_t hash)
{
    uint32_t slot = strtab_probe(t, s, len, hash);
    if (t->slots[slot])
        return t->slots[slot] - 1;
    if (t->count == t->capacity)
        strtab_set_capacity(t, t->capacity ? t->capacity * 2 : 64);
    uint32_t id = t->count++;
    t->strings[id] = strtab_store(t, s, len);
    t->hashes[id] = hash;
    t->slots[slot] = id + 1;
    if ((uint64_t)t->count * 2 > t->slot_count)
        strtab_rehash(t, t->slot_count * 2);
    return id;
}

uint32_t al_strtab_intern_n(al_strtab *t, const char *s, size_t len)
{
    return strtab_intern_hashed(t, s, len, strtab_hash(s, len));
}

uint32_t al_strtab_intern_from(al_strtab *t, const al_strtab *from, uint32_t id)
{
    const char *s = from->strings[id];
    return strtab_intern_hashed(t, s, strlen(s), from->hashes[id]);
}

uint32_t al_strtab_intern(al_strtab *t, const char *s)
{
    return al_strtab_intern_n(t, s, strlen(s));
}

uint32_t al_strtab_find(const al_strtab *t, const char *s)
{
    size_t len = strlen(s);
    uint32_t slot = strtab_probe(t, s, len, strtab_hash(s, len));
    return t->slots[slot] ? t->slots[slot] - 1 : UINT32_MAX;
}

/* ---- string builder ---- */

static void strbuf_reserve(al_strbuf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->capacity)
        return;
    size_t cap = b->capacity ? b->capacity : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = al_xrealloc(b->data, cap);
    b->capacity = cap;
}

void al_strbuf_append_n(al_strbuf *b, const char *s, size_t n)
{
    strbuf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void al_strbuf_append(al_strbuf *b, const char *s)
{
    al_strbuf_append_n(b, s, strlen(s));
}

void al_strbuf_putc(al_strbuf *b, char c)
{
    al_strbuf_append_n(b, &c, 1);
}

void al_strbuf_vappendf(al_strbuf *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return;
    strbuf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void al_strbuf_appendf(al_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    al_strbuf_vappendf(b, fmt, ap);
    va_end(ap);
}

void al_strbuf_reset(al_strbuf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void al_strbuf_free(al_strbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

char *al_strbuf_take(al_strbuf *b)
{
    char *s = b->data ? b->data : al_xstrdup("");
    memset(b, 0, sizeof(*b));
    return s;
}

/* ---- files and paths ---- */

/* ---- files ---- */

char *al_find_upward(const char *folder, const char *const *names, size_t count)
{
    char *dir = al_xstrdup(folder);
    char *found = NULL;
    for (;;) {
        for (size_t i = 0; i < count && !found; i++) {
            char *candidate = al_xasprintf("%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", names[i]);
            struct stat st;
            if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode))
                found = candidate;
            else
                free(candidate);
        }
        char *slash = strrchr(dir, '/');
        if (found || !slash || strcmp(dir, "/") == 0)
            break;
        slash[slash == dir ? 1 : 0] = '\0';
    }
    free(dir);
    return found;
}

char *al_beside_executable(const char *relative)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    return al_path_absolute(relative, exe);
}

/* ---- child processes ---- */

int al_run_capture(const char *const *argv, const char *cwd, al_strbuf *out, al_strbuf *err)
{
    int out_pipe[2], err_pipe[2];
    if (pipe(out_pipe) != 0)
        return -1;
    if (pipe(err_pipe) != 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int saved = errno;
        close(out_pipe[0]);
        close(out_pipe[1]);
        close(err_pipe[0]);
        close(err_pipe[1]);
        errno = saved;
        return -1;
    }
    if (pid == 0) { /* the child: only async-signal-safe calls until exec */
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd >= 0)
            dup2(null_fd, 0);
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        close(out_pipe[0]);
        close(err_pipe[0]);
        if (cwd && chdir(cwd) != 0)
            _exit(127);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    /* read both pipes as they fill: a child blocked writing one of them would never exit */
    struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    al_strbuf *sinks[2] = {out, err};
    int open_count = 2;
    while (open_count > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char chunk[65536];
            ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
            if (n > 0) {
                al_strbuf_append_n(sinks[i], chunk, (size_t)n);
            } else if (n == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_count--;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- file URIs ---- */

void al_strbuf_append_uri_path(al_strbuf *b, const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~' || c == '/') {
            al_strbuf_putc(b, (char)c);
        } else {
            al_strbuf_putc(b, '%');
            al_strbuf_putc(b, hex[c >> 4]);
            al_strbuf_putc(b, hex[c & 15]);
        }
    }
}

void al_strbuf_append_file_uri(al_strbuf *b, const char *path)
{
    al_strbuf_append(b, "file://");
    if (path[0] != '/')
        al_strbuf_putc(b, '/');
    al_strbuf_append_uri_path(b, path);
}

static int hex_value(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

char *al_file_uri_to_path(const char *uri)
{
    if (strncmp(uri, "file://", 7) != 0)
        return NULL;
    const char *p = uri + 7;
    if (strncmp(p, "localhost/", 10) == 0)
        p += 9;
    if (*p != '/')
        return NULL;
    al_strbuf b = {0};
    al_strbuf_append(&b, "");
    for (; *p && *p != '?' && *p != '#'; p++) {
        if (*p != '%') {
            al_strbuf_putc(&b, *p);
            continue;
        }
        int hi = hex_value(p[1]), lo = hi < 0 ? -1 : hex_value(p[2]);
        if (lo < 0 || (hi == 0 && lo == 0)) {
            al_strbuf_free(&b);
            return NULL;
        }
        al_strbuf_putc(&b, (char)(hi * 16 + lo));
        p += 2;
    }
    return al_strbuf_take(&b);
}

/* ---- byte codec ---- */

void al_bytes_put_u64(al_bytes *out, uint64_t v)
{
    AL_VEC_RESERVE(*out, out->count + 10);
    do {
        unsigned char byte = v & 0x7f;
        v >>= 7;
        out->items[out->count++] = byte | (v ? 0x80 : 0);
    } while (v);
}

void al_bytes_put_i64(al_bytes *out, long long v)
{
    al_bytes_put_u64(out, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void al_bytes_put_text(al_bytes *out, const char *s)
{
    size_t len = s ? strlen(s) : 0;
    al_bytes_put_u64(out, s ? len + 1 : 0); /* 0: no string at all */
    AL_VEC_RESERVE(*out, out->count + len);
    if (len)
        memcpy(out->items + out->count, s, len);
    out->count += len;
}

uint64_t al_bytes_get_u64(al_byte_reader *r)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64 && !r->bad; shift += 7) {
        if (r->p >= r->end)
            break;
        unsigned char byte = *r->p++;
        /* only the encoder's spelling: no bits past 64, no zero last byte (as in 0x80 0x00 for 0),
         * so every value has one encoding and decoded facts re-encode to the same bytes */
        if ((shift == 63 && byte > 1) || (shift && byte == 0))
            break;
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return v;
    }
    r->bad = true;
    return 0;
}

long long al_bytes_get_i64(al_byte_reader *r)
{
    return al_bytes_unzigzag(al_bytes_get_u64(r));
}

const char *al_bytes_get_span(al_byte_reader *r, size_t *len_out)
{
    uint64_t n = al_bytes_get_u64(r);
    if (r->bad || n == 0)
        return NULL;
    size_t len = (size_t)(n - 1);
    if (n - 1 > (uint64_t)(r->end - r->p) || memchr(r->p, 0, len)) {
        r->bad = true;
        return NULL;
    }
    const char *s = (const char *)r->p;
    r->p += len;
    *len_out = len;
    return s;
}

char *al_bytes_get_text(al_byte_reader *r, size_t *len_out)
{
    size_t len;
    const char *s = al_bytes_get_span(r, &len);
    if (!s)
        return NULL;
    if (len_out)
        *len_out = len;
    return al_xstrndup(s, len);
}

/* Straight into a buffer of the file's size (a warm run reads megabytes of sources and packs),
 * growing only for a file that grew or has no size (a pipe, /proc). */
char *al_read_file(const char *path, size_t *len_out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    size_t capacity = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
    char *data = al_xmalloc(capacity + 1);
    size_t len = 0;
    for (;;) {
        if (len == capacity) {
            capacity *= 2;
            data = al_xrealloc(data, capacity + 1);
        }
        ssize_t n = read(fd, data + len, capacity - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved = errno;
            close(fd);
            free(data);
            errno = saved;
            return NULL;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    data[len] = '\0';
    if (len_out)
        *len_out = len;
    return data;
}

char *al_path_absolute(const char *path, const char *base)
{
    al_strbuf joined = {0};
    if (path[0] != '/') {
        if (base) {
            al_strbuf_append(&joined, base);
        } else {
            char cwd[4096];
            al_strbuf_append(&joined, getcwd(cwd, sizeof(cwd)) ? cwd : ".");
        }
        al_strbuf_putc(&joined, '/');
    }
    al_strbuf_append(&joined, path);

    /* Normalize component by component: drop "." and empty parts, let ".." pop one. */
    char *src = joined.data;
    size_t len = joined.len;
    char *out = al_xmalloc(len + 2);
    size_t o = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && src[i] == '/')
            i++;
        size_t start = i;
        while (i < len && src[i] != '/')
            i++;
        size_t n = i - start;
        if (n == 0 || (n == 1 && src[start] == '.'))
            continue;
        if (n == 2 && src[start] == '.' && src[start + 1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--; /* the slash before the popped part */
            continue;
        }
        out[o++] = '/';
        memcpy(out + o, src + start, n);
        o += n;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    al_strbuf_free(&joined);
    return out;
}

const char *al_path_relative_to(const char *path, const char *root)
{
    if (!root || !*root)
        return path;
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        n--;
    if (n == 1 && root[0] == '/')
        return path[0] == '/' ? path + 1 : path;
    if (strncmp(path, root, n) == 0 && path[n] == '/')
        return path + n + 1;
    return path;
}

char *al_one_line(char *message)
{
    const unsigned char *p = (const unsigned char *)message;
    while (*p && *p >= 0x20 && *p != 0x7f)
        p++;
    if (!*p)
        return message;
    al_strbuf b = {0};
    for (p = (const unsigned char *)message; *p; p++) {
        if (*p >= 0x20 && *p != 0x7f)
            al_strbuf_putc(&b, (char)*p);
        else if (*p == '\n')
            al_strbuf_append(&b, "\\n");
        else if (*p == '\t')
            al_strbuf_append(&b, "\\t");
        else if (*p == '\r')
            al_strbuf_append(&b, "\\r");
        else
            al_strbuf_appendf(&b, "\\x%02x", *p);
    }
    free(message);
    return al_strbuf_take(&b);
}

void al_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("asynclock: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
