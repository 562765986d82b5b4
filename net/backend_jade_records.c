/* jade's queue members, queues, waiting callers and PJSIP endpoints (contracts §2.5, §2.6),
 * with the writes it offers: members added, removed, paused and given a penalty through AMI;
 * extensions created, changed and removed as jade manager users (each owns a PJSIP endpoint). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/adapter.h"
#include "net/backend_ami.h"
#include "net/backend_jade.h"
#include "net/backend_json.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

typedef void (*object_fn)(struct snapshot *s, const cJSON *obj, bool keep_raw);

/* result.list of an envelope, each object through fn, into a finished snapshot. */
static struct snapshot *decode_list(const char *body, size_t len, enum kind kind, bool keep_raw,
                                    object_fn fn, char **err)
{
    cJSON *root = bj_parse(body, len, err);
    if (!root)
        return NULL;
    struct snapshot *s = NULL;
    const cJSON *list = jade_list(root, err);
    if (list) {
        s = snap_new(kind);
        for (const cJSON *o = list->child; o; o = o->next) {
            if (cJSON_IsObject(o))
                fn(s, o, keep_raw);
        }
        snap_finish(s);
    }
    cJSON_Delete(root);
    return s;
}

static bool nonempty_string(const cJSON *it)
{
    return cJSON_IsString(it) && it->valuestring[0];
}

enum {
    M_CALLS_TAKEN,
    M_ID,
    M_IN_CALL,
    M_LOCATION,
    M_NAME,
    M_PAUSED,
    M_PAUSED_REASON,
    M_PENALTY,
    M_QUEUE_NAME,
    M_STATE_INTERFACE,
    M_STATUS,
    M_COUNT,
};
static const char *const member_keys[M_COUNT] = {
    "calls_taken",   "id",      "in_call",    "location",        "name",   "paused",
    "paused_reason", "penalty", "queue_name", "state_interface", "status",
};

static void member(struct snapshot *s, const cJSON *obj, bool keep_raw)
{
    const cJSON *f[M_COUNT];
    bj_pick(obj, member_keys, M_COUNT, f);
    if (!nonempty_string(f[M_ID]))
        return; /* no id, no action on it: not shown either */
    size_t i = snap_add(s, f[M_ID]->valuestring);
    long long st;
    bj_set_text(s, i, QM_QUEUE, f[M_QUEUE_NAME]);
    bj_set_text(s, i, QM_INTERFACE,
                nonempty_string(f[M_LOCATION]) ? f[M_LOCATION] : f[M_STATE_INTERFACE]);
    bj_set_text(s, i, QM_NAME, f[M_NAME]);
    if (bj_int(f[M_STATUS], &st))
        snap_set(s, i, QM_STATUS, ami_device_state_name(st));
    bj_set_bool(s, i, QM_PAUSED, f[M_PAUSED]);
    bj_set_text(s, i, QM_PAUSED_REASON, f[M_PAUSED_REASON]);
    bj_set_int(s, i, QM_PENALTY, f[M_PENALTY]);
    bj_set_int(s, i, QM_CALLS_TAKEN, f[M_CALLS_TAKEN]);
    bj_set_bool(s, i, QM_IN_CALL, f[M_IN_CALL]);
    if (keep_raw)
        bj_set_raw(s, i, obj);
}

struct snapshot *jade_decode_members(const char *body, size_t len, int64_t now_ms, bool keep_raw,
                                     char **err)
{
    (void)now_ms;
    return decode_list(body, len, KIND_QUEUEMEMBERS, keep_raw, member, err);
}

enum {
    Q_ABANDONED_K,
    Q_CALLS_K,
    Q_COMPLETED_K,
    Q_HOLD_K,
    Q_NAME_K,
    Q_STRATEGY_K,
    Q_TALK_K,
    QK_COUNT
};
static const char *const queue_keys[QK_COUNT] = {
    "abandoned", "calls", "completed", "hold_time", "name", "strategy", "talk_time",
};

static void queue(struct snapshot *s, const cJSON *obj, bool keep_raw)
{
    const cJSON *f[QK_COUNT];
    bj_pick(obj, queue_keys, QK_COUNT, f);
    if (!nonempty_string(f[Q_NAME_K]))
        return;
    size_t i = snap_add(s, f[Q_NAME_K]->valuestring);
    bj_set_text(s, i, Q_QUEUE, f[Q_NAME_K]);
    bj_set_text(s, i, Q_STRATEGY, f[Q_STRATEGY_K]);
    bj_set_int(s, i, Q_CALLS, f[Q_CALLS_K]);
    bj_set_int(s, i, Q_COMPLETED, f[Q_COMPLETED_K]);
    bj_set_int(s, i, Q_ABANDONED, f[Q_ABANDONED_K]);
    bj_set_int(s, i, Q_HOLD_TIME, f[Q_HOLD_K]);
    bj_set_int(s, i, Q_TALK_TIME, f[Q_TALK_K]);
    if (keep_raw)
        bj_set_raw(s, i, obj);
}

struct snapshot *jade_decode_queues(const char *body, size_t len, int64_t now_ms, bool keep_raw,
                                    char **err)
{
    (void)now_ms;
    return decode_list(body, len, KIND_QUEUES, keep_raw, queue, err);
}

/* A longer wait is clock trouble, not a caller: the model then counts from first seen. */
#define MAX_WAIT_S (7 * 86400)

enum {
    W_CALLER_ID_NAME,
    W_CALLER_ID_NUM,
    W_CHANNEL,
    W_POSITION,
    W_QUEUE_NAME,
    W_TM_UPDATE,
    W_UNIQUE_ID,
    W_WAIT,
    W_COUNT,
};
static const char *const entry_keys[W_COUNT] = {
    "caller_id_name", "caller_id_num", "channel",   "position",
    "queue_name",     "tm_update",     "unique_id", "wait",
};

/* jade stores the Wait of the QueueEntry event that last updated the row: the time since that
 * update, on jade's own clock, is added so that clock skew cancels out. */
static int64_t entry_t0(const cJSON *wait, const cJSON *upd, int64_t server_s, int64_t now_ms)
{
    long long secs;
    if (!bj_int(wait, &secs) || secs < 0)
        return 0;
    int64_t at = jade_parse_utc(cJSON_IsString(upd) ? upd->valuestring : NULL);
    if (at && server_s >= at)
        secs += server_s - at;
    return secs <= MAX_WAIT_S ? now_ms - secs * 1000 : 0;
}

static void entry(struct snapshot *s, const cJSON *obj, int64_t server_s, int64_t now_ms,
                  bool keep_raw)
{
    const cJSON *f[W_COUNT];
    bj_pick(obj, entry_keys, W_COUNT, f);
    if (!nonempty_string(f[W_UNIQUE_ID]) || !nonempty_string(f[W_QUEUE_NAME]))
        return; /* in no queue, or not to be told apart from the next poll's callers */
    size_t i = snap_add(s, f[W_UNIQUE_ID]->valuestring);
    bj_set_text(s, i, QC_QUEUE, f[W_QUEUE_NAME]);
    bj_set_int(s, i, QC_POSITION, f[W_POSITION]);
    bj_set_text(s, i, QC_CALLER_NUM, f[W_CALLER_ID_NUM]);
    bj_set_text(s, i, QC_CALLER_NAME, f[W_CALLER_ID_NAME]);
    bj_set_text(s, i, QC_CHANNEL, f[W_CHANNEL]);
    snap_set_t0(s, i, entry_t0(f[W_WAIT], f[W_TM_UPDATE], server_s, now_ms));
    if (keep_raw)
        bj_set_raw(s, i, obj);
}

struct snapshot *jade_decode_entries(const char *body, size_t len, int64_t now_ms, bool keep_raw,
                                     char **err)
{
    cJSON *root = bj_parse(body, len, err);
    if (!root)
        return NULL;
    struct snapshot *s = NULL;
    const cJSON *list = jade_list(root, err);
    if (list) {
        const cJSON *ts = cJSON_GetObjectItemCaseSensitive(root, "timestamp");
        int64_t server_s = jade_parse_utc(cJSON_IsString(ts) ? ts->valuestring : NULL);
        s = snap_new(KIND_QUEUECALLERS);
        for (const cJSON *o = list->child; o; o = o->next) {
            if (cJSON_IsObject(o))
                entry(s, o, server_s, now_ms, keep_raw);
        }
        snap_finish(s);
    }
    cJSON_Delete(root);
    return s;
}

enum {
    E_CALLERID,
    E_CONTEXT,
    E_MAILBOXES,
    E_OBJECT_NAME,
    E_COUNT
};
static const char *const endpoint_keys[E_COUNT] = {"callerid", "context", "mailboxes",
                                                   "object_name"};

/* The name in a caller id such as "Alice" <200>, or NULL. */
static void callerid_name(struct snapshot *s, size_t i, const cJSON *cid)
{
    const char *v = cJSON_IsString(cid) ? cid->valuestring : NULL;
    const char *open = v ? strchr(v, '"') : NULL;
    const char *close = open ? strchr(open + 1, '"') : NULL;
    if (close && close > open + 1)
        snap_setn(s, i, EXT_NAME, open + 1, (size_t)(close - open - 1));
}

static void endpoint(struct snapshot *s, const cJSON *obj, bool keep_raw)
{
    const cJSON *f[E_COUNT];
    bj_pick(obj, endpoint_keys, E_COUNT, f);
    if (!nonempty_string(f[E_OBJECT_NAME]))
        return;
    size_t i = snap_add(s, f[E_OBJECT_NAME]->valuestring);
    bj_set_text(s, i, EXT_EXTENSION, f[E_OBJECT_NAME]);
    callerid_name(s, i, f[E_CALLERID]);
    snap_set_bool(s, i, EXT_VOICEMAIL, nonempty_string(f[E_MAILBOXES]));
    bj_set_text(s, i, EXT_CALLERID, f[E_CALLERID]);
    bj_set_text(s, i, EXT_CONTEXT, f[E_CONTEXT]);
    snap_set(s, i, EXT_TECH, "PJSIP");
    if (keep_raw)
        bj_set_raw(s, i, obj);
}

struct snapshot *jade_decode_endpoints(const char *body, size_t len, int64_t now_ms, bool keep_raw,
                                       char **err)
{
    (void)now_ms;
    return decode_list(body, len, KIND_EXTENSIONS, keep_raw, endpoint, err);
}

/* ------------------------------------------------------------------------ writes */

static const struct field_schema member_fields[] = {
    {"queue", "Queue", FT_STR, NULL, "[^@/ ]+", 1, 80, NULL, FS_REQUIRED | FS_CREATE_ONLY},
    {"interface", "Interface", FT_STR, NULL, "[A-Za-z]+/[^ ]+", 3, 128, NULL,
     FS_REQUIRED | FS_CREATE_ONLY},
    {"name", "Member name", FT_STR, NULL, NULL, 1, 128, NULL, FS_CREATE_ONLY},
    {"penalty", "Penalty", FT_INT, NULL, NULL, 0, 1000000, "0", 0},
    {"paused", "Paused", FT_BOOL, NULL, NULL, 0, 0, "false", 0},
    {"paused_reason", "Pause reason", FT_STR, NULL, NULL, 0, 80, NULL, 0},
};
const struct record_schema jade_member_schema = {
    member_fields,
    (int)(sizeof member_fields / sizeof member_fields[0]),
    OP_CREATE | OP_UPDATE | OP_DELETE,
};

static const struct field_schema extension_fields[] = {
    {"extension", "Extension (PJSIP endpoint)", FT_STR, NULL, "[A-Za-z0-9_.-]+", 1, 64, NULL,
     FS_REQUIRED | FS_CREATE_ONLY},
    {"name", "Name", FT_STR, NULL, NULL, 0, 128, NULL, 0},
    {"password", "SIP password", FT_STR, NULL, NULL, 4, 128, NULL, FS_REQUIRED | FS_SECRET},
    {"context", "Context", FT_STR, NULL, "[A-Za-z0-9_.-]+", 1, 80, NULL, 0},
};
const struct record_schema jade_extension_schema = {
    extension_fields,
    (int)(sizeof extension_fields / sizeof extension_fields[0]),
    OP_CREATE | OP_UPDATE | OP_DELETE,
};

static const char *value_of(const struct change *c, const char *name)
{
    for (int i = 0; i < c->nvalues; i++) {
        if (strcmp(c->names[i], name) == 0)
            return c->values[i];
    }
    return NULL;
}

static char *print_json(cJSON *obj)
{
    char *txt = cJSON_PrintUnformatted(obj);
    cJSON_Delete(obj);
    if (!txt)
        die("out of memory");
    char *out = xstrdup(txt);
    cJSON_free(txt);
    return out;
}

char *jade_member_add_body(const char *queue, const char *name, const char *interface,
                           long long penalty, bool paused)
{
    cJSON *o = cJSON_CreateObject();
    (void)cJSON_AddStringToObject(o, "queue_name", queue);
    (void)cJSON_AddStringToObject(o, "name", name);
    (void)cJSON_AddStringToObject(o, "state_interface", interface);
    (void)cJSON_AddNumberToObject(o, "penalty", (double)penalty);
    (void)cJSON_AddNumberToObject(o, "paused", paused ? 1 : 0);
    return print_json(o);
}

char *jade_member_update_body(const char *queue, const char *interface, const char *penalty,
                              const char *paused, const char *reason)
{
    cJSON *o = cJSON_CreateObject();
    (void)cJSON_AddStringToObject(o, "queue_name", queue);
    (void)cJSON_AddStringToObject(o, "state_interface", interface);
    if (penalty)
        (void)cJSON_AddNumberToObject(o, "penalty", (double)strtoll(penalty, NULL, 10));
    if (paused)
        (void)cJSON_AddNumberToObject(o, "paused", strcmp(paused, "true") == 0 ? 1 : 0);
    if (paused && reason)
        (void)cJSON_AddStringToObject(o, "paused_reason", reason);
    return print_json(o);
}

static char *member_path(const char *id)
{
    char *esc = be_escape(id); /* "PJSIP/200@sales" -> PJSIP%2F200%40sales */
    char *path = xasprintf("/admin/queue/members/%s", esc);
    free(esc);
    return path;
}

static void member_create(struct backend *be, const struct change *c, struct be_act *act)
{
    const char *queue = value_of(c, "queue"), *iface = value_of(c, "interface");
    const char *name = value_of(c, "name") ? value_of(c, "name") : iface;
    const char *pen = value_of(c, "penalty"), *paused = value_of(c, "paused");
    if (!queue || !name) {
        be_act_done(act, ACT_REFUSED, "queue and interface are needed"); /* the schema says so */
        return;
    }
    char *id = xasprintf("%s@%s", name, queue);
    be_act_set_id(act, id); /* jade answers without the new id; it is name@queue */
    char *body = jade_member_add_body(queue, name, iface, pen ? strtoll(pen, NULL, 10) : 0,
                                      paused && strcmp(paused, "true") == 0);
    jade_write(be, act, "POST", "/admin/queue/members", body, NULL, "member");
    free(body);
    free(id);
}

/* jade ignores the id in the URL and acts on queue + interface from the body, which only
 * the last poll knows. */
static void member_update(struct backend *be, const struct change *c, struct be_act *act)
{
    const struct snapshot *s = be_snapshot(be, KIND_QUEUEMEMBERS);
    long r = s ? snap_find(s, c->id) : -1;
    if (r < 0) {
        be_act_done(act, ACT_FAILED, "member not in the last poll of queue members");
        return;
    }
    const struct record *rec = snap_get(s, (size_t)r);
    const char *paused = value_of(c, "paused"), *reason = value_of(c, "paused_reason");
    if (reason && !paused)
        paused = rec->v[QM_PAUSED]; /* jade sets a reason only together with the state */
    char *body = jade_member_update_body(rec->v[QM_QUEUE], rec->v[QM_INTERFACE],
                                         value_of(c, "penalty"), paused, reason);
    char *path = member_path(c->id);
    jade_write(be, act, "PUT", path, body, NULL, "member");
    free(path);
    free(body);
}

static void member_delete(struct backend *be, const struct change *c, struct be_act *act)
{
    char *path = member_path(c->id);
    jade_write(be, act, "DELETE", path, NULL, path, "member");
    free(path);
}

/* The body of a manager user write: username on create, the fields that are given. */
static char *user_body(const struct change *c, bool create)
{
    static const char *const fields[] = {"name", "password", "context"};
    cJSON *o = cJSON_CreateObject();
    if (create) {
        (void)cJSON_AddStringToObject(o, "username", value_of(c, "extension"));
        cJSON *perms = cJSON_AddArrayToObject(o, "permissions");
        cJSON *perm = cJSON_CreateObject();
        (void)cJSON_AddStringToObject(perm, "permission", "user");
        (void)cJSON_AddItemToArray(perms, perm);
    }
    for (size_t i = 0; i < 3; i++) {
        const char *v = value_of(c, fields[i]);
        if (v || (create && strcmp(fields[i], "context") == 0))
            (void)cJSON_AddStringToObject(o, fields[i], v ? v : "");
    }
    return print_json(o);
}

struct user_op {
    struct be_act *act;
    enum change_op op;
    char *username;
    char *body; /* NULL for a delete */
};

static void user_op_free(void *ud)
{
    struct user_op *u = ud;
    free(u->username);
    free(u->body);
    free(u);
}

/* The uuid of the manager user called name in a /manager/users answer, or NULL. */
static char *find_uuid(const struct http_result *res, const char *name)
{
    char *err = NULL, *uuid = NULL;
    cJSON *root = bj_parse(res->body, res->body_len, &err);
    const cJSON *list = root ? jade_list(root, &err) : NULL;
    for (const cJSON *o = list ? list->child : NULL; o && !uuid; o = o->next) {
        const cJSON *un = cJSON_GetObjectItemCaseSensitive(o, "username");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "uuid");
        if (cJSON_IsString(un) && cJSON_IsString(id) && strcmp(un->valuestring, name) == 0 &&
            strspn(id->valuestring, "0123456789abcdefABCDEF-") == strlen(id->valuestring))
            uuid = xstrdup(id->valuestring);
    }
    cJSON_Delete(root);
    free(err);
    return uuid;
}

static void on_users(struct backend *be, void *ud, const struct be_reply *rep)
{
    struct user_op *u = ud;
    char *uuid = NULL;
    if (rep->kind != REPLY_HTTP) {
        be_act_done(u->act, rep->kind == REPLY_AUTH ? ACT_AUTH : ACT_UNREACHABLE, rep->msg);
    } else if (rep->res->status != 200 || !(uuid = find_uuid(rep->res, u->username))) {
        const struct snapshot *s = be_snapshot(be, KIND_EXTENSIONS);
        bool endpoint = s && snap_find(s, u->username) >= 0;
        /* An endpoint with no jade user was configured elsewhere: jade cannot change it. */
        be_act_done(u->act, endpoint || u->op != OP_DELETE ? ACT_FAILED : ACT_GONE,
                    endpoint ? "this endpoint is not a jade user's; jade cannot change it"
                             : "no such jade user");
    } else {
        char *path = xasprintf("/manager/users/%s", uuid);
        jade_write(be, u->act, u->op == OP_DELETE ? "DELETE" : "PUT", path, u->body, NULL, "user");
        free(path);
    }
    free(uuid);
    user_op_free(u);
}

static void extension_apply(struct backend *be, const struct change *c, struct be_act *act)
{
    if (c->op == OP_CREATE) {
        char *body = user_body(c, true);
        be_act_set_id(act, value_of(c, "extension"));
        jade_write(be, act, "POST", "/manager/users", body, NULL, "user");
        free(body);
        return;
    }
    /* Users are addressed by uuid: find the one whose username is the endpoint's name. */
    struct user_op *u = xcalloc(1, sizeof *u);
    u->act = act;
    u->op = c->op;
    u->username = xstrdup(c->id);
    u->body = c->op == OP_UPDATE ? user_body(c, false) : NULL;
    struct be_call_spec spec = {.method = "GET", .path = "/manager/users"};
    be_call_owned(be, &spec, on_users, u, user_op_free);
}

void jade_apply(struct backend *be, const struct change *c, struct be_act *act)
{
    if (c->kind == KIND_EXTENSIONS) {
        extension_apply(be, c, act);
    } else if (c->op == OP_CREATE) {
        member_create(be, c, act);
    } else if (c->op == OP_UPDATE) {
        member_update(be, c, act);
    } else {
        member_delete(be, c, act);
    }
}
