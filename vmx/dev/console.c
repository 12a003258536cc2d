/* The guest console: the characters a guest writes (to its UART or by
 * hypercall) become lines on Keel's console, "(NAME) ...", apart from
 * Keel's own lines ("[cpuN] ...", those about the guest included), with
 * anything unprintable shown as '.', so that no guest controls the
 * terminal or writes a line that reads as Keel's. One line buffer per
 * guest, under the guest's lock: its vCPUs may write at once. */
#include "kernel/bench.h"
#include "kernel/console_input.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "vmx/dev/devices.h"

static void flush_locked(struct guest *g)
{
    if (!g->line_len)
        return;
    log_guest(g->cfg.name, g->line, g->line_len);
    g->line_len = 0;
}

void guest_console_flush(struct guest *g)
{
    spin_lock(&g->lock);
    flush_locked(g);
    spin_unlock(&g->lock);
}

/* The guest with the input focus: its bytes as they come, so that its
 * prompt and echo show at once; still none of the control bytes that
 * would reach the terminal but tab and backspace, and, with raw=on
 * (docs/options.md), bell and escape, which full-screen programs need. */
static void putc_focused(struct guest *g, char c)
{
    unsigned char u = (unsigned char)c;
    if ((u < 0x20 || u > 0x7e) && c != '\n' && c != '\r' && c != '\t' && c != '\b' &&
        ((c != 0x07 && c != 0x1b) || !keel_options.raw))
        c = '.';
    if (g->line_len) {         /* a line begun before it had the focus */
        spin_lock(&g->lock);
        flush_locked(g);
        spin_unlock(&g->lock);
    }
    log_raw(&c, 1);
}

void guest_console_putc(struct guest *g, char c)
{
    bench_console_output(g);            /* bench=on: the first byte's time */
    if ((int)g->index == console_focus) {
        putc_focused(g, c);
        return;
    }
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
