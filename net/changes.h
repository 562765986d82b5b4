/* Plan -> apply -> journal (DESIGN.md §7). A plan holds the exact changes for one backend;
 * it is checked against the schema, compared with freshly read data (conflicts, updates
 * that change nothing), then applied with bounded concurrency, each item journaled before
 * its request and after its answer. The TUI and the batch commands share this path. */
#ifndef PBXTOP_NET_CHANGES_H
#define PBXTOP_NET_CHANGES_H

#include <stdbool.h>
#include <stddef.h>

#include "net/backend.h"
#include "net/journal.h"

enum item_state {
    ITEM_PLANNED,
    ITEM_INVALID,   /* refused by the schema: never sent */
    ITEM_CONFLICT,  /* the target changed or vanished since it was planned */
    ITEM_UNCHANGED, /* an update that would change nothing */
    ITEM_SENT,
    ITEM_DONE,          /* outcome holds the answer */
    ITEM_NOT_ATTEMPTED, /* the batch stopped first (auth or connection lost) */
};

struct plan_item {
    enum change_op op;
    enum kind kind;
    char *id; /* NULL for a create */
    int nvalues;
    char **names;
    char **values; /* NULL entries: null */
    char **before; /* per value: what the record held when planned, NULL when unknown */
    int line;      /* where the item came from (CSV line), 0 when not from a file */
    size_t jn;     /* its number in the journal */
    enum item_state state;
    enum act_outcome outcome;
    char *msg;    /* why invalid, conflict or not attempted; else the outcome's message */
    char *new_id; /* a create's new record id, when the backend told it */
};

struct plan_summary {
    size_t ok, gone, failed, invalid, conflicts, unchanged, not_attempted;
    bool stopped;       /* sending stopped after an auth or connection failure */
    bool journal_error; /* the journal could not be written: nothing more was sent */
    bool committed;     /* the commit step ran and succeeded */
    bool commit_failed;
};

typedef void (*plan_progress_fn)(void *ud, const struct plan_item *item);
typedef void (*plan_done_fn)(void *ud);

struct plan;

struct plan *plan_new(struct backend *be);
void plan_free(struct plan *p);
struct backend *plan_backend(const struct plan *p);
/* Add a copy of c, coming from `line` (0: not from a file). */
struct plan_item *plan_add(struct plan *p, const struct change *c, int line);
size_t plan_count(const struct plan *p);
struct plan_item *plan_at(struct plan *p, size_t i);
/* The plan finishes a journaled batch (pbxtop journal resume): its items are in the journal
 * already, under their `jn`, and only their intents and outcomes are appended; refreshing
 * settles items whose target is already in the wanted state; commit_due runs the commit
 * step even when nothing is left to send. */
void plan_set_resuming(struct plan *p, bool commit_due);
/* A resuming plan of what is left of a journaled batch. Items whose secret values the journal
 * does not keep cannot be redone: *lost (owned) then names their lines, else it is NULL. */
struct plan *plan_from_journal(struct backend *be, const struct journal_batch *jb, char **lost);
/* Check every planned item against the backend's schema and capabilities; the refused ones
 * become ITEM_INVALID with a message naming the field. Returns how many were refused. */
size_t plan_check(struct plan *p);
/* Re-read every view the plan touches, then for each planned item: a target that is gone,
 * a create whose key exists, or a record that no longer holds the values seen when the plan
 * was first refreshed becomes ITEM_CONFLICT; an update that changes nothing becomes
 * ITEM_UNCHANGED, and unchanged fields are dropped from updates. done runs when finished. */
void plan_refresh(struct plan *p, plan_done_fn done, void *ud);
/* Send every planned item, journaled in j (which the caller keeps open until done runs):
 * at most max_in_flight at once, consecutive deletes of one view in one request where the
 * backend can, the item marked last held back until all others have answered, and the
 * commit step once if anything changed. After an auth or connection failure no further
 * item is sent (they stay ITEM_NOT_ATTEMPTED, resumable from the journal). progress runs
 * after each item's outcome, done once at the end. */
void plan_apply(struct plan *p, struct journal *j, int max_in_flight, plan_progress_fn progress,
                plan_done_fn done, void *ud);
void plan_summary(const struct plan *p, struct plan_summary *s);
/* A one-line description of item i for people: "update extensions 1001: name Alice -> Bob". */
char *plan_describe(const struct plan *p, size_t i);

#endif
