/* The SARK adapter's writes. See contracts/jade-sark-issabel.md §3.5, §3.6 and §3.10: the
 * schemas of extensions and ring groups, the JSON bodies built from them in SARK's types
 * (renamed keys, YES/NO booleans, lists as one string), typed extension creates
 * (POST /extensions/{type} with pkey, cluster and macaddr, then a PUT with the rest), updates
 * (PUT) and deletes, what a write's answer means, the contexts of writes in flight, apply, and
 * commit (GET /api/syscommands/commit, which makes a batch of writes live).
 *
 * Split from backend_sark.c (state, login, requests, decoders, polls, hangup and the adapter
 * definitions) to keep each file a readable size; what the two files share is declared at the
 * end of backend_sark.h. */
#include "net/backend_sark.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "net/adapter.h"
#include "net/schema.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

#define MAX_KEY_LEN 64

/* ------------------------------------------------------------------ schemas */

/* pkeys have no format check on the server, but they travel as one URL path segment. */
#define KEY_RE "[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}"
/* Laravel's "integer" rule (PHP's FILTER_VALIDATE_INT): no leading zeros, no '+'. */
#define INT_RE   "-?(0|[1-9][0-9]{0,17})"
#define EMAIL_RE "[^@[:space:]]+@[^@[:space:]]+"
/* ring group `out`: ^[@A-Za-z0-9-_/\s]{2,1024}$ once the items are joined with spaces. */
#define OUT_RE "[-@A-Za-z0-9_/[:space:],\x1f]{2,1024}"

static const char *const ext_types[] = {"unprovisioned", "webrtc", "provisioned", "mailbox", NULL};
static const char *const desk_cell[] = {"desk", "cell", NULL};
static const char *const on_off[] = {"ON", "OFF", NULL};
static const char *const ext_rec[] = {"None", "OTR", "OTRR", "Inbound.Outbound", "Both", NULL};
static const char *const rg_rec[] = {"default",          "None", "OTR", "OTRR",
                                     "Inbound.Outbound", "Both", NULL};
static const char *const local_remote[] = {"local", "remote", NULL};
static const char *const ip_versions[] = {"IPV4", "IPV6", NULL};
static const char *const ip_fqdn[] = {"IP", "FQDN", NULL};
static const char *const send_creds[] = {"No", "Once", "Always", NULL};
static const char *const transports[] = {"udp", "tcp", "tls", "wss", NULL};
static const char *const group_types[] = {"Ring", "Hunt", "Alias", "Page", NULL};
static const char *const yes_no[] = {"YES", "NO", NULL};

#define REQ_KEY (FS_REQUIRED | FS_CREATE_ONLY)

/* §3.5: the keys PUT /api/extensions/{pkey} accepts, and what the typed creates need. */
static const struct field_schema ext_fields[] = {
    {"extension", "Extension", FT_STR, NULL, KEY_RE, 0, 0, NULL, REQ_KEY},
    {"name", "Name (set by SARK)", FT_STR, NULL, NULL, 0, 0, NULL, FS_READ_ONLY},
    {"type", "Type", FT_STR, ext_types, NULL, 0, 0, "unprovisioned", FS_CREATE_ONLY},
    {"cluster", "Cluster", FT_STR, NULL, NULL, 1, 255, "default", FS_REQUIRED},
    {"macaddr", "MAC address", FT_STR, NULL, "[0-9A-Fa-f]{12}", 0, 0, NULL, FS_CREATE_ONLY},
    {"enabled", "Active", FT_BOOL, NULL, NULL, 0, 0, NULL, 0},
    {"callerid", "Caller ID", FT_STR, NULL, INT_RE, 0, 0, NULL, 0},
    {"callbackto", "Call back to", FT_STR, desk_cell, NULL, 0, 0, NULL, 0},
    {"cellphone", "Cell phone", FT_STR, NULL, INT_RE, 0, 0, NULL, 0},
    {"celltwin", "Cell twin", FT_STR, on_off, NULL, 0, 0, NULL, 0},
    {"devicerec", "Recording", FT_STR, ext_rec, NULL, 0, 0, NULL, 0},
    {"dvrvmail", "Voicemail box", FT_STR, NULL, KEY_RE, 0, 0, NULL, 0},
    {"location", "Location", FT_STR, local_remote, NULL, 0, 0, NULL, 0},
    {"protocol", "IP protocol", FT_STR, ip_versions, NULL, 0, 0, NULL, 0},
    {"provision", "Provisioning", FT_STR, NULL, NULL, 0, 0, NULL, 0},
    {"provisionwith", "Provision with", FT_STR, ip_fqdn, NULL, 0, 0, NULL, 0},
    {"sndcreds", "Send credentials", FT_STR, send_creds, NULL, 0, 0, NULL, 0},
    {"transport", "Transport", FT_STR, transports, NULL, 0, 0, NULL, 0},
    {"vmailfwd", "Voicemail to email", FT_STR, NULL, EMAIL_RE, 0, 0, NULL, 0},
};
const struct record_schema sark_ext_schema = {
    ext_fields, (int)(sizeof ext_fields / sizeof ext_fields[0]), OP_CREATE | OP_UPDATE | OP_DELETE};

/* §3.6 (L7 and L10): desc is not writable, longdesc is the name. */
static const struct field_schema rg_fields[] = {
    {"extension", "Extension", FT_STR, NULL, KEY_RE, 0, 0, NULL, REQ_KEY},
    {"name", "Name", FT_STR, NULL, NULL, 0, 0, NULL, 0},
    {"strategy", "Group type", FT_STR, group_types, NULL, 0, 0, NULL, 0},
    {"ring_time", "Ring delay", FT_INT, NULL, NULL, 0, 0, NULL, 0},
    {"members", "Members", FT_LIST, NULL, OUT_RE, 0, 0, NULL, 0},
    {"cluster", "Cluster", FT_STR, NULL, NULL, 1, 255, "default", FS_REQUIRED},
    {"outcome", "When nobody answers", FT_STR, NULL, NULL, 1, 255, NULL, FS_REQUIRED},
    {"devicerec", "Recording", FT_STR, rg_rec, NULL, 0, 0, NULL, 0},
    {"dialparamshunt", "Dial options (hunt)", FT_STR, NULL, "[A-Za-z]+", 0, 0, NULL, 0},
    {"dialparamsring", "Dial options (ring)", FT_STR, NULL, "[A-Za-z]+", 0, 0, NULL, 0},
    {"divert", "Divert", FT_INT, NULL, NULL, 0, 0, NULL, 0},
    {"greeting", "Greeting", FT_STR, NULL, "usergreeting[0-9]+", 0, 0, NULL, 0},
    {"obeydnd", "Obey DND", FT_STR, yes_no, NULL, 0, 0, NULL, 0},
    {"pagegroup", "Page group", FT_INT, NULL, NULL, 0, 0, NULL, 0},
    {"speedalert", "Alert info", FT_STR, NULL, NULL, 0, 0, NULL, 0},
};
const struct record_schema sark_rg_schema = {
    rg_fields, (int)(sizeof rg_fields / sizeof rg_fields[0]), OP_CREATE | OP_UPDATE | OP_DELETE};

/* ------------------------------------------------------------------- writes */

/* Schema names that differ from SARK's own keys ("name" is longdesc: only ring groups can
 * set one). */
static const char *server_key(const char *name)
{
    static const char *const renames[][2] = {
        {"enabled", "active"}, {"extension", "pkey"},      {"members", "out"},
        {"name", "longdesc"},  {"ring_time", "ringdelay"}, {"strategy", "grouptype"},
    };
    for (size_t i = 0; i < sizeof renames / sizeof renames[0]; i++) {
        if (strcmp(renames[i][0], name) == 0)
            return renames[i][1];
    }
    return name;
}

/* The value given for `name` in the change: *given says whether it was (NULL is null). */
static const char *change_value(const struct change *c, const char *name, bool *given)
{
    for (int i = 0; i < c->nvalues; i++) {
        if (strcmp(c->names[i], name) == 0) {
            *given = true;
            return c->values[i];
        }
    }
    *given = false;
    return NULL;
}

/* List items (separated by \x1f, commas, semicolons or blanks) joined with single spaces. */
static char *join_list(const char *v)
{
    struct strbuf sb;
    strbuf_init(&sb, (size_t)-1 / 2);
    const char *seps = " \t\r\n,;\x1f";
    for (const char *p = v + strspn(v, seps); *p; p += strspn(p, seps)) {
        size_t n = strcspn(p, seps);
        if (sb.len)
            (void)strbuf_addc(&sb, ' ');
        (void)strbuf_add(&sb, p, n);
        p += n;
    }
    return strbuf_take(&sb);
}

static bool truthy(const char *v)
{
    return strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0 ||
           strcmp(v, "on") == 0;
}

/* One value in SARK's types: integers as numbers, booleans as YES/NO, lists as one string. */
static void add_value(cJSON *o, const struct field_schema *f, const char *v)
{
    const char *key = server_key(f->name);
    char *end, *list;
    long long n;
    if (!v) {
        cJSON_AddNullToObject(o, key);
        return;
    }
    switch (f->type) {
    case FT_INT:
        n = strtoll(v, &end, 10);
        if (*v && !*end)
            cJSON_AddNumberToObject(o, key, (double)n);
        else
            cJSON_AddStringToObject(o, key, v);
        break;
    case FT_BOOL:
        cJSON_AddStringToObject(o, key, truthy(v) ? "YES" : "NO");
        break;
    case FT_LIST:
        list = join_list(v);
        cJSON_AddStringToObject(o, key, list);
        free(list);
        break;
    default:
        cJSON_AddStringToObject(o, key, v);
        break;
    }
}

static char *print_body(cJSON *o)
{
    char *txt = cJSON_PrintUnformatted(o);
    if (!txt)
        die("out of memory");
    char *body = xstrdup(txt);
    cJSON_free(txt);
    return body;
}

enum body_part {
    BODY_ALL,      /* every field given (the type is the URL's) */
    BODY_EXT_POST, /* what a typed extension create takes: pkey, cluster, macaddr */
    BODY_EXT_PUT,  /* the rest of an extension create, sent as a PUT after it */
};

static bool in_ext_post(const char *name)
{
    return strcmp(name, "extension") == 0 || strcmp(name, "cluster") == 0 ||
           strcmp(name, "macaddr") == 0;
}

/* The JSON body (owned) for one part of a change, schema defaults added on create; NULL for
 * an empty BODY_EXT_PUT. */
static char *body_of(const struct change *c, const struct record_schema *schema,
                     enum body_part part)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < schema->nfields; i++) {
        const struct field_schema *f = &schema->fields[i];
        if (strcmp(f->name, "type") == 0 || (part == BODY_EXT_POST && !in_ext_post(f->name)) ||
            (part == BODY_EXT_PUT && in_ext_post(f->name)))
            continue;
        bool given;
        const char *v = change_value(c, f->name, &given);
        if (!given && c->op == OP_CREATE && f->def) {
            v = f->def;
            given = true;
        }
        if (given)
            add_value(o, f, v);
    }
    char *body = part == BODY_EXT_PUT && !o->child ? NULL : print_body(o);
    cJSON_Delete(o);
    return body;
}

bool sark_valid_key(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > MAX_KEY_LEN || strcmp(key, ".") == 0 || strcmp(key, "..") == 0)
        return false;
    for (const char *p = key; *p; p++) {
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || strchr("/\\?#%", *p))
            return false;
    }
    return true;
}

/* The record's key (owned): the new pkey for a create, else the change's id. */
static char *write_key(const struct change *c, char **err)
{
    bool given;
    const char *key = c->op == OP_CREATE ? change_value(c, "extension", &given) : c->id;
    if (!key || !sark_valid_key(key)) {
        *err = xstrdup(c->op == OP_CREATE ? "extension: not a key SARK can address in a URL"
                                          : "not a valid SARK record id");
        return NULL;
    }
    return xstrdup(key);
}

/* Which typed create to call, and whether it got the MAC address it needs (or one it does
 * not take). */
static const char *create_type(const struct change *c, char **err)
{
    bool given, have_mac;
    const char *type = change_value(c, "type", &given);
    const char *mac = change_value(c, "macaddr", &have_mac);
    type = type ? type : "unprovisioned";
    bool provisioned = strcmp(type, "provisioned") == 0;
    if (provisioned && !mac)
        *err = xstrdup("macaddr: required to create a provisioned extension");
    else if (!provisioned && have_mac && mac)
        *err = xasprintf("macaddr: only a provisioned extension takes one (type is %s)", type);
    return *err ? NULL : type;
}

static int build_extension(const struct change *c, struct sark_write *w, char **err)
{
    char *esc = be_escape(w->key);
    if (c->op == OP_CREATE) {
        const char *type = create_type(c, err);
        if (!type) {
            free(esc);
            return -1;
        }
        w->method = "POST";
        w->path = xasprintf("/extensions/%s", type);
        w->body = body_of(c, &sark_ext_schema, BODY_EXT_POST);
        w->then_put = body_of(c, &sark_ext_schema, BODY_EXT_PUT);
    } else if (c->op == OP_UPDATE) {
        w->method = "PUT";
        w->path = xasprintf("/extensions/%s", esc);
        w->body = body_of(c, &sark_ext_schema, BODY_ALL);
    } else {
        w->method = "DELETE";
        w->path = xasprintf("/extensions/%s", esc);
    }
    free(esc);
    return 0;
}

static int build_ringgroup(const struct change *c, struct sark_write *w)
{
    char *esc = be_escape(w->key);
    if (c->op == OP_CREATE) {
        w->method = "POST";
        w->path = xstrdup("/ringgroups");
        w->body = body_of(c, &sark_rg_schema, BODY_ALL);
    } else if (c->op == OP_UPDATE) {
        w->method = "PUT";
        w->path = xasprintf("/ringgroups/%s", esc);
        w->body = body_of(c, &sark_rg_schema, BODY_ALL);
    } else {
        w->method = "DELETE";
        w->path = xasprintf("/ringgroups/%s", esc);
    }
    free(esc);
    return 0;
}

int sark_build_write(const struct change *c, struct sark_write *w, char **err)
{
    memset(w, 0, sizeof *w);
    *err = NULL;
    if (c->kind != KIND_EXTENSIONS && c->kind != KIND_RINGGROUPS) {
        *err = xasprintf("SARK cannot change %s", kind_def(c->kind)->name);
        return -1;
    }
    w->key = write_key(c, err);
    if (!w->key)
        return -1;
    int rc = c->kind == KIND_EXTENSIONS ? build_extension(c, w, err) : build_ringgroup(c, w);
    if (rc)
        sark_write_done(w);
    return rc;
}

void sark_write_done(struct sark_write *w)
{
    free(w->path);
    free(w->body);
    free(w->then_put);
    free(w->key);
    memset(w, 0, sizeof *w);
}

enum act_outcome sark_map_write_answer(enum change_op op, long status, const char *body, size_t len,
                                       char **msg)
{
    static const char *const done[] = {"created", "updated", "deleted"};
    int i = op == OP_CREATE ? 0 : op == OP_UPDATE ? 1 : 2;
    if (status == 200 || status == 201 || status == 204) {
        *msg = xstrdup(done[i]);
        return ACT_OK;
    }
    char *text = sark_error_text(body, len);
    bool no_model = status == 404 && text && strncmp(text, "No query results", 16) == 0;
    enum act_outcome o = ACT_FAILED;
    if (no_model && op == OP_DELETE) {
        o = ACT_GONE;
        *msg = xstrdup("already gone");
    } else if (no_model) {
        *msg = xstrdup("no such record on the server (HTTP 404)");
    } else if ((status == 422 || status == 409) && text) {
        *msg = xstrdup(text); /* the server's own words: "field: message" or SQL text */
    } else if (status == 429) {
        *msg = xstrdup("not applied: rate limited by SARK (HTTP 429: 60 requests a minute)");
    } else {
        *msg = text ? xasprintf("HTTP %ld: %s", status, text) : xasprintf("HTTP %ld", status);
    }
    free(text);
    return o;
}

/* ------------------------------------------------------------ write contexts */

/* A write in flight: what its answer needs (the act itself belongs to the engine). */
struct wctx {
    struct wctx *prev, *next;
    struct be_act *act;
    enum change_op op;
    char *key;
    char *then_put; /* a create's follow-up PUT body, or NULL */
};

void sark_wctx_free(struct sark *s, struct wctx *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        s->writes = w->next;
    if (w->next)
        w->next->prev = w->prev;
    free(w->key);
    free(w->then_put);
    free(w);
}

/* End a write with its outcome, releasing its context first. */
static void write_finish(struct backend *be, struct wctx *w, enum act_outcome o, const char *msg)
{
    struct sark *s = be_adapter_state(be);
    struct be_act *act = w->act;
    sark_wctx_free(s, w);
    be_act_done(act, o, msg);
}

static bool reply_failed(struct backend *be, struct wctx *w, const struct be_reply *rep)
{
    if (rep->kind == REPLY_NET)
        write_finish(be, w, ACT_UNREACHABLE, rep->msg);
    else if (rep->kind == REPLY_AUTH)
        write_finish(be, w, ACT_AUTH, rep->msg);
    return rep->kind != REPLY_HTTP;
}

static void on_then_put(struct backend *be, void *ud, const struct be_reply *rep)
{
    struct wctx *w = ud;
    if (reply_failed(be, w, rep))
        return;
    char *msg = NULL;
    enum act_outcome o = sark_map_write_answer(OP_UPDATE, rep->res->status, rep->res->body,
                                               rep->res->body_len, &msg);
    char *full = o == ACT_OK
                     ? xstrdup("created")
                     : xasprintf("created, but setting its other fields failed (it exists now: fix "
                                 "them with an update): %s",
                                 msg);
    write_finish(be, w, o == ACT_OK ? ACT_OK : ACT_PARTIAL, full);
    free(full);
    free(msg);
}

static void on_write(struct backend *be, void *ud, const struct be_reply *rep)
{
    struct wctx *w = ud;
    if (reply_failed(be, w, rep))
        return;
    const struct http_result *res = rep->res;
    char *msg = NULL;
    enum act_outcome o = sark_map_write_answer(w->op, res->status, res->body, res->body_len, &msg);
    if (o == ACT_OK && w->op == OP_CREATE)
        be_act_set_id(w->act, w->key);
    if (o == ACT_OK && w->then_put) {
        /* The typed creates take pkey and cluster only; the rest goes in a PUT. */
        char *esc = be_escape(w->key);
        char *path = xasprintf("/extensions/%s", esc);
        struct be_call_spec spec = {.method = "PUT", .path = path, .body = w->then_put};
        be_call(be, &spec, on_then_put, w);
        free(path);
        free(esc);
    } else {
        write_finish(be, w, o, msg);
    }
    free(msg);
}

void sark_apply(struct backend *be, const struct change *c, struct be_act *act)
{
    struct sark *s = be_adapter_state(be);
    struct sark_write sw;
    char *err = NULL;
    if (sark_build_write(c, &sw, &err)) {
        be_act_done(act, ACT_REFUSED, err);
        free(err);
        return;
    }
    struct wctx *w = xcalloc(1, sizeof *w);
    w->act = act;
    w->op = c->op;
    w->key = sw.key;
    w->then_put = sw.then_put;
    sw.key = sw.then_put = NULL;
    w->next = s->writes;
    if (s->writes)
        s->writes->prev = w;
    s->writes = w;
    struct be_call_spec spec = {.method = sw.method, .path = sw.path, .body = sw.body};
    be_call(be, &spec, on_write, w);
    sark_write_done(&sw);
}

static void on_commit(struct backend *be, void *ud, const struct be_reply *rep)
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
    const struct http_result *res = rep->res;
    char *text = sark_error_text(res->body, res->body_len);
    char *msg;
    if (res->status == 200)
        msg = xasprintf("committed%s%s", text ? ": " : "", text ? text : "");
    else
        msg = xasprintf("commit failed (HTTP %ld%s%s); the changes are saved but not live",
                        res->status, text ? ": " : "", text ? text : "");
    be_act_done(act, res->status == 200 ? ACT_OK : ACT_FAILED, msg);
    free(msg);
    free(text);
}

/* SARK's writes only reach the database: srkgenAst regenerates Asterisk's config. */
void sark_commit(struct backend *be, struct be_act *act)
{
    struct be_call_spec spec = {.method = "GET", .path = "/syscommands/commit"};
    be_call(be, &spec, on_commit, act);
}
