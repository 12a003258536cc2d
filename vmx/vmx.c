/* VMX bring-up over every CPU, in KVM's order (docs/kvm-map.md):
 *   each CPU: cpu_has_vmx, vmx_disabled_by_bios, read its capabilities
 *             (the reading half of vmx_check_processor_compat)
 *   BSP:      setup_vmcs_config over all of them at once
 *   each CPU: hardware_enable (VMXON)
 * and vmx_shutdown: hardware_disable (VMXOFF) on each. */
#include "vmx/vmx.h"
#include "arch/x86/lapic.h"
#include "drivers/platform.h"
#include "kernel/lib/string.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "vmx/caps.h"
#include "vmx/caps_dump.h"
#include "vmx/guest.h"
#include "vmx/nested.h"
#include "vmx/spec_ctrl.h"

struct vmcs_config vmcs_config;
bool vmx_host_timer;
struct vmx_msrs vmx_cpu_caps[CPUS_MAX];

/* vmx=dump: each line with the CPU it describes, for scripts/vmx-fixture.sh. */
static void dump_line(void *ctx, const char *msg)
{
    log_always("vmx-dump: cpu%u: %s", ((const struct vmx_msrs *)ctx)->cpu_id, msg);
}

static void read_caps_here(void *arg)
{
    (void)arg;
    struct vmx_msrs *m = &vmx_cpu_caps[this_cpu_id()];
    vmx_read_caps(m);
    if (keel_options.vmx == VMX_DUMP)
        vmx_caps_dump(m, dump_line, m);
    if (m->vmx && m->locked_by_keel && !m->locked_off)
        log_info("VMX: the firmware left IA32_FEATURE_CONTROL unlocked: VMX outside SMX "
                 "enabled and the MSR locked");
    if (!m->vmx) {
        log_info("VMX: none (CPUID.1:ECX.VMX = 0)");
        return;
    }
    if (m->locked_off) {
        log_info("VMX: disabled by the firmware (IA32_FEATURE_CONTROL locked)");
        return;
    }
    char line[200], first[200];
    vmx_caps_summary(m, line, sizeof(line));
    /* The other CPUs say theirs (at info level) only where it differs from
     * the first CPU's: the configuration line after them counts them all. */
    const struct vmx_msrs *m0 = &vmx_cpu_caps[0];
    if (this_cpu_id() != 0 && m0->vmx && !m0->locked_off) {
        vmx_caps_summary(m0, first, sizeof(first));
        if (!strcmp(line, first)) {
            log_debug("VMX: %s", line);
            return;
        }
    }
    log_info("VMX: %s", line);
}

static void enable_here(void *arg)
{
    *(bool *)arg = hardware_enable();
}

static void disable_here(void *arg)
{
    (void)arg;
    hardware_disable(true);
}

static void report_warn(void *ctx, const char *msg)
{
    (void)ctx;
    log_warn("VMX: %s", msg);
}

static void report_line(void *ctx, const char *msg)
{
    (void)ctx;
    log_info("VMX report: %s", msg);
}

/* The nested profile (vmx/nested.c): what the hypervisor below lacks and
 * what Keel does instead; on a refusal, what to change on the host. */
static void nested_info(void *ctx, const char *msg)
{
    (void)ctx;
    log_info("VMX: %s", msg);
}

static void nested_hint(void *ctx, const char *msg)
{
    (void)ctx;
    log_err("VMX: %s", msg);
}

static void nested_report(unsigned in_vmx)
{
    struct vmx_nested nv;
    vmx_nested_detect(&vmx_cpu_caps[0], &nv);
    vmx_nested_report(&nv, vmx_cpu_caps, cpu_count, &vmcs_config, in_vmx, nested_info, NULL);
    if (!in_vmx)
        vmx_nested_hints(&nv, vmx_cpu_caps, cpu_count, nested_hint, NULL);
}

static __attribute__((noreturn)) void refuse_no_vmx(unsigned lacking)
{
    log_err("VMX: no CPU can run Keel: %u of %u have no VMX (CPUID.1:ECX.VMX[bit 5] = 0)%s",
            lacking, cpu_count, platform_kind() == PLATFORM_QEMU ? " in this QEMU" : "");
    log_err("VMX: on hardware, enable Intel Virtualization Technology (VT-x) in the firmware "
            "setup");
    log_err("VMX: under QEMU, use -enable-kvm -cpu host,+vmx on a host whose kvm_intel has "
            "nested=1; QEMU's TCG (no KVM) has no VMX");
    boot_fail("vmx", "Keel needs VMX");
}

/* Keel's stop paths leave VMX operation through these (kernel/panic.h). */
static bool stop_this_cpu(void)
{
    return this_cpu()->vmx_on && hardware_disable(false);
}

static const struct stop_hooks vmx_stop_hooks = {
    .cpu_off = stop_this_cpu, .all_off = vmx_shutdown, .what = "VMXOFF done: left VMX operation",
};

void vmx_init(bool report)
{
    stop_hooks_register(&vmx_stop_hooks);
    unsigned no_vmx = 0;
    for (unsigned i = 0; i < cpu_count; i++) {
        smp_call(cpus[i], read_caps_here, NULL);
        no_vmx += !vmx_cpu_caps[i].vmx;
    }
    if (no_vmx == cpu_count) {
        nested_report(0);
        refuse_no_vmx(no_vmx);
    }

    unsigned n = setup_vmcs_config(vmx_cpu_caps, cpu_count, &vmcs_config, report_warn, NULL);
    nested_report(n);
    if (!n)
        boot_fail("vmx", "no CPU has what Keel requires of VMX (see above)");
    if (keel_options.test == SELFTEST_NO_PREEMPTION_TIMER) {
        vmcs_config.ctl[VMX_PIN] &= ~VMX_PIN_PREEMPTION_TIMER;
        vmcs_config.ctl[VMX_EXIT] &= ~VMX_EXIT_SAVE_PREEMPT_TIMER;
        log_info("VMX: test=no-preemption-timer: the VMX-preemption timer is not used");
    }
    vmx_host_timer = !vmx_has_preemption_timer() && lapic_has_tsc_deadline();
    if (vmx_host_timer)
        log_info("VMX: no VMX-preemption timer: each CPU's local APIC timer (TSC-deadline "
                 "mode) bounds its guests' runs instead");
    const struct vmcs_config *c = &vmcs_config;
    log_info("VMX: one configuration for %u of %u CPUs: pin 0x%08x, proc 0x%08x, proc2 0x%08x, "
             "exit 0x%08x, entry 0x%08x, EPT/VPID 0x%llx", n, cpu_count, c->ctl[VMX_PIN],
             c->ctl[VMX_PROC], c->ctl[VMX_PROC2], c->ctl[VMX_EXIT], c->ctl[VMX_ENTRY],
             (unsigned long long)c->ept_vpid);
    if (report)
        vmcs_config_explain(c, vmx_cpu_caps, cpu_count, report_line, NULL);
    log_info("VMX: guests' local APICs: %s", vmx_has_apicv() ?
             "APIC virtualization (TPR shadow, APIC-register virtualization, virtual-interrupt "
             "delivery, APIC accesses and x2APIC mode virtualized)" :
             !keel_options.apicv ? "emulated (apicv=off)" :
             "emulated (the CPUs lack a control APIC virtualization needs)");
    vmx_bitmaps_init();
    spec_init();                        /* speculation mitigations (spec_ctrl.h) */

    unsigned on = 0;
    for (unsigned i = 0; i < cpu_count; i++) {
        bool ok = false;
        if (vmcs_config.in_vmx[i] && smp_call(cpus[i], enable_here, &ok) && ok)
            on++;
    }
    if (!on)
        boot_fail("vmx", "VMXON failed on every CPU (see above)");
    log_info("VMX: %u of %u CPUs in VMX root operation", on, cpu_count);
}

void vmx_shutdown(void)
{
    for (unsigned i = 0; i < cpu_count; i++)
        if (cpus[i]->vmx_on)
            smp_call(cpus[i], disable_here, NULL);
}

void vpid_flush(uint16_t vpid)
{
    bool single = vmcs_config.ept_vpid & VMX_EPT_VPID(INVVPID_SINGLE);
    enum vmx_result r = invvpid(single ? INVVPID_SINGLE_CONTEXT : INVVPID_ALL_CONTEXT, vpid);
    if (r != VMX_SUCCEED)
        panic("INVVPID (%s-context, VPID %u) failed: %s", single ? "single" : "all", vpid,
              vmx_result_name(r));
}
