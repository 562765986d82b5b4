/* Helpers shared by the cmocka unit tests. */
#ifndef PBXTOP_TESTS_TESTUTIL_H
#define PBXTOP_TESTS_TESTUTIL_H

#include <stddef.h>

/* The whole file at path, NUL-terminated (the test fails when it cannot be read). Owned. */
char *test_read_file(const char *path, size_t *len);
/* tests/fixtures/<backend>/<name>, read whole. Owned. */
char *test_fixture(const char *backend, const char *name, size_t *len);

#endif
