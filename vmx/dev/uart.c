/* COM1 (0x3f8-0x3ff, IRQ 4): the 16550A of vmx/dev/uart.h, whose
 * transmitter is the guest console. Each access is to the register at its
 * port: a wider one reaches that register with its low byte. make bench
 * measures the LSR read and the scratch write: they take the shortcuts
 * (neither moves the interrupt line, so neither takes the lock), and
 * every other path leaves by a tail call, so none needs a stack frame.
 * Those others run under the guest's interrupt lock (vmx/dev/irq.h) and
 * set IRQ 4 from the chip's INTR pin afterwards. */
#include "vmx/dev/devices.h"
#include "vmx/dev/irq.h"

/* IRQ 4 as the chip now drives it (lock held). A byte sent drops THR
 * empty and raises it again when the byte is out, which is at once: the
 * line falls and rises, an edge for an edge-triggered pin. */
static void update_irq(struct guest *g, struct vcpu *self, bool sent)
{
    bool level = vuart_irq(&g->pc.com1), now = g->irq.lines >> IRQ_COM1 & 1;
    if (sent && level && now) {
        irq_set_locked(g, self, IRQ_COM1, false);
        now = false;
    }
    if (level != now)
        irq_set_locked(g, self, IRQ_COM1, level);
}

static __attribute__((noinline)) int read_reg(struct vcpu *v, unsigned reg, uint32_t *val)
{
    struct guest *g = v->guest;
    spin_lock(&g->irq.lock);
    *val = vuart_read(&g->pc.com1, reg);
    update_irq(g, v, false);
    spin_unlock(&g->irq.lock);
    return EXIT_NEXT_INSTRUCTION;
}

static __attribute__((noinline)) int write_reg(struct vcpu *v, unsigned reg, uint8_t b)
{
    struct guest *g = v->guest;
    spin_lock(&g->irq.lock);
    int c = vuart_write(&g->pc.com1, reg, b);
    update_irq(g, v, reg == UART_RBR_THR_DLL && !(g->pc.com1.lcr & UART_LCR_DLAB));
    spin_unlock(&g->irq.lock);
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
            return read_reg(v, (unsigned)(port - VUART_COM1), val);
        *val = vuart_read_lsr(u);
        return EXIT_NEXT_INSTRUCTION;
    }
    if (port != VUART_COM1 + UART_SCR)
        return write_reg(v, (unsigned)(port - VUART_COM1), (uint8_t)*val);
    vuart_write_scr(u, (uint8_t)*val);
    return EXIT_NEXT_INSTRUCTION;
}

bool vuart_input(struct guest *g, uint8_t byte)
{
    spin_lock(&g->irq.lock);
    bool taken = vuart_receive(&g->pc.com1, byte);
    if (taken)
        update_irq(g, NULL, false);
    spin_unlock(&g->irq.lock);
    return taken;
}
