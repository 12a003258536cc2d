#ifndef KEEL_SELFTEST_H
#define KEEL_SELFTEST_H

#include "kernel/options.h"

/* test=: raise the chosen fault on purpose (docs/options.md). Returns only
 * for SELFTEST_NONE. */
void selftest_run(enum selftest which);

/* Tests that need every CPU in VMX root operation (after vmx_init). */
void selftest_late(enum selftest which);

/* An AP's part in the tests, after it came online. */
void selftest_ap(enum selftest which);

#endif
