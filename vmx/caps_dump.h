/* vmx=dump: one CPU's VMX capabilities in the fixture format of
 * tests/unit/fixtures/vmx/ (README there), so that a user's serial log
 * becomes a regression test (scripts/vmx-fixture.sh). Pure. */
#ifndef KEEL_VMX_CAPS_DUMP_H
#define KEEL_VMX_CAPS_DUMP_H

#include "vmx/vmcs_config.h"

/* Lines, in order: '#' comments, "cpuid LEAF SUBLEAF EAX EBX ECX EDX"
 * for each leaf read, "0x03a VALUE" (IA32_FEATURE_CONTROL as the firmware
 * left it), then "0xMSR VALUE" for each capability MSR read. */
void vmx_caps_dump(const struct vmx_msrs *m, report_fn line, void *ctx);

/* Read one fixture line into `m` (which starts zeroed with .vmx true).
 * Returns false, with *why set, for a line it cannot use; comments and
 * blank lines are fine. After the last line, vmx_fixture_finish sets
 * .vmx and .locked_off from the CPUID and FEATURE_CONTROL lines, when the
 * fixture has them. */
bool vmx_fixture_line(const char *line, struct vmx_msrs *m, const char **why);
void vmx_fixture_finish(struct vmx_msrs *m);

#endif
