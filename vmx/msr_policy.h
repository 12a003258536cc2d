/* What a guest's RDMSR and WRMSR of the MSRs in vmx/guest_msrs.def do:
 * pure, over a vCPU's own emulated values (KVM: kvm_get_msr_common,
 * kvm_set_msr_common). exit_msr.c calls it for whatever it does not
 * answer itself (the VMCS-held MSRs, the APIC's). */
#ifndef KEEL_VMX_MSR_POLICY_H
#define KEEL_VMX_MSR_POLICY_H

#include <stdbool.h>
#include <stdint.h>

enum guest_msr_kind {
    GMSR_ELSEWHERE, GMSR_FIXED, GMSR_KEEP, GMSR_IGNORED, GMSR_ZERO, GMSR_HOST, GMSR_MISC, GMSR_VMCS,
    GMSR_MTRR_DEF, GMSR_MTRR_FIX, GMSR_GP,
};
enum guest_msr_need { GMSR_NEEDS_NONE, GMSR_NEEDS_XSAVES, GMSR_NEEDS_ARCH_CAP };

/* A row of vmx/guest_msrs.def. */
struct guest_msr_info {
    uint32_t first, last;
    enum guest_msr_kind kind;
    enum guest_msr_need needs;
    uint64_t value;
    const char *name, *why;
};
extern const struct guest_msr_info guest_msr_table[];
extern const unsigned guest_msr_count;

/* The row that holds `msr`, or NULL. */
const struct guest_msr_info *guest_msr_find(uint32_t msr);

#define GUEST_MTRR_FIXED 11     /* 64K_00000, 16K_80000, 16K_A0000, 4K_C0000 ... 4K_F8000 */

/* A vCPU's emulated MSRs. All zero is "not yet set up": the first access
 * loads the power-on values (a vCPU is zeroed when it is made). INIT
 * leaves them (SDM "Table: IA-32 and Intel 64 Processor States Following
 * Power-up, Reset, or INIT": the MTRRs keep their values). */
struct guest_msrs {
    bool ready;
    uint64_t mtrr_def_type;
    uint64_t mtrr_fixed[GUEST_MTRR_FIXED];
};

/* What the guest's CPUID shows, and the host values a row passes on. */
struct guest_msr_facts {
    bool xsaves;                /* CPUID.(0DH,1):EAX[3] */
    bool arch_cap;              /* CPUID.(07H,0):EDX[29] */
    uint64_t host_arch_cap;     /* the host's IA32_ARCH_CAPABILITIES */
    uint64_t host_misc_enable;  /* the host's IA32_MISC_ENABLE */
};

enum guest_msr_result {
    GMSR_DONE,          /* answered (a read filled *val) */
    GMSR_REFUSE,        /* #GP, as the table means it: not worth a log line */
    GMSR_INVALID,       /* #GP: a value the MSR does not take (logged) */
    GMSR_NOT_HERE,      /* not the table's: the caller's (ELSEWHERE, or not listed) */
    GMSR_IN_VMCS,       /* the VMCS field holds it (a write: its bits are allowed) */
};

enum guest_msr_result guest_msr_read(struct guest_msrs *s, const struct guest_msr_facts *f,
                                     uint32_t msr, uint64_t *val);
enum guest_msr_result guest_msr_write(struct guest_msrs *s, const struct guest_msr_facts *f,
                                      uint32_t msr, uint64_t val);

/* Does a read of `msr` the table answered (GMSR_DONE) always answer the
 * same for this vCPU? Kinds FIXED, KEEP, IGNORED, ZERO, HOST and MISC: no
 * write changes them. The exit path keeps the last such answer (vmx/
 * exit_msr.c, vmx/entry.asm). */
bool guest_msr_read_constant(uint32_t msr);

/* SDM "Memory Types That Can Be Encoded in MTRRs": UC, WC, WT, WP, WB. */
bool mtrr_type_valid(uint64_t type);

#endif
