/* Keys become actions here, through one table, so views switch on actions and the help
 * view shows what is actually bound. */
#ifndef PBXTOP_TUI_INPUT_H
#define PBXTOP_TUI_INPUT_H

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

#define KEY_CTRL(c) ((c)&0x1f)
#define KEY_ESC     27

struct binding {
    enum action act;
    const char *name; /* the :command name */
    const char *help;
    int keys[4]; /* 0-terminated when fewer */
};

/* The action bound to key ch, or ACT_NONE. */
enum action input_action(int ch);
/* Every binding, in help order. */
const struct binding *input_bindings(size_t *n);
/* A short printable name for a key: "F9", "Del", "Space", "^R", "q". Static storage. */
const char *input_key_name(int ch);
/* All keys of a binding, as "X/F9/Del", into buf. */
void input_keys_text(const struct binding *b, char *buf, size_t size);

#endif
