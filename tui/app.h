/* The console: one thread, one curl_multi_poll() loop over libcurl's sockets, stdin and a
 * signal pipe; every pass drains all keys, runs finished transfers and due timers, and draws
 * at most once. */
#ifndef PBXTOP_TUI_APP_H
#define PBXTOP_TUI_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "net/backend.h"
#include "tui/config.h"
#include "tui/input.h"
#include "tui/xalloc.h"

struct dialog;
struct history;
struct keyring;
struct lock;
struct prompt;
struct ui_batch;
struct view_ops;

struct app_opts {
    const char *backend; /* -b NAME; NULL: the first */
    const char *view;    /* -v VIEW; NULL: channels */
    int refresh_ms;      /* -d; 0: from the config */
    bool read_only;
    bool no_color;
    bool ascii;
    long max_frames; /* -n; 0: run until quit */
    /* pbxtop demo: its own keyring, already open (taken by app_run), and where it lives.
     * NULL: the user's keyring, opened when a backend needs a secret. */
    struct keyring *keyring;
    const char *keyring_path;
};

/* Called with true when the dialog's confirm button was pressed, false when cancelled. */
typedef void (*dialog_done_fn)(void *ud, bool confirmed);

struct view_inst {
    const struct view_ops *ops;
    void *state;
};

#define APP_MAX_VIEWS 4

struct app {
    struct config *cfg;
    struct fleet *fleet;
    struct backend *be; /* the backend the views show */
    struct view_inst views[APP_MAX_VIEWS];
    int nviews;
    struct dialog *dialog;
    dialog_done_fn dialog_done;
    void *dialog_ud;
    char *flash;
    bool flash_err;
    int64_t flash_until;
    unsigned text_flags; /* TEXT_ASCII when the terminal cannot show UTF-8 */
    bool quit;
    bool dirty;
    bool full_redraw; /* repaint every cell (Ctrl-L, resume) */
    long max_frames;
    long frames;
    int64_t last_second;
    int64_t paused_at;        /* when Z paused polling (monotonic ms) */
    struct ui_batch *batches; /* changes under way (tui/uibatch.c) */
    struct prompt *prompt;    /* the open prompt (tui/prompt.c), or NULL */
    struct history *history;  /* the prompts' recall lists, by prompt_kind */
    struct lock *lock;        /* the keyring (tui/lock.c); NULL when no backend needs one */
};

/* Run the console on cfg until the user quits. Returns the process exit code. */
int app_run(struct config *cfg, const struct app_opts *opts);

/* Show a message in the status line for a few seconds. */
void app_flash(struct app *app, bool error, const char *fmt, ...) PBX_PRINTF(3, 4);
/* Open a modal dialog (the app owns it); `done` runs when it closes. */
void app_open_dialog(struct app *app, struct dialog *d, dialog_done_fn done, void *ud);
/* Hand a key to the open dialog; closes it (calling its owner) when answered. */
void app_dialog_key(struct app *app, int ch);
/* Push a view on top of the stack. */
void app_push_view(struct app *app, const struct view_ops *ops);
/* The view under the top one (what help describes), or NULL. */
const struct view_inst *app_view_below(const struct app *app);
void app_dirty(struct app *app);
/* Do what a key bound to act does: the top view gets it first (with the action's first key,
 * or 0), then the global keys. How a :command runs its binding. */
void app_action(struct app *app, enum action act);

/* Show backend be in the table views; NULL shows every backend at once (the fleet view). */
void app_show_backend(struct app *app, struct backend *be);
/* Make the view named `name` (long or short form, as -v takes) the base view. False when
 * there is no such view. */
bool app_show_view(struct app *app, const char *name);

enum prompt_kind {
    PROMPT_COMMAND, /* ':' with completion and its own history */
    PROMPT_FILTER,  /* '/' with its own history */
    PROMPT_TEXT,    /* a plain answer: no history */
};
/* Runs after every edit of the prompt's text (the live filter). */
typedef void (*prompt_change_fn)(void *ud, const char *text);
/* Runs once when the prompt closes: Enter (accepted) or Esc (not accepted). */
typedef void (*prompt_done_fn)(void *ud, const char *text, bool accepted);
/* A one-line prompt in the status line, owned by the app (tui/prompt.c). While it is open,
 * keys go to it before any view. `initial` may be NULL; change may be NULL. Opening a
 * prompt while one is open cancels the old one first. */
void app_prompt(struct app *app, enum prompt_kind kind, const char *label, const char *initial,
                prompt_change_fn change, prompt_done_fn done, void *ud);
/* The owner `ud` of the open prompt is going away: close the prompt without calling it.
 * Does nothing when the prompt belongs to someone else. */
void app_prompt_detach(struct app *app, void *ud);

#endif
