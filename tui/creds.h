/* Where the backends' secrets come from: the keyring entry named like the backend's
 * section (DESIGN.md §4, §5). */
#ifndef PBXTOP_TUI_CREDS_H
#define PBXTOP_TUI_CREDS_H

#include <stdbool.h>

#include "net/keyring.h"
#include "tui/config.h"

/* True when a backend of cfg needs a password or token that cfg does not hold. */
bool creds_needed(const struct config *cfg);
/* Complete every backend of cfg from its entry in kr (at path, for messages): the secret
 * (secret memory), and the username, pin and client certificate and key where cfg has
 * none. -1 with *err (owned) naming the entry and the command that fixes it when a backend
 * that needs a secret has none. */
int creds_fill(struct config *cfg, const struct keyring *kr, const char *path, char **err);
/* For the batch commands: when cfg needs secrets, open the keyring (its cheap checks, then
 * the passphrase from PBXTOP_PASSPHRASE_FD or the terminal) and fill cfg. 0, or the exit
 * code after printing why. */
int creds_unlock_batch(struct config *cfg);

#endif
