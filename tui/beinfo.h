/* What the backends listings say about one backend, shared by the backends view and
 * `pbxtop get backends` so that both show the same thing. */
#ifndef PBXTOP_TUI_BEINFO_H
#define PBXTOP_TUI_BEINFO_H

#include <stddef.h>
#include <stdint.h>

struct backend;

/* The kind that keeps a backend's state live when nothing else is shown: channels where it
 * has them, else the first other kind it offers; -1 when it offers none. */
int beinfo_first_kind(const struct backend *be);
/* Monotonic time of the newest good poll over every kind, 0 when none succeeded yet. */
int64_t beinfo_last_poll_ms(const struct backend *be);
/* The state as text: "up", "down retry 8s", "stale retry 2s", "auth-failed retry 30s",
 * "connecting" before the first answer ("not polled" when it offers nothing to poll). */
void beinfo_state_text(const struct backend *be, int64_t now_ms, char *out, size_t size);
/* The short names of the kinds it offers, then "hangup" when it can hang up: "ch qm q
 * hangup". */
void beinfo_supports_text(const struct backend *be, char *out, size_t size);

#endif
