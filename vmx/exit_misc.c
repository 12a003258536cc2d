/* Cache and VMX instructions. */
#include "vmx/exit.h"

/* INVD would discard dirty lines of memory Keel shares the caches with:
 * treat it as WBINVD, which loses nothing. */
enum exit_action exit_invd_wbinvd(struct vcpu *v)
{
    (void)v;
    asm volatile("wbinvd" ::: "memory");
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
