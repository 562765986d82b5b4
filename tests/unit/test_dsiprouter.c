/* net/backend_dsiprouter: the media server's answers decoded (fixture JSON in, model out),
 * error answers mapped to plain messages, the flat write bodies with the server's exact JSON
 * types, write answers mapped to outcomes, extension ids, and hostile or malformed bodies. */
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
#include "net/backend_dsiprouter.h"
#include "net/model.h"
#include "net/schema.h"
#include "tests/unit/testutil.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

extern const struct adapter dsiprouter_adapter;

#define ACME    "5f0c2d3e-8a41-4b7e-9e0d-2a6b1c9f7e31"
#define GLOBEX  "b7e1f0a2-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
#define EXT_101 "12/" ACME "/101"
#define EXT_102 "12/" ACME "/102"

static char *read_fixture(const char *name, size_t *len)
{
    return test_fixture("dsiprouter", name, len);
}

static const char *field(const struct snapshot *s, const char *id, int f)
{
    long i = snap_find(s, id);
    if (i < 0)
        fail_msg("no record %s", id);
    return snap_get(s, (size_t)i)->v[f];
}

static void assert_has(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("'%s' lacks '%s'", hay ? hay : "(null)", needle);
}

/* Decode a body that must be refused; the message must hold needle (if any). */
static void expect_refused(const char *body, size_t len, const char *needle)
{
    char *err = NULL;
    struct snapshot *s = dsiprouter_decode_extensions(body, len, 12, true, &err);
    if (s) {
        snap_free(s);
        fail_msg("accepted: %.200s", body);
    }
    assert_non_null(err);
    assert_true(err[0] != '\0');
    if (needle)
        assert_has(err, needle);
    free(err);
}

static struct snapshot *decode_ok(const char *body, bool keep_raw)
{
    char *err = NULL;
    struct snapshot *s = dsiprouter_decode_extensions(body, strlen(body), 12, keep_raw, &err);
    if (!s)
        fail_msg("refused (%s): %.200s", err, body);
    assert_null(err);
    return s;
}

/* -------------------------------------------------------------- fixtures */

static void test_fixture_endpointgroups(void **state)
{
    (void)state;
    size_t len, n;
    char *err;
    char *body = read_fixture("endpointgroups_list.json", &len);
    long long *ids = dsiprouter_decode_endpointgroups(body, len, &n, &err);
    assert_non_null(ids);
    assert_null(err);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], 12);
    assert_int_equal(ids[1], 14);
    free(ids);
    free(body);
}

static void test_fixture_endpointgroup_fusionpbx(void **state)
{
    (void)state;
    size_t len;
    char *err;
    char *body = read_fixture("endpointgroup_item.json", &len);
    assert_int_equal(dsiprouter_decode_fusionpbx(body, len, &err), 1);
    assert_null(err);
    free(body);
    const char *off =
        "{\"data\":[{\"gwgroupid\":14,\"fusionpbx\":{}}],\"error\":\"\",\"msg\":\"\"}";
    assert_int_equal(dsiprouter_decode_fusionpbx(off, strlen(off), &err), 0);
    const char *zero = "{\"data\":[{\"fusionpbx\":{\"enabled\":\"0\"}}],\"error\":\"\"}";
    assert_int_equal(dsiprouter_decode_fusionpbx(zero, strlen(zero), &err), 0);
    const char *yes = "{\"data\":[{\"fusionpbx\":{\"enabled\":true}}],\"error\":\"\"}";
    assert_int_equal(dsiprouter_decode_fusionpbx(yes, strlen(yes), &err), 1);
    /* an object instead of a list holding it */
    const char *obj = "{\"data\":{\"fusionpbx\":{\"enabled\":1}},\"error\":\"\"}";
    assert_int_equal(dsiprouter_decode_fusionpbx(obj, strlen(obj), &err), 1);

    body = read_fixture("error_404_endpointgroup.json", &len);
    assert_int_equal(dsiprouter_decode_fusionpbx(body, len, &err), -1);
    assert_has(err, "Endpoint Group Does Not Exist");
    free(err);
    free(body);
    const char *empty = "{\"data\":[],\"error\":\"\"}";
    assert_int_equal(dsiprouter_decode_fusionpbx(empty, strlen(empty), &err), -1);
    free(err);
}

static void test_fixture_domains(void **state)
{
    (void)state;
    size_t len, n;
    char *err;
    char *body = read_fixture("mediaserver_domain_list.json", &len);
    struct dsiprouter_domain *d = dsiprouter_decode_domains(body, len, 12, &n, &err);
    assert_null(err);
    assert_int_equal(n, 2);
    assert_int_equal(d[0].config_id, 12);
    assert_string_equal(d[0].uuid, ACME);
    assert_string_equal(d[0].name, "acme.pbx.example.com");
    assert_string_equal(d[1].uuid, GLOBEX);
    assert_string_equal(d[1].name, "globex.pbx.example.com");
    dsiprouter_domains_free(d, n);
    free(body);

    body = read_fixture("mediaserver_domain_get_one.json", &len);
    d = dsiprouter_decode_domains(body, len, 7, &n, &err);
    assert_int_equal(n, 1);
    assert_int_equal(d[0].config_id, 7);
    dsiprouter_domains_free(d, n);
    free(body);

    /* an empty listing is no error */
    const char *none = "{\"data\":[[]],\"error\":\"\",\"kamreload\":false,\"msg\":\"0 domains\"}";
    d = dsiprouter_decode_domains(none, strlen(none), 12, &n, &err);
    assert_null(err);
    assert_int_equal(n, 0);
    dsiprouter_domains_free(d, n);
    /* rows whose uuid could not go into a URL are left out */
    const char *bad = "{\"data\":[[{\"domain_uuid\":\"../../x\",\"name\":\"a\"},"
                      "{\"domain_id\":\"" GLOBEX "\",\"name\":7}]],\"error\":\"\"}";
    d = dsiprouter_decode_domains(bad, strlen(bad), 12, &n, &err);
    assert_int_equal(n, 1);
    assert_string_equal(d[0].uuid, GLOBEX);
    assert_null(d[0].name);
    dsiprouter_domains_free(d, n);
}

static void test_fixture_extension_list(void **state)
{
    (void)state;
    size_t len;
    char *err;
    char *body = read_fixture("mediaserver_extension_list.json", &len);
    struct snapshot *s = dsiprouter_decode_extensions(body, len, 12, false, &err);
    free(body);
    assert_non_null(s);
    assert_null(err);
    assert_int_equal(snap_kind(s), KIND_EXTENSIONS);
    assert_int_equal(snap_count(s), 2);
    assert_string_equal(field(s, EXT_101, EXT_EXTENSION), "101");
    assert_string_equal(field(s, EXT_101, EXT_NAME), "Alice");
    /* "enabled" is FusionPBX's text column: "true"/"false" strings */
    assert_string_equal(field(s, EXT_101, EXT_ENABLED), "true");
    assert_string_equal(field(s, EXT_101, EXT_CALLERID), "+13135550101");
    assert_string_equal(field(s, EXT_101, EXT_CONTEXT), "acme.pbx.example.com");
    assert_null(field(s, EXT_101, EXT_VOICEMAIL));
    assert_null(field(s, EXT_101, EXT_TECH));
    assert_string_equal(field(s, EXT_102, EXT_ENABLED), "false");
    assert_null(field(s, EXT_102, EXT_NAME));
    assert_null(field(s, EXT_102, EXT_CALLERID));
    assert_null(snap_get(s, 0)->raw);
    snap_free(s);
}

static void test_fixture_extension_list_raw(void **state)
{
    (void)state;
    size_t len;
    char *err;
    char *body = read_fixture("mediaserver_extension_list.json", &len);
    struct snapshot *s = dsiprouter_decode_extensions(body, len, 12, true, &err);
    free(body);
    const char *raw = snap_get(s, (size_t)snap_find(s, EXT_102))->raw;
    assert_has(raw, "\"extensions_id\":\"1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f\"");
    assert_has(raw, "\"call_timeout\":null");
    assert_null(strstr(raw, "Alice"));
    snap_free(s);
}

/* Every error fixture: refused by the list decoder, and a plain message from the mapper. */
static void test_fixture_errors(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        long status;
        const char *needle;
    } cases[] = {
        {"error_400_arg_not_recognized.json", 400, "'num_of_extensions' not recognized"},
        {"error_400_arg_not_valid.json", 400, "'vm_password' not valid"},
        {"error_401_core_subscription_required.json", 401, "auth = session"},
        {"error_401_unauthorized.json", 401, "API token refused"},
        {"error_401_unauthorized_v0642.json", 401, "API token refused"},
        {"error_404_endpointgroup.json", 404, "Endpoint Group Does Not Exist"},
        {"error_404_gwgroup_put.json", 404, "gwgroup does not exist"},
        {"error_500_config_missing.json", 500, "Configuration doesn't exist"},
        {"error_500_db_duplicate_auth_user.json", 500, "dSIPRouter db error (HTTP 500)"},
        {"error_500_domain_not_found_indexerror.json", 500, "list index out of range"},
        {"error_500_missing_field_keyerror.json", 500, "field 'outbound_caller_number'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *body = read_fixture(cases[i].file, &len);
        expect_refused(body, len, NULL);
        char *msg = dsiprouter_error_message(cases[i].status, "application/json", body, len, true);
        assert_has(msg, cases[i].needle);
        free(msg);
        free(body);
    }
}

static void test_license_gate_is_distinct(void **state)
{
    (void)state;
    size_t len;
    char *body = read_fixture("error_401_core_subscription_required.json", &len);
    assert_true(dsiprouter_license_gated(body, len));
    char *msg = dsiprouter_error_message(401, "application/json", body, len, false);
    assert_has(msg, "license");
    assert_has(msg, "DSIP_CORE");
    assert_has(msg, "not supported by this build");
    assert_null(strstr(msg, "check the token"));
    free(msg);
    free(body);
    body = read_fixture("error_401_unauthorized.json", &len);
    assert_false(dsiprouter_license_gated(body, len));
    msg = dsiprouter_error_message(401, "application/json", body, len, false);
    assert_null(strstr(msg, "license"));
    free(msg);
    free(body);
    /* the HTML login page a client gets without Accept: application/json */
    const char *page = "<!DOCTYPE html><html><title>dSIPRouter | Login</title></html>";
    msg = dsiprouter_error_message(401, "text/html; charset=utf-8", page, strlen(page), false);
    assert_has(msg, "HTML login page");
    free(msg);
}

static void test_fixture_route_missing_v079(void **state)
{
    (void)state;
    size_t len;
    char *doc = read_fixture("mediaserver_route_missing_v079_exchange.json", &len);
    cJSON *x = cJSON_Parse(doc);
    const cJSON *resp = cJSON_GetObjectItem(x, "response");
    const char *body = cJSON_GetObjectItem(resp, "body")->valuestring;
    const char *ct =
        cJSON_GetObjectItem(cJSON_GetObjectItem(resp, "headers"), "Content-Type")->valuestring;
    long status = (long)cJSON_GetObjectItem(resp, "status")->valuedouble;
    char *msg = dsiprouter_error_message(status, ct, body, strlen(body), true);
    assert_has(msg, "media server API is missing on this server version");
    assert_has(msg, "v0.79");
    free(msg);
    /* the same page on another route: the url is wrong, not the version */
    msg = dsiprouter_error_message(status, ct, body, strlen(body), false);
    assert_has(msg, "no dSIPRouter API at this url");
    free(msg);
    /* even without a Content-Type the page is recognised */
    msg = dsiprouter_error_message(status, NULL, body, strlen(body), true);
    assert_has(msg, "media server API is missing");
    free(msg);
    char *m2 = NULL;
    assert_int_equal(dsiprouter_map_write_answer(OP_CREATE, status, ct, body, strlen(body), &m2),
                     ACT_FAILED);
    assert_has(m2, "media server API is missing");
    free(m2);
    expect_refused(body, strlen(body), "not valid JSON");
    cJSON_Delete(x);
    free(doc);
}

static void test_other_statuses(void **state)
{
    (void)state;
    char *msg = dsiprouter_error_message(502, "text/html", "<html>Bad Gateway</html>", 24, true);
    assert_has(msg, "502");
    assert_has(msg, "not answering");
    free(msg);
    msg = dsiprouter_error_message(503, NULL, "", 0, true);
    assert_has(msg, "HTTP 503");
    free(msg);
    const char *empty_msg = "{\"error\":\"server\",\"msg\":\"\"}";
    msg = dsiprouter_error_message(500, NULL, empty_msg, strlen(empty_msg), true);
    assert_has(msg, "(no message)");
    free(msg);
}

/* ------------------------------------------------------- value-type quirks */

static void test_value_types(void **state)
{
    (void)state;
    /* JSON booleans (FusionPBX with boolean columns), a number for an extension, numbers
     * for strings, a row without domain_uuid (the fallback), 1/0 booleans */
    const char *body =
        "{\"data\":[[{\"extension\":103,\"enabled\":true,\"domain_uuid\":\"" ACME "\","
        "\"outbound_caller_number\":3135550103,\"outbound_caller_name\":\"Carol\"},"
        "{\"extension\":\"104\",\"enabled\":false,\"domain_uuid\":\"" ACME "\"},"
        "{\"extension\":\"105\",\"enabled\":\"1\",\"domain_uuid\":\"" ACME "\"},"
        "{\"extension\":\"106\",\"enabled\":\"maybe\",\"domain_uuid\":\"" ACME "\"}]],"
        "\"error\":\"\",\"kamreload\":false,\"msg\":\"4 extensions were found\"}";
    struct snapshot *s = decode_ok(body, false);
    assert_int_equal(snap_count(s), 4);
    assert_string_equal(field(s, "12/" ACME "/103", EXT_EXTENSION), "103");
    assert_string_equal(field(s, "12/" ACME "/103", EXT_ENABLED), "true");
    assert_string_equal(field(s, "12/" ACME "/103", EXT_CALLERID), "3135550103");
    assert_string_equal(field(s, "12/" ACME "/104", EXT_ENABLED), "false");
    assert_string_equal(field(s, "12/" ACME "/105", EXT_ENABLED), "true");
    assert_null(field(s, "12/" ACME "/106", EXT_ENABLED));
    snap_free(s);

    char *err;
    s = snap_new(KIND_EXTENSIONS);
    const char *nodom = "{\"data\":[[{\"extension\":\"7\"}]],\"error\":\"\"}";
    assert_int_equal(dsiprouter_add_extensions(s, nodom, strlen(nodom), 3, GLOBEX, false, &err), 0);
    snap_finish(s);
    assert_int_equal(snap_count(s), 1);
    assert_string_equal(snap_get(s, 0)->id, "3/" GLOBEX "/7");
    snap_free(s);
}

static void test_data_shapes(void **state)
{
    (void)state;
    /* a flat list (newer routes) and an empty one are read as well */
    const char *flat = "{\"data\":[{\"extension\":\"1\",\"domain_uuid\":\"" ACME "\"}],"
                       "\"error\":\"\"}";
    struct snapshot *s = decode_ok(flat, false);
    assert_int_equal(snap_count(s), 1);
    snap_free(s);
    s = decode_ok("{\"data\":[],\"error\":\"\",\"msg\":\"\"}", false);
    assert_int_equal(snap_count(s), 0);
    snap_free(s);
    /* several inner lists and junk between rows */
    const char *mixed = "{\"data\":[[],7,[null,{\"extension\":\"2\",\"domain_uuid\":\"" ACME
                        "\"},\"x\"],[{\"extension\":\"3\",\"domain_uuid\":\"" ACME "\"}]],"
                        "\"error\":\"\"}";
    s = decode_ok(mixed, false);
    assert_int_equal(snap_count(s), 2);
    snap_free(s);
}

/* Rows that could never be changed again are left out, not shown with a made-up id. */
static void test_rows_skipped(void **state)
{
    (void)state;
    const char *body = "{\"data\":[[{\"enabled\":\"true\",\"domain_uuid\":\"" ACME "\"},"
                       "{\"extension\":\"\",\"domain_uuid\":\"" ACME "\"},"
                       "{\"extension\":\"1 2\",\"domain_uuid\":\"" ACME "\"},"
                       "{\"extension\":\"9\\u001b[2J\",\"domain_uuid\":\"" ACME "\"},"
                       "{\"extension\":null,\"domain_uuid\":\"" ACME "\"},"
                       "{\"extension\":[1],\"domain_uuid\":\"" ACME "\"},"
                       "{\"extension\":\"5\",\"domain_uuid\":\"not-a-uuid\"},"
                       "{\"extension\":\"6\",\"domain_uuid\":\"" ACME "\"}]],\"error\":\"\"}";
    struct snapshot *s = decode_ok(body, false);
    assert_int_equal(snap_count(s), 1);
    assert_string_equal(snap_get(s, 0)->id, "12/" ACME "/6");
    snap_free(s);
}

static void test_hostile_text_kept_for_the_sanitiser(void **state)
{
    (void)state;
    /* names are shown escaped by the output layer; the decoder keeps them as sent */
    const char *body = "{\"data\":[[{\"extension\":\"1\",\"domain_uuid\":\"" ACME "\","
                       "\"outbound_caller_name\":\"Zo\\u001b]2;PWN\\u0007\\u202e\","
                       "\"user_context\":\"a\\u0000b\"}]],\"error\":\"\"}";
    struct snapshot *s = decode_ok(body, false);
    assert_string_equal(field(s, "12/" ACME "/1", EXT_NAME), "Zo\x1b]2;PWN\x07\xe2\x80\xae");
    snap_free(s);
}

static void test_duplicate_numbers(void **state)
{
    (void)state;
    /* the server stores duplicates (no check on create): one id, one row shown */
    const char *body = "{\"data\":[[{\"extension\":\"1\",\"domain_uuid\":\"" ACME "\"},"
                       "{\"extension\":\"1\",\"domain_uuid\":\"" ACME "\"}]],\"error\":\"\"}";
    struct snapshot *s = decode_ok(body, false);
    assert_int_equal(snap_count(s), 1);
    assert_int_equal(snap_duplicates(s), 1);
    snap_free(s);
}

/* ----------------------------------------------------------- hostile input */

static void test_not_json(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "<html><body>502 Bad Gateway</body></html>",
        "",
        "   \r\n",
        "null",
        "\"data\"",
        "42",
        "[[{\"extension\":\"1\"}]]",
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
    char *body = read_fixture("mediaserver_extension_list.json", &len);
    for (size_t cut = 0; cut < len - 2; cut += 5) {
        char *err = NULL;
        struct snapshot *s = dsiprouter_decode_extensions(body, cut, 12, true, &err);
        if (s)
            fail_msg("a body cut at %zu of %zu bytes was accepted", cut, len);
        free(err);
        size_t n;
        long long *ids = dsiprouter_decode_endpointgroups(body, cut, &n, &err);
        assert_null(ids);
        free(err);
        struct dsiprouter_domain *d = dsiprouter_decode_domains(body, cut, 1, &n, &err);
        assert_null(d);
        free(err);
    }
    free(body);
}

static void test_wrong_shapes(void **state)
{
    (void)state;
    static const struct {
        const char *body, *needle;
    } cases[] = {
        {"{\"data\":{\"extension\":\"1\"},\"error\":\"\"}", "not a list"},
        {"{\"data\":\"[[]]\",\"error\":\"\"}", "not a list"},
        {"{\"data\":null,\"error\":\"\"}", "not a list"},
        {"{\"error\":\"\",\"msg\":\"2 extensions were found\"}", "no data"},
        {"{\"data\":[[]],\"error\":\"server\",\"msg\":\"boom\"}", "boom"},
        {"{\"data\":[[]],\"error\":\"db\"}", "no message"},
        {"{}", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_refused(cases[i].body, strlen(cases[i].body), cases[i].needle);
}

static void test_huge_and_odd_numbers(void **state)
{
    (void)state;
    const char *body = "{\"data\":[{\"gwgroupid\":1e300},{\"gwgroupid\":-4},{\"gwgroupid\":0},"
                       "{\"gwgroupid\":\"77\"},{\"gwgroupid\":2.5},{\"gwgroupid\":true},"
                       "{\"gwgroupid\":\"99999999999999999999\"},{\"name\":\"x\"},"
                       "{\"gwgroupid\":9007199254740991}],\"error\":\"\"}";
    size_t n;
    char *err;
    long long *ids = dsiprouter_decode_endpointgroups(body, strlen(body), &n, &err);
    assert_null(err);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], 77);
    assert_int_equal(ids[1], 9007199254740991LL); /* the largest exact one still counts */
    free(ids);
    /* a huge call_timeout loads as the default, not as garbage */
    struct dsiprouter_ext e;
    dsiprouter_ext_init(&e);
    const char *list = "{\"data\":[[{\"extension\":\"1\",\"call_timeout\":1e300}]],\"error\":\"\"}";
    assert_int_equal(dsiprouter_ext_load(&e, list, strlen(list), "1", &err), 1);
    assert_int_equal(e.call_timeout, 30);
    dsiprouter_ext_done(&e);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 1u << 20);
    (void)strbuf_adds(&sb, "{\"data\":");
    for (int i = 0; i < 5000; i++)
        (void)strbuf_addc(&sb, '[');
    for (int i = 0; i < 5000; i++)
        (void)strbuf_addc(&sb, ']');
    (void)strbuf_adds(&sb, ",\"error\":\"\"}");
    char *body = strbuf_take(&sb);
    expect_refused(body, strlen(body), NULL);
    free(body);
}

static void test_many_extensions(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 1u << 24);
    (void)strbuf_adds(&sb, "{\"data\":[[");
    for (int i = 0; i < 20000; i++)
        (void)strbuf_addf(&sb,
                          "%s{\"extension\":\"%d\",\"domain_uuid\":\"" ACME "\","
                          "\"enabled\":\"true\",\"outbound_caller_name\":\"User %d\"}",
                          i ? "," : "", 10000 + i, i);
    (void)strbuf_adds(&sb, "]],\"error\":\"\",\"kamreload\":false,\"msg\":\"\"}");
    char *body = strbuf_take(&sb);
    struct snapshot *s = decode_ok(body, false);
    assert_int_equal(snap_count(s), 20000);
    assert_string_equal(field(s, "12/" ACME "/29999", EXT_NAME), "User 19999");
    snap_free(s);
    free(body);
}

/* -------------------------------------------------------------------- ids */

static void test_ids(void **state)
{
    (void)state;
    char *id = dsiprouter_ext_id(12, ACME, "101");
    assert_string_equal(id, EXT_101);
    long long cid;
    char *dom, *num;
    assert_true(dsiprouter_parse_ext_id(id, &cid, &dom, &num));
    assert_int_equal(cid, 12);
    assert_string_equal(dom, ACME);
    assert_string_equal(num, "101");
    free(dom);
    free(num);
    free(id);
    /* the rest after the domain is the number, whatever it holds */
    assert_true(dsiprouter_parse_ext_id("3/" ACME "/*98/x", &cid, &dom, &num));
    assert_string_equal(num, "*98/x");
    free(dom);
    free(num);
    static const char *const bad[] = {
        "",
        "101",
        "12/101",
        "12/" ACME,
        "12/" ACME "/",
        "0/" ACME "/101",
        "-1/" ACME "/101",
        "x/" ACME "/101",
        "/" ACME "/101",
        "12/5f0c2d3e-8a41-4b7e-9e0d-2a6b1c9f7e3/101",
        "12/5f0c2d3e-8a41-4b7e-9e0d-2a6b1c9f7e31x/101",
        "12/../../../../../../../../../../etc/pass/101",
        "12/" ACME "/1 01",
        "12/" ACME "/1\n",
        "99999999999999999999/" ACME "/1",
        "12/" ACME "/01234567890123456789012345678901234567890123456789012345678901234",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (dsiprouter_parse_ext_id(bad[i], &cid, &dom, &num))
            fail_msg("accepted id '%s'", bad[i]);
    }
    assert_true(dsiprouter_valid_uuid(ACME));
    assert_true(dsiprouter_valid_uuid("5F0C2D3E-8A41-4B7E-9E0D-2A6B1C9F7E31"));
    assert_false(dsiprouter_valid_uuid("5f0c2d3e_8a41-4b7e-9e0d-2a6b1c9f7e31"));
    assert_false(dsiprouter_valid_uuid(NULL));
}

/* ---------------------------------------------------------------- writes */

/* The JSON in fixture `name` equals `json` (same keys, values and JSON types). */
static void assert_same_json(const char *name, const char *json)
{
    size_t len;
    char *want = read_fixture(name, &len);
    cJSON *a = cJSON_Parse(want), *b = cJSON_Parse(json);
    assert_non_null(a);
    assert_non_null(b);
    if (!cJSON_Compare(a, b, true))
        fail_msg("%s differs:\n%s\ngot:\n%s", name, want, json);
    cJSON_Delete(a);
    cJSON_Delete(b);
    free(want);
}

static void set(struct dsiprouter_ext *e, const char *f, const char *v)
{
    char *err = dsiprouter_ext_set(e, f, v);
    if (err)
        fail_msg("%s=%s refused: %s", f, v ? v : "(null)", err);
}

static void fixture_values(struct dsiprouter_ext *e, const char *password, const char *name,
                           const char *timeout)
{
    set(e, "config_id", "12");
    set(e, "domain_id", ACME);
    set(e, "extension", "103");
    set(e, "password", password);
    set(e, "enabled", "yes");
    set(e, "account_code", "acme");
    set(e, "callerid", "+13135550103");
    set(e, "name", name);
    set(e, "voicemail", "true");
    set(e, "vm_password", "1234");
    set(e, "vm_notify_email", "carol@acme.example");
    set(e, "call_timeout", timeout);
}

static void test_create_body_all_keys_exact_types(void **state)
{
    (void)state;
    struct dsiprouter_ext e;
    dsiprouter_ext_init(&e);
    fixture_values(&e, "Xk9#pQ2v", "Carol", "30");
    char *body = dsiprouter_build_extension_body(&e, OP_CREATE);
    assert_same_json("mediaserver_extension_create_request.json", body);
    cJSON *o = cJSON_Parse(body);
    assert_int_equal(cJSON_GetArraySize(o), 12);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(o, "vm_password")));
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(o, "config_id")));
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(o, "call_timeout")));
    assert_true(cJSON_IsBool(cJSON_GetObjectItem(o, "enabled")));
    assert_true(cJSON_IsBool(cJSON_GetObjectItem(o, "vm_enabled")));
    assert_true(cJSON_IsString(cJSON_GetObjectItem(o, "extension")));
    cJSON_Delete(o);
    free(body);
    dsiprouter_ext_done(&e);

    /* the defaults of a create fill every key, with the right types */
    dsiprouter_ext_init(&e);
    set(&e, "extension", "1000");
    set(&e, "vm_password", "4321");
    body = dsiprouter_build_extension_body(&e, OP_CREATE);
    o = cJSON_Parse(body);
    assert_int_equal(cJSON_GetArraySize(o), 12);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "enabled")));
    assert_int_equal((int)cJSON_GetObjectItem(o, "call_timeout")->valuedouble, 30);
    assert_string_equal(cJSON_GetObjectItem(o, "outbound_caller_name")->valuestring, "");
    cJSON_Delete(o);
    free(body);
    dsiprouter_ext_done(&e);
}

static void test_update_and_delete_bodies(void **state)
{
    (void)state;
    struct dsiprouter_ext e;
    dsiprouter_ext_init(&e);
    fixture_values(&e, "N3w#Passw0rd", "Carol C.", "25");
    char *body = dsiprouter_build_extension_body(&e, OP_UPDATE);
    assert_same_json("mediaserver_extension_update_request.json", body);
    free(body);
    body = dsiprouter_build_extension_body(&e, OP_DELETE);
    assert_same_json("mediaserver_extension_delete_request.json", body);
    free(body);
    dsiprouter_ext_done(&e);
}

static void test_ext_set_refusals(void **state)
{
    (void)state;
    struct dsiprouter_ext e;
    dsiprouter_ext_init(&e);
    static const char *const bad[][2] = {
        {"vm_password", "12a"},
        {"vm_password", ""},
        {"vm_password", "-5"},
        {"call_timeout", "1e3"},
        {"call_timeout", "99999999999999999999"},
        {"call_timeout", "1000000000000000"},
        {"enabled", "maybe"},
        {"voicemail", NULL},
        {"config_id", "twelve"},
        {"ring_time", "20"},
        {"tech", "SIP"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *err = dsiprouter_ext_set(&e, bad[i][0], bad[i][1]);
        if (!err)
            fail_msg("%s=%s accepted", bad[i][0], bad[i][1] ? bad[i][1] : "(null)");
        assert_has(err, bad[i][0]);
        free(err);
    }
    /* null strings are sent as "": the server's type check refuses null */
    set(&e, "name", NULL);
    assert_string_equal(e.caller_name, "");
    dsiprouter_ext_done(&e);
}

static void test_ext_load_current_values(void **state)
{
    (void)state;
    size_t len;
    char *err;
    char *body = read_fixture("mediaserver_extension_list.json", &len);
    struct dsiprouter_ext e;
    dsiprouter_ext_init(&e);
    assert_int_equal(dsiprouter_ext_load(&e, body, len, "101", &err), 1);
    assert_string_equal(e.caller_name, "Alice");
    assert_string_equal(e.caller_number, "+13135550101");
    assert_string_equal(e.account_code, "acme");
    assert_true(e.enabled);
    assert_int_equal(e.call_timeout, 30);
    /* nulls become what the PUT's exact type checks accept */
    assert_int_equal(dsiprouter_ext_load(&e, body, len, "102", &err), 1);
    assert_string_equal(e.caller_name, "");
    assert_string_equal(e.caller_number, "");
    assert_string_equal(e.account_code, "");
    assert_false(e.enabled);
    assert_int_equal(e.call_timeout, 30);
    assert_string_equal(e.extension, "102");
    assert_int_equal(dsiprouter_ext_load(&e, body, len, "999", &err), 0);
    assert_null(err);
    assert_int_equal(dsiprouter_ext_load(&e, "<html>", 6, "101", &err), -1);
    assert_non_null(err);
    free(err);
    dsiprouter_ext_done(&e);
    free(body);
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
        {"mediaserver_extension_create_response.json", OP_CREATE, 200, ACT_OK, "created"},
        {"mediaserver_extension_update_response.json", OP_UPDATE, 200, ACT_OK, "updated"},
        {"mediaserver_extension_delete_response.json", OP_DELETE, 200, ACT_OK,
         "deleted (or already gone)"},
        {"error_400_arg_not_valid.json", OP_CREATE, 400, ACT_FAILED,
         "refused: dSIPRouter http error (HTTP 400): Request data argument 'vm_password' not "
         "valid"},
        {"error_400_arg_not_recognized.json", OP_CREATE, 400, ACT_FAILED, "num_of_extensions"},
        {"error_500_missing_field_keyerror.json", OP_CREATE, 500, ACT_FAILED,
         "wanted field 'outbound_caller_number'"},
        {"error_500_config_missing.json", OP_DELETE, 500, ACT_FAILED,
         "Configuration doesn't exist"},
        {"error_401_unauthorized.json", OP_UPDATE, 401, ACT_AUTH, "API token refused"},
        {"error_401_core_subscription_required.json", OP_CREATE, 401, ACT_AUTH, "license"},
        /* an error envelope with 200, and 200 that is not JSON */
        {"error_500_config_missing.json", OP_CREATE, 200, ACT_FAILED, "HTTP 200, but"},
        {"mediaserver_route_missing_v079_exchange.json", OP_CREATE, 200, ACT_FAILED,
         "HTTP 200, but"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *body = read_fixture(cases[i].file, &len);
        char *msg = NULL;
        enum act_outcome o = dsiprouter_map_write_answer(cases[i].op, cases[i].status,
                                                         "application/json", body, len, &msg);
        if (o != cases[i].want)
            fail_msg("%s: outcome %s, want %s (%s)", cases[i].file, act_outcome_name(o),
                     act_outcome_name(cases[i].want), msg);
        assert_has(msg, cases[i].needle);
        free(msg);
        free(body);
    }
}

static void test_keyerror_field(void **state)
{
    (void)state;
    size_t len;
    char *body = read_fixture("error_500_missing_field_keyerror.json", &len);
    char *f = dsiprouter_keyerror_field(body, len);
    assert_string_equal(f, "outbound_caller_number");
    free(f);
    free(body);
    body = read_fixture("error_500_domain_not_found_indexerror.json", &len);
    assert_null(dsiprouter_keyerror_field(body, len));
    free(body);
    static const char *const no[] = {"{\"msg\":\"''\"}", "{\"msg\":\"'a b'\"}", "{\"msg\":7}",
                                     "not json", "{\"msg\":\"'x\"}"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_null(dsiprouter_keyerror_field(no[i], strlen(no[i])));
}

/* -------------------------------------------------------- the adapter itself */

static char *check(struct backend_conf *c, const char **key)
{
    *key = NULL;
    return dsiprouter_adapter.check_conf(c, key);
}

static void test_check_conf(void **state)
{
    (void)state;
    char name[] = "pbx", type[] = "dsiprouter", spaced[] = "abc def";
    char crlf[] = "tok\r\nX-Evil: 1", good[] = "good-token", token[] = "token";
    char session[] = "session", variant[] = "L11";
    struct backend_conf c = {.name = name, .type = type};
    const char *key;
    char *err = check(&c, &key);
    assert_has(err, "API token");
    assert_string_equal(key, "password");
    free(err);
    c.password = spaced;
    err = check(&c, &key);
    assert_has(err, "spaces");
    assert_null(strstr(err, "abc"));
    free(err);
    c.password = crlf;
    err = check(&c, &key);
    assert_has(err, "control characters");
    free(err);
    c.password = good;
    assert_null(check(&c, &key));
    c.auth = token;
    assert_null(check(&c, &key));
    c.auth = session;
    err = check(&c, &key);
    assert_string_equal(key, "auth");
    assert_has(err, "not supported by this build");
    free(err);
    c.auth = NULL;
    c.variant = variant;
    err = check(&c, &key);
    assert_string_equal(key, "variant");
    free(err);
}

static void test_capabilities(void **state)
{
    (void)state;
    const struct adapter *a = &dsiprouter_adapter;
    assert_string_equal(a->type, "dsiprouter");
    assert_int_equal(a->kinds, 1u << KIND_EXTENSIONS);
    assert_int_equal(a->caps & CAP_HANGUP, 0);
    assert_has(a->why_not[KIND_RINGGROUPS], "endpoint groups are trunk pools");
    assert_has(a->why_not[KIND_CHANNELS], "counters");
    assert_non_null(a->why_not[KIND_QUEUES]);
    assert_non_null(a->why_not[KIND_QUEUEMEMBERS]);
    assert_null(a->login_req);
    assert_null(a->hangup);
    const struct record_schema *s = a->schema[KIND_EXTENSIONS];
    assert_non_null(s);
    assert_int_equal(s->ops, OP_CREATE | OP_UPDATE | OP_DELETE);
    assert_true(schema_field(s, "password")->flags & FS_SECRET);
    assert_true(schema_field(s, "vm_password")->flags & FS_SECRET);
    assert_int_equal(schema_field(s, "vm_password")->type, FT_INT);
    assert_int_equal(schema_field(s, "call_timeout")->type, FT_INT);
    assert_true(schema_field(s, "extension")->flags & FS_CREATE_ONLY);
    for (int k = 0; k < KIND_COUNT; k++)
        assert_true(k == KIND_EXTENSIONS || a->schema[k] == NULL);
}

/* The schema refuses before anything is sent what the server would mangle or refuse. */
static void test_schema_checks(void **state)
{
    (void)state;
    const struct record_schema *s = dsiprouter_adapter.schema[KIND_EXTENSIONS];
    static const char *const bad[][2] = {
        {"vm_password", "0123"}, /* an int on the wire: the leading zero would be lost */
        {"vm_password", "12a"},  {"extension", "10a"}, {"extension", ""},  {"domain_id", "acme"},
        {"call_timeout", "-1"},  {"enabled", "maybe"}, {"config_id", "0"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *err = schema_check_value(schema_field(s, bad[i][0]), bad[i][1]);
        if (!err)
            fail_msg("%s=%s passed the schema", bad[i][0], bad[i][1]);
        assert_null(strstr(err, "0123"));
        free(err);
    }
    const char *names[] = {"extension", "password", "vm_password", "context"};
    const char *values[] = {"1000", "pw", "2468", "acme.pbx.example.com"};
    struct change c = {
        .op = OP_CREATE, .kind = KIND_EXTENSIONS, .nvalues = 4, .names = names, .values = values};
    assert_null(schema_check_change(s, &c));
    c.nvalues = 2;
    char *err = schema_check_change(s, &c);
    assert_has(err, "vm_password");
    free(err);
    const char *upd_names[] = {"extension"};
    const char *upd_values[] = {"1001"};
    struct change u = {.op = OP_UPDATE,
                       .kind = KIND_EXTENSIONS,
                       .id = EXT_101,
                       .nvalues = 1,
                       .names = upd_names,
                       .values = upd_values};
    err = schema_check_change(s, &u);
    assert_has(err, "created");
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_endpointgroups),
        cmocka_unit_test(test_fixture_endpointgroup_fusionpbx),
        cmocka_unit_test(test_fixture_domains),
        cmocka_unit_test(test_fixture_extension_list),
        cmocka_unit_test(test_fixture_extension_list_raw),
        cmocka_unit_test(test_fixture_errors),
        cmocka_unit_test(test_license_gate_is_distinct),
        cmocka_unit_test(test_fixture_route_missing_v079),
        cmocka_unit_test(test_other_statuses),
        cmocka_unit_test(test_value_types),
        cmocka_unit_test(test_data_shapes),
        cmocka_unit_test(test_rows_skipped),
        cmocka_unit_test(test_hostile_text_kept_for_the_sanitiser),
        cmocka_unit_test(test_duplicate_numbers),
        cmocka_unit_test(test_not_json),
        cmocka_unit_test(test_truncated_json),
        cmocka_unit_test(test_wrong_shapes),
        cmocka_unit_test(test_huge_and_odd_numbers),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_many_extensions),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_create_body_all_keys_exact_types),
        cmocka_unit_test(test_update_and_delete_bodies),
        cmocka_unit_test(test_ext_set_refusals),
        cmocka_unit_test(test_ext_load_current_values),
        cmocka_unit_test(test_write_answers),
        cmocka_unit_test(test_keyerror_field),
        cmocka_unit_test(test_check_conf),
        cmocka_unit_test(test_capabilities),
        cmocka_unit_test(test_schema_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
