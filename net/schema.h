/* Checking changes against a record schema (the server's own validation rules), so that a
 * bad value is reported with the field's name before anything is sent. */
#ifndef PBXTOP_NET_SCHEMA_H
#define PBXTOP_NET_SCHEMA_H

#include "net/backend.h"

/* The field called name, or NULL. */
const struct field_schema *schema_field(const struct record_schema *s, const char *name);
/* Why value is not acceptable for f ("ring_time: 500 is above 300"), or NULL. Owned. */
char *schema_check_value(const struct field_schema *f, const char *value);
/* Why the change cannot be applied (unknown field, read-only, missing required field, bad
 * value, operation not offered), or NULL. Owned. */
char *schema_check_change(const struct record_schema *s, const struct change *c);

#endif
