/* views/addrange: the records "A" makes when How many is above 1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "views/tview.h"

static const char *const names[] = {"extension", "name", "secret"};

static struct change form(const char *ext, const char *name, const char *secret)
{
    static const char *values[3];
    values[0] = ext;
    values[1] = name;
    values[2] = secret;
    return (struct change){.op = OP_CREATE, .nvalues = 3, .names = names, .values = values};
}

static void test_a_range_counts_up_and_fills_in_each_number(void **state)
{
    (void)state;
    struct addrange r;
    char *err = NULL;
    struct change c = form("1000", "Desk {ext} ({ext})", NULL);
    assert_int_equal(addrange_expand(&c, "extension", "3", &r, &err), 0);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.values[0][0], "1000");
    assert_string_equal(r.values[2][0], "1002");
    assert_string_equal(r.values[1][1], "Desk 1001 (1001)");
    assert_null(r.values[1][2]); /* a field left empty stays unsent */
    assert_string_equal(r.from, "1000");
    assert_string_equal(r.to, "1002");
    addrange_free(&r);
}

static void test_the_width_typed_is_kept(void **state)
{
    (void)state;
    struct addrange r;
    char *err = NULL;
    struct change c = form("0098", "x", "pw");
    assert_int_equal(addrange_expand(&c, "extension", "3", &r, &err), 0);
    assert_string_equal(r.values[2][0], "0100");
    assert_string_equal(r.values[2][2], "pw");
    addrange_free(&r);
}

static void test_one_record_keeps_its_key_as_typed(void **state)
{
    (void)state;
    struct addrange r;
    char *err = NULL;
    struct change c = form("trunk-a", "Line {ext}", NULL);
    assert_int_equal(addrange_expand(&c, "extension", "1", &r, &err), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.values[0][0], "trunk-a");
    assert_string_equal(r.values[0][1], "Line trunk-a");
    addrange_free(&r);
}

/* Queue members have no number: one record is the form's values, untouched. */
static void test_a_kind_without_a_number_adds_one_as_typed(void **state)
{
    (void)state;
    static const char *const qnames[] = {"queue", "interface"};
    static const char *const qvalues[] = {"sales", "PJSIP/{ext}"};
    struct change c = {.op = OP_CREATE, .nvalues = 2, .names = qnames, .values = qvalues};
    struct addrange r;
    char *err = NULL;
    assert_int_equal(addrange_expand(&c, "extension", "1", &r, &err), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.values[0][0], "sales");
    assert_string_equal(r.values[0][1], "PJSIP/{ext}");
    addrange_free(&r);
}

static void expect_refused(const char *ext, const char *count, const char *needle)
{
    struct addrange r;
    char *err = NULL;
    struct change c = form(ext, "n", NULL);
    assert_int_equal(addrange_expand(&c, "extension", count, &r, &err), -1);
    assert_non_null(err);
    if (!strstr(err, needle))
        fail_msg("'%s' lacks '%s'", err, needle);
    assert_int_equal(r.n, 0);
    free(err);
}

static void test_bad_counts_and_starts_are_named(void **state)
{
    (void)state;
    expect_refused("1000", "0", "How many: a number from 1 to 500, not '0'");
    expect_refused("1000", "501", "not '501'");
    expect_refused("1000", "3x", "not '3x'");
    expect_refused("1000", "", "not ''");
    expect_refused("trunk", "2", "a range needs a number to start from, not 'trunk'");
    expect_refused("9999999999999", "2", "a number to start from");
    struct addrange r;
    char *err = NULL;
    struct change c = form(NULL, "n", NULL);
    assert_int_equal(addrange_expand(&c, "extension", "2", &r, &err), -1);
    assert_string_equal(err, "a range needs the extension to start from");
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_range_counts_up_and_fills_in_each_number),
        cmocka_unit_test(test_the_width_typed_is_kept),
        cmocka_unit_test(test_one_record_keeps_its_key_as_typed),
        cmocka_unit_test(test_a_kind_without_a_number_adds_one_as_typed),
        cmocka_unit_test(test_bad_counts_and_starts_are_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
