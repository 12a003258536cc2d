/* Speculative-execution mitigations between guests and Keel (issue
 * "Hostile guests"): what this CPU needs, from what it enumerates, as KVM
 * decides it (arch/x86/kernel/cpu/bugs.c, vmx_l1d_flush,
 * mds_clear_cpu_buffers). The decision is pure and unit-tested; Keel
 * applies it on the VM-entry path only where it is needed, so a CPU that
 * needs none (Bochs, which does not speculate) runs the plain path. */
#ifndef KEEL_VMX_SPEC_CTRL_H
#define KEEL_VMX_SPEC_CTRL_H

#include <stdbool.h>
#include <stdint.h>

/* What the CPU says (CPUID.(EAX=7,ECX=0):EDX and IA32_ARCH_CAPABILITIES). */
struct spec_cpu {
    bool md_clear;              /* CPUID.7.0:EDX[10]: VERW clears CPU buffers */
    bool ibrs_ibpb;             /* EDX[26]: IBRS and IBPB (IA32_PRED_CMD) */
    bool l1d_flush;             /* EDX[28]: IA32_FLUSH_CMD */
    bool arch_capabilities;     /* EDX[29]: the MSR below exists */
    uint64_t arch_cap;          /* IA32_ARCH_CAPABILITIES, 0 when absent */
    bool emulated;              /* an emulator that executes in order (Bochs) */
};

#define ARCH_CAP_RDCL_NO            (1ull << 0)     /* not affected by L1TF/Meltdown */
#define ARCH_CAP_IBRS_ALL           (1ull << 1)     /* enhanced IBRS */
#define ARCH_CAP_SKIP_L1DFL_VMENTRY (1ull << 3)
#define ARCH_CAP_MDS_NO             (1ull << 5)

struct spec_mitigations {
    bool ibpb_between_guests;   /* IBPB when a CPU changes guest */
    bool l1d_flush_on_entry;    /* IA32_FLUSH_CMD before VM entry (L1TF) */
    bool verw_on_entry;         /* VERW before VM entry (MDS), unless the L1D flush does it */
    bool rsb_fill_on_exit;      /* overwrite the return stack buffer after a VM exit */
};

/* The decision: each mitigation the CPU both needs and can do. A need the
 * CPU cannot meet (no IA32_FLUSH_CMD on an L1TF-affected part, say) is
 * reported by spec_describe as missing, not silently dropped. */
struct spec_mitigations spec_decide(const struct spec_cpu *c);

/* "IBPB between guests on, L1D flush on VM entry off (not affected:
 * ARCH_CAPABILITIES.RDCL_NO), ..." */
void spec_describe(const struct spec_cpu *c, const struct spec_mitigations *m, char *buf,
                   unsigned size);

/* At VMX bring-up, on the boot CPU: read this CPU, decide, say so. */
void spec_init(void);
extern struct spec_mitigations spec;

/* Any of the VM-entry/exit mitigations: vcpu_run then takes the entry
 * path that applies them (vmx/entry.asm, vmx_run_mitigated). */
static inline bool spec_on_entry_path(const struct spec_mitigations *m)
{
    return m->l1d_flush_on_entry || m->verw_on_entry || m->rsb_fill_on_exit;
}

#endif
