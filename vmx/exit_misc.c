/* Cache and VMX instructions. */
#include "vmx/exit.h"

/* INVD and WBINVD: nothing to do. A guest's RAM is write-back to it and
 * to Keel alike (EPT ignores its PAT), and no device writes it behind the
 * caches, so a flush changes nothing the guest can see; a host WBINVD
 * would stall every CPU that shares the caches (a noisy neighbour: KVM
 * too flushes only for non-coherent DMA), and INVD would discard dirty
 * lines that are not the guest's. Both are privileged (#GP at CPL > 0). */
enum exit_action exit_invd_wbinvd(struct vcpu *v)
{
    (void)v;
    if (VMX_AR_DPL(vmread(VMCS_GUEST_SS_AR_BYTES)) != 0) {
        inject_exception(VECTOR_GP, true, 0);
        return EXIT_RESUME;
    }
    return EXIT_NEXT_INSTRUCTION;
}

/* No nested VMX: every VMX instruction is undefined in a guest, as on a
 * CPU without VMX (CPUID says so too). */
enum exit_action exit_vmx_instruction(struct vcpu *v)
{
    (void)v;
    inject_exception(VECTOR_UD, false, 0);
    return EXIT_RESUME;
}
