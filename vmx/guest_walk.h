/* Guest page-table walk: guest-linear to guest-physical, as the guest's
 * own CR0, CR3, CR4 and EFER define it (SDM Vol. 3 "Paging"): paging off,
 * 32-bit paging (4 MiB pages with CR4.PSE), PAE paging, 4-level and
 * 5-level (CR4.LA57) paging. Used to read the instruction bytes at a
 * guest RIP, or to follow a guest pointer. Pure: tables are read through
 * a callback; unit-tested and fuzzed on the host.
 *
 * Not modelled: accessed and dirty bits are neither set nor required (a
 * caller that emulates a guest write it cares about sets them itself,
 * through leaf_gpa); protection keys (CR4.PKE/PKS); the TLB (the walk is
 * what the CPU would do after an INVLPG); HLAT; 1 GiB pages are always
 * allowed (every CPU with EPT has them). */
#ifndef KEEL_VMX_GUEST_WALK_H
#define KEEL_VMX_GUEST_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/x86.h"

/* Control bits the walk reads that arch/x86/x86.h does not name (SDM
 * "Control Registers", "EFLAGS Register"). */
#define GW_CR4_PSE   (1ull << 4)
#define GW_CR4_LA57  (1ull << 12)
#define GW_CR4_SMEP  (1ull << 20)
#define GW_CR4_SMAP  (1ull << 21)
#define GW_RFLAGS_AC (1ull << 18)

/* Page-fault error code bits ("Page-Fault Exception (#PF)"). */
#define GW_PF_P    (1u << 0)    /* 0: not present; 1: protection or reserved bit */
#define GW_PF_W    (1u << 1)    /* a write */
#define GW_PF_U    (1u << 2)    /* a user-mode access */
#define GW_PF_RSVD (1u << 3)    /* a reserved bit set in some paging entry */
#define GW_PF_I    (1u << 4)    /* an instruction fetch (only with NXE under PAE, or SMEP) */

/* Access kinds, or-ed: bits as in the error code, plus IMPLICIT. Plain 0
 * is a supervisor data read; WRITE and FETCH do not go together. */
#define GW_WRITE    GW_PF_W
#define GW_USER     GW_PF_U     /* CPL 3 */
#define GW_FETCH    GW_PF_I
#define GW_IMPLICIT (1u << 8)   /* a supervisor access the CPU makes itself (GDT, IDT,
                                   TSS): SMAP applies whatever RFLAGS.AC says */

/* Read one paging-structure entry of `size` bytes (4 or 8) at guest-
 * physical `gpa` (aligned to size). Returns 0, or non-zero when gpa is
 * not guest RAM. */
typedef int (*gw_read_fn)(void *ctx, uint64_t gpa, unsigned size, uint64_t *val);

struct gw_cpu {
    uint64_t cr0, cr3, cr4, efer, rflags;   /* the guest's (rflags only for AC) */
    unsigned maxphyaddr;    /* physical-address width, 32..52 (CPUID 80000008H:EAX[7:0]);
                               0 means 52 */
    /* PAE paging uses four PDPTEs that the CPU loads when CR3 is written
     * ("PDPTE Registers"); with EPT they are in the VMCS (GUEST_PDPTE0-3).
     * Pass them here; NULL makes the walk read them from memory at CR3. */
    const uint64_t *pdpte;
};

enum gw_status {
    GW_OK = 0,
    GW_FAULT,               /* a page fault: inject #PF with error code out->pfec, CR2 = la */
    GW_NONCANONICAL,        /* IA-32e: not canonical, #GP (or #SS) rather than #PF */
    GW_BAD_TABLE,           /* a paging entry lies outside guest RAM (out->table_gpa) */
};

struct gw_result {
    uint64_t gpa;           /* GW_OK: the translation */
    uint64_t page_size;     /* GW_OK: 4 KiB, 2 MiB, 4 MiB or 1 GiB (paging off: 4 KiB) */
    uint64_t leaf;          /* GW_OK: the entry that mapped it (0 when paging is off) */
    uint64_t leaf_gpa;      /* GW_OK: where that entry is */
    bool writable, user, executable;    /* GW_OK: the page's effective rights */
    unsigned pfec;          /* GW_FAULT: the #PF error code */
    uint64_t table_gpa;     /* GW_BAD_TABLE: the entry's guest-physical address */
    int level;              /* where the walk stopped: 1 = PTE ... 5 = PML5E, 0 paging off */
};

/* Translate guest-linear `la` for an access of kind `access` (GW_*).
 * Outside IA-32e mode linear addresses are 32 bits: the upper half of
 * `la` is ignored. */
enum gw_status guest_walk(const struct gw_cpu *cpu, uint64_t la, unsigned access,
                          gw_read_fn read, void *ctx, struct gw_result *out);

/* "4-level", "PAE", ...: the paging mode cpu's registers select, for logs. */
const char *gw_mode_name(const struct gw_cpu *cpu);

#endif
