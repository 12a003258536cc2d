/* The speculation-mitigation decision (spec_ctrl.h): pure. */
#include "vmx/spec_ctrl.h"

#include "kernel/lib/fmt.h"

/* An L1TF- or MDS-affected part says nothing to the contrary: with no
 * ARCH_CAPABILITIES it is affected, as KVM assumes for the Intel parts
 * of that time. Emulators do not speculate: nothing is needed. */
static bool l1tf_affected(const struct spec_cpu *c)
{
    return !c->emulated && !(c->arch_cap & ARCH_CAP_RDCL_NO);
}

static bool mds_affected(const struct spec_cpu *c)
{
    return !c->emulated && !(c->arch_cap & ARCH_CAP_MDS_NO);
}

struct spec_mitigations spec_decide(const struct spec_cpu *c)
{
    struct spec_mitigations m = { 0 };
    m.ibpb_between_guests = !c->emulated && c->ibrs_ibpb;
    m.l1d_flush_on_entry = l1tf_affected(c) && c->l1d_flush &&
                           !(c->arch_cap & ARCH_CAP_SKIP_L1DFL_VMENTRY);
    /* The L1D flush clears the buffers VERW would (KVM: the flush
     * implies mds_clear_cpu_buffers). */
    m.verw_on_entry = mds_affected(c) && c->md_clear && !m.l1d_flush_on_entry;
    /* Without enhanced IBRS a guest can leave return predictions for
     * Keel's RETs (KVM fills the RSB on every VM exit). */
    m.rsb_fill_on_exit = !c->emulated && !(c->arch_cap & ARCH_CAP_IBRS_ALL);
    return m;
}

static const char *state(bool on, bool needed, const char *off_why, const char *missing)
{
    return on ? "on" : needed ? missing : off_why;
}

void spec_describe(const struct spec_cpu *c, const struct spec_mitigations *m, char *buf,
                   unsigned size)
{
    if (c->emulated) {
        ksnprintf(buf, size, "none needed (an emulator: no speculative execution)");
        return;
    }
    bool l1d_needed = l1tf_affected(c) && !(c->arch_cap & ARCH_CAP_SKIP_L1DFL_VMENTRY);
    ksnprintf(buf, size,
              "IBPB between guests %s; L1D flush on VM entry %s; VERW on VM entry %s; "
              "RSB fill on VM exit %s",
              state(m->ibpb_between_guests, true, "", "MISSING (no IBPB)"),
              state(m->l1d_flush_on_entry, l1d_needed,
                    l1tf_affected(c) ? "off (ARCH_CAPABILITIES.SKIP_L1DFL_VMENTRY)"
                                     : "off (not affected: RDCL_NO)",
                    "MISSING (no IA32_FLUSH_CMD: update the microcode)"),
              state(m->verw_on_entry, mds_affected(c) && !m->l1d_flush_on_entry,
                    m->l1d_flush_on_entry ? "off (the L1D flush clears the buffers)"
                                          : "off (not affected: MDS_NO)",
                    "MISSING (no MD_CLEAR: update the microcode)"),
              state(m->rsb_fill_on_exit, false, "off (enhanced IBRS)", ""));
}
