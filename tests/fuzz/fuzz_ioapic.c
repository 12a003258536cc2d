// fuzz: vmx/dev/ioapic.c
/* libFuzzer harness for the I/O APIC model. The input is a program of
 * operations: MMIO reads and writes at any offset and size (IOREGSEL,
 * IOWIN, elsewhere), register writes through the window, pins asserted
 * and deasserted, EOI broadcasts, resets. After each, the chip's
 * invariants are checked, and every message it returns against the
 * entry it came from:
 *   - reserved bits of every entry read 0; remote IRR only on a level
 *     fixed/lowest-priority entry;
 *   - no level pin is left asserted, unmasked and without remote IRR (it
 *     would have been delivered);
 *   - a message comes from an unmasked pin, with that entry's fields; an
 *     edge message only on a rising edge; a level message leaves remote
 *     IRR set, and was not sent while remote IRR was set before.
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -DKEEL_HOST_TEST \
 *       tests/fuzz/fuzz_ioapic.c vmx/dev/ioapic.c -o fi && ./fi -max_total_time=60 */
#include <stdint.h>
#include <string.h>

#include "vmx/dev/ioapic.h"

#define FUZZ_NAME "ioapic"
#include "fuzz.h"

static struct vioapic a;

static void check_chip(void)
{
    ASSERT(a.id <= 0xf);
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
        uint64_t e = a.redir[pin];
        ASSERT(!(e & ~(IOAPIC_RTE_WRITABLE | IOAPIC_RTE_REMOTE_IRR)));
        if (e & IOAPIC_RTE_REMOTE_IRR)
            ASSERT(vioapic_rte_wants_eoi(e));
        if (vioapic_rte_wants_eoi(e) && !(e & IOAPIC_RTE_MASKED) && (a.lines >> pin & 1))
            ASSERT(e & IOAPIC_RTE_REMOTE_IRR);
    }
    /* the registers read back what the state holds */
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
        uint64_t e = a.redir[pin];
        ASSERT(vioapic_reg_read(&a, (uint8_t)(IOAPIC_REG_REDTBL + 2 * pin)) == (uint32_t)e);
        ASSERT(vioapic_reg_read(&a, (uint8_t)(IOAPIC_REG_REDTBL + 2 * pin + 1)) == e >> 32);
    }
    ASSERT(vioapic_reg_read(&a, IOAPIC_REG_VER) == IOAPIC_VER_VALUE);
}

/* A message against the pin's entry before (`before`) and now. */
static void check_msg(const struct ioapic_msg *m, uint64_t before, bool line_before)
{
    ASSERT(m->pin < IOAPIC_PINS);
    uint64_t e = a.redir[m->pin];
    ASSERT(!(e & IOAPIC_RTE_MASKED));
    ASSERT(a.lines >> m->pin & 1);
    ASSERT(m->vector == (e & 0xff));
    ASSERT(m->delivery == IOAPIC_RTE_DELMODE(e));
    ASSERT(m->logical == !!(e & IOAPIC_RTE_LOGICAL));
    ASSERT(m->dest == e >> 56);
    ASSERT(m->level == vioapic_rte_wants_eoi(e));
    if (m->level) {
        ASSERT(e & IOAPIC_RTE_REMOTE_IRR);
        ASSERT(!(before & IOAPIC_RTE_REMOTE_IRR) || !vioapic_rte_wants_eoi(before));
    } else {
        ASSERT(!line_before);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = { data, size };
    memset(&a, 0, sizeof(a));
    vioapic_reset(&a, (uint8_t)take(&in, 1));
    check_chip();
    while (in.n) {
        unsigned op = (unsigned)take(&in, 1);
        struct ioapic_msg m, out[IOAPIC_PINS];
        uint64_t before[IOAPIC_PINS];
        uint32_t lines = a.lines;
        memcpy(before, a.redir, sizeof(before));
        switch (op % 8) {
        case 0: {               /* MMIO read anywhere */
            uint64_t off = take(&in, 2) & 0xfff;
            (void)vioapic_mmio_read(&a, off, 1u << (take(&in, 1) & 3));
            break;
        }
        case 1: {               /* MMIO write anywhere */
            uint64_t off = take(&in, 2) & 0xfff;
            unsigned sz = 1u << (take(&in, 1) & 3);
            uint32_t val = (uint32_t)take(&in, 4);
            uint8_t sel = a.regsel;
            if (vioapic_mmio_write(&a, off, sz, val, &m)) {
                ASSERT(off == IOAPIC_IOWIN && sz == 4);
                ASSERT(m.pin == (sel - IOAPIC_REG_REDTBL) / 2);
                check_msg(&m, before[m.pin], true);
            }
            break;
        }
        case 2:                 /* a redirection entry, as an OS writes it */
        case 3: {
            uint8_t index = (uint8_t)(IOAPIC_REG_REDTBL + take(&in, 1) % (2 * IOAPIC_PINS));
            uint32_t val = (uint32_t)take(&in, 4);
            vioapic_mmio_write(&a, IOAPIC_IOREGSEL, 4, index, &m);
            if (vioapic_mmio_write(&a, IOAPIC_IOWIN, 4, val, &m)) {
                ASSERT(!(index & 1));
                check_msg(&m, before[m.pin], true);
            }
            ASSERT(vioapic_mmio_read(&a, IOAPIC_IOWIN, 4) ==
                   (index & 1 ? (uint32_t)(((uint64_t)val << 32 & IOAPIC_RTE_WRITABLE) >> 32)
                              : (val & (uint32_t)IOAPIC_RTE_WRITABLE) |
                                    (uint32_t)(a.redir[(index - IOAPIC_REG_REDTBL) / 2] &
                                               IOAPIC_RTE_REMOTE_IRR)));
            break;
        }
        case 4:                 /* a pin changes */
        case 5: {
            unsigned b = (unsigned)take(&in, 1);
            unsigned pin = (b & 0x7f) % 26;     /* a few past the last */
            bool level = b >> 7;
            if (vioapic_set_irq(&a, pin, level, &m)) {
                ASSERT(m.pin == pin && level);
                check_msg(&m, before[pin], lines >> pin & 1);
            }
            if (pin >= IOAPIC_PINS)
                ASSERT(a.lines == lines);
            break;
        }
        case 6: {               /* an EOI broadcast */
            uint8_t vector = (uint8_t)take(&in, 1);
            unsigned n = vioapic_eoi(&a, vector, out);
            ASSERT(n <= IOAPIC_PINS);
            for (unsigned i = 0; i < n; i++) {
                ASSERT(out[i].vector == vector);
                ASSERT(before[out[i].pin] & IOAPIC_RTE_REMOTE_IRR);
                ASSERT(a.redir[out[i].pin] & IOAPIC_RTE_REMOTE_IRR);
                ASSERT(out[i].level);
            }
            for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
                if ((before[pin] & 0xff) == vector && !(a.redir[pin] & IOAPIC_RTE_REMOTE_IRR))
                    ASSERT(before[pin] == a.redir[pin] ||
                           (before[pin] & ~IOAPIC_RTE_REMOTE_IRR) == a.redir[pin]);
            break;
        }
        default:                /* reset */
            vioapic_reset(&a, (uint8_t)take(&in, 1));
            ASSERT(a.lines == lines);
            break;
        }
        check_chip();
    }
    return 0;
}
