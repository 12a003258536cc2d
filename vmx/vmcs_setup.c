/* Writing a vCPU's start state into its VMCS: the host state comes from
 * this CPU, the rest from vmcs_image_build (vmx/vmcs_image.c, pure). */
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "arch/x86/msr.h"
#include "kernel/lib/string.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "vmx/guest.h"
#include "vmx/event.h"
#include "vmx/guest_cpu.h"
#include "vmx/spec_ctrl.h"
#include "vmx/vmcs_image.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"

/* Shared, read only to the CPU. Two MSR bitmaps: the one every vCPU uses,
 * and the one for a vCPU whose x2APIC the CPU virtualizes. */
static uint64_t io_bitmap, msr_bitmap, msr_bitmap_x2apic;

/* MSRs a guest reads and writes directly (the MSR bitmap lets them
 * through): FS and GS bases, which the VMCS switches, and these, which it
 * does not but Keel never uses (no system calls, no SWAPGS); they are
 * reset between guests (scrub_cpu_state). */
const uint32_t guest_unswitched_msrs[GUEST_UNSWITCHED_MSRS] = {
    MSR_IA32_STAR, MSR_IA32_LSTAR, MSR_IA32_CSTAR, MSR_IA32_FMASK, MSR_IA32_KERNEL_GS_BASE,
};

/* SDM "MSR-Bitmap Address": read-low 0, read-high 1024, write-low 2048,
 * write-high 3072 bytes. */
#define MSR_BITMAP_WRITE 2048

static void msr_bitmap_pass(uint8_t *bm, uint32_t msr, unsigned which)
{
    uint32_t base = (msr >= 0xc0000000 ? 1024 : 0) + which, bit = msr & 0x1fff;
    bm[base + bit / 8] &= (uint8_t)~(1u << (bit % 8));
}

static void msr_bitmap_allow(uint8_t *bm, uint32_t msr)
{
    msr_bitmap_pass(bm, msr, 0);
    msr_bitmap_pass(bm, msr, MSR_BITMAP_WRITE);
}

/* With "virtualize x2APIC mode" and APIC-register virtualization, reads
 * of these x2APIC registers come from the virtual-APIC page, and writes of
 * TPR, EOI and SELF IPI are virtualized (SDM "Virtualizing MSR-Based APIC
 * Accesses"). Only the registers the SDM lists pass: any other MSR of the
 * range would reach the physical x2APIC. The current count is Keel's to
 * compute; every other write has an effect Keel carries out. */
static const uint16_t x2apic_virtualized_reads[] = {
    APIC_ID, APIC_VERSION, APIC_TPR, APIC_PPR, APIC_LDR, APIC_SVR,
    APIC_ISR0, APIC_ISR0 + 0x10, APIC_ISR0 + 0x20, APIC_ISR0 + 0x30,
    APIC_ISR0 + 0x40, APIC_ISR0 + 0x50, APIC_ISR0 + 0x60, APIC_ISR0 + 0x70,
    APIC_TMR0, APIC_TMR0 + 0x10, APIC_TMR0 + 0x20, APIC_TMR0 + 0x30,
    APIC_TMR0 + 0x40, APIC_TMR0 + 0x50, APIC_TMR0 + 0x60, APIC_TMR0 + 0x70,
    APIC_IRR0, APIC_IRR0 + 0x10, APIC_IRR0 + 0x20, APIC_IRR0 + 0x30,
    APIC_IRR0 + 0x40, APIC_IRR0 + 0x50, APIC_IRR0 + 0x60, APIC_IRR0 + 0x70,
    APIC_ESR, APIC_LVT_CMCI, APIC_ICR_LOW, APIC_LVT_TIMER, APIC_LVT_THERMAL,
    APIC_LVT_PMC, APIC_LVT_LINT0, APIC_LVT_LINT1, APIC_LVT_ERROR, APIC_TIMER_INITIAL,
    APIC_TIMER_DIVIDE,
};

static void msr_bitmap_x2apic_pass(uint8_t *bm)
{
    for (unsigned i = 0; i < sizeof(x2apic_virtualized_reads) / sizeof(uint16_t); i++)
        msr_bitmap_pass(bm, MSR_X2APIC_FIRST + x2apic_virtualized_reads[i] / 16, 0);
    msr_bitmap_pass(bm, MSR_X2APIC_FIRST + APIC_TPR / 16, MSR_BITMAP_WRITE);
    msr_bitmap_pass(bm, MSR_X2APIC_FIRST + APIC_EOI / 16, MSR_BITMAP_WRITE);
    msr_bitmap_pass(bm, MSR_X2APIC_FIRST + APIC_SELF_IPI / 16, MSR_BITMAP_WRITE);
}

uint64_t vmx_msr_bitmap(bool x2apic_virtualized)
{
    return x2apic_virtualized ? msr_bitmap_x2apic : msr_bitmap;
}

void vmx_bitmaps_init(void)
{
    guest_cpu_init();       /* what guests are shown: decides the MSRs below too */
    io_bitmap = mm_alloc_frames(2, FRAME_SIZE);         /* A: 0-0x7fff, B: 0x8000-0xffff */
    memset((void *)(uintptr_t)io_bitmap, 0xff, 2 * FRAME_SIZE);
    msr_bitmap = mm_alloc_frames(1, FRAME_SIZE);
    uint8_t *bm = (uint8_t *)(uintptr_t)msr_bitmap;
    memset(bm, 0xff, FRAME_SIZE);
    msr_bitmap_allow(bm, MSR_IA32_FS_BASE);
    msr_bitmap_allow(bm, MSR_IA32_GS_BASE);
    for (unsigned i = 0; i < GUEST_UNSWITCHED_MSRS; i++)
        msr_bitmap_allow(bm, guest_unswitched_msrs[i]);
    /* IBPB: a command, no state to switch; reads stay #GP (write-only). */
    if (guest_cpuid_facts.ibpb_ok)
        msr_bitmap_pass(bm, MSR_IA32_PRED_CMD, MSR_BITMAP_WRITE);
    msr_bitmap_x2apic = mm_alloc_frames(1, FRAME_SIZE);
    memcpy((void *)(uintptr_t)msr_bitmap_x2apic, bm, FRAME_SIZE);
    msr_bitmap_x2apic_pass((uint8_t *)(uintptr_t)msr_bitmap_x2apic);
}

static struct vmcs_host this_host(void)
{
    struct percpu *cpu = this_cpu();
    struct desc_ptr gdtr, idtr;
    asm volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
    return (struct vmcs_host){
        .cr0 = read_cr0(), .cr3 = read_cr3(), .cr4 = read_cr4(),
        .efer = rdmsr(MSR_IA32_EFER), .pat = rdmsr(MSR_IA32_PAT),
        .gdtr_base = gdtr.base, .idtr_base = idtr.base,
        .tr_base = (uint64_t)(uintptr_t)&cpu->tss, .gs_base = (uint64_t)(uintptr_t)cpu,
        .rip = (uint64_t)(uintptr_t)(spec_on_entry_path(&spec) ? vmx_exit_stub_mitigated
                                                                : vmx_exit_stub),
    };
}

void vmcs_build(struct vcpu *v, struct vmcs_image *img)
{
    bool timer = vmx_has_preemption_timer();
    struct vmcs_host host = this_host();
    bool x2apic = vlapic_x2apic_mode(&v->apic);
    struct vmcs_start start = {
        .apicv = v->apicv, .x2apic = x2apic,
        .virtual_apic_page = (uint64_t)(uintptr_t)v->apic.page,
        .apic_access_page = v->guest->apic_access,
        .guest = &v->guest->cfg, .vcpu = &v->start, .config = &vmcs_config, .caps = &vmx_cpu_caps[this_cpu_id()],
        .host = &host, .eptp = ept_pointer(&v->guest->ept), .io_bitmap_a = io_bitmap,
        .io_bitmap_b = io_bitmap + FRAME_SIZE, .msr_bitmap = vmx_msr_bitmap(v->apicv && x2apic), .vpid = v->vpid,
        /* Always on where the CPU has it: the budget, the APIC timer and
         * the watchdog (vmx/event.h); the pre-entry step sets it. */
        .preemption_timer = timer ? vmx_preemption_timer_value(vcpu_watchdog_ticks(), v->preempt_shift) : 0,
    };
    vmcs_image_build(img, &start);
}

void vmcs_load(const struct vmcs_image *img)
{
    for (unsigned i = 0; i < vmcs_field_count && i < VMCS_IMAGE_FIELDS; i++)
        if (img->set[i])
            vmwrite(vmcs_fields[i].encoding, img->val[i]);
}
