/* A growable byte buffer with a hard size limit (after curl's dynbuf). */
#ifndef PBXTOP_TUI_STRBUF_H
#define PBXTOP_TUI_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/xalloc.h"

struct strbuf {
    char *buf; /* always NUL-terminated when len > 0 or after strbuf_cstr() */
    size_t len;
    size_t cap;
    size_t max; /* appends that would pass this fail and leave the buffer as it was */
};

void strbuf_init(struct strbuf *sb, size_t max);
void strbuf_done(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
/* Append n bytes; returns -1 (and appends nothing) when that would exceed max. */
int strbuf_add(struct strbuf *sb, const void *data, size_t n);
int strbuf_adds(struct strbuf *sb, const char *s);
int strbuf_addc(struct strbuf *sb, char c);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...) PBX_PRINTF(2, 3);
/* The contents as a C string, valid until the next change to sb. Never NULL. */
const char *strbuf_cstr(struct strbuf *sb);
/* Hand the contents to the caller (never NULL) and reset sb. */
char *strbuf_take(struct strbuf *sb) PBX_MALLOC;

#endif
