#include "kernel/boot.h"
#include "kernel/log.h"
#include "kernel/panic.h"

struct boot_info boot_info;

static void report(void *ctx, const char *msg)
{
    (void)ctx;
    log_warn("boot information: %s", msg);
}

void boot_info_init(uint64_t mbi_phys)
{
    if (mb2_parse((const void *)(uintptr_t)mbi_phys, mbi_phys, &boot_info, report, NULL))
        boot_fail("boot information",
                  "the loader's Multiboot2 information at 0x%llx cannot be used (see above)",
                  (unsigned long long)mbi_phys);
}

void boot_info_print(const struct boot_info *bi)
{
    char size[24];
    log_info("loader: %s, %s firmware", bi->loader[0] ? bi->loader : "(unnamed)",
             bi->efi ? "UEFI" : "BIOS");
    log_info("command line: %s", bi->have_cmdline && bi->cmdline[0] ? bi->cmdline : "(empty)");
    log_info("memory map: %u regions from the loader", bi->mmap_count);
    for (uint32_t i = 0; i < bi->mmap_count; i++) {
        const struct mem_region *r = &bi->mmap[i];
        log_info("  0x%016llx-0x%016llx %10s %s", (unsigned long long)r->base,
                 (unsigned long long)(r->base + r->len - 1),
                 fmt_size(size, sizeof(size), r->len), mem_type_name(r->type));
    }
    if (!bi->module_count)
        log_info("modules: none");
    for (uint32_t i = 0; i < bi->module_count; i++) {
        const struct boot_module *m = &bi->modules[i];
        log_info("module %u: 0x%llx-0x%llx %s '%s'", i, (unsigned long long)m->start,
                 (unsigned long long)m->end, fmt_size(size, sizeof(size), m->end - m->start),
                 m->cmdline);
    }
}
