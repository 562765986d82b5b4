#include "tui/input.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

/* No destructive action sits on a Ctrl key; each F-key has a letter twin. */
static const struct binding bindings[] = {
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

#define NBINDINGS (sizeof bindings / sizeof bindings[0])

enum action input_action(int ch)
{
    for (size_t i = 0; i < NBINDINGS; i++) {
        for (size_t k = 0; k < 4 && bindings[i].keys[k]; k++) {
            if (bindings[i].keys[k] == ch)
                return bindings[i].act;
        }
    }
    return ACT_NONE;
}

const struct binding *input_bindings(size_t *n)
{
    *n = NBINDINGS;
    return bindings;
}

const char *input_key_name(int ch)
{
    static char buf[16];
    switch (ch) {
    case ' ':
        return "Space";
    case '\t':
        return "Tab";
    case KEY_BTAB:
        return "S-Tab";
    case KEY_ESC:
        return "Esc";
    case KEY_DC:
        return "Del";
    case KEY_UP:
        return "Up";
    case KEY_DOWN:
        return "Down";
    case KEY_PPAGE:
        return "PgUp";
    case KEY_NPAGE:
        return "PgDn";
    case KEY_HOME:
        return "Home";
    case KEY_END:
        return "End";
    case '\n':
    case '\r':
    case KEY_ENTER:
        return "Enter";
    default:
        break;
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

void input_keys_text(const struct binding *b, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < 4 && b->keys[k] && o < size; k++) {
        int n = snprintf(buf + o, size - o, "%s%s", k ? "/" : "", input_key_name(b->keys[k]));
        if (n < 0)
            break;
        o += (size_t)n;
    }
}
