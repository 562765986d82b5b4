/* The encrypted keyring (DESIGN.md §5): one file holding, per backend name, the username,
 * the password or API token, an optional client certificate and key, an optional TLS pin and
 * cached tokens (Issabel's refresh token).
 *
 * Opening is split so that the slow step is a pure function:
 *   (a) keyring_file_read() / keyring_parse(): the file and its cheap checks (magic, length,
 *       version, checksum, KDF bounds); no KDF, no secret;
 *   (b) keyring_derive(): passphrase + KDF parameters -> key (Argon2id, about a second; no
 *       globals, so it may run on a worker thread);
 *   (c) keyring_open(): decrypt and strictly parse the payload into entries;
 *   (d) keyring_set() and friends: edit entries in memory;
 *   (e) keyring_save(): write atomically under a lock, refusing when another process saved
 *       in between ("changed on disk").
 * Every secret (passphrase, key, entry fields) lives in guarded memory from secret_alloc();
 * pointers handed out are borrowed, valid until the next edit of that entry or
 * keyring_free(). Only net/keyring.c sees libsodium: other modules use the secret_* calls. */
#ifndef PBXTOP_NET_KEYRING_H
#define PBXTOP_NET_KEYRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYRING_MAJOR          1
#define KEYRING_MINOR          0
#define KEYRING_SALT_BYTES     16
#define KEYRING_KDF_ARGON2ID13 1 /* the only KDF id so far: Argon2id v1.3, one lane */
#define KEYRING_MAX_ENTRIES    512
#define KEYRING_MAX_TOKENS     16    /* per entry */
#define KEYRING_MAX_VALUE      65536 /* bytes per field: a PEM chain fits */
#define KEYRING_PASS_MAX       1024  /* bytes of passphrase read at most */

/* Outcome of a keyring call; every failure also comes with a message (*err, owned). */
enum kr_status {
    KR_OK = 0,
    KR_ERR_MISSING,   /* no keyring file */
    KR_ERR_UNSAFE,    /* a symlink, someone else's, readable or replaceable by others */
    KR_ERR_DAMAGED,   /* not a keyring, truncated, checksum, KDF out of bounds, bad payload */
    KR_ERR_VERSION,   /* a format (major version or KDF) this pbxtop does not read */
    KR_ERR_LOCKED,    /* decryption failed: wrong passphrase, or the file was altered */
    KR_ERR_CHANGED,   /* another process saved the keyring since it was read */
    KR_ERR_READ_ONLY, /* written by a newer pbxtop (newer minor version): cannot save */
    KR_ERR_IO,        /* reading or writing failed; after a failed save the file is intact */
    KR_ERR_INVALID,   /* a bad name or value, or a limit reached */
};

/* ---- process and secret memory */

/* Initialise libsodium, switch off core dumps (RLIMIT_CORE 0) and make the process
 * non-dumpable (no ptrace attach by the same user, no /proc/PID/mem). Call before any secret
 * is read. Returns -1 when libsodium cannot start (fatal for the caller). */
int keyring_harden_process(void);
/* Guarded, locked memory for a secret: zeroed, never NULL (out of memory is fatal). */
void *secret_alloc(size_t n) __attribute__((malloc, warn_unused_result));
/* Copies of s (its first n bytes) in secret memory, NUL-terminated. */
char *secret_dup(const char *s) __attribute__((malloc, warn_unused_result, nonnull));
char *secret_ndup(const char *s, size_t n) __attribute__((malloc, warn_unused_result, nonnull));
/* Wipe and release memory from secret_alloc/secret_dup; NULL is a no-op. */
void secret_free(void *p);
/* Overwrite n bytes at p with zeros in a way the compiler cannot drop. */
void secret_wipe(void *p, size_t n);

/* ---- (a) the file and its cheap checks */

/* Key derivation parameters, as stored in the header. */
struct keyring_kdf {
    uint8_t alg;      /* KEYRING_KDF_ARGON2ID13 */
    uint32_t ops;     /* Argon2 passes (crypto_pwhash opslimit) */
    uint32_t mem_kib; /* Argon2 memory in KiB (memlimit / 1024) */
    uint8_t salt[KEYRING_SALT_BYTES];
};

/* A keyring file that passed the cheap checks; still encrypted. */
struct keyring_file;

/* $XDG_DATA_HOME/pbxtop/keyring, else ~/.local/share/pbxtop/keyring. Owned by the caller. */
char *keyring_default_path(void);
/* Read the keyring at path: refuses a symlink, a file that is not the user's or that others
 * can read, a directory others can write; then keyring_parse(). Messages name the path and,
 * for unsafe modes, the command that fixes them. */
enum kr_status keyring_file_read(const char *path, struct keyring_file **out, char **err);
/* The cheap checks over bytes in memory (a fuzzing entry point): magic, version, lengths,
 * checksum, KDF id and bounds. Never runs the KDF. The bytes are copied. */
enum kr_status keyring_parse(const void *buf, size_t len, struct keyring_file **out, char **err);
void keyring_file_free(struct keyring_file *f);
/* Borrowed until keyring_file_free(). */
const struct keyring_kdf *keyring_file_kdf(const struct keyring_file *f);
uint64_t keyring_file_generation(const struct keyring_file *f);
/* Written by a newer pbxtop (newer minor version): it opens, but cannot be saved. */
bool keyring_file_read_only(const struct keyring_file *f);
/* Why kdf is out of bounds (a static string), or NULL when it is acceptable. The floor is
 * libsodium's INTERACTIVE level, the ceiling 1 GiB and 8 passes (see keyring.c). */
const char *keyring_kdf_problem(const struct keyring_kdf *kdf);

/* ---- (b) the key */

struct keyring_key; /* 32 bytes in secret memory */

/* Fresh parameters for a new keyring or passphrase: a random salt and libsodium's MODERATE
 * limits (256 MiB, 3 passes). */
void keyring_kdf_new(struct keyring_kdf *kdf);
/* Derive the key from the passphrase (pass, len bytes; not necessarily NUL-terminated).
 * Pure: touches no global state. Fails with KR_ERR_DAMAGED when kdf is out of bounds and
 * KR_ERR_IO when the KDF's memory cannot be had. */
enum kr_status keyring_derive(const struct keyring_kdf *kdf, const char *pass, size_t len,
                              struct keyring_key **out, char **err);
void keyring_key_free(struct keyring_key *key);

/* ---- (c) the entries */

struct keyring;
struct keyring_entry;

enum keyring_field {
    KF_USERNAME,
    KF_SECRET,      /* password or API token */
    KF_CLIENT_CERT, /* PEM text */
    KF_CLIENT_KEY,  /* PEM text */
    KF_PIN,         /* sha256//BASE64 */
    KF_COUNT
};

/* "username", "secret", "client_cert", "client_key", "pin". */
const char *keyring_field_name(enum keyring_field f);

/* Decrypt f with key (borrowed; the keyring keeps a copy for saving) and parse its entries.
 * A wrong passphrase and an altered file are the same KR_ERR_LOCKED, without detail. */
enum kr_status keyring_open(const struct keyring_file *f, const struct keyring_key *key,
                            struct keyring **out, char **err);
/* (a) to (c) in one call: read path, derive the key from pass, open. */
enum kr_status keyring_unlock(const char *path, const char *pass, size_t len, struct keyring **out,
                              char **err);
/* The payload parser over a decrypted (padded) buffer, for fuzzing and tests: minor is the
 * header's minor version (a newer one skips record types it does not know). The keyring it
 * returns has no key and cannot be saved. */
enum kr_status keyring_payload_parse(const void *buf, size_t len, unsigned minor,
                                     struct keyring **out, char **err);
/* An empty keyring, to be saved with key (copied) derived from kdf; not yet on disk. */
struct keyring *keyring_new(const struct keyring_kdf *kdf, const struct keyring_key *key);
void keyring_free(struct keyring *kr);
/* Opened from a newer minor version: keyring_save() refuses. */
bool keyring_read_only(const struct keyring *kr);
/* Generation of the file it was read from or last saved to; 0 for a new keyring. */
uint64_t keyring_generation(const struct keyring *kr);

/* Entries, sorted by name. Borrowed until the next edit or keyring_free(). */
size_t keyring_count(const struct keyring *kr);
const struct keyring_entry *keyring_at(const struct keyring *kr, size_t i);
const struct keyring_entry *keyring_find(const struct keyring *kr, const char *name);
const char *keyring_entry_name(const struct keyring_entry *e);
/* A field's value (in secret memory), or NULL when unset. */
const char *keyring_entry_get(const struct keyring_entry *e, enum keyring_field f);
size_t keyring_entry_ntokens(const struct keyring_entry *e);
const char *keyring_entry_token_name(const struct keyring_entry *e, size_t i);
/* The cached token named `name` ("refresh"), or NULL. */
const char *keyring_entry_token(const struct keyring_entry *e, const char *name);

/* ---- (d) edits, in memory until keyring_save() */

/* Whether name can name an entry: 1-64 of [A-Za-z0-9_.-], as config.ini's section names. */
bool keyring_valid_name(const char *name);
/* Set field f of entry `name` (created when missing); value NULL or "" clears the field.
 * Names are 1-64 of [A-Za-z0-9_.-], as config.ini section names; values at most
 * KEYRING_MAX_VALUE bytes. The value is copied into secret memory. */
enum kr_status keyring_set(struct keyring *kr, const char *name, enum keyring_field f,
                           const char *value, char **err);
/* Set or (value NULL) drop the cached token `token` of entry `name`. */
enum kr_status keyring_set_token(struct keyring *kr, const char *name, const char *token,
                                 const char *value, char **err);
/* Remove entry `name`; false when there is none. */
bool keyring_remove(struct keyring *kr, const char *name);
/* Use a new passphrase from now on: kdf (with its fresh salt) and the key derived from it. */
void keyring_rekey(struct keyring *kr, const struct keyring_kdf *kdf,
                   const struct keyring_key *key);

/* ---- (e) saving */

/* Save to path: under an exclusive lock (path.lock), check that the file on disk is still
 * the one this keyring was read from (else KR_ERR_CHANGED, nothing written), write path.new
 * (0600, O_EXCL), fsync, rename over path, fsync the directory (created 0700 if missing).
 * On failure the old file is left byte for byte and the message says so. */
enum kr_status keyring_save(struct keyring *kr, const char *path, char **err);
/* The file bytes the next save would write (generation + 1, a fresh nonce), for tests and
 * fuzzing seeds. *out is owned by the caller (plain memory: it holds only ciphertext). */
enum kr_status keyring_encode(const struct keyring *kr, uint8_t **out, size_t *len, char **err);

#ifdef PBXTOP_TEST_HOOKS
/* Test builds only: true while PBXTOP_TEST_KDF=fast, which makes keyring_kdf_new() choose
 * libsodium's minimum Argon2id limits and lets the reader accept them. The release binary
 * has no such symbol (tests check it with nm). */
bool keyring_test_kdf_fast(void);
#endif

#endif
