/* The GDB stub's protocol loop and stop/go (kernel/gdb/stub.h). One GDB,
 * one guest. The port and the receive state belong to whoever holds
 * st.lock: the console's poll while the guest runs, the serving vCPU's
 * pause while GDB has it stopped. */
#include "kernel/gdb/stub.h"

#include "arch/x86/cpu.h"
#include "drivers/uart16550.h"
#include "kernel/gdb/command.h"
#include "kernel/gdb/hwpoint.h"
#include "kernel/gdb/packet.h"
#include "kernel/gdb/regs.h"
#include "kernel/gdb/target.h"
#include "kernel/guests.h"
#include "kernel/lib/fmt.h"
#include "kernel/lib/string.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "kernel/percpu.h"
#include "kernel/spinlock.h"
#include "vmx/event.h"
#include "vmx/guest.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"

#define SW_POINTS 64
#define BP_OPCODE 0xcc              /* INT3 */
#define VECTOR_BP 3
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_RF (1ull << 16)
#define DR6_BS (1ull << 14)
#define POLL_BYTES 64               /* per poll while the guest runs */

static struct {
    struct spinlock lock;
    uint16_t port;                  /* 0: no stub (gdb=off) */
    struct guest *volatile g;
    volatile bool stopped;          /* by GDB: vCPU `owner` serves it */
    volatile unsigned owner;        /* the vCPU GDB looks at (Hg), index */
    bool reply_due;                 /* send stop_reply first */
    bool packet_due;                /* rx.data: a packet read while the guest ran */
    bool attached;                  /* breakpoints are GDB's: #BP intercepted */
    char stop_reply[64];
    int step;                       /* the vCPU stepping, or -1 */
    uint64_t step_rip;              /* where its step began */
    volatile unsigned gen;          /* breakpoints changed: vCPUs apply them */
    struct { bool used; uint64_t addr; uint8_t orig; } sw[SW_POINTS];
    struct { unsigned type; uint64_t addr, len; } hw[GDB_HW_SLOTS];   /* type 0: free */
    struct gdb_rx rx;
    uint8_t out[2 * GDB_PACKET_MAX + 8];
    char reply[GDB_PACKET_MAX + 1];
    uint8_t buf[GDB_PACKET_MAX];
} st = { .step = -1 };

/* What each vCPU has applied (by index): st.gen, and the guest's own DR7
 * while GDB's slots are in the VMCS. */
static struct {
    unsigned gen;
    bool dr7_saved;
    uint64_t dr7;
} applied[GUEST_VCPUS_MAX];

static size_t last_len;             /* the last packet sent, for a '-' */

static void put_raw(const void *p, size_t n)
{
    uart_write(st.port, p, n);
}

static void send(const char *data, size_t n)
{
    last_len = gdb_frame((const uint8_t *)data, n, st.out, sizeof(st.out));
    put_raw(st.out, last_len);
}

static void send_str(const char *s)
{
    send(s, strlen(s));
}

static bool stop(unsigned thread, unsigned sig, const char *why, bool reply);

void gdb_stub_start(void)
{
    if (!keel_options.gdb || !guests_count())
        return;
    const struct uart_config *cfg = &keel_options.com[1];
    if (keel_options.console == 1) {
        log_warn("gdb=com2: COM2 is Keel's console (console=com2): no GDB stub");
        return;
    }
    if (!uart_init(cfg)) {
        log_warn("gdb=com2: no UART answers at 0x%x: no GDB stub", cfg->port);
        return;
    }
    gdb_rx_reset(&st.rx);
    st.port = cfg->port;
    st.g = guest_at(0);
    bool wait = false;
    for (unsigned i = 0; i < guests_count() && !wait; i++)
        if (guest_at(i)->cfg.gdb) {
            st.g = guest_at(i);
            wait = true;
        }
    log_info("gdb: stub for guest %s on COM2 (0x%x, %u baud): 'target remote' there%s",
             st.g->cfg.name, cfg->port, cfg->baud,
             wait ? "; it waits for GDB before its first instruction" : "");
    /* gdb=wait: stopped as by GDB, before any vCPU enters (each finds the
     * pause request at its first pre-entry step: vmx/vcpu.c) */
    if (wait)
        stop(0, 5, "", false);
}

struct guest *gdb_stub_guest(void)
{
    return st.port ? st.g : NULL;
}

bool gdb_stub_select(struct guest *g)
{
    if (!st.port || (st.attached && st.g != g))
        return false;
    st.g = g;
    return true;
}

/* Stop the guest for GDB, saying `why` ("T05thread:1;swbreak:;") when
 * `reply`. False when it is stopped already (another vCPU got there
 * first: this event is not reported). */
static bool stop(unsigned thread, unsigned sig, const char *why, bool reply)
{
    struct guest *g = st.g;
    bool was = false;
    if (!__atomic_compare_exchange_n(&st.stopped, &was, true, false, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST))
        return false;
    ksnprintf(st.stop_reply, sizeof(st.stop_reply), "T%02xthread:%x;%s", sig, thread + 1, why);
    st.reply_due = reply;
    st.owner = thread;
    st.attached = true;
    st.gen++;
    __atomic_store_n(&g->paused, true, __ATOMIC_SEQ_CST);
    for (unsigned k = 0; k < g->vcpu_count; k++)
        vcpu_request(&g->vcpus[k], VCPU_REQ_PAUSE);
    return true;
}

static void go(void)
{
    __atomic_store_n(&st.stopped, false, __ATOMIC_SEQ_CST);
    __atomic_store_n(&st.g->paused, false, __ATOMIC_SEQ_CST);
}

bool gdb_stub_poll(void)
{
    struct guest *g = st.g;
    bool got = false;
    if (!st.port || __atomic_load_n(&st.stopped, __ATOMIC_ACQUIRE) || !spin_trylock(&st.lock))
        return false;
    for (unsigned i = 0; i < POLL_BYTES && !st.stopped; i++) {
        int c = uart_getc(st.port);
        if (c < 0)
            break;
        got = true;
        enum gdb_rx_event e = gdb_rx_byte(&st.rx, (uint8_t)c);
        if (e == GDB_RX_ACK || e == GDB_RX_NACK || (e == GDB_RX_NONE && st.rx.state == RX_IDLE))
            continue;
        if (e == GDB_RX_BAD)
            put_raw("-", 1);
        if (e == GDB_RX_PACKET)
            put_raw("+", 1);
        if (g->state != GUEST_RUNNING) {
            /* nobody to stop: the guest has ended */
            if (e == GDB_RX_PACKET)
                send_str(st.rx.data[0] == '?' ? "W00" : "E01");
            continue;
        }
        /* A packet begun is enough: the UART holds 16 bytes, and this
         * poll comes every millisecond at best, while the serving vCPU
         * reads it all the time; a packet that lost bytes meanwhile is
         * sent again ('-', or GDB's timeout). */
        st.packet_due = e == GDB_RX_PACKET;
        stop(st.owner, e == GDB_RX_INTERRUPT ? 2 : 5, "", e == GDB_RX_INTERRUPT);
    }
    spin_unlock(&st.lock);
    return got;
}

/* ---------------------------------------------------------------- breakpoints */

static int sw_insert(struct vcpu *v, uint64_t addr)
{
    int free = -1;
    for (int i = 0; i < SW_POINTS; i++) {
        if (st.sw[i].used && st.sw[i].addr == addr)
            return 0;
        if (!st.sw[i].used && free < 0)
            free = i;
    }
    uint8_t orig, cc = BP_OPCODE;
    if (free < 0)
        return -1;
    if (gdb_target_read(v, addr, &orig, 1) != 1 || gdb_target_write(v, addr, &cc, 1) != 1)
        return -1;
    st.sw[free].used = true;
    st.sw[free].addr = addr;
    st.sw[free].orig = orig;
    return 0;
}

static void sw_remove_at(struct vcpu *v, int i)
{
    gdb_target_write(v, st.sw[i].addr, &st.sw[i].orig, 1);
    st.sw[i].used = false;
}

static int sw_remove(struct vcpu *v, uint64_t addr)
{
    for (int i = 0; i < SW_POINTS; i++)
        if (st.sw[i].used && st.sw[i].addr == addr) {
            sw_remove_at(v, i);
            return 0;
        }
    return -1;
}

static int hw_insert(unsigned type, uint64_t addr, uint64_t len)
{
    for (unsigned i = 0; i < GDB_HW_SLOTS; i++)
        if (!st.hw[i].type) {
            if (!gdb_dr7_slot_bits(i, type, addr, len))
                return -1;
            st.hw[i].type = type;
            st.hw[i].addr = addr;
            st.hw[i].len = len;
            st.gen++;
            return 0;
        }
    return -1;
}

static int hw_remove(unsigned type, uint64_t addr, uint64_t len)
{
    for (unsigned i = 0; i < GDB_HW_SLOTS; i++)
        if (st.hw[i].type == type && st.hw[i].addr == addr && (type == 1 || st.hw[i].len == len)) {
            st.hw[i].type = 0;
            st.gen++;
            return 0;
        }
    return -1;
}

static void remove_all(struct vcpu *v)
{
    for (int i = 0; i < SW_POINTS; i++)
        if (st.sw[i].used)
            sw_remove_at(v, i);
    for (unsigned i = 0; i < GDB_HW_SLOTS; i++)
        st.hw[i].type = 0;
    st.gen++;
}

/* This vCPU's exception bitmap (#BP while GDB is attached) and debug
 * registers (GDB's slots over the guest's own), on its own CPU. */
static void apply(struct vcpu *v)
{
    unsigned k = v->index;
    uint64_t bitmap = vmread(VMCS_EXCEPTION_BITMAP);
    uint64_t want = st.attached ? bitmap | 1u << VECTOR_BP : bitmap & ~(1u << VECTOR_BP);
    if (want != bitmap)
        vmwrite(VMCS_EXCEPTION_BITMAP, want);
    uint64_t ours = 0, mask = 0;
    for (unsigned i = 0; i < GDB_HW_SLOTS; i++) {
        if (st.attached && st.hw[i].type) {
            ours |= gdb_dr7_slot_bits(i, st.hw[i].type, st.hw[i].addr, st.hw[i].len);
            mask |= gdb_dr7_slot_mask(i);
            write_dr(i, st.hw[i].addr);
        } else {
            write_dr(i, v->dr[i]);
        }
    }
    if (mask && !applied[k].dr7_saved) {
        applied[k].dr7 = vmread(VMCS_GUEST_DR7);
        applied[k].dr7_saved = true;
    }
    if (applied[k].dr7_saved) {
        vmwrite(VMCS_GUEST_DR7, (applied[k].dr7 & ~mask) | ours | DR7_FIXED_1);
        if (!mask)
            applied[k].dr7_saved = false;
    }
    applied[k].gen = st.gen;
}

/* ---------------------------------------------------------------- requests */

static void reply_hex(const uint8_t *p, size_t n)
{
    gdb_hex_encode(p, n, st.reply);
    send(st.reply, 2 * n);
}

/* Let the guest run; `step`: vCPU v does one instruction first (the
 * monitor trap flag, or RFLAGS.TF where the CPU lacks it). */
static void resume(struct vcpu *v, bool step)
{
    st.step = step ? (int)v->index : -1;
    if (step) {
        st.step_rip = vmread(VMCS_GUEST_RIP);
        vcpu_request_self(v, VCPU_REQ_GDB_STEP);
        if (vmcs_config.allowed1[VMX_PROC] & VMX_PROC_MONITOR_TRAP_FLAG) {
            v->proc_ctl |= VMX_PROC_MONITOR_TRAP_FLAG;
            vmwrite(VMCS_CPU_BASED_VM_EXEC_CONTROL, v->proc_ctl);
        } else {
            vmwrite(VMCS_GUEST_RFLAGS, vmread(VMCS_GUEST_RFLAGS) | RFLAGS_TF);
        }
    }
    apply(v);
    go();
}

static void detach(struct vcpu *v)
{
    remove_all(v);
    st.attached = false;
    st.gen++;
    send_str("OK");
    apply(v);
    go();
}

static bool vcpu_here(unsigned t)
{
    struct vcpu *v = &st.g->vcpus[t];
    return __atomic_load_n(&cpus[v->cpu]->vcpu, __ATOMIC_ACQUIRE) == v &&
           v->activity != VCPU_WAIT_FOR_SIPI;
}

static void read_mem(struct vcpu *v, uint64_t addr, uint64_t len)
{
    if (len > GDB_PACKET_MAX / 2)
        len = GDB_PACKET_MAX / 2;
    size_t n = gdb_target_read(v, addr, st.buf, len);
    if (!n && len)
        send_str("E14");
    else
        reply_hex(st.buf, n);
}

static void write_mem(struct vcpu *v, const struct gdb_command *c, bool binary)
{
    if (c->len > sizeof(st.buf) || (binary ? c->data_len != c->len : c->data_len != 2 * c->len) ||
        (!binary && !gdb_hex_decode(c->data, c->len, st.buf))) {
        send_str("E01");
        return;
    }
    const uint8_t *src = binary ? (const uint8_t *)c->data : st.buf;
    send_str(gdb_target_write(v, c->addr, src, c->len) == c->len ? "OK" : "E14");
}

static void point(struct vcpu *v, const struct gdb_command *c, bool insert)
{
    int r;
    if (c->kind == GDB_SW_BREAK)
        r = insert ? sw_insert(v, c->addr) : sw_remove(v, c->addr);
    else
        r = insert ? hw_insert((unsigned)c->kind, c->addr, c->len)
                   : hw_remove((unsigned)c->kind, c->addr, c->len);
    if (!r)
        apply(v);
    send_str(r ? "E01" : "OK");
}

static void xfer_features(const struct gdb_command *c)
{
    if (c->data_len != 10 || strncmp(c->data, "target.xml", 10)) {
        send_str("E00");
        return;
    }
    const char *xml = gdb_target_xml(gdb_target_arch());
    size_t n = strlen(xml), len = c->len < GDB_PACKET_MAX - 1 ? c->len : GDB_PACKET_MAX - 1;
    if (c->addr >= n) {
        send_str("l");
        return;
    }
    size_t k = n - c->addr < len ? n - c->addr : len;
    st.reply[0] = c->addr + k < n ? 'm' : 'l';
    memcpy(st.reply + 1, xml + c->addr, k);
    send(st.reply, k + 1);
}

static void threads(void)
{
    size_t n = 0;
    st.reply[n++] = 'm';
    for (unsigned k = 0; k < st.g->vcpu_count; k++)
        n += (size_t)ksnprintf(st.reply + n, 16, "%s%x", k ? "," : "", k + 1);
    send(st.reply, n);
}

/* One request, on vCPU v's CPU (the owner's). */
static void handle(struct vcpu *v, const char *p, size_t len)
{
    struct gdb_command c;
    struct gdb_x86_regs r;
    enum gdb_arch arch = gdb_target_arch();
    unsigned n = st.g->vcpu_count;
    gdb_decode(p, len, &c);
    switch (c.op) {
    case GDB_HALT_REASON:
        send_str(st.stop_reply[0] ? st.stop_reply : "S05");
        break;
    case GDB_SUPPORTED:
        send_str("PacketSize=1000;qXfer:features:read+;swbreak+;hwbreak+");
        break;
    case GDB_XFER_FEATURES: xfer_features(&c); break;
    case GDB_ATTACHED: send_str("1"); break;
    case GDB_CURRENT_THREAD:
        ksnprintf(st.reply, 16, "QC%x", st.owner + 1);
        send_str(st.reply);
        break;
    case GDB_THREADS_FIRST: threads(); break;
    case GDB_THREADS_NEXT: send_str("l"); break;
    case GDB_SET_THREAD:
        if (c.thread > 0 && (unsigned long)c.thread <= n && c.kind == 'g' &&
            (unsigned)c.thread - 1 != st.owner) {
            if (!vcpu_here((unsigned)c.thread - 1)) {
                send_str("E01");
                break;
            }
            st.owner = (unsigned)c.thread - 1;     /* it serves from its pause now */
        }
        send_str(c.thread <= (long)n ? "OK" : "E01");
        break;
    case GDB_THREAD_ALIVE:
        send_str(c.thread > 0 && (unsigned long)c.thread <= n ? "OK" : "E01");
        break;
    case GDB_READ_REGS:
        gdb_target_get_regs(v, &r);
        send(st.reply, gdb_regs_encode(&r, arch, st.reply));
        break;
    case GDB_WRITE_REGS:
        gdb_target_get_regs(v, &r);
        if (gdb_regs_decode(c.data, c.data_len, arch, &r)) {
            gdb_target_set_regs(v, &r);
            send_str("OK");
        } else {
            send_str("E01");
        }
        break;
    case GDB_READ_REG: {
        gdb_target_get_regs(v, &r);
        size_t k = c.reg < 64 ? gdb_reg_encode(&r, arch, (unsigned)c.reg, st.reply) : 0;
        if (k)
            send(st.reply, k);
        else
            send_str("E01");
        break;
    }
    case GDB_WRITE_REG:
        gdb_target_get_regs(v, &r);
        if (c.reg < 64 && gdb_reg_decode(c.data, c.data_len, arch, (unsigned)c.reg, &r)) {
            gdb_target_set_regs(v, &r);
            send_str("OK");
        } else {
            send_str("E01");
        }
        break;
    case GDB_READ_MEM: read_mem(v, c.addr, c.len); break;
    case GDB_WRITE_MEM: write_mem(v, &c, false); break;
    case GDB_WRITE_MEM_BINARY: write_mem(v, &c, true); break;
    case GDB_INSERT_POINT: point(v, &c, true); break;
    case GDB_REMOVE_POINT: point(v, &c, false); break;
    case GDB_CONTINUE:
    case GDB_STEP:
        if (c.has_addr)
            vmwrite(VMCS_GUEST_RIP, c.addr);
        resume(v, c.op == GDB_STEP);
        break;
    case GDB_VCONT_QUERY: send_str("vCont;c;C;s;S"); break;
    case GDB_VCONT: {
        /* The step of the vCPU served; the others continue. */
        bool step = false;
        for (unsigned i = 0; i < c.vcont_count; i++)
            if (c.vcont[i].action == 's' && (c.vcont[i].thread == GDB_THREAD_ALL ||
                                             (unsigned long)c.vcont[i].thread == v->index + 1ul))
                step = true;
        resume(v, step);
        break;
    }
    case GDB_DETACH: detach(v); break;
    case GDB_KILL:
        log_info("gdb: 'kill' taken as detach: guest %s runs on", st.g->cfg.name);
        remove_all(v);
        st.attached = false;
        apply(v);
        go();
        break;
    case GDB_MALFORMED: send_str("E01"); break;
    case GDB_UNSUPPORTED: send("", 0); break;
    }
}

void gdb_stub_paused(struct vcpu *v, bool leaving)
{
    if (v->guest != st.g || !st.port)
        return;
    if (applied[v->index].gen != st.gen)
        apply(v);
    /* Leaving while GDB still has it stopped: the monitor's `resume` (or
     * the guest's end) let it go; the console's poll reads GDB again. */
    if (leaving && st.stopped && st.owner == v->index && !v->guest->paused)
        __atomic_store_n(&st.stopped, false, __ATOMIC_SEQ_CST);
    if (leaving || !st.stopped || st.owner != v->index || !spin_trylock(&st.lock))
        return;
    if (st.reply_due) {
        st.reply_due = false;
        send_str(st.stop_reply);
    }
    if (st.packet_due) {
        st.packet_due = false;
        handle(v, (const char *)st.rx.data, st.rx.len);
    }
    while (st.stopped && st.owner == v->index) {
        int c = uart_getc(st.port);
        if (c < 0)
            break;
        switch (gdb_rx_byte(&st.rx, (uint8_t)c)) {
        case GDB_RX_PACKET:
            put_raw("+", 1);
            handle(v, (const char *)st.rx.data, st.rx.len);
            break;
        case GDB_RX_BAD: put_raw("-", 1); break;
        case GDB_RX_NACK: put_raw(st.out, last_len); break;
        default: break;
        }
    }
    spin_unlock(&st.lock);
}

/* ---------------------------------------------------------------- stops */

static bool debugging(struct vcpu *v)
{
    return st.port && st.attached && v->guest == st.g;
}

bool gdb_stub_breakpoint(struct vcpu *v)
{
    if (!debugging(v))
        return false;
    uint64_t rip = vmread(VMCS_GUEST_RIP);
    for (int i = 0; i < SW_POINTS; i++)
        if (st.sw[i].used && st.sw[i].addr == rip) {
            stop(v->index, 5, "swbreak:;", true);
            return true;            /* RIP is at the INT3: the breakpoint's address */
        }
    return false;
}

/* The step's trap flag off (MTF or RFLAGS.TF, whichever it set). */
static void end_step(struct vcpu *v)
{
    st.step = -1;
    if (v->proc_ctl & VMX_PROC_MONITOR_TRAP_FLAG) {
        v->proc_ctl &= ~VMX_PROC_MONITOR_TRAP_FLAG;
        vmwrite(VMCS_CPU_BASED_VM_EXEC_CONTROL, v->proc_ctl);
    } else {
        vmwrite(VMCS_GUEST_RFLAGS, vmread(VMCS_GUEST_RFLAGS) & ~RFLAGS_TF);
        /* an instruction that exited with TF set may leave its single-step
         * trap pending (SDM "Guest Non-Register State": BS), which would
         * reach the guest at the next entry: it was GDB's */
        uint64_t pend = vmread(VMCS_GUEST_PENDING_DBG_EXCEPTIONS);
        if (pend & DR6_BS)
            vmwrite(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, pend & ~DR6_BS);
    }
}

bool gdb_stub_step_check(struct vcpu *v)
{
    if (st.step != (int)v->index)
        return false;
    if (vmread(VMCS_GUEST_RIP) == st.step_rip) {
        vcpu_request_self(v, VCPU_REQ_GDB_STEP);    /* not yet: after the next exit */
        return false;
    }
    end_step(v);
    stop(v->index, 5, "", true);
    return true;
}

bool gdb_stub_debug(struct vcpu *v, uint64_t q)
{
    if (!debugging(v))
        return false;
    if ((q & DR6_BS) && st.step == (int)v->index) {
        end_step(v);
        stop(v->index, 5, "", true);
        return true;
    }
    for (unsigned i = 0; i < GDB_HW_SLOTS; i++) {
        if (!st.hw[i].type || !(q & (1ull << i)))
            continue;
        char why[40];
        if (st.hw[i].type == 1) {
            ksnprintf(why, sizeof(why), "hwbreak:;");
            /* a fault: RF lets the instruction run when resumed */
            vmwrite(VMCS_GUEST_RFLAGS, vmread(VMCS_GUEST_RFLAGS) | RFLAGS_RF);
        } else {
            ksnprintf(why, sizeof(why), "%s:%llx;", gdb_hw_stop_name(st.hw[i].type),
                      (unsigned long long)st.hw[i].addr);
        }
        stop(v->index, 5, why, true);
        return true;
    }
    return false;
}

bool gdb_stub_trap(struct vcpu *v)
{
    if (!(v->proc_ctl & VMX_PROC_MONITOR_TRAP_FLAG))
        return false;
    bool ours = st.step == (int)v->index;
    end_step(v);
    if (ours && debugging(v))
        stop(v->index, 5, "", true);
    return true;
}
