/* The exit trace (the monitor's `trace`, docs/console.md): a ring per
 * physical CPU of its recent VM exits (reason, qualification, guest RIP,
 * TSC, which vCPU), written by the traced exit stub (vmx/trace_entry.asm)
 * and read by the monitor.
 *
 * Tracing costs nothing when off: it is a VMCS's HOST_RIP, not a test on
 * the exit path. `trace on` asks a vCPU (VCPU_REQ_TRACE, in its pre-entry
 * step, where its VMCS is current) to point HOST_RIP at vmx_trace_stub,
 * which records the exit and jumps on to the stub HOST_RIP had
 * (vcpu_trace.next); `trace off` puts that one back. */
#ifndef KEEL_VMX_TRACE_H
#define KEEL_VMX_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Entries a CPU's ring keeps: a power of two (the stub masks its index). */
#define TRACE_ENTRY_SHIFT 5             /* 32-byte entries */
#define TRACE_ENTRIES 256
#define TRACE_RING_BYTES (TRACE_ENTRIES << TRACE_ENTRY_SHIFT)

/* trace_entry.flags */
#define TRACE_BAD_READ 0x01             /* a VMREAD failed: reason, qual or RIP not read */

/* One exit, as the stub writes it (offsets: boot/asm_consts.c). */
struct trace_entry {
    uint32_t reason;                    /* VM_EXIT_REASON, bit 31 a failed entry */
    uint16_t guest;                     /* guest.index */
    uint8_t vcpu;                       /* vcpu.index */
    uint8_t flags;                      /* TRACE_* */
    uint64_t qual;                      /* EXIT_QUALIFICATION */
    uint64_t rip;                       /* GUEST_RIP */
    uint64_t tsc;                       /* RDTSC at the stub */
};
_Static_assert(sizeof(struct trace_entry) == 1u << TRACE_ENTRY_SHIFT, "the stub's shift");
_Static_assert((TRACE_ENTRIES & (TRACE_ENTRIES - 1)) == 0, "the stub masks the index");

/* A vCPU's part (struct vcpu's `trace`). */
struct vcpu_trace {
    volatile bool want;                 /* the monitor's on/off: applied by VCPU_REQ_TRACE */
    uint32_t who;                       /* guest | vcpu << 16: the entry's bytes 4..7 */
    uint64_t next;                      /* the exit stub HOST_RIP had: the traced one goes on there */
};

/* The exits a copy of a ring may show: the ring had written `h1` entries
 * in all when the copy began, `h2` when it ended (the CPU writes on while
 * another copies). Entry s (slot s % TRACE_ENTRIES) is whole in the copy
 * if it was written before the copy began (s < h1) and its slot was not
 * reused before the copy ended: the CPU writes entry s + TRACE_ENTRIES
 * only once its count has reached it, so s + TRACE_ENTRIES >= h2 + 1.
 * Sets [*first, *end); returns how many were lost to the copy (entries
 * the ring held at h1 that are not whole). */
uint64_t trace_window(uint64_t h1, uint64_t h2, uint64_t *first, uint64_t *end);

/* One entry as the dump shows it: the TSC since `prev_tsc` (the entry
 * before it, or itself), the reason by `reason_name`, the qualification,
 * RIP and `who` (e.g. "echo vCPU 0"). */
void trace_entry_line(char *buf, size_t size, const struct trace_entry *e, uint64_t prev_tsc,
                      const char *reason_name, const char *who);

struct percpu;
struct vcpu;
struct guest;

/* This CPU's ring, allocated before any guest runs (vcpu_cpu_prepare). */
void trace_cpu_prepare(struct percpu *cpu);

/* VCPU_REQ_TRACE, on the vCPU's CPU with its VMCS current: HOST_RIP to
 * the traced stub or back, as vcpu_trace.want says. */
void trace_vcpu_apply(struct vcpu *v);

/* The monitor's `trace on|off`: each vCPU of `g` is asked, and switches
 * at its next pre-entry step (at once for a vCPU not in its guest: when
 * it enters). */
void trace_guest_set(struct guest *g, bool on);

/* A copy of cpu's ring, oldest first, into out[TRACE_ENTRIES]: returns
 * how many; *total: the exits it has recorded in all; *lost: as
 * trace_window's. */
unsigned trace_cpu_copy(const struct percpu *cpu, struct trace_entry *out, uint64_t *total,
                        uint64_t *lost);

/* vmx/trace_entry.asm: HOST_RIP while a vCPU is traced. */
void vmx_trace_stub(void);

#endif
