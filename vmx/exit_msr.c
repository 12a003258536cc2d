/* RDMSR/WRMSR that the MSR bitmap sends here: an allow-list. MSRs the
 * VMCS switches are read and written there, the APIC's by the APIC;
 * every other one as vmx/guest_msrs.def says (emulated, or #GP on
 * purpose); an MSR not listed raises #GP in the guest, logged. */
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "kernel/log.h"
#include "vmx/exit.h"
#include "vmx/gpr.h"
#include "vmx/guest_cpu.h"
#include "vmx/vapic.h"
#include "vmx/vmx.h"

static uint32_t vmcs_field_for(uint32_t msr)
{
    switch (msr) {
    case MSR_IA32_EFER: return VMCS_GUEST_IA32_EFER;
    case MSR_IA32_PAT:
        /* The guest-PAT field exists only with the PAT controls, which are
         * optional: without them the guest's PAT is kept in the vCPU. */
        return vmcs_config.ctl[VMX_ENTRY] & VMX_ENTRY_LOAD_PAT ? VMCS_GUEST_IA32_PAT : 0;
    case MSR_IA32_SYSENTER_CS: return VMCS_GUEST_SYSENTER_CS;
    case MSR_IA32_SYSENTER_ESP: return VMCS_GUEST_SYSENTER_ESP;
    case MSR_IA32_SYSENTER_EIP: return VMCS_GUEST_SYSENTER_EIP;
    default: return 0;
    }
}

static bool pat_valid(uint64_t pat)
{
    for (int i = 0; i < 8; i++) {
        uint8_t t = (uint8_t)(pat >> (8 * i));
        if (t == 2 || t == 3 || t > 7)
            return false;
    }
    return true;
}

/* A guest can refuse itself MSRs in a loop: say so for the first few only,
 * so that it cannot flood the console every CPU shares. */
#define REFUSALS_LOGGED 8

static enum exit_action refuse(struct vcpu *v, const char *op, uint32_t msr)
{
    const char *name = msr_name(msr);
    if (v->msr_refusals++ == REFUSALS_LOGGED)
        log_info("guest %s: further refused MSR accesses are not logged", v->guest->cfg.name);
    if (v->msr_refusals <= REFUSALS_LOGGED)
        log_info("guest %s: %s of MSR 0x%x%s%s%s refused: #GP", v->guest->cfg.name, op, msr,
             name ? " (" : "", name ? name : "", name ? ")" : "");
    inject_exception(VECTOR_GP, true, 0);
    return EXIT_RESUME;
}

/* WRMSR's operand, EDX:EAX */
static inline uint64_t msr_value(const struct vcpu *v)
{
    return (uint32_t)v->regs.rax | v->regs.rdx << 32;
}

static void set_edx_eax(struct vcpu *v, uint64_t val)
{
    v->regs.rax = (uint32_t)val;
    v->regs.rdx = val >> 32;
}

/* #GP that vmx/guest_msrs.def means: what Linux probes, unlogged. */
static enum exit_action refuse_quietly(void)
{
    inject_exception(VECTOR_GP, true, 0);
    return EXIT_RESUME;
}

/* A read that always answers the same (guest_msr_read_constant): kept, so
 * that vmx/entry.asm's RDMSR path answers the next read of the same MSR
 * without C. */
static void keep(struct vcpu *v, uint32_t msr, uint64_t val)
{
    v->rdmsr_kept.key = RDMSR_KEPT_VALID | msr;
    v->rdmsr_kept.value = val;
}

/* The table's MSRs that the VMCS holds (kind VMCS). */
static uint32_t table_vmcs_field(uint32_t msr)
{
    return msr == MSR_IA32_DEBUGCTL ? VMCS_GUEST_IA32_DEBUGCTL : 0;
}

/* The APIC's MSRs, then the table's: out of line, so that the others
 * need no stack frame for what they return. */
static __attribute__((noinline)) enum exit_action rdmsr_other(struct vcpu *v, uint32_t msr)
{
    uint64_t val;
    bool gp;
    if (vapic_rdmsr(v, msr, &val, &gp)) {
        if (gp)
            return refuse(v, "RDMSR (APIC)", msr);
    } else {
        switch (guest_msr_read(&v->msrs, &guest_msr_facts, msr, &val)) {
        case GMSR_DONE:
            if (guest_msr_read_constant(msr))
                keep(v, msr, val);
            break;
        case GMSR_IN_VMCS:
            val = vmread(table_vmcs_field(msr));
            break;
        case GMSR_REFUSE:
            return refuse_quietly();
        default:
            return refuse(v, "RDMSR", msr);
        }
    }
    set_edx_eax(v, val);
    return EXIT_NEXT_INSTRUCTION;
}

static __attribute__((noinline)) enum exit_action wrmsr_table(struct vcpu *v, uint32_t msr,
                                                              uint64_t val)
{
    switch (guest_msr_write(&v->msrs, &guest_msr_facts, msr, val)) {
    case GMSR_DONE:
        return EXIT_NEXT_INSTRUCTION;
    case GMSR_IN_VMCS:
        vmwrite(table_vmcs_field(msr), val);
        return EXIT_NEXT_INSTRUCTION;
    case GMSR_REFUSE:
        return refuse_quietly();
    case GMSR_INVALID:
        return refuse(v, "WRMSR (a value it does not take)", msr);
    default:
        return refuse(v, "WRMSR", msr);
    }
}

enum exit_action exit_rdmsr(struct vcpu *v)
{
    uint32_t msr = (uint32_t)v->regs.rcx;
    uint32_t field = vmcs_field_for(msr);
    uint64_t val;
    if (field)
        val = vmread(field);
    else if (msr == MSR_IA32_PAT)
        val = v->pat;
    else if (msr == MSR_IA32_TSC)
        val = rdtsc();
    else if (msr == MSR_IA32_FEATURE_CONTROL)
        keep(v, msr, val = GUEST_FEATURE_CONTROL);     /* the table's FIXED row */
    else
        return rdmsr_other(v, msr);
    set_edx_eax(v, val);
    return EXIT_NEXT_INSTRUCTION;
}

static __attribute__((noinline)) enum exit_action wrmsr_general(struct vcpu *v)
{
    uint32_t msr = (uint32_t)v->regs.rcx;
    uint64_t val = msr_value(v);
    bool gp;
    if (vapic_wrmsr(v, msr, val, &gp))
        return gp ? refuse(v, "WRMSR (APIC)", msr) : EXIT_NEXT_INSTRUCTION;
    if (msr == MSR_IA32_EFER) {
        if (val & ~(X86_EFER_WRITABLE | X86_EFER_LMA))
            return refuse(v, "WRMSR (reserved EFER bits)", msr);
        /* LMA is the CPU's to set (on CR0.PG with LME): keep it. LME
         * cannot change while paging is on. */
        uint64_t old = vmread(VMCS_GUEST_IA32_EFER);
        if ((vmread(VMCS_GUEST_CR0) & X86_CR0_PG) && ((val ^ old) & X86_EFER_LME))
            return refuse(v, "WRMSR (EFER.LME with paging on)", msr);
        vmwrite(VMCS_GUEST_IA32_EFER, (val & X86_EFER_WRITABLE) | (old & X86_EFER_LMA));
        return EXIT_NEXT_INSTRUCTION;
    }
    if (msr == MSR_IA32_PAT && !pat_valid(val))
        return refuse(v, "WRMSR (invalid PAT type)", msr);
    if ((msr == MSR_IA32_SYSENTER_ESP || msr == MSR_IA32_SYSENTER_EIP) && !x86_canonical(val))
        return refuse(v, "WRMSR (non-canonical address)", msr);
    uint32_t field = vmcs_field_for(msr);
    if (!field && msr == MSR_IA32_PAT) {
        v->pat = val;
        return EXIT_NEXT_INSTRUCTION;
    }
    if (!field)
        return wrmsr_table(v, msr, val);
    vmwrite(field, val);
    return EXIT_NEXT_INSTRUCTION;
}

/* The writes a local APIC sees most go straight to their effect (x2APIC
 * EOI, where only 0 may be written, a self-IPI of a legal vector, the
 * timer's initial count; the TSC deadline), without the frame the others
 * need; anything else about them takes the general path. */
enum exit_action exit_wrmsr(struct vcpu *v)
{
    /* Compares in order of frequency (a switch would be a search tree). */
    uint32_t msr = (uint32_t)v->regs.rcx;
    if ((msr == MSR_X2APIC_EOI && !msr_value(v) && vapic_x2apic_eoi(v)) ||
        (msr == MSR_X2APIC_SELF_IPI && vapic_x2apic_self_ipi(v, msr_value(v))) ||
        (msr == MSR_X2APIC_TMICT && vapic_x2apic_tmict(v, msr_value(v))) ||
        (msr == MSR_IA32_TSC_DEADLINE && vapic_tsc_deadline(v, msr_value(v))) ||
        (msr == MSR_X2APIC_ICR && vapic_x2apic_icr(v, msr_value(v))))
        return EXIT_NEXT_INSTRUCTION;
    return wrmsr_general(v);
}
