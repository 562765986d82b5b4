/* tui/keymap and the key table of tui/input: the config's [keys] section (good lines,
 * unknown actions and keys, unbinding, keys taken from another action, no destructive
 * action on a Ctrl key) and how bound keys are named. */
#include <curses.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/config.h"
#include "tui/input.h"
#include "tui/keymap.h"
#include "tui/xalloc.h"

#define CFG "/etc/pbxtop/config.ini"

static int reset(void **state)
{
    (void)state;
    input_reset();
    return 0;
}

/* Parse a config whose [keys] section is `keys` (after one backend: its first line is line
 * 5) and apply it. Returns
 * keymap_apply()'s result; *err is set on failure. */
static int load(const char *keys, char **err)
{
    char *text = xasprintf("[o]\ntype = jade\nurl = https://pbx\n[keys]\n%s", keys);
    struct config cfg;
    *err = NULL;
    int rc = config_parse(CFG, text, strlen(text), &cfg, err);
    if (rc == 0) {
        rc = keymap_apply(cfg.path, cfg.keys, cfg.nkeys, err);
        config_done(&cfg);
    }
    free(text);
    return rc;
}

static void expect_load_error(const char *keys, const char *where, const char *what)
{
    char *err = NULL;
    assert_int_equal(load(keys, &err), -1);
    assert_non_null(err);
    if (!strstr(err, where) || !strstr(err, what))
        fail_msg("message '%s' lacks '%s' or '%s'", err, where, what);
    free(err);
}

static const struct binding *binding(enum action act)
{
    size_t n;
    const struct binding *b = input_bindings(&n);
    for (size_t i = 0; i < n; i++) {
        if (b[i].act == act)
            return &b[i];
    }
    fail_msg("no binding for action %d", act);
    return NULL;
}

static const char *keys_of(enum action act)
{
    static char buf[64];
    input_keys_text(binding(act), buf, sizeof buf);
    return buf;
}

static void test_defaults(void **state)
{
    (void)state;
    assert_int_equal(input_action('X'), ACT_DESTROY);
    assert_int_equal(input_action(KEY_F(9)), ACT_DESTROY);
    assert_int_equal(input_action(KEY_DC), ACT_DESTROY);
    assert_int_equal(input_action(KEY_CTRL('r')), ACT_POLL_NOW);
    assert_int_equal(input_action('@'), ACT_NONE);
    /* Enter is one key, however the terminal sends it, and is named once */
    assert_int_equal(input_action('\r'), ACT_DETAILS);
    assert_int_equal(input_action(KEY_ENTER), ACT_DETAILS);
    assert_string_equal(keys_of(ACT_DETAILS), "Enter");
    assert_string_equal(keys_of(ACT_DESTROY), "X/F9/Del");
    char hint[32];
    input_hint_keys(ACT_DESTROY, hint, sizeof hint);
    assert_string_equal(hint, "F9/X");
    assert_int_equal(input_action_named("hangup"), ACT_DESTROY);
    assert_int_equal(input_action_named("hangupp"), ACT_NONE);
    assert_int_equal(input_first_key(ACT_HELP), '?');
}

static void test_key_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int key;
    } cases[] = {
        {"x", 'x'},          {"X", 'X'},
        {"<", '<'},          {":", ':'},
        {"F9", KEY_F(9)},    {"f12", KEY_F(12)},
        {"Del", KEY_DC},     {"delete", KEY_DC},
        {"Enter", '\n'},     {"Space", ' '},
        {"Tab", '\t'},       {"S-Tab", KEY_BTAB},
        {"Esc", KEY_ESC},    {"Up", KEY_UP},
        {"PgDn", KEY_NPAGE}, {"Home", KEY_HOME},
        {"^R", 18},          {"Ctrl-R", 18},
        {"ctrl-r", 18},      {"C-l", 12},
        {"Comma", ','},      {"Backspace", KEY_BACKSPACE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (input_key_parse(cases[i].name) != cases[i].key)
            fail_msg("'%s' parsed as %d", cases[i].name, input_key_parse(cases[i].name));
    }
    static const char *const bad[] = {"F13", "F0", "Ctrl-", "^", "xy", "Ctrl-RR", "ü", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (input_key_parse(bad[i]) != -1 && strcmp(bad[i], "^") != 0)
            fail_msg("'%s' accepted", bad[i]);
    }
    assert_int_equal(input_key_parse("^"), '^'); /* a lone caret is the caret key */
    assert_true(input_key_is_ctrl(18));
    assert_false(input_key_is_ctrl('\t'));
    assert_false(input_key_is_ctrl('\n'));
    assert_false(input_key_is_ctrl(KEY_ESC));
}

static void test_good_lines(void **state)
{
    (void)state;
    char *err = NULL;
    assert_int_equal(load("; my keys\n"
                          "hangup = H, F8\n"
                          "poll = Ctrl-P ; comment\n"
                          "sort-next = >, F6, Comma\n"
                          "details = Enter, d\n",
                          &err),
                     0);
    assert_null(err);
    assert_int_equal(input_action('H'), ACT_DESTROY);
    assert_int_equal(input_action(KEY_F(8)), ACT_DESTROY);
    /* the line replaces the action's keys: the old ones do nothing now */
    assert_int_equal(input_action('X'), ACT_NONE);
    assert_int_equal(input_action(KEY_F(9)), ACT_NONE);
    assert_int_equal(input_action(KEY_DC), ACT_NONE);
    assert_int_equal(input_action(KEY_CTRL('p')), ACT_POLL_NOW);
    assert_int_equal(input_action(KEY_CTRL('r')), ACT_NONE);
    assert_int_equal(input_action(','), ACT_SORT_NEXT);
    assert_int_equal(input_action('\r'), ACT_DETAILS);
    assert_int_equal(input_action('d'), ACT_DETAILS);
    /* help shows what is bound now */
    assert_string_equal(keys_of(ACT_DESTROY), "H/F8");
    assert_string_equal(keys_of(ACT_POLL_NOW), "^P");
    assert_string_equal(keys_of(ACT_DETAILS), "Enter/d");
    char hint[32];
    input_hint_keys(ACT_DESTROY, hint, sizeof hint);
    assert_string_equal(hint, "F8/H");
    /* and back to the defaults */
    input_reset();
    assert_int_equal(input_action('X'), ACT_DESTROY);
    assert_int_equal(input_action('H'), ACT_NONE);
}

static void test_unbinding(void **state)
{
    (void)state;
    char *err = NULL;
    assert_int_equal(load("pause =\nmark-all = none\n", &err), 0);
    assert_int_equal(input_action('Z'), ACT_NONE);
    assert_int_equal(input_action('M'), ACT_NONE);
    assert_string_equal(keys_of(ACT_PAUSE), "");
    char hint[32];
    input_hint_keys(ACT_PAUSE, hint, sizeof hint);
    assert_string_equal(hint, "");
    assert_int_equal(input_first_key(ACT_PAUSE), 0);
    /* the others keep theirs */
    assert_int_equal(input_action('U'), ACT_UNMARK);
}

static void test_key_taken_from_other_action(void **state)
{
    (void)state;
    char *err = NULL;
    /* Q quits by default; given to help, it leaves quit, which keeps q and F10 */
    assert_int_equal(load("help = Q, ?\n", &err), 0);
    assert_int_equal(input_action('Q'), ACT_HELP);
    assert_int_equal(input_action('?'), ACT_HELP);
    assert_int_equal(input_action(KEY_F(1)), ACT_NONE);
    assert_string_equal(keys_of(ACT_QUIT), "q/F10");
    /* a later line takes it again */
    assert_int_equal(load("quit = Q\n", &err), 0);
    assert_int_equal(input_action('Q'), ACT_QUIT);
    assert_string_equal(keys_of(ACT_HELP), "?");
    /* the same key twice in a line counts once */
    assert_int_equal(load("mark = m, m, Space\n", &err), 0);
    assert_string_equal(keys_of(ACT_MARK), "m/Space");
}

static void test_errors_name_line_and_key(void **state)
{
    (void)state;
    expect_load_error("\nhangupp = H\n", CFG ":6:", "[keys] unknown action 'hangupp'");
    expect_load_error("hangup = F13\n", CFG ":5:", "unknown key name 'F13'");
    expect_load_error("hangup = H, F13\n", CFG ":5:", "hangup: unknown key name 'F13'");
    expect_load_error("hangup = H,,X\n", CFG ":5:", "unknown key name ''");
    expect_load_error("mark = a, b, c, d, e\n", CFG ":5:", "at most 4 keys");
    /* the same action twice: which line would win? */
    expect_load_error("mark = a\nmark = b\n", CFG ":6:", "set twice in [keys] (first on line 5)");
    expect_load_error("mark = a\n[keys]\n", CFG ":6:", "[keys] appears twice");
}

static void test_no_destructive_action_on_ctrl(void **state)
{
    (void)state;
    expect_load_error("hangup = ^X\n", CFG ":5:", "'^X' is a Ctrl key");
    expect_load_error("hangup = H, Ctrl-D\n", CFG ":5:", "'Ctrl-D' is a Ctrl key");
    expect_load_error("hangup = ^H\n", CFG ":5:", "Ctrl key");
    /* nothing was bound by the refused line */
    assert_int_equal(input_action('H'), ACT_NONE);
    assert_int_equal(input_action('X'), ACT_DESTROY);
    /* harmless actions may use Ctrl, and the destructive one may use Tab or Enter */
    char *err = NULL;
    assert_int_equal(load("pause = ^Z\nhangup = X, Enter\n", &err), 0);
    assert_int_equal(input_action(KEY_CTRL('z')), ACT_PAUSE);
    assert_int_equal(input_action('\n'), ACT_DESTROY);
    assert_int_equal(input_action('\r'), ACT_DESTROY);
    assert_string_equal(keys_of(ACT_DETAILS), "");
}

static void test_bind_api(void **state)
{
    (void)state;
    int keys[] = {'a', 'b', 'c', 'd', 'e'};
    assert_int_equal(input_bind(ACT_MARK, keys, 5), -1);  /* too many */
    assert_int_equal(input_action(' '), ACT_MARK);        /* nothing changed */
    assert_int_equal(input_bind(ACT_COUNT, keys, 1), -1); /* no such action */
    int bad[] = {'a', 0};
    assert_int_equal(input_bind(ACT_MARK, bad, 2), -1);
    assert_int_equal(input_bind(ACT_MARK, keys, 4), 0);
    assert_int_equal(input_action('d'), ACT_MARK);
    assert_int_equal(input_action(' '), ACT_NONE);
    /* one key of up to four taken away: the rest stay, in order */
    int k = 'b';
    assert_int_equal(input_bind(ACT_UNMARK, &k, 1), 0);
    assert_string_equal(keys_of(ACT_MARK), "a/c/d");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_defaults, reset),
        cmocka_unit_test_setup(test_key_names, reset),
        cmocka_unit_test_setup(test_good_lines, reset),
        cmocka_unit_test_setup(test_unbinding, reset),
        cmocka_unit_test_setup(test_key_taken_from_other_action, reset),
        cmocka_unit_test_setup(test_errors_name_line_and_key, reset),
        cmocka_unit_test_setup(test_no_destructive_action_on_ctrl, reset),
        cmocka_unit_test_setup(test_bind_api, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
