/* Reading the keyring passphrase and the secrets `pbxtop keyring set` stores (DESIGN.md §5):
 * from /dev/tty with echo off (restored on SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP and at
 * exit), or, for scripts, one line from the descriptor named by PBXTOP_PASSPHRASE_FD. Never
 * from argv or the environment. Everything read lands in secret memory (net/keyring.h). */
#ifndef PBXTOP_TUI_PASSPHRASE_H
#define PBXTOP_TUI_PASSPHRASE_H

#include <stddef.h>

enum pass_status {
    PASS_OK = 0,
    PASS_NO_SOURCE, /* no terminal and no PBXTOP_PASSPHRASE_FD */
    PASS_BAD_FD,    /* PBXTOP_PASSPHRASE_FD is not an open descriptor */
    PASS_EMPTY,     /* an empty line, or end of file, where something was needed */
    PASS_MISMATCH,  /* the two entries of a new passphrase differ */
    PASS_TOO_LONG,
    PASS_IO,
};

enum pass_flags {
    PASS_NEW = 1u << 0, /* a new passphrase: refuse empty; on a tty, ask twice and compare */
};

/* Read a passphrase: one line from PBXTOP_PASSPHRASE_FD when it is set (each call reads the
 * next line: `passwd` reads the current passphrase, then the new one), else from /dev/tty
 * with echo off after showing prompt there. On success *out is secret memory
 * (secret_free), NUL-terminated, *len its length without the newline; else *err (owned)
 * says why. */
enum pass_status passphrase_read(const char *prompt, unsigned flags, char **out, size_t *len,
                                 char **err);
/* Read the secret `keyring set` stores: from the terminal with echo off when stdin is one,
 * else one line of stdin (the newline stripped; at most max bytes). An empty line gives
 * PASS_OK with *len 0. Same ownership as passphrase_read. */
enum pass_status passphrase_read_secret(const char *prompt, size_t max, char **out, size_t *len,
                                        char **err);
/* Keep the descriptor named by PBXTOP_PASSPHRASE_FD (if any) from every child pbxtop
 * starts (close-on-exec): the demo's simulator must not be able to read the passphrase. */
void passphrase_fd_private(void);
/* True when the last passphrase came from the terminal (the caller then shows progress). */
int passphrase_from_tty(void);

#endif
