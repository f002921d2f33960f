/* Variant 3, async-lock: the request handler makes the blocking calls itself, on the loop thread.
 *
 *   on_read -> handle_request -> do_io_work -> wait_for_backend: nanosleep
 *                                           -> read_small_file:  fopen, fread, fclose
 *                                           -> resolve_name:     getaddrinfo
 *
 * While one request waits, the whole loop waits: no other connection is read, answered or even
 * accepted. However many clients there are, requests are served one at a time. asynclock reports
 * each of these calls and suggests the libuv API that variant 1 (nonblocking.c) uses instead; the
 * comment on each call line is the finding the test suite asserts (docs/testing.md). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "server.h"

static void wait_for_backend(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* expect: sleep nanosleep handler=on_read:on_read>handle_request>do_io_work>wait_for_backend program=async_lock_blocking */
}

static long read_small_file(const char *path)
{
    char data[256];
    size_t n;
    FILE *fp = fopen(path, "r"); /* expect: file-io fopen handler=on_read:on_read>handle_request>do_io_work>read_small_file program=async_lock_blocking */
    if (fp == NULL)
        return -errno;
    n = fread(data, 1, sizeof data, fp); /* expect: file-io fread handler=on_read:on_read>handle_request>do_io_work>read_small_file program=async_lock_blocking */
    fclose(fp); /* not reported: a stream opened for reading has nothing to write back */
    return (long)n;
}

static void resolve_name(const char *name, char *address, size_t cap)
{
    struct addrinfo hints, *res = NULL;
    int rc;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(name, NULL, &hints, &res); /* expect: dns getaddrinfo handler=on_read:on_read>handle_request>do_io_work>resolve_name program=async_lock_blocking */
    if (rc == 0) {
        format_address(res, address, cap);
        freeaddrinfo(res);
    }
}

static void do_io_work(struct work_result *r)
{
    wait_for_backend(config.wait_ms);
    r->waited_ms = config.wait_ms;
    r->file_bytes = read_small_file(config.file_path);
    resolve_name(config.lookup_name, r->address, sizeof r->address);
}

static void handle_request(struct conn *c)
{
    struct work_result r;
    work_result_init(&r);
    do_io_work(&r);
    reply_with_result(c, &r);
}

/* uv_read_cb of every connection: runs on the loop thread. */
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    if (http_read_request(stream->data, nread, buf))
        handle_request(stream->data);
}

const struct variant variant = {"blocking", on_read};
