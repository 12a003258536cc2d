/* Exceptions in Keel itself. Keel runs no code that may fault, so every
 * exception here is a bug: name it, show where and the registers, stop. */
#include "arch/x86/cpu.h"
#include "arch/x86/lapic.h"
#include "arch/x86/trap.h"
#include "kernel/console.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"

#define VECTOR_NMI 2

static const struct {
    const char *mnemonic, *description;
} vectors[32] = {
#define VEC(num, mn, desc, err) [num] = { mn, desc },
#include "arch/x86/vectors.def"
#undef VEC
};

const char *exception_mnemonic(unsigned v)
{
    return v < 32 ? vectors[v].mnemonic : NULL;
}

const char *exception_description(unsigned v)
{
    return v < 32 ? vectors[v].description : NULL;
}

#define PF_P 1u         /* SDM, "Interrupt 14—Page-Fault Exception (#PF)" */
#define PF_W 2u
#define PF_U 4u
#define PF_RSVD 8u
#define PF_I 16u

static void report_page_fault(uint64_t err, uint64_t cr2)
{
    log_dump("page fault: %s %s at 0x%llx (%s%s)", err & PF_I ? "instruction fetch from" :
             err & PF_W ? "write to" : "read of",
             err & PF_RSVD ? "a page with reserved bits set" :
             err & PF_P ? "a protected page" : "a page that is not present",
             (unsigned long long)cr2, err & PF_U ? "user" : "supervisor",
             err & PF_RSVD ? ", reserved bit" : "");
}

static void report(const struct trap_frame *f)
{
    unsigned v = (unsigned)f->vector;
    log_err("EXCEPTION %s (%s, vector %u) in Keel at RIP 0x%016llx, error code 0x%llx",
            vectors[v].mnemonic, vectors[v].description, v, (unsigned long long)f->rip,
            (unsigned long long)f->error_code);
    if (v == 14)
        report_page_fault(f->error_code, read_cr2());
    log_dump("RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx", (unsigned long long)f->rax,
             (unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
    log_dump("RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx", (unsigned long long)f->rsi,
             (unsigned long long)f->rdi, (unsigned long long)f->rbp, (unsigned long long)f->rsp);
    log_dump("R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx", (unsigned long long)f->r8,
             (unsigned long long)f->r9, (unsigned long long)f->r10, (unsigned long long)f->r11);
    log_dump("R12=%016llx R13=%016llx R14=%016llx R15=%016llx", (unsigned long long)f->r12,
             (unsigned long long)f->r13, (unsigned long long)f->r14, (unsigned long long)f->r15);
    log_dump("CS=%04llx SS=%04llx RFLAGS=%08llx CR0=%llx CR2=%llx CR3=%llx CR4=%llx",
             (unsigned long long)f->cs, (unsigned long long)f->ss, (unsigned long long)f->rflags,
             (unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
             (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
    dump_backtrace(f->rbp);
}

void trap_dispatch(struct trap_frame *f)
{
    if (f->vector == VECTOR_NMI) {
        if (smp_stopping)
            smp_nmi_stop();     /* another CPU is stopping the machine */
        log_warn("NMI at RIP 0x%016llx that no one asked for: ignored",
                 (unsigned long long)f->rip);
        return;
    }
    if (f->vector == LAPIC_CALL_VECTOR || f->vector == LAPIC_KICK_VECTOR ||
        f->vector == LAPIC_TIMER_VECTOR) {
        lapic_eoi();            /* the idle loop looks in the mailbox; a late timer: nothing */
        return;
    }
    if (f->vector == LAPIC_SPURIOUS_VECTOR)
        return;                 /* no EOI for a spurious interrupt */
    if (f->vector >= 32) {
        /* Keel enables no other interrupt source; say so and go on. */
        log_warn("unexpected interrupt, vector %llu: ignored", (unsigned long long)f->vector);
        return;
    }
    cli();
    log_emergency = true;
    console_emergency();
    struct percpu *cpu = percpu_ready ? this_cpu() : NULL;
    if (cpu && cpu->trap_depth++ > 0) {
        /* Faulted while reporting a fault: report no more, just stop. */
        log_err("EXCEPTION %s at RIP 0x%016llx while reporting an exception",
                vectors[f->vector].mnemonic, (unsigned long long)f->rip);
        keel_stop(KEEL_STATUS_PANIC);
    }
    report(f);
    log_err("stopping: an exception in Keel is a bug in Keel");
    keel_stop(KEEL_STATUS_PANIC);
}
