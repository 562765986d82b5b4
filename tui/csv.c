/* CSV for pbxtop apply. Positions are counted so that every error points at the character
 * at fault: lines from 1, columns in bytes from 1 (a byte order mark takes none). */
#include "tui/csv.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tui/strbuf.h"
#include "tui/xalloc.h"

#define CELL_MAX (1u << 20)

struct parser {
    const char *name, *text;
    size_t len, pos;
    int line, col; /* of the next character to read */
    struct csv_table *t;
    struct csv_row row;
    size_t rows_cap;
    int cells_cap;
    char *err;
};

static int fail_at(struct parser *p, int line, int col, const char *what)
{
    p->err = xasprintf("%s:%d:%d: %s", p->name, line, col, what);
    return -1;
}

static int fail(struct parser *p, const char *what)
{
    return fail_at(p, p->line, p->col, what);
}

static char next(struct parser *p)
{
    char c = p->text[p->pos++];
    if (c == '\n') {
        p->line++;
        p->col = 1;
    } else {
        p->col++;
    }
    return c;
}

static bool at_line_end(const struct parser *p)
{
    const char *s = p->text + p->pos;
    size_t left = p->len - p->pos;
    return left == 0 || s[0] == '\n' || (s[0] == '\r' && left > 1 && s[1] == '\n');
}

static void add_cell(struct parser *p, struct strbuf *cell)
{
    if (p->row.ncells == p->cells_cap) {
        p->cells_cap = p->cells_cap ? p->cells_cap * 2 : 8;
        p->row.cells = xrealloc(p->row.cells, (size_t)p->cells_cap * sizeof *p->row.cells);
    }
    p->row.cells[p->row.ncells++] = strbuf_take(cell);
}

static void end_row(struct parser *p)
{
    bool blank = p->row.ncells == 1 && !p->row.cells[0][0];
    if (blank) {
        free(p->row.cells[0]);
        free(p->row.cells);
    } else {
        p->t->rows = xgrow(p->t->rows, &p->rows_cap, p->t->nrows + 1, sizeof *p->t->rows);
        p->t->rows[p->t->nrows++] = p->row;
    }
    memset(&p->row, 0, sizeof p->row);
    p->cells_cap = 0;
}

/* A quoted cell: the opening quote is next. */
static int quoted(struct parser *p, struct strbuf *cell)
{
    int open_line = p->line, open_col = p->col;
    (void)next(p);
    for (;;) {
        if (p->pos >= p->len)
            return fail_at(p, open_line, open_col, "a quoted value is never closed");
        if (p->text[p->pos] == '"') {
            (void)next(p);
            if (p->pos >= p->len || p->text[p->pos] != '"')
                return 0;
        }
        int col = p->col;
        char c = next(p);
        if (strbuf_addc(cell, c))
            return fail_at(p, c == '\n' ? p->line - 1 : p->line, col,
                           "a value is longer than 1 MiB");
    }
}

/* One cell, up to (not including) its ',' or line end. */
static int cell(struct parser *p, struct strbuf *sb)
{
    bool was_quoted = p->pos < p->len && p->text[p->pos] == '"';
    if (was_quoted && quoted(p, sb))
        return -1;
    while (p->pos < p->len && p->text[p->pos] != ',' && !at_line_end(p)) {
        if (was_quoted)
            return fail(p, "text after a closing quote (use \"\" for a quote inside quotes)");
        if (p->text[p->pos] == '"')
            return fail(p, "a quote inside an unquoted value (quote the whole value)");
        if (strbuf_addc(sb, p->text[p->pos]))
            return fail(p, "a value is longer than 1 MiB");
        (void)next(p);
    }
    return 0;
}

static int parse(struct parser *p)
{
    struct strbuf sb;
    for (;;) {
        if (p->row.ncells == CSV_MAX_COLS)
            return fail(p, "more than 256 columns");
        strbuf_init(&sb, CELL_MAX);
        int rc = cell(p, &sb);
        if (rc) {
            strbuf_done(&sb);
            return -1;
        }
        add_cell(p, &sb);
        if (p->pos < p->len && p->text[p->pos] == ',') {
            (void)next(p);
            continue;
        }
        if (p->pos < p->len && p->text[p->pos] == '\r')
            p->pos++; /* the \r of a \r\n */
        if (p->pos < p->len)
            (void)next(p); /* the \n */
        end_row(p);
        if (p->pos >= p->len)
            return 0;
        if (p->t->nrows >= CSV_MAX_ROWS)
            return fail(p, "more than 100000 rows");
        p->row.line = p->line;
    }
}

/* Where a NUL byte sits, for the message. */
static int nul_error(struct parser *p, const char *nul)
{
    while (p->text + p->pos < nul)
        (void)next(p);
    return fail(p, "a NUL byte (is this a text file?)");
}

int csv_parse(const char *name, const char *text, size_t len, struct csv_table *t, char **err)
{
    struct parser p = {.name = name, .text = text, .len = len, .t = t, .line = 1, .col = 1};
    memset(t, 0, sizeof *t);
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        p.pos = 3;
    p.row.line = 1;
    const char *nul = memchr(text, '\0', len);
    int rc = nul ? nul_error(&p, nul) : parse(&p);
    if (rc) {
        for (int i = 0; i < p.row.ncells; i++)
            free(p.row.cells[i]);
        free(p.row.cells);
        csv_free(t);
        *err = p.err;
        return -1;
    }
    return 0;
}

void csv_free(struct csv_table *t)
{
    for (size_t r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->rows[r].ncells; c++)
            free(t->rows[r].cells[c]);
        free(t->rows[r].cells);
    }
    free(t->rows);
    memset(t, 0, sizeof *t);
}
