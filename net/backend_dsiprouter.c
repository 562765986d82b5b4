/* The dSIPRouter adapter. See contracts/ngcp-dsiprouter.md §2: a bearer token on every call
 * (with Accept: application/json, else the HTML login page), {"error","msg"} envelopes, 200
 * for every success, 500 for missing fields and unknown records, the media server's
 * list-of-one-list `data`, flat write bodies with exact JSON types, no query strings.
 *
 * This file is the part that talks to the server: the adapter's state, the requests, the poll
 * walk (endpoint groups -> FusionPBX configs -> domains -> extensions), the writes and the
 * adapter definition. What it sends and receives is read and built in
 * backend_dsiprouter_codec.c (decoders, error texts, write values and bodies, the schema),
 * which makes no calls; what the two files share is declared at the end of
 * backend_dsiprouter.h. */
#include "net/backend_dsiprouter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/adapter.h"
#include "tui/clock.h"
#include "tui/xalloc.h"

#define CONFIGS_TTL_MS (60 * 1000) /* endpoint groups change rarely; their details hold secrets */
#define MAX_GROUPS     1000        /* fan-out limits: one request each */
#define MAX_DOMAINS    5000
/* Calls out at once per walk: each media server call opens fresh FusionPBX database
 * connections that the server never closes. */
#define MAX_PARALLEL 4

/* ---------------------------------------------------------------- adapter */

struct job;
struct wjob;

struct dsip {
    long long *configs; /* endpoint groups with FusionPBX enabled, from the last look */
    size_t nconfigs;
    int64_t configs_at;                /* monotonic ms of that look; 0: look again */
    struct dsiprouter_domain *domains; /* the last domain listing, for writes by name */
    size_t ndomains;
    struct job *jobs; /* multi-request tasks in flight */
    struct wjob *wjobs;
};

static char *dsip_check_conf(const struct backend_conf *c, const char **key)
{
    if (c->auth && strcmp(c->auth, "token") != 0) {
        *key = "auth";
        if (strcmp(c->auth, "session") == 0)
            return xstrdup("auth: session (the web login form) is not supported by this build "
                           "yet; use auth = token with the server's API token as password");
        return xasprintf("auth: '%s' is not token (session is not supported yet)", c->auth);
    }
    if (c->variant) {
        *key = "variant";
        return xstrdup("variant: dSIPRouter has no variants; remove the key");
    }
    *key = "password";
    if (!c->password || !*c->password)
        return xstrdup("password: missing; dSIPRouter needs its API token here (the server's "
                       "is set with: dsiprouter setcredentials -ac TOKEN)");
    for (const char *p = c->password; *p; p++) {
        /* The server splits "Authorization: Bearer TOKEN" on a space; a control character
         * would end the header line. */
        if ((unsigned char)*p <= ' ' || (unsigned char)*p == 0x7f)
            return xstrdup("password: the API token must not hold spaces or control "
                           "characters");
    }
    return NULL;
}

static void *dsip_create(struct backend *be)
{
    (void)be;
    return xcalloc(1, sizeof(struct dsip));
}

static struct http_req *dsip_build(struct backend *be, const struct be_call_spec *spec)
{
    const struct backend_conf *c = be_conf(be);
    char *url = xasprintf("%s/api/v1%s", c->url, spec->path);
    struct http_req *r = be_req_new(be, spec->method, url);
    free(url);
    /* Without it the server answers 401 with its HTML login page instead of JSON. */
    http_req_header(r, "Accept: application/json");
    char *auth = xasprintf("Authorization: Bearer %s", c->password);
    http_req_header(r, auth);
    dsiprouter_wipe_free(auth);
    if (spec->body) {
        http_req_header(r, "Content-Type: application/json");
        http_req_body(r, spec->body, strlen(spec->body));
    }
    return r;
}

/* No login to retry: a 401 is final, and the engine reports it as an auth failure. */
static bool dsip_auth_rejected(struct backend *be, const struct http_result *res)
{
    (void)be;
    return res->status == 401;
}

/* ------------------------------------------------------------ poll tasks */

enum stage {
    ST_START,
    ST_GROUPS,
    ST_DETAILS,
    ST_DOMAINS,
    ST_EXTENSIONS,
};

struct slot {
    struct job *job;
    size_t idx;
};

/* One walk over endpoint groups → FusionPBX configs → domains (→ extensions): a poll of
 * extensions, or (w set) the domain lookup of a write that names its domain. */
struct job {
    struct dsip *st;
    struct backend *be;
    struct wjob *w;
    enum stage stage;
    size_t nslots, cursor; /* this stage's calls, and the next one to send */
    int inflight;
    bool pumping;
    enum be_fail why;
    char *err;
    long retry_after; /* the server's Retry-After with the failure, or -1 */
    long long *groups;
    size_t ngroups;
    bool *fusion;
    long long *configs; /* this walk's own copy: another walk may renew the cache */
    size_t nconfigs;
    struct dsiprouter_domain **cdomains; /* per config */
    size_t *ncdomains;
    struct dsiprouter_domain *domains;
    size_t ndomains;
    char **bodies; /* per domain: its extension list */
    size_t *lens;
    struct slot *slots;
    struct job *prev, *next;
};

static void job_free(struct job *j)
{
    free(j->err);
    free(j->groups);
    free(j->fusion);
    free(j->configs);
    for (size_t i = 0; j->cdomains && i < j->nconfigs; i++)
        dsiprouter_domains_free(j->cdomains[i], j->ncdomains[i]);
    free(j->cdomains);
    free(j->ncdomains);
    for (size_t i = 0; j->bodies && i < j->ndomains; i++)
        free(j->bodies[i]);
    free(j->bodies);
    free(j->lens);
    dsiprouter_domains_free(j->domains, j->ndomains);
    free(j->slots);
    free(j);
}

static void job_unlink(struct job *j)
{
    if (j->prev)
        j->prev->next = j->next;
    else
        j->st->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
}

/* Keep the first failure: later ones are usually its echoes. Takes msg. */
static void job_fail(struct job *j, enum be_fail why, char *msg)
{
    if (j->why != FAIL_NONE) {
        free(msg);
        return;
    }
    j->why = why;
    j->err = msg;
}

static void job_fail_reply(struct job *j, const struct be_reply *rep, const char *where,
                           bool mediaserver)
{
    const struct http_result *res = rep->res;
    if (rep->kind == REPLY_NET) {
        job_fail(j, FAIL_NET, xasprintf("%s: %s", where, rep->msg));
    } else if (rep->kind == REPLY_AUTH || res->status == 401) {
        job_fail(j, FAIL_AUTH,
                 res ? dsiprouter_auth_message(res->content_type, res->body, res->body_len)
                     : xstrdup(rep->msg));
    } else {
        char *text = dsiprouter_error_message(res->status, res->content_type, res->body,
                                              res->body_len, mediaserver);
        if (j->why == FAIL_NONE)
            j->retry_after = res->retry_after;
        job_fail(j, FAIL_DATA, xasprintf("%s: %s", where, text));
        free(text);
    }
}

/* Start a stage of n calls (sent by job_pump()). */
static void job_stage(struct job *j, enum stage st, size_t n)
{
    j->stage = st;
    free(j->slots);
    j->slots = xcalloc(n ? n : 1, sizeof *j->slots);
    for (size_t i = 0; i < n; i++)
        j->slots[i] = (struct slot){.job = j, .idx = i};
    j->nslots = n;
    j->cursor = 0;
}

static void job_issue(struct job *j, size_t i);
static void job_advance(struct job *j);

/* Keep at most MAX_PARALLEL calls out; move on once the stage has all its answers. */
static void job_pump(struct job *j)
{
    if (j->pumping)
        return;
    j->pumping = true;
    while (j->why == FAIL_NONE && j->inflight < MAX_PARALLEL && j->cursor < j->nslots)
        job_issue(j, j->cursor++);
    j->pumping = false;
    if (j->inflight == 0)
        job_advance(j);
}

/* One answer of the stage has been taken in. */
static void job_step(struct job *j)
{
    j->inflight--;
    job_pump(j);
}

static bool is_ok(const struct be_reply *rep)
{
    return rep->kind == REPLY_HTTP && rep->res->status == 200;
}

static void on_groups(struct backend *be, void *ud, const struct be_reply *rep)
{
    (void)be;
    struct job *j = ((struct slot *)ud)->job;
    char *err = NULL;
    if (!is_ok(rep))
        job_fail_reply(j, rep, "endpoint groups", false);
    else if (!(j->groups = dsiprouter_decode_endpointgroups(rep->res->body, rep->res->body_len,
                                                            &j->ngroups, &err)))
        job_fail(j, FAIL_DATA, xasprintf("endpoint groups: %s", err));
    else if (j->ngroups > MAX_GROUPS)
        job_fail(j, FAIL_DATA,
                 xasprintf("endpoint groups: %zu of them, more than pbxtop "
                           "looks through (%d)",
                           j->ngroups, MAX_GROUPS));
    free(err);
    job_step(j);
}

static void on_detail(struct backend *be, void *ud, const struct be_reply *rep)
{
    (void)be;
    struct slot *sl = ud;
    struct job *j = sl->job;
    char *err = NULL;
    char *where = xasprintf("endpoint group %lld", j->groups[sl->idx]);
    /* A JSON 404 names a group deleted since the list: it has no domains now. */
    bool gone = rep->kind == REPLY_HTTP && rep->res->status == 404 &&
                !dsiprouter_is_html(rep->res->content_type, rep->res->body, rep->res->body_len);
    if (is_ok(rep)) {
        int on = dsiprouter_decode_fusionpbx(rep->res->body, rep->res->body_len, &err);
        if (on < 0)
            job_fail(j, FAIL_DATA, xasprintf("%s: %s", where, err));
        j->fusion[sl->idx] = on == 1;
    } else if (!gone) {
        job_fail_reply(j, rep, where, false);
    }
    free(where);
    free(err);
    job_step(j);
}

static void on_domains(struct backend *be, void *ud, const struct be_reply *rep)
{
    (void)be;
    struct slot *sl = ud;
    struct job *j = sl->job;
    long long cid = j->configs[sl->idx];
    char *err = NULL;
    char *where = xasprintf("domains of endpoint group %lld", cid);
    if (!is_ok(rep)) {
        job_fail_reply(j, rep, where, true);
    } else {
        j->cdomains[sl->idx] = dsiprouter_decode_domains(rep->res->body, rep->res->body_len, cid,
                                                         &j->ncdomains[sl->idx], &err);
        if (err)
            job_fail(j, FAIL_DATA, xasprintf("%s: %s", where, err));
    }
    free(where);
    free(err);
    job_step(j);
}

/* True for the 500 answering an extension list of an unknown domain (IndexError). */
static bool domain_vanished(const struct be_reply *rep)
{
    if (rep->kind != REPLY_HTTP || rep->res->status != 500)
        return false;
    char *msg = dsiprouter_envelope_msg(rep->res->body, rep->res->body_len, NULL);
    bool yes = msg && strcmp(msg, "list index out of range") == 0;
    free(msg);
    return yes;
}

static void on_extensions(struct backend *be, void *ud, const struct be_reply *rep)
{
    (void)be;
    struct slot *sl = ud;
    struct job *j = sl->job;
    const struct dsiprouter_domain *d = &j->domains[sl->idx];
    if (is_ok(rep)) {
        j->bodies[sl->idx] = xstrndup(rep->res->body, rep->res->body_len);
        j->lens[sl->idx] = rep->res->body_len;
    } else if (!domain_vanished(rep)) { /* deleted since the domain list: no extensions */
        char *where = xasprintf("extensions of domain %s", d->name ? d->name : d->uuid);
        job_fail_reply(j, rep, where, true);
        free(where);
    }
    job_step(j);
}

static void stage_groups(struct job *j)
{
    job_stage(j, ST_GROUPS, 1);
    job_pump(j);
}

static void stage_details(struct job *j)
{
    j->fusion = xcalloc(j->ngroups ? j->ngroups : 1, sizeof *j->fusion);
    job_stage(j, ST_DETAILS, j->ngroups);
    job_pump(j);
}

/* Remember the endpoint groups that have FusionPBX, or fail when none has. */
static void keep_configs(struct job *j)
{
    struct dsip *st = j->st;
    free(st->configs);
    st->configs = xcalloc(j->ngroups ? j->ngroups : 1, sizeof *st->configs);
    st->nconfigs = 0;
    for (size_t i = 0; i < j->ngroups; i++) {
        if (j->fusion[i])
            st->configs[st->nconfigs++] = j->groups[i];
    }
    st->configs_at = clock_mono_ms();
    if (!st->nconfigs)
        job_fail(j, FAIL_DATA,
                 xasprintf("no endpoint group has FusionPBX enabled (%zu checked): the media "
                           "server API reaches no FusionPBX domains",
                           j->ngroups));
}

static void stage_domains(struct job *j)
{
    struct dsip *st = j->st;
    j->nconfigs = st->nconfigs;
    j->configs = xcalloc(st->nconfigs ? st->nconfigs : 1, sizeof *j->configs);
    if (st->nconfigs)
        memcpy(j->configs, st->configs, st->nconfigs * sizeof *j->configs);
    j->cdomains = xcalloc(j->nconfigs ? j->nconfigs : 1, sizeof *j->cdomains);
    j->ncdomains = xcalloc(j->nconfigs ? j->nconfigs : 1, sizeof *j->ncdomains);
    job_stage(j, ST_DOMAINS, j->nconfigs);
    job_pump(j);
}

static struct dsiprouter_domain *domains_dup(const struct dsiprouter_domain *d, size_t n)
{
    struct dsiprouter_domain *c = xcalloc(n ? n : 1, sizeof *c);
    for (size_t i = 0; i < n; i++) {
        c[i].config_id = d[i].config_id;
        c[i].uuid = xstrdup(d[i].uuid);
        c[i].name = xstrdup_or_null(d[i].name);
    }
    return c;
}

/* The domains of every config, in config order, also kept for writes that name one. */
static void merge_domains(struct job *j)
{
    struct dsip *st = j->st;
    size_t n = 0;
    for (size_t i = 0; i < j->nconfigs; i++)
        n += j->ncdomains[i];
    if (n > MAX_DOMAINS) {
        job_fail(j, FAIL_DATA,
                 xasprintf("%zu FusionPBX domains, more than pbxtop lists (%d)", n, MAX_DOMAINS));
        return;
    }
    j->domains = xcalloc(n ? n : 1, sizeof *j->domains);
    for (size_t i = 0; i < j->nconfigs; i++) {
        for (size_t k = 0; k < j->ncdomains[i]; k++) {
            j->domains[j->ndomains++] = j->cdomains[i][k];
            j->cdomains[i][k] = (struct dsiprouter_domain){0};
        }
    }
    dsiprouter_domains_free(st->domains, st->ndomains);
    st->domains = domains_dup(j->domains, j->ndomains);
    st->ndomains = j->ndomains;
}

static void stage_extensions(struct job *j)
{
    j->bodies = xcalloc(j->ndomains ? j->ndomains : 1, sizeof *j->bodies);
    j->lens = xcalloc(j->ndomains ? j->ndomains : 1, sizeof *j->lens);
    job_stage(j, ST_EXTENSIONS, j->ndomains);
    job_pump(j);
}

/* Send call i of the current stage. */
static void job_issue(struct job *j, size_t i)
{
    char *path = NULL;
    be_call_fn fn = NULL;
    if (j->stage == ST_GROUPS) {
        path = xstrdup("/endpointgroups");
        fn = on_groups;
    } else if (j->stage == ST_DETAILS) {
        path = xasprintf("/endpointgroups/%lld", j->groups[i]);
        fn = on_detail;
    } else if (j->stage == ST_DOMAINS) {
        path = xasprintf("/mediaserver/domain/%lld", j->configs[i]);
        fn = on_domains;
    } else if (j->stage == ST_EXTENSIONS) {
        path = xasprintf("/mediaserver/extension/%lld/%s", j->domains[i].config_id,
                         j->domains[i].uuid);
        fn = on_extensions;
    } else {
        return;
    }
    struct be_call_spec spec = {.method = "GET", .path = path};
    j->inflight++;
    be_call(j->be, &spec, fn, &j->slots[i]);
    free(path);
}

static void job_end(struct job *j);

static void job_advance(struct job *j)
{
    struct dsip *st = j->st;
    if (j->why != FAIL_NONE) {
        /* A failing config may be gone: look at the endpoint groups again next time. */
        st->configs_at = 0;
        job_end(j);
        return;
    }
    switch (j->stage) {
    case ST_START:
        if (st->configs_at && st->nconfigs && clock_mono_ms() - st->configs_at < CONFIGS_TTL_MS)
            stage_domains(j);
        else
            stage_groups(j);
        return;
    case ST_GROUPS:
        stage_details(j);
        return;
    case ST_DETAILS:
        keep_configs(j);
        if (j->why == FAIL_NONE)
            stage_domains(j);
        else
            job_end(j);
        return;
    case ST_DOMAINS:
        merge_domains(j);
        if (j->why == FAIL_NONE && !j->w)
            stage_extensions(j);
        else
            job_end(j);
        return;
    case ST_EXTENSIONS:
        job_end(j);
        return;
    }
}

static struct job *job_new(struct dsip *st, struct backend *be, struct wjob *w)
{
    struct job *j = xcalloc(1, sizeof *j);
    j->st = st;
    j->be = be;
    j->w = w;
    j->retry_after = -1;
    j->next = st->jobs;
    if (st->jobs)
        st->jobs->prev = j;
    st->jobs = j;
    return j;
}

/* The snapshot of a finished poll walk, or NULL with *err. */
static struct snapshot *job_snapshot(struct job *j, char **err)
{
    struct snapshot *s = snap_new(KIND_EXTENSIONS);
    for (size_t i = 0; i < j->ndomains; i++) {
        const struct dsiprouter_domain *d = &j->domains[i];
        char *e = NULL;
        if (j->bodies[i] && dsiprouter_add_extensions(s, j->bodies[i], j->lens[i], d->config_id,
                                                      d->uuid, be_keep_raw(j->be), &e) != 0) {
            *err = xasprintf("extensions of domain %s: %s", d->name ? d->name : d->uuid, e);
            free(e);
            snap_free(s);
            return NULL;
        }
    }
    snap_finish(s);
    return s;
}

static void resolve_done(struct wjob *w, enum be_fail why, const char *err);

static void job_end(struct job *j)
{
    struct backend *be = j->be;
    struct wjob *w = j->w;
    enum be_fail why = j->why;
    long retry_after = j->retry_after;
    char *err = j->err;
    struct snapshot *s = NULL;
    j->err = NULL;
    if (!w && why == FAIL_NONE && !(s = job_snapshot(j, &err)))
        why = FAIL_DATA;
    job_unlink(j);
    job_free(j);
    if (w) {
        resolve_done(w, why, err);
    } else if (s) {
        be_poll_ok(be, KIND_EXTENSIONS, s);
    } else {
        char *msg = xasprintf("extensions: %s", err ? err : "failed");
        be_poll_fail(be, KIND_EXTENSIONS, why, msg, retry_after);
        free(msg);
    }
    free(err);
}

static void dsip_poll(struct backend *be, enum kind kind)
{
    if (kind != KIND_EXTENSIONS) {
        be_poll_fail(be, kind, FAIL_DATA, "not offered by dSIPRouter", -1);
        return;
    }
    job_pump(job_new(be_adapter_state(be), be, NULL));
}

/* ------------------------------------------------------------------ writes */

/* One create, update or delete of an extension: maybe a domain lookup, then a read of the
 * domain's extensions (a create must not duplicate, an update must send every field), then
 * the write itself. */
struct wjob {
    struct dsip *st;
    struct backend *be;
    struct be_act *act;
    enum change_op op;
    struct dsiprouter_ext ext;
    char *context; /* the domain's name, for a create that gives no ids */
    int nvalues;
    char **names, **values; /* an update's values, applied over the current ones */
    struct wjob *prev, *next;
};

static void wjob_free(struct wjob *w)
{
    dsiprouter_ext_done(&w->ext);
    free(w->context);
    for (int i = 0; i < w->nvalues; i++) {
        free(w->names[i]);
        dsiprouter_wipe_free(w->values[i]);
    }
    free(w->names);
    free(w->values);
    free(w);
}

static void wjob_end(struct wjob *w, enum act_outcome o, const char *msg)
{
    struct be_act *act = w->act;
    if (w->prev)
        w->prev->next = w->next;
    else
        w->st->wjobs = w->next;
    if (w->next)
        w->next->prev = w->prev;
    wjob_free(w);
    be_act_done(act, o, msg);
}

/* End with a message made here (owned). */
static void wjob_endf(struct wjob *w, enum act_outcome o, char *msg)
{
    wjob_end(w, o, msg);
    free(msg);
}

static void wjob_end_reply(struct wjob *w, const struct be_reply *rep)
{
    const struct http_result *res = rep->res;
    if (rep->kind == REPLY_NET)
        wjob_endf(w, ACT_UNREACHABLE, xasprintf("%s; outcome unknown", rep->msg));
    else if (rep->kind == REPLY_AUTH && res)
        wjob_endf(w, ACT_AUTH,
                  dsiprouter_auth_message(res->content_type, res->body, res->body_len));
    else if (rep->kind == REPLY_AUTH)
        wjob_end(w, ACT_AUTH, rep->msg);
    else
        wjob_endf(w, ACT_FAILED,
                  dsiprouter_error_message(res->status, res->content_type, res->body, res->body_len,
                                           true));
}

static void on_write(struct backend *be, void *ud, const struct be_reply *rep)
{
    (void)be;
    struct wjob *w = ud;
    if (rep->kind != REPLY_HTTP) {
        wjob_end_reply(w, rep);
        return;
    }
    const struct http_result *res = rep->res;
    char *msg = NULL;
    enum act_outcome o = dsiprouter_map_write_answer(w->op, res->status, res->content_type,
                                                     res->body, res->body_len, &msg);
    if (o == ACT_OK && w->op == OP_CREATE) {
        /* The server returns no id: the triple it is keyed by is the id. */
        char *id = dsiprouter_ext_id(w->ext.config_id, w->ext.domain_id, w->ext.extension);
        be_act_set_id(w->act, id);
        free(id);
    }
    wjob_endf(w, o, msg);
}

static void wjob_send(struct wjob *w)
{
    static const char *const methods[] = {
        [OP_CREATE] = "POST", [OP_UPDATE] = "PUT", [OP_DELETE] = "DELETE"};
    char *body = dsiprouter_build_extension_body(&w->ext, w->op);
    /* A flat JSON body and no query string: the server merges query arguments into the
     * body as lists, which fail its type checks. */
    struct be_call_spec spec = {
        .method = methods[w->op], .path = "/mediaserver/extension", .body = body};
    be_call(w->be, &spec, on_write, w);
    dsiprouter_wipe_free(body);
}

/* Apply an update's values over the current ones. NULL or why not (owned). */
static char *wjob_apply_values(struct wjob *w)
{
    for (int i = 0; i < w->nvalues; i++) {
        const char *v = w->values[i];
        if (!v && (strcmp(w->names[i], "call_timeout") == 0 || strcmp(w->names[i], "enabled") == 0))
            return xasprintf("%s: the server needs a value here", w->names[i]);
        char *err = dsiprouter_ext_set(&w->ext, w->names[i], v);
        if (err)
            return err;
    }
    return NULL;
}

static void on_prelist(struct backend *be, void *ud, const struct be_reply *rep)
{
    (void)be;
    struct wjob *w = ud;
    const char *num = w->ext.extension;
    if (domain_vanished(rep)) {
        char *msg = xasprintf("domain %s does not exist on endpoint group %lld", w->ext.domain_id,
                              w->ext.config_id);
        wjob_endf(w, w->op == OP_UPDATE ? ACT_GONE : ACT_FAILED, msg);
        return;
    }
    if (!is_ok(rep)) {
        wjob_end_reply(w, rep);
        return;
    }
    char *err = NULL;
    struct dsiprouter_ext cur;
    dsiprouter_ext_init(&cur);
    struct dsiprouter_ext *into = w->op == OP_UPDATE ? &w->ext : &cur;
    int found = dsiprouter_ext_load(into, rep->res->body, rep->res->body_len, num, &err);
    dsiprouter_ext_done(&cur);
    if (found < 0) {
        wjob_endf(w, ACT_FAILED, xasprintf("reading the domain's extensions: %s", err));
        free(err);
    } else if (found && w->op == OP_CREATE) {
        wjob_endf(w, ACT_FAILED,
                  xasprintf("extension %s already exists in this domain (the server does not "
                            "check and would store a second one)",
                            num));
    } else if (!found && w->op == OP_UPDATE) {
        wjob_end(w, ACT_GONE, "extension no longer exists; nothing updated");
    } else if (w->op == OP_CREATE) {
        wjob_send(w);
    } else {
        err = wjob_apply_values(w);
        if (err)
            wjob_endf(w, ACT_REFUSED, err);
        else
            wjob_send(w);
    }
}

static void wjob_prelist(struct wjob *w)
{
    char *path = xasprintf("/mediaserver/extension/%lld/%s", w->ext.config_id, w->ext.domain_id);
    struct be_call_spec spec = {.method = "GET", .path = path};
    be_call(w->be, &spec, on_prelist, w);
    free(path);
}

/* The one domain called w->context in the last listing: 1, 0 when none, -1 when several. */
static int find_domain(struct wjob *w)
{
    const struct dsiprouter_domain *hit = NULL;
    struct dsip *st = w->st;
    for (size_t i = 0; i < st->ndomains; i++) {
        if (!st->domains[i].name || strcasecmp(st->domains[i].name, w->context) != 0)
            continue;
        if (hit)
            return -1;
        hit = &st->domains[i];
    }
    if (!hit)
        return 0;
    w->ext.config_id = hit->config_id;
    dsiprouter_set_str(&w->ext.domain_id, hit->uuid);
    return 1;
}

static void resolve_done(struct wjob *w, enum be_fail why, const char *err)
{
    static const enum act_outcome outcome[] = {[FAIL_NONE] = ACT_OK,
                                               [FAIL_NET] = ACT_UNREACHABLE,
                                               [FAIL_AUTH] = ACT_AUTH,
                                               [FAIL_DATA] = ACT_FAILED};
    if (why != FAIL_NONE) {
        wjob_endf(w, outcome[why], xasprintf("finding domain '%s': %s", w->context, err));
        return;
    }
    int found = find_domain(w);
    if (found == 1)
        wjob_prelist(w);
    else if (found == 0)
        wjob_endf(w, ACT_FAILED,
                  xasprintf("no FusionPBX domain named '%s' on this dSIPRouter", w->context));
    else
        wjob_endf(w, ACT_FAILED,
                  xasprintf("several endpoint groups have a domain named '%s': give config_id "
                            "and domain_id instead",
                            w->context));
}

/* Take the create's values; NULL or why not (owned). */
static char *create_values(struct wjob *w, const struct change *c)
{
    bool cid = false, dom = false;
    for (int i = 0; i < c->nvalues; i++) {
        const char *n = c->names[i], *v = c->values[i];
        if (strcmp(n, "context") == 0) {
            free(w->context);
            w->context = xstrdup_or_null(v);
            continue;
        }
        char *err = dsiprouter_ext_set(&w->ext, n, v);
        if (err)
            return err;
        cid = cid || strcmp(n, "config_id") == 0;
        dom = dom || strcmp(n, "domain_id") == 0;
    }
    if (!dsiprouter_valid_extension(w->ext.extension))
        return xstrdup("extension: required, without spaces or control characters");
    if (w->ext.vm_password < 0)
        return xstrdup("vm_password: required (the server stores a voicemail box with it)");
    if (cid != dom)
        return xstrdup("give both config_id and domain_id, or context (the domain's name)");
    if (dom && !dsiprouter_valid_uuid(w->ext.domain_id))
        return xstrdup("domain_id: not a FusionPBX domain uuid");
    if (!dom && (!w->context || !*w->context))
        return xstrdup("context (the domain's name) or config_id and domain_id: required to "
                       "create an extension");
    if (dom) {
        free(w->context);
        w->context = NULL;
    }
    return NULL;
}

static void dsip_create_ext(struct wjob *w, const struct change *c)
{
    char *err = create_values(w, c);
    if (err) {
        wjob_endf(w, ACT_REFUSED, err);
        return;
    }
    if (!w->context || find_domain(w) == 1) {
        wjob_prelist(w);
        return;
    }
    /* Not in the last listing (or no listing yet): look the domains up now. */
    job_pump(job_new(w->st, w->be, w));
}

static bool has_value(const struct change *c, const char *name)
{
    for (int i = 0; i < c->nvalues; i++) {
        if (strcmp(c->names[i], name) == 0 && c->values[i])
            return true;
    }
    return false;
}

static void dsip_apply(struct backend *be, const struct change *c, struct be_act *act)
{
    struct dsip *st = be_adapter_state(be);
    struct wjob *w = xcalloc(1, sizeof *w);
    w->st = st;
    w->be = be;
    w->act = act;
    w->op = c->op;
    dsiprouter_ext_init(&w->ext);
    w->next = st->wjobs;
    if (st->wjobs)
        st->wjobs->prev = w;
    st->wjobs = w;
    if (c->op == OP_CREATE) {
        dsip_create_ext(w, c);
        return;
    }
    char *dom = NULL, *num = NULL;
    if (!dsiprouter_parse_ext_id(c->id, &w->ext.config_id, &dom, &num)) {
        wjob_end(w, ACT_REFUSED, "not a dSIPRouter extension id (CONFIG_ID/DOMAIN_UUID/EXTENSION)");
        return;
    }
    dsiprouter_set_str(&w->ext.domain_id, dom);
    dsiprouter_set_str(&w->ext.extension, num);
    free(dom);
    free(num);
    if (c->op == OP_DELETE) {
        wjob_send(w);
        return;
    }
    if (!has_value(c, "password")) {
        wjob_end(w, ACT_REFUSED,
                 "password: required to update (the server's PUT replaces it, and the "
                 "current one cannot be read)");
        return;
    }
    w->nvalues = c->nvalues;
    w->names = xcalloc((size_t)c->nvalues + 1, sizeof *w->names);
    w->values = xcalloc((size_t)c->nvalues + 1, sizeof *w->values);
    for (int i = 0; i < c->nvalues; i++) {
        w->names[i] = xstrdup(c->names[i]);
        w->values[i] = xstrdup_or_null(c->values[i]);
    }
    wjob_prelist(w);
}

static void dsip_destroy(void *state)
{
    struct dsip *st = state;
    if (!st)
        return;
    /* Calls in flight were cancelled without their callbacks: their tasks end here. */
    while (st->jobs) {
        struct job *j = st->jobs;
        job_unlink(j);
        job_free(j);
    }
    while (st->wjobs) {
        struct wjob *w = st->wjobs;
        st->wjobs = w->next;
        wjob_free(w);
    }
    free(st->configs);
    dsiprouter_domains_free(st->domains, st->ndomains);
    free(st);
}

const struct adapter dsiprouter_adapter = {
    .type = "dsiprouter",
    .label = "dSIPRouter",
    .kinds = 1u << KIND_EXTENSIONS,
    .caps = 0,
    .why_not =
        {
            [KIND_RINGGROUPS] = "dSIPRouter has no ring groups; endpoint groups are trunk pools",
            [KIND_CHANNELS] = "dSIPRouter has no live channel list, only call counters",
            [KIND_QUEUEMEMBERS] = "dSIPRouter has no queues, so no queue members",
            [KIND_QUEUES] = "dSIPRouter has no queues",
            [KIND_QUEUECALLERS] = "dSIPRouter has no queues, so no waiting callers",
        },
    .check_conf = dsip_check_conf,
    .create = dsip_create,
    .destroy = dsip_destroy,
    .build = dsip_build,
    .auth_rejected = dsip_auth_rejected,
    .poll = dsip_poll,
    .schema = {[KIND_EXTENSIONS] = &dsiprouter_ext_schema},
    .apply = dsip_apply,
};
