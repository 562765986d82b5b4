/* net/backend_sark: every fixture of tests/fixtures/sark decoded or mapped, SARK's value-type
 * quirks normalised, the write requests built from changes (compared with the fixtures'
 * request bodies), answers mapped to outcomes, and hostile or malformed bodies refused
 * cleanly. */
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

#include "net/backend_sark.h"
#include "net/model.h"
#include "tests/unit/testutil.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

#define NOW_MS 1800000000123LL

static char *read_fixture(const char *name, size_t *len)
{
    return test_fixture("sark", name, len);
}

static const char *field(const struct snapshot *s, const char *id, int f)
{
    long i = snap_find(s, id);
    if (i < 0)
        fail_msg("no record '%s'", id);
    return snap_get(s, (size_t)i)->v[f];
}

static void expect_field(const struct snapshot *s, const char *id, int f, const char *want)
{
    const char *got = field(s, id, f);
    if (!want && got)
        fail_msg("%s field %d: '%s', expected null", id, f, got);
    if (want && (!got || strcmp(got, want) != 0))
        fail_msg("%s field %d: '%s', expected '%s'", id, f, got ? got : "(null)", want);
}

typedef struct snapshot *(*table_fn)(const char *, size_t, bool, char **);

static struct snapshot *table_fixture(table_fn fn, const char *name, bool raw)
{
    size_t len;
    char *body = read_fixture(name, &len);
    char *err = NULL;
    struct snapshot *s = fn(body, len, raw, &err);
    free(body);
    if (!s)
        fail_msg("%s refused: %s", name, err);
    assert_null(err);
    return s;
}

static struct snapshot *ami_fixture(enum kind k, long status, const char *name, char **err)
{
    size_t len;
    char *body = read_fixture(name, &len);
    *err = NULL;
    struct snapshot *s = sark_decode_ami(k, status, body, len, NOW_MS, false, err);
    free(body);
    return s;
}

/* ---------------------------------------------------------------- fixtures */

static void test_extensions_list(void **state)
{
    (void)state;
    struct snapshot *s = table_fixture(sark_decode_extensions, "extensions_list.json", false);
    assert_int_equal(snap_kind(s), KIND_EXTENSIONS);
    assert_int_equal(snap_count(s), 2);
    expect_field(s, "1001", EXT_EXTENSION, "1001");
    expect_field(s, "1001", EXT_NAME, "Reception");
    expect_field(s, "1001", EXT_ENABLED, "true");   /* "YES" */
    expect_field(s, "1001", EXT_VOICEMAIL, "true"); /* dvrvmail "1001" */
    expect_field(s, "1001", EXT_CALLERID, "1001");
    expect_field(s, "1001", EXT_CONTEXT, NULL); /* SARK has no per-extension context */
    expect_field(s, "1001", EXT_TECH, "SIP");
    expect_field(s, "1002", EXT_NAME, "Ext1002");
    expect_field(s, "1002", EXT_VOICEMAIL, "false"); /* dvrvmail null */
    expect_field(s, "1002", EXT_CALLERID, NULL);
    assert_null(snap_get(s, 0)->raw);
    snap_free(s);
}

static void test_extensions_keep_raw(void **state)
{
    (void)state;
    struct snapshot *s = table_fixture(sark_decode_extensions, "extensions_list.json", true);
    const char *raw = snap_get(s, (size_t)snap_find(s, "1001"))->raw;
    assert_non_null(raw);
    assert_non_null(strstr(raw, "\"macaddr\":\"805ec0a1b2c3\""));
    assert_null(strstr(raw, "Ext1002"));
    snap_free(s);
}

static void test_ringgroups_list(void **state)
{
    (void)state;
    struct snapshot *s =
        table_fixture(sark_decode_ringgroups, "ringgroups_list_l7_l10.json", false);
    assert_int_equal(snap_kind(s), KIND_RINGGROUPS);
    assert_int_equal(snap_count(s), 2);
    expect_field(s, "500", RG_EXTENSION, "500");
    expect_field(s, "500", RG_NAME, "Sales hunt group"); /* longdesc wins */
    expect_field(s, "500", RG_STRATEGY, "Ring");
    expect_field(s, "500", RG_RING_TIME, "20"); /* "20" */
    expect_field(s, "500", RG_MEMBERS,
                 "1001\x1f"
                 "1002\x1f"
                 "1003");
    expect_field(s, "501", RG_NAME, "Support"); /* longdesc null: desc */
    expect_field(s, "501", RG_STRATEGY, "Hunt");
    expect_field(s, "501", RG_RING_TIME, "30");
    expect_field(s, "501", RG_MEMBERS,
                 "1004\x1f"
                 "1005");
    snap_free(s);
}

static void test_single_objects_are_not_lists(void **state)
{
    (void)state;
    static const char *const files[] = {"extension_detail.json", "queue_detail.json",
                                        "extension_create_unprovisioned_201.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t len;
        char *body = read_fixture(files[i], &len);
        char *err = NULL;
        assert_null(sark_decode_extensions(body, len, false, &err));
        assert_non_null(strstr(err, "object where SARK sends a list"));
        free(err);
        err = NULL;
        assert_null(sark_decode_ringgroups(body, len, false, &err));
        assert_non_null(err);
        free(err);
        free(body);
    }
}

static void test_other_lists_give_no_records(void **state)
{
    (void)state;
    /* queues and agents are lists of pkey rows too: they decode, but as what they are not */
    struct snapshot *s = table_fixture(sark_decode_extensions, "queues_list.json", false);
    assert_int_equal(snap_count(s), 1);
    expect_field(s, "sales", EXT_NAME, NULL);
    snap_free(s);
    s = table_fixture(sark_decode_extensions, "agents_list.json", false);
    assert_int_equal(snap_count(s), 1);
    snap_free(s);
}

static void test_channels(void **state)
{
    (void)state;
    char *err;
    struct snapshot *s = ami_fixture(KIND_CHANNELS, 200, "astamis_coreshowchannels.json", &err);
    assert_non_null(s);
    assert_null(err);
    assert_int_equal(snap_count(s), 2); /* the response header is not a channel */
    const char *a = "PJSIP/1001-0000000a", *b = "PJSIP/1002-0000000b";
    expect_field(s, a, CH_CHANNEL, a);
    expect_field(s, a, CH_STATE, "Up");
    expect_field(s, a, CH_CALLER_NUM, "1001");
    expect_field(s, a, CH_CALLER_NAME, "Reception");
    expect_field(s, a, CH_CONNECTED_NUM, "1002");
    expect_field(s, a, CH_CONTEXT, "internal");
    expect_field(s, a, CH_EXTEN, "1002");
    expect_field(s, a, CH_APPLICATION, "Dial");
    expect_field(s, b, CH_APPLICATION, "AppDial");
    expect_field(s, b, CH_EXTEN, "");
    /* Duration "00:01:12" */
    assert_int_equal(snap_get(s, (size_t)snap_find(s, a))->t0_ms, NOW_MS - 72000);
    assert_int_equal(snap_get(s, (size_t)snap_find(s, b))->t0_ms, NOW_MS - 70000);
    snap_free(s);
}

static void test_queue_status(void **state)
{
    (void)state;
    char *err;
    struct snapshot *m = ami_fixture(KIND_QUEUEMEMBERS, 200, "astamis_queuestatus_list.json", &err);
    assert_non_null(m);
    assert_int_equal(snap_count(m), 2);
    const char *alice = "Local/1001@agents/n@sales", *bob = "PJSIP/1003@sales";
    expect_field(m, alice, QM_QUEUE, "sales");
    expect_field(m, alice, QM_INTERFACE, "Local/1001@agents/n");
    expect_field(m, alice, QM_NAME, "Alice");
    expect_field(m, alice, QM_STATUS, "Not in use");
    expect_field(m, alice, QM_PAUSED, "false");
    expect_field(m, alice, QM_CALLS_TAKEN, "7");
    expect_field(m, bob, QM_PAUSED, "true");
    expect_field(m, bob, QM_PAUSED_REASON, "lunch");
    expect_field(m, bob, QM_PENALTY, "1");
    expect_field(m, bob, QM_IN_CALL, "false");
    snap_free(m);

    struct snapshot *q = ami_fixture(KIND_QUEUES, 200, "astamis_queuestatus_list.json", &err);
    assert_non_null(q);
    assert_int_equal(snap_count(q), 1);
    expect_field(q, "sales", Q_STRATEGY, "ringall");
    expect_field(q, "sales", Q_CALLS, "1");
    expect_field(q, "sales", Q_COMPLETED, "12");
    expect_field(q, "sales", Q_ABANDONED, "1");
    expect_field(q, "sales", Q_HOLD_TIME, "4");
    expect_field(q, "sales", Q_TALK_TIME, "95");
    snap_free(q);
}

static void test_empty_ami_list_is_empty_view(void **state)
{
    (void)state;
    static const enum kind kinds[] = {KIND_CHANNELS, KIND_QUEUEMEMBERS, KIND_QUEUES};
    for (size_t i = 0; i < 3; i++) {
        char *err;
        struct snapshot *s = ami_fixture(kinds[i], 404, "astamis_empty_404.json", &err);
        assert_non_null(s);
        assert_null(err);
        assert_int_equal(snap_kind(s), kinds[i]);
        assert_int_equal(snap_count(s), 0);
        snap_free(s);
    }
    size_t len;
    char *body = read_fixture("astamis_empty_404.json", &len);
    assert_true(sark_is_empty_ami(404, body, len));
    assert_false(sark_is_empty_ami(200, body, len)); /* only SARK's 404 means "empty" */
    free(body);
}

static void test_ami_errors(void **state)
{
    (void)state;
    static const struct {
        long status;
        const char *file, *needle;
    } cases[] = {
        {503, "astamis_pbx_not_running_503.json", "HTTP 503: PBX not running"},
        {404, "astamis_invalid_action_404.json", "HTTP 404: AMI Action invalid or unsupported"},
        {404, "error_l11_fallback_404_bad_token_or_unknown_route.json", "Unauthorised"},
        {429, "error_429_throttled_l7_l10.json", "HTTP 429: Too Many Attempts."},
        /* QueueStatus/{queue} flattens every event into one object: not usable */
        {200, "astamis_queuestatus_single_flattened.json", "object where SARK sends a list"},
        {200, "astamis_hangup_ok.json", "object"},
        {200, "astamis_reload_ok.json", "object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *err;
        struct snapshot *s = ami_fixture(KIND_CHANNELS, cases[i].status, cases[i].file, &err);
        if (s)
            fail_msg("%s accepted", cases[i].file);
        if (!err || !strstr(err, cases[i].needle))
            fail_msg("%s: message '%s' lacks '%s'", cases[i].file, err, cases[i].needle);
        free(err);
    }
}

static void test_503_with_trailing_junk(void **state)
{
    (void)state;
    const char *body = "{\"message\":\"PBX not running\"}\n<br />\n<b>Warning</b>:  fputs(): "
                       "not a valid stream resource in <b>Ami.php</b><br />\n";
    char *err = NULL;
    assert_null(sark_decode_ami(KIND_CHANNELS, 503, body, strlen(body), NOW_MS, false, &err));
    assert_string_equal(err, "HTTP 503: PBX not running");
    free(err);
    char *t = sark_error_text(body, strlen(body));
    assert_string_equal(t, "PBX not running");
    free(t);
    const char *empty = "{\"message\":\"Empty Object set returned from AMI\"}trailing";
    assert_true(sark_is_empty_ami(404, empty, strlen(empty)));
}

static void test_ami_header_error(void **state)
{
    (void)state;
    const char *body = "[{\"Response\":\"Error\",\"Message\":\"Permission denied\"}]";
    char *err = NULL;
    assert_null(sark_decode_ami(KIND_QUEUES, 200, body, strlen(body), NOW_MS, false, &err));
    assert_string_equal(err, "AMI answered Error: Permission denied");
    free(err);
}

static void test_auth_404_recognised_exactly(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        bool auth;
    } cases[] = {
        {"error_l11_fallback_404_bad_token_or_unknown_route.json", true},
        {"error_404_model_not_found.json", false},
        {"error_l7_l10_fallback_404.json", false},
        {"astamis_empty_404.json", false},
        {"astamis_invalid_action_404.json", false},
        {"error_401_unauthenticated.json", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *body = read_fixture(cases[i].file, &len);
        if (sark_is_auth_404(404, body, len) != cases[i].auth)
            fail_msg("%s: auth %d expected", cases[i].file, cases[i].auth);
        assert_false(sark_is_auth_404(200, body, len));
        free(body);
    }
    assert_false(sark_is_auth_404(404, "", 0));
    assert_false(sark_is_auth_404(404, "<html>404</html>", 16));
}

static void test_error_texts(void **state)
{
    (void)state;
    static const struct {
        const char *file, *want;
    } cases[] = {
        {"extension_validation_422.json",
         "active: The selected active is invalid.; cluster: The selected cluster is invalid."},
        {"extension_create_duplicate_422.json", "save: Duplicate Key - 1001"},
        {"auth_login_validation_422.json",
         "email: The email field is required.; password: The password field is required."},
        {"auth_login_bad_credentials_401.json", "Unauthorized"},
        {"error_401_unauthenticated.json", "Unauthenticated."},
        {"error_404_model_not_found.json",
         "No query results for model [App\\Models\\Extension] 9999"},
        {"error_429_throttled_l7_l10.json", "Too Many Attempts."},
        {"syscommands_commit_ok.json", "System Commit issued"},
        {"auth_logout_ok.json", "Successfully logged out"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *body = read_fixture(cases[i].file, &len);
        char *t = sark_error_text(body, len);
        if (!t || strcmp(t, cases[i].want) != 0)
            fail_msg("%s: '%s', expected '%s'", cases[i].file, t, cases[i].want);
        free(t);
        free(body);
    }
    size_t len;
    char *body = read_fixture("extension_conflict_409.json", &len);
    char *t = sark_error_text(body, len);
    assert_non_null(t);
    assert_true(strncmp(t, "SQLSTATE[23000]: Integrity constraint violation", 47) == 0);
    free(t);
    free(body);
    assert_null(sark_error_text("", 0));
    assert_null(sark_error_text("<html>", 6));
    assert_null(sark_error_text("[1,2]", 5));
    assert_null(sark_error_text("{}", 2));
}

/* ---------------------------------------------------------------- login */

static void test_login(void **state)
{
    (void)state;
    size_t len;
    char *body = read_fixture("auth_login_ok.json", &len);
    char *err = NULL;
    char *tok = sark_decode_login(body, len, &err);
    assert_string_equal(tok, "12|u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzd69838e04");
    assert_null(err);
    free(tok);
    free(body);

    static const char *const bad[] = {
        "{\"accessToken\":\"u8jzPde0IgxLd6GncfBAepfJ\"}", /* no '|': SARK would 500 */
        "{\"accessToken\":\"12|\"}",
        "{\"accessToken\":\"|abc\"}",
        "{\"accessToken\":\"12|a b\"}",
        "{\"accessToken\":\"12|a\\r\\nX-Evil: 1\"}",
        "{\"accessToken\":12}",
        "{\"token_type\":\"Bearer\"}",
        "[]",
        "not json",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err = NULL;
        tok = sark_decode_login(bad[i], strlen(bad[i]), &err);
        if (tok)
            fail_msg("accepted '%s'", bad[i]);
        assert_non_null(err);
        free(err);
    }
    char *huge = xmalloc(400);
    memcpy(huge, "{\"accessToken\":\"1|", 18);
    memset(huge + 18, 'a', 300);
    memcpy(huge + 318, "\"}", 3);
    err = NULL;
    assert_null(sark_decode_login(huge, strlen(huge), &err));
    free(err);
    free(huge);
}

static void test_variants(void **state)
{
    (void)state;
    assert_int_equal(sark_parse_variant("L7"), SARK_L7);
    assert_int_equal(sark_parse_variant("l10"), SARK_L10);
    assert_int_equal(sark_parse_variant("L11"), SARK_L11);
    assert_int_equal(sark_parse_variant("L12"), SARK_NONE);
    assert_int_equal(sark_parse_variant(""), SARK_NONE);
    assert_int_equal(sark_parse_variant(NULL), SARK_NONE);
}

/* ---------------------------------------------------------------- hangup */

static void test_hangup_path(void **state)
{
    (void)state;
    char *p = sark_hangup_path("PJSIP/1001-0000000a");
    assert_string_equal(p, "/astamis/Hangup/PJSIP/1001-0000000a");
    free(p);
    p = sark_hangup_path("Local/1001@agents-00000012;1");
    assert_string_equal(p, "/astamis/Hangup/Local/1001%40agents-00000012%3B1");
    free(p);
    p = sark_hangup_path("IAX2/trunk-42");
    assert_string_equal(p, "/astamis/Hangup/IAX2/trunk-42");
    free(p);
    static const char *const bad[] = {
        "",           "PJSIP",      "PJSIP/",         "/1001-1", "PJSIP/1001/x",
        "PJ SIP/1",   "PJSIP/a b",  "PJSIP/..",       "PJSIP/.", "PJ%53IP/1",
        "PJSIP/a\nb", "PJSIP/\x7f", "PJSIP/\xc3\xa9", "../x/y",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = sark_hangup_path(bad[i]);
        if (p)
            fail_msg("'%s' became '%s'", bad[i], p);
    }
    char id[200];
    memcpy(id, "PJSIP/", 6);
    memset(id + 6, 'x', sizeof id - 6);
    id[sizeof id - 1] = '\0';
    assert_null(sark_hangup_path(id));
}

static void test_valid_ids(void **state)
{
    (void)state;
    assert_true(sark_valid_channel("PJSIP/1001-0000000a"));
    assert_true(sark_valid_channel("Local/1001@agents-00000012;1"));
    assert_false(sark_valid_channel("PJSIP"));
    assert_false(sark_valid_channel("PJSIP/x/y"));
    assert_true(sark_valid_key("1001"));
    assert_true(sark_valid_key("sales-2"));
    static const char *const bad[] = {"",    ".",   "..",   "a/b",  "a b",     "a%2Fb",
                                      "a?b", "a#b", "a\\b", "\x7f", "\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (sark_valid_key(bad[i]))
            fail_msg("key '%s' accepted", bad[i]);
    }
    char key[80];
    memset(key, '1', sizeof key);
    key[64] = '\0';
    assert_true(sark_valid_key(key));
    key[64] = '1';
    key[65] = '\0';
    assert_false(sark_valid_key(key));
}

/* APP_DEBUG=true adds exception, file, line and trace: the message is still the message. */
static void test_debug_error_body(void **state)
{
    (void)state;
    const char *body = "{\"message\":\"No query results for model [App\\\\Extension] 7\","
                       "\"exception\":\"Symfony\\\\Component\\\\HttpKernel\",\"file\":\"x.php\","
                       "\"line\":487,\"trace\":[{\"file\":\"y.php\"}]}";
    char *t = sark_error_text(body, strlen(body));
    assert_string_equal(t, "No query results for model [App\\Extension] 7");
    free(t);
    char *msg = NULL;
    assert_int_equal(sark_map_write_answer(OP_DELETE, 404, body, strlen(body), &msg), ACT_GONE);
    free(msg);
}

static enum act_outcome hangup_fixture(long status, const char *file, char **msg)
{
    size_t len;
    char *body = read_fixture(file, &len);
    enum act_outcome o = sark_map_hangup_answer(status, body, len, msg);
    free(body);
    return o;
}

static void test_hangup_answers(void **state)
{
    (void)state;
    char *msg;
    assert_int_equal(hangup_fixture(200, "astamis_hangup_ok.json", &msg), ACT_OK);
    assert_string_equal(msg, "hung up");
    free(msg);
    assert_int_equal(hangup_fixture(200, "astamis_hangup_no_such_channel.json", &msg), ACT_GONE);
    free(msg);
    assert_int_equal(hangup_fixture(503, "astamis_pbx_not_running_503.json", &msg), ACT_FAILED);
    assert_non_null(strstr(msg, "PBX not running"));
    free(msg);
    const char *other = "{\"x\":\"Response: Error\\r\\nMessage: Permission denied\\r\\n\\r\\n\"}";
    assert_int_equal(sark_map_hangup_answer(200, other, strlen(other), &msg), ACT_FAILED);
    assert_string_equal(msg, "Asterisk refused the hangup: Permission denied");
    free(msg);
    static const char *const junk[] = {"", "[]", "{}", "{\"x\":5}", "nonsense", "{\"x\":\"\"}"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        assert_int_equal(sark_map_hangup_answer(200, junk[i], strlen(junk[i]), &msg), ACT_FAILED);
        free(msg);
    }
    const char *l10 = "{\"message\":\"Method AstAmiController::hangup does not exist.\"}";
    assert_int_equal(sark_map_hangup_answer(500, l10, strlen(l10), &msg), ACT_FAILED);
    assert_non_null(strstr(msg, "HTTP 500"));
    free(msg);
}

/* ---------------------------------------------------------------- writes */

/* True when the two JSON texts hold the same value. */
static void expect_json(const char *got, const char *want)
{
    cJSON *a = cJSON_Parse(got), *b = cJSON_Parse(want);
    if (!a || !b || !cJSON_Compare(a, b, true))
        fail_msg("JSON differs:\n got  %s\n want %s", got ? got : "(null)", want);
    cJSON_Delete(a);
    cJSON_Delete(b);
}

static void expect_json_fixture(const char *got, const char *file)
{
    size_t len;
    char *want = read_fixture(file, &len);
    expect_json(got, want);
    free(want);
}

#define CHANGE(op_, kind_, id_, names_, values_)                                               \
    {                                                                                          \
        .op = op_, .kind = kind_, .id = id_, .nvalues = (int)(sizeof names_ / sizeof *names_), \
        .names = names_, .values = values_                                                     \
    }

static void test_extension_create(void **state)
{
    (void)state;
    static const char *const names[] = {"extension", "cluster"};
    static const char *const values[] = {"1005", "default"};
    struct change c = CHANGE(OP_CREATE, KIND_EXTENSIONS, NULL, names, values);
    struct sark_write w;
    char *err;
    assert_int_equal(sark_build_write(&c, &w, &err), 0);
    assert_string_equal(w.method, "POST");
    assert_string_equal(w.path, "/extensions/unprovisioned");
    expect_json_fixture(w.body, "extension_create_unprovisioned_request.json");
    assert_null(w.then_put);
    assert_string_equal(w.key, "1005");
    sark_write_done(&w);
}

static void test_extension_create_defaults_and_then_put(void **state)
{
    (void)state;
    /* cluster left to its default; the fields a typed create does not take follow in a PUT */
    static const char *const names[] = {"extension", "type", "enabled", "callerid", "transport"};
    static const char *const values[] = {"1005", "webrtc", "false", "441234567890", "tcp"};
    struct change c = CHANGE(OP_CREATE, KIND_EXTENSIONS, NULL, names, values);
    struct sark_write w;
    char *err;
    assert_int_equal(sark_build_write(&c, &w, &err), 0);
    assert_string_equal(w.path, "/extensions/webrtc");
    expect_json(w.body, "{\"pkey\":\"1005\",\"cluster\":\"default\"}");
    expect_json_fixture(w.then_put, "extension_update_request.json");
    sark_write_done(&w);
}

static void test_extension_create_provisioned(void **state)
{
    (void)state;
    static const char *const names[] = {"extension", "type", "macaddr"};
    static const char *const values[] = {"1011", "provisioned", "805EC0010203"};
    struct change c = CHANGE(OP_CREATE, KIND_EXTENSIONS, NULL, names, values);
    struct sark_write w;
    char *err;
    assert_int_equal(sark_build_write(&c, &w, &err), 0);
    assert_string_equal(w.path, "/extensions/provisioned");
    expect_json(w.body, "{\"pkey\":\"1011\",\"cluster\":\"default\",\"macaddr\":\"805EC0010203\"}");
    sark_write_done(&w);

    /* provisioned without a MAC, and a MAC on a type that takes none */
    struct change c2 = CHANGE(OP_CREATE, KIND_EXTENSIONS, NULL, names, values);
    c2.nvalues = 2;
    assert_int_equal(sark_build_write(&c2, &w, &err), -1);
    assert_string_equal(err, "macaddr: required to create a provisioned extension");
    free(err);
    static const char *const v3[] = {"1011", "mailbox", "805ec0010203"};
    struct change c3 = CHANGE(OP_CREATE, KIND_EXTENSIONS, NULL, names, v3);
    assert_int_equal(sark_build_write(&c3, &w, &err), -1);
    assert_non_null(strstr(err, "only a provisioned extension"));
    free(err);
}

static void test_extension_update_delete(void **state)
{
    (void)state;
    static const char *const names[] = {"enabled", "callerid", "transport"};
    static const char *const values[] = {"no", "441234567890", "tcp"};
    struct change c = CHANGE(OP_UPDATE, KIND_EXTENSIONS, "1001", names, values);
    struct sark_write w;
    char *err;
    assert_int_equal(sark_build_write(&c, &w, &err), 0);
    assert_string_equal(w.method, "PUT");
    assert_string_equal(w.path, "/extensions/1001");
    expect_json_fixture(w.body, "extension_update_request.json");
    sark_write_done(&w);

    /* null is sent as null; the pkey is escaped into the path */
    static const char *const n2[] = {"vmailfwd", "cluster"};
    static const char *const v2[] = {NULL, "default"};
    struct change c2 = CHANGE(OP_UPDATE, KIND_EXTENSIONS, "ab+c", n2, v2);
    assert_int_equal(sark_build_write(&c2, &w, &err), 0);
    assert_string_equal(w.path, "/extensions/ab%2Bc");
    expect_json(w.body, "{\"vmailfwd\":null,\"cluster\":\"default\"}");
    sark_write_done(&w);

    struct change d = {.op = OP_DELETE, .kind = KIND_EXTENSIONS, .id = "1001"};
    assert_int_equal(sark_build_write(&d, &w, &err), 0);
    assert_string_equal(w.method, "DELETE");
    assert_string_equal(w.path, "/extensions/1001");
    assert_null(w.body);
    sark_write_done(&w);

    static const char *const bad_ids[] = {"", ".", "..", "10/01", "10 01", "1%2F", "a?b", "\t"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        d.id = bad_ids[i];
        if (sark_build_write(&d, &w, &err) == 0)
            fail_msg("id '%s' accepted", bad_ids[i]);
        free(err);
    }
}

static void test_ringgroup_writes(void **state)
{
    (void)state;
    static const char *const names[] = {"extension", "outcome", "members", "strategy", "ring_time"};
    static const char *const values[] = {"502", "Operator",
                                         ("1001\x1f"
                                          "1002"),
                                         "Ring", "25"};
    struct change c = CHANGE(OP_CREATE, KIND_RINGGROUPS, NULL, names, values);
    struct sark_write w;
    char *err;
    assert_int_equal(sark_build_write(&c, &w, &err), 0);
    assert_string_equal(w.method, "POST");
    assert_string_equal(w.path, "/ringgroups");
    expect_json_fixture(w.body, "ringgroup_create_request_l7_l10.json");
    assert_string_equal(w.key, "502");
    sark_write_done(&w);

    static const char *const n2[] = {"name", "members", "obeydnd"};
    static const char *const v2[] = {"Sales team", " 1001, 1002;1003 ", "YES"};
    struct change u = CHANGE(OP_UPDATE, KIND_RINGGROUPS, "500", n2, v2);
    assert_int_equal(sark_build_write(&u, &w, &err), 0);
    assert_string_equal(w.method, "PUT");
    assert_string_equal(w.path, "/ringgroups/500");
    expect_json(w.body,
                "{\"longdesc\":\"Sales team\",\"out\":\"1001 1002 1003\",\"obeydnd\":\"YES\"}");
    sark_write_done(&w);

    struct change d = {.op = OP_DELETE, .kind = KIND_RINGGROUPS, .id = "500"};
    assert_int_equal(sark_build_write(&d, &w, &err), 0);
    assert_string_equal(w.path, "/ringgroups/500");
    sark_write_done(&w);

    struct change q = {.op = OP_DELETE, .kind = KIND_QUEUES, .id = "sales"};
    assert_int_equal(sark_build_write(&q, &w, &err), -1);
    free(err);
}

static enum act_outcome write_fixture(enum change_op op, long status, const char *file, char **msg)
{
    size_t len = 0;
    char *body = file ? read_fixture(file, &len) : xstrdup("");
    enum act_outcome o = sark_map_write_answer(op, status, body, len, msg);
    free(body);
    return o;
}

static void test_write_answers(void **state)
{
    (void)state;
    static const struct {
        enum change_op op;
        long status;
        const char *file;
        enum act_outcome want;
        const char *msg;
    } cases[] = {
        {OP_CREATE, 201, "extension_create_unprovisioned_201.json", ACT_OK, "created"},
        {OP_UPDATE, 200, "extension_detail.json", ACT_OK, "updated"},
        {OP_DELETE, 204, NULL, ACT_OK, "deleted"},
        {OP_DELETE, 404, "error_404_model_not_found.json", ACT_GONE, "already gone"},
        {OP_UPDATE, 404, "error_404_model_not_found.json", ACT_FAILED, "no such record"},
        /* a wrong url is not "already gone" */
        {OP_DELETE, 404, "error_l7_l10_fallback_404.json", ACT_FAILED, "Page Not Found"},
        {OP_UPDATE, 422, "extension_validation_422.json", ACT_FAILED,
         "active: The selected active is invalid.; cluster: The selected cluster is invalid."},
        {OP_CREATE, 422, "extension_create_duplicate_422.json", ACT_FAILED,
         "save: Duplicate Key - 1001"},
        {OP_CREATE, 409, "extension_conflict_409.json", ACT_FAILED, "SQLSTATE[23000]"},
        {OP_UPDATE, 429, "error_429_throttled_l7_l10.json", ACT_FAILED, "rate limited"},
        {OP_CREATE, 500, NULL, ACT_FAILED, "HTTP 500"},
        {OP_CREATE, 503, "astamis_pbx_not_running_503.json", ACT_FAILED, "PBX not running"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *msg = NULL;
        enum act_outcome o = write_fixture(cases[i].op, cases[i].status, cases[i].file, &msg);
        if (o != cases[i].want || !strstr(msg, cases[i].msg))
            fail_msg("case %zu: outcome %d '%s', expected %d '%s'", i, o, msg, cases[i].want,
                     cases[i].msg);
        free(msg);
    }
}

/* ---------------------------------------------------------------- hostile input */

static void expect_table_refused(const char *body)
{
    char *err = NULL;
    struct snapshot *s = sark_decode_extensions(body, strlen(body), true, &err);
    if (s)
        fail_msg("accepted: %.200s", body);
    assert_non_null(err);
    free(err);
    err = NULL;
    s = sark_decode_ringgroups(body, strlen(body), true, &err);
    if (s)
        fail_msg("accepted: %.200s", body);
    free(err);
}

static void test_not_json_and_wrong_shapes(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "",
        "   \n",
        "<!DOCTYPE html><html>404</html>",
        "[{\"pkey\":\"1\"",
        "{",
        "null",
        "42",
        "\"a string\"",
        "true",
        "{\"pkey\":\"1001\"}",
        "[1,2,3]x",
        "\xff\xfe[]",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        if (strcmp(bodies[i], "[1,2,3]x") == 0)
            continue; /* trailing text after a list is accepted, see below */
        expect_table_refused(bodies[i]);
        char *err = NULL;
        struct snapshot *s =
            sark_decode_ami(KIND_CHANNELS, 200, bodies[i], strlen(bodies[i]), NOW_MS, true, &err);
        if (s)
            fail_msg("ami accepted: %s", bodies[i]);
        free(err);
    }
    /* elements that are not rows are skipped: the list itself is fine */
    char *err = NULL;
    const char *odd = "[1,\"x\",null,[],{\"desc\":\"no key\"},{\"pkey\":\"\"},{\"pkey\":null},"
                      "{\"pkey\":{}},{\"pkey\":\"7\"}]x";
    struct snapshot *s = sark_decode_extensions(odd, strlen(odd), false, &err);
    assert_non_null(s);
    assert_int_equal(snap_count(s), 1);
    expect_field(s, "7", EXT_NAME, NULL);
    expect_field(s, "7", EXT_ENABLED, NULL);
    expect_field(s, "7", EXT_VOICEMAIL, NULL);
    snap_free(s);
}

static void test_value_types(void **state)
{
    (void)state;
    const char *body =
        "[{\"pkey\":1003,\"active\":\"no\",\"desc\":5,\"callerid\":441234567890,"
        "\"dvrvmail\":\"None\",\"technology\":null},"
        "{\"pkey\":\"1004\",\"active\":true,\"callerid\":\"0123\",\"dvrvmail\":\"\"},"
        "{\"pkey\":\"1005\",\"active\":\"maybe\",\"callerid\":[1],\"dvrvmail\":7},"
        "{\"pkey\":1e300},{\"pkey\":1.5},{\"pkey\":\"1003\"}]";
    char *err = NULL;
    struct snapshot *s = sark_decode_extensions(body, strlen(body), false, &err);
    assert_non_null(s);
    assert_int_equal(snap_duplicates(s), 1); /* 1003 twice */
    expect_field(s, "1003", EXT_EXTENSION, "1003");
    expect_field(s, "1003", EXT_ENABLED, "false");
    expect_field(s, "1003", EXT_NAME, "5");
    expect_field(s, "1003", EXT_CALLERID, "441234567890");
    expect_field(s, "1003", EXT_VOICEMAIL, "false");
    expect_field(s, "1003", EXT_TECH, NULL);
    expect_field(s, "1004", EXT_ENABLED, "true");
    expect_field(s, "1004", EXT_CALLERID, "0123");
    expect_field(s, "1004", EXT_VOICEMAIL, "false");
    expect_field(s, "1005", EXT_ENABLED, NULL);
    expect_field(s, "1005", EXT_CALLERID, NULL);
    expect_field(s, "1005", EXT_VOICEMAIL, NULL);
    expect_field(s, "1.5", EXT_EXTENSION, "1.5");
    snap_free(s);

    const char *rgs =
        "[{\"pkey\":\"1\",\"ringdelay\":25,\"out\":null,\"desc\":\"\",\"longdesc\":\"\"},"
        "{\"pkey\":\"2\",\"ringdelay\":\"99999999999999999999\",\"out\":\" a\\tb\\u001fc  \"},"
        "{\"pkey\":\"3\",\"ringdelay\":\"20s\",\"out\":5},"
        "{\"pkey\":\"4\",\"ringdelay\":\"-1\",\"out\":\"\"}]";
    s = sark_decode_ringgroups(rgs, strlen(rgs), false, &err);
    assert_non_null(s);
    expect_field(s, "1", RG_RING_TIME, "25");
    expect_field(s, "1", RG_MEMBERS, "");
    expect_field(s, "1", RG_NAME, "");
    expect_field(s, "2", RG_RING_TIME, NULL);
    expect_field(s, "2", RG_MEMBERS,
                 "a\x1f"
                 "b\x1f"
                 "c");
    expect_field(s, "3", RG_RING_TIME, NULL);
    expect_field(s, "3", RG_MEMBERS, NULL);
    expect_field(s, "4", RG_RING_TIME, "-1");
    expect_field(s, "4", RG_MEMBERS, "");
    snap_free(s);
}

static void test_many_rows(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 1u << 26);
    (void)strbuf_addc(&sb, '[');
    for (int i = 0; i < 20000; i++)
        (void)strbuf_addf(&sb, "%s{\"pkey\":\"%d\",\"desc\":\"Ext%d\",\"active\":\"YES\"}",
                          i ? "," : "", 100000 + i, i);
    (void)strbuf_addc(&sb, ']');
    char *err = NULL;
    struct snapshot *s = sark_decode_extensions(sb.buf, sb.len, false, &err);
    assert_non_null(s);
    assert_int_equal(snap_count(s), 20000);
    expect_field(s, "119999", EXT_NAME, "Ext19999");
    snap_free(s);
    strbuf_done(&sb);
}

/* Every prefix of every fixture through every decoder: no crash, no leak, a clean answer. */
static void test_truncated_fixtures(void **state)
{
    (void)state;
    static const char *const files[] = {
        "extensions_list.json",
        "ringgroups_list_l7_l10.json",
        "astamis_coreshowchannels.json",
        "astamis_queuestatus_list.json",
        "auth_login_ok.json",
        "astamis_hangup_ok.json",
        "extension_validation_422.json",
    };
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t len;
        char *body = read_fixture(files[f], &len);
        for (size_t n = 0; n < len; n += 7) {
            char *cut = xstrndup(body, n);
            char *err = NULL, *msg = NULL;
            snap_free(sark_decode_extensions(cut, n, true, &err));
            free(err);
            snap_free(sark_decode_ringgroups(cut, n, true, &err));
            free(err);
            for (int k = KIND_CHANNELS; k <= KIND_QUEUES; k++) {
                snap_free(sark_decode_ami((enum kind)k, 200, cut, n, NOW_MS, true, &err));
                free(err);
            }
            free(sark_decode_login(cut, n, &err));
            free(err);
            free(sark_error_text(cut, n));
            (void)sark_map_hangup_answer(200, cut, n, &msg);
            free(msg);
            (void)sark_map_write_answer(OP_UPDATE, 422, cut, n, &msg);
            free(msg);
            free(cut);
        }
        free(body);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extensions_list),
        cmocka_unit_test(test_extensions_keep_raw),
        cmocka_unit_test(test_ringgroups_list),
        cmocka_unit_test(test_single_objects_are_not_lists),
        cmocka_unit_test(test_other_lists_give_no_records),
        cmocka_unit_test(test_channels),
        cmocka_unit_test(test_queue_status),
        cmocka_unit_test(test_empty_ami_list_is_empty_view),
        cmocka_unit_test(test_ami_errors),
        cmocka_unit_test(test_503_with_trailing_junk),
        cmocka_unit_test(test_ami_header_error),
        cmocka_unit_test(test_auth_404_recognised_exactly),
        cmocka_unit_test(test_error_texts),
        cmocka_unit_test(test_login),
        cmocka_unit_test(test_variants),
        cmocka_unit_test(test_hangup_path),
        cmocka_unit_test(test_hangup_answers),
        cmocka_unit_test(test_valid_ids),
        cmocka_unit_test(test_debug_error_body),
        cmocka_unit_test(test_extension_create),
        cmocka_unit_test(test_extension_create_defaults_and_then_put),
        cmocka_unit_test(test_extension_create_provisioned),
        cmocka_unit_test(test_extension_update_delete),
        cmocka_unit_test(test_ringgroup_writes),
        cmocka_unit_test(test_write_answers),
        cmocka_unit_test(test_not_json_and_wrong_shapes),
        cmocka_unit_test(test_value_types),
        cmocka_unit_test(test_many_rows),
        cmocka_unit_test(test_truncated_fixtures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
