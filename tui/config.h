/* config.ini (DESIGN.md §4): a [pbxtop] section, one section per backend, [keys] (key
 * rebinding, DESIGN.md §6) and [columns] (what each table view shows). Every error names the file,
 * the line and the key. */
#ifndef PBXTOP_TUI_CONFIG_H
#define PBXTOP_TUI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/backend.h"

/* One line of the [keys] section, "ACTION = KEY[, KEY...]", kept as text: the console
 * checks it against its key table (tui/keymap.c). */
struct key_conf {
    char *action;
    char *keys; /* "" unbinds */
    int line;
};

/* One line of the [columns] section, "VIEW = column, column...", kept as text: the views
 * check the names when the console starts (views/columns.c). */
struct columns_conf {
    char *view; /* the view's long name: "channels" */
    char *list;
    int line;
};

#define CONFIG_LOCK_AFTER_MS (15 * 60 * 1000)

struct config {
    char *path;
    int refresh_ms;
    int64_t lock_after_ms; /* idle time before the console locks the keyring; 0: never */
    char *theme;
    bool read_only;
    char **pause_reasons; /* NULL-terminated, or NULL */
    struct backend_conf *backends;
    size_t nbackends;
    struct key_conf *keys; /* the [keys] section, in file order */
    size_t nkeys;
    struct columns_conf *columns; /* the [columns] section, in file order */
    size_t ncolumns;
};

/* $XDG_CONFIG_HOME/pbxtop/config.ini, else ~/.config/pbxtop/config.ini. Owned by caller. */
char *config_default_path(void);
enum config_flags {
    /* Accept `password =` in backend sections: only `pbxtop keyring import` (which moves them
     * into the keyring) and `pbxtop demo` (the simulator's own credentials) read such files. */
    CONFIG_ALLOW_PASSWORDS = 1u << 0,
};

/* Parse the file at path into cfg. On failure returns -1 with *err (owned) as
 * "PATH:LINE: message"; cfg is then empty. */
int config_load(const char *path, struct config *cfg, char **err);
/* Parse text already in memory (path is only used in messages). */
int config_parse(const char *path, const char *text, size_t len, struct config *cfg, char **err);
/* The same with enum config_flags. */
int config_load_flags(const char *path, unsigned flags, struct config *cfg, char **err);
int config_parse_flags(const char *path, const char *text, size_t len, unsigned flags,
                       struct config *cfg, char **err);
void config_done(struct config *cfg);

#endif
