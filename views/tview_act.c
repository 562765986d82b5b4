/* Changing rows of a table view (hang up, remove, delete, pause...): one plan per backend,
 * run by the app's batches, each row pending until its item settles. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/changes.h"
#include "tui/app.h"
#include "tui/uibatch.h"
#include "views/tview.h"

static struct tview_target *inflight_find(struct tview *tv, struct backend *be, const char *id)
{
    for (size_t i = 0; i < tv->ninflight; i++) {
        if (tv->inflight[i].be == be && strcmp(tv->inflight[i].id, id) == 0)
            return &tv->inflight[i];
    }
    return NULL;
}

static void item_settled(void *ud, struct backend *be, const struct plan_item *it)
{
    struct tview *tv = ud;
    const struct tview_target *t = it->id ? inflight_find(tv, be, it->id) : NULL;
    if (t)
        tview_set_pending(tv, t->key, false);
}

/* Forget the targets of a finished plan. */
static void inflight_drop(struct tview *tv, struct plan *p)
{
    struct backend *be = plan_backend(p);
    size_t kept = 0;
    for (size_t i = 0; i < tv->ninflight; i++) {
        struct tview_target *t = &tv->inflight[i];
        bool in_plan = false;
        for (size_t k = 0; t->be == be && k < plan_count(p) && !in_plan; k++)
            in_plan = plan_at(p, k)->id && strcmp(plan_at(p, k)->id, t->id) == 0;
        if (in_plan) {
            tview_set_pending(tv, t->key, false);
            free(t->id);
            free(t->label);
            free(t->key);
        } else {
            tv->inflight[kept++] = *t;
        }
    }
    tv->ninflight = kept;
}

/* The past tense with a capital, for "Hung up 201". */
static void capitalised(const char *past, char *buf, size_t size)
{
    (void)snprintf(buf, size, "%s", past);
    buf[0] = (char)toupper((unsigned char)buf[0]);
}

static void batch_done(void *ud, struct plan *p, const struct plan_summary *s,
                       const char *journal_id)
{
    struct tview *tv = ud;
    (void)journal_id;
    const struct plan_item *one = plan_count(p) == 1 ? plan_at(p, 0) : NULL;
    const struct tview_target *t = one ? inflight_find(tv, plan_backend(p), one->id) : NULL;
    const struct tview_target *any =
        plan_count(p) ? inflight_find(tv, plan_backend(p), plan_at(p, 0)->id) : NULL;
    const char *past = any ? any->past : tv->spec->past;
    const char *name = t ? t->label : one ? one->id : "";
    char cap[64];
    capitalised(past, cap, sizeof cap);
    if (one && one->state == ITEM_DONE && one->outcome == ACT_OK)
        app_flash(tv->app, false, "%s %s", cap, name);
    else if (one)
        app_flash(tv->app, one->outcome != ACT_GONE, "%s: %s", name,
                  one->msg && *one->msg ? one->msg : "not done");
    else if (s->failed || s->conflicts || s->not_attempted)
        app_flash(tv->app, true, "%zu %s, %zu already gone, %zu failed%s", s->ok, past, s->gone,
                  s->failed + s->conflicts + s->not_attempted,
                  s->stopped ? " (connection or login lost)" : "");
    else
        app_flash(tv->app, false, "%zu %s, %zu already gone", s->ok, past, s->gone);
    inflight_drop(tv, p);
}

/* A checked plan of the targets on be, or NULL after saying which one is invalid. */
static struct plan *plan_for(struct tview *tv, struct backend *be, struct tview_target *t, size_t n,
                             const struct change *tmpl, const char *past)
{
    struct plan *p = plan_new(be);
    for (size_t i = 0; i < n; i++) {
        if (t[i].be != be)
            continue;
        struct change c = *tmpl;
        c.kind = tv->spec->kind;
        c.id = t[i].id;
        (void)plan_add(p, &c, 0);
    }
    if (!plan_check(p))
        return p;
    for (size_t i = 0; i < plan_count(p); i++) {
        const struct plan_item *it = plan_at(p, i);
        if (it->state != ITEM_INVALID)
            continue;
        const struct tview_target *bad = NULL;
        for (size_t k = 0; k < n && !bad; k++)
            bad = t[k].be == be && strcmp(t[k].id, it->id) == 0 ? &t[k] : NULL;
        app_flash(tv->app, true, "%s: not %s: %s", bad ? bad->label : it->id, past, it->msg);
        break;
    }
    plan_free(p);
    return NULL;
}

void tview_change(struct tview *tv, struct tview_target *t, size_t n, const struct change *c,
                  const char *past)
{
    struct plan *plans[TVIEW_MAX_SOURCES] = {0};
    /* Check every backend's plan before any starts: one invalid target stops them all. */
    for (unsigned s = 0; s < tv->nsrc; s++) {
        bool any = false;
        for (size_t i = 0; i < n && !any; i++)
            any = t[i].be == tv->src[s];
        if (any && !(plans[s] = plan_for(tv, tv->src[s], t, n, c, past))) {
            for (unsigned k = 0; k < s; k++)
                plan_free(plans[k]);
            tview_targets_free(t, n);
            return;
        }
    }
    for (size_t i = 0; i < n; i++) {
        tview_set_pending(tv, t[i].key, true);
        t[i].past = past;
    }
    tv->inflight = xrealloc(tv->inflight, (tv->ninflight + n + 1) * sizeof *tv->inflight);
    memcpy(tv->inflight + tv->ninflight, t, n * sizeof *t);
    tv->ninflight += n;
    free(t);
    for (unsigned s = 0; s < tv->nsrc; s++) {
        if (plans[s])
            ui_batch_start(tv->app, plans[s], NULL, item_settled, batch_done, tv);
    }
}

void tview_delete(struct tview *tv, struct tview_target *t, size_t n)
{
    struct change c = {.op = OP_DELETE};
    tview_change(tv, t, n, &c, tv->spec->past);
}

static void create_settled(void *ud, struct backend *be, const struct plan_item *it)
{
    (void)ud;
    (void)be;
    (void)it;
}

static void create_done(void *ud, struct plan *p, const struct plan_summary *s,
                        const char *journal_id)
{
    struct tview *tv = ud;
    const struct plan_item *it = plan_at(p, 0);
    const char *on = be_name(plan_backend(p));
    (void)journal_id;
    if (plan_count(p) > 1) {
        bool ok = s->ok == plan_count(p);
        app_flash(tv->app, !ok, "Added %zu of %zu %s on %s%s", s->ok, plan_count(p), tv->spec->many,
                  on, ok ? "" : ": see pbxtop journal for each one");
    } else if (it->state == ITEM_DONE && it->outcome == ACT_OK) {
        app_flash(tv->app, false, "Added %s on %s%s%s", tv->spec->one, on, it->new_id ? ": " : "",
                  it->new_id ? it->new_id : "");
    } else {
        app_flash(tv->app, true, "Not added on %s: %s", on,
                  it->msg && *it->msg ? it->msg : act_outcome_name(it->outcome));
    }
}

/* One plan of creates; nothing starts unless every one passes the schema's checks. */
static void create_all(struct tview *tv, struct backend *be, const struct change *c, size_t n)
{
    struct plan *p = plan_new(be);
    for (size_t i = 0; i < n; i++) {
        struct change one = c[i];
        one.kind = tv->spec->kind;
        one.id = NULL;
        (void)plan_add(p, &one, 0);
    }
    if (plan_check(p)) {
        for (size_t i = 0; i < plan_count(p); i++) {
            const struct plan_item *it = plan_at(p, i);
            if (it->state != ITEM_INVALID)
                continue;
            if (n > 1)
                app_flash(tv->app, true, "Not added: record %zu of %zu: %s", i + 1, n, it->msg);
            else
                app_flash(tv->app, true, "Not added: %s", it->msg);
            break;
        }
        plan_free(p);
        return;
    }
    ui_batch_start(tv->app, p, NULL, create_settled, create_done, tv);
}

void tview_create_range(struct tview *tv, struct backend *be, const struct addrange *r)
{
    struct change *c = xcalloc(r->n, sizeof *c);
    for (size_t i = 0; i < r->n; i++)
        c[i] = (struct change){.op = OP_CREATE,
                               .nvalues = r->nvalues,
                               .names = (const char *const *)r->names,
                               .values = (const char *const *)r->values[i]};
    create_all(tv, be, c, r->n);
    free(c);
}
