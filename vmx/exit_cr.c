/* Control- and debug-register accesses. The CR0/CR4 guest/host masks make
 * the bits VMX fixes (CR0.NE, CR4.VMXE, ...) Keel's: a guest write that
 * touches them exits here; the read shadow keeps what the guest wrote,
 * the real register keeps what VMX requires. */
#include "arch/x86/cpu.h"
#include "kernel/percpu.h"
#include "vmx/exit.h"
#include "vmx/vmx.h"
#include "vmx/gpr.h"
#include "vmx/vapic.h"


/* SDM "Exit Qualification for Control-Register Accesses" */
#define CR_Q_NUMBER(q)  ((q) & 0xf)
#define CR_Q_TYPE(q)    (((q) >> 4) & 3)
#define CR_Q_GPR(q)     (((q) >> 8) & 0xf)
#define CR_Q_LMSW(q)    (((q) >> 16) & 0xffff)
enum { CR_MOV_TO, CR_MOV_FROM, CR_CLTS, CR_LMSW };


static enum exit_action gp(void)
{
    inject_exception(VECTOR_GP, true, 0);
    return EXIT_RESUME;
}

/* PAE paging (CR0.PG, CR4.PAE, not IA-32e mode) uses four PDPTEs that the
 * CPU loads when MOV to CR0 turns paging on. Keel emulates that MOV, so it
 * loads them: from the guest's RAM, checked (SDM "PDPTE Registers":
 * reserved bits 2:1 and 8:5 in a present entry raise #GP). */
#define PDPTE_P 1ull
#define PDPTE_RESERVED 0x1e6ull

static bool load_pdptes(struct vcpu *v)
{
    uint64_t cr3 = vmread(VMCS_GUEST_CR3) & 0xffffffe0ull;
    const uint64_t *pdpte = guest_ram(v->guest, cr3, 4 * sizeof(uint64_t));
    if (!pdpte)
        return false;
    for (int i = 0; i < 4; i++)
        if ((pdpte[i] & PDPTE_P) && (pdpte[i] & PDPTE_RESERVED))
            return false;
    for (int i = 0; i < 4; i++)
        vmwrite(VMCS_GUEST_PDPTE0 + 2 * (uint32_t)i, pdpte[i]);
    return true;
}

static enum exit_action guest_write_cr0(struct vcpu *v, uint64_t val)
{
    const struct vmx_msrs *m = &vmx_cpu_caps[this_cpu_id()];
    uint64_t fixed0 = vmx_guest_cr0_fixed0(m, vmcs_config.ctl[VMX_PROC2]);
    uint64_t fixed1 = m->msr[VMXCAP_CR0_FIXED1];
    if ((val >> 32) || ((val & X86_CR0_PG) && !(val & X86_CR0_PE)) ||
        ((val & X86_CR0_NW) && !(val & X86_CR0_CD)))
        return gp();            /* SDM: MOV to CR0 #GP conditions */
    uint64_t efer = vmread(VMCS_GUEST_IA32_EFER), old = vmread(VMCS_GUEST_CR0);
    bool pg_on = (val & X86_CR0_PG) && !(old & X86_CR0_PG);
    bool pg_off = !(val & X86_CR0_PG) && (old & X86_CR0_PG);
    /* Leaving paging from 64-bit code: #GP, before anything changes (only
     * compatibility mode may leave IA-32e mode). */
    if (pg_off && (vmread(VMCS_GUEST_CS_AR_BYTES) & VMX_AR_L))
        return gp();
    if (pg_on && (efer & X86_EFER_LME)) {
        /* Entering IA-32e mode: LMA and the entry control follow. */
        if (!(vmread(VMCS_GUEST_CR4) & X86_CR4_PAE))
            return gp();
        vmwrite(VMCS_GUEST_IA32_EFER, efer | X86_EFER_LMA);
        vmwrite(VMCS_VM_ENTRY_CONTROLS,
                vmread(VMCS_VM_ENTRY_CONTROLS) | VMX_ENTRY_IA32E_MODE_GUEST);
    } else if (pg_on && (vmread(VMCS_GUEST_CR4) & X86_CR4_PAE) && !load_pdptes(v)) {
        return gp();
    } else if (pg_off && (efer & X86_EFER_LMA)) {
        vmwrite(VMCS_GUEST_IA32_EFER, efer & ~X86_EFER_LMA);
        vmwrite(VMCS_VM_ENTRY_CONTROLS,
                vmread(VMCS_VM_ENTRY_CONTROLS) & ~VMX_ENTRY_IA32E_MODE_GUEST);
    }
    vmwrite(VMCS_CR0_READ_SHADOW, val);
    /* CD and NW stay in the read shadow only: the CPU's caches stay on. */
    vmwrite(VMCS_GUEST_CR0, ((val | fixed0) & fixed1) & ~(X86_CR0_CD | X86_CR0_NW));
    /* A MOV to CR0 that changes PG (or WP) invalidates the TLB (SDM
     * "Invalidation of TLBs and Paging-Structure Caches"); the CPU does
     * not do it for a write Keel makes to the VMCS: the guest's VPID. */
    if ((val ^ old) & (X86_CR0_PG | X86_CR0_WP))
        vpid_flush(v->vpid);
    return EXIT_NEXT_INSTRUCTION;
}

#define CR4_TLB_BITS (X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PGE | X86_CR4_PCIDE | X86_CR4_SMEP)

static enum exit_action guest_write_cr4(struct vcpu *v, uint64_t val)
{
    const struct vmx_msrs *m = &vmx_cpu_caps[this_cpu_id()];
    /* VMXE: the guest sees no VMX. Bits VMX does not allow: reserved. */
    if ((val & X86_CR4_VMXE) || (val & ~m->msr[VMXCAP_CR4_FIXED1]) || (val >> 32))
        return gp();
    uint64_t old = vmread(VMCS_CR4_READ_SHADOW);
    vmwrite(VMCS_CR4_READ_SHADOW, val);
    vmwrite(VMCS_GUEST_CR4, val | m->msr[VMXCAP_CR4_FIXED0]);
    /* PGE, PAE, PSE, PCIDE, SMEP changes invalidate the TLB as CR0.PG does. */
    if ((val ^ old) & CR4_TLB_BITS)
        vpid_flush(v->vpid);
    return EXIT_NEXT_INSTRUCTION;
}

enum exit_action exit_cr_access(struct vcpu *v)
{
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    unsigned cr = CR_Q_NUMBER(q), reg = CR_Q_GPR(q);
    switch (CR_Q_TYPE(q)) {
    case CR_MOV_TO:
        if (cr == 0)
            return guest_write_cr0(v, gpr_get(v, reg) & guest_word_mask());
        if (cr == 4)
            return guest_write_cr4(v, gpr_get(v, reg) & guest_word_mask());
        if (cr == 8) {
            uint64_t val = gpr_get(v, reg);
            if (val > 15)
                return gp();
            vapic_set_cr8(v, val);      /* CR8 is the APIC's TPR[7:4] */
            return EXIT_NEXT_INSTRUCTION;
        }
        break;
    case CR_MOV_FROM:
        if (cr == 8) {
            gpr_set(v, reg, vapic_get_cr8(v));
            return EXIT_NEXT_INSTRUCTION;
        }
        break;
    case CR_CLTS:
        vmwrite(VMCS_CR0_READ_SHADOW, vmread(VMCS_CR0_READ_SHADOW) & ~X86_CR0_TS);
        vmwrite(VMCS_GUEST_CR0, vmread(VMCS_GUEST_CR0) & ~X86_CR0_TS);
        return EXIT_NEXT_INSTRUCTION;
    case CR_LMSW: {
        /* LMSW sets PE, MP, EM, TS; it can set PE but never clear it. */
        uint64_t shadow = vmread(VMCS_CR0_READ_SHADOW);
        uint64_t msw = CR_Q_LMSW(q) & 0xf;
        uint64_t val = (shadow & ~0xeull) | (msw & 0xe) | ((shadow | msw) & X86_CR0_PE);
        return guest_write_cr0(v, val);
    }
    }
    return exit_unexpected(v);
}

/* SDM "Exit Qualification for MOV DR" */
#define DR_Q_NUMBER(q) ((q) & 7)
#define DR_Q_FROM      (1u << 4)
#define DR_Q_GPR(q)    (((q) >> 8) & 0xf)

/* The guest's debug registers: DR0-DR3 are the CPU's own while its vCPU
 * runs (Keel uses none: vcpu_run loads them, and clears them after), so
 * hardware breakpoints work in the guest; DR7 is in the VMCS (the debug
 * controls are loaded at entry); DR6 is kept here: a #DB exit reports
 * what the CPU would have put there (exit_exception_nmi). MOV DR is
 * privileged (SDM "MOV-Move to/from Debug Registers": #GP at CPL > 0),
 * and DR6/DR7 take no bits above 31. */
enum exit_action exit_dr_access(struct vcpu *v)
{
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    unsigned dr = DR_Q_NUMBER(q), reg = DR_Q_GPR(q);
    if (VMX_AR_DPL(vmread(VMCS_GUEST_SS_AR_BYTES)) != 0)
        return gp();            /* CPL > 0 */
    if (dr == 4 || dr == 5) {
        /* With CR4.DE, DR4 and DR5 are reserved: #UD (the CPU checks it
         * before the exit; Bochs exits); without, they are DR6 and DR7. */
        if (vmread(VMCS_GUEST_CR4) & X86_CR4_DE) {
            inject_exception(VECTOR_UD, false, 0);
            return EXIT_RESUME;
        }
        dr += 2;
    }
    if (q & DR_Q_FROM) {
        uint64_t val = dr < 4 ? v->dr[dr] : dr == 6 ? (v->dr6 | DR6_FIXED_1)
                                                    : vmread(VMCS_GUEST_DR7);
        gpr_set(v, reg, val & guest_word_mask());
    } else {
        uint64_t val = gpr_get(v, reg) & guest_word_mask();
        if (dr < 4) {
            v->dr[dr] = val;
            write_dr(dr, val);
        } else if (val >> 32) {
            return gp();
        } else if (dr == 6) {
            v->dr6 = val;
        } else {
            vmwrite(VMCS_GUEST_DR7, val | DR7_FIXED_1);
        }
    }
    return EXIT_NEXT_INSTRUCTION;
}
