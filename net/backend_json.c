#include "net/backend_json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/xalloc.h"

cJSON *bj_parse(const char *body, size_t len, char **err)
{
    const char *end = NULL;
    size_t i = 0;
    while (i < len && strchr(" \t\r\n", body[i]))
        i++;
    if (i == len) {
        *err = xstrdup("empty answer where JSON was expected");
        return NULL;
    }
    cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, false);
    if (!root) {
        size_t at = end && end >= body ? (size_t)(end - body) : 0;
        *err = xasprintf("answer is not valid JSON (error at byte %zu of %zu)", at, len);
        return NULL;
    }
    *err = NULL;
    return root;
}

static bool integral(double d)
{
    return isfinite(d) && d == floor(d) && fabs(d) < 9.007199254740992e15;
}

const char *bj_text(const cJSON *it, char *buf, size_t bufsz)
{
    if (!it)
        return NULL;
    if (cJSON_IsString(it))
        return it->valuestring;
    if (cJSON_IsBool(it))
        return cJSON_IsTrue(it) ? "true" : "false";
    if (cJSON_IsNumber(it)) {
        if (integral(it->valuedouble))
            (void)snprintf(buf, bufsz, "%lld", (long long)it->valuedouble);
        else
            (void)snprintf(buf, bufsz, "%.15g", it->valuedouble);
        return buf;
    }
    return NULL;
}

bool bj_int(const cJSON *it, long long *out)
{
    if (cJSON_IsNumber(it) && integral(it->valuedouble)) {
        *out = (long long)it->valuedouble;
        return true;
    }
    if (!cJSON_IsString(it) || !it->valuestring[0])
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(it->valuestring, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

bool bj_bool(const cJSON *it, bool *out)
{
    long long n;
    if (cJSON_IsBool(it)) {
        *out = cJSON_IsTrue(it);
        return true;
    }
    if (bj_int(it, &n) && (n == 0 || n == 1)) {
        *out = n == 1;
        return true;
    }
    if (!cJSON_IsString(it))
        return false;
    static const char *const yes[] = {"true", "yes", "on", "y"};
    static const char *const no[] = {"false", "no", "off", "n"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(it->valuestring, yes[i]) == 0 || strcasecmp(it->valuestring, no[i]) == 0) {
            *out = strcasecmp(it->valuestring, yes[i]) == 0;
            return true;
        }
    }
    return false;
}

void bj_set_text(struct snapshot *s, size_t i, int f, const cJSON *it)
{
    char buf[64];
    snap_set(s, i, f, bj_text(it, buf, sizeof buf));
}

void bj_set_int(struct snapshot *s, size_t i, int f, const cJSON *it)
{
    long long v;
    if (bj_int(it, &v))
        snap_set_int(s, i, f, v);
    else
        snap_set(s, i, f, NULL);
}

void bj_set_bool(struct snapshot *s, size_t i, int f, const cJSON *it)
{
    bool v;
    if (bj_bool(it, &v))
        snap_set_bool(s, i, f, v);
    else
        snap_set(s, i, f, NULL);
}

void bj_set_raw(struct snapshot *s, size_t i, const cJSON *obj)
{
    char *txt = cJSON_PrintUnformatted(obj);
    if (!txt)
        die("out of memory");
    snap_set_raw(s, i, txt);
    cJSON_free(txt);
}

static int cmp_key(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

void bj_pick(const cJSON *obj, const char *const *keys, int n, const cJSON **out)
{
    for (int i = 0; i < n; i++)
        out[i] = NULL;
    for (const cJSON *c = obj ? obj->child : NULL; c; c = c->next) {
        if (!c->string)
            continue;
        const char *const *k = bsearch(c->string, keys, (size_t)n, sizeof *keys, cmp_key);
        if (k)
            out[k - keys] = c;
    }
}

bool bj_seconds(const cJSON *it, long long *out)
{
    unsigned h, m, s;
    char end;
    if (bj_int(it, out))
        return *out >= 0;
    if (!cJSON_IsString(it) || sscanf(it->valuestring, "%u:%2u:%2u%c", &h, &m, &s, &end) != 3 ||
        m > 59 || s > 59)
        return false;
    *out = (long long)h * 3600 + m * 60 + s;
    return true;
}
