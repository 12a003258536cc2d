/* One page-aligned structure per CPU, reached through GS: this_cpu(). It
 * holds everything that is the CPU's own (ids, descriptor tables, IST
 * stacks); later the VMXON region and the current vCPU. */
#ifndef KEEL_PERCPU_H
#define KEEL_PERCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/desc.h"

struct vcpu;
struct guest;
struct vmcs_image;
struct trace_entry;

struct percpu {
    struct percpu *self;            /* %gs:0, for this_cpu() */
    uint32_t cpu_id;                /* Keel's number: 0 = BSP */
    uint32_t apic_id;
    int trap_depth;                 /* nested exception reports in progress */
    volatile bool online;           /* set by the CPU itself once it runs C */
    /* smp_call(): a function for this CPU to run, and its argument */
    void (*volatile call_fn)(void *arg);
    void *volatile call_arg;
    unsigned calls_sent;            /* written by the requesting CPU */
    volatile unsigned calls_done;   /* written by this CPU */
    /* VMX root operation (vmx/enable.c) */
    bool vmx_on;
    uint64_t vmxon_region;
    struct vcpu *vcpu;              /* the vCPU this CPU runs, or NULL */
    const struct guest *last_guest; /* the guest it ran last (IBPB between guests) */
    struct vmcs_image *vmcs_image;  /* scratch: a start state, a failed entry */
    uint64_t xsave_init;            /* an XSAVE area in the initial state */
    /* The exit trace (vmx/trace.h): its ring, written only by this CPU's
     * traced exit stub; the entries written in all; where the stub goes on */
    struct trace_entry *trace_ring;
    volatile uint64_t trace_head;
    uint64_t trace_next;
    uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
    struct tss64 tss __attribute__((aligned(16)));
    uint8_t ist_stack[IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(16)));
} __attribute__((aligned(4096)));

_Static_assert(offsetof(struct percpu, self) == 0, "this_cpu() reads %gs:0");

/* Set when the BSP's GS points at its percpu: before that the CPU is
 * reported as cpu 0. Each AP sets its GS before it prints anything. */
extern bool percpu_ready;

static inline struct percpu *this_cpu(void)
{
    struct percpu *p;
    asm volatile("movq %%gs:0, %0" : "=r"(p));
    return p;
}

static inline uint32_t this_cpu_id(void)
{
    return percpu_ready ? this_cpu()->cpu_id : 0;
}

struct percpu *percpu_bsp(void);

/* Every CPU that is online, by cpu_id; cpu_count of them. */
extern struct percpu *cpus[];
extern unsigned cpu_count;

/* Give this CPU its descriptor tables, IST stacks, IDT and GS base. */
void cpu_init(struct percpu *cpu, uint32_t cpu_id);

#endif
