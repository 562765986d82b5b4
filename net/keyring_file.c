/* The keyring file: its header and cheap checks, reading it safely, and saving it atomically
 * under a lock. The format (all integers little-endian):
 *
 *   offset size  field
 *        0    8  magic "PBXTOPKR"
 *        8    1  major version (1); another major is refused
 *        9    1  minor version (0); a newer one opens read-only
 *       10    1  KDF id (1: Argon2id v1.3, one lane)
 *       11    1  flags (0)
 *       12    4  KDF passes (opslimit)
 *       16    4  KDF memory in KiB (memlimit / 1024)
 *       20   16  salt
 *       36   24  nonce (XChaCha20-Poly1305, fresh for every save)
 *       60    8  generation (1 for a new keyring, +1 per save)
 *       68    4  ciphertext length (the padded payload + the 16-byte tag)
 *       72    4  CRC-32 of bytes 0-71 and the ciphertext: damage is found before the KDF
 *       76    n  ciphertext; bytes 0-71 are its associated data
 *
 * The checksum only tells damage from a wrong passphrase early; the AEAD tag is what
 * protects the file, header included. */
#define _POSIX_C_SOURCE 200809L
#include "net/keyring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net/keyring_int.h"
#include "tui/fileio.h"
#include "tui/xalloc.h"

#define LOCK_WAIT_MS 10000

uint32_t kr_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t kr_get64(const uint8_t *p)
{
    return (uint64_t)kr_get32(p) | (uint64_t)kr_get32(p + 4) << 32;
}

void kr_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void kr_put64(uint8_t *p, uint64_t v)
{
    kr_put32(p, (uint32_t)v);
    kr_put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t crc_update(uint32_t crc, const uint8_t *p, size_t n)
{
    /* Half-byte table of the reflected polynomial 0xEDB88320 (zlib's CRC-32). */
    static const uint32_t t[16] = {
        0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
        0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
        0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
    };
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ t[crc & 15];
        crc = (crc >> 4) ^ t[crc & 15];
    }
    return crc;
}

uint32_t kr_checksum(const uint8_t *header, const uint8_t *ct, size_t ct_len)
{
    uint32_t crc = crc_update(0xffffffffu, header, KR_AD_BYTES);
    return crc_update(crc, ct, ct_len) ^ 0xffffffffu;
}

void kr_header_write(struct keyring_file *f)
{
    uint8_t *h = f->header;
    memcpy(h, KR_MAGIC, KR_MAGIC_BYTES);
    h[8] = (uint8_t)f->major;
    h[9] = (uint8_t)f->minor;
    h[10] = f->kdf.alg;
    h[11] = 0;
    kr_put32(h + 12, f->kdf.ops);
    kr_put32(h + 16, f->kdf.mem_kib);
    memcpy(h + 20, f->kdf.salt, KEYRING_SALT_BYTES);
    memcpy(h + 36, f->nonce, KR_NONCE_BYTES);
    kr_put64(h + 60, f->generation);
    kr_put32(h + 68, (uint32_t)f->ct_len);
    kr_put32(h + 72, f->ct ? kr_checksum(h, f->ct, f->ct_len) : 0);
}

static enum kr_status failf(enum kr_status st, char **err, const char *fmt, ...) PBX_PRINTF(3, 4);

static enum kr_status failf(enum kr_status st, char **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    *err = xvasprintf(fmt, ap);
    va_end(ap);
    return st;
}

/* Magic, version and lengths: what tells a keyring from other bytes. */
static enum kr_status check_frame(const uint8_t *b, size_t len, char **err)
{
    if (len == 0)
        return failf(KR_ERR_DAMAGED, err, "the file is empty");
    if (memcmp(b, KR_MAGIC, len < KR_MAGIC_BYTES ? len : KR_MAGIC_BYTES) != 0)
        return failf(KR_ERR_DAMAGED, err, "not a pbxtop keyring (no PBXTOPKR magic)");
    if (len < KR_MAGIC_BYTES + 2)
        return failf(KR_ERR_DAMAGED, err, "truncated: %zu bytes, a keyring has at least %d", len,
                     KR_HEADER_BYTES);
    if (b[8] != KEYRING_MAJOR)
        return failf(KR_ERR_VERSION, err, "format version %u.%u: this pbxtop reads %d.x only%s",
                     b[8], b[9], KEYRING_MAJOR,
                     b[8] > KEYRING_MAJOR ? "; upgrade pbxtop" : ", and never wrote 0.x");
    if (len < KR_HEADER_BYTES)
        return failf(KR_ERR_DAMAGED, err, "truncated: %zu bytes, a keyring has at least %d", len,
                     KR_HEADER_BYTES);
    size_t want = KR_HEADER_BYTES + (size_t)kr_get32(b + 68);
    if (len < want)
        return failf(KR_ERR_DAMAGED, err, "truncated: %zu bytes, the header announces %zu", len,
                     want);
    if (len > want)
        return failf(KR_ERR_DAMAGED, err, "%zu bytes of junk after the %zu the header announces",
                     len - want, want);
    if (kr_get32(b + 72) != kr_checksum(b, b + KR_HEADER_BYTES, want - KR_HEADER_BYTES))
        return failf(KR_ERR_DAMAGED, err,
                     "damaged: the checksum does not match (the file was corrupted or edited)");
    return KR_OK;
}

/* The header's fields, once the checksum says they are as written. */
static enum kr_status check_fields(const uint8_t *b, struct keyring_file *f, char **err)
{
    f->major = b[8];
    f->minor = b[9];
    f->kdf.alg = b[10];
    f->kdf.ops = kr_get32(b + 12);
    f->kdf.mem_kib = kr_get32(b + 16);
    memcpy(f->kdf.salt, b + 20, KEYRING_SALT_BYTES);
    memcpy(f->nonce, b + 36, KR_NONCE_BYTES);
    f->generation = kr_get64(b + 60);
    f->ct_len = kr_get32(b + 68);
    if (b[11] != 0 && f->minor <= KEYRING_MINOR)
        return failf(KR_ERR_DAMAGED, err, "damaged: unknown flags 0x%02x", b[11]);
    if (f->kdf.alg != KEYRING_KDF_ARGON2ID13)
        return failf(KR_ERR_VERSION, err, "KDF id %u is unknown to this pbxtop; upgrade pbxtop",
                     f->kdf.alg);
    const char *why = keyring_kdf_problem(&f->kdf);
    if (why)
        return failf(KR_ERR_DAMAGED, err, "refused: %s (the file asks for %u %s and %u passes)",
                     why,
                     (unsigned)(f->kdf.mem_kib % 1024 ? f->kdf.mem_kib : f->kdf.mem_kib / 1024),
                     f->kdf.mem_kib % 1024 ? "KiB" : "MiB", (unsigned)f->kdf.ops);
    size_t plain = f->ct_len - (f->ct_len >= KR_TAG_BYTES ? KR_TAG_BYTES : 0);
    if (f->ct_len < KR_TAG_BYTES + KR_PAD_BLOCK || plain % KR_PAD_BLOCK || plain > KR_MAX_PLAIN)
        return failf(KR_ERR_DAMAGED, err,
                     "damaged: a ciphertext of %zu bytes is not a padded payload", f->ct_len);
    return KR_OK;
}

enum kr_status keyring_parse(const void *buf, size_t len, struct keyring_file **out, char **err)
{
    const uint8_t *b = buf;
    *out = NULL;
    enum kr_status st = check_frame(b, len, err);
    if (st != KR_OK)
        return st;
    struct keyring_file *f = xcalloc(1, sizeof *f);
    memcpy(f->header, b, KR_HEADER_BYTES);
    st = check_fields(b, f, err);
    if (st != KR_OK) {
        free(f);
        return st;
    }
    f->ct = xmalloc(f->ct_len);
    memcpy(f->ct, b + KR_HEADER_BYTES, f->ct_len);
    *out = f;
    return KR_OK;
}

void keyring_file_free(struct keyring_file *f)
{
    if (!f)
        return;
    free(f->ct);
    free(f);
}

const struct keyring_kdf *keyring_file_kdf(const struct keyring_file *f)
{
    return &f->kdf;
}

uint64_t keyring_file_generation(const struct keyring_file *f)
{
    return f->generation;
}

bool keyring_file_read_only(const struct keyring_file *f)
{
    return f->minor > KEYRING_MINOR;
}

char *keyring_default_path(void)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    if (xdg && *xdg == '/')
        return xasprintf("%s/pbxtop/keyring", xdg);
    const char *home = getenv("HOME");
    return xasprintf("%s/.local/share/pbxtop/keyring", home && *home ? home : ".");
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup(".");
    return slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
}

/* Whoever can write the directory can swap the keyring for one of their own. */
static enum kr_status check_dir(const char *path, char **err)
{
    char *dir = dir_of(path);
    struct stat st;
    enum kr_status rc = KR_OK;
    if (stat(dir, &st) != 0)
        rc = errno == ENOENT ? failf(KR_ERR_MISSING, err,
                                     "no keyring at %s; create one with: pbxtop keyring init", path)
                             : failf(KR_ERR_IO, err, "%s: %s", dir, strerror(errno));
    else if (st.st_uid != geteuid())
        rc = failf(KR_ERR_UNSAFE, err,
                   "%s belongs to uid %u, not to you (uid %u): the keyring's directory must be "
                   "yours alone",
                   dir, (unsigned)st.st_uid, (unsigned)geteuid());
    else if (st.st_mode & 022)
        rc = failf(KR_ERR_UNSAFE, err,
                   "%s can be written by others (mode %04o), who could replace the keyring; run: "
                   "chmod 700 %s",
                   dir, (unsigned)(st.st_mode & 07777), dir);
    free(dir);
    return rc;
}

static enum kr_status check_file(const char *path, const struct stat *st, char **err)
{
    if (S_ISLNK(st->st_mode))
        return failf(KR_ERR_UNSAFE, err,
                     "%s is a symbolic link; pbxtop does not follow links for its keyring: put "
                     "the file itself there",
                     path);
    if (!S_ISREG(st->st_mode))
        return failf(KR_ERR_UNSAFE, err, "%s is not a regular file", path);
    if (st->st_uid != geteuid())
        return failf(KR_ERR_UNSAFE, err,
                     "%s belongs to uid %u, not to you (uid %u); if it is yours, run: chown %u %s",
                     path, (unsigned)st->st_uid, (unsigned)geteuid(), (unsigned)geteuid(), path);
    if (st->st_mode & 077)
        return failf(KR_ERR_UNSAFE, err, "%s is open to other users (mode %04o); run: chmod 600 %s",
                     path, (unsigned)(st->st_mode & 07777), path);
    return KR_OK;
}

/* Open the keyring read-only after checking its directory, type, owner and mode. */
static enum kr_status open_checked(const char *path, int *fdp, char **err)
{
    struct stat st;
    *fdp = -1;
    enum kr_status rc = check_dir(path, err);
    if (rc != KR_OK)
        return rc;
    if (lstat(path, &st) != 0)
        return errno == ENOENT
                   ? failf(KR_ERR_MISSING, err,
                           "no keyring at %s; create one with: pbxtop keyring init", path)
                   : failf(KR_ERR_IO, err, "%s: %s", path, strerror(errno));
    rc = check_file(path, &st, err);
    if (rc != KR_OK)
        return rc;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return failf(errno == ELOOP ? KR_ERR_UNSAFE : KR_ERR_IO, err, "%s: %s", path,
                     strerror(errno));
    /* Again on what was opened: the name may have been swapped in between. */
    rc = fstat(fd, &st) ? failf(KR_ERR_IO, err, "%s: %s", path, strerror(errno))
                        : check_file(path, &st, err);
    if (rc != KR_OK) {
        close(fd);
        return rc;
    }
    *fdp = fd;
    return KR_OK;
}

static int read_full(int fd, uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t r = read(fd, buf, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        buf += r;
        len -= (size_t)r;
    }
    return 0;
}

enum kr_status keyring_file_read(const char *path, struct keyring_file **out, char **err)
{
    int fd;
    struct stat st;
    *out = NULL;
    enum kr_status rc = open_checked(path, &fd, err);
    if (rc != KR_OK)
        return rc;
    if (fstat(fd, &st) != 0 || st.st_size > (off_t)KR_MAX_FILE) {
        close(fd);
        return failf(KR_ERR_DAMAGED, err, "%s: %lld bytes, larger than any keyring", path,
                     (long long)st.st_size);
    }
    size_t len = (size_t)st.st_size;
    uint8_t *buf = xmalloc(len ? len : 1);
    int bad = read_full(fd, buf, len);
    close(fd);
    char *why = NULL;
    if (bad)
        rc = failf(KR_ERR_IO, err, "%s: cannot read: %s", path, strerror(errno));
    else
        rc = keyring_parse(buf, len, out, &why);
    if (why) {
        *err = xasprintf("%s: %s", path, why);
        free(why);
    }
    free(buf);
    return rc;
}

/* mkdir -p with mode 0700 for what it creates; the keyring's own directory is set to 0700
 * even when it existed (a umask or an older tool may have left it wider). */
static enum kr_status make_dir(const char *path, char **err)
{
    char *dir = dir_of(path);
    enum kr_status rc = KR_OK;
    for (char *p = dir + 1; rc == KR_OK; p++) {
        bool end = *p == '\0';
        if (*p != '/' && !end)
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            rc = failf(KR_ERR_IO, err, "cannot create %s: %s", dir, strerror(errno));
        if (end)
            break;
        *p = '/';
    }
    struct stat st;
    if (rc == KR_OK && stat(dir, &st) == 0 && st.st_uid == geteuid() &&
        (st.st_mode & 07777) != 0700)
        (void)chmod(dir, 0700);
    free(dir);
    return rc == KR_OK ? check_dir(path, err) : rc;
}

/* Hold path.lock exclusively; wait a little for another pbxtop to finish its save. */
static int take_lock(const char *path, char **err)
{
    char *name = xasprintf("%s.lock", path);
    int fd = open(name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        (void)failf(KR_ERR_IO, err, "cannot open the lock %s: %s", name, strerror(errno));
        free(name);
        return -1;
    }
    struct timespec pause = {0, 10 * 1000 * 1000};
    for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; waited += 10) {
        if ((errno != EWOULDBLOCK && errno != EINTR) || waited >= LOCK_WAIT_MS) {
            (void)failf(KR_ERR_IO, err, "cannot lock %s: %s", name,
                        errno == EWOULDBLOCK ? "another pbxtop holds it" : strerror(errno));
            close(fd);
            free(name);
            return -1;
        }
        (void)nanosleep(&pause, NULL);
    }
    free(name);
    return fd;
}

/* Under the lock: is the file on disk still the one kr was read from (or still absent)? */
static enum kr_status check_unchanged(const struct keyring *kr, const char *path, char **err)
{
    int fd;
    char *why = NULL;
    enum kr_status rc = open_checked(path, &fd, &why);
    if (rc == KR_ERR_MISSING && !kr->on_disk) {
        free(why);
        return KR_OK;
    }
    if (rc == KR_ERR_MISSING) {
        free(why);
        return failf(KR_ERR_CHANGED, err, "%s was removed since it was read; nothing was written",
                     path);
    }
    if (rc != KR_OK) {
        *err = why;
        return rc;
    }
    uint8_t head[KR_HEADER_BYTES];
    bool same = kr->on_disk && read_full(fd, head, sizeof head) == 0 &&
                memcmp(head, kr->base_header, sizeof head) == 0;
    close(fd);
    if (!same)
        return failf(KR_ERR_CHANGED, err,
                     "%s changed on disk since it was read (another pbxtop saved it); nothing "
                     "was written: run the command again",
                     path);
    return KR_OK;
}

/* path.new (0600, O_EXCL), write, fsync, rename over path, fsync of the directory. Sets
 * *renamed once the new file is in place. */
static enum kr_status replace_file(const char *path, const uint8_t *buf, size_t len, bool *renamed,
                                   char **err)
{
    char *tmp = xasprintf("%s.new", path);
    enum kr_status rc = KR_OK;
    /* A leftover of a save that was killed; nobody else writes it while we hold the lock. */
    (void)unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0 || fileio_write_all(fd, buf, len) != 0 || fsync(fd) != 0) {
        int e = errno;
        rc = failf(KR_ERR_IO, err, "cannot write %s: %s; the keyring on disk is unchanged", tmp,
                   strerror(e));
        if (fd >= 0)
            close(fd);
        (void)unlink(tmp);
    } else if (close(fd) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        rc = failf(KR_ERR_IO, err, "cannot put %s in place: %s; the keyring on disk is unchanged",
                   tmp, strerror(e));
        (void)unlink(tmp);
    } else {
        *renamed = true;
        char *dir = dir_of(path);
        if (fileio_sync_dir(dir) != 0)
            rc = failf(KR_ERR_IO, err,
                       "%s was saved, but syncing %s failed (%s): a crash now could lose it", path,
                       dir, strerror(errno));
        free(dir);
    }
    free(tmp);
    return rc;
}

enum kr_status keyring_save(struct keyring *kr, const char *path, char **err)
{
    if (kr->read_only)
        return failf(KR_ERR_READ_ONLY, err,
                     "%s was written by a newer pbxtop: this one can read it but not save it",
                     path);
    enum kr_status rc = make_dir(path, err);
    if (rc != KR_OK)
        return rc;
    int lock = take_lock(path, err);
    if (lock < 0)
        return KR_ERR_IO;
    rc = check_unchanged(kr, path, err);
    uint8_t *buf = NULL;
    size_t len = 0;
    if (rc == KR_OK)
        rc = kr_seal(kr, kr->generation + 1, &buf, &len, err);
    bool renamed = false;
    if (rc == KR_OK)
        rc = replace_file(path, buf, len, &renamed, err);
    if (renamed) {
        memcpy(kr->base_header, buf, KR_HEADER_BYTES);
        kr->generation++;
        kr->on_disk = true;
    }
    free(buf);
    close(lock); /* releases the lock */
    return rc;
}
