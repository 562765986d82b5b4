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
/* Add a one-line text field under the lines (several make a form). With `expect` set it is
 * a typed confirmation: Enter confirms only once the text equals expect (a count or an id).
 * While a dialog has fields, letters go into the focused field: Enter confirms, Esc cancels,
 * Tab and Down move to the next field, Shift-Tab and Up to the previous one. Returns the
 * field's index. */
int dialog_add_input(struct dialog *d, const char *label, const char *initial, const char *expect);
/* Values the field offers (NULL-terminated, copied): Left and Right put them in turn. */
void dialog_set_choices(struct dialog *d, int field, const char *const *choices);
/* Draw field's text as stars (a password). */
void dialog_set_secret(struct dialog *d, int field);
/* The text of field i ("" when there is none); valid until the next key or the free. */
const char *dialog_input(const struct dialog *d, int field);
/* y confirms; n or Esc cancels; Enter presses the focused button; Tab and arrows move the
 * focus. */
enum dialog_result dialog_key(struct dialog *d, int ch);
/* Draw centred on win (rows x cols), over whatever is there. */
void dialog_draw(struct dialog *d, WINDOW *win, int rows, int cols, unsigned text_flags);

#endif
