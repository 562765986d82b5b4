"""The channels view against the simulator: rows, header, navigation, marks, hang up and its
confirmation dialog, selection across polls, hostile text, read-only, auth failures.
DESIGN.md sections 6 and 8."""

import os
import re
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tuikit import (BACKEND, HINTS, alive, assert_no_delete, channel_deletes,  # noqa: E402
                    channel_gets, console, cursor_name, delete_path, dialog_box, find_row,
                    focused_button, header, header_calls, lines, move_cursor_to, pbxtop_pid,
                    row_names, status, table_rows, uid_of, wait_until)


def party(num, name):
    unknown = lambda s: not s or s == "<unknown>"  # noqa: E731
    if unknown(num) and unknown(name):
        return "-"
    if unknown(name) or num == name:
        return num
    if unknown(num):
        return '"%s"' % name
    return '%s "%s"' % (num, name)


def open_dialog(t, key="X"):
    t.send(key)
    return dialog_box(t.wait_for(lambda s: dialog_box(s) is not None, 3))


# ---------------------------------------------------------------- 1. rows and header

def test_rows_and_header(pbxtop):
    with console(pbxtop) as (sim, t):
        chans = sim.state(BACKEND)["channels"]
        s = t.screen()
        h = header(s)
        assert h.startswith(" pbxtop · office (jade) · channels · RW · polled "), h
        assert re.search(r"polled \d+s ago", h), h
        assert header_calls(s) == len(chans), (h, len(chans))
        titles = s.split("\n")[1].split()
        assert titles == ["CHANNEL", "STATE", "CALLER", "CONNECTED", "CONTEXT", "EXTEN", "APP",
                          "DUR"], titles
        names = row_names(s)
        assert names == sorted(c["channel"] for c in chans), names
        assert [m for m, _, _ in table_rows(s)].count(">") == 1, s
        assert cursor_name(s) == names[0], s
        for c in chans:
            _, line = find_row(s, c["channel"])
            assert c["channel_state_desc"][:4] in line, (c["channel_state_desc"], line)
            want = party(c["caller_id_num"], c["caller_id_name"])
            assert want[:12] in line, (want, line)
            assert re.search(r"\d\d:\d\d\s*$", line), line
        assert HINTS in status(s) and "F1/? Help" in status(s) and "F10/Q Quit" in status(s)
        # The poll really went to the backend, with a token.
        gets = channel_gets(sim)
        assert gets and all(g["query"].get("authtoken") for g in gets), gets[:2]

        # Durations tick every second.
        name = names[0]
        dur = lambda: find_row(t.screen(), name)[1].split()[-1]  # noqa: E731
        first = dur()
        wait_until(lambda: dur() != first, 3, what="the DUR column to tick")

        # The sim's changes show on the next poll, and the count follows.
        added = sim.op(BACKEND, "add_channel", channel={"channel": "PJSIP/299-0000beef"})
        t.wait_for(lambda s: "PJSIP/299-0000beef" in row_names(s)
                   and header_calls(s) == len(chans) + 1, 4)
        sim.op(BACKEND, "remove_channel", unique_id=added["unique_id"])
        gone = chans[-1]
        sim.op(BACKEND, "remove_channel", unique_id=gone["unique_id"])
        s = t.wait_for(lambda s: header_calls(s) == len(chans) - 1, 4)
        assert "PJSIP/299-0000beef" not in row_names(s) and gone["channel"] not in row_names(s)


def test_empty_list_and_one_call(pbxtop):
    with console(pbxtop) as (sim, t):
        sim.op(BACKEND, "set_channels", channels=[])
        s = t.wait_for("No live calls on office", 4)
        assert header_calls(s) == 0 and "0 calls" in header(s), header(s)
        # X on an empty list does not open a dialog.
        seq = sim.last_seq()
        t.send("X")
        t.wait_for("Not hanging up", 2)
        assert dialog_box(t.screen()) is None
        sim.op(BACKEND, "set_channels", channels=[{"channel": "PJSIP/201-00000001"}])
        s = t.wait_for(lambda s: row_names(s) == ["PJSIP/201-00000001"], 4)
        assert "1 call" in header(s) and "1 calls" not in header(s), header(s)
        assert cursor_name(s) == "PJSIP/201-00000001", s
        assert not channel_deletes(sim, seq)


def test_navigation_and_marks(pbxtop):
    many = [{"channel": "PJSIP/3%02d-%08x" % (i, i)} for i in range(40)]
    with console(pbxtop, wait_rows=False) as (sim, t):
        sim.op(BACKEND, "set_channels", channels=many)
        names = sorted(c["channel"] for c in many)
        s = t.wait_for(lambda s: header_calls(s) == 40 and table_rows(s), 6)
        visible = len(table_rows(s))
        assert visible == 27, (visible, s)           # 30 rows: header, titles, status
        assert cursor_name(s) == names[0]
        t.send("j")
        t.wait_for(lambda s: cursor_name(s) == names[1], 2)
        t.send("Down")
        t.wait_for(lambda s: cursor_name(s) == names[2], 2)
        t.send("k")
        t.wait_for(lambda s: cursor_name(s) == names[1], 2)
        t.send("Up")
        t.wait_for(lambda s: cursor_name(s) == names[0], 2)
        t.send("Up")                                  # stays on the first row
        t.send("End")
        s = t.wait_for(lambda s: cursor_name(s) == names[-1], 2)
        assert row_names(s)[-1] == names[-1] and names[0] not in row_names(s), row_names(s)
        t.send("Home")
        s = t.wait_for(lambda s: cursor_name(s) == names[0], 2)
        assert row_names(s)[0] == names[0]
        t.send("G")
        t.wait_for(lambda s: cursor_name(s) == names[-1], 2)
        t.send("g")
        t.wait_for(lambda s: cursor_name(s) == names[0], 2)
        t.send("NPage")
        s = t.wait_for(lambda s: cursor_name(s) not in (None, names[0]), 2)
        down = names.index(cursor_name(s))
        assert down >= 20, (down, s)                  # about a page
        t.send("PPage")
        t.wait_for(lambda s: cursor_name(s) == names[0], 2)

        # Space marks and moves down; Space again unmarks.
        t.send("Space")
        s = t.wait_for(lambda s: cursor_name(s) == names[1], 2)
        assert find_row(s, names[0])[0] == "*", find_row(s, names[0])
        assert "1 marked" in status(s), status(s)
        t.send("Space")
        s = t.wait_for("2 marked", 2)
        t.send("k", "Space")
        s = t.wait_for("1 marked", 2)
        assert find_row(s, names[1])[0] != "*", s
        # M marks every row, U clears.
        t.send("M")
        s = t.wait_for("40 marked", 2)
        assert all(m == "*" for m, _, _ in table_rows(s)), s
        # 40 targets do not fit in the dialog: it says how many more there are.
        seq = sim.last_seq()
        box = open_dialog(t)
        assert box["title"] == "Hang up 40 channels on office?", box
        assert box["lines"][0] == names[0], box
        more = [l for l in box["lines"] if re.match(r"\.\.\. and \d+ more", l)]
        # the names shown, "... and N more", then the count to type back (a large batch)
        assert box["lines"][-1].startswith("Type 40 to hang up:"), box
        assert more and int(more[0].split()[2]) + len(box["lines"]) - 2 == 40, box
        assert focused_button(t.screen()) == "Cancel"
        # y goes into the field: it cannot confirm forty hang-ups
        t.send("y", "Enter")
        assert_no_delete(sim, seq, "40 marked, y typed", settle=0.3)
        assert dialog_box(t.screen()) is not None
        t.send("Escape")
        t.wait_for(lambda s: dialog_box(s) is None, 2)
        assert_no_delete(sim, seq, "40 marked, cancelled", settle=0.2)
        t.send("U")
        s = t.wait_for(lambda s: "marked" not in status(s), 2)
        assert not any(m == "*" for m, _, _ in table_rows(s)), s


# ---------------------------------------------------------------- 2. hang up

def test_hangup_confirm_with_y(pbxtop):
    with console(pbxtop) as (sim, t):
        names = row_names(t.screen())
        target = names[2]
        uid = uid_of(sim, target)
        move_cursor_to(t, target)
        seq = sim.last_seq()
        box = open_dialog(t)
        assert box["title"] == "Hang up this channel on office?", box
        assert box["lines"] == [target], box
        assert focused_button(t.screen()) == "Cancel", box
        assert "[ Hang up ]" in box["buttons"], box
        t.send("y")
        s = t.wait_for(lambda s: "Hung up " + target in status(s), 4)
        assert dialog_box(s) is None, s
        t.wait_for(lambda s: target not in row_names(s) and header_calls(s) == len(names) - 1, 4)
        dels = channel_deletes(sim, seq)
        assert [d["path"] for d in dels] == [delete_path(uid)], dels
        assert dels[0]["query"].get("authtoken"), dels[0]
        assert_no_delete(sim, dels[0]["seq"], "after the single hang up")
        assert uid not in [c["unique_id"] for c in sim.state(BACKEND)["channels"]]


def test_hangup_cancel_keys(pbxtop):
    """Enter on the initially focused button (Cancel), n and Esc all cancel."""
    with console(pbxtop) as (sim, t):
        names = row_names(t.screen())
        seq = sim.last_seq()
        for key in ("Enter", "n", "Escape"):
            box = open_dialog(t)
            assert box["lines"] == [names[0]], box
            assert focused_button(t.screen()) == "Cancel"
            t.send(key)
            s = t.wait_for(lambda s: dialog_box(s) is None, 2)
            assert row_names(s) == names, (key, s)
            assert "Hung up" not in s, (key, s)
        # Tab twice comes back to Cancel: Enter still cancels.
        open_dialog(t)
        t.send("Tab")
        t.wait_for(lambda s: focused_button(s) == "Hang up", 2)
        t.send("Tab")
        t.wait_for(lambda s: focused_button(s) == "Cancel", 2)
        t.send("Enter")
        t.wait_for(lambda s: dialog_box(s) is None, 2)
        # Keys that are not the dialog's do nothing, and do not reach the table below.
        open_dialog(t)
        t.send("j", "Space", "M", "X")
        s = t.screen()
        assert dialog_box(s) is not None and focused_button(s) == "Cancel", s
        t.send("Escape")
        s = t.wait_for(lambda s: dialog_box(s) is None, 2)
        assert cursor_name(s) == names[0] and "marked" not in status(s), s
        assert_no_delete(sim, seq, "cancelled dialogs")


def test_hangup_tab_enter_confirms(pbxtop):
    with console(pbxtop) as (sim, t):
        names = row_names(t.screen())
        target = names[-1]
        uid = uid_of(sim, target)
        t.send("End")
        t.wait_for(lambda s: cursor_name(s) == target, 2)
        seq = sim.last_seq()
        open_dialog(t, "F9")
        t.send("Tab")
        s = t.wait_for(lambda s: focused_button(s) == "Hang up", 2)
        assert "[ Cancel ]" in dialog_box(s)["buttons"], s
        # Arrows move the focus too.
        t.send("Right")
        t.wait_for(lambda s: focused_button(s) == "Cancel", 2)
        t.send("Left")
        t.wait_for(lambda s: focused_button(s) == "Hang up", 2)
        t.send("Enter")
        t.wait_for(lambda s: "Hung up " + target in status(s), 4)
        t.wait_for(lambda s: target not in row_names(s), 4)
        dels = channel_deletes(sim, seq)
        assert [d["path"] for d in dels] == [delete_path(uid)], dels
        assert_no_delete(sim, dels[-1]["seq"], "after Tab Enter")



def test_hangup_two_marked_with_f9(pbxtop):
    with console(pbxtop) as (sim, t):
        names = row_names(t.screen())
        a, b = names[1], names[3]
        uids = {uid_of(sim, a), uid_of(sim, b)}
        move_cursor_to(t, a)
        t.send("Space")
        t.wait_for("1 marked", 2)
        move_cursor_to(t, b)
        t.send("Space")
        s = t.wait_for("2 marked", 2)
        assert find_row(s, a)[0] == "*" and find_row(s, b)[0] == "*", s
        seq = sim.last_seq()
        box = open_dialog(t, "F9")
        assert box["title"] == "Hang up 2 channels on office?", box
        assert box["lines"] == [a, b], box
        assert focused_button(t.screen()) == "Cancel"
        t.send("y")
        s = t.wait_for(lambda s: a not in row_names(s) and b not in row_names(s), 5)
        dels = channel_deletes(sim, seq)
        assert sorted(d["path"] for d in dels) == sorted(delete_path(u) for u in uids), dels
        assert_no_delete(sim, dels[-1]["seq"], "after two hang ups")
        s = t.wait_for(lambda s: header_calls(s) == len(names) - 2 and "marked" not in
                       status(s), 4)
        left = set(names) - {a, b}
        assert set(row_names(s)) == left, row_names(s)


def test_hangup_delete_key_shows_pending(pbxtop):
    with console(pbxtop) as (sim, t):
        names = row_names(t.screen())
        target = names[1]
        uid = uid_of(sim, target)
        move_cursor_to(t, target)
        sim.fault(backend=BACKEND, kind="delay", ms=1500, method="DELETE",
                  path="/core/channels/")
        seq = sim.last_seq()
        box = open_dialog(t, "DC")
        assert box["lines"] == [target]
        t.send("y")
        s = t.wait_for(lambda s: find_row(s, target) and "pending" in find_row(s, target)[1],
                       2)
        # A second X on the pending row does not send it again.
        t.send("X")
        s = t.wait_for(lambda s: dialog_box(s) is None and "Not hanging up" in status(s), 2)
        t.wait_for(lambda s: "Hung up " + target in status(s), 5)
        t.wait_for(lambda s: target not in row_names(s), 4)
        dels = channel_deletes(sim, seq)
        assert [d["path"] for d in dels] == [delete_path(uid)], dels
        assert_no_delete(sim, dels[0]["seq"], "after the Delete key")


def test_hangup_channel_already_gone(pbxtop):
    with console(pbxtop, "-d 30") as (sim, t):
        names = row_names(t.screen())
        target = names[0]
        uid = uid_of(sim, target)
        open_dialog(t)
        sim.op(BACKEND, "remove_channel", unique_id=uid)   # the call ends on its own meanwhile
        t.send("y")
        s = t.wait_for(lambda s: target + ": channel already gone" in status(s), 5)
        t.wait_for(lambda s: target not in row_names(s), 5)


def test_quit_asks_while_hangup_pending(pbxtop):
    with console(pbxtop) as (sim, t):
        target = row_names(t.screen())[0]
        sim.fault(backend=BACKEND, kind="hang", method="DELETE", path="/core/channels/")
        open_dialog(t)
        t.send("y")
        t.wait_for(lambda s: "pending" in (find_row(s, target) or ("", ""))[1], 3)
        t.send("q")
        s = t.wait_for("Quit pbxtop?", 2)
        assert "> Cancel <" in s, s
        t.send("n")
        s = t.wait_for(lambda s: "Quit pbxtop?" not in s, 2)
        assert "pbxtop · office" in header(s)
        t.send("F10")
        t.wait_for("Quit pbxtop?", 2)
        t.send("y")
        assert t.exit_code() == 0


# ---------------------------------------------------------------- 3. selection follows

def test_selection_follows_channel(pbxtop):
    with console(pbxtop) as (sim, t):
        names = row_names(t.screen())
        target = names[3]
        mark = names[0]
        t.send("Space")                       # mark the first row; the cursor moves on
        t.wait_for("1 marked", 2)
        # (a marked row shows `*` instead of `>`, so do not walk the cursor over it)
        move_cursor_to(t, target)
        for i in range(3):
            sim.op(BACKEND, "add_channel", channel={"channel": "PJSIP/10%d-0000000%d" % (i, i)})
        s = t.wait_for(lambda s: "PJSIP/100-00000000" in row_names(s)
                       and header_calls(s) == len(names) + 3, 4)
        assert row_names(s)[:3] == ["PJSIP/100-00000000", "PJSIP/101-00000001",
                                    "PJSIP/102-00000002"], row_names(s)
        assert cursor_name(s) == target, s
        assert find_row(s, mark)[0] == "*", s
        # A channel before it goes away: still on it.
        sim.op(BACKEND, "remove_channel", unique_id=uid_of(sim, names[1]))
        s = t.wait_for(lambda s: names[1] not in row_names(s), 4)
        assert cursor_name(s) == target, s
        assert find_row(s, mark)[0] == "*", s
        # Marks win over the cursor; without marks the hang up names the cursor's channel.
        seq = sim.last_seq()
        box = open_dialog(t, "X")
        assert box["lines"] == [mark], box
        t.send("Escape")
        # The marked channel ends: its mark goes with it.
        sim.op(BACKEND, "remove_channel", unique_id=uid_of(sim, mark))
        t.wait_for(lambda s: mark not in row_names(s) and "marked" not in status(s)
                   and dialog_box(s) is None, 4)
        box = open_dialog(t, "X")
        assert box["lines"] == [target], box
        t.send("Escape")
        t.wait_for(lambda s: dialog_box(s) is None, 2)
        assert_no_delete(sim, seq, "selection test", settle=0.2)
        # The channel under the cursor leaves: the cursor stays about where it was.
        pos = row_names(t.screen()).index(target)
        sim.op(BACKEND, "remove_channel", unique_id=uid_of(sim, target))
        s = t.wait_for(lambda s: target not in row_names(s), 4)
        cur = cursor_name(s)
        assert cur is not None and row_names(s).index(cur) in (pos - 1, pos), (pos, s)


# ---------------------------------------------------------------- 5. hostile text

def test_hostile_text_is_escaped(pbxtop):
    osc = "\x1b]2;PWNED\x07"
    with console(pbxtop, x=200, y=30) as (sim, t):
        title_before = t.title()
        sim.op(BACKEND, "add_channel", channel={
            "channel": "PJSIP/701-00000001", "caller_id_num": "<unknown>",
            "caller_id_name": osc})
        sim.op(BACKEND, "add_channel", channel={
            "channel": "PJSIP/702-00000002", "caller_id_num": "702",
            "caller_id_name": "abc\u202edef", "connected_line_num": "<unknown>",
            "connected_line_name": "x\u009by"})
        sim.op(BACKEND, "add_channel", channel={
            "channel": "PJSIP/703-\x1b]2;PWNED2\x07", "caller_id_num": "703",
            "caller_id_name": "raw\udc9bbyte"})
        s = t.wait_for(lambda s: "PJSIP/703-" in s and "PJSIP/701-" in s, 4)
        _, l1 = find_row(s, "PJSIP/701-00000001")
        assert '"\\x1b]2;PWNED\\x07"' in l1, l1
        _, l2 = find_row(s, "PJSIP/702-00000002")
        assert 'abc\\u202edef' in l2, l2
        assert '"x\\u009by"' in l2, l2
        assert "PJSIP/703-\\x1b]2;PWNED2\\x07" in row_names(s), row_names(s)
        _, l3 = find_row(s, "PJSIP/703-\\x1b]2;PWNED2\\x07")
        assert "raw\\x9bbyte" in l3, l3
        for bad in ("\u202e", "\u009b", "\x1b", "\x07"):
            assert bad not in s, repr(bad)
        raw = t.screen(escapes=True)
        assert "\x1b]" not in raw and "\u202e" not in raw and "\u009b" not in raw
        assert "PWNED" not in t.title(), t.title()
        assert t.title() == title_before, (title_before, t.title())
        # The layout is intact: header on row 0, one cursor.
        assert header(s).startswith(" pbxtop · office"), header(s)
        # The confirmation dialog escapes the channel name too.
        move_cursor_to(t, "PJSIP/703-\\x1b]2;PWNED2\\x07")
        box = open_dialog(t)
        assert box["lines"] == ["PJSIP/703-\\x1b]2;PWNED2\\x07"], box
        assert "PWNED" not in t.title()
        # ... and so does the flash after the hang up.
        t.send("y")
        t.wait_for(lambda s: "Hung up PJSIP/703-\\x1b]2;PWNED2\\x07" in status(s), 4)
        assert "PWNED" not in t.title(), t.title()


def display_width(text):
    w = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def test_wide_and_combining_text_keeps_columns(pbxtop):
    with console(pbxtop) as (sim, t):
        sim.op(BACKEND, "add_channel", channel={
            "channel": "PJSIP/101-00000001", "caller_id_num": "301",
            "caller_id_name": "\u65e5\u672c\u8a9e\u306e\u540d\u524d\u30c6\u30b9\u30c8"})
        sim.op(BACKEND, "add_channel", channel={
            "channel": "PJSIP/102-00000001", "caller_id_num": "302",
            "caller_id_name": "Zoe\u0301 e\u0301e\u0301 \U0001F600 long name here"})
        s = t.wait_for(lambda s: "PJSIP/102-00000001" in row_names(s), 4)
        ends = {name: display_width(line.rstrip()) for _, name, line in table_rows(s)}
        assert len(set(ends.values())) == 1, ("rows end in different columns", ends, s)
        for _, name, line in table_rows(s):
            m = re.search(r"\d\d:\d\d\s*$", line)
            assert m, line
        assert display_width(lines(s)[1].rstrip()) == list(ends.values())[0], (lines(s)[1], ends)


def test_hangup_refuses_unsafe_ids(pbxtop):
    """DESIGN section 8: ids are validated before they go into a URL."""
    bad = ["1.2/../../admin/login", "1.3?x=1#frag", "1.4 %2e%2e"]
    with console(pbxtop) as (sim, t):
        for i, uid in enumerate(bad):
            sim.op(BACKEND, "add_channel",
                   channel={"channel": "PJSIP/10%d-00000001" % i, "unique_id": uid})
        s = t.wait_for(lambda s: "PJSIP/102-00000001" in row_names(s), 4)
        seq = sim.last_seq()
        for i in range(len(bad)):
            name = "PJSIP/10%d-00000001" % i
            move_cursor_to(t, name)
            open_dialog(t)
            t.send("y")
            t.wait_for(lambda s: status(s).startswith(" " + name + ": "), 3)
        others = [r for r in sim.requests(BACKEND, seq)
                  if not (r["method"] == "GET" and r["path"] == "/v1/admin/core/channels")]
        assert not others, [(r["method"], r["path"]) for r in others]
        s = t.screen()
        assert len(row_names(s)) == header_calls(s), s


# ---------------------------------------------------------------- help

HELP_KEYS = [("X/F9/Del", "hang"), ("Space", "mark"), ("M", "mark"), ("U", "mark"),
             ("k/Up", "up"), ("j/Down", "down"), ("PgUp", "page"), ("PgDn", "page"),
             ("Home/g", "first"), ("End/G", "last"), ("Z", "pause"), ("^R", "poll"),
             ("^L", "redraw"), ("?/F1", "help"), ("Esc", "close"), ("Q/q/F10", "quit")]


def test_help_lists_keys_and_closes(pbxtop):
    with console(pbxtop) as (sim, t):
        names = row_names(t.screen())
        for opener, closer in (("?", "Escape"), ("F1", "?"), ("?", "q")):
            t.send(opener)
            s = t.wait_for("pbxtop 0.1.0: keys of the channels view (Esc closes)", 2)
            assert not table_rows(s), s
            body = s.split("\n")
            for keys, word in HELP_KEYS:
                line = [l for l in body if l.split()[:1] == [keys]]
                assert line and word in line[0], (keys, word, s)
            assert "pbxtop · office" in header(s), header(s)
            t.send(closer)
            s = t.wait_for(lambda s: row_names(s) == names, 2)
        # q closed the help, it did not quit.
        assert pbxtop_pid(t) and "PBXTOP-EXITED" not in t.screen()
        # Z and Ctrl-R still work under the help screen.
        t.send("?")
        t.wait_for("keys of the channels view", 2)
        t.send("Z")
        t.wait_for(lambda s: "PAUSED" in header(s), 2)
        t.send("Z")
        t.wait_for(lambda s: "PAUSED" not in header(s), 2)
        t.send("Escape")
        t.wait_for(lambda s: row_names(s) == names, 2)


def test_insecure_badge(pbxtop):
    with console(pbxtop, extra="insecure = true\n") as (sim, t):
        assert " INSECURE " in header(t.screen()), header(t.screen())


# ---------------------------------------------------------------- 7. read-only

def check_read_only_refuses(sim, t):
    s = t.screen()
    assert " · RO · " in header(s), header(s)
    seq = sim.last_seq()
    for key in ("X", "F9", "DC"):
        t.send("Escape")                       # nothing to close; clears nothing either
        t.send(key)
        s = t.wait_for(lambda s: "Not hanging up: read-only: hanging up is disabled"
                       in status(s), 2)
        assert dialog_box(s) is None, (key, s)
    assert_no_delete(sim, seq, "read-only")


def test_read_only_flag(pbxtop):
    with console(pbxtop, "--read-only") as (sim, t):
        check_read_only_refuses(sim, t)
        t.send("Q")
        assert t.exit_code() == 0


def test_help_says_why_hangup_is_unavailable(pbxtop):
    """DESIGN section 6: help shows keys blocked by read-only greyed, with the reason."""
    with console(pbxtop, "--read-only") as (sim, t):
        t.send("?")
        s = t.wait_for("keys of the channels view", 2)
        lines = s.split("\n")
        at = [i for i, l in enumerate(lines) if l.startswith(" X/F9/Del ")]
        assert at, ("no help line for the hang-up key", s)
        # the reason has a line of its own under the key's line, so it is never cut off
        reason = lines[at[0] + 1].strip()
        assert reason.startswith("unavailable:") and "read-only" in reason, (reason, s)


def test_read_only_config(pbxtop):
    with console(pbxtop, extra="read_only = true\n") as (sim, t):
        check_read_only_refuses(sim, t)


# ---------------------------------------------------------------- 13. authentication

def test_auth_failure_then_recovery(pbxtop):
    with console(pbxtop, wait_rows=False,
                 prepare=lambda sim: sim.op(BACKEND, "set_credentials", user="admin",
                                            password="changed")) as (sim, t):
        s = t.wait_for(lambda s: "AUTH FAILED" in header(s), 8)
        # The whole message is in the body; the status line may cut its end to fit the hints.
        s = t.wait_for(lambda s: "authentication failed: wrong username or passw" in status(s)
                       and "authentication failed: wrong username or password" in s, 3)
        assert not table_rows(s), s
        # The app stays up and answers keys.
        pid = pbxtop_pid(t)
        t.send("?")
        t.wait_for("keys of the channels view", 1.5)
        t.send("Escape")
        t.wait_for(lambda s: "keys of the channels view" not in s, 1.5)
        logins = [r for r in sim.requests(BACKEND) if r["path"] == "/v1/admin/login"]
        assert logins, "no login attempt"
        assert alive(pid)
        # It retries on its own (with backoff) and recovers once the password is right.
        sim.op(BACKEND, "set_credentials", user="admin", password="admin")
        n = len(sim.state(BACKEND)["channels"])
        s = t.wait_for(lambda s: header_calls(s) == n and "AUTH FAILED" not in header(s), 20)
        assert len(table_rows(s)) == n, s
        assert "authentication failed" not in status(s), status(s)


def test_auth_failure_message_on_status_line(pbxtop):
    """At the standard 100 columns the status line must still say what is wrong."""
    with console(pbxtop, wait_rows=False,
                 prepare=lambda sim: sim.op(BACKEND, "set_credentials", user="admin",
                                            password="changed")) as (sim, t):
        s = t.wait_for(lambda s: "AUTH FAILED" in header(s), 8)
        s = t.wait_for(lambda s: "authentication failed" in status(s), 3)
        assert "authentication failed: wrong username or password" in status(s), status(s)


def test_token_expiry_relogs_in_silently(pbxtop):
    with console(pbxtop) as (sim, t):
        n = len(row_names(t.screen()))
        seq = sim.last_seq()
        sim.op(BACKEND, "expire_tokens")
        sim.op(BACKEND, "add_channel", channel={"channel": "PJSIP/299-00000abc"})
        seen = []

        def check():
            s = t.screen()
            seen.append("AUTH FAILED" in header(s) or "STALE" in header(s))
            return "PJSIP/299-00000abc" in row_names(s) and header_calls(s) == n + 1
        wait_until(check, 6, what="the new channel after the token expired")
        assert not any(seen), "a badge showed while re-logging in"
        logins = [r for r in sim.requests(BACKEND, seq) if r["path"] == "/v1/admin/login"]
        assert len(logins) == 1, logins
