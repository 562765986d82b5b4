/* jade (pchero/jade), an Asterisk REST API: token login, ?authtoken= on every call, and the
 * api_ver/statuscode/result envelope. The decoders are public for tests and fuzzers. */
#ifndef PBXTOP_NET_BACKEND_JADE_H
#define PBXTOP_NET_BACKEND_JADE_H

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

#endif
