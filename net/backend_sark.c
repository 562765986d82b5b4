/* The SARK V6 adapter. See contracts/jade-sark-issabel.md §3: three variants (L7 and L10 with
 * no auth but a 60 requests/minute throttle, L11 with a Sanctum bearer whose refusal is a
 * 404), bare JSON arrays whose values are strings or null, live data as raw AMI event arrays
 * from /api/astamis (each call >= 3 s, an empty list is a 404), typed extension creates, and
 * GET /api/syscommands/commit to make a batch of writes live.
 *
 * This file holds the adapter's state, config check, L11 login and logout, request building,
 * the answer and error texts, the decoders, the polls, hangup, the id check, the adapter
 * definitions and the variant hook. Split from backend_sark_write.c (schemas, write bodies,
 * apply, the write contexts, commit and what a write's answer means) to keep each file a
 * readable size; what the two files share is declared at the end of backend_sark.h. */
#include "net/backend_sark.h"

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

#define AMI_TIMEOUT_MS 20000 /* astamis reads AMI until a 3 s silence: allow a slow PBX */
#define MAX_TOKEN_LEN  256

enum sark_variant sark_parse_variant(const char *s)
{
    if (!s)
        return SARK_NONE;
    if (strcasecmp(s, "L7") == 0)
        return SARK_L7;
    if (strcasecmp(s, "L10") == 0)
        return SARK_L10;
    if (strcasecmp(s, "L11") == 0)
        return SARK_L11;
    return SARK_NONE;
}

static char *sark_check_conf(const struct backend_conf *c, const char **key)
{
    enum sark_variant v = sark_parse_variant(c->variant);
    if (v == SARK_NONE) {
        *key = "variant";
        if (!c->variant)
            return xstrdup("variant: missing; SARK needs variant = L7, L10 or L11 (the API's "
                           "Laravel version: sark6api, sark6apiL10 or sark6api_L11)");
        return xasprintf("variant: '%s' is not one of L7, L10, L11", c->variant);
    }
    if (v == SARK_L11 && !(c->username && c->password)) {
        *key = !c->username ? "username" : "password";
        return xasprintf("%s: missing; SARK L11 logs in with an admin user's email (username) "
                         "and password",
                         *key);
    }
    return NULL;
}

static void *sark_create(struct backend *be)
{
    struct sark *s = xcalloc(1, sizeof *s);
    s->variant = sark_parse_variant(be_conf(be)->variant);
    return s;
}

/* Free a string that held a token, wiping it first. */
static void wipe_free(char *secret)
{
    if (secret)
        memset(secret, 0, strlen(secret));
    free(secret);
}

static void sark_destroy(void *state)
{
    struct sark *s = state;
    if (!s)
        return;
    while (s->writes)
        sark_wctx_free(s, s->writes);
    wipe_free(s->token);
    free(s);
}

/* ------------------------------------------------------------------ answers */

/* The parsed body when it is JSON (the first value only: SARK's AMI helpers may print more
 * after their 503 JSON), else NULL. */
static cJSON *parse_quiet(const char *body, size_t len)
{
    char *err = NULL;
    cJSON *root = bj_parse(body, len, &err);
    free(err);
    return root;
}

static const char *str_member(const cJSON *obj, const char *name)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

static bool message_is(long status, long want, const char *body, size_t len, const char *msg)
{
    if (status != want)
        return false;
    cJSON *root = parse_quiet(body, len);
    const char *m = str_member(root, "message");
    bool ok = m && strcmp(m, msg) == 0;
    cJSON_Delete(root);
    return ok;
}

bool sark_is_empty_ami(long status, const char *body, size_t len)
{
    return message_is(status, 404, body, len, "Empty Object set returned from AMI");
}

bool sark_is_auth_404(long status, const char *body, size_t len)
{
    return message_is(status, 404, body, len, "Unauthorised/Page Not Found");
}

/* "field: msg; field: msg" from a 422 map {"field": ["msg", ...], ...}. */
static void add_field_errors(struct strbuf *sb, const cJSON *map)
{
    for (const cJSON *f = map->child; f; f = f->next) {
        const cJSON *m = cJSON_IsArray(f) ? f->child : f;
        if (!f->string || !cJSON_IsString(m))
            continue;
        (void)strbuf_addf(sb, "%s%s: %s", sb->len ? "; " : "", f->string, m->valuestring);
    }
}

char *sark_error_text(const char *body, size_t len)
{
    cJSON *root = parse_quiet(body, len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return NULL;
    }
    struct strbuf sb;
    strbuf_init(&sb, 4096);
    const cJSON *errors = cJSON_GetObjectItemCaseSensitive(root, "errors");
    const char *msg = str_member(root, "message");
    const char *error = str_member(root, "Error");
    if (cJSON_IsObject(errors)) /* Laravel's own {"message", "errors"} shape */
        add_field_errors(&sb, errors);
    else if (msg)
        (void)strbuf_adds(&sb, msg);
    else if (error)
        (void)strbuf_adds(&sb, error);
    else
        add_field_errors(&sb, root); /* SARK's bare 422 map */
    cJSON_Delete(root);
    if (!sb.len) {
        strbuf_done(&sb);
        return NULL;
    }
    return strbuf_take(&sb);
}

/* "HTTP 503: PBX not running", or "HTTP 503" when the body says nothing. Owned. */
static char *status_text(long status, const char *body, size_t len)
{
    char *text = sark_error_text(body, len);
    char *msg = text ? xasprintf("HTTP %ld: %s", status, text) : xasprintf("HTTP %ld", status);
    free(text);
    return msg;
}

/* ------------------------------------------------------------- login, calls */

static bool valid_token(const char *t)
{
    size_t n = strlen(t);
    const char *bar = strchr(t, '|');
    if (n == 0 || n > MAX_TOKEN_LEN || !bar || bar == t || !bar[1])
        return false;
    for (const char *p = t; *p; p++) {
        if (*p <= ' ' || *p > '~')
            return false;
    }
    return true;
}

char *sark_decode_login(const char *body, size_t len, char **err)
{
    cJSON *root = bj_parse(body, len, err);
    if (!root)
        return NULL;
    const char *t = str_member(root, "accessToken");
    char *token = NULL;
    if (!t)
        *err = xstrdup("login answer has no accessToken");
    else if (!valid_token(t))
        *err = xstrdup("login answer's accessToken is not of the form id|secret");
    else
        token = xstrdup(t);
    cJSON_Delete(root);
    return token;
}

static struct http_req *sark_login_req(struct backend *be)
{
    const struct backend_conf *c = be_conf(be);
    char *url = xasprintf("%s/api/auth/login", c->url);
    struct http_req *r = be_req_new(be, "POST", url);
    free(url);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "email", c->username);
    cJSON_AddStringToObject(o, "password", c->password);
    char *body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!body)
        die("out of memory");
    http_req_header(r, "Accept: application/json");
    http_req_header(r, "Content-Type: application/json");
    http_req_body(r, body, strlen(body));
    memset(body, 0, strlen(body)); /* it held the password */
    cJSON_free(body);
    return r;
}

static int sark_login_parse(struct backend *be, const struct http_result *res, char **msg)
{
    struct sark *s = be_adapter_state(be);
    char *text = NULL;
    if (res->status == 401) {
        *msg = xstrdup("wrong email or password (SARK L11 logs in by email: username must be "
                       "the user's email)");
        return -1;
    }
    if (res->status == 404) {
        *msg = xstrdup("no SARK L11 login at this url (HTTP 404); check url and variant");
        return -1;
    }
    if (res->status != 200) {
        text = status_text(res->status, res->body, res->body_len);
        *msg = xasprintf("login refused (%s)", text);
        free(text);
        return -1;
    }
    char *err = NULL;
    char *token = sark_decode_login(res->body, res->body_len, &err);
    if (!token) {
        *msg = err;
        return -1;
    }
    wipe_free(s->token);
    s->token = token;
    return 0;
}

static struct http_req *sark_logout_req(struct backend *be)
{
    struct sark *s = be_adapter_state(be);
    if (!s->token)
        return NULL;
    char *url = xasprintf("%s/api/auth/logout", be_conf(be)->url);
    struct http_req *r = be_req_new(be, "GET", url);
    free(url);
    char *auth = xasprintf("Authorization: Bearer %s", s->token);
    http_req_header(r, "Accept: application/json");
    http_req_header(r, auth);
    wipe_free(auth);
    wipe_free(s->token); /* logout ends every token of the user */
    s->token = NULL;
    return r;
}

static struct http_req *sark_build(struct backend *be, const struct be_call_spec *spec)
{
    struct sark *s = be_adapter_state(be);
    const struct backend_conf *c = be_conf(be);
    char *url = xasprintf("%s/api%s", c->url, spec->path);
    struct http_req *r = be_req_new(be, spec->method, url);
    free(url);
    if (strncmp(spec->path, "/astamis/", 9) == 0 && c->timeout_ms < AMI_TIMEOUT_MS)
        http_req_timeouts(r, 5000, AMI_TIMEOUT_MS);
    /* Without it Laravel answers errors with HTML pages or redirects. */
    http_req_header(r, "Accept: application/json");
    if (s->token && valid_token(s->token)) {
        char *auth = xasprintf("Authorization: Bearer %s", s->token);
        http_req_header(r, auth);
        wipe_free(auth);
    }
    if (spec->body) {
        http_req_header(r, "Content-Type: application/json");
        http_req_body(r, spec->body, strlen(spec->body));
    }
    return r;
}

static bool sark_auth_rejected(struct backend *be, const struct http_result *res)
{
    struct sark *s = be_adapter_state(be);
    if (s->variant != SARK_L11)
        return false;
    return sark_is_auth_404(res->status, res->body, res->body_len) ||
           message_is(res->status, 401, res->body, res->body_len, "Unauthenticated.");
}

/* ----------------------------------------------------------------- decoders */

/* The body as a JSON array; NULL with *err otherwise. */
static cJSON *parse_array(const char *body, size_t len, char **err)
{
    cJSON *root = bj_parse(body, len, err);
    if (root && !cJSON_IsArray(root)) {
        *err = xstrdup(cJSON_IsObject(root) ? "answer is an object where SARK sends a list"
                                            : "answer is not a JSON list");
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* The pkey of a row as text (into buf when it is a number), or NULL when it has none. */
static const char *row_key(const cJSON *pkey, char *buf, size_t bufsz)
{
    const char *k = cJSON_IsString(pkey) || cJSON_IsNumber(pkey) ? bj_text(pkey, buf, bufsz) : NULL;
    return k && *k ? k : NULL;
}

enum ext_key {
    E_ACTIVE,
    E_CALLERID,
    E_DESC,
    E_DVRVMAIL,
    E_PKEY,
    E_TECHNOLOGY,
    E_COUNT
};
static const char *const ext_keys[E_COUNT] = {"active",   "callerid", "desc",
                                              "dvrvmail", "pkey",     "technology"};

static void decode_extension(struct snapshot *snap, const cJSON *obj, bool keep_raw)
{
    const cJSON *f[E_COUNT];
    char buf[64];
    bj_pick(obj, ext_keys, E_COUNT, f);
    const char *key = row_key(f[E_PKEY], buf, sizeof buf);
    if (!key)
        return;
    size_t i = snap_add(snap, key);
    snap_set(snap, i, EXT_EXTENSION, key);
    bj_set_text(snap, i, EXT_NAME, f[E_DESC]);
    bj_set_bool(snap, i, EXT_ENABLED, f[E_ACTIVE]);
    /* dvrvmail names the voicemail box; SARK stores "None" for none in some versions. */
    const cJSON *vm = f[E_DVRVMAIL];
    if (cJSON_IsString(vm))
        snap_set_bool(snap, i, EXT_VOICEMAIL,
                      vm->valuestring[0] && strcmp(vm->valuestring, "None"));
    else if (cJSON_IsNull(vm))
        snap_set_bool(snap, i, EXT_VOICEMAIL, false);
    bj_set_text(snap, i, EXT_CALLERID, f[E_CALLERID]);
    bj_set_text(snap, i, EXT_TECH, f[E_TECHNOLOGY]);
    if (keep_raw)
        bj_set_raw(snap, i, obj);
}

struct snapshot *sark_decode_extensions(const char *body, size_t len, bool keep_raw, char **err)
{
    cJSON *root = parse_array(body, len, err);
    if (!root)
        return NULL;
    struct snapshot *snap = snap_new(KIND_EXTENSIONS);
    for (const cJSON *o = root->child; o; o = o->next) {
        if (cJSON_IsObject(o))
            decode_extension(snap, o, keep_raw);
    }
    snap_finish(snap);
    cJSON_Delete(root);
    *err = NULL;
    return snap;
}

/* `out` is one space-separated string of ring targets; FT_LIST separates with \x1f, so any
 * control character (\x1f included) also ends an item. */
static void set_members(struct snapshot *snap, size_t i, const cJSON *out)
{
    if (!cJSON_IsString(out)) {
        snap_set(snap, i, RG_MEMBERS, cJSON_IsNull(out) ? "" : NULL);
        return;
    }
    struct strbuf sb;
    strbuf_init(&sb, (size_t)-1 / 2);
    const char *p = out->valuestring;
    for (;;) {
        while (*p && (unsigned char)*p <= ' ')
            p++;
        if (!*p)
            break;
        size_t n = 0;
        while (p[n] && (unsigned char)p[n] > ' ')
            n++;
        if (sb.len)
            (void)strbuf_addc(&sb, '\x1f');
        (void)strbuf_add(&sb, p, n);
        p += n;
    }
    snap_set(snap, i, RG_MEMBERS, strbuf_cstr(&sb));
    strbuf_done(&sb);
}

enum rg_key {
    R_DESC,
    R_GROUPTYPE,
    R_LONGDESC,
    R_OUT,
    R_PKEY,
    R_RINGDELAY,
    R_COUNT
};
static const char *const rg_keys[R_COUNT] = {"desc", "grouptype", "longdesc",
                                             "out",  "pkey",      "ringdelay"};

static void decode_ringgroup(struct snapshot *snap, const cJSON *obj, bool keep_raw)
{
    const cJSON *f[R_COUNT];
    char buf[64];
    bj_pick(obj, rg_keys, R_COUNT, f);
    const char *key = row_key(f[R_PKEY], buf, sizeof buf);
    if (!key)
        return;
    size_t i = snap_add(snap, key);
    snap_set(snap, i, RG_EXTENSION, key);
    /* longdesc is the name people give a group; desc is often just the number again. */
    const cJSON *ld = f[R_LONGDESC];
    bool have_long = cJSON_IsString(ld) && ld->valuestring[0];
    bj_set_text(snap, i, RG_NAME, have_long ? ld : f[R_DESC]);
    bj_set_text(snap, i, RG_STRATEGY, f[R_GROUPTYPE]);
    bj_set_int(snap, i, RG_RING_TIME, f[R_RINGDELAY]);
    set_members(snap, i, f[R_OUT]);
    if (keep_raw)
        bj_set_raw(snap, i, obj);
}

struct snapshot *sark_decode_ringgroups(const char *body, size_t len, bool keep_raw, char **err)
{
    cJSON *root = parse_array(body, len, err);
    if (!root)
        return NULL;
    struct snapshot *snap = snap_new(KIND_RINGGROUPS);
    for (const cJSON *o = root->child; o; o = o->next) {
        if (cJSON_IsObject(o))
            decode_ringgroup(snap, o, keep_raw);
    }
    snap_finish(snap);
    cJSON_Delete(root);
    *err = NULL;
    return snap;
}

/* Element 0 is the AMI action's response header; an error there means no events follow. */
static char *ami_header_error(const cJSON *arr)
{
    const cJSON *h = arr->child;
    const char *resp = str_member(h, "Response");
    if (!resp || strcasecmp(resp, "Error") != 0)
        return NULL;
    const char *m = str_member(h, "Message");
    return xasprintf("AMI answered Error%s%s", m ? ": " : "", m ? m : "");
}

struct snapshot *sark_decode_ami(enum kind kind, long status, const char *body, size_t len,
                                 int64_t now_ms, bool keep_raw, char **err)
{
    *err = NULL;
    if (sark_is_empty_ami(status, body, len)) {
        struct snapshot *empty = snap_new(kind);
        snap_finish(empty);
        return empty;
    }
    if (status != 200) {
        *err = status_text(status, body, len);
        return NULL;
    }
    cJSON *root = parse_array(body, len, err);
    if (!root)
        return NULL;
    struct snapshot *snap = NULL;
    *err = ami_header_error(root);
    if (!*err && kind == KIND_CHANNELS)
        snap = ami_decode_channels(root, now_ms, keep_raw);
    else if (!*err && kind == KIND_QUEUEMEMBERS)
        snap = ami_decode_queuemembers(root, keep_raw);
    else if (!*err && kind == KIND_QUEUES)
        snap = ami_decode_queues(root, keep_raw);
    else if (!*err && kind == KIND_QUEUECALLERS)
        snap = ami_decode_queuecallers(root, now_ms, keep_raw);
    else if (!*err)
        *err = xstrdup("not a kind SARK's AMI pass-through lists");
    cJSON_Delete(root);
    return snap;
}

/* -------------------------------------------------------------------- polls */

/* End a poll whose reply was no usable answer, in words that fit SARK. */
static void fail_reply(struct backend *be, enum kind kind, const struct be_reply *rep)
{
    const struct http_result *res = rep->res;
    if (rep->kind == REPLY_AUTH && res && sark_is_auth_404(res->status, res->body, res->body_len)) {
        be_poll_fail(be, kind, FAIL_AUTH,
                     "authentication failed: SARK refused the token even after a fresh login "
                     "(404 Unauthorised/Page Not Found); is the user an admin (role isAdmin), "
                     "and is url the server's root (no /api)?",
                     -1);
    } else {
        be_poll_fail_reply(be, kind, rep);
    }
}

/* End a poll that got an HTTP answer it cannot use; err (borrowed) says what was wrong. */
static void fail_answer(struct backend *be, enum kind kind, const struct http_result *res,
                        const char *err)
{
    const char *what = kind_def(kind)->name;
    char *msg;
    if (res->status == 429)
        msg = xasprintf("%s: rate limited by SARK (HTTP 429: 60 requests a minute)", what);
    else if (res->status == 503 || res->status == 599)
        msg = xasprintf("%s: the PBX is not available (%s)", what, err);
    else if (res->status == 404)
        msg = xasprintf("%s: %s; check url and variant", what, err);
    else
        msg = xasprintf("%s: %s", what, err);
    be_poll_fail(be, kind, FAIL_DATA, msg, res->status == 429 ? res->retry_after : -1);
    free(msg);
}

static void on_table(struct backend *be, void *ud, const struct be_reply *rep)
{
    enum kind kind = (enum kind)(intptr_t)ud;
    const struct http_result *res = rep->res;
    if (rep->kind != REPLY_HTTP) {
        fail_reply(be, kind, rep);
        return;
    }
    char *err = NULL;
    struct snapshot *snap = NULL;
    if (res->status != 200)
        err = status_text(res->status, res->body, res->body_len);
    else if (kind == KIND_EXTENSIONS)
        snap = sark_decode_extensions(res->body, res->body_len, be_keep_raw(be), &err);
    else
        snap = sark_decode_ringgroups(res->body, res->body_len, be_keep_raw(be), &err);
    if (snap)
        be_poll_ok(be, kind, snap);
    else
        fail_answer(be, kind, res, err);
    free(err);
}

static void finish_ami(struct backend *be, enum kind kind, const struct be_reply *rep)
{
    const struct http_result *res = rep->res;
    if (rep->kind != REPLY_HTTP) {
        fail_reply(be, kind, rep);
        return;
    }
    char *err = NULL;
    struct snapshot *snap = sark_decode_ami(kind, res->status, res->body, res->body_len,
                                            be_now_wall_ms(), be_keep_raw(be), &err);
    if (snap)
        be_poll_ok(be, kind, snap);
    else
        fail_answer(be, kind, res, err);
    free(err);
}

static void on_ami(struct backend *be, void *ud, const struct be_reply *rep)
{
    finish_ami(be, (enum kind)(intptr_t)ud, rep);
}

/* One QueueStatus answer serves queue members, queues and waiting callers: each astamis call holds
 * an AMI connection for >= 3 s, so a second one for the same data is not made (a poll that joins a
 * call in flight gets an answer up to one call older than itself). */
static void on_queue_status(struct backend *be, void *ud, const struct be_reply *rep)
{
    (void)ud;
    struct sark *s = be_adapter_state(be);
    unsigned waiting = s->qs_waiting;
    s->qs_waiting = 0;
    s->qs_in_flight = false;
    for (int k = 0; k < KIND_COUNT; k++) {
        if (waiting & (1u << k))
            finish_ami(be, (enum kind)k, rep);
    }
}

static void poll_queue_status(struct backend *be, enum kind kind)
{
    struct sark *s = be_adapter_state(be);
    s->qs_waiting |= 1u << kind;
    if (s->qs_in_flight)
        return;
    s->qs_in_flight = true;
    struct be_call_spec spec = {.method = "GET", .path = "/astamis/QueueStatus"};
    be_call(be, &spec, on_queue_status, NULL);
}

static void sark_poll(struct backend *be, enum kind kind)
{
    struct be_call_spec spec = {.method = "GET"};
    void *ud = (void *)(intptr_t)kind;
    switch (kind) {
    case KIND_EXTENSIONS:
        spec.path = "/extensions";
        be_call(be, &spec, on_table, ud);
        break;
    case KIND_RINGGROUPS:
        spec.path = "/ringgroups";
        be_call(be, &spec, on_table, ud);
        break;
    case KIND_CHANNELS:
        spec.path = "/astamis/CoreShowChannels";
        be_call(be, &spec, on_ami, ud);
        break;
    case KIND_QUEUEMEMBERS:
    case KIND_QUEUES:
    case KIND_QUEUECALLERS:
        poll_queue_status(be, kind);
        break;
    default:
        be_poll_fail(be, kind, FAIL_DATA, "not offered by SARK", -1);
        break;
    }
}

/* ------------------------------------------------------------------- hangup */

static bool tech_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool sark_valid_channel(const char *id)
{
    const char *slash = strchr(id, '/');
    if (!slash || slash == id || !slash[1] || strlen(id) > 160)
        return false;
    for (const char *p = id; p < slash; p++) {
        if (!tech_char(*p))
            return false;
    }
    const char *rest = slash + 1;
    /* The route takes {rest} as one segment: no '/', and nothing a URL layer would fold
     * away ("." and ".."). */
    if (strcmp(rest, ".") == 0 || strcmp(rest, "..") == 0)
        return false;
    for (const char *p = rest; *p; p++) {
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || *p == '/')
            return false;
    }
    return true;
}

char *sark_hangup_path(const char *id)
{
    if (!sark_valid_channel(id))
        return NULL;
    const char *slash = strchr(id, '/');
    char *tech = xstrndup(id, (size_t)(slash - id));
    char *esc = be_escape(slash + 1);
    char *path = xasprintf("/astamis/Hangup/%s/%s", tech, esc);
    free(esc);
    free(tech);
    return path;
}

/* The "Message: ..." line of a raw AMI reply, owned, or NULL. */
static char *ami_message(const char *text)
{
    const char *m = strstr(text, "Message: ");
    if (!m)
        return NULL;
    m += 9;
    return xstrndup(m, strcspn(m, "\r\n"));
}

enum act_outcome sark_map_hangup_answer(long status, const char *body, size_t len, char **msg)
{
    if (status != 200) {
        char *text = status_text(status, body, len);
        *msg = xasprintf("SARK could not hang up (%s)", text);
        free(text);
        return ACT_FAILED;
    }
    cJSON *root = parse_quiet(body, len);
    const cJSON *first = cJSON_IsObject(root) ? root->child : NULL;
    const char *text = cJSON_IsString(first) ? first->valuestring : NULL;
    enum act_outcome o = ACT_FAILED;
    char *m = text ? ami_message(text) : NULL;
    if (!text) {
        *msg = xstrdup("SARK's hangup answer holds no AMI reply");
    } else if (strstr(text, "Response: Success")) {
        o = ACT_OK;
        *msg = xstrdup("hung up");
    } else if (m && strcasecmp(m, "No such channel") == 0) {
        o = ACT_GONE;
        *msg = xstrdup("channel already gone");
    } else {
        *msg = xasprintf("Asterisk refused the hangup: %s", m ? m : "no reason given");
    }
    free(m);
    cJSON_Delete(root);
    return o;
}

static void on_hangup(struct backend *be, void *ud, const struct be_reply *rep)
{
    (void)be;
    struct be_act *act = ud;
    if (rep->kind == REPLY_NET) {
        be_act_done(act, ACT_UNREACHABLE, rep->msg);
        return;
    }
    if (rep->kind == REPLY_AUTH) {
        be_act_done(act, ACT_AUTH, rep->msg);
        return;
    }
    char *msg = NULL;
    enum act_outcome o =
        sark_map_hangup_answer(rep->res->status, rep->res->body, rep->res->body_len, &msg);
    be_act_done(act, o, msg);
    free(msg);
}

static void sark_hangup(struct backend *be, const char *id, struct be_act *act)
{
    struct sark *s = be_adapter_state(be);
    if (s->variant == SARK_L10) {
        be_act_done(act, ACT_REFUSED,
                    "SARK L10 cannot hang up: its API routes Hangup to a missing method");
        return;
    }
    char *path = sark_hangup_path(id);
    if (!path) {
        be_act_done(act, ACT_REFUSED, "not a channel name SARK can hang up (TECH/NAME)");
        return;
    }
    struct be_call_spec spec = {.method = "DELETE", .path = path};
    be_call(be, &spec, on_hangup, act);
    free(path);
}

/* ----------------------------------------------------------------- adapters */

/* Ids go into URL paths: refuse what SARK's routes could not take before planning. */
static const char *sark_check_id(enum kind kind, const char *id)
{
    if (kind == KIND_CHANNELS && !sark_valid_channel(id))
        return "not a channel name SARK can hang up (TECH/NAME)";
    if ((kind == KIND_EXTENSIONS || kind == KIND_RINGGROUPS) && !sark_valid_key(id))
        return "not a SARK key that can go into a URL";
    return NULL;
}

#define LISTS_ALL                                                                \
    ((1u << KIND_EXTENSIONS) | (1u << KIND_RINGGROUPS) | (1u << KIND_CHANNELS) | \
     (1u << KIND_QUEUEMEMBERS) | (1u << KIND_QUEUES) | (1u << KIND_QUEUECALLERS))
#define SARK_COMMON                                                                                \
    .type = "sark", .check_conf = sark_check_conf, .create = sark_create, .destroy = sark_destroy, \
    .build = sark_build, .auth_rejected = sark_auth_rejected, .poll = sark_poll,                   \
    .hangup = sark_hangup, .apply = sark_apply, .commit = sark_commit, .check_id = sark_check_id

static const struct adapter *variant_adapter(const struct backend_conf *c);

/* What config.ini's type = sark finds; variant_adapter() then picks the variant's own. */
const struct adapter sark_adapter = {
    SARK_COMMON,
    .variant = variant_adapter,
    .label = "SARK",
    .kinds = LISTS_ALL,
    .caps = CAP_HANGUP,
    .schema = {[KIND_EXTENSIONS] = &sark_ext_schema, [KIND_RINGGROUPS] = &sark_rg_schema},
};

static const struct adapter sark_l7 = {
    SARK_COMMON,
    .label = "SARK L7",
    .kinds = LISTS_ALL,
    .caps = CAP_HANGUP,
    .schema = {[KIND_EXTENSIONS] = &sark_ext_schema, [KIND_RINGGROUPS] = &sark_rg_schema},
};

/* L10 routes DELETE astamis/Hangup to a method it does not have: every hangup is a 500. */
static const struct adapter sark_l10 = {
    SARK_COMMON,
    .label = "SARK L10",
    .kinds = LISTS_ALL,
    .caps = 0,
    .why_no_hangup = "SARK L10 cannot hang up: its API routes Hangup to a method it lacks",
    .schema = {[KIND_EXTENSIONS] = &sark_ext_schema, [KIND_RINGGROUPS] = &sark_rg_schema},
};

static const struct adapter sark_l11 = {
    SARK_COMMON,
    .label = "SARK L11",
    .kinds = LISTS_ALL & ~(1u << KIND_RINGGROUPS),
    .caps = CAP_HANGUP,
    .why_not = {[KIND_RINGGROUPS] = "SARK L11 has no ring groups"},
    .login_req = sark_login_req,
    .login_parse = sark_login_parse,
    .logout_req = sark_logout_req,
    .schema = {[KIND_EXTENSIONS] = &sark_ext_schema},
};

/* What SARK offers depends on its variant: no ring groups on L11, no hangup on L10, a
 * login only on L11. */
static const struct adapter *variant_adapter(const struct backend_conf *c)
{
    enum sark_variant v = sark_parse_variant(c->variant);
    return v == SARK_L11 ? &sark_l11 : v == SARK_L10 ? &sark_l10 : &sark_l7;
}
