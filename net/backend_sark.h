/* SARK V6 API (aelintra sark6api, L7 / L10 / L11): bare JSON arrays under /api, raw AMI event
 * arrays from /api/astamis, typed extension creates and a commit step. The decoders and the
 * request/answer helpers are public so that unit tests and fuzzers can call them. */
#ifndef PBXTOP_NET_BACKEND_SARK_H
#define PBXTOP_NET_BACKEND_SARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/backend.h"
#include "net/model.h"

enum sark_variant {
    SARK_NONE, /* not a variant name */
    SARK_L7,
    SARK_L10,
    SARK_L11,
};

/* The variant named by the config value ("L7", "L10", "L11", any case), else SARK_NONE. */
enum sark_variant sark_parse_variant(const char *s);

/* Decode GET /api/extensions or GET /api/ringgroups (bare arrays of objects) into a finished
 * snapshot; NULL with *err (owned) when the body is not such an answer. Ids are the pkeys. */
struct snapshot *sark_decode_extensions(const char *body, size_t len, bool keep_raw, char **err);
struct snapshot *sark_decode_ringgroups(const char *body, size_t len, bool keep_raw, char **err);
/* Decode an astamis answer (CoreShowChannels for KIND_CHANNELS, QueueStatus for
 * KIND_QUEUEMEMBERS, KIND_QUEUES and KIND_QUEUECALLERS) with its HTTP status: 200 with the AMI
 * array, or SARK's 404 "Empty Object set returned from AMI", which is an empty list. Any other
 * answer is NULL with *err (owned) saying what the server said. */
struct snapshot *sark_decode_ami(enum kind kind, long status, const char *body, size_t len,
                                 int64_t now_ms, bool keep_raw, char **err);
/* True for the 404 that SARK's AMI pass-through sends for an empty list. */
bool sark_is_empty_ami(long status, const char *body, size_t len);
/* True for L11's fallback 404 {"message":"Unauthorised/Page Not Found"}: the token is bad,
 * revoked or not an admin's (or the url is wrong). */
bool sark_is_auth_404(long status, const char *body, size_t len);

/* The accessToken of an L11 login answer (owned), or NULL with *err (owned). A token without
 * '|' is refused: SARK answers 500 on every route to such a bearer. */
char *sark_decode_login(const char *body, size_t len, char **err);
/* What a SARK error body says, in one line (owned): "message", "Error", or the 422 map as
 * "field: msg; field: msg". NULL when the body says nothing usable. */
char *sark_error_text(const char *body, size_t len);

/* True when key (an extension or ring group pkey) can be put into a URL path segment. */
bool sark_valid_key(const char *key);
/* True when id is a channel name ("TECH/NAME") that SARK's hangup route can take. */
bool sark_valid_channel(const char *id);
/* The path below /api that hangs up channel `id` ("PJSIP/1001-0000000a" becomes
 * "/astamis/Hangup/PJSIP/1001-0000000a", '@' and ';' percent-encoded); NULL when id is not
 * a channel name that can be sent. Owned. */
char *sark_hangup_path(const char *id);
/* Read a hangup answer (always 200 with {"<rest>":"<raw AMI text>"} when SARK got that far):
 * ACT_OK, ACT_GONE for "No such channel", else ACT_FAILED; *msg (owned) says why. */
enum act_outcome sark_map_hangup_answer(long status, const char *body, size_t len, char **msg);

/* One request of the write path. */
struct sark_write {
    const char *method; /* static */
    char *path;         /* below /api, escaped */
    char *body;         /* JSON or NULL */
    char *then_put;     /* extension create: the fields POST does not take, as a PUT body on
                           /extensions/{pkey}; NULL when there are none */
    char *key;          /* the record's pkey */
};
/* Build the request for one change of extensions or ring groups (already checked against the
 * schema). 0, or -1 with *err (owned) when it cannot be expressed. */
int sark_build_write(const struct change *c, struct sark_write *w, char **err);
void sark_write_done(struct sark_write *w);
/* Map a write answer to an outcome: 200/201/204 ok, 404 on delete gone, 422 map and 409
 * {"Error"} failed with the server's words in *msg (owned). */
enum act_outcome sark_map_write_answer(enum change_op op, long status, const char *body, size_t len,
                                       char **msg);

/* Shared by the SARK adapter's files (backend_sark.c: state, login, requests, decoders, polls,
 * hangup, the adapter definitions and the variant hook; backend_sark_write.c: schemas, write
 * bodies, apply, the write contexts, commit, write answers). Not for other callers. */
struct be_act;
struct wctx;

/* The adapter's state (be_adapter_state()). */
struct sark {
    enum sark_variant variant;
    char *token;         /* L11 accessToken, "<id>|<secret>" */
    unsigned qs_waiting; /* kinds (bits) waiting for the QueueStatus call in flight */
    bool qs_in_flight;
    struct wctx *writes; /* freed by destroy if the backend goes away first */
};

/* The schemas of the editable kinds, referenced by the SARK adapters (L11: extensions only). */
extern const struct record_schema sark_ext_schema, sark_rg_schema;
/* Unlink write context w from s->writes and free it with what it owns (not its act, which
 * belongs to the engine). */
void sark_wctx_free(struct sark *s, struct wctx *w);
/* The write entry points of the SARK adapters: apply (one change, with an extension create's
 * follow-up PUT) and commit (GET /syscommands/commit, which makes saved writes live). */
void sark_apply(struct backend *be, const struct change *c, struct be_act *act);
void sark_commit(struct backend *be, struct be_act *act);

#endif
