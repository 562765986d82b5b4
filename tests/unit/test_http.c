/* net/http against a tiny HTTP server running in a thread of this test: statuses and bodies,
 * the body cap, dropped and silent servers, redirects, Retry-After, cancellation, proxies
 * from the environment, URL redaction. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/http.h"
#include "tui/xalloc.h"

#define MIB (1u << 20)

/* ---- the test server: one connection, one canned answer ---- */

struct srv;
typedef void (*answer_fn)(struct srv *s, int fd);

struct srv {
    int lfd, port;
    int stop[2]; /* written to by srv_stop(): hanging answers give up */
    pthread_t th;
    answer_fn answer;
    const char *canned; /* for send_canned */
    size_t body_size;   /* for the big answers */
    bool with_length;
    char req[16384]; /* the request as received (headers, then body) */
    size_t req_len;
    int conns; /* connections accepted */
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is readable or srv_stop() was called; false on stop or after 10 s. */
static bool wait_readable(struct srv *s, int fd)
{
    struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = s->stop[0], .events = POLLIN}};
    int rc = poll(p, 2, 10000);
    return rc > 0 && !(p[1].revents & POLLIN) && (p[0].revents & (POLLIN | POLLHUP | POLLERR));
}

static bool send_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Read the request head and, if it announces one, its body. */
static void read_request(struct srv *s, int fd)
{
    size_t head = 0, want = 0;
    while (s->req_len < sizeof s->req - 1 && !(head && s->req_len >= head + want)) {
        if (!wait_readable(s, fd))
            break;
        ssize_t r = recv(fd, s->req + s->req_len, sizeof s->req - 1 - s->req_len, 0);
        if (r <= 0)
            break;
        s->req_len += (size_t)r;
        s->req[s->req_len] = '\0';
        const char *end = head ? NULL : strstr(s->req, "\r\n\r\n");
        if (!end)
            continue;
        head = (size_t)(end - s->req) + 4;
        for (const char *l = strstr(s->req, "\r\n"); l && l < end; l = strstr(l + 2, "\r\n")) {
            if (strncasecmp(l + 2, "Content-Length:", 15) == 0)
                want = strtoul(l + 17, NULL, 10);
        }
    }
}

static void *srv_main(void *arg)
{
    struct srv *s = arg;
    if (!wait_readable(s, s->lfd))
        return NULL;
    int fd = accept(s->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    s->conns++;
    read_request(s, fd);
    s->answer(s, fd);
    close(fd);
    return NULL;
}

static struct srv *srv_start(answer_fn answer)
{
    struct srv *s = xcalloc(1, sizeof *s);
    s->answer = answer;
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->lfd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->lfd, 4), 0);
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &al), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pipe(s->stop), 0);
    assert_int_equal(pthread_create(&s->th, NULL, srv_main, s), 0);
    return s;
}

/* Stop the server; returns the request it received (owned). */
static char *srv_finish(struct srv *s)
{
    assert_int_equal(write(s->stop[1], "x", 1), 1);
    pthread_join(s->th, NULL);
    close(s->lfd);
    close(s->stop[0]);
    close(s->stop[1]);
    char *req = xstrdup(s->req);
    free(s);
    return req;
}

static void srv_stop(struct srv *s)
{
    free(srv_finish(s));
}

static char *srv_url(const struct srv *s, const char *path)
{
    return xasprintf("http://127.0.0.1:%d%s", s->port, path);
}

static void send_canned(struct srv *s, int fd)
{
    (void)send_all(fd, s->canned, strlen(s->canned));
}

/* body_size bytes of body, delimited by Content-Length or by closing the connection. */
static void send_big(struct srv *s, int fd)
{
    char head[256];
    if (s->with_length)
        (void)snprintf(head, sizeof head,
                       "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                       "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                       s->body_size);
    else
        (void)snprintf(head, sizeof head,
                       "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                       "Connection: close\r\n\r\n");
    if (!send_all(fd, head, strlen(head)))
        return;
    static char chunk[64 * 1024];
    memset(chunk, 'x', sizeof chunk);
    for (size_t left = s->body_size; left > 0;) {
        size_t n = left < sizeof chunk ? left : sizeof chunk;
        if (!send_all(fd, chunk, n))
            return;
        left -= n;
    }
}

static void send_chunked_big(struct srv *s, int fd)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    if (!send_all(fd, head, sizeof head - 1))
        return;
    static char chunk[64 * 1024 + 32];
    for (size_t left = s->body_size; left > 0;) {
        size_t n = left < 64 * 1024 ? left : 64 * 1024;
        int h = snprintf(chunk, 32, "%zx\r\n", n);
        memset(chunk + h, 'y', n);
        memcpy(chunk + h + n, "\r\n", 2);
        if (!send_all(fd, chunk, (size_t)h + n + 2))
            return;
        left -= n;
    }
    (void)send_all(fd, "0\r\n\r\n", 5);
}

static void send_nothing(struct srv *s, int fd)
{
    (void)s;
    (void)fd;
}

/* Keep the connection open and silent until the test is over. */
static void hang(struct srv *s, int fd)
{
    char buf[512];
    while (wait_readable(s, fd)) {
        if (recv(fd, buf, sizeof buf, 0) <= 0)
            break;
    }
}

/* ---- the client side ---- */

struct outcome {
    int calls;
    enum http_err err;
    char *errmsg;
    long status;
    char *body;
    size_t body_len;
    char *location;
    char *content_type;
    long retry_after;
    int64_t elapsed_ms;
};

static void on_done(void *ud, const struct http_result *res)
{
    struct outcome *o = ud;
    o->calls++;
    if (o->calls > 1)
        return;
    o->err = res->err;
    o->errmsg = xstrdup(res->errmsg);
    o->status = res->status;
    o->body = xmalloc(res->body_len + 1);
    memcpy(o->body, res->body, res->body_len);
    o->body[res->body_len] = '\0';
    o->body_len = res->body_len;
    o->location = xstrdup_or_null(res->location);
    o->content_type = xstrdup_or_null(res->content_type);
    o->retry_after = res->retry_after;
    o->elapsed_ms = res->elapsed_ms;
}

static void outcome_done(struct outcome *o)
{
    free(o->errmsg);
    free(o->body);
    free(o->location);
    free(o->content_type);
}

/* Run the loop until the callback fired (and a little longer, to catch a second call). */
static void drive(struct http *h, struct outcome *o, int max_ms)
{
    int64_t end = now_ms() + max_ms;
    while (o->calls == 0 && now_ms() < end) {
        http_wait(h, NULL, NULL, 0, 50);
        http_run(h);
    }
    for (int i = 0; i < 3; i++) {
        http_wait(h, NULL, NULL, 0, 10);
        http_run(h);
    }
    if (o->calls == 0)
        fail_msg("no completion within %d ms", max_ms);
    assert_int_equal(o->calls, 1);
}

/* One GET through a fresh client; max_body 0 keeps the default cap. */
static void fetch(const char *url, size_t max_body, long total_ms, struct outcome *o)
{
    memset(o, 0, sizeof *o);
    struct http *h = http_new(1);
    struct http_req *r = http_req_new("GET", url);
    if (max_body)
        http_req_max_body(r, max_body);
    if (total_ms)
        http_req_timeouts(r, 2000, total_ms);
    unsigned id = http_submit(h, r, on_done, o);
    assert_true(id != 0);
    drive(h, o, 20000);
    assert_int_equal(http_in_flight(h), 0);
    http_free(h);
}

static void fetch_from(struct srv *s, size_t max_body, struct outcome *o)
{
    char *url = srv_url(s, "/v1/admin/core/channels");
    fetch(url, max_body, 0, o);
    free(url);
}

static void test_ok_with_body(void **state)
{
    (void)state;
    struct srv *s = srv_start(send_canned);
    s->canned = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 18\r\n"
                "\r\n{\"statuscode\":200}";
    struct outcome o;
    fetch_from(s, 0, &o);
    assert_int_equal(o.err, HTTP_OK);
    assert_string_equal(o.errmsg, "");
    assert_int_equal(o.status, 200);
    assert_int_equal(o.body_len, 18);
    assert_string_equal(o.body, "{\"statuscode\":200}");
    assert_string_equal(o.content_type, "application/json");
    assert_null(o.location);
    assert_int_equal(o.retry_after, -1);
    assert_true(o.elapsed_ms >= 0);
    char *req = srv_finish(s);
    assert_int_equal(strncmp(req, "GET /v1/admin/core/channels HTTP/1.1\r\n", 38), 0);
    free(req);
    outcome_done(&o);
}

static void test_error_status_delivered(void **state)
{
    (void)state;
    struct srv *s = srv_start(send_canned);
    s->canned = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\n{}";
    struct outcome o;
    fetch_from(s, 0, &o);
    /* a response arrived: that is success for the transport, whatever its status */
    assert_int_equal(o.err, HTTP_OK);
    assert_int_equal(o.status, 500);
    assert_string_equal(o.body, "{}");
    srv_stop(s);
    outcome_done(&o);
}

static void test_empty_body(void **state)
{
    (void)state;
    struct srv *s = srv_start(send_canned);
    s->canned = "HTTP/1.1 204 No Content\r\n\r\n";
    struct outcome o;
    fetch_from(s, 0, &o);
    assert_int_equal(o.err, HTTP_OK);
    assert_int_equal(o.status, 204);
    assert_int_equal(o.body_len, 0);
    assert_string_equal(o.body, "");
    srv_stop(s);
    outcome_done(&o);
}

static void test_request_method_headers_body(void **state)
{
    (void)state;
    struct srv *s = srv_start(send_canned);
    s->canned = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    char *url = srv_url(s, "/v1/admin/login");
    struct outcome o = {0};
    struct http *h = http_new(1);
    struct http_req *r = http_req_new("POST", url);
    http_req_header(r, "Content-Type: application/json");
    http_req_body(r, "{\"a\":1}", 7);
    http_req_basic_auth(r, "admin", "secret");
    (void)http_submit(h, r, on_done, &o);
    drive(h, &o, 10000);
    http_free(h);
    char *req = srv_finish(s);
    assert_int_equal(o.status, 200);
    assert_int_equal(strncmp(req, "POST /v1/admin/login HTTP/1.1\r\n", 31), 0);
    assert_non_null(strstr(req, "\r\nContent-Type: application/json\r\n"));
    /* admin:secret */
    assert_non_null(strstr(req, "\r\nAuthorization: Basic YWRtaW46c2VjcmV0\r\n"));
    assert_null(strstr(req, "Expect:"));
    assert_non_null(strstr(req, "\r\n\r\n{\"a\":1}"));
    free(req);
    free(url);
    outcome_done(&o);
}

static void test_too_large_with_length(void **state)
{
    (void)state;
    struct srv *s = srv_start(send_big);
    s->body_size = HTTP_MAX_BODY + 1;
    s->with_length = true;
    struct outcome o;
    fetch_from(s, 0, &o);
    assert_int_equal(o.err, HTTP_ERR_TOO_LARGE);
    assert_non_null(strstr(o.errmsg, "16 MiB"));
    assert_true(o.body_len <= HTTP_MAX_BODY);
    srv_stop(s);
    outcome_done(&o);
}

static void test_too_large_without_length(void **state)
{
    (void)state;
    struct srv *s = srv_start(send_big);
    s->body_size = HTTP_MAX_BODY + 1;
    s->with_length = false;
    struct outcome o;
    fetch_from(s, 0, &o);
    assert_int_equal(o.err, HTTP_ERR_TOO_LARGE);
    assert_non_null(strstr(o.errmsg, "16 MiB"));
    assert_true(o.body_len <= HTTP_MAX_BODY);
    srv_stop(s);
    outcome_done(&o);
}

static void test_too_large_chunked(void **state)
{
    (void)state;
    struct srv *s = srv_start(send_chunked_big);
    s->body_size = HTTP_MAX_BODY + 1;
    struct outcome o;
    fetch_from(s, 0, &o);
    assert_int_equal(o.err, HTTP_ERR_TOO_LARGE);
    assert_true(o.body_len <= HTTP_MAX_BODY);
    srv_stop(s);
    outcome_done(&o);
}

static void test_exactly_max_body_ok(void **state)
{
    (void)state;
    for (int with_length = 0; with_length < 2; with_length++) {
        struct srv *s = srv_start(send_big);
        s->body_size = HTTP_MAX_BODY;
        s->with_length = with_length;
        struct outcome o;
        fetch_from(s, 0, &o);
        if (o.err != HTTP_OK)
            fail_msg("16 MiB body (%s Content-Length): %s", with_length ? "with" : "without",
                     o.errmsg);
        assert_int_equal(o.status, 200);
        assert_int_equal(o.body_len, HTTP_MAX_BODY);
        assert_int_equal(o.body[0], 'x');
        assert_int_equal(o.body[HTTP_MAX_BODY - 1], 'x');
        srv_stop(s);
        outcome_done(&o);
    }
    struct srv *s = srv_start(send_chunked_big);
    s->body_size = HTTP_MAX_BODY;
    struct outcome o;
    fetch_from(s, 0, &o);
    assert_int_equal(o.err, HTTP_OK);
    assert_int_equal(o.body_len, HTTP_MAX_BODY);
    srv_stop(s);
    outcome_done(&o);
}

static void test_lowered_max_body(void **state)
{
    (void)state;
    static const struct {
        answer_fn fn;
        bool with_length;
        size_t size;
        enum http_err want;
    } cases[] = {
        {send_big, true, 1000, HTTP_OK},
        {send_big, true, 1001, HTTP_ERR_TOO_LARGE},
        {send_big, false, 1000, HTTP_OK},
        {send_big, false, 1001, HTTP_ERR_TOO_LARGE},
        {send_big, false, 300000, HTTP_ERR_TOO_LARGE},
        {send_chunked_big, false, 1001, HTTP_ERR_TOO_LARGE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct srv *s = srv_start(cases[i].fn);
        s->body_size = cases[i].size;
        s->with_length = cases[i].with_length;
        struct outcome o;
        fetch_from(s, 1000, &o);
        if (o.err != cases[i].want)
            fail_msg("case %zu: %zu bytes against a 1000-byte cap gave err %d (%s)", i,
                     cases[i].size, o.err, o.errmsg);
        assert_true(o.body_len <= 1000);
        if (o.err == HTTP_OK)
            assert_int_equal(o.body_len, cases[i].size);
        srv_stop(s);
        outcome_done(&o);
    }
}

static void test_lowered_max_body_message(void **state)
{
    (void)state;
    struct srv *s = srv_start(send_big);
    s->body_size = 5000;
    s->with_length = true;
    struct outcome o;
    fetch_from(s, 1000, &o);
    srv_stop(s);
    char msg[256];
    (void)snprintf(msg, sizeof msg, "%s", o.errmsg);
    enum http_err err = o.err;
    outcome_done(&o);
    assert_int_equal(err, HTTP_ERR_TOO_LARGE);
    /* the message must not claim a cap that is not the one applied */
    if (strstr(msg, " 0 MiB"))
        fail_msg("a 1000-byte cap is reported as '%s'", msg);
}

static void test_dropped_without_response(void **state)
{
    (void)state;
    struct srv *s = srv_start(send_nothing);
    struct outcome o;
    fetch_from(s, 0, &o);
    assert_int_equal(o.err, HTTP_ERR_DROPPED);
    assert_true(o.errmsg[0] != '\0');
    assert_int_equal(o.status, 0);
    srv_stop(s);
    outcome_done(&o);
}

static void test_dropped_mid_body(void **state)
{
    (void)state;
    struct srv *s = srv_start(send_canned);
    s->canned = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"statuscode\":";
    struct outcome o;
    fetch_from(s, 0, &o);
    assert_int_equal(o.err, HTTP_ERR_DROPPED);
    srv_stop(s);
    outcome_done(&o);
}

static void test_timeout(void **state)
{
    (void)state;
    struct srv *s = srv_start(hang);
    char *url = srv_url(s, "/slow");
    struct outcome o;
    int64_t t0 = now_ms();
    fetch(url, 0, 300, &o);
    int64_t took = now_ms() - t0;
    assert_int_equal(o.err, HTTP_ERR_TIMEOUT);
    assert_true(o.errmsg[0] != '\0');
    assert_int_equal(o.status, 0);
    if (took < 250 || took > 3000)
        fail_msg("a 300 ms timeout took %lld ms", (long long)took);
    srv_stop(s);
    free(url);
    outcome_done(&o);
}

/* A port on which nothing listens. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void test_connect_refused(void **state)
{
    (void)state;
    char *url = xasprintf("http://127.0.0.1:%d/v1/admin/login", closed_port());
    struct outcome o;
    fetch(url, 0, 0, &o);
    assert_int_equal(o.err, HTTP_ERR_CONNECT);
    assert_true(o.errmsg[0] != '\0');
    assert_int_equal(o.status, 0);
    free(url);
    outcome_done(&o);
}

static void test_redirect_not_followed(void **state)
{
    (void)state;
    struct srv *s = srv_start(send_canned);
    /* were it followed, the second request would fail to connect */
    char *canned = xasprintf("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:%d/elsewhere\r\n"
                             "Content-Length: 0\r\n\r\n",
                             closed_port());
    s->canned = canned;
    struct outcome o;
    fetch_from(s, 0, &o);
    assert_int_equal(o.err, HTTP_OK);
    assert_int_equal(o.status, 302);
    assert_non_null(o.location);
    assert_non_null(strstr(o.location, "/elsewhere"));
    assert_int_equal(o.location[strlen(o.location) - 1], 'e'); /* no CR/LF kept */
    srv_stop(s);
    free(canned);
    outcome_done(&o);
}

static void test_retry_after(void **state)
{
    (void)state;
    struct srv *s = srv_start(send_canned);
    s->canned = "HTTP/1.1 429 Too Many Requests\r\nretry-after: 7\r\nContent-Length: 0\r\n\r\n";
    struct outcome o;
    fetch_from(s, 0, &o);
    assert_int_equal(o.err, HTTP_OK);
    assert_int_equal(o.status, 429);
    assert_int_equal(o.retry_after, 7);
    srv_stop(s);
    outcome_done(&o);

    s = srv_start(send_canned);
    s->canned =
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: soon\r\nContent-Length: 0\r\n\r\n";
    fetch_from(s, 0, &o);
    assert_int_equal(o.status, 503);
    assert_int_equal(o.retry_after, -1);
    srv_stop(s);
    outcome_done(&o);
}

static void expect_redacted(const char *url, const char *want)
{
    char *got = http_redact_url(url);
    assert_string_equal(got, want);
    free(got);
}

static void test_redact_url(void **state)
{
    (void)state;
    expect_redacted("https://pbx:8088/v1/admin/core/channels?authtoken=7ac326bf-e146",
                    "https://pbx:8088/v1/admin/core/channels?authtoken=***");
    expect_redacted("https://pbx/v1/x?page=2&authtoken=7ac326bf&rows=10",
                    "https://pbx/v1/x?page=2&authtoken=***&rows=10");
    expect_redacted("https://pbx/api/x?token=abc.def", "https://pbx/api/x?token=***");
    expect_redacted("https://pbx/login?user=bob&password=hunter2",
                    "https://pbx/login?user=bob&password=***");
    expect_redacted("https://pbx/x?AuthToken=abc&x=1", "https://pbx/x?AuthToken=***&x=1");
    /* other parameters, and URLs without a query, are left as they are */
    expect_redacted("https://pbx/api/subscribers?page=1&rows=10&order_by=id",
                    "https://pbx/api/subscribers?page=1&rows=10&order_by=id");
    expect_redacted("https://pbx/v1/admin/core/channels", "https://pbx/v1/admin/core/channels");
    expect_redacted("https://pbx/x?notatoken=1&tokens=2", "https://pbx/x?notatoken=1&tokens=2");
    char *got = http_redact_url("https://pbx/x?password=p%40ss&authtoken=t0k&token=zz");
    assert_null(strstr(got, "p%40ss"));
    assert_null(strstr(got, "t0k"));
    assert_null(strstr(got, "zz"));
    free(got);
}

static void test_cancel(void **state)
{
    (void)state;
    struct srv *s = srv_start(hang);
    char *url = srv_url(s, "/slow");
    struct outcome o = {0};
    struct http *h = http_new(1);
    unsigned id = http_submit(h, http_req_new("GET", url), on_done, &o);
    /* let it connect and send */
    for (int i = 0; i < 10; i++) {
        http_wait(h, NULL, NULL, 0, 10);
        http_run(h);
    }
    assert_int_equal(http_in_flight(h), 1);
    http_cancel(h, id + 1000); /* unknown ids are ignored */
    assert_int_equal(http_in_flight(h), 1);
    http_cancel(h, id);
    assert_int_equal(http_in_flight(h), 0);
    int64_t end = now_ms() + 300;
    while (now_ms() < end) {
        http_wait(h, NULL, NULL, 0, 20);
        http_run(h);
    }
    assert_int_equal(o.calls, 0);
    http_cancel(h, id); /* twice is harmless */

    /* http_free() with a transfer in flight: no callback either */
    struct outcome o2 = {0};
    (void)http_submit(h, http_req_new("GET", url), on_done, &o2);
    http_run(h);
    http_free(h);
    assert_int_equal(o2.calls, 0);
    srv_stop(s);
    free(url);
}

static void test_proxy_env_ignored(void **state)
{
    (void)state;
    static const char *const vars[] = {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY",
                                       "http_proxy",  "ALL_PROXY",   "all_proxy"};
    char *proxy = xasprintf("http://127.0.0.1:%d", closed_port());
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        assert_int_equal(setenv(vars[i], proxy, 1), 0);
    (void)unsetenv("NO_PROXY");
    (void)unsetenv("no_proxy");
    struct srv *s = srv_start(send_canned);
    s->canned = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    char *url = srv_url(s, "/direct");
    struct outcome o;
    fetch(url, 0, 0, &o);
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        (void)unsetenv(vars[i]);
    assert_int_equal(o.err, HTTP_OK);
    assert_int_equal(o.status, 200);
    assert_string_equal(o.body, "ok");
    char *req = srv_finish(s);
    /* it came straight to us: an origin-form request line, not a proxy's absolute form */
    assert_int_equal(strncmp(req, "GET /direct HTTP/1.1\r\n", 22), 0);
    free(req);
    free(url);
    free(proxy);
    outcome_done(&o);
}

static void test_wait_wakes_for_fds(void **state)
{
    (void)state;
    struct http *h = http_new(1);
    int p[2];
    assert_int_equal(pipe(p), 0);
    bool ready = true;
    int64_t t0 = now_ms();
    http_wait(h, &p[0], &ready, 1, 100);
    assert_false(ready);
    assert_int_equal(write(p[1], "k", 1), 1);
    t0 = now_ms();
    http_wait(h, &p[0], &ready, 1, 5000);
    assert_true(ready);
    assert_true(now_ms() - t0 < 1000); /* a key press is not kept waiting */
    close(p[0]);
    close(p[1]);
    http_free(h);
}

static void *wake_later(void *arg)
{
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    http_wakeup(arg);
    return NULL;
}

static void test_wakeup_from_thread(void **state)
{
    (void)state;
    struct http *h = http_new(1);
    pthread_t th;
    int64_t t0 = now_ms();
    assert_int_equal(pthread_create(&th, NULL, wake_later, h), 0);
    http_wait(h, NULL, NULL, 0, 5000);
    assert_true(now_ms() - t0 < 2000);
    pthread_join(th, NULL);
    http_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_with_body),
        cmocka_unit_test(test_error_status_delivered),
        cmocka_unit_test(test_empty_body),
        cmocka_unit_test(test_request_method_headers_body),
        cmocka_unit_test(test_too_large_with_length),
        cmocka_unit_test(test_too_large_without_length),
        cmocka_unit_test(test_too_large_chunked),
        cmocka_unit_test(test_exactly_max_body_ok),
        cmocka_unit_test(test_lowered_max_body),
        cmocka_unit_test(test_lowered_max_body_message),
        cmocka_unit_test(test_dropped_without_response),
        cmocka_unit_test(test_dropped_mid_body),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_redirect_not_followed),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_redact_url),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_proxy_env_ignored),
        cmocka_unit_test(test_wait_wakes_for_fds),
        cmocka_unit_test(test_wakeup_from_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
