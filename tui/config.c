#define _POSIX_C_SOURCE 200809L
#include "tui/config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/keyring.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

#define CONFIG_MAX_BYTES (1u << 20)
#define LINE_MAX_BYTES   4096

struct parser {
    const char *path;
    int line;
    struct config *cfg;
    struct backend_conf *be; /* section being read; NULL in [pbxtop] */
    unsigned flags;          /* enum config_flags */
    bool in_global;
    int keys_line; /* where [keys] starts; 0 until then */
    bool in_keys;
    int columns_line; /* where [columns] starts; 0 until then */
    bool in_columns;
    int global_lines[5]; /* where the [pbxtop] keys were set, in known_global order */
    char *err;
};

char *config_default_path(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    if (xdg && *xdg == '/')
        return xasprintf("%s/pbxtop/config.ini", xdg);
    const char *home = getenv("HOME");
    return xasprintf("%s/.config/pbxtop/config.ini", home && *home ? home : ".");
}

static int fail(struct parser *p, const char *fmt, ...) PBX_PRINTF(2, 3);

/* Record the first error as "PATH:LINE: message". */
static int fail(struct parser *p, const char *fmt, ...)
{
    struct strbuf sb;
    va_list ap;
    strbuf_init(&sb, LINE_MAX_BYTES * 2);
    (void)strbuf_addf(&sb, "%s:%d: ", p->path, p->line);
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    (void)strbuf_adds(&sb, msg);
    free(msg);
    p->err = strbuf_take(&sb);
    return -1;
}

static int parse_bool(struct parser *p, const char *key, const char *v, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
            *out = strcasecmp(v, yes[i]) == 0;
            return 0;
        }
    }
    return fail(p, "%s: '%s' is not a boolean (true or false)", key, v);
}

/* Seconds, possibly fractional, within [lo, hi]; stored as milliseconds. */
static int parse_secs(struct parser *p, const char *key, const char *v, double lo, double hi,
                      int *ms)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(d))
        return fail(p, "%s: '%s' is not a number of seconds", key, v);
    if (d < lo || d > hi) {
        return fail(p, "%s: must be between %g and %g seconds", key, lo, hi);
    }
    *ms = (int)(d * 1000);
    return 0;
}

/* Minutes, possibly fractional, 0 (never) to a day; stored as milliseconds. */
static int parse_minutes(struct parser *p, const char *key, const char *v, int64_t *ms)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(d) || d < 0 || d > 1440)
        return fail(p, "%s: '%s' is not a number of minutes between 0 (never) and 1440", key, v);
    *ms = (int64_t)(d * 60000);
    return 0;
}

static int set_str(char **slot, const char *v)
{
    free(*slot);
    *slot = xstrdup(v);
    return 0;
}

/* "Lunch, Break, Training": the reasons a pause dialog offers, in that order. */
static int parse_reasons(struct parser *p, const char *v, char ***out)
{
    size_t n = 0;
    char **list = xcalloc(strlen(v) / 2 + 2, sizeof *list);
    for (const char *s = v; *s;) {
        s += strspn(s, " \t,");
        size_t len = strcspn(s, ",");
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (len > 80) {
            for (size_t i = 0; i < n; i++)
                free(list[i]);
            free(list);
            return fail(p, "pause_reasons: a reason is longer than 80 characters");
        }
        if (len)
            list[n++] = xstrndup(s, len);
        s += len;
        s += strcspn(s, ",");
    }
    *out = list;
    return 0;
}

static int global_key(struct parser *p, const char *k, const char *v)
{
    static const char *const known[] = {"refresh", "theme", "read_only", "pause_reasons",
                                        "lock_after"};
    struct config *c = p->cfg;
    for (int i = 0; i < 5; i++) {
        if (strcmp(k, known[i]) != 0)
            continue;
        if (p->global_lines[i])
            return fail(p, "%s: set twice in [pbxtop] (first on line %d)", k, p->global_lines[i]);
        p->global_lines[i] = p->line;
    }
    if (strcmp(k, "refresh") == 0)
        return parse_secs(p, k, v, 0.2, 3600, &c->refresh_ms);
    if (strcmp(k, "theme") == 0)
        return set_str(&c->theme, v);
    if (strcmp(k, "read_only") == 0)
        return parse_bool(p, k, v, &c->read_only);
    if (strcmp(k, "pause_reasons") == 0)
        return parse_reasons(p, v, &c->pause_reasons);
    if (strcmp(k, "lock_after") == 0)
        return parse_minutes(p, k, v, &c->lock_after_ms);
    return fail(p, "unknown key '%s' in [pbxtop]", k);
}

static int backend_key_value(struct parser *p, const char *k, const char *v);

/* A backend key: remember its line for later messages, then store its value. */
static int backend_key(struct parser *p, const char *k, const char *v)
{
    static const char *const known[] = {"type",       "url",     "username",    "password",
                                        "ca_file",    "pin",     "client_cert", "client_key",
                                        "variant",    "auth",    "insecure",    "read_only",
                                        "allow_http", "refresh", "timeout"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(k, known[i]) != 0)
            continue;
        /* A second value would silently win; an operator editing in a hurry would not see
         * which one pbxtop uses. */
        int first = backend_conf_line(p->be, known[i]);
        if (first != p->be->line)
            return fail(p, "%s: set twice in [%s] (first on line %d)", k, p->be->name, first);
        backend_conf_set_line(p->be, known[i], p->line);
    }
    return backend_key_value(p, k, v);
}

static int backend_key_value(struct parser *p, const char *k, const char *v)
{
    struct backend_conf *b = p->be;
    struct {
        const char *name;
        char **slot;
    } strs[] = {
        {"type", &b->type},
        {"url", &b->url},
        {"username", &b->username},
        {"ca_file", &b->ca_file},
        {"pin", &b->pin},
        {"client_cert", &b->client_cert},
        {"client_key", &b->client_key},
        {"variant", &b->variant},
        {"auth", &b->auth},
    };
    if (strcmp(k, "password") == 0) {
        if (!(p->flags & CONFIG_ALLOW_PASSWORDS))
            return fail(p, "password: secrets belong in the keyring; run: pbxtop keyring import");
        secret_free(b->password);
        b->password = secret_dup(v);
        return 0;
    }
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        if (strcmp(k, strs[i].name) == 0)
            return set_str(strs[i].slot, v);
    }
    if (strcmp(k, "insecure") == 0)
        return parse_bool(p, k, v, &b->insecure);
    if (strcmp(k, "read_only") == 0)
        return parse_bool(p, k, v, &b->read_only);
    if (strcmp(k, "allow_http") == 0)
        return parse_bool(p, k, v, &b->allow_http);
    if (strcmp(k, "refresh") == 0)
        return parse_secs(p, k, v, 0.2, 3600, &b->refresh_ms);
    if (strcmp(k, "timeout") == 0)
        return parse_secs(p, k, v, 1, 600, &b->timeout_ms);
    return fail(p, "unknown key '%s' in [%s]", k, b->name);
}

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 64 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* A [keys] line: what it binds is checked when the console starts, against its key table;
 * the same action twice would leave the reader guessing which line wins. */
static int keys_key(struct parser *p, const char *action, const char *keys)
{
    struct config *c = p->cfg;
    for (size_t i = 0; i < c->nkeys; i++) {
        if (strcmp(c->keys[i].action, action) == 0)
            return fail(p, "%s: set twice in [keys] (first on line %d)", action, c->keys[i].line);
    }
    c->keys = xrealloc(c->keys, (c->nkeys + 1) * sizeof *c->keys);
    c->keys[c->nkeys++] = (struct key_conf){xstrdup(action), xstrdup(keys), p->line};
    return 0;
}

/* A [columns] line, "VIEW = column, column...": which columns a table view shows, in order.
 * The names are checked when the console starts, against the view's columns. */
static int columns_key(struct parser *p, const char *view, const char *list)
{
    struct config *c = p->cfg;
    int kind = kind_from_name(view);
    if (kind < 0)
        return fail(p,
                    "[columns] %s: not a table view (extensions, ringgroups, channels, "
                    "queuemembers, queues)",
                    view);
    const char *name = kind_def((enum kind)kind)->name;
    for (size_t i = 0; i < c->ncolumns; i++) {
        if (strcmp(c->columns[i].view, name) == 0)
            return fail(p, "%s: set twice in [columns] (first on line %d)", name,
                        c->columns[i].line);
    }
    c->columns = xrealloc(c->columns, (c->ncolumns + 1) * sizeof *c->columns);
    c->columns[c->ncolumns++] = (struct columns_conf){xstrdup(name), xstrdup(list), p->line};
    return 0;
}

/* [keys] and [columns] are sections of their own, read once each. */
static int special_section(struct parser *p, const char *name, int *first, bool *in)
{
    if (*first)
        return fail(p, "[%s] appears twice (first on line %d)", name, *first);
    *first = p->line;
    *in = true;
    return 0;
}

static int section(struct parser *p, char *name)
{
    struct config *c = p->cfg;
    p->in_global = p->in_keys = p->in_columns = false;
    p->be = NULL;
    if (strcmp(name, "pbxtop") == 0) {
        p->in_global = true;
        return 0;
    }
    if (!valid_name(name))
        return fail(p, "section name '%s' may hold only letters, digits, '_', '.' and '-'", name);
    if (strcmp(name, "keys") == 0)
        return special_section(p, name, &p->keys_line, &p->in_keys);
    if (strcmp(name, "columns") == 0)
        return special_section(p, name, &p->columns_line, &p->in_columns);
    for (size_t i = 0; i < c->nbackends; i++) {
        if (strcmp(c->backends[i].name, name) == 0)
            return fail(p, "backend [%s] is defined twice", name);
    }
    c->backends = xrealloc(c->backends, (c->nbackends + 1) * sizeof *c->backends);
    p->be = &c->backends[c->nbackends++];
    memset(p->be, 0, sizeof *p->be);
    p->be->name = xstrdup(name);
    p->be->line = p->line;
    return 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && strchr(" \t\r", s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* The value after '=': "quoted" keeps ';' and '#'; otherwise they start a comment when
 * they follow a space. */
static int value_of(struct parser *p, const char *key, char *v, char **out)
{
    v = trim(v);
    if (*v == '"') {
        char *close = strchr(v + 1, '"');
        if (!close)
            return fail(p, "%s: the quoted value has no closing quote", key);
        *close = '\0';
        char *rest = trim(close + 1);
        if (*rest && *rest != ';' && *rest != '#')
            return fail(p, "%s: text after the closing quote: '%s'", key, rest);
        *out = v + 1;
        return 0;
    }
    for (char *c = v; *c; c++) {
        if ((*c == ';' || *c == '#') && (c == v || c[-1] == ' ' || c[-1] == '\t')) {
            *c = '\0';
            break;
        }
    }
    *out = trim(v);
    return 0;
}

static int line(struct parser *p, char *s)
{
    s = trim(s);
    if (!*s || *s == ';' || *s == '#')
        return 0;
    if (*s == '[') {
        char *close = strchr(s, ']');
        if (!close || *trim(close + 1))
            return fail(p, "a section header must look like [name]");
        *close = '\0';
        return section(p, trim(s + 1));
    }
    char *eq = strchr(s, '=');
    if (!eq)
        return fail(p, "expected 'key = value' or [section], found '%s'", s);
    *eq = '\0';
    char *key = trim(s), *val = NULL;
    if (!*key)
        return fail(p, "a line starts with '=' (no key)");
    if (value_of(p, key, eq + 1, &val))
        return -1;
    if (p->in_keys)
        return keys_key(p, key, val); /* an empty value unbinds the action */
    if (!*val)
        return fail(p, "%s: empty value", key);
    if (p->in_columns)
        return columns_key(p, key, val);
    if (!p->in_global && !p->be)
        return fail(p, "key '%s' before any [section]", key);
    return p->in_global ? global_key(p, key, val) : backend_key(p, key, val);
}

int config_parse(const char *path, const char *text, size_t len, struct config *cfg, char **err)
{
    return config_parse_flags(path, text, len, 0, cfg, err);
}

int config_parse_flags(const char *path, const char *text, size_t len, unsigned flags,
                       struct config *cfg, char **err)
{
    struct parser p = {.path = path, .cfg = cfg, .flags = flags};
    memset(cfg, 0, sizeof *cfg);
    cfg->path = xstrdup(path);
    cfg->refresh_ms = 2000;
    cfg->lock_after_ms = CONFIG_LOCK_AFTER_MS;
    cfg->theme = xstrdup("default");
    char buf[LINE_MAX_BYTES + 1];
    size_t pos = 0;
    int rc = 0;
    while (pos < len && rc == 0) {
        p.line++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        if (n > LINE_MAX_BYTES)
            rc = fail(&p, "line is longer than %d bytes", LINE_MAX_BYTES);
        else if (memchr(text + pos, '\0', n))
            rc = fail(&p, "line holds a NUL byte (is this a text file?)");
        else {
            memcpy(buf, text + pos, n);
            buf[n] = '\0';
            rc = line(&p, buf);
        }
        pos += n + 1;
    }
    if (rc == 0 && cfg->nbackends == 0) {
        p.line = p.line ? p.line : 1;
        rc = fail(&p, "no backend is configured: add a section such as [office] with type and url");
    }
    if (rc) {
        *err = p.err;
        config_done(cfg);
    }
    return rc;
}

static bool any_password(const struct config *c)
{
    for (size_t i = 0; i < c->nbackends; i++) {
        if (c->backends[i].password)
            return true;
    }
    return false;
}

static char *read_file(const char *path, struct stat *st, size_t *len, char **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        *err = errno == ENOENT
                   ? xasprintf("%s: no such file; write one (see README.md) or try `pbxtop demo`",
                               path)
                   : xasprintf("%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *text = NULL;
    if (fstat(fd, st) || !S_ISREG(st->st_mode))
        *err = xasprintf("%s: not a regular file", path);
    else if (st->st_size > (off_t)CONFIG_MAX_BYTES)
        *err = xasprintf("%s: larger than 1 MiB; is this the right file?", path);
    else {
        text = xmalloc((size_t)st->st_size + 1);
        ssize_t got = read(fd, text, (size_t)st->st_size);
        if (got != (ssize_t)st->st_size) {
            *err = xasprintf("%s: read failed", path);
            free(text);
            text = NULL;
        } else {
            *len = (size_t)got;
        }
    }
    close(fd);
    return text;
}

int config_load(const char *path, struct config *cfg, char **err)
{
    return config_load_flags(path, 0, cfg, err);
}

int config_load_flags(const char *path, unsigned flags, struct config *cfg, char **err)
{
    struct stat st;
    size_t len = 0;
    memset(cfg, 0, sizeof *cfg);
    char *text = read_file(path, &st, &len, err);
    if (!text)
        return -1;
    int rc = config_parse_flags(path, text, len, flags, cfg, err);
    memset(text, 0, len); /* it may hold passwords */
    free(text);
    if (rc == 0 && any_password(cfg) && (st.st_mode & 077)) {
        *err = xasprintf("%s: holds a password but other users can read it (mode %04o); run: "
                         "chmod 600 %s",
                         path, (unsigned)(st.st_mode & 07777), path);
        config_done(cfg);
        return -1;
    }
    return rc;
}

void config_done(struct config *cfg)
{
    for (size_t i = 0; i < cfg->nbackends; i++)
        backend_conf_done(&cfg->backends[i]);
    free(cfg->backends);
    for (char **r = cfg->pause_reasons; r && *r; r++)
        free(*r);
    free(cfg->pause_reasons);
    for (size_t i = 0; i < cfg->nkeys; i++) {
        free(cfg->keys[i].action);
        free(cfg->keys[i].keys);
    }
    free(cfg->keys);
    for (size_t i = 0; i < cfg->ncolumns; i++) {
        free(cfg->columns[i].view);
        free(cfg->columns[i].list);
    }
    free(cfg->columns);
    free(cfg->theme);
    free(cfg->path);
    memset(cfg, 0, sizeof *cfg);
}
