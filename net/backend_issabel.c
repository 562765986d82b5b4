/* The Issabel adapter. See contracts/jade-sark-issabel.md §1 and §4: JWT login (form body, user
 * admin), Bearer tokens, HTTP 200 {"status":"expired"} for an expired token and a refresh call
 * before a new login, GET envelopes where every scalar is a string, raw AMI events from
 * /pbxapi/manager (always HTTP 200, errors in the body), comma-list bulk deletes that stop at
 * the first missing id, and "reload":0 to hold back Issabel's slow apply until a batch ends.
 *
 * Token refresh within the engine's one-login interface: login_req() sends the renewtoken call
 * whenever a refresh token is held, else the real login. A refused refresh fails that "login";
 * the engine then fails the calls that waited for it, and every call made through
 * issabel_call() starts once more, which makes the engine log in with the password.
 *
 * This file holds the tokens, the decoders and answer readers, the calls, login, polls, hangup
 * and the adapter definition. The writes (request bodies, apply, bulk deletes, commit and the
 * schemas) are in backend_issabel_write.c, the queue member writes through /manager in
 * backend_issabel_members.c; what the files share is declared at the end of backend_issabel.h. */
#define _POSIX_C_SOURCE 200809L
#include "net/backend_issabel.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/adapter.h"
#include "net/backend_ami.h"
#include "net/backend_json.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

#define MAX_TOKEN   8192 /* a JWT longer than this is not Issabel's */
#define MAX_ERRTEXT 600  /* server error text kept for messages */

/* ---------------------------------------------------------------- small helpers */

void issabel_wipe_free(char *s)
{
    if (!s)
        return;
    for (volatile char *p = s; *p; p++)
        *p = 0;
    free(s);
}

static const cJSON *member(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static const char *str_member(const cJSON *obj, const char *key)
{
    const cJSON *it = member(obj, key);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

static bool valid_token(const char *t)
{
    size_t n = strlen(t);
    return n > 0 && n <= MAX_TOKEN &&
           strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") == n;
}

bool issabel_valid_number(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    return n > 0 && n <= 20 && strspn(id, "0123456789") == n;
}

bool issabel_valid_channel(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 255)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (name[i] <= ' ' || name[i] > '~')
            return false;
    }
    const char *slash = strchr(name, '/');
    return slash && slash != name && slash[1];
}

/* ---------------------------------------------------------------- tokens */

void issabel_tokens_done(struct issabel_tokens *t)
{
    issabel_wipe_free(t->access);
    issabel_wipe_free(t->refresh);
    t->access = t->refresh = NULL;
    t->expires_in = -1;
}

static char *renew_refusal(const cJSON *root)
{
    const char *st = str_member(root, "status");
    const char *type = str_member(root, "type");
    if (st && strcmp(st, "expired") == 0)
        return xasprintf("the %s token has expired", type ? type : "refresh");
    if (st && strcmp(st, "unauthorized") == 0)
        return xstrdup("the server refused the access token");
    return NULL;
}

int issabel_decode_tokens(const char *body, size_t len, bool renew, struct issabel_tokens *out,
                          char **err)
{
    memset(out, 0, sizeof *out);
    out->expires_in = -1;
    cJSON *root = bj_parse(body, len, err);
    if (!root)
        return -1;
    int rc = -1;
    const char *access = str_member(root, "access_token");
    const char *refresh = str_member(root, "refresh_token");
    const char *st = str_member(root, "status");
    char *refusal = renew && st && strcmp(st, "authorized") != 0 ? renew_refusal(root) : NULL;
    if (!cJSON_IsObject(root))
        *err = xstrdup("answer is not a JSON object");
    else if (renew && st && strcmp(st, "authorized") != 0)
        *err = refusal ? refusal : xasprintf("the refresh answer says \"%.40s\"", st);
    else if (!access || !valid_token(access))
        *err = xstrdup("answer has no usable access_token");
    else if (refresh && !valid_token(refresh))
        *err = xstrdup("answer has an unusable refresh_token");
    else
        rc = 0;
    if (rc == 0) {
        long long secs;
        out->access = xstrdup(access);
        out->refresh = xstrdup_or_null(refresh);
        if (bj_int(member(root, "expires_in"), &secs) && secs >= 0 && secs < 100000000)
            out->expires_in = (long)secs;
    }
    cJSON_Delete(root);
    return rc;
}

static bool blank(const char *body, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!strchr(" \t\r\n", body[i]))
            return false;
    }
    return true;
}

bool issabel_token_rejected(long status, const char *body, size_t len)
{
    if (status == 403)
        return blank(body, len);
    if (status != 200 || len > 256)
        return false;
    cJSON *root = cJSON_ParseWithLength(body, len);
    const char *st =
        cJSON_IsObject(root) && !member(root, "results") ? str_member(root, "status") : NULL;
    bool rejected = st && (strcmp(st, "expired") == 0 || strcmp(st, "unauthorized") == 0);
    cJSON_Delete(root);
    return rejected;
}

/* ---------------------------------------------------------------- error texts */

static void add_sep(struct strbuf *sb)
{
    if (sb->len)
        (void)strbuf_adds(sb, "; ");
}

static void add_errors(struct strbuf *sb, const cJSON *errs)
{
    for (const cJSON *e = cJSON_IsArray(errs) ? errs->child : NULL; e; e = e->next) {
        const char *src = str_member(e, "source");
        const char *detail = str_member(e, "detail");
        if (!detail)
            continue;
        add_sep(sb);
        if (src && *src)
            (void)strbuf_addf(sb, "%.80s: ", src);
        (void)strbuf_addf(sb, "%.200s", detail);
    }
}

char *issabel_error_text(const char *body, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return NULL;
    }
    struct strbuf sb;
    strbuf_init(&sb, MAX_ERRTEXT);
    add_errors(&sb, member(root, "errors"));
    static const char *const keys[] = {"message", "reason", "text"};
    for (size_t i = 0; !sb.len && i < sizeof keys / sizeof keys[0]; i++) {
        const char *m = str_member(root, keys[i]);
        if (m && *m)
            (void)strbuf_addf(&sb, "%.300s", m);
    }
    cJSON_Delete(root);
    if (!sb.len) {
        strbuf_done(&sb);
        return NULL;
    }
    return strbuf_take(&sb);
}

/* "Issabel answered fail: Record not found", for a non-success envelope. */
static char *status_error(const char *st, const char *body, size_t len)
{
    char *text = issabel_error_text(body, len);
    char *msg;
    if (strcmp(st, "expired") == 0)
        msg = xstrdup("the access token has expired");
    else if (text)
        msg = xasprintf("Issabel answered %.20s: %s", st, text);
    else
        msg = xasprintf("Issabel answered status \"%.40s\"", st);
    free(text);
    return msg;
}

/* The results array of a success envelope; NULL with *err. */
static const cJSON *envelope_results(const cJSON *root, const char *body, size_t len, char **err)
{
    if (!cJSON_IsObject(root)) {
        *err = xstrdup("answer is not a JSON object");
        return NULL;
    }
    const cJSON *st = member(root, "status");
    if (st && !cJSON_IsString(st)) {
        *err = xstrdup("answer has a status that is not a string");
        return NULL;
    }
    if (st && strcmp(st->valuestring, "success") != 0) {
        *err = status_error(st->valuestring, body, len);
        return NULL;
    }
    const cJSON *res = member(root, "results");
    if (!cJSON_IsArray(res)) {
        *err = xstrdup("answer has no results array");
        return NULL;
    }
    return res;
}

/* ---------------------------------------------------------------- decoders */

enum {
    E_CALLERID_OVERRIDE,
    E_CONTEXT,
    E_EXTENSION,
    E_NAME,
    E_TECH,
    E_VOICEMAIL,
    E_COUNT,
};
static const char *const ext_keys[E_COUNT] = {
    "callerid_override", "context", "extension", "name", "tech", "voicemail",
};

/* Voicemail on or off: the detail's {"enabled":"yes"}, or the old flat context name ("novm" is
 * off). The list's [] residue says nothing. */
static void set_voicemail(struct snapshot *s, size_t i, const cJSON *vm)
{
    bool on;
    if (cJSON_IsObject(vm))
        vm = member(vm, "enabled");
    if (cJSON_IsString(vm) && strcmp(vm->valuestring, "novm") == 0)
        snap_set_bool(s, i, EXT_VOICEMAIL, false);
    else if (bj_bool(vm, &on))
        snap_set_bool(s, i, EXT_VOICEMAIL, on);
    else if (cJSON_IsString(vm) && vm->valuestring[0])
        snap_set_bool(s, i, EXT_VOICEMAIL, true);
}

/* Issabel's outbound caller id override; empty means none. */
static void set_callerid(struct snapshot *s, size_t i, const cJSON *over)
{
    char buf[64];
    const char *v =
        bj_text(cJSON_IsObject(over) ? member(over, "outbound") : NULL, buf, sizeof buf);
    if (v && *v)
        snap_set(s, i, EXT_CALLERID, v);
}

/* Secrets never reach a record, not even its raw JSON. */
static void strip_secrets(cJSON *obj)
{
    while (member(obj, "secret"))
        cJSON_DeleteItemFromObjectCaseSensitive(obj, "secret");
    /* Every copy of a repeated "voicemail", not only the first one a lookup finds. */
    for (cJSON *vm = obj->child; vm; vm = vm->next) {
        if (!cJSON_IsObject(vm) || strcmp(vm->string, "voicemail") != 0)
            continue;
        while (member(vm, "pin"))
            cJSON_DeleteItemFromObjectCaseSensitive(vm, "pin");
    }
}

static void decode_extension(struct snapshot *s, cJSON *obj, bool keep_raw)
{
    const cJSON *f[E_COUNT];
    char buf[64];
    bj_pick(obj, ext_keys, E_COUNT, f);
    const char *id = bj_text(f[E_EXTENSION], buf, sizeof buf);
    if (!id || !*id)
        return; /* nothing could act on it */
    size_t i = snap_add(s, id);
    snap_set(s, i, EXT_EXTENSION, id);
    bj_set_text(s, i, EXT_NAME, f[E_NAME]);
    set_voicemail(s, i, f[E_VOICEMAIL]);
    set_callerid(s, i, f[E_CALLERID_OVERRIDE]);
    bj_set_text(s, i, EXT_CONTEXT, f[E_CONTEXT]);
    bj_set_text(s, i, EXT_TECH, f[E_TECH]);
    if (keep_raw) {
        strip_secrets(obj);
        bj_set_raw(s, i, obj);
    }
}

/* Decode the objects of a success envelope's results with `one`. */
static struct snapshot *decode_results(const char *body, size_t len, enum kind kind, bool keep_raw,
                                       void (*one)(struct snapshot *, cJSON *, bool), char **err)
{
    cJSON *root = bj_parse(body, len, err);
    if (!root)
        return NULL;
    struct snapshot *s = NULL;
    const cJSON *res = envelope_results(root, body, len, err);
    if (res) {
        s = snap_new(kind);
        for (cJSON *it = res->child; it; it = it->next) {
            if (cJSON_IsObject(it))
                one(s, it, keep_raw);
        }
        snap_finish(s);
    }
    cJSON_Delete(root);
    return s;
}

struct snapshot *issabel_decode_extensions(const char *body, size_t len, bool keep_raw, char **err)
{
    return decode_results(body, len, KIND_EXTENSIONS, keep_raw, decode_extension, err);
}

/* Members as one FT_LIST value; a \x1f inside an item is shown escaped, not split on. */
static void set_members(struct snapshot *s, size_t i, const cJSON *list)
{
    if (!cJSON_IsArray(list))
        return;
    struct strbuf sb;
    strbuf_init(&sb, 1u << 20);
    char buf[64];
    for (const cJSON *m = list->child; m; m = m->next) {
        const char *v = bj_text(m, buf, sizeof buf);
        if (m != list->child)
            (void)strbuf_addc(&sb, '\x1f');
        for (const char *p = v ? v : ""; *p; p++)
            (void)(*p == '\x1f' ? strbuf_adds(&sb, "\\x1f") : strbuf_addc(&sb, *p));
    }
    snap_set(s, i, RG_MEMBERS, strbuf_cstr(&sb));
    strbuf_done(&sb);
}

enum {
    G_EXTENSION,
    G_EXTENSION_LIST,
    G_ID,
    G_NAME,
    G_RING_TIME,
    G_STRATEGY,
    G_COUNT,
};
static const char *const rg_keys[G_COUNT] = {
    "extension", "extension_list", "id", "name", "ring_time", "strategy",
};

static void decode_ringgroup(struct snapshot *s, cJSON *obj, bool keep_raw)
{
    const cJSON *f[G_COUNT];
    char buf[64];
    bj_pick(obj, rg_keys, G_COUNT, f);
    const char *id = bj_text(f[G_EXTENSION] ? f[G_EXTENSION] : f[G_ID], buf, sizeof buf);
    if (!id || !*id)
        return;
    size_t i = snap_add(s, id);
    snap_set(s, i, RG_EXTENSION, id);
    bj_set_text(s, i, RG_NAME, f[G_NAME]);
    bj_set_text(s, i, RG_STRATEGY, f[G_STRATEGY]);
    bj_set_int(s, i, RG_RING_TIME, f[G_RING_TIME]);
    set_members(s, i, f[G_EXTENSION_LIST]);
    if (keep_raw)
        bj_set_raw(s, i, obj);
}

struct snapshot *issabel_decode_ringgroups(const char *body, size_t len, bool keep_raw, char **err)
{
    return decode_results(body, len, KIND_RINGGROUPS, keep_raw, decode_ringgroup, err);
}

int issabel_decode_exists(const char *body, size_t len, char **err)
{
    cJSON *root = bj_parse(body, len, err);
    if (!root)
        return -1;
    const cJSON *res = envelope_results(root, body, len, err);
    int rc = !res ? -1 : cJSON_GetArraySize(res) > 0;
    cJSON_Delete(root);
    return rc;
}

/* A manager answer: the raw AMI event array, or NULL with *err for Issabel's error object
 * ({"status":"error","reason":"Could not connect to AMI"}). */
static cJSON *manager_events(const char *body, size_t len, char **err)
{
    cJSON *root = bj_parse(body, len, err);
    if (!root || cJSON_IsArray(root))
        return root;
    const char *st = str_member(root, "status");
    char *text = cJSON_IsObject(root) ? issabel_error_text(body, len) : NULL;
    if (st && strcmp(st, "error") == 0)
        *err =
            xasprintf("Issabel could not talk to Asterisk (%s)", text ? text : "no reason given");
    else if (st && cJSON_IsObject(root))
        *err = status_error(st, body, len);
    else
        *err = xstrdup("answer is not a list of AMI events");
    free(text);
    cJSON_Delete(root);
    return NULL;
}

struct snapshot *issabel_decode_channels(const char *body, size_t len, int64_t now_ms,
                                         bool keep_raw, char **err)
{
    cJSON *ev = manager_events(body, len, err);
    struct snapshot *s = ev ? ami_decode_channels(ev, now_ms, keep_raw) : NULL;
    cJSON_Delete(ev);
    return s;
}

struct snapshot *issabel_decode_queuemembers(const char *body, size_t len, bool keep_raw,
                                             char **err)
{
    cJSON *ev = manager_events(body, len, err);
    struct snapshot *s = ev ? ami_decode_queuemembers(ev, keep_raw) : NULL;
    cJSON_Delete(ev);
    return s;
}

struct snapshot *issabel_decode_queues(const char *body, size_t len, bool keep_raw, char **err)
{
    cJSON *ev = manager_events(body, len, err);
    struct snapshot *s = ev ? ami_decode_queues(ev, keep_raw) : NULL;
    cJSON_Delete(ev);
    return s;
}

struct snapshot *issabel_decode_queuecallers(const char *body, size_t len, int64_t now_ms,
                                             bool keep_raw, char **err)
{
    cJSON *ev = manager_events(body, len, err);
    struct snapshot *s = ev ? ami_decode_queuecallers(ev, now_ms, keep_raw) : NULL;
    cJSON_Delete(ev);
    return s;
}

/* ---------------------------------------------------------------- answers of actions */

bool issabel_contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    }
    return false;
}

/* The AMI message is pasted into Issabel's JSON unescaped, so a quote in it breaks the JSON:
 * read such an answer by its words. */
static enum act_outcome hangup_by_words(const char *body, char **msg)
{
    if (strstr(body, "\"status\":\"ok\"") || strstr(body, "\"status\": \"ok\"")) {
        *msg = xstrdup("hung up");
        return ACT_OK;
    }
    if (issabel_contains_ci(body, "No such channel")) {
        *msg = xstrdup("channel already gone");
        return ACT_GONE;
    }
    *msg = xstrdup("Issabel's answer to the hangup is unreadable; the channel's state is unknown");
    return ACT_FAILED;
}

enum act_outcome issabel_map_hangup_answer(long status, const char *body, size_t len, char **msg)
{
    if (status != 200) {
        char *text = issabel_error_text(body, len);
        *msg = text ? xasprintf("Issabel refused the hangup: %s (HTTP %ld)", text, status)
                    : xasprintf("Issabel refused the hangup (HTTP %ld)", status);
        free(text);
        return ACT_FAILED;
    }
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        char *copy = xstrndup(body, len);
        enum act_outcome o = hangup_by_words(copy, msg);
        free(copy);
        return o;
    }
    const char *st = str_member(root, "status");
    char *text = issabel_error_text(body, len);
    enum act_outcome o = ACT_FAILED;
    if (st && strcmp(st, "ok") == 0) {
        o = ACT_OK;
        *msg = xstrdup("hung up");
    } else if (text && issabel_contains_ci(text, "No such channel")) {
        o = ACT_GONE;
        *msg = xstrdup("channel already gone");
    } else {
        *msg = xasprintf("Issabel could not hang up: %s", text ? text : "no reason given");
    }
    free(text);
    cJSON_Delete(root);
    return o;
}

/* A 2xx whose body is nevertheless a fail or error envelope. */
static bool failed_envelope(const char *body, size_t len)
{
    if (blank(body, len))
        return false;
    cJSON *root = cJSON_ParseWithLength(body, len);
    const char *st = cJSON_IsObject(root) ? str_member(root, "status") : NULL;
    bool bad = st && (strcmp(st, "fail") == 0 || strcmp(st, "error") == 0);
    cJSON_Delete(root);
    return bad;
}

enum act_outcome issabel_map_write_answer(enum change_op op, enum kind kind, long status,
                                          const char *body, size_t len, char **msg)
{
    static const char *const done_words[] = {"created", "updated", "deleted"};
    const char *what = kind == KIND_RINGGROUPS ? "ring group" : "extension";
    if (status >= 200 && status < 300 && !failed_envelope(body, len)) {
        *msg = xstrdup(done_words[op == OP_CREATE ? 0 : op == OP_UPDATE ? 1 : 2]);
        return ACT_OK;
    }
    if (status == 404 && op == OP_DELETE) {
        *msg = xasprintf("%s already gone", what);
        return ACT_GONE;
    }
    char *text = issabel_error_text(body, len);
    *msg = text ? xasprintf("%s (HTTP %ld)", text, status)
                : xasprintf("Issabel refused to %s the %s (HTTP %ld)", change_op_name(op), what,
                            status);
    free(text);
    return ACT_FAILED;
}

/* ---------------------------------------------------------------- calls */

/* One call made through the engine, tracked so that destroy() can free what a cancelled call
 * leaves behind, and started again (once) when a refused token refresh failed it. */
struct icall {
    struct issabel *st;
    struct icall *prev, *next;
    char *method, *path, *body;
    be_call_fn done;
    void *ud;
    void (*free_ud)(void *ud); /* for ud that the adapter owns, or NULL */
    bool relogged;
};

static void ic_unlink(struct icall *ic)
{
    if (ic->prev)
        ic->prev->next = ic->next;
    else
        ic->st->live = ic->next;
    if (ic->next)
        ic->next->prev = ic->prev;
}

static void ic_free(struct icall *ic)
{
    free(ic->method);
    free(ic->path);
    issabel_wipe_free(ic->body);
    free(ic);
}

static void ic_send(struct backend *be, struct icall *ic);

static void on_icall(struct backend *be, void *ud, const struct be_reply *rep)
{
    struct icall *ic = ud;
    if (rep->kind == REPLY_AUTH && ic->st->renew_refused && !ic->relogged) {
        ic->relogged = true;
        ic_send(be, ic); /* the engine logs in with the password this time */
        return;
    }
    ic_unlink(ic);
    be_call_fn done = ic->done;
    void *cb_ud = ic->ud;
    ic_free(ic);
    done(be, cb_ud, rep);
}

static void ic_send(struct backend *be, struct icall *ic)
{
    struct be_call_spec spec = {.method = ic->method, .path = ic->path, .body = ic->body};
    be_call(be, &spec, on_icall, ic);
}

/* be_call() with the refresh fallback; ud passes to `done`, free_ud frees it if the call is
 * cancelled at shutdown. */
void issabel_call(struct backend *be, const char *method, const char *path, const char *body,
                  be_call_fn done, void *ud, void (*free_ud)(void *ud))
{
    struct issabel *st = be_adapter_state(be);
    struct icall *ic = xcalloc(1, sizeof *ic);
    ic->st = st;
    ic->method = xstrdup(method);
    ic->path = xstrdup(path);
    ic->body = xstrdup_or_null(body);
    ic->done = done;
    ic->ud = ud;
    ic->free_ud = free_ud;
    ic->next = st->live;
    if (st->live)
        st->live->prev = ic;
    st->live = ic;
    ic_send(be, ic);
}

/* ---------------------------------------------------------------- adapter: auth */

static char *issabel_check_conf(const struct backend_conf *c, const char **key)
{
    if (c->password && *c->password)
        return NULL;
    *key = "password";
    return xstrdup("password: missing; Issabel's API needs the admin password "
                   "(amiadminpwd in /etc/issabel.conf)");
}

static void *issabel_create(struct backend *be)
{
    (void)be;
    return xcalloc(1, sizeof(struct issabel));
}

static void drop_tokens(struct issabel *st)
{
    issabel_wipe_free(st->access);
    issabel_wipe_free(st->refresh);
    st->access = st->refresh = NULL;
}

static void issabel_destroy(void *state)
{
    struct issabel *st = state;
    if (!st)
        return;
    struct icall *ic = st->live;
    st->live = NULL;
    while (ic) {
        struct icall *next = ic->next;
        if (ic->free_ud)
            ic->free_ud(ic->ud);
        ic_free(ic);
        ic = next;
    }
    drop_tokens(st);
    free(st->target_id);
    free(st);
}

static struct http_req *renew_req(struct backend *be, struct issabel *st)
{
    char *r = be_escape(st->refresh), *a = be_escape(st->access);
    char *url = xasprintf("%s/pbxapi/authenticate/renewtoken?refresh_token=%s&access_token=%s",
                          be_conf(be)->url, r, a);
    struct http_req *req = be_req_new(be, "GET", url);
    http_req_header(req, "Accept: application/json");
    issabel_wipe_free(url);
    issabel_wipe_free(r);
    issabel_wipe_free(a);
    return req;
}

/* A form body: every Issabel version reads it (JSON logins arrived in 2022). */
static struct http_req *issabel_login_req(struct backend *be)
{
    struct issabel *st = be_adapter_state(be);
    const struct backend_conf *c = be_conf(be);
    st->renewing = st->access && st->refresh;
    if (st->renewing)
        return renew_req(be, st);
    char *user = be_escape(c->username ? c->username : "admin");
    char *pass = be_escape(c->password ? c->password : "");
    char *body = xasprintf("user=%s&password=%s", user, pass);
    char *url = xasprintf("%s/pbxapi/authenticate", c->url);
    struct http_req *req = be_req_new(be, "POST", url);
    http_req_header(req, "Content-Type: application/x-www-form-urlencoded");
    http_req_header(req, "Accept: application/json");
    http_req_body(req, body, strlen(body));
    free(url);
    free(user);
    issabel_wipe_free(pass);
    issabel_wipe_free(body);
    return req;
}

static int renew_parse(struct issabel *st, const struct http_result *res, char **msg)
{
    struct issabel_tokens t;
    char *err = NULL;
    if (res->status == 200 &&
        issabel_decode_tokens(res->body, res->body_len, true, &t, &err) == 0) {
        drop_tokens(st);
        st->access = t.access;
        st->refresh = t.refresh; /* none: the next expiry logs in with the password */
        return 0;
    }
    drop_tokens(st);
    st->renew_refused = true;
    *msg = err ? xasprintf("token refresh refused (%s); logging in again", err)
               : xasprintf("token refresh refused (HTTP %ld); logging in again", res->status);
    free(err);
    return -1;
}

static int issabel_login_parse(struct backend *be, const struct http_result *res, char **msg)
{
    struct issabel *st = be_adapter_state(be);
    if (st->renewing)
        return renew_parse(st, res, msg);
    st->renew_refused = false;
    if (res->status == 403) {
        *msg = xstrdup("wrong username or password (Issabel's API takes user admin "
                       "and the AMI admin password)");
        return -1;
    }
    if (res->status == 404) {
        *msg = xstrdup("no Issabel API at this url (HTTP 404 for /pbxapi/authenticate); check url");
        return -1;
    }
    if (res->status != 200) {
        *msg = xasprintf("login refused (HTTP %ld)", res->status);
        return -1;
    }
    struct issabel_tokens t;
    char *err = NULL;
    if (issabel_decode_tokens(res->body, res->body_len, false, &t, &err) != 0) {
        *msg = xasprintf("login answer unusable: %s", err);
        free(err);
        return -1;
    }
    drop_tokens(st);
    st->access = t.access;
    st->refresh = t.refresh;
    return 0;
}

static struct http_req *issabel_build(struct backend *be, const struct be_call_spec *spec)
{
    struct issabel *st = be_adapter_state(be);
    char *url = xasprintf("%s/pbxapi%s", be_conf(be)->url, spec->path);
    struct http_req *r = be_req_new(be, spec->method, url);
    free(url);
    char *auth = xasprintf("Authorization: Bearer %s", st->access ? st->access : "");
    http_req_header(r, auth);
    issabel_wipe_free(auth);
    http_req_header(r, "Accept: application/json");
    /* Framework errors then come as JSON rather than an HTML page with a trace. */
    http_req_header(r, "X-Requested-With: XMLHttpRequest");
    if (spec->body) {
        /* Exactly this: Issabel compares the header as a string, else it reads a form. */
        http_req_header(r, "Content-Type: application/json");
        http_req_body(r, spec->body, strlen(spec->body));
    }
    return r;
}

static bool issabel_auth_rejected(struct backend *be, const struct http_result *res)
{
    (void)be;
    return issabel_token_rejected(res->status, res->body, res->body_len);
}

/* ---------------------------------------------------------------- adapter: polls */

/* The list calls: the extension list gains voicemail and the outbound caller id through
 * ?fields=, the ring group list its detail fields (ring_time) with ?fields=*. */
static const char *const poll_paths[KIND_COUNT] = {
    [KIND_EXTENSIONS] = "/extensions?fields=voicemail.enabled,callerid_override.outbound",
    [KIND_RINGGROUPS] = "/ringgroups?fields=*",
    [KIND_CHANNELS] = "/manager/status",
    [KIND_QUEUEMEMBERS] = "/manager/queuestatus",
    [KIND_QUEUES] = "/manager/queuestatus",
    [KIND_QUEUECALLERS] = "/manager/queuestatus",
};

static struct snapshot *decode_kind(enum kind kind, const struct http_result *res, bool raw,
                                    char **err)
{
    switch (kind) {
    case KIND_EXTENSIONS:
        return issabel_decode_extensions(res->body, res->body_len, raw, err);
    case KIND_RINGGROUPS:
        return issabel_decode_ringgroups(res->body, res->body_len, raw, err);
    case KIND_CHANNELS:
        return issabel_decode_channels(res->body, res->body_len, be_now_wall_ms(), raw, err);
    case KIND_QUEUEMEMBERS:
        return issabel_decode_queuemembers(res->body, res->body_len, raw, err);
    case KIND_QUEUECALLERS:
        return issabel_decode_queuecallers(res->body, res->body_len, be_now_wall_ms(), raw, err);
    case KIND_QUEUES:
    case KIND_COUNT:
        break;
    }
    return issabel_decode_queues(res->body, res->body_len, raw, err);
}

static void finish_poll(struct backend *be, enum kind kind, const struct be_reply *rep)
{
    const struct http_result *res = rep->res;
    const char *what = kind_def(kind)->name;
    char *err = NULL, *msg;
    if (rep->kind != REPLY_HTTP) {
        be_poll_fail_reply(be, kind, rep);
        return;
    }
    if (res->status != 200) {
        char *text = issabel_error_text(res->body, res->body_len);
        if (!text) {
            be_poll_fail_reply(be, kind, rep);
            return;
        }
        msg = xasprintf("%s: HTTP %ld: %s", what, res->status, text);
        be_poll_fail(be, kind, FAIL_DATA, msg, res->retry_after);
        free(text);
        free(msg);
        return;
    }
    struct snapshot *s = decode_kind(kind, res, be_keep_raw(be), &err);
    if (s) {
        be_poll_ok(be, kind, s);
        return;
    }
    msg = xasprintf("%s: %s", what, err);
    be_poll_fail(be, kind, FAIL_DATA, msg, -1);
    free(msg);
    free(err);
}

static void on_poll(struct backend *be, void *ud, const struct be_reply *rep)
{
    finish_poll(be, (enum kind)(intptr_t)ud, rep);
}

/* One queuestatus answer serves queue members, queues and waiting callers, as on SARK: the
 * three would otherwise ask Asterisk the same thing three times per refresh. */
static void on_queue_status(struct backend *be, void *ud, const struct be_reply *rep)
{
    (void)ud;
    struct issabel *st = be_adapter_state(be);
    unsigned waiting = st->qs_waiting;
    st->qs_waiting = 0;
    st->qs_in_flight = false;
    for (int k = 0; k < KIND_COUNT; k++) {
        if (waiting & (1u << k))
            finish_poll(be, (enum kind)k, rep);
    }
}

static void issabel_poll(struct backend *be, enum kind kind)
{
    struct issabel *st = be_adapter_state(be);
    if (strcmp(poll_paths[kind], "/manager/queuestatus") != 0) {
        issabel_call(be, "GET", poll_paths[kind], NULL, on_poll, (void *)(intptr_t)kind, NULL);
        return;
    }
    st->qs_waiting |= 1u << kind;
    if (st->qs_in_flight)
        return;
    st->qs_in_flight = true;
    issabel_call(be, "GET", poll_paths[kind], NULL, on_queue_status, NULL, NULL);
}

/* ---------------------------------------------------------------- adapter: hangup */

static void on_hangup(struct backend *be, void *ud, const struct be_reply *rep)
{
    (void)be;
    struct be_act *act = ud;
    char *msg = NULL;
    if (rep->kind == REPLY_NET) {
        be_act_done(act, ACT_UNREACHABLE, rep->msg);
        return;
    }
    if (rep->kind == REPLY_AUTH) {
        be_act_done(act, ACT_AUTH, rep->msg);
        return;
    }
    enum act_outcome o =
        issabel_map_hangup_answer(rep->res->status, rep->res->body, rep->res->body_len, &msg);
    be_act_done(act, o, msg);
    free(msg);
}

/* A state-changing GET, as Issabel has it; the channel's full name goes in the query. */
static void issabel_hangup(struct backend *be, const char *id, struct be_act *act)
{
    if (!issabel_valid_channel(id)) {
        be_act_done(act, ACT_REFUSED, "not a valid channel name (like PJSIP/201-0000001a)");
        return;
    }
    char *esc = be_escape(id);
    char *path = xasprintf("/manager/hangup?channel=%s", esc);
    issabel_call(be, "GET", path, NULL, on_hangup, act, NULL);
    free(path);
    free(esc);
}

/* Ids go into URL paths (numbers, comma lists) and the manager queries (channel names, queue
 * members). */
static const char *issabel_check_id(enum kind kind, const char *id)
{
    if (kind == KIND_CHANNELS && !issabel_valid_channel(id))
        return "not a valid channel name (like PJSIP/201-0000001a)";
    if (kind == KIND_QUEUEMEMBERS && !issabel_valid_member_id(id))
        return "not a queue member id (interface@queue, like PJSIP/201@400)";
    if ((kind == KIND_EXTENSIONS || kind == KIND_RINGGROUPS) && !issabel_valid_number(id))
        return "not a valid Issabel number (digits only)";
    return NULL;
}

const struct adapter issabel_adapter = {
    .type = "issabel",
    .label = "Issabel",
    .kinds = (1u << KIND_EXTENSIONS) | (1u << KIND_RINGGROUPS) | (1u << KIND_CHANNELS) |
             (1u << KIND_QUEUEMEMBERS) | (1u << KIND_QUEUES) | (1u << KIND_QUEUECALLERS),
    .caps = CAP_HANGUP,
    .check_conf = issabel_check_conf,
    .create = issabel_create,
    .destroy = issabel_destroy,
    .login_req = issabel_login_req,
    .login_parse = issabel_login_parse,
    .build = issabel_build,
    .auth_rejected = issabel_auth_rejected,
    .poll = issabel_poll,
    .hangup = issabel_hangup,
    .schema = {[KIND_EXTENSIONS] = &issabel_ext_schema,
               [KIND_RINGGROUPS] = &issabel_rg_schema,
               [KIND_QUEUEMEMBERS] = &issabel_member_schema},
    .apply = issabel_apply,
    .delete_many = issabel_delete_many,
    .check_id = issabel_check_id,
    .commit = issabel_commit,
    .commit_kinds = 1u << KIND_EXTENSIONS | 1u << KIND_RINGGROUPS,
};
