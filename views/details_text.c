#include "views/details_text.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tui/clock.h"
#include "tui/strbuf.h"
#include "tui/text.h"
#include "tui/xalloc.h"

#define VALUE_MAX   (1u << 20) /* one sanitised value; longer ones are cut */
#define RAW_MAX     (8u << 20) /* the re-indented JSON of one record */
#define MIN_VALUE_W 8          /* below this, values start on the row under their name */

void details_text_init(struct details_text *t)
{
    memset(t, 0, sizeof *t);
}

void details_text_done(struct details_text *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->rows[i]);
    free(t->rows);
    memset(t, 0, sizeof *t);
}

/* Takes ownership of row. */
static void add_row(struct details_text *t, char *row)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 32;
        t->rows = xrealloc(t->rows, t->cap * sizeof *t->rows);
    }
    t->rows[t->n++] = row;
}

/* Bytes of the longest start of sanitised s that is at most cols display columns wide, but
 * at least one character, so that wrapping always moves on. */
static size_t fit_prefix(const char *s, int cols)
{
    size_t len = strlen(s), i = 0;
    int w = 0;
    while (i < len) {
        unsigned cp;
        size_t n = text_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            n = 1;
        char ch[8] = {0};
        memcpy(ch, s + i, n);
        int cw = text_width(ch);
        if (i > 0 && w + cw > cols)
            break;
        w += cw;
        i += n;
    }
    return i;
}

/* Rows of text wrapped in width - indent columns: the first row starts with `first` (plain
 * ASCII, `indent` columns wide), the others with `indent` spaces. text is sanitised. */
static void add_wrapped(struct details_text *t, const char *first, int indent, const char *text,
                        int width)
{
    int room = width - indent > 0 ? width - indent : 1; /* callers keep room > 0 */
    const char *p = text;
    bool is_first = true;
    do {
        size_t n = fit_prefix(p, room);
        char *row = is_first ? xasprintf("%s%.*s", first, (int)n, p)
                             : xasprintf("%*s%.*s", indent, "", (int)n, p);
        add_row(t, row);
        p += n;
        is_first = false;
    } while (*p);
}

/* One value, sanitised (owned): null "-", booleans yes / no. */
static char *value_text(const char *v, enum ftype type, unsigned flags)
{
    if (!v)
        return xstrdup("-");
    if (type == FT_BOOL && strcmp(v, "true") == 0)
        return xstrdup("yes");
    if (type == FT_BOOL && strcmp(v, "false") == 0)
        return xstrdup("no");
    struct strbuf sb;
    strbuf_init(&sb, VALUE_MAX);
    (void)text_sanitize(&sb, v, strlen(v), flags);
    return strbuf_take(&sb);
}

/* A field's rows: the name, padded to namew, in front of the first. */
static void add_field(struct details_text *t, const char *name, int namew, const char *val,
                      int width)
{
    if (width - namew < MIN_VALUE_W) {
        /* Too narrow for two columns: the name on a row of its own, the value under it. */
        add_wrapped(t, name, 0, "", width);
        add_wrapped(t, "  ", 2, val, width);
        return;
    }
    char *first = xasprintf("%-*s", namew, name);
    add_wrapped(t, first, namew, val, width);
    free(first);
}

/* A list field: its items one under the other; an empty list says so. */
static void add_list(struct details_text *t, const char *name, int namew, const char *v, int width,
                     unsigned flags)
{
    if (!v || !*v) {
        add_field(t, name, namew, v ? "(none)" : "-", width);
        return;
    }
    bool first = true;
    for (const char *p = v;;) {
        size_t n = strcspn(p, "\x1f");
        struct strbuf sb;
        strbuf_init(&sb, VALUE_MAX);
        (void)text_sanitize(&sb, p, n, flags);
        char *item = strbuf_take(&sb);
        add_field(t, first ? name : "", namew, item, width);
        free(item);
        first = false;
        p += n;
        if (!*p)
            break;
        p++;
    }
}

void details_fields(struct details_text *t, enum kind kind, const struct record *r, int64_t now_ms,
                    int width, unsigned flags)
{
    const struct kind_def *kd = kind_def(kind);
    int namew = 2; /* "id" */
    for (int f = 0; f < kd->nfields; f++) {
        int w = (int)strlen(kd->fields[f].name);
        namew = w > namew ? w : namew;
    }
    namew += 2;
    char *id = value_text(r->id, FT_STR, flags);
    add_field(t, "id", namew, id, width);
    free(id);
    for (int f = 0; f < kd->nfields; f++) {
        const struct field_def *fd = &kd->fields[f];
        if (fd->type == FT_LIST) {
            add_list(t, fd->name, namew, r->v[f], width, flags);
            continue;
        }
        char *val;
        if (fd->type == FT_SECS) {
            char dur[32];
            clock_format_duration(r->t0_ms ? (now_ms - r->t0_ms) / 1000 : -1, dur, sizeof dur);
            val = xstrdup(r->t0_ms ? dur : "-");
        } else {
            val = value_text(r->v[f], fd->type, flags);
        }
        add_field(t, fd->name, namew, val, width);
        free(val);
    }
}

static void indent_newline(struct strbuf *sb, int depth)
{
    (void)strbuf_addc(sb, '\n');
    for (int i = 0; i < depth; i++)
        (void)strbuf_adds(sb, "  ");
}

/* The first character at or after s that is not JSON whitespace. */
static const char *skip_ws(const char *s)
{
    return s + strspn(s, " \t\r\n");
}

/* JSON text re-indented token by token (owned). Whitespace outside strings is dropped and
 * replaced by the layout; everything else is copied byte for byte, so text that is not
 * valid JSON comes out changed only in its whitespace. */
static char *json_indent(const char *s)
{
    struct strbuf sb;
    strbuf_init(&sb, RAW_MAX);
    int depth = 0;
    bool in_str = false, esc = false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (in_str) {
            (void)strbuf_addc(&sb, c);
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                in_str = false;
            continue;
        }
        switch (c) {
        case ' ':
        case '\t':
        case '\r':
        case '\n':
            break;
        case '"':
            in_str = true;
            (void)strbuf_addc(&sb, c);
            break;
        case '{':
        case '[': {
            const char *q = skip_ws(p + 1);
            (void)strbuf_addc(&sb, c);
            if (*q == (c == '{' ? '}' : ']')) { /* empty: "{}" on one row */
                (void)strbuf_addc(&sb, *q);
                p = q;
                break;
            }
            indent_newline(&sb, ++depth);
            break;
        }
        case '}':
        case ']':
            depth = depth > 0 ? depth - 1 : 0;
            indent_newline(&sb, depth);
            (void)strbuf_addc(&sb, c);
            break;
        case ',':
            (void)strbuf_addc(&sb, c);
            indent_newline(&sb, depth);
            break;
        case ':':
            (void)strbuf_adds(&sb, ": ");
            break;
        default:
            (void)strbuf_addc(&sb, c);
            break;
        }
    }
    return strbuf_take(&sb);
}

void details_raw(struct details_text *t, const char *raw, int width, unsigned flags)
{
    if (!raw) {
        add_wrapped(t, "", 0, "raw JSON not kept", width);
        return;
    }
    char *pretty = json_indent(raw);
    for (char *line = pretty; *line;) {
        size_t n = strcspn(line, "\n");
        size_t ind = strspn(line, " ");
        if (ind > n)
            ind = n;
        struct strbuf sb;
        strbuf_init(&sb, VALUE_MAX);
        (void)text_sanitize(&sb, line, n, flags | TEXT_JSON);
        char *row = strbuf_take(&sb);
        /* Continuation rows sit a little right of the row they continue. */
        int cont = (int)ind + 2 < width / 2 ? (int)ind + 2 : width / 2;
        char *rest = row + fit_prefix(row, width);
        char *head = xasprintf("%.*s", (int)(rest - row), row);
        add_row(t, head);
        if (*rest) {
            char *pad = xasprintf("%*s", cont, "");
            add_wrapped(t, pad, cont, rest, width);
            free(pad);
        }
        free(row);
        line += n;
        if (*line)
            line++;
    }
    free(pretty);
}
