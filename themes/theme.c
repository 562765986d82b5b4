#define _POSIX_C_SOURCE 200809L
#include "themes/theme.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "themes/colour.h"
#include "tui/xalloc.h"

#define LINE_MAX_BYTES 1024
#define QUOTE_MAX      48 /* of a word quoted back in a message */

static const char *const role_names[ROLE_COUNT] = {
    [ROLE_NORMAL] = "normal",
    [ROLE_HEADER] = "header",
    [ROLE_BADGE_WARN] = "badge_warn",
    [ROLE_BADGE_ERR] = "badge_err",
    [ROLE_COLUMNS] = "columns",
    [ROLE_SELECTED] = "selected",
    [ROLE_MARKED] = "marked",
    [ROLE_PENDING] = "pending",
    [ROLE_DIM] = "dim",
    [ROLE_STATE_UP] = "state_up",
    [ROLE_STATE_RING] = "state_ring",
    [ROLE_GROUP] = "group",
    [ROLE_WAITING] = "waiting",
    [ROLE_STATUS] = "status",
    [ROLE_HINT_KEY] = "hint_key",
    [ROLE_FLASH_OK] = "flash_ok",
    [ROLE_FLASH_ERR] = "flash_err",
    [ROLE_DIALOG] = "dialog",
    [ROLE_DIALOG_TITLE] = "dialog_title",
    [ROLE_BUTTON] = "button",
    [ROLE_BUTTON_FOCUS] = "button_focus",
};

#define D COLOUR_DEFAULT

/* themes/default.theme, compiled in so that a broken install still has a usable console. */
static const struct theme builtin = {{
    [ROLE_NORMAL] = {D, D, A_NORMAL, A_NORMAL},
    [ROLE_HEADER] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
    [ROLE_BADGE_WARN] = {COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_BOLD},
    [ROLE_BADGE_ERR] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_UNDERLINE},
    [ROLE_COLUMNS] = {COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_BOLD | A_UNDERLINE},
    [ROLE_SELECTED] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
    [ROLE_MARKED] = {COLOR_YELLOW, D, A_BOLD, A_BOLD},
    [ROLE_PENDING] = {COLOR_MAGENTA, D, A_NORMAL, A_DIM},
    [ROLE_DIM] = {COLOR_BLUE, D, A_BOLD, A_DIM},
    [ROLE_STATE_UP] = {COLOR_GREEN, D, A_NORMAL, A_NORMAL},
    [ROLE_STATE_RING] = {COLOR_YELLOW, D, A_BOLD, A_BOLD},
    [ROLE_GROUP] = {COLOR_CYAN, D, A_BOLD, A_BOLD | A_UNDERLINE},
    [ROLE_WAITING] = {COLOR_YELLOW, D, A_NORMAL, A_NORMAL},
    [ROLE_STATUS] = {D, D, A_NORMAL, A_NORMAL},
    [ROLE_HINT_KEY] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
    [ROLE_FLASH_OK] = {COLOR_GREEN, D, A_BOLD, A_BOLD},
    [ROLE_FLASH_ERR] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_REVERSE},
    [ROLE_DIALOG] = {COLOR_WHITE, COLOR_BLUE, A_NORMAL, A_NORMAL},
    [ROLE_DIALOG_TITLE] = {COLOR_YELLOW, COLOR_BLUE, A_BOLD, A_BOLD},
    [ROLE_BUTTON] = {COLOR_WHITE, COLOR_BLUE, A_NORMAL, A_NORMAL},
    [ROLE_BUTTON_FOCUS] = {COLOR_BLACK, COLOR_WHITE, A_BOLD, A_REVERSE | A_BOLD},
}};

#undef D

static const struct {
    const char *name;
    attr_t attr;
} attr_names[] = {
    {"none", A_NORMAL},         {"bold", A_BOLD}, {"reverse", A_REVERSE},
    {"underline", A_UNDERLINE}, {"dim", A_DIM},   {"standout", A_STANDOUT},
};

#define NATTRS (sizeof attr_names / sizeof attr_names[0])

enum setting {
    SET_FG,
    SET_BG,
    SET_ATTRS,
    SET_MONO,
    NKEYS
};

static const char *const key_names[NKEYS] = {"fg", "bg", "attrs", "mono"};

struct parser {
    const char *path;
    int line;
    int role_line[ROLE_COUNT]; /* where each role was set; 0 until then */
    struct theme t;
    char *err;
};

void theme_builtin(struct theme *t)
{
    *t = builtin;
}

const char *theme_role_name(enum role role)
{
    return role >= 0 && role < ROLE_COUNT ? role_names[role] : "?";
}

/* A word of the file as a message may quote it: control bytes and non-ASCII become '?' so
 * that a hostile file cannot write escape sequences to the terminal, and long words end
 * in "...". */
static const char *quoted(const char *s, char buf[QUOTE_MAX + 4])
{
    size_t o = 0;
    for (; *s && o < QUOTE_MAX; s++)
        buf[o++] = *s >= 0x20 && *s < 0x7f ? *s : '?';
    if (*s) {
        for (int i = 0; i < 3; i++)
            buf[o++] = '.';
    }
    buf[o] = '\0';
    return buf;
}

static int fail(struct parser *p, const char *fmt, ...) PBX_PRINTF(2, 3);

/* Record the error as "PATH:LINE: message". */
static int fail(struct parser *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    p->err = xasprintf("%s:%d: %s", p->path, p->line, msg);
    free(msg);
    return -1;
}

/* The next blank-separated word of *s, NUL-terminated in place; NULL at the end. */
static char *next_word(char **s)
{
    char *p = *s + strspn(*s, " \t");
    if (!*p)
        return NULL;
    size_t n = strcspn(p, " \t");
    *s = p[n] ? p + n + 1 : p + n;
    p[n] = '\0';
    return p;
}

static int role_named(const char *name)
{
    for (int r = 0; r < ROLE_COUNT; r++) {
        if (strcmp(role_names[r], name) == 0)
            return r;
    }
    return -1;
}

static int bad_colour(struct parser *p, const char *role, const char *key, const char *v)
{
    char q[QUOTE_MAX + 4];
    if (v[0] == '#')
        return fail(p, "%s: %s=%s: expected #rrggbb (six hex digits)", role, key, quoted(v, q));
    if (strncasecmp(v, "colo", 4) == 0)
        return fail(p, "%s: %s=%s: expected colour0 to colour255", role, key, quoted(v, q));
    return fail(p,
                "%s: %s=%s: unknown colour (a name such as red or brightred, default, "
                "colour0-colour255 or #rrggbb)",
                role, key, quoted(v, q));
}

static int attr_named(const char *name, size_t n)
{
    for (size_t i = 0; i < NATTRS; i++) {
        if (strlen(attr_names[i].name) == n && strncasecmp(attr_names[i].name, name, n) == 0)
            return (int)i;
    }
    return -1;
}

/* "bold,underline" or "none". */
static int parse_attrs(struct parser *p, const char *role, const char *key, const char *v,
                       attr_t *out)
{
    char q[QUOTE_MAX + 4];
    attr_t a = A_NORMAL;
    bool none = false, other = false;
    for (const char *s = v;; s++) {
        size_t n = strcspn(s, ",");
        int i = attr_named(s, n);
        if (n == 0)
            return fail(p, "%s: %s=%s: an empty attribute between commas", role, key, quoted(v, q));
        if (i < 0)
            return fail(p,
                        "%s: %s=%s: unknown attribute (bold, reverse, underline, dim, "
                        "standout or none)",
                        role, key, quoted(v, q));
        none = none || i == 0;
        other = other || i != 0;
        a |= attr_names[i].attr;
        s += n;
        if (!*s)
            break;
    }
    if (none && other)
        return fail(p, "%s: %s=%s: 'none' cannot be combined with other attributes", role, key,
                    quoted(v, q));
    *out = a;
    return 0;
}

static int key_named(const char *name)
{
    for (int k = 0; k < NKEYS; k++) {
        if (strcmp(key_names[k], name) == 0)
            return k;
    }
    return -1;
}

/* One KEY=VALUE word of a role's line into *st; seen[] catches a key given twice. */
static int parse_setting(struct parser *p, const char *role, char *word, bool seen[NKEYS],
                         struct theme_style *st)
{
    char q[QUOTE_MAX + 4];
    char *eq = strchr(word, '=');
    if (!eq)
        return fail(p,
                    "%s: '%s' is not KEY=VALUE (fg=, bg=, attrs= or mono=, no blanks around '=')",
                    role, quoted(word, q));
    *eq = '\0';
    const char *v = eq + 1;
    int k = key_named(word);
    if (k < 0)
        return fail(p, "%s: unknown key '%s' (fg, bg, attrs or mono)", role, quoted(word, q));
    if (seen[k])
        return fail(p, "%s: %s= given twice", role, key_names[k]);
    seen[k] = true;
    if (!*v)
        return fail(p, "%s: %s= has no value", role, key_names[k]);
    if (k == SET_FG || k == SET_BG) {
        int *slot = k == SET_FG ? &st->fg : &st->bg;
        return colour_parse(v, slot) ? bad_colour(p, role, key_names[k], v) : 0;
    }
    return parse_attrs(p, role, key_names[k], v, k == SET_ATTRS ? &st->attrs : &st->mono);
}

/* "ROLE KEY=VALUE... [# comment]", a comment, or a blank line. */
static int parse_line(struct parser *p, char *s)
{
    char q[QUOTE_MAX + 4];
    const char *word = next_word(&s);
    if (!word || *word == '#')
        return 0;
    int r = role_named(word);
    if (r < 0)
        return fail(p, "unknown role '%s' (themes/default.theme lists them all)", quoted(word, q));
    if (p->role_line[r])
        return fail(p, "%s: set twice (first on line %d)", role_names[r], p->role_line[r]);
    p->role_line[r] = p->line;
    struct theme_style st = p->t.role[r];
    bool seen[NKEYS] = {false};
    int n = 0;
    for (char *w = next_word(&s); w && *w != '#'; w = next_word(&s), n++) {
        if (parse_setting(p, role_names[r], w, seen, &st))
            return -1;
    }
    if (n == 0)
        return fail(p, "%s: sets nothing (give fg=, bg=, attrs= or mono=)", role_names[r]);
    p->t.role[r] = st;
    return 0;
}

static bool sets_any(const struct parser *p)
{
    for (int r = 0; r < ROLE_COUNT; r++) {
        if (p->role_line[r])
            return true;
    }
    return false;
}

int theme_parse(const char *path, const char *text, size_t len, struct theme *t, char **err)
{
    struct parser p = {.path = path, .t = *t};
    char buf[LINE_MAX_BYTES + 1];
    size_t pos = 0;
    int rc = 0;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        pos = 3; /* a byte order mark some editors write */
    while (pos < len && rc == 0) {
        p.line++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        if (n > LINE_MAX_BYTES) {
            rc = fail(&p, "line is longer than %d bytes", LINE_MAX_BYTES);
        } else if (memchr(text + pos, '\0', n)) {
            rc = fail(&p, "line holds a NUL byte (is this a text file?)");
        } else {
            memcpy(buf, text + pos, n);
            buf[n] = '\0';
            if (n && buf[n - 1] == '\r')
                buf[n - 1] = '\0';
            rc = parse_line(&p, buf);
        }
        pos += n + 1;
    }
    if (rc == 0 && !sets_any(&p)) {
        p.line = p.line ? p.line : 1;
        rc = fail(&p, "sets no role (is this a theme file? see themes/default.theme)");
    }
    if (rc) {
        *err = p.err;
        return -1;
    }
    *t = p.t;
    return 0;
}

/* ---------------------------------------------------------------- finding theme files */

#ifndef PBXTOP_DATADIR
#define PBXTOP_DATADIR "/usr/local/share/pbxtop"
#endif

#define NAME_MAX_BYTES 64

/* A theme name (not a path): what a file name in a themes directory can be. */
static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= NAME_MAX_BYTES && s[0] != '.' &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* The whole file, or NULL: with *missing set when it does not exist (the next place is then
 * tried), else with *err (owned) saying why it cannot be read. */
static char *read_theme(const char *path, size_t *len, bool *missing, char **err)
{
    /* O_NONBLOCK: a FIFO must not hang the start; it is refused below. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    char *text = NULL;
    *missing = fd < 0 && (errno == ENOENT || errno == ENOTDIR);
    if (fd < 0) {
        if (!*missing)
            *err = xasprintf("%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        *err = xasprintf("%s: not a regular file", path);
    } else if (st.st_size > THEME_FILE_MAX) {
        *err =
            xasprintf("%s: larger than %d KiB; is this a theme file?", path, THEME_FILE_MAX / 1024);
    } else {
        text = xmalloc((size_t)st.st_size + 1);
        ssize_t got = read(fd, text, (size_t)st.st_size);
        if (got != (ssize_t)st.st_size) {
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

static int load_file(const char *path, struct theme *t, bool *missing, char **err)
{
    size_t len = 0;
    char *text = read_theme(path, &len, missing, err);
    if (!text)
        return -1;
    int rc = theme_parse(path, text, len, t, err);
    free(text);
    return rc;
}

/* The source tree the binary sits in (./pbxtop) or was built in (build/VARIANT/pbxtop), for
 * runs that were never installed; NULL elsewhere. Owned. */
static char *source_tree(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    for (int up = 1; up <= 3; up += 2) {
        char *dir = xstrdup(exe);
        for (int i = 0; i < up; i++) {
            char *slash = strrchr(dir, '/');
            if (slash)
                *slash = '\0';
        }
        /* Only a tree with our sources: never /themes next to /usr/bin/pbxtop. */
        char *probe = xasprintf("%s/themes/theme.c", dir);
        bool ours = access(probe, R_OK) == 0;
        free(probe);
        if (ours)
            return dir;
        free(dir);
    }
    return NULL;
}

/* Where NAME.theme is looked for, in order: NULL-terminated, owned. */
static char **places(const char *name)
{
    char **v = xcalloc(4, sizeof *v);
    int n = 0;
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (xdg && *xdg == '/')
        v[n++] = xasprintf("%s/pbxtop/themes/%s.theme", xdg, name);
    else if (home && *home)
        v[n++] = xasprintf("%s/.config/pbxtop/themes/%s.theme", home, name);
    v[n++] = xasprintf("%s/themes/%s.theme", PBXTOP_DATADIR, name);
    char *src = source_tree();
    if (src)
        v[n++] = xasprintf("%s/themes/%s.theme", src, name);
    free(src);
    return v;
}

static void free_places(char **v)
{
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

static char *not_found(const char *name, char **v)
{
    size_t size = 64 + strlen(name);
    for (char **p = v; *p; p++)
        size += strlen(*p) + 2;
    char *msg = xmalloc(size);
    int o = snprintf(msg, size, "theme '%s' not found; looked for ", name);
    for (char **p = v; *p && o > 0 && (size_t)o < size; p++)
        o += snprintf(msg + o, size - (size_t)o, "%s%s", p == v ? "" : ", ", *p);
    return msg;
}

int theme_load(const char *name, struct theme *t, char **err)
{
    char q[QUOTE_MAX + 4];
    bool missing = false;
    theme_builtin(t);
    if (strchr(name, '/')) {
        int rc = load_file(name, t, &missing, err);
        if (missing)
            *err = xasprintf("%s: no such theme file", name);
        return rc;
    }
    if (!valid_name(name)) {
        *err = xasprintf("theme '%s': a name holds only letters, digits, '_', '.' and '-' "
                         "(or give a path with '/')",
                         quoted(name, q));
        return -1;
    }
    char **v = places(name);
    for (char **p = v; *p; p++) {
        int rc = load_file(*p, t, &missing, err);
        if (!missing) {
            free_places(v);
            return rc;
        }
    }
    int rc = 0;
    if (strcmp(name, "default") != 0) {
        *err = not_found(name, v);
        rc = -1;
    }
    free_places(v);
    return rc;
}

/* ---------------------------------------------------------------- the terminal */

static struct theme current;
static bool current_set;
static attr_t attrs[ROLE_COUNT];
static bool mono_mode = true;

void theme_set(const struct theme *t)
{
    current = *t;
    current_set = true;
}

/* Colour pair `pair` set up for s, fitted to the terminal; the attributes to draw s with. */
static attr_t colour_style(short pair, const struct theme_style *s, bool default_ok)
{
    /* Past 256, terminfo takes colour numbers as packed RGB (xterm-direct), where only 0-7
     * still mean the ANSI colours: 196 would come out navy. */
    int ncolours = COLORS > 256 ? 8 : COLORS;
    bool bright = false, bg_bright = false;
    int fg = colour_fit(s->fg, ncolours, &bright);
    int bg = colour_fit(s->bg, ncolours, &bg_bright);
    /* An 8-colour terminal shows a bright foreground as bold, as tmux does. */
    attr_t a = s->attrs | (bright ? A_BOLD : A_NORMAL);
    if (fg == COLOUR_DEFAULT && bg == COLOUR_DEFAULT)
        return a; /* pair 0 is the terminal's own colours */
    if (!default_ok) {
        fg = fg == COLOUR_DEFAULT ? COLOR_WHITE : fg;
        bg = bg == COLOUR_DEFAULT ? COLOR_BLACK : bg;
    }
    if (pair >= COLOR_PAIRS || init_pair(pair, (short)fg, (short)bg) == ERR)
        return s->mono;
    return (attr_t)COLOR_PAIR(pair) | a;
}

void theme_init(bool mono)
{
    const char *no_color = getenv("NO_COLOR");
    if (!current_set)
        theme_set(&builtin);
    mono_mode =
        mono || (no_color && *no_color) || !has_colors() || start_color() == ERR || COLORS < 8;
    bool default_ok = !mono_mode && use_default_colors() == OK;
    for (int r = 0; r < ROLE_COUNT; r++) {
        const struct theme_style *s = &current.role[r];
        attrs[r] = mono_mode ? s->mono : colour_style((short)(r + 1), s, default_ok);
    }
}

attr_t theme_attr(enum role role)
{
    return attrs[role];
}

bool theme_is_mono(void)
{
    return mono_mode;
}
