/* How Keel stops. Exit statuses are what the test harness reads (QEMU's
 * exit code is status * 2 + 1; Bochs' serial log has the power-off line). */
#ifndef KEEL_PANIC_H
#define KEEL_PANIC_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/lib/fmt.h"

enum keel_status {
    KEEL_STATUS_OK = 0,         /* ran to the end */
    KEEL_STATUS_REFUSED = 1,    /* a boot step refused this machine or input */
    KEEL_STATUS_PANIC = 2,      /* a bug in Keel: panic or exception */
    KEEL_STATUS_GUESTS_REFUSED = 3, /* ran to the end, but a module was refused */
};

const char *keel_status_name(enum keel_status s);

/* A bug in Keel: say what and where, with registers and a backtrace, stop
 * every CPU and power off with KEEL_STATUS_PANIC. */
__attribute__((noreturn)) void panic(const char *fmt, ...) KEEL_PRINTF(1, 2);

/* Bad hardware or boot input: name the step, the CPU and the cause, then
 * power off with KEEL_STATUS_REFUSED. */
__attribute__((noreturn)) void boot_fail(const char *step, const char *fmt, ...)
    KEEL_PRINTF(2, 3);

/* Something went wrong: stop every CPU (NMI; each leaves VMX root
 * operation) and power off with `status`. */
__attribute__((noreturn)) void keel_stop(enum keel_status status);

/* The orderly end: VMXOFF on every CPU, each saying so, then the others
 * stopped and the machine powered off. */
__attribute__((noreturn)) void keel_shutdown(enum keel_status status);

/* What a subsystem must undo before Keel stops, registered by it at init,
 * so that the stop path calls no subsystem by name (VMX registers VMXOFF
 * here). cpu_off runs on each CPU as it stops, from NMI context too, and
 * says whether it undid something on this CPU ("VMXOFF done: left VMX
 * operation" is then reported as `what`); all_off runs once, on the
 * orderly path, before the other CPUs are stopped. */
struct stop_hooks {
    bool (*cpu_off)(void);
    void (*all_off)(void);
    const char *what;
};
void stop_hooks_register(const struct stop_hooks *h);
/* onpanic=monitor: after a panic has stopped the other CPUs, this runs
 * (Keel's monitor on the console, kernel/monitor.c) before power-off. */
void panic_monitor_register(void (*fn)(void));
/* For the stop paths: run this CPU's hook; true if it undid something. */
bool stop_hooks_cpu_off(void);
const char *stop_hooks_what(void);

/* Print the frame-pointer chain starting at `rbp`. */
void dump_backtrace(uint64_t rbp);

#endif
