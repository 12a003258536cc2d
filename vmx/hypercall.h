/* Keel's hypercall ABI (docs/hypercalls.md): VMCALL with the call number
 * in RAX/EAX, arguments in RBX, RCX, RDX; the result comes back in RAX
 * (0 = done, negative = refused). Shared with the guest library. */
#ifndef KEEL_VMX_HYPERCALL_H
#define KEEL_VMX_HYPERCALL_H

#define HC_NOP           0  /* nothing: for measuring the VMCALL round trip */
#define HC_CONSOLE_WRITE 1  /* RBX = guest-physical buffer, RCX = length (<= 4096) */
#define HC_TEST_RESULT   2  /* RBX = 0 pass / 1 fail, RCX = message buffer, RDX = length */
#define HC_EXIT          3  /* RBX = exit status; does not return */

#define HC_OK         0
#define HC_EUNKNOWN  (-1)   /* no such call */
#define HC_EFAULT    (-2)   /* a buffer outside the guest's RAM, or too long */

#define HC_BUFFER_MAX 4096

#endif
