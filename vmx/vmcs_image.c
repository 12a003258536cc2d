/* A vCPU's start state as data (SDM "Virtual-Machine Control Structures";
 * "Checks on Guest State Area" for what each start mode needs). */
#include "vmx/vmcs_image.h"
#include "arch/x86/desc.h"
#include "arch/x86/x86.h"
#include "kernel/lib/string.h"

/* Segment access rights (SDM "Format of the Guest-State Area") */
#define AR_CODE16    0x009b     /* present, S, code exec/read, accessed */
#define AR_DATA16    0x0093
#define AR_CODE32    0xc09b     /* + D/B, G */
#define AR_DATA32    0xc093
#define AR_CODE64    0xa09b     /* + L, G */
#define AR_TSS_BUSY  0x008b     /* present, 32/64-bit busy TSS */

#define DR7_DEFAULT 0x400


static int field_index(uint32_t field)
{
    for (unsigned i = 0; i < vmcs_field_count && i < VMCS_IMAGE_FIELDS; i++)
        if (vmcs_fields[i].encoding == field)
            return (int)i;
    return -1;
}

uint64_t img_get(const struct vmcs_image *img, uint32_t field)
{
    int i = field_index(field);
    return i >= 0 ? img->val[i] : 0;
}

bool img_has(const struct vmcs_image *img, uint32_t field)
{
    int i = field_index(field);
    return i >= 0 && img->set[i];
}

void img_set(struct vmcs_image *img, uint32_t field, uint64_t v)
{
    int i = field_index(field);
    if (i >= 0) {
        img->val[i] = v;
        img->set[i] = true;
    }
}

static void segment(struct vmcs_image *img, uint32_t sel_field, uint64_t base, uint32_t limit,
                    uint32_t ar)
{
    /* The selector, base, limit and access-rights fields of one segment
     * are at the same offset in each group (SDM Appendix B). */
    uint32_t i = sel_field - VMCS_GUEST_ES_SELECTOR;
    img_set(img, sel_field, 0);
    img_set(img, VMCS_GUEST_ES_BASE + i, base);
    img_set(img, VMCS_GUEST_ES_LIMIT + i, limit);
    img_set(img, VMCS_GUEST_ES_AR_BYTES + i, ar);
}

/* The bits Keel owns in CR0/CR4: fixed to 1 or 0 by VMX. Guests write the
 * others freely; reads of the owned ones come from the read shadow. */
static uint64_t owned_bits(uint64_t fixed0, uint64_t fixed1)
{
    return (fixed0 | ~fixed1) & 0xffffffffull;
}

#define APICV_PROC2 (VMX_PROC2_VIRT_APIC_ACCESSES | VMX_PROC2_VIRT_X2APIC_MODE | \
                     VMX_PROC2_APIC_REGISTER_VIRT | VMX_PROC2_VIRT_INTR_DELIVERY)

bool vmcs_config_has_apicv(const struct vmcs_config *cfg)
{
    return (cfg->ctl[VMX_PROC] & VMX_PROC_TPR_SHADOW) &&
           (cfg->ctl[VMX_PROC2] & APICV_PROC2) == APICV_PROC2;
}

void vmcs_apic_controls(const struct vmcs_config *cfg, bool apicv, bool x2apic, uint32_t *proc,
                        uint32_t *proc2)
{
    *proc = cfg->ctl[VMX_PROC];
    *proc2 = cfg->ctl[VMX_PROC2];
    if (!apicv) {
        *proc &= ~(uint32_t)VMX_PROC_TPR_SHADOW;
        *proc2 &= ~(uint32_t)APICV_PROC2;
        return;
    }
    /* MOV to/from CR8 uses the virtual TPR. The two virtualize controls
     * exclude each other (SDM "Checks on VMX Controls"). */
    *proc &= ~(uint32_t)(VMX_PROC_CR8_LOAD_EXITING | VMX_PROC_CR8_STORE_EXITING);
    *proc2 &= ~(uint32_t)(x2apic ? VMX_PROC2_VIRT_APIC_ACCESSES : VMX_PROC2_VIRT_X2APIC_MODE);
}

static void set_zero(struct vmcs_image *img, const uint32_t *fields, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        img_set(img, fields[i], 0);
}

static void controls(struct vmcs_image *img, const struct vmcs_start *s)
{
    const struct vmcs_config *cfg = s->config;
    bool long64 = s->vcpu->mode == GUEST_LONG64;
    /* The common configuration. The VMX-preemption timer, when the CPU
     * has it, counts to the guest's next timer event (its time budget, its
     * APIC timer, the watchdog), across exits: "save VMX-preemption timer
     * value". */
    bool timer = s->preemption_timer != 0;
    img_set(img, VMCS_PIN_BASED_VM_EXEC_CONTROL,
            cfg->ctl[VMX_PIN] & ~(timer ? 0 : VMX_PIN_PREEMPTION_TIMER));
    uint32_t proc, proc2;
    vmcs_apic_controls(cfg, s->apicv, s->x2apic, &proc, &proc2);
    img_set(img, VMCS_CPU_BASED_VM_EXEC_CONTROL, proc);
    img_set(img, VMCS_SECONDARY_VM_EXEC_CONTROL, proc2);
    if (s->apicv) {
        /* Nothing is level-triggered: no EOI exits; no TPR threshold with
         * virtual-interrupt delivery; RVI and SVI start at 0. */
        static const uint32_t apic_zero[] = {
            VMCS_TPR_THRESHOLD, VMCS_EOI_EXIT_BITMAP0, VMCS_EOI_EXIT_BITMAP1,
            VMCS_EOI_EXIT_BITMAP2, VMCS_EOI_EXIT_BITMAP3, VMCS_GUEST_INTR_STATUS,
        };
        set_zero(img, apic_zero, sizeof(apic_zero) / sizeof(apic_zero[0]));
        img_set(img, VMCS_VIRTUAL_APIC_PAGE_ADDR, s->virtual_apic_page);
        img_set(img, VMCS_APIC_ACCESS_ADDR, s->apic_access_page);
    }
    img_set(img, VMCS_VM_EXIT_CONTROLS,
            cfg->ctl[VMX_EXIT] & ~(timer ? 0 : VMX_EXIT_SAVE_PREEMPT_TIMER));
    if (timer)
        img_set(img, VMCS_VMX_PREEMPTION_TIMER_VALUE, s->preemption_timer);
    img_set(img, VMCS_VM_ENTRY_CONTROLS,
            cfg->ctl[VMX_ENTRY] | (long64 ? VMX_ENTRY_IA32E_MODE_GUEST : 0));
    /* #DB and #AC exit, to be reflected (vmx/exit_event.c): a guest
     * whose delivery of one raises it again (a data breakpoint on its own
     * #DB frame, a misaligned #AC frame: the CVE-2015-8104 and -5307
     * patterns) then loops through Keel, where its budget and a stop
     * reach it, not inside the CPU for ever (KVM and Xen do the same). */
    img_set(img, VMCS_EXCEPTION_BITMAP, 1u << 1 | 1u << 17);
    static const uint32_t zero[] = {
        VMCS_PAGE_FAULT_ERROR_CODE_MASK, VMCS_PAGE_FAULT_ERROR_CODE_MATCH,
        VMCS_CR3_TARGET_COUNT, VMCS_VM_EXIT_MSR_STORE_COUNT, VMCS_VM_EXIT_MSR_LOAD_COUNT,
        VMCS_VM_ENTRY_MSR_LOAD_COUNT, VMCS_VM_ENTRY_INTR_INFO_FIELD, VMCS_TSC_OFFSET,
    };
    set_zero(img, zero, sizeof(zero) / sizeof(zero[0]));
    img_set(img, VMCS_IO_BITMAP_A, s->io_bitmap_a);
    img_set(img, VMCS_IO_BITMAP_B, s->io_bitmap_b);
    img_set(img, VMCS_MSR_BITMAP, s->msr_bitmap);
    img_set(img, VMCS_EPT_POINTER, s->eptp);
    img_set(img, VMCS_VIRTUAL_PROCESSOR_ID, s->vpid);
    if (cfg->ctl[VMX_PROC2] & VMX_PROC2_ENABLE_XSAVES)
        img_set(img, VMCS_XSS_EXIT_BITMAP, 0);
}

static void host_state(struct vmcs_image *img, const struct vmcs_start *s)
{
    const struct vmcs_host *h = s->host;
    img_set(img, VMCS_HOST_CR0, h->cr0);
    img_set(img, VMCS_HOST_CR3, h->cr3);
    img_set(img, VMCS_HOST_CR4, h->cr4);
    img_set(img, VMCS_HOST_CS_SELECTOR, GDT_KERNEL_CS);
    img_set(img, VMCS_HOST_SS_SELECTOR, GDT_KERNEL_DS);
    img_set(img, VMCS_HOST_DS_SELECTOR, GDT_KERNEL_DS);
    img_set(img, VMCS_HOST_ES_SELECTOR, GDT_KERNEL_DS);
    img_set(img, VMCS_HOST_FS_SELECTOR, 0);
    img_set(img, VMCS_HOST_GS_SELECTOR, 0);
    img_set(img, VMCS_HOST_TR_SELECTOR, GDT_TSS);
    img_set(img, VMCS_HOST_FS_BASE, 0);
    img_set(img, VMCS_HOST_GS_BASE, h->gs_base);
    img_set(img, VMCS_HOST_TR_BASE, h->tr_base);
    img_set(img, VMCS_HOST_GDTR_BASE, h->gdtr_base);
    img_set(img, VMCS_HOST_IDTR_BASE, h->idtr_base);
    img_set(img, VMCS_HOST_IA32_SYSENTER_CS, 0);
    img_set(img, VMCS_HOST_IA32_SYSENTER_ESP, 0);
    img_set(img, VMCS_HOST_IA32_SYSENTER_EIP, 0);
    img_set(img, VMCS_HOST_IA32_EFER, h->efer);
    if (s->config->ctl[VMX_EXIT] & VMX_EXIT_LOAD_PAT)
        img_set(img, VMCS_HOST_IA32_PAT, h->pat);
    img_set(img, VMCS_HOST_RIP, h->rip);
    /* HOST_RSP: written by vmx_run, which knows its stack */
}

static void guest_state(struct vmcs_image *img, const struct vmcs_start *s)
{
    const struct vcpu_start *c = s->vcpu;
    const struct vmx_msrs *m = s->caps;
    uint64_t cr0_fixed0 = vmx_guest_cr0_fixed0(m, s->config->ctl[VMX_PROC2]);
    uint64_t cr0 = X86_CR0_ET, cr4 = 0, efer = 0, cr3 = 0;
    uint32_t code_ar = AR_CODE16, data_ar = AR_DATA16, limit = 0xffff;

    switch (c->mode) {
    case GUEST_REAL16:
        break;
    case GUEST_PROT32:
        cr0 |= X86_CR0_PE;
        code_ar = AR_CODE32, data_ar = AR_DATA32, limit = 0xffffffff;
        break;
    case GUEST_LONG64:
        cr0 |= X86_CR0_PE | X86_CR0_PG | X86_CR0_NE;
        cr4 |= X86_CR4_PAE;
        efer = X86_EFER_LME | X86_EFER_LMA;
        code_ar = AR_CODE64, data_ar = AR_DATA32, limit = 0xffffffff;
        cr3 = c->cr3;
        break;
    }
    /* CD and NW too: VM entries and exits never change them, so a guest's
     * setting would stay with the CPU, for Keel and the next guest. */
    img_set(img, VMCS_CR0_GUEST_HOST_MASK,
            owned_bits(cr0_fixed0, m->msr[VMXCAP_CR0_FIXED1]) | X86_CR0_CD | X86_CR0_NW);
    img_set(img, VMCS_CR4_GUEST_HOST_MASK,
            owned_bits(m->msr[VMXCAP_CR4_FIXED0], m->msr[VMXCAP_CR4_FIXED1]));
    img_set(img, VMCS_CR0_READ_SHADOW, cr0);
    img_set(img, VMCS_CR4_READ_SHADOW, cr4);
    img_set(img, VMCS_GUEST_CR0, (cr0 | cr0_fixed0) & m->msr[VMXCAP_CR0_FIXED1]);
    img_set(img, VMCS_GUEST_CR4, (cr4 | m->msr[VMXCAP_CR4_FIXED0]) & m->msr[VMXCAP_CR4_FIXED1]);
    img_set(img, VMCS_GUEST_CR3, cr3);
    img_set(img, VMCS_GUEST_IA32_EFER, efer);

    segment(img, VMCS_GUEST_CS_SELECTOR, c->cs_base, limit, code_ar);
    img_set(img, VMCS_GUEST_CS_SELECTOR, c->cs_selector);
    static const uint32_t data_segs[] = { VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_ES_SELECTOR,
                                          VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_FS_SELECTOR,
                                          VMCS_GUEST_GS_SELECTOR };
    for (unsigned i = 0; i < 5; i++) {
        segment(img, data_segs[i], 0, limit, data_ar);
        img_set(img, data_segs[i], c->ds_selector);
    }
    segment(img, VMCS_GUEST_TR_SELECTOR, 0, 0xffff, AR_TSS_BUSY);
    segment(img, VMCS_GUEST_LDTR_SELECTOR, 0, 0, VMX_AR_UNUSABLE);
    img_set(img, VMCS_GUEST_GDTR_BASE, c->gdtr_limit ? c->gdtr_base : 0);
    img_set(img, VMCS_GUEST_GDTR_LIMIT, c->gdtr_limit ? c->gdtr_limit : 0xffff);
    img_set(img, VMCS_GUEST_IDTR_BASE, 0);
    img_set(img, VMCS_GUEST_IDTR_LIMIT, 0xffff);

    img_set(img, VMCS_GUEST_RIP, c->rip);
    img_set(img, VMCS_GUEST_RSP, c->rsp);
    img_set(img, VMCS_GUEST_RFLAGS, X86_RFLAGS_FIXED);
    img_set(img, VMCS_GUEST_DR7, DR7_DEFAULT);
    img_set(img, VMCS_GUEST_IA32_DEBUGCTL, 0);
    img_set(img, VMCS_GUEST_SYSENTER_CS, 0);
    img_set(img, VMCS_GUEST_SYSENTER_ESP, 0);
    img_set(img, VMCS_GUEST_SYSENTER_EIP, 0);
    if (s->config->ctl[VMX_ENTRY] & VMX_ENTRY_LOAD_PAT)
        img_set(img, VMCS_GUEST_IA32_PAT, X86_PAT_POWER_ON);
    img_set(img, VMCS_GUEST_INTERRUPTIBILITY_INFO, 0);
    img_set(img, VMCS_GUEST_ACTIVITY_STATE, 0);
    img_set(img, VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
    img_set(img, VMCS_VMCS_LINK_POINTER, ~0ull);
}

/* break=: one deliberate mistake in an otherwise valid start state. */
static void apply_break(struct vmcs_image *img, enum guest_break b)
{
    switch (b) {
    case BREAK_NONE:
        break;
    case BREAK_CS_L_AND_D:
        img_set(img, VMCS_GUEST_CS_AR_BYTES, img_get(img, VMCS_GUEST_CS_AR_BYTES) | VMX_AR_DB);
        break;
    case BREAK_PG_WITHOUT_PE:
        img_set(img, VMCS_GUEST_CR0, (img_get(img, VMCS_GUEST_CR0) | X86_CR0_PG) & ~X86_CR0_PE);
        break;
    case BREAK_LINK_POINTER:
        img_set(img, VMCS_VMCS_LINK_POINTER, 0x1000);
        break;
    }
}

void vmcs_image_build(struct vmcs_image *img, const struct vmcs_start *s)
{
    memset(img, 0, sizeof(*img));
    controls(img, s);
    host_state(img, s);
    guest_state(img, s);
    apply_break(img, (enum guest_break)s->guest->brk);
}
