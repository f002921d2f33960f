/* Blocks twice on the loop thread, then crashes: what it observed is in the trace all the same. */
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

static int ticks;

static void on_tick(uv_timer_t *t)
{
    (void)t;
    usleep(1000); /* trace: usleep calls=2 observed */
    if (++ticks == 2)
        abort();
}

int main(void)
{
    uv_timer_t timer;
    uv_timer_init(uv_default_loop(), &timer);
    uv_timer_start(&timer, on_tick, 1, 1);
    uv_run(uv_default_loop(), UV_RUN_DEFAULT);
    return 0;
}
