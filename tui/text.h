/* Text from backends is hostile. Everything shown on the screen or printed by batch commands
 * passes through text_sanitize() first; width and truncation work in display columns. */
#ifndef PBXTOP_TUI_TEXT_H
#define PBXTOP_TUI_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/strbuf.h"

enum text_flags {
    TEXT_ASCII = 1 << 0, /* escape every non-ASCII code point too (--ascii, non-UTF-8 locale) */
    TEXT_JSON = 1 << 1,  /* input is JSON text: escape as \uXXXX (invalid bytes: \ufffd) so
                            the output stays valid JSON that decodes to the same text */
};

/* Append a display-safe copy of s[0..len) to out: valid UTF-8 that holds no C0 or C1 control,
 * DEL, bidi control or line separator. Those, and bytes that are not valid UTF-8, are written
 * as visible escapes (\x1b, \u202e). Returns -1 if out's size limit was hit. */
int text_sanitize(struct strbuf *out, const char *s, size_t len, unsigned flags);
/* A sanitised copy of a C string (NULL gives ""), owned by the caller. */
char *text_sanitized(const char *s, unsigned flags) PBX_MALLOC;
/* Decode one strictly valid UTF-8 sequence at s (at most n bytes). Returns its length and
 * stores the code point, or returns 0 for an invalid or truncated sequence. */
size_t text_utf8_decode(const char *s, size_t n, unsigned *cp);
/* Display columns of a sanitised string. */
int text_width(const char *s);
/* Copy the first `cols` display columns of the sanitised string s into out (NUL-terminated,
 * never split inside a character). When s is wider, the last column becomes an ellipsis.
 * Returns the number of columns written. */
int text_fit(const char *s, int cols, char *out, size_t outsz, unsigned flags);
/* Like text_fit(), but a string that is too wide loses its middle ("PJSIP/t…00000234"), for
 * values whose two ends tell them apart. */
int text_fit_middle(const char *s, int cols, char *out, size_t outsz, unsigned flags);
/* Compare two strings with their digit runs taken as numbers: "9" < "10" < "100a". */
int text_cmp_natural(const char *a, const char *b);

#endif
