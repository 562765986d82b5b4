/* The dSIPRouter adapter's codec. See contracts/ngcp-dsiprouter.md §2.3 to §2.5: everything
 * that turns the server's answers into values and values into requests, with no calls and no
 * state: the {"error","msg","data"} envelope and the media server's list-of-one-list `data`
 * (endpoint groups, FusionPBX domains, extensions), what an error answer means for people,
 * the extension values and the flat write bodies with exact JSON types, what a write's answer
 * means, and the schema of extensions. Most of it is public in backend_dsiprouter.h, for tests
 * and fuzzers.
 *
 * Split from backend_dsiprouter.c (the adapter's state, requests, poll walk, writes and
 * definition) along that line to keep each file a readable size; what the two files share is
 * declared at the end of backend_dsiprouter.h. */
#include "net/backend_dsiprouter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/backend_json.h"
#include "tui/xalloc.h"

/* call_timeout in seconds: FusionPBX's default, for a create and for a row without one. */
#define DEFAULT_TIMEOUT_S 30

static const char LICENSE_HINT[] =
    "this dSIPRouter (v0.75+) gates its token API behind a DSIP_CORE license and refuses every "
    "API token without one (\"Unauthorized - Core Subscription Required\"); the alternative, "
    "auth = session (the web login), is not supported by this build yet";
static const char NO_MEDIASERVER[] =
    "the media server API is missing on this server version (HTTP 404 page: dSIPRouter v0.79 "
    "and later removed /api/v1/mediaserver; extensions need v0.642-v0.78)";

/* ------------------------------------------------------------------ answers */

/* The envelope's data member; NULL with *err when the body is no success envelope. */
static const cJSON *envelope_data(const cJSON *root, char **err)
{
    if (!cJSON_IsObject(root)) {
        *err = xstrdup("answer is not a JSON object");
        return NULL;
    }
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "msg");
    if (cJSON_IsString(e) && e->valuestring[0]) {
        *err = xasprintf("dSIPRouter reported a %s error: %s", e->valuestring,
                         cJSON_IsString(m) ? m->valuestring : "(no message)");
        return NULL;
    }
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    if (!data) {
        *err = xstrdup("answer has no data member");
        return NULL;
    }
    return data;
}

/* The rows of a data member: the media server sends a list holding one list, newer routes a
 * flat list; both are walked. Returns the next object after the cursor (outer, inner), or NULL. */
static const cJSON *next_row(const cJSON *data, const cJSON **outer, const cJSON **inner)
{
    for (;;) {
        if (*inner) {
            *inner = (*inner)->next;
        } else {
            *outer = *outer ? (*outer)->next : data->child;
            if (!*outer)
                return NULL;
            if (cJSON_IsObject(*outer))
                return *outer;
            *inner = cJSON_IsArray(*outer) ? (*outer)->child : NULL;
            if (!*inner)
                continue;
        }
        if (!*inner)
            continue;
        if (cJSON_IsObject(*inner))
            return *inner;
    }
}

/* Parse and open a success envelope whose data is a list; NULL with *err otherwise. */
static cJSON *parse_list(const char *body, size_t len, const cJSON **data, char **err)
{
    cJSON *root = bj_parse(body, len, err);
    if (!root)
        return NULL;
    *data = envelope_data(root, err);
    if (*data && !cJSON_IsArray(*data)) {
        *err = xstrdup("answer's data is not a list");
        *data = NULL;
    }
    if (!*data) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

long long *dsiprouter_decode_endpointgroups(const char *body, size_t len, size_t *n, char **err)
{
    const cJSON *data, *outer = NULL, *inner = NULL, *row;
    *n = 0;
    *err = NULL;
    cJSON *root = parse_list(body, len, &data, err);
    if (!root)
        return NULL;
    size_t cap = 0;
    long long *ids = xcalloc(1, sizeof *ids);
    while ((row = next_row(data, &outer, &inner))) {
        long long id;
        if (!bj_int(cJSON_GetObjectItemCaseSensitive(row, "gwgroupid"), &id) || id <= 0)
            continue;
        ids = xgrow(ids, &cap, *n + 1, sizeof *ids);
        ids[(*n)++] = id;
    }
    cJSON_Delete(root);
    return ids;
}

int dsiprouter_decode_fusionpbx(const char *body, size_t len, char **err)
{
    *err = NULL;
    cJSON *root = bj_parse(body, len, err);
    if (!root)
        return -1;
    const cJSON *data = envelope_data(root, err);
    const cJSON *group = cJSON_IsArray(data) ? data->child : data;
    int on = -1;
    if (data && !cJSON_IsObject(group)) {
        *err = xstrdup("answer holds no endpoint group");
    } else if (data) {
        const cJSON *fp = cJSON_GetObjectItemCaseSensitive(group, "fusionpbx");
        bool yes = false;
        on = cJSON_IsObject(fp) && bj_bool(cJSON_GetObjectItemCaseSensitive(fp, "enabled"), &yes) &&
             yes;
    }
    cJSON_Delete(root);
    return on;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool dsiprouter_valid_uuid(const char *s)
{
    if (!s || strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i]))
            return false;
    }
    return true;
}

bool dsiprouter_valid_extension(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
            return false;
    }
    return true;
}

void dsiprouter_domains_free(struct dsiprouter_domain *d, size_t n)
{
    for (size_t i = 0; d && i < n; i++) {
        free(d[i].uuid);
        free(d[i].name);
    }
    free(d);
}

struct dsiprouter_domain *dsiprouter_decode_domains(const char *body, size_t len,
                                                    long long config_id, size_t *n, char **err)
{
    const cJSON *data, *outer = NULL, *inner = NULL, *row;
    *n = 0;
    *err = NULL;
    cJSON *root = parse_list(body, len, &data, err);
    if (!root)
        return NULL;
    struct dsiprouter_domain *d = NULL;
    size_t cap = 0;
    while ((row = next_row(data, &outer, &inner))) {
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(row, "domain_uuid");
        if (!cJSON_IsString(u))
            u = cJSON_GetObjectItemCaseSensitive(row, "domain_id");
        if (!cJSON_IsString(u) || !dsiprouter_valid_uuid(u->valuestring))
            continue;
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(row, "name");
        d = xgrow(d, &cap, *n + 1, sizeof *d);
        d[*n].config_id = config_id;
        d[*n].uuid = xstrdup(u->valuestring);
        d[*n].name = cJSON_IsString(name) ? xstrdup(name->valuestring) : NULL;
        (*n)++;
    }
    cJSON_Delete(root);
    return d;
}

char *dsiprouter_ext_id(long long config_id, const char *domain_uuid, const char *extension)
{
    return xasprintf("%lld/%s/%s", config_id, domain_uuid, extension);
}

bool dsiprouter_parse_ext_id(const char *id, long long *config_id, char **domain_uuid,
                             char **extension)
{
    const char *s1 = strchr(id, '/');
    if (!s1 || s1 == id || s1 - id > 18 || strspn(id, "0123456789") != (size_t)(s1 - id))
        return false;
    const char *s2 = strchr(s1 + 1, '/');
    if (!s2 || s2 - s1 - 1 != 36)
        return false;
    char uuid[37];
    memcpy(uuid, s1 + 1, 36);
    uuid[36] = '\0';
    errno = 0;
    long long cid = strtoll(id, NULL, 10);
    if (errno || cid <= 0 || !dsiprouter_valid_uuid(uuid) || !dsiprouter_valid_extension(s2 + 1))
        return false;
    *config_id = cid;
    *domain_uuid = xstrdup(uuid);
    *extension = xstrdup(s2 + 1);
    return true;
}

enum ext_key {
    K_ACCOUNT_CODE,
    K_CALL_TIMEOUT,
    K_DOMAIN_UUID,
    K_ENABLED,
    K_EXTENSION,
    K_EXTENSIONS_ID,
    K_CALLER_NAME,
    K_CALLER_NUMBER,
    K_USER_CONTEXT,
    K_COUNT,
};

/* Sorted, for bj_pick(). */
static const char *const ext_keys[K_COUNT] = {
    "account_code", "call_timeout",  "domain_uuid",          "enabled",
    "extension",    "extensions_id", "outbound_caller_name", "outbound_caller_number",
    "user_context",
};

/* The extension number of a row as text (numbers as canonical digits), or NULL. */
static const char *row_number(const cJSON *it, char *buf, size_t bufsz)
{
    const char *t = cJSON_IsString(it) || cJSON_IsNumber(it) ? bj_text(it, buf, bufsz) : NULL;
    return t && dsiprouter_valid_extension(t) ? t : NULL;
}

static void add_extension(struct snapshot *s, const cJSON *row, long long config_id,
                          const char *fallback_domain, bool keep_raw)
{
    const cJSON *f[K_COUNT];
    bj_pick(row, ext_keys, K_COUNT, f);
    char num[64];
    const char *number = row_number(f[K_EXTENSION], num, sizeof num);
    const char *dom =
        cJSON_IsString(f[K_DOMAIN_UUID]) && dsiprouter_valid_uuid(f[K_DOMAIN_UUID]->valuestring)
            ? f[K_DOMAIN_UUID]->valuestring
            : fallback_domain;
    /* Without its number and domain a row could not be changed or deleted again. */
    if (!number || !dom || !dsiprouter_valid_uuid(dom))
        return;
    char *id = dsiprouter_ext_id(config_id, dom, number);
    size_t i = snap_add(s, id);
    free(id);
    snap_set(s, i, EXT_EXTENSION, number);
    bj_set_text(s, i, EXT_NAME, f[K_CALLER_NAME]);
    bj_set_bool(s, i, EXT_ENABLED, f[K_ENABLED]);
    bj_set_text(s, i, EXT_CALLERID, f[K_CALLER_NUMBER]);
    bj_set_text(s, i, EXT_CONTEXT, f[K_USER_CONTEXT]);
    if (keep_raw)
        bj_set_raw(s, i, row);
}

int dsiprouter_add_extensions(struct snapshot *s, const char *body, size_t len, long long config_id,
                              const char *fallback_domain, bool keep_raw, char **err)
{
    const cJSON *data, *outer = NULL, *inner = NULL, *row;
    *err = NULL;
    cJSON *root = parse_list(body, len, &data, err);
    if (!root)
        return -1;
    while ((row = next_row(data, &outer, &inner)))
        add_extension(s, row, config_id, fallback_domain, keep_raw);
    cJSON_Delete(root);
    return 0;
}

struct snapshot *dsiprouter_decode_extensions(const char *body, size_t len, long long config_id,
                                              bool keep_raw, char **err)
{
    struct snapshot *s = snap_new(KIND_EXTENSIONS);
    if (dsiprouter_add_extensions(s, body, len, config_id, NULL, keep_raw, err) != 0) {
        snap_free(s);
        return NULL;
    }
    snap_finish(s);
    return s;
}

/* ---------------------------------------------------------- error answers */

bool dsiprouter_is_html(const char *content_type, const char *body, size_t len)
{
    if (content_type && strncasecmp(content_type, "text/html", 9) == 0)
        return true;
    size_t i = 0;
    while (i < len && strchr(" \t\r\n", body[i]))
        i++;
    return i < len && body[i] == '<';
}

/* The server's own msg text of an error envelope (owned), or NULL. */
char *dsiprouter_envelope_msg(const char *body, size_t len, char **kind)
{
    cJSON *root = cJSON_ParseWithLength(body, len);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "msg");
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
    char *msg = cJSON_IsObject(root) && cJSON_IsString(m) ? xstrdup(m->valuestring) : NULL;
    if (kind)
        *kind = msg && cJSON_IsString(e) ? xstrdup(e->valuestring) : NULL;
    cJSON_Delete(root);
    return msg;
}

bool dsiprouter_license_gated(const char *body, size_t len)
{
    char *msg = dsiprouter_envelope_msg(body, len, NULL);
    bool gated = msg && strstr(msg, "Core Subscription Required");
    free(msg);
    return gated;
}

char *dsiprouter_keyerror_field(const char *body, size_t len)
{
    char *msg = dsiprouter_envelope_msg(body, len, NULL);
    size_t n = msg ? strlen(msg) : 0;
    char *field = NULL;
    /* Python's str(KeyError('x')) is the key in quotes, and nothing else. */
    if (n > 2 && msg[0] == '\'' && msg[n - 1] == '\'' &&
        strspn(msg + 1, "abcdefghijklmnopqrstuvwxyz_0123456789") == n - 2)
        field = xstrndup(msg + 1, n - 2);
    free(msg);
    return field;
}

char *dsiprouter_auth_message(const char *content_type, const char *body, size_t len)
{
    if (dsiprouter_license_gated(body, len))
        return xasprintf("token refused by the license gate (HTTP 401): %s", LICENSE_HINT);
    if (dsiprouter_is_html(content_type, body, len))
        return xstrdup("the server answered with its HTML login page (HTTP 401): it did not "
                       "take the request as an API call");
    return xstrdup("API token refused (HTTP 401 Unauthorized): check the token in the keyring "
                   "(the server's is set with: dsiprouter setcredentials -ac TOKEN)");
}

char *dsiprouter_error_message(long status, const char *content_type, const char *body, size_t len,
                               bool mediaserver_route)
{
    if (status == 401)
        return dsiprouter_auth_message(content_type, body, len);
    char *kind = NULL;
    char *msg = dsiprouter_envelope_msg(body, len, &kind);
    char *out;
    char *field = msg ? dsiprouter_keyerror_field(body, len) : NULL;
    if (field)
        out =
            xasprintf("the server wanted field '%s' and failed (HTTP %ld KeyError)", field, status);
    else if (msg)
        out = xasprintf("dSIPRouter %s error (HTTP %ld): %s", kind && *kind ? kind : "server",
                        status, msg[0] ? msg : "(no message)");
    else if (status == 404 && mediaserver_route && dsiprouter_is_html(content_type, body, len))
        out = xstrdup(NO_MEDIASERVER);
    else if (status == 404 && dsiprouter_is_html(content_type, body, len))
        out = xstrdup("HTTP 404 page: no dSIPRouter API at this url (check url and port, "
                      "usually 5000)");
    else if (status == 502 || status == 504)
        out = xasprintf("HTTP %ld from the web server in front of dSIPRouter: its API "
                        "process is not answering",
                        status);
    else
        out = xasprintf("HTTP %ld without dSIPRouter's envelope", status);
    free(field);
    free(kind);
    free(msg);
    return out;
}

/* --------------------------------------------------------- write bodies */

void dsiprouter_ext_init(struct dsiprouter_ext *e)
{
    memset(e, 0, sizeof *e);
    e->domain_id = xstrdup("");
    e->extension = xstrdup("");
    e->password = xstrdup("");
    e->account_code = xstrdup("");
    e->caller_number = xstrdup("");
    e->caller_name = xstrdup("");
    e->vm_notify_email = xstrdup("");
    e->enabled = true;
    e->vm_enabled = true;
    e->vm_password = -1;
    e->call_timeout = DEFAULT_TIMEOUT_S;
}

void dsiprouter_wipe_free(char *s)
{
    if (s)
        memset(s, 0, strlen(s));
    free(s);
}

void dsiprouter_ext_done(struct dsiprouter_ext *e)
{
    free(e->domain_id);
    free(e->extension);
    dsiprouter_wipe_free(e->password);
    free(e->account_code);
    free(e->caller_number);
    free(e->caller_name);
    free(e->vm_notify_email);
    e->vm_password = -1;
    memset(e, 0, sizeof *e);
}

static bool text_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"true", "yes", "1", "on"};
    static const char *const no[] = {"false", "no", "0", "off"};
    for (size_t i = 0; v && i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
            *out = strcasecmp(v, yes[i]) == 0;
            return true;
        }
    }
    return false;
}

static bool text_ll(const char *v, long long *out)
{
    char *end;
    if (!v || !*v)
        return false;
    errno = 0;
    *out = strtoll(v, &end, 10);
    return !errno && !*end;
}

void dsiprouter_set_str(char **slot, const char *v)
{
    dsiprouter_wipe_free(*slot);
    *slot = xstrdup(v ? v : "");
}

/* A JSON number must stay exact through a double: no more than 15 digits. */
#define MAX_EXACT 999999999999999LL

char *dsiprouter_ext_set(struct dsiprouter_ext *e, const char *field, const char *v)
{
    struct {
        const char *name;
        char **slot;
    } strs[] = {
        {"extension", &e->extension},       {"password", &e->password},
        {"name", &e->caller_name},          {"callerid", &e->caller_number},
        {"account_code", &e->account_code}, {"vm_notify_email", &e->vm_notify_email},
        {"domain_id", &e->domain_id},
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        if (strcmp(field, strs[i].name) == 0) {
            dsiprouter_set_str(strs[i].slot, v);
            return NULL;
        }
    }
    bool *b = strcmp(field, "enabled") == 0     ? &e->enabled
              : strcmp(field, "voicemail") == 0 ? &e->vm_enabled
                                                : NULL;
    if (b)
        return text_bool(v, b) ? NULL : xasprintf("%s: expected true or false", field);
    long long *n = strcmp(field, "call_timeout") == 0  ? &e->call_timeout
                   : strcmp(field, "vm_password") == 0 ? &e->vm_password
                   : strcmp(field, "config_id") == 0   ? &e->config_id
                                                       : NULL;
    long long x;
    if (!n)
        return xasprintf("%s: not a field of dSIPRouter extensions", field);
    if (!text_ll(v, &x) || x < 0 || x > MAX_EXACT)
        return xasprintf("%s: the server needs a whole number here", field);
    *n = x;
    return NULL;
}

/* The string member, or "" for null and anything else: the PUT checks exact types. */
static void load_str(char **slot, const cJSON *it)
{
    char buf[64];
    const char *t = cJSON_IsString(it) || cJSON_IsNumber(it) ? bj_text(it, buf, sizeof buf) : "";
    dsiprouter_set_str(slot, t);
}

int dsiprouter_ext_load(struct dsiprouter_ext *e, const char *body, size_t len, const char *number,
                        char **err)
{
    const cJSON *data, *outer = NULL, *inner = NULL, *row;
    *err = NULL;
    cJSON *root = parse_list(body, len, &data, err);
    if (!root)
        return -1;
    int found = 0;
    while (!found && (row = next_row(data, &outer, &inner))) {
        const cJSON *f[K_COUNT];
        char num[64];
        bj_pick(row, ext_keys, K_COUNT, f);
        const char *t = row_number(f[K_EXTENSION], num, sizeof num);
        if (!t || strcmp(t, number) != 0)
            continue;
        found = 1;
        dsiprouter_set_str(&e->extension, t);
        load_str(&e->account_code, f[K_ACCOUNT_CODE]);
        load_str(&e->caller_name, f[K_CALLER_NAME]);
        load_str(&e->caller_number, f[K_CALLER_NUMBER]);
        bool on;
        e->enabled = bj_bool(f[K_ENABLED], &on) ? on : true;
        long long secs;
        e->call_timeout = bj_int(f[K_CALL_TIMEOUT], &secs) && secs >= 0 && secs <= MAX_EXACT
                              ? secs
                              : DEFAULT_TIMEOUT_S;
    }
    cJSON_Delete(root);
    return found;
}

char *dsiprouter_build_extension_body(const struct dsiprouter_ext *e, enum change_op op)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "config_id", (double)e->config_id);
    cJSON_AddStringToObject(o, "domain_id", e->domain_id);
    cJSON_AddStringToObject(o, "extension", e->extension);
    if (op != OP_DELETE) {
        cJSON_AddStringToObject(o, "password", e->password);
        cJSON_AddBoolToObject(o, "enabled", e->enabled);
        cJSON_AddStringToObject(o, "account_code", e->account_code);
        cJSON_AddStringToObject(o, "outbound_caller_number", e->caller_number);
        cJSON_AddStringToObject(o, "outbound_caller_name", e->caller_name);
        cJSON_AddNumberToObject(o, "call_timeout", (double)e->call_timeout);
    }
    if (op == OP_CREATE) {
        cJSON_AddBoolToObject(o, "vm_enabled", e->vm_enabled);
        cJSON_AddNumberToObject(o, "vm_password", (double)e->vm_password);
        cJSON_AddStringToObject(o, "vm_notify_email", e->vm_notify_email);
    }
    char *text = cJSON_PrintUnformatted(o);
    if (!text)
        die("out of memory");
    char *out = xstrdup(text);
    /* The body holds the password: wipe cJSON's copies before they are freed. */
    memset(text, 0, strlen(text));
    cJSON_free(text);
    const cJSON *pw = cJSON_GetObjectItemCaseSensitive(o, "password");
    if (cJSON_IsString(pw))
        memset(pw->valuestring, 0, strlen(pw->valuestring));
    cJSON_Delete(o);
    return out;
}

static const char *done_word(enum change_op op)
{
    return op == OP_CREATE ? "created" : op == OP_UPDATE ? "updated" : "deleted (or already gone)";
}

enum act_outcome dsiprouter_map_write_answer(enum change_op op, long status,
                                             const char *content_type, const char *body, size_t len,
                                             char **msg)
{
    if (status == 200) {
        char *err = NULL;
        cJSON *root = bj_parse(body, len, &err);
        bool ok = root && envelope_data(root, &err) != NULL;
        cJSON_Delete(root);
        if (ok) {
            *msg = xstrdup(done_word(op));
            return ACT_OK;
        }
        *msg = xasprintf("HTTP 200, but %s", err);
        free(err);
        return ACT_FAILED;
    }
    char *text = dsiprouter_error_message(status, content_type, body, len, true);
    if (status == 401) {
        *msg = text;
        return ACT_AUTH;
    }
    *msg = status == 400 ? xasprintf("refused: %s", text) : xstrdup(text);
    free(text);
    return ACT_FAILED;
}

/* ------------------------------------------------------------------ schema */

#define UUID_RE "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

/* From §2.4: POST reads all 12 keys (a missing one is a 500 KeyError), PUT the 9 without
 * vm_*, and the type checks are exact (vm_password an int, so no leading zero survives). */
static const struct field_schema ext_fields[] = {
    {"extension", "Extension", FT_STR, NULL, "[0-9]{1,32}", 0, 0, NULL,
     FS_REQUIRED | FS_CREATE_ONLY},
    {"context", "Domain name", FT_STR, NULL, NULL, 1, 253, NULL, FS_CREATE_ONLY},
    {"config_id", "Endpoint group id", FT_INT, NULL, NULL, 1, MAX_EXACT, NULL, FS_CREATE_ONLY},
    {"domain_id", "Domain uuid", FT_STR, NULL, UUID_RE, 0, 0, NULL, FS_CREATE_ONLY},
    {"password", "SIP password", FT_STR, NULL, NULL, 1, 255, NULL, FS_REQUIRED | FS_SECRET},
    {"enabled", "Enabled", FT_BOOL, NULL, NULL, 0, 0, "true", 0},
    {"name", "Outbound caller name", FT_STR, NULL, NULL, 0, 0, "", 0},
    {"callerid", "Outbound caller number", FT_STR, NULL, NULL, 0, 0, "", 0},
    {"account_code", "Account code", FT_STR, NULL, NULL, 0, 0, "", 0},
    {"call_timeout", "Call timeout (s)", FT_INT, NULL, NULL, 0, MAX_EXACT, "30", 0},
    {"voicemail", "Voicemail", FT_BOOL, NULL, NULL, 0, 0, "true", FS_CREATE_ONLY},
    {"vm_password", "Voicemail PIN (no leading 0)", FT_INT, NULL, "[1-9][0-9]{0,14}", 0, 0, NULL,
     FS_REQUIRED | FS_CREATE_ONLY | FS_SECRET},
    {"vm_notify_email", "Voicemail e-mail", FT_STR, NULL, NULL, 0, 0, "", FS_CREATE_ONLY},
};

const struct record_schema dsiprouter_ext_schema = {
    .fields = ext_fields,
    .nfields = (int)(sizeof ext_fields / sizeof ext_fields[0]),
    .ops = OP_CREATE | OP_UPDATE | OP_DELETE,
};
