/* The monitor's say over guests and over Keel: pause, resume, kill,
 * restart, reboot, poweroff (docs/console.md). Each asks and returns:
 * the vCPUs act on it in their pre-entry step (vmx/event.c), and Keel's
 * end is its usual one (kernel/main.c) once the guests have stopped. */
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "kernel/guests.h"
#include "kernel/log.h"
#include "kernel/monitor.h"
#include "kernel/monitor_cmd.h"
#include "kernel/options.h"
#include "kernel/percpu.h"
#include "vmx/guest.h"

/* How long `pause` waits to see the vCPUs stop (as for a snapshot). */
#define PAUSE_WAIT_US 100000

/* The guest named, if it is running; else NULL having said so. */
static struct guest *running(char **argv)
{
    struct guest *g = monitor_guest(argv[1]);
    if (g && g->state != GUEST_RUNNING)
        monitor_out("%s: guest %s is %s, not running", argv[0], g->cfg.name,
                    monitor_state_name(g));
    return g && g->state == GUEST_RUNNING ? g : NULL;
}

MONITOR_COMMAND(pause)
{
    (void)argc;
    struct guest *g = running(argv);
    if (!g)
        return;
    if (g->paused) {
        monitor_out("guest %s is paused already ('resume %s')", g->cfg.name, g->cfg.name);
        return;
    }
    __atomic_store_n(&g->paused, true, __ATOMIC_SEQ_CST);
    /* This CPU's own vCPU of it, if any, pauses when this exit ends: it is
     * counted, not waited for (it cannot answer while the monitor runs). */
    unsigned own = 0;
    for (unsigned k = 0; k < g->vcpu_count; k++) {
        own += this_cpu()->vcpu == &g->vcpus[k];
        vcpu_request(&g->vcpus[k], VCPU_REQ_PAUSE);
    }
    uint64_t end = tsc_deadline(PAUSE_WAIT_US);
    while (__atomic_load_n(&g->vcpus_paused, __ATOMIC_ACQUIRE) + own < g->vcpu_count &&
           rdtsc() < end)
        cpu_relax();
    unsigned n = __atomic_load_n(&g->vcpus_paused, __ATOMIC_ACQUIRE) + own;
    monitor_out("guest %s paused: %u of its %u vCPU%s wait in Keel%s", g->cfg.name, n,
                g->vcpu_count, g->vcpu_count == 1 ? "" : "s",
                n < g->vcpu_count ? " (the others at their next exit: busy, halted or waiting "
                                    "for SIPI)" : "");
}

MONITOR_COMMAND(resume)
{
    (void)argc;
    struct guest *g = monitor_guest(argv[1]);
    if (!g)
        return;
    if (!g->paused) {
        monitor_out("guest %s is not paused", g->cfg.name);
        return;
    }
    __atomic_store_n(&g->paused, false, __ATOMIC_SEQ_CST);
    monitor_out("guest %s resumed", g->cfg.name);
}

MONITOR_COMMAND(kill)
{
    (void)argc;
    struct guest *g = monitor_guest(argv[1]);
    if (!g)
        return;
    if (g->state != GUEST_RUNNING && g->state != GUEST_CREATED) {
        monitor_out("kill: guest %s has ended already (%s)", g->cfg.name, monitor_state_name(g));
        return;
    }
    __atomic_store_n(&g->restart_override, GUEST_RESTART_NOT, __ATOMIC_SEQ_CST);
    guest_stop(g, "killed from the console");
}

MONITOR_COMMAND(restart)
{
    (void)argc;
    struct guest *g = running(argv);
    if (!g)
        return;
    __atomic_store_n(&g->restart_override, GUEST_RESTART_ONCE, __ATOMIC_SEQ_CST);
    guest_stop(g, "restarted from the console");
}

/* Keel's end, asked for: every guest stopped (none restarts), so that
 * guests_run returns and kmain ends as always, keel_shutdown leaving VMX
 * on every CPU before power_off, which does what shutdown= now says.
 * Nothing here waits: this CPU's own vCPU leaves when this exit ends. */
static void end_keel(enum shutdown_mode mode, const char *why)
{
    keel_options.shutdown = mode;
    if (monitor_after_panic()) {         /* no guest runs: Keel just ends */
        monitor_end_after_panic();
        return;
    }
    log_info("console: %s: every guest is stopped, then Keel leaves VMX on every CPU", why);
    guests_stop_all(why);
}

MONITOR_COMMAND(poweroff)
{
    (void)argc, (void)argv;
    /* shutdown=acpi stays; reboot or halt would not power off */
    end_keel(keel_options.shutdown == SHUTDOWN_ACPI ? SHUTDOWN_ACPI : SHUTDOWN_AUTO,
             "Keel powers off, as the monitor was asked");
}

MONITOR_COMMAND(reboot)
{
    (void)argc, (void)argv;
    end_keel(SHUTDOWN_REBOOT, "Keel reboots, as the monitor was asked");
}
