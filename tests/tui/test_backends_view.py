"""The backends view (DESIGN.md sections 3 and 6): one row per configured backend with its
type, mode, state (always as a word), poll age, latency, last error and what it offers; the
states stay live while the view is shown; Enter switches the console to the backend under the
cursor. Also the details view, once the channels view opens it on Enter."""

import os
import re
import shlex
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tuikit import (BACKEND, Sim, Tmux, console, cursor_name, header,  # noqa: E402
                    header_calls, lines, pane_env, status, table_rows, uid_of, wait_until)

STATE_RE = re.compile(r" R[OW]\s+(up|stale|down|auth-failed|connecting|not polled)"
                      r"(?: retry (\d+)s)?\s")
# What each backend type is called on screen and offers (kinds by short name, then hangup).
LABEL = {"jade": "jade", "issabel": "Issabel", "sark": "SARK L7", "ngcp": "NGCP",
         "dsiprouter": "dSIPRouter"}
SUPPORTS = {"jade": "ext ch qm q qc hangup", "issabel": "ext rg ch qm q qc hangup",
            "sark": "ext rg ch qm q qc hangup", "ngcp": "ext rg q qc", "dsiprouter": "ext"}
TYPES = [("jade", {}), ("issabel", {}), ("sark", {"variant": "L7"}), ("ngcp", {}),
         ("dsiprouter", {})]


def view_of(screen):
    parts = re.split(r" [·|] ", header(screen))
    return parts[2].strip() if len(parts) > 2 else None


def backend_of(screen):
    """The backend in the header: ` pbxtop · NAME (label) · ...`."""
    parts = re.split(r" [·|] ", header(screen))
    return parts[1].split(" (")[0].strip() if len(parts) > 1 else None


def be_rows(screen):
    """{name: row} of the backends table, each row a dict of its cells (by column title),
    plus `marker` and `line`; {} when the table is not shown."""
    ls = lines(screen)
    if ls and ls[-1] == "":
        ls = ls[:-1]                            # capture-pane ends with a newline
    if len(ls) < 3 or not ls[1].startswith(" NAME "):
        return {}
    titles = ls[1]
    out = {}
    for line in ls[2:-1]:                       # the last row is the status line
        m = re.match(r"^([ >])(\S+)\s", line)
        if not m:
            continue
        st = STATE_RE.search(line)
        row = {"marker": m.group(1), "line": line, "state": st.group(1) if st else None,
               "retry": st.group(2) if st else None}
        # Left-aligned columns run from their title to the next title.
        for title, nxt in (("TYPE", "URL"), ("ERROR", "SUPPORTS")):
            a, b = titles.find(" %s " % title) + 1, titles.find(" %s" % nxt) + 1
            row[title] = line[a:b].strip() if a > 0 and b > a else None
        a = titles.find(" SUPPORTS") + 1
        row["SUPPORTS"] = line[a:].strip() if a > 0 else None
        out[m.group(2)] = row
    return out


def states(screen):
    return {name: row["state"] for name, row in be_rows(screen).items()}


def cursor_backend(screen):
    return next((n for n, r in be_rows(screen).items() if r["marker"] == ">"), None)


def requests_to(sim, backend, since):
    return [r for r in sim.requests(backend, since) if r["method"] == "GET"]


def test_every_backend_type_listed(pbxtop):
    sim = Sim([("%s-lab" % t, t, o) for t, o in TYPES])
    try:
        sim.start()
        cfg = sim.write_config(extra={"%s-lab" % t: "timeout = 10\n" for t, _ in TYPES})
        # Wide enough that no cell is cut; SARK's AMI answers in 3 s.
        t = Tmux("%s -c %s -v be" % (shlex.quote(pbxtop), shlex.quote(cfg)), x=160,
                 env=pane_env())
        try:
            names = ["%s-lab" % typ for typ, _ in TYPES]
            s = t.wait_for(lambda s: all(states(s).get(n) == "up" for n in names), 20)
            assert view_of(s) == "backends", header(s)
            assert re.search(r"\b5 backends\s*$", header(s)), header(s)
            rows = be_rows(s)
            assert list(rows) == names, ("config order", list(rows))
            assert rows[names[0]]["marker"] == ">", s
            for typ, _ in TYPES:
                row = rows["%s-lab" % typ]
                assert row["TYPE"] == LABEL[typ], (typ, row["line"])
                assert row["SUPPORTS"] == SUPPORTS[typ], (typ, row["line"])
                assert row["ERROR"] == "-", (typ, row["line"])
                assert sim.url("%s-lab" % typ) in row["line"], row["line"]
                assert re.search(r"\d+ ms", row["line"]), ("latency", row["line"])
            # The states stay live: every backend keeps being polled while the view shows.
            seq = sim.last_seq()
            for n in names:
                wait_until(lambda: requests_to(sim, n, seq), 10, what="a new poll of " + n)
            t.send("q")
            assert t.exit_code() == 0
        finally:
            t.kill()
    finally:
        sim.cleanup()


def test_down_and_stale_backends_show_why(pbxtop):
    """A backend that never answered is down, one that stops answering is stale; each with
    its error and its retry time, while the others stay up."""
    main = Sim([("office", "jade", {}), ("pbx2", "jade", {})])
    branch = Sim([("branch", "jade", {})])
    t = None
    try:
        main.start()
        branch.start()
        cfg = main.write_config(extra={"office": "timeout = 5\n", "pbx2": "timeout = 5\n"})
        # The branch office has a simulator of its own, so that it can be stopped alone.
        other = branch.write_config(extra={"branch": "timeout = 5\n"})
        with open(other) as f:
            sections = f.read().split("[branch]", 1)[1]
        with open(cfg, "a") as f:
            f.write("\n[branch]" + sections)
        # Logins work, the channel list fails: down (no data yet), not auth-failed.
        main.fault(backend="pbx2", kind="status", status=503, path=r"/core/channels$")
        t = Tmux("%s -c %s -v backends" % (shlex.quote(pbxtop), shlex.quote(cfg)), x=140,
                 env=pane_env())
        s = t.wait_for(lambda s: states(s) == {"office": "up", "pbx2": "down", "branch": "up"},
                       10)
        row = be_rows(s)["pbx2"]
        assert row["retry"] is not None, ("down without its retry time", row["line"])
        assert "503" in row["ERROR"], row["line"]
        assert re.search(r"\b3 backends, 1 down\s*$", header(s)), header(s)
        # The status line names the error of the backend under the cursor.
        t.send("j")
        s = t.wait_for(lambda s: cursor_backend(s) == "pbx2", 3)
        assert "pbx2:" in status(s) and "503" in status(s), status(s)

        branch.stop()
        s = t.wait_for(lambda s: states(s).get("branch") == "stale", 10)
        assert states(s) == {"office": "up", "pbx2": "down", "branch": "stale"}, s
        row = be_rows(s)["branch"]
        assert row["ERROR"] not in ("", "-"), ("stale without its error", row["line"])
        assert re.search(r"\b3 backends, 1 down, 1 stale\s*$", header(s)), header(s)

        main.clear_faults("pbx2")
        s = t.wait_for(lambda s: states(s).get("pbx2") == "up", 20)
        assert be_rows(s)["pbx2"]["ERROR"] == "-", s
        assert states(s)["office"] == "up", s
        t.send("q")
        assert t.exit_code() == 0
    finally:
        if t:
            t.kill()
        branch.cleanup()
        main.cleanup()


def test_enter_switches_backend(pbxtop):
    sim = Sim([("office", "jade", {}), ("pbx2", "issabel", {}), ("ngcp1", "ngcp", {})])
    t = None
    try:
        sim.start()
        cfg = sim.write_config(extra={n: "timeout = 5\n" for n in ("office", "pbx2", "ngcp1")})
        t = Tmux("%s -c %s" % (shlex.quote(pbxtop), shlex.quote(cfg)), env=pane_env())
        t.wait_for(lambda s: header_calls(s) is not None, 10)
        # Shift-Tab from channels wraps round to the backends view, cursor on the backend
        # shown so far.
        t.send("BTab")
        s = t.wait_for(lambda s: view_of(s) == "backends" and len(states(s)) == 3, 5)
        assert cursor_backend(s) == "office", s
        t.wait_for(lambda s: set(states(s).values()) == {"up"}, 10)
        t.send("j")
        t.wait_for(lambda s: cursor_backend(s) == "pbx2", 3)
        t.send("Enter")
        n = len(sim.state("pbx2")["channels"])
        s = t.wait_for(lambda s: backend_of(s) == "pbx2" and view_of(s) == "channels"
                       and header_calls(s) is not None and table_rows(s), 10)
        assert "(Issabel)" in header(s), header(s)
        assert n > 0, "the simulator's Issabel has no calls"
        # Only the backend shown is polled now: the backends view let the others go.
        time.sleep(1.0)  # a poll sent just before the switch may still arrive
        seq = sim.last_seq()
        wait_until(lambda: requests_to(sim, "pbx2", seq), 5, what="a poll of pbx2")
        time.sleep(1.5)
        for other in ("office", "ngcp1"):
            got = [r["path"] for r in requests_to(sim, other, seq)]
            assert not got, "%s still polled after leaving the backends view: %s" % (other, got)
        # A backend without live channels opens on the first kind it offers.
        t.send("BTab")
        s = t.wait_for(lambda s: view_of(s) == "backends" and cursor_backend(s) == "pbx2", 5)
        t.send("End")
        t.wait_for(lambda s: cursor_backend(s) == "ngcp1", 3)
        t.send("Enter")
        s = t.wait_for(lambda s: backend_of(s) == "ngcp1" and view_of(s) == "queues", 10)
        assert "(NGCP)" in header(s), header(s)
        t.send("q")
        assert t.exit_code() == 0
    finally:
        if t:
            t.kill()
        sim.cleanup()


def details_title(screen):
    """The details view's title (the body's first row, under the header): `channel ID on
    BACKEND: fields  (...)`, or None."""
    ls = lines(screen)
    return ls[1].strip() if len(ls) > 1 and " on %s: " % BACKEND in ls[1] else None


def field_value(screen, name):
    for line in lines(screen)[2:-1]:
        m = re.match(r"^\s+%s\s{2,}(.*?)\s*$" % re.escape(name), line)
        if m:
            return m.group(1)
    return None


def test_details_of_a_channel(pbxtop):
    with console(pbxtop) as (sim, t):
        name = cursor_name(t.screen())
        uid = uid_of(sim, name)
        t.send("Enter")
        try:
            s = t.wait_for(lambda s: details_title(s), 3)
        except AssertionError:
            raise AssertionError("Enter on the channels view did not open the details: "
                                 "views/channels.c must call details_open() on ACT_DETAILS")
        assert details_title(s).startswith("channel %s on %s: fields" % (uid, BACKEND)), s
        assert field_value(s, "id") == uid, s
        assert field_value(s, "channel") == name, s
        assert re.match(r"^\d+:\d\d$", field_value(s, "duration") or ""), s
        # The backend's own JSON, re-indented, and back.
        t.send("r")
        s = t.wait_for(lambda s: (details_title(s) or "").find(": raw JSON") > 0, 2)
        assert lines(s)[3].strip() == "{", s
        assert '"%s"' % uid in s, s
        t.send("End")
        s = t.wait_for(lambda s: any(l.strip() == "}" for l in lines(s)[2:-1]), 2)
        t.send("Home")
        t.wait_for(lambda s: lines(s)[3].strip() == "{", 2)
        t.send("r")
        t.wait_for(lambda s: field_value(s, "channel") == name, 2)
        # The channel hangs up elsewhere: the view says so instead of showing old data.
        sim.op(BACKEND, "remove_channel", unique_id=uid)
        s = t.wait_for("gone from %s since the last poll" % BACKEND, 5)
        assert field_value(s, "channel") is None, s
        # Esc closes; q still quits from the details.
        t.send("Escape")
        t.wait_for(lambda s: details_title(s) is None and table_rows(s), 2)
        t.send("Enter")
        t.wait_for(lambda s: details_title(s), 3)
        t.send("q")
        assert t.exit_code() == 0
