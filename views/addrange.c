/* Adding a range (A with "How many" above 1): ten extensions from 1000 are one form, one
 * confirmation and one plan. The numbers count up from the form's extension; "{ext}" in any
 * other text field becomes each record's number, so names can differ ("Desk {ext}"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/strbuf.h"
#include "views/tview.h"

#define ADDRANGE_MAX 500
#define EXT_TOKEN    "{ext}"

bool addrange_offered(int kind)
{
    return kind == KIND_EXTENSIONS || kind == KIND_RINGGROUPS;
}

void addrange_free(struct addrange *r)
{
    for (size_t i = 0; i < r->n; i++) {
        for (int k = 0; k < r->nvalues; k++)
            free(r->values[i][k]);
        free(r->values[i]);
    }
    free(r->values);
    free(r->names);
    memset(r, 0, sizeof *r);
}

static int parse_count(const char *text, size_t *out, char **err)
{
    char *end;
    long n = strtol(text, &end, 10);
    if (!*text || *end || n < 1 || n > ADDRANGE_MAX) {
        *err = xasprintf("How many: a number from 1 to %d, not '%s'", ADDRANGE_MAX, text);
        return -1;
    }
    *out = (size_t)n;
    return 0;
}

/* The first number: digits only, short enough that the last one still fits a long. */
static int parse_first(const char *text, long *out, char **err)
{
    size_t len = strlen(text);
    if (!len || len > 12 || strspn(text, "0123456789") != len) {
        *err = xasprintf("a range needs a number to start from, not '%s'", text);
        return -1;
    }
    *out = strtol(text, NULL, 10);
    return 0;
}

/* text with every EXT_TOKEN replaced by num. */
static char *substitute(const char *text, const char *num)
{
    struct strbuf sb;
    strbuf_init(&sb, strlen(text) + 16);
    for (const char *s = text; *s;) {
        const char *at = strstr(s, EXT_TOKEN);
        if (!at) {
            (void)strbuf_adds(&sb, s);
            break;
        }
        (void)strbuf_addf(&sb, "%.*s%s", (int)(at - s), s, num);
        s = at + strlen(EXT_TOKEN);
    }
    return strbuf_take(&sb);
}

int addrange_expand(const struct change *tmpl, const char *key, const char *count,
                    struct addrange *out, char **err)
{
    size_t n;
    long first = 0;
    int ki = -1;
    memset(out, 0, sizeof *out);
    if (parse_count(count, &n, err))
        return -1;
    for (int k = 0; k < tmpl->nvalues && ki < 0; k++)
        ki = strcmp(tmpl->names[k], key) == 0 ? k : -1;
    const char *start = ki >= 0 ? tmpl->values[ki] : NULL;
    if (n > 1 && !start) {
        *err = xasprintf("a range needs the %s to start from", key);
        return -1;
    }
    /* One record keeps its key as typed (leading zeros, letters); a range counts. */
    if (n > 1 && parse_first(start, &first, err))
        return -1;
    int width = start ? (int)strlen(start) : 0;
    out->values = xcalloc(n, sizeof *out->values);
    out->nvalues = tmpl->nvalues;
    /* The names are static (the schema's) but the form's array of them is not. */
    out->names = xcalloc((size_t)tmpl->nvalues, sizeof *out->names);
    memcpy(out->names, tmpl->names, (size_t)tmpl->nvalues * sizeof *out->names);
    for (size_t i = 0; i < n; i++, out->n++) {
        char buf[32];
        /* Keep the width typed: 0098 counts 0099, 0100... */
        (void)snprintf(buf, sizeof buf, "%0*ld", width, first + (long)i);
        const char *num = n > 1 ? buf : start; /* NULL: a kind without a number */
        out->values[i] = xcalloc((size_t)tmpl->nvalues, sizeof *out->values[i]);
        for (int k = 0; k < tmpl->nvalues; k++) {
            const char *v = tmpl->values[k];
            if (k == ki && num)
                out->values[i][k] = xstrdup(num);
            else
                out->values[i][k] = !v ? NULL : num ? substitute(v, num) : xstrdup(v);
        }
    }
    if (start) {
        (void)snprintf(out->from, sizeof out->from, "%s", out->values[0][ki]);
        (void)snprintf(out->to, sizeof out->to, "%s", out->values[n - 1][ki]);
    }
    return 0;
}
