/* NGCP's HAL+JSON answers: one collection page of subscribers as extensions or ring groups,
 * and of call queues, with its next link; Location headers; error bodies and the readers of
 * write and authentication answers, each on every input. */
#include "tests/fuzz/fuzzlib.h"

#include <stdlib.h>
#include <string.h>

#include "net/backend_ngcp.h"
#include "tui/xalloc.h"

#define NOW_MS       1700000000000LL
#define FUZZ_MAX_LEN 65536

/* A path that goes into a URL as it is: printable ASCII with no space, '#' or '\\'. */
static void check_path(const char *path)
{
    FUZZ_ASSERT(path[0] == '/');
    for (const char *p = path; *p; p++)
        FUZZ_ASSERT(*p > ' ' && *p < 0x7f && *p != '#' && *p != '\\');
}

static void decode_all(const char *body, size_t len)
{
    static const enum kind kinds[] = {KIND_EXTENSIONS, KIND_RINGGROUPS, KIND_QUEUES,
                                      KIND_QUEUECALLERS};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        struct snapshot *s = snap_new(kinds[i]);
        struct ngcp_page pg;
        char *err = NULL;
        if (ngcp_decode_page(s, body, len, NOW_MS, true, &pg, &err)) {
            FUZZ_ASSERT(err != NULL && pg.next == NULL);
            snap_free(s);
            free(err);
            continue;
        }
        /* One call queue holds many waiting callers: only the other kinds are 1:1. */
        FUZZ_ASSERT(err == NULL && (kinds[i] == KIND_QUEUECALLERS || pg.items >= snap_count(s)));
        char *path = pg.next ? ngcp_next_path(pg.next, "subscribers") : NULL;
        if (path)
            check_path(path);
        free(path);
        free(pg.next);
        snap_finish(s);
        fuzz_check_snapshot(s);
    }
}

static void answers(const char *body, size_t len)
{
    static const long statuses[] = {200, 201, 204, 401, 403, 404, 422, 500};
    free(ngcp_error_message(body, len));
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        long st = statuses[i];
        (void)ngcp_auth_refused(st, body, len);
        free(ngcp_auth_message(st, body, len));
        for (int op = OP_CREATE; op <= OP_DELETE; op <<= 1) {
            char *msg = NULL;
            (void)ngcp_map_write_answer(op, st, body, len, &msg);
            FUZZ_ASSERT(msg != NULL);
            free(msg);
        }
    }
    /* The same bytes as header values. */
    char *text = xstrndup(body, len);
    char *id = ngcp_location_id(text);
    FUZZ_ASSERT(id == NULL || ngcp_valid_id(id));
    free(id);
    char *path = ngcp_next_path(text, "callqueues");
    if (path)
        check_path(path);
    free(path);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_LEN)
        return 0;
    decode_all((const char *)data, size);
    answers((const char *)data, size);
    return 0;
}
