/* tui/text.c, through which all backend text reaches the screen and batch output: the
 * sanitiser's output is valid UTF-8 with no C0, C1 or bidi control whatever comes in (only
 * ASCII with TEXT_ASCII; with TEXT_JSON, valid JSON still decodes to the same values), and
 * cutting sanitised text to a width keeps it safe and within that width. */
#include "tests/fuzz/fuzzlib.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tui/strbuf.h"
#include "tui/text.h"
#include "tui/xalloc.h"

#define FUZZ_MAX_LEN 8192

static char *sanitized(const char *s, size_t len, unsigned flags)
{
    struct strbuf sb;
    strbuf_init(&sb, (size_t)-1 / 2);
    FUZZ_ASSERT(text_sanitize(&sb, s, len, flags) == 0);
    char *out = strbuf_take(&sb);
    fuzz_check_display_safe(out, strlen(out));
    for (const char *p = out; (flags & TEXT_ASCII) && *p; p++)
        FUZZ_ASSERT((unsigned char)*p < 0x80);
    return out;
}

static bool valid_utf8(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned cp;
        size_t n = text_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

/* Whole JSON texts whose dangerous code points sit in strings (anywhere else they would not
 * parse) decode to the same values once escaped. C0 bytes are left out: cJSON takes every one
 * as whitespace, and the details view drops whitespace before it escapes. */
static void check_json(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20)
            return;
    }
    if (!valid_utf8(s, len))
        return;
    char *text = xstrndup(s, len); /* cJSON checks what follows the value only up to a NUL */
    cJSON *want = cJSON_ParseWithOpts(text, NULL, true);
    free(text);
    if (!want)
        return;
    /* Compared as printed: cJSON_Compare finds only the first of repeated keys. */
    char *want_text = cJSON_PrintUnformatted(want);
    for (unsigned ascii = 0; ascii <= TEXT_ASCII; ascii += TEXT_ASCII) {
        char *esc = sanitized(s, len, TEXT_JSON | ascii);
        cJSON *got = cJSON_ParseWithOpts(esc, NULL, true);
        FUZZ_ASSERT(got != NULL);
        char *got_text = cJSON_PrintUnformatted(got);
        FUZZ_ASSERT(strcmp(want_text, got_text) == 0);
        free(got_text);
        cJSON_Delete(got);
        free(esc);
    }
    free(want_text);
    cJSON_Delete(want);
}

static void check_fit(const char *safe, unsigned flags)
{
    static const int widths[] = {1, 2, 5, 9, 40};
    static const size_t sizes[] = {2, 8, 256};
    char out[256];
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
            int cols = widths[w];
            memset(out, 'x', sizeof out);
            (void)text_fit(safe, cols, out, sizes[z], flags);
            FUZZ_ASSERT(memchr(out, '\0', sizes[z]) != NULL);
            fuzz_check_display_safe(out, strlen(out));
            FUZZ_ASSERT(text_width(out) <= cols);
            memset(out, 'x', sizeof out);
            (void)text_fit_middle(safe, cols, out, sizes[z], flags);
            FUZZ_ASSERT(memchr(out, '\0', sizes[z]) != NULL);
            fuzz_check_display_safe(out, strlen(out));
            FUZZ_ASSERT(text_width(out) <= cols);
        }
    }
}

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_LEN)
        return 0;
    const char *s = (const char *)data;
    for (unsigned flags = 0; flags <= (TEXT_ASCII | TEXT_JSON); flags++) {
        char *safe = sanitized(s, size, flags);
        if (!(flags & TEXT_JSON))
            check_fit(safe, flags);
        free(safe);
    }
    check_json(s, size);
    char *a = xstrndup(s, size / 2), *b = xstrndup(s + size / 2, size - size / 2);
    FUZZ_ASSERT(text_cmp_natural(a, a) == 0);
    FUZZ_ASSERT(sign(text_cmp_natural(a, b)) == -sign(text_cmp_natural(b, a)));
    free(a);
    free(b);
    return 0;
}
