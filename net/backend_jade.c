/* The jade adapter. See contracts/jade-sark-issabel.md §2: Basic-auth login for a UUID
 * token, the token in the query string, 403 for a bad or expired token, 500 when a hangup
 * names an unknown channel. */
#include "net/backend_jade.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/adapter.h"
#include "net/backend_json.h"
#include "tui/xalloc.h"

#define MAX_CALL_AGE_S (7 * 86400) /* older derived durations are clock trouble */

struct jade {
    char *token;
};

static char *jade_check_conf(const struct backend_conf *c, const char **key)
{
    if (c->username && c->password)
        return NULL;
    *key = !c->username ? "username" : "password";
    return xasprintf("%s: missing; jade needs username and password (its admin login)", *key);
}

static void *jade_create(struct backend *be)
{
    (void)be;
    return xcalloc(1, sizeof(struct jade));
}

static void jade_destroy(void *state)
{
    struct jade *j = state;
    if (!j)
        return;
    free(j->token);
    free(j);
}

const cJSON *jade_list(const cJSON *root, char **err)
{
    const cJSON *res = jade_result(root, err);
    const cJSON *list = res ? cJSON_GetObjectItemCaseSensitive(res, "list") : NULL;
    if (res && !cJSON_IsArray(list)) {
        *err = xstrdup("answer has no result.list array");
        return NULL;
    }
    return list;
}

const cJSON *jade_result(const cJSON *root, char **err)
{
    if (!cJSON_IsObject(root)) {
        *err = xstrdup("answer is not a JSON object");
        return NULL;
    }
    long long code;
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(root, "statuscode");
    if (sc && bj_int(sc, &code) && code != 200) {
        *err = xasprintf("jade answered statuscode %lld", code);
        return NULL;
    }
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(root, "result");
    if (!cJSON_IsObject(res)) {
        *err = xstrdup("answer has no result object");
        return NULL;
    }
    return res;
}

bool jade_error_envelope(const struct http_result *res)
{
    cJSON *root = cJSON_ParseWithLength(res->body, res->body_len);
    long long code = 0;
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(root, "statuscode");
    bool ok = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "error")) &&
              bj_int(sc, &code) && code == res->status;
    cJSON_Delete(root);
    return ok;
}

static bool valid_token(const char *t)
{
    size_t n = strlen(t);
    return n > 0 && n <= 128 && strspn(t, "0123456789abcdefABCDEF-") == n;
}

char *jade_decode_login(const char *body, size_t len, char **err)
{
    cJSON *root = bj_parse(body, len, err);
    if (!root)
        return NULL;
    char *token = NULL;
    const cJSON *res = jade_result(root, err);
    const cJSON *t = res ? cJSON_GetObjectItemCaseSensitive(res, "authtoken") : NULL;
    if (res && (!cJSON_IsString(t) || !valid_token(t->valuestring)))
        *err = xstrdup("login answer has no usable authtoken");
    else if (res)
        token = xstrdup(t->valuestring);
    cJSON_Delete(root);
    return token;
}

static struct http_req *jade_login_req(struct backend *be)
{
    const struct backend_conf *c = be_conf(be);
    char *url = xasprintf("%s/v1/admin/login", c->url);
    struct http_req *r = be_req_new(be, "POST", url);
    free(url);
    http_req_basic_auth(r, c->username, c->password);
    http_req_body(r, "", 0);
    return r;
}

static int jade_login_parse(struct backend *be, const struct http_result *res, char **msg)
{
    struct jade *j = be_adapter_state(be);
    if (res->status == 404 && jade_error_envelope(res)) {
        *msg = xstrdup("wrong username or password");
        return -1;
    }
    if (res->status == 404) {
        *msg = xstrdup("no jade login at this url (HTTP 404 without jade's envelope); check url");
        return -1;
    }
    if (res->status != 200) {
        *msg = xasprintf("login refused (HTTP %ld)", res->status);
        return -1;
    }
    char *err = NULL;
    char *token = jade_decode_login(res->body, res->body_len, &err);
    if (!token) {
        *msg = err;
        return -1;
    }
    free(j->token);
    j->token = token;
    return 0;
}

static struct http_req *jade_logout_req(struct backend *be)
{
    struct jade *j = be_adapter_state(be);
    if (!j->token)
        return NULL;
    char *url = xasprintf("%s/v1/admin/login?authtoken=%s", be_conf(be)->url, j->token);
    struct http_req *r = be_req_new(be, "DELETE", url);
    free(url);
    return r;
}

static struct http_req *jade_build(struct backend *be, const struct be_call_spec *spec)
{
    struct jade *j = be_adapter_state(be);
    const char *sep = strchr(spec->path, '?') ? "&" : "?";
    char *url = xasprintf("%s/v1%s%sauthtoken=%s", be_conf(be)->url, spec->path, sep,
                          j->token ? j->token : "");
    struct http_req *r = be_req_new(be, spec->method, url);
    free(url);
    http_req_header(r, "Accept: application/json");
    if (spec->body) {
        http_req_header(r, "Content-Type: application/json");
        http_req_body(r, spec->body, strlen(spec->body));
    }
    return r;
}

static bool jade_auth_rejected(struct backend *be, const struct http_result *res)
{
    (void)be;
    return res->status == 403;
}

enum chan_key {
    K_APPLICATION,
    K_CALLER_ID_NAME,
    K_CALLER_ID_NUM,
    K_CHANNEL,
    K_CHANNEL_STATE,
    K_CHANNEL_STATE_DESC,
    K_CONNECTED_LINE_NAME,
    K_CONNECTED_LINE_NUM,
    K_CONTEXT,
    K_DURATION,
    K_EXTEN,
    K_UNIQUE_ID,
    K_COUNT,
};

/* Sorted: bj_pick() finds each member with one lookup instead of one scan per field. */
static const char *const chan_keys[K_COUNT] = {
    "application",
    "caller_id_name",
    "caller_id_num",
    "channel",
    "channel_state",
    "channel_state_desc",
    "connected_line_name",
    "connected_line_num",
    "context",
    "duration",
    "exten",
    "unique_id",
};

static const char *state_name(long long st)
{
    static const char *const names[] = {
        "Down",    "Rsrvd", "OffHook", "Dialing",         "Ring",
        "Ringing", "Up",    "Busy",    "Dialing Offhook", "Pre-ring"};
    return st >= 0 && st < 10 ? names[st] : NULL;
}

int64_t jade_parse_utc(const char *s)
{
    struct tm tm = {0};
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    return t < 0 ? 0 : (int64_t)t;
}

/* Asterisk unique ids are "[system-]EPOCH.SEQ": the epoch is when the channel was created. */
static int64_t uniqueid_epoch(const char *uid)
{
    const char *dash = strrchr(uid, '-');
    const char *p = dash ? dash + 1 : uid;
    char *end;
    long long v = strtoll(p, &end, 10);
    return (end != p && *end == '.' && v > 0) ? v : 0;
}

/* Start time of a call on our clock: jade's own duration if any, else the unique id's epoch
 * measured against jade's clock (the envelope timestamp) so that clock skew cancels out. */
static int64_t call_t0(const cJSON *dur, const char *uid, int64_t server_s, int64_t now_ms)
{
    long long secs;
    if (!bj_int(dur, &secs)) {
        int64_t epoch = uniqueid_epoch(uid);
        if (!epoch)
            return 0;
        secs = (server_s ? server_s : now_ms / 1000) - epoch;
    }
    if (secs < 0 || secs > MAX_CALL_AGE_S)
        return 0;
    return now_ms - secs * 1000;
}

static void decode_channel(struct snapshot *s, const cJSON *obj, int64_t server_s, int64_t now,
                           bool keep_raw)
{
    const cJSON *f[K_COUNT];
    bj_pick(obj, chan_keys, K_COUNT, f);
    /* Checked after the scan: with a repeated key, the last one is the one used. A channel
     * without an id cannot be acted on, so it is not shown either. */
    const cJSON *uid = f[K_UNIQUE_ID];
    if (!cJSON_IsString(uid) || !uid->valuestring[0])
        return;
    size_t i = snap_add(s, uid->valuestring);
    bj_set_text(s, i, CH_CHANNEL, f[K_CHANNEL]);
    long long st;
    if (cJSON_IsString(f[K_CHANNEL_STATE_DESC]) && f[K_CHANNEL_STATE_DESC]->valuestring[0])
        snap_set(s, i, CH_STATE, f[K_CHANNEL_STATE_DESC]->valuestring);
    else if (bj_int(f[K_CHANNEL_STATE], &st))
        snap_set(s, i, CH_STATE, state_name(st));
    bj_set_text(s, i, CH_CALLER_NUM, f[K_CALLER_ID_NUM]);
    bj_set_text(s, i, CH_CALLER_NAME, f[K_CALLER_ID_NAME]);
    bj_set_text(s, i, CH_CONNECTED_NUM, f[K_CONNECTED_LINE_NUM]);
    bj_set_text(s, i, CH_CONNECTED_NAME, f[K_CONNECTED_LINE_NAME]);
    bj_set_text(s, i, CH_CONTEXT, f[K_CONTEXT]);
    bj_set_text(s, i, CH_EXTEN, f[K_EXTEN]);
    bj_set_text(s, i, CH_APPLICATION, f[K_APPLICATION]);
    snap_set_t0(s, i, call_t0(f[K_DURATION], uid->valuestring, server_s, now));
    if (keep_raw)
        bj_set_raw(s, i, obj);
}

struct snapshot *jade_decode_channels(const char *body, size_t len, int64_t now_ms, bool keep_raw,
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
        s = snap_new(KIND_CHANNELS);
        for (const cJSON *c = list->child; c; c = c->next) {
            if (cJSON_IsObject(c))
                decode_channel(s, c, server_s, now_ms, keep_raw);
        }
        snap_finish(s);
    }
    cJSON_Delete(root);
    return s;
}

static void jade_poll(struct backend *be, enum kind kind)
{
    switch (kind) {
    case KIND_CHANNELS:
        be_poll_get(be, kind, "/admin/core/channels", jade_decode_channels);
        break;
    case KIND_QUEUEMEMBERS:
        be_poll_get(be, kind, "/admin/queue/members", jade_decode_members);
        break;
    case KIND_QUEUES:
        be_poll_get(be, kind, "/admin/queue/queues", jade_decode_queues);
        break;
    case KIND_QUEUECALLERS:
        be_poll_get(be, kind, "/admin/queue/entries", jade_decode_entries);
        break;
    case KIND_EXTENSIONS:
        be_poll_get(be, kind, "/admin/pjsip/endpoints", jade_decode_endpoints);
        break;
    default:
        be_poll_fail(be, kind, FAIL_DATA, "not offered by jade", -1);
        break;
    }
}

bool jade_valid_channel_id(const char *id)
{
    size_t n = strlen(id);
    /* The first character must be alphanumeric: "." and ".." would be path segments that
     * the URL layer folds away, sending the DELETE somewhere else. */
    bool alnum_first = (id[0] >= '0' && id[0] <= '9') || (id[0] >= 'a' && id[0] <= 'z') ||
                       (id[0] >= 'A' && id[0] <= 'Z');
    return n > 0 && n <= 128 && alnum_first &&
           strspn(id, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._-") == n;
}

struct jade_write {
    struct be_act *act;
    char *check_path; /* GET this to settle a 500; NULL: a 500 is a failure */
    char *noun;       /* "channel", "member" */
};

static void write_free(void *ud)
{
    struct jade_write *w = ud;
    free(w->check_path);
    free(w->noun);
    free(w);
}

/* After a 500: jade's 404 (in its envelope) for the record means it is gone; a 200 means
 * jade could not act on it. */
static void on_write_check(struct backend *be, void *ud, const struct be_reply *rep)
{
    struct jade_write *w = ud;
    (void)be;
    long st = rep->kind == REPLY_HTTP ? rep->res->status : 0;
    char *msg;
    if (st == 404 && jade_error_envelope(rep->res))
        msg = xasprintf("%s already gone", w->noun);
    else if (st == 404)
        msg = xstrdup("HTTP 404 without jade's envelope: is the url right?");
    else if (st == 200)
        msg = xasprintf("jade could not do it; the %s is still there", w->noun);
    else
        msg = xasprintf("jade refused; the %s's state is unknown", w->noun);
    be_act_done(w->act, st == 404 && jade_error_envelope(rep->res) ? ACT_GONE : ACT_FAILED, msg);
    free(msg);
    write_free(w);
}

static void on_write(struct backend *be, void *ud, const struct be_reply *rep)
{
    struct jade_write *w = ud;
    long st = rep->kind == REPLY_HTTP ? rep->res->status : 0;
    if (rep->kind != REPLY_HTTP) {
        be_act_done(w->act, rep->kind == REPLY_AUTH ? ACT_AUTH : ACT_UNREACHABLE, rep->msg);
    } else if (st == 200) {
        be_act_done(w->act, ACT_OK, "");
    } else if ((st == 500 || st == 404) && w->check_path) {
        /* jade answers 500 for an unknown id and for a failed AMI send alike, and a 404 on a
         * write is never jade's own: ask whether the record is there. */
        struct be_call_spec spec = {.method = "GET", .path = w->check_path};
        be_call_owned(be, &spec, on_write_check, w, write_free);
        return;
    } else {
        char *msg = xasprintf("jade refused (HTTP %ld)", st);
        be_act_done(w->act, ACT_FAILED, msg);
        free(msg);
    }
    write_free(w);
}

void jade_write(struct backend *be, struct be_act *act, const char *method, const char *path,
                const char *body, const char *check_path, const char *noun)
{
    struct jade_write *w = xcalloc(1, sizeof *w);
    w->act = act;
    w->check_path = xstrdup_or_null(check_path);
    w->noun = xstrdup(noun);
    struct be_call_spec spec = {.method = method, .path = path, .body = body};
    be_call_owned(be, &spec, on_write, w, write_free);
}

static void jade_hangup(struct backend *be, const char *id, struct be_act *act)
{
    if (!jade_valid_channel_id(id)) {
        be_act_done(act, ACT_REFUSED, "not a valid channel id");
        return;
    }
    char *esc = be_escape(id);
    char *path = xasprintf("/admin/core/channels/%s", esc);
    jade_write(be, act, "DELETE", path, NULL, path, "channel");
    free(path);
    free(esc);
}

static const char *jade_check_id(enum kind kind, const char *id)
{
    size_t n = strlen(id);
    bool printable = true;
    for (size_t i = 0; i < n; i++)
        printable = printable && (unsigned char)id[i] >= 0x20 && id[i] != 0x7f;
    if ((kind == KIND_CHANNELS || kind == KIND_EXTENSIONS) && !jade_valid_channel_id(id))
        return kind == KIND_CHANNELS ? "not a valid channel id" : "not a valid endpoint name";
    if (kind == KIND_QUEUEMEMBERS && (!printable || n > 256 || !strrchr(id, '@')))
        return "not a member id (name@queue)";
    return NULL;
}

const struct adapter jade_adapter = {
    .type = "jade",
    .label = "jade",
    .kinds = (1u << KIND_CHANNELS) | (1u << KIND_QUEUEMEMBERS) | (1u << KIND_QUEUES) |
             (1u << KIND_EXTENSIONS) | (1u << KIND_QUEUECALLERS),
    .caps = CAP_HANGUP,
    .why_not =
        {
            [KIND_RINGGROUPS] = "jade has no ring groups",
        },
    .check_conf = jade_check_conf,
    .create = jade_create,
    .destroy = jade_destroy,
    .login_req = jade_login_req,
    .login_parse = jade_login_parse,
    .logout_req = jade_logout_req,
    .build = jade_build,
    .auth_rejected = jade_auth_rejected,
    .poll = jade_poll,
    .hangup = jade_hangup,
    .check_id = jade_check_id,
    .schema =
        {[KIND_QUEUEMEMBERS] = &jade_member_schema, [KIND_EXTENSIONS] = &jade_extension_schema},
    .apply = jade_apply,
};
