/* Helpers shared by the keyring unit tests: payloads built record by record (to write what
 * the encoder never would), and a private directory per test. */
#ifndef PBXTOP_TESTS_KEYRING_TESTLIB_H
#define PBXTOP_TESTS_KEYRING_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

/* Record types of the payload (net/keyring_payload.c), written out again on purpose. */
enum {
    KT_ENTRY = 1,
    KT_USERNAME = 2,
    KT_SECRET = 3,
    KT_CLIENT_CERT = 4,
    KT_CLIENT_KEY = 5,
    KT_PIN = 6,
    KT_TOKEN = 7,
    KT_END = 255,
};

struct krt_payload {
    uint8_t *buf;
    size_t len, cap;
};

void krt_rec(struct krt_payload *p, unsigned tag, const void *v, size_t n);
void krt_str(struct krt_payload *p, unsigned tag, const char *s);
void krt_token(struct krt_payload *p, const char *name, const char *value);
/* The payload with ISO/IEC 7816-4 padding to a multiple of 4096 bytes. Owned. */
uint8_t *krt_padded(const struct krt_payload *p, size_t *len);
void krt_done(struct krt_payload *p);

/* A private directory per test; *state is a struct krt_dir. */
struct krt_dir {
    char *root;
    char *path; /* ROOT/data/pbxtop/keyring, not created */
};
int krt_setup(void **state);
/* Create ROOT/data/pbxtop (0700) for a file written by hand. */
void krt_mkdirs(const struct krt_dir *d);
int krt_teardown(void **state);
/* The whole file, or NULL when it cannot be read. Owned. */
uint8_t *krt_slurp(const char *path, size_t *len);
void krt_spill(const char *path, const void *buf, size_t len, unsigned mode);

#endif
