#include "kernel/log.h"
#include "vmx/devices.h"

#define COM1 0x3f8
#define UART_LSR 5
#define LSR_THRE_TEMT 0x60      /* always ready: output goes out at once */

void guest_console_flush(struct guest *g)
{
    if (!g->line_len)
        return;
    log_info("guest %s: %.*s", g->cfg.name, (int)g->line_len, g->line);
    g->line_len = 0;
}

void guest_console_putc(struct guest *g, char c)
{
    if (c == '\n') {
        guest_console_flush(g);
        return;
    }
    if (c == '\r')
        return;
    if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e)
        c = '.';                /* no terminal control from guests */
    g->line[g->line_len++] = c;
    if (g->line_len == sizeof(g->line))
        guest_console_flush(g);
}

bool vuart_io(struct guest *g, uint16_t port, bool in, uint32_t *val)
{
    if (port < COM1 || port > COM1 + 7)
        return false;
    if (in)
        *val = port == COM1 + UART_LSR ? LSR_THRE_TEMT : 0;
    else if (port == COM1)
        guest_console_putc(g, (char)*val);
    return true;                /* other registers: accepted, no effect */
}
