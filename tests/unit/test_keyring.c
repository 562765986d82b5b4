/* net/keyring: the file format and its crypto. Round trips; files forged here from the
 * format's description with libsodium directly (so the code is checked against the spec,
 * not against itself); wrong passphrases; every truncation and every bit flip refused before
 * the KDF; header fields changed with the checksum fixed up still failing decryption;
 * versions; KDF bounds; padding. Saving and file safety are in test_keyring_save.c, the
 * payload in test_keyring_payload.c. Runs with PBXTOP_TEST_KDF=fast (the test hook). */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "net/keyring.h"
#include "tests/unit/keyring_testlib.h"
#include "tui/xalloc.h"

#define PASS "correct horse battery staple"
#define HDR  76

/* ------------------------------------------------------------------ forging files */

static uint32_t crc32_bitwise(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Recompute the checksum at 72 over bytes 0-71 and the ciphertext. */
static void fix_crc(uint8_t *file, size_t len)
{
    uint32_t crc = crc32_bitwise(0, file, 72);
    crc = crc32_bitwise(crc, file + HDR, len - HDR);
    put32(file + 72, crc);
}

struct forge {
    uint8_t major, minor, kdf, flags;
    uint32_t ops, mem_kib;
    uint64_t gen;
};

static const struct forge fast = {1, 0, 1, 0, 1, 8, 7};

/* A keyring file written from the format's description: header, AEAD over the payload with
 * bytes 0-71 as associated data, checksum. The key is Argon2id of PASS. */
static uint8_t *forge(const struct forge *fg, const uint8_t *plain, size_t plen, size_t *len)
{
    size_t ct_len = plen + crypto_aead_xchacha20poly1305_ietf_ABYTES;
    uint8_t *f = xcalloc(HDR + ct_len, 1), key[32];
    memcpy(f, "PBXTOPKR", 8);
    f[8] = fg->major;
    f[9] = fg->minor;
    f[10] = fg->kdf;
    f[11] = fg->flags;
    put32(f + 12, fg->ops);
    put32(f + 16, fg->mem_kib);
    randombytes_buf(f + 20, 16);
    randombytes_buf(f + 36, 24);
    put32(f + 60, (uint32_t)fg->gen);
    put32(f + 64, (uint32_t)(fg->gen >> 32));
    put32(f + 68, (uint32_t)ct_len);
    assert_int_equal(crypto_pwhash(key, sizeof key, PASS, strlen(PASS), f + 20,
                                   fg->ops ? fg->ops : 1,
                                   (size_t)(fg->mem_kib >= 8 ? fg->mem_kib : 8) * 1024,
                                   crypto_pwhash_ALG_ARGON2ID13),
                     0);
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(f + HDR, &clen, plain, plen, f, 72, NULL, f + 36,
                                               key);
    sodium_memzero(key, sizeof key);
    *len = HDR + ct_len;
    fix_crc(f, *len);
    return f;
}

/* The payload of one entry "office" with a username and a secret. */
static uint8_t *office_payload(size_t *len)
{
    struct krt_payload p = {0};
    krt_str(&p, KT_ENTRY, "office");
    krt_str(&p, KT_USERNAME, "admin");
    krt_str(&p, KT_SECRET, "s3cret");
    krt_token(&p, "refresh", "eyJ.refresh");
    krt_rec(&p, KT_END, NULL, 0);
    uint8_t *b = krt_padded(&p, len);
    krt_done(&p);
    return b;
}

static uint8_t *forge_office(const struct forge *fg, size_t *len)
{
    size_t plen;
    uint8_t *plain = office_payload(&plen);
    uint8_t *f = forge(fg, plain, plen, len);
    free(plain);
    return f;
}

/* ------------------------------------------------------------------ helpers */

static struct keyring_key *derive(const struct keyring_kdf *kdf, const char *pass)
{
    struct keyring_key *key = NULL;
    char *err = NULL;
    if (keyring_derive(kdf, pass, strlen(pass), &key, &err) != KR_OK)
        fail_msg("derive: %s", err);
    return key;
}

/* A keyring with two entries and every kind of field, saved at path. */
static void make_keyring(const char *path)
{
    struct keyring_kdf kdf;
    keyring_kdf_new(&kdf);
    struct keyring_key *key = derive(&kdf, PASS);
    struct keyring *kr = keyring_new(&kdf, key);
    keyring_key_free(key);
    char *err = NULL;
    assert_int_equal(keyring_set(kr, "office", KF_USERNAME, "admin", &err), KR_OK);
    assert_int_equal(keyring_set(kr, "office", KF_SECRET, "pa ss;#\"word", &err), KR_OK);
    assert_int_equal(keyring_set(kr, "office", KF_CLIENT_CERT, "-----BEGIN CERT-----\nA\n", &err),
                     KR_OK);
    assert_int_equal(keyring_set(kr, "office", KF_CLIENT_KEY, "-----BEGIN KEY-----\nB\n", &err),
                     KR_OK);
    assert_int_equal(keyring_set(kr, "office", KF_PIN, "sha256//AAAA=", &err), KR_OK);
    assert_int_equal(keyring_set_token(kr, "office", "refresh", "eyJ.r", &err), KR_OK);
    assert_int_equal(keyring_set_token(kr, "office", "access", "eyJ.a", &err), KR_OK);
    assert_int_equal(keyring_set(kr, "lab", KF_SECRET, "token-123", &err), KR_OK);
    if (keyring_save(kr, path, &err) != KR_OK)
        fail_msg("save: %s", err);
    keyring_free(kr);
}

static struct keyring *unlock(const char *path, const char *pass)
{
    struct keyring *kr = NULL;
    char *err = NULL;
    if (keyring_unlock(path, pass, strlen(pass), &kr, &err) != KR_OK)
        fail_msg("unlock: %s", err);
    return kr;
}

/* *err is read after the call that sets it (arguments have been evaluated by then). */
static void expect_status(enum kr_status got, enum kr_status want, char **errp, const char *needle)
{
    char *err = *errp;
    *errp = NULL;
    if (got != want)
        fail_msg("status %d, want %d (%s)", got, want, err ? err : "no message");
    if (want != KR_OK && (!err || !strstr(err, needle)))
        fail_msg("message '%s' lacks '%s'", err ? err : "(none)", needle);
    free(err);
}

static enum kr_status parse(const uint8_t *b, size_t len, char **err)
{
    struct keyring_file *f = NULL;
    *err = NULL;
    enum kr_status st = keyring_parse(b, len, &f, err);
    assert_true(st == KR_OK ? f != NULL : f == NULL);
    keyring_file_free(f);
    return st;
}

/* Parse b and open it with key: the outcome. */
static enum kr_status parse_open(const uint8_t *b, size_t len, const struct keyring_key *key,
                                 bool *parsed)
{
    struct keyring_file *f = NULL;
    struct keyring *kr = NULL;
    char *err = NULL;
    enum kr_status st = keyring_parse(b, len, &f, &err);
    *parsed = st == KR_OK;
    if (st == KR_OK)
        st = keyring_open(f, key, &kr, &err);
    free(err);
    keyring_free(kr);
    keyring_file_free(f);
    return st;
}

/* ------------------------------------------------------------------ tests */

static void test_round_trip(void **state)
{
    struct krt_dir *d = *state;
    make_keyring(d->path);
    struct keyring *kr = unlock(d->path, PASS);
    assert_int_equal(keyring_count(kr), 2);
    assert_string_equal(keyring_entry_name(keyring_at(kr, 0)), "lab");
    const struct keyring_entry *e = keyring_find(kr, "office");
    assert_non_null(e);
    assert_string_equal(keyring_entry_get(e, KF_USERNAME), "admin");
    assert_string_equal(keyring_entry_get(e, KF_SECRET), "pa ss;#\"word");
    assert_string_equal(keyring_entry_get(e, KF_CLIENT_CERT), "-----BEGIN CERT-----\nA\n");
    assert_string_equal(keyring_entry_get(e, KF_CLIENT_KEY), "-----BEGIN KEY-----\nB\n");
    assert_string_equal(keyring_entry_get(e, KF_PIN), "sha256//AAAA=");
    assert_int_equal(keyring_entry_ntokens(e), 2);
    assert_string_equal(keyring_entry_token_name(e, 0), "access");
    assert_string_equal(keyring_entry_token(e, "refresh"), "eyJ.r");
    assert_null(keyring_entry_token(e, "nope"));
    e = keyring_find(kr, "lab");
    assert_null(keyring_entry_get(e, KF_USERNAME));
    assert_string_equal(keyring_entry_get(e, KF_SECRET), "token-123");
    assert_int_equal(keyring_generation(kr), 1);
    assert_false(keyring_read_only(kr));

    /* Saved again: the generation counts saves, the secrets survive. */
    char *err = NULL;
    assert_int_equal(keyring_set(kr, "lab", KF_USERNAME, "ops", &err), KR_OK);
    assert_int_equal(keyring_save(kr, d->path, &err), KR_OK);
    assert_int_equal(keyring_generation(kr), 2);
    keyring_free(kr);
    kr = unlock(d->path, PASS);
    assert_int_equal(keyring_generation(kr), 2);
    assert_string_equal(keyring_entry_get(keyring_find(kr, "lab"), KF_USERNAME), "ops");
    assert_string_equal(keyring_entry_get(keyring_find(kr, "office"), KF_SECRET), "pa ss;#\"word");
    keyring_free(kr);
}

/* A file written from the format's description alone opens. */
static void test_forged_file_opens(void **state)
{
    struct krt_dir *d = *state;
    size_t len;
    uint8_t *f = forge_office(&fast, &len);
    krt_mkdirs(d);
    krt_spill(d->path, f, len, 0600);
    struct keyring *kr = unlock(d->path, PASS);
    const struct keyring_entry *e = keyring_find(kr, "office");
    assert_string_equal(keyring_entry_get(e, KF_SECRET), "s3cret");
    assert_string_equal(keyring_entry_token(e, "refresh"), "eyJ.refresh");
    assert_int_equal(keyring_generation(kr), 7);
    keyring_free(kr);
    free(f);
}

static void test_wrong_passphrase(void **state)
{
    struct krt_dir *d = *state;
    make_keyring(d->path);
    size_t len, len2;
    uint8_t *before = krt_slurp(d->path, &len);
    static const char *const wrong[] = {"", "correct horse battery stapl", PASS " ", "x"};
    for (size_t i = 0; i < 4; i++) {
        struct keyring *kr = NULL;
        char *err = NULL;
        enum kr_status st = keyring_unlock(d->path, wrong[i], strlen(wrong[i]), &kr, &err);
        assert_null(kr);
        /* No detail: the same words as for an altered file. */
        expect_status(st, KR_ERR_LOCKED, &err, "wrong passphrase, or the keyring file was altered");
    }
    uint8_t *after = krt_slurp(d->path, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(before, after, len);
    free(before);
    free(after);
}

/* Every prefix of a keyring is refused by the cheap checks (no KDF runs in keyring_parse),
 * and so is anything appended. */
static void test_every_truncation(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = forge_office(&fast, &len);
    char *err;
    assert_int_equal(parse(f, len, &err), KR_OK);
    for (size_t n = 0; n < len; n++) {
        enum kr_status st = parse(f, n, &err);
        if (st != KR_ERR_DAMAGED)
            fail_msg("a keyring cut to %zu bytes gave %d", n, st);
        const char *want = n == 0 ? "empty" : "truncated";
        if (!strstr(err, want))
            fail_msg("cut to %zu bytes: '%s' lacks '%s'", n, err, want);
        free(err);
    }
    uint8_t *longer = xmalloc(len + 1);
    memcpy(longer, f, len);
    longer[len] = 0;
    expect_status(parse(longer, len + 1, &err), KR_ERR_DAMAGED, &err, "junk after");
    expect_status(parse((const uint8_t *)"PBXTOPKQ", 8, &err), KR_ERR_DAMAGED, &err,
                  "not a pbxtop keyring");
    expect_status(parse((const uint8_t *)"\x7f"
                                         "ELF",
                        4, &err),
                  KR_ERR_DAMAGED, &err, "not a pbxtop keyring");
    free(longer);
    free(f);
}

/* Every single-bit flip anywhere in the file is caught before the KDF. */
static void test_every_bit_flip(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = forge_office(&fast, &len);
    for (size_t i = 0; i < len; i++) {
        for (int b = 0; b < 8; b++) {
            f[i] ^= (uint8_t)(1u << b);
            char *err = NULL;
            enum kr_status st = parse(f, len, &err);
            if (st == KR_OK)
                fail_msg("flipping bit %d of byte %zu went unnoticed", b, i);
            free(err);
            f[i] ^= (uint8_t)(1u << b);
        }
    }
    free(f);
}

/* With the checksum fixed up, a changed header field or ciphertext bit passes the cheap
 * checks or not, but never decrypts: the header is the AEAD's associated data. */
static void test_fixed_checksum_still_fails(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = forge_office(&fast, &len);
    struct keyring_file *kf = NULL;
    char *err = NULL;
    assert_int_equal(keyring_parse(f, len, &kf, &err), KR_OK);
    struct keyring_key *key = derive(keyring_file_kdf(kf), PASS);
    keyring_file_free(kf);
    bool parsed;
    assert_int_equal(parse_open(f, len, key, &parsed), KR_OK);
    /* Every bit of the header; in the ciphertext, one bit of every byte (each bit there is
     * the same case for the AEAD, and every one is covered by test_every_bit_flip). */
    size_t reached = 0;
    for (size_t i = 0; i < len; i++) {
        if (i >= 72 && i < HDR)
            continue; /* the checksum itself */
        for (int b = 0; b < 8; b++) {
            if (i >= HDR && b != (int)(i % 8))
                continue;
            f[i] ^= (uint8_t)(1u << b);
            fix_crc(f, len);
            enum kr_status st = parse_open(f, len, key, &parsed);
            if (st == KR_OK)
                fail_msg("bit %d of byte %zu changed, checksum fixed: it still opened", b, i);
            if (parsed && st != KR_ERR_LOCKED)
                fail_msg("bit %d of byte %zu: status %d, want LOCKED", b, i, st);
            reached += parsed;
            f[i] ^= (uint8_t)(1u << b);
        }
    }
    /* salt, nonce, generation, minor version and the ciphertext reach the AEAD */
    if (reached < (16 + 24 + 8 + 1) * 8 + (len - HDR))
        fail_msg("only %zu changed files got as far as decryption", reached);
    fix_crc(f, len);

    /* The generation changed and the key derived again from the header as it now is. */
    f[60] ^= 1;
    fix_crc(f, len);
    assert_int_equal(keyring_parse(f, len, &kf, &err), KR_OK);
    struct keyring_key *key2 = derive(keyring_file_kdf(kf), PASS);
    struct keyring *kr = NULL;
    expect_status(keyring_open(kf, key2, &kr, &err), KR_ERR_LOCKED, &err, "wrong passphrase");
    keyring_file_free(kf);
    keyring_key_free(key2);

    /* More passes asked for (within bounds): another key, and still the AD fails. */
    f[60] ^= 1;
    put32(f + 12, 2);
    fix_crc(f, len);
    assert_int_equal(keyring_parse(f, len, &kf, &err), KR_OK);
    key2 = derive(keyring_file_kdf(kf), PASS);
    expect_status(keyring_open(kf, key2, &kr, &err), KR_ERR_LOCKED, &err, "wrong passphrase");
    keyring_file_free(kf);
    keyring_key_free(key2);
    keyring_key_free(key);
    free(f);
}

static void test_versions(void **state)
{
    (void)state;
    char *err;
    size_t len;
    struct forge fg = fast;
    fg.major = 2;
    uint8_t *f = forge_office(&fg, &len);
    expect_status(parse(f, len, &err), KR_ERR_VERSION, &err, "format version 2.0");
    f[8] = 2;
    expect_status(parse(f, len, &err), KR_ERR_VERSION, &err, "upgrade pbxtop");
    f[8] = 0;
    fix_crc(f, len);
    expect_status(parse(f, len, &err), KR_ERR_VERSION, &err, "format version 0.0");
    /* The version is checked before the length: a short newer file says so too. */
    expect_status(parse(f, 12, &err), KR_ERR_VERSION, &err, "format version");
    free(f);

    fg = fast;
    fg.kdf = 2;
    f = forge_office(&fg, &len);
    expect_status(parse(f, len, &err), KR_ERR_VERSION, &err, "KDF id 2");
    free(f);
    fg = fast;
    fg.flags = 1;
    f = forge_office(&fg, &len);
    expect_status(parse(f, len, &err), KR_ERR_DAMAGED, &err, "flags");
    free(f);
}

/* A newer minor version opens, read-only: its unknown records are skipped, not saved. */
static void test_newer_minor_read_only(void **state)
{
    struct krt_dir *d = *state;
    struct krt_payload p = {0};
    krt_str(&p, KT_ENTRY, "office");
    krt_str(&p, KT_SECRET, "s3cret");
    krt_str(&p, 42, "something new");
    krt_rec(&p, KT_END, NULL, 0);
    size_t plen, len;
    uint8_t *plain = krt_padded(&p, &plen);
    krt_done(&p);
    struct forge fg = fast;
    fg.minor = 3;
    fg.flags = 0x10;
    uint8_t *f = forge(&fg, plain, plen, &len);
    krt_mkdirs(d);
    krt_spill(d->path, f, len, 0600);
    struct keyring *kr = unlock(d->path, PASS);
    assert_true(keyring_read_only(kr));
    assert_string_equal(keyring_entry_get(keyring_find(kr, "office"), KF_SECRET), "s3cret");
    char *err = NULL;
    expect_status(keyring_save(kr, d->path, &err), KR_ERR_READ_ONLY, &err, "newer pbxtop");
    keyring_free(kr);

    /* The same payload in a file of this minor version: the unknown record is refused. */
    fg = fast;
    free(f);
    f = forge(&fg, plain, plen, &len);
    krt_spill(d->path, f, len, 0600);
    kr = NULL;
    expect_status(keyring_unlock(d->path, PASS, strlen(PASS), &kr, &err), KR_ERR_DAMAGED, &err,
                  "unknown record type 42");
    assert_null(kr);
    free(f);
    free(plain);
}

static void test_kdf_bounds(void **state)
{
    (void)state;
    char *err;
    size_t len;
    uint8_t *f = forge_office(&fast, &len);
    /* 4 GiB: refused by the cheap checks, whatever the test hook says. */
    put32(f + 16, 4u * 1024 * 1024);
    fix_crc(f, len);
    expect_status(parse(f, len, &err), KR_ERR_DAMAGED, &err, "above the ceiling of 1024 MiB");
    put32(f + 16, 0xffffffffu);
    fix_crc(f, len);
    expect_status(parse(f, len, &err), KR_ERR_DAMAGED, &err, "ceiling");
    put32(f + 16, 1024 * 1024 + 1);
    fix_crc(f, len);
    expect_status(parse(f, len, &err), KR_ERR_DAMAGED, &err, "ceiling");
    put32(f + 16, 8);
    put32(f + 12, 9);
    fix_crc(f, len);
    expect_status(parse(f, len, &err), KR_ERR_DAMAGED, &err, "passes are above the ceiling");
    put32(f + 12, 0);
    fix_crc(f, len);
    expect_status(parse(f, len, &err), KR_ERR_DAMAGED, &err, "below the floor");

    /* Without the hook, the floor is libsodium's INTERACTIVE level. */
    put32(f + 12, 1);
    fix_crc(f, len);
    assert_int_equal(parse(f, len, &err), KR_OK);
    unsetenv("PBXTOP_TEST_KDF");
    expect_status(parse(f, len, &err), KR_ERR_DAMAGED, &err, "memory is below the floor of 64 MiB");
    put32(f + 16, 64 * 1024);
    fix_crc(f, len);
    expect_status(parse(f, len, &err), KR_ERR_DAMAGED, &err, "passes are below the floor of 2");
    put32(f + 12, 2);
    fix_crc(f, len);
    assert_int_equal(parse(f, len, &err), KR_OK);
    put32(f + 12, 8);
    put32(f + 16, 1024 * 1024);
    fix_crc(f, len);
    assert_int_equal(parse(f, len, &err), KR_OK);

    /* keyring_derive checks too, for callers with parameters of their own. */
    struct keyring_kdf kdf = {.alg = 1, .ops = 3, .mem_kib = 4u << 20};
    struct keyring_key *key = NULL;
    expect_status(keyring_derive(&kdf, "x", 1, &key, &err), KR_ERR_DAMAGED, &err, "ceiling");
    assert_null(key);
    /* and new keyrings get MODERATE */
    keyring_kdf_new(&kdf);
    assert_int_equal(kdf.ops, 3);
    assert_int_equal(kdf.mem_kib, 256 * 1024);
    assert_int_equal(setenv("PBXTOP_TEST_KDF", "fast", 1), 0);
    keyring_kdf_new(&kdf);
    assert_int_equal(kdf.ops, 1);
    assert_int_equal(kdf.mem_kib, 8);
    free(f);
}

/* The file's size does not tell how long a secret is. */
static void test_padding_hides_length(void **state)
{
    (void)state;
    size_t sizes[3];
    static const size_t lens[3] = {1, 100, 3000};
    struct keyring_kdf kdf;
    keyring_kdf_new(&kdf);
    struct keyring_key *key = derive(&kdf, PASS);
    for (int i = 0; i < 3; i++) {
        struct keyring *kr = keyring_new(&kdf, key);
        char *secret = xcalloc(lens[i] + 1, 1), *err = NULL;
        memset(secret, 'x', lens[i]);
        assert_int_equal(keyring_set(kr, "office", KF_SECRET, secret, &err), KR_OK);
        uint8_t *buf;
        assert_int_equal(keyring_encode(kr, &buf, &sizes[i], &err), KR_OK);
        free(buf);
        free(secret);
        keyring_free(kr);
    }
    assert_int_equal(sizes[0], HDR + 4096 + 16);
    assert_int_equal(sizes[1], sizes[0]);
    assert_int_equal(sizes[2], sizes[0]);
    keyring_key_free(key);
}

/* Two encodings of the same keyring differ (fresh nonce) and both open. */
static void test_fresh_nonce(void **state)
{
    (void)state;
    struct keyring_kdf kdf;
    keyring_kdf_new(&kdf);
    struct keyring_key *key = derive(&kdf, PASS);
    struct keyring *kr = keyring_new(&kdf, key);
    char *err = NULL;
    assert_int_equal(keyring_set(kr, "a", KF_SECRET, "b", &err), KR_OK);
    uint8_t *x, *y;
    size_t lx, ly;
    assert_int_equal(keyring_encode(kr, &x, &lx, &err), KR_OK);
    assert_int_equal(keyring_encode(kr, &y, &ly, &err), KR_OK);
    assert_int_equal(lx, ly);
    assert_memory_not_equal(x + 36, y + 36, 24);
    assert_int_equal(get32(x + 60), 1);
    bool parsed;
    assert_int_equal(parse_open(x, lx, key, &parsed), KR_OK);
    assert_int_equal(parse_open(y, ly, key, &parsed), KR_OK);
    free(x);
    free(y);
    keyring_free(kr);
    keyring_key_free(key);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    setenv("PBXTOP_TEST_KDF", "fast", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, krt_setup, krt_teardown),
        cmocka_unit_test_setup_teardown(test_forged_file_opens, krt_setup, krt_teardown),
        cmocka_unit_test_setup_teardown(test_wrong_passphrase, krt_setup, krt_teardown),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_every_bit_flip),
        cmocka_unit_test(test_fixed_checksum_still_fails),
        cmocka_unit_test(test_versions),
        cmocka_unit_test_setup_teardown(test_newer_minor_read_only, krt_setup, krt_teardown),
        cmocka_unit_test(test_kdf_bounds),
        cmocka_unit_test(test_padding_hides_length),
        cmocka_unit_test(test_fresh_nonce),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
