/* Raw AMI event arrays, as SARK's /api/astamis and Issabel's /pbxapi/manager pass them on:
 * channels, queue members and queues from one parsed array. */
#include "tests/fuzz/fuzzlib.h"

#include <stdlib.h>
#include <string.h>

#include "net/backend_ami.h"
#include "net/backend_json.h"

#define FUZZ_MAX_LEN 65536
#define NOW_MS       1700000000000LL

/* A member id that comes apart (the pause and remove actions take it apart) gives back the
 * member's own interface and queue: never another member's. */
static void check_member_ids(const struct snapshot *s)
{
    for (size_t i = 0; i < snap_count(s); i++) {
        const struct record *r = snap_get(s, i);
        char *iface = NULL, *queue = NULL;
        if (ami_member_id_split(r->id, &iface, &queue)) {
            FUZZ_ASSERT(r->v[QM_INTERFACE] && strcmp(iface, r->v[QM_INTERFACE]) == 0);
            FUZZ_ASSERT(r->v[QM_QUEUE] && strcmp(queue, r->v[QM_QUEUE]) == 0);
        }
        free(iface);
        free(queue);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_LEN)
        return 0;
    char *err = NULL;
    cJSON *events = bj_parse((const char *)data, size, &err);
    free(err);
    if (!events)
        return 0;
    fuzz_check_snapshot(ami_decode_channels(events, NOW_MS, true));
    struct snapshot *members = ami_decode_queuemembers(events, true);
    if (members)
        check_member_ids(members);
    fuzz_check_snapshot(members);
    fuzz_check_snapshot(ami_decode_queues(events, true));
    fuzz_check_snapshot(ami_decode_queuecallers(events, NOW_MS, true));
    (void)ami_device_state_name((long long)size - 2);
    cJSON_Delete(events);
    return 0;
}
