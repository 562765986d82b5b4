#include "tui/lineedit.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "tui/text.h"
#include "tui/xalloc.h"

/* The code point at s[0..n): its length (1 for a byte that starts no valid sequence, so
 * broken text can still be walked) and the code point (0 when invalid). */
static size_t cp_at(const char *s, size_t n, unsigned *cp)
{
    size_t k = text_utf8_decode(s, n, cp);
    if (k == 0) {
        *cp = 0;
        return 1;
    }
    return k;
}

/* A mark drawn over the character before it: the cursor never stops in front of one. */
static bool is_combining(unsigned cp)
{
    return cp >= 0x300 && wcwidth((wchar_t)cp) == 0;
}

/* The boundary after the character at pos. */
static size_t next_boundary(const struct lineedit *le, size_t pos)
{
    unsigned cp;
    if (pos >= le->len)
        return le->len;
    pos += cp_at(le->buf + pos, le->len - pos, &cp);
    while (pos < le->len) {
        size_t k = cp_at(le->buf + pos, le->len - pos, &cp);
        if (!is_combining(cp))
            break;
        pos += k;
    }
    return pos;
}

/* The start of the code point that ends at pos. */
static size_t prev_cp(const struct lineedit *le, size_t pos)
{
    size_t start = pos;
    for (size_t back = 1; back <= 4 && back <= pos; back++) {
        unsigned cp;
        if (text_utf8_decode(le->buf + pos - back, back, &cp) == back)
            return pos - back;
    }
    return start > 0 ? start - 1 : 0; /* a stray byte counts as one character */
}

/* The boundary before the character that ends at pos. */
static size_t prev_boundary(const struct lineedit *le, size_t pos)
{
    while (pos > 0) {
        unsigned cp;
        pos = prev_cp(le, pos);
        (void)cp_at(le->buf + pos, le->len - pos, &cp);
        if (!is_combining(cp))
            break;
    }
    return pos;
}

/* Remove bytes [from, to) and put the cursor at from. */
static bool cut(struct lineedit *le, size_t from, size_t to)
{
    if (from >= to)
        return false;
    memmove(le->buf + from, le->buf + to, le->len - to + 1);
    le->len -= to - from;
    le->cur = from;
    return true;
}

void le_set(struct lineedit *le, const char *text)
{
    memset(le, 0, sizeof *le);
    size_t n = text ? strlen(text) : 0;
    if (n > LE_MAX_BYTES) {
        n = LE_MAX_BYTES;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--; /* never keep half a character */
    }
    if (n)
        memcpy(le->buf, text, n);
    le->buf[n] = '\0';
    le->len = le->cur = n;
}

/* Typed text holds no control characters: they could only come from a key that slipped
 * through, and would be shown escaped anyway. */
static bool insertable(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned cp;
        size_t k = text_utf8_decode(s + i, n - i, &cp);
        if (k == 0 || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
            return false;
        i += k;
    }
    return n > 0;
}

bool le_insert(struct lineedit *le, const char *s, size_t n)
{
    if (le->len + n > LE_MAX_BYTES || !insertable(s, n))
        return false;
    memmove(le->buf + le->cur + n, le->buf + le->cur, le->len - le->cur + 1);
    memcpy(le->buf + le->cur, s, n);
    le->len += n;
    le->cur += n;
    return true;
}

/* How many bytes the UTF-8 sequence that starts with b has; 0 if b cannot start one. */
static size_t seq_len(unsigned char b)
{
    if (b >= 0xC2 && b <= 0xDF)
        return 2;
    if (b >= 0xE0 && b <= 0xEF)
        return 3;
    if (b >= 0xF0 && b <= 0xF4)
        return 4;
    return 0;
}

bool le_feed_byte(struct lineedit *le, unsigned char b)
{
    if (le->npend > 0 && (b & 0xC0) == 0x80) {
        le->pend[le->npend++] = b;
        if (le->npend < le->want)
            return false;
        size_t n = le->npend;
        le->npend = 0;
        return le_insert(le, (const char *)le->pend, n);
    }
    le->npend = 0; /* a sequence cut short is dropped, and b starts afresh */
    if (b < 0x80) {
        char c = (char)b;
        return le_insert(le, &c, 1);
    }
    le->want = seq_len(b);
    if (le->want)
        le->pend[le->npend++] = b;
    return false;
}

bool le_backspace(struct lineedit *le)
{
    return cut(le, prev_boundary(le, le->cur), le->cur);
}

bool le_delete(struct lineedit *le)
{
    size_t at = le->cur;
    bool changed = cut(le, at, next_boundary(le, at));
    le->cur = at;
    return changed;
}

bool le_kill_to_start(struct lineedit *le)
{
    return cut(le, 0, le->cur);
}

bool le_kill_to_end(struct lineedit *le)
{
    size_t at = le->cur;
    bool changed = cut(le, at, le->len);
    le->cur = at;
    return changed;
}

/* As readline's unix-word-rubout: blanks before the cursor, then the word before them. */
bool le_kill_word(struct lineedit *le)
{
    size_t from = le->cur;
    while (from > 0 && le->buf[from - 1] == ' ')
        from--;
    while (from > 0 && le->buf[from - 1] != ' ')
        from--;
    return cut(le, from, le->cur);
}

void le_left(struct lineedit *le)
{
    le->cur = prev_boundary(le, le->cur);
}

void le_right(struct lineedit *le)
{
    le->cur = next_boundary(le, le->cur);
}

void le_home(struct lineedit *le)
{
    le->cur = 0;
}

void le_end(struct lineedit *le)
{
    le->cur = le->len;
}

bool le_replace_head(struct lineedit *le, const char *head)
{
    size_t n = strlen(head), tail = le->len - le->cur;
    if (n + tail > LE_MAX_BYTES)
        return false;
    memmove(le->buf + n, le->buf + le->cur, tail + 1);
    memcpy(le->buf, head, n);
    le->len = n + tail;
    le->cur = n;
    return true;
}

void hist_add(struct history *h, const char *text)
{
    if (!*text || (h->n && strcmp(h->items[h->n - 1], text) == 0))
        return;
    if (h->n == HIST_MAX) {
        free(h->items[0]);
        memmove(h->items, h->items + 1, (HIST_MAX - 1) * sizeof h->items[0]);
        h->n--;
    }
    h->items[h->n++] = xstrdup(text);
}

const char *hist_get(const struct history *h, size_t back)
{
    return back < h->n ? h->items[h->n - 1 - back] : NULL;
}

void hist_clear(struct history *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->items[i]);
    h->n = 0;
}
