/* Guest general registers by the number exit qualifications use (SDM
 * "Exit Qualification for Control-Register Accesses": 0 = RAX, 1 = RCX,
 * 2 = RDX, 3 = RBX, 4 = RSP, 5 = RBP, 6 = RSI, 7 = RDI, 8-15 = R8-R15). */
#ifndef KEEL_VMX_GPR_H
#define KEEL_VMX_GPR_H

#include "vmx/guest.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_ops.h"

static inline uint64_t *gpr_slot(struct vcpu *v, unsigned n)
{
    static const uint8_t index[16] = { 0, 1, 2, 3, 0xff, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };
    return &((uint64_t *)&v->regs)[index[n & 15]];
}

static inline uint64_t gpr_get(struct vcpu *v, unsigned n)
{
    return (n & 15) == 4 ? vmread(VMCS_GUEST_RSP) : *gpr_slot(v, n);
}

static inline void gpr_set(struct vcpu *v, unsigned n, uint64_t val)
{
    if ((n & 15) == 4)
        vmwrite(VMCS_GUEST_RSP, val);
    else
        *gpr_slot(v, n) = val;
}


/* The bits of a general register the guest's current mode uses: all 64
 * in 64-bit mode (CS.L), the low 32 otherwise (the mode a guest started
 * in may have changed since). */
static inline uint64_t guest_word_mask(void)
{
    return vmread(VMCS_GUEST_CS_AR_BYTES) & VMX_AR_L ? ~0ull : 0xffffffffull;
}


#endif
