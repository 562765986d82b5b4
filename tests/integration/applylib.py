"""Helpers for the `pbxtop apply` / `pbxtop journal` integration tests against the jade
simulator (test_apply.py, test_journal.py).

Every pbxtop run of a test gets the simulator's own directory as XDG_STATE_HOME, so the
journals of one test are never mixed with another's and are removed with the simulator.
Runs go through jadelib.pbx(): no controlling terminal, sanitizer reports fail the test.
"""

import json
import os
import re
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from jadelib import jade_sim, pbx  # noqa: E402,F401
from pylib.harness import pbxtop_env, spawn, wait_until  # noqa: E402,F401

LOGIN_PATH = "/v1/admin/login"
MEMBERS = "/v1/admin/queue/members"
# The seeded queue members of the jade simulator (tests/sim/jade_seed.py).
SEED_MEMBERS = ["Alice Jones@sales", "Bob Smith@sales", "PJSIP/202@sales",
                "Dave Brown@support", "Eve Black@support", "Alice Jones@support"]


def member_path(member_id):
    """The URL path of a member as pbxtop must send it: '/' as %2F, '@' as %40, ' ' as %20."""
    esc = member_id.replace("%", "%25").replace("/", "%2F").replace("@", "%40") \
        .replace(" ", "%20")
    return MEMBERS + "/" + esc


def state_home(sim):
    return os.path.join(sim.dir, "state")


def journal_dir(sim):
    return os.path.join(state_home(sim), "pbxtop", "journal")


def journal_files(sim):
    d = journal_dir(sim)
    if not os.path.isdir(d):
        return []
    return sorted(os.path.join(d, f) for f in os.listdir(d))


def run(pbxtop, sim, args, **kw):
    """pbxtop ARGS with this simulator's private state home."""
    env = dict(kw.pop("env", None) or {})
    env.setdefault("XDG_STATE_HOME", state_home(sim))
    return pbx(pbxtop, args, env=env, **kw)


def write_csv(sim, text, name="changes.csv", mode="w"):
    path = os.path.join(sim.dir, name)
    with open(path, mode) as f:
        f.write(text)
    return path


def apply(pbxtop, sim, cfg, text, *flags, yes=True, name="changes.csv", pre=()):
    """Write text to a CSV file and run `pbxtop -c CFG [PRE] apply FILE -b office [--yes]
    FLAGS`."""
    path = write_csv(sim, text, name, "wb" if isinstance(text, bytes) else "w")
    args = ["-c", cfg] + list(pre) + ["apply", path, "-b", "office"] + \
        (["--yes"] if yes else []) + list(flags)
    return run(pbxtop, sim, args)


def journal(pbxtop, sim, cfg, *args):
    return run(pbxtop, sim, ["-c", cfg, "journal"] + list(args))


def writes(sim, since=0):
    """The requests that could change something: neither GET nor the login/logout."""
    return [r for r in sim.requests(backend="office", since=since)
            if r["method"] not in ("GET", "OPTIONS") and r["path"] != LOGIN_PATH]


def calls(reqs):
    return [(r["method"], r["path"]) for r in reqs]


OUTCOME_RE = re.compile(r"^(\d+) (\w+) (create|update|delete) (.*?): "
                        r"(ok|gone|failed|refused|unreachable|auth-failed|invalid|conflict|"
                        r"unchanged|not attempted|planned|sent)(?:: (.*))?$")


def outcomes(r):
    """{CSV line: (view, op, id, outcome, message)} from apply's per-row lines
    "LINE VIEW OP ID: outcome[: message]" (the plan's "LINE OP VIEW ..." lines do not match).
    A line reported twice keeps its last report."""
    out = {}
    for line in r.out.splitlines():
        m = OUTCOME_RE.match(line)
        if m:
            out[int(m.group(1))] = (m.group(2), m.group(3), m.group(4), m.group(5),
                                    m.group(6) or "")
    return out


def journal_id_of(r):
    """The batch id apply names on stderr ("...; journal ID")."""
    m = re.search(r"journal ([0-9a-f-]+)\s*$", r.err, re.M)
    assert m, "apply did not name its journal: %r" % r
    return m.group(1)


def members(sim):
    return {m["id"]: m for m in sim.state("office")["members"]}


def member_view(sim):
    """{id: (penalty, paused, paused_reason)} of every member now."""
    return {i: (m["penalty"], m["paused"], m["paused_reason"]) for i, m in members(sim).items()}


def journal_line(list_out, batch_id):
    for line in list_out.splitlines():
        if line.startswith(batch_id):
            return line
    raise AssertionError("batch %s is not in the journal list:\n%s" % (batch_id, list_out))


def show_items(show_out):
    """{item number: text} of `journal show` output."""
    items = {}
    for line in show_out.splitlines():
        m = re.match(r"^(\d+) line ", line)
        if m:
            items[int(m.group(1))] = line
    return items


def grep_tree(root, needle):
    """Files under root whose bytes contain needle (bytes or str)."""
    if isinstance(needle, str):
        needle = needle.encode()
    hits = []
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            try:
                with open(p, "rb") as fh:
                    if needle in fh.read():
                        hits.append(p)
            except OSError:
                pass
    return hits


class Checks:
    """Soft assertions: every failed check is collected, and done() raises one
    AssertionError listing them all, so that one run shows every defect of a scenario."""

    def __init__(self):
        self.failed = []

    def check(self, cond, msg):
        if not cond:
            self.failed.append(msg)
        return cond

    def done(self):
        if self.failed:
            raise AssertionError("%d check(s) failed:\n  - %s" % (
                len(self.failed), "\n  - ".join(self.failed)))


class Background:
    """pbxtop running in the background (new session, no terminal), to be killed."""

    def __init__(self, pbxtop, sim, args):
        self.out_path = os.path.join(sim.dir, "bg.out")
        self.err_path = os.path.join(sim.dir, "bg.err")
        self.out = open(self.out_path, "wb")
        self.err = open(self.err_path, "wb")
        self.proc = spawn(pbxtop, args, {"XDG_STATE_HOME": state_home(sim)}, popen=True,
                          stdout=self.out, stderr=self.err, stdin=subprocess.DEVNULL,
                          start_new_session=True)

    def kill9(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        rc = self.proc.wait(10)
        self.out.close()
        self.err.close()
        return rc

    def output(self):
        with open(self.out_path, "rb") as f:
            out = f.read().decode("utf-8", "replace")
        with open(self.err_path, "rb") as f:
            err = f.read().decode("utf-8", "replace")
        return out, err

    def cleanup(self):
        if self.proc.poll() is None:
            self.kill9()


def json_body(req):
    try:
        return json.loads(req["body"])
    except ValueError:
        raise AssertionError("request body is not JSON: %r" % req)
