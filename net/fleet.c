/* The fleet: every configured backend, which of their kinds are wanted, and when each is
 * polled next. A failing backend backs off (1 s doubling to 60 s, with jitter) and recovers
 * on its own. */
#include <stdlib.h>
#include <string.h>

#include "net/backend.h"
#include "net/backend_int.h"
#include "tui/clock.h"
#include "tui/xalloc.h"

#define BACKOFF_MAX_MS 60000

struct fleet *fleet_new(struct backend_conf *confs, size_t n, const struct fleet_opts *opts,
                        char **err)
{
    struct fleet *f = xcalloc(1, sizeof *f);
    f->opts = *opts;
    if (f->opts.refresh_ms <= 0)
        f->opts.refresh_ms = 2000;
    f->rng = opts->seed ? opts->seed : (uint64_t)clock_wall_ms();
    f->bes = xcalloc(n ? n : 1, sizeof *f->bes);
    *err = NULL;
    for (size_t i = 0; i < n; i++) {
        *err = backend_init(&f->bes[f->n], f, &confs[i]);
        f->n++; /* count it even when it failed, so fleet_free() releases its conf */
        if (*err)
            break;
    }
    f->http = http_new((int)n);
    if (*err) {
        for (size_t i = f->n; i < n; i++)
            backend_conf_done(&confs[i]);
        fleet_free(f);
        return NULL;
    }
    return f;
}

void fleet_free(struct fleet *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        backend_done(&f->bes[i]);
    free(f->bes);
    http_free(f->http);
    free(f);
}

struct http *fleet_http(struct fleet *f)
{
    return f->http;
}

size_t fleet_count(const struct fleet *f)
{
    return f->n;
}

struct backend *fleet_at(struct fleet *f, size_t i)
{
    return i < f->n ? &f->bes[i] : NULL;
}

struct backend *fleet_find(struct fleet *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->bes[i].conf.name, name) == 0)
            return &f->bes[i];
    }
    return NULL;
}

void fleet_set_listener(struct fleet *f, fleet_change_fn fn, void *ud)
{
    f->on_change = fn;
    f->on_change_ud = ud;
}

void fleet_notify(struct fleet *f, struct backend *be, int kind)
{
    if (f->on_change)
        f->on_change(f->on_change_ud, be, kind);
}

static void want_one(struct backend *be, enum kind kind, bool on)
{
    struct kind_state *ks = &be->ks[kind];
    if (on && !ks->wanted)
        ks->due_ms = 0; /* a newly shown view is polled at once */
    ks->wanted = on && be_supports(be, kind);
}

void fleet_want(struct fleet *f, struct backend *be, enum kind kind, bool on)
{
    if (be) {
        want_one(be, kind, on);
        return;
    }
    for (size_t i = 0; i < f->n; i++)
        want_one(&f->bes[i], kind, on);
}

static bool due(const struct backend *be, const struct kind_state *ks, int64_t now)
{
    if (ks->oneshot && !ks->in_flight)
        return true;
    return ks->wanted && !ks->in_flight && ks->due_ms <= now &&
           (!be->retry_at_ms || be->retry_at_ms <= now);
}

void fleet_tick(struct fleet *f, int64_t now_ms)
{
    for (size_t i = 0; i < f->n; i++) {
        struct backend *be = &f->bes[i];
        for (int k = 0; k < KIND_COUNT; k++) {
            struct kind_state *ks = &be->ks[k];
            /* Pausing stops the periodic polls, not one that someone asked for. */
            if ((f->paused && !ks->oneshot) || !due(be, ks, now_ms))
                continue;
            ks->in_flight = true;
            ks->oneshot = false;
            ks->polls_started++;
            be->ad->poll(be, (enum kind)k);
        }
    }
}

int fleet_next_due_ms(const struct fleet *f, int64_t now_ms, int cap)
{
    int64_t best = cap;
    for (size_t i = 0; i < f->n; i++) {
        const struct backend *be = &f->bes[i];
        for (int k = 0; k < KIND_COUNT; k++) {
            const struct kind_state *ks = &be->ks[k];
            if (ks->oneshot && !ks->in_flight)
                return 0;
            if (f->paused || !ks->wanted || ks->in_flight)
                continue;
            int64_t at = ks->due_ms;
            if (be->retry_at_ms > at)
                at = be->retry_at_ms;
            if (at - now_ms < best)
                best = at - now_ms;
        }
    }
    return best < 0 ? 0 : (int)best;
}

void fleet_poll_now(struct fleet *f)
{
    for (size_t i = 0; i < f->n; i++) {
        f->bes[i].retry_at_ms = 0;
        for (int k = 0; k < KIND_COUNT; k++)
            f->bes[i].ks[k].due_ms = 0;
    }
}

void fleet_pause(struct fleet *f, bool paused)
{
    f->paused = paused;
}

static void on_logout(void *ud, const struct http_result *res)
{
    int *left = ud;
    (void)res;
    (*left)--;
}

void fleet_logout(struct fleet *f, int timeout_ms)
{
    int left = 0;
    for (size_t i = 0; i < f->n; i++) {
        struct backend *be = &f->bes[i];
        struct http_req *r =
            be->auth == AUTH_VALID && be->ad->logout_req ? be->ad->logout_req(be) : NULL;
        if (!r)
            continue;
        http_req_timeouts(r, timeout_ms, timeout_ms);
        (void)http_submit(f->http, r, on_logout, &left);
        be->auth = AUTH_NONE;
        left++;
    }
    int64_t end = clock_mono_ms() + timeout_ms;
    while (left > 0 && clock_mono_ms() < end) {
        http_wait(f->http, NULL, NULL, 0, 100);
        http_run(f->http);
    }
}

size_t fleet_pending_actions(const struct fleet *f)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++) {
        for (const struct be_act *a = f->bes[i].acts; a; a = a->next)
            n++;
    }
    return n;
}

bool fleet_paused(const struct fleet *f)
{
    return f->paused;
}

/* xorshift64: jitter only needs to spread retries, not be unpredictable. */
static uint64_t next_rand(struct fleet *f)
{
    f->rng ^= f->rng << 13;
    f->rng ^= f->rng >> 7;
    f->rng ^= f->rng << 17;
    return f->rng;
}

static int64_t backoff_ms(struct fleet *f, int fails)
{
    int64_t base = 1000;
    for (int i = 1; i < fails && base < BACKOFF_MAX_MS; i++)
        base *= 2;
    if (base > BACKOFF_MAX_MS)
        base = BACKOFF_MAX_MS;
    /* +-20% so that backends that failed together do not retry in lockstep */
    int64_t spread = base / 5;
    return base - spread + (int64_t)(next_rand(f) % (uint64_t)(2 * spread + 1));
}

void fleet_poll_failed(struct backend *be, const char *err, long retry_after_s)
{
    int64_t now = clock_mono_ms();
    be->fails++;
    int64_t delay = backoff_ms(be->fleet, be->fails);
    if (retry_after_s > 0 && retry_after_s * 1000 > delay)
        delay = (retry_after_s > 3600 ? 3600 : retry_after_s) * 1000;
    be->retry_at_ms = now + delay;
    for (int k = 0; k < KIND_COUNT; k++)
        be->ks[k].due_ms = be->retry_at_ms;
    free(be->error);
    be->error = xstrdup(err);
    bool have_data = false;
    for (int k = 0; k < KIND_COUNT; k++)
        have_data = have_data || be->ks[k].snap;
    if (be->auth == AUTH_FAILED)
        be->state = BE_STATE_AUTH_FAILED;
    else
        be->state = have_data ? BE_STATE_STALE : BE_STATE_DOWN;
}
