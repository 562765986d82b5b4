/* Semantic colour roles. Views draw with roles only; the theme maps them to colours, or to
 * attributes alone on monochrome terminals, with --no-color or when NO_COLOR is set. */
#ifndef PBXTOP_THEMES_THEME_H
#define PBXTOP_THEMES_THEME_H

#include <curses.h>
#include <stdbool.h>

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

/* Set up colours after initscr(): monochrome when `mono`, the terminal has no colours, or
 * NO_COLOR is set and not empty. */
void theme_init(bool mono);
/* The attributes to draw `role` with. */
attr_t theme_attr(enum role role);
bool theme_is_mono(void);

#endif
