#include "tui/dialog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/keyring.h"
#include "themes/theme.h"
#include "tui/input.h"
#include "tui/text.h"
#include "tui/xalloc.h"

#define MAX_WIDTH  76
#define INPUT_MAX  256
#define MAX_FIELDS 24

struct field {
    char *label;
    char *expect;   /* typed confirmation: what must be typed */
    char **choices; /* NULL-terminated, or NULL */
    int choice;     /* the last one put in, -1 for none */
    bool secret;    /* drawn as stars */
    char text[INPUT_MAX];
    size_t len;
};

struct dialog {
    char *title;
    char *confirm;
    char **lines;
    size_t nlines, cap;
    int focus; /* 0 confirm, 1 cancel */
    struct field fields[MAX_FIELDS];
    int nfields;
    int at; /* the focused field */
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
    for (int i = 0; i < d->nfields; i++) {
        /* A field may hold a passphrase or a SIP password. */
        secret_wipe(d->fields[i].text, sizeof d->fields[i].text);
        free(d->fields[i].label);
        free(d->fields[i].expect);
        for (char **c = d->fields[i].choices; c && *c; c++)
            free(*c);
        free(d->fields[i].choices);
    }
    free(d);
}

void dialog_add_line(struct dialog *d, const char *text)
{
    d->lines = xgrow(d->lines, &d->cap, d->nlines + 1, sizeof *d->lines);
    d->lines[d->nlines++] = xstrdup(text);
}

int dialog_add_input(struct dialog *d, const char *label, const char *initial, const char *expect)
{
    if (d->nfields == MAX_FIELDS)
        return MAX_FIELDS - 1;
    struct field *f = &d->fields[d->nfields];
    f->label = xstrdup(label);
    f->expect = expect ? xstrdup(expect) : NULL;
    f->choice = -1;
    (void)snprintf(f->text, sizeof f->text, "%s", initial ? initial : "");
    f->len = strlen(f->text);
    return d->nfields++;
}

void dialog_set_choices(struct dialog *d, int field, const char *const *choices)
{
    struct field *f = &d->fields[field];
    size_t n = 0;
    while (choices && choices[n])
        n++;
    f->choices = xcalloc(n + 1, sizeof *f->choices);
    for (size_t i = 0; i < n; i++)
        f->choices[i] = xstrdup(choices[i]);
}

void dialog_set_secret(struct dialog *d, int field)
{
    d->fields[field].secret = true;
}

const char *dialog_input(const struct dialog *d, int field)
{
    return field >= 0 && field < d->nfields ? d->fields[field].text : "";
}

static void put_choice(struct field *f, int step)
{
    int n = 0;
    while (f->choices && f->choices[n])
        n++;
    if (!n)
        return;
    f->choice = f->choice < 0 ? (step > 0 ? 0 : n - 1) : (f->choice + step + n) % n;
    (void)snprintf(f->text, sizeof f->text, "%s", f->choices[f->choice]);
    f->len = strlen(f->text);
}

static bool fields_ok(const struct dialog *d)
{
    for (int i = 0; i < d->nfields; i++) {
        if (d->fields[i].expect && strcmp(d->fields[i].text, d->fields[i].expect) != 0)
            return false;
    }
    return true;
}

static void edit_field(struct field *f, int ch)
{
    if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
        /* A whole UTF-8 character: continuation bytes first. */
        while (f->len && ((unsigned char)f->text[f->len - 1] & 0xC0) == 0x80)
            f->len--;
        if (f->len)
            f->len--;
    } else if (ch == KEY_CTRL('u')) {
        f->len = 0;
    } else if (ch >= 32 && ch < 256 && ch != 127 && f->len + 1 < sizeof f->text) {
        f->text[f->len++] = (char)ch;
    }
    f->text[f->len] = '\0';
}

static enum dialog_result input_key(struct dialog *d, int ch)
{
    switch (ch) {
    case KEY_ESC:
        return DLG_CANCEL;
    case '\n':
    case '\r':
    case KEY_ENTER:
        return fields_ok(d) ? DLG_CONFIRM : DLG_OPEN;
    case '\t':
    case KEY_DOWN:
        d->at = (d->at + 1) % d->nfields;
        return DLG_OPEN;
    case KEY_BTAB:
    case KEY_UP:
        d->at = (d->at + d->nfields - 1) % d->nfields;
        return DLG_OPEN;
    case KEY_LEFT:
    case KEY_RIGHT:
        put_choice(&d->fields[d->at], ch == KEY_RIGHT ? 1 : -1);
        return DLG_OPEN;
    default:
        edit_field(&d->fields[d->at], ch);
        return DLG_OPEN;
    }
}

enum dialog_result dialog_key(struct dialog *d, int ch)
{
    if (d->nfields)
        return input_key(d, ch);
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

/* "Penalty: 3_": the label, the text, and a cursor block on the focused field. */
static void draw_field(struct dialog *d, int i, WINDOW *win, int y, int x, int w, unsigned flags)
{
    const struct field *f = &d->fields[i];
    bool choices = f->choices && f->choices[0];
    char stars[INPUT_MAX];
    memset(stars, '*', f->len);
    stars[f->len] = '\0';
    char *line = xasprintf("%s %s", f->label, f->secret ? stars : f->text);
    put(win, y, x, w - (choices ? 6 : 1), line, flags);
    free(line);
    if (i == d->at) {
        wattrset(win, theme_attr(ROLE_BUTTON_FOCUS));
        (void)waddch(win, '_');
        wattrset(win, theme_attr(ROLE_DIALOG));
    }
    if (choices)
        (void)waddstr(win, (flags & TEXT_ASCII) ? " <->" : " \xE2\x86\x90\xE2\x86\x92");
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
    for (int i = 0; i < d->nfields; i++) {
        int iw = (int)strlen(d->fields[i].label) + 28;
        w = iw > w ? iw : w;
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
    /* Fields first, then as many lines as fit; a long form scrolls with its focus. */
    int nf = d->nfields < rows - 8 ? d->nfields : (rows - 8 > 1 ? rows - 8 : 1);
    int first = d->at >= nf ? d->at - nf + 1 : 0;
    int max_lines = rows - 8 - (nf ? nf + 1 : 0);
    if (max_lines < 1)
        max_lines = 1;
    int shown = (int)d->nlines > max_lines ? max_lines - 1 : (int)d->nlines;
    bool more = (size_t)shown < d->nlines;
    int h = shown + (more ? 1 : 0) + 5 + (nf ? nf + 1 : 0);
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
    for (int i = 0; i < nf; i++)
        draw_field(d, first + i, win, y + h - 3 - nf + i, x + 2, w - 4, flags);
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
