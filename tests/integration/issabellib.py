"""Helpers for the Issabel integration tests (kept here, not in tests/pylib/harness.py).

Every test starts its own simulator with `issabel_sim(...)` in a `with` block and runs pbxtop
through `pbx(...)`, which runs it without a controlling terminal (no prompt can block or be
answered by accident), with its journal and data under the simulator's directory, and fails
the test at once on a signal or a sanitizer report.
"""

import json
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

from pylib.harness import Sim, pbxtop_env, spawn, wait_until  # noqa: E402,F401

PASSWORD = "Ami-7Qz9-s3cret-ISB"   # distinctive, so that any leak is unmistakable
AUTH = ("POST", "/pbxapi/authenticate")
RENEW = ("GET", "/pbxapi/authenticate/renewtoken")
EXTENSIONS = ("GET", "/pbxapi/extensions")
RINGGROUPS = ("GET", "/pbxapi/ringgroups")
STATUS = ("GET", "/pbxapi/manager/status")
QUEUESTATUS = ("GET", "/pbxapi/manager/queuestatus")
HANGUP = ("GET", "/pbxapi/manager/hangup")

EXT_FIELDS = ["backend", "id", "extension", "name", "enabled", "voicemail", "callerid",
              "context", "tech"]
RG_FIELDS = ["backend", "id", "extension", "name", "strategy", "ring_time", "members"]
CH_FIELDS = ["backend", "id", "channel", "state", "caller_num", "caller_name", "connected_num",
             "connected_name", "context", "exten", "application", "duration"]
QM_FIELDS = ["backend", "id", "queue", "interface", "name", "status", "paused", "paused_reason",
             "penalty", "calls_taken", "in_call"]
Q_FIELDS = ["backend", "id", "queue", "strategy", "calls", "completed", "abandoned", "hold_time",
            "talk_time"]
DEVICE_STATES = {"0": "Unknown", "1": "Not in use", "2": "In use", "3": "Busy", "4": "Invalid",
                 "5": "Unavailable", "6": "Ringing", "7": "Ring+Inuse", "8": "On Hold"}

SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:", "Segmentation fault", "double free", "stack smashing")


def issabel_sim(**opts):
    """A Sim with one Issabel backend named office using PASSWORD."""
    o = {"password": PASSWORD}
    o.update(opts)
    return Sim([("office", "issabel", o)])


class Result:
    def __init__(self, args, rc, out_b, err_b, elapsed):
        self.args, self.rc, self.elapsed = args, rc, elapsed
        self.out = out_b.decode("utf-8", errors="replace")
        self.err = err_b.decode("utf-8", errors="replace")

    @property
    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return "pbxtop %s -> rc=%s (%.1fs)\n  stdout: %r\n  stderr: %r" % (
            " ".join(self.args), self.rc, self.elapsed, self.out[:3000], self.err[:2000])


def pbx(sim, pbxtop, args, timeout=40):
    """Run pbxtop to completion without a controlling terminal; a Result."""
    env = {"XDG_STATE_HOME": os.path.join(sim.dir, "state"),
           "XDG_CONFIG_HOME": os.path.join(sim.dir, "config")}
    t0 = time.monotonic()
    p = spawn(pbxtop, args, env, capture_output=True, timeout=timeout,
              stdin=subprocess.DEVNULL, start_new_session=True)
    r = Result(list(args), p.returncode, p.stdout, p.stderr, time.monotonic() - t0)
    assert r.rc >= 0, "pbxtop was killed by signal %d: %r" % (-r.rc, r)
    for mark in SANITIZER_MARKS:
        assert mark not in r.err, "pbxtop reported a memory error: %r" % r
    return r


def get(sim, pbxtop, cfg, view, *extra):
    return pbx(sim, pbxtop, ["-c", cfg, "get", view, "-b", "office", "-o", "json"] + list(extra))


def apply_csv(sim, pbxtop, cfg, text, *extra, name="changes.csv"):
    path = os.path.join(sim.dir, name)
    with open(path, "w") as f:
        f.write(text)
    return pbx(sim, pbxtop, ["-c", cfg, "apply", path, "-b", "office", "--yes"] + list(extra))


def in_background(fn):
    """Run fn() in a thread; returns a function that joins it and gives fn's result."""
    box = {}

    def target():
        box["r"] = fn()
    t = threading.Thread(target=target, daemon=True)
    t.start()

    def join(timeout=60):
        t.join(timeout)
        assert not t.is_alive(), "pbxtop did not finish"
        return box["r"]
    return join


def calls(log):
    return [(r["method"], r["path"]) for r in log]


def count(log, method, path):
    return sum(1 for r in log if r["method"] == method and r["path"] == path)


def writes(log):
    """The write requests of a log (anything but GET)."""
    return [r for r in log if r["method"] != "GET" and r["path"] != AUTH[1]]


def wait_for_request(sim, method, path, since=0, timeout=20):
    def seen():
        return [r for r in sim.requests("office", since)
                if r["method"] == method and r["path"] == path]
    return wait_until(seen, timeout=timeout, what="%s %s at the simulator" % (method, path))[0]


def out_lines(r):
    return [l for l in r.out.splitlines() if l.strip()]


def line_for(r, needle):
    """The one output line of an apply that contains needle."""
    found = [l for l in out_lines(r) if needle in l]
    assert len(found) == 1, "expected one line with %r in:\n%s" % (needle, r.out)
    return found[0]


# ---------------------------------------------------------------- expected records

def expected_extensions(state):
    out = {}
    for e in state["extensions"]:
        cid = e["callerid_override"]["outbound"]
        out[e["extension"]] = {
            "backend": "office", "id": e["extension"], "extension": e["extension"],
            "name": e["name"], "enabled": None,
            "voicemail": {"yes": True, "no": False}.get(e["voicemail"]["enabled"]),
            "callerid": cid or None, "context": e["context"], "tech": e["tech"]}
    return out


def expected_ringgroups(state):
    return {g["extension"]: {
        "backend": "office", "id": g["extension"], "extension": g["extension"],
        "name": g["name"], "strategy": g["strategy"], "ring_time": int(g["ring_time"]),
        "members": g["extension_list"]} for g in state["ringgroups"]}


def expected_channels(state):
    return {c["Channel"]: {
        "backend": "office", "id": c["Channel"], "channel": c["Channel"],
        "state": c["ChannelStateDesc"], "caller_num": c["CallerIDNum"],
        "caller_name": c["CallerIDName"], "connected_num": c["ConnectedLineNum"],
        "connected_name": c["ConnectedLineName"], "context": c["Context"], "exten": c["Exten"],
        "application": c["Application"], "duration": int(c["Seconds"])}
        for c in state["channels"]}


def expected_members(state):
    return {"%s@%s" % (m["Location"], m["Queue"]): {
        "backend": "office", "id": "%s@%s" % (m["Location"], m["Queue"]), "queue": m["Queue"],
        "interface": m["Location"], "name": m["Name"], "status": DEVICE_STATES[m["Status"]],
        "paused": m["Paused"] == "1", "paused_reason": m["PausedReason"],
        "penalty": int(m["Penalty"]), "calls_taken": int(m["CallsTaken"]),
        "in_call": m["InCall"] == "1"} for m in state["members"]}


def expected_queues(state):
    return {q["Queue"]: {
        "backend": "office", "id": q["Queue"], "queue": q["Queue"], "strategy": q["Strategy"],
        "calls": int(q["Calls"]), "completed": int(q["Completed"]),
        "abandoned": int(q["Abandoned"]), "hold_time": int(q["Holdtime"]),
        "talk_time": int(q["TalkTime"])} for q in state["queues"]}


def check_records(records, expected, fields, loose=()):
    """records (pbxtop's JSON) hold exactly the expected ones; `loose` fields may differ by
    up to 2 (clocks)."""
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)), "duplicate ids: %s" % ids
    assert set(ids) == set(expected), "ids differ: pbxtop %s, simulator %s" % (
        sorted(ids), sorted(expected))
    for r in records:
        assert list(r) == fields, "keys %s, expected %s" % (list(r), fields)
        want = expected[r["id"]]
        for k in fields:
            if k in loose:
                assert isinstance(r[k], int) and abs(r[k] - want[k]) <= 2, (k, r, want)
            else:
                assert r[k] == want[k] and type(r[k]) is type(want[k]), \
                    "%s: %s is %r, simulator has %r" % (r["id"], k, r[k], want[k])
