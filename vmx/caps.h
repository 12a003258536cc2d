/* Reading this CPU's VMX capabilities (KVM: cpu_has_vmx,
 * vmx_disabled_by_bios, and the MSR reads of setup_vmcs_config). */
#ifndef KEEL_VMX_CAPS_H
#define KEEL_VMX_CAPS_H

#include "vmx/vmcs_config.h"

bool cpu_has_vmx(void);

/* IA32_FEATURE_CONTROL: when the firmware left it unlocked, enable VMX
 * outside SMX (and inside SMX where the CPU has SMX) and lock it. Returns
 * true when it is locked with VMX outside SMX off. */
bool vmx_disabled_by_bios(void);

/* Fill `m` from this CPU: CPUID, FEATURE_CONTROL, and every capability
 * MSR that exists (each read only when the SDM says it is there). */
void vmx_read_caps(struct vmx_msrs *m);

/* One line: "revision 0x4, 4096-byte regions, TRUE controls, EPT (...)". */
void vmx_caps_summary(const struct vmx_msrs *m, char *buf, unsigned size);

#endif
