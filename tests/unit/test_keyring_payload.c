/* net/keyring: the decrypted payload and the entries. The parser takes what the encoder
 * writes and refuses everything else (order, repeats, empty or NUL values, bad names, junk
 * after the end, bad padding, every truncation, limits); a newer minor version's unknown
 * records are skipped. The edit calls keep entries and tokens sorted and refuse bad input. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/keyring.h"
#include "tests/unit/keyring_testlib.h"
#include "tui/xalloc.h"

static enum kr_status parse_payload(const struct krt_payload *p, unsigned minor,
                                    struct keyring **kr, char **err)
{
    size_t len;
    uint8_t *b = krt_padded(p, &len);
    *kr = NULL;
    *err = NULL;
    enum kr_status st = keyring_payload_parse(b, len, minor, kr, err);
    free(b);
    return st;
}

/* The payload is refused with a message holding needle. */
static void refused(const struct krt_payload *p, const char *needle)
{
    struct keyring *kr;
    char *err;
    enum kr_status st = parse_payload(p, 0, &kr, &err);
    if (st != KR_ERR_DAMAGED)
        fail_msg("accepted (status %d), want '%s'", st, needle);
    assert_null(kr);
    if (!strstr(err, "damaged payload") || !strstr(err, needle))
        fail_msg("message '%s' lacks '%s'", err, needle);
    free(err);
}

static void office(struct krt_payload *p)
{
    krt_str(p, KT_ENTRY, "lab");
    krt_str(p, KT_SECRET, "t0ken");
    krt_str(p, KT_ENTRY, "office");
    krt_str(p, KT_USERNAME, "admin");
    krt_str(p, KT_SECRET, "pw");
    krt_str(p, KT_CLIENT_CERT, "cert");
    krt_str(p, KT_CLIENT_KEY, "key");
    krt_str(p, KT_PIN, "sha256//x");
    krt_token(p, "access", "a");
    krt_token(p, "refresh", "r");
}

static void test_valid_payload(void **state)
{
    (void)state;
    struct krt_payload p = {0};
    struct keyring *kr;
    char *err;
    krt_rec(&p, KT_END, NULL, 0);
    assert_int_equal(parse_payload(&p, 0, &kr, &err), KR_OK);
    assert_int_equal(keyring_count(kr), 0);
    keyring_free(kr);
    krt_done(&p);

    office(&p);
    krt_rec(&p, KT_END, NULL, 0);
    assert_int_equal(parse_payload(&p, 0, &kr, &err), KR_OK);
    assert_int_equal(keyring_count(kr), 2);
    const struct keyring_entry *e = keyring_find(kr, "office");
    assert_string_equal(keyring_entry_get(e, KF_USERNAME), "admin");
    assert_string_equal(keyring_entry_get(e, KF_PIN), "sha256//x");
    assert_string_equal(keyring_entry_token(e, "access"), "a");
    assert_string_equal(keyring_entry_token(e, "refresh"), "r");
    assert_null(keyring_entry_get(keyring_find(kr, "lab"), KF_USERNAME));
    assert_false(keyring_read_only(kr));
    /* a keyring parsed from a buffer has no key: it cannot be written */
    uint8_t *out;
    size_t len;
    assert_int_equal(keyring_encode(kr, &out, &len, &err), KR_ERR_INVALID);
    free(err);
    keyring_free(kr);
    krt_done(&p);
}

/* Each case builds a payload the encoder would never write. */
static void test_refused_records(void **state)
{
    (void)state;
    struct krt_payload p = {0};

#define CASE(needle, ...)    \
    do {                     \
        __VA_ARGS__;         \
        refused(&p, needle); \
        krt_done(&p);        \
    } while (0)

    CASE("before any entry", krt_str(&p, KT_SECRET, "x"), krt_rec(&p, KT_END, NULL, 0));
    CASE("before any entry", krt_token(&p, "t", "x"), krt_rec(&p, KT_END, NULL, 0));
    CASE("out of order or repeated", krt_str(&p, KT_ENTRY, "b"), krt_str(&p, KT_ENTRY, "a"),
         krt_rec(&p, KT_END, NULL, 0));
    CASE("out of order or repeated", krt_str(&p, KT_ENTRY, "a"), krt_str(&p, KT_ENTRY, "a"),
         krt_rec(&p, KT_END, NULL, 0));
    CASE("secret is out of order", krt_str(&p, KT_ENTRY, "a"), krt_str(&p, KT_SECRET, "x"),
         krt_str(&p, KT_SECRET, "y"), krt_rec(&p, KT_END, NULL, 0));
    CASE("username is out of order", krt_str(&p, KT_ENTRY, "a"), krt_str(&p, KT_SECRET, "x"),
         krt_str(&p, KT_USERNAME, "y"), krt_rec(&p, KT_END, NULL, 0));
    CASE("pin is out of order", krt_str(&p, KT_ENTRY, "a"), krt_token(&p, "t", "x"),
         krt_str(&p, KT_PIN, "y"), krt_rec(&p, KT_END, NULL, 0));
    CASE("tokens are out of order", krt_str(&p, KT_ENTRY, "a"), krt_token(&p, "t", "x"),
         krt_token(&p, "t", "y"), krt_rec(&p, KT_END, NULL, 0));
    CASE("tokens are out of order", krt_str(&p, KT_ENTRY, "a"), krt_token(&p, "u", "x"),
         krt_token(&p, "t", "y"), krt_rec(&p, KT_END, NULL, 0));
    CASE("empty", krt_str(&p, KT_ENTRY, "a"), krt_str(&p, KT_SECRET, ""),
         krt_rec(&p, KT_END, NULL, 0));
    CASE("NUL byte", krt_str(&p, KT_ENTRY, "a"), krt_rec(&p, KT_SECRET, "x\0y", 3),
         krt_rec(&p, KT_END, NULL, 0));
    CASE("entry name", krt_str(&p, KT_ENTRY, ""), krt_rec(&p, KT_END, NULL, 0));
    CASE("entry name", krt_str(&p, KT_ENTRY, "a b"), krt_rec(&p, KT_END, NULL, 0));
    CASE("entry name", krt_rec(&p, KT_ENTRY, "a\0", 2), krt_rec(&p, KT_END, NULL, 0));
    CASE("token is malformed", krt_str(&p, KT_ENTRY, "a"), krt_token(&p, "", "x"),
         krt_rec(&p, KT_END, NULL, 0));
    CASE("token is malformed", krt_str(&p, KT_ENTRY, "a"), krt_token(&p, "t", ""),
         krt_rec(&p, KT_END, NULL, 0));
    CASE("token is malformed", krt_str(&p, KT_ENTRY, "a"), krt_token(&p, "t/x", "v"),
         krt_rec(&p, KT_END, NULL, 0));
    CASE("token is malformed", krt_str(&p, KT_ENTRY, "a"), krt_rec(&p, KT_TOKEN, "\x09t", 2),
         krt_rec(&p, KT_END, NULL, 0));
    CASE("unknown record type 8", krt_str(&p, KT_ENTRY, "a"), krt_str(&p, 8, "x"),
         krt_rec(&p, KT_END, NULL, 0));
    CASE("unknown record type 0", krt_rec(&p, 0, NULL, 0), krt_rec(&p, KT_END, NULL, 0));
    CASE("no end marker", krt_str(&p, KT_ENTRY, "a"));
    CASE("no end marker", (void)0);
    CASE("after the end marker", krt_rec(&p, KT_END, NULL, 0), krt_str(&p, KT_ENTRY, "a"));
    CASE("after the end marker", krt_rec(&p, KT_END, "x", 1));
    CASE("runs past the end", krt_str(&p, KT_ENTRY, "a"), krt_rec(&p, KT_END, NULL, 0),
         p.buf[1] = 9);
    CASE("runs past the end", krt_str(&p, KT_ENTRY, "a"), krt_rec(&p, KT_END, NULL, 0),
         p.buf[4] = 0xff);
#undef CASE
}

static void test_value_limits(void **state)
{
    (void)state;
    struct krt_payload p = {0};
    char *big = xcalloc(65538, 1);
    memset(big, 'v', 65537);
    krt_str(&p, KT_ENTRY, "a");
    krt_str(&p, KT_SECRET, big);
    krt_rec(&p, KT_END, NULL, 0);
    refused(&p, "too long");
    krt_done(&p);
    big[65536] = '\0';
    krt_str(&p, KT_ENTRY, "a");
    krt_str(&p, KT_SECRET, big);
    krt_rec(&p, KT_END, NULL, 0);
    struct keyring *kr;
    char *err;
    assert_int_equal(parse_payload(&p, 0, &kr, &err), KR_OK);
    assert_int_equal(strlen(keyring_entry_get(keyring_at(kr, 0), KF_SECRET)), 65536);
    keyring_free(kr);
    krt_done(&p);
    free(big);

    char name[80];
    memset(name, 'n', 65);
    name[65] = '\0';
    krt_str(&p, KT_ENTRY, name);
    krt_rec(&p, KT_END, NULL, 0);
    refused(&p, "entry name");
    krt_done(&p);

    for (int i = 0; i <= KEYRING_MAX_ENTRIES; i++) {
        snprintf(name, sizeof name, "e%04d", i);
        krt_str(&p, KT_ENTRY, name);
    }
    krt_rec(&p, KT_END, NULL, 0);
    refused(&p, "more than 512 entries");
    krt_done(&p);

    krt_str(&p, KT_ENTRY, "a");
    for (int i = 0; i <= KEYRING_MAX_TOKENS; i++) {
        snprintf(name, sizeof name, "t%02d", i);
        krt_token(&p, name, "v");
    }
    krt_rec(&p, KT_END, NULL, 0);
    refused(&p, "more than 16 tokens");
    krt_done(&p);
}

/* Every shorter cut of a good payload, padded again properly, is refused. */
static void test_every_truncation(void **state)
{
    (void)state;
    struct krt_payload p = {0};
    office(&p);
    krt_rec(&p, KT_END, NULL, 0);
    size_t full = p.len;
    for (size_t n = 0; n < full; n++) {
        p.len = n;
        struct keyring *kr;
        char *err;
        enum kr_status st = parse_payload(&p, 0, &kr, &err);
        if (st == KR_OK)
            fail_msg("a payload cut to %zu of %zu bytes was accepted", n, full);
        free(err);
    }
    krt_done(&p);
}

static void test_padding(void **state)
{
    (void)state;
    struct krt_payload p = {0};
    krt_rec(&p, KT_END, NULL, 0);
    size_t len;
    uint8_t *b = krt_padded(&p, &len);
    struct keyring *kr = NULL;
    char *err = NULL;
    assert_int_equal(keyring_payload_parse(b, len, 0, &kr, &err), KR_OK);
    keyring_free(kr);
    struct {
        size_t at;
        uint8_t v;
    } bad[] = {{5, 0}, {5, 0x81}, {100, 1}, {4095, 1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t keep = b[bad[i].at];
        b[bad[i].at] = bad[i].v;
        assert_int_equal(keyring_payload_parse(b, len, 0, &kr, &err), KR_ERR_DAMAGED);
        free(err);
        b[bad[i].at] = keep;
    }
    assert_int_equal(keyring_payload_parse(b, 4095, 0, &kr, &err), KR_ERR_DAMAGED);
    free(err);
    assert_int_equal(keyring_payload_parse(b, 0, 0, &kr, &err), KR_ERR_DAMAGED);
    free(err);
    /* a whole block of padding more than needed */
    uint8_t *two = xcalloc(8192, 1);
    memcpy(two, b, 5);
    two[5] = 0x80;
    assert_int_equal(keyring_payload_parse(two, 8192, 0, &kr, &err), KR_ERR_DAMAGED);
    assert_non_null(strstr(err, "padding"));
    free(err);
    free(two);
    free(b);
    krt_done(&p);
}

static void test_newer_minor_skips_unknown(void **state)
{
    (void)state;
    struct krt_payload p = {0};
    krt_rec(&p, 200, "preamble", 8);
    krt_str(&p, KT_ENTRY, "a");
    krt_str(&p, 9, "future field");
    krt_str(&p, KT_SECRET, "s");
    krt_rec(&p, KT_END, NULL, 0);
    struct keyring *kr;
    char *err;
    assert_int_equal(parse_payload(&p, KEYRING_MINOR + 1, &kr, &err), KR_OK);
    assert_true(keyring_read_only(kr));
    assert_string_equal(keyring_entry_get(keyring_find(kr, "a"), KF_SECRET), "s");
    keyring_free(kr);
    refused(&p, "unknown record type 200");
    krt_done(&p);
}

static struct keyring *empty_keyring(void)
{
    struct keyring_kdf kdf;
    struct keyring_key *key = NULL;
    char *err = NULL;
    keyring_kdf_new(&kdf);
    assert_int_equal(keyring_derive(&kdf, "p", 1, &key, &err), KR_OK);
    struct keyring *kr = keyring_new(&kdf, key);
    keyring_key_free(key);
    return kr;
}

static void test_edits(void **state)
{
    (void)state;
    struct keyring *kr = empty_keyring();
    char *err = NULL;
    assert_int_equal(keyring_set(kr, "zeta", KF_SECRET, "z", &err), KR_OK);
    assert_int_equal(keyring_set(kr, "alpha", KF_USERNAME, "u", &err), KR_OK);
    assert_int_equal(keyring_set(kr, "mid", KF_PIN, "p", &err), KR_OK);
    assert_int_equal(keyring_count(kr), 3);
    assert_string_equal(keyring_entry_name(keyring_at(kr, 0)), "alpha");
    assert_string_equal(keyring_entry_name(keyring_at(kr, 1)), "mid");
    assert_string_equal(keyring_entry_name(keyring_at(kr, 2)), "zeta");
    assert_null(keyring_at(kr, 3));
    /* replace, clear ("" and NULL), clear on a missing entry creates nothing */
    assert_int_equal(keyring_set(kr, "zeta", KF_SECRET, "z2", &err), KR_OK);
    assert_string_equal(keyring_entry_get(keyring_find(kr, "zeta"), KF_SECRET), "z2");
    assert_int_equal(keyring_set(kr, "zeta", KF_SECRET, "", &err), KR_OK);
    assert_null(keyring_entry_get(keyring_find(kr, "zeta"), KF_SECRET));
    assert_int_equal(keyring_set(kr, "mid", KF_PIN, NULL, &err), KR_OK);
    assert_null(keyring_entry_get(keyring_find(kr, "mid"), KF_PIN));
    assert_int_equal(keyring_set(kr, "nosuch", KF_PIN, NULL, &err), KR_OK);
    assert_null(keyring_find(kr, "nosuch"));
    /* tokens: sorted, replaced, dropped */
    assert_int_equal(keyring_set_token(kr, "alpha", "refresh", "r1", &err), KR_OK);
    assert_int_equal(keyring_set_token(kr, "alpha", "access", "a1", &err), KR_OK);
    assert_int_equal(keyring_set_token(kr, "alpha", "refresh", "r2", &err), KR_OK);
    const struct keyring_entry *e = keyring_find(kr, "alpha");
    assert_int_equal(keyring_entry_ntokens(e), 2);
    assert_string_equal(keyring_entry_token_name(e, 0), "access");
    assert_string_equal(keyring_entry_token(e, "refresh"), "r2");
    assert_int_equal(keyring_set_token(kr, "alpha", "access", NULL, &err), KR_OK);
    e = keyring_find(kr, "alpha");
    assert_int_equal(keyring_entry_ntokens(e), 1);
    assert_null(keyring_entry_token(e, "access"));
    assert_int_equal(keyring_set_token(kr, "ghost", "t", NULL, &err), KR_OK);
    assert_null(keyring_find(kr, "ghost"));
    /* remove */
    assert_true(keyring_remove(kr, "mid"));
    assert_false(keyring_remove(kr, "mid"));
    assert_int_equal(keyring_count(kr), 2);

    /* bad input */
    static const char *const names[] = {
        "",          "a b",
        "a/b",       "../x",
        "a\x1b[31m", "0123456789012345678901234567890123456789012345678901234567890123456789"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        assert_int_equal(keyring_set(kr, names[i], KF_SECRET, "x", &err), KR_ERR_INVALID);
        assert_non_null(strstr(err, "not an entry name"));
        free(err);
        assert_int_equal(keyring_set_token(kr, "alpha", names[i], "x", &err), KR_ERR_INVALID);
        free(err);
    }
    char *big = xcalloc(65538, 1);
    memset(big, 'x', 65537);
    assert_int_equal(keyring_set(kr, "alpha", KF_SECRET, big, &err), KR_ERR_INVALID);
    assert_non_null(strstr(err, "longer than 65536"));
    free(err);
    free(big);
    assert_int_equal(keyring_set(kr, "alpha", KF_COUNT, "x", &err), KR_ERR_INVALID);
    free(err);
    keyring_free(kr);
}

static void test_edit_limits(void **state)
{
    (void)state;
    struct keyring *kr = empty_keyring();
    char *err = NULL, name[16];
    for (int i = 0; i < KEYRING_MAX_ENTRIES; i++) {
        snprintf(name, sizeof name, "e%d", i);
        assert_int_equal(keyring_set(kr, name, KF_SECRET, "s", &err), KR_OK);
    }
    assert_int_equal(keyring_set(kr, "one-more", KF_SECRET, "s", &err), KR_ERR_INVALID);
    assert_non_null(strstr(err, "512 entries"));
    free(err);
    /* 512 entries still encode, within the size limit */
    uint8_t *out;
    size_t len;
    assert_int_equal(keyring_encode(kr, &out, &len, &err), KR_OK);
    free(out);
    for (int i = 0; i < KEYRING_MAX_TOKENS; i++) {
        snprintf(name, sizeof name, "t%d", i);
        assert_int_equal(keyring_set_token(kr, "e1", name, "v", &err), KR_OK);
    }
    assert_int_equal(keyring_set_token(kr, "e1", "tmore", "v", &err), KR_ERR_INVALID);
    assert_non_null(strstr(err, "16 tokens"));
    free(err);
    keyring_free(kr);
}

int main(void)
{
    setenv("PBXTOP_TEST_KDF", "fast", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_payload), cmocka_unit_test(test_refused_records),
        cmocka_unit_test(test_value_limits),  cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_padding),       cmocka_unit_test(test_newer_minor_skips_unknown),
        cmocka_unit_test(test_edits),         cmocka_unit_test(test_edit_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
