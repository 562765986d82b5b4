/* tui/output: what `pbxtop get` prints. JSON must be strictly valid with numbers as numbers;
 * CSV quotes what needs quoting; tables line up in display columns; hostile text comes out
 * escaped in every format. */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/output.h"
#include "tui/text.h"
#include "tui/xalloc.h"

/* ---- a strict JSON checker (RFC 8259): cJSON alone accepts too much ---- */

struct jp {
    const char *p, *end;
};

static bool j_value(struct jp *j, int depth);

static void j_ws(struct jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static bool j_lit(struct jp *j, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
        return false;
    j->p += n;
    return true;
}

static bool j_digits(struct jp *j)
{
    const char *start = j->p;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
        j->p++;
    return j->p > start;
}

static bool j_number(struct jp *j)
{
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p < j->end && *j->p == '0')
        j->p++;
    else if (j->p >= j->end || *j->p < '1' || *j->p > '9' || !j_digits(j))
        return false;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (!j_digits(j))
            return false;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (!j_digits(j))
            return false;
    }
    return true;
}

static bool j_string(struct jp *j)
{
    if (j->p >= j->end || *j->p != '"')
        return false;
    j->p++;
    while (j->p < j->end) {
        unsigned char c = (unsigned char)*j->p;
        if (c == '"') {
            j->p++;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c == '\\') {
            j->p++;
            if (j->p >= j->end)
                return false;
            char e = *j->p++;
            if (e == 'u') {
                for (int i = 0; i < 4; i++, j->p++) {
                    if (j->p >= j->end || !strchr("0123456789abcdefABCDEF", *j->p) || !*j->p)
                        return false;
                }
            } else if (!strchr("\"\\/bfnrt", e) || !e) {
                return false;
            }
            continue;
        }
        unsigned cp;
        size_t n = text_utf8_decode(j->p, (size_t)(j->end - j->p), &cp);
        if (n == 0)
            return false;
        j->p += n;
    }
    return false;
}

static bool j_value(struct jp *j, int depth)
{
    if (depth > 64)
        return false;
    j_ws(j);
    if (j->p >= j->end)
        return false;
    switch (*j->p) {
    case '{':
        j->p++;
        j_ws(j);
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            return true;
        }
        for (;;) {
            j_ws(j);
            if (!j_string(j))
                return false;
            j_ws(j);
            if (!j_lit(j, ":") || !j_value(j, depth + 1))
                return false;
            j_ws(j);
            if (j_lit(j, "}"))
                return true;
            if (!j_lit(j, ","))
                return false;
        }
    case '[':
        j->p++;
        j_ws(j);
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            return true;
        }
        for (;;) {
            if (!j_value(j, depth + 1))
                return false;
            j_ws(j);
            if (j_lit(j, "]"))
                return true;
            if (!j_lit(j, ","))
                return false;
        }
    case '"':
        return j_string(j);
    case 't':
        return j_lit(j, "true");
    case 'f':
        return j_lit(j, "false");
    case 'n':
        return j_lit(j, "null");
    default:
        return j_number(j);
    }
}

static bool json_valid(const char *s, size_t len)
{
    struct jp j = {s, s + len};
    if (!j_value(&j, 0))
        return false;
    j_ws(&j);
    return j.p == j.end;
}

/* ---- helpers ---- */

static char *render(const struct out_table *t, enum out_format fmt, unsigned flags)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    out_print(f, t, fmt, flags);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(strlen(buf), len); /* no NUL bytes in the output */
    return buf;
}

/* Render t as JSON, insist that it is strictly valid, and parse it. */
static cJSON *render_json(const struct out_table *t, unsigned flags, char **text)
{
    char *out = render(t, OUT_JSON, flags);
    if (!json_valid(out, strlen(out)))
        fail_msg("not valid JSON:\n%s", out);
    cJSON *root = cJSON_Parse(out);
    assert_non_null(root);
    assert_true(cJSON_IsArray(root));
    if (text)
        *text = out;
    else
        free(out);
    return root;
}

static const cJSON *get(const cJSON *root, int row, const char *key)
{
    const cJSON *rec = cJSON_GetArrayItem(root, row);
    assert_non_null(rec);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);
    if (!v)
        fail_msg("row %d has no key '%s'", row, key);
    return v;
}

static void expect_str(const cJSON *root, int row, const char *key, const char *want)
{
    const cJSON *v = get(root, row, key);
    if (!cJSON_IsString(v))
        fail_msg("row %d '%s' is not a string", row, key);
    assert_string_equal(v->valuestring, want);
}

static const struct out_col chan_cols[] = {
    {"backend", OUT_STR},  {"id", OUT_STR},      {"channel", OUT_STR},  {"caller_name", OUT_STR},
    {"duration", OUT_INT}, {"paused", OUT_BOOL}, {"members", OUT_LIST}, {"raw", OUT_RAW},
};
#define NCHAN ((int)(sizeof chan_cols / sizeof chan_cols[0]))

static void test_json_types(void **state)
{
    (void)state;
    struct out_table t;
    out_init(&t, chan_cols, NCHAN);
    const char *r0[NCHAN] = {"office",
                             "1513946901.8",
                             "PJSIP/2001-00000008",
                             "Alice",
                             "12",
                             "true",
                             ("201\x1f"
                              "202\x1f"
                              "203"),
                             ("{\"unique_id\":\"1513946901.8\",\"channel_state\":6,"
                              "\"bridge_id\":null,\"variables\":{}}")};
    const char *r1[NCHAN] = {"office", "1.2", NULL, NULL, NULL, NULL, NULL, NULL};
    const char *r2[NCHAN] = {"lab", "1.3", "", "", "-7", "false", "solo", "[1,2]"};
    out_add_row(&t, r0);
    out_add_row(&t, r1);
    out_add_row(&t, r2);
    cJSON *root = render_json(&t, 0, NULL);
    assert_int_equal(cJSON_GetArraySize(root), 3);

    expect_str(root, 0, "backend", "office");
    expect_str(root, 0, "id", "1513946901.8");
    expect_str(root, 0, "channel", "PJSIP/2001-00000008");
    const cJSON *v = get(root, 0, "duration");
    assert_true(cJSON_IsNumber(v));
    assert_int_equal(v->valueint, 12);
    assert_true(cJSON_IsTrue(get(root, 0, "paused")));
    v = get(root, 0, "members");
    assert_true(cJSON_IsArray(v));
    assert_int_equal(cJSON_GetArraySize(v), 3);
    assert_string_equal(cJSON_GetArrayItem(v, 0)->valuestring, "201");
    assert_string_equal(cJSON_GetArrayItem(v, 2)->valuestring, "203");
    v = get(root, 0, "raw");
    assert_true(cJSON_IsObject(v));
    assert_int_equal(cJSON_GetObjectItem(v, "channel_state")->valueint, 6);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(v, "bridge_id")));

    /* every column is present in every record, null where there is no value */
    for (int c = 2; c < NCHAN; c++)
        assert_true(cJSON_IsNull(get(root, 1, chan_cols[c].name)));

    expect_str(root, 2, "channel", "");
    assert_int_equal(get(root, 2, "duration")->valueint, -7);
    assert_true(cJSON_IsFalse(get(root, 2, "paused")));
    v = get(root, 2, "members");
    assert_int_equal(cJSON_GetArraySize(v), 1);
    assert_string_equal(cJSON_GetArrayItem(v, 0)->valuestring, "solo");
    assert_true(cJSON_IsArray(get(root, 2, "raw")));
    cJSON_Delete(root);
    out_done(&t);
}

static void test_json_non_values_become_null(void **state)
{
    (void)state;
    struct out_table t;
    out_init(&t, chan_cols, NCHAN);
    const char *r[NCHAN] = {"b", "1.1", "c", "n", "twelve", "maybe", "", NULL};
    out_add_row(&t, r);
    cJSON *root = render_json(&t, 0, NULL);
    assert_true(cJSON_IsNull(get(root, 0, "duration")));
    assert_true(cJSON_IsNull(get(root, 0, "paused")));
    assert_true(cJSON_IsArray(get(root, 0, "members")));
    assert_int_equal(cJSON_GetArraySize(get(root, 0, "members")), 0);
    cJSON_Delete(root);
    out_done(&t);
}

static void test_json_empty(void **state)
{
    (void)state;
    struct out_table t;
    out_init(&t, chan_cols, NCHAN);
    cJSON *root = render_json(&t, 0, NULL);
    assert_int_equal(cJSON_GetArraySize(root), 0);
    cJSON_Delete(root);
    out_done(&t);
}

static void test_json_hostile_strings(void **state)
{
    (void)state;
    struct out_table t;
    out_init(&t, chan_cols, NCHAN);
    const char *r[NCHAN] = {"office",
                            "1.1",
                            "PJSIP/\xe2\x80\xae"
                            "1-1",
                            "Zo\x1b]2;PWNED\a",
                            "1",
                            "true",
                            "a\x1b[2J\x1f\xc2\x9b"
                            "31m",
                            NULL};
    const char *r2[NCHAN] = {"office", "1.2", "bad \xff\xfe utf8", "say \"hi\" \\ bye", "2", "true",
                             "x",      NULL};
    out_add_row(&t, r);
    out_add_row(&t, r2);
    char *text;
    cJSON *root = render_json(&t, 0, &text);
    /* the raw bytes never appear: not the ESC, not BEL, not the RLO, not the CSI */
    assert_null(strchr(text, 0x1b));
    assert_null(strchr(text, 0x07));
    assert_null(strstr(text, "\xe2\x80\xae"));
    assert_null(strstr(text, "\xc2\x9b"));
    assert_null(strstr(text, "\xff"));
    /* in the JSON string the ESC is the visible text \x1b */
    expect_str(root, 0, "caller_name", "Zo\\x1b]2;PWNED\\x07");
    expect_str(root, 0, "channel", "PJSIP/\\u202e1-1");
    const cJSON *m = get(root, 0, "members");
    assert_string_equal(cJSON_GetArrayItem(m, 0)->valuestring, "a\\x1b[2J");
    assert_string_equal(cJSON_GetArrayItem(m, 1)->valuestring, "\\u009b31m");
    expect_str(root, 1, "channel", "bad \\xff\\xfe utf8");
    /* quotes and backslashes survive the round trip */
    expect_str(root, 1, "caller_name", "say \"hi\" \\ bye");
    cJSON_Delete(root);
    free(text);
    out_done(&t);
}

static void test_json_ascii_flag(void **state)
{
    (void)state;
    struct out_table t;
    out_init(&t, chan_cols, NCHAN);
    const char *r[NCHAN] = {"office", "1.1", "caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac",
                            "3",      NULL,  NULL,          "{\"n\":\"\xc3\xa9\"}"};
    out_add_row(&t, r);
    char *text;
    cJSON *root = render_json(&t, TEXT_ASCII, &text);
    for (const char *p = text; *p; p++)
        assert_true((unsigned char)*p < 0x80);
    /* the raw object is JSON: its escapes decode back to the same text */
    assert_string_equal(cJSON_GetObjectItem(get(root, 0, "raw"), "n")->valuestring, "\xc3\xa9");
    cJSON_Delete(root);
    free(text);
    out_done(&t);
}

static void test_json_raw_sanitised(void **state)
{
    (void)state;
    struct out_table t;
    out_init(&t, chan_cols, NCHAN);
    const char *r[NCHAN] = {
        "office", "1.1",
        NULL,     NULL,
        NULL,     NULL,
        NULL,     "{\"name\":\"x\xe2\x80\xaey\",\"bad\":\"\xff\",\"esc\":\"\\u001b\"}"};
    out_add_row(&t, r);
    char *text;
    cJSON *root = render_json(&t, 0, &text);
    assert_null(strstr(text, "\xe2\x80\xae"));
    assert_null(strchr(text, 0xff));
    const cJSON *raw = get(root, 0, "raw");
    assert_true(cJSON_IsObject(raw));
    /* JSON escapes: a script decoding the output gets the backend's text back */
    assert_string_equal(cJSON_GetObjectItem(raw, "name")->valuestring, "x\xe2\x80\xaey");
    assert_string_equal(cJSON_GetObjectItem(raw, "bad")->valuestring, "\xef\xbf\xbd");
    assert_string_equal(cJSON_GetObjectItem(raw, "esc")->valuestring, "\x1b");
    cJSON_Delete(root);
    free(text);
    out_done(&t);
}

static void test_json_int_cells_stay_json(void **state)
{
    (void)state;
    /* whatever text reaches an integer column, the document stays valid JSON */
    static const char *const ints[] = {
        "0",   "-0",  "42",   "-12", "+12", "007", " 12",
        "12 ", "1e3", "0x10", "1.5", "",    "-",   "99999999999999999999"};
    static const struct out_col cols[] = {{"id", OUT_STR}, {"n", OUT_INT}};
    char bad[256] = "";
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        struct out_table t;
        out_init(&t, cols, 2);
        const char *r[2] = {"x", ints[i]};
        out_add_row(&t, r);
        char *out = render(&t, OUT_JSON, 0);
        if (!json_valid(out, strlen(out)))
            (void)snprintf(bad + strlen(bad), sizeof bad - strlen(bad), " '%s'", ints[i]);
        free(out);
        out_done(&t);
    }
    if (bad[0])
        fail_msg("integer cells that gave invalid JSON:%s", bad);
}

static void test_json_list_edge_items(void **state)
{
    (void)state;
    static const struct out_col cols[] = {{"id", OUT_STR}, {"members", OUT_LIST}};
    static const struct {
        const char *list;
        int n;
    } cases[] = {
        {"201", 1},
        {"201\x1f"
         "202",
         2},
        {"\x1f"
         "202",
         2},
        {"201\x1f", 2}, /* the last member is empty */
        {"201\x1f\x1f"
         "203",
         3},
    };
    char bad[512] = "";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct out_table t;
        out_init(&t, cols, 2);
        const char *r[2] = {"600", cases[i].list};
        out_add_row(&t, r);
        char *out = render(&t, OUT_JSON, 0);
        out_done(&t);
        cJSON *root = NULL;
        if (!json_valid(out, strlen(out))) {
            out[strcspn(out, "]") + 1] = '\0';
            (void)snprintf(bad + strlen(bad), sizeof bad - strlen(bad), "\n  case %zu: %s", i,
                           strchr(out, '{'));
        } else {
            root = cJSON_Parse(out);
        }
        free(out);
        if (root) {
            int n = cJSON_GetArraySize(get(root, 0, "members"));
            cJSON_Delete(root);
            assert_int_equal(n, cases[i].n);
        }
    }
    if (bad[0])
        fail_msg("lists that gave invalid JSON:%s", bad);
}

static void test_csv(void **state)
{
    (void)state;
    static const struct out_col cols[] = {
        {"id", OUT_STR},       {"name", OUT_STR},     {"calls", OUT_INT},
        {"members", OUT_LIST}, {"in_call", OUT_BOOL},
    };
    struct out_table t;
    out_init(&t, cols, 5);
    const char *r0[5] = {"201", "Front desk", "3",
                         ("a\x1f"
                          "b"),
                         "true"};
    const char *r1[5] = {"202", "Smith, John", "0", NULL, "false"};
    const char *r2[5] = {"203", "The \"Boss\"", NULL, "x,y\x1fz", NULL};
    const char *r3[5] = {"204", "two\nlines\r\x1b[1m", "7", "", "true"};
    out_add_row(&t, r0);
    out_add_row(&t, r1);
    out_add_row(&t, r2);
    out_add_row(&t, r3);
    char *out = render(&t, OUT_CSV, 0);
    assert_string_equal(out, "id,name,calls,members,in_call\n"
                             "201,Front desk,3,a;b,true\n"
                             "202,\"Smith, John\",0,,false\n"
                             "203,\"The \"\"Boss\"\"\",,\"x,y;z\",\n"
                             "204,two\\x0alines\\x0d\\x1b[1m,7,,true\n");
    free(out);
    out_done(&t);

    /* the header alone when there are no rows */
    out_init(&t, cols, 5);
    out = render(&t, OUT_CSV, 0);
    assert_string_equal(out, "id,name,calls,members,in_call\n");
    free(out);
    out_done(&t);
}

static void test_csv_raw_and_ascii(void **state)
{
    (void)state;
    static const struct out_col cols[] = {{"id", OUT_STR}, {"name", OUT_STR}, {"raw", OUT_RAW}};
    struct out_table t;
    out_init(&t, cols, 3);
    const char *r[3] = {"1", "caf\xc3\xa9", "{\"a\":\"b,c\"}"};
    out_add_row(&t, r);
    char *out = render(&t, OUT_CSV, TEXT_ASCII);
    assert_string_equal(out, "id,name,raw\n"
                             "1,caf\\u00e9,\"{\"\"a\"\":\"\"b,c\"\"}\"\n");
    free(out);
    out_done(&t);
}

static void test_table_alignment(void **state)
{
    (void)state;
    static const struct out_col cols[] = {{"name", OUT_STR}, {"calls", OUT_INT}, {"note", OUT_STR}};
    struct out_table t;
    out_init(&t, cols, 3);
    const char *r0[3] = {"a", "5", "x"};
    const char *r1[3] = {"longer name", "12345", "\xe6\x97\xa5\xe6\x9c\xac"};
    const char *r2[3] = {"\xe6\x97\xa5\xe6\x9c\xac", NULL, "end"};
    out_add_row(&t, r0);
    out_add_row(&t, r1);
    out_add_row(&t, r2);
    char *out = render(&t, OUT_TABLE, 0);
    assert_string_equal(out, "NAME         CALLS  NOTE\n"
                             "a                5  x\n"
                             "longer name  12345  \xe6\x97\xa5\xe6\x9c\xac\n"
                             "\xe6\x97\xa5\xe6\x9c\xac                end\n");
    free(out);
    out_done(&t);
}

static void test_table_long_and_hostile(void **state)
{
    (void)state;
    static const struct out_col cols[] = {
        {"channel", OUT_STR}, {"caller", OUT_STR}, {"dur", OUT_INT}};
    struct out_table t;
    out_init(&t, cols, 3);
    char longname[128];
    memset(longname, 'n', 100);
    longname[100] = '\0';
    const char *r0[3] = {"PJSIP/1-1", "Zo\x1b]2;PWNED\a", "3"};
    const char *r1[3] = {"PJSIP/\xe2\x80\xae"
                         "2-2",
                         longname, "10"};
    out_add_row(&t, r0);
    out_add_row(&t, r1);
    char *out = render(&t, OUT_TABLE, 0);
    assert_null(strchr(out, 0x1b));
    assert_null(strchr(out, 0x07));
    assert_null(strstr(out, "\xe2\x80\xae"));
    assert_non_null(strstr(out, "Zo\\x1b]2;PWNED\\x07"));
    /* long values are printed whole, their escapes never cut in half */
    assert_non_null(strstr(out, longname));
    assert_non_null(strstr(out, "PJSIP/\\u202e2-2"));
    /* every line is as wide as the header: the columns line up */
    char *save = NULL;
    int col = -1;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        /* the last column holds right-aligned numbers, so lines end at the same column */
        int w = text_width(line);
        if (col < 0)
            col = w;
        assert_int_equal(w, col);
    }
    free(out);
    out_done(&t);
}

static void test_table_ascii_flag(void **state)
{
    (void)state;
    static const struct out_col cols[] = {{"name", OUT_STR}, {"n", OUT_INT}};
    struct out_table t;
    out_init(&t, cols, 2);
    char longname[128];
    memset(longname, 'n', 100);
    longname[100] = '\0';
    const char *r0[2] = {"caf\xc3\xa9 \xe6\x97\xa5", "1"};
    const char *r1[2] = {longname, "2"};
    out_add_row(&t, r0);
    out_add_row(&t, r1);
    /* --ascii: for terminals that cannot show UTF-8, nothing but ASCII may come out */
    char *out = render(&t, OUT_TABLE, TEXT_ASCII);
    for (const char *p = out; *p; p++) {
        if ((unsigned char)*p >= 0x80)
            fail_msg("non-ASCII byte 0x%02x at offset %td of ASCII table output:\n%s",
                     (unsigned char)*p, p - out, out);
    }
    assert_non_null(strstr(out, "caf\\u00e9"));
    free(out);
    out_done(&t);
}

static void test_format_parse(void **state)
{
    (void)state;
    assert_int_equal(out_format_parse("table"), OUT_TABLE);
    assert_int_equal(out_format_parse("csv"), OUT_CSV);
    assert_int_equal(out_format_parse("json"), OUT_JSON);
    assert_int_equal(out_format_parse("JSON"), -1);
    assert_int_equal(out_format_parse("xml"), -1);
    assert_int_equal(out_format_parse(""), -1);
    assert_int_equal(out_format_parse("json "), -1);
}

static void test_checker_itself(void **state)
{
    (void)state;
    /* the strict checker must refuse what cJSON lets through, or the tests above prove
     * nothing */
    static const char *const bad[] = {"[+1]",       "[01]",       "[1.]",      "[.5]",  "[1,]",
                                      "{\"a\":1,}", "[\"\x01\"]", "[\"\\x\"]", "[nul]", "[] x",
                                      "[\"\xff\"]", "",           "[1 2]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (json_valid(bad[i], strlen(bad[i])))
            fail_msg("checker accepted %s", bad[i]);
    }
    static const char *const good[] = {"[]", "[-0,1.5e+3,0.25,true,false,null]",
                                       "{\"a\":[{}],\"b\":\"\\u00e9\\n\\\"\"}", " [ 1 ] \n",
                                       "\"caf\xc3\xa9\""};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (!json_valid(good[i], strlen(good[i])))
            fail_msg("checker refused %s", good[i]);
    }
}

int main(void)
{
    if (!setlocale(LC_ALL, "C.UTF-8"))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checker_itself),
        cmocka_unit_test(test_json_types),
        cmocka_unit_test(test_json_non_values_become_null),
        cmocka_unit_test(test_json_empty),
        cmocka_unit_test(test_json_hostile_strings),
        cmocka_unit_test(test_json_ascii_flag),
        cmocka_unit_test(test_json_raw_sanitised),
        cmocka_unit_test(test_json_int_cells_stay_json),
        cmocka_unit_test(test_json_list_edge_items),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_csv_raw_and_ascii),
        cmocka_unit_test(test_table_alignment),
        cmocka_unit_test(test_table_long_and_hostile),
        cmocka_unit_test(test_table_ascii_flag),
        cmocka_unit_test(test_format_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
