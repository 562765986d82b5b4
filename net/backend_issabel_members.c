/* The Issabel adapter's queue member writes (contracts §4.7): members added, removed, paused and
 * unpaused through GET /pbxapi/manager/queueadd, queueremove, queuepause and queueunpause, with
 * the parameters in the query. Every answer is HTTP 200 with {"status":"ok"|"error",
 * "message":<the AMI Message>}, or {"status":"error","reason":"Could not connect to AMI"}.
 *
 * These change Asterisk's live queue state, not Issabel's configuration: there is nothing to
 * apply, so they stay out of the "reload" bookkeeping of backend_issabel_write.c. A batch of
 * member changes alone leaves commit() nothing to do, and one mixed with configuration writes
 * gets those applied by commit() when a member change is its last item.
 *
 * Issabel's manager API has no penalty change (no QueuePenalty action) and queueadd takes no
 * pause reason: the schema makes penalty and name create-only, and a create with a reason pauses
 * the new member in a second call. */
#define _POSIX_C_SOURCE 200809L
#include "net/backend_issabel.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/adapter.h"
#include "net/backend_ami.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

/* ---------------------------------------------------------------- ids and values */

/* Printable ASCII without blanks: what fits a member's interface or queue name. */
static bool graph_ascii(const char *s, size_t max)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (s[i] <= ' ' || s[i] > '~')
            return false;
    }
    return n > 0 && n <= max;
}

bool issabel_valid_member_id(const char *id)
{
    char *iface = NULL, *queue = NULL;
    /* At the last '@': interfaces may hold one (Local/201@from-queue/n), queue names do not. */
    if (!id || !ami_member_id_split(id, &iface, &queue))
        return false;
    const char *slash = strchr(iface, '/');
    bool ok =
        graph_ascii(iface, 128) && graph_ascii(queue, 80) && slash && slash != iface && slash[1];
    free(iface);
    free(queue);
    return ok;
}

static const char *value_of(const struct change *c, const char *name)
{
    for (int i = 0; i < c->nvalues; i++) {
        if (strcmp(c->names[i], name) == 0)
            return c->values[i];
    }
    return NULL;
}

static bool is_true(const char *v)
{
    return v && (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
                 strcasecmp(v, "on") == 0 || strcmp(v, "1") == 0);
}

/* A pause reason worth sending: empty means none (Asterisk then clears the old one). */
static const char *reason_of(const struct change *c)
{
    const char *r = value_of(c, "paused_reason");
    return r && *r ? r : NULL;
}

/* ---------------------------------------------------------------- requests */

/* "/manager/ACTION?queue=Q&interface=I" and then each key=value pair of kv whose value is not
 * NULL; every value percent-encoded. */
static char *manager_path(const char *action, const char *queue, const char *iface,
                          const char *const *kv, size_t npairs)
{
    struct strbuf sb;
    strbuf_init(&sb, (size_t)-1 / 2);
    char *q = be_escape(queue), *i = be_escape(iface);
    (void)strbuf_addf(&sb, "/manager/%s?queue=%s&interface=%s", action, q, i);
    free(q);
    free(i);
    for (size_t k = 0; k < npairs; k++) {
        const char *v = kv[2 * k + 1];
        if (!v)
            continue;
        char *e = be_escape(v);
        (void)strbuf_addf(&sb, "&%s=%s", kv[2 * k], e);
        free(e);
    }
    return strbuf_take(&sb);
}

static char *add_path(const struct change *c, const char **why)
{
    const char *paused = value_of(c, "paused");
    const char *queue = value_of(c, "queue"), *iface = value_of(c, "interface");
    if (!queue || !iface) {
        *why = "queue and interface are needed to add a member";
        return NULL;
    }
    if (reason_of(c) && !is_true(paused)) {
        *why = "a pause reason goes with paused=true";
        return NULL;
    }
    const char *kv[] = {"penalty",    value_of(c, "penalty"),
                        "paused",     paused ? (is_true(paused) ? "1" : "0") : NULL,
                        "membername", value_of(c, "name")};
    return manager_path("queueadd", queue, iface, kv, 3);
}

/* An update: the pause state wanted is the one given, else the member's present one (a change
 * of reason only re-pauses with the new reason). */
static char *pause_path(const struct change *c, const char *iface, const char *queue,
                        const char *now_paused, const char **action, const char **why)
{
    const char *paused = value_of(c, "paused");
    const char *want = paused ? paused : now_paused;
    if (!want) {
        *why = "the member's pause state is unknown (not in the last poll of queue members)";
        return NULL;
    }
    if (is_true(want)) {
        const char *kv[] = {"reason", reason_of(c)};
        *action = "queuepause";
        return manager_path(*action, queue, iface, kv, 1);
    }
    if (reason_of(c)) {
        /* Asterisk clears the reason when it unpauses: the wish cannot be met. */
        *why = "a pause reason goes with paused=true";
        return NULL;
    }
    *action = "queueunpause";
    return manager_path(*action, queue, iface, NULL, 0);
}

char *issabel_member_path(const struct change *c, const char *now_paused, const char **action,
                          const char **why)
{
    *why = NULL;
    *action = "queueadd";
    if (c->op == OP_CREATE)
        return add_path(c, why);
    char *iface = NULL, *queue = NULL, *path = NULL;
    if (!issabel_valid_member_id(c->id) || !ami_member_id_split(c->id, &iface, &queue)) {
        *why = "not a queue member id (interface@queue)";
        return NULL;
    }
    if (c->op == OP_DELETE) {
        *action = "queueremove";
        path = manager_path(*action, queue, iface, NULL, 0);
    } else if (value_of(c, "penalty") || value_of(c, "name")) {
        *why = "Issabel's manager API cannot change a member's penalty or name";
    } else {
        path = pause_path(c, iface, queue, now_paused, action, why);
    }
    free(iface);
    free(queue);
    return path;
}

char *issabel_member_reason_path(const struct change *c)
{
    const char *queue = value_of(c, "queue"), *iface = value_of(c, "interface");
    const char *reason = reason_of(c);
    if (c->op != OP_CREATE || !queue || !iface || !reason || !is_true(value_of(c, "paused")))
        return NULL;
    const char *kv[] = {"reason", reason};
    return manager_path("queuepause", queue, iface, kv, 1);
}

/* ---------------------------------------------------------------- answers */

/* AMI's words for "no such member" (QueueRemove: "Unable to remove interface: Not there" or
 * "...from queue: No such queue"; QueuePause: "Interface not found"). */
static bool gone_words(const char *action, const char *text)
{
    if (strcmp(action, "queueadd") == 0)
        return false; /* "No such queue" there is a failure: nothing was there to begin with */
    return issabel_contains_ci(text, "Not there") || issabel_contains_ci(text, "not found") ||
           issabel_contains_ci(text, "No such queue");
}

static const char *done_word(const char *action)
{
    if (strcmp(action, "queueadd") == 0)
        return "added to the queue";
    if (strcmp(action, "queueremove") == 0)
        return "removed from the queue";
    return strcmp(action, "queuepause") == 0 ? "paused" : "unpaused";
}

/* The AMI message is pasted into Issabel's JSON unescaped, so a quote in it breaks the JSON:
 * read such an answer by its words. */
static enum act_outcome member_by_words(const char *action, const char *body, char **msg)
{
    if (strstr(body, "\"status\":\"ok\"") || strstr(body, "\"status\": \"ok\"")) {
        *msg = xstrdup(done_word(action));
        return ACT_OK;
    }
    if (gone_words(action, body)) {
        *msg = xstrdup("member already gone");
        return ACT_GONE;
    }
    *msg = xasprintf("Issabel's answer to %s is unreadable; the member's state is unknown", action);
    return ACT_FAILED;
}

/* An "error" answer: AMI unreachable (a reason, no message), no such member, or a refusal. */
static enum act_outcome member_error(const char *action, const cJSON *root, const char *text,
                                     char **msg)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "message");
    if (!cJSON_IsString(m) && text) {
        *msg = xasprintf("Issabel could not talk to Asterisk (%s)", text);
        return ACT_FAILED;
    }
    if (text && gone_words(action, text)) {
        *msg = xasprintf("member already gone (%s)", text);
        return ACT_GONE;
    }
    if (text && issabel_contains_ci(text, "Not dynamic")) {
        *msg = xasprintf("%s (a static member from the queue's configuration; AMI removes only "
                         "members added at run time)",
                         text);
        return ACT_FAILED;
    }
    *msg = xasprintf("Asterisk refused the %s: %s", action, text ? text : "no reason given");
    return ACT_FAILED;
}

enum act_outcome issabel_map_member_answer(const char *action, long status, const char *body,
                                           size_t len, char **msg)
{
    char *text = issabel_error_text(body, len);
    if (status != 200) {
        *msg = text ? xasprintf("Issabel refused the %s: %s (HTTP %ld)", action, text, status)
                    : xasprintf("Issabel refused the %s (HTTP %ld)", action, status);
        free(text);
        return ACT_FAILED;
    }
    enum act_outcome o;
    cJSON *root = cJSON_ParseWithLength(body, len);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "status");
    if (!cJSON_IsObject(root)) {
        char *copy = xstrndup(body, len);
        o = member_by_words(action, copy, msg);
        free(copy);
    } else if (cJSON_IsString(st) && strcmp(st->valuestring, "ok") == 0) {
        o = ACT_OK;
        *msg = xstrdup(done_word(action));
    } else {
        o = member_error(action, root, text, msg);
    }
    cJSON_Delete(root);
    free(text);
    return o;
}

/* ---------------------------------------------------------------- adapter: apply */

struct mcall {
    struct be_act *act;
    const char *action; /* static: "queueadd", ... */
    char *then;         /* a create's second call (pause with a reason), or NULL */
    bool second;        /* this answer is the second call's */
};

static void mcall_free(void *ud)
{
    struct mcall *m = ud;
    free(m->then);
    free(m);
}

/* The second call of a create failed: the member is there, without its pause reason. */
static void second_failed(struct mcall *m, enum act_outcome o, const char *why)
{
    char *msg = xasprintf("added, but pausing it with its reason failed: %s", why);
    be_act_done(m->act, o == ACT_UNREACHABLE || o == ACT_AUTH ? o : ACT_PARTIAL, msg);
    free(msg);
}

static void on_member(struct backend *be, void *ud, const struct be_reply *rep)
{
    struct mcall *m = ud;
    char *msg = NULL;
    enum act_outcome o;
    if (rep->kind == REPLY_HTTP)
        o = issabel_map_member_answer(m->action, rep->res->status, rep->res->body,
                                      rep->res->body_len, &msg);
    else
        o = rep->kind == REPLY_NET ? ACT_UNREACHABLE : ACT_AUTH;
    const char *text = msg ? msg : rep->msg ? rep->msg : "no answer";
    if (o == ACT_OK && m->then) {
        char *path = m->then;
        m->then = NULL;
        m->second = true;
        m->action = "queuepause";
        issabel_call(be, "GET", path, NULL, on_member, m, mcall_free);
        free(path);
    } else if (m->second && o != ACT_OK) {
        second_failed(m, o, text);
        mcall_free(m);
    } else {
        be_act_done(m->act, o, m->second ? "added to the queue and paused" : text);
        mcall_free(m);
    }
    free(msg);
}

/* The member's "true"/"false" pause state in the last poll, or NULL. Valid until the next
 * model swap. */
static const char *paused_now(const struct backend *be, const char *id)
{
    const struct snapshot *s = be_snapshot(be, KIND_QUEUEMEMBERS);
    long r = s ? snap_find(s, id) : -1;
    return r < 0 ? NULL : snap_get(s, (size_t)r)->v[QM_PAUSED];
}

void issabel_member_apply(struct backend *be, const struct change *c, struct be_act *act)
{
    const char *action = NULL, *why = NULL;
    const char *now = c->op == OP_UPDATE ? paused_now(be, c->id) : NULL;
    const char *iface = value_of(c, "interface"), *queue = value_of(c, "queue");
    if (c->op == OP_CREATE && iface && queue) {
        /* The manager answer names no record: the id is the decoder's interface@queue. */
        char *id = ami_member_id(iface, queue);
        be_act_set_id(act, id);
        free(id);
    }
    char *path = issabel_member_path(c, now, &action, &why);
    if (!path) {
        be_act_done(act, ACT_REFUSED, why);
        return;
    }
    struct mcall *m = xcalloc(1, sizeof *m);
    m->act = act;
    m->action = action;
    m->then = issabel_member_reason_path(c);
    /* A state-changing GET, as Issabel has it; no body, so no "reload" either. */
    issabel_call(be, "GET", path, NULL, on_member, m, mcall_free);
    free(path);
}

/* ---------------------------------------------------------------- schema */

/* Interfaces as Asterisk names them: Tech/resource (PJSIP/201, IAX2/trunk, Local/201@ctx/n). */
#define INTERFACE "[[:alpha:]][[:alnum:]]*/[[:graph:]]+"

static const struct field_schema member_fields[] = {
    {"queue", "Queue", FT_STR, NULL, "[^@[:space:][:cntrl:]]+", 1, 80, NULL,
     FS_REQUIRED | FS_CREATE_ONLY},
    {"interface", "Interface", FT_STR, NULL, INTERFACE, 3, 128, NULL, FS_REQUIRED | FS_CREATE_ONLY},
    {"name", "Member name", FT_STR, NULL, NULL, 1, 128, NULL, FS_CREATE_ONLY},
    /* queueadd takes a penalty; no manager action changes it afterwards. */
    {"penalty", "Penalty", FT_INT, NULL, NULL, 0, 1000000, "0", FS_CREATE_ONLY},
    {"paused", "Paused", FT_BOOL, NULL, NULL, 0, 0, "false", 0},
    {"paused_reason", "Pause reason", FT_STR, NULL, NULL, 0, 80, NULL, 0},
};

const struct record_schema issabel_member_schema = {
    member_fields,
    (int)(sizeof member_fields / sizeof member_fields[0]),
    OP_CREATE | OP_UPDATE | OP_DELETE,
};
