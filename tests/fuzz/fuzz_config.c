/* config.ini: the INI parser with every [pbxtop], backend and [keys] key, then the [keys]
 * lines applied to the key table as the console applies them. */
#include "tests/fuzz/fuzzlib.h"

#include <stdlib.h>

#include "tui/config.h"
#include "tui/input.h"
#include "tui/keymap.h"

#define FUZZ_MAX_LEN 16384

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_LEN)
        return 0;
    struct config cfg;
    char *err = NULL;
    if (config_parse("fuzz.ini", (const char *)data, size, &cfg, &err)) {
        FUZZ_ASSERT(err != NULL && cfg.nbackends == 0);
        free(err);
        return 0;
    }
    FUZZ_ASSERT(err == NULL && cfg.nbackends > 0);
    if (keymap_apply(cfg.path, cfg.keys, cfg.nkeys, &err))
        FUZZ_ASSERT(err != NULL);
    free(err);
    input_reset(); /* the next input starts from the default keys */
    config_done(&cfg);
    return 0;
}
