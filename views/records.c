/* The record tables: extensions, ring groups, queue members and queues share one view over
 * tview.c, with the kind's columns and its destructive verb. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/backend.h"
#include "themes/theme.h"
#include "tui/app.h"
#include "tui/dialog.h"
#include "views/tview.h"
#include "views/view.h"


static const struct tview_col ext_cols[] = {
    {{"extension", EXT_EXTENSION, ORDER_TEXT, NULL}, {"EXTENSION", 9, 16, 1, false, false}},
    {{"name", EXT_NAME, ORDER_TEXT, NULL}, {"NAME", 12, 32, 3, false, false}},
    {{"enabled", EXT_ENABLED, ORDER_TEXT, NULL}, {"ENABLED", 7, 7, 0, false, false}},
    {{"voicemail", EXT_VOICEMAIL, ORDER_TEXT, NULL}, {"VOICEMAIL", 9, 9, 0, false, false}},
    {{"callerid", EXT_CALLERID, ORDER_TEXT, NULL}, {"CALLERID", 10, 24, 2, false, false}},
    {{"context", EXT_CONTEXT, ORDER_TEXT, NULL}, {"CONTEXT", 10, 32, 3, false, false}},
    {{"tech", EXT_TECH, ORDER_TEXT, NULL}, {"TECH", 7, 8, 0, false, false}},
};

static const struct tview_col rg_cols[] = {
    {{"extension", RG_EXTENSION, ORDER_TEXT, NULL}, {"EXTENSION", 9, 16, 1, false, false}},
    {{"name", RG_NAME, ORDER_TEXT, NULL}, {"NAME", 12, 32, 3, false, false}},
    {{"strategy", RG_STRATEGY, ORDER_TEXT, NULL}, {"STRATEGY", 10, 16, 1, false, false}},
    {{"ring_time", RG_RING_TIME, ORDER_NUM, NULL}, {"RING TIME", 9, 9, 0, true, false}},
    {{"members", RG_MEMBERS, ORDER_TEXT, NULL}, {"MEMBERS", 12, 0, 6, false, false}},
};

static const struct tview_col qm_cols[] = {
    {{"queue", QM_QUEUE, ORDER_TEXT, NULL}, {"QUEUE", 6, 20, 1, false, false}},
    {{"interface", QM_INTERFACE, ORDER_TEXT, NULL}, {"INTERFACE", 14, 32, 6, false, true}},
    {{"name", QM_NAME, ORDER_TEXT, NULL}, {"NAME", 8, 24, 2, false, false}},
    {{"status", QM_STATUS, ORDER_TEXT, NULL}, {"STATUS", 10, 16, 1, false, false}},
    {{"paused", QM_PAUSED, ORDER_TEXT, NULL}, {"PAUSED", 6, 6, 0, false, false}},
    {{"paused_reason", QM_PAUSED_REASON, ORDER_TEXT, NULL}, {"REASON", 6, 20, 1, false, false}},
    {{"penalty", QM_PENALTY, ORDER_NUM, NULL}, {"PENALTY", 7, 7, 0, true, false}},
    {{"calls_taken", QM_CALLS_TAKEN, ORDER_NUM, NULL}, {"CALLS", 5, 6, 0, true, false}},
    {{"in_call", QM_IN_CALL, ORDER_TEXT, NULL}, {"IN CALL", 7, 7, 0, false, false}},
};

static const struct tview_col q_cols[] = {
    {{"queue", Q_QUEUE, ORDER_TEXT, NULL}, {"QUEUE", 10, 24, 2, false, false}},
    {{"strategy", Q_STRATEGY, ORDER_TEXT, NULL}, {"STRATEGY", 10, 16, 1, false, false}},
    {{"calls", Q_CALLS, ORDER_NUM, NULL}, {"CALLS", 5, 7, 0, true, false}},
    {{"completed", Q_COMPLETED, ORDER_NUM, NULL}, {"COMPLETED", 9, 9, 0, true, false}},
    {{"abandoned", Q_ABANDONED, ORDER_NUM, NULL}, {"ABANDONED", 9, 9, 0, true, false}},
    {{"hold_time", Q_HOLD_TIME, ORDER_NUM, NULL}, {"HOLD(s)", 7, 8, 0, true, false}},
    {{"talk_time", Q_TALK_TIME, ORDER_NUM, NULL}, {"TALK(s)", 7, 8, 0, true, false}},
};


#define SPEC(k, one_, many_, none_, past_, cols_, label)                                     \
    {                                                                                        \
        .view = many_, .kind = k, .one = one_, .many = many_, .unit = one_, .units = many_,  \
        .none = none_, .past = past_, .cols = cols_,                                         \
        .ncols = (int)(sizeof cols_ / sizeof cols_[0]), .sort_col = 0, .label_field = label, \
        .pending_col = 1,                                                                    \
    }

static const struct tview_spec ext_spec = SPEC(KIND_EXTENSIONS, "extension", "extensions",
                                               "No extensions", "deleted", ext_cols, EXT_EXTENSION);
static const struct tview_spec rg_spec = SPEC(KIND_RINGGROUPS, "ring group", "ring groups",
                                              "No ring groups", "deleted", rg_cols, RG_EXTENSION);
static const struct tview_spec qm_spec = SPEC(KIND_QUEUEMEMBERS, "queue member", "queue members",
                                              "No queue members", "removed", qm_cols, -1);
static const struct tview_spec q_spec =
    SPEC(KIND_QUEUES, "queue", "queues", "No queues", "deleted", q_cols, Q_QUEUE);

struct recview {
    struct tview tv;              /* first: batches and prompts know the view by this address */
    struct tview_target *confirm; /* targets of the open dialog */
    size_t nconfirm;
};

static void *rec_create(struct app *app, const struct tview_spec *spec)
{
    struct recview *v = xcalloc(1, sizeof *v);
    tview_init(&v->tv, app, spec);
    return v;
}

static void *ext_create(struct app *app)
{
    return rec_create(app, &ext_spec);
}

static void *rg_create(struct app *app)
{
    return rec_create(app, &rg_spec);
}

static void *qm_create(struct app *app)
{
    return rec_create(app, &qm_spec);
}

static void *q_create(struct app *app)
{
    return rec_create(app, &q_spec);
}

static void rec_destroy(void *state)
{
    struct recview *v = state;
    tview_targets_free(v->confirm, v->nconfirm);
    tview_done(&v->tv);
    free(v);
}

static void rec_resize(void *state, int rows, int cols)
{
    struct recview *v = state;
    tview_resize(&v->tv, rows, cols);
}

static void rec_draw(void *state, WINDOW *win)
{
    struct recview *v = state;
    tview_draw(&v->tv, win);
}

static const char *verb_of(const struct tview_spec *sp)
{
    return sp->kind == KIND_QUEUEMEMBERS ? "removing" : "deleting";
}

/* Why be's records of this kind cannot be deleted now, or NULL. */
static const char *be_blocked(struct recview *v, struct backend *be)
{
    static char why[200];
    const struct tview_spec *sp = v->tv.spec;
    const struct record_schema *rs = be_schema(be, sp->kind);
    if (!rs || !(rs->ops & OP_DELETE)) {
        (void)snprintf(why, sizeof why, "%s cannot delete %s through its API", be_label(be),
                       sp->many);
        return why;
    }
    if (be_read_only(be)) {
        (void)snprintf(why, sizeof why, "%s is read-only: %s %s is disabled", be_name(be),
                       verb_of(sp), sp->many);
        return why;
    }
    if (!be_snapshot(be, sp->kind))
        return "no data yet";
    if (tview_stale(&v->tv, be, why, sizeof why))
        return why;
    return NULL;
}

static const char *destroy_blocked(struct recview *v)
{
    static char why[160];
    if (v->tv.be)
        return be_blocked(v, v->tv.be);
    if (!tview_supported(&v->tv))
        return "no backend lists them";
    if (v->tv.rows.nvis)
        return NULL;
    (void)snprintf(why, sizeof why, "no %s to act on", v->tv.spec->one);
    return why;
}

static const char *targets_blocked(struct recview *v, const struct tview_target *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *why = be_blocked(v, t[i].be);
        if (why)
            return why;
    }
    return NULL;
}

static void confirmed(void *ud, bool yes)
{
    struct recview *v = ud;
    struct tview_target *t = v->confirm;
    size_t n = v->nconfirm;
    v->confirm = NULL;
    v->nconfirm = 0;
    const char *why = yes ? targets_blocked(v, t, n) : NULL;
    if (why)
        app_flash(v->tv.app, true, "Not %s: %s", verb_of(v->tv.spec), why);
    if (!yes || why) {
        tview_targets_free(t, n);
        return;
    }
    tview_delete(&v->tv, t, n);
}

/* Deleting records (not removing a member) needs the count, or the one id, typed back. */
static struct dialog *confirm_dialog(struct recview *v, const struct tview_target *t, size_t n,
                                     size_t hidden)
{
    const struct tview_spec *sp = v->tv.spec;
    bool remove = sp->kind == KIND_QUEUEMEMBERS;
    const char *where = v->tv.be ? be_name(v->tv.be) : "their backends";
    char *title =
        n == 1 ? xasprintf("%s this %s on %s?", remove ? "Remove" : "Delete", sp->one, where)
               : xasprintf("%s %zu %s on %s?", remove ? "Remove" : "Delete", n, sp->many, where);
    struct dialog *d = dialog_new(title, remove ? "Remove" : "Delete", true);
    free(title);
    for (size_t i = 0; i < n; i++)
        dialog_add_line(d, t[i].label);
    if (hidden) {
        char *line = xasprintf("(%zu of them hidden by the filter)", hidden);
        dialog_add_line(d, line);
        free(line);
    }
    if (!remove) {
        char *expect = n == 1 ? xstrdup(t[0].label) : xasprintf("%zu", n);
        char *label = xasprintf("Type %s to delete:", expect);
        (void)dialog_add_input(d, label, NULL, expect);
        free(label);
        free(expect);
    }
    return d;
}

static void ask_destroy(struct recview *v)
{
    const char *verb = verb_of(v->tv.spec);
    const char *why = destroy_blocked(v);
    if (why) {
        app_flash(v->tv.app, true, "Not %s: %s", verb, why);
        return;
    }
    struct tview_target *t;
    size_t hidden, n = tview_targets(&v->tv, &t, &hidden);
    why = n ? targets_blocked(v, t, n) : "the marked rows are already pending";
    if (why) {
        app_flash(v->tv.app, true, "Not %s: %s", verb, why);
        tview_targets_free(t, n);
        return;
    }
    struct dialog *d = confirm_dialog(v, t, n, hidden);
    tview_targets_free(v->confirm, v->nconfirm);
    v->confirm = t;
    v->nconfirm = n;
    app_open_dialog(v->tv.app, d, confirmed, v);
}

static int rec_key(void *state, enum action act, int ch)
{
    struct recview *v = state;
    (void)ch;
    if (act == ACT_DESTROY) {
        ask_destroy(v);
        return VIEW_HANDLED;
    }
    if (tview_form_key(&v->tv, act))
        return VIEW_HANDLED;
    return tview_key(&v->tv, act);
}

static void rec_model_changed(void *state, struct backend *be, int kind)
{
    struct recview *v = state;
    tview_model_changed(&v->tv, be, kind);
}

static void rec_summary(void *state, char *header, size_t hsize, char *status, size_t ssize)
{
    struct recview *v = state;
    tview_summary(&v->tv, header, hsize, status, ssize);
}

static const char *rec_blocked(void *state, enum action act)
{
    struct recview *v = state;
    return act == ACT_DESTROY ? destroy_blocked(v) : tview_form_blocked(&v->tv, act);
}

static const struct keyhint rec_hints[] = {
    {ACT_DESTROY, "Delete"},
    {ACT_MARK, "Mark"},
    {ACT_FILTER, "Filter"},
    {ACT_NONE, NULL},
};

static const struct keyhint qm_hints[] = {
    {ACT_MEMBER_PAUSE, "Pause"}, {ACT_DESTROY, "Remove"}, {ACT_MARK, "Mark"},
    {ACT_FILTER, "Filter"},      {ACT_NONE, NULL},
};

#define RECORD_VIEW(name_, kind_, create_, hints_)                                          \
    {                                                                                       \
        .name = name_, .kind = kind_, .create = create_, .destroy = rec_destroy,            \
        .resize = rec_resize, .draw = rec_draw, .key = rec_key,                             \
        .model_changed = rec_model_changed, .summary = rec_summary, .blocked = rec_blocked, \
        .hints = hints_,                                                                    \
    }

const struct view_ops extensions_view_ops =
    RECORD_VIEW("extensions", KIND_EXTENSIONS, ext_create, rec_hints);
const struct view_ops ringgroups_view_ops =
    RECORD_VIEW("ringgroups", KIND_RINGGROUPS, rg_create, rec_hints);
const struct view_ops queuemembers_view_ops =
    RECORD_VIEW("queuemembers", KIND_QUEUEMEMBERS, qm_create, qm_hints);
const struct view_ops queues_view_ops = RECORD_VIEW("queues", KIND_QUEUES, q_create, rec_hints);
