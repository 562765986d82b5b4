#include "tui/beinfo.h"

#include <stdio.h>
#include <string.h>

#include "net/backend.h"

int beinfo_first_kind(const struct backend *be)
{
    /* Live kinds first (channels, queue members, queues): they change by the second. */
    for (int k = KIND_CHANNELS; k < KIND_COUNT; k++) {
        if (be_supports(be, (enum kind)k))
            return k;
    }
    for (int k = 0; k < KIND_CHANNELS; k++) {
        if (be_supports(be, (enum kind)k))
            return k;
    }
    return -1;
}

int64_t beinfo_last_poll_ms(const struct backend *be)
{
    int64_t newest = 0;
    for (int k = 0; k < KIND_COUNT; k++) {
        int64_t t = be_taken_ms(be, (enum kind)k);
        if (t > newest)
            newest = t;
    }
    return newest;
}

void beinfo_state_text(const struct backend *be, int64_t now_ms, char *out, size_t size)
{
    enum be_state st = be_state(be);
    int64_t retry = be_retry_in_ms(be, now_ms);
    /* A failing backend is retried with backoff: when the next try comes matters. */
    if (st == BE_STATE_NEW)
        (void)snprintf(out, size, "%s", beinfo_first_kind(be) >= 0 ? "connecting" : "not polled");
    else if (st != BE_STATE_UP && retry >= 0)
        (void)snprintf(out, size, "%s retry %llds", be_state_name(st),
                       (long long)(retry + 999) / 1000);
    else
        (void)snprintf(out, size, "%s", be_state_name(st));
}

void beinfo_supports_text(const struct backend *be, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    for (int k = 0; k < KIND_COUNT && o < size; k++) {
        if (!be_supports(be, (enum kind)k))
            continue;
        int n =
            snprintf(out + o, size - o, "%s%s", o ? " " : "", kind_def((enum kind)k)->short_name);
        if (n < 0)
            return;
        o += (size_t)n;
    }
    if ((be_caps(be) & CAP_HANGUP) && o < size)
        (void)snprintf(out + o, size - o, "%shangup", o ? " " : "");
}
