#define _POSIX_C_SOURCE 200809L
#include "tui/clock.h"

#include <stdio.h>
#include <time.h>

static int64_t ms_of(clockid_t id)
{
    struct timespec ts;
    (void)clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_ms(void)
{
    return ms_of(CLOCK_MONOTONIC);
}

int64_t clock_wall_ms(void)
{
    return ms_of(CLOCK_REALTIME);
}

void clock_format_duration(int64_t secs, char *out, unsigned outsz)
{
    if (secs < 0) {
        (void)snprintf(out, outsz, "--:--");
        return;
    }
    long long h = secs / 3600, m = (secs / 60) % 60, s = secs % 60;
    if (h > 0)
        (void)snprintf(out, outsz, "%lld:%02lld:%02lld", h, m, s);
    else
        (void)snprintf(out, outsz, "%02lld:%02lld", m, s);
}

void clock_format_age(int64_t secs, char *out, unsigned outsz)
{
    if (secs < 0)
        secs = 0;
    if (secs < 120)
        (void)snprintf(out, outsz, "%llds", (long long)secs);
    else if (secs < 7200)
        (void)snprintf(out, outsz, "%lldm", (long long)(secs / 60));
    else if (secs < 172800)
        (void)snprintf(out, outsz, "%lldh", (long long)(secs / 3600));
    else
        (void)snprintf(out, outsz, "%lldd", (long long)(secs / 86400));
}
