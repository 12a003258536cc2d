#include "kernel/gdb/command.h"
#include "kernel/gdb/packet.h"
#include "kernel/lib/string.h"

static int starts(const char *p, const char *word)
{
    return !strncmp(p, word, strlen(word));
}

/* "<hex>,<hex>" at *p */
static int addr_len(const char **p, uint64_t *addr, uint64_t *len)
{
    return gdb_parse_hex(p, addr) && *(*p)++ == ',' && gdb_parse_hex(p, len);
}

/* A thread-id: hex, or "-1" (all); "p" forms are not used (no multiprocess). */
static int thread_id(const char **p, long *id)
{
    if ((*p)[0] == '-' && (*p)[1] == '1') {
        *p += 2;
        *id = GDB_THREAD_ALL;
        return 1;
    }
    uint64_t v;
    if (!gdb_parse_hex(p, &v) || v > 0x7fffffff)
        return 0;
    *id = (long)v;
    return 1;
}

static enum gdb_op vcont(const char *p, struct gdb_command *c)
{
    while (*p == ';') {
        p++;
        if (c->vcont_count == GDB_VCONT_MAX)
            return GDB_MALFORMED;
        struct gdb_vcont_action *a = &c->vcont[c->vcont_count++];
        char act = *p++;
        uint64_t sig;
        if (act == 'C' || act == 'S') {         /* the signal is not passed on */
            if (!gdb_parse_hex(&p, &sig))
                return GDB_MALFORMED;
            act = (char)(act - 'A' + 'a');
        }
        if (act != 'c' && act != 's')
            return GDB_MALFORMED;
        a->action = act;
        a->thread = GDB_THREAD_ALL;
        if (*p == ':') {
            p++;
            if (!thread_id(&p, &a->thread))
                return GDB_MALFORMED;
        }
    }
    return *p || !c->vcont_count ? GDB_MALFORMED : GDB_VCONT;
}

static enum gdb_op decode(const char *p, size_t len, struct gdb_command *c)
{
    const char *end = p + len;
    char op = *p++;
    switch (op) {
    case '?': return len == 1 ? GDB_HALT_REASON : GDB_MALFORMED;
    case 'g': return len == 1 ? GDB_READ_REGS : GDB_MALFORMED;
    case 'G':
        c->data = p;
        c->data_len = len - 1;
        return GDB_WRITE_REGS;
    case 'D': return GDB_DETACH;
    case 'k': return GDB_KILL;
    case 'p':
        return gdb_parse_hex(&p, &c->reg) && p == end ? GDB_READ_REG : GDB_MALFORMED;
    case 'P':
        if (!gdb_parse_hex(&p, &c->reg) || *p++ != '=')
            return GDB_MALFORMED;
        c->data = p;
        c->data_len = (size_t)(end - p);
        return GDB_WRITE_REG;
    case 'm':
        return addr_len(&p, &c->addr, &c->len) && p == end ? GDB_READ_MEM : GDB_MALFORMED;
    case 'M':
    case 'X':
        if (!addr_len(&p, &c->addr, &c->len) || p >= end || *p++ != ':')
            return GDB_MALFORMED;
        c->data = p;
        c->data_len = (size_t)(end - p);
        return op == 'M' ? GDB_WRITE_MEM : GDB_WRITE_MEM_BINARY;
    case 'Z':
    case 'z': {
        uint64_t type;
        if (!gdb_parse_hex(&p, &type) || type > GDB_ACCESS_WATCH || *p++ != ',' ||
            !addr_len(&p, &c->addr, &c->len))
            return GDB_MALFORMED;
        c->kind = (char)type;
        if (*p == ';')              /* conditions, commands: not taken */
            return GDB_UNSUPPORTED;
        return p != end ? GDB_MALFORMED : op == 'Z' ? GDB_INSERT_POINT : GDB_REMOVE_POINT;
    }
    case 'c':
    case 's':
        if (p != end) {
            if (!gdb_parse_hex(&p, &c->addr) || p != end)
                return GDB_MALFORMED;
            c->has_addr = 1;
        }
        return op == 'c' ? GDB_CONTINUE : GDB_STEP;
    case 'H':
        c->kind = *p++;
        if ((c->kind != 'g' && c->kind != 'c') || !thread_id(&p, &c->thread) || p != end)
            return GDB_MALFORMED;
        return GDB_SET_THREAD;
    case 'T':
        return thread_id(&p, &c->thread) && p == end ? GDB_THREAD_ALIVE : GDB_MALFORMED;
    case 'v':
        if (!strcmp(p, "Cont?"))
            return GDB_VCONT_QUERY;
        if (starts(p, "Cont;"))
            return vcont(p + 4, c);
        return GDB_UNSUPPORTED;
    case 'q':
        if (!strcmp(p, "Attached") || starts(p, "Attached:"))
            return GDB_ATTACHED;
        if (!strcmp(p, "C"))
            return GDB_CURRENT_THREAD;
        if (!strcmp(p, "fThreadInfo"))
            return GDB_THREADS_FIRST;
        if (!strcmp(p, "sThreadInfo"))
            return GDB_THREADS_NEXT;
        if (!strcmp(p, "Supported") || starts(p, "Supported:"))
            return GDB_SUPPORTED;
        if (starts(p, "Xfer:features:read:")) {
            p += strlen("Xfer:features:read:");
            const char *colon = strchr(p, ':');
            if (!colon)
                return GDB_MALFORMED;
            c->data = p;
            c->data_len = (size_t)(colon - p);
            p = colon + 1;
            return addr_len(&p, &c->addr, &c->len) && p == end ? GDB_XFER_FEATURES
                                                                : GDB_MALFORMED;
        }
        return GDB_UNSUPPORTED;
    }
    return GDB_UNSUPPORTED;
}

void gdb_decode(const char *p, size_t len, struct gdb_command *c)
{
    memset(c, 0, sizeof(*c));
    c->op = len ? decode(p, len, c) : GDB_UNSUPPORTED;
}
