/* VMCS field encodings, generated from vmx/vmcs_fields.def. */
#ifndef KEEL_VMX_VMCS_FIELDS_H
#define KEEL_VMX_VMCS_FIELDS_H

#include <stdint.h>

/* Encoding bits 14:13 and 11:10 (SDM "Field Encoding in VMCS") */
enum vmcs_width { W16 = 0, W64 = 1, W32 = 2, WNAT = 3 };
enum vmcs_kind { CTRL = 0, EXIT = 1, GUEST = 2, HOST = 3 };
#define VMCS_ENCODING_WIDTH(e) (((e) >> 13) & 3)
#define VMCS_ENCODING_KIND(e)  (((e) >> 10) & 3)

/* Segment access rights in the guest-state area (SDM "Format of the
 * Guest-State Area": the descriptor's type..G bits, plus "unusable"). */
#define VMX_AR_TYPE(ar) ((ar) & 0xf)
#define VMX_AR_S        (1u << 4)
#define VMX_AR_DPL(ar)  (((ar) >> 5) & 3)
#define VMX_AR_P        (1u << 7)
#define VMX_AR_L        (1u << 13)
#define VMX_AR_DB       (1u << 14)
#define VMX_AR_G        (1u << 15)
#define VMX_AR_UNUSABLE (1u << 16)

enum vmcs_field {
#define FIELD(name, enc, width, kind) VMCS_##name = enc,
#include "vmx/vmcs_fields.def"
#undef FIELD
};

struct vmcs_field_info {
    const char *name;
    uint32_t encoding;
    enum vmcs_width width;
    enum vmcs_kind kind;
};

extern const struct vmcs_field_info vmcs_fields[];
extern const unsigned vmcs_field_count;

/* "GUEST_RIP" for 0x681e; NULL for an encoding not in the table. */
const char *vmcs_field_name(uint32_t encoding);

#endif
