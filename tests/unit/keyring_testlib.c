/* The keyring tests' shared helpers: see keyring_testlib.h. */
#define _POSIX_C_SOURCE 200809L
#include "tests/unit/keyring_testlib.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tui/xalloc.h"

void krt_rec(struct krt_payload *p, unsigned tag, const void *v, size_t n)
{
    p->buf = xgrow(p->buf, &p->cap, p->len + 5 + n, 1);
    p->buf[p->len] = (uint8_t)tag;
    for (int i = 0; i < 4; i++)
        p->buf[p->len + 1 + (size_t)i] = (uint8_t)(n >> (8 * i));
    if (n)
        memcpy(p->buf + p->len + 5, v, n);
    p->len += 5 + n;
}

void krt_str(struct krt_payload *p, unsigned tag, const char *s)
{
    krt_rec(p, tag, s, strlen(s));
}

void krt_token(struct krt_payload *p, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    uint8_t *v = xmalloc(1 + nl + vl);
    v[0] = (uint8_t)nl;
    memcpy(v + 1, name, nl);
    memcpy(v + 1 + nl, value, vl);
    krt_rec(p, KT_TOKEN, v, 1 + nl + vl);
    free(v);
}

uint8_t *krt_padded(const struct krt_payload *p, size_t *len)
{
    size_t n = (p->len / 4096 + 1) * 4096;
    uint8_t *b = xcalloc(n, 1);
    if (p->len)
        memcpy(b, p->buf, p->len);
    b[p->len] = 0x80;
    *len = n;
    return b;
}

void krt_done(struct krt_payload *p)
{
    free(p->buf);
    memset(p, 0, sizeof *p);
}

int krt_setup(void **state)
{
    const char *base = getenv("TMPDIR");
    struct krt_dir *d = xcalloc(1, sizeof *d);
    d->root =
        xasprintf("%s/pbxtop-keyring-XXXXXX", base && *base && strlen(base) < 64 ? base : "/tmp");
    if (!mkdtemp(d->root))
        return -1;
    d->path = xasprintf("%s/data/pbxtop/keyring", d->root);
    *state = d;
    return 0;
}

void krt_mkdirs(const struct krt_dir *d)
{
    char *data = xasprintf("%s/data", d->root), *dir = xasprintf("%s/data/pbxtop", d->root);
    if (mkdir(data, 0700) != 0 || mkdir(dir, 0700) != 0) {
        fprintf(stderr, "cannot create %s\n", dir);
        abort();
    }
    free(data);
    free(dir);
}

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st))
        return;
    if (S_ISDIR(st.st_mode)) {
        (void)chmod(path, 0700);
        DIR *d = opendir(path);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            char *sub = xasprintf("%s/%s", path, de->d_name);
            remove_tree(sub);
            free(sub);
        }
        if (d)
            closedir(d);
        (void)rmdir(path);
    } else {
        (void)unlink(path);
    }
}

int krt_teardown(void **state)
{
    struct krt_dir *d = *state;
    remove_tree(d->root);
    free(d->root);
    free(d->path);
    free(d);
    return 0;
}

uint8_t *krt_slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    uint8_t *buf = NULL;
    if (fstat(fd, &st) == 0) {
        buf = xmalloc((size_t)st.st_size + 1);
        if (read(fd, buf, (size_t)st.st_size) != (ssize_t)st.st_size) {
            free(buf);
            buf = NULL;
        }
        *len = (size_t)st.st_size;
    }
    close(fd);
    return buf;
}

void krt_spill(const char *path, const void *buf, size_t len, unsigned mode)
{
    (void)unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, buf, len) != (ssize_t)len || fchmod(fd, (mode_t)mode) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        abort();
    }
    close(fd);
}
