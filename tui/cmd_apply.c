/* pbxtop apply and pbxtop hangup: changes planned from a CSV file or from channel ids, shown,
 * confirmed, re-checked against fresh data, applied and journaled (DESIGN.md §7). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/changes.h"
#include "net/journal.h"
#include "tui/batch.h"
#include "tui/csv.h"
#include "tui/xalloc.h"

#define MAX_IN_FLIGHT 4
#define CSV_MAX_BYTES (16u << 20)

struct run {
    struct batch *b;
    struct plan *plan;
    bool done;
    bool hangup; /* lines read "ID: hung up", questions speak of channels */
};

static bool run_done(void *ud)
{
    return ((struct run *)ud)->done;
}

static void mark_done(void *ud)
{
    ((struct run *)ud)->done = true;
}

/* Wait for a plan_refresh() or plan_apply() to finish. */
static void wait_plan(struct run *r)
{
    batch_run(r->b, run_done, r);
    r->done = false;
}

static const char *item_word(const struct plan_item *it)
{
    if (it->state == ITEM_DONE && it->kind == KIND_CHANNELS && it->outcome == ACT_OK)
        return "hung up";
    if (it->state == ITEM_DONE)
        return act_outcome_name(it->outcome);
    static const char *const words[] = {
        [ITEM_PLANNED] = "planned",
        [ITEM_INVALID] = "invalid",
        [ITEM_CONFLICT] = "conflict",
        [ITEM_UNCHANGED] = "unchanged",
        [ITEM_SENT] = "sent",
        [ITEM_DONE] = "done",
        [ITEM_NOT_ATTEMPTED] = "not attempted",
    };
    return words[it->state];
}

/* "LINE VIEW OP ID: outcome: message" for apply; "ID: message" for hangup. */
static void print_item(struct run *r, const struct plan_item *it)
{
    char *line;
    const char *msg = it->msg && *it->msg ? it->msg : "";
    const char *id = it->new_id ? it->new_id : it->id ? it->id : "-";
    if (r->hangup) {
        bool ok = it->state == ITEM_DONE && it->outcome == ACT_OK;
        line = xasprintf("%s: %s", id, ok || !*msg ? item_word(it) : msg);
    } else {
        line = xasprintf("%d %s %s %s: %s%s%s", it->line, kind_def(it->kind)->name,
                         change_op_name(it->op), id, item_word(it), *msg ? ": " : "", msg);
    }
    batch_print(r->b, line);
    free(line);
    fflush(stdout);
}

static void progress(void *ud, const struct plan_item *it)
{
    print_item(ud, it);
}

static int exit_code(const struct plan_summary *s)
{
    if (s->stopped && !s->journal_error)
        return EXIT_UNREACHABLE;
    if (s->failed || s->conflicts || s->invalid || s->not_attempted || s->commit_failed ||
        s->journal_error)
        return EXIT_FAILED;
    return EXIT_OK;
}

/* Items settled before anything was sent (invalid, conflicts, already gone). */
static void print_settled(struct run *r)
{
    for (size_t i = 0; i < plan_count(r->plan); i++) {
        const struct plan_item *it = plan_at(r->plan, i);
        if (it->state != ITEM_PLANNED)
            print_item(r, it);
    }
}

static size_t count_state(struct plan *p, enum item_state st, bool deletes_only)
{
    size_t n = 0;
    for (size_t i = 0; i < plan_count(p); i++) {
        const struct plan_item *it = plan_at(p, i);
        n += it->state == st && (!deletes_only || it->op == OP_DELETE);
    }
    return n;
}

/* The operator's yes: y for changes; the count typed back when records get deleted. */
static bool confirmed(struct run *r, size_t n, size_t deletes)
{
    const char *name = be_name(plan_backend(r->plan));
    char *q = deletes && !r->hangup
                  ? xasprintf("This deletes %zu record(s) on %s. Type %zu to apply all %zu "
                              "change(s): ",
                              deletes, name, deletes, n)
              : r->hangup ? xasprintf("Hang up %zu channel(s) on %s? [y/N] ", n, name)
                          : xasprintf("Apply %zu change(s) to %s? [y/N] ", n, name);
    char *answer = batch_ask(q);
    free(q);
    char want[32];
    (void)snprintf(want, sizeof want, "%zu", deletes);
    bool ok = answer && (deletes && !r->hangup ? strcmp(answer, want) == 0
                                               : (answer[0] == 'y' || answer[0] == 'Y'));
    if (!answer)
        fputs("pbxtop: no terminal to confirm on; pass --yes\n", stderr);
    free(answer);
    return ok;
}

/* Confirm, re-read, apply and journal the planned items; returns the exit code. */
static int execute(struct run *r, bool yes)
{
    size_t n = count_state(r->plan, ITEM_PLANNED, false);
    size_t deletes = count_state(r->plan, ITEM_PLANNED, true);
    if (n && !yes && !confirmed(r, n, deletes)) {
        fputs("pbxtop: not confirmed; nothing was sent\n", stderr);
        return EXIT_USAGE;
    }
    if (n) {
        bool *was = xcalloc(plan_count(r->plan) + 1, sizeof *was);
        for (size_t i = 0; i < plan_count(r->plan); i++)
            was[i] = plan_at(r->plan, i)->state == ITEM_PLANNED;
        plan_refresh(r->plan, mark_done, r); /* the targets must still be as planned */
        wait_plan(r);
        /* Say what the re-read took out of the plan: conflicts, gone, not reachable. */
        for (size_t i = 0; i < plan_count(r->plan); i++) {
            if (was[i] && plan_at(r->plan, i)->state != ITEM_PLANNED)
                print_item(r, plan_at(r->plan, i));
        }
        free(was);
    }
    n = count_state(r->plan, ITEM_PLANNED, false);
    char *err = NULL, *dir = journal_default_dir();
    struct journal *j = n ? journal_create(dir, be_name(plan_backend(r->plan)), &err) : NULL;
    free(dir);
    if (n && !j) {
        fprintf(stderr, "pbxtop: %s; nothing was sent\n", err);
        free(err);
        return EXIT_FAILED;
    }
    if (j) {
        bool *sending = xcalloc(plan_count(r->plan) + 1, sizeof *sending);
        for (size_t i = 0; i < plan_count(r->plan); i++)
            sending[i] = plan_at(r->plan, i)->state == ITEM_PLANNED;
        plan_apply(r->plan, j, MAX_IN_FLIGHT, progress, mark_done, r);
        wait_plan(r);
        /* Rows the batch never sent after it stopped have no answer line yet. */
        for (size_t i = 0; i < plan_count(r->plan); i++) {
            if (sending[i] && plan_at(r->plan, i)->state == ITEM_NOT_ATTEMPTED)
                print_item(r, plan_at(r->plan, i));
        }
        free(sending);
    }
    struct plan_summary s;
    plan_summary(r->plan, &s);
    if (!r->hangup || s.stopped)
        fprintf(stderr,
                "pbxtop: %zu ok, %zu already gone, %zu failed, %zu conflicts, %zu unchanged, %zu "
                "not attempted%s%s%s\n",
                s.ok, s.gone, s.failed, s.conflicts, s.unchanged, s.not_attempted,
                s.committed       ? ", committed"
                : s.commit_failed ? ", COMMIT FAILED"
                                  : "",
                j ? "; journal " : "", j ? journal_id(j) : "");
    if (s.stopped && j)
        fprintf(stderr, "pbxtop: stopped early; finish with: pbxtop journal resume %s\n",
                journal_id(j));
    journal_close(j);
    return exit_code(&s);
}

int batch_hangup(const struct batch_global *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"backend", required_argument, NULL, 'b'},
        {"yes", no_argument, NULL, 'y'},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *backend = NULL, *config_path = g->config;
    const char *usage =
        "usage: pbxtop hangup -b BACKEND [--yes] ID...\n"
        "Hang up the channels with these ids (as pbxtop get channels -o json shows them),\n"
        "confirmed, re-checked and journaled as in the console.\n"
        "  -b, --backend NAME  the backend (one; not @all)\n"
        "  -y, --yes           do not ask (needed without a terminal)\n"
        "  -c, --config FILE   the config (default $XDG_CONFIG_HOME/pbxtop/config.ini)\n";
    bool yes = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "b:c:yh", longopts, NULL)) != -1) {
        if (opt == 'b')
            backend = optarg;
        else if (opt == 'y')
            yes = true;
        else if (opt == 'c')
            config_path = optarg;
        else {
            fputs(usage, opt == 'h' ? stdout : stderr);
            return opt == 'h' ? EXIT_OK : EXIT_USAGE;
        }
    }
    if (!backend || strcmp(backend, "@all") == 0 || optind >= argc) {
        fputs(usage, stderr);
        fputs("hangup needs one backend (-b NAME) and at least one channel id\n", stderr);
        return EXIT_USAGE;
    }
    struct batch b = {0};
    struct fleet_opts fo = {.read_only = g->read_only};
    batch_open(&b, config_path, &fo);
    batch_select(&b, backend);
    struct backend *be = b.sel[0];
    if (!(be_caps(be) & CAP_HANGUP)) {
        fprintf(stderr, "pbxtop: %s: %s\n", be_name(be), be_why_no_hangup(be));
        batch_close(&b);
        return EXIT_UNSUPPORTED;
    }
    struct run r = {.b = &b, .plan = plan_new(be), .hangup = true};
    for (int i = optind; i < argc; i++) {
        struct change c = {.op = OP_DELETE, .kind = KIND_CHANNELS, .id = argv[i]};
        (void)plan_add(r.plan, &c, 0);
    }
    (void)plan_check(r.plan);
    print_settled(&r);
    int code = execute(&r, yes);
    plan_free(r.plan);
    batch_close(&b);
    return code;
}

/* ------------------------------------------------------------------------ apply */

struct columns {
    int op, view, id, backend; /* -1 when absent */
    const struct csv_row *header;
};

static char *read_file(const char *path, size_t *len, char **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char *text = NULL;
    if (fd < 0)
        *err = xasprintf("%s: %s", path, strerror(errno));
    else if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > (off_t)CSV_MAX_BYTES)
        *err = xasprintf("%s: not a regular file of at most 16 MiB", path);
    else {
        text = xmalloc((size_t)st.st_size + 1);
        ssize_t got = read(fd, text, (size_t)st.st_size);
        if (got != st.st_size) {
            *err = xasprintf("%s: read failed", path);
            free(text);
            text = NULL;
        }
        *len = (size_t)st.st_size;
    }
    if (fd >= 0)
        close(fd);
    return text;
}

static int header_columns(const char *file, const struct csv_row *h, struct columns *c)
{
    *c = (struct columns){-1, -1, -1, -1, h};
    for (int i = 0; i < h->ncells; i++) {
        int *slot = strcmp(h->cells[i], "op") == 0        ? &c->op
                    : strcmp(h->cells[i], "view") == 0    ? &c->view
                    : strcmp(h->cells[i], "id") == 0      ? &c->id
                    : strcmp(h->cells[i], "backend") == 0 ? &c->backend
                                                          : NULL;
        for (int k = 0; k < i; k++) {
            if (strcmp(h->cells[k], h->cells[i]) == 0) {
                fprintf(stderr, "pbxtop: %s:%d: column '%s' appears twice\n", file, h->line,
                        h->cells[i]);
                return -1;
            }
        }
        if (slot)
            *slot = i;
        if (!h->cells[i][0]) {
            fprintf(stderr, "pbxtop: %s:%d: column %d has no name\n", file, h->line, i + 1);
            return -1;
        }
    }
    if (c->op < 0) {
        fprintf(stderr,
                "pbxtop: %s:%d: the header has no 'op' column (create, update or "
                "delete)\n",
                file, h->line);
        return -1;
    }
    return 0;
}

static const char *cell_at(const struct csv_row *row, int col)
{
    return col >= 0 && col < row->ncells ? row->cells[col] : "";
}

static int parse_op(const char *s, enum change_op *op)
{
    static const enum change_op ops[] = {OP_CREATE, OP_UPDATE, OP_DELETE};
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(s, change_op_name(ops[i])) == 0) {
            *op = ops[i];
            return 0;
        }
    }
    return -1;
}

/* One data row into the plan; false (with a message naming the line) when it is bad. */
static bool plan_row(struct plan *p, const char *file, const struct csv_row *row,
                     const struct columns *c, int view_opt)
{
    struct backend *be = plan_backend(p);
    const char *op_s = cell_at(row, c->op), *view_s = cell_at(row, c->view);
    const char *be_s = cell_at(row, c->backend), *id = cell_at(row, c->id);
    int kind = *view_s ? kind_from_name(view_s) : view_opt;
    struct change ch = {0};
    const char *err = NULL;
    if (row->ncells > c->header->ncells)
        err = "more cells than the header has columns";
    else if (parse_op(op_s, &ch.op))
        err = "op must be create, update or delete";
    else if (kind < 0)
        err = *view_s ? "unknown view" : "no view (add a 'view' column or --view)";
    else if (*be_s && strcmp(be_s, be_name(be)) != 0)
        err = "the row is for another backend than -b";
    if (err) {
        fprintf(stderr, "pbxtop: %s:%d: %s\n", file, row->line, err);
        return false;
    }
    const char **names = xcalloc((size_t)row->ncells + 1, sizeof *names);
    const char **values = xcalloc((size_t)row->ncells + 1, sizeof *values);
    for (int i = 0; i < row->ncells && ch.op != OP_DELETE; i++) {
        if (i == c->op || i == c->view || i == c->id || i == c->backend || !row->cells[i][0])
            continue; /* an empty cell: not given */
        names[ch.nvalues] = c->header->cells[i];
        values[ch.nvalues++] = row->cells[i];
    }
    ch.kind = (enum kind)kind;
    ch.id = *id ? id : NULL;
    ch.names = names;
    ch.values = values;
    (void)plan_add(p, &ch, row->line);
    free(names);
    free(values);
    return true;
}

static void print_plan(struct run *r)
{
    for (size_t i = 0; i < plan_count(r->plan); i++) {
        const struct plan_item *it = plan_at(r->plan, i);
        if (it->state != ITEM_PLANNED) {
            print_item(r, it);
            continue;
        }
        char *d = plan_describe(r->plan, i);
        char *line = xasprintf("%d %s", it->line, d);
        batch_print(r->b, line);
        free(line);
        free(d);
    }
}

static const char usage_apply[] =
    "usage: pbxtop apply FILE.csv -b BACKEND [--view VIEW] [--dry-run] [--yes]\n"
    "FILE.csv: a header row naming the columns op (create|update|delete), view, id and the\n"
    "fields to set; an empty cell leaves a field as it is.\n"
    "  -b, --backend NAME  the backend (one; not @all)\n"
    "      --view VIEW     the view of rows whose view cell is empty\n"
    "      --dry-run       show the plan, each field's old and new value; send nothing\n"
    "  -y, --yes           do not ask (needed without a terminal)\n"
    "  -c, --config FILE   the config (default $XDG_CONFIG_HOME/pbxtop/config.ini)\n";

/* Read, parse and plan the file; 0, or the exit code of the problem. */
static int load_plan(struct run *r, const char *file, int view_opt)
{
    size_t len = 0;
    char *err = NULL, *text = read_file(file, &len, &err);
    struct csv_table t;
    if (!text || csv_parse(file, text, len, &t, &err)) {
        fprintf(stderr, "pbxtop: %s\n", err);
        free(err);
        free(text);
        return EXIT_USAGE;
    }
    free(text);
    struct columns c;
    bool header_ok = t.nrows > 0 && header_columns(file, &t.rows[0], &c) == 0;
    bool ok = header_ok;
    if (t.nrows == 0)
        fprintf(stderr, "pbxtop: %s: empty file\n", file);
    /* Every row is looked at, so that one run reports every bad row. */
    for (size_t i = 1; header_ok && i < t.nrows; i++)
        ok = plan_row(r->plan, file, &t.rows[i], &c, view_opt) && ok;
    csv_free(&t);
    if (!ok)
        return EXIT_USAGE;
    if (plan_check(r->plan)) {
        print_settled(r);
        fputs("pbxtop: the file has invalid rows; nothing was sent\n", stderr);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int batch_apply(const struct batch_global *g, int argc, char **argv)
{
    enum {
        OPT_DRY = 256,
        OPT_VIEW
    };
    static const struct option longopts[] = {
        {"backend", required_argument, NULL, 'b'},
        {"yes", no_argument, NULL, 'y'},
        {"dry-run", no_argument, NULL, OPT_DRY},
        {"view", required_argument, NULL, OPT_VIEW},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *backend = NULL, *config_path = g->config;
    bool yes = false, dry = false;
    int opt, view = -1;
    while ((opt = getopt_long(argc, argv, "b:c:yh", longopts, NULL)) != -1) {
        if (opt == 'b')
            backend = optarg;
        else if (opt == 'y')
            yes = true;
        else if (opt == OPT_DRY)
            dry = true;
        else if (opt == 'c')
            config_path = optarg;
        else if (opt == OPT_VIEW && (view = kind_from_name(optarg)) < 0)
            die_code(EXIT_USAGE, "--view %s: not a view with records", optarg);
        else if (opt != OPT_VIEW) {
            fputs(usage_apply, opt == 'h' ? stdout : stderr);
            return opt == 'h' ? EXIT_OK : EXIT_USAGE;
        }
    }
    if (!backend || strcmp(backend, "@all") == 0 || optind != argc - 1) {
        fputs(usage_apply, stderr);
        return EXIT_USAGE;
    }
    struct batch b = {0};
    struct fleet_opts fo = {.read_only = g->read_only};
    batch_open(&b, config_path, &fo);
    batch_select(&b, backend);
    struct run r = {.b = &b, .plan = plan_new(b.sel[0])};
    int code = load_plan(&r, argv[optind], view);
    if (code == EXIT_OK) {
        plan_refresh(r.plan, mark_done, &r); /* diffs against what is there now */
        wait_plan(&r);
        print_plan(&r);
        if (dry) {
            struct plan_summary s;
            plan_summary(r.plan, &s);
            fprintf(stderr, "pbxtop: dry run: %zu to apply, %zu conflicts, %zu unchanged\n",
                    count_state(r.plan, ITEM_PLANNED, false), s.conflicts, s.unchanged);
            code = s.conflicts ? EXIT_FAILED : EXIT_OK;
        } else {
            code = execute(&r, yes);
        }
    }
    plan_free(r.plan);
    batch_close(&b);
    return code;
}

/* ----------------------------------------------------------------------- resume */

/* Settle, confirm and send what is left of batch jb; returns the exit code. */
static int finish_batch(struct run *r, const char *dir, const struct journal_batch *jb, bool yes)
{
    char *err = NULL;
    (void)plan_check(r->plan);
    plan_refresh(r->plan, mark_done, r); /* settles what already happened */
    wait_plan(r);
    struct journal *j = journal_reopen(dir, jb->id, &err);
    if (!j) {
        fprintf(stderr, "pbxtop: %s\n", err);
        free(err);
        return EXIT_FAILED;
    }
    for (size_t i = 0; i < plan_count(r->plan); i++) {
        const struct plan_item *it = plan_at(r->plan, i);
        if (it->state != ITEM_PLANNED)
            print_item(r, it);
    }
    size_t n = count_state(r->plan, ITEM_PLANNED, false);
    if (n && !yes && !confirmed(r, n, 0)) {
        journal_close(j);
        fputs("pbxtop: not confirmed; nothing was sent\n", stderr);
        return EXIT_USAGE;
    }
    plan_apply(r->plan, j, MAX_IN_FLIGHT, progress, mark_done, r);
    wait_plan(r);
    journal_close(j);
    struct plan_summary s;
    plan_summary(r->plan, &s);
    fprintf(stderr, "pbxtop: resumed %s: %zu ok, %zu already gone, %zu failed, %zu conflicts%s\n",
            jb->id, s.ok, s.gone, s.failed, s.conflicts,
            s.committed       ? ", committed"
            : s.commit_failed ? ", COMMIT FAILED"
                              : "");
    return exit_code(&s);
}

int batch_resume(const struct batch_global *g, const char *dir, const char *id, bool yes)
{
    struct journal_batch jb;
    char *err = NULL;
    if (journal_read(dir, id, &jb, &err)) {
        fprintf(stderr, "pbxtop: %s\n", err);
        free(err);
        return EXIT_USAGE;
    }
    if (!journal_unfinished(&jb)) {
        printf("batch %s is finished; nothing to do\n", jb.id);
        journal_batch_done(&jb);
        return EXIT_OK;
    }
    struct batch b = {0};
    struct fleet_opts fo = {.read_only = g->read_only};
    batch_open(&b, g->config, &fo);
    batch_select(&b, jb.backend);
    char *lost = NULL;
    struct run r = {.b = &b, .plan = plan_from_journal(b.sel[0], &jb, &lost)};
    bool all = !lost;
    if (lost)
        fprintf(stderr, "pbxtop: %s\n", lost);
    free(lost);
    int code = finish_batch(&r, dir, &jb, yes);
    plan_free(r.plan);
    batch_close(&b);
    journal_batch_done(&jb);
    return code == EXIT_OK && !all ? EXIT_FAILED : code;
}
