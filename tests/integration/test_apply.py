"""`pbxtop apply FILE.csv` against the jade simulator (DESIGN.md §3, §7): creates, updates and
deletes of queue members and jade manager users (extensions), dry runs, unchanged rows,
conflicts, schema and CSV errors (exit 2, nothing sent), read-only, confirmation, secrets kept
out of every output and the journal, and an auth failure in the middle of a batch (exit 3)
finished with `pbxtop journal resume`.

Each test starts its own simulator; journals go to the simulator's directory."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from applylib import (SEED_MEMBERS, Checks, apply, calls, grep_tree, jade_sim,  # noqa: E402
                      journal, journal_dir, journal_files, journal_id_of, journal_line,
                      json_body, member_path, member_view, members, outcomes, run, writes)

HEADER = "op,view,id,queue,interface,name,penalty,paused,paused_reason\n"


def _json_int(v):
    return type(v) is int  # not bool, not str, not float


# ---------------------------------------------------------------- applying

def test_apply_creates_updates_deletes_members(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        before = member_view(sim)
        text = (HEADER +
                "update,qm,PJSIP/202@sales,,,,7,,\n"
                "update,qm,Alice Jones@sales,,,,,true,coffee break\n"
                "create,qm,,billing,PJSIP/205,Zed New,3,true,\n"
                "delete,qm,Eve Black@support,,,,,,\n"
                "update,queuemembers,Bob Smith@sales,,,,,false,\n")
        seq = sim.last_seq()
        r = apply(pbxtop, sim, cfg, text)
        assert r.rc == 0, r
        got = outcomes(r)
        assert sorted(got) == [2, 3, 4, 5, 6], r
        assert all(o[3] == "ok" for o in got.values()), r
        assert got[4][2] == "Zed New@billing", "a create reports the new member's id: %r" % r
        assert re.search(r"journal [0-9a-f-]+$", r.err.strip()), r

        # The simulator holds exactly what the file says, and nothing else changed.
        want = dict(before)
        want["PJSIP/202@sales"] = (7,) + before["PJSIP/202@sales"][1:]
        want["Alice Jones@sales"] = (before["Alice Jones@sales"][0], 1, "coffee break")
        want["Zed New@billing"] = (3, 1, "")
        del want["Eve Black@support"]
        want["Bob Smith@sales"] = (before["Bob Smith@sales"][0], 0, "")
        assert member_view(sim) == want, (member_view(sim), want)
        zed = members(sim)["Zed New@billing"]
        assert zed["state_interface"] == "PJSIP/205" and zed["queue_name"] == "billing", zed

        # On the wire: jade's JSON integers, ids escaped in the URL.
        w = writes(sim, seq)
        assert sorted(calls(w)) == sorted([
            ("PUT", member_path("PJSIP/202@sales")),
            ("PUT", member_path("Alice Jones@sales")),
            ("POST", "/v1/admin/queue/members"),
            ("DELETE", member_path("Eve Black@support")),
            ("PUT", member_path("Bob Smith@sales")),
        ]), calls(w)
        assert any(req["path"].endswith("/PJSIP%2F202%40sales") for req in w), calls(w)
        for req in w:
            assert "@" not in req["path"] and "PJSIP/202" not in req["path"], req["path"]
            if req["method"] == "DELETE":
                continue
            body = json_body(req)
            for key in ("penalty", "paused"):
                if key in body:
                    assert _json_int(body[key]), "%s must be a JSON integer: %r" % (key, req)
        by_path = {(q["method"], q["path"]): json_body(q) for q in w if q["method"] != "DELETE"}
        assert by_path[("PUT", member_path("PJSIP/202@sales"))]["penalty"] == 7
        assert by_path[("PUT", member_path("Alice Jones@sales"))]["paused"] == 1
        assert by_path[("PUT", member_path("Alice Jones@sales"))]["paused_reason"] == \
            "coffee break"
        assert by_path[("PUT", member_path("Bob Smith@sales"))]["paused"] == 0
        post = by_path[("POST", "/v1/admin/queue/members")]
        assert post["penalty"] == 3 and post["paused"] == 1, post
        assert post["queue_name"] == "billing" and post["state_interface"] == "PJSIP/205", post

        # One finished journal.
        assert len(journal_files(sim)) == 1, journal_files(sim)
        jid = journal_id_of(r)
        lst = journal(pbxtop, sim, cfg, "list")
        assert lst.rc == 0, lst
        assert "done" in journal_line(lst.out, jid), lst
        assert "UNFINISHED" not in lst.out, lst


def test_apply_view_option_and_case(pbxtop):
    """Without a view column, --view names the view; op is case-insensitive."""
    with jade_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        r = apply(pbxtop, sim, cfg, "op,id,penalty\nUPDATE,PJSIP/202@sales,9\n", "--view", "qm")
        assert r.rc == 0, r
        assert member_view(sim)["PJSIP/202@sales"][0] == 9
        assert calls(writes(sim, seq)) == [("PUT", member_path("PJSIP/202@sales"))]
        # without either: exit 2, nothing sent
        seq = sim.last_seq()
        r = apply(pbxtop, sim, cfg, "op,id,penalty\nupdate,PJSIP/202@sales,8\n")
        assert r.rc == 2, r
        assert re.search(r"changes\.csv:2: .*view", r.err), r
        assert writes(sim, seq) == []


def test_dry_run_sends_nothing(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        before = member_view(sim)
        seq = sim.last_seq()
        r = apply(pbxtop, sim, cfg,
                  HEADER + "update,qm,PJSIP/202@sales,,,,5,true,\n"
                  "create,qm,,billing,PJSIP/206,New,,,\n"
                  "delete,qm,Dave Brown@support,,,,,,\n", "--dry-run")
        assert r.rc == 0, r
        assert "paused false -> true" in r.out, r
        assert "penalty 0 -> 5" in r.out, r
        assert re.search(r"^3 create queuemembers", r.out, re.M), r
        assert re.search(r"^4 delete queuemembers Dave Brown@support", r.out, re.M), r
        reqs = sim.requests(backend="office", since=seq)
        assert reqs, "a dry run still reads the targets"
        assert all(q["method"] == "GET" or q["path"] == "/v1/admin/login" for q in reqs), \
            calls(reqs)
        assert writes(sim, seq) == [], calls(reqs)
        assert member_view(sim) == before
        assert journal_files(sim) == [], "a dry run writes no journal: %r" % journal_files(sim)
        # A conflict found by a dry run is exit 1; still nothing is sent.
        seq = sim.last_seq()
        r = apply(pbxtop, sim, cfg, "op,view,id,penalty\nupdate,qm,Gone Away@sales,3\n"
                  "update,qm,PJSIP/202@sales,4\n", "--dry-run")
        assert r.rc == 1, r
        assert writes(sim, seq) == [], calls(writes(sim, seq))
        assert member_view(sim) == before


def test_unchanged_update_sends_nothing(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        bob = members(sim)["Bob Smith@sales"]
        assert bob["paused"] == 1 and bob["penalty"] == 1
        seq = sim.last_seq()
        r = apply(pbxtop, sim, cfg, "op,view,id,penalty,paused\n"
                  "update,qm,Bob Smith@sales,1,yes\n"
                  "update,qm,PJSIP/202@sales,0,off\n")
        assert r.rc == 0, r
        got = outcomes(r)
        assert got[2][3] == "unchanged" and got[3][3] == "unchanged", r
        assert writes(sim, seq) == [], calls(writes(sim, seq))
        # A partly unchanged update sends only what changes.
        seq = sim.last_seq()
        r = apply(pbxtop, sim, cfg, "op,view,id,penalty,paused\nupdate,qm,Bob Smith@sales,4,1\n")
        assert r.rc == 0, r
        w = writes(sim, seq)
        assert calls(w) == [("PUT", member_path("Bob Smith@sales"))], calls(w)
        body = json_body(w[0])
        assert body["penalty"] == 4 and "paused" not in body, body


def test_vanished_target_is_conflict_rest_applied(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        r = apply(pbxtop, sim, cfg, "op,view,id,penalty\n"
                  "update,qm,Nobody Here@sales,3\n"
                  "update,qm,PJSIP/202@sales,4\n"
                  "delete,qm,Ghost@support,\n"
                  "update,qm,Dave Brown@support,5\n")
        assert r.rc == 1, r
        got = outcomes(r)
        assert got[2][3] == "conflict" and got[4][3] == "conflict", r
        assert got[3][3] == "ok" and got[5][3] == "ok", r
        assert "1 failed" not in r.err and "2 conflicts" in r.err, r
        view = member_view(sim)
        assert view["PJSIP/202@sales"][0] == 4 and view["Dave Brown@support"][0] == 5
        assert sorted(calls(writes(sim, seq))) == sorted([
            ("PUT", member_path("PJSIP/202@sales")), ("PUT", member_path("Dave Brown@support"))])


def test_create_of_existing_member_is_conflict(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        r = apply(pbxtop, sim, cfg, "op,view,queue,interface,name\n"
                  "create,qm,sales,PJSIP/201,Bob Again\n")
        assert r.rc == 1, r
        assert outcomes(r)[2][3] == "conflict", r
        assert writes(sim, seq) == []


# ---------------------------------------------------------------- refused before sending

SCHEMA_ERRORS = [
    # (rows after a good first row, the bad row's line, words the message must hold)
    ("op,view,id,penalty,colour\nupdate,qm,PJSIP/202@sales,3,\n"
     "update,qm,Bob Smith@sales,,red\n", 3, ["colour"]),
    ("op,view,id,penalty,paused\nupdate,qm,PJSIP/202@sales,3,\n"
     "update,qm,Bob Smith@sales,,maybe\n", 3, ["paused"]),
    ("op,view,id,penalty\nupdate,qm,PJSIP/202@sales,3\nupdate,qm,Bob Smith@sales,abc\n",
     3, ["penalty", "abc"]),
    ("op,view,id,penalty\nupdate,qm,PJSIP/202@sales,3\nupdate,qm,Bob Smith@sales,2.5\n",
     3, ["penalty"]),
    ("op,view,id,penalty\nupdate,qm,PJSIP/202@sales,3\nupdate,qm,Bob Smith@sales,-1\n",
     3, ["penalty"]),
    ("op,view,id,penalty\nupdate,qm,PJSIP/202@sales,3\nupdate,qm,Bob Smith@sales,1000001\n",
     3, ["penalty"]),
    ("op,view,id,penalty,queue\nupdate,qm,PJSIP/202@sales,3,\n"
     "update,qm,Bob Smith@sales,,support\n", 3, ["queue"]),
    ("op,view,id,penalty,name\nupdate,qm,PJSIP/202@sales,3,\n"
     "update,qm,Bob Smith@sales,,Robert\n", 3, ["name"]),
    ("op,view,id,penalty,queue,interface\nupdate,qm,PJSIP/202@sales,3,,\n"
     "create,qm,,,sales,\n", 3, ["interface"]),
    ("op,view,id,penalty,queue,interface\nupdate,qm,PJSIP/202@sales,3,,\n"
     "create,qm,,,,PJSIP/209\n", 3, ["queue"]),
    ("op,view,id,penalty\nupdate,qm,PJSIP/202@sales,3\nupdate,qm,PJSIP/201,4\n",
     3, ["name@queue"]),
    ("op,view,id,penalty\nupdate,qm,PJSIP/202@sales,3\nrename,qm,Bob Smith@sales,4\n",
     3, ["op"]),
    ("op,view,id,penalty\nupdate,qm,PJSIP/202@sales,3\nupdate,ringgroups,600,4\n",
     3, []),
    ("op,view,id,extension,password\nupdate,qm,PJSIP/202@sales,,\n"
     "create,ext,,7001,abc\n", 3, ["password"]),
    ("op,view,id,extension,name\nupdate,qm,PJSIP/202@sales,,\ncreate,ext,,7002,Lab\n",
     3, ["password"]),
    ("op,view,id,extension,password\nupdate,qm,PJSIP/202@sales,,\n"
     "create,ext,,70 01,Secret-Pw-1\n", 3, ["extension"]),
]


def test_schema_errors_exit_2_nothing_sent(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        before = member_view(sim)
        ck = Checks()
        for text, line, words in SCHEMA_ERRORS:
            seq = sim.last_seq()
            r = apply(pbxtop, sim, cfg, text)
            bad = text.splitlines()[line - 1]
            if not ck.check(r.rc == 2, "row %r: exit %d, want 2: %r" % (bad, r.rc, r)):
                continue
            both = r.out + r.err
            # The message names the line (file:LINE or the row's "LINE ..." report) and
            # the field.
            msg = [m for m in both.splitlines()
                   if re.match(r"^(pbxtop: \S*changes\.csv:)?%d[: ]" % line, m)]
            ck.check(msg, "row %r: no message names line %d: %r" % (bad, line, r))
            for word in words:
                ck.check(any(word in m for m in msg),
                         "row %r: the message does not name %r: %r" % (bad, word, r))
            ck.check(writes(sim, seq) == [], "row %r: something was sent: %r" % (
                bad, calls(writes(sim, seq))))
            ck.check("Secret-Pw-1" not in both, "row %r: the password is shown: %r" % (bad, r))
        ck.check(member_view(sim) == before, "members changed")
        ck.check(journal_files(sim) == [], "journals written: %r" % journal_files(sim))
        ck.done()


CSV_ERRORS = [
    # (file bytes, line, column or None when only the line is checked)
    (b"op,view,id,penalty\nupdate,qm,PJSIP/202@sales,3\nupdate,qm,\"Bob Smith@sales,4\n",
     3, None),
    (b"op,view,id,penalty\nupdate,qm,PJSIP/202@sales,3\nupdate,qm,Bob \"Smith\"@sales,4\n",
     3, 15),
    (b"op,view,id,penalty\nupdate,qm,PJSIP/202@sales,3\nupdate,qm,\"Bob Smith@sales\"x,4\n",
     3, 28),
    (b"op,view,id,penalty\r\nupdate,qm,PJSIP/202@sales,3\r\nupdate,qm,Bob\"@sales,4\r\n",
     3, 14),
]


def test_csv_syntax_errors_exit_2(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        ck = Checks()
        for data, line, col in CSV_ERRORS:
            seq = sim.last_seq()
            r = apply(pbxtop, sim, cfg, data)
            ck.check(r.rc == 2, "%r: exit %d, want 2" % (data, r.rc))
            pat = r"changes\.csv:%d:%s: " % (line, col if col else r"\d+")
            ck.check(re.search(pat, r.err), "%r: stderr does not point at %d:%s: %r" % (
                data, line, col, r.err))
            ck.check(writes(sim, seq) == [], "%r: something was sent" % data)
        # the file does not exist / is not a file
        seq = sim.last_seq()
        r = run(pbxtop, sim, ["-c", cfg, "apply", os.path.join(sim.dir, "missing.csv"), "-b",
                              "office", "--yes"])
        ck.check(r.rc == 2 and "missing.csv" in r.err, "a missing file: %r" % r)
        r = run(pbxtop, sim, ["-c", cfg, "apply", sim.dir, "-b", "office", "--yes"])
        ck.check(r.rc == 2, "a directory as the file: %r" % r)
        # an empty file, a header without op
        r = apply(pbxtop, sim, cfg, "")
        ck.check(r.rc == 2, "an empty file: %r" % r)
        r = apply(pbxtop, sim, cfg, "view,id,penalty\nqm,PJSIP/202@sales,3\n")
        ck.check(r.rc == 2 and "op" in r.err, "no op column: %r" % r)
        r = apply(pbxtop, sim, cfg, "op,view,id,penalty,penalty\nupdate,qm,PJSIP/202@sales,3,4\n")
        ck.check(r.rc == 2 and "twice" in r.err, "a column twice: %r" % r)
        r = apply(pbxtop, sim, cfg, "op,view,id,penalty\nupdate,qm,PJSIP/202@sales,3,4\n")
        ck.check(r.rc == 2 and "changes.csv:2" in r.err, "more cells than columns: %r" % r)
        ck.check(writes(sim, seq) == [], "something was sent")
        ck.done()


def test_read_only_refused_before_any_request(pbxtop):
    with jade_sim() as sim:
        text = "op,view,id,penalty\nupdate,qm,PJSIP/202@sales,3\n"
        configs = [
            ("--read-only before apply", sim.write_config(), ["--read-only"]),
            ("read_only in the backend", sim.write_config(
                extra={"office": "read_only = true"}, path=os.path.join(sim.dir, "ro1.ini")), []),
            ("read_only in [pbxtop]", sim.write_config(
                global_extra="read_only = true", path=os.path.join(sim.dir, "ro2.ini")), []),
        ]
        for what, cfg, pre in configs:
            seq = sim.last_seq()
            r = apply(pbxtop, sim, cfg, text, pre=pre)
            assert r.rc == 2, (what, r)
            assert "read-only" in (r.out + r.err).lower(), (what, r)
            assert sim.requests(backend="office", since=seq) == [], \
                (what, calls(sim.requests(backend="office", since=seq)))
        assert member_view(sim)["PJSIP/202@sales"][0] == 0
        assert journal_files(sim) == []


def test_no_yes_without_terminal_refused(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        r = apply(pbxtop, sim, cfg, "op,view,id,penalty\nupdate,qm,PJSIP/202@sales,3\n"
                  "delete,qm,Dave Brown@support,\n", yes=False)
        assert r.rc == 2, r
        assert "--yes" in r.err, r
        assert writes(sim, seq) == [], calls(writes(sim, seq))
        assert member_view(sim)["PJSIP/202@sales"][0] == 0
        assert "Dave Brown@support" in members(sim)
        assert journal_files(sim) == []


# ---------------------------------------------------------------- secrets

def test_extension_password_never_shown(pbxtop):
    pw, pw2 = "Zq-Pa55word-Create-771", "Zq-Pa55word-Update-772"
    with jade_sim() as sim:
        cfg = sim.write_config()
        text = ("op,view,id,extension,name,password,context\n"
                "create,ext,,7001,Lab Bench,%s,from-internal\n" % pw)
        results = []
        r = apply(pbxtop, sim, cfg, text, "--dry-run")
        results.append(r)
        assert r.rc == 0, r
        assert "(hidden)" in r.out, r
        seq = sim.last_seq()
        r = apply(pbxtop, sim, cfg, text)
        results.append(r)
        assert r.rc == 0, r
        assert outcomes(r)[2][3] == "ok", r
        st = sim.state("office")
        assert "7001" in [u["username"] for u in st["users"]], st["users"]
        assert "7001" in st["endpoints"], st["endpoints"]
        post = [q for q in writes(sim, seq) if q["method"] == "POST"]
        assert len(post) == 1 and json_body(post[0])["password"] == pw, calls(writes(sim, seq))
        jid = journal_id_of(r)

        r = apply(pbxtop, sim, cfg, "op,view,id,password,name\nupdate,ext,7001,%s,Lab 2\n" % pw2)
        results.append(r)
        assert r.rc == 0, r
        jid2 = journal_id_of(r)

        for batch in (jid, jid2):
            s = journal(pbxtop, sim, cfg, "show", batch)
            results.append(s)
            assert s.rc == 0, s
            assert "password=(withheld)" in s.out, s
        results.append(journal(pbxtop, sim, cfg, "list"))
        for p in (pw, pw2):
            hits = grep_tree(journal_dir(sim), p)
            assert hits == [], "the password is in the journal: %r" % hits
            for x in results:
                assert p not in x.out and p not in x.err, "the password is shown: %r" % x


# ---------------------------------------------------------------- auth lost mid-batch

def test_auth_failure_mid_batch_then_resume(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        want = {m: 20 + i for i, m in enumerate(SEED_MEMBERS)}
        text = "op,view,id,penalty\n" + "".join(
            "update,qm,%s,%d\n" % (m, want[m]) for m in SEED_MEMBERS)
        # The first write goes through; from then on every PUT is refused with 403 (jade's
        # answer to a token it does not accept), also after a fresh login.
        first = sim.fault(backend="office", kind="delay", ms=1, method="PUT", count=1)
        sim.fault(backend="office", kind="status", status=403, method="PUT")
        seq = sim.last_seq()
        r = apply(pbxtop, sim, cfg, text)
        assert r.rc == 3, r
        jid = journal_id_of(r) if "journal " in r.err else None
        assert re.search(r"pbxtop journal resume ([0-9a-f-]+)", r.err), r
        resume_id = re.search(r"pbxtop journal resume ([0-9a-f-]+)", r.err).group(1)
        assert jid is None or jid == resume_id, r
        sent = writes(sim, seq)
        carried = [q for q in sent if q.get("fault") == first]
        assert len(carried) == 1, calls(sent)
        done_path = carried[0]["path"]
        done_member = [m for m in SEED_MEMBERS if member_path(m) == done_path][0]
        # No more than what was in flight when the refusal came (4 at once, and one more
        # when the first answer freed a place); the last row waits for all others, so it
        # was never sent.
        assert len({q["path"] for q in sent}) <= 5, calls(sent)
        assert member_path(SEED_MEMBERS[-1]) not in [q["path"] for q in sent], calls(sent)
        got = outcomes(r)
        ck = Checks()
        ck.check(got.get(len(SEED_MEMBERS) + 1, ("",) * 4)[3] == "not attempted",
                 "every row gets its outcome line; the row never sent (line %d) should read "
                 "'%d queuemembers update %s: not attempted...'; stdout was:\n%s" % (
                     len(SEED_MEMBERS) + 1, len(SEED_MEMBERS) + 1, SEED_MEMBERS[-1], r.out))
        assert [o[3] for o in got.values()].count("ok") == 1, r
        view = member_view(sim)
        assert view[done_member][0] == want[done_member]
        assert sum(1 for m in SEED_MEMBERS if view[m][0] == want[m]) == 1, view

        lst = journal(pbxtop, sim, cfg, "list")
        assert "UNFINISHED" in journal_line(lst.out, resume_id), lst

        # After the fault is gone, resume sends exactly what was not carried out.
        sim.clear_faults()
        seq = sim.last_seq()
        res = journal(pbxtop, sim, cfg, "resume", resume_id, "--yes")
        assert res.rc == 0, res
        again = writes(sim, seq)
        assert sorted(calls(again)) == sorted(
            ("PUT", member_path(m)) for m in SEED_MEMBERS if m != done_member), calls(again)
        view = member_view(sim)
        assert all(view[m][0] == want[m] for m in SEED_MEMBERS), view
        lst = journal(pbxtop, sim, cfg, "list")
        assert "done" in journal_line(lst.out, resume_id), lst
        assert "UNFINISHED" not in lst.out, lst
        ck.done()


def test_connection_lost_mid_batch_then_resume(pbxtop):
    """A write whose connection drops (not carried out) stops the batch (exit 3); resume sends
    it again with the rows never started, and nothing that was done."""
    with jade_sim() as sim:
        cfg = sim.write_config()
        want = {m: 30 + i for i, m in enumerate(SEED_MEMBERS)}
        text = "op,view,id,penalty\n" + "".join(
            "update,qm,%s,%d\n" % (m, want[m]) for m in SEED_MEMBERS)
        dropped = SEED_MEMBERS[1]
        sim.fault(backend="office", kind="drop", method="PUT", path=re.escape(
            member_path(dropped)) + "$")
        seq = sim.last_seq()
        r = apply(pbxtop, sim, cfg, text)
        assert r.rc == 3, r
        resume_id = re.search(r"pbxtop journal resume ([0-9a-f-]+)", r.err).group(1)
        got = outcomes(r)
        assert got[3][3] == "unreachable", r
        first = {q["path"] for q in writes(sim, seq)}
        assert member_path(SEED_MEMBERS[-1]) not in first, first
        ok_before = {m for m in SEED_MEMBERS
                     if member_path(m) in first and m != dropped}
        sim.clear_faults()
        seq = sim.last_seq()
        res = journal(pbxtop, sim, cfg, "resume", resume_id, "--yes")
        assert res.rc == 0, res
        assert sorted(calls(writes(sim, seq))) == sorted(
            ("PUT", member_path(m)) for m in SEED_MEMBERS if m not in ok_before), \
            calls(writes(sim, seq))
        view = member_view(sim)
        assert all(view[m][0] == want[m] for m in SEED_MEMBERS), view
        lst = journal(pbxtop, sim, cfg, "list")
        assert "done" in journal_line(lst.out, resume_id), lst
