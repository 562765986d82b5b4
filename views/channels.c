/* Live channels: the table of tview.c with the caller and connected parties, durations that
 * tick, and hang up after a confirmation that names every target. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/backend.h"
#include "themes/theme.h"
#include "tui/app.h"
#include "tui/clock.h"
#include "tui/dialog.h"
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

static const struct tview_spec spec = {
    .view = "channels",
    .kind = KIND_CHANNELS,
    .one = "channel",
    .many = "channels",
    .unit = "call",
    .units = "calls",
    .none = "No live calls",
    .past = "hung up",
    .cols = columns,
    .ncols = (int)(sizeof columns / sizeof columns[0]),
    .sort_col = COL_CHANNEL,
    .label_field = CH_CHANNEL,
    .pending_col = COL_STATE,
    .cell_attr = cell_attr,
};

struct chanview {
    struct tview tv;              /* first: batches and prompts know the view by this address */
    struct tview_target *confirm; /* targets of the open dialog */
    size_t nconfirm;
};

static void *chan_create(struct app *app)
{
    struct chanview *v = xcalloc(1, sizeof *v);
    tview_init(&v->tv, app, &spec);
    return v;
}

static void chan_destroy(void *state)
{
    struct chanview *v = state;
    tview_targets_free(v->confirm, v->nconfirm);
    tview_done(&v->tv);
    free(v);
}

static void chan_resize(void *state, int rows, int cols)
{
    struct chanview *v = state;
    tview_resize(&v->tv, rows, cols);
}

static void chan_draw(void *state, WINDOW *win)
{
    struct chanview *v = state;
    tview_draw(&v->tv, win);
}

/* Why be's channels cannot be hung up now, or NULL. */
static const char *be_blocked(struct chanview *v, struct backend *be)
{
    static char why[200];
    if (be_read_only(be)) {
        (void)snprintf(why, sizeof why, "%s is read-only: hanging up is disabled", be_name(be));
        return v->tv.be ? "read-only: hanging up is disabled" : why;
    }
    if (!(be_caps(be) & CAP_HANGUP))
        return be_why_no_hangup(be);
    if (!be_snapshot(be, KIND_CHANNELS))
        return "no channel data yet";
    if (tview_stale(&v->tv, be, why, sizeof why))
        return why;
    return NULL;
}

static const char *hangup_blocked(struct chanview *v)
{
    if (v->tv.be)
        return be_blocked(v, v->tv.be);
    if (!tview_supported(&v->tv))
        return "no backend lists live channels";
    return v->tv.rows.nvis ? NULL : "no channel to hang up";
}

/* The first target that cannot be hung up, as a message; NULL when all can. */
static const char *targets_blocked(struct chanview *v, const struct tview_target *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *why = be_blocked(v, t[i].be);
        if (why)
            return why;
    }
    return NULL;
}

static void start_hangups(void *ud, bool confirmed)
{
    struct chanview *v = ud;
    struct tview_target *t = v->confirm;
    size_t n = v->nconfirm;
    v->confirm = NULL;
    v->nconfirm = 0;
    /* The data may have gone stale (or read-only been set) while the dialog was open. */
    const char *why = confirmed ? targets_blocked(v, t, n) : NULL;
    if (why)
        app_flash(v->tv.app, true, "Not hanging up: %s", why);
    if (!confirmed || why) {
        tview_targets_free(t, n);
        return;
    }
    tview_delete(&v->tv, t, n);
}

static void ask_hangup(struct chanview *v)
{
    const char *why = hangup_blocked(v);
    if (why) {
        app_flash(v->tv.app, true, "Not hanging up: %s", why);
        return;
    }
    struct tview_target *t;
    size_t hidden, n = tview_targets(&v->tv, &t, &hidden);
    why = n ? targets_blocked(v, t, n) : "the marked channels are already pending";
    if (why) {
        app_flash(v->tv.app, true, "Not hanging up: %s", why);
        tview_targets_free(t, n);
        return;
    }
    const char *where = v->tv.be ? be_name(v->tv.be) : "their backends";
    char *title = n == 1 ? xasprintf("Hang up this channel on %s?", where)
                         : xasprintf("Hang up %zu channels on %s?", n, where);
    struct dialog *d = dialog_new(title, "Hang up", true);
    free(title);
    for (size_t i = 0; i < n; i++)
        dialog_add_line(d, t[i].label);
    if (hidden) {
        char *line = xasprintf("(%zu of them hidden by the filter)", hidden);
        dialog_add_line(d, line);
        free(line);
    }
    tview_targets_free(v->confirm, v->nconfirm);
    v->confirm = t;
    v->nconfirm = n;
    app_open_dialog(v->tv.app, d, start_hangups, v);
}

static int chan_key(void *state, enum action act, int ch)
{
    struct chanview *v = state;
    (void)ch;
    if (act == ACT_DESTROY) {
        ask_hangup(v);
        return VIEW_HANDLED;
    }
    return tview_key(&v->tv, act);
}

static void chan_model_changed(void *state, struct backend *be, int kind)
{
    struct chanview *v = state;
    tview_model_changed(&v->tv, be, kind);
}

static void chan_summary(void *state, char *header, size_t hsize, char *status, size_t ssize)
{
    struct chanview *v = state;
    tview_summary(&v->tv, header, hsize, status, ssize);
}

static const char *chan_blocked(void *state, enum action act)
{
    return act == ACT_DESTROY ? hangup_blocked(state) : NULL;
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
    .blocked = chan_blocked,
    .hints = chan_hints,
};
