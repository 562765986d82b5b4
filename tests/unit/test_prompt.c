/* tui/prompt: the contract of app_prompt() with no terminal: `change` after every edit,
 * `done` exactly once, recall lists per kind, a second prompt cancelling the first, and an
 * owner that goes away never being called. */
#include <curses.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/app.h"
#include "tui/input.h"
#include "tui/prompt.h"

struct owner {
    int changes, dones;
    char last_change[64], text[64];
    bool accepted;
};

static void on_change(void *ud, const char *text)
{
    struct owner *o = ud;
    o->changes++;
    (void)snprintf(o->last_change, sizeof o->last_change, "%s", text);
}

static void on_done(void *ud, const char *text, bool accepted)
{
    struct owner *o = ud;
    o->dones++;
    o->accepted = accepted;
    (void)snprintf(o->text, sizeof o->text, "%s", text);
}

static void keys(struct app *app, const char *s)
{
    for (; *s; s++)
        prompt_key(app, (unsigned char)*s);
}

static void done_app(struct app *app)
{
    prompt_cleanup(app);
    free(app->flash);
}

static void test_change_and_done(void **state)
{
    (void)state;
    struct app app = {0};
    struct owner o = {0};
    app_prompt(&app, PROMPT_FILTER, "/", "20", on_change, on_done, &o);
    assert_non_null(app.prompt);
    assert_int_equal(o.changes, 0); /* the initial text is no edit */
    keys(&app, "1");
    assert_int_equal(o.changes, 1);
    assert_string_equal(o.last_change, "201");
    prompt_key(&app, KEY_LEFT); /* a cursor move is no edit */
    prompt_key(&app, KEY_HOME);
    assert_int_equal(o.changes, 1);
    prompt_key(&app, KEY_DC);
    assert_int_equal(o.changes, 2);
    assert_string_equal(o.last_change, "01");
    prompt_key(&app, KEY_BACKSPACE); /* nothing before the cursor: no edit */
    assert_int_equal(o.changes, 2);
    prompt_key(&app, KEY_F(9)); /* other keys do nothing here */
    assert_int_equal(o.changes, 2);
    prompt_key(&app, '\r');
    assert_null(app.prompt);
    assert_int_equal(o.dones, 1);
    assert_true(o.accepted);
    assert_string_equal(o.text, "01");
    done_app(&app);
}

static void test_esc_cancels_and_second_prompt_replaces(void **state)
{
    (void)state;
    struct app app = {0};
    struct owner a = {0}, b = {0};
    app_prompt(&app, PROMPT_TEXT, "Reason: ", NULL, NULL, on_done, &a);
    keys(&app, "lunch");
    prompt_key(&app, KEY_ESC);
    assert_int_equal(a.dones, 1);
    assert_false(a.accepted);
    assert_string_equal(a.text, "lunch");
    /* a new prompt while one is open: the old owner hears "cancelled", once */
    app_prompt(&app, PROMPT_TEXT, "Reason: ", NULL, NULL, on_done, &a);
    app_prompt(&app, PROMPT_FILTER, "/", NULL, NULL, on_done, &b);
    assert_int_equal(a.dones, 2);
    assert_false(a.accepted);
    prompt_key(&app, '\n');
    assert_int_equal(b.dones, 1);
    assert_int_equal(a.dones, 2);
    done_app(&app);
}

static void test_detach_calls_nobody(void **state)
{
    (void)state;
    struct app app = {0};
    struct owner a = {0}, other = {0};
    app_prompt(&app, PROMPT_FILTER, "/", NULL, on_change, on_done, &a);
    app_prompt_detach(&app, &other); /* not its owner: stays open */
    assert_non_null(app.prompt);
    app_prompt_detach(&app, &a);
    assert_null(app.prompt);
    assert_int_equal(a.dones, 0);
    assert_int_equal(a.changes, 0);
    /* and the app going away with a prompt open calls nobody either */
    app_prompt(&app, PROMPT_FILTER, "/", NULL, on_change, on_done, &a);
    done_app(&app);
    assert_int_equal(a.dones, 0);
}

static void test_recall_per_kind(void **state)
{
    (void)state;
    struct app app = {0};
    struct owner o = {0};
    const char *filters[] = {"201", "trunk", "trunk"};
    for (int i = 0; i < 3; i++) {
        app_prompt(&app, PROMPT_FILTER, "/", NULL, on_change, on_done, &o);
        keys(&app, filters[i]);
        prompt_key(&app, '\n');
    }
    app_prompt(&app, PROMPT_FILTER, "/", NULL, NULL, on_done, &o); /* cancelled: not kept */
    keys(&app, "gone");
    prompt_key(&app, KEY_ESC);
    app_prompt(&app, PROMPT_TEXT, "Reason: ", NULL, NULL, on_done, &o);
    keys(&app, "lunch");
    prompt_key(&app, '\n');
    /* the filter prompt recalls its own, newest first, each once */
    app_prompt(&app, PROMPT_FILTER, "/", NULL, on_change, on_done, &o);
    keys(&app, "dr");
    int before = o.changes;
    prompt_key(&app, KEY_UP);
    assert_string_equal(o.last_change, "trunk");
    prompt_key(&app, KEY_UP);
    assert_string_equal(o.last_change, "201");
    prompt_key(&app, KEY_UP); /* nothing older: no change */
    assert_int_equal(o.changes, before + 2);
    prompt_key(&app, KEY_DOWN);
    prompt_key(&app, KEY_DOWN);
    assert_string_equal(o.last_change, "dr"); /* what was being typed */
    prompt_key(&app, KEY_ESC);
    /* a plain answer has no recall at all */
    app_prompt(&app, PROMPT_TEXT, "Reason: ", NULL, on_change, on_done, &o);
    before = o.changes;
    prompt_key(&app, KEY_UP);
    assert_int_equal(o.changes, before);
    prompt_key(&app, KEY_ESC);
    done_app(&app);
}

static void test_tab_completes_commands_only(void **state)
{
    (void)state;
    struct app app = {0};
    struct owner o = {0};
    app_prompt(&app, PROMPT_COMMAND, ":", NULL, on_change, on_done, &o);
    keys(&app, "back\t");
    assert_string_equal(o.last_change, "backend "); /* takes an argument: its blank too */
    assert_non_null(app.flash);                     /* "backend  backends" listed */
    assert_non_null(strstr(app.flash, "backends"));
    prompt_key(&app, KEY_CTRL('u'));
    keys(&app, "sort-r\t");
    assert_string_equal(o.last_change, "sort-reverse"); /* binding names complete too */
    prompt_key(&app, KEY_CTRL('u'));
    keys(&app, "xyz");
    int before = o.changes;
    prompt_key(&app, '\t');
    assert_int_equal(o.changes, before);
    assert_non_null(strstr(app.flash, "nothing to complete"));
    prompt_key(&app, KEY_ESC);
    /* Tab is no completion in a filter prompt */
    app_prompt(&app, PROMPT_FILTER, "/", "back", on_change, on_done, &o);
    before = o.changes;
    prompt_key(&app, '\t');
    assert_int_equal(o.changes, before);
    prompt_key(&app, KEY_ESC);
    done_app(&app);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_change_and_done),
        cmocka_unit_test(test_esc_cancels_and_second_prompt_replaces),
        cmocka_unit_test(test_detach_calls_nobody),
        cmocka_unit_test(test_recall_per_kind),
        cmocka_unit_test(test_tab_completes_commands_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
