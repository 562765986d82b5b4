/* net/backend_ngcp: the decoders. Every NGCP collection fixture through them, the value-type
 * quirks (ids and numbers as strings, 0/1 booleans), HAL shapes (no _embedded for an empty
 * collection, a lone object instead of an array), next links, hostile or malformed input, and
 * the backend's configuration checks and shutdown. Write bodies, answer mapping and the schema
 * are in test_ngcp_write.c; shared helpers in ngcp_testlib.c. */
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

#include "net/backend_ngcp.h"
#include "net/keyring.h"
#include "net/model.h"
#include "tests/unit/ngcp_testlib.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

/* Decode body as one page of `kind`, which must succeed; pg->next is the caller's. */
static struct snapshot *page_of(enum kind kind, const char *body, size_t len, bool raw,
                                struct ngcp_page *pg)
{
    char *err = NULL;
    struct snapshot *s = snap_new(kind);
    if (ngcp_decode_page(s, body, len, 0, raw, pg, &err))
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
    c.password = password ? secret_dup(password) : NULL; /* backend_conf_done wipes it */
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
        cmocka_unit_test(test_value_type_quirks),
        cmocka_unit_test(test_hostile_ids_skipped),
        cmocka_unit_test(test_hostile_text_kept_verbatim),
        cmocka_unit_test(test_malformed_refused),
        cmocka_unit_test(test_next_links),
        cmocka_unit_test(test_many_records_one_page),
        cmocka_unit_test(test_conf_checks),
        cmocka_unit_test(test_shutdown_mid_poll),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
