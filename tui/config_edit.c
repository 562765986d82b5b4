#define _POSIX_C_SOURCE 200809L
#include "tui/config_edit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tui/fileio.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

#define EDIT_MAX_BYTES (1u << 20) /* config.c reads no more */
#define EDIT_MAX_VALUE 2048       /* well under config.c's line limit */

/* The file as lines without their '\n' (a '\r' before it stays in the line, so that a
 * replaced value keeps the line's CRLF ending). */
struct text {
    char **lines;
    size_t n, cap;
    bool final_nl;
    bool crlf; /* new lines get "\r" too */
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static const char *skip_blank(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static void text_split(struct text *t, const char *buf, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
        t->lines = xgrow(t->lines, &t->cap, t->n + 1, sizeof *t->lines);
        t->lines[t->n++] = xstrndup(buf + pos, n);
        if (t->n == 1 && n > 0 && buf[pos + n - 1] == '\r')
            t->crlf = true;
        t->final_nl = nl != NULL;
        pos += n + 1;
    }
}

/* Free a line, wiping it first: config.ini may hold passwords. */
static void free_line(char *line)
{
    explicit_bzero(line, strlen(line));
    free(line);
}

static void text_done(struct text *t)
{
    for (size_t i = 0; i < t->n; i++)
        free_line(t->lines[i]);
    free(t->lines);
}

/* Insert (taking ownership of) line before index at. */
static void text_insert(struct text *t, size_t at, char *line)
{
    t->lines = xgrow(t->lines, &t->cap, t->n + 1, sizeof *t->lines);
    memmove(&t->lines[at + 1], &t->lines[at], (t->n - at) * sizeof *t->lines);
    t->lines[at] = line;
    t->n++;
    if (at == t->n - 1)
        t->final_nl = true;
}

static void text_remove(struct text *t, size_t at)
{
    free_line(t->lines[at]);
    memmove(&t->lines[at], &t->lines[at + 1], (t->n - at - 1) * sizeof *t->lines);
    t->n--;
}

/* The name of a "[name]" header line (malloc'd), or NULL for any other line. Read as
 * config.c reads it; a malformed header is left for config.c to report. */
static char *section_name(const char *line)
{
    const char *s = skip_blank(line);
    if (*s != '[')
        return NULL;
    const char *close = strchr(s, ']');
    if (!close)
        return NULL;
    for (const char *r = close + 1; *r; r++) {
        if (!is_blank(*r))
            return NULL;
    }
    s = skip_blank(s + 1);
    size_t n = (size_t)(close - s);
    while (n > 0 && is_blank(s[n - 1]))
        n--;
    return xstrndup(s, n);
}

/* Whether line sets key ("key = value"), as config.c splits it. */
static bool line_sets(const char *line, const char *key)
{
    const char *s = skip_blank(line);
    if (!*s || *s == ';' || *s == '#' || *s == '[')
        return false;
    const char *eq = strchr(s, '=');
    if (!eq)
        return false;
    size_t n = (size_t)(eq - s);
    while (n > 0 && is_blank(s[n - 1]))
        n--;
    return n == strlen(key) && memcmp(s, key, n) == 0;
}

/* Where the value of a key line starts and ends: what follows it (blanks, a comment, a
 * '\r') is kept when the value is replaced. */
static void value_span(const char *line, size_t *start, size_t *end)
{
    const char *v = skip_blank(strchr(line, '=') + 1);
    const char *e = v;
    if (*v == '"' && strchr(v + 1, '"')) {
        e = strchr(v + 1, '"') + 1;
    } else {
        for (const char *c = v; *c; c++) {
            if ((*c == ';' || *c == '#') && (c == v || c[-1] == ' ' || c[-1] == '\t'))
                break;
            e = c + 1;
        }
        while (e > v && is_blank(e[-1]))
            e--;
    }
    *start = (size_t)(v - line);
    *end = (size_t)(e - line);
}

static bool needs_quotes(const char *v)
{
    size_t n = strlen(v);
    if (n == 0)
        return false;
    if (strchr(" \t\"", v[0]) || v[n - 1] == ' ' || v[n - 1] == '\t')
        return true;
    for (size_t i = 0; i < n; i++) {
        if ((v[i] == ';' || v[i] == '#') && (i == 0 || v[i - 1] == ' ' || v[i - 1] == '\t'))
            return true;
    }
    return false;
}

/* The value as config.c will read it back, or NULL with *why. */
static char *encode_value(const char *key, const char *v, char **why)
{
    if (strpbrk(v, "\r\n")) {
        *why = xasprintf("%s: a value cannot hold a line break", key);
        return NULL;
    }
    if (strlen(v) > EDIT_MAX_VALUE) {
        *why = xasprintf("%s: the value is longer than %d bytes", key, EDIT_MAX_VALUE);
        return NULL;
    }
    if (!needs_quotes(v))
        return xstrdup(v);
    if (strchr(v, '"')) {
        *why = xasprintf("%s: the value '%s' holds a quote and a ';', '#' or edge blank that "
                         "would be read as a comment or trimmed; it cannot be written safely",
                         key, v);
        return NULL;
    }
    return xasprintf("\"%s\"", v);
}

/* Names as config.c accepts them for sections; keys follow the same rule. */
static bool valid_word(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 64 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static char *check_edit(const struct config_edit *e)
{
    if (!e->section || !valid_word(e->section))
        return xasprintf("section name '%s' may hold only letters, digits, '_', '.' and '-'",
                         e->section ? e->section : "(null)");
    if (!e->key || !valid_word(e->key))
        return xasprintf("[%s] key '%s' may hold only letters, digits, '_', '.' and '-'",
                         e->section, e->key ? e->key : "(null)");
    return NULL;
}

/* Replace the value of line i with v (already encoded), keeping what follows it. */
static void replace_value(struct text *t, size_t i, const char *v)
{
    const char *line = t->lines[i];
    size_t start, end;
    value_span(line, &start, &end);
    const char *eq = strchr(line, '=');
    bool pad_before = *v && start == end && start == (size_t)(eq - line) + 1;
    bool pad_after = *v && (line[end] == ';' || line[end] == '#');
    char *nl = xasprintf("%.*s%s%s%s%s", (int)start, line, pad_before ? " " : "", v,
                         pad_after ? " " : "", line + end);
    free_line(t->lines[i]);
    t->lines[i] = nl;
}

static bool is_key_line(const char *line)
{
    const char *s = skip_blank(line);
    return *s && *s != ';' && *s != '#' && *s != '[' && strchr(s, '=');
}

/* Add "key = v" after line `after` (the section's header or last key), indented like it. */
static void add_key(struct text *t, size_t after, const char *key, const char *v)
{
    const char *l = t->lines[after];
    char *indent = xstrndup(l, is_key_line(l) ? (size_t)(skip_blank(l) - l) : 0);
    text_insert(t, after + 1,
                xasprintf("%s%s =%s%s%s", indent, key, *v ? " " : "", v, t->crlf ? "\r" : ""));
    free(indent);
}

/* Append "[section]" and "key = v" at the end, after a blank line. */
static void add_section(struct text *t, const char *section, const char *key, const char *v)
{
    const char *cr = t->crlf ? "\r" : "";
    if (t->n && *skip_blank(t->lines[t->n - 1]) && strcmp(t->lines[t->n - 1], "\r") != 0)
        text_insert(t, t->n, xstrdup(cr));
    text_insert(t, t->n, xasprintf("[%s]%s", section, cr));
    text_insert(t, t->n, xasprintf("%s =%s%s%s", key, *v ? " " : "", v, cr));
}

/* Apply one edit with an encoded value (NULL: remove). New keys go after the section's last
 * key, so that a comment that introduces the next section stays with it. */
static void apply_one(struct text *t, const char *section, const char *key, const char *v)
{
    bool in = false, found = false, seen = false;
    size_t last = 0;
    for (size_t i = 0; i < t->n; i++) {
        char *name = section_name(t->lines[i]);
        if (name) {
            in = strcmp(name, section) == 0;
            free(name);
            if (in) {
                seen = true;
                last = i;
            }
            continue;
        }
        if (!in || !is_key_line(t->lines[i]))
            continue;
        if (!line_sets(t->lines[i], key)) {
            last = i;
            continue;
        }
        /* Later duplicates go: the value written must be the one config.c reads. */
        if (found || !v) {
            text_remove(t, i--);
            continue;
        }
        replace_value(t, i, v);
        found = true;
        last = i;
    }
    if (found || !v)
        return;
    if (seen)
        add_key(t, last, key, v);
    else
        add_section(t, section, key, v);
}

static char *text_join(const struct text *t, size_t *len)
{
    struct strbuf sb;
    strbuf_init(&sb, EDIT_MAX_BYTES * 2);
    for (size_t i = 0; i < t->n; i++) {
        (void)strbuf_adds(&sb, t->lines[i]);
        if (i + 1 < t->n || t->final_nl)
            (void)strbuf_addc(&sb, '\n');
    }
    *len = sb.len;
    return strbuf_take(&sb);
}

static char *read_all(const char *path, struct stat *st, size_t *len, char **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        *err = xasprintf("%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    if (fstat(fd, st) || !S_ISREG(st->st_mode))
        *err = xasprintf("%s: not a regular file", path);
    else if (st->st_size > (off_t)EDIT_MAX_BYTES)
        *err = xasprintf("%s: larger than 1 MiB; is this the right file?", path);
    else {
        buf = xmalloc((size_t)st->st_size + 1);
        ssize_t got = read(fd, buf, (size_t)st->st_size);
        if (got != (ssize_t)st->st_size) {
            *err = xasprintf("%s: read failed: %s", path, got < 0 ? strerror(errno) : "short");
            free(buf);
            buf = NULL;
        } else {
            *len = (size_t)got;
        }
    }
    close(fd);
    return buf;
}

/* Temp file, write, fsync, rename, fsync of the directory. */
static int replace_file(const char *path, const char *data, size_t len, const struct stat *old,
                        char **err)
{
    const char *slash = strrchr(path, '/');
    char *dir = xstrndup(path, (size_t)(slash - path));
    char *tmp = xasprintf("%s/.%s.XXXXXX", *dir ? dir : "/", slash + 1);
    int rc = -1, fd = mkstemp(tmp);
    if (fd < 0) {
        *err = xasprintf("%s: cannot create a temporary file in %s: %s; the file is unchanged",
                         path, *dir ? dir : "/", strerror(errno));
        goto out;
    }
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    /* Keep the owner too when root edits someone's file; failure just leaves root's. */
    if (old->st_uid != geteuid() || old->st_gid != getegid())
        (void)!fchown(fd, old->st_uid, old->st_gid);
    if (fchmod(fd, old->st_mode & 07777) || fileio_write_all(fd, data, len) || fsync(fd)) {
        *err =
            xasprintf("%s: cannot write %s: %s; the file is unchanged", path, tmp, strerror(errno));
        close(fd);
        (void)unlink(tmp);
        goto out;
    }
    if (close(fd) || rename(tmp, path)) {
        *err = xasprintf("%s: cannot replace the file: %s; it is unchanged", path, strerror(errno));
        (void)unlink(tmp);
        goto out;
    }
    if (fileio_sync_dir(*dir ? dir : "/")) {
        *err =
            xasprintf("%s: written, but syncing its directory failed: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(tmp);
    free(dir);
    return rc;
}

int config_edit_apply(const char *path, const struct config_edit *edits, size_t n, char **err)
{
    char **values = xcalloc(n + 1, sizeof *values);
    char *real = NULL, *buf = NULL, *out = NULL, *why = NULL;
    size_t len = 0, outlen = 0;
    struct text t = {0};
    int rc = -1;
    for (size_t i = 0; i < n && !why; i++) {
        why = check_edit(&edits[i]);
        if (!why && edits[i].value)
            values[i] = encode_value(edits[i].key, edits[i].value, &why);
    }
    if (why) {
        *err = xasprintf("%s: %s; the file is unchanged", path, why);
        goto out;
    }
    /* Edit the file a symlink points to, not the link: dotfile managers link config.ini. */
    real = realpath(path, NULL);
    if (!real) {
        *err = xasprintf("%s: %s", path, strerror(errno));
        goto out;
    }
    struct stat st;
    buf = read_all(real, &st, &len, err);
    if (!buf)
        goto out;
    text_split(&t, buf, len);
    for (size_t i = 0; i < n; i++)
        apply_one(&t, edits[i].section, edits[i].key, values[i]);
    out = text_join(&t, &outlen);
    rc = replace_file(real, out, outlen, &st, err);
out:
    free(why);
    for (size_t i = 0; i < n; i++)
        free(values[i]);
    free(values);
    free(real);
    if (buf)
        explicit_bzero(buf, len);
    free(buf);
    if (out)
        explicit_bzero(out, outlen);
    free(out);
    text_done(&t);
    return rc;
}
