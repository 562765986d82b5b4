/* The summary line of each queue and the lines of its waiting callers. Backend text (queue
 * names, strategies, caller ids, channels) is sanitised before it is measured or drawn. A
 * summary that does not fit the window loses its least useful fields, the same ones on every
 * line, so that the numbers stay in columns. */
#include "views/qgroups.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "themes/theme.h"
#include "tui/app.h"
#include "tui/clock.h"
#include "tui/strbuf.h"
#include "tui/text.h"
#include "tui/xalloc.h"

#define LINE_MAX_BYTES 4096
#define NAME_MAX_COLS  24
#define STRAT_MAX_COLS 12
#define PARTY_MAX_COLS 32

enum {
    F_NAME,
    F_STRAT,
    F_WAIT,
    F_LONGEST,
    F_AVAIL,
    F_PAUSED,
    F_INCALL,
    F_DONE,
    F_ABAND,
    F_COUNT,
};

/* Text around each field's value; the value is right-aligned where it is a number. */
static const struct {
    const char *before, *after;
    bool right;
} fields[F_COUNT] = {
    [F_NAME] = {"", "", false},           [F_STRAT] = {"", "", false},
    [F_WAIT] = {"", " waiting", true},    [F_LONGEST] = {"max ", "", true},
    [F_AVAIL] = {"", " avail", true},     [F_PAUSED] = {"", " paused", true},
    [F_INCALL] = {"", " in call", true},  [F_DONE] = {"", " done", true},
    [F_ABAND] = {"", " abandoned", true},
};

/* Dropped first when the line is too wide: a static setting, then the counts that matter
 * less while callers wait. The name is never dropped. */
static const int drop_order[] = {F_INCALL, F_DONE,  F_STRAT,   F_ABAND,
                                 F_PAUSED, F_AVAIL, F_LONGEST, F_WAIT};

static bool unknown(const char *s)
{
    return !s || !*s || strcmp(s, "unknown") == 0 || strcmp(s, "<unknown>") == 0;
}

/* "5551234 "ACME"", or whichever half is known, or "-" (as the channels view shows them). */
static char *party(const struct record *c)
{
    const char *num = c->v[QC_CALLER_NUM], *name = c->v[QC_CALLER_NAME];
    if (unknown(num) && unknown(name))
        return xstrdup("-");
    if (unknown(name) || (num && strcmp(num, name) == 0))
        return xstrdup(num);
    if (unknown(num))
        return xasprintf("\"%s\"", name);
    return xasprintf("%s \"%s\"", num, name);
}

static bool callers_listed(const struct qlayout *L, const struct qgroup *g)
{
    struct backend *be = L->tv->rows.src[g->src].tag;
    return be_supports(be, KIND_QUEUECALLERS) && be_snapshot(be, KIND_QUEUECALLERS);
}

static char *value_or_dash(const char *v)
{
    return xstrdup(v ? v : "-");
}

/* How long the first caller in line has waited, or "" when nobody waits. */
static char *longest(const struct qlayout *L, const struct qgroup *g)
{
    int64_t oldest = 0;
    for (size_t k = 0; k < g->nc; k++) {
        int64_t t0 = L->callers[g->c0 + k]->t0_ms;
        if (t0 && (!oldest || t0 < oldest))
            oldest = t0;
    }
    char buf[24] = "";
    if (oldest)
        clock_format_duration((L->tv->rows.now_ms - oldest) / 1000, buf, sizeof buf);
    return xstrdup(buf);
}

/* The queue's name as the operator knows it; in the fleet, with its backend in front. */
static char *name_of(const struct qlayout *L, const struct qgroup *g)
{
    const char *q = g->queue ? g->queue : "(no queue)";
    if (L->tv->be)
        return xstrdup(q);
    return xasprintf("%s: %s", L->tv->rows.src[g->src].name, q);
}

/* The raw (unsanitised) text of each field of group g. */
static void group_values(const struct qlayout *L, const struct qgroup *g, char **v)
{
    const struct record *q = g->q;
    v[F_NAME] = name_of(L, g);
    v[F_STRAT] = value_or_dash(q ? q->v[Q_STRATEGY] : NULL);
    /* The listed callers, which the lines below show; else the queue's own count. */
    if (callers_listed(L, g))
        v[F_WAIT] = xasprintf("%zu", g->nc);
    else
        v[F_WAIT] = xstrdup(q && q->v[Q_CALLS] ? q->v[Q_CALLS] : "?");
    v[F_LONGEST] = longest(L, g);
    v[F_AVAIL] = xasprintf("%d/%d", g->avail, g->logged);
    v[F_PAUSED] = xasprintf("%d", g->paused);
    v[F_INCALL] = xasprintf("%d", g->in_call);
    v[F_DONE] = value_or_dash(q ? q->v[Q_COMPLETED] : NULL);
    v[F_ABAND] = value_or_dash(q ? q->v[Q_ABANDONED] : NULL);
}

static int field_cols(const struct qtext *T, int f)
{
    return (int)strlen(fields[f].before) + T->width[f] + (int)strlen(fields[f].after);
}

/* Drop fields, least useful first, until the summary fits in cols. */
static void choose_fields(struct qtext *T, int cols)
{
    for (int f = 0; f < F_COUNT; f++)
        T->on[f] = f == F_NAME || T->width[f] > 0;
    for (size_t d = 0;; d++) {
        int used = 2 + field_cols(T, F_NAME); /* the heading mark and a space */
        for (int f = 1; f < F_COUNT; f++)
            used += T->on[f] ? 2 + field_cols(T, f) : 0;
        if (used < cols || d >= sizeof drop_order / sizeof drop_order[0])
            return;
        T->on[drop_order[d]] = false;
    }
}

/* Append s cut or padded to exactly w columns. */
static void put_padded(struct strbuf *sb, const char *s, int w, bool right, unsigned flags)
{
    char cut[LINE_MAX_BYTES];
    int sw = text_fit(s, w, cut, sizeof cut, flags);
    for (int i = 0; right && i < w - sw; i++)
        (void)strbuf_addc(sb, ' ');
    (void)strbuf_adds(sb, cut);
    for (int i = 0; !right && i < w - sw; i++)
        (void)strbuf_addc(sb, ' ');
}

static char *heading(const struct qtext *T, char *const *v)
{
    struct strbuf sb;
    strbuf_init(&sb, LINE_MAX_BYTES);
    (void)strbuf_adds(&sb, T->flags & TEXT_ASCII ? "= " : "\xE2\x96\xBE ");
    for (int f = 0; f < F_COUNT; f++) {
        if (!T->on[f])
            continue;
        if (f)
            (void)strbuf_adds(&sb, "  ");
        bool blank = !*v[f]; /* no caller: no "max", only its room */
        for (size_t i = 0; blank && i < strlen(fields[f].before); i++)
            (void)strbuf_addc(&sb, ' ');
        if (!blank)
            (void)strbuf_adds(&sb, fields[f].before);
        put_padded(&sb, v[f], T->width[f], fields[f].right, T->flags);
        (void)strbuf_adds(&sb, fields[f].after);
    }
    return strbuf_take(&sb);
}

/* Column widths of the caller lines, over every caller of the shown queues. */
static void caller_widths(struct qtext *T, const struct qlayout *L)
{
    T->party_w = T->pos_w = 1;
    T->wait_w = 5;
    for (size_t i = 0; i < L->nlines; i++) {
        if (L->lines[i].type != QL_CALLER)
            continue;
        const struct record *c = L->callers[L->g[L->lines[i].group].c0 + L->lines[i].idx];
        char *p = party(c), *safe = text_sanitized(p, T->flags);
        const char *pos = c->v[QC_POSITION] ? c->v[QC_POSITION] : "-";
        char dur[24];
        clock_format_duration(c->t0_ms ? (L->tv->rows.now_ms - c->t0_ms) / 1000 : -1, dur,
                              sizeof dur);
        int pw = text_width(safe), nw = (int)strlen(pos), dw = (int)strlen(dur);
        T->party_w = pw > T->party_w ? (pw < PARTY_MAX_COLS ? pw : PARTY_MAX_COLS) : T->party_w;
        T->pos_w = nw > T->pos_w ? (nw < 6 ? nw : 6) : T->pos_w;
        T->wait_w = dw > T->wait_w ? dw : T->wait_w;
        free(p);
        free(safe);
    }
}

void qtext_init(struct qtext *T, const struct qlayout *L, int cols)
{
    memset(T, 0, sizeof *T);
    T->L = L;
    T->flags = L->tv->app->text_flags;
    T->heads = xcalloc(L->ng ? L->ng : 1, sizeof *T->heads);
    char *(*vals)[F_COUNT] = xcalloc(L->ng ? L->ng : 1, sizeof *vals);
    bool *shown = xcalloc(L->ng ? L->ng : 1, sizeof *shown);
    for (size_t i = 0; i < L->nlines; i++)
        shown[L->lines[i].group] |= L->lines[i].type == QL_HEAD;
    for (size_t i = 0; i < L->ng; i++) {
        if (!shown[i])
            continue;
        group_values(L, &L->g[i], vals[i]);
        for (int f = 0; f < F_COUNT; f++) {
            char *safe = text_sanitized(vals[i][f], T->flags);
            free(vals[i][f]);
            vals[i][f] = safe;
            int w = text_width(safe);
            T->width[f] = w > T->width[f] ? w : T->width[f];
        }
    }
    T->width[F_NAME] = T->width[F_NAME] < NAME_MAX_COLS ? T->width[F_NAME] : NAME_MAX_COLS;
    T->width[F_STRAT] = T->width[F_STRAT] < STRAT_MAX_COLS ? T->width[F_STRAT] : STRAT_MAX_COLS;
    choose_fields(T, cols);
    for (size_t i = 0; i < L->ng; i++) {
        if (shown[i])
            T->heads[i] = heading(T, vals[i]);
        for (int f = 0; shown[i] && f < F_COUNT; f++)
            free(vals[i][f]);
    }
    free(vals);
    free(shown);
    caller_widths(T, L);
}

void qtext_done(struct qtext *T)
{
    for (size_t i = 0; i < T->L->ng; i++)
        free(T->heads[i]);
    free(T->heads);
}

static char *caller_line(const struct qtext *T, const struct record *c)
{
    struct strbuf sb;
    char dur[24];
    char *p = party(c), *safe = text_sanitized(p, T->flags);
    char *chan = text_sanitized(c->v[QC_CHANNEL], T->flags);
    clock_format_duration(c->t0_ms ? (T->L->tv->rows.now_ms - c->t0_ms) / 1000 : -1, dur,
                          sizeof dur);
    strbuf_init(&sb, LINE_MAX_BYTES);
    (void)strbuf_adds(&sb, "    ");
    put_padded(&sb, c->v[QC_POSITION] ? c->v[QC_POSITION] : "-", T->pos_w, true, T->flags);
    (void)strbuf_adds(&sb, ". ");
    put_padded(&sb, safe, T->party_w, false, T->flags);
    (void)strbuf_adds(&sb, "  wait ");
    put_padded(&sb, dur, T->wait_w, true, T->flags);
    (void)strbuf_adds(&sb, "  ");
    (void)strbuf_adds(&sb, chan);
    free(p);
    free(safe);
    free(chan);
    return strbuf_take(&sb);
}

static char *line_text(const struct qtext *T, const struct qline *ln, attr_t *attr)
{
    const struct qlayout *L = T->L;
    const struct qgroup *g = &L->g[ln->group];
    switch (ln->type) {
    case QL_HEAD:
        *attr = theme_attr(ROLE_GROUP);
        return xstrdup(T->heads[ln->group] ? T->heads[ln->group] : "");
    case QL_CALLER:
        *attr = theme_attr(ROLE_WAITING);
        return caller_line(T, L->callers[g->c0 + ln->idx]);
    case QL_MORE:
        *attr = theme_attr(ROLE_WAITING);
        return xasprintf("    %s %zu more waiting", T->flags & TEXT_ASCII ? "..." : "\xE2\x80\xA6",
                         ln->idx);
    case QL_NOTE:
        *attr = theme_attr(ROLE_DIM);
        return xasprintf("    %s", L->note[g->src] ? L->note[g->src] : "");
    case QL_ROW:
        break;
    }
    *attr = theme_attr(ROLE_NORMAL);
    return xstrdup("");
}

void qtext_draw(const struct qtext *T, WINDOW *win, int y, const struct qline *ln)
{
    attr_t attr;
    char *text = line_text(T, ln, &attr), cut[LINE_MAX_BYTES];
    int cols = getmaxx(win);
    /* Sanitised already, piece by piece; this only cuts it to the window. */
    (void)text_fit(text, cols - 1, cut, sizeof cut, T->flags);
    wattrset(win, attr);
    (void)mvwhline(win, y, 0, ' ', cols);
    (void)mvwaddstr(win, y, 0, cut);
    wattrset(win, A_NORMAL);
    free(text);
}
