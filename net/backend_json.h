/* JSON helpers shared by the adapters: parsing with a clear error, and turning the value
 * types that backends send (numbers as strings, "1"/"yes" booleans) into normalised fields. */
#ifndef PBXTOP_NET_BACKEND_JSON_H
#define PBXTOP_NET_BACKEND_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "net/model.h"

/* Parse body[0..len); NULL with *err (owned) naming the problem. */
cJSON *bj_parse(const char *body, size_t len, char **err);
/* The text of a scalar (string, number, bool) into buf; NULL for null, missing or objects. */
const char *bj_text(const cJSON *it, char *buf, size_t bufsz);
/* An integer from a JSON number or a decimal string. */
bool bj_int(const cJSON *it, long long *out);
/* A boolean from true/false, 0/1, or "true"/"yes"/"on"/"1" and their opposites. */
bool bj_bool(const cJSON *it, bool *out);
/* Store a scalar as text / canonical integer / boolean in field f of record i; anything
 * that is not of that type is stored as null. */
void bj_set_text(struct snapshot *s, size_t i, int f, const cJSON *it);
void bj_set_int(struct snapshot *s, size_t i, int f, const cJSON *it);
void bj_set_bool(struct snapshot *s, size_t i, int f, const cJSON *it);
/* One pass over obj's members: out[i] = the member named keys[i] (sorted with strcmp), or
 * NULL. With a repeated key, the last one wins. */
void bj_pick(const cJSON *obj, const char *const *keys, int n, const cJSON **out);
/* Seconds from "HH:MM:SS" or a plain number of seconds; false for anything else. */
bool bj_seconds(const cJSON *it, long long *out);
/* Keep the object as raw JSON text on record i. */
void bj_set_raw(struct snapshot *s, size_t i, const cJSON *obj);

#endif
