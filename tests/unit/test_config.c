/* tui/config: parsing config.ini, with every error naming file, line and key; loading a real
 * file (permissions); and the semantic checks that fleet_new() makes on the parsed backends. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/backend.h"
#include "tui/config.h"
#include "tui/xalloc.h"

#define CFG "cfg.ini"
/* Backends with `password =`, as keyring import reads them: the keyring fills the same
 * field in the console. The refusal without the flag has tests of its own. */
#define ALLOW CONFIG_ALLOW_PASSWORDS

static int parse(const char *text, struct config *cfg, char **err)
{
    *err = NULL;
    return config_parse_flags(CFG, text, strlen(text), ALLOW, cfg, err);
}

/* The text must be refused with a message holding every one of the NULL-terminated needles
 * (the first is normally "cfg.ini:LINE:"); the config is left empty. */
static void expect_error(const char *text, ...)
{
    struct config cfg;
    char *err = NULL;
    int rc = config_parse_flags(CFG, text, strlen(text), ALLOW, &cfg, &err);
    if (rc != -1)
        fail_msg("accepted:\n%s", text);
    assert_non_null(err);
    va_list ap;
    va_start(ap, text);
    for (const char *needle = va_arg(ap, const char *); needle; needle = va_arg(ap, const char *)) {
        if (!strstr(err, needle))
            fail_msg("message '%s' lacks '%s'", err, needle);
    }
    va_end(ap);
    /* messages start with the location */
    assert_memory_equal(err, CFG ":", strlen(CFG ":"));
    assert_int_equal(cfg.nbackends, 0);
    assert_null(cfg.backends);
    free(err);
}

static const char full_config[] = "; pbxtop configuration\n"    /* 1 */
                                  "[pbxtop]\n"                  /* 2 */
                                  "refresh = 1.5   ; seconds\n" /* 3 */
                                  "theme = light\n"             /* 4 */
                                  "read_only = yes\n"           /* 5 */
                                  "\n"                          /* 6 */
                                  "[office]\n"                  /* 7 */
                                  "type = jade ; the Asterisk REST API\n"
                                  "url = https://10.0.0.5:8088/\n"
                                  "username = admin\n"
                                  "password = \"s3cr;et #1\"  ; quoted: keeps ; and #\n"
                                  "ca_file = /etc/pbxtop/office-ca.pem\n"
                                  "pin = sha256//AAAAbbbbCCCC;dd=\n"
                                  "client_cert = /etc/pbxtop/client.pem\n"
                                  "client_key = /etc/pbxtop/client.key\n"
                                  "insecure = false\n"
                                  "read_only = TRUE\n"
                                  "allow_http = off\n"
                                  "refresh = 5\n"
                                  "timeout = 20\n"
                                  "variant = L11\n"
                                  "auth = token\n"
                                  "# a hash comment\n"
                                  "   ; an indented comment\n"
                                  "\n"
                                  "[lab]\r\n"
                                  "type = jade\r\n"
                                  "url = http://127.0.0.1:8088\r\n"
                                  "username = u\r\n"
                                  "password = p\r\n";

static void test_full_valid_config(void **state)
{
    (void)state;
    struct config cfg;
    char *err = NULL;
    assert_int_equal(parse(full_config, &cfg, &err), 0);
    assert_null(err);
    assert_string_equal(cfg.path, CFG);
    assert_int_equal(cfg.refresh_ms, 1500);
    assert_string_equal(cfg.theme, "light");
    assert_true(cfg.read_only);
    assert_int_equal(cfg.nbackends, 2);

    const struct backend_conf *b = &cfg.backends[0];
    assert_string_equal(b->name, "office");
    assert_int_equal(b->line, 7);
    assert_string_equal(b->type, "jade");
    assert_string_equal(b->url, "https://10.0.0.5:8088/");
    assert_string_equal(b->username, "admin");
    assert_string_equal(b->password, "s3cr;et #1");
    assert_string_equal(b->ca_file, "/etc/pbxtop/office-ca.pem");
    assert_string_equal(b->pin, "sha256//AAAAbbbbCCCC;dd="); /* ';' inside a word is text */
    assert_string_equal(b->client_cert, "/etc/pbxtop/client.pem");
    assert_string_equal(b->client_key, "/etc/pbxtop/client.key");
    assert_false(b->insecure);
    assert_true(b->read_only);
    assert_false(b->allow_http);
    assert_int_equal(b->refresh_ms, 5000);
    assert_int_equal(b->timeout_ms, 20000);
    assert_string_equal(b->variant, "L11");
    assert_string_equal(b->auth, "token");

    /* CRLF line ends are read like LF */
    b = &cfg.backends[1];
    assert_string_equal(b->name, "lab");
    assert_int_equal(b->line, 26);
    assert_string_equal(b->url, "http://127.0.0.1:8088");
    assert_string_equal(b->password, "p");
    assert_int_equal(b->refresh_ms, 0);
    assert_int_equal(b->timeout_ms, 0);
    assert_null(b->ca_file);
    config_done(&cfg);
}

static void test_defaults(void **state)
{
    (void)state;
    struct config cfg;
    char *err = NULL;
    assert_int_equal(parse("[pbx]\ntype = jade\nurl = https://pbx\n", &cfg, &err), 0);
    assert_int_equal(cfg.refresh_ms, 2000);
    assert_string_equal(cfg.theme, "default");
    assert_false(cfg.read_only);
    assert_int_equal(cfg.nbackends, 1);
    assert_false(cfg.backends[0].read_only);
    config_done(&cfg);
    /* no final newline */
    assert_int_equal(parse("[pbx]\ntype = jade", &cfg, &err), 0);
    assert_string_equal(cfg.backends[0].type, "jade");
    config_done(&cfg);
}

static void test_booleans(void **state)
{
    (void)state;
    static const struct {
        const char *v;
        bool want;
    } cases[] = {{"true", true}, {"yes", true},  {"on", true}, {"1", true},    {"false", false},
                 {"no", false},  {"off", false}, {"0", false}, {"True", true}, {"OFF", false}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = xasprintf("[pbxtop]\nread_only = %s\n[b]\ntype = jade\n", cases[i].v);
        struct config cfg;
        char *err = NULL;
        assert_int_equal(parse(text, &cfg, &err), 0);
        assert_int_equal(cfg.read_only, cases[i].want);
        config_done(&cfg);
        free(text);
    }
}

static void test_refresh_bounds(void **state)
{
    (void)state;
    struct config cfg;
    char *err = NULL;
    assert_int_equal(parse("[pbxtop]\nrefresh = 0.2\n[b]\ntype = jade\n", &cfg, &err), 0);
    assert_int_equal(cfg.refresh_ms, 200);
    config_done(&cfg);
    assert_int_equal(parse("[pbxtop]\nrefresh = 3600\n[b]\ntype = jade\n", &cfg, &err), 0);
    assert_int_equal(cfg.refresh_ms, 3600000);
    config_done(&cfg);
}

static void test_err_unknown_backend_key(void **state)
{
    (void)state;
    expect_error("[pbxtop]\n"
                 "refresh = 2\n"
                 "\n"
                 "[office]\n"
                 "type = jade\n"
                 "url = https://pbx\n"
                 "colour = red\n",
                 CFG ":7:", "colour", "office", NULL);
    /* keys are case-sensitive: a near miss is not silently taken */
    expect_error("[office]\nURL = https://pbx\n", CFG ":2:", "URL", NULL);
    /* a global key in a backend section is not one of its keys */
    expect_error("[office]\ntheme = dark\n", CFG ":2:", "theme", NULL);
}

static void test_err_key_set_twice(void **state)
{
    (void)state;
    /* the second value would silently win: refused, naming both lines */
    expect_error("[office]\ntype = jade\nurl = https://a\n\nurl = https://b\n", CFG ":5:", "url",
                 "line 3", "office", NULL);
    expect_error("[pbxtop]\nrefresh = 2\nrefresh = 3\n[o]\ntype = jade\n", CFG ":3:", "refresh",
                 "line 2", NULL);
}

static void test_err_unknown_global_key(void **state)
{
    (void)state;
    expect_error("[pbxtop]\nrefresh = 2\ncolour = red\n[o]\ntype = jade\n", CFG ":3:", "colour",
                 "pbxtop", NULL);
    expect_error("[pbxtop]\nurl = https://x\n", CFG ":2:", "url", NULL);
}

static void test_err_bad_boolean(void **state)
{
    (void)state;
    expect_error("[pbxtop]\nread_only = maybe\n[o]\ntype = jade\n", CFG ":2:", "read_only", "maybe",
                 NULL);
    expect_error("[o]\ntype = jade\ninsecure = 2\n", CFG ":3:", "insecure", NULL);
    expect_error("[o]\ntype = jade\n\nallow_http = yes please\n", CFG ":4:", "allow_http", NULL);
}

static void test_err_refresh(void **state)
{
    (void)state;
    static const char *const bad[] = {"0.1", "0",   "-1",  "3601",  "99999", "1e9", "fast",
                                      "2s",  "nan", "inf", "1e400", "2 3",   "0x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *text = xasprintf("[pbxtop]\ntheme = x\nrefresh = %s\n[b]\ntype = jade\n", bad[i]);
        expect_error(text, CFG ":3:", "refresh", NULL);
        free(text);
        text = xasprintf("[b]\ntype = jade\nrefresh = %s\n", bad[i]);
        expect_error(text, CFG ":3:", "refresh", NULL);
        free(text);
    }
    expect_error("[b]\ntype = jade\ntimeout = 0.5\n", CFG ":3:", "timeout", NULL);
    expect_error("[b]\ntype = jade\ntimeout = 601\n", CFG ":3:", "timeout", NULL);
}

static void test_err_missing_equals(void **state)
{
    (void)state;
    expect_error("[o]\ntype = jade\nurl https://pbx\n", CFG ":3:", "url", NULL);
    expect_error("[o]\n= jade\n", CFG ":2:", NULL);
}

static void test_err_unterminated_quote(void **state)
{
    (void)state;
    expect_error("[o]\ntype = jade\npassword = \"abc ; def\n", CFG ":3:", "password", NULL);
    expect_error("[o]\ntype = jade\nusername = \"a\" b\n", CFG ":3:", "username", NULL);
}

static void test_err_duplicate_section(void **state)
{
    (void)state;
    expect_error("[office]\n"
                 "type = jade\n"
                 "url = https://a\n"
                 "[lab]\n"
                 "type = jade\n"
                 "[office]\n"
                 "type = jade\n",
                 CFG ":6:", "office", NULL);
}

static void test_err_bad_section_name(void **state)
{
    (void)state;
    expect_error("[my office]\ntype = jade\n", CFG ":1:", "my office", NULL);
    expect_error("[pbxtop]\n[a/b]\n", CFG ":2:", "a/b", NULL);
    expect_error("[o]\ntype = jade\n[\x1b[31m]\n", CFG ":3:", NULL);
    expect_error("[o]\ntype = jade\n[]\n", CFG ":3:", NULL);
    expect_error("[office\ntype = jade\n", CFG ":1:", NULL);
    expect_error("[office] x\ntype = jade\n", CFG ":1:", NULL);
}

static void test_err_key_before_section(void **state)
{
    (void)state;
    expect_error("; header\ntype = jade\n[o]\n", CFG ":2:", "type", NULL);
}

static void test_err_empty_value(void **state)
{
    (void)state;
    expect_error("[o]\ntype = jade\nurl =\n", CFG ":3:", "url", NULL);
    expect_error("[o]\ntype = jade\nurl =    ; nothing\n", CFG ":3:", "url", NULL);
    expect_error("[o]\ntype = jade\nusername = \"\"\n", CFG ":3:", "username", NULL);
}

static void test_err_nul_byte(void **state)
{
    (void)state;
    static const char text[] = "[o]\ntype = jade\nurl = https://a\0b\n";
    struct config cfg;
    char *err = NULL;
    assert_int_equal(config_parse_flags(CFG, text, sizeof text - 1, ALLOW, &cfg, &err), -1);
    assert_non_null(strstr(err, CFG ":3:"));
    assert_int_equal(cfg.nbackends, 0);
    free(err);
}

static void test_err_long_line(void **state)
{
    (void)state;
    size_t n = 5000;
    char *text = xmalloc(n + 64);
    int o = snprintf(text, 64, "[o]\ntype = jade\nusername = ");
    memset(text + o, 'a', n);
    memcpy(text + o + n, "\nurl = https://x\n", 18);
    struct config cfg;
    char *err = NULL;
    assert_int_equal(config_parse_flags(CFG, text, strlen(text), ALLOW, &cfg, &err), -1);
    assert_non_null(strstr(err, CFG ":3:"));
    assert_non_null(strstr(err, "4096"));
    /* the message quotes none of the line */
    assert_true(strlen(err) < 200);
    free(err);
    free(text);

    /* 4096 bytes is still a line */
    text = xmalloc(4200);
    o = snprintf(text, 64, "[o]\ntype = jade\nusername = ");
    memset(text + o, 'b', 4096 - strlen("username = "));
    memcpy(text + o + 4096 - strlen("username = "), "\n", 2);
    assert_int_equal(config_parse_flags(CFG, text, strlen(text), ALLOW, &cfg, &err), 0);
    assert_int_equal(strlen(cfg.backends[0].username), 4096 - strlen("username = "));
    config_done(&cfg);
    free(text);
}

static void test_err_no_backend(void **state)
{
    (void)state;
    expect_error("[pbxtop]\nrefresh = 2\n", CFG ":", "backend", NULL);
    expect_error("", CFG ":", "backend", NULL);
    expect_error("; only a comment\n", CFG ":", "backend", NULL);
}

static void test_keys_section(void **state)
{
    (void)state;
    struct config cfg;
    char *err = NULL;
    /* kept as text, in order; an empty value (unbind) is allowed only here */
    const char *text = "[o]\ntype = jade\n[keys]\nhangup = H, F8\npause =\n[p]\ntype = sark\n";
    assert_int_equal(config_parse_flags(CFG, text, strlen(text), ALLOW, &cfg, &err), 0);
    assert_int_equal(cfg.nkeys, 2);
    assert_string_equal(cfg.keys[0].action, "hangup");
    assert_string_equal(cfg.keys[0].keys, "H, F8");
    assert_int_equal(cfg.keys[0].line, 4);
    assert_string_equal(cfg.keys[1].keys, "");
    assert_int_equal(cfg.nbackends, 2); /* sections after [keys] are backends again */
    config_done(&cfg);
    expect_error("[o]\ntype = jade\n[keys]\nmark = a\nmark = b\n", CFG ":5:", "set twice", NULL);
    expect_error("[keys]\n[o]\ntype = jade\n[keys]\n", CFG ":4:", "appears twice", NULL);
    expect_error("[o]\ntype = \n", CFG ":2:", "empty value", NULL);
}

static void test_columns_section(void **state)
{
    (void)state;
    struct config cfg;
    char *err = NULL;
    /* a view's short name is stored as its long one; the list is kept as text */
    const char *text = "[o]\ntype = jade\n[columns]\nch = channel, dur\nqueuemembers = queue\n";
    assert_int_equal(config_parse_flags(CFG, text, strlen(text), ALLOW, &cfg, &err), 0);
    assert_int_equal(cfg.ncolumns, 2);
    assert_string_equal(cfg.columns[0].view, "channels");
    assert_string_equal(cfg.columns[0].list, "channel, dur");
    assert_int_equal(cfg.columns[0].line, 4);
    assert_string_equal(cfg.columns[1].view, "queuemembers");
    config_done(&cfg);
    expect_error("[o]\ntype = jade\n[columns]\nphones = x\n",
                 CFG ":4:", "[columns] phones: not a table view", NULL);
    expect_error("[o]\ntype = jade\n[columns]\nch = a\nchannels = b\n",
                 CFG ":5:", "channels: set twice in [columns] (first on line 4)", NULL);
    expect_error("[columns]\n[o]\ntype = jade\n[columns]\n", CFG ":4:", "appears twice", NULL);
}

static void test_first_error_wins_and_nothing_leaks(void **state)
{
    (void)state;
    /* two errors: the first is reported */
    expect_error("[o]\ntype = jade\nbogus = 1\nalso = 2\n", CFG ":3:", "bogus", NULL);
}

/* ---- config_load with real files ---- */

struct tmpdir {
    char path[64];
};

static char *tmp_file(const struct tmpdir *d, const char *name, const char *text, mode_t mode)
{
    char *path = xasprintf("%s/%s", d->path, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

static int setup_dir(void **state)
{
    struct tmpdir *d = xcalloc(1, sizeof *d);
    const char *base = getenv("TMPDIR");
    (void)snprintf(d->path, sizeof d->path, "%s/pbxtop-cfg-XXXXXX",
                   base && *base && strlen(base) < 32 ? base : "/tmp");
    if (!mkdtemp(d->path)) {
        free(d);
        return -1;
    }
    *state = d;
    return 0;
}

static int teardown_dir(void **state)
{
    struct tmpdir *d = *state;
    static const char *const names[] = {"open.ini", "closed.ini", "group.ini", "nopass.ini", "sub"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *p = xasprintf("%s/%s", d->path, names[i]);
        (void)unlink(p);
        (void)rmdir(p);
        free(p);
    }
    (void)rmdir(d->path);
    free(d);
    return 0;
}

static const char secret_config[] =
    "[office]\ntype = jade\nurl = https://pbx\nusername = admin\npassword = hunter2\n";

static void test_load_world_readable_password_refused(void **state)
{
    struct tmpdir *d = *state;
    char *path = tmp_file(d, "open.ini", secret_config, 0644);
    struct config cfg;
    char *err = NULL;
    assert_int_equal(config_load_flags(path, ALLOW, &cfg, &err), -1);
    assert_non_null(err);
    assert_non_null(strstr(err, "chmod 600"));
    assert_non_null(strstr(err, path));
    assert_null(strstr(err, "hunter2"));
    assert_int_equal(cfg.nbackends, 0);
    free(err);
    free(path);

    /* readable by the group is just as bad */
    path = tmp_file(d, "group.ini", secret_config, 0640);
    assert_int_equal(config_load_flags(path, ALLOW, &cfg, &err), -1);
    assert_non_null(strstr(err, "chmod 600"));
    free(err);
    free(path);
}

static void test_load_private_password_accepted(void **state)
{
    struct tmpdir *d = *state;
    char *path = tmp_file(d, "closed.ini", secret_config, 0600);
    struct config cfg;
    char *err = NULL;
    assert_int_equal(config_load_flags(path, ALLOW, &cfg, &err), 0);
    assert_null(err);
    assert_string_equal(cfg.path, path);
    assert_int_equal(cfg.nbackends, 1);
    assert_string_equal(cfg.backends[0].password, "hunter2");
    config_done(&cfg);
    free(path);
}

static void test_password_refused_naming_import(void **state)
{
    (void)state;
    struct config cfg;
    char *err = NULL;
    const char text[] = "[office]\ntype = jade\nurl = https://pbx\npassword = hunter2\n";
    assert_int_equal(config_parse(CFG, text, strlen(text), &cfg, &err), -1);
    assert_string_equal(err, "cfg.ini:4: password: secrets belong in the keyring; run: pbxtop "
                             "keyring import");
    free(err);
}

static void test_load_password_refused(void **state)
{
    struct tmpdir *d = *state;
    char *path = tmp_file(d, "closed.ini", secret_config, 0600);
    struct config cfg;
    char *err = NULL;
    assert_int_equal(config_load(path, &cfg, &err), -1);
    assert_non_null(strstr(err, "pbxtop keyring import"));
    assert_null(strstr(err, "hunter2"));
    free(err);
    free(path);
}

static void test_lock_after(void **state)
{
    (void)state;
    struct config cfg;
    char *err = NULL;
    const char text[] = "[pbxtop]\nlock_after = 0.5\n[o]\ntype = jade\nurl = https://pbx\n";
    assert_int_equal(parse(text, &cfg, &err), 0);
    assert_int_equal(cfg.lock_after_ms, 30000);
    config_done(&cfg);
    const char dflt[] = "[o]\ntype = jade\nurl = https://pbx\n";
    assert_int_equal(parse(dflt, &cfg, &err), 0);
    assert_int_equal(cfg.lock_after_ms, 15 * 60 * 1000);
    config_done(&cfg);
    expect_error("[pbxtop]\nlock_after = -1\n[o]\ntype = jade\nurl = https://pbx\n",
                 "cfg.ini:2:", "lock_after", "minutes", NULL);
    expect_error("[pbxtop]\nlock_after = soon\n[o]\ntype = jade\nurl = https://pbx\n",
                 "cfg.ini:2:", "lock_after", NULL);
}

static void test_load_no_password_any_mode(void **state)
{
    struct tmpdir *d = *state;
    char *path = tmp_file(d, "nopass.ini", "[o]\ntype = jade\nurl = https://pbx\n", 0644);
    struct config cfg;
    char *err = NULL;
    assert_int_equal(config_load_flags(path, ALLOW, &cfg, &err), 0);
    config_done(&cfg);
    free(path);
}

static void test_load_parse_error_names_path(void **state)
{
    struct tmpdir *d = *state;
    char *path = tmp_file(d, "closed.ini", "[o]\ntype = jade\nwhat = ever\n", 0600);
    struct config cfg;
    char *err = NULL;
    assert_int_equal(config_load_flags(path, ALLOW, &cfg, &err), -1);
    char *want = xasprintf("%s:3:", path);
    assert_non_null(strstr(err, want));
    assert_non_null(strstr(err, "what"));
    free(want);
    free(err);
    free(path);
}

static void test_load_missing_file(void **state)
{
    struct tmpdir *d = *state;
    char *path = xasprintf("%s/does-not-exist.ini", d->path);
    struct config cfg;
    char *err = NULL;
    assert_int_equal(config_load_flags(path, ALLOW, &cfg, &err), -1);
    assert_non_null(err);
    assert_non_null(strstr(err, path));
    assert_int_equal(cfg.nbackends, 0);
    free(err);
    free(path);
}

static void test_load_directory_refused(void **state)
{
    struct tmpdir *d = *state;
    char *path = xasprintf("%s/sub", d->path);
    assert_int_equal(mkdir(path, 0700), 0);
    struct config cfg;
    char *err = NULL;
    assert_int_equal(config_load_flags(path, ALLOW, &cfg, &err), -1);
    assert_non_null(err);
    assert_non_null(strstr(err, path));
    free(err);
    free(path);
}

/* ---- fleet_new: semantic checks of the parsed backends ---- */

/* Parse text and build a fleet from it; returns the fleet, or NULL with *err set. */
static struct fleet *fleet_from(const char *text, char **err)
{
    struct config cfg;
    char *perr = NULL;
    if (config_parse_flags(CFG, text, strlen(text), ALLOW, &cfg, &perr) != 0)
        fail_msg("config refused: %s", perr);
    struct fleet_opts opts = {.refresh_ms = cfg.refresh_ms, .seed = 1};
    struct fleet *f = fleet_new(cfg.backends, cfg.nbackends, &opts, err);
    /* the confs now belong to the fleet (or were freed): the array is left zeroed */
    for (size_t i = 0; i < cfg.nbackends; i++) {
        assert_null(cfg.backends[i].name);
        assert_null(cfg.backends[i].url);
    }
    config_done(&cfg);
    return f;
}

/* The text must be refused by fleet_new with "LINE: [name] ..." (the line where the key at
 * fault was set, else the section's), the message also holding every further needle. */
static void expect_fleet_error(const char *text, int line, const char *name, ...)
{
    char *err = NULL;
    struct fleet *f = fleet_from(text, &err);
    if (f) {
        fleet_free(f);
        fail_msg("fleet accepted:\n%s", text);
    }
    assert_non_null(err);
    char *prefix = xasprintf("%d: [%s] ", line, name);
    if (strncmp(err, prefix, strlen(prefix)) != 0)
        fail_msg("message '%s' does not start with '%s'", err, prefix);
    free(prefix);
    va_list ap;
    va_start(ap, name);
    for (const char *needle = va_arg(ap, const char *); needle; needle = va_arg(ap, const char *)) {
        if (!strstr(err, needle))
            fail_msg("message '%s' lacks '%s'", err, needle);
    }
    va_end(ap);
    free(err);
}

static void expect_fleet_ok(const char *text)
{
    char *err = NULL;
    struct fleet *f = fleet_from(text, &err);
    if (!f)
        fail_msg("fleet refused: %s\n%s", err, text);
    assert_null(err);
    fleet_free(f);
}

#define JADE_CREDS "username = admin\npassword = pw\n"

static void test_fleet_valid(void **state)
{
    (void)state;
    char *err = NULL;
    struct fleet *f = fleet_from("[pbxtop]\nread_only = false\n"
                                 "[office]\ntype = jade\nurl = https://10.0.0.5:8088/\n" JADE_CREDS
                                 "read_only = true\n"
                                 "[lab]\ntype = jade\nurl = http://127.0.0.1:8088\n" JADE_CREDS,
                                 &err);
    assert_non_null(f);
    assert_null(err);
    assert_int_equal(fleet_count(f), 2);
    struct backend *office = fleet_find(f, "office");
    assert_non_null(office);
    assert_string_equal(be_name(office), "office");
    assert_string_equal(be_type(office), "jade");
    /* the trailing slash goes: adapters append their own API root */
    assert_string_equal(be_url(office), "https://10.0.0.5:8088");
    assert_true(be_read_only(office));
    assert_false(be_insecure(office));
    struct backend *lab = fleet_find(f, "lab");
    assert_non_null(lab);
    assert_true(lab == fleet_at(f, 1));
    assert_false(be_read_only(lab));
    assert_true(be_insecure(lab)); /* plain http is flagged even on loopback */
    assert_null(fleet_find(f, "nope"));
    fleet_free(f);
}

static void test_fleet_unknown_type(void **state)
{
    (void)state;
    expect_fleet_error("[pbxtop]\n[office]\ntype = asterisk\nurl = https://pbx\n" JADE_CREDS, 3,
                       "office", "type", "asterisk", "jade", NULL);
}

static void test_fleet_missing_type(void **state)
{
    (void)state;
    /* no line holds the key: the section's line */
    expect_fleet_error("[office]\nurl = https://pbx\n" JADE_CREDS, 1, "office", "type", NULL);
}

static void test_fleet_missing_url(void **state)
{
    (void)state;
    expect_fleet_error("\n\n[office]\ntype = jade\n" JADE_CREDS, 3, "office", "url", NULL);
}

static void test_fleet_bad_scheme(void **state)
{
    (void)state;
    expect_fleet_error("[office]\ntype = jade\nurl = ftp://pbx\n" JADE_CREDS, 3, "office", "url",
                       NULL);
    expect_fleet_error("[office]\ntype = jade\nurl = pbx.example.com\n" JADE_CREDS, 3, "office",
                       "url", NULL);
    expect_fleet_error("[office]\ntype = jade\nurl = https://\n" JADE_CREDS, 3, "office", "url",
                       NULL);
    expect_fleet_error("[office]\ntype = jade\nurl = https://:8088/x\n" JADE_CREDS, 3, "office",
                       "url", NULL);
}

static void test_fleet_plain_http(void **state)
{
    (void)state;
    expect_fleet_error("[pbxtop]\n\n[office]\ntype = jade\nurl = http://10.0.0.5:8088\n" JADE_CREDS,
                       5, "office", "url", "allow_http", NULL);
    expect_fleet_error("[office]\n" JADE_CREDS "type = jade\nurl = http://pbx.example.com\n", 5,
                       "office", "url", NULL);
    expect_fleet_ok(
        "[office]\ntype = jade\nurl = http://10.0.0.5:8088\nallow_http = true\n" JADE_CREDS);
    expect_fleet_ok("[office]\ntype = jade\nurl = http://127.0.0.1:8088\n" JADE_CREDS);
    expect_fleet_ok("[office]\ntype = jade\nurl = http://localhost:8088\n" JADE_CREDS);
    expect_fleet_ok("[office]\ntype = jade\nurl = http://[::1]:8088\n" JADE_CREDS);
}

static void test_fleet_plain_http_lookalike_loopback(void **state)
{
    (void)state;
    /* names that merely start like a loopback address can resolve anywhere: the password
     * would cross the network in clear text */
    expect_fleet_error("[office]\ntype = jade\nurl = http://127.0.0.1.example.com\n" JADE_CREDS, 3,
                       "office", "url", NULL);
    expect_fleet_error("[office]\ntype = jade\nurl = http://127.pbx.example.com/\n" JADE_CREDS, 3,
                       "office", "url", NULL);
    expect_fleet_error("[office]\ntype = jade\nurl = http://localhost.example.com\n" JADE_CREDS, 3,
                       "office", "url", NULL);
}

static void test_fleet_credentials_in_url(void **state)
{
    (void)state;
    char *err = NULL;
    struct fleet *f =
        fleet_from("[office]\ntype = jade\nurl = https://u:p4ss@pbx\n" JADE_CREDS, &err);
    assert_null(f);
    assert_non_null(err);
    assert_memory_equal(err, "3: [office] ", 12);
    assert_non_null(strstr(err, "url"));
    assert_null(strstr(err, "p4ss")); /* the message does not repeat the secret */
    free(err);
    expect_fleet_error("[office]\ntype = jade\nurl = https://admin@pbx:8088/\n" JADE_CREDS, 3,
                       "office", "url", NULL);
}

static void test_fleet_query_in_url(void **state)
{
    (void)state;
    expect_fleet_error("[office]\ntype = jade\nurl = https://pbx/?page=1\n" JADE_CREDS, 3, "office",
                       "url", "query", NULL);
    expect_fleet_error("[office]\ntype = jade\nurl = https://pbx/#top\n" JADE_CREDS, 3, "office",
                       "url", NULL);
}

static void test_fleet_jade_needs_credentials(void **state)
{
    (void)state;
    expect_fleet_error("[office]\ntype = jade\nurl = https://pbx\nusername = admin\n", 1, "office",
                       "password", NULL);
    expect_fleet_error("[office]\ntype = jade\nurl = https://pbx\npassword = pw\n", 1, "office",
                       "username", NULL);
}

static void test_fleet_second_backend_bad(void **state)
{
    (void)state;
    /* the first backend was fine; the message names the one that is not */
    expect_fleet_error("[good]\ntype = jade\nurl = https://a\n" JADE_CREDS
                       "[bad]\ntype = jade\nurl = http://10.1.1.1\n" JADE_CREDS
                       "[later]\ntype = jade\nurl = https://c\n" JADE_CREDS,
                       8, "bad", "url", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_valid_config),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_booleans),
        cmocka_unit_test(test_refresh_bounds),
        cmocka_unit_test(test_err_unknown_backend_key),
        cmocka_unit_test(test_err_unknown_global_key),
        cmocka_unit_test(test_err_bad_boolean),
        cmocka_unit_test(test_err_refresh),
        cmocka_unit_test(test_err_missing_equals),
        cmocka_unit_test(test_err_unterminated_quote),
        cmocka_unit_test(test_err_duplicate_section),
        cmocka_unit_test(test_err_key_set_twice),
        cmocka_unit_test(test_err_bad_section_name),
        cmocka_unit_test(test_err_key_before_section),
        cmocka_unit_test(test_err_empty_value),
        cmocka_unit_test(test_err_nul_byte),
        cmocka_unit_test(test_err_long_line),
        cmocka_unit_test(test_err_no_backend),
        cmocka_unit_test(test_keys_section),
        cmocka_unit_test(test_columns_section),
        cmocka_unit_test(test_first_error_wins_and_nothing_leaks),
        cmocka_unit_test_setup_teardown(test_load_world_readable_password_refused, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_load_private_password_accepted, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_load_no_password_any_mode, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_load_password_refused, setup_dir, teardown_dir),
        cmocka_unit_test(test_password_refused_naming_import),
        cmocka_unit_test(test_lock_after),
        cmocka_unit_test_setup_teardown(test_load_parse_error_names_path, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_load_missing_file, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_load_directory_refused, setup_dir, teardown_dir),
        cmocka_unit_test(test_fleet_valid),
        cmocka_unit_test(test_fleet_unknown_type),
        cmocka_unit_test(test_fleet_missing_type),
        cmocka_unit_test(test_fleet_missing_url),
        cmocka_unit_test(test_fleet_bad_scheme),
        cmocka_unit_test(test_fleet_plain_http),
        cmocka_unit_test(test_fleet_plain_http_lookalike_loopback),
        cmocka_unit_test(test_fleet_credentials_in_url),
        cmocka_unit_test(test_fleet_query_in_url),
        cmocka_unit_test(test_fleet_jade_needs_credentials),
        cmocka_unit_test(test_fleet_second_backend_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
