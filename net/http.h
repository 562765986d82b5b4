/* Asynchronous HTTP over one libcurl multi handle. The only module that sees libcurl.
 * Nothing here blocks except http_wait(), which the event loop calls with its own timeout. */
#ifndef PBXTOP_NET_HTTP_H
#define PBXTOP_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_BODY (16u << 20) /* response bodies past this are refused */

struct http;
struct http_req;

/* How to trust a server. Strings are borrowed for the duration of http_req_tls(). */
struct http_tls {
    const char *ca_file;     /* PEM bundle to verify against; NULL: the system store */
    const char *pin;         /* "sha256//BASE64": trust exactly this public key */
    const char *client_cert; /* PEM client certificate file, or NULL */
    const char *client_key;  /* PEM client key file, or NULL */
    const char *cert_pem;    /* PEM client certificate text (from the keyring), or NULL */
    const char *key_pem;     /* PEM client key text, or NULL */
    bool insecure;           /* verify nothing (shown as a warning by the UI) */
};

enum http_err {
    HTTP_OK = 0,        /* a response arrived, whatever its status */
    HTTP_ERR_RESOLVE,   /* host name did not resolve */
    HTTP_ERR_CONNECT,   /* connection refused or unreachable */
    HTTP_ERR_TIMEOUT,   /* connect or total timeout */
    HTTP_ERR_TLS,       /* handshake or verification failed */
    HTTP_ERR_TOO_LARGE, /* body over the cap */
    HTTP_ERR_DROPPED,   /* connection closed without a complete response */
    HTTP_ERR_OTHER,
};

/* What a completion callback gets. Everything is borrowed until the callback returns. */
struct http_result {
    enum http_err err;
    const char *errmsg; /* human text for err; "" when err is HTTP_OK */
    long status;        /* HTTP status; 0 when no response */
    const char *body;   /* NUL-terminated; "" when empty */
    size_t body_len;
    const char *location;     /* Location header, or NULL */
    const char *content_type; /* Content-Type header, or NULL */
    long retry_after;         /* Retry-After in seconds, or -1 */
    int64_t elapsed_ms;
};

typedef void (*http_done_fn)(void *ud, const struct http_result *res);

/* A client for up to `max_hosts` distinct servers (sizes the connection cache so polling
 * reuses connections). Clears SSLKEYLOGFILE so TLS keys never reach a file. */
struct http *http_new(int max_hosts);
/* Cancels every transfer in flight without calling their callbacks. */
void http_free(struct http *h);

/* A request for `method` ("GET", "POST", "DELETE", ...) on `url`. Owned by the caller until
 * http_submit(). Defaults: 5 s connect, 15 s total, body cap HTTP_MAX_BODY, TLS verified. */
struct http_req *http_req_new(const char *method, const char *url);
void http_req_free(struct http_req *r);
/* Add a header line ("Accept: application/json"); copied. */
void http_req_header(struct http_req *r, const char *line);
/* Set the request body; copied. */
void http_req_body(struct http_req *r, const char *data, size_t len);
/* HTTP Basic credentials; libcurl copies them, nothing else keeps them. */
void http_req_basic_auth(struct http_req *r, const char *user, const char *pass);
void http_req_timeouts(struct http_req *r, long connect_ms, long total_ms);
void http_req_max_body(struct http_req *r, size_t max);
void http_req_tls(struct http_req *r, const struct http_tls *tls);

/* Start the request; takes ownership of r. `done` runs exactly once from http_run() unless
 * the request is cancelled. Returns an id for http_cancel() (never 0). */
unsigned http_submit(struct http *h, struct http_req *r, http_done_fn done, void *ud);
/* Abort a request in flight; its callback will not run. Unknown ids are ignored. */
void http_cancel(struct http *h, unsigned id);
int http_in_flight(const struct http *h);

/* Wait up to timeout_ms for network activity or for one of `fds` to become readable (ready[i]
 * is set for those that did). Returns early on http_wakeup() and on signals. */
void http_wait(struct http *h, const int *fds, bool *ready, int nfds, int timeout_ms);
/* Move transfers along and run the callbacks of those that finished. */
void http_run(struct http *h);
/* Make a concurrent http_wait() return; safe from another thread. */
void http_wakeup(struct http *h);

/* The URL with the values of token-like query parameters replaced by "***", for logs and
 * messages. Owned by the caller. */
char *http_redact_url(const char *url);
/* False when libcurl resolves names synchronously (the UI could then stall on DNS). */
bool http_has_async_dns(void);

#endif
