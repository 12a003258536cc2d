#include "kernel/percpu.h"
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"

#include "kernel/options.h"

bool percpu_ready;
struct percpu *cpus[CPUS_MAX];
unsigned cpu_count;

static struct percpu bsp_percpu;

struct percpu *percpu_bsp(void)
{
    return &bsp_percpu;
}

void cpu_init(struct percpu *cpu, uint32_t cpu_id)
{
    cpu->self = cpu;
    cpu->cpu_id = cpu_id;
    wrmsr(MSR_IA32_GS_BASE, (uint64_t)cpu);     /* first: the log reads it */
    gdt_init_cpu(cpu);
    if (cpu_id == 0) {
        idt_init();
        cpus[0] = cpu;
        cpu_count = 1;
        percpu_ready = true;
    }
    idt_load();
}
