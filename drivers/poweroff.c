#include "drivers/poweroff.h"
#include "arch/x86/cpu.h"
#include "drivers/platform.h"
#include "kernel/console.h"
#include "kernel/log.h"

/* QEMU: -device isa-debug-exit,iobase=0xf4,iosize=4 (scripts/run.sh) */
#define QEMU_DEBUG_EXIT_PORT 0xf4
/* Bochs: the string "Shutdown" written to this port ends the emulation. */
#define BOCHS_SHUTDOWN_PORT 0x8900

void power_off(enum keel_status status)
{
    cli();
    log_always("power off, status %d (%s)", status, keel_status_name(status));
    console_drain();
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
    log_warn("this machine did not power off (no ACPI power-off yet): halted");
    cpu_halt_forever();
}
