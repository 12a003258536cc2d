/* Device models: small files behind the guest's device table (port
 * ranges, MMIO ranges: vmx/guest.h). devices_create registers the ones
 * every guest gets. */
#ifndef KEEL_VMX_DEV_DEVICES_H
#define KEEL_VMX_DEV_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx/exit.h"

/* Every guest's devices: the 16550 at COM1, the test exit port and MMIO
 * scratch page, the local APIC's MMIO page. */
void devices_create(struct guest *g);

/* The guest console (vmx/dev/console.c): what the guest writes appears on
 * Keel's console line by line as "guest NAME: ...". */
void guest_console_putc(struct guest *g, char c);
void guest_console_flush(struct guest *g);

/* Ports no device claims: reads see all ones, writes are dropped. */
int pio_no_device(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);

/* A 16550 at COM1 (0x3f8-0x3ff) whose output is the guest console. */
#define VUART_COM1 0x3f8
int vuart_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);

/* The test exit port (like QEMU's isa-debug-exit): a write of N to 0xf4
 * ends the guest with status N. */
#define TESTDEV_EXIT_PORT 0xf4
int testdev_io(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val);
#define TESTDEV_MMIO_BASE 0xfeb00000ull
bool testdev_mmio(struct vcpu *v, uint64_t offset, unsigned size, bool write, uint64_t *val);


#endif
