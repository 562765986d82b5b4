#include "tui/filter.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/xalloc.h"

void filter_clear(struct filter *f)
{
    free(f->needle);
    f->needle = NULL;
    f->active = false;
    f->invert = false;
    f->column = -1;
}

static int column_named(const char *name, size_t len, const char *const *names, int nnames)
{
    for (int i = 0; i < nnames; i++) {
        if (strlen(names[i]) == len && strncasecmp(names[i], name, len) == 0)
            return i;
    }
    return -1;
}

void filter_parse(struct filter *f, const char *text, const char *const *names, int nnames)
{
    filter_clear(f);
    if (*text == '!') {
        f->invert = true;
        text++;
    }
    const char *colon = strchr(text, ':');
    if (colon) {
        int col = column_named(text, (size_t)(colon - text), names, nnames);
        if (col >= 0) {
            f->column = col;
            text = colon + 1;
        }
    }
    /* "!" or "column:" alone: nothing to match yet, so nothing is hidden while typing. */
    if (!*text) {
        filter_clear(f);
        return;
    }
    f->needle = xstrdup(text);
    f->active = true;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool filter_contains(const char *hay, const char *needle)
{
    if (!*needle)
        return true;
    char first = lower(*needle);
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        if (lower(*hay) == first && strncasecmp(hay, needle, n) == 0)
            return true;
    }
    return false;
}

bool filter_match(const struct filter *f, const char *const *cells, int ncells)
{
    if (!f->active)
        return true;
    bool found = false;
    for (int i = 0; i < ncells && !found; i++) {
        if ((f->column < 0 || f->column == i) && cells[i])
            found = filter_contains(cells[i], f->needle);
    }
    return found != f->invert;
}
