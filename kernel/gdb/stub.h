/* Keel's GDB stub (docs/console.md, "Debugging a guest with GDB"): GDB's
 * remote protocol on a serial port of its own (gdb=com2), for one guest
 * (the first, or the one the monitor's `gdb <guest>` names). Threads are
 * the guest's vCPUs, ids from 1. A stop is the monitor's pause
 * (guest.paused, VCPU_REQ_PAUSE); the vCPU GDB looks at serves the
 * protocol from its pause, on its own CPU, so its registers and VMCS are
 * at hand (kernel/gdb/target.c). While the guest runs, the console's poll
 * (kernel/console_input.c) reads the port: Ctrl-C or any packet stops it. */
#ifndef KEEL_GDB_STUB_H
#define KEEL_GDB_STUB_H

#include <stdbool.h>
#include <stdint.h>

struct guest;
struct vcpu;

/* Before the guests run: program the port if gdb= asks for one. */
void gdb_stub_start(void);

/* Debug `g` from now on (the monitor's `gdb`); false if there is no stub
 * (gdb=off) or GDB is attached to another guest. */
bool gdb_stub_select(struct guest *g);
struct guest *gdb_stub_guest(void);

/* From the console's poll (its lock held): read the port while the
 * guest runs. True if a byte came (the poll then stays quick for a
 * while, as after a key on the console). */
bool gdb_stub_poll(void);

/* From a paused vCPU's loop (vmx/event.c), on its CPU: serve GDB if it is
 * the vCPU GDB looks at, and bring its exception bitmap and debug
 * registers in line with GDB's breakpoints; `leaving`: the pause ends. */
void gdb_stub_paused(struct vcpu *v, bool leaving);

/* From the exception exits (vmx/exit_event.c): true when the #BP, the
 * #DB (exit qualification q) or the monitor-trap-flag exit is GDB's: the
 * guest is then stopped and the exit resumes at the same RIP; false: not
 * GDB's (reflect it as before). */
bool gdb_stub_breakpoint(struct vcpu *v);
bool gdb_stub_debug(struct vcpu *v, uint64_t q);
bool gdb_stub_trap(struct vcpu *v);

/* VCPU_REQ_GDB_STEP, at the pre-entry step after each exit during a
 * step: an instruction that exits and that Keel completes (I/O, CPUID,
 * ...) moves RIP without the trap the step waits for; then the step is
 * over: true, the guest stopped for GDB. */
bool gdb_stub_step_check(struct vcpu *v);

#endif
