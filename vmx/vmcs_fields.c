#include "vmx/vmcs_fields.h"

#include <stddef.h>

const struct vmcs_field_info vmcs_fields[] = {
#define FIELD(name, enc, width, kind) { #name, enc, width, kind },
#include "vmx/vmcs_fields.def"
#undef FIELD
};
const unsigned vmcs_field_count = sizeof(vmcs_fields) / sizeof(vmcs_fields[0]);

const char *vmcs_field_name(uint32_t encoding)
{
    for (unsigned i = 0; i < vmcs_field_count; i++)
        if (vmcs_fields[i].encoding == encoding)
            return vmcs_fields[i].name;
    return NULL;
}
