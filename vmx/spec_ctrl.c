/* Speculation mitigations: read the boot CPU, decide (spec_decide.c),
 * report. The others are taken to be the same (Keel runs on one kind of
 * CPU at a time; vmcs_config is decided the same way). */
#include "vmx/spec_ctrl.h"

#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "drivers/platform.h"
#include "kernel/log.h"
#include "kernel/options.h"

#define CPUID7_EDX_MD_CLEAR   (1u << 10)
#define CPUID7_EDX_IBRS_IBPB  (1u << 26)
#define CPUID7_EDX_L1D_FLUSH  (1u << 28)
#define CPUID7_EDX_ARCH_CAP   (1u << 29)

struct spec_mitigations spec;

void spec_init(void)
{
    struct spec_cpu c = { .emulated = platform_kind() == PLATFORM_BOCHS };
    if (cpuid(0, 0).eax >= 7) {
        uint32_t edx = cpuid(7, 0).edx;
        c.md_clear = edx & CPUID7_EDX_MD_CLEAR;
        c.ibrs_ibpb = edx & CPUID7_EDX_IBRS_IBPB;
        c.l1d_flush = edx & CPUID7_EDX_L1D_FLUSH;
        c.arch_capabilities = edx & CPUID7_EDX_ARCH_CAP;
    }
    if (c.arch_capabilities)
        c.arch_cap = rdmsr(MSR_IA32_ARCH_CAPABILITIES);
    spec = spec_decide(&c);
    char line[320];
    spec_describe(&c, &spec, line, sizeof(line));
    log_info("VMX: speculation mitigations: %s", line);
    if (keel_options.test == SELFTEST_MITIGATED_LOOP) {
        /* The loop with mitigations (vmx/entry.asm) on a CPU that needs
         * none, for its tests: what any CPU can do (no IA32_FLUSH_CMD). */
        spec.rsb_fill_on_exit = spec.verw_on_entry = true;
        log_info("VMX: test=mitigated-loop: the RSB fill after each VM exit and VERW before "
                 "each VM entry, as if needed");
    }
}
