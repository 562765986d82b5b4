/* Shared by the libFuzzer targets in tests/fuzz/: their entry points (declared here for
 * -Wmissing-prototypes) and the properties that decoded data and displayed text must keep.
 * A broken property abort()s, which libFuzzer reports as a crash with the input saved. */
#ifndef PBXTOP_TESTS_FUZZ_FUZZLIB_H
#define PBXTOP_TESTS_FUZZ_FUZZLIB_H

#include <stddef.h>
#include <stdint.h>

#include "net/model.h"

/* Sets a UTF-8 locale, as pbxtop runs in: display widths come from wcwidth(). */
int LLVMFuzzerInitialize(int *argc, char ***argv);
/* Each target's own: one input, at most its FUZZ_MAX_LEN bytes (fuzz-smoke passes that
 * number on as -max_len; longer inputs are skipped, as in tmux's fuzzers). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* abort() after naming the file, line and condition unless cond holds. */
#define FUZZ_ASSERT(cond) ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond))
__attribute__((noreturn)) void fuzz_fail(const char *file, int line, const char *what);

/* Sanitised text: valid UTF-8 that holds no C0 or C1 control, DEL, bidi control (LRM, RLM,
 * ALM, U+202A..E, U+2066..9) or line/paragraph separator. Checked by a decoder of its own,
 * not tui/text.c's, so that a bug there cannot hide itself. */
void fuzz_check_display_safe(const char *s, size_t len);
/* Check a decoded snapshot and free it (NULL, a refused input, is fine): ids present and
 * unique, typed fields in canonical form, and the details rows of its first records safe to
 * display and no wider than asked. */
void fuzz_check_snapshot(struct snapshot *s);

#endif
