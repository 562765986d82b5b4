/* The record tables: extensions, ring groups, queue members and queues share one view. The
 * columns come from the kind's fields; the cursor and the marks follow the record's id across
 * polls. Read-only for now: editing and deleting come with the change forms. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/backend.h"
#include "themes/theme.h"
#include "tui/app.h"
#include "tui/idset.h"
#include "tui/rowsel.h"
#include "tui/strbuf.h"
#include "tui/table.h"
#include "tui/text.h"
#include "views/view.h"

#define REC_MAX_COLS 10
#define CELL_MAX     4096

/* One column: the kind's field it shows and how it is laid out. */
struct rec_col {
    int field;
    struct column col;
};

/* What differs between the record views. */
struct rec_kind {
    enum kind kind;
    const char *one, *many; /* "extension", "extensions": for counts and messages */
    const char *verb;       /* the destructive verb, for "not yet" messages */
    const struct rec_col *cols;
    int ncols;
};

static const struct rec_col ext_cols[] = {
    {EXT_EXTENSION, {"EXTENSION", 9, 16, 1, false, false}},
    {EXT_NAME, {"NAME", 12, 32, 3, false, false}},
    {EXT_ENABLED, {"ENABLED", 7, 7, 0, false, false}},
    {EXT_VOICEMAIL, {"VOICEMAIL", 9, 9, 0, false, false}},
    {EXT_CALLERID, {"CALLERID", 10, 24, 2, false, false}},
    {EXT_CONTEXT, {"CONTEXT", 10, 32, 3, false, false}},
    {EXT_TECH, {"TECH", 7, 8, 0, false, false}},
};

static const struct rec_col rg_cols[] = {
    {RG_EXTENSION, {"EXTENSION", 9, 16, 1, false, false}},
    {RG_NAME, {"NAME", 12, 32, 3, false, false}},
    {RG_STRATEGY, {"STRATEGY", 10, 16, 1, false, false}},
    {RG_RING_TIME, {"RING TIME", 9, 9, 0, true, false}},
    {RG_MEMBERS, {"MEMBERS", 12, 0, 6, false, false}},
};

static const struct rec_col qm_cols[] = {
    {QM_QUEUE, {"QUEUE", 6, 20, 1, false, false}},
    {QM_INTERFACE, {"INTERFACE", 14, 32, 6, false, true}},
    {QM_NAME, {"NAME", 8, 24, 2, false, false}},
    {QM_STATUS, {"STATUS", 10, 16, 1, false, false}},
    {QM_PAUSED, {"PAUSED", 6, 6, 0, false, false}},
    {QM_PAUSED_REASON, {"REASON", 6, 20, 1, false, false}},
    {QM_PENALTY, {"PENALTY", 7, 7, 0, true, false}},
    {QM_CALLS_TAKEN, {"CALLS", 5, 6, 0, true, false}},
    {QM_IN_CALL, {"IN CALL", 7, 7, 0, false, false}},
};

static const struct rec_col q_cols[] = {
    {Q_QUEUE, {"QUEUE", 10, 24, 2, false, false}},
    {Q_STRATEGY, {"STRATEGY", 10, 16, 1, false, false}},
    {Q_CALLS, {"CALLS", 5, 7, 0, true, false}},
    {Q_COMPLETED, {"COMPLETED", 9, 9, 0, true, false}},
    {Q_ABANDONED, {"ABANDONED", 9, 9, 0, true, false}},
    {Q_HOLD_TIME, {"HOLD(s)", 7, 8, 0, true, false}},
    {Q_TALK_TIME, {"TALK(s)", 7, 8, 0, true, false}},
};

#define KINDVIEW(k, one, many, verb, cols)                            \
    {                                                                 \
        k, one, many, verb, cols, (int)(sizeof cols / sizeof cols[0]) \
    }

static const struct rec_kind ext_kind =
    KINDVIEW(KIND_EXTENSIONS, "extension", "extensions", "deleting", ext_cols);
static const struct rec_kind rg_kind =
    KINDVIEW(KIND_RINGGROUPS, "ring group", "ring groups", "deleting", rg_cols);
static const struct rec_kind qm_kind =
    KINDVIEW(KIND_QUEUEMEMBERS, "queue member", "queue members", "removing", qm_cols);
static const struct rec_kind q_kind = KINDVIEW(KIND_QUEUES, "queue", "queues", "deleting", q_cols);

struct recview {
    struct app *app;
    const struct rec_kind *rk;
    int rows, cols;
    struct column columns[REC_MAX_COLS];
    int widths[REC_MAX_COLS];
    struct rowsel sel; /* rows, cursor and marks, following ids across polls */
};

/* Compare two strings with their digit runs taken as numbers: "9" < "10" < "100a". */
static int cmp_natural(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            while (*a == '0' && isdigit((unsigned char)a[1]))
                a++;
            while (*b == '0' && isdigit((unsigned char)b[1]))
                b++;
            size_t na = strspn(a, "0123456789"), nb = strspn(b, "0123456789");
            if (na != nb)
                return na < nb ? -1 : 1;
            int c = strncmp(a, b, na);
            if (c)
                return c;
            a += na;
            b += nb;
            continue;
        }
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

/* By the fields that name a record to people (extension, queue + interface), then id. */
static int cmp_rows(const struct snapshot *s, size_t a, size_t b)
{
    const struct record *ra = snap_get(s, a);
    const struct record *rb = snap_get(s, b);
    const struct kind_def *kd = kind_def(snap_kind(s));
    for (int i = 0; i < 2; i++) {
        int f = kd->key[i];
        if (f < 0)
            continue;
        int c = cmp_natural(ra->v[f] ? ra->v[f] : "", rb->v[f] ? rb->v[f] : "");
        if (c)
            return c;
    }
    return strcmp(ra->id, rb->id);
}

/* Re-sort after a poll; the cursor stays on its record, or on the same row if it left. */
static void rebuild(struct recview *v)
{
    rowsel_rebuild(&v->sel, be_snapshot(v->app->be, v->rk->kind), cmp_rows);
}

static void *rec_create(struct app *app, const struct rec_kind *rk)
{
    struct recview *v = xcalloc(1, sizeof *v);
    v->app = app;
    v->rk = rk;
    for (int c = 0; c < rk->ncols && c < REC_MAX_COLS; c++)
        v->columns[c] = rk->cols[c].col;
    rowsel_init(&v->sel);
    fleet_want(app->fleet, app->be, rk->kind, true);
    rebuild(v);
    return v;
}

static void *ext_create(struct app *app)
{
    return rec_create(app, &ext_kind);
}

static void *rg_create(struct app *app)
{
    return rec_create(app, &rg_kind);
}

static void *qm_create(struct app *app)
{
    return rec_create(app, &qm_kind);
}

static void *q_create(struct app *app)
{
    return rec_create(app, &q_kind);
}

static void rec_destroy(void *state)
{
    struct recview *v = state;
    fleet_want(v->app->fleet, v->app->be, v->rk->kind, false);
    rowsel_done(&v->sel);
    free(v);
}

static int ncols(const struct recview *v)
{
    return v->rk->ncols < REC_MAX_COLS ? v->rk->ncols : REC_MAX_COLS;
}

static void rec_resize(void *state, int rows, int cols)
{
    struct recview *v = state;
    v->rows = rows;
    v->cols = cols;
    table_layout(v->columns, ncols(v), cols, v->widths);
    rowsel_resize(&v->sel, rows - 1);
}

/* The display text of a value (owned): sanitised, lists joined with ", ", booleans as
 * yes / no, null as "-". */
static char *cell_text(const char *val, enum ftype type, unsigned flags)
{
    if (!val)
        return xstrdup("-");
    if (type == FT_BOOL && strcmp(val, "true") == 0)
        return xstrdup("yes");
    if (type == FT_BOOL && strcmp(val, "false") == 0)
        return xstrdup("no");
    if (type != FT_LIST)
        return text_sanitized(val, flags);
    struct strbuf sb;
    strbuf_init(&sb, CELL_MAX);
    /* Sanitised item by item, so the separator itself is never escaped. */
    for (const char *p = val; *p;) {
        size_t n = strcspn(p, "\x1f");
        if (text_sanitize(&sb, p, n, flags))
            break;
        p += n;
        if (*p) {
            if (strbuf_adds(&sb, ", "))
                break;
            p++;
        }
    }
    return strbuf_take(&sb);
}

static void draw_row(struct recview *v, WINDOW *win, int y, int row)
{
    const struct record *r = rowsel_rec(&v->sel, row);
    const struct kind_def *kd = kind_def(v->rk->kind);
    unsigned flags = v->app->text_flags;
    int n = ncols(v);
    char *cells[REC_MAX_COLS];
    attr_t cell_attr[REC_MAX_COLS] = {0};
    bool marked = idset_has(&v->sel.marks, r->id), cur = row == v->sel.cursor;
    for (int c = 0; c < n; c++) {
        int f = v->rk->cols[c].field;
        cells[c] = cell_text(r->v[f], kd->fields[f].type, flags);
        if (!r->v[f] && !cur)
            cell_attr[c] = theme_attr(ROLE_DIM);
    }
    attr_t attr = cur      ? theme_attr(ROLE_SELECTED)
                  : marked ? theme_attr(ROLE_MARKED)
                           : theme_attr(ROLE_NORMAL);
    table_draw_row(win, y, v->columns, n, v->widths, (const char *const *)cells,
                   marked ? '*'
                   : cur  ? '>'
                          : ' ',
                   attr, cell_attr, flags);
    for (int c = 0; c < n; c++)
        free(cells[c]);
}

static void message(struct recview *v, WINDOW *win, const char *msg)
{
    table_draw_message(win, v->rows / 2, msg, theme_attr(ROLE_DIM), v->app->text_flags);
}

static void rec_draw(void *state, WINDOW *win)
{
    struct recview *v = state;
    struct backend *be = v->app->be;
    enum kind k = v->rk->kind;
    if (!be_supports(be, k)) {
        message(v, win, be_why_not(be, k));
        return;
    }
    table_draw_header(win, 0, v->columns, ncols(v), v->widths, theme_attr(ROLE_COLUMNS));
    char *msg = NULL;
    if (!v->sel.snap && !be_polls_done(be, k))
        msg = xasprintf("Loading %s from %s...", v->rk->many, be_name(be));
    else if (!v->sel.snap)
        msg = xasprintf("No %s data from %s: %s", v->rk->one, be_name(be), be_error(be));
    else if (!v->sel.n)
        msg = xasprintf("No %s on %s", v->rk->many, be_name(be));
    if (msg) {
        message(v, win, msg);
        free(msg);
        return;
    }
    for (int y = 1; y < v->rows && v->sel.top + y - 1 < (int)v->sel.n; y++)
        draw_row(v, win, y, v->sel.top + y - 1);
}

/* Why the destructive key does nothing on this view yet (for help and the status line). */
static const char *destroy_blocked(struct recview *v)
{
    static char why[96];
    (void)snprintf(why, sizeof why, "editing and %s %s come in a later version", v->rk->verb,
                   v->rk->many);
    return why;
}

static int rec_key(void *state, enum action act, int ch)
{
    struct recview *v = state;
    (void)ch;
    if (rowsel_key(&v->sel, act))
        return VIEW_HANDLED;
    switch (act) {
    case ACT_DESTROY:
        app_flash(v->app, false, "Not yet: %s", destroy_blocked(v));
        return VIEW_HANDLED;
    default:
        return VIEW_IGNORED;
    }
}

static void rec_model_changed(void *state, struct backend *be, int kind)
{
    struct recview *v = state;
    if (be == v->app->be && kind == (int)v->rk->kind)
        rebuild(v);
}

static void rec_summary(void *state, char *header, size_t hsize, char *status, size_t ssize)
{
    struct recview *v = state;
    struct backend *be = v->app->be;
    if (v->sel.snap && be_supports(be, v->rk->kind))
        (void)snprintf(header, hsize, "%zu %s", v->sel.n, v->sel.n == 1 ? v->rk->one : v->rk->many);
    if (v->sel.marks.n)
        (void)snprintf(status, ssize, "%zu marked", v->sel.marks.n);
    else if (be_state(be) != BE_STATE_UP && *be_error(be))
        (void)snprintf(status, ssize, "%s: %s", be_name(be), be_error(be));
}

static const char *rec_blocked(void *state, enum action act)
{
    return act == ACT_DESTROY ? destroy_blocked(state) : NULL;
}

static const struct keyhint rec_hints[] = {
    {ACT_MARK, "Mark"},
    {ACT_NEXT_VIEW, "Next view"},
    {ACT_NONE, NULL},
};

const struct view_ops extensions_view_ops = {
    .name = "extensions",
    .kind = KIND_EXTENSIONS,
    .create = ext_create,
    .destroy = rec_destroy,
    .resize = rec_resize,
    .draw = rec_draw,
    .key = rec_key,
    .model_changed = rec_model_changed,
    .summary = rec_summary,
    .blocked = rec_blocked,
    .hints = rec_hints,
};

const struct view_ops ringgroups_view_ops = {
    .name = "ringgroups",
    .kind = KIND_RINGGROUPS,
    .create = rg_create,
    .destroy = rec_destroy,
    .resize = rec_resize,
    .draw = rec_draw,
    .key = rec_key,
    .model_changed = rec_model_changed,
    .summary = rec_summary,
    .blocked = rec_blocked,
    .hints = rec_hints,
};

const struct view_ops queuemembers_view_ops = {
    .name = "queuemembers",
    .kind = KIND_QUEUEMEMBERS,
    .create = qm_create,
    .destroy = rec_destroy,
    .resize = rec_resize,
    .draw = rec_draw,
    .key = rec_key,
    .model_changed = rec_model_changed,
    .summary = rec_summary,
    .blocked = rec_blocked,
    .hints = rec_hints,
};

const struct view_ops queues_view_ops = {
    .name = "queues",
    .kind = KIND_QUEUES,
    .create = q_create,
    .destroy = rec_destroy,
    .resize = rec_resize,
    .draw = rec_draw,
    .key = rec_key,
    .model_changed = rec_model_changed,
    .summary = rec_summary,
    .blocked = rec_blocked,
    .hints = rec_hints,
};
