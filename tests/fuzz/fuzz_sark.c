/* SARK's /api answers: extensions, ring groups, the /astamis AMI arrays (channels, queue
 * members, queues) with their empty-list 404, the L11 login, error bodies, and the readers
 * of hangup and write answers, each on every input. */
#include "tests/fuzz/fuzzlib.h"

#include <stdlib.h>

#include "net/backend_sark.h"

#define FUZZ_MAX_LEN 65536
#define NOW_MS       1700000000000LL

static void decode_all(const char *body, size_t len)
{
    struct snapshot *(*const decoders[])(const char *, size_t, bool, char **) = {
        sark_decode_extensions,
        sark_decode_ringgroups,
    };
    for (size_t i = 0; i < sizeof decoders / sizeof decoders[0]; i++) {
        char *err = NULL;
        struct snapshot *s = decoders[i](body, len, true, &err);
        FUZZ_ASSERT((s == NULL) != (err == NULL));
        fuzz_check_snapshot(s);
        free(err);
    }
    static const enum kind ami_kinds[] = {KIND_CHANNELS, KIND_QUEUEMEMBERS, KIND_QUEUES,
                                          KIND_QUEUECALLERS};
    for (size_t i = 0; i < sizeof ami_kinds / sizeof ami_kinds[0]; i++) {
        for (long status = 200; status <= 404; status += 204) {
            char *err = NULL;
            struct snapshot *s =
                sark_decode_ami(ami_kinds[i], status, body, len, NOW_MS, true, &err);
            FUZZ_ASSERT((s == NULL) != (err == NULL));
            fuzz_check_snapshot(s);
            free(err);
        }
    }
    char *err = NULL;
    char *token = sark_decode_login(body, len, &err);
    FUZZ_ASSERT((token == NULL) != (err == NULL));
    free(token);
    free(err);
}

static void answers(const char *body, size_t len)
{
    static const long statuses[] = {200, 201, 401, 404, 409, 422, 500};
    free(sark_error_text(body, len));
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        long st = statuses[i];
        (void)sark_is_empty_ami(st, body, len);
        (void)sark_is_auth_404(st, body, len);
        char *msg = NULL;
        (void)sark_map_hangup_answer(st, body, len, &msg);
        FUZZ_ASSERT(msg != NULL);
        free(msg);
        for (int op = OP_CREATE; op <= OP_DELETE; op <<= 1) {
            msg = NULL;
            (void)sark_map_write_answer(op, st, body, len, &msg);
            FUZZ_ASSERT(msg != NULL);
            free(msg);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_LEN)
        return 0;
    decode_all((const char *)data, size);
    answers((const char *)data, size);
    return 0;
}
