/* pbxtop keyring: create the keyring, store and remove a backend's secret, list the entries
 * (never a secret), change the passphrase, and move `password =` lines out of config.ini
 * (DESIGN.md §5). Exit codes: 4 when the keyring cannot be opened (missing, unsafe, damaged,
 * wrong passphrase), 1 when a save fails, 2 for usage errors. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/keyring.h"
#include "tui/batch.h"
#include "tui/config.h"
#include "tui/config_edit.h"
#include "tui/log.h"
#include "tui/passphrase.h"
#include "tui/text.h"
#include "tui/xalloc.h"

static const char usage_keyring[] =
    "usage: pbxtop keyring init\n"
    "       pbxtop keyring set NAME [--username U]\n"
    "       pbxtop keyring list\n"
    "       pbxtop keyring rm NAME\n"
    "       pbxtop keyring passwd\n"
    "       pbxtop keyring import [-c FILE]\n"
    "`set` reads the password or token from the terminal, or one line of stdin; `import` moves\n"
    "the config's `password =` lines into the keyring. The passphrase comes from the terminal,\n"
    "or one line from the descriptor named by PBXTOP_PASSPHRASE_FD.\n";

static int status_code(enum kr_status st)
{
    switch (st) {
    case KR_OK:
        return EXIT_OK;
    case KR_ERR_INVALID:
        return EXIT_USAGE;
    case KR_ERR_CHANGED:
    case KR_ERR_IO:
    case KR_ERR_READ_ONLY:
        return EXIT_FAILED;
    default:
        return EXIT_KEYRING;
    }
}

static int pass_code(enum pass_status st)
{
    if (st == PASS_NO_SOURCE)
        return EXIT_KEYRING;
    return st == PASS_IO ? EXIT_FAILED : EXIT_USAGE;
}

/* Print "pbxtop: err", free it, return code. */
static int report(int code, char *err)
{
    fprintf(stderr, "pbxtop: %s\n", err);
    free(err);
    return code;
}

struct keyring *batch_unlock_keyring(const char *path, int *code)
{
    struct keyring_file *f = NULL;
    struct keyring_key *key = NULL;
    struct keyring *kr = NULL;
    char *err = NULL, *pass = NULL;
    size_t len = 0;
    enum kr_status st = keyring_file_read(path, &f, &err);
    if (st != KR_OK) {
        *code = report(status_code(st), err);
        return NULL;
    }
    enum pass_status ps = passphrase_read("Keyring passphrase: ", 0, &pass, &len, &err);
    if (ps != PASS_OK) {
        keyring_file_free(f);
        *code = report(pass_code(ps), err);
        return NULL;
    }
    if (isatty(STDERR_FILENO))
        fputs("unlocking the keyring...\n", stderr);
    st = keyring_derive(keyring_file_kdf(f), pass, len, &key, &err);
    secret_free(pass);
    if (st == KR_OK)
        st = keyring_open(f, key, &kr, &err);
    keyring_key_free(key);
    keyring_file_free(f);
    if (st != KR_OK) {
        log_msg("keyring: %s: unlocking failed", path);
        *code = report(status_code(st), xasprintf("%s: %s", path, err));
        free(err);
        return NULL;
    }
    log_msg("keyring: %s: unlocked, generation %llu, %zu entries", path,
            (unsigned long long)keyring_generation(kr), keyring_count(kr));
    return kr;
}

static int save(struct keyring *kr, const char *path)
{
    char *err = NULL;
    enum kr_status st = keyring_save(kr, path, &err);
    if (st != KR_OK) {
        log_msg("keyring: %s: save failed", path);
        return report(status_code(st), err);
    }
    log_msg("keyring: %s: saved generation %llu", path, (unsigned long long)keyring_generation(kr));
    return EXIT_OK;
}

static bool writable(struct keyring *kr, const char *path, int *code)
{
    if (!keyring_read_only(kr))
        return true;
    *code = report(EXIT_FAILED, xasprintf("%s was written by a newer pbxtop: this one can read "
                                          "it but not change it",
                                          path));
    return false;
}

/* Ask for a new passphrase and derive its key; NULL with *code on failure. */
static struct keyring_key *new_key(struct keyring_kdf *kdf, int *code)
{
    char *pass = NULL, *err = NULL;
    size_t len = 0;
    enum pass_status ps = passphrase_read("New keyring passphrase: ", PASS_NEW, &pass, &len, &err);
    if (ps != PASS_OK) {
        *code = report(pass_code(ps), err);
        return NULL;
    }
    if (isatty(STDERR_FILENO))
        fputs("deriving the key...\n", stderr);
    keyring_kdf_new(kdf);
    struct keyring_key *key = NULL;
    enum kr_status st = keyring_derive(kdf, pass, len, &key, &err);
    secret_free(pass);
    if (st != KR_OK)
        *code = report(status_code(st), err);
    return key;
}

static int cmd_init(const char *path)
{
    struct keyring_file *f = NULL;
    char *err = NULL;
    enum kr_status st = keyring_file_read(path, &f, &err);
    keyring_file_free(f);
    if (st == KR_OK) {
        free(err);
        return report(EXIT_FAILED, xasprintf("a keyring already exists at %s; to change its "
                                             "passphrase: pbxtop keyring passwd",
                                             path));
    }
    if (st != KR_ERR_MISSING)
        return report(status_code(st), err);
    free(err);
    struct keyring_kdf kdf;
    int code = EXIT_OK;
    struct keyring_key *key = new_key(&kdf, &code);
    if (!key)
        return code;
    struct keyring *kr = keyring_new(&kdf, key);
    keyring_key_free(key);
    code = save(kr, path);
    keyring_free(kr);
    if (code == EXIT_OK)
        printf("created an empty keyring at %s\n", path);
    return code;
}

/* A note (not an error) when NAME is no backend of the config: a typo would otherwise go
 * unnoticed until the console cannot log in. */
static void check_backend(const char *config, const char *name)
{
    char *path = config ? xstrdup(config) : config_default_path(), *err = NULL;
    struct config cfg;
    if (config_load_flags(path, CONFIG_ALLOW_PASSWORDS, &cfg, &err) == 0) {
        bool found = false;
        for (size_t i = 0; i < cfg.nbackends; i++)
            found = found || strcmp(cfg.backends[i].name, name) == 0;
        if (!found)
            fprintf(stderr, "pbxtop: note: %s has no backend [%s]\n", path, name);
        config_done(&cfg);
    }
    free(err);
    free(path);
}

/* Read the secret `set` stores into *secret (secret memory). An empty line is an error
 * unless only the username changes. Returns an exit code. */
static int ask_secret(const char *name, bool username, char **secret, size_t *len)
{
    char *prompt = xasprintf("Password or token for %s: ", name), *err = NULL;
    enum pass_status ps = passphrase_read_secret(prompt, KEYRING_MAX_VALUE, secret, len, &err);
    free(prompt);
    if (ps != PASS_OK)
        return report(pass_code(ps), err);
    if (strlen(*secret) != *len)
        return report(EXIT_USAGE, xasprintf("the secret holds a NUL byte; nothing was changed"));
    if (*len == 0 && !username)
        return report(EXIT_USAGE,
                      xasprintf("no secret given (an empty line); nothing was changed"));
    return EXIT_OK;
}

static int cmd_set(const char *path, const char *config, const char *name, const char *username)
{
    if (!keyring_valid_name(name))
        return report(EXIT_USAGE, xasprintf("'%s' is not a backend name: 1 to 64 letters, "
                                            "digits, '_', '.' or '-'",
                                            name));
    check_backend(config, name);
    int code = EXIT_OK;
    struct keyring *kr = batch_unlock_keyring(path, &code);
    if (!kr || !writable(kr, path, &code)) {
        keyring_free(kr);
        return code;
    }
    char *secret = NULL, *err = NULL;
    size_t len = 0;
    enum kr_status st = KR_OK;
    code = ask_secret(name, username != NULL, &secret, &len);
    if (code == EXIT_OK && len > 0)
        st = keyring_set(kr, name, KF_SECRET, secret, &err);
    if (code == EXIT_OK && st == KR_OK && username)
        st = keyring_set(kr, name, KF_USERNAME, username, &err);
    secret_free(secret);
    if (code == EXIT_OK)
        code = st == KR_OK ? save(kr, path) : report(status_code(st), err);
    if (code == EXIT_OK)
        printf("stored %s for %s in %s\n", len ? "the secret" : "the username", name, path);
    keyring_free(kr);
    return code;
}

/* What else an entry holds, by name only: "client_cert, pin, refresh token". */
static char *also(const struct keyring_entry *e)
{
    char *out = xstrdup("");
    for (int f = KF_CLIENT_CERT; f < KF_COUNT; f++) {
        if (!keyring_entry_get(e, (enum keyring_field)f))
            continue;
        char *next =
            xasprintf("%s%s%s", out, *out ? ", " : "", keyring_field_name((enum keyring_field)f));
        free(out);
        out = next;
    }
    for (size_t i = 0; i < keyring_entry_ntokens(e); i++) {
        char *next =
            xasprintf("%s%s%s token", out, *out ? ", " : "", keyring_entry_token_name(e, i));
        free(out);
        out = next;
    }
    return out;
}

static void print_padded(const char *s, int width)
{
    fputs(s, stdout);
    for (int w = text_width(s); w < width; w++)
        putchar(' ');
}

static int cmd_list(const char *path)
{
    int code = EXIT_OK;
    struct keyring *kr = batch_unlock_keyring(path, &code);
    if (!kr)
        return code;
    size_t n = keyring_count(kr);
    const char *cs = nl_langinfo(CODESET);
    unsigned flags = cs && strcmp(cs, "UTF-8") == 0 ? 0 : TEXT_ASCII;
    char **users = xcalloc(n + 1, sizeof *users);
    int wname = 4, wuser = 8;
    for (size_t i = 0; i < n; i++) {
        const struct keyring_entry *e = keyring_at(kr, i);
        const char *u = keyring_entry_get(e, KF_USERNAME);
        users[i] = u ? text_sanitized(u, flags) : xstrdup("-");
        int w = (int)strlen(keyring_entry_name(e));
        wname = w > wname ? w : wname;
        w = text_width(users[i]);
        wuser = w > wuser ? w : wuser;
    }
    if (n == 0)
        printf("the keyring at %s is empty\n", path);
    else {
        printf("%-*s  SECRET  %-*s  ALSO\n", wname, "NAME", wuser, "USERNAME");
    }
    for (size_t i = 0; i < n; i++) {
        const struct keyring_entry *e = keyring_at(kr, i);
        char *more = also(e);
        printf("%-*s  %-6s  ", wname, keyring_entry_name(e),
               keyring_entry_get(e, KF_SECRET) ? "set" : "-");
        print_padded(users[i], wuser);
        printf("  %s\n", *more ? more : "-");
        free(more);
        free(users[i]);
    }
    free(users);
    keyring_free(kr);
    return EXIT_OK;
}

static int cmd_rm(const char *path, const char *name)
{
    int code = EXIT_OK;
    struct keyring *kr = batch_unlock_keyring(path, &code);
    if (!kr)
        return code;
    if (!writable(kr, path, &code)) {
        keyring_free(kr);
        return code;
    }
    if (!keyring_remove(kr, name))
        code = report(EXIT_FAILED, xasprintf("no entry %s in the keyring at %s", name, path));
    else
        code = save(kr, path);
    if (code == EXIT_OK)
        printf("removed %s from %s\n", name, path);
    keyring_free(kr);
    return code;
}

static int cmd_passwd(const char *path)
{
    int code = EXIT_OK;
    struct keyring *kr = batch_unlock_keyring(path, &code);
    if (!kr)
        return code;
    struct keyring_kdf kdf;
    struct keyring_key *key = writable(kr, path, &code) ? new_key(&kdf, &code) : NULL;
    if (key) {
        keyring_rekey(kr, &kdf, key);
        keyring_key_free(key);
        code = save(kr, path);
        if (code == EXIT_OK)
            printf("changed the passphrase of %s\n", path);
    }
    keyring_free(kr);
    return code;
}

/* Store each backend's `password =` (and username) in its entry, save the keyring, then
 * rewrite the config without the password lines: a failed save loses nothing, and a second
 * run after a failed rewrite stores the same values again. */
static int import_into(struct keyring *kr, const char *path, struct config *cfg)
{
    struct config_edit *edits = xcalloc(cfg->nbackends, sizeof *edits);
    size_t n = 0;
    char *err = NULL;
    enum kr_status st = KR_OK;
    for (size_t i = 0; i < cfg->nbackends && st == KR_OK; i++) {
        const struct backend_conf *b = &cfg->backends[i];
        if (!b->password)
            continue;
        st = keyring_set(kr, b->name, KF_SECRET, b->password, &err);
        if (st == KR_OK && b->username)
            st = keyring_set(kr, b->name, KF_USERNAME, b->username, &err);
        edits[n++] = (struct config_edit){b->name, "password", NULL};
    }
    int code = st == KR_OK ? save(kr, path) : report(status_code(st), err);
    if (code != EXIT_OK) {
        fprintf(stderr, "pbxtop: %s is unchanged\n", cfg->path);
    } else if (config_edit_apply(cfg->path, edits, n, &err) != 0) {
        code = report(EXIT_FAILED,
                      xasprintf("the passwords are in the keyring now, but %s; remove its "
                                "password lines by hand, or run pbxtop keyring import again",
                                err));
        free(err);
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%s: moved its password from %s into %s\n", edits[i].section, cfg->path, path);
    }
    free(edits);
    return code;
}

static int cmd_import(const char *path, const char *config)
{
    char *cfgpath = config ? xstrdup(config) : config_default_path(), *err = NULL;
    struct config cfg;
    int rc = config_load_flags(cfgpath, CONFIG_ALLOW_PASSWORDS, &cfg, &err);
    free(cfgpath);
    if (rc != 0)
        return report(EXIT_USAGE, err);
    size_t n = 0;
    for (size_t i = 0; i < cfg.nbackends; i++)
        n += cfg.backends[i].password != NULL;
    int code = EXIT_OK;
    if (n == 0) {
        printf("nothing to import: %s holds no password\n", cfg.path);
    } else {
        struct keyring *kr = batch_unlock_keyring(path, &code);
        if (kr && writable(kr, path, &code))
            code = import_into(kr, path, &cfg);
        keyring_free(kr);
    }
    config_done(&cfg); /* wipes the passwords */
    return code;
}

int batch_keyring(const struct batch_global *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"username", required_argument, NULL, 'u'},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = g->config, *username = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "c:u:h", longopts, NULL)) != -1) {
        if (opt == 'u')
            username = optarg;
        else if (opt == 'c')
            config = optarg;
        else {
            fputs(usage_keyring, opt == 'h' ? stdout : stderr);
            return opt == 'h' ? EXIT_OK : EXIT_USAGE;
        }
    }
    const char *cmd = optind < argc ? argv[optind] : NULL;
    const char *name = optind + 1 < argc ? argv[optind + 1] : NULL;
    int nargs = argc - optind - 1;
    bool named = cmd && (strcmp(cmd, "set") == 0 || strcmp(cmd, "rm") == 0);
    if (!cmd || nargs != (named ? 1 : 0) || (username && strcmp(cmd, "set") != 0)) {
        fputs(usage_keyring, stderr);
        return EXIT_USAGE;
    }
    char *path = keyring_default_path();
    int code = EXIT_USAGE;
    if (strcmp(cmd, "init") == 0)
        code = cmd_init(path);
    else if (strcmp(cmd, "set") == 0)
        code = cmd_set(path, config, name, username);
    else if (strcmp(cmd, "list") == 0)
        code = cmd_list(path);
    else if (strcmp(cmd, "rm") == 0)
        code = cmd_rm(path, name);
    else if (strcmp(cmd, "passwd") == 0)
        code = cmd_passwd(path);
    else if (strcmp(cmd, "import") == 0)
        code = cmd_import(path, config);
    else
        fprintf(stderr, "pbxtop: keyring: unknown command '%s'\n%s", cmd, usage_keyring);
    free(path);
    return code;
}
