#define _POSIX_C_SOURCE 200809L
#include "tui/kdfjob.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui/xalloc.h"

struct kdf_job {
    const struct keyring_file *f;
    char *pass; /* secret memory */
    size_t len;
    pthread_t thread;
    int pipe[2];
    /* Written by the worker before it writes to the pipe; read after the join. */
    enum kr_status st;
    struct keyring_key *key;
    char *err;
};

static void *worker(void *arg)
{
    struct kdf_job *j = arg;
    j->st = keyring_derive(keyring_file_kdf(j->f), j->pass, j->len, &j->key, &j->err);
    unsigned char b = 1;
    (void)!write(j->pipe[1], &b, 1);
    return NULL;
}

struct kdf_job *kdf_job_start(const struct keyring_file *f, const char *pass, size_t len)
{
    struct kdf_job *j = xcalloc(1, sizeof *j);
    j->f = f;
    j->pass = secret_ndup(pass, len);
    j->len = len;
    if (pipe(j->pipe))
        die("pipe: %s", strerror(errno));
    for (int i = 0; i < 2; i++)
        (void)fcntl(j->pipe[i], F_SETFD, FD_CLOEXEC);
    int rc = pthread_create(&j->thread, NULL, worker, j);
    if (rc)
        die("cannot start a thread: %s", strerror(rc));
    return j;
}

int kdf_job_fd(const struct kdf_job *j)
{
    return j->pipe[0];
}

enum kr_status kdf_job_finish(struct kdf_job *j, struct keyring **out, char **err)
{
    (void)pthread_join(j->thread, NULL);
    enum kr_status st = j->st;
    *out = NULL;
    if (st == KR_OK)
        st = keyring_open(j->f, j->key, out, err);
    else
        *err = j->err;
    keyring_key_free(j->key);
    secret_free(j->pass);
    close(j->pipe[0]);
    close(j->pipe[1]);
    free(j);
    return st;
}
