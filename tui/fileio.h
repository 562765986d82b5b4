/* The two steps every durable write of pbxtop shares (the journal, the keyring, config.ini):
 * writing a whole buffer through short writes and EINTR, and syncing a directory after a
 * rename, so that the new name survives a crash. */
#ifndef PBXTOP_TUI_FILEIO_H
#define PBXTOP_TUI_FILEIO_H

#include <stddef.h>

/* Write all len bytes of buf to fd. 0, or -1 with errno set. */
int fileio_write_all(int fd, const void *buf, size_t len);
/* fsync the directory dir. 0, or -1 with errno set. */
int fileio_sync_dir(const char *dir);

#endif
