/* The keyring's entries and the plaintext they are stored as. The payload is a run of
 * records, each a type byte, a 32-bit little-endian length and that many bytes:
 *
 *   1  ENTRY   the entry's name; starts an entry (names strictly ascending)
 *   2  USERNAME, 3 SECRET, 4 CLIENT_CERT, 5 CLIENT_KEY, 6 PIN: the entry's fields, each at
 *      most once, in this order
 *   7  TOKEN   a name-length byte, the token's name, its value (names strictly ascending)
 *   255 END    empty; the last record
 *
 * then ISO/IEC 7816-4 padding (0x80, zeros) to the next multiple of 4096 bytes, so that the
 * file's size tells nothing about the length of any one secret. Values are 1 to 65536 bytes
 * without NUL. The parser takes nothing on trust: a file from this minor version with any
 * record out of place is refused; one from a newer minor may carry record types this
 * version skips (it then opens read-only). */
#define _POSIX_C_SOURCE 200809L
#include "net/keyring.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "net/keyring_int.h"
#include "tui/xalloc.h"

enum {
    T_ENTRY = 1,
    T_FIELD = 2, /* + enum keyring_field */
    T_TOKEN = T_FIELD + KF_COUNT,
    T_END = 255,
};
#define REC_HEAD 5

struct keyring *kr_alloc(void)
{
    return xcalloc(1, sizeof(struct keyring));
}

static void entry_done(struct keyring_entry *e)
{
    for (int f = 0; f < KF_COUNT; f++)
        secret_free(e->field[f]);
    for (size_t i = 0; i < e->ntokens; i++) {
        free(e->tokens[i].name);
        secret_free(e->tokens[i].value);
    }
    free(e->tokens);
    free(e->name);
}

void keyring_free(struct keyring *kr)
{
    if (!kr)
        return;
    for (size_t i = 0; i < kr->n; i++)
        entry_done(&kr->entries[i]);
    free(kr->entries);
    keyring_key_free(kr->key);
    free(kr);
}

bool keyring_read_only(const struct keyring *kr)
{
    return kr->read_only;
}

uint64_t keyring_generation(const struct keyring *kr)
{
    return kr->generation;
}

size_t keyring_count(const struct keyring *kr)
{
    return kr->n;
}

const struct keyring_entry *keyring_at(const struct keyring *kr, size_t i)
{
    return i < kr->n ? &kr->entries[i] : NULL;
}

/* Index of name, or where it would go (with *found false). */
static size_t entry_slot(const struct keyring *kr, const char *name, bool *found)
{
    size_t i = 0;
    while (i < kr->n && strcmp(kr->entries[i].name, name) < 0)
        i++;
    *found = i < kr->n && strcmp(kr->entries[i].name, name) == 0;
    return i;
}

const struct keyring_entry *keyring_find(const struct keyring *kr, const char *name)
{
    bool found;
    size_t i = entry_slot(kr, name, &found);
    return found ? &kr->entries[i] : NULL;
}

const char *keyring_entry_name(const struct keyring_entry *e)
{
    return e->name;
}

const char *keyring_entry_get(const struct keyring_entry *e, enum keyring_field f)
{
    return (unsigned)f < KF_COUNT ? e->field[f] : NULL;
}

const char *keyring_field_name(enum keyring_field f)
{
    static const char *const names[KF_COUNT] = {"username", "secret", "client_cert", "client_key",
                                                "pin"};
    return (unsigned)f < KF_COUNT ? names[f] : "?";
}

size_t keyring_entry_ntokens(const struct keyring_entry *e)
{
    return e->ntokens;
}

const char *keyring_entry_token_name(const struct keyring_entry *e, size_t i)
{
    return i < e->ntokens ? e->tokens[i].name : NULL;
}

const char *keyring_entry_token(const struct keyring_entry *e, const char *name)
{
    for (size_t i = 0; i < e->ntokens; i++) {
        if (strcmp(e->tokens[i].name, name) == 0)
            return e->tokens[i].value;
    }
    return NULL;
}

/* Entry and token names: as config.ini's section names. */
static bool valid_name(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", s[i]) ||
            s[i] == '\0')
            return false;
    }
    return true;
}

bool keyring_valid_name(const char *name)
{
    return valid_name(name, strlen(name));
}

static enum kr_status invalid(char **err, const char *fmt, ...) PBX_PRINTF(2, 3);

static enum kr_status invalid(char **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    *err = xvasprintf(fmt, ap);
    va_end(ap);
    return KR_ERR_INVALID;
}

/* Entry `name`, created (empty) when missing. */
static enum kr_status entry_get(struct keyring *kr, const char *name, struct keyring_entry **out,
                                char **err)
{
    if (!valid_name(name, strlen(name)))
        return invalid(err,
                       "'%s' is not an entry name: 1 to 64 letters, digits, '_', '.' or '-', as "
                       "a backend's name in config.ini",
                       name);
    bool found;
    size_t i = entry_slot(kr, name, &found);
    if (!found) {
        if (kr->n >= KEYRING_MAX_ENTRIES)
            return invalid(err, "the keyring holds %d entries, the most it can",
                           KEYRING_MAX_ENTRIES);
        kr->entries = xgrow(kr->entries, &kr->cap, kr->n + 1, sizeof *kr->entries);
        memmove(&kr->entries[i + 1], &kr->entries[i], (kr->n - i) * sizeof *kr->entries);
        memset(&kr->entries[i], 0, sizeof kr->entries[i]);
        kr->entries[i].name = xstrdup(name);
        kr->n++;
    }
    *out = &kr->entries[i];
    return KR_OK;
}

static enum kr_status check_value(const char *what, const char *value, char **err)
{
    if (strlen(value) > KEYRING_MAX_VALUE)
        return invalid(err, "%s: longer than %d bytes", what, KEYRING_MAX_VALUE);
    return KR_OK;
}

enum kr_status keyring_set(struct keyring *kr, const char *name, enum keyring_field f,
                           const char *value, char **err)
{
    struct keyring_entry *e;
    if ((unsigned)f >= KF_COUNT)
        return invalid(err, "no such keyring field (%d)", (int)f);
    if (!value || !*value) {
        bool found;
        size_t i = entry_slot(kr, name, &found);
        if (found) {
            secret_free(kr->entries[i].field[f]);
            kr->entries[i].field[f] = NULL;
        }
        return KR_OK;
    }
    enum kr_status rc = check_value(keyring_field_name(f), value, err);
    if (rc == KR_OK)
        rc = entry_get(kr, name, &e, err);
    if (rc != KR_OK)
        return rc;
    secret_free(e->field[f]);
    e->field[f] = secret_dup(value);
    return KR_OK;
}

enum kr_status keyring_set_token(struct keyring *kr, const char *name, const char *token,
                                 const char *value, char **err)
{
    if (!valid_name(token, strlen(token)))
        return invalid(err, "'%s' is not a token name", token);
    struct keyring_entry *e = NULL;
    if (value) {
        enum kr_status rc = check_value(token, value, err);
        if (rc == KR_OK)
            rc = entry_get(kr, name, &e, err);
        if (rc != KR_OK)
            return rc;
    } else {
        bool found;
        size_t at = entry_slot(kr, name, &found);
        if (!found)
            return KR_OK;
        e = &kr->entries[at];
    }
    size_t i = 0;
    while (i < e->ntokens && strcmp(e->tokens[i].name, token) < 0)
        i++;
    bool have = i < e->ntokens && strcmp(e->tokens[i].name, token) == 0;
    if (have) {
        secret_free(e->tokens[i].value);
        e->tokens[i].value = NULL;
        if (value) {
            e->tokens[i].value = secret_dup(value);
            return KR_OK;
        }
        free(e->tokens[i].name);
        memmove(&e->tokens[i], &e->tokens[i + 1], (e->ntokens - i - 1) * sizeof *e->tokens);
        e->ntokens--;
        return KR_OK;
    }
    if (!value)
        return KR_OK;
    if (e->ntokens >= KEYRING_MAX_TOKENS)
        return invalid(err, "entry '%s' holds %d tokens, the most it can", name,
                       KEYRING_MAX_TOKENS);
    e->tokens = xrealloc(e->tokens, (e->ntokens + 1) * sizeof *e->tokens);
    memmove(&e->tokens[i + 1], &e->tokens[i], (e->ntokens - i) * sizeof *e->tokens);
    e->tokens[i] = (struct kr_token){xstrdup(token), secret_dup(value)};
    e->ntokens++;
    return KR_OK;
}

bool keyring_remove(struct keyring *kr, const char *name)
{
    bool found;
    size_t i = entry_slot(kr, name, &found);
    if (!found)
        return false;
    entry_done(&kr->entries[i]);
    memmove(&kr->entries[i], &kr->entries[i + 1], (kr->n - i - 1) * sizeof *kr->entries);
    kr->n--;
    return true;
}

/* ---- encoding */

static uint8_t *put_rec(uint8_t *p, unsigned tag, const char *v, size_t n)
{
    *p = (uint8_t)tag;
    kr_put32(p + 1, (uint32_t)n);
    memcpy(p + REC_HEAD, v, n);
    return p + REC_HEAD + n;
}

static size_t encoded_size(const struct keyring *kr)
{
    size_t n = REC_HEAD; /* END */
    for (size_t i = 0; i < kr->n; i++) {
        const struct keyring_entry *e = &kr->entries[i];
        n += REC_HEAD + strlen(e->name);
        for (int f = 0; f < KF_COUNT; f++)
            n += e->field[f] ? REC_HEAD + strlen(e->field[f]) : 0;
        for (size_t t = 0; t < e->ntokens; t++)
            n += REC_HEAD + 1 + strlen(e->tokens[t].name) + strlen(e->tokens[t].value);
    }
    return n;
}

enum kr_status kr_payload_encode(const struct keyring *kr, uint8_t **out, size_t *len, char **err)
{
    size_t used = encoded_size(kr);
    size_t padded = (used / KR_PAD_BLOCK + 1) * KR_PAD_BLOCK; /* the 0x80 always fits */
    if (padded > KR_MAX_PLAIN)
        return invalid(err, "the keyring would be larger than %u MiB", KR_MAX_PLAIN >> 20);
    uint8_t *buf = secret_alloc(padded), *p = buf;
    for (size_t i = 0; i < kr->n; i++) {
        const struct keyring_entry *e = &kr->entries[i];
        p = put_rec(p, T_ENTRY, e->name, strlen(e->name));
        for (int f = 0; f < KF_COUNT; f++) {
            if (e->field[f])
                p = put_rec(p, T_FIELD + (unsigned)f, e->field[f], strlen(e->field[f]));
        }
        for (size_t t = 0; t < e->ntokens; t++) {
            size_t nl = strlen(e->tokens[t].name), vl = strlen(e->tokens[t].value);
            p = put_rec(p, T_TOKEN, "", 0);
            kr_put32(p - 4, (uint32_t)(1 + nl + vl));
            *p++ = (uint8_t)nl;
            memcpy(p, e->tokens[t].name, nl);
            memcpy(p + nl, e->tokens[t].value, vl);
            p += nl + vl;
        }
    }
    p = put_rec(p, T_END, "", 0);
    *p = 0x80; /* ISO/IEC 7816-4; the rest of buf is zero already */
    *out = buf;
    *len = padded;
    return KR_OK;
}

/* ---- parsing */

struct pstate {
    const uint8_t *b;
    size_t pos, end;
    unsigned minor;
    struct keyring *kr;
    struct keyring_entry *cur;
    unsigned last; /* the last known record type in this entry */
    char *err;
};

static enum kr_status bad(struct pstate *ps, const char *fmt, ...) PBX_PRINTF(2, 3);

static enum kr_status bad(struct pstate *ps, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    ps->err = xasprintf("damaged payload: %s", msg);
    free(msg);
    return KR_ERR_DAMAGED;
}

static enum kr_status rec_entry(struct pstate *ps, const uint8_t *v, size_t n)
{
    if (!valid_name((const char *)v, n))
        return bad(ps, "an entry name is not 1 to 64 of [A-Za-z0-9_.-]");
    char *name = xstrndup((const char *)v, n);
    struct keyring *kr = ps->kr;
    enum kr_status rc = KR_OK;
    if (kr->n && strcmp(kr->entries[kr->n - 1].name, name) >= 0)
        rc = bad(ps, "entry '%s' is out of order or repeated", name);
    else if (kr->n >= KEYRING_MAX_ENTRIES)
        rc = bad(ps, "more than %d entries", KEYRING_MAX_ENTRIES);
    if (rc != KR_OK) {
        free(name);
        return rc;
    }
    kr->entries = xgrow(kr->entries, &kr->cap, kr->n + 1, sizeof *kr->entries);
    ps->cur = &kr->entries[kr->n++];
    memset(ps->cur, 0, sizeof *ps->cur);
    ps->cur->name = name;
    ps->last = T_ENTRY;
    return KR_OK;
}

static bool value_ok(const uint8_t *v, size_t n)
{
    return n > 0 && n <= KEYRING_MAX_VALUE && !memchr(v, '\0', n);
}

static enum kr_status rec_field(struct pstate *ps, unsigned tag, const uint8_t *v, size_t n)
{
    enum keyring_field f = (enum keyring_field)(tag - T_FIELD);
    if (!ps->cur)
        return bad(ps, "a %s comes before any entry", keyring_field_name(f));
    if (tag <= ps->last)
        return bad(ps, "entry '%s': %s is out of order or repeated", ps->cur->name,
                   keyring_field_name(f));
    if (!value_ok(v, n))
        return bad(ps, "entry '%s': %s is empty, too long or holds a NUL byte", ps->cur->name,
                   keyring_field_name(f));
    ps->cur->field[f] = secret_ndup((const char *)v, n);
    ps->last = tag;
    return KR_OK;
}

static enum kr_status rec_token(struct pstate *ps, const uint8_t *v, size_t n)
{
    struct keyring_entry *e = ps->cur;
    if (!e)
        return bad(ps, "a token comes before any entry");
    size_t nl = n ? v[0] : 0;
    if (n < 2 || nl + 1 >= n || !valid_name((const char *)v + 1, nl) ||
        !value_ok(v + 1 + nl, n - 1 - nl))
        return bad(ps, "entry '%s': a token is malformed", e->name);
    char *name = xstrndup((const char *)v + 1, nl);
    if (e->ntokens && strcmp(e->tokens[e->ntokens - 1].name, name) >= 0) {
        free(name);
        return bad(ps, "entry '%s': tokens are out of order or repeated", e->name);
    }
    if (e->ntokens >= KEYRING_MAX_TOKENS) {
        free(name);
        return bad(ps, "entry '%s': more than %d tokens", e->name, KEYRING_MAX_TOKENS);
    }
    e->tokens = xrealloc(e->tokens, (e->ntokens + 1) * sizeof *e->tokens);
    e->tokens[e->ntokens++] =
        (struct kr_token){name, secret_ndup((const char *)v + 1 + nl, n - 1 - nl)};
    ps->last = T_TOKEN;
    return KR_OK;
}

/* One record; *done at END. */
static enum kr_status record(struct pstate *ps, bool *done)
{
    if (ps->end - ps->pos < REC_HEAD)
        return bad(ps, "a record is cut short at byte %zu", ps->pos);
    size_t at = ps->pos;
    unsigned tag = ps->b[at];
    size_t n = kr_get32(ps->b + at + 1);
    if (n > ps->end - at - REC_HEAD)
        return bad(ps, "the record at byte %zu runs past the end", at);
    const uint8_t *v = ps->b + at + REC_HEAD;
    ps->pos = at + REC_HEAD + n;
    if (tag == T_END) {
        if (n != 0 || ps->pos != ps->end)
            return bad(ps, "data after the end marker at byte %zu", at);
        *done = true;
        return KR_OK;
    }
    if (tag == T_ENTRY)
        return rec_entry(ps, v, n);
    if (tag >= T_FIELD && tag < T_TOKEN)
        return rec_field(ps, tag, v, n);
    if (tag == T_TOKEN)
        return rec_token(ps, v, n);
    if (ps->minor > KEYRING_MINOR)
        return KR_OK; /* a newer version's record: skipped, and the keyring is read-only */
    return bad(ps, "unknown record type %u at byte %zu", tag, at);
}

enum kr_status keyring_payload_parse(const void *buf, size_t len, unsigned minor,
                                     struct keyring **out, char **err)
{
    struct pstate ps = {.b = buf, .minor = minor, .kr = kr_alloc()};
    enum kr_status rc = KR_OK;
    *out = NULL;
    size_t end = len;
    while (end > 0 && ps.b[end - 1] == 0)
        end--;
    if (len == 0 || len % KR_PAD_BLOCK || len > KR_MAX_PLAIN)
        rc = bad(&ps, "%zu bytes is not a padded size", len);
    else if (end == 0 || ps.b[end - 1] != 0x80 || len - end >= KR_PAD_BLOCK)
        rc = bad(&ps, "the padding is wrong");
    ps.end = end ? end - 1 : 0;
    bool done = false;
    while (rc == KR_OK && !done)
        rc = ps.pos == ps.end ? bad(&ps, "no end marker") : record(&ps, &done);
    if (rc != KR_OK) {
        keyring_free(ps.kr);
        *err = ps.err;
        return rc;
    }
    ps.kr->read_only = minor > KEYRING_MINOR;
    *out = ps.kr;
    return KR_OK;
}
