/* Keel's command line (docs/options.md): parsed once at boot into
 * keel_options. Pure: unit-tested. */
#ifndef KEEL_OPTIONS_H
#define KEEL_OPTIONS_H

#include "drivers/uart_config.h"
#include "kernel/cmdline.h"

#define CONSOLE_NAMES "com1|com2|com3|com4|none"
#define CONSOLE_NONE UART_PORTS

/* test=: faults raised on purpose to check that Keel reports them. */
enum selftest { SELFTEST_NONE, SELFTEST_UD, SELFTEST_GP, SELFTEST_PF, SELFTEST_DE,
                SELFTEST_BP, SELFTEST_DF, SELFTEST_PANIC, SELFTEST_AP_SILENT,
                SELFTEST_LOG_STORM, SELFTEST_VMX_PANIC, SELFTEST_GUEST_PANIC,
                SELFTEST_NO_PREEMPTION_TIMER, SELFTEST_MITIGATED_LOOP };
/* How many there are: test_cmdline checks it against SELFTEST_NAMES. */
#define SELFTEST_COUNT (SELFTEST_MITIGATED_LOOP + 1)
#define SELFTEST_NAMES \
    "none|ud|gp|pf|de|bp|df|panic|ap-silent|log-storm|vmx-panic|guest-panic|" \
    "no-preemption-timer|mitigated-loop"

#define ACPI_MODE_NAMES "on|dump|scan"
enum acpi_mode { ACPI_ON, ACPI_DUMP, ACPI_SCAN };

/* shutdown=: how Keel leaves the machine when it stops. */
enum shutdown_mode { SHUTDOWN_AUTO, SHUTDOWN_ACPI, SHUTDOWN_REBOOT, SHUTDOWN_HALT };
#define SHUTDOWN_NAMES "auto|acpi|reboot|halt"

#define CPUS_MAX 256

/* vmx=: report prints the negotiated configuration; dump prints every
 * CPU's capability MSRs and CPUID leaves as unit-test fixtures
 * (tests/unit/fixtures/vmx/, scripts/vmx-fixture.sh). */
#define VMX_MODE_NAMES "on|report|dump"
enum vmx_mode { VMX_ON, VMX_REPORT, VMX_DUMP };

/* bootok=cmos:INDEX[:VALUE]: the CMOS byte Keel writes once a boot goes
 * well, for GRUB's try mode (drivers/cmos.c, scripts/grub.d/25_keel). */
struct boot_mark {
    bool on;
    uint8_t index, value;
};
#define BOOT_MARK_DEFAULT 0x4b

struct keel_options {
    int console;                            /* COM port index, or CONSOLE_NONE */
    struct uart_config com[UART_PORTS];     /* com1= .. com4= */
    bool console_given;                     /* console= was on the command line */
    unsigned com_given;                     /* bit i: com(i+1)= was */
    int loglvl;                             /* enum log_level */
    int test;                               /* enum selftest */
    int acpi;                               /* enum acpi_mode */
    int shutdown;                           /* enum shutdown_mode */
    unsigned cpus;                          /* start at most this many CPUs */
    int vmx;                                /* enum vmx_mode */
    int bench;                              /* 1: bench=on */
    int apicv;                              /* 1: use APIC virtualization (apicv=) */
    struct boot_mark bootok;                /* bootok= */
    char focus[32];                         /* focus=: the input focus at start */
    int raw;                                /* raw=on: the focus guest's escapes pass */
    int onpanic;                            /* onpanic=monitor: the monitor after a panic */
    int gdb;                                /* gdb=com2: the GDB stub on COM2 */
};

extern struct keel_options keel_options;

void options_defaults(struct keel_options *o);
/* Apply a command line over `o`; problems are reported and skipped.
 * Returns the number of reports. */
int options_parse(const char *cmdline, struct keel_options *o, report_fn report,
                  void *ctx);

#endif
