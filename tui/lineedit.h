/* A one-line text editor and a recall list, with no curses in them: the prompt feeds them
 * keys, the unit tests feed them calls. Text is UTF-8; the cursor is a byte offset that
 * always sits on a character boundary (a combining mark moves with its base). */
#ifndef PBXTOP_TUI_LINEEDIT_H
#define PBXTOP_TUI_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

#define LE_MAX_BYTES 1024

struct lineedit {
    char buf[LE_MAX_BYTES + 1]; /* NUL-terminated */
    size_t len;
    size_t cur; /* byte offset of the cursor */
    /* Bytes of a UTF-8 sequence that arrives one key at a time (curses getch()). */
    unsigned char pend[4];
    size_t npend, want;
};

/* Start with `text` (NULL: empty), cut to LE_MAX_BYTES on a character boundary, the cursor
 * at its end. */
void le_set(struct lineedit *le, const char *text);
/* Insert n bytes at the cursor; false (and nothing inserted) if they would not fit or are
 * not valid UTF-8 without control characters. */
bool le_insert(struct lineedit *le, const char *s, size_t n);
/* Feed one byte of typed input: ASCII goes in at once, the bytes of a UTF-8 sequence once
 * it is complete; a broken sequence is dropped. True when the text changed. */
bool le_feed_byte(struct lineedit *le, unsigned char b);
/* Editing; each returns true when the text changed. */
bool le_backspace(struct lineedit *le);     /* the character before the cursor */
bool le_delete(struct lineedit *le);        /* the character under the cursor */
bool le_kill_to_start(struct lineedit *le); /* Ctrl-U: everything before the cursor */
bool le_kill_to_end(struct lineedit *le);   /* Ctrl-K: everything from the cursor on */
bool le_kill_word(struct lineedit *le);     /* Ctrl-W: the word before the cursor */
/* Cursor moves. */
void le_left(struct lineedit *le);
void le_right(struct lineedit *le);
void le_home(struct lineedit *le);
void le_end(struct lineedit *le);
/* Replace the text before the cursor by `head`, keeping what follows; the cursor ends up
 * after head (completion). False if the result would not fit. */
bool le_replace_head(struct lineedit *le, const char *head);

/* Recall lists: the newest entry last, no entry equal to the one before it. */
#define HIST_MAX 100

struct history {
    char *items[HIST_MAX];
    size_t n;
};

/* Add a copy of text unless it is empty or equals the newest entry; the oldest entry
 * goes when the list is full. */
void hist_add(struct history *h, const char *text);
/* Entry i counted back from the newest (0 is the newest), or NULL. Borrowed until the next
 * hist_add. */
const char *hist_get(const struct history *h, size_t back);
void hist_clear(struct history *h);

#endif
