/* What a backend adapter (net/backend_<type>.c) implements, and the services the backend
 * engine gives it: authenticated calls with one silent re-login, poll results, action
 * outcomes. Adapters never see the screen. */
#ifndef PBXTOP_NET_ADAPTER_H
#define PBXTOP_NET_ADAPTER_H

#include "net/backend.h"

struct be_act;

enum be_reply_kind {
    REPLY_HTTP, /* an HTTP answer arrived (any status): the adapter interprets it */
    REPLY_NET,  /* no answer: res->err says why */
    REPLY_AUTH, /* login failed or the token was refused twice */
};

struct be_reply {
    enum be_reply_kind kind;
    const struct http_result *res; /* NULL only for REPLY_AUTH without a response */
    const char *msg;               /* human text for REPLY_NET and REPLY_AUTH */
};

typedef void (*be_call_fn)(struct backend *be, void *ud, const struct be_reply *rep);

struct be_call_spec {
    const char *method;
    const char *path; /* below the API root, query included; already escaped */
    const char *body; /* JSON or NULL */
};

struct adapter {
    const char *type;  /* config `type` */
    const char *label; /* for people: "jade", "Issabel" */
    unsigned kinds;    /* bit (1u << KIND_x) per kind the backend can list */
    unsigned caps;     /* enum be_cap bits */
    /* Per kind the backend cannot list: one line saying so. */
    const char *why_not[KIND_COUNT];
    /* Validate the conf beyond the generic checks: NULL when all is well, else a message
     * (owned), with *key set to the config key at fault. */
    char *(*check_conf)(const struct backend_conf *c, const char **key);
    void *(*create)(struct backend *be);
    void (*destroy)(void *state);
    /* Log in: the request, and reading its answer (0, or -1 with *msg set, owned). NULL
     * login_req means the backend needs no login step. */
    struct http_req *(*login_req)(struct backend *be);
    int (*login_parse)(struct backend *be, const struct http_result *res, char **msg);
    /* End the session (NULL: nothing to end); the answer is not read. */
    struct http_req *(*logout_req)(struct backend *be);
    /* The request for one API call, credentials included. */
    struct http_req *(*build)(struct backend *be, const struct be_call_spec *spec);
    /* True when this answer means "token no longer accepted: log in again". */
    bool (*auth_rejected)(struct backend *be, const struct http_result *res);
    /* Start one poll of `kind`; must end with exactly one be_poll_ok() or be_poll_fail*(). */
    void (*poll)(struct backend *be, enum kind kind);
    /* Hang up channel `id` (already validated as non-empty); ends with be_act_done(). */
    void (*hangup)(struct backend *be, const char *id, struct be_act *act);
    /* Editable kinds: the fields and the operations offered (NULL: read-only kind). */
    const struct record_schema *schema[KIND_COUNT];
    /* Apply one change, already checked against the schema; ends with be_act_done(). For a
     * create, be_act_set_id() names the new record once known. */
    void (*apply)(struct backend *be, const struct change *c, struct be_act *act);
    /* Optional: delete many records of one kind in one request (Issabel's comma list). Ends
     * with be_act_done() on every act, in any order. NULL: one apply() per id. */
    void (*delete_many)(struct backend *be, enum kind kind, struct be_act **acts, size_t n);
    /* Optional: the adapter that serves this conf when what a backend offers depends on its
     * config (SARK's variants); called once, after check_conf. NULL: this adapter. */
    const struct adapter *(*variant)(const struct backend_conf *c);
    /* Why this backend cannot hang up (when CAP_HANGUP is missing), or NULL. */
    const char *why_no_hangup;
    /* Optional: why `id` cannot name a record of `kind` in a URL of this API (NULL: fine),
     * checked before anything is planned or sent. */
    const char *(*check_id)(enum kind kind, const char *id);
    /* Optional: the step that makes a batch live (SARK's syscommands/commit); ends with
     * be_act_done(). NULL: nothing to do. */
    void (*commit)(struct backend *be, struct be_act *act);
    /* The kinds whose changes need that step, as 1u << kind bits; 0: every kind but
     * channels. Issabel's queue member actions are live at once; its records are not. */
    unsigned commit_kinds;
};

/* Every adapter, for lookup by type. */
const struct adapter *adapter_find(const char *type);
/* "jade, issabel, ..." for messages. */
const char *adapter_type_list(void);

const struct backend_conf *be_conf(const struct backend *be);
void *be_adapter_state(struct backend *be);
/* A request to `url` carrying the backend's TLS settings and timeouts. */
struct http_req *be_req_new(struct backend *be, const char *method, const char *url);
/* Make an API call; logs in first when needed, and once more if the token is refused. */
void be_call(struct backend *be, const struct be_call_spec *spec, be_call_fn done, void *ud);
/* The same, for a ud the callback owns: free_ud(ud) runs instead of the callback when the
 * call is cancelled (pbxtop is exiting), so that nothing leaks. */
void be_call_owned(struct backend *be, const struct be_call_spec *spec, be_call_fn done, void *ud,
                   void (*free_ud)(void *));
/* End a poll with a fresh snapshot (owned by the backend from here). */
void be_poll_ok(struct backend *be, enum kind kind, struct snapshot *snap);
/* End a poll that failed. `retry_after_s` >= 0 delays the next attempt at the server's
 * request. */
void be_poll_fail(struct backend *be, enum kind kind, enum be_fail why, const char *msg,
                  long retry_after_s);
/* Turns a 200 body into a finished snapshot, or NULL with *err (owned). */
typedef struct snapshot *(*be_decode_fn)(const char *body, size_t len, int64_t now_ms,
                                         bool keep_raw, char **err);
/* The common poll: GET `path`, and on a 200 decode it into the kind's snapshot; any other
 * answer fails the poll with its status. */
void be_poll_get(struct backend *be, enum kind kind, const char *path, be_decode_fn decode);
/* End a poll whose reply was no usable answer: a network or auth failure, or an HTTP status
 * the adapter does not expect (named in the message with the kind). */
void be_poll_fail_reply(struct backend *be, enum kind kind, const struct be_reply *rep);
/* End an action item. */
void be_act_done(struct be_act *act, enum act_outcome o, const char *msg);
const char *be_act_id(const struct be_act *act);
/* Name the record an act is about (a create learns its id from the backend). */
void be_act_set_id(struct be_act *act, const char *id);
/* s percent-encoded for use as one path segment or query value. Owned by the caller. */
char *be_escape(const char *s);
/* Whether decoders should keep each record's raw JSON. */
bool be_keep_raw(const struct backend *be);
/* Wall-clock milliseconds when the current poll answer arrived. */
int64_t be_now_wall_ms(void);

#endif
