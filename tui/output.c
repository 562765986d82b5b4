#include "tui/output.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/strbuf.h"
#include "tui/text.h"
#include "tui/xalloc.h"

void out_init(struct out_table *t, const struct out_col *cols, int ncols)
{
    memset(t, 0, sizeof *t);
    t->cols = cols;
    t->ncols = ncols;
}

void out_done(struct out_table *t)
{
    for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

void out_add_row(struct out_table *t, const char *const *cells)
{
    size_t need = (t->nrows + 1) * (size_t)t->ncols;
    t->cells = xgrow(t->cells, &t->cap, need, sizeof *t->cells);
    for (int c = 0; c < t->ncols; c++)
        t->cells[t->nrows * (size_t)t->ncols + (size_t)c] = xstrdup_or_null(cells[c]);
    t->nrows++;
}

struct out_col *out_record_cols(enum kind kind, int *ncols)
{
    const struct kind_def *kd = kind_def(kind);
    struct out_col *cols = xcalloc((size_t)kd->nfields + 3, sizeof *cols);
    cols[0] = (struct out_col){"backend", OUT_STR};
    cols[1] = (struct out_col){"id", OUT_STR};
    for (int f = 0; f < kd->nfields; f++) {
        enum ftype ft = kd->fields[f].type;
        cols[2 + f] =
            (struct out_col){kd->fields[f].name, ft == FT_SECS ? OUT_INT : (enum out_type)ft};
    }
    cols[2 + kd->nfields] = (struct out_col){"raw", OUT_RAW};
    *ncols = kd->nfields + 2;
    return cols;
}

void out_add_record(struct out_table *t, const char *be_name, const struct record *r,
                    enum kind kind, int64_t now_ms)
{
    const struct kind_def *kd = kind_def(kind);
    const char **cells = xcalloc((size_t)kd->nfields + 3, sizeof *cells);
    char secs[32]; /* kinds have at most one duration (channels) */
    cells[0] = be_name;
    cells[1] = r->id;
    for (int f = 0; f < kd->nfields; f++) {
        cells[2 + f] = r->v[f];
        if (kd->fields[f].type == FT_SECS) {
            (void)snprintf(secs, sizeof secs, "%lld", (long long)((now_ms - r->t0_ms) / 1000));
            cells[2 + f] = r->t0_ms ? secs : NULL;
        }
    }
    cells[2 + kd->nfields] = r->raw;
    out_add_row(t, cells);
    free(cells);
}

int out_format_parse(const char *s)
{
    if (strcmp(s, "table") == 0)
        return OUT_TABLE;
    if (strcmp(s, "csv") == 0)
        return OUT_CSV;
    if (strcmp(s, "json") == 0)
        return OUT_JSON;
    return -1;
}

static const char *cell(const struct out_table *t, size_t r, int c)
{
    return t->cells[r * (size_t)t->ncols + (size_t)c];
}

/* A JSON number for integer text ("+12" and "007" are not JSON), or null. */
static void json_int(FILE *f, const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*s && !errno && !*end)
        fprintf(f, "%lld", v);
    else
        fputs("null", f);
}

/* A JSON string of the sanitised text. */
static void json_string(FILE *f, const char *s, unsigned flags)
{
    char *safe = text_sanitized(s, flags);
    fputc('"', f);
    for (const char *p = safe; *p; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', f);
        fputc(*p, f);
    }
    fputc('"', f);
    free(safe);
}

/* Items are separated by \x1f; "" is the empty list, and a trailing separator means a
 * last item that is empty. */
static void json_list(FILE *f, const char *s, unsigned flags)
{
    fputc('[', f);
    for (const char *p = s; *s;) {
        size_t n = strcspn(p, "\x1f");
        char *item = xstrndup(p, n);
        json_string(f, item, flags);
        free(item);
        if (!p[n])
            break;
        fputc(',', f);
        p += n + 1;
    }
    fputc(']', f);
}

static void json_value(FILE *f, const char *v, enum out_type type, unsigned flags)
{
    char *raw;
    if (!v) {
        fputs("null", f);
        return;
    }
    switch (type) {
    case OUT_INT:
        json_int(f, v);
        break;
    case OUT_BOOL:
        fputs(strcmp(v, "true") == 0 ? "true" : strcmp(v, "false") == 0 ? "false" : "null", f);
        break;
    case OUT_LIST:
        json_list(f, v, flags);
        break;
    case OUT_RAW:
        raw = text_sanitized(v, flags | TEXT_JSON);
        fputs(raw, f);
        free(raw);
        break;
    default:
        json_string(f, v, flags);
        break;
    }
}

static void print_json(FILE *f, const struct out_table *t, unsigned flags)
{
    fputc('[', f);
    for (size_t r = 0; r < t->nrows; r++) {
        fputs(r ? ",\n{" : "\n{", f);
        for (int c = 0; c < t->ncols; c++) {
            if (c)
                fputc(',', f);
            json_string(f, t->cols[c].name, flags);
            fputc(':', f);
            json_value(f, cell(t, r, c), t->cols[c].type, flags);
        }
        fputc('}', f);
    }
    fputs(t->nrows ? "\n]\n" : "]\n", f);
}

/* Display text of a value for CSV and tables: list items sanitised one by one and joined,
 * raw JSON as is. */
static char *plain(const char *v, enum out_type type, const char *list_sep, unsigned flags)
{
    if (!v)
        return xstrdup("");
    if (type != OUT_LIST)
        return text_sanitized(v, type == OUT_RAW ? flags | TEXT_JSON : flags);
    struct strbuf sb;
    strbuf_init(&sb, (size_t)-1 / 2);
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, "\x1f");
        (void)text_sanitize(&sb, p, n, flags);
        p += n;
        if (*p) {
            (void)strbuf_adds(&sb, list_sep);
            p++;
        }
    }
    return strbuf_take(&sb);
}

static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

static void print_csv(FILE *f, const struct out_table *t, unsigned flags)
{
    for (int c = 0; c < t->ncols; c++) {
        if (c)
            fputc(',', f);
        csv_field(f, t->cols[c].name);
    }
    fputc('\n', f);
    for (size_t r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            char *v = plain(cell(t, r, c), t->cols[c].type, ";", flags);
            if (c)
                fputc(',', f);
            csv_field(f, v);
            free(v);
        }
        fputc('\n', f);
    }
}

/* Cells are printed whole: a cut could split an escape and hide what a value really is. */
static void print_padded(FILE *f, const char *s, int width, bool right, bool last)
{
    int w = text_width(s);
    if (right)
        fprintf(f, "%*s", width - w, "");
    fputs(s, f);
    if (!right && !last)
        fprintf(f, "%*s", width - w, "");
}

static void print_table(FILE *f, const struct out_table *t, unsigned flags)
{
    size_t n = t->nrows * (size_t)t->ncols;
    char **text = xcalloc(n ? n : 1, sizeof *text);
    int widths[32] = {0};
    int ncols = t->ncols < 32 ? t->ncols : 32;
    for (int c = 0; c < ncols; c++)
        widths[c] = (int)strlen(t->cols[c].name);
    for (size_t r = 0; r < t->nrows; r++) {
        for (int c = 0; c < ncols; c++) {
            char **slot = &text[r * (size_t)t->ncols + (size_t)c];
            *slot = plain(cell(t, r, c), t->cols[c].type, ",", flags);
            int w = text_width(*slot);
            if (w > widths[c])
                widths[c] = w;
        }
    }
    for (int c = 0; c < ncols; c++) {
        char upper[64];
        size_t i = 0;
        for (; i < sizeof upper - 1 && t->cols[c].name[i]; i++)
            upper[i] = (char)toupper((unsigned char)t->cols[c].name[i]);
        upper[i] = '\0';
        if (c)
            fputs("  ", f);
        print_padded(f, upper, widths[c], t->cols[c].type == OUT_INT, c == ncols - 1);
    }
    fputc('\n', f);
    for (size_t r = 0; r < t->nrows; r++) {
        for (int c = 0; c < ncols; c++) {
            if (c)
                fputs("  ", f);
            print_padded(f, text[r * (size_t)t->ncols + (size_t)c], widths[c],
                         t->cols[c].type == OUT_INT, c == ncols - 1);
        }
        fputc('\n', f);
    }
    for (size_t i = 0; i < n; i++)
        free(text[i]);
    free(text);
}

void out_print(FILE *f, const struct out_table *t, enum out_format fmt, unsigned text_flags)
{
    switch (fmt) {
    case OUT_JSON:
        print_json(f, t, text_flags);
        break;
    case OUT_CSV:
        print_csv(f, t, text_flags);
        break;
    case OUT_TABLE:
        print_table(f, t, text_flags);
        break;
    }
}
