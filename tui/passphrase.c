#define _POSIX_C_SOURCE 200809L
#include "tui/passphrase.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "net/keyring.h"
#include "tui/xalloc.h"

/* The terminal whose echo is off, for the signal handler and the exit hook. */
static int tty_fd = -1;
static struct termios tty_saved, tty_quiet;
static volatile sig_atomic_t echo_is_off;
static int last_from_tty;

static const int caught[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};
#define NCAUGHT (sizeof caught / sizeof caught[0])
static struct sigaction prev_actions[NCAUGHT];

static void echo_restore(void)
{
    if (tty_fd >= 0 && echo_is_off) {
        (void)tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
        echo_is_off = 0;
    }
}

static void on_signal(int sig);

static void arm(int sig)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    (void)sigaction(sig, &sa, NULL);
}

/* Give the terminal back its echo, then take the signal's default action. Only a stop
 * returns here (on SIGCONT): echo goes off again for the rest of the line. */
static void on_signal(int sig)
{
    int saved_errno = errno;
    echo_restore();
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigemptyset(&dfl.sa_mask);
    (void)sigaction(sig, &dfl, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    (void)sigprocmask(SIG_UNBLOCK, &set, NULL);
    (void)raise(sig);
    arm(sig);
    if (tty_fd >= 0 && tcsetattr(tty_fd, TCSAFLUSH, &tty_quiet) == 0)
        echo_is_off = 1;
    errno = saved_errno;
}

/* One line from fd into buf (cap bytes and a NUL), byte by byte so that nothing after the
 * newline is consumed. Returns the length, -1 on error, -2 when the line is too long. *eof
 * is set when the input ended before any newline. */
static long read_line(int fd, char *buf, size_t cap, bool *eof)
{
    size_t n = 0;
    *eof = false;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0) {
            *eof = n == 0;
            break;
        }
        if (c == '\n')
            break;
        if (n == cap) {
            secret_wipe(&c, 1);
            return -2;
        }
        buf[n++] = c;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    return (long)n;
}

static enum pass_status line_status(long got, bool eof, const char *what, size_t cap, char **err)
{
    if (got == -2) {
        *err = xasprintf("%s: longer than %zu bytes", what, cap);
        return PASS_TOO_LONG;
    }
    if (got < 0) {
        *err = xasprintf("%s: cannot read: %s", what, strerror(errno));
        return PASS_IO;
    }
    if (eof) {
        *err = xasprintf("%s: end of input before a line", what);
        return PASS_EMPTY;
    }
    return PASS_OK;
}

/* Read one line from the terminal with echo off; signals restore the echo. */
static long tty_line(int fd, const char *prompt, char *buf, size_t cap, bool *eof)
{
    static bool hooked;
    if (!hooked) {
        cleanup_register(echo_restore);
        hooked = true;
    }
    tty_fd = fd;
    bool quiet = tcgetattr(fd, &tty_saved) == 0;
    if (quiet) {
        tty_quiet = tty_saved;
        tty_quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
        tty_quiet.c_lflag |= ECHONL;
        for (size_t i = 0; i < NCAUGHT; i++)
            (void)sigaction(caught[i], NULL, &prev_actions[i]);
        for (size_t i = 0; i < NCAUGHT; i++)
            arm(caught[i]);
        echo_is_off = tcsetattr(fd, TCSAFLUSH, &tty_quiet) == 0;
    }
    /* After the echo is off: what is typed in answer to the prompt never shows. */
    (void)!write(fd, prompt, strlen(prompt));
    long got = read_line(fd, buf, cap, eof);
    int saved_errno = errno;
    if (quiet) {
        echo_restore();
        for (size_t i = 0; i < NCAUGHT; i++)
            (void)sigaction(caught[i], &prev_actions[i], NULL);
    }
    tty_fd = -1;
    errno = saved_errno;
    return got;
}

/* The descriptor named by PBXTOP_PASSPHRASE_FD: *fd -1 when it is not set. */
static enum pass_status env_fd(int *fd, char **err)
{
    const char *v = getenv("PBXTOP_PASSPHRASE_FD");
    *fd = -1;
    if (!v || !*v)
        return PASS_OK;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < 0 || n > INT_MAX || fcntl((int)n, F_GETFD) < 0) {
        *err = xasprintf("PBXTOP_PASSPHRASE_FD=%s: not an open file descriptor", v);
        return PASS_BAD_FD;
    }
    *fd = (int)n;
    return PASS_OK;
}

static int open_tty(char **err)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        *err = xasprintf("no terminal to ask for the passphrase on (%s); scripts can pass it "
                         "through the descriptor named by PBXTOP_PASSPHRASE_FD",
                         strerror(errno));
    return fd;
}

/* Ask twice on the terminal; both answers must match. */
static enum pass_status tty_new(int fd, const char *prompt, char *buf, size_t *len, char **err)
{
    bool eof;
    long got = tty_line(fd, prompt, buf, KEYRING_PASS_MAX, &eof);
    enum pass_status st = line_status(got, eof, "passphrase", KEYRING_PASS_MAX, err);
    if (st != PASS_OK)
        return st;
    if (got == 0) {
        *err = xasprintf("an empty passphrase is not allowed");
        return PASS_EMPTY;
    }
    char *again = secret_alloc(KEYRING_PASS_MAX + 1);
    long got2 = tty_line(fd, "Same passphrase again: ", again, KEYRING_PASS_MAX, &eof);
    st = line_status(got2, eof, "passphrase", KEYRING_PASS_MAX, err);
    if (st == PASS_OK && (got2 != got || memcmp(buf, again, (size_t)got) != 0)) {
        *err = xasprintf("the two passphrases differ; nothing was changed");
        st = PASS_MISMATCH;
    }
    secret_free(again);
    *len = (size_t)got;
    return st;
}

enum pass_status passphrase_read(const char *prompt, unsigned flags, char **out, size_t *len,
                                 char **err)
{
    int fd;
    *out = NULL;
    last_from_tty = 0;
    enum pass_status st = env_fd(&fd, err);
    if (st != PASS_OK)
        return st;
    char *buf = secret_alloc(KEYRING_PASS_MAX + 1);
    bool eof = false;
    if (fd >= 0) {
        long got = read_line(fd, buf, KEYRING_PASS_MAX, &eof);
        st = line_status(got, eof, "PBXTOP_PASSPHRASE_FD", KEYRING_PASS_MAX, err);
        *len = got > 0 ? (size_t)got : 0;
        if (st == PASS_OK && got == 0 && (flags & PASS_NEW)) {
            *err = xasprintf("an empty passphrase is not allowed");
            st = PASS_EMPTY;
        }
    } else {
        fd = open_tty(err);
        if (fd < 0) {
            secret_free(buf);
            return PASS_NO_SOURCE;
        }
        last_from_tty = 1;
        if (flags & PASS_NEW) {
            st = tty_new(fd, prompt, buf, len, err);
        } else {
            long got = tty_line(fd, prompt, buf, KEYRING_PASS_MAX, &eof);
            st = line_status(got, eof, "passphrase", KEYRING_PASS_MAX, err);
            *len = got > 0 ? (size_t)got : 0;
        }
        close(fd);
    }
    if (st != PASS_OK) {
        secret_free(buf);
        return st;
    }
    *out = buf;
    return PASS_OK;
}

enum pass_status passphrase_read_secret(const char *prompt, size_t max, char **out, size_t *len,
                                        char **err)
{
    char *buf = secret_alloc(max + 1);
    bool eof = false;
    long got;
    enum pass_status st;
    *out = NULL;
    if (isatty(STDIN_FILENO)) {
        int fd = open_tty(err);
        if (fd < 0) {
            secret_free(buf);
            return PASS_NO_SOURCE;
        }
        got = tty_line(fd, prompt, buf, max, &eof);
        close(fd);
        st = line_status(got, eof, "secret", max, err);
    } else {
        got = read_line(STDIN_FILENO, buf, max, &eof);
        st = line_status(got, eof, "stdin", max, err);
    }
    if (st != PASS_OK) {
        secret_free(buf);
        return st;
    }
    *len = (size_t)got;
    *out = buf;
    return PASS_OK;
}

void passphrase_fd_private(void)
{
    int fd;
    char *err = NULL;
    if (env_fd(&fd, &err) == PASS_OK && fd >= 0)
        (void)fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
    free(err);
}

int passphrase_from_tty(void)
{
    return last_from_tty;
}
