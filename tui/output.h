/* Batch output of records (pbxtop get): an aligned table for people, CSV and JSON for
 * scripts. Every value passes through the sanitiser, like the screen. */
#ifndef PBXTOP_TUI_OUTPUT_H
#define PBXTOP_TUI_OUTPUT_H

#include <stdint.h>
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
/* The columns of `pbxtop get KIND`: backend, id, the kind's fields (durations as whole
 * seconds), then raw. Owned by the caller (free()); *ncols counts them without raw. */
struct out_col *out_record_cols(enum kind kind, int *ncols);
/* Append record r of kind, from the backend named be_name, in out_record_cols() order
 * (raw is used only when the table has that column). Durations count up to now_ms (the
 * wall clock). */
void out_add_record(struct out_table *t, const char *be_name, const struct record *r,
                    enum kind kind, int64_t now_ms);
/* Parse "table" / "csv" / "json"; -1 when unknown. */
int out_format_parse(const char *s);
void out_print(FILE *f, const struct out_table *t, enum out_format fmt, unsigned text_flags);

#endif
