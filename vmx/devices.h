/* Device models: small files that answer what the exit handlers decode.
 * Each returns true when the port is its own. */
#ifndef KEEL_VMX_DEVICES_H
#define KEEL_VMX_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx/exit.h"

/* The guest console: a 16550 at COM1 (0x3f8-0x3ff). Output appears on
 * Keel's console line by line as "guest NAME: ...". */
bool vuart_io(struct guest *g, uint16_t port, bool in, uint32_t *val);
void guest_console_putc(struct guest *g, char c);
void guest_console_flush(struct guest *g);

/* The test exit port (like QEMU's isa-debug-exit): a write of N to 0xf4
 * ends the guest with status N. */
#define TESTDEV_EXIT_PORT 0xf4
bool testdev_io(struct vcpu *v, uint16_t port, bool in, uint32_t *val, enum exit_action *act);

#endif
