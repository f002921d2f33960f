/* A GLib program: a timeout source's callback blocks three times, then quits the main loop. */
#include <glib.h>
#include <stdio.h>

static GMainLoop *loop;
static int ticks;

static gboolean on_timeout(gpointer data)
{
    (void)data;
    g_usleep(10000); /* trace: g_usleep calls=3 min_ms=10 observed */
    gchar *text = NULL;
    g_file_get_contents("/etc/hostname", &text, NULL, NULL); /* trace: g_file_get_contents calls=3 observed */
    g_free(text);
    if (++ticks < 3)
        return G_SOURCE_CONTINUE;
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

int main(void)
{
    loop = g_main_loop_new(NULL, FALSE);
    g_timeout_add(2, on_timeout, NULL);
    g_main_loop_run(loop);
    g_main_loop_unref(loop);
    puts("glib_program: done");
    return 0;
}
