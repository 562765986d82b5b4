/* The one-line prompt in the status line (app_prompt() in tui/app.h opens it): a line
 * editor, per-kind recall lists, and Tab completion for commands. The app routes keys here
 * while app->prompt is set. */
#ifndef PBXTOP_TUI_PROMPT_H
#define PBXTOP_TUI_PROMPT_H

struct app;

/* A key for the open prompt (app->prompt must be set): edits, recalls, completes, or
 * closes it (Enter accepts, Esc or Ctrl-G cancels). */
void prompt_key(struct app *app, int ch);
/* Draw the open prompt on row y, cols wide, through the sanitiser. Returns the column
 * where the terminal cursor belongs. */
int prompt_draw(const struct app *app, int y, int cols);
/* The app is going away: close the prompt without calling its owner, free the recall
 * lists. */
void prompt_cleanup(struct app *app);

#endif
