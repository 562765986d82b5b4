/* pbxtop journal: list the batches of changes, show one, and finish one that a crash or a
 * lost connection interrupted (DESIGN.md §7). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/changes.h"
#include "net/journal.h"
#include "tui/batch.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

static const char usage_journal[] =
    "usage: pbxtop journal [list]\n"
    "       pbxtop journal show ID\n"
    "       pbxtop journal resume ID [--yes]\n"
    "The batches of changes in $XDG_STATE_HOME/pbxtop/journal: list them, show one item by\n"
    "item, or finish one that was interrupted without repeating what was done.\n"
    "  -y, --yes          resume: do not ask (needed without a terminal)\n"
    "  -c, --config FILE  resume: the config (default $XDG_CONFIG_HOME/pbxtop/config.ini)\n";

static size_t left_of(const struct journal_batch *jb)
{
    size_t n = 0;
    for (size_t i = 0; i < jb->nitems; i++)
        n += journal_entry_left(&jb->items[i]);
    return n;
}

static int list(const char *dir)
{
    char **ids;
    size_t n = journal_list(dir, &ids);
    if (!n)
        printf("no journal in %s\n", dir);
    for (size_t i = 0; i < n; i++) {
        struct journal_batch jb;
        char *err = NULL, when[32] = "?";
        if (journal_read(dir, ids[i], &jb, &err)) {
            printf("%s  damaged: %s\n", ids[i], err);
            free(err);
            continue;
        }
        time_t t = (time_t)jb.created;
        struct tm tm;
        if (localtime_r(&t, &tm))
            (void)strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        printf("%s  %s  %-16s %4zu item(s)  %s", jb.id, when, jb.backend, jb.nitems,
               journal_unfinished(&jb) ? "UNFINISHED" : "done");
        if (journal_unfinished(&jb))
            printf(" (%zu left; pbxtop journal resume %s)", left_of(&jb), jb.id);
        putchar('\n');
        journal_batch_done(&jb);
    }
    journal_ids_free(ids, n);
    return EXIT_OK;
}

static char *describe(const struct journal_entry *e)
{
    struct strbuf sb;
    strbuf_init(&sb, 1u << 20);
    (void)strbuf_addf(&sb, "%zu line %d %s %s %s", e->n, e->line, change_op_name(e->op),
                      kind_def(e->kind)->name, e->id ? e->id : "-");
    for (int i = 0; i < e->nvalues; i++) {
        (void)strbuf_addf(&sb, "%s %s=", i ? "," : ":", e->names[i]);
        (void)strbuf_adds(&sb, e->withheld[i] ? "(withheld)"
                               : e->values[i] ? e->values[i]
                                              : "(null)");
    }
    if (e->has_outcome)
        (void)strbuf_addf(&sb, " => %s%s%s%s%s", act_outcome_name(e->outcome),
                          e->new_id ? " id " : "", e->new_id ? e->new_id : "", *e->msg ? ": " : "",
                          e->msg);
    else
        (void)strbuf_adds(&sb, e->intent ? " => sent, outcome unknown" : " => not sent");
    return strbuf_take(&sb);
}

static int show(const struct batch *b, const char *dir, const char *id)
{
    struct journal_batch jb;
    char *err = NULL;
    if (journal_read(dir, id, &jb, &err)) {
        fprintf(stderr, "pbxtop: %s\n", err);
        free(err);
        return EXIT_USAGE;
    }
    char *head = xasprintf("batch %s on %s: %zu item(s), %s%s", jb.id, jb.backend, jb.nitems,
                           journal_unfinished(&jb) ? "UNFINISHED" : "done",
                           jb.committed       ? ", committed"
                           : jb.commit_intent ? ", commit pending"
                                              : "");
    batch_print(b, head);
    free(head);
    for (size_t i = 0; i < jb.nitems; i++) {
        char *d = describe(&jb.items[i]);
        batch_print(b, d);
        free(d);
    }
    journal_batch_done(&jb);
    return EXIT_OK;
}

int batch_journal(const struct batch_global *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"yes", no_argument, NULL, 'y'},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct batch_global opts = *g;
    bool yes = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "c:yh", longopts, NULL)) != -1) {
        if (opt == 'y')
            yes = true;
        else if (opt == 'c')
            opts.config = optarg;
        else {
            fputs(usage_journal, opt == 'h' ? stdout : stderr);
            return opt == 'h' ? EXIT_OK : EXIT_USAGE;
        }
    }
    const char *cmd = optind < argc ? argv[optind] : "list";
    const char *id = optind + 1 < argc ? argv[optind + 1] : NULL;
    int extra = argc - optind - (id ? 2 : 1);
    char *dir = journal_default_dir();
    int code = EXIT_USAGE;
    struct batch plain = {.text_flags = 0};
    if (strcmp(cmd, "list") == 0 && !id && extra <= 0)
        code = list(dir);
    else if (strcmp(cmd, "show") == 0 && id && extra == 0)
        code = show(&plain, dir, id);
    else if (strcmp(cmd, "resume") == 0 && id && extra == 0)
        code = batch_resume(&opts, dir, id, yes);
    else
        fputs(usage_journal, stderr);
    free(dir);
    return code;
}
