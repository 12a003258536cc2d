/* What the Multiboot loaders share (load.h): reports, the checks that keep
 * every piece inside guest RAM and apart, the header's address fields,
 * where modules and boot information go, the memory map, the start state.
 * The image is hostile input: every sum of its numbers is checked before
 * it is used as an address. */
#include <stdarg.h>

#include "kernel/loader/load.h"

bool load_init(struct load *l, enum loader_kind kind, const void *image, uint64_t size, void *ram,
               const struct loader_boot *boot, report_fn report, void *ctx)
{
    memset(l, 0, sizeof(*l));
    l->image = image;
    l->size = size;
    l->ram = ram;
    l->boot = boot;
    l->report = report;
    l->ctx = ctx;
    /* The kernel starts with paging off in 32-bit mode, and Multiboot's
     * information holds 32-bit addresses, ends included: only RAM below
     * the last page under 4 GiB counts. */
    l->top = boot->mem < LOAD_TOP_MAX ? boot->mem : LOAD_TOP_MAX;
    l->proto = kind == LOADER_MB1 ? "Multiboot v1" : kind == LOADER_MB2 ? "Multiboot2" : NULL;
    l->sum.kind = kind;
    load_set_format(l, NULL);
    if (boot->mem < LOAD_HIGH_START) {
        char b[16];
        load_problem(l, "the guest has %s of RAM; a Multiboot kernel needs at least 1 MiB",
                     fmt_size(b, sizeof(b), boot->mem));
        return false;
    }
    if (boot->module_count > LOADER_MODULES_MAX) {
        load_problem(l, "%u modules are more than Keel's %d", boot->module_count,
                     LOADER_MODULES_MAX);
        return false;
    }
    return true;
}

void load_set_format(struct load *l, const char *format)
{
    if (!l->proto)
        ksnprintf(l->what, sizeof(l->what), "image");
    else
        ksnprintf(l->what, sizeof(l->what), "%s %s%skernel", l->proto, format ? format : "",
                  format ? " " : "");
}

void load_problem(struct load *l, const char *fmt, ...)
{
    if (l->problems++ >= LOAD_REPORTS_MAX)
        return;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    reportf(l->report, l->ctx, "%s: %s", l->what, msg);
}

int load_fail(struct load *l)
{
    if (l->problems > LOAD_REPORTS_MAX)
        reportf(l->report, l->ctx, "%s: %u more problems not shown", l->what,
                l->problems - LOAD_REPORTS_MAX);
    return -1;
}

/* The end of [base, base + len), saturated: for messages and overlaps. */
static uint64_t end_of(uint64_t base, uint64_t len)
{
    return base + len < base ? UINT64_MAX : base + len;
}

static bool overlap(uint64_t b1, uint64_t e1, uint64_t b2, uint64_t e2)
{
    return b1 < e2 && b2 < e1;
}

static void rsdp_range(const struct load *l, uint64_t *base, uint64_t *end)
{
    const struct loader_boot *b = l->boot;
    *base = *end = 0;
    if (b->rsdp && b->rsdp_size) {
        *base = b->rsdp_gpa;
        *end = end_of(b->rsdp_gpa, b->rsdp_size);
    }
}

/* Inside RAM, clear of the area the memory map reserves and of the RSDP. */
static bool range_ok(struct load *l, const char *name, uint64_t base, uint64_t len)
{
    uint64_t end = end_of(base, len), rb, re;
    char b[16];
    if (len > l->top || base > l->top - len) {
        if (l->top < l->boot->mem)
            load_problem(l, "%s at 0x%llx-0x%llx does not lie below 0x%llx, all of RAM that a "
                         "kernel started in 32-bit mode can reach", name, (unsigned long long)base,
                         (unsigned long long)end, (unsigned long long)l->top);
        else
            load_problem(l, "%s at 0x%llx-0x%llx lies outside the guest's %s of RAM", name,
                         (unsigned long long)base, (unsigned long long)end,
                         fmt_size(b, sizeof(b), l->top));
        return false;
    }
    if (overlap(base, end, LOAD_LOW_END, LOAD_HIGH_START)) {
        load_problem(l, "%s at 0x%llx-0x%llx overlaps 0x9fc00-0x100000, which the guest's memory "
                     "map reserves (EBDA, VGA, BIOS)", name, (unsigned long long)base,
                     (unsigned long long)end);
        return false;
    }
    rsdp_range(l, &rb, &re);
    if (overlap(base, end, rb, re)) {
        load_problem(l, "%s at 0x%llx-0x%llx covers the guest's ACPI RSDP at 0x%llx", name,
                     (unsigned long long)base, (unsigned long long)end, (unsigned long long)rb);
        return false;
    }
    return true;
}

bool load_add_seg(struct load *l, const char *name, const struct load_seg *s)
{
    if (!range_ok(l, name, s->base, s->len))
        return false;
    for (unsigned i = 0; i < l->nseg; i++) {
        const struct load_seg *o = &l->seg[i];
        if (overlap(s->base, s->base + s->len, o->base, o->base + o->len)) {
            load_problem(l, "%s at 0x%llx-0x%llx overlaps 0x%llx-0x%llx, which an earlier segment "
                         "fills", name, (unsigned long long)s->base,
                         (unsigned long long)(s->base + s->len), (unsigned long long)o->base,
                         (unsigned long long)(o->base + o->len));
            return false;
        }
    }
    if (l->nseg == LOADER_SEGMENTS_MAX) {
        load_problem(l, "has more than Keel's %d loadable segments", LOADER_SEGMENTS_MAX);
        return false;
    }
    l->seg[l->nseg++] = *s;
    return true;
}

void load_copy_segs(struct load *l)
{
    uint64_t low = UINT64_MAX, high = 0;
    for (unsigned i = 0; i < l->nseg; i++) {
        const struct load_seg *s = &l->seg[i];
        memcpy(l->ram + s->base, l->image + s->off, s->filesz);
        memset(l->ram + s->base + s->filesz, 0, s->len - s->filesz);
        low = s->base < low ? s->base : low;
        high = s->base + s->len > high ? s->base + s->len : high;
    }
    l->sum.low = low;
    l->sum.high = high;
    l->cursor = load_align(high > LOAD_MIN_ADDR ? high : LOAD_MIN_ADDR, LOAD_PAGE);
}

bool load_entry_ok(struct load *l, const char *source, uint64_t entry)
{
    for (unsigned i = 0; i < l->nseg; i++)
        if (entry - l->seg[i].base < l->seg[i].len)
            return true;
    load_problem(l, "its entry point 0x%llx (%s) is not inside anything it loads",
                 (unsigned long long)entry, source);
    return false;
}

/* Multiboot "The address fields of Multiboot header" (Multiboot2 "The
 * address tag of Multiboot2 header"): the file from header_off -
 * (header_addr - load_addr) is loaded at load_addr, up to load_end_addr
 * (0: to the end of the file), then zeroed up to bss_end_addr (0: no bss). */
bool load_address_fields(struct load *l, uint64_t header_off, uint32_t header_addr,
                         uint32_t load_addr, uint32_t load_end_addr, uint32_t bss_end_addr)
{
    if (load_addr > header_addr) {
        load_problem(l, "its load_addr 0x%x is above its header_addr 0x%x; the specification "
                     "requires load_addr <= header_addr", load_addr, header_addr);
        return false;
    }
    uint64_t before = header_addr - load_addr;          /* bytes loaded before the header */
    if (before > header_off) {
        load_problem(l, "its header_addr - load_addr (0x%llx) reaches before the start of the "
                     "file, as the header is at offset 0x%llx", (unsigned long long)before,
                     (unsigned long long)header_off);
        return false;
    }
    struct load_seg s = { .base = load_addr, .off = header_off - before };
    if (!load_end_addr) {
        s.filesz = l->size - s.off;
    } else if (load_end_addr < load_addr) {
        load_problem(l, "its load_end_addr 0x%x is below its load_addr 0x%x", load_end_addr,
                     load_addr);
        return false;
    } else {
        s.filesz = load_end_addr - load_addr;
        if (s.filesz > l->size - s.off) {
            load_problem(l, "its address fields load 0x%llx bytes from file offset 0x%llx, but the "
                         "file ends at 0x%llx", (unsigned long long)s.filesz,
                         (unsigned long long)s.off, (unsigned long long)l->size);
            return false;
        }
    }
    s.len = s.filesz;
    if (bss_end_addr) {
        if (bss_end_addr < load_addr + s.filesz) {
            load_problem(l, "its bss_end_addr 0x%x is below the end of what it loads, 0x%llx",
                         bss_end_addr, (unsigned long long)(load_addr + s.filesz));
            return false;
        }
        s.len = bss_end_addr - load_addr;
    }
    if (!s.len) {
        load_problem(l, "its address fields load nothing (load_addr 0x%x, nothing after it)",
                     load_addr);
        return false;
    }
    return load_add_seg(l, "its image", &s);
}

/* Move `at` past the reserved area and the RSDP when [at, at + size)
 * would touch them. Each move goes up, so this ends. */
static uint64_t skip_holes(const struct load *l, uint64_t at, uint64_t size)
{
    uint64_t rb, re, prev;
    rsdp_range(l, &rb, &re);
    do {
        prev = at;
        if (overlap(at, end_of(at, size ? size : 1), LOAD_LOW_END, LOAD_HIGH_START))
            at = LOAD_HIGH_START;
        if (overlap(at, end_of(at, size ? size : 1), rb, re))
            at = load_align(re, LOAD_PAGE);
    } while (at != prev && at);
    return at;
}

static uint64_t piece_size(const struct load *l, unsigned i, uint64_t info_size)
{
    unsigned n = l->boot->module_count;
    return i < n ? l->boot->modules[i].size : i == n ? info_size : LOAD_STACK_SIZE;
}

/* Modules, information, stack from `at` on; false when they do not fit
 * below the top of RAM or would cover part of the kernel. */
static bool lay_out(struct load *l, uint64_t at, uint64_t info_size, uint64_t *info)
{
    unsigned n = l->boot->module_count;
    for (unsigned i = 0; i < n + 2; i++) {
        uint64_t size = piece_size(l, i, info_size);
        at = skip_holes(l, load_align(at, LOAD_PAGE), size);
        if (!at || size > l->top || at > l->top - size)
            return false;
        for (unsigned k = 0; k < l->nseg; k++)
            if (overlap(at, at + size, l->seg[k].base, l->seg[k].base + l->seg[k].len))
                return false;
        if (i < n)
            l->mod_at[i] = (uint32_t)at;
        else if (i == n)
            *info = at;
        else
            l->stack_top = at + size;
        at += size;
    }
    return true;
}

bool load_layout(struct load *l, uint64_t info_size, uint64_t *info)
{
    if (!lay_out(l, l->cursor, info_size, info) && !lay_out(l, LOAD_MIN_ADDR, info_size, info)) {
        uint64_t need = 0;
        for (unsigned i = 0; i < l->boot->module_count + 2; i++) {
            uint64_t s = load_align(piece_size(l, i, info_size), LOAD_PAGE);
            need = need + s < need ? UINT64_MAX : need + s;
        }
        char b[16];
        load_problem(l, "the guest's %s of RAM has no room for its %u modules, boot information "
                     "and stack (%llu KiB) next to the kernel at 0x%llx-0x%llx",
                     fmt_size(b, sizeof(b), l->top), l->boot->module_count,
                     (unsigned long long)(need >> 10), (unsigned long long)l->sum.low,
                     (unsigned long long)l->sum.high);
        return false;
    }
    for (unsigned i = 0; i < l->boot->module_count; i++)
        memcpy(l->ram + l->mod_at[i], l->boot->modules[i].data, l->boot->modules[i].size);
    l->sum.end = l->stack_top;
    return true;
}

/* As QEMU's BIOS describes a PC: conventional memory, the EBDA, the
 * option-ROM/BIOS area, then RAM from 1 MiB (0xa0000-0xf0000 is a hole). */
unsigned load_memory_map(const struct load *l, struct load_region *r)
{
    unsigned n = 0;
    r[n++] = (struct load_region){ 0, LOAD_LOW_END, 1 };
    r[n++] = (struct load_region){ LOAD_LOW_END, 0xa0000 - LOAD_LOW_END, 2 };
    r[n++] = (struct load_region){ LOAD_BIOS_START, LOAD_HIGH_START - LOAD_BIOS_START, 2 };
    if (l->boot->mem > LOAD_HIGH_START)
        r[n++] = (struct load_region){ LOAD_HIGH_START, l->boot->mem - LOAD_HIGH_START, 1 };
    return n;
}

uint32_t load_mem_lower_kib(void)
{
    return LOAD_LOW_END >> 10;                          /* 639 */
}

uint32_t load_mem_upper_kib(const struct load *l)
{
    uint64_t kib = (l->boot->mem - LOAD_HIGH_START) >> 10;
    return kib > UINT32_MAX ? UINT32_MAX : (uint32_t)kib;
}

/* Multiboot "Machine state": EAX magic, EBX the information, CS and
 * the data segments flat 32-bit, CR0.PG off and PE on, IF off; ESP is the
 * kernel's to set, but a sloppy kernel gets a page of stack anyway. */
int load_finish(struct load *l, uint32_t magic, uint64_t info, struct vcpu_start *start,
                struct loader_summary *sum)
{
    if (l->problems)
        return load_fail(l);
    *start = (struct vcpu_start){
        .mode = GUEST_PROT32, .rip = l->sum.entry, .rsp = l->stack_top, .activity = VCPU_ACTIVE,
    };
    start->regs.rax = magic;
    start->regs.rbx = info;
    l->sum.info = info;
    if (sum)
        *sum = l->sum;
    return 0;
}
