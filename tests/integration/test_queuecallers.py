"""`pbxtop get queuecallers`: the callers waiting in queues, on every backend type that lists
them (jade's entries, SARK's and Issabel's QueueEntry events, NGCP's call queues), with the
stable JSON of DESIGN.md section 3; dSIPRouter says it has none. Checked against the
simulator's own state."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jadelib import Sim, get, jade_sim, no_control_bytes  # noqa: E402

FIELDS = ["backend", "id", "queue", "position", "caller_num", "caller_name", "wait", "channel"]


def records(pbxtop, cfg, backend, *extra):
    r = get(pbxtop, cfg, "qc", "-b", backend, "-o", "json", *extra)
    assert r.rc == 0, r
    out = json.loads(r.out)
    for rec in out:
        assert list(rec) == FIELDS, list(rec)
        assert rec["backend"] == backend, rec
        assert isinstance(rec["position"], int) and rec["position"] >= 1, rec
        assert isinstance(rec["wait"], int) and rec["wait"] >= 0, rec
    return out


def test_get_queuecallers_jade_json_matches_simulator(pbxtop):
    with jade_sim() as sim:
        sim.op("office", "add_channel", channel={"kind": "queue_wait", "queue": "billing",
                                                  "age": 125, "caller_id_num": "+15550142",
                                                  "caller_id_name": "Eve\x1b[31m\u202e"})
        cfg = sim.write_config()
        got = records(pbxtop, cfg, "office")
        entries = {e["unique_id"]: e for e in sim.state("office")["entries"]}
        assert {r["id"] for r in got} == set(entries), (got, entries)
        for rec in got:
            e = entries[rec["id"]]
            assert rec["queue"] == e["queue_name"] and rec["position"] == e["position"], rec
            assert rec["caller_num"] == e["caller_id_num"] and rec["channel"] == e["channel"]
        mine = next(r for r in got if r["caller_num"] == "+15550142")
        assert 125 <= mine["wait"] <= 135, mine
        assert mine["queue"] == "billing" and mine["position"] == 1, mine
        # hostile text is sanitised like the screen: visible escapes, in JSON too
        assert mine["caller_name"] == "Eve\\x1b[31m\\u202e", mine
        no_control_bytes(json.dumps(got, ensure_ascii=False).encode(), "get qc -o json")
        # the table and CSV forms are sanitised like the screen
        for fmt in ("table", "csv"):
            r = get(pbxtop, cfg, "qc", "-b", "office", "-o", fmt)
            assert r.rc == 0, r
            no_control_bytes(r.out_b, "get qc -o %s" % fmt)
            assert "Eve\\x1b[31m\\u202e" in r.out, r.out
        # the long name, and --filter (billing has no DID: only this caller waits there)
        r = get(pbxtop, cfg, "queuecallers", "-b", "office", "-o", "json", "--filter",
                "billing")
        assert [x["caller_num"] for x in json.loads(r.out)] == ["+15550142"], r.out


def test_get_queuecallers_ami_backends_and_ngcp(pbxtop):
    sim = Sim([("pbx1", "issabel", {}), ("pbx2", "sark", {"variant": "L7", "ami_delay": "0.2"}),
               ("pbx3", "ngcp", {}), ("pbx4", "dsiprouter", {})])
    try:
        sim.start()
        sim.op("pbx1", "add_call", kind="inbound_queue", age=40)
        sim.op("pbx2", "add_call", kind="queue_wait", age=40)
        cfg = sim.write_config()
        t0 = time.time()
        got = records(pbxtop, cfg, "pbx1")
        want = sim.state("pbx1")["entries"]
        assert sorted((r["queue"], r["position"], r["channel"]) for r in got) == \
            sorted((e["Queue"], int(e["Position"]), e["Channel"]) for e in want), (got, want)
        for rec in got:
            e = next(x for x in want if x["Channel"] == rec["channel"])
            assert abs(rec["wait"] - int(e["Wait"])) <= 2 + time.time() - t0, (rec, e)
        got = records(pbxtop, cfg, "pbx2")
        want = [e for e in sim.state("pbx2")["queue_events"] if e["Event"] == "QueueEntry"]
        assert sorted(r["channel"] for r in got) == sorted(e["Channel"] for e in want), got
        assert got, "the added caller waits in a SARK queue"
        got = records(pbxtop, cfg, "pbx3")
        want = {"%s/%s" % (q["_links"]["self"]["href"].rsplit("/", 1)[1], c["call_id"]):
                (pos, c) for q in sim.state("pbx3")["callqueues"]
                for pos, c in enumerate(q["queue"], 1)}
        assert {r["id"] for r in got} == set(want) and want, (got, want)
        for rec in got:
            pos, call = want[rec["id"]]
            assert rec["position"] == pos and rec["channel"] is None, rec
            assert call["caller"].startswith("sip:" + rec["caller_num"] + "@"), (rec, call)
        r = get(pbxtop, cfg, "qc", "-b", "pbx4", "-o", "json")
        assert r.rc == 5 and "no waiting callers" in r.err, r
        assert r.out.strip() in ("", "[]"), r
    finally:
        sim.cleanup()
