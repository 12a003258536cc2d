#include "kernel/gdb/target.h"

#include "kernel/lib/string.h"
#include "vmx/gpr.h"
#include "vmx/guest.h"
#include "vmx/guest_walk.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_ops.h"

/* VMCS selectors in GDB's order: cs ss ds es fs gs. */
static const uint32_t selector[GDB_SEGS] = {
    VMCS_GUEST_CS_SELECTOR, VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_DS_SELECTOR,
    VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_GS_SELECTOR,
};

enum gdb_arch gdb_target_arch(void)
{
    uint64_t ar = vmread(VMCS_GUEST_CS_AR_BYTES);
    return gdb_arch_of(vmread(VMCS_GUEST_CR0) & X86_CR0_PE,
                       (vmread(VMCS_GUEST_IA32_EFER) & X86_EFER_LMA) && (ar & VMX_AR_L),
                       ar & VMX_AR_DB);
}

void gdb_target_get_regs(struct vcpu *v, struct gdb_x86_regs *r)
{
    for (unsigned i = 0; i < 16; i++)
        r->gpr[i] = gpr_get(v, i);
    r->rip = vmread(VMCS_GUEST_RIP);
    r->rflags = vmread(VMCS_GUEST_RFLAGS);
    for (unsigned i = 0; i < GDB_SEGS; i++)
        r->seg[i] = (uint16_t)vmread(selector[i]);
}

/* Segment registers are not written: a selector alone, without its
 * descriptor's base and rights, would make a state the guest never had. */
void gdb_target_set_regs(struct vcpu *v, const struct gdb_x86_regs *r)
{
    for (unsigned i = 0; i < 16; i++)
        gpr_set(v, i, r->gpr[i]);
    vmwrite(VMCS_GUEST_RIP, r->rip);
    /* bit 1 always 1, and VM stays as it was (a VM-entry check) */
    uint64_t fl = vmread(VMCS_GUEST_RFLAGS);
    vmwrite(VMCS_GUEST_RFLAGS, (r->rflags & ~X86_RFLAGS_VM & 0x3f7fd7) | (fl & X86_RFLAGS_VM) |
                                   X86_RFLAGS_FIXED);
}

/* The guest-physical address of linear `la`; false when it is not mapped. */
static bool translate(uint64_t la, struct guest *g, uint64_t *gpa)
{
    uint64_t pdpte[4];
    struct gw_cpu c = {
        .cr0 = vmread(VMCS_GUEST_CR0), .cr3 = vmread(VMCS_GUEST_CR3),
        .cr4 = vmread(VMCS_GUEST_CR4), .efer = vmread(VMCS_GUEST_IA32_EFER),
    };
    if ((c.cr0 & X86_CR0_PG) && (c.cr4 & X86_CR4_PAE) && !(c.efer & X86_EFER_LMA)) {
        for (unsigned i = 0; i < 4; i++)
            pdpte[i] = vmread(VMCS_GUEST_PDPTE0 + 2 * i);
        c.pdpte = pdpte;
    }
    struct gw_result res;
    if (guest_walk(&c, la, 0, guest_ram_read_entry, g, &res) != GW_OK)
        return false;
    *gpa = res.gpa;
    return true;
}

static size_t copy(struct vcpu *v, uint64_t la, uint8_t *out, const uint8_t *in, size_t n)
{
    size_t done = 0;
    while (done < n) {
        uint64_t gpa;
        if (!translate(la + done, v->guest, &gpa))
            break;
        size_t room = 0x1000 - (gpa & 0xfff), k = n - done < room ? n - done : room;
        uint8_t *p = guest_ram(v->guest, gpa, k);
        if (!p)
            break;
        if (out)
            memcpy(out + done, p, k);
        else
            memcpy(p, in + done, k);
        done += k;
    }
    return done;
}

size_t gdb_target_read(struct vcpu *v, uint64_t la, uint8_t *buf, size_t n)
{
    return copy(v, la, buf, NULL, n);
}

size_t gdb_target_write(struct vcpu *v, uint64_t la, const uint8_t *buf, size_t n)
{
    return copy(v, la, NULL, buf, n);
}
