/* The monitor's view of one vCPU (regs, vmcs), from a snapshot read on
 * the CPU that owns the vCPU's VMCS: VMREAD reads only the current VMCS,
 * and the registers are the vCPU's own while it is in Keel. */
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "kernel/monitor_cmd.h"
#include "kernel/monitor_format.h"
#include "kernel/percpu.h"
#include "vmx/exit.h"
#include "vmx/guest.h"

/* How long the monitor waits for a vCPU's copy: the kick makes a vCPU
 * in its guest exit at once, one in HLT too; a vCPU spinning with
 * interrupts off leaves at its next timer exit (every millisecond for a
 * second after a key: vmx/event.h). */
#define SNAPSHOT_WAIT_US 100000

/* The one copy: one command at a time (kernel/monitor_cmd.h). */
static struct vcpu_snapshot snap;

static bool copied_within(uint64_t us)
{
    uint64_t end = tsc_deadline(us);
    while (!__atomic_load_n(&snap.done, __ATOMIC_ACQUIRE)) {
        if (rdtsc() >= end)
            return false;
        cpu_relax();
    }
    return true;
}

const struct vcpu_snapshot *monitor_snapshot(struct vcpu *v)
{
    const char *name = v->guest->cfg.name;
    bool own = this_cpu()->vcpu == v;   /* in one of its exits: its VMCS is current */
    if (!own && (__atomic_load_n(&cpus[v->cpu]->vcpu, __ATOMIC_ACQUIRE) != v ||
                 v->activity == VCPU_WAIT_FOR_SIPI)) {
        monitor_out("guest %s vCPU %u is not in its guest (%s): no registers to show", name,
                    v->index, v->activity == VCPU_WAIT_FOR_SIPI ? "waiting for SIPI"
                                                                : "not running on its CPU");
        return NULL;
    }
    snap.done = false;
    __atomic_store_n(&v->snapshot, &snap, __ATOMIC_RELEASE);
    if (own) {
        vcpu_snapshot_take(v);
        return &snap;
    }
    vcpu_request(v, VCPU_REQ_SNAPSHOT);
    if (copied_within(SNAPSHOT_WAIT_US))
        return &snap;
    /* Take the buffer back. If the vCPU has it already, its copy is under
     * way (no lock, a few hundred VMREADs): wait for that too. Should the
     * pointer have gone otherwise (a restart resets the vCPU), nobody
     * writes the buffer any more. */
    if (__atomic_exchange_n(&v->snapshot, NULL, __ATOMIC_ACQ_REL) != &snap &&
        copied_within(SNAPSHOT_WAIT_US))
        return &snap;
    monitor_out("guest %s vCPU %u on cpu%u is busy or halted: no answer in %u ms", name, v->index,
                v->cpu, SNAPSHOT_WAIT_US / 1000);
    return NULL;
}

/* "guest echo vCPU 0 on cpu1: real mode, paging off, active; last exit IO_INSTRUCTION" */
static const struct vcpu_snapshot *header(unsigned argc, char **argv)
{
    static const char *const activity[] = {
        [VCPU_ACTIVE] = "active", [VCPU_HALTED] = "halted (HLT)",
        [VCPU_WAIT_FOR_SIPI] = "waiting for SIPI",
    };
    struct vcpu *v = monitor_vcpu(argc, argv);
    const struct vcpu_snapshot *s = v ? monitor_snapshot(v) : NULL;
    if (!s)
        return NULL;
    struct gw_cpu c;
    uint64_t pdpte[4];
    monitor_walk_cpu(&s->vmcs, &c, pdpte);
    uint64_t cs_ar = img_get(&s->vmcs, VMCS_GUEST_CS_AR_BYTES);
    monitor_out("guest %s vCPU %u on cpu%u: %s, paging %s, %s; last exit %s", v->guest->cfg.name,
                v->index, v->cpu, monitor_cpu_mode(c.cr0, c.efer, c.rflags, cs_ar),
                gw_mode_name(&c), activity[s->activity],
                exit_reason_name((uint32_t)img_get(&s->vmcs, VMCS_VM_EXIT_REASON) & 0xffff));
    return s;
}

MONITOR_COMMAND(regs)
{
    const struct vcpu_snapshot *s = header(argc, argv);
    if (s)
        monitor_regs_lines(&s->vmcs, &s->regs, monitor_report, NULL);
}

MONITOR_COMMAND(vmcs)
{
    const struct vcpu_snapshot *s = header(argc, argv);
    if (s)
        monitor_vmcs_lines(&s->vmcs, monitor_report, NULL);
}
