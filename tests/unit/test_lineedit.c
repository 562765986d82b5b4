/* tui/lineedit: the prompt's editor (insert, delete, word delete, cursor moves, UTF-8) and
 * its recall lists. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tui/lineedit.h"

#define E_ACUTE "\xC3\xA9"         /* é, two bytes */
#define EURO    "\xE2\x82\xAC"     /* €, three bytes */
#define EMOJI   "\xF0\x9F\x98\x80" /* 😀, four bytes */
#define COMBINE "\xCC\x81"         /* combining acute accent */

static void type(struct lineedit *le, const char *s)
{
    for (; *s; s++)
        (void)le_feed_byte(le, (unsigned char)*s);
}

static void test_insert_and_cursor(void **state)
{
    (void)state;
    struct lineedit le;
    le_set(&le, NULL);
    assert_string_equal(le.buf, "");
    type(&le, "ext");
    assert_string_equal(le.buf, "ext");
    assert_int_equal(le.cur, 3);
    le_home(&le);
    type(&le, ":");
    assert_string_equal(le.buf, ":ext");
    assert_int_equal(le.cur, 1);
    le_right(&le);
    le_right(&le);
    type(&le, "-");
    assert_string_equal(le.buf, ":ex-t");
    le_end(&le);
    assert_int_equal(le.cur, 5);
    le_right(&le); /* stays at the end */
    assert_int_equal(le.cur, 5);
    le_home(&le);
    le_left(&le); /* stays at the start */
    assert_int_equal(le.cur, 0);
    /* initial text: the cursor at its end */
    le_set(&le, "backend lab");
    assert_int_equal(le.cur, strlen("backend lab"));
}

static void test_delete_keys(void **state)
{
    (void)state;
    struct lineedit le;
    le_set(&le, "abcdef");
    assert_true(le_backspace(&le));
    assert_string_equal(le.buf, "abcde");
    le_left(&le);
    le_left(&le);
    assert_true(le_delete(&le)); /* the character under the cursor */
    assert_string_equal(le.buf, "abce");
    assert_int_equal(le.cur, 3);
    assert_true(le_kill_to_end(&le));
    assert_string_equal(le.buf, "abc");
    assert_false(le_delete(&le)); /* nothing under the cursor at the end */
    le_left(&le);
    assert_true(le_kill_to_start(&le));
    assert_string_equal(le.buf, "c");
    assert_int_equal(le.cur, 0);
    assert_false(le_backspace(&le)); /* nothing before the cursor */
    assert_false(le_kill_to_start(&le));
}

static void test_word_delete(void **state)
{
    (void)state;
    struct lineedit le;
    le_set(&le, "w /tmp/calls.csv");
    assert_true(le_kill_word(&le));
    assert_string_equal(le.buf, "w ");
    le_set(&le, "backend  lab  ");
    assert_true(le_kill_word(&le)); /* trailing blanks go with the word */
    assert_string_equal(le.buf, "backend  ");
    assert_true(le_kill_word(&le));
    assert_string_equal(le.buf, "");
    assert_false(le_kill_word(&le));
    /* in the middle: only what is before the cursor */
    le_set(&le, "one two three");
    for (int i = 0; i < 6; i++)
        le_left(&le);
    assert_true(le_kill_word(&le)); /* "one two| three": "two" goes, the blanks stay */
    assert_string_equal(le.buf, "one  three");
    assert_int_equal(le.cur, 4);
}

static void test_utf8_typed_byte_by_byte(void **state)
{
    (void)state;
    struct lineedit le;
    le_set(&le, NULL);
    /* curses hands a multibyte character over one byte at a time */
    assert_false(le_feed_byte(&le, 0xE2));
    assert_false(le_feed_byte(&le, 0x82));
    assert_string_equal(le.buf, "");
    assert_true(le_feed_byte(&le, 0xAC));
    assert_string_equal(le.buf, EURO);
    type(&le, "x" E_ACUTE EMOJI);
    assert_string_equal(le.buf, EURO "x" E_ACUTE EMOJI);
    /* the cursor moves by characters, never into one */
    le_left(&le);
    assert_int_equal(le.cur, strlen(EURO "x" E_ACUTE));
    le_left(&le);
    assert_int_equal(le.cur, strlen(EURO "x"));
    assert_true(le_delete(&le));
    assert_string_equal(le.buf, EURO "x" EMOJI);
    le_home(&le);
    le_right(&le);
    assert_int_equal(le.cur, strlen(EURO));
    assert_true(le_backspace(&le));
    assert_string_equal(le.buf, "x" EMOJI);
    le_end(&le);
    assert_true(le_backspace(&le));
    assert_string_equal(le.buf, "x");
}

static void test_utf8_broken_input_dropped(void **state)
{
    (void)state;
    struct lineedit le;
    le_set(&le, NULL);
    /* a lead byte cut short by an ASCII key: the key still counts */
    (void)le_feed_byte(&le, 0xC3);
    assert_true(le_feed_byte(&le, 'a'));
    assert_string_equal(le.buf, "a");
    /* stray continuation bytes, bytes that start nothing, overlong forms */
    assert_false(le_feed_byte(&le, 0x80));
    assert_false(le_feed_byte(&le, 0xFF));
    (void)le_feed_byte(&le, 0xC0);
    assert_false(le_feed_byte(&le, 0xAF));
    (void)le_feed_byte(&le, 0xE0);
    (void)le_feed_byte(&le, 0x80);
    assert_false(le_feed_byte(&le, 0xAF));
    assert_string_equal(le.buf, "a");
    /* control characters never go in */
    assert_false(le_insert(&le, "\x1b[2J", 4));
    assert_false(le_insert(&le, "\xC2\x9B", 2)); /* C1 CSI */
    assert_false(le_feed_byte(&le, '\t'));
    assert_string_equal(le.buf, "a");
}

static void test_combining_mark_moves_with_its_base(void **state)
{
    (void)state;
    struct lineedit le;
    le_set(&le, "e" COMBINE "x");
    le_left(&le);
    assert_int_equal(le.cur, strlen("e" COMBINE));
    le_left(&le);
    assert_int_equal(le.cur, 0);
    le_right(&le);
    assert_int_equal(le.cur, strlen("e" COMBINE));
    assert_true(le_backspace(&le));
    assert_string_equal(le.buf, "x");
}

static void test_length_limit_and_completion(void **state)
{
    (void)state;
    static char big[LE_MAX_BYTES + 8];
    struct lineedit le;
    memset(big, 'a', LE_MAX_BYTES - 1);
    memcpy(big + LE_MAX_BYTES - 1, E_ACUTE, 3); /* é straddles the limit */
    le_set(&le, big);
    assert_int_equal(le.len, LE_MAX_BYTES - 1); /* cut before it, not inside it */
    assert_true(le_feed_byte(&le, 'b'));
    assert_false(le_feed_byte(&le, 'c'));
    assert_int_equal(le.len, LE_MAX_BYTES);
    /* completion replaces what is before the cursor and keeps the rest */
    le_set(&le, "back lab");
    for (int i = 0; i < 4; i++)
        le_left(&le);
    assert_true(le_replace_head(&le, "backend"));
    assert_string_equal(le.buf, "backend lab");
    assert_int_equal(le.cur, strlen("backend"));
}

static void test_history(void **state)
{
    (void)state;
    struct history h = {0};
    hist_add(&h, "ext");
    hist_add(&h, "ch");
    hist_add(&h, "ch"); /* the same as the one before: kept once */
    hist_add(&h, "");   /* nothing typed: not kept */
    assert_int_equal(h.n, 2);
    assert_string_equal(hist_get(&h, 0), "ch");
    assert_string_equal(hist_get(&h, 1), "ext");
    assert_null(hist_get(&h, 2));
    hist_add(&h, "ext"); /* not the previous entry: kept again */
    assert_int_equal(h.n, 3);
    for (int i = 0; i < HIST_MAX + 10; i++) {
        char buf[16];
        (void)snprintf(buf, sizeof buf, "cmd%d", i);
        hist_add(&h, buf);
    }
    assert_int_equal(h.n, HIST_MAX);
    assert_string_equal(hist_get(&h, 0), "cmd109");
    assert_string_equal(hist_get(&h, HIST_MAX - 1), "cmd10");
    hist_clear(&h);
    assert_int_equal(h.n, 0);
}

int main(void)
{
    /* wcwidth() tells combining marks apart only in a UTF-8 locale */
    (void)setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_and_cursor),
        cmocka_unit_test(test_delete_keys),
        cmocka_unit_test(test_word_delete),
        cmocka_unit_test(test_utf8_typed_byte_by_byte),
        cmocka_unit_test(test_utf8_broken_input_dropped),
        cmocka_unit_test(test_combining_mark_moves_with_its_base),
        cmocka_unit_test(test_length_limit_and_completion),
        cmocka_unit_test(test_history),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
