/* The queue members view grouped by queue (views/qgroups.c, views/qgroups_text.c): the layout
 * of one frame (queues, their callers and member rows, as lines) and how its summary and
 * caller lines are drawn. Only records.c's queue members view uses it. */
#ifndef PBXTOP_VIEWS_QGROUPS_H
#define PBXTOP_VIEWS_QGROUPS_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "views/tview.h"

/* One queue of one backend; every pointer is borrowed from the snapshots of the frame. */
struct qgroup {
    unsigned src;           /* index of its backend in tv->rows.src */
    const char *queue;      /* its name; NULL for members in no queue */
    const struct record *q; /* its queues record (strategy, completed...), or NULL */
    size_t row0, nrows;     /* its shown member rows: rows.vis[row0 .. row0 + nrows) */
    int members, logged, avail, paused, in_call; /* over all its members, filter or not */
    size_t c0, nc; /* its waiting callers: qlayout.callers[c0 .. c0 + nc) */
};

enum qline_type {
    QL_HEAD,   /* the summary line */
    QL_NOTE,   /* why its callers are not listed, or how old the list is */
    QL_CALLER, /* one waiting caller (idx: which, in queue order) */
    QL_MORE,   /* "... idx more waiting" */
    QL_ROW,    /* a member row (idx: its row in rows.vis) */
};

struct qline {
    enum qline_type type;
    size_t group;
    size_t idx;
};

struct qlayout {
    struct tview *tv;
    struct qgroup *g; /* in rows_group_cmp() order */
    size_t ng, capg;
    const struct record **callers;
    struct qline *lines;
    size_t nlines, caplines;
    long cursor_line; /* the line of the cursor's row, -1 without rows */
    long cursor_head; /* the first line to keep in sight with it (its queue's heading) */
    char *note[TVIEW_MAX_SOURCES]; /* per backend, a QL_NOTE text or NULL (owned) */
};

/* The lines of tv's rows and the queues around them, for one frame; qlayout_done frees. */
void qlayout_build(struct qlayout *L, struct tview *tv);
void qlayout_done(struct qlayout *L);

/* The spec's draw_body: the rows and their queues, scrolled to keep the cursor in sight. */
void qgroups_draw(struct tview *tv, WINDOW *win);
/* Moves when there are queues but no member rows to put the cursor on; true if handled. */
bool qgroups_key(struct tview *tv, enum action act);

/* views/qgroups_text.c: the summary and caller lines of a layout, with each field as wide
 * as its widest value among the shown queues, so that the numbers line up. */
#define QTEXT_FIELDS 10
struct qtext {
    const struct qlayout *L;
    unsigned flags; /* text flags (--ascii) */
    int width[QTEXT_FIELDS];
    bool on[QTEXT_FIELDS]; /* the fields that fit the window, by priority */
    int party_w, pos_w, wait_w;
    char **heads; /* per group, its summary line (owned), NULL for groups not shown */
};
void qtext_init(struct qtext *T, const struct qlayout *L, int cols);
void qtext_draw(const struct qtext *T, WINDOW *win, int y, const struct qline *ln);
void qtext_done(struct qtext *T);

#endif
