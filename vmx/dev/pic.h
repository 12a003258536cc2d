/* The two 8259A PICs (master at 0x20/0x21, slave at 0xa0/0xa1), after
 * QEMU's hw/intc/i8259.c: the initialisation sequence (ICW1-ICW4), the
 * mask register (OCW1) read back, OCW2 commands and OCW3's register
 * select, special mask and poll are accepted. Nothing is delivered
 * through them: no device of Keel's raises an ISA IRQ yet, so IRR and ISR
 * read 0 and a poll finds no interrupt. Kernels program them anyway, to
 * remap and mask them before they use the local APIC. Pure; unit-tested
 * in tests/unit/test_pic.c. */
#ifndef KEEL_VMX_DEV_PIC_H
#define KEEL_VMX_DEV_PIC_H

#include <stdbool.h>
#include <stdint.h>

struct vpic_chip {
    uint8_t imr, irr, isr;
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

/* `chip` 0 master, 1 slave; `reg` 0 command port, 1 data port. */
uint8_t vpic_read(struct vpic *p, unsigned chip, unsigned reg);
void vpic_write(struct vpic *p, unsigned chip, unsigned reg, uint8_t val);

#endif
