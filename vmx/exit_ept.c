/* EPT violations and misconfigurations: an access inside a device's MMIO
 * range goes to that device; a guest touching memory outside its RAM and
 * devices is stopped, with where and how. */
#include "vmx/exit.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_ops.h"

#define EPT_Q_READ  (1u << 0)
#define EPT_Q_WRITE (1u << 1)
#define EPT_Q_FETCH (1u << 2)

enum exit_action exit_ept_violation(struct vcpu *v)
{
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION), gpa = vmread(VMCS_GUEST_PHYSICAL_ADDRESS);
    const struct guest *g = v->guest;
    const struct guest_config *c = &g->cfg;
    event_save_vectoring(v);
    for (unsigned i = 0; i < g->mmio_count; i++)
        if (gpa - g->mmio[i].base < g->mmio[i].size && !(q & EPT_Q_FETCH))
            return mmio_emulate(v, gpa, &g->mmio[i]);
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
