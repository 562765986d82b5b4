/* net/backend_ngcp: every NGCP fixture through the decoders and the answer mapping, the
 * value-type quirks (ids and numbers as strings, 0/1 booleans), HAL shapes (no _embedded for
 * an empty collection, a lone object instead of an array), next links, write bodies against
 * the request fixtures, the schema, and hostile or malformed input. */
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
#include "net/model.h"
#include "net/schema.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

extern const struct adapter ngcp_adapter;

static char *read_fixture(const char *name, size_t *len)
{
    char *path = xasprintf("%s/ngcp/%s", FIXTURES, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    struct strbuf sb;
    strbuf_init(&sb, 1u << 24);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        assert_int_equal(strbuf_add(&sb, buf, n), 0);
    fclose(f);
    free(path);
    *len = sb.len;
    return strbuf_take(&sb);
}

static cJSON *fixture_json(const char *name)
{
    size_t len;
    char *body = read_fixture(name, &len);
    cJSON *j = cJSON_ParseWithLength(body, len);
    free(body);
    if (!j)
        fail_msg("fixture %s is not JSON", name);
    return j;
}

/* Decode body as one page of `kind`, which must succeed; pg->next is the caller's. */
static struct snapshot *page_of(enum kind kind, const char *body, size_t len, bool raw,
                                struct ngcp_page *pg)
{
    char *err = NULL;
    struct snapshot *s = snap_new(kind);
    if (ngcp_decode_page(s, body, len, raw, pg, &err))
        fail_msg("refused: %s", err);
    assert_null(err);
    snap_finish(s);
    return s;
}

static struct snapshot *fixture_page(enum kind kind, const char *name, struct ngcp_page *pg)
{
    size_t len;
    char *body = read_fixture(name, &len);
    struct snapshot *s = page_of(kind, body, len, false, pg);
    free(body);
    return s;
}

static struct snapshot *decode_text(enum kind kind, const char *body)
{
    struct ngcp_page pg;
    struct snapshot *s = page_of(kind, body, strlen(body), false, &pg);
    free(pg.next);
    return s;
}

static void expect_refused(enum kind kind, const char *body, size_t len, const char *needle)
{
    char *err = NULL;
    struct ngcp_page pg;
    struct snapshot *s = snap_new(kind);
    if (ngcp_decode_page(s, body, len, true, &pg, &err) == 0)
        fail_msg("accepted: %.200s", body);
    snap_free(s);
    assert_null(pg.next);
    assert_non_null(err);
    if (needle && !strstr(err, needle))
        fail_msg("message '%s' lacks '%s'", err, needle);
    free(err);
    /* The whole-body decoders refuse it too. */
    s = kind == KIND_QUEUES       ? ngcp_decode_queues(body, len, false, &err)
        : kind == KIND_RINGGROUPS ? ngcp_decode_ringgroups(body, len, false, &err)
                                  : ngcp_decode_extensions(body, len, false, &err);
    assert_null(s);
    assert_non_null(err);
    free(err);
}

static const char *field(const struct snapshot *s, size_t i, int f)
{
    return snap_get(s, i)->v[f];
}

static void assert_field(const struct snapshot *s, size_t i, int f, const char *want)
{
    const char *got = field(s, i, f);
    if (!want && got)
        fail_msg("record %s field %d: '%s', expected null", snap_get(s, i)->id, f, got);
    if (want && (!got || strcmp(got, want) != 0))
        fail_msg("record %s field %d: '%s', expected '%s'", snap_get(s, i)->id, f,
                 got ? got : "(null)", want);
}

/* A collection body holding the given comma-separated subscriber objects. */
static char *subscribers(const char *objects, const char *next)
{
    char *links = next ? xasprintf(",\"next\":{\"href\":\"%s\"}", next) : xstrdup("");
    char *body = xasprintf("{\"_embedded\":{\"ngcp:subscribers\":[%s]},"
                           "\"_links\":{\"self\":{\"href\":\"/api/subscribers/\"}%s},"
                           "\"total_count\":3}",
                           objects, links);
    free(links);
    return body;
}

/* ------------------------------------------------------------------ fixtures */

static void test_fixture_page1_extensions(void **state)
{
    (void)state;
    struct ngcp_page pg;
    struct snapshot *s = fixture_page(KIND_EXTENSIONS, "subscribers_collection_page1.json", &pg);
    assert_int_equal(snap_count(s), 2);
    assert_int_equal(pg.items, 2);
    assert_int_equal(pg.total, 5);
    assert_string_equal(pg.next, "/api/subscribers/?page=2&rows=2");
    char *path = ngcp_next_path(pg.next, "subscribers");
    assert_string_equal(path, "/subscribers/?page=2&rows=2");
    free(path);
    free(pg.next);
    /* The pilot has no extension: its SIP username stands in. */
    long p = snap_find(s, "41"), a = snap_find(s, "42");
    assert_true(p >= 0 && a >= 0);
    assert_field(s, (size_t)p, EXT_EXTENSION, "acme_pilot");
    assert_field(s, (size_t)p, EXT_NAME, "Acme Reception");
    assert_field(s, (size_t)p, EXT_CALLERID, "431999010");
    assert_field(s, (size_t)a, EXT_EXTENSION, "101");
    assert_field(s, (size_t)a, EXT_NAME, "Alice Example");
    assert_field(s, (size_t)a, EXT_ENABLED, "true");
    assert_field(s, (size_t)a, EXT_VOICEMAIL, NULL);
    assert_field(s, (size_t)a, EXT_CALLERID, "431999010101");
    assert_field(s, (size_t)a, EXT_CONTEXT, "pbx.example.org");
    assert_field(s, (size_t)a, EXT_TECH, "sip");
    assert_null(snap_get(s, (size_t)a)->raw);
    snap_free(s);
    /* No group on this page. */
    s = fixture_page(KIND_RINGGROUPS, "subscribers_collection_page1.json", &pg);
    assert_int_equal(snap_count(s), 0);
    assert_int_equal(pg.items, 2);
    free(pg.next);
    snap_free(s);
}

static void test_fixture_groups(void **state)
{
    (void)state;
    struct ngcp_page pg;
    struct snapshot *s =
        fixture_page(KIND_RINGGROUPS, "subscribers_collection_groups_filter.json", &pg);
    assert_null(pg.next);
    assert_int_equal(pg.total, 1);
    assert_int_equal(snap_count(s), 1);
    assert_string_equal(snap_get(s, 0)->id, "45");
    assert_field(s, 0, RG_EXTENSION, "200");
    assert_field(s, 0, RG_NAME, "Sales Hunt Group");
    assert_field(s, 0, RG_STRATEGY, "serial");
    assert_field(s, 0, RG_RING_TIME, "20");
    assert_field(s, 0, RG_MEMBERS,
                 "42\x1f"
                 "43");
    snap_free(s);
    /* A group is never an extension, whatever the server's filter did. */
    s = fixture_page(KIND_EXTENSIONS, "subscribers_collection_groups_filter.json", &pg);
    assert_int_equal(snap_count(s), 0);
    snap_free(s);
}

static void test_fixture_empty_collection(void **state)
{
    (void)state;
    /* No _embedded at all: an empty collection, not an error. */
    for (int k = 0; k < 2; k++) {
        struct ngcp_page pg;
        struct snapshot *s = fixture_page(k ? KIND_RINGGROUPS : KIND_EXTENSIONS,
                                          "subscribers_collection_empty.json", &pg);
        assert_int_equal(snap_count(s), 0);
        assert_int_equal(pg.items, 0);
        assert_int_equal(pg.total, 0);
        assert_null(pg.next);
        snap_free(s);
    }
    char *err = NULL;
    size_t len;
    char *body = read_fixture("subscribers_collection_empty.json", &len);
    struct snapshot *s = ngcp_decode_extensions(body, len, false, &err);
    assert_non_null(s);
    assert_int_equal(snap_count(s), 0);
    snap_free(s);
    free(body);
}

static void test_fixture_callqueues(void **state)
{
    (void)state;
    size_t len;
    char *err = NULL;
    char *body = read_fixture("callqueues_collection.json", &len);
    struct snapshot *s = ngcp_decode_queues(body, len, true, &err);
    free(body);
    assert_non_null(s);
    assert_int_equal(snap_count(s), 1);
    /* No id field: the id comes from _links.self. */
    assert_string_equal(snap_get(s, 0)->id, "45");
    assert_field(s, 0, Q_QUEUE, "45");
    assert_field(s, 0, Q_CALLS, "2");
    assert_field(s, 0, Q_STRATEGY, NULL);
    assert_field(s, 0, Q_HOLD_TIME, NULL);
    cJSON *raw = cJSON_Parse(snap_get(s, 0)->raw);
    assert_non_null(raw);
    assert_int_equal(cJSON_GetObjectItem(raw, "queue_length")->valueint, 2);
    cJSON_Delete(raw);
    snap_free(s);
}

static void test_fixture_raw_kept(void **state)
{
    (void)state;
    size_t len;
    char *err = NULL;
    char *body = read_fixture("subscribers_collection_page1.json", &len);
    struct snapshot *s = ngcp_decode_extensions(body, len, true, &err);
    free(body);
    assert_non_null(s);
    cJSON *fix = fixture_json("subscriber_item_pbx_extension.json");
    cJSON *raw = cJSON_Parse(snap_get(s, (size_t)snap_find(s, "42"))->raw);
    /* The collection's item is the item fixture, links and all. */
    assert_true(cJSON_Compare(raw, fix, true));
    cJSON_Delete(raw);
    cJSON_Delete(fix);
    snap_free(s);
}

static void test_fixture_other_collections_refused(void **state)
{
    (void)state;
    static const char *const names[] = {
        "pbxusers_collection.json",
        "domains_collection.json",
        "subscriberregistrations_collection.json",
        "subscriber_item_pbx_extension.json",
        "subscriber_item_pbx_group.json",
        "customer_item.json",
        "options_subscribers_item.json",
        "error_404_subscriber_not_found.json",
        "error_422_validation_failed.json",
        "billingprofile_item.json",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t len;
        char *body = read_fixture(names[i], &len);
        expect_refused(KIND_EXTENSIONS, body, len, NULL);
        expect_refused(KIND_QUEUES, body, len, NULL);
        free(body);
    }
}

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

/* ------------------------------------------------------------------ value types, shapes */

static void test_value_type_quirks(void **state)
{
    (void)state;
    /* ids and numbers as strings, 0/1 and string booleans, a lone object for the list. */
    const char *body =
        "{\"_embedded\":{\"ngcp:subscribers\":{\"id\":\"0042\",\"is_pbx_group\":\"1\","
        "\"pbx_extension\":\"300\",\"pbx_hunt_timeout\":\"25\",\"pbx_hunt_policy\":\"random\","
        "\"pbx_groupmember_ids\":[\"7\",8,\"x\",-3,0,9.5,null,{}],\"display_name\":null}},"
        "\"total_count\":\"1\"}";
    struct snapshot *s = decode_text(KIND_RINGGROUPS, body);
    assert_int_equal(snap_count(s), 1);
    assert_string_equal(snap_get(s, 0)->id, "42");
    assert_field(s, 0, RG_RING_TIME, "25");
    assert_field(s, 0, RG_NAME, NULL);
    assert_field(s, 0, RG_MEMBERS,
                 "7\x1f"
                 "8");
    snap_free(s);
    /* Group flags as 1/true/"true"; a missing flag is a plain SIP account. */
    s = decode_text(KIND_EXTENSIONS,
                    "{\"total_count\":4,\"_embedded\":{\"ngcp:subscribers\":["
                    "{\"id\":1,\"is_pbx_group\":1},{\"id\":2,\"is_pbx_group\":\"true\"},"
                    "{\"id\":3,\"is_pbx_group\":false,\"status\":\"locked\",\"username\":\"u3\","
                    "\"primary_number\":{\"cc\":43,\"ac\":\"\",\"sn\":\"123\"}},"
                    "{\"id\":4,\"username\":\"sip4\",\"status\":\"terminated\","
                    "\"pbx_extension\":\"\",\"primary_number\":null}]}}");
    assert_int_equal(snap_count(s), 2);
    assert_field(s, 0, EXT_ENABLED, "false");
    assert_field(s, 0, EXT_EXTENSION, "u3");
    assert_field(s, 0, EXT_CALLERID, "43123");
    assert_field(s, 1, EXT_EXTENSION, "sip4");
    assert_field(s, 1, EXT_CALLERID, NULL);
    assert_field(s, 1, EXT_CONTEXT, NULL);
    snap_free(s);
    /* Groups without hunt fields or with a non-list of members. */
    s = decode_text(KIND_RINGGROUPS, "{\"total_count\":1,\"_embedded\":{\"ngcp:subscribers\":["
                                     "{\"id\":5,\"is_pbx_group\":true,\"pbx_hunt_timeout\":null,"
                                     "\"pbx_groupmember_ids\":\"42,43\"},"
                                     "{\"id\":6,\"is_pbx_group\":true,"
                                     "\"pbx_groupmember_ids\":[]}]}}");
    assert_int_equal(snap_count(s), 2);
    assert_field(s, 0, RG_RING_TIME, NULL);
    assert_field(s, 0, RG_MEMBERS, NULL);
    assert_field(s, 0, RG_STRATEGY, NULL);
    assert_field(s, 1, RG_MEMBERS, "");
    snap_free(s);
}

static void test_hostile_ids_skipped(void **state)
{
    (void)state;
    char *body = subscribers(
        "{\"username\":\"noid\"},{\"id\":0},{\"id\":-5},{\"id\":1e300},{\"id\":4.5},"
        "{\"id\":\"abc\"},{\"id\":\"99999999999999999999\"},{\"id\":true},{\"id\":null},"
        "{\"id\":[1]},\"text\",7,null,[],{\"id\":12,\"display_name\":\"ok\"},"
        "{\"id\":\"12\",\"display_name\":\"again\"}",
        NULL);
    struct snapshot *s = decode_text(KIND_EXTENSIONS, body);
    free(body);
    assert_int_equal(snap_count(s), 1);
    assert_int_equal(snap_duplicates(s), 1);
    assert_string_equal(snap_get(s, 0)->id, "12");
    assert_field(s, 0, EXT_NAME, "ok");
    snap_free(s);
    /* Callqueues with odd self links are skipped, not guessed at. */
    s = decode_text(KIND_QUEUES,
                    "{\"total_count\":5,\"_embedded\":{\"ngcp:callqueues\":["
                    "{\"queue_length\":1},{\"_links\":{\"self\":{\"href\":\"/api/callqueues/\"}}},"
                    "{\"_links\":{\"self\":{\"href\":\"/api/callqueues/../7\"}}},"
                    "{\"_links\":{\"self\":{\"href\":\"/api/callqueues/8?x=1\"}}},"
                    "{\"_links\":{\"self\":{\"href\":9}}},"
                    "{\"_links\":{\"self\":{\"href\":\"/api/callqueues/10\"}},"
                    "\"queue\":[{},{},{}]}]}}");
    assert_int_equal(snap_count(s), 1);
    assert_string_equal(snap_get(s, 0)->id, "10");
    assert_field(s, 0, Q_CALLS, "3");
    snap_free(s);
}

static void test_hostile_text_kept_verbatim(void **state)
{
    (void)state;
    /* Escapes and bidi controls are data here; the output layer escapes them. */
    const char *body =
        "{\"total_count\":1,\"_embedded\":{\"ngcp:subscribers\":[{\"id\":3,"
        "\"display_name\":\"Zo\\u001b]2;PW\\u0007\\u202e\",\"domain\":\"a\\u0000b\"}]}}";
    struct snapshot *s = decode_text(KIND_EXTENSIONS, body);
    assert_int_equal(snap_count(s), 1);
    assert_string_equal(field(s, 0, EXT_NAME), "Zo\x1b]2;PW\x07\xe2\x80\xae");
    snap_free(s);
}

static void test_malformed_refused(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        const char *needle;
    } cases[] = {
        {"", "empty answer"},
        {"   \n", "empty answer"},
        {"not json", "not valid JSON"},
        {"{\"total_count\":1,", "not valid JSON"},
        {"[]", "not a JSON object"},
        {"\"text\"", "not a JSON object"},
        {"null", "not a JSON object"},
        {"{}", "no total_count"},
        {"{\"_links\":{}}", "no total_count"},
        {"{\"total_count\":\"many\"}", "not a count"},
        {"{\"total_count\":-1}", "not a count"},
        {"{\"total_count\":1.5}", "not a count"},
        {"{\"total_count\":1,\"_embedded\":[]}", "_embedded"},
        {"{\"total_count\":1,\"_embedded\":{}}", "_embedded"},
        {"{\"total_count\":1,\"_embedded\":{\"ngcp:domains\":[]}}", "ngcp:subscribers"},
        {"{\"total_count\":1,\"_embedded\":{\"ngcp:subscribers\":\"x\"}}", "not a list"},
        {"{\"total_count\":1,\"_embedded\":{\"ngcp:subscribers\":7}}", "not a list"},
        {"{\"total_count\":1,\"_links\":{\"next\":{}}}", "next has no href"},
        {"{\"total_count\":1,\"_links\":{\"next\":{\"href\":5}}}", "next has no href"},
        {"{\"total_count\":1,\"_links\":{\"next\":\"/api/subscribers/?page=2\"}}",
         "next has no href"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_refused(KIND_EXTENSIONS, cases[i].body, strlen(cases[i].body), cases[i].needle);
    /* Deep nesting is refused by the parser's depth limit, not by the stack. */
    struct strbuf sb;
    strbuf_init(&sb, 1u << 20);
    (void)strbuf_adds(&sb, "{\"total_count\":1,\"x\":");
    for (int i = 0; i < 5000; i++)
        (void)strbuf_addc(&sb, '[');
    expect_refused(KIND_RINGGROUPS, strbuf_cstr(&sb), sb.len, NULL);
    strbuf_done(&sb);
}

static void test_next_links(void **state)
{
    (void)state;
    /* An array of next links takes the first; null is the last page. */
    struct ngcp_page pg;
    const char *body = "{\"total_count\":9,\"_links\":{\"next\":[{\"href\":\"/api/callqueues/"
                       "?page=2&rows=1\"},{\"href\":\"/x\"}]}}";
    struct snapshot *s = page_of(KIND_QUEUES, body, strlen(body), false, &pg);
    assert_string_equal(pg.next, "/api/callqueues/?page=2&rows=1");
    free(pg.next);
    snap_free(s);
    body = "{\"total_count\":9,\"_links\":{\"next\":null}}";
    s = page_of(KIND_QUEUES, body, strlen(body), false, &pg);
    assert_null(pg.next);
    snap_free(s);

    static const struct {
        const char *href, *res, *want;
    } cases[] = {
        {"/api/subscribers/?page=2&rows=10&is_pbx_group=0&order_by=id", "subscribers",
         "/subscribers/?page=2&rows=10&is_pbx_group=0&order_by=id"},
        {"/api/subscribers/?page=3&rows=10&username=a*b", "subscribers",
         "/subscribers/?page=3&rows=10&username=a*b"},
        {"/api/callqueues/?page=2&rows=1", "callqueues", "/callqueues/?page=2&rows=1"},
        {"/api/callqueues/?page=2&rows=1", "subscribers", NULL},
        {"/api/subscribers?page=2", "subscribers", NULL},
        {"/api/subscribers/42", "subscribers", NULL},
        {"https://evil.example/api/subscribers/?page=2", "subscribers", NULL},
        {"//evil.example/api/subscribers/?page=2", "subscribers", NULL},
        {"/api/subscribers/../customers/?page=2", "subscribers", NULL},
        {"/api/subscribers/?page=2&username=a b", "subscribers", NULL},
        {"/api/subscribers/?page=2#frag", "subscribers", NULL},
        {"/api/subscribers/?page=2\r\nX-Evil: 1", "subscribers", NULL},
        {"/api/subscribers/?page=2\\x", "subscribers", NULL},
        {"", "subscribers", NULL},
        {NULL, "subscribers", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = ngcp_next_path(cases[i].href, cases[i].res);
        if ((got == NULL) != (cases[i].want == NULL) || (got && strcmp(got, cases[i].want) != 0))
            fail_msg("%s: got '%s'", cases[i].href ? cases[i].href : "(null)",
                     got ? got : "(null)");
        free(got);
    }
    /* Too long to be a link pbxtop follows. */
    char *longhref = xasprintf("/api/subscribers/?page=2&x=%03000d", 1);
    assert_null(ngcp_next_path(longhref, "subscribers"));
    free(longhref);
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

static void test_many_records_one_page(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 1u << 26);
    (void)strbuf_adds(&sb, "{\"total_count\":20000,\"_embedded\":{\"ngcp:subscribers\":[");
    for (int i = 1; i <= 20000; i++)
        (void)strbuf_addf(&sb, "%s{\"id\":%d,\"pbx_extension\":\"%d\",\"display_name\":\"U %d\"}",
                          i > 1 ? "," : "", i, 1000 + i, i);
    (void)strbuf_adds(&sb, "]}}");
    char *err = NULL;
    struct snapshot *s = ngcp_decode_extensions(strbuf_cstr(&sb), sb.len, false, &err);
    assert_non_null(s);
    assert_int_equal(snap_count(s), 20000);
    assert_string_equal(field(s, (size_t)snap_find(s, "20000"), EXT_EXTENSION), "21000");
    snap_free(s);
    strbuf_done(&sb);
}

static struct backend_conf conf(const char *password, const char *cert)
{
    struct backend_conf c = {0};
    c.name = xstrdup("office");
    c.type = xstrdup("ngcp");
    c.url = xstrdup("http://127.0.0.1:9"); /* nothing listens: no answer ever comes */
    c.username = xstrdup("administrator");
    c.password = xstrdup_or_null(password);
    c.client_cert = xstrdup_or_null(cert);
    return c;
}

static void test_conf_checks(void **state)
{
    (void)state;
    struct fleet_opts fo = {.refresh_ms = 1000};
    char *err = NULL;
    struct backend_conf c = conf(NULL, NULL);
    assert_null(fleet_new(&c, 1, &fo, &err));
    assert_non_null(strstr(err, "password: missing; NGCP needs"));
    free(err);
    /* A client certificate authenticates on its own. */
    c = conf(NULL, "/etc/pbxtop/client.pem");
    struct fleet *f = fleet_new(&c, 1, &fo, &err);
    assert_non_null(f);
    struct backend *be = fleet_at(f, 0);
    assert_true(be_supports(be, KIND_EXTENSIONS) && be_supports(be, KIND_RINGGROUPS) &&
                be_supports(be, KIND_QUEUES));
    assert_false(be_supports(be, KIND_CHANNELS) || be_supports(be, KIND_QUEUEMEMBERS));
    assert_string_equal(be_why_not(be, KIND_CHANNELS), "NGCP has no live channel API");
    assert_non_null(strstr(be_why_not(be, KIND_QUEUEMEMBERS), "no queue members"));
    fleet_free(f);
}

/* Quitting while multi-page polls are in flight: their contexts are freed (ASan checks). */
static void test_shutdown_mid_poll(void **state)
{
    (void)state;
    struct fleet_opts fo = {.refresh_ms = 1000};
    char *err = NULL;
    struct backend_conf c = conf("secret", NULL);
    struct fleet *f = fleet_new(&c, 1, &fo, &err);
    assert_non_null(f);
    struct backend *be = fleet_at(f, 0);
    for (int k = 0; k < KIND_COUNT; k++)
        fleet_want(f, be, (enum kind)k, true);
    fleet_tick(f, INT64_MAX / 2);
    assert_true(be_poll_in_flight(be, KIND_EXTENSIONS));
    assert_true(be_poll_in_flight(be, KIND_RINGGROUPS));
    assert_true(be_poll_in_flight(be, KIND_QUEUES));
    assert_false(be_poll_in_flight(be, KIND_CHANNELS));
    fleet_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_page1_extensions),
        cmocka_unit_test(test_fixture_groups),
        cmocka_unit_test(test_fixture_empty_collection),
        cmocka_unit_test(test_fixture_callqueues),
        cmocka_unit_test(test_fixture_raw_kept),
        cmocka_unit_test(test_fixture_other_collections_refused),
        cmocka_unit_test(test_fixture_errors_mapped),
        cmocka_unit_test(test_fixture_auth_401),
        cmocka_unit_test(test_auth_403_messages),
        cmocka_unit_test(test_write_answers),
        cmocka_unit_test(test_value_type_quirks),
        cmocka_unit_test(test_hostile_ids_skipped),
        cmocka_unit_test(test_hostile_text_kept_verbatim),
        cmocka_unit_test(test_malformed_refused),
        cmocka_unit_test(test_next_links),
        cmocka_unit_test(test_ids_and_locations),
        cmocka_unit_test(test_error_messages),
        cmocka_unit_test(test_create_group_body),
        cmocka_unit_test(test_create_extension_bodies),
        cmocka_unit_test(test_patch_body),
        cmocka_unit_test(test_builders_refuse),
        cmocka_unit_test(test_schema),
        cmocka_unit_test(test_many_records_one_page),
        cmocka_unit_test(test_conf_checks),
        cmocka_unit_test(test_shutdown_mid_poll),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
