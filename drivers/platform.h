/* Which machine Keel runs on, as far as it matters to Keel: the emulators
 * have their own ways to power off with a status the tests can read. */
#ifndef KEEL_DRIVERS_PLATFORM_H
#define KEEL_DRIVERS_PLATFORM_H

#include "kernel/boot_info.h"

enum platform_kind {
    PLATFORM_UNKNOWN,       /* real hardware or an unrecognised hypervisor */
    PLATFORM_QEMU,          /* QEMU TCG or QEMU/KVM: isa-debug-exit */
    PLATFORM_BOCHS,         /* Bochs: the 0x8900 shutdown port */
};

/* Decide from the CPUID hypervisor leaf and the ACPI RSDP's OEM id. */
void platform_detect(const struct boot_info *bi);
enum platform_kind platform_kind(void);
const char *platform_describe(void);

#endif
