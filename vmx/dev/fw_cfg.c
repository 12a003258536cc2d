/* fw_cfg's items (vmx/dev/fw_cfg.h): the ones QEMU's PC machine gives
 * that describe the machine and need no firmware tables behind them.
 * Numbers are little-endian, as fw_cfg_add_i16/i32/i64 store them; the
 * file directory's count is big-endian. */
#include "vmx/dev/fw_cfg.h"

static unsigned le(uint8_t *buf, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        buf[i] = (uint8_t)(v >> (8 * i));
    return bytes;
}

unsigned fw_cfg_item(const struct fw_cfg_machine *m, uint16_t key, uint8_t buf[FW_CFG_ITEM_MAX])
{
    if (key & FW_CFG_ARCH_LOCAL)
        return 0;
    switch (key & ~FW_CFG_WRITE_CHANNEL) {
    case FW_CFG_SIGNATURE:
        return le(buf, 'Q' | 'E' << 8 | 'M' << 16 | (uint32_t)'U' << 24, 4);
    case FW_CFG_ID:
        return le(buf, 1, 4);           /* no DMA interface (bit 1) */
    case FW_CFG_RAM_SIZE:
        return le(buf, m->ram_size, 8);
    case FW_CFG_NB_CPUS:
        return le(buf, m->cpus, 2);
    case FW_CFG_MAX_CPUS:
        /* QEMU's x86 value is the APIC ID limit, not a CPU count: with
         * APIC IDs 0 to N-1 and no hot-plug that is N. */
        return le(buf, m->cpus, 2);
    case FW_CFG_FILE_DIR:
        return le(buf, 0, 4);           /* no files */
    default:
        return 0;
    }
}

uint8_t fw_cfg_byte(const struct fw_cfg_machine *m, uint16_t key, uint32_t offset)
{
    uint8_t buf[FW_CFG_ITEM_MAX];
    unsigned len = fw_cfg_item(m, key, buf);
    return offset < len ? buf[offset] : 0;
}
