#include "tui/keymap.h"

#include <stdlib.h>
#include <string.h>

#include "tui/input.h"
#include "tui/xalloc.h"

#define KEY_NAME_MAX 32

/* The next comma-separated key name of *s (blanks trimmed) into name; false at the end. */
static bool next_name(const char **s, char *name, size_t size, bool *too_long)
{
    const char *p = *s;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p)
        return false;
    size_t n = strcspn(p, ",");
    *s = p[n] ? p + n + 1 : p + n;
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    *too_long = n >= size;
    if (*too_long)
        n = size - 1;
    memcpy(name, p, n);
    name[n] = '\0';
    return true;
}

/* Parse the key list into keys[]; -1 with *err on a bad name. */
static int parse_keys(enum action act, const char *action, const char *list, int *keys, size_t *n,
                      char **err)
{
    char name[KEY_NAME_MAX];
    bool too_long;
    *n = 0;
    while (next_name(&list, name, sizeof name, &too_long)) {
        int key = too_long || !*name ? -1 : input_key_parse(name);
        if (key < 0) {
            *err = xasprintf("%s: unknown key name '%s'", action, name);
            return -1;
        }
        if (act == ACT_DESTROY && input_key_is_ctrl(key)) {
            *err = xasprintf("%s: '%s' is a Ctrl key, and no destructive action may sit on "
                             "one (a slip of the finger must not hang up a call)",
                             action, name);
            return -1;
        }
        if (*n == INPUT_MAX_KEYS) {
            *err = xasprintf("%s: at most %d keys per action", action, INPUT_MAX_KEYS);
            return -1;
        }
        keys[(*n)++] = key;
    }
    return 0;
}

int keymap_line(const char *action, const char *keys, char **err)
{
    enum action act = input_action_named(action);
    int list[INPUT_MAX_KEYS];
    size_t n = 0;
    if (act == ACT_NONE) {
        *err = xasprintf("unknown action '%s' (the actions are listed by ? in pbxtop)", action);
        return -1;
    }
    if (strcmp(keys, "none") != 0 && parse_keys(act, action, keys, list, &n, err))
        return -1;
    if (input_bind(act, list, n)) {
        *err = xasprintf("%s: cannot bind these keys", action);
        return -1;
    }
    return 0;
}

int keymap_apply(const char *path, const struct key_conf *lines, size_t n, char **err)
{
    for (size_t i = 0; i < n; i++) {
        char *why = NULL;
        if (keymap_line(lines[i].action, lines[i].keys, &why)) {
            *err = xasprintf("%s:%d: [keys] %s", path, lines[i].line, why);
            free(why);
            return -1;
        }
    }
    return 0;
}
