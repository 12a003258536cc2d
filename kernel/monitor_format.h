/* The monitor's pure parts: its arguments and the text of its dumps
 * (regs, vmcs, mem, vmem), apart from where the values come from.
 * Unit-tested: tests/unit/test_monitor_format.c. */
#ifndef KEEL_MONITOR_FORMAT_H
#define KEEL_MONITOR_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/fmt.h"
#include "vmx/guest_walk.h"
#include "vmx/vcpu_start.h"
#include "vmx/vmcs_image.h"

#define MONITOR_DUMP_DEFAULT 64     /* mem/vmem without a length */
#define MONITOR_DUMP_MAX 4096
#define MONITOR_HEX_BYTES 16        /* a dump line's */

/* mem/vmem's "ADDRESS [LENGTH]", each decimal or 0x hex: the length is
 * MONITOR_DUMP_DEFAULT when `len` is NULL, else 1..MONITOR_DUMP_MAX, and
 * the range may not wrap past 2^64. Returns NULL, or what is wrong. */
const char *monitor_parse_range(const char *addr, const char *len, uint64_t *start,
                                uint64_t *count);

/* A vCPU number: decimal, below `count`. */
bool monitor_parse_index(const char *s, unsigned count, unsigned *index);

/* One hex-dump line: the address, `n` (at most MONITOR_HEX_BYTES) bytes
 * in hex, then as text ('.' for bytes that do not print):
 * "0000000000008100  68 65 6c 6c 6f 00 ...  |hello...|". */
void monitor_hex_line(char *buf, size_t size, uint64_t addr, const uint8_t *p, unsigned n);

/* The guest's operating mode: "real mode", "virtual-8086 mode",
 * "protected mode, 16-bit" or "32-bit", "compatibility mode", "64-bit
 * mode" (SDM Vol. 3 "Modes of Operation"; cs_ar: CS access rights as
 * the VMCS holds them). */
const char *monitor_cpu_mode(uint64_t cr0, uint64_t efer, uint64_t rflags, uint64_t cs_ar);

/* CR0 or CR4 as the guest reads it: the bits Keel owns (the guest/host
 * mask) from the read shadow, the others from the register. */
uint64_t monitor_guest_cr(const struct vmcs_image *img, uint32_t cr, uint32_t mask,
                          uint32_t shadow);

/* The guest's paging registers from a VMCS image, for guest_walk (the
 * PDPTEs from the VMCS under PAE paging, as the CPU uses them). */
void monitor_walk_cpu(const struct vmcs_image *img, struct gw_cpu *c, uint64_t pdpte[4]);

/* regs: general registers, RIP, RFLAGS, control registers, EFER,
 * segments and descriptor tables, a line each call of `line`. */
void monitor_regs_lines(const struct vmcs_image *img, const struct guest_regs *r, report_fn line,
                        void *ctx);

/* vmcs: every field the image has by name, two a line, grouped as
 * vmx/vmcs_fields.def's kinds; then how many the CPU does not have. */
void monitor_vmcs_lines(const struct vmcs_image *img, report_fn line, void *ctx);

#endif
