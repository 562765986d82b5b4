/* What the table views share: rows from the current backend or from every backend (the
 * fleet view, with a BACKEND column), the live filter, find, sort, follow, marks, and the
 * targets of an action. channels.c and records.c add their columns and their verbs. */
#ifndef PBXTOP_VIEWS_TVIEW_H
#define PBXTOP_VIEWS_TVIEW_H

#include <curses.h>

#include "net/backend.h"
#include "tui/rows.h"
#include "tui/table.h"

struct app;
struct tview;

struct tview_col {
    struct rows_col rc;
    struct column layout;
};

struct tview_spec {
    enum kind kind;
    const char *one, *many;   /* "channel", "channels": for messages */
    const char *unit, *units; /* "call", "calls": for the count in the header */
    const char *none;         /* "No live calls": for an empty table */
    const char *verb;         /* "Hang up", "Delete": the destructive verb, for dialogs */
    const char *verb_lower;   /* "hang up", "delete" */
    const char *verbing;      /* "hanging up": for "Not hanging up: why" */
    const char *past;         /* "hung up", "deleted": the destructive verb's outcome */
    bool typed;               /* the count, or the one record's name, must be typed back */
    /* Why be can never take the verb (no API for it), or NULL. */
    const char *(*cannot)(const struct tview_spec *sp, struct backend *be);
    const struct tview_col *cols;
    int ncols;
    int sort_col;    /* the first order */
    int label_field; /* the field that names a record in confirmations */
    int pending_col; /* the column that shows "pending" while an action runs, -1 for none */
    /* An extra attribute for a cell (the state colours), or 0. */
    attr_t (*cell_attr)(int col, const struct record *r);
    unsigned also_kinds; /* other kinds (bits) the view shows, polled while it is open */
    /* Draws the body below the column titles instead of one line per row (the queue members
     * grouped by queue, views/qgroups.c), or NULL. */
    void (*draw_body)(struct tview *tv, WINDOW *win);
};

#define TVIEW_MAX_SOURCES 64

struct tview_target;
struct tview_form;

struct tview {
    struct app *app;
    const struct tview_spec *spec;
    struct backend *be; /* the backend shown, NULL for the fleet */
    struct backend *src[TVIEW_MAX_SOURCES];
    char labels[TVIEW_MAX_SOURCES][96]; /* the BACKEND cell: name, and "stale" */
    unsigned nsrc;
    struct tview_col cols[TABLE_MAX_COLS]; /* the spec's, after a BACKEND column in the fleet */
    struct rows_col rcols[TABLE_MAX_COLS];
    int ncols;
    int shown[TABLE_MAX_COLS]; /* the columns drawn, in order */
    int nshown;
    int widths[TABLE_MAX_COLS];
    int default_sort;
    int height, width;
    int line_top; /* the first line a draw_body shows, when it draws more lines than rows */
    struct rows rows;
    struct idset pending;         /* keys of rows with an action in flight */
    char *find;                   /* the last filter text, for n and N once the filter is gone */
    struct tview_form *form;      /* the open form (forms.c) */
    struct tview_target *confirm; /* the targets of the open confirmation (tview_ask.c) */
    size_t nconfirm;
    struct tview_target *inflight; /* targets of running batches, for their messages */
    size_t ninflight;
};

/* A record an action is about to change. */
struct tview_target {
    struct backend *be;
    char *id;
    char *label;      /* what the operator knows it by */
    char *key;        /* its row key (pending marks) */
    const char *past; /* while in flight: what the action does, for its message */
};

void tview_init(struct tview *tv, struct app *app, const struct tview_spec *spec);
void tview_done(struct tview *tv);
void tview_resize(struct tview *tv, int rows, int cols);
void tview_draw(struct tview *tv, WINDOW *win);
/* For a draw_body: shown row `row` on line y of win, as the table draws it (cursor, marks,
 * pending); a message centred in the body; why the table has no rows to show (owned), or
 * NULL when it has some. */
void tview_draw_row(struct tview *tv, WINDOW *win, int y, size_t row);
void tview_message(struct tview *tv, WINDOW *win, const char *msg);
char *tview_empty_reason(struct tview *tv);
/* Moves, marks, sort, follow, filter, find, details. Returns view_result bits. */
int tview_key(struct tview *tv, enum action act);
void tview_model_changed(struct tview *tv, struct backend *be, int kind);
/* The view_ops export hook: the shown rows as CSV. */
int tview_export(void *state, FILE *f, char **err);
/* The view_ops columns and column_cmd hooks (:sort, :columns). */
size_t tview_columns(void *state, const char **out, size_t max);
int tview_column_cmd(void *state, const char *cmd, const char *arg, char **err);
/* The counts for the header, and marks, filter and errors for the status line. */
void tview_summary(struct tview *tv, char *header, size_t hsize, char *status, size_t ssize);
/* The marked records (those the filter hides included, counted in *hidden), else the one
 * under the cursor; rows with an action in flight are left out. */
size_t tview_targets(struct tview *tv, struct tview_target **out, size_t *hidden);
void tview_targets_free(struct tview_target *t, size_t n);
/* An action on the row with this key is under way / over. */
void tview_set_pending(struct tview *tv, const char *key, bool on);
/* views/tview_ask.c: why the destructive verb cannot run now (NULL: it can), and the
 * confirmation that runs it on the marked rows, else the cursor's. */
const char *tview_destroy_blocked(const struct tview *tv);
void tview_ask_destroy(struct tview *tv);

/* Delete the targets (taken), one batch per backend: each row shows pending until its
 * item settles, and the outcome is flashed with the spec's past tense ("hung up"). */
void tview_delete(struct tview *tv, struct tview_target *t, size_t n);
/* Apply the same change (its op, names and values; kind and id are filled in) to every
 * target, like tview_delete(); past ("paused") names the outcome in messages. */
void tview_change(struct tview *tv, struct tview_target *t, size_t n, const struct change *c,
                  const char *past);

/* views/addrange.c: A with "How many" above 1. The records a form's create tmpl makes:
 * key (the schema's "extension") counts up from its value, keeping its width, and "{ext}"
 * in other values becomes each number. The names are the schema's static strings. */
struct addrange {
    const char **names;
    int nvalues;
    char ***values; /* [n][nvalues]; NULL entries: not sent */
    size_t n;
    char from[32], to[32]; /* the first and last key, for messages */
};
bool addrange_offered(int kind);
int addrange_expand(const struct change *tmpl, const char *key, const char *count,
                    struct addrange *out, char **err);
void addrange_free(struct addrange *r);
/* Create every record of r on be, as one plan (r is left to the caller). */
void tview_create_range(struct tview *tv, struct backend *be, const struct addrange *r);

/* views/preview.c: show what a bulk edit c would change on each target (taken) and run it
 * on y; rs marks the secret fields. */
void tview_preview_open(struct tview *tv, struct tview_target *t, size_t n, const struct change *c,
                        const struct record_schema *rs);

/* views/forms.c: add (A), edit (e), bulk edit (E), pause a member (p), penalty (P). True when
 * act is one of them (it is then handled). */
bool tview_form_key(struct tview *tv, enum action act);
/* Why one of those actions cannot run now, or NULL. */
const char *tview_form_blocked(const struct tview *tv, enum action act);
void tview_form_free(struct tview_form *f);

/* Show these spec columns (indices into spec->cols), in this order, after the fleet's
 * BACKEND column. */
void tview_set_shown(struct tview *tv, const int *cols, int n);
/* The table spec of a kind (views/records.c), or NULL. */
const struct tview_spec *tview_spec_of(int kind);
extern const struct tview_spec channels_spec;

/* views/columns.c: the column chooser. The [columns] list of a spec into spec column
 * indices; -1 with *err (owned) on an unknown or repeated name. */
int columns_parse(const struct tview_spec *sp, const char *list, int *out, int *n, char **err);
/* Show what the config's [columns] section says for tv's view. */
void columns_load(struct tview *tv);
/* Open the chooser over tv. */
void columns_open(struct tview *tv);
/* Show these spec columns and save the choice to the config's [columns]; the outcome is
 * flashed. */
void columns_save(struct tview *tv, const int *cols, int n);

/* Whether be's rows are stale (why, into buf), for verbs that need fresh data. */
bool tview_stale(const struct tview *tv, struct backend *be, char *why, size_t size);
/* Whether the kind can be shown: one backend that supports it, or any in the fleet. */
bool tview_supported(const struct tview *tv);

#endif
