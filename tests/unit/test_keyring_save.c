/* net/keyring: saving and the file's safety. Another process's save in between is "changed
 * on disk", never overwritten; a failed write leaves the old file byte for byte; symlinks,
 * other users' files, modes open to others and writable directories are refused with the
 * fix named; umask 000 still gives 0600 in 0700. Runs with PBXTOP_TEST_KDF=fast. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/keyring.h"
#include "tests/unit/keyring_testlib.h"
#include "tui/xalloc.h"

#define PASS "hunter2 but longer"

static struct keyring *new_keyring(void)
{
    struct keyring_kdf kdf;
    struct keyring_key *key = NULL;
    char *err = NULL;
    keyring_kdf_new(&kdf);
    if (keyring_derive(&kdf, PASS, strlen(PASS), &key, &err) != KR_OK)
        fail_msg("derive: %s", err);
    struct keyring *kr = keyring_new(&kdf, key);
    keyring_key_free(key);
    return kr;
}

static void set(struct keyring *kr, const char *name, const char *secret)
{
    char *err = NULL;
    if (keyring_set(kr, name, KF_SECRET, secret, &err) != KR_OK)
        fail_msg("set: %s", err);
}

static void save_ok(struct keyring *kr, const char *path)
{
    char *err = NULL;
    if (keyring_save(kr, path, &err) != KR_OK)
        fail_msg("save: %s", err);
}

static struct keyring *open_ok(const char *path)
{
    struct keyring *kr = NULL;
    char *err = NULL;
    if (keyring_unlock(path, PASS, strlen(PASS), &kr, &err) != KR_OK)
        fail_msg("unlock: %s", err);
    return kr;
}

/* The call gave `want` with a message holding each NULL-terminated needle. */
static void expect(enum kr_status got, char *err, enum kr_status want, ...)
{
    if (got != want)
        fail_msg("status %d, want %d: %s", got, want, err ? err : "(no message)");
    va_list ap;
    va_start(ap, want);
    for (const char *n = va_arg(ap, const char *); n; n = va_arg(ap, const char *)) {
        if (!err || !strstr(err, n))
            fail_msg("message '%s' lacks '%s'", err ? err : "(none)", n);
    }
    va_end(ap);
    free(err);
}

static enum kr_status try_open(const char *path, char **err)
{
    struct keyring *kr = NULL;
    *err = NULL;
    enum kr_status st = keyring_unlock(path, PASS, strlen(PASS), &kr, err);
    keyring_free(kr);
    return st;
}

static enum kr_status try_save(struct keyring *kr, const char *path, char **err)
{
    *err = NULL;
    return keyring_save(kr, path, err);
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static void test_changed_on_disk(void **state)
{
    struct krt_dir *d = *state;
    struct keyring *kr = new_keyring();
    set(kr, "office", "one");
    save_ok(kr, d->path);
    keyring_free(kr);

    struct keyring *a = open_ok(d->path), *b = open_ok(d->path);
    set(a, "a", "from a");
    set(b, "b", "from b");
    save_ok(a, d->path);
    char *err;
    enum kr_status st = try_save(b, d->path, &err);
    expect(st, err, KR_ERR_CHANGED, d->path, "changed on disk", "nothing was written", NULL);
    /* a's update is there, b's is not: nothing was lost silently */
    kr = open_ok(d->path);
    assert_non_null(keyring_find(kr, "a"));
    assert_null(keyring_find(kr, "b"));
    assert_int_equal(keyring_generation(kr), 2);
    keyring_free(kr);
    /* a saves again: it knows the file it wrote */
    set(a, "a2", "again");
    save_ok(a, d->path);
    keyring_free(a);
    keyring_free(b);

    /* A new keyring where one appeared meanwhile, and a keyring whose file went away. */
    kr = new_keyring();
    st = try_save(kr, d->path, &err);
    expect(st, err, KR_ERR_CHANGED, "changed on disk", NULL);
    keyring_free(kr);
    kr = open_ok(d->path);
    assert_int_equal(unlink(d->path), 0);
    st = try_save(kr, d->path, &err);
    expect(st, err, KR_ERR_CHANGED, "removed", NULL);
    assert_false(exists(d->path));
    keyring_free(kr);
}

/* The generation is in the header and goes up by one per save. */
static void test_generation(void **state)
{
    struct krt_dir *d = *state;
    struct keyring *kr = new_keyring();
    for (int i = 1; i <= 5; i++) {
        set(kr, "office", i % 2 ? "odd" : "even");
        save_ok(kr, d->path);
        size_t len;
        uint8_t *b = krt_slurp(d->path, &len);
        assert_int_equal(b[60], i);
        assert_int_equal(keyring_generation(kr), i);
        free(b);
    }
    keyring_free(kr);
}

/* A write that fails (the file size limit stands in for a full disk) leaves the old file,
 * leaves no temp file, and the keyring can still be saved afterwards. */
static void test_failed_save_leaves_file(void **state)
{
    struct krt_dir *d = *state;
    struct keyring *kr = new_keyring();
    set(kr, "office", "old");
    save_ok(kr, d->path);
    size_t len, len2;
    uint8_t *before = krt_slurp(d->path, &len);
    char *big = xcalloc(6001, 1);
    memset(big, 'x', 6000);
    set(kr, "office", big); /* two blocks of payload: past the limit below */
    free(big);

    struct rlimit old, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = (struct rlimit){6000, old.rlim_max};
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    char *err;
    enum kr_status st = try_save(kr, d->path, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    expect(st, err, KR_ERR_IO, "keyring.new", "File too large", "the keyring on disk is unchanged",
           NULL);

    uint8_t *after = krt_slurp(d->path, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(before, after, len);
    free(after);
    char *tmp = xasprintf("%s.new", d->path);
    assert_false(exists(tmp));
    struct keyring *check = open_ok(d->path);
    assert_string_equal(keyring_entry_get(keyring_find(check, "office"), KF_SECRET), "old");
    keyring_free(check);

    /* Once there is room again the same keyring saves: the failure consumed nothing. */
    save_ok(kr, d->path);
    assert_int_equal(keyring_generation(kr), 2);
    /* A temp file left by a save that was killed does not stand in the way. */
    krt_spill(tmp, "junk", 4, 0644);
    set(kr, "office", "newer");
    save_ok(kr, d->path);
    assert_false(exists(tmp));
    free(tmp);
    free(before);
    keyring_free(kr);
}

static void test_unsafe_files(void **state)
{
    struct krt_dir *d = *state;
    struct keyring *kr = new_keyring();
    set(kr, "office", "s");
    save_ok(kr, d->path);
    char *err;
    assert_int_equal(try_open(d->path, &err), KR_OK);

    static const unsigned modes[] = {0644, 0640, 0604, 0620, 0602, 0601};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        assert_int_equal(chmod(d->path, modes[i]), 0);
        enum kr_status st = try_open(d->path, &err);
        char *fix = xasprintf("chmod 600 %s", d->path);
        expect(st, err, KR_ERR_UNSAFE, "open to other users", fix, NULL);
        free(fix);
        /* a save refuses too, and leaves the file as it is */
        st = try_save(kr, d->path, &err);
        expect(st, err, KR_ERR_UNSAFE, "chmod 600", NULL);
    }
    assert_int_equal(chmod(d->path, 0400), 0);
    assert_int_equal(try_open(d->path, &err), KR_OK);
    assert_int_equal(chmod(d->path, 0600), 0);

    /* A symlink to a perfectly good keyring is still refused. */
    char *real = xasprintf("%s/real", d->root);
    assert_int_equal(rename(d->path, real), 0);
    assert_int_equal(symlink(real, d->path), 0);
    enum kr_status st = try_open(d->path, &err);
    expect(st, err, KR_ERR_UNSAFE, "symbolic link", NULL);
    st = try_save(kr, d->path, &err);
    expect(st, err, KR_ERR_UNSAFE, "symbolic link", NULL);
    assert_int_equal(unlink(d->path), 0);
    assert_int_equal(rename(real, d->path), 0);
    free(real);

    /* A directory others can write: they could swap the file. */
    char *dir = xasprintf("%s/data/pbxtop", d->root);
    assert_int_equal(chmod(dir, 0777), 0);
    st = try_open(d->path, &err);
    char *fix = xasprintf("chmod 700 %s", dir);
    expect(st, err, KR_ERR_UNSAFE, "can be written by others", fix, NULL);
    free(fix);
    assert_int_equal(chmod(dir, 0755), 0); /* readable is fine */
    assert_int_equal(try_open(d->path, &err), KR_OK);
    free(dir);

    /* Not a file at all. */
    assert_int_equal(unlink(d->path), 0);
    assert_int_equal(mkdir(d->path, 0700), 0);
    st = try_open(d->path, &err);
    expect(st, err, KR_ERR_UNSAFE, "not a regular file", NULL);
    assert_int_equal(rmdir(d->path), 0);
    st = try_open(d->path, &err);
    expect(st, err, KR_ERR_MISSING, "no keyring at", "pbxtop keyring init", NULL);
    keyring_free(kr);
}

/* Someone else's file (needs root to make one). */
static void test_other_owner(void **state)
{
    struct krt_dir *d = *state;
    if (geteuid() != 0)
        skip();
    struct keyring *kr = new_keyring();
    set(kr, "office", "s");
    save_ok(kr, d->path);
    assert_int_equal(chown(d->path, 65534, 65534), 0);
    char *err;
    enum kr_status st = try_open(d->path, &err);
    expect(st, err, KR_ERR_UNSAFE, "belongs to uid 65534", "chown 0", NULL);
    assert_int_equal(chown(d->path, 0, 0), 0);
    char *dir = xasprintf("%s/data/pbxtop", d->root);
    assert_int_equal(chown(dir, 65534, 65534), 0);
    st = try_open(d->path, &err);
    expect(st, err, KR_ERR_UNSAFE, "belongs to uid 65534", NULL);
    free(dir);
    keyring_free(kr);
}

static void test_umask_000(void **state)
{
    struct krt_dir *d = *state;
    mode_t old = umask(0);
    struct keyring *kr = new_keyring();
    set(kr, "office", "s");
    char *err = NULL;
    enum kr_status st = keyring_save(kr, d->path, &err);
    umask(old);
    expect(st, err, KR_OK, NULL);
    struct stat sb;
    char *data = xasprintf("%s/data", d->root), *dir = xasprintf("%s/data/pbxtop", d->root);
    char *lock = xasprintf("%s.lock", d->path);
    assert_int_equal(stat(d->path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);
    assert_int_equal(stat(dir, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0700);
    assert_int_equal(stat(data, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0700);
    assert_int_equal(stat(lock, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);

    /* An existing directory left wider by some umask is narrowed on save. */
    assert_int_equal(chmod(dir, 0755), 0);
    umask(0);
    set(kr, "office", "t");
    st = keyring_save(kr, d->path, &err);
    umask(old);
    expect(st, err, KR_OK, NULL);
    assert_int_equal(stat(dir, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0700);
    assert_int_equal(stat(d->path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);
    free(data);
    free(dir);
    free(lock);
    keyring_free(kr);
}

static void test_default_path(void **state)
{
    (void)state;
    char *old_xdg = getenv("XDG_DATA_HOME") ? xstrdup(getenv("XDG_DATA_HOME")) : NULL;
    char *old_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
    setenv("XDG_DATA_HOME", "/x/data", 1);
    char *p = keyring_default_path();
    assert_string_equal(p, "/x/data/pbxtop/keyring");
    free(p);
    setenv("XDG_DATA_HOME", "relative", 1); /* the XDG spec says: ignore it */
    setenv("HOME", "/home/op", 1);
    p = keyring_default_path();
    assert_string_equal(p, "/home/op/.local/share/pbxtop/keyring");
    free(p);
    unsetenv("XDG_DATA_HOME");
    p = keyring_default_path();
    assert_string_equal(p, "/home/op/.local/share/pbxtop/keyring");
    free(p);
    if (old_xdg)
        setenv("XDG_DATA_HOME", old_xdg, 1);
    if (old_home)
        setenv("HOME", old_home, 1);
    free(old_xdg);
    free(old_home);
}

int main(void)
{
    setenv("PBXTOP_TEST_KDF", "fast", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_changed_on_disk, krt_setup, krt_teardown),
        cmocka_unit_test_setup_teardown(test_generation, krt_setup, krt_teardown),
        cmocka_unit_test_setup_teardown(test_failed_save_leaves_file, krt_setup, krt_teardown),
        cmocka_unit_test_setup_teardown(test_unsafe_files, krt_setup, krt_teardown),
        cmocka_unit_test_setup_teardown(test_other_owner, krt_setup, krt_teardown),
        cmocka_unit_test_setup_teardown(test_umask_000, krt_setup, krt_teardown),
        cmocka_unit_test(test_default_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
