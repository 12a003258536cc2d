// unit: vmx/spec_decide.c kernel/lib/fmt.c
#include "vmx/spec_ctrl.h"
#include "unit.h"

static char line[400];

static struct spec_mitigations decide(struct spec_cpu c)
{
    struct spec_mitigations m = spec_decide(&c);
    spec_describe(&c, &m, line, sizeof(line));
    return m;
}

TEST(emulator_needs_nothing)
{
    struct spec_mitigations m = decide((struct spec_cpu){ .emulated = true, .ibrs_ibpb = true,
                                                          .l1d_flush = true, .md_clear = true });
    CHECK(!m.ibpb_between_guests && !m.l1d_flush_on_entry && !m.verw_on_entry &&
          !m.rsb_fill_on_exit);
    CHECK(!spec_on_entry_path(&m));
    CHECK_HAS(line, "none needed (an emulator");
}

/* A Skylake-era part with updated microcode: no ARCH_CAPABILITIES, every
 * control enumerated: IBPB, the L1D flush (which also clears the
 * buffers: no VERW), the RSB fill. */
TEST(affected_part_with_microcode)
{
    struct spec_mitigations m = decide((struct spec_cpu){ .ibrs_ibpb = true, .l1d_flush = true,
                                                          .md_clear = true });
    CHECK(m.ibpb_between_guests && m.l1d_flush_on_entry && !m.verw_on_entry &&
          m.rsb_fill_on_exit);
    CHECK(spec_on_entry_path(&m));
    CHECK_HAS(line, "L1D flush on VM entry on");
    CHECK_HAS(line, "VERW on VM entry off (the L1D flush clears the buffers)");
}

TEST(affected_part_without_microcode_says_missing)
{
    struct spec_mitigations m = decide((struct spec_cpu){ 0 });
    CHECK(!m.ibpb_between_guests && !m.l1d_flush_on_entry && !m.verw_on_entry);
    CHECK(m.rsb_fill_on_exit);              /* software alone: always possible */
    CHECK_HAS(line, "IBPB between guests MISSING");
    CHECK_HAS(line, "L1D flush on VM entry MISSING (no IA32_FLUSH_CMD");
    CHECK_HAS(line, "VERW on VM entry MISSING (no MD_CLEAR");
}

/* Cascade Lake-like: not L1TF-affected (RDCL_NO), SKIP_L1DFL, still MDS:
 * VERW; enhanced IBRS: no RSB fill. */
TEST(rdcl_no_part_uses_verw)
{
    struct spec_mitigations m = decide((struct spec_cpu){
        .ibrs_ibpb = true, .l1d_flush = true, .md_clear = true, .arch_capabilities = true,
        .arch_cap = ARCH_CAP_RDCL_NO | ARCH_CAP_IBRS_ALL | ARCH_CAP_SKIP_L1DFL_VMENTRY });
    CHECK(!m.l1d_flush_on_entry && m.verw_on_entry && !m.rsb_fill_on_exit);
    CHECK_HAS(line, "L1D flush on VM entry off (not affected: RDCL_NO)");
    CHECK_HAS(line, "RSB fill on VM exit off (enhanced IBRS)");
}

/* Ice Lake-like: not affected by L1TF or MDS, enhanced IBRS: only IBPB,
 * and the plain entry path. */
TEST(unaffected_part_takes_the_plain_path)
{
    struct spec_mitigations m = decide((struct spec_cpu){
        .ibrs_ibpb = true, .md_clear = true, .arch_capabilities = true,
        .arch_cap = ARCH_CAP_RDCL_NO | ARCH_CAP_MDS_NO | ARCH_CAP_IBRS_ALL |
                    ARCH_CAP_SKIP_L1DFL_VMENTRY });
    CHECK(m.ibpb_between_guests && !spec_on_entry_path(&m));
    CHECK_HAS(line, "VERW on VM entry off (not affected: MDS_NO)");
}
