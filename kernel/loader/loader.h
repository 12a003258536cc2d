/* Guest images that other boot loaders boot: unmodified Multiboot (v1,
 * specification 0.6.96) and Multiboot2 kernels, ELF32, ELF64, or placed
 * by their header's address fields. Pure: no globals, no allocation; the
 * caller gives guest RAM as a host buffer, the loader fills it and says
 * where the vCPU starts. Also built into the host unit tests and fuzzer.
 *
 * Guest-physical layout after a load (issue "Unmodified Multiboot
 * kernels as guests"):
 *   the kernel's segments     where its program headers (p_paddr) or its
 *                             address fields put them
 *   modules                   from the first page after the kernel's
 *                             highest byte (bss included), each page-aligned
 *   boot information          next page: the structure, its module list,
 *                             memory map and strings (v1), or the tags (v2)
 *   a 4 KiB boot stack        next page; ESP = its top
 * (when RAM above the kernel is too small: the same from 0x1000, if that
 * leaves the kernel's segments clear), all inside RAM below 4 GiB - 4 KiB,
 * clear of 0x9fc00-0x100000 (the memory map reserves it) and of the RSDP
 * when one is given. The memory map the guest is told (both protocols):
 *   0-0x9fc00 available, 0x9fc00-0xa0000 reserved, 0xf0000-0x100000
 *   reserved, 0x100000-mem available; mem_lower 639 KiB, mem_upper the
 *   KiB from 1 MiB to the end of RAM (as QEMU gives). */
#ifndef KEEL_LOADER_H
#define KEEL_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/fmt.h"
#include "vmx/vcpu_start.h"

#define LOADER_MB1_MAGIC 0x2badb002u    /* EAX at entry, Multiboot v1 */
#define LOADER_MB2_MAGIC 0x36d76289u    /* EAX at entry, Multiboot2 */
#define LOADER_MODULES_MAX 32
#define LOADER_SEGMENTS_MAX 16          /* PT_LOAD segments of one ELF image */

struct loader_module {
    const void *data;
    uint64_t size;
    const char *string;                 /* its command line; NULL: none */
};

/* What the guest is given. */
struct loader_boot {
    uint64_t mem;                       /* guest RAM bytes, guest-physical 0 .. mem */
    const char *cmdline;                /* the kernel's command line, exactly; NULL: none */
    const struct loader_module *modules;
    unsigned module_count;
    const char *loader_name;            /* "Keel " + version */
    /* The guest's ACPI RSDP, which the caller has put at rsdp_gpa: its
     * bytes go into the Multiboot2 ACPI tags (v1 kernels scan for it), and
     * nothing the loader places may cover it. The map reserves only
     * 0x9fc00-0xa0000 and 0xf0000-0x100000: the tables belong there.
     * 0/NULL: none. */
    uint64_t rsdp_gpa;
    const void *rsdp;
    uint64_t rsdp_size;                 /* 20 (ACPI 1.0) or the RSDP's length (2.0+) */
};

enum loader_kind { LOADER_NONE, LOADER_MB1, LOADER_MB2 };

/* What was loaded, for the caller's log line (loader_describe). */
struct loader_summary {
    enum loader_kind kind;
    unsigned elf_class;                 /* 32 or 64; 0: placed by the address fields */
    uint64_t low, high;                 /* guest-physical [low, high) the kernel occupies */
    uint64_t entry;                     /* EIP at the first instruction */
    uint64_t info;                      /* boot information (EBX) */
    uint64_t end;                       /* top of the boot stack, the last thing placed */
};

/* Which loader claims this image: a Multiboot v1 header (magic 0x1BADB002,
 * 4-aligned in the first 8192 bytes, checksum) or a Multiboot2 header
 * (magic 0xE85250D6, 8-aligned in the first 32768 bytes, checksum). With
 * both, Multiboot2 (the newer protocol; the kernel reads what GRUB's
 * multiboot2 command would give it). A Multiboot2 header for another
 * architecture is still claimed, so that loader_load can refuse it by name.
 * Neither: LOADER_NONE (the caller treats the image as Keel's flat image). */
enum loader_kind loader_probe(const void *image, uint64_t size);

/* For an image no loader claims: is it recognisably something other
 * than Keel's flat binary? "an ELF64 file" (no Multiboot header), "a
 * Linux kernel (bzImage)", "an image with a broken Multiboot header" (a
 * magic whose checksum is wrong); NULL: none of these. The caller refuses
 * such an image, and loader_load says what it lacks. */
const char *loader_foreign(const void *image, uint64_t size);

/* Load `image` into ram[0 .. boot->mem): segments, modules, boot
 * information; fill *start (32-bit protected mode, flat segments, paging
 * and interrupts off: EIP = entry, EAX = magic, EBX = information address,
 * ESP = a small boot stack) and *sum (may be NULL). Returns 0, or -1
 * after reporting one sentence per problem ("Multiboot v1 ELF32 kernel:
 * ..."); RAM may then hold part of the image. loader_load probes;
 * loader_load_mb1/_mb2 use that protocol's header only. */
int loader_load(const void *image, uint64_t size, void *ram, const struct loader_boot *boot,
                struct vcpu_start *start, struct loader_summary *sum, report_fn report, void *ctx);
int loader_load_mb1(const void *image, uint64_t size, void *ram, const struct loader_boot *boot,
                    struct vcpu_start *start, struct loader_summary *sum, report_fn report,
                    void *ctx);
int loader_load_mb2(const void *image, uint64_t size, void *ram, const struct loader_boot *boot,
                    struct vcpu_start *start, struct loader_summary *sum, report_fn report,
                    void *ctx);

/* "Multiboot v1 ELF32 kernel, 0x100000-0x10a000, entry 0x10000c,
 * information at 0x10c000" */
const char *loader_describe(const struct loader_summary *sum, char *buf, size_t size);

const char *loader_kind_name(enum loader_kind kind);

#endif
