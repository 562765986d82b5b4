/* NGCP's call queues (contracts ngcp-dsiprouter.md §1, /api/callqueues/): one item per
 * subscriber that has callers waiting, {queue:[{call_id, caller, callee, start_time,
 * duration}], queue_length}, with no id field. The same items give the queues view (one row
 * per subscriber) and the waiting callers (one row per queue entry). */
#include "net/backend_ngcp.h"

#include <stdlib.h>
#include <string.h>

#include "net/backend_json.h"
#include "tui/xalloc.h"

/* A longer wait is clock trouble, not a caller: the model then counts from first seen. */
#define MAX_WAIT_S (7 * 86400)

/* The id of a callqueue: it has no id field, only _links.self ("/api/callqueues/45"). */
static bool self_id(const cJSON *links, char *buf, size_t bufsz)
{
    static const char prefix[] = "/api/callqueues/";
    const cJSON *self = cJSON_GetObjectItemCaseSensitive(links, "self");
    const cJSON *href = cJSON_GetObjectItemCaseSensitive(self, "href");
    if (!cJSON_IsString(href) || strncmp(href->valuestring, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *id = href->valuestring + sizeof prefix - 1;
    if (!ngcp_valid_id(id) || strlen(id) >= bufsz)
        return false;
    memcpy(buf, id, strlen(id) + 1);
    return true;
}

/* The user part of "sip:+436641234567@pbx.example.org": what people call the caller's number.
 * Anything else is kept whole. */
static void caller_number(struct snapshot *s, size_t i, const cJSON *caller)
{
    if (!cJSON_IsString(caller)) {
        bj_set_text(s, i, QC_CALLER_NUM, caller);
        return;
    }
    const char *v = caller->valuestring;
    const char *user = strncmp(v, "sip:", 4) == 0 ? v + 4 : strncmp(v, "sips:", 5) == 0 ? v + 5 : v;
    const char *at = user != v ? strchr(user, '@') : NULL;
    if (at && at > user)
        snap_setn(s, i, QC_CALLER_NUM, user, (size_t)(at - user));
    else
        snap_set(s, i, QC_CALLER_NUM, v);
}

static void waiting_call(struct snapshot *s, const char *queue, long pos, const cJSON *call,
                         int64_t now_ms, bool keep_raw)
{
    static const char *const keys[] = {"call_id", "caller", "duration"};
    const cJSON *k[3];
    bj_pick(call, keys, 3, k);
    if (!cJSON_IsString(k[0]) || !k[0]->valuestring[0])
        return; /* not to be told apart from the next poll's callers */
    /* A Call-ID is unique per call; the queue in front keeps one call in two queues apart. */
    char *id = xasprintf("%s/%s", queue, k[0]->valuestring);
    size_t i = snap_add(s, id);
    free(id);
    snap_set(s, i, QC_QUEUE, queue);
    snap_set_int(s, i, QC_POSITION, pos);
    caller_number(s, i, k[1]);
    long long secs;
    if (bj_int(k[2], &secs) && secs >= 0 && secs <= MAX_WAIT_S)
        snap_set_t0(s, i, now_ms - secs * 1000);
    if (keep_raw)
        bj_set_raw(s, i, call);
}

void ngcp_decode_callqueue(struct snapshot *s, const cJSON *obj, int64_t now_ms, bool keep_raw)
{
    static const char *const keys[] = {"_links", "queue", "queue_length"};
    const cJSON *k[3];
    char id[24];
    bj_pick(obj, keys, 3, k);
    if (!self_id(k[0], id, sizeof id))
        return;
    if (snap_kind(s) == KIND_QUEUECALLERS) {
        long pos = 0;
        for (const cJSON *c = cJSON_IsArray(k[1]) ? k[1]->child : NULL; c; c = c->next) {
            pos++; /* Redis list order: the first waited longest */
            if (cJSON_IsObject(c))
                waiting_call(s, id, pos, c, now_ms, keep_raw);
        }
        return;
    }
    size_t i = snap_add(s, id);
    snap_set(s, i, Q_QUEUE, id); /* the subscriber whose callers wait */
    if (k[2])
        bj_set_int(s, i, Q_CALLS, k[2]);
    else if (cJSON_IsArray(k[1]))
        snap_set_int(s, i, Q_CALLS, cJSON_GetArraySize(k[1]));
    if (keep_raw)
        bj_set_raw(s, i, obj);
}
