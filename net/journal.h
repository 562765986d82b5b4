/* The change journal (DESIGN.md §7): one append-only file per batch under
 * $XDG_STATE_HOME/pbxtop/journal/, mode 0600. An item's intent is fsynced before its request
 * goes out and its outcome after the answer, so that after a crash `pbxtop journal resume`
 * knows what completed, what never started, and what must be settled by asking the backend.
 * Secrets are never written: such a value is recorded as withheld. */
#ifndef PBXTOP_NET_JOURNAL_H
#define PBXTOP_NET_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/backend.h"

struct journal;

/* $XDG_STATE_HOME/pbxtop/journal, else ~/.local/state/pbxtop/journal. Owned by caller. */
char *journal_default_dir(void);

/* Start a journal for a batch on `backend` in dir (created 0700 if missing). NULL with *err
 * (owned) when the file cannot be made. */
struct journal *journal_create(const char *dir, const char *backend, char **err);
/* Reopen batch `id` to append its remaining outcomes (resume). */
struct journal *journal_reopen(const char *dir, const char *id, char **err);
/* The batch id ("20261124-221503-1a2b"), valid while j is. */
const char *journal_id(const struct journal *j);
/* Close; every record written so far is already on disk. */
void journal_close(struct journal *j);

/* Record item n of the plan: its change (values of FS_SECRET fields withheld), the values it
 * had before (NULL: unknown), and the source line. Returns -1 (errno set) on failure. */
int journal_item(struct journal *j, size_t n, int line, const struct change *c,
                 const char *const *before, const struct record_schema *s);
/* Item n is about to be sent (fsynced). */
int journal_intent(struct journal *j, size_t n);
/* Item n's outcome (fsynced); new_id may be NULL. */
int journal_outcome(struct journal *j, size_t n, enum act_outcome o, const char *new_id,
                    const char *msg);
/* The commit step: intent, then its outcome. */
int journal_commit_intent(struct journal *j);
int journal_commit_outcome(struct journal *j, enum act_outcome o, const char *msg);
/* The batch is over (nothing left to resume). */
int journal_end(struct journal *j);

/* A batch read back from its file. Strings owned by the batch. */
struct journal_entry {
    size_t n;
    int line;
    enum change_op op;
    enum kind kind;
    char *id; /* NULL for a create */
    int nvalues;
    char **names;
    char **values;  /* NULL entries: null */
    bool *withheld; /* the value was a secret and is not in the journal */
    char **before;  /* per value, NULL when unknown */
    bool intent;
    bool has_outcome;
    enum act_outcome outcome;
    char *new_id;
    char *msg;
};

struct journal_batch {
    char *id;
    char *backend;
    int64_t created; /* Unix seconds */
    struct journal_entry *items;
    size_t nitems;
    bool commit_intent;
    bool committed;
    bool ended;
};

/* Read batch `id`; -1 with *err (owned) naming the file and line when it is damaged. A torn
 * last line (a crash during a write) is ignored. */
int journal_read(const char *dir, const char *id, struct journal_batch *b, char **err);
/* Parse journal text (for tests and fuzzing); `name` is used in messages. */
int journal_parse(const char *name, const char *text, size_t len, struct journal_batch *b,
                  char **err);
void journal_batch_done(struct journal_batch *b);
/* The ids of every batch in dir, newest first; returns how many (*ids owned by caller,
 * free with journal_ids_free). */
size_t journal_list(const char *dir, char ***ids);
void journal_ids_free(char **ids, size_t n);
/* True when an item still has to be done: no outcome yet, or one that did not finish it (the
 * login was refused, or the connection lost with the outcome unknown). */
bool journal_entry_left(const struct journal_entry *e);
/* True when the batch still has work: an item left or a commit to do. */
bool journal_unfinished(const struct journal_batch *b);

#endif
