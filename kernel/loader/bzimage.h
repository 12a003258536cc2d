/* Linux kernels as guests: the bzImage loader (Linux x86 boot protocol,
 * Documentation/arch/x86/boot.rst and zero-page.rst). Pure, like the
 * Multiboot loaders (loader.h): guest RAM is a host buffer the loader
 * fills; it says where the vCPU starts. Also built into the host unit
 * tests and the fuzzer (tests/fuzz/fuzz_bzimage.c).
 *
 * What Keel asks of the image: "HdrS" at 0x202, boot protocol 2.10 or
 * later (Linux 2.6.31: the first with init_size and pref_address, without
 * which a loader cannot know how much memory the kernel needs where it
 * runs), and LOADED_HIGH (a bzImage, not a zImage). Protocol 2.12's
 * XLF_KERNEL_64 chooses the 64-bit entry; without it, the 32-bit one.
 *
 * Guest-physical layout after a load:
 *   0x1000   GDT: 0x10 __BOOT_CS (64-bit code for the 64-bit entry, else
 *            32-bit), 0x18 __BOOT_DS, both flat 4 GiB, accessed
 *   0x2000   PML4, PDPT, four PDs: 0-4 GiB identity-mapped in 2 MiB
 *            pages (64-bit entry only; the pages are zeroed otherwise)
 *   0x8000   a page of stack, RSP = 0x9000 (the protocol asks for none)
 *   0x9000   boot_params, the "zero page"
 *   0xa000   the command line, NUL-terminated
 *   the kernel (the file after its setup sectors) at its load address:
 *            relocatable: pref_address aligned up to kernel_alignment
 *            (at least 1 MiB), where it also runs; not relocatable:
 *            0x100000, and it runs (moves itself) to pref_address;
 *            [run, run + init_size) must lie in RAM below 4 GiB
 *   the initrd: the guest's modules concatenated, each but the last
 *            padded to 4 bytes (as GRUB's initrd command), page-aligned
 *            at the highest address below min(initrd_addr_max + 1, RAM,
 *            4 GiB) clear of the kernel and the ACPI tables
 * Everything the loader places stays below 4 GiB (so its 32-bit fields
 * hold it, and the 64-bit entry's identity map covers it).
 *
 * The memory map (boot_params.e820_table), as the Multiboot loaders tell
 * it: 0-0x9fc00 RAM, 0x9fc00-0xa0000 reserved, 0xf0000-0x100000 reserved,
 * 0x100000-mem RAM; the ACPI tables' area reserved too, carved out of
 * whatever it lies in. */
#ifndef KEEL_LOADER_BZIMAGE_H
#define KEEL_LOADER_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/fmt.h"
#include "kernel/loader/loader.h"
#include "vmx/vcpu_start.h"

#define BZIMAGE_PROTOCOL_MIN 0x020a     /* 2.10: init_size, pref_address */
#define BZIMAGE_GDT 0x1000ull
#define BZIMAGE_GDT_LIMIT 31            /* four descriptors */
#define BZIMAGE_BOOT_CS 0x10            /* __BOOT_CS */
#define BZIMAGE_BOOT_DS 0x18            /* __BOOT_DS: DS, ES, SS (and FS, GS) */
#define BZIMAGE_PML4 0x2000ull          /* CR3 for the 64-bit entry */
#define BZIMAGE_PT_END 0x8000ull        /* PML4, PDPT, 4 PDs */
#define BZIMAGE_STACK_TOP 0x9000ull
#define BZIMAGE_BOOT_PARAMS 0x9000ull
#define BZIMAGE_CMDLINE 0xa000ull
#define BZIMAGE_LOW_END 0x9fc00ull      /* the command line ends below the EBDA */
#define BZIMAGE_E820_MAX 128            /* boot_params.e820_table */

/* What the guest is given. */
struct bzimage_boot {
    uint64_t mem;                       /* guest RAM bytes, guest-physical 0 .. mem */
    const char *cmdline;                /* NULL: an empty one */
    const struct loader_module *initrds;/* concatenated into one initrd; strings unused */
    unsigned initrd_count;
    /* The guest's ACPI tables (acpi_build.h), which the caller puts
     * there: reserved in the memory map, and nothing placed over them.
     * 0, 0: none. */
    uint64_t acpi_base, acpi_size;
    uint64_t rsdp_gpa;                  /* boot_params.acpi_rsdp_addr; 0: none (the kernel
                                         * then searches 0xe0000-0xfffff) */
};

/* What was loaded: for the log line, and the start state vcpu_start
 * cannot hold yet (GDTR, data selectors). */
struct bzimage_summary {
    uint16_t version;                   /* protocol, 0x020f for 2.15 */
    bool entry64;                       /* the 64-bit entry (XLF_KERNEL_64) */
    bool relocatable;
    char kernel_version[64];            /* the header's string, its first word; "" if none */
    uint64_t load, load_end;            /* the protected-mode kernel as loaded */
    uint64_t run, run_end;              /* where it runs until it reads its memory map:
                                         * [run, run + init_size) */
    uint64_t entry;
    uint64_t boot_params, cmdline;
    uint64_t initrd, initrd_size;       /* 0, 0: none */
    uint64_t cr3;                       /* 0 with the 32-bit entry */
    uint64_t gdt_base;                  /* GDTR the vCPU must start with */
    uint16_t gdt_limit;
    uint16_t cs, ds;                    /* selectors: CS; DS, ES, SS, FS, GS */
    unsigned e820_entries;
};

/* "HdrS" at 0x202: the image claims the Linux boot protocol (it may
 * still be refused, as too old or a zImage). */
bool bzimage_probe(const void *image, uint64_t size);

/* Check the image against the guest, then fill ram[0 .. boot->mem): the
 * kernel, boot_params, command line, initrd, GDT and page tables. Fill
 * *start (64-bit entry: long mode, CR3 = BZIMAGE_PML4, RIP = load +
 * 0x200; 32-bit entry: protected mode, paging off, RIP = load; both: CS
 * 0x10, RSI = boot_params, RSP = BZIMAGE_STACK_TOP, all other registers
 * 0, interrupts off) and *sum (may be NULL). Returns 0, or -1 after
 * reporting one sentence per problem ("Linux bzImage: ..."); a refused
 * image leaves RAM untouched. */
int bzimage_load(const void *image, uint64_t size, void *ram, const struct bzimage_boot *boot,
                 struct vcpu_start *start, struct bzimage_summary *sum, report_fn report,
                 void *ctx);

/* "Linux 6.1.0-57-cloud-amd64 bzImage (protocol 2.15), 0x1000000-0x1d837c0,
 * 64-bit entry 0x1000200, initrd 0x7ff0000-0x8000000" */
const char *bzimage_describe(const struct bzimage_summary *sum, char *buf, size_t size);

#endif
