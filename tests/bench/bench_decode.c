/* make bench, part 1: what decoding a poll costs against what cJSON alone costs on the same
 * bytes, and what the decoded model weighs. Prints one JSON object per line for
 * tests/bench/bench.py, which makes the table.
 *
 *   bench_decode table [SIZES...]         timed figures (CPU time, interleaved, median)
 *   bench_decode once FORMAT N WHAT       one run of bare|decode|decode_noraw for callgrind
 *
 * CPU time of this thread, not wall time: the machines are shared, and a figure and its
 * reference are taken in alternation so that what load remains hits both alike. */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/backend_issabel.h"
#include "net/backend_jade.h"
#include "net/model.h"
#include "tui/strbuf.h"
#include "tui/xalloc.h"

enum format {
    FMT_JADE,
    FMT_ISSABEL,
};

static const char *const format_names[] = {"jade", "issabel"};

/* Bodies shaped like tests/fixtures/jade/core_channels_list.json and
 * tests/fixtures/issabel/extensions_list.json: every key the servers send, Issabel's escaped
 * slashes and strings for every scalar, jade's nulls and nested objects. */
static void gen_jade(struct strbuf *sb, size_t n)
{
    static const char *const apps[] = {"Dial", "Queue", "VoiceMail", "ConfBridge"};
    static const char *const states[] = {"Ring", "Up", "Ringing", "Up"};
    static const int state_nums[] = {4, 6, 5, 6};
    (void)strbuf_adds(sb, "{\"api_ver\":\"0.1\",\"result\":{\"list\":[");
    for (size_t i = 0; i < n; i++) {
        unsigned k = (unsigned)(i % 4);
        unsigned long ext = 2000 + (unsigned long)(i % 7919);
        (void)strbuf_addf(
            sb,
            "%s{\"account_code\":\"\",\"application\":\"%s\",\"application_data\":"
            "\"PJSIP/%lu,30\",\"bridge_id\":%s,\"caller_id_name\":\"Caller %zu\","
            "\"caller_id_num\":\"%lu\",\"channel\":\"PJSIP/%lu-%08zx\",\"channel_state\":%d,"
            "\"channel_state_desc\":\"%s\",\"connected_line_name\":\"Agent %lu\","
            "\"connected_line_num\":\"%lu\",\"context\":\"from-internal\",\"duration\":null,"
            "\"exten\":\"%lu\",\"hangup_cause\":null,\"hangup_cause_desc\":null,"
            "\"language\":\"en\",\"linked_id\":\"1513946896.%zu\",\"priority\":\"2\","
            "\"tm_update\":\"2017-12-22T12:48:17.211205731Z\",\"unique_id\":\"1513946896.%zu\","
            "\"variables\":{}}",
            i ? "," : "", apps[k], ext + 1,
            k == 1 ? "\"7c2d3e5c-3f52-4d3b-9f44-3c2d1a0b9e11\"" : "null", i, ext, ext, i,
            state_nums[k], states[k], ext + 1, ext + 1, ext + 1, i, i);
    }
    (void)strbuf_adds(sb, "]},\"statuscode\":200,\"timestamp\":\"2017-12-22T12:48:26.82Z\"}");
}

static void gen_issabel(struct strbuf *sb, size_t n)
{
    static const char *const techs[] = {"pjsip", "sip", "pjsip", "iax2"};
    static const char *const dials[] = {"PJSIP", "SIP", "PJSIP", "IAX2"};
    (void)strbuf_adds(sb, "{\"status\":\"success\",\"results\":[");
    for (size_t i = 0; i < n; i++) {
        unsigned k = (unsigned)(i % 4);
        unsigned long ext = 100000 + (unsigned long)i;
        (void)strbuf_addf(sb,
                          "%s{\"extension\":\"%lu\",\"name\":\"User %lu\",\"dial\":\"%s\\/%lu\","
                          "\"secret\":\"6bs0sPut%04zu\",\"context\":\"from-internal\","
                          "\"tech\":\"%s\",\"voicemail\":[],\"followme\":[],\"dictation\":[]}",
                          i ? "," : "", ext, ext, dials[k], ext, i % 10000, techs[k]);
    }
    (void)strbuf_adds(sb, "]}");
}

static char *gen_body(enum format f, size_t n, size_t *len)
{
    struct strbuf sb;
    strbuf_init(&sb, (size_t)1 << 31);
    if (f == FMT_JADE)
        gen_jade(&sb, n);
    else
        gen_issabel(&sb, n);
    *len = sb.len;
    return strbuf_take(&sb);
}

/* Touch what a consumer of the tree would read, so that the reference does the work that a
 * decoder cannot skip. */
static size_t walk(const cJSON *it)
{
    size_t acc = 0;
    for (; it; it = it->next) {
        if (it->string)
            acc += strlen(it->string);
        if (cJSON_IsString(it))
            acc += strlen(it->valuestring);
        else if (cJSON_IsNumber(it))
            acc += (size_t)it->valueint;
        acc += walk(it->child);
    }
    return acc;
}

static volatile size_t sink;

/* The reference: parse, read every field, free. Not static, so that callgrind can name it. */
void bench_bare(const char *body, size_t len);
void bench_bare(const char *body, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (!root)
        die("bench: the generated body does not parse");
    sink += walk(root);
    cJSON_Delete(root);
}

static struct snapshot *decode(enum format f, const char *body, size_t len, bool keep_raw)
{
    char *err = NULL;
    struct snapshot *s = f == FMT_JADE
                             ? jade_decode_channels(body, len, 1513946906000, keep_raw, &err)
                             : issabel_decode_extensions(body, len, keep_raw, &err);
    if (!s)
        die("bench: decode failed: %s", err ? err : "?");
    return s;
}

/* What a poll does with a body: decode it, carry start times over from the snapshot it
 * replaces (be_poll_ok), free that one. */
void bench_decode_swap(enum format f, const char *body, size_t len, bool keep_raw,
                       struct snapshot **model);
void bench_decode_swap(enum format f, const char *body, size_t len, bool keep_raw,
                       struct snapshot **model)
{
    struct snapshot *s = decode(f, body, len, keep_raw);
    snap_carry_t0(s, *model, 1513946906000);
    snap_free(*model);
    *model = s;
}

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Bytes the heap holds for us: small blocks plus the mmapped large ones. */
static size_t heap_used(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* A bump allocator for cJSON_InitHooks: the tree of one body dies at once, so its nodes need
 * no free of their own. */
struct arena_chunk {
    struct arena_chunk *next;
    size_t used, size;
    max_align_t data[];
};
static struct arena_chunk *arena;

static void *arena_malloc(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (!arena || arena->size - arena->used < n) {
        size_t size = n > ((size_t)1 << 20) ? n : ((size_t)1 << 20);
        struct arena_chunk *c = xmalloc(sizeof *c + size);
        c->size = size;
        c->used = 0;
        c->next = arena;
        arena = c;
    }
    void *p = (char *)arena->data + arena->used;
    arena->used += n;
    return p;
}

static void arena_free(void *p)
{
    (void)p;
}

/* Rewind for the next body; a poll's arena keeps its memory, so it becomes one block that
 * holds a whole tree. */
static void arena_reset(bool release)
{
    size_t total = 0;
    while (arena && (release || arena->next)) {
        struct arena_chunk *next = arena->next;
        total += arena->size;
        free(arena);
        arena = next;
    }
    if (!release && !arena && total)
        (void)arena_malloc(total);
    if (arena)
        arena->used = 0;
}

static void use_arena(bool on)
{
    cJSON_Hooks hooks = {on ? arena_malloc : NULL, on ? arena_free : NULL};
    cJSON_InitHooks(&hooks);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define MAX_REPS 31

/* Interleave the reference and the variants so that a burst of load hits them alike. */
static void time_size(enum format f, size_t n)
{
    size_t len;
    char *body = gen_body(f, n, &len);
    char *copy = xmalloc(len);
    memcpy(copy, body, len);
    int reps = n <= 1000 ? MAX_REPS : n <= 10000 ? 9 : 3;
    double bare[MAX_REPS] = {0}, swap[MAX_REPS] = {0}, noraw[MAX_REPS] = {0};
    double arena_t[MAX_REPS] = {0}, cmp[MAX_REPS] = {0};
    struct snapshot *model = decode(f, body, len, true);
    bench_bare(body, len); /* the heap grows to its size once, outside the figures */
    for (int r = 0; r < reps; r++) {
        double t0 = cpu_ms();
        bench_bare(body, len);
        double t1 = cpu_ms();
        bench_decode_swap(f, body, len, true, &model);
        double t2 = cpu_ms();
        bench_decode_swap(f, body, len, false, &model);
        double t3 = cpu_ms();
        use_arena(true);
        bench_decode_swap(f, body, len, true, &model);
        use_arena(false);
        arena_reset(false);
        double t4 = cpu_ms();
        /* What recognising an unchanged body costs: one pass over it. */
        sink += (size_t)memcmp(body, copy, len);
        double t5 = cpu_ms();
        bare[r] = t1 - t0;
        swap[r] = t2 - t1;
        noraw[r] = t3 - t2;
        arena_t[r] = t4 - t3;
        cmp[r] = t5 - t4;
    }
    snap_free(model);
    arena_reset(true);
    printf("{\"what\":\"decode\",\"format\":\"%s\",\"n\":%zu,\"bytes\":%zu,\"reps\":%d,"
           "\"bare_ms\":%.3f,\"swap_ms\":%.3f,\"noraw_ms\":%.3f,\"arena_ms\":%.3f,"
           "\"cmp_ms\":%.4f}\n",
           format_names[f], n, len, reps, median(bare, reps), median(swap, reps),
           median(noraw, reps), median(arena_t, reps), median(cmp, reps));
    fflush(stdout);
    free(copy);
    free(body);
}

/* Heap held by the tree of a body and by the model decoded from it. */
static void weigh(enum format f, size_t n)
{
    size_t len;
    char *body = gen_body(f, n, &len);
    size_t h0 = heap_used();
    cJSON *root = cJSON_ParseWithLength(body, len);
    size_t tree = heap_used() - h0;
    cJSON_Delete(root);
    h0 = heap_used();
    struct snapshot *s = decode(f, body, len, true);
    size_t model = heap_used() - h0;
    snap_free(s);
    h0 = heap_used();
    s = decode(f, body, len, false);
    size_t model_noraw = heap_used() - h0;
    snap_free(s);
    printf("{\"what\":\"memory\",\"format\":\"%s\",\"n\":%zu,\"bytes\":%zu,\"tree\":%zu,"
           "\"model\":%zu,\"model_noraw\":%zu}\n",
           format_names[f], n, len, tree, model, model_noraw);
    fflush(stdout);
    free(body);
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_decode table [N...]\n"
                    "       bench_decode once jade|issabel N bare|decode|decode_noraw\n");
    return 2;
}

static bool parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || *end || v == 0 || v > 10000000)
        return false;
    *out = (size_t)v;
    return true;
}

static int run_once(char **argv)
{
    enum format f = strcmp(argv[0], "jade") == 0 ? FMT_JADE : FMT_ISSABEL;
    size_t n, len;
    if (!parse_size(argv[1], &n))
        return usage();
    char *body = gen_body(f, n, &len);
    struct snapshot *model = decode(f, body, len, true);
    if (strcmp(argv[2], "bare") == 0)
        bench_bare(body, len);
    else
        bench_decode_swap(f, body, len, strcmp(argv[2], "decode") == 0, &model);
    snap_free(model);
    free(body);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "once") == 0)
        return run_once(argv + 2);
    if (argc < 2 || strcmp(argv[1], "table") != 0)
        return usage();
    /* Keep freed memory in the heap: otherwise whichever variant runs after glibc gave pages
     * back pays the page faults of getting them again (a third of a 10k jade parse here),
     * and the order of the runs decides the ratios. */
    (void)mallopt(M_TRIM_THRESHOLD, 1 << 30);
    (void)mallopt(M_MMAP_THRESHOLD, 1 << 30);
    size_t sizes[8] = {1000, 10000, 100000};
    int nsizes = 3;
    if (argc > 2) {
        nsizes = 0;
        for (int i = 2; i < argc && nsizes < 8; i++) {
            if (!parse_size(argv[i], &sizes[nsizes++]))
                return usage();
        }
    }
    for (int f = FMT_JADE; f <= FMT_ISSABEL; f++) {
        weigh((enum format)f, 10000);
        for (int i = 0; i < nsizes; i++)
            time_size((enum format)f, sizes[i]);
    }
    return 0;
}
