// fuzz: vmx/guest_walk.c
// fuzz-args: -max_len=20000
/* libFuzzer harness for the guest page-table walker. Input: control
 * register bits, CR3, MAXPHYADDR, the linear address and access kind,
 * optional PDPTEs, then guest memory (its own heap block, so ASan sees a
 * read past it; the read callback refuses what lies outside). Checks:
 * reads are aligned 4- or 8-byte entries, at most one per level; a
 * translation keeps the offset within its page and fits MAXPHYADDR; a
 * fault's error code matches the access; a write that succeeds also
 * succeeds as a read, to the same address.
 *   scripts/fuzz.sh guest_walk */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmx/guest_walk.h"

#define FUZZ_NAME "guest_walk"
#include "fuzz.h"

struct mem {
    const uint8_t *bytes;
    size_t size;
    unsigned reads, entry_size;
};

static int read_pte(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
    struct mem *m = ctx;
    ASSERT(size == 4 || size == 8);
    ASSERT(gpa % size == 0);
    ASSERT(m->entry_size == 0 || m->entry_size == size);
    m->entry_size = size;
    m->reads++;
    if (gpa >= m->size || m->size - gpa < size)
        return -1;
    uint64_t v = 0;
    memcpy(&v, m->bytes + gpa, size);
    *val = v;
    return 0;
}

static enum gw_status walk(const struct gw_cpu *cpu, uint64_t la, unsigned access,
                           struct mem *m, struct gw_result *r)
{
    m->reads = 0;
    m->entry_size = 0;
    enum gw_status st = guest_walk(cpu, la, access, read_pte, m, r);
    ASSERT(st == GW_OK || st == GW_FAULT || st == GW_NONCANONICAL || st == GW_BAD_TABLE);
    ASSERT(m->reads <= 5);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input src = { data, size };
    uint64_t bits = take(&src, 2);
    struct gw_cpu cpu = {
        .cr0 = X86_CR0_PE | (bits & 1 ? X86_CR0_PG : 0) | (bits & 2 ? X86_CR0_WP : 0),
        .cr4 = (bits & 4 ? X86_CR4_PAE : 0) | (bits & 8 ? GW_CR4_PSE : 0) |
               (bits & 16 ? GW_CR4_LA57 : 0) | (bits & 32 ? GW_CR4_SMEP : 0) |
               (bits & 64 ? GW_CR4_SMAP : 0) | (bits & 128 ? X86_CR4_PCIDE : 0),
        .efer = (bits & 256 ? X86_EFER_LME | X86_EFER_LMA : 0) | (bits & 512 ? X86_EFER_NXE : 0),
        .rflags = bits & 1024 ? GW_RFLAGS_AC : 0,
    };
    uint64_t pdpte[4];
    unsigned access = (unsigned)take(&src, 2) & (GW_WRITE | GW_USER | GW_FETCH | GW_IMPLICIT);
    if (access & GW_FETCH)
        access &= ~GW_WRITE;                            /* a fetch is not a write */
    cpu.maxphyaddr = (unsigned)take(&src, 1) % 64;      /* out-of-range values clamp */
    cpu.cr3 = take(&src, 8);
    if (bits & 2048)
        cpu.cr3 &= 0xffff;                              /* inside the memory image, mostly */
    uint64_t la = take(&src, 8);
    if (bits & 4096) {
        for (int i = 0; i < 4; i++)
            pdpte[i] = take(&src, 8);
        cpu.pdpte = pdpte;
    }
    size_t msize = src.n < 65536 ? src.n : 65536;
    uint8_t *image = malloc(msize ? msize : 1);
    memcpy(image, src.p, msize);
    struct mem m = { image, msize, 0, 0 };
    unsigned maxphy = cpu.maxphyaddr == 0 ? 52 : cpu.maxphyaddr < 32 ? 32
                    : cpu.maxphyaddr > 52 ? 52 : cpu.maxphyaddr;

    struct gw_result r, r2;
    enum gw_status st = walk(&cpu, la, access, &m, &r);
    bool paging = cpu.cr0 & X86_CR0_PG;
    bool user = (access & GW_USER) && !(access & GW_IMPLICIT);
    switch (st) {
    case GW_OK:
        ASSERT(r.page_size == 1ull << 12 || r.page_size == 1ull << 21 ||
               r.page_size == 1ull << 22 || r.page_size == 1ull << 30);
        ASSERT((r.gpa & (r.page_size - 1)) == (la & (r.page_size - 1)));
        if (paging) {
            ASSERT(r.level >= 1 && r.level <= 3);
            ASSERT(r.gpa >> maxphy == 0);
            ASSERT(r.leaf & 1);
            ASSERT(!(access & GW_WRITE) || r.writable || (!user && !(cpu.cr0 & X86_CR0_WP)));
            ASSERT(!user || r.user);
        } else {
            ASSERT(r.gpa == (la & 0xffffffffull) && m.reads == 0);
        }
        break;
    case GW_FAULT:
        ASSERT(paging);
        ASSERT(!(r.pfec & ~0x1fu));
        ASSERT(!!(r.pfec & GW_PF_W) == !!(access & GW_WRITE));
        ASSERT(!!(r.pfec & GW_PF_U) == user);
        ASSERT(!(r.pfec & GW_PF_RSVD) || (r.pfec & GW_PF_P));
        ASSERT(!(r.pfec & GW_PF_I) || (access & GW_FETCH));
        ASSERT(r.level >= 1 && r.level <= 5);
        break;
    case GW_NONCANONICAL:
        ASSERT(paging && (cpu.efer & X86_EFER_LME) && (cpu.cr4 & X86_CR4_PAE));
        ASSERT(m.reads == 0);
        break;
    case GW_BAD_TABLE:
        ASSERT(paging);
        ASSERT(r.table_gpa >= msize || msize - r.table_gpa < m.entry_size);
        break;
    }

    /* Deterministic, and a write that works reads too, from the same place. */
    ASSERT(walk(&cpu, la, access, &m, &r2) == st);
    if (st == GW_OK) {
        ASSERT(r2.gpa == r.gpa && r2.page_size == r.page_size);
        if (access & GW_WRITE) {
            ASSERT(walk(&cpu, la, access & ~GW_WRITE, &m, &r2) == GW_OK);
            ASSERT(r2.gpa == r.gpa);
        }
    }
    ASSERT(gw_mode_name(&cpu)[0]);
    free(image);
    return 0;
}
