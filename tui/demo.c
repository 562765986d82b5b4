#define _GNU_SOURCE /* nftw's FTW_DEPTH and FTW_PHYS */
#include "tui/demo.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/backend.h"
#include "net/keyring.h"
#include "tui/app.h"
#include "tui/batch.h"
#include "tui/config.h"
#include "tui/xalloc.h"

#define START_TIMEOUT_MS 20000
#define MAX_TYPES        8

static char demo_dir[256];
static pid_t sim_pid = -1;
static int sim_stdin = -1;

static bool readable(const char *path)
{
    return access(path, R_OK) == 0;
}

/* pbxsim.py next to the binary (source tree or build dir), or where `make install` put it. */
static char *find_simulator(void)
{
    const char *env = getenv("PBXTOP_SIM");
    if (env && *env)
        return xstrdup(env);
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        const char *rel[] = {"/tests/sim/pbxsim.py", "/../../tests/sim/pbxsim.py"};
        for (size_t i = 0; i < 2; i++) {
            char *p = xasprintf("%s%s", exe, rel[i]);
            if (readable(p))
                return p;
            free(p);
        }
    }
    char *p = xstrdup(PBXTOP_DATADIR "/sim/pbxsim.py");
    if (readable(p))
        return p;
    free(p);
    return NULL;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void demo_stop(void)
{
    if (sim_stdin >= 0)
        close(sim_stdin); /* the simulator exits when its stdin closes */
    sim_stdin = -1;
    if (sim_pid > 0) {
        (void)kill(sim_pid, SIGTERM);
        for (int i = 0; i < 60 && waitpid(sim_pid, NULL, WNOHANG) == 0; i++)
            (void)nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
        if (kill(sim_pid, 0) == 0) {
            (void)kill(sim_pid, SIGKILL);
            (void)waitpid(sim_pid, NULL, 0);
        }
    }
    sim_pid = -1;
    if (demo_dir[0])
        (void)nftw(demo_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    demo_dir[0] = '\0';
}

static void child_exec(const char *sim, int in_fd)
{
    char *log = xasprintf("%s/sim.log", demo_dir);
    int logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (logfd < 0 || dup2(in_fd, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
        _exit(127);
    (void)setpgid(0, 0); /* the terminal's Ctrl-C and Ctrl-Z are for pbxtop, not for it */
    (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
    (void)unsetenv("PBXTOP_PASSPHRASE_FD"); /* its descriptor is close-on-exec anyway */
    /* One simulated server per backend type this build speaks. execvp wants
     * char *const[]: copies avoid casting away const (we exec or exit). */
    const char *types[MAX_TYPES];
    size_t ntypes = backend_types(types, MAX_TYPES);
    char *argv[10 + 2 * MAX_TYPES];
    int a = 0;
    argv[a++] = xstrdup("python3");
    argv[a++] = xstrdup("-B"); /* no __pycache__ in an installed, shared DATADIR */
    argv[a++] = xstrdup(sim);
    argv[a++] = xstrdup("--dir");
    argv[a++] = xstrdup(demo_dir);
    for (size_t i = 0; i < ntypes; i++) {
        argv[a++] = xstrdup("--backend");
        argv[a++] = xasprintf("%s-lab=%s", types[i], types[i]);
    }
    argv[a++] = xstrdup("--churn");
    argv[a++] = xstrdup("--watch-stdin");
    argv[a++] = xstrdup("--cleanup-dir");
    argv[a] = NULL;
    execvp("python3", argv);
    _exit(127);
}

static void start_simulator(const char *sim)
{
    int fds[2];
    if (pipe(fds))
        die("pipe: %s", strerror(errno));
    sim_pid = fork();
    if (sim_pid < 0)
        die("fork: %s", strerror(errno));
    if (sim_pid == 0) {
        close(fds[1]);
        child_exec(sim, fds[0]);
    }
    close(fds[0]);
    (void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    sim_stdin = fds[1];
}

static char *read_small_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = xmalloc(65536);
    *len = fread(buf, 1, 65535, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* Wait for the simulator's ports.json; dies with the simulator's log when it fails. */
static char *wait_ports(size_t *len)
{
    char *path = xasprintf("%s/ports.json", demo_dir);
    for (int waited = 0; waited < START_TIMEOUT_MS; waited += 50) {
        char *json = read_small_file(path, len);
        if (json) {
            free(path);
            return json;
        }
        if (waitpid(sim_pid, NULL, WNOHANG) == sim_pid) {
            sim_pid = -1;
            break;
        }
        (void)nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    }
    free(path);
    char *log = xasprintf("%s/sim.log", demo_dir);
    char *text = read_small_file(log, len);
    char *msg = xasprintf("the simulator did not start:\n%s", text ? text : "(no output)");
    free(log);
    free(text);
    die("%s", msg);
}

/* The simulator's backends.ini: a section per simulated server, with its port, certificate
 * and credentials. */
static char *read_backends(size_t *len)
{
    char *ini = xasprintf("%s/backends.ini", demo_dir);
    char *backends = read_small_file(ini, len);
    if (!backends)
        die("the simulator wrote no %s", ini);
    free(ini);
    return backends;
}

/* backends.ini without its password lines: those go into the demo's keyring. */
static void strip_passwords(char *text)
{
    char *out = text;
    for (const char *s = text; *s;) {
        size_t n = strcspn(s, "\n");
        const char *k = s + strspn(s, " \t");
        bool secret = strncmp(k, "password", 8) == 0 && k[8] && strchr(" \t=", k[8]);
        if (!secret) {
            memmove(out, s, n);
            out += n;
            if (s[n])
                *out++ = '\n';
        }
        s += n + (s[n] ? 1 : 0);
    }
    memset(out, 0, strlen(out));
}

/* config.ini: our [pbxtop] section, then backends.ini without its passwords. */
static char *write_config(char *backends)
{
    strip_passwords(backends);
    char *path = xasprintf("%s/config.ini", demo_dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f)
        die("%s: %s", path, strerror(errno));
    fprintf(f, "; written by pbxtop demo\n[pbxtop]\nrefresh = 1\n\n%s", backends);
    if (fclose(f))
        die("%s: %s", path, strerror(errno));
    return path;
}

static char *demo_keyring_path_buf;

/* Inside the demo's private directory, never the user's own keyring. */
static const char *demo_keyring_path(void)
{
    demo_keyring_path_buf = xasprintf("%s/keyring", demo_dir);
    return demo_keyring_path_buf;
}

/* A passphrase nobody sees: the demo opens its keyring itself. */
static char *random_passphrase(size_t *len)
{
    unsigned char raw[24];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        die("getrandom: %s", strerror(errno));
    char *pass = secret_alloc(2 * sizeof raw + 1);
    for (size_t i = 0; i < sizeof raw; i++)
        (void)snprintf(pass + 2 * i, 3, "%02x", raw[i]);
    secret_wipe(raw, sizeof raw);
    *len = 2 * sizeof raw;
    return pass;
}

/* The demo's throwaway keyring, saved at path and returned open (one KDF): an entry per
 * simulated backend, with the credentials backends.ini gives. */
static struct keyring *demo_keyring(const char *backends, size_t len, const char *path)
{
    struct config cfg;
    char *err = NULL;
    if (config_parse_flags("backends.ini", backends, len, CONFIG_ALLOW_PASSWORDS, &cfg, &err))
        die("the simulator's backends.ini: %s", err);
    fprintf(stderr, "pbxtop: creating the demo's keyring...\n");
    struct keyring_kdf kdf;
    struct keyring_key *key = NULL;
    size_t plen = 0;
    char *pass = random_passphrase(&plen);
    keyring_kdf_new(&kdf);
    if (keyring_derive(&kdf, pass, plen, &key, &err) != KR_OK)
        die("the demo's keyring: %s", err);
    secret_free(pass);
    struct keyring *kr = keyring_new(&kdf, key);
    keyring_key_free(key);
    enum kr_status st = KR_OK;
    for (size_t i = 0; i < cfg.nbackends && st == KR_OK; i++) {
        const struct backend_conf *b = &cfg.backends[i];
        if (b->password)
            st = keyring_set(kr, b->name, KF_SECRET, b->password, &err);
        if (st == KR_OK && b->password && b->username)
            st = keyring_set(kr, b->name, KF_USERNAME, b->username, &err);
    }
    config_done(&cfg);
    if (st == KR_OK)
        st = keyring_save(kr, path, &err);
    if (st != KR_OK)
        die("the demo's keyring: %s", err);
    return kr;
}

int demo_run(const struct app_opts *opts)
{
    char *sim = find_simulator();
    if (!sim)
        die_code(EXIT_USAGE, "cannot find the simulator (tests/sim/pbxsim.py); set PBXTOP_SIM");
    const char *tmp = getenv("TMPDIR");
    (void)snprintf(demo_dir, sizeof demo_dir, "%s/pbxtop-demo.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(demo_dir))
        die("mkdtemp %s: %s", demo_dir, strerror(errno));
    cleanup_register(demo_stop);
    fprintf(stderr, "pbxtop: starting the simulator...\n");
    start_simulator(sim);
    free(sim);
    size_t len = 0;
    free(wait_ports(&len));
    char *backends = read_backends(&len);
    struct app_opts o = *opts;
    o.keyring_path = demo_keyring_path();
    o.keyring = demo_keyring(backends, len, o.keyring_path);
    char *path = write_config(backends);
    free(backends);
    struct config cfg;
    char *err = NULL;
    if (config_load(path, &cfg, &err))
        die_code(EXIT_USAGE, "%s", err);
    free(path);
    int code = app_run(&cfg, &o);
    free(demo_keyring_path_buf);
    config_done(&cfg);
    demo_stop();
    return code;
}
