/* views/details_text: the rows of the details view, over hand-built snapshots. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tui/text.h"
#include "views/details_text.h"

#define NOW_MS 1700000000000LL

/* Row i must be exactly want. */
static void expect_row(const struct details_text *t, size_t i, const char *want)
{
    if (i >= t->n)
        fail_msg("row %zu of %zu wanted: \"%s\"", i, t->n, want);
    assert_string_equal(t->rows[i], want);
}

/* The index of the first row that starts with prefix, or fail. */
static size_t row_starting(const struct details_text *t, const char *prefix)
{
    for (size_t i = 0; i < t->n; i++) {
        if (strncmp(t->rows[i], prefix, strlen(prefix)) == 0)
            return i;
    }
    fail_msg("no row starts with \"%s\"", prefix);
    return 0;
}

static void expect_all_fit(const struct details_text *t, int width)
{
    for (size_t i = 0; i < t->n; i++) {
        if (text_width(t->rows[i]) > width)
            fail_msg("row %zu is %d columns wide, more than %d: \"%s\"", i, text_width(t->rows[i]),
                     width, t->rows[i]);
    }
}

static struct snapshot *one_channel(void)
{
    struct snapshot *s = snap_new(KIND_CHANNELS);
    size_t i = snap_add(s, "1700000000.42");
    snap_set(s, i, CH_CHANNEL, "PJSIP/201-0000001a");
    snap_set(s, i, CH_STATE, "Up");
    snap_set(s, i, CH_CALLER_NUM, "201");
    snap_set(s, i, CH_CALLER_NAME, "Zo\x1b]2;PW\x07");
    snap_set(s, i, CH_CONNECTED_NUM, NULL);
    snap_set(s, i, CH_EXTEN, "5551234");
    snap_set_t0(s, i, NOW_MS - 192 * 1000);
    snap_finish(s);
    return s;
}

static void test_channel_fields(void **state)
{
    (void)state;
    struct snapshot *s = one_channel();
    struct details_text t;
    details_text_init(&t);
    details_fields(&t, KIND_CHANNELS, snap_get(s, 0), NOW_MS, 78, 0);
    /* The id first, then every field in the kind's order, names in one column. */
    assert_int_equal(t.n, 11);
    expect_row(&t, 0, "id              1700000000.42");
    expect_row(&t, 1, "channel         PJSIP/201-0000001a");
    expect_row(&t, 3, "caller_num      201");
    expect_row(&t, 4, "caller_name     Zo\\x1b]2;PW\\x07"); /* escaped, never sent raw */
    expect_row(&t, 5, "connected_num   -");                 /* null */
    expect_row(&t, 6, "connected_name  -");
    expect_row(&t, 10, "duration        03:12"); /* from the start time, not stored */
    details_text_done(&t);
    snap_free(s);
}

static void test_unknown_start_time(void **state)
{
    (void)state;
    struct snapshot *s = snap_new(KIND_CHANNELS);
    (void)snap_add(s, "c1");
    snap_finish(s);
    struct details_text t;
    details_text_init(&t);
    details_fields(&t, KIND_CHANNELS, snap_get(s, 0), NOW_MS, 78, 0);
    expect_row(&t, row_starting(&t, "duration"), "duration        -");
    details_text_done(&t);
    snap_free(s);
}

static void test_lists_and_booleans(void **state)
{
    (void)state;
    struct snapshot *rg = snap_new(KIND_RINGGROUPS);
    size_t a = snap_add(rg, "600");
    snap_set(rg, a, RG_MEMBERS,
             "201\x1f"
             "202\x1f"
             "PJSIP/\xe2\x80\xae"
             "evil");
    size_t b = snap_add(rg, "601");
    snap_set(rg, b, RG_MEMBERS, "");
    snap_finish(rg);
    struct details_text t;
    details_text_init(&t);
    details_fields(&t, KIND_RINGGROUPS, snap_get(rg, (size_t)snap_find(rg, "600")), NOW_MS, 78, 0);
    size_t m = row_starting(&t, "members");
    expect_row(&t, m, "members    201");
    expect_row(&t, m + 1, "           202");
    expect_row(&t, m + 2, "           PJSIP/\\u202eevil"); /* a bidi override, escaped */
    assert_int_equal(t.n, m + 3);
    details_text_done(&t);
    details_text_init(&t);
    details_fields(&t, KIND_RINGGROUPS, snap_get(rg, (size_t)snap_find(rg, "601")), NOW_MS, 78, 0);
    expect_row(&t, row_starting(&t, "members"), "members    (none)");
    expect_row(&t, row_starting(&t, "ring_time"), "ring_time  -");
    details_text_done(&t);
    snap_free(rg);

    struct snapshot *ext = snap_new(KIND_EXTENSIONS);
    size_t e = snap_add(ext, "201");
    snap_set_bool(ext, e, EXT_ENABLED, true);
    snap_set_bool(ext, e, EXT_VOICEMAIL, false);
    snap_finish(ext);
    details_text_init(&t);
    details_fields(&t, KIND_EXTENSIONS, snap_get(ext, 0), NOW_MS, 78, 0);
    expect_row(&t, row_starting(&t, "enabled"), "enabled    yes");
    expect_row(&t, row_starting(&t, "voicemail"), "voicemail  no");
    expect_row(&t, row_starting(&t, "tech"), "tech       -");
    details_text_done(&t);
    snap_free(ext);
}

static void test_long_values_wrap_under_the_value(void **state)
{
    (void)state;
    struct snapshot *s = snap_new(KIND_EXTENSIONS);
    size_t i = snap_add(s, "201");
    snap_set(s, i, EXT_NAME, "abcdefghijklmnopqrstuvwxyz0123456789");
    /* Wide characters: two columns each, never split. */
    snap_set(s, i, EXT_CALLERID,
             "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac"
             "\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
    snap_finish(s);
    struct details_text t;
    details_text_init(&t);
    details_fields(&t, KIND_EXTENSIONS, snap_get(s, 0), NOW_MS, 25, 0);
    expect_all_fit(&t, 25);
    size_t n = row_starting(&t, "name");
    expect_row(&t, n, "name       abcdefghijklmn");
    expect_row(&t, n + 1, "           opqrstuvwxyz01");
    expect_row(&t, n + 2, "           23456789");
    size_t c = row_starting(&t, "callerid");
    expect_row(&t, c,
               "callerid   \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac"
               "\xe8\xaa\x9e\xe6\x97\xa5"); /* 14 columns: a 15th would split one */
    details_text_done(&t);
    /* Too narrow for two columns: each value goes under its name. */
    details_text_init(&t);
    details_fields(&t, KIND_EXTENSIONS, snap_get(s, 0), NOW_MS, 12, 0);
    expect_all_fit(&t, 12);
    expect_row(&t, 0, "id");
    expect_row(&t, 1, "  201");
    details_text_done(&t);
    snap_free(s);
}

static void test_raw_reindented_as_sent(void **state)
{
    (void)state;
    struct details_text t;
    details_text_init(&t);
    details_raw(&t,
                "{\"a\":1,\"b\":[1, 2],\"c\":{},\"s\":\"x,y:{z}\\\"]\",\"big\":"
                "12345678901234567890,\"e\":[ ]}",
                78, 0);
    static const char *const want[] = {
        "{",
        "  \"a\": 1,",
        "  \"b\": [",
        "    1,",
        "    2",
        "  ],",
        "  \"c\": {},",
        "  \"s\": \"x,y:{z}\\\"]\",",       /* punctuation inside a string stays */
        "  \"big\": 12345678901234567890,", /* not rounded through a double */
        "  \"e\": []",
        "}",
    };
    assert_int_equal(t.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < t.n; i++)
        expect_row(&t, i, want[i]);
    details_text_done(&t);
}

static void test_raw_hostile_and_missing(void **state)
{
    (void)state;
    struct details_text t;
    details_text_init(&t);
    details_raw(&t, NULL, 78, 0);
    assert_int_equal(t.n, 1);
    expect_row(&t, 0, "raw JSON not kept");
    details_text_done(&t);
    /* Bidi controls and bytes that are not UTF-8 come out as JSON escapes; so does any
     * non-ASCII text when the terminal cannot show it. */
    details_text_init(&t);
    details_raw(&t,
                "{\"n\":\"a\xe2\x80\xae"
                "b\xff\",\"m\":\"caf\xc3\xa9\"}",
                78, TEXT_ASCII);
    expect_row(&t, 1, "  \"n\": \"a\\u202eb\\ufffd\",");
    expect_row(&t, 2, "  \"m\": \"caf\\u00e9\"");
    details_text_done(&t);
}

static void test_raw_long_lines_wrap(void **state)
{
    (void)state;
    struct details_text t;
    details_text_init(&t);
    details_raw(&t, "{\"k\":\"0123456789012345678901234567890123456789\"}", 20, 0);
    expect_all_fit(&t, 20);
    expect_row(&t, 1, "  \"k\": \"012345678901");
    expect_row(&t, 2, "    2345678901234567");
    expect_row(&t, 3, "    890123456789\"");
    expect_row(&t, 4, "}");
    details_text_done(&t);
}

int main(void)
{
    if (!setlocale(LC_ALL, "C.UTF-8"))
        return 1; /* wide characters would count as one column */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_channel_fields),
        cmocka_unit_test(test_unknown_start_time),
        cmocka_unit_test(test_lists_and_booleans),
        cmocka_unit_test(test_long_values_wrap_under_the_value),
        cmocka_unit_test(test_raw_reindented_as_sent),
        cmocka_unit_test(test_raw_hostile_and_missing),
        cmocka_unit_test(test_raw_long_lines_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
