/* A loop of the program's own, which no rule pack knows: the program marks its thread with
 * ASYNCLOCK_TRACE_LOOP (asynclock.h) while it dispatches, and its handler with ASYNCLOCK_HANDLER.
 * The loop's own wait (poll) is outside the mark; blocking calls after the mark is taken off, and
 * on a thread that never had it, are not recorded. Runs the same without the shim (the mark is then
 * a no-op). */
#include <asynclock.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static ASYNCLOCK_HANDLER void handle_event(int i)
{
    (void)i;
    usleep(3000); /* trace: usleep calls=3 min_ms=3 observed */
}

static void *bystander(void *arg)
{
    (void)arg;
    usleep(2000); /* not a loop thread */
    return NULL;
}

int main(void)
{
    pthread_t thread;
    pthread_create(&thread, NULL, bystander, NULL);
    for (int i = 0; i < 3; i++) {
        poll(NULL, 0, 1);        /* the loop's own wait, outside the mark: not recorded */
        ASYNCLOCK_TRACE_LOOP(1); /* the dispatch: handlers run on a loop thread */
        handle_event(i);
        ASYNCLOCK_TRACE_LOOP(0);
    }
    handle_event(3); /* the mark is off */
    pthread_join(thread, NULL);
    puts("marked_loop: done");
    return 0;
}
