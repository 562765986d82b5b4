#include "views/tview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "themes/theme.h"
#include "tui/app.h"
#include "tui/clock.h"
#include "tui/output.h"
#include "tui/text.h"
#include "views/view.h"

#define CELL_MAX 1024

static const struct tview_col backend_col = {
    {"backend", ROWS_SOURCE, ORDER_TEXT, NULL},
    {"BACKEND", 8, 16, 1, false, false},
};

/* The sources' snapshots as they are now; in the fleet each BACKEND cell says when its
 * backend's rows are stale, so one backend down marks only its own rows. */
static void reload(struct tview *tv)
{
    struct rows_src src[TVIEW_MAX_SOURCES];
    for (unsigned i = 0; i < tv->nsrc; i++) {
        struct backend *be = tv->src[i];
        bool stale = be_snapshot(be, tv->spec->kind) && be_kind_stale(be, tv->spec->kind);
        (void)snprintf(tv->labels[i], sizeof tv->labels[i], "%s%s", be_name(be),
                       stale ? " (stale)" : "");
        src[i] = (struct rows_src){be_name(be), tv->be ? NULL : tv->labels[i],
                                   be_snapshot(be, tv->spec->kind), be};
    }
    rows_set_sources(&tv->rows, src, tv->nsrc, clock_wall_ms());
}

/* The BACKEND column is as wide as the longest name with its "(stale)". */
static struct tview_col backend_column(const struct app *app)
{
    struct tview_col c = backend_col;
    for (size_t i = 0; i < fleet_count(app->fleet); i++) {
        int w = text_width(be_name(fleet_at(app->fleet, i))) + 8;
        c.layout.min = w > c.layout.min ? (w < 24 ? w : 24) : c.layout.min;
    }
    c.layout.max = c.layout.min;
    return c;
}

static void setup_columns(struct tview *tv)
{
    int n = 0;
    if (!tv->be)
        tv->cols[n++] = backend_column(tv->app);
    for (int c = 0; c < tv->spec->ncols && n < TABLE_MAX_COLS; c++)
        tv->cols[n++] = tv->spec->cols[c];
    tv->ncols = n;
    for (int c = 0; c < n; c++) {
        /* Room for the title and the sort arrow. */
        int tw = (int)strlen(tv->cols[c].layout.title) + 1;
        struct column *l = &tv->cols[c].layout;
        l->min = l->min < tw ? tw : l->min;
        l->max = l->max && l->max < l->min ? l->min : l->max;
        tv->rcols[c] = tv->cols[c].rc;
        tv->shown[c] = c;
    }
    tv->nshown = n;
}

/* Keep the view's kinds polled on its sources (or stop): its own, and those it also shows. */
static void want(struct tview *tv, bool on)
{
    unsigned kinds = tv->spec->also_kinds | 1u << tv->spec->kind;
    for (unsigned i = 0; i < tv->nsrc; i++) {
        for (int k = 0; k < KIND_COUNT; k++) {
            if (kinds & (1u << k))
                fleet_want(tv->app->fleet, tv->src[i], (enum kind)k, on);
        }
    }
}

void tview_init(struct tview *tv, struct app *app, const struct tview_spec *spec)
{
    memset(tv, 0, sizeof *tv);
    tv->app = app;
    tv->spec = spec;
    tv->be = app->be;
    idset_init(&tv->pending);
    setup_columns(tv);
    columns_load(tv);
    int first = tv->be ? 0 : 1;
    tv->default_sort = spec->sort_col + first;
    rows_init(&tv->rows, tv->rcols, tv->ncols, tv->default_sort);
    size_t n = tv->be ? 1 : fleet_count(app->fleet);
    for (size_t i = 0; i < n && tv->nsrc < TVIEW_MAX_SOURCES; i++) {
        struct backend *be = tv->be ? tv->be : fleet_at(app->fleet, i);
        if (tv->be || be_supports(be, spec->kind))
            tv->src[tv->nsrc++] = be;
    }
    want(tv, true);
    reload(tv);
}

void tview_done(struct tview *tv)
{
    want(tv, false);
    rows_done(&tv->rows);
    idset_done(&tv->pending);
    tview_targets_free(tv->inflight, tv->ninflight);
    tview_form_free(tv->form);
    tview_targets_free(tv->confirm, tv->nconfirm);
    free(tv->find);
}

void tview_set_shown(struct tview *tv, const int *cols, int n)
{
    int first = tv->be ? 0 : 1;
    tv->nshown = first;
    for (int i = 0; i < n && tv->nshown < TABLE_MAX_COLS; i++) {
        if (cols[i] >= 0 && cols[i] + first < tv->ncols)
            tv->shown[tv->nshown++] = cols[i] + first;
    }
    if (tv->width)
        tview_resize(tv, tv->height, tv->width);
}

void tview_resize(struct tview *tv, int rows, int cols)
{
    struct column layout[TABLE_MAX_COLS];
    tv->height = rows;
    tv->width = cols;
    for (int i = 0; i < tv->nshown; i++)
        layout[i] = tv->cols[tv->shown[i]].layout;
    table_layout(layout, tv->nshown, cols, tv->widths);
    rows_resize(&tv->rows, rows - 1);
}

bool tview_supported(const struct tview *tv)
{
    for (unsigned i = 0; i < tv->nsrc; i++) {
        if (be_supports(tv->src[i], tv->spec->kind))
            return true;
    }
    return false;
}

/* ---------------------------------------------------------------- drawing */

void tview_message(struct tview *tv, WINDOW *win, const char *msg)
{
    table_draw_message(win, tv->height / 2, msg, theme_attr(ROLE_DIM), tv->app->text_flags);
}

/* The titles, the sort column's with an arrow that says which way once it was changed. */
static void draw_header(struct tview *tv, WINDOW *win)
{
    struct column layout[TABLE_MAX_COLS];
    char titles[TABLE_MAX_COLS][40];
    bool ascii = tv->app->text_flags & TEXT_ASCII;
    for (int i = 0; i < tv->nshown; i++) {
        int c = tv->shown[i];
        layout[i] = tv->cols[c].layout;
        /* The first order needs no arrow: the table looks as DESIGN.md draws it. */
        if (c == tv->rows.sort_col && (c != tv->default_sort || tv->rows.sort_rev)) {
            const char *arrow =
                tv->rows.sort_rev ? (ascii ? "v" : "\xE2\x96\xBC") : (ascii ? "^" : "\xE2\x96\xB2");
            (void)snprintf(titles[i], sizeof titles[i], "%s%s", layout[i].title, arrow);
            layout[i].title = titles[i];
        }
    }
    table_draw_header(win, 0, layout, tv->nshown, tv->widths, theme_attr(ROLE_COLUMNS));
}

void tview_draw_row(struct tview *tv, WINDOW *win, int y, size_t row)
{
    const struct row *w = &tv->rows.vis[row];
    const struct record *r = rows_rec(&tv->rows, row);
    unsigned flags = tv->app->text_flags;
    char key[ROWS_KEY_MAX], buf[CELL_MAX];
    bool pending =
        tv->pending.n && idset_has(&tv->pending, rows_key_of(&tv->rows, w, key, sizeof key));
    bool marked = rows_marked(&tv->rows, row), cur = (int)row == tv->rows.cursor;
    char *cells[TABLE_MAX_COLS];
    struct column layout[TABLE_MAX_COLS];
    attr_t cell_attr[TABLE_MAX_COLS] = {0};
    for (int i = 0; i < tv->nshown; i++) {
        int c = tv->shown[i];
        layout[i] = tv->cols[c].layout;
        const char *text = rows_cell(&tv->rows, w, c, buf, sizeof buf);
        int sc = c - (tv->be ? 0 : 1);
        if (pending && sc == tv->spec->pending_col)
            text = (flags & TEXT_ASCII) ? "pending" : "pending\xE2\x80\xA6";
        cells[i] = text ? text_sanitized(text, flags) : xstrdup("-");
        if (cur || pending)
            continue;
        if (!text)
            cell_attr[i] = theme_attr(ROLE_DIM);
        else if (sc >= 0 && tv->spec->cell_attr)
            cell_attr[i] = tv->spec->cell_attr(sc, r);
    }
    attr_t attr = cur       ? theme_attr(ROLE_SELECTED)
                  : pending ? theme_attr(ROLE_PENDING)
                  : marked  ? theme_attr(ROLE_MARKED)
                            : theme_attr(ROLE_NORMAL);
    /* The marker says what the colour says; the cursor row is also in reverse video. */
    char marker = marked ? '*' : cur ? '>' : ' ';
    table_draw_row(win, y, layout, tv->nshown, tv->widths, (const char *const *)cells, marker, attr,
                   cell_attr, flags);
    for (int i = 0; i < tv->nshown; i++)
        free(cells[i]);
}

char *tview_empty_reason(struct tview *tv)
{
    const struct tview_spec *sp = tv->spec;
    const char *where = tv->be ? be_name(tv->be) : "any backend";
    if (tv->rows.nvis)
        return NULL;
    if (tv->rows.nall)
        return xasprintf("No %s matches the filter '%s' (Esc clears it)", sp->one,
                         tv->rows.filter_text ? tv->rows.filter_text : "");
    bool any_data = false, any_done = false;
    for (unsigned i = 0; i < tv->nsrc; i++) {
        any_data |= be_snapshot(tv->src[i], sp->kind) != NULL;
        any_done |= be_polls_done(tv->src[i], sp->kind) > 0;
    }
    if (!any_data && !any_done)
        return xasprintf("Loading %s from %s...", sp->many, where);
    if (!any_data && tv->be)
        return xasprintf("No %s data from %s: %s", sp->one, where, be_error(tv->be));
    if (!any_data)
        return xasprintf("No %s data from any backend (:be shows why)", sp->one);
    return xasprintf("%s on %s", sp->none, where);
}

void tview_draw(struct tview *tv, WINDOW *win)
{
    if (!tview_supported(tv)) {
        char *msg = tv->be ? xstrdup(be_why_not(tv->be, tv->spec->kind))
                           : xasprintf("No configured backend offers %s", tv->spec->many);
        tview_message(tv, win, msg);
        free(msg);
        return;
    }
    draw_header(tv, win);
    tv->rows.now_ms = clock_wall_ms();
    if (tv->spec->draw_body) {
        tv->spec->draw_body(tv, win);
        return;
    }
    char *msg = tview_empty_reason(tv);
    if (msg) {
        tview_message(tv, win, msg);
        free(msg);
        return;
    }
    for (int y = 1; y < tv->height && tv->rows.top + y - 1 < (int)tv->rows.nvis; y++)
        tview_draw_row(tv, win, y, (size_t)(tv->rows.top + y - 1));
}

/* ---------------------------------------------------------------- keys */

static void filter_changed(void *ud, const char *text)
{
    struct tview *tv = ud;
    rows_set_filter(&tv->rows, text);
    app_dirty(tv->app);
}

/* Esc clears the filter; its text stays for n and N. */
static void filter_done(void *ud, const char *text, bool accepted)
{
    struct tview *tv = ud;
    if (*text) {
        free(tv->find);
        tv->find = xstrdup(text);
    }
    if (!accepted)
        rows_set_filter(&tv->rows, "");
    app_dirty(tv->app);
}

static void find(struct tview *tv, int dir)
{
    const char *text = tv->rows.filter_text ? tv->rows.filter_text : tv->find;
    if (!text) {
        app_flash(tv->app, true, "Nothing to find: type a filter with / first");
        return;
    }
    if (!rows_find(&tv->rows, text, dir))
        app_flash(tv->app, true, "No %s matches '%s'", tv->spec->one, text);
}

static void sort_flash(struct tview *tv)
{
    const struct rows_col *c = &tv->rcols[tv->rows.sort_col];
    app_flash(tv->app, false, "Sorted by %s, %s", c->name,
              tv->rows.sort_rev ? "descending" : "ascending");
}

static void open_details(struct tview *tv)
{
    if (!tv->rows.nvis)
        return;
    const struct rows_src *s = rows_src_of(&tv->rows, (size_t)tv->rows.cursor);
    details_open(tv->app, s->tag, tv->spec->kind, rows_rec(&tv->rows, (size_t)tv->rows.cursor)->id);
}

int tview_key(struct tview *tv, enum action act)
{
    if (rows_key(&tv->rows, act)) {
        if (act == ACT_SORT_NEXT || act == ACT_SORT_PREV || act == ACT_SORT_REVERSE)
            sort_flash(tv);
        if (act == ACT_FOLLOW)
            app_flash(tv->app, false,
                      tv->rows.follow ? "Follow: the cursor stays on its %s"
                                      : "Follow off: the cursor keeps its row",
                      tv->spec->one);
        return VIEW_HANDLED;
    }
    switch (act) {
    case ACT_FILTER:
        app_prompt(tv->app, PROMPT_FILTER, "/", tv->rows.filter_text, filter_changed, filter_done,
                   tv);
        return VIEW_HANDLED;
    case ACT_FIND_NEXT:
    case ACT_FIND_PREV:
        find(tv, act == ACT_FIND_NEXT ? 1 : -1);
        return VIEW_HANDLED;
    case ACT_CLOSE:
        if (!tv->rows.filter_text)
            return VIEW_IGNORED;
        rows_set_filter(&tv->rows, "");
        return VIEW_HANDLED;
    case ACT_DETAILS:
        open_details(tv);
        return VIEW_HANDLED;
    case ACT_COLUMNS:
        columns_open(tv);
        return VIEW_HANDLED;
    default:
        return VIEW_IGNORED;
    }
}

size_t tview_columns(void *state, const char **out, size_t max)
{
    struct tview *tv = state;
    size_t n = 0;
    for (int c = 0; c < tv->ncols && n < max; c++)
        out[n++] = tv->cols[c].rc.name;
    return n;
}

static int sort_by(struct tview *tv, const char *arg, char **err)
{
    bool rev = *arg == '-';
    const char *name = arg + rev;
    for (int c = 0; c < tv->ncols; c++) {
        if (strcmp(tv->cols[c].rc.name, name) == 0) {
            rows_set_sort(&tv->rows, c, rev);
            sort_flash(tv);
            return 0;
        }
    }
    *err = *name ? xasprintf("no column '%s' to sort by (Tab lists them)", name)
                 : xstrdup("usage: :sort COLUMN, or :sort -COLUMN for descending");
    return -1;
}

int tview_column_cmd(void *state, const char *cmd, const char *arg, char **err)
{
    struct tview *tv = state;
    if (strcmp(cmd, "sort") == 0)
        return sort_by(tv, arg, err);
    int cols[TABLE_MAX_COLS], n;
    if (columns_parse(tv->spec, arg, cols, &n, err))
        return -1;
    columns_save(tv, cols, n);
    return 0;
}

void tview_model_changed(struct tview *tv, struct backend *be, int kind)
{
    for (unsigned i = 0; i < tv->nsrc; i++) {
        /* A state change (kind -1) can make a fleet row stale. */
        if (tv->src[i] == be && (kind == (int)tv->spec->kind || (kind < 0 && !tv->be))) {
            reload(tv);
            return;
        }
    }
}

void tview_summary(struct tview *tv, char *header, size_t hsize, char *status, size_t ssize)
{
    const struct tview_spec *sp = tv->spec;
    size_t shown = tv->rows.nvis, all = tv->rows.nall;
    if (tview_supported(tv) && tv->rows.nsrc && (all || !tv->be || be_snapshot(tv->be, sp->kind))) {
        if (shown == all)
            (void)snprintf(header, hsize, "%zu %s", all, all == 1 ? sp->unit : sp->units);
        else
            (void)snprintf(header, hsize, "%zu of %zu %s", shown, all, sp->units);
    }
    size_t o = 0;
    status[0] = '\0';
    if (tv->rows.marks.n) {
        size_t hidden = rows_marks_hidden(&tv->rows);
        o += (size_t)snprintf(status, ssize, "%zu marked", tv->rows.marks.n);
        if (hidden && o < ssize)
            o += (size_t)snprintf(status + o, ssize - o, " (%zu hidden by the filter)", hidden);
    }
    if (tv->rows.filter_text && o < ssize)
        o += (size_t)snprintf(status + o, ssize - o, "%sfilter: %s", o ? " · " : "",
                              tv->rows.filter_text);
    if (!tv->rows.follow && o < ssize)
        o += (size_t)snprintf(status + o, ssize - o, "%sfollow off", o ? " · " : "");
    if (!o && tv->be && be_state(tv->be) != BE_STATE_UP && *be_error(tv->be))
        (void)snprintf(status, ssize, "%s: %s", be_name(tv->be), be_error(tv->be));
}

/* ---------------------------------------------------------------- actions */

size_t tview_targets(struct tview *tv, struct tview_target **out, size_t *hidden)
{
    struct row *rows;
    size_t n = rows_targets(&tv->rows, &rows), k = 0;
    struct tview_target *t = xcalloc(n ? n : 1, sizeof *t);
    char key[ROWS_KEY_MAX];
    *hidden = tv->rows.marks.n ? rows_marks_hidden(&tv->rows) : 0;
    for (size_t i = 0; i < n; i++) {
        rows_key_of(&tv->rows, &rows[i], key, sizeof key);
        if (idset_has(&tv->pending, key))
            continue;
        const struct record *r = snap_get(tv->rows.src[rows[i].src].snap, rows[i].idx);
        const char *label = tv->spec->label_field >= 0 ? r->v[tv->spec->label_field] : NULL;
        t[k].be = tv->rows.src[rows[i].src].tag;
        t[k].id = xstrdup(r->id);
        t[k].label = tv->be ? xstrdup(label ? label : r->id)
                            : xasprintf("%s on %s", label ? label : r->id, be_name(t[k].be));
        t[k].key = xstrdup(key);
        k++;
    }
    free(rows);
    *out = t;
    return k;
}

void tview_targets_free(struct tview_target *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(t[i].id);
        free(t[i].label);
        free(t[i].key);
    }
    free(t);
}

void tview_set_pending(struct tview *tv, const char *key, bool on)
{
    if (on)
        idset_add(&tv->pending, key);
    else
        idset_remove(&tv->pending, key);
    if (!on)
        idset_remove(&tv->rows.marks, key);
}

bool tview_stale(const struct tview *tv, struct backend *be, char *why, size_t size)
{
    if (!be_snapshot(be, tv->spec->kind) || !be_kind_stale(be, tv->spec->kind))
        return false;
    char age[16];
    clock_format_age((clock_mono_ms() - be_taken_ms(be, tv->spec->kind)) / 1000, age, sizeof age);
    (void)snprintf(why, size, "the %s list%s%s is stale (%s old); Ctrl-R polls now", tv->spec->one,
                   tv->be ? "" : " of ", tv->be ? "" : be_name(be), age);
    return true;
}

/* :w writes what the table shows: the rows the filter keeps, in screen order, with the
 * columns of `pbxtop get` so the file reads the same as a batch export. */
int tview_export(void *state, FILE *f, char **err)
{
    struct tview *tv = state;
    bool any = false;
    for (unsigned i = 0; i < tv->rows.nsrc; i++)
        any |= tv->rows.src[i].snap != NULL;
    if (!any) {
        *err = xasprintf("no %s data yet", tv->spec->one);
        return -1;
    }
    int ncols;
    struct out_col *cols = out_record_cols(tv->spec->kind, &ncols);
    struct out_table t;
    out_init(&t, cols, ncols);
    int64_t now = clock_wall_ms();
    for (size_t i = 0; i < tv->rows.nvis; i++)
        out_add_record(&t, rows_src_of(&tv->rows, i)->name, rows_rec(&tv->rows, i), tv->spec->kind,
                       now);
    out_print(f, &t, OUT_CSV, tv->app->text_flags);
    int n = (int)t.nrows;
    out_done(&t);
    free(cols);
    return n;
}
