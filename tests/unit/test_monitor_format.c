// unit: kernel/monitor_format.c kernel/cmdline.c vmx/vmcs_image.c vmx/vmcs_fields.c vmx/vmcs_config.c vmx/guest_walk.c kernel/lib/fmt.c
/* The monitor's arguments and the text of its dumps (regs, vmcs, mem). */
#include "kernel/monitor_format.h"
#include "unit.h"

/* The lines a formatter gives, joined with '\n', for CHECK_HAS. */
static char text[16384];
static unsigned lines;

static void collect(void *ctx, const char *msg)
{
    (void)ctx;
    size_t n = strlen(text);
    snprintf(text + n, sizeof(text) - n, "%s\n", msg);
    lines++;
}

static void reset(void)
{
    text[0] = '\0';
    lines = 0;
}

TEST(range_defaults_and_forms)
{
    uint64_t a, n;
    CHECK(!monitor_parse_range("0x8100", NULL, &a, &n));
    CHECK_EQ(a, 0x8100);
    CHECK_EQ(n, MONITOR_DUMP_DEFAULT);
    CHECK(!monitor_parse_range("4096", "0x10", &a, &n));
    CHECK_EQ(a, 4096);
    CHECK_EQ(n, 16);
    CHECK(!monitor_parse_range("0", "4096", &a, &n));
    CHECK_EQ(n, MONITOR_DUMP_MAX);
    CHECK(!monitor_parse_range("0xfffffffffffffff0", "16", &a, &n));   /* ends at 2^64 - 1 */
}

TEST(range_refusals)
{
    uint64_t a, n;
    CHECK_HAS(monitor_parse_range("hello", NULL, &a, &n), "the address is not a number");
    CHECK_HAS(monitor_parse_range("0x", NULL, &a, &n), "the address is not a number");
    CHECK_HAS(monitor_parse_range("0x10", "-1", &a, &n), "the length is not a number");
    CHECK_HAS(monitor_parse_range("0x10", "0", &a, &n), "1 to 4096 bytes");
    CHECK_HAS(monitor_parse_range("0x10", "4097", &a, &n), "1 to 4096 bytes");
    CHECK_HAS(monitor_parse_range("0xfffffffffffffff0", "17", &a, &n), "wraps around");
    CHECK_HAS(monitor_parse_range("0x1ffffffffffffffff", NULL, &a, &n), "not a number");
}

TEST(vcpu_index)
{
    unsigned k = 99;
    CHECK(monitor_parse_index("0", 1, &k));
    CHECK_EQ(k, 0);
    CHECK(monitor_parse_index("7", 8, &k));
    CHECK_EQ(k, 7);
    CHECK(!monitor_parse_index("1", 1, &k));
    CHECK(!monitor_parse_index("0x0", 2, &k));
    CHECK(!monitor_parse_index("one", 2, &k));
    CHECK(!monitor_parse_index("", 2, &k));
}

TEST(hex_line_full_and_short)
{
    char buf[100];
    const uint8_t bytes[16] = { 'h', 'e', 'l', 'l', 'o', 0, 0x7f, 0x80,
                                ' ', '~', 1,   2,   3,   4,   5,    0xff };
    monitor_hex_line(buf, sizeof(buf), 0x8100, bytes, 16);
    CHECK_STR(buf, "0000000000008100  68 65 6c 6c 6f 00 7f 80  20 7e 01 02 03 04 05 ff  "
                   "|hello... ~......|");
    monitor_hex_line(buf, sizeof(buf), 0x10, bytes, 5);
    CHECK_STR(buf, "0000000000000010  68 65 6c 6c 6f                                    |hello|");
    CHECK_EQ(strchr(buf, '|') - buf, 68);               /* the text column, as a full line's */
    monitor_hex_line(buf, sizeof(buf), 0, bytes, 99);      /* at most a line's worth */
    CHECK_HAS(buf, "|hello... ~......|");
}

TEST(cpu_modes)
{
    CHECK_STR(monitor_cpu_mode(0x10, 0, 0x2, 0x9b), "real mode");
    CHECK_STR(monitor_cpu_mode(0x11, 0, 0x20002, 0xf3), "virtual-8086 mode");
    CHECK_STR(monitor_cpu_mode(0x11, 0, 0x2, 0x9b), "protected mode, 16-bit");
    CHECK_STR(monitor_cpu_mode(0x11, 0, 0x2, 0xc09b), "protected mode, 32-bit");
    CHECK_STR(monitor_cpu_mode(0x80000011, 0x500, 0x2, 0xc09b), "compatibility mode");
    CHECK_STR(monitor_cpu_mode(0x80000011, 0x500, 0x2, 0xa09b), "64-bit mode");
}

/* A real-mode vCPU as Keel starts one, at the echo guest's loop. */
static void real_mode_image(struct vmcs_image *img)
{
    memset(img, 0, sizeof(*img));
    img_set(img, VMCS_GUEST_CR0, 0x30);                 /* NE: Keel's (CR0 fixed bits) */
    img_set(img, VMCS_CR0_GUEST_HOST_MASK, 0x60000020);
    img_set(img, VMCS_CR0_READ_SHADOW, 0x10);
    img_set(img, VMCS_GUEST_CR4, 0x2000);               /* VMXE: Keel's */
    img_set(img, VMCS_CR4_GUEST_HOST_MASK, 0x2000);
    img_set(img, VMCS_CR4_READ_SHADOW, 0);
    img_set(img, VMCS_GUEST_RIP, 0x8062);
    img_set(img, VMCS_GUEST_RSP, 0x8000);
    img_set(img, VMCS_GUEST_RFLAGS, 0x2);
    img_set(img, VMCS_GUEST_CS_SELECTOR, 0);
    img_set(img, VMCS_GUEST_CS_LIMIT, 0xffff);
    img_set(img, VMCS_GUEST_CS_AR_BYTES, 0x9b);
    img_set(img, VMCS_GUEST_LDTR_AR_BYTES, VMX_AR_UNUSABLE);
    img_set(img, VMCS_GUEST_GDTR_LIMIT, 0xffff);
}

TEST(guest_view_of_cr0_and_cr4)
{
    static struct vmcs_image img;
    real_mode_image(&img);
    CHECK_EQ(monitor_guest_cr(&img, VMCS_GUEST_CR0, VMCS_CR0_GUEST_HOST_MASK,
                              VMCS_CR0_READ_SHADOW), 0x10);
    CHECK_EQ(monitor_guest_cr(&img, VMCS_GUEST_CR4, VMCS_CR4_GUEST_HOST_MASK,
                              VMCS_CR4_READ_SHADOW), 0);
}

TEST(regs_lines)
{
    static struct vmcs_image img;
    real_mode_image(&img);
    struct guest_regs r = { .rax = 0x3fd, .rbx = 0xb, .rdi = 5, .r15 = 0xf15 };
    reset();
    monitor_regs_lines(&img, &r, collect, NULL);
    CHECK_EQ(lines, 15);
    CHECK_HAS(text, "  RAX 0x00000000000003fd  RBX 0x000000000000000b  RCX 0x0000000000000000"
                    "  RDX 0x0000000000000000\n");
    CHECK_HAS(text, "  RDI 0x0000000000000005  RBP 0x0000000000000000  RSP 0x0000000000008000\n");
    CHECK_HAS(text, "  R15 0x0000000000000f15\n");
    CHECK_HAS(text, "  RIP 0x0000000000008062  RFLAGS 0x0000000000000002\n");
    CHECK_HAS(text, "  CR0 0x0000000000000010  CR3 0x0000000000000000  CR4 0x0000000000000000"
                    "  EFER 0x0000000000000000\n");
    CHECK_HAS(text, "  CS   0x0000  base 0x0000000000000000  limit 0x0000ffff  access 0x0009b\n");
    CHECK_HAS(text, "  LDTR 0x0000  base 0x0000000000000000  limit 0x00000000  access 0x10000 "
                    "(unusable)\n");
    CHECK_HAS(text, "  GDTR base 0x0000000000000000  limit 0xffff");
}

TEST(vmcs_lines_by_kind)
{
    static struct vmcs_image img;
    memset(&img, 0, sizeof(img));
    for (unsigned i = 0; i < vmcs_field_count && i < VMCS_IMAGE_FIELDS; i++)
        img.set[i] = true;
    img_set(&img, VMCS_GUEST_RIP, 0x8062);
    img_set(&img, VMCS_VM_EXIT_REASON, 30);
    img_set(&img, VMCS_HOST_RIP, 0xffffffff80001000ull);
    img.set[0] = false;                                 /* VIRTUAL_PROCESSOR_ID: lacking */
    reset();
    monitor_vmcs_lines(&img, collect, NULL);
    CHECK(!strncmp(text, "guest state:\n", 13));
    CHECK_HAS(text, "GUEST_RIP                    0x8062");
    CHECK_HAS(text, "VM_EXIT_REASON               0x1e");
    CHECK_HAS(text, "HOST_RIP                     0xffffffff80001000");
    CHECK(!strstr(text, "VIRTUAL_PROCESSOR_ID"));
    CHECK_HAS(text, "(1 field this CPU does not have: not shown)\n");
    CHECK(strstr(text, "guest state:") < strstr(text, "VM-exit information:"));
    CHECK(strstr(text, "VM-exit information:") < strstr(text, "controls:"));
    CHECK(strstr(text, "controls:") < strstr(text, "host state:"));
    /* every field but one, two a line, four headings, the note */
    unsigned per_kind[4] = { 0 };
    for (unsigned i = 1; i < vmcs_field_count && i < VMCS_IMAGE_FIELDS; i++)
        per_kind[vmcs_fields[i].kind]++;
    unsigned want = 4 + 1;
    for (unsigned k = 0; k < 4; k++)
        want += (per_kind[k] + 1) / 2;
    CHECK_EQ(lines, want);
}

TEST(walk_registers_from_the_image)
{
    static struct vmcs_image img;
    real_mode_image(&img);
    struct gw_cpu c;
    uint64_t pdpte[4];
    monitor_walk_cpu(&img, &c, pdpte);
    CHECK_EQ(c.cr0, 0x30);
    CHECK(!c.pdpte);                                    /* the CPU has no such fields */
    CHECK_STR(gw_mode_name(&c), "off");
    img_set(&img, VMCS_GUEST_CR0, 0x80000031);
    img_set(&img, VMCS_GUEST_CR4, 0x20);
    img_set(&img, VMCS_GUEST_CR3, 0x5000);
    for (unsigned i = 0; i < 4; i++)
        img_set(&img, VMCS_GUEST_PDPTE0 + 2 * i, 0x6001 + 0x1000 * i);
    monitor_walk_cpu(&img, &c, pdpte);
    CHECK(c.pdpte == pdpte);
    CHECK_EQ(pdpte[3], 0x9001);
    CHECK_EQ(c.cr3, 0x5000);
    CHECK_STR(gw_mode_name(&c), "PAE");
}
