/* make bench, part 2: the network side of polling, through the same fleet and http code as
 * the console. tests/bench/bench.py starts the simulator, sets its faults and reads its
 * connection counts; this prints one JSON object per line.
 *
 *   bench_poll rounds R CA_FILE URL...   R poll rounds over jade backends at URL...: the time
 *                                        from fleet_poll_now() until every one has answered
 *   bench_poll tls K CA_FILE URL         CPU time of K requests on one kept connection, on K
 *                                        fresh clients (full handshake, CA file loaded), and
 *                                        of K requests on one client while the server closes
 *                                        each connection (the sim's "close" fault, which the
 *                                        driver sets when told "tls_ready" on stdout)
 * The driver answers each line it must act on with a line on stdin. */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/backend.h"
#include "net/http.h"
#include "tui/clock.h"
#include "tui/xalloc.h"

#define MAX_BACKENDS 64

struct round {
    size_t n;
    unsigned done_at_start[MAX_BACKENDS];
};

static void on_change(void *ud, struct backend *be, int kind)
{
    (void)be;
    (void)kind;
    (void)ud;
}

static double process_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Run the loop as the console does until pred says stop or timeout_ms passes. */
static bool run_until(struct fleet *f, bool (*pred)(struct fleet *, void *), void *ud,
                      int timeout_ms)
{
    int64_t end = clock_mono_ms() + timeout_ms;
    while (!pred(f, ud)) {
        int64_t now = clock_mono_ms();
        if (now > end)
            return false;
        http_wait(fleet_http(f), NULL, NULL, 0, fleet_next_due_ms(f, now, 50));
        http_run(fleet_http(f));
        fleet_tick(f, clock_mono_ms());
    }
    return true;
}

static bool all_answered(struct fleet *f, void *ud)
{
    const struct round *r = ud;
    for (size_t i = 0; i < r->n; i++) {
        if (be_polls_done(fleet_at(f, i), KIND_CHANNELS) <= r->done_at_start[i])
            return false;
    }
    return true;
}

static struct fleet *make_fleet(int n, char **urls, const char *ca)
{
    struct backend_conf *confs = xcalloc((size_t)n, sizeof *confs);
    for (int i = 0; i < n; i++) {
        confs[i].name = xasprintf("b%d", i);
        confs[i].type = xstrdup("jade");
        confs[i].url = xstrdup(urls[i]);
        confs[i].username = xstrdup("admin");
        confs[i].password = xstrdup("admin");
        confs[i].ca_file = xstrdup(ca);
    }
    /* A long interval: only fleet_poll_now() starts a round. */
    struct fleet_opts opts = {.refresh_ms = 3600 * 1000, .seed = 1};
    char *err = NULL;
    struct fleet *f = fleet_new(confs, (size_t)n, &opts, &err);
    free(confs);
    if (!f)
        die("bench: %s", err);
    fleet_set_listener(f, on_change, NULL);
    return f;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int bench_rounds(int reps, const char *ca, int n, char **urls)
{
    if (n > MAX_BACKENDS || reps < 1 || reps > 100)
        return 2;
    struct fleet *f = make_fleet(n, urls, ca);
    struct round r = {.n = (size_t)n};
    for (int i = 0; i < n; i++)
        fleet_want(f, fleet_at(f, (size_t)i), KIND_CHANNELS, true);
    double ms[100] = {0};
    /* Round 0 logs in and connects; it is not counted. */
    for (int k = 0; k <= reps; k++) {
        for (int i = 0; i < n; i++)
            r.done_at_start[i] = be_polls_done(fleet_at(f, (size_t)i), KIND_CHANNELS);
        int64_t t0 = clock_mono_ms();
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        fleet_poll_now(f);
        fleet_tick(f, t0);
        if (!run_until(f, all_answered, &r, 30000))
            die("bench: a poll round did not finish in 30 s");
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (k > 0)
            ms[k - 1] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
        if (k == 0) {
            /* The driver reads the sim's connection counts now, and again at the end. */
            printf("{\"what\":\"warm\"}\n");
            fflush(stdout);
            char line[16];
            if (!fgets(line, sizeof line, stdin))
                break;
        }
    }
    qsort(ms, (size_t)reps, sizeof *ms, cmp_double);
    size_t up = 0;
    for (int i = 0; i < n; i++)
        up += be_state(fleet_at(f, (size_t)i)) == BE_STATE_UP;
    printf("{\"what\":\"rounds\",\"n\":%d,\"up\":%zu,\"reps\":%d,\"median_ms\":%.2f,"
           "\"min_ms\":%.2f,\"max_ms\":%.2f}\n",
           n, up, reps, ms[reps / 2], ms[0], ms[reps - 1]);
    fflush(stdout);
    fleet_free(f);
    return 0;
}

struct one {
    bool done;
    long status;
};

static void on_done(void *ud, const struct http_result *res)
{
    struct one *o = ud;
    o->done = true;
    o->status = res->err == HTTP_OK ? res->status : -1;
}

static void get_once(struct http *h, const char *url, const char *ca)
{
    struct http_req *req = http_req_new("GET", url);
    struct http_tls tls = {.ca_file = ca};
    http_req_tls(req, &tls);
    struct one o = {0};
    (void)http_submit(h, req, on_done, &o);
    while (!o.done) {
        http_wait(h, NULL, NULL, 0, 100);
        http_run(h);
    }
    if (o.status < 0)
        die("bench: GET %s failed", url);
}

static int bench_tls(int k, const char *ca, const char *url)
{
    if (k < 1)
        return 2;
    char line[16];
    struct http *h = http_new(1);
    get_once(h, url, ca);
    double t0 = process_cpu_ms();
    for (int i = 0; i < k; i++)
        get_once(h, url, ca);
    double kept = (process_cpu_ms() - t0) / k;
    t0 = process_cpu_ms();
    for (int i = 0; i < k; i++) {
        struct http *fresh = http_new(1);
        get_once(fresh, url, ca);
        http_free(fresh);
    }
    double cold = (process_cpu_ms() - t0) / k;
    printf("{\"what\":\"tls_ready\"}\n");
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin))
        return 1;
    t0 = process_cpu_ms();
    for (int i = 0; i < k; i++)
        get_once(h, url, ca);
    double reconnect = (process_cpu_ms() - t0) / k;
    http_free(h);
    printf("{\"what\":\"tls\",\"k\":%d,\"kept_ms\":%.3f,\"cold_ms\":%.3f,\"reconnect_ms\":%.3f}\n",
           k, kept, cold, reconnect);
    return 0;
}

static int count_arg(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    return end != s && *end == '\0' && v > 0 && v <= 1000 ? (int)v : -1;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[1], "rounds") == 0)
        return bench_rounds(count_arg(argv[2]), argv[3], argc - 4, argv + 4);
    if (argc == 5 && strcmp(argv[1], "tls") == 0)
        return bench_tls(count_arg(argv[2]), argv[3], argv[4]);
    fprintf(stderr, "usage: bench_poll rounds R CA URL... | bench_poll tls K CA URL\n");
    return 2;
}
