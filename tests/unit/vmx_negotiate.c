/* A host tool, not a unit test: negotiate Keel's VMX configuration over
 * fixture files (one per CPU, in order) and print it the way Keel's log
 * does ("one configuration for N of M CPUs: pin 0x..., ..."), so a
 * vmx=dump capture can be checked against the boot that made it
 * (tests/integration/bochs-vmx-dump.test).
 *   gcc -I. -o vmx_negotiate tests/unit/vmx_negotiate.c vmx/vmcs_config.c \
 *       vmx/caps_dump.c kernel/cmdline.c kernel/lib/fmt.c -DKEEL_HOST_TEST
 *   ./vmx_negotiate cpu0.txt cpu1.txt */
#include <stdlib.h>

#include "tests/unit/vmx_fixture.h"

static void warn(void *ctx, const char *msg)
{
    (void)ctx;
    printf("warning: %s\n", msg);
}

int main(int argc, char **argv)
{
    static struct vmx_msrs cpus[VMX_MAX_CPUS];
    static struct vmcs_config c;
    unsigned n = 0;
    for (int i = 1; i < argc && n < VMX_MAX_CPUS; i++, n++)
        if (!vmx_fixture_load(argv[i], n, &cpus[n]))
            return 2;
    unsigned in = setup_vmcs_config(cpus, n, &c, warn, NULL);
    printf("one configuration for %u of %u CPUs: pin 0x%08x, proc 0x%08x, proc2 0x%08x, "
           "exit 0x%08x, entry 0x%08x, EPT/VPID 0x%llx\n", in, n, c.ctl[VMX_PIN], c.ctl[VMX_PROC],
           c.ctl[VMX_PROC2], c.ctl[VMX_EXIT], c.ctl[VMX_ENTRY], (unsigned long long)c.ept_vpid);
    return in ? 0 : 1;
}
