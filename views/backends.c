/* Every configured backend: its type, address, mode, state, how fresh its data is and what it
 * offers. Enter switches the console to the backend under the cursor. While this view is
 * shown it keeps every backend polled, so that the states it shows are live. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/backend.h"
#include "net/model.h"
#include "themes/theme.h"
#include "tui/app.h"
#include "tui/beinfo.h"
#include "tui/clock.h"
#include "tui/table.h"
#include "tui/text.h"
#include "views/view.h"

enum {
    COL_NAME,
    COL_TYPE,
    COL_URL,
    COL_MODE,
    COL_STATE,
    COL_AGE,
    COL_LATENCY,
    COL_ERROR,
    COL_SUPPORTS,
    NCOLS
};

/* At 100 columns every column fits; at 80 the last one (SUPPORTS) gives way. */
static const struct column columns[NCOLS] = {
    [COL_NAME] = {"NAME", 8, 20, 2, false, false},
    [COL_TYPE] = {"TYPE", 7, 10, 1, false, false},
    [COL_URL] = {"URL", 12, 40, 2, false, true},
    [COL_MODE] = {"RO/RW", 5, 5, 0, false, false},
    [COL_STATE] = {"STATE", 15, 21, 1, false, false}, /* "stale retry 16s" whole */
    [COL_AGE] = {"AGE", 4, 6, 0, true, false},
    [COL_LATENCY] = {"LATENCY", 7, 8, 0, true, false},
    [COL_ERROR] = {"ERROR", 10, 0, 3, false, false},
    [COL_SUPPORTS] = {"SUPPORTS", 12, 24, 2, false, false}, /* "ext rg ch qm q qc hangup" */
};

struct beview {
    struct app *app;
    int rows, cols;
    int widths[NCOLS];
    int cursor, top; /* rows are the fleet's backends, in config order: they never move */
};

static int nbackends(const struct beview *v)
{
    return (int)fleet_count(v->app->fleet);
}

/* Keep (or stop keeping) one kind of every backend polled. */
static void want_all(struct fleet *f, bool on)
{
    for (size_t i = 0; i < fleet_count(f); i++) {
        struct backend *be = fleet_at(f, i);
        int k = beinfo_first_kind(be);
        if (k >= 0)
            fleet_want(f, be, (enum kind)k, on);
    }
}

static void *bev_create(struct app *app)
{
    struct beview *v = xcalloc(1, sizeof *v);
    v->app = app;
    for (int i = 0; i < nbackends(v); i++) {
        if (fleet_at(app->fleet, (size_t)i) == app->be)
            v->cursor = i; /* start on the backend the other views show */
    }
    want_all(app->fleet, true);
    return v;
}

static void bev_destroy(void *state)
{
    struct beview *v = state;
    want_all(v->app->fleet, false);
    free(v);
}

static void bev_resize(void *state, int rows, int cols)
{
    struct beview *v = state;
    v->rows = rows;
    v->cols = cols;
    table_layout(columns, NCOLS, cols, v->widths);
    table_scroll(v->cursor, nbackends(v), rows - 1, &v->top);
}

/* State is never told by colour alone: the cell's text always names it. */
static attr_t state_attr(enum be_state st)
{
    switch (st) {
    case BE_STATE_UP:
        return theme_attr(ROLE_STATE_UP);
    case BE_STATE_STALE:
        return theme_attr(ROLE_BADGE_WARN);
    case BE_STATE_DOWN:
    case BE_STATE_AUTH_FAILED:
        return theme_attr(ROLE_BADGE_ERR);
    default:
        return 0;
    }
}

/* The cells of one backend, as raw text (sanitised by the caller), into bufs. */
static void row_cells(const struct backend *be, int64_t now, char bufs[][64], const char **raw)
{
    int64_t taken = beinfo_last_poll_ms(be);
    if (taken)
        clock_format_age((now - taken) / 1000, bufs[COL_AGE], 64);
    else
        (void)snprintf(bufs[COL_AGE], 64, "-");
    if (be_latency_ms(be) >= 0)
        (void)snprintf(bufs[COL_LATENCY], 64, "%lld ms", (long long)be_latency_ms(be));
    else
        (void)snprintf(bufs[COL_LATENCY], 64, "-");
    beinfo_state_text(be, now, bufs[COL_STATE], 64);
    beinfo_supports_text(be, bufs[COL_SUPPORTS], 64);
    raw[COL_NAME] = be_name(be);
    raw[COL_TYPE] = be_label(be);
    raw[COL_URL] = be_url(be);
    raw[COL_MODE] = be_read_only(be) ? "RO" : "RW";
    raw[COL_STATE] = bufs[COL_STATE];
    raw[COL_AGE] = bufs[COL_AGE];
    raw[COL_LATENCY] = bufs[COL_LATENCY];
    raw[COL_ERROR] = *be_error(be) ? be_error(be) : "-";
    raw[COL_SUPPORTS] = bufs[COL_SUPPORTS];
}

static void draw_row(struct beview *v, WINDOW *win, int y, int row, int64_t now)
{
    const struct backend *be = fleet_at(v->app->fleet, (size_t)row);
    unsigned flags = v->app->text_flags;
    char bufs[NCOLS][64];
    const char *raw[NCOLS];
    char *cells[NCOLS];
    row_cells(be, now, bufs, raw);
    for (int c = 0; c < NCOLS; c++)
        cells[c] = text_sanitized(raw[c], flags);
    bool cur = row == v->cursor;
    attr_t cell_attr[NCOLS] = {0};
    if (!cur) {
        cell_attr[COL_STATE] = state_attr(be_state(be));
        if (!*be_error(be))
            cell_attr[COL_ERROR] = theme_attr(ROLE_DIM);
    }
    table_draw_row(win, y, columns, NCOLS, v->widths, (const char *const *)cells, cur ? '>' : ' ',
                   cur ? theme_attr(ROLE_SELECTED) : theme_attr(ROLE_NORMAL), cell_attr, flags);
    for (int c = 0; c < NCOLS; c++)
        free(cells[c]);
}

static void bev_draw(void *state, WINDOW *win)
{
    struct beview *v = state;
    table_draw_header(win, 0, columns, NCOLS, v->widths, theme_attr(ROLE_COLUMNS));
    table_scroll(v->cursor, nbackends(v), v->rows - 1, &v->top);
    int64_t now = clock_mono_ms();
    for (int y = 1; y < v->rows && v->top + y - 1 < nbackends(v); y++)
        draw_row(v, win, y, v->top + y - 1, now);
}

static void move_cursor(struct beview *v, enum action act)
{
    int n = nbackends(v), page = v->rows > 2 ? v->rows - 2 : 1;
    switch (act) {
    case ACT_UP:
        v->cursor--;
        break;
    case ACT_DOWN:
        v->cursor++;
        break;
    case ACT_PGUP:
        v->cursor -= page;
        break;
    case ACT_PGDN:
        v->cursor += page;
        break;
    case ACT_HOME:
        v->cursor = 0;
        break;
    default: /* ACT_END */
        v->cursor = n - 1;
        break;
    }
    if (v->cursor >= n)
        v->cursor = n - 1;
    if (v->cursor < 0)
        v->cursor = 0;
    table_scroll(v->cursor, n, v->rows - 1, &v->top);
}

/* Show the backend under the cursor in the table views: its channels, or the first kind it
 * offers when it has no channels. This replaces the base view, which is this one: v is
 * freed by the first call, so nothing after it may touch v (app_key does not either). */
static void open_backend(struct beview *v)
{
    struct app *app = v->app;
    struct backend *be = fleet_at(app->fleet, (size_t)v->cursor);
    if (!be)
        return;
    int k = beinfo_first_kind(be);
    const char *view = k >= 0 ? kind_def((enum kind)k)->name : "channels";
    app_show_backend(app, be);
    (void)app_show_view(app, view);
}

static int bev_key(void *state, enum action act, int ch)
{
    struct beview *v = state;
    (void)ch;
    switch (act) {
    case ACT_UP:
    case ACT_DOWN:
    case ACT_PGUP:
    case ACT_PGDN:
    case ACT_HOME:
    case ACT_END:
        move_cursor(v, act);
        return VIEW_HANDLED;
    case ACT_DETAILS:
        open_backend(v);
        return VIEW_HANDLED; /* v is gone: return at once */
    default:
        return VIEW_IGNORED;
    }
}

/* "5 backends, 1 down, 1 stale": the states that need attention, by count. */
static void bev_summary(void *state, char *header, size_t hsize, char *status, size_t ssize)
{
    struct beview *v = state;
    size_t count[BE_STATE_AUTH_FAILED + 1] = {0};
    int n = nbackends(v);
    for (int i = 0; i < n; i++)
        count[be_state(fleet_at(v->app->fleet, (size_t)i))]++;
    int o = snprintf(header, hsize, "%d backend%s", n, n == 1 ? "" : "s");
    static const enum be_state shown[] = {BE_STATE_DOWN, BE_STATE_AUTH_FAILED, BE_STATE_STALE};
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
        if (count[shown[i]] && o >= 0 && (size_t)o < hsize)
            o += snprintf(header + o, hsize - (size_t)o, ", %zu %s", count[shown[i]],
                          be_state_name(shown[i]));
    }
    const struct backend *be = fleet_at(v->app->fleet, (size_t)v->cursor);
    if (be && *be_error(be))
        (void)snprintf(status, ssize, "%s: %s", be_name(be), be_error(be));
}

static const char *bev_blocked(void *state, enum action act)
{
    (void)state;
    if (act == ACT_DESTROY)
        return "backends come from the config file: edit it to remove one";
    return NULL;
}

static const struct keyhint bev_hints[] = {
    {ACT_NEXT_VIEW, "Next view"},
    {ACT_NONE, NULL},
};

const struct view_ops backends_view_ops = {
    .name = "backends",
    .kind = -1,
    .create = bev_create,
    .destroy = bev_destroy,
    .resize = bev_resize,
    .draw = bev_draw,
    .key = bev_key,
    .summary = bev_summary,
    .blocked = bev_blocked,
    .hints = bev_hints,
};
