/* jade (pchero/jade), an Asterisk REST API: token login, ?authtoken= on every call, and the
 * api_ver/statuscode/result envelope. The decoders are public for tests and fuzzers. */
#ifndef PBXTOP_NET_BACKEND_JADE_H
#define PBXTOP_NET_BACKEND_JADE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/model.h"

/* Decode a GET /v1/admin/core/channels answer received at wall time now_ms into a finished
 * snapshot; NULL with *err (owned) when the body is not such an answer. */
struct snapshot *jade_decode_channels(const char *body, size_t len, int64_t now_ms, bool keep_raw,
                                      char **err);
/* The auth token from a login answer (owned), or NULL with *err (owned). */
char *jade_decode_login(const char *body, size_t len, char **err);
/* True when id is safe to send as a channel id (what Asterisk unique ids look like). */
bool jade_valid_channel_id(const char *id);

/* Queue members ("name@queue" ids), queues, and PJSIP endpoints as extensions. */
struct snapshot *jade_decode_members(const char *body, size_t len, int64_t now_ms, bool keep_raw,
                                     char **err);
struct snapshot *jade_decode_queues(const char *body, size_t len, int64_t now_ms, bool keep_raw,
                                    char **err);
/* Callers waiting in queues (GET /v1/admin/queue/entries, unique_id ids): how long each has
 * waited is its `wait` as of its tm_update, measured on jade's clock (the envelope's
 * timestamp); a null wait leaves the start to the model (first seen). */
struct snapshot *jade_decode_entries(const char *body, size_t len, int64_t now_ms, bool keep_raw,
                                     char **err);
struct snapshot *jade_decode_endpoints(const char *body, size_t len, int64_t now_ms, bool keep_raw,
                                       char **err);
/* The JSON body that adds a member / changes one (jade reads JSON integers only: a string
 * "1" would be read as 0). Owned. */
char *jade_member_add_body(const char *queue, const char *name, const char *interface,
                           long long penalty, bool paused);
char *jade_member_update_body(const char *queue, const char *interface, const char *penalty,
                              const char *paused, const char *reason);

/* Shared by the jade adapter's files. */
struct backend;
struct be_act;
struct change;
struct http_result;
struct record_schema;
extern const struct record_schema jade_member_schema, jade_extension_schema;
/* Seconds since the epoch of "YYYY-MM-DDTHH:MM:SS...Z" (jade's timestamps), or 0. */
int64_t jade_parse_utc(const char *s);
/* The result object of a success envelope, or NULL with *err (owned). */
const cJSON *jade_result(const cJSON *root, char **err);
/* result.list of a success envelope, or NULL with *err (owned). */
const cJSON *jade_list(const cJSON *root, char **err);
/* True when the body is jade's own error envelope for the answer's status. */
bool jade_error_envelope(const struct http_result *res);
/* Send a write; 200 is done; a 500 (or 404) is settled by GET check_path when given. */
void jade_write(struct backend *be, struct be_act *act, const char *method, const char *path,
                const char *body, const char *check_path, const char *noun);
/* Apply one change to members or extensions. */
void jade_apply(struct backend *be, const struct change *c, struct be_act *act);

#endif
