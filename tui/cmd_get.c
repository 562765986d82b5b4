/* pbxtop get: print a view once, as a table, CSV or JSON, through the same adapters and
 * model as the console. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/backend.h"
#include "tui/batch.h"
#include "tui/beinfo.h"
#include "tui/clock.h"
#include "tui/output.h"
#include "tui/text.h"
#include "tui/xalloc.h"

#define VIEW_BACKENDS -2

struct wait_kind {
    struct batch *b;
    int kind;
};

/* Every selected backend that offers the kind has finished one poll of it. */
static bool polled_once(void *ud)
{
    struct wait_kind *w = ud;
    for (size_t i = 0; i < w->b->nsel; i++) {
        struct backend *be = w->b->sel[i];
        if (be_supports(be, (enum kind)w->kind) && be_polls_done(be, (enum kind)w->kind) == 0)
            return false;
    }
    return true;
}

static bool backends_polled(void *ud)
{
    struct batch *b = ud;
    for (size_t i = 0; i < b->nsel; i++) {
        int k = beinfo_first_kind(b->sel[i]);
        if (k >= 0 && be_polls_done(b->sel[i], (enum kind)k) == 0)
            return false;
    }
    return true;
}

static const struct out_col backend_cols[] = {
    {"name", OUT_STR},       {"type", OUT_STR},  {"url", OUT_STR},
    {"read_only", OUT_BOOL}, {"state", OUT_STR}, {"last_poll_age", OUT_INT},
    {"latency_ms", OUT_INT}, {"error", OUT_STR},
};

static void backend_rows(struct batch *b, struct out_table *t)
{
    int64_t now = clock_mono_ms();
    for (size_t i = 0; i < b->nsel; i++) {
        const struct backend *be = b->sel[i];
        int64_t taken = beinfo_last_poll_ms(be);
        char age[32] = "", lat[32] = "";
        if (taken)
            (void)snprintf(age, sizeof age, "%lld", (long long)((now - taken) / 1000));
        if (be_latency_ms(be) >= 0)
            (void)snprintf(lat, sizeof lat, "%lld", (long long)be_latency_ms(be));
        const char *cells[] = {be_name(be),
                               be_type(be),
                               be_url(be),
                               be_read_only(be) ? "true" : "false",
                               be_state_name(be_state(be)),
                               taken ? age : NULL,
                               *lat ? lat : NULL,
                               *be_error(be) ? be_error(be) : NULL};
        out_add_row(t, cells);
    }
}

static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; hay && *hay; hay++) {
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    }
    return n == 0;
}

static bool matches(const struct record *r, int nfields, const char *filter)
{
    if (!filter)
        return true;
    if (contains_ci(r->id, filter))
        return true;
    for (int f = 0; f < nfields; f++) {
        if (r->v[f] && contains_ci(r->v[f], filter))
            return true;
    }
    return false;
}

static const struct snapshot *sort_snap;

static int cmp_records(const void *a, const void *b)
{
    const struct record *ra = snap_get(sort_snap, *(const size_t *)a);
    const struct record *rb = snap_get(sort_snap, *(const size_t *)b);
    int c = strcmp(ra->v[0] ? ra->v[0] : "", rb->v[0] ? rb->v[0] : "");
    return c ? c : strcmp(ra->id, rb->id);
}

static void record_rows(struct batch *b, struct out_table *t, enum kind kind, const char *filter)
{
    const struct kind_def *kd = kind_def(kind);
    int64_t now = clock_wall_ms();
    for (size_t i = 0; i < b->nsel; i++) {
        const struct snapshot *s = be_snapshot(b->sel[i], kind);
        if (!s || be_kind_stale(b->sel[i], kind))
            continue;
        size_t n = snap_count(s);
        size_t *order = xcalloc(n ? n : 1, sizeof *order);
        for (size_t j = 0; j < n; j++)
            order[j] = j;
        sort_snap = s;
        qsort(order, n, sizeof *order, cmp_records);
        for (size_t j = 0; j < n; j++) {
            const struct record *r = snap_get(s, order[j]);
            if (matches(r, kd->nfields, filter))
                out_add_record(t, be_name(b->sel[i]), r, kind, now);
        }
        free(order);
    }
}

/* Report failed polls on stderr; the exit code that they call for. */
static int report_failures(struct batch *b, int kind)
{
    int code = EXIT_OK;
    for (size_t i = 0; i < b->nsel; i++) {
        const struct backend *be = b->sel[i];
        int k = kind >= 0 ? kind : beinfo_first_kind(be);
        if (k < 0 || !be_supports(be, (enum kind)k))
            continue;
        enum be_fail why = be_kind_fail(be, (enum kind)k);
        if (why == FAIL_NONE)
            continue;
        char *msg = text_sanitized(be_error(be), b->text_flags);
        fprintf(stderr, "pbxtop: %s: %s\n", be_name(be), msg);
        free(msg);
        int c = why == FAIL_DATA ? EXIT_FAILED : EXIT_UNREACHABLE;
        if (c > code)
            code = c;
    }
    return code;
}

/* Backends that cannot serve the view are skipped with a note; none left means exit 5. */
static int check_support(struct batch *b, enum kind kind)
{
    size_t kept = 0;
    for (size_t i = 0; i < b->nsel; i++) {
        if (be_supports(b->sel[i], kind))
            b->sel[kept++] = b->sel[i];
        else
            fprintf(stderr, "pbxtop: %s: %s\n", be_name(b->sel[i]), be_why_not(b->sel[i], kind));
    }
    b->nsel = kept;
    return kept ? EXIT_OK : EXIT_UNSUPPORTED;
}

static int parse_view(const char *name)
{
    if (strcmp(name, "backends") == 0 || strcmp(name, "be") == 0)
        return VIEW_BACKENDS;
    return kind_from_name(name);
}

static void get_usage(FILE *to)
{
    fputs("usage: pbxtop get VIEW [-b BACKEND|@all] [-o table|csv|json] [--filter TEXT] [--raw]\n"
          "Print a view once and exit.\n"
          "VIEW: extensions ringgroups channels queuemembers queues queuecallers backends\n"
          "      (ext rg ch qm q qc be)\n"
          "  -b, --backend NAME   one backend, or @all (the default) for every one\n"
          "  -o, --output FORMAT  table (the default), csv or json\n"
          "      --filter TEXT    only the rows that hold TEXT\n"
          "      --raw            json: add each record's own backend object as \"raw\"\n"
          "  -c, --config FILE    the config (default $XDG_CONFIG_HOME/pbxtop/config.ini)\n",
          to);
}

int batch_get(const struct batch_global *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"backend", required_argument, NULL, 'b'},
        {"output", required_argument, NULL, 'o'},
        {"filter", required_argument, NULL, 'f'},
        {"raw", no_argument, NULL, 'r'},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *backend = NULL, *filter = NULL, *config_path = g->config;
    int fmt = OUT_TABLE, opt;
    bool raw = false;
    while ((opt = getopt_long(argc, argv, "b:o:c:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'b':
            backend = optarg;
            break;
        case 'o':
            fmt = out_format_parse(optarg);
            if (fmt < 0)
                die_code(EXIT_USAGE, "-o %s: expected table, csv or json", optarg);
            break;
        case 'f':
            filter = optarg;
            break;
        case 'r':
            raw = true;
            break;
        case 'c':
            config_path = optarg;
            break;
        case 'h':
            get_usage(stdout);
            return EXIT_OK;
        default:
            get_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        get_usage(stderr);
        return EXIT_USAGE;
    }
    int view = parse_view(argv[optind]);
    if (view == -1)
        die_code(EXIT_USAGE, "unknown view '%s' (try: pbxtop get --help)", argv[optind]);

    struct batch b = {0};
    struct fleet_opts fo = {.keep_raw = raw, .read_only = g->read_only};
    batch_open(&b, config_path, &fo);
    batch_select(&b, backend);
    int code = EXIT_OK;
    struct out_table t;
    if (view == VIEW_BACKENDS) {
        for (size_t i = 0; i < b.nsel; i++) {
            int k = beinfo_first_kind(b.sel[i]);
            if (k >= 0)
                fleet_want(b.fleet, b.sel[i], (enum kind)k, true);
        }
        batch_run(&b, backends_polled, &b);
        out_init(&t, backend_cols, (int)(sizeof backend_cols / sizeof backend_cols[0]));
        backend_rows(&b, &t);
    } else {
        code = check_support(&b, (enum kind)view);
        if (code) {
            batch_close(&b);
            return code;
        }
        int ncols;
        struct out_col *cols = out_record_cols((enum kind)view, &ncols);
        for (size_t i = 0; i < b.nsel; i++)
            fleet_want(b.fleet, b.sel[i], (enum kind)view, true);
        struct wait_kind w = {&b, view};
        batch_run(&b, polled_once, &w);
        out_init(&t, cols, ncols + (raw ? 1 : 0));
        record_rows(&b, &t, (enum kind)view, filter);
        code = report_failures(&b, view);
        out_print(stdout, &t, (enum out_format)fmt, b.text_flags);
        out_done(&t);
        free(cols);
        batch_close(&b);
        return code;
    }
    code = report_failures(&b, -1);
    out_print(stdout, &t, (enum out_format)fmt, b.text_flags);
    out_done(&t);
    batch_close(&b);
    return code;
}
