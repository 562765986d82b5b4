/* tui/passphrase: the script paths. One line per call from PBXTOP_PASSPHRASE_FD (nothing
 * after the newline is consumed, so `passwd` can read two), CRLF, limits, end of input, bad
 * descriptors; the secret of `keyring set` from stdin. The terminal paths are tested on a
 * pseudo-terminal in tests/integration/test_keyring_tty.py. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/keyring.h"
#include "tui/passphrase.h"
#include "tui/xalloc.h"

/* A pipe holding text (closed for writing); its read end is returned. */
static int pipe_with(const char *text, size_t len)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], text, len), (ssize_t)len);
    close(fds[1]);
    return fds[0];
}

static void use_fd(int fd)
{
    char num[16];
    snprintf(num, sizeof num, "%d", fd);
    assert_int_equal(setenv("PBXTOP_PASSPHRASE_FD", num, 1), 0);
}

static enum pass_status read_pass(unsigned flags, char **out, size_t *len, char **err)
{
    *out = NULL;
    *err = NULL;
    *len = 0;
    return passphrase_read("unused prompt: ", flags, out, len, err);
}

static void expect_line(const char *want)
{
    char *out, *err;
    size_t len;
    enum pass_status st = read_pass(0, &out, &len, &err);
    if (st != PASS_OK)
        fail_msg("status %d: %s", st, err);
    assert_int_equal(len, strlen(want));
    assert_string_equal(out, want);
    assert_int_equal(passphrase_from_tty(), 0);
    secret_free(out);
}

static void expect_fail(unsigned flags, enum pass_status want, const char *needle)
{
    char *out, *err;
    size_t len;
    enum pass_status st = read_pass(flags, &out, &len, &err);
    assert_int_equal(st, want);
    assert_null(out);
    if (!err || !strstr(err, needle))
        fail_msg("message '%s' lacks '%s'", err ? err : "(none)", needle);
    free(err);
}

static void test_lines_from_fd(void **state)
{
    (void)state;
    static const char text[] = "first phrase\r\nsecond\n\nlast without newline";
    int fd = pipe_with(text, sizeof text - 1);
    use_fd(fd);
    expect_line("first phrase");
    expect_line("second");
    expect_line("");
    expect_line("last without newline");
    expect_fail(0, PASS_EMPTY, "end of input");
    close(fd);

    /* a new passphrase must not be empty; a NUL inside is kept (the caller sees len) */
    fd = pipe_with("\nx\0y\n", 5);
    use_fd(fd);
    expect_fail(PASS_NEW, PASS_EMPTY, "empty passphrase");
    char *out, *err;
    size_t len;
    assert_int_equal(read_pass(PASS_NEW, &out, &len, &err), PASS_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(out, "x\0y", 3);
    secret_free(out);
    close(fd);
}

static void test_length_limit(void **state)
{
    (void)state;
    char *text = xmalloc(2 * KEYRING_PASS_MAX + 4);
    memset(text, 'a', KEYRING_PASS_MAX);
    text[KEYRING_PASS_MAX] = '\n';
    memset(text + KEYRING_PASS_MAX + 1, 'b', KEYRING_PASS_MAX + 1);
    text[2 * KEYRING_PASS_MAX + 2] = '\n';
    int fd = pipe_with(text, 2 * KEYRING_PASS_MAX + 3);
    use_fd(fd);
    char *out, *err;
    size_t len;
    assert_int_equal(read_pass(0, &out, &len, &err), PASS_OK);
    assert_int_equal(len, KEYRING_PASS_MAX);
    secret_free(out);
    expect_fail(0, PASS_TOO_LONG, "longer than 1024 bytes");
    close(fd);
    free(text);
}

static void test_bad_fd(void **state)
{
    (void)state;
    static const char *const bad[] = {"x", "-1", "3x", "999", "99999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(setenv("PBXTOP_PASSPHRASE_FD", bad[i], 1), 0);
        expect_fail(0, PASS_BAD_FD, "not an open file descriptor");
    }
}

/* `keyring set` with stdin not a terminal: one line per call, newline stripped. */
static void test_secret_from_stdin(void **state)
{
    (void)state;
    int saved = dup(STDIN_FILENO);
    static const char text[] = "s3cret ;#\" x\nrest\n\n";
    int fd = pipe_with(text, sizeof text - 1);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    char *out, *err = NULL;
    size_t len;
    assert_int_equal(passphrase_read_secret("p: ", 100, &out, &len, &err), PASS_OK);
    assert_string_equal(out, "s3cret ;#\" x");
    secret_free(out);
    assert_int_equal(passphrase_read_secret("p: ", 4, &out, &len, &err), PASS_OK);
    assert_string_equal(out, "rest");
    secret_free(out);
    assert_int_equal(passphrase_read_secret("p: ", 4, &out, &len, &err), PASS_OK);
    assert_int_equal(len, 0);
    secret_free(out);
    assert_int_equal(passphrase_read_secret("p: ", 4, &out, &len, &err), PASS_EMPTY);
    assert_null(out);
    free(err);

    fd = pipe_with("toolong\n", 8);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    assert_int_equal(passphrase_read_secret("p: ", 4, &out, &len, &err), PASS_TOO_LONG);
    assert_non_null(strstr(err, "stdin"));
    free(err);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_from_fd),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_bad_fd),
        cmocka_unit_test(test_secret_from_stdin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
