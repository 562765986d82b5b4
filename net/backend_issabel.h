/* Issabel PBX's /pbxapi: a JWT login with token refresh, Bearer tokens, the success/fail
 * envelopes in which every scalar is a string, raw AMI event arrays from /pbxapi/manager, and
 * writes whose "reload" key decides when Issabel applies its configuration. The decoders and the
 * pure helpers below are public for unit tests and fuzzers. */
#ifndef PBXTOP_NET_BACKEND_ISSABEL_H
#define PBXTOP_NET_BACKEND_ISSABEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/backend.h"
#include "net/model.h"

/* Tokens of a login or refresh answer; strings owned. */
struct issabel_tokens {
    char *access;
    char *refresh;
    long expires_in; /* seconds; -1 when the answer does not say */
};
/* Wipe and free the tokens; the struct is zeroed. */
void issabel_tokens_done(struct issabel_tokens *t);
/* Read a POST /authenticate answer (renew false) or a renewtoken answer (renew true, which must
 * say "authorized"). 0, or -1 with *err (owned) saying why. */
int issabel_decode_tokens(const char *body, size_t len, bool renew, struct issabel_tokens *out,
                          char **err);
/* True when an answer means "this access token is no longer accepted": 403 with an empty body,
 * or HTTP 200 {"status":"expired"}. */
bool issabel_token_rejected(long status, const char *body, size_t len);

/* GET /pbxapi/extensions (list or detail) into a finished snapshot; NULL with *err (owned). Ids
 * are extension numbers; secrets never reach a record or its raw JSON. */
struct snapshot *issabel_decode_extensions(const char *body, size_t len, bool keep_raw, char **err);
/* GET /pbxapi/ringgroups: ids are the group numbers; extension_list becomes members. */
struct snapshot *issabel_decode_ringgroups(const char *body, size_t len, bool keep_raw, char **err);
/* GET /pbxapi/manager/status answered at wall time now_ms: ids are channel names. */
struct snapshot *issabel_decode_channels(const char *body, size_t len, int64_t now_ms,
                                         bool keep_raw, char **err);
/* GET /pbxapi/manager/queuestatus: members ("Location@Queue" ids), queues (name ids) or the
 * callers waiting in them (Uniqueid ids, start times from now_ms and their Wait). */
struct snapshot *issabel_decode_queuemembers(const char *body, size_t len, bool keep_raw,
                                             char **err);
struct snapshot *issabel_decode_queues(const char *body, size_t len, bool keep_raw, char **err);
struct snapshot *issabel_decode_queuecallers(const char *body, size_t len, int64_t now_ms,
                                             bool keep_raw, char **err);
/* A detail answer: 1 when it holds the record, 0 for Issabel's empty results (its answer for an
 * unknown extension), -1 with *err when it is no success envelope. */
int issabel_decode_exists(const char *body, size_t len, char **err);

/* The server's own words from an error body ("source: detail; detail" from errors[], else
 * message or reason), or NULL when it has none. Owned. */
char *issabel_error_text(const char *body, size_t len);
/* Outcome of GET /manager/hangup: "ok", "No such channel" (ACT_GONE), other errors. *msg is set
 * (owned) in every case. */
enum act_outcome issabel_map_hangup_answer(long status, const char *body, size_t len, char **msg);
/* Outcome of one write answer (POST/PUT/DELETE of `kind`); *msg (owned) says what happened, with
 * the server's own text for refusals. */
enum act_outcome issabel_map_write_answer(enum change_op op, enum kind kind, long status,
                                          const char *body, size_t len, char **msg);

/* The JSON body for a create or update: schema names become Issabel's (nested where dotted),
 * booleans "yes"/"no", lists arrays, and "reload":0 unless reload_now. Owned. */
char *issabel_build_body(const struct change *c, bool reload_now);
/* The new record's id from a 201's Location header ("…/extensions/1005"), or NULL. Owned. */
char *issabel_location_id(const char *location);
/* An extension or group number: 1-20 digits (ids go into URL paths and comma lists). */
bool issabel_valid_number(const char *id);
/* A channel name fit for hangup: 1-255 printable ASCII bytes with a '/' after the tech. */
bool issabel_valid_channel(const char *name);

/* A queue member id, "interface@queue" as the decoder builds it; split at the last '@', since
 * interfaces may hold one (Local/201@from-queue/n). */
bool issabel_valid_member_id(const char *id);
/* The /manager call (path below /pbxapi, query included, every value percent-encoded) for a
 * queue member change: queueadd, queueremove, queuepause or queueunpause, named in *action
 * (static). now_paused is the member's "true"/"false" in the last poll (an update that gives
 * only a reason keeps that state), or NULL. NULL with *why (static) when Issabel's manager API
 * cannot make the change. Owned. */
char *issabel_member_path(const struct change *c, const char *now_paused, const char **action,
                          const char **why);
/* A member create's second call, queuepause with the reason (queueadd takes none), or NULL when
 * the create needs none. Owned. */
char *issabel_member_reason_path(const struct change *c);
/* Outcome of a /manager member action's answer (always HTTP 200 from Issabel): "ok"; no such
 * member or queue on remove/pause (ACT_GONE); AMI unreachable and other errors (ACT_FAILED,
 * with the server's words). *msg is set (owned) in every case. */
enum act_outcome issabel_map_member_answer(const char *action, long status, const char *body,
                                           size_t len, char **msg);

/* What became of each id of a bulk DELETE that stopped at a missing id (404): Issabel deletes in
 * order and stops at the first missing one, so exists[] (after the answer) tells them apart. */
enum issabel_fate {
    ISSABEL_DELETED, /* before the stop: deleted */
    ISSABEL_MISSING, /* where it stopped: was already gone */
    ISSABEL_RETRY,   /* after the stop: not attempted */
    ISSABEL_UNKNOWN, /* the answer does not fit the rule (someone else changed things) */
};
void issabel_bulk_fates(const bool *exists, size_t n, enum issabel_fate *fate);

/* Shared by the Issabel adapter's files (backend_issabel.c: tokens, decoders, calls, login, polls,
 * hangup, the adapter definition; backend_issabel_write.c: writes, bulk deletes, commit,
 * schemas; backend_issabel_members.c: queue member writes through /manager). Not for other
 * callers. */
struct be_act;
struct be_reply;
struct icall;

/* The adapter's state (be_adapter_state()). */
struct issabel {
    char *access, *refresh;
    bool renewing;      /* the "login" in flight is a token refresh */
    bool renew_refused; /* the last refresh failed: its calls get one more try */
    struct icall *live; /* calls in flight, freed by destroy when they never finish */
    /* Writes sent with "reload":0 that succeeded, and how many of them an apply (a write without
     * it) has covered: an apply covers what was saved before it was sent. */
    unsigned long nsaved, napplied;
    enum kind target_kind; /* a record this batch wrote, for commit() to re-save */
    char *target_id;
    unsigned qs_waiting; /* kinds (bits) waiting for the queuestatus call in flight */
    bool qs_in_flight;
};

/* The schemas of the editable kinds, referenced by issabel_adapter. */
extern const struct record_schema issabel_ext_schema, issabel_rg_schema, issabel_member_schema;
/* Whether hay holds needle, ignoring ASCII case. */
bool issabel_contains_ci(const char *hay, const char *needle);
/* Zero the bytes of s, then free it (NULL is fine): for tokens, passwords and what holds them. */
void issabel_wipe_free(char *s);
/* Make an API call through the engine with the token refresh fallback: a call failed by a refused
 * refresh is sent once more. ud passes to `done`; free_ud (or NULL) frees it if the call is
 * cancelled at shutdown. The strings are copied. */
void issabel_call(struct backend *be, const char *method, const char *path, const char *body,
                  void (*done)(struct backend *be, void *ud, const struct be_reply *rep), void *ud,
                  void (*free_ud)(void *ud));
/* The write entry points of issabel_adapter: apply, delete_many and commit. */
void issabel_apply(struct backend *be, const struct change *c, struct be_act *act);
void issabel_delete_many(struct backend *be, enum kind kind, struct be_act **acts, size_t n);
void issabel_commit(struct backend *be, struct be_act *act);
/* Apply one queue member change (already checked against issabel_member_schema) through
 * /manager; ends with be_act_done(). Never counts as a configuration write. */
void issabel_member_apply(struct backend *be, const struct change *c, struct be_act *act);

#endif
