/* themes/theme and themes/colour: the theme file parser (good files, every kind of error
 * naming its line, hostile bytes), the shipped themes against the built-in one, the colour
 * downgrade (#rrggbb → 256 → 16 → 8) and where theme files are looked for. */
#define _POSIX_C_SOURCE 200809L
#include <curses.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/testutil.h"
#include "themes/colour.h"
#include "themes/theme.h"
#include "tui/xalloc.h"

#define PATH   "my.theme"
#define POISON 0x7777 /* neither a colour nor a set of attributes any file can give */

static int parse(const char *text, struct theme *t, char **err)
{
    *err = NULL;
    return theme_parse(PATH, text, strlen(text), t, err);
}

/* text must fail with a message holding "my.theme:LINE:" and `what`; *t stays as it was. */
static void expect_error(const char *text, int line, const char *what)
{
    struct theme t, before;
    char *err = NULL, where[32];
    theme_builtin(&t);
    before = t;
    assert_int_equal(parse(text, &t, &err), -1);
    assert_non_null(err);
    (void)snprintf(where, sizeof where, PATH ":%d: ", line);
    if (strncmp(err, where, strlen(where)) != 0 || !strstr(err, what))
        fail_msg("for %s: message '%s' lacks '%s' or '%s'", text, err, where, what);
    for (const char *c = err; *c; c++) {
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            fail_msg("message '%s' holds byte 0x%02x", err, (unsigned char)*c);
    }
    assert_memory_equal(&t, &before, sizeof t);
    free(err);
}

static void poison(struct theme *t)
{
    for (int r = 0; r < ROLE_COUNT; r++)
        t->role[r] = (struct theme_style){POISON, POISON, POISON, POISON};
}

static char *shipped(const char *name, size_t *len)
{
    char *path = xasprintf("%s/../../themes/%s.theme", FIXTURES, name);
    char *text = test_read_file(path, len);
    free(path);
    return text;
}

/* A shipped theme parsed onto a poisoned theme: every role and every key must be set. */
static void load_shipped(const char *name, struct theme *t)
{
    size_t len;
    char *text = shipped(name, &len), *err = NULL;
    poison(t);
    if (theme_parse(name, text, len, t, &err))
        fail_msg("%s", err);
    for (int r = 0; r < ROLE_COUNT; r++) {
        const struct theme_style *s = &t->role[r];
        if (s->fg == POISON || s->bg == POISON || s->attrs == POISON || s->mono == POISON)
            fail_msg("%s.theme leaves %s (or one of its keys) out", name, theme_role_name(r));
    }
    free(text);
}

static void test_default_file_is_the_builtin(void **state)
{
    (void)state;
    struct theme file, mem;
    load_shipped("default", &file);
    theme_builtin(&mem);
    for (int r = 0; r < ROLE_COUNT; r++) {
        const struct theme_style *a = &file.role[r], *b = &mem.role[r];
        if (a->fg != b->fg || a->bg != b->bg || a->attrs != b->attrs || a->mono != b->mono)
            fail_msg("role %s: default.theme and the built-in theme differ", theme_role_name(r));
    }
}

static void test_shipped_themes(void **state)
{
    (void)state;
    struct theme light, mono, def;
    load_shipped("light", &light);
    load_shipped("mono", &mono);
    theme_builtin(&def);
    assert_int_equal(light.role[ROLE_HEADER].bg, COLOUR_RGB | 0x005faf);
    assert_int_equal(light.role[ROLE_SELECTED].bg, 80);
    for (int r = 0; r < ROLE_COUNT; r++) {
        /* mono: no colour anywhere, and the same look with or without colour */
        assert_int_equal(mono.role[r].fg, COLOUR_DEFAULT);
        assert_int_equal(mono.role[r].bg, COLOUR_DEFAULT);
        assert_int_equal(mono.role[r].attrs, mono.role[r].mono);
        assert_int_equal(mono.role[r].mono, def.role[r].mono);
    }
    /* the cursor row and the key hints never rely on colour alone */
    assert_true(light.role[ROLE_SELECTED].mono & A_REVERSE);
    assert_true(def.role[ROLE_SELECTED].mono & A_REVERSE);
}

static void test_role_names(void **state)
{
    (void)state;
    assert_string_equal(theme_role_name(ROLE_NORMAL), "normal");
    assert_string_equal(theme_role_name(ROLE_BADGE_WARN), "badge_warn");
    assert_string_equal(theme_role_name(ROLE_BUTTON_FOCUS), "button_focus");
    for (int r = 0; r < ROLE_COUNT; r++)
        assert_string_not_equal(theme_role_name(r), "?");
}

static void test_overlay(void **state)
{
    (void)state;
    struct theme t, def;
    char *err;
    theme_builtin(&t);
    theme_builtin(&def);
    assert_int_equal(parse("# mine\n\n  header bg=#ff0000  # red top line\n"
                           "selected\tfg=colour200 attrs=bold,underline\r\n"
                           "marked mono=standout\n",
                           &t, &err),
                     0);
    assert_int_equal(t.role[ROLE_HEADER].bg, COLOUR_RGB | 0xff0000);
    assert_int_equal(t.role[ROLE_HEADER].fg, def.role[ROLE_HEADER].fg); /* kept */
    assert_int_equal(t.role[ROLE_HEADER].mono, def.role[ROLE_HEADER].mono);
    assert_int_equal(t.role[ROLE_SELECTED].fg, 200);
    assert_int_equal(t.role[ROLE_SELECTED].attrs, A_BOLD | A_UNDERLINE);
    assert_int_equal(t.role[ROLE_MARKED].mono, A_STANDOUT);
    assert_int_equal(t.role[ROLE_MARKED].attrs, def.role[ROLE_MARKED].attrs);
    for (int r = ROLE_PENDING; r < ROLE_COUNT; r++)
        assert_memory_equal(&t.role[r], &def.role[r], sizeof t.role[r]);
}

static void test_attributes(void **state)
{
    (void)state;
    struct theme t;
    char *err;
    theme_builtin(&t);
    assert_int_equal(parse("normal attrs=NONE mono=reverse,Dim,standout\n"
                           "status attrs=bold,bold\n",
                           &t, &err),
                     0);
    assert_int_equal(t.role[ROLE_NORMAL].attrs, A_NORMAL);
    assert_int_equal(t.role[ROLE_NORMAL].mono, A_REVERSE | A_DIM | A_STANDOUT);
    assert_int_equal(t.role[ROLE_STATUS].attrs, A_BOLD);
}

static void test_bom_and_no_final_newline(void **state)
{
    (void)state;
    struct theme t;
    char *err;
    theme_builtin(&t);
    assert_int_equal(parse("\xef\xbb\xbfheader fg=red", &t, &err), 0);
    assert_int_equal(t.role[ROLE_HEADER].fg, COLOR_RED);
}

static void test_errors_name_line_and_problem(void **state)
{
    (void)state;
    expect_error("normal fg=red\nheadr fg=red\n", 2, "unknown role 'headr'");
    expect_error("Header fg=red\n", 1, "unknown role 'Header'");
    expect_error("header fg=red\n\nheader bg=red\n", 3, "header: set twice (first on line 1)");
    expect_error("header\n", 1, "header: sets nothing");
    expect_error("header # only a comment\n", 1, "header: sets nothing");
    expect_error("header colour=red\n", 1, "unknown key 'colour'");
    expect_error("header fg = red\n", 1, "'fg' is not KEY=VALUE");
    expect_error("header fg=red fg=blue\n", 1, "header: fg= given twice");
    expect_error("header fg=\n", 1, "header: fg= has no value");
    expect_error("header fg=purple\n", 1, "header: fg=purple: unknown colour");
    expect_error("header bg=colour256\n", 1, "bg=colour256: expected colour0 to colour255");
    expect_error("header bg=colour-1\n", 1, "expected colour0 to colour255");
    expect_error("header bg=color\n", 1, "expected colour0 to colour255");
    expect_error("header bg=#12345\n", 1, "bg=#12345: expected #rrggbb");
    expect_error("header bg=#1234567\n", 1, "expected #rrggbb");
    expect_error("header bg=#gg0000\n", 1, "expected #rrggbb");
    expect_error("header attrs=blink\n", 1, "attrs=blink: unknown attribute");
    expect_error("header mono=bold,,dim\n", 1, "an empty attribute between commas");
    expect_error("header mono=bold,\n", 1, "an empty attribute");
    expect_error("header mono=none,bold\n", 1, "'none' cannot be combined");
    expect_error("", 1, "sets no role");
    expect_error("# nothing\n\n", 2, "sets no role");
}

static void test_hostile_bytes(void **state)
{
    (void)state;
    static const char nul[] = "normal fg=red\nheader\0 fg=red\n";
    struct theme t;
    char *err = NULL;
    theme_builtin(&t);
    assert_int_equal(theme_parse(PATH, nul, sizeof nul - 1, &t, &err), -1);
    assert_non_null(strstr(err, PATH ":2: line holds a NUL byte"));
    free(err);
    /* escape sequences and non-ASCII are never echoed back raw */
    expect_error("\x1b]2;pwned\x07 fg=red\n", 1, "unknown role '?]2;pwned?'");
    expect_error("header fg=r\xc3\xb6t\n", 1, "fg=r??t: unknown colour");
    expect_error("header fg=\x1b[31m\n", 1, "fg=?[31m: unknown colour");
    /* long words are cut in messages, long lines refused */
    char *longword = xmalloc(600);
    memset(longword, 'x', 599);
    longword[599] = '\0';
    char *text = xasprintf("%s fg=red\n", longword);
    expect_error(text, 1, "unknown role 'xxxxxxxx");
    free(text);
    char *line = xmalloc(1100);
    memset(line, ' ', 1099);
    line[1099] = '\0';
    text = xasprintf("normal fg=red\n%s\n", line);
    expect_error(text, 2, "line is longer than 1024 bytes");
    free(text);
    free(line);
    free(longword);
}

static void test_colour_names(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int c;
    } good[] = {
        {"default", COLOUR_DEFAULT},
        {"DEFAULT", COLOUR_DEFAULT},
        {"black", 0},
        {"red", 1},
        {"White", 7},
        {"brightblack", 8},
        {"brightred", 9},
        {"BrightWhite", 15},
        {"colour0", 0},
        {"colour255", 255},
        {"color42", 42},
        {"Colour007", 7},
        {"#000000", COLOUR_RGB | 0},
        {"#FFffFF", COLOUR_RGB | 0xffffff},
        {"#0a0B0c", COLOUR_RGB | 0x0a0b0c},
    };
    static const char *const bad[] = {"",          "purple",     "bright", "brightpurple",
                                      "colour256", "colour-1",   "colour", "colour+1",
                                      "colour1x",  "colour0000", "#12345", "#1234567",
                                      "#gg0000",   "# 00000",    "red ",   "123"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int c = POISON;
        if (colour_parse(good[i].s, &c) != 0 || c != good[i].c)
            fail_msg("'%s' parsed as %d, not %d", good[i].s, c, good[i].c);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int c = POISON;
        if (colour_parse(bad[i], &c) == 0)
            fail_msg("'%s' accepted as %d", bad[i], c);
        assert_int_equal(c, POISON);
    }
}

static void test_rgb_to_256(void **state)
{
    (void)state;
    assert_int_equal(colour_rgb_to_256(0xff0000), 196);
    assert_int_equal(colour_rgb_to_256(0x00ff00), 46);
    assert_int_equal(colour_rgb_to_256(0x000000), 16);
    assert_int_equal(colour_rgb_to_256(0xffffff), 231);
    assert_int_equal(colour_rgb_to_256(0x5f87af), 67);  /* exactly in the cube */
    assert_int_equal(colour_rgb_to_256(0x005faf), 25);  /* light.theme's header */
    assert_int_equal(colour_rgb_to_256(0x080808), 232); /* the grey ramp's ends */
    assert_int_equal(colour_rgb_to_256(0xeeeeee), 255);
    assert_int_equal(colour_rgb_to_256(0x808080), 244);
    assert_int_equal(colour_rgb_to_256(0x7f7f7f), 244); /* a grey near, not on, the cube */
    assert_int_equal(colour_rgb_to_256(0xfe0102), 196); /* nearly red */
    assert_int_equal(colour_rgb_to_256(0x303030), 236);
}

static void test_256_to_16(void **state)
{
    (void)state;
    for (int c = 0; c < 16; c++)
        assert_int_equal(colour_256_to_16(c), c);
    assert_int_equal(colour_256_to_16(196), 9);  /* #ff0000 bright red */
    assert_int_equal(colour_256_to_16(160), 1);  /* #d70000 red */
    assert_int_equal(colour_256_to_16(16), 0);   /* black */
    assert_int_equal(colour_256_to_16(231), 15); /* white */
    assert_int_equal(colour_256_to_16(244), 8);  /* mid grey */
    assert_int_equal(colour_256_to_16(252), 7);  /* light grey */
    assert_int_equal(colour_256_to_16(232), 0);  /* near black */
    assert_int_equal(colour_256_to_16(28), 2);   /* #008700 green */
    assert_int_equal(colour_256_to_16(25), 4);   /* #005faf blue */
    assert_int_equal(colour_256_to_16(51), 14);  /* #00ffff bright cyan */
    assert_int_equal(colour_256_to_16(226), 11); /* #ffff00 bright yellow */
}

static void test_fit(void **state)
{
    (void)state;
    bool bright = false;
    assert_int_equal(colour_fit(COLOUR_DEFAULT, 8, &bright), COLOUR_DEFAULT);
    assert_int_equal(colour_fit(COLOUR_DEFAULT, 256, &bright), COLOUR_DEFAULT);
    /* 256 colours or more: the palette as it is, RGB to the nearest entry */
    assert_int_equal(colour_fit(200, 256, &bright), 200);
    assert_int_equal(colour_fit(COLOUR_RGB | 0xff0000, 256, &bright), 196);
    assert_int_equal(colour_fit(COLOUR_RGB | 0xff0000, 1 << 24, &bright), 196);
    assert_false(bright);
    /* 16 (and 88) colours */
    assert_int_equal(colour_fit(COLOUR_RGB | 0xff0000, 16, &bright), 9);
    assert_int_equal(colour_fit(196, 88, &bright), 9);
    assert_int_equal(colour_fit(12, 16, &bright), 12);
    assert_false(bright);
    /* 8 colours: bright ones become their base colour, and the caller is told */
    assert_int_equal(colour_fit(COLOR_RED, 8, &bright), COLOR_RED);
    assert_false(bright);
    assert_int_equal(colour_fit(COLOUR_RGB | 0xff0000, 8, &bright), COLOR_RED);
    assert_true(bright);
    bright = false;
    assert_int_equal(colour_fit(COLOUR_RGB | 0xd70000, 8, &bright), COLOR_RED);
    assert_false(bright);
    assert_int_equal(colour_fit(252, 8, &bright), COLOR_WHITE);
    assert_int_equal(colour_fit(COLOUR_RGB | 0x005faf, 8, &bright), COLOR_BLUE);
    assert_int_equal(colour_fit(24, 8, &bright), COLOR_CYAN); /* #005f87 is a teal */
    assert_int_equal(colour_fit(80, 8, &bright), COLOR_CYAN);
    assert_false(bright);
}

/* ---------------------------------------------------------------- finding files */

struct env {
    char dir[64];
    char *old_xdg;
};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static int setup_xdg(void **state)
{
    struct env *e = xcalloc(1, sizeof *e);
    const char *base = getenv("TMPDIR");
    (void)snprintf(e->dir, sizeof e->dir, "%s/pbxtop-theme-XXXXXX",
                   base && *base && strlen(base) < 32 ? base : "/tmp");
    if (!mkdtemp(e->dir))
        return -1;
    const char *old = getenv("XDG_CONFIG_HOME");
    e->old_xdg = old ? xstrdup(old) : NULL;
    char *sub = xasprintf("%s/pbxtop", e->dir);
    char *themes = xasprintf("%s/pbxtop/themes", e->dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(mkdir(themes, 0700), 0);
    free(sub);
    free(themes);
    setenv("XDG_CONFIG_HOME", e->dir, 1);
    *state = e;
    return 0;
}

static int teardown_xdg(void **state)
{
    struct env *e = *state;
    static const char *const names[] = {"pbxtop/themes/mine.theme",
                                        "pbxtop/themes/bad.theme",
                                        "pbxtop/themes/light.theme",
                                        "pbxtop/themes",
                                        "pbxtop",
                                        "direct.theme"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *p = xasprintf("%s/%s", e->dir, names[i]);
        (void)unlink(p);
        (void)rmdir(p);
        free(p);
    }
    (void)rmdir(e->dir);
    if (e->old_xdg)
        setenv("XDG_CONFIG_HOME", e->old_xdg, 1);
    else
        unsetenv("XDG_CONFIG_HOME");
    free(e->old_xdg);
    free(e);
    return 0;
}

static void test_load_from_xdg(void **state)
{
    struct env *e = *state;
    char *path = xasprintf("%s/pbxtop/themes/mine.theme", e->dir);
    write_file(path, "header fg=colour100\n");
    struct theme t;
    char *err = NULL;
    assert_int_equal(theme_load("mine", &t, &err), 0);
    assert_int_equal(t.role[ROLE_HEADER].fg, 100);
    assert_int_equal(t.role[ROLE_HEADER].bg, COLOR_CYAN); /* the rest from the default */
    /* the user's own light.theme wins over the shipped one */
    char *light = xasprintf("%s/pbxtop/themes/light.theme", e->dir);
    write_file(light, "header fg=colour101\n");
    assert_int_equal(theme_load("light", &t, &err), 0);
    assert_int_equal(t.role[ROLE_HEADER].fg, 101);
    free(light);
    free(path);
}

static void test_load_errors(void **state)
{
    struct env *e = *state;
    struct theme t;
    char *err = NULL;
    char *path = xasprintf("%s/pbxtop/themes/bad.theme", e->dir);
    write_file(path, "header fg=red\nselected fg=pink\n");
    assert_int_equal(theme_load("bad", &t, &err), -1);
    char *want = xasprintf("%s:2: selected: fg=pink: unknown colour", path);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("'%s' is not '%s...'", err, want);
    free(want);
    free(err);

    assert_int_equal(theme_load("nosuch", &t, &err), -1);
    char *xdg = xasprintf("theme 'nosuch' not found; looked for %s/pbxtop/themes/nosuch.theme, "
                          "%s/themes/nosuch.theme",
                          e->dir, PBXTOP_DATADIR);
    if (strncmp(err, xdg, strlen(xdg)) != 0)
        fail_msg("'%s' is not '%s...'", err, xdg);
    free(xdg);
    free(err);

    assert_int_equal(theme_load("../etc", &t, &err), -1);
    assert_non_null(strstr(err, "no such theme file"));
    free(err);
    assert_int_equal(theme_load(".hidden", &t, &err), -1);
    assert_non_null(strstr(err, "a name holds only letters"));
    free(err);
    assert_int_equal(theme_load("a b", &t, &err), -1);
    assert_non_null(strstr(err, "a name holds only letters"));
    free(err);
    assert_int_equal(theme_load("", &t, &err), -1);
    free(err);
    assert_int_equal(theme_load(e->dir, &t, &err), -1); /* a directory */
    assert_non_null(strstr(err, "not a regular file"));
    free(err);
    free(path);
}

static void test_load_by_path(void **state)
{
    struct env *e = *state;
    char *path = xasprintf("%s/direct.theme", e->dir);
    write_file(path, "status bg=brightblue\n");
    struct theme t;
    char *err = NULL;
    assert_int_equal(theme_load(path, &t, &err), 0);
    assert_int_equal(t.role[ROLE_STATUS].bg, 12);
    free(path);
}

static void test_default_without_files(void **state)
{
    (void)state;
    struct theme t, def;
    char *err = NULL;
    theme_builtin(&def);
    /* found nowhere or found as shipped: either way the built-in default */
    assert_int_equal(theme_load("default", &t, &err), 0);
    assert_memory_equal(&t, &def, sizeof t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_file_is_the_builtin),
        cmocka_unit_test(test_shipped_themes),
        cmocka_unit_test(test_role_names),
        cmocka_unit_test(test_overlay),
        cmocka_unit_test(test_attributes),
        cmocka_unit_test(test_bom_and_no_final_newline),
        cmocka_unit_test(test_errors_name_line_and_problem),
        cmocka_unit_test(test_hostile_bytes),
        cmocka_unit_test(test_colour_names),
        cmocka_unit_test(test_rgb_to_256),
        cmocka_unit_test(test_256_to_16),
        cmocka_unit_test(test_fit),
        cmocka_unit_test_setup_teardown(test_load_from_xdg, setup_xdg, teardown_xdg),
        cmocka_unit_test_setup_teardown(test_load_errors, setup_xdg, teardown_xdg),
        cmocka_unit_test_setup_teardown(test_load_by_path, setup_xdg, teardown_xdg),
        cmocka_unit_test_setup_teardown(test_default_without_files, setup_xdg, teardown_xdg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
