/* Batch output of records (pbxtop get): an aligned table for people, CSV and JSON for
 * scripts. Every value passes through the sanitiser, like the screen. */
#ifndef PBXTOP_TUI_OUTPUT_H
#define PBXTOP_TUI_OUTPUT_H

#include <stdio.h>

#include "net/model.h"

enum out_format {
    OUT_TABLE,
    OUT_CSV,
    OUT_JSON,
};

enum out_type {
    OUT_STR = FT_STR,
    OUT_INT = FT_INT,
    OUT_BOOL = FT_BOOL,
    OUT_LIST = FT_LIST,
    OUT_RAW = 100, /* JSON text, embedded as is in JSON output */
};

struct out_col {
    const char *name;
    enum out_type type;
};

struct out_table {
    const struct out_col *cols;
    int ncols;
    char **cells; /* nrows * ncols values, raw (unsanitised); NULL is null */
    size_t nrows, cap;
};

void out_init(struct out_table *t, const struct out_col *cols, int ncols);
void out_done(struct out_table *t);
/* Append a row; the cells array holds ncols values, copied. */
void out_add_row(struct out_table *t, const char *const *cells);
/* Parse "table" / "csv" / "json"; -1 when unknown. */
int out_format_parse(const char *s);
void out_print(FILE *f, const struct out_table *t, enum out_format fmt, unsigned text_flags);

#endif
