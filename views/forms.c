/* The forms of the table views, built from the backend's field schema: add a record (A),
 * edit one (e), edit every marked one (E), and the queue member shortcuts: pause with a
 * reason (p) and penalty (P). Every form ends in a plan that tview_act.c runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/changes.h"
#include "tui/app.h"
#include "tui/dialog.h"
#include "views/tview.h"
#include "views/view.h"

#define FORM_MAX 24

struct tview_form {
    enum action act;
    struct backend *be; /* add: where the record goes */
    const struct record_schema *rs;
    int field[FORM_MAX]; /* dialog field -> schema field */
    char *before[FORM_MAX];
    int nf;
    struct tview_target *t;
    size_t n;
    struct dialog *d; /* the app owns it; valid until done() returns */
    bool unpause;
    int count_field;       /* add: the "How many" field, -1 when the kind has no ranges */
    struct addrange range; /* add: the records a range makes, while it is confirmed */
};

void tview_form_free(struct tview_form *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->nf; i++)
        free(f->before[i]);
    addrange_free(&f->range);
    tview_targets_free(f->t, f->n);
    free(f);
}

static const struct field_schema *schema_named(const struct record_schema *rs, const char *name)
{
    for (int i = 0; rs && i < rs->nfields; i++) {
        if (strcmp(rs->fields[i].name, name) == 0)
            return &rs->fields[i];
    }
    return NULL;
}

/* The backend an action goes to: the shown one, or the cursor row's in the fleet. */
static struct backend *current_backend(const struct tview *tv)
{
    if (tv->be)
        return tv->be;
    return tv->rows.nvis ? rows_src_of(&tv->rows, (size_t)tv->rows.cursor)->tag : NULL;
}

static const char *op_blocked(const struct tview *tv, struct backend *be, unsigned op,
                              const char *field)
{
    static char why[200];
    const struct tview_spec *sp = tv->spec;
    const struct record_schema *rs = be ? be_schema(be, sp->kind) : NULL;
    const struct field_schema *fs = field ? schema_named(rs, field) : NULL;
    if (!be)
        return "no row selected";
    if (!rs || !(rs->ops & op) || (field && (!fs || (fs->flags & FS_CREATE_ONLY)))) {
        (void)snprintf(why, sizeof why, "%s cannot %s %s%s%s through its API", be_label(be),
                       op == OP_CREATE ? "add" : "change", field ? "the " : "",
                       field ? field : sp->many, field ? " of members" : "");
        return why;
    }
    if (be_read_only(be)) {
        (void)snprintf(why, sizeof why, "%s is read-only", be_name(be));
        return why;
    }
    if (op != OP_CREATE && !tv->rows.nvis) {
        (void)snprintf(why, sizeof why, "no %s to change", sp->one);
        return why;
    }
    if (op != OP_CREATE && tview_stale(tv, be, why, sizeof why))
        return why;
    return NULL;
}

const char *tview_form_blocked(const struct tview *tv, enum action act)
{
    struct backend *be = current_backend(tv);
    bool members = tv->spec->kind == KIND_QUEUEMEMBERS;
    switch (act) {
    case ACT_ADD:
        return op_blocked(tv, tv->be ? tv->be : be, OP_CREATE, NULL);
    case ACT_EDIT:
    case ACT_BULK_EDIT:
        return op_blocked(tv, be, OP_UPDATE, NULL);
    case ACT_MEMBER_PAUSE:
        return members ? op_blocked(tv, be, OP_UPDATE, "paused") : "only queue members pause";
    case ACT_PENALTY:
        return members ? op_blocked(tv, be, OP_UPDATE, "penalty")
                       : "only queue members have a penalty";
    default:
        return NULL;
    }
}

static const char *const bool_choices[] = {"true", "false", NULL};

/* A dialog field for schema field fs, with its choices and masking. */
static void add_field(struct tview_form *f, int si, const char *initial)
{
    const struct field_schema *fs = &f->rs->fields[si];
    char *label =
        xasprintf("%s%s:", fs->label, (fs->flags & FS_REQUIRED) && f->act == ACT_ADD ? " *" : "");
    int i = dialog_add_input(f->d, label, initial, NULL);
    free(label);
    if (fs->type == FT_BOOL)
        dialog_set_choices(f->d, i, bool_choices);
    else if (fs->choices)
        dialog_set_choices(f->d, i, fs->choices);
    if (fs->flags & FS_SECRET)
        dialog_set_secret(f->d, i);
    f->field[f->nf] = si;
    f->before[f->nf] = xstrdup(initial ? initial : "");
    f->nf++;
}

/* The record's value of schema field `name` as a form shows it, or NULL when the record has
 * no such field (or it is a secret, never shown). */
static char *current_value(const struct tview *tv, const struct record *r,
                           const struct field_schema *fs)
{
    int k = kind_field(tv->spec->kind, fs->name);
    if (k < 0 || !r || !r->v[k] || (fs->flags & FS_SECRET))
        return NULL;
    char *v = xstrdup(r->v[k]);
    for (char *p = v; *p; p++) {
        if (*p == '\x1f')
            *p = ',';
    }
    return v;
}

static const struct record *cursor_record(const struct tview *tv)
{
    return tv->rows.nvis ? rows_rec(&tv->rows, (size_t)tv->rows.cursor) : NULL;
}

/* The change a form describes: the fields whose text differs from what they started with.
 * names and values point into f and the dialog; returns how many. */
static int form_values(struct tview_form *f, const char **names, const char **values)
{
    int n = 0;
    for (int i = 0; i < f->nf; i++) {
        const char *text = dialog_input(f->d, i);
        /* An edit sends what changed (emptied: null); add and bulk edit what was typed. */
        bool send = f->act == ACT_EDIT ? strcmp(text, f->before[i]) != 0 : *text != '\0';
        if (!send)
            continue;
        names[n] = f->rs->fields[f->field[i]].name;
        values[n++] = *text ? text : NULL;
    }
    return n;
}

static void form_done(void *ud, bool confirmed);

/* Open f's dialog; the view keeps f until the dialog closes. */
static void form_open(struct tview *tv, struct tview_form *f)
{
    tview_form_free(tv->form);
    tv->form = f;
    app_open_dialog(tv->app, f->d, form_done, tv);
}

static struct tview_form *form_new(struct tview *tv, enum action act, struct backend *be,
                                   const char *title, const char *button)
{
    struct tview_form *f = xcalloc(1, sizeof *f);
    f->act = act;
    f->be = be;
    f->rs = be_schema(be, tv->spec->kind);
    f->d = dialog_new(title, button, false);
    f->count_field = -1;
    return f;
}

static void open_add(struct tview *tv)
{
    struct backend *be = tv->be ? tv->be : current_backend(tv);
    char *title = xasprintf("Add %s %s on %s", tv->spec->kind == KIND_EXTENSIONS ? "an" : "a",
                            tv->spec->one, be_name(be));
    struct tview_form *f = form_new(tv, ACT_ADD, be, title, "Add");
    free(title);
    const struct record *cur = cursor_record(tv);
    for (int i = 0; i < f->rs->nfields && f->nf < FORM_MAX; i++) {
        const struct field_schema *fs = &f->rs->fields[i];
        if (fs->flags & FS_READ_ONLY)
            continue;
        /* A new member most often joins the queue under the cursor. */
        char *queue = strcmp(fs->name, "queue") == 0 ? current_value(tv, cur, fs) : NULL;
        add_field(f, i, queue ? queue : fs->def);
        free(queue);
    }
    dialog_add_line(f->d, "Tab moves between fields; Left/Right pick a value; * is required.");
    if (addrange_offered(tv->spec->kind)) {
        f->count_field = dialog_add_input(f->d, "How many:", "1", NULL);
        dialog_add_line(f->d, "More than 1 adds a range counting up from the extension;");
        dialog_add_line(f->d, "{ext} in another field becomes each record's number.");
    }
    form_open(tv, f);
}

/* The cursor's record alone (e), or the marked ones (E, p, P). */
static size_t form_targets(struct tview *tv, bool cursor_only, struct tview_target **t)
{
    size_t hidden;
    if (!cursor_only || !tv->rows.marks.n)
        return tview_targets(tv, t, &hidden);
    struct idset saved = tv->rows.marks;
    idset_init(&tv->rows.marks);
    size_t n = tview_targets(tv, t, &hidden);
    idset_done(&tv->rows.marks);
    tv->rows.marks = saved;
    return n;
}

/* Targets on more than one backend cannot share one form: schemas differ. */
static bool one_backend(const struct tview_target *t, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        if (t[i].be != t[0].be)
            return false;
    }
    return true;
}

static void open_edit(struct tview *tv, bool bulk)
{
    struct tview_target *t;
    size_t n = form_targets(tv, !bulk, &t);
    if (!n || !one_backend(t, n)) {
        app_flash(tv->app, true,
                  n ? "Not editing: mark rows of one backend at a time"
                    : "Not editing: the marked rows are pending");
        tview_targets_free(t, n);
        return;
    }
    char *title = bulk && n > 1
                      ? xasprintf("Edit %zu %s (empty fields stay as they are)", n, tv->spec->many)
                      : xasprintf("Edit %s", t[0].label);
    struct tview_form *f = form_new(tv, bulk ? ACT_BULK_EDIT : ACT_EDIT, t[0].be, title, "Apply");
    free(title);
    f->t = t;
    f->n = n;
    const struct record *cur = cursor_record(tv);
    for (int i = 0; i < f->rs->nfields && f->nf < FORM_MAX; i++) {
        const struct field_schema *fs = &f->rs->fields[i];
        if (fs->flags & (FS_READ_ONLY | FS_CREATE_ONLY))
            continue;
        char *v = f->act == ACT_EDIT ? current_value(tv, cur, fs) : NULL;
        add_field(f, i, v);
        free(v);
    }
    form_open(tv, f);
}

static bool all_paused(const struct tview *tv, const struct tview_target *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct snapshot *s = be_snapshot(t[i].be, tv->spec->kind);
        long at = s ? snap_find(s, t[i].id) : -1;
        const char *p = at >= 0 ? snap_get(s, (size_t)at)->v[QM_PAUSED] : NULL;
        if (!p || strcmp(p, "true") != 0)
            return false;
    }
    return true;
}

static void list_targets(struct dialog *d, const struct tview_target *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dialog_add_line(d, t[i].label);
}

static int schema_index(const struct record_schema *rs, const char *name)
{
    const struct field_schema *fs = schema_named(rs, name);
    return fs ? (int)(fs - rs->fields) : -1;
}

/* p: unpause when every target is paused, else pause with a reason picked or typed. */
static void open_pause(struct tview *tv)
{
    struct tview_target *t;
    size_t n = form_targets(tv, false, &t);
    if (!n) {
        free(t);
        app_flash(tv->app, true, "Not pausing: the marked members are pending");
        return;
    }
    bool unpause = all_paused(tv, t, n);
    char *title = n == 1 ? xasprintf("%s %s?", unpause ? "Unpause" : "Pause", t[0].label)
                         : xasprintf("%s %zu queue members?", unpause ? "Unpause" : "Pause", n);
    struct tview_form *f =
        form_new(tv, ACT_MEMBER_PAUSE, t[0].be, title, unpause ? "Unpause" : "Pause");
    free(title);
    f->t = t;
    f->n = n;
    f->unpause = unpause;
    list_targets(f->d, t, n);
    int reason = unpause ? -1 : schema_index(f->rs, "paused_reason");
    if (reason >= 0) {
        add_field(f, reason, NULL);
        const char *const *reasons = (const char *const *)tv->app->cfg->pause_reasons;
        if (reasons && reasons[0])
            dialog_set_choices(f->d, 0, reasons);
    }
    form_open(tv, f);
}

static void open_penalty(struct tview *tv)
{
    struct tview_target *t;
    size_t n = form_targets(tv, false, &t);
    if (!n) {
        free(t);
        app_flash(tv->app, true, "Not changing the penalty: the marked members are pending");
        return;
    }
    char *title = n == 1 ? xasprintf("Penalty of %s", t[0].label)
                         : xasprintf("Penalty of %zu queue members", n);
    struct tview_form *f = form_new(tv, ACT_PENALTY, t[0].be, title, "Set");
    free(title);
    f->t = t;
    f->n = n;
    list_targets(f->d, t, n);
    const struct record *cur = cursor_record(tv);
    add_field(f, schema_index(f->rs, "penalty"), n == 1 && cur ? cur->v[QM_PENALTY] : NULL);
    form_open(tv, f);
}

static void range_done(void *ud, bool confirmed)
{
    struct tview *tv = ud;
    struct tview_form *f = tv->form;
    tv->form = NULL;
    if (confirmed && f)
        tview_create_range(tv, f->be, &f->range);
    else
        app_flash(tv->app, false, "Nothing added");
    tview_form_free(f);
}

/* A form's create, once or as a range; a range is confirmed first, by its count typed back
 * when it is large. Returns true when f stays open for that confirmation. */
static bool add_records(struct tview *tv, struct tview_form *f, const struct change *c)
{
    char *err = NULL;
    const char *count = f->count_field >= 0 ? dialog_input(f->d, f->count_field) : "1";
    if (addrange_expand(c, "extension", count, &f->range, &err)) {
        app_flash(tv->app, true, "Not added: %s", err);
        free(err);
        return false;
    }
    if (f->range.n == 1) {
        tview_create_range(tv, f->be, &f->range);
        return false;
    }
    char *title = xasprintf("Add %zu %s, %s to %s, on %s?", f->range.n, tv->spec->many,
                            f->range.from, f->range.to, be_name(f->be));
    char *n = xasprintf("%zu", f->range.n);
    f->d = dialog_new(title, "Add", false);
    if (f->range.n >= 10)
        (void)dialog_add_input(f->d, "Type the count to confirm:", "", n);
    free(title);
    free(n);
    tv->form = f;
    app_open_dialog(tv->app, f->d, range_done, tv);
    return true;
}

static void form_done(void *ud, bool confirmed)
{
    struct tview *tv = ud;
    struct tview_form *f = tv->form;
    tv->form = NULL;
    if (!confirmed || !f) {
        tview_form_free(f);
        return;
    }
    const char *names[FORM_MAX + 1], *values[FORM_MAX + 1];
    int nv = form_values(f, names, values);
    struct change c = {.op = f->act == ACT_ADD ? OP_CREATE : OP_UPDATE,
                       .nvalues = nv,
                       .names = names,
                       .values = values};
    const char *past = "updated";
    if (f->act == ACT_MEMBER_PAUSE) {
        names[nv] = "paused";
        values[nv] = f->unpause ? "false" : "true";
        c.nvalues = nv + 1;
        past = f->unpause ? "unpaused" : "paused";
    }
    if (!c.nvalues) {
        app_flash(tv->app, false, "Nothing changed");
    } else if (f->act == ACT_ADD) {
        if (add_records(tv, f, &c))
            return; /* f stays, for the range's confirmation */
    } else if (f->act == ACT_BULK_EDIT) {
        tview_preview_open(tv, f->t, f->n, &c, f->rs);
        f->t = NULL;
        f->n = 0;
    } else {
        tview_change(tv, f->t, f->n, &c, past);
        f->t = NULL;
        f->n = 0;
    }
    tview_form_free(f);
}

bool tview_form_key(struct tview *tv, enum action act)
{
    if (act != ACT_ADD && act != ACT_EDIT && act != ACT_BULK_EDIT && act != ACT_MEMBER_PAUSE &&
        act != ACT_PENALTY)
        return false;
    const char *why = tview_form_blocked(tv, act);
    if (why) {
        app_flash(tv->app, true, "Not now: %s", why);
        return true;
    }
    switch (act) {
    case ACT_ADD:
        open_add(tv);
        break;
    case ACT_EDIT:
        open_edit(tv, false);
        break;
    case ACT_BULK_EDIT:
        open_edit(tv, true);
        break;
    case ACT_MEMBER_PAUSE:
        open_pause(tv);
        break;
    default:
        open_penalty(tv);
        break;
    }
    return true;
}
