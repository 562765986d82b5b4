/* The rows of a table view over one snapshot: their sorted order, the cursor and the marks,
 * both following the record's id (never the row) when a poll replaces the snapshot. */
#ifndef PBXTOP_TUI_ROWSEL_H
#define PBXTOP_TUI_ROWSEL_H

#include <stdbool.h>
#include <stddef.h>

#include "net/model.h"
#include "tui/idset.h"
#include "tui/input.h"

/* Orders records a and b of the snapshot (qsort style). */
typedef int (*rowsel_cmp_fn)(const struct snapshot *s, size_t a, size_t b);

struct rowsel {
    const struct snapshot *snap; /* borrowed from the backend until the next change */
    size_t *order;               /* row -> record index */
    size_t n, cap;
    int cursor, top;
    int height; /* table rows on screen */
    char *cursor_id;
    struct idset marks;
};

void rowsel_init(struct rowsel *s);
void rowsel_done(struct rowsel *s);
/* Take a new snapshot (NULL: none yet): sort it, keep the cursor on its record (or on the
 * same row when the record left), drop marks of records that left. */
void rowsel_rebuild(struct rowsel *s, const struct snapshot *snap, rowsel_cmp_fn cmp);
/* The record on row `row` (< n). */
const struct record *rowsel_rec(const struct rowsel *s, int row);
void rowsel_set_cursor(struct rowsel *s, int row);
void rowsel_resize(struct rowsel *s, int height);
/* Moves (up, down, pages, ends) and marks (mark and move down, mark all, clear); false for
 * any other action. */
bool rowsel_key(struct rowsel *s, enum action act);

#endif
