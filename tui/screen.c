#define _POSIX_C_SOURCE 200809L
#include "tui/screen.h"

#include <curses.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/backend.h"
#include "themes/theme.h"
#include "tui/app.h"
#include "tui/clock.h"
#include "tui/dialog.h"
#include "tui/lock.h"
#include "tui/prompt.h"
#include "tui/text.h"
#include "views/view.h"

static bool active;
static WINDOW *body;

void screen_init(bool no_color)
{
    if (!initscr())
        die("cannot initialise the terminal (is TERM set?)");
    active = true;
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    (void)curs_set(0);
    theme_init(no_color);
    body = derwin(stdscr, LINES > 2 ? LINES - 2 : 1, COLS, 1, 0);
}

void screen_end(void)
{
    if (!active)
        return;
    active = false;
    if (body)
        delwin(body);
    body = NULL;
    (void)curs_set(1);
    endwin();
}

void screen_suspend(struct app *app)
{
    struct sigaction dfl = {.sa_handler = SIG_DFL}, old;
    def_prog_mode();
    endwin();
    (void)sigaction(SIGTSTP, &dfl, &old);
    (void)raise(SIGTSTP);
    /* Continued here after `fg`. */
    (void)sigaction(SIGTSTP, &old, NULL);
    reset_prog_mode();
    app->full_redraw = true;
    app->dirty = true;
}

bool screen_too_small(void)
{
    return LINES < SCREEN_MIN_ROWS || COLS < SCREEN_MIN_COLS;
}

void screen_resize(struct app *app)
{
    if (body)
        delwin(body);
    body = derwin(stdscr, LINES > 2 ? LINES - 2 : 1, COLS, 1, 0);
    for (int i = 0; i < app->nviews; i++) {
        const struct view_inst *v = &app->views[i];
        if (v->ops->resize)
            v->ops->resize(v->state, LINES - 2, COLS);
    }
    app->full_redraw = true;
    app->dirty = true;
}

static const char *dot(const struct app *app)
{
    return (app->text_flags & TEXT_ASCII) ? " | " : " \xC2\xB7 ";
}

static void badge(enum role role, const char *text)
{
    (void)addch(' ');
    attrset(theme_attr(role));
    (void)printw(" %s ", text);
    attrset(theme_attr(ROLE_HEADER));
}

/* LOCKED (the keyring), and PAUSED with how long ago, so a forgotten pause shows. */
static void paused_badge(const struct app *app, int64_t now)
{
    char buf[32], age[16];
    if (lock_locked(app->lock))
        badge(ROLE_BADGE_WARN, "LOCKED");
    if (!fleet_paused(app->fleet))
        return;
    clock_format_age((now - app->paused_at) / 1000, age, sizeof age);
    (void)snprintf(buf, sizeof buf, "PAUSED %s", age);
    badge(ROLE_BADGE_WARN, buf);
}

static void header_badges(const struct app *app, enum kind kind, int64_t now)
{
    const struct backend *be = app->be;
    char buf[64], age[16];
    if (be_state(be) == BE_STATE_AUTH_FAILED)
        badge(ROLE_BADGE_ERR, "AUTH FAILED");
    if (be_kind_stale(be, kind) && be_taken_ms(be, kind)) {
        clock_format_age((now - be_taken_ms(be, kind)) / 1000, age, sizeof age);
        (void)snprintf(buf, sizeof buf, "STALE %s", age);
        badge(ROLE_BADGE_WARN, buf);
    }
    int64_t retry = be_retry_in_ms(be, now);
    if (retry >= 0 && be_state(be) != BE_STATE_UP) {
        (void)snprintf(buf, sizeof buf, "DOWN retry %llds", (long long)(retry + 999) / 1000);
        badge(ROLE_BADGE_ERR, buf);
    }
    paused_badge(app, now);
    if (be_insecure(be))
        badge(ROLE_BADGE_WARN, "INSECURE");
}

/* The fleet's header: how many backends are in each state, by word, not by colour. */
static void fleet_badges(const struct app *app, int64_t now)
{
    size_t n = fleet_count(app->fleet), bad = 0, insecure = 0;
    for (size_t i = 0; i < n; i++) {
        const struct backend *be = fleet_at(app->fleet, i);
        bad += be_state(be) != BE_STATE_UP && be_state(be) != BE_STATE_NEW;
        insecure += be_insecure(be);
    }
    char buf[64];
    if (bad) {
        (void)snprintf(buf, sizeof buf, "%zu DOWN", bad);
        badge(ROLE_BADGE_ERR, buf);
    }
    paused_badge(app, now);
    if (insecure)
        badge(ROLE_BADGE_WARN, "INSECURE");
}

/* The view's count at the right end of the header, when it fits. */
static void draw_right(const char *right)
{
    int rw = text_width(right);
    if (rw && COLS - rw - 1 > getcurx(stdscr))
        (void)mvaddstr(0, COLS - rw - 1, right);
    attrset(A_NORMAL);
}

static void draw_fleet_header(struct app *app, int64_t now)
{
    const struct view_ops *base = app->views[0].ops;
    bool ro = true;
    for (size_t i = 0; i < fleet_count(app->fleet); i++)
        ro = ro && be_read_only(fleet_at(app->fleet, i));
    (void)mvprintw(0, 0, " pbxtop%s@all (%zu backends)%s%s%s%s", dot(app), fleet_count(app->fleet),
                   dot(app), base->name, dot(app), ro ? "RO" : "RW");
    fleet_badges(app, now);
}

static void draw_header(struct app *app, const char *right)
{
    const struct backend *be = app->be;
    if (!be) {
        attrset(theme_attr(ROLE_HEADER));
        (void)mvhline(0, 0, ' ', COLS);
        draw_fleet_header(app, clock_mono_ms());
        draw_right(right);
        return;
    }
    int64_t now = clock_mono_ms();
    char age[16], *name = text_sanitized(be_name(be), app->text_flags);
    const struct view_ops *base = app->views[0].ops;
    enum kind kind = base->kind >= 0 ? (enum kind)base->kind : KIND_CHANNELS;
    attrset(theme_attr(ROLE_HEADER));
    (void)mvhline(0, 0, ' ', COLS);
    (void)mvprintw(0, 0, " pbxtop%s%s (%s)%s%s%s%s%s", dot(app), name, be_label(be), dot(app),
                   base->name, dot(app), be_read_only(be) ? "RO" : "RW", dot(app));
    int64_t taken = be_taken_ms(be, kind);
    if (!be_supports(be, kind)) {
        (void)printw("not offered"); /* the body says why */
    } else if (taken) {
        clock_format_age((now - taken) / 1000, age, sizeof age);
        (void)printw("polled %s ago", age);
    } else {
        (void)printw("%s", be_state(be) == BE_STATE_NEW ? "connecting..." : "no data");
    }
    header_badges(app, kind, now);
    draw_right(right);
    free(name);
}

static int hints_width(const struct keyhint *h)
{
    char keys[32];
    int w = 0;
    for (; h && h->act != ACT_NONE; h++) {
        input_hint_keys(h->act, keys, sizeof keys);
        if (*keys)
            w += (int)strlen(keys) + 1 + (int)strlen(h->label) + 2;
    }
    return w;
}

static void draw_hints(const struct keyhint *h, int x)
{
    char keys[32];
    (void)move(LINES - 1, x);
    for (; h && h->act != ACT_NONE; h++) {
        input_hint_keys(h->act, keys, sizeof keys);
        if (!*keys)
            continue; /* unbound in the config: a label without a key would mislead */
        attrset(theme_attr(ROLE_HINT_KEY));
        (void)addstr(keys);
        attrset(theme_attr(ROLE_STATUS));
        (void)printw(" %s  ", h->label);
    }
}

static const struct keyhint global_hints[] = {
    {ACT_HELP, "Help"},
    {ACT_QUIT, "Quit"},
    {ACT_NONE, NULL},
};

static void draw_status(struct app *app, const char *left)
{
    const struct view_inst *top = &app->views[app->nviews - 1];
    attrset(theme_attr(ROLE_STATUS));
    (void)mvhline(LINES - 1, 0, ' ', COLS);
    const char *msg = app->flash ? app->flash : left;
    int hw = hints_width(top->ops->hints) + hints_width(global_hints);
    char buf[512];
    if (app->flash)
        attrset(theme_attr(app->flash_err ? ROLE_FLASH_ERR : ROLE_FLASH_OK));
    /* A message outranks the key hints: they give way when both do not fit. */
    char *safe = text_sanitized(msg, app->text_flags);
    (void)text_fit(safe, COLS - 2, buf, sizeof buf, app->text_flags);
    free(safe);
    (void)mvaddstr(LINES - 1, 1, buf);
    attrset(theme_attr(ROLE_STATUS));
    int x = COLS - hw;
    if (x > text_width(buf) + 2) {
        draw_hints(top->ops->hints, x);
        draw_hints(global_hints, getcurx(stdscr));
    }
    attrset(A_NORMAL);
}

/* The open prompt takes the status line; a message (completion candidates, an error) shows
 * on the row above it. Returns the prompt's cursor column. */
static int draw_prompt(struct app *app)
{
    if (app->flash) {
        char buf[512];
        char *safe = text_sanitized(app->flash, app->text_flags);
        attrset(theme_attr(app->flash_err ? ROLE_FLASH_ERR : ROLE_FLASH_OK));
        (void)mvhline(LINES - 2, 0, ' ', COLS);
        (void)text_fit(safe, COLS - 2, buf, sizeof buf, app->text_flags);
        (void)mvaddstr(LINES - 2, 1, buf);
        attrset(A_NORMAL);
        free(safe);
    }
    return prompt_draw(app, LINES - 1, COLS);
}

static void draw_too_small(void)
{
    char msg[96];
    (void)snprintf(msg, sizeof msg, "Terminal too small: %dx%d (pbxtop needs %dx%d). Q quits.",
                   COLS, LINES, SCREEN_MIN_COLS, SCREEN_MIN_ROWS);
    int len = (int)strlen(msg);
    (void)mvaddnstr(LINES / 2, len < COLS ? (COLS - len) / 2 : 0, msg, COLS);
}

void screen_draw(struct app *app)
{
    char right[64] = "", left[256] = "";
    const struct view_inst *top = &app->views[app->nviews - 1];
    const struct view_inst *base = &app->views[0];
    int cursor_x = -1;
    if (app->full_redraw)
        clearok(curscr, TRUE);
    app->full_redraw = false;
    erase();
    if (screen_too_small()) {
        draw_too_small();
    } else {
        if (base->ops->summary)
            base->ops->summary(base->state, right, sizeof right, left, sizeof left);
        draw_header(app, right);
        werase(body);
        top->ops->draw(top->state, body);
        touchwin(stdscr);
        if (!app->prompt)
            draw_status(app, left);
        if (app->dialog)
            dialog_draw(app->dialog, stdscr, LINES, COLS, app->text_flags);
        lock_draw(app);
        if (app->prompt)
            cursor_x = draw_prompt(app);
    }
    /* The terminal cursor shows only where text is being typed. */
    (void)curs_set(cursor_x >= 0 ? 1 : 0);
    if (cursor_x >= 0)
        (void)move(LINES - 1, cursor_x);
    wnoutrefresh(stdscr);
    doupdate();
}
