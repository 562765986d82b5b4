"""Helpers for the NGCP integration tests: a simulator with one ngcp backend, running pbxtop
without a terminal, and the simulator's records as pbxtop's normalised ones."""

import base64
import csv
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

from pylib.harness import Sim, pbxtop_env, spawn, wait_until  # noqa: E402,F401

USER = "administrator"
PASSWORD = "Ngcp-Pw-4711-s3cret"      # distinctive, so that a leak is unmistakable
EXT_FIELDS = ["backend", "id", "extension", "name", "enabled", "voicemail", "callerid",
              "context", "tech"]
RG_FIELDS = ["backend", "id", "extension", "name", "strategy", "ring_time", "members"]
Q_FIELDS = ["backend", "id", "queue", "strategy", "calls", "completed", "abandoned",
            "hold_time", "talk_time"]
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:", "Segmentation fault", "double free")
APPLY_LINE = re.compile(r"^(\d+) (\S+) (\S+) (\S*): (.*)$")


def ngcp_sim(**opts):
    """A Sim with one ngcp backend named office."""
    o = {"password": PASSWORD}
    o.update(opts)
    return Sim([("office", "ngcp", o)])


class Result:
    def __init__(self, args, rc, out_b, err_b):
        self.args, self.rc, self.out_b, self.err_b = args, rc, out_b, err_b
        self.out = out_b.decode("utf-8", errors="replace")
        self.err = err_b.decode("utf-8", errors="replace")

    def __repr__(self):
        return "pbxtop %s -> rc=%s\n  stdout: %r\n  stderr: %r" % (
            " ".join(self.args), self.rc, self.out[:3000], self.err[:3000])


def pbx(pbxtop, args, timeout=30, stdin=None, home=None):
    """pbxtop to completion, in a new session (no terminal to prompt on). With home (a
    directory), journals and other state go there instead of the user's own."""
    env = {}
    if home:
        env = {"XDG_STATE_HOME": os.path.join(home, "state"),
               "XDG_CONFIG_HOME": os.path.join(home, "config")}
    p = spawn(pbxtop, args, env, capture_output=True, timeout=timeout, input=stdin,
                       stdin=None if stdin is not None else subprocess.DEVNULL,
                       start_new_session=True)
    r = Result(list(args), p.returncode, p.stdout, p.stderr)
    assert r.rc >= 0, "pbxtop was killed by signal %d: %r" % (-r.rc, r)
    for mark in SANITIZER_MARKS:
        assert mark not in r.err, "pbxtop reported a memory error: %r" % r
    return r


def get(pbxtop, cfg, *args):
    return pbx(pbxtop, ["-c", cfg, "get"] + list(args), home=os.path.dirname(cfg))


def get_json(pbxtop, cfg, view, *extra):
    r = get(pbxtop, cfg, view, "-b", "office", "-o", "json", *extra)
    assert r.rc == 0, r
    assert r.err == "", "stderr should be empty on success: %r" % r
    return json.loads(r.out)


def apply(pbxtop, cfg, sim, rows, *flags):
    """Write rows (lists, header first) to a CSV and run `pbxtop apply` on it."""
    path = os.path.join(sim.dir, "changes.csv")
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    return pbx(pbxtop, ["-c", cfg, "apply", path, "-b", "office"] + list(flags), home=sim.dir)


def apply_lines(r):
    """{line number: (view, op, id, text)} of apply's per-row output."""
    out = {}
    for line in r.out.splitlines():
        m = APPLY_LINE.match(line)
        if m:
            out[int(m.group(1))] = (m.group(2), m.group(3), m.group(4), m.group(5))
    return out


def number(pn):
    return None if not pn else pn["cc"] + pn["ac"] + pn["sn"]


def ext_record(sub):
    """A simulator subscriber as pbxtop's extension record."""
    return {"backend": "office", "id": str(sub["id"]),
            "extension": sub.get("pbx_extension") or sub["username"],
            "name": sub["display_name"], "enabled": sub["status"] == "active",
            "voicemail": None, "callerid": number(sub["primary_number"]),
            "context": sub["domain"], "tech": "sip"}


def rg_record(sub):
    return {"backend": "office", "id": str(sub["id"]), "extension": sub["pbx_extension"],
            "name": sub["display_name"], "strategy": sub["pbx_hunt_policy"],
            "ring_time": sub["pbx_hunt_timeout"],
            "members": [str(m) for m in sub["pbx_groupmember_ids"]]}


def q_record(cq):
    sid = cq["_links"]["self"]["href"].rsplit("/", 1)[1]
    return {"backend": "office", "id": sid, "queue": sid, "strategy": None,
            "calls": cq["queue_length"], "completed": None, "abandoned": None,
            "hold_time": None, "talk_time": None}


def expected(sim, view):
    st = sim.state("office")
    subs = st["subscribers"]
    if view == "ext":
        return {str(s["id"]): ext_record(s) for s in subs if not s.get("is_pbx_group")}
    if view == "rg":
        return {str(s["id"]): rg_record(s) for s in subs if s.get("is_pbx_group")}
    return {r["id"]: r for r in map(q_record, st["callqueues"])}


def check_records(records, want, fields):
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)), "duplicate ids: %s" % ids
    assert set(ids) == set(want), "ids differ: pbxtop %s, simulator %s" % (
        sorted(ids), sorted(want))
    for r in records:
        assert list(r) == fields, "record keys %s, expected %s" % (list(r), fields)
        assert r == want[r["id"]], "record differs:\n pbxtop    %r\n simulator %r" % (
            r, want[r["id"]])


def sub_requests(sim, since=0, method=None):
    """The requests office received (optionally of one method), oldest first."""
    return [r for r in sim.requests(backend="office", since=since)
            if method is None or r["method"] == method]


def basic_header(user=USER, password=PASSWORD):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def target(r):
    """A logged request as path?query, the query in the order sent."""
    q = r["query"]
    return r["path"] + ("?" + urllib.parse.urlencode(q, safe="*") if q else "")


def backend_msgs(r, name="office"):
    pre = "pbxtop: %s: " % name
    return [l[len(pre):] for l in r.err.splitlines() if l.startswith(pre)]


def sub_by(sim, **match):
    for s in sim.state("office")["subscribers"]:
        if all(s.get(k) == v for k, v in match.items()):
            return s
    return None


def now():
    return time.time()
