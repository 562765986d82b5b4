/* net/model: kinds and their fields (the columns of `pbxtop get`), snapshots with stable ids,
 * duplicate ids, start times carried across polls. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/model.h"
#include "tui/xalloc.h"

static const char *val(const struct snapshot *s, const char *id, int f)
{
    long i = snap_find(s, id);
    if (i < 0)
        fail_msg("id '%s' not found", id);
    return snap_get(s, (size_t)i)->v[f];
}

/* The fields of a kind must be exactly the columns DESIGN.md §3 promises, in order. */
static void expect_fields(enum kind k, const char *name, const char *short_name,
                          const char *const *fields, int n)
{
    const struct kind_def *d = kind_def(k);
    assert_string_equal(d->name, name);
    assert_string_equal(d->short_name, short_name);
    assert_int_equal(d->nfields, n);
    for (int i = 0; i < n; i++)
        assert_string_equal(d->fields[i].name, fields[i]);
}

static void test_kind_fields_match_design(void **state)
{
    (void)state;
    static const char *const ext[] = {"extension", "name",    "enabled", "voicemail",
                                      "callerid",  "context", "tech"};
    static const char *const rg[] = {"extension", "name", "strategy", "ring_time", "members"};
    static const char *const ch[] = {"channel",       "state",          "caller_num", "caller_name",
                                     "connected_num", "connected_name", "context",    "exten",
                                     "application",   "duration"};
    static const char *const qm[] = {"queue",   "interface",   "name",
                                     "status",  "paused",      "paused_reason",
                                     "penalty", "calls_taken", "in_call"};
    static const char *const q[] = {"queue",     "strategy",  "calls",    "completed",
                                    "abandoned", "hold_time", "talk_time"};
    expect_fields(KIND_EXTENSIONS, "extensions", "ext", ext, 7);
    expect_fields(KIND_RINGGROUPS, "ringgroups", "rg", rg, 5);
    expect_fields(KIND_CHANNELS, "channels", "ch", ch, 10);
    expect_fields(KIND_QUEUEMEMBERS, "queuemembers", "qm", qm, 9);
    expect_fields(KIND_QUEUES, "queues", "q", q, 7);

    /* the field index constants name the right columns */
    const struct kind_def *d = kind_def(KIND_CHANNELS);
    assert_string_equal(d->fields[CH_CALLER_NAME].name, "caller_name");
    assert_string_equal(d->fields[CH_DURATION].name, "duration");
    assert_int_equal(d->fields[CH_DURATION].type, FT_SECS);
    d = kind_def(KIND_QUEUEMEMBERS);
    assert_string_equal(d->fields[QM_PAUSED].name, "paused");
    assert_int_equal(d->fields[QM_PAUSED].type, FT_BOOL);
    assert_int_equal(d->fields[QM_PENALTY].type, FT_INT);
    d = kind_def(KIND_RINGGROUPS);
    assert_int_equal(d->fields[RG_MEMBERS].type, FT_LIST);
    assert_int_equal(d->fields[RG_RING_TIME].type, FT_INT);
    assert_string_equal(kind_def(KIND_EXTENSIONS)->fields[EXT_TECH].name, "tech");
    assert_string_equal(kind_def(KIND_QUEUES)->fields[Q_TALK_TIME].name, "talk_time");
    d = kind_def(KIND_QUEUECALLERS);
    assert_int_equal(d->fields[QC_WAIT].type, FT_SECS); /* ticks between polls */
    assert_int_equal(d->fields[QC_POSITION].type, FT_INT);
    assert_string_equal(d->fields[QC_CALLER_NUM].name, "caller_num");
    assert_int_equal(d->key[0], -1); /* never created, so no key to keep unique */
}

static void test_kind_from_name(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int kind;
    } cases[] = {
        {"extensions", KIND_EXTENSIONS},
        {"ext", KIND_EXTENSIONS},
        {"ringgroups", KIND_RINGGROUPS},
        {"rg", KIND_RINGGROUPS},
        {"channels", KIND_CHANNELS},
        {"ch", KIND_CHANNELS},
        {"queuemembers", KIND_QUEUEMEMBERS},
        {"qm", KIND_QUEUEMEMBERS},
        {"queues", KIND_QUEUES},
        {"q", KIND_QUEUES},
        {"queuecallers", KIND_QUEUECALLERS},
        {"qc", KIND_QUEUECALLERS},
        {"", -1},
        {"chan", -1},
        {"channel", -1},
        {"CH", -1},
        {"channels ", -1},
        {"backends", -1}, /* a view, but not a kind of record */
        {"be", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (kind_from_name(cases[i].name) != cases[i].kind)
            fail_msg("kind_from_name(\"%s\") = %d, want %d", cases[i].name,
                     kind_from_name(cases[i].name), cases[i].kind);
    }
}

static void test_build_and_find(void **state)
{
    (void)state;
    struct snapshot *s = snap_new(KIND_EXTENSIONS);
    assert_int_equal(snap_kind(s), KIND_EXTENSIONS);
    char id[16];
    (void)snprintf(id, sizeof id, "%s", "201");
    size_t a = snap_add(s, id);
    id[0] = 'X'; /* the id was copied */
    snap_set(s, a, EXT_EXTENSION, "201");
    snap_set(s, a, EXT_NAME, "Front desk");
    snap_set_bool(s, a, EXT_ENABLED, true);
    snap_set_bool(s, a, EXT_VOICEMAIL, false);
    snap_set(s, a, EXT_CALLERID, NULL);
    snap_setn(s, a, EXT_CONTEXT, "from-internal-extra", 13);
    snap_set_raw(s, a, "{\"extension\":\"201\"}");
    size_t b = snap_add(s, "202");
    snap_set(s, b, EXT_NAME, "");
    snap_set_t0(s, b, 1234);
    assert_int_equal(snap_count(s), 2);
    snap_finish(s);

    assert_int_equal(snap_count(s), 2);
    assert_int_equal(snap_duplicates(s), 0);
    long i = snap_find(s, "201");
    assert_true(i >= 0);
    const struct record *r = snap_get(s, (size_t)i);
    assert_string_equal(r->id, "201");
    assert_string_equal(r->v[EXT_EXTENSION], "201");
    assert_string_equal(r->v[EXT_NAME], "Front desk");
    assert_string_equal(r->v[EXT_ENABLED], "true");
    assert_string_equal(r->v[EXT_VOICEMAIL], "false");
    assert_null(r->v[EXT_CALLERID]); /* null stays null */
    assert_string_equal(r->v[EXT_CONTEXT], "from-internal");
    assert_null(r->v[EXT_TECH]); /* never set: null */
    assert_string_equal(r->raw, "{\"extension\":\"201\"}");
    assert_int_equal(r->t0_ms, 0);

    r = snap_get(s, (size_t)snap_find(s, "202"));
    assert_string_equal(r->v[EXT_NAME], ""); /* empty is not null */
    assert_null(r->v[EXT_EXTENSION]);
    assert_null(r->raw);
    assert_int_equal(r->t0_ms, 1234);
    /* records keep the order they were added in */
    assert_string_equal(snap_get(s, 0)->id, "201");
    assert_string_equal(snap_get(s, 1)->id, "202");
    snap_free(s);
    snap_free(NULL);
}

static void test_values_are_copies(void **state)
{
    (void)state;
    struct snapshot *s = snap_new(KIND_CHANNELS);
    char buf[32] = "PJSIP/201-0001";
    size_t i = snap_add(s, "1.1");
    snap_set(s, i, CH_CHANNEL, buf);
    char raw[32] = "{\"a\":1}";
    snap_set_raw(s, i, raw);
    memset(buf, 'Z', sizeof buf - 1);
    memset(raw, 'Z', sizeof raw - 1);
    snap_finish(s);
    assert_string_equal(val(s, "1.1", CH_CHANNEL), "PJSIP/201-0001");
    assert_string_equal(snap_get(s, 0)->raw, "{\"a\":1}");
    snap_free(s);

    /* setting a field again replaces it */
    s = snap_new(KIND_CHANNELS);
    i = snap_add(s, "1.1");
    snap_set(s, i, CH_STATE, "Ring");
    snap_set(s, i, CH_STATE, "Up");
    snap_set(s, i, CH_EXTEN, "100");
    snap_set(s, i, CH_EXTEN, NULL);
    snap_finish(s);
    assert_string_equal(val(s, "1.1", CH_STATE), "Up");
    assert_null(val(s, "1.1", CH_EXTEN));
    snap_free(s);
}

static void test_set_int(void **state)
{
    (void)state;
    static const struct {
        long long v;
        const char *text;
    } cases[] = {{0, "0"},
                 {42, "42"},
                 {-7, "-7"},
                 {LLONG_MAX, "9223372036854775807"},
                 {LLONG_MIN, "-9223372036854775808"}};
    struct snapshot *s = snap_new(KIND_QUEUES);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char id[8];
        (void)snprintf(id, sizeof id, "q%zu", k);
        snap_set_int(s, snap_add(s, id), Q_CALLS, cases[k].v);
    }
    snap_finish(s);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char id[8];
        (void)snprintf(id, sizeof id, "q%zu", k);
        assert_string_equal(val(s, id, Q_CALLS), cases[k].text);
    }
    snap_free(s);
}

static void test_big_values(void **state)
{
    (void)state;
    /* values larger than any arena chunk */
    size_t n = 300 * 1024;
    char *big = xmalloc(n + 1);
    for (size_t k = 0; k < n; k++)
        big[k] = (char)('a' + k % 26);
    big[n] = '\0';
    struct snapshot *s = snap_new(KIND_RINGGROUPS);
    size_t i = snap_add(s, "600");
    snap_set(s, i, RG_MEMBERS, big);
    snap_set_raw(s, i, big);
    size_t j = snap_add(s, big); /* a huge id too */
    snap_set(s, j, RG_NAME, "after");
    snap_finish(s);
    assert_string_equal(val(s, "600", RG_MEMBERS), big);
    assert_string_equal(snap_get(s, (size_t)snap_find(s, "600"))->raw, big);
    assert_string_equal(val(s, big, RG_NAME), "after");
    free(big);
    snap_free(s);
}

static void test_find_missing(void **state)
{
    (void)state;
    struct snapshot *s = snap_new(KIND_CHANNELS);
    snap_finish(s);
    assert_int_equal(snap_count(s), 0);
    assert_int_equal(snap_find(s, "1.1"), -1);
    assert_int_equal(snap_find(s, ""), -1);
    snap_free(s);

    s = snap_new(KIND_CHANNELS);
    (void)snap_add(s, "1513946896.7");
    (void)snap_add(s, "1513946896.70");
    snap_finish(s);
    assert_int_equal(snap_find(s, "1513946896."), -1); /* prefixes are other ids */
    assert_int_equal(snap_find(s, "1513946896.7 "), -1);
    assert_int_equal(snap_find(s, "1513946896.700"), -1);
    assert_int_equal(snap_find(s, ""), -1);
    assert_int_equal(snap_find(s, "1513946896.7"), 0);
    assert_int_equal(snap_find(s, "1513946896.70"), 1);
    snap_free(s);
}

static void test_duplicates_dropped(void **state)
{
    (void)state;
    struct snapshot *s = snap_new(KIND_EXTENSIONS);
    static const char *const ids[] = {"201", "202", "201", "203", "202", "201"};
    for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
        char name[16];
        (void)snprintf(name, sizeof name, "row %zu", k);
        snap_set(s, snap_add(s, ids[k]), EXT_NAME, name);
    }
    snap_finish(s);
    assert_int_equal(snap_count(s), 3);
    assert_int_equal(snap_duplicates(s), 3);
    /* the first record with an id is the one kept, and the order stays */
    assert_string_equal(snap_get(s, 0)->id, "201");
    assert_string_equal(snap_get(s, 1)->id, "202");
    assert_string_equal(snap_get(s, 2)->id, "203");
    assert_string_equal(val(s, "201", EXT_NAME), "row 0");
    assert_string_equal(val(s, "202", EXT_NAME), "row 1");
    assert_string_equal(val(s, "203", EXT_NAME), "row 3");
    for (size_t k = 0; k < snap_count(s); k++)
        assert_int_equal(snap_find(s, snap_get(s, k)->id), (long)k);
    snap_free(s);
}

static struct snapshot *channels(const char *const *ids, const int64_t *t0, size_t n)
{
    struct snapshot *s = snap_new(KIND_CHANNELS);
    for (size_t k = 0; k < n; k++) {
        size_t i = snap_add(s, ids[k]);
        if (t0)
            snap_set_t0(s, i, t0[k]);
    }
    snap_finish(s);
    return s;
}

static int64_t t0(const struct snapshot *s, const char *id)
{
    long i = snap_find(s, id);
    if (i < 0)
        fail_msg("id '%s' not found", id);
    return snap_get(s, (size_t)i)->t0_ms;
}

static void test_carry_t0(void **state)
{
    (void)state;
    static const char *const old_ids[] = {"a", "b", "gone"};
    static const int64_t old_t0[] = {1000, 0, 3000};
    struct snapshot *old = channels(old_ids, old_t0, 3);

    static const char *const new_ids[] = {"a", "b", "c", "d"};
    static const int64_t new_t0[] = {0, 0, 0, 5000};
    struct snapshot *cur = channels(new_ids, new_t0, 4);
    snap_carry_t0(cur, old, 9000);
    assert_int_equal(t0(cur, "a"), 1000); /* first seen in the older poll */
    assert_int_equal(t0(cur, "b"), 9000); /* the older poll did not know either */
    assert_int_equal(t0(cur, "c"), 9000); /* new */
    assert_int_equal(t0(cur, "d"), 5000); /* the backend said: kept */

    /* and on to a third poll: the start time keeps ticking from the first sighting */
    struct snapshot *third = channels(new_ids, NULL, 4);
    snap_carry_t0(third, cur, 15000);
    assert_int_equal(t0(third, "a"), 1000);
    assert_int_equal(t0(third, "b"), 9000);
    assert_int_equal(t0(third, "c"), 9000);
    assert_int_equal(t0(third, "d"), 5000);
    snap_free(third);
    snap_free(cur);
    snap_free(old);

    /* no previous snapshot: everything starts now */
    cur = channels(new_ids, new_t0, 4);
    snap_carry_t0(cur, NULL, 777);
    assert_int_equal(t0(cur, "a"), 777);
    assert_int_equal(t0(cur, "d"), 5000);
    snap_free(cur);
}

static void test_many_records(void **state)
{
    (void)state;
    enum {
        N = 100000
    };
    struct snapshot *s = snap_new(KIND_CHANNELS);
    char id[32];
    for (int k = 0; k < N; k++) {
        (void)snprintf(id, sizeof id, "pbx-%d.%d", 1700000000 + k / 7, k);
        size_t i = snap_add(s, id);
        snap_set_int(s, i, CH_EXTEN, k);
    }
    /* and every tenth again */
    for (int k = 0; k < N; k += 10) {
        (void)snprintf(id, sizeof id, "pbx-%d.%d", 1700000000 + k / 7, k);
        snap_set(s, snap_add(s, id), CH_EXTEN, "dup");
    }
    snap_finish(s);
    assert_int_equal(snap_count(s), N);
    assert_int_equal(snap_duplicates(s), N / 10);
    char want[16];
    for (int k = 0; k < N; k++) {
        (void)snprintf(id, sizeof id, "pbx-%d.%d", 1700000000 + k / 7, k);
        long i = snap_find(s, id);
        if (i != k)
            fail_msg("id %s at %ld, want %d", id, i, k);
        (void)snprintf(want, sizeof want, "%d", k);
        assert_string_equal(snap_get(s, (size_t)i)->v[CH_EXTEN], want);
    }
    for (int k = 0; k < 1000; k++) {
        (void)snprintf(id, sizeof id, "pbx-%d.%d", 1700000000 + k / 7, N + k);
        assert_int_equal(snap_find(s, id), -1);
    }
    snap_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_fields_match_design),
        cmocka_unit_test(test_kind_from_name),
        cmocka_unit_test(test_build_and_find),
        cmocka_unit_test(test_values_are_copies),
        cmocka_unit_test(test_set_int),
        cmocka_unit_test(test_big_values),
        cmocka_unit_test(test_find_missing),
        cmocka_unit_test(test_duplicates_dropped),
        cmocka_unit_test(test_carry_t0),
        cmocka_unit_test(test_many_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
