/* VMX capability negotiation, as Linux KVM's setup_vmcs_config does it,
 * but over every CPU at once: one configuration that all CPUs in VMX can
 * run, CPUs that lack what Keel requires left out by name. Pure logic
 * over recorded capability MSRs: unit-tested with real and made-up sets. */
#ifndef KEEL_VMX_VMCS_CONFIG_H
#define KEEL_VMX_VMCS_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/lib/fmt.h"

#define VMX_MAX_CPUS 256

enum vmx_ctl_word { VMX_PIN, VMX_PROC, VMX_PROC2, VMX_EXIT, VMX_ENTRY, VMX_CTL_WORDS };

/* Control bits, generated from vmx/controls.def: VMX_PROC_HLT_EXITING ... */
enum {
#define CTL(word, name, bit, desc, policy) VMX_##word##_##name = 1u << (bit),
#include "vmx/controls.def"
#undef CTL
};
/* EPT/VPID capability bits, from vmx/ept_vpid.def: VMX_EPT_VPID_INVEPT ... */
enum {
#define CAP(name, bit, desc, policy) VMX_EPT_VPID_##name##_BIT = bit,
#include "vmx/ept_vpid.def"
#undef CAP
};
#define VMX_EPT_VPID(name) (1ull << VMX_EPT_VPID_##name##_BIT)

/* The capability MSRs, in the order of struct vmx_msrs.msr[]. */
#define VMX_CAP_MSRS(X)                                                     \
    X(BASIC) X(PINBASED_CTLS) X(PROCBASED_CTLS) X(EXIT_CTLS) X(ENTRY_CTLS)   \
    X(MISC) X(CR0_FIXED0) X(CR0_FIXED1) X(CR4_FIXED0) X(CR4_FIXED1)          \
    X(VMCS_ENUM) X(PROCBASED_CTLS2) X(EPT_VPID_CAP) X(TRUE_PINBASED_CTLS)   \
    X(TRUE_PROCBASED_CTLS) X(TRUE_EXIT_CTLS) X(TRUE_ENTRY_CTLS) X(VMFUNC)

enum vmx_cap_msr {
#define X(name) VMXCAP_##name,
    VMX_CAP_MSRS(X)
#undef X
    VMXCAP_COUNT
};

/* IA32_VMX_BASIC fields: SDM Appendix A.1, "Basic VMX Information" */
#define VMX_BASIC_REVISION(b)    ((uint32_t)(b) & 0x7fffffffu)
#define VMX_BASIC_REGION_SIZE(b) ((uint32_t)((b) >> 32) & 0x1fffu)
#define VMX_BASIC_32BIT_ADDR     (1ull << 48)
#define VMX_BASIC_MEMTYPE(b)     ((uint32_t)((b) >> 50) & 0xfu)
#define VMX_BASIC_TRUE_CTLS      (1ull << 55)
#define VMX_MEMTYPE_WB 6

/* CPUID leaves read with the capabilities: for vmx=dump, and for the
 * nested profile (vmx/nested.c: the hypervisor bit and signature). */
#define VMX_CPUID_LEAVES 12
struct vmx_cpuid {
    uint32_t leaf, subleaf;
    uint32_t eax, ebx, ecx, edx;
};

/* One CPU's VMX capabilities as read from it (vmx/caps.c), or from a
 * fixture (tests/unit/fixtures/vmx/, the format vmx=dump prints). */
struct vmx_msrs {
    uint32_t cpu_id;
    bool vmx;                           /* CPUID.1:ECX.VMX[bit 5] */
    bool locked_off;                    /* IA32_FEATURE_CONTROL locked, VMX off */
    uint32_t present;                   /* bit per enum vmx_cap_msr: read */
    uint64_t msr[VMXCAP_COUNT];
    bool have_feature_control;
    uint64_t feature_control;           /* IA32_FEATURE_CONTROL as the firmware left it */
    bool locked_by_keel;                /* it was unlocked: Keel enabled VMX and locked it */
    unsigned ncpuid;
    struct vmx_cpuid cpuid[VMX_CPUID_LEAVES];
};

/* IA32_FEATURE_CONTROL bits: SDM volume 4, and "Enabling and Entering VMX
 * Operation" */
#define FEATURE_CONTROL_LOCKED          (1ull << 0)
#define FEATURE_CONTROL_VMX_INSIDE_SMX  (1ull << 1)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)

/* What IA32_FEATURE_CONTROL should hold: as it is when the firmware
 * locked it (VMX on or off, its choice); when it left it unlocked, VMX
 * outside SMX (and inside SMX where the CPU has SMX) on and the lock set,
 * as KVM does. */
uint64_t vmx_feature_control_enable(uint64_t fc, bool smx);

/* The recorded CPUID leaf, or NULL when it was not read. */
const struct vmx_cpuid *vmx_msrs_cpuid(const struct vmx_msrs *m, uint32_t leaf, uint32_t subleaf);

struct vmcs_config {
    /* The common control settings: what every CPU in VMX uses. */
    uint32_t ctl[VMX_CTL_WORDS];
    /* Over the CPUs in VMX: bits all may set, and bits some must set. */
    uint32_t allowed1[VMX_CTL_WORDS];
    uint32_t must1[VMX_CTL_WORDS];
    uint64_t ept_vpid_common;           /* capabilities every CPU has */
    uint64_t ept_vpid;                  /* of those, the ones Keel uses */
    uint32_t region_size;               /* largest VMXON/VMCS region */
    bool in_vmx[VMX_MAX_CPUS];          /* by index into the input array */
    unsigned ncpus_in;
};


/* The SDM's rule for a control word (Appendix A.3, "VM-Execution
 * Controls"): bits 31:0 of `msr` are the allowed 0-settings (a 1 there
 * means the control must be 1), bits 63:32 the allowed 1-settings. Sets
 * *result to (min | opt) limited to what may be 1, plus what must be 1.
 * Returns the bits of `min` that cannot be 1: 0 when all is well. */
uint32_t adjust_vmx_controls(uint32_t min, uint32_t opt, uint64_t msr, uint32_t *result);

/* The capability MSR value a CPU gives for a control word: the TRUE_*
 * MSR when IA32_VMX_BASIC[55] says it has them, the secondary controls
 * only when the primary ones allow activating them; 0 otherwise. */
uint64_t vmx_ctl_capability(const struct vmx_msrs *m, enum vmx_ctl_word w);

/* Negotiate over n CPUs. Reports, per CPU, each required capability it
 * lacks (that CPU is left out) and each optional control or capability
 * that is given up on all CPUs because of it. Returns the number of CPUs
 * in VMX (0: none can run Keel). */
unsigned setup_vmcs_config(const struct vmx_msrs *cpus, unsigned n, struct vmcs_config *out,
                           report_fn report, void *ctx);

/* The full negotiated configuration, one line per control and capability:
 * on or off, and why (required, optional, not wanted, not allowed by which
 * CPUs, forced on). For vmx=report. */
void vmcs_config_explain(const struct vmcs_config *c, const struct vmx_msrs *cpus, unsigned n,
                         report_fn line, void *ctx);

/* CR0 bits a guest must keep set (IA32_VMX_CR0_FIXED0), less PE and PG
 * when "unrestricted guest" is on (SDM "Unrestricted Guests"). */
uint64_t vmx_guest_cr0_fixed0(const struct vmx_msrs *m, uint32_t proc2);

const char *vmx_ctl_word_name(enum vmx_ctl_word w);     /* "pin-based" ... */
const char *vmx_ctl_msr_name(enum vmx_ctl_word w);      /* "IA32_VMX_PINBASED_CTLS" ... */

#endif
