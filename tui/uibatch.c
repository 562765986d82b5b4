#include "tui/uibatch.h"

#include <stdlib.h>

#include "net/journal.h"
#include "tui/app.h"
#include "tui/dialog.h"
#include "tui/lock.h"
#include "tui/xalloc.h"

#define MAX_IN_FLIGHT 4

struct ui_batch {
    struct app *app;
    struct plan *plan;
    struct journal *j;
    ui_item_fn item;
    ui_done_fn done;
    void *ud;    /* NULL once detached */
    bool orphan; /* detached while the app runs on: report the outcome here */
    bool finished;
    bool waiting;    /* for the keyring's passphrase before anything starts */
    char *resume_id; /* finishing a journaled batch: append to it instead of a new one */
    bool *was_planned;
    struct ui_batch *next;
};

static void tell_item(struct ui_batch *b, const struct plan_item *it)
{
    if (b->ud)
        b->item(b->ud, plan_backend(b->plan), it);
}

static void finished(void *ud)
{
    struct ui_batch *b = ud;
    struct plan_summary s;
    b->finished = true;
    plan_summary(b->plan, &s);
    if (b->ud)
        b->done(b->ud, b->plan, &s, b->j ? journal_id(b->j) : NULL);
    else if (b->orphan)
        app_flash(b->app, s.failed || s.conflicts || s.not_attempted,
                  "Changes on %s: %zu done, %zu already gone, %zu failed",
                  be_name(plan_backend(b->plan)), s.ok, s.gone,
                  s.failed + s.conflicts + s.not_attempted);
    app_dirty(b->app);
}

static void progressed(void *ud, const struct plan_item *it)
{
    struct ui_batch *b = ud;
    tell_item(b, it);
    app_dirty(b->app);
}

static void refreshed(void *ud)
{
    struct ui_batch *b = ud;
    size_t left = 0;
    for (size_t i = 0; i < plan_count(b->plan); i++) {
        const struct plan_item *it = plan_at(b->plan, i);
        if (b->was_planned[i] && it->state != ITEM_PLANNED)
            tell_item(b, it);
        left += it->state == ITEM_PLANNED;
    }
    if (!left && !b->resume_id) {
        finished(b);
        return;
    }
    char *err = NULL, *dir = journal_default_dir();
    b->j = b->resume_id ? journal_reopen(dir, b->resume_id, &err)
                        : journal_create(dir, be_name(plan_backend(b->plan)), &err);
    free(dir);

    if (!b->j) {
        /* No journal, no change: a crash would leave nobody knowing what was done. */
        app_flash(b->app, true, "Nothing sent: %s", err);
        free(err);
        finished(b);
        return;
    }
    plan_apply(b->plan, b->j, MAX_IN_FLIGHT, progressed, finished, b);
}

/* The passphrase was asked for the waiting batches: start them, or (Esc, wrong passphrase)
 * end them with nothing sent. */
static void unlocked(struct app *app, bool ok)
{
    for (struct ui_batch *b = app->batches; b; b = b->next) {
        if (!b->waiting)
            continue;
        b->waiting = false;
        if (ok)
            plan_refresh(b->plan, refreshed, b);
        else
            finished(b);
    }
    if (!ok)
        app_flash(app, true, "Nothing sent: %s", lock_error(app->lock));
}

void ui_batch_start(struct app *app, struct plan *p, const char *resume_id, ui_item_fn item,
                    ui_done_fn done, void *ud)
{
    struct ui_batch *b = xcalloc(1, sizeof *b);
    b->resume_id = xstrdup_or_null(resume_id);
    b->app = app;
    b->plan = p;
    b->item = item;
    b->done = done;
    b->ud = ud;
    b->was_planned = xcalloc(plan_count(p) + 1, sizeof *b->was_planned);
    for (size_t i = 0; i < plan_count(p); i++)
        b->was_planned[i] = plan_at(p, i)->state == ITEM_PLANNED;
    b->next = app->batches;
    app->batches = b;
    if (lock_locked(app->lock)) {
        /* A change after the idle lock: the passphrase first, then the same path. */
        b->waiting = true;
        if (!lock_asking(app->lock))
            lock_ask(app, unlocked);
        return;
    }
    plan_refresh(p, refreshed, b); /* the targets must still be as the operator saw them */
}

static void batch_free(struct ui_batch *b)
{
    free(b->resume_id);
    journal_close(b->j);
    plan_free(b->plan);
    free(b->was_planned);
    free(b);
}

size_t ui_batch_running(const struct app *app)
{
    size_t n = 0;
    for (const struct ui_batch *b = app->batches; b; b = b->next)
        n += !b->finished;
    return n;
}

void ui_batch_reap(struct app *app)
{
    struct ui_batch **link = &app->batches;
    while (*link) {
        struct ui_batch *b = *link;
        if (b->finished) {
            *link = b->next;
            batch_free(b);
        } else {
            link = &b->next;
        }
    }
}

void ui_batch_detach_all(struct app *app)
{
    for (struct ui_batch *b = app->batches; b; b = b->next)
        b->ud = NULL;
}

void ui_batch_detach(struct app *app, const void *ud)
{
    for (struct ui_batch *b = app->batches; b; b = b->next) {
        if (b->ud == ud) {
            b->ud = NULL;
            b->orphan = true;
        }
    }
}

void ui_batch_free_all(struct app *app)
{
    while (app->batches) {
        struct ui_batch *b = app->batches;
        app->batches = b->next;
        batch_free(b);
    }
}

struct offer {
    struct app *app;
    struct backend *be;
    char *id;
};

static void resumed(void *ud, struct plan *p, const struct plan_summary *s, const char *jid)
{
    struct app *app = ud;
    (void)p;
    app_flash(app, s->failed || s->conflicts || s->not_attempted,
              "Batch %s: %zu ok, %zu gone, "
              "%zu failed, %zu conflicts, %zu not sent",
              jid ? jid : "", s->ok, s->gone, s->failed, s->conflicts, s->not_attempted);
}

static void ignore_item(void *ud, struct backend *be, const struct plan_item *it)
{
    (void)ud;
    (void)be;
    (void)it;
}

static void offer_answered(void *ud, bool yes)
{
    struct offer *o = ud;
    struct journal_batch jb;
    char *err = NULL, *lost = NULL, *dir = journal_default_dir();
    if (yes && journal_read(dir, o->id, &jb, &err) == 0) {
        struct plan *p = plan_from_journal(o->be, &jb, &lost);
        (void)plan_check(p);
        ui_batch_start(o->app, p, o->id, ignore_item, resumed, o->app);
        if (lost)
            app_flash(o->app, true, "%s", lost);
        journal_batch_done(&jb);
    } else if (yes) {
        app_flash(o->app, true, "%s", err);
    }
    free(err);
    free(lost);
    free(dir);
    free(o->id);
    free(o);
}

void ui_batch_offer_resume(struct app *app)
{
    char **ids, *dir = journal_default_dir();
    size_t n = journal_list(dir, &ids);
    for (size_t i = 0; i < n; i++) {
        struct journal_batch jb;
        char *err = NULL;
        if (journal_read(dir, ids[i], &jb, &err)) {
            free(err);
            continue;
        }
        struct backend *be = journal_unfinished(&jb) ? fleet_find(app->fleet, jb.backend) : NULL;
        if (be) {
            struct offer *o = xcalloc(1, sizeof *o);
            *o = (struct offer){app, be, xstrdup(jb.id)};
            struct dialog *d = dialog_new("Unfinished changes", "Resume", true);
            char *line = xasprintf("Batch %s on %s was interrupted.", jb.id, jb.backend);
            dialog_add_line(d, line);
            dialog_add_line(d, "Resume settles what is unknown and sends what is left.");
            free(line);
            line = xasprintf("Later: pbxtop journal resume %s", jb.id);
            dialog_add_line(d, line);
            free(line);
            app_open_dialog(app, d, offer_answered, o);
            journal_batch_done(&jb);
            break;
        }
        journal_batch_done(&jb);
    }
    journal_ids_free(ids, n);
    free(dir);
}
