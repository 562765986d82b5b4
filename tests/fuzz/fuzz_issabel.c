/* Issabel's /pbxapi answers: tokens, extensions, ring groups, the /manager AMI arrays
 * (channels, queue members, queues), detail answers, and the readers of write, hangup and
 * queue member answers, each on every input. */
#include "tests/fuzz/fuzzlib.h"

#include <stdlib.h>

#include "net/backend_issabel.h"

#define FUZZ_MAX_LEN 65536
#define NOW_MS       1700000000000LL

static struct snapshot *channels(const char *body, size_t len, bool keep_raw, char **err)
{
    return issabel_decode_channels(body, len, NOW_MS, keep_raw, err);
}

static void decode_all(const char *body, size_t len)
{
    struct snapshot *(*const decoders[])(const char *, size_t, bool, char **) = {
        issabel_decode_extensions,   issabel_decode_ringgroups, channels,
        issabel_decode_queuemembers, issabel_decode_queues,
    };
    for (size_t i = 0; i < sizeof decoders / sizeof decoders[0]; i++) {
        char *err = NULL;
        struct snapshot *s = decoders[i](body, len, true, &err);
        FUZZ_ASSERT((s == NULL) != (err == NULL));
        fuzz_check_snapshot(s);
        free(err);
    }
    for (int renew = 0; renew < 2; renew++) {
        struct issabel_tokens t = {0};
        char *err = NULL;
        int rc = issabel_decode_tokens(body, len, renew, &t, &err);
        FUZZ_ASSERT(rc == 0 ? err == NULL && t.access != NULL : err != NULL);
        issabel_tokens_done(&t);
        free(err);
    }
    char *err = NULL;
    if (issabel_decode_exists(body, len, &err) < 0)
        FUZZ_ASSERT(err != NULL);
    free(err);
}

static void answers(const char *body, size_t len)
{
    static const long statuses[] = {200, 201, 403, 404, 422, 500};
    static const char *const member_actions[] = {"queueadd", "queueremove", "queuepause",
                                                 "queueunpause"};
    free(issabel_error_text(body, len));
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        long st = statuses[i];
        char *msg = NULL;
        (void)issabel_token_rejected(st, body, len);
        (void)issabel_map_hangup_answer(st, body, len, &msg);
        FUZZ_ASSERT(msg != NULL);
        free(msg);
        for (int op = OP_CREATE; op <= OP_DELETE; op <<= 1) {
            msg = NULL;
            (void)issabel_map_write_answer(op, op == OP_UPDATE ? KIND_RINGGROUPS : KIND_EXTENSIONS,
                                           st, body, len, &msg);
            FUZZ_ASSERT(msg != NULL);
            free(msg);
        }
        for (size_t a = 0; a < sizeof member_actions / sizeof member_actions[0]; a++) {
            msg = NULL;
            (void)issabel_map_member_answer(member_actions[a], st, body, len, &msg);
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
