#include "drivers/platform.h"
#include "arch/x86/cpu.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/string.h"

#define RSDP_OEMID_OFFSET 9
#define RSDP_OEMID_LEN    6

static enum platform_kind kind;
static char description[64] = "not detected yet";

void platform_detect(const struct boot_info *bi)
{
    char sig[13] = "";
    if (cpuid(1, 0).ecx & X86_FEATURE_HYPERVISOR_ECX) {
        struct cpuid_regs r = cpuid(X86_CPUID_HYPERVISOR_LEAF, 0);
        memcpy(sig + 0, &r.ebx, 4);
        memcpy(sig + 4, &r.ecx, 4);
        memcpy(sig + 8, &r.edx, 4);
    }
    char oem[RSDP_OEMID_LEN + 1] = "";
    if (bi->rsdp_len >= RSDP_OEMID_OFFSET + RSDP_OEMID_LEN)
        memcpy(oem, bi->rsdp + RSDP_OEMID_OFFSET, RSDP_OEMID_LEN);

    if (!strcmp(sig, "TCGTCGTCGTCG")) {
        kind = PLATFORM_QEMU;
        ksnprintf(description, sizeof(description), "QEMU (TCG)");
    } else if (!strcmp(sig, "KVMKVMKVM")) {
        kind = PLATFORM_QEMU;
        ksnprintf(description, sizeof(description), "QEMU/KVM");
    } else if (!sig[0] && !strcmp(oem, "BOCHS ")) {
        /* QEMU's firmware uses the same OEM id, but QEMU always sets the
         * hypervisor CPUID bit; Bochs does not. */
        kind = PLATFORM_BOCHS;
        ksnprintf(description, sizeof(description), "Bochs");
    } else {
        kind = PLATFORM_UNKNOWN;
        ksnprintf(description, sizeof(description), "%s%s%s (ACPI OEM '%s')",
                  sig[0] ? "hypervisor '" : "hardware", sig, sig[0] ? "'" : "", oem);
    }
}

enum platform_kind platform_kind(void)
{
    return kind;
}

const char *platform_describe(void)
{
    return description;
}
