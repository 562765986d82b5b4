/* tui/rows: the rows of the table views over hand-built snapshots: filter, sort, follow,
 * marks hidden by a filter, and the fleet view's rows from several backends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/rows.h"

enum {
    C_BACKEND,
    C_EXT,
    C_NAME,
    C_ENABLED
};

static const struct rows_col cols[] = {
    [C_BACKEND] = {"backend", ROWS_SOURCE, ORDER_TEXT, NULL},
    [C_EXT] = {"extension", EXT_EXTENSION, ORDER_TEXT, NULL},
    [C_NAME] = {"name", EXT_NAME, ORDER_TEXT, NULL},
    [C_ENABLED] = {"enabled", EXT_ENABLED, ORDER_TEXT, NULL},
};

/* Extensions "id=ext:name" each, enabled when the name has no 'x'. */
static struct snapshot *exts(const char *const *specs)
{
    struct snapshot *s = snap_new(KIND_EXTENSIONS);
    for (; *specs; specs++) {
        char id[32], ext[32], name[32];
        assert_int_equal(sscanf(*specs, "%31[^=]=%31[^:]:%31s", id, ext, name), 3);
        size_t i = snap_add(s, id);
        snap_set(s, i, EXT_EXTENSION, ext);
        snap_set(s, i, EXT_NAME, name);
        snap_set_bool(s, i, EXT_ENABLED, !strchr(name, 'x'));
    }
    snap_finish(s);
    return s;
}

static void one_source(struct rows *r, const struct snapshot *s)
{
    struct rows_src src = {"pbx", NULL, s, NULL};
    rows_set_sources(r, &src, 1, 0);
}

/* The shown rows' ids, joined with spaces. */
static const char *shown(const struct rows *r)
{
    static char buf[256];
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->nvis && o < sizeof buf; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? " " : "", rows_rec(r, i)->id);
    return buf;
}

static void test_natural_sort_reverse_and_other_columns(void **state)
{
    (void)state;
    struct rows r;
    rows_init(&r, cols, 4, C_EXT);
    struct snapshot *s = exts((const char *const[]){"a=100:bob", "b=9:carol", "c=10:alice", NULL});
    one_source(&r, s);
    assert_string_equal(shown(&r), "b c a"); /* 9 < 10 < 100 */
    assert_true(rows_key(&r, ACT_SORT_REVERSE));
    assert_string_equal(shown(&r), "a c b");
    assert_true(rows_key(&r, ACT_SORT_NEXT)); /* by name, ascending again */
    assert_int_equal(r.sort_col, C_NAME);
    assert_false(r.sort_rev);
    assert_string_equal(shown(&r), "c a b");
    assert_true(rows_key(&r, ACT_SORT_PREV));
    assert_true(rows_key(&r, ACT_SORT_PREV)); /* wraps round to the last column... */
    assert_true(rows_key(&r, ACT_SORT_PREV)); /* ...then back */
    assert_int_equal(r.sort_col, C_ENABLED);
    rows_done(&r);
    snap_free(s);
}

/* DUR reads as a duration: ascending puts the shortest call first, the longest last, and
 * calls whose start is unknown come last either way, as rows without a value do. */
static void age_text(const struct record *r, int64_t now_ms, char *buf, size_t size)
{
    (void)snprintf(buf, size, "%lld", (long long)(now_ms - r->t0_ms));
}

static void test_duration_sorts_shortest_first(void **state)
{
    (void)state;
    static const struct rows_col dcols[] = {
        {"channel", CH_CHANNEL, ORDER_BYTES, NULL},
        {"dur", ROWS_COMPUTED, ORDER_AGE, age_text},
    };
    struct snapshot *s = snap_new(KIND_CHANNELS);
    const char *ids[] = {"long", "short", "unknown", "mid"};
    const int64_t t0[] = {1000, 9000, 0, 5000};
    for (size_t k = 0; k < 4; k++) {
        size_t i = snap_add(s, ids[k]);
        snap_set(s, i, CH_CHANNEL, ids[k]);
        snap_set_t0(s, i, t0[k]);
    }
    snap_finish(s);
    struct rows r;
    rows_init(&r, dcols, 2, 1);
    one_source(&r, s);
    assert_string_equal(shown(&r), "short mid long unknown");
    assert_true(rows_key(&r, ACT_SORT_REVERSE));
    assert_string_equal(shown(&r), "long mid short unknown");
    rows_done(&r);
    snap_free(s);
}

static void test_cursor_follows_its_record_or_keeps_its_row(void **state)
{
    (void)state;
    struct rows r;
    rows_init(&r, cols, 4, C_EXT);
    rows_resize(&r, 10);
    struct snapshot *a = exts((const char *const[]){"a=1:x", "b=2:y", "c=3:z", NULL});
    struct snapshot *b = exts((const char *const[]){"a=1:x", "b=2:y", "c=3:z", "d=0:w", NULL});
    one_source(&r, a);
    assert_true(rows_key(&r, ACT_DOWN));
    assert_string_equal(rows_rec(&r, (size_t)r.cursor)->id, "b");
    one_source(&r, b); /* "d" sorts in first: the cursor moves down with "b" */
    assert_int_equal(r.cursor, 2);
    assert_string_equal(rows_rec(&r, (size_t)r.cursor)->id, "b");
    assert_true(rows_key(&r, ACT_FOLLOW));
    assert_false(r.follow);
    one_source(&r, a); /* not following: the cursor keeps row 2, now "c" */
    assert_int_equal(r.cursor, 2);
    assert_string_equal(rows_rec(&r, (size_t)r.cursor)->id, "c");
    rows_done(&r);
    snap_free(a);
    snap_free(b);
}

static void test_marks_hidden_by_the_filter_stay_and_are_targets(void **state)
{
    (void)state;
    struct rows r;
    rows_init(&r, cols, 4, C_EXT);
    rows_resize(&r, 10);
    struct snapshot *s =
        exts((const char *const[]){"a=1:ann", "b=2:bob", "c=3:cat", "d=4:dan", NULL});
    one_source(&r, s);
    assert_true(rows_key(&r, ACT_MARK)); /* a */
    assert_true(rows_key(&r, ACT_MARK)); /* b */
    rows_set_filter(&r, "name:a");       /* ann, cat, dan */
    assert_string_equal(shown(&r), "a c d");
    assert_int_equal(rows_marks_hidden(&r), 1); /* b */
    struct row *t;
    size_t n = rows_targets(&r, &t);
    assert_int_equal(n, 2);
    assert_string_equal(snap_get(s, t[0].idx)->id, "a"); /* shown first... */
    assert_string_equal(snap_get(s, t[1].idx)->id, "b"); /* ...then the hidden one */
    free(t);
    one_source(&r, s); /* a poll: hidden marks are not dropped */
    assert_int_equal(r.marks.n, 2);
    assert_true(rows_key(&r, ACT_MARK_ALL)); /* every shown row, not the hidden ones twice */
    assert_int_equal(r.marks.n, 4);
    rows_set_filter(&r, "!yes");
    assert_int_equal(r.nvis, 0);
    rows_set_filter(&r, "");
    assert_int_equal(r.nvis, 4);
    rows_done(&r);
    snap_free(s);
}

static void test_marks_of_records_that_left_are_dropped(void **state)
{
    (void)state;
    struct rows r;
    rows_init(&r, cols, 4, C_EXT);
    struct snapshot *a = exts((const char *const[]){"a=1:a", "b=2:b", NULL});
    struct snapshot *b = exts((const char *const[]){"b=2:b", NULL});
    one_source(&r, a);
    assert_true(rows_key(&r, ACT_MARK_ALL));
    one_source(&r, b);
    assert_int_equal(r.marks.n, 1);
    struct row *t;
    assert_int_equal(rows_targets(&r, &t), 1);
    free(t);
    assert_true(rows_key(&r, ACT_UNMARK));
    assert_int_equal(rows_targets(&r, &t), 1); /* no marks: the cursor's row */
    assert_string_equal(snap_get(b, t[0].idx)->id, "b");
    free(t);
    assert_false(rows_key(&r, ACT_DESTROY)); /* not a rows key */
    rows_done(&r);
    snap_free(a);
    snap_free(b);
}

static void test_find_moves_without_hiding(void **state)
{
    (void)state;
    struct rows r;
    rows_init(&r, cols, 4, C_EXT);
    rows_resize(&r, 10);
    struct snapshot *s = exts((const char *const[]){"a=1:ann", "b=2:bob", "c=3:anna", NULL});
    one_source(&r, s);
    assert_true(rows_find(&r, "ann", 1));
    assert_int_equal(r.cursor, 2);
    assert_true(rows_find(&r, "ann", 1)); /* wraps round */
    assert_int_equal(r.cursor, 0);
    assert_true(rows_find(&r, "ann", -1));
    assert_int_equal(r.cursor, 2);
    assert_int_equal(r.nvis, 3);
    assert_false(rows_find(&r, "zed", 1));
    assert_int_equal(r.cursor, 2);
    rows_done(&r);
    snap_free(s);
}

static void test_fleet_rows_keep_backends_apart(void **state)
{
    (void)state;
    struct rows r;
    rows_init(&r, cols, 4, C_EXT);
    rows_resize(&r, 10);
    struct snapshot *a = exts((const char *const[]){"x=201:ann", NULL});
    struct snapshot *b = exts((const char *const[]){"x=201:bob", "y=200:cy", NULL});
    struct rows_src src[] = {{"east", "east (stale)", a, NULL}, {"west", NULL, b, NULL}};
    rows_set_sources(&r, src, 2, 0);
    assert_int_equal(r.nvis, 3);
    char buf[64];
    assert_string_equal(rows_cell(&r, &r.vis[0], C_EXT, buf, sizeof buf), "200");
    assert_string_equal(rows_cell(&r, &r.vis[1], C_BACKEND, buf, sizeof buf), "east (stale)");
    assert_string_equal(rows_cell(&r, &r.vis[2], C_BACKEND, buf, sizeof buf), "west");
    assert_string_equal(rows_cell(&r, &r.vis[2], C_ENABLED, buf, sizeof buf), "yes");
    /* the same id on two backends: two marks */
    rows_set_cursor(&r, 1);
    assert_true(rows_key(&r, ACT_MARK));
    assert_true(rows_key(&r, ACT_MARK));
    assert_int_equal(r.marks.n, 2);
    assert_true(rows_marked(&r, 1));
    assert_true(rows_marked(&r, 2));
    rows_set_filter(&r, "backend:west");
    assert_int_equal(r.nvis, 2);
    assert_int_equal(rows_marks_hidden(&r), 1);
    rows_done(&r);
    snap_free(a);
    snap_free(b);
}

/* Typing narrows what is shown without sorting again; widening, a new sort or new rows bring
 * back the right rows in the right order. */
static void test_typing_a_filter_keeps_the_order(void **state)
{
    (void)state;
    struct rows r;
    rows_init(&r, cols, 4, C_EXT);
    struct snapshot *s = exts(
        (const char *const[]){"a=120:ann", "b=12:bob", "c=2:Abby", "d=112:dan", "e=21:eve", NULL});
    one_source(&r, s);
    rows_set_filter(&r, "1");
    assert_string_equal(shown(&r), "b e d a");
    rows_set_filter(&r, "12");
    assert_string_equal(shown(&r), "b d a");
    rows_set_filter(&r, "120");
    assert_string_equal(shown(&r), "a");
    rows_set_filter(&r, "12"); /* backspace: wider again */
    assert_string_equal(shown(&r), "b d a");
    rows_set_filter(&r, "name:a");
    assert_string_equal(shown(&r), "c d a");
    rows_set_filter(&r, "name:ab"); /* ignoring case, as the filter does */
    assert_string_equal(shown(&r), "c");
    rows_set_filter(&r, "!ab");
    assert_string_equal(shown(&r), "b e d a");
    rows_set_filter(&r, "!abb"); /* a longer inverted needle hides fewer */
    assert_string_equal(shown(&r), "b e d a");
    rows_set_filter(&r, "");
    assert_true(rows_key(&r, ACT_SORT_REVERSE));
    assert_string_equal(shown(&r), "a d e b c");
    rows_set_filter(&r, "ev");
    assert_string_equal(shown(&r), "e");
    rows_set_filter(&r, ""); /* new rows come sorted the current way: reversed */
    struct snapshot *s2 = exts((const char *const[]){"f=3:Zoe", "g=1:Ed", NULL});
    one_source(&r, s2);
    assert_string_equal(shown(&r), "f g");
    rows_done(&r);
    snap_free(s);
    snap_free(s2);
}

static void test_moves_clamp_and_scroll(void **state)
{
    (void)state;
    struct rows r;
    rows_init(&r, cols, 4, C_EXT);
    rows_set_sources(&r, NULL, 0, 0); /* no data yet: nothing to move over */
    assert_true(rows_key(&r, ACT_DOWN));
    assert_null(r.cursor_key);
    const char *specs[31];
    char text[30][40]; /* room for any int: at -O1 (make asan) gcc cannot bound i */
    for (int i = 0; i < 30; i++) {
        (void)snprintf(text[i], sizeof text[i], "i%d=%d:n%d", i, i, i);
        specs[i] = text[i];
    }
    specs[30] = NULL;
    struct snapshot *s = exts(specs);
    rows_resize(&r, 5);
    one_source(&r, s);
    assert_true(rows_key(&r, ACT_END));
    assert_int_equal(r.cursor, 29);
    assert_int_equal(r.top, 25);
    assert_true(rows_key(&r, ACT_PGUP));
    assert_int_equal(r.cursor, 25);
    assert_true(rows_key(&r, ACT_HOME));
    assert_true(rows_key(&r, ACT_UP));
    assert_int_equal(r.cursor, 0);
    assert_int_equal(r.top, 0);
    rows_done(&r);
    snap_free(s);
}

/* Queue members "id=queue:penalty" each; "-" for a member without a queue. */
static struct snapshot *members(const char *const *specs)
{
    struct snapshot *s = snap_new(KIND_QUEUEMEMBERS);
    for (; *specs; specs++) {
        char id[32], queue[32], pen[32];
        assert_int_equal(sscanf(*specs, "%31[^=]=%31[^:]:%31s", id, queue, pen), 3);
        size_t i = snap_add(s, id);
        snap_set(s, i, QM_QUEUE, strcmp(queue, "-") == 0 ? NULL : queue);
        snap_set(s, i, QM_PENALTY, pen);
    }
    snap_finish(s);
    return s;
}

enum {
    M_BACKEND,
    M_QUEUE,
    M_PENALTY
};
static const struct rows_col mcols[] = {
    [M_BACKEND] = {"backend", ROWS_SOURCE, ORDER_TEXT, NULL},
    [M_QUEUE] = {"queue", QM_QUEUE, ORDER_TEXT, NULL},
    [M_PENALTY] = {"penalty", QM_PENALTY, ORDER_NUM, NULL},
};

static void test_groups_keep_a_queue_together_sorted_within(void **state)
{
    (void)state;
    struct rows r;
    rows_init(&r, mcols, 3, M_QUEUE);
    rows_resize(&r, 10);
    struct snapshot *s = members(
        (const char *const[]){"a=q10:5", "b=q9:1", "c=q10:0", "d=-:3", "e=q9:7", "f=q10:2", NULL});
    one_source(&r, s);
    rows_set_group(&r, QM_QUEUE);
    assert_string_equal(shown(&r), "b e a c f d"); /* q9 < q10, no queue last; then by id */
    rows_set_sort(&r, M_PENALTY, false);           /* within each queue only */
    assert_string_equal(shown(&r), "b e c f a d");
    rows_set_sort(&r, M_PENALTY, true);
    assert_string_equal(shown(&r), "e b a f c d"); /* the queues keep their order */
    rows_set_sort(&r, M_QUEUE, true); /* backwards by queue: the groups turn, no queue last */
    assert_string_equal(shown(&r), "a c f b e d");
    assert_true(rows_group_cmp(&r, 0, "q9", 0, "q10") > 0);
    rows_set_sort(&r, M_QUEUE, false);
    assert_true(rows_group_cmp(&r, 0, "q9", 0, "q10") < 0);
    assert_true(rows_group_cmp(&r, 0, "q9", 0, NULL) < 0);
    assert_int_equal(rows_group_cmp(&r, 0, "q9", 0, "q9"), 0);
    /* The filter, marks and targets are the rows' own: the grouping only orders them. */
    rows_set_filter(&r, "penalty:1");
    assert_string_equal(shown(&r), "b");
    rows_set_filter(&r, "");
    rows_set_cursor(&r, 2);
    assert_true(rows_key(&r, ACT_MARK));
    struct row *t;
    assert_int_equal(rows_targets(&r, &t), 1);
    assert_string_equal(snap_get(s, t[0].idx)->id, "a");
    free(t);
    assert_string_equal(rows_rec(&r, (size_t)r.cursor)->id, "c"); /* marking moved it on */
    rows_set_group(&r, -1); /* flat again: by queue, then the first column, then id */
    assert_string_equal(shown(&r), "b e a c f d");
    rows_set_sort(&r, M_PENALTY, false);
    assert_string_equal(shown(&r), "c b f d a e");
    rows_done(&r);
    snap_free(s);
}

static void test_groups_per_backend_in_the_fleet(void **state)
{
    (void)state;
    struct rows r;
    rows_init(&r, mcols, 3, M_BACKEND);
    rows_set_group(&r, QM_QUEUE);
    struct snapshot *a = members((const char *const[]){"x=sales:1", "y=sup:0", NULL});
    struct snapshot *b = members((const char *const[]){"x=sales:0", "z=billing:4", NULL});
    struct rows_src src[] = {{"west", NULL, a, NULL}, {"east", NULL, b, NULL}};
    rows_set_sources(&r, src, 2, 0);
    /* east before west, each backend's queues apart even when their names are the same */
    char buf[64];
    assert_string_equal(shown(&r), "z x x y");
    assert_string_equal(rows_cell(&r, &r.vis[1], M_BACKEND, buf, sizeof buf), "east");
    assert_string_equal(rows_cell(&r, &r.vis[2], M_BACKEND, buf, sizeof buf), "west");
    assert_true(rows_group_cmp(&r, 1, "zzz", 0, "aaa") < 0); /* the backend comes first */
    rows_done(&r);
    snap_free(a);
    snap_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_natural_sort_reverse_and_other_columns),
        cmocka_unit_test(test_duration_sorts_shortest_first),
        cmocka_unit_test(test_cursor_follows_its_record_or_keeps_its_row),
        cmocka_unit_test(test_marks_hidden_by_the_filter_stay_and_are_targets),
        cmocka_unit_test(test_marks_of_records_that_left_are_dropped),
        cmocka_unit_test(test_find_moves_without_hiding),
        cmocka_unit_test(test_fleet_rows_keep_backends_apart),
        cmocka_unit_test(test_moves_clamp_and_scroll),
        cmocka_unit_test(test_groups_keep_a_queue_together_sorted_within),
        cmocka_unit_test(test_groups_per_backend_in_the_fleet),
        cmocka_unit_test(test_typing_a_filter_keeps_the_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
