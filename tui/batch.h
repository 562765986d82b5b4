/* Batch subcommands (get, hangup, apply, journal, keyring): they drive the same fleet, adapters,
 * model and change engine as the console, without curses, and exit with the codes of
 * DESIGN.md §3. This header also holds what the subcommands share. */
#ifndef PBXTOP_TUI_BATCH_H
#define PBXTOP_TUI_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "net/backend.h"
#include "net/keyring.h"
#include "tui/config.h"

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
/* pbxtop apply FILE.csv -b NAME [--view VIEW] [--dry-run] [--yes] */
int batch_apply(const struct batch_global *g, int argc, char **argv);
/* pbxtop journal [list | show ID | resume ID [--yes]] */
int batch_journal(const struct batch_global *g, int argc, char **argv);
/* pbxtop keyring init | set NAME [--username U] | list | rm NAME | passwd | import */
int batch_keyring(const struct batch_global *g, int argc, char **argv);
/* Read the keyring at path, ask for the passphrase (PBXTOP_PASSPHRASE_FD or the terminal),
 * derive the key, open: the keyring, or NULL with the exit code in *code after printing why.
 * The file's cheap checks come first, so a damaged keyring is reported without asking. */
struct keyring *batch_unlock_keyring(const char *path, int *code);
/* Finish batch `id` of the journal in dir: settle what is unknown, send what is left. */
int batch_resume(const struct batch_global *g, const char *dir, const char *id, bool yes);

/* What a subcommand works with: the config, the fleet, and the backends named by -b. */
struct batch {
    struct config cfg;
    struct fleet *fleet;
    struct backend **sel;
    size_t nsel;
    unsigned text_flags; /* TEXT_ASCII outside UTF-8 locales */
};

/* Load the config and build the fleet; exits 2 with a message on any error. */
void batch_open(struct batch *b, const char *config_path, const struct fleet_opts *fo);
/* Select -b NAME (NULL or "@all": every backend); exits 2 for an unknown name. */
void batch_select(struct batch *b, const char *name);
/* Log out of every backend and free everything. */
void batch_close(struct batch *b);
/* Run transfers and due polls until done(ud) is true. */
void batch_run(struct batch *b, bool (*done)(void *ud), void *ud);
/* Ask on the terminal itself (never stdin: a pipe must not answer for the operator). The
 * answer without its newline, or NULL when there is no terminal. Owned by the caller. */
char *batch_ask(const char *question);
/* Print text sanitised for the terminal, then a newline. */
void batch_print(const struct batch *b, const char *text);

#endif
