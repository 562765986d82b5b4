/* The change engine: plan, check, refresh, apply, commit, with the journal as the record of
 * what was attempted and what came of it. */
#include "net/changes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/schema.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

#define MAX_GROUP 50 /* deletes sent in one request at most */

struct plan {
    struct backend *be;
    struct plan_item *items;
    size_t n, cap;
    /* refresh */
    bool refreshed_once;
    int refresh_pending;
    bool refresh_ok[KIND_COUNT];
    plan_done_fn rdone;
    void *rud;
    /* apply */
    struct journal *j;
    int max_in_flight, in_flight;
    size_t next;
    size_t last;
    bool stopped, journal_error, pumping, repump, finished, committing;
    bool committed, commit_failed;
    bool resuming, commit_due;
    struct unit *units; /* in flight: freed by plan_free when their answers never came */
    plan_progress_fn progress;
    plan_done_fn adone;
    void *aud;
};

/* The items sent in one request (one, or a group of deletes). */
struct unit {
    struct plan *p;
    size_t first, count, left;
    struct unit *prev, *next; /* the plan's units still waiting for answers */
};

struct plan *plan_new(struct backend *be)
{
    struct plan *p = xcalloc(1, sizeof *p);
    p->be = be;
    return p;
}

static void item_done(struct plan_item *it)
{
    for (int i = 0; i < it->nvalues; i++) {
        free(it->names[i]);
        free(it->values[i]);
        if (it->before)
            free(it->before[i]);
    }
    free(it->names);
    free(it->values);
    free(it->before);
    free(it->id);
    free(it->msg);
    free(it->new_id);
}

void plan_free(struct plan *p)
{
    if (!p)
        return;
    while (p->units) {
        struct unit *u = p->units;
        p->units = u->next;
        free(u);
    }
    for (size_t i = 0; i < p->n; i++)
        item_done(&p->items[i]);
    free(p->items);
    free(p);
}

struct backend *plan_backend(const struct plan *p)
{
    return p->be;
}

size_t plan_count(const struct plan *p)
{
    return p->n;
}

struct plan_item *plan_at(struct plan *p, size_t i)
{
    return &p->items[i];
}

/* The change an item stands for, borrowing its strings. */
static struct change as_change(const struct plan_item *it, bool last)
{
    struct change c = {
        .op = it->op,
        .kind = it->kind,
        .id = it->id,
        .nvalues = it->nvalues,
        .names = (const char *const *)it->names,
        .values = (const char *const *)it->values,
        .last = last,
    };
    return c;
}

struct plan_item *plan_add(struct plan *p, const struct change *c, int line)
{
    p->items = xgrow(p->items, &p->cap, p->n + 1, sizeof *p->items);
    struct plan_item *it = &p->items[p->n++];
    memset(it, 0, sizeof *it);
    it->op = c->op;
    it->kind = c->kind;
    it->id = xstrdup_or_null(c->id);
    it->nvalues = c->nvalues;
    it->names = xcalloc((size_t)c->nvalues + 1, sizeof *it->names);
    it->values = xcalloc((size_t)c->nvalues + 1, sizeof *it->values);
    for (int i = 0; i < c->nvalues; i++) {
        it->names[i] = xstrdup(c->names[i]);
        it->values[i] = xstrdup_or_null(c->values[i]);
    }
    it->line = line;
    it->jn = p->n - 1;
    it->state = ITEM_PLANNED;
    return it;
}

void plan_set_resuming(struct plan *p, bool commit_due)
{
    p->resuming = true;
    p->refreshed_once = true; /* the items carry their pre-images from the journal */
    p->commit_due = commit_due;
}


static void set_state(struct plan_item *it, enum item_state st, char *msg)
{
    it->state = st;
    free(it->msg);
    it->msg = msg;
}

static bool any_withheld(const struct journal_entry *e)
{
    for (int k = 0; k < e->nvalues; k++) {
        if (e->withheld[k])
            return true;
    }
    return false;
}

static void add_from_entry(struct plan *p, const struct journal_entry *e)
{
    struct change c = {.op = e->op,
                       .kind = e->kind,
                       .id = e->id,
                       .nvalues = e->nvalues,
                       .names = (const char *const *)e->names,
                       .values = (const char *const *)e->values};
    struct plan_item *it = plan_add(p, &c, e->line);
    it->jn = e->n;
    if (!e->before)
        return;
    it->before = xcalloc((size_t)e->nvalues + 1, sizeof *it->before);
    for (int k = 0; k < e->nvalues; k++)
        it->before[k] = xstrdup_or_null(e->before[k]);
}

struct plan *plan_from_journal(struct backend *be, const struct journal_batch *jb, char **lost)
{
    struct plan *p = plan_new(be);
    struct strbuf sb;
    strbuf_init(&sb, 1u << 16);
    for (size_t i = 0; i < jb->nitems; i++) {
        const struct journal_entry *e = &jb->items[i];
        if (!journal_entry_left(e))
            continue;
        if (any_withheld(e) && e->op != OP_DELETE)
            (void)strbuf_addf(&sb, "%s%d", sb.len ? ", " : "", e->line);
        else
            add_from_entry(p, e);
    }
    *lost = sb.len ? xasprintf("the journal does not keep secret values: apply line(s) %s again",
                               strbuf_cstr(&sb))
                   : NULL;
    strbuf_done(&sb);
    plan_set_resuming(p, jb->commit_intent && !jb->committed);
    return p;
}

/* On resume, a target already in the wanted state was changed before the crash (or by
 * someone else): done, not a conflict. */
static void settled(struct plan_item *it, enum act_outcome o, const char *why)
{
    set_state(it, ITEM_DONE, xasprintf("settled: %s", why));
    it->outcome = o;
}

/* Turn ';'-separated items (how CSV output shows lists) into '\x1f'-separated ones, spaces
 * around the items dropped, in place. */
static void list_items(char *v)
{
    char *out = v;
    for (char *p = v; *p;) {
        while (*p == ' ')
            p++;
        char *end = p + strcspn(p, ";\x1f");
        char *last = end;
        while (last > p && last[-1] == ' ')
            last--;
        memmove(out, p, (size_t)(last - p));
        out += last - p;
        p = end;
        if (*p) {
            *out++ = '\x1f';
            p++;
        }
    }
    *out = '\0';
}

/* Write booleans and integers the one way the records hold them, so that comparing with
 * freshly read data and sending are unambiguous. */
static void canonicalise(struct plan_item *it, const struct record_schema *s)
{
    for (int i = 0; i < it->nvalues; i++) {
        const struct field_schema *f = schema_field(s, it->names[i]);
        char *v = it->values[i];
        if (!f || !v)
            continue;
        if (f->type == FT_BOOL) {
            bool yes = strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
                       strcasecmp(v, "on") == 0 || strcmp(v, "1") == 0;
            it->values[i] = xstrdup(yes ? "true" : "false");
            free(v);
        } else if (f->type == FT_INT) {
            it->values[i] = xasprintf("%lld", strtoll(v, NULL, 10));
            free(v);
        } else if (f->type == FT_LIST) {
            list_items(v); /* "a; b" as CSV shows lists, to the records' separator */
        }
    }
}

/* Why a hang up (delete of a channel) cannot be planned, or NULL. */
static char *hangup_check(struct backend *be, const struct plan_item *it)
{
    if (it->op != OP_DELETE)
        return xstrdup("channels can only be hung up (op delete)");
    if (!(be_caps(be) & CAP_HANGUP))
        return xstrdup(be_why_no_hangup(be));
    const char *why = be_check_id(be, KIND_CHANNELS, it->id);
    return why ? xstrdup(why) : NULL;
}

size_t plan_check(struct plan *p)
{
    size_t bad = 0;
    for (size_t i = 0; i < p->n; i++) {
        struct plan_item *it = &p->items[i];
        if (it->state != ITEM_PLANNED)
            continue;
        const struct record_schema *s = be_schema(p->be, it->kind);
        struct change c = as_change(it, false);
        const char *bad_id = it->id ? be_check_id(p->be, it->kind, it->id) : NULL;
        char *why = be_read_only(p->be)         ? xstrdup("read-only: changes are not allowed")
                    : bad_id                    ? xstrdup(bad_id)
                    : it->kind == KIND_CHANNELS ? hangup_check(p->be, it)
                                                : schema_check_change(s, &c);
        if (why) {
            set_state(it, ITEM_INVALID, why);
            bad++;
        } else {
            canonicalise(it, s);
        }
    }
    return bad;
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The record that already holds the key a create would use, or NULL. The first key field
 * must be given (else the backend picks the key); the second counts only when given. */
static const struct record *key_taken(const struct snapshot *s, const struct plan_item *it)
{
    const struct kind_def *kd = kind_def(it->kind);
    const char *want[2] = {NULL, NULL};
    bool given[2] = {false, false};
    int nkeys = 0;
    for (int k = 0; k < 2 && kd->key[k] >= 0; k++, nkeys++) {
        for (int i = 0; i < it->nvalues; i++) {
            if (strcmp(it->names[i], kd->fields[kd->key[k]].name) == 0) {
                want[k] = it->values[i];
                given[k] = true;
            }
        }
    }
    if (!nkeys || !given[0])
        return NULL;
    for (size_t r = 0; r < snap_count(s); r++) {
        const struct record *rec = snap_get(s, r);
        bool all = true;
        for (int k = 0; k < nkeys; k++)
            all = all && (!given[k] || same(rec->v[kd->key[k]], want[k]));
        if (all)
            return rec;
    }
    return NULL;
}

static void drop_value(struct plan_item *it, int i)
{
    free(it->names[i]);
    free(it->values[i]);
    if (it->before)
        free(it->before[i]);
    for (int k = i; k + 1 < it->nvalues; k++) {
        it->names[k] = it->names[k + 1];
        it->values[k] = it->values[k + 1];
        if (it->before)
            it->before[k] = it->before[k + 1];
    }
    it->nvalues--;
}

/* An update against the record as it is now: on the first refresh, remember what each
 * field held; on later ones, any difference is a conflict. Fields already at their new
 * value are dropped. */
static void compare_update(struct plan *p, struct plan_item *it, const struct record *rec)
{
    if (!it->before)
        it->before = xcalloc((size_t)it->nvalues + 1, sizeof *it->before);
    for (int i = 0; i < it->nvalues; i++) {
        int f = kind_field(it->kind, it->names[i]);
        const char *now = f >= 0 ? rec->v[f] : NULL;
        if (f < 0)
            continue; /* a backend-only field: not in the records, cannot be compared */
        if (!p->refreshed_once) {
            it->before[i] = xstrdup_or_null(now);
        } else if (!same(it->before[i], now) && !same(it->values[i], now)) {
            /* Changed, and not to what we want: someone else's edit. (Already at the new
             * value is no conflict: a resumed write that did land, or the same edit.) */
            set_state(it, ITEM_CONFLICT,
                      xasprintf("%s changed since the plan was made", it->names[i]));
            return;
        }
    }
    for (int i = it->nvalues - 1; i >= 0; i--) {
        int f = kind_field(it->kind, it->names[i]);
        if (f >= 0 && same(rec->v[f], it->values[i]))
            drop_value(it, i);
    }
    if (it->nvalues == 0 && p->resuming)
        settled(it, ACT_OK, "already applied");
    else if (it->nvalues == 0)
        set_state(it, ITEM_UNCHANGED, xstrdup("no change"));
}

static void compare(struct plan *p, struct plan_item *it)
{
    const char *view = kind_def(it->kind)->name;
    const struct snapshot *s = be_snapshot(p->be, it->kind);
    if (!p->refresh_ok[it->kind] || !s) {
        const char *err = be_error(p->be);
        enum be_fail why = be_kind_fail(p->be, it->kind);
        char *msg = *err ? xasprintf("could not re-read: %s", err)
                         : xasprintf("could not re-read %s", view);
        /* Unreachable or refused: nothing can be sent now; otherwise the data is in doubt. */
        if (why == FAIL_NET || why == FAIL_AUTH) {
            set_state(it, ITEM_NOT_ATTEMPTED, msg);
            p->stopped = true;
        } else {
            set_state(it, ITEM_CONFLICT, msg);
        }
        return;
    }
    if (it->op == OP_CREATE) {
        if (key_taken(s, it) && p->resuming)
            settled(it, ACT_OK, "the record exists");
        else if (key_taken(s, it))
            set_state(it, ITEM_CONFLICT, xasprintf("such a record already exists in %s", view));
        return;
    }
    long r = snap_find(s, it->id);
    if (r < 0 && p->resuming) {
        settled(it, ACT_GONE, "already gone");
        return;
    }
    if (r < 0 && it->kind == KIND_CHANNELS) {
        /* A call that ended by itself: what the operator wanted has happened. */
        set_state(it, ITEM_DONE, xstrdup("channel already gone"));
        it->outcome = ACT_GONE;
    } else if (r < 0) {
        set_state(it, ITEM_CONFLICT, xasprintf("%s is no longer in %s", it->id, view));
    } else if (it->op == OP_UPDATE) {
        compare_update(p, it, snap_get(s, (size_t)r));
    }
}

static void refreshed(void *ud, bool ok)
{
    struct plan *p = ud;
    (void)ok; /* the kind's entry is set once all have answered, from its stale flag */
    if (--p->refresh_pending > 0)
        return;
    for (int k = 0; k < KIND_COUNT; k++)
        p->refresh_ok[k] = be_snapshot(p->be, (enum kind)k) && !be_kind_stale(p->be, (enum kind)k);
    for (size_t i = 0; i < p->n; i++) {
        if (p->items[i].state == ITEM_PLANNED)
            compare(p, &p->items[i]);
    }
    p->refreshed_once = true;
    p->rdone(p->rud);
}

void plan_refresh(struct plan *p, plan_done_fn done, void *ud)
{
    bool want[KIND_COUNT] = {false};
    p->rdone = done;
    p->rud = ud;
    p->refresh_pending = 1; /* held until every refresh is asked for */
    for (size_t i = 0; i < p->n; i++) {
        if (p->items[i].state == ITEM_PLANNED)
            want[p->items[i].kind] = true;
    }
    for (int k = 0; k < KIND_COUNT; k++)
        p->refresh_pending += want[k];
    for (int k = 0; k < KIND_COUNT; k++) {
        if (want[k])
            be_refresh(p->be, (enum kind)k, refreshed, p);
    }
    refreshed(p, true);
}

static void pump(struct plan *p);

static void finish(struct plan *p)
{
    p->finished = true;
    for (size_t i = 0; i < p->n; i++) {
        struct plan_item *it = &p->items[i];
        if (it->state == ITEM_PLANNED)
            set_state(it, ITEM_NOT_ATTEMPTED,
                      xstrdup(p->journal_error ? "not sent: the journal could not be written"
                                               : "not sent: the batch stopped"));
    }
    /* A stopped batch stays open in the journal, for `pbxtop journal resume`. */
    if (!p->stopped && !p->journal_error)
        (void)journal_end(p->j);
    p->adone(p->aud);
}

static void committed(void *ud, const char *id, enum act_outcome o, const char *msg)
{
    struct plan *p = ud;
    (void)id;
    p->committed = o == ACT_OK;
    p->commit_failed = o != ACT_OK;
    if (journal_commit_outcome(p->j, o, msg))
        p->journal_error = true;
    finish(p);
}

/* Whether a change that is done needs the commit step to go live. */
static bool anything_to_commit(const struct plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct plan_item *it = &p->items[i];
        /* A partial outcome changed something too: the commit must make it live. */
        if (it->state == ITEM_DONE && (it->outcome == ACT_OK || it->outcome == ACT_PARTIAL) &&
            be_needs_commit(p->be, (int)it->kind))
            return true;
    }
    return false;
}

static void maybe_finish(struct plan *p)
{
    if (p->finished || p->committing || p->in_flight > 0)
        return;
    bool more = false;
    for (size_t i = p->next; i < p->n && !more; i++)
        more = p->items[i].state == ITEM_PLANNED;
    if (more && !p->stopped)
        return;
    /* A resumed batch whose journal holds a commit intent finishes that commit. */
    if (!p->stopped && (anything_to_commit(p) || (p->commit_due && be_needs_commit(p->be, -1)))) {
        p->committing = true;
        if (journal_commit_intent(p->j)) {
            p->journal_error = true;
            finish(p);
            return;
        }
        be_commit(p->be, committed, p);
        return;
    }
    finish(p);
}

static struct plan_item *unit_item(struct unit *u, const char *id)
{
    struct plan *p = u->p;
    if (u->count == 1)
        return &p->items[u->first];
    for (size_t i = u->first; i < u->first + u->count; i++) {
        struct plan_item *it = &p->items[i];
        if (it->state == ITEM_SENT && it->id && id && strcmp(it->id, id) == 0)
            return it;
    }
    return NULL;
}

static void answered(void *ud, const char *id, enum act_outcome o, const char *msg)
{
    struct unit *u = ud;
    struct plan *p = u->p;
    struct plan_item *it = unit_item(u, id);
    if (!it || it->state != ITEM_SENT)
        return; /* an answer for an id not in this unit: the adapter's bug, not ours */
    it->state = ITEM_DONE;
    it->outcome = o;
    free(it->msg);
    it->msg = xstrdup(msg ? msg : "");
    if (it->op == OP_CREATE && id && *id)
        it->new_id = xstrdup(id);
    if (journal_outcome(p->j, it->jn, o, it->new_id, it->msg))
        p->journal_error = p->stopped = true;
    if (o == ACT_AUTH || o == ACT_UNREACHABLE)
        p->stopped = true; /* the next items would only fail the same way */
    if (p->progress)
        p->progress(p->aud, it);
    if (--u->left > 0)
        return;
    if (u->prev)
        u->prev->next = u->next;
    else
        p->units = u->next;
    if (u->next)
        u->next->prev = u->prev;
    free(u);
    p->in_flight--;
    pump(p);
}

/* How many items from i form one request: consecutive deletes of one view, else one. */
static size_t group_size(const struct plan *p, size_t i)
{
    const struct plan_item *a = &p->items[i];
    size_t n = 1;
    if (a->op != OP_DELETE || a->kind == KIND_CHANNELS)
        return 1;
    while (i + n < p->n && n < MAX_GROUP) {
        const struct plan_item *b = &p->items[i + n];
        if (b->state != ITEM_PLANNED || b->op != OP_DELETE || b->kind != a->kind)
            break;
        n++;
    }
    return n;
}

static void send_unit(struct plan *p, struct unit *u)
{
    struct plan_item *first = &p->items[u->first];
    if (u->count == 1) {
        struct change c = as_change(first, u->first == p->last);
        if (c.kind == KIND_CHANNELS)
            be_hangup(p->be, c.id, answered, u);
        else
            be_apply(p->be, &c, answered, u);
        return;
    }
    const char **ids = xcalloc(u->count, sizeof *ids);
    for (size_t k = 0; k < u->count; k++)
        ids[k] = p->items[u->first + k].id;
    be_delete_many(p->be, first->kind, ids, u->count, answered, u);
    free(ids);
}

/* Journal the unit's intents, then send it; false when the journal failed. */
static bool start_unit(struct plan *p, size_t i, size_t n)
{
    for (size_t k = i; k < i + n; k++) {
        if (journal_intent(p->j, p->items[k].jn)) {
            p->journal_error = p->stopped = true;
            return false;
        }
        p->items[k].state = ITEM_SENT;
    }
    struct unit *u = xcalloc(1, sizeof *u);
    *u = (struct unit){.p = p, .first = i, .count = n, .left = n, .next = p->units};
    if (p->units)
        p->units->prev = u;
    p->units = u;
    p->in_flight++;
    send_unit(p, u);
    return true;
}

static void pump(struct plan *p)
{
    if (p->pumping) {
        p->repump = true; /* an answer arrived while we were sending: look again after */
        return;
    }
    p->pumping = true;
    do {
        p->repump = false;
        while (!p->stopped && p->in_flight < p->max_in_flight && p->next < p->n) {
            size_t i = p->next;
            if (p->items[i].state != ITEM_PLANNED) {
                p->next++;
                continue;
            }
            size_t n = group_size(p, i);
            bool has_last = i <= p->last && p->last < i + n;
            if (has_last && p->in_flight > 0)
                break; /* the last item waits until everything else has answered */
            p->next += n;
            if (!start_unit(p, i, n))
                break;
        }
    } while (p->repump);
    p->pumping = false;
    maybe_finish(p);
}

/* On resume, what the re-read decided for an item already in the journal goes there too,
 * so that the journal never says "outcome unknown" for a batch it also calls finished. */
static void journal_settled(struct plan *p, struct plan_item *it)
{
    int rc = 0;
    if (it->state == ITEM_DONE)
        rc = journal_outcome(p->j, it->jn, it->outcome, it->new_id, it->msg);
    else if (it->state == ITEM_CONFLICT || it->state == ITEM_INVALID)
        rc = journal_outcome(p->j, it->jn, ACT_FAILED, NULL, it->msg);
    if (rc)
        p->journal_error = p->stopped = true;
}

void plan_apply(struct plan *p, struct journal *j, int max_in_flight, plan_progress_fn progress,
                plan_done_fn done, void *ud)
{
    p->j = j;
    p->max_in_flight = max_in_flight > 0 ? max_in_flight : 1;
    p->progress = progress;
    p->adone = done;
    p->aud = ud;
    p->next = 0;
    p->last = p->n; /* none */
    for (size_t i = 0; i < p->n; i++) {
        struct plan_item *it = &p->items[i];
        if (p->resuming)
            journal_settled(p, it);
        if (it->state != ITEM_PLANNED)
            continue;
        p->last = i;
        struct change c = as_change(it, false);
        if (p->resuming)
            continue;
        if (journal_item(j, it->jn, it->line, &c, (const char *const *)it->before,
                         be_schema(p->be, it->kind))) {
            p->journal_error = p->stopped = true;
            break;
        }
    }
    pump(p);
}

void plan_summary(const struct plan *p, struct plan_summary *s)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < p->n; i++) {
        const struct plan_item *it = &p->items[i];
        switch (it->state) {
        case ITEM_INVALID:
            s->invalid++;
            break;
        case ITEM_CONFLICT:
            s->conflicts++;
            break;
        case ITEM_UNCHANGED:
            s->unchanged++;
            break;
        case ITEM_NOT_ATTEMPTED:
        case ITEM_PLANNED:
        case ITEM_SENT:
            s->not_attempted++;
            break;
        case ITEM_DONE:
            if (it->outcome == ACT_OK)
                s->ok++;
            else if (it->outcome == ACT_GONE)
                s->gone++;
            else
                s->failed++;
            break;
        }
    }
    s->stopped = p->stopped;
    s->journal_error = p->journal_error;
    s->committed = p->committed;
    s->commit_failed = p->commit_failed;
}

char *plan_describe(const struct plan *p, size_t i)
{
    const struct plan_item *it = &p->items[i];
    const struct record_schema *s = be_schema(p->be, it->kind);
    struct strbuf sb;
    strbuf_init(&sb, 1u << 20);
    (void)strbuf_addf(&sb, "%s %s", it->kind == KIND_CHANNELS ? "hangup" : change_op_name(it->op),
                      kind_def(it->kind)->name);
    if (it->id)
        (void)strbuf_addf(&sb, " %s", it->id);
    for (int v = 0; v < it->nvalues; v++) {
        const struct field_schema *f = schema_field(s, it->names[v]);
        bool secret = f && (f->flags & FS_SECRET);
        const char *was = it->before ? it->before[v] : NULL;
        (void)strbuf_addf(&sb, "%s %s ", v ? "," : ":", it->names[v]);
        const char *now = it->values[v];
        if (it->op == OP_UPDATE && was)
            (void)strbuf_addf(&sb, "%s -> ", secret ? "(hidden)" : *was ? was : "(empty)");
        (void)strbuf_adds(&sb, secret ? "(hidden)" : !now ? "(null)" : *now ? now : "(empty)");
    }
    /* Lists as CSV shows them. */
    for (char *c = sb.buf; c && *c; c++) {
        if (*c == '\x1f')
            *c = ';';
    }
    return strbuf_take(&sb);
}
