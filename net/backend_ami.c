/* Decoding of AMI events passed through a REST API (contracts §3.8, §4.7). */
#include "net/backend_ami.h"

#include <stdlib.h>
#include <string.h>

#include "net/backend_json.h"
#include "tui/xalloc.h"

const char *ami_device_state_name(long long state)
{
    static const char *const names[] = {"Unknown", "Not in use", "In use",
                                        "Busy",    "Invalid",    "Unavailable",
                                        "Ringing", "Ring+Inuse", "On Hold"};
    return state >= 0 && state < 9 ? names[state] : NULL;
}

char *ami_member_id(const char *interface, const char *queue)
{
    return xasprintf("%s@%s", interface, queue);
}

bool ami_member_id_split(const char *id, char **interface, char **queue)
{
    const char *at = strrchr(id, '@');
    if (!at || at == id || !at[1])
        return false;
    *interface = xstrndup(id, (size_t)(at - id));
    *queue = xstrdup(at + 1);
    return true;
}

static bool is_event(const cJSON *obj, const char *name)
{
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(obj, "Event");
    return cJSON_IsString(ev) && strcmp(ev->valuestring, name) == 0;
}

enum {
    C_APPLICATION,
    C_CALLERIDNAME,
    C_CALLERIDNUM,
    C_CHANNEL,
    C_CHANNELSTATEDESC,
    C_CONNECTEDLINENAME,
    C_CONNECTEDLINENUM,
    C_CONTEXT,
    C_DURATION,
    C_EXTEN,
    C_SECONDS,
    C_COUNT,
};
static const char *const chan_keys[C_COUNT] = {
    "Application",       "CallerIDName",     "CallerIDNum", "Channel",  "ChannelStateDesc",
    "ConnectedLineName", "ConnectedLineNum", "Context",     "Duration", "Exten",
    "Seconds",
};

static void channel(struct snapshot *s, const cJSON *obj, int64_t now_ms, bool keep_raw)
{
    const cJSON *f[C_COUNT];
    bj_pick(obj, chan_keys, C_COUNT, f);
    if (!cJSON_IsString(f[C_CHANNEL]) || !f[C_CHANNEL]->valuestring[0])
        return;
    size_t i = snap_add(s, f[C_CHANNEL]->valuestring);
    bj_set_text(s, i, CH_CHANNEL, f[C_CHANNEL]);
    bj_set_text(s, i, CH_STATE, f[C_CHANNELSTATEDESC]);
    bj_set_text(s, i, CH_CALLER_NUM, f[C_CALLERIDNUM]);
    bj_set_text(s, i, CH_CALLER_NAME, f[C_CALLERIDNAME]);
    bj_set_text(s, i, CH_CONNECTED_NUM, f[C_CONNECTEDLINENUM]);
    bj_set_text(s, i, CH_CONNECTED_NAME, f[C_CONNECTEDLINENAME]);
    bj_set_text(s, i, CH_CONTEXT, f[C_CONTEXT]);
    bj_set_text(s, i, CH_EXTEN, f[C_EXTEN]);
    bj_set_text(s, i, CH_APPLICATION, f[C_APPLICATION]);
    long long secs;
    if (bj_seconds(f[C_DURATION] ? f[C_DURATION] : f[C_SECONDS], &secs))
        snap_set_t0(s, i, now_ms - secs * 1000);
    if (keep_raw)
        bj_set_raw(s, i, obj);
}

struct snapshot *ami_decode_channels(const cJSON *events, int64_t now_ms, bool keep_raw)
{
    struct snapshot *s = snap_new(KIND_CHANNELS);
    for (const cJSON *e = cJSON_IsArray(events) ? events->child : NULL; e; e = e->next) {
        if (is_event(e, "CoreShowChannel") || is_event(e, "Status"))
            channel(s, e, now_ms, keep_raw);
    }
    snap_finish(s);
    return s;
}

enum {
    M_CALLSTAKEN,
    M_INCALL,
    M_INTERFACE, /* older Asterisk */
    M_LOCATION,
    M_MEMBERNAME, /* older Asterisk */
    M_NAME,
    M_PAUSED,
    M_PAUSEDREASON,
    M_PENALTY,
    M_QUEUE,
    M_STATUS,
    M_COUNT,
};
static const char *const member_keys[M_COUNT] = {
    "CallsTaken", "InCall",       "Interface", "Location", "MemberName", "Name",
    "Paused",     "PausedReason", "Penalty",   "Queue",    "Status",
};

static void member(struct snapshot *s, const cJSON *obj, bool keep_raw)
{
    const cJSON *f[M_COUNT];
    bj_pick(obj, member_keys, M_COUNT, f);
    const cJSON *loc = f[M_LOCATION] ? f[M_LOCATION] : f[M_INTERFACE];
    const cJSON *name = f[M_NAME] ? f[M_NAME] : f[M_MEMBERNAME];
    if (!cJSON_IsString(loc) || !loc->valuestring[0] || !cJSON_IsString(f[M_QUEUE]))
        return;
    /* The id is split again at its last '@' (interfaces may hold one): a queue name that is
     * empty or holds one would make the id name another member, or none. */
    const char *queue = f[M_QUEUE]->valuestring;
    if (!queue[0] || strchr(queue, '@'))
        return;
    char *id = ami_member_id(loc->valuestring, queue);
    size_t i = snap_add(s, id);
    free(id);
    bj_set_text(s, i, QM_QUEUE, f[M_QUEUE]);
    bj_set_text(s, i, QM_INTERFACE, loc);
    bj_set_text(s, i, QM_NAME, name);
    long long st;
    if (bj_int(f[M_STATUS], &st))
        snap_set(s, i, QM_STATUS, ami_device_state_name(st));
    bj_set_bool(s, i, QM_PAUSED, f[M_PAUSED]);
    bj_set_text(s, i, QM_PAUSED_REASON, f[M_PAUSEDREASON]);
    bj_set_int(s, i, QM_PENALTY, f[M_PENALTY]);
    bj_set_int(s, i, QM_CALLS_TAKEN, f[M_CALLSTAKEN]);
    bj_set_bool(s, i, QM_IN_CALL, f[M_INCALL]);
    if (keep_raw)
        bj_set_raw(s, i, obj);
}

struct snapshot *ami_decode_queuemembers(const cJSON *events, bool keep_raw)
{
    struct snapshot *s = snap_new(KIND_QUEUEMEMBERS);
    for (const cJSON *e = cJSON_IsArray(events) ? events->child : NULL; e; e = e->next) {
        if (is_event(e, "QueueMember"))
            member(s, e, keep_raw);
    }
    snap_finish(s);
    return s;
}

enum {
    Q_ABANDONED_K,
    Q_CALLS_K,
    Q_COMPLETED_K,
    Q_HOLDTIME_K,
    Q_QUEUE_K,
    Q_STRATEGY_K,
    Q_TALKTIME_K,
    QK_COUNT
};
static const char *const queue_keys[QK_COUNT] = {
    "Abandoned", "Calls", "Completed", "Holdtime", "Queue", "Strategy", "TalkTime",
};

static void queue(struct snapshot *s, const cJSON *obj, bool keep_raw)
{
    const cJSON *f[QK_COUNT];
    bj_pick(obj, queue_keys, QK_COUNT, f);
    if (!cJSON_IsString(f[Q_QUEUE_K]) || !f[Q_QUEUE_K]->valuestring[0])
        return;
    size_t i = snap_add(s, f[Q_QUEUE_K]->valuestring);
    bj_set_text(s, i, Q_QUEUE, f[Q_QUEUE_K]);
    bj_set_text(s, i, Q_STRATEGY, f[Q_STRATEGY_K]);
    bj_set_int(s, i, Q_CALLS, f[Q_CALLS_K]);
    bj_set_int(s, i, Q_COMPLETED, f[Q_COMPLETED_K]);
    bj_set_int(s, i, Q_ABANDONED, f[Q_ABANDONED_K]);
    bj_set_int(s, i, Q_HOLD_TIME, f[Q_HOLDTIME_K]);
    bj_set_int(s, i, Q_TALK_TIME, f[Q_TALKTIME_K]);
    if (keep_raw)
        bj_set_raw(s, i, obj);
}

struct snapshot *ami_decode_queues(const cJSON *events, bool keep_raw)
{
    struct snapshot *s = snap_new(KIND_QUEUES);
    for (const cJSON *e = cJSON_IsArray(events) ? events->child : NULL; e; e = e->next) {
        if (is_event(e, "QueueParams"))
            queue(s, e, keep_raw);
    }
    snap_finish(s);
    return s;
}

enum {
    E_CALLERID, /* Asterisk 1.4: the number */
    E_CALLERIDNAME,
    E_CALLERIDNUM,
    E_CHANNEL,
    E_POSITION,
    E_QUEUE,
    E_UNIQUEID,
    E_WAIT,
    E_COUNT,
};
static const char *const entry_keys[E_COUNT] = {
    "CallerID", "CallerIDName", "CallerIDNum", "Channel", "Position", "Queue", "Uniqueid", "Wait",
};

/* A longer wait is a broken clock or field, not a caller: the view then counts from when
 * pbxtop first saw the caller. */
#define MAX_WAIT_S (7 * 86400)

static void entry(struct snapshot *s, const cJSON *obj, int64_t now_ms, bool keep_raw)
{
    const cJSON *f[E_COUNT];
    bj_pick(obj, entry_keys, E_COUNT, f);
    const cJSON *uid = f[E_UNIQUEID], *chan = f[E_CHANNEL];
    const cJSON *id = cJSON_IsString(uid) && uid->valuestring[0] ? uid : chan;
    /* A caller in no queue cannot be shown under one; one without an id cannot be told
     * apart from the next poll's callers. */
    if (!cJSON_IsString(id) || !id->valuestring[0] || !cJSON_IsString(f[E_QUEUE]) ||
        !f[E_QUEUE]->valuestring[0])
        return;
    size_t i = snap_add(s, id->valuestring);
    bj_set_text(s, i, QC_QUEUE, f[E_QUEUE]);
    bj_set_int(s, i, QC_POSITION, f[E_POSITION]);
    bj_set_text(s, i, QC_CALLER_NUM, f[E_CALLERIDNUM] ? f[E_CALLERIDNUM] : f[E_CALLERID]);
    bj_set_text(s, i, QC_CALLER_NAME, f[E_CALLERIDNAME]);
    bj_set_text(s, i, QC_CHANNEL, chan);
    long long secs;
    if (bj_seconds(f[E_WAIT], &secs) && secs >= 0 && secs <= MAX_WAIT_S)
        snap_set_t0(s, i, now_ms - secs * 1000);
    if (keep_raw)
        bj_set_raw(s, i, obj);
}

struct snapshot *ami_decode_queuecallers(const cJSON *events, int64_t now_ms, bool keep_raw)
{
    struct snapshot *s = snap_new(KIND_QUEUECALLERS);
    for (const cJSON *e = cJSON_IsArray(events) ? events->child : NULL; e; e = e->next) {
        if (is_event(e, "QueueEntry"))
            entry(s, e, now_ms, keep_raw);
    }
    snap_finish(s);
    return s;
}
