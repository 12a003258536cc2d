#include "drivers/serial_console.h"
#include "drivers/acpi_tables.h"
#include "drivers/uart16550.h"
#include "kernel/frame.h"
#include "kernel/lib/string.h"
#include "kernel/mm.h"

extern uint16_t boot_ebda_segment;
extern uint16_t boot_bda_com[UART_PORTS];       /* boot/entry.asm: 0x400-0x407 */

static const uint16_t std_ports[UART_PORTS] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

/* Physical memory below 4 GiB is identity-mapped (page 0 excepted). */
static const void *map_identity(void *ctx, uint64_t phys, uint64_t len)
{
    (void)ctx;
    if (phys < FRAME_SIZE || phys + len < phys || phys + len > MM_MAPPED_END)
        return NULL;
    return (const void *)(uintptr_t)phys;
}

static size_t table_len(const uint8_t *t)
{
    uint32_t len;
    memcpy(&len, t + 4, 4);
    return len;
}

static void add_probe(struct serial_facts *f, uint64_t port)
{
    if (!port || port > 0xfff8 || f->nprobe == SERIAL_PROBE_MAX)
        return;
    for (unsigned i = 0; i < f->nprobe; i++)
        if (f->probe[i].port == port)
            return;
    uart_read_state((uint16_t)port, &f->probe[f->nprobe++]);
}

static void read_acpi(const struct boot_info *bi, struct serial_facts *f)
{
    const uint8_t *rsdp = bi->rsdp;
    size_t len = bi->rsdp_len;
    if (!len && !bi->efi) {
        uint64_t at = acpi_rsdp_scan(boot_ebda_segment, map_identity, NULL);
        if (at) {
            rsdp = (const uint8_t *)(uintptr_t)at;
            len = rsdp[15] >= 2 ? sizeof(struct acpi_rsdp) : ACPI_RSDP_V1_LEN;
        }
    }
    if (!len) {
        f->acpi_note = "no ACPI RSDP";
        return;
    }
    uint64_t phys;
    const uint8_t *t = acpi_find_table(rsdp, len, "SPCR", map_identity, NULL, &phys);
    /* Reports are left to the log of the decision: the console is not up. */
    if (t)
        f->have_spcr = acpi_spcr_parse(t, table_len(t), &f->spcr, NULL, NULL);
    t = acpi_find_table(rsdp, len, "DBG2", map_identity, NULL, &phys);
    if (t)
        f->have_dbg2 = acpi_dbg2_parse(t, table_len(t), &f->dbg2, NULL, NULL);
    if (!f->have_spcr && !f->have_dbg2)
        f->acpi_note = "no SPCR or DBG2 table";
}

void serial_console_choose(const struct boot_info *bi, const struct keel_options *o,
                           struct serial_choice *out)
{
    static struct serial_facts f;
    memset(&f, 0, sizeof(f));
    f.console_given = o->console_given;
    f.console = o->console;
    f.com_given = o->com_given;
    memcpy(f.com, o->com, sizeof(f.com));
    if (!f.console_given && !f.com_given) {
        f.bios = !bi->efi;
        if (f.bios)
            memcpy(f.bda, boot_bda_com, sizeof(f.bda));
        read_acpi(bi, &f);
        for (int i = 0; i < UART_PORTS; i++)
            add_probe(&f, std_ports[i]);
        for (int i = 0; f.bios && i < UART_PORTS; i++)
            add_probe(&f, f.bda[i]);
        if (f.have_spcr && f.spcr.usable)
            add_probe(&f, f.spcr.address);
        if (f.have_dbg2 && f.dbg2.usable)
            add_probe(&f, f.dbg2.address);
    }
    serial_choose(&f, out);
}
