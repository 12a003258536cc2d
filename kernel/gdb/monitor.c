/* The monitor's `gdb [guest]`: which guest the GDB stub debugs. */
#include "kernel/gdb/stub.h"
#include "kernel/monitor_cmd.h"
#include "vmx/guest.h"

MONITOR_COMMAND(gdb)
{
    struct guest *cur = gdb_stub_guest();
    if (!cur) {
        monitor_out("gdb: no GDB stub (gdb=com2 on Keel's command line starts it)");
        return;
    }
    if (argc < 2) {
        monitor_out("gdb: the stub on COM2 debugs guest %s", cur->cfg.name);
        return;
    }
    struct guest *g = monitor_guest(argv[1]);
    if (!g)
        return;
    if (!gdb_stub_select(g))
        monitor_out("gdb: GDB is attached to guest %s: detach first", cur->cfg.name);
    else
        monitor_out("gdb: the stub on COM2 debugs guest %s", g->cfg.name);
}
