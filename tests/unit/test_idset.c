/* tui/idset: the marks and pending-action sets that follow records by id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/idset.h"

static void expect_sorted_unique(const struct idset *s)
{
    for (size_t i = 1; i < s->n; i++) {
        if (strcmp(s->ids[i - 1], s->ids[i]) >= 0)
            fail_msg("ids[%zu] '%s' is not before ids[%zu] '%s'", i - 1, s->ids[i - 1], i,
                     s->ids[i]);
    }
}

static void test_empty(void **state)
{
    (void)state;
    struct idset s;
    idset_init(&s);
    assert_int_equal(s.n, 0);
    assert_false(idset_has(&s, "1.1"));
    assert_false(idset_has(&s, ""));
    idset_remove(&s, "1.1"); /* nothing to remove: no effect */
    idset_clear(&s);
    assert_int_equal(s.n, 0);
    idset_done(&s);
}

static void test_add_has_sorted(void **state)
{
    (void)state;
    struct idset s;
    idset_init(&s);
    static const char *const ids[] = {"1513946901.8",  "1513946896.7", "1513946896.70",
                                      "1513946896.10", "PJSIP/201",    ""};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        idset_add(&s, ids[i]);
    assert_int_equal(s.n, 6);
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        assert_true(idset_has(&s, ids[i]));
    assert_false(idset_has(&s, "1513946896"));
    assert_false(idset_has(&s, "1513946896.7 "));
    assert_false(idset_has(&s, "pjsip/201"));
    expect_sorted_unique(&s);
    assert_string_equal(s.ids[0], "");
    assert_string_equal(s.ids[1], "1513946896.10");
    assert_string_equal(s.ids[5], "PJSIP/201");

    /* adding again changes nothing */
    idset_add(&s, "1513946896.7");
    idset_add(&s, "");
    assert_int_equal(s.n, 6);
    expect_sorted_unique(&s);
    idset_done(&s);
    assert_int_equal(s.n, 0);
}

static void test_add_copies(void **state)
{
    (void)state;
    struct idset s;
    idset_init(&s);
    char buf[16];
    (void)snprintf(buf, sizeof buf, "201");
    idset_add(&s, buf);
    (void)snprintf(buf, sizeof buf, "999");
    assert_true(idset_has(&s, "201"));
    assert_false(idset_has(&s, "999"));
    idset_done(&s);
}

static void test_remove(void **state)
{
    (void)state;
    struct idset s;
    idset_init(&s);
    idset_add(&s, "a");
    idset_add(&s, "b");
    idset_add(&s, "c");
    idset_remove(&s, "b");
    assert_int_equal(s.n, 2);
    assert_false(idset_has(&s, "b"));
    assert_true(idset_has(&s, "a"));
    assert_true(idset_has(&s, "c"));
    idset_remove(&s, "zz");
    idset_remove(&s, "b");
    assert_int_equal(s.n, 2);
    idset_remove(&s, "c"); /* the last one */
    idset_remove(&s, "a"); /* the first one */
    assert_int_equal(s.n, 0);
    idset_add(&s, "b");
    assert_true(idset_has(&s, "b"));
    assert_int_equal(s.n, 1);
    idset_done(&s);
}

static void test_clear(void **state)
{
    (void)state;
    struct idset s;
    idset_init(&s);
    for (int i = 0; i < 50; i++) {
        char id[16];
        (void)snprintf(id, sizeof id, "id%d", i);
        idset_add(&s, id);
    }
    idset_clear(&s);
    assert_int_equal(s.n, 0);
    assert_false(idset_has(&s, "id7"));
    /* usable again after clearing */
    idset_add(&s, "id7");
    assert_true(idset_has(&s, "id7"));
    assert_int_equal(s.n, 1);
    idset_done(&s);
}

/* Keep the ids that the snapshot-like list in ud still holds. */
static bool still_there(const void *ud, const char *id)
{
    for (const char *const *p = ud; *p; p++) {
        if (strcmp(*p, id) == 0)
            return true;
    }
    return false;
}

static bool keep_none(const void *ud, const char *id)
{
    (void)ud;
    (void)id;
    return false;
}

static void test_filter(void **state)
{
    (void)state;
    struct idset s;
    idset_init(&s);
    static const char *const marked[] = {"1.1", "1.2", "1.3", "1.4", "1.5"};
    for (size_t i = 0; i < 5; i++)
        idset_add(&s, marked[i]);
    /* after a poll only some of the marked channels are left */
    static const char *const alive[] = {"1.2", "1.5", "1.9", NULL};
    assert_int_equal(idset_filter(&s, still_there, alive), 3);
    assert_int_equal(s.n, 2);
    assert_true(idset_has(&s, "1.2"));
    assert_true(idset_has(&s, "1.5"));
    assert_false(idset_has(&s, "1.1"));
    assert_false(idset_has(&s, "1.9")); /* filtering never adds */
    expect_sorted_unique(&s);
    /* nothing to drop */
    assert_int_equal(idset_filter(&s, still_there, alive), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(idset_filter(&s, keep_none, NULL), 2);
    assert_int_equal(s.n, 0);
    assert_int_equal(idset_filter(&s, keep_none, NULL), 0);
    idset_done(&s);
}

static bool keep_even(const void *ud, const char *id)
{
    (void)ud;
    return strtol(strchr(id, '-') + 1, NULL, 10) % 2 == 0;
}

static void test_many(void **state)
{
    (void)state;
    enum {
        N = 20000
    };
    struct idset s;
    idset_init(&s);
    /* a fixed pseudo-random order */
    unsigned x = 12345;
    int *order = malloc(N * sizeof *order);
    assert_non_null(order);
    for (int i = 0; i < N; i++)
        order[i] = i;
    for (int i = N - 1; i > 0; i--) {
        x = x * 1103515245u + 12345u;
        int j = (int)((x >> 8) % (unsigned)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    char id[32];
    for (int i = 0; i < N; i++) {
        (void)snprintf(id, sizeof id, "chan-%d", order[i]);
        idset_add(&s, id);
        if (i % 3 == 0)
            idset_add(&s, id);
    }
    assert_int_equal(s.n, N);
    expect_sorted_unique(&s);
    for (int i = 0; i < N; i++) {
        (void)snprintf(id, sizeof id, "chan-%d", i);
        if (!idset_has(&s, id))
            fail_msg("%s missing", id);
    }
    assert_false(idset_has(&s, "chan-20000"));
    assert_int_equal(idset_filter(&s, keep_even, NULL), N / 2);
    assert_int_equal(s.n, N / 2);
    expect_sorted_unique(&s);
    for (int i = 0; i < N; i++) {
        (void)snprintf(id, sizeof id, "chan-%d", i);
        assert_int_equal(idset_has(&s, id), i % 2 == 0);
    }
    for (int i = 0; i < N; i += 4) {
        (void)snprintf(id, sizeof id, "chan-%d", i);
        idset_remove(&s, id);
    }
    assert_int_equal(s.n, N / 4);
    expect_sorted_unique(&s);
    free(order);
    idset_done(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),      cmocka_unit_test(test_add_has_sorted),
        cmocka_unit_test(test_add_copies), cmocka_unit_test(test_remove),
        cmocka_unit_test(test_clear),      cmocka_unit_test(test_filter),
        cmocka_unit_test(test_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
