/* Rewriting config.ini in place: a few keys changed, everything else (comments, blank
 * lines, order, line endings) kept as the operator wrote it. */
#ifndef PBXTOP_TUI_CONFIG_EDIT_H
#define PBXTOP_TUI_CONFIG_EDIT_H

#include <stddef.h>

struct config_edit {
    const char *section; /* "pbxtop", "columns", or a backend name */
    const char *key;
    const char *value; /* NULL: remove the key */
};

/* Rewrite the INI file at path with the edits applied, keeping every other line, comment
 * and the order as they are: a key that exists is replaced in place (its inline comment
 * kept), a missing key is appended at the end of its section, a missing section is
 * appended at the end of the file. Atomic: temp file in the same directory (O_EXCL, the
 * old file's mode), write, fsync, rename, fsync of the directory; on any failure the old
 * file is untouched. Returns 0, or -1 with *err (malloc'd, names file and cause).
 * A value is written so that config.ini reads it back unchanged (quoted when it holds a
 * ';' or '#' that would start a comment); one that cannot be (a newline, or a quote in a
 * value that needs quoting) is refused before anything is written. */
int config_edit_apply(const char *path, const struct config_edit *edits, size_t n, char **err);

#endif
