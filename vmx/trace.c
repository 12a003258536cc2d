/* The exit trace (vmx/trace.h): each CPU's ring, the switch of a vCPU's
 * HOST_RIP to the traced stub and back, and the copy the monitor reads. */
#include "kernel/lib/string.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "vmx/event.h"
#include "vmx/guest.h"
#include "vmx/trace.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_ops.h"

void trace_cpu_prepare(struct percpu *cpu)
{
    if (!cpu->trace_ring)
        cpu->trace_ring = (struct trace_entry *)(uintptr_t)mm_alloc_frames(
            (TRACE_RING_BYTES + FRAME_SIZE - 1) / FRAME_SIZE, FRAME_SIZE);
}

void trace_vcpu_apply(struct vcpu *v)
{
    uint64_t rip = vmread(VMCS_HOST_RIP), traced = (uint64_t)(uintptr_t)vmx_trace_stub;
    bool on = __atomic_load_n(&v->trace.want, __ATOMIC_ACQUIRE) && this_cpu()->trace_ring;
    if (on && rip != traced) {
        /* the stub this VMCS had (plain or mitigated loop) is the one to go on to */
        v->trace.next = rip;
        v->trace.who = v->guest->index | v->index << 16;
        vmwrite(VMCS_HOST_RIP, traced);
    } else if (!on && rip == traced) {
        vmwrite(VMCS_HOST_RIP, v->trace.next);
    }
}

void trace_guest_set(struct guest *g, bool on)
{
    for (unsigned k = 0; k < g->vcpu_count; k++) {
        __atomic_store_n(&g->vcpus[k].trace.want, on, __ATOMIC_RELEASE);
        vcpu_request(&g->vcpus[k], VCPU_REQ_TRACE);
    }
}

/* Another CPU writes its ring while this one copies it: the entries it
 * may have overwritten meanwhile are left out (trace_window). x86 keeps
 * stores in order and loads in order, so a slot read after its rewrite
 * began comes with a count that says so. This CPU's own ring does not
 * move while the monitor runs here (it writes only on an exit). */
unsigned trace_cpu_copy(const struct percpu *cpu, struct trace_entry *out, uint64_t *total,
                        uint64_t *lost)
{
    *total = *lost = 0;
    const struct trace_entry *ring = cpu->trace_ring;
    if (!ring)
        return 0;
    uint64_t h1 = __atomic_load_n(&cpu->trace_head, __ATOMIC_ACQUIRE);
    uint64_t held = h1 > TRACE_ENTRIES ? h1 - TRACE_ENTRIES : 0;
    for (uint64_t s = held; s < h1; s++)
        out[s - held] = ring[s % TRACE_ENTRIES];
    __atomic_thread_fence(__ATOMIC_ACQUIRE);        /* the copy before the second count */
    uint64_t first = held, end = h1;
    if (cpu != this_cpu())
        *lost = trace_window(h1, __atomic_load_n(&cpu->trace_head, __ATOMIC_RELAXED), &first, &end);
    *total = h1;
    memmove(out, out + (first - held), (size_t)(end - first) * sizeof(*out));
    return (unsigned)(end - first);
}
