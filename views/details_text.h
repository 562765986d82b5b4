/* The text of the details view apart from the screen: every field of one record, and the
 * backend's own JSON, as rows that fit a width. Pure (no curses), so unit tests check it. */
#ifndef PBXTOP_VIEWS_DETAILS_TEXT_H
#define PBXTOP_VIEWS_DETAILS_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "net/model.h"

struct details_text {
    char **rows; /* owned; sanitised, each at most the width it was built for */
    size_t n, cap;
};

void details_text_init(struct details_text *t);
/* Free the rows; the struct can be built again after details_text_init(). */
void details_text_done(struct details_text *t);

/* Append one row per field of record r of kind (its id first): "NAME  value", names in a
 * column, values sanitised with flags. Null is "-", booleans yes / no, list items one per
 * row, durations count from r->t0_ms to now_ms (wall clock). Values too wide for `width`
 * display columns go on under the value column. */
void details_fields(struct details_text *t, enum kind kind, const struct record *r, int64_t now_ms,
                    int width, unsigned flags);
/* Append the backend's own JSON text, one member per row and two spaces per level, escaped
 * as JSON wherever it is not safe to show (so it stays valid JSON), wrapped at width. Says
 * "raw JSON not kept" when raw is NULL. Numbers and strings are shown as the backend sent
 * them: the text is re-indented, never parsed and printed again. */
void details_raw(struct details_text *t, const char *raw, int width, unsigned flags);

#endif
