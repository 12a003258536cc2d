#include "arch/x86/lapic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/paging.h"

/* IA32_APIC_BASE bits */
#define APIC_BASE_EXTD   (1ull << 10)   /* x2APIC mode */
#define APIC_BASE_EN     (1ull << 11)
#define APIC_BASE_ADDR   0xfffff000ull

/* Register offsets (xAPIC MMIO); x2APIC MSR = 0x800 + offset / 16. */
#define LAPIC_ID    0x020
#define LAPIC_EOI   0x0b0
#define LAPIC_SVR   0x0f0
#define LAPIC_ICR   0x300   /* x2APIC: one 64-bit MSR */
#define LAPIC_ICR_HI 0x310

#define SVR_ENABLE  (1u << 8)

/* ICR fields */
#define ICR_FIXED          (0u << 8)
#define ICR_NMI            (4u << 8)
#define ICR_INIT           (5u << 8)
#define ICR_STARTUP        (6u << 8)
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_ASSERT         (1u << 14)

#define X2APIC_MSR(off) (0x800u + (off) / 16)

static bool x2apic;
static volatile uint32_t *mmio;

static uint32_t lapic_read(uint32_t off)
{
    return x2apic ? (uint32_t)rdmsr(X2APIC_MSR(off)) : mmio[off / 4];
}

static void lapic_write(uint32_t off, uint32_t v)
{
    if (x2apic)
        wrmsr(X2APIC_MSR(off), v);
    else
        mmio[off / 4] = v;
}

/* The legacy 8259 PICs: Keel takes no interrupt through them, and the
 * firmware's PIT tick would otherwise reach the BSP (and exit its guest). */
#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

void lapic_init(bool bsp)
{
    uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
    if (bsp) {
        outb(PIC1_DATA, 0xff);
        outb(PIC2_DATA, 0xff);
        x2apic = cpuid(1, 0).ecx & X86_FEATURE_X2APIC_ECX;
        if (!x2apic) {
            mmio = (volatile uint32_t *)(uintptr_t)(base & APIC_BASE_ADDR);
            paging_set_uncached((uint64_t)(uintptr_t)mmio);
        }
    }
    base |= APIC_BASE_EN;
    wrmsr(MSR_IA32_APIC_BASE, base);
    if (x2apic)
        wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
    lapic_write(LAPIC_SVR, SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
}

bool lapic_x2apic(void)
{
    return x2apic;
}

uint32_t lapic_id(void)
{
    return x2apic ? lapic_read(LAPIC_ID) : lapic_read(LAPIC_ID) >> 24;
}

static void send_ipi(uint32_t dest, uint32_t icr)
{
    if (x2apic) {
        wrmsr(X2APIC_MSR(LAPIC_ICR), (uint64_t)dest << 32 | icr);
        return;
    }
    lapic_write(LAPIC_ICR_HI, dest << 24);
    lapic_write(LAPIC_ICR, icr);
    for (int spin = 0; spin < 1000000 && (lapic_read(LAPIC_ICR) & ICR_DELIVERY_PENDING); spin++)
        cpu_relax();
}

void lapic_send_init(uint32_t apic_id)
{
    send_ipi(apic_id, ICR_INIT | ICR_ASSERT);
}

void lapic_send_startup(uint32_t apic_id, uint8_t page)
{
    send_ipi(apic_id, ICR_STARTUP | ICR_ASSERT | page);
}

void lapic_send_fixed(uint32_t apic_id, uint8_t vector)
{
    send_ipi(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}

void lapic_send_nmi(uint32_t apic_id)
{
    send_ipi(apic_id, ICR_NMI | ICR_ASSERT);
}

void lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

#define LAPIC_LVT_TIMER 0x320
#define LVT_TIMER_TSC_DEADLINE (2u << 17)

bool lapic_has_tsc_deadline(void)
{
    return cpuid(1, 0).ecx & X86_FEATURE_TSC_DEADLINE_ECX;
}

void lapic_timer_at(uint64_t tsc)
{
    /* The mode first: a deadline written in another mode is ignored. */
    lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_TSC_DEADLINE | LAPIC_TIMER_VECTOR);
    wrmsr(MSR_IA32_TSC_DEADLINE, tsc);
}
