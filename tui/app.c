#define _POSIX_C_SOURCE 200809L
#include "tui/app.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui/batch.h"
#include "tui/clock.h"
#include "tui/commands.h"
#include "tui/creds.h"
#include "tui/dialog.h"
#include "tui/keymap.h"
#include "tui/lock.h"
#include "tui/log.h"
#include "tui/prompt.h"
#include "tui/screen.h"
#include "tui/text.h"
#include "tui/uibatch.h"
#include "views/view.h"

#define FLASH_MS    5000
#define MAX_WAIT_MS 1000

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (sig_pipe[1] >= 0)
        (void)!write(sig_pipe[1], &b, 1);
    errno = saved;
}

/* Signals become bytes on a pipe that the loop polls with libcurl's sockets: handlers do
 * nothing else, so no curses or model code runs in signal context. */
static void signals_init(void)
{
    if (pipe(sig_pipe))
        die("pipe: %s", strerror(errno));
    for (int i = 0; i < 2; i++) {
        (void)fcntl(sig_pipe[i], F_SETFL, O_NONBLOCK);
        (void)fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGTSTP, SIGCONT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        (void)sigaction(sigs[i], &sa, NULL);
}

void app_dirty(struct app *app)
{
    app->dirty = true;
}

void app_flash(struct app *app, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(app->flash);
    app->flash = xvasprintf(fmt, ap);
    va_end(ap);
    app->flash_err = error;
    app->flash_until = clock_mono_ms() + FLASH_MS;
    app->dirty = true;
    log_msg("flash: %s", app->flash);
}

void app_open_dialog(struct app *app, struct dialog *d, dialog_done_fn done, void *ud)
{
    dialog_free(app->dialog);
    app->dialog = d;
    app->dialog_done = done;
    app->dialog_ud = ud;
    app->dirty = true;
}

void app_push_view(struct app *app, const struct view_ops *ops)
{
    if (app->nviews == APP_MAX_VIEWS)
        return;
    struct view_inst *v = &app->views[app->nviews++];
    v->ops = ops;
    v->state = ops->create(app);
    if (ops->resize)
        ops->resize(v->state, LINES - 2, COLS);
    app->dirty = true;
}

/* A view's batches and its prompt outlive it; they stop calling it first. */
static void destroy_view(struct app *app, struct view_inst *v)
{
    ui_batch_detach(app, v->state);
    app_prompt_detach(app, v->state);
    v->ops->destroy(v->state);
    v->state = NULL;
}

static void pop_view(struct app *app)
{
    if (app->nviews <= 1)
        return;
    destroy_view(app, &app->views[--app->nviews]);
    app->dirty = true;
}

/* The table views that Tab and Shift-Tab cycle through, in order. */
static const struct view_ops *const base_views[] = {
    &channels_view_ops,     &extensions_view_ops, &ringgroups_view_ops,
    &queuemembers_view_ops, &queues_view_ops,     &backends_view_ops,
};

#define NBASE_VIEWS ((int)(sizeof base_views / sizeof base_views[0]))

/* The base view named `name` (long or short form, as -v takes), or NULL. */
static const struct view_ops *base_view_named(const char *name)
{
    if (strcmp(name, backends_view_ops.name) == 0 || strcmp(name, "be") == 0)
        return &backends_view_ops;
    int kind = kind_from_name(name);
    for (int i = 0; i < NBASE_VIEWS && kind >= 0; i++) {
        if (base_views[i]->kind == kind)
            return base_views[i];
    }
    return NULL;
}

/* Replace the base view by ops. What was on top of it (help) closes, and so does a message
 * about the old view. */
static void replace_base_view(struct app *app, const struct view_ops *ops)
{
    while (app->nviews > 1)
        pop_view(app);
    free(app->flash);
    app->flash = NULL;
    /* The old view stops polling its kind before the new one starts polling its own. */
    destroy_view(app, &app->views[0]);
    app->nviews = 0;
    app_push_view(app, ops);
}

/* Move the base view `step` places along base_views, wrapping round. */
static void cycle_view(struct app *app, int step)
{
    int at = 0;
    for (int i = 0; i < NBASE_VIEWS; i++) {
        if (base_views[i] == app->views[0].ops)
            at = i;
    }
    replace_base_view(app, base_views[(at + step + NBASE_VIEWS) % NBASE_VIEWS]);
}

void app_show_backend(struct app *app, struct backend *be)
{
    app->be = be;
    replace_base_view(app, app->views[0].ops);
}

bool app_show_view(struct app *app, const char *name)
{
    const struct view_ops *ops = base_view_named(name);
    if (!ops)
        return false;
    replace_base_view(app, ops);
    return true;
}

const struct view_inst *app_view_below(const struct app *app)
{
    return app->nviews >= 2 ? &app->views[app->nviews - 2] : NULL;
}

static void on_fleet_change(void *ud, struct backend *be, int kind)
{
    struct app *app = ud;
    for (int i = 0; i < app->nviews; i++) {
        const struct view_inst *v = &app->views[i];
        if (v->ops->model_changed)
            v->ops->model_changed(v->state, be, kind);
    }
    app->dirty = true;
}

/* Close the open dialog (if any) and tell its owner the answer. */
static void close_dialog(struct app *app, bool confirmed)
{
    struct dialog *d = app->dialog;
    if (!d)
        return;
    dialog_done_fn done = app->dialog_done;
    app->dialog = NULL;
    app->dirty = true;
    /* The owner reads the dialog's fields in done(), so it is freed after. */
    done(app->dialog_ud, confirmed);
    dialog_free(d);
}

void app_dialog_key(struct app *app, int ch)
{
    enum dialog_result r = dialog_key(app->dialog, ch);
    app->dirty = true;
    if (r != DLG_OPEN)
        close_dialog(app, r == DLG_CONFIRM);
}

static void quit_anyway(void *ud, bool confirmed)
{
    struct app *app = ud;
    if (confirmed)
        app->quit = true;
}

static void request_quit(struct app *app)
{
    size_t n = fleet_pending_actions(app->fleet) + ui_batch_running(app);
    if (!n) {
        app->quit = true;
        return;
    }
    struct dialog *d = dialog_new("Quit pbxtop?", "Quit", true);
    char *line = xasprintf("%zu action(s) are still waiting for an answer.", n);
    dialog_add_line(d, line);
    dialog_add_line(d, "Quitting now leaves their outcome unknown.");
    free(line);
    app_open_dialog(app, d, quit_anyway, app);
}

static void global_action(struct app *app, enum action act)
{
    switch (act) {
    case ACT_QUIT:
        request_quit(app);
        break;
    case ACT_HELP:
        if (app->views[app->nviews - 1].ops != &help_view_ops)
            app_push_view(app, &help_view_ops);
        break;
    case ACT_PAUSE:
        fleet_pause(app->fleet, !fleet_paused(app->fleet));
        app->paused_at = clock_mono_ms();
        app_flash(app, false,
                  fleet_paused(app->fleet) ? "Polling paused (Z resumes)" : "Polling resumed");
        break;
    case ACT_POLL_NOW:
        fleet_poll_now(app->fleet);
        app_flash(app, false, "Polling now");
        break;
    case ACT_REDRAW:
        app->full_redraw = true;
        break;
    case ACT_NEXT_VIEW:
        cycle_view(app, 1);
        break;
    case ACT_PREV_VIEW:
        cycle_view(app, -1);
        break;
    case ACT_COMMAND:
        cmd_open(app);
        break;
    default:
        break;
    }
    app->dirty = true;
}

/* The top view gets the key first; what it leaves goes to the global keys. */
static void dispatch(struct app *app, enum action act, int ch)
{
    const struct view_inst *top = &app->views[app->nviews - 1];
    int r = top->ops->key(top->state, act, ch);
    if (r & VIEW_CLOSE)
        pop_view(app);
    if (r != VIEW_IGNORED)
        app->dirty = true;
    else
        global_action(app, act);
}

void app_action(struct app *app, enum action act)
{
    dispatch(app, act, input_first_key(act));
}

static void app_key(struct app *app, int ch)
{
    if (ch == KEY_RESIZE) {
        screen_resize(app);
        return;
    }
    /* While the KDF runs, the passphrase dialog is gone and nothing else may act. */
    if (lock_busy(app->lock))
        return;
    lock_key_pressed(app->lock, clock_mono_ms());
    enum action act = input_action(ch);
    if (screen_too_small()) {
        /* Nothing is visible but the size warning: no key may act on a hidden dialog or
         * view, and Q does what the warning says, at once. */
        if (act == ACT_QUIT) {
            close_dialog(app, false);
            app->quit = true;
        }
        return;
    }
    if (app->prompt) {
        prompt_key(app, ch);
        return;
    }
    if (app->dialog) {
        app_dialog_key(app, ch);
        return;
    }
    dispatch(app, act, ch);
}

static void handle_signals(struct app *app, int *exit_code)
{
    unsigned char sig;
    while (read(sig_pipe[0], &sig, 1) == 1) {
        if (sig == SIGTSTP) {
            screen_suspend(app);
        } else if (sig == SIGCONT) {
            app->full_redraw = true;
            app->dirty = true;
        } else {
            app->quit = true;
            *exit_code = 128 + sig;
        }
    }
}

/* How long the loop may sleep: until the next poll, the next whole second (ages and
 * durations tick) or the end of a flash message. */
static int wait_ms(struct app *app, int64_t now)
{
    int ms = fleet_next_due_ms(app->fleet, now, MAX_WAIT_MS);
    int to_second = (int)(1000 - clock_wall_ms() % 1000);
    if (to_second < ms)
        ms = to_second;
    if (app->flash && app->flash_until - now < ms)
        ms = app->flash_until > now ? (int)(app->flash_until - now) : 0;
    return lock_due_ms(app->lock, now, ms);
}

static void timers(struct app *app, int64_t now)
{
    int64_t second = clock_wall_ms() / 1000;
    if (second != app->last_second) {
        app->last_second = second;
        app->dirty = true;
    }
    if (app->flash && now >= app->flash_until) {
        free(app->flash);
        app->flash = NULL;
        app->dirty = true;
    }
    if (lock_tick(app->lock, now))
        app->dirty = true; /* the LOCKED badge */
}

static int loop(struct app *app)
{
    int exit_code = 0;
    struct http *http = fleet_http(app->fleet);
    int fds[3] = {STDIN_FILENO, sig_pipe[0], -1};
    bool ready[3];
    int ch;
    while (!app->quit) {
        int64_t now = clock_mono_ms();
        fds[2] = lock_fd(app->lock);
        http_wait(http, fds, ready, fds[2] >= 0 ? 3 : 2, wait_ms(app, now));
        handle_signals(app, &exit_code);
        http_run(http);
        if (fds[2] >= 0 && ready[2] && !app->quit)
            lock_job_ready(app);
        /* Always drain: curses may hold keys that poll() cannot see. */
        while ((ch = getch()) != ERR && !app->quit)
            app_key(app, ch);
        now = clock_mono_ms();
        fleet_tick(app->fleet, now);
        timers(app, now);
        ui_batch_reap(app);
        if (app->dirty && !app->quit) {
            app->dirty = false;
            screen_draw(app);
            if (app->max_frames && ++app->frames >= app->max_frames)
                app->quit = true;
        }
    }
    return exit_code;
}

static bool conf_named(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->nbackends; i++) {
        if (strcmp(cfg->backends[i].name, name) == 0)
            return true;
    }
    return false;
}

static struct backend *pick_backend(struct fleet *f, const char *name)
{
    if (!name)
        return fleet_at(f, 0);
    return fleet_find(f, name);
}

static void app_done(struct app *app)
{
    ui_batch_detach_all(app);
    while (app->nviews > 0)
        destroy_view(app, &app->views[--app->nviews]);
    dialog_free(app->dialog);
    prompt_cleanup(app);
    free(app->flash);
    lock_free(app->lock);
    app->lock = NULL;
}

/* Before the screen: the keyring's path and its cheap checks, when a backend needs a secret
 * (a missing or damaged keyring is reported plainly, without a prompt). NULL: no keyring. */
static char *keyring_check(const struct config *cfg, const struct app_opts *opts)
{
    if (!opts->keyring && !creds_needed(cfg))
        return NULL;
    char *path = opts->keyring_path ? xstrdup(opts->keyring_path) : keyring_default_path();
    struct keyring_file *f = NULL;
    char *err = NULL;
    if (!opts->keyring && keyring_file_read(path, &f, &err) != KR_OK)
        die_code(EXIT_KEYRING, "%s", err);
    keyring_file_free(f);
    return path;
}

/* Open the keyring (asking at start unless the demo brought it open) and give the backends
 * their secrets, before anything is polled. */
static void keyring_open_at_start(struct app *app, char *path, const struct app_opts *opts)
{
    char *err = NULL;
    app->lock = lock_new(path, opts->keyring, app->cfg->lock_after_ms);
    free(path);
    if (!opts->keyring) {
        int code = lock_unlock_at_start(app, sig_pipe[0]);
        if (code)
            die_code(code, "%s", lock_error(app->lock));
    }
    if (creds_fill(app->cfg, lock_keyring(app->lock), lock_path(app->lock), &err))
        die_code(EXIT_USAGE, "%s: %s", app->cfg->path, err);
}

int app_run(struct config *cfg, const struct app_opts *opts)
{
    struct app app = {.cfg = cfg, .max_frames = opts->max_frames, .dirty = true};
    struct fleet_opts fo = {
        .refresh_ms = opts->refresh_ms ? opts->refresh_ms : cfg->refresh_ms,
        .read_only = opts->read_only || cfg->read_only,
        .keep_raw = true, /* the details view shows it */
    };
    char *err = NULL;
    const struct view_ops *first = opts->view ? base_view_named(opts->view) : &channels_view_ops;
    if (!first)
        die_code(2,
                 "view '%s': expected extensions (ext), ringgroups (rg), channels (ch), "
                 "queuemembers (qm), queues (q) or backends (be)",
                 opts->view);
    if (keymap_apply(cfg->path, cfg->keys, cfg->nkeys, &err) || columns_check(cfg, &err))
        die_code(2, "%s", err);
    if (opts->backend && strcmp(opts->backend, "@all") != 0 && !conf_named(cfg, opts->backend))
        die_code(2, "no backend named '%s' in %s", opts->backend, cfg->path);
    char *keyring_path = keyring_check(cfg, opts);
    const char *codeset = nl_langinfo(CODESET);
    if (opts->ascii || !codeset || strcmp(codeset, "UTF-8") != 0)
        app.text_flags |= TEXT_ASCII;
    signals_init();
    screen_init(opts->no_color);
    cleanup_register(screen_end);
    if (keyring_path)
        keyring_open_at_start(&app, keyring_path, opts);
    app.fleet = fleet_new(cfg->backends, cfg->nbackends, &fo, &err);
    if (!app.fleet)
        die_code(2, "%s:%s", cfg->path, err);
    bool fleet_view = opts->backend && strcmp(opts->backend, "@all") == 0;
    app.be = fleet_view ? NULL : pick_backend(app.fleet, opts->backend);
    if (!app.be && !fleet_view)
        die_code(2, "no backend named '%s' in %s", opts->backend, cfg->path);
    fleet_set_listener(app.fleet, on_fleet_change, &app);
    app_push_view(&app, first);
    ui_batch_offer_resume(&app);
    if (!http_has_async_dns())
        app_flash(&app, true, "libcurl resolves names synchronously: a slow DNS can stall");
    int code = loop(&app);
    screen_end();
    app_done(&app);
    fleet_set_listener(app.fleet, NULL, NULL);
    fleet_logout(app.fleet, 1000);
    fleet_free(app.fleet);
    ui_batch_free_all(&app);
    return code;
}
