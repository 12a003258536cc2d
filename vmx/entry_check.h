/* The SDM's VM-entry checks, in software (SDM "VM Entries": "Checks on VMX
 * Controls and Host-State Area", "Checking and Loading Guest State"),
 * over a VMCS image: so that a refused entry is explained by the check
 * that fails ("guest CS.L and CS.D both set") rather than "VM-instruction
 * error 7" or "exit reason 33". Run before a vCPU's first entry and on any
 * failed entry, never on the exit path. Pure: unit-tested. Covers the
 * checks Keel's start states and controls can break; not every check of
 * the SDM (see docs/architecture.md). */
#ifndef KEEL_VMX_ENTRY_CHECK_H
#define KEEL_VMX_ENTRY_CHECK_H

#include <stdbool.h>

#include "vmx/vmcs_image.h"

struct entry_check_failure {
    const char *check;          /* the check, as the SDM words it */
    const char *section;        /* the SDM section it is in */
    char detail[96];            /* the values involved */
};

/* True when every check passes; otherwise the first that fails. */
bool vmentry_check(const struct vmcs_image *img, const struct vmx_msrs *caps,
                   struct entry_check_failure *f);

#endif
