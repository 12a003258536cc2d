/* The guest console: the characters a guest writes (to its UART or by
 * hypercall) become lines on Keel's console, "guest NAME: ...", with
 * anything unprintable shown as '.', so that no guest controls the
 * terminal. One line buffer per guest, under the guest's lock: its vCPUs
 * may write at once. */
#include "kernel/log.h"
#include "vmx/dev/devices.h"

static void flush_locked(struct guest *g)
{
    if (!g->line_len)
        return;
    log_info("guest %s: %.*s", g->cfg.name, (int)g->line_len, g->line);
    g->line_len = 0;
}

void guest_console_flush(struct guest *g)
{
    spin_lock(&g->lock);
    flush_locked(g);
    spin_unlock(&g->lock);
}

void guest_console_putc(struct guest *g, char c)
{
    spin_lock(&g->lock);
    if (c == '\n') {
        flush_locked(g);
    } else if (c != '\r') {
        if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e)
            c = '.';            /* no terminal control from guests */
        g->line[g->line_len++] = c;
        if (g->line_len == sizeof(g->line))
            flush_locked(g);
    }
    spin_unlock(&g->lock);
}
