#include "drivers/poweroff.h"
#include "arch/x86/cpu.h"
#include "drivers/acpi.h"
#include "drivers/platform.h"
#include "kernel/options.h"
#include "kernel/console.h"
#include "kernel/log.h"

/* QEMU: -device isa-debug-exit,iobase=0xf4,iosize=4 (scripts/run.sh) */
#define QEMU_DEBUG_EXIT_PORT 0xf4
/* Bochs: the string "Shutdown" written to this port ends the emulation. */
#define BOCHS_SHUTDOWN_PORT 0x8900
/* Resets that predate ACPI's reset register: the PCI reset control
 * register (0x6: hard reset) and the 8042 keyboard controller's pulse of
 * the reset line. */
#define PCI_RESET_CONTROL_PORT 0xcf9
#define KBC_COMMAND_PORT 0x64
#define KBC_PULSE_RESET 0xfe

static void emulator_exit(enum keel_status status)
{
    switch (platform_kind()) {
    case PLATFORM_QEMU:
        outl(QEMU_DEBUG_EXIT_PORT, status);
        break;
    case PLATFORM_BOCHS:
        for (const char *s = "Shutdown"; *s; s++)
            outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s);
        break;
    case PLATFORM_UNKNOWN:
        break;
    }
}

void power_off(enum keel_status status)
{
    static const char *const action[] = {
        [SHUTDOWN_AUTO] = "power off", [SHUTDOWN_ACPI] = "power off",
        [SHUTDOWN_REBOOT] = "reboot", [SHUTDOWN_HALT] = "halt",
    };
    enum shutdown_mode mode = (enum shutdown_mode)keel_options.shutdown;
    cli();
    log_always("%s, status %d (%s)", action[mode], status, keel_status_name(status));
    console_drain();
    switch (mode) {
    case SHUTDOWN_AUTO:
        emulator_exit(status);
        acpi_poweroff();
        break;
    case SHUTDOWN_ACPI:
        acpi_poweroff();
        break;
    case SHUTDOWN_REBOOT:
        acpi_reset();
        outb(PCI_RESET_CONTROL_PORT, 0x02);
        outb(PCI_RESET_CONTROL_PORT, 0x06);
        for (int i = 0; i < 1000000; i++)
            cpu_relax();
        outb(KBC_COMMAND_PORT, KBC_PULSE_RESET);
        for (int i = 0; i < 1000000; i++)
            cpu_relax();
        break;
    case SHUTDOWN_HALT:
        cpu_halt_forever();
    }
    log_warn("the machine is still running (%s): halted",
             mode == SHUTDOWN_REBOOT ? "no reset method worked" :
             !acpi_ok ? "no usable ACPI tables" : "ACPI power-off did not work");
    console_drain();
    cpu_halt_forever();
}
