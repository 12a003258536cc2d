#include "kernel/smp.h"
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/msr.h"
#include "arch/x86/tsc.h"
#include "kernel/lib/string.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/options.h"
#include "kernel/percpu.h"
#include "kernel/selftest.h"
#include "kernel/panic.h"

#define AP_STACK_FRAMES 4
#define AP_ANSWER_US 200000         /* an AP reaches C in far less */

/* boot/trampoline.asm */
extern const uint8_t trampoline_start[], trampoline_end[], tramp_pm32[], tramp_lm64[],
    tramp_gdt[], tramp_gdt_ptr[], tramp_far32[], tramp_far64[], tramp_cr3[], tramp_efer[],
    tramp_stack[], tramp_percpu[], tramp_entry[];

volatile bool smp_stopping;
static volatile unsigned cpus_stopped, cpus_vmxoff;

#define TRAMP(page, sym) ((uint8_t *)(uintptr_t)(page) + (sym - trampoline_start))

static void put32(uint8_t *p, uint64_t v)
{
    uint32_t x = (uint32_t)v;
    memcpy(p, &x, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

static bool run_mailbox(struct percpu *cpu);

/* The AP's first C code, on its own stack. */
static __attribute__((noreturn)) void ap_entry(struct percpu *cpu)
{
    cpu_init(cpu, cpu->cpu_id);
    lapic_init(false);
    cpu->apic_id = lapic_id();
    if (keel_options.test == SELFTEST_AP_SILENT && cpu->cpu_id + 1 == keel_options.cpus)
        cpu_halt_forever();     /* test: the last AP never answers */
    log_info("online (APIC id %u)", cpu->apic_id);
    __atomic_store_n(&cpu->online, true, __ATOMIC_RELEASE);
    selftest_ap((enum selftest)keel_options.test);
    /* Wait, halted with interrupts on, for work (smp_call's IPI) or an
     * NMI to stop. STI's one-instruction shadow makes "sti; hlt" atomic:
     * an IPI that arrived after the check still ends the HLT. */
    for (;;) {
        cli();
        if (run_mailbox(cpu))
            continue;
        asm volatile("sti; hlt" ::: "memory");
    }
}

/* Take the work out of the mailbox (so that a new request can come in
 * while it runs), run it, count it done. */
static bool run_mailbox(struct percpu *cpu)
{
    void (*fn)(void *) = __atomic_exchange_n(&cpu->call_fn, NULL, __ATOMIC_ACQUIRE);
    if (!fn)
        return false;
    void *arg = cpu->call_arg;
    fn(arg);
    __atomic_fetch_add(&cpu->calls_done, 1, __ATOMIC_RELEASE);
    return true;
}

void smp_call_start(struct percpu *cpu, void (*fn)(void *arg), void *arg)
{
    /* One request at a time per CPU: wait until the last one was taken. */
    while (__atomic_load_n(&cpu->call_fn, __ATOMIC_ACQUIRE))
        cpu_relax();
    cpu->calls_sent++;
    cpu->call_arg = arg;
    __atomic_store_n(&cpu->call_fn, fn, __ATOMIC_RELEASE);
    lapic_send_fixed(cpu->apic_id, LAPIC_CALL_VECTOR);
}

static bool call_finished(const struct percpu *cpu)
{
    return __atomic_load_n(&cpu->calls_done, __ATOMIC_ACQUIRE) == cpu->calls_sent;
}

void smp_call_wait(struct percpu *cpu)
{
    while (!call_finished(cpu))
        cpu_relax();
}

void smp_poll_call(void)
{
    run_mailbox(this_cpu());
}

bool smp_call(struct percpu *cpu, void (*fn)(void *arg), void *arg)
{
    if (cpu == this_cpu()) {
        fn(arg);
        return true;
    }
    smp_call_start(cpu, fn, arg);
    uint64_t end = tsc_deadline(1000000);
    while (!call_finished(cpu))
        if (rdtsc() > end) {
            log_err("cpu%u (APIC id %u) did not finish the work sent to it within 1 s",
                    cpu->cpu_id, cpu->apic_id);
            return false;
        }
    return true;
}

static void prepare_trampoline(uint64_t page)
{
    memcpy((void *)(uintptr_t)page, trampoline_start, (size_t)(trampoline_end - trampoline_start));
    put32(TRAMP(page, tramp_gdt_ptr) + 2, page + (uint64_t)(tramp_gdt - trampoline_start));
    put32(TRAMP(page, tramp_far32), page + (uint64_t)(tramp_pm32 - trampoline_start));
    put32(TRAMP(page, tramp_far64), page + (uint64_t)(tramp_lm64 - trampoline_start));
    put64(TRAMP(page, tramp_cr3), read_cr3());
    put32(TRAMP(page, tramp_efer), rdmsr(MSR_IA32_EFER) & (X86_EFER_LME | X86_EFER_NXE));
    put64(TRAMP(page, tramp_entry), (uint64_t)(uintptr_t)ap_entry);
}

static bool wait_online(const struct percpu *cpu, uint64_t us)
{
    uint64_t end = tsc_deadline(us);
    while (rdtsc() < end)
        if (__atomic_load_n(&cpu->online, __ATOMIC_ACQUIRE))
            return true;
    return __atomic_load_n(&cpu->online, __ATOMIC_ACQUIRE);
}

/* INIT-SIPI-SIPI as the SDM's "MP Initialization Example" gives it. */
static bool start_ap(uint64_t page, struct percpu *cpu, uint32_t apic_id)
{
    uint64_t stack = mm_alloc_frames(AP_STACK_FRAMES, FRAME_SIZE);
    put64(TRAMP(page, tramp_stack), stack + AP_STACK_FRAMES * FRAME_SIZE);
    put64(TRAMP(page, tramp_percpu), (uint64_t)(uintptr_t)cpu);
    lapic_send_init(apic_id);
    udelay(10000);
    for (int sipi = 0; sipi < 2; sipi++) {
        lapic_send_startup(apic_id, (uint8_t)(page >> 12));
        if (wait_online(cpu, sipi == 0 ? 200 : AP_ANSWER_US))
            return true;
    }
    /* It may still be running the trampoline: park it before the page
     * is set up for the next CPU. Its stack and percpu stay allocated. */
    lapic_send_init(apic_id);
    return false;
}

void smp_boot(const struct acpi_info *acpi, bool have_acpi, unsigned max_cpus)
{
    struct percpu *bsp = percpu_bsp();
    lapic_init(true);
    bsp->apic_id = lapic_id();
    bsp->online = true;
    log_info("local APIC: %s mode, boot CPU has APIC id %u", lapic_x2apic() ? "x2APIC" : "xAPIC",
             bsp->apic_id);
    if (!have_acpi || !acpi->have_madt) {
        log_warn("SMP: no MADT: only the boot CPU runs");
        return;
    }
    char ids[160];
    size_t n = 0;
    for (uint32_t i = 0; i < acpi->ncpus && n < sizeof(ids) - 12; i++)
        n += (size_t)ksnprintf(ids + n, sizeof(ids) - n, "%s%u%s", i ? " " : "",
                               acpi->cpus[i].apic_id, acpi->cpus[i].enabled ? "" : "(off)");
    log_info("SMP: MADT lists %u CPU%s, APIC ids %s", acpi->ncpus, acpi->ncpus == 1 ? "" : "s",
             ids);

    uint64_t page = mm_alloc_low_page();
    if (!page) {
        log_err("SMP: no free page below 1 MiB for the AP trampoline: only the boot CPU runs");
        return;
    }
    prepare_trampoline(page);

    unsigned failed = 0, skipped = 0;
    for (uint32_t i = 0; i < acpi->ncpus; i++) {
        const struct acpi_cpu *c = &acpi->cpus[i];
        if (c->apic_id == bsp->apic_id)
            continue;
        if (!c->enabled) {
            log_debug("SMP: APIC id %u is online-capable but not enabled: not started", c->apic_id);
            continue;
        }
        if (cpu_count + failed >= max_cpus) {
            skipped++;
            continue;
        }
        if (c->apic_id > 0xff && !lapic_x2apic()) {
            log_err("SMP: APIC id %u needs x2APIC mode, which this CPU lacks: left out",
                    c->apic_id);
            failed++;
            continue;
        }
        uint64_t frames = (sizeof(struct percpu) + FRAME_SIZE - 1) / FRAME_SIZE;
        struct percpu *cpu = (struct percpu *)(uintptr_t)mm_alloc_frames(frames, FRAME_SIZE);
        cpu->cpu_id = cpu_count;
        if (!start_ap(page, cpu, c->apic_id)) {
            log_err("SMP: CPU with APIC id %u did not answer within %u ms: left out",
                    c->apic_id, AP_ANSWER_US / 1000);
            failed++;
            continue;
        }
        cpus[cpu_count++] = cpu;
    }
    if (skipped)
        log_info("SMP: cpus=%u: %u CPU%s not started", max_cpus, skipped,
                 skipped == 1 ? "" : "s");
    log_info("SMP: %u CPU%s online%s", cpu_count, cpu_count == 1 ? "" : "s",
             failed ? ", some left out (see above)" : "");
}

void smp_stop_others(void)
{
    if (cpu_count <= 1)
        return;
    smp_stopping = true;
    /* One by one, only to CPUs that are running Keel: an NMI to a CPU
     * never started (cpus=, or one that did not answer) would wake it in
     * its wait-for-SIPI state with no IDT, and QEMU then resets. */
    for (unsigned i = 0; i < cpu_count; i++)
        if (cpus[i] != this_cpu())
            lapic_send_nmi(cpus[i]->apic_id);
    uint64_t end = tsc_deadline(10000);
    while (cpus_stopped < cpu_count - 1 && rdtsc() < end)
        cpu_relax();
    if (cpus_vmxoff)
        log_info("stopped %u of %u other CPU%s (%u left VMX root operation on the way)",
                 cpus_stopped, cpu_count - 1, cpu_count == 2 ? "" : "s", cpus_vmxoff);
    else
        log_info("stopped %u of %u other CPU%s", cpus_stopped, cpu_count - 1,
                 cpu_count == 2 ? "" : "s");
}

void smp_nmi_stop(void)
{
    if (stop_hooks_cpu_off())
        __atomic_fetch_add(&cpus_vmxoff, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&cpus_stopped, 1, __ATOMIC_RELAXED);
    cpu_halt_forever();
}
