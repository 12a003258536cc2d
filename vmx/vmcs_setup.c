/* Filling a vCPU's VMCS (SDM "Virtual-Machine Control Structures" and
 * "Checks on Guest State Area" for the values each start mode needs). */
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "arch/x86/msr.h"
#include "kernel/lib/string.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "vmx/guest.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"


/* Segment access rights (SDM "Format of the Guest-State Area") */
#define AR_CODE16    0x009b     /* present, S, code exec/read, accessed */
#define AR_DATA16    0x0093
#define AR_CODE32    0xc09b     /* + D/B, G */
#define AR_DATA32    0xc093
#define AR_CODE64    0xa09b     /* + L, G */
#define AR_TSS_BUSY  0x008b     /* present, 32/64-bit busy TSS */
#define AR_LDT       0x0082
#define AR_UNUSABLE  0x10000

#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define CR0_ET   (1ull << 4)
#define CR0_NE   (1ull << 5)
#define PAT_DEFAULT 0x0007040600070406ull
#define DR7_DEFAULT 0x400
#define RFLAGS_FIXED 0x2

static uint64_t io_bitmap, msr_bitmap;      /* shared, read only to the CPU */

/* MSRs a guest reads and writes directly: state the VMCS does not switch
 * but Keel never uses (it makes no system calls and does no SWAPGS). */
static const uint32_t passthrough_msrs[] = {
    0xc0000081, /* STAR */ 0xc0000082, /* LSTAR */ 0xc0000083, /* CSTAR */
    0xc0000084, /* SFMASK */ MSR_IA32_FS_BASE, MSR_IA32_GS_BASE, MSR_IA32_KERNEL_GS_BASE,
};

static void msr_bitmap_allow(uint8_t *bm, uint32_t msr)
{
    /* read-low 0, read-high 1024, write-low 2048, write-high 3072 bytes */
    uint32_t base = msr >= 0xc0000000 ? 1024 : 0, bit = msr & 0x1fff;
    bm[base + bit / 8] &= (uint8_t)~(1u << (bit % 8));
    bm[2048 + base + bit / 8] &= (uint8_t)~(1u << (bit % 8));
}

void vmx_bitmaps_init(void)
{
    io_bitmap = mm_alloc_frames(2, FRAME_SIZE);         /* A: 0-0x7fff, B: 0x8000-0xffff */
    memset((void *)(uintptr_t)io_bitmap, 0xff, 2 * FRAME_SIZE);
    msr_bitmap = mm_alloc_frames(1, FRAME_SIZE);
    uint8_t *bm = (uint8_t *)(uintptr_t)msr_bitmap;
    memset(bm, 0xff, FRAME_SIZE);
    for (unsigned i = 0; i < sizeof(passthrough_msrs) / sizeof(passthrough_msrs[0]); i++)
        msr_bitmap_allow(bm, passthrough_msrs[i]);
}

static void host_state(void)
{
    struct percpu *cpu = this_cpu();
    struct desc_ptr gdtr, idtr;
    asm volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
    vmwrite(VMCS_HOST_CR0, read_cr0());
    vmwrite(VMCS_HOST_CR3, read_cr3());
    vmwrite(VMCS_HOST_CR4, read_cr4());
    vmwrite(VMCS_HOST_CS_SELECTOR, GDT_KERNEL_CS);
    vmwrite(VMCS_HOST_SS_SELECTOR, GDT_KERNEL_DS);
    vmwrite(VMCS_HOST_DS_SELECTOR, GDT_KERNEL_DS);
    vmwrite(VMCS_HOST_ES_SELECTOR, GDT_KERNEL_DS);
    vmwrite(VMCS_HOST_FS_SELECTOR, 0);
    vmwrite(VMCS_HOST_GS_SELECTOR, 0);
    vmwrite(VMCS_HOST_TR_SELECTOR, GDT_TSS);
    vmwrite(VMCS_HOST_FS_BASE, 0);
    vmwrite(VMCS_HOST_GS_BASE, (uint64_t)(uintptr_t)cpu);
    vmwrite(VMCS_HOST_TR_BASE, (uint64_t)(uintptr_t)&cpu->tss);
    vmwrite(VMCS_HOST_GDTR_BASE, gdtr.base);
    vmwrite(VMCS_HOST_IDTR_BASE, idtr.base);
    vmwrite(VMCS_HOST_IA32_SYSENTER_CS, 0);
    vmwrite(VMCS_HOST_IA32_SYSENTER_ESP, 0);
    vmwrite(VMCS_HOST_IA32_SYSENTER_EIP, 0);
    vmwrite(VMCS_HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
    if (vmcs_config.ctl[VMX_EXIT] & VMX_EXIT_LOAD_PAT)
        vmwrite(VMCS_HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
    vmwrite(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_stub);
    /* HOST_RSP: written by vmx_enter, which knows its stack */
}

static void segment(uint32_t sel_field, uint16_t sel, uint64_t base, uint32_t limit, uint32_t ar)
{
    /* The selector, base, limit and access-rights fields of one segment
     * are at the same offset in each group (SDM Appendix B). */
    uint32_t i = sel_field - VMCS_GUEST_ES_SELECTOR;
    vmwrite(sel_field, sel);
    vmwrite(VMCS_GUEST_ES_BASE + i, base);
    vmwrite(VMCS_GUEST_ES_LIMIT + i, limit);
    vmwrite(VMCS_GUEST_ES_AR_BYTES + i, ar);
}

/* The bits Keel owns in CR0/CR4: fixed to 1 or 0 by VMX. Guests write the
 * others freely; reads of the owned ones come from the read shadow. */
static uint64_t owned_bits(uint64_t fixed0, uint64_t fixed1)
{
    return (fixed0 | ~fixed1) & 0xffffffffull;
}

static void guest_state(struct vcpu *v, const struct vmx_msrs *m)
{
    const struct guest_config *c = &v->guest->cfg;
    bool ug = vmcs_config.ctl[VMX_PROC2] & VMX_PROC2_UNRESTRICTED_GUEST;
    uint64_t cr0_fixed0 = m->msr[VMXCAP_CR0_FIXED0];
    if (ug)
        cr0_fixed0 &= ~(X86_CR0_PE | X86_CR0_PG);   /* unrestricted guest: may be 0 */
    uint64_t cr0 = CR0_ET, cr4 = 0, efer = 0;
    uint32_t code_ar = AR_CODE16, data_ar = AR_DATA16, limit = 0xffff;

    switch (c->mode) {
    case GUEST_REAL16:
        break;
    case GUEST_PROT32:
        cr0 |= X86_CR0_PE;
        code_ar = AR_CODE32, data_ar = AR_DATA32, limit = 0xffffffff;
        break;
    case GUEST_LONG64:
        cr0 |= X86_CR0_PE | X86_CR0_PG | CR0_NE;
        cr4 |= X86_CR4_PAE;
        efer = EFER_LME | EFER_LMA;
        code_ar = AR_CODE64, data_ar = AR_DATA32, limit = 0xffffffff;
        vmwrite(VMCS_GUEST_CR3, c->mem - GUEST_PT_PAGES(c->mem) * 4096);
        break;
    }
    vmwrite(VMCS_CR0_GUEST_HOST_MASK, owned_bits(cr0_fixed0, m->msr[VMXCAP_CR0_FIXED1]));
    vmwrite(VMCS_CR4_GUEST_HOST_MASK,
            owned_bits(m->msr[VMXCAP_CR4_FIXED0], m->msr[VMXCAP_CR4_FIXED1]));
    vmwrite(VMCS_CR0_READ_SHADOW, cr0);
    vmwrite(VMCS_CR4_READ_SHADOW, cr4);
    vmwrite(VMCS_GUEST_CR0, (cr0 | cr0_fixed0) & m->msr[VMXCAP_CR0_FIXED1]);
    vmwrite(VMCS_GUEST_CR4, (cr4 | m->msr[VMXCAP_CR4_FIXED0]) & m->msr[VMXCAP_CR4_FIXED1]);
    if (c->mode != GUEST_LONG64)
        vmwrite(VMCS_GUEST_CR3, 0);
    vmwrite(VMCS_GUEST_IA32_EFER, efer);

    segment(VMCS_GUEST_CS_SELECTOR, 0, 0, limit, code_ar);
    uint32_t data_segs[] = { VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_ES_SELECTOR,
                             VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_FS_SELECTOR,
                             VMCS_GUEST_GS_SELECTOR };
    for (unsigned i = 0; i < 5; i++)
        segment(data_segs[i], 0, 0, limit, data_ar);
    segment(VMCS_GUEST_TR_SELECTOR, 0, 0, 0xffff, AR_TSS_BUSY);
    segment(VMCS_GUEST_LDTR_SELECTOR, 0, 0, 0, AR_UNUSABLE);
    vmwrite(VMCS_GUEST_GDTR_BASE, 0);
    vmwrite(VMCS_GUEST_GDTR_LIMIT, 0xffff);
    vmwrite(VMCS_GUEST_IDTR_BASE, 0);
    vmwrite(VMCS_GUEST_IDTR_LIMIT, 0xffff);

    vmwrite(VMCS_GUEST_RIP, c->entry);
    vmwrite(VMCS_GUEST_RSP, c->load);           /* the stack grows down below the image */
    vmwrite(VMCS_GUEST_RFLAGS, RFLAGS_FIXED);
    vmwrite(VMCS_GUEST_DR7, DR7_DEFAULT);
    vmwrite(VMCS_GUEST_IA32_DEBUGCTL, 0);
    vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
    vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
    vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
    if (vmcs_config.ctl[VMX_ENTRY] & VMX_ENTRY_LOAD_PAT)
        vmwrite(VMCS_GUEST_IA32_PAT, PAT_DEFAULT);
    vmwrite(VMCS_GUEST_INTERRUPTIBILITY_INFO, 0);
    vmwrite(VMCS_GUEST_ACTIVITY_STATE, 0);
    vmwrite(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
    vmwrite(VMCS_VMCS_LINK_POINTER, ~0ull);
}

void vmcs_setup(struct vcpu *v)
{
    const struct vmcs_config *cfg = &vmcs_config;
    const struct vmx_msrs *m = &vmx_cpu_caps[this_cpu_id()];
    bool long64 = v->guest->cfg.mode == GUEST_LONG64;

    /* The common configuration, less what these guests do not use yet. */
    vmwrite(VMCS_PIN_BASED_VM_EXEC_CONTROL, cfg->ctl[VMX_PIN] & ~VMX_PIN_PREEMPTION_TIMER);
    vmwrite(VMCS_CPU_BASED_VM_EXEC_CONTROL, cfg->ctl[VMX_PROC]);
    vmwrite(VMCS_SECONDARY_VM_EXEC_CONTROL, cfg->ctl[VMX_PROC2]);
    vmwrite(VMCS_VM_EXIT_CONTROLS, cfg->ctl[VMX_EXIT] & ~VMX_EXIT_SAVE_PREEMPT_TIMER);
    vmwrite(VMCS_VM_ENTRY_CONTROLS,
            cfg->ctl[VMX_ENTRY] | (long64 ? VMX_ENTRY_IA32E_MODE_GUEST : 0));
    vmwrite(VMCS_EXCEPTION_BITMAP, 0);
    vmwrite(VMCS_PAGE_FAULT_ERROR_CODE_MASK, 0);
    vmwrite(VMCS_PAGE_FAULT_ERROR_CODE_MATCH, 0);
    vmwrite(VMCS_CR3_TARGET_COUNT, 0);
    vmwrite(VMCS_VM_EXIT_MSR_STORE_COUNT, 0);
    vmwrite(VMCS_VM_EXIT_MSR_LOAD_COUNT, 0);
    vmwrite(VMCS_VM_ENTRY_MSR_LOAD_COUNT, 0);
    vmwrite(VMCS_VM_ENTRY_INTR_INFO_FIELD, 0);
    vmwrite(VMCS_IO_BITMAP_A, io_bitmap);
    vmwrite(VMCS_IO_BITMAP_B, io_bitmap + FRAME_SIZE);
    vmwrite(VMCS_MSR_BITMAP, msr_bitmap);
    vmwrite(VMCS_TSC_OFFSET, 0);
    vmwrite(VMCS_EPT_POINTER, ept_pointer(&v->guest->ept));
    vmwrite(VMCS_VIRTUAL_PROCESSOR_ID, v->vpid);
    if (cfg->ctl[VMX_PROC2] & VMX_PROC2_ENABLE_XSAVES)
        vmwrite(VMCS_XSS_EXIT_BITMAP, 0);
    host_state();
    guest_state(v, m);
}
