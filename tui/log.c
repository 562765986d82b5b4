#define _POSIX_C_SOURCE 200809L
#include "tui/log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static FILE *log_file;

void log_open_from_env(void)
{
    const char *path = getenv("PBXTOP_LOG");
    if (!path || !*path || log_file)
        return;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return;
    log_file = fdopen(fd, "a");
    if (!log_file)
        close(fd);
}

void log_close(void)
{
    if (log_file)
        fclose(log_file);
    log_file = NULL;
}

void log_msg(const char *fmt, ...)
{
    if (!log_file)
        return;
    struct timespec ts;
    struct tm tm;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    (void)localtime_r(&ts.tv_sec, &tm);
    fprintf(log_file, "%02d:%02d:%02d.%03ld ", tm.tm_hour, tm.tm_min, tm.tm_sec,
            ts.tv_nsec / 1000000);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(log_file, fmt, ap);
    va_end(ap);
    fputc('\n', log_file);
    fflush(log_file);
}
