/* The live filter of the table views: "text" keeps the rows where any column contains text,
 * "!text" the rows where none does, "column:text" looks at one column only. Matching ignores
 * ASCII case, so "pjsip" finds "PJSIP/201". */
#ifndef PBXTOP_TUI_FILTER_H
#define PBXTOP_TUI_FILTER_H

#include <stdbool.h>

struct filter {
    bool active;  /* false: every row passes */
    bool invert;  /* "!text" */
    int column;   /* index into the names given to filter_parse, -1 for any column */
    char *needle; /* what to look for, owned */
};

/* Parse text against the column names (matched ignoring case). A "name:" prefix that names
 * no column is part of the text: "sip:alice" finds that URI. Empty text, or "!" alone,
 * clears the filter. */
void filter_parse(struct filter *f, const char *text, const char *const *names, int nnames);
void filter_clear(struct filter *f);
/* Whether a row with these cell texts (NULL cells never match) passes. */
bool filter_match(const struct filter *f, const char *const *cells, int ncells);
/* Whether hay contains needle, ignoring ASCII case. */
bool filter_contains(const char *hay, const char *needle);

#endif
