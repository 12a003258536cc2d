/* The two 8259A PICs (master at 0x20/0x21, slave at 0xa0/0xa1), after
 * QEMU's hw/intc/i8259.c: the initialisation sequence (ICW1-ICW4), the
 * mask register (OCW1), OCW2's EOI and rotation commands, OCW3's register
 * select, special mask mode and poll; interrupt requests on IRQ 0-15,
 * edge-triggered (the ELCR is not modelled: every ISA line is edge, as a
 * BIOS leaves it), priorities with rotation, the slave cascaded on the
 * master's IRQ 2, special fully nested mode, and the acknowledge cycle
 * (vpic_intack) that gives the vector. The master's INTR output
 * (vpic_output) reaches a vCPU as an ExtINT only in the "virtual wire"
 * modes (vmx/dev/irq.c says when); kernels that use the local APIC
 * program the pair anyway, to remap and mask it. Pure; unit-tested in
 * tests/unit/test_pic.c. */
#ifndef KEEL_VMX_DEV_PIC_H
#define KEEL_VMX_DEV_PIC_H

#include <stdbool.h>
#include <stdint.h>

struct vpic_chip {
    uint8_t imr, irr, isr;
    uint8_t last_irr;           /* the lines' levels, for edge detection */
    uint8_t vector_base;        /* ICW2: the vector of IRQ 0 of this chip */
    uint8_t init_state;         /* 0 ready, 1-3: ICW2-ICW4 expected next */
    bool icw4_needed, single, auto_eoi, special_fully_nested;
    bool read_isr;              /* OCW3: a read of the command port gives ISR */
    bool poll, special_mask, rotate_on_auto_eoi;
    uint8_t priority_add;       /* lowest-priority rotation (OCW2) */
};

struct vpic {
    struct vpic_chip chip[2];   /* master, slave */
};

/* As a BIOS leaves them: vectors 0x08 and 0x70, every line masked but the
 * cascade (IRQ 2). */
void vpic_reset(struct vpic *p);

/* `chip` 0 master, 1 slave; `reg` 0 command port, 1 data port. A read
 * of the command port in poll mode acknowledges the interrupt it names. */
uint8_t vpic_read(struct vpic *p, unsigned chip, unsigned reg);
void vpic_write(struct vpic *p, unsigned chip, unsigned reg, uint8_t val);

/* ISA line `irq` (0-15; others ignored) at `level`: a rising edge sets
 * its request bit, which stays until acknowledged. */
void vpic_set_irq(struct vpic *p, unsigned irq, bool level);

/* The master's INTR output: an unmasked request above what is in service
 * (8259A data sheet, "Priority Resolver"). */
bool vpic_output(const struct vpic *p);

/* The interrupt acknowledge cycle: the vector of the highest request,
 * now in service (unless auto-EOI), through the slave for IRQ 2; with no
 * request left, the spurious IRQ 7 of the chip asked. */
uint8_t vpic_intack(struct vpic *p);

#endif
