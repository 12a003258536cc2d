// fuzz: vmx/dev/vlapic.c
/* libFuzzer harness for the virtual local APIC. The input is a program:
 * a few bytes of reset parameters, then operations (MMIO and MSR accesses,
 * IA32_APIC_BASE writes, interrupts accepted and taken, time passing and
 * the timer firing, IA32_TSC_DEADLINE), each followed by a check of the
 * APIC's invariants. The page is its own 4 KiB heap block, so ASan sees
 * any access outside it.
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -DKEEL_HOST_TEST \
 *       tests/fuzz/fuzz_vlapic.c vmx/dev/vlapic.c -o fv && ./fv -max_total_time=60 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmx/dev/vlapic.h"

#define FUZZ_NAME "vlapic"
#include "fuzz.h"

static const uint32_t lvts[] = { APIC_LVT_CMCI, APIC_LVT_TIMER, APIC_LVT_THERMAL, APIC_LVT_PMC,
                                 APIC_LVT_LINT0, APIC_LVT_LINT1, APIC_LVT_ERROR };

static struct vlapic l;
static uint64_t now, bsp_bit;

static int highest(uint32_t base)
{
    for (int i = 7; i >= 0; i--)
        for (int b = 31; b >= 0; b--)
            if ((l.page[(base + i * 16) / 4] >> b) & 1)
                return i * 32 + b;
    return -1;
}

static void check(void)
{
    uint32_t *pg = l.page;
    uint32_t ppr = vlapic_ppr(&l), tpr = pg[APIC_TPR / 4];
    int isrv = highest(APIC_ISR0);
    int p = vlapic_pending(&l);

    /* Priority (SDM "Interrupt, Task, and Processor Priority"). */
    ASSERT(tpr <= 0xff);
    ASSERT(ppr >= tpr && ppr <= 0xff);
    ASSERT(isrv < 0 || (ppr & 0xf0) >= ((uint32_t)isrv & 0xf0));
    ASSERT(pg[APIC_PPR / 4] == ppr);
    ASSERT((pg[APIC_IRR0 / 4] & 0xffff) == 0);
    ASSERT((pg[APIC_ISR0 / 4] & 0xffff) == 0);
    /* the summaries of non-zero words give what a scan gives */
    ASSERT(vlapic_highest_irr(&l) == highest(APIC_IRR0));
    ASSERT(vlapic_highest_isr(&l) == isrv);
    if (p >= 0) {
        ASSERT(p >= 16 && p <= 255);
        ASSERT(vlapic_enabled(&l));
        ASSERT(p == highest(APIC_IRR0));
        ASSERT(((uint32_t)p & 0xf0) > (ppr & 0xf0));
    } else if (vlapic_enabled(&l) && highest(APIC_IRR0) >= 0) {
        ASSERT(((uint32_t)highest(APIC_IRR0) & 0xf0) <= (ppr & 0xf0));
    }

    /* Mode and IA32_APIC_BASE ("x2APIC State Transitions"). */
    ASSERT(!(l.apic_base & APIC_BASE_EXTD) || (l.apic_base & APIC_BASE_EN));
    ASSERT(!vlapic_x2apic_mode(&l) || l.x2apic_allowed);
    ASSERT((l.apic_base & APIC_BASE_BSP) == bsp_bit);
    ASSERT((l.apic_base & 0x2ff) == 0);
    if (vlapic_x2apic_mode(&l)) {
        ASSERT(pg[APIC_ID / 4] == l.id);
        ASSERT(pg[APIC_LDR / 4] == (((l.id >> 4) << 16) | (1u << (l.id & 0xf))));
        uint64_t v;
        ASSERT(vlapic_msr_read(&l, 0x802, now, &v) == VLAPIC_OK && v == l.id);
        ASSERT(vlapic_mmio_read(&l, APIC_VERSION, now) == 0);
    } else {
        ASSERT(pg[APIC_ID / 4] == (l.id & 0xff) << 24);
        uint64_t v = 0x1234;
        ASSERT(vlapic_msr_read(&l, 0x802, now, &v) == VLAPIC_GP && v == 0x1234);
    }

    /* Registers' fixed bits. */
    ASSERT((pg[APIC_DFR / 4] & 0x0fffffff) == 0x0fffffff);
    ASSERT((pg[APIC_ICR_LOW / 4] & (1u << 12)) == 0);
    ASSERT((pg[APIC_ESR / 4] & ~0xe0u) == 0);
    ASSERT((l.errors_pending & ~0xe0u) == 0);
    ASSERT((pg[APIC_SVR / 4] & ~0x3ffu) == 0);
    ASSERT((pg[APIC_TIMER_DIVIDE / 4] & ~0xbu) == 0);
    if (!(pg[APIC_SVR / 4] & 0x100))
        for (unsigned i = 0; i < 7; i++)
            ASSERT(pg[lvts[i] / 4] & 0x10000);
    for (unsigned i = 0; i < 7; i++)
        ASSERT((pg[lvts[i] / 4] & (1u << 12)) == 0);

    /* The timer ("APIC Timer", "TSC-Deadline Mode"). */
    unsigned mode = (pg[APIC_LVT_TIMER / 4] >> 17) & 3;
    uint32_t count = vlapic_current_count(&l, now);
    if (mode == APIC_TIMER_TSC_DEADLINE) {
        ASSERT(count == 0);
        ASSERT(l.timer_deadline == l.tsc_deadline_msr);
        ASSERT(vlapic_tsc_deadline_read(&l) == l.tsc_deadline_msr);
    } else {
        ASSERT(l.tsc_deadline_msr == 0);
        ASSERT(vlapic_tsc_deadline_read(&l) == 0);
        ASSERT(count <= pg[APIC_TIMER_INITIAL / 4]);
        ASSERT(l.timer_count <= pg[APIC_TIMER_INITIAL / 4]);
        if (!l.timer_deadline)
            ASSERT(count == 0);
    }
    ASSERT(vlapic_divisor(pg[APIC_TIMER_DIVIDE / 4]) >= 1 &&
           vlapic_divisor(pg[APIC_TIMER_DIVIDE / 4]) <= 128);
}

/* What the platform would do with an IPI this APIC may receive itself. */
static void deliver(enum vlapic_result r, const struct apic_ipi *ipi)
{
    if (r != VLAPIC_IPI)
        return;
    if (ipi->delivery == APIC_DM_FIXED || ipi->delivery == APIC_DM_LOWEST)
        ASSERT(ipi->vector >= 16);
    ASSERT(ipi->delivery <= 7 && ipi->shorthand <= 3);
    bool self = ipi->shorthand == APIC_SH_SELF || ipi->shorthand == APIC_SH_ALL ||
                (ipi->shorthand == APIC_SH_NONE && vlapic_match_dest(&l, ipi->dest, ipi->logical));
    if (self && ipi->delivery == APIC_DM_FIXED)
        vlapic_accept(&l, ipi->vector, ipi->trigger_level);
}

static void after_write(enum vlapic_result r, const struct apic_ipi *ipi, int eoi)
{
    ASSERT(r == VLAPIC_OK || r == VLAPIC_GP || r == VLAPIC_IPI || r == VLAPIC_EOI);
    if (r == VLAPIC_EOI)
        ASSERT(eoi == -1 || (eoi >= 16 && eoi <= 255));
    deliver(r, ipi);
}

static uint32_t pick_offset(struct input *in)
{
    uint32_t b = (uint32_t)take(in, 2);
    if (b & 0x8000)
        return b & 0x1fff;                  /* anywhere, aligned or not */
    return (b & 0xff) << 4;                 /* a register slot */
}

static uint64_t advance(uint64_t t, uint64_t by)
{
    return t + by < t ? UINT64_MAX : t + by;
}

static void reset(struct input *in)
{
    uint32_t id = (uint32_t)take(in, 1);
    uint8_t flags = (uint8_t)take(in, 1);
    if (flags & 0x80)
        id |= (uint32_t)take(in, 3) << 8;
    uint32_t tpt = flags & 0x40 ? (uint32_t)take(in, 4) : 1 + (flags & 0x3);
    vlapic_reset(&l, l.page, id, flags & 1, flags & 2, tpt);
    bsp_bit = flags & 1 ? APIC_BASE_BSP : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = { data, size };
    uint32_t *page = malloc(4096);
    if (!page)
        return 0;
    memset(&l, 0, sizeof(l));
    l.page = page;
    now = take(&in, 2);
    reset(&in);
    check();

    for (unsigned steps = 0; in.n && steps < 4096; steps++) {
        struct apic_ipi ipi = { 0 };
        int eoi = 1000;
        enum vlapic_result r;
        uint64_t v;
        uint8_t op = (uint8_t)take(&in, 1);
        switch (op % 15) {
        case 0:
            vlapic_mmio_read(&l, pick_offset(&in), now);
            break;
        case 1: {
            uint32_t off = pick_offset(&in);
            r = vlapic_mmio_write(&l, off, (uint32_t)take(&in, 4), now, &ipi, &eoi);
            ASSERT(r != VLAPIC_GP);
            after_write(r, &ipi, eoi);
            break;
        }
        case 2: {
            uint32_t msr = 0x7f8 + (uint32_t)take(&in, 2) % 0x110;
            v = 0x5555;
            r = vlapic_msr_read(&l, msr, now, &v);
            ASSERT(r == VLAPIC_OK || r == VLAPIC_GP);
            if (r == VLAPIC_OK && msr != 0x830)
                ASSERT(v >> 32 == 0);
            if (!vlapic_x2apic_mode(&l))
                ASSERT(r == VLAPIC_GP);
            break;
        }
        case 3: {
            uint32_t msr = 0x7f8 + (uint32_t)take(&in, 2) % 0x110;
            uint8_t shape = (uint8_t)take(&in, 1);
            uint64_t val = shape & 1 ? take(&in, 8) : take(&in, 1);
            r = vlapic_msr_write(&l, msr, val, now, &ipi, &eoi);
            if (!vlapic_x2apic_mode(&l))
                ASSERT(r == VLAPIC_GP);
            after_write(r, &ipi, eoi);
            break;
        }
        case 4: {
            uint8_t b = (uint8_t)take(&in, 1);
            uint64_t val = APIC_BASE_ADDR_DEFAULT;
            if (b & 1) val |= APIC_BASE_EN;
            if (b & 2) val |= APIC_BASE_EXTD;
            if (b & 4) val |= APIC_BASE_BSP;
            if (b & 8) val ^= 1ull << (take(&in, 1) % 64);
            if (b & 16) val = take(&in, 8);
            uint64_t before = l.apic_base;
            r = vlapic_set_base(&l, val);
            ASSERT(r == VLAPIC_OK || r == VLAPIC_GP);
            if (r == VLAPIC_GP)
                ASSERT(l.apic_base == before);
            else
                ASSERT((l.apic_base & ~APIC_BASE_BSP) == (val & ~APIC_BASE_BSP));
            break;
        }
        case 5: {
            uint8_t vec = (uint8_t)take(&in, 1);
            bool ok = vlapic_accept(&l, vec, take(&in, 1) & 1);
            ASSERT(!ok || (vec >= 16 && vlapic_enabled(&l)));
            if (ok)
                ASSERT((page[(APIC_IRR0 + (vec / 32) * 16) / 4] >> (vec % 32)) & 1);
            break;
        }
        case 6: {
            int p = vlapic_pending(&l);
            if (p >= 0) {
                vlapic_ack(&l, (uint8_t)p);
                ASSERT((page[(APIC_ISR0 + (p / 32) * 16) / 4] >> (p % 32)) & 1);
                ASSERT(!((page[(APIC_IRR0 + (p / 32) * 16) / 4] >> (p % 32)) & 1));
                ASSERT((vlapic_ppr(&l) & 0xf0) == ((uint32_t)p & 0xf0));
            }
            break;
        }
        case 7: {
            uint8_t shape = (uint8_t)take(&in, 1);
            uint64_t by = shape & 1 ? take(&in, 4) : shape & 2 ? take(&in, 8) : take(&in, 1);
            now = advance(now, by);
            bool due = vlapic_timer_due(&l, now);
            bool fired = vlapic_timer_fire(&l, now);
            ASSERT(!fired || due);
            if (due && l.timer_deadline)
                ASSERT(l.timer_deadline > now || l.timer_deadline == UINT64_MAX);
            ASSERT(!vlapic_timer_fire(&l, now) || l.timer_deadline == UINT64_MAX);
            break;
        }
        case 8: {
            uint8_t shape = (uint8_t)take(&in, 1);
            uint64_t val = shape & 1 ? 0 : shape & 2 ? take(&in, 8) : advance(now, take(&in, 2));
            vlapic_tsc_deadline_write(&l, val, now);
            break;
        }
        case 9:
            if (take(&in, 1) & 1)
                reset(&in);
            else
                vlapic_init_signal(&l);
            break;
        case 10: {
            uint32_t dest = (uint32_t)take(&in, 4);
            (void)vlapic_match_dest(&l, dest, dest & 1);
            break;
        }
        case 11:                            /* EOI, through the current interface */
            if (vlapic_x2apic_mode(&l))
                r = vlapic_msr_write(&l, 0x80b, 0, now, &ipi, &eoi);
            else
                r = vlapic_mmio_write(&l, APIC_EOI, 0, now, &ipi, &eoi);
            if (l.apic_base & APIC_BASE_EN) {
                ASSERT(r == VLAPIC_EOI);
                ASSERT(eoi == -1 || (eoi >= 16 && eoi <= 255));
            }
            break;
        case 12: {                          /* a register write the guest would do */
            static const uint32_t regs[] = { APIC_TPR, APIC_SVR, APIC_LVT_TIMER, APIC_TIMER_INITIAL,
                                             APIC_TIMER_DIVIDE, APIC_ESR, APIC_LVT_ERROR,
                                             APIC_ICR_LOW, APIC_LDR, APIC_DFR };
            uint32_t off = regs[take(&in, 1) % 10];
            uint32_t val = (uint32_t)take(&in, 4);
            if (off == APIC_SVR)
                val = (val & 0xff) | 0x100;
            if (vlapic_x2apic_mode(&l))
                r = vlapic_msr_write(&l, 0x800 + off / 16, val & 0x000fffff, now, &ipi, &eoi);
            else
                r = vlapic_mmio_write(&l, off, val, now, &ipi, &eoi);
            after_write(r, &ipi, eoi);
            break;
        }
        case 13:                            /* the timer, in a mode */
            if (vlapic_x2apic_mode(&l))
                r = vlapic_msr_write(&l, 0x832, take(&in, 1) | ((take(&in, 1) % 4) << 17), now,
                                     &ipi, &eoi);
            else
                r = vlapic_mmio_write(&l, APIC_LVT_TIMER,
                                      (uint32_t)(take(&in, 1) | ((take(&in, 1) % 4) << 17)), now,
                                      &ipi, &eoi);
            after_write(r, &ipi, eoi);
            break;
        case 14: {                          /* an x2APIC ICR write: the short path */
            uint8_t shape = (uint8_t)take(&in, 1);
            uint64_t val = take(&in, 8);
            if (shape & 1)                  /* mostly the common IPI's bits */
                val &= 0xffffffff000050ffull;
            uint32_t *icr = &page[APIC_ICR_LOW / 4], low = icr[0], high = icr[1], dest = 0x5a5a;
            bool fast = vlapic_x2apic_icr_fixed(&l, val, &dest);
            uint32_t fast_low = icr[0], fast_high = icr[1];
            if (!fast)
                ASSERT(fast_low == low && fast_high == high && dest == 0x5a5a);
            icr[0] = low, icr[1] = high;
            r = vlapic_msr_write(&l, 0x830, val, now, &ipi, &eoi);
            bool common = r == VLAPIC_IPI && ipi.delivery == APIC_DM_FIXED &&
                          ipi.shorthand == APIC_SH_NONE && !ipi.logical && !ipi.trigger_level;
            ASSERT(fast == common);
            if (fast)
                ASSERT(ipi.vector == (uint8_t)val && ipi.dest == dest &&
                       dest == (uint32_t)(val >> 32) && icr[0] == fast_low && icr[1] == fast_high);
            after_write(r, &ipi, eoi);
            break;
        }
        }
        check();
    }
    free(page);
    return 0;
}
