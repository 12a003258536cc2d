/* ELF32 and ELF64 kernels placed by their program headers, as Multiboot
 * loaders do when the header has no address fields: every PT_LOAD segment
 * at its physical address p_paddr, p_filesz bytes from the file, zeroes
 * up to p_memsz (System V ABI "Program Header", "Program Loading").
 *
 * The entry point: e_entry is a virtual address. When it lies inside a
 * PT_LOAD segment's virtual range, it is moved by that segment's p_paddr
 * - p_vaddr (GRUB's multiboot_elfxx.c does this, over p_memsz; QEMU's ELF
 * loader too, over p_filesz of executable segments), so a kernel linked
 * high but loaded low starts at its physical entry. Otherwise it is taken
 * as physical. Either way it must land inside a loaded segment: below
 * 4 GiB, as the CPU starts in 32-bit mode even for an ELF64 kernel. */
#include "kernel/loader/load.h"

#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define ET_DYN 3
#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1

/* Where the fields are in each class (System V ABI "ELF Header"). */
struct elf_form {
    unsigned class_bits, machine;
    const char *machine_name;
    unsigned ehsize, word;              /* header size; address and offset size */
    unsigned e_entry, e_phoff, e_phentsize, e_phnum;
    unsigned phsize, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz;
};

static const struct elf_form elf32 = {
    32, EM_386, "i386", 52, 4, 24, 28, 42, 44, 32, 4, 8, 12, 16, 20,
};
static const struct elf_form elf64 = {
    64, EM_X86_64, "x86-64", 64, 8, 24, 32, 54, 56, 56, 8, 16, 24, 32, 40,
};

struct phdr {
    uint32_t type;
    uint64_t offset, vaddr, paddr, filesz, memsz;
};

static uint64_t word(const struct elf_form *f, const uint8_t *p)
{
    return f->word == 8 ? load_rd64(p) : load_rd32(p);
}

static void read_phdr(const struct load *l, const struct elf_form *f, uint64_t at, struct phdr *ph)
{
    const uint8_t *p = l->image + at;
    ph->type = load_rd32(p);
    ph->offset = word(f, p + f->p_offset);
    ph->vaddr = word(f, p + f->p_vaddr);
    ph->paddr = word(f, p + f->p_paddr);
    ph->filesz = word(f, p + f->p_filesz);
    ph->memsz = word(f, p + f->p_memsz);
}

/* The ELF header: the class, and that it is an x86 executable. */
static const struct elf_form *check_header(struct load *l)
{
    const uint8_t *e = l->image;
    if (l->size < 16 || memcmp(e, "\177ELF", 4)) {
        load_problem(l, "is not an ELF file, and its Multiboot header gives no load addresses");
        return NULL;
    }
    if (e[4] != ELFCLASS32 && e[4] != ELFCLASS64) {
        load_problem(l, "has ELF class %u, neither ELF32 (1) nor ELF64 (2)", e[4]);
        return NULL;
    }
    const struct elf_form *f = e[4] == ELFCLASS32 ? &elf32 : &elf64;
    load_set_format(l, f == &elf32 ? "ELF32" : "ELF64");
    l->sum.elf_class = f->class_bits;
    if (l->size < f->ehsize) {
        load_problem(l, "the file ends at byte %llu, inside its %u-byte ELF header",
                     (unsigned long long)l->size, f->ehsize);
        return NULL;
    }
    if (e[5] != ELFDATA2LSB)
        load_problem(l, "has ELF data encoding %u, not little-endian (1) as x86 is", e[5]);
    if (load_rd16(e + 18) != f->machine)
        load_problem(l, "is for ELF machine %u, not %s (%u)", load_rd16(e + 18), f->machine_name,
                     f->machine);
    uint16_t type = load_rd16(e + 16);
    if (type != ET_EXEC && type != ET_DYN)
        load_problem(l, "has ELF type %u, not an executable (2) or position-independent one (3)",
                     type);
    return l->problems ? NULL : f;
}

/* Record every PT_LOAD segment with memory; false when any is wrong. */
static bool check_segments(struct load *l, const struct elf_form *f, uint64_t phoff,
                           unsigned entsize, unsigned phnum)
{
    unsigned loads = 0;
    struct phdr ph;
    for (unsigned i = 0; i < phnum; i++) {
        read_phdr(l, f, phoff + (uint64_t)i * entsize, &ph);
        loads += ph.type == PT_LOAD && ph.memsz;
    }
    if (!loads || loads > LOADER_SEGMENTS_MAX) {
        load_problem(l, "has %u loadable segments (PT_LOAD with p_memsz > 0), where Keel takes "
                     "1 to %d", loads, LOADER_SEGMENTS_MAX);
        return false;
    }
    for (unsigned i = 0; i < phnum; i++) {
        read_phdr(l, f, phoff + (uint64_t)i * entsize, &ph);
        if (ph.type != PT_LOAD)
            continue;
        if (ph.filesz > ph.memsz) {
            load_problem(l, "segment %u has p_filesz 0x%llx, more than its p_memsz 0x%llx", i,
                         (unsigned long long)ph.filesz, (unsigned long long)ph.memsz);
            continue;
        }
        if (!ph.memsz)
            continue;
        if (ph.offset > l->size || ph.filesz > l->size - ph.offset) {
            load_problem(l, "segment %u (0x%llx bytes at file offset 0x%llx) runs past the end of "
                         "the file at 0x%llx", i, (unsigned long long)ph.filesz,
                         (unsigned long long)ph.offset, (unsigned long long)l->size);
            continue;
        }
        char name[16];
        ksnprintf(name, sizeof(name), "segment %u", i);
        struct load_seg s = {
            .base = ph.paddr, .len = ph.memsz, .off = ph.offset, .filesz = ph.filesz,
        };
        load_add_seg(l, name, &s);
    }
    return !l->problems;
}

/* e_entry, moved into physical memory through the segment that holds it. */
static uint64_t physical_entry(const struct load *l, const struct elf_form *f, uint64_t phoff,
                               unsigned entsize, unsigned phnum)
{
    uint64_t entry = word(f, l->image + f->e_entry);
    struct phdr ph;
    for (unsigned i = 0; i < phnum; i++) {
        read_phdr(l, f, phoff + (uint64_t)i * entsize, &ph);
        if (ph.type == PT_LOAD && entry - ph.vaddr < ph.memsz)
            return entry - ph.vaddr + ph.paddr;
    }
    return entry;
}

bool load_elf(struct load *l)
{
    const struct elf_form *f = check_header(l);
    if (!f)
        return false;
    const uint8_t *e = l->image;
    uint64_t phoff = word(f, e + f->e_phoff);
    unsigned entsize = load_rd16(e + f->e_phentsize), phnum = load_rd16(e + f->e_phnum);
    uint64_t table = (uint64_t)entsize * phnum;         /* at most 65535 * 65535 */
    if (!phnum || entsize < f->phsize) {
        load_problem(l, "has %u program headers of %u bytes; an ELF%u program header is %u bytes",
                     phnum, entsize, f->class_bits, f->phsize);
        return false;
    }
    if (phoff > l->size || table > l->size - phoff) {
        load_problem(l, "its program headers (%u of %u bytes at offset 0x%llx) run past the end of "
                     "the file at 0x%llx", phnum, entsize, (unsigned long long)phoff,
                     (unsigned long long)l->size);
        return false;
    }
    if (!check_segments(l, f, phoff, entsize, phnum))
        return false;
    l->sum.entry = physical_entry(l, f, phoff, entsize, phnum);
    return load_entry_ok(l, "from e_entry", l->sum.entry);
}
