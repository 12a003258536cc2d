/* The monitor's overviews: guests, cpus, exits, vmx (docs/console.md). */
#include "kernel/guests.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/string.h"
#include "kernel/monitor_cmd.h"
#include "kernel/percpu.h"
#include "vmx/caps.h"
#include "vmx/caps_dump.h"
#include "vmx/exit.h"
#include "vmx/exit_reason.h"
#include "vmx/guest.h"
#include "vmx/vmx.h"

static uint64_t vcpu_exits(const struct vcpu *v)
{
    uint64_t n = 0;
    for (unsigned r = 0; r < EXIT_REASON_COUNT; r++)
        n += v->exits[r];
    return n;
}

MONITOR_COMMAND(guests)
{
    (void)argc, (void)argv;
    if (!guests_count())
        monitor_out("no guests");
    for (unsigned i = 0; i < guests_count(); i++) {
        struct guest *g = guest_at(i);
        char cpus_on[64];
        size_t n = 0;
        uint64_t exits = 0;
        cpus_on[0] = '\0';
        for (unsigned k = 0; k < g->vcpu_count; k++) {
            exits += vcpu_exits(&g->vcpus[k]);
            if (n < sizeof(cpus_on))
                n += (size_t)ksnprintf(cpus_on + n, sizeof(cpus_on) - n, "%scpu%u", k ? "," : "",
                                       g->vcpus[k].cpu);
        }
        char how[200] = "";
        if (g->state == GUEST_EXITED)
            ksnprintf(how, sizeof(how), " with status %u", g->exit_status);
        else if (g->state == GUEST_STOPPED)
            ksnprintf(how, sizeof(how), ": %s", g->why);
        monitor_out("%-12s %s%s; %u vCPU%s on %s, %llu MiB, %u restart%s, %llu exits",
                    g->cfg.name, monitor_state_name(g), how, g->vcpu_count,
                    g->vcpu_count == 1 ? "" : "s", cpus_on, (unsigned long long)(g->cfg.mem >> 20), g->restarts,
                    g->restarts == 1 ? "" : "s", (unsigned long long)exits);
    }
}

MONITOR_COMMAND(cpus)
{
    (void)argc, (void)argv;
    for (unsigned c = 0; c < cpu_count; c++) {
        const struct percpu *p = cpus[c];
        const struct vcpu *v = p->vcpu;
        char runs[64] = "no guest";
        uint64_t exits = 0;
        if (v)
            ksnprintf(runs, sizeof(runs), "guest %s vCPU %u", v->guest->cfg.name, v->index);
        for (unsigned i = 0; i < guests_count(); i++)
            for (unsigned k = 0; k < guest_at(i)->vcpu_count; k++)
                if (guest_at(i)->vcpus[k].cpu == c)
                    exits += vcpu_exits(&guest_at(i)->vcpus[k]);
        monitor_out("cpu%u: APIC ID %u, %s, runs %s, %llu exits handled", c, p->apic_id,
                    p->vmx_on ? "VMX root" : "no VMX", runs, (unsigned long long)exits);
    }
}

MONITOR_COMMAND(exits)
{
    struct guest *only = argc > 1 ? monitor_guest(argv[1]) : NULL;
    if (argc > 1 && !only)
        return;
    for (unsigned i = 0; i < guests_count(); i++) {
        struct guest *g = guest_at(i);
        if (only && only != g)
            continue;
        uint64_t count[EXIT_REASON_COUNT] = { 0 }, total = 0;
        for (unsigned r = 0; r < EXIT_REASON_COUNT; r++) {
            for (unsigned k = 0; k < g->vcpu_count; k++)
                count[r] += g->vcpus[k].exits[r];
            total += count[r];
        }
        monitor_out("guest %s: %llu exits", g->cfg.name, (unsigned long long)total);
        for (;;) {                      /* largest first */
            unsigned best = EXIT_REASON_COUNT;
            for (unsigned r = 0; r < EXIT_REASON_COUNT; r++)
                if (count[r] && (best == EXIT_REASON_COUNT || count[r] > count[best]))
                    best = r;
            if (best == EXIT_REASON_COUNT)
                break;
            monitor_out("  %-22s %llu", exit_reason_name(best), (unsigned long long)count[best]);
            count[best] = 0;
        }
    }
}

/* What vmx=report and vmx=dump print at boot, from what VMX bring-up
 * kept: each CPU's capability summary, then the negotiated controls and
 * why (vmcs_config_explain), or the capability MSRs as fixtures. */
MONITOR_COMMAND(vmx)
{
    bool dump = argc > 1 && !strcmp(argv[1], "dump");
    if (argc > 1 && !dump) {
        monitor_out("usage: vmx [dump]");
        return;
    }
    for (unsigned c = 0; c < cpu_count; c++) {
        const struct vmx_msrs *m = &vmx_cpu_caps[c];
        char line[200];
        if (dump) {
            vmx_caps_dump(m, monitor_report, NULL);
            continue;
        }
        if (!m->vmx || m->locked_off) {
            monitor_out("cpu%u: %s", c, m->vmx ? "VMX disabled by the firmware" : "no VMX");
            continue;
        }
        vmx_caps_summary(m, line, sizeof(line));
        monitor_out("cpu%u: %s", c, line);
    }
    if (!dump)
        vmcs_config_explain(&vmcs_config, vmx_cpu_caps, cpu_count, monitor_report, NULL);
}
