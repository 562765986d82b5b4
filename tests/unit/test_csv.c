/* tui/csv: the CSV files of pbxtop apply (RFC 4180). Rows, quoting, quoted newlines (with the
 * row's line number kept right), CRLF, a byte order mark, blank lines, empty cells, every
 * error with its exact line:column, and random input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/csv.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

#define NAME "t.csv"

/* A failure found while the test still holds memory: reported after everything is freed, so
 * that a failing test leaks nothing. */
static char failure[8192];

static void note_failure(const char *fmt, ...) PBX_PRINTF(1, 2);
static void note_failure(const char *fmt, ...)
{
    size_t used = strlen(failure);
    if (used + 2 >= sizeof failure)
        return;
    if (used)
        failure[used++] = '\n';
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(failure + used, sizeof failure - used, fmt, ap);
    va_end(ap);
}

static void report_failures(void)
{
    char copy[sizeof failure];
    memcpy(copy, failure, sizeof copy);
    failure[0] = '\0';
    if (copy[0])
        fail_msg("%s", copy);
}

/* The text as an exact-size heap copy (so that ASan sees any read past its end), parsed. */
static int parse_n(const char *text, size_t len, struct csv_table *t, char **err)
{
    char *copy = xmalloc(len ? len : 1);
    memcpy(copy, text, len);
    *err = NULL;
    int rc = csv_parse(NAME, copy, len, t, err);
    free(copy);
    return rc;
}

static void parse_ok(const char *text, size_t len, struct csv_table *t)
{
    char *err;
    if (parse_n(text, len, t, &err) != 0) {
        note_failure("refused: %s", err ? err : "(no message)");
        free(err);
        report_failures();
    }
    assert_null(err);
}

/* One expected row: its line and cells, NULL-terminated. */
struct want_row {
    int line;
    const char *cells[8];
};

static void expect_rows(const char *text, size_t len, const struct want_row *want, size_t nwant)
{
    struct csv_table t;
    parse_ok(text, len, &t);
    if (t.nrows != nwant)
        note_failure("%zu rows, want %zu", t.nrows, nwant);
    for (size_t r = 0; r < t.nrows && r < nwant; r++) {
        const struct csv_row *row = &t.rows[r];
        int ncells = 0;
        while (want[r].cells[ncells])
            ncells++;
        if (row->line != want[r].line)
            note_failure("row %zu starts on line %d, want %d", r, row->line, want[r].line);
        if (row->ncells != ncells) {
            note_failure("row %zu has %d cells, want %d", r, row->ncells, ncells);
            continue;
        }
        for (int c = 0; c < ncells; c++) {
            if (strcmp(row->cells[c], want[r].cells[c]) != 0)
                note_failure("row %zu cell %d is '%s', want '%s'", r, c, row->cells[c],
                             want[r].cells[c]);
        }
    }
    csv_free(&t);
    report_failures();
}

#define ROWS(text, ...)                                                             \
    do {                                                                            \
        static const struct want_row want_[] = {__VA_ARGS__};                       \
        expect_rows(text, sizeof(text) - 1, want_, sizeof want_ / sizeof want_[0]); \
    } while (0)

/* The text must be refused with a message starting with "t.csv:LINE:COLUMN: "; a mismatch is
 * noted, and reported by the test's report_failures(). */
static void expect_error(const char *text, size_t len, int line, int col, const char *what)
{
    struct csv_table t;
    char *err;
    int rc = parse_n(text, len, &t, &err);
    if (rc != -1) {
        if (rc == 0)
            csv_free(&t);
        note_failure("%s: accepted (rc %d)", what, rc);
    } else if (!err) {
        note_failure("%s: refused without a message", what);
    } else {
        char want[64];
        (void)snprintf(want, sizeof want, "%s:%d:%d: ", NAME, line, col);
        if (strncmp(err, want, strlen(want)) != 0)
            note_failure("%s: message '%.200s' does not start with '%s'", what, err, want);
        if (t.nrows != 0 || t.rows != NULL)
            note_failure("%s: the table is not left empty", what);
    }
    free(err);
}

#define ERR(text, line, col, what) expect_error(text, sizeof(text) - 1, line, col, what)

/* ------------------------------------------------------------------ good input */

static void test_plain_rows(void **state)
{
    (void)state;
    ROWS("op,view,id,penalty\nupdate,qm,Alice Jones@sales,5\ndelete,qm,Bob@sales,\n",
         {1, {"op", "view", "id", "penalty"}}, {2, {"update", "qm", "Alice Jones@sales", "5"}},
         {3, {"delete", "qm", "Bob@sales", ""}});
    /* spaces are part of a cell; UTF-8 passes as it is */
    ROWS(" a , b \nZoë,日本語\n", {1, {" a ", " b "}}, {2, {"Zoë", "日本語"}});
    /* one column */
    ROWS("id\n200\n201\n", {1, {"id"}}, {2, {"200"}}, {3, {"201"}});
}

static void test_quoted_cells(void **state)
{
    (void)state;
    ROWS("a,\"b,c\",d\n", {1, {"a", "b,c", "d"}});
    ROWS("\"say \"\"hi\"\"\",x\n", {1, {"say \"hi\"", "x"}});
    ROWS("\"\"\"\",\"\"\n", {1, {"\"", ""}});
    ROWS("\"a\"\"\",\"\"\"b\"\n", {1, {"a\"", "\"b"}});
    ROWS("\"\",x\n", {1, {"", "x"}});
    ROWS("x,\"\"\n", {1, {"x", ""}});
    ROWS("\"only\"", {1, {"only"}});
    ROWS("\"a\tb\",\"=1+1\"\n", {1, {"a\tb", "=1+1"}});
}

static void test_newlines_in_quotes(void **state)
{
    (void)state;
    ROWS("h1,h2\n\"line1\nline2\",x\nnext,row\n", {1, {"h1", "h2"}}, {2, {"line1\nline2", "x"}},
         {4, {"next", "row"}});
    ROWS("\"a\n\nb\",c\nd,\"e\nf\ng\"\nh,i\n", {1, {"a\n\nb", "c"}}, {4, {"d", "e\nf\ng"}},
         {7, {"h", "i"}});
    /* a quoted newline, then blank lines: the numbering still counts every line */
    ROWS("\"x\ny\"\n\n\nz\n", {1, {"x\ny"}}, {5, {"z"}});
}

static void test_crlf(void **state)
{
    (void)state;
    ROWS("a,b\r\nc,d\r\n", {1, {"a", "b"}}, {2, {"c", "d"}});
    ROWS("a,b\r\nc,d", {1, {"a", "b"}}, {2, {"c", "d"}});
    ROWS("a,\r\n,b\r\n", {1, {"a", ""}}, {2, {"", "b"}});
    ROWS("\"q\",\"r\"\r\n", {1, {"q", "r"}});
    ROWS("a\r\n\r\nb\r\n", {1, {"a"}}, {3, {"b"}});
    /* a quoted CRLF stays in the cell; the line count goes on right */
    struct csv_table t;
    static const char text[] = "\"x\r\ny\",z\r\nw\r\n";
    parse_ok(text, sizeof text - 1, &t);
    assert_int_equal(t.nrows, 2);
    assert_int_equal(t.rows[0].line, 1);
    assert_int_equal(t.rows[1].line, 3);
    assert_string_equal(t.rows[1].cells[0], "w");
    assert_string_equal(t.rows[0].cells[1], "z");
    csv_free(&t);
}

static void test_bom(void **state)
{
    (void)state;
    ROWS("\xEF\xBB\xBFop,view\ncreate,qm\n", {1, {"op", "view"}}, {2, {"create", "qm"}});
    ROWS("\xEF\xBB\xBF\"op\",view\n", {1, {"op", "view"}});
    /* only at the very start */
    ROWS("a\n\xEF\xBB\xBF\x62\n", {1, {"a"}}, {2, {"\xEF\xBB\xBF\x62"}});
    /* a BOM does not count as a column */
    ERR("\xEF\xBB\xBF\x61\x62\"c\n", 1, 3, "stray quote after a BOM");
    report_failures();
}

static void test_blank_lines_and_ends(void **state)
{
    (void)state;
    ROWS("a\n\n\nb\n\n", {1, {"a"}}, {4, {"b"}});
    ROWS("\n\na,b\n", {3, {"a", "b"}});
    ROWS("a,b", {1, {"a", "b"}});
    ROWS("a,b\n", {1, {"a", "b"}});
    ROWS("a,b\n\n", {1, {"a", "b"}});
    struct csv_table t;
    static const char *const empty[] = {"", "\n", "\n\n\n", "\r\n", "\xEF\xBB\xBF"};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        parse_ok(empty[i], strlen(empty[i]), &t);
        assert_int_equal(t.nrows, 0);
        csv_free(&t);
    }
}

static void test_empty_cells(void **state)
{
    (void)state;
    ROWS(",,\n", {1, {"", "", ""}});
    ROWS(",\n", {1, {"", ""}});
    ROWS("a,,b,\n", {1, {"a", "", "b", ""}});
    ROWS(",a\n", {1, {"", "a"}});
    ROWS("\"\",\"\",\n", {1, {"", "", ""}});
}

static void test_256_columns_ok(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 1u << 20);
    for (int i = 0; i < 256; i++)
        (void)strbuf_addf(&sb, "%sc%d", i ? "," : "", i);
    (void)strbuf_adds(&sb, "\n");
    struct csv_table t;
    parse_ok(sb.buf, sb.len, &t);
    assert_int_equal(t.nrows, 1);
    assert_int_equal(t.rows[0].ncells, 256);
    assert_string_equal(t.rows[0].cells[255], "c255");
    csv_free(&t);
    strbuf_done(&sb);
}

static void test_cell_of_exactly_1_mib(void **state)
{
    (void)state;
    size_t big = 1u << 20;
    for (int quoted = 0; quoted < 2; quoted++) {
        struct strbuf sb;
        strbuf_init(&sb, 4u << 20);
        (void)strbuf_adds(&sb, "h\n");
        if (quoted)
            (void)strbuf_addc(&sb, '"');
        for (size_t i = 0; i < big; i++)
            (void)strbuf_addc(&sb, 'x');
        if (quoted)
            (void)strbuf_addc(&sb, '"');
        (void)strbuf_adds(&sb, "\nz\n");
        struct csv_table t;
        parse_ok(sb.buf, sb.len, &t);
        assert_int_equal(t.nrows, 3);
        assert_int_equal(strlen(t.rows[1].cells[0]), big);
        assert_int_equal(t.rows[2].line, 3);
        csv_free(&t);
        strbuf_done(&sb);
    }
}

/* ------------------------------------------------------------------ errors */

static void test_err_unclosed_quote(void **state)
{
    (void)state;
    /* reported where the quoted value opens */
    ERR("a,\"bc", 1, 3, "unclosed quote at the end");
    ERR("h\n\"abc\n", 2, 1, "unclosed quote, newline inside");
    ERR("h\nx,y\nz,\"ab\ncd\nef\n", 3, 3, "unclosed quote running over three lines");
    ERR("\"", 1, 1, "a lone quote");
    report_failures();
}

static void test_err_quote_in_unquoted_cell(void **state)
{
    (void)state;
    ERR("ab\"c\n", 1, 3, "quote inside an unquoted cell");
    ERR("h\nx,y\nok,a\"b\n", 3, 5, "quote inside an unquoted cell, line 3");
    ERR("a \"b\",c\n", 1, 3, "a space before a quote");
    report_failures();
}

static void test_err_quote_in_unquoted_cell_after_quoted_newline(void **state)
{
    (void)state;
    /* line 2 is `y",a"b`: the stray quote is the 5th character */
    ERR("\"x\ny\",a\"b\n", 2, 5, "quote inside an unquoted cell after a quoted newline");
    report_failures();
}

static void test_err_text_after_closing_quote(void **state)
{
    (void)state;
    ERR("\"ab\"c\n", 1, 5, "text after the closing quote");
    ERR("x,\"ab\" \n", 1, 7, "a space after the closing quote");
    ERR("h\nx,\"a\"b,c\n", 2, 6, "text after the closing quote, line 2");
    report_failures();
}

static void test_err_text_after_closing_quote_after_quoted_newline(void **state)
{
    (void)state;
    /* line 2 is `b"c`: the c is the 3rd character */
    ERR("\"a\nb\"c\n", 2, 3, "text after a closing quote on the second line of the cell");
    report_failures();
}

static void test_err_nul_byte(void **state)
{
    (void)state;
    static const char text[] = "a,b\nc,\0d\n";
    expect_error(text, sizeof text - 1, 2, 3, "NUL byte");
    static const char first[] = "\0";
    expect_error(first, 1, 1, 1, "a lone NUL byte");
    report_failures();
}

static void test_err_too_many_columns(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 1u << 20);
    (void)strbuf_adds(&sb, "op,view\n");
    for (int i = 0; i < 257; i++)
        (void)strbuf_adds(&sb, i ? ",c" : "c");
    (void)strbuf_adds(&sb, "\n");
    /* the 257th cell starts at column 2 * 256 + 1 */
    expect_error(sb.buf, sb.len, 2, 513, "257 columns");
    strbuf_done(&sb);
    report_failures();
}

/* A cell over 1 MiB: the error points at its first byte past 1 MiB. */
static void test_err_cell_too_long(void **state)
{
    (void)state;
    size_t big = (1u << 20) + 10;
    struct strbuf sb;
    strbuf_init(&sb, 4u << 20);
    (void)strbuf_adds(&sb, "h\n");
    for (size_t i = 0; i < big; i++)
        (void)strbuf_addc(&sb, 'x');
    (void)strbuf_adds(&sb, "\n");
    expect_error(sb.buf, sb.len, 2, (1 << 20) + 1, "unquoted cell over 1 MiB");
    strbuf_done(&sb);
    report_failures();
}

static void test_err_quoted_cell_too_long(void **state)
{
    (void)state;
    size_t big = (1u << 20) + 10;
    struct strbuf sb;
    strbuf_init(&sb, 4u << 20);
    (void)strbuf_adds(&sb, "h\n\"");
    for (size_t i = 0; i < big; i++)
        (void)strbuf_addc(&sb, 'x');
    (void)strbuf_adds(&sb, "\"\n");
    /* the opening quote is column 1: byte 1 MiB + 1 of the value is column 1 MiB + 2 */
    expect_error(sb.buf, sb.len, 2, (1 << 20) + 2, "quoted cell over 1 MiB");
    strbuf_done(&sb);
    report_failures();
}

/* ------------------------------------------------------------------ random input */

static uint64_t rng_state;

static uint32_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

static void test_random_input(void **state)
{
    (void)state;
    static const char alphabet[] = "a,\"\n\r \xEF\xBB\xBF\t";
    rng_state = 0x243f6a8885a308d3ull;
    char buf[512];
    size_t ok = 0, refused = 0;
    for (int round = 0; round < 20000; round++) {
        size_t len = rnd() % (round % 100 == 0 ? sizeof buf : 48);
        for (size_t i = 0; i < len; i++) {
            uint32_t r = rnd();
            buf[i] = r % 50 == 0 ? (char)(r >> 8) : alphabet[r % (sizeof alphabet - 1)];
        }
        struct csv_table t;
        char *err;
        int rc = parse_n(buf, len, &t, &err);
        if (rc == 0) {
            assert_null(err);
            int last = 0;
            for (size_t r = 0; r < t.nrows; r++) {
                const struct csv_row *row = &t.rows[r];
                assert_true(row->line > last);
                assert_true(row->ncells >= 1 && row->ncells <= CSV_MAX_COLS);
                for (int c = 0; c < row->ncells; c++)
                    assert_non_null(row->cells[c]);
                last = row->line;
            }
            csv_free(&t);
            ok++;
        } else {
            assert_int_equal(rc, -1);
            assert_non_null(err);
            assert_true(strncmp(err, NAME ":", strlen(NAME) + 1) == 0);
            assert_int_equal(t.nrows, 0);
            free(err);
            refused++;
        }
    }
    assert_true(ok > 1000);
    assert_true(refused > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_rows),
        cmocka_unit_test(test_quoted_cells),
        cmocka_unit_test(test_newlines_in_quotes),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_blank_lines_and_ends),
        cmocka_unit_test(test_empty_cells),
        cmocka_unit_test(test_256_columns_ok),
        cmocka_unit_test(test_cell_of_exactly_1_mib),
        cmocka_unit_test(test_err_unclosed_quote),
        cmocka_unit_test(test_err_quote_in_unquoted_cell),
        cmocka_unit_test(test_err_quote_in_unquoted_cell_after_quoted_newline),
        cmocka_unit_test(test_err_text_after_closing_quote),
        cmocka_unit_test(test_err_text_after_closing_quote_after_quoted_newline),
        cmocka_unit_test(test_err_nul_byte),
        cmocka_unit_test(test_err_too_many_columns),
        cmocka_unit_test(test_err_cell_too_long),
        cmocka_unit_test(test_err_quoted_cell_too_long),
        cmocka_unit_test(test_random_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
