#include "tui/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLEANUPS 8

static cleanup_fn cleanups[MAX_CLEANUPS];
static int ncleanups;

static void *check(void *p)
{
    if (!p)
        die("out of memory");
    return p;
}

void *xmalloc(size_t n)
{
    return check(malloc(n ? n : 1));
}

void *xcalloc(size_t count, size_t size)
{
    return check(calloc(count ? count : 1, size ? size : 1));
}

void *xrealloc(void *p, size_t n)
{
    return check(realloc(p, n ? n : 1));
}

void *xgrow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap : 8;
    while (n < need)
        n *= 2;
    if (n > ((size_t)-1) / size)
        die("out of memory");
    *cap = n;
    return xrealloc(p, n * size);
}

char *xstrdup(const char *s)
{
    return check(strdup(s));
}

char *xstrdup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
    return check(strndup(s, n));
}

char *xvasprintf(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        die("bad format string");
    char *s = xmalloc((size_t)n + 1);
    (void)vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

void cleanup_register(cleanup_fn fn)
{
    if (ncleanups < MAX_CLEANUPS)
        cleanups[ncleanups++] = fn;
}

void cleanup_run(void)
{
    /* Pop before calling, so a hook that dies cannot run itself again. */
    while (ncleanups > 0) {
        cleanup_fn fn = cleanups[--ncleanups];
        fn();
    }
}

void die_code(int code, const char *fmt, ...)
{
    cleanup_run();
    va_list ap;
    va_start(ap, fmt);
    fputs("pbxtop: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(code);
}
