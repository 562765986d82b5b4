#define _POSIX_C_SOURCE 200809L
/* The column chooser (C): which columns a table view shows, and in what order. The choice
 * goes to the config's [columns] section, so the next start shows the same table. In the
 * fleet the BACKEND column always comes first: a row's backend is what its actions go to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "themes/theme.h"
#include "tui/app.h"
#include "tui/config_edit.h"
#include "tui/strbuf.h"
#include "views/overlay.h"
#include "views/tview.h"
#include "views/view.h"

struct colview {
    struct app *app;
    struct tview *tv;          /* the view below; it outlives this one */
    int order[TABLE_MAX_COLS]; /* every spec column, in the order being chosen */
    bool on[TABLE_MAX_COLS];
    int n;
    int cursor;
    int rows, cols;
};

/* The spec column called `name` (ASCII case ignored), or -1. */
static int spec_column(const struct tview_spec *sp, const char *name, size_t len)
{
    for (int c = 0; c < sp->ncols; c++) {
        const char *cn = sp->cols[c].rc.name;
        if (strlen(cn) == len && strncasecmp(cn, name, len) == 0)
            return c;
    }
    return -1;
}

static char *column_names(const struct tview_spec *sp)
{
    struct strbuf sb;
    strbuf_init(&sb, 256);
    for (int c = 0; c < sp->ncols; c++)
        (void)strbuf_addf(&sb, "%s%s", c ? ", " : "", sp->cols[c].rc.name);
    return strbuf_take(&sb);
}

int columns_parse(const struct tview_spec *sp, const char *list, int *out, int *n, char **err)
{
    bool seen[TABLE_MAX_COLS] = {false};
    *n = 0;
    for (const char *s = list; *s;) {
        s += strspn(s, " \t,");
        size_t len = strcspn(s, ", \t");
        if (!len)
            break;
        int c = spec_column(sp, s, len);
        if (c < 0 || seen[c]) {
            char *names = column_names(sp);
            *err = c < 0 ? xasprintf("no column '%.*s' (the columns are: %s)", (int)len, s, names)
                         : xasprintf("column '%.*s' is listed twice", (int)len, s);
            free(names);
            return -1;
        }
        seen[c] = true;
        out[(*n)++] = c;
        s += len;
    }
    if (*n == 0) {
        *err = xstrdup("no columns: list at least one");
        return -1;
    }
    return 0;
}

int columns_check(const struct config *cfg, char **err)
{
    for (size_t i = 0; i < cfg->ncolumns; i++) {
        const struct columns_conf *cc = &cfg->columns[i];
        const struct tview_spec *sp = tview_spec_of(kind_from_name(cc->view));
        int order[TABLE_MAX_COLS], n;
        char *why = NULL;
        if (sp && columns_parse(sp, cc->list, order, &n, &why) == 0)
            continue;
        *err = xasprintf("%s:%d: [columns] %s: %s", cfg->path, cc->line, cc->view,
                         why ? why : "not a table view");
        free(why);
        return -1;
    }
    return 0;
}

static struct columns_conf *conf_of(const struct config *cfg, const char *view)
{
    for (size_t i = 0; i < cfg->ncolumns; i++) {
        if (strcmp(cfg->columns[i].view, view) == 0)
            return &cfg->columns[i];
    }
    return NULL;
}

void columns_load(struct tview *tv)
{
    const char *view = kind_def(tv->spec->kind)->name;
    const struct columns_conf *cc = conf_of(tv->app->cfg, view);
    int order[TABLE_MAX_COLS], n;
    char *err = NULL;
    if (!cc)
        return;
    /* columns_check() ran at start, so this only fails if the code changed under the
     * config; the defaults are then the safe choice. */
    if (columns_parse(tv->spec, cc->list, order, &n, &err) == 0)
        tview_set_shown(tv, order, n);
    free(err);
}

/* ---------------------------------------------------------------- the chooser */

static void *col_create(struct app *app)
{
    struct colview *v = xcalloc(1, sizeof *v);
    v->app = app;
    return v;
}

static void col_destroy(void *state)
{
    free(state);
}

static void col_resize(void *state, int rows, int cols)
{
    struct colview *v = state;
    v->rows = rows;
    v->cols = cols;
}

static void col_draw(void *state, WINDOW *win)
{
    struct colview *v = state;
    const struct tview_spec *sp = v->tv->spec;
    unsigned flags = v->app->text_flags;
    char line[256];
    (void)snprintf(line, sizeof line, "Columns of %s%s", kind_def(sp->kind)->name,
                   v->tv->be ? "" : " (BACKEND stays first in the fleet)");
    overlay_line(win, 0, theme_attr(ROLE_COLUMNS), line, flags);
    overlay_line(win, 1, theme_attr(ROLE_DIM),
                 "Space shows/hides  < > move  Enter saves to the config  Esc cancels", flags);
    int top = v->cursor - (v->rows - 4) + 1;
    top = top > 0 ? top : 0;
    for (int i = top, y = 3; i < v->n && y < v->rows; i++, y++) {
        const struct tview_col *c = &sp->cols[v->order[i]];
        (void)snprintf(line, sizeof line, "%s %-14s %s", v->on[i] ? "[x]" : "[ ]", c->layout.title,
                       c->rc.name);
        overlay_line(win, y, i == v->cursor ? theme_attr(ROLE_SELECTED) : theme_attr(ROLE_NORMAL),
                     line, flags);
    }
}

static int shown_count(const struct colview *v)
{
    int k = 0;
    for (int i = 0; i < v->n; i++)
        k += v->on[i];
    return k;
}

static void toggle(struct colview *v)
{
    if (v->on[v->cursor] && shown_count(v) == 1) {
        app_flash(v->app, true, "The last column cannot be hidden");
        return;
    }
    v->on[v->cursor] = !v->on[v->cursor];
}

/* Move the column under the cursor one place up (-1) or down (+1); the cursor goes along. */
static void move_column(struct colview *v, int step)
{
    int to = v->cursor + step;
    if (to < 0 || to >= v->n)
        return;
    int o = v->order[to];
    bool on = v->on[to];
    v->order[to] = v->order[v->cursor];
    v->on[to] = v->on[v->cursor];
    v->order[v->cursor] = o;
    v->on[v->cursor] = on;
    v->cursor = to;
}

/* Keep the choice for views opened later in this run (Tab away and back). */
static void remember(struct config *cfg, const char *view, const char *list)
{
    struct columns_conf *cc = conf_of(cfg, view);
    if (!cc) {
        cfg->columns = xrealloc(cfg->columns, (cfg->ncolumns + 1) * sizeof *cfg->columns);
        cc = &cfg->columns[cfg->ncolumns++];
        *cc = (struct columns_conf){xstrdup(view), NULL, 0};
    }
    free(cc->list);
    cc->list = xstrdup(list);
}

void columns_save(struct tview *tv, const int *cols, int n)
{
    struct strbuf sb;
    char *err = NULL;
    const char *view = kind_def(tv->spec->kind)->name;
    strbuf_init(&sb, 256);
    for (int i = 0; i < n; i++)
        (void)strbuf_addf(&sb, "%s%s", i ? ", " : "", tv->spec->cols[cols[i]].rc.name);
    tview_set_shown(tv, cols, n);
    remember(tv->app->cfg, view, strbuf_cstr(&sb));
    struct config_edit edit = {"columns", view, strbuf_cstr(&sb)};
    if (config_edit_apply(tv->app->cfg->path, &edit, 1, &err))
        app_flash(tv->app, true, "Columns changed for this run, but not saved: %s", err);
    else
        app_flash(tv->app, false, "Columns of %s saved to %s", view, tv->app->cfg->path);
    free(err);
    strbuf_done(&sb);
}

static void apply_and_save(struct colview *v)
{
    int order[TABLE_MAX_COLS], n = 0;
    for (int i = 0; i < v->n; i++) {
        if (v->on[i])
            order[n++] = v->order[i];
    }
    columns_save(v->tv, order, n);
}

static int col_key(void *state, enum action act, int ch)
{
    struct colview *v = state;
    (void)ch;
    switch (act) {
    case ACT_UP:
        v->cursor -= v->cursor > 0;
        return VIEW_HANDLED;
    case ACT_DOWN:
        v->cursor += v->cursor < v->n - 1;
        return VIEW_HANDLED;
    case ACT_HOME:
        v->cursor = 0;
        return VIEW_HANDLED;
    case ACT_END:
        v->cursor = v->n - 1;
        return VIEW_HANDLED;
    case ACT_MARK:
        toggle(v);
        return VIEW_HANDLED;
    case ACT_SORT_PREV:
    case ACT_SORT_NEXT:
        move_column(v, act == ACT_SORT_PREV ? -1 : 1);
        return VIEW_HANDLED;
    case ACT_DETAILS:
        apply_and_save(v);
        return VIEW_CLOSE;
    case ACT_CLOSE:
        return VIEW_CLOSE;
    default:
        return overlay_other_key(act);
    }
}

static void col_summary(void *state, char *header, size_t hsize, char *status, size_t ssize)
{
    struct colview *v = state;
    (void)snprintf(header, hsize, "%d of %d columns shown", shown_count(v), v->n);
    (void)snprintf(status, ssize, "choosing columns");
}

static const struct keyhint col_hints[] = {
    {ACT_MARK, "Show/hide"}, {ACT_SORT_PREV, "Up"}, {ACT_SORT_NEXT, "Down"},
    {ACT_DETAILS, "Save"},   {ACT_CLOSE, "Cancel"}, {ACT_NONE, NULL},
};

static const struct view_ops columns_view_ops = {
    .name = "columns",
    .kind = -1,
    .create = col_create,
    .destroy = col_destroy,
    .resize = col_resize,
    .draw = col_draw,
    .key = col_key,
    .summary = col_summary,
    .hints = col_hints,
};

/* The shown columns first, in their order, then the hidden ones in the spec's order. */
static void start_from(struct colview *v, const struct tview *tv)
{
    int first = tv->be ? 0 : 1;
    bool taken[TABLE_MAX_COLS] = {false};
    for (int i = 0; i < tv->nshown; i++) {
        int c = tv->shown[i] - first;
        if (c < 0)
            continue;
        taken[c] = true;
        v->order[v->n] = c;
        v->on[v->n++] = true;
    }
    for (int c = 0; c < tv->spec->ncols; c++) {
        if (!taken[c]) {
            v->order[v->n] = c;
            v->on[v->n++] = false;
        }
    }
}

void columns_open(struct tview *tv)
{
    struct app *app = tv->app;
    int before = app->nviews;
    app_push_view(app, &columns_view_ops);
    if (app->nviews == before) {
        app_flash(app, true, "Too many screens open: Esc closes one");
        return;
    }
    struct colview *v = app->views[app->nviews - 1].state;
    v->tv = tv;
    start_from(v, tv);
}
