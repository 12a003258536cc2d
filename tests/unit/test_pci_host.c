// unit: vmx/dev/platform_ports.c
#include "vmx/dev/devices.h"
#include "unit.h"

static uint32_t addr(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
    return 1u << 31 | bus << 16 | dev << 11 | fn << 8 | reg;
}

TEST(host_bridge_at_00_00_0_is_an_intel_host_bridge)
{
    CHECK_EQ(pci_config_dword(addr(0, 0, 0, 0x00)), 0x12378086u);
    CHECK_EQ(pci_config_dword(addr(0, 0, 0, 0x08)) >> 8, 0x060000u);   /* class */
    CHECK_EQ(pci_config_dword(addr(0, 0, 0, 0x0c)), 0u);   /* header type 0, single function */
    CHECK_EQ(pci_config_dword(addr(0, 0, 0, 0x10)), 0u);   /* no BARs */
    CHECK_EQ(pci_config_dword(addr(0, 0, 0, 0xfc)), 0u);
    CHECK_EQ(pci_config_dword(addr(0, 0, 0, 0x02)), 0x12378086u);  /* low bits ignored */
}

TEST(nothing_else_is_there)
{
    CHECK_EQ(pci_config_dword(addr(0, 1, 0, 0)), 0xffffffffu);
    CHECK_EQ(pci_config_dword(addr(0, 0, 1, 0)), 0xffffffffu);
    CHECK_EQ(pci_config_dword(addr(1, 0, 0, 0)), 0xffffffffu);
    CHECK_EQ(pci_config_dword(addr(255, 31, 7, 0)), 0xffffffffu);
    CHECK_EQ(pci_config_dword(0x00000000u), 0xffffffffu);   /* enable bit clear */
}
