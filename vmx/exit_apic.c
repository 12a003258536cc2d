/* The exits of APIC virtualization (SDM "APIC Virtualization and Virtual
 * Interrupts"): an APIC-access exit for what the CPU does not virtualize
 * (a read of the current count, an access that is not 32 bits), an
 * APIC-write exit after a write the CPU put in the virtual-APIC page but
 * whose effect is Keel's to carry out (ICR, timer, LVT, SVR, ...), and an
 * EOI-induced exit for a vector the EOI-exit bitmap names (those the I/O
 * APIC routes level-triggered). */
#include "vmx/exit.h"
#include "vmx/vapic.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_ops.h"

/* SDM "Exit Qualification for APIC-Access VM Exits" */
#define APIC_Q_OFFSET(q)  ((uint32_t)(q) & 0xfff)
#define APIC_Q_TYPE(q)    (((q) >> 12) & 0xf)
enum { APIC_ACCESS_LINEAR_READ, APIC_ACCESS_LINEAR_WRITE };

enum exit_action exit_apic_access(struct vcpu *v)
{
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    event_save_vectoring(v);
    unsigned type = APIC_Q_TYPE(q);
    if (type != APIC_ACCESS_LINEAR_READ && type != APIC_ACCESS_LINEAR_WRITE) {
        guest_stop(v->guest, "APIC-access exit of type %u at offset 0x%x (an instruction "
                   "fetch or an access during event delivery) at RIP 0x%llx", type,
                   APIC_Q_OFFSET(q), (unsigned long long)vmread(VMCS_GUEST_RIP));
        return EXIT_STOP;
    }
    return mmio_emulate(v, VAPIC_MMIO_BASE + APIC_Q_OFFSET(q), vapic_mmio_range(v->guest));
}

enum exit_action exit_apic_write(struct vcpu *v)
{
    vapic_apic_write(v, APIC_Q_OFFSET(vmread(VMCS_EXIT_QUALIFICATION)));
    return EXIT_RESUME;         /* trap-like: RIP is already past the write */
}

/* SDM "EOI Virtualization": trap-like, after the CPU's own EOI (ISR and
 * SVI updated); the exit qualification's bits 7:0 are the vector. */
enum exit_action exit_virtualized_eoi(struct vcpu *v)
{
    vapic_eoi_exit(v, (uint8_t)vmread(VMCS_EXIT_QUALIFICATION));
    return EXIT_RESUME;
}
