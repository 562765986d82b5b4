/* tui/config_edit: rewriting config.ini with a few keys changed. Every other byte stays as
 * it was (comments, blank lines, order, CRLF, a missing final newline); values come back
 * from config_parse exactly as given, or are refused; the file is replaced atomically with
 * its mode kept, and a failed write leaves it untouched. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/testutil.h"
#include "tui/config.h"
#include "tui/config_edit.h"
#include "tui/xalloc.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/pbxtop-cfgedit-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/config.ini", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            char *p = xasprintf("%s/%s", dir, de->d_name);
            (void)unlink(p);
            free(p);
        }
    }
    if (d)
        closedir(d);
    (void)rmdir(dir);
    return 0;
}

static void write_text(const char *p, const char *text, mode_t mode)
{
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(p, mode), 0);
}

static void expect_file(const char *want)
{
    size_t len;
    char *got = test_read_file(path, &len);
    if (len != strlen(want) || memcmp(got, want, len) != 0)
        fail_msg("file is:\n[%s]\nwant:\n[%s]", got, want);
    free(got);
}

/* Files in the directory besides config.ini: a temp file left behind would show here. */
static int other_files(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
            strcmp(de->d_name, "config.ini") && strcmp(de->d_name, "link.ini"))
            n++;
    }
    closedir(d);
    return n;
}

static void edit_ok(const char *before, const struct config_edit *e, size_t n, const char *after)
{
    write_text(path, before, 0600);
    char *err = NULL;
    if (config_edit_apply(path, e, n, &err) != 0)
        fail_msg("config_edit_apply: %s", err);
    expect_file(after);
    assert_int_equal(other_files(), 0);
}

/* The edit is refused with a message holding needle and naming the file, which stays. */
static void edit_refused(const char *before, const struct config_edit *e, size_t n,
                         const char *needle)
{
    write_text(path, before, 0600);
    char *err = NULL;
    assert_int_equal(config_edit_apply(path, e, n, &err), -1);
    assert_non_null(err);
    if (!strstr(err, needle) || !strstr(err, path))
        fail_msg("message '%s' lacks '%s' or the path", err, needle);
    free(err);
    expect_file(before);
    assert_int_equal(other_files(), 0);
}

static const char office[] = "; pbxtop\n"
                             "[pbxtop]\n"
                             "refresh = 2   ; seconds\n"
                             "\n"
                             "[office]\n"
                             "type = jade\n"
                             "  username = admin\n"
                             "password = s3cret   ; until the keyring\n"
                             "url = https://10.0.0.5\n"
                             "\n"
                             "; the lab PBX\n"
                             "[lab]\n"
                             "type = jade\n"
                             "password = \"a ;b\"\n"
                             "url = http://127.0.0.1:8088\n";

static void test_replace(void **state)
{
    (void)state;
    struct config_edit e[] = {{"pbxtop", "refresh", "5"}, {"lab", "password", "x"}};
    edit_ok(office, e, 2,
            "; pbxtop\n[pbxtop]\nrefresh = 5   ; seconds\n\n[office]\ntype = jade\n"
            "  username = admin\npassword = s3cret   ; until the keyring\n"
            "url = https://10.0.0.5\n\n; the lab PBX\n[lab]\ntype = jade\npassword = x\n"
            "url = http://127.0.0.1:8088\n");
}

static void test_remove(void **state)
{
    (void)state;
    struct config_edit e[] = {{"office", "password", NULL}, {"lab", "password", NULL}};
    edit_ok(office, e, 2,
            "; pbxtop\n[pbxtop]\nrefresh = 2   ; seconds\n\n[office]\ntype = jade\n"
            "  username = admin\nurl = https://10.0.0.5\n\n; the lab PBX\n[lab]\ntype = jade\n"
            "url = http://127.0.0.1:8088\n");
    /* Removing what is not there changes nothing. */
    struct config_edit none[] = {{"office", "pin", NULL}, {"nosuch", "password", NULL}};
    edit_ok(office, none, 2, office);
}

static void test_append_to_section(void **state)
{
    (void)state;
    /* After the section's last key: the comment that introduces [lab] stays with it. */
    struct config_edit e[] = {{"office", "pin", "sha256//AbC="}, {"lab", "read_only", "true"}};
    edit_ok(office, e, 2,
            "; pbxtop\n[pbxtop]\nrefresh = 2   ; seconds\n\n[office]\ntype = jade\n"
            "  username = admin\npassword = s3cret   ; until the keyring\n"
            "url = https://10.0.0.5\npin = sha256//AbC=\n\n; the lab PBX\n[lab]\ntype = jade\n"
            "password = \"a ;b\"\nurl = http://127.0.0.1:8088\nread_only = true\n");
    /* A section with no key yet gets it right after its header, indented like the key. */
    edit_ok("[columns]\n\n[x]\n  a = 1\n", (struct config_edit[]){{"columns", "ch", "state"}}, 1,
            "[columns]\nch = state\n\n[x]\n  a = 1\n");
    edit_ok("[x]\n  a = 1\n", (struct config_edit[]){{"x", "b", "2"}}, 1,
            "[x]\n  a = 1\n  b = 2\n");
}

static void test_new_section(void **state)
{
    (void)state;
    struct config_edit e[] = {{"columns", "channels", "channel,state"}};
    edit_ok("[a]\nk = v\n", e, 1, "[a]\nk = v\n\n[columns]\nchannels = channel,state\n");
    /* no final newline */
    edit_ok("[a]\nk = v", e, 1, "[a]\nk = v\n\n[columns]\nchannels = channel,state\n");
    edit_ok("", e, 1, "[columns]\nchannels = channel,state\n");
    edit_ok("[a]\nk = v\n\n", e, 1, "[a]\nk = v\n\n[columns]\nchannels = channel,state\n");
    /* the missing final newline of an untouched file stays missing */
    edit_ok("[a]\nk = v", (struct config_edit[]){{"a", "k", "w"}}, 1, "[a]\nk = w");
}

static void test_crlf(void **state)
{
    (void)state;
    struct config_edit e[] = {
        {"a", "k", "w"}, {"a", "n", "1"}, {"b", "x", "y"}, {"a", "gone", NULL}};
    edit_ok("[a]\r\nk = v ; c\r\ngone = 1\r\n", e, 4,
            "[a]\r\nk = w ; c\r\nn = 1\r\n\r\n[b]\r\nx = y\r\n");
}

static void test_duplicates_and_odd_lines(void **state)
{
    (void)state;
    /* The second k would win in a reader that took the last: only one is left. */
    edit_ok("[a]\nk = 1\nk = 2\n[a]\nk = 3\n", (struct config_edit[]){{"a", "k", "9"}}, 1,
            "[a]\nk = 9\n[a]\n");
    /* An empty value before a comment, a quoted value, a key without blanks. */
    edit_ok("[a]\nk = ; c\nq = \"x ; y\"  # z\nr=1\n",
            (struct config_edit[]){{"a", "k", "v"}, {"a", "q", "w"}, {"a", "r", "2"}}, 3,
            "[a]\nk = v ; c\nq = w  # z\nr=2\n");
    /* Keys are matched exactly, as config.c does; a commented-out key is not a key. */
    edit_ok("[a]\n; k = old\nkk = 1\nK = 2\n", (struct config_edit[]){{"a", "k", "v"}}, 1,
            "[a]\n; k = old\nkk = 1\nK = 2\nk = v\n");
}

/* Values config.c would read differently are quoted; they come back unchanged. */
static void test_values_round_trip(void **state)
{
    (void)state;
    static const char *const values[] = {"plain", "a;b",   "a#b",   "a ;b",   "a #b",
                                         ";lead", "#lead", " lead", "trail ", "a\"b",
                                         "",      "x=y",   "[s]",   "tab\tin"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        write_text(path, "[office]\ntype = jade\nurl = https://h\n", 0600);
        struct config_edit e[] = {{"office", "username", values[i]}};
        char *err = NULL;
        if (config_edit_apply(path, e, 1, &err))
            fail_msg("'%s': %s", values[i], err);
        if (!*values[i])
            continue; /* config.c refuses empty values outside [keys] */
        struct config cfg;
        if (config_load(path, &cfg, &err))
            fail_msg("'%s': %s", values[i], err);
        assert_string_equal(cfg.backends[0].username, values[i]);
        config_done(&cfg);
    }
}

static void test_refused_values(void **state)
{
    (void)state;
    const char *before = "[a]\nk = v\n";
    edit_refused(before, (struct config_edit[]){{"a", "k", "x\ny"}}, 1, "line break");
    edit_refused(before, (struct config_edit[]){{"a", "k", "x\ry"}}, 1, "line break");
    edit_refused(before, (struct config_edit[]){{"a", "k", "x \"a\" ; y"}}, 1, "cannot be written");
    edit_refused(before, (struct config_edit[]){{"a", "k", "\"x\" ; y"}}, 1, "cannot be written");
    edit_refused(before, (struct config_edit[]){{"a", "k", "\"q"}}, 1, "cannot be written");
    /* one bad edit among good ones: nothing is written */
    edit_refused(before, (struct config_edit[]){{"a", "k", "ok"}, {"a", "j", "x\n[evil]"}}, 2,
                 "line break");
    edit_refused(before, (struct config_edit[]){{"a b", "k", "v"}}, 1, "section name");
    edit_refused(before, (struct config_edit[]){{"a]\n[b", "k", "v"}}, 1, "section name");
    edit_refused(before, (struct config_edit[]){{"a", "k = x", "v"}}, 1, "key");
    edit_refused(before, (struct config_edit[]){{"a", "", "v"}}, 1, "key");
    char *big = xmalloc(5000);
    memset(big, 'x', 4999);
    big[4999] = '\0';
    edit_refused(before, (struct config_edit[]){{"a", "k", big}}, 1, "longer than");
    free(big);
}

static void test_mode_and_symlink(void **state)
{
    (void)state;
    write_text(path, "[a]\nk = v\n", 0640);
    mode_t old = umask(0);
    char *err = NULL;
    assert_int_equal(config_edit_apply(path, (struct config_edit[]){{"a", "k", "w"}}, 1, &err), 0);
    umask(old);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);

    /* Through a symlink: the target is edited, the link stays a link. */
    char *link = xasprintf("%s/link.ini", dir);
    assert_int_equal(symlink("config.ini", link), 0);
    assert_int_equal(config_edit_apply(link, (struct config_edit[]){{"a", "k", "z"}}, 1, &err), 0);
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    expect_file("[a]\nk = z\n");
    assert_int_equal(other_files(), 0);
    free(link);
}

static void test_missing_file(void **state)
{
    (void)state;
    char *err = NULL;
    assert_int_equal(config_edit_apply(path, (struct config_edit[]){{"a", "k", "v"}}, 1, &err), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "No such file"));
    free(err);
}

/* A write that fails half way (the file size limit stands in for a full disk) leaves the
 * old file byte for byte, and no temp file. */
static void test_failed_write_leaves_file(void **state)
{
    (void)state;
    const char *before = "[a]\nk = v\n";
    write_text(path, before, 0600);
    struct rlimit old, small = {16, 0};
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small.rlim_max = old.rlim_max;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    char *err = NULL;
    struct config_edit e[] = {{"a", "k", "a value long enough to pass the limit"}};
    int rc = config_edit_apply(path, e, 1, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    assert_int_equal(rc, -1);
    if (!strstr(err, path) || !strstr(err, "unchanged") || !strstr(err, "too large"))
        fail_msg("message: %s", err);
    free(err);
    expect_file(before);
    assert_int_equal(other_files(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_to_section, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_section, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crlf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_and_odd_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mode_and_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_leaves_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
