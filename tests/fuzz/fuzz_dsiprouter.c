/* dSIPRouter's answers: endpoint groups and their FusionPBX flag, media server domains and
 * extensions (and an extension's values loaded for a write), error bodies, and the reader
 * of write answers, each on every input. */
#include "tests/fuzz/fuzzlib.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

#include "net/backend_dsiprouter.h"

#define FUZZ_MAX_LEN 65536
#define CONFIG_ID    7

static void groups_and_domains(const char *body, size_t len)
{
    size_t n = 0;
    char *err = NULL;
    long long *ids = dsiprouter_decode_endpointgroups(body, len, &n, &err);
    FUZZ_ASSERT(ids != NULL || n == 0);
    free(ids);
    free(err);
    err = NULL;
    if (dsiprouter_decode_fusionpbx(body, len, &err) < 0)
        FUZZ_ASSERT(err != NULL);
    free(err);
    err = NULL;
    struct dsiprouter_domain *d = dsiprouter_decode_domains(body, len, CONFIG_ID, &n, &err);
    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT(d[i].config_id == CONFIG_ID && dsiprouter_valid_uuid(d[i].uuid));
    dsiprouter_domains_free(d, n);
    free(err);
}

/* Load the extension that the list names first (or "1001") and build every body from it. */
static void load_and_build(const char *body, size_t len, const char *number)
{
    struct dsiprouter_ext e;
    dsiprouter_ext_init(&e);
    char *err = NULL;
    if (dsiprouter_ext_load(&e, body, len, number, &err) == 1) {
        for (int op = OP_CREATE; op <= OP_DELETE; op <<= 1) {
            char *json = dsiprouter_build_extension_body(&e, op);
            cJSON *back = cJSON_Parse(json);
            FUZZ_ASSERT(cJSON_IsObject(back));
            cJSON_Delete(back);
            free(json);
        }
    }
    dsiprouter_ext_done(&e);
    free(err);
}

static void extensions(const char *body, size_t len)
{
    char *err = NULL;
    struct snapshot *s = dsiprouter_decode_extensions(body, len, CONFIG_ID, true, &err);
    FUZZ_ASSERT((s == NULL) != (err == NULL));
    free(err);
    const char *number = "1001";
    if (s && snap_count(s) > 0 && snap_get(s, 0)->v[EXT_EXTENSION])
        number = snap_get(s, 0)->v[EXT_EXTENSION];
    load_and_build(body, len, number);
    for (size_t i = 0; s && i < snap_count(s); i++) {
        long long config_id;
        char *uuid = NULL, *ext = NULL;
        if (dsiprouter_parse_ext_id(snap_get(s, i)->id, &config_id, &uuid, &ext))
            FUZZ_ASSERT(config_id == CONFIG_ID && dsiprouter_valid_uuid(uuid));
        free(uuid);
        free(ext);
    }
    fuzz_check_snapshot(s);
}

static void answers(const char *body, size_t len)
{
    static const long statuses[] = {200, 400, 401, 404, 500, 502};
    static const char *const types[] = {NULL, "application/json", "text/html; charset=utf-8"};
    (void)dsiprouter_license_gated(body, len);
    free(dsiprouter_keyerror_field(body, len));
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
            free(dsiprouter_error_message(statuses[i], types[t], body, len, t == 2));
            for (int op = OP_CREATE; op <= OP_DELETE; op <<= 1) {
                char *msg = NULL;
                (void)dsiprouter_map_write_answer(op, statuses[i], types[t], body, len, &msg);
                FUZZ_ASSERT(msg != NULL);
                free(msg);
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_LEN)
        return 0;
    groups_and_domains((const char *)data, size);
    extensions((const char *)data, size);
    answers((const char *)data, size);
    return 0;
}
