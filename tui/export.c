#define _POSIX_C_SOURCE 200809L
#include "tui/export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tui/app.h"
#include "views/view.h"

static int write_rows(struct app *app, FILE *f, char **err)
{
    const struct view_inst *top = &app->views[app->nviews - 1], *base = &app->views[0];
    if (top->ops->export)
        return top->ops->export(top->state, f, err);
    if (base->ops->export)
        return base->ops->export(base->state, f, err);
    *err = xasprintf("the %s view has no rows to write", base->ops->name);
    return -1;
}

static char *expand_home(const char *path)
{
    const char *home = getenv("HOME");
    if (path[0] == '~' && (path[1] == '/' || !path[1]) && home && *home)
        return xasprintf("%s%s", home, path + 1);
    return xstrdup(path);
}

/* The temporary file's name: hidden, beside path, so that rename() never crosses file
 * systems. */
static char *temp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xasprintf(".%s.XXXXXX", path);
    return xasprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
}

/* Move the finished temporary file to path. Without overwrite, link() refuses a file that
 * appeared since the check, where rename() would silently replace it. */
static int put_in_place(const char *tmp, const char *path, bool overwrite, char **err)
{
    int rc = overwrite ? rename(tmp, path) : link(tmp, path);
    int saved = errno;
    if (!overwrite || rc)
        (void)unlink(tmp);
    if (rc == 0)
        return 0;
    if (saved == EEXIST)
        *err = xasprintf("%s exists; :w! overwrites it", path);
    else
        *err = xasprintf("cannot write %s: %s", path, strerror(saved));
    return -1;
}

/* Write the rows into a new temporary file; its name in *tmp. */
static long write_temp(struct app *app, const char *path, char **tmp, char **err)
{
    *tmp = temp_name(path);
    int fd = mkstemp(*tmp);
    if (fd < 0) {
        *err = xasprintf("cannot write %s: %s", path, strerror(errno));
        free(*tmp);
        *tmp = NULL;
        return -1;
    }
    (void)fchmod(fd, 0600);
    FILE *f = fdopen(fd, "w");
    if (!f) {
        *err = xasprintf("cannot write %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    /* No fsync: an export is a convenience copy, and the UI thread must not wait on the
     * disk; the rename alone keeps readers from seeing a partial file. */
    long rows = write_rows(app, f, err);
    bool bad = fflush(f) != 0 || ferror(f);
    int saved = errno;
    if (fclose(f) != 0)
        bad = true;
    if (rows >= 0 && bad) {
        *err = xasprintf("cannot write %s: %s", path, strerror(saved ? saved : EIO));
        rows = -1;
    }
    return rows;
}

long export_view(struct app *app, const char *path, bool overwrite, char **where, char **err)
{
    struct stat st;
    char *tmp = NULL;
    *where = expand_home(path);
    const char *p = *where;
    size_t len = strlen(p);
    if (len == 0 || p[len - 1] == '/' || (stat(p, &st) == 0 && S_ISDIR(st.st_mode))) {
        *err = xasprintf("%s is a directory; give a file name", p);
        return -1;
    }
    if (!overwrite && lstat(p, &st) == 0) {
        *err = xasprintf("%s exists; :w! overwrites it", p);
        return -1;
    }
    long rows = write_temp(app, p, &tmp, err);
    if (rows >= 0 && put_in_place(tmp, p, overwrite, err))
        rows = -1;
    else if (rows < 0 && tmp)
        (void)unlink(tmp);
    free(tmp);
    return rows;
}
