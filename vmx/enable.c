/* Entering and leaving VMX root operation on this CPU: SDM "Enabling and
 * Entering VMX Operation", "VMXON Region", "Restrictions on VMX Operation"
 * (KVM: hardware_enable / hardware_disable). */
#include "arch/x86/cpu.h"
#include "kernel/log.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"



/* Apply the fixed bits: set what must be 1, clear what must be 0. Returns
 * the bits the CPU could not be given (0: all is well). */
static uint64_t apply_fixed(const char *name, uint64_t (*rd)(void), void (*wr)(uint64_t),
                            uint64_t fixed0, uint64_t fixed1, uint64_t extra)
{
    uint64_t old = rd(), want = ((old | fixed0 | extra) & fixed1);
    if (want != old) {
        wr(want);
        log_debug("%s 0x%llx -> 0x%llx for VMX (fixed 0x%llx/0x%llx)", name,
                  (unsigned long long)old, (unsigned long long)want,
                  (unsigned long long)fixed0, (unsigned long long)fixed1);
    }
    uint64_t now = rd();
    return (fixed0 & ~now) | (now & ~fixed1) | (extra & ~now);
}

bool hardware_enable(void)
{
    struct percpu *cpu = this_cpu();
    const struct vmx_msrs *m = &vmx_cpu_caps[cpu->cpu_id];
    uint64_t bad0 = apply_fixed("CR0", read_cr0, write_cr0, m->msr[VMXCAP_CR0_FIXED0],
                                m->msr[VMXCAP_CR0_FIXED1], 0);
    /* OSXSAVE too where the CPU has XSAVE: XSETBV, done for guests,
     * needs it in VMX root operation. */
    uint64_t osxsave = cpuid(1, 0).ecx & X86_FEATURE_XSAVE_ECX ? X86_CR4_OSXSAVE : 0;
    uint64_t bad4 = apply_fixed("CR4", read_cr4, write_cr4, m->msr[VMXCAP_CR4_FIXED0],
                                m->msr[VMXCAP_CR4_FIXED1], X86_CR4_VMXE | osxsave);
    if (bad0 || bad4) {
        log_err("VMX: CR0 bits 0x%llx / CR4 bits 0x%llx cannot be set as IA32_VMX_CR*_FIXED* "
                "require: this CPU is left out of VMX", (unsigned long long)bad0,
                (unsigned long long)bad4);
        write_cr4(read_cr4() & ~X86_CR4_VMXE);
        return false;
    }
    uint64_t region = mm_alloc_frames(1, FRAME_SIZE);
    *(volatile uint32_t *)(uintptr_t)region = VMX_BASIC_REVISION(m->msr[VMXCAP_BASIC]);
    enum vmx_result r = vmxon(region);
    if (r != VMX_SUCCEED) {
        log_err("VMX: VMXON failed with %s: this CPU is left out of VMX", vmx_result_name(r));
        mm_free_frames(region, 1);
        write_cr4(read_cr4() & ~X86_CR4_VMXE);
        return false;
    }
    cpu->vmxon_region = region;
    cpu->vmx_on = true;
    log_info("VMXON done: VMX root operation (VMXON region 0x%llx, revision 0x%x)",
             (unsigned long long)region, VMX_BASIC_REVISION(m->msr[VMXCAP_BASIC]));
    return true;
}

bool hardware_disable(bool verbose)
{
    struct percpu *cpu = this_cpu();
    if (!cpu->vmx_on)
        return true;
    enum vmx_result r = vmxoff();
    if (r != VMX_SUCCEED) {
        if (verbose)
            log_err("VMX: VMXOFF failed with %s", vmx_result_name(r));
        return false;
    }
    cpu->vmx_on = false;
    write_cr4(read_cr4() & ~X86_CR4_VMXE);
    if (verbose)
        log_info("VMXOFF done: left VMX operation");
    return true;
}
