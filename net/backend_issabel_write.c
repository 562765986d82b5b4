/* The Issabel adapter's writes. See contracts/jade-sark-issabel.md §4.4, §4.5 and §4.8:
 * creates (POST) and updates (PUT, an upsert, so an extension's existence is checked first) of
 * extensions and ring groups with JSON bodies whose "reload":0 holds back Issabel's slow apply
 * until a batch ends; comma-list bulk deletes that stop at the first missing id; and commit(),
 * which applies what writes with "reload":0 saved and no later write applied. Also the schemas
 * of the editable kinds but queue members, whose writes (live AMI state, never applied) are in
 * backend_issabel_members.c and only routed here.
 *
 * Split from backend_issabel.c (tokens, decoders, calls, login, polls, hangup and the adapter
 * definition) to keep each file a readable size. Every call goes through issabel_call(), so
 * writes get the same token refresh fallback as polls; what the two files share is declared at
 * the end of backend_issabel.h. */
#define _POSIX_C_SOURCE 200809L
#include "net/backend_issabel.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/adapter.h"
#include "net/schema.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

/* ---------------------------------------------------------------- small helpers */

/* The collection of an editable kind, as it appears in URL paths. */
static const char *kind_path(enum kind kind)
{
    return kind == KIND_RINGGROUPS ? "ringgroups" : "extensions";
}

/* ---------------------------------------------------------------- answers of writes */

char *issabel_location_id(const char *location)
{
    if (!location)
        return NULL;
    /* The last segment, even when Issabel pasted a query string before it. */
    const char *slash = strrchr(location, '/');
    const char *seg = slash ? slash + 1 : location;
    char *id = xstrndup(seg, strcspn(seg, "?#\r\n "));
    if (issabel_valid_number(id))
        return id;
    free(id);
    return NULL;
}

void issabel_bulk_fates(const bool *exists, size_t n, enum issabel_fate *fate)
{
    size_t p = 0; /* the first id still there: the one after the stop */
    while (p < n && !exists[p])
        p++;
    for (size_t i = 0; i < n; i++) {
        if (p == 0)
            fate[i] = ISSABEL_UNKNOWN;
        else if (i + 1 < p)
            fate[i] = ISSABEL_DELETED;
        else if (i + 1 == p)
            fate[i] = ISSABEL_MISSING;
        else
            fate[i] = ISSABEL_RETRY;
    }
}

/* ---------------------------------------------------------------- request bodies */

/* Schema name -> Issabel's name, dotted where it lives in a nested group. */
static const char *wire_name(enum kind kind, const char *field)
{
    if (kind == KIND_EXTENSIONS && strcmp(field, "voicemail") == 0)
        return "voicemail.enabled";
    if (kind == KIND_EXTENSIONS && strcmp(field, "callerid") == 0)
        return "callerid_override.outbound";
    if (kind == KIND_RINGGROUPS && strcmp(field, "members") == 0)
        return "extension_list";
    return field;
}

static bool truthy(const char *v)
{
    static const char *const yes[] = {"true", "yes", "1", "on"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return true;
    }
    return false;
}

/* Items separated by \x1f (the model's separator), commas, semicolons, blanks or the '-' that
 * Issabel itself joins them with (so no item can hold one). */
static cJSON *list_value(const char *v)
{
    static const char seps[] = "\x1f,; \t\r\n-";
    cJSON *arr = cJSON_CreateArray();
    for (const char *p = v; p && *p;) {
        p += strspn(p, seps);
        size_t n = strcspn(p, seps);
        if (n) {
            char *item = xstrndup(p, n);
            cJSON_AddItemToArray(arr, cJSON_CreateString(item));
            free(item);
        }
        p += n;
    }
    return arr;
}

static cJSON *wire_value(const struct field_schema *f, const char *v)
{
    enum ftype t = f ? f->type : FT_STR;
    if (t == FT_LIST)
        return list_value(v);
    if (t == FT_BOOL)
        return cJSON_CreateString(v && truthy(v) ? "yes" : "no");
    return cJSON_CreateString(v ? v : "");
}

/* Set root[a][b]... = val for the dotted name "a.b...", creating groups on the way. */
static void put_path(cJSON *root, const char *name, cJSON *val)
{
    cJSON *obj = root;
    const char *p = name;
    for (const char *dot; (dot = strchr(p, '.'));) {
        char *key = xstrndup(p, (size_t)(dot - p));
        cJSON *next = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (!cJSON_IsObject(next)) {
            next = cJSON_CreateObject();
            if (cJSON_GetObjectItemCaseSensitive(obj, key))
                cJSON_ReplaceItemInObjectCaseSensitive(obj, key, next);
            else
                cJSON_AddItemToObject(obj, key, next);
        }
        free(key);
        obj = next;
        p = dot + 1;
    }
    if (cJSON_GetObjectItemCaseSensitive(obj, p))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, p, val);
    else
        cJSON_AddItemToObject(obj, p, val);
}

extern const struct adapter issabel_adapter;

char *issabel_build_body(const struct change *c, bool reload_now)
{
    const struct record_schema *rs = issabel_adapter.schema[c->kind];
    cJSON *root = cJSON_CreateObject();
    for (int i = 0; i < c->nvalues; i++) {
        const struct field_schema *f = schema_field(rs, c->names[i]);
        put_path(root, wire_name(c->kind, c->names[i]), wire_value(f, c->values[i]));
    }
    /* Issabel applies its configuration (seconds of work) after every write unless the body says
     * reload 0; the query string is never read. */
    if (!reload_now)
        cJSON_AddNumberToObject(root, "reload", 0);
    char *txt = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!txt)
        die("out of memory");
    char *out = xstrdup(txt);
    cJSON_free(txt);
    return out;
}

/* ---------------------------------------------------------------- adapter: writes */

/* Book a write that succeeded: what it saved, what its apply covered, and which record a later
 * commit() may re-save to apply. */
static void note_write(struct issabel *st, bool applied, unsigned long cover, enum kind kind,
                       const char *id, enum change_op op)
{
    if (applied && cover > st->napplied)
        st->napplied = cover;
    else if (!applied)
        st->nsaved++;
    bool is_target = st->target_id && st->target_kind == kind && id && !strcmp(st->target_id, id);
    if (op != OP_DELETE && id && *id) {
        free(st->target_id);
        st->target_id = xstrdup(id);
        st->target_kind = kind;
    } else if (op == OP_DELETE && is_target) {
        free(st->target_id);
        st->target_id = NULL;
    }
}

static bool reply_unusable(struct be_act *act, const struct be_reply *rep)
{
    if (rep->kind == REPLY_NET)
        be_act_done(act, ACT_UNREACHABLE, rep->msg);
    else if (rep->kind == REPLY_AUTH)
        be_act_done(act, ACT_AUTH, rep->msg);
    return rep->kind != REPLY_HTTP;
}

struct write {
    struct be_act *act;
    enum kind kind;
    enum change_op op;
    char *id; /* UPDATE: the record; CREATE: the number asked for, if any */
    char *body;
    bool applies; /* the body has no "reload":0 */
    unsigned long cover;
};

static void write_free(void *ud)
{
    struct write *w = ud;
    free(w->id);
    issabel_wipe_free(w->body);
    free(w);
}

static void on_write(struct backend *be, void *ud, const struct be_reply *rep)
{
    struct write *w = ud;
    char *msg = NULL, *id = NULL;
    if (reply_unusable(w->act, rep)) {
        write_free(w);
        return;
    }
    const struct http_result *res = rep->res;
    enum act_outcome o =
        issabel_map_write_answer(w->op, w->kind, res->status, res->body, res->body_len, &msg);
    if (o == ACT_OK && w->op == OP_CREATE) {
        id = issabel_location_id(res->location);
        if (!id && w->id)
            id = xstrdup(w->id);
        be_act_set_id(w->act, id ? id : "");
    } else if (o == ACT_OK && res->status == 201) {
        free(msg); /* the PUT upsert created it: it was deleted after our check */
        msg = xstrdup("did not exist any more, and Issabel created it anew");
    }
    if (o == ACT_OK)
        note_write(be_adapter_state(be), w->applies, w->cover, w->kind, id ? id : w->id, w->op);
    be_act_done(w->act, o, msg);
    free(msg);
    free(id);
    write_free(w);
}

static void write_send(struct backend *be, struct write *w)
{
    struct issabel *st = be_adapter_state(be);
    char *path = w->op == OP_CREATE ? xasprintf("/%s", kind_path(w->kind))
                                    : xasprintf("/%s/%s", kind_path(w->kind), w->id);
    w->cover = st->nsaved;
    issabel_call(be, w->op == OP_CREATE ? "POST" : "PUT", path, w->body, on_write, w, write_free);
    free(path);
}

/* Before an extension PUT (an upsert): Issabel answers an unknown extension's detail with empty
 * results, and a PUT would create it. */
static void on_exists(struct backend *be, void *ud, const struct be_reply *rep)
{
    struct write *w = ud;
    char *err = NULL, *msg;
    if (reply_unusable(w->act, rep)) {
        write_free(w);
        return;
    }
    const struct http_result *res = rep->res;
    int found = res->status == 200 ? issabel_decode_exists(res->body, res->body_len, &err) : -1;
    if (found == 1) {
        write_send(be, w);
        return;
    }
    char *text = err ? NULL : issabel_error_text(res->body, res->body_len);
    if (found == 0)
        msg = xasprintf("no extension %s on Issabel (an update would have created it)", w->id);
    else
        msg = xasprintf("could not look up extension %s: %s%s(HTTP %ld)", w->id,
                        err    ? err
                        : text ? text
                               : "",
                        err || text ? " " : "", res->status);
    free(text);
    be_act_done(w->act, ACT_FAILED, msg);
    free(msg);
    free(err);
    write_free(w);
}

/* ------------------------------------------------ bulk deletes */

struct bulk {
    enum kind kind;
    struct be_act **acts; /* the ids of this round */
    size_t n;
    char *body;   /* ring groups need a JSON body; NULL for extensions */
    bool applies; /* Issabel applies after this delete (no "reload":0) */
    unsigned long cover;
    long status; /* of the DELETE, while the list is fetched to read it */
    char *text;  /* the server's words in that answer */
};

static void bulk_free(void *ud)
{
    struct bulk *b = ud;
    free(b->acts);
    free(b->body);
    free(b->text);
    free(b);
}

static void bulk_all(struct bulk *b, enum act_outcome o, const char *msg)
{
    for (size_t i = 0; i < b->n; i++)
        be_act_done(b->acts[i], o, msg);
}

static void on_bulk(struct backend *be, void *ud, const struct be_reply *rep);

static void bulk_send(struct backend *be, struct bulk *b)
{
    struct strbuf sb;
    strbuf_init(&sb, (size_t)-1 / 2);
    (void)strbuf_addf(&sb, "/%s/", kind_path(b->kind));
    for (size_t i = 0; i < b->n; i++)
        (void)strbuf_addf(&sb, "%s%s", i ? "," : "", be_act_id(b->acts[i]));
    b->cover = ((struct issabel *)be_adapter_state(be))->nsaved;
    issabel_call(be, "DELETE", strbuf_cstr(&sb), b->body, on_bulk, b, bulk_free);
    strbuf_done(&sb);
}

/* Ids that may have gone: each is booked as saved or applied, and the commit target dropped. */
static void bulk_note(struct backend *be, struct bulk *b, size_t i, bool applied)
{
    note_write(be_adapter_state(be), applied, b->cover, b->kind, be_act_id(b->acts[i]), OP_DELETE);
}

/* After a 404: who was deleted, who was already gone, and who comes again in a new round. */
static void bulk_after_stop(struct backend *be, struct bulk *b, const bool *exists)
{
    enum issabel_fate *fate = xcalloc(b->n, sizeof *fate);
    issabel_bulk_fates(exists, b->n, fate);
    size_t again = 0;
    for (size_t i = 0; i < b->n; i++) {
        struct be_act *a = b->acts[i];
        if (fate[i] == ISSABEL_DELETED) {
            bulk_note(be, b, i, false); /* a stopped delete applies nothing */
            be_act_done(a, ACT_OK, "deleted");
        } else if (fate[i] == ISSABEL_MISSING) {
            be_act_done(a, ACT_GONE, "already gone (the bulk delete stopped here)");
        } else if (fate[i] == ISSABEL_RETRY) {
            b->acts[again++] = a;
        } else {
            be_act_done(a, ACT_FAILED, "Issabel answered 404 but deleted nothing; not deleted");
        }
    }
    free(fate);
    b->n = again;
    if (again) {
        bulk_send(be, b); /* the ones after the stop were not attempted */
        return;
    }
    bulk_free(b);
}

/* After a 500 (Issabel on PHP 8 fails after deleting): what is gone was deleted. */
static void bulk_after_error(struct backend *be, struct bulk *b, const bool *exists)
{
    char *msg = b->text ? xasprintf("%s (HTTP %ld)", b->text, b->status)
                        : xasprintf("Issabel failed the delete (HTTP %ld)", b->status);
    for (size_t i = 0; i < b->n; i++) {
        if (exists[i]) {
            be_act_done(b->acts[i], ACT_FAILED, msg);
        } else {
            bulk_note(be, b, i, false);
            be_act_done(b->acts[i], ACT_OK, "deleted (though Issabel answered with an error)");
        }
    }
    free(msg);
    bulk_free(b);
}

static void on_bulk_list(struct backend *be, void *ud, const struct be_reply *rep)
{
    struct bulk *b = ud;
    char *err = NULL;
    struct snapshot *s = NULL;
    if (rep->kind == REPLY_HTTP && rep->res->status == 200)
        s = b->kind == KIND_RINGGROUPS
                ? issabel_decode_ringgroups(rep->res->body, rep->res->body_len, false, &err)
                : issabel_decode_extensions(rep->res->body, rep->res->body_len, false, &err);
    if (!s) {
        char *msg = xasprintf("Issabel stopped the delete (HTTP %ld: %s) and the list that would "
                              "tell which ids went could not be read; check them",
                              b->status, b->text ? b->text : "no details");
        bulk_all(b, ACT_FAILED, msg);
        free(msg);
        free(err);
        bulk_free(b);
        return;
    }
    bool *exists = xcalloc(b->n, sizeof *exists);
    for (size_t i = 0; i < b->n; i++)
        exists[i] = snap_find(s, be_act_id(b->acts[i])) >= 0;
    snap_free(s);
    if (b->status == 404)
        bulk_after_stop(be, b, exists);
    else
        bulk_after_error(be, b, exists);
    free(exists);
}

static void on_bulk(struct backend *be, void *ud, const struct be_reply *rep)
{
    struct bulk *b = ud;
    char *msg = NULL;
    if (rep->kind != REPLY_HTTP) {
        bulk_all(b, rep->kind == REPLY_NET ? ACT_UNREACHABLE : ACT_AUTH, rep->msg);
        bulk_free(b);
        return;
    }
    const struct http_result *res = rep->res;
    enum act_outcome o =
        issabel_map_write_answer(OP_DELETE, b->kind, res->status, res->body, res->body_len, &msg);
    if (o == ACT_OK) {
        for (size_t i = 0; i < b->n; i++)
            bulk_note(be, b, i, b->applies);
    }
    if (o == ACT_OK || (o == ACT_GONE && b->n == 1) || (res->status != 404 && res->status < 500)) {
        bulk_all(b, o, msg);
        free(msg);
        bulk_free(b);
        return;
    }
    /* A stop at a missing id, or an error after deleting: the list tells what went. */
    free(msg);
    b->status = res->status;
    b->text = issabel_error_text(res->body, res->body_len);
    issabel_call(be, "GET", b->kind == KIND_RINGGROUPS ? "/ringgroups" : "/extensions", NULL,
                 on_bulk_list, b, bulk_free);
}

/* Delete acts[0..n) (already-validated numbers) in one comma-list request. */
static void bulk_start(struct backend *be, enum kind kind, struct be_act **acts, size_t n,
                       bool reload_now)
{
    struct bulk *b = xcalloc(1, sizeof *b);
    b->kind = kind;
    b->acts = xcalloc(n, sizeof *b->acts);
    memcpy(b->acts, acts, n * sizeof *acts);
    b->n = n;
    /* A ring group DELETE without a JSON body fails to decode (PHP >= 7); an extension DELETE
     * always applies and reads no body. */
    if (kind == KIND_RINGGROUPS)
        b->body = xstrdup(reload_now ? "{}" : "{\"reload\":0}");
    b->applies = kind == KIND_EXTENSIONS || reload_now;
    bulk_send(be, b);
}

void issabel_delete_many(struct backend *be, enum kind kind, struct be_act **acts, size_t n)
{
    if (kind == KIND_QUEUEMEMBERS) {
        /* queueremove takes one member: no comma list, and nothing to apply afterwards. */
        for (size_t i = 0; i < n; i++) {
            struct change c = {.op = OP_DELETE, .kind = kind, .id = be_act_id(acts[i])};
            issabel_member_apply(be, &c, acts[i]);
        }
        return;
    }
    struct be_act **ok = xcalloc(n, sizeof *ok);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (issabel_valid_number(be_act_id(acts[i])))
            ok[k++] = acts[i];
        else
            be_act_done(acts[i], ACT_REFUSED, "not a valid number (digits only)");
    }
    /* delete_many() does not say whether the batch ends here: apply, to be safe. */
    if (k)
        bulk_start(be, kind, ok, k, true);
    free(ok);
}

void issabel_apply(struct backend *be, const struct change *c, struct be_act *act)
{
    if (c->kind == KIND_QUEUEMEMBERS) {
        issabel_member_apply(be, c, act); /* live AMI state: no "reload", no commit target */
        return;
    }
    if (c->kind != KIND_EXTENSIONS && c->kind != KIND_RINGGROUPS) {
        be_act_done(act, ACT_REFUSED, "Issabel records of this kind cannot be changed here");
        return;
    }
    if (c->op != OP_CREATE && !issabel_valid_number(c->id)) {
        be_act_done(act, ACT_REFUSED, "not a valid number (digits only)");
        return;
    }
    if (c->op == OP_DELETE) {
        bulk_start(be, c->kind, &act, 1, c->last);
        return;
    }
    struct write *w = xcalloc(1, sizeof *w);
    w->act = act;
    w->kind = c->kind;
    w->op = c->op;
    w->body = issabel_build_body(c, c->last);
    w->applies = c->last;
    for (int i = 0; c->op == OP_CREATE && i < c->nvalues; i++) {
        if (strcmp(c->names[i], "extension") == 0 && c->values[i])
            w->id = xstrdup(c->values[i]);
    }
    if (c->op == OP_UPDATE)
        w->id = xstrdup(c->id);
    if (c->op == OP_UPDATE && c->kind == KIND_EXTENSIONS) {
        char *path = xasprintf("/extensions/%s", c->id);
        issabel_call(be, "GET", path, NULL, on_exists, w, write_free);
        free(path);
        return;
    }
    write_send(be, w);
}

/* ------------------------------------------------ commit */

struct commit {
    struct be_act *act;
    enum kind kind;
    char *id;
    unsigned long cover;
};

static void commit_free(void *ud)
{
    struct commit *k = ud;
    free(k->id);
    free(k);
}

static void on_commit(struct backend *be, void *ud, const struct be_reply *rep)
{
    struct commit *k = ud;
    struct issabel *st = be_adapter_state(be);
    if (reply_unusable(k->act, rep)) {
        commit_free(k);
        return;
    }
    long status = rep->res->status;
    if (status == 200 || status == 201) {
        if (k->cover > st->napplied)
            st->napplied = k->cover;
        be_act_done(k->act, ACT_OK, "changes applied");
    } else {
        char *text = issabel_error_text(rep->res->body, rep->res->body_len);
        char *msg = xasprintf("changes are saved but not applied: re-saving %s %s to apply them "
                              "failed (HTTP %ld%s%s); use Apply Config in Issabel's web interface",
                              k->kind == KIND_RINGGROUPS ? "ring group" : "extension", k->id,
                              status, text ? ": " : "", text ? text : "");
        be_act_done(k->act, ACT_FAILED, msg);
        free(msg);
        free(text);
    }
    commit_free(k);
}

static void commit_send(struct backend *be, struct commit *k)
{
    struct issabel *st = be_adapter_state(be);
    char *path = xasprintf("/%s/%s", kind_path(k->kind), k->id);
    k->cover = st->nsaved;
    /* An empty update: Issabel re-saves the record unchanged and then applies. */
    issabel_call(be, "PUT", path, "{}", on_commit, k, commit_free);
    free(path);
}

/* No record of ours to re-save (the batch only deleted): any extension does. */
static void on_commit_list(struct backend *be, void *ud, const struct be_reply *rep)
{
    struct commit *k = ud;
    char *err = NULL;
    struct snapshot *s = NULL;
    if (reply_unusable(k->act, rep)) {
        commit_free(k);
        return;
    }
    if (rep->res->status == 200)
        s = issabel_decode_extensions(rep->res->body, rep->res->body_len, false, &err);
    if (s && snap_count(s) > 0 && issabel_valid_number(snap_get(s, 0)->id)) {
        k->id = xstrdup(snap_get(s, 0)->id);
        snap_free(s);
        commit_send(be, k);
        free(err);
        return;
    }
    be_act_done(k->act, ACT_FAILED,
                "changes are saved but not applied; use Apply Config in Issabel's web interface");
    snap_free(s);
    free(err);
    commit_free(k);
}

/* Apply what writes with "reload":0 saved and no later apply covered (the batch's last write
 * failed, or finished before others): re-save one record without "reload":0. */
void issabel_commit(struct backend *be, struct be_act *act)
{
    struct issabel *st = be_adapter_state(be);
    if (st->nsaved <= st->napplied) {
        be_act_done(act, ACT_OK, "nothing left to apply");
        return;
    }
    struct commit *k = xcalloc(1, sizeof *k);
    k->act = act;
    k->kind = KIND_EXTENSIONS;
    if (st->target_id) {
        k->kind = st->target_kind;
        k->id = xstrdup(st->target_id);
        commit_send(be, k);
        return;
    }
    issabel_call(be, "GET", "/extensions", NULL, on_commit_list, k, commit_free);
}

/* ---------------------------------------------------------------- schemas */

static const char *const tech_choices[] = {"sip",    "pjsip",   "iax2", "dahdi",
                                           "custom", "virtual", NULL};
static const char *const rec_choices[] = {"dontcare", "always", "never", NULL};
static const char *const nat_choices[] = {"yes", "no", "never", "route", NULL};
static const char *const dtmf_choices[] = {"rfc2833", "inband", "auto", "info", "shortinfo", NULL};
static const char *const strategy_choices[] = {
    "ringall",        "ringall-prim",    "hunt", "hunt-prim", "memoryhunt", "memoryhunt-prim",
    "firstavailable", "firstnotonphone", NULL};
static const char *const cid_choices[] = {"default", "fixed", "extern", "did", "forcedid", NULL};
static const char *const moh_choices[] = {"Ring", "default", "none", NULL};

#define NUMBER "[0-9]{1,20}"
#define DIGITS "[0-9]*"

static const struct field_schema ext_fields[] = {
    {"extension", "Extension", FT_STR, NULL, NUMBER, 0, 0, NULL, FS_CREATE_ONLY},
    {"name", "Name", FT_STR, NULL, NULL, 0, 0, "Extension", 0},
    {"tech", "Technology", FT_STR, tech_choices, NULL, 0, 0, "sip", FS_CREATE_ONLY},
    {"secret", "Secret", FT_STR, NULL, NULL, 0, 0, NULL, FS_SECRET},
    {"context", "Context", FT_STR, NULL, NULL, 0, 0, "from-internal", 0},
    {"voicemail", "Voicemail", FT_BOOL, NULL, NULL, 0, 0, NULL, 0},
    {"callerid", "Outbound CID", FT_STR, NULL, DIGITS, 0, 0, NULL, 0},
    {"callerid_override.emergency", "Emergency CID", FT_STR, NULL, DIGITS, 0, 0, NULL, 0},
    {"callerid_override.internal", "Internal CID", FT_STR, NULL, DIGITS, 0, 0, NULL, 0},
    {"recording.inbound_external", "Record in ext", FT_STR, rec_choices, NULL, 0, 0, NULL, 0},
    {"recording.inbound_internal", "Record in int", FT_STR, rec_choices, NULL, 0, 0, NULL, 0},
    {"recording.outbound_external", "Record out ext", FT_STR, rec_choices, NULL, 0, 0, NULL, 0},
    {"recording.outbound_internal", "Record out int", FT_STR, rec_choices, NULL, 0, 0, NULL, 0},
    {"device_options.nat", "NAT", FT_STR, nat_choices, NULL, 0, 0, NULL, 0},
    {"device_options.dtmf_mode", "DTMF mode", FT_STR, dtmf_choices, NULL, 0, 0, NULL, 0},
};

static const struct field_schema rg_fields[] = {
    {"extension", "Group number", FT_STR, NULL, NUMBER, 0, 0, NULL, FS_CREATE_ONLY},
    {"name", "Description", FT_STR, NULL, NULL, 0, 0, NULL, 0},
    {"strategy", "Strategy", FT_STR, strategy_choices, NULL, 0, 0, "ringall", 0},
    {"ring_time", "Ring time (s)", FT_INT, NULL, NULL, 1, 300, "20", 0},
    {"members", "Members", FT_LIST, NULL, NULL, 0, 0, NULL, FS_REQUIRED},
    {"recording", "Recording", FT_STR, rec_choices, NULL, 0, 0, NULL, 0},
    {"change_callerid", "Change CID", FT_STR, cid_choices, NULL, 0, 0, "default", 0},
    {"fixed_callerid", "Fixed CID", FT_STR, NULL, NULL, 0, 0, NULL, 0},
    {"cid_name_prefix", "CID name prefix", FT_STR, NULL, NULL, 0, 0, NULL, 0},
    {"destination_if_no_answer", "No answer goes to", FT_STR, NULL, NULL, 0, 0,
     "app-blackhole,hangup,1", 0},
    {"music_on_hold_ringing", "Music on hold", FT_STR, moh_choices, NULL, 0, 0, NULL, 0},
    {"confirm_calls", "Confirm calls", FT_BOOL, NULL, NULL, 0, 0, NULL, 0},
    {"skip_busy_agent", "Skip busy agent", FT_BOOL, NULL, NULL, 0, 0, NULL, 0},
    {"ignore_call_forward_settings", "Ignore CF", FT_BOOL, NULL, NULL, 0, 0, NULL, 0},
    {"enable_call_pickup", "Call pickup", FT_BOOL, NULL, NULL, 0, 0, NULL, 0},
};

#define OPS_ALL (OP_CREATE | OP_UPDATE | OP_DELETE)
const struct record_schema issabel_ext_schema = {
    ext_fields, (int)(sizeof ext_fields / sizeof ext_fields[0]), OPS_ALL};
const struct record_schema issabel_rg_schema = {
    rg_fields, (int)(sizeof rg_fields / sizeof rg_fields[0]), OPS_ALL};
