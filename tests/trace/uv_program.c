/* A libuv program: a timer callback (a handler) makes blocking calls three times. Calls made
 * before and after uv_run, on libuv's thread pool, and those the rules' argument conditions clear
 * (waitpid with WNOHANG, fflush(stderr), fclose of a stream opened for reading, /proc's files, a
 * memory stream) are not recorded: the shim checks the conditions at run time as the analysis
 * does. uv_fs_open with a callback and uv_fs_close without one are recorded "unchecked": the shim
 * cannot see their last argument; the analysis can (a finding for uv_fs_close, none for
 * uv_fs_open). errno is as the real call left it. gcc writes the fputs of a literal as fwrite;
 * after_work's access() is its last act (a tail call). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

static uv_loop_t *loop;
static uv_timer_t timer;
static uv_work_t work;
static uv_fs_t open_req, close_req;
#define HOSTNAME "/etc/hostname"
static FILE *log_file;
static int ticks;

static void pause_ms(int ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL); /* trace: nanosleep calls=3 min_ms=20 observed */
}

static void on_work(uv_work_t *req)
{
    (void)req;
    pause_ms(5); /* on a pool thread: not a loop thread */
}

static void after_work(uv_work_t *req, int status)
{
    (void)req;
    (void)status;
    access("/etc/hostname", R_OK); /* trace: access calls=1 tail-call observed -- the last act */
}

static void on_opened(uv_fs_t *req)
{
    uv_file fd = (uv_file)req->result;
    uv_fs_req_cleanup(req);
    if (fd >= 0)
        uv_fs_close(loop, &close_req, fd, NULL); /* trace: uv_fs_close calls=1 unchecked observed */
    uv_fs_req_cleanup(&close_req);
}

static void on_tick(uv_timer_t *t)
{
    pause_ms(20);
    FILE *f = fopen("/etc/hostname", "r"); /* trace: fopen calls=3 observed */
    if (f)
        fclose(f);                              /* opened for reading: nothing to write back */
    FILE *proc = fopen("/proc/self/stat", "r"); /* the kernel's: no disk */
    if (proc) {
        if (fgetc(proc) == EOF)
            exit(4);
        fclose(proc);
    }
    char text[] = "tick";
    FILE *memory = fmemopen(text, sizeof(text), "r"); /* a memory stream: no descriptor at all */
    if (memory) {
        if (fgetc(memory) != 't')
            exit(4);
        fclose(memory);
    }
    errno = 0;
    int fd = open("/nonexistent/asynclock-trace", O_RDONLY); /* trace: open calls=3 observed */
    if (fd != -1 || errno != ENOENT) {
        fprintf(stderr, "uv_program: open returned %d, errno %d: the shim changed them\n", fd, errno);
        exit(3);
    }
    fflush(stderr);
    fputs("tick\n", log_file); /* trace: fwrite calls=3 observed -- gcc writes this fputs as fwrite */
    fflush(log_file);          /* trace: fflush calls=3 observed */
    waitpid(-1, NULL, WNOHANG);
    if (++ticks < 3)
        return;
    uv_timer_stop(t);
    uv_fs_open(loop, &open_req, HOSTNAME, O_RDONLY, 0, on_opened); /* trace: uv_fs_open calls=1 unchecked dropped */
    uv_queue_work(loop, &work, on_work, after_work);
}

int main(void)
{
    pause_ms(1);                             /* not yet a loop thread */
    log_file = fopen("uv_program.log", "w"); /* a regular file: writing to it waits for the disk */
    if (!log_file)
        return 5;
    loop = uv_default_loop();
    uv_timer_init(loop, &timer);
    uv_timer_start(&timer, on_tick, 1, 2);
    uv_run(loop, UV_RUN_DEFAULT);
    pause_ms(1); /* no longer a loop thread */
    fclose(log_file);
    uv_loop_close(loop);
    puts("uv_program: done");
    return 0;
}
