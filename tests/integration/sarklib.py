"""Helpers for the SARK integration tests (kept here, not in tests/pylib/harness.py).

Every test starts its own simulator with `sark_sim(...)` in a `with` block: by default three
SARK backends, one per variant (s7 = L7, s10 = L10, s11 = L11), with fast AMI calls (0.2 s
instead of SARK's 3 s) unless a test asks otherwise. pbxtop runs through `pbx(...)` without a
controlling terminal; a sanitizer report or a signal fails the test at once.
"""

import csv
import io
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

from pylib.harness import Sim, Tmux, pbxtop_env, spawn, wait_until  # noqa: E402,F401

EMAIL = "admin@example.com"
PASSWORD = "Pw-sark-7Qz-s3cret"
VARIANTS = {"s7": "L7", "s10": "L10", "s11": "L11"}
FAST_AMI = 0.2

LOGIN = ("POST", "/api/auth/login")
LOGOUT = ("GET", "/api/auth/logout")
COMMIT = ("GET", "/api/syscommands/commit")
CHANNELS = ("GET", "/api/astamis/CoreShowChannels")
QUEUE_STATUS = ("GET", "/api/astamis/QueueStatus")
EXTENSIONS = ("GET", "/api/extensions")
RINGGROUPS = ("GET", "/api/ringgroups")

FIELDS = {
    "extensions": ["extension", "name", "enabled", "voicemail", "callerid", "context", "tech"],
    "ringgroups": ["extension", "name", "strategy", "ring_time", "members"],
    "channels": ["channel", "state", "caller_num", "caller_name", "connected_num",
                 "connected_name", "context", "exten", "application", "duration"],
    "queuemembers": ["queue", "interface", "name", "status", "paused", "paused_reason",
                     "penalty", "calls_taken", "in_call"],
    "queues": ["queue", "strategy", "calls", "completed", "abandoned", "hold_time",
               "talk_time"],
}
DEVICE_STATES = ["Unknown", "Not in use", "In use", "Busy", "Invalid", "Unavailable", "Ringing",
                 "Ring+Inuse", "On Hold"]
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:", "Segmentation fault", "double free", "stack smashing")


def sark_sim(*backends, **common):
    """A Sim with SARK backends: names from VARIANTS (default: all three), or (name, opts)
    pairs. `common` options go to every backend."""
    specs = []
    for b in backends or tuple(VARIANTS):
        name, opts = (b, {}) if isinstance(b, str) else b
        o = {"variant": VARIANTS.get(name, "L11"), "password": PASSWORD, "ami_delay": FAST_AMI}
        o.update(common)
        o.update(opts)
        specs.append((name, "sark", o))
    return Sim(specs)


class Result:
    def __init__(self, args, rc, out_b, err_b, elapsed):
        self.args, self.rc, self.elapsed = args, rc, elapsed
        self.out = out_b.decode("utf-8", errors="replace")
        self.err = err_b.decode("utf-8", errors="replace")

    def __repr__(self):
        return "pbxtop %s -> rc=%s (%.1fs)\n  stdout: %r\n  stderr: %r" % (
            " ".join(self.args), self.rc, self.elapsed, self.out[:3000], self.err[:2000])


def pbx(pbxtop, sim, args, timeout=60, stdin=None):
    """Run pbxtop to completion without a controlling terminal; journals go to the sim's
    directory. A Result."""
    env = {"XDG_STATE_HOME": sim.dir, "XDG_CONFIG_HOME": sim.dir}
    t0 = time.monotonic()
    p = spawn(pbxtop, args, env, capture_output=True, timeout=timeout,
                       input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
                       start_new_session=True)
    r = Result(list(args), p.returncode, p.stdout, p.stderr, time.monotonic() - t0)
    assert r.rc >= 0, "pbxtop was killed by signal %d: %r" % (-r.rc, r)
    for mark in SANITIZER_MARKS:
        assert mark not in r.err, "pbxtop reported a memory error: %r" % r
    return r


def get(pbxtop, sim, cfg, view, *args):
    return pbx(pbxtop, sim, ["-c", cfg, "get", view] + list(args))


def apply_csv(pbxtop, sim, cfg, backend, rows, *args):
    """Write rows (lists, the first the header) to a CSV file and pbxtop apply it."""
    path = os.path.join(sim.dir, "changes-%d.csv" % int(time.monotonic() * 1000))
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    return pbx(pbxtop, sim, ["-c", cfg, "apply", path, "-b", backend] + list(args))


def calls(log):
    return [(r["method"], r["path"]) for r in log]


def count(log, method, path):
    return sum(1 for r in log if r["method"] == method and r["path"] == path)


def backend_msg(r, name):
    pre = "pbxtop: %s: " % name
    return [line[len(pre):] for line in r.err.splitlines() if line.startswith(pre)]


def csv_records(text):
    return list(csv.DictReader(io.StringIO(text)))


# ---------------------------------------------------------- expected records

def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _yes(v):
    return {"YES": True, "NO": False}.get(v.upper()) if isinstance(v, str) else None


def expected(state, view, backend):
    """The simulator's records of `view` as pbxtop's normalised records, keyed by id."""
    out = {}
    for rec in _expected_rows(state, view):
        rec = dict(rec)
        rec["backend"] = backend
        out[rec["id"]] = rec
    return out


def _expected_rows(state, view):
    if view == "extensions":
        for r in state["extensions"]:
            vm = r["dvrvmail"]
            yield {"id": r["pkey"], "extension": r["pkey"], "name": r["desc"],
                   "enabled": _yes(r["active"]),
                   "voicemail": bool(vm) and vm != "None", "callerid": r["callerid"],
                   "context": None, "tech": r["technology"]}
    elif view == "ringgroups":
        for r in state["ringgroups"]:
            yield {"id": r["pkey"], "extension": r["pkey"], "name": r["longdesc"] or r["desc"],
                   "strategy": r["grouptype"], "ring_time": _int(r["ringdelay"]),
                   "members": (r["out"] or "").split()}
    elif view == "channels":
        for e in state["channels"]:
            h, m, s = (int(x) for x in e["Duration"].split(":"))
            yield {"id": e["Channel"], "channel": e["Channel"], "state": e["ChannelStateDesc"],
                   "caller_num": e["CallerIDNum"], "caller_name": e["CallerIDName"],
                   "connected_num": e["ConnectedLineNum"],
                   "connected_name": e["ConnectedLineName"], "context": e["Context"],
                   "exten": e["Exten"], "application": e["Application"],
                   "duration": h * 3600 + m * 60 + s}
    elif view == "queuemembers":
        for e in state["queue_events"]:
            if e["Event"] == "QueueMember":
                yield {"id": "%s@%s" % (e["Location"], e["Queue"]), "queue": e["Queue"],
                       "interface": e["Location"], "name": e["Name"],
                       "status": DEVICE_STATES[int(e["Status"])], "paused": e["Paused"] == "1",
                       "paused_reason": e["PausedReason"], "penalty": int(e["Penalty"]),
                       "calls_taken": int(e["CallsTaken"]), "in_call": e["InCall"] == "1"}
    elif view == "queues":
        for e in state["queue_events"]:
            if e["Event"] == "QueueParams":
                yield {"id": e["Queue"], "queue": e["Queue"], "strategy": e["Strategy"],
                       "calls": int(e["Calls"]), "completed": int(e["Completed"]),
                       "abandoned": int(e["Abandoned"]), "hold_time": int(e["Holdtime"]),
                       "talk_time": int(e["TalkTime"])}


def check_records(records, want, view, slack=3):
    """pbxtop's JSON records are exactly the simulator's (durations within `slack` s)."""
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)), "duplicate ids: %s" % ids
    assert set(ids) == set(want), "%s ids differ: pbxtop %s, simulator %s" % (
        view, sorted(ids), sorted(want))
    for r in records:
        assert list(r) == ["backend", "id"] + FIELDS[view], "keys %s" % list(r)
        exp = want[r["id"]]
        for k, v in exp.items():
            if k == "duration":
                assert isinstance(r[k], int) and abs(r[k] - v) <= slack, (r, exp)
            else:
                assert r[k] == v, "%s %s: %s is %r, simulator has %r" % (view, r["id"], k, r[k],
                                                                          v)
