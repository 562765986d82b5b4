#include "tui/input.h"

#include <curses.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The keys pbxtop starts with. No destructive action sits on a Ctrl key; each F-key has a
 * letter twin. The config's [keys] section changes a copy (table, below). */
static const struct binding defaults[] = {
    {ACT_DESTROY,
     "hangup",
     "hang up / remove / delete the marked rows, else the current one",
     {'X', KEY_F(9), KEY_DC, 0}},
    {ACT_MARK, "mark", "mark the current row and move down", {' ', 0}},
    {ACT_MARK_ALL, "mark-all", "mark every visible row", {'M', 0}},
    {ACT_UNMARK, "unmark", "clear all marks", {'U', 0}},
    {ACT_UP, "up", "move up", {'k', KEY_UP, 0}},
    {ACT_DOWN, "down", "move down", {'j', KEY_DOWN, 0}},
    {ACT_PGUP, "page-up", "page up", {KEY_PPAGE, 0}},
    {ACT_PGDN, "page-down", "page down", {KEY_NPAGE, 0}},
    {ACT_HOME, "top", "first row", {KEY_HOME, 'g', 0}},
    {ACT_END, "bottom", "last row", {KEY_END, 'G', 0}},
    {ACT_NEXT_VIEW, "next-view", "next view", {'\t', 0}},
    {ACT_PREV_VIEW, "prev-view", "previous view", {KEY_BTAB, 0}},
    {ACT_PAUSE, "pause", "pause / resume polling", {'Z', 0}},
    {ACT_POLL_NOW, "poll", "poll now", {KEY_CTRL('r'), 0}},
    {ACT_REDRAW, "redraw", "redraw the screen", {KEY_CTRL('l'), 0}},
    {ACT_HELP, "help", "this help", {'?', KEY_F(1), 0}},
    {ACT_CLOSE, "close", "close this screen", {KEY_ESC, 0}},
    {ACT_QUIT, "quit", "quit pbxtop", {'Q', 'q', KEY_F(10), 0}},
    {ACT_DETAILS, "details", "every field of the current record", {'\n', '\r', KEY_ENTER, 0}},
    {ACT_RAW, "raw", "details: show the backend's own JSON", {'r', 0}},
    {ACT_FILTER, "filter", "filter the rows (!text inverts, column:text)", {'/', KEY_F(4), 0}},
    {ACT_FIND_NEXT, "find-next", "next row matching the filter text", {'n', 0}},
    {ACT_FIND_PREV, "find-prev", "previous row matching the filter text", {'N', 0}},
    {ACT_SORT_NEXT, "sort-next", "sort by the next column", {'>', KEY_F(6), 0}},
    {ACT_SORT_PREV, "sort-prev", "sort by the previous column", {'<', 0}},
    {ACT_SORT_REVERSE, "sort-reverse", "reverse the sort order", {'I', 0}},
    {ACT_FOLLOW, "follow", "cursor follows its record / keeps its row", {'F', 0}},
    {ACT_COLUMNS, "columns", "choose, hide and order the columns", {'C', 0}},
    {ACT_EDIT, "edit", "edit the current record", {'e', 0}},
    {ACT_BULK_EDIT, "bulk-edit", "edit every marked record", {'E', 0}},
    {ACT_ADD, "add", "add a record", {'A', 0}},
    {ACT_MEMBER_PAUSE, "member-pause", "pause / unpause a queue member", {'p', 0}},
    {ACT_PENALTY, "penalty", "set a queue member's penalty", {'P', 0}},
    {ACT_COMMAND, "command", "command mode (:ext :ch :backend NAME :w FILE ...)", {':', 0}},
};

#define NBINDINGS (sizeof defaults / sizeof defaults[0])

static struct binding table[NBINDINGS];
static bool table_ready;

/* The table as bound now; the defaults until input_bind() changes it. */
static struct binding *bound(void)
{
    if (!table_ready)
        input_reset();
    return table;
}

void input_reset(void)
{
    memcpy(table, defaults, sizeof table);
    table_ready = true;
}

/* One code for keys that terminals send in several ways: Enter as CR, LF or KEY_ENTER,
 * Backspace as DEL, ^H or KEY_BACKSPACE. */
static int canon(int ch)
{
    if (ch == '\r' || ch == KEY_ENTER)
        return '\n';
    if (ch == 127 || ch == KEY_CTRL('h'))
        return KEY_BACKSPACE;
    return ch;
}

enum action input_action(int ch)
{
    const struct binding *b = bound();
    ch = canon(ch);
    for (size_t i = 0; i < NBINDINGS; i++) {
        for (size_t k = 0; k < INPUT_MAX_KEYS && b[i].keys[k]; k++) {
            if (canon(b[i].keys[k]) == ch)
                return b[i].act;
        }
    }
    return ACT_NONE;
}

const struct binding *input_bindings(size_t *n)
{
    *n = NBINDINGS;
    return bound();
}

enum action input_action_named(const char *name)
{
    const struct binding *b = bound();
    for (size_t i = 0; i < NBINDINGS; i++) {
        if (strcmp(b[i].name, name) == 0)
            return b[i].act;
    }
    return ACT_NONE;
}

static struct binding *binding_of(enum action act)
{
    struct binding *b = bound();
    for (size_t i = 0; i < NBINDINGS; i++) {
        if (b[i].act == act)
            return &b[i];
    }
    return NULL;
}

int input_first_key(enum action act)
{
    const struct binding *b = binding_of(act);
    return b ? b->keys[0] : 0;
}

/* Take key ch away from every action that has it. */
static void unbind_key(int ch)
{
    struct binding *b = bound();
    for (size_t i = 0; i < NBINDINGS; i++) {
        size_t o = 0;
        for (size_t k = 0; k < INPUT_MAX_KEYS && b[i].keys[k]; k++) {
            if (canon(b[i].keys[k]) != ch)
                b[i].keys[o++] = b[i].keys[k];
        }
        for (; o < INPUT_MAX_KEYS; o++)
            b[i].keys[o] = 0;
    }
}

int input_bind(enum action act, const int *keys, size_t n)
{
    struct binding *b = binding_of(act);
    int want[INPUT_MAX_KEYS];
    size_t nwant = 0;
    if (!b)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int ch = canon(keys[i]);
        bool dup = false;
        for (size_t j = 0; j < nwant; j++)
            dup = dup || want[j] == ch;
        if (ch <= 0 || (!dup && nwant == INPUT_MAX_KEYS))
            return -1;
        if (!dup)
            want[nwant++] = ch;
    }
    memset(b->keys, 0, sizeof b->keys);
    for (size_t i = 0; i < nwant; i++)
        unbind_key(want[i]);
    memcpy(b->keys, want, nwant * sizeof want[0]);
    return 0;
}

bool input_key_is_ctrl(int ch)
{
    return ch > 0 && ch < 32 && ch != '\t' && ch != '\n' && ch != '\r' && ch != KEY_ESC;
}

/* Keys with a name of their own; the first name of a key is how it is shown. */
static const struct {
    const char *name;
    int key;
} named_keys[] = {
    {"Space", ' '},          {"Tab", '\t'},
    {"S-Tab", KEY_BTAB},     {"Shift-Tab", KEY_BTAB},
    {"BTab", KEY_BTAB},      {"Esc", KEY_ESC},
    {"Escape", KEY_ESC},     {"Enter", '\n'},
    {"Return", '\n'},        {"Del", KEY_DC},
    {"Delete", KEY_DC},      {"Ins", KEY_IC},
    {"Insert", KEY_IC},      {"Backspace", KEY_BACKSPACE},
    {"BS", KEY_BACKSPACE},   {"Up", KEY_UP},
    {"Down", KEY_DOWN},      {"Left", KEY_LEFT},
    {"Right", KEY_RIGHT},    {"PgUp", KEY_PPAGE},
    {"PageUp", KEY_PPAGE},   {"PgDn", KEY_NPAGE},
    {"PageDown", KEY_NPAGE}, {"Home", KEY_HOME},
    {"End", KEY_END},        {"Comma", ','},
};

#define NNAMED (sizeof named_keys / sizeof named_keys[0])

const char *input_key_name(int ch)
{
    static char buf[16];
    ch = canon(ch);
    for (size_t i = 0; i < NNAMED; i++) {
        if (named_keys[i].key == ch && ch != ',')
            return named_keys[i].name;
    }
    if (ch >= KEY_F(1) && ch <= KEY_F(12))
        (void)snprintf(buf, sizeof buf, "F%d", ch - KEY_F(0));
    else if (ch > 0 && ch < 32)
        (void)snprintf(buf, sizeof buf, "^%c", ch + '@');
    else if (ch > 32 && ch < 127)
        (void)snprintf(buf, sizeof buf, "%c", ch);
    else
        (void)snprintf(buf, sizeof buf, "#%d", ch);
    return buf;
}

/* "^R", "Ctrl-R", "C-r": the control code of the letter (or of @ [ \\ ] ^ _), else -1. */
static int parse_ctrl(const char *name)
{
    const char *c = NULL;
    if (name[0] == '^' && name[1])
        c = name + 1;
    else if (strncasecmp(name, "Ctrl-", 5) == 0 && name[5])
        c = name + 5;
    else if (strncasecmp(name, "C-", 2) == 0 && name[2])
        c = name + 2;
    if (!c || c[1])
        return -1;
    int up = (*c >= 'a' && *c <= 'z') ? *c - 'a' + 'A' : *c;
    return up >= '@' && up <= '_' ? up - '@' : -1;
}

int input_key_parse(const char *name)
{
    size_t len = strlen(name);
    if (len == 1 && name[0] > ' ' && name[0] < 127)
        return name[0]; /* case matters: x and X are different keys */
    for (size_t i = 0; i < NNAMED; i++) {
        if (strcasecmp(named_keys[i].name, name) == 0)
            return named_keys[i].key;
    }
    if ((name[0] == 'F' || name[0] == 'f') && len >= 2 && len <= 3) {
        char *end;
        long n = strtol(name + 1, &end, 10);
        if (!*end && n >= 1 && n <= 12 && name[1] != '0')
            return KEY_F((int)n);
    }
    int c = parse_ctrl(name);
    return c > 0 ? c : -1;
}

/* Append "/name" (or "name" first) to buf unless that name is there already. */
static void add_key_name(char *buf, size_t size, int ch)
{
    const char *name = input_key_name(ch);
    size_t nlen = strlen(name), o = strlen(buf);
    for (const char *p = buf; *p;) {
        size_t n = strcspn(p, "/");
        if (n == nlen && strncmp(p, name, n) == 0)
            return;
        p += n + (p[n] == '/');
    }
    (void)snprintf(buf + o, size - o, "%s%s", o ? "/" : "", name);
}

void input_keys_text(const struct binding *b, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t k = 0; k < INPUT_MAX_KEYS && b->keys[k]; k++)
        add_key_name(buf, size, b->keys[k]);
}

static bool is_fkey(int ch)
{
    return ch >= KEY_F(1) && ch <= KEY_F(12);
}

void input_hint_keys(enum action act, char *buf, size_t size)
{
    const struct binding *b = binding_of(act);
    int shown = 0;
    buf[0] = '\0';
    for (int pass = 0; b && pass < 2; pass++) {
        for (size_t k = 0; k < INPUT_MAX_KEYS && b->keys[k] && shown < 2; k++) {
            if (is_fkey(b->keys[k]) != (pass == 0))
                continue;
            add_key_name(buf, size, b->keys[k]);
            shown++;
        }
    }
}
