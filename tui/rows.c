#include "tui/rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/table.h"
#include "tui/text.h"
#include "tui/xalloc.h"

#define CELL_MAX 1024

void rows_init(struct rows *r, const struct rows_col *cols, int ncols, int sort_col)
{
    memset(r, 0, sizeof *r);
    r->cols = cols;
    r->ncols = ncols;
    r->sort_col = sort_col;
    r->group_field = -1;
    r->follow = true;
    r->filter.column = -1;
    idset_init(&r->marks);
}

void rows_done(struct rows *r)
{
    free(r->src);
    free(r->all);
    free(r->vis);
    free(r->order);
    filter_clear(&r->filter);
    free(r->filter_text);
    free(r->cursor_key);
    idset_done(&r->marks);
}

static const struct record *rec_of(const struct rows *r, const struct row *w)
{
    return snap_get(r->src[w->src].snap, w->idx);
}

const struct record *rows_rec(const struct rows *r, size_t row)
{
    return rec_of(r, &r->vis[row]);
}

const struct rows_src *rows_src_of(const struct rows *r, size_t row)
{
    return &r->src[r->vis[row].src];
}

const char *rows_key_of(const struct rows *r, const struct row *w, char *buf, size_t size)
{
    (void)snprintf(buf, size, "%s\x1f%s", r->src[w->src].name, rec_of(r, w)->id);
    return buf;
}

/* A list value ("a\x1fb") as "a, b". */
static void join_list(const char *val, char *buf, size_t size)
{
    size_t o = 0;
    for (const char *p = val; *p && o + 3 < size; p++) {
        if (*p == '\x1f') {
            buf[o++] = ',';
            buf[o++] = ' ';
        } else {
            buf[o++] = *p;
        }
    }
    buf[o] = '\0';
}

const char *rows_cell(const struct rows *r, const struct row *w, int col, char *buf, size_t size)
{
    const struct rows_col *c = &r->cols[col];
    const struct record *rec = rec_of(r, w);
    if (c->field == ROWS_SOURCE)
        return r->src[w->src].label ? r->src[w->src].label : r->src[w->src].name;
    if (c->field == ROWS_COMPUTED) {
        c->text(rec, r->now_ms, buf, size);
        return buf;
    }
    const char *v = rec->v[c->field];
    if (!v)
        return NULL;
    enum ftype t = kind_def(snap_kind(r->src[w->src].snap))->fields[c->field].type;
    if (t == FT_BOOL)
        return strcmp(v, "true") == 0 ? "yes" : strcmp(v, "false") == 0 ? "no" : v;
    if (t == FT_LIST && strchr(v, '\x1f')) {
        join_list(v, buf, size);
        return buf;
    }
    return v;
}

static bool row_matches(const struct rows *r, const struct row *w, const struct filter *f)
{
    const char *cells[TABLE_MAX_COLS];
    static char bufs[TABLE_MAX_COLS][CELL_MAX];
    int n = r->ncols < TABLE_MAX_COLS ? r->ncols : TABLE_MAX_COLS;
    for (int c = 0; c < n; c++)
        cells[c] = (f->column < 0 || f->column == c) ? rows_cell(r, w, c, bufs[c], CELL_MAX) : NULL;
    return filter_match(f, cells, n);
}

/* ---------------------------------------------------------------- ordering */

/* qsort has no context argument; rows are sorted from the UI thread, one sort at a time. */
static const struct rows *sorting;
static char **sort_text; /* computed cells of the sort column, by position in r->all */

static long long num_of(const char *v, bool *ok)
{
    char *end;
    *ok = v && *v;
    long long n = *ok ? strtoll(v, &end, 10) : 0;
    *ok = *ok && !*end;
    return n;
}

static int cmp_num(const char *a, const char *b)
{
    bool oka, okb;
    long long na = num_of(a, &oka), nb = num_of(b, &okb);
    if (oka != okb)
        return oka ? -1 : 1;
    if (!oka)
        return text_cmp_natural(a ? a : "", b ? b : "");
    return na < nb ? -1 : na > nb;
}

/* Rows without a value sort last whichever way the column is sorted: *absent says the
 * answer came from that rule, which a reversed sort must not turn round. */
static int cmp_col(const struct rows *r, int col, const struct row *a, const struct row *b,
                   bool *absent)
{
    const struct rows_col *c = &r->cols[col];
    const struct record *ra = rec_of(r, a), *rb = rec_of(r, b);
    *absent = false;
    if (c->order == ORDER_AGE) {
        /* Ascending is by duration, as the column reads: a later start is a shorter call. */
        *absent = !ra->t0_ms || !rb->t0_ms;
        if (*absent)
            return (ra->t0_ms == 0) - (rb->t0_ms == 0);
        return ra->t0_ms > rb->t0_ms ? -1 : ra->t0_ms < rb->t0_ms;
    }
    const char *va, *vb;
    if (c->field == ROWS_SOURCE) {
        va = r->src[a->src].name;
        vb = r->src[b->src].name;
    } else if (c->field == ROWS_COMPUTED) {
        va = sort_text[a - r->all];
        vb = sort_text[b - r->all];
    } else {
        va = ra->v[c->field];
        vb = rb->v[c->field];
    }
    *absent = !va || !vb;
    if (*absent)
        return (va == NULL) - (vb == NULL);
    if (c->order == ORDER_NUM)
        return cmp_num(va, vb);
    return c->order == ORDER_BYTES ? strcmp(va, vb) : text_cmp_natural(va, vb);
}

int rows_group_cmp(const struct rows *r, unsigned src_a, const char *val_a, unsigned src_b,
                   const char *val_b)
{
    int f = r->cols[r->sort_col].field;
    bool by_group = r->group_field >= 0 && (f == r->group_field || f == ROWS_SOURCE);
    int c = strcmp(r->src[src_a].name, r->src[src_b].name);
    /* Rows without a value stay last, as in a column sorted either way. */
    if (!c && (!val_a || !val_b))
        return (val_a == NULL) - (val_b == NULL);
    if (!c)
        c = text_cmp_natural(val_a, val_b);
    return r->sort_rev && by_group ? -c : c;
}

/* The group, the sort column, then the first column, then the source and the id: a total
 * order, so a poll that changes nothing shows the rows in the same places. */
static int cmp_rows(const void *pa, const void *pb)
{
    const struct rows *r = sorting;
    const struct row *a = *(const struct row *const *)pa, *b = *(const struct row *const *)pb;
    bool absent;
    int c = 0;
    if (r->group_field >= 0)
        c = rows_group_cmp(r, a->src, rec_of(r, a)->v[r->group_field], b->src,
                           rec_of(r, b)->v[r->group_field]);
    if (c)
        return c;
    c = cmp_col(r, r->sort_col, a, b, &absent);
    if (r->sort_rev && !absent)
        c = -c;
    if (!c && r->sort_col != 0 && r->cols[0].field != ROWS_COMPUTED)
        c = cmp_col(r, 0, a, b, &absent);
    if (!c)
        c = strcmp(r->src[a->src].name, r->src[b->src].name);
    return c ? c : strcmp(rec_of(r, a)->id, rec_of(r, b)->id);
}

static void compute_sort_text(struct rows *r)
{
    sort_text = NULL;
    if (r->cols[r->sort_col].field != ROWS_COMPUTED)
        return;
    sort_text = xcalloc(r->nall ? r->nall : 1, sizeof *sort_text);
    char buf[CELL_MAX];
    for (size_t i = 0; i < r->nall; i++)
        sort_text[i] = xstrdup(rows_cell(r, &r->all[i], r->sort_col, buf, sizeof buf));
}

static void free_sort_text(const struct rows *r)
{
    for (size_t i = 0; sort_text && i < r->nall; i++)
        free(sort_text[i]);
    free(sort_text);
    sort_text = NULL;
}

/* Sort r->all into r->order (pointers first, as cmp_rows needs positions). */
static void sort_all(struct rows *r)
{
    const struct row **p = xcalloc(r->nall ? r->nall : 1, sizeof *p);
    for (size_t i = 0; i < r->nall; i++)
        p[i] = &r->all[i];
    sorting = r;
    compute_sort_text(r);
    if (r->nall > 1)
        qsort(p, r->nall, sizeof *p, cmp_rows);
    free_sort_text(r);
    r->order = xgrow(r->order, &r->capord, r->nall ? r->nall : 1, sizeof *r->order);
    for (size_t i = 0; i < r->nall; i++)
        r->order[i] = *p[i];
    r->ordered = true;
    free(p);
}

/* r->vis = the rows of `from` (n, sorted; may be r->vis itself) that pass the filter. */
static void keep_matching(struct rows *r, const struct row *from, size_t n)
{
    r->vis = xgrow(r->vis, &r->capvis, n ? n : 1, sizeof *r->vis);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (row_matches(r, &from[i], &r->filter))
            r->vis[kept++] = from[i];
    }
    r->nvis = kept;
}

/* Filter every row into r->vis, sorted. Typing a filter sorts nothing: the order of all rows
 * is kept until the rows or the sort change (make bench: sorting 80k rows again on each key
 * took 20-60 ms). */
static void refilter(struct rows *r)
{
    if (!r->ordered)
        sort_all(r);
    keep_matching(r, r->order, r->nall);
}

/* ---------------------------------------------------------------- cursor */

void rows_set_cursor(struct rows *r, int row)
{
    if (row >= (int)r->nvis)
        row = (int)r->nvis - 1;
    if (row < 0)
        row = 0;
    r->cursor = row;
    free(r->cursor_key);
    r->cursor_key = NULL;
    if (r->nvis) {
        char key[ROWS_KEY_MAX];
        r->cursor_key = xstrdup(rows_key_of(r, &r->vis[row], key, sizeof key));
    }
    table_scroll(r->cursor, (int)r->nvis, r->height, &r->top);
}

/* After the rows changed: back on the cursor's record when following it and it still
 * shows, else on the same row. */
static void place_cursor(struct rows *r, bool follow)
{
    int row = r->cursor;
    char key[ROWS_KEY_MAX];
    for (size_t i = 0; follow && r->cursor_key && i < r->nvis; i++) {
        if (strcmp(rows_key_of(r, &r->vis[i], key, sizeof key), r->cursor_key) == 0) {
            row = (int)i;
            break;
        }
    }
    rows_set_cursor(r, row);
}

void rows_resize(struct rows *r, int height)
{
    r->height = height;
    table_scroll(r->cursor, (int)r->nvis, height, &r->top);
}

/* ---------------------------------------------------------------- updates */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Drop the marks of records that are gone: keys of every row, sorted, then looked up. */
static void prune_marks(struct rows *r)
{
    if (!r->marks.n)
        return;
    char **keys = xcalloc(r->nall ? r->nall : 1, sizeof *keys);
    char key[ROWS_KEY_MAX];
    for (size_t i = 0; i < r->nall; i++)
        keys[i] = xstrdup(rows_key_of(r, &r->all[i], key, sizeof key));
    qsort(keys, r->nall, sizeof *keys, cmp_str);
    size_t kept = 0;
    for (size_t i = 0; i < r->marks.n; i++) {
        const char *m = r->marks.ids[i];
        if (r->nall && bsearch(&m, keys, r->nall, sizeof *keys, cmp_str))
            r->marks.ids[kept++] = r->marks.ids[i];
        else
            free(r->marks.ids[i]);
    }
    r->marks.n = kept;
    for (size_t i = 0; i < r->nall; i++)
        free(keys[i]);
    free(keys);
}

void rows_set_sources(struct rows *r, const struct rows_src *src, unsigned n, int64_t now_ms)
{
    free(r->src);
    r->src = xcalloc(n ? n : 1, sizeof *r->src);
    if (n) /* src may be NULL then, and memcpy from NULL is undefined even for 0 bytes */
        memcpy(r->src, src, n * sizeof *src);
    r->nsrc = n;
    r->now_ms = now_ms;
    r->nall = 0;
    for (unsigned s = 0; s < n; s++) {
        size_t count = src[s].snap ? snap_count(src[s].snap) : 0;
        r->all = xgrow(r->all, &r->capall, r->nall + count + 1, sizeof *r->all);
        for (size_t i = 0; i < count; i++)
            r->all[r->nall++] = (struct row){s, (unsigned)i};
    }
    prune_marks(r);
    r->ordered = false;
    refilter(r);
    place_cursor(r, r->follow);
}

void rows_set_filter(struct rows *r, const char *text)
{
    const char *names[TABLE_MAX_COLS];
    int n = r->ncols < TABLE_MAX_COLS ? r->ncols : TABLE_MAX_COLS;
    for (int c = 0; c < n; c++)
        names[c] = r->cols[c].name;
    free(r->filter_text);
    r->filter_text = *text ? xstrdup(text) : NULL;
    struct filter old = r->filter;
    old.needle = old.active ? xstrdup(old.needle) : NULL;
    filter_parse(&r->filter, text, names, n);
    /* A longer needle that holds the old one keeps a subset of the rows shown now: the usual
     * case of typing one more character. */
    if (old.active && r->filter.active && !old.invert && !r->filter.invert &&
        old.column == r->filter.column && filter_contains(r->filter.needle, old.needle))
        keep_matching(r, r->vis, r->nvis);
    else
        refilter(r);
    free(old.needle);
    place_cursor(r, true);
}

void rows_set_sort(struct rows *r, int col, bool reverse)
{
    if (col < 0 || col >= r->ncols)
        return;
    r->sort_col = col;
    r->sort_rev = reverse;
    r->ordered = false;
    refilter(r);
    place_cursor(r, true);
}

void rows_set_group(struct rows *r, int field)
{
    r->group_field = field;
    refilter(r);
    place_cursor(r, true);
}

int rows_col_named(const struct rows *r, const char *name)
{
    for (int c = 0; c < r->ncols; c++) {
        if (strcasecmp(r->cols[c].name, name) == 0)
            return c;
    }
    return -1;
}

/* ---------------------------------------------------------------- marks and keys */

bool rows_marked(const struct rows *r, size_t row)
{
    char key[ROWS_KEY_MAX];
    return r->marks.n && idset_has(&r->marks, rows_key_of(r, &r->vis[row], key, sizeof key));
}

size_t rows_marks_hidden(const struct rows *r)
{
    size_t shown = 0;
    for (size_t i = 0; i < r->nvis && shown < r->marks.n; i++)
        shown += rows_marked(r, i);
    return r->marks.n - shown;
}

/* Whether row w of r->all passes the filter (for the marked rows it hides). */
static bool shown(const struct rows *r, const struct row *w)
{
    return row_matches(r, w, &r->filter);
}

size_t rows_targets(const struct rows *r, struct row **out)
{
    struct row *t = xcalloc(r->nall ? r->nall : 1, sizeof *t);
    size_t n = 0;
    if (!r->marks.n) {
        if (r->nvis)
            t[n++] = r->vis[r->cursor];
        *out = t;
        return n;
    }
    for (size_t i = 0; i < r->nvis; i++) {
        if (rows_marked(r, i))
            t[n++] = r->vis[i];
    }
    char key[ROWS_KEY_MAX];
    for (size_t i = 0; i < r->nall && r->filter.active; i++) {
        const struct row *w = &r->all[i];
        if (!shown(r, w) && idset_has(&r->marks, rows_key_of(r, w, key, sizeof key)))
            t[n++] = *w;
    }
    *out = t;
    return n;
}

static void toggle_mark(struct rows *r)
{
    if (!r->nvis)
        return;
    char key[ROWS_KEY_MAX];
    rows_key_of(r, &r->vis[r->cursor], key, sizeof key);
    if (idset_has(&r->marks, key))
        idset_remove(&r->marks, key);
    else
        idset_add(&r->marks, key);
    rows_set_cursor(r, r->cursor + 1);
}

/* Every shown row: the keys are added in one sorted merge, not one insert at a time. */
static void mark_all(struct rows *r)
{
    size_t n = r->marks.n;
    char key[ROWS_KEY_MAX];
    r->marks.ids = xgrow(r->marks.ids, &r->marks.cap, n + r->nvis + 1, sizeof *r->marks.ids);
    for (size_t i = 0; i < r->nvis; i++)
        r->marks.ids[n++] = xstrdup(rows_key_of(r, &r->vis[i], key, sizeof key));
    qsort(r->marks.ids, n, sizeof *r->marks.ids, cmp_str);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (kept && strcmp(r->marks.ids[kept - 1], r->marks.ids[i]) == 0)
            free(r->marks.ids[i]);
        else
            r->marks.ids[kept++] = r->marks.ids[i];
    }
    r->marks.n = kept;
}

static bool move_key(struct rows *r, enum action act)
{
    int page = r->height > 1 ? r->height - 1 : 1;
    switch (act) {
    case ACT_UP:
        rows_set_cursor(r, r->cursor - 1);
        return true;
    case ACT_DOWN:
        rows_set_cursor(r, r->cursor + 1);
        return true;
    case ACT_PGUP:
        rows_set_cursor(r, r->cursor - page);
        return true;
    case ACT_PGDN:
        rows_set_cursor(r, r->cursor + page);
        return true;
    case ACT_HOME:
        rows_set_cursor(r, 0);
        return true;
    case ACT_END:
        rows_set_cursor(r, (int)r->nvis - 1);
        return true;
    default:
        return false;
    }
}

bool rows_key(struct rows *r, enum action act)
{
    if (move_key(r, act))
        return true;
    switch (act) {
    case ACT_MARK:
        toggle_mark(r);
        return true;
    case ACT_MARK_ALL:
        mark_all(r);
        return true;
    case ACT_UNMARK:
        idset_clear(&r->marks);
        return true;
    case ACT_SORT_NEXT:
        rows_set_sort(r, (r->sort_col + 1) % r->ncols, false);
        return true;
    case ACT_SORT_PREV:
        rows_set_sort(r, (r->sort_col + r->ncols - 1) % r->ncols, false);
        return true;
    case ACT_SORT_REVERSE:
        rows_set_sort(r, r->sort_col, !r->sort_rev);
        return true;
    case ACT_FOLLOW:
        r->follow = !r->follow;
        return true;
    default:
        return false;
    }
}

bool rows_find(struct rows *r, const char *text, int dir)
{
    struct filter f = {.column = -1};
    const char *names[TABLE_MAX_COLS];
    int nn = r->ncols < TABLE_MAX_COLS ? r->ncols : TABLE_MAX_COLS;
    for (int c = 0; c < nn; c++)
        names[c] = r->cols[c].name;
    filter_parse(&f, text, names, nn);
    bool found = false;
    for (size_t step = 1; f.active && step <= r->nvis && !found; step++) {
        size_t row = (size_t)((long)r->cursor + dir * (long)step + (long)r->nvis * 2) % r->nvis;
        if (row_matches(r, &r->vis[row], &f)) {
            rows_set_cursor(r, (int)row);
            found = true;
        }
    }
    filter_clear(&f);
    return found;
}
