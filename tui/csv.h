/* CSV files for pbxtop apply (RFC 4180: commas, double quotes, "" inside quotes, LF or CRLF,
 * quoted newlines), with errors that name the line and column. */
#ifndef PBXTOP_TUI_CSV_H
#define PBXTOP_TUI_CSV_H

#include <stddef.h>

#define CSV_MAX_ROWS 100000
#define CSV_MAX_COLS 256

struct csv_row {
    int line; /* where the row starts, from 1 */
    int ncells;
    char **cells;
};

struct csv_table {
    struct csv_row *rows;
    size_t nrows;
};

/* Parse text; -1 with *err (owned) "NAME:LINE:COLUMN: problem". Blank lines are skipped; a
 * leading UTF-8 byte order mark is ignored. */
int csv_parse(const char *name, const char *text, size_t len, struct csv_table *t, char **err);
void csv_free(struct csv_table *t);

#endif
