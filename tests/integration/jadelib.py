"""Helpers for the jade integration tests (kept here, not in tests/pylib/harness.py).

Every test starts its own simulator with `jade_sim(...)` in a `with` block and runs pbxtop
through `pbx(...)`, which:
  - starts pbxtop in a new session (no controlling terminal), so a confirmation prompt on
    /dev/tty can never block the suite or be answered by accident;
  - captures stdout/stderr as bytes (for the hostile-text checks) and as text;
  - fails the test at once if pbxtop was killed by a signal or a sanitizer reported an error.
"""

import base64
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

from pylib.harness import Sim, pbxtop_env, spawn, wait_until  # noqa: E402,F401

# Distinctive, so that a leak into any output is unmistakable.
PASSWORD = "Pw-9q7Zk-s3cret-XYZ"
USER = "admin"

LOGIN = ("POST", "/v1/admin/login")
LOGOUT = ("DELETE", "/v1/admin/login")
CHANNELS = ("GET", "/v1/admin/core/channels")

JSON_FIELDS = ["backend", "id", "channel", "state", "caller_num", "caller_name",
               "connected_num", "connected_name", "context", "exten", "application",
               "duration"]
BACKEND_FIELDS = ["name", "type", "url", "read_only", "state", "last_poll_age", "latency_ms",
                  "error"]
# normalised field -> jade channel field
JADE_MAP = {"id": "unique_id", "channel": "channel", "state": "channel_state_desc",
            "caller_num": "caller_id_num", "caller_name": "caller_id_name",
            "connected_num": "connected_line_num", "connected_name": "connected_line_name",
            "context": "context", "exten": "exten", "application": "application"}

SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:", "Segmentation fault", "double free", "stack smashing")


def jade_sim(*names, **opts):
    """A Sim with jade backends (default: one named office) using PASSWORD."""
    names = names or ("office",)
    o = {"password": PASSWORD}
    o.update(opts)
    return Sim([(n, "jade", dict(o)) for n in names])


class Result:
    def __init__(self, args, rc, out_b, err_b, elapsed):
        self.args, self.rc, self.out_b, self.err_b, self.elapsed = args, rc, out_b, err_b, elapsed
        self.out = out_b.decode("utf-8", errors="replace")
        self.err = err_b.decode("utf-8", errors="replace")

    def __repr__(self):
        return "pbxtop %s -> rc=%s (%.1fs)\n  stdout: %r\n  stderr: %r" % (
            " ".join(self.args), self.rc, self.elapsed, self.out[:2000], self.err[:2000])


def pbx(pbxtop, args, env=None, unset=(), timeout=30, stdin=None):
    """Run pbxtop to completion without a controlling terminal; a Result.
    env: extra variables; unset: variable names removed from the environment."""
    t0 = time.monotonic()
    p = spawn(pbxtop, args, env, unset=unset, capture_output=True, timeout=timeout,
                       input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
                       start_new_session=True)
    r = Result(list(args), p.returncode, p.stdout, p.stderr, time.monotonic() - t0)
    assert r.rc >= 0, "pbxtop was killed by signal %d: %r" % (-r.rc, r)
    for mark in SANITIZER_MARKS:
        assert mark not in r.err, "pbxtop reported a memory error: %r" % r
    return r


def get(pbxtop, cfg, *args, **kw):
    return pbx(pbxtop, ["-c", cfg, "get"] + list(args), **kw)


def hangup(pbxtop, cfg, *args, **kw):
    return pbx(pbxtop, ["-c", cfg, "hangup"] + list(args), **kw)


def reqs(sim, since=0, backend=None):
    return sim.requests(backend=backend, since=since)


def calls(log):
    """(method, path) of each logged request, without the logout that ends every run
    (test_logout_ends_each_run checks that one)."""
    out = [(r["method"], r["path"]) for r in log]
    if out and out[-1] == LOGOUT:
        out.pop()
    return out


def count(log, method, path):
    return sum(1 for r in log if r["method"] == method and r["path"] == path)


def chan_path(uid):
    return "/v1/admin/core/channels/" + uid


def secrets_of(sim, since=0):
    """Every secret pbxtop handled: the password, its Basic header value and all tokens."""
    out = {PASSWORD, base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()}
    for r in sim.requests(since=since):
        tok = r["query"].get("authtoken")
        if tok:
            out.add(tok)
    return out


def assert_no_secrets(sim, results, since=0):
    """Neither stdout nor stderr of any result shows the password or a token."""
    secrets = secrets_of(sim, since)
    for r in results:
        for s in secrets:
            assert s not in r.err, "a secret (%s...) is on stderr: %r" % (s[:4], r)
            assert s not in r.out, "a secret (%s...) is on stdout: %r" % (s[:4], r)


def write(sim, text, name="pbxtop.ini", mode=0o600):
    path = os.path.join(sim.dir, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def section(sim, name="office", ca=True, extra=""):
    """The INI text of one jade backend section."""
    lines = ["[%s]" % name, "type = jade", "url = %s" % sim.url(name),
             "username = %s" % USER, "password = %s" % PASSWORD]
    if ca:
        lines.append("ca_file = %s" % sim.cert)
    if extra:
        lines.append(extra.rstrip("\n"))
    return "\n".join(lines) + "\n"


def spki_pin(cert):
    """sha256//BASE64 of the certificate's public key, as curl's pinnedpubkey wants it."""
    cmd = ("openssl x509 -in '%s' -pubkey -noout | openssl pkey -pubin -outform der"
           " | openssl dgst -sha256 -binary | base64" % cert)
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True, check=True)
    return "sha256//" + p.stdout.strip()


def err_lines(r):
    return [l for l in r.err.splitlines() if l.strip()]


def backend_msg(r, name="office"):
    """The messages pbxtop printed on stderr about backend NAME (prefix removed)."""
    pre = "pbxtop: %s: " % name
    return [l[len(pre):] for l in err_lines(r) if l.startswith(pre)]


def no_control_bytes(data, what):
    """No C0 controls except newline (and tab in none of our formats), no DEL, no C1, no bidi
    controls, and valid UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise AssertionError("%s is not valid UTF-8 (%s): %r" % (what, e, data[:400]))
    bad = [c for c in text
           if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f
           or c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"]
    assert not bad, "%s holds raw control characters %r: %r" % (what, sorted(set(bad)), text[:600])
    for b in (b"\x1b", b"\x9b", b"\x07", b"\x00", b"\xe2\x80\xae"):
        assert b not in data, "%s holds the raw bytes %r" % (what, b)
    return text


def parse_table(text):
    """A `get` table: (header names, rows as lists of cells), cut at the header columns."""
    lines = [l for l in text.split("\n") if l]
    assert lines, "empty table output"
    header = lines[0]
    names = header.split()
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    rows = []
    for line in lines[1:]:
        cells = []
        for i, s in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else None
            cells.append(line[s:end].strip())
        rows.append(cells)
    return names, rows


def uid_epoch(uid):
    return float(uid.split(".")[0])
