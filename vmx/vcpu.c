/* A vCPU's life on its CPU: its VMCS, its start state, the run loop and
 * the wait for SIPI (KVM: vmx_vcpu_run, with the loop that KVM_RUN drives,
 * minus the userspace round trip; kvm_vcpu_block for wait-for-SIPI). */
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/tsc.h"
#include "kernel/bench.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "vmx/dev/devices.h"
#include "vmx/entry_check.h"
#include "vmx/event.h"
#include "arch/x86/lapic.h"
#include "vmx/spec_ctrl.h"
#include "vmx/exit.h"
#include "vmx/vapic.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmcs_image.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"

/* What VM exits leave with the CPU and the next guest on it must not see:
 * extended state (x87, SSE, AVX, ..., PKRU) and XCR0, CR2, DR0-DR3 and
 * the MSRs guests use directly (vmcs_setup.c). Reset them all, before a
 * vCPU runs and after. */
#define MXCSR_DEFAULT 0x1f80
#define FXSAVE_MXCSR_OFFSET 24
#define XSAVE_AREA_FRAMES 4

static void scrub_cpu_state(const struct guest *g, struct percpu *cpu)
{
    /* CR0.CD and NW are Keel's (the guest/host mask): should a guest ever
     * reach them, VM exits would leave them set, caches off for Keel. */
    if (read_cr0() & (X86_CR0_CD | X86_CR0_NW)) {
        log_err("guest %s left CR0.CD/NW set in Keel: cleared", g->cfg.name);
        write_cr0(read_cr0() & ~(X86_CR0_CD | X86_CR0_NW));
    }
    for (unsigned i = 0; i < GUEST_UNSWITCHED_MSRS; i++)
        wrmsr(guest_unswitched_msrs[i], 0);
    write_cr2(0);
    for (unsigned i = 0; i < 4; i++)
        write_dr(i, 0);
    /* An all-zero area (but for MXCSR) restores every component to its
     * initial state: XRSTOR with XSTATE_BV = 0, or FXRSTOR. One per CPU. */
    uint8_t *area = (uint8_t *)(uintptr_t)cpu->xsave_init;
    if (cpuid(1, 0).ecx & X86_FEATURE_XSAVE_ECX) {
        struct cpuid_regs r = cpuid(0xd, 0);
        uint64_t all = ((uint64_t)r.edx << 32 | r.eax) & GUEST_XCR0_ALLOWED;
        asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)all), "d"((uint32_t)(all >> 32)));
        asm volatile("xrstor %0" : : "m"(*area), "a"((uint32_t)all), "d"((uint32_t)(all >> 32))
                     : "memory");
        asm volatile("xsetbv" : : "c"(0), "a"((uint32_t)X86_XCR0_X87), "d"(0));
    } else {
        asm volatile("fninit; fxrstor %0" : : "m"(*area) : "memory");
    }
}

uint64_t vcpu_watchdog_cold, vcpu_watchdog_hot;

void vcpu_cpu_prepare(struct percpu *cpu)
{
    vcpu_watchdog_cold = tsc_hz / 1000 * VCPU_WATCHDOG_MS;
    vcpu_watchdog_hot = tsc_hz / 1000 * VCPU_WATCHDOG_HOT_MS;
    if (!cpu->xsave_init) {
        cpu->xsave_init = mm_alloc_frames(XSAVE_AREA_FRAMES, FRAME_SIZE);
        *(uint32_t *)(uintptr_t)(cpu->xsave_init + FXSAVE_MXCSR_OFFSET) = MXCSR_DEFAULT;
    }
    trace_cpu_prepare(cpu);
    if (!cpu->vmcs_image)
        cpu->vmcs_image = (struct vmcs_image *)(uintptr_t)mm_alloc_frames(
            (sizeof(struct vmcs_image) + FRAME_SIZE - 1) / FRAME_SIZE, FRAME_SIZE);
}

static bool load_vmcs(struct vcpu *v)
{
    const struct vmx_msrs *m = &vmx_cpu_caps[this_cpu_id()];
    *(volatile uint32_t *)(uintptr_t)v->vmcs = VMX_BASIC_REVISION(m->msr[VMXCAP_BASIC]);
    enum vmx_result r = vmclear(v->vmcs);
    if (r == VMX_SUCCEED)
        r = vmptrld(v->vmcs);
    if (r != VMX_SUCCEED) {
        guest_stop(v->guest, "VMCLEAR/VMPTRLD of vCPU %u's VMCS at 0x%llx failed: %s", v->index,
                   (unsigned long long)v->vmcs, vmx_result_name(r));
        return false;
    }
    return true;
}

/* Write v->start into the VMCS, after the software VM-entry checks. */
static bool load_start_state(struct vcpu *v)
{
    struct guest *g = v->guest;
    struct vmcs_image *img = this_cpu()->vmcs_image;
    vmcs_build(v, img);
    struct entry_check_failure f;
    if (g->cfg.check && !vmentry_check(img, &vmx_cpu_caps[this_cpu_id()], &f)) {
        guest_stop(g, "refused before VM entry: %s (SDM \"%s\"): %s", f.check, f.section,
                   f.detail);
        return false;
    }
    vmcs_load(img);
    v->regs = v->start.regs;
    v->proc_ctl = (uint32_t)img_get(img, VMCS_CPU_BASED_VM_EXEC_CONTROL);
    v->activity = VCPU_ACTIVE;
    return true;
}

/* Wait-for-SIPI, outside the guest: halted with interrupts on, so that a
 * kick (or Keel's own IPIs) wakes the CPU. Returns false if the guest
 * ended meanwhile. */
static bool wait_for_sipi(struct vcpu *v)
{
    vcpu_mark_stuck(v, "waiting for SIPI");
    for (;;) {
        cli();
        uint32_t req = __atomic_load_n(&v->requests, __ATOMIC_ACQUIRE);
        if (req & VCPU_REQ_STOP)
            return false;
        if (req & VCPU_REQ_SIPI)
            break;
        __atomic_fetch_and(&v->requests, ~(VCPU_REQ_INIT | VCPU_REQ_NMI), __ATOMIC_RELAXED);
        smp_poll_call();
        asm volatile("sti; hlt" ::: "memory");
    }
    __atomic_fetch_and(&v->requests, ~(VCPU_REQ_SIPI | VCPU_REQ_INIT), __ATOMIC_RELAXED);
    vcpu_unmark_stuck(v);
    /* SDM "MP Initialization Protocol": real mode, CS = vector << 8, IP 0. */
    uint8_t vec = v->sipi_vector;
    v->start = (struct vcpu_start){
        .mode = GUEST_REAL16, .cs_selector = (uint16_t)(vec << 8),
        .cs_base = (uint64_t)vec << 12, .rip = 0, .activity = VCPU_ACTIVE,
    };
    log_info("guest %s: vCPU %u started by SIPI at 0x%x on cpu%u", v->guest->cfg.name, v->index,
             vec << 12, this_cpu_id());
    return true;
}

void vcpu_run(struct vcpu *v)
{
    struct guest *g = v->guest;
    struct percpu *cpu = this_cpu();
    if (g->state != GUEST_RUNNING || !load_vmcs(v))
        return;
    /* Before the first guest on this CPU too: what the firmware or Keel
     * left (x87 control word, SFMASK, ...) is not the guest's to see. */
    scrub_cpu_state(g, cpu);
    /* Branch predictions another guest trained on this CPU are not this
     * one's to use (IBPB, where spec_init chose it). */
    if (spec.ibpb_between_guests && cpu->last_guest != g)
        wrmsr(MSR_IA32_PRED_CMD, 1);
    cpu->last_guest = g;
    for (unsigned i = 0; i < 4; i++)
        write_dr(i, v->dr[i]);          /* the guest's breakpoints (vmx/exit_cr.c) */
    __atomic_store_n(&cpu->vcpu, v, __ATOMIC_SEQ_CST);    /* kicks reach it from now on */
    v->preempt_shift = vmx_cpu_caps[this_cpu_id()].msr[VMXCAP_MISC] & 0x1f;
    bool timer = vmx_has_preemption_timer() || vmx_host_timer;
    if (!timer && v->index == 0)
        log_warn("guest %s: no VMX-preemption timer and no TSC-deadline APIC timer on this "
                 "CPU: no time budget, no APIC timer", g->cfg.name);
    for (bool first = true;; first = false) {
        if (v->activity == VCPU_WAIT_FOR_SIPI) {
            if (!wait_for_sipi(v))
                break;
        }
        /* The time budget counts from the vCPU's first instruction, not
         * from its wait (behind an earlier guest, or for SIPI). */
        if (first) {
            v->deadline = timer && g->cfg.time_s ? tsc_deadline(g->cfg.time_s * 1000000) : 0;
            v->exits_to_check = BUDGET_CHECK_EXITS;
        }
        if (!load_start_state(v))
            break;
        if (first)
            log_info("guest %s: %s on cpu%u (VPID %u)", g->cfg.name,
                     v->index ? "vCPU running" : "starting", this_cpu_id(), v->vpid);
        /* (a new start state has the plain HOST_RIP: traced again if on) */
        vcpu_request_self(v, VCPU_REQ_TIMER | VCPU_REQ_EVENT | (v->trace.want ? VCPU_REQ_TRACE : 0));
        if (first)
            bench_first_entry();
        enum vmx_result r = VMX_SUCCEED;
        if (vcpu_pre_entry(v, EXIT_RESUME) != EXIT_STOP)
            r = spec_on_entry_path(&spec) ? vmx_run_mitigated(v)
                                          : vmx_run(v);    /* until a handler says stop */
        if (r != VMX_SUCCEED) {
            vmx_entry_failed(v, r);
            break;
        }
        if (v->activity != VCPU_WAIT_FOR_SIPI)
            break;                          /* the guest ended (not an INIT) */
    }
    vcpu_unmark_stuck(v);
    if (vmx_host_timer)
        lapic_timer_at(0);              /* nothing more to time for it */
    guest_console_flush(g);
    vmclear(v->vmcs);
    scrub_cpu_state(g, cpu);
    cpu->vcpu = NULL;
}
