/* Variant 1, non-blocking: the request's work is started on the loop and continued in callbacks.
 *
 *   on_read -> handle_request: uv_timer_start (the wait)
 *   on_wait_over:   uv_fs_open    (libuv does the open, read and close on its thread pool)
 *   on_file_open:   uv_fs_read
 *   on_file_read:   uv_fs_close
 *   on_file_closed: uv_getaddrinfo (the lookup, on the thread pool too)
 *   on_resolved:    the reply
 *
 * While a request waits, the loop serves every other connection: N connections in flight all wait
 * at the same time. asynclock reports nothing here. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

struct job {
    struct conn *conn;
    uv_timer_t timer;
    uv_fs_t fs;
    uv_getaddrinfo_t resolver;
    uv_file file;
    char data[256];
    struct work_result result;
};

static void on_job_closed(uv_handle_t *handle)
{
    free(handle->data);
}

static void finish(struct job *job)
{
    reply_with_result(job->conn, &job->result);
    uv_close((uv_handle_t *)&job->timer, on_job_closed);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct job *job = req->data;
    if (status == 0)
        format_address(res, job->result.address, sizeof job->result.address);
    uv_freeaddrinfo(res);
    finish(job);
}

static void resolve_name(struct job *job)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    job->resolver.data = job;
    if (uv_getaddrinfo(loop, &job->resolver, on_resolved, config.lookup_name, NULL, &hints) != 0)
        finish(job);
}

static void on_file_closed(uv_fs_t *req)
{
    struct job *job = req->data;
    uv_fs_req_cleanup(req);
    resolve_name(job);
}

static void on_file_read(uv_fs_t *req)
{
    struct job *job = req->data;
    job->result.file_bytes = (long)req->result;
    uv_fs_req_cleanup(req);
    if (uv_fs_close(loop, &job->fs, job->file, on_file_closed) != 0)
        resolve_name(job);
}

static void on_file_open(uv_fs_t *req)
{
    struct job *job = req->data;
    uv_buf_t buf = uv_buf_init(job->data, sizeof job->data);
    int r = (int)req->result;
    uv_fs_req_cleanup(req);
    if (r >= 0) {
        job->file = r;
        r = uv_fs_read(loop, &job->fs, job->file, &buf, 1, 0, on_file_read);
    }
    if (r < 0) {
        job->result.file_bytes = r;
        resolve_name(job);
    }
}

static void on_wait_over(uv_timer_t *timer)
{
    struct job *job = timer->data;
    int r;
    job->result.waited_ms = config.wait_ms;
    job->fs.data = job;
    r = uv_fs_open(loop, &job->fs, config.file_path, O_RDONLY, 0, on_file_open);
    if (r < 0) {
        job->result.file_bytes = r;
        resolve_name(job);
    }
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
    uv_timer_init(loop, &job->timer);
    job->timer.data = job;
    uv_timer_start(&job->timer, on_wait_over, (uint64_t)config.wait_ms, 0);
}

/* uv_read_cb of every connection. */
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    if (http_read_request(stream->data, nread, buf))
        handle_request(stream->data);
}

const struct variant variant = {"nonblocking", on_read};
