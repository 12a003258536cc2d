/* The nested profile: whether Keel runs under another hypervisor (the
 * CPUID hypervisor bit and signature, or a known emulated VMCS revision),
 * and, for what nested VMX commonly lacks, what Keel does without it; on a
 * refusal, what to change on the host. Pure: decided over the recorded
 * capabilities (vmx/vmcs_config.h), unit-tested with fixtures of nested
 * KVM (tests/unit/fixtures/vmx/). */
#ifndef KEEL_VMX_NESTED_H
#define KEEL_VMX_NESTED_H

#include "vmx/vmcs_config.h"

#define VMX_KVM_VMCS12_REVISION 0x11e57ed0u     /* KVM's vmcs12 (arch/x86/kvm/vmx/vmcs12.h) */

struct vmx_nested {
    bool nested;                /* a hypervisor is below Keel */
    bool hv_bit;                /* CPUID.1:ECX[31] */
    char signature[13];         /* CPUID 0x40000000 EBX:ECX:EDX, "" if none */
    const char *name;           /* "KVM", "Hyper-V", ... or NULL */
    bool kvm_vmcs;              /* VMCS revision is KVM's vmcs12 */
    unsigned phys_bits;         /* CPUID 0x80000008 EAX[7:0]; 36 without the leaf */
};

/* From the boot CPU's (or any CPU's) recorded capabilities. */
void vmx_nested_detect(const struct vmx_msrs *m, struct vmx_nested *out);

/* Lines for the log, none on bare metal: under a hypervisor, one that
 * says so, the physical-address width, and (when `in_vmx` CPUs could
 * enter VMX with configuration `c`) one per feature nested VMX lacks here,
 * with what Keel does instead. */
void vmx_nested_report(const struct vmx_nested *nv, const struct vmx_msrs *cpus, unsigned n,
                       const struct vmcs_config *c, unsigned in_vmx, report_fn line, void *ctx);

/* When no CPU can enter VMX under a hypervisor: what to change on the
 * host (nested=1, ept=1, vpid=1, a 64-bit CPU model). */
void vmx_nested_hints(const struct vmx_nested *nv, const struct vmx_msrs *cpus, unsigned n,
                      report_fn line, void *ctx);

#endif
