/* CSV files for pbxtop apply. What parses, written out again with every cell quoted, must
 * parse to the same cells: the parser loses nothing and invents nothing. */
#include "tests/fuzz/fuzzlib.h"

#include <stdlib.h>
#include <string.h>

#include "tui/csv.h"
#include "tui/strbuf.h"

#define FUZZ_MAX_LEN 65536

static char *write_quoted(const struct csv_table *t, size_t *len)
{
    struct strbuf sb;
    strbuf_init(&sb, (size_t)-1 / 2);
    for (size_t r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->rows[r].ncells; c++) {
            (void)strbuf_adds(&sb, c ? ",\"" : "\"");
            for (const char *p = t->rows[r].cells[c]; *p; p++)
                (void)(*p == '"' ? strbuf_adds(&sb, "\"\"") : strbuf_addc(&sb, *p));
            (void)strbuf_addc(&sb, '"');
        }
        (void)strbuf_adds(&sb, "\r\n");
    }
    *len = sb.len;
    return strbuf_take(&sb);
}

static void check_same(const struct csv_table *a, const struct csv_table *b)
{
    FUZZ_ASSERT(a->nrows == b->nrows);
    for (size_t r = 0; r < a->nrows; r++) {
        FUZZ_ASSERT(a->rows[r].ncells == b->rows[r].ncells);
        for (int c = 0; c < a->rows[r].ncells; c++)
            FUZZ_ASSERT(strcmp(a->rows[r].cells[c], b->rows[r].cells[c]) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_LEN)
        return 0;
    struct csv_table t;
    char *err = NULL;
    if (csv_parse("fuzz.csv", (const char *)data, size, &t, &err)) {
        FUZZ_ASSERT(err != NULL && t.nrows == 0);
        free(err);
        return 0;
    }
    int line = 0;
    for (size_t r = 0; r < t.nrows; r++) {
        FUZZ_ASSERT(t.rows[r].ncells >= 1 && t.rows[r].ncells <= CSV_MAX_COLS);
        FUZZ_ASSERT(t.rows[r].line > line);
        line = t.rows[r].line;
    }
    size_t len;
    char *again = write_quoted(&t, &len);
    struct csv_table t2;
    FUZZ_ASSERT(csv_parse("again.csv", again, len, &t2, &err) == 0);
    check_same(&t, &t2);
    csv_free(&t2);
    csv_free(&t);
    free(again);
    return 0;
}
