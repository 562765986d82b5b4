/* Live channels of the current backend: a table that follows the channel under the cursor
 * across polls, marks, and hang up after a confirmation that names every target. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/backend.h"
#include "net/changes.h"
#include "themes/theme.h"
#include "tui/app.h"
#include "tui/clock.h"
#include "tui/dialog.h"
#include "tui/idset.h"
#include "tui/rowsel.h"
#include "tui/table.h"
#include "tui/text.h"
#include "tui/uibatch.h"
#include "views/view.h"

enum {
    COL_CHANNEL,
    COL_STATE,
    COL_CALLER,
    COL_CONNECTED,
    COL_CONTEXT,
    COL_EXTEN,
    COL_APP,
    COL_DUR,
    NCOLS
};

static const struct column columns[NCOLS] = {
    [COL_CHANNEL] = {"CHANNEL", 16, 32, 3, false, true},
    [COL_STATE] = {"STATE", 8, 10, 0, false},
    [COL_CALLER] = {"CALLER", 12, 32, 3, false},
    [COL_CONNECTED] = {"CONNECTED", 10, 32, 3, false},
    [COL_CONTEXT] = {"CONTEXT", 7, 16, 2, false},
    [COL_EXTEN] = {"EXTEN", 6, 16, 1, false},
    [COL_APP] = {"APP", 6, 12, 1, false},
    [COL_DUR] = {"DUR", 7, 8, 0, true},
};

struct target {
    char *id;
    char *label; /* the channel name, for messages */
};

struct chanview {
    struct app *app;
    int rows, cols;
    int widths[NCOLS];
    struct rowsel sel; /* rows, cursor and marks, following ids across polls */
    struct idset pending;
    struct target *confirm; /* targets of the open dialog */
    size_t nconfirm;
    struct target *batch; /* names of the channels being hung up, for messages */
    size_t nbatch;
};

static int cmp_rows(const struct snapshot *s, size_t a, size_t b)
{
    const struct record *ra = snap_get(s, a);
    const struct record *rb = snap_get(s, b);
    const char *na = ra->v[CH_CHANNEL] ? ra->v[CH_CHANNEL] : "";
    const char *nb = rb->v[CH_CHANNEL] ? rb->v[CH_CHANNEL] : "";
    int c = strcmp(na, nb);
    return c ? c : strcmp(ra->id, rb->id);
}

/* Re-sort after a poll; the cursor stays on its channel, or on the same row if it left. */
static void rebuild(struct chanview *v)
{
    rowsel_rebuild(&v->sel, be_snapshot(v->app->be, KIND_CHANNELS), cmp_rows);
}

static void *chan_create(struct app *app)
{
    struct chanview *v = xcalloc(1, sizeof *v);
    v->app = app;
    rowsel_init(&v->sel);
    idset_init(&v->pending);
    fleet_want(app->fleet, app->be, KIND_CHANNELS, true);
    rebuild(v);
    return v;
}

static void free_targets(struct target *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(t[i].id);
        free(t[i].label);
    }
    free(t);
}

static void chan_destroy(void *state)
{
    struct chanview *v = state;
    fleet_want(v->app->fleet, v->app->be, KIND_CHANNELS, false);
    free_targets(v->confirm, v->nconfirm);
    free_targets(v->batch, v->nbatch);
    rowsel_done(&v->sel);
    idset_done(&v->pending);
    free(v);
}

static void chan_resize(void *state, int rows, int cols)
{
    struct chanview *v = state;
    v->rows = rows;
    v->cols = cols;
    table_layout(columns, NCOLS, cols, v->widths);
    rowsel_resize(&v->sel, rows - 1);
}

static bool unknown(const char *s)
{
    return !s || !*s || strcmp(s, "<unknown>") == 0;
}

/* "201 "Front desk"", or whichever half is known, or "-". */
static void party(const char *num, const char *name, char *out, size_t size)
{
    if (unknown(num) && unknown(name))
        (void)snprintf(out, size, "-");
    else if (unknown(name) || (num && strcmp(num, name) == 0))
        (void)snprintf(out, size, "%s", num);
    else if (unknown(num))
        (void)snprintf(out, size, "\"%s\"", name);
    else
        (void)snprintf(out, size, "%s \"%s\"", num, name);
}

static void draw_message(WINDOW *win, int rows, const char *msg, unsigned flags)
{
    table_draw_message(win, rows / 2, msg, theme_attr(ROLE_DIM), flags);
}

static attr_t state_attr(const char *state)
{
    if (!state)
        return 0;
    if (strcmp(state, "Up") == 0)
        return theme_attr(ROLE_STATE_UP);
    if (strncmp(state, "Ring", 4) == 0)
        return theme_attr(ROLE_STATE_RING);
    return 0;
}

static void draw_row(struct chanview *v, WINDOW *win, int y, int row, int64_t now)
{
    const struct record *r = rowsel_rec(&v->sel, row);
    unsigned flags = v->app->text_flags;
    char caller[256], connected[256], dur[16], ctx[256];
    party(r->v[CH_CALLER_NUM], r->v[CH_CALLER_NAME], caller, sizeof caller);
    party(r->v[CH_CONNECTED_NUM], r->v[CH_CONNECTED_NAME], connected, sizeof connected);
    clock_format_duration(r->t0_ms ? (now - r->t0_ms) / 1000 : -1, dur, sizeof dur);
    (void)snprintf(ctx, sizeof ctx, "%s", r->v[CH_CONTEXT] ? r->v[CH_CONTEXT] : "");
    bool pending = idset_has(&v->pending, r->id);
    const char *raw[NCOLS] = {
        r->v[CH_CHANNEL],
        pending ? ((flags & TEXT_ASCII) ? "pending" : "pending\xE2\x80\xA6") : r->v[CH_STATE],
        caller,
        connected,
        ctx,
        r->v[CH_EXTEN],
        r->v[CH_APPLICATION],
        dur,
    };
    char *cells[NCOLS];
    for (int c = 0; c < NCOLS; c++)
        cells[c] = text_sanitized(raw[c], flags);
    bool marked = idset_has(&v->sel.marks, r->id), cur = row == v->sel.cursor;
    attr_t attr = cur       ? theme_attr(ROLE_SELECTED)
                  : pending ? theme_attr(ROLE_PENDING)
                  : marked  ? theme_attr(ROLE_MARKED)
                            : theme_attr(ROLE_NORMAL);
    attr_t cell_attr[NCOLS] = {0};
    if (!cur && !pending)
        cell_attr[COL_STATE] = state_attr(r->v[CH_STATE]);
    table_draw_row(win, y, columns, NCOLS, v->widths, (const char *const *)cells,
                   marked ? '*'
                   : cur  ? '>'
                          : ' ',
                   attr, cell_attr, flags);
    for (int c = 0; c < NCOLS; c++)
        free(cells[c]);
}

static void chan_draw(void *state, WINDOW *win)
{
    struct chanview *v = state;
    struct backend *be = v->app->be;
    unsigned flags = v->app->text_flags;
    if (!be_supports(be, KIND_CHANNELS)) {
        draw_message(win, v->rows, be_why_not(be, KIND_CHANNELS), flags);
        return;
    }
    table_draw_header(win, 0, columns, NCOLS, v->widths, theme_attr(ROLE_COLUMNS));
    if (!v->sel.snap) {
        /* Not "new" after another view was shown: the backend is up, the kind not polled. */
        char *msg = !be_polls_done(be, KIND_CHANNELS)
                        ? xasprintf("Loading channels from %s...", be_name(be))
                        : xasprintf("No channel data from %s: %s", be_name(be), be_error(be));
        draw_message(win, v->rows, msg, flags);
        free(msg);
        return;
    }
    if (!v->sel.n) {
        char *msg = xasprintf("No live calls on %s", be_name(be));
        draw_message(win, v->rows, msg, flags);
        free(msg);
        return;
    }
    int64_t now = clock_wall_ms();
    for (int y = 1; y < v->rows && v->sel.top + y - 1 < (int)v->sel.n; y++)
        draw_row(v, win, y, v->sel.top + y - 1, now);
}

static const char *label_of(const struct chanview *v, const char *id)
{
    for (size_t i = 0; i < v->nbatch; i++) {
        if (strcmp(v->batch[i].id, id) == 0)
            return v->batch[i].label;
    }
    return id;
}

/* An item of a hang-up batch settled: its row is no longer pending. */
static void hangup_item(void *ud, const struct plan_item *it)
{
    struct chanview *v = ud;
    idset_remove(&v->pending, it->id);
    idset_remove(&v->sel.marks, it->id);
}

static void hangup_done(void *ud, struct plan *p, const struct plan_summary *s,
                        const char *journal_id)
{
    struct chanview *v = ud;
    size_t n = plan_count(p);
    (void)journal_id;
    const struct plan_item *one = n == 1 ? plan_at(p, 0) : NULL;
    const char *name = one ? label_of(v, one->id) : "";
    if (one && one->state == ITEM_DONE && one->outcome == ACT_OK)
        app_flash(v->app, false, "Hung up %s", name);
    else if (one)
        app_flash(v->app, one->outcome != ACT_GONE, "%s: %s", name,
                  one->msg && *one->msg ? one->msg : "not hung up");
    else if (s->failed || s->conflicts || s->not_attempted)
        app_flash(v->app, true, "%zu hung up, %zu already gone, %zu failed%s", s->ok, s->gone,
                  s->failed + s->conflicts + s->not_attempted,
                  s->stopped ? " (connection or login lost)" : "");
    else
        app_flash(v->app, false, "%zu hung up, %zu already gone", s->ok, s->gone);
}

static const char *hangup_blocked(struct chanview *v);

/* Remember the targets' names for the messages, dropping those no longer pending. */
static void keep_labels(struct chanview *v, struct target *t, size_t n)
{
    size_t kept = 0;
    for (size_t i = 0; i < v->nbatch; i++) {
        if (idset_has(&v->pending, v->batch[i].id)) {
            v->batch[kept++] = v->batch[i];
        } else {
            free(v->batch[i].id);
            free(v->batch[i].label);
        }
    }
    v->batch = xrealloc(v->batch, (kept + n + 1) * sizeof *v->batch);
    memcpy(v->batch + kept, t, n * sizeof *t);
    v->nbatch = kept + n;
    free(t);
}

static void start_hangups(void *ud, bool confirmed)
{
    struct chanview *v = ud;
    struct target *t = v->confirm;
    size_t n = v->nconfirm;
    v->confirm = NULL;
    v->nconfirm = 0;
    /* The data may have gone stale (or read-only been set) while the dialog was open. */
    const char *why = confirmed ? hangup_blocked(v) : NULL;
    if (why)
        app_flash(v->app, true, "Not hanging up: %s", why);
    if (!confirmed || why) {
        free_targets(t, n);
        return;
    }
    struct plan *p = plan_new(v->app->be);
    for (size_t i = 0; i < n; i++) {
        struct change c = {.op = OP_DELETE, .kind = KIND_CHANNELS, .id = t[i].id};
        (void)plan_add(p, &c, 0);
    }
    if (plan_check(p)) {
        const struct plan_item *bad = plan_at(p, 0);
        for (size_t i = 0; i < n && bad->state != ITEM_INVALID; i++)
            bad = plan_at(p, i);
        const char *name = bad->id;
        for (size_t i = 0; i < n; i++)
            name = strcmp(t[i].id, bad->id) == 0 ? t[i].label : name;
        app_flash(v->app, true, "%s: not hung up: %s", name, bad->msg);
        plan_free(p);
        free_targets(t, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        idset_add(&v->pending, t[i].id);
    keep_labels(v, t, n);
    ui_batch_start(v->app, p, NULL, hangup_item, hangup_done, v);
}

/* The marked channels in screen order, else the one under the cursor. */
static size_t collect_targets(struct chanview *v, struct target **out)
{
    size_t n = 0;
    struct target *t = xcalloc(v->sel.n ? v->sel.n : 1, sizeof *t);
    for (size_t i = 0; i < v->sel.n; i++) {
        const struct record *r = rowsel_rec(&v->sel, (int)i);
        bool want = v->sel.marks.n ? idset_has(&v->sel.marks, r->id) : (int)i == v->sel.cursor;
        if (!want || idset_has(&v->pending, r->id))
            continue;
        t[n].id = xstrdup(r->id);
        t[n].label = xstrdup(r->v[CH_CHANNEL] ? r->v[CH_CHANNEL] : r->id);
        n++;
    }
    *out = t;
    return n;
}

static const char *hangup_blocked(struct chanview *v)
{
    static char why[160];
    struct backend *be = v->app->be;
    if (be_read_only(be))
        return "read-only: hanging up is disabled";
    if (!(be_caps(be) & CAP_HANGUP))
        return be_why_no_hangup(be);
    if (!v->sel.snap)
        return "no channel data yet";
    if (be_kind_stale(be, KIND_CHANNELS)) {
        char age[16];
        clock_format_age((clock_mono_ms() - be_taken_ms(be, KIND_CHANNELS)) / 1000, age,
                         sizeof age);
        (void)snprintf(why, sizeof why, "the channel list is stale (%s old); Ctrl-R polls now",
                       age);
        return why;
    }
    if (!v->sel.n)
        return "no channel to hang up";
    return NULL;
}

static void ask_hangup(struct chanview *v)
{
    const char *why = hangup_blocked(v);
    if (why) {
        app_flash(v->app, true, "Not hanging up: %s", why);
        return;
    }
    struct target *t;
    size_t n = collect_targets(v, &t);
    if (!n) {
        free(t);
        app_flash(v->app, true, "Not hanging up: the marked channels are already pending");
        return;
    }
    char *title = n == 1 ? xasprintf("Hang up this channel on %s?", be_name(v->app->be))
                         : xasprintf("Hang up %zu channels on %s?", n, be_name(v->app->be));
    struct dialog *d = dialog_new(title, "Hang up", true);
    free(title);
    for (size_t i = 0; i < n; i++)
        dialog_add_line(d, t[i].label);
    free_targets(v->confirm, v->nconfirm);
    v->confirm = t;
    v->nconfirm = n;
    app_open_dialog(v->app, d, start_hangups, v);
}

static int chan_key(void *state, enum action act, int ch)
{
    struct chanview *v = state;
    (void)ch;
    if (rowsel_key(&v->sel, act))
        return VIEW_HANDLED;
    switch (act) {
    case ACT_DESTROY:
        ask_hangup(v);
        return VIEW_HANDLED;
    default:
        return VIEW_IGNORED;
    }
}

static void chan_model_changed(void *state, struct backend *be, int kind)
{
    struct chanview *v = state;
    if (be == v->app->be && kind == KIND_CHANNELS)
        rebuild(v);
}

static void chan_summary(void *state, char *header, size_t hsize, char *status, size_t ssize)
{
    struct chanview *v = state;
    struct backend *be = v->app->be;
    if (v->sel.snap)
        (void)snprintf(header, hsize, "%zu call%s", v->sel.n, v->sel.n == 1 ? "" : "s");
    if (v->sel.marks.n)
        (void)snprintf(status, ssize, "%zu marked", v->sel.marks.n);
    else if (be_state(be) != BE_STATE_UP && *be_error(be))
        (void)snprintf(status, ssize, "%s: %s", be_name(be), be_error(be));
}

static const char *chan_blocked(void *state, enum action act)
{
    return act == ACT_DESTROY ? hangup_blocked(state) : NULL;
}

static const struct keyhint chan_hints[] = {
    {ACT_DESTROY, "Hang up"},
    {ACT_MARK, "Mark"},
    {ACT_NONE, NULL},
};

const struct view_ops channels_view_ops = {
    .name = "channels",
    .kind = KIND_CHANNELS,
    .create = chan_create,
    .destroy = chan_destroy,
    .resize = chan_resize,
    .draw = chan_draw,
    .key = chan_key,
    .model_changed = chan_model_changed,
    .summary = chan_summary,
    .blocked = chan_blocked,
    .hints = chan_hints,
};
