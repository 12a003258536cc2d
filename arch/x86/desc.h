/* Segment descriptors, the TSS and gates: SDM "Segment Descriptors",
 * "Task Management in 64-bit Mode", "IDT Descriptors". */
#ifndef KEEL_ARCH_X86_DESC_H
#define KEEL_ARCH_X86_DESC_H

#include <stdint.h>

#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_TSS       0x18      /* 16-byte system descriptor */
#define GDT_ENTRIES   5

/* TSS interrupt stack table slots (1-based, as in the IDT gate) */
enum ist_slot {
    IST_DOUBLE_FAULT = 1,
    IST_NMI = 2,
    IST_MACHINE_CHECK = 3,
    IST_COUNT = 3,
};
#define IST_STACK_SIZE 8192

struct __attribute__((packed)) tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes");

struct __attribute__((packed)) desc_ptr {
    uint16_t limit;
    uint64_t base;
};

struct percpu;
/* Load this CPU's GDT (with its TSS and IST stacks) and the shared IDT. */
void gdt_init_cpu(struct percpu *cpu);
void idt_init(void);
void idt_load(void);

#endif
