#include "kernel/monitor_format.h"

#include "arch/x86/x86.h"
#include "kernel/cmdline.h"

const char *monitor_parse_range(const char *addr, const char *len, uint64_t *start,
                                uint64_t *count)
{
    if (!parse_u64(addr, start))
        return "the address is not a number (decimal, or hex with 0x)";
    *count = MONITOR_DUMP_DEFAULT;
    if (len && !parse_u64(len, count))
        return "the length is not a number (decimal, or hex with 0x)";
    if (*count == 0 || *count > MONITOR_DUMP_MAX)
        return "the length must be 1 to 4096 bytes";
    if (*start + *count - 1 < *start)
        return "the range wraps around the end of the address space";
    return NULL;
}

bool monitor_parse_index(const char *s, unsigned count, unsigned *index)
{
    uint64_t v;
    if (s[0] == '0' && s[1] == 'x')
        return false;               /* a vCPU number is decimal, as 'guests' shows it */
    if (!parse_u64(s, &v) || v >= count)
        return false;
    *index = (unsigned)v;
    return true;
}

void monitor_hex_line(char *buf, size_t size, uint64_t addr, const uint8_t *p, unsigned n)
{
    char hex[MONITOR_HEX_BYTES * 3 + 2], text[MONITOR_HEX_BYTES + 1];   /* + the gap, NUL */
    size_t h = 0;
    if (n > MONITOR_HEX_BYTES)
        n = MONITOR_HEX_BYTES;
    for (unsigned i = 0; i < MONITOR_HEX_BYTES; i++) {
        if (i == MONITOR_HEX_BYTES / 2)
            hex[h++] = ' ';
        if (i >= n) {
            hex[h++] = ' ', hex[h++] = ' ', hex[h++] = ' ';
            continue;
        }
        h += (size_t)ksnprintf(hex + h, sizeof(hex) - h, " %02x", p[i]);
        text[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
    }
    hex[h] = '\0';
    text[n] = '\0';
    ksnprintf(buf, size, "%016llx %s  |%s|", (unsigned long long)addr, hex, text);
}

const char *monitor_cpu_mode(uint64_t cr0, uint64_t efer, uint64_t rflags, uint64_t cs_ar)
{
    if (!(cr0 & X86_CR0_PE))
        return "real mode";
    if (efer & X86_EFER_LMA)
        return cs_ar & VMX_AR_L ? "64-bit mode" : "compatibility mode";
    if (rflags & X86_RFLAGS_VM)
        return "virtual-8086 mode";
    return cs_ar & VMX_AR_DB ? "protected mode, 32-bit" : "protected mode, 16-bit";
}

uint64_t monitor_guest_cr(const struct vmcs_image *img, uint32_t cr, uint32_t mask,
                          uint32_t shadow)
{
    uint64_t owned = img_get(img, mask);
    return (img_get(img, cr) & ~owned) | (img_get(img, shadow) & owned);
}

void monitor_walk_cpu(const struct vmcs_image *img, struct gw_cpu *c, uint64_t pdpte[4])
{
    *c = (struct gw_cpu){
        .cr0 = img_get(img, VMCS_GUEST_CR0), .cr3 = img_get(img, VMCS_GUEST_CR3),
        .cr4 = img_get(img, VMCS_GUEST_CR4), .efer = img_get(img, VMCS_GUEST_IA32_EFER),
        .rflags = img_get(img, VMCS_GUEST_RFLAGS),
    };
    if (!img_has(img, VMCS_GUEST_PDPTE0))
        return;                     /* no such fields: the walk reads them at CR3 */
    for (unsigned i = 0; i < 4; i++)
        pdpte[i] = img_get(img, VMCS_GUEST_PDPTE0 + 2 * i);
    c->pdpte = pdpte;
}

#define REGS_PER_LINE 4
#define SLOT_RSP -1                 /* in the VMCS, not in struct guest_regs */
#define GPR(name, f) { name, (int)(offsetof(struct guest_regs, f) / sizeof(uint64_t)) }

static const struct gpr_name {
    const char *name;
    int slot;                       /* in struct guest_regs, as uint64_t[] */
} gprs[] = {
    GPR("RAX", rax), GPR("RBX", rbx), GPR("RCX", rcx), GPR("RDX", rdx),
    GPR("RSI", rsi), GPR("RDI", rdi), GPR("RBP", rbp), { "RSP", SLOT_RSP },
    GPR("R8", r8), GPR("R9", r9), GPR("R10", r10), GPR("R11", r11),
    GPR("R12", r12), GPR("R13", r13), GPR("R14", r14), GPR("R15", r15),
};

static const struct segment_name {
    const char *name;
    uint32_t selector, base, limit, ar;
} segments[] = {
#define SEG(n) { #n, VMCS_GUEST_##n##_SELECTOR, VMCS_GUEST_##n##_BASE, VMCS_GUEST_##n##_LIMIT, \
                 VMCS_GUEST_##n##_AR_BYTES }
    SEG(CS), SEG(DS), SEG(ES), SEG(SS), SEG(FS), SEG(GS), SEG(LDTR), SEG(TR),
#undef SEG
};

void monitor_regs_lines(const struct vmcs_image *img, const struct guest_regs *r, report_fn line,
                        void *ctx)
{
    const uint64_t *slot = (const uint64_t *)r;
    for (unsigned i = 0; i < sizeof(gprs) / sizeof(gprs[0]); i += REGS_PER_LINE) {
        char buf[REGS_PER_LINE * 28];
        size_t n = 0;
        for (unsigned k = i; k < i + REGS_PER_LINE; k++)
            n += (size_t)ksnprintf(buf + n, sizeof(buf) - n, "  %-3s 0x%016llx", gprs[k].name,
                                   (unsigned long long)(gprs[k].slot == SLOT_RSP
                                                            ? img_get(img, VMCS_GUEST_RSP)
                                                            : slot[gprs[k].slot]));
        reportf(line, ctx, "%s", buf);
    }
    reportf(line, ctx, "  RIP 0x%016llx  RFLAGS 0x%016llx",
            (unsigned long long)img_get(img, VMCS_GUEST_RIP),
            (unsigned long long)img_get(img, VMCS_GUEST_RFLAGS));
    reportf(line, ctx, "  CR0 0x%016llx  CR3 0x%016llx  CR4 0x%016llx  EFER 0x%016llx",
            (unsigned long long)monitor_guest_cr(img, VMCS_GUEST_CR0, VMCS_CR0_GUEST_HOST_MASK,
                                                 VMCS_CR0_READ_SHADOW),
            (unsigned long long)img_get(img, VMCS_GUEST_CR3),
            (unsigned long long)monitor_guest_cr(img, VMCS_GUEST_CR4, VMCS_CR4_GUEST_HOST_MASK,
                                                 VMCS_CR4_READ_SHADOW),
            (unsigned long long)img_get(img, VMCS_GUEST_IA32_EFER));
    for (unsigned i = 0; i < sizeof(segments) / sizeof(segments[0]); i++) {
        const struct segment_name *s = &segments[i];
        reportf(line, ctx, "  %-4s 0x%04llx  base 0x%016llx  limit 0x%08llx  access 0x%05llx%s",
                s->name, (unsigned long long)img_get(img, s->selector),
                (unsigned long long)img_get(img, s->base),
                (unsigned long long)img_get(img, s->limit),
                (unsigned long long)img_get(img, s->ar),
                img_get(img, s->ar) & VMX_AR_UNUSABLE ? " (unusable)" : "");
    }
    reportf(line, ctx,
            "  GDTR base 0x%016llx  limit 0x%04llx   IDTR base 0x%016llx  limit 0x%04llx",
            (unsigned long long)img_get(img, VMCS_GUEST_GDTR_BASE),
            (unsigned long long)img_get(img, VMCS_GUEST_GDTR_LIMIT),
            (unsigned long long)img_get(img, VMCS_GUEST_IDTR_BASE),
            (unsigned long long)img_get(img, VMCS_GUEST_IDTR_LIMIT));
}

void monitor_vmcs_lines(const struct vmcs_image *img, report_fn line, void *ctx)
{
    static const char *const kinds[] = {
        [CTRL] = "controls", [EXIT] = "VM-exit information", [GUEST] = "guest state",
        [HOST] = "host state",
    };
    static const enum vmcs_kind order[] = { GUEST, EXIT, CTRL, HOST };
    unsigned fields = vmcs_field_count < VMCS_IMAGE_FIELDS ? vmcs_field_count : VMCS_IMAGE_FIELDS;
    unsigned lacking = 0;
    for (unsigned o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
        char buf[2 * 52];
        size_t n = 0;
        unsigned on_line = 0;
        reportf(line, ctx, "%s:", kinds[order[o]]);
        for (unsigned i = 0; i < fields; i++) {
            const struct vmcs_field_info *f = &vmcs_fields[i];
            if (f->kind != order[o])
                continue;
            if (!img->set[i]) {
                lacking++;
                continue;
            }
            n += (size_t)ksnprintf(buf + n, sizeof(buf) - n,
                                   on_line ? "  %-28s 0x%llx" : "  %-28s 0x%-16llx", f->name,
                                   (unsigned long long)img->val[i]);
            if (++on_line == 2) {
                reportf(line, ctx, "%s", buf);
                n = on_line = 0;
            }
        }
        if (on_line)
            reportf(line, ctx, "%s", buf);
    }
    if (lacking)
        reportf(line, ctx, "(%u field%s this CPU does not have: not shown)", lacking,
                lacking == 1 ? "" : "s");
}
