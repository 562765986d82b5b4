#include "net/schema.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "tui/text.h"
#include "tui/xalloc.h"

const struct field_schema *schema_field(const struct record_schema *s, const char *name)
{
    for (int i = 0; s && i < s->nfields; i++) {
        if (strcmp(s->fields[i].name, name) == 0)
            return &s->fields[i];
    }
    return NULL;
}

static bool parse_ll(const char *v, long long *out)
{
    char *end;
    errno = 0;
    *out = strtoll(v, &end, 10);
    return *v && !errno && !*end;
}

static bool is_bool(const char *v)
{
    static const char *const ok[] = {"true", "false", "yes", "no", "1", "0", "on", "off", NULL};
    for (int i = 0; ok[i]; i++) {
        if (strcmp(v, ok[i]) == 0)
            return true;
    }
    return false;
}

static bool in_choices(const char *const *choices, const char *v)
{
    for (int i = 0; choices[i]; i++) {
        if (strcmp(choices[i], v) == 0)
            return true;
    }
    return false;
}

static bool matches(const char *pattern, const char *v)
{
    regex_t re;
    char *anchored = xasprintf("^(%s)$", pattern);
    bool ok = regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) == 0;
    free(anchored);
    if (!ok)
        return false; /* a schema bug: refuse rather than send unchecked */
    ok = regexec(&re, v, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

/* The value as it may appear in a message: sanitised, and never a secret. */
static char *shown(const struct field_schema *f, const char *v)
{
    return (f->flags & FS_SECRET) ? xstrdup("(hidden)") : text_sanitized(v, TEXT_ASCII);
}

static char *range_error(const struct field_schema *f, const char *v, long long n)
{
    char *s = shown(f, v);
    char *msg = NULL;
    if (n < f->min)
        msg = xasprintf("%s: %s is below %lld", f->name, s, f->min);
    else if (n > f->max)
        msg = xasprintf("%s: %s is above %lld", f->name, s, f->max);
    free(s);
    return msg;
}

char *schema_check_value(const struct field_schema *f, const char *v)
{
    long long n;
    bool ranged = f->min != 0 || f->max != 0;
    if (!v)
        return (f->flags & FS_REQUIRED) ? xasprintf("%s: must have a value", f->name) : NULL;
    if (f->type == FT_INT && !parse_ll(v, &n))
        return xasprintf("%s: '%s' is not a whole number", f->name,
                         (f->flags & FS_SECRET) ? "(hidden)" : v);
    if (f->type == FT_BOOL && !is_bool(v))
        return xasprintf("%s: expected true or false", f->name);
    if (f->type == FT_INT && ranged)
        return range_error(f, v, n);
    if (f->type == FT_STR && ranged && (long long)strlen(v) < f->min)
        return xasprintf("%s: shorter than %lld characters", f->name, f->min);
    if (f->type == FT_STR && ranged && (long long)strlen(v) > f->max)
        return xasprintf("%s: longer than %lld characters", f->name, f->max);
    if (f->choices && !in_choices(f->choices, v)) {
        char *s = shown(f, v);
        char *msg = xasprintf("%s: '%s' is not one of the allowed values", f->name, s);
        free(s);
        return msg;
    }
    if (f->pattern && !matches(f->pattern, v)) {
        char *s = shown(f, v);
        char *msg = xasprintf("%s: '%s' has not the expected form", f->name, s);
        free(s);
        return msg;
    }
    return NULL;
}

static bool named(const struct change *c, const char *name)
{
    for (int i = 0; i < c->nvalues; i++) {
        if (strcmp(c->names[i], name) == 0)
            return true;
    }
    return false;
}

char *schema_check_change(const struct record_schema *s, const struct change *c)
{
    if (!s || !(s->ops & c->op))
        return xasprintf("this backend cannot %s %s", change_op_name(c->op),
                         kind_def(c->kind)->name);
    if (c->op != OP_CREATE && (!c->id || !*c->id))
        return xasprintf("%s needs the id of the record", change_op_name(c->op));
    for (int i = 0; i < c->nvalues; i++) {
        const struct field_schema *f = schema_field(s, c->names[i]);
        if (!f)
            return xasprintf("%s: not a field this backend can set", c->names[i]);
        if (f->flags & FS_READ_ONLY)
            return xasprintf("%s: read-only", f->name);
        if (c->op == OP_UPDATE && (f->flags & FS_CREATE_ONLY))
            return xasprintf("%s: can only be set when the record is created", f->name);
        char *err = schema_check_value(f, c->values[i]);
        if (err)
            return err;
    }
    for (int i = 0; c->op == OP_CREATE && i < s->nfields; i++) {
        const struct field_schema *f = &s->fields[i];
        if ((f->flags & FS_REQUIRED) && !f->def && !named(c, f->name))
            return xasprintf("%s: required to create %s", f->name, kind_def(c->kind)->name);
    }
    return NULL;
}
