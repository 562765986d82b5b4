#define _POSIX_C_SOURCE 200809L
#include "net/http.h"

#include <curl/curl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/log.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

#define HEADER_MAX 8192

struct http {
    CURLM *multi;
    CURLSH *share;
    struct http_req **active; /* in flight, for http_cancel() and http_free() */
    size_t nactive, capactive;
    unsigned next_id;
};

struct http_req {
    CURL *easy;
    struct curl_slist *headers;
    char *method;
    char *url;
    char *location;
    char *content_type;
    long retry_after;
    struct strbuf body;
    bool too_large;
    unsigned id;
    http_done_fn done;
    void *ud;
    char errbuf[CURL_ERROR_SIZE];
};

static int global_refs;

struct http *http_new(int max_hosts)
{
    /* Session keys must never be written out, whatever the environment says. */
    (void)unsetenv("SSLKEYLOGFILE");
    if (global_refs++ == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        die("libcurl failed to initialise");
    struct http *h = xcalloc(1, sizeof *h);
    h->multi = curl_multi_init();
    h->share = curl_share_init();
    if (!h->multi || !h->share)
        die("libcurl failed to initialise");
    (void)curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    (void)curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    long conns = max_hosts < 8 ? 16 : 2L * max_hosts;
    (void)curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, conns);
    h->next_id = 1;
    return h;
}

static void req_destroy(struct http_req *r)
{
    if (!r)
        return;
    if (r->easy)
        curl_easy_cleanup(r->easy);
    /* Header lines may carry a token ("Authorization: Bearer ..."): wipe libcurl's copies. */
    for (struct curl_slist *l = r->headers; l; l = l->next)
        memset(l->data, 0, strlen(l->data));
    curl_slist_free_all(r->headers);
    strbuf_done(&r->body);
    free(r->method);
    free(r->url);
    free(r->location);
    free(r->content_type);
    free(r);
}

void http_req_free(struct http_req *r)
{
    req_destroy(r);
}

void http_free(struct http *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->nactive; i++) {
        (void)curl_multi_remove_handle(h->multi, h->active[i]->easy);
        req_destroy(h->active[i]);
    }
    free(h->active);
    curl_multi_cleanup(h->multi);
    curl_share_cleanup(h->share);
    free(h);
    if (--global_refs == 0)
        curl_global_cleanup();
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    struct http_req *r = ud;
    size_t n = size * nmemb;
    if (strbuf_add(&r->body, data, n)) {
        r->too_large = true;
        return 0; /* makes libcurl abort the transfer */
    }
    return n;
}

/* Header value after "Name:", trimmed, as a new string; NULL if this is another header. */
static char *header_value(const char *line, size_t n, const char *name)
{
    size_t nl = strlen(name);
    if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return NULL;
    const char *v = line + nl + 1, *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    return xstrndup(v, (size_t)(end - v));
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ud)
{
    struct http_req *r = ud;
    size_t n = size * nmemb;
    char *v;
    if (n > HEADER_MAX)
        return n;
    if ((v = header_value(line, n, "Location"))) {
        free(r->location);
        r->location = v;
    } else if ((v = header_value(line, n, "Content-Type"))) {
        free(r->content_type);
        r->content_type = v;
    } else if ((v = header_value(line, n, "Retry-After"))) {
        char *end;
        long secs = strtol(v, &end, 10);
        r->retry_after = (end != v && *end == '\0' && secs >= 0) ? secs : -1;
        free(v);
    }
    return n;
}

static void setopt_common(struct http_req *r)
{
    CURL *e = r->easy;
    (void)curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    (void)curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    /* An empty proxy string disables proxies, including those from the environment. */
    (void)curl_easy_setopt(e, CURLOPT_PROXY, "");
    (void)curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    (void)curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    (void)curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    (void)curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    (void)curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    (void)curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    (void)curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    (void)curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    (void)curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    (void)curl_easy_setopt(e, CURLOPT_USERAGENT, "pbxtop/" PBXTOP_VERSION);
    (void)curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    (void)curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    /* Keep the parsed CA store for a day instead of re-reading it per connection. libcurl
     * caches it only when no CA directory is in use, and Debian's libcurl has one built in
     * (/etc/ssl/certs, the same certificates as its default bundle): without this, every new
     * connection parsed the whole system bundle again, ~20 ms of CPU (make bench). */
    (void)curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
    (void)curl_easy_setopt(e, CURLOPT_CA_CACHE_TIMEOUT, 86400L);
}

struct http_req *http_req_new(const char *method, const char *url)
{
    struct http_req *r = xcalloc(1, sizeof *r);
    r->easy = curl_easy_init();
    if (!r->easy)
        die("libcurl failed to create a transfer");
    r->method = xstrdup(method);
    r->url = xstrdup(url);
    r->retry_after = -1;
    strbuf_init(&r->body, HTTP_MAX_BODY);
    setopt_common(r);
    (void)curl_easy_setopt(r->easy, CURLOPT_URL, url);
    if (strcmp(method, "GET") != 0)
        (void)curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, method);
    /* No 100-continue round trip: bodies are small and some servers mishandle it. */
    r->headers = curl_slist_append(r->headers, "Expect:");
    http_req_timeouts(r, 5000, 15000);
    http_req_max_body(r, HTTP_MAX_BODY);
    return r;
}

void http_req_header(struct http_req *r, const char *line)
{
    struct curl_slist *l = curl_slist_append(r->headers, line);
    if (!l)
        die("out of memory");
    r->headers = l;
}

void http_req_body(struct http_req *r, const char *data, size_t len)
{
    (void)curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    (void)curl_easy_setopt(r->easy, CURLOPT_COPYPOSTFIELDS, data);
}

void http_req_basic_auth(struct http_req *r, const char *user, const char *pass)
{
    (void)curl_easy_setopt(r->easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    (void)curl_easy_setopt(r->easy, CURLOPT_USERNAME, user ? user : "");
    (void)curl_easy_setopt(r->easy, CURLOPT_PASSWORD, pass ? pass : "");
}

void http_req_timeouts(struct http_req *r, long connect_ms, long total_ms)
{
    (void)curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    (void)curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, total_ms);
}

void http_req_max_body(struct http_req *r, size_t max)
{
    r->body.max = max;
    /* Refuses at once when Content-Length already says too much. */
    (void)curl_easy_setopt(r->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
}

void http_req_tls(struct http_req *r, const struct http_tls *tls)
{
    CURL *e = r->easy;
    if (tls->ca_file)
        (void)curl_easy_setopt(e, CURLOPT_CAINFO, tls->ca_file);
    if (tls->client_cert)
        (void)curl_easy_setopt(e, CURLOPT_SSLCERT, tls->client_cert);
    if (tls->client_key)
        (void)curl_easy_setopt(e, CURLOPT_SSLKEY, tls->client_key);
    /* From the keyring: libcurl copies the bytes, so nothing of ours outlives the call. */
    if (tls->cert_pem) {
        struct curl_blob b = {(void *)(uintptr_t)tls->cert_pem, strlen(tls->cert_pem),
                              CURL_BLOB_COPY};
        (void)curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &b);
    }
    if (tls->key_pem) {
        struct curl_blob b = {(void *)(uintptr_t)tls->key_pem, strlen(tls->key_pem),
                              CURL_BLOB_COPY};
        (void)curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &b);
    }
    if (tls->pin) {
        (void)curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, tls->pin);
        /* A pin alone names the exact key, which is what self-signed PBX certs need; with a
         * CA file as well, both must hold. */
        if (!tls->ca_file) {
            (void)curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
            (void)curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
        }
    }
    if (tls->insecure) {
        (void)curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        (void)curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
}

unsigned http_submit(struct http *h, struct http_req *r, http_done_fn done, void *ud)
{
    (void)curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
    (void)curl_easy_setopt(r->easy, CURLOPT_SHARE, h->share);
    r->done = done;
    r->ud = ud;
    r->id = h->next_id++;
    if (h->next_id == 0)
        h->next_id = 1;
    h->active = xgrow(h->active, &h->capactive, h->nactive + 1, sizeof *h->active);
    h->active[h->nactive++] = r;
    if (curl_multi_add_handle(h->multi, r->easy) != CURLM_OK)
        die("libcurl refused a transfer");
    char *safe = http_redact_url(r->url);
    log_msg("http: %s %s", r->method, safe);
    free(safe);
    return r->id;
}

static void forget(struct http *h, struct http_req *r)
{
    for (size_t i = 0; i < h->nactive; i++) {
        if (h->active[i] == r) {
            h->active[i] = h->active[--h->nactive];
            return;
        }
    }
}

void http_cancel(struct http *h, unsigned id)
{
    for (size_t i = 0; i < h->nactive; i++) {
        struct http_req *r = h->active[i];
        if (r->id == id) {
            (void)curl_multi_remove_handle(h->multi, r->easy);
            forget(h, r);
            req_destroy(r);
            return;
        }
    }
}

int http_in_flight(const struct http *h)
{
    return (int)h->nactive;
}

void http_wait(struct http *h, const int *fds, bool *ready, int nfds, int timeout_ms)
{
    struct curl_waitfd wfd[8];
    if (nfds > 8)
        nfds = 8;
    for (int i = 0; i < nfds; i++) {
        wfd[i].fd = fds[i];
        wfd[i].events = CURL_WAIT_POLLIN;
        wfd[i].revents = 0;
    }
    (void)curl_multi_poll(h->multi, wfd, (unsigned)nfds, timeout_ms, NULL);
    for (int i = 0; i < nfds; i++)
        ready[i] = (wfd[i].revents & CURL_WAIT_POLLIN) != 0;
}

static enum http_err classify(CURLcode rc, const struct http_req *r)
{
    switch (rc) {
    case CURLE_OK:
        return HTTP_OK;
    case CURLE_COULDNT_RESOLVE_HOST:
        return HTTP_ERR_RESOLVE;
    case CURLE_COULDNT_CONNECT:
        return HTTP_ERR_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return HTTP_ERR_TIMEOUT;
    case CURLE_FILESIZE_EXCEEDED:
        return HTTP_ERR_TOO_LARGE;
    case CURLE_WRITE_ERROR:
        return r->too_large ? HTTP_ERR_TOO_LARGE : HTTP_ERR_OTHER;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
        return HTTP_ERR_TLS;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
        return HTTP_ERR_DROPPED;
    default:
        return HTTP_ERR_OTHER;
    }
}

static char *error_text(enum http_err err, CURLcode rc, const struct http_req *r)
{
    switch (err) {
    case HTTP_OK:
        return xstrdup("");
    case HTTP_ERR_RESOLVE:
        return xstrdup("host name not found");
    case HTTP_ERR_CONNECT:
        return xstrdup("cannot connect (refused or unreachable)");
    case HTTP_ERR_TIMEOUT:
        return xstrdup("no answer in time");
    case HTTP_ERR_TOO_LARGE:
        if (r->body.max % (1u << 20) == 0)
            return xasprintf("response larger than %zu MiB refused", r->body.max >> 20);
        return xasprintf("response larger than %zu bytes refused", r->body.max);
    case HTTP_ERR_DROPPED:
        return xstrdup("connection dropped before a complete answer");
    case HTTP_ERR_TLS:
        return xasprintf("TLS: %s", r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
    case HTTP_ERR_OTHER:
        break;
    }
    return xstrdup(r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
}

static void finish(struct http *h, CURL *easy, CURLcode rc)
{
    struct http_req *r = NULL;
    (void)curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&r);
    (void)curl_multi_remove_handle(h->multi, easy);
    forget(h, r);

    struct http_result res = {0};
    curl_off_t total_us = 0;
    res.err = classify(rc, r);
    char *msg = error_text(res.err, rc, r);
    res.errmsg = msg;
    if (res.err == HTTP_OK)
        (void)curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &res.status);
    (void)curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total_us);
    res.elapsed_ms = (int64_t)(total_us / 1000);
    res.body = strbuf_cstr(&r->body);
    res.body_len = r->body.len;
    res.location = r->location;
    res.content_type = r->content_type;
    res.retry_after = r->retry_after;

    char *safe = http_redact_url(r->url);
    log_msg("http: %s %s -> %ld %s (%lld ms, %zu bytes)", r->method, safe, res.status, msg,
            (long long)res.elapsed_ms, res.body_len);
    free(safe);
    r->done(r->ud, &res);
    free(msg);
    req_destroy(r);
}

void http_run(struct http *h)
{
    int running = 0, left = 0;
    CURLMsg *m;
    (void)curl_multi_perform(h->multi, &running);
    while ((m = curl_multi_info_read(h->multi, &left))) {
        if (m->msg == CURLMSG_DONE)
            finish(h, m->easy_handle, m->data.result);
    }
}

void http_wakeup(struct http *h)
{
    (void)curl_multi_wakeup(h->multi);
}

static bool is_secret_param(const char *name, size_t n)
{
    static const char *const names[] = {"authtoken",     "token",    "access_token",
                                        "refresh_token", "password", "key",
                                        "api_key",       "apikey",   "secret"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strlen(names[i]) == n && strncasecmp(name, names[i], n) == 0)
            return true;
    }
    return false;
}

char *http_redact_url(const char *url)
{
    struct strbuf sb;
    strbuf_init(&sb, (size_t)-1 / 2);
    const char *q = strchr(url, '?');
    if (!q)
        return xstrdup(url);
    (void)strbuf_add(&sb, url, (size_t)(q - url) + 1);
    const char *p = q + 1;
    while (*p) {
        size_t len = strcspn(p, "&#");
        size_t eq = strcspn(p, "=&#");
        if (eq < len && is_secret_param(p, eq)) {
            (void)strbuf_add(&sb, p, eq + 1);
            (void)strbuf_adds(&sb, "***");
        } else {
            (void)strbuf_add(&sb, p, len);
        }
        p += len;
        if (*p)
            (void)strbuf_addc(&sb, *p++);
    }
    return strbuf_take(&sb);
}

bool http_has_async_dns(void)
{
    return (curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_ASYNCHDNS) != 0;
}
