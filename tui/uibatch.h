/* Running a plan from the console: re-read the targets, journal, apply, without blocking the
 * screen. The app owns running batches; a view only hears about their items and end, and
 * stops hearing when it is destroyed (ui_batch_detach_all). */
#ifndef PBXTOP_TUI_UIBATCH_H
#define PBXTOP_TUI_UIBATCH_H

#include "net/changes.h"

struct app;
struct ui_batch;

/* An item of be's batch settled: at the re-read (already gone, conflict) or with its answer. */
typedef void (*ui_item_fn)(void *ud, struct backend *be, const struct plan_item *it);
/* The batch is over: p holds every item's outcome (borrowed for the call), s counts them,
 * journal_id is NULL when nothing was sent. */
typedef void (*ui_done_fn)(void *ud, struct plan *p, const struct plan_summary *s,
                           const char *journal_id);

/* Take the plan (already checked) and run it; the app owns it from here. resume_id names the
 * journaled batch a resuming plan finishes (NULL: a new batch). */
void ui_batch_start(struct app *app, struct plan *p, const char *resume_id, ui_item_fn item,
                    ui_done_fn done, void *ud);
/* At start: when the journal holds an unfinished batch for one of the configured backends,
 * ask whether to finish it now (DESIGN.md §7). */
void ui_batch_offer_resume(struct app *app);
/* How many batches are still running. */
size_t ui_batch_running(const struct app *app);
/* Free the batches that have finished; called by the loop between passes. */
void ui_batch_reap(struct app *app);
/* No more callbacks to the views (before they are destroyed); batches still run. */
void ui_batch_detach_all(struct app *app);
/* No more callbacks to ud (a view being replaced); its batches still run, and report their
 * outcome in the status line themselves. */
void ui_batch_detach(struct app *app, const void *ud);
/* Free every batch, finished or not; only after the fleet is freed (nothing can answer). An
 * unfinished batch stays open in the journal, for `pbxtop journal resume`. */
void ui_batch_free_all(struct app *app);

#endif
