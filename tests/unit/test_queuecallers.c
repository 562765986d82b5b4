/* The waiting-caller decoders of every backend that has them: jade's /v1/admin/queue/entries,
 * QueueEntry events in SARK's astamis and Issabel's manager arrays, and the calls inside
 * NGCP's callqueues. Fixture JSON in, queuecallers records out; then hostile and broken
 * input, which must be skipped or kept as text for the sanitiser, never crash. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "net/backend_ami.h"
#include "net/backend_issabel.h"
#include "net/backend_jade.h"
#include "net/backend_ngcp.h"
#include "net/backend_sark.h"
#include "net/model.h"
#include "tests/unit/testutil.h"

#define NOW_MS 1800000000000LL

static const struct record *rec(const struct snapshot *s, const char *id)
{
    long i = snap_find(s, id);
    if (i < 0)
        fail_msg("no record '%s'", id);
    return snap_get(s, (size_t)i);
}

static void expect_field(const struct snapshot *s, const char *id, int f, const char *want)
{
    const char *got = rec(s, id)->v[f];
    if (!want && got)
        fail_msg("%s field %d: '%s', want null", id, f, got);
    if (want && (!got || strcmp(got, want) != 0))
        fail_msg("%s field %d: '%s', want '%s'", id, f, got ? got : "(null)", want);
}

/* How long the record says its caller has waited at NOW_MS, or -1 when it does not know. */
static long long waited_s(const struct snapshot *s, const char *id)
{
    int64_t t0 = rec(s, id)->t0_ms;
    return t0 ? (NOW_MS - t0) / 1000 : -1;
}

/* ---------------------------------------------------------------- jade */

static struct snapshot *jade(const char *body, char **err)
{
    *err = NULL;
    return jade_decode_entries(body, strlen(body), NOW_MS, false, err);
}

static void test_jade_fixture(void **state)
{
    (void)state;
    size_t len;
    char *err = NULL;
    char *body = test_fixture("jade", "queue_entries_list.json", &len);
    struct snapshot *s = jade_decode_entries(body, len, NOW_MS, true, &err);
    free(body);
    assert_non_null(s);
    assert_null(err);
    assert_int_equal(snap_kind(s), KIND_QUEUECALLERS);
    assert_int_equal(snap_count(s), 2);
    expect_field(s, "1513556618.4", QC_QUEUE, "sales_1");
    expect_field(s, "1513556618.4", QC_POSITION, "1");
    expect_field(s, "1513556618.4", QC_CHANNEL, "PJSIP/pjagent-01-00000002");
    expect_field(s, "1513556630.11", QC_POSITION, "2");
    expect_field(s, "1513556630.11", QC_CALLER_NUM, "2003");
    expect_field(s, "1513556630.11", QC_CALLER_NAME, "Carol");
    /* A null wait (the row came from QueueCallerJoin) is left to the model: first seen. */
    assert_int_equal(waited_s(s, "1513556618.4"), -1);
    /* Updated after the envelope's timestamp (the fixture's clocks): the wait as sent. */
    assert_int_equal(waited_s(s, "1513556630.11"), 12);
    assert_non_null(rec(s, "1513556630.11")->raw);
    snap_free(s);
}

static void test_jade_wait_counts_from_the_update_on_jades_clock(void **state)
{
    (void)state;
    char *err;
    /* 12 s waited at 10:00:00, and jade's clock now says 10:01:30: 102 s, whatever our
     * clock says. */
    struct snapshot *s = jade("{\"api_ver\":\"0.1\",\"statuscode\":200,"
                              "\"timestamp\":\"2024-05-01T10:01:30.5Z\",\"result\":{\"list\":["
                              "{\"unique_id\":\"1.1\",\"queue_name\":\"q\",\"position\":1,"
                              "\"wait\":12,\"tm_update\":\"2024-05-01T10:00:00.1Z\"},"
                              "{\"unique_id\":\"1.2\",\"queue_name\":\"q\",\"position\":2,"
                              "\"wait\":5},"
                              "{\"unique_id\":\"1.3\",\"queue_name\":\"q\",\"wait\":-4},"
                              "{\"unique_id\":\"1.4\",\"queue_name\":\"q\",\"wait\":99999999},"
                              "{\"unique_id\":\"1.5\",\"queue_name\":\"q\",\"wait\":\"7\"}]}}",
                              &err);
    assert_non_null(s);
    assert_int_equal(waited_s(s, "1.1"), 102);
    assert_int_equal(waited_s(s, "1.2"), 5);   /* no tm_update: as sent */
    assert_int_equal(waited_s(s, "1.3"), -1);  /* negative: unknown */
    assert_int_equal(waited_s(s, "1.4"), -1);  /* years: clock trouble, unknown */
    assert_int_equal(waited_s(s, "1.5"), 7);   /* a numeric string reads as its number */
    expect_field(s, "1.3", QC_POSITION, NULL); /* not sent: null, never 0 */
    snap_free(s);
}

static void test_jade_skips_what_cannot_be_shown(void **state)
{
    (void)state;
    char *err;
    struct snapshot *s = jade("{\"api_ver\":\"0.1\",\"statuscode\":200,\"result\":{\"list\":["
                              "{\"queue_name\":\"q\",\"position\":1},"     /* no id */
                              "{\"unique_id\":\"\",\"queue_name\":\"q\"}," /* empty id */
                              "{\"unique_id\":\"2.1\"},"                   /* no queue */
                              "{\"unique_id\":\"2.2\",\"queue_name\":7},"  /* not a name */
                              "[1,2],null,\"x\","                          /* not objects */
                              "{\"unique_id\":\"2.3\",\"queue_name\":\"q\","
                              "\"position\":\"first\",\"caller_id_num\":{}}]}}",
                              &err);
    assert_non_null(s);
    assert_int_equal(snap_count(s), 1);
    expect_field(s, "2.3", QC_POSITION, NULL);
    expect_field(s, "2.3", QC_CALLER_NUM, NULL);
    snap_free(s);
    /* Not a list of entries at all: an error, not an empty queue. */
    static const char *const bad[] = {
        "", "[]", "{\"api_ver\":\"0.1\",\"statuscode\":200,\"result\":{\"list\":{}}}",
        "{\"api_ver\":\"0.1\",\"statuscode\":403,\"message\":\"forbidden\"}", "{\"result\":"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = jade(bad[i], &err);
        if (s)
            fail_msg("accepted '%s'", bad[i]);
        assert_non_null(err);
        free(err);
    }
}

static void test_jade_hostile_text_kept_for_the_sanitiser(void **state)
{
    (void)state;
    char *err;
    struct snapshot *s = jade("{\"api_ver\":\"0.1\",\"statuscode\":200,\"result\":{\"list\":["
                              "{\"unique_id\":\"3.1\",\"queue_name\":\"sa\\u001b[2Jles\","
                              "\"caller_id_name\":\"Zo\\u001b]2;PW\\u0007\\u202e\","
                              "\"caller_id_num\":\"\\u0000555\"}]}}",
                              &err);
    assert_non_null(s);
    expect_field(s, "3.1", QC_QUEUE, "sa\x1b[2Jles");
    expect_field(s, "3.1", QC_CALLER_NAME, "Zo\x1b]2;PW\x07\xe2\x80\xae");
    snap_free(s);
}

/* ---------------------------------------------------------------- AMI (SARK, Issabel) */

static struct snapshot *ami(const char *json)
{
    cJSON *ev = cJSON_Parse(json);
    assert_non_null(ev);
    struct snapshot *s = ami_decode_queuecallers(ev, NOW_MS, false);
    cJSON_Delete(ev);
    return s;
}

static void test_sark_fixture(void **state)
{
    (void)state;
    size_t len;
    char *err = NULL;
    char *body = test_fixture("sark", "astamis_queuestatus_list.json", &len);
    struct snapshot *s = sark_decode_ami(KIND_QUEUECALLERS, 200, body, len, NOW_MS, false, &err);
    free(body);
    assert_non_null(s);
    assert_null(err);
    assert_int_equal(snap_count(s), 1); /* QueueParams and QueueMember are not callers */
    const char *id = "1736252050.24";
    expect_field(s, id, QC_QUEUE, "sales");
    expect_field(s, id, QC_POSITION, "1");
    expect_field(s, id, QC_CALLER_NUM, "447700900123");
    expect_field(s, id, QC_CALLER_NAME, "unknown");
    expect_field(s, id, QC_CHANNEL, "PJSIP/trunk1-0000000c");
    assert_int_equal(waited_s(s, id), 4);
    snap_free(s);
    /* SARK's 404 for an empty AMI list is no caller waiting. */
    body = test_fixture("sark", "astamis_empty_404.json", &len);
    s = sark_decode_ami(KIND_QUEUECALLERS, 404, body, len, NOW_MS, false, &err);
    free(body);
    assert_non_null(s);
    assert_int_equal(snap_count(s), 0);
    snap_free(s);
}

static void test_issabel_fixture(void **state)
{
    (void)state;
    size_t len;
    char *err = NULL;
    char *body = test_fixture("issabel", "manager_queuestatus.json", &len);
    struct snapshot *s = issabel_decode_queuecallers(body, len, NOW_MS, true, &err);
    free(body);
    assert_non_null(s);
    assert_int_equal(snap_count(s), 1);
    const char *id = "1754000400.9";
    expect_field(s, id, QC_QUEUE, "400");
    expect_field(s, id, QC_CALLER_NUM, "5551234");
    expect_field(s, id, QC_CALLER_NAME, "CUSTOMER");
    expect_field(s, id, QC_CHANNEL, "SIP/trunk-00000009");
    assert_int_equal(waited_s(s, id), 7);
    assert_non_null(rec(s, id)->raw);
    snap_free(s);
    /* AMI down: Issabel's error object is an error, not an empty queue. */
    body = test_fixture("issabel", "manager_ami_unreachable.json", &len);
    s = issabel_decode_queuecallers(body, len, NOW_MS, false, &err);
    free(body);
    assert_null(s);
    assert_non_null(err);
    free(err);
}

static void test_ami_entry_variants(void **state)
{
    (void)state;
    struct snapshot *s =
        ami("[{\"Response\":\"Success\"},"
            /* Asterisk 1.4: CallerID is the number; no Uniqueid: the channel names it */
            "{\"Event\":\"QueueEntry\",\"Queue\":\"a\",\"Position\":\"2\",\"Channel\":\"SIP/x-1\","
            "\"CallerID\":\"100\",\"CallerIDName\":\"Old\",\"Wait\":\"0:01:05\"},"
            "{\"Event\":\"QueueEntry\",\"Queue\":\"a\",\"Uniqueid\":\"9.1\",\"Wait\":\"soon\"},"
            "{\"Event\":\"QueueEntry\",\"Queue\":\"a\",\"Uniqueid\":\"9.2\",\"Wait\":\"-3\"},"
            "{\"Event\":\"QueueEntry\",\"Queue\":\"a\",\"Uniqueid\":\"9.3\",\"Wait\":\"9999999\"},"
            "{\"Event\":\"QueueEntry\",\"Queue\":\"\",\"Uniqueid\":\"9.4\"}," /* no queue */
            "{\"Event\":\"QueueEntry\",\"Queue\":\"a\"},"                     /* no id */
            "{\"Event\":\"QueueEntry\",\"Queue\":[\"a\"],\"Uniqueid\":\"9.5\"},"
            "{\"Event\":\"QueueMember\",\"Queue\":\"a\",\"Uniqueid\":\"9.6\"},"
            "{\"Event\":7},\"QueueEntry\",null]");
    assert_int_equal(snap_count(s), 4);
    expect_field(s, "SIP/x-1", QC_CALLER_NUM, "100");
    expect_field(s, "SIP/x-1", QC_POSITION, "2");
    assert_int_equal(waited_s(s, "SIP/x-1"), 65);
    assert_int_equal(waited_s(s, "9.1"), -1);
    assert_int_equal(waited_s(s, "9.2"), -1);
    assert_int_equal(waited_s(s, "9.3"), -1);
    expect_field(s, "9.1", QC_CHANNEL, NULL);
    snap_free(s);
    /* Not an array: nothing, and no crash. */
    s = ami("{\"Event\":\"QueueEntry\",\"Queue\":\"a\",\"Uniqueid\":\"1\"}");
    assert_int_equal(snap_count(s), 0);
    snap_free(s);
}

static void test_ami_repeated_caller_dropped(void **state)
{
    (void)state;
    /* One id twice (a broken pass-through): one row, and the model counts the other. */
    struct snapshot *s = ami("[{\"Event\":\"QueueEntry\",\"Queue\":\"a\",\"Uniqueid\":\"5.5\"},"
                             "{\"Event\":\"QueueEntry\",\"Queue\":\"b\",\"Uniqueid\":\"5.5\"}]");
    assert_int_equal(snap_count(s), 1);
    assert_int_equal(snap_duplicates(s), 1);
    snap_free(s);
}

/* ---------------------------------------------------------------- NGCP */

static void test_ngcp_fixture(void **state)
{
    (void)state;
    size_t len;
    char *err = NULL;
    char *body = test_fixture("ngcp", "callqueues_collection.json", &len);
    struct snapshot *s = ngcp_decode_queuecallers(body, len, NOW_MS, false, &err);
    free(body);
    assert_non_null(s);
    assert_null(err);
    assert_int_equal(snap_count(s), 2);
    const char *a = "45/a84b4c76e66710@198.51.100.7", *b = "45/3c2f9e1d-55aa-4b7c-9a1e@203.0.113.9";
    expect_field(s, a, QC_QUEUE, "45");
    expect_field(s, a, QC_POSITION, "1");
    expect_field(s, a, QC_CALLER_NUM, "+436641234567"); /* the user part of the SIP URI */
    expect_field(s, a, QC_CALLER_NAME, NULL);
    expect_field(s, a, QC_CHANNEL, NULL);
    assert_int_equal(waited_s(s, a), 37);
    expect_field(s, b, QC_POSITION, "2");
    expect_field(s, b, QC_CALLER_NUM, "101");
    assert_int_equal(waited_s(s, b), 12);
    snap_free(s);
}

static void test_ngcp_odd_calls(void **state)
{
    (void)state;
    static const char body[] =
        "{\"total_count\":1,\"_embedded\":{\"ngcp:callqueues\":[{\"_links\":{\"self\":"
        "{\"href\":\"/api/callqueues/7\"}},\"queue\":["
        "{\"caller\":\"sip:1@x\"}," /* no call_id */
        "{\"call_id\":\"c1\",\"caller\":\"tel:+4912\",\"duration\":\"x\"},"
        "{\"call_id\":\"c2\",\"caller\":\"sip:@x\",\"duration\":-1},"
        "{\"call_id\":\"c3\",\"caller\":5},"
        "7,null]},"
        "{\"_links\":{\"self\":{\"href\":\"/api/callqueues/../x\"}},"
        "\"queue\":[{\"call_id\":\"c9\"}]}]}}";
    char *err = NULL;
    struct snapshot *s = ngcp_decode_queuecallers(body, sizeof body - 1, NOW_MS, false, &err);
    assert_non_null(s);
    assert_int_equal(snap_count(s), 3); /* the item without a usable self link is skipped */
    expect_field(s, "7/c1", QC_CALLER_NUM, "tel:+4912");
    expect_field(s, "7/c1", QC_POSITION, "2"); /* its place in the list, skipped ones too */
    assert_int_equal(waited_s(s, "7/c1"), -1);
    expect_field(s, "7/c2", QC_CALLER_NUM, "sip:@x");
    assert_int_equal(waited_s(s, "7/c2"), -1);
    expect_field(s, "7/c3", QC_CALLER_NUM, "5");
    snap_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jade_fixture),
        cmocka_unit_test(test_jade_wait_counts_from_the_update_on_jades_clock),
        cmocka_unit_test(test_jade_skips_what_cannot_be_shown),
        cmocka_unit_test(test_jade_hostile_text_kept_for_the_sanitiser),
        cmocka_unit_test(test_sark_fixture),
        cmocka_unit_test(test_issabel_fixture),
        cmocka_unit_test(test_ami_entry_variants),
        cmocka_unit_test(test_ami_repeated_caller_dropped),
        cmocka_unit_test(test_ngcp_fixture),
        cmocka_unit_test(test_ngcp_odd_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
