/* net/journal: parsing journal text that is not what the writer wrote (DESIGN.md §7). Torn last
 * lines, every kind of damaged line (bad numbers, unknown records, order, escapes, NUL bytes,
 * magic and version), the file's path in journal_read's message, and a few thousand random
 * mutations of a valid journal. Writing and reading back is in test_journal.c; shared helpers
 * in journal_testlib.c. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/backend.h"
#include "net/journal.h"
#include "tests/unit/journal_testlib.h"
#include "tests/unit/testutil.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

/* ------------------------------------------------------------------ parsing by hand */

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
    char *valid = test_read_file(path, &vlen);
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
        cmocka_unit_test(test_parse_base),
        cmocka_unit_test(test_torn_last_line),
        cmocka_unit_test(test_damaged_lines),
        cmocka_unit_test(test_damaged_lines_strict),
        cmocka_unit_test(test_damage_in_the_middle),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_bad_magic_and_version),
        cmocka_unit_test(test_no_batch_record),
        cmocka_unit_test_setup_teardown(test_read_damaged_file_names_path, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_fuzz_mutations, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
