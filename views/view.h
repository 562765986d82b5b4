/* A view is a const struct of callbacks plus private state (tmux's window_mode, sngrep's
 * ui_t). The app owns the stack of views; the top one draws the body and gets keys first. */
#ifndef PBXTOP_VIEWS_VIEW_H
#define PBXTOP_VIEWS_VIEW_H

#include <curses.h>
#include <stddef.h>
#include <stdio.h>

#include "tui/input.h"

struct app;
struct backend;

enum view_result {
    VIEW_IGNORED = 0, /* fall through to the global keys */
    VIEW_HANDLED = 1 << 0,
    VIEW_REDRAW = 1 << 1,
    VIEW_CLOSE = 1 << 2, /* pop this view */
};

struct keyhint {
    enum action act;
    const char *label; /* "Hang up" */
};

struct view_ops {
    const char *name; /* "channels"; also the -v and :command name */
    int kind;         /* the enum kind it shows, -1 for none */
    void *(*create)(struct app *app);
    void (*destroy)(void *state);
    /* The body area changed size. */
    void (*resize)(void *state, int rows, int cols);
    /* Draw the body into win (its own coordinates); reads the model, never blocks. */
    void (*draw)(void *state, WINDOW *win);
    /* A key: its action (ACT_NONE if unbound) and the raw key. Returns view_result bits. */
    int (*key)(void *state, enum action act, int ch);
    /* New data or a state change from a backend (kind -1: state only). */
    void (*model_changed)(void *state, struct backend *be, int kind);
    /* Right-hand text of the header ("14 calls") and left of the status line ("2 marked"). */
    void (*summary)(void *state, char *header, size_t hsize, char *status, size_t ssize);
    /* Whether an action applies now; NULL text when it does, else why not (for help). */
    const char *(*blocked)(void *state, enum action act);
    const struct keyhint *hints; /* ends with ACT_NONE */
    /* :w FILE: write the rows the view shows (its filter, its order) to f as CSV with
     * out_print(). Returns the number of rows, or -1 with *err (owned). NULL: :w writes
     * every record of the view's kind, as `pbxtop get -o csv` would. */
    int (*export)(void *state, FILE *f, char **err);
    /* Every column's name, shown or not, into out (borrowed); returns how many. For the
     * completion of :sort and :columns. NULL: the view has no columns. */
    size_t (*columns)(void *state, const char **out, size_t max);
    /* :sort COLUMN (a leading - reverses) or :columns LIST. Returns 0, or -1 with *err
     * (owned) naming the problem. */
    int (*column_cmd)(void *state, const char *cmd, const char *arg, char **err);
};

extern const struct view_ops channels_view_ops;
/* views/records.c: one table view for every kind of record. */
extern const struct view_ops extensions_view_ops;
extern const struct view_ops ringgroups_view_ops;
extern const struct view_ops queuemembers_view_ops;
extern const struct view_ops queues_view_ops;
extern const struct view_ops help_view_ops;
/* views/backends.c: every configured backend, its state and what it supports. */
extern const struct view_ops backends_view_ops;

/* views/details.c: push a view with every field of record `id` of `kind` on be, which
 * follows the record across polls (and says so when it is gone); the raw key shows the
 * backend's own JSON. */
void details_open(struct app *app, struct backend *be, int kind, const char *id);

struct config;
/* views/columns.c: check the config's [columns] lists against the views' columns, before
 * the console starts; -1 with *err ("PATH:LINE: ...", owned) on a bad one. */
int columns_check(const struct config *cfg, char **err);

#endif
