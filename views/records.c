/* The record tables: extensions, ring groups, queue members and queues share one view over
 * tview.c, with the kind's columns and its destructive verb; queue members are grouped by
 * queue (qgroups.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/backend.h"
#include "themes/theme.h"
#include "tui/app.h"
#include "views/qgroups.h"
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


/* Deletes go through the backend's record API, which does not cover every kind. */
static const char *cannot_delete(const struct tview_spec *sp, struct backend *be)
{
    static char why[160];
    const struct record_schema *rs = be_schema(be, sp->kind);
    if (rs && (rs->ops & OP_DELETE))
        return NULL;
    (void)snprintf(why, sizeof why, "%s cannot %s %s through its API", be_label(be), sp->verb_lower,
                   sp->many);
    return why;
}

/* Records are deleted after their count or name is typed back; members removed after a
 * plain confirmation (they can be added back as they were). */
#define SPEC(k, one_, many_, none_, cols_, label)                                            \
    {                                                                                        \
        .kind = k, .one = one_, .many = many_, .unit = one_, .units = many_, .none = none_,  \
        .verb = "Delete", .verb_lower = "delete", .verbing = "deleting", .past = "deleted",  \
        .typed = true, .cannot = cannot_delete, .cols = cols_,                               \
        .ncols = (int)(sizeof cols_ / sizeof cols_[0]), .sort_col = 0, .label_field = label, \
        .pending_col = 1,                                                                    \
    }

static const struct tview_spec ext_spec =
    SPEC(KIND_EXTENSIONS, "extension", "extensions", "No extensions", ext_cols, EXT_EXTENSION);
static const struct tview_spec rg_spec =
    SPEC(KIND_RINGGROUPS, "ring group", "ring groups", "No ring groups", rg_cols, RG_EXTENSION);
static const struct tview_spec q_spec =
    SPEC(KIND_QUEUES, "queue", "queues", "No queues", q_cols, Q_QUEUE);
/* Members are grouped by queue under each queue's summary and waiting callers (qgroups.c),
 * which need the queues and callers polled along with the members. */
static const struct tview_spec qm_spec = {
    .kind = KIND_QUEUEMEMBERS,
    .one = "queue member",
    .many = "queue members",
    .unit = "queue member",
    .units = "queue members",
    .none = "No queue members",
    .verb = "Remove",
    .verb_lower = "remove",
    .verbing = "removing",
    .past = "removed",
    .cannot = cannot_delete,
    .cols = qm_cols,
    .ncols = (int)(sizeof qm_cols / sizeof qm_cols[0]),
    .sort_col = 0,
    .label_field = -1,
    .pending_col = 1,
    .also_kinds = 1u << KIND_QUEUES | 1u << KIND_QUEUECALLERS,
    .draw_body = qgroups_draw,
};

const struct tview_spec *tview_spec_of(int kind)
{
    switch (kind) {
    case KIND_CHANNELS:
        return &channels_spec;
    case KIND_EXTENSIONS:
        return &ext_spec;
    case KIND_RINGGROUPS:
        return &rg_spec;
    case KIND_QUEUEMEMBERS:
        return &qm_spec;
    case KIND_QUEUES:
        return &q_spec;
    default:
        return NULL;
    }
}

static void *rec_create(struct app *app, const struct tview_spec *spec)
{
    struct tview *tv = xcalloc(1, sizeof *tv);
    tview_init(tv, app, spec);
    return tv;
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
    struct tview *tv = rec_create(app, &qm_spec);
    rows_set_group(&tv->rows, QM_QUEUE);
    return tv;
}

static void *q_create(struct app *app)
{
    return rec_create(app, &q_spec);
}

static void rec_destroy(void *state)
{
    tview_done(state);
    free(state);
}

static void rec_resize(void *state, int rows, int cols)
{
    tview_resize(state, rows, cols);
}

static void rec_draw(void *state, WINDOW *win)
{
    tview_draw(state, win);
}

static int rec_key(void *state, enum action act, int ch)
{
    (void)ch;
    if (act == ACT_DESTROY) {
        tview_ask_destroy(state);
        return VIEW_HANDLED;
    }
    if (tview_form_key(state, act))
        return VIEW_HANDLED;
    return tview_key(state, act);
}

static int qm_key(void *state, enum action act, int ch)
{
    return qgroups_key(state, act) ? VIEW_HANDLED : rec_key(state, act, ch);
}

static void rec_model_changed(void *state, struct backend *be, int kind)
{
    tview_model_changed(state, be, kind);
}

static void rec_summary(void *state, char *header, size_t hsize, char *status, size_t ssize)
{
    tview_summary(state, header, hsize, status, ssize);
}

static const char *rec_blocked(void *state, enum action act)
{
    return act == ACT_DESTROY ? tview_destroy_blocked(state) : tview_form_blocked(state, act);
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

#define RECORD_VIEW(name_, kind_, create_, hints_, key_)                                         \
    {                                                                                            \
        .name = name_, .kind = kind_, .create = create_, .destroy = rec_destroy,                 \
        .resize = rec_resize, .draw = rec_draw, .key = key_, .model_changed = rec_model_changed, \
        .summary = rec_summary, .blocked = rec_blocked, .export = tview_export,                  \
        .columns = tview_columns, .column_cmd = tview_column_cmd, .hints = hints_,               \
    }

const struct view_ops extensions_view_ops =
    RECORD_VIEW("extensions", KIND_EXTENSIONS, ext_create, rec_hints, rec_key);
const struct view_ops ringgroups_view_ops =
    RECORD_VIEW("ringgroups", KIND_RINGGROUPS, rg_create, rec_hints, rec_key);
const struct view_ops queuemembers_view_ops =
    RECORD_VIEW("queuemembers", KIND_QUEUEMEMBERS, qm_create, qm_hints, qm_key);
const struct view_ops queues_view_ops =
    RECORD_VIEW("queues", KIND_QUEUES, q_create, rec_hints, rec_key);
