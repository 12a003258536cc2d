// unit: vmx/vmcs_fields.c
#include "vmx/vmcs_fields.h"
#include "unit.h"

/* The width and kind written in the table must be the ones the encoding
 * itself carries: a typo in either shows here. */
TEST(table_agrees_with_the_encodings)
{
    for (unsigned i = 0; i < vmcs_field_count; i++) {
        const struct vmcs_field_info *f = &vmcs_fields[i];
        if (VMCS_ENCODING_WIDTH(f->encoding) != f->width)
            UNIT_FAIL("%s (0x%04x): table says width %d, encoding says %u", f->name,
                      f->encoding, f->width, VMCS_ENCODING_WIDTH(f->encoding));
        if (VMCS_ENCODING_KIND(f->encoding) != f->kind)
            UNIT_FAIL("%s (0x%04x): table says kind %d, encoding says %u", f->name,
                      f->encoding, f->kind, VMCS_ENCODING_KIND(f->encoding));
        if (f->encoding & 1)
            UNIT_FAIL("%s (0x%04x): access type 'high' is not a field of its own", f->name,
                      f->encoding);
        /* The name says the kind: GUEST_ and HOST_ fields are where they say. */
        if (!strncmp(f->name, "HOST_", 5) && f->kind != HOST)
            UNIT_FAIL("%s is not a host-state field", f->name);
        if (!strncmp(f->name, "GUEST_", 6) && f->kind != GUEST &&
            strcmp(f->name, "GUEST_PHYSICAL_ADDRESS") && strcmp(f->name, "GUEST_LINEAR_ADDRESS"))
            UNIT_FAIL("%s is not a guest-state field", f->name);
    }
}

TEST(no_encoding_or_name_twice)
{
    for (unsigned i = 0; i < vmcs_field_count; i++)
        for (unsigned j = i + 1; j < vmcs_field_count; j++) {
            if (vmcs_fields[i].encoding == vmcs_fields[j].encoding)
                UNIT_FAIL("0x%04x is both %s and %s", vmcs_fields[i].encoding,
                          vmcs_fields[i].name, vmcs_fields[j].name);
            if (!strcmp(vmcs_fields[i].name, vmcs_fields[j].name))
                UNIT_FAIL("%s listed twice", vmcs_fields[i].name);
        }
}

TEST(names_and_known_encodings)
{
    CHECK_STR(vmcs_field_name(0x681e), "GUEST_RIP");
    CHECK_STR(vmcs_field_name(0x4402), "VM_EXIT_REASON");
    CHECK_STR(vmcs_field_name(0x201a), "EPT_POINTER");
    CHECK(vmcs_field_name(0x681f) == NULL);
    CHECK_EQ(VMCS_VM_INSTRUCTION_ERROR, 0x4400);
    CHECK_EQ(VMCS_HOST_RIP, 0x6c16);
    CHECK_EQ(VMCS_SECONDARY_VM_EXEC_CONTROL, 0x401e);
    CHECK(vmcs_field_count > 150);
}
