#define _POSIX_C_SOURCE 200809L
#include "tui/prompt.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "themes/theme.h"
#include "tui/app.h"
#include "tui/commands.h"
#include "tui/input.h"
#include "tui/lineedit.h"
#include "tui/text.h"

/* PROMPT_COMMAND and PROMPT_FILTER keep a recall list; PROMPT_TEXT does not. */
#define NHISTORIES PROMPT_TEXT

struct prompt {
    enum prompt_kind kind;
    char *label;
    struct lineedit le;
    prompt_change_fn change;
    prompt_done_fn done;
    void *ud;
    size_t back; /* 0: the line being typed; n: the n-th newest recalled entry */
    char *draft; /* the line being typed, kept while an older entry is shown */
};

static struct history *history_of(struct app *app, enum prompt_kind kind)
{
    if (kind >= NHISTORIES)
        return NULL;
    if (!app->history)
        app->history = xcalloc(NHISTORIES, sizeof *app->history);
    return &app->history[kind];
}

static void prompt_free(struct prompt *p)
{
    if (!p)
        return;
    free(p->label);
    free(p->draft);
    free(p);
}

/* Close the prompt, then tell its owner: done may open another prompt. */
static void finish(struct app *app, bool accepted)
{
    struct prompt *p = app->prompt;
    app->prompt = NULL;
    app->dirty = true;
    struct history *h = history_of(app, p->kind);
    if (accepted && h)
        hist_add(h, p->le.buf);
    char *text = xstrdup(p->le.buf);
    prompt_done_fn done = p->done;
    void *ud = p->ud;
    prompt_free(p);
    done(ud, text, accepted);
    free(text);
}

void app_prompt(struct app *app, enum prompt_kind kind, const char *label, const char *initial,
                prompt_change_fn change, prompt_done_fn done, void *ud)
{
    /* The old owner hears "cancelled"; should it open a prompt of its own from there, that
     * one gives way too, without a second chance. */
    if (app->prompt)
        finish(app, false);
    if (app->prompt) {
        prompt_free(app->prompt);
        app->prompt = NULL;
    }
    struct prompt *p = xcalloc(1, sizeof *p);
    p->kind = kind;
    p->label = xstrdup(label ? label : "");
    le_set(&p->le, initial);
    p->change = change;
    p->done = done;
    p->ud = ud;
    app->prompt = p;
    app->dirty = true;
}

void app_prompt_detach(struct app *app, void *ud)
{
    if (app->prompt && ud && app->prompt->ud == ud) {
        prompt_free(app->prompt);
        app->prompt = NULL;
        app->dirty = true;
    }
}

void prompt_cleanup(struct app *app)
{
    prompt_free(app->prompt);
    app->prompt = NULL;
    for (int k = 0; app->history && k < NHISTORIES; k++)
        hist_clear(&app->history[k]);
    free(app->history);
    app->history = NULL;
}

/* Up (older, step 1) and Down (newer, step -1) through the recall list; below the newest
 * entry is the line that was being typed. */
static bool recall(struct app *app, struct prompt *p, int step)
{
    const struct history *h = history_of(app, p->kind);
    if (!h || (step < 0 && p->back == 0) || (step > 0 && p->back >= h->n))
        return false;
    if (p->back == 0) {
        free(p->draft);
        p->draft = xstrdup(p->le.buf);
    }
    p->back = step > 0 ? p->back + 1 : p->back - 1;
    le_set(&p->le, p->back ? hist_get(h, p->back - 1) : p->draft);
    return true;
}

static bool complete(struct app *app, struct prompt *p)
{
    if (p->kind != PROMPT_COMMAND)
        return false;
    char *head = xstrndup(p->le.buf, p->le.cur);
    char *done = cmd_complete(app, head);
    bool changed = done && strcmp(done, head) != 0 && le_replace_head(&p->le, done);
    free(done);
    free(head);
    return changed;
}

/* The editing keys; true when the text changed. */
static bool edit(struct lineedit *le, int ch)
{
    switch (ch) {
    case KEY_LEFT:
    case KEY_CTRL('b'):
        le_left(le);
        return false;
    case KEY_RIGHT:
    case KEY_CTRL('f'):
        le_right(le);
        return false;
    case KEY_HOME:
    case KEY_CTRL('a'):
        le_home(le);
        return false;
    case KEY_END:
    case KEY_CTRL('e'):
        le_end(le);
        return false;
    case KEY_BACKSPACE:
    case 127:
    case KEY_CTRL('h'):
        return le_backspace(le);
    case KEY_DC:
    case KEY_CTRL('d'):
        return le_delete(le);
    case KEY_CTRL('u'):
        return le_kill_to_start(le);
    case KEY_CTRL('k'):
        return le_kill_to_end(le);
    case KEY_CTRL('w'):
        return le_kill_word(le);
    default:
        /* Bytes of typed text, UTF-8 included; other keys (F-keys...) do nothing here. */
        return ch >= 0x20 && ch <= 0xFF && le_feed_byte(le, (unsigned char)ch);
    }
}

void prompt_key(struct app *app, int ch)
{
    struct prompt *p = app->prompt;
    bool changed;
    app->dirty = true;
    switch (ch) {
    case '\n':
    case '\r':
    case KEY_ENTER:
        finish(app, true);
        return;
    case KEY_ESC:
    case KEY_CTRL('g'):
        finish(app, false);
        return;
    case '\t':
        changed = complete(app, p);
        break;
    case KEY_UP:
    case KEY_CTRL('p'):
        changed = recall(app, p, 1);
        break;
    case KEY_DOWN:
    case KEY_CTRL('n'):
        changed = recall(app, p, -1);
        break;
    default:
        changed = edit(&p->le, ch);
        break;
    }
    if (changed && p->change)
        p->change(p->ud, p->le.buf);
}

/* The display width of one code point of sanitised text. */
static int cp_cols(const char *s, size_t n)
{
    char one[8];
    memcpy(one, s, n);
    one[n] = '\0';
    return text_width(one);
}

/* The tail of sanitised text s that fits in `cols` columns. */
static const char *fit_tail(const char *s, int cols)
{
    int w = text_width(s);
    size_t len = strlen(s);
    while (w > cols && *s) {
        unsigned cp;
        size_t n = text_utf8_decode(s, len, &cp);
        n = n ? n : 1;
        w -= cp_cols(s, n);
        s += n;
        len -= n;
    }
    return s;
}

int prompt_draw(const struct app *app, int y, int cols)
{
    const struct prompt *p = app->prompt;
    unsigned flags = app->text_flags;
    char *label = text_sanitized(p->label, flags);
    char *head_raw = xstrndup(p->le.buf, p->le.cur);
    char *head = text_sanitized(head_raw, flags);
    char *tail = text_sanitized(p->le.buf + p->le.cur, flags);
    const char *ell = (flags & TEXT_ASCII) ? "~" : "\xE2\x80\xA6";
    char buf[1024];
    attrset(theme_attr(ROLE_NORMAL));
    (void)mvhline(y, 0, ' ', cols);
    (void)text_fit(label, cols / 2, buf, sizeof buf, flags);
    (void)mvaddstr(y, 0, buf);
    int x = getcurx(stdscr);
    int room = cols - x - 1; /* the last column stays free for the cursor */
    if (text_width(head) > room) {
        /* Scrolled: the text near the cursor shows, an ellipsis says there is more. */
        (void)addstr(ell);
        (void)addstr(fit_tail(head, room - 1));
    } else {
        (void)addstr(head);
    }
    int cx = getcurx(stdscr);
    (void)text_fit(tail, cols - cx - 1, buf, sizeof buf, flags);
    (void)addstr(buf);
    attrset(A_NORMAL);
    free(label);
    free(head_raw);
    free(head);
    free(tail);
    return cx;
}
