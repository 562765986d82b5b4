#include "net/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/xalloc.h"

#define CHUNK_SIZE (64u * 1024)

static const struct field_def ext_fields[] = {
    {"extension", FT_STR}, {"name", FT_STR},    {"enabled", FT_BOOL}, {"voicemail", FT_BOOL},
    {"callerid", FT_STR},  {"context", FT_STR}, {"tech", FT_STR},
};
static const struct field_def rg_fields[] = {
    {"extension", FT_STR}, {"name", FT_STR},     {"strategy", FT_STR},
    {"ring_time", FT_INT}, {"members", FT_LIST},
};
static const struct field_def ch_fields[] = {
    {"channel", FT_STR},     {"state", FT_STR},         {"caller_num", FT_STR},
    {"caller_name", FT_STR}, {"connected_num", FT_STR}, {"connected_name", FT_STR},
    {"context", FT_STR},     {"exten", FT_STR},         {"application", FT_STR},
    {"duration", FT_SECS},
};
static const struct field_def qm_fields[] = {
    {"queue", FT_STR},   {"interface", FT_STR},   {"name", FT_STR},
    {"status", FT_STR},  {"paused", FT_BOOL},     {"paused_reason", FT_STR},
    {"penalty", FT_INT}, {"calls_taken", FT_INT}, {"in_call", FT_BOOL},
};
static const struct field_def q_fields[] = {
    {"queue", FT_STR},     {"strategy", FT_STR},  {"calls", FT_INT},     {"completed", FT_INT},
    {"abandoned", FT_INT}, {"hold_time", FT_INT}, {"talk_time", FT_INT},
};
static const struct field_def qc_fields[] = {
    {"queue", FT_STR},       {"position", FT_INT}, {"caller_num", FT_STR},
    {"caller_name", FT_STR}, {"wait", FT_SECS},    {"channel", FT_STR},
};

#define KIND(n, s, f, k0, k1)                   \
    {                                           \
        n, s, f, (int)(sizeof f / sizeof f[0]), \
        {                                       \
            k0, k1                              \
        }                                       \
    }
static const struct kind_def kinds[KIND_COUNT] = {
    [KIND_EXTENSIONS] = KIND("extensions", "ext", ext_fields, EXT_EXTENSION, EXT_CONTEXT),
    [KIND_RINGGROUPS] = KIND("ringgroups", "rg", rg_fields, RG_EXTENSION, -1),
    [KIND_CHANNELS] = KIND("channels", "ch", ch_fields, -1, -1),
    [KIND_QUEUEMEMBERS] = KIND("queuemembers", "qm", qm_fields, QM_QUEUE, QM_INTERFACE),
    [KIND_QUEUES] = KIND("queues", "q", q_fields, Q_QUEUE, -1),
    [KIND_QUEUECALLERS] = KIND("queuecallers", "qc", qc_fields, -1, -1),
};

const struct kind_def *kind_def(enum kind k)
{
    return &kinds[k];
}

int kind_from_name(const char *name)
{
    for (int k = 0; k < KIND_COUNT; k++) {
        if (strcmp(name, kinds[k].name) == 0 || strcmp(name, kinds[k].short_name) == 0)
            return k;
    }
    return -1;
}

int kind_field(enum kind k, const char *name)
{
    for (int i = 0; i < kinds[k].nfields; i++) {
        if (strcmp(kinds[k].fields[i].name, name) == 0)
            return i;
    }
    return -1;
}

struct chunk {
    struct chunk *next;
    size_t used, size;
    char data[];
};

struct snapshot {
    enum kind kind;
    int nfields;
    struct record *recs;
    size_t n, cap;
    size_t dups;
    struct chunk *chunks;
    uint32_t *index; /* open addressing; slot holds record index + 1, 0 = empty */
    size_t index_size;
};

/* Bump allocation: a snapshot's strings die together, so one free per chunk suffices. */
static void *arena_alloc(struct snapshot *s, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    struct chunk *c = s->chunks;
    if (!c || c->size - c->used < n) {
        size_t size = n > CHUNK_SIZE ? n : CHUNK_SIZE;
        c = xmalloc(sizeof *c + size);
        c->size = size;
        c->used = 0;
        c->next = s->chunks;
        s->chunks = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

static const char *arena_strndup(struct snapshot *s, const char *v, size_t n)
{
    char *p = arena_alloc(s, n + 1);
    memcpy(p, v, n);
    p[n] = '\0';
    return p;
}

struct snapshot *snap_new(enum kind k)
{
    struct snapshot *s = xcalloc(1, sizeof *s);
    s->kind = k;
    s->nfields = kinds[k].nfields;
    return s;
}

void snap_free(struct snapshot *s)
{
    if (!s)
        return;
    while (s->chunks) {
        struct chunk *next = s->chunks->next;
        free(s->chunks);
        s->chunks = next;
    }
    free(s->recs);
    free(s->index);
    free(s);
}

enum kind snap_kind(const struct snapshot *s)
{
    return s->kind;
}

size_t snap_count(const struct snapshot *s)
{
    return s->n;
}

const struct record *snap_get(const struct snapshot *s, size_t i)
{
    return &s->recs[i];
}

size_t snap_duplicates(const struct snapshot *s)
{
    return s->dups;
}

size_t snap_add(struct snapshot *s, const char *id)
{
    s->recs = xgrow(s->recs, &s->cap, s->n + 1, sizeof *s->recs);
    struct record *r = &s->recs[s->n];
    r->id = arena_strndup(s, id, strlen(id));
    r->v = arena_alloc(s, sizeof *r->v * (size_t)s->nfields);
    memset(r->v, 0, sizeof *r->v * (size_t)s->nfields);
    r->raw = NULL;
    r->t0_ms = 0;
    return s->n++;
}

void snap_setn(struct snapshot *s, size_t i, int f, const char *val, size_t n)
{
    s->recs[i].v[f] = val ? arena_strndup(s, val, n) : NULL;
}

void snap_set(struct snapshot *s, size_t i, int f, const char *val)
{
    snap_setn(s, i, f, val, val ? strlen(val) : 0);
}

void snap_set_int(struct snapshot *s, size_t i, int f, long long val)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%lld", val);
    snap_setn(s, i, f, buf, (size_t)n);
}

void snap_set_bool(struct snapshot *s, size_t i, int f, bool val)
{
    snap_set(s, i, f, val ? "true" : "false");
}

void snap_set_raw(struct snapshot *s, size_t i, const char *json)
{
    s->recs[i].raw = json ? arena_strndup(s, json, strlen(json)) : NULL;
}

void snap_set_t0(struct snapshot *s, size_t i, int64_t t0_ms)
{
    s->recs[i].t0_ms = t0_ms;
}

static uint32_t hash_str(const char *p)
{
    uint32_t h = 2166136261u;
    while (*p)
        h = (h ^ (unsigned char)*p++) * 16777619u;
    return h;
}

/* Insert record i; returns false when its id is already indexed. */
static bool index_insert(struct snapshot *s, size_t i)
{
    size_t mask = s->index_size - 1;
    for (size_t slot = hash_str(s->recs[i].id) & mask;; slot = (slot + 1) & mask) {
        uint32_t at = s->index[slot];
        if (at == 0) {
            s->index[slot] = (uint32_t)i + 1;
            return true;
        }
        if (strcmp(s->recs[at - 1].id, s->recs[i].id) == 0)
            return false;
    }
}

void snap_finish(struct snapshot *s)
{
    size_t size = 16;
    while (size < s->n * 2)
        size *= 2;
    free(s->index);
    s->index = xcalloc(size, sizeof *s->index);
    s->index_size = size;
    size_t kept = 0;
    for (size_t i = 0; i < s->n; i++) {
        s->recs[kept] = s->recs[i];
        if (index_insert(s, kept))
            kept++;
        else
            s->dups++;
    }
    s->n = kept;
}

long snap_find(const struct snapshot *s, const char *id)
{
    if (!s->index)
        return -1;
    size_t mask = s->index_size - 1;
    for (size_t slot = hash_str(id) & mask;; slot = (slot + 1) & mask) {
        uint32_t at = s->index[slot];
        if (at == 0)
            return -1;
        if (strcmp(s->recs[at - 1].id, id) == 0)
            return (long)at - 1;
    }
}

void snap_carry_t0(struct snapshot *s, const struct snapshot *old, int64_t now_ms)
{
    for (size_t i = 0; i < s->n; i++) {
        struct record *r = &s->recs[i];
        if (r->t0_ms)
            continue;
        long j = old ? snap_find(old, r->id) : -1;
        r->t0_ms = (j >= 0 && old->recs[j].t0_ms) ? old->recs[j].t0_ms : now_ms;
    }
}
