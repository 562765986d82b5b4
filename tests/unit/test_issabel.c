/* net/backend_issabel: every fixture of tests/fixtures/issabel through the decoders and the
 * answer mappings, Issabel's strings-for-everything normalised, request bodies and ids, the
 * bulk-delete rule, and hostile or malformed bodies. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/backend.h"
#include "net/backend_issabel.h"
#include "net/model.h"
#include "tests/unit/testutil.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

#define NOW_MS 1800000000123LL

static char *read_fixture(const char *name, size_t *len)
{
    return test_fixture("issabel", name, len);
}

enum decoder {
    D_EXT,
    D_RG,
    D_CH,
    D_QM,
    D_Q
};

static struct snapshot *run(enum decoder d, const char *body, size_t len, bool raw, char **err)
{
    *err = NULL;
    switch (d) {
    case D_EXT:
        return issabel_decode_extensions(body, len, raw, err);
    case D_RG:
        return issabel_decode_ringgroups(body, len, raw, err);
    case D_CH:
        return issabel_decode_channels(body, len, NOW_MS, raw, err);
    case D_QM:
        return issabel_decode_queuemembers(body, len, raw, err);
    case D_Q:
        break;
    }
    return issabel_decode_queues(body, len, raw, err);
}

static struct snapshot *fixture(enum decoder d, const char *name, bool raw)
{
    size_t len;
    char *err;
    char *body = read_fixture(name, &len);
    struct snapshot *s = run(d, body, len, raw, &err);
    free(body);
    if (!s)
        fail_msg("%s refused: %s", name, err);
    assert_null(err);
    return s;
}

static struct snapshot *decode(enum decoder d, const char *body)
{
    char *err;
    struct snapshot *s = run(d, body, strlen(body), true, &err);
    if (!s)
        fail_msg("refused (%s): %.300s", err, body);
    return s;
}

static void expect_refused(enum decoder d, const char *body, size_t len, const char *needle)
{
    char *err;
    struct snapshot *s = run(d, body, len, true, &err);
    if (s) {
        snap_free(s);
        fail_msg("accepted: %.300s", body);
    }
    assert_non_null(err);
    assert_true(err[0] != '\0');
    if (needle && !strstr(err, needle))
        fail_msg("message '%s' lacks '%s'", err, needle);
    free(err);
}

/* Field f of the record with this id; fails when there is none. */
static const char *fld(const struct snapshot *s, const char *id, int f)
{
    long i = snap_find(s, id);
    if (i < 0)
        fail_msg("no record %s", id);
    return snap_get(s, (size_t)i)->v[f];
}

static void assert_field(const struct snapshot *s, const char *id, int f, const char *want)
{
    const char *got = fld(s, id, f);
    if (!want && got)
        fail_msg("%s field %d: '%s', want null", id, f, got);
    if (want && (!got || strcmp(got, want) != 0))
        fail_msg("%s field %d: '%s', want '%s'", id, f, got ? got : "(null)", want);
}

/* ---------------------------------------------------------------- fixtures: lists */

static void test_fixture_extensions_list(void **state)
{
    (void)state;
    struct snapshot *s = fixture(D_EXT, "extensions_list.json", true);
    assert_int_equal(snap_kind(s), KIND_EXTENSIONS);
    assert_int_equal(snap_count(s), 3);
    assert_field(s, "1000", EXT_EXTENSION, "1000");
    assert_field(s, "1000", EXT_NAME, "Antonio");
    assert_field(s, "1000", EXT_TECH, "sip");
    assert_field(s, "1000", EXT_CONTEXT, "from-internal");
    assert_field(s, "1000", EXT_ENABLED, NULL);   /* Issabel has no such switch */
    assert_field(s, "1000", EXT_VOICEMAIL, NULL); /* the list's [] residue says nothing */
    assert_field(s, "1000", EXT_CALLERID, NULL);
    assert_field(s, "1001", EXT_TECH, "pjsip");
    assert_field(s, "1002", EXT_NAME, "Maria Granuja");
    assert_field(s, "1002", EXT_CONTEXT, "");
    assert_field(s, "1002", EXT_TECH, "virtual");
    for (size_t i = 0; i < snap_count(s); i++) {
        const char *raw = snap_get(s, i)->raw;
        assert_non_null(raw);
        assert_null(strstr(raw, "secret"));
        assert_null(strstr(raw, "6bs0sPut0079"));
        assert_null(strstr(raw, "Issab3l2018"));
        assert_non_null(strstr(raw, "\"dial\""));
    }
    snap_free(s);
}

static void test_fixture_extension_detail(void **state)
{
    (void)state;
    struct snapshot *s = fixture(D_EXT, "extension_detail_reconstructed.json", true);
    assert_int_equal(snap_count(s), 1);
    assert_field(s, "1001", EXT_NAME, "Jose");
    assert_field(s, "1001", EXT_VOICEMAIL, "false"); /* {"enabled":"no"} */
    assert_field(s, "1001", EXT_CALLERID, NULL);     /* outbound "" is no override */
    assert_field(s, "1001", EXT_CONTEXT, "from-internal");
    const char *raw = snap_get(s, 0)->raw;
    assert_null(strstr(raw, "Issab3l2018"));
    assert_non_null(strstr(raw, "\"device_options\""));
    snap_free(s);

    s = fixture(D_EXT, "extension_detail_reconstructed.json", false);
    assert_null(snap_get(s, 0)->raw);
    snap_free(s);
}

static void test_fixture_ringgroups(void **state)
{
    (void)state;
    struct snapshot *s = fixture(D_RG, "ringgroups_list.json", false);
    assert_int_equal(snap_kind(s), KIND_RINGGROUPS);
    assert_int_equal(snap_count(s), 2);
    assert_field(s, "600", RG_EXTENSION, "600");
    assert_field(s, "600", RG_NAME, "Sales");
    assert_field(s, "600", RG_STRATEGY, "ringall");
    assert_field(s, "600", RG_RING_TIME, NULL); /* not in the plain list */
    assert_field(s, "600", RG_MEMBERS,
                 "200\x1f"
                 "201");
    assert_field(s, "601", RG_MEMBERS,
                 "202\x1f"
                 "203\x1f"
                 "204");
    assert_field(s, "601", RG_STRATEGY, "hunt");
    snap_free(s);

    s = fixture(D_RG, "ringgroup_detail.json", true);
    assert_int_equal(snap_count(s), 1);
    assert_field(s, "600", RG_RING_TIME, "20"); /* "20" -> 20 */
    assert_non_null(strstr(snap_get(s, 0)->raw, "\"music_on_hold_ringing\":\"Ring\""));
    snap_free(s);
}

static void test_fixture_channels(void **state)
{
    (void)state;
    struct snapshot *s = fixture(D_CH, "manager_status_channels.json", true);
    assert_int_equal(snap_kind(s), KIND_CHANNELS);
    assert_int_equal(snap_count(s), 2);
    const char *a = "PJSIP/1001-00000003", *b = "PJSIP/1000-00000004";
    assert_field(s, a, CH_CHANNEL, a);
    assert_field(s, a, CH_STATE, "Up");
    assert_field(s, a, CH_CALLER_NUM, "1001");
    assert_field(s, a, CH_CALLER_NAME, "Jose");
    assert_field(s, a, CH_CONNECTED_NUM, "1000");
    assert_field(s, a, CH_CONNECTED_NAME, "Antonio");
    assert_field(s, a, CH_CONTEXT, "macro-dial-one");
    assert_field(s, a, CH_EXTEN, "s");
    assert_field(s, a, CH_APPLICATION, "Dial");
    assert_field(s, b, CH_APPLICATION, "AppDial");
    assert_int_equal(snap_get(s, (size_t)snap_find(s, a))->t0_ms, NOW_MS - 35000);
    assert_int_equal(snap_get(s, (size_t)snap_find(s, b))->t0_ms, NOW_MS - 34000);
    assert_non_null(strstr(snap_get(s, 0)->raw, "\"BridgeID\""));
    snap_free(s);

    s = fixture(D_CH, "manager_status_no_channels.json", false);
    assert_int_equal(snap_count(s), 0);
    snap_free(s);
}

static void test_fixture_queuestatus(void **state)
{
    (void)state;
    struct snapshot *s = fixture(D_QM, "manager_queuestatus.json", false);
    assert_int_equal(snap_count(s), 2); /* QueueParams and QueueEntry are not members */
    const char *a = "Local/1000@from-queue/n@400", *j = "Local/1001@from-queue/n@400";
    assert_field(s, a, QM_QUEUE, "400");
    assert_field(s, a, QM_INTERFACE, "Local/1000@from-queue/n");
    assert_field(s, a, QM_NAME, "Antonio");
    assert_field(s, a, QM_STATUS, "Not in use");
    assert_field(s, a, QM_PAUSED, "false");
    assert_field(s, a, QM_PENALTY, "0");
    assert_field(s, a, QM_CALLS_TAKEN, "4");
    assert_field(s, a, QM_IN_CALL, "false");
    assert_field(s, j, QM_PAUSED, "true");
    assert_field(s, j, QM_PAUSED_REASON, "break");
    assert_field(s, j, QM_PENALTY, "1");
    snap_free(s);

    s = fixture(D_Q, "manager_queuestatus.json", false);
    assert_int_equal(snap_count(s), 1);
    assert_field(s, "400", Q_STRATEGY, "ringall");
    assert_field(s, "400", Q_CALLS, "1");
    assert_field(s, "400", Q_COMPLETED, "9");
    assert_field(s, "400", Q_ABANDONED, "2");
    assert_field(s, "400", Q_HOLD_TIME, "3");
    assert_field(s, "400", Q_TALK_TIME, "61");
    snap_free(s);
}

/* ---------------------------------------------------------------- fixtures: errors */

static void test_fixture_error_bodies(void **state)
{
    (void)state;
    static const struct {
        const char *file, *text;
    } cases[] = {
        {"error_400_bad_json.json", "Could not decode JSON"},
        {"error_404_delete_not_found.json", "Could not find a record to delete"},
        {"error_404_record_not_found.json", "Record not found"},
        {"error_404_update_not_found.json", "Could not find a record to update"},
        {"error_409_extension_in_use.json", "Extension number already in use"},
        {"error_422_required_field.json", "extension_list: Required field missing"},
        {"error_422_validation_multi.json",
         "strategy: Not in list of allowed values; ring_time: Valid range: 1-300"},
        {"error_500_ami_unreachable.json", "Asterisk Manager: Unable to connect to manager "
                                           "localhost:5038 (111): Connection refused"},
        {"manager_ami_unreachable.json", "Could not connect to AMI"},
        {"manager_hangup_no_such_channel.json", "No such channel"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *body = read_fixture(cases[i].file, &len);
        char *text = issabel_error_text(body, len);
        if (!text || strcmp(text, cases[i].text) != 0)
            fail_msg("%s: error text '%s', want '%s'", cases[i].file, text ? text : "(null)",
                     cases[i].text);
        free(text);
        /* as the answer to a list: refused, naming the server's words */
        if (strncmp(cases[i].file, "error_", 6) == 0) {
            expect_refused(D_EXT, body, len, cases[i].text);
            expect_refused(D_RG, body, len, cases[i].text);
        }
        free(body);
    }
    char *none = issabel_error_text("{\"status\":\"success\",\"results\":[]}", 34);
    assert_null(none);
    assert_null(issabel_error_text("<html>500</html>", 16));
    assert_null(issabel_error_text("", 0));
}

static void test_fixture_manager_unreachable_is_an_error(void **state)
{
    (void)state;
    size_t len;
    char *body = read_fixture("manager_ami_unreachable.json", &len);
    expect_refused(D_CH, body, len, "Could not connect to AMI");
    expect_refused(D_QM, body, len, "Could not connect to AMI");
    expect_refused(D_Q, body, len, "Could not connect to AMI");
    free(body);
    /* a REST-style error envelope from a manager path is refused too */
    body = read_fixture("error_500_ami_unreachable.json", &len);
    expect_refused(D_CH, body, len, "Unable to connect to manager");
    free(body);
}

static void test_fixture_tokens(void **state)
{
    (void)state;
    struct issabel_tokens t;
    size_t len;
    char *err = NULL;
    char *body = read_fixture("authenticate_ok.json", &len);
    assert_int_equal(issabel_decode_tokens(body, len, false, &t, &err), 0);
    assert_null(err);
    assert_non_null(strstr(t.access, "eyJ0eXAiOiJKV1Qi"));
    assert_non_null(t.refresh);
    assert_int_equal(t.expires_in, 3600);
    issabel_tokens_done(&t);
    assert_null(t.access);
    free(body);

    body = read_fixture("renewtoken_ok.json", &len);
    assert_int_equal(issabel_decode_tokens(body, len, true, &t, &err), 0);
    assert_string_equal(strrchr(t.access, '.'), ".d7U40tnb-Jug0o2TgQ8usQDv2fMkW-FN7CfDO8dhbYk");
    issabel_tokens_done(&t);
    free(body);

    static const struct {
        const char *file;
        bool renew;
        const char *needle;
    } bad[] = {
        {"renewtoken_refresh_expired.json", true, "refresh token has expired"},
        {"renewtoken_unauthorized.json", true, "refused"},
        {"authenticate_session_get_unauthorized.json", false, "access_token"},
        {"resource_access_token_expired_http200.json", false, "access_token"},
        {"error_400_bad_json.json", false, "access_token"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        body = read_fixture(bad[i].file, &len);
        err = NULL;
        assert_int_equal(issabel_decode_tokens(body, len, bad[i].renew, &t, &err), -1);
        assert_null(t.access);
        if (!err || !strstr(err, bad[i].needle))
            fail_msg("%s: '%s' lacks '%s'", bad[i].file, err ? err : "(null)", bad[i].needle);
        free(err);
        free(body);
    }
}

static void test_token_rejected(void **state)
{
    (void)state;
    size_t len;
    char *body = read_fixture("resource_access_token_expired_http200.json", &len);
    assert_true(issabel_token_rejected(200, body, len)); /* the HTTP 200 expiry */
    assert_false(issabel_token_rejected(500, body, len));
    free(body);
    assert_true(issabel_token_rejected(403, "", 0));
    assert_true(issabel_token_rejected(403, "\r\n", 2));
    /* a 403 with a body is somebody else's refusal, not an expired token */
    assert_false(issabel_token_rejected(403, "<h1>Forbidden</h1>", 18));
    assert_false(issabel_token_rejected(401, "", 0));
    body = read_fixture("extensions_list.json", &len);
    assert_false(issabel_token_rejected(200, body, len));
    free(body);
    body = read_fixture("manager_status_no_channels.json", &len);
    assert_false(issabel_token_rejected(200, body, len));
    free(body);
    assert_false(issabel_token_rejected(200, "{\"status\":\"expired\",\"results\":[]}", 33));
    assert_false(issabel_token_rejected(200, "{\"status\":\"expired\"", 19));
}

/* ---------------------------------------------------------------- answers of actions */

static void expect_hangup(long status, const char *body, enum act_outcome want, const char *needle)
{
    char *msg = NULL;
    enum act_outcome o = issabel_map_hangup_answer(status, body, strlen(body), &msg);
    assert_non_null(msg);
    if (o != want || (needle && !strstr(msg, needle)))
        fail_msg("hangup %ld %s: %s '%s', want %s '%s'", status, body, act_outcome_name(o), msg,
                 act_outcome_name(want), needle ? needle : "");
    free(msg);
}

static void test_hangup_answers(void **state)
{
    (void)state;
    size_t len;
    char *body = read_fixture("manager_hangup_ok.json", &len);
    expect_hangup(200, body, ACT_OK, "hung up");
    free(body);
    body = read_fixture("manager_hangup_no_such_channel.json", &len);
    expect_hangup(200, body, ACT_GONE, "gone");
    free(body);
    body = read_fixture("manager_ami_unreachable.json", &len);
    expect_hangup(200, body, ACT_FAILED, "Could not connect to AMI");
    free(body);
    expect_hangup(500, "<html>boom</html>", ACT_FAILED, "HTTP 500");
    expect_hangup(200, "", ACT_FAILED, "unreadable");
    expect_hangup(200, "[]", ACT_FAILED, "unreadable");
    expect_hangup(200, "{\"status\":\"error\",\"message\":\"Permission denied\"}", ACT_FAILED,
                  "Permission denied");
    /* the AMI message goes into the JSON unescaped: read such answers by their words */
    expect_hangup(200, "{\"status\":\"ok\", \"message\":\"Channel \"x\" Hungup\"}", ACT_OK, NULL);
    expect_hangup(200, "{\"status\":\"error\", \"message\":\"No such channel \"y\"\"}", ACT_GONE,
                  NULL);
    expect_hangup(200, "{\"status\":\"error\", \"message\":\"bad \"z\"\"}", ACT_FAILED, NULL);
}

static void expect_write(enum change_op op, enum kind k, long status, const char *body,
                         enum act_outcome want, const char *needle)
{
    char *msg = NULL;
    enum act_outcome o = issabel_map_write_answer(op, k, status, body, strlen(body), &msg);
    assert_non_null(msg);
    if (o != want || (needle && !strstr(msg, needle)))
        fail_msg("%s %ld: %s '%s', want %s '%s'", change_op_name(op), status, act_outcome_name(o),
                 msg, act_outcome_name(want), needle ? needle : "");
    free(msg);
}

static void test_write_answers(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        enum change_op op;
        long status;
        enum act_outcome want;
        const char *needle;
    } cases[] = {
        {"error_404_delete_not_found.json", OP_DELETE, 404, ACT_GONE, "already gone"},
        {"error_404_update_not_found.json", OP_UPDATE, 404, ACT_FAILED,
         "Could not find a record to update (HTTP 404)"},
        {"error_404_record_not_found.json", OP_UPDATE, 404, ACT_FAILED, "Record not found"},
        {"error_409_extension_in_use.json", OP_CREATE, 409, ACT_FAILED,
         "Extension number already in use (HTTP 409)"},
        {"error_422_required_field.json", OP_CREATE, 422, ACT_FAILED,
         "extension_list: Required field missing"},
        {"error_422_validation_multi.json", OP_UPDATE, 422, ACT_FAILED,
         "strategy: Not in list of allowed values; ring_time: Valid range: 1-300 (HTTP 422)"},
        {"error_400_bad_json.json", OP_DELETE, 400, ACT_FAILED, "Could not decode JSON"},
        {"error_500_ami_unreachable.json", OP_CREATE, 500, ACT_FAILED, "Asterisk Manager"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *body = read_fixture(cases[i].file, &len);
        expect_write(cases[i].op, KIND_RINGGROUPS, cases[i].status, body, cases[i].want,
                     cases[i].needle);
        free(body);
    }
    expect_write(OP_CREATE, KIND_EXTENSIONS, 201, "", ACT_OK, "created");
    expect_write(OP_UPDATE, KIND_EXTENSIONS, 200, "", ACT_OK, "updated");
    expect_write(OP_DELETE, KIND_EXTENSIONS, 200, "", ACT_OK, "deleted");
    expect_write(OP_UPDATE, KIND_EXTENSIONS, 201, "", ACT_OK, NULL); /* the upsert created */
    expect_write(OP_CREATE, KIND_EXTENSIONS, 200,
                 "{\"status\":\"fail\",\"errors\":[{\"status\":\"409\",\"detail\":\"dup\"}]}",
                 ACT_FAILED, "dup");
    expect_write(OP_CREATE, KIND_EXTENSIONS, 404, "", ACT_FAILED, "HTTP 404");
    expect_write(OP_UPDATE, KIND_EXTENSIONS, 500, "<html>trace</html>", ACT_FAILED,
                 "Issabel refused to update the extension (HTTP 500)");
    expect_write(OP_DELETE, KIND_RINGGROUPS, 403, "", ACT_FAILED, "HTTP 403");
}

/* ---------------------------------------------------------------- request building */

static char *body_of(enum kind k, int n, const char *const *names, const char *const *values,
                     bool last)
{
    struct change c = {.op = OP_CREATE, .kind = k, .nvalues = n, .names = names, .values = values};
    return issabel_build_body(&c, last);
}

static void test_build_extension_body(void **state)
{
    (void)state;
    /* fixture extension_create_request.json, less its extension_options group */
    const char *names[] = {"name", "tech", "secret", "voicemail", "recording.inbound_external"};
    const char *values[] = {"Some Name", "pjsip", "Xk29!pqa", "false", "always"};
    char *b = body_of(KIND_EXTENSIONS, 5, names, values, false);
    assert_string_equal(b, "{\"name\":\"Some Name\",\"tech\":\"pjsip\",\"secret\":\"Xk29!pqa\","
                           "\"voicemail\":{\"enabled\":\"no\"},"
                           "\"recording\":{\"inbound_external\":\"always\"},\"reload\":0}");
    free(b);
    /* the last write of a batch lets Issabel apply: no reload key at all */
    const char *n2[] = {"callerid", "voicemail", "callerid_override.emergency",
                        "recording.outbound_external"};
    const char *v2[] = {"5551234", "yes", "911", "never"};
    b = body_of(KIND_EXTENSIONS, 4, n2, v2, true);
    assert_string_equal(b, "{\"callerid_override\":{\"outbound\":\"5551234\",\"emergency\":"
                           "\"911\"},\"voicemail\":{\"enabled\":\"yes\"},"
                           "\"recording\":{\"outbound_external\":\"never\"}}");
    free(b);
    /* quotes, backslashes and control bytes are escaped; null is an empty string */
    const char *n3[] = {"name", "context"};
    const char *v3[] = {"A \"B\" \\ \x01", NULL};
    b = body_of(KIND_EXTENSIONS, 2, n3, v3, true);
    assert_string_equal(b, "{\"name\":\"A \\\"B\\\" \\\\ \\u0001\",\"context\":\"\"}");
    free(b);
}

static void test_build_ringgroup_body(void **state)
{
    (void)state;
    /* fixture ringgroup_create_request.json */
    const char *names[] = {"name", "strategy", "ring_time", "members"};
    const char *values[] = {"Sales", "ringall", "120",
                            ("200\x1f"
                             "201")};
    char *b = body_of(KIND_RINGGROUPS, 4, names, values, false);
    assert_string_equal(b, "{\"name\":\"Sales\",\"strategy\":\"ringall\",\"ring_time\":\"120\","
                           "\"extension_list\":[\"200\",\"201\"],\"reload\":0}");
    free(b);
    /* list items from commas, blanks or Issabel's own '-'; booleans as yes/no */
    const char *n2[] = {"members", "confirm_calls", "skip_busy_agent"};
    const char *v2[] = {" 200, 201;202-203 ,,", "on", "0"};
    b = body_of(KIND_RINGGROUPS, 3, n2, v2, true);
    assert_string_equal(b, "{\"extension_list\":[\"200\",\"201\",\"202\",\"203\"],"
                           "\"confirm_calls\":\"yes\",\"skip_busy_agent\":\"no\"}");
    free(b);
    const char *n3[] = {"members"};
    const char *v3[] = {NULL};
    b = body_of(KIND_RINGGROUPS, 1, n3, v3, true);
    assert_string_equal(b, "{\"extension_list\":[]}");
    free(b);
}

static void test_location_id(void **state)
{
    (void)state;
    static const struct {
        const char *loc, *want;
    } cases[] = {
        {"https://pbx.example.com/pbxapi/extensions/1005", "1005"},
        {"https://pbx.example.com/pbxapi/ringgroups/602", "602"},
        /* Issabel builds it from the request URI, query string included */
        {"https://pbx.example.com/pbxapi/extensions?x=y/1006", "1006"},
        {"https://pbx.example.com:8443/pbxapi/extensions/1007?z", "1007"},
        {"https://pbx.example.com/pbxapi/extensions/", NULL},
        {"https://pbx.example.com/pbxapi/extensions/10a5", NULL},
        {"https://pbx.example.com/pbxapi/extensions/1,2", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *id = issabel_location_id(cases[i].loc);
        if ((id == NULL) != (cases[i].want == NULL) || (id && strcmp(id, cases[i].want) != 0))
            fail_msg("%s: '%s', want '%s'", cases[i].loc, id ? id : "(null)",
                     cases[i].want ? cases[i].want : "(null)");
        free(id);
    }
    assert_null(issabel_location_id(NULL));
}

static void test_valid_ids(void **state)
{
    (void)state;
    assert_true(issabel_valid_number("200"));
    assert_true(issabel_valid_number("12345678901234567890"));
    assert_false(issabel_valid_number("123456789012345678901"));
    assert_false(issabel_valid_number(""));
    assert_false(issabel_valid_number(NULL));
    assert_false(issabel_valid_number("200,201")); /* would be a bulk delete */
    assert_false(issabel_valid_number("20 0"));
    assert_false(issabel_valid_number("../1"));
    assert_false(issabel_valid_number("-1"));

    assert_true(issabel_valid_channel("PJSIP/1001-00000003"));
    assert_true(issabel_valid_channel("Local/1000@from-queue-00000001;1"));
    assert_true(issabel_valid_channel("SIP/trunk-00000009"));
    assert_false(issabel_valid_channel("PJSIP"));
    assert_false(issabel_valid_channel("/1001"));
    assert_false(issabel_valid_channel("PJSIP/"));
    assert_false(issabel_valid_channel("PJSIP/10 01"));
    assert_false(issabel_valid_channel("PJSIP/1001\r\nX: y"));
    assert_false(issabel_valid_channel("PJSIP/\xc3\xa9"));
    assert_false(issabel_valid_channel(""));
    char long_name[300];
    memset(long_name, 'a', sizeof long_name);
    long_name[0] = 'X';
    long_name[1] = '/';
    long_name[sizeof long_name - 1] = '\0';
    assert_false(issabel_valid_channel(long_name));
}

static void expect_fates(const bool *exists, size_t n, const char *want)
{
    enum issabel_fate fate[16];
    char got[17] = "";
    issabel_bulk_fates(exists, n, fate);
    for (size_t i = 0; i < n; i++)
        got[i] = "DMRU"[fate[i]];
    if (strcmp(got, want) != 0)
        fail_msg("fates %s, want %s", got, want);
}

static void test_bulk_fates(void **state)
{
    (void)state;
    /* D deleted, M the missing one it stopped at, R not attempted, U unexplained */
    expect_fates((const bool[]){false, false, true}, 3, "DMR");
    expect_fates((const bool[]){false, true, true, false}, 4, "MRRR");
    expect_fates((const bool[]){false, false, false}, 3, "DDM"); /* ambiguous: last missing */
    expect_fates((const bool[]){false}, 1, "M");
    expect_fates((const bool[]){true, false}, 2, "UU"); /* the first still exists: not a stop */
    expect_fates((const bool[]){false, false, false, false, true}, 5, "DDDMR");
}

static void test_decode_exists(void **state)
{
    (void)state;
    size_t len;
    char *err = NULL;
    char *body = read_fixture("extension_detail_reconstructed.json", &len);
    assert_int_equal(issabel_decode_exists(body, len, &err), 1);
    free(body);
    /* an unknown extension: 200 with empty results, not 404 */
    const char *empty = "{\"status\":\"success\",\"results\":[]}";
    assert_int_equal(issabel_decode_exists(empty, strlen(empty), &err), 0);
    assert_null(err);
    body = read_fixture("resource_access_token_expired_http200.json", &len);
    assert_int_equal(issabel_decode_exists(body, len, &err), -1);
    assert_non_null(strstr(err, "expired"));
    free(err);
    free(body);
    err = NULL;
    assert_int_equal(issabel_decode_exists("nope", 4, &err), -1);
    free(err);
}

/* ---------------------------------------------------------------- hostile input */

static void test_not_json_and_truncated(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "",
        "   ",
        "<html><body>500</body></html>",
        "{\"status\":\"success\",\"results\":[",
        "[{\"Event\":\"Status\",\"Channel\":\"PJSIP/1-1\"",
        "nul\0l",
        "\xff\xfe{}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        size_t len = i == 5 ? 5 : strlen(bodies[i]);
        for (int d = D_EXT; d <= D_Q; d++)
            expect_refused((enum decoder)d, bodies[i], len, NULL);
    }
    expect_refused(D_EXT, "", 0, "empty");
    expect_refused(D_EXT, "{\"results\":[", 12, "not valid JSON");
}

static void test_wrong_shapes(void **state)
{
    (void)state;
    static const char *const lists[] = {
        "[]",
        "\"x\"",
        "42",
        "null",
        "{}",
        "{\"status\":\"success\"}",
        "{\"status\":\"success\",\"results\":{}}",
        "{\"status\":\"success\",\"results\":\"a\"}",
        "{\"status\":\"fail\",\"results\":[]}",
        "{\"status\":[],\"results\":[]}",
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        expect_refused(D_EXT, lists[i], strlen(lists[i]), NULL);
        expect_refused(D_RG, lists[i], strlen(lists[i]), NULL);
    }
    static const char *const events[] = {"{}",
                                         "\"x\"",
                                         "42",
                                         "null",
                                         "{\"status\":\"ok\"}",
                                         "{\"status\":\"success\",\"results\":[]}"};
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        expect_refused(D_CH, events[i], strlen(events[i]), NULL);
        expect_refused(D_QM, events[i], strlen(events[i]), NULL);
    }
    /* the older envelope without a status is still a list */
    struct snapshot *s = decode(D_EXT, "{\"results\":[{\"extension\":\"7\"}]}");
    assert_int_equal(snap_count(s), 1);
    snap_free(s);
}

static void test_records_without_ids_skipped(void **state)
{
    (void)state;
    struct snapshot *s = decode(
        D_EXT, "{\"status\":\"success\",\"results\":[1,\"x\",null,[],{},{\"extension\":\"\"},"
               "{\"extension\":null},{\"extension\":{}},{\"name\":\"no number\"},"
               "{\"extension\":\"300\",\"name\":\"kept\"}]}");
    assert_int_equal(snap_count(s), 1);
    assert_field(s, "300", EXT_NAME, "kept");
    snap_free(s);
    s = decode(D_RG, "{\"status\":\"success\",\"results\":[{\"name\":\"x\"},"
                     "{\"id\":\"601\",\"name\":\"by id\"},{\"extension\":[]}]}");
    assert_int_equal(snap_count(s), 1);
    assert_field(s, "601", RG_EXTENSION, "601");
    snap_free(s);
    s = decode(D_CH, "[{\"Response\":\"Success\"},{\"Event\":\"Status\"},"
                     "{\"Event\":\"Status\",\"Channel\":\"\"},{\"Event\":\"Newchannel\","
                     "\"Channel\":\"PJSIP/9-1\"},{\"Event\":\"Status\",\"Channel\":\"A/1-2\"}]");
    assert_int_equal(snap_count(s), 1);
    assert_int_equal(snap_find(s, "A/1-2"), 0);
    snap_free(s);
}

static void test_value_types_normalised(void **state)
{
    (void)state;
    /* Issabel sends strings; a number or bool where a string was expected is still read */
    struct snapshot *s =
        decode(D_EXT, "{\"status\":\"success\",\"results\":[{\"extension\":1000,\"name\":7,"
                      "\"tech\":\"pjsip\",\"voicemail\":{\"enabled\":\"yes\"},"
                      "\"callerid_override\":{\"outbound\":5551234}},"
                      "{\"extension\":\"1001\",\"voicemail\":\"novm\"},"
                      "{\"extension\":\"1002\",\"voicemail\":\"default\"},"
                      "{\"extension\":\"1003\",\"voicemail\":{\"enabled\":\"1\"}},"
                      "{\"extension\":\"1004\",\"voicemail\":{\"enabled\":\"\"}},"
                      "{\"extension\":\"1005\",\"voicemail\":true}]}");
    assert_field(s, "1000", EXT_NAME, "7");
    assert_field(s, "1000", EXT_VOICEMAIL, "true");
    assert_field(s, "1000", EXT_CALLERID, "5551234");
    assert_field(s, "1001", EXT_VOICEMAIL, "false");
    assert_field(s, "1002", EXT_VOICEMAIL, "true"); /* the old flat form names a context */
    assert_field(s, "1003", EXT_VOICEMAIL, "true");
    assert_field(s, "1004", EXT_VOICEMAIL, NULL);
    assert_field(s, "1005", EXT_VOICEMAIL, "true");
    snap_free(s);

    s = decode(D_RG,
               "{\"status\":\"success\",\"results\":["
               "{\"extension\":\"600\",\"ring_time\":\"020\",\"extension_list\":[200,\"201\"]},"
               "{\"extension\":\"601\",\"ring_time\":\"99999999999999999999999\"},"
               "{\"extension\":\"602\",\"ring_time\":\"20s\",\"extension_list\":[]},"
               "{\"extension\":\"603\",\"ring_time\":45,\"extension_list\":\"200-201\"},"
               "{\"extension\":\"604\",\"ring_time\":\"\",\"extension_list\":[\"a\\u001fb\"]}]}");
    assert_field(s, "600", RG_RING_TIME, "20");
    assert_field(s, "600", RG_MEMBERS,
                 "200\x1f"
                 "201");
    assert_field(s, "601", RG_RING_TIME, NULL); /* out of range for any integer */
    assert_field(s, "602", RG_RING_TIME, NULL);
    assert_field(s, "602", RG_MEMBERS, ""); /* the empty list */
    assert_field(s, "603", RG_RING_TIME, "45");
    assert_field(s, "603", RG_MEMBERS, NULL); /* not a list */
    assert_field(s, "604", RG_RING_TIME, NULL);
    assert_field(s, "604", RG_MEMBERS, "a\\x1fb"); /* a separator inside an item is escaped */
    snap_free(s);

    s = decode(D_QM, "[{\"Event\":\"QueueMember\",\"Queue\":\"400\",\"Location\":\"L/1\","
                     "\"Paused\":\"yes\",\"Penalty\":\"-3\",\"CallsTaken\":\"x\","
                     "\"InCall\":\"1\",\"Status\":\"6\"}]");
    assert_field(s, "L/1@400", QM_PAUSED, "true");
    assert_field(s, "L/1@400", QM_PENALTY, "-3");
    assert_field(s, "L/1@400", QM_CALLS_TAKEN, NULL);
    assert_field(s, "L/1@400", QM_IN_CALL, "true");
    assert_field(s, "L/1@400", QM_STATUS, "Ringing");
    snap_free(s);

    /* Ids are split at their last '@' for pause and remove: a queue name with one (or none at
     * all) would make the id name another member, so such a member is not offered. */
    s = decode(D_QM, "[{\"Event\":\"QueueMember\",\"Queue\":\"sales@400\",\"Location\":\"L/1\"},"
                     "{\"Event\":\"QueueMember\",\"Queue\":\"\",\"Location\":\"L/2\"},"
                     "{\"Event\":\"QueueMember\",\"Queue\":\"400\",\"Location\":\"Local/3@q/n\"}]");
    assert_int_equal(snap_count(s), 1);
    assert_field(s, "Local/3@q/n@400", QM_QUEUE, "400");
    snap_free(s);
}

static void test_duplicates_and_hostile_text(void **state)
{
    (void)state;
    struct snapshot *s =
        decode(D_EXT, "{\"status\":\"success\",\"results\":[{\"extension\":\"200\",\"name\":"
                      "\"first\"},{\"extension\":\"200\",\"name\":\"second\"},"
                      "{\"extension\":\"201\",\"name\":\"\\u001b]2;evil\\u0007\\u202e\","
                      "\"secret\":\"s1\",\"secret\":\"s2\"}]}");
    assert_int_equal(snap_count(s), 2);
    assert_int_equal(snap_duplicates(s), 1);
    assert_field(s, "200", EXT_NAME, "first");
    /* kept as the server sent it: the output layer sanitises */
    assert_field(s, "201", EXT_NAME, "\x1b]2;evil\x07\xe2\x80\xae");
    const char *raw = snap_get(s, (size_t)snap_find(s, "201"))->raw;
    assert_null(strstr(raw, "secret")); /* every copy of a repeated key is dropped */
    snap_free(s);

    /* ... and the voicemail PIN of every copy of a repeated "voicemail" */
    s = decode(D_EXT, "{\"status\":\"success\",\"results\":[{\"extension\":\"202\","
                      "\"voicemail\":{\"enabled\":\"yes\",\"pin\":\"1111\"},"
                      "\"voicemail\":{\"pin\":\"2222\",\"pin\":\"3333\"}}]}");
    raw = snap_get(s, 0)->raw;
    assert_null(strstr(raw, "pin"));
    assert_non_null(strstr(raw, "\"enabled\""));
    snap_free(s);
}

static void test_many_records(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 1u << 24);
    (void)strbuf_adds(&sb, "{\"status\":\"success\",\"results\":[");
    for (int i = 0; i < 20000; i++)
        (void)strbuf_addf(&sb, "%s{\"extension\":\"%d\",\"name\":\"n%d\",\"secret\":\"x\"}",
                          i ? "," : "", 10000 + i, i);
    (void)strbuf_adds(&sb, "]}");
    char *err;
    struct snapshot *s = run(D_EXT, sb.buf, sb.len, true, &err);
    assert_non_null(s);
    assert_int_equal(snap_count(s), 20000);
    assert_field(s, "29999", EXT_NAME, "n19999");
    snap_free(s);
    strbuf_done(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_extensions_list),
        cmocka_unit_test(test_fixture_extension_detail),
        cmocka_unit_test(test_fixture_ringgroups),
        cmocka_unit_test(test_fixture_channels),
        cmocka_unit_test(test_fixture_queuestatus),
        cmocka_unit_test(test_fixture_error_bodies),
        cmocka_unit_test(test_fixture_manager_unreachable_is_an_error),
        cmocka_unit_test(test_fixture_tokens),
        cmocka_unit_test(test_token_rejected),
        cmocka_unit_test(test_hangup_answers),
        cmocka_unit_test(test_write_answers),
        cmocka_unit_test(test_build_extension_body),
        cmocka_unit_test(test_build_ringgroup_body),
        cmocka_unit_test(test_location_id),
        cmocka_unit_test(test_valid_ids),
        cmocka_unit_test(test_bulk_fates),
        cmocka_unit_test(test_decode_exists),
        cmocka_unit_test(test_not_json_and_truncated),
        cmocka_unit_test(test_wrong_shapes),
        cmocka_unit_test(test_records_without_ids_skipped),
        cmocka_unit_test(test_value_types_normalised),
        cmocka_unit_test(test_duplicates_and_hostile_text),
        cmocka_unit_test(test_many_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
