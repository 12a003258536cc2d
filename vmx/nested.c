#include "vmx/nested.h"
#include "arch/x86/x86.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/string.h"

static const struct { const char *sig, *name; } known[] = {
    { "KVMKVMKVM", "KVM" },           { "Microsoft Hv", "Hyper-V" },
    { "VMwareVMware", "VMware" },      { "XenVMMXenVMM", "Xen" },
    { "VBoxVBoxVBox", "VirtualBox" },  { "TCGTCGTCGTCG", "QEMU TCG" },
    { "ACRNACRNACRN", "ACRN" },        { "bhyve bhyve ", "bhyve" },
};

void vmx_nested_detect(const struct vmx_msrs *m, struct vmx_nested *out)
{
    memset(out, 0, sizeof(*out));
    const struct vmx_cpuid *l1 = vmx_msrs_cpuid(m, 1, 0);
    const struct vmx_cpuid *hv = vmx_msrs_cpuid(m, X86_CPUID_HYPERVISOR_LEAF, 0);
    out->hv_bit = l1 && (l1->ecx & X86_FEATURE_HYPERVISOR_ECX);
    if (out->hv_bit && hv) {
        memcpy(out->signature + 0, &hv->ebx, 4);
        memcpy(out->signature + 4, &hv->ecx, 4);
        memcpy(out->signature + 8, &hv->edx, 4);
        for (int i = 0; i < 12; i++)
            if (out->signature[i] && (out->signature[i] < 0x20 || out->signature[i] > 0x7e))
                out->signature[i] = '?';
        for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            if (!strcmp(out->signature, known[i].sig))
                out->name = known[i].name;
    }
    out->kvm_vmcs = (m->present & 1u << VMXCAP_BASIC) &&
                    VMX_BASIC_REVISION(m->msr[VMXCAP_BASIC]) == VMX_KVM_VMCS12_REVISION;
    out->nested = out->hv_bit || out->kvm_vmcs;
    if (out->kvm_vmcs && !out->name)
        out->name = "KVM";
    const struct vmx_cpuid *ext = vmx_msrs_cpuid(m, 0x80000000u, 0);
    const struct vmx_cpuid *aw = vmx_msrs_cpuid(m, 0x80000008u, 0);
    out->phys_bits = ext && ext->eax >= 0x80000008u && aw && (aw->eax & 0xff) ? aw->eax & 0xff : 36;
}

void vmx_nested_hints(const struct vmx_nested *nv, const struct vmx_msrs *cpus, unsigned n,
                      report_fn line, void *ctx)
{
    if (!nv->nested || !n)
        return;
    const struct vmx_msrs *m = &cpus[0];
    for (unsigned i = 0; i < n && !m->vmx; i++)
        m = &cpus[i];           /* the first CPU with VMX, if any */
    bool kvm = nv->name && !strcmp(nv->name, "KVM");
    uint32_t proc2 = (uint32_t)(vmx_ctl_capability(m, VMX_PROC2) >> 32);
    uint32_t exit = (uint32_t)(vmx_ctl_capability(m, VMX_EXIT) >> 32);
    if (!m->vmx && nv->name && !strcmp(nv->name, "QEMU TCG"))
        return;                 /* TCG has no VMX at all: vmx.c says what to use */
    if (!m->vmx) {
        reportf(line, ctx, "nested: the hypervisor below offers no VMX to this VM: %s",
                kvm ? "on the host, load kvm_intel with nested=1 and give QEMU -cpu host "
                      "(or a CPU model with +vmx)"
                    : "enable nested virtualization for this VM on its host");
        return;
    }
    if (!(proc2 & VMX_PROC2_ENABLE_EPT))
        reportf(line, ctx, "nested: the hypervisor below offers no EPT%s", kvm ?
                ": on the host, load kvm_intel with ept=1 (KVM emulates EPT for its "
                "guests only when it uses EPT itself)" : "");
    if (!(proc2 & VMX_PROC2_ENABLE_VPID))
        reportf(line, ctx, "nested: the hypervisor below offers no VPID%s",
                kvm ? ": on the host, load kvm_intel with vpid=1" : "");
    if (!(exit & VMX_EXIT_HOST_ADDR_SPACE_SIZE))
        reportf(line, ctx, "nested: 'host address-space size' is not allowed: this VM's CPU "
                "model has no long mode; give QEMU a 64-bit model (-cpu host)");
}

void vmx_nested_report(const struct vmx_nested *nv, const struct vmx_msrs *cpus, unsigned n,
                       const struct vmcs_config *c, unsigned in_vmx, report_fn line, void *ctx)
{
    if (!nv->nested || !n)
        return;
    char sig[48] = "no signature";
    if (nv->signature[0])
        ksnprintf(sig, sizeof(sig), "signature '%s'%s%s", nv->signature,
                  nv->name ? ", " : "", nv->name ? nv->name : "");
    if (nv->hv_bit)
        reportf(line, ctx, "nested: Keel runs under a hypervisor (CPUID.1:ECX[31], %s)%s", sig,
                cpus[0].vmx ? ": its VMX is that hypervisor's emulation; Keel does without what "
                              "it lacks where it can" : "");
    else
        reportf(line, ctx, "nested: the VMCS revision is KVM's (0x%x), so Keel runs under KVM "
                "although CPUID hides the hypervisor", VMX_KVM_VMCS12_REVISION);
    if (nv->hv_bit && nv->kvm_vmcs)
        reportf(line, ctx, "nested: VMCS revision 0x%x is KVM's vmcs12", VMX_KVM_VMCS12_REVISION);
    reportf(line, ctx, "nested: physical addresses are %u bits%s", nv->phys_bits,
            nv->phys_bits == 36 && !vmx_msrs_cpuid(&cpus[0], 0x80000008u, 0)
                ? " (no CPUID leaf 0x80000008: 36 assumed)" : "");

    if (!in_vmx)
        return;
    uint32_t pin = c->allowed1[VMX_PIN], proc = c->allowed1[VMX_PROC];
    uint32_t proc2 = c->allowed1[VMX_PROC2], exit = c->allowed1[VMX_EXIT];
    if (!(pin & VMX_PIN_PREEMPTION_TIMER) || !(exit & VMX_EXIT_SAVE_PREEMPT_TIMER))
        reportf(line, ctx, "nested: no VMX-preemption timer: guests run without a time budget, "
                "an APIC timer or the watchdog");
    uint32_t apicv = VMX_PROC2_VIRT_APIC_ACCESSES | VMX_PROC2_VIRT_X2APIC_MODE |
                     VMX_PROC2_APIC_REGISTER_VIRT | VMX_PROC2_VIRT_INTR_DELIVERY;
    if (!(proc & VMX_PROC_TPR_SHADOW) || (proc2 & apicv) != apicv)   /* vmcs_config_has_apicv */
        reportf(line, ctx, "nested: no APIC virtualization: guests' local APICs are emulated");
    if (!(proc & VMX_PROC_NMI_WINDOW_EXITING))
        reportf(line, ctx, "nested: no NMI-window exiting: virtual NMIs off, an NMI a guest "
                "blocks waits for its next VM exit");
    if (!(proc2 & VMX_PROC2_UNRESTRICTED_GUEST))
        reportf(line, ctx, "nested: no unrestricted guest: real-mode and 16-bit guests cannot "
                "run");
    if (!(proc2 & VMX_PROC2_PAUSE_LOOP_EXITING))
        reportf(line, ctx, "nested: no PAUSE-loop exiting: not used by Keel");
    if (!(c->ept_vpid_common & VMX_EPT_VPID(PAGE_2M)) || !(c->ept_vpid_common & VMX_EPT_VPID(PAGE_1G)))
        reportf(line, ctx, "nested: EPT without %s pages: guests are mapped with smaller pages",
                !(c->ept_vpid_common & VMX_EPT_VPID(PAGE_2M)) ? "2-MByte or 1-GByte"
                                                             : "1-GByte");
}
