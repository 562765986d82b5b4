"""`pbxtop journal` against the jade simulator (DESIGN.md §7): crash safety (kill -9 while
writes are in flight, then `journal resume` settles what was sent by re-reading and sends only
what never started), hang ups in the journal, damaged journals, secrets that a resume cannot
redo, and ids that try to leave the journal directory.

Each test starts its own simulator; journals go to the simulator's directory."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from applylib import (Background, Checks, apply, calls, grep_tree, jade_sim,  # noqa: E402
                      journal, journal_dir, journal_files, journal_id_of, journal_line,
                      member_path, member_view, members, outcomes, run, show_items,
                      state_home, wait_until, write_csv, writes)

DELAY_MS = 3000


def test_kill9_mid_write_then_resume(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        text = ("op,view,id,queue,interface,name,penalty,paused\n"
                "update,qm,PJSIP/202@sales,,,,3,\n"          # 2  item 0: fast, done
                "update,qm,Alice Jones@sales,,,,4,\n"        # 3  item 1: slow, in flight
                "create,qm,,billing,PJSIP/209,Zed,2,\n"      # 4  item 2: slow, in flight
                "delete,qm,Eve Black@support,,,,,\n"         # 5  item 3: slow, in flight
                "update,qm,Dave Brown@support,,,,6,\n"       # 6  item 4: slow, in flight
                "update,qm,Bob Smith@sales,,,,,false\n"      # 7  item 5: never started
                "update,qm,Alice Jones@support,,,,8,\n")     # 8  item 6: never started
        slow = [("PUT", member_path("Alice Jones@sales")),
                ("POST", "/v1/admin/queue/members"),
                ("DELETE", member_path("Eve Black@support")),
                ("PUT", member_path("Dave Brown@support"))]
        for method, path in slow:
            sim.fault(backend="office", kind="delay", ms=DELAY_MS, method=method,
                      path=re.escape(path) + "$")
        path = write_csv(sim, text)
        seq = sim.last_seq()
        bg = Background(pbxtop, sim, ["-c", cfg, "apply", path, "-b", "office", "--yes"])
        try:
            # Four slow writes fill every place (4 at once); the fast one has its outcome in
            # the journal. Then pbxtop dies while the four are still in flight.
            def in_flight():
                got = calls(writes(sim, seq))
                files = journal_files(sim)
                if not files or not all(s in got for s in slow):
                    return None
                with open(files[0]) as f:
                    return "\noutcome\t0\t" in f.read()
            wait_until(in_flight, timeout=DELAY_MS / 1000.0 - 0.5, step=0.02,
                       what="the slow writes in flight and the fast one journaled")
            assert bg.kill9() == -9
        finally:
            bg.cleanup()
        sent = calls(writes(sim, seq))
        assert sorted(sent) == sorted([("PUT", member_path("PJSIP/202@sales"))] + slow), sent
        ck = Checks()

        files = journal_files(sim)
        assert len(files) == 1, files
        jid = os.path.basename(files[0])[:-len(".journal")]
        lst = journal(pbxtop, sim, cfg, "list")
        assert lst.rc == 0, lst
        assert "UNFINISHED" in journal_line(lst.out, jid), lst
        show = journal(pbxtop, sim, cfg, "show", jid)
        assert show.rc == 0, show
        items = show_items(show.out)
        assert sorted(items) == list(range(7)), show
        assert items[0].endswith("=> ok"), show
        for n in (1, 2, 3, 4):
            assert "sent, outcome unknown" in items[n], (n, show)
        for n in (5, 6):
            assert "not sent" in items[n], (n, show)

        # The simulator carries the slow writes out once their delay is over, although
        # nobody waits for the answer any more.
        def carried_out():
            m = members(sim)
            return (m.get("Alice Jones@sales", {}).get("penalty") == 4 and "Zed@billing" in m
                    and "Eve Black@support" not in m
                    and m.get("Dave Brown@support", {}).get("penalty") == 6)
        wait_until(carried_out, timeout=DELAY_MS / 1000.0 + 5, what="the slow writes done")
        sim.clear_faults()

        # Resume: what was sent is settled by re-reading, never sent again; the rows never
        # started are sent.
        seq = sim.last_seq()
        res = journal(pbxtop, sim, cfg, "resume", jid, "--yes")
        again = calls(writes(sim, seq))
        ck.check(sorted(again) == sorted([("PUT", member_path("Bob Smith@sales")),
                                          ("PUT", member_path("Alice Jones@support"))]),
                 "resume sends exactly the two rows never started, got %r" % again)
        got = outcomes(res)
        for line in (3, 4, 5, 6):
            ck.check(line in got and got[line][3] in ("ok", "gone"),
                     "line %d (carried out before the crash) should be settled as done, "
                     "not %r" % (line, got.get(line)))
        ck.check(got.get(7, ("",) * 4)[3] == "ok" and got.get(8, ("",) * 4)[3] == "ok",
                 "the rows never started are applied: %r" % res)
        ck.check(res.rc == 0, "resume exits %d, want 0: %r" % (res.rc, res))
        view = member_view(sim)
        ck.check(view["Bob Smith@sales"][1] == 0 and view["Alice Jones@support"][0] == 8,
                 "final state: %r" % view)
        ck.check(view["PJSIP/202@sales"][0] == 3 and view["Alice Jones@sales"][0] == 4,
                 "final state: %r" % view)
        ck.check(sum(1 for m in members(sim) if m.startswith("Zed@")) == 1,
                 "exactly one Zed: %r" % sorted(members(sim)))

        lst = journal(pbxtop, sim, cfg, "list")
        ck.check("done" in journal_line(lst.out, jid), "list after resume: %r" % lst.out)
        show = journal(pbxtop, sim, cfg, "show", jid)
        ck.check(show.rc == 0 and "outcome unknown" not in show.out and "not sent" not in
                 show.out,
                 "after the resume every item has its outcome in the journal:\n%s" % show.out)

        # Nothing is left: a second resume does nothing.
        seq = sim.last_seq()
        res2 = journal(pbxtop, sim, cfg, "resume", jid, "--yes")
        ck.check(res2.rc == 0 and "nothing to do" in res2.out,
                 "a second resume says there is nothing to do: %r" % res2)
        ck.check(writes(sim, seq) == [], "a second resume sent %r" % calls(writes(sim, seq)))
        ck.done()


def test_resume_without_yes_and_terminal_refused(pbxtop):
    """A resume that would send something asks first; without a terminal it refuses."""
    with jade_sim() as sim:
        cfg = sim.write_config()
        sim.fault(backend="office", kind="status", status=403, method="PUT")
        r = apply(pbxtop, sim, cfg, "op,view,id,penalty\nupdate,qm,PJSIP/202@sales,3\n"
                  "update,qm,Bob Smith@sales,4\n")
        assert r.rc == 3, r
        jid = re.search(r"pbxtop journal resume ([0-9a-f-]+)", r.err).group(1)
        sim.clear_faults()
        seq = sim.last_seq()
        res = journal(pbxtop, sim, cfg, "resume", jid)
        assert res.rc == 2, res
        assert "--yes" in res.err, res
        assert writes(sim, seq) == [], calls(writes(sim, seq))
        lst = journal(pbxtop, sim, cfg, "list")
        assert "UNFINISHED" in journal_line(lst.out, jid), lst
        res = journal(pbxtop, sim, cfg, "resume", jid, "--yes")
        assert res.rc == 0, res
        assert member_view(sim)["PJSIP/202@sales"][0] == 3
        assert member_view(sim)["Bob Smith@sales"][0] == 4


def test_resume_cannot_redo_withheld_password(pbxtop):
    """A create whose password the journal does not keep cannot be redone by a resume: it
    says which line to apply again, and the password is nowhere."""
    pw = "Zq-Never-In-Journal-9931"
    with jade_sim() as sim:
        cfg = sim.write_config()
        sim.fault(backend="office", kind="status", status=403, method="PUT")
        r = apply(pbxtop, sim, cfg, "op,view,id,penalty,extension,password\n"
                  "update,qm,PJSIP/202@sales,3,,\n"
                  "create,ext,,,7005,%s\n" % pw)
        assert r.rc == 3, r
        jid = re.search(r"pbxtop journal resume ([0-9a-f-]+)", r.err).group(1)
        sim.clear_faults()
        seq = sim.last_seq()
        res = journal(pbxtop, sim, cfg, "resume", jid, "--yes")
        assert res.rc == 1, res
        assert re.search(r"line\(s\) 3\b", res.err), res
        assert member_view(sim)["PJSIP/202@sales"][0] == 3
        assert "7005" not in [u["username"] for u in sim.state("office")["users"]]
        assert all(q["path"] != "/v1/manager/users" for q in writes(sim, seq)), \
            calls(writes(sim, seq))
        show = journal(pbxtop, sim, cfg, "show", jid)
        assert "password=(withheld)" in show.out, show
        for x in (r, res, show):
            assert pw not in x.out + x.err, x
        assert grep_tree(state_home(sim), pw) == []


def test_hangup_is_journaled(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        uid = sim.state("office")["channels"][0]["unique_id"]
        r = run(pbxtop, sim, ["-c", cfg, "hangup", "-b", "office", "--yes", uid])
        assert r.rc == 0, r
        assert uid not in [c["unique_id"] for c in sim.state("office")["channels"]]
        files = journal_files(sim)
        assert len(files) == 1, files
        jid = os.path.basename(files[0])[:-len(".journal")]
        lst = journal(pbxtop, sim, cfg)
        assert lst.rc == 0, lst
        line = journal_line(lst.out, jid)
        assert "done" in line and "office" in line, lst
        show = journal(pbxtop, sim, cfg, "show", jid)
        assert show.rc == 0, show
        items = show_items(show.out)
        assert len(items) == 1, show
        assert "channels" in items[0] and uid in items[0] and items[0].endswith("=> ok"), show


def _damage(path, line_no, new_line):
    with open(path) as f:
        lines = f.read().split("\n")
    lines[line_no - 1] = new_line
    with open(path, "w") as f:
        f.write("\n".join(lines))


def test_damaged_journal_reported(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        r = apply(pbxtop, sim, cfg, "op,view,id,penalty\nupdate,qm,PJSIP/202@sales,3\n"
                  "update,qm,Bob Smith@sales,4\n")
        assert r.rc == 0, r
        bad_id = journal_id_of(r)
        r = apply(pbxtop, sim, cfg, "op,view,id,penalty\nupdate,qm,Dave Brown@support,5\n")
        assert r.rc == 0, r
        good_id = journal_id_of(r)
        path = os.path.join(journal_dir(sim), bad_id + ".journal")
        with open(path) as f:
            lines = f.read().split("\n")
        n = next(i for i, l in enumerate(lines, 1) if l.startswith("outcome\t0\t"))
        _damage(path, n, lines[n - 1].replace("\tok\t", "\tsplendid\t"))
        assert n < len([l for l in lines if l]), "the damage is not on the last line"

        show = journal(pbxtop, sim, cfg, "show", bad_id)
        assert show.rc == 2, show
        assert "%s:%d:" % (path, n) in show.err, show
        lst = journal(pbxtop, sim, cfg, "list")
        assert lst.rc == 0, lst
        assert "damaged" in journal_line(lst.out, bad_id), lst
        assert "done" in journal_line(lst.out, good_id), lst
        seq = sim.last_seq()
        res = journal(pbxtop, sim, cfg, "resume", bad_id, "--yes")
        assert res.rc == 2, res
        assert "%s:%d:" % (path, n) in res.err, res
        assert sim.requests(backend="office", since=seq) == []
        # A NUL byte in the middle is damage too.
        with open(path, "rb") as f:
            data = f.read()
        with open(path, "wb") as f:
            f.write(data.replace(b"\tsplendid\t", b"\tok\t").replace(b"batch\t", b"batch\t\0", 1))
        show = journal(pbxtop, sim, cfg, "show", bad_id)
        assert show.rc == 2 and "%s:2:" % path in show.err, show


def test_bad_ids_stay_in_the_journal_dir(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        # A real batch, so that the journal directory exists.
        r = apply(pbxtop, sim, cfg, "op,view,id,penalty\nupdate,qm,PJSIP/202@sales,3\n")
        assert r.rc == 0, r
        jdir = journal_dir(sim)
        # An unfinished batch outside the journal directory, and a link to it inside.
        outside = os.path.join(os.path.dirname(jdir), "evil.journal")
        evil = ("pbxtop-journal\t1\nbatch\t20200101-000000-0000beef\t1577836800\toffice\n"
                "item\t0\t2\tupdate\tqueuemembers\tDave Brown@support\tpenalty=77\n")
        with open(outside, "w") as f:
            f.write(evil)
        os.symlink(outside, os.path.join(jdir, "20200101-000000-0000beef.journal"))
        os.symlink("/etc/passwd", os.path.join(jdir, "20200101-000000-0000dead.journal"))
        seq = sim.last_seq()
        cases = [
            ["show", "no-such-id"],
            ["show", "20200101-000000-00000000"],
            ["resume", "no-such-id", "--yes"],
            ["resume", "../../etc/passwd", "--yes"],
            ["show", "../../etc/passwd"],
            ["resume", "../evil", "--yes"],
            ["show", "../evil"],
            ["resume", "/etc/passwd", "--yes"],
            ["resume", "20200101-000000-0000beef", "--yes"],
            ["show", "20200101-000000-0000beef"],
            ["show", "20200101-000000-0000dead"],
            ["resume", "", "--yes"],
        ]
        for args in cases:
            x = journal(pbxtop, sim, cfg, *args)
            assert x.rc == 2, (args, x)
            assert x.err.strip(), (args, x)
            assert "root:" not in x.out + x.err, (args, x)
            assert "penalty=77" not in x.out, (args, x)
        assert sim.requests(backend="office", since=seq) == [], \
            calls(sim.requests(backend="office", since=seq))
        with open(outside) as f:
            assert f.read() == evil
        assert member_view(sim)["Dave Brown@support"][0] == 0
        assert sorted(os.listdir(os.path.dirname(jdir))) == ["evil.journal", "journal"]
        lst = journal(pbxtop, sim, cfg, "list")
        assert lst.rc == 0 and "root:" not in lst.out, lst
        assert journal(pbxtop, sim, cfg, "frobnicate").rc == 2
        assert journal(pbxtop, sim, cfg, "show").rc == 2
