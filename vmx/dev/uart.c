/* A 16550 UART at COM1, just enough for output: the transmitter is
 * always ready (LSR THRE and TEMT), what is written to THR goes to the
 * guest console, other registers read 0 and ignore writes. */
#include "vmx/dev/devices.h"

#define UART_THR 0
#define UART_LSR 5
#define LSR_THRE_TEMT 0x60

int vuart_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    (void)size;
    if (in)
        *val = port == VUART_COM1 + UART_LSR ? LSR_THRE_TEMT : 0;
    else if (port == VUART_COM1 + UART_THR)
        guest_console_putc(v->guest, (char)*val);
    return EXIT_NEXT_INSTRUCTION;
}
