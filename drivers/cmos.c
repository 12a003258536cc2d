#include "drivers/cmos.h"
#include "arch/x86/cpu.h"
#include "kernel/log.h"
#include "kernel/options.h"

/* Index and data ports; bit 7 of the index port also masks NMIs on old
 * chipsets, so it is kept clear. The upper bank (0x80-0xff) has its own
 * pair, indexed with the low seven bits as GRUB's script does. */
#define CMOS_INDEX      0x70
#define CMOS_DATA       0x71
#define CMOS_HI_INDEX   0x72
#define CMOS_HI_DATA    0x73

uint8_t cmos_read(uint8_t index)
{
    bool hi = index & 0x80;
    outb(hi ? CMOS_HI_INDEX : CMOS_INDEX, index & 0x7f);
    return inb(hi ? CMOS_HI_DATA : CMOS_DATA);
}

void cmos_write(uint8_t index, uint8_t value)
{
    bool hi = index & 0x80;
    outb(hi ? CMOS_HI_INDEX : CMOS_INDEX, index & 0x7f);
    outb(hi ? CMOS_HI_DATA : CMOS_DATA, value);
}

void cmos_mark_boot_good(void)
{
    const struct boot_mark *b = &keel_options.bootok;
    if (!b->on)
        return;
    cmos_write(b->index, b->value);
    uint8_t back = cmos_read(b->index);
    if (back == b->value)
        log_info("boot marked good: CMOS 0x%02x = 0x%02x (GRUB's try mode boots Keel again)",
                 b->index, b->value);
    else
        log_warn("bootok: CMOS 0x%02x reads 0x%02x after writing 0x%02x: the mark did not hold, "
                 "GRUB's try mode will return to the default entry", b->index, back, b->value);
}
