#include "tui/idset.h"

#include <stdlib.h>
#include <string.h>

#include "tui/xalloc.h"

void idset_init(struct idset *s)
{
    memset(s, 0, sizeof *s);
}

void idset_clear(struct idset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->ids[i]);
    s->n = 0;
}

void idset_done(struct idset *s)
{
    idset_clear(s);
    free(s->ids);
    idset_init(s);
}

/* Index of id, or of where it would go (then *found is false). */
static size_t locate(const struct idset *s, const char *id, bool *found)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(s->ids[mid], id);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

bool idset_has(const struct idset *s, const char *id)
{
    bool found;
    (void)locate(s, id, &found);
    return found;
}

void idset_add(struct idset *s, const char *id)
{
    bool found;
    size_t at = locate(s, id, &found);
    if (found)
        return;
    s->ids = xgrow(s->ids, &s->cap, s->n + 1, sizeof *s->ids);
    memmove(&s->ids[at + 1], &s->ids[at], (s->n - at) * sizeof *s->ids);
    s->ids[at] = xstrdup(id);
    s->n++;
}

void idset_remove(struct idset *s, const char *id)
{
    bool found;
    size_t at = locate(s, id, &found);
    if (!found)
        return;
    free(s->ids[at]);
    memmove(&s->ids[at], &s->ids[at + 1], (s->n - at - 1) * sizeof *s->ids);
    s->n--;
}

size_t idset_filter(struct idset *s, bool (*keep)(const void *ud, const char *id), const void *ud)
{
    size_t kept = 0, dropped = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (keep(ud, s->ids[i])) {
            s->ids[kept++] = s->ids[i];
        } else {
            free(s->ids[i]);
            dropped++;
        }
    }
    s->n = kept;
    return dropped;
}
