/* The async-lock experiment's shared part: a tiny HTTP/1.1 server on libuv (keep-alive, GET only).
 *
 * Every request does the same I/O-bound work: wait config.wait_ms milliseconds (standing for a
 * slow backend), read a small file, resolve a name. Each variant (nonblocking.c, offload.c,
 * blocking.c) defines `variant`: its name and the uv_read_cb that reads the request
 * (http_read_request), does that work its own way, and answers (reply_with_result).
 *
 * Nothing in server.c blocks, so whatever asynclock reports in a variant is that variant's own. */
#ifndef ASYNC_LOCK_SERVER_H
#define ASYNC_LOCK_SERVER_H

#include <stddef.h>

#include <uv.h>

struct server_config {
    int port;                /* --port P (default 8080; 0: any free port, printed at startup) */
    int wait_ms;             /* --wait-ms N (default 50): the I/O wait of every request */
    const char *file_path;   /* --file PATH (default /etc/hostname): the file every request reads */
    const char *lookup_name; /* --lookup NAME (default localhost): the name every request resolves */
};

/* One client connection. */
struct conn {
    uv_tcp_t tcp;
    uv_write_t write_req;
    char request[4096];
    size_t used;     /* bytes of request[] received */
    size_t head_len; /* length of the request being handled, "\r\n\r\n" included */
    int busy;        /* a request is being handled: its reply has not been written yet */
    int closing;     /* the peer is gone: close once the request in progress is answered */
    int keep_alive;  /* keep the connection open after this reply */
    char response[1024];
};

/* What a request's work found out; the reply reports it. */
struct work_result {
    int waited_ms;
    long file_bytes;  /* bytes read from config.file_path, or a negative error code */
    char address[64]; /* the first address config.lookup_name resolved to, or "unresolved" */
};

/* Each variant defines it; main() passes on_read to uv_read_start for every connection. */
struct variant {
    const char *name;
    uv_read_cb on_read;
};
extern const struct variant variant;

extern struct server_config config;
extern uv_loop_t *loop;

/* For the variant's uv_read_cb, with its arguments. Returns 1 when a complete request has arrived:
 * the connection is then busy until reply_with_result (or http_reply) answers it. Returns 0 when
 * more is needed, or when the request was answered already (malformed) or the connection closed. */
int http_read_request(struct conn *c, ssize_t nread, const uv_buf_t *buf);

/* Writes the response; the next request on the connection is read once it has been sent. */
void http_reply(struct conn *c, int status, const char *body);

/* Starts a result: nothing waited, read or resolved yet. */
void work_result_init(struct work_result *r);
/* Answers the request with the work's result (200, a one-line text body). */
void reply_with_result(struct conn *c, const struct work_result *r);
/* Writes the first address of a getaddrinfo answer into out. */
void format_address(const struct addrinfo *ai, char *out, size_t cap);

#endif
