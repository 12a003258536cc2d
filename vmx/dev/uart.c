/* COM1 (0x3f8-0x3ff): the 16550A of vmx/dev/uart.h, whose transmitter is
 * the guest console. Each access is to the register at its port: a wider
 * one reaches that register with its low byte. make bench measures the
 * LSR read and the scratch write: they take the shortcuts, and every
 * other path leaves by a tail call, so none needs a stack frame. */
#include "vmx/dev/devices.h"

static __attribute__((noinline)) int read_reg(struct vuart *u, unsigned reg, uint32_t *val)
{
    *val = vuart_read(u, reg);
    return EXIT_NEXT_INSTRUCTION;
}

static __attribute__((noinline)) int write_reg(struct guest *g, unsigned reg, uint8_t b)
{
    int c = vuart_write(&g->pc.com1, reg, b);
    if (c >= 0)
        guest_console_putc(g, (char)c);
    return EXIT_NEXT_INSTRUCTION;
}

int vuart_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    (void)size;
    struct vuart *u = &v->guest->pc.com1;
    if (in) {
        if (port != VUART_COM1 + UART_LSR)
            return read_reg(u, (unsigned)(port - VUART_COM1), val);
        *val = vuart_read_lsr(u);
        return EXIT_NEXT_INSTRUCTION;
    }
    if (port != VUART_COM1 + UART_SCR)
        return write_reg(v->guest, (unsigned)(port - VUART_COM1), (uint8_t)*val);
    vuart_write_scr(u, (uint8_t)*val);
    return EXIT_NEXT_INSTRUCTION;
}
