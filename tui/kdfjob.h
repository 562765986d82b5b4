/* The keyring's KDF on a worker thread (STYLE.md §2.3, §2.12): Argon2id takes about a second,
 * and the console must keep reading keys and redrawing meanwhile. The thread runs only
 * keyring_derive() (pure); it touches neither curses nor the model and reports through a
 * pipe that the event loop polls with its other descriptors. */
#ifndef PBXTOP_TUI_KDFJOB_H
#define PBXTOP_TUI_KDFJOB_H

#include <stddef.h>

#include "net/keyring.h"

struct kdf_job;

/* Start deriving the key of f from pass (len bytes, copied into secret memory). f is
 * borrowed until kdf_job_finish(). Never NULL (failing to start a thread is fatal). */
struct kdf_job *kdf_job_start(const struct keyring_file *f, const char *pass, size_t len);
/* Readable once the KDF has finished. */
int kdf_job_fd(const struct kdf_job *j);
/* Join the thread (waits when it has not finished), open f with the key and free the job:
 * the keyring in *out, or a failure with *err (owned). KR_ERR_LOCKED: wrong passphrase. */
enum kr_status kdf_job_finish(struct kdf_job *j, struct keyring **out, char **err);

#endif
