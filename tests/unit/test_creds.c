/* The backends' credentials from the keyring (tui/creds.c, backend_conf_needs_secret) and
 * the KDF on a worker thread (tui/kdfjob.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/keyring.h"
#include "tui/config.h"
#include "tui/creds.h"
#include "tui/kdfjob.h"
#include "tui/xalloc.h"

#define CFG "cfg.ini"

static struct keyring *fresh(void)
{
    struct keyring_kdf kdf;
    struct keyring_key *key = NULL;
    char *err = NULL;
    assert_int_equal(setenv("PBXTOP_TEST_KDF", "fast", 1), 0);
    keyring_kdf_new(&kdf);
    assert_int_equal(keyring_derive(&kdf, "pw", 2, &key, &err), KR_OK);
    struct keyring *kr = keyring_new(&kdf, key);
    keyring_key_free(key);
    return kr;
}

static void parse(const char *text, struct config *cfg)
{
    char *err = NULL;
    if (config_parse(CFG, text, strlen(text), cfg, &err))
        fail_msg("%s", err);
}

static void test_which_backends_need_a_secret(void **state)
{
    (void)state;
    struct config cfg;
    parse("[j]\ntype = jade\nurl = https://j\n"
          "[i]\ntype = issabel\nurl = https://i\n"
          "[s7]\ntype = sark\nvariant = L7\nurl = https://s\n"
          "[s11]\ntype = sark\nvariant = L11\nurl = https://s\nusername = a@b\n"
          "[n]\ntype = ngcp\nurl = https://n\nclient_cert = /c.pem\n"
          "[n2]\ntype = ngcp\nurl = https://n\nusername = admin\n"
          "[d]\ntype = dsiprouter\nurl = https://d\n"
          "[x]\ntype = nosuch\nurl = https://x\n",
          &cfg);
    const bool want[] = {true, true, false, true, false, true, true, false};
    assert_int_equal(cfg.nbackends, 8);
    for (size_t i = 0; i < cfg.nbackends; i++) {
        if (backend_conf_needs_secret(&cfg.backends[i]) != want[i])
            fail_msg("[%s]: expected %s", cfg.backends[i].name, want[i] ? "true" : "false");
    }
    assert_true(creds_needed(&cfg));
    config_done(&cfg);
    parse("[s7]\ntype = sark\nvariant = L7\nurl = https://s\n", &cfg);
    assert_false(creds_needed(&cfg));
    config_done(&cfg);
}

static void test_fill_from_entries(void **state)
{
    (void)state;
    struct keyring *kr = fresh();
    char *err = NULL;
    assert_int_equal(keyring_set(kr, "office", KF_SECRET, "s3cret", &err), KR_OK);
    assert_int_equal(keyring_set(kr, "office", KF_USERNAME, "kr-user", &err), KR_OK);
    assert_int_equal(keyring_set(kr, "office", KF_PIN, "sha256//AAAA=", &err), KR_OK);
    assert_int_equal(keyring_set(kr, "office", KF_CLIENT_CERT, "CERT", &err), KR_OK);
    assert_int_equal(keyring_set(kr, "office", KF_CLIENT_KEY, "KEY", &err), KR_OK);
    assert_int_equal(keyring_set(kr, "lab", KF_SECRET, "labpw", &err), KR_OK);
    assert_int_equal(keyring_set(kr, "lab", KF_USERNAME, "ignored", &err), KR_OK);
    struct config cfg;
    parse("[office]\ntype = jade\nurl = https://j\n"
          "[lab]\ntype = jade\nurl = https://l\nusername = cfg-user\npin = sha256//BBBB=\n",
          &cfg);
    assert_int_equal(creds_fill(&cfg, kr, "KR", &err), 0);
    const struct backend_conf *o = &cfg.backends[0], *l = &cfg.backends[1];
    assert_string_equal(o->password, "s3cret");
    assert_string_equal(o->username, "kr-user");
    assert_string_equal(o->pin, "sha256//AAAA=");
    assert_string_equal(o->cert_pem, "CERT");
    assert_string_equal(o->key_pem, "KEY");
    /* config.ini's own values win */
    assert_string_equal(l->password, "labpw");
    assert_string_equal(l->username, "cfg-user");
    assert_string_equal(l->pin, "sha256//BBBB=");
    assert_null(l->cert_pem);
    config_done(&cfg);
    keyring_free(kr);
}

static void test_missing_entry_or_secret(void **state)
{
    (void)state;
    struct keyring *kr = fresh();
    char *err = NULL;
    struct config cfg;
    parse("[office]\ntype = jade\nurl = https://j\nusername = u\n"
          "[s7]\ntype = sark\nvariant = L7\nurl = https://s\n",
          &cfg);
    assert_int_equal(creds_fill(&cfg, kr, "/k", &err), -1);
    assert_string_equal(err, "[office] needs a password or token, and the keyring /k has no "
                             "entry office; run: pbxtop keyring set office");
    free(err);
    err = NULL;
    assert_int_equal(keyring_set(kr, "office", KF_USERNAME, "only-a-user", &err), KR_OK);
    assert_int_equal(creds_fill(&cfg, kr, "/k", &err), -1);
    assert_non_null(strstr(err, "holds no password or token; run: pbxtop keyring set office"));
    free(err);
    config_done(&cfg);
    keyring_free(kr);
}

static void test_kdf_job(void **state)
{
    (void)state;
    struct keyring *kr = fresh();
    char *err = NULL;
    assert_int_equal(keyring_set(kr, "office", KF_SECRET, "s3cret", &err), KR_OK);
    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_int_equal(keyring_encode(kr, &bytes, &len, &err), KR_OK);
    keyring_free(kr);
    struct keyring_file *f = NULL;
    assert_int_equal(keyring_parse(bytes, len, &f, &err), KR_OK);
    free(bytes);
    struct kdf_job *j = kdf_job_start(f, "pwXX", 2); /* only len bytes count */
    char b;
    assert_int_equal(read(kdf_job_fd(j), &b, 1), 1); /* readable once derived */
    assert_int_equal(kdf_job_finish(j, &kr, &err), KR_OK);
    assert_string_equal(keyring_entry_get(keyring_find(kr, "office"), KF_SECRET), "s3cret");
    keyring_free(kr);
    j = kdf_job_start(f, "wrong", 5);
    assert_int_equal(kdf_job_finish(j, &kr, &err), KR_ERR_LOCKED);
    assert_null(kr);
    free(err);
    keyring_file_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_which_backends_need_a_secret),
        cmocka_unit_test(test_fill_from_entries),
        cmocka_unit_test(test_missing_entry_or_secret),
        cmocka_unit_test(test_kdf_job),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
