/* EPT violations and misconfigurations: an access inside a device's MMIO
 * range goes to that device; a guest touching memory outside its RAM and
 * devices is stopped, with where and how. */
#include "vmx/exit.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"

#define EPT_Q_READ  (1u << 0)
#define EPT_Q_WRITE (1u << 1)
#define EPT_Q_FETCH (1u << 2)
#define EPT_Q_NMI_UNBLOCKING (1u << 12)

enum exit_action exit_ept_violation(struct vcpu *v)
{
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION), gpa = vmread(VMCS_GUEST_PHYSICAL_ADDRESS);
    const struct guest *g = v->guest;
    const struct guest_config *c = &g->cfg;
    event_save_vectoring(v);
    /* SDM "Exit Qualification for EPT Violations", bit 12: an IRET that
     * unblocked NMIs faulted; blocking by NMI is to be set again. */
    if ((q & EPT_Q_NMI_UNBLOCKING) && !v->reinject &&
        (vmcs_config.ctl[VMX_PIN] & VMX_PIN_VIRTUAL_NMIS))
        vmwrite(VMCS_GUEST_INTERRUPTIBILITY_INFO,
                vmread(VMCS_GUEST_INTERRUPTIBILITY_INFO) | BLOCKING_BY_NMI);
    for (unsigned i = 0; i < g->mmio_count && !(q & EPT_Q_FETCH); i++) {
        if (gpa - g->mmio[i].base >= g->mmio[i].size)
            continue;
        /* The access was the delivery of an event (a stack push into a
         * device page), not the instruction at RIP: not emulated. */
        if (v->reinject) {
            guest_stop(v->guest, "event delivery (vector %u) wrote to the device page at "
                       "guest-physical 0x%llx: the stack is in MMIO, at RIP 0x%llx",
                       INTR_INFO_VECTOR(v->reinject), (unsigned long long)gpa,
                       (unsigned long long)vmread(VMCS_GUEST_RIP));
            return EXIT_STOP;
        }
        return mmio_emulate(v, gpa, &g->mmio[i]);
    }
    guest_stop(v->guest, "EPT violation: %s guest-physical 0x%llx, %s its %llu MiB of RAM, "
               "at RIP 0x%llx", q & EPT_Q_FETCH ? "instruction fetch from" :
               q & EPT_Q_WRITE ? "write to" : "read of", (unsigned long long)gpa,
               gpa < c->mem ? "inside" : "outside", (unsigned long long)(c->mem >> 20),
               (unsigned long long)vmread(VMCS_GUEST_RIP));
    return EXIT_STOP;
}

enum exit_action exit_ept_misconfig(struct vcpu *v)
{
    guest_stop(v->guest, "EPT misconfiguration at guest-physical 0x%llx (a Keel bug)",
               (unsigned long long)vmread(VMCS_GUEST_PHYSICAL_ADDRESS));
    vmcs_dump("EPT misconfiguration");
    return EXIT_STOP;
}
