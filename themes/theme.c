#include "themes/theme.h"

#include <stdlib.h>

struct role_style {
    short fg, bg; /* curses colour numbers; -1 is the terminal's default */
    attr_t attrs; /* with colour */
    attr_t mono;  /* without colour: must still tell the roles apart */
};

static const struct role_style styles[ROLE_COUNT] = {
    [ROLE_NORMAL] = {-1, -1, A_NORMAL, A_NORMAL},
    [ROLE_HEADER] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
    [ROLE_BADGE_WARN] = {COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_BOLD},
    [ROLE_BADGE_ERR] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_UNDERLINE},
    [ROLE_COLUMNS] = {COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_BOLD | A_UNDERLINE},
    [ROLE_SELECTED] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
    [ROLE_MARKED] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [ROLE_PENDING] = {COLOR_MAGENTA, -1, A_NORMAL, A_DIM},
    [ROLE_DIM] = {COLOR_BLUE, -1, A_BOLD, A_DIM},
    [ROLE_STATE_UP] = {COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
    [ROLE_STATE_RING] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [ROLE_GROUP] = {COLOR_CYAN, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    [ROLE_WAITING] = {COLOR_YELLOW, -1, A_NORMAL, A_NORMAL},
    [ROLE_STATUS] = {-1, -1, A_NORMAL, A_NORMAL},
    [ROLE_HINT_KEY] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
    [ROLE_FLASH_OK] = {COLOR_GREEN, -1, A_BOLD, A_BOLD},
    [ROLE_FLASH_ERR] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_REVERSE},
    [ROLE_DIALOG] = {COLOR_WHITE, COLOR_BLUE, A_NORMAL, A_NORMAL},
    [ROLE_DIALOG_TITLE] = {COLOR_YELLOW, COLOR_BLUE, A_BOLD, A_BOLD},
    [ROLE_BUTTON] = {COLOR_WHITE, COLOR_BLUE, A_NORMAL, A_NORMAL},
    [ROLE_BUTTON_FOCUS] = {COLOR_BLACK, COLOR_WHITE, A_BOLD, A_REVERSE | A_BOLD},
};

static attr_t attrs[ROLE_COUNT];
static bool mono_mode = true;

void theme_init(bool mono)
{
    const char *no_color = getenv("NO_COLOR");
    mono_mode = mono || (no_color && *no_color) || !has_colors() || start_color() == ERR;
    bool default_bg = !mono_mode && use_default_colors() == OK;
    for (int r = 0; r < ROLE_COUNT; r++) {
        const struct role_style *s = &styles[r];
        if (mono_mode) {
            attrs[r] = s->mono;
            continue;
        }
        short fg = s->fg, bg = s->bg;
        if (!default_bg) {
            fg = fg < 0 ? COLOR_WHITE : fg;
            bg = bg < 0 ? COLOR_BLACK : bg;
        }
        (void)init_pair((short)(r + 1), fg, bg);
        attrs[r] = (attr_t)COLOR_PAIR(r + 1) | s->attrs;
    }
}

attr_t theme_attr(enum role role)
{
    return attrs[role];
}

bool theme_is_mono(void)
{
    return mono_mode;
}
