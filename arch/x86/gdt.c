#include "arch/x86/desc.h"
#include "kernel/percpu.h"

#define SEG_CODE64 0x00af9b000000ffffull  /* P, DPL0, code, exec/read, accessed, L */
#define SEG_DATA   0x00cf93000000ffffull  /* P, DPL0, data, read/write, accessed */
#define SYS_TSS64_AVAILABLE 0x9ull

static void set_tss_descriptor(uint64_t *slot, const struct tss64 *tss)
{
    uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;
    slot[0] = (limit & 0xffff) | (base & 0xffffff) << 16 | SYS_TSS64_AVAILABLE << 40 |
              1ull << 47 /* P */ | (limit >> 16 & 0xf) << 48 | (base >> 24 & 0xff) << 56;
    slot[1] = base >> 32;
}

void gdt_init_cpu(struct percpu *cpu)
{
    cpu->gdt[0] = 0;
    cpu->gdt[GDT_KERNEL_CS / 8] = SEG_CODE64;
    cpu->gdt[GDT_KERNEL_DS / 8] = SEG_DATA;
    set_tss_descriptor(&cpu->gdt[GDT_TSS / 8], &cpu->tss);

    cpu->tss.iomap_base = sizeof(cpu->tss);     /* no I/O permission bitmap */
    for (int i = 0; i < IST_COUNT; i++)
        cpu->tss.ist[i] = (uint64_t)&cpu->ist_stack[i][IST_STACK_SIZE];

    struct desc_ptr gdtr = { sizeof(cpu->gdt) - 1, (uint64_t)cpu->gdt };
    /* Reload CS with a far return, and the data segments. FS and GS are
     * left alone: their bases come from MSRs (GS: this CPU's percpu). */
    asm volatile("lgdt %0\n\t"
                 "pushq %1\n\t"
                 "leaq 1f(%%rip), %%rax\n\t"
                 "pushq %%rax\n\t"
                 "lretq\n"
                 "1:\n\t"
                 "movl %2, %%eax\n\t"
                 "movl %%eax, %%ds\n\t"
                 "movl %%eax, %%es\n\t"
                 "movl %%eax, %%ss\n\t"
                 "ltr %w3"
                 :
                 : "m"(gdtr), "i"(GDT_KERNEL_CS), "i"(GDT_KERNEL_DS), "r"((uint16_t)GDT_TSS)
                 : "rax", "memory");
}
