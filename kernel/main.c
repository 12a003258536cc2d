/* Keel's init order, one step a line (docs/architecture.md). */
#include "drivers/acpi.h"
#include "drivers/cmos.h"
#include "drivers/platform.h"
#include "drivers/poweroff.h"
#include "drivers/serial_console.h"
#include "kernel/bench.h"
#include "kernel/boot.h"
#include "kernel/console.h"
#include "kernel/guests.h"
#include "kernel/log.h"
#include "kernel/monitor.h"
#include "kernel/mm.h"
#include "kernel/options.h"
#include "kernel/percpu.h"
#include "kernel/selftest.h"
#include "kernel/smp.h"
#include "arch/x86/tsc.h"
#include "vmx/vmx.h"

void kmain(uint64_t mbi_phys);

static void option_report(void *ctx, const char *msg)
{
    (void)ctx;
    log_warn("command line: %s", msg);
}

void kmain(uint64_t mbi_phys)
{
    cpu_init(percpu_bsp(), 0);          /* GDT, TSS, IDT, GS: faults are reported */
    log_info("Keel %s, x86-64 microhypervisor", KEEL_VERSION);  /* held until the console starts */
    boot_info_init(mbi_phys);           /* Multiboot2 tags -> boot_info */
    options_defaults(&keel_options);
    options_parse(boot_info.cmdline, &keel_options, option_report, NULL);
    log_level = (enum log_level)keel_options.loglvl;
    monitor_panic_setup();
    struct serial_choice con;           /* options, loader's UART, SPCR/DBG2, BIOS area, COM1 */
    serial_console_choose(&boot_info, &keel_options, &con);
    console_init(con.source == SERIAL_NONE ? NULL : &con.cfg);
    log_info("console: %s", console_describe());
    log_info("console: %s", con.why);
    platform_detect(&boot_info);
    log_info("platform: %s", platform_describe());
    boot_info_print(&boot_info);
    mm_init(&boot_info);
    acpi_init(&boot_info, keel_options.acpi == ACPI_DUMP,    /* RSDP, MADT, FADT */
              keel_options.acpi == ACPI_SCAN);
    tsc_calibrate(acpi.pm_timer_port, acpi.pm_timer_32bit ? 32 : 24);
    smp_boot(&acpi, acpi_ok, keel_options.cpus);             /* local APIC, APs */
    selftest_run(keel_options.test);                         /* test= */
    vmx_init(keel_options.vmx == VMX_REPORT);                /* VMXON on every CPU */
    selftest_late(keel_options.test);
    if (keel_options.bench)
        bench_host();                                        /* bench=on */
    guests_create(&boot_info);                               /* modules -> guests */
    cmos_mark_boot_good();                                   /* bootok=: GRUB's try mode */
    guests_run();                                            /* one vCPU per CPU */
    bench_report();                                          /* bench=on */
    keel_shutdown(guests_summary());                         /* VMXOFF everywhere */
}
