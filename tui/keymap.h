/* The [keys] section of the config applied to the key table (tui/input.c): lines
 * "ACTION = KEY[, KEY...]" where ACTION is a :command name; an empty value or "none"
 * unbinds the action. DESIGN.md §6: no destructive action on a Ctrl key. */
#ifndef PBXTOP_TUI_KEYMAP_H
#define PBXTOP_TUI_KEYMAP_H

#include <stddef.h>

#include "tui/config.h"

/* Bind action `action` to the keys listed in `keys`. -1 with *err (owned) naming the
 * action or the key when one is unknown, there are too many keys, or a destructive action
 * would sit on a Ctrl key; the table is then unchanged. */
int keymap_line(const char *action, const char *keys, char **err);
/* Apply the [keys] lines of the config at `path` in order: a key given to one action leaves
 * the one that had it. Stops at the first bad line with *err (owned) as
 * "PATH:LINE: [keys] message"; the lines before it stay applied. */
int keymap_apply(const char *path, const struct key_conf *lines, size_t n, char **err);

#endif
