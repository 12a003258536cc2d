/* Loading VMX capability fixtures (tests/unit/fixtures/vmx/, README
 * there) with Keel's own parser (vmx/caps_dump.c): the tests that use it
 * link vmx/caps_dump.c and kernel/cmdline.c. */
#ifndef KEEL_TESTS_VMX_FIXTURE_H
#define KEEL_TESTS_VMX_FIXTURE_H

#include <stdio.h>

#include "vmx/caps_dump.h"

/* PATH as a fixture for `cpu_id`; false (with a message on stderr) when a
 * line cannot be read or the file is missing. */
static inline bool vmx_fixture_load(const char *path, uint32_t cpu_id, struct vmx_msrs *m)
{
    char line[512];
    const char *why = NULL;
    unsigned n = 0;
    *m = (struct vmx_msrs){ .cpu_id = cpu_id, .vmx = true };
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s (run from the repository root)\n", path);
        return false;
    }
    while (fgets(line, sizeof(line), f)) {
        n++;
        if (!vmx_fixture_line(line, m, &why)) {
            fprintf(stderr, "%s:%u: %s\n", path, n, why);
            fclose(f);
            return false;
        }
    }
    fclose(f);
    vmx_fixture_finish(m);
    return true;
}

#endif
