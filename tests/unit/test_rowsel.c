/* tui/rowsel: rows sorted, the cursor and the marks following record ids across snapshots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tui/rowsel.h"

static int by_id(const struct snapshot *s, size_t a, size_t b)
{
    return strcmp(snap_get(s, a)->id, snap_get(s, b)->id);
}

/* A finished channels snapshot holding the given ids, in that order. */
static struct snapshot *snap_of(const char *const *ids)
{
    struct snapshot *s = snap_new(KIND_CHANNELS);
    for (; *ids; ids++)
        (void)snap_add(s, *ids);
    snap_finish(s);
    return s;
}

static void test_sorted_and_cursor_follows_id(void **state)
{
    (void)state;
    struct rowsel sel;
    rowsel_init(&sel);
    rowsel_resize(&sel, 10);
    struct snapshot *a = snap_of((const char *const[]){"c", "a", "b", NULL});
    rowsel_rebuild(&sel, a, by_id);
    assert_string_equal(rowsel_rec(&sel, 0)->id, "a");
    assert_true(rowsel_key(&sel, ACT_DOWN));
    assert_string_equal(sel.cursor_id, "b");
    /* two records sort in before "b": the cursor moves with it, not with the row */
    struct snapshot *b = snap_of((const char *const[]){"b", "a1", "a0", "c", NULL});
    rowsel_rebuild(&sel, b, by_id);
    assert_int_equal(sel.cursor, 2);
    assert_string_equal(rowsel_rec(&sel, sel.cursor)->id, "b");
    /* "b" leaves: the cursor keeps its row, on the record now there */
    struct snapshot *c = snap_of((const char *const[]){"a0", "a1", "c", NULL});
    rowsel_rebuild(&sel, c, by_id);
    assert_int_equal(sel.cursor, 2);
    assert_string_equal(sel.cursor_id, "c");
    rowsel_done(&sel);
    snap_free(a);
    snap_free(b);
    snap_free(c);
}

static void test_marks_follow_records(void **state)
{
    (void)state;
    struct rowsel sel;
    rowsel_init(&sel);
    rowsel_resize(&sel, 10);
    struct snapshot *a = snap_of((const char *const[]){"a", "b", "c", NULL});
    rowsel_rebuild(&sel, a, by_id);
    assert_true(rowsel_key(&sel, ACT_MARK)); /* marks "a", moves to "b" */
    assert_true(rowsel_key(&sel, ACT_MARK)); /* marks "b" */
    assert_string_equal(sel.cursor_id, "c");
    assert_int_equal(sel.marks.n, 2);
    struct snapshot *b = snap_of((const char *const[]){"b", "c", NULL});
    rowsel_rebuild(&sel, b, by_id);
    assert_int_equal(sel.marks.n, 1); /* "a" left, its mark with it */
    assert_true(idset_has(&sel.marks, "b"));
    assert_true(rowsel_key(&sel, ACT_MARK_ALL));
    assert_int_equal(sel.marks.n, 2);
    assert_true(rowsel_key(&sel, ACT_UNMARK));
    assert_int_equal(sel.marks.n, 0);
    assert_false(rowsel_key(&sel, ACT_DESTROY)); /* not a selection key */
    rowsel_done(&sel);
    snap_free(a);
    snap_free(b);
}

static void test_moves_clamp_and_scroll(void **state)
{
    (void)state;
    struct rowsel sel;
    rowsel_init(&sel);
    rowsel_rebuild(&sel, NULL, by_id); /* no data yet: nothing to move over */
    assert_true(rowsel_key(&sel, ACT_DOWN));
    assert_null(sel.cursor_id);
    const char *ids[31];
    char names[30][4];
    for (int i = 0; i < 30; i++) {
        names[i][0] = (char)('A' + i / 10);
        names[i][1] = (char)('0' + i % 10);
        names[i][2] = '\0';
        ids[i] = names[i];
    }
    ids[30] = NULL;
    struct snapshot *s = snap_of(ids);
    rowsel_resize(&sel, 5);
    rowsel_rebuild(&sel, s, by_id);
    assert_true(rowsel_key(&sel, ACT_END));
    assert_int_equal(sel.cursor, 29);
    assert_int_equal(sel.top, 25); /* the cursor's row is on screen */
    assert_true(rowsel_key(&sel, ACT_PGUP));
    assert_int_equal(sel.cursor, 25);
    assert_true(rowsel_key(&sel, ACT_HOME));
    assert_true(rowsel_key(&sel, ACT_UP));
    assert_int_equal(sel.cursor, 0);
    assert_int_equal(sel.top, 0);
    rowsel_done(&sel);
    snap_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sorted_and_cursor_follows_id),
        cmocka_unit_test(test_marks_follow_records),
        cmocka_unit_test(test_moves_clamp_and_scroll),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
