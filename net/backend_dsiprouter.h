/* dSIPRouter's media server API (/api/v1, v0.642–v0.78): the FusionPBX
 * extensions of every domain behind every endpoint group with FusionPBX
 * enabled, found by pbxtop itself, and their writes. A bearer token on every
 * call, no login, no live channels. The decoders and the request/answer helpers
 * are public for tests and fuzzers. */
#ifndef PBXTOP_NET_BACKEND_DSIPROUTER_H
#define PBXTOP_NET_BACKEND_DSIPROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "net/backend.h"
#include "net/model.h"

/* The gwgroupid of every endpoint group in a GET /endpointgroups answer (owned
 * array, *n entries, possibly none), or NULL with *err (owned). */
long long *dsiprouter_decode_endpointgroups(const char *body, size_t len, size_t *n, char **err);
/* Whether a GET /endpointgroups/<id> answer has FusionPBX enabled: 1 yes, 0 no,
 * -1 with *err (owned) when it is not such an answer. Nothing else of it is
 * kept (it holds the FusionPBX database password in clear). */
int dsiprouter_decode_fusionpbx(const char *body, size_t len, char **err);

/* One FusionPBX domain reached through endpoint group config_id. */
struct dsiprouter_domain {
    long long config_id;
    char *uuid; /* checked: 8-4-4-4-12 hex digits */
    char *name; /* may be NULL */
};
/* The domains of a GET /mediaserver/domain/<config_id> answer (owned array of
 * *n; NULL and *n = 0 is a valid empty list when *err stays NULL). Rows without
 * a usable uuid are skipped: they could not be addressed. */
struct dsiprouter_domain *dsiprouter_decode_domains(const char *body, size_t len,
                                                    long long config_id, size_t *n, char **err);
void dsiprouter_domains_free(struct dsiprouter_domain *d, size_t n);

/* Add the extensions of a GET /mediaserver/extension/<config_id>/<domain>
 * answer to s (a KIND_EXTENSIONS snapshot being built): 0, or -1 with *err
 * (owned) and s unchanged. Ids are
 * "<config_id>/<domain_uuid>/<extension>"; domain_uuid is the row's own, else
 * fallback. */
int dsiprouter_add_extensions(struct snapshot *s, const char *body, size_t len, long long config_id,
                              const char *fallback_domain, bool keep_raw, char **err);
/* The same answer alone as a finished snapshot, or NULL with *err (owned). */
struct snapshot *dsiprouter_decode_extensions(const char *body, size_t len, long long config_id,
                                              bool keep_raw, char **err);

/* What an unwanted answer means, for people (owned), without the view's name:
 * "API token refused (HTTP 401 Unauthorized) ...", the license gate, the
 * missing media server API of v0.79+ (HTML 404 on a mediaserver route), the
 * server's own {"error","msg"} text... */
char *dsiprouter_error_message(long status, const char *content_type, const char *body, size_t len,
                               bool mediaserver_route);
/* True for the v0.75+ 401 "Unauthorized - Core Subscription Required" answer.
 */
bool dsiprouter_license_gated(const char *body, size_t len);
/* The field named by a 500 KeyError answer {"error":"server","msg":"'<field>'"}
 * (owned), or NULL when the answer is something else. */
char *dsiprouter_keyerror_field(const char *body, size_t len);

/* True for a FusionPBX uuid (8-4-4-4-12 hex digits), the only form sent in a
 * URL. */
bool dsiprouter_valid_uuid(const char *s);
/* True for an extension number the writes accept: 1-32 characters of
 * [0-9A-Za-z*#+_.-]. */
bool dsiprouter_valid_extension(const char *s);
/* "<config_id>/<domain_uuid>/<extension>" (owned). */
char *dsiprouter_ext_id(long long config_id, const char *domain_uuid, const char *extension);
/* Split an extension id; false when it is not one (nothing is then allocated).
 */
bool dsiprouter_parse_ext_id(const char *id, long long *config_id, char **domain_uuid,
                             char **extension);

/* Every key the media server's extension routes take, with the JSON types they
 * check. */
struct dsiprouter_ext {
    long long config_id;
    char *domain_id, *extension, *password, *account_code;
    char *caller_number, *caller_name, *vm_notify_email; /* outbound_caller_number/_name */
    bool enabled, vm_enabled;
    long long vm_password; /* an int on the wire: -1 while unknown */
    long long call_timeout;
};
/* The values a create starts from (FusionPBX's defaults). */
void dsiprouter_ext_init(struct dsiprouter_ext *e);
void dsiprouter_ext_done(struct dsiprouter_ext *e);
/* Set one schema field (extension, password, enabled, name, callerid,
 * account_code, call_timeout, voicemail, vm_password, vm_notify_email,
 * config_id, domain_id; context is not stored here) from its text; NULL, or why
 * not (owned). */
char *dsiprouter_ext_set(struct dsiprouter_ext *e, const char *field, const char *value);
/* Load the current values of extension `number` from a GET
 * /mediaserver/extension answer: 1 found, 0 not there, -1 with *err (owned).
 * Nulls become "" and the 30 s timeout: the PUT checks exact types and would
 * refuse them. */
int dsiprouter_ext_load(struct dsiprouter_ext *e, const char *body, size_t len, const char *number,
                        char **err);
/* The flat JSON body for op (owned): all 12 keys for a create, the 9 the PUT
 * reads for an update, config_id/domain_id/extension for a delete. */
char *dsiprouter_build_extension_body(const struct dsiprouter_ext *e, enum change_op op);
/* The outcome of a write answer, with *msg (owned) for people: 200 is success
 * (a delete's "Success" cannot tell deleted from already gone), 400 names the
 * field the server refused, a 500 KeyError names the missing field, HTML 404 is
 * the missing media server API. */
enum act_outcome dsiprouter_map_write_answer(enum change_op op, long status,
                                             const char *content_type, const char *body, size_t len,
                                             char **msg);

/* Shared by the dSIPRouter adapter's files (backend_dsiprouter_codec.c: decoders, error texts,
 * write values and bodies, the schema; backend_dsiprouter.c: requests, the poll walk, the
 * writes, the adapter definition). Not for other callers. */
/* The schema of extensions, referenced by dsiprouter_adapter. */
extern const struct record_schema dsiprouter_ext_schema;
/* True for an HTML page: its Content-Type says so, or its first non-blank byte is '<'. */
bool dsiprouter_is_html(const char *content_type, const char *body, size_t len);
/* The msg text of an error envelope (owned), or NULL. With kind, *kind gets its error member
 * (owned, or NULL). */
char *dsiprouter_envelope_msg(const char *body, size_t len, char **kind);
/* What a 401 answer means, for people (owned): the license gate, the HTML login page, or a
 * refused token. */
char *dsiprouter_auth_message(const char *content_type, const char *body, size_t len);
/* Zero the bytes of s, then free it (NULL is fine): for the token and passwords. */
void dsiprouter_wipe_free(char *s);
/* Replace *slot (wiped and freed) with a copy of v, or "" for NULL. */
void dsiprouter_set_str(char **slot, const char *v);

#endif
