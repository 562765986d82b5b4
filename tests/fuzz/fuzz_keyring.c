/* The keyring file: the cheap checks over any bytes (magic, version, lengths, checksum, KDF
 * bounds) never run the KDF, and the payload parser over any decrypted bytes either gives
 * entries or a message; the first byte picks the header's minor version for the payload. */
#include "tests/fuzz/fuzzlib.h"

#include <stdlib.h>
#include <string.h>

#include "net/keyring.h"

#define FUZZ_MAX_LEN 65536

static void parse_file(const uint8_t *data, size_t size)
{
    struct keyring_file *f = NULL;
    char *err = NULL;
    enum kr_status st = keyring_parse(data, size, &f, &err);
    FUZZ_ASSERT((st == KR_OK) == (f != NULL) && (st == KR_OK) == (err == NULL));
    if (f)
        FUZZ_ASSERT(keyring_kdf_problem(keyring_file_kdf(f)) == NULL);
    keyring_file_free(f);
    free(err);
}

static void parse_payload(const uint8_t *data, size_t size)
{
    struct keyring *kr = NULL;
    char *err = NULL;
    unsigned minor = size ? data[0] % 3 : 0;
    enum kr_status st =
        keyring_payload_parse(data + (size > 0), size - (size > 0), minor, &kr, &err);
    FUZZ_ASSERT((st == KR_OK) == (kr != NULL));
    for (size_t i = 0; kr && i < keyring_count(kr); i++) {
        const struct keyring_entry *e = keyring_at(kr, i);
        FUZZ_ASSERT(keyring_valid_name(keyring_entry_name(e)));
        FUZZ_ASSERT(keyring_find(kr, keyring_entry_name(e)) == e);
    }
    keyring_free(kr);
    free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (size > FUZZ_MAX_LEN)
        return 0;
    if (!ready)
        ready = keyring_harden_process() == 0 ? 1 : -1;
    FUZZ_ASSERT(ready == 1);
    parse_file(data, size);
    parse_payload(data, size);
    return 0;
}
