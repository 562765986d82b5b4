/* The NGCP tests' shared helpers: see ngcp_testlib.h. */
#define _POSIX_C_SOURCE 200809L
#include "tests/unit/ngcp_testlib.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "net/backend_ngcp.h"
#include "net/model.h"
#include "tests/unit/testutil.h"

char *read_fixture(const char *name, size_t *len)
{
    return test_fixture("ngcp", name, len);
}

cJSON *fixture_json(const char *name)
{
    size_t len;
    char *body = read_fixture(name, &len);
    cJSON *j = cJSON_ParseWithLength(body, len);
    free(body);
    if (!j)
        fail_msg("fixture %s is not JSON", name);
    return j;
}

void expect_refused(enum kind kind, const char *body, size_t len, const char *needle)
{
    char *err = NULL;
    struct ngcp_page pg;
    struct snapshot *s = snap_new(kind);
    if (ngcp_decode_page(s, body, len, 0, true, &pg, &err) == 0)
        fail_msg("accepted: %.200s", body);
    snap_free(s);
    assert_null(pg.next);
    assert_non_null(err);
    if (needle && !strstr(err, needle))
        fail_msg("message '%s' lacks '%s'", err, needle);
    free(err);
    /* The whole-body decoders refuse it too. */
    s = kind == KIND_QUEUES       ? ngcp_decode_queues(body, len, false, &err)
        : kind == KIND_RINGGROUPS ? ngcp_decode_ringgroups(body, len, false, &err)
                                  : ngcp_decode_extensions(body, len, false, &err);
    assert_null(s);
    assert_non_null(err);
    free(err);
}
