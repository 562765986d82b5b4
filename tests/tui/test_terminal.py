"""The terminal side: resizing (also with the dialog open and below 80x24), quitting and
signals restore the terminal, Ctrl-Z / fg, redraws, and monochrome terminals.
DESIGN.md section 6, STYLE.md 2.5 and 2.10."""

import contextlib
import os
import re
import shlex
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tuikit import (BACKEND, HINTS, Sim, Tmux, alive, assert_no_delete,  # noqa: E402
                    channel_deletes, console, cursor_name, delete_path, dialog_box,
                    focused_button, header, header_calls, lines, pane_env, pane_flag,
                    pbxtop_pid, proc_state, row_names, status, table_rows, uid_of, wait_until)
from pylib.harness import passphrase_file, with_keyring  # noqa: E402

TOO_SMALL = "Terminal too small: %dx%d (pbxtop needs 80x24). Q quits."


def check_layout(t, x, y, names):
    """The whole table is drawn for an x by y terminal: header on row 0 reaching the right
    edge, titles on row 1, every row, the hints on the last row and nothing left over."""
    s = t.screen()
    ls = lines(s)
    assert len(ls) >= y, (len(ls), s)
    ls = ls[:y]
    assert ls[0].startswith(" pbxtop · office (jade) · channels · "), ls[0]
    assert len(ls[0].rstrip()) == x - 1, ("header does not reach the right edge", x, ls[0])
    assert ls[1].split()[:2] == ["CHANNEL", "STATE"], ls[1]
    assert same_rows(row_names(s), names), s
    assert HINTS in ls[y - 1], ("hints not on the last row", ls[y - 1])
    assert len(ls[y - 1].rstrip()) <= x and len(ls[y - 1].rstrip()) >= x - 4, ls[y - 1]
    for i, line in enumerate(ls[2 + len(names):y - 1]):
        assert not line.strip(), ("left-over text on row %d" % (2 + len(names) + i), s)
    assert all(len(line) <= x for line in ls), s
    return s


def same_rows(shown, names):
    """The rows show `names` in order; a narrow CHANNEL column cuts a name in the middle, keeping
    both ends (so that trunk channels stay distinct)."""
    if len(shown) != len(names):
        return False

    def fits(a, b):
        if a == b:
            return True
        head, sep, tail = a.partition("…")
        return bool(sep) and len(a) >= 12 and b.startswith(head) and b.endswith(tail)
    return all(fits(a, b) for a, b in zip(shown, names))


def wait_layout(t, x, y, names, timeout=3):
    last = [None]

    def ok():
        try:
            last[0] = check_layout(t, x, y, names)
            return True
        except AssertionError as e:
            last[0] = e
            return False
    try:
        wait_until(ok, timeout, what="the %dx%d layout" % (x, y))
    except AssertionError:
        raise AssertionError("%s; last problem: %s" % ("no %dx%d layout" % (x, y), last[0]))


def check_centred(box, x, y):
    left, right = box["left"], x - 1 - box["right"]
    top, bottom = box["top"], y - 1 - box["bottom"]
    assert abs(left - right) <= 1, ("not centred across", box, x)
    assert abs(top - bottom) <= 1, ("not centred down", box, y)


# ---------------------------------------------------------------- 8. resize

def test_resize_redraws_table(pbxtop):
    with console(pbxtop) as (sim, t):
        names = row_names(t.screen())
        wait_layout(t, 100, 30, names)
        t.send("j")
        t.wait_for(lambda s: cursor_name(s) == names[1], 2)
        t.resize(120, 40)
        wait_layout(t, 120, 40, names)
        t.resize(100, 30)
        wait_layout(t, 100, 30, names)
        assert cursor_name(t.screen()) == names[1]
        t.resize(70, 20)
        s = t.wait_for(TOO_SMALL % (70, 20), 3)
        assert "pbxtop · office" not in s and not table_rows(s), s
        t.resize(100, 20)                     # wide enough, too short
        t.wait_for(TOO_SMALL % (100, 20), 3)
        t.resize(79, 30)                      # tall enough, too narrow
        t.wait_for(TOO_SMALL % (79, 30), 3)
        t.resize(80, 24)                      # the smallest that works
        wait_layout(t, 80, 24, names)
        t.resize(100, 30)
        wait_layout(t, 100, 30, names)
        assert cursor_name(t.screen()) == names[1]
        # Keys still work after all that, and Ctrl-L redraws the same screen.
        t.send("C-l")
        wait_layout(t, 100, 30, names)


def test_resize_with_dialog_open(pbxtop):
    with console(pbxtop) as (sim, t):
        names = row_names(t.screen())
        target = names[0]
        uid = uid_of(sim, target)
        seq = sim.last_seq()
        t.send("X")
        s = t.wait_for(lambda s: dialog_box(s) is not None, 2)
        check_centred(dialog_box(s), 100, 30)
        for x, y in ((120, 40), (90, 26), (100, 30)):
            t.resize(x, y)
            s = t.wait_for(lambda s: dialog_box(s) is not None and len(lines(s)) >= y
                           and HINTS in lines(s)[y - 1], 3)
            box = dialog_box(s)
            assert box["lines"] == [target], box
            assert focused_button(s) == "Cancel", s
            check_centred(box, x, y)
            assert same_rows(row_names(s), names), s
        assert_no_delete(sim, seq, "resizing with the dialog open", settle=0.2)
        t.send("y")
        t.wait_for(lambda s: "Hung up " + target in status(s), 4)
        dels = channel_deletes(sim, seq)
        assert [d["path"] for d in dels] == [delete_path(uid)], dels


def frame_box(screen):
    """The frame of the open dialog (any title), as dialog_box() gives it, or None."""
    ls = lines(screen)
    top = next((y for y, l in enumerate(ls) if "\u250c" in l and "\u2510" in l), None)
    if top is None:
        return None
    left, right = ls[top].index("\u250c"), ls[top].index("\u2510")
    bottom = next((y for y in range(top + 1, len(ls)) if "\u2514" in ls[y]), None)
    if bottom is None:
        return None
    return {"top": top, "bottom": bottom, "left": left, "right": right}


def centred(box, x, y):
    try:
        check_centred(box, x, y)
        return True
    except (AssertionError, TypeError):
        return False


def add_form(t, iface):
    """Open the add form on the queue members view and type an interface into it."""
    t.send("A")
    t.wait_for("Add a queue member on office", 3)
    t.send("Tab")
    t.send_literal(iface)
    return t.wait_for(lambda s: "Interface *: " + iface in s, 3)


def members_with(sim, iface):
    return [m for m in sim.state(BACKEND)["members"] if m["state_interface"] == iface]


def test_resize_in_the_middle_of_a_form(pbxtop):
    with console(pbxtop, args="-v qm", wait_rows=False) as (sim, t):
        t.wait_for(lambda s: re.search(r"\d+ queue members", header(s)), 10)
        add_form(t, "PJSIP/7")
        for x, y in ((120, 40), (80, 24), (70, 20), (100, 30)):
            t.resize(x, y)
            if x < 80:
                t.wait_for(TOO_SMALL % (x, y), 3)
                continue
            # the form comes back whole, centred, with what was typed and the focus kept
            s = t.wait_for(lambda s: "Add a queue member" in s and len(lines(s)) >= y
                           and centred(frame_box(s), x, y), 3)
            assert "Interface *: PJSIP/7" in s and "Queue *: sales" in s, s
        t.send_literal("77")
        t.wait_for("Interface *: PJSIP/777", 3)
        t.send("Enter")
        wait_until(lambda: members_with(sim, "PJSIP/777"), 5, what="the new member")
        assert members_with(sim, "PJSIP/777")[0]["queue_name"] == "sales"


def test_ctrl_z_at_80x24_with_a_form_open(pbxtop):
    with bash_pane(pbxtop, args="-v qm", x=80, y=24, wait_rows=False) as (sim, t):
        t.wait_for(lambda s: re.search(r"\d+ queue members", header(s)), 10)
        pid = pbxtop_pid(t)
        add_form(t, "PJSIP/8")
        t.send("C-z")
        wait_until(lambda: proc_state(pid) == "T", 3, what="pbxtop to be stopped (state T)")
        t.wait_for(lambda s: "Stopped" in s and "PROMPT$" in s, 3)
        assert pane_flag(t, "alternate_on") == "0"
        t.send_literal("fg")
        t.send("Enter")
        s = t.wait_for(lambda s: "Add a queue member" in s and "Interface *: PJSIP/8" in s, 3)
        assert "Stopped" not in s and "PROMPT$" not in s, s
        box = frame_box(s)
        assert box, s
        check_centred(box, 80, 24)
        # the form still takes keys and sends what it holds
        t.send_literal("8")
        t.wait_for("Interface *: PJSIP/88", 3)
        t.send("Enter")
        wait_until(lambda: members_with(sim, "PJSIP/88"), 5, what="the new member")


def test_too_small_ignores_keys_for_hidden_dialog(pbxtop):
    """Below 80x24 the dialog is not drawn, so keys must not answer it unseen."""
    with console(pbxtop) as (sim, t):
        seq = sim.last_seq()
        t.send("X")
        t.wait_for(lambda s: dialog_box(s) is not None, 2)
        t.resize(70, 20)
        s = t.wait_for(TOO_SMALL % (70, 20), 3)
        assert "Hang up" not in s, s
        t.send("y")
        assert_no_delete(sim, seq, "'y' typed while the dialog was hidden")
        t.resize(100, 30)
        s = t.wait_for(lambda s: "pbxtop · office" in header(s), 3)
        assert dialog_box(s) is not None, ("the dialog is gone", s)
        t.send("Escape")
        t.wait_for(lambda s: dialog_box(s) is None, 2)
        assert_no_delete(sim, seq, "after the resize", settle=0.2)


def test_too_small_q_quits(pbxtop):
    with console(pbxtop) as (sim, t):
        t.resize(70, 20)
        t.wait_for(TOO_SMALL % (70, 20), 3)
        t.send("j", "X", "Space")             # ignored
        t.send("q")
        assert t.exit_code() == 0


def test_too_small_q_quits_with_dialog_open(pbxtop):
    """The too-small screen promises 'Q quits' even when a dialog is hidden behind it."""
    with console(pbxtop) as (sim, t):
        seq = sim.last_seq()
        t.send("X")
        t.wait_for(lambda s: dialog_box(s) is not None, 2)
        t.resize(70, 20)
        t.wait_for(TOO_SMALL % (70, 20), 3)
        t.send("q")
        assert t.exit_code(3) == 0
        assert not channel_deletes(sim, seq)


# ---------------------------------------------------------------- 9. quitting restores

def check_restored(t):
    s = t.wait_for("PBXTOP-EXITED", 5)
    assert "pbxtop · office" not in s and HINTS not in s, ("the console is still shown", s)
    assert pane_flag(t, "alternate_on") == "0", "still on the alternate screen"
    assert pane_flag(t, "cursor_flag") == "1", "the cursor is still hidden"
    assert pane_flag(t, "keypad_cursor_flag") == "0", "cursor keys left in application mode"
    return s


def test_quit_restores_terminal(pbxtop):
    with console(pbxtop) as (sim, t):
        assert pane_flag(t, "alternate_on") == "1"
        pid = pbxtop_pid(t)
        t.send("q")
        assert t.exit_code() == 0
        check_restored(t)
        wait_until(lambda: not alive(pid), 2, what="pbxtop to be gone")


def test_f10_quits_from_help(pbxtop):
    with console(pbxtop) as (sim, t):
        t.send("?")
        t.wait_for("keys of the channels view", 2)
        t.send("Escape")
        t.wait_for(lambda s: table_rows(s), 2)
        t.send("F10")
        assert t.exit_code() == 0
        check_restored(t)


def test_sigterm_restores_terminal(pbxtop):
    with console(pbxtop) as (sim, t):
        pid = pbxtop_pid(t)
        os.kill(pid, signal.SIGTERM)
        rc = t.exit_code()
        assert rc == 128 + signal.SIGTERM, rc
        check_restored(t)


def test_ctrl_c_restores_terminal(pbxtop):
    # From an interactive bash: under `sh -c` the ^C would kill the wrapper shell too.
    with bash_pane(pbxtop) as (sim, t):
        t.send("C-c")
        s = t.wait_for(lambda s: "PROMPT$" in s and "pbxtop · office" not in s, 5)
        assert HINTS not in s, s
        assert pane_flag(t, "alternate_on") == "0", "still on the alternate screen"
        assert pane_flag(t, "cursor_flag") == "1", "the cursor is still hidden"
        t.send_literal("echo RC=$?")
        t.send("Enter")
        t.wait_for("RC=%d" % (128 + signal.SIGINT), 3)


def test_frames_limit_exits(pbxtop):
    with console(pbxtop, "-n 3", wait_rows=False) as (sim, t):
        assert t.exit_code(5) == 0
        check_restored(t)


def scribble(t, text="\x1b[5;10HGARBAGE-GARBAGE"):
    """Write straight to pbxtop's terminal, as another program (or line noise) would. Its name
    comes from tmux: pbxtop is not dumpable, so its /proc/PID/fd needs CAP_SYS_PTRACE."""
    with open(pane_flag(t, "pane_tty"), "w") as tty:
        tty.write(text)


def test_ctrl_l_and_sigcont_redraw(pbxtop):
    with console(pbxtop, "-d 30") as (sim, t):
        names = row_names(t.screen())
        pid = pbxtop_pid(t)
        scribble(t)
        t.wait_for("GARBAGE-GARBAGE", 2)
        t.send("C-l")
        t.wait_for(lambda s: "GARBAGE" not in s and row_names(s) == names, 2)
        # Stopped and continued behind its back: the whole screen comes back.
        os.kill(pid, signal.SIGSTOP)
        wait_until(lambda: proc_state(pid) == "T", 2, what="pbxtop to stop")
        scribble(t, "\x1b[2J\x1b[HSHELL-WAS-HERE")
        t.wait_for(lambda s: "SHELL-WAS-HERE" in s and "pbxtop · office" not in s, 2)
        os.kill(pid, signal.SIGCONT)
        t.wait_for(lambda s: "SHELL-WAS-HERE" not in s and row_names(s) == names
                   and "pbxtop · office" in header(s) and HINTS in status(s), 2)
        assert alive(pid)


@contextlib.contextmanager
def bash_pane(pbxtop, args="", x=100, y=30, wait_rows=True):
    """pbxtop started from an interactive bash (job control on), so Ctrl-Z really stops it."""
    sim = Sim([(BACKEND, "jade", {})])
    t = None
    try:
        sim.start()
        cfg = sim.write_config(extra={BACKEND: "timeout = 5\n"})
        env = with_keyring(pbxtop, ["-c", cfg], pane_env())
        t = Tmux("env PS1='PROMPT$ ' bash --norc --noprofile -i", x=x, y=y, env=env)
        t.wait_for("PROMPT$", 5)
        # The keyring's passphrase on descriptor 3, as the harness gives it everywhere.
        t.send_literal("PBXTOP_PASSPHRASE_FD=3 %s -c %s %s 3<%s" % (
            shlex.quote(pbxtop), shlex.quote(cfg), args, shlex.quote(passphrase_file())))
        t.send("Enter")
        n = len(sim.state(BACKEND)["channels"])
        if wait_rows:
            t.wait_for(lambda s: header_calls(s) == n and table_rows(s), 10)
        yield sim, t
    finally:
        if t:
            t.kill()
        sim.cleanup()


def test_ctrl_z_suspends_and_fg_redraws(pbxtop):
    with bash_pane(pbxtop) as (sim, t):
        names = row_names(t.screen())
        pid = pbxtop_pid(t)
        t.send("j")
        t.wait_for(lambda s: cursor_name(s) == names[1], 2)
        t.send("C-z")
        wait_until(lambda: proc_state(pid) == "T", 3, what="pbxtop to be stopped (state T)")
        s = t.wait_for(lambda s: re.search(r"Stopped", s) and "PROMPT$" in s, 3)
        assert "pbxtop · office" not in s, ("the console is still on screen", s)
        assert pane_flag(t, "alternate_on") == "0"
        assert pane_flag(t, "cursor_flag") == "1"
        # The shell is usable meanwhile.
        t.send_literal("echo SHELL-OK")
        t.send("Enter")
        t.wait_for("\nSHELL-OK\n", 3)
        t.send_literal("fg")
        t.send("Enter")
        s = t.wait_for(lambda s: "pbxtop · office" in header(s) and row_names(s) == names
                       and HINTS in status(s), 3)
        assert "Stopped" not in s and "PROMPT$" not in s and "SHELL-OK" not in s, s
        assert cursor_name(s) == names[1], s
        assert proc_state(pid) in ("S", "R"), proc_state(pid)
        assert pane_flag(t, "alternate_on") == "1"
        # It polls again and takes keys again.
        seq = sim.last_seq()
        sim.op(BACKEND, "add_channel", channel={"channel": "PJSIP/100-000000aa"})
        t.wait_for(lambda s: "PJSIP/100-000000aa" in row_names(s), 4)
        t.send("q")
        t.wait_for(lambda s: "PROMPT$" in s and "pbxtop · office" not in s, 3)
        t.send_literal("echo RC=$?")
        t.send("Enter")
        t.wait_for("RC=0", 3)
        assert not channel_deletes(sim, seq)


# ---------------------------------------------------------------- 12. without colour

SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def colour_codes(raw):
    found = set()
    for m in SGR.finditer(raw):
        params = [p for p in re.split(r"[;:]", m.group(1)) if p]
        i = 0
        while i < len(params):
            p = int(params[i])
            if p in (38, 48):
                found.add(p)
                break
            if 30 <= p <= 37 or 40 <= p <= 47 or 90 <= p <= 97 or 100 <= p <= 107:
                found.add(p)
            i += 1
    return found


def check_readable_without_colour(sim, t):
    names = row_names(t.screen())
    s = t.screen()
    assert " · RW · " in header(s) and cursor_name(s) == names[0], s
    t.send("Space")                                   # mark row 0, cursor to row 1
    s = t.wait_for(lambda s: cursor_name(s) == names[1], 2)
    assert table_rows(s)[0][0] == "*", s
    t.send("Z")
    s = t.wait_for(lambda s: " PAUSED " in header(s), 2)
    t.send("Z")
    t.wait_for(lambda s: "PAUSED" not in header(s), 2)
    t.send("U")
    sim.fault(backend=BACKEND, kind="status", status=503, path=r"/core/channels$")
    s = t.wait_for(lambda s: re.search(r" STALE \d+s ", header(s))
                   and re.search(r" DOWN retry \d+s ", header(s)), 6)
    sim.clear_faults(BACKEND)
    t.wait_for(lambda s: "STALE" not in header(s), 12)
    t.send("X")
    s = t.wait_for(lambda s: dialog_box(s) is not None, 2)
    assert "> Cancel <" in dialog_box(s)["buttons"], s
    t.send("Tab")
    s = t.wait_for(lambda s: focused_button(s) == "Hang up", 2)
    assert "[ Cancel ]" in dialog_box(s)["buttons"], s
    raw = t.screen(escapes=True)
    assert not colour_codes(raw), "colours used: %s" % sorted(colour_codes(raw))
    t.send("Escape")
    t.wait_for(lambda s: dialog_box(s) is None, 2)
    # Not by colour alone: the cursor row is in reverse video.
    raw = t.screen(escapes=True)
    cur = [l for l in raw.split("\n") if re.search(r">PJSIP/", l)]
    assert cur and re.search(r"\x1b\[(?:[0-9;]*;)?7(?:;[0-9;]*)?m", cur[0]), \
        ("the cursor row has no reverse video", cur)


def test_no_color_env_and_plain_xterm(pbxtop):
    with console(pbxtop, env={"NO_COLOR": "1", "TERM": "xterm"}) as (sim, t):
        check_readable_without_colour(sim, t)


def test_no_color_flag(pbxtop):
    with console(pbxtop, "--no-color") as (sim, t):
        check_readable_without_colour(sim, t)


def test_ascii_mode(pbxtop):
    """--ascii: no UTF-8 on screen at all; separators and ellipses in ASCII."""
    with console(pbxtop, "--ascii") as (sim, t):
        sim.op(BACKEND, "add_channel", channel={"channel": "PJSIP/100-000000aa",
                                                "caller_id_name": "Zoë Ünïcode"})
        s = t.wait_for(lambda s: "PJSIP/100-000000aa" in row_names(s), 4)
        assert all(ord(c) < 128 for c in s), [c for c in s if ord(c) >= 128]
        assert header(s).startswith(" pbxtop | office (jade) | channels | RW | "), header(s)
