/* net/journal: the change journal (DESIGN.md §7). Writing a batch and reading it back field by
 * field (escapes, nulls, withheld secrets, outcomes, commit, end), journal_unfinished at every
 * stage, torn last lines, every kind of damaged line, listing, reopening for resume, file and
 * directory modes, and a few thousand random mutations of a valid journal. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/backend.h"
#include "net/journal.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

/* ------------------------------------------------------------------ helpers */

/* A fresh private directory per test (state), removed with everything in it afterwards. */
static int setup_dir(void **state)
{
    const char *base = getenv("TMPDIR");
    char *path =
        xasprintf("%s/pbxtop-journal-XXXXXX", base && *base && strlen(base) < 64 ? base : "/tmp");
    if (!mkdtemp(path)) {
        free(path);
        return -1;
    }
    *state = path;
    return 0;
}

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st))
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            char *sub = xasprintf("%s/%s", path, de->d_name);
            remove_tree(sub);
            free(sub);
        }
        if (d)
            closedir(d);
        (void)rmdir(path);
    } else {
        (void)unlink(path);
    }
}

static int teardown_dir(void **state)
{
    char *path = *state;
    remove_tree(path);
    free(path);
    return 0;
}

/* The whole file, NUL-terminated; *len its size. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct strbuf sb;
    strbuf_init(&sb, 256u << 20);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        assert_int_equal(strbuf_add(&sb, buf, n), 0);
    fclose(f);
    *len = sb.len;
    return strbuf_take(&sb);
}

static void spit(const char *path, const char *text, size_t len, const char *mode)
{
    FILE *f = fopen(path, mode);
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static char *journal_path(const char *dir, const char *id)
{
    return xasprintf("%s/%s.journal", dir, id);
}

static bool contains_bytes(const char *hay, size_t hlen, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n <= hlen && i <= hlen - n; i++) {
        if (memcmp(hay + i, needle, n) == 0)
            return true;
    }
    return false;
}

static void expect_str_or_null(const char *what, size_t item, int k, const char *got,
                               const char *want)
{
    if (!want && !got)
        return;
    if (!want || !got || strcmp(want, got) != 0)
        fail_msg("item %zu %s[%d]: got %s%s%s, want %s%s%s", item, what, k, got ? "'" : "",
                 got ? got : "NULL", got ? "'" : "", want ? "'" : "", want ? want : "NULL",
                 want ? "'" : "");
}

/* A failure found while the test still holds memory: noted first, reported by
 * report_failures() after everything is freed, so that a failing test leaks nothing. */
static char failure[8192];

static void note_failure(const char *fmt, ...) PBX_PRINTF(1, 2);
static void note_failure(const char *fmt, ...)
{
    size_t used = strlen(failure);
    if (used + 2 >= sizeof failure)
        return;
    if (used)
        failure[used++] = '\n';
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(failure + used, sizeof failure - used, fmt, ap);
    va_end(ap);
}

static void report_failures(void)
{
    char copy[sizeof failure];
    memcpy(copy, failure, sizeof copy);
    failure[0] = '\0';
    if (copy[0])
        fail_msg("%s", copy);
}

/* ------------------------------------------------------------------ the batch */

/* A schema where "password" is a secret: its value must never reach the journal. */
static const struct field_schema test_fields[] = {
    {"name", "Name", FT_STR, NULL, NULL, 0, 0, NULL, 0},
    {"password", "Password", FT_STR, NULL, NULL, 0, 0, NULL, FS_SECRET | FS_REQUIRED},
    {"penalty", "Penalty", FT_INT, NULL, NULL, 0, 0, NULL, 0},
};
static const struct record_schema test_schema = {test_fields, 3, OP_CREATE | OP_UPDATE | OP_DELETE};

#define SECRET    "s3cr3t\tPw%41=*-"
#define SECRET_2  "Other-Secret-Before-Image"
#define NITEMS    6
#define MAXVALUES 6

struct want_item {
    enum change_op op;
    enum kind kind;
    const char *id;
    int line;
    int nvalues;
    const char *names[MAXVALUES];
    const char *values[MAXVALUES];
    bool withheld[MAXVALUES];
    bool has_before;
    const char *before[MAXVALUES];
    /* the outcome written later */
    enum act_outcome outcome;
    const char *new_id_written;
    const char *new_id; /* as read back */
    const char *msg_written;
    const char *msg; /* as read back */
};

static const struct want_item items[NITEMS] = {
    {
        .op = OP_UPDATE,
        .kind = KIND_QUEUEMEMBERS,
        .id = "Alice Jones@sales",
        .line = 2,
        .nvalues = 6,
        .names = {"name", "penalty", "odd=name%\t\n", "paused_reason", "x", "y"},
        .values = {"tab\there\nnewline\r100% a=b %41 %zz", "-", "*", NULL, "",
                   "Zoë 日本語 \x7f\x01\x1b[31m"},
        .has_before = true,
        .before = {"old\tname=%", NULL, "", "-", "*", "ünï"},
        .outcome = ACT_OK,
        .new_id_written = NULL,
        .new_id = NULL,
        .msg_written = "",
        .msg = "",
    },
    {
        .op = OP_CREATE,
        .kind = KIND_EXTENSIONS,
        .id = NULL,
        .line = 3,
        .nvalues = 3,
        .names = {"extension", "password", "name"},
        .values = {"1001", SECRET, "Zoë"},
        .withheld = {false, true, false},
        .outcome = ACT_OK,
        .new_id_written = "1001",
        .new_id = "1001",
        .msg_written = "created\twith a tab\nand a newline %41 = 100%",
        .msg = "created\twith a tab\nand a newline %41 = 100%",
    },
    {
        .op = OP_DELETE,
        .kind = KIND_QUEUEMEMBERS,
        .id = "-",
        .line = 4,
        .nvalues = 0,
        .outcome = ACT_GONE,
        .new_id_written = NULL,
        .msg_written = "-",
        .msg = "-",
    },
    {
        .op = OP_UPDATE,
        .kind = KIND_EXTENSIONS,
        .id = "*",
        .line = 5,
        .nvalues = 2,
        .names = {"name", "password"},
        .values = {"", SECRET},
        .withheld = {false, true},
        .has_before = true,
        .before = {NULL, SECRET_2},
        .outcome = ACT_FAILED,
        .new_id_written = "",
        .new_id = NULL,
        .msg_written = "*",
        .msg = "*",
    },
    {
        .op = OP_DELETE,
        .kind = KIND_CHANNELS,
        .id = "1700000000.5",
        .line = 0,
        .nvalues = 0,
        .outcome = ACT_UNREACHABLE,
        .new_id_written = NULL,
        .msg_written = NULL,
        .msg = "",
    },
    {
        .op = OP_UPDATE,
        .kind = KIND_QUEUEMEMBERS,
        .id = "PJSIP/202@sales",
        .line = 1 << 30,
        .nvalues = 1,
        .names = {"paused"},
        .values = {"true"},
        .has_before = true,
        .before = {"false"},
        .outcome = ACT_AUTH,
        .new_id_written = NULL,
        .msg_written = "token refused (HTTP 403)",
        .msg = "token refused (HTTP 403)",
    },
};

/* items[idx] as item jn of the journal. */
static void write_item_as(struct journal *j, size_t jn, size_t idx)
{
    const struct want_item *w = &items[idx];
    struct change c = {.op = w->op,
                       .kind = w->kind,
                       .id = w->id,
                       .nvalues = w->nvalues,
                       .names = w->names,
                       .values = w->values};
    assert_int_equal(
        journal_item(j, jn, w->line, &c, w->has_before ? w->before : NULL, &test_schema), 0);
}

static void write_item(struct journal *j, size_t n)
{
    write_item_as(j, n, n);
}

static void write_outcome(struct journal *j, size_t n)
{
    const struct want_item *w = &items[n];
    assert_int_equal(journal_outcome(j, n, w->outcome, w->new_id_written, w->msg_written), 0);
}

/* The batch read back matches what was written: items up to nitems, intents for the first
 * nintents, outcomes for the first noutcomes. */
static void check_batch(const struct journal_batch *b, const char *id, size_t nitems,
                        size_t nintents, size_t noutcomes)
{
    assert_non_null(b->id);
    assert_string_equal(b->id, id);
    assert_non_null(b->backend);
    assert_string_equal(b->backend, "office\tmain=%1");
    time_t now = time(NULL);
    assert_true(b->created > now - 300 && b->created <= now + 1);
    assert_int_equal(b->nitems, nitems);
    for (size_t i = 0; i < nitems; i++) {
        const struct journal_entry *e = &b->items[i];
        const struct want_item *w = &items[i];
        assert_int_equal(e->n, i);
        assert_int_equal(e->line, w->line);
        assert_int_equal(e->op, w->op);
        assert_int_equal(e->kind, w->kind);
        expect_str_or_null("id", i, 0, e->id, w->id);
        assert_int_equal(e->nvalues, w->nvalues);
        for (int k = 0; k < w->nvalues; k++) {
            expect_str_or_null("names", i, k, e->names[k], w->names[k]);
            if (w->withheld[k]) {
                if (!e->withheld[k])
                    fail_msg("item %zu value %d (%s) should be withheld", i, k, w->names[k]);
                assert_null(e->values[k]);
            } else {
                if (e->withheld[k])
                    fail_msg("item %zu value %d (%s) is marked withheld", i, k, w->names[k]);
                expect_str_or_null("values", i, k, e->values[k], w->values[k]);
            }
        }
        if (!w->has_before) {
            assert_null(e->before);
        } else {
            assert_non_null(e->before);
            for (int k = 0; k < w->nvalues; k++) {
                if (!w->withheld[k])
                    expect_str_or_null("before", i, k, e->before[k], w->before[k]);
            }
        }
        assert_int_equal(e->intent, i < nintents);
        assert_int_equal(e->has_outcome, i < noutcomes);
        if (i < noutcomes) {
            assert_int_equal(e->outcome, w->outcome);
            expect_str_or_null("new_id", i, 0, e->new_id, w->new_id);
            expect_str_or_null("msg", i, 0, e->msg, w->msg);
        }
    }
}

static struct journal_batch read_ok(const char *dir, const char *id)
{
    struct journal_batch b;
    char *err = NULL;
    if (journal_read(dir, id, &b, &err) != 0)
        fail_msg("journal_read failed: %s", err ? err : "(no message)");
    assert_null(err);
    return b;
}

static void expect_unfinished(const char *dir, const char *id, bool want, const char *stage)
{
    struct journal_batch b = read_ok(dir, id);
    if (journal_unfinished(&b) != want)
        fail_msg("after %s: journal_unfinished is %s, want %s", stage,
                 journal_unfinished(&b) ? "true" : "false", want ? "true" : "false");
    journal_batch_done(&b);
}

static void test_round_trip_every_stage(void **state)
{
    const char *dir = *state;
    char *err = NULL;
    struct journal *j = journal_create(dir, "office\tmain=%1", &err);
    if (!j)
        fail_msg("journal_create: %s", err);
    char *id = xstrdup(journal_id(j));
    struct journal_batch b = read_ok(dir, id);
    check_batch(&b, id, 0, 0, 0);
    assert_false(b.commit_intent || b.committed || b.ended);
    journal_batch_done(&b);

    for (size_t n = 0; n < NITEMS; n++)
        write_item(j, n);
    b = read_ok(dir, id);
    check_batch(&b, id, NITEMS, 0, 0);
    assert_true(journal_unfinished(&b));
    journal_batch_done(&b);

    for (size_t n = 0; n < NITEMS; n++) {
        assert_int_equal(journal_intent(j, n), 0);
        b = read_ok(dir, id);
        check_batch(&b, id, NITEMS, n + 1, n);
        assert_true(journal_unfinished(&b));
        journal_batch_done(&b);
        write_outcome(j, n);
        b = read_ok(dir, id);
        check_batch(&b, id, NITEMS, n + 1, n + 1);
        journal_batch_done(&b);
    }
    /* The last two outcomes (connection lost, login refused) did not finish their items. */
    expect_unfinished(dir, id, true, "an unreachable and an auth-failed outcome");
    /* Their resumed outcomes replace them. */
    assert_int_equal(journal_intent(j, 4), 0);
    assert_int_equal(journal_outcome(j, 4, ACT_GONE, NULL, "settled: already gone"), 0);
    assert_int_equal(journal_intent(j, 5), 0);
    assert_int_equal(journal_outcome(j, 5, ACT_OK, NULL, NULL), 0);
    b = read_ok(dir, id);
    assert_int_equal(b.items[4].outcome, ACT_GONE);
    assert_string_equal(b.items[4].msg, "settled: already gone");
    assert_int_equal(b.items[5].outcome, ACT_OK);
    assert_string_equal(b.items[5].msg, "");
    assert_false(journal_unfinished(&b));
    assert_false(b.commit_intent || b.committed || b.ended);
    journal_batch_done(&b);

    assert_int_equal(journal_commit_intent(j), 0);
    b = read_ok(dir, id);
    assert_true(b.commit_intent);
    assert_false(b.committed);
    assert_true(journal_unfinished(&b));
    journal_batch_done(&b);

    assert_int_equal(journal_commit_outcome(j, ACT_OK, "committed\t=% ok"), 0);
    b = read_ok(dir, id);
    assert_true(b.commit_intent && b.committed);
    assert_false(b.ended);
    assert_false(journal_unfinished(&b));
    journal_batch_done(&b);

    assert_int_equal(journal_end(j), 0);
    b = read_ok(dir, id);
    assert_true(b.ended);
    assert_false(journal_unfinished(&b));
    journal_batch_done(&b);
    journal_close(j);
    free(id);
}

/* A commit that failed is not read back as committed: `journal show` would say "committed"
 * and resume would never try it again. */
static void test_failed_commit_not_committed(void **state)
{
    const char *dir = *state;
    static const enum act_outcome bad[] = {ACT_FAILED, ACT_UNREACHABLE, ACT_AUTH};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *err = NULL;
        struct journal *j = journal_create(dir, "office", &err);
        assert_non_null(j);
        write_item_as(j, 0, 2);
        assert_int_equal(journal_intent(j, 0), 0);
        assert_int_equal(journal_outcome(j, 0, ACT_OK, NULL, ""), 0);
        assert_int_equal(journal_commit_intent(j), 0);
        assert_int_equal(journal_commit_outcome(j, bad[i], "commit refused (HTTP 500)"), 0);
        struct journal_batch b = read_ok(dir, journal_id(j));
        assert_true(b.commit_intent);
        if (b.committed)
            note_failure("a commit whose outcome was '%s' reads back as committed",
                         act_outcome_name(bad[i]));
        journal_batch_done(&b);
        journal_close(j);
    }
    report_failures();
}

/* Every field of a full batch, read back once more from the final file: nothing written later
 * changed what was written first. */
static void test_values_exact(void **state)
{
    const char *dir = *state;
    char *err = NULL;
    struct journal *j = journal_create(dir, "office\tmain=%1", &err);
    assert_non_null(j);
    for (size_t n = 0; n < NITEMS; n++)
        write_item(j, n);
    for (size_t n = 0; n < NITEMS; n++) {
        assert_int_equal(journal_intent(j, n), 0);
        write_outcome(j, n);
    }
    assert_int_equal(journal_end(j), 0);
    struct journal_batch b = read_ok(dir, journal_id(j));
    check_batch(&b, journal_id(j), NITEMS, NITEMS, NITEMS);
    journal_batch_done(&b);

    /* Every line is one record: no raw tab inside a value, no raw control character. */
    char *path = journal_path(dir, journal_id(j));
    size_t len;
    char *text = slurp(path, &len);
    assert_int_equal(strlen(text), len);
    assert_true(len > 0 && text[len - 1] == '\n');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
            fail_msg("raw control byte 0x%02x at offset %zu of the journal", c, i);
    }
    free(text);
    free(path);
    journal_close(j);
}

/* A secret value never reaches the file, in any form: neither as the change's value nor as a
 * before-image. */
static void test_secret_withheld(void **state)
{
    const char *dir = *state;
    char *err = NULL;
    struct journal *j = journal_create(dir, "office", &err);
    assert_non_null(j);
    write_item_as(j, 0, 1);
    assert_int_equal(journal_intent(j, 0), 0);
    assert_int_equal(journal_outcome(j, 0, ACT_OK, "1001", "done"), 0);
    char *path = journal_path(dir, journal_id(j));
    size_t len;
    char *text = slurp(path, &len);
    assert_false(contains_bytes(text, len, "s3cr3t"));
    free(text);
    struct journal_batch b = read_ok(dir, journal_id(j));
    assert_true(b.items[0].withheld[1]);
    assert_null(b.items[0].values[1]);
    assert_string_equal(b.items[0].names[1], "password");
    assert_false(b.items[0].withheld[0]);
    assert_false(b.items[0].withheld[2]);
    journal_batch_done(&b);
    free(path);
    journal_close(j);
}

static void test_secret_before_image_withheld(void **state)
{
    const char *dir = *state;
    char *err = NULL;
    struct journal *j = journal_create(dir, "office", &err);
    assert_non_null(j);
    write_item(j, 0);
    write_item(j, 1);
    write_item(j, 2);
    write_item(j, 3); /* password update with the old password as before-image */
    char *path = journal_path(dir, journal_id(j));
    size_t len;
    char *text = slurp(path, &len);
    if (contains_bytes(text, len, SECRET_2))
        note_failure("the before-image of the FS_SECRET field 'password' ('%s') is in the "
                     "journal in clear",
                     SECRET_2);
    free(text);
    free(path);
    journal_close(j);
    report_failures();
}

/* A huge value (here 600 KB of '%', 1.8 MB escaped) either goes into the journal whole or
 * journal_item says it failed; it never leaves a cut record behind. */
static void test_huge_value_not_truncated(void **state)
{
    const char *dir = *state;
    char *err = NULL;
    struct journal *j = journal_create(dir, "office", &err);
    assert_non_null(j);
    size_t big = 600u * 1024;
    char *value = xmalloc(big + 1);
    memset(value, '%', big);
    value[big] = '\0';
    const char *names[] = {"name"};
    const char *values[] = {value};
    struct change c = {.op = OP_UPDATE,
                       .kind = KIND_EXTENSIONS,
                       .id = "200",
                       .nvalues = 1,
                       .names = names,
                       .values = values};
    int rc = journal_item(j, 0, 2, &c, NULL, &test_schema);
    if (rc == 0) {
        assert_int_equal(journal_intent(j, 0), 0);
        struct journal_batch b;
        if (journal_read(dir, journal_id(j), &b, &err) != 0) {
            note_failure("journal_item accepted a 600 KB value but the journal no longer "
                         "reads: %s",
                         err);
            free(err);
        } else {
            assert_int_equal(b.nitems, 1);
            assert_true(b.items[0].intent);
            if (!b.items[0].values[0] || strcmp(b.items[0].values[0], value) != 0)
                note_failure("journal_item returned 0 for a 600 KB value, but the value came "
                             "back as %zu bytes",
                             b.items[0].values[0] ? strlen(b.items[0].values[0]) : (size_t)0);
            journal_batch_done(&b);
        }
    }
    free(value);
    journal_close(j);
    report_failures();
}

/* ------------------------------------------------------------------ parsing by hand */

#define BATCH_ID "20260101-000000-0001abcd"
static const char base_text[] = "pbxtop-journal\t1\n"                                      /* 1 */
                                "batch\t" BATCH_ID "\t1700000000\toffice\n"                /* 2 */
                                "item\t0\t2\tupdate\tqueuemembers\tA@sales\tpenalty=5\n"   /* 3 */
                                "before\t0\t0\n"                                           /* 4 */
                                "item\t1\t3\tdelete\tqueuemembers\tB@sales\n"              /* 5 */
                                "item\t2\t4\tcreate\textensions\t-\textension=300\tname\n" /* 6 */
                                "intent\t0\t1700000001\n"                                  /* 7 */
                                "outcome\t0\t1700000002\tok\t-\tfine\n";                   /* 8 */
#define BASE_LINES 8

static int parse_text(const char *text, size_t len, struct journal_batch *b, char **err)
{
    *err = NULL;
    return journal_parse("j.journal", text, len, b, err);
}

static void test_parse_base(void **state)
{
    (void)state;
    struct journal_batch b;
    char *err;
    assert_int_equal(parse_text(base_text, strlen(base_text), &b, &err), 0);
    assert_string_equal(b.id, BATCH_ID);
    assert_string_equal(b.backend, "office");
    assert_int_equal(b.created, 1700000000);
    assert_int_equal(b.nitems, 3);
    assert_true(b.items[0].intent && b.items[0].has_outcome);
    assert_string_equal(b.items[0].msg, "fine");
    assert_null(b.items[0].new_id);
    assert_string_equal(b.items[0].before[0], "0");
    assert_false(b.items[1].intent || b.items[1].has_outcome);
    assert_null(b.items[2].id);
    assert_string_equal(b.items[2].values[0], "300");
    assert_string_equal(b.items[2].names[1], "name");
    assert_null(b.items[2].values[1]); /* a name without '=': null */
    assert_true(journal_unfinished(&b));
    journal_batch_done(&b);
}

/* A crash while a record was being written leaves a line without its newline at the end:
 * it is ignored, everything before it counts. */
static void test_torn_last_line(void **state)
{
    (void)state;
    static const char *const torn[] = {
        "o",
        "outcome\t1\t17",
        "outcome\t1\t1700000003\tok\t-\tgone",
        "end",
        "garbage \x01\x02 %zz\t\t\t",
        "item\t3\t9\tupdate\tqueuemembers\tC@sales\tpenalty=%4",
        "\0\0\0",
    };
    for (size_t i = 0; i < sizeof torn / sizeof torn[0]; i++) {
        struct strbuf sb;
        strbuf_init(&sb, 1u << 20);
        assert_int_equal(strbuf_adds(&sb, base_text), 0);
        size_t tlen = i == 6 ? 3 : strlen(torn[i]);
        assert_int_equal(strbuf_add(&sb, torn[i], tlen), 0);
        struct journal_batch b;
        char *err;
        if (parse_text(sb.buf, sb.len, &b, &err) != 0)
            fail_msg("torn last line %zu refused: %s", i, err);
        assert_int_equal(b.nitems, 3);
        assert_false(b.items[1].has_outcome);
        assert_false(b.ended);
        assert_true(journal_unfinished(&b));
        journal_batch_done(&b);
        strbuf_done(&sb);
    }
}

/* The text must be refused with a message "j.journal:LINE: ..." and b left empty. */
static void expect_damaged(const char *text, size_t len, int line, const char *what)
{
    struct journal_batch b;
    char *err = NULL;
    memset(&b, 0x5a, sizeof b);
    int rc = journal_parse("j.journal", text, len, &b, &err);
    if (rc != -1) {
        journal_batch_done(&b);
        fail_msg("%s: accepted (rc %d)", what, rc);
    }
    if (!err)
        fail_msg("%s: refused without a message", what);
    char *want = xasprintf("j.journal:%d:", line);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("%s: message '%s' does not start with '%s'", what, err, want);
    free(want);
    free(err);
    assert_null(b.id);
    assert_null(b.backend);
    assert_null(b.items);
    assert_int_equal(b.nitems, 0);
}

/* base_text, then `extra` (which gets its newline), damaged at line BASE_LINES + 1. */
static void expect_damaged_after_base(const char *extra, size_t elen, const char *what)
{
    struct strbuf sb;
    strbuf_init(&sb, 1u << 20);
    assert_int_equal(strbuf_adds(&sb, base_text), 0);
    assert_int_equal(strbuf_add(&sb, extra, elen), 0);
    assert_int_equal(strbuf_addc(&sb, '\n'), 0);
    expect_damaged(sb.buf, sb.len, BASE_LINES + 1, what);
    strbuf_done(&sb);
}

struct damaged_case {
    const char *line;
    const char *what;
};

static const struct damaged_case damaged_cases[] = {
    /* bad numbers */
    {"intent\tx\t1700000001", "intent: item number not a number"},
    {"intent\t1\t17000x", "intent: time not a number"},
    {"intent\t-1\t1700000001", "intent: negative item number"},
    {"intent\t99999999999999999999999\t1", "intent: item number overflows"},
    {"item\t3\tabc\tupdate\tqueuemembers\tC@sales", "item: line not a number"},
    {"item\t3x\t4\tupdate\tqueuemembers\tC@sales", "item: number not a number"},
    {"outcome\t1\tnow\tok\t-\t", "outcome: time not a number"},
    {"outcome\t\t1700000003\tok\t-\t", "outcome: empty item number"},
    {"commit\tsoon\tintent", "commit: time not a number"},
    /* unknown records and fields */
    {"frobnicate\t1", "unknown record"},
    {"", "empty line"},
    {"Intent\t1\t1700000001", "record name in the wrong case"},
    {"item\t3\t4\tupsert\tqueuemembers\tC@sales", "item: unknown operation"},
    {"item\t3\t4\tupdate\tpeople\tC@sales", "item: unknown view"},
    {"item\t3\t4\tupdate\tqueuemembers", "item: too few fields"},
    {"item\t3\t4\tupdate\tqueuemembers\tC@sales\t=5", "item: value without a name"},
    {"outcome\t1\t1700000003\tsplendid\t-\t", "outcome: unknown outcome"},
    {"outcome\t1\t1700000003\tok\t-", "outcome: too few fields"},
    {"outcome\t1\t1700000003\tok\t-\tmsg\textra", "outcome: too many fields"},
    {"intent\t1", "intent: too few fields"},
    {"intent\t1\t1700000001\textra", "intent: too many fields"},
    {"batch\t" BATCH_ID "\t1700000000\toffice", "a second batch record"},
    /* order */
    {"item\t5\t4\tupdate\tqueuemembers\tC@sales", "item out of order (skips 3 and 4)"},
    {"item\t2\t4\tupdate\tqueuemembers\tC@sales", "item number repeated"},
    {"item\t0\t4\tupdate\tqueuemembers\tC@sales", "item number going back"},
    {"outcome\t3\t1700000003\tok\t-\t", "outcome for a missing item"},
    {"outcome\t99\t1700000003\tok\t-\t", "outcome for a far missing item"},
    {"intent\t3\t1700000003", "intent for a missing item"},
    {"before\t3\t1", "before for a missing item"},
    {"before\t0\t1", "before repeated"},
    {"before\t2\t1", "before with too few values"},
    {"before\t1\t1", "before with too many values"},
    {"outcome\t0\t1700000003\tfailed\t-\tagain", "outcome repeated for a finished item"},
    /* escapes */
    {"item\t3\t4\tupdate\tqueuemembers\tC@sales\tpaused_reason=%zz", "value: %zz"},
    {"item\t3\t4\tupdate\tqueuemembers\tC@sales\tpaused_reason=%00", "value: %00"},
    {"item\t3\t4\tupdate\tqueuemembers\tC@sales\tpaused_reason=ab%4", "value: cut escape"},
    {"item\t3\t4\tupdate\tqueuemembers\tC@sales\tpaused_reason=%", "value: lone %"},
    {"item\t3\t4\tupdate\tqueuemembers\tC@sales\tpaused_reason=%g1", "value: %g1"},
    {"item\t3\t4\tupdate\tqueuemembers\tC%zz@sales", "id: %zz"},
    {"item\t3\t4\tupdate\tqueuemembers\tC%00@sales", "id: %00"},
    {"item\t3\t4\tupdate\tqueuemembers\tC@sales\tpen%zzalty=1", "name: %zz"},
    {"outcome\t1\t1700000003\tfailed\t-\tbad %zz message", "message: %zz"},
    {"outcome\t1\t1700000003\tfailed\t-\tbad %00 message", "message: %00"},
    {"outcome\t1\t1700000003\tok\tnew%zz\t", "new id: %zz"},
    {"before\t1\t%zz", "before value: %zz (delete has no values: also a count mismatch)"},
};

static void test_damaged_lines(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof damaged_cases / sizeof damaged_cases[0]; i++)
        expect_damaged_after_base(damaged_cases[i].line, strlen(damaged_cases[i].line),
                                  damaged_cases[i].what);
    /* a "before" of an item with one value, with a bad escape: damaged at the line after */
    static const char two[] = "item\t3\t4\tupdate\tqueuemembers\tC@sales\tpenalty=1\n"
                              "before\t3\t%zz\n";
    char *text = xasprintf("%s%s", base_text, two);
    expect_damaged(text, strlen(text), BASE_LINES + 2, "before value %zz");
    free(text);
}

/* Records the writer never produces: they are damage too. */
static const struct damaged_case loose_cases[] = {
    {"intent\t+1\t1700000001", "intent: '+1' is not how a number is written"},
    {"intent\t 1\t1700000001", "intent: ' 1' is not how a number is written"},
    {"commit\t1700000005\tsplendid\tall good", "commit: unknown outcome"},
    {"commit\t1700000005\tok", "commit outcome: too few fields"},
    {"commit\t1700000005\tintent\textra", "commit intent: too many fields"},
    {"end\tyesterday", "end: time not a number"},
    {"end", "end: no time"},
    {"item\t3\t4\tupdate\tqueuemembers\tC@sales\tpaused_reason=a\rb", "value: raw CR"},
    {"item\t3\t4\tupdate\tqueuemembers\tC@sales\tpaused_reason=a\x1b[2Jb", "value: raw ESC"},
    {"outcome\t1\t1700000003\tfailed\t-\traw\abell", "message: raw BEL"},
};

static void test_damaged_lines_strict(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof loose_cases / sizeof loose_cases[0]; i++) {
        struct strbuf sb;
        strbuf_init(&sb, 1u << 20);
        (void)strbuf_adds(&sb, base_text);
        (void)strbuf_adds(&sb, loose_cases[i].line);
        (void)strbuf_addc(&sb, '\n');
        struct journal_batch b;
        char *err = NULL;
        int rc = parse_text(sb.buf, sb.len, &b, &err);
        if (rc == 0) {
            note_failure("damaged record read as good: %s", loose_cases[i].what);
            journal_batch_done(&b);
        } else {
            char *want = xasprintf("j.journal:%d:", BASE_LINES + 1);
            if (!err || strncmp(err, want, strlen(want)) != 0)
                note_failure("%s: message '%s'", loose_cases[i].what, err ? err : "(none)");
            free(want);
        }
        free(err);
        strbuf_done(&sb);
    }
    report_failures();
}

/* Damage in the middle of the file is reported at its own line. */
static void test_damage_in_the_middle(void **state)
{
    (void)state;
    char *text = xstrdup(base_text);
    char *p = strstr(text, "before\t0\t0");
    assert_non_null(p);
    memcpy(p, "befxre", 6);
    expect_damaged(text, strlen(text), 4, "unknown record on line 4");
    memcpy(p, "before", 6);
    p = strstr(text, "\tok\t");
    assert_non_null(p);
    memcpy(p + 1, "ko", 2); /* an outcome without a name */
    expect_damaged(text, strlen(text), 8, "unknown outcome on line 8");
    free(text);
}

static void test_nul_byte(void **state)
{
    (void)state;
    static const char line[] = "outcome\t1\t1700000003\tfailed\t-\tnul\0here";
    expect_damaged_after_base(line, sizeof line - 1, "NUL in a message");
    /* ... also in the magic line and in the batch record */
    static const char magic[] = "pbxtop-journal\t1\0\n";
    expect_damaged(magic, sizeof magic - 1, 1, "NUL in the magic");
    static const char batch[] = "pbxtop-journal\t1\nbatch\t" BATCH_ID "\t17\0\toffice\n";
    expect_damaged(batch, sizeof batch - 1, 2, "NUL in the batch record");
}

static void test_bad_magic_and_version(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "",
        "pbxtop-journal\t2\nbatch\t" BATCH_ID "\t1700000000\toffice\n",
        "pbxtop-journal\t10\nbatch\t" BATCH_ID "\t1700000000\toffice\n",
        "pbxtop-journal 1\nbatch\t" BATCH_ID "\t1700000000\toffice\n",
        "PBXTOP-JOURNAL\t1\nbatch\t" BATCH_ID "\t1700000000\toffice\n",
        "batch\t" BATCH_ID "\t1700000000\toffice\n",
        "pbxtop-journal\t1",
        "\xef\xbb\xbfpbxtop-journal\t1\nbatch\t" BATCH_ID "\t1700000000\toffice\n",
        "<html>",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char *what = xasprintf("magic case %zu", i);
        expect_damaged(texts[i], strlen(texts[i]), 1, what);
        free(what);
    }
}

static void test_no_batch_record(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "pbxtop-journal\t1\n",
        "pbxtop-journal\t1\nbatch\t" BATCH_ID "\t1700000000\toffice", /* torn */
    };
    for (size_t i = 0; i < 2; i++) {
        struct journal_batch b;
        char *err = NULL;
        assert_int_equal(parse_text(texts[i], strlen(texts[i]), &b, &err), -1);
        assert_non_null(err);
        assert_true(strncmp(err, "j.journal", 9) == 0);
        free(err);
        assert_null(b.id);
    }
    /* a record before the batch record */
    static const char early[] = "pbxtop-journal\t1\nintent\t0\t1700000001\n"
                                "batch\t" BATCH_ID "\t1700000000\toffice\n";
    expect_damaged(early, strlen(early), 2, "a record before the batch record");
    static const char badbatch[] = "pbxtop-journal\t1\nbatch\t" BATCH_ID "\tnoon\toffice\n";
    expect_damaged(badbatch, strlen(badbatch), 2, "batch: time not a number");
    static const char shortbatch[] = "pbxtop-journal\t1\nbatch\t" BATCH_ID "\t1700000000\n";
    expect_damaged(shortbatch, strlen(shortbatch), 2, "batch: no backend");
}

/* journal_read of a damaged file names the file's path and the line. */
static void test_read_damaged_file_names_path(void **state)
{
    const char *dir = *state;
    char *path = journal_path(dir, BATCH_ID);
    char *text = xasprintf("%sfrobnicate\n", base_text);
    spit(path, text, strlen(text), "wb");
    struct journal_batch b;
    char *err = NULL;
    assert_int_equal(journal_read(dir, BATCH_ID, &b, &err), -1);
    assert_non_null(err);
    char *want = xasprintf("%s:%d:", path, BASE_LINES + 1);
    if (!strstr(err, want))
        fail_msg("message '%s' does not name '%s'", err, want);
    free(want);
    free(err);
    free(text);
    free(path);
}

/* ------------------------------------------------------------------ files */

static void touch(const char *dir, const char *name, const char *text)
{
    char *p = xasprintf("%s/%s", dir, name);
    spit(p, text, strlen(text), "wb");
    free(p);
}

static void test_list_newest_first_skips_junk(void **state)
{
    const char *dir = *state;
    static const char *const ids[] = {"20260102-000000-00010000", "20251231-235959-ffffffff",
                                      "20260101-120000-0002abcd", "20260101-110000-0003abcd",
                                      "20260101-115959-ffff0001"};
    for (size_t i = 0; i < 5; i++) {
        char *name = xasprintf("%s.journal", ids[i]);
        touch(dir, name, "pbxtop-journal\t1\n");
        free(name);
    }
    touch(dir, "README", "x");
    touch(dir, "notes.txt", "x");
    touch(dir, ".journal", "x");
    touch(dir, "xyz.journal", "x");
    touch(dir, "ABCDEF.journal", "x");
    touch(dir, "20260101-000000-0001abcd.journal~", "x");
    touch(dir, "20260101-000000-0001abcd.journal.tmp", "x");
    touch(dir, "20260101 000000.journal", "x");
    touch(dir, "2026.01.01.journal", "x");
    char **got;
    size_t n = journal_list(dir, &got);
    static const char *const want[] = {"20260102-000000-00010000", "20260101-120000-0002abcd",
                                       "20260101-115959-ffff0001", "20260101-110000-0003abcd",
                                       "20251231-235959-ffffffff"};
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(got[i], want[i]);
    journal_ids_free(got, n);

    char *missing = xasprintf("%s/nowhere", dir);
    n = journal_list(missing, &got);
    assert_int_equal(n, 0);
    journal_ids_free(got, n);
    free(missing);
}

/* Batches made one after the other are listed newest first, also when many are made within
 * one second (a script running pbxtop apply in a loop, or hang ups from the console). */
static void test_list_order_follows_creation(void **state)
{
    const char *dir = *state;
    enum {
        MAXJ = 400
    };
    char *made[MAXJ];
    size_t nmade = 0;
    struct timespec t0, now;
    (void)clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        char *err = NULL;
        struct journal *j = journal_create(dir, "office", &err);
        if (!j)
            fail_msg("journal_create #%zu: %s", nmade, err);
        made[nmade++] = xstrdup(journal_id(j));
        journal_close(j);
        (void)clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (long)(now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
        if (ms >= 300 || nmade == MAXJ)
            break;
        struct timespec nap = {0, 2 * 1000 * 1000};
        (void)nanosleep(&nap, NULL);
    }
    char **got;
    size_t n = journal_list(dir, &got);
    assert_int_equal(n, nmade);
    size_t wrong = 0, first_wrong = n;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(got[i], made[nmade - 1 - i]) != 0) {
            wrong++;
            if (first_wrong == n)
                first_wrong = i;
        }
    }
    if (wrong)
        note_failure("%zu of %zu batches made over 300 ms are listed out of creation order; "
                     "position %zu lists %s, but the newest batch there was %s",
                     wrong, n, first_wrong, got[first_wrong], made[nmade - 1 - first_wrong]);
    journal_ids_free(got, n);
    for (size_t i = 0; i < nmade; i++)
        free(made[i]);
    report_failures();
}

static void test_modes_with_umask_000(void **state)
{
    const char *dir = *state;
    char *jdir = xasprintf("%s/state/pbxtop/journal", dir);
    mode_t old = umask(0);
    char *err = NULL;
    struct journal *j = journal_create(jdir, "office", &err);
    umask(old);
    if (!j)
        fail_msg("journal_create: %s", err);
    struct stat st;
    static const char *const subs[] = {"/state", "/state/pbxtop", "/state/pbxtop/journal"};
    for (size_t i = 0; i < 3; i++) {
        char *p = xasprintf("%s%s", dir, subs[i]);
        assert_int_equal(stat(p, &st), 0);
        if ((st.st_mode & 07777) != 0700)
            fail_msg("%s has mode %04o, want 0700", p, (unsigned)(st.st_mode & 07777));
        free(p);
    }
    char *path = journal_path(jdir, journal_id(j));
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    if ((st.st_mode & 07777) != 0600)
        fail_msg("%s has mode %04o, want 0600", path, (unsigned)(st.st_mode & 07777));
    /* the default dir follows XDG_STATE_HOME */
    char *old_xdg = getenv("XDG_STATE_HOME") ? xstrdup(getenv("XDG_STATE_HOME")) : NULL;
    char *state_home = xasprintf("%s/state", dir);
    assert_int_equal(setenv("XDG_STATE_HOME", state_home, 1), 0);
    char *def = journal_default_dir();
    assert_string_equal(def, jdir);
    free(def);
    if (old_xdg)
        (void)setenv("XDG_STATE_HOME", old_xdg, 1);
    else
        (void)unsetenv("XDG_STATE_HOME");
    free(old_xdg);
    free(state_home);
    free(path);
    journal_close(j);
    free(jdir);
}

static void test_reopen_appends(void **state)
{
    const char *dir = *state;
    char *err = NULL;
    struct journal *j = journal_create(dir, "office\tmain=%1", &err);
    assert_non_null(j);
    char *id = xstrdup(journal_id(j));
    for (size_t n = 0; n < 3; n++)
        write_item(j, n);
    assert_int_equal(journal_intent(j, 0), 0);
    write_outcome(j, 0);
    journal_close(j);
    expect_unfinished(dir, id, true, "a batch cut short");

    j = journal_reopen(dir, id, &err);
    if (!j)
        fail_msg("journal_reopen: %s", err);
    assert_string_equal(journal_id(j), id);
    for (size_t n = 1; n < 3; n++) {
        assert_int_equal(journal_intent(j, n), 0);
        write_outcome(j, n);
    }
    assert_int_equal(journal_end(j), 0);
    journal_close(j);
    struct journal_batch b = read_ok(dir, id);
    check_batch(&b, id, 3, 3, 3);
    assert_true(b.ended);
    assert_false(journal_unfinished(&b));
    journal_batch_done(&b);
    free(id);
}

static void test_reopen_and_read_refuse_bad_ids(void **state)
{
    const char *dir = *state;
    static const char *const bad[] = {
        "",  "../etc/passwd", "../../x", "a/b", "ABC", "x y", "20260101-000000-0001abcd/../x", ".",
        ".."};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *err = NULL;
        struct journal *j = journal_reopen(dir, bad[i], &err);
        if (j)
            fail_msg("journal_reopen accepted the id '%s'", bad[i]);
        assert_non_null(err);
        free(err);
        err = NULL;
        struct journal_batch b;
        assert_int_equal(journal_read(dir, bad[i], &b, &err), -1);
        assert_non_null(err);
        free(err);
    }
    /* a well-formed id that does not exist: reopen must not create it */
    char *err = NULL;
    assert_null(journal_reopen(dir, BATCH_ID, &err));
    assert_non_null(err);
    free(err);
    char *path = journal_path(dir, BATCH_ID);
    struct stat st;
    assert_int_equal(stat(path, &st), -1);
    free(path);
}

/* A journal name that is a symbolic link (to a file outside the journal directory) is neither
 * read nor written through. */
static void test_symlink_not_followed(void **state)
{
    const char *dir = *state;
    char *target = xasprintf("%s/outside", dir);
    char *text = xasprintf("%s", base_text);
    spit(target, text, strlen(text), "wb");
    char *jdir = xasprintf("%s/journal", dir);
    assert_int_equal(mkdir(jdir, 0700), 0);
    char *lnk = journal_path(jdir, BATCH_ID);
    assert_int_equal(symlink(target, lnk), 0);
    struct journal_batch b;
    char *err = NULL;
    assert_int_equal(journal_read(jdir, BATCH_ID, &b, &err), -1);
    free(err);
    err = NULL;
    assert_null(journal_reopen(jdir, BATCH_ID, &err));
    free(err);
    size_t len;
    char *now = slurp(target, &len);
    assert_string_equal(now, text);
    free(now);
    free(lnk);
    free(jdir);
    free(text);
    free(target);
}

/* After a crash in the middle of a record, resume appends to the file: what it appends must
 * not be glued to the torn line, so that the journal still reads afterwards. */
static void test_reopen_after_torn_line(void **state)
{
    const char *dir = *state;
    char *err = NULL;
    struct journal *j = journal_create(dir, "office\tmain=%1", &err);
    assert_non_null(j);
    char *id = xstrdup(journal_id(j));
    for (size_t n = 0; n < 2; n++)
        write_item(j, n);
    assert_int_equal(journal_intent(j, 0), 0);
    journal_close(j);
    char *path = journal_path(dir, id);
    static const char torn[] = "outcome\t0\t17000";
    spit(path, torn, strlen(torn), "ab");
    struct journal_batch b = read_ok(dir, id);
    assert_false(b.items[0].has_outcome);
    journal_batch_done(&b);

    j = journal_reopen(dir, id, &err);
    assert_non_null(j);
    assert_int_equal(journal_outcome(j, 0, ACT_OK, NULL, "settled"), 0);
    assert_int_equal(journal_intent(j, 1), 0);
    write_outcome(j, 1);
    assert_int_equal(journal_end(j), 0);
    journal_close(j);
    if (journal_read(dir, id, &b, &err) != 0) {
        note_failure("after resuming a journal with a torn last line it no longer reads: %s", err);
        free(err);
    } else {
        assert_true(b.items[0].has_outcome);
        assert_true(b.items[1].has_outcome);
        assert_true(b.ended);
        journal_batch_done(&b);
    }
    free(path);
    free(id);
    report_failures();
}

/* ------------------------------------------------------------------ fuzzing */

static uint64_t rng_state;

static uint32_t rnd(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

static size_t rnd_below(size_t n)
{
    return n ? rnd() % n : 0;
}

static char interesting(void)
{
    static const char set[] = "\t\n%=-*0123456789afz@.\x01\x7f\xff";
    size_t k = rnd_below(sizeof set + 1); /* set[sizeof set - 1] is a NUL byte */
    return k == sizeof set ? (char)rnd() : set[k];
}

/* One random change to buf (capacity cap), returning the new length. */
static size_t mutate(char *buf, size_t len, size_t cap)
{
    switch (rnd_below(8)) {
    case 0: /* overwrite a byte */
        if (len)
            buf[rnd_below(len)] = interesting();
        return len;
    case 1: /* insert a byte */
        if (len < cap) {
            size_t at = rnd_below(len + 1);
            memmove(buf + at + 1, buf + at, len - at);
            buf[at] = interesting();
            len++;
        }
        return len;
    case 2: { /* delete a span */
        if (!len)
            return len;
        size_t at = rnd_below(len), n = 1 + rnd_below(8);
        if (n > len - at)
            n = len - at;
        memmove(buf + at, buf + at + n, len - at - n);
        return len - n;
    }
    case 3: /* truncate */
        return rnd_below(len + 1);
    case 4: { /* duplicate a line */
        if (!len)
            return len;
        size_t at = rnd_below(len), start = at, end = at;
        while (start > 0 && buf[start - 1] != '\n')
            start--;
        while (end < len && buf[end] != '\n')
            end++;
        if (end < len)
            end++;
        size_t n = end - start;
        if (len + n > cap)
            return len;
        memmove(buf + end + n, buf + end, len - end);
        memcpy(buf + end, buf + start, n);
        return len + n;
    }
    case 5: { /* copy a span elsewhere (over what is there) */
        if (len < 2)
            return len;
        size_t from = rnd_below(len), to = rnd_below(len), n = 1 + rnd_below(16);
        if (n > len - from)
            n = len - from;
        if (n > len - to)
            n = len - to;
        memmove(buf + to, buf + from, n);
        return len;
    }
    case 6: /* bump a digit */
        for (int tries = 0; tries < 8 && len; tries++) {
            size_t at = rnd_below(len);
            if (buf[at] >= '0' && buf[at] <= '9') {
                buf[at] = (char)('0' + rnd_below(10));
                break;
            }
        }
        return len;
    default: /* a tab becomes a newline or the other way round */
        for (int tries = 0; tries < 16 && len; tries++) {
            size_t at = rnd_below(len);
            if (buf[at] == '\t' || buf[at] == '\n') {
                buf[at] = buf[at] == '\t' ? '\n' : '\t';
                break;
            }
        }
        return len;
    }
}

static void check_parsed(const struct journal_batch *b)
{
    assert_non_null(b->id);
    assert_non_null(b->backend);
    for (size_t i = 0; i < b->nitems; i++) {
        const struct journal_entry *e = &b->items[i];
        assert_int_equal(e->n, i);
        assert_true(e->nvalues >= 0);
        for (int k = 0; k < e->nvalues; k++) {
            assert_non_null(e->names[k]);
            (void)strlen(e->names[k]);
            if (e->values[k])
                (void)strlen(e->values[k]);
            if (e->withheld[k])
                assert_null(e->values[k]);
            if (e->before && e->before[k])
                (void)strlen(e->before[k]);
        }
        if (e->has_outcome)
            assert_non_null(e->msg);
    }
    (void)journal_unfinished(b);
}

static void test_fuzz_mutations(void **state)
{
    const char *dir = *state;
    char *err = NULL;
    struct journal *j = journal_create(dir, "office\tmain=%1", &err);
    assert_non_null(j);
    for (size_t n = 0; n < NITEMS; n++)
        write_item(j, n);
    for (size_t n = 0; n < NITEMS; n++) {
        assert_int_equal(journal_intent(j, n), 0);
        write_outcome(j, n);
    }
    assert_int_equal(journal_commit_intent(j), 0);
    assert_int_equal(journal_commit_outcome(j, ACT_OK, "ok"), 0);
    assert_int_equal(journal_end(j), 0);
    char *path = journal_path(dir, journal_id(j));
    size_t vlen;
    char *valid = slurp(path, &vlen);
    free(path);
    journal_close(j);

    size_t cap = vlen * 2 + 64;
    char *buf = xmalloc(cap);
    size_t parsed = 0, refused = 0;
    rng_state = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 4000; round++) {
        memcpy(buf, valid, vlen);
        size_t len = vlen;
        int nmut = 1 + (int)rnd_below(round % 10 == 0 ? 40 : 4);
        for (int m = 0; m < nmut; m++)
            len = mutate(buf, len, cap);
        /* an exact-size copy, so that ASan sees any read past the end */
        char *text = xmalloc(len ? len : 1);
        memcpy(text, buf, len);
        struct journal_batch b;
        char *e = NULL;
        int rc = journal_parse("fuzz.journal", text, len, &b, &e);
        if (rc == 0) {
            assert_null(e);
            check_parsed(&b);
            journal_batch_done(&b);
            parsed++;
        } else {
            if (rc != -1)
                fail_msg("round %d: journal_parse returned %d", round, rc);
            if (!e || strncmp(e, "fuzz.journal", 12) != 0)
                fail_msg("round %d: refused with message '%s'", round, e ? e : "(none)");
            assert_null(b.id);
            assert_null(b.items);
            free(e);
            refused++;
        }
        free(text);
    }
    /* both paths were exercised */
    assert_true(parsed > 100);
    assert_true(refused > 100);
    free(buf);
    free(valid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_every_stage, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_values_exact, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_failed_commit_not_committed, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_secret_withheld, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_secret_before_image_withheld, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_huge_value_not_truncated, setup_dir, teardown_dir),
        cmocka_unit_test(test_parse_base),
        cmocka_unit_test(test_torn_last_line),
        cmocka_unit_test(test_damaged_lines),
        cmocka_unit_test(test_damaged_lines_strict),
        cmocka_unit_test(test_damage_in_the_middle),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_bad_magic_and_version),
        cmocka_unit_test(test_no_batch_record),
        cmocka_unit_test_setup_teardown(test_read_damaged_file_names_path, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_list_newest_first_skips_junk, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_list_order_follows_creation, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_modes_with_umask_000, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_reopen_appends, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_reopen_and_read_refuse_bad_ids, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_symlink_not_followed, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_reopen_after_torn_line, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_fuzz_mutations, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
