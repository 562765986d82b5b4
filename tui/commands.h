/* Command mode (DESIGN.md §6): ':' opens a prompt whose line names a view (:ext, :ch ...),
 * a backend (:backend NAME), an export (:w FILE) or any key binding (:hangup, :filter),
 * which then runs exactly as its key would. */
#ifndef PBXTOP_TUI_COMMANDS_H
#define PBXTOP_TUI_COMMANDS_H

struct app;

/* Open the ':' prompt. */
void cmd_open(struct app *app);
/* Run one command line (what follows the ':'); errors and outcomes go to the status line. */
void cmd_run(struct app *app, const char *line);
/* Tab in the ':' prompt: what `head` (the text before the cursor) completes to, owned, or
 * NULL when nothing matches. Several candidates give their common prefix, and the
 * candidates are shown in the status area. */
char *cmd_complete(struct app *app, const char *head);

#endif
