/* The per-guest state of the PC devices a Multiboot kernel relies on
 * when QEMU boots it with -kernel (docs/guests.md, "What a guest sees"):
 * a member of struct guest, so that no guest sees another's. Each
 * device's register logic is pure, in a file of its own; the port glue
 * is vmx/dev/uart.c, vmx/dev/pc_io.c, vmx/dev/reset.c,
 * vmx/dev/debugexit.c, vmx/dev/platform_ports.c.
 *
 * No lock: every register is a byte or a word that a port access reads
 * or writes whole, and every index Keel takes from this state is bounded
 * first. A guest that drives one device from two vCPUs at once gets what
 * two CPUs racing on the same chip would get. */
#ifndef KEEL_VMX_DEV_PC_H
#define KEEL_VMX_DEV_PC_H

#include <stdint.h>

#include "vmx/dev/acpi_pm.h"
#include "vmx/dev/fw_cfg.h"
#include "vmx/dev/hpet.h"
#include "vmx/dev/pic.h"
#include "vmx/dev/pit.h"
#include "vmx/dev/rtc.h"
#include "vmx/dev/uart.h"

struct pc_devices {
    struct vuart com1;
    struct vpic pic;
    struct vpit pit;
    struct fw_cfg fw_cfg;
    struct acpi_pm1 pm1;        /* the ACPI PM block's PM1 registers (0x600-0x605) */
    struct vhpet hpet;          /* a Linux guest's HPET (devices_acpi_platform) */
    struct vrtc rtc;            /* a Linux guest's RTC and CMOS RAM (0x70/0x71) */
    uint32_t pci_address;       /* 0xcf8: the configuration address */
    uint8_t reset_control;      /* 0xcf9: bit 1 (hard reset) kept */
    uint8_t port92;             /* 0x92: bit 1 is A20 (always on here) */
    uint8_t kbc_command;        /* the 8042's last command (0xd1 takes a data byte) */
    uint8_t bochs_shutdown;     /* how much of "Shutdown" port 0x8900 has seen */
};

#endif
