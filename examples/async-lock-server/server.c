/* The async-lock experiment's shared part: options, the listening socket, connections, HTTP.
 * Everything here runs on the loop thread and never blocks (logging to stderr aside). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

struct server_config config = {
    .port = 8080,
    .wait_ms = 50,
    .file_path = "/etc/hostname",
    .lookup_name = "localhost",
};

uv_loop_t *loop;
static uv_tcp_t listener;

/* ---- connections ---- */

static void on_conn_closed(uv_handle_t *handle)
{
    free(handle->data);
}

static void conn_close(struct conn *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

/* Reads go straight into the connection's request buffer, after what is already there. */
static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    struct conn *c = handle->data;
    (void)suggested;
    /* a full buffer hands out 0 bytes: libuv then reports UV_ENOBUFS (request too large) */
    *buf = uv_buf_init(c->request + c->used, (unsigned)(sizeof c->request - c->used));
}

static void on_connection(uv_stream_t *server, int status)
{
    struct conn *c;
    if (status < 0) {
        fprintf(stderr, "%s: accept: %s\n", variant.name, uv_strerror(status));
        return;
    }
    c = calloc(1, sizeof *c);
    if (c == NULL) {
        fprintf(stderr, "%s: out of memory\n", variant.name);
        return;
    }
    uv_tcp_init(loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, variant.on_read);
}

/* ---- HTTP ---- */

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 405:
        return "Method Not Allowed";
    default:
        return "Internal Server Error";
    }
}

/* Where "\r\n\r\n" ends in the first len bytes of s, or 0. */
static size_t head_end(const char *s, size_t len)
{
    for (size_t i = 3; i < len; i++)
        if (s[i - 3] == '\r' && s[i - 2] == '\n' && s[i - 1] == '\r' && s[i] == '\n')
            return i + 1;
    return 0;
}

/* Whether the first len bytes of s contain word, ignoring case. */
static int contains_nocase(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i + n <= len; i++) {
        size_t k = 0;
        while (k < n && (s[i + k] | 0x20) == (word[k] | 0x20))
            k++;
        if (k == n)
            return 1;
    }
    return 0;
}

/* A complete request head is in c->request: checks the request line and decides keep-alive. */
static int request_ready(struct conn *c)
{
    const char *line = c->request, *sp1, *sp2;
    size_t end = head_end(c->request, c->used), line_len;
    if (end == 0)
        return 0;
    c->head_len = end;
    c->busy = 1;
    line_len = (size_t)((const char *)memchr(line, '\r', end) - line);
    sp1 = memchr(line, ' ', line_len);
    sp2 = sp1 ? memchr(sp1 + 1, ' ', line_len - (size_t)(sp1 + 1 - line)) : NULL;
    if (sp2 == NULL || line + line_len - (sp2 + 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0) {
        c->keep_alive = 0;
        http_reply(c, 400, "malformed request line\n");
        return 0;
    }
    c->keep_alive = sp2[8] == '1' && !contains_nocase(c->request, end, "\r\nconnection: close");
    if (sp1 - line != 3 || memcmp(line, "GET", 3) != 0) {
        http_reply(c, 405, "only GET is served\n");
        return 0;
    }
    return 1;
}

int http_read_request(struct conn *c, ssize_t nread, const uv_buf_t *buf)
{
    (void)buf; /* on_alloc handed out c->request + c->used */
    if (nread < 0) {
        /* UV_EOF, UV_ENOBUFS (request too large) or a reset: stop reading, close when idle */
        if (nread != UV_EOF && nread != UV_ECONNRESET)
            fprintf(stderr, "%s: read: %s\n", variant.name, uv_strerror((int)nread));
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->closing = 1;
        if (!c->busy)
            conn_close(c);
        return 0;
    }
    c->used += (size_t)nread;
    if (c->busy || c->closing)
        return 0;
    return request_ready(c);
}

static void on_write_done(uv_write_t *req, int status)
{
    struct conn *c = req->data;
    c->busy = 0;
    if (status < 0 || c->closing || !c->keep_alive) {
        conn_close(c);
        return;
    }
    /* drop the request just answered; a pipelined one that followed it is handled now */
    memmove(c->request, c->request + c->head_len, c->used - c->head_len);
    c->used -= c->head_len;
    if (c->used > 0) {
        uv_buf_t none = uv_buf_init(NULL, 0);
        variant.on_read((uv_stream_t *)&c->tcp, 0, &none);
    }
}

void http_reply(struct conn *c, int status, const char *body)
{
    uv_buf_t buf;
    int n = snprintf(c->response, sizeof c->response,
                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\nConnection: %s\r\n\r\n%s",
                     status, reason(status), strlen(body), c->keep_alive ? "keep-alive" : "close", body);
    if (n < 0 || (size_t)n >= sizeof c->response) {
        fprintf(stderr, "%s: response too long\n", variant.name);
        c->busy = 0;
        conn_close(c);
        return;
    }
    buf = uv_buf_init(c->response, (unsigned)n);
    c->write_req.data = c;
    n = uv_write(&c->write_req, (uv_stream_t *)&c->tcp, &buf, 1, on_write_done);
    if (n < 0) {
        fprintf(stderr, "%s: write: %s\n", variant.name, uv_strerror(n));
        c->busy = 0;
        conn_close(c);
    }
}

/* ---- the work's result ---- */

void work_result_init(struct work_result *r)
{
    r->waited_ms = 0;
    r->file_bytes = 0;
    snprintf(r->address, sizeof r->address, "unresolved");
}

void format_address(const struct addrinfo *ai, char *out, size_t cap)
{
    if (ai == NULL)
        return;
    if (ai->ai_family == AF_INET)
        uv_ip4_name((const struct sockaddr_in *)ai->ai_addr, out, cap);
    else if (ai->ai_family == AF_INET6)
        uv_ip6_name((const struct sockaddr_in6 *)ai->ai_addr, out, cap);
}

void reply_with_result(struct conn *c, const struct work_result *r)
{
    char body[512];
    if (r->file_bytes >= 0)
        snprintf(body, sizeof body, "%s: waited %d ms, read %ld bytes of %s, %s is %s\n", variant.name, r->waited_ms,
                 r->file_bytes, config.file_path, config.lookup_name, r->address);
    else
        snprintf(body, sizeof body, "%s: waited %d ms, could not read %s (%s), %s is %s\n", variant.name, r->waited_ms,
                 config.file_path, uv_strerror((int)r->file_bytes), config.lookup_name, r->address);
    http_reply(c, 200, body);
}

/* ---- options and main ---- */

static int parse_int(const char *s, int min, int max, int *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0)
            return -1;
        if (val == NULL) {
            fprintf(stderr, "%s: %s needs a value\n", argv[0], opt);
            return -1;
        }
        i++;
        if (strcmp(opt, "--wait-ms") == 0 && parse_int(val, 0, 60000, &config.wait_ms) == 0)
            continue;
        if (strcmp(opt, "--port") == 0 && parse_int(val, 0, 65535, &config.port) == 0)
            continue;
        if (strcmp(opt, "--file") == 0) {
            config.file_path = val;
            continue;
        }
        if (strcmp(opt, "--lookup") == 0) {
            config.lookup_name = val;
            continue;
        }
        fprintf(stderr, "%s: bad option or value: %s %s\n", argv[0], opt, val);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct sockaddr_in addr;
    struct sockaddr_storage bound;
    int len = (int)sizeof bound, r;

    if (parse_args(argc, argv) != 0) {
        fprintf(stderr, "usage: %s [--wait-ms N] [--port P] [--file PATH] [--lookup NAME]\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    loop = uv_default_loop();
    uv_tcp_init(loop, &listener);
    uv_ip4_addr("127.0.0.1", config.port, &addr);
    r = uv_tcp_bind(&listener, (const struct sockaddr *)&addr, 0);
    if (r == 0)
        r = uv_listen((uv_stream_t *)&listener, 511, on_connection);
    if (r == 0)
        r = uv_tcp_getsockname(&listener, (struct sockaddr *)&bound, &len);
    if (r != 0) {
        fprintf(stderr, "%s: cannot listen on 127.0.0.1:%d: %s\n", argv[0], config.port, uv_strerror(r));
        return 1;
    }
    fprintf(stderr, "%s: listening on http://127.0.0.1:%d/ (wait %d ms, file %s, lookup %s)\n", variant.name,
            ntohs(((struct sockaddr_in *)&bound)->sin_port), config.wait_ms, config.file_path, config.lookup_name);
    return uv_run(loop, UV_RUN_DEFAULT);
}
