/* The "observed only" fixture: a handler blocks through a function pointer that dlsym filled in at
 * run time. The analysis cannot tell what the pointer calls, so it reports nothing here; the trace
 * sees usleep on the loop thread, and check --trace lists it as observed only, with its stack. */
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>
#include <uv.h>

typedef int (*pause_fn)(useconds_t);
static pause_fn pause_for;
static int ticks;

static void on_tick(uv_timer_t *t)
{
    pause_for(5000); /* trace: usleep calls=2 observed-only */
    if (++ticks == 2)
        uv_timer_stop(t);
}

int main(void)
{
    pause_for = (pause_fn)dlsym(RTLD_DEFAULT, "usleep");
    if (!pause_for)
        return 1;
    uv_timer_t timer;
    uv_timer_init(uv_default_loop(), &timer);
    uv_timer_start(&timer, on_tick, 1, 2);
    uv_run(uv_default_loop(), UV_RUN_DEFAULT);
    puts("dlsym_handler: done");
    return 0;
}
