/* Signals, errno and threads under the shim: a signal handler that itself calls an intercepted
 * function interrupts a timed nanosleep, which must return -1 with errno EINTR; a worker thread
 * holds a mutex the loop thread then waits for (timed: the worker's own calls are not); the
 * signal mask and the dispositions the program did not set are as they were. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

static volatile sig_atomic_t alarms;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int worker_holds;

static void on_alarm(int signo)
{
    (void)signo;
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL); /* in the handler, inside the timed call: part of it */
    alarms++;
}

static void *worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    __atomic_store_n(&worker_holds, 1, __ATOMIC_RELEASE);
    usleep(30000); /* not a loop thread */
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void fail(const char *what)
{
    fprintf(stderr, "signals_program: %s\n", what);
    exit(5);
}

static void on_tick(uv_timer_t *t)
{
    uv_timer_stop(t);
    sigset_t before, after;
    sigprocmask(SIG_BLOCK, NULL, &before);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    struct timespec ts = {0, 300000000}, rest;
    errno = 0;
    int rc = nanosleep(&ts, &rest); /* trace: nanosleep calls=1 min_ms=15 observed */
    if (rc != -1 || errno != EINTR || alarms != 1)
        fail("nanosleep was not interrupted as it should have been");

    pthread_t thread;
    pthread_create(&thread, NULL, worker, NULL);
    while (!__atomic_load_n(&worker_holds, __ATOMIC_ACQUIRE))
        sched_yield();
    pthread_mutex_lock(&lock); /* trace: pthread_mutex_lock calls=1 min_ms=10 observed */
    pthread_mutex_unlock(&lock);
    pthread_join(thread, NULL); /* trace: pthread_join calls=1 observed */

    sigprocmask(SIG_BLOCK, NULL, &after);
    for (int s = 1; s < 32; s++)
        if (sigismember(&before, s) != sigismember(&after, s))
            fail("the signal mask changed");
    struct sigaction term;
    sigaction(SIGTERM, NULL, &term);
    if (term.sa_handler != SIG_DFL)
        fail("SIGTERM's disposition changed");
}

int main(void)
{
    uv_timer_t timer;
    uv_timer_init(uv_default_loop(), &timer);
    uv_timer_start(&timer, on_tick, 1, 0);
    uv_run(uv_default_loop(), UV_RUN_DEFAULT);
    puts("signals_program: done");
    return 0;
}
