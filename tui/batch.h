/* Batch subcommands: they drive the same fleet, adapters and model as the console, without
 * curses, and exit with the codes of DESIGN.md §3. */
#ifndef PBXTOP_TUI_BATCH_H
#define PBXTOP_TUI_BATCH_H

#include <stdbool.h>

enum exit_code {
    EXIT_OK = 0,
    EXIT_FAILED = 1,      /* the operation failed, partly or wholly */
    EXIT_USAGE = 2,       /* usage or config error */
    EXIT_UNREACHABLE = 3, /* backend unreachable or auth failed */
    EXIT_KEYRING = 4,
    EXIT_UNSUPPORTED = 5, /* the backend does not offer that view or action */
};

/* Options given before the subcommand. */
struct batch_global {
    const char *config; /* -c FILE, or NULL for the default */
    bool read_only;     /* --read-only */
};

/* pbxtop get VIEW [-b NAME|@all] [-o table|csv|json] [--filter TEXT] [--raw] */
int batch_get(const struct batch_global *g, int argc, char **argv);
/* pbxtop hangup -b NAME [--yes] ID... */
int batch_hangup(const struct batch_global *g, int argc, char **argv);

#endif
