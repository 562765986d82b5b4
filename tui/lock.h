/* The console's hold on the keyring (DESIGN.md §5): asked for once at start, dropped after
 * an idle time (the LOCKED badge), asked for again before the next change. The passphrase
 * is typed into a masked dialog field (or read from PBXTOP_PASSPHRASE_FD); the KDF runs on
 * a worker thread (tui/kdfjob.h) while the screen says "unlocking...". */
#ifndef PBXTOP_TUI_LOCK_H
#define PBXTOP_TUI_LOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "net/keyring.h"

struct app;
struct lock;

#define LOCK_TRIES 3 /* wrong passphrases before giving up */

/* A hold on the keyring at path (copied). kr (taken; NULL: locked) is the keyring already
 * open; after_ms the idle time before it is dropped (0: never). */
struct lock *lock_new(const char *path, struct keyring *kr, int64_t after_ms);
/* Waits for a KDF still running; wipes the keyring. NULL is a no-op. */
void lock_free(struct lock *l);
/* True while the keyring is not open (NULL: no keyring in use, never locked). */
bool lock_locked(const struct lock *l);
/* The open keyring, borrowed until it locks; NULL when locked. */
const struct keyring *lock_keyring(const struct lock *l);
/* The keyring's path, borrowed until lock_free(). */
const char *lock_path(const struct lock *l);
/* Why the last unlock failed (borrowed until the next one), or "". */
const char *lock_error(const struct lock *l);
/* True from lock_ask() until its done callback has run. */
bool lock_asking(const struct lock *l);
/* True while the KDF runs: the loop swallows keys (but not resizes and signals). */
bool lock_busy(const struct lock *l);
/* The descriptor the loop polls: readable when the KDF finished; -1 when none runs. */
int lock_fd(const struct lock *l);

/* A key was pressed at now (monotonic ms): the idle time starts again. */
void lock_key_pressed(struct lock *l, int64_t now);
/* Milliseconds until the idle lock is due, at most cap. */
int lock_due_ms(const struct lock *l, int64_t now, int cap);
/* Drop the keyring when idle long enough; true when it did so now. */
bool lock_tick(struct lock *l, int64_t now);

/* Runs once when an unlock ends: unlocked, or not (Esc, LOCK_TRIES wrong passphrases, a
 * keyring that cannot be read: lock_error() says why). */
typedef void (*lock_done_fn)(struct app *app, bool unlocked);
/* Ask for the passphrase and unlock app->lock; done runs when that is over. */
void lock_ask(struct app *app, lock_done_fn done);
/* The loop saw lock_fd() readable: finish the unlock (or ask again). */
void lock_job_ready(struct app *app);
/* Draw "unlocking..." over the screen while the KDF runs. */
void lock_draw(const struct app *app);
/* Before the fleet starts: ask (drawing only the dialog) until the keyring opens, handling
 * resizes and the signals on sig_fd. 0 when open; else the exit code (lock_error says why). */
int lock_unlock_at_start(struct app *app, int sig_fd);

#endif
