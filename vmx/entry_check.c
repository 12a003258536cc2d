#include "vmx/entry_check.h"
#include "arch/x86/x86.h"
#include "kernel/lib/fmt.h"

/* IA32_VMX_EPT_VPID_CAP bit 8: uncacheable EPT paging structures (Keel
 * uses write-back, vmx/ept_vpid.def, but an EPTP may say UC). */
#define EPT_VPID_UC_MEMTYPE (1ull << 8)

#define S_CONTROLS "Checks on VMX Controls"
#define S_HOST     "Checks on Host Control Registers, MSRs and Segment Registers"
#define S_GUEST_CR "Checks on Guest Control Registers, Debug Registers, and MSRs"
#define S_GUEST_SEG "Checks on Guest Segment Registers"
#define S_GUEST_DT "Checks on Guest Descriptor-Table Registers"
#define S_GUEST_RIP "Checks on Guest RIP, RFLAGS, and SSP"
#define S_GUEST_NONREG "Checks on Guest Non-Register State"

#define RFLAGS_RESERVED_ZERO ((1ull << 3) | (1ull << 5) | (1ull << 15) | ~0x3fffffull)

struct ctx {
    const struct vmcs_image *img;
    const struct vmx_msrs *caps;
    struct entry_check_failure *f;
};

static bool KEEL_PRINTF(4, 5) fail(struct ctx *c, const char *section, const char *check,
                                   const char *fmt, ...)
{
    c->f->check = check;
    c->f->section = section;
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(c->f->detail, sizeof(c->f->detail), fmt, ap);
    va_end(ap);
    return false;
}

#define GET(field) img_get(c->img, VMCS_##field)

/* A control word against its capability MSR (allowed 0- and 1-settings). */
static bool control_word(struct ctx *c, uint32_t field, enum vmx_ctl_word w, const char *name)
{
    uint64_t cap = vmx_ctl_capability(c->caps, w);
    uint32_t v = (uint32_t)img_get(c->img, field);
    uint32_t must1 = (uint32_t)cap, may1 = (uint32_t)(cap >> 32);
    if (must1 & ~v)
        return fail(c, S_CONTROLS, name, "bit %d is 0 but must be 1 (%s)",
                    __builtin_ctz(must1 & ~v), vmx_ctl_msr_name(w));
    if (v & ~may1)
        return fail(c, S_CONTROLS, name, "bit %d is 1 but must be 0 (%s)",
                    __builtin_ctz(v & ~may1), vmx_ctl_msr_name(w));
    return true;
}

static bool check_controls(struct ctx *c)
{
    uint32_t proc = (uint32_t)GET(CPU_BASED_VM_EXEC_CONTROL);
    uint32_t proc2 = proc & VMX_PROC_SECONDARY_CONTROLS ? (uint32_t)GET(SECONDARY_VM_EXEC_CONTROL) : 0;
    if (!control_word(c, VMCS_PIN_BASED_VM_EXEC_CONTROL, VMX_PIN,
                      "pin-based VM-execution controls allowed by IA32_VMX_PINBASED_CTLS") ||
        !control_word(c, VMCS_CPU_BASED_VM_EXEC_CONTROL, VMX_PROC,
                      "primary processor-based controls allowed by IA32_VMX_PROCBASED_CTLS") ||
        (proc & VMX_PROC_SECONDARY_CONTROLS &&
         !control_word(c, VMCS_SECONDARY_VM_EXEC_CONTROL, VMX_PROC2,
                       "secondary processor-based controls allowed by IA32_VMX_PROCBASED_CTLS2")) ||
        !control_word(c, VMCS_VM_EXIT_CONTROLS, VMX_EXIT,
                      "VM-exit controls allowed by IA32_VMX_EXIT_CTLS") ||
        !control_word(c, VMCS_VM_ENTRY_CONTROLS, VMX_ENTRY,
                      "VM-entry controls allowed by IA32_VMX_ENTRY_CTLS"))
        return false;
    uint64_t max_cr3 = (c->caps->msr[VMXCAP_MISC] >> 16) & 0x1ff;
    if (GET(CR3_TARGET_COUNT) > max_cr3)
        return fail(c, S_CONTROLS, "CR3-target count at most IA32_VMX_MISC bits 24:16",
                    "count %llu, limit %llu", (unsigned long long)GET(CR3_TARGET_COUNT),
                    (unsigned long long)max_cr3);
    if (proc & VMX_PROC_IO_BITMAPS && ((GET(IO_BITMAP_A) | GET(IO_BITMAP_B)) & 0xfff))
        return fail(c, S_CONTROLS, "I/O bitmap addresses 4-KByte aligned", "A 0x%llx, B 0x%llx",
                    (unsigned long long)GET(IO_BITMAP_A), (unsigned long long)GET(IO_BITMAP_B));
    if (proc & VMX_PROC_MSR_BITMAPS && (GET(MSR_BITMAP) & 0xfff))
        return fail(c, S_CONTROLS, "MSR-bitmap address 4-KByte aligned", "0x%llx",
                    (unsigned long long)GET(MSR_BITMAP));
    if (proc2 & VMX_PROC2_ENABLE_VPID && GET(VIRTUAL_PROCESSOR_ID) == 0)
        return fail(c, S_CONTROLS, "VPID not 0000H when \"enable VPID\" is 1", "VPID 0");
    if (proc2 & VMX_PROC2_UNRESTRICTED_GUEST && !(proc2 & VMX_PROC2_ENABLE_EPT))
        return fail(c, S_CONTROLS, "\"unrestricted guest\" requires \"enable EPT\"", "proc2 0x%x",
                    proc2);
    uint64_t intr = GET(VM_ENTRY_INTR_INFO_FIELD);
    if ((intr >> 31) && (intr & (1u << 11)) && !(GET(GUEST_CR0) & X86_CR0_PE))
        return fail(c, S_CONTROLS, "no error code delivered by event injection when CR0.PE is 0",
                    "VM-entry interruption information 0x%llx", (unsigned long long)intr);
    if (proc2 & VMX_PROC2_ENABLE_EPT) {
        uint64_t eptp = GET(EPT_POINTER), ev = c->caps->msr[VMXCAP_EPT_VPID_CAP];
        unsigned mt = eptp & 7, walk = (eptp >> 3) & 7;
        if (!((mt == 6 && (ev & VMX_EPT_VPID(WB_MEMTYPE))) || (mt == 0 && (ev & EPT_VPID_UC_MEMTYPE))))
            return fail(c, S_CONTROLS, "EPTP memory type supported (UC or WB)", "type %u", mt);
        if (walk != 3)
            return fail(c, S_CONTROLS, "EPTP page-walk length 4 (bits 5:3 = 3)", "bits 5:3 = %u",
                        walk);
        if (eptp & 0xf80)
            return fail(c, S_CONTROLS, "EPTP bits 11:7 reserved (0)", "EPTP 0x%llx",
                        (unsigned long long)eptp);
    }
    return true;
}

static bool check_host(struct ctx *c)
{
    const struct vmx_msrs *m = c->caps;
    uint64_t cr0 = GET(HOST_CR0), cr4 = GET(HOST_CR4);
    uint32_t exit = (uint32_t)GET(VM_EXIT_CONTROLS);
    if ((m->msr[VMXCAP_CR0_FIXED0] & ~cr0) || (cr0 & ~m->msr[VMXCAP_CR0_FIXED1] & 0xffffffff))
        return fail(c, S_HOST, "host CR0 fixed bits (IA32_VMX_CR0_FIXED0/1)", "CR0 0x%llx",
                    (unsigned long long)cr0);
    if ((m->msr[VMXCAP_CR4_FIXED0] & ~cr4) || (cr4 & ~m->msr[VMXCAP_CR4_FIXED1] & 0xffffffff))
        return fail(c, S_HOST, "host CR4 fixed bits (IA32_VMX_CR4_FIXED0/1)", "CR4 0x%llx",
                    (unsigned long long)cr4);
    static const uint32_t sels[] = { VMCS_HOST_ES_SELECTOR, VMCS_HOST_CS_SELECTOR,
                                     VMCS_HOST_SS_SELECTOR, VMCS_HOST_DS_SELECTOR,
                                     VMCS_HOST_FS_SELECTOR, VMCS_HOST_GS_SELECTOR,
                                     VMCS_HOST_TR_SELECTOR };
    for (unsigned i = 0; i < 7; i++)
        if (img_get(c->img, sels[i]) & 7)
            return fail(c, S_HOST, "host selector RPL and TI flag 0", "%s = 0x%llx",
                        vmcs_field_name(sels[i]), (unsigned long long)img_get(c->img, sels[i]));
    if (!GET(HOST_CS_SELECTOR) || !GET(HOST_TR_SELECTOR))
        return fail(c, S_HOST, "host CS and TR selectors not 0000H", "CS 0x%llx TR 0x%llx",
                    (unsigned long long)GET(HOST_CS_SELECTOR),
                    (unsigned long long)GET(HOST_TR_SELECTOR));
    if (!(exit & VMX_EXIT_HOST_ADDR_SPACE_SIZE))
        return fail(c, S_HOST, "\"host address-space size\" 1 for a 64-bit host", "exit 0x%x", exit);
    if (!(cr4 & X86_CR4_PAE))
        return fail(c, S_HOST, "host CR4.PAE 1 when \"host address-space size\" is 1", "CR4 0x%llx",
                    (unsigned long long)cr4);
    if (!x86_canonical(GET(HOST_RIP)))
        return fail(c, S_HOST, "host RIP canonical", "RIP 0x%llx", (unsigned long long)GET(HOST_RIP));
    static const uint32_t bases[] = { VMCS_HOST_FS_BASE, VMCS_HOST_GS_BASE, VMCS_HOST_TR_BASE,
                                      VMCS_HOST_GDTR_BASE, VMCS_HOST_IDTR_BASE };
    for (unsigned i = 0; i < 5; i++)
        if (!x86_canonical(img_get(c->img, bases[i])))
            return fail(c, S_HOST, "host base addresses canonical", "%s = 0x%llx",
                        vmcs_field_name(bases[i]), (unsigned long long)img_get(c->img, bases[i]));
    if (exit & VMX_EXIT_LOAD_EFER) {
        uint64_t efer = GET(HOST_IA32_EFER);
        if (!(efer & X86_EFER_LMA) || !(efer & X86_EFER_LME))
            return fail(c, S_HOST, "host IA32_EFER.LMA and LME equal \"host address-space size\"",
                        "EFER 0x%llx", (unsigned long long)efer);
    }
    return true;
}

struct seg {
    const char *name;
    uint32_t base, limit, ar;
};

/* Limit and granularity (SDM: if any of limit bits 11:0 is 0, G must be
 * 0; if any of bits 31:20 is 1, G must be 1). */
static bool limit_ok(uint64_t limit, uint32_t ar)
{
    if ((limit & 0xfff) != 0xfff && (ar & VMX_AR_G))
        return false;
    if ((limit >> 20) && !(ar & VMX_AR_G))
        return false;
    return true;
}

static bool check_guest_cr(struct ctx *c, bool ia32e, bool ug)
{
    const struct vmx_msrs *m = c->caps;
    uint64_t cr0 = GET(GUEST_CR0), cr4 = GET(GUEST_CR4);
    uint64_t fixed0 = vmx_guest_cr0_fixed0(m, ug ? VMX_PROC2_UNRESTRICTED_GUEST : 0);
    if ((fixed0 & ~cr0) || (cr0 & ~m->msr[VMXCAP_CR0_FIXED1] & 0xffffffff))
        return fail(c, S_GUEST_CR, "guest CR0 fixed bits (IA32_VMX_CR0_FIXED0/1)", "CR0 0x%llx",
                    (unsigned long long)cr0);
    if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
        return fail(c, S_GUEST_CR, "CR0.PG set without CR0.PE", "CR0 0x%llx",
                    (unsigned long long)cr0);
    if ((m->msr[VMXCAP_CR4_FIXED0] & ~cr4) || (cr4 & ~m->msr[VMXCAP_CR4_FIXED1] & 0xffffffff))
        return fail(c, S_GUEST_CR, "guest CR4 fixed bits (IA32_VMX_CR4_FIXED0/1)", "CR4 0x%llx",
                    (unsigned long long)cr4);
    if (ia32e && (!(cr0 & X86_CR0_PG) || !(cr4 & X86_CR4_PAE)))
        return fail(c, S_GUEST_CR, "\"IA-32e mode guest\" needs CR0.PG and CR4.PAE",
                    "CR0 0x%llx CR4 0x%llx", (unsigned long long)cr0, (unsigned long long)cr4);
    if (!ia32e && (cr4 & X86_CR4_PCIDE))
        return fail(c, S_GUEST_CR, "CR4.PCIDE 0 outside IA-32e mode", "CR4 0x%llx",
                    (unsigned long long)cr4);
    if ((uint32_t)GET(VM_ENTRY_CONTROLS) & VMX_ENTRY_LOAD_DEBUG_CONTROLS && (GET(GUEST_DR7) >> 32))
        return fail(c, S_GUEST_CR, "guest DR7 bits 63:32 0", "DR7 0x%llx",
                    (unsigned long long)GET(GUEST_DR7));
    if ((uint32_t)GET(VM_ENTRY_CONTROLS) & VMX_ENTRY_LOAD_EFER) {
        uint64_t efer = GET(GUEST_IA32_EFER);
        if (efer & ~(X86_EFER_WRITABLE | X86_EFER_LMA))
            return fail(c, S_GUEST_CR, "guest IA32_EFER reserved bits 0", "EFER 0x%llx",
                        (unsigned long long)efer);
        if (!!(efer & X86_EFER_LMA) != ia32e)
            return fail(c, S_GUEST_CR, "guest IA32_EFER.LMA equals \"IA-32e mode guest\"",
                        "EFER 0x%llx", (unsigned long long)efer);
        if ((cr0 & X86_CR0_PG) && !!(efer & X86_EFER_LMA) != !!(efer & X86_EFER_LME))
            return fail(c, S_GUEST_CR, "guest IA32_EFER.LMA equals LME when CR0.PG is 1",
                        "EFER 0x%llx", (unsigned long long)efer);
    }
    return true;
}

static struct seg seg_of(struct ctx *c, const char *name, uint32_t sel_field)
{
    uint32_t i = sel_field - VMCS_GUEST_ES_SELECTOR;
    return (struct seg){ name, VMCS_GUEST_ES_BASE + i, VMCS_GUEST_ES_LIMIT + i,
                         (uint32_t)img_get(c->img, VMCS_GUEST_ES_AR_BYTES + i) };
}

static bool check_guest_segments(struct ctx *c, bool ia32e, bool ug, bool real)
{
    struct seg cs = seg_of(c, "CS", VMCS_GUEST_CS_SELECTOR);
    struct seg ss = seg_of(c, "SS", VMCS_GUEST_SS_SELECTOR);
    struct seg tr = seg_of(c, "TR", VMCS_GUEST_TR_SELECTOR);
    struct seg ldtr = seg_of(c, "LDTR", VMCS_GUEST_LDTR_SELECTOR);
    unsigned cs_type = VMX_AR_TYPE(cs.ar);
    bool cs_type_ok = cs_type == 9 || cs_type == 11 || cs_type == 13 || cs_type == 15 ||
                      (ug && cs_type == 3);
    if (!cs_type_ok)
        return fail(c, S_GUEST_SEG, "guest CS type 9, 11, 13 or 15 (3 with unrestricted guest)",
                    "type %u", cs_type);
    if (!(cs.ar & VMX_AR_S) || !(cs.ar & VMX_AR_P))
        return fail(c, S_GUEST_SEG, "guest CS is a present code or data segment (S = 1, P = 1)",
                    "AR 0x%x", cs.ar);
    if (ia32e && (cs.ar & VMX_AR_L) && (cs.ar & VMX_AR_DB))
        return fail(c, S_GUEST_SEG, "guest CS.L and CS.D both set",
                    "CS access rights 0x%x in IA-32e mode", cs.ar);
    if (!(ss.ar & VMX_AR_UNUSABLE)) {
        if (VMX_AR_TYPE(ss.ar) != 3 && VMX_AR_TYPE(ss.ar) != 7)
            return fail(c, S_GUEST_SEG, "guest SS type 3 or 7", "type %u", VMX_AR_TYPE(ss.ar));
        if (real && VMX_AR_DPL(ss.ar) != 0)
            return fail(c, S_GUEST_SEG, "guest SS.DPL 0 when CR0.PE is 0", "DPL %u",
                        VMX_AR_DPL(ss.ar));
    }
    if ((cs_type == 9 || cs_type == 11) && !real && !(ss.ar & VMX_AR_UNUSABLE) &&
        VMX_AR_DPL(cs.ar) != VMX_AR_DPL(ss.ar))
        return fail(c, S_GUEST_SEG, "guest CS.DPL equals SS.DPL for non-conforming code",
                    "CS.DPL %u SS.DPL %u", VMX_AR_DPL(cs.ar), VMX_AR_DPL(ss.ar));
    static const uint32_t all[] = { VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_CS_SELECTOR,
                                    VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_DS_SELECTOR,
                                    VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_GS_SELECTOR };
    static const char *const names[] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    for (unsigned i = 0; i < 6; i++) {
        struct seg s = seg_of(c, names[i], all[i]);
        if (s.ar & VMX_AR_UNUSABLE)
            continue;
        if (!(s.ar & VMX_AR_P) || !(s.ar & VMX_AR_S))
            return fail(c, S_GUEST_SEG, "usable guest segments present, S = 1", "%s AR 0x%x",
                        s.name, s.ar);
        if (!limit_ok(img_get(c->img, s.limit), s.ar))
            return fail(c, S_GUEST_SEG, "guest segment limit consistent with its G flag",
                        "%s limit 0x%llx AR 0x%x", s.name,
                        (unsigned long long)img_get(c->img, s.limit), s.ar);
        if (i != 4 && i != 5 && (img_get(c->img, s.base) >> 32))
            return fail(c, S_GUEST_SEG, "guest CS, SS, DS, ES base bits 63:32 0", "%s base 0x%llx",
                        s.name, (unsigned long long)img_get(c->img, s.base));
    }
    if (tr.ar & VMX_AR_UNUSABLE)
        return fail(c, S_GUEST_SEG, "guest TR usable", "AR 0x%x", tr.ar);
    if (!(VMX_AR_TYPE(tr.ar) == 11 || (!ia32e && VMX_AR_TYPE(tr.ar) == 3)) || (tr.ar & VMX_AR_S) ||
        !(tr.ar & VMX_AR_P))
        return fail(c, S_GUEST_SEG, "guest TR is a present busy TSS (type 11, or 3 outside "
                    "IA-32e mode; S = 0)", "AR 0x%x", tr.ar);
    if (!(ldtr.ar & VMX_AR_UNUSABLE) &&
        (VMX_AR_TYPE(ldtr.ar) != 2 || (ldtr.ar & VMX_AR_S) || !(ldtr.ar & VMX_AR_P)))
        return fail(c, S_GUEST_SEG, "guest LDTR unusable or a present LDT (type 2, S = 0)",
                    "AR 0x%x", ldtr.ar);
    return true;
}

static bool check_guest_rest(struct ctx *c, bool ia32e)
{
    if (!x86_canonical(GET(GUEST_GDTR_BASE)) || !x86_canonical(GET(GUEST_IDTR_BASE)))
        return fail(c, S_GUEST_DT, "guest GDTR and IDTR bases canonical", "GDTR 0x%llx IDTR 0x%llx",
                    (unsigned long long)GET(GUEST_GDTR_BASE),
                    (unsigned long long)GET(GUEST_IDTR_BASE));
    if ((GET(GUEST_GDTR_LIMIT) | GET(GUEST_IDTR_LIMIT)) >> 16)
        return fail(c, S_GUEST_DT, "guest GDTR and IDTR limits bits 31:16 0", "GDTR 0x%llx IDTR 0x%llx",
                    (unsigned long long)GET(GUEST_GDTR_LIMIT),
                    (unsigned long long)GET(GUEST_IDTR_LIMIT));
    uint64_t rip = GET(GUEST_RIP);
    bool cs_l = GET(GUEST_CS_AR_BYTES) & VMX_AR_L;
    if ((!ia32e || !cs_l) && (rip >> 32))
        return fail(c, S_GUEST_RIP, "guest RIP bits 63:32 0 outside 64-bit mode", "RIP 0x%llx",
                    (unsigned long long)rip);
    if (ia32e && cs_l && !x86_canonical(rip))
        return fail(c, S_GUEST_RIP, "guest RIP canonical in 64-bit mode", "RIP 0x%llx",
                    (unsigned long long)rip);
    uint64_t rflags = GET(GUEST_RFLAGS);
    if (!(rflags & X86_RFLAGS_FIXED) || (rflags & RFLAGS_RESERVED_ZERO))
        return fail(c, S_GUEST_RIP, "guest RFLAGS reserved bits (bit 1 = 1, 3, 5, 15, 63:22 = 0)",
                    "RFLAGS 0x%llx", (unsigned long long)rflags);
    if (ia32e && (rflags & X86_RFLAGS_VM))
        return fail(c, S_GUEST_RIP, "guest RFLAGS.VM 0 in IA-32e mode", "RFLAGS 0x%llx",
                    (unsigned long long)rflags);
    if (GET(GUEST_ACTIVITY_STATE) > 3)
        return fail(c, S_GUEST_NONREG, "guest activity state 0 to 3", "state %llu",
                    (unsigned long long)GET(GUEST_ACTIVITY_STATE));
    uint64_t intr = GET(GUEST_INTERRUPTIBILITY_INFO);
    if ((intr >> 5) || (intr & 3) == 3)
        return fail(c, S_GUEST_NONREG, "guest interruptibility: bits 31:5 0, not blocked by both "
                    "STI and MOV SS", "0x%llx", (unsigned long long)intr);
    if (GET(VMCS_LINK_POINTER) != ~0ull)
        return fail(c, S_GUEST_NONREG, "VMCS link pointer FFFFFFFF_FFFFFFFFH (no VMCS shadowing)",
                    "0x%llx", (unsigned long long)GET(VMCS_LINK_POINTER));
    return true;
}

bool vmentry_check(const struct vmcs_image *img, const struct vmx_msrs *caps,
                   struct entry_check_failure *f)
{
    struct ctx c = { img, caps, f };
    uint32_t entry = (uint32_t)img_get(img, VMCS_VM_ENTRY_CONTROLS);
    uint32_t proc = (uint32_t)img_get(img, VMCS_CPU_BASED_VM_EXEC_CONTROL);
    uint32_t proc2 = proc & VMX_PROC_SECONDARY_CONTROLS
                         ? (uint32_t)img_get(img, VMCS_SECONDARY_VM_EXEC_CONTROL) : 0;
    bool ia32e = entry & VMX_ENTRY_IA32E_MODE_GUEST;
    bool ug = proc2 & VMX_PROC2_UNRESTRICTED_GUEST;
    bool real = !(img_get(img, VMCS_GUEST_CR0) & X86_CR0_PE);
    return check_controls(&c) && check_host(&c) && check_guest_cr(&c, ia32e, ug) &&
           check_guest_segments(&c, ia32e, ug, real) && check_guest_rest(&c, ia32e);
}
