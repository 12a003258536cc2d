/* MMIO emulation: an access to a device's range (an EPT violation inside
 * a registered range, or an APIC-access exit) is carried out by reading
 * the instruction at the guest's RIP through its own page tables
 * (vmx/guest_walk.c), decoding it (vmx/insn_decode.c) and running it
 * against the device. What cannot be decoded stops the guest, with the
 * instruction's bytes in the diagnostic. */
#include "kernel/frame.h"
#include "kernel/lib/string.h"
#include "kernel/log.h"
#include "vmx/exit.h"
#include "vmx/gpr.h"
#include "vmx/guest_walk.h"
#include "vmx/insn_decode.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_ops.h"

int guest_ram_read_entry(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
    const void *p = guest_ram(ctx, gpa, size);
    if (!p)
        return -1;
    *val = size == 8 ? *(const uint64_t *)p : *(const uint32_t *)p;
    return 0;
}

/* The guest's paging registers as the CPU sees them. */
static void paging_state(struct gw_cpu *c, uint64_t pdpte[4])
{
    *c = (struct gw_cpu){
        .cr0 = vmread(VMCS_GUEST_CR0), .cr3 = vmread(VMCS_GUEST_CR3),
        .cr4 = vmread(VMCS_GUEST_CR4), .efer = vmread(VMCS_GUEST_IA32_EFER),
        .rflags = vmread(VMCS_GUEST_RFLAGS),
    };
    if ((c->cr0 & X86_CR0_PG) && (c->cr4 & X86_CR4_PAE) && !(c->efer & X86_EFER_LMA)) {
        for (unsigned i = 0; i < 4; i++)
            pdpte[i] = vmread(VMCS_GUEST_PDPTE0 + 2 * i);
        c->pdpte = pdpte;
    }
}

/* Up to INSN_MAX_LEN bytes at CS:RIP, page by page. Returns how many;
 * *host is where they are in guest RAM when all are in one page. */
static unsigned fetch(struct vcpu *v, uint8_t *buf, const char **why, const uint8_t **host)
{
    struct gw_cpu c;
    uint64_t pdpte[4];
    paging_state(&c, pdpte);
    uint64_t la = vmread(VMCS_GUEST_RIP);
    if (!(c.efer & X86_EFER_LMA) || !(vmread(VMCS_GUEST_CS_AR_BYTES) & VMX_AR_L))
        la = (la + vmread(VMCS_GUEST_CS_BASE)) & 0xffffffffull;
    unsigned cpl = VMX_AR_DPL(vmread(VMCS_GUEST_SS_AR_BYTES));
    unsigned got = 0;
    while (got < INSN_MAX_LEN) {
        struct gw_result r;
        enum gw_status s = guest_walk(&c, la + got, GW_FETCH | (cpl == 3 ? GW_USER : 0),
                                      guest_ram_read_entry, v->guest, &r);
        if (s != GW_OK) {
            *why = s == GW_FAULT ? "its page is not mapped for execution" :
                   s == GW_NONCANONICAL ? "RIP is not canonical" : "a page table is outside RAM";
            break;
        }
        unsigned n = (unsigned)(FRAME_SIZE - ((la + got) & (FRAME_SIZE - 1)));
        if (n > INSN_MAX_LEN - got)
            n = INSN_MAX_LEN - got;
        const uint8_t *p = guest_ram(v->guest, r.gpa, n);
        if (!p) {
            *why = "it is not in guest RAM";
            break;
        }
        if (!got && n == INSN_MAX_LEN && ((la & (FRAME_SIZE - 1)) <= FRAME_SIZE - 16))
            *host = p;          /* all in one page, with 16 bytes to compare */
        memcpy(buf + got, p, n);
        got += n;
    }
    return got;
}

static enum insn_mode code_mode(void)
{
    uint64_t ar = vmread(VMCS_GUEST_CS_AR_BYTES);
    if ((vmread(VMCS_GUEST_IA32_EFER) & X86_EFER_LMA) && (ar & VMX_AR_L))
        return INSN_MODE64;
    return ar & VMX_AR_DB ? INSN_MODE32 : INSN_MODE16;
}

struct mmio_ctx {
    struct vcpu *v;
    const struct mmio_range *r;
    uint64_t offset;
};

static int dev_read(void *ctx, unsigned size, uint64_t *val)
{
    struct mmio_ctx *m = ctx;
    return m->r->access(m->v, m->offset, size, false, val) ? 0 : -1;
}

static int dev_write(void *ctx, unsigned size, uint64_t val)
{
    struct mmio_ctx *m = ctx;
    return m->r->access(m->v, m->offset, size, true, &val) ? 0 : -1;
}

/* The last instruction decoded, by where it was (RIP, CR3, CS access
 * rights): a driver's register accesses repeat, and a hit costs a compare
 * of the bytes instead of a page walk and a decode. The bytes are checked
 * where they were found, so a guest that rewrites its code is decoded
 * anew; one that remaps its code page under the same CR3 without
 * rewriting it could have the old instruction emulated, which only
 * misleads itself. */
static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    __builtin_memcpy(&v, p, 8);     /* one load, unaligned is fine on x86 */
    return v;
}

static bool cache_hit(const struct mmio_cache *c, uint64_t rip, uint64_t cr3, uint64_t cs_ar)
{
    if (!c->host || c->rip != rip || c->cr3 != cr3 || c->cs_ar != cs_ar)
        return false;
    /* 16 bytes, two loads each side (the host pointer is only kept with
     * 16 bytes of the page after it), compared as far as the length */
    uint64_t a0 = load64(c->host), a1 = load64(c->host + 8);
    uint64_t b0 = load64(c->bytes), b1 = load64(c->bytes + 8);
    unsigned len = c->in.length;
    uint64_t m0 = len >= 8 ? ~0ull : (1ull << (8 * len)) - 1;
    uint64_t m1 = len <= 8 ? 0 : len >= 16 ? ~0ull : (1ull << (8 * (len - 8))) - 1;
    return !((a0 ^ b0) & m0) && !((a1 ^ b1) & m1);
}

static __attribute__((noinline)) enum exit_action decode_slow(struct vcpu *v, uint64_t gpa,
                                                              struct insn *in)
{
    uint8_t bytes[INSN_MAX_LEN];
    const char *why = "it could not be read";
    const uint8_t *host = NULL;
    unsigned n = fetch(v, bytes, &why, &host);
    enum insn_status st = n ? insn_decode(bytes, n, code_mode(), in, &why) : INSN_BAD;
    if (st == INSN_SHORT)
        why = "it runs past what could be read";
    if (st == INSN_OK) {
        struct mmio_cache *c = &v->mmio_cache;
        c->host = host;         /* NULL when the instruction spans two pages */
        c->rip = vmread(VMCS_GUEST_RIP);
        c->cr3 = vmread(VMCS_GUEST_CR3);
        c->cs_ar = vmread(VMCS_GUEST_CS_AR_BYTES);
        c->in = *in;
        memcpy(c->bytes, bytes, in->length);
        return EXIT_RESUME;
    }
    {
        char hex[INSN_MAX_LEN * 3 + 1];
        unsigned k = 0;
        for (unsigned i = 0; i < n; i++)
            k += (unsigned)ksnprintf(hex + k, sizeof(hex) - k, "%s%02x", i ? " " : "", bytes[i]);
        hex[k] = '\0';
        guest_stop(v->guest, "MMIO at guest-physical 0x%llx from RIP 0x%llx: instruction "
                   "not emulated (%s); bytes: %s", (unsigned long long)gpa,
                   (unsigned long long)vmread(VMCS_GUEST_RIP), why, n ? hex : "none");
        return EXIT_STOP;
    }
}

static __attribute__((noinline)) enum exit_action refused(struct vcpu *v, const struct insn *in,
                                                           uint64_t gpa)
{
    guest_stop(v->guest, "MMIO %s of %u bytes at guest-physical 0x%llx: the device refused it",
               insn_op_name(in->op), in->size, (unsigned long long)gpa);
    return EXIT_STOP;
}

enum exit_action mmio_emulate(struct vcpu *v, uint64_t gpa, const struct mmio_range *r)
{
    const struct mmio_cache *c = &v->mmio_cache;
    const struct insn *in = &c->in;
    struct insn fresh;
    if (!cache_hit(c, vmread(VMCS_GUEST_RIP), vmread(VMCS_GUEST_CR3),
                   vmread(VMCS_GUEST_CS_AR_BYTES))) {
        if (decode_slow(v, gpa, &fresh) == EXIT_STOP)
            return EXIT_STOP;
        in = &fresh;
    }
    /* A store (MOV to the device), the commonest access, goes straight to
     * the device: nothing to read, no flags. */
    if (in->op == INSN_MOV && in->mem_dst) {
        uint64_t val = in->has_imm ? in->imm : gpr_get(v, in->reg) >> (in->reg_high8 ? 8 : 0);
        val &= in->size == 8 ? ~0ull : (1ull << (8 * in->size)) - 1;
        if (!r->access(v, gpa - r->base, in->size, true, &val))
            return refused(v, in, gpa);
        guest_skip_instruction(in->length);
        return EXIT_RESUME;
    }
    /* The only register an instruction with a memory operand names. */
    uint64_t regs[16];
    if (in->has_reg)
        regs[in->reg] = gpr_get(v, in->reg);
    uint64_t rflags = vmread(VMCS_GUEST_RFLAGS), old_rflags = rflags;
    struct mmio_ctx ctx = { v, r, gpa - r->base };
    if (insn_emulate(in, regs, &rflags, dev_read, dev_write, &ctx))
        return refused(v, in, gpa);
    if (in->has_reg && !in->mem_dst)
        gpr_set(v, in->reg, regs[in->reg]);
    else if (in->op == INSN_XCHG)
        gpr_set(v, in->reg, regs[in->reg]);
    if (rflags != old_rflags)
        vmwrite(VMCS_GUEST_RFLAGS, rflags);
    guest_skip_instruction(in->length);
    return EXIT_RESUME;
}
