"""Command mode and key rebinding (DESIGN.md section 6): the ':' prompt and its editing,
view and backend switching, Tab completion, recall, errors, :w export, every binding's
:command, and the config's [keys] section."""

import contextlib
import csv
import os
import re
import shlex
import shutil
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tuikit import (BACKEND, Sim, Tmux, dialog_box, header, lines, pane_env,  # noqa: E402
                    private_tmpdir, row_names, status)
from pylib.harness import run  # noqa: E402

TWO = [(BACKEND, "jade", {}), ("lab", "issabel", {})]


@contextlib.contextmanager
def session(pbxtop, backends=None, keys=None, args=""):
    """pbxtop on a simulator with `backends` (default: one jade `office`), showing its
    channels; keys: the text of a [keys] section. Yields (sim, tmux, config path)."""
    sim = Sim(backends or [(BACKEND, "jade", {})])
    t = None
    try:
        sim.start()
        cfg = sim.write_config(extra={b[0]: "timeout = 5\n" for b in sim.backends})
        if keys is not None:
            with open(cfg, "a") as f:
                f.write("\n[keys]\n" + keys)
        t = Tmux("%s -c %s %s" % (shlex.quote(pbxtop), shlex.quote(cfg), args), env=pane_env())
        t.wait_for(lambda s: view_of(s) == "channels" and row_names(s), 10)
        yield sim, t, cfg
    finally:
        if t:
            t.kill()
        sim.cleanup()


def view_of(screen):
    """(backend, view) from the header ` pbxtop · NAME (type) · VIEW · RW · ...`."""
    parts = re.split(r" [·|] ", header(screen))
    return parts[2].strip() if len(parts) > 2 else None


def backend_of(screen):
    parts = re.split(r" [·|] ", header(screen))
    return parts[1].split(" (")[0].strip() if len(parts) > 1 else None


def last_line(screen):
    ls = lines(screen)
    if ls and ls[-1] == "":
        ls = ls[:-1]
    return ls[-1] if ls else ""


def cursor(t):
    """(x, y, visible) of the terminal cursor in the pane."""
    x, y, flag = t._tmux("display-message", "-p",
                         "#{cursor_x} #{cursor_y} #{cursor_flag}").stdout.split()
    return int(x), int(y), flag == "1"


def command(t, text, enter=True):
    """Type ':' and text into the prompt, and Enter unless told not to."""
    t.send(":")
    t.wait_for(lambda s: last_line(s).startswith(":"), 3)
    if text:
        t.send_literal(text)
        t.wait_for(lambda s: last_line(s).rstrip().endswith(text.rstrip()), 3)
    if enter:
        t.send("Enter")


def quiet(t, pred, what, settle=0.6):
    """A short bounded wait showing that pred never holds on the screen."""
    deadline = time.monotonic() + settle
    while time.monotonic() < deadline:
        s = t.screen()
        assert not pred(s), "%s:\n%s" % (what, s)
        time.sleep(0.05)


# ---------------------------------------------------------------- views and backends

def test_cmd_views_switch(pbxtop):
    with session(pbxtop) as (sim, t, _):
        # the prompt: its label, the text, and a visible cursor after it
        command(t, "ext", enter=False)
        s = t.screen()
        assert last_line(s).rstrip() == ":ext", last_line(s)
        x, y, visible = cursor(t)
        assert (x, y, visible) == (4, len(lines(s)) - 2, True), (x, y, visible)
        t.send("Enter")
        s = t.wait_for(lambda s: view_of(s) == "extensions" and "EXTENSION" in s, 5)
        assert not cursor(t)[2], "the cursor stays visible after the prompt closed"
        command(t, "ch")
        t.wait_for(lambda s: view_of(s) == "channels" and row_names(s), 5)
        # long names too, and :q is the queues view, not quit
        command(t, "ringgroups")
        t.wait_for(lambda s: view_of(s) == "ringgroups", 5)
        command(t, "q")
        t.wait_for(lambda s: view_of(s) == "queues", 5)
        command(t, "queuemembers")
        t.wait_for(lambda s: view_of(s) == "queuemembers", 5)
        command(t, "ext now")
        t.wait_for("':ext' takes no argument", 3)
        # :quit quits
        command(t, "quit")
        assert t.exit_code() == 0


def test_cmd_backend_switch(pbxtop):
    with session(pbxtop, backends=TWO) as (sim, t, _):
        assert backend_of(t.screen()) == BACKEND
        command(t, "backend lab")
        s = t.wait_for(lambda s: backend_of(s) == "lab" and view_of(s) == "channels"
                       and row_names(s), 8)
        lab_names = sorted(c["Channel"] for c in sim.state("lab")["channels"])  # AMI names
        assert row_names(s) == lab_names, (row_names(s), lab_names)
        command(t, "backend offcie")
        t.wait_for("no backend named 'offcie' (did you mean office?)", 3)
        assert backend_of(t.screen()) == "lab"
        command(t, "backend")
        t.wait_for("usage: :backend NAME|@all (backends: office, lab)", 3)
        command(t, "backend @all")
        # every backend's calls in one table, each row naming its backend
        n = sum(len(sim.state(b)["channels"]) for b in (BACKEND, "lab"))
        s = t.wait_for(lambda s: "@all (2 backends)" in s.split("\n")[0]
                       and re.search(r"\b%d calls\s*$" % n, s.split("\n")[0]), 8)
        body = s.split("\n")[2:-2]
        assert s.split("\n")[1].startswith(" BACKEND "), s
        assert any(l[1:].startswith(BACKEND + " ") for l in body), s
        assert any(l[1:].startswith("lab ") for l in body), s
        command(t, "backend office")
        t.wait_for(lambda s: backend_of(s) == BACKEND and row_names(s), 8)


# ---------------------------------------------------------------- prompt editing

def test_cmd_tab_completion(pbxtop):
    with session(pbxtop, backends=TWO) as (sim, t, _):
        command(t, "back", enter=False)
        t.send("Tab")
        # capture-pane drops trailing blanks: the cursor shows the one after "backend"
        s = t.wait_for(lambda s: last_line(s) == ":backend" and cursor(t)[0] == 9, 3)
        # the other match is listed above the prompt
        assert "backends" in lines(s)[-3], s
        t.send_literal("l")
        t.send("Tab")
        t.wait_for(lambda s: last_line(s).rstrip() == ":backend lab", 3)
        t.send("Enter")
        t.wait_for(lambda s: backend_of(s) == "lab", 8)
        # several matches: their common prefix, and the candidates shown
        command(t, "queue", enter=False)
        t.send("Tab")
        s = t.wait_for(lambda s: "queuemembers" in s and "queues" in lines(s)[-3], 3)
        assert last_line(s).rstrip() == ":queue", last_line(s)
        t.send("Escape")
        # binding names complete too
        command(t, "hang", enter=False)
        t.send("Tab")
        t.wait_for(lambda s: last_line(s).rstrip() == ":hangup", 3)
        t.send("Escape")
        t.wait_for(lambda s: not last_line(s).startswith(":"), 3)


def test_cmd_history_and_editing(pbxtop):
    with session(pbxtop) as (sim, t, _):
        command(t, "ext")
        t.wait_for(lambda s: view_of(s) == "extensions", 5)
        command(t, "ch")
        t.wait_for(lambda s: view_of(s) == "channels", 5)
        command(t, "ch")  # the same again: one entry
        t.wait_for(lambda s: not last_line(s).startswith(":"), 3)
        command(t, "draft", enter=False)
        t.send("Up")
        t.wait_for(lambda s: last_line(s).rstrip() == ":ch", 3)
        t.send("Up")
        t.wait_for(lambda s: last_line(s).rstrip() == ":ext", 3)
        t.send("Up")  # nothing older
        t.send("Down")
        t.wait_for(lambda s: last_line(s).rstrip() == ":ch", 3)
        t.send("Down")  # back to what was being typed
        t.wait_for(lambda s: last_line(s).rstrip() == ":draft", 3)
        t.send("Up", "Up", "Enter")
        t.wait_for(lambda s: view_of(s) == "extensions", 5)
        # editing keys: Home, Left, Right, Backspace, Delete, Ctrl-W, Ctrl-U
        command(t, "xx", enter=False)
        t.send("C-u")
        t.wait_for(lambda s: last_line(s).rstrip() == ":", 3)
        t.send_literal("hx")
        t.send("Home")
        t.send_literal("c")
        t.send("Right", "DC")
        t.wait_for(lambda s: last_line(s).rstrip() == ":ch", 3)
        assert cursor(t)[0] == 3
        t.send_literal(" two words")
        t.send("C-w", "C-w", "BSpace")
        t.wait_for(lambda s: last_line(s).rstrip() == ":ch", 3)
        # UTF-8 goes in whole, and Backspace takes it out whole
        t.send_literal("é€")
        t.wait_for(lambda s: last_line(s).rstrip() == ":ché€", 3)
        assert cursor(t)[0] == 5
        t.send("BSpace", "BSpace")
        t.wait_for(lambda s: last_line(s).rstrip() == ":ch", 3)
        t.send("Enter")
        t.wait_for(lambda s: view_of(s) == "channels", 5)


def test_cmd_esc_cancels_at_once(pbxtop):
    with session(pbxtop) as (sim, t, _):
        command(t, "ext", enter=False)
        t0 = time.monotonic()
        t.send("Escape")
        t.wait_for(lambda s: not last_line(s).startswith(":"), 2)
        # 25 ms of Esc delay, plus tmux and polling; well under the 1 s curses default
        assert time.monotonic() - t0 < 0.8, time.monotonic() - t0
        quiet(t, lambda s: view_of(s) != "channels", "Esc ran the command")
        # the view still has its keys
        assert status(t.screen()).find("Hang up") >= 0


def test_cmd_unknown_and_binding_commands(pbxtop):
    with session(pbxtop) as (sim, t, _):
        command(t, "hangupp")
        t.wait_for("unknown command ':hangupp' (did you mean :hangup?)", 3)
        command(t, "frobnicate")
        s = t.wait_for("unknown command ':frobnicate'", 3)
        assert "did you mean" not in status(s)
        command(t, "pause now")
        t.wait_for("':pause' takes no argument", 3)
        # a binding's command does what its key does
        command(t, "pause")
        t.wait_for(lambda s: "PAUSED" in header(s), 3)
        command(t, "pause")
        t.wait_for(lambda s: "PAUSED" not in header(s), 3)
        command(t, "help")
        t.wait_for("keys of the channels view", 3)
        # ':' works under help, and a view command closes it
        command(t, "ext")
        t.wait_for(lambda s: view_of(s) == "extensions" and "keys of" not in s, 5)
        command(t, "ch")
        t.wait_for(lambda s: view_of(s) == "channels" and row_names(s), 5)
        seq = sim.last_seq()
        command(t, "hangup")
        t.wait_for(lambda s: dialog_box(s) is not None, 3)
        t.send("Escape")
        t.wait_for(lambda s: dialog_box(s) is None, 3)
        assert not [r for r in sim.requests(BACKEND, seq) if r["method"] == "DELETE"]


# ---------------------------------------------------------------- :w

def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def test_cmd_write_csv(pbxtop):
    d = private_tmpdir()
    try:
        with session(pbxtop) as (sim, t, _):
            path = os.path.join(d, "calls.csv")
            shown = row_names(t.screen())
            command(t, "w " + path)
            s = t.wait_for("Wrote %d rows to %s" % (len(shown), path), 5)
            rows = read_csv(path)
            assert rows[0][:3] == ["backend", "id", "channel"], rows[0]
            assert sorted(r[2] for r in rows[1:]) == sorted(shown), (rows, shown)
            assert all(r[0] == BACKEND for r in rows[1:])
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
            assert sorted(os.listdir(d)) == ["calls.csv"], os.listdir(d)  # no temp file left
            # an existing file is kept unless :w! is used
            before = open(path).read()
            sim.op(BACKEND, "remove_channel", unique_id=sim.state(BACKEND)["channels"][0][
                "unique_id"])
            t.wait_for(lambda s: len(row_names(s)) == len(shown) - 1, 5)
            command(t, "w " + path)
            t.wait_for("%s exists; :w! overwrites it" % path, 3)
            assert open(path).read() == before
            command(t, "w! " + path)
            t.wait_for("Wrote %d rows to %s" % (len(shown) - 1, path), 5)
            assert len(read_csv(path)) == len(shown)
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
            # a filtered table writes the rows it shows, in screen order
            names = row_names(t.screen())
            t.send("/")
            t.send_literal("channel:" + names[-1])
            t.send("Enter")
            t.wait_for(lambda s: row_names(s) == [names[-1]], 5)
            command(t, "w! " + path)
            t.wait_for("Wrote 1 row to %s" % path, 5)
            assert [r[2] for r in read_csv(path)[1:]] == [names[-1]]
            t.send("/")
            t.send("Escape")
            t.wait_for(lambda s: row_names(s) == names, 5)
            command(t, "w! " + path)
            t.wait_for("Wrote %d rows to %s" % (len(names), path), 5)
            assert [r[2] for r in read_csv(path)[1:]] == names   # screen order
            # on another view, that view's rows
            command(t, "ext")
            s = t.wait_for(lambda s: view_of(s) == "extensions" and re.search(
                r"(\d+) extensions?\s*$", header(s)), 5)
            n = int(re.search(r"(\d+) extensions?\s*$", header(s)).group(1))
            ext = os.path.join(d, "ext.csv")
            command(t, "w " + ext)
            t.wait_for("Wrote %d rows to %s" % (n, ext), 5)
            assert read_csv(ext)[0][:3] == ["backend", "id", "extension"]
            # errors say what went wrong
            command(t, "w " + os.path.join(d, "nope", "x.csv"))
            t.wait_for("No such file or directory", 3)
            command(t, "w " + d)
            t.wait_for("is a directory", 3)
            command(t, "w")
            t.wait_for("usage: :w FILE", 3)
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------- [keys]

def test_cmd_keys_rebinding(pbxtop):
    with session(pbxtop, keys="hangup = H\npause = none\n") as (sim, t, _):
        s = t.screen()
        assert "H Hang up" in status(s) and "F9/X" not in status(s), status(s)
        seq = sim.last_seq()
        # X, F9 and Del were hangup's: now they do nothing
        t.send("X")
        t.send("F9")
        t.send("DC")
        quiet(t, lambda s: dialog_box(s) is not None, "an unbound key opened the dialog")
        # Z was unbound: polling goes on
        t.send("Z")
        quiet(t, lambda s: "PAUSED" in header(s), "an unbound key paused polling")
        t.send("H")
        t.wait_for(lambda s: dialog_box(s) is not None, 3)
        t.send("n")
        t.wait_for(lambda s: dialog_box(s) is None, 3)
        assert not [r for r in sim.requests(BACKEND, seq) if r["method"] == "DELETE"]
        # help lists the keys bound now
        t.send("?")
        s = t.wait_for("keys of the channels view", 3)
        hang = next(l for l in lines(s) if " hangup " in l)
        assert hang.split()[0] == "H", hang
        pause = next(l for l in lines(s) if " pause " in l)
        assert pause.split()[0] == "(unbound)", pause
        t.send("Escape")
        # the command still works without a key
        command(t, "pause")
        t.wait_for(lambda s: "PAUSED" in header(s), 3)


def test_cmd_keys_config_errors(pbxtop):
    cases = [
        ("\n\nhangupp = H\n", ":%d: [keys] unknown action 'hangupp'", 3),
        ("hangup = F13\n", ":%d: [keys] hangup: unknown key name 'F13'", 1),
        ("hangup = Ctrl-X\n", ":%d: [keys] hangup: 'Ctrl-X' is a Ctrl key", 1),
    ]
    with Sim([(BACKEND, "jade", {})]) as sim:
        cfg = sim.write_config()
        base = open(cfg).read()
        first = len(base.split("\n")) + 1  # the line after "[keys]"
        for keys, want, at in cases:
            with open(cfg, "w") as f:
                f.write(base + "[keys]\n" + keys)
            rc, _, err = run(pbxtop, ["-c", cfg, "-n", "1"], timeout=20)
            assert rc == 2, (keys, rc, err)
            assert (cfg + want % (first + at - 1)) in err, (keys, err)
