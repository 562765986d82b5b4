/* Help for the view underneath: every bound key, with the keys that cannot be used right
 * now shown dim, with the reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "themes/theme.h"
#include "tui/app.h"
#include "tui/text.h"
#include "views/view.h"

struct helpview {
    struct app *app;
    int rows, cols;
    int top;
};

static void *help_create(struct app *app)
{
    struct helpview *h = xcalloc(1, sizeof *h);
    h->app = app;
    return h;
}

static void help_destroy(void *state)
{
    free(state);
}

static void help_resize(void *state, int rows, int cols)
{
    struct helpview *h = state;
    h->rows = rows;
    h->cols = cols;
}

static void line(WINDOW *win, int y, attr_t attr, const char *text, unsigned flags)
{
    char buf[512];
    (void)text_fit(text, getmaxx(win) - 2, buf, sizeof buf, flags);
    wattrset(win, attr);
    (void)mvwaddstr(win, y, 1, buf);
    wattrset(win, A_NORMAL);
}

/* The help text as lines: one per binding, and under a binding that cannot be used now, a
 * dim line with the reason. Returns the number of lines (at most max). */
static int help_lines(struct helpview *h, char (*text)[256], attr_t *attr, int max)
{
    const struct view_inst *under = app_view_below(h->app);
    size_t n;
    const struct binding *b = input_bindings(&n);
    int k = 0;
    for (size_t i = 0; i < n && k < max; i++) {
        char keys[64];
        input_keys_text(&b[i], keys, sizeof keys);
        if (!*keys)
            (void)snprintf(keys, sizeof keys, "(unbound)");
        const char *why =
            under && under->ops->blocked ? under->ops->blocked(under->state, b[i].act) : NULL;
        (void)snprintf(text[k], sizeof text[k], "%-14s %-10s %s", keys, b[i].name, b[i].help);
        attr[k++] = why ? theme_attr(ROLE_DIM) : theme_attr(ROLE_NORMAL);
        if (why && k < max) {
            (void)snprintf(text[k], sizeof text[k], "%-25s unavailable: %s", "", why);
            attr[k++] = theme_attr(ROLE_DIM);
        }
    }
    return k;
}

#define HELP_MAX_LINES 64

static void help_draw(void *state, WINDOW *win)
{
    struct helpview *h = state;
    const struct view_inst *under = app_view_below(h->app);
    unsigned flags = h->app->text_flags;
    char text[HELP_MAX_LINES][256];
    attr_t attr[HELP_MAX_LINES];
    int n = help_lines(h, text, attr, HELP_MAX_LINES);
    char *title = xasprintf("pbxtop %s: keys of the %s view (Esc closes)", PBXTOP_VERSION,
                            under ? under->ops->name : "current");
    line(win, 0, theme_attr(ROLE_COLUMNS), title, flags);
    free(title);
    int max_top = n - (h->rows - 2);
    if (h->top > max_top)
        h->top = max_top > 0 ? max_top : 0;
    for (int i = h->top, y = 2; i < n && y < h->rows; i++, y++)
        line(win, y, attr[i], text[i], flags);
}

static int help_key(void *state, enum action act, int ch)
{
    struct helpview *h = state;
    if (ch == '\r' || ch == '\n')
        return VIEW_CLOSE;
    switch (act) {
    case ACT_CLOSE:
    case ACT_HELP:
    case ACT_QUIT:
        return VIEW_CLOSE;
    case ACT_DOWN:
        h->top++; /* help_draw keeps it in range */
        return VIEW_HANDLED;
    case ACT_UP:
        if (h->top > 0)
            h->top--;
        return VIEW_HANDLED;
    case ACT_PAUSE:
    case ACT_POLL_NOW:
    case ACT_REDRAW:
    case ACT_NEXT_VIEW:
    case ACT_PREV_VIEW:
    case ACT_COMMAND:
        /* Global keys still work under help; another view closes it. */
        return VIEW_IGNORED;
    default:
        return VIEW_HANDLED;
    }
}

static const struct keyhint help_hints[] = {
    {ACT_CLOSE, "Close"},
    {ACT_NONE, NULL},
};

const struct view_ops help_view_ops = {
    .name = "help",
    .kind = -1,
    .create = help_create,
    .destroy = help_destroy,
    .resize = help_resize,
    .draw = help_draw,
    .key = help_key,
    .hints = help_hints,
};
