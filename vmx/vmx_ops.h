/* VMX instructions as checked C calls (SDM "VMX Instruction Reference":
 * each reports VMsucceed, VMfailInvalid (CF=1) or VMfailValid (ZF=1)). */
#ifndef KEEL_VMX_VMX_OPS_H
#define KEEL_VMX_VMX_OPS_H

#include <stdint.h>

enum vmx_result { VMX_SUCCEED, VMX_FAIL_INVALID, VMX_FAIL_VALID };

static inline enum vmx_result vmx_flags(uint8_t cf, uint8_t zf)
{
    return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : VMX_SUCCEED;
}

static inline enum vmx_result vmxon(uint64_t region)
{
    uint8_t cf, zf;
    asm volatile("vmxon %2; setc %0; setz %1"
                 : "=qm"(cf), "=qm"(zf) : "m"(region) : "cc", "memory");
    return vmx_flags(cf, zf);
}

static inline enum vmx_result vmxoff(void)
{
    uint8_t cf, zf;
    asm volatile("vmxoff; setc %0; setz %1" : "=qm"(cf), "=qm"(zf) : : "cc", "memory");
    return vmx_flags(cf, zf);
}

static inline const char *vmx_result_name(enum vmx_result r)
{
    return r == VMX_SUCCEED ? "VMsucceed" : r == VMX_FAIL_INVALID ? "VMfailInvalid (CF=1)"
                                                                   : "VMfailValid (ZF=1)";
}

#endif
