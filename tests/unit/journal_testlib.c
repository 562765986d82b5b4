/* The journal tests' shared helpers: see journal_testlib.h. */
#define _POSIX_C_SOURCE 200809L
#include "tests/unit/journal_testlib.h"

#include <dirent.h>
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
#include "net/journal.h"
#include "tui/xalloc.h"

/* ------------------------------------------------------------------ helpers */

/* A fresh private directory per test (state), removed with everything in it afterwards. */
int setup_dir(void **state)
{
    const char *base = getenv("TMPDIR");
    char *path =
        xasprintf("%s/pbxtop-journal-XXXXXX", base && *base && strlen(base) < 64 ? base : "/tmp");
    if (!mkdtemp(path)) {
        free(path);
        return -1;
    }
    *state = path;
    return 0;
}

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st))
        return;
    if (S_ISDIR(st.st_mode)) {
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

int teardown_dir(void **state)
{
    char *path = *state;
    remove_tree(path);
    free(path);
    return 0;
}

void spit(const char *path, const char *text, size_t len, const char *mode)
{
    FILE *f = fopen(path, mode);
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

char *journal_path(const char *dir, const char *id)
{
    return xasprintf("%s/%s.journal", dir, id);
}

/* A failure found while the test still holds memory: noted first, reported by
 * report_failures() after everything is freed, so that a failing test leaks nothing. */
static char failure[8192];

void note_failure(const char *fmt, ...)
{
    size_t used = strlen(failure);
    if (used + 2 >= sizeof failure)
        return;
    if (used)
        failure[used++] = '\n';
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(failure + used, sizeof failure - used, fmt, ap);
    va_end(ap);
}

void report_failures(void)
{
    char copy[sizeof failure];
    memcpy(copy, failure, sizeof copy);
    failure[0] = '\0';
    if (copy[0])
        fail_msg("%s", copy);
}

/* ------------------------------------------------------------------ the batch */

/* A schema where "password" is a secret: its value must never reach the journal. */
static const struct field_schema test_fields[] = {
    {"name", "Name", FT_STR, NULL, NULL, 0, 0, NULL, 0},
    {"password", "Password", FT_STR, NULL, NULL, 0, 0, NULL, FS_SECRET | FS_REQUIRED},
    {"penalty", "Penalty", FT_INT, NULL, NULL, 0, 0, NULL, 0},
};
const struct record_schema test_schema = {test_fields, 3, OP_CREATE | OP_UPDATE | OP_DELETE};

const struct want_item items[NITEMS] = {
    {
        .op = OP_UPDATE,
        .kind = KIND_QUEUEMEMBERS,
        .id = "Alice Jones@sales",
        .line = 2,
        .nvalues = 6,
        .names = {"name", "penalty", "odd=name%\t\n", "paused_reason", "x", "y"},
        .values = {"tab\there\nnewline\r100% a=b %41 %zz", "-", "*", NULL, "",
                   "Zoë 日本語 \x7f\x01\x1b[31m"},
        .has_before = true,
        .before = {"old\tname=%", NULL, "", "-", "*", "ünï"},
        .outcome = ACT_OK,
        .new_id_written = NULL,
        .new_id = NULL,
        .msg_written = "",
        .msg = "",
    },
    {
        .op = OP_CREATE,
        .kind = KIND_EXTENSIONS,
        .id = NULL,
        .line = 3,
        .nvalues = 3,
        .names = {"extension", "password", "name"},
        .values = {"1001", SECRET, "Zoë"},
        .withheld = {false, true, false},
        .outcome = ACT_OK,
        .new_id_written = "1001",
        .new_id = "1001",
        .msg_written = "created\twith a tab\nand a newline %41 = 100%",
        .msg = "created\twith a tab\nand a newline %41 = 100%",
    },
    {
        .op = OP_DELETE,
        .kind = KIND_QUEUEMEMBERS,
        .id = "-",
        .line = 4,
        .nvalues = 0,
        .outcome = ACT_GONE,
        .new_id_written = NULL,
        .msg_written = "-",
        .msg = "-",
    },
    {
        .op = OP_UPDATE,
        .kind = KIND_EXTENSIONS,
        .id = "*",
        .line = 5,
        .nvalues = 2,
        .names = {"name", "password"},
        .values = {"", SECRET},
        .withheld = {false, true},
        .has_before = true,
        .before = {NULL, SECRET_2},
        .outcome = ACT_FAILED,
        .new_id_written = "",
        .new_id = NULL,
        .msg_written = "*",
        .msg = "*",
    },
    {
        .op = OP_DELETE,
        .kind = KIND_CHANNELS,
        .id = "1700000000.5",
        .line = 0,
        .nvalues = 0,
        .outcome = ACT_UNREACHABLE,
        .new_id_written = NULL,
        .msg_written = NULL,
        .msg = "",
    },
    {
        .op = OP_UPDATE,
        .kind = KIND_QUEUEMEMBERS,
        .id = "PJSIP/202@sales",
        .line = 1 << 30,
        .nvalues = 1,
        .names = {"paused"},
        .values = {"true"},
        .has_before = true,
        .before = {"false"},
        .outcome = ACT_AUTH,
        .new_id_written = NULL,
        .msg_written = "token refused (HTTP 403)",
        .msg = "token refused (HTTP 403)",
    },
};

/* items[idx] as item jn of the journal. */
void write_item_as(struct journal *j, size_t jn, size_t idx)
{
    const struct want_item *w = &items[idx];
    struct change c = {.op = w->op,
                       .kind = w->kind,
                       .id = w->id,
                       .nvalues = w->nvalues,
                       .names = w->names,
                       .values = w->values};
    assert_int_equal(
        journal_item(j, jn, w->line, &c, w->has_before ? w->before : NULL, &test_schema), 0);
}

void write_item(struct journal *j, size_t n)
{
    write_item_as(j, n, n);
}

void write_outcome(struct journal *j, size_t n)
{
    const struct want_item *w = &items[n];
    assert_int_equal(journal_outcome(j, n, w->outcome, w->new_id_written, w->msg_written), 0);
}

/* ------------------------------------------------------------------ a journal by hand */

const char base_text[] = "pbxtop-journal\t1\n"                                      /* 1 */
                         "batch\t" BATCH_ID "\t1700000000\toffice\n"                /* 2 */
                         "item\t0\t2\tupdate\tqueuemembers\tA@sales\tpenalty=5\n"   /* 3 */
                         "before\t0\t0\n"                                           /* 4 */
                         "item\t1\t3\tdelete\tqueuemembers\tB@sales\n"              /* 5 */
                         "item\t2\t4\tcreate\textensions\t-\textension=300\tname\n" /* 6 */
                         "intent\t0\t1700000001\n"                                  /* 7 */
                         "outcome\t0\t1700000002\tok\t-\tfine\n";                   /* 8 */
