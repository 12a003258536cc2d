// unit: vmx/guest_walk.c
/* The guest page-table walker against small page tables built in a fake
 * guest memory, one group of cases per paging mode. */
#include "vmx/guest_walk.h"
#include "unit.h"

#define MEM_SIZE (64 * 4096)
#define P   (1ull << 0)
#define RW  (1ull << 1)
#define US  (1ull << 2)
#define PS  (1ull << 7)
#define XD  (1ull << 63)
#define ALL (P | RW | US)

static uint8_t mem[MEM_SIZE] __attribute__((aligned(4096)));
static uint64_t next_page;
static unsigned reads;

static int read_pte(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
    (void)ctx;
    reads++;
    if (size != 4 && size != 8)
        UNIT_FAIL("read of size %u", size);
    if (gpa % size)
        UNIT_FAIL("unaligned read at 0x%llx", (unsigned long long)gpa);
    if (gpa >= MEM_SIZE || MEM_SIZE - gpa < size)
        return -1;
    uint64_t v = 0;
    memcpy(&v, mem + gpa, size);
    *val = v;
    return 0;
}

static void put64(uint64_t gpa, uint64_t v) { memcpy(mem + gpa, &v, 8); }
static void put32(uint64_t gpa, uint32_t v) { memcpy(mem + gpa, &v, 4); }
static uint64_t get64(uint64_t gpa) { uint64_t v; memcpy(&v, mem + gpa, 8); return v; }

static uint64_t new_table(void)
{
    uint64_t p = next_page;
    next_page += 4096;
    memset(mem + p, 0, 4096);
    return p;
}

static struct gw_cpu cpu;
static struct gw_result res;

static void reset(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
    memset(mem, 0, sizeof(mem));
    next_page = 0x1000;
    memset(&cpu, 0, sizeof(cpu));
    cpu.cr0 = cr0 | X86_CR0_PE;
    cpu.cr4 = cr4;
    cpu.efer = efer;
    cpu.maxphyaddr = 46;
    reads = 0;
}

static enum gw_status walk(uint64_t la, unsigned access)
{
    memset(&res, 0xa5, sizeof(res));
    return guest_walk(&cpu, la, access, read_pte, NULL, &res);
}

/* The guest-physical address of the entry for `la` at `level` (1 = PTE)
 * in 8-byte tables rooted at `root` with `top` levels, creating missing
 * tables on the way with P|RW|US. */
static uint64_t entry64(uint64_t root, int top, uint64_t la, int level)
{
    uint64_t table = root;
    for (int l = top; ; l--) {
        uint64_t at = table + 8 * ((la >> (12 + 9 * (l - 1))) & 511);
        if (l == level)
            return at;
        if (!(get64(at) & P))
            put64(at, new_table() | ALL);
        table = get64(at) & 0x000ffffffffff000ull;
    }
}

/* 4-level paging with CR3 at a fresh table. */
static uint64_t setup4(void)
{
    reset(X86_CR0_PG | X86_CR0_WP, X86_CR4_PAE, X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE);
    cpu.cr3 = new_table();
    return cpu.cr3;
}

static void check_ok(uint64_t la, unsigned access, uint64_t gpa, uint64_t size)
{
    enum gw_status st = walk(la, access);
    if (st != GW_OK) {
        UNIT_FAIL("0x%llx access %#x: status %d pfec %#x", (unsigned long long)la, access, st,
                  res.pfec);
        return;
    }
    CHECK_EQ(res.gpa, gpa);
    CHECK_EQ(res.page_size, size);
}

static void check_fault(uint64_t la, unsigned access, unsigned pfec)
{
    enum gw_status st = walk(la, access);
    if (st != GW_FAULT) {
        UNIT_FAIL("0x%llx access %#x: status %d, expected #PF %#x", (unsigned long long)la,
                  access, st, pfec);
        return;
    }
    if (res.pfec != pfec)
        UNIT_FAIL("0x%llx access %#x: pfec %#x, expected %#x", (unsigned long long)la, access,
                  res.pfec, pfec);
}

/* ------------------------------------------------------------ paging off */

TEST(paging_off_is_identity)
{
    reset(0, 0, 0);
    check_ok(0x12345678, 0, 0x12345678, 4096);
    check_ok(0xfee000b0, GW_WRITE | GW_USER | GW_FETCH, 0xfee000b0, 4096);
    check_ok(0x100001234ull, 0, 0x1234, 4096);          /* linear addresses are 32 bits */
    CHECK(res.writable && res.user && res.executable);
    CHECK_EQ(res.level, 0);
    CHECK_EQ(reads, 0);
    CHECK_STR(gw_mode_name(&cpu), "off");
    cpu.cr4 = X86_CR4_PAE;                              /* PAE without PG: still off */
    cpu.efer = X86_EFER_LME;
    check_ok(0x1000, 0, 0x1000, 4096);
}

/* ------------------------------------------------------------ 32-bit paging */

static void setup32(void)
{
    reset(X86_CR0_PG | X86_CR0_WP, GW_CR4_PSE, 0);
    cpu.cr3 = 0x1000 | 0x18;                            /* PWT PCD: not address bits */
    put32(0x1000 + 4 * 1, 0x2000 | ALL);                /* 4 MiB at 0x00400000: page table */
    put32(0x2000 + 4 * 5, 0x7000 | ALL);                /* 0x00405000 -> 0x7000 */
    put32(0x2000 + 4 * 6, 0x8000 | P | US);             /* read-only */
    put32(0x2000 + 4 * 7, 0x9000 | P | RW);             /* supervisor */
    put32(0x1000 + 4 * 2, 0x00800000 | ALL | PS);       /* 4 MiB page */
}

TEST(paging32_4k_and_4m_pages)
{
    setup32();
    CHECK_STR(gw_mode_name(&cpu), "32-bit");
    check_ok(0x00405123, 0, 0x7123, 4096);
    CHECK_EQ(res.leaf_gpa, 0x2000 + 4 * 5);
    CHECK_EQ(res.leaf, 0x7000 | ALL);
    CHECK_EQ(res.level, 1);
    CHECK_EQ(reads, 2);
    check_ok(0xffffffff00405123ull, 0, 0x7123, 4096);   /* the upper half is ignored */
    check_ok(0x00812345, GW_WRITE | GW_USER, 0x00812345, 4 << 20);
    CHECK_EQ(res.level, 2);
    CHECK_EQ(res.leaf_gpa, 0x1000 + 4 * 2);
    /* Without CR4.PSE, PS is ignored: the PDE points to a page table, here
     * outside guest memory. */
    cpu.cr4 = 0;
    CHECK_EQ(walk(0x00812345, 0), GW_BAD_TABLE);
    CHECK_EQ(res.table_gpa, 0x00800000 + 4 * 0x12);
}

TEST(paging32_pse36_and_reserved_bits)
{
    setup32();
    cpu.maxphyaddr = 36;
    put32(0x1000 + 4 * 3, 0xffc00000u | (0xfu << 13) | P | PS);     /* bits 35:32 = 0xf */
    check_ok(0x00c01234, 0, 0xfffc01234ull, 4 << 20);
    put32(0x1000 + 4 * 3, 0xffc00000u | (0x1fu << 13) | P | PS);    /* bit 36: too wide */
    check_fault(0x00c01234, 0, GW_PF_P | GW_PF_RSVD);
    cpu.maxphyaddr = 40;
    check_ok(0x00c01234, 0, 0x1fffc01234ull, 4 << 20);
    put32(0x1000 + 4 * 3, 0x00400000u | (1u << 21) | P | PS);       /* bit 21 is reserved */
    check_fault(0x00c01234, GW_WRITE, GW_PF_P | GW_PF_RSVD | GW_PF_W);
    cpu.maxphyaddr = 32;
    put32(0x1000 + 4 * 3, 0x00400000u | (1u << 13) | P | PS);
    check_fault(0x00c01234, 0, GW_PF_P | GW_PF_RSVD);
    /* 4 KiB entries have no reserved bits: PAT (bit 7) and all. */
    put32(0x2000 + 4 * 5, 0x7000 | ALL | PS | (1u << 8));
    check_ok(0x00405123, 0, 0x7123, 4096);
}

TEST(paging32_not_present_and_rights)
{
    setup32();
    check_fault(0x00000123, 0, 0);                      /* PDE 0 not present */
    check_fault(0x00000123, GW_WRITE, GW_PF_W);
    check_fault(0x00000123, GW_USER | GW_WRITE, GW_PF_W | GW_PF_U);
    CHECK_EQ(res.level, 2);
    check_fault(0x00408000, GW_USER, GW_PF_U);          /* PTE 8 not present */
    CHECK_EQ(res.level, 1);
    /* Read-only: supervisor writes only with CR0.WP clear; user never. */
    check_ok(0x00406000, GW_USER, 0x8000, 4096);
    CHECK(!res.writable);
    check_fault(0x00406000, GW_WRITE, GW_PF_P | GW_PF_W);
    check_fault(0x00406000, GW_WRITE | GW_USER, GW_PF_P | GW_PF_W | GW_PF_U);
    cpu.cr0 &= ~X86_CR0_WP;
    check_ok(0x00406000, GW_WRITE, 0x8000, 4096);
    check_fault(0x00406000, GW_WRITE | GW_USER, GW_PF_P | GW_PF_W | GW_PF_U);
    /* Supervisor page. */
    check_ok(0x00407000, GW_WRITE, 0x9000, 4096);
    check_fault(0x00407000, GW_USER, GW_PF_P | GW_PF_U);
    /* R/W and U/S are and-ed over the PDE and the PTE. */
    put32(0x1000 + 4 * 1, 0x2000 | P | RW);
    check_fault(0x00405000, GW_USER, GW_PF_P | GW_PF_U);
    /* No XD in 32-bit paging: fetches are fine, and I/D only with SMEP. */
    setup32();
    check_ok(0x00405000, GW_FETCH | GW_USER, 0x7000, 4096);
    check_fault(0x00407000, GW_FETCH | GW_USER, GW_PF_P | GW_PF_U);
    cpu.cr4 |= GW_CR4_SMEP;
    check_fault(0x00407000, GW_FETCH | GW_USER, GW_PF_P | GW_PF_U | GW_PF_I);
    check_fault(0x00405000, GW_FETCH, GW_PF_P | GW_PF_I);   /* SMEP: user page */
    check_ok(0x00407000, GW_FETCH, 0x9000, 4096);
}

TEST(paging32_table_outside_memory)
{
    setup32();
    put32(0x1000 + 4 * 4, 0x40000000u | ALL);
    CHECK_EQ(walk(0x01000000, 0), GW_BAD_TABLE);
    CHECK_EQ(res.table_gpa, 0x40000000);
    cpu.cr3 = 0x80000000u;
    CHECK_EQ(walk(0x00405000, 0), GW_BAD_TABLE);
    CHECK_EQ(res.table_gpa, 0x80000004u);
}

/* ------------------------------------------------------------ PAE */

/* PDPT at 0x1020 (32-byte aligned, not page aligned); PD 0x3000; PT 0x4000. */
static void setup_pae(void)
{
    reset(X86_CR0_PG | X86_CR0_WP, X86_CR4_PAE, X86_EFER_NXE);
    cpu.maxphyaddr = 36;
    cpu.cr3 = 0x1020;
    next_page = 0x3000;
    put64(0x1020 + 8 * 1, 0x3000 | P);                  /* PDPTE 1: 1 GiB..2 GiB */
    put64(0x3000 + 8 * 1, 0x4000 | ALL);                /* PDE 1 */
    put64(0x4000 + 8 * 1, 0x123456000ull | ALL);        /* 0x40201000 -> above 4 GiB */
    put64(0x4000 + 8 * 2, 0x5000 | ALL | XD);
    put64(0x3000 + 8 * 2, 0x0fe00000 | P | RW | PS);    /* 2 MiB supervisor page */
}

TEST(pae_4k_2m_and_pdptes)
{
    setup_pae();
    CHECK_STR(gw_mode_name(&cpu), "PAE");
    check_ok(0x40201abc, GW_USER | GW_WRITE, 0x123456abcull, 4096);
    CHECK_EQ(res.level, 1);
    CHECK_EQ(res.leaf_gpa, 0x4000 + 8);
    CHECK_EQ(reads, 3);
    check_ok(0xffffffff40201abcull, 0, 0x123456abcull, 4096);
    check_ok(0x40412345, GW_WRITE, 0x0fe12345, 2 << 20);
    CHECK_EQ(res.level, 2);
    check_fault(0x40412345, GW_USER, GW_PF_P | GW_PF_U);
    /* PDPTEs the caller passes (the VMCS's) win over memory. */
    uint64_t pdpte[4] = { 0, 0, 0x3000 | P, 0 };
    cpu.pdpte = pdpte;
    reads = 0;
    check_ok(0x80201abc, 0, 0x123456abcull, 4096);
    CHECK_EQ(reads, 2);
    check_fault(0x40201abc, 0, 0);                      /* PDPTE 1 not present there */
    CHECK_EQ(res.level, 3);
    cpu.pdpte = NULL;
    check_fault(0x00001000, GW_WRITE, GW_PF_W);         /* PDPTE 0 */
    check_fault(0x40001000, GW_USER, GW_PF_U);          /* PDE 0 */
    check_fault(0x40203000, GW_USER | GW_WRITE, GW_PF_U | GW_PF_W); /* PTE 3 */
}

TEST(pae_reserved_bits_and_nx)
{
    setup_pae();
    check_fault(0x40202000, GW_FETCH, GW_PF_P | GW_PF_I);          /* XD with NXE */
    check_fault(0x40202000, GW_FETCH | GW_USER, GW_PF_P | GW_PF_I | GW_PF_U);
    check_ok(0x40202000, GW_WRITE, 0x5000, 4096);
    CHECK(!res.executable);
    cpu.efer = 0;                                                   /* XD reserved without NXE */
    check_fault(0x40202000, 0, GW_PF_P | GW_PF_RSVD);
    check_fault(0x40202000, GW_FETCH, GW_PF_P | GW_PF_RSVD);       /* no I/D: no NXE, no SMEP */
    cpu.efer = X86_EFER_NXE;
    put64(0x4000 + 8 * 1, (1ull << 36) | 0x6000 | ALL);            /* above MAXPHYADDR 36 */
    check_fault(0x40201000, 0, GW_PF_P | GW_PF_RSVD);
    cpu.maxphyaddr = 40;
    check_ok(0x40201000, 0, (1ull << 36) | 0x6000, 4096);
    put64(0x4000 + 8 * 1, (1ull << 52) | 0x6000 | ALL);            /* PAE has no ignored high bits */
    check_fault(0x40201000, 0, GW_PF_P | GW_PF_RSVD);
    put64(0x3000 + 8 * 2, 0x0fe00000 | P | PS | (1ull << 13));     /* 2 MiB page bit 13 */
    check_fault(0x40412345, 0, GW_PF_P | GW_PF_RSVD);
    put64(0x1020 + 8 * 1, 0x3000 | P | RW);                        /* R/W is reserved in a PDPTE */
    check_fault(0x40201000, GW_WRITE, GW_PF_P | GW_PF_RSVD | GW_PF_W);
    CHECK_EQ(res.level, 3);
    put64(0x1020 + 8 * 1, 0x3000 | P | XD);
    check_fault(0x40201000, 0, GW_PF_P | GW_PF_RSVD);
    uint64_t pdpte[4] = { 0, 0x3000 | P | (1ull << 5), 0, 0 };     /* also from the caller */
    cpu.pdpte = pdpte;
    check_fault(0x40201000, 0, GW_PF_P | GW_PF_RSVD);
}

TEST(pae_pdpt_outside_memory)
{
    setup_pae();
    cpu.cr3 = 0xfffff000;
    CHECK_EQ(walk(0xc0000000, 0), GW_BAD_TABLE);
    CHECK_EQ(res.table_gpa, 0xfffff018);
    setup_pae();
    put64(0x3000 + 8 * 3, 0x12345000ull | ALL);
    CHECK_EQ(walk(0x40600000, 0), GW_BAD_TABLE);
    CHECK_EQ(res.table_gpa, 0x12345000);
    CHECK_EQ(res.level, 1);
}

/* ------------------------------------------------------------ 4-level */

TEST(level4_pages_of_every_size)
{
    uint64_t root = setup4();
    CHECK_STR(gw_mode_name(&cpu), "4-level");
    uint64_t la = 0x00007f8012345678ull;
    put64(entry64(root, 4, la, 1), 0x7000 | ALL);
    check_ok(la, GW_WRITE | GW_USER | GW_FETCH, 0x7678, 4096);
    CHECK_EQ(res.level, 1);
    CHECK(res.writable && res.user && res.executable);
    CHECK_EQ(reads, 4);
    uint64_t la2 = 0xffff800000400000ull + 0x12345;             /* kernel half */
    put64(entry64(root, 4, la2, 2), 0x40000000ull | P | RW | PS);
    check_ok(la2, GW_WRITE, 0x40012345, 2 << 20);
    CHECK_EQ(res.level, 2);
    uint64_t la3 = 0xffffffffc0000000ull + 0x3456789;
    put64(entry64(root, 4, la3, 3), 0x3c0000000ull | P | PS | XD | (1ull << 12));   /* PAT bit */
    check_ok(la3, 0, 0x3c3456789ull, 1 << 30);
    CHECK_EQ(res.level, 3);
    CHECK(!res.writable && !res.user && !res.executable);
    CHECK_EQ(res.leaf_gpa, entry64(root, 4, la3, 3));
    /* PCID in CR3's low bits is not part of the address. */
    cpu.cr3 |= 0x5a5;
    cpu.cr4 |= X86_CR4_PCIDE;
    check_ok(la, 0, 0x7678, 4096);
}

TEST(level4_not_present_at_each_level)
{
    uint64_t root = setup4();
    uint64_t la = 0x0000123456789000ull;
    check_fault(la, 0, 0);
    CHECK_EQ(res.level, 4);
    entry64(root, 4, la, 3);                    /* PML4E present */
    check_fault(la, GW_WRITE, GW_PF_W);
    CHECK_EQ(res.level, 3);
    entry64(root, 4, la, 2);
    check_fault(la, GW_USER, GW_PF_U);
    CHECK_EQ(res.level, 2);
    entry64(root, 4, la, 1);
    check_fault(la, GW_USER | GW_FETCH, GW_PF_U | GW_PF_I);      /* NXE: I/D */
    CHECK_EQ(res.level, 1);
    put64(entry64(root, 4, la, 1), 0x9000 | RW | US);          /* everything but P */
    check_fault(la, 0, 0);
    put64(entry64(root, 4, la, 1), 0x9000 | P);
    check_ok(la + 0xfff, 0, 0x9fff, 4096);
}

TEST(level4_rights_wp_user_nx_smep_smap)
{
    uint64_t root = setup4();
    uint64_t ro = 0x400000000ull, sup = 0x400200000ull, nx = 0x400400000ull, usr = 0x400600000ull;
    put64(entry64(root, 4, ro, 1), 0x1000000 | ALL);
    put64(entry64(root, 4, sup, 1), 0x1001000 | P | RW);
    put64(entry64(root, 4, nx, 2), 0x1200000 | ALL | PS | XD);
    put64(entry64(root, 4, usr, 1), 0x1003000 | ALL);
    /* Read-only from the PD level: R/W is and-ed down the walk. */
    put64(entry64(root, 4, ro, 2), get64(entry64(root, 4, ro, 2)) & ~RW);
    check_ok(ro, GW_USER, 0x1000000, 4096);
    CHECK(!res.writable);
    check_fault(ro, GW_WRITE, GW_PF_P | GW_PF_W);
    check_fault(ro, GW_WRITE | GW_USER, GW_PF_P | GW_PF_W | GW_PF_U);
    cpu.cr0 &= ~X86_CR0_WP;
    check_ok(ro, GW_WRITE, 0x1000000, 4096);
    check_fault(ro, GW_WRITE | GW_USER, GW_PF_P | GW_PF_W | GW_PF_U);
    cpu.cr0 |= X86_CR0_WP;
    /* User access to a supervisor page. */
    check_ok(sup, GW_WRITE, 0x1001000, 4096);
    check_fault(sup, GW_USER, GW_PF_P | GW_PF_U);
    check_fault(sup, GW_USER | GW_WRITE, GW_PF_P | GW_PF_U | GW_PF_W);
    /* NX, from a 2 MiB PDE. */
    check_ok(nx + 0x1234, GW_USER | GW_WRITE, 0x1201234, 2 << 20);
    check_fault(nx, GW_FETCH, GW_PF_P | GW_PF_I);
    check_fault(nx, GW_FETCH | GW_USER, GW_PF_P | GW_PF_I | GW_PF_U);
    cpu.efer &= ~X86_EFER_NXE;                          /* now XD is a reserved bit */
    check_fault(nx, 0, GW_PF_P | GW_PF_RSVD);
    cpu.efer |= X86_EFER_NXE;
    /* XD at an upper level covers the whole range below. */
    put64(entry64(root, 4, usr, 3), get64(entry64(root, 4, usr, 3)) | XD);
    check_fault(usr, GW_FETCH, GW_PF_P | GW_PF_I);
    put64(entry64(root, 4, usr, 3), get64(entry64(root, 4, usr, 3)) & ~XD);
    /* SMEP: no supervisor fetch from a user page; SMAP: no supervisor data
     * access to one unless RFLAGS.AC, and never for implicit accesses. */
    check_ok(usr, GW_FETCH, 0x1003000, 4096);
    cpu.cr4 |= GW_CR4_SMEP;
    check_fault(usr, GW_FETCH, GW_PF_P | GW_PF_I);
    check_ok(usr, GW_FETCH | GW_USER, 0x1003000, 4096);
    check_ok(usr, GW_WRITE, 0x1003000, 4096);
    cpu.cr4 |= GW_CR4_SMAP;
    check_fault(usr, 0, GW_PF_P);
    check_fault(usr, GW_WRITE, GW_PF_P | GW_PF_W);
    check_ok(usr, GW_USER | GW_WRITE, 0x1003000, 4096);
    check_ok(sup, 0, 0x1001000, 4096);
    cpu.rflags = GW_RFLAGS_AC;
    check_ok(usr, GW_WRITE, 0x1003000, 4096);
    check_fault(usr, GW_IMPLICIT, GW_PF_P);
    check_fault(usr, GW_IMPLICIT | GW_USER, GW_PF_P);   /* implicit: supervisor even at CPL 3 */
}

TEST(level4_reserved_bits)
{
    uint64_t root = setup4();
    uint64_t la = 0x0000008000000000ull;                /* PML4 index 1 */
    put64(entry64(root, 4, la, 1), 0x5000 | ALL);
    check_ok(la, 0, 0x5000, 4096);
    uint64_t pml4e = entry64(root, 4, la, 4), pdpte = entry64(root, 4, la, 3);
    put64(pml4e, get64(pml4e) | PS);                    /* no PS in a PML4E */
    check_fault(la, 0, GW_PF_P | GW_PF_RSVD);
    CHECK_EQ(res.level, 4);
    put64(pml4e, get64(pml4e) & ~PS);
    put64(pdpte, get64(pdpte) | (1ull << 46));          /* above MAXPHYADDR 46 */
    check_fault(la, GW_FETCH, GW_PF_P | GW_PF_RSVD | GW_PF_I);
    cpu.maxphyaddr = 47;
    CHECK_EQ(walk(la, 0), GW_BAD_TABLE);                /* now an address, outside memory */
    cpu.maxphyaddr = 0;                                 /* 0: 52 */
    CHECK_EQ(walk(la, 0), GW_BAD_TABLE);
    CHECK_EQ(res.table_gpa, (1ull << 46) | (get64(pdpte) & 0xff000));
    cpu.maxphyaddr = 46;
    put64(pdpte, (get64(pdpte) & ~(1ull << 46)) | (0x7ffull << 52));    /* 62:52 ignored */
    check_ok(la, 0, 0x5000, 4096);
    put64(entry64(root, 4, la, 1), 0x5000 | ALL | (1ull << 51));
    check_fault(la, GW_WRITE | GW_USER, GW_PF_P | GW_PF_RSVD | GW_PF_W | GW_PF_U);
    CHECK_EQ(res.level, 1);
    /* Large pages: the bits between PAT and the page address. */
    put64(pdpte, 0x40000000 | ALL | PS | (1ull << 29));
    check_fault(la, 0, GW_PF_P | GW_PF_RSVD);
    put64(pdpte, 0x40000000 | ALL | PS | (1ull << 12));
    check_ok(la + 0x1234, 0, 0x40001234, 1 << 30);
    uint64_t la2 = 0x0000010000000000ull;
    put64(entry64(root, 4, la2, 2), 0x200000 | ALL | PS | (1ull << 20));
    check_fault(la2, 0, GW_PF_P | GW_PF_RSVD);
    put64(entry64(root, 4, la2, 2), 0x200000 | ALL | PS | (1ull << 12));
    check_ok(la2 + 0x54321, 0, 0x254321, 2 << 20);
}

TEST(level4_noncanonical_and_table_outside_memory)
{
    uint64_t root = setup4();
    CHECK_EQ(walk(0x0000800000000000ull, 0), GW_NONCANONICAL);
    CHECK_EQ(walk(0xfff0000000000000ull, 0), GW_NONCANONICAL);
    CHECK_EQ(walk(0xffff800000000000ull, 0), GW_FAULT);  /* canonical, not mapped */
    CHECK_EQ(reads, 1);
    uint64_t la = 0x0000000040000000ull;
    put64(entry64(root, 4, la, 2), 0x100000000ull | ALL);  /* PD entry -> PT at 4 GiB */
    CHECK_EQ(walk(la + 0x3000, 0), GW_BAD_TABLE);
    CHECK_EQ(res.table_gpa, 0x100000000ull + 8 * 3);
    CHECK_EQ(res.level, 1);
    cpu.cr3 = 0x7ffff000;
    CHECK_EQ(walk(0, 0), GW_BAD_TABLE);
    CHECK_EQ(res.table_gpa, 0x7ffff000);
    CHECK_EQ(res.level, 4);
}

/* ------------------------------------------------------------ 5-level */

TEST(level5_paging)
{
    reset(X86_CR0_PG, X86_CR4_PAE | GW_CR4_LA57, X86_EFER_LME | X86_EFER_LMA);
    cpu.cr3 = new_table();
    CHECK_STR(gw_mode_name(&cpu), "5-level");
    uint64_t la = 0x00f0123456789000ull;                /* needs 57 bits */
    put64(entry64(cpu.cr3, 5, la, 1), 0xa000 | ALL);
    check_ok(la | 0xabc, GW_WRITE, 0xaabc, 4096);
    CHECK_EQ(reads, 5);
    CHECK_EQ(res.level, 1);
    uint64_t pml5e = entry64(cpu.cr3, 5, la, 5);
    CHECK_EQ(pml5e, cpu.cr3 + 8 * 0xf0);
    put64(pml5e, get64(pml5e) | PS);
    check_fault(la, 0, GW_PF_P | GW_PF_RSVD);
    CHECK_EQ(res.level, 5);
    put64(pml5e, get64(pml5e) & ~PS);
    check_fault(0xff00000000000000ull, 0, 0);            /* canonical in 57 bits */
    CHECK_EQ(walk(0x0100000000000000ull, 0), GW_NONCANONICAL);
    cpu.cr4 &= ~GW_CR4_LA57;                            /* the same address under 4-level */
    CHECK_EQ(walk(la, 0), GW_NONCANONICAL);
}

TEST(every_read_is_an_aligned_entry)
{
    /* Random tables: whatever they hold, the walker reads only aligned
     * 4- or 8-byte entries (read_pte checks) and always says something. */
    uint64_t s = 88172645463325252ull;
    for (int round = 0; round < 3000; round++) {
        reset(0, 0, 0);
        for (unsigned i = 0; i < MEM_SIZE / 8; i += 1 + (unsigned)(s % 7)) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            uint64_t v = (s & 0x3f000ull) | (s >> 52 & 0x1ff) | (s & 0x8000000000000000ull);
            put64(8 * i, v);
        }
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        static const uint64_t cr4s[] = { 0, GW_CR4_PSE, X86_CR4_PAE, X86_CR4_PAE | GW_CR4_LA57 };
        cpu.cr0 = X86_CR0_PE | X86_CR0_PG | (s & 1 ? X86_CR0_WP : 0);
        cpu.cr4 = cr4s[(s >> 1) & 3] | (s & 0x300000);
        cpu.efer = (s >> 4 & 1 ? X86_EFER_LME : 0) | (s >> 5 & 1 ? X86_EFER_NXE : 0);
        cpu.cr3 = s & 0x3ffe0;
        cpu.maxphyaddr = 32 + (unsigned)(s >> 24) % 21;
        uint64_t la = s * 0x9e3779b97f4a7c15ull;
        enum gw_status st = walk(la, (unsigned)(s >> 40) & 0x116);
        CHECK(st == GW_OK || st == GW_FAULT || st == GW_NONCANONICAL || st == GW_BAD_TABLE);
        if (st == GW_FAULT)
            CHECK(!(res.pfec & ~0x1fu));
        if (st == GW_OK && res.page_size == 4096)
            CHECK_EQ(res.gpa & 0xfff, la & 0xfff);
    }
}
