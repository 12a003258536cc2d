/* QEMU's firmware configuration device, fw_cfg, over its legacy I/O
 * ports (QEMU's docs/specs/fw_cfg.rst, hw/nvram/fw_cfg.c): a 16-bit write
 * of a key to the selector port 0x510 picks an item and rewinds it; byte
 * reads of the data port 0x511 return its bytes in order, then 0. Kernels
 * that know they run under QEMU read the machine's RAM size and CPU count
 * from it. The traditional interface only: no DMA, and an empty file
 * directory. Pure; unit-tested in tests/unit/test_fw_cfg.c. */
#ifndef KEEL_VMX_DEV_FW_CFG_H
#define KEEL_VMX_DEV_FW_CFG_H

#include <stdint.h>

#define FW_CFG_PORT_SEL  0x510
#define FW_CFG_PORT_DATA 0x511

/* Selector keys (QEMU's include/standard-headers/linux/qemu_fw_cfg.h) */
#define FW_CFG_SIGNATURE   0x00     /* "QEMU" */
#define FW_CFG_ID          0x01     /* 32-bit feature bits: 1 = traditional interface */
#define FW_CFG_RAM_SIZE    0x03     /* 64-bit */
#define FW_CFG_NB_CPUS     0x05     /* 16-bit: CPUs at boot */
#define FW_CFG_MAX_CPUS    0x0f     /* 16-bit: on x86 one more than the highest APIC ID */
#define FW_CFG_FILE_DIR    0x19     /* 32-bit big-endian count, then the entries */
#define FW_CFG_WRITE_CHANNEL 0x4000 /* ignored in the key, as QEMU does */
#define FW_CFG_ARCH_LOCAL    0x8000 /* x86 items (ACPI, SMBIOS, e820): none here */

#define FW_CFG_ITEM_MAX 8           /* the longest item Keel has */

/* What the items describe. */
struct fw_cfg_machine {
    uint64_t ram_size;
    uint16_t cpus;
};

/* The bytes of item `key` into `buf` (FW_CFG_ITEM_MAX of them): returns
 * the item's length, 0 for a key with no item. */
unsigned fw_cfg_item(const struct fw_cfg_machine *m, uint16_t key, uint8_t buf[FW_CFG_ITEM_MAX]);

/* The data port's next byte: byte `offset` of item `key`, 0 past its end. */
uint8_t fw_cfg_byte(const struct fw_cfg_machine *m, uint16_t key, uint32_t offset);

/* The selector and the read position, per guest. */
struct fw_cfg {
    uint16_t key;
    uint32_t offset;
};

#endif
