/* Normalised records (DESIGN.md §3) and the snapshots that hold them. A snapshot is built
 * by an adapter from one poll, then replaces the previous one whole: nothing in it changes
 * after snap_finish(), so views may borrow its strings until the next swap. */
#ifndef PBXTOP_NET_MODEL_H
#define PBXTOP_NET_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kind {
    KIND_EXTENSIONS,
    KIND_RINGGROUPS,
    KIND_CHANNELS,
    KIND_QUEUEMEMBERS,
    KIND_QUEUES,
    KIND_QUEUECALLERS, /* callers waiting in a queue */
    KIND_COUNT,
};

enum ftype {
    FT_STR,
    FT_INT,  /* canonical decimal text */
    FT_BOOL, /* "true" / "false" */
    FT_LIST, /* items separated by '\x1f' (decoders escape any \x1f inside an item) */
    FT_SECS, /* computed from the record's start time; never stored */
};

struct field_def {
    const char *name;
    enum ftype type;
};

struct kind_def {
    const char *name;       /* "channels" */
    const char *short_name; /* "ch" */
    const struct field_def *fields;
    int nfields;
    int key[2]; /* the fields that name a record to people (extension [+ context]; queue +
                   interface), -1 when unused: a create must not repeat an existing key. The
                   second is compared only when a create gives it (the same extension number
                   may exist in two domains). */
};

enum {
    EXT_EXTENSION,
    EXT_NAME,
    EXT_ENABLED,
    EXT_VOICEMAIL,
    EXT_CALLERID,
    EXT_CONTEXT,
    EXT_TECH
};
enum {
    RG_EXTENSION,
    RG_NAME,
    RG_STRATEGY,
    RG_RING_TIME,
    RG_MEMBERS
};
enum {
    CH_CHANNEL,
    CH_STATE,
    CH_CALLER_NUM,
    CH_CALLER_NAME,
    CH_CONNECTED_NUM,
    CH_CONNECTED_NAME,
    CH_CONTEXT,
    CH_EXTEN,
    CH_APPLICATION,
    CH_DURATION,
};
enum {
    QM_QUEUE,
    QM_INTERFACE,
    QM_NAME,
    QM_STATUS,
    QM_PAUSED,
    QM_PAUSED_REASON,
    QM_PENALTY,
    QM_CALLS_TAKEN,
    QM_IN_CALL,
};
enum {
    Q_QUEUE,
    Q_STRATEGY,
    Q_CALLS,
    Q_COMPLETED,
    Q_ABANDONED,
    Q_HOLD_TIME,
    Q_TALK_TIME
};
enum {
    QC_QUEUE,
    QC_POSITION,
    QC_CALLER_NUM,
    QC_CALLER_NAME,
    QC_WAIT, /* FT_SECS: since the caller joined the queue */
    QC_CHANNEL,
};

/* The definition of a kind; k must be valid. */
const struct kind_def *kind_def(enum kind k);
/* The kind named `name` or its short form; -1 when there is none. */
int kind_from_name(const char *name);
/* The index of field `name` in kind k, or -1. */
int kind_field(enum kind k, const char *name);

struct record {
    const char *id;  /* the stable id that actions send back to the backend */
    const char **v;  /* kind_def(kind)->nfields values; NULL is JSON null */
    const char *raw; /* the backend's own object as JSON text, or NULL */
    int64_t t0_ms;   /* wall-clock start (channels), 0 when unknown */
};

struct snapshot;

struct snapshot *snap_new(enum kind k);
void snap_free(struct snapshot *s);
enum kind snap_kind(const struct snapshot *s);
size_t snap_count(const struct snapshot *s);
/* The i-th record, borrowed for the snapshot's lifetime. */
const struct record *snap_get(const struct snapshot *s, size_t i);
/* Index of the record with this id, or -1. */
long snap_find(const struct snapshot *s, const char *id);
/* Records dropped by snap_finish() because their id repeated an earlier one. */
size_t snap_duplicates(const struct snapshot *s);

/* Building (adapters only). snap_add() copies the id and returns the new record's index. */
size_t snap_add(struct snapshot *s, const char *id);
/* Copy n bytes of val into field f of record i (val NULL: null). */
void snap_setn(struct snapshot *s, size_t i, int f, const char *val, size_t n);
void snap_set(struct snapshot *s, size_t i, int f, const char *val);
void snap_set_int(struct snapshot *s, size_t i, int f, long long val);
void snap_set_bool(struct snapshot *s, size_t i, int f, bool val);
void snap_set_raw(struct snapshot *s, size_t i, const char *json);
void snap_set_t0(struct snapshot *s, size_t i, int64_t t0_ms);
/* Seal the snapshot: drop repeated ids and build the id index. */
void snap_finish(struct snapshot *s);
/* Give records without a start time the one they had in `old` (first seen), or `now_ms`
 * when they are new; durations then tick across polls. */
void snap_carry_t0(struct snapshot *s, const struct snapshot *old, int64_t now_ms);

#endif
