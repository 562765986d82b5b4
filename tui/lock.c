#define _POSIX_C_SOURCE 200809L
#include "tui/lock.h"

#include <curses.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui/app.h"
#include "tui/batch.h"
#include "tui/clock.h"
#include "tui/dialog.h"
#include "tui/kdfjob.h"
#include "tui/log.h"
#include "tui/passphrase.h"
#include "tui/xalloc.h"

struct lock {
    char *path;
    struct keyring *kr; /* NULL while locked */
    int64_t after_ms;
    int64_t last_key;
    struct keyring_file *f; /* read for the unlock under way */
    struct kdf_job *job;
    int tries;
    char *note;            /* why the dialog asks again */
    char *err;             /* why the last unlock failed */
    struct dialog *dialog; /* the open passphrase dialog (the app owns it) */
    lock_done_fn done;
    int start_result; /* lock_unlock_at_start: 0 running, 1 open, -1 failed */
};

struct lock *lock_new(const char *path, struct keyring *kr, int64_t after_ms)
{
    struct lock *l = xcalloc(1, sizeof *l);
    l->path = xstrdup(path);
    l->kr = kr;
    l->after_ms = after_ms;
    l->last_key = clock_mono_ms();
    return l;
}

void lock_free(struct lock *l)
{
    if (!l)
        return;
    if (l->job) {
        struct keyring *kr = NULL;
        char *err = NULL;
        (void)kdf_job_finish(l->job, &kr, &err);
        keyring_free(kr);
        free(err);
    }
    keyring_file_free(l->f);
    keyring_free(l->kr);
    free(l->note);
    free(l->err);
    free(l->path);
    free(l);
}

bool lock_locked(const struct lock *l)
{
    return l && !l->kr;
}

const struct keyring *lock_keyring(const struct lock *l)
{
    return l ? l->kr : NULL;
}

const char *lock_path(const struct lock *l)
{
    return l->path;
}

const char *lock_error(const struct lock *l)
{
    return l && l->err ? l->err : "";
}

bool lock_asking(const struct lock *l)
{
    return l && l->done;
}

bool lock_busy(const struct lock *l)
{
    return l && l->job;
}

int lock_fd(const struct lock *l)
{
    return l && l->job ? kdf_job_fd(l->job) : -1;
}

void lock_key_pressed(struct lock *l, int64_t now)
{
    if (l)
        l->last_key = now;
}

int lock_due_ms(const struct lock *l, int64_t now, int cap)
{
    if (!l || !l->kr || !l->after_ms)
        return cap;
    int64_t left = l->last_key + l->after_ms - now;
    return left < 0 ? 0 : left < cap ? (int)left : cap;
}

bool lock_tick(struct lock *l, int64_t now)
{
    if (!l || !l->kr || !l->after_ms || now - l->last_key < l->after_ms)
        return false;
    /* The backends keep the credentials they hold (polling goes on); the keyring and its
     * key go, so the next change needs the passphrase again. */
    keyring_free(l->kr);
    l->kr = NULL;
    log_msg("keyring: locked after %lld s without a key", (long long)(l->after_ms / 1000));
    return true;
}

static void finish(struct app *app, bool ok)
{
    struct lock *l = app->lock;
    keyring_file_free(l->f);
    l->f = NULL;
    free(l->note);
    l->note = NULL;
    lock_done_fn done = l->done;
    l->done = NULL;
    app_dirty(app);
    done(app, ok);
}

static void fail(struct app *app, char *err)
{
    free(app->lock->err);
    app->lock->err = err;
    finish(app, false);
}

static void start_job(struct app *app, const char *pass, size_t len)
{
    app->lock->job = kdf_job_start(app->lock->f, pass, len);
    app_dirty(app);
}

static void on_passphrase(void *ud, bool confirmed)
{
    struct app *app = ud;
    struct dialog *d = app->lock->dialog;
    app->lock->dialog = NULL;
    if (!confirmed) {
        fail(app, xstrdup("cancelled; the keyring stays locked"));
        return;
    }
    const char *pass = dialog_input(d, 0);
    start_job(app, pass, strlen(pass));
}

/* Scripts and tests: the next line of PBXTOP_PASSPHRASE_FD instead of the dialog. */
static void ask_fd(struct app *app)
{
    char *pass = NULL, *err = NULL;
    size_t len = 0;
    if (passphrase_read("", 0, &pass, &len, &err) != PASS_OK) {
        fail(app, err);
        return;
    }
    start_job(app, pass, len);
    secret_free(pass);
}

static void ask_again(struct app *app)
{
    struct lock *l = app->lock;
    char *err = NULL;
    keyring_file_free(l->f);
    l->f = NULL;
    /* Read again each time: another pbxtop may have saved it meanwhile. */
    if (keyring_file_read(l->path, &l->f, &err) != KR_OK) {
        fail(app, err);
        return;
    }
    const char *fd = getenv("PBXTOP_PASSPHRASE_FD");
    if (fd && *fd) {
        ask_fd(app);
        return;
    }
    struct dialog *d = dialog_new("Unlock the keyring", "Unlock", false);
    dialog_add_line(d, l->note ? l->note : "A change needs the keyring's passphrase.");
    char *where = xasprintf("Keyring: %s", l->path);
    dialog_add_line(d, where);
    free(where);
    int field = dialog_add_input(d, "Passphrase:", "", NULL);
    dialog_set_secret(d, field);
    l->dialog = d;
    app_open_dialog(app, d, on_passphrase, app);
}

void lock_ask(struct app *app, lock_done_fn done)
{
    struct lock *l = app->lock;
    l->done = done;
    l->tries = 0;
    ask_again(app);
}

void lock_job_ready(struct app *app)
{
    struct lock *l = app->lock;
    struct keyring *kr = NULL;
    char *err = NULL;
    enum kr_status st = kdf_job_finish(l->job, &kr, &err);
    l->job = NULL;
    if (st == KR_OK) {
        free(err);
        l->kr = kr;
        l->last_key = clock_mono_ms();
        log_msg("keyring: %s: unlocked, %zu entries", l->path, keyring_count(kr));
        finish(app, true);
        return;
    }
    log_msg("keyring: %s: unlocking failed", l->path);
    if (st == KR_ERR_LOCKED && ++l->tries < LOCK_TRIES) {
        free(err);
        free(l->note);
        l->note = xasprintf("Wrong passphrase; try again (%d of %d).", l->tries + 1, LOCK_TRIES);
        ask_again(app);
        return;
    }
    char *msg = st == KR_ERR_LOCKED
                    ? xasprintf("%s: wrong passphrase (%d tries)", l->path, l->tries)
                    : xasprintf("%s: %s", l->path, err);
    free(err);
    fail(app, msg);
}

void lock_draw(const struct app *app)
{
    static const char text[] = "  unlocking the keyring...  ";
    if (!lock_busy(app->lock))
        return;
    int w = (int)sizeof text - 1, y = LINES / 2, x = (COLS - w) / 2;
    attrset(A_REVERSE);
    (void)mvaddstr(y, x > 0 ? x : 0, text);
    attrset(A_NORMAL);
}

static void start_done(struct app *app, bool ok)
{
    app->lock->start_result = ok ? 1 : -1;
}

static void draw_start(struct app *app)
{
    erase();
    (void)mvaddstr(0, 0, " pbxtop");
    if (app->dialog && !lock_busy(app->lock))
        dialog_draw(app->dialog, stdscr, LINES, COLS, app->text_flags);
    lock_draw(app);
    (void)curs_set(0);
    wnoutrefresh(stdscr);
    doupdate();
}

/* Signals at start: stop (SIGINT, SIGTERM, SIGHUP) or carry on. */
static bool start_signal(int sig_fd, int *code)
{
    unsigned char sig;
    bool stop = false;
    while (read(sig_fd, &sig, 1) == 1) {
        if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
            *code = 128 + sig;
            stop = true;
        }
    }
    return stop;
}

int lock_unlock_at_start(struct app *app, int sig_fd)
{
    struct lock *l = app->lock;
    int code = EXIT_KEYRING, ch;
    l->start_result = 0;
    l->note = xstrdup("The backends' passwords are in the keyring.");
    lock_ask(app, start_done);
    while (l->start_result == 0) {
        draw_start(app);
        struct pollfd p[3] = {{.fd = STDIN_FILENO, .events = POLLIN},
                              {.fd = sig_fd, .events = POLLIN},
                              {.fd = lock_fd(l), .events = POLLIN}};
        (void)poll(p, 3, 1000);
        if (start_signal(sig_fd, &code)) {
            free(l->err);
            l->err = xstrdup("interrupted; the keyring stays locked");
            return code;
        }
        while (l->start_result == 0 && (ch = getch()) != ERR) {
            if (ch != KEY_RESIZE && app->dialog && !lock_busy(l))
                app_dialog_key(app, ch);
        }
        if (l->start_result == 0 && lock_busy(l) && (p[2].revents & POLLIN))
            lock_job_ready(app);
    }
    return l->start_result > 0 ? 0 : code;
}
