#include "arch/x86/desc.h"

#include <stdint.h>

struct __attribute__((packed)) idt_gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate is 16 bytes");

#define GATE_INTERRUPT 0x8e     /* P, DPL0, 64-bit interrupt gate */
#define IDT_VECTORS 256

/* Entry stubs, one per vector (arch/x86/isr.asm). */
extern const uint64_t isr_stub_table[IDT_VECTORS];

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

static uint8_t ist_for_vector(int v)
{
    switch (v) {
    case 2: return IST_NMI;
    case 8: return IST_DOUBLE_FAULT;
    case 18: return IST_MACHINE_CHECK;
    default: return 0;
    }
}

void idt_init(void)
{
    for (int v = 0; v < IDT_VECTORS; v++) {
        uint64_t a = isr_stub_table[v];
        idt[v] = (struct idt_gate){
            .offset_lo = a & 0xffff,
            .selector = GDT_KERNEL_CS,
            .ist = ist_for_vector(v),
            .type_attr = GATE_INTERRUPT,
            .offset_mid = a >> 16 & 0xffff,
            .offset_hi = a >> 32,
        };
    }
}

void idt_load(void)
{
    struct desc_ptr idtr = { sizeof(idt) - 1, (uint64_t)idt };
    asm volatile("lidt %0" : : "m"(idtr));
}
