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

/* The width of the guest's registers as its mode has them: outside long
 * mode only the low 32 bits are the guest's. */
static inline uint64_t guest_word(struct vcpu *v, uint64_t val)
{
    return v->guest->cfg.mode == GUEST_LONG64 ? val : (uint32_t)val;
}

#endif
