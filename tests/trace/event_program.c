/* A libevent program: a persistent timer event's callback blocks three times, then breaks the loop.
 * Its write to a pipe is a conditional call (it blocks only when the pipe is full): traced with
 * `asynclock trace --conditional` only (the trace tagged "cond"), and a finding of `check
 * --conditional`. */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static struct event_base *base;
static int ticks;
static int pipe_fds[2];

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    usleep(10000); /* trace[main,cond]: usleep calls=3 min_ms=10 observed */
    struct stat st;
    stat("/etc/hostname", &st);          /* trace[main,cond]: stat calls=3 observed */
    if (write(pipe_fds[1], "x", 1) != 1) /* trace[cond]: write calls=3 observed */
        exit(3);
    if (++ticks == 3)
        event_base_loopbreak(base);
}

int main(void)
{
    if (pipe(pipe_fds) != 0)
        return 2;
    base = event_base_new();
    struct event *ev = event_new(base, -1, EV_PERSIST, on_timer, NULL);
    struct timeval every = {0, 2000};
    event_add(ev, &every);
    event_base_dispatch(base);
    event_free(ev);
    event_base_free(base);
    puts("event_program: done");
    return 0;
}
