/* The keyring's cryptography and secret memory: the only file that sees libsodium. The file
 * format and saving are in keyring_file.c, the entries in keyring_payload.c. */
#define _POSIX_C_SOURCE 200809L
#include "net/keyring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <sodium.h>

#include "net/keyring_int.h"
#include "tui/xalloc.h"

/* What a file may ask of the KDF. The floor is libsodium's INTERACTIVE level (2 passes over
 * 64 MiB): pbxtop always writes MODERATE (3 passes, 256 MiB), so a weaker file was not
 * written by it, and anything cheaper makes guessing a stolen keyring's passphrase cheap.
 * The ceiling is libsodium's SENSITIVE memory (1 GiB) and 8 passes (several seconds): a
 * crafted header must not make pbxtop allocate gigabytes or spin for minutes. */
#define KDF_FLOOR_OPS     2u
#define KDF_FLOOR_MEM_KIB (64u * 1024)
#define KDF_CEIL_OPS      8u
#define KDF_CEIL_MEM_KIB  (1024u * 1024)

_Static_assert(KEYRING_SALT_BYTES == crypto_pwhash_SALTBYTES, "salt size");
_Static_assert(KR_NONCE_BYTES == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "nonce size");
_Static_assert(KR_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "key size");
_Static_assert(KR_TAG_BYTES == crypto_aead_xchacha20poly1305_ietf_ABYTES, "tag size");

struct keyring_key {
    uint8_t k[KR_KEY_BYTES];
};

#ifdef PBXTOP_TEST_HOOKS
bool keyring_test_kdf_fast(void)
{
    const char *v = getenv("PBXTOP_TEST_KDF");
    return v && strcmp(v, "fast") == 0;
}
#define KDF_FAST() keyring_test_kdf_fast()
#else
#define KDF_FAST() false
#endif

static void sodium_start(void)
{
    if (sodium_init() < 0)
        die("libsodium cannot start");
}

int keyring_harden_process(void)
{
    struct rlimit no_core = {0, 0};
    (void)setrlimit(RLIMIT_CORE, &no_core);
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    return sodium_init() < 0 ? -1 : 0;
}

void *secret_alloc(size_t n)
{
    sodium_start();
    void *p = sodium_malloc(n ? n : 1);
    if (!p)
        die("out of memory for secrets (%zu bytes)", n);
    sodium_memzero(p, n ? n : 1);
    return p;
}

char *secret_ndup(const char *s, size_t n)
{
    char *p = secret_alloc(n + 1);
    memcpy(p, s, n);
    return p;
}

char *secret_dup(const char *s)
{
    return secret_ndup(s, strlen(s));
}

void secret_free(void *p)
{
    sodium_free(p);
}

void secret_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}

const char *keyring_kdf_problem(const struct keyring_kdf *kdf)
{
    if (kdf->alg != KEYRING_KDF_ARGON2ID13)
        return "unknown KDF id";
    uint32_t floor_ops = KDF_FLOOR_OPS, floor_kib = KDF_FLOOR_MEM_KIB;
    if (KDF_FAST()) {
        floor_ops = crypto_pwhash_argon2id_OPSLIMIT_MIN;
        floor_kib = crypto_pwhash_argon2id_MEMLIMIT_MIN / 1024;
    }
    if (kdf->mem_kib > KDF_CEIL_MEM_KIB)
        return "KDF memory is above the ceiling of 1024 MiB";
    if (kdf->ops > KDF_CEIL_OPS)
        return "KDF passes are above the ceiling of 8";
    if (kdf->mem_kib < floor_kib)
        return "KDF memory is below the floor of 64 MiB (libsodium's INTERACTIVE level)";
    if (kdf->ops < floor_ops)
        return "KDF passes are below the floor of 2 (libsodium's INTERACTIVE level)";
    return NULL;
}

void keyring_kdf_new(struct keyring_kdf *kdf)
{
    sodium_start();
    memset(kdf, 0, sizeof *kdf);
    kdf->alg = KEYRING_KDF_ARGON2ID13;
    kdf->ops = crypto_pwhash_argon2id_OPSLIMIT_MODERATE;
    kdf->mem_kib = crypto_pwhash_argon2id_MEMLIMIT_MODERATE / 1024;
    if (KDF_FAST()) {
        kdf->ops = crypto_pwhash_argon2id_OPSLIMIT_MIN;
        kdf->mem_kib = crypto_pwhash_argon2id_MEMLIMIT_MIN / 1024;
    }
    randombytes_buf(kdf->salt, sizeof kdf->salt);
}

enum kr_status keyring_derive(const struct keyring_kdf *kdf, const char *pass, size_t len,
                              struct keyring_key **out, char **err)
{
    const char *why = keyring_kdf_problem(kdf);
    *out = NULL;
    if (why) {
        *err = xasprintf("%s", why);
        return KR_ERR_DAMAGED;
    }
    struct keyring_key *key = secret_alloc(sizeof *key);
    if (crypto_pwhash(key->k, sizeof key->k, pass, len, kdf->salt, kdf->ops,
                      (size_t)kdf->mem_kib * 1024, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        secret_free(key);
        *err = xasprintf("not enough memory for the key derivation (%u MiB)",
                         (unsigned)(kdf->mem_kib / 1024));
        return KR_ERR_IO;
    }
    *out = key;
    return KR_OK;
}

void keyring_key_free(struct keyring_key *key)
{
    secret_free(key);
}

static struct keyring_key *key_copy(const struct keyring_key *key)
{
    struct keyring_key *k = secret_alloc(sizeof *k);
    memcpy(k->k, key->k, sizeof k->k);
    return k;
}

struct keyring *keyring_new(const struct keyring_kdf *kdf, const struct keyring_key *key)
{
    struct keyring *kr = kr_alloc();
    kr->kdf = *kdf;
    kr->key = key_copy(key);
    return kr;
}

void keyring_rekey(struct keyring *kr, const struct keyring_kdf *kdf, const struct keyring_key *key)
{
    secret_free(kr->key);
    kr->key = key_copy(key);
    kr->kdf = *kdf;
}

enum kr_status keyring_open(const struct keyring_file *f, const struct keyring_key *key,
                            struct keyring **out, char **err)
{
    *out = NULL;
    size_t plen = f->ct_len - KR_TAG_BYTES;
    uint8_t *plain = secret_alloc(plen);
    unsigned long long got = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &got, NULL, f->ct, f->ct_len, f->header,
                                                   KR_AD_BYTES, f->nonce, key->k) != 0) {
        secret_free(plain);
        *err = xasprintf("wrong passphrase, or the keyring file was altered");
        return KR_ERR_LOCKED;
    }
    struct keyring *kr = NULL;
    enum kr_status st = keyring_payload_parse(plain, (size_t)got, f->minor, &kr, err);
    secret_free(plain);
    if (st != KR_OK)
        return st;
    kr->kdf = f->kdf;
    kr->key = key_copy(key);
    kr->on_disk = true;
    memcpy(kr->base_header, f->header, KR_HEADER_BYTES);
    kr->generation = f->generation;
    kr->read_only = f->minor > KEYRING_MINOR;
    *out = kr;
    return KR_OK;
}

enum kr_status keyring_unlock(const char *path, const char *pass, size_t len, struct keyring **out,
                              char **err)
{
    struct keyring_file *f = NULL;
    struct keyring_key *key = NULL;
    *out = NULL;
    enum kr_status st = keyring_file_read(path, &f, err);
    char *why = NULL;
    if (st == KR_OK)
        st = keyring_derive(&f->kdf, pass, len, &key, &why);
    if (st == KR_OK)
        st = keyring_open(f, key, out, &why);
    if (why) {
        *err = xasprintf("%s: %s", path, why);
        free(why);
    }
    keyring_key_free(key);
    keyring_file_free(f);
    return st;
}

enum kr_status kr_seal(const struct keyring *kr, uint64_t generation, uint8_t **out, size_t *len,
                       char **err)
{
    *out = NULL;
    if (!kr->key) {
        *err = xasprintf("this keyring has no key and cannot be written");
        return KR_ERR_INVALID;
    }
    uint8_t *plain = NULL;
    size_t plen = 0;
    enum kr_status st = kr_payload_encode(kr, &plain, &plen, err);
    if (st != KR_OK)
        return st;
    struct keyring_file f = {.major = KEYRING_MAJOR,
                             .minor = KEYRING_MINOR,
                             .kdf = kr->kdf,
                             .generation = generation,
                             .ct_len = plen + KR_TAG_BYTES};
    randombytes_buf(f.nonce, sizeof f.nonce);
    uint8_t *buf = xmalloc(KR_HEADER_BYTES + f.ct_len);
    /* The header is the associated data, so it is complete before encrypting; all but its
     * checksum, which covers the ciphertext too. */
    kr_header_write(&f);
    unsigned long long clen = 0;
    (void)crypto_aead_xchacha20poly1305_ietf_encrypt(buf + KR_HEADER_BYTES, &clen, plain, plen,
                                                     f.header, KR_AD_BYTES, NULL, f.nonce,
                                                     kr->key->k);
    secret_free(plain);
    f.ct = buf + KR_HEADER_BYTES;
    kr_header_write(&f);
    memcpy(buf, f.header, KR_HEADER_BYTES);
    *out = buf;
    *len = KR_HEADER_BYTES + f.ct_len;
    return KR_OK;
}

enum kr_status keyring_encode(const struct keyring *kr, uint8_t **out, size_t *len, char **err)
{
    return kr_seal(kr, kr->generation + 1, out, len, err);
}
