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

static inline enum vmx_result vmclear(uint64_t vmcs)
{
    uint8_t cf, zf;
    asm volatile("vmclear %2; setc %0; setz %1"
                 : "=qm"(cf), "=qm"(zf) : "m"(vmcs) : "cc", "memory");
    return vmx_flags(cf, zf);
}

static inline enum vmx_result vmptrld(uint64_t vmcs)
{
    uint8_t cf, zf;
    asm volatile("vmptrld %2; setc %0; setz %1"
                 : "=qm"(cf), "=qm"(zf) : "m"(vmcs) : "cc", "memory");
    return vmx_flags(cf, zf);
}

/* vmread/vmwrite on the current VMCS. They are on every exit's path, so
 * the check is a single JBE (CF or ZF: VMfailInvalid or VMfailValid) to a
 * cold path; a failure is a Keel bug (a field this CPU lacks, or no
 * current VMCS), and vmcs_fail() panics naming the field and the error. */
__attribute__((noreturn, cold)) void vmcs_fail(const char *op, uint32_t field);

static inline uint64_t vmread(uint32_t field)
{
    uint64_t v;
    asm goto("vmread %[f], %[v]\n\tjbe %l[fail]"
             : [v] "=r"(v) : [f] "r"((uint64_t)field) : "cc" : fail);
    return v;
fail:
    vmcs_fail("VMREAD", field);
}

static inline void vmwrite(uint32_t field, uint64_t v)
{
    asm goto("vmwrite %[v], %[f]\n\tjbe %l[fail]"
             : : [f] "r"((uint64_t)field), [v] "rm"(v) : "cc" : fail);
    return;
fail:
    vmcs_fail("VMWRITE", field);
}

struct invept_desc {
    uint64_t eptp, reserved;
};

#define INVEPT_ALL_CONTEXT 2

static inline enum vmx_result invept(uint64_t type, uint64_t eptp)
{
    struct invept_desc d = { eptp, 0 };
    uint8_t cf, zf;
    asm volatile("invept %2, %3; setc %0; setz %1"
                 : "=qm"(cf), "=qm"(zf) : "m"(d), "r"(type) : "cc", "memory");
    return vmx_flags(cf, zf);
}

struct invvpid_desc {
    uint64_t vpid, linear_address;
};

#define INVVPID_SINGLE_CONTEXT 1
#define INVVPID_ALL_CONTEXT 2

static inline enum vmx_result invvpid(uint64_t type, uint16_t vpid)
{
    struct invvpid_desc d = { vpid, 0 };
    uint8_t cf, zf;
    asm volatile("invvpid %2, %3; setc %0; setz %1"
                 : "=qm"(cf), "=qm"(zf) : "m"(d), "r"(type) : "cc", "memory");
    return vmx_flags(cf, zf);
}

static inline const char *vmx_result_name(enum vmx_result r)
{
    return r == VMX_SUCCEED ? "VMsucceed" : r == VMX_FAIL_INVALID ? "VMfailInvalid (CF=1)"
                                                                   : "VMfailValid (ZF=1)";
}

#endif
