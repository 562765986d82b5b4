/* One backend: configuration checks, authenticated calls with one silent re-login, poll
 * results, action outcomes. */
#define _POSIX_C_SOURCE 200809L
#include "net/backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/backend_int.h"
#include "net/keyring.h"
#include "net/schema.h"
#include "tui/clock.h"
#include "tui/log.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

extern const struct adapter jade_adapter, issabel_adapter, sark_adapter, ngcp_adapter,
    dsiprouter_adapter;

static const struct adapter *const adapters[] = {
    &jade_adapter, &issabel_adapter, &sark_adapter, &ngcp_adapter, &dsiprouter_adapter,
};
#define NADAPTERS (sizeof adapters / sizeof adapters[0])

const struct adapter *adapter_find(const char *type)
{
    for (size_t i = 0; i < NADAPTERS; i++) {
        if (strcmp(adapters[i]->type, type) == 0)
            return adapters[i];
    }
    return NULL;
}

size_t backend_types(const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < NADAPTERS && n < max; i++)
        out[n++] = adapters[i]->type;
    return n;
}

const char *adapter_type_list(void)
{
    static char list[128];
    if (!list[0]) {
        size_t o = 0;
        for (size_t i = 0; i < NADAPTERS && o < sizeof list; i++)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", o ? ", " : "",
                                  adapters[i]->type);
    }
    return list;
}

void backend_conf_done(struct backend_conf *c)
{
    char **strs[] = {&c->name,    &c->type, &c->url,         &c->username,   &c->ca_file, &c->pin,
                     &c->variant, &c->auth, &c->client_cert, &c->client_key, &c->cert_pem};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        free(*strs[i]);
        *strs[i] = NULL;
    }
    secret_free(c->password);
    secret_free(c->key_pem);
    c->password = c->key_pem = NULL;
}

bool backend_conf_needs_secret(const struct backend_conf *c)
{
    const struct adapter *ad = c->type ? adapter_find(c->type) : NULL;
    if (!ad || !ad->check_conf || c->password)
        return false;
    /* Ask the adapter's own check, with a stand-in username (the keyring may hold the real
     * one): if it still misses something, what it misses is the secret. */
    struct backend_conf probe = *c;
    char user[] = "user";
    if (!probe.username)
        probe.username = user;
    const char *key = NULL;
    char *err = ad->check_conf(&probe, &key);
    bool needs = err && key && strcmp(key, "password") == 0;
    free(err);
    return needs;
}

void backend_conf_set_line(struct backend_conf *c, const char *key, int line)
{
    for (int i = 0; i < c->nkey_lines; i++) {
        if (strcmp(c->key_lines[i].key, key) == 0) {
            c->key_lines[i].line = line;
            return;
        }
    }
    int max = (int)(sizeof c->key_lines / sizeof c->key_lines[0]);
    if (c->nkey_lines < max) {
        c->key_lines[c->nkey_lines].key = key;
        c->key_lines[c->nkey_lines++].line = line;
    }
}

int backend_conf_line(const struct backend_conf *c, const char *key)
{
    for (int i = 0; key && i < c->nkey_lines; i++) {
        if (strcmp(c->key_lines[i].key, key) == 0)
            return c->key_lines[i].line;
    }
    return c->line;
}

const char *be_state_name(enum be_state st)
{
    switch (st) {
    case BE_STATE_NEW:
        return "new";
    case BE_STATE_UP:
        return "up";
    case BE_STATE_STALE:
        return "stale";
    case BE_STATE_DOWN:
        return "down";
    case BE_STATE_AUTH_FAILED:
        return "auth-failed";
    }
    return "?";
}

const char *change_op_name(enum change_op op)
{
    switch (op) {
    case OP_CREATE:
        return "create";
    case OP_UPDATE:
        return "update";
    case OP_DELETE:
        return "delete";
    }
    return "?";
}

const char *act_outcome_name(enum act_outcome o)
{
    static const char *const names[] = {"ok",          "gone",        "failed", "refused",
                                        "unreachable", "auth-failed", "partial"};
    return names[o];
}

/* A dotted IPv4 literal in 127.0.0.0/8: "127.pbx.example.com" is a name, and names resolve
 * wherever DNS says. */
static bool is_ipv4_loopback(const char *host, size_t n)
{
    int dots = 0, digits = 0;
    if (n < 9 || strncmp(host, "127.", 4) != 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (host[i] == '.') {
            if (!digits)
                return false;
            dots++;
            digits = 0;
        } else if (host[i] >= '0' && host[i] <= '9' && digits < 3) {
            digits++;
        } else {
            return false;
        }
    }
    return dots == 3 && digits > 0;
}

static bool is_loopback(const char *host, size_t n)
{
    return (n == 9 && strncasecmp(host, "localhost", 9) == 0) || is_ipv4_loopback(host, n) ||
           (n == 5 && strncmp(host, "[::1]", 5) == 0);
}

/* Generic URL rules: scheme, a host, no credentials or query, http only where it is safe. */
static char *check_url(struct backend_conf *c, bool *plain)
{
    const char *u = c->url;
    size_t skip;
    if (!u || !*u)
        return xstrdup("url: missing (the server, e.g. https://10.0.0.5)");
    if (strncmp(u, "https://", 8) == 0)
        skip = 8;
    else if (strncmp(u, "http://", 7) == 0)
        skip = 7;
    else
        return xasprintf("url: '%s' must start with https:// or http://", u);
    *plain = skip == 7;
    const char *host = u + skip;
    size_t hostlen = strcspn(host, "/");
    size_t namelen = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":/");
    if (hostlen == 0 || namelen == 0)
        return xasprintf("url: '%s' has no host", u);
    if (memchr(host, '@', hostlen))
        return xstrdup("url: must not hold credentials (use username and password)");
    if (strpbrk(u, "?# \t"))
        return xasprintf("url: '%s' must not hold a query, fragment or spaces", u);
    if (*plain && !c->allow_http && !is_loopback(host, namelen))
        return xasprintf("url: '%s' is not encrypted; use https, or set allow_http = true", u);
    size_t len = strlen(u);
    while (len > skip + hostlen && u[len - 1] == '/')
        c->url[--len] = '\0';
    return NULL;
}

/* "LINE: [name] message", with the line where `key` was set. */
static char *conf_error(const struct backend_conf *c, const char *key, const char *msg)
{
    return xasprintf("%d: [%s] %s", backend_conf_line(c, key), c->name, msg);
}

char *backend_init(struct backend *be, struct fleet *f, struct backend_conf *conf)
{
    be->fleet = f;
    be->conf = *conf;
    memset(conf, 0, sizeof *conf);
    be->latency_ms = -1;
    char *err = NULL;
    const char *key = "type";
    if (!be->conf.type)
        err = xasprintf("needs a type (one of: %s)", adapter_type_list());
    else if (!(be->ad = adapter_find(be->conf.type)))
        err = xasprintf("type: '%s' is not one of: %s", be->conf.type, adapter_type_list());
    bool plain = false;
    if (!err) {
        key = "url";
        err = check_url(&be->conf, &plain);
    }
    if (!err && be->ad->check_conf)
        err = be->ad->check_conf(&be->conf, &key);
    if (err) {
        char *msg = conf_error(&be->conf, key, err);
        free(err);
        return msg;
    }
    be->insecure = plain || be->conf.insecure;
    if (be->ad->variant)
        be->ad = be->ad->variant(&be->conf);
    be->ad_state = be->ad->create ? be->ad->create(be) : NULL;
    return NULL;
}

static void call_free(struct call *c)
{
    struct backend *be = c->be;
    if (c->prev)
        c->prev->next = c->next;
    else
        be->calls = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        be->calls_tail = c->prev;
    free(c->method);
    free(c->path);
    free(c->body);
    free(c);
}

static void act_free(struct be_act *a)
{
    struct backend *be = a->be;
    if (a->prev)
        a->prev->next = a->next;
    else
        be->acts = a->next;
    if (a->next)
        a->next->prev = a->prev;
    else
        be->acts_tail = a->prev;
    free(a->id);
    free(a);
}

void backend_done(struct backend *be)
{
    struct http *h = be->fleet->http;
    while (be->calls) {
        if (be->calls->http_id)
            http_cancel(h, be->calls->http_id);
        if (be->calls->free_ud)
            be->calls->free_ud(be->calls->ud);
        call_free(be->calls);
    }
    while (be->acts)
        act_free(be->acts);
    if (be->login_http_id)
        http_cancel(h, be->login_http_id);
    if (be->ad && be->ad->destroy)
        be->ad->destroy(be->ad_state);
    for (int k = 0; k < KIND_COUNT; k++) {
        snap_free(be->ks[k].snap);
        while (be->ks[k].waiters) {
            struct waiter *w = be->ks[k].waiters;
            be->ks[k].waiters = w->next;
            free(w);
        }
    }
    free(be->error);
    free(be->auth_msg);
    backend_conf_done(&be->conf);
}

const struct backend_conf *be_conf(const struct backend *be)
{
    return &be->conf;
}

void *be_adapter_state(struct backend *be)
{
    return be->ad_state;
}

struct http_req *be_req_new(struct backend *be, const char *method, const char *url)
{
    struct http_req *r = http_req_new(method, url);
    struct http_tls tls = {
        .ca_file = be->conf.ca_file,
        .pin = be->conf.pin,
        .client_cert = be->conf.client_cert,
        .client_key = be->conf.client_key,
        .cert_pem = be->conf.cert_pem,
        .key_pem = be->conf.key_pem,
        .insecure = be->conf.insecure,
    };
    http_req_tls(r, &tls);
    http_req_timeouts(r, 5000, be->conf.timeout_ms > 0 ? be->conf.timeout_ms : 15000);
    return r;
}

static void call_reply(struct call *c, enum be_reply_kind kind, const struct http_result *res,
                       const char *msg)
{
    struct be_reply rep = {.kind = kind, .res = res, .msg = msg};
    be_call_fn done = c->done;
    void *ud = c->ud;
    struct backend *be = c->be;
    call_free(c);
    done(be, ud, &rep);
}

static void call_start(struct call *c);

static void on_call_http(void *ud, const struct http_result *res)
{
    struct call *c = ud;
    struct backend *be = c->be;
    c->http_id = 0;
    if (res->err != HTTP_OK) {
        call_reply(c, REPLY_NET, res, res->errmsg);
        return;
    }
    be->latency_ms = res->elapsed_ms;
    if (!be->ad->auth_rejected || !be->ad->auth_rejected(be, res)) {
        /* Without a login step, an accepted request is what proves the credentials again. */
        if (!be->ad->login_req && be->auth == AUTH_FAILED)
            be->auth = AUTH_NONE;
        call_reply(c, REPLY_HTTP, res, "");
        return;
    }
    if (c->gen != be->auth_gen && be->auth == AUTH_VALID) {
        call_start(c); /* sent with a token that a newer login has replaced */
        return;
    }
    if (!c->retried && be->ad->login_req) {
        c->retried = true;
        if (be->auth == AUTH_VALID)
            be->auth = AUTH_NONE;
        call_start(c);
        return;
    }
    be->auth = AUTH_FAILED;
    free(be->auth_msg);
    be->auth_msg = xasprintf("authentication failed: %s refused (HTTP %ld)",
                             be->ad->login_req ? "token" : "credentials", res->status);
    call_reply(c, REPLY_AUTH, res, be->auth_msg);
}

static void call_send(struct call *c)
{
    struct backend *be = c->be;
    struct be_call_spec spec = {.method = c->method, .path = c->path, .body = c->body};
    struct http_req *r = be->ad->build(be, &spec);
    c->waiting = false;
    c->gen = be->auth_gen;
    c->http_id = http_submit(be->fleet->http, r, on_call_http, c);
}

/* Reply to every call waiting for the login, with the same failure. */
static void fail_waiting(struct backend *be, enum be_reply_kind kind, const struct http_result *res,
                         const char *msg)
{
    /* Only the calls present now: a callback may make new calls, which start afresh. */
    struct call *last = be->calls_tail, *c = be->calls;
    while (c) {
        struct call *next = c->next;
        bool at_end = c == last;
        if (c->waiting)
            call_reply(c, kind, res, msg);
        if (at_end)
            break;
        c = next;
    }
}

static void on_login_http(void *ud, const struct http_result *res)
{
    struct backend *be = ud;
    char *msg = NULL;
    be->login_http_id = 0;
    if (res->err != HTTP_OK) {
        be->auth = AUTH_NONE;
        fail_waiting(be, REPLY_NET, res, res->errmsg);
        return;
    }
    be->latency_ms = res->elapsed_ms;
    if (be->ad->login_parse(be, res, &msg) != 0) {
        be->auth = AUTH_FAILED;
        free(be->auth_msg);
        be->auth_msg = xasprintf("authentication failed: %s", msg ? msg : "login refused");
        free(msg);
        log_msg("%s: %s", be->conf.name, be->auth_msg);
        fail_waiting(be, REPLY_AUTH, res, be->auth_msg);
        return;
    }
    be->auth = AUTH_VALID;
    be->auth_gen++;
    for (struct call *c = be->calls; c; c = c->next) {
        if (c->waiting)
            call_send(c);
    }
}

static void login_start(struct backend *be)
{
    be->auth = AUTH_PENDING;
    struct http_req *r = be->ad->login_req(be);
    be->login_http_id = http_submit(be->fleet->http, r, on_login_http, be);
}

static void call_start(struct call *c)
{
    struct backend *be = c->be;
    if (be->ad->login_req && be->auth != AUTH_VALID) {
        c->waiting = true;
        if (be->auth != AUTH_PENDING)
            login_start(be);
        return;
    }
    call_send(c);
}

void be_call(struct backend *be, const struct be_call_spec *spec, be_call_fn done, void *ud)
{
    be_call_owned(be, spec, done, ud, NULL);
}

void be_call_owned(struct backend *be, const struct be_call_spec *spec, be_call_fn done, void *ud,
                   void (*free_ud)(void *))
{
    struct call *c = xcalloc(1, sizeof *c);
    c->free_ud = free_ud;
    c->be = be;
    c->method = xstrdup(spec->method);
    c->path = xstrdup(spec->path);
    c->body = xstrdup_or_null(spec->body);
    c->done = done;
    c->ud = ud;
    /* Appended, so that calls waiting for a login go out in the order they were made. */
    c->prev = be->calls_tail;
    if (be->calls_tail)
        be->calls_tail->next = c;
    else
        be->calls = c;
    be->calls_tail = c;
    call_start(c);
}

bool be_keep_raw(const struct backend *be)
{
    return be->fleet->opts.keep_raw;
}

int64_t be_now_wall_ms(void)
{
    return clock_wall_ms();
}

/* Tell those waiting for this poll (see be_refresh) how it went. */
static void wake_waiters(struct kind_state *ks, bool ok)
{
    struct waiter **link = &ks->waiters, *ready = NULL;
    while (*link) {
        struct waiter *w = *link;
        if (w->min_start <= ks->polls_started) {
            *link = w->next;
            w->next = ready;
            ready = w;
        } else {
            link = &w->next;
        }
    }
    /* Unlinked first: a callback may ask for another refresh. */
    while (ready) {
        struct waiter *w = ready;
        ready = w->next;
        w->fn(w->ud, ok);
        free(w);
    }
}

void be_refresh(struct backend *be, enum kind kind, refresh_done_fn done, void *ud)
{
    if (!be_supports(be, kind)) {
        done(ud, false);
        return;
    }
    struct kind_state *ks = &be->ks[kind];
    struct waiter *w = xcalloc(1, sizeof *w);
    w->min_start = ks->polls_started + 1;
    w->fn = done;
    w->ud = ud;
    w->next = ks->waiters;
    ks->waiters = w;
    ks->oneshot = true;
    ks->due_ms = 0;
}

void be_poll_fail(struct backend *be, enum kind kind, enum be_fail why, const char *msg,
                  long retry_after_s)
{
    struct kind_state *ks = &be->ks[kind];
    ks->in_flight = false;
    ks->polls_done++;
    ks->stale = true;
    ks->fail = why;
    fleet_poll_failed(be, msg, retry_after_s);
    fleet_notify(be->fleet, be, (int)kind);
    wake_waiters(ks, false);
}

void be_poll_fail_reply(struct backend *be, enum kind kind, const struct be_reply *rep)
{
    const struct http_result *res = rep->res;
    const char *what = kind_def(kind)->name;
    if (rep->kind == REPLY_AUTH) {
        be_poll_fail(be, kind, FAIL_AUTH, rep->msg, -1);
    } else if (rep->kind == REPLY_NET) {
        char *msg = xasprintf("%s: %s", what, rep->msg);
        be_poll_fail(be, kind, FAIL_NET, msg, -1);
        free(msg);
    } else {
        char *msg = res->status == 429 ? xasprintf("%s: rate limited (HTTP 429)", what)
                                       : xasprintf("%s: HTTP %ld", what, res->status);
        be_poll_fail(be, kind, FAIL_DATA, msg, res->retry_after);
        free(msg);
    }
}

struct poll_get {
    enum kind kind;
    be_decode_fn decode;
};

static void on_poll_get(struct backend *be, void *ud, const struct be_reply *rep)
{
    struct poll_get pg = *(struct poll_get *)ud;
    const struct http_result *res = rep->res;
    free(ud);
    if (rep->kind != REPLY_HTTP || res->status != 200) {
        be_poll_fail_reply(be, pg.kind, rep);
        return;
    }
    char *err = NULL;
    struct snapshot *s =
        pg.decode(res->body, res->body_len, clock_wall_ms(), be_keep_raw(be), &err);
    if (s) {
        be_poll_ok(be, pg.kind, s);
        return;
    }
    char *msg = xasprintf("%s: %s", kind_def(pg.kind)->name, err ? err : "cannot read the answer");
    be_poll_fail(be, pg.kind, FAIL_DATA, msg, -1);
    free(msg);
    free(err);
}

void be_poll_get(struct backend *be, enum kind kind, const char *path, be_decode_fn decode)
{
    struct poll_get *pg = xmalloc(sizeof *pg);
    pg->kind = kind;
    pg->decode = decode;
    struct be_call_spec spec = {.method = "GET", .path = path};
    be_call_owned(be, &spec, on_poll_get, pg, free);
}

void be_poll_ok(struct backend *be, enum kind kind, struct snapshot *snap)
{
    struct kind_state *ks = &be->ks[kind];
    int64_t now = clock_mono_ms();
    ks->in_flight = false;
    ks->polls_done++;
    snap_carry_t0(snap, ks->snap, clock_wall_ms());
    snap_free(ks->snap);
    ks->snap = snap;
    ks->taken_ms = now;
    ks->stale = false;
    ks->fail = FAIL_NONE;
    int refresh = be->conf.refresh_ms > 0 ? be->conf.refresh_ms : be->fleet->opts.refresh_ms;
    ks->due_ms = now + refresh;
    be->fails = 0;
    be->retry_at_ms = 0;
    be->state = BE_STATE_UP;
    free(be->error);
    be->error = NULL;
    if (snap_duplicates(snap))
        be->error = xasprintf("%s: %zu records repeated an id and were dropped",
                              kind_def(kind)->name, snap_duplicates(snap));
    fleet_notify(be->fleet, be, (int)kind);
    wake_waiters(ks, true);
}

static void act_finish(struct be_act *a, enum act_outcome o, const char *msg)
{
    struct backend *be = a->be;
    log_msg("%s: action on %s: %s %s", be->conf.name, a->id, act_outcome_name(o), msg);
    a->done(a->ud, a->id, o, msg);
    act_free(a);
}

void be_act_done(struct be_act *act, enum act_outcome o, const char *msg)
{
    struct backend *be = act->be;
    act_finish(act, o, msg ? msg : "");
    /* Show the effect soon: the next polls come now rather than in N seconds. */
    for (int k = 0; k < KIND_COUNT; k++)
        be->ks[k].due_ms = clock_mono_ms();
}

void be_act_set_id(struct be_act *act, const char *id)
{
    free(act->id);
    act->id = xstrdup(id ? id : "");
}

const char *be_act_id(const struct be_act *act)
{
    return act->id;
}

static struct be_act *act_new(struct backend *be, const char *id, act_done_fn done, void *ud)
{
    struct be_act *a = xcalloc(1, sizeof *a);
    a->be = be;
    a->id = xstrdup(id);
    a->done = done;
    a->ud = ud;
    a->prev = be->acts_tail;
    if (be->acts_tail)
        be->acts_tail->next = a;
    else
        be->acts = a;
    be->acts_tail = a;
    return a;
}

void be_hangup(struct backend *be, const char *id, act_done_fn done, void *ud)
{
    struct be_act *a = act_new(be, id, done, ud);
    if (be_read_only(be))
        act_finish(a, ACT_REFUSED, "read-only: hanging up is not allowed");
    else if (!(be->ad->caps & CAP_HANGUP) || !be->ad->hangup)
        act_finish(a, ACT_REFUSED, be_why_no_hangup(be));
    else if (!*id)
        act_finish(a, ACT_REFUSED, "empty channel id");
    else
        be->ad->hangup(be, a->id, a);
}

const char *be_check_id(const struct backend *be, enum kind kind, const char *id)
{
    if (!id || !*id)
        return "empty id";
    return be->ad->check_id ? be->ad->check_id(kind, id) : NULL;
}

const struct record_schema *be_schema(const struct backend *be, enum kind kind)
{
    return be->ad->schema[kind];
}

void be_apply(struct backend *be, const struct change *c, act_done_fn done, void *ud)
{
    struct be_act *a = act_new(be, c->id ? c->id : "", done, ud);
    char *why = NULL;
    if (be_read_only(be))
        act_finish(a, ACT_REFUSED, "read-only: changes are not allowed");
    else if (!be->ad->apply)
        act_finish(a, ACT_REFUSED, "this backend cannot change records");
    else if ((why = schema_check_change(be->ad->schema[c->kind], c)))
        act_finish(a, ACT_REFUSED, why);
    else
        be->ad->apply(be, c, a);
    free(why);
}

void be_delete_many(struct backend *be, enum kind kind, const char *const *ids, size_t n,
                    act_done_fn done, void *ud)
{
    if (!be->ad->delete_many || be_read_only(be) || n < 2) {
        for (size_t i = 0; i < n; i++) {
            struct change c = {.op = OP_DELETE, .kind = kind, .id = ids[i]};
            be_apply(be, &c, done, ud);
        }
        return;
    }
    struct be_act **acts = xcalloc(n, sizeof *acts);
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        struct change c = {.op = OP_DELETE, .kind = kind, .id = ids[i]};
        char *why = schema_check_change(be->ad->schema[kind], &c);
        struct be_act *a = act_new(be, ids[i], done, ud);
        if (why)
            act_finish(a, ACT_REFUSED, why);
        else
            acts[ok++] = a;
        free(why);
    }
    if (ok)
        be->ad->delete_many(be, kind, acts, ok);
    free(acts);
}

bool be_needs_commit(const struct backend *be, int kind)
{
    if (!be->ad->commit)
        return false;
    if (kind < 0)
        return true;
    unsigned kinds = be->ad->commit_kinds ? be->ad->commit_kinds : ~(1u << KIND_CHANNELS);
    return (kinds >> kind) & 1u;
}

void be_commit(struct backend *be, act_done_fn done, void *ud)
{
    struct be_act *a = act_new(be, "", done, ud);
    if (be->ad->commit)
        be->ad->commit(be, a);
    else
        act_finish(a, ACT_OK, "nothing to commit");
}

char *be_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    struct strbuf sb;
    strbuf_init(&sb, (size_t)-1 / 2);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p)) {
            (void)strbuf_addc(&sb, (char)*p);
        } else {
            char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            (void)strbuf_add(&sb, esc, 3);
        }
    }
    return strbuf_take(&sb);
}

const char *be_name(const struct backend *be)
{
    return be->conf.name;
}

const char *be_type(const struct backend *be)
{
    return be->conf.type;
}

const char *be_label(const struct backend *be)
{
    return be->ad->label;
}

const char *be_url(const struct backend *be)
{
    return be->conf.url;
}

bool be_read_only(const struct backend *be)
{
    return be->conf.read_only || be->fleet->opts.read_only;
}

bool be_insecure(const struct backend *be)
{
    return be->insecure;
}

bool be_supports(const struct backend *be, enum kind kind)
{
    return (be->ad->kinds & (1u << kind)) != 0;
}

const char *be_why_not(const struct backend *be, enum kind kind)
{
    const char *why = be->ad->why_not[kind];
    return why ? why : "not offered by this backend";
}

const char *be_why_no_hangup(const struct backend *be)
{
    return be->ad->why_no_hangup ? be->ad->why_no_hangup : "this backend cannot hang up channels";
}

unsigned be_caps(const struct backend *be)
{
    return be->ad->caps;
}

enum be_state be_state(const struct backend *be)
{
    return be->state;
}

const char *be_error(const struct backend *be)
{
    return be->error ? be->error : "";
}

int64_t be_latency_ms(const struct backend *be)
{
    return be->latency_ms;
}

int64_t be_retry_in_ms(const struct backend *be, int64_t now_ms)
{
    if (!be->retry_at_ms)
        return -1;
    return be->retry_at_ms > now_ms ? be->retry_at_ms - now_ms : 0;
}

const struct snapshot *be_snapshot(const struct backend *be, enum kind kind)
{
    return be->ks[kind].snap;
}

int64_t be_taken_ms(const struct backend *be, enum kind kind)
{
    return be->ks[kind].taken_ms;
}

bool be_kind_stale(const struct backend *be, enum kind kind)
{
    return be->ks[kind].stale;
}

enum be_fail be_kind_fail(const struct backend *be, enum kind kind)
{
    return be->ks[kind].fail;
}

unsigned be_polls_done(const struct backend *be, enum kind kind)
{
    return be->ks[kind].polls_done;
}

bool be_poll_in_flight(const struct backend *be, enum kind kind)
{
    return be->ks[kind].in_flight;
}
