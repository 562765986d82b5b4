"""The table views beyond channels (extensions, ring groups, queue members, queues) on every
backend type, switching between them with Tab / Shift-Tab and -v, the cursor following its
record across polls, and hostile record text. DESIGN.md sections 3 and 6; the expected rows
come from `pbxtop get VIEW -o json` against the same simulator and config."""

import json
import os
import re
import shlex
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tuikit import (BACKEND, Sim, Tmux, channel_deletes, console, dialog_box,  # noqa: E402
                    find_row, header, lines, pane_env, row_names, status, wait_until)
from pylib.harness import run  # noqa: E402

# Tab order, with what each view's header counts and the title of its first column.
VIEWS = ["channels", "extensions", "ringgroups", "queuemembers", "queues"]
NOUN = {"channels": "calls?", "extensions": "extensions?", "ringgroups": "ring groups?",
        "queuemembers": "queue members?", "queues": "queues?"}
FIRST_TITLE = {"channels": "CHANNEL", "extensions": "EXTENSION", "ringgroups": "EXTENSION",
               "queuemembers": "QUEUE", "queues": "QUEUE"}
# The field shown in the first column, as `get -o json` names it.
FIRST_FIELD = {"channels": "channel", "extensions": "extension", "ringgroups": "extension",
               "queuemembers": "queue", "queues": "queue"}

# (type, simulator options, the -v argument the console starts with): every view is a
# starting view once, in long and short forms.
TYPES = [
    ("jade", {}, "ext"),
    ("issabel", {}, "ringgroups"),
    ("sark", {"variant": "L7"}, "qm"),
    ("ngcp", {}, "queues"),
    ("dsiprouter", {}, "ch"),
]
LONG = {"ext": "extensions", "rg": "ringgroups", "ch": "channels", "qm": "queuemembers",
        "q": "queues"}


def view_of(screen):
    """The view name in the header: ` pbxtop · NAME (type) · VIEW · RW · ...`."""
    parts = re.split(r" [·|] ", header(screen))
    return parts[2].strip() if len(parts) > 2 else None


def header_count(screen, view):
    m = re.search(r"(\d+) %s\s*$" % NOUN[view], header(screen))
    return int(m.group(1)) if m else None


def first_cells(screen, view):
    """The first cell of every table row, or None when the view shows no table."""
    ls = lines(screen)
    if ls and ls[-1] == "":
        ls = ls[:-1]
    if len(ls) < 3 or not ls[1].startswith(" " + FIRST_TITLE[view] + " "):
        return None
    out = []
    for line in ls[2:-1]:                       # the last row is the status line
        m = re.match(r"^[ >*](\S+)", line)
        if m:
            out.append(m.group(1))
    return out


def cursor_cell(screen, view):
    for line in lines(screen)[2:-1]:
        if line.startswith(">"):
            return line[1:].split()[0]
    return None


def expected(pbxtop, cfg, backend, view):
    """('rows', [first-column values]) or ('why', one-line reason) from `pbxtop get`."""
    rc, out, err = run(pbxtop, ["-c", cfg, "get", view, "-b", backend, "-o", "json"], timeout=60)
    if rc == 5:
        why = err.strip().split(": ", 2)[-1]
        return "why", why
    assert rc == 0, (backend, view, rc, err)
    return "rows", sorted(r[FIRST_FIELD[view]] for r in json.loads(out))


def check_view(t, view, want, timeout):
    """Wait until the console shows `view` as `get` does: the same rows or the same reason."""
    kind, val = want
    if kind == "why":
        s = t.wait_for(lambda s: view_of(s) == view and val in s, timeout)
        assert first_cells(s, view) is None, ("a table instead of the reason", s)
        assert "not offered" in header(s), header(s)
        return s

    def shown(s):
        cells = first_cells(s, view)
        return (view_of(s) == view and header_count(s, view) == len(val) and cells is not None
                and sorted(cells) == val)
    s = t.wait_for(shown, timeout)
    assert sum(1 for l in lines(s)[2:-1] if l.startswith(">")) == (1 if val else 0), s
    return s


def check_cycled(t, view, want, backend):
    """One stop of the Tab cycle: a table view as check_view, or the backends view (its own
    tests are in test_backends_view.py)."""
    if view == "backends":
        t.wait_for(lambda s: view_of(s) == "backends" and " NAME " in lines(s)[1], 12)
    else:
        check_view(t, view, want[(backend, view)], 12)


def test_every_view_on_every_backend_type(pbxtop):
    sim = Sim([("%s-lab" % t, t, o) for t, o, _ in TYPES])
    try:
        sim.start()
        cfg = sim.write_config(extra={"%s-lab" % t: "timeout = 10\n" for t, _, _ in TYPES})
        # What each backend offers, read the batch way, all at once (SARK's AMI takes 3 s).
        jobs = [("%s-lab" % t, v) for t, _, _ in TYPES for v in VIEWS]
        with ThreadPoolExecutor(len(jobs)) as pool:
            got = list(pool.map(lambda j: expected(pbxtop, cfg, *j), jobs))
        want = dict(zip(jobs, got))
        assert want[("jade-lab", "ringgroups")][0] == "why"
        assert want[("issabel-lab", "extensions")][0] == "rows"
        for typ, _, start in TYPES:
            name = "%s-lab" % typ
            t = Tmux("%s -c %s -b %s -v %s" % (shlex.quote(pbxtop), shlex.quote(cfg), name,
                                                start), env=pane_env())
            try:
                # Tab cycles through the table views, then the backends view.
                cycle = VIEWS + ["backends"]
                first = cycle.index(LONG.get(start, start))
                order = cycle[first:] + cycle[:first]
                # Tab through every view and back to the first: each shows its records (a
                # newly shown view is polled at once; SARK's AMI answers in 3 s).
                for i, view in enumerate(order + order[:1]):
                    if i:
                        t.send("Tab")
                    check_cycled(t, view, want, name)
                # Shift-Tab goes back the same way; what was polled before shows at once.
                for view in reversed(order):
                    t.send("BTab")
                    check_cycled(t, view, want, name)
                t.send("q")
                assert t.exit_code() == 0
            finally:
                t.kill()
    finally:
        sim.cleanup()


def test_view_option_and_polling(pbxtop):
    """-v refuses what is not a view; a view's kind is polled only while it is shown."""
    with Sim([("office", "issabel", {})]) as sim:
        cfg = sim.write_config(extra={"office": "timeout = 5\n"})
        rc, _, err = run(pbxtop, ["-c", cfg, "-v", "nope"], timeout=10)
        assert rc == 2 and "view 'nope'" in err, (rc, err)
        t = Tmux("%s -c %s -v rg" % (shlex.quote(pbxtop), shlex.quote(cfg)), env=pane_env())
        try:
            t.wait_for(lambda s: view_of(s) == "ringgroups" and header_count(s, "ringgroups"), 8)
            paths = {r["path"] for r in sim.requests("office") if r["method"] == "GET"}
            assert not any("extensions" in p for p in paths), paths
            t.send("Tab")
            t.wait_for(lambda s: view_of(s) == "queuemembers" and "ringgroups" not in s, 8)
            t.wait_for(lambda s: header_count(s, "queuemembers"), 8)
            seq = sim.last_seq()
            # Two more polls of queue members (refresh = 1 s) and none of ring groups.
            wait_until(lambda: len([r for r in sim.requests("office", seq)
                                    if "/manager/queuestatus" in r["path"]]) >= 2, 6,
                       what="two polls of the queue members")
            late = [r["path"] for r in sim.requests("office", seq) if "ringgroups" in r["path"]]
            assert not late, "ring groups still polled: %s" % late
        finally:
            t.kill()


def test_cursor_and_marks_follow_records(pbxtop):
    with Sim([("office", "issabel", {})]) as sim:
        cfg = sim.write_config(extra={"office": "timeout = 5\n"})
        t = Tmux("%s -c %s -v extensions" % (shlex.quote(pbxtop), shlex.quote(cfg)),
                 env=pane_env())
        try:
            s = t.wait_for(lambda s: header_count(s, "extensions"), 8)
            rows = first_cells(s, "extensions")
            assert len(rows) == header_count(s, "extensions") > 5, s
            assert rows == sorted(rows, key=int), rows
            assert cursor_cell(s, "extensions") == rows[0]
            # Down to the fourth row and mark it: the cursor moves on to the fifth.
            for _ in range(3):
                t.send("j")
            t.wait_for(lambda s: cursor_cell(s, "extensions") == rows[3], 3)
            t.send("Space")
            s = t.wait_for(lambda s: cursor_cell(s, "extensions") == rows[4], 3)
            assert "1 marked" in status(s), status(s)
            # Two extensions appear above: the cursor and the mark stay on their records.
            for ext in ("100", "150"):
                sim.op("office", "add_extension", extension={"extension": ext, "name": "New"})
            t.wait_for(lambda s: "150" in (first_cells(s, "extensions") or []), 5)
            s = t.screen()
            got = first_cells(s, "extensions")
            assert got[:2] == ["100", "150"] and got[2:] == rows, got
            assert cursor_cell(s, "extensions") == rows[4], s
            marked = [l[1:].split()[0] for l in lines(s)[2:-1] if l.startswith("*")]
            assert marked == [rows[3]], s
            assert header_count(s, "extensions") == len(rows) + 2, header(s)
            # The record under the cursor goes: the cursor stays on the same row.
            sim.op("office", "remove_extension", extension=rows[4])
            t.wait_for(lambda s: rows[4] not in (first_cells(s, "extensions") or []), 5)
            s = t.screen()
            assert cursor_cell(s, "extensions") == rows[5], s
            # The marked one goes: its mark goes with it.
            sim.op("office", "remove_extension", extension=rows[3])
            s = t.wait_for(lambda s: rows[3] not in (first_cells(s, "extensions") or []), 5)
            assert "marked" not in status(s), status(s)
            # X asks for the id typed back; Esc cancels and nothing is sent.
            seq = sim.last_seq()
            t.send("X")
            s = t.wait_for("Type %s to delete" % rows[5], 3)
            t.send("Escape")
            t.wait_gone("Type %s to delete" % rows[5], 3)
            writes = [r for r in sim.requests("office", seq) if r["method"] != "GET"]
            assert not writes, writes
            # Help describes this view; Tab under help closes it and moves on.
            t.send("?")
            t.wait_for("keys of the extensions view", 3)
            t.send("Tab")
            s = t.wait_for(lambda s: view_of(s) == "ringgroups" and "keys of" not in s, 3)
            t.send("q")
            assert t.exit_code() == 0
        finally:
            t.kill()


def test_hostile_record_text_is_escaped(pbxtop):
    with Sim([("office", "issabel", {})]) as sim:
        sim.op("office", "add_extension",
               extension={"extension": "299", "name": "Evil\x1b]2;PWNED\x07name"})
        sim.op("office", "add_ringgroup",
               ringgroup={"extension": "699", "name": "rg\u202eevil",
                          "extension_list": ["201", "x\x1b[31my"]})
        cfg = sim.write_config(extra={"office": "timeout = 5\n"})
        t = Tmux("%s -c %s -v ext" % (shlex.quote(pbxtop), shlex.quote(cfg)), env=pane_env(),
                 x=120)
        try:
            title = t.title()
            s = t.wait_for(lambda s: "299" in (first_cells(s, "extensions") or []), 8)
            row = next(l for l in lines(s) if l[1:].startswith("299 "))
            assert "Evil\\x1b]2;PWNED\\x07name" in row, row
            t.send("Tab")
            s = t.wait_for(lambda s: "699" in (first_cells(s, "ringgroups") or []), 8)
            row = next(l for l in lines(s) if l[1:].startswith("699 "))
            assert "rg\\u202eevil" in row, row
            assert "201, x\\x1b[31my" in row, row
            raw = t.screen(escapes=True)
            assert "\x1b]" not in raw and "\u202e" not in raw and "\x1b[31m" not in raw
            assert "PWNED" not in t.title() and t.title() == title, (title, t.title())
        finally:
            t.kill()


def test_hangup_outcome_after_leaving_channels(pbxtop):
    """A hang up still pending when the operator moves to another view finishes, and its
    outcome shows in the status line there."""
    with console(pbxtop) as (sim, t):
        target = row_names(t.screen())[0]
        sim.fault(backend=BACKEND, kind="delay", ms=1500, method="DELETE",
                  path="/core/channels/")
        seq = sim.last_seq()
        t.send("X")
        t.wait_for(lambda s: dialog_box(s) is not None, 3)
        t.send("y")
        t.wait_for(lambda s: find_row(s, target) and "pending" in find_row(s, target)[1], 2)
        t.send("Tab")
        t.wait_for(lambda s: view_of(s) == "extensions", 2)
        s = t.wait_for(lambda s: "Changes on office: 1 done" in status(s), 5)
        assert view_of(s) == "extensions", s
        assert len(channel_deletes(sim, seq)) == 1
        t.send("BTab")
        t.wait_for(lambda s: view_of(s) == "channels" and row_names(s)
                   and target not in row_names(s), 5)
