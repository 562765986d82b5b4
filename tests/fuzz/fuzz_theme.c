/* Theme files (themes/NAME.theme, --theme FILE): any bytes either load or are refused with a
 * message naming the line; a refused file leaves nothing allocated. */
#include "tests/fuzz/fuzzlib.h"

#include <stdlib.h>
#include <string.h>

#include "themes/theme.h"

#define FUZZ_MAX_LEN 16384

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_LEN)
        return 0;
    struct theme t;
    char *err = NULL;
    theme_builtin(&t);
    if (theme_parse("fuzz.theme", (const char *)data, size, &t, &err)) {
        FUZZ_ASSERT(err != NULL && strncmp(err, "fuzz.theme:", 11) == 0);
        fuzz_check_display_safe(err, strlen(err));
        free(err);
    } else {
        FUZZ_ASSERT(err == NULL);
    }
    return 0;
}
