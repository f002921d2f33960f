/* Variant 2, offloaded: the request's work makes the same blocking calls as variant 3, but in
 * uv_queue_work's work callback, on one of libuv's pool threads; the reply is written in the
 * after-work callback, back on the loop thread.
 *
 *   on_read -> handle_request: uv_queue_work
 *   do_io_work (pool thread): nanosleep, fopen/fread/fclose, getaddrinfo
 *   after_io_work (loop thread): the reply
 *
 * The loop stays free, but the pool has 4 threads (UV_THREADPOOL_SIZE changes it): at most 4
 * requests do their work at a time, the others queue. asynclock reports nothing here: blocking
 * in a uv_work_cb is what the pool is for. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

struct job {
    uv_work_t work;
    struct conn *conn;
    struct work_result result;
};

static void wait_for_backend(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static long read_small_file(const char *path)
{
    char data[256];
    size_t n;
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return -errno;
    n = fread(data, 1, sizeof data, fp);
    fclose(fp);
    return (long)n;
}

static void resolve_name(const char *name, char *address, size_t cap)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(name, NULL, &hints, &res) == 0) {
        format_address(res, address, cap);
        freeaddrinfo(res);
    }
}

/* uv_work_cb: runs on a pool thread, where blocking is allowed. */
static void do_io_work(uv_work_t *req)
{
    struct job *job = req->data;
    wait_for_backend(config.wait_ms);
    job->result.waited_ms = config.wait_ms;
    job->result.file_bytes = read_small_file(config.file_path);
    resolve_name(config.lookup_name, job->result.address, sizeof job->result.address);
}

/* uv_after_work_cb: back on the loop thread. */
static void after_io_work(uv_work_t *req, int status)
{
    struct job *job = req->data;
    if (status == 0)
        reply_with_result(job->conn, &job->result);
    else
        http_reply(job->conn, 500, "work cancelled\n");
    free(job);
}

static void handle_request(struct conn *c)
{
    struct job *job = calloc(1, sizeof *job);
    if (job == NULL) {
        http_reply(c, 500, "out of memory\n");
        return;
    }
    job->conn = c;
    work_result_init(&job->result);
    job->work.data = job;
    if (uv_queue_work(loop, &job->work, do_io_work, after_io_work) != 0) {
        http_reply(c, 500, "cannot queue work\n");
        free(job);
    }
}

/* uv_read_cb of every connection. */
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    if (http_read_request(stream->data, nread, buf))
        handle_request(stream->data);
}

const struct variant variant = {"offload", on_read};
