/* Issabel's /pbxapi answers: tokens, extensions, ring groups, the /manager AMI arrays
 * (channels, queue members, queues), detail answers, and the readers of write, hangup and
 * queue member answers, each on every input. */
#include "tests/fuzz/fuzzlib.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "net/backend_issabel.h"

#define FUZZ_MAX_LEN 65536
#define NOW_MS       1700000000000LL

static struct snapshot *channels(const char *body, size_t len, bool keep_raw, char **err)
{
    return issabel_decode_channels(body, len, NOW_MS, keep_raw, err);
}

static struct snapshot *callers(const char *body, size_t len, bool keep_raw, char **err)
{
    return issabel_decode_queuecallers(body, len, NOW_MS, keep_raw, err);
}

/* Secrets never reach a record, not even its raw JSON: no "secret" and no voicemail "pin",
 * however many times the server repeats a key. */
static void check_no_secrets(const struct snapshot *s)
{
    for (size_t i = 0; s && i < snap_count(s); i++) {
        cJSON *raw = cJSON_Parse(snap_get(s, i)->raw);
        for (const cJSON *m = raw ? raw->child : NULL; m; m = m->next) {
            FUZZ_ASSERT(strcmp(m->string, "secret") != 0);
            for (const cJSON *v = strcmp(m->string, "voicemail") == 0 ? m->child : NULL; v;
                 v = v->next)
                FUZZ_ASSERT(v->string == NULL || strcmp(v->string, "pin") != 0);
        }
        cJSON_Delete(raw);
    }
}

static void decode_all(const char *body, size_t len)
{
    char *err = NULL;
    struct snapshot *ext = issabel_decode_extensions(body, len, true, &err);
    FUZZ_ASSERT((ext == NULL) != (err == NULL));
    check_no_secrets(ext);
    fuzz_check_snapshot(ext);
    free(err);
    struct snapshot *(*const decoders[])(const char *, size_t, bool, char **) = {
        issabel_decode_ringgroups, channels, issabel_decode_queuemembers,
        issabel_decode_queues,     callers,
    };
    for (size_t i = 0; i < sizeof decoders / sizeof decoders[0]; i++) {
        err = NULL;
        struct snapshot *s = decoders[i](body, len, true, &err);
        FUZZ_ASSERT((s == NULL) != (err == NULL));
        fuzz_check_snapshot(s);
        free(err);
    }
    for (int renew = 0; renew < 2; renew++) {
        struct issabel_tokens t = {0};
        err = NULL;
        int rc = issabel_decode_tokens(body, len, renew, &t, &err);
        FUZZ_ASSERT(rc == 0 ? err == NULL && t.access != NULL : err != NULL);
        issabel_tokens_done(&t);
        free(err);
    }
    err = NULL;
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
