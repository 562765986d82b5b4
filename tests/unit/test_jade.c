/* net/backend_jade: decoding jade's channel list and login answers (fixture JSON in, model
 * out), with durations measured on the server's clock, and hostile or malformed bodies. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/backend_jade.h"
#include "net/model.h"
#include "tests/unit/testutil.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

/* 2024-03-01T10:00:00Z, and a local clock far from it: skew must cancel out. */
#define SERVER_S  1709287200LL
#define SERVER_TS "2024-03-01T10:00:00.25Z"
#define NOW_MS    1800000000123LL
#define DAY_S     86400LL

static char *read_fixture(const char *name, size_t *len)
{
    return test_fixture("jade", name, len);
}

static struct snapshot *decode_fixture(const char *name, bool keep_raw, char **err)
{
    size_t len;
    char *body = read_fixture(name, &len);
    *err = NULL;
    struct snapshot *s = jade_decode_channels(body, len, NOW_MS, keep_raw, err);
    free(body);
    return s;
}

static struct snapshot *decode(const char *body, char **err)
{
    *err = NULL;
    return jade_decode_channels(body, strlen(body), NOW_MS, false, err);
}

/* A channel list answer holding the given comma-separated channel objects. */
static char *channel_list(const char *timestamp, const char *objects)
{
    if (timestamp)
        return xasprintf("{\"api_ver\":\"0.1\",\"statuscode\":200,\"timestamp\":\"%s\","
                         "\"result\":{\"list\":[%s]}}",
                         timestamp, objects);
    return xasprintf("{\"api_ver\":\"0.1\",\"statuscode\":200,\"result\":{\"list\":[%s]}}",
                     objects);
}

/* Decode a list that must give exactly one record; returns its t0_ms. */
static int64_t t0_of(const char *timestamp, const char *object, int64_t now_ms)
{
    char *body = channel_list(timestamp, object);
    char *err = NULL;
    struct snapshot *s = jade_decode_channels(body, strlen(body), now_ms, false, &err);
    free(body);
    if (!s)
        fail_msg("refused: %s", err);
    assert_int_equal(snap_count(s), 1);
    int64_t t0 = snap_get(s, 0)->t0_ms;
    snap_free(s);
    return t0;
}

static void expect_refused(const char *body, size_t len, const char *needle)
{
    char *err = NULL;
    struct snapshot *s = jade_decode_channels(body, len, NOW_MS, true, &err);
    if (s) {
        snap_free(s);
        fail_msg("accepted: %.200s", body);
    }
    assert_non_null(err);
    assert_true(err[0] != '\0');
    if (needle && !strstr(err, needle))
        fail_msg("message '%s' lacks '%s'", err, needle);
    free(err);
}

static const char *field(const struct snapshot *s, size_t i, int f)
{
    return snap_get(s, i)->v[f];
}

static void test_fixture_channel_list(void **state)
{
    (void)state;
    char *err;
    struct snapshot *s = decode_fixture("core_channels_list.json", false, &err);
    assert_non_null(s);
    assert_null(err);
    assert_int_equal(snap_kind(s), KIND_CHANNELS);
    assert_int_equal(snap_count(s), 2);
    assert_int_equal(snap_duplicates(s), 0);

    long a = snap_find(s, "1513946896.7"), b = snap_find(s, "1513946901.8");
    assert_true(a >= 0);
    assert_true(b >= 0);
    assert_string_equal(snap_get(s, (size_t)a)->id, "1513946896.7");
    assert_string_equal(field(s, (size_t)a, CH_CHANNEL), "PJSIP/pjagent-01-00000007");
    assert_string_equal(field(s, (size_t)a, CH_STATE), "Ring");
    assert_string_equal(field(s, (size_t)a, CH_CALLER_NUM), "pjagent-01");
    assert_string_equal(field(s, (size_t)a, CH_CALLER_NAME), "pjagent-01");
    /* Asterisk's "<unknown>" is what the server said; it is kept as text */
    assert_string_equal(field(s, (size_t)a, CH_CONNECTED_NUM), "<unknown>");
    assert_string_equal(field(s, (size_t)a, CH_CONNECTED_NAME), "<unknown>");
    assert_string_equal(field(s, (size_t)a, CH_CONTEXT), "queue_sales");
    assert_string_equal(field(s, (size_t)a, CH_EXTEN), "s");
    assert_string_equal(field(s, (size_t)a, CH_APPLICATION), "Queue");

    assert_string_equal(field(s, (size_t)b, CH_CHANNEL), "PJSIP/2001-00000008");
    assert_string_equal(field(s, (size_t)b, CH_STATE), "Up");
    assert_string_equal(field(s, (size_t)b, CH_CALLER_NUM), "2001");
    assert_string_equal(field(s, (size_t)b, CH_CALLER_NAME), "Alice");
    assert_string_equal(field(s, (size_t)b, CH_CONNECTED_NUM), "2002");
    assert_string_equal(field(s, (size_t)b, CH_CONNECTED_NAME), "Bob");
    assert_string_equal(field(s, (size_t)b, CH_CONTEXT), "demo");
    assert_string_equal(field(s, (size_t)b, CH_EXTEN), "2002");
    assert_string_equal(field(s, (size_t)b, CH_APPLICATION), "Dial");

    /* "duration": null, so the start comes from the unique id's epoch against the envelope
     * timestamp 12:48:26: 10 s and 5 s ago on our clock */
    assert_int_equal(snap_get(s, (size_t)a)->t0_ms, NOW_MS - 10000);
    assert_int_equal(snap_get(s, (size_t)b)->t0_ms, NOW_MS - 5000);
    /* without keep_raw no raw JSON is kept */
    assert_null(snap_get(s, (size_t)a)->raw);
    snap_free(s);
}

static void test_fixture_keep_raw(void **state)
{
    (void)state;
    char *err;
    struct snapshot *s = decode_fixture("core_channels_list.json", true, &err);
    assert_non_null(s);
    long b = snap_find(s, "1513946901.8");
    assert_true(b >= 0);
    const char *raw = snap_get(s, (size_t)b)->raw;
    assert_non_null(raw);
    assert_non_null(strstr(raw, "\"application_data\":\"PJSIP/pjagent-02,30\""));
    assert_non_null(strstr(raw, "\"unique_id\":\"1513946901.8\""));
    assert_null(strstr(raw, "pjagent-01-00000007")); /* its own object only */
    snap_free(s);
}

static void test_fixture_empty_list(void **state)
{
    (void)state;
    char *err;
    struct snapshot *s = decode_fixture("core_channels_list_empty.json", false, &err);
    assert_non_null(s);
    assert_null(err);
    assert_int_equal(snap_count(s), 0);
    assert_int_equal(snap_find(s, "1513946896.7"), -1);
    snap_free(s);
}

static void test_fixture_error_envelopes(void **state)
{
    (void)state;
    static const struct {
        const char *file, *needle;
    } cases[] = {
        {"error_403_bad_or_expired_token.json", "403"},
        {"error_404_login_wrong_credentials.json", "404"},
        {"error_500_hangup_unknown_channel.json", "500"},
        /* a success envelope, but not a channel list */
        {"login_ok.json", NULL},
        {"core_channel_detail.json", NULL},
        {"core_channel_hangup_ok.json", NULL},
        {"logout_ok.json", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *body = read_fixture(cases[i].file, &len);
        expect_refused(body, len, cases[i].needle);
        free(body);
    }
}

static void test_t0_from_unique_id_and_server_clock(void **state)
{
    (void)state;
    /* created 60 s before the server's timestamp */
    char *obj = xasprintf("{\"unique_id\":\"%lld.12\",\"channel\":\"PJSIP/1-1\"}", SERVER_S - 60);
    assert_int_equal(t0_of(SERVER_TS, obj, NOW_MS), NOW_MS - 60000);
    /* our clock does not matter, only the difference on the server's */
    assert_int_equal(t0_of(SERVER_TS, obj, 5000000), 5000000 - 60000);
    free(obj);
    /* "system-EPOCH.SEQ" unique ids (Asterisk's systemname) */
    obj = xasprintf("{\"unique_id\":\"pbx-east-1-%lld.3\"}", SERVER_S - 3600);
    assert_int_equal(t0_of(SERVER_TS, obj, NOW_MS), NOW_MS - 3600000);
    free(obj);
    /* "duration": null is no duration */
    obj = xasprintf("{\"unique_id\":\"%lld.1\",\"duration\":null}", SERVER_S - 7);
    assert_int_equal(t0_of(SERVER_TS, obj, NOW_MS), NOW_MS - 7000);
    free(obj);
}

static void test_t0_without_server_timestamp(void **state)
{
    (void)state;
    /* no envelope timestamp: measured against our own clock */
    int64_t now = (SERVER_S + 30) * 1000 + 400;
    char *obj = xasprintf("{\"unique_id\":\"%lld.1\"}", SERVER_S);
    int64_t t0 = t0_of(NULL, obj, now);
    assert_true(t0 >= SERVER_S * 1000 - 1000 && t0 <= SERVER_S * 1000 + 1000);
    /* an unparseable timestamp is like none */
    t0 = t0_of("yesterday", obj, now);
    assert_true(t0 >= SERVER_S * 1000 - 1000 && t0 <= SERVER_S * 1000 + 1000);
    free(obj);
}

static void test_t0_explicit_duration_wins(void **state)
{
    (void)state;
    char *obj = xasprintf("{\"unique_id\":\"%lld.1\",\"duration\":42}", SERVER_S - 600);
    assert_int_equal(t0_of(SERVER_TS, obj, NOW_MS), NOW_MS - 42000);
    free(obj);
    obj = xasprintf("{\"duration\":0,\"unique_id\":\"%lld.1\"}", SERVER_S - 600);
    assert_int_equal(t0_of(SERVER_TS, obj, NOW_MS), NOW_MS);
    free(obj);
    /* a duration in a unique id that has no epoch */
    assert_int_equal(t0_of(SERVER_TS, "{\"unique_id\":\"abc.1\",\"duration\":9}", NOW_MS),
                     NOW_MS - 9000);
}

static void test_t0_absurd_values_unknown(void **state)
{
    (void)state;
    /* an explicit duration that is negative or past a week: unknown, not a guess */
    char *obj = xasprintf("{\"unique_id\":\"%lld.1\",\"duration\":-5}", SERVER_S - 60);
    assert_int_equal(t0_of(SERVER_TS, obj, NOW_MS), 0);
    free(obj);
    obj = xasprintf("{\"unique_id\":\"%lld.1\",\"duration\":%lld}", SERVER_S - 60, 7 * DAY_S + 1);
    assert_int_equal(t0_of(SERVER_TS, obj, NOW_MS), 0);
    free(obj);
    obj = xasprintf("{\"unique_id\":\"x\",\"duration\":-5}");
    assert_int_equal(t0_of(SERVER_TS, obj, NOW_MS), 0);
    free(obj);
    obj = xasprintf("{\"unique_id\":\"x\",\"duration\":%lld}", 8 * DAY_S);
    assert_int_equal(t0_of(SERVER_TS, obj, NOW_MS), 0);
    free(obj);
    /* six days is long but possible */
    obj = xasprintf("{\"unique_id\":\"x\",\"duration\":%lld}", 6 * DAY_S);
    assert_int_equal(t0_of(SERVER_TS, obj, NOW_MS), NOW_MS - 6 * DAY_S * 1000);
    free(obj);
    /* a unique id from the future of the server's clock, or from more than a week ago */
    obj = xasprintf("{\"unique_id\":\"%lld.1\"}", SERVER_S + 3600);
    assert_int_equal(t0_of(SERVER_TS, obj, NOW_MS), 0);
    free(obj);
    obj = xasprintf("{\"unique_id\":\"%lld.1\"}", SERVER_S - 8 * DAY_S);
    assert_int_equal(t0_of(SERVER_TS, obj, NOW_MS), 0);
    free(obj);
    /* unique ids that hold no epoch */
    assert_int_equal(t0_of(SERVER_TS, "{\"unique_id\":\"abc\"}", NOW_MS), 0);
    assert_int_equal(t0_of(SERVER_TS, "{\"unique_id\":\"0.5\"}", NOW_MS), 0);
}

static void test_not_json(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "<html><body>502 Bad Gateway</body></html>", "", "   \r\n", "null", "\"list\"", "42",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        expect_refused(bodies[i], strlen(bodies[i]), NULL);
    static const char bin[] = "\x00\xff\x1b[2J{";
    expect_refused(bin, sizeof bin - 1, NULL);
}

static void test_truncated_json(void **state)
{
    (void)state;
    size_t len;
    char *body = read_fixture("core_channels_list.json", &len);
    /* every cut of the answer is refused or, at worst, decoded without crashing */
    for (size_t cut = 0; cut < len - 2; cut += 7) {
        char *err = NULL;
        struct snapshot *s = jade_decode_channels(body, cut, NOW_MS, true, &err);
        if (s)
            fail_msg("a body cut at %zu of %zu bytes was accepted", cut, len);
        assert_non_null(err);
        free(err);
    }
    free(body);
}

static void test_wrong_shapes(void **state)
{
    (void)state;
    const char *top_array = "[{\"unique_id\":\"1.1\",\"channel\":\"PJSIP/1\"}]";
    expect_refused(top_array, strlen(top_array), NULL);
    static const char *const bodies[] = {
        "{\"statuscode\":200,\"result\":{\"list\":{\"unique_id\":\"1.1\"}}}",
        "{\"statuscode\":200,\"result\":{\"list\":\"[]\"}}",
        "{\"statuscode\":200,\"result\":{\"list\":null}}",
        "{\"statuscode\":200,\"result\":{}}",
        "{\"statuscode\":200,\"result\":[]}",
        "{\"statuscode\":200,\"result\":\"ok\"}",
        "{\"statuscode\":200}",
        "{\"statuscode\":\"403\",\"result\":{\"list\":[]}}",
        "{\"statuscode\":500,\"result\":{\"list\":[]}}",
        "{}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        expect_refused(bodies[i], strlen(bodies[i]), NULL);
}

static void test_elements_skipped(void **state)
{
    (void)state;
    char *err;
    struct snapshot *s =
        decode("{\"statuscode\":200,\"result\":{\"list\":["
               "1,\"1.1\",null,true,[],[{\"unique_id\":\"9.9\"}],"
               "{\"channel\":\"PJSIP/no-id\"},{\"unique_id\":\"\"},{\"unique_id\":null},"
               "{\"unique_id\":77},{\"unique_id\":{\"x\":1}},{\"Unique_Id\":\"5.5\"},"
               "{\"unique_id\":\"1700000000.1\",\"channel\":\"PJSIP/ok-1\"}]}}",
               &err);
    assert_non_null(s);
    assert_int_equal(snap_count(s), 1);
    assert_string_equal(snap_get(s, 0)->id, "1700000000.1");
    assert_string_equal(field(s, 0, CH_CHANNEL), "PJSIP/ok-1");
    assert_int_equal(snap_find(s, "9.9"), -1);
    assert_int_equal(snap_find(s, "5.5"), -1);
    snap_free(s);
}

static void test_numbers_where_strings_expected(void **state)
{
    (void)state;
    char *err;
    struct snapshot *s = decode("{\"statuscode\":200,\"result\":{\"list\":[{"
                                "\"unique_id\":\"1700000000.1\",\"channel\":\"PJSIP/x\","
                                "\"caller_id_num\":2001,\"caller_id_name\":true,"
                                "\"connected_line_num\":-0.5,\"connected_line_name\":null,"
                                "\"context\":{\"a\":1},\"exten\":100,\"application\":[\"Dial\"],"
                                "\"channel_state\":6}]}}",
                                &err);
    assert_non_null(s);
    assert_int_equal(snap_count(s), 1);
    assert_string_equal(field(s, 0, CH_CALLER_NUM), "2001");
    assert_string_equal(field(s, 0, CH_CALLER_NAME), "true");
    assert_string_equal(field(s, 0, CH_CONNECTED_NUM), "-0.5");
    assert_null(field(s, 0, CH_CONNECTED_NAME));
    assert_null(field(s, 0, CH_CONTEXT)); /* not a scalar: no value, not "[object]" */
    assert_string_equal(field(s, 0, CH_EXTEN), "100");
    assert_null(field(s, 0, CH_APPLICATION));
    /* without a description the numeric state is named */
    assert_string_equal(field(s, 0, CH_STATE), "Up");
    snap_free(s);

    s = decode("{\"statuscode\":200,\"result\":{\"list\":["
               "{\"unique_id\":\"1.1\",\"channel_state\":\"4\"},"
               "{\"unique_id\":\"1.2\",\"channel_state\":99},"
               "{\"unique_id\":\"1.3\",\"channel_state\":5,\"channel_state_desc\":\"\"}]}}",
               &err);
    assert_non_null(s);
    assert_int_equal(snap_count(s), 3);
    assert_string_equal(field(s, (size_t)snap_find(s, "1.1"), CH_STATE), "Ring");
    assert_null(field(s, (size_t)snap_find(s, "1.2"), CH_STATE));
    assert_string_equal(field(s, (size_t)snap_find(s, "1.3"), CH_STATE), "Ringing");
    snap_free(s);
}

static void test_hostile_text_kept_for_the_sanitiser(void **state)
{
    (void)state;
    /* the decoder stores what the server said; escaping is the display's job, so the text
     * must arrive intact */
    char *err;
    struct snapshot *s =
        decode("{\"statuscode\":200,\"result\":{\"list\":[{"
               "\"unique_id\":\"1.1\",\"caller_id_name\":\"Zo\\u001b]2;PWNED\\u0007\","
               "\"channel\":\"PJSIP/\\u202e1-1\"}]}}",
               &err);
    assert_non_null(s);
    assert_string_equal(field(s, 0, CH_CALLER_NAME), "Zo\x1b]2;PWNED\a");
    assert_string_equal(field(s, 0, CH_CHANNEL), "PJSIP/\xe2\x80\xae"
                                                 "1-1");
    snap_free(s);
}

static void test_duplicate_unique_ids(void **state)
{
    (void)state;
    char *err;
    struct snapshot *s = decode("{\"statuscode\":200,\"result\":{\"list\":["
                                "{\"unique_id\":\"1.1\",\"channel\":\"first\"},"
                                "{\"unique_id\":\"1.2\",\"channel\":\"other\"},"
                                "{\"unique_id\":\"1.1\",\"channel\":\"second\"},"
                                "{\"unique_id\":\"1.1\",\"channel\":\"third\"}]}}",
                                &err);
    assert_non_null(s);
    assert_int_equal(snap_count(s), 2);
    assert_int_equal(snap_duplicates(s), 2);
    long i = snap_find(s, "1.1");
    assert_true(i >= 0);
    assert_string_equal(field(s, (size_t)i, CH_CHANNEL), "first");
    assert_true(snap_find(s, "1.2") >= 0);
    snap_free(s);
}

/* Run fn in a child process and return its wait status (a crash must not take the other
 * tests with it, with or without ASan). */
static int run_in_child(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* die of the signal here rather than in cmocka's handler, which would go on to run
         * the remaining tests in this child */
        static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGSYS, SIGABRT};
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            (void)signal(sigs[i], SIG_DFL);
        fn();
        _exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return st;
}

/* The same key twice in one object (JSON does not forbid it); the last one is not a
 * string. */
static void decode_repeated_key(void)
{
    const char *body = "{\"statuscode\":200,\"result\":{\"list\":["
                       "{\"unique_id\":\"1.1\",\"channel\":\"PJSIP/a\",\"unique_id\":7},"
                       "{\"unique_id\":\"1.2\",\"channel\":\"PJSIP/b\"}]}}";
    char *err = NULL;
    struct snapshot *s = jade_decode_channels(body, strlen(body), NOW_MS, false, &err);
    int rc = 0;
    /* whatever it makes of the odd object, the other channel is there and ids are text */
    if (!s || snap_find(s, "1.2") < 0)
        rc = 1;
    for (size_t i = 0; s && i < snap_count(s); i++) {
        if (!snap_get(s, i)->id)
            rc = 1;
    }
    snap_free(s);
    free(err);
    _exit(rc);
}

static void test_repeated_key_in_object(void **state)
{
    (void)state;
    int st = run_in_child(decode_repeated_key);
    if (WIFSIGNALED(st))
        fail_msg("jade_decode_channels was killed by signal %d on an object holding "
                 "\"unique_id\" twice (a string, then a number)",
                 WTERMSIG(st));
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail_msg("jade_decode_channels lost the other channel or gave a NULL id (exit %d)",
                 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static void test_many_channels(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 1u << 26);
    (void)strbuf_addf(&sb, "{\"statuscode\":200,\"timestamp\":\"%s\",\"result\":{\"list\":[",
                      SERVER_TS);
    for (int i = 0; i < 10000; i++) {
        assert_int_equal(strbuf_addf(&sb,
                                     "%s{\"unique_id\":\"%lld.%d\",\"channel\":\"PJSIP/%d-%08x\","
                                     "\"channel_state_desc\":\"Up\",\"caller_id_num\":\"%d\"}",
                                     i ? "," : "", SERVER_S - (i % 3600), i, 1000 + i % 900,
                                     (unsigned)i, i),
                         0);
    }
    (void)strbuf_adds(&sb, "]}}");
    char *err = NULL;
    struct snapshot *s = jade_decode_channels(sb.buf, sb.len, NOW_MS, true, &err);
    strbuf_done(&sb);
    assert_non_null(s);
    assert_int_equal(snap_count(s), 10000);
    assert_int_equal(snap_duplicates(s), 0);
    for (int i = 0; i < 10000; i++) {
        char id[48];
        (void)snprintf(id, sizeof id, "%lld.%d", SERVER_S - (i % 3600), i);
        long at = snap_find(s, id);
        if (at < 0)
            fail_msg("channel %s not found", id);
        char num[16];
        (void)snprintf(num, sizeof num, "%d", i);
        assert_string_equal(field(s, (size_t)at, CH_CALLER_NUM), num);
        assert_int_equal(snap_get(s, (size_t)at)->t0_ms, NOW_MS - (int64_t)(i % 3600) * 1000);
    }
    snap_free(s);
}

static void test_login_ok(void **state)
{
    (void)state;
    size_t len;
    char *body = read_fixture("login_ok.json", &len);
    char *err = NULL;
    char *tok = jade_decode_login(body, len, &err);
    assert_non_null(tok);
    assert_string_equal(tok, "7ac326bf-e146-493a-b9c7-bfb990264b59");
    free(tok);
    free(body);
}

static void test_login_refused(void **state)
{
    (void)state;
    static const char *const bad_tokens[] = {
        "\"\"",
        "\"7ac326bf/../../admin\"",
        "\"7ac326bf&authtoken=other\"",
        "\"7ac326bf e146\"",
        "\"7ac326bf\\r\\nX-Injected: 1\"",
        "\"7ac326bf%2F\"",
        "\"7ac326bf?x\"",
        "\"\\u001b]2;x\\u0007\"",
        "\"zzzz-not-hex\"",
        "12345",
        "null",
        "{\"t\":\"abc\"}",
        "[\"7ac326bf\"]",
        "true",
    };
    for (size_t i = 0; i < sizeof bad_tokens / sizeof bad_tokens[0]; i++) {
        char *body = xasprintf("{\"api_ver\":\"0.1\",\"statuscode\":200,"
                               "\"result\":{\"authtoken\":%s}}",
                               bad_tokens[i]);
        char *err = NULL;
        char *tok = jade_decode_login(body, strlen(body), &err);
        if (tok)
            fail_msg("token %s accepted as '%s'", bad_tokens[i], tok);
        assert_non_null(err);
        free(err);
        free(body);
    }
    /* a very long token */
    struct strbuf sb;
    strbuf_init(&sb, 1u << 20);
    (void)strbuf_adds(&sb, "{\"statuscode\":200,\"result\":{\"authtoken\":\"");
    for (int i = 0; i < 5000; i++)
        (void)strbuf_addc(&sb, 'a');
    (void)strbuf_adds(&sb, "\"}}");
    char *err = NULL;
    char *tok = jade_decode_login(sb.buf, sb.len, &err);
    assert_null(tok);
    free(err);
    strbuf_done(&sb);

    static const char *const files[] = {"error_404_login_wrong_credentials.json",
                                        "error_403_bad_or_expired_token.json",
                                        "core_channels_list.json", "logout_ok.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t len;
        char *body = read_fixture(files[i], &len);
        err = NULL;
        tok = jade_decode_login(body, len, &err);
        if (tok)
            fail_msg("%s gave a token", files[i]);
        assert_non_null(err);
        free(err);
        free(body);
    }
    err = NULL;
    assert_null(jade_decode_login("not json", 8, &err));
    assert_non_null(err);
    free(err);
}

static void test_valid_channel_id(void **state)
{
    (void)state;
    assert_true(jade_valid_channel_id("1513946896.7"));
    assert_true(jade_valid_channel_id("pbx-east_1-1513946896.7"));
    assert_false(jade_valid_channel_id(""));
    assert_false(jade_valid_channel_id("../admin"));
    assert_false(jade_valid_channel_id("1.2/3"));
    assert_false(jade_valid_channel_id("1.2?authtoken=x"));
    assert_false(jade_valid_channel_id("1.2&x=1"));
    assert_false(jade_valid_channel_id("1.2%2F"));
    assert_false(jade_valid_channel_id("1 2"));
    assert_false(jade_valid_channel_id("1.2\n"));
    assert_false(jade_valid_channel_id("1.2#x"));
    assert_false(jade_valid_channel_id("\xc3\xa9"));
    char id[200];
    memset(id, '7', sizeof id);
    id[128] = '\0';
    assert_true(jade_valid_channel_id(id));
    id[128] = '7';
    id[129] = '\0';
    assert_false(jade_valid_channel_id(id));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_channel_list),
        cmocka_unit_test(test_fixture_keep_raw),
        cmocka_unit_test(test_fixture_empty_list),
        cmocka_unit_test(test_fixture_error_envelopes),
        cmocka_unit_test(test_t0_from_unique_id_and_server_clock),
        cmocka_unit_test(test_t0_without_server_timestamp),
        cmocka_unit_test(test_t0_explicit_duration_wins),
        cmocka_unit_test(test_t0_absurd_values_unknown),
        cmocka_unit_test(test_not_json),
        cmocka_unit_test(test_truncated_json),
        cmocka_unit_test(test_wrong_shapes),
        cmocka_unit_test(test_elements_skipped),
        cmocka_unit_test(test_numbers_where_strings_expected),
        cmocka_unit_test(test_hostile_text_kept_for_the_sanitiser),
        cmocka_unit_test(test_duplicate_unique_ids),
        cmocka_unit_test(test_repeated_key_in_object),
        cmocka_unit_test(test_many_channels),
        cmocka_unit_test(test_login_ok),
        cmocka_unit_test(test_login_refused),
        cmocka_unit_test(test_valid_channel_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
