/* curses setup and teardown, layout (header, body, status line) and the drawing of a frame. */
#ifndef PBXTOP_TUI_SCREEN_H
#define PBXTOP_TUI_SCREEN_H

#include <stdbool.h>

struct app;

#define SCREEN_MIN_COLS 80
#define SCREEN_MIN_ROWS 24

/* Start curses (after setlocale): cbreak, no echo, keypad, non-blocking input, 25 ms Esc. */
void screen_init(bool no_color);
/* Give the terminal back as it was; harmless when not started or already ended. */
void screen_end(void);
/* Ctrl-Z: restore the terminal, stop, and take it over again when continued. */
void screen_suspend(struct app *app);
/* Re-read the terminal size after KEY_RESIZE and tell every view. */
void screen_resize(struct app *app);
bool screen_too_small(void);
/* Draw one frame if anything changed: header, body (top view), status line, dialog. */
void screen_draw(struct app *app);

#endif
