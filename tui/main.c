/* pbxtop: command line parsing and dispatch to the console or a batch subcommand. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/keyring.h"
#include "themes/theme.h"
#include "tui/app.h"
#include "tui/batch.h"
#include "tui/config.h"
#include "tui/demo.h"
#include "tui/log.h"
#include "tui/passphrase.h"
#include "tui/xalloc.h"

static const char usage[] =
    "usage: pbxtop [-c FILE] [-b BACKEND|@all] [-v VIEW] [-d SECONDS] [--read-only]\n"
    "              [--theme NAME] [--no-color] [--ascii] [-n FRAMES]\n"
    "       pbxtop get VIEW [-b BACKEND|@all] [-o table|csv|json] [--filter TEXT] [--raw]\n"
    "       pbxtop hangup -b BACKEND [--yes] ID...\n"
    "       pbxtop apply FILE.csv -b BACKEND [--view VIEW] [--dry-run] [--yes]\n"
    "       pbxtop journal [list | show ID | resume ID [--yes]]\n"
    "       pbxtop keyring init | set NAME [--username U] | list | rm NAME | passwd | import\n"
    "       pbxtop demo [console options]\n"
    "       pbxtop --version | --help | COMMAND --help\n"
    "\n"
    "The console polls the backends in the config and shows their live tables; in it, ?\n"
    "lists every key. Console options:\n"
    "  -c, --config FILE    the config (default $XDG_CONFIG_HOME/pbxtop/config.ini)\n"
    "  -b, --backend NAME   the backend to show (default the first), @all for all at once\n"
    "  -v, --view VIEW      the first view: extensions, ringgroups, channels (the default),\n"
    "                       queuemembers, queues, backends (or ext rg ch qm q be)\n"
    "  -d, --delay SECONDS  seconds between polls (0.2 to 3600), instead of the config's\n"
    "      --read-only      refuse every change\n"
    "      --theme NAME     default, light, mono, a theme of your own, or a file\n"
    "      --no-color       attributes only, no colours (as NO_COLOR=1 does)\n"
    "      --ascii          draw with ASCII characters only\n"
    "  -n, --frames N       exit after drawing N frames\n"
    "Exit codes: 0 ok, 1 operation failed, 2 usage or config error, 3 backend unreachable or\n"
    "auth failed, 4 keyring locked or wrong passphrase, 5 not offered by the backend.\n"
    "See man pbxtop.\n";

static const char usage_demo[] =
    "usage: pbxtop demo [-b BACKEND|@all] [-v VIEW] [-d SECONDS] [--read-only] [--theme NAME]\n"
    "                   [--no-color] [--ascii] [-n FRAMES]\n"
    "Start the bundled simulator of every backend type (jade-lab, issabel-lab, sark-lab,\n"
    "ngcp-lab, dsiprouter-lab) in a private directory and open the console on it; the\n"
    "options are the console's (pbxtop --help). Needs python3.\n";

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

/* Console options; stops at the first non-option (a subcommand). -h prints `help`. */
static void parse_console(int argc, char **argv, struct cli *c, const char *help)
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
            fputs(help, stdout);
            exit(EXIT_OK);
        default:
            fputs(help, stderr);
            exit(EXIT_USAGE);
        }
    }
}

/* Load the theme before the terminal is taken over, so that a bad one is reported plainly.
 * `from` names the config the name came from, or is NULL for --theme. */
static void apply_theme(const char *name, const char *from)
{
    struct theme t;
    char *err = NULL;
    if (theme_load(name ? name : "default", &t, &err)) {
        if (from)
            die_code(EXIT_USAGE, "%s: theme = %s: %s", from, name, err);
        die_code(EXIT_USAGE, "%s", err);
    }
    theme_set(&t);
}

static int run_console(struct cli *c)
{
    char *err = NULL, *path = c->config ? xstrdup(c->config) : config_default_path();
    struct config cfg;
    if (config_load(path, &cfg, &err))
        die_code(EXIT_USAGE, "%s", err);
    free(path);
    apply_theme(c->theme ? c->theme : cfg.theme, c->theme ? NULL : cfg.path);
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
        parse_console(argc, argv, c, usage_demo);
        if (optind < argc)
            die_code(EXIT_USAGE, "demo: unexpected argument '%s'", argv[optind]);
        apply_theme(c->theme, NULL);
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
    passphrase_fd_private();
    atexit(cleanup_run);
    log_open_from_env();
    parse_console(argc, argv, &c, usage);
    if (optind < argc)
        return run_subcommand(&c, argc - optind, argv + optind);
    return run_console(&c);
}
