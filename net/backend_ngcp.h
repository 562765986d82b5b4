/* Sipwise NGCP (sip:provider CE) REST API at /api/: HTTP Basic on every call, HAL+JSON
 * collections under _embedded["ngcp:<res>"] with mandatory pagination, 201 + Location (and an
 * empty body) on create, JSON-Patch updates. Decoders and request builders are public so that
 * unit tests and fuzzers can call them without a server. */
#ifndef PBXTOP_NET_BACKEND_NGCP_H
#define PBXTOP_NET_BACKEND_NGCP_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/backend.h"
#include "net/model.h"

#define NGCP_ROWS        100    /* rows asked for per page (the server's default is 10) */
#define NGCP_MAX_RECORDS 100000 /* a poll gives up past this many records */
#define NGCP_MAX_PAGES   10000  /* ... or this many pages */

/* What one page of a collection says about the rest. */
struct ngcp_page {
    char *next;      /* href of _links.next as sent (owned), NULL on the last page */
    long long total; /* total_count (-1 until a page is read) */
    size_t items;    /* embedded items on this page, usable or not */
};

/* Decode one page of a collection, received at wall time now_ms, into s, whose kind says
 * which: extensions (subscribers that are not PBX groups), ringgroups (subscribers with
 * is_pbx_group), queues (callqueues) or queuecallers (the calls waiting in them). s is not
 * finished. 0, or -1 with *err (owned); pg->next must be freed. */
int ngcp_decode_page(struct snapshot *s, const char *body, size_t len, int64_t now_ms,
                     bool keep_raw, struct ngcp_page *pg, char **err);
/* A whole one-page answer into a finished snapshot; NULL with *err (owned). */
struct snapshot *ngcp_decode_extensions(const char *body, size_t len, bool keep_raw, char **err);
struct snapshot *ngcp_decode_ringgroups(const char *body, size_t len, bool keep_raw, char **err);
struct snapshot *ngcp_decode_queues(const char *body, size_t len, bool keep_raw, char **err);
struct snapshot *ngcp_decode_queuecallers(const char *body, size_t len, int64_t now_ms,
                                          bool keep_raw, char **err);

/* The path below the API root ("/subscribers/?page=2&rows=10") that a next link names, or
 * NULL when the link is not a plain relative link into collection `res`. Owned. */
char *ngcp_next_path(const char *href, const char *res);
/* True for a record id this adapter sends in a URL: a positive decimal integer. */
bool ngcp_valid_id(const char *id);
/* The subscriber id at the end of a Location header ("/api/subscribers/46", or an absolute
 * URL), owned; NULL when there is none. */
char *ngcp_location_id(const char *location);

/* The JSON body of a create (POST /api/subscribers/) or update (an RFC 6902 array of
 * replace operations for PATCH) of a subscriber of kind extensions or ringgroups, from a
 * change already checked against the schema. NULL with *err (owned) if a value cannot be
 * sent. Owned. */
char *ngcp_build_create_body(const struct change *c, char **err);
char *ngcp_build_patch_body(const struct change *c, char **err);

/* The server's own message in an error answer ({"code":..,"message":..} or text/plain),
 * sanitised to one line and capped; NULL when the body has none. Owned. */
char *ngcp_error_message(const char *body, size_t len);
/* True when an answer means the credentials were refused: 401, or a 403 whose message is
 * about the login (bad certificate, OTP, ban, expired password). */
bool ngcp_auth_refused(long status, const char *body, size_t len);
/* "authentication failed: ..." for such an answer. Owned. */
char *ngcp_auth_message(long status, const char *body, size_t len);
/* The outcome of an HTTP answer to a write; *msg (owned) says it for people, with the
 * server's message when it gave one. */
enum act_outcome ngcp_map_write_answer(enum change_op op, long status, const char *body, size_t len,
                                       char **msg);

/* Shared by the NGCP adapter's files (backend_ngcp.c: requests, answers, decoders, polls, the
 * adapter definition; backend_ngcp_write.c: schemas, write bodies, apply). Not for other
 * callers. */
struct be_act;

/* The schemas of the editable kinds, referenced by ngcp_adapter. */
extern const struct record_schema ngcp_ext_schema, ngcp_rg_schema;
/* A positive integer id (a JSON number or decimal string) as canonical text into buf; false
 * when it is none. */
bool ngcp_id_text(const cJSON *it, char *buf, size_t bufsz);
/* One callqueues item into s: a queue row (KIND_QUEUES, the subscriber's id) or one row per
 * waiting call (KIND_QUEUECALLERS, "subscriber/call_id" ids); backend_ngcp_queues.c. */
void ngcp_decode_callqueue(struct snapshot *s, const cJSON *obj, int64_t now_ms, bool keep_raw);
/* The apply of ngcp_adapter: creates (POST), updates (PATCH) and deletes of subscribers. */
void ngcp_apply(struct backend *be, const struct change *c, struct be_act *act);

#endif
