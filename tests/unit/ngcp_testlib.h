/* Helpers shared by the NGCP tests (test_ngcp.c: the decoders; test_ngcp_write.c: write
 * bodies, answer mapping, the schema): fixtures read whole or as JSON, and a body that every
 * decoder must refuse. */
#ifndef PBXTOP_TESTS_NGCP_TESTLIB_H
#define PBXTOP_TESTS_NGCP_TESTLIB_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "net/backend.h"

/* tests/fixtures/ngcp/<name>, read whole. Owned. */
char *read_fixture(const char *name, size_t *len);
/* The fixture parsed as JSON (the test fails when it is not). Owned: cJSON_Delete. */
cJSON *fixture_json(const char *name);
/* body is refused as a page of `kind` (with a message holding needle, unless NULL) and by the
 * whole-body decoders. */
void expect_refused(enum kind kind, const char *body, size_t len, const char *needle);

#endif
