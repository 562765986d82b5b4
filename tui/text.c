#include "tui/text.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

size_t text_utf8_decode(const char *s, size_t n, unsigned *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    if (n == 0)
        return 0;
    unsigned c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    unsigned lo = 0x80, hi = 0xBF, v;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        if (c == 0xED)
            hi = 0x9F; /* UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        if (c == 0xF4)
            hi = 0x8F; /* past U+10FFFF */
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        unsigned b = p[i];
        if (b < lo || b > hi)
            return 0;
        lo = 0x80;
        hi = 0xBF;
        v = (v << 6) | (b & 0x3F);
    }
    *cp = v;
    return len;
}

/* Code points that can move the cursor, change the terminal or reorder text on screen. */
static bool is_dangerous(unsigned cp)
{
    if (cp < 0x20 || cp == 0x7F)
        return true;
    if (cp >= 0x80 && cp <= 0x9F)
        return true;
    switch (cp) {
    case 0x061C: /* arabic letter mark */
    case 0x200E: /* LRM */
    case 0x200F: /* RLM */
    case 0x2028: /* line separator */
    case 0x2029: /* paragraph separator */
        return true;
    default:
        break;
    }
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

int text_sanitize(struct strbuf *out, const char *s, size_t len, unsigned flags)
{
    size_t i = 0;
    while (i < len) {
        unsigned cp;
        size_t n = text_utf8_decode(s + i, len - i, &cp);
        int rc;
        if (n == 0) {
            rc = (flags & TEXT_JSON) ? strbuf_adds(out, "\\ufffd")
                                     : strbuf_addf(out, "\\x%02x", (unsigned char)s[i]);
            n = 1;
        } else if ((flags & TEXT_JSON) &&
                   (is_dangerous(cp) || (cp >= 0x80 && (flags & TEXT_ASCII)))) {
            rc = cp > 0xFFFF ? strbuf_addf(out, "\\u%04x\\u%04x", 0xD800 + ((cp - 0x10000) >> 10),
                                           0xDC00 + ((cp - 0x10000) & 0x3FF))
                             : strbuf_addf(out, "\\u%04x", cp);
        } else if (cp < 0x80 && is_dangerous(cp)) {
            rc = strbuf_addf(out, "\\x%02x", cp);
        } else if (is_dangerous(cp) || (cp >= 0x80 && (flags & TEXT_ASCII))) {
            rc = strbuf_addf(out, cp > 0xFFFF ? "\\U%08x" : "\\u%04x", cp);
        } else {
            rc = strbuf_add(out, s + i, n);
        }
        if (rc)
            return -1;
        i += n;
    }
    return 0;
}

char *text_sanitized(const char *s, unsigned flags)
{
    struct strbuf sb;
    strbuf_init(&sb, (size_t)-1 / 2);
    if (s)
        (void)text_sanitize(&sb, s, strlen(s), flags);
    return strbuf_take(&sb);
}

/* Columns of one code point: control-free input, so an unknown width counts as one. */
static int cp_width(unsigned cp)
{
    if (cp < 0x80)
        return 1;
    int w = wcwidth((wchar_t)cp);
    return w < 0 ? 1 : w;
}

int text_width(const char *s)
{
    int w = 0;
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        unsigned cp;
        size_t n = text_utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            n = 1;
            cp = '?';
        }
        w += cp_width(cp);
        i += n;
    }
    return w;
}

int text_fit(const char *s, int cols, char *out, size_t outsz, unsigned flags)
{
    const char *ell = (flags & TEXT_ASCII) ? "~" : "\xE2\x80\xA6";
    size_t len = strlen(s), o = 0, ell_len = strlen(ell);
    int w = 0;
    if (outsz == 0)
        return 0;
    if (cols <= 0) {
        out[0] = '\0';
        return 0;
    }
    bool cut = text_width(s) > cols;
    int room = cut ? cols - 1 : cols;
    for (size_t i = 0; i < len;) {
        unsigned cp;
        size_t n = text_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            break; /* callers pass sanitised text; stop rather than emit junk */
        int cw = cp_width(cp);
        if (w + cw > room || o + n + ell_len + 1 > outsz)
            break;
        memcpy(out + o, s + i, n);
        o += n;
        w += cw;
        i += n;
    }
    if (cut && o + ell_len + 1 <= outsz) {
        memcpy(out + o, ell, ell_len);
        o += ell_len;
        w += 1;
    }
    out[o] = '\0';
    return w;
}

int text_fit_middle(const char *s, int cols, char *out, size_t outsz, unsigned flags)
{
    int total = text_width(s);
    if (total <= cols || cols < 5)
        return text_fit(s, cols, out, outsz, flags);
    const char *ell = (flags & TEXT_ASCII) ? "~" : "\xE2\x80\xA6";
    int head = (cols - 1) / 2, tail = cols - 1 - head;
    int w = text_fit(s, head + 1, out, outsz, flags | TEXT_ASCII); /* head + a 1-column "~" */
    size_t o = strlen(out) - 1;                                    /* drop that "~" */
    w -= 1;
    /* The suffix starts where what is left is no wider than `tail`. */
    size_t len = strlen(s), i = 0;
    int left = total;
    while (i < len && left > tail) {
        unsigned cp;
        size_t n = text_utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            n = 1;
            cp = '?';
        }
        left -= cp_width(cp);
        i += n;
    }
    size_t ell_len = strlen(ell), rest = len - i;
    if (o + ell_len + rest + 1 > outsz)
        return text_fit(s, cols, out, outsz, flags);
    memcpy(out + o, ell, ell_len);
    memcpy(out + o + ell_len, s + i, rest + 1);
    return w + 1 + left;
}

int text_cmp_natural(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            while (*a == '0' && isdigit((unsigned char)a[1]))
                a++;
            while (*b == '0' && isdigit((unsigned char)b[1]))
                b++;
            size_t na = strspn(a, "0123456789"), nb = strspn(b, "0123456789");
            if (na != nb)
                return na < nb ? -1 : 1;
            int c = strncmp(a, b, na);
            if (c)
                return c;
            a += na;
            b += nb;
            continue;
        }
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}
