/* The guest's page tables, walked as SDM Vol. 3 "Paging" describes
 * (vmx/guest_walk.h): one loop for the 8-byte-entry modes, one short path
 * for 32-bit paging, then the access-rights rules of "Access Rights". */
#include "vmx/guest_walk.h"

#define PTE_P   (1ull << 0)
#define PTE_RW  (1ull << 1)
#define PTE_US  (1ull << 2)
#define PTE_PS  (1ull << 7)
#define PTE_XD  (1ull << 63)

#define PAGE_4K (1ull << 12)

enum paging_mode { PAGING_OFF, PAGING_32, PAGING_PAE, PAGING_4, PAGING_5 };

/* "Paging Modes and Control Bits": CR0.PG, CR4.PAE, IA32_EFER.LME, CR4.LA57. */
static enum paging_mode paging_mode(const struct gw_cpu *cpu)
{
    if (!(cpu->cr0 & X86_CR0_PG))
        return PAGING_OFF;
    if (!(cpu->cr4 & X86_CR4_PAE))
        return PAGING_32;
    if (!(cpu->efer & X86_EFER_LME))
        return PAGING_PAE;
    return cpu->cr4 & GW_CR4_LA57 ? PAGING_5 : PAGING_4;
}

const char *gw_mode_name(const struct gw_cpu *cpu)
{
    static const char *const names[] = { "off", "32-bit", "PAE", "4-level", "5-level" };
    return names[paging_mode(cpu)];
}

/* Bits lo..hi set (hi < 64). */
static uint64_t bits(unsigned hi, unsigned lo)
{
    return (hi == 63 ? ~0ull : (1ull << (hi + 1)) - 1) & ~((1ull << lo) - 1);
}

struct walk {
    const struct gw_cpu *cpu;
    enum paging_mode mode;
    unsigned access, maxphy;
    bool user_access;
    gw_read_fn read;
    void *ctx;
    struct gw_result *out;
};

/* The #PF error code for this access: P, W/R, U/S, I/D as "Page-Fault
 * Error Code" gives them, plus `extra` (P and RSVD). */
static enum gw_status page_fault(struct walk *w, unsigned extra)
{
    unsigned pfec = extra | (w->access & GW_WRITE) | (w->user_access ? GW_PF_U : 0);
    /* I/D only when the fetch could be told apart: SMEP, or NXE under
     * PAE or 4/5-level paging. */
    bool nx_mode = w->mode != PAGING_32 && (w->cpu->efer & X86_EFER_NXE);
    if ((w->access & GW_FETCH) && ((w->cpu->cr4 & GW_CR4_SMEP) || nx_mode))
        pfec |= GW_PF_I;
    w->out->pfec = pfec;
    return GW_FAULT;
}

static enum gw_status read_entry(struct walk *w, uint64_t gpa, unsigned size, uint64_t *e)
{
    if (w->read(w->ctx, gpa, size, e)) {
        w->out->table_gpa = gpa;
        return GW_BAD_TABLE;
    }
    if (size == 4)
        *e &= 0xffffffffull;
    return GW_OK;
}

/* "Access Rights", given the leaf's effective R/W, U/S and XD. */
static enum gw_status check_rights(struct walk *w, bool writable, bool user, bool xd)
{
    const struct gw_cpu *cpu = w->cpu;
    bool write = w->access & GW_WRITE, fetch = w->access & GW_FETCH;
    bool wp = cpu->cr0 & X86_CR0_WP;
    struct gw_result *out = w->out;
    out->writable = writable;
    out->user = user;
    out->executable = !xd;

    if (w->user_access) {
        if (!user || (write && !writable) || (fetch && xd))
            return page_fault(w, GW_PF_P);
        return GW_OK;
    }
    if (fetch) {
        if ((user && (cpu->cr4 & GW_CR4_SMEP)) || xd)
            return page_fault(w, GW_PF_P);
        return GW_OK;
    }
    /* Supervisor data: SMAP keeps it off user pages unless RFLAGS.AC
     * allows it for an explicit access. */
    if (user && (cpu->cr4 & GW_CR4_SMAP) &&
        ((w->access & GW_IMPLICIT) || !(cpu->rflags & GW_RFLAGS_AC)))
        return page_fault(w, GW_PF_P);
    if (write && !writable && wp)
        return page_fault(w, GW_PF_P);
    return GW_OK;
}

/* 32-bit paging: 4-byte entries, a page directory and page tables, or a
 * 4 MiB page from the directory when CR4.PSE ("32-Bit Paging"). */
static enum gw_status walk32(struct walk *w, uint32_t la)
{
    struct gw_result *out = w->out;
    uint64_t pde_gpa = (w->cpu->cr3 & 0xfffff000u) + ((la >> 22) << 2), pde, pte;
    enum gw_status st;

    out->level = 2;
    if ((st = read_entry(w, pde_gpa, 4, &pde)))
        return st;
    if (!(pde & PTE_P))
        return page_fault(w, 0);
    if ((w->cpu->cr4 & GW_CR4_PSE) && (pde & PTE_PS)) {
        /* PDE bits 20:13 are physical-address bits 39:32, as many as
         * min(MAXPHYADDR, 40) has; the rest up to bit 21 are reserved. */
        unsigned m = w->maxphy < 40 ? w->maxphy : 40;
        if (pde & bits(21, m - 19))
            return page_fault(w, GW_PF_P | GW_PF_RSVD);
        uint64_t base = (pde & 0xffc00000u) | (((pde >> 13) & 0xff) << 32);
        out->gpa = base | (la & 0x3fffff);
        out->page_size = 1ull << 22;
        out->leaf = pde;
        out->leaf_gpa = pde_gpa;
        return check_rights(w, pde & PTE_RW, pde & PTE_US, false);
    }
    uint64_t pte_gpa = (pde & 0xfffff000u) + (((la >> 12) & 0x3ff) << 2);
    out->level = 1;
    if ((st = read_entry(w, pte_gpa, 4, &pte)))
        return st;
    if (!(pte & PTE_P))
        return page_fault(w, 0);
    out->gpa = (pte & 0xfffff000u) | (la & 0xfff);
    out->page_size = PAGE_4K;
    out->leaf = pte;
    out->leaf_gpa = pte_gpa;
    return check_rights(w, pde & pte & PTE_RW, pde & pte & PTE_US, false);
}

/* PAE, 4-level and 5-level paging: 8-byte entries, 9 bits of the address
 * per level ("PAE Paging", "4-Level Paging and 5-Level Paging"). */
static enum gw_status walk64(struct walk *w, uint64_t la)
{
    const struct gw_cpu *cpu = w->cpu;
    struct gw_result *out = w->out;
    bool nxe = cpu->efer & X86_EFER_NXE;
    uint64_t addr = bits(w->maxphy - 1, 12);
    /* PAE entries reserve everything above MAXPHYADDR but XD; 4/5-level
     * ones bits 51:MAXPHYADDR (62:52 are ignored). XD is reserved
     * without IA32_EFER.NXE. */
    uint64_t rsvd = (w->mode == PAGING_PAE ? bits(62, w->maxphy)
                                           : (w->maxphy < 52 ? bits(51, w->maxphy) : 0)) |
                    (nxe ? 0 : PTE_XD);
    uint64_t table, e, e_gpa;
    bool writable = true, user = true, xd = false;
    int level;
    enum gw_status st;

    if (w->mode == PAGING_PAE) {
        /* The four PDPTEs: no access rights in them, their own reserved
         * bits (2:1, 8:5, 63:MAXPHYADDR). */
        unsigned i = (unsigned)(la >> 30) & 3;
        e_gpa = (cpu->cr3 & 0xffffffe0u) + 8 * i;
        out->level = 3;
        if (cpu->pdpte) {
            e = cpu->pdpte[i];
        } else if ((st = read_entry(w, e_gpa, 8, &e))) {
            return st;
        }
        if (!(e & PTE_P))
            return page_fault(w, 0);
        if (e & (bits(2, 1) | bits(8, 5) | bits(63, w->maxphy)))
            return page_fault(w, GW_PF_P | GW_PF_RSVD);
        table = e & addr;
        level = 2;
    } else {
        table = cpu->cr3 & addr;
        level = w->mode == PAGING_5 ? 5 : 4;
    }

    for (;; level--) {
        unsigned shift = 12 + 9 * (unsigned)(level - 1);
        e_gpa = table + 8 * ((la >> shift) & 511);
        out->level = level;
        if ((st = read_entry(w, e_gpa, 8, &e)))
            return st;
        if (!(e & PTE_P))
            return page_fault(w, 0);
        bool leaf = level == 1 || (level <= 3 && (e & PTE_PS));
        uint64_t r = rsvd;
        if (level >= 4)
            r |= PTE_PS;                        /* no pages from PML4E or PML5E */
        else if (leaf && level > 1)
            r |= bits(shift - 1, 13);           /* below the page address, above PAT */
        if (e & r)
            return page_fault(w, GW_PF_P | GW_PF_RSVD);
        writable = writable && (e & PTE_RW);
        user = user && (e & PTE_US);
        xd = xd || (nxe && (e & PTE_XD));
        if (leaf) {
            uint64_t size = 1ull << shift;
            out->gpa = (e & addr & ~(size - 1)) | (la & (size - 1));
            out->page_size = size;
            out->leaf = e;
            out->leaf_gpa = e_gpa;
            return check_rights(w, writable, user, xd);
        }
        table = e & addr;
    }
}

enum gw_status guest_walk(const struct gw_cpu *cpu, uint64_t la, unsigned access,
                          gw_read_fn read, void *ctx, struct gw_result *out)
{
    struct walk w = {
        .cpu = cpu, .mode = paging_mode(cpu), .access = access, .read = read, .ctx = ctx,
        .out = out,
        .maxphy = cpu->maxphyaddr == 0 ? 52 : cpu->maxphyaddr < 32 ? 32
                  : cpu->maxphyaddr > 52 ? 52 : cpu->maxphyaddr,
        /* Implicit supervisor accesses are supervisor even at CPL 3. */
        .user_access = (access & GW_USER) && !(access & GW_IMPLICIT),
    };
    *out = (struct gw_result){ 0 };

    switch (w.mode) {
    case PAGING_OFF:
        out->gpa = la & 0xffffffffull;
        out->page_size = PAGE_4K;
        out->writable = out->user = out->executable = true;
        return GW_OK;
    case PAGING_32:
        return walk32(&w, (uint32_t)la);
    case PAGING_PAE:
        return walk64(&w, la & 0xffffffffull);
    case PAGING_4:
    case PAGING_5: {
        /* "Canonical Addressing": bits 63 down to 47 (or 56) all equal. */
        unsigned top = w.mode == PAGING_5 ? 56 : 47;
        uint64_t hi = la >> top;
        if (hi != 0 && hi != (~0ull >> top))
            return GW_NONCANONICAL;
        return walk64(&w, la);
    }
    }
    return GW_NONCANONICAL;     /* not reached */
}
