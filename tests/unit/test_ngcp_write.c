/* net/backend_ngcp: writing. What a write's answer means (every error fixture, 401 and 403
 * refusals, plain statuses), error messages, ids and Location headers, create and patch bodies
 * against the request fixtures, the builders' refusals, and the schema. The decoders are in
 * test_ngcp.c; shared helpers in ngcp_testlib.c. */
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

#include "net/adapter.h"
#include "net/backend_ngcp.h"
#include "net/schema.h"
#include "tests/unit/ngcp_testlib.h"
#include "tui/strbuf.h"

extern const struct adapter ngcp_adapter;

/* ------------------------------------------------------------------ answers */

/* Every error fixture: its message, and what a write answered with it means. */
static void test_fixture_errors_mapped(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        long status;
        enum change_op op;
        enum act_outcome want;
        const char *needle;
    } cases[] = {
        {"error_400_invalid_id.json", 400, OP_UPDATE, ACT_FAILED, "Invalid id in request URI"},
        {"error_400_page_rows_zero.json", 400, OP_UPDATE, ACT_FAILED, "must be greater than 0"},
        {"error_403_readonly_user.json", 403, OP_DELETE, ACT_FAILED,
         "Invalid HTTP method for read-only user"},
        {"error_404_subscriber_not_found.json", 404, OP_DELETE, ACT_GONE, "already gone"},
        {"error_404_subscriber_not_found.json", 404, OP_UPDATE, ACT_FAILED,
         "Entity 'subscriber' not found."},
        {"error_415_patch_media_type.json", 415, OP_UPDATE, ACT_FAILED,
         "accepting application/json-patch+json only"},
        {"error_422_domain_exists.json", 422, OP_CREATE, ACT_FAILED,
         "Domain 'pbx.example.org' already exists."},
        {"error_422_invalid_customer.json", 422, OP_CREATE, ACT_FAILED,
         "Invalid 'customer_id', doesn't exist."},
        {"error_422_number_exists.json", 422, OP_CREATE, ACT_FAILED,
         "Number '4319990101' already exists."},
        {"error_422_pbx_extension_exists.json", 422, OP_CREATE, ACT_FAILED,
         "The pbx_extension already exists for this customer."},
        {"error_422_subscriber_exists.json", 422, OP_CREATE, ACT_FAILED,
         "Subscriber already exists. (HTTP 422)"},
        {"error_422_validation_failed.json", 422, OP_UPDATE, ACT_FAILED,
         "Validation failed. field='pbx_hunt_policy', input='roundrobin', errors=''roundrobin' "
         "is not a valid value'"},
        {"error_422_validation_required.json", 422, OP_CREATE, ACT_FAILED,
         "errors='SIP Username field is required'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *body = read_fixture(cases[i].name, &len);
        char *msg = NULL;
        enum act_outcome o = ngcp_map_write_answer(cases[i].op, cases[i].status, body, len, &msg);
        if (o != cases[i].want || !strstr(msg, cases[i].needle))
            fail_msg("%s: outcome %d '%s', expected %d with '%s'", cases[i].name, o, msg,
                     cases[i].want, cases[i].needle);
        assert_false(ngcp_auth_refused(cases[i].status, body, len));
        free(msg);
        free(body);
    }
}

static void test_fixture_auth_401(void **state)
{
    (void)state;
    cJSON *ex = fixture_json("auth_401_exchange.json");
    const cJSON *resp = cJSON_GetObjectItem(ex, "response");
    const char *body = cJSON_GetObjectItem(resp, "body")->valuestring;
    long status = (long)cJSON_GetObjectItem(resp, "status")->valuedouble;
    assert_int_equal(status, 401);
    assert_true(ngcp_auth_refused(status, body, strlen(body)));
    char *msg = ngcp_error_message(body, strlen(body));
    assert_string_equal(msg, "Authorization required.");
    free(msg);
    msg = ngcp_auth_message(status, body, strlen(body));
    assert_string_equal(msg, "authentication failed: wrong username or password (HTTP 401)");
    free(msg);
    enum act_outcome o = ngcp_map_write_answer(OP_CREATE, status, body, strlen(body), &msg);
    assert_int_equal(o, ACT_AUTH);
    assert_non_null(strstr(msg, "wrong username or password"));
    free(msg);
    /* Not JSON, so as a collection it is refused plainly. */
    expect_refused(KIND_EXTENSIONS, body, strlen(body), "not valid JSON");
    cJSON_Delete(ex);
}

static void test_auth_403_messages(void **state)
{
    (void)state;
    static const char *const refused[] = {
        "{\"code\":403,\"message\":\"Banned\"}",
        "{\"message\":\"Invalid user\",\"code\":403}",
        "{\"code\":403,\"message\":\"Invalid OTP\"}",
        "{\"code\":403,\"message\":\"Password expired\"}",
        "{\"message\":\"Invalid client certificate DN 'CN=x'\",\"code\":403}",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_true(ngcp_auth_refused(403, refused[i], strlen(refused[i])));
        char *msg = ngcp_auth_message(403, refused[i], strlen(refused[i]));
        assert_non_null(strstr(msg, "authentication failed: the server says '"));
        free(msg);
    }
    static const char *const not_auth[] = {
        "{\"code\":403,\"message\":\"Maximum number of customer subscribers reached.\"}",
        ("{\"code\":403,\"message\":\"Cannot terminate pilot subscriber when other subscribers "
         "exists\"}"),
        "",
        "<html>Forbidden</html>",
        "{\"code\":403}",
    };
    for (size_t i = 0; i < sizeof not_auth / sizeof not_auth[0]; i++)
        assert_false(ngcp_auth_refused(403, not_auth[i], strlen(not_auth[i])));
    char *msg = NULL;
    assert_int_equal(ngcp_map_write_answer(OP_DELETE, 403, not_auth[1], strlen(not_auth[1]), &msg),
                     ACT_FAILED);
    assert_string_equal(
        msg, "Cannot terminate pilot subscriber when other subscribers exists (HTTP 403)");
    free(msg);
    assert_int_equal(ngcp_map_write_answer(OP_DELETE, 403, refused[0], strlen(refused[0]), &msg),
                     ACT_AUTH);
    free(msg);
}

static void test_write_answers(void **state)
{
    (void)state;
    char *msg = NULL;
    assert_int_equal(ngcp_map_write_answer(OP_CREATE, 201, "", 0, &msg), ACT_OK);
    free(msg);
    assert_int_equal(ngcp_map_write_answer(OP_UPDATE, 204, "", 0, &msg), ACT_OK);
    assert_string_equal(msg, "updated");
    free(msg);
    assert_int_equal(ngcp_map_write_answer(OP_UPDATE, 200, "{}", 2, &msg), ACT_OK);
    free(msg);
    assert_int_equal(ngcp_map_write_answer(OP_DELETE, 204, "", 0, &msg), ACT_OK);
    free(msg);
    assert_int_equal(ngcp_map_write_answer(OP_DELETE, 404, "", 0, &msg), ACT_GONE);
    free(msg);
    assert_int_equal(ngcp_map_write_answer(OP_UPDATE, 503, "", 0, &msg), ACT_FAILED);
    assert_non_null(strstr(msg, "503"));
    free(msg);
    assert_int_equal(ngcp_map_write_answer(OP_CREATE, 500, "<html>oops</html>", 17, &msg),
                     ACT_FAILED);
    assert_string_equal(msg, "HTTP 500");
    free(msg);
}

static void test_ids_and_locations(void **state)
{
    (void)state;
    assert_true(ngcp_valid_id("1"));
    assert_true(ngcp_valid_id("46"));
    assert_true(ngcp_valid_id("123456789012345678"));
    static const char *const bad[] = {"",    "0",   "007", "-1",  "1.5", "1e3",
                                      "42 ", " 42", "4/2", "../", "%34", "1234567890123456789"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (ngcp_valid_id(bad[i]))
            fail_msg("'%s' accepted as an id", bad[i]);
    }
    assert_false(ngcp_valid_id(NULL));

    cJSON *ex = fixture_json("subscriber_create_201_exchange.json");
    const cJSON *hdrs = cJSON_GetObjectItem(cJSON_GetObjectItem(ex, "response"), "headers");
    char *id = ngcp_location_id(cJSON_GetObjectItem(hdrs, "Location")->valuestring);
    assert_string_equal(id, "46");
    free(id);
    cJSON_Delete(ex);
    id = ngcp_location_id("https://10.0.0.5:1443/api/subscribers/77\r\n");
    assert_string_equal(id, "77");
    free(id);
    static const char *const nolocs[] = {"/api/customers/46",
                                         "/api/subscribers/",
                                         "/api/subscribers/0",
                                         "/api/subscribers/46/x",
                                         "/api/subscribers/4a",
                                         "",
                                         NULL};
    for (size_t i = 0; i < sizeof nolocs / sizeof nolocs[0]; i++)
        assert_null(ngcp_location_id(nolocs[i]));
}

static char *errmsg(const char *body)
{
    return ngcp_error_message(body, strlen(body));
}

static void test_error_messages(void **state)
{
    (void)state;
    char *m = errmsg("{\"message\":\"a\\nb\\u001bc\",\"code\":422}");
    assert_string_equal(m, "a");
    free(m);
    m = errmsg("{\"code\":400,\"message\":\"x\\u0007y\"}");
    assert_string_equal(m, "x y");
    free(m);
    assert_null(errmsg(""));
    assert_null(errmsg("<html><body>502</body></html>"));
    assert_null(errmsg("{\"code\":500}"));
    assert_null(errmsg("{\"message\":\"\"}"));
    assert_null(errmsg("  \r\n"));
    /* Long messages are cut, never inside a UTF-8 character. */
    struct strbuf sb;
    strbuf_init(&sb, 1u << 16);
    (void)strbuf_adds(&sb, "{\"message\":\"");
    for (int i = 0; i < 400; i++)
        (void)strbuf_adds(&sb, "\xc3\xa9");
    (void)strbuf_adds(&sb, "\"}");
    m = ngcp_error_message(strbuf_cstr(&sb), sb.len);
    assert_true(strlen(m) <= 240 && strlen(m) % 2 == 0);
    free(m);
    strbuf_done(&sb);
}

/* ------------------------------------------------------------------ writes */

/* Build the change of kind/op from name=value pairs (value NULL: null). */
struct kv {
    const char *name, *value;
};

static char *build(enum kind kind, enum change_op op, const struct kv *kv, int n, char **err)
{
    const char *names[32], *values[32];
    for (int i = 0; i < n; i++) {
        names[i] = kv[i].name;
        values[i] = kv[i].value;
    }
    struct change c = {.op = op,
                       .kind = kind,
                       .id = op == OP_CREATE ? NULL : "42",
                       .nvalues = n,
                       .names = names,
                       .values = values};
    char *why = schema_check_change(ngcp_adapter.schema[kind], &c);
    if (why)
        fail_msg("schema refused: %s", why);
    return op == OP_CREATE ? ngcp_build_create_body(&c, err) : ngcp_build_patch_body(&c, err);
}

static void assert_json_equal(const char *text, cJSON *want)
{
    cJSON *got = cJSON_Parse(text);
    if (!cJSON_Compare(got, want, true)) {
        char *w = cJSON_PrintUnformatted(want);
        fail_msg("body %s, expected %s", text, w);
    }
    cJSON_Delete(got);
}

static void test_create_group_body(void **state)
{
    (void)state;
    static const struct kv kv[] = {
        {"customer_id", "7"},
        {"context", "pbx.example.org"},
        {"username", "support"},
        {"password", "grpSupPassw0rd1"},
        {"extension", "201"},
        {"name", "Support"},
        {"strategy", "parallel"},
        {"ring_time", "30"},
        {"pbx_hunt_cancel_mode", "cancel"},
        {"members", "42;43"},
    };
    char *err = NULL;
    char *body = build(KIND_RINGGROUPS, OP_CREATE, kv, 10, &err);
    assert_non_null(body);
    cJSON *want = fixture_json("subscriber_create_request_pbx_group.json");
    assert_json_equal(body, want);
    cJSON_Delete(want);
    free(body);
}

static void test_create_extension_bodies(void **state)
{
    (void)state;
    static const struct kv ext[] = {
        {"customer_id", "7"},    {"domain_id", "3"},
        {"name", "Bob Builder"}, {"password", "bobSipPassw0rd42"},
        {"extension", "102"},    {"enabled", "true"},
        {"username", "bob"},     {"webpassword", "Bob-Web-Pw-42"},
        {"webusername", "bob"},
    };
    char *err = NULL;
    char *body = build(KIND_EXTENSIONS, OP_CREATE, ext, 9, &err);
    cJSON *want = fixture_json("subscriber_create_request_pbx_extension.json");
    cJSON_DeleteItemFromObject(want, "pbx_group_ids"); /* set from the group's side */
    assert_json_equal(body, want);
    cJSON_Delete(want);
    free(body);

    static const struct kv sip[] = {
        {"administrative", "no"},
        {"customer_id", "9"},
        {"name", "Front Desk"},
        {"context", "voip.example.org"},
        {"password", "s1pPassw0rd2025"},
        {"cc", "43"},
        {"ac", "1"},
        {"sn", "2345678"},
        {"enabled", "yes"},
        {"username", "4312345678"},
    };
    body = build(KIND_EXTENSIONS, OP_CREATE, sip, 10, &err);
    want = fixture_json("subscriber_create_request_sipaccount.json");
    cJSON_DeleteItemFromObject(want, "alias_numbers");
    assert_json_equal(body, want);
    cJSON_Delete(want);
    free(body);
}

static void test_patch_body(void **state)
{
    (void)state;
    static const struct kv kv[] = {
        {"name", "Alice B. Example"},
        {"members", "42, 43,44"},
    };
    char *err = NULL;
    char *body = build(KIND_RINGGROUPS, OP_UPDATE, kv, 2, &err);
    cJSON *want = fixture_json("subscriber_patch_request.json");
    cJSON_DeleteItemFromArray(want, 2); /* pbxtop replaces with null rather than removes */
    assert_json_equal(body, want);
    cJSON_Delete(want);
    free(body);

    static const struct kv more[] = {
        {"enabled", "false"},
        {"email", NULL},
        {"sn", "5550101"},
        {"ring_time", "15"},
    };
    body = build(KIND_EXTENSIONS, OP_UPDATE, more, 2, &err);
    assert_string_equal(body, "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"locked\"},"
                              "{\"op\":\"replace\",\"path\":\"/email\",\"value\":null}]");
    free(body);
    body = build(KIND_EXTENSIONS, OP_UPDATE, more + 2, 1, &err);
    assert_string_equal(body, "[{\"op\":\"replace\",\"path\":\"/primary_number/sn\","
                              "\"value\":\"5550101\"}]");
    free(body);
    static const struct kv none[] = {{"members", NULL}};
    body = build(KIND_RINGGROUPS, OP_UPDATE, none, 1, &err);
    assert_string_equal(body,
                        "[{\"op\":\"replace\",\"path\":\"/pbx_groupmember_ids\",\"value\":[]}]");
    free(body);
    body = build(KIND_RINGGROUPS, OP_UPDATE, more + 3, 1, &err);
    assert_string_equal(body, "[{\"op\":\"replace\",\"path\":\"/pbx_hunt_timeout\",\"value\":15}]");
    free(body);
}

static void test_builders_refuse(void **state)
{
    (void)state;
    const char *names[] = {"members"}, *values[] = {"42;0"};
    struct change c = {.op = OP_UPDATE,
                       .kind = KIND_RINGGROUPS,
                       .id = "42",
                       .nvalues = 1,
                       .names = names,
                       .values = values};
    char *err = NULL;
    assert_null(ngcp_build_patch_body(&c, &err));
    assert_non_null(strstr(err, "members"));
    free(err);
    values[0] = "99999999999";
    assert_null(ngcp_build_create_body(&c, &err));
    free(err);
    names[0] = "bogus";
    values[0] = "1";
    assert_null(ngcp_build_patch_body(&c, &err));
    assert_non_null(strstr(err, "bogus"));
    free(err);
    c.kind = KIND_CHANNELS;
    assert_null(ngcp_build_create_body(&c, &err));
    free(err);
}

static char *check(enum kind kind, enum change_op op, const char *name, const char *value)
{
    static const char *base_names[] = {"customer_id", "username", "extension"};
    static const char *base_values[] = {"7", "bob", "102"};
    const char *names[4], *values[4];
    int n = 0;
    if (op == OP_CREATE) {
        for (; n < 3; n++) {
            names[n] = base_names[n];
            values[n] = base_values[n];
        }
    }
    if (name) {
        names[n] = name;
        values[n++] = value;
    }
    struct change c = {.op = op,
                       .kind = kind,
                       .id = op == OP_CREATE ? NULL : "42",
                       .nvalues = n,
                       .names = names,
                       .values = values};
    return schema_check_change(ngcp_adapter.schema[kind], &c);
}

static void test_schema(void **state)
{
    (void)state;
    assert_null(ngcp_adapter.schema[KIND_CHANNELS]);
    assert_null(ngcp_adapter.schema[KIND_QUEUES]);
    assert_int_equal(ngcp_adapter.caps & CAP_HANGUP, 0);
    static const struct {
        enum kind kind;
        enum change_op op;
        const char *name, *value;
        bool ok;
    } cases[] = {
        {KIND_EXTENSIONS, OP_CREATE, NULL, NULL, true},
        {KIND_EXTENSIONS, OP_UPDATE, "username", "a.b_c-d+e", true},
        {KIND_EXTENSIONS, OP_UPDATE, "username", "a..b", false},
        {KIND_EXTENSIONS, OP_UPDATE, "username", ".ab", false},
        {KIND_EXTENSIONS, OP_UPDATE, "username", "ab.", false},
        {KIND_EXTENSIONS, OP_UPDATE, "username", "a b", false},
        {KIND_EXTENSIONS, OP_UPDATE, "username", "a@b", false},
        {KIND_EXTENSIONS, OP_UPDATE, "customer_id", "8", false},
        {KIND_EXTENSIONS, OP_UPDATE, "password", "longenough12", false},
        {KIND_EXTENSIONS, OP_CREATE, "password", "longenough12", true},
        {KIND_EXTENSIONS, OP_CREATE, "password", "short", false},
        {KIND_EXTENSIONS, OP_CREATE, "password", "has a space in it", false},
        {KIND_EXTENSIONS, OP_UPDATE, "extension", "10a", false},
        {KIND_EXTENSIONS, OP_UPDATE, "enabled", "maybe", false},
        {KIND_EXTENSIONS, OP_UPDATE, "strategy", "serial", false},
        {KIND_RINGGROUPS, OP_UPDATE, "strategy", "circular", true},
        {KIND_RINGGROUPS, OP_UPDATE, "strategy", "roundrobin", false},
        {KIND_RINGGROUPS, OP_UPDATE, "ring_time", "0", false},
        {KIND_RINGGROUPS, OP_UPDATE, "ring_time", "30", true},
        {KIND_RINGGROUPS, OP_UPDATE, "pbx_hunt_cancel_mode", "bye", true},
        {KIND_RINGGROUPS, OP_UPDATE, "pbx_hunt_cancel_mode", "hangup", false},
        {KIND_RINGGROUPS, OP_UPDATE, "members", "42;43", true},
        {KIND_RINGGROUPS, OP_UPDATE, "members", "42,x", false},
        {KIND_RINGGROUPS, OP_UPDATE, "members",
         "42\x1f"
         "43",
         true},
        {KIND_RINGGROUPS, OP_UPDATE, "name", NULL, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *why = check(cases[i].kind, cases[i].op, cases[i].name, cases[i].value);
        if ((why == NULL) != cases[i].ok)
            fail_msg("case %zu (%s=%s): %s", i, cases[i].name ? cases[i].name : "-",
                     cases[i].value ? cases[i].value : "null", why ? why : "accepted");
        free(why);
    }
    /* customer_id and username are needed to create; a group needs its extension too. */
    const char *names[] = {"username", "context"}, *values[] = {"x", "pbx.example.org"};
    struct change c = {
        .op = OP_CREATE, .kind = KIND_EXTENSIONS, .nvalues = 2, .names = names, .values = values};
    char *why = schema_check_change(ngcp_adapter.schema[KIND_EXTENSIONS], &c);
    assert_non_null(why);
    assert_non_null(strstr(why, "customer_id"));
    free(why);
    names[1] = "customer_id";
    values[1] = "7";
    why = schema_check_change(ngcp_adapter.schema[KIND_EXTENSIONS], &c);
    assert_null(why);
    c.kind = KIND_RINGGROUPS;
    why = schema_check_change(ngcp_adapter.schema[KIND_RINGGROUPS], &c);
    assert_non_null(why);
    assert_non_null(strstr(why, "extension"));
    free(why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_errors_mapped),
        cmocka_unit_test(test_fixture_auth_401),
        cmocka_unit_test(test_auth_403_messages),
        cmocka_unit_test(test_write_answers),
        cmocka_unit_test(test_ids_and_locations),
        cmocka_unit_test(test_error_messages),
        cmocka_unit_test(test_create_group_body),
        cmocka_unit_test(test_create_extension_bodies),
        cmocka_unit_test(test_patch_body),
        cmocka_unit_test(test_builders_refuse),
        cmocka_unit_test(test_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
