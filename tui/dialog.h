/* A modal confirmation dialog: a title, lines naming the targets, a confirm and a Cancel
 * button. Destructive dialogs open with Cancel focused, so a stray Enter cancels. */
#ifndef PBXTOP_TUI_DIALOG_H
#define PBXTOP_TUI_DIALOG_H

#include <curses.h>
#include <stdbool.h>

struct dialog;

enum dialog_result {
    DLG_OPEN,
    DLG_CONFIRM,
    DLG_CANCEL,
};

/* Strings are copied; the dialog sanitises everything it draws. */
struct dialog *dialog_new(const char *title, const char *confirm_label, bool destructive);
void dialog_free(struct dialog *d);
void dialog_add_line(struct dialog *d, const char *text);
/* y confirms; n or Esc cancels; Enter presses the focused button; Tab and arrows move the
 * focus. */
enum dialog_result dialog_key(struct dialog *d, int ch);
/* Draw centred on win (rows x cols), over whatever is there. */
void dialog_draw(struct dialog *d, WINDOW *win, int rows, int cols, unsigned text_flags);

#endif
