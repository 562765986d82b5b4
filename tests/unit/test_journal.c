/* net/journal: the change journal (DESIGN.md §7), written and read back. Writing a batch and
 * reading it back field by field (escapes, nulls, withheld secrets, outcomes, commit, end),
 * journal_unfinished at every stage, listing, reopening for resume, file and directory modes.
 * Damaged and hostile journal text is in test_journal_parse.c; shared helpers in
 * journal_testlib.c. */
#define _POSIX_C_SOURCE 200809L
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
#include "tests/unit/journal_testlib.h"
#include "tests/unit/testutil.h"
#include "tui/xalloc.h"

/* ------------------------------------------------------------------ helpers */

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

/* ------------------------------------------------------------------ the batch */

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
    char *text = test_read_file(path, &len);
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
    char *text = test_read_file(path, &len);
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
    char *text = test_read_file(path, &len);
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
    char *now = test_read_file(target, &len);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_every_stage, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_values_exact, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_failed_commit_not_committed, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_secret_withheld, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_secret_before_image_withheld, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_huge_value_not_truncated, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_list_newest_first_skips_junk, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_list_order_follows_creation, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_modes_with_umask_000, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_reopen_appends, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_reopen_and_read_refuse_bad_ids, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_symlink_not_followed, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_reopen_after_torn_line, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
