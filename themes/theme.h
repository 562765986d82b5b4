/* Semantic colour roles. Views draw with roles only; a theme (a *.theme file, or the
 * built-in default) maps them to colours, and to attributes alone on monochrome terminals,
 * with --no-color or when NO_COLOR is set. STYLE.md §2.11. */
#ifndef PBXTOP_THEMES_THEME_H
#define PBXTOP_THEMES_THEME_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

enum role {
    ROLE_NORMAL,
    ROLE_HEADER,     /* the top line */
    ROLE_BADGE_WARN, /* STALE, PAUSED, INSECURE */
    ROLE_BADGE_ERR,  /* DOWN, AUTH FAILED */
    ROLE_COLUMNS,    /* table column titles */
    ROLE_SELECTED,   /* the cursor row */
    ROLE_MARKED,     /* marked rows */
    ROLE_PENDING,    /* rows with an action in flight */
    ROLE_DIM,        /* hints that do not apply, empty values */
    ROLE_STATE_UP,   /* an answered call */
    ROLE_STATE_RING, /* ringing */
    ROLE_GROUP,      /* a queue's summary line above its members */
    ROLE_WAITING,    /* a caller waiting in a queue */
    ROLE_STATUS,     /* the bottom line */
    ROLE_HINT_KEY,   /* key names in hints */
    ROLE_FLASH_OK,
    ROLE_FLASH_ERR,
    ROLE_DIALOG,
    ROLE_DIALOG_TITLE,
    ROLE_BUTTON,
    ROLE_BUTTON_FOCUS,
    ROLE_COUNT,
};

/* How one role looks. Colours are themes/colour.h values: COLOUR_DEFAULT, a palette index
 * 0-255 or COLOUR_RGB | 0xRRGGBB, fitted to the terminal only when the console starts. */
struct theme_style {
    int fg, bg;
    attr_t attrs; /* with colour */
    attr_t mono;  /* without colour: must still tell the roles apart */
};

struct theme {
    struct theme_style role[ROLE_COUNT];
};

/* Theme files larger than this are refused: they are a few dozen lines. */
#define THEME_FILE_MAX (64 * 1024)

/* The built-in theme, identical to themes/default.theme (a unit test holds them together):
 * what the console uses when no default.theme is installed. */
void theme_builtin(struct theme *t);
/* A role's name in theme files: the enum's name in lower case, "badge_warn". */
const char *theme_role_name(enum role role);
/* Apply the theme file text[0..len) onto *t: each line "ROLE KEY=VALUE..." (keys fg, bg,
 * attrs, mono) replaces what it names; roles and keys it leaves out keep their value in *t.
 * Strict: an unknown role, key, colour or attribute, a role or key given twice, or a file
 * that sets nothing is an error. -1 with *err (owned) as "PATH:LINE: problem" (path is only
 * used in messages), and *t unchanged. Needs no terminal; any bytes are safe input. */
int theme_parse(const char *path, const char *text, size_t len, struct theme *t, char **err);
/* Fill *t from the theme `name`: a path when it contains '/', else NAME.theme found in
 * $XDG_CONFIG_HOME/pbxtop/themes, then PBXTOP_DATADIR/themes, then themes/ of the source
 * tree the binary was built in. "default" found nowhere is the built-in theme. -1 with *err
 * (owned) naming the file and line, or every place looked in. */
int theme_load(const char *name, struct theme *t, char **err);

/* Use *t (copied) from the next theme_init() on; the built-in theme until then. */
void theme_set(const struct theme *t);
/* Set up colours after initscr(), fitted to the terminal's COLORS: monochrome (each role's
 * mono attributes) when `mono`, the terminal has no colours, or NO_COLOR is set and not
 * empty. */
void theme_init(bool mono);
/* The attributes to draw `role` with. */
attr_t theme_attr(enum role role);
bool theme_is_mono(void);

#endif
