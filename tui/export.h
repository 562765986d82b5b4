/* :w FILE: the current view's rows as CSV. The file is written beside its final name and
 * moved into place, so a reader never sees half of it, with mode 0600: the rows may hold
 * names and numbers of callers. */
#ifndef PBXTOP_TUI_EXPORT_H
#define PBXTOP_TUI_EXPORT_H

#include <stdbool.h>

struct app;

/* Write the view's rows to `path` ("~/" at its start is the home directory). An existing
 * file is refused unless `overwrite`. Returns the number of rows, or -1 with *err (owned).
 * *where (owned, also on failure) is the path as it was written. */
long export_view(struct app *app, const char *path, bool overwrite, char **where, char **err);

#endif
