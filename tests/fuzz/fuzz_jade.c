/* jade's JSON answers: channels, queue members, queues, PJSIP endpoints, the login token and
 * the error envelope, each decoder on every input. */
#include "tests/fuzz/fuzzlib.h"

#include <stdlib.h>

#include "net/backend_jade.h"
#include "net/http.h"

#define FUZZ_MAX_LEN 65536
#define NOW_MS       1700000000000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_LEN)
        return 0;
    const char *body = (const char *)data;
    struct snapshot *(*const decoders[])(const char *, size_t, int64_t, bool, char **) = {
        jade_decode_channels,  jade_decode_members, jade_decode_queues,
        jade_decode_endpoints, jade_decode_entries,
    };
    for (size_t i = 0; i < sizeof decoders / sizeof decoders[0]; i++) {
        char *err = NULL;
        struct snapshot *s = decoders[i](body, size, NOW_MS, true, &err);
        FUZZ_ASSERT((s == NULL) != (err == NULL));
        fuzz_check_snapshot(s);
        free(err);
    }
    char *err = NULL;
    char *token = jade_decode_login(body, size, &err);
    FUZZ_ASSERT((token == NULL) != (err == NULL));
    FUZZ_ASSERT(token == NULL || token[0] != '\0');
    free(token);
    free(err);
    struct http_result res = {.status = 404, .body = body, .body_len = size};
    (void)jade_error_envelope(&res);
    return 0;
}
