/* What the batch subcommands share: opening the config and fleet, running the loop without
 * a screen, asking the operator on the terminal. */
#define _POSIX_C_SOURCE 200809L
#include "tui/batch.h"

#include <fcntl.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui/clock.h"
#include "tui/creds.h"
#include "tui/text.h"
#include "tui/xalloc.h"

void batch_open(struct batch *b, const char *config_path, const struct fleet_opts *fo)
{
    char *err = NULL, *path = config_path ? xstrdup(config_path) : config_default_path();
    if (config_load(path, &b->cfg, &err))
        die_code(EXIT_USAGE, "%s", err);
    free(path);
    int code = creds_unlock_batch(&b->cfg);
    if (code != EXIT_OK) {
        config_done(&b->cfg);
        exit(code);
    }
    struct fleet_opts opts = *fo;
    opts.refresh_ms = b->cfg.refresh_ms;
    opts.read_only = opts.read_only || b->cfg.read_only;
    b->fleet = fleet_new(b->cfg.backends, b->cfg.nbackends, &opts, &err);
    if (!b->fleet)
        die_code(EXIT_USAGE, "%s:%s", b->cfg.path, err);
    const char *cs = nl_langinfo(CODESET);
    b->text_flags = cs && strcmp(cs, "UTF-8") == 0 ? 0 : TEXT_ASCII;
}

void batch_select(struct batch *b, const char *name)
{
    size_t n = fleet_count(b->fleet);
    b->sel = xcalloc(n, sizeof *b->sel);
    if (!name || strcmp(name, "@all") == 0) {
        for (size_t i = 0; i < n; i++)
            b->sel[b->nsel++] = fleet_at(b->fleet, i);
        return;
    }
    struct backend *be = fleet_find(b->fleet, name);
    if (!be)
        die_code(EXIT_USAGE, "no backend named '%s' in %s", name, b->cfg.path);
    b->sel[b->nsel++] = be;
}

void batch_close(struct batch *b)
{
    fleet_logout(b->fleet, 2000);
    fleet_free(b->fleet);
    config_done(&b->cfg);
    free(b->sel);
}

void batch_run(struct batch *b, bool (*done)(void *ud), void *ud)
{
    struct http *h = fleet_http(b->fleet);
    for (;;) {
        fleet_tick(b->fleet, clock_mono_ms());
        if (done(ud))
            return;
        http_wait(h, NULL, NULL, 0, 200);
        http_run(h);
    }
}

char *batch_ask(const char *question)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char answer[64] = "";
    (void)!write(fd, question, strlen(question));
    ssize_t n = read(fd, answer, sizeof answer - 1);
    close(fd);
    if (n < 0)
        return NULL;
    answer[n] = '\0';
    answer[strcspn(answer, "\r\n")] = '\0';
    return xstrdup(answer);
}

void batch_print(const struct batch *b, const char *text)
{
    char *safe = text_sanitized(text, b->text_flags);
    puts(safe);
    free(safe);
}
