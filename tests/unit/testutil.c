#define _POSIX_C_SOURCE 200809L
#include "tests/unit/testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tui/strbuf.h"
#include "tui/xalloc.h"

char *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    struct strbuf sb;
    strbuf_init(&sb, 1u << 26);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        assert_int_equal(strbuf_add(&sb, buf, n), 0);
    fclose(f);
    *len = sb.len;
    return strbuf_take(&sb);
}

char *test_fixture(const char *backend, const char *name, size_t *len)
{
    char *path = xasprintf("%s/%s/%s", FIXTURES, backend, name);
    char *text = test_read_file(path, len);
    free(path);
    return text;
}
