/* Helpers shared by the journal tests (test_journal.c: writing, reading back, files;
 * test_journal_parse.c: damaged and hostile journal text, fuzzing): a private directory per
 * test, failures reported after everything is freed, the batch of items both halves write, and
 * a small hand-written journal. */
#ifndef PBXTOP_TESTS_JOURNAL_TESTLIB_H
#define PBXTOP_TESTS_JOURNAL_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>

#include "net/backend.h"
#include "net/journal.h"
#include "tui/xalloc.h"

/* ------------------------------------------------------------------ helpers */

/* A fresh private directory per test (state), removed with everything in it afterwards. */
int setup_dir(void **state);
int teardown_dir(void **state);

/* Write len bytes of text to path, opened with fopen mode `mode`. */
void spit(const char *path, const char *text, size_t len, const char *mode);
/* dir/id.journal. Owned. */
char *journal_path(const char *dir, const char *id);

/* A failure found while the test still holds memory: noted first, reported by
 * report_failures() after everything is freed, so that a failing test leaks nothing. */
void note_failure(const char *fmt, ...) PBX_PRINTF(1, 2);
void report_failures(void);

/* ------------------------------------------------------------------ the batch */

/* A schema where "password" is a secret: its value must never reach the journal. */
extern const struct record_schema test_schema;

#define SECRET    "s3cr3t\tPw%41=*-"
#define SECRET_2  "Other-Secret-Before-Image"
#define NITEMS    6
#define MAXVALUES 6

struct want_item {
    enum change_op op;
    enum kind kind;
    const char *id;
    int line;
    int nvalues;
    const char *names[MAXVALUES];
    const char *values[MAXVALUES];
    bool withheld[MAXVALUES];
    bool has_before;
    const char *before[MAXVALUES];
    /* the outcome written later */
    enum act_outcome outcome;
    const char *new_id_written;
    const char *new_id; /* as read back */
    const char *msg_written;
    const char *msg; /* as read back */
};

extern const struct want_item items[NITEMS];

/* items[idx] as item jn of the journal. */
void write_item_as(struct journal *j, size_t jn, size_t idx);
void write_item(struct journal *j, size_t n);
void write_outcome(struct journal *j, size_t n);

/* ------------------------------------------------------------------ a journal by hand */

#define BATCH_ID "20260101-000000-0001abcd"
/* A valid journal of BASE_LINES lines for batch BATCH_ID. */
extern const char base_text[];
#define BASE_LINES 8

#endif
