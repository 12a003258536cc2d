/* An I/O APIC after the Intel 82093AA data sheet ("82093AA I/O Advanced
 * Programmable Interrupt Controller (IOAPIC)"): 24 interrupt input pins,
 * each with a 64-bit redirection entry, behind an index register
 * (IOREGSEL, offset 0x00) and a data window (IOWIN, offset 0x10) at
 * 0xfec00000, where the guest's MADT puts it (kernel/loader/acpi_build.h).
 * Version 0x11 (no EOI register: the local APICs' EOI broadcast ends a
 * level-triggered interrupt, vioapic_eoi).
 *
 * Pure: the caller asserts and deasserts pins and passes on the EOIs;
 * what is to be delivered comes back as messages (struct ioapic_msg) for
 * the glue to route to the guest's local APICs (vmx/dev/irq.c). No lock
 * here: the caller holds one. Pin levels are logical (asserted or not),
 * as QEMU's ioapic_set_irq takes them: the polarity bit is kept and read
 * back but not applied, since every device model raises its line
 * asserted-high whatever the guest programs.
 *
 * Edge: a rising edge on an unmasked pin is one message; on a masked pin
 * it is lost (82093AA: "If masked, edge-sensitive interrupts are
 * ignored"). Level: an asserted unmasked pin whose remote IRR is clear is
 * a message, and remote IRR is set; the EOI of its vector clears it, and
 * a pin still asserted is delivered again. Unmasking an asserted level
 * pin delivers it. NMI, SMI, INIT and ExtINT, which the data sheet says
 * must be edge-triggered, are treated as edge whatever the trigger bit.
 * Unit-tested in tests/unit/test_ioapic.c, fuzzed by
 * tests/fuzz/fuzz_ioapic.c. */
#ifndef KEEL_VMX_DEV_IOAPIC_H
#define KEEL_VMX_DEV_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define IOAPIC_MMIO_BASE  0xfec00000ull
#define IOAPIC_MMIO_SIZE  0x1000ull
#define IOAPIC_PINS       24

/* MMIO offsets */
#define IOAPIC_IOREGSEL   0x00
#define IOAPIC_IOWIN      0x10

/* Registers behind IOREGSEL */
#define IOAPIC_REG_ID     0x00      /* bits 27:24 the ID */
#define IOAPIC_REG_VER    0x01      /* bits 23:16 max redirection entry, 7:0 version */
#define IOAPIC_REG_ARB    0x02      /* bits 27:24 the arbitration ID */
#define IOAPIC_REG_REDTBL 0x10      /* 0x10 + 2 * pin: low half, + 1: high half */

#define IOAPIC_VERSION    0x11
#define IOAPIC_VER_VALUE  ((uint32_t)(IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION)

/* Redirection entry fields */
#define IOAPIC_RTE_VECTOR       0xffull
#define IOAPIC_RTE_DELMODE(e)   (((e) >> 8) & 7)    /* enum apic_delivery's numbers */
#define IOAPIC_RTE_LOGICAL      (1ull << 11)
#define IOAPIC_RTE_DELIVS       (1ull << 12)        /* delivery status: read-only, always idle here */
#define IOAPIC_RTE_POLARITY_LOW (1ull << 13)
#define IOAPIC_RTE_REMOTE_IRR   (1ull << 14)        /* read-only */
#define IOAPIC_RTE_LEVEL        (1ull << 15)
#define IOAPIC_RTE_MASKED       (1ull << 16)
#define IOAPIC_RTE_DEST_SHIFT   56
/* What a write keeps: vector, delivery mode, destination mode, polarity,
 * trigger mode, mask, destination; the rest is reserved and reads 0. */
#define IOAPIC_RTE_WRITABLE     (0xffull << 56 | (0x1ffffull & ~(IOAPIC_RTE_DELIVS | IOAPIC_RTE_REMOTE_IRR)))

enum ioapic_delivery {
    IOAPIC_DM_FIXED = 0, IOAPIC_DM_LOWEST = 1, IOAPIC_DM_SMI = 2, IOAPIC_DM_NMI = 4,
    IOAPIC_DM_INIT = 5, IOAPIC_DM_EXTINT = 7,
};

/* An interrupt message for the local APICs (the 82093AA's APIC bus
 * message; a message to the front-side bus on later chips). */
struct ioapic_msg {
    uint8_t pin;
    uint8_t vector;
    uint8_t delivery;           /* enum ioapic_delivery (3 bits as written) */
    bool logical;               /* destination mode */
    bool level;                 /* trigger mode: the vector wants an EOI broadcast */
    uint8_t dest;               /* the 8-bit destination field */
};

struct vioapic {
    uint32_t id;                /* bits 27:24 of the ID register */
    uint8_t regsel;             /* IOREGSEL */
    uint32_t lines;             /* the pins' levels: bit n asserted */
    uint64_t redir[IOAPIC_PINS];
};

/* Reset (82093AA "Reset"): every entry masked and otherwise 0, IOREGSEL
 * 0, the ID `id` (bits 3:0). Pin levels are kept: the devices drive them. */
void vioapic_reset(struct vioapic *a, uint8_t id);

/* An MMIO access at `offset` in the page. IOREGSEL takes a byte or wider
 * write (its low byte) and reads back; IOWIN is 32 bits: a narrower read
 * gets its bytes, a narrower write is dropped. Other offsets read 0 and
 * drop writes. A write to a redirection entry can make a pin deliverable
 * (unmasked, level, asserted): returns true with *msg filled. */
uint32_t vioapic_mmio_read(const struct vioapic *a, uint64_t offset, unsigned size);
bool vioapic_mmio_write(struct vioapic *a, uint64_t offset, unsigned size, uint32_t val,
                        struct ioapic_msg *msg);

/* The registers behind IOREGSEL (also for tests): an unimplemented index
 * reads 0 and drops writes. */
uint32_t vioapic_reg_read(const struct vioapic *a, uint8_t index);
bool vioapic_reg_write(struct vioapic *a, uint8_t index, uint32_t val, struct ioapic_msg *msg);

/* Pin `pin` is asserted (`level` true) or deasserted. Returns true with
 * *msg filled when that is an interrupt to deliver. Pins past the last
 * are ignored. */
bool vioapic_set_irq(struct vioapic *a, unsigned pin, bool level, struct ioapic_msg *msg);

/* The EOI broadcast of a level-triggered `vector` (SDM "EOI Register"):
 * every level pin with this vector and remote IRR set has it cleared; one
 * still asserted and unmasked is delivered again (remote IRR set again).
 * Returns how many messages went to out[] (at most IOAPIC_PINS). */
unsigned vioapic_eoi(struct vioapic *a, uint8_t vector, struct ioapic_msg out[IOAPIC_PINS]);

/* Is this entry level-triggered in the sense that matters: a fixed or
 * lowest-priority vector whose EOI must reach the I/O APIC? */
static inline bool vioapic_rte_wants_eoi(uint64_t e)
{
    return (e & IOAPIC_RTE_LEVEL) && IOAPIC_RTE_DELMODE(e) <= IOAPIC_DM_LOWEST;
}

/* The vectors whose EOI the I/O APIC needs (vioapic_rte_wants_eoi of any
 * pin, masked or not): a 256-bit map, for APIC virtualization's EOI-exit
 * bitmap. */
void vioapic_eoi_vectors(const struct vioapic *a, uint64_t map[4]);

/* Pin `pin` is unmasked (and, with `delivery` >= 0, has that delivery
 * mode); any pin unmasked (pin < 0). */
bool vioapic_unmasked(const struct vioapic *a, int pin, int delivery);

#endif
