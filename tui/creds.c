#define _POSIX_C_SOURCE 200809L
#include "tui/creds.h"

#include <stdio.h>
#include <stdlib.h>

#include "tui/batch.h"
#include "tui/xalloc.h"

bool creds_needed(const struct config *cfg)
{
    for (size_t i = 0; i < cfg->nbackends; i++) {
        if (backend_conf_needs_secret(&cfg->backends[i]))
            return true;
    }
    return false;
}

static void fill_str(char **slot, const char *v)
{
    if (!*slot && v)
        *slot = xstrdup(v);
}

static void fill_secret(char **slot, const char *v)
{
    if (!*slot && v)
        *slot = secret_dup(v);
}

static int fill_one(struct backend_conf *b, const struct keyring *kr, const char *path, char **err)
{
    bool needs = backend_conf_needs_secret(b);
    const struct keyring_entry *e = keyring_find(kr, b->name);
    if (!e) {
        if (needs)
            *err = xasprintf("[%s] needs a password or token, and the keyring %s has no entry "
                             "%s; run: pbxtop keyring set %s",
                             b->name, path, b->name, b->name);
        return needs ? -1 : 0;
    }
    fill_secret(&b->password, keyring_entry_get(e, KF_SECRET));
    fill_str(&b->username, keyring_entry_get(e, KF_USERNAME));
    fill_str(&b->pin, keyring_entry_get(e, KF_PIN));
    /* A certificate file named in the config wins over the keyring's PEM. */
    if (!b->client_cert)
        fill_str(&b->cert_pem, keyring_entry_get(e, KF_CLIENT_CERT));
    if (!b->client_key)
        fill_secret(&b->key_pem, keyring_entry_get(e, KF_CLIENT_KEY));
    if (backend_conf_needs_secret(b)) {
        *err = xasprintf("[%s]: the keyring entry %s holds no password or token; run: pbxtop "
                         "keyring set %s",
                         b->name, b->name, b->name);
        return -1;
    }
    return 0;
}

int creds_fill(struct config *cfg, const struct keyring *kr, const char *path, char **err)
{
    for (size_t i = 0; i < cfg->nbackends; i++) {
        if (fill_one(&cfg->backends[i], kr, path, err))
            return -1;
    }
    return 0;
}

int creds_unlock_batch(struct config *cfg)
{
    if (!creds_needed(cfg))
        return EXIT_OK;
    char *path = keyring_default_path(), *err = NULL;
    int code = EXIT_OK;
    struct keyring *kr = batch_unlock_keyring(path, &code);
    if (kr && creds_fill(cfg, kr, path, &err)) {
        fprintf(stderr, "pbxtop: %s: %s\n", cfg->path, err);
        free(err);
        code = EXIT_USAGE;
    }
    keyring_free(kr);
    free(path);
    return code;
}
