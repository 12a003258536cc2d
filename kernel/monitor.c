#include "kernel/monitor.h"

#include <stdarg.h>

#include "kernel/guests.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/string.h"
#include "kernel/log.h"
#include "kernel/monitor_line.h"
#include "kernel/percpu.h"
#include "vmx/exit.h"
#include "vmx/exit_reason.h"
#include "vmx/guest.h"

#define MONITOR_OUT_MAX 200

/* The line being typed: there is one console, and only the CPU holding
 * the console's poll lock calls in here. */
static struct monitor_line line;
static bool prompted;               /* the prompt is on the screen */

static void out(const char *fmt, ...) KEEL_PRINTF(1, 2);
static void out(const char *fmt, ...)
{
    char buf[MONITOR_OUT_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, sizeof(buf) - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(buf) - 2)
        n = (int)sizeof(buf) - 2;
    buf[n++] = '\n';
    log_raw(buf, (size_t)n);
}

void monitor_prompt(void)
{
    log_raw("keel> ", 6);
    prompted = true;
}

static const char *state_name(const struct guest *g)
{
    switch (g->state) {
    case GUEST_CREATED: return "not started";
    case GUEST_RUNNING: return "running";
    case GUEST_EXITED: return "exited";
    case GUEST_STOPPED: return "stopped";
    }
    return "?";
}

static uint64_t vcpu_exits(const struct vcpu *v)
{
    uint64_t n = 0;
    for (unsigned r = 0; r < EXIT_REASON_COUNT; r++)
        n += v->exits[r];
    return n;
}

static struct guest *find_guest(const char *name)
{
    for (unsigned i = 0; i < guests_count(); i++)
        if (!strcmp(guest_at(i)->cfg.name, name))
            return guest_at(i);
    out("no guest '%s' (guests: the names 'guests' lists)", name);
    return NULL;
}

static void cmd_help(unsigned argc, char **argv);

static void cmd_guests(unsigned argc, char **argv)
{
    (void)argc, (void)argv;
    if (!guests_count())
        out("no guests");
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
        out("%-12s %s%s; %u vCPU%s on %s, %llu MiB, %u restart%s, %llu exits", g->cfg.name,
            state_name(g), how, g->vcpu_count, g->vcpu_count == 1 ? "" : "s", cpus_on,
            (unsigned long long)(g->cfg.mem >> 20), g->restarts, g->restarts == 1 ? "" : "s",
            (unsigned long long)exits);
    }
}

static void cmd_cpus(unsigned argc, char **argv)
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
        out("cpu%u: APIC ID %u, %s, runs %s, %llu exits handled", c, p->apic_id,
            p->vmx_on ? "VMX root" : "no VMX", runs, (unsigned long long)exits);
    }
}

static void cmd_exits(unsigned argc, char **argv)
{
    for (unsigned i = 0; i < guests_count(); i++) {
        struct guest *g = guest_at(i);
        if (argc > 1 && strcmp(argv[1], g->cfg.name))
            continue;
        uint64_t count[EXIT_REASON_COUNT] = { 0 }, total = 0;
        for (unsigned r = 0; r < EXIT_REASON_COUNT; r++) {
            for (unsigned k = 0; k < g->vcpu_count; k++)
                count[r] += g->vcpus[k].exits[r];
            total += count[r];
        }
        out("guest %s: %llu exits", g->cfg.name, (unsigned long long)total);
        for (;;) {                      /* largest first */
            unsigned best = EXIT_REASON_COUNT;
            for (unsigned r = 0; r < EXIT_REASON_COUNT; r++)
                if (count[r] && (best == EXIT_REASON_COUNT || count[r] > count[best]))
                    best = r;
            if (best == EXIT_REASON_COUNT)
                break;
            out("  %-22s %llu", exit_reason_name(best), (unsigned long long)count[best]);
            count[best] = 0;
        }
    }
    if (argc > 1)
        for (unsigned i = 0; i < guests_count(); i++)
            if (!strcmp(argv[1], guest_at(i)->cfg.name))
                return;
    if (argc > 1)
        find_guest(argv[1]);
}

static const struct command {
    const char *name, *args, *what;
    void (*run)(unsigned argc, char **argv);
} commands[] = {
    { "help", "", "this list", cmd_help },
    { "guests", "", "each guest: state, vCPUs and CPUs, RAM, restarts, exits", cmd_guests },
    { "cpus", "", "each CPU: APIC ID, VMX, the vCPU it runs, exits handled", cmd_cpus },
    { "exits", "[guest]", "exits by reason, most first", cmd_exits },
};

static void cmd_help(unsigned argc, char **argv)
{
    (void)argc, (void)argv;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        out("  %-7s %-8s %s", commands[i].name, commands[i].args, commands[i].what);
    out("  Ctrl-A three times moves the input to the next guest's COM1, and back here");
}

static void run_line(char *buf)
{
    char *argv[MONITOR_ARGS_MAX];
    unsigned argc = monitor_split(buf, argv);
    if (!argc)
        return;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(argv[0], commands[i].name)) {
            commands[i].run(argc, argv);
            return;
        }
    out("unknown command '%s' ('help' lists them)", argv[0]);
}

void monitor_key(uint8_t byte)
{
    char echo[4];
    size_t n;
    if (!prompted)
        monitor_prompt();
    bool done = monitor_line_key(&line, byte, echo, &n);
    log_raw(echo, n);
    if (!done)
        return;
    prompted = false;
    run_line(line.buf);
    monitor_prompt();
}
