#include "kernel/percpu.h"
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"

bool percpu_ready;

static struct percpu bsp_percpu;

struct percpu *percpu_bsp(void)
{
    return &bsp_percpu;
}

void cpu_init(struct percpu *cpu, uint32_t cpu_id)
{
    cpu->self = cpu;
    cpu->cpu_id = cpu_id;
    gdt_init_cpu(cpu);          /* clears GS: its base is set below */
    if (cpu_id == 0)
        idt_init();
    idt_load();
    wrmsr(MSR_IA32_GS_BASE, (uint64_t)cpu);
    percpu_ready = true;
}
