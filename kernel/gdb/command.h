/* A GDB remote-protocol packet, decoded (GDB manual, "Packets"): which
 * request it is and its numbers. Only what a debugger of a guest needs;
 * anything else is GDB_UNSUPPORTED, to which the stub answers with an
 * empty packet, as the protocol asks. Pure: tests/unit/test_gdb_command.c,
 * fuzzed by tests/fuzz/fuzz_gdb.c. */
#ifndef KEEL_GDB_COMMAND_H
#define KEEL_GDB_COMMAND_H

#include <stddef.h>
#include <stdint.h>

#define GDB_VCONT_MAX 8
#define GDB_THREAD_ALL (-1)     /* "-1" in a thread-id */
#define GDB_THREAD_ANY 0        /* "0" */

enum gdb_op {
    GDB_UNSUPPORTED,
    GDB_MALFORMED,              /* a request Keel knows, badly formed: "E01" */
    GDB_HALT_REASON,            /* ? */
    GDB_SUPPORTED,              /* qSupported[:features] */
    GDB_XFER_FEATURES,          /* qXfer:features:read:ANNEX:OFFSET,LENGTH */
    GDB_ATTACHED,               /* qAttached */
    GDB_CURRENT_THREAD,         /* qC */
    GDB_THREADS_FIRST,          /* qfThreadInfo */
    GDB_THREADS_NEXT,           /* qsThreadInfo */
    GDB_SET_THREAD,             /* Hg<id>, Hc<id>: kind 'g' or 'c' */
    GDB_THREAD_ALIVE,           /* T<id> */
    GDB_READ_REGS,              /* g */
    GDB_WRITE_REGS,             /* G<hex> */
    GDB_READ_REG,               /* p<n> */
    GDB_WRITE_REG,              /* P<n>=<hex> */
    GDB_READ_MEM,               /* m<addr>,<len> */
    GDB_WRITE_MEM,              /* M<addr>,<len>:<hex> */
    GDB_WRITE_MEM_BINARY,       /* X<addr>,<len>:<bytes> */
    GDB_INSERT_POINT,           /* Z<type>,<addr>,<kind> */
    GDB_REMOVE_POINT,           /* z<type>,<addr>,<kind> */
    GDB_CONTINUE,               /* c[addr] */
    GDB_STEP,                   /* s[addr] */
    GDB_VCONT_QUERY,            /* vCont? */
    GDB_VCONT,                  /* vCont;<action>[:<id>]... */
    GDB_DETACH,                 /* D */
    GDB_KILL,                   /* k */
};

/* Z/z types */
enum gdb_point { GDB_SW_BREAK, GDB_HW_BREAK, GDB_WRITE_WATCH, GDB_READ_WATCH,
                 GDB_ACCESS_WATCH };

struct gdb_vcont_action {
    char action;                /* 'c', 's' (C and S, with a signal, become c and s) */
    long thread;                /* GDB_THREAD_ALL when none is named */
};

struct gdb_command {
    enum gdb_op op;
    uint64_t addr, len;         /* m, M, X, Z, z (len: Z's kind), qXfer's offset, length */
    uint64_t reg;               /* p, P */
    long thread;                /* H, T */
    char kind;                  /* H: 'g' or 'c'; Z/z: its type (enum gdb_point) */
    int has_addr;               /* c, s: resume at addr */
    const char *data;           /* G, P, M: hex; X: bytes; qXfer: the annex */
    size_t data_len;            /* X: bytes; G, P, M: hex digits */
    unsigned vcont_count;
    struct gdb_vcont_action vcont[GDB_VCONT_MAX];
};

/* Decode a packet's `len` bytes at `p` (NUL-terminated, as gdb_rx gives
 * it; X data may hold NULs, so `len` counts). */
void gdb_decode(const char *p, size_t len, struct gdb_command *c);

#endif
