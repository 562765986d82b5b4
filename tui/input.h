/* Keys become actions here, through one table, so views switch on actions and the help
 * view shows what is actually bound. */
#ifndef PBXTOP_TUI_INPUT_H
#define PBXTOP_TUI_INPUT_H

#include <stdbool.h>
#include <stddef.h>

enum action {
    ACT_NONE,
    ACT_QUIT,
    ACT_HELP,
    ACT_UP,
    ACT_DOWN,
    ACT_PGUP,
    ACT_PGDN,
    ACT_HOME,
    ACT_END,
    ACT_MARK,     /* mark and move down */
    ACT_MARK_ALL, /* every visible row */
    ACT_UNMARK,   /* clear marks */
    ACT_DESTROY,  /* the view's destructive verb: hang up, remove, delete */
    ACT_PAUSE,    /* pause / resume polling */
    ACT_POLL_NOW,
    ACT_REDRAW,
    ACT_CLOSE,     /* leave a secondary view */
    ACT_NEXT_VIEW, /* the next table view: channels, extensions, ring groups... */
    ACT_PREV_VIEW,
    ACT_COMMAND,   /* ':' command mode */
    ACT_FILTER,    /* live filter */
    ACT_FIND_NEXT, /* next row matching the filter text, without hiding rows */
    ACT_FIND_PREV,
    ACT_SORT_NEXT, /* sort by the next column */
    ACT_SORT_PREV,
    ACT_SORT_REVERSE,
    ACT_DETAILS, /* every field of the current record */
    ACT_RAW,     /* details: the backend's own JSON */
    ACT_FOLLOW,  /* the cursor follows its record, or keeps its row */
    ACT_COLUMNS, /* column chooser */
    ACT_EDIT,
    ACT_BULK_EDIT,
    ACT_ADD,
    ACT_MEMBER_PAUSE, /* pause / unpause a queue member, with a reason */
    ACT_PENALTY,      /* set a queue member's penalty */
    ACT_COUNT,
};

#define KEY_CTRL(c)    ((c)&0x1f)
#define KEY_ESC        27
#define INPUT_MAX_KEYS 4

struct binding {
    enum action act;
    const char *name; /* the :command name */
    const char *help;
    int keys[INPUT_MAX_KEYS]; /* 0-terminated when fewer */
};

/* The action bound to key ch, or ACT_NONE. Enter (CR, LF, KEY_ENTER) and Backspace (DEL,
 * ^H, KEY_BACKSPACE) each count as one key. */
enum action input_action(int ch);
/* Every binding, in help order, with the keys bound now. Valid until the next input_bind()
 * or input_reset(). */
const struct binding *input_bindings(size_t *n);
/* The action whose :command name is `name`, or ACT_NONE. */
enum action input_action_named(const char *name);
/* The first key bound to act (what a :command passes to the view as its key), or 0. */
int input_first_key(enum action act);
/* Bind act to keys[0..n) instead of its keys so far (n = 0 unbinds it); each key is taken
 * away from whichever action had it. -1 for an unknown action, more than INPUT_MAX_KEYS
 * keys, or a key <= 0; nothing changes then. */
int input_bind(enum action act, const int *keys, size_t n);
/* Every action back on its default keys. */
void input_reset(void);
/* The key named `name`: one printable ASCII character ("x" and "X" differ), a name such as
 * "F9", "Del", "Enter", "Space", "Tab", "S-Tab", "Esc", "Up", "PgDn", "Home", "Comma"
 * (case does not matter), or a control key "^R" / "Ctrl-R". -1 when there is none. */
int input_key_parse(const char *name);
/* A Ctrl chord (^A..^_), not Tab, Enter or Esc that happen to share their codes. */
bool input_key_is_ctrl(int ch);
/* A short printable name for a key: "F9", "Del", "Space", "^R", "q". Static storage. */
const char *input_key_name(int ch);
/* All keys of a binding, as "X/F9/Del" (each name once: CR and LF are both "Enter"), into
 * buf; "" when nothing is bound. */
void input_keys_text(const struct binding *b, char *buf, size_t size);
/* The keys the status line shows for act: F-keys first, at most two ("F9/X"); "" when the
 * action has no key. */
void input_hint_keys(enum action act, char *buf, size_t size);

#endif
