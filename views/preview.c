/* The preview of a bulk edit (E): every marked record, each field it would change, its value
 * now and after. Nothing is sent until y; rows the edit would not change are left out of the
 * plan. The values "now" are looked up at every draw, so a poll that lands meanwhile shows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "themes/theme.h"
#include "tui/app.h"
#include "tui/text.h"
#include "views/overlay.h"
#include "views/tview.h"
#include "views/view.h"

#define PREVIEW_MAX_FIELDS 24

struct preview {
    struct app *app;
    struct tview *tv; /* the view below; it outlives this one */
    struct tview_target *t;
    size_t n;
    char *names[PREVIEW_MAX_FIELDS];
    char *values[PREVIEW_MAX_FIELDS];
    bool secret[PREVIEW_MAX_FIELDS];
    int nv;
    int top;
    int rows, cols;
};

static void *pv_create(struct app *app)
{
    struct preview *p = xcalloc(1, sizeof *p);
    p->app = app;
    return p;
}

static void pv_destroy(void *state)
{
    struct preview *p = state;
    tview_targets_free(p->t, p->n);
    for (int i = 0; i < p->nv; i++) {
        free(p->names[i]);
        free(p->values[i]);
    }
    free(p);
}

static void pv_resize(void *state, int rows, int cols)
{
    struct preview *p = state;
    p->rows = rows;
    p->cols = cols;
}

static const struct record *record_of(const struct preview *p, const struct tview_target *t)
{
    const struct snapshot *s = be_snapshot(t->be, p->tv->spec->kind);
    long at = s ? snap_find(s, t->id) : -1;
    return at >= 0 ? snap_get(s, (size_t)at) : NULL;
}

/* Field i of r as a form shows it (lists with commas); NULL when it has none. */
static char *now_value(const struct preview *p, const struct record *r, int i)
{
    int k = kind_field(p->tv->spec->kind, p->names[i]);
    if (!r || k < 0 || !r->v[k])
        return NULL;
    char *v = xstrdup(r->v[k]);
    for (char *c = v; *c; c++) {
        if (*c == '\x1f')
            *c = ',';
    }
    return v;
}

/* Whether field i of r would change. A secret is never read back, so it always counts. */
static bool changes(const struct preview *p, const struct record *r, int i)
{
    if (p->secret[i])
        return true;
    char *now = now_value(p, r, i);
    bool differ = !now || strcmp(now, p->values[i]) != 0;
    free(now);
    return differ;
}

static bool target_changes(const struct preview *p, const struct tview_target *t)
{
    const struct record *r = record_of(p, t);
    for (int i = 0; i < p->nv; i++) {
        if (changes(p, r, i))
            return true;
    }
    return false;
}

static size_t count_changing(const struct preview *p)
{
    size_t k = 0;
    for (size_t j = 0; j < p->n; j++)
        k += target_changes(p, &p->t[j]);
    return k;
}

/* The text rows: per target its label, then "  field: now -> after" per changed field. */
static int build_lines(const struct preview *p, char ***out)
{
    bool ascii = p->app->text_flags & TEXT_ASCII;
    const char *arrow = ascii ? "->" : "\xE2\x86\x92";
    char **lines = NULL;
    int n = 0;
    for (size_t j = 0; j < p->n; j++) {
        const struct record *r = record_of(p, &p->t[j]);
        bool any = target_changes(p, &p->t[j]);
        lines = xrealloc(lines, (size_t)(n + 1 + p->nv) * sizeof *lines);
        lines[n++] = xasprintf("%s%s", p->t[j].label,
                               !r    ? "  (gone: skipped)"
                               : any ? ""
                                     : "  (no change: skipped)");
        for (int i = 0; r && any && i < p->nv; i++) {
            if (!changes(p, r, i))
                continue;
            char *now = p->secret[i] ? xstrdup("(hidden)") : now_value(p, r, i);
            lines[n++] = xasprintf("    %s: %s %s %s", p->names[i], now && *now ? now : "(empty)",
                                   arrow, p->secret[i] ? "(new secret)" : p->values[i]);
            free(now);
        }
    }
    *out = lines;
    return n;
}

static void pv_draw(void *state, WINDOW *win)
{
    struct preview *p = state;
    unsigned flags = p->app->text_flags;
    char title[256];
    size_t k = count_changing(p);
    (void)snprintf(title, sizeof title, "Bulk edit: %zu of %zu %s change on %s", k, p->n,
                   p->tv->spec->many, be_name(p->t[0].be));
    overlay_line(win, 0, theme_attr(ROLE_COLUMNS), title, flags);
    overlay_line(win, 1, theme_attr(ROLE_DIM), "y applies  Esc or n cancels  Up/Down scroll",
                 flags);
    char **lines;
    int n = build_lines(p, &lines);
    int height = p->rows - 3 > 1 ? p->rows - 3 : 1;
    if (p->top > n - height)
        p->top = n - height > 0 ? n - height : 0;
    for (int y = 3, i = p->top; y < p->rows && i < n; y++, i++) {
        bool skipped = lines[i][0] != ' ' && strstr(lines[i], ": skipped)");
        overlay_line(win, y, theme_attr(skipped ? ROLE_DIM : ROLE_NORMAL), lines[i], flags);
    }
    for (int i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}

/* The changing targets go to the plan (taken from p); the rest are dropped. */
static void apply(struct preview *p)
{
    size_t cap = p->n ? p->n : 1, k = 0, d = 0;
    struct tview_target *keep = xcalloc(cap, sizeof *keep), *drop = xcalloc(cap, sizeof *drop);
    for (size_t j = 0; j < p->n; j++) {
        if (record_of(p, &p->t[j]) && target_changes(p, &p->t[j]))
            keep[k++] = p->t[j];
        else
            drop[d++] = p->t[j];
    }
    free(p->t);
    p->t = NULL;
    p->n = 0;
    tview_targets_free(drop, d);
    if (!k) {
        free(keep);
        app_flash(p->app, false, "Nothing changed: no marked %s differs from the edit",
                  p->tv->spec->one);
        return;
    }
    struct change c = {.op = OP_UPDATE,
                       .nvalues = p->nv,
                       .names = (const char *const *)p->names,
                       .values = (const char *const *)p->values};
    tview_change(p->tv, keep, k, &c, "updated");
}

static int pv_key(void *state, enum action act, int ch)
{
    struct preview *p = state;
    if (ch == 'y' || ch == 'Y') {
        apply(p);
        return VIEW_CLOSE;
    }
    switch (act) {
    case ACT_CLOSE:
    case ACT_FIND_NEXT: /* n */
        app_flash(p->app, false, "Bulk edit cancelled: nothing was sent");
        return VIEW_CLOSE;
    case ACT_UP:
        p->top -= p->top > 0;
        return VIEW_HANDLED;
    case ACT_DOWN:
        p->top++;
        return VIEW_HANDLED;
    case ACT_DETAILS:
        app_flash(p->app, false, "Press y to apply the edit, Esc to cancel");
        return VIEW_HANDLED;
    default:
        return overlay_other_key(act);
    }
}

static void pv_summary(void *state, char *header, size_t hsize, char *status, size_t ssize)
{
    struct preview *p = state;
    size_t k = count_changing(p);
    (void)snprintf(header, hsize, "%zu %s to change", k,
                   k == 1 ? p->tv->spec->one : p->tv->spec->many);
    (void)snprintf(status, ssize, "preview: nothing sent yet");
}

static const struct keyhint pv_hints[] = {
    {ACT_CLOSE, "Cancel"},
    {ACT_NONE, NULL},
};

static const struct view_ops preview_view_ops = {
    .name = "preview",
    .kind = -1,
    .create = pv_create,
    .destroy = pv_destroy,
    .resize = pv_resize,
    .draw = pv_draw,
    .key = pv_key,
    .summary = pv_summary,
    .hints = pv_hints,
};

void tview_preview_open(struct tview *tv, struct tview_target *t, size_t n, const struct change *c,
                        const struct record_schema *rs)
{
    struct app *app = tv->app;
    int before = app->nviews;
    app_push_view(app, &preview_view_ops);
    if (app->nviews == before) {
        tview_targets_free(t, n);
        app_flash(app, true, "Too many screens open: Esc closes one");
        return;
    }
    struct preview *p = app->views[app->nviews - 1].state;
    p->tv = tv;
    p->t = t;
    p->n = n;
    for (int i = 0; i < c->nvalues && i < PREVIEW_MAX_FIELDS; i++) {
        p->names[i] = xstrdup(c->names[i]);
        p->values[i] = xstrdup(c->values[i] ? c->values[i] : "");
        for (int f = 0; rs && f < rs->nfields; f++) {
            if (strcmp(rs->fields[f].name, c->names[i]) == 0)
                p->secret[i] = rs->fields[f].flags & FS_SECRET;
        }
        p->nv++;
    }
}
