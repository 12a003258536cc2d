// unit: vmx/dev/fw_cfg.c
#include "vmx/dev/fw_cfg.h"
#include "unit.h"

static const struct fw_cfg_machine m = { .ram_size = 0x300000, .cpus = 3 };

/* The item as the data port gives it: `n` bytes from offset 0. */
static void read_item(uint16_t key, uint8_t *out, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        out[i] = fw_cfg_byte(&m, key, i);
}

TEST(signature_is_QEMU)
{
    uint8_t b[6];
    read_item(FW_CFG_SIGNATURE, b, 6);
    CHECK(!memcmp(b, "QEMU\0\0", 6));
    uint8_t buf[FW_CFG_ITEM_MAX];
    CHECK_EQ(fw_cfg_item(&m, FW_CFG_SIGNATURE, buf), 4);
}

TEST(id_says_traditional_interface_only)
{
    uint8_t b[4];
    read_item(FW_CFG_ID, b, 4);
    CHECK(!memcmp(b, "\x01\0\0\0", 4));
}

TEST(ram_size_is_64_bit_little_endian)
{
    uint8_t b[9];
    read_item(FW_CFG_RAM_SIZE, b, 9);
    CHECK(!memcmp(b, "\x00\x00\x30\x00\x00\x00\x00\x00\x00", 9));
    struct fw_cfg_machine big = { .ram_size = 0x0102030405060708ull, .cpus = 1 };
    uint8_t buf[FW_CFG_ITEM_MAX];
    CHECK_EQ(fw_cfg_item(&big, FW_CFG_RAM_SIZE, buf), 8);
    CHECK(!memcmp(buf, "\x08\x07\x06\x05\x04\x03\x02\x01", 8));
}

TEST(cpu_counts_are_16_bit)
{
    uint8_t b[3];
    read_item(FW_CFG_NB_CPUS, b, 3);
    CHECK(!memcmp(b, "\x03\0\0", 3));
    read_item(FW_CFG_MAX_CPUS, b, 3);
    CHECK(!memcmp(b, "\x03\0\0", 3));
}

TEST(file_directory_is_empty)
{
    uint8_t buf[FW_CFG_ITEM_MAX];
    CHECK_EQ(fw_cfg_item(&m, FW_CFG_FILE_DIR, buf), 4);
    CHECK(!memcmp(buf, "\0\0\0\0", 4));
}

TEST(other_keys_read_zero)
{
    uint8_t buf[FW_CFG_ITEM_MAX];
    static const uint16_t keys[] = { 0x02, 0x04, 0x0d, 0x20, 0x1234, 0x3fff, 0x8000, 0x8003, 0xffff };
    for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        CHECK_EQ(fw_cfg_item(&m, keys[i], buf), 0);
        CHECK_EQ(fw_cfg_byte(&m, keys[i], 0), 0);
    }
}

TEST(write_channel_bit_is_ignored_arch_bit_is_not)
{
    CHECK_EQ(fw_cfg_byte(&m, FW_CFG_WRITE_CHANNEL | FW_CFG_SIGNATURE, 0), 'Q');
    CHECK_EQ(fw_cfg_byte(&m, FW_CFG_ARCH_LOCAL | FW_CFG_SIGNATURE, 0), 0);
}

TEST(past_the_end_reads_zero)
{
    CHECK_EQ(fw_cfg_byte(&m, FW_CFG_SIGNATURE, 3), 'U');
    CHECK_EQ(fw_cfg_byte(&m, FW_CFG_SIGNATURE, 4), 0);
    CHECK_EQ(fw_cfg_byte(&m, FW_CFG_SIGNATURE, 0xffffffffu), 0);
}
