/* Runs until a signal ends it, blocking 1 ms every 10 ms: for the periodic traces and SIGTERM. */
#include <unistd.h>
#include <uv.h>

static void on_tick(uv_timer_t *t)
{
    (void)t;
    usleep(1000); /* trace: usleep tail-call observed -- the last act: gcc jumps to usleep */
}

int main(void)
{
    uv_timer_t timer;
    uv_timer_init(uv_default_loop(), &timer);
    uv_timer_start(&timer, on_tick, 1, 10);
    uv_run(uv_default_loop(), UV_RUN_DEFAULT);
    return 0;
}
