/* tui/text: the sanitiser that stands between backend text and the terminal, and the
 * display-column helpers used to lay text out. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/strbuf.h"
#include "tui/text.h"

/* Sanitise len bytes of s with flags; the result is owned by the caller. */
static char *san(const char *s, size_t len, unsigned flags)
{
    struct strbuf sb;
    strbuf_init(&sb, 1u << 20);
    assert_int_equal(text_sanitize(&sb, s, len, flags), 0);
    return strbuf_take(&sb);
}

/* Assert that sanitising the C string `in` gives exactly `want`. */
static void expect_san(const char *in, unsigned flags, const char *want)
{
    char *got = text_sanitized(in, flags);
    assert_string_equal(got, want);
    free(got);
}

/* Same for an input with embedded NULs. */
static void expect_sann(const char *in, size_t len, unsigned flags, const char *want)
{
    char *got = san(in, len, flags);
    assert_string_equal(got, want);
    free(got);
}

/* What must never reach the terminal raw. */
static bool dangerous(unsigned cp)
{
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
        return true;
    if (cp == 0x061C || cp == 0x200E || cp == 0x200F || cp == 0x2028 || cp == 0x2029)
        return true;
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/* True when s[0..len) is strictly valid UTF-8 free of dangerous code points; with
 * ascii_only, also free of anything above U+007F. */
static bool safe_utf8(const char *s, size_t len, bool ascii_only)
{
    for (size_t i = 0; i < len;) {
        unsigned cp = 0;
        size_t n = text_utf8_decode(s + i, len - i, &cp);
        if (n == 0 || dangerous(cp) || (ascii_only && cp >= 0x80))
            return false;
        i += n;
    }
    return true;
}

static bool all_ascii(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s >= 0x80)
            return false;
    }
    return true;
}

static void test_c0_controls_escaped(void **state)
{
    (void)state;
    expect_san("a\x1b[31mred", 0, "a\\x1b[31mred");
    expect_san("ding\a", 0, "ding\\x07");
    expect_san("one\rtwo", 0, "one\\x0dtwo");
    expect_san("one\ntwo", 0, "one\\x0atwo");
    expect_san("col\tcol", 0, "col\\x09col");
    expect_san("\x01\x1f", 0, "\\x01\\x1f");
    expect_san("back\bspace", 0, "back\\x08space");
}

static void test_nul_inside_length_delimited_input(void **state)
{
    (void)state;
    expect_sann("a\0b", 3, 0, "a\\x00b");
    expect_sann("\0\0", 2, 0, "\\x00\\x00");
    /* the NUL ends nothing: what follows it is sanitised too */
    expect_sann("x\0\x1b", 3, 0, "x\\x00\\x1b");
}

static void test_del_escaped(void **state)
{
    (void)state;
    expect_san("rub\x7fout", 0, "rub\\x7fout");
}

static void test_c1_controls_escaped(void **state)
{
    (void)state;
    /* U+0085 NEL and U+009B CSI, which 8-bit terminals act on */
    expect_san("a\xc2\x85z", 0, "a\\u0085z");
    expect_san("\xc2\x9b"
               "31m",
               0, "\\u009b31m");
    expect_san("\xc2\x80\xc2\x9f", 0, "\\u0080\\u009f");
    /* U+00A0 is the first code point after C1 and is ordinary text */
    expect_san("\xc2\xa0", 0, "\xc2\xa0");
}

static void test_bidi_controls_escaped(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"\xe2\x80\xaa", "\\u202a"}, {"\xe2\x80\xab", "\\u202b"}, {"\xe2\x80\xac", "\\u202c"},
        {"\xe2\x80\xad", "\\u202d"}, {"\xe2\x80\xae", "\\u202e"}, {"\xe2\x81\xa6", "\\u2066"},
        {"\xe2\x81\xa7", "\\u2067"}, {"\xe2\x81\xa8", "\\u2068"}, {"\xe2\x81\xa9", "\\u2069"},
        {"\xe2\x80\x8e", "\\u200e"}, {"\xe2\x80\x8f", "\\u200f"}, {"\xd8\x9c", "\\u061c"},
        {"\xe2\x80\xa8", "\\u2028"}, {"\xe2\x80\xa9", "\\u2029"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_san(cases[i].in, 0, cases[i].want);
    /* an RLO "reversing" a file name stays visible as an escape, the text around it intact */
    expect_san("invoice\xe2\x80\xaetxt.exe", 0, "invoice\\u202etxt.exe");
    /* neighbours of the bidi block are ordinary punctuation */
    expect_san("\xe2\x80\xa9\xe2\x80\xaf", 0, "\\u2029\xe2\x80\xaf");
}

static void test_invalid_utf8_escaped_per_byte(void **state)
{
    (void)state;
    expect_san("\x80", 0, "\\x80"); /* stray continuation */
    expect_san("a\xbf\xbf"
               "b",
               0, "a\\xbf\\xbfb");
    expect_san("\xc0\xaf", 0, "\\xc0\\xaf");                   /* overlong '/' */
    expect_san("\xc1\xbf", 0, "\\xc1\\xbf");                   /* overlong */
    expect_san("\xe0\x80\xaf", 0, "\\xe0\\x80\\xaf");          /* overlong '/' */
    expect_san("\xf0\x80\x80\xaf", 0, "\\xf0\\x80\\x80\\xaf"); /* overlong '/' */
    expect_san("\xed\xa0\x80", 0, "\\xed\\xa0\\x80");          /* surrogate D800 */
    expect_san("\xed\xbf\xbf", 0, "\\xed\\xbf\\xbf");          /* surrogate DFFF */
    expect_san("\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80"); /* U+110000 */
    expect_san("\xf5\x80\x80\x80", 0, "\\xf5\\x80\\x80\\x80"); /* no such lead byte */
    expect_san("\xff\xfe", 0, "\\xff\\xfe");
    expect_san("\xe6\x97", 0, "\\xe6\\x97"); /* truncated at the end */
    expect_san("\xe6\x97"
               "A",
               0, "\\xe6\\x97A"); /* truncated before ASCII */
    expect_san("\xf0\x9f\x98", 0, "\\xf0\\x9f\\x98");
    /* an overlong ESC (C0 9B) must not turn into a control either */
    expect_san("\xc0\x9b", 0, "\\xc0\\x9b");
}

static void test_valid_text_unchanged(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "plain ASCII: 201 \"Front desk\" <sip:201@pbx>",
        "caf\xc3\xa9",                                      /* café */
        "\xe6\x97\xa5\xe6\x9c\xac",                         /* 日本 */
        "\xf0\x9f\x98\x80 \xf0\x9f\x93\x9e",                /* emoji */
        "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", /* Привет */
        "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", /* Hebrew (RTL letters are not controls) */
        "e\xcc\x81",                        /* combining accent */
        "\xef\xbf\xbd",                     /* U+FFFD itself */
        "\xf4\x8f\xbf\xbf",                 /* U+10FFFF, the last code point */
        "",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        expect_san(ok[i], 0, ok[i]);
}

static void test_osc_title_sequence_visible(void **state)
{
    (void)state;
    char *got = text_sanitized("Zo\x1b]2;PWNED\a", 0);
    assert_string_equal(got, "Zo\\x1b]2;PWNED\\x07");
    assert_null(strchr(got, 0x1b));
    assert_null(strchr(got, 0x07));
    free(got);
    /* the 8-bit OSC (U+009D) and ST (U+009C) too */
    expect_san("\xc2\x9d"
               "0;x\xc2\x9c",
               0, "\\u009d0;x\\u009c");
}

static void test_null_gives_empty(void **state)
{
    (void)state;
    expect_san(NULL, 0, "");
    expect_san(NULL, TEXT_ASCII | TEXT_JSON, "");
}

static void test_ascii_mode(void **state)
{
    (void)state;
    expect_san("caf\xc3\xa9", TEXT_ASCII, "caf\\u00e9");
    expect_san("\xe6\x97\xa5", TEXT_ASCII, "\\u65e5");
    expect_san("\x1b", TEXT_ASCII, "\\x1b");
    expect_san("plain", TEXT_ASCII, "plain");
    char *got = text_sanitized("\xf0\x9f\x98\x80!", TEXT_ASCII);
    assert_true(all_ascii(got));
    assert_non_null(strstr(got, "1f600"));
    assert_int_equal(got[strlen(got) - 1], '!');
    free(got);
    got = text_sanitized("\xff\xe2\x80\xae\xc2\x9b", TEXT_ASCII);
    assert_true(all_ascii(got));
    free(got);
}

static void test_json_mode(void **state)
{
    (void)state;
    /* JSON text passes, its quotes and escapes untouched */
    expect_san("{\"a\":\"b\\n\",\"n\":[1,2]}", TEXT_JSON, "{\"a\":\"b\\n\",\"n\":[1,2]}");
    expect_san("\"caf\xc3\xa9\"", TEXT_JSON, "\"caf\xc3\xa9\"");
    expect_san("\"a\x1b"
               "b\"",
               TEXT_JSON, "\"a\\u001bb\"");
    expect_san("\"\x7f\"", TEXT_JSON, "\"\\u007f\"");
    expect_san("\"\xc2\x9b\"", TEXT_JSON, "\"\\u009b\"");
    expect_san("\"\xe2\x80\xae\"", TEXT_JSON, "\"\\u202e\"");
    /* invalid bytes become U+FFFD escapes, one per byte */
    expect_san("\"\xff\"", TEXT_JSON, "\"\\ufffd\"");
    expect_san("\"\xed\xa0\x80\"", TEXT_JSON, "\"\\ufffd\\ufffd\\ufffd\"");
    expect_sann("\"\0\"", 3, TEXT_JSON, "\"\\u0000\"");
    /* ASCII JSON: astral code points as a surrogate pair, which JSON decodes back */
    expect_san("\"\xf0\x9f\x98\x80\"", TEXT_JSON | TEXT_ASCII, "\"\\ud83d\\ude00\"");
    expect_san("\"\xc3\xa9\"", TEXT_JSON | TEXT_ASCII, "\"\\u00e9\"");
}

static void test_size_limit_reported(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 4);
    assert_int_equal(text_sanitize(&sb, "ab\x1b", 3, 0), -1);
    /* what was written is still free of the raw control */
    assert_null(memchr(strbuf_cstr(&sb), 0x1b, sb.len));
    strbuf_done(&sb);
    strbuf_init(&sb, 4);
    assert_int_equal(text_sanitize(&sb, "abcd", 4, 0), 0);
    assert_string_equal(strbuf_cstr(&sb), "abcd");
    strbuf_done(&sb);
}

/* xorshift32 with a fixed seed: the same strings on every run. */
static uint32_t rng_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Fragments that random bytes rarely produce: controls and hostile code points. */
static const char *const fragments[] = {
    "\x1b",
    "\x1b]2;",
    "\a",
    "\xc2\x9b",
    "\xc2\x85",
    "\xe2\x80\xae",
    "\xe2\x81\xa6",
    "\xe2\x80\x8f",
    "\xd8\x9c",
    "\xe2\x80\xa8",
    "\xc3\xa9",
    "\xe6\x97\xa5",
    "\xf0\x9f\x98\x80",
    "\xed\xa0\x80",
    "\xf4\x90\x80\x80",
    "\xc0\xaf",
    "\xe0\x80\xaf",
    "\x7f",
    "\xc2",
    "\xe2\x80",
};

static size_t random_input(uint32_t *seed, char *buf, size_t cap)
{
    size_t len = rng_next(seed) % 48, n = 0;
    while (n < len) {
        uint32_t r = rng_next(seed);
        if (r % 4 == 0) {
            const char *f = fragments[(r >> 8) % (sizeof fragments / sizeof fragments[0])];
            size_t fl = strlen(f);
            if (n + fl > cap)
                break;
            memcpy(buf + n, f, fl);
            n += fl;
        } else {
            buf[n++] = (char)(r >> 8);
        }
    }
    return n;
}

static void test_property_random_bytes(void **state)
{
    (void)state;
    static const unsigned flag_sets[] = {0, TEXT_ASCII, TEXT_JSON, TEXT_ASCII | TEXT_JSON};
    uint32_t seed = 0x9e3779b9u;
    char in[64];
    for (int iter = 0; iter < 4000; iter++) {
        size_t len = random_input(&seed, in, sizeof in);
        for (size_t k = 0; k < sizeof flag_sets / sizeof flag_sets[0]; k++) {
            unsigned fl = flag_sets[k];
            char *out = san(in, len, fl);
            size_t olen = strlen(out);
            if (!safe_utf8(out, olen, (fl & TEXT_ASCII) != 0))
                fail_msg("iteration %d flags %u: unsafe output for %zu input bytes", iter, fl, len);
            /* input that was already safe comes out as it went in */
            if (fl == 0 && safe_utf8(in, len, false)) {
                assert_int_equal(olen, len);
                assert_memory_equal(out, in, len);
            }
            free(out);
        }
    }
}

static void test_utf8_decode(void **state)
{
    (void)state;
    unsigned cp = 0;
    assert_int_equal(text_utf8_decode("A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(text_utf8_decode("", 1, &cp), 1); /* NUL is one valid byte */
    assert_int_equal(cp, 0);
    assert_int_equal(text_utf8_decode("A", 0, &cp), 0);
    assert_int_equal(text_utf8_decode("\xc2\x80", 2, &cp), 2);
    assert_int_equal(cp, 0x80);
    assert_int_equal(text_utf8_decode("\xdf\xbf", 2, &cp), 2);
    assert_int_equal(cp, 0x7FF);
    assert_int_equal(text_utf8_decode("\xe0\xa0\x80", 3, &cp), 3);
    assert_int_equal(cp, 0x800);
    assert_int_equal(text_utf8_decode("\xed\x9f\xbf", 3, &cp), 3);
    assert_int_equal(cp, 0xD7FF);
    assert_int_equal(text_utf8_decode("\xee\x80\x80", 3, &cp), 3);
    assert_int_equal(cp, 0xE000);
    assert_int_equal(text_utf8_decode("\xef\xbf\xbf", 3, &cp), 3);
    assert_int_equal(cp, 0xFFFF);
    assert_int_equal(text_utf8_decode("\xf0\x90\x80\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x10000);
    assert_int_equal(text_utf8_decode("\xf4\x8f\xbf\xbf", 4, &cp), 4);
    assert_int_equal(cp, 0x10FFFF);
    /* decoding reads one sequence only */
    assert_int_equal(text_utf8_decode("\xc3\xa9xyz", 5, &cp), 2);
    assert_int_equal(cp, 0xE9);

    static const struct {
        const char *s;
        size_t n;
    } bad[] = {
        {"\x80", 1},
        {"\xbf", 1},
        {"\xc0\x80", 2},
        {"\xc1\xbf", 2},
        {"\xc2", 1},
        {"\xc2\x41", 2},
        {"\xc2\xc0", 2},
        {"\xe0\x9f\xbf", 3},
        {"\xe0\x80\xaf", 3},
        {"\xed\xa0\x80", 3},
        {"\xed\xbf\xbf", 3},
        {"\xe6\x97", 2},
        {"\xf0\x8f\xbf\xbf", 4},
        {"\xf4\x90\x80\x80", 4},
        {"\xf5\x80\x80\x80", 4},
        {"\xf8\x88\x80\x80\x80", 5},
        {"\xfe", 1},
        {"\xff", 1},
        {"\xf0\x9f\x98", 3},
        /* length-limited: a valid sequence cut by n */
        {"\xe6\x97\xa5", 2},
        {"\xf0\x9f\x98\x80", 3},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (text_utf8_decode(bad[i].s, bad[i].n, &cp) != 0)
            fail_msg("case %zu decoded as U+%04X", i, cp);
    }
}

static void test_width(void **state)
{
    (void)state;
    assert_int_equal(text_width(""), 0);
    assert_int_equal(text_width("PJSIP/201-0000001a"), 18);
    assert_int_equal(text_width("caf\xc3\xa9"), 4);
    assert_int_equal(text_width("\xe6\x97\xa5\xe6\x9c\xac"), 4); /* 日本 */
    assert_int_equal(text_width("a\xe6\x97\xa5z"), 4);
    assert_int_equal(text_width("\xf0\x9f\x98\x80"), 2); /* emoji */
    assert_int_equal(text_width("e\xcc\x81"), 1);        /* combining */
    assert_int_equal(text_width("\xef\xbc\xa1"), 2);     /* fullwidth A */
}

static void test_fit_middle(void **state)
{
    char out[64];
    (void)state;
    /* the two ends that tell trunk channels apart survive; the width is exact */
    assert_int_equal(text_fit_middle("PJSIP/trunk-00000234", 16, out, sizeof out, 0), 16);
    assert_string_equal(out, "PJSIP/t\xE2\x80\xA6"
                             "00000234");
    assert_int_equal(text_width(out), 16);
    assert_int_equal(text_fit_middle("PJSIP/trunk-00000234", 16, out, sizeof out, TEXT_ASCII), 16);
    assert_string_equal(out, "PJSIP/t~00000234");
    /* short enough: unchanged */
    assert_int_equal(text_fit_middle("PJSIP/201-1", 16, out, sizeof out, 0), 11);
    assert_string_equal(out, "PJSIP/201-1");
    /* wide characters on either side never split, the width never overflows */
    assert_true(text_fit_middle("\xE6\x97\xA5\xE6\x9C\xAC-abc-\xE6\x97\xA5\xE6\x9C\xAC", 7, out,
                                sizeof out, 0) <= 7);
    assert_true(text_width(out) <= 7);
}

static void test_fit_no_cut(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(text_fit("hello", 10, out, sizeof out, 0), 5);
    assert_string_equal(out, "hello");
    /* exact fit: no ellipsis */
    assert_int_equal(text_fit("hello", 5, out, sizeof out, 0), 5);
    assert_string_equal(out, "hello");
    assert_int_equal(text_fit("\xe6\x97\xa5\xe6\x9c\xac", 4, out, sizeof out, 0), 4);
    assert_string_equal(out, "\xe6\x97\xa5\xe6\x9c\xac");
    assert_int_equal(text_fit("", 3, out, sizeof out, 0), 0);
    assert_string_equal(out, "");
}

static void test_fit_cut_with_ellipsis(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(text_fit("hello world", 5, out, sizeof out, 0), 5);
    assert_string_equal(out, "hell\xe2\x80\xa6");
    assert_int_equal(text_fit("hello world", 5, out, sizeof out, TEXT_ASCII), 5);
    assert_string_equal(out, "hell~");
    assert_int_equal(text_fit("hello", 1, out, sizeof out, 0), 1);
    assert_string_equal(out, "\xe2\x80\xa6");
    assert_int_equal(text_fit("hello", 0, out, sizeof out, 0), 0);
    assert_string_equal(out, "");
    /* multi-byte characters are never split */
    assert_int_equal(text_fit("caf\xc3\xa9s et th\xc3\xa9", 5, out, sizeof out, 0), 5);
    assert_string_equal(out, "caf\xc3\xa9\xe2\x80\xa6");
}

static void test_fit_wide_at_boundary(void **state)
{
    (void)state;
    char out[64];
    const char *jp = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"; /* 日本語, 6 columns */
    /* 4 columns: 日 + … (本 would need columns 3-4 and leave none for the ellipsis) */
    int w = text_fit(jp, 4, out, sizeof out, 0);
    assert_string_equal(out, "\xe6\x97\xa5\xe2\x80\xa6");
    assert_int_equal(w, 3);
    assert_true(w <= 4);
    w = text_fit(jp, 5, out, sizeof out, 0);
    assert_string_equal(out, "\xe6\x97\xa5\xe6\x9c\xac\xe2\x80\xa6");
    assert_int_equal(w, 5);
    w = text_fit(jp, 6, out, sizeof out, 0);
    assert_string_equal(out, jp);
    assert_int_equal(w, 6);
    /* one column never holds half of a wide character */
    w = text_fit(jp, 1, out, sizeof out, 0);
    assert_string_equal(out, "\xe2\x80\xa6");
    assert_int_equal(w, 1);
    w = text_fit("a\xe6\x97\xa5", 2, out, sizeof out, 0);
    assert_string_equal(out, "a\xe2\x80\xa6");
    assert_int_equal(w, 2);
    w = text_fit("\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 3, out, sizeof out, TEXT_ASCII);
    assert_string_equal(out, "\xf0\x9f\x98\x80~");
    assert_int_equal(w, 3);
}

static void test_fit_result_matches_width(void **state)
{
    (void)state;
    static const char *const samples[] = {
        "PJSIP/trunk-0000001c",
        "201 \"Front desk\"",
        "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xa7\xe3\x81\x99",
        "mix \xe6\x97\xa5 and caf\xc3\xa9 \xf0\x9f\x98\x80 end",
    };
    char out[128];
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        for (int cols = 1; cols <= 30; cols++) {
            int w = text_fit(samples[i], cols, out, sizeof out, 0);
            assert_true(w <= cols);
            assert_int_equal(w, text_width(out));
            /* still valid UTF-8: nothing was cut in half */
            assert_true(safe_utf8(out, strlen(out), false));
        }
    }
}

static void test_fit_small_buffer_stays_terminated(void **state)
{
    (void)state;
    char out[8];
    memset(out, 'X', sizeof out);
    int w = text_fit("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5", 20, out, sizeof out, 0);
    assert_non_null(memchr(out, '\0', sizeof out));
    assert_true(safe_utf8(out, strlen(out), false));
    assert_int_equal(w, text_width(out));
}

int main(void)
{
    if (!setlocale(LC_ALL, "C.UTF-8"))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_c0_controls_escaped),
        cmocka_unit_test(test_nul_inside_length_delimited_input),
        cmocka_unit_test(test_del_escaped),
        cmocka_unit_test(test_c1_controls_escaped),
        cmocka_unit_test(test_bidi_controls_escaped),
        cmocka_unit_test(test_invalid_utf8_escaped_per_byte),
        cmocka_unit_test(test_valid_text_unchanged),
        cmocka_unit_test(test_osc_title_sequence_visible),
        cmocka_unit_test(test_null_gives_empty),
        cmocka_unit_test(test_ascii_mode),
        cmocka_unit_test(test_json_mode),
        cmocka_unit_test(test_size_limit_reported),
        cmocka_unit_test(test_property_random_bytes),
        cmocka_unit_test(test_utf8_decode),
        cmocka_unit_test(test_width),
        cmocka_unit_test(test_fit_no_cut),
        cmocka_unit_test(test_fit_middle),
        cmocka_unit_test(test_fit_cut_with_ellipsis),
        cmocka_unit_test(test_fit_wide_at_boundary),
        cmocka_unit_test(test_fit_result_matches_width),
        cmocka_unit_test(test_fit_small_buffer_stays_terminated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
