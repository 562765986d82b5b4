"""Helpers for the dSIPRouter integration tests (kept here, not in tests/pylib/harness.py).

Every test starts its own simulator with `dsip_sim(...)` in a `with` block and runs pbxtop
through `pbx(...)`, which starts it without a controlling terminal, captures its output and
fails the test at once if pbxtop was killed by a signal or a sanitizer reported an error.
"""

import csv
import io
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

from pylib.harness import Sim, pbxtop_env, spawn, wait_until  # noqa: E402,F401

# Distinctive, so that a leak into any output is unmistakable.
TOKEN = "dsipTok-4Kq9zW-s3cret-QRS"
EXT_FIELDS = ["backend", "id", "extension", "name", "enabled", "voicemail", "callerid",
              "context", "tech"]
LIST_KEYS = ("account_code", "call_timeout", "domain_uuid", "enabled", "extension",
             "extensions_id", "outbound_caller_name", "outbound_caller_number", "user_context")
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:", "Segmentation fault", "double free", "stack smashing")
EXT_PATH = "/api/v1/mediaserver/extension"


def dsip_sim(**opts):
    """A Sim with one dsiprouter backend named pbx, using TOKEN."""
    o = {"token": TOKEN}
    o.update(opts)
    return Sim([("pbx", "dsiprouter", o)])


class Result:
    def __init__(self, args, rc, out, err, elapsed):
        self.args, self.rc, self.out, self.err, self.elapsed = args, rc, out, err, elapsed

    def __repr__(self):
        return "pbxtop %s -> rc=%s (%.1fs)\n  stdout: %r\n  stderr: %r" % (
            " ".join(self.args), self.rc, self.elapsed, self.out[:3000], self.err[:3000])


def pbx(pbxtop, args, env=None, timeout=60):
    """Run pbxtop to completion without a controlling terminal; a Result."""
    t0 = time.monotonic()
    p = spawn(pbxtop, args, env, capture_output=True, timeout=timeout,
              stdin=subprocess.DEVNULL, start_new_session=True)
    r = Result(list(args), p.returncode, p.stdout.decode("utf-8", "replace"),
               p.stderr.decode("utf-8", "replace"), time.monotonic() - t0)
    assert r.rc >= 0, "pbxtop was killed by signal %d: %r" % (-r.rc, r)
    for mark in SANITIZER_MARKS:
        assert mark not in r.err, "pbxtop reported a memory error: %r" % r
    return r


def get(pbxtop, cfg, *args):
    return pbx(pbxtop, ["-c", cfg, "get"] + list(args))


def get_json(pbxtop, cfg, *extra):
    r = get(pbxtop, cfg, "ext", "-b", "pbx", "-o", "json", *extra)
    assert r.rc == 0, r
    return json.loads(r.out)


def apply_csv(pbxtop, sim, cfg, rows, *extra):
    """Write rows (a list of dicts; the first one's keys plus op/view/id are the header)
    to a CSV file and run pbxtop apply on it with --yes."""
    cols = ["op", "view", "id"]
    for row in rows:
        cols += [k for k in row if k not in cols]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: row.get(k, "") for k in cols})
    fd, path = tempfile.mkstemp(suffix=".csv", dir=sim.dir)
    with os.fdopen(fd, "w") as f:
        f.write(buf.getvalue())
    env = {"XDG_STATE_HOME": os.path.join(sim.dir, "state"),
           "XDG_DATA_HOME": os.path.join(sim.dir, "data")}
    return pbx(pbxtop, ["-c", cfg, "apply", path, "-b", "pbx", "--yes"] + list(extra), env=env)


def config(sim, extra=None):
    return sim.write_config(extra={"pbx": extra} if extra else None)


def domain(sim, name):
    return next(d for d in sim.state("pbx")["domains"] if d["name"] == name)


def ext_id(e):
    return "%d/%s/%s" % (e["config_id"], e["domain_uuid"], e["extension"])


def expected_records(sim):
    """The simulator's extensions as pbxtop's normalised records, keyed by id, for the
    endpoint groups that have FusionPBX (as pbxtop finds them)."""
    st = sim.state("pbx")
    fusion = {g["gwgroupid"] for g in st["endpointgroups"] if g["fusionpbx"]}
    domains = {(d["config_id"], d["domain_uuid"]) for d in st["domains"]}
    out = {}
    for e in st["extensions"]:
        if e["config_id"] not in fusion or (e["config_id"], e["domain_uuid"]) not in domains:
            continue
        enabled = e["enabled"]
        out[ext_id(e)] = {
            "backend": "pbx", "id": ext_id(e), "extension": e["extension"],
            "name": e["outbound_caller_name"], "enabled": enabled in (True, "true"),
            "voicemail": None, "callerid": e["outbound_caller_number"],
            "context": e["user_context"], "tech": None,
        }
    return out


def find_ext(sim, number, domain_name=None):
    rows = [e for e in sim.state("pbx")["extensions"] if e["extension"] == number
            and (domain_name is None or e["user_context"] == domain_name)]
    return rows


def reqs(sim, since=0):
    return sim.requests(backend="pbx", since=since)


def writes(log):
    return [r for r in log if r["path"] == EXT_PATH and r["method"] != "GET"]


def direct_get(sim, path, token=TOKEN, accept="application/json"):
    """GET a simulator route ourselves (verified TLS): (status, content type, body)."""
    ctx = ssl.create_default_context(cafile=sim.cert)
    headers = {"Authorization": "Bearer " + token}
    if accept:
        headers["Accept"] = accept
    req = urllib.request.Request(sim.url("pbx") + path, headers=headers)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def backend_msgs(r, name="pbx"):
    pre = "pbxtop: %s: " % name
    return [l[len(pre):] for l in r.err.splitlines() if l.startswith(pre)]
