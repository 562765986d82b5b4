"""The column chooser (C), :sort and :columns with their completion, and the config's
[columns] section (issue 4): what the operator chooses is what the table shows, in that
order, and what the next start shows too."""

import os
import re
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tuikit import BACKEND, Sim, Tmux, lines, pane_env, row_names, status  # noqa: E402
from pylib.harness import run  # noqa: E402
from test_commands import command, last_line, session  # noqa: E402

DEFAULT = ["CHANNEL", "STATE", "CALLER", "CONNECTED", "CONTEXT", "EXTEN", "APP", "DUR"]


def titles(screen):
    return [re.sub(r"[\^v\u25b2\u25bc]$", "", t) for t in lines(screen)[1].split()]


def columns_section(cfg):
    text = open(cfg).read()
    m = re.search(r"^\[columns\]\n((?:[^\[].*\n?)*)", text, re.M)
    return m.group(1).strip() if m else None


def durations(screen):
    """The DUR cells, in seconds."""
    out = []
    for line in lines(screen)[2:]:
        m = re.search(r"(\d+):(\d\d)\s*$", line)
        if m and line.startswith((" ", ">")) and "PJSIP" in line:
            out.append(int(m.group(1)) * 60 + int(m.group(2)))
    return out


def test_chooser_hides_moves_saves_and_the_next_start_shows_it(pbxtop):
    with session(pbxtop) as (sim, t, cfg):
        assert titles(t.screen()) == DEFAULT
        before = open(cfg).read()
        # Esc throws a choice away
        t.send("C")
        t.wait_for("Columns of channels", 3)
        t.send("Space")
        t.wait_for(lambda s: "[ ] CHANNEL" in s, 3)
        t.send("Escape")
        s = t.wait_for(lambda s: "Columns of" not in s and row_names(s), 3)
        assert titles(s) == DEFAULT
        assert open(cfg).read() == before
        # hide STATE, move DUR up two places, save
        t.send("C")
        t.wait_for("[x] CHANNEL", 3)
        t.send("j")
        t.send("Space")
        t.wait_for(lambda s: "[ ] STATE" in s, 3)
        t.send("G")
        t.send("<")
        t.send("<")
        t.wait_for(lambda s: re.search(r"CONTEXT.*\n.*DUR.*\n.*EXTEN", s), 3)
        t.send("Enter")
        want = ["CHANNEL", "CALLER", "CONNECTED", "CONTEXT", "DUR", "EXTEN", "APP"]
        s = t.wait_for(lambda s: titles(s) == want, 3)
        assert "saved to" in status(s), status(s)
        assert columns_section(cfg) == "channels = channel, caller, connected, context, dur, exten, app"
        # everything else in the file is as it was
        assert open(cfg).read().startswith(before.rstrip("\n"))
        # the last shown column cannot be hidden
        t.send("C")
        t.wait_for("[x] CHANNEL", 3)
        for _ in range(7):
            t.send("Space", "j")
        s = t.wait_for("cannot be hidden", 3)
        assert "[x] APP" in s, s
        t.send("Escape")
        t.wait_for(lambda s: "Columns of" not in s, 3)
        saved = open(cfg).read()
    # a new start reads the choice; in the fleet BACKEND stays first
    with Sim([(BACKEND, "jade", {})]) as sim2:
        cfg2 = sim2.write_config()
        with open(cfg2, "a") as f:
            f.write("\n" + saved[saved.index("[columns]"):])
        t2 = Tmux("%s -c %s -b @all" % (shlex.quote(pbxtop), shlex.quote(cfg2)), env=pane_env())
        try:
            t2.wait_for(lambda s: row_names(s) or "BACKEND" in s, 10)
            s = t2.wait_for(lambda s: titles(s)[:1] == ["BACKEND"], 5)
            assert titles(s) == ["BACKEND"] + want, titles(s)
        finally:
            t2.kill()


def test_sort_and_columns_commands_complete_column_names(pbxtop):
    with session(pbxtop) as (sim, t, cfg):
        command(t, "sort d", enter=False)
        t.send("Tab")
        t.wait_for(lambda s: last_line(s).rstrip() == ":sort dur", 3)
        t.send("Enter")
        s = t.wait_for(lambda s: "Sorted by dur, ascending" in status(s), 3)
        d = durations(s)
        assert len(d) >= 3 and d == sorted(d), d   # the shortest call first
        command(t, "sort -dur")
        s = t.wait_for(lambda s: "Sorted by dur, descending" in status(s), 3)
        d = durations(s)
        assert d == sorted(d, reverse=True), d
        command(t, "sort nope")
        t.wait_for(lambda s: "no column 'nope'" in status(s), 3)
        # a list completes its last name
        command(t, "columns channel, st", enter=False)
        t.send("Tab")
        t.wait_for(lambda s: last_line(s).rstrip() == ":columns channel, state", 3)
        t.send("Enter")
        t.wait_for(lambda s: titles(s) == ["CHANNEL", "STATE"], 3)
        assert columns_section(cfg) == "channels = channel, state"
        command(t, "columns channel, channel")
        t.wait_for(lambda s: "listed twice" in status(s), 3)
        assert titles(t.screen()) == ["CHANNEL", "STATE"]
        # other views keep their own columns
        command(t, "ext")
        s = t.wait_for(lambda s: titles(s)[:1] == ["EXTENSION"], 5)
        assert len(titles(s)) == 7, titles(s)


def test_columns_config_errors_name_the_line(pbxtop):
    cases = [
        ("channels = channel, bogus\n",
         "[columns] channels: no column 'bogus' (the columns are: channel, state, caller, "
         "connected, context, exten, app, dur)"),
        ("phones = channel\n", "[columns] phones: not a table view"),
        ("ext = name, name\n", "[columns] extensions: column 'name' is listed twice"),
    ]
    with Sim([(BACKEND, "jade", {})]) as sim:
        cfg = sim.write_config()
        base = open(cfg).read()
        line = len(base.split("\n")) + 1   # the line after "[columns]"
        for text, want in cases:
            with open(cfg, "w") as f:
                f.write(base + "[columns]\n" + text)
            rc, _, err = run(pbxtop, ["-c", cfg, "-n", "1"], timeout=20)
            assert rc == 2, (text, rc, err)
            assert "%s:%d: %s" % (cfg, line, want) in err, (text, err)
