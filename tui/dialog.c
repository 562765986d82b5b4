#include "tui/dialog.h"

#include <stdlib.h>
#include <string.h>

#include "themes/theme.h"
#include "tui/input.h"
#include "tui/text.h"
#include "tui/xalloc.h"

#define MAX_WIDTH 76

struct dialog {
    char *title;
    char *confirm;
    char **lines;
    size_t nlines, cap;
    int focus; /* 0 confirm, 1 cancel */
};

struct dialog *dialog_new(const char *title, const char *confirm_label, bool destructive)
{
    struct dialog *d = xcalloc(1, sizeof *d);
    d->title = xstrdup(title);
    d->confirm = xstrdup(confirm_label);
    d->focus = destructive ? 1 : 0;
    return d;
}

void dialog_free(struct dialog *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nlines; i++)
        free(d->lines[i]);
    free(d->lines);
    free(d->title);
    free(d->confirm);
    free(d);
}

void dialog_add_line(struct dialog *d, const char *text)
{
    d->lines = xgrow(d->lines, &d->cap, d->nlines + 1, sizeof *d->lines);
    d->lines[d->nlines++] = xstrdup(text);
}

enum dialog_result dialog_key(struct dialog *d, int ch)
{
    switch (ch) {
    case 'y':
    case 'Y':
        return DLG_CONFIRM;
    case 'n':
    case 'N':
    case KEY_ESC:
        return DLG_CANCEL;
    case '\n':
    case '\r':
    case KEY_ENTER:
        return d->focus == 0 ? DLG_CONFIRM : DLG_CANCEL;
    case '\t':
    case KEY_BTAB:
    case KEY_LEFT:
    case KEY_RIGHT:
        d->focus = !d->focus;
        return DLG_OPEN;
    default:
        return DLG_OPEN;
    }
}

/* Draw one sanitised, fitted line at (y, x) in at most w columns. */
static void put(WINDOW *win, int y, int x, int w, const char *s, unsigned flags)
{
    char *safe = text_sanitized(s, flags);
    char buf[MAX_WIDTH * 4 + 8];
    (void)text_fit(safe, w, buf, sizeof buf, flags);
    (void)mvwaddstr(win, y, x, buf);
    free(safe);
}

static void frame(WINDOW *win, int y, int x, int h, int w)
{
    attr_t a = theme_attr(ROLE_DIALOG);
    wattrset(win, a);
    for (int r = 0; r < h; r++)
        (void)mvwhline(win, y + r, x, ' ', w);
    (void)mvwaddch(win, y, x, ACS_ULCORNER);
    (void)mvwhline(win, y, x + 1, ACS_HLINE, w - 2);
    (void)mvwaddch(win, y, x + w - 1, ACS_URCORNER);
    (void)mvwvline(win, y + 1, x, ACS_VLINE, h - 2);
    (void)mvwvline(win, y + 1, x + w - 1, ACS_VLINE, h - 2);
    (void)mvwaddch(win, y + h - 1, x, ACS_LLCORNER);
    (void)mvwhline(win, y + h - 1, x + 1, ACS_HLINE, w - 2);
    (void)mvwaddch(win, y + h - 1, x + w - 1, ACS_LRCORNER);
}

static int content_width(const struct dialog *d, unsigned flags)
{
    int w = 30;
    for (size_t i = 0; i < d->nlines; i++) {
        char *safe = text_sanitized(d->lines[i], flags);
        int lw = text_width(safe);
        free(safe);
        if (lw > w)
            w = lw;
    }
    int tw = (int)strlen(d->title) + 2;
    return tw > w ? tw : w;
}

void dialog_draw(struct dialog *d, WINDOW *win, int rows, int cols, unsigned flags)
{
    int w = content_width(d, flags) + 4;
    if (w > MAX_WIDTH)
        w = MAX_WIDTH;
    if (w > cols - 2)
        w = cols - 2;
    int max_lines = rows - 8 > 1 ? rows - 8 : 1;
    int shown = (int)d->nlines > max_lines ? max_lines - 1 : (int)d->nlines;
    bool more = (size_t)shown < d->nlines;
    int h = shown + (more ? 1 : 0) + 5;
    int y = (rows - h) / 2, x = (cols - w) / 2;
    frame(win, y, x, h, w);
    wattrset(win, theme_attr(ROLE_DIALOG_TITLE));
    put(win, y, x + 2, w - 4, d->title, flags);
    wattrset(win, theme_attr(ROLE_DIALOG));
    for (int i = 0; i < shown; i++)
        put(win, y + 2 + i, x + 2, w - 4, d->lines[i], flags);
    if (more) {
        char *txt = xasprintf("... and %zu more", d->nlines - (size_t)shown);
        put(win, y + 2 + shown, x + 2, w - 4, txt, flags);
        free(txt);
    }
    /* The focus shows as > < as well as in colour, for monochrome terminals. */
    char *ok = xasprintf(d->focus == 0 ? "> %s <" : "[ %s ]", d->confirm);
    const char *cancel = d->focus == 1 ? "> Cancel <" : "[ Cancel ]";
    int bw = (int)strlen(ok) + 2 + (int)strlen(cancel);
    int by = y + h - 2, bx = x + (w - bw) / 2;
    wattrset(win, theme_attr(d->focus == 0 ? ROLE_BUTTON_FOCUS : ROLE_BUTTON));
    (void)mvwaddstr(win, by, bx, ok);
    wattrset(win, theme_attr(d->focus == 1 ? ROLE_BUTTON_FOCUS : ROLE_BUTTON));
    (void)mvwaddstr(win, by, bx + (int)strlen(ok) + 2, cancel);
    wattrset(win, A_NORMAL);
    free(ok);
}
