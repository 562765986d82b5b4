#include "tui/table.h"

#include <stdlib.h>
#include <string.h>

#include "tui/text.h"

#define CELL_BYTES 1024

void table_layout(const struct column *c, int n, int cols, int *widths)
{
    int used = 1, spare, weights = 0;
    for (int i = 0; i < n; i++) {
        int need = c[i].min + (i ? 1 : 0);
        widths[i] = used + need <= cols ? c[i].min : 0;
        if (widths[i]) {
            used += need;
            weights += c[i].weight;
        }
    }
    spare = cols - used;
    /* Hand out spare columns by weight; what a capped column cannot take goes round again. */
    while (spare > 0 && weights > 0) {
        int given = 0, share_base = spare, next_weights = 0;
        for (int i = 0; i < n && spare > 0; i++) {
            if (!widths[i] || !c[i].weight || (c[i].max && widths[i] >= c[i].max))
                continue;
            int add = share_base * c[i].weight / weights;
            if (add < 1)
                add = 1;
            if (c[i].max && widths[i] + add > c[i].max)
                add = c[i].max - widths[i];
            if (add > spare)
                add = spare;
            widths[i] += add;
            spare -= add;
            given += add;
            if (!c[i].max || widths[i] < c[i].max)
                next_weights += c[i].weight;
        }
        weights = next_weights;
        if (!given)
            break;
    }
}

void table_scroll(int cursor, int nrows, int height, int *top)
{
    if (height < 1)
        height = 1;
    if (cursor < *top)
        *top = cursor;
    if (cursor >= *top + height)
        *top = cursor - height + 1;
    if (*top > nrows - height)
        *top = nrows - height;
    if (*top < 0)
        *top = 0;
}

/* Append the cell, cut or padded to exactly w columns, at the cursor. */
static void put_cell(WINDOW *win, const char *s, int w, const struct column *c, unsigned flags)
{
    char buf[CELL_BYTES];
    bool right = c->right;
    int got = c->cut_middle ? text_fit_middle(s ? s : "", w, buf, sizeof buf, flags)
                            : text_fit(s ? s : "", w, buf, sizeof buf, flags);
    if (right)
        for (int i = got; i < w; i++)
            (void)waddch(win, ' ');
    (void)waddstr(win, buf);
    if (!right)
        for (int i = got; i < w; i++)
            (void)waddch(win, ' ');
}

void table_draw_header(WINDOW *win, int y, const struct column *c, int n, const int *widths,
                       attr_t attr)
{
    int cols = getmaxx(win);
    wattrset(win, attr);
    (void)mvwhline(win, y, 0, ' ', cols);
    (void)wmove(win, y, 1);
    for (int i = 0; i < n; i++) {
        if (!widths[i])
            continue;
        if (i)
            (void)waddch(win, ' ');
        put_cell(win, c[i].title, widths[i], &c[i], 0);
    }
    wattrset(win, A_NORMAL);
}

void table_draw_row(WINDOW *win, int y, const struct column *c, int n, const int *widths,
                    const char *const *cells, char marker, attr_t attr, const attr_t *cell_attr,
                    unsigned text_flags)
{
    int cols = getmaxx(win);
    wattrset(win, attr);
    (void)mvwhline(win, y, 0, ' ', cols);
    (void)mvwaddch(win, y, 0, (chtype)(unsigned char)marker);
    for (int i = 0; i < n; i++) {
        if (!widths[i])
            continue;
        if (i)
            (void)waddch(win, ' ');
        if (cell_attr && cell_attr[i])
            wattrset(win, cell_attr[i]);
        put_cell(win, cells[i], widths[i], &c[i], text_flags);
        wattrset(win, attr);
    }
    wattrset(win, A_NORMAL);
}

void table_draw_message(WINDOW *win, int y, const char *msg, attr_t attr, unsigned text_flags)
{
    char buf[CELL_BYTES];
    char *safe = text_sanitized(msg, text_flags);
    int cols = getmaxx(win);
    int w = text_fit(safe, cols - 2, buf, sizeof buf, text_flags);
    wattrset(win, attr);
    (void)mvwaddstr(win, y, (cols - w) / 2, buf);
    wattrset(win, A_NORMAL);
    free(safe);
}
