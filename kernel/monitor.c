#include "kernel/monitor.h"

#include <stdarg.h>

#include "kernel/guests.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/string.h"
#include "kernel/log.h"
#include "kernel/monitor_cmd.h"
#include "kernel/monitor_format.h"
#include "kernel/monitor_line.h"
#include "kernel/console.h"
#include "kernel/options.h"
#include "kernel/panic.h"
#include "arch/x86/cpu.h"
#include "vmx/guest.h"

#define MONITOR_OUT_MAX 200

/* The line being typed: there is one console, and only the CPU holding
 * the console's poll lock calls in here. */
static struct monitor_line line;
static bool prompted;               /* the prompt is on the screen */
/* onpanic=monitor: running after a panic; and asked to end */
static volatile bool fatal, fatal_end;

void monitor_out(const char *fmt, ...)
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

void monitor_report(void *ctx, const char *msg)
{
    (void)ctx;
    monitor_out("%s", msg);
}

void monitor_prompt(void)
{
    log_raw("keel> ", 6);
    prompted = true;
}

const char *monitor_state_name(const struct guest *g)
{
    switch (g->state) {
    case GUEST_CREATED: return "not started";
    case GUEST_RUNNING: return g->paused ? "paused" : "running";
    case GUEST_EXITED: return "exited";
    case GUEST_STOPPED: return "stopped";
    }
    return "?";
}

struct guest *monitor_find_guest(const char *name)
{
    for (unsigned i = 0; i < guests_count(); i++)
        if (!strcmp(guest_at(i)->cfg.name, name))
            return guest_at(i);
    return NULL;
}

struct guest *monitor_guest(const char *name)
{
    struct guest *g = monitor_find_guest(name);
    if (!g)
        monitor_out("no guest '%s' (guests: the names 'guests' lists)", name);
    return g;
}

struct vcpu *monitor_vcpu(unsigned argc, char **argv)
{
    struct guest *g = monitor_guest(argv[1]);
    unsigned k = 0;
    if (!g)
        return NULL;
    if (argc > 2 && !monitor_parse_index(argv[2], g->vcpu_count, &k)) {
        monitor_out("guest %s has vCPUs 0 to %u: no vCPU '%s'", g->cfg.name, g->vcpu_count - 1,
                    argv[2]);
        return NULL;
    }
    return &g->vcpus[k];
}

static MONITOR_COMMAND(help);

static const struct command {
    const char *name, *args, *what;
    unsigned min_args, max_args;    /* words after the name */
    void (*run)(unsigned argc, char **argv);
} commands[] = {
    { "help", "", "this list", 0, 0, monitor_cmd_help },
    { "guests", "", "each guest: state, vCPUs and CPUs, RAM, restarts, exits", 0, 0,
      monitor_cmd_guests },
    { "cpus", "", "each CPU: APIC ID, VMX, the vCPU it runs, exits handled", 0, 0,
      monitor_cmd_cpus },
    { "exits", "[guest]", "exits by reason, most first", 0, 1, monitor_cmd_exits },
    { "regs", "<guest> [vcpu]", "registers, segments, mode", 1, 2, monitor_cmd_regs },
    { "vmcs", "<guest> [vcpu]", "every VMCS field by name", 1, 2, monitor_cmd_vmcs },
    { "mem", "<guest> <gpa> [len]", "guest-physical memory in hex (64 bytes; at most 4096)",
      2, 3, monitor_cmd_mem },
    { "vmem", "<guest> <gva> [len]", "the same through vCPU 0's page tables", 2, 3,
      monitor_cmd_vmem },
    { "pause", "<guest>", "stop its vCPUs, in Keel, until resume", 1, 1, monitor_cmd_pause },
    { "resume", "<guest>", "let a paused guest run again", 1, 1, monitor_cmd_resume },
    { "kill", "<guest>", "stop it for good (no restart)", 1, 1, monitor_cmd_kill },
    { "restart", "<guest>", "stop it and start it again, whatever restart= says", 1, 1,
      monitor_cmd_restart },
    { "trace", "on|off|dump [guest] [N] [REASON]", "recent exits in a ring per CPU (dump: the "
      "last N of each, of one reason); 'trace': what is traced", 0, 4, monitor_cmd_trace },
    { "gdb", "[guest]", "the guest GDB debugs on COM2 (gdb=com2)", 0, 1, monitor_cmd_gdb },
    { "vmx", "[dump]", "VMX capabilities and Keel's configuration (dump: the MSRs)", 0, 1,
      monitor_cmd_vmx },
    { "reboot", "", "stop every guest, leave VMX, reset the machine", 0, 0, monitor_cmd_reboot },
    { "poweroff", "", "stop every guest, leave VMX, power off", 0, 0, monitor_cmd_poweroff },
};

static MONITOR_COMMAND(help)
{
    (void)argc, (void)argv;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        monitor_out("  %-8s %-20s %s", commands[i].name, commands[i].args, commands[i].what);
    monitor_out("  Ctrl-A three times moves the input to the next guest's COM1, and back here");
}

static void run_line(char *buf)
{
    char *argv[MONITOR_ARGS_MAX];
    unsigned argc = monitor_split(buf, argv);
    if (!argc)
        return;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        const struct command *c = &commands[i];
        if (strcmp(argv[0], c->name))
            continue;
        if (argc - 1 < c->min_args || argc - 1 > c->max_args)
            monitor_out("usage: %s %s", c->name, c->args);
        else
            c->run(argc, argv);
        return;
    }
    monitor_out("unknown command '%s' ('help' lists them)", argv[0]);
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
    if (!fatal_end)
        monitor_prompt();
}

/* onpanic=monitor (docs/options.md): after a panic has printed its dump
 * and stopped the other CPUs, the monitor stays on the console, read
 * here in a loop (no guest runs, nothing else polls), until 'poweroff'
 * or 'reboot' (end_keel in monitor_control.c) ends it. */
bool monitor_after_panic(void)
{
    return fatal;
}

void monitor_end_after_panic(void)
{
    fatal_end = true;
}

static void after_panic(void)
{
    fatal = true;
    log_always("panic: Keel's monitor stays on the console (onpanic=monitor): 'help' to look "
               "around, 'poweroff' or 'reboot' to end");
    monitor_prompt();
    while (!fatal_end) {
        int c = console_getc();
        if (c >= 0)
            monitor_key((uint8_t)c);
        else
            cpu_relax();
    }
}

void monitor_panic_setup(void)
{
    if (keel_options.onpanic)
        panic_monitor_register(after_panic);
}
