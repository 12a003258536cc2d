// unit: vmx/entry_check.c vmx/vmcs_image.c vmx/vmcs_fields.c vmx/vmcs_config.c kernel/lib/fmt.c
#include "vmx/entry_check.h"
#include "unit.h"

/* Start states built by Keel's own builder, for Bochs' corei7_skylake_x
 * capabilities and the configuration negotiated from them. */
static struct vmx_msrs caps;
static struct vmcs_config config;
static struct guest_config guest;
static struct vcpu_start start;
static struct vmcs_image img;
static struct entry_check_failure f;

static void load_caps(void)
{
    FILE *fp = fopen("tests/unit/fixtures/vmx/bochs-skylake-x.txt", "r");
    char line[128];
    memset(&caps, 0, sizeof(caps));
    caps.vmx = true;
    if (!fp) {
        UNIT_FAIL("cannot open the bochs-skylake-x fixture");
        return;
    }
    while (fgets(line, sizeof(line), fp)) {
        unsigned msr;
        unsigned long long v;
        if (line[0] != '#' && sscanf(line, "%x %llx", &msr, &v) == 2) {
            caps.msr[msr - 0x480] = v;
            caps.present |= 1u << (msr - 0x480);
        }
    }
    fclose(fp);
    CHECK_EQ(setup_vmcs_config(&caps, 1, &config, NULL, NULL), 1);
}

static void build(enum guest_mode mode)
{
    load_caps();
    memset(&guest, 0, sizeof(guest));
    guest.mode = mode;
    guest.mem = 2 << 20;
    guest.load = guest.entry = 0x8000;
    guest.image_size = 0x100;
    start = (struct vcpu_start){ .mode = mode, .rip = 0x8000, .rsp = 0x8000,
                                 .cr3 = guest.mem - GUEST_PT_PAGES(guest.mem) * 4096 };
    static const struct vmcs_host host = {
        .cr0 = 0x80010031, .cr3 = 0x13a000, .cr4 = 0x2020, .efer = 0xd00, .pat = 0x0007040600070406,
        .gdtr_base = 0x140000, .idtr_base = 0x141000, .tr_base = 0x140080, .gs_base = 0x140000,
        .rip = 0x105000,
    };
    struct vmcs_start s = { .guest = &guest, .vcpu = &start, .config = &config, .caps = &caps, .host = &host,
                            .eptp = 0x200000 | 0x1e, .io_bitmap_a = 0x300000,
                            .io_bitmap_b = 0x301000, .msr_bitmap = 0x302000, .vpid = 1 };
    vmcs_image_build(&img, &s);
}

static const char *check(void)
{
    memset(&f, 0, sizeof(f));
    return vmentry_check(&img, &caps, &f) ? NULL : f.check;
}

#define BROKEN(field, value, name)                                          \
    do {                                                                    \
        uint64_t old_ = img_get(&img, VMCS_##field);                        \
        img_set(&img, VMCS_##field, (value));                               \
        CHECK_STR(check(), name);                                           \
        img_set(&img, VMCS_##field, old_);                                  \
        CHECK(check() == NULL);                                             \
    } while (0)

TEST(valid_start_state_for_each_mode)
{
    enum guest_mode modes[] = { GUEST_REAL16, GUEST_PROT32, GUEST_LONG64 };
    for (unsigned i = 0; i < 3; i++) {
        build(modes[i]);
        const char *why = check();
        if (why)
            UNIT_FAIL("mode %u refused: %s: %s", i, why, f.detail);
    }
}

TEST(the_break_option_breaks_what_it_says)
{
    build(GUEST_LONG64);
    guest.brk = BREAK_CS_L_AND_D;
    load_caps();
    struct vmcs_host host = { .cr0 = 0x80010031, .cr4 = 0x2020, .efer = 0xd00, .rip = 0x105000 };
    struct vmcs_start s = { .guest = &guest, .vcpu = &start, .config = &config, .caps = &caps, .host = &host,
                            .eptp = 0x20001e, .vpid = 1 };
    vmcs_image_build(&img, &s);
    CHECK_STR(check(), "guest CS.L and CS.D both set");
    CHECK_STR(f.section, "Checks on Guest Segment Registers");
    CHECK_HAS(f.detail, "CS access rights 0xe09b");
}

TEST(control_checks)
{
    build(GUEST_LONG64);
    BROKEN(PIN_BASED_VM_EXEC_CONTROL, 0x7f & ~0x16u,
           "pin-based VM-execution controls allowed by IA32_VMX_PINBASED_CTLS");
    BROKEN(PIN_BASED_VM_EXEC_CONTROL, 0x7f | 0x80,
           "pin-based VM-execution controls allowed by IA32_VMX_PINBASED_CTLS");
    img_set(&img, VMCS_PIN_BASED_VM_EXEC_CONTROL, 0xff);
    check();
    CHECK_HAS(f.detail, "bit 7 is 1 but must be 0 (IA32_VMX_PINBASED_CTLS)");
    img_set(&img, VMCS_PIN_BASED_VM_EXEC_CONTROL, 0x7f);
    BROKEN(VM_ENTRY_CONTROLS, img_get(&img, VMCS_VM_ENTRY_CONTROLS) | (1u << 20),
           "VM-entry controls allowed by IA32_VMX_ENTRY_CTLS");
    BROKEN(CR3_TARGET_COUNT, 5, "CR3-target count at most IA32_VMX_MISC bits 24:16");
    BROKEN(IO_BITMAP_A, 0x300800, "I/O bitmap addresses 4-KByte aligned");
    BROKEN(MSR_BITMAP, 0x302008, "MSR-bitmap address 4-KByte aligned");
    BROKEN(VIRTUAL_PROCESSOR_ID, 0, "VPID not 0000H when \"enable VPID\" is 1");
    BROKEN(SECONDARY_VM_EXEC_CONTROL, img_get(&img, VMCS_SECONDARY_VM_EXEC_CONTROL) & ~2u,
           "\"unrestricted guest\" requires \"enable EPT\"");
    BROKEN(EPT_POINTER, 0x200000 | 0x18 | 5, "EPTP memory type supported (UC or WB)");
    BROKEN(EPT_POINTER, 0x200000 | 0x10 | 6, "EPTP page-walk length 4 (bits 5:3 = 3)");
    BROKEN(EPT_POINTER, 0x200000 | 0x100 | 0x1e, "EPTP bits 11:7 reserved (0)");
}

TEST(event_injection_in_real_mode_has_no_error_code)
{
    build(GUEST_REAL16);
    BROKEN(VM_ENTRY_INTR_INFO_FIELD, 0x80000b0d,        /* #GP, hardware exception, error code */
           "no error code delivered by event injection when CR0.PE is 0");
    img_set(&img, VMCS_VM_ENTRY_INTR_INFO_FIELD, 0x8000030d);  /* the same without one */
    CHECK(check() == NULL);
}

TEST(host_state_checks)
{
    build(GUEST_LONG64);
    BROKEN(HOST_CR0, 0x80010011, "host CR0 fixed bits (IA32_VMX_CR0_FIXED0/1)");
    BROKEN(HOST_CR4, 0x20, "host CR4 fixed bits (IA32_VMX_CR4_FIXED0/1)");
    BROKEN(HOST_SS_SELECTOR, 0x13, "host selector RPL and TI flag 0");
    BROKEN(HOST_TR_SELECTOR, 0, "host CS and TR selectors not 0000H");
    BROKEN(VM_EXIT_CONTROLS, img_get(&img, VMCS_VM_EXIT_CONTROLS) & ~(1u << 9),
           "\"host address-space size\" 1 for a 64-bit host");
    BROKEN(HOST_CR4, 0x2000, "host CR4.PAE 1 when \"host address-space size\" is 1");
    BROKEN(HOST_RIP, 0x0000800000000000ull, "host RIP canonical");
    BROKEN(HOST_GS_BASE, 0x0001000000000000ull, "host base addresses canonical");
    BROKEN(HOST_IA32_EFER, 0x100, "host IA32_EFER.LMA and LME equal \"host address-space size\"");
}

TEST(guest_control_register_checks)
{
    build(GUEST_LONG64);
    BROKEN(GUEST_CR0, img_get(&img, VMCS_GUEST_CR0) & ~0x20ull,
           "guest CR0 fixed bits (IA32_VMX_CR0_FIXED0/1)");
    BROKEN(GUEST_CR4, 0x20, "guest CR4 fixed bits (IA32_VMX_CR4_FIXED0/1)");
    BROKEN(GUEST_CR4, 0x2000, "\"IA-32e mode guest\" needs CR0.PG and CR4.PAE");
    BROKEN(GUEST_DR7, 1ull << 32, "guest DR7 bits 63:32 0");
    BROKEN(GUEST_IA32_EFER, 0x500 | 2, "guest IA32_EFER reserved bits 0");
    BROKEN(GUEST_IA32_EFER, 0x100, "guest IA32_EFER.LMA equals \"IA-32e mode guest\"");
    build(GUEST_PROT32);
    BROKEN(GUEST_CR0, 0x80000030, "CR0.PG set without CR0.PE");
    BROKEN(GUEST_CR4, 0x2000 | (1ull << 17), "CR4.PCIDE 0 outside IA-32e mode");
    /* 32-bit paging with EFER.LME set: LMA (0) must equal LME (1). */
    img_set(&img, VMCS_GUEST_CR0, 0x80000031);
    img_set(&img, VMCS_GUEST_IA32_EFER, 0x100);
    CHECK_STR(check(), "guest IA32_EFER.LMA equals LME when CR0.PG is 1");
}

TEST(guest_segment_checks)
{
    build(GUEST_LONG64);
    BROKEN(GUEST_CS_AR_BYTES, 0xe09b, "guest CS.L and CS.D both set");
    BROKEN(GUEST_CS_AR_BYTES, 0xa091, "guest CS type 9, 11, 13 or 15 (3 with unrestricted guest)");
    BROKEN(GUEST_CS_AR_BYTES, 0xa01b, "guest CS is a present code or data segment (S = 1, P = 1)");
    BROKEN(GUEST_SS_AR_BYTES, 0xc09b, "guest SS type 3 or 7");
    BROKEN(GUEST_SS_AR_BYTES, 0xc0f3, "guest CS.DPL equals SS.DPL for non-conforming code");
    BROKEN(GUEST_DS_AR_BYTES, 0xc013, "usable guest segments present, S = 1");
    BROKEN(GUEST_DS_LIMIT, 0xfffff000, "guest segment limit consistent with its G flag");
    BROKEN(GUEST_ES_BASE, 1ull << 32, "guest CS, SS, DS, ES base bits 63:32 0");
    BROKEN(GUEST_TR_AR_BYTES, 0x10000, "guest TR usable");
    BROKEN(GUEST_TR_AR_BYTES, 0x0083,
           "guest TR is a present busy TSS (type 11, or 3 outside IA-32e mode; S = 0)");
    BROKEN(GUEST_LDTR_AR_BYTES, 0x0089, "guest LDTR unusable or a present LDT (type 2, S = 0)");
    build(GUEST_REAL16);
    BROKEN(GUEST_SS_AR_BYTES, 0x00f3, "guest SS.DPL 0 when CR0.PE is 0");
    BROKEN(GUEST_CS_AR_BYTES, 0x0091, "guest CS type 9, 11, 13 or 15 (3 with unrestricted guest)");
}

TEST(guest_rip_rflags_and_non_register_checks)
{
    build(GUEST_LONG64);
    BROKEN(GUEST_GDTR_BASE, 0x0000800000000000ull, "guest GDTR and IDTR bases canonical");
    BROKEN(GUEST_IDTR_LIMIT, 0x10000, "guest GDTR and IDTR limits bits 31:16 0");
    BROKEN(GUEST_RIP, 0x0000800000000000ull, "guest RIP canonical in 64-bit mode");
    BROKEN(GUEST_RFLAGS, 0, "guest RFLAGS reserved bits (bit 1 = 1, 3, 5, 15, 63:22 = 0)");
    BROKEN(GUEST_RFLAGS, 0x8002, "guest RFLAGS reserved bits (bit 1 = 1, 3, 5, 15, 63:22 = 0)");
    BROKEN(GUEST_RFLAGS, 0x20002, "guest RFLAGS.VM 0 in IA-32e mode");
    BROKEN(GUEST_ACTIVITY_STATE, 4, "guest activity state 0 to 3");
    BROKEN(GUEST_INTERRUPTIBILITY_INFO, 3,
           "guest interruptibility: bits 31:5 0, not blocked by both STI and MOV SS");
    BROKEN(VMCS_LINK_POINTER, 0x1000, "VMCS link pointer FFFFFFFF_FFFFFFFFH (no VMCS shadowing)");
    build(GUEST_PROT32);
    BROKEN(GUEST_RIP, 1ull << 32, "guest RIP bits 63:32 0 outside 64-bit mode");
}
