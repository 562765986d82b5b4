/* An optional debug log (PBXTOP_LOG=FILE). Callers never pass secrets; net/http redacts
 * tokens from URLs before logging them. */
#ifndef PBXTOP_TUI_LOG_H
#define PBXTOP_TUI_LOG_H

#include "tui/xalloc.h"

/* Open the log named by $PBXTOP_LOG, if set (mode 0600, appended). */
void log_open_from_env(void);
void log_close(void);
/* Append one timestamped line; does nothing when no log is open. */
void log_msg(const char *fmt, ...) PBX_PRINTF(1, 2);

#endif
