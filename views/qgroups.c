/* The queue members view, grouped by queue: each queue's member rows (tview.c's, unchanged)
 * come under a summary line and the callers waiting in that queue. The summary and caller
 * lines are drawn between the rows, never part of them: the cursor, marks, the filter's
 * matches and every action stay on member rows. qgroups_text.c formats the lines. */
#include "views/qgroups.h"

#include <stdlib.h>
#include <string.h>

#include "tui/app.h"
#include "tui/clock.h"
#include "tui/xalloc.h"

/* The group order of tv's rows, for qsort and bsearch (which take no context). */
static const struct rows *order_of;

static int cmp_group(const void *pa, const void *pb)
{
    const struct qgroup *a = pa, *b = pb;
    return rows_group_cmp(order_of, a->src, a->queue, b->src, b->queue);
}

static void add_group(struct qlayout *L, unsigned src, const char *queue)
{
    L->g = xgrow(L->g, &L->capg, L->ng + 1, sizeof *L->g);
    L->g[L->ng++] = (struct qgroup){.src = src, .queue = queue};
}

static struct qgroup *find_group(struct qlayout *L, unsigned src, const char *queue)
{
    struct qgroup key = {.src = src, .queue = queue};
    order_of = &L->tv->rows;
    return L->ng ? bsearch(&key, L->g, L->ng, sizeof *L->g, cmp_group) : NULL;
}

static struct backend *src_be(const struct qlayout *L, unsigned s)
{
    return L->tv->rows.src[s].tag;
}

/* The callers of source s, when its backend lists them. */
static const struct snapshot *callers_of(const struct qlayout *L, unsigned s)
{
    struct backend *be = src_be(L, s);
    return be_supports(be, KIND_QUEUECALLERS) ? be_snapshot(be, KIND_QUEUECALLERS) : NULL;
}

static const char *queue_name(const struct record *q)
{
    return q->v[Q_QUEUE] ? q->v[Q_QUEUE] : q->id;
}

/* Every queue a source knows of, from its queues, members and callers. A source whose
 * members have not arrived yet has none: a queue shown with no members would claim that
 * nobody is logged in. */
static void collect_groups(struct qlayout *L)
{
    const struct rows *r = &L->tv->rows;
    for (unsigned s = 0; s < r->nsrc; s++) {
        const struct snapshot *m = r->src[s].snap;
        if (!m)
            continue;
        const struct snapshot *q = be_snapshot(src_be(L, s), KIND_QUEUES);
        const struct snapshot *c = callers_of(L, s);
        for (size_t i = 0; i < snap_count(m); i++)
            add_group(L, s, snap_get(m, i)->v[QM_QUEUE]);
        for (size_t i = 0; q && i < snap_count(q); i++)
            add_group(L, s, queue_name(snap_get(q, i)));
        for (size_t i = 0; c && i < snap_count(c); i++)
            add_group(L, s, snap_get(c, i)->v[QC_QUEUE]);
    }
    order_of = r;
    if (L->ng > 1)
        qsort(L->g, L->ng, sizeof *L->g, cmp_group);
    size_t kept = 0;
    for (size_t i = 0; i < L->ng; i++) {
        if (!kept || cmp_group(&L->g[kept - 1], &L->g[i]) != 0)
            L->g[kept++] = L->g[i];
    }
    L->ng = kept;
}

static bool is(const char *v, const char *want)
{
    return v && strcmp(v, want) == 0;
}

/* One member in its queue's counts: logged in unless its device is gone, in a call by its
 * flag or its device state, available when logged in, not paused and not busy. */
static void count_member(struct qgroup *g, const struct record *m)
{
    const char *st = m->v[QM_STATUS];
    bool logged = !is(st, "Unavailable") && !is(st, "Invalid");
    bool paused = is(m->v[QM_PAUSED], "true");
    bool busy = is(m->v[QM_IN_CALL], "true") || is(st, "In use") || is(st, "Busy") ||
                is(st, "On Hold") || is(st, "Ring+Inuse");
    g->members++;
    g->logged += logged;
    g->paused += paused;
    g->in_call += busy;
    g->avail += logged && !paused && !busy && !is(st, "Ringing");
}

static void count_members(struct qlayout *L)
{
    const struct rows *r = &L->tv->rows;
    for (unsigned s = 0; s < r->nsrc; s++) {
        const struct snapshot *m = r->src[s].snap;
        for (size_t i = 0; m && i < snap_count(m); i++) {
            struct qgroup *g = find_group(L, s, snap_get(m, i)->v[QM_QUEUE]);
            if (g)
                count_member(g, snap_get(m, i));
        }
        const struct snapshot *q = m ? be_snapshot(src_be(L, s), KIND_QUEUES) : NULL;
        for (size_t i = 0; q && i < snap_count(q); i++) {
            struct qgroup *g = find_group(L, s, queue_name(snap_get(q, i)));
            if (g)
                g->q = snap_get(q, i);
        }
    }
}

/* Position first (null last), then who waited longest, then the id: the queue's own order. */
static int cmp_caller(const void *pa, const void *pb)
{
    const struct record *a = *(const struct record *const *)pa;
    const struct record *b = *(const struct record *const *)pb;
    const char *pa_ = a->v[QC_POSITION], *pb_ = b->v[QC_POSITION];
    long long na = pa_ ? strtoll(pa_, NULL, 10) : 0, nb = pb_ ? strtoll(pb_, NULL, 10) : 0;
    if (!pa_ != !pb_)
        return pa_ ? -1 : 1;
    if (na != nb)
        return na < nb ? -1 : 1;
    if (a->t0_ms != b->t0_ms)
        return a->t0_ms < b->t0_ms ? -1 : 1;
    return strcmp(a->id, b->id);
}

/* Each group's callers as one run of L->callers, in queue order. */
static void gather_callers(struct qlayout *L)
{
    const struct rows *r = &L->tv->rows;
    size_t total = 0;
    for (unsigned s = 0; s < r->nsrc; s++) {
        const struct snapshot *c = r->src[s].snap ? callers_of(L, s) : NULL;
        for (size_t i = 0; c && i < snap_count(c); i++) {
            struct qgroup *g = find_group(L, s, snap_get(c, i)->v[QC_QUEUE]);
            total += g != NULL;
            if (g)
                g->nc++;
        }
    }
    L->callers = xcalloc(total ? total : 1, sizeof *L->callers);
    for (size_t i = 0, at = 0; i < L->ng; i++) {
        L->g[i].c0 = at;
        at += L->g[i].nc;
        L->g[i].nc = 0;
    }
    for (unsigned s = 0; s < r->nsrc; s++) {
        const struct snapshot *c = r->src[s].snap ? callers_of(L, s) : NULL;
        for (size_t i = 0; c && i < snap_count(c); i++) {
            struct qgroup *g = find_group(L, s, snap_get(c, i)->v[QC_QUEUE]);
            if (g)
                L->callers[g->c0 + g->nc++] = snap_get(c, i);
        }
    }
    for (size_t i = 0; i < L->ng; i++) {
        if (L->g[i].nc > 1)
            qsort(L->callers + L->g[i].c0, L->g[i].nc, sizeof *L->callers, cmp_caller);
    }
}

/* The shown rows are in group order already (rows_set_group): each group's run of them. */
static void assign_rows(struct qlayout *L)
{
    const struct rows *r = &L->tv->rows;
    for (size_t i = 0; i < r->nvis; i++) {
        struct qgroup *g = find_group(L, r->vis[i].src, rows_rec(r, i)->v[QM_QUEUE]);
        if (g && !g->nrows++)
            g->row0 = i;
    }
}

/* Without a filter every queue shows; with one, those with a matching member, or whose name
 * (or backend) matches it, so that "/sales" finds a queue where nobody is logged in. */
static bool group_shown(const struct qlayout *L, const struct qgroup *g)
{
    const struct rows *r = &L->tv->rows;
    if (!r->filter.active || g->nrows)
        return true;
    const char *cells[TABLE_MAX_COLS] = {NULL};
    int n = r->ncols < TABLE_MAX_COLS ? r->ncols : TABLE_MAX_COLS;
    for (int c = 0; c < n; c++) {
        if (r->cols[c].field == QM_QUEUE)
            cells[c] = g->queue;
        else if (r->cols[c].field == ROWS_SOURCE)
            cells[c] = r->src[g->src].name;
    }
    return filter_match(&r->filter, cells, n);
}

static void add_line(struct qlayout *L, enum qline_type type, size_t group, size_t idx)
{
    L->lines = xgrow(L->lines, &L->caplines, L->nlines + 1, sizeof *L->lines);
    L->lines[L->nlines++] = (struct qline){type, group, idx};
}

/* Callers shown under one heading: a long queue is cut so that every queue's heading stays
 * within reach of the cursor; the heading still counts them all. */
static size_t callers_cap(const struct tview *tv)
{
    int body = tv->height - 1;
    return body / 3 > 3 ? (size_t)(body / 3) : 3;
}

static void build_lines(struct qlayout *L)
{
    const struct rows *r = &L->tv->rows;
    size_t cap = callers_cap(L->tv);
    L->cursor_line = L->cursor_head = -1;
    for (size_t i = 0; i < L->ng; i++) {
        const struct qgroup *g = &L->g[i];
        if (!group_shown(L, g))
            continue;
        long head = (long)L->nlines;
        add_line(L, QL_HEAD, i, 0);
        if (L->note[g->src])
            add_line(L, QL_NOTE, i, 0);
        size_t show = g->nc > cap ? cap - 1 : g->nc;
        for (size_t k = 0; k < show; k++)
            add_line(L, QL_CALLER, i, k);
        if (show < g->nc)
            add_line(L, QL_MORE, i, g->nc - show);
        for (size_t k = 0; k < g->nrows; k++) {
            if (g->row0 + k == (size_t)r->cursor) {
                L->cursor_line = (long)L->nlines;
                L->cursor_head = k == 0 ? head : (long)L->nlines;
            }
            add_line(L, QL_ROW, i, g->row0 + k);
        }
    }
}

/* What a source's heading must add about its callers: why there is no list, or its age. */
static char *callers_note(const struct qlayout *L, unsigned s)
{
    struct backend *be = src_be(L, s);
    if (!be_supports(be, KIND_QUEUECALLERS))
        return xasprintf("waiting callers: not offered by %s", be_label(be));
    if (!be_snapshot(be, KIND_QUEUECALLERS))
        return xstrdup(be_polls_done(be, KIND_QUEUECALLERS)
                           ? "waiting callers: none received yet (:be shows why)"
                           : "waiting callers: loading...");
    if (!be_kind_stale(be, KIND_QUEUECALLERS))
        return NULL;
    char age[16];
    clock_format_age((clock_mono_ms() - be_taken_ms(be, KIND_QUEUECALLERS)) / 1000, age,
                     sizeof age);
    return xasprintf("waiting callers as of %s ago: polls are failing", age);
}

void qlayout_build(struct qlayout *L, struct tview *tv)
{
    memset(L, 0, sizeof *L);
    L->tv = tv;
    for (unsigned s = 0; s < tv->rows.nsrc && s < TVIEW_MAX_SOURCES; s++)
        L->note[s] = tv->rows.src[s].snap ? callers_note(L, s) : NULL;
    collect_groups(L);
    count_members(L);
    gather_callers(L);
    assign_rows(L);
    build_lines(L);
}

void qlayout_done(struct qlayout *L)
{
    for (size_t s = 0; s < TVIEW_MAX_SOURCES; s++)
        free(L->note[s]);
    free(L->g);
    free(L->callers);
    free(L->lines);
}

/* ---------------------------------------------------------------- scrolling */

/* The first line to show: the cursor's line always; its queue's heading and callers too when
 * it is on the queue's first member; everything above the first row and below the last one
 * when it is there, so that queues without members can be scrolled to. */
static long top_line(const struct qlayout *L, long top, long h)
{
    const struct rows *r = &L->tv->rows;
    long n = (long)L->nlines, cur = L->cursor_line;
    if (cur >= 0) {
        long lo = cur - L->cursor_head < h ? L->cursor_head : cur, hi = cur;
        if (r->cursor == 0 && cur < h)
            lo = 0;
        if (r->cursor == (int)r->nvis - 1 && n - 1 - lo < h)
            hi = n - 1;
        if (top + h - 1 < hi)
            top = hi - h + 1;
        if (top > lo)
            top = lo;
    }
    if (top > n - h)
        top = n - h;
    if (top < 0)
        top = 0;
    if (cur >= 0 && cur < top)
        top = cur;
    if (cur >= top + h)
        top = cur - h + 1;
    return top;
}

void qgroups_draw(struct tview *tv, WINDOW *win)
{
    struct qlayout L;
    qlayout_build(&L, tv);
    if (!L.nlines) {
        char *msg = tview_empty_reason(tv);
        tview_message(tv, win, msg ? msg : "No queues");
        free(msg);
        qlayout_done(&L);
        return;
    }
    long h = tv->height - 1;
    tv->line_top = (int)top_line(&L, tv->line_top, h);
    struct qtext T;
    qtext_init(&T, &L, tv->width);
    for (long y = 1; y <= h && tv->line_top + y - 1 < (long)L.nlines; y++) {
        const struct qline *ln = &L.lines[tv->line_top + y - 1];
        if (ln->type == QL_ROW)
            tview_draw_row(tv, win, (int)y, ln->idx);
        else
            qtext_draw(&T, win, (int)y, ln);
    }
    qtext_done(&T);
    qlayout_done(&L);
}

/* Without member rows the cursor has nowhere to go: the moves scroll the queues instead. */
bool qgroups_key(struct tview *tv, enum action act)
{
    int page = tv->height > 2 ? tv->height - 2 : 1;
    if (tv->rows.nvis)
        return false;
    switch (act) {
    case ACT_UP:
        tv->line_top -= tv->line_top > 0;
        return true;
    case ACT_DOWN:
        tv->line_top++; /* the draw keeps it in range */
        return true;
    case ACT_PGUP:
        tv->line_top = tv->line_top > page ? tv->line_top - page : 0;
        return true;
    case ACT_PGDN:
        tv->line_top += page;
        return true;
    case ACT_HOME:
        tv->line_top = 0;
        return true;
    case ACT_END:
        tv->line_top = 1 << 30;
        return true;
    default:
        return false;
    }
}
