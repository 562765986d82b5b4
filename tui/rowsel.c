#include "tui/rowsel.h"

#include <stdlib.h>
#include <string.h>

#include "tui/table.h"
#include "tui/xalloc.h"

void rowsel_init(struct rowsel *s)
{
    memset(s, 0, sizeof *s);
    idset_init(&s->marks);
}

void rowsel_done(struct rowsel *s)
{
    free(s->order);
    free(s->cursor_id);
    idset_done(&s->marks);
}

const struct record *rowsel_rec(const struct rowsel *s, int row)
{
    return snap_get(s->snap, s->order[row]);
}

void rowsel_set_cursor(struct rowsel *s, int row)
{
    if (row >= (int)s->n)
        row = (int)s->n - 1;
    if (row < 0)
        row = 0;
    s->cursor = row;
    free(s->cursor_id);
    s->cursor_id = s->n ? xstrdup(rowsel_rec(s, row)->id) : NULL;
    table_scroll(s->cursor, (int)s->n, s->height, &s->top);
}

void rowsel_resize(struct rowsel *s, int height)
{
    s->height = height;
    table_scroll(s->cursor, (int)s->n, height, &s->top);
}

/* qsort has no context argument; views are drawn from one thread, one sort at a time. */
static const struct snapshot *sorting;
static rowsel_cmp_fn sorting_cmp;

static int cmp_rows(const void *a, const void *b)
{
    return sorting_cmp(sorting, *(const size_t *)a, *(const size_t *)b);
}

static bool still_there(const void *ud, const char *id)
{
    return snap_find(ud, id) >= 0;
}

void rowsel_rebuild(struct rowsel *s, const struct snapshot *snap, rowsel_cmp_fn cmp)
{
    size_t n = snap ? snap_count(snap) : 0;
    s->snap = snap;
    s->order = xgrow(s->order, &s->cap, n, sizeof *s->order);
    for (size_t i = 0; i < n; i++)
        s->order[i] = i;
    s->n = n;
    sorting = snap;
    sorting_cmp = cmp;
    if (n)
        qsort(s->order, n, sizeof *s->order, cmp_rows);
    int row = s->cursor;
    long at = s->cursor_id && snap ? snap_find(snap, s->cursor_id) : -1;
    for (size_t i = 0; at >= 0 && i < n; i++) {
        if (s->order[i] == (size_t)at) {
            row = (int)i;
            break;
        }
    }
    rowsel_set_cursor(s, row);
    if (snap)
        (void)idset_filter(&s->marks, still_there, snap);
}

static void toggle_mark(struct rowsel *s)
{
    if (!s->n)
        return;
    const char *id = rowsel_rec(s, s->cursor)->id;
    if (idset_has(&s->marks, id))
        idset_remove(&s->marks, id);
    else
        idset_add(&s->marks, id);
    rowsel_set_cursor(s, s->cursor + 1);
}

bool rowsel_key(struct rowsel *s, enum action act)
{
    int page = s->height > 1 ? s->height - 1 : 1;
    switch (act) {
    case ACT_UP:
        rowsel_set_cursor(s, s->cursor - 1);
        return true;
    case ACT_DOWN:
        rowsel_set_cursor(s, s->cursor + 1);
        return true;
    case ACT_PGUP:
        rowsel_set_cursor(s, s->cursor - page);
        return true;
    case ACT_PGDN:
        rowsel_set_cursor(s, s->cursor + page);
        return true;
    case ACT_HOME:
        rowsel_set_cursor(s, 0);
        return true;
    case ACT_END:
        rowsel_set_cursor(s, (int)s->n - 1);
        return true;
    case ACT_MARK:
        toggle_mark(s);
        return true;
    case ACT_MARK_ALL:
        for (size_t i = 0; i < s->n; i++)
            idset_add(&s->marks, rowsel_rec(s, (int)i)->id);
        return true;
    case ACT_UNMARK:
        idset_clear(&s->marks);
        return true;
    default:
        return false;
    }
}
