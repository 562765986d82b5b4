/* The NGCP adapter's writes. See contracts/ngcp-dsiprouter.md §1.5 and §1.6: subscribers
 * (extensions, and ring groups when is_pbx_group) created with POST /api/subscribers/ (201
 * with an empty body and the new id in Location, so the record is read back once), changed
 * with a JSON-Patch PATCH and deleted (terminated) with DELETE. Also the schemas of both
 * kinds, the bodies built from them, and what a write's answer means.
 *
 * Split from backend_ngcp.c (requests, decoders, polls and the adapter definition) to keep
 * each file a readable size; what the two files share is declared at the end of
 * backend_ngcp.h. */
#include "net/backend_ngcp.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "net/adapter.h"
#include "net/schema.h"
#include "tui/xalloc.h"

#define INT32_MAXV 2147483647LL

/* ------------------------------------------------------------------ answers of writes */

enum act_outcome ngcp_map_write_answer(enum change_op op, long status, const char *body, size_t len,
                                       char **msg)
{
    static const char *const done[] = {"created", "updated", "deleted (terminated)"};
    int i = op == OP_CREATE ? 0 : op == OP_UPDATE ? 1 : 2;
    if (status >= 200 && status < 300) {
        *msg = xstrdup(done[i]);
        return ACT_OK;
    }
    if (ngcp_auth_refused(status, body, len)) {
        *msg = ngcp_auth_message(status, body, len);
        return ACT_AUTH;
    }
    char *server = ngcp_error_message(body, len);
    enum act_outcome o = ACT_FAILED;
    if (status == 404 && op == OP_DELETE) {
        o = ACT_GONE;
        *msg = xstrdup("already gone");
    } else if (status == 404) {
        *msg = xasprintf("no such subscriber (HTTP 404%s%s)", server ? ": " : "",
                         server ? server : "");
    } else if (status == 503) {
        *msg = xstrdup("the NGCP server is unavailable (HTTP 503; its database may be down)");
    } else {
        *msg = server ? xasprintf("%s (HTTP %ld)", server, status) : xasprintf("HTTP %ld", status);
    }
    free(server);
    return o;
}

char *ngcp_location_id(const char *location)
{
    static const char marker[] = "/api/subscribers/";
    const char *p = location ? strstr(location, marker) : NULL;
    if (!p)
        return NULL;
    p += sizeof marker - 1;
    size_t n = strspn(p, "0123456789");
    if (p[n] && !strchr(" \t\r\n", p[n]))
        return NULL;
    char *id = xstrndup(p, n);
    if (ngcp_valid_id(id))
        return id;
    free(id);
    return NULL;
}

/* ------------------------------------------------------------------ schemas */

static const char *const hunt_policies[] = {"serial", "parallel", "random", "circular", NULL};
static const char *const cancel_modes[] = {"cancel", "bye", NULL};

/* Field/Identifier.pm: these characters, no leading, trailing or double dot. */
#define USERNAME_RE "[A-Za-z0-9+=,;_~'()!*-]+(\\.[A-Za-z0-9+=,;_~'()!*-]+)*"
#define MEMBERS_RE  "[0-9]+([;, \x1f]+[0-9]+)*"

/* Customer ids cannot change (422 "customer_id can't be changed."); passwords are only set. */
#define REQ_ONCE    (FS_REQUIRED | FS_CREATE_ONLY)
#define SECRET_ONCE (FS_SECRET | FS_CREATE_ONLY)
#define NO_SPACE_RE "[^[:space:]]+"

static const struct field_schema ext_fields[] = {
    {"customer_id", "Customer id", FT_INT, NULL, NULL, 1, INT32_MAXV, NULL, REQ_ONCE},
    {"context", "SIP domain", FT_STR, NULL, NULL, 1, 255, NULL, 0},
    {"domain_id", "Domain id", FT_INT, NULL, NULL, 1, INT32_MAXV, NULL, 0},
    {"username", "SIP username", FT_STR, NULL, USERNAME_RE, 1, 127, NULL, FS_REQUIRED},
    {"password", "SIP password", FT_STR, NULL, NO_SPACE_RE, 12, 40, NULL, SECRET_ONCE},
    {"extension", "PBX extension", FT_STR, NULL, "[0-9]+", 0, 0, NULL, 0},
    {"name", "Display name", FT_STR, NULL, NULL, 0, 128, NULL, 0},
    {"enabled", "Active (else locked)", FT_BOOL, NULL, NULL, 0, 0, NULL, 0},
    {"email", "E-mail", FT_STR, NULL, NULL, 0, 255, NULL, 0},
    {"webusername", "Web username", FT_STR, NULL, NULL, 0, 127, NULL, 0},
    {"webpassword", "Web password", FT_STR, NULL, NO_SPACE_RE, 0, 0, NULL, SECRET_ONCE},
    {"external_id", "External id", FT_STR, NULL, NULL, 0, 255, NULL, 0},
    {"administrative", "Administrative", FT_BOOL, NULL, NULL, 0, 0, NULL, 0},
    {"cc", "Number: country code", FT_STR, NULL, "[0-9]+", 0, 0, NULL, 0},
    {"ac", "Number: area code", FT_STR, NULL, "[0-9]*", 0, 0, NULL, 0},
    {"sn", "Number: subscriber number", FT_STR, NULL, "[0-9]+", 0, 0, NULL, 0},
};

/* A group is a subscriber too; on a PBX customer every non-pilot needs an extension. */
static const struct field_schema rg_fields[] = {
    {"customer_id", "Customer id", FT_INT, NULL, NULL, 1, INT32_MAXV, NULL, REQ_ONCE},
    {"context", "SIP domain", FT_STR, NULL, NULL, 1, 255, NULL, 0},
    {"domain_id", "Domain id", FT_INT, NULL, NULL, 1, INT32_MAXV, NULL, 0},
    {"username", "SIP username", FT_STR, NULL, USERNAME_RE, 1, 127, NULL, FS_REQUIRED},
    {"password", "SIP password", FT_STR, NULL, NO_SPACE_RE, 12, 40, NULL, SECRET_ONCE},
    {"extension", "PBX extension", FT_STR, NULL, "[0-9]+", 0, 0, NULL, FS_REQUIRED},
    {"name", "Display name", FT_STR, NULL, NULL, 0, 128, NULL, 0},
    {"strategy", "Hunt policy", FT_STR, hunt_policies, NULL, 0, 0, "serial", 0},
    {"ring_time", "Hunt timeout (s)", FT_INT, NULL, NULL, 1, INT32_MAXV, NULL, 0},
    {"pbx_hunt_cancel_mode", "Cancel mode", FT_STR, cancel_modes, NULL, 0, 0, "cancel", 0},
    {"members", "Member subscriber ids", FT_LIST, NULL, MEMBERS_RE, 0, 0, NULL, 0},
};

const struct record_schema ngcp_ext_schema = {
    ext_fields, (int)(sizeof ext_fields / sizeof ext_fields[0]), OP_CREATE | OP_UPDATE | OP_DELETE};
const struct record_schema ngcp_rg_schema = {
    rg_fields, (int)(sizeof rg_fields / sizeof rg_fields[0]), OP_CREATE | OP_UPDATE | OP_DELETE};

/* ------------------------------------------------------------------ write bodies */

/* Schema names that NGCP spells differently. */
static const char *ngcp_key(const char *name)
{
    static const char *const map[][2] = {
        {"context", "domain"},
        {"extension", "pbx_extension"},
        {"name", "display_name"},
        {"enabled", "status"},
        {"strategy", "pbx_hunt_policy"},
        {"ring_time", "pbx_hunt_timeout"},
        {"members", "pbx_groupmember_ids"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(map[i][0], name) == 0)
            return map[i][1];
    }
    return name;
}

static bool is_number_part(const char *name)
{
    return strcmp(name, "cc") == 0 || strcmp(name, "ac") == 0 || strcmp(name, "sn") == 0;
}

static bool text_true(const char *v)
{
    return strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0 ||
           strcmp(v, "on") == 0;
}

static bool parse_id(const char *p, size_t n, long long *out)
{
    char buf[24];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, p, n);
    buf[n] = '\0';
    if (!ngcp_valid_id(buf))
        return false;
    *out = strtoll(buf, NULL, 10);
    return *out <= INT32_MAXV;
}

/* "42;43", "42, 43" or the \x1f-separated list text: a JSON array of ids. */
static cJSON *id_array(const char *v, char **err)
{
    static const char seps[] = ";, \t\x1f";
    cJSON *arr = cJSON_CreateArray();
    for (const char *p = v + strspn(v, seps); *p; p += strspn(p, seps)) {
        size_t n = strcspn(p, seps);
        long long id;
        if (!parse_id(p, n, &id)) {
            *err = xasprintf("members: '%.*s' is not a subscriber id", (int)(n > 40 ? 40 : n), p);
            cJSON_Delete(arr);
            return NULL;
        }
        cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)id));
        p += n;
    }
    return arr;
}

/* The JSON value NGCP wants for one schema field. */
static cJSON *field_value(const struct field_schema *f, const char *v, char **err)
{
    if (!v) /* null members: no members (NGCP wants an array there, never null) */
        return f->type == FT_LIST ? cJSON_CreateArray() : cJSON_CreateNull();
    if (strcmp(f->name, "enabled") == 0)
        return cJSON_CreateString(text_true(v) ? "active" : "locked");
    switch (f->type) {
    case FT_INT: {
        char *end;
        long long n = strtoll(v, &end, 10);
        if (!*v || *end) {
            *err = xasprintf("%s: not a whole number", f->name);
            return NULL;
        }
        return cJSON_CreateNumber((double)n);
    }
    case FT_BOOL:
        return cJSON_CreateBool(text_true(v));
    case FT_LIST:
        return id_array(v, err);
    default:
        return cJSON_CreateString(v);
    }
}

static const struct record_schema *kind_schema(enum kind k)
{
    return k == KIND_RINGGROUPS ? &ngcp_rg_schema : k == KIND_EXTENSIONS ? &ngcp_ext_schema : NULL;
}

/* The value of field i of the change as JSON, or NULL with *err. */
static cJSON *change_value(const struct change *c, int i, char **err)
{
    const struct field_schema *f = schema_field(kind_schema(c->kind), c->names[i]);
    if (!f) {
        *err = xasprintf("%s: not a field of NGCP %s", c->names[i], kind_def(c->kind)->name);
        return NULL;
    }
    return field_value(f, c->values[i], err);
}

static char *print_json(cJSON *doc)
{
    char *txt = cJSON_PrintUnformatted(doc);
    if (!txt)
        die("out of memory");
    char *out = xstrdup(txt);
    cJSON_free(txt);
    cJSON_Delete(doc);
    return out;
}

char *ngcp_build_create_body(const struct change *c, char **err)
{
    cJSON *doc = cJSON_CreateObject(), *number = NULL;
    *err = NULL;
    if (!kind_schema(c->kind)) {
        *err = xasprintf("NGCP cannot create %s", kind_def(c->kind)->name);
        cJSON_Delete(doc);
        return NULL;
    }
    for (int i = 0; i < c->nvalues; i++) {
        cJSON *v = change_value(c, i, err);
        if (!v) {
            cJSON_Delete(doc);
            cJSON_Delete(number);
            return NULL;
        }
        if (is_number_part(c->names[i])) {
            if (!number)
                number = cJSON_CreateObject();
            cJSON_AddItemToObject(number, c->names[i], v);
        } else {
            cJSON_AddItemToObject(doc, ngcp_key(c->names[i]), v);
        }
    }
    if (number)
        cJSON_AddItemToObject(doc, "primary_number", number);
    if (c->kind == KIND_RINGGROUPS)
        cJSON_AddTrueToObject(doc, "is_pbx_group");
    return print_json(doc);
}

char *ngcp_build_patch_body(const struct change *c, char **err)
{
    cJSON *doc = cJSON_CreateArray();
    *err = NULL;
    for (int i = 0; i < c->nvalues; i++) {
        cJSON *v = change_value(c, i, err);
        if (!v) {
            cJSON_Delete(doc);
            return NULL;
        }
        /* JSON Pointer: none of these keys holds '/' or '~', so no escaping is needed. */
        char *path = is_number_part(c->names[i]) ? xasprintf("/primary_number/%s", c->names[i])
                                                 : xasprintf("/%s", ngcp_key(c->names[i]));
        cJSON *op = cJSON_CreateObject();
        cJSON_AddStringToObject(op, "op", "replace");
        cJSON_AddStringToObject(op, "path", path);
        cJSON_AddItemToObject(op, "value", v);
        cJSON_AddItemToArray(doc, op);
        free(path);
    }
    return print_json(doc);
}

/* ------------------------------------------------------------------ writes */

/* End act for a reply that is no HTTP answer; true when it did. */
static bool act_no_answer(struct be_act *act, const struct be_reply *rep)
{
    if (rep->kind == REPLY_NET) {
        be_act_done(act, ACT_UNREACHABLE, rep->msg);
        return true;
    }
    if (rep->kind == REPLY_AUTH) {
        const struct http_result *res = rep->res;
        char *msg =
            res ? ngcp_auth_message(res->status, res->body, res->body_len) : xstrdup(rep->msg);
        be_act_done(act, ACT_AUTH, msg);
        free(msg);
        return true;
    }
    return false;
}

static void act_answer(struct be_act *act, enum change_op op, const struct be_reply *rep)
{
    if (act_no_answer(act, rep))
        return;
    char *msg = NULL;
    const struct http_result *res = rep->res;
    enum act_outcome o = ngcp_map_write_answer(op, res->status, res->body, res->body_len, &msg);
    be_act_done(act, o, msg);
    free(msg);
}

static void on_updated(struct backend *be, void *ud, const struct be_reply *rep)
{
    (void)be;
    act_answer(ud, OP_UPDATE, rep);
}

static void on_deleted(struct backend *be, void *ud, const struct be_reply *rep)
{
    (void)be;
    act_answer(ud, OP_DELETE, rep);
}

/* The record made by a create, read back from its Location: it exists whatever this says. */
static void on_created_read(struct backend *be, void *ud, const struct be_reply *rep)
{
    (void)be;
    struct be_act *act = ud;
    char buf[24];
    const cJSON *id = NULL;
    cJSON *root = NULL;
    if (rep->kind == REPLY_HTTP && rep->res->status == 200) {
        root = cJSON_ParseWithLength(rep->res->body, rep->res->body_len);
        id = cJSON_GetObjectItemCaseSensitive(root, "id");
    }
    if (ngcp_id_text(id, buf, sizeof buf) && strcmp(buf, be_act_id(act)) == 0) {
        be_act_done(act, ACT_OK, "created");
    } else {
        char *msg = rep->kind == REPLY_HTTP
                        ? xasprintf("created; reading it back gave HTTP %ld", rep->res->status)
                        : xasprintf("created; reading it back failed: %s", rep->msg);
        be_act_done(act, ACT_OK, msg);
        free(msg);
    }
    cJSON_Delete(root);
}

/* The id of the subscriber a create made: the Location (NGCP's 201 has an empty body), else
 * the body's id (a server that honours Prefer: return=representation). Owned, or NULL. */
static char *created_id(const struct http_result *res)
{
    char buf[24];
    char *id = ngcp_location_id(res->location);
    if (id || !res->body_len)
        return id;
    cJSON *root = cJSON_ParseWithLength(res->body, res->body_len);
    if (ngcp_id_text(cJSON_GetObjectItemCaseSensitive(root, "id"), buf, sizeof buf))
        id = xstrdup(buf);
    cJSON_Delete(root);
    return id;
}

static void on_created(struct backend *be, void *ud, const struct be_reply *rep)
{
    struct be_act *act = ud;
    if (rep->kind != REPLY_HTTP || rep->res->status < 200 || rep->res->status > 299) {
        act_answer(act, OP_CREATE, rep);
        return;
    }
    char *id = created_id(rep->res);
    if (!id) {
        be_act_done(act, ACT_OK, "created, but the server did not say its id (no Location)");
        return;
    }
    be_act_set_id(act, id);
    /* Read it back: the answer said nothing else about the new record. */
    char *path = xasprintf("/subscribers/%s", id);
    struct be_call_spec spec = {.method = "GET", .path = path};
    be_call(be, &spec, on_created_read, act);
    free(path);
    free(id);
}

static bool has_value(const struct change *c, const char *name)
{
    for (int i = 0; i < c->nvalues; i++) {
        if (strcmp(c->names[i], name) == 0 && c->values[i])
            return true;
    }
    return false;
}

static void apply_create(struct backend *be, const struct change *c, struct be_act *act)
{
    if (!has_value(c, "context") && !has_value(c, "domain_id")) {
        be_act_done(act, ACT_REFUSED, "context (the SIP domain) or domain_id is required");
        return;
    }
    char *err = NULL, *body = ngcp_build_create_body(c, &err);
    if (!body) {
        be_act_done(act, ACT_REFUSED, err);
        free(err);
        return;
    }
    struct be_call_spec spec = {.method = "POST", .path = "/subscribers/", .body = body};
    be_call(be, &spec, on_created, act);
    free(body);
}

static void apply_item(struct backend *be, const struct change *c, struct be_act *act)
{
    char *err = NULL, *body = NULL;
    if (!ngcp_valid_id(c->id)) {
        be_act_done(act, ACT_REFUSED, "not a valid NGCP subscriber id (a positive number)");
        return;
    }
    if (c->op == OP_UPDATE && c->nvalues == 0) {
        be_act_done(act, ACT_OK, "nothing to change");
        return;
    }
    if (c->op == OP_UPDATE && !(body = ngcp_build_patch_body(c, &err))) {
        be_act_done(act, ACT_REFUSED, err);
        free(err);
        return;
    }
    char *path = xasprintf("/subscribers/%s", c->id);
    struct be_call_spec spec = {
        .method = c->op == OP_UPDATE ? "PATCH" : "DELETE", .path = path, .body = body};
    be_call(be, &spec, c->op == OP_UPDATE ? on_updated : on_deleted, act);
    free(path);
    free(body);
}

void ngcp_apply(struct backend *be, const struct change *c, struct be_act *act)
{
    if (!kind_schema(c->kind))
        be_act_done(act, ACT_REFUSED, "NGCP can change only extensions and ring groups");
    else if (c->op == OP_CREATE)
        apply_create(be, c, act);
    else
        apply_item(be, c, act);
}
