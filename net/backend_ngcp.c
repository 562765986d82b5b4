/* The NGCP adapter. See contracts/ngcp-dsiprouter.md §1: HTTP Basic (or a client
 * certificate) on every call and no session, so a 401 is final; HAL collections paged with
 * _links.next; subscribers are extensions, or ring groups when is_pbx_group; callqueues are
 * the waiting callers per subscriber; no channels and no hangup.
 *
 * This file holds the requests, the answer and error readers, the decoders, the paged polls
 * and the adapter definition. The writes (schemas, request bodies, apply) are in
 * backend_ngcp_write.c; what the two files share is declared at the end of backend_ngcp.h. */
#include "net/backend_ngcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/adapter.h"
#include "net/backend_json.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

#define MAX_MESSAGE 240  /* bytes of a server message kept for people */
#define MAX_HREF    2048 /* longer next links are refused */

/* One poll in progress: the pages read so far. Freed when the poll ends, or in destroy. */
struct ngcp_poll {
    struct ngcp_poll *prev, *next;
    enum kind kind;
    struct snapshot *snap;
    unsigned pages;
};

struct ngcp {
    struct ngcp_poll *polls;
};

static char *ngcp_check_conf(const struct backend_conf *c, const char **key)
{
    bool cert = c->client_cert || c->cert_pem;
    if (c->client_key && !c->client_cert) {
        *key = "client_key";
        return xstrdup("client_key: set without client_cert");
    }
    /* A client certificate authenticates on its own (NGCP's api_admin_cert realm). */
    if ((c->username && c->password) || cert)
        return NULL;
    *key = !c->username ? "username" : "password";
    return xasprintf("%s: missing; NGCP needs an admin's username and password (or a client "
                     "certificate)",
                     *key);
}

static void *ngcp_create(struct backend *be)
{
    (void)be;
    return xcalloc(1, sizeof(struct ngcp));
}

static void poll_unlink(struct ngcp *st, struct ngcp_poll *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        st->polls = p->next;
    if (p->next)
        p->next->prev = p->prev;
    snap_free(p->snap);
    free(p);
}

static void ngcp_destroy(void *state)
{
    struct ngcp *st = state;
    if (!st)
        return;
    /* Their calls were cancelled without callbacks: nothing else will free them. */
    for (struct ngcp_poll *p = st->polls, *next; p; p = next) {
        next = p->next;
        snap_free(p->snap);
        free(p);
    }
    free(st);
}

static struct http_req *ngcp_build(struct backend *be, const struct be_call_spec *spec)
{
    const struct backend_conf *c = be_conf(be);
    char *url = xasprintf("%s/api%s", c->url, spec->path);
    struct http_req *r = be_req_new(be, spec->method, url);
    free(url);
    if (c->username && c->password)
        http_req_basic_auth(r, c->username, c->password);
    http_req_header(r, "Accept: application/hal+json");
    if (spec->body) {
        /* NGCP checks the media type per method: PATCH takes only JSON-Patch (else 415). */
        http_req_header(r, strcmp(spec->method, "PATCH") == 0
                               ? "Content-Type: application/json-patch+json"
                               : "Content-Type: application/json");
        http_req_body(r, spec->body, strlen(spec->body));
    }
    return r;
}

/* ------------------------------------------------------------------ answers, errors */

/* Copy up to MAX_MESSAGE bytes of one line, controls blanked, never cutting a character. */
static char *one_line(const char *s, size_t n)
{
    while (n && strchr(" \t\r\n", *s)) {
        s++;
        n--;
    }
    size_t eol = 0;
    while (eol < n && s[eol] != '\n' && s[eol] != '\r' && s[eol])
        eol++;
    if (eol > MAX_MESSAGE) {
        eol = MAX_MESSAGE;
        while (eol && ((unsigned char)s[eol] & 0xC0) == 0x80)
            eol--;
    }
    while (eol && strchr(" \t", s[eol - 1]))
        eol--;
    char *out = xstrndup(s, eol);
    for (char *p = out; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    }
    return out;
}

char *ngcp_error_message(const char *body, size_t len)
{
    if (!body || !len)
        return NULL;
    cJSON *root = cJSON_ParseWithLength(body, len);
    char *msg = NULL;
    if (root) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "message");
        if (cJSON_IsString(m) && m->valuestring[0])
            msg = one_line(m->valuestring, strlen(m->valuestring));
    } else if (body[0] != '<') {
        msg = one_line(body, len); /* text/plain, like the 401's "Authorization required." */
    }
    cJSON_Delete(root);
    if (msg && !msg[0]) {
        free(msg);
        msg = NULL;
    }
    return msg;
}

bool ngcp_auth_refused(long status, const char *body, size_t len)
{
    static const char *const login_msgs[] = {
        "Invalid user", "Invalid OTP", "Banned", "Password expired", "Invalid client certificate",
    };
    if (status == 401)
        return true;
    if (status != 403)
        return false;
    char *msg = ngcp_error_message(body, len);
    bool refused = false;
    for (size_t i = 0; msg && i < sizeof login_msgs / sizeof login_msgs[0]; i++)
        refused = refused || strncmp(msg, login_msgs[i], strlen(login_msgs[i])) == 0;
    free(msg);
    return refused;
}

char *ngcp_auth_message(long status, const char *body, size_t len)
{
    if (status == 401)
        return xstrdup("authentication failed: wrong username or password (HTTP 401)");
    char *msg = ngcp_error_message(body, len);
    char *out = xasprintf("authentication failed: the server says '%s' (HTTP %ld)",
                          msg ? msg : "forbidden", status);
    free(msg);
    return out;
}

static bool ngcp_auth_rejected(struct backend *be, const struct http_result *res)
{
    (void)be;
    return ngcp_auth_refused(res->status, res->body, res->body_len);
}

/* "<what>: HTTP 422: message" for an answer a poll or write did not expect. Owned. */
static char *status_message(const char *what, const struct http_result *res)
{
    if (res->status == 404)
        return xasprintf("%s: not found on this server (HTTP 404); is the url an NGCP panel?",
                         what);
    if (res->status == 503)
        return xasprintf("%s: the NGCP server is unavailable (HTTP 503; its database may be "
                         "down)",
                         what);
    char *msg = ngcp_error_message(res->body, res->body_len);
    char *out = msg ? xasprintf("%s: HTTP %ld: %s", what, res->status, msg)
                    : xasprintf("%s: HTTP %ld", what, res->status);
    free(msg);
    return out;
}

/* ------------------------------------------------------------------ ids and links */

bool ngcp_valid_id(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    return n > 0 && n <= 18 && id[0] != '0' && strspn(id, "0123456789") == n;
}

/* A positive integer id (number or decimal string) as canonical text into buf. */
bool ngcp_id_text(const cJSON *it, char *buf, size_t bufsz)
{
    long long v;
    if (!bj_int(it, &v) || v <= 0)
        return false;
    (void)snprintf(buf, bufsz, "%lld", v);
    return true;
}

char *ngcp_next_path(const char *href, const char *res)
{
    /* The server writes its query parameters back unescaped: anything outside this set
     * (spaces, '#', controls, backslashes) would make a different request than meant. */
    static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789-._~%&=+,;:@!$'()*/?";
    char *prefix = xasprintf("/api/%s/?", res);
    size_t pl = strlen(prefix), n = href ? strlen(href) : 0;
    bool ok = n <= MAX_HREF && n >= pl && strncmp(href, prefix, pl) == 0 &&
              strspn(href + pl, safe) == n - pl;
    free(prefix);
    return ok ? xstrdup(href + 4) : NULL; /* below the API root: drop "/api" */
}

/* ------------------------------------------------------------------ decoding */

enum sub_key {
    SK_DISPLAY_NAME,
    SK_DOMAIN,
    SK_ID,
    SK_IS_PBX_GROUP,
    SK_PBX_EXTENSION,
    SK_PBX_GROUPMEMBER_IDS,
    SK_PBX_HUNT_POLICY,
    SK_PBX_HUNT_TIMEOUT,
    SK_PRIMARY_NUMBER,
    SK_STATUS,
    SK_USERNAME,
    SK_COUNT,
};

/* Sorted with strcmp, for bj_pick(). */
static const char *const sub_keys[SK_COUNT] = {
    "display_name",    "domain",           "id",
    "is_pbx_group",    "pbx_extension",    "pbx_groupmember_ids",
    "pbx_hunt_policy", "pbx_hunt_timeout", "primary_number",
    "status",          "username",
};

/* cc + ac + sn of a primary_number object: the number the subscriber calls out with. */
static void set_number(struct snapshot *s, size_t i, int f, const cJSON *pn)
{
    char b1[32], b2[32], b3[32];
    const char *cc = bj_text(cJSON_GetObjectItemCaseSensitive(pn, "cc"), b1, sizeof b1);
    const char *ac = bj_text(cJSON_GetObjectItemCaseSensitive(pn, "ac"), b2, sizeof b2);
    const char *sn = bj_text(cJSON_GetObjectItemCaseSensitive(pn, "sn"), b3, sizeof b3);
    if (!cJSON_IsObject(pn) || !sn)
        return;
    char *num = xasprintf("%s%s%s", cc ? cc : "", ac ? ac : "", sn);
    snap_set(s, i, f, num);
    free(num);
}

/* The PBX extension, else (plain SIP accounts, the pilot) the SIP username. */
static void set_extension(struct snapshot *s, size_t i, int f, const cJSON *const *k)
{
    const cJSON *ext = k[SK_PBX_EXTENSION];
    if (cJSON_IsString(ext) && ext->valuestring[0])
        snap_set(s, i, f, ext->valuestring);
    else
        bj_set_text(s, i, f, k[SK_USERNAME]);
}

/* Member subscriber ids, as the list field ("" for none, null when not a list). */
static void set_members(struct snapshot *s, size_t i, const cJSON *ids)
{
    if (!cJSON_IsArray(ids))
        return;
    struct strbuf sb;
    strbuf_init(&sb, (size_t)-1 / 2);
    char buf[24];
    for (const cJSON *m = ids->child; m; m = m->next) {
        if (!ngcp_id_text(m, buf, sizeof buf))
            continue;
        if (sb.len)
            (void)strbuf_addc(&sb, '\x1f');
        (void)strbuf_adds(&sb, buf);
    }
    snap_set(s, i, RG_MEMBERS, strbuf_cstr(&sb));
    strbuf_done(&sb);
}

static void decode_subscriber(struct snapshot *s, const cJSON *obj, bool keep_raw)
{
    const cJSON *k[SK_COUNT];
    char id[24];
    bool group = false;
    bj_pick(obj, sub_keys, SK_COUNT, k);
    (void)bj_bool(k[SK_IS_PBX_GROUP], &group); /* absent on plain SIP accounts: not a group */
    /* Whatever the filter did: a group is never an extension, nor the reverse. */
    if (group != (snap_kind(s) == KIND_RINGGROUPS) || !ngcp_id_text(k[SK_ID], id, sizeof id))
        return;
    size_t i = snap_add(s, id);
    if (group) {
        set_extension(s, i, RG_EXTENSION, k);
        bj_set_text(s, i, RG_NAME, k[SK_DISPLAY_NAME]);
        bj_set_text(s, i, RG_STRATEGY, k[SK_PBX_HUNT_POLICY]);
        bj_set_int(s, i, RG_RING_TIME, k[SK_PBX_HUNT_TIMEOUT]);
        set_members(s, i, k[SK_PBX_GROUPMEMBER_IDS]);
    } else {
        const cJSON *st = k[SK_STATUS];
        set_extension(s, i, EXT_EXTENSION, k);
        bj_set_text(s, i, EXT_NAME, k[SK_DISPLAY_NAME]);
        if (cJSON_IsString(st) && st->valuestring[0])
            snap_set_bool(s, i, EXT_ENABLED, strcmp(st->valuestring, "active") == 0);
        set_number(s, i, EXT_CALLERID, k[SK_PRIMARY_NUMBER]);
        bj_set_text(s, i, EXT_CONTEXT, k[SK_DOMAIN]);
        snap_set(s, i, EXT_TECH, "sip");
    }
    if (keep_raw)
        bj_set_raw(s, i, obj);
}

static bool is_callqueues(const struct snapshot *s)
{
    return snap_kind(s) == KIND_QUEUES || snap_kind(s) == KIND_QUEUECALLERS;
}

static void decode_item(struct snapshot *s, const cJSON *obj, int64_t now_ms, bool keep_raw)
{
    if (!cJSON_IsObject(obj))
        return;
    if (is_callqueues(s))
        ngcp_decode_callqueue(s, obj, now_ms, keep_raw);
    else
        decode_subscriber(s, obj, keep_raw);
}

/* The items of the page: none without _embedded (NGCP's empty collection). */
static int decode_embedded(struct snapshot *s, const cJSON *emb, int64_t now_ms, bool keep_raw,
                           struct ngcp_page *pg, char **err)
{
    const char *rel = is_callqueues(s) ? "ngcp:callqueues" : "ngcp:subscribers";
    if (!emb)
        return 0;
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(emb, rel);
    if (!cJSON_IsObject(emb) || !items) {
        *err = xasprintf("answer has no _embedded[\"%s\"]", rel);
        return -1;
    }
    if (cJSON_IsObject(items)) { /* stock Data::HAL sends a lone item as an object */
        pg->items = 1;
        decode_item(s, items, now_ms, keep_raw);
        return 0;
    }
    if (!cJSON_IsArray(items)) {
        *err = xasprintf("_embedded[\"%s\"] is not a list", rel);
        return -1;
    }
    for (const cJSON *it = items->child; it; it = it->next) {
        pg->items++;
        decode_item(s, it, now_ms, keep_raw);
    }
    return 0;
}

static int decode_next(const cJSON *links, struct ngcp_page *pg, char **err)
{
    const cJSON *next = cJSON_GetObjectItemCaseSensitive(links, "next");
    if (!next || cJSON_IsNull(next))
        return 0;
    if (cJSON_IsArray(next))
        next = next->child;
    const cJSON *href = cJSON_GetObjectItemCaseSensitive(next, "href");
    if (!cJSON_IsString(href)) {
        *err = xstrdup("_links.next has no href");
        return -1;
    }
    pg->next = xstrdup(href->valuestring);
    return 0;
}

static int decode_root(struct snapshot *s, const cJSON *root, int64_t now_ms, bool keep_raw,
                       struct ngcp_page *pg, char **err)
{
    if (!cJSON_IsObject(root)) {
        *err = xstrdup("answer is not a JSON object");
        return -1;
    }
    const cJSON *links = cJSON_GetObjectItemCaseSensitive(root, "_links");
    const cJSON *tc = cJSON_GetObjectItemCaseSensitive(root, "total_count");
    long long total = -1;
    /* Every NGCP collection counts its records; an item or an error body does not. */
    if (!tc) {
        *err = xstrdup("answer is not an NGCP collection (no total_count)");
        return -1;
    }
    if (!bj_int(tc, &total) || total < 0) {
        *err = xstrdup("total_count is not a count");
        return -1;
    }
    pg->total = total;
    if (decode_embedded(s, cJSON_GetObjectItemCaseSensitive(root, "_embedded"), now_ms, keep_raw,
                        pg, err))
        return -1;
    return decode_next(links, pg, err);
}

int ngcp_decode_page(struct snapshot *s, const char *body, size_t len, int64_t now_ms,
                     bool keep_raw, struct ngcp_page *pg, char **err)
{
    *pg = (struct ngcp_page){.total = -1};
    *err = NULL;
    cJSON *root = bj_parse(body, len, err);
    if (!root)
        return -1;
    int rc = decode_root(s, root, now_ms, keep_raw, pg, err);
    cJSON_Delete(root);
    if (rc) {
        free(pg->next);
        pg->next = NULL;
    }
    return rc;
}

static struct snapshot *decode_whole(enum kind k, const char *body, size_t len, int64_t now_ms,
                                     bool keep_raw, char **err)
{
    struct ngcp_page pg;
    struct snapshot *s = snap_new(k);
    if (ngcp_decode_page(s, body, len, now_ms, keep_raw, &pg, err)) {
        snap_free(s);
        return NULL;
    }
    free(pg.next);
    snap_finish(s);
    return s;
}

struct snapshot *ngcp_decode_extensions(const char *body, size_t len, bool keep_raw, char **err)
{
    return decode_whole(KIND_EXTENSIONS, body, len, 0, keep_raw, err);
}

struct snapshot *ngcp_decode_ringgroups(const char *body, size_t len, bool keep_raw, char **err)
{
    return decode_whole(KIND_RINGGROUPS, body, len, 0, keep_raw, err);
}

struct snapshot *ngcp_decode_queues(const char *body, size_t len, bool keep_raw, char **err)
{
    return decode_whole(KIND_QUEUES, body, len, 0, keep_raw, err);
}

struct snapshot *ngcp_decode_queuecallers(const char *body, size_t len, int64_t now_ms,
                                          bool keep_raw, char **err)
{
    return decode_whole(KIND_QUEUECALLERS, body, len, now_ms, keep_raw, err);
}

/* ------------------------------------------------------------------ polling */

static const char *kind_res(enum kind k)
{
    return k == KIND_QUEUES || k == KIND_QUEUECALLERS ? "callqueues" : "subscribers";
}

/* The first page. order_by=id keeps pages stable while records come and go. */
static char *first_path(enum kind k)
{
    if (k == KIND_QUEUES || k == KIND_QUEUECALLERS)
        return xasprintf("/callqueues/?page=1&rows=%d", NGCP_ROWS);
    return xasprintf("/subscribers/?page=1&rows=%d&is_pbx_group=%d&order_by=id", NGCP_ROWS,
                     k == KIND_RINGGROUPS);
}

/* End poll p with a failure; p is freed first. */
static void poll_fail(struct backend *be, struct ngcp_poll *p, enum be_fail why, const char *msg,
                      long retry_after)
{
    enum kind kind = p->kind;
    poll_unlink(be_adapter_state(be), p);
    be_poll_fail(be, kind, why, msg, retry_after);
}

static void poll_fail_reply(struct backend *be, struct ngcp_poll *p, const struct be_reply *rep)
{
    const char *what = kind_def(p->kind)->name;
    char *msg = NULL;
    if (rep->kind == REPLY_AUTH) {
        /* No login to retry: the engine already gave up on these credentials. */
        msg = rep->res ? ngcp_auth_message(rep->res->status, rep->res->body, rep->res->body_len)
                       : xstrdup(rep->msg);
        poll_fail(be, p, FAIL_AUTH, msg, -1);
    } else if (rep->kind == REPLY_NET) {
        enum kind kind = p->kind;
        poll_unlink(be_adapter_state(be), p);
        be_poll_fail_reply(be, kind, rep);
    } else {
        msg = status_message(what, rep->res);
        poll_fail(be, p, FAIL_DATA, msg, rep->res->retry_after);
    }
    free(msg);
}

static void on_page(struct backend *be, void *ud, const struct be_reply *rep);

/* After one page: ask for the next one, or deliver the snapshot. */
static void poll_continue(struct backend *be, struct ngcp_poll *p, char *next)
{
    const char *what = kind_def(p->kind)->name;
    char *msg = NULL, *path = next ? ngcp_next_path(next, kind_res(p->kind)) : NULL;
    if (!next) {
        struct snapshot *s = p->snap;
        enum kind kind = p->kind;
        p->snap = NULL;
        poll_unlink(be_adapter_state(be), p);
        snap_finish(s);
        be_poll_ok(be, kind, s);
    } else if (!path) {
        msg = xasprintf("%s: the server's next-page link is not one pbxtop follows", what);
    } else if (snap_count(p->snap) > NGCP_MAX_RECORDS || p->pages >= NGCP_MAX_PAGES) {
        msg = xasprintf("%s: more than %d records or %d pages; giving up", what, NGCP_MAX_RECORDS,
                        NGCP_MAX_PAGES);
    } else {
        struct be_call_spec spec = {.method = "GET", .path = path};
        be_call(be, &spec, on_page, p);
    }
    if (msg)
        poll_fail(be, p, FAIL_DATA, msg, -1);
    free(msg);
    free(path);
    free(next);
}

static void on_page(struct backend *be, void *ud, const struct be_reply *rep)
{
    struct ngcp_poll *p = ud;
    if (rep->kind != REPLY_HTTP || rep->res->status != 200) {
        poll_fail_reply(be, p, rep);
        return;
    }
    struct ngcp_page pg;
    char *err = NULL;
    p->pages++;
    if (ngcp_decode_page(p->snap, rep->res->body, rep->res->body_len, be_now_wall_ms(),
                         be_keep_raw(be), &pg, &err)) {
        char *msg = xasprintf("%s: %s", kind_def(p->kind)->name, err);
        poll_fail(be, p, FAIL_DATA, msg, -1);
        free(msg);
        free(err);
        return;
    }
    if (pg.next && pg.items == 0) {
        /* A page without items that still points on would page forever. */
        free(pg.next);
        char *msg = xasprintf("%s: an empty page links to another one", kind_def(p->kind)->name);
        poll_fail(be, p, FAIL_DATA, msg, -1);
        free(msg);
        return;
    }
    poll_continue(be, p, pg.next);
}

#define NGCP_KINDS                                                             \
    ((1u << KIND_EXTENSIONS) | (1u << KIND_RINGGROUPS) | (1u << KIND_QUEUES) | \
     (1u << KIND_QUEUECALLERS))

static void ngcp_poll(struct backend *be, enum kind kind)
{
    if (!(NGCP_KINDS & (1u << kind))) {
        be_poll_fail(be, kind, FAIL_DATA, "not offered by NGCP", -1);
        return;
    }
    struct ngcp *st = be_adapter_state(be);
    struct ngcp_poll *p = xcalloc(1, sizeof *p);
    p->kind = kind;
    p->snap = snap_new(kind);
    p->next = st->polls;
    if (st->polls)
        st->polls->prev = p;
    st->polls = p;
    char *path = first_path(kind);
    struct be_call_spec spec = {.method = "GET", .path = path};
    be_call(be, &spec, on_page, p);
    free(path);
}

const struct adapter ngcp_adapter = {
    .type = "ngcp",
    .label = "NGCP",
    .kinds = NGCP_KINDS,
    .caps = 0,
    .why_not =
        {
            [KIND_CHANNELS] = "NGCP has no live channel API",
            [KIND_QUEUEMEMBERS] =
                "NGCP has no queue members (its call queues list only the waiting callers)",
        },
    .check_conf = ngcp_check_conf,
    .create = ngcp_create,
    .destroy = ngcp_destroy,
    .build = ngcp_build,
    .auth_rejected = ngcp_auth_rejected,
    .poll = ngcp_poll,
    .schema = {[KIND_EXTENSIONS] = &ngcp_ext_schema, [KIND_RINGGROUPS] = &ngcp_rg_schema},
    .apply = ngcp_apply,
};
