/* The ports of the PIC pair, the PIT with port 0x61, fw_cfg and the RTC,
 * and the HPET's page: the pure device models (pic.c, pit.c, fw_cfg.c,
 * rtc.c, hpet.c) over the guest's own state (g->pc), with their clocks
 * taken from the TSC. The pair and writes
 * to the PIT move interrupts: under the guest's interrupt lock
 * (vmx/dev/irq.h). */
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"
#include "drivers/cmos.h"
#include "kernel/log.h"
#include "kernel/spinlock.h"
#include "vmx/dev/devices.h"
#include "vmx/dev/irq.h"

/* The PIT counts 1.193182 MHz of TSC time (Keel's measured rate), so a
 * guest that calibrates its TSC against the PIT finds Keel's figure. */
static uint64_t pit_now(void)
{
    return pit_ticks(rdtsc(), tsc_hz);
}

static uint8_t pic_byte(struct guest *g, uint16_t port, bool in, uint8_t val)
{
    unsigned chip = port >= PIC_SLAVE, reg = port & 1;
    if (in)
        return vpic_read(&g->pc.pic, chip, reg);
    vpic_write(&g->pc.pic, chip, reg, val);
    return 0;
}

int pic_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    struct guest *g = v->guest;
    uint16_t base = port >= PIC_SLAVE ? PIC_SLAVE : PIC_MASTER;
    spin_lock(&g->irq.lock);
    int r = pio_bytes(v, port, size, in, val, base, base + 1, pic_byte);
    irq_pic_changed(g, v);      /* a mask, an EOI, a poll: the output may move */
    spin_unlock(&g->irq.lock);
    return r;
}

static uint8_t pit_byte(struct guest *g, uint16_t port, bool in, uint8_t val)
{
    if (in)
        return vpit_read(&g->pc.pit, port - PIT_PORT, pit_now());
    vpit_write(&g->pc.pit, port - PIT_PORT, val, pit_now());
    return 0;
}

int pit_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    /* Reads (the calibration loops poll them) change no interrupt time. */
    if (in)
        return pio_bytes(v, port, size, in, val, PIT_PORT, PIT_PORT + 3, pit_byte);
    struct guest *g = v->guest;
    spin_lock(&g->irq.lock);
    int r = pio_bytes(v, port, size, in, val, PIT_PORT, PIT_PORT + 3, pit_byte);
    irq_pit_changed(g, v);
    spin_unlock(&g->irq.lock);
    return r;
}

int port61_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    (void)port, (void)size;
    if (in)
        *val = vpit_port61_read(&v->guest->pc.pit, pit_now());
    else
        vpit_port61_write(&v->guest->pc.pit, (uint8_t)*val, pit_now());
    return EXIT_NEXT_INSTRUCTION;
}

/* QEMU's combined port pair: a 16-bit write to 0x510 selects; a byte read
 * of either port is the next data byte. Byte writes (the removed write
 * interface) do nothing; wider reads are refused, and read 0. */
int fw_cfg_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    struct guest *g = v->guest;
    struct fw_cfg *f = &g->pc.fw_cfg;
    if (!in) {
        if (port == FW_CFG_PORT_SEL && size == 2)
            *f = (struct fw_cfg){ .key = (uint16_t)*val, .offset = 0 };
        return EXIT_NEXT_INSTRUCTION;
    }
    *val = 0;
    if (size == 1) {
        struct fw_cfg_machine m = { .ram_size = g->cfg.mem, .cpus = (uint16_t)g->cfg.vcpus };
        uint32_t off = f->offset;
        *val = fw_cfg_byte(&m, f->key, off);
        if (off < FW_CFG_ITEM_MAX)
            f->offset = off + 1;
    }
    return EXIT_NEXT_INSTRUCTION;
}

/* The HPET counts 100 MHz of TSC time; no lock: its registers are 64-bit
 * words an access reads or writes whole (a 32-bit write merges with the
 * other half as two CPUs writing both halves would). */
bool hpet_mmio(struct vcpu *v, uint64_t offset, unsigned size, bool write, uint64_t *val)
{
    struct vhpet *h = &v->guest->pc.hpet;
    uint64_t now = hpet_ticks(rdtsc(), tsc_hz);
    if (write)
        vhpet_write(h, (unsigned)offset, size, *val, now);
    else
        *val = vhpet_read(h, (unsigned)offset, size, now);
    return true;
}

static uint8_t rtc_byte(struct guest *g, uint16_t port, bool in, uint8_t val)
{
    uint64_t now = rtc_ticks(rdtsc(), tsc_hz);
    if (in)
        return vrtc_read(&g->pc.rtc, port - RTC_PORT, now);
    vrtc_write(&g->pc.rtc, port - RTC_PORT, val, now);
    return 0;
}

/* Every access under the interrupt lock: reading register C lowers IRQ
 * 8, writing B may raise it, and either moves the RTC's next event. */
int rtc_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
    struct guest *g = v->guest;
    spin_lock(&g->irq.lock);
    int r = pio_bytes(v, port, size, in, val, RTC_PORT, RTC_PORT + 1, rtc_byte);
    irq_rtc_changed(g, v);
    spin_unlock(&g->irq.lock);
    return r;
}

/* The host's RTC, as Linux's mc146818_get_time reads one: outside an
 * update (UIP clear before and after, the seconds the same), the time
 * registers in the format its register B gives. One reader at a time:
 * the index port is shared (guests restart on any CPU). A host whose RTC
 * never reads steady (none there: all ones) gives 1970. */
int64_t host_rtc_seconds(void)
{
    static struct spinlock lock;
    uint8_t regs[10] = { 0 }, century = 0, b = 0;
    bool steady = false;
    spin_lock(&lock);
    for (unsigned tries = 0; tries < 10000 && !steady; tries++) {
        if (cmos_read(RTC_REG_A) & RTC_A_UIP)
            continue;
        for (uint8_t i = 0; i < 10; i++)
            regs[i] = cmos_read(i);
        century = cmos_read(RTC_CENTURY);
        b = cmos_read(RTC_REG_B);
        steady = !(cmos_read(RTC_REG_A) & RTC_A_UIP) &&
                 cmos_read(RTC_SECONDS) == regs[RTC_SECONDS];
    }
    spin_unlock(&lock);
    if (!steady) {
        log_warn("RTC: the host's does not read steady (UIP stays set): guests' clocks start "
                 "at 1970-01-01");
        return 0;
    }
    return rtc_regs_to_unix(regs, century, b);
}
