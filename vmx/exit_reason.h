/* Basic exit reasons as an enum, from the one table vmx/exit_reasons.def
 * (SDM Appendix C, "VMX Basic Exit Reasons"): EXIT_REASON_CPUID, ...,
 * and EXIT_REASON_COUNT. */
#ifndef KEEL_VMX_EXIT_REASON_H
#define KEEL_VMX_EXIT_REASON_H

enum exit_reason {
#define EXIT_REASON(num, name, fn) EXIT_REASON_##name = num,
#include "vmx/exit_reasons.def"
#undef EXIT_REASON
    EXIT_REASON_COUNT
};

/* The table lists every reason from 0 up, each once: the count is then
 * the last number plus one, and no entry was skipped. */
#define EXIT_REASON(num, name, fn) +1
_Static_assert(0
#include "vmx/exit_reasons.def"
               == EXIT_REASON_COUNT, "vmx/exit_reasons.def: one line per reason, 0 to the last");
#undef EXIT_REASON

#endif
