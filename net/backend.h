/* The configured backends and the polling that keeps their snapshots fresh. One fleet holds
 * every backend of a run; the event loop drives it through fleet_tick() and http_run(). */
#ifndef PBXTOP_NET_BACKEND_H
#define PBXTOP_NET_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/http.h"
#include "net/model.h"

/* One backend section of config.ini. Strings are owned by the conf. */
struct backend_conf {
    char *name;
    char *type;
    char *url; /* server root: scheme://host[:port][/prefix], no trailing slash */
    char *username;
    char *password; /* or API token, from the keyring: secret memory (secret_dup) */
    char *ca_file;
    char *pin;
    char *client_cert;
    char *client_key;
    char *cert_pem; /* client certificate from the keyring (PEM text), or NULL */
    char *key_pem;  /* its key (PEM text, secret memory), or NULL */
    char *variant;  /* SARK: L7 | L10 | L11 */
    char *auth;     /* dSIPRouter: token | session */
    bool insecure;
    bool read_only;
    bool allow_http;
    int refresh_ms; /* 0: the global refresh */
    int timeout_ms; /* total per request; 0: default */
    int line;       /* line of the section header, for messages */
    struct {
        const char *key; /* static storage */
        int line;
    } key_lines[24]; /* where each key was set */
    int nkey_lines;
};

void backend_conf_done(struct backend_conf *c);
/* True when the adapter of c's type cannot log in with what c holds, whatever the username:
 * it needs a password or token (from the keyring). False for unknown types (the fleet
 * reports those) and for credentials it does not need (SARK L7, NGCP with a client cert). */
bool backend_conf_needs_secret(const struct backend_conf *c);
/* The backend types this build speaks ("jade", "issabel", ...): up to max of them into out
 * (static strings); returns how many. */
size_t backend_types(const char **out, size_t max);
/* Remember that `key` (a string with static storage) was set on `line`. */
void backend_conf_set_line(struct backend_conf *c, const char *key, int line);
/* The line where `key` was set, else the section header's line. */
int backend_conf_line(const struct backend_conf *c, const char *key);

enum be_state {
    BE_STATE_NEW,         /* nothing polled yet */
    BE_STATE_UP,          /* the last poll succeeded */
    BE_STATE_STALE,       /* the last poll failed; older data is shown */
    BE_STATE_DOWN,        /* failing and no data at all */
    BE_STATE_AUTH_FAILED, /* credentials or token refused */
};
/* "up", "stale", "down", "auth-failed" ("new" before the first poll). */
const char *be_state_name(enum be_state st);

/* Outcome of one action on one target (hang up, remove...). */
enum act_outcome {
    ACT_OK,
    ACT_GONE,        /* the target no longer exists: nothing left to do */
    ACT_FAILED,      /* the backend refused or failed this item */
    ACT_REFUSED,     /* not attempted: read-only, unsupported or invalid id */
    ACT_UNREACHABLE, /* connection or timeout: outcome unknown */
    ACT_AUTH,        /* authentication failed */
    ACT_PARTIAL,     /* failed after changing something (a create whose second step failed) */
};
const char *act_outcome_name(enum act_outcome o);

/* Why the last poll of a kind failed. */
enum be_fail {
    FAIL_NONE,
    FAIL_NET,  /* no answer: refused, timeout, TLS, dropped */
    FAIL_AUTH, /* credentials or token refused */
    FAIL_DATA, /* an answer came, but an error status or not what the API promises */
};

enum be_cap {
    CAP_HANGUP = 1u << 0,
};

/* What a change does to one record. */
enum change_op {
    OP_CREATE = 1u << 0,
    OP_UPDATE = 1u << 1,
    OP_DELETE = 1u << 2,
};
const char *change_op_name(enum change_op op);

/* One change to one record: the values are schema field names and their new text (NULL is
 * null). Everything is borrowed for the duration of the call that takes it. */
struct change {
    enum change_op op;
    enum kind kind;
    const char *id; /* UPDATE and DELETE: the record's stable id; CREATE: NULL */
    int nvalues;
    const char *const *names;
    const char *const *values;
    bool last; /* the last item of this backend's batch (for apply-on-write APIs) */
};

enum field_flags {
    FS_READ_ONLY = 1u << 0,   /* shown, never sent */
    FS_REQUIRED = 1u << 1,    /* needed on create */
    FS_CREATE_ONLY = 1u << 2, /* set on create, cannot change afterwards */
    FS_SECRET = 1u << 3,      /* a password: never shown, logged or journaled */
};

/* One editable field, from the server's own validation rules. */
struct field_schema {
    const char *name;           /* CSV column and form name; a normalised field where one exists */
    const char *label;          /* for forms */
    enum ftype type;            /* FT_STR, FT_INT, FT_BOOL or FT_LIST */
    const char *const *choices; /* NULL-terminated allowed values, or NULL */
    const char *pattern;        /* POSIX extended regex the whole value must match, or NULL */
    long long min, max;         /* FT_INT: the range; FT_STR: the length range; unused if 0, 0 */
    const char *def;            /* default on create, or NULL */
    unsigned flags;             /* enum field_flags */
};

struct record_schema {
    const struct field_schema *fields;
    int nfields;
    unsigned ops; /* enum change_op bits the backend offers for this kind */
};

struct backend;
struct fleet;

struct fleet_opts {
    int refresh_ms; /* default poll interval */
    bool read_only; /* global --read-only */
    unsigned seed;  /* for backoff jitter */
    bool keep_raw;  /* keep each record's own JSON (get --raw, details) */
};

/* Called when a backend's snapshot of `kind` or its state changed (kind -1: state only).
 * Runs from http_run() or fleet_tick(); must not free the fleet. */
typedef void (*fleet_change_fn)(void *ud, struct backend *be, int kind);

/* Build a fleet from the confs, which it takes (the array is left zeroed, also on failure).
 * Fails with a message (owned) "LINE: [name] key: problem" when a conf is not usable; callers
 * put the config's path in front. */
struct fleet *fleet_new(struct backend_conf *confs, size_t n, const struct fleet_opts *opts,
                        char **err);
void fleet_free(struct fleet *f);
struct http *fleet_http(struct fleet *f);
size_t fleet_count(const struct fleet *f);
struct backend *fleet_at(struct fleet *f, size_t i);
struct backend *fleet_find(struct fleet *f, const char *name);
void fleet_set_listener(struct fleet *f, fleet_change_fn fn, void *ud);

/* Keep `kind` of `be` (NULL: every backend) polled, or stop. */
void fleet_want(struct fleet *f, struct backend *be, enum kind kind, bool on);
/* Start the polls that are due. */
void fleet_tick(struct fleet *f, int64_t now_ms);
/* Milliseconds until the next poll is due (capped at `cap`). */
int fleet_next_due_ms(const struct fleet *f, int64_t now_ms, int cap);
/* Poll every wanted kind now, ignoring intervals and backoff. */
void fleet_poll_now(struct fleet *f);
void fleet_pause(struct fleet *f, bool paused);
/* End every backend's session, so that no token outlives pbxtop on the server; waits at
 * most timeout_ms for the answers. */
void fleet_logout(struct fleet *f, int timeout_ms);
/* Actions (hang ups...) started and not yet finished, over every backend. */
size_t fleet_pending_actions(const struct fleet *f);
bool fleet_paused(const struct fleet *f);

/* Backend queries. Strings are borrowed until the backend changes (next poll result). */
const char *be_name(const struct backend *be);
const char *be_type(const struct backend *be);
const char *be_label(const struct backend *be); /* "jade", "Issabel", ... */
const char *be_url(const struct backend *be);
bool be_read_only(const struct backend *be);
bool be_insecure(const struct backend *be); /* TLS off, or plain http */
bool be_supports(const struct backend *be, enum kind kind);
/* One line saying why `kind` is not offered ("jade has no ring groups"). */
const char *be_why_not(const struct backend *be, enum kind kind);
unsigned be_caps(const struct backend *be);
/* One line saying why this backend cannot hang up ("SARK L10 ..."). */
const char *be_why_no_hangup(const struct backend *be);
enum be_state be_state(const struct backend *be);
const char *be_error(const struct backend *be);  /* last error, "" if none */
int64_t be_latency_ms(const struct backend *be); /* of the last answer; -1 unknown */
/* Milliseconds until the next retry while failing; -1 when not in backoff. */
int64_t be_retry_in_ms(const struct backend *be, int64_t now_ms);

/* The latest snapshot of `kind` (NULL before the first good poll); borrowed until the next
 * change notification for that kind. */
const struct snapshot *be_snapshot(const struct backend *be, enum kind kind);
/* Monotonic time of the last good poll of `kind`, 0 if none. */
int64_t be_taken_ms(const struct backend *be, enum kind kind);
/* True when the last poll of `kind` failed, so the snapshot may be out of date. */
bool be_kind_stale(const struct backend *be, enum kind kind);
/* How the last poll of `kind` failed (FAIL_NONE after a good one). */
enum be_fail be_kind_fail(const struct backend *be, enum kind kind);
/* Number of poll attempts of `kind` that have finished (good or bad). */
unsigned be_polls_done(const struct backend *be, enum kind kind);
bool be_poll_in_flight(const struct backend *be, enum kind kind);

typedef void (*act_done_fn)(void *ud, const char *id, enum act_outcome o, const char *msg);
/* Called with ok = whether a poll that started after the request succeeded. */
typedef void (*refresh_done_fn)(void *ud, bool ok);
/* Poll `kind` now (even when nobody shows it, ignoring backoff) and call done when a poll
 * that started after this call has finished. Runs at once with ok = false when the backend
 * cannot list that kind. */
void be_refresh(struct backend *be, enum kind kind, refresh_done_fn done, void *ud);
/* Hang up channel `id`. `done` always runs, possibly before this returns (refusals). */
void be_hangup(struct backend *be, const char *id, act_done_fn done, void *ud);
/* Why `id` cannot be an id of `kind` on this backend ("not a valid channel id"), or NULL. */
const char *be_check_id(const struct backend *be, enum kind kind, const char *id);
/* The editable fields of `kind` on this backend, or NULL when it cannot change them. */
const struct record_schema *be_schema(const struct backend *be, enum kind kind);
/* Apply one change, checked against the schema first. `done` gets the record's id: for a
 * create, the new record's id once the backend tells it, else "". Always runs, possibly
 * before this returns (refusals). */
void be_apply(struct backend *be, const struct change *c, act_done_fn done, void *ud);
/* Delete several records of one kind, in one request where the API has one. `done` runs
 * once per id. */
void be_delete_many(struct backend *be, enum kind kind, const char *const *ids, size_t n,
                    act_done_fn done, void *ud);
/* True when changes to records of `kind` (-1: of any kind) need a separate step to go live
 * (SARK's commit, Issabel's reload). */
bool be_needs_commit(const struct backend *be, int kind);
/* Make the batch's changes live where the backend needs a separate step (SARK's commit);
 * `done` runs once (with id ""), also when nothing is needed. */
void be_commit(struct backend *be, act_done_fn done, void *ud);

#endif
