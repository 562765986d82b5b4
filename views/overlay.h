/* What the screens pushed over a table (details, column chooser, bulk-edit preview) share:
 * a line of text drawn safely, and which keys still reach the console beneath them. */
#ifndef PBXTOP_VIEWS_OVERLAY_H
#define PBXTOP_VIEWS_OVERLAY_H

#include <curses.h>

#include "tui/input.h"

/* raw, sanitised and cut to the window's width, at row y from column 1, in attr. */
void overlay_line(WINDOW *win, int y, attr_t attr, const char *raw, unsigned text_flags);
/* A key the overlay itself does not take: the console's global keys (quit, help, pause,
 * poll, redraw) fall through; every other one is swallowed, so that the table's keys (hang
 * up, mark...) never act on rows the operator cannot see. Returns view_result bits. */
int overlay_other_key(enum action act);

#endif
