/* The rows of a table view: records from one backend or from all of them (the fleet view),
 * filtered, sorted by any column, with a cursor and marks that follow each record's key
 * (its source and id) when a poll replaces the data. No curses and no backends here, so it
 * is tested on hand-built snapshots. */
#ifndef PBXTOP_TUI_ROWS_H
#define PBXTOP_TUI_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/model.h"
#include "tui/filter.h"
#include "tui/idset.h"
#include "tui/input.h"

enum rows_order {
    ORDER_TEXT,  /* natural order: "9" before "10" */
    ORDER_BYTES, /* plain byte order, for names with hex parts ("PJSIP/trunk-0000034b") */
    ORDER_NUM,   /* integers; null and text last */
    ORDER_AGE,   /* by how long the record has run (its start time): shortest first */
};

#define ROWS_COMPUTED (-1) /* the cell comes from text() */
#define ROWS_SOURCE   (-2) /* the cell is the source's name (the fleet view's BACKEND) */

struct rows_col {
    const char *name; /* "channel": for "column:text" filters, the sort line and the config */
    int field;        /* the record's field it shows, ROWS_COMPUTED or ROWS_SOURCE */
    enum rows_order order;
    /* The cell of a computed column (raw: the view sanitises it). */
    void (*text)(const struct record *r, int64_t now_ms, char *buf, size_t size);
};

/* Where rows come from: one backend's snapshot of the view's kind (NULL: none yet). */
struct rows_src {
    const char *name;  /* the backend's name: part of every row's key */
    const char *label; /* its ROWS_SOURCE cell ("office (stale)"), NULL: the name */
    const struct snapshot *snap;
    void *tag; /* the caller's (the backend) */
};

struct row {
    unsigned src;
    unsigned idx;
};

#define ROWS_KEY_MAX 640 /* backend name + '\x1f' + id, cut: ids are checked to be short */

struct rows {
    const struct rows_col *cols;
    int ncols;
    struct rows_src *src;
    unsigned nsrc;
    struct row *all; /* every row of every source, in source order */
    size_t nall, capall;
    struct row *vis; /* rows that pass the filter, sorted */
    size_t nvis, capvis;
    struct row *order; /* every row, sorted: a new filter walks it instead of sorting again */
    size_t capord;
    bool ordered; /* order is up to date with all and the sort */
    struct filter filter;
    char *filter_text;
    int sort_col;    /* index into cols */
    bool sort_rev;   /* descending */
    int group_field; /* the record field rows are grouped by (rows_set_group), -1: none */
    bool follow;     /* the cursor stays on its record (true) or on its row (false) */
    int cursor, top, height;
    char *cursor_key;
    struct idset marks; /* row keys */
    int64_t now_ms;     /* the time computed cells are shown for */
};

void rows_init(struct rows *r, const struct rows_col *cols, int ncols, int sort_col);
void rows_done(struct rows *r);
/* Take new sources (copied; their snapshots borrowed until the next call): marks of records
 * that left are dropped; the filter and the order are applied again and the cursor put back
 * on its record (follow) or its row. */
void rows_set_sources(struct rows *r, const struct rows_src *src, unsigned n, int64_t now_ms);
/* A new filter text ("" clears it); the cursor stays on its record if it still shows. */
void rows_set_filter(struct rows *r, const char *text);
void rows_set_sort(struct rows *r, int col, bool reverse);
/* Keep together the rows of one source that hold the same value of record field `field`
 * (the queue of a member): groups in rows_group_cmp() order, rows sorted by the sort column
 * within each. -1 ends the grouping. */
void rows_set_group(struct rows *r, int field);
/* The order of the groups: source names, then the values (natural order, null last); turned
 * round (null still last) when the table is sorted backwards by that field or by source. */
int rows_group_cmp(const struct rows *r, unsigned src_a, const char *val_a, unsigned src_b,
                   const char *val_b);
void rows_resize(struct rows *r, int height);
void rows_set_cursor(struct rows *r, int row);
/* Moves, marks, sort and follow keys; false for any other action. */
bool rows_key(struct rows *r, enum action act);
/* Move the cursor to the next (dir 1) or previous (dir -1) row whose cells contain text,
 * wrapping round; false when no row does. Hides nothing. */
bool rows_find(struct rows *r, const char *text, int dir);

/* The shown row `row` (< nvis): its record and its source. */
const struct record *rows_rec(const struct rows *r, size_t row);
const struct rows_src *rows_src_of(const struct rows *r, size_t row);
/* The display text of a cell, before sanitising: booleans as yes/no, lists joined with ", ",
 * null as NULL. Returns buf's text or NULL. */
const char *rows_cell(const struct rows *r, const struct row *w, int col, char *buf, size_t size);
/* The key of a row, into buf. */
const char *rows_key_of(const struct rows *r, const struct row *w, char *buf, size_t size);
bool rows_marked(const struct rows *r, size_t row);
/* Marked records that the filter hides. */
size_t rows_marks_hidden(const struct rows *r);
/* The rows an action targets: every marked row (shown ones first, in screen order, then the
 * ones the filter hides), else the one under the cursor. *out is owned by the caller. */
size_t rows_targets(const struct rows *r, struct row **out);
/* The column named name (ignoring case), or -1. */
int rows_col_named(const struct rows *r, const char *name);

#endif
