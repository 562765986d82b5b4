#include "tests/fuzz/fuzzlib.h"

#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/text.h"
#include "views/details_text.h"

#define DETAILS_RECORDS 4 /* records per snapshot whose details rows are checked */
#define DETAILS_WIDTH   80

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (!setlocale(LC_ALL, "C.UTF-8"))
        fuzz_fail(__FILE__, __LINE__, "the C.UTF-8 locale is missing");
    return 0;
}

void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: property broken: %s\n", file, line, what);
    abort();
}

static bool is_control(unsigned cp)
{
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
        return true;
    if (cp == 0x061C || cp == 0x200E || cp == 0x200F || cp == 0x2028 || cp == 0x2029)
        return true;
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

void fuzz_check_display_safe(const char *s, size_t len)
{
    static const unsigned least[] = {0, 0, 0x80, 0x800, 0x10000}; /* by sequence length */
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned cp = p[i];
        size_t n = cp < 0x80 ? 1 : (cp & 0xE0) == 0xC0 ? 2 : (cp & 0xF0) == 0xE0 ? 3 : 4;
        FUZZ_ASSERT(n == 1 || (cp & 0xC0) == 0xC0);
        FUZZ_ASSERT(n < 4 || (cp & 0xF8) == 0xF0);
        FUZZ_ASSERT(i + n <= len);
        if (n > 1)
            cp &= 0x7Fu >> n;
        for (size_t k = 1; k < n; k++) {
            FUZZ_ASSERT((p[i + k] & 0xC0) == 0x80);
            cp = (cp << 6) | (p[i + k] & 0x3Fu);
        }
        FUZZ_ASSERT(cp >= least[n]);
        FUZZ_ASSERT(cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF));
        FUZZ_ASSERT(!is_control(cp));
        i += n;
    }
}

/* "0", or an optional '-' and digits without a leading zero. */
static bool canonical_int(const char *v)
{
    const char *d = v[0] == '-' ? v + 1 : v;
    size_t n = strspn(d, "0123456789");
    return n > 0 && d[n] == '\0' && (d[0] != '0' || (n == 1 && d == v));
}

static void check_rows(const struct details_text *t)
{
    for (size_t i = 0; i < t->n; i++) {
        fuzz_check_display_safe(t->rows[i], strlen(t->rows[i]));
        FUZZ_ASSERT(text_width(t->rows[i]) <= DETAILS_WIDTH);
    }
}

static void check_details(enum kind kind, const struct record *r)
{
    struct details_text t;
    details_text_init(&t);
    details_fields(&t, kind, r, 1700000000000LL, DETAILS_WIDTH, 0);
    details_raw(&t, r->raw, DETAILS_WIDTH, 0);
    check_rows(&t);
    details_text_done(&t);
}

void fuzz_check_snapshot(struct snapshot *s)
{
    if (!s)
        return;
    const struct kind_def *kd = kind_def(snap_kind(s));
    for (size_t i = 0; i < snap_count(s); i++) {
        const struct record *r = snap_get(s, i);
        FUZZ_ASSERT(r->id != NULL);
        FUZZ_ASSERT(snap_find(s, r->id) == (long)i);
        for (int f = 0; f < kd->nfields; f++) {
            const char *v = r->v[f];
            enum ftype type = kd->fields[f].type;
            FUZZ_ASSERT(type != FT_SECS || v == NULL);
            FUZZ_ASSERT(type != FT_INT || v == NULL || canonical_int(v));
            FUZZ_ASSERT(type != FT_BOOL || v == NULL || !strcmp(v, "true") || !strcmp(v, "false"));
        }
        if (i < DETAILS_RECORDS)
            check_details(snap_kind(s), r);
    }
    snap_free(s);
}
