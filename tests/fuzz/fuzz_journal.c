/* Journal files as `pbxtop journal resume` reads them back after a crash. */
#include "tests/fuzz/fuzzlib.h"

#include <stdlib.h>

#include "net/journal.h"

#define FUZZ_MAX_LEN 65536

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_LEN)
        return 0;
    struct journal_batch b;
    char *err = NULL;
    if (journal_parse("fuzz.journal", (const char *)data, size, &b, &err)) {
        FUZZ_ASSERT(err != NULL && b.items == NULL && b.id == NULL);
        free(err);
        return 0;
    }
    FUZZ_ASSERT(err == NULL && b.id != NULL);
    for (size_t i = 0; i < b.nitems; i++) {
        const struct journal_entry *e = &b.items[i];
        FUZZ_ASSERT(e->nvalues >= 0);
        for (int k = 0; k < e->nvalues; k++)
            FUZZ_ASSERT(e->names[k] != NULL);
        (void)journal_entry_left(e);
    }
    (void)journal_unfinished(&b);
    journal_batch_done(&b);
    return 0;
}
