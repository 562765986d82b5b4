/* Internals shared by net/keyring.c (crypto, secret memory), net/keyring_file.c (the header,
 * reading and saving) and net/keyring_payload.c (entries and their encoding). Not for other
 * modules. The file format is described in keyring_file.c. */
#ifndef PBXTOP_NET_KEYRING_INT_H
#define PBXTOP_NET_KEYRING_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/keyring.h"

#define KR_MAGIC        "PBXTOPKR"
#define KR_MAGIC_BYTES  8
#define KR_HEADER_BYTES 76 /* everything before the ciphertext */
#define KR_AD_BYTES     72 /* the header without its checksum: the associated data */
#define KR_NONCE_BYTES  24 /* XChaCha20-Poly1305 */
#define KR_TAG_BYTES    16
#define KR_KEY_BYTES    32
#define KR_PAD_BLOCK    4096 /* the plaintext is padded to a multiple of this */
#define KR_MAX_PLAIN    (4u << 20)
#define KR_MAX_FILE     (KR_HEADER_BYTES + KR_MAX_PLAIN + KR_TAG_BYTES)

struct keyring_file {
    uint8_t header[KR_HEADER_BYTES];
    unsigned major, minor;
    struct keyring_kdf kdf;
    uint8_t nonce[KR_NONCE_BYTES];
    uint64_t generation;
    uint8_t *ct; /* ciphertext with its tag */
    size_t ct_len;
};

struct kr_token {
    char *name;  /* plain memory: not a secret */
    char *value; /* secret memory */
};

struct keyring_entry {
    char *name;              /* plain memory */
    char *field[KF_COUNT];   /* secret memory, or NULL */
    struct kr_token *tokens; /* sorted by name */
    size_t ntokens;
};

struct keyring {
    struct keyring_entry *entries; /* sorted by name */
    size_t n, cap;
    struct keyring_kdf kdf;
    struct keyring_key *key; /* NULL: parsed from a buffer, cannot be saved */
    bool on_disk;            /* base_header is what the file held when read/saved */
    uint8_t base_header[KR_HEADER_BYTES];
    uint64_t generation;
    bool read_only;
};

/* keyring_payload.c: the plaintext (padded, in secret memory) of kr's entries. */
enum kr_status kr_payload_encode(const struct keyring *kr, uint8_t **out, size_t *len, char **err);
/* keyring_payload.c: an empty keyring with no key. */
struct keyring *kr_alloc(void);

/* keyring_file.c: CRC-32 (the zlib one) of the header's first KR_AD_BYTES and ct. */
uint32_t kr_checksum(const uint8_t *header, const uint8_t *ct, size_t ct_len);
/* keyring_file.c: fill the header of f from its fields (and compute the checksum). */
void kr_header_write(struct keyring_file *f);
/* keyring.c: encrypt kr into a file image with the given generation. */
enum kr_status kr_seal(const struct keyring *kr, uint64_t generation, uint8_t **out, size_t *len,
                       char **err);

uint32_t kr_get32(const uint8_t *p);
uint64_t kr_get64(const uint8_t *p);
void kr_put32(uint8_t *p, uint32_t v);
void kr_put64(uint8_t *p, uint64_t v);

#endif
