/* Table drawing: column widths from minimums, maximums and weights; one row at a time,
 * every cell cut to its width in display columns. Cells must be sanitised already. */
#ifndef PBXTOP_TUI_TABLE_H
#define PBXTOP_TUI_TABLE_H

#include <curses.h>
#include <stdbool.h>

#define TABLE_MAX_COLS 16

struct column {
    const char *title;
    int min;         /* display columns */
    int max;         /* 0: no limit */
    int weight;      /* share of the spare width */
    bool right;      /* right-aligned */
    bool cut_middle; /* when too wide, drop the middle rather than the end */
};

/* Widths for a table `cols` wide (one marker column, one space between cells). Columns
 * that do not fit even at their minimum get width 0 and are not drawn. */
void table_layout(const struct column *c, int n, int cols, int *widths);
/* Keep the cursor inside the window of `height` rows starting at *top. */
void table_scroll(int cursor, int nrows, int height, int *top);
/* The column titles on line y. */
void table_draw_header(WINDOW *win, int y, const struct column *c, int n, const int *widths,
                       attr_t attr);
/* One row on line y: a marker character, then the cells. cell_attr may be NULL, else per
 * cell attributes (0: the row's). */
void table_draw_row(WINDOW *win, int y, const struct column *c, int n, const int *widths,
                    const char *const *cells, char marker, attr_t attr, const attr_t *cell_attr,
                    unsigned text_flags);
/* A one-line message (raw text: it is sanitised here) centred on line y, for a table that has
 * no rows to show ("Loading...", "No live calls", why a backend cannot list a kind). */
void table_draw_message(WINDOW *win, int y, const char *msg, attr_t attr, unsigned text_flags);

#endif
