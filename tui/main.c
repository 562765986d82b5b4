/* pbxtop: command line parsing and dispatch to the console or a batch subcommand. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/keyring.h"
#include "tui/app.h"
#include "tui/batch.h"
#include "tui/config.h"
#include "tui/demo.h"
#include "tui/log.h"
#include "tui/xalloc.h"

static const char usage[] =
    "usage: pbxtop [-c FILE] [-b BACKEND] [-v VIEW] [-d SECONDS] [--read-only]\n"
    "              [--theme NAME] [--no-color] [--ascii] [-n FRAMES]\n"
    "       pbxtop get VIEW [-b BACKEND|@all] [-o table|csv|json] [--filter TEXT] [--raw]\n"
    "       pbxtop hangup -b BACKEND [--yes] ID...\n"
    "       pbxtop apply FILE.csv -b BACKEND [--view VIEW] [--dry-run] [--yes]\n"
    "       pbxtop journal [list | show ID | resume ID [--yes]]\n"
    "       pbxtop keyring init | set NAME [--username U] | list | rm NAME | passwd | import\n"
    "       pbxtop demo [console options]\n"
    "       pbxtop --version | --help\n"
    "\n"
    "The console polls the backends in the config ($XDG_CONFIG_HOME/pbxtop/config.ini or\n"
    "-c FILE) and shows their live channels. In it, ? lists every key.\n"
    "Exit codes: 0 ok, 1 operation failed, 2 usage or config error, 3 backend unreachable or\n"
    "auth failed, 4 keyring locked or wrong passphrase, 5 not offered by the backend.\n";

struct cli {
    const char *config;
    const char *theme;
    struct app_opts app;
};

static int parse_seconds(const char *s, int *ms)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (errno || end == s || *end || d < 0.2 || d > 3600)
        return -1;
    *ms = (int)(d * 1000);
    return 0;
}

static long parse_frames(const char *s)
{
    char *end;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (errno || end == s || *end || n < 1)
        die_code(EXIT_USAGE, "-n %s: expected a number of frames (1 or more)", s);
    return n;
}

/* Console options; stops at the first non-option (a subcommand). */
static void parse_console(int argc, char **argv, struct cli *c)
{
    enum {
        OPT_READ_ONLY = 256,
        OPT_THEME,
        OPT_NO_COLOR,
        OPT_ASCII,
        OPT_VERSION
    };
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"backend", required_argument, NULL, 'b'},
        {"view", required_argument, NULL, 'v'},
        {"delay", required_argument, NULL, 'd'},
        {"frames", required_argument, NULL, 'n'},
        {"read-only", no_argument, NULL, OPT_READ_ONLY},
        {"theme", required_argument, NULL, OPT_THEME},
        {"no-color", no_argument, NULL, OPT_NO_COLOR},
        {"ascii", no_argument, NULL, OPT_ASCII},
        {"version", no_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "+c:b:v:d:n:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            c->config = optarg;
            break;
        case 'b':
            c->app.backend = optarg;
            break;
        case 'v':
            c->app.view = optarg;
            break;
        case 'd':
            if (parse_seconds(optarg, &c->app.refresh_ms))
                die_code(EXIT_USAGE, "-d %s: expected seconds between 0.2 and 3600", optarg);
            break;
        case 'n':
            c->app.max_frames = parse_frames(optarg);
            break;
        case OPT_READ_ONLY:
            c->app.read_only = true;
            break;
        case OPT_THEME:
            c->theme = optarg;
            break;
        case OPT_NO_COLOR:
            c->app.no_color = true;
            break;
        case OPT_ASCII:
            c->app.ascii = true;
            break;
        case OPT_VERSION:
            printf("pbxtop %s\n", PBXTOP_VERSION);
            exit(EXIT_OK);
        case 'h':
            fputs(usage, stdout);
            exit(EXIT_OK);
        default:
            fputs(usage, stderr);
            exit(EXIT_USAGE);
        }
    }
}

/* Built-in themes until theme files land: colour, or attributes only. */
static void apply_theme(struct cli *c, const char *name)
{
    if (!name || strcmp(name, "default") == 0)
        return;
    if (strcmp(name, "mono") == 0) {
        c->app.no_color = true;
        return;
    }
    die_code(EXIT_USAGE, "theme '%s' is not one of: default, mono", name);
}

static int run_console(struct cli *c)
{
    char *err = NULL, *path = c->config ? xstrdup(c->config) : config_default_path();
    struct config cfg;
    if (config_load(path, &cfg, &err))
        die_code(EXIT_USAGE, "%s", err);
    free(path);
    apply_theme(c, c->theme ? c->theme : cfg.theme);
    int code = app_run(&cfg, &c->app);
    config_done(&cfg);
    return code;
}

static int run_subcommand(struct cli *c, int argc, char **argv)
{
    const char *cmd = argv[0];
    /* 0, not 1: GNU getopt then forgets the "+" (stop at first non-option) mode of the
     * global parse and permutes the subcommand's options as usual. */
    optind = 0;
    struct batch_global g = {.config = c->config, .read_only = c->app.read_only};
    if (strcmp(cmd, "get") == 0)
        return batch_get(&g, argc, argv);
    if (strcmp(cmd, "hangup") == 0)
        return batch_hangup(&g, argc, argv);
    if (strcmp(cmd, "demo") == 0) {
        parse_console(argc, argv, c);
        if (optind < argc)
            die_code(EXIT_USAGE, "demo: unexpected argument '%s'", argv[optind]);
        apply_theme(c, c->theme);
        return demo_run(&c->app);
    }
    if (strcmp(cmd, "apply") == 0)
        return batch_apply(&g, argc, argv);
    if (strcmp(cmd, "journal") == 0)
        return batch_journal(&g, argc, argv);
    if (strcmp(cmd, "keyring") == 0)
        return batch_keyring(&g, argc, argv);
    fputs(usage, stderr);
    die_code(EXIT_USAGE, "unknown command '%s'", cmd);
}

int main(int argc, char **argv)
{
    struct cli c = {0};
    (void)setlocale(LC_ALL, "");
    /* Passwords pass through this process: no core file, no ptrace by the same user. */
    if (keyring_harden_process() != 0)
        die("libsodium cannot start");
    atexit(cleanup_run);
    log_open_from_env();
    parse_console(argc, argv, &c);
    if (optind < argc)
        return run_subcommand(&c, argc - optind, argv + optind);
    return run_console(&c);
}
