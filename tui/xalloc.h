/* Allocation wrappers that never return NULL, and the one fatal-error path. */
#ifndef PBXTOP_TUI_XALLOC_H
#define PBXTOP_TUI_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

#define PBX_MALLOC       __attribute__((malloc, warn_unused_result))
#define PBX_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define PBX_NORETURN     __attribute__((noreturn))

/* Allocate or die: out of memory is fatal, the terminal is restored first. */
void *xmalloc(size_t n) PBX_MALLOC;
void *xcalloc(size_t count, size_t size) PBX_MALLOC;
void *xrealloc(void *p, size_t n) __attribute__((warn_unused_result));
/* Grow an array to hold at least `need` elements of `size`; updates *cap. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size) __attribute__((warn_unused_result));
char *xstrdup(const char *s) PBX_MALLOC __attribute__((nonnull));
/* Copy of s, or NULL when s is NULL. */
char *xstrdup_or_null(const char *s) PBX_MALLOC;
char *xstrndup(const char *s, size_t n) PBX_MALLOC __attribute__((nonnull));
char *xasprintf(const char *fmt, ...) PBX_MALLOC PBX_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) PBX_MALLOC PBX_PRINTF(1, 0);

/* A cleanup hook runs before die() prints and on signal-driven exits, in reverse order of
 * registration: it must be safe to call more than once (screen_end, demo_stop). */
typedef void (*cleanup_fn)(void);
void cleanup_register(cleanup_fn fn);
/* Run every cleanup hook once; later calls do nothing. */
void cleanup_run(void);

/* Print "pbxtop: MESSAGE" after restoring the terminal, and exit with `code`. */
PBX_NORETURN void die_code(int code, const char *fmt, ...) PBX_PRINTF(2, 3);
#define die(...) die_code(1, __VA_ARGS__)

#endif
