/* fork from a handler: the child runs a loop of its own and its trace goes to its own file; the
 * parent's trace has its fork and waitpid, not the child's calls. The analysis does not search the
 * child's branch of a fork (docs/rules.md, "noreturn and fork"), so the loop the child runs there
 * is news to it: its handler's sleep is observed only. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

static int child_ticks;

static void child_tick(uv_timer_t *t)
{
    usleep(2000); /* trace[child]: usleep calls=2 observed-only -- the analysis searches no fork child */
    if (++child_ticks == 2)
        uv_timer_stop(t);
}

static void on_tick(uv_timer_t *t)
{
    uv_timer_stop(t);
    pid_t pid = fork(); /* trace: fork calls=1 observed */
    if (pid == 0) {
        uv_loop_t child;
        uv_timer_t timer;
        uv_loop_init(&child);
        uv_timer_init(&child, &timer);
        uv_timer_start(&timer, child_tick, 1, 1);
        uv_run(&child, UV_RUN_DEFAULT);
        _exit(0);
    }
    int status = 1;
    waitpid(pid, &status, 0); /* trace: waitpid calls=1 observed */
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        exit(4);
}

int main(void)
{
    uv_timer_t timer;
    uv_timer_init(uv_default_loop(), &timer);
    uv_timer_start(&timer, on_tick, 1, 0);
    uv_run(uv_default_loop(), UV_RUN_DEFAULT);
    puts("fork_program: done");
    return 0;
}
