/* Small Multiboot kernels built in memory, for the loader's unit tests
 * (tests/unit/test_loader_*.c): an ELF32/ELF64 header with program
 * headers, a Multiboot v1 header, a Multiboot2 header with tags; and the
 * guest they are loaded into. With LOADER_SEEDS=dir in the environment,
 * every image a test loads is also written there as a seed for
 * tests/fuzz/fuzz_loader.c (tests/fuzz/corpus/loader/). */
#ifndef KEEL_TESTS_LOADER_IMAGES_H
#define KEEL_TESTS_LOADER_IMAGES_H

#include "kernel/loader/loader.h"
#include "unit.h"

#define IMG_MAX 65536

struct img {
    uint8_t b[IMG_MAX];
    size_t len;
};

static inline void wr(struct img *m, size_t off, uint64_t v, unsigned n)
{
    memcpy(m->b + off, &v, n);
    if (off + n > m->len)
        m->len = off + n;
}
#define w16(m, off, v) wr(m, off, v, 2)
#define w32(m, off, v) wr(m, off, v, 4)
#define w64(m, off, v) wr(m, off, v, 8)

static inline void img_init(struct img *m)
{
    memset(m, 0, sizeof(*m));
}

/* n bytes of a recognisable pattern at `off`. */
static inline void img_fill(struct img *m, size_t off, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        m->b[off + i] = (uint8_t)(seed + i * 7);
    if (off + n > m->len)
        m->len = off + n;
}

struct seg {
    uint32_t type;
    uint64_t off, vaddr, paddr, filesz, memsz;
};

#define EM_386 3
#define EM_X86_64 62

/* ELF header, then the program headers right after it. */
static inline void img_elf(struct img *m, int bits, uint16_t machine, uint64_t entry,
                           const struct seg *s, int n)
{
    memcpy(m->b, "\177ELF", 4);
    m->b[4] = bits == 64 ? 2 : 1;
    m->b[5] = 1;
    m->b[6] = 1;
    w16(m, 16, 2);
    w16(m, 18, machine);
    w32(m, 20, 1);
    size_t ph = bits == 64 ? 64 : 52, sz = bits == 64 ? 56 : 32;
    if (bits == 64) {
        w64(m, 24, entry);
        w64(m, 32, ph);
        w16(m, 52, 64);
        w16(m, 54, sz);
        w16(m, 56, n);
    } else {
        w32(m, 24, entry);
        w32(m, 28, ph);
        w16(m, 40, 52);
        w16(m, 42, sz);
        w16(m, 44, n);
    }
    for (int i = 0; i < n; i++) {
        size_t p = ph + i * sz;
        w32(m, p, s[i].type);
        if (bits == 64) {
            w32(m, p + 4, 7);
            w64(m, p + 8, s[i].off);
            w64(m, p + 16, s[i].vaddr);
            w64(m, p + 24, s[i].paddr);
            w64(m, p + 32, s[i].filesz);
            w64(m, p + 40, s[i].memsz);
        } else {
            w32(m, p + 4, s[i].off);
            w32(m, p + 8, s[i].vaddr);
            w32(m, p + 12, s[i].paddr);
            w32(m, p + 16, s[i].filesz);
            w32(m, p + 20, s[i].memsz);
            w32(m, p + 24, 7);
        }
    }
}

/* Multiboot v1 header at `off`; the address fields (header_addr,
 * load_addr, load_end_addr, bss_end_addr, entry_addr) when given. */
static inline void img_mb1(struct img *m, size_t off, uint32_t flags, const uint32_t *addr)
{
    w32(m, off, 0x1badb002u);
    w32(m, off + 4, flags);
    w32(m, off + 8, -(0x1badb002u + flags));
    for (int i = 0; addr && i < 5; i++)
        w32(m, off + 12 + 4 * i, addr[i]);
}

/* Multiboot2 header at `off`, tags added one by one. */
struct mb2h {
    struct img *m;
    size_t off, at;
};

static inline void mb2h_begin(struct mb2h *h, struct img *m, size_t off)
{
    h->m = m;
    h->off = off;
    h->at = off + 16;
}

/* A tag of `size` bytes; returns its offset in the image. */
static inline size_t mb2h_tag(struct mb2h *h, uint16_t type, uint16_t flags, uint32_t size)
{
    size_t t = h->at;
    w16(h->m, t, type);
    w16(h->m, t + 2, flags);
    w32(h->m, t + 4, size);
    if (t + size > h->m->len)
        h->m->len = t + size;
    h->at += (size + 7) & ~7u;
    return t;
}

static inline void mb2h_end(struct mb2h *h, uint32_t arch)
{
    mb2h_tag(h, 0, 0, 8);
    uint32_t len = (uint32_t)(h->at - h->off);
    w32(h->m, h->off, 0xe85250d6u);
    w32(h->m, h->off + 4, arch);
    w32(h->m, h->off + 8, len);
    w32(h->m, h->off + 12, -(0xe85250d6u + arch + len));
}

/* An ELF32 kernel: text at 0x100000 (0x200 bytes from offset 0x1000, the
 * Multiboot header at its start), data at 0x101000 (0x80 bytes from the
 * file, 0x2000 in memory), a PT_NOTE; entry 0x100010. */
static inline void kernel32(struct img *m, uint32_t flags)
{
    const struct seg s[] = {
        { 1, 0x1000, 0x100000, 0x100000, 0x200, 0x200 },
        { 1, 0x1200, 0x101000, 0x101000, 0x80, 0x2000 },
        { 4, 0, 0, 0, 0, 0 },
    };
    img_init(m);
    img_elf(m, 32, EM_386, 0x100010, s, 3);
    img_fill(m, 0x1000, 0x280, 1);
    img_mb1(m, 0x1000, flags, NULL);
}

/* The guest: RAM filled with 0xaa (so zeroing shows), a module, a
 * command line. */
static uint8_t *ram;
static struct loader_boot boot;
static struct loader_module mods[LOADER_MODULES_MAX + 1];
static uint8_t mod_data[3][5000];
static struct vcpu_start st;
static struct loader_summary sum;
static struct reports rep;

static inline void guest(uint64_t mem, unsigned nmods)
{
    free(ram);
    ram = malloc(mem);
    memset(ram, 0xaa, mem);
    for (unsigned i = 0; i < 3; i++)
        for (unsigned k = 0; k < sizeof(mod_data[i]); k++)
            mod_data[i][k] = (uint8_t)(i * 31 + k);
    for (unsigned i = 0; i < LOADER_MODULES_MAX + 1; i++)
        mods[i] = (struct loader_module){ mod_data[i % 3], sizeof(mod_data[0]) - i, "mod arg" };
    boot = (struct loader_boot){
        .mem = mem, .cmdline = "console=ttyS0 x=1", .modules = mods, .module_count = nmods,
        .loader_name = "Keel test",
    };
}

static inline void seed(const struct img *m, const char *name)
{
    const char *dir = getenv("LOADER_SEEDS");
    char path[256];
    if (!dir || !name)
        return;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fputc(1, f);                    /* fuzz_loader.c: one module, 4 MiB */
        fwrite(m->b, 1, m->len, f);
        fclose(f);
    }
}

/* Load from an exact-size heap copy, so ASan sees any read past the end. */
static inline int load_named(const struct img *m, size_t len, const char *name)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, m->b, len);
    memset(&rep, 0, sizeof(rep));
    memset(&st, 0, sizeof(st));
    memset(&sum, 0, sizeof(sum));
    int r = loader_load(copy, len, ram, &boot, &st, &sum, collect_report, &rep);
    free(copy);
    if (r == 0)
        seed(m, name);
    return r;
}
#define load(m) load_named(m, (m)->len, NULL)

static inline uint32_t ram32(uint64_t gpa)
{
    uint32_t v;
    memcpy(&v, ram + gpa, 4);
    return v;
}

static inline uint64_t ram64(uint64_t gpa)
{
    uint64_t v;
    memcpy(&v, ram + gpa, 8);
    return v;
}

static inline int ram_is(uint64_t gpa, const void *p, size_t n)
{
    return !memcmp(ram + gpa, p, n);
}

static inline int ram_zero(uint64_t gpa, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ram[gpa + i])
            return 0;
    return 1;
}

#endif
