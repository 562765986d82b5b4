/* Live channels: the table of tview.c with the caller and connected parties, durations that
 * tick, and hang up after a confirmation that names every target. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/backend.h"
#include "themes/theme.h"
#include "tui/app.h"
#include "tui/clock.h"
#include "views/tview.h"
#include "views/view.h"

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

static void caller_text(const struct record *r, int64_t now, char *buf, size_t size)
{
    (void)now;
    party(r->v[CH_CALLER_NUM], r->v[CH_CALLER_NAME], buf, size);
}

static void connected_text(const struct record *r, int64_t now, char *buf, size_t size)
{
    (void)now;
    party(r->v[CH_CONNECTED_NUM], r->v[CH_CONNECTED_NAME], buf, size);
}

static void duration_text(const struct record *r, int64_t now, char *buf, size_t size)
{
    clock_format_duration(r->t0_ms ? (now - r->t0_ms) / 1000 : -1, buf, size);
}

enum {
    COL_CHANNEL,
    COL_STATE
};

static const struct tview_col columns[] = {
    [COL_CHANNEL] = {{"channel", CH_CHANNEL, ORDER_BYTES, NULL},
                     {"CHANNEL", 16, 32, 3, false, true}},
    [COL_STATE] = {{"state", CH_STATE, ORDER_TEXT, NULL}, {"STATE", 8, 10, 0, false, false}},
    {{"caller", ROWS_COMPUTED, ORDER_TEXT, caller_text}, {"CALLER", 12, 32, 3, false, false}},
    {{"connected", ROWS_COMPUTED, ORDER_TEXT, connected_text},
     {"CONNECTED", 10, 32, 3, false, false}},
    {{"context", CH_CONTEXT, ORDER_TEXT, NULL}, {"CONTEXT", 7, 16, 2, false, false}},
    {{"exten", CH_EXTEN, ORDER_TEXT, NULL}, {"EXTEN", 6, 16, 1, false, false}},
    {{"app", CH_APPLICATION, ORDER_TEXT, NULL}, {"APP", 6, 12, 1, false, false}},
    {{"dur", ROWS_COMPUTED, ORDER_AGE, duration_text}, {"DUR", 7, 8, 0, true, false}},
};

static attr_t cell_attr(int col, const struct record *r)
{
    const char *state = r->v[CH_STATE];
    if (col != COL_STATE || !state)
        return 0;
    if (strcmp(state, "Up") == 0)
        return theme_attr(ROLE_STATE_UP);
    if (strncmp(state, "Ring", 4) == 0)
        return theme_attr(ROLE_STATE_RING);
    return 0;
}

/* Hang-ups go through the channel API, which some backends do not have. */
static const char *cannot_hang_up(const struct tview_spec *sp, struct backend *be)
{
    (void)sp;
    return (be_caps(be) & CAP_HANGUP) ? NULL : be_why_no_hangup(be);
}

const struct tview_spec channels_spec = {
    .kind = KIND_CHANNELS,
    .one = "channel",
    .many = "channels",
    .unit = "call",
    .units = "calls",
    .none = "No live calls",
    .verb = "Hang up",
    .verb_lower = "hang up",
    .verbing = "hanging up",
    .past = "hung up",
    .cannot = cannot_hang_up,
    .cols = columns,
    .ncols = (int)(sizeof columns / sizeof columns[0]),
    .sort_col = COL_CHANNEL,
    .label_field = CH_CHANNEL,
    .pending_col = COL_STATE,
    .cell_attr = cell_attr,
};

static void *chan_create(struct app *app)
{
    struct tview *tv = xcalloc(1, sizeof *tv);
    tview_init(tv, app, &channels_spec);
    return tv;
}

static void chan_destroy(void *state)
{
    tview_done(state);
    free(state);
}

static void chan_resize(void *state, int rows, int cols)
{
    tview_resize(state, rows, cols);
}

static void chan_draw(void *state, WINDOW *win)
{
    tview_draw(state, win);
}

static int chan_key(void *state, enum action act, int ch)
{
    (void)ch;
    if (act == ACT_DESTROY) {
        tview_ask_destroy(state);
        return VIEW_HANDLED;
    }
    return tview_key(state, act);
}

static void chan_model_changed(void *state, struct backend *be, int kind)
{
    tview_model_changed(state, be, kind);
}

static void chan_summary(void *state, char *header, size_t hsize, char *status, size_t ssize)
{
    tview_summary(state, header, hsize, status, ssize);
}

static const char *chan_blocked(void *state, enum action act)
{
    return act == ACT_DESTROY ? tview_destroy_blocked(state) : NULL;
}

static const struct keyhint chan_hints[] = {
    {ACT_DESTROY, "Hang up"},
    {ACT_MARK, "Mark"},
    {ACT_FILTER, "Filter"},
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
    .export = tview_export,
    .columns = tview_columns,
    .column_cmd = tview_column_cmd,
    .blocked = chan_blocked,
    .hints = chan_hints,
};
