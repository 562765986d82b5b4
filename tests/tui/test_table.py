"""Table work on the console (DESIGN.md section 6, issue 4): sort and reverse, follow mode
with churn, the fleet view with one backend down, marks, and the queue member actions (pause
with a reason, penalty, add, remove) and record deletes that need the count typed back. What
the screen shows is checked against the simulator's own state and request log."""

import re
import shlex

from tuikit import (BACKEND, Sim, Tmux, console, header, lines, pane_env, status,
                    table_rows, wait_until)

MEMBERS_PATH = "/v1/admin/queue/members"


def body_lines(screen):
    """The table's rows: a marker column, then the first cell. Queue summary and waiting
    caller lines (the queue members view) start otherwise and are left out."""
    ls = lines(screen)
    if ls and ls[-1] == "":
        ls = ls[:-1]
    return [l for l in ls[2:-1] if not l or (l[0] in " >*" and l[1:2] != " ")]


def column(screen, title, right=False):
    """The cells under the column titled `title`, top to bottom (cells hold no spaces). A
    right-aligned column's cells end under the title's end rather than start at its start."""
    ls = lines(screen)
    titles = ls[1]
    m = re.search(r"\b%s\S*" % re.escape(title), titles)
    assert m, (title, titles)
    at = m.start()
    out = []
    for line in body_lines(screen):
        if right and line[at:m.end()].strip():
            out.append(line[at:m.end()].split()[-1])
        elif not right and len(line) > at and line[at] != " ":
            out.append(line[at:].split()[0])
    return out


def cursor_line(screen):
    return next((l for l in body_lines(screen) if l.startswith(">")), None)


def members(sim):
    return sim.state(BACKEND)["members"]


def member_requests(sim, method, since=0):
    return [r for r in sim.requests(BACKEND, since)
            if r["method"] == method and r["path"].startswith(MEMBERS_PATH)]


def qm_console(pbxtop, **kw):
    return console(pbxtop, args="-v qm", wait_rows=False, **kw)


def wait_members(tmux, sim):
    n = len(members(sim))
    return tmux.wait_for(lambda s: re.search(r"\b%d queue members?\s*$" % n, header(s)), 10)


def test_sort_by_another_column_and_reverse(pbxtop):
    with console(pbxtop, args="-v qm", wait_rows=False) as (sim, tmux):
        s = wait_members(tmux, sim)
        assert lines(s)[1].startswith(" QUEUE "), lines(s)[1]   # the first order: no arrow
        # sort by the next columns until PENALTY: numbers, ascending, then reversed
        for title in ["INTERFACE", "NAME", "STATUS", "PAUSED", "REASON", "PENALTY"]:
            tmux.send(">")
            tmux.wait_for(lambda s: re.search(r"%s(\^|\u25b2)" % title, lines(s)[1]), 3)
        # members stay under their queue: the order is by penalty within each queue
        s = tmux.screen()
        queues = column(s, "QUEUE")
        pen = [int(p) for p in column(s, "PENALTY", right=True)]
        assert len(queues) == len(pen) == len(members(sim)), s
        assert queues == sorted(queues), queues
        for q in set(queues):
            mine = [p for qq, p in zip(queues, pen) if qq == q]
            assert mine == sorted(mine), (q, mine)
        tmux.send("I")
        s = tmux.wait_for(lambda s: re.search(r"PENALTY(v|\u25bc)", lines(s)[1]), 3)
        queues = column(s, "QUEUE")
        pen = [int(p) for p in column(s, "PENALTY", right=True)]
        assert queues == sorted(queues), queues
        for q in set(queues):
            mine = [p for qq, p in zip(queues, pen) if qq == q]
            assert mine == sorted(mine, reverse=True), (q, mine)
        assert "descending" in status(s)


def test_follow_keeps_the_cursor_on_its_record_with_churn(pbxtop):
    # Not console()'s wait for the simulator's count of calls: churn changes it meanwhile.
    with console(pbxtop, sim_kw={"churn": True}, wait_rows=False) as (sim, tmux):
        tmux.wait_for(lambda s: table_rows(s), 10)
        tmux.send("j", "j")
        s = tmux.wait_for(lambda s: cursor_line(s) is not None, 5)
        name = cursor_line(s)[1:].split()[0]
        # the list reorders as calls come and go; the cursor stays on `name` while it lives
        for _ in range(6):
            seq = sim.last_seq()
            wait_until(lambda: any(r["path"].endswith("/channels")
                                   for r in sim.requests(BACKEND, seq)), 5, what="a poll")
            s = tmux.screen()
            live = [c["channel"] for c in sim.state(BACKEND)["channels"]]
            cur = cursor_line(s)
            if name not in live:
                break
            assert cur and cur[1:].split()[0] == name, (name, s)
        tmux.send("F")
        s = tmux.wait_for("Follow off", 3)
        assert "follow off" in status(tmux.screen()) or "Follow off" in s


def test_fleet_view_one_of_three_backends_down(pbxtop):
    names = ["east", "west", "north"]
    sim = Sim([(n, "jade", {}) for n in names])
    tmux = None
    try:
        sim.start()
        cfg = sim.write_config(extra={n: "timeout = 3\n" for n in names})
        tmux = Tmux("%s -c %s -b @all -v ext" % (shlex.quote(pbxtop), shlex.quote(cfg)),
                    env=pane_env())
        total = sum(len(sim.state(n)["endpoints"]) for n in names)
        s = tmux.wait_for(lambda s: re.search(r"\b%d extensions\s*$" % total, header(s)), 15)
        assert "@all (3 backends)" in header(s), header(s)
        assert lines(s)[1].startswith(" BACKEND "), lines(s)[1]
        assert set(column(s, "BACKEND")) <= set(names)
        # north stops answering: only its rows are marked stale, the others stay as they are
        sim.fault(backend="north", kind="status", status=503)
        s = tmux.wait_for(lambda s: "north (stale)" in s, 30)
        backends = column(s, "BACKEND")
        assert "east" in backends and "west" in backends, s
        for line in body_lines(s):
            if line[1:].startswith("north"):
                assert "north (stale)" in line, line
        assert "1 DOWN" in header(s), header(s)
    finally:
        if tmux:
            tmux.kill()
        sim.cleanup()


def test_pause_a_member_with_a_reason(pbxtop):
    with qm_console(pbxtop, extra="", config_extra="timeout = 5\n") as (sim, tmux):
        wait_members(tmux, sim)
        target = next(m for m in members(sim) if not m["paused"])
        # walk the cursor to the member's row
        for _ in range(len(members(sim)) + 1):
            cur = cursor_line(tmux.screen())
            if cur and target["state_interface"] in cur and target["queue_name"] in cur:
                break
            tmux.send("j")
            wait_until(lambda: cursor_line(tmux.screen()) != cur, 2)
        seq = sim.last_seq()
        tmux.send("p")
        tmux.wait_for("reason:", 3)
        tmux.send_literal("Lunch break")
        tmux.send("Enter")
        wait_until(lambda: member_requests(sim, "PUT", seq), 5, what="the PUT")
        m = wait_until(lambda: next((m for m in members(sim)
                                     if m["id"] == target["id"] and m["paused"]), None), 5)
        assert m["paused_reason"] == "Lunch break", m
        tmux.wait_for(lambda s: re.search(r"[Pp]aused", status(s)), 5)
        # the next poll shows it paused, with its reason
        s = tmux.wait_for("Lunch b", 10)
        # p again on a paused member unpauses it, without asking for a reason
        tmux.send("p")
        s = tmux.wait_for("Unpause", 3)
        assert "reason:" not in s
        tmux.send("Enter")
        wait_until(lambda: next((m for m in members(sim)
                                 if m["id"] == target["id"] and not m["paused"]), None), 5)


def test_penalty_and_remove_and_add_a_member(pbxtop):
    with qm_console(pbxtop) as (sim, tmux):
        wait_members(tmux, sim)
        first = cursor_line(tmux.screen())
        assert first
        target = next(m for m in members(sim)
                      if m["state_interface"] in first and m["queue_name"] in first)
        tmux.send("P")
        tmux.wait_for("Penalty:", 3)
        tmux.send("C-u")
        tmux.send_literal("7")
        tmux.send("Enter")
        wait_until(lambda: next((m for m in members(sim)
                                 if m["id"] == target["id"] and m["penalty"] == 7), None), 5)
        # remove: confirmed with Cancel focused, so Enter alone does nothing
        seq = sim.last_seq()
        tmux.send("X")
        s = tmux.wait_for("Remove this queue member", 3)
        assert "> Cancel <" in s
        tmux.send("Enter")
        tmux.wait_gone("Remove this queue member", 3)
        assert not member_requests(sim, "DELETE", seq)
        tmux.send("X")
        tmux.wait_for("Remove this queue member", 3)
        tmux.send("y")
        wait_until(lambda: not any(m["id"] == target["id"] for m in members(sim)), 5)
        # add: the form starts on the queue under the cursor
        tmux.send("A")
        s = tmux.wait_for("Add a queue member", 3)
        tmux.send("Tab")
        tmux.send_literal("PJSIP/9999")
        tmux.send("Enter")
        wait_until(lambda: any(m["state_interface"] == "PJSIP/9999" for m in members(sim)), 5,
                   what="the new member at the simulator")
        tmux.wait_for("Added queue member", 5)


def test_delete_extension_needs_the_id_typed(pbxtop):
    sim = Sim([(BACKEND, "issabel", {})])
    tmux = None
    try:
        sim.start()
        cfg = sim.write_config(extra={BACKEND: "timeout = 5\n"})
        tmux = Tmux("%s -c %s -v ext" % (shlex.quote(pbxtop), shlex.quote(cfg)), env=pane_env())
        n = len(sim.state(BACKEND)["extensions"])
        s = tmux.wait_for(lambda s: re.search(r"\b%d extensions?\s*$" % n, header(s)), 10)
        ext = cursor_line(s)[1:].split()[0]
        seq = sim.last_seq()
        tmux.send("X")
        s = tmux.wait_for("Type %s to delete" % ext, 3)
        tmux.send("y", "Enter")                 # y is text here, not a yes
        assert "Type %s to delete" % ext in tmux.screen()
        assert not [r for r in sim.requests(BACKEND, seq) if r["method"] == "DELETE"]
        tmux.send("BSpace")
        tmux.send_literal(ext)
        tmux.send("Enter")
        wait_until(lambda: n - 1 == len(sim.state(BACKEND)["extensions"]), 10,
                   what="the extension deleted")
        dels = [r for r in sim.requests(BACKEND, seq) if r["method"] == "DELETE"]
        assert len(dels) == 1 and dels[0]["path"].endswith("/" + ext), dels
        tmux.wait_for("Deleted %s" % ext, 10)
    finally:
        if tmux:
            tmux.kill()
        sim.cleanup()


def test_filter_hides_rows_and_marks_it_hides_are_counted(pbxtop):
    with console(pbxtop) as (sim, tmux):
        s = tmux.screen()
        names = [l[1:].split()[0] for l in body_lines(s) if l[1:].strip()]
        assert len(names) >= 3, s
        tmux.send("Space", "Space")             # the first two rows
        tmux.wait_for(lambda s: "2 marked" in status(s), 3)
        keep = names[2]
        tmux.send("/")
        tmux.send_literal("channel:" + keep)
        s = tmux.wait_for(lambda s: [l[1:].split()[0] for l in body_lines(s)
                                     if l[1:].strip()] == [keep], 3)
        tmux.send("Enter")
        s = tmux.wait_for(lambda s: "2 hidden by the filter" in status(s), 3)
        assert re.search(r"1 of \d+ calls", header(s)), header(s)
        # the confirmation lists the hidden marked rows, and says they are hidden
        seq = sim.last_seq()
        tmux.send("X")
        s = tmux.wait_for("Hang up 2 channels", 3)
        assert names[0] in s and names[1] in s and "2 of them hidden by the filter" in s, s
        tmux.send("Escape")
        tmux.wait_gone("Hang up 2 channels", 3)
        assert not [r for r in sim.requests(BACKEND, seq) if r["method"] == "DELETE"]
        # ! inverts: every row but `keep`
        tmux.send("/")
        tmux.send("C-u")
        tmux.send_literal("!" + keep)
        s = tmux.wait_for(lambda s: not any(keep in l for l in body_lines(s)) and
                          len([l for l in body_lines(s) if l[1:].strip()]) == len(names) - 1, 3)
        # Esc clears the filter; n then finds the text without hiding anything
        tmux.send("Escape")
        s = tmux.wait_for(lambda s: len([l for l in body_lines(s) if l[1:].strip()])
                          == len(names), 3)
        tmux.send("/")
        tmux.send_literal(keep)
        tmux.send("Escape")
        tmux.send("n")
        s = tmux.wait_for(lambda s: cursor_line(s) and keep in cursor_line(s), 3)
        assert len([l for l in body_lines(s) if l[1:].strip()]) == len(names)


def ext_writes(sim, since):
    return [r for r in sim.requests(BACKEND, since)
            if r["method"] in ("PUT", "PATCH", "POST") and "/extensions" in r["path"]]


def test_bulk_edit_previews_each_row_before_and_after(pbxtop):
    # Issabel: jade edits only its own users' endpoints, and the seed has none
    sim = Sim([(BACKEND, "issabel", {})])
    tmux = None
    try:
        sim.start()
        cfg = sim.write_config(extra={BACKEND: "timeout = 5\n"})
        tmux = Tmux("%s -c %s -v ext" % (shlex.quote(pbxtop), shlex.quote(cfg)), env=pane_env())
        tmux.wait_for(lambda s: re.search(r"\b\d+ extensions\s*$", header(s)), 10)
        bulk_edit_session(sim, tmux)
    finally:
        if tmux:
            tmux.kill()
        sim.cleanup()


def bulk_edit(tmux, secret, context):
    tmux.send("E")
    tmux.wait_for("Edit 3 extensions", 3)
    tmux.send("Tab")
    tmux.send_literal(secret)
    tmux.send("Tab")
    tmux.send_literal(context)
    tmux.send("Enter")


def bulk_edit_session(sim, tmux):
    # mark 200, 201 and the last row, 209, whose context is empty
    tmux.send("Space", "Space", "G", "Space")
    tmux.wait_for(lambda s: "3 marked" in status(s), 3)
    seq = sim.last_seq()
    # rows the edit would not change are shown skipped; Esc sends nothing
    bulk_edit(tmux, "", "from-internal")
    s = tmux.wait_for("Bulk edit: 1 of 3 extensions change on office", 3)
    assert "200  (no change: skipped)" in s and "201  (no change: skipped)" in s, s
    assert "context: (empty) \u2192 from-internal" in s, s
    tmux.send("Escape")
    tmux.wait_for(lambda s: "cancelled" in status(s), 3)
    assert not ext_writes(sim, seq)
    # a secret counts as a change and never shows
    bulk_edit(tmux, "Sekr1t-canary", "from-sales")
    s = tmux.wait_for("Bulk edit: 3 of 3 extensions change", 3)
    assert "Sekr1t-canary" not in s, s
    body = lines(s)
    at = body.index(" 200")
    assert body[at + 1:at + 3] == ["     secret: (hidden) \u2192 (new secret)",
                                   "     context: from-internal \u2192 from-sales"], body[at:at + 3]
    assert not ext_writes(sim, seq)
    tmux.send("y")
    wait_until(lambda: len(ext_writes(sim, seq)) >= 3, 5, what="three writes")
    tmux.wait_for(lambda s: re.search(r"3 updated", status(s)), 5)
    s = tmux.wait_for(lambda s: s.count("from-sales") == 3, 10)


def ext_creates(sim, since):
    return [r for r in sim.requests(BACKEND, since)
            if r["method"] == "POST" and r["path"].rstrip("/").endswith("/extensions")]


def test_add_a_range_of_extensions(pbxtop):
    sim = Sim([(BACKEND, "issabel", {})])
    tmux = None
    try:
        sim.start()
        cfg = sim.write_config(extra={BACKEND: "timeout = 5\n"})
        tmux = Tmux("%s -c %s -v ext" % (shlex.quote(pbxtop), shlex.quote(cfg)), env=pane_env())
        tmux.wait_for(lambda s: re.search(r"\b\d+ extensions\s*$", header(s)), 10)
        seq = sim.last_seq()
        tmux.send("A")
        tmux.wait_for("Add an extension on office", 3)
        tmux.send_literal("3000")
        tmux.send("Tab", "C-u")
        tmux.send_literal("Desk {ext}")
        tmux.send("BTab", "BTab")          # back round to How many, the last field
        tmux.send("C-u")
        tmux.send_literal("12")
        tmux.wait_for("How many: 12", 3)
        tmux.send("Enter")
        # twelve records: the count must be typed back, y alone does nothing
        s = tmux.wait_for("Add 12 extensions, 3000 to 3011, on office?", 3)
        tmux.send("y", "Enter")
        tmux.wait_for("Add 12 extensions", 1)
        assert not ext_creates(sim, seq)
        tmux.send("C-u")
        tmux.send_literal("12")
        tmux.send("Enter")
        tmux.wait_for(lambda s: "Added 12 of 12 extensions on office" in status(s), 15)
        posts = ext_creates(sim, seq)
        assert len(posts) == 12, posts
        s = tmux.wait_for(lambda s: "3011" in s and "Desk 3011" in s, 10)
        assert "Desk 3000" in s
        # a range from a name that is no number is refused, naming why
        tmux.send("A")
        tmux.wait_for("Add an extension on office", 3)
        tmux.send_literal("lobby")
        tmux.send("BTab", "C-u")
        tmux.send_literal("2")
        tmux.send("Enter")
        tmux.wait_for(lambda s: "a range needs a number to start from, not 'lobby'" in status(s), 3)
        assert len(ext_creates(sim, seq)) == 12
    finally:
        if tmux:
            tmux.kill()
        sim.cleanup()
