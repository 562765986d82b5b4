/* The details view's text: a backend's raw JSON re-indented and wrapped (details_raw, which
 * never parses it and so must cope with anything), and the fields of a record built from
 * the input. Every row is safe to display and, from 40 columns up, no wider than asked. */
#include "tests/fuzz/fuzzlib.h"

#include <stdlib.h>
#include <string.h>

#include "tui/text.h"
#include "tui/xalloc.h"
#include "views/details_text.h"

#define FUZZ_MAX_LEN 16384
#define NOW_MS       1700000000000LL

static void check(const struct details_text *t, int width)
{
    for (size_t i = 0; i < t->n; i++) {
        fuzz_check_display_safe(t->rows[i], strlen(t->rows[i]));
        FUZZ_ASSERT(width < 40 || text_width(t->rows[i]) <= width);
    }
}

/* The input as one record: the first byte picks the kind, then NUL-separated parts give the
 * id and the field values in order (a part "-" is null); missing fields are null. */
static struct snapshot *record_of(const char *s, size_t len)
{
    struct snapshot *snap = snap_new((enum kind)((unsigned char)s[0] % KIND_COUNT));
    const struct kind_def *kd = kind_def(snap_kind(snap));
    const char *end = s + len, *p = s + 1;
    const char *nul = memchr(p, '\0', (size_t)(end - p));
    char *id = xstrndup(p, (size_t)((nul ? nul : end) - p));
    size_t i = snap_add(snap, id);
    free(id);
    p = nul ? nul + 1 : end;
    for (int f = 0; f < kd->nfields && p < end; f++) {
        nul = memchr(p, '\0', (size_t)(end - p));
        size_t n = (size_t)((nul ? nul : end) - p);
        if (kd->fields[f].type != FT_SECS && !(n == 1 && p[0] == '-'))
            snap_setn(snap, i, f, p, n);
        p = nul ? nul + 1 : end;
    }
    snap_set_t0(snap, i, NOW_MS - (int64_t)len * 997);
    snap_finish(snap);
    return snap;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int widths[] = {12, 40, 80};
    if (size == 0 || size > FUZZ_MAX_LEN)
        return 0;
    char *raw = xstrndup((const char *)data, size);
    struct snapshot *snap = record_of((const char *)data, size);
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        for (unsigned flags = 0; flags <= TEXT_ASCII; flags += TEXT_ASCII) {
            struct details_text t;
            details_text_init(&t);
            details_raw(&t, raw, widths[w], flags);
            check(&t, widths[w]);
            details_text_done(&t);
            details_text_init(&t);
            details_fields(&t, snap_kind(snap), snap_get(snap, 0), NOW_MS, widths[w], flags);
            check(&t, widths[w]);
            details_text_done(&t);
        }
    }
    snap_free(snap);
    free(raw);
    return 0;
}
