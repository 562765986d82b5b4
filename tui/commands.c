#define _POSIX_C_SOURCE 200809L
#include "tui/commands.h"

#include <stdlib.h>
#include <string.h>

#include "net/backend.h"
#include "tui/app.h"
#include "tui/export.h"
#include "tui/input.h"
#include "tui/strbuf.h"
#include "views/view.h"

/* Whether the views handle app->be == NULL (every backend at once). Until they all do,
 * :backend @all says so instead of handing them a NULL backend. */

enum cmd_type {
    CMD_VIEW,
    CMD_BACKEND,
    CMD_WRITE,
    CMD_WRITE_FORCE,
    CMD_QUIT_NOW,
    CMD_SORT,
    CMD_COLUMNS, /* with no argument, the chooser (the binding) */
};

/* The commands that are not key bindings; the bindings' :command names come on top.
 * :q is the queues view (DESIGN.md §6): quitting is :quit, or :q! without asking. */
static const struct {
    const char *name;
    enum cmd_type type;
} builtins[] = {
    {"extensions", CMD_VIEW},    {"ext", CMD_VIEW},
    {"ringgroups", CMD_VIEW},    {"rg", CMD_VIEW},
    {"channels", CMD_VIEW},      {"ch", CMD_VIEW},
    {"queuemembers", CMD_VIEW},  {"qm", CMD_VIEW},
    {"queues", CMD_VIEW},        {"q", CMD_VIEW},
    {"backends", CMD_VIEW},      {"be", CMD_VIEW},
    {"backend", CMD_BACKEND},    {"w", CMD_WRITE},
    {"write", CMD_WRITE},        {"w!", CMD_WRITE_FORCE},
    {"write!", CMD_WRITE_FORCE}, {"q!", CMD_QUIT_NOW},
    {"quit!", CMD_QUIT_NOW},     {"sort", CMD_SORT},
    {"columns", CMD_COLUMNS},
};

#define NBUILTINS       (sizeof builtins / sizeof builtins[0])
#define SUGGEST_MAX_LEN 32

/* A list of borrowed names. */
struct names {
    const char **v;
    size_t n;
};

static void names_add(struct names *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->v[i], name) == 0)
            return;
    }
    l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = name;
}

/* Every command name: the built-in ones and every binding's. */
static struct names command_names(void)
{
    struct names l = {0};
    size_t n;
    const struct binding *b = input_bindings(&n);
    for (size_t i = 0; i < NBUILTINS; i++)
        names_add(&l, builtins[i].name);
    for (size_t i = 0; i < n; i++)
        names_add(&l, b[i].name);
    return l;
}

/* The columns of the table on screen, for :sort and :columns. */
static struct names column_names(struct app *app)
{
    struct names l = {0};
    const char *v[64];
    const struct view_inst *top = &app->views[app->nviews - 1];
    size_t n = top->ops->columns ? top->ops->columns(top->state, v, 64) : 0;
    for (size_t i = 0; i < n; i++)
        names_add(&l, v[i]);
    return l;
}

static struct names backend_names(struct app *app)
{
    struct names l = {0};
    for (size_t i = 0; i < fleet_count(app->fleet); i++)
        names_add(&l, be_name(fleet_at(app->fleet, i)));
    names_add(&l, "@all");
    return l;
}

static int builtin_of(const char *name)
{
    for (size_t i = 0; i < NBUILTINS; i++) {
        if (strcmp(builtins[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

static bool takes_arg(const char *name)
{
    int i = builtin_of(name);
    return i >= 0 && builtins[i].type != CMD_VIEW && builtins[i].type != CMD_QUIT_NOW;
}

/* Edit distance between two short strings (both at most SUGGEST_MAX_LEN bytes). */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[SUGGEST_MAX_LEN + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* What `word` was probably meant to be: the one name it starts, else the one name within
 * two typos of it; NULL when that is not clear. */
static const char *suggest(const char *word, const struct names *l)
{
    const char *found = NULL;
    size_t nfound = 0, best = 3;
    for (size_t i = 0; i < l->n; i++) {
        if (strncmp(l->v[i], word, strlen(word)) == 0) {
            found = l->v[i];
            nfound++;
        }
    }
    if (nfound == 1 || strlen(word) > SUGGEST_MAX_LEN)
        return nfound == 1 ? found : NULL;
    found = NULL;
    for (size_t i = 0; i < l->n; i++) {
        size_t d = strlen(l->v[i]) <= SUGGEST_MAX_LEN ? distance(word, l->v[i]) : best;
        if (d < best && d < strlen(word)) {
            best = d;
            found = l->v[i];
            nfound = 1;
        } else if (d == best) {
            nfound++;
        }
    }
    return found && nfound == 1 ? found : NULL;
}

static void unknown_command(struct app *app, const char *word)
{
    struct names l = command_names();
    const char *maybe = suggest(word, &l);
    if (maybe)
        app_flash(app, true, "unknown command ':%s' (did you mean :%s?)", word, maybe);
    else
        app_flash(app, true, "unknown command ':%s' (Tab lists the commands)", word);
    free(l.v);
}

static void show_view(struct app *app, const char *word)
{
    if (!app_show_view(app, word))
        app_flash(app, true, "':%s': that view is not in this version yet", word);
}

/* The names of the backends as "a, b, c", owned. */
static char *backend_list(struct app *app)
{
    struct strbuf sb;
    strbuf_init(&sb, 1024);
    for (size_t i = 0; i < fleet_count(app->fleet); i++)
        (void)strbuf_addf(&sb, "%s%s", i ? ", " : "", be_name(fleet_at(app->fleet, i)));
    return strbuf_take(&sb);
}

static void show_backend(struct app *app, const char *name)
{
    if (!*name) {
        char *all = backend_list(app);
        app_flash(app, true, "usage: :backend NAME|@all (backends: %s)", all);
        free(all);
        return;
    }
    if (strcmp(name, "@all") == 0) {
        app_show_backend(app, NULL);
        return;
    }
    struct backend *be = fleet_find(app->fleet, name);
    if (be) {
        app_show_backend(app, be);
        return;
    }
    struct names l = backend_names(app);
    const char *maybe = suggest(name, &l);
    if (maybe)
        app_flash(app, true, "no backend named '%s' (did you mean %s?)", name, maybe);
    else
        app_flash(app, true, "no backend named '%s'", name);
    free(l.v);
}

static void write_file(struct app *app, const char *path, bool overwrite)
{
    char *where = NULL, *err = NULL;
    if (!*path) {
        app_flash(app, true, "usage: :w FILE (or :w! FILE to overwrite)");
        return;
    }
    long rows = export_view(app, path, overwrite, &where, &err);
    if (rows < 0)
        app_flash(app, true, "%s", err);
    else
        app_flash(app, false, "Wrote %ld row%s to %s", rows, rows == 1 ? "" : "s", where);
    free(where);
    free(err);
}

static const struct view_inst *top_view(const struct app *app)
{
    return &app->views[app->nviews - 1];
}

/* :sort COLUMN and :columns LIST go to the table on screen. */
static void column_cmd(struct app *app, const char *name, const char *arg)
{
    const struct view_inst *v = top_view(app);
    char *err = NULL;
    if (!*arg && strcmp(name, "columns") == 0)
        app_action(app, ACT_COLUMNS);
    else if (!v->ops->column_cmd)
        app_flash(app, true, "':%s' works in a table view", name);
    else if (v->ops->column_cmd(v->state, name, arg, &err))
        app_flash(app, true, ":%s: %s", name, err);
    free(err);
}

static void run_builtin(struct app *app, int i, const char *arg)
{
    const char *name = builtins[i].name;
    if (*arg && !takes_arg(name)) {
        app_flash(app, true, "':%s' takes no argument", name);
        return;
    }
    switch (builtins[i].type) {
    case CMD_VIEW:
        show_view(app, name);
        break;
    case CMD_BACKEND:
        show_backend(app, arg);
        break;
    case CMD_WRITE:
    case CMD_WRITE_FORCE:
        write_file(app, arg, builtins[i].type == CMD_WRITE_FORCE);
        break;
    case CMD_QUIT_NOW:
        app->quit = true;
        break;
    case CMD_SORT:
    case CMD_COLUMNS:
        column_cmd(app, name, arg);
        break;
    }
}

void cmd_run(struct app *app, const char *line)
{
    line += strspn(line, " :");
    size_t n = strcspn(line, " ");
    char *word = xstrndup(line, n);
    const char *arg = line + n + strspn(line + n, " ");
    /* Trailing blanks are no part of a file or backend name anyone means to type. */
    char *args = xstrdup(arg);
    for (size_t k = strlen(args); k > 0 && args[k - 1] == ' '; k--)
        args[k - 1] = '\0';
    int i = builtin_of(word);
    enum action act = input_action_named(word);
    if (!*word) {
        /* an empty line does nothing, as in vi */
    } else if (app->dialog) {
        app_flash(app, true, "answer the dialog first");
    } else if (i >= 0) {
        run_builtin(app, i, args);
    } else if (act != ACT_NONE && *args) {
        app_flash(app, true, "':%s' takes no argument", word);
    } else if (act != ACT_NONE) {
        app_action(app, act);
    } else {
        unknown_command(app, word);
    }
    free(word);
    free(args);
}

static void on_command(void *ud, const char *text, bool accepted)
{
    if (accepted)
        cmd_run(ud, text);
}

void cmd_open(struct app *app)
{
    app_prompt(app, PROMPT_COMMAND, ":", NULL, NULL, on_command, app);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Complete `word` among the names in l: head[0..keep) followed by the one match, or by the
 * matches' common prefix with the matches listed. *whole is the name that the result ends
 * in when it names one entirely, else NULL. */
static char *complete_among(struct app *app, const char *head, size_t keep, const char *word,
                            const struct names *l, const char **whole)
{
    struct names hits = {0};
    size_t wlen = strlen(word), common;
    *whole = NULL;
    for (size_t i = 0; i < l->n; i++) {
        if (strncmp(l->v[i], word, wlen) == 0)
            names_add(&hits, l->v[i]);
    }
    if (!hits.n) {
        app_flash(app, true, "nothing to complete for '%s'", word);
        return NULL;
    }
    qsort(hits.v, hits.n, sizeof *hits.v, cmp_str);
    common = strlen(hits.v[0]);
    for (size_t i = 1; i < hits.n; i++) {
        size_t k = 0;
        while (k < common && hits.v[i][k] == hits.v[0][k])
            k++;
        common = k;
    }
    if (hits.n > 1) {
        struct strbuf sb;
        strbuf_init(&sb, 2048);
        for (size_t i = 0; i < hits.n; i++)
            (void)strbuf_addf(&sb, "%s%s", i ? "  " : "", hits.v[i]);
        app_flash(app, false, "%s", strbuf_cstr(&sb));
        strbuf_done(&sb);
    }
    /* Sorted, so a match that is the common prefix itself comes first. */
    if (strlen(hits.v[0]) == common)
        *whole = hits.v[0];
    char *out = xasprintf("%.*s%.*s", (int)keep, head, (int)common, hits.v[0]);
    free(hits.v);
    return out;
}

char *cmd_complete(struct app *app, const char *head)
{
    size_t lead = strspn(head, " :");
    size_t n = strcspn(head + lead, " ");
    char *word = xstrndup(head + lead, n);
    const char *whole = NULL;
    char *out = NULL;
    if (!head[lead + n]) {
        struct names l = command_names();
        out = complete_among(app, head, lead, word, &l, &whole);
        /* A command that needs an argument gets its blank, ready for it: :back Tab gives
         * ":backend " (the backends view stays one letter away, and is listed). */
        if (out && whole && takes_arg(whole)) {
            char *spaced = xasprintf("%s ", out);
            free(out);
            out = spaced;
        }
        free(l.v);
    } else if (strcmp(word, "backend") == 0) {
        size_t at = lead + n + strspn(head + lead + n, " ");
        struct names l = backend_names(app);
        out = complete_among(app, head, at, head + at, &l, &whole);
        free(l.v);
    } else if (strcmp(word, "sort") == 0 || strcmp(word, "columns") == 0) {
        /* The last name of a list, after a '-' that reverses a sort. */
        size_t at = lead + n;
        for (size_t k = at; head[k]; k++) {
            if (strchr(" ,-", head[k]))
                at = k + 1;
        }
        struct names l = column_names(app);
        out = complete_among(app, head, at, head + at, &l, &whole);
        free(l.v);
    }
    free(word);
    return out;
}
