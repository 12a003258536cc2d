/* Device models: small files behind the guest's device table (port
 * ranges, MMIO ranges: vmx/guest.h). devices_create registers the ones
 * every guest gets. */
#ifndef KEEL_VMX_DEV_DEVICES_H
#define KEEL_VMX_DEV_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx/exit.h"

/* Every guest's devices: the PC devices of QEMU's machine that Multiboot
 * kernels rely on (vmx/dev/pc.h), the test MMIO scratch page, the local
 * APIC's MMIO page, the I/O APIC's (vmx/dev/irq.h); and for a guest
 * given ACPI tables (devices_acpi_platform), what those tables name
 * besides: the HPET and the RTC. */
void devices_create(struct guest *g);

/* Does the guest get ACPI tables (a Linux guest), and with them the
 * devices only they announce? (kernel/loader/acpi_build.h's config) */
bool devices_acpi_platform(const struct guest *g);

/* The devices as they are at power-up again (a guest's restart). */
void devices_reset(struct guest *g);

/* The guest console (vmx/dev/console.c): what the guest writes appears on
 * Keel's console line by line as "(NAME) ...". */
void guest_console_putc(struct guest *g, char c);
void guest_console_flush(struct guest *g);

/* Ports no device claims: reads see all ones, writes are dropped. */
int pio_no_device(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);

/* Byte-wide registers at ports first..last (QEMU: max access size 1): a
 * wider access is one byte access per port, low byte first; a byte past
 * `last` is no device. `byte` answers one (its result is the byte read). */
typedef uint8_t (*pio_byte_fn)(struct guest *g, uint16_t port, bool in, uint8_t val);
int pio_bytes(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val,
              uint16_t first, uint16_t last, pio_byte_fn byte);

/* A reset asked for by the guest (ports 0x92, 0xcf9, 0x64): for now it
 * ends the guest, with `why`; a restart policy would change only this. */
void guest_reset(struct guest *g, const char *why);

/* A 16550 at COM1 (0x3f8-0x3ff, IRQ 4) whose output is the guest console
 * (vmx/dev/uart.h, uart.c). vuart_input gives it a byte received from
 * outside (from any CPU): false when its receiver is full (hold the byte
 * and try again later). */
#define VUART_COM1 0x3f8
int vuart_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);
bool vuart_input(struct guest *g, uint8_t byte);

/* QEMU's isa-debug-exit at 0xf4-0xf7 and Bochs' shutdown port (debugexit.c) */
#define DEBUGEXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT 0x8900
int debugexit_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);
int bochs_shutdown_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);

/* The 8259 pair, the 8254 and port 0x61, fw_cfg (pc_io.c over pic.c,
 * pit.c, fw_cfg.c) */
#define PIC_MASTER 0x20
#define PIC_SLAVE  0xa0
#define PIT_PORT   0x40
#define PORT_61    0x61
int pic_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);
int pit_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);
int port61_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);
int fw_cfg_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);

/* Resets: port 0x92, the reset control register 0xcf9, the keyboard
 * controller 0x60/0x64 (reset.c) */
#define PORT_92            0x92
#define PCI_RESET_CONTROL  0xcf9
#define KBC_COMMAND        0x64
int port92_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);
int reset_control_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);
int kbc_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);

/* POST port 0x80, PCI configuration 0xcf8-0xcff (platform_ports.c) */
#define POST_PORT          0x80
#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA    0xcfc
/* The configuration dword at a 0xcf8 address: the host bridge at 00:00.0
 * (platform_ports.c), all ones elsewhere. Pure. */
uint32_t pci_config_dword(uint32_t address);
int post_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);
int pci_config_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);

/* The test MMIO page: one scratch register (testdev.c) */
#define TESTDEV_MMIO_BASE 0xfeb00000ull
bool testdev_mmio(struct vcpu *v, uint64_t offset, unsigned size, bool write, uint64_t *val);

/* The RTC's ports 0x70-0x71 (vmx/dev/rtc.h; pc_io.c), and the host's
 * RTC, read for its time at a guest's power-up: seconds since 1970 as
 * the host's RTC counts them (its own time zone). */
int rtc_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);
int64_t host_rtc_seconds(void);

/* The HPET's page (vmx/dev/hpet.h; pc_io.c) */
bool hpet_mmio(struct vcpu *v, uint64_t offset, unsigned size, bool write, uint64_t *val);

/* The ACPI PM block (vmx/dev/acpi_pm.c): ports 0x600-0x60b. */
int acpi_pm_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);

#endif
