/* A small set of record ids (marks, pending actions), kept sorted for lookup. */
#ifndef PBXTOP_TUI_IDSET_H
#define PBXTOP_TUI_IDSET_H

#include <stdbool.h>
#include <stddef.h>

struct idset {
    char **ids;
    size_t n, cap;
};

void idset_init(struct idset *s);
void idset_done(struct idset *s);
void idset_clear(struct idset *s);
bool idset_has(const struct idset *s, const char *id);
/* Add a copy of id; no effect if present. */
void idset_add(struct idset *s, const char *id);
void idset_remove(struct idset *s, const char *id);
/* Drop every id for which keep(ud, id) is false; returns how many were dropped. */
size_t idset_filter(struct idset *s, bool (*keep)(const void *ud, const char *id), const void *ud);

#endif
