/* Details of one record: every field, or the backend's own JSON. The view keeps the record's
 * id, never a pointer into a snapshot: it looks the record up again at every draw, so a poll
 * that replaces the snapshot can neither leave it showing freed data nor stale values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/backend.h"
#include "themes/theme.h"
#include "tui/app.h"
#include "tui/clock.h"
#include "tui/text.h"
#include "views/details_text.h"
#include "views/overlay.h"
#include "views/view.h"


struct detview {
    struct app *app;
    struct backend *be;
    enum kind kind;
    char *id;
    bool raw;   /* showing the backend's JSON rather than the fields */
    int top[2]; /* first row shown, per mode (fields, raw) */
    int rows, cols;
    int nlines; /* rows of text at the last draw, for End and the page keys */
};

/* A record of each kind, for titles and messages. */
static const char *const kind_one[KIND_COUNT] = {
    [KIND_EXTENSIONS] = "extension", [KIND_RINGGROUPS] = "ring group",
    [KIND_CHANNELS] = "channel",     [KIND_QUEUEMEMBERS] = "queue member",
    [KIND_QUEUES] = "queue",         [KIND_QUEUECALLERS] = "waiting caller",
};

static void *det_create(struct app *app)
{
    struct detview *d = xcalloc(1, sizeof *d);
    d->app = app;
    return d;
}

static void det_destroy(void *state)
{
    struct detview *d = state;
    free(d->id);
    free(d);
}

static void det_resize(void *state, int rows, int cols)
{
    struct detview *d = state;
    d->rows = rows;
    d->cols = cols;
}

/* Text rows between the title and the bottom of the body. */
static int text_height(const struct detview *d)
{
    return d->rows > 2 ? d->rows - 2 : 1;
}

static void draw_title(struct detview *d, WINDOW *win)
{
    unsigned flags = d->app->text_flags;
    char *title =
        xasprintf("%s %s on %s: %s  (r %s, Esc closes)", kind_one[d->kind], d->id, be_name(d->be),
                  d->raw ? "raw JSON" : "fields", d->raw ? "fields" : "raw JSON");
    overlay_line(win, 0, theme_attr(ROLE_COLUMNS), title, flags);
    free(title);
    if (be_kind_stale(d->be, d->kind) && be_taken_ms(d->be, d->kind)) {
        char age[16];
        clock_format_age((clock_mono_ms() - be_taken_ms(d->be, d->kind)) / 1000, age, sizeof age);
        char *note =
            xasprintf("stale: as of the last good poll, %s ago (%s)", age, be_error(d->be));
        overlay_line(win, 1, theme_attr(ROLE_BADGE_WARN), note, flags);
        free(note);
    }
}

/* The record's rows for the current mode and width. */
static void build(struct detview *d, const struct record *r, struct details_text *t)
{
    int width = d->cols - 2;
    if (d->raw)
        details_raw(t, r->raw, width, d->app->text_flags);
    else
        details_fields(t, d->kind, r, clock_wall_ms(), width, d->app->text_flags);
}

static void draw_message(struct detview *d, WINDOW *win, const char *msg)
{
    overlay_line(win, d->rows / 2, theme_attr(ROLE_DIM), msg, d->app->text_flags);
}

static void det_draw(void *state, WINDOW *win)
{
    struct detview *d = state;
    draw_title(d, win);
    const struct snapshot *s = be_snapshot(d->be, d->kind);
    long i = s ? snap_find(s, d->id) : -1;
    if (i < 0) {
        char *msg = s ? xasprintf("%s %s is gone from %s since the last poll", kind_one[d->kind],
                                  d->id, be_name(d->be))
                      : xasprintf("no %s data from %s", kind_def(d->kind)->name, be_name(d->be));
        draw_message(d, win, msg);
        free(msg);
        d->nlines = 0;
        return;
    }
    struct details_text t;
    details_text_init(&t);
    build(d, snap_get(s, (size_t)i), &t);
    d->nlines = (int)t.n;
    int *top = &d->top[d->raw];
    int max_top = d->nlines - text_height(d);
    if (*top > max_top)
        *top = max_top > 0 ? max_top : 0;
    /* put_line sanitises again, which leaves sanitised text as it is, and cuts the row. */
    for (int y = 2, k = *top; y < d->rows && k < d->nlines; y++, k++)
        overlay_line(win, y, theme_attr(ROLE_NORMAL), t.rows[k], d->app->text_flags);
    details_text_done(&t);
}

/* Scroll by a key; det_draw keeps top in range, since the rows change with every poll. */
static void scroll_by(struct detview *d, enum action act)
{
    int *top = &d->top[d->raw];
    int page = text_height(d) > 1 ? text_height(d) - 1 : 1;
    switch (act) {
    case ACT_UP:
        *top -= 1;
        break;
    case ACT_DOWN:
        *top += 1;
        break;
    case ACT_PGUP:
        *top -= page;
        break;
    case ACT_PGDN:
        *top += page;
        break;
    case ACT_HOME:
        *top = 0;
        break;
    default: /* ACT_END */
        *top = d->nlines;
        break;
    }
    if (*top < 0)
        *top = 0;
}

static int det_key(void *state, enum action act, int ch)
{
    struct detview *d = state;
    (void)ch;
    switch (act) {
    case ACT_CLOSE:
        return VIEW_CLOSE;
    case ACT_RAW:
        d->raw = !d->raw;
        return VIEW_HANDLED;
    case ACT_UP:
    case ACT_DOWN:
    case ACT_PGUP:
    case ACT_PGDN:
    case ACT_HOME:
    case ACT_END:
        scroll_by(d, act);
        return VIEW_HANDLED;
    case ACT_NEXT_VIEW:
    case ACT_PREV_VIEW:
    case ACT_COMMAND:
        /* Another view may replace the details: they hold nothing to lose. */
        return VIEW_IGNORED;
    default:
        return overlay_other_key(act);
    }
}

static const struct keyhint det_hints[] = {
    {ACT_RAW, "Raw JSON"},
    {ACT_CLOSE, "Close"},
    {ACT_NONE, NULL},
};

static const struct view_ops details_view_ops = {
    .name = "details",
    .kind = -1,
    .create = det_create,
    .destroy = det_destroy,
    .resize = det_resize,
    .draw = det_draw,
    .key = det_key,
    .hints = det_hints,
};

void details_open(struct app *app, struct backend *be, int kind, const char *id)
{
    if (kind < 0 || kind >= KIND_COUNT || !be || !id)
        return;
    int before = app->nviews;
    app_push_view(app, &details_view_ops);
    if (app->nviews == before) {
        app_flash(app, true, "Too many screens open: Esc closes one");
        return;
    }
    /* create() takes only the app: the record to show is filled in here, before any draw. */
    struct detview *d = app->views[app->nviews - 1].state;
    d->be = be;
    d->kind = (enum kind)kind;
    d->id = xstrdup(id);
}
