"""The queue members view grouped by queue (issue 4): a summary line per queue and the callers
waiting in it, checked against the simulator's own state at 80x24; a caller who leaves is gone
at the next poll; the cursor, marks and every member action land on member rows only, never
on a summary or caller line; the queues and callers are polled only while the view shows them,
with one queuestatus call per refresh on Issabel."""

import re
import shlex
import time

from tuikit import (BACKEND, Sim, Tmux, console, header, lines, pane_env, status,
                    wait_until)

ENTRIES_PATH = "/v1/admin/queue/entries"
MEMBERS_PATH = "/v1/admin/queue/members"
HEAD = re.compile(r"^(?:\u25be|=) (\S+)")
CALLER = re.compile(r"^    +(\d+|-)\. (.*?)\s+wait\s+(\d+(?::\d\d)+)  (.*)$")
MEMBER = re.compile(r"^([ >*])(\S+)\s+(\S+)")
# AST_DEVICE_* numbers as jade's members carry them.
UNAVAILABLE, INVALID, RINGING = 5, 4, 6
BUSY_STATES = (2, 3, 7, 8)   # in use, busy, ring+inuse, on hold


def body(screen):
    ls = lines(screen)
    if ls and ls[-1] == "":
        ls = ls[:-1]
    return ls[2:-1]


def groups(screen):
    """{queue: {"head": line, "callers": [(pos, party, secs, channel)], "members": [line]}}
    in screen order, from the lines below the column titles."""
    out, cur = {}, None
    for line in body(screen):
        m = HEAD.match(line)
        if m:
            cur = out.setdefault(m.group(1), {"head": line, "callers": [], "members": []})
            continue
        c = CALLER.match(line)
        if c and cur is not None:
            secs = 0
            for part in c.group(3).split(":"):
                secs = secs * 60 + int(part)
            cur["callers"].append((c.group(1), c.group(2).strip(), secs, c.group(4).strip()))
        elif MEMBER.match(line) and cur is not None:
            cur["members"].append(line)
    return out


def field(head, label):
    """The number in front of `label` on a summary line ("2 waiting", "1/3 avail"), or None
    when the line does not show that field."""
    m = re.search(r"(\S+) %s\b" % label, head)
    return m.group(1) if m else None


def cursor_line(screen):
    return next((l for l in body(screen) if l.startswith(">")), None)


def expected_counts(members, queue):
    mine = [m for m in members if m["queue_name"] == queue]
    logged = [m for m in mine if m["status"] not in (UNAVAILABLE, INVALID)]
    busy = [m for m in mine if m["in_call"] or m["status"] in BUSY_STATES]
    avail = [m for m in logged if not m["paused"] and m not in busy and m["status"] != RINGING]
    return {"avail": "%d/%d" % (len(avail), len(logged)),
            "paused": str(sum(1 for m in mine if m["paused"]))}


def qm_console(pbxtop, **kw):
    return console(pbxtop, args="-v qm", wait_rows=False, **kw)


def wait_queues(tmux, sim, timeout=10):
    n = len(sim.state(BACKEND)["members"])
    return tmux.wait_for(lambda s: re.search(r"\b%d queue members?\s*$" % n, header(s))
                         and "waiting" in s, timeout)


def add_caller(sim, queue, age, **fields):
    over = dict(kind="queue_wait", queue=queue, age=age)
    over.update(fields)
    return sim.op(BACKEND, "add_channel", channel=over)


def test_summary_and_waiting_callers_match_the_simulator_at_80x24(pbxtop):
    def prepare(sim):
        # billing has no members and, but for this hostile caller, nobody waiting
        add_caller(sim, "billing", 75, caller_id_num="+15550100",
                   caller_id_name="\x1b]2;PW\x07\u202e")
    with qm_console(pbxtop, x=80, y=24, prepare=prepare) as (sim, tmux):
        s = wait_queues(tmux, sim)
        st = sim.state(BACKEND)
        got = groups(s)
        assert list(got) == sorted(q["name"] for q in st["queues"]), list(got)
        for q in st["queues"]:
            g, name = got[q["name"]], q["name"]
            entries = sorted((e for e in st["entries"] if e["queue_name"] == name),
                             key=lambda e: e["position"])
            want = expected_counts(st["members"], name)
            assert field(g["head"], "waiting") == str(len(entries)), (name, g["head"])
            assert field(g["head"], "avail") == want["avail"], (name, g["head"], want)
            assert field(g["head"], "paused") == want["paused"], (name, g["head"], want)
            # what 80 columns leave room for must be right; what is dropped is dropped whole
            for label, key in (("abandoned", "abandoned"), ("done", "completed")):
                shown = field(g["head"], label)
                assert shown in (None, str(q[key])), (name, label, g["head"])
            assert field(g["head"], "abandoned") is not None, g["head"]
            assert len(g["head"]) <= 80, g["head"]
            # every waiting caller, in the queue's order, under its queue's summary
            assert [c[0] for c in g["callers"]] == [str(e["position"]) for e in entries], g
            for c, e in zip(g["callers"], entries):
                assert c[1].startswith(e["caller_id_num"]), (c, e)
                assert c[3] == e["channel"], (c, e)
            assert len(g["members"]) == sum(1 for m in st["members"] if m["queue_name"] == name)
        billing = got["billing"]
        pos, party, secs, chan = billing["callers"][0]
        assert 75 <= secs <= 75 + 15, billing          # as long as it has waited, ticking
        assert re.search(r"max 0?1:[0-9]{2}", billing["head"]), billing["head"]
        # hostile caller text is shown escaped, never sent to the terminal raw
        assert party == '+15550100 "\\x1b]2;PW\\x07\\u202e"', party
        assert "\x1b" not in s and "\u202e" not in s
        assert tmux.title() != "PW"
        # the numbers line up: each field starts in the same column on every summary
        heads = [g["head"] for g in got.values()]
        for label in ("waiting", "avail", "paused", "abandoned"):
            ends = {h.index(" " + label) for h in heads}
            assert len(ends) == 1, (label, heads)


def test_a_caller_who_leaves_is_gone_at_the_next_poll(pbxtop):
    with qm_console(pbxtop) as (sim, tmux):
        wait_queues(tmux, sim)
        chan = add_caller(sim, "billing", 30, caller_id_num="+15550199")
        s = tmux.wait_for(lambda s: any(c[1].startswith("+15550199")
                                        for c in groups(s).get("billing", {}).get("callers", [])),
                          5)
        assert field(groups(s)["billing"]["head"], "waiting") == "1", s
        sim.op(BACKEND, "remove_channel", unique_id=chan["unique_id"])
        seq = sim.last_seq()
        # the first poll of the callers after the caller left: then the line must go
        wait_until(lambda: any(r["path"] == ENTRIES_PATH for r in sim.requests(BACKEND, seq)), 5,
                   what="a poll of the waiting callers")
        s = tmux.wait_for(lambda s: "+15550199" not in s, 2)
        g = groups(s)["billing"]
        assert g["callers"] == [] and field(g["head"], "waiting") == "0", g
        assert "max" not in g["head"], g["head"]      # nobody waits: no longest wait either


def member_writes(sim, since):
    return [r for r in sim.requests(BACKEND, since)
            if r["method"] in ("PUT", "POST", "DELETE")
            and (r["path"].startswith(MEMBERS_PATH) or r["path"].startswith(ENTRIES_PATH)
                 or r["path"].startswith("/v1/admin/core/channels/"))]


def test_cursor_marks_and_actions_land_on_member_rows_only(pbxtop):
    def prepare(sim):
        add_caller(sim, "billing", 40)
        add_caller(sim, "support", 20)
    with qm_console(pbxtop, x=80, y=24, prepare=prepare) as (sim, tmux):
        s = wait_queues(tmux, sim)
        st = sim.state(BACKEND)
        ids = {"%s@%s" % (m["name"], m["queue_name"]) for m in st["members"]}
        seq = sim.last_seq()
        # the cursor starts on the first member, below two summaries and a caller, and
        # walks every member row and nothing else; Up at the top and Down at the end stay
        tmux.send("k")
        seen = []
        for _ in range(len(ids) + 2):
            cur = cursor_line(tmux.screen())
            assert cur and MEMBER.match(cur) and "PJSIP/" in cur, cur
            if cur not in seen:
                seen.append(cur)
            tmux.send("j")
            time.sleep(0.1)
        assert len(seen) == len(ids), seen
        # mark all: the members, not the summary or caller lines
        tmux.send("M")
        s = tmux.wait_for(lambda s: "marked" in status(s), 3)
        assert re.search(r"\b%d marked" % len(ids), status(s)), status(s)
        marked = [l for l in body(s) if l.startswith("*")]
        assert all(MEMBER.match(l) and "PJSIP/" in l for l in marked), marked
        assert not any(HEAD.match(l) or CALLER.match(l) for l in body(s) if l[:1] in "*>")
        # the removal asks about exactly the members
        tmux.send("X")
        s = tmux.wait_for("Remove %d queue members" % len(ids), 3)
        assert all(i in s for i in ids), (ids, s)
        tmux.send("Escape")
        tmux.wait_gone("Remove %d" % len(ids), 3)
        tmux.send("U")
        tmux.wait_for(lambda s: "marked" not in status(s), 3)
        # billing has a caller and no member: filtered to it, nothing can be acted on
        tmux.send("/")
        tmux.send_literal("billing")
        tmux.send("Enter")
        s = tmux.wait_for(lambda s: list(groups(s)) == ["billing"], 3)
        g = groups(s)
        assert len(g["billing"]["callers"]) == 1 and g["billing"]["members"] == [], s
        assert cursor_line(s) is None, s
        for key, words in (("X", "no queue member to act on"), ("p", "no queue member to change"),
                           ("P", "no queue member to change"), ("E", "no queue member to change")):
            tmux.send(key)
            s = tmux.wait_for(lambda s: words in status(s), 3)
            assert "Remove" not in s and "Pause" not in s.split("\n")[1], s
        tmux.send("Space")
        time.sleep(0.3)
        assert "marked" not in status(tmux.screen())
        tmux.send("Escape")
        tmux.wait_for(lambda s: sum(len(g["members"]) for g in groups(s).values()) == len(ids), 3)
        assert member_writes(sim, seq) == [], member_writes(sim, seq)
        # p on the member right under support's caller pauses that member, and only it
        tmux.send("Home")
        for _ in range(len(ids)):
            cur = cursor_line(tmux.screen())
            if cur.split()[0] == ">support":
                break
            tmux.send("j")
            wait_until(lambda: cursor_line(tmux.screen()) != cur, 2)
        cur = cursor_line(tmux.screen())
        target = next(m for m in st["members"]
                      if m["queue_name"] == "support" and m["state_interface"] in cur)
        tmux.send("p")
        if not target["paused"]:
            tmux.wait_for("reason:", 3)
            tmux.send_literal("coffee")
        tmux.send("Enter")
        wait_until(lambda: member_writes(sim, seq), 5, what="the pause")
        writes = member_writes(sim, seq)
        assert len(writes) == 1 and writes[0]["method"] == "PUT", writes
        assert '"support"' in writes[0]["body"] and target["state_interface"] in writes[0]["body"]
        assert len(sim.state(BACKEND)["entries"]) == len(st["entries"])   # callers untouched


def test_queues_and_callers_polled_only_while_shown(pbxtop):
    with qm_console(pbxtop) as (sim, tmux):
        wait_queues(tmux, sim)
        seq = sim.last_seq()
        wait_until(lambda: {r["path"] for r in sim.requests(BACKEND, seq)} >=
                   {ENTRIES_PATH, "/v1/admin/queue/queues", MEMBERS_PATH}, 5,
                   what="members, queues and callers polled")
        tmux.send(":")
        tmux.send_literal("ch")
        tmux.send("Enter")
        tmux.wait_for(lambda s: " CHANNEL " in lines(s)[1], 5)
        time.sleep(1.2)                              # a poll already sent may still land
        seq = sim.last_seq()
        time.sleep(2.5)                              # more than two refreshes
        late = [r["path"] for r in sim.requests(BACKEND, seq) if "/queue/" in r["path"]]
        assert late == [], late


def test_issabel_one_queuestatus_per_refresh_serves_members_queues_and_callers(pbxtop):
    sim = Sim([(BACKEND, "issabel", {})])
    tmux = None
    try:
        sim.start()
        sim.op(BACKEND, "add_call", kind="inbound_queue", age=50)
        cfg = sim.write_config(extra={BACKEND: "timeout = 5\n"})
        tmux = Tmux("%s -c %s -v qm" % (shlex.quote(pbxtop), shlex.quote(cfg)), x=80, y=24,
                    env=pane_env())
        s = tmux.wait_for(lambda s: re.search(r"\d+ queue members\s*$", header(s))
                          and "waiting" in s, 10)
        st = sim.state(BACKEND)
        got = groups(s)
        for q in st["queues"]:
            entries = [e for e in st["entries"] if e["Queue"] == q["Queue"]]
            g = got[q["Queue"]]
            assert field(g["head"], "waiting") == str(len(entries)), (q, g)
            assert [c[3] for c in g["callers"]] == [e["Channel"] for e in entries], (q, g)
            assert field(g["head"], "abandoned") == q["Abandoned"], g["head"]
        assert any(g["callers"] for g in got.values()), s
        seq = sim.last_seq()
        time.sleep(3.5)
        times = [r["t"] for r in sim.requests(BACKEND, seq)
                 if r["path"] == "/pbxapi/manager/queuestatus"]
        assert 2 <= len(times) <= 5, times           # refresh = 1 s: one call each, not three
        assert all(b - a > 0.5 for a, b in zip(times, times[1:])), times
    finally:
        if tmux:
            tmux.kill()
        sim.cleanup()
