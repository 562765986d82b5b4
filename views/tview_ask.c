/* The destructive verb of a table view (X, F9, Del): why it cannot run now, the confirmation
 * that names every target (marked rows the filter hides included), and the same checks again
 * when the answer comes, since the data may have gone stale while the dialog was open. */
#include <stdio.h>
#include <stdlib.h>

#include "tui/app.h"
#include "tui/dialog.h"
#include "views/tview.h"

/* Why be's rows cannot take the verb now, or NULL. */
static const char *be_refuses(const struct tview *tv, struct backend *be)
{
    static char why[200];
    const struct tview_spec *sp = tv->spec;
    const char *cannot = sp->cannot ? sp->cannot(sp, be) : NULL;
    if (cannot)
        return cannot;
    if (be_read_only(be)) {
        if (tv->be)
            (void)snprintf(why, sizeof why, "read-only: %s is disabled", sp->verbing);
        else
            (void)snprintf(why, sizeof why, "%s is read-only: %s is disabled", be_name(be),
                           sp->verbing);
        return why;
    }
    if (!be_snapshot(be, sp->kind)) {
        (void)snprintf(why, sizeof why, "no %s data yet", sp->one);
        return why;
    }
    return tview_stale(tv, be, why, sizeof why) ? why : NULL;
}

const char *tview_destroy_blocked(const struct tview *tv)
{
    static char why[160];
    if (tv->be)
        return be_refuses(tv, tv->be);
    if (!tview_supported(tv))
        (void)snprintf(why, sizeof why, "no backend lists %s", tv->spec->many);
    else if (!tv->rows.nvis)
        (void)snprintf(why, sizeof why, "no %s to act on", tv->spec->one);
    else
        return NULL;
    return why;
}

static const char *targets_refused(const struct tview *tv, const struct tview_target *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *why = be_refuses(tv, t[i].be);
        if (why)
            return why;
    }
    return NULL;
}

static void answered(void *ud, bool yes)
{
    struct tview *tv = ud;
    struct tview_target *t = tv->confirm;
    size_t n = tv->nconfirm;
    tv->confirm = NULL;
    tv->nconfirm = 0;
    const char *why = yes ? targets_refused(tv, t, n) : NULL;
    if (why)
        app_flash(tv->app, true, "Not %s: %s", tv->spec->verbing, why);
    if (!yes || why) {
        tview_targets_free(t, n);
        return;
    }
    tview_delete(tv, t, n);
}

/* From this many targets the count is typed back whatever the verb: a stray M then y must
 * not hang up a whole call centre. */
#define TYPED_FROM 10

/* Opens with Cancel focused; with spec->typed the count, or the one label, is typed back, and
 * so is the count of any large batch. */
static struct dialog *confirm_dialog(const struct tview *tv, const struct tview_target *t, size_t n,
                                     size_t hidden)
{
    const struct tview_spec *sp = tv->spec;
    const char *where = tv->be ? be_name(tv->be) : "their backends";
    char *title = n == 1 ? xasprintf("%s this %s on %s?", sp->verb, sp->one, where)
                         : xasprintf("%s %zu %s on %s?", sp->verb, n, sp->many, where);
    struct dialog *d = dialog_new(title, sp->verb, true);
    free(title);
    for (size_t i = 0; i < n; i++)
        dialog_add_line(d, t[i].label);
    if (hidden) {
        char *line = xasprintf("(%zu of them hidden by the filter)", hidden);
        dialog_add_line(d, line);
        free(line);
    }
    if (sp->typed || n >= TYPED_FROM) {
        char *expect = n == 1 ? xstrdup(t[0].label) : xasprintf("%zu", n);
        char *label = xasprintf("Type %s to %s:", expect, sp->verb_lower);
        (void)dialog_add_input(d, label, NULL, expect);
        free(label);
        free(expect);
    }
    return d;
}

void tview_ask_destroy(struct tview *tv)
{
    const char *why = tview_destroy_blocked(tv);
    struct tview_target *t = NULL;
    size_t hidden = 0, n = why ? 0 : tview_targets(tv, &t, &hidden);
    char none[80];
    if (!why && !n && !tv->rows.nvis) {
        (void)snprintf(none, sizeof none, "no %s to act on", tv->spec->one);
        why = none;
    }
    if (!why)
        why = n ? targets_refused(tv, t, n) : "the marked rows are already pending";
    if (why) {
        app_flash(tv->app, true, "Not %s: %s", tv->spec->verbing, why);
        tview_targets_free(t, n);
        return;
    }
    struct dialog *d = confirm_dialog(tv, t, n, hidden);
    tview_targets_free(tv->confirm, tv->nconfirm);
    tv->confirm = t;
    tv->nconfirm = n;
    app_open_dialog(tv->app, d, answered, tv);
}
