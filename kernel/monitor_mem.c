/* mem and vmem: guest memory in hex, at a guest-physical address, or at a
 * linear one through the guest's own page tables (vCPU 0's CR3 and mode,
 * from a snapshot). */
#include "kernel/frame.h"
#include "kernel/lib/string.h"
#include "kernel/monitor_cmd.h"
#include "kernel/monitor_format.h"
#include "vmx/guest.h"

/* vmem's bytes, gathered page by page: one command at a time. */
static uint8_t gathered[MONITOR_DUMP_MAX];

static void dump(uint64_t addr, const uint8_t *p, uint64_t len)
{
    char line[100];
    for (uint64_t off = 0; off < len; off += MONITOR_HEX_BYTES) {
        unsigned n = len - off < MONITOR_HEX_BYTES ? (unsigned)(len - off) : MONITOR_HEX_BYTES;
        monitor_hex_line(line, sizeof(line), addr + off, p + off, n);
        monitor_out("%s", line);
    }
}

/* "<guest> <address> [len]": the guest and the range, or NULL having said
 * why not. */
static struct guest *guest_range(unsigned argc, char **argv, uint64_t *start, uint64_t *len)
{
    struct guest *g = monitor_guest(argv[1]);
    const char *why =
        g ? monitor_parse_range(argv[2], argc > 3 ? argv[3] : NULL, start, len) : NULL;
    if (why)
        monitor_out("%s: %s", argv[0], why);
    return why ? NULL : g;
}

MONITOR_COMMAND(mem)
{
    uint64_t gpa, len;
    struct guest *g = guest_range(argc, argv, &gpa, &len);
    if (!g)
        return;
    const uint8_t *p = guest_ram(g, gpa, len);
    if (!p) {
        monitor_out("mem: 0x%llx-0x%llx is not all in guest %s's RAM (0x0-0x%llx): refused",
                    (unsigned long long)gpa, (unsigned long long)(gpa + len - 1), g->cfg.name,
                    (unsigned long long)(g->cfg.mem - 1));
        return;
    }
    dump(gpa, p, len);
}

/* Why the walk of `la` stopped (vmx/guest_walk.h). */
static void walk_failed(uint64_t la, enum gw_status s, const struct gw_result *r)
{
    if (s == GW_FAULT)
        monitor_out("vmem: 0x%llx is not mapped (a page fault, error code 0x%x, at level %d)",
                    (unsigned long long)la, r->pfec, r->level);
    else if (s == GW_NONCANONICAL)
        monitor_out("vmem: 0x%llx is not canonical", (unsigned long long)la);
    else
        monitor_out("vmem: 0x%llx: a paging entry at guest-physical 0x%llx is outside its RAM",
                    (unsigned long long)la, (unsigned long long)r->table_gpa);
}

MONITOR_COMMAND(vmem)
{
    uint64_t gva, len, got = 0;
    struct guest *g = guest_range(argc, argv, &gva, &len);
    const struct vcpu_snapshot *s = g ? monitor_snapshot(&g->vcpus[0]) : NULL;
    if (!s)
        return;
    struct gw_cpu c;
    uint64_t pdpte[4];
    monitor_walk_cpu(&s->vmcs, &c, pdpte);
    while (got < len) {
        struct gw_result r;
        uint64_t la = gva + got;
        enum gw_status st = guest_walk(&c, la, 0, guest_ram_read_entry, g, &r);
        if (st != GW_OK) {
            walk_failed(la, st, &r);
            break;
        }
        uint64_t n = FRAME_SIZE - (la & (FRAME_SIZE - 1));
        if (n > len - got)
            n = len - got;
        const uint8_t *p = guest_ram(g, r.gpa, n);
        if (!p) {
            monitor_out("vmem: 0x%llx maps to guest-physical 0x%llx, outside its RAM",
                        (unsigned long long)la, (unsigned long long)r.gpa);
            break;
        }
        if (!got)
            monitor_out("vmem: 0x%llx is guest-physical 0x%llx (paging %s, CR3 0x%llx)",
                        (unsigned long long)la, (unsigned long long)r.gpa, gw_mode_name(&c),
                        (unsigned long long)c.cr3);
        memcpy(gathered + got, p, n);
        got += n;
    }
    dump(gva, gathered, got);
}
