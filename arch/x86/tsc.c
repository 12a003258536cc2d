#include "arch/x86/tsc.h"
#include "arch/x86/cpu.h"
#include "kernel/log.h"

/* Until calibrated: a guess that errs long (delays last longer). */
uint64_t tsc_hz = 4000000000ull;

#define PIT_HZ 1193182u
#define PIT_CH2_DATA 0x42
#define PIT_COMMAND 0x43
#define PIT_CH2_GATE_PORT 0x61  /* bit 0: gate, bit 1: speaker, bit 5: OUT2 */
#define PM_TIMER_HZ 3579545u
#define CALIBRATE_MS 10

/* PIT channel 2, mode 0: OUT2 rises when the count reaches zero. */
static uint64_t measure_pit(void)
{
    uint32_t count = PIT_HZ * CALIBRATE_MS / 1000;
    outb(PIT_CH2_GATE_PORT, (inb(PIT_CH2_GATE_PORT) & ~0x02) | 0x01);
    outb(PIT_COMMAND, 0xb0);    /* channel 2, lo/hi byte, mode 0, binary */
    outb(PIT_CH2_DATA, count & 0xff);
    outb(PIT_CH2_DATA, count >> 8);
    uint64_t start = rdtsc();
    for (uint64_t spins = 0; !(inb(PIT_CH2_GATE_PORT) & 0x20); spins++)
        if (spins > 100000000)
            return 0;           /* no PIT answering */
    return (rdtsc() - start) * (1000 / CALIBRATE_MS);
}

static uint64_t measure_pm_timer(uint16_t port, int bits)
{
    uint32_t mask = bits == 32 ? 0xffffffffu : 0xffffffu;
    uint32_t ticks = PM_TIMER_HZ * CALIBRATE_MS / 1000;
    uint32_t t0 = inl(port) & mask;
    uint64_t start = rdtsc();
    for (uint64_t spins = 0; ((inl(port) - t0) & mask) < ticks; spins++)
        if (spins > 100000000)
            return 0;
    return (rdtsc() - start) * (1000 / CALIBRATE_MS);
}

void tsc_calibrate(uint16_t pm_timer_port, int pm_timer_bits)
{
    uint64_t pit = measure_pit();
    uint64_t pm = pm_timer_port ? measure_pm_timer(pm_timer_port, pm_timer_bits) : 0;
    uint64_t cpuid_hz = 0;
    if (cpuid(0, 0).eax >= 0x16)
        cpuid_hz = (uint64_t)(cpuid(0x16, 0).eax & 0xffff) * 1000000;
    if (pit)
        tsc_hz = pit;
    else if (pm)
        tsc_hz = pm;
    else
        log_warn("TSC: neither the PIT nor the ACPI PM timer answers: assuming %llu MHz",
                 (unsigned long long)(tsc_hz / 1000000));
    char pm_txt[40] = "", cpuid_txt[56] = "";
    if (pit && pm)
        ksnprintf(pm_txt, sizeof(pm_txt), "; ACPI PM timer: %llu MHz",
                  (unsigned long long)(pm / 1000000));
    if (cpuid_hz)
        ksnprintf(cpuid_txt, sizeof(cpuid_txt), "; CPUID 0x16 says %llu MHz (not used)",
                  (unsigned long long)(cpuid_hz / 1000000));
    log_info("TSC: %llu MHz, measured against the %s%s%s", (unsigned long long)(tsc_hz / 1000000),
             pit ? "PIT" : pm ? "ACPI PM timer" : "nothing", pm_txt, cpuid_txt);
}

uint64_t tsc_deadline(uint64_t us)
{
    return rdtsc() + tsc_hz / 1000000 * us;
}

void udelay(uint64_t us)
{
    uint64_t end = tsc_deadline(us);
    while (rdtsc() < end)
        cpu_relax();
}
