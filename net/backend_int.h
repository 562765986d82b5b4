/* Internals shared by net/backend.c (calls, auth, actions) and net/fleet.c (polling). */
#ifndef PBXTOP_NET_BACKEND_INT_H
#define PBXTOP_NET_BACKEND_INT_H

#include "net/adapter.h"

enum auth_state {
    AUTH_NONE,    /* no token yet, or it was refused */
    AUTH_PENDING, /* a login is in flight */
    AUTH_VALID,
    AUTH_FAILED, /* the last login was refused */
};

struct call {
    struct backend *be;
    char *method, *path, *body; /* owned; body may be NULL */
    be_call_fn done;
    void *ud;
    void (*free_ud)(void *); /* for ud when the call is cancelled */
    bool retried;
    unsigned gen;     /* auth generation the call was sent with */
    unsigned http_id; /* 0 while waiting for a login */
    struct call *prev, *next;
    bool waiting;
};

struct be_act {
    struct backend *be;
    char *id;
    act_done_fn done;
    void *ud;
    struct be_act *prev, *next;
};

/* Someone waiting for a poll that starts after they asked (be_refresh). */
struct waiter {
    unsigned min_start;
    refresh_done_fn fn;
    void *ud;
    struct waiter *next;
};

struct kind_state {
    struct snapshot *snap;
    int64_t taken_ms; /* monotonic time of the last good poll */
    int64_t due_ms;   /* monotonic time of the next poll */
    unsigned polls_done;
    unsigned polls_started; /* the poll in flight, or the last one, is number polls_started */
    bool wanted;
    bool oneshot; /* poll once even though nobody shows this kind (be_refresh) */
    bool in_flight;
    bool stale;
    enum be_fail fail;
    struct waiter *waiters;
};

struct backend {
    struct fleet *fleet;
    struct backend_conf conf;
    const struct adapter *ad;
    void *ad_state;
    enum auth_state auth;
    unsigned auth_gen;
    unsigned login_http_id;
    char *auth_msg;
    struct call *calls; /* every call alive, waiting or in flight, oldest first */
    struct call *calls_tail;
    struct be_act *acts; /* oldest first */
    struct be_act *acts_tail;
    enum be_state state;
    char *error;
    int64_t latency_ms;
    int fails;
    int64_t retry_at_ms; /* backoff deadline, 0 when not failing */
    bool insecure;
    struct kind_state ks[KIND_COUNT];
};

struct fleet {
    struct http *http;
    struct backend *bes;
    size_t n;
    struct fleet_opts opts;
    fleet_change_fn on_change;
    void *on_change_ud;
    bool paused;
    uint64_t rng;
};

/* Set up / tear down one backend (backend.c). */
char *backend_init(struct backend *be, struct fleet *f, struct backend_conf *conf);
void backend_done(struct backend *be);
/* Tell the fleet's listener (fleet.c). */
void fleet_notify(struct fleet *f, struct backend *be, int kind);
/* Record a failed poll and schedule the retry (fleet.c). */
void fleet_poll_failed(struct backend *be, const char *err, long retry_after_s);

#endif
