#include "views/overlay.h"

#include <stdlib.h>

#include "tui/text.h"
#include "views/view.h"

#define OVERLAY_LINE_BYTES 2048

void overlay_line(WINDOW *win, int y, attr_t attr, const char *raw, unsigned text_flags)
{
    char buf[OVERLAY_LINE_BYTES];
    char *safe = text_sanitized(raw, text_flags);
    (void)text_fit(safe, getmaxx(win) - 2, buf, sizeof buf, text_flags);
    free(safe);
    wattrset(win, attr);
    (void)mvwaddstr(win, y, 1, buf);
    wattrset(win, A_NORMAL);
}

int overlay_other_key(enum action act)
{
    switch (act) {
    case ACT_QUIT:
    case ACT_HELP:
    case ACT_PAUSE:
    case ACT_POLL_NOW:
    case ACT_REDRAW:
        return VIEW_IGNORED;
    default:
        return VIEW_HANDLED;
    }
}
