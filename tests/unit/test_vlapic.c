// unit: vmx/dev/vlapic.c
#include "vmx/dev/vlapic.h"
#include "unit.h"

#define DEFAULT_BASE (APIC_BASE_ADDR_DEFAULT | APIC_BASE_EN)
#define X2_BASE (DEFAULT_BASE | APIC_BASE_EXTD)
#define MSR(off) (0x800u + (off) / 16)
#define MASKED 0x10000u

static uint32_t page[1024] __attribute__((aligned(4096)));
static struct vlapic l;
static struct apic_ipi ipi;
static int eoi;

/* A fresh APIC: id 3, BSP, x2APIC allowed, 1 TSC unit per tick. */
static void fresh(void)
{
    vlapic_reset(&l, page, 3, true, true, 1);
    memset(&ipi, 0, sizeof(ipi));
    eoi = 1000;
}

static uint32_t rd(uint32_t off)
{
    return vlapic_mmio_read(&l, off, 0);
}

static enum vlapic_result wr(uint32_t off, uint32_t val)
{
    return vlapic_mmio_write(&l, off, val, 0, &ipi, &eoi);
}

static enum vlapic_result wr_at(uint32_t off, uint32_t val, uint64_t now)
{
    return vlapic_mmio_write(&l, off, val, now, &ipi, &eoi);
}

/* Fresh and software-enabled (SVR 0x1ff). */
static void enabled(void)
{
    fresh();
    CHECK_EQ(wr(APIC_SVR, 0x1ff), VLAPIC_OK);
    CHECK(vlapic_enabled(&l));
}

static void x2(void)
{
    enabled();
    CHECK_EQ(vlapic_set_base(&l, X2_BASE), VLAPIC_OK);
    CHECK(vlapic_x2apic_mode(&l));
}

static uint64_t mrd(uint32_t msr)
{
    uint64_t v = 0xdeadbeef;
    if (vlapic_msr_read(&l, msr, 0, &v) != VLAPIC_OK)
        UNIT_FAIL("RDMSR 0x%x: #GP", msr);
    return v;
}

static enum vlapic_result mwr(uint32_t msr, uint64_t val)
{
    return vlapic_msr_write(&l, msr, val, 0, &ipi, &eoi);
}

static enum vlapic_result mrd_result(uint32_t msr)
{
    uint64_t v;
    return vlapic_msr_read(&l, msr, 0, &v);
}

/* The errors latched by an ESR write (SDM: write, then read). */
static uint32_t esr(void)
{
    wr(APIC_ESR, 0);
    return rd(APIC_ESR);
}

static void take(uint8_t v)
{
    CHECK_EQ(vlapic_pending(&l), v);
    vlapic_ack(&l, v);
}

/* ---------------------------------------------------------------- reset */

TEST(reset_register_values)
{
    fresh();
    CHECK_EQ(rd(APIC_ID), 3u << 24);
    CHECK_EQ(rd(APIC_VERSION), 0x00060014);
    CHECK_EQ(rd(APIC_TPR), 0);
    CHECK_EQ(rd(APIC_PPR), 0);
    CHECK_EQ(rd(APIC_LDR), 0);
    CHECK_EQ(rd(APIC_DFR), 0xffffffff);
    CHECK_EQ(rd(APIC_SVR), 0xff);
    CHECK_EQ(rd(APIC_ESR), 0);
    CHECK_EQ(rd(APIC_ICR_LOW), 0);
    CHECK_EQ(rd(APIC_ICR_HIGH), 0);
    CHECK_EQ(rd(APIC_TIMER_INITIAL), 0);
    CHECK_EQ(rd(APIC_TIMER_CURRENT), 0);
    CHECK_EQ(rd(APIC_TIMER_DIVIDE), 0);
    static const uint32_t lvts[] = { APIC_LVT_CMCI, APIC_LVT_TIMER, APIC_LVT_THERMAL,
                                     APIC_LVT_PMC, APIC_LVT_LINT0, APIC_LVT_LINT1,
                                     APIC_LVT_ERROR };
    for (unsigned i = 0; i < 7; i++)
        CHECK_EQ(rd(lvts[i]), MASKED);
    for (unsigned i = 0; i < 8; i++) {
        CHECK_EQ(rd(APIC_ISR0 + i * 16), 0);
        CHECK_EQ(rd(APIC_TMR0 + i * 16), 0);
        CHECK_EQ(rd(APIC_IRR0 + i * 16), 0);
    }
    CHECK_EQ(l.timer_deadline, 0);
    CHECK_EQ(esr(), 0);
}

TEST(reset_apic_base_enabled_at_default_with_bsp_bit)
{
    fresh();
    CHECK_EQ(l.apic_base, 0xfee00900);
    vlapic_reset(&l, page, 1, false, false, 1);
    CHECK_EQ(l.apic_base, 0xfee00800);
    CHECK(!vlapic_x2apic_mode(&l));
}

TEST(reset_zeroes_the_whole_page)
{
    memset(page, 0xa5, sizeof(page));
    fresh();
    for (unsigned i = 0; i < 1024; i++) {
        uint32_t off = i * 4;
        if (off == APIC_ID || off == APIC_VERSION || off == APIC_DFR || off == APIC_SVR ||
            (off >= APIC_LVT_TIMER && off <= APIC_LVT_ERROR && off % 16 == 0) ||
            off == APIC_LVT_CMCI)
            continue;
        if (page[i])
            UNIT_FAIL("page offset 0x%x is 0x%x after reset", off, page[i]);
    }
}

TEST(reset_xapic_id_is_the_low_8_bits)
{
    vlapic_reset(&l, page, 0x1234, false, true, 1);
    CHECK_EQ(rd(APIC_ID), 0x34000000);
}

TEST(version_has_no_eoi_broadcast_suppression)
{
    fresh();
    CHECK_EQ(rd(APIC_VERSION) & (1u << 24), 0);
    CHECK_EQ((rd(APIC_VERSION) >> 16) & 0xff, 6);      /* 7 LVT entries */
    CHECK_EQ(rd(APIC_VERSION) & 0xff, 0x14);
}

TEST(reset_apic_is_software_disabled)
{
    fresh();
    CHECK(!vlapic_enabled(&l));
    CHECK(!vlapic_accept(&l, 0x40, false));
    CHECK_EQ(vlapic_pending(&l), -1);
    CHECK_EQ(esr(), 0);         /* not an error, just not accepted */
}

TEST(tsc_per_tick_zero_is_one)
{
    vlapic_reset(&l, page, 0, false, false, 0);
    CHECK_EQ(l.tsc_per_tick, 1);
}

/* ---------------------------------------------------------------- TPR, PPR */

TEST(ppr_is_tpr_without_isr)
{
    enabled();
    wr(APIC_TPR, 0x37);
    CHECK_EQ(rd(APIC_PPR), 0x37);
    CHECK_EQ(vlapic_ppr(&l), 0x37);
}

TEST(tpr_keeps_bits_7_0)
{
    enabled();
    wr(APIC_TPR, 0xffffffff);
    CHECK_EQ(rd(APIC_TPR), 0xff);
}

TEST(ppr_is_tpr_when_its_class_is_not_lower)
{
    enabled();
    vlapic_accept(&l, 0x41, false);
    take(0x41);
    wr(APIC_TPR, 0x45);
    CHECK_EQ(vlapic_ppr(&l), 0x45);     /* same class: TPR */
    wr(APIC_TPR, 0x62);
    CHECK_EQ(vlapic_ppr(&l), 0x62);
}

TEST(ppr_is_isr_class_when_higher)
{
    enabled();
    wr(APIC_TPR, 0x32);
    vlapic_accept(&l, 0x5a, false);
    take(0x5a);
    CHECK_EQ(vlapic_ppr(&l), 0x50);
    CHECK_EQ(rd(APIC_PPR), 0x50);
    CHECK_EQ(page[APIC_PPR / 4], 0x50);  /* the page's PPR follows */
    wr(APIC_EOI, 0);
    CHECK_EQ(rd(APIC_PPR), 0x32);
    CHECK_EQ(page[APIC_PPR / 4], 0x32);
}

/* ---------------------------------------------------------------- pending, ack, EOI */

TEST(pending_is_the_highest_irr_vector)
{
    enabled();
    CHECK_EQ(vlapic_pending(&l), -1);
    CHECK(vlapic_accept(&l, 0x31, false));
    CHECK(vlapic_accept(&l, 0xa0, false));
    CHECK(vlapic_accept(&l, 0x72, false));
    CHECK_EQ(vlapic_pending(&l), 0xa0);
}

TEST(pending_needs_a_class_above_tpr)
{
    enabled();
    wr(APIC_TPR, 0x5f);
    vlapic_accept(&l, 0x5f, false);
    CHECK_EQ(vlapic_pending(&l), -1);   /* same class as the TPR: blocked */
    wr(APIC_TPR, 0x50);
    CHECK_EQ(vlapic_pending(&l), -1);
    vlapic_accept(&l, 0x60, false);
    CHECK_EQ(vlapic_pending(&l), 0x60);
    wr(APIC_TPR, 0x4f);
    vlapic_ack(&l, 0x60);
    CHECK_EQ(vlapic_pending(&l), -1);   /* 0x5f is below ISR 0x60's class */
    wr(APIC_EOI, 0);
    CHECK_EQ(vlapic_pending(&l), 0x5f);
}

TEST(pending_blocked_by_in_service_vector_of_the_same_class)
{
    enabled();
    vlapic_accept(&l, 0x40, false);
    take(0x40);
    vlapic_accept(&l, 0x4f, false);
    CHECK_EQ(vlapic_pending(&l), -1);
    vlapic_accept(&l, 0x50, false);
    CHECK_EQ(vlapic_pending(&l), 0x50);
}

TEST(pending_none_while_software_disabled_but_irr_is_kept)
{
    enabled();
    vlapic_accept(&l, 0x40, false);
    wr(APIC_SVR, 0xff);
    CHECK_EQ(vlapic_pending(&l), -1);
    CHECK_EQ(rd(APIC_IRR2), 1);
    CHECK(!vlapic_accept(&l, 0x41, false));
    wr(APIC_SVR, 0x1ff);
    CHECK_EQ(vlapic_pending(&l), 0x40);
}

TEST(pending_none_while_hardware_disabled)
{
    enabled();
    vlapic_accept(&l, 0x40, false);
    l.apic_base &= ~APIC_BASE_EN;       /* EN alone, without the reset */
    CHECK(!vlapic_enabled(&l));
    CHECK_EQ(vlapic_pending(&l), -1);
    CHECK(!vlapic_accept(&l, 0x41, false));
}

TEST(ack_moves_irr_to_isr)
{
    enabled();
    vlapic_accept(&l, 0x45, false);
    CHECK_EQ(rd(APIC_IRR2), 1u << 5);
    vlapic_ack(&l, 0x45);
    CHECK_EQ(rd(APIC_IRR2), 0);
    CHECK_EQ(rd(APIC_ISR2), 1u << 5);
}

TEST(vector_bits_layout)
{
    enabled();
    for (unsigned v = 16; v < 256; v++) {
        memset(page + 0x100 / 4, 0, 0x180);
        vlapic_accept(&l, (uint8_t)v, true);
        CHECK_EQ(page[(0x200 + (v / 32) * 0x10) / 4], 1u << (v % 32));
        CHECK_EQ(page[(0x180 + (v / 32) * 0x10) / 4], 1u << (v % 32));
        CHECK_EQ(rd(APIC_IRR0 + (v / 32) * 16), 1u << (v % 32));
        CHECK_EQ(vlapic_pending(&l), v);
        vlapic_ack(&l, (uint8_t)v);
        CHECK_EQ(rd(APIC_ISR0 + (v / 32) * 16), 1u << (v % 32));
        CHECK_EQ(wr(APIC_EOI, 0), VLAPIC_EOI);
        CHECK_EQ(eoi, v);
    }
}

TEST(nested_interrupts_and_eoi_order)
{
    enabled();
    vlapic_accept(&l, 0x30, false);
    take(0x30);
    vlapic_accept(&l, 0x80, false);
    take(0x80);                         /* nests: higher class */
    vlapic_accept(&l, 0x31, false);
    vlapic_accept(&l, 0x85, false);
    CHECK_EQ(vlapic_pending(&l), -1);   /* 0x85 is in 0x80's class */
    CHECK_EQ(wr(APIC_EOI, 0), VLAPIC_EOI);
    CHECK_EQ(eoi, 0x80);
    CHECK_EQ(vlapic_pending(&l), 0x85);
    take(0x85);
    CHECK_EQ(wr(APIC_EOI, 0), VLAPIC_EOI);
    CHECK_EQ(eoi, 0x85);
    CHECK_EQ(vlapic_pending(&l), -1);   /* 0x31 under 0x30 */
    CHECK_EQ(wr(APIC_EOI, 0), VLAPIC_EOI);
    CHECK_EQ(eoi, 0x30);
    CHECK_EQ(vlapic_pending(&l), 0x31);
}

/* accept + ack through IRR, and accept_ack straight into service, leave
 * the same page and summaries behind. */
TEST(accept_ack_is_accept_then_ack)
{
    static uint32_t ref[1024];
    for (unsigned v = 0x20; v < 256; v += 7) {
        enabled();
        wr(APIC_TPR, 0x10);
        vlapic_accept(&l, (uint8_t)v, true);    /* a stale TMR bit: edge clears it */
        take((uint8_t)v);
        CHECK_EQ(wr(APIC_EOI, 0), VLAPIC_EOI);
        vlapic_accept(&l, (uint8_t)v, false);
        take((uint8_t)v);
        memcpy(ref, page, sizeof(ref));
        uint8_t irr = l.irr_words, isr = l.isr_words;

        enabled();
        wr(APIC_TPR, 0x10);
        vlapic_accept(&l, (uint8_t)v, true);
        take((uint8_t)v);
        CHECK_EQ(wr(APIC_EOI, 0), VLAPIC_EOI);
        CHECK(vlapic_takes_at_once(&l, (uint8_t)v));
        vlapic_accept_ack(&l, (uint8_t)v);
        CHECK(memcmp(ref, page, sizeof(ref)) == 0);
        CHECK_EQ(l.irr_words, irr);
        CHECK_EQ(l.isr_words, isr);
    }
}

TEST(takes_at_once_only_the_next_vector_with_nothing_requested)
{
    enabled();
    CHECK(vlapic_takes_at_once(&l, 0x41));
    CHECK(!vlapic_takes_at_once(&l, 0x0f));     /* class 0 is never above the PPR */
    wr(APIC_TPR, 0x40);
    CHECK(!vlapic_takes_at_once(&l, 0x41));     /* TPR class 4 */
    CHECK(vlapic_takes_at_once(&l, 0x51));
    wr(APIC_TPR, 0);
    vlapic_accept(&l, 0x60, false);
    take(0x60);
    CHECK(!vlapic_takes_at_once(&l, 0x61));     /* in-service class 6 */
    CHECK(vlapic_takes_at_once(&l, 0x71));
    vlapic_accept(&l, 0x30, false);             /* something requested: the IRR round */
    CHECK(!vlapic_takes_at_once(&l, 0x71));
    fresh();                                    /* software-disabled */
    CHECK(!vlapic_takes_at_once(&l, 0x71));
    enabled();
    l.virtualized = true;                       /* the CPU owns IRR and ISR */
    CHECK(!vlapic_takes_at_once(&l, 0x71));
}

/* The inline EOI gives what the general one gives, nested or not. */
TEST(eoi_summary_matches_eoi)
{
    static const uint8_t order[] = { 0x30, 0x80, 0x95, 0xe1 };
    for (int pass = 0; pass < 2; pass++) {
        enabled();
        wr(APIC_TPR, 0x20);
        for (unsigned i = 0; i < sizeof(order); i++) {
            vlapic_accept(&l, order[i], false);
            take(order[i]);
        }
        for (int i = (int)sizeof(order) - 1; i >= 0; i--) {
            CHECK_EQ(pass ? vlapic_eoi_summary(&l) : vlapic_eoi(&l), order[i]);
            CHECK_EQ(rd(APIC_PPR), i ? (uint32_t)(order[i - 1] & 0xf0) : 0x20u);
        }
        CHECK_EQ(l.isr_words, 0);
        CHECK_EQ(pass ? vlapic_eoi_summary(&l) : vlapic_eoi(&l), -1);
    }
}

TEST(eoi_without_isr_reports_minus_one)
{
    enabled();
    CHECK_EQ(wr(APIC_EOI, 0), VLAPIC_EOI);
    CHECK_EQ(eoi, -1);
}

TEST(eoi_keeps_tmr_and_edge_acceptance_clears_it)
{
    enabled();
    vlapic_accept(&l, 0x61, true);
    CHECK(vlapic_level_triggered(&l, 0x61));
    take(0x61);
    CHECK_EQ(wr(APIC_EOI, 0), VLAPIC_EOI);
    CHECK_EQ(eoi, 0x61);
    CHECK(vlapic_level_triggered(&l, 0x61));   /* the caller asks after the EOI */
    vlapic_accept(&l, 0x61, false);
    CHECK(!vlapic_level_triggered(&l, 0x61));
    CHECK_EQ(rd(APIC_TMR3), 0);
}

TEST(eoi_register_reads_zero)
{
    enabled();
    page[APIC_EOI / 4] = 0x1234;        /* as APIC-write emulation may leave it */
    CHECK_EQ(rd(APIC_EOI), 0);
}

/* ---------------------------------------------------------------- ESR and illegal vectors */

TEST(accept_of_vectors_0_to_15_is_an_error)
{
    enabled();
    for (unsigned v = 0; v < 16; v++)
        CHECK(!vlapic_accept(&l, (uint8_t)v, false));
    CHECK_EQ(rd(APIC_IRR0), 0);
    CHECK_EQ(esr(), 1u << 6);
}

TEST(esr_latches_on_write)
{
    enabled();
    vlapic_accept(&l, 1, false);
    CHECK_EQ(rd(APIC_ESR), 0);          /* not before the write */
    CHECK_EQ(wr(APIC_ESR, 0), VLAPIC_OK);
    CHECK_EQ(rd(APIC_ESR), 0x40);
    CHECK_EQ(rd(APIC_ESR), 0x40);       /* stays until the next write */
    wr(APIC_ESR, 0);
    CHECK_EQ(rd(APIC_ESR), 0);          /* back to back: cleared */
}

TEST(icr_illegal_vector_sends_nothing)
{
    enabled();
    CHECK_EQ(wr(APIC_ICR_LOW, 0x4005), VLAPIC_OK);      /* fixed, vector 5 */
    CHECK_EQ(esr(), 1u << 5);
    CHECK_EQ(wr(APIC_ICR_LOW, 0x410f), VLAPIC_OK);      /* lowest priority, 15 */
    CHECK_EQ(esr(), 1u << 5);
    CHECK_EQ(wr(APIC_ICR_LOW, 0x4400), VLAPIC_IPI);     /* NMI: the vector is unused */
    CHECK_EQ(ipi.delivery, APIC_DM_NMI);
    CHECK_EQ(esr(), 0);
}

TEST(illegal_register_address_in_xapic)
{
    enabled();
    CHECK_EQ(rd(0x040), 0);
    CHECK_EQ(esr(), 1u << 7);
    CHECK_EQ(wr(0x3f0, 0x40), VLAPIC_OK);               /* SELF IPI is x2APIC's */
    CHECK_EQ(esr(), 1u << 7);
    CHECK_EQ(wr(0x2e0, 1), VLAPIC_OK);
    CHECK_EQ(esr(), 1u << 7);
    CHECK_EQ(rd(0xff0), 0);
    CHECK_EQ(esr(), 1u << 7);
    CHECK_EQ(rd(0x024), 0);             /* inside ID: undefined, ignored */
    CHECK_EQ(rd(0x1000), 0);            /* outside the page */
    CHECK_EQ(esr(), 0);
}

TEST(error_raises_the_lvt_error_interrupt)
{
    enabled();
    wr(APIC_LVT_ERROR, 0xfe);
    vlapic_accept(&l, 3, false);
    CHECK_EQ(vlapic_pending(&l), 0xfe);
    CHECK_EQ(esr(), 1u << 6);
}

TEST(masked_lvt_error_still_records)
{
    enabled();
    wr(APIC_LVT_ERROR, MASKED | 0xfe);
    vlapic_accept(&l, 3, false);
    CHECK_EQ(vlapic_pending(&l), -1);
    CHECK_EQ(esr(), 1u << 6);
}

TEST(illegal_lvt_error_vector_is_recorded_not_raised)
{
    enabled();
    wr(APIC_LVT_ERROR, 0x05);
    wr(APIC_ICR_LOW, 0x4001);           /* send illegal vector */
    CHECK_EQ(rd(APIC_IRR0), 0);
    CHECK_EQ(esr(), (1u << 5) | (1u << 6));
}

/* ---------------------------------------------------------------- LVT, SVR, LDR, DFR */

TEST(lvt_mask_stays_set_while_software_disabled)
{
    fresh();
    wr(APIC_LVT_LINT0, 0x700);
    CHECK_EQ(rd(APIC_LVT_LINT0), 0x10700);
    wr(APIC_SVR, 0x1ff);
    wr(APIC_LVT_LINT0, 0x700);
    CHECK_EQ(rd(APIC_LVT_LINT0), 0x700);
}

TEST(software_disable_masks_every_lvt)
{
    enabled();
    static const uint32_t lvts[] = { APIC_LVT_CMCI, APIC_LVT_TIMER, APIC_LVT_THERMAL,
                                     APIC_LVT_PMC, APIC_LVT_LINT0, APIC_LVT_LINT1,
                                     APIC_LVT_ERROR };
    for (unsigned i = 0; i < 7; i++)
        wr(lvts[i], 0x40 + i);
    wr(APIC_SVR, 0xff);
    for (unsigned i = 0; i < 7; i++)
        CHECK_EQ(rd(lvts[i]), MASKED | (0x40 + i));
}

TEST(lvt_writable_bits)
{
    enabled();
    wr(APIC_LVT_TIMER, 0xffffffff);
    CHECK_EQ(rd(APIC_LVT_TIMER), 0x700ff);
    wr(APIC_LVT_THERMAL, 0xffffffff);
    CHECK_EQ(rd(APIC_LVT_THERMAL), 0x107ff);
    wr(APIC_LVT_PMC, 0xffffffff);
    CHECK_EQ(rd(APIC_LVT_PMC), 0x107ff);
    wr(APIC_LVT_CMCI, 0xffffffff);
    CHECK_EQ(rd(APIC_LVT_CMCI), 0x107ff);
    wr(APIC_LVT_LINT0, 0xffffffff);     /* no delivery status, no remote IRR */
    CHECK_EQ(rd(APIC_LVT_LINT0), 0x1a7ff);
    wr(APIC_LVT_LINT1, 0xffffffff);
    CHECK_EQ(rd(APIC_LVT_LINT1), 0x1a7ff);
    wr(APIC_LVT_ERROR, 0xffffffff);
    CHECK_EQ(rd(APIC_LVT_ERROR), 0x100ff);
}

TEST(svr_writable_bits)
{
    fresh();
    wr(APIC_SVR, 0xffffffff);
    CHECK_EQ(rd(APIC_SVR), 0x3ff);      /* no EOI-broadcast suppression bit */
}

TEST(ldr_and_dfr_in_xapic)
{
    enabled();
    wr(APIC_LDR, 0xffffffff);
    CHECK_EQ(rd(APIC_LDR), 0xff000000);
    wr(APIC_DFR, 0);
    CHECK_EQ(rd(APIC_DFR), 0x0fffffff);
    wr(APIC_DFR, 0xffffffff);
    CHECK_EQ(rd(APIC_DFR), 0xffffffff);
}

TEST(read_only_registers_drop_xapic_writes)
{
    enabled();
    vlapic_accept(&l, 0x20, false);
    static const uint32_t ro[] = { APIC_ID, APIC_VERSION, APIC_APR, APIC_PPR, APIC_RRD,
                                   APIC_ISR1, APIC_TMR1, APIC_IRR1, APIC_TIMER_CURRENT };
    uint32_t before[9];
    for (unsigned i = 0; i < 9; i++)
        before[i] = rd(ro[i]);
    for (unsigned i = 0; i < 9; i++)
        CHECK_EQ(wr(ro[i], 0x12345678), VLAPIC_OK);
    for (unsigned i = 0; i < 9; i++)
        CHECK_EQ(rd(ro[i]), before[i]);
    CHECK_EQ(rd(APIC_IRR1), 1);
    CHECK_EQ(esr(), 0);
}

/* ---------------------------------------------------------------- x2APIC MSRs */

TEST(msrs_are_gp_outside_x2apic_mode)
{
    enabled();
    CHECK_EQ(mrd_result(0x802), VLAPIC_GP);
    CHECK_EQ(mwr(0x808, 0), VLAPIC_GP);
    CHECK_EQ(mwr(0x80b, 0), VLAPIC_GP);
}

TEST(x2apic_id_and_derived_ldr)
{
    vlapic_reset(&l, page, 0x35, false, true, 1);
    CHECK_EQ(vlapic_set_base(&l, X2_BASE), VLAPIC_OK);
    CHECK_EQ(mrd(0x802), 0x35);
    CHECK_EQ(mrd(0x80d), (3u << 16) | (1u << 5));
    vlapic_reset(&l, page, 0x12345, false, true, 1);
    CHECK_EQ(rd(APIC_ID), 0x45000000);
    CHECK_EQ(vlapic_set_base(&l, X2_BASE), VLAPIC_OK);
    CHECK_EQ(mrd(0x802), 0x12345);
    CHECK_EQ(mrd(0x80d), (0x1234u << 16) | (1u << 5));
    CHECK_EQ(mrd(0x803), 0x00060014);
}

TEST(x2apic_reserved_msrs_are_gp)
{
    x2();
    static const uint32_t rsvd[] = { 0x800, 0x801, 0x804, 0x807, 0x809, 0x80c, 0x80e,
                                     0x829, 0x82e, 0x831, 0x83a, 0x83d, 0x840, 0x8ff };
    for (unsigned i = 0; i < sizeof(rsvd) / sizeof(rsvd[0]); i++) {
        if (mrd_result(rsvd[i]) != VLAPIC_GP)
            UNIT_FAIL("RDMSR 0x%x is not #GP", rsvd[i]);
        if (mwr(rsvd[i], 0) != VLAPIC_GP)
            UNIT_FAIL("WRMSR 0x%x is not #GP", rsvd[i]);
    }
}

TEST(msrs_outside_the_x2apic_range_are_gp)
{
    x2();
    CHECK_EQ(mrd_result(0x7ff), VLAPIC_GP);
    CHECK_EQ(mrd_result(0x900), VLAPIC_GP);
    CHECK_EQ(mwr(0x900, 0), VLAPIC_GP);
}

TEST(x2apic_write_only_registers_read_gp)
{
    x2();
    CHECK_EQ(mrd_result(0x80b), VLAPIC_GP);     /* EOI */
    CHECK_EQ(mrd_result(0x83f), VLAPIC_GP);     /* SELF IPI */
}

TEST(x2apic_read_only_registers_write_gp)
{
    x2();
    static const uint32_t ro[] = { 0x802, 0x803, 0x80a, 0x80d, 0x810, 0x817, 0x818,
                                   0x81f, 0x820, 0x827, 0x839 };
    for (unsigned i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
        if (mwr(ro[i], 0) != VLAPIC_GP)
            UNIT_FAIL("WRMSR 0x%x is not #GP", ro[i]);
        if (mrd_result(ro[i]) != VLAPIC_OK)
            UNIT_FAIL("RDMSR 0x%x is #GP", ro[i]);
    }
}

TEST(x2apic_eoi_takes_only_zero)
{
    x2();
    vlapic_accept(&l, 0x50, false);
    take(0x50);
    CHECK_EQ(mwr(0x80b, 1), VLAPIC_GP);
    CHECK_EQ(mrd(0x812), 1u << 16);     /* 0x50: register 2, bit 16 */
    CHECK_EQ(mwr(0x80b, 1ull << 32), VLAPIC_GP);
    CHECK_EQ(mwr(0x80b, 0), VLAPIC_EOI);
    CHECK_EQ(eoi, 0x50);
    CHECK_EQ(mrd(0x812), 0);
}

TEST(x2apic_esr_takes_only_zero)
{
    x2();
    vlapic_accept(&l, 2, false);
    CHECK_EQ(mwr(0x828, 0x40), VLAPIC_GP);
    CHECK_EQ(mwr(0x828, 0), VLAPIC_OK);
    CHECK_EQ(mrd(0x828), 0x40);
}

TEST(x2apic_bits_63_32_are_reserved)
{
    x2();
    CHECK_EQ(mwr(0x808, 1ull << 32), VLAPIC_GP);
    CHECK_EQ(mwr(0x838, 1ull << 63), VLAPIC_GP);
    CHECK_EQ(mwr(0x80f, 0x1ffull | (1ull << 40)), VLAPIC_GP);
}

TEST(x2apic_reserved_bits_are_gp)
{
    x2();
    CHECK_EQ(mwr(0x808, 0x100), VLAPIC_GP);             /* TPR 31:8 */
    CHECK_EQ(mwr(0x80f, 0x11ff), VLAPIC_GP);            /* SVR: EOI-broadcast suppression */
    CHECK_EQ(mwr(0x83e, 0x4), VLAPIC_GP);               /* TDCR bit 2 */
    CHECK_EQ(mwr(0x832, 1u << 19), VLAPIC_GP);          /* LVT timer */
    CHECK_EQ(mwr(0x837, 0x700), VLAPIC_GP);             /* LVT error has no delivery mode */
    CHECK_EQ(mwr(0x835, 0x2000), VLAPIC_OK);            /* LINT0 polarity */
    CHECK_EQ(mrd(0x80f), 0x1ff);
}

TEST(x2apic_status_bits_are_ignored_not_reserved)
{
    x2();
    CHECK_EQ(mwr(0x835, 0x5000 | 0x30), VLAPIC_OK);     /* delivery status, remote IRR */
    CHECK_EQ(mrd(0x835), 0x30);
    CHECK_EQ(mwr(0x832, 0x1000 | 0x31), VLAPIC_OK);
    CHECK_EQ(mrd(0x832), 0x31);
    CHECK_EQ(mwr(0x837, 0x4000), VLAPIC_GP);            /* no remote IRR in LVT error */
}

TEST(x2apic_read_write_registers)
{
    x2();
    CHECK_EQ(mwr(0x808, 0x20), VLAPIC_OK);
    CHECK_EQ(mrd(0x808), 0x20);
    CHECK_EQ(mrd(0x80a), 0x20);                         /* PPR */
    CHECK_EQ(mwr(0x82f, 0x10040), VLAPIC_OK);
    CHECK_EQ(mrd(0x82f), 0x10040);
    CHECK_EQ(mwr(0x83e, 0xb), VLAPIC_OK);
    CHECK_EQ(mrd(0x83e), 0xb);
    CHECK_EQ(mwr(0x838, 0xffffffff), VLAPIC_OK);
    CHECK_EQ(mrd(0x838), 0xffffffff);
}

TEST(mmio_is_ignored_in_x2apic_mode)
{
    x2();
    CHECK_EQ(rd(APIC_ID), 0);
    CHECK_EQ(rd(APIC_SVR), 0);
    CHECK_EQ(wr(APIC_TPR, 0x40), VLAPIC_OK);
    CHECK_EQ(mrd(0x808), 0);
    CHECK_EQ(wr(APIC_ICR_LOW, 0x4040), VLAPIC_OK);      /* no IPI */
    CHECK_EQ(mrd(0x828), 0);
    CHECK_EQ(mwr(0x828, 0), VLAPIC_OK);
    CHECK_EQ(mrd(0x828), 0);                            /* no illegal register error */
}

/* ---------------------------------------------------------------- ICR */

TEST(icr_xapic_fixed_physical)
{
    enabled();
    CHECK_EQ(wr(APIC_ICR_HIGH, 0x02ffffff), VLAPIC_OK);  /* only 31:24 kept, no send */
    CHECK_EQ(rd(APIC_ICR_HIGH), 0x02000000);
    CHECK_EQ(wr(APIC_ICR_LOW, 0x4031), VLAPIC_IPI);
    CHECK_EQ(ipi.vector, 0x31);
    CHECK_EQ(ipi.delivery, APIC_DM_FIXED);
    CHECK_EQ(ipi.shorthand, APIC_SH_NONE);
    CHECK(!ipi.logical);
    CHECK(ipi.level_assert);
    CHECK(!ipi.trigger_level);
    CHECK_EQ(ipi.dest, 2);
}

/* The short path (vapic_x2apic_icr) agrees with vlapic_msr_write on
 * every write it takes, takes every common IPI, and leaves the APIC as
 * it was for any write it refuses. */
TEST(icr_x2apic_fixed_short_path_agrees_with_the_write)
{
    static const uint64_t vals[] = {
        0x0000000200004031ull,  /* fixed, physical, level bit: the common IPI */
        0x0000000200000031ull,  /* without the level bit */
        0x0000000700001031ull,  /* the delivery status, which writes ignore */
        0x00000002000040ffull, 0x0000000200004010ull,
        0x000000020000400full,  /* an illegal vector: the ESR's */
        0x0000000200004000ull,
        0x0000000200004131ull,  /* lowest priority */
        0x0000000200004431ull,  /* NMI */
        0x0000000200004531ull,  /* INIT */
        0x0000000200004631ull,  /* start-up */
        0x0000000200004831ull,  /* logical */
        0x000000020000c031ull,  /* level-triggered */
        0x0000000200044031ull, 0x0000000200084031ull, 0x00000002000c4031ull,  /* shorthands */
        0x0000000200002031ull,  /* reserved bit 13 */
        0x0000000200104031ull,  /* reserved bit 20 */
        0x0000000280004031ull,  /* reserved bit 31 */
        0xffffffff00004031ull,  /* broadcast: taken here, the caller's to refuse */
    };
    unsigned taken = 0;
    for (unsigned k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
        uint64_t val = vals[k];
        x2();
        enum vlapic_result r = mwr(MSR(APIC_ICR_LOW), val);
        uint64_t icr = mrd(MSR(APIC_ICR_LOW));
        uint32_t err = esr();
        struct apic_ipi sent = ipi;
        bool common = r == VLAPIC_IPI && sent.delivery == APIC_DM_FIXED &&
                      sent.shorthand == APIC_SH_NONE && !sent.logical && !sent.trigger_level;
        x2();
        uint32_t dest = 0x5a5a;
        bool fast = vlapic_x2apic_icr_fixed(&l, val, &dest);
        CHECK_EQ(fast, common);
        if (fast) {
            taken++;
            CHECK_EQ(dest, (uint32_t)(val >> 32));
            CHECK_EQ(dest, sent.dest);
            CHECK_EQ((uint8_t)val, sent.vector);
            CHECK_EQ(mrd(MSR(APIC_ICR_LOW)), icr);
            CHECK_EQ(esr(), err);
        } else {
            CHECK_EQ(dest, 0x5a5a);
            CHECK_EQ(mrd(MSR(APIC_ICR_LOW)), 0);
            CHECK_EQ(esr(), 0);
        }
    }
    CHECK_EQ(taken, 6);
    enabled();                  /* xAPIC mode: never */
    uint32_t dest;
    CHECK(!vlapic_x2apic_icr_fixed(&l, 0x0000000200004031ull, &dest));
}

TEST(icr_xapic_logical_lowest_level)
{
    enabled();
    wr(APIC_ICR_HIGH, 0x0f000000);
    CHECK_EQ(wr(APIC_ICR_LOW, 0xc941), VLAPIC_IPI);     /* level, assert, logical, lowest */
    CHECK_EQ(ipi.vector, 0x41);
    CHECK_EQ(ipi.delivery, APIC_DM_LOWEST);
    CHECK(ipi.logical);
    CHECK(ipi.level_assert);
    CHECK(ipi.trigger_level);
    CHECK_EQ(ipi.dest, 0x0f);
}

TEST(icr_xapic_shorthands)
{
    enabled();
    CHECK_EQ(wr(APIC_ICR_LOW, 0x44040), VLAPIC_IPI);
    CHECK_EQ(ipi.shorthand, APIC_SH_SELF);
    CHECK_EQ(wr(APIC_ICR_LOW, 0x84040), VLAPIC_IPI);
    CHECK_EQ(ipi.shorthand, APIC_SH_ALL);
    CHECK_EQ(wr(APIC_ICR_LOW, 0xc4040), VLAPIC_IPI);
    CHECK_EQ(ipi.shorthand, APIC_SH_OTHERS);
}

TEST(icr_init_deassert_and_startup)
{
    enabled();
    wr(APIC_ICR_HIGH, 0x01000000);
    CHECK_EQ(wr(APIC_ICR_LOW, 0x8500), VLAPIC_IPI);     /* INIT level de-assert */
    CHECK_EQ(ipi.delivery, APIC_DM_INIT);
    CHECK(!ipi.level_assert);
    CHECK(ipi.trigger_level);
    CHECK_EQ(wr(APIC_ICR_LOW, 0x4608), VLAPIC_IPI);     /* SIPI, page 8 */
    CHECK_EQ(ipi.delivery, APIC_DM_STARTUP);
    CHECK_EQ(ipi.vector, 8);
    CHECK_EQ(ipi.dest, 1);
    CHECK_EQ(esr(), 0);
}

TEST(icr_delivery_status_reads_idle)
{
    enabled();
    wr(APIC_ICR_LOW, 0xffffffff);
    CHECK_EQ(rd(APIC_ICR_LOW), 0xccfff);
    CHECK_EQ(rd(APIC_ICR_LOW) & (1u << 12), 0);
}

TEST(icr_x2apic_is_one_64_bit_msr)
{
    x2();
    CHECK_EQ(mwr(0x830, 0x0000000500004041ull), VLAPIC_IPI);
    CHECK_EQ(ipi.vector, 0x41);
    CHECK_EQ(ipi.dest, 5);
    CHECK_EQ(mrd(0x830), 0x0000000500004041ull);
    CHECK_EQ(mwr(0x830, 0xffffffff000c4841ull), VLAPIC_IPI);
    CHECK_EQ(ipi.dest, 0xffffffff);
    CHECK(ipi.logical);
    CHECK_EQ(ipi.shorthand, APIC_SH_OTHERS);
    CHECK_EQ(page[(APIC_ICR_LOW + 4) / 4], 0xffffffff);  /* where APICv keeps it */
}

TEST(icr_x2apic_reserved_bits_are_gp)
{
    x2();
    CHECK_EQ(mwr(0x830, 0x2040), VLAPIC_GP);            /* 13 */
    CHECK_EQ(mwr(0x830, 0x10040), VLAPIC_GP);           /* 16 */
    CHECK_EQ(mwr(0x830, 0x20040), VLAPIC_GP);           /* 17 */
    CHECK_EQ(mwr(0x830, 0x100040), VLAPIC_GP);          /* 20 */
    CHECK_EQ(mwr(0x830, 0x80000040), VLAPIC_GP);        /* 31 */
    CHECK_EQ(mwr(0x830, 0x1040), VLAPIC_IPI);           /* 12: ignored */
    CHECK_EQ(mrd(0x830), 0x40);
}

TEST(icr_x2apic_illegal_vector)
{
    x2();
    CHECK_EQ(mwr(0x830, 0x0000000100000001ull), VLAPIC_OK);
    CHECK_EQ(mwr(0x828, 0), VLAPIC_OK);
    CHECK_EQ(mrd(0x828), 1u << 5);
}

TEST(self_ipi_msr)
{
    x2();
    CHECK_EQ(mwr(0x83f, 0x45), VLAPIC_IPI);
    CHECK_EQ(ipi.vector, 0x45);
    CHECK_EQ(ipi.shorthand, APIC_SH_SELF);
    CHECK_EQ(ipi.delivery, APIC_DM_FIXED);
    CHECK(!ipi.logical);
    CHECK(!ipi.trigger_level);
    CHECK_EQ(mwr(0x83f, 0x145), VLAPIC_GP);
    CHECK_EQ(mwr(0x83f, 5), VLAPIC_OK);
    CHECK_EQ(mwr(0x828, 0), VLAPIC_OK);
    CHECK_EQ(mrd(0x828), 1u << 5);
}

TEST(x2apic_entry_clears_the_icr_destination)
{
    enabled();
    wr(APIC_ICR_HIGH, 0x07000000);
    CHECK_EQ(vlapic_set_base(&l, X2_BASE), VLAPIC_OK);
    CHECK_EQ(mrd(0x830) >> 32, 0);
}

/* ---------------------------------------------------------------- destinations */

TEST(dest_physical_xapic)
{
    enabled();
    CHECK(vlapic_match_dest(&l, 3, false));
    CHECK(!vlapic_match_dest(&l, 4, false));
    CHECK(!vlapic_match_dest(&l, 0x103, false));
    CHECK(vlapic_match_dest(&l, 0xff, false));
    CHECK(vlapic_match_dest(&l, 0xff, true));
}

TEST(dest_logical_flat)
{
    enabled();
    wr(APIC_LDR, 0x05000000);
    CHECK(vlapic_match_dest(&l, 0x04, true));
    CHECK(vlapic_match_dest(&l, 0x81, true));
    CHECK(!vlapic_match_dest(&l, 0x02, true));
    CHECK(!vlapic_match_dest(&l, 0x00, true));
    CHECK(!vlapic_match_dest(&l, 0x05, false));         /* physical: the ID */
}

TEST(dest_logical_cluster)
{
    enabled();
    wr(APIC_DFR, 0x0fffffff);
    wr(APIC_LDR, 0x32000000);                           /* cluster 3, bit 1 */
    CHECK(vlapic_match_dest(&l, 0x32, true));
    CHECK(vlapic_match_dest(&l, 0x36, true));
    CHECK(!vlapic_match_dest(&l, 0x31, true));
    CHECK(!vlapic_match_dest(&l, 0x42, true));
    CHECK(!vlapic_match_dest(&l, 0x30, true));
    CHECK(vlapic_match_dest(&l, 0xff, true));
}

TEST(dest_reserved_dfr_model_matches_nothing)
{
    enabled();
    wr(APIC_DFR, 0x5fffffff);
    wr(APIC_LDR, 0xff000000);
    CHECK(!vlapic_match_dest(&l, 0x01, true));
}

TEST(dest_x2apic_physical)
{
    vlapic_reset(&l, page, 0x1234, false, true, 1);
    wr(APIC_SVR, 0x1ff);
    CHECK_EQ(vlapic_set_base(&l, X2_BASE), VLAPIC_OK);
    CHECK(vlapic_match_dest(&l, 0x1234, false));
    CHECK(!vlapic_match_dest(&l, 0x34, false));
    CHECK(!vlapic_match_dest(&l, 0xff, false));         /* not broadcast in x2APIC */
    CHECK(vlapic_match_dest(&l, 0xffffffff, false));
    CHECK(vlapic_match_dest(&l, 0xffffffff, true));
}

TEST(dest_x2apic_cluster)
{
    vlapic_reset(&l, page, 0x23, false, true, 1);
    wr(APIC_SVR, 0x1ff);
    CHECK_EQ(vlapic_set_base(&l, X2_BASE), VLAPIC_OK);
    CHECK_EQ(mrd(0x80d), 0x20008);
    CHECK(vlapic_match_dest(&l, 0x20008, true));
    CHECK(vlapic_match_dest(&l, 0x2000c, true));
    CHECK(!vlapic_match_dest(&l, 0x10008, true));
    CHECK(!vlapic_match_dest(&l, 0x20004, true));
    CHECK(!vlapic_match_dest(&l, 0x20000, true));
}

/* ---------------------------------------------------------------- IA32_APIC_BASE */

TEST(base_reserved_bits_are_gp)
{
    fresh();
    for (unsigned b = 0; b < 8; b++)
        CHECK_EQ(vlapic_set_base(&l, DEFAULT_BASE | (1ull << b)), VLAPIC_GP);
    CHECK_EQ(vlapic_set_base(&l, DEFAULT_BASE | (1ull << 9)), VLAPIC_GP);
    CHECK_EQ(vlapic_set_base(&l, DEFAULT_BASE | (1ull << 39)), VLAPIC_GP);
    CHECK_EQ(vlapic_set_base(&l, DEFAULT_BASE | (1ull << 63)), VLAPIC_GP);
    CHECK_EQ(l.apic_base, 0xfee00900);
    CHECK_EQ(vlapic_set_base(&l, (1ull << 38) | APIC_BASE_EN), VLAPIC_OK);
    CHECK_EQ(l.apic_base, (1ull << 38) | APIC_BASE_EN | APIC_BASE_BSP);
}

TEST(base_relocation_keeps_the_registers)
{
    enabled();
    wr(APIC_TPR, 0x20);
    CHECK_EQ(vlapic_set_base(&l, 0xfed00000 | APIC_BASE_EN), VLAPIC_OK);
    CHECK_EQ(rd(APIC_TPR), 0x20);
    CHECK(vlapic_enabled(&l));
}

TEST(base_xapic_to_x2apic)
{
    enabled();
    CHECK_EQ(vlapic_set_base(&l, X2_BASE), VLAPIC_OK);
    CHECK(vlapic_x2apic_mode(&l));
    CHECK(vlapic_enabled(&l));          /* SVR kept */
    CHECK_EQ(l.apic_base, X2_BASE | APIC_BASE_BSP);
    CHECK_EQ(vlapic_set_base(&l, X2_BASE), VLAPIC_OK);  /* staying is fine */
}

TEST(base_x2apic_to_xapic_is_gp)
{
    x2();
    CHECK_EQ(vlapic_set_base(&l, DEFAULT_BASE), VLAPIC_GP);
    CHECK(vlapic_x2apic_mode(&l));
}

TEST(base_x2apic_to_disabled_to_xapic)
{
    x2();
    mwr(0x808, 0x30);
    CHECK_EQ(vlapic_set_base(&l, APIC_BASE_ADDR_DEFAULT), VLAPIC_OK);
    CHECK(!vlapic_x2apic_mode(&l));
    CHECK(!vlapic_enabled(&l));
    CHECK_EQ(vlapic_set_base(&l, DEFAULT_BASE), VLAPIC_OK);
    CHECK_EQ(rd(APIC_ID), 3u << 24);
    CHECK_EQ(rd(APIC_TPR), 0);
    CHECK_EQ(rd(APIC_LDR), 0);
    CHECK_EQ(rd(APIC_DFR), 0xffffffff);
}

TEST(base_disabled_to_x2apic_is_gp)
{
    fresh();
    CHECK_EQ(vlapic_set_base(&l, APIC_BASE_ADDR_DEFAULT), VLAPIC_OK);
    CHECK_EQ(vlapic_set_base(&l, X2_BASE), VLAPIC_GP);
    CHECK(!(l.apic_base & APIC_BASE_EN));
}

TEST(base_extd_without_en_is_gp)
{
    fresh();
    CHECK_EQ(vlapic_set_base(&l, APIC_BASE_ADDR_DEFAULT | APIC_BASE_EXTD), VLAPIC_GP);
    x2();
    CHECK_EQ(vlapic_set_base(&l, APIC_BASE_ADDR_DEFAULT | APIC_BASE_EXTD), VLAPIC_GP);
    CHECK(vlapic_x2apic_mode(&l));
}

TEST(base_extd_without_x2apic_is_gp)
{
    vlapic_reset(&l, page, 3, true, false, 1);
    CHECK_EQ(vlapic_set_base(&l, X2_BASE), VLAPIC_GP);
    CHECK(!vlapic_x2apic_mode(&l));
}

TEST(base_bsp_bit_is_read_only)
{
    fresh();
    CHECK_EQ(vlapic_set_base(&l, DEFAULT_BASE), VLAPIC_OK);
    CHECK_EQ(l.apic_base, DEFAULT_BASE | APIC_BASE_BSP);
    vlapic_reset(&l, page, 1, false, true, 1);
    CHECK_EQ(vlapic_set_base(&l, DEFAULT_BASE | APIC_BASE_BSP), VLAPIC_OK);
    CHECK_EQ(l.apic_base, DEFAULT_BASE);
}

TEST(base_disable_resets_registers_and_keeps_the_id)
{
    vlapic_reset(&l, page, 7, false, true, 1);
    wr(APIC_SVR, 0x1ff);
    wr(APIC_TPR, 0x20);
    wr(APIC_LVT_LINT0, 0x700);
    wr(APIC_LDR, 0x01000000);
    vlapic_accept(&l, 0x40, true);
    wr(APIC_TIMER_INITIAL, 100);
    CHECK(l.timer_deadline);
    vlapic_accept(&l, 1, false);        /* a pending error */
    CHECK_EQ(vlapic_set_base(&l, APIC_BASE_ADDR_DEFAULT), VLAPIC_OK);
    CHECK_EQ(page[APIC_ID / 4], 7u << 24);
    CHECK_EQ(page[APIC_TPR / 4], 0);
    CHECK_EQ(page[APIC_LVT_LINT0 / 4], MASKED);
    CHECK_EQ(page[APIC_SVR / 4], 0xff);
    CHECK_EQ(page[APIC_LDR / 4], 0);
    CHECK_EQ(page[APIC_IRR2 / 4], 0);
    CHECK_EQ(page[APIC_TMR2 / 4], 0);
    CHECK_EQ(l.timer_deadline, 0);
    CHECK_EQ(l.errors_pending, 0);
    CHECK_EQ(l.id, 7);
}

TEST(hardware_disabled_apic_ignores_mmio_and_interrupts)
{
    enabled();
    CHECK_EQ(vlapic_set_base(&l, APIC_BASE_ADDR_DEFAULT), VLAPIC_OK);
    CHECK_EQ(rd(APIC_VERSION), 0);
    CHECK_EQ(wr(APIC_SVR, 0x1ff), VLAPIC_OK);
    CHECK_EQ(page[APIC_SVR / 4], 0xff);
    CHECK(!vlapic_accept(&l, 0x40, false));
    CHECK_EQ(mrd_result(0x802), VLAPIC_GP);
}

TEST(init_resets_registers_and_keeps_the_mode)
{
    vlapic_reset(&l, page, 0x21, true, true, 1);
    wr(APIC_SVR, 0x1ff);
    CHECK_EQ(vlapic_set_base(&l, X2_BASE), VLAPIC_OK);
    mwr(0x808, 0x40);
    vlapic_accept(&l, 0x50, false);
    vlapic_init_signal(&l);
    CHECK(vlapic_x2apic_mode(&l));
    CHECK_EQ(l.apic_base, X2_BASE | APIC_BASE_BSP);
    CHECK_EQ(mrd(0x802), 0x21);
    CHECK_EQ(mrd(0x80d), 0x20002);
    CHECK_EQ(mrd(0x808), 0);
    CHECK_EQ(mrd(0x80f), 0xff);
    CHECK_EQ(mrd(0x822), 0);
    CHECK_EQ(mrd(0x832), MASKED);
}

TEST(init_in_xapic_and_disabled_states)
{
    enabled();
    wr(APIC_LDR, 0x01000000);
    vlapic_init_signal(&l);
    CHECK_EQ(l.apic_base, DEFAULT_BASE | APIC_BASE_BSP);
    CHECK_EQ(rd(APIC_ID), 3u << 24);
    CHECK_EQ(rd(APIC_LDR), 0);
    CHECK(!vlapic_enabled(&l));
    CHECK_EQ(vlapic_set_base(&l, APIC_BASE_ADDR_DEFAULT), VLAPIC_OK);
    vlapic_init_signal(&l);
    CHECK(!(l.apic_base & APIC_BASE_EN));
}

/* ---------------------------------------------------------------- timer */

TEST(divisor_table)
{
    CHECK_EQ(vlapic_divisor(0x0), 2);
    CHECK_EQ(vlapic_divisor(0x1), 4);
    CHECK_EQ(vlapic_divisor(0x2), 8);
    CHECK_EQ(vlapic_divisor(0x3), 16);
    CHECK_EQ(vlapic_divisor(0x8), 32);
    CHECK_EQ(vlapic_divisor(0x9), 64);
    CHECK_EQ(vlapic_divisor(0xa), 128);
    CHECK_EQ(vlapic_divisor(0xb), 1);
    CHECK_EQ(vlapic_divisor(0x4), 2);   /* bit 2 is not part of it */
    CHECK_EQ(vlapic_divisor(0xf), 1);
}

TEST(tdcr_writable_bits)
{
    enabled();
    wr(APIC_TIMER_DIVIDE, 0xffffffff);
    CHECK_EQ(rd(APIC_TIMER_DIVIDE), 0xb);
}

/* One-shot, vector 0x40, tsc_per_tick 10, divide by 1, 100 counts from
 * t=1000: one count every 10 TSC units, deadline 2000. */
static void oneshot_100(void)
{
    enabled();
    l.tsc_per_tick = 10;
    wr(APIC_LVT_TIMER, 0x40);
    wr(APIC_TIMER_DIVIDE, 0xb);
    wr_at(APIC_TIMER_INITIAL, 100, 1000);
}

TEST(oneshot_current_count)
{
    oneshot_100();
    CHECK_EQ(l.timer_deadline, 2000);
    CHECK_EQ(vlapic_current_count(&l, 1000), 100);
    CHECK_EQ(vlapic_current_count(&l, 1009), 100);
    CHECK_EQ(vlapic_current_count(&l, 1010), 99);
    CHECK_EQ(vlapic_current_count(&l, 1990), 1);
    CHECK_EQ(vlapic_current_count(&l, 2000), 0);
    CHECK_EQ(vlapic_current_count(&l, 99999), 0);
    CHECK_EQ(vlapic_mmio_read(&l, APIC_TIMER_CURRENT, 1500), 50);
    CHECK_EQ(vlapic_current_count(&l, 500), 100);       /* time before the start */
}

TEST(oneshot_fires_once_and_stops)
{
    oneshot_100();
    CHECK(!vlapic_timer_due(&l, 1999));
    CHECK(!vlapic_timer_fire(&l, 1999));
    CHECK(vlapic_timer_due(&l, 2000));
    CHECK(vlapic_timer_fire(&l, 2003));
    CHECK_EQ(vlapic_pending(&l), 0x40);
    CHECK_EQ(l.timer_deadline, 0);
    CHECK(!vlapic_timer_due(&l, 5000));
    CHECK(!vlapic_timer_fire(&l, 5000));
    CHECK_EQ(vlapic_current_count(&l, 2003), 0);
    CHECK_EQ(rd(APIC_TIMER_INITIAL), 100);
}

TEST(oneshot_with_the_reset_divisor_of_2)
{
    enabled();
    wr(APIC_LVT_TIMER, 0x40);
    wr_at(APIC_TIMER_INITIAL, 50, 7);
    CHECK_EQ(l.timer_deadline, 107);
    CHECK_EQ(vlapic_current_count(&l, 9), 49);
}

TEST(initial_count_zero_stops_the_timer)
{
    oneshot_100();
    wr_at(APIC_TIMER_INITIAL, 0, 1500);
    CHECK_EQ(l.timer_deadline, 0);
    CHECK_EQ(vlapic_current_count(&l, 1500), 0);
    CHECK(!vlapic_timer_fire(&l, 3000));
}

TEST(initial_count_write_restarts_the_count)
{
    oneshot_100();
    wr_at(APIC_TIMER_INITIAL, 30, 1500);
    CHECK_EQ(l.timer_deadline, 1800);
    CHECK_EQ(vlapic_current_count(&l, 1500), 30);
}

/* Periodic, vector 0x41, 100 TSC units a period from t=0. */
static void periodic_100(void)
{
    enabled();
    wr(APIC_LVT_TIMER, 0x20041);
    wr(APIC_TIMER_DIVIDE, 0xb);
    wr_at(APIC_TIMER_INITIAL, 100, 0);
}

TEST(periodic_n_periods_without_drift)
{
    periodic_100();
    for (uint64_t k = 1; k <= 50; k++) {
        CHECK_EQ(l.timer_deadline, k * 100);
        uint64_t now = k * 100 + 37;    /* the caller is always late */
        CHECK(vlapic_timer_fire(&l, now));
        take(0x41);
        wr(APIC_EOI, 0);
        CHECK_EQ(vlapic_current_count(&l, now), 63);
    }
    CHECK_EQ(l.timer_deadline, 5100);
}

TEST(periodic_far_behind_fires_once)
{
    periodic_100();
    CHECK(vlapic_timer_fire(&l, 1050));
    CHECK_EQ(l.timer_deadline, 1100);
    CHECK(!vlapic_timer_fire(&l, 1050));
    CHECK_EQ(vlapic_pending(&l), 0x41);
    CHECK_EQ(vlapic_current_count(&l, 1050), 50);
}

TEST(periodic_count_reloads_before_the_fire)
{
    periodic_100();
    CHECK_EQ(vlapic_current_count(&l, 99), 1);
    CHECK_EQ(vlapic_current_count(&l, 100), 100);
    CHECK_EQ(vlapic_current_count(&l, 150), 50);
    CHECK_EQ(vlapic_current_count(&l, 1030), 70);
}

TEST(masked_periodic_timer_counts_without_interrupts)
{
    periodic_100();
    wr(APIC_LVT_TIMER, MASKED | 0x20041);
    CHECK_EQ(l.timer_deadline, 100);    /* same mode: still armed */
    CHECK(!vlapic_timer_fire(&l, 100));
    CHECK_EQ(l.timer_deadline, 200);
    CHECK(!vlapic_timer_fire(&l, 250));
    CHECK_EQ(l.timer_deadline, 300);
    CHECK_EQ(vlapic_pending(&l), -1);
    CHECK_EQ(rd(APIC_IRR2), 0);
    wr(APIC_LVT_TIMER, 0x20041);
    CHECK(vlapic_timer_fire(&l, 300));
}

TEST(masked_oneshot_expires_silently)
{
    oneshot_100();
    wr(APIC_LVT_TIMER, MASKED | 0x40);
    CHECK(!vlapic_timer_fire(&l, 2000));
    CHECK_EQ(l.timer_deadline, 0);
    CHECK_EQ(vlapic_pending(&l), -1);
}

TEST(timer_on_software_disabled_apic_accepts_nothing)
{
    periodic_100();
    wr(APIC_SVR, 0xff);
    CHECK(!vlapic_timer_fire(&l, 100));
    CHECK_EQ(l.timer_deadline, 200);
    CHECK_EQ(rd(APIC_IRR2), 0);
}

TEST(timer_with_illegal_vector_is_an_error)
{
    enabled();
    wr(APIC_LVT_TIMER, 0x05);
    wr(APIC_TIMER_DIVIDE, 0xb);
    wr_at(APIC_TIMER_INITIAL, 10, 0);
    CHECK(!vlapic_timer_fire(&l, 10));
    CHECK_EQ(rd(APIC_IRR0), 0);
    CHECK_EQ(esr(), 1u << 6);
}

TEST(tsc_deadline_arm_and_fire)
{
    enabled();
    wr(APIC_LVT_TIMER, 0x40042);
    wr_at(APIC_TIMER_INITIAL, 100, 0);  /* ignored */
    CHECK_EQ(rd(APIC_TIMER_INITIAL), 0);
    CHECK_EQ(l.timer_deadline, 0);
    vlapic_tsc_deadline_write(&l, 5000, 10);
    CHECK_EQ(vlapic_tsc_deadline_read(&l), 5000);
    CHECK_EQ(l.timer_deadline, 5000);
    CHECK_EQ(vlapic_current_count(&l, 20), 0);
    CHECK(!vlapic_timer_due(&l, 4999));
    CHECK(vlapic_timer_fire(&l, 5000));
    CHECK_EQ(vlapic_pending(&l), 0x42);
    CHECK_EQ(vlapic_tsc_deadline_read(&l), 0);   /* one-shot: cleared */
    CHECK_EQ(l.timer_deadline, 0);
    CHECK(!vlapic_timer_fire(&l, 6000));
}

TEST(tsc_deadline_zero_disarms)
{
    enabled();
    wr(APIC_LVT_TIMER, 0x40042);
    vlapic_tsc_deadline_write(&l, 5000, 0);
    vlapic_tsc_deadline_write(&l, 0, 0);
    CHECK_EQ(l.timer_deadline, 0);
    CHECK(!vlapic_timer_fire(&l, 9000));
}

TEST(tsc_deadline_in_the_past_is_due_at_once)
{
    enabled();
    wr(APIC_LVT_TIMER, 0x40042);
    vlapic_tsc_deadline_write(&l, 5, 100);
    CHECK(vlapic_timer_due(&l, 100));
}

TEST(tsc_deadline_msr_is_inert_in_other_modes)
{
    oneshot_100();
    vlapic_tsc_deadline_write(&l, 5000, 1100);
    CHECK_EQ(vlapic_tsc_deadline_read(&l), 0);
    CHECK_EQ(l.timer_deadline, 2000);
}

TEST(timer_mode_change_disarms)
{
    oneshot_100();
    wr_at(APIC_LVT_TIMER, 0x40040, 1100);        /* to TSC-deadline */
    CHECK_EQ(l.timer_deadline, 0);
    vlapic_tsc_deadline_write(&l, 3000, 1100);
    wr_at(APIC_LVT_TIMER, 0x40, 1200);           /* back to one-shot */
    CHECK_EQ(l.timer_deadline, 0);
    CHECK_EQ(l.tsc_deadline_msr, 0);
    CHECK_EQ(vlapic_current_count(&l, 1200), 0);
    wr_at(APIC_TIMER_INITIAL, 100, 1300);
    wr_at(APIC_LVT_TIMER, 0x20040, 1400);        /* one-shot to periodic */
    CHECK_EQ(l.timer_deadline, 0);
}

TEST(lvt_timer_write_in_the_same_mode_keeps_it_armed)
{
    oneshot_100();
    wr_at(APIC_LVT_TIMER, MASKED | 0x50, 1500);
    CHECK_EQ(l.timer_deadline, 2000);
    CHECK_EQ(vlapic_current_count(&l, 1500), 50);
}

TEST(divide_change_keeps_the_current_count)
{
    enabled();
    wr(APIC_LVT_TIMER, 0x40);
    wr(APIC_TIMER_DIVIDE, 0xb);
    wr_at(APIC_TIMER_INITIAL, 1000, 0);
    CHECK_EQ(vlapic_current_count(&l, 400), 600);
    wr_at(APIC_TIMER_DIVIDE, 0x0, 400);          /* now divide by 2 */
    CHECK_EQ(vlapic_current_count(&l, 400), 600);
    CHECK_EQ(vlapic_current_count(&l, 600), 500);
    CHECK_EQ(l.timer_deadline, 1600);
    CHECK(vlapic_timer_fire(&l, 1600));
}

TEST(divide_change_reloads_periodic_at_the_new_rate)
{
    periodic_100();
    wr_at(APIC_TIMER_DIVIDE, 0x0, 50);           /* 50 counts left, now 2 units each */
    CHECK_EQ(l.timer_deadline, 150);
    CHECK(vlapic_timer_fire(&l, 150));
    CHECK_EQ(l.timer_deadline, 350);
    CHECK_EQ(vlapic_current_count(&l, 250), 50);
}

TEST(divide_change_after_expiry_lets_it_fire)
{
    oneshot_100();
    wr_at(APIC_TIMER_DIVIDE, 0x0, 2500);
    CHECK_EQ(l.timer_deadline, 2000);
    CHECK(vlapic_timer_fire(&l, 2500));
}

TEST(divide_change_on_a_stopped_timer)
{
    enabled();
    wr_at(APIC_TIMER_DIVIDE, 0x3, 50);
    CHECK_EQ(l.timer_deadline, 0);
    wr_at(APIC_TIMER_INITIAL, 10, 100);
    CHECK_EQ(l.timer_deadline, 100 + 10 * 16);
}

TEST(timer_through_x2apic_msrs)
{
    x2();
    l.tsc_per_tick = 4;
    CHECK_EQ(mwr(0x832, 0x20050), VLAPIC_OK);
    CHECK_EQ(mwr(0x83e, 0xb), VLAPIC_OK);
    CHECK_EQ(vlapic_msr_write(&l, 0x838, 25, 1000, &ipi, &eoi), VLAPIC_OK);
    CHECK_EQ(l.timer_deadline, 1100);
    uint64_t v = 0;
    CHECK_EQ(vlapic_msr_read(&l, 0x839, 1040, &v), VLAPIC_OK);
    CHECK_EQ(v, 15);
}

TEST(large_counts_do_not_overflow)
{
    enabled();
    l.tsc_per_tick = 0xffffffff;        /* clamped to 2^24 */
    wr(APIC_LVT_TIMER, 0x20040);
    wr(APIC_TIMER_DIVIDE, 0xa);         /* 128 */
    wr_at(APIC_TIMER_INITIAL, 0xffffffff, 1ull << 62);
    uint64_t period = 0xffffffffull << 31;
    CHECK_EQ(l.timer_deadline, (1ull << 62) + period);
    CHECK_EQ(vlapic_current_count(&l, (1ull << 62) + (1ull << 31)), 0xfffffffe);
    wr_at(APIC_TIMER_INITIAL, 0xffffffff, UINT64_MAX - 5);
    CHECK_EQ(l.timer_deadline, UINT64_MAX);     /* the end of time */
    CHECK(vlapic_timer_fire(&l, UINT64_MAX));
    CHECK_EQ(l.timer_deadline, UINT64_MAX);
}

/* The IRR/ISR word summaries (the emulated path's shortcut) agree with a
 * scan of the page through accepts, acks and EOIs, and are not used when
 * the CPU's APIC virtualization also writes the page. */
static int scan_highest(const struct vlapic *a, uint32_t base)
{
    for (int i = 7; i >= 0; i--)
        if (a->page[(base + i * 16) / 4])
            return i * 32 + 31 - __builtin_clz(a->page[(base + i * 16) / 4]);
    return -1;
}

TEST(irr_isr_summaries_follow_the_page)
{
    static uint32_t pg[1024];
    struct vlapic a;
    vlapic_reset(&a, pg, 0, true, true, 1);
    pg[APIC_SVR / 4] = 0x1ff;
    unsigned seed = 12345;
    for (int step = 0; step < 2000; step++) {
        seed = seed * 1103515245 + 12345;
        uint8_t vec = (uint8_t)(16 + (seed >> 8) % 240);
        switch ((seed >> 20) % 3) {
        case 0: vlapic_accept(&a, vec, false); break;
        case 1: { int p = vlapic_pending(&a); if (p >= 0) vlapic_ack(&a, (uint8_t)p); break; }
        case 2: vlapic_mmio_write(&a, APIC_EOI, 0, 0, NULL, NULL); break;
        }
        CHECK_EQ(vlapic_highest_irr(&a), scan_highest(&a, APIC_IRR0));
        CHECK_EQ(vlapic_highest_isr(&a), scan_highest(&a, APIC_ISR0));
    }
    a.virtualized = true;               /* the CPU sets a bit behind Keel's back */
    pg[(APIC_IRR0 + 7 * 16) / 4] |= 1u << 31;
    CHECK_EQ(vlapic_highest_irr(&a), 255);
}

TEST(timer_expire_gives_the_vector_to_raise)
{
    oneshot_100();
    CHECK_EQ(vlapic_timer_expire(&l, 1999), -1);
    CHECK_EQ(vlapic_timer_expire(&l, 2000), 0x40);
    CHECK_EQ(vlapic_pending(&l), -1);           /* the caller accepts it */
    CHECK_EQ(l.timer_deadline, 0);
    CHECK_EQ(vlapic_timer_expire(&l, 5000), -1);
}

/* A periodic timer never fires faster than min_period (a count of one
 * would leave the vCPU nothing but timer exits); one-shot ones may. */
TEST(periodic_timer_has_a_minimum_period)
{
    enabled();
    l.min_period = 5000;
    wr(APIC_LVT_TIMER, 0x20041);                /* periodic */
    wr(APIC_TIMER_DIVIDE, 0xb);
    wr_at(APIC_TIMER_INITIAL, 1, 100);
    CHECK_EQ(l.timer_deadline, 5100);
    CHECK_EQ(vlapic_timer_expire(&l, 5100), 0x41);
    CHECK_EQ(l.timer_deadline, 10100);
    wr(APIC_LVT_TIMER, 0x41);                   /* one-shot */
    wr_at(APIC_TIMER_INITIAL, 1, 20000);
    CHECK_EQ(l.timer_deadline, 20001);
}
