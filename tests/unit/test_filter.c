/* tui/filter: parsing "text", "!text" and "column:text", and matching cells. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tui/filter.h"

static const char *const names[] = {"channel", "state", "caller"};

static void test_plain_text_matches_any_column_ignoring_case(void **state)
{
    (void)state;
    struct filter f = {.column = -1};
    filter_parse(&f, "pjsip/2", names, 3);
    assert_true(f.active);
    assert_false(f.invert);
    assert_int_equal(f.column, -1);
    assert_true(filter_match(&f, (const char *const[]){"PJSIP/201-1", "Up", "201"}, 3));
    assert_true(filter_match(&f, (const char *const[]){"x", "Up", "pjsip/2"}, 3));
    assert_false(filter_match(&f, (const char *const[]){"PJSIP/301", "Up", NULL}, 3));
    filter_clear(&f);
}

static void test_invert_keeps_rows_where_no_column_matches(void **state)
{
    (void)state;
    struct filter f = {.column = -1};
    filter_parse(&f, "!up", names, 3);
    assert_true(f.invert);
    assert_false(filter_match(&f, (const char *const[]){"a", "Up", "b"}, 3));
    assert_true(filter_match(&f, (const char *const[]){"a", "Ring", "b"}, 3));
    filter_clear(&f);
}

static void test_column_prefix_limits_the_match(void **state)
{
    (void)state;
    struct filter f = {.column = -1};
    filter_parse(&f, "State:ring", names, 3);
    assert_int_equal(f.column, 1);
    assert_string_equal(f.needle, "ring");
    assert_true(filter_match(&f, (const char *const[]){"a", "Ringing", "b"}, 3));
    assert_false(filter_match(&f, (const char *const[]){"ring", "Up", "ring"}, 3));
    filter_parse(&f, "!caller:201", names, 3);
    assert_true(f.invert);
    assert_int_equal(f.column, 2);
    assert_false(filter_match(&f, (const char *const[]){"a", "b", "201"}, 3));
    assert_true(filter_match(&f, (const char *const[]){"201", "b", "7"}, 3));
    filter_clear(&f);
}

static void test_unknown_prefix_is_text(void **state)
{
    (void)state;
    struct filter f = {.column = -1};
    filter_parse(&f, "sip:alice@example.org", names, 3);
    assert_int_equal(f.column, -1);
    assert_string_equal(f.needle, "sip:alice@example.org");
    assert_true(filter_match(&f, (const char *const[]){"x", "sip:alice@example.org", "y"}, 3));
    filter_clear(&f);
}

static void test_empty_and_half_typed_filters_hide_nothing(void **state)
{
    (void)state;
    struct filter f = {.column = -1};
    const char *const row[] = {"a", "b", "c"};
    for (const char *const *t = (const char *const[]){"", "!", "state:", "!state:", NULL}; *t;
         t++) {
        filter_parse(&f, *t, names, 3);
        assert_false(f.active);
        assert_true(filter_match(&f, row, 3));
    }
    filter_clear(&f);
}

static void test_contains(void **state)
{
    (void)state;
    assert_true(filter_contains("Front Desk", "DESK"));
    assert_true(filter_contains("abc", ""));
    assert_false(filter_contains("ab", "abc"));
    assert_true(filter_contains("aab", "ab"));
    assert_true(filter_contains("Zo\xc3\xa9", "\xc3\xa9"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text_matches_any_column_ignoring_case),
        cmocka_unit_test(test_invert_keeps_rows_where_no_column_matches),
        cmocka_unit_test(test_column_prefix_limits_the_match),
        cmocka_unit_test(test_unknown_prefix_is_text),
        cmocka_unit_test(test_empty_and_half_typed_filters_hide_nothing),
        cmocka_unit_test(test_contains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
