/* What the monitor's command files share (kernel/monitor_*.c; the table
 * of commands is kernel/monitor.c's). Only the CPU that holds the
 * console's poll lock runs a command, inside one of its vCPU's exits or
 * its pause (kernel/console_input.c): one command at a time, so each file
 * may keep its buffers static. */
#ifndef KEEL_MONITOR_CMD_H
#define KEEL_MONITOR_CMD_H

#include "kernel/lib/fmt.h"

struct guest;
struct vcpu;
struct vcpu_snapshot;

/* One line of the monitor's answer; the second form is a report_fn, for
 * the pure formatters (kernel/monitor_format.h) and vmx/'s reports. */
void monitor_out(const char *fmt, ...) KEEL_PRINTF(1, 2);
void monitor_report(void *ctx, const char *msg);

/* "running", "paused", "exited", "stopped", "not started". */
const char *monitor_state_name(const struct guest *g);

/* The guest named, or NULL having said there is none; monitor_find_guest
 * says nothing. */
struct guest *monitor_guest(const char *name);
struct guest *monitor_find_guest(const char *name);

/* "<guest> [vcpu]" at argv[1], argv[2]: the vCPU (0 when not given), or
 * NULL having said why. */
struct vcpu *monitor_vcpu(unsigned argc, char **argv);

/* A copy of the vCPU's registers and VMCS, read on the CPU that owns its
 * VMCS (kernel/monitor_vcpu.c); NULL having said why there is none. */
const struct vcpu_snapshot *monitor_snapshot(struct vcpu *v);

#define MONITOR_COMMAND(name) void monitor_cmd_##name(unsigned argc, char **argv)
MONITOR_COMMAND(guests);        /* kernel/monitor_info.c */
MONITOR_COMMAND(cpus);
MONITOR_COMMAND(exits);
MONITOR_COMMAND(vmx);
MONITOR_COMMAND(regs);          /* kernel/monitor_vcpu.c */
MONITOR_COMMAND(vmcs);
MONITOR_COMMAND(mem);           /* kernel/monitor_mem.c */
MONITOR_COMMAND(vmem);
MONITOR_COMMAND(pause);         /* kernel/monitor_control.c */
MONITOR_COMMAND(resume);
MONITOR_COMMAND(kill);
MONITOR_COMMAND(restart);
MONITOR_COMMAND(reboot);
MONITOR_COMMAND(poweroff);
MONITOR_COMMAND(gdb);           /* kernel/gdb/monitor.c */
MONITOR_COMMAND(trace);         /* kernel/monitor_trace.c */

#endif
