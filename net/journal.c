/* The change journal: a line per record, tab-separated fields, every value
 * percent-escaped so that a tab, a newline or a control character in backend data can never
 * break the format. */
#define _POSIX_C_SOURCE 200809L
#include "net/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net/schema.h"
#include "tui/fileio.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

#define MAGIC    "pbxtop-journal\t1\n"
#define SUFFIX   ".journal"
#define MAX_FILE (64u << 20)
#define MAX_LINE (16u << 20) /* a record longer than this is refused, never cut */

struct journal {
    int fd;
    char *id;
};

char *journal_default_dir(void)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    if (xdg && *xdg == '/')
        return xasprintf("%s/pbxtop/journal", xdg);
    const char *home = getenv("HOME");
    return xasprintf("%s/.local/state/pbxtop/journal", home && *home ? home : ".");
}

/* mkdir -p with mode 0700 for the parts we create. */
static int make_dirs(const char *dir)
{
    char *p = xstrdup(dir);
    int rc = 0;
    for (char *s = p + 1; rc == 0; s++) {
        bool end = *s == '\0';
        if (*s != '/' && !end)
            continue;
        *s = '\0';
        if (mkdir(p, 0700) && errno != EEXIST)
            rc = -1;
        if (end)
            break;
        *s = '/';
    }
    free(p);
    return rc;
}

static char *path_of(const char *dir, const char *id)
{
    return xasprintf("%s/%s" SUFFIX, dir, id);
}

static bool valid_id(const char *id)
{
    size_t n = strlen(id);
    return n > 0 && n < 64 && strspn(id, "0123456789abcdef-") == n;
}

/* Set when a record did not fit its buffer: it is refused whole rather than cut. */
static bool overflow;

static void add(struct strbuf *sb, const void *data, size_t n)
{
    if (strbuf_add(sb, data, n))
        overflow = true;
}

/* Append one record; with sync, it is on disk before this returns. */
static int put(struct journal *j, struct strbuf *line, bool sync)
{
    add(line, "\n", 1);
    if (overflow) {
        overflow = false;
        strbuf_done(line);
        errno = EFBIG;
        return -1;
    }
    int rc = fileio_write_all(j->fd, line->buf, line->len);
    if (rc == 0 && sync)
        rc = fsync(j->fd);
    strbuf_done(line);
    return rc;
}

static void esc(struct strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    /* "-" (none) and "*" (withheld) alone have meanings of their own. */
    bool alone = (s[0] == '-' || s[0] == '*') && !s[1];
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (alone || *p < 0x20 || *p == 0x7f || *p == '%' || *p == '=') {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            add(sb, e, 3);
        } else {
            add(sb, p, 1);
        }
    }
}

static void field(struct strbuf *sb, const char *s)
{
    add(sb, "\t", 1);
    if (s)
        esc(sb, s);
    else
        add(sb, "-", 1);
}

static void line_start(struct strbuf *sb, const char *tag)
{
    strbuf_init(sb, MAX_LINE);
    overflow = false;
    add(sb, tag, strlen(tag));
}

/* UTC to the millisecond first, so that ids sort as they were made (and no daylight saving
 * change turns them back); then the pid and a try counter, so that two pbxtops never meet. */
static char *new_id(unsigned attempt)
{
    char stamp[32];
    struct timespec ts;
    struct tm tm;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    (void)gmtime_r(&ts.tv_sec, &tm);
    (void)strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    return xasprintf("%s-%03ld-%05x%x", stamp, ts.tv_nsec / 1000000, (unsigned)getpid() & 0xfffff,
                     attempt & 0xf);
}

struct journal *journal_create(const char *dir, const char *backend, char **err)
{
    if (make_dirs(dir)) {
        *err = xasprintf("cannot create the journal directory %s: %s", dir, strerror(errno));
        return NULL;
    }
    struct journal *j = xcalloc(1, sizeof *j);
    char *path = NULL;
    j->fd = -1;
    for (unsigned attempt = 0; j->fd < 0 && attempt < 16; attempt++) {
        free(j->id);
        free(path);
        j->id = new_id(attempt);
        path = path_of(dir, j->id);
        j->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (j->fd < 0 && errno != EEXIST)
            break;
    }
    if (j->fd < 0) {
        *err = xasprintf("cannot create the journal %s: %s", path, strerror(errno));
        free(path);
        journal_close(j);
        return NULL;
    }
    free(path);
    struct strbuf sb;
    line_start(&sb, MAGIC "batch");
    field(&sb, j->id);
    (void)strbuf_addf(&sb, "\t%lld", (long long)time(NULL));
    field(&sb, backend);
    if (put(j, &sb, true)) {
        *err = xasprintf("cannot write the journal in %s: %s", dir, strerror(errno));
        journal_close(j);
        return NULL;
    }
    (void)fileio_sync_dir(dir);
    return j;
}

/* A crash while writing leaves a record without its newline; cut it off before appending,
 * or the next record would be glued to it. */
static int cut_torn_tail(int fd)
{
    off_t end = lseek(fd, 0, SEEK_END);
    char c;
    off_t keep = end;
    while (keep > 0 && pread(fd, &c, 1, keep - 1) == 1 && c != '\n')
        keep--;
    if (keep == end)
        return 0;
    return ftruncate(fd, keep) || fsync(fd) ? -1 : 0;
}

struct journal *journal_reopen(const char *dir, const char *id, char **err)
{
    if (!valid_id(id)) {
        *err = xasprintf("'%s' is not a journal id", id);
        return NULL;
    }
    char *path = path_of(dir, id);
    struct journal *j = xcalloc(1, sizeof *j);
    j->id = xstrdup(id);
    j->fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    if (j->fd < 0 || cut_torn_tail(j->fd)) {
        *err = xasprintf("cannot open the journal %s: %s", path, strerror(errno));
        journal_close(j);
        j = NULL;
    }
    free(path);
    return j;
}

const char *journal_id(const struct journal *j)
{
    return j->id;
}

void journal_close(struct journal *j)
{
    if (!j)
        return;
    if (j->fd >= 0)
        close(j->fd);
    free(j->id);
    free(j);
}

int journal_item(struct journal *j, size_t n, int line, const struct change *c,
                 const char *const *before, const struct record_schema *s)
{
    struct strbuf sb;
    line_start(&sb, "item");
    (void)strbuf_addf(&sb, "\t%zu\t%d", n, line);
    field(&sb, change_op_name(c->op));
    field(&sb, kind_def(c->kind)->name);
    field(&sb, c->id);
    for (int i = 0; i < c->nvalues; i++) {
        const struct field_schema *f = schema_field(s, c->names[i]);
        (void)strbuf_addc(&sb, '\t');
        esc(&sb, c->names[i]);
        if (f && (f->flags & FS_SECRET)) {
            (void)strbuf_adds(&sb, "=*"); /* withheld: "=*" is not a valid escaped value */
        } else if (c->values[i]) {
            (void)strbuf_addc(&sb, '=');
            esc(&sb, c->values[i]);
        }
    }
    int rc = put(j, &sb, false);
    if (rc || !before)
        return rc;
    line_start(&sb, "before");
    (void)strbuf_addf(&sb, "\t%zu", n);
    for (int i = 0; i < c->nvalues; i++) {
        const struct field_schema *f = schema_field(s, c->names[i]);
        field(&sb, f && (f->flags & FS_SECRET) ? NULL : before[i]);
    }
    return put(j, &sb, false);
}

int journal_intent(struct journal *j, size_t n)
{
    struct strbuf sb;
    line_start(&sb, "intent");
    (void)strbuf_addf(&sb, "\t%zu\t%lld", n, (long long)time(NULL));
    return put(j, &sb, true);
}

int journal_outcome(struct journal *j, size_t n, enum act_outcome o, const char *new_id,
                    const char *msg)
{
    struct strbuf sb;
    line_start(&sb, "outcome");
    (void)strbuf_addf(&sb, "\t%zu\t%lld", n, (long long)time(NULL));
    field(&sb, act_outcome_name(o));
    field(&sb, new_id && *new_id ? new_id : NULL);
    field(&sb, msg ? msg : "");
    return put(j, &sb, true);
}

int journal_commit_intent(struct journal *j)
{
    struct strbuf sb;
    line_start(&sb, "commit");
    (void)strbuf_addf(&sb, "\t%lld\tintent", (long long)time(NULL));
    return put(j, &sb, true);
}

int journal_commit_outcome(struct journal *j, enum act_outcome o, const char *msg)
{
    struct strbuf sb;
    line_start(&sb, "commit");
    (void)strbuf_addf(&sb, "\t%lld", (long long)time(NULL));
    field(&sb, act_outcome_name(o));
    field(&sb, msg ? msg : "");
    return put(j, &sb, true);
}

int journal_end(struct journal *j)
{
    struct strbuf sb;
    line_start(&sb, "end");
    (void)strbuf_addf(&sb, "\t%lld", (long long)time(NULL));
    return put(j, &sb, true);
}

/* -------------------------------------------------------------------------- reading */

struct reader {
    const char *name;
    int line;
    struct journal_batch *b;
    char *err;
};

static int bad(struct reader *r, const char *what)
{
    if (!r->err)
        r->err = xasprintf("%s:%d: %s", r->name, r->line, what);
    return -1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Undo esc(); NULL when the text is not a valid escaped value. */
static char *unesc(const char *s, size_t n)
{
    struct strbuf sb;
    strbuf_init(&sb, n + 1);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if ((unsigned char)c < 0x20 || c == 0x7f) {
            strbuf_done(&sb); /* the writer escapes these: this line was not written by it */
            return NULL;
        }
        if (c == '%') {
            int hi = n - i >= 3 ? hexval(s[i + 1]) : -1;
            int lo = n - i >= 3 ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi | lo) == 0) {
                strbuf_done(&sb);
                return NULL;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        (void)strbuf_addc(&sb, c);
    }
    return strbuf_take(&sb);
}

#define MAX_FIELDS 64

/* Split a line at tabs into at most MAX_FIELDS pieces (pointers into line, lengths). */
static int split(const char *line, size_t len, const char **f, size_t *flen)
{
    int n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len && n < MAX_FIELDS; i++) {
        if (i == len || line[i] == '\t') {
            f[n] = line + start;
            flen[n++] = i - start;
            start = i + 1;
        }
    }
    return n;
}

static bool field_is(const char *f, size_t n, const char *s)
{
    return strlen(s) == n && memcmp(f, s, n) == 0;
}

static bool parse_num(const char *f, size_t n, long long *out)
{
    char buf[24];
    if (n == 0 || n >= sizeof buf || f[0] < '0' || f[0] > '9')
        return false;
    memcpy(buf, f, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    *out = strtoll(buf, &end, 10);
    return !errno && !*end && *out >= 0;
}

/* A field that may be "-" for none. */
static bool opt_field(const char *f, size_t n, char **out)
{
    *out = NULL;
    if (n == 1 && f[0] == '-')
        return true;
    *out = unesc(f, n);
    return *out != NULL;
}

static int parse_op(const char *f, size_t n, enum change_op *op)
{
    static const enum change_op ops[] = {OP_CREATE, OP_UPDATE, OP_DELETE};
    for (size_t i = 0; i < 3; i++) {
        if (field_is(f, n, change_op_name(ops[i]))) {
            *op = ops[i];
            return 0;
        }
    }
    return -1;
}

static int parse_kind(const char *f, size_t n, enum kind *k)
{
    for (int i = 0; i < KIND_COUNT; i++) {
        if (field_is(f, n, kind_def((enum kind)i)->name)) {
            *k = (enum kind)i;
            return 0;
        }
    }
    return -1;
}

static int parse_outcome(const char *f, size_t n, enum act_outcome *o)
{
    for (int i = ACT_OK; i <= ACT_PARTIAL; i++) {
        if (field_is(f, n, act_outcome_name((enum act_outcome)i))) {
            *o = (enum act_outcome)i;
            return 0;
        }
    }
    return -1;
}

/* "name=value", "name" (null) or "name=*" (withheld). */
static int parse_value(struct journal_entry *e, int i, const char *f, size_t n)
{
    const char *eq = memchr(f, '=', n);
    size_t klen = eq ? (size_t)(eq - f) : n;
    e->names[i] = unesc(f, klen);
    if (!e->names[i] || !klen)
        return -1;
    if (eq && n - klen == 2 && eq[1] == '*') {
        e->withheld[i] = true;
        return 0;
    }
    if (eq) {
        e->values[i] = unesc(eq + 1, n - klen - 1);
        return e->values[i] ? 0 : -1;
    }
    return 0;
}

static struct journal_entry *entry(struct reader *r, const char *f, size_t n)
{
    long long idx;
    if (!parse_num(f, n, &idx) || (size_t)idx >= r->b->nitems)
        return NULL;
    return &r->b->items[idx];
}

static int rec_item(struct reader *r, const char **f, const size_t *fl, int nf)
{
    long long idx, line;
    struct journal_batch *b = r->b;
    if (nf < 6 || !parse_num(f[1], fl[1], &idx) || (size_t)idx != b->nitems ||
        !parse_num(f[2], fl[2], &line) || line > 1 << 30)
        return bad(r, "item: bad number or out of order");
    b->items = xrealloc(b->items, (b->nitems + 1) * sizeof *b->items);
    struct journal_entry *e = &b->items[b->nitems++];
    memset(e, 0, sizeof *e);
    e->n = (size_t)idx;
    e->line = (int)line;
    if (parse_op(f[3], fl[3], &e->op) || parse_kind(f[4], fl[4], &e->kind) ||
        !opt_field(f[5], fl[5], &e->id))
        return bad(r, "item: unknown operation, view or bad id");
    e->nvalues = nf - 6;
    e->names = xcalloc((size_t)e->nvalues + 1, sizeof *e->names);
    e->values = xcalloc((size_t)e->nvalues + 1, sizeof *e->values);
    e->withheld = xcalloc((size_t)e->nvalues + 1, sizeof *e->withheld);
    for (int i = 0; i < e->nvalues; i++) {
        if (parse_value(e, i, f[6 + i], fl[6 + i]))
            return bad(r, "item: bad field value");
    }
    return 0;
}

static int rec_before(struct reader *r, const char **f, const size_t *fl, int nf)
{
    struct journal_entry *e = nf >= 2 ? entry(r, f[1], fl[1]) : NULL;
    if (!e || e->before || nf - 2 != e->nvalues)
        return bad(r, "before: does not match its item");
    e->before = xcalloc((size_t)e->nvalues + 1, sizeof *e->before);
    for (int i = 0; i < e->nvalues; i++) {
        if (!opt_field(f[2 + i], fl[2 + i], &e->before[i]))
            return bad(r, "before: bad value");
    }
    return 0;
}

static int rec_outcome(struct reader *r, const char **f, const size_t *fl, int nf)
{
    long long t;
    struct journal_entry *e = nf == 6 ? entry(r, f[1], fl[1]) : NULL;
    if (e && e->has_outcome && !journal_entry_left(e))
        return bad(r, "outcome: repeated for a finished item");
    if (e) {
        /* A resumed item's new outcome replaces the one that did not finish it. */
        free(e->new_id);
        free(e->msg);
        e->new_id = e->msg = NULL;
    }
    if (!e || !parse_num(f[2], fl[2], &t) || parse_outcome(f[3], fl[3], &e->outcome) ||
        !opt_field(f[4], fl[4], &e->new_id))
        return bad(r, "outcome: malformed");
    e->msg = unesc(f[5], fl[5]);
    if (!e->msg)
        return bad(r, "outcome: bad message");
    e->has_outcome = true;
    return 0;
}

static int rec_other(struct reader *r, const char **f, const size_t *fl, int nf)
{
    long long t;
    struct journal_batch *b = r->b;
    struct journal_entry *e;
    if (field_is(f[0], fl[0], "intent")) {
        if (nf != 3 || !(e = entry(r, f[1], fl[1])) || !parse_num(f[2], fl[2], &t))
            return bad(r, "intent: malformed");
        e->intent = true;
    } else if (field_is(f[0], fl[0], "commit")) {
        enum act_outcome o = ACT_FAILED;
        /* "commit TIME intent" or "commit TIME OUTCOME MESSAGE" */
        char *msg = nf == 4 ? unesc(f[3], fl[3]) : NULL;
        bool intent = nf == 3 && field_is(f[2], fl[2], "intent");
        bool outcome = msg && parse_outcome(f[2], fl[2], &o) == 0;
        free(msg);
        if (!parse_num(f[1], fl[1], &t) || (!intent && !outcome))
            return bad(r, "commit: malformed");
        if (intent)
            b->commit_intent = true;
        else
            b->committed = o == ACT_OK; /* a failed commit leaves the batch unfinished */
    } else if (field_is(f[0], fl[0], "end")) {
        if (nf != 2 || !parse_num(f[1], fl[1], &t))
            return bad(r, "end: malformed");
        b->ended = true;
    } else {
        return bad(r, "unknown record");
    }
    return 0;
}

static int rec_batch(struct reader *r, const char **f, const size_t *fl, int nf)
{
    long long t;
    if (nf != 4 || r->b->id || !parse_num(f[2], fl[2], &t) || !(r->b->id = unesc(f[1], fl[1])) ||
        !(r->b->backend = unesc(f[3], fl[3])))
        return bad(r, "batch: malformed");
    r->b->created = t;
    return 0;
}

static int record(struct reader *r, const char *line, size_t len)
{
    const char *f[MAX_FIELDS];
    size_t fl[MAX_FIELDS];
    int nf = split(line, len, f, fl);
    if (nf == MAX_FIELDS)
        return bad(r, "too many fields");
    if (field_is(f[0], fl[0], "batch"))
        return rec_batch(r, f, fl, nf);
    if (!r->b->id)
        return bad(r, "no batch record before this one");
    if (r->b->ended)
        return bad(r, "a record after the end of the batch");
    if (field_is(f[0], fl[0], "item"))
        return rec_item(r, f, fl, nf);
    if (field_is(f[0], fl[0], "before"))
        return rec_before(r, f, fl, nf);
    if (field_is(f[0], fl[0], "outcome"))
        return rec_outcome(r, f, fl, nf);
    return rec_other(r, f, fl, nf);
}

int journal_parse(const char *name, const char *text, size_t len, struct journal_batch *b,
                  char **err)
{
    struct reader r = {.name = name, .b = b};
    size_t magic = strlen(MAGIC);
    memset(b, 0, sizeof *b);
    r.line = 1;
    if (len < magic || memcmp(text, MAGIC, magic) != 0) {
        (void)bad(&r, "not a pbxtop journal (or a newer format)");
        *err = r.err;
        return -1;
    }
    for (size_t pos = magic; pos < len;) {
        r.line++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        if (!nl)
            break; /* a torn last record: the crash happened while writing it */
        size_t n = (size_t)(nl - (text + pos));
        if (memchr(text + pos, '\0', n) || record(&r, text + pos, n)) {
            (void)bad(&r, "damaged record");
            *err = r.err;
            journal_batch_done(b);
            return -1;
        }
        pos += n + 1;
    }
    if (!b->id) {
        *err = xasprintf("%s: no batch record", name);
        journal_batch_done(b);
        return -1;
    }
    return 0;
}

int journal_read(const char *dir, const char *id, struct journal_batch *b, char **err)
{
    if (!valid_id(id)) {
        *err = xasprintf("'%s' is not a journal id (see pbxtop journal list)", id);
        return -1;
    }
    char *path = path_of(dir, id);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    char *text = NULL;
    int rc = -1;
    if (fd < 0)
        *err = xasprintf("%s: %s", path, strerror(errno));
    else if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > (off_t)MAX_FILE)
        *err = xasprintf("%s: not a regular file of a sensible size", path);
    else {
        text = xmalloc((size_t)st.st_size + 1);
        ssize_t got = read(fd, text, (size_t)st.st_size);
        if (got == st.st_size)
            rc = journal_parse(path, text, (size_t)got, b, err);
        else
            *err = xasprintf("%s: read failed", path);
    }
    if (fd >= 0)
        close(fd);
    free(text);
    free(path);
    return rc;
}

void journal_batch_done(struct journal_batch *b)
{
    for (size_t i = 0; i < b->nitems; i++) {
        struct journal_entry *e = &b->items[i];
        for (int k = 0; k < e->nvalues; k++) {
            free(e->names[k]);
            free(e->values[k]);
            if (e->before)
                free(e->before[k]);
        }
        free(e->names);
        free(e->values);
        free(e->withheld);
        free(e->before);
        free(e->id);
        free(e->new_id);
        free(e->msg);
    }
    free(b->items);
    free(b->id);
    free(b->backend);
    memset(b, 0, sizeof *b);
}

bool journal_entry_left(const struct journal_entry *e)
{
    return !e->has_outcome || e->outcome == ACT_AUTH || e->outcome == ACT_UNREACHABLE;
}

bool journal_unfinished(const struct journal_batch *b)
{
    if (b->ended)
        return false;
    for (size_t i = 0; i < b->nitems; i++) {
        if (journal_entry_left(&b->items[i]))
            return true;
    }
    return b->commit_intent && !b->committed;
}

static int cmp_desc(const void *a, const void *b)
{
    return strcmp(*(char *const *)b, *(char *const *)a);
}

size_t journal_list(const char *dir, char ***ids)
{
    size_t n = 0, cap = 0;
    *ids = NULL;
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t len = strlen(de->d_name), sl = strlen(SUFFIX);
        if (len <= sl || strcmp(de->d_name + len - sl, SUFFIX) != 0)
            continue;
        char *id = xstrndup(de->d_name, len - sl);
        if (!valid_id(id)) {
            free(id);
            continue;
        }
        *ids = xgrow(*ids, &cap, n + 1, sizeof **ids);
        (*ids)[n++] = id;
    }
    if (d)
        closedir(d);
    if (n)
        qsort(*ids, n, sizeof **ids, cmp_desc);
    return n;
}

void journal_ids_free(char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}
