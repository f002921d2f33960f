/* asynclock.h: source annotations for asynclock, the analyzer that finds blocking calls reachable
 * from event-loop handlers.
 *
 * The rule packs already know the callbacks of the supported loops (uv_read_cb, uv_timer_cb, ...)
 * and the usual blocking APIs. These macros tell asynclock what it cannot find out by itself:
 *
 *   ASYNCLOCK_HANDLER      the function runs on the loop thread (for example a callback of your
 *                          own dispatcher, called through a function pointer), so it is analyzed
 *                          as a handler even though no rule registers it;
 *   ASYNCLOCK_BLOCKING     the function blocks (it waits for a reply, polls a device, ...): every
 *                          call to it reachable from a handler is reported, with category
 *                          `custom`, and its body is not analyzed;
 *   ASYNCLOCK_NONBLOCKING  the function is known not to block on the loop thread even though its
 *                          body calls blocking APIs (it checks it runs on a worker, its delay is
 *                          always 0 there, ...): asynclock does not look inside it.
 *
 * Put the macro before the function's return type, on its declaration (usually in a header, so
 * every caller sees it) or on its definition:
 *
 *   #include "asynclock.h"
 *
 *   ASYNCLOCK_BLOCKING int wait_for_reply(int fd, char *buf, size_t cap);
 *   static ASYNCLOCK_HANDLER void on_user_event(void *arg) { ... }
 *
 * The macros only do something when the code is parsed by clang (which is what asynclock uses);
 * with any other compiler they expand to nothing, so the annotations cost nothing in a build.
 * Add this header's folder to the include path (for CMake: target_include_directories). */
#ifndef ASYNCLOCK_H
#define ASYNCLOCK_H

#if defined(__clang__)
#define ASYNCLOCK_HANDLER __attribute__((annotate("asynclock:handler")))
#define ASYNCLOCK_BLOCKING __attribute__((annotate("asynclock:blocking")))
#define ASYNCLOCK_NONBLOCKING __attribute__((annotate("asynclock:nonblocking")))
#else
#define ASYNCLOCK_HANDLER
#define ASYNCLOCK_BLOCKING
#define ASYNCLOCK_NONBLOCKING
#endif

/* ASYNCLOCK_TRACE_LOOP(1) tells `asynclock trace` (docs/trace.md) that the calling thread runs an
 * event loop's handlers from here on, ASYNCLOCK_TRACE_LOOP(0) that it no longer does: for a loop of
 * your own that no rule pack knows (threads in uv_run, event_base_dispatch, ev_run,
 * g_main_loop_run, ... are found without it). Blocking calls a marked thread makes are timed like
 * those of any loop thread, so mark the dispatch, not the loop's own wait (its epoll_wait or poll
 * blocks too). Without the trace shim it does nothing: the function is a weak reference the shim
 * defines. */
#if defined(__GNUC__) || defined(__clang__)
#ifdef __cplusplus
extern "C" {
#endif
extern void asynclock_trace_loop(int on) __attribute__((weak));
#ifdef __cplusplus
}
#endif
#define ASYNCLOCK_TRACE_LOOP(on) (asynclock_trace_loop ? asynclock_trace_loop(on) : (void)0)
#else
#define ASYNCLOCK_TRACE_LOOP(on) ((void)0)
#endif

#endif /* ASYNCLOCK_H */
