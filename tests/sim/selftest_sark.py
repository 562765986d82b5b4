#!/usr/bin/env python3
"""Self-test of the sark dialect: starts pbxsim with one backend per SARK variant and checks
the quirks of shared/contracts/jade-sark-issabel.md §3 on the wire (HTTPS, urllib + ssl).

    python3 tests/sim/selftest_sark.py [-v]

Prints one line per failed check (every check with -v) and "N passed, N failed"; exits 1 on
any failure. Takes about 10 s.
"""

import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
PBXSIM = os.path.join(HERE, "pbxsim.py")
sys.path.insert(0, HERE)
import dialect_sark  # noqa: E402
import sark_seed  # noqa: E402

VERBOSE = "-v" in sys.argv[1:]
EMAIL, PASSWORD = dialect_sark.EMAIL, "selftest-pw"
AMI_DELAY = 0.4
TOKEN_RE = re.compile(r"(\d+)\|([A-Za-z0-9]{40})([0-9a-f]{8})\Z")
JSON = {"Accept": "application/json"}


class Reply:
    def __init__(self, status, headers, raw, elapsed):
        self.status, self.headers, self.raw, self.elapsed = status, headers, raw, elapsed

    @property
    def json(self):
        return json.loads(self.raw)

    def first_json(self):
        return json.JSONDecoder().raw_decode(self.raw.decode())[0]


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


class Sim:
    def __init__(self, workdir):
        self.dir = workdir
        cmd = [sys.executable, PBXSIM, "--dir", workdir, "--seed", "3", "--watch-stdin"]
        for name, variant, extra in (("s7", "L7", ",throttle=0"), ("s10", "L10", ",throttle=0"),
                                     ("s11", "L11", ""), ("t7", "L7", ",throttle=3")):
            cmd += ["--backend", "%s=sark,variant=%s,password=%s,ami_delay=%s%s" % (
                name, variant, PASSWORD, AMI_DELAY, extra)]
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=self.err)
        path = os.path.join(workdir, "ports.json")
        deadline = time.time() + 15
        while not os.path.exists(path):
            if time.time() > deadline or self.proc.poll() is not None:
                self.err.seek(0)
                raise RuntimeError("pbxsim did not start: %s" % self.err.read().decode())
            time.sleep(0.02)
        with open(path) as fh:
            self.ports = json.load(fh)
        self.ctx = ssl.create_default_context(cafile=self.ports["cert"])

    def call(self, backend, method, path, body=None, headers=None, token=None):
        hdrs = dict(JSON if headers is None else headers)
        if token:
            hdrs["Authorization"] = "Bearer " + token
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        url = self.ports["backends"][backend]["url"] + path
        req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
        t0 = time.monotonic()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **kw):
                return None
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=self.ctx),
                                             NoRedirect)
        try:
            with opener.open(req, timeout=10) as r:
                raw = r.read()
                return Reply(r.status, {k.lower(): v for k, v in r.headers.items()}, raw,
                             time.monotonic() - t0)
        except urllib.error.HTTPError as err:
            return Reply(err.code, {k.lower(): v for k, v in err.headers.items()}, err.read(),
                         time.monotonic() - t0)

    def ctl(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.ports["control"], path),
                                     data=data, method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def op(self, backend, op, **args):
        args.update(backend=backend, op=op)
        return self.ctl("POST", "/state", args)

    def state(self, backend):
        return self.ctl("GET", "/state?backend=" + backend)

    def login(self, backend="s11", email=EMAIL, password=PASSWORD):
        r = self.call(backend, "POST", "/api/auth/login", {"email": email, "password": password})
        expect(r.status == 200, "login: %d %r" % (r.status, r.raw))
        return r.json["accessToken"]


# ------------------------------------------------------------------ transport

def test_api_prefix_and_fallbacks(sim):
    for name, msg in (("s7", "Page Not Found. Check your URI for correctness"),
                      ("s10", "Page Not Found. Check your URI for correctness"),
                      ("s11", "Unauthorised/Page Not Found")):
        for path in ("/extensions", "/api/nosuch", "/api/extensions/1001/nope"):
            r = sim.call(name, "GET", path)
            expect(r.status == 404 and r.json == {"message": msg}, (name, path, r.raw))
    raw = sim.call("s11", "GET", "/api/nosuch").raw
    expect(raw == b'{"message":"Unauthorised\\/Page Not Found"}', "'/' escaped: %r" % raw)
    r = sim.call("s7", "GET", "/api/extensions/10%2F01")
    expect(r.status == 404 and r.headers["content-type"].startswith("text/html"),
           "Apache refuses an encoded slash itself")


def test_values_are_strings_or_null(sim):
    r = sim.call("s7", "GET", "/api/extensions")
    expect(r.status == 200 and r.headers["content-type"] == "application/json", r.headers)
    rows = r.json
    expect(len(rows) == 10 and [x["pkey"] for x in rows] == sorted(x["pkey"] for x in rows),
           "ten rows ordered by pkey")
    for row in rows:
        expect(tuple(row) == sark_seed.EXTENSION_COLUMNS, list(row))
        expect(all(v is None or isinstance(v, str) for v in row.values()), row)
    for row in sim.call("s7", "GET", "/api/ringgroups").json:
        expect(tuple(row) == sark_seed.RINGGROUP_COLUMNS, list(row))
        expect(all(v is None or isinstance(v, str) for v in row.values()), row)


def test_model_404_json_or_html(sim):
    r = sim.call("s7", "GET", "/api/extensions/9999")
    expect(r.status == 404 and r.json == {"message": "No query results for model "
                                          "[App\\Extension] 9999"}, r.raw)
    tok = sim.login()
    r = sim.call("s11", "GET", "/api/extensions/9999", token=tok)
    expect(r.json["message"] == "No query results for model [App\\Models\\Extension] 9999",
           r.raw)
    r = sim.call("s7", "GET", "/api/extensions/9999", headers={})
    expect(r.status == 404 and r.raw.startswith(b"<!DOCTYPE html>"), "HTML without Accept")


# ---------------------------------------------------------------------- auth

def test_l11_login(sim):
    r = sim.call("s11", "POST", "/api/auth/login", {"email": EMAIL, "password": PASSWORD})
    expect(r.status == 200 and r.json["token_type"] == "Bearer", r.raw)
    m = TOKEN_RE.match(r.json["accessToken"])
    expect(m and int(m.group(3), 16) == zlib.crc32(m.group(2).encode()), r.json)
    r = sim.call("s11", "POST", "/api/auth/login", {"email": EMAIL, "password": "nope"})
    expect(r.status == 401 and r.json == {"message": "Unauthorized"}, r.raw)
    r = sim.call("s11", "POST", "/api/auth/login", {})
    expect(r.status == 422 and set(r.json["errors"]) == {"email", "password"}, r.raw)
    expect(r.json["message"] == "The email field is required. (and 1 more error)", r.raw)
    r = sim.call("s11", "POST", "/api/auth/login", {}, headers={})
    expect(r.status == 302, "without Accept JSON Laravel redirects: %d" % r.status)
    r = sim.call("s7", "POST", "/api/auth/login", {"email": EMAIL, "password": PASSWORD})
    expect(r.status == 404, "L7 has no login")


def test_l11_login_revokes_older_tokens(sim):
    old = sim.login()
    expect(sim.call("s11", "GET", "/api/extensions", token=old).status == 200, "fresh token")
    new = sim.login()
    r = sim.call("s11", "GET", "/api/extensions", token=old)
    expect(r.status == 404 and r.json == {"message": "Unauthorised/Page Not Found"}, r.raw)
    expect(sim.call("s11", "GET", "/api/extensions", token=new).status == 200, "new token")


def test_l11_bad_bearers(sim):
    for path, method in (("/api/extensions", "GET"), ("/api/auth/login", "POST")):
        r = sim.call("s11", method, path, {"email": EMAIL, "password": PASSWORD},
                     token="no-bar-in-it")
        expect(r.status == 500, "a bearer without | breaks every route: %d" % r.status)
    r = sim.call("s11", "GET", "/api/extensions", token="1|" + "x" * 48)
    expect(r.status == 404 and r.json["message"] == "Unauthorised/Page Not Found", r.raw)
    r = sim.call("s11", "GET", "/api/extensions")
    expect(r.status == 404, "no token: fallback 404")


def test_l11_non_admin_and_whoami(sim):
    tok = sim.login(email=dialect_sark.VIEWER_EMAIL, password=dialect_sark.VIEWER_PASSWORD)
    for path in ("/api/extensions", "/api/astamis/CoreShowChannels", "/api/syscommands/commit"):
        r = sim.call("s11", "GET", path, token=tok)
        expect(r.status == 404 and r.json["message"] == "Unauthorised/Page Not Found", path)
    r = sim.call("s11", "GET", "/api/auth/whoami", token=tok)
    expect(r.status == 200 and r.json["role"] == "user", r.raw)
    r = sim.call("s11", "GET", "/api/auth/logout", token=tok)
    expect(r.status == 200 and r.json == {"message": "Successfully logged out"}, r.raw)
    r = sim.call("s11", "GET", "/api/auth/whoami", token=tok)
    expect(r.status == 401 and r.json == {"message": "Unauthenticated."}, r.raw)
    r = sim.call("s11", "GET", "/api/auth/whoami", token=tok, headers={})
    expect(r.status == 500, "no login route to redirect to")


def test_l11_role_and_expiry_controls(sim):
    sim.op("s11", "set_role", role="user")
    tok = sim.login()
    expect(sim.call("s11", "GET", "/api/extensions", token=tok).status == 404, "demoted")
    sim.op("s11", "set_role", role="isAdmin")
    tok = sim.login()
    expect(sim.call("s11", "GET", "/api/extensions", token=tok).status == 200, "admin again")
    expect(sim.op("s11", "expire_tokens")["expired"] >= 1, "tokens expired")
    expect(sim.call("s11", "GET", "/api/extensions", token=tok).status == 404, "expired")


def test_l11_has_no_ring_groups(sim):
    tok = sim.login()
    for method in ("GET", "POST"):
        r = sim.call("s11", method, "/api/ringgroups", {} if method == "POST" else None,
                     token=tok)
        expect(r.status == 404 and r.json["message"] == "Unauthorised/Page Not Found", r.raw)


def test_throttle_l7_only(sim):
    for _ in range(3):
        r = sim.call("t7", "GET", "/api/queues")
        expect(r.status == 200 and r.headers.get("x-ratelimit-limit") == "3", r.headers)
    r = sim.call("t7", "GET", "/api/queues")
    expect(r.status == 429 and r.json == {"message": "Too Many Attempts."}, r.raw)
    expect(int(r.headers["retry-after"]) >= 1 and r.headers["x-ratelimit-remaining"] == "0",
           r.headers)
    expect(sim.state("t7")["throttle"]["throttled"], "the 429 is in the dump")
    tok = sim.login()
    for _ in range(5):
        expect(sim.call("s11", "GET", "/api/queues", token=tok).status == 200, "L11: none")


# ---------------------------------------------------------------- extensions

def test_typed_creates(sim):
    r = sim.call("s7", "POST", "/api/extensions/unprovisioned", {"pkey": "2001",
                                                                 "cluster": "default"})
    expect(r.status == 201, r.raw)
    expect(list(r.json) == ["active", "basemacaddr", "callbackto", "devicerec", "cluster",
                            "protocol", "provisionwith", "sndcreds", "transport", "technology",
                            "z_updater", "pkey", "desc", "device", "location", "passwd"],
           list(r.json))
    expect(r.json["desc"] == "Ext2001" and r.json["device"] == "General SIP", r.json)
    r = sim.call("s7", "POST", "/api/extensions/webrtc", {"pkey": "2002", "cluster": "default"})
    expect(r.status == 201 and r.json["transport"] == "wss" and r.json["device"] == "WebRTC",
           r.raw)
    r = sim.call("s7", "POST", "/api/extensions/unprovisioned", {"pkey": "2001",
                                                                 "cluster": "default"})
    expect(r.status == 422 and r.json == {"save": ["Duplicate Key - 2001"]}, r.raw)
    r = sim.call("s7", "POST", "/api/extensions/mailbox", {"pkey": "2001", "cluster": "default"})
    expect(r.status == 409 and r.json["Error"].startswith("SQLSTATE[23000]"), r.raw)
    r = sim.call("s7", "POST", "/api/extensions/provisioned", {"pkey": "2003",
                                                               "cluster": "default"})
    expect(r.status == 422 and "macaddr" in r.json, r.raw)
    r = sim.call("s7", "POST", "/api/extensions/provisioned",
                 {"pkey": "2003", "cluster": "default", "macaddr": "aabbcc001122"})
    expect(r.status == 422 and "Vendor" in r.json["macaddr"][0], r.raw)
    r = sim.call("s7", "POST", "/api/extensions/provisioned",
                 {"pkey": "2003", "cluster": "default", "macaddr": "805EC0001122"})
    expect(r.status == 201 and r.json["device"] == "Yealink", r.raw)
    r = sim.call("s7", "POST", "/api/extensions/unprovisioned", {"pkey": "2004",
                                                                 "cluster": "nope"})
    expect(r.status == 422 and r.json == {"cluster": ["The selected cluster is invalid."]},
           r.raw)
    expect(sim.call("s7", "POST", "/api/extensions/vxt", {"pkey": "2005"}).status == 500, "vxt")
    expect(sim.call("s7", "POST", "/api/extensions", {"pkey": "2005"}).status == 405, "plain")
    rows = {x["pkey"]: x for x in sim.call("s7", "GET", "/api/extensions").json}
    expect(all(isinstance(v, str) or v is None for v in rows["2001"].values()), rows["2001"])


def test_extension_update_and_delete(sim):
    r = sim.call("s7", "PUT", "/api/extensions/1002", {"active": "NO", "callerid": 441234567890,
                                                      "desc": "ignored", "transport": "tcp"})
    expect(r.status == 200 and r.json["callerid"] == 441234567890, r.raw)
    row = [x for x in sim.call("s7", "GET", "/api/extensions").json if x["pkey"] == "1002"][0]
    expect(row["active"] == "NO" and row["callerid"] == "441234567890", row)
    expect(row["desc"] == "Ext1002", "desc is not writable")
    r = sim.call("s7", "PUT", "/api/extensions/1002", {"active": "maybe", "callerid": "0123",
                                                      "devicerec": "default"})
    expect(r.status == 422 and set(r.json) == {"active", "callerid", "devicerec"}, r.raw)
    expect(r.json["callerid"] == ["The callerid must be an integer."], r.raw)
    r = sim.call("s10", "PUT", "/api/extensions/1002", {"callerid": "x"})
    expect(r.json["callerid"] == ["The callerid field must be an integer."], "L10 wording")
    r = sim.call("s7", "DELETE", "/api/extensions/1002")
    expect(r.status == 204 and r.raw == b"", r.raw)
    expect(sim.call("s7", "DELETE", "/api/extensions/1002").status == 404, "gone")


def test_ring_groups(sim):
    r = sim.call("s10", "POST", "/api/ringgroups", {"pkey": "502", "cluster": "default",
                                                   "outcome": "Operator", "out": "1001 1002"})
    expect(r.status == 201 and r.json["ringdelay"] == 20, "defaults echoed as integers")
    row = [x for x in sim.call("s10", "GET", "/api/ringgroups").json if x["pkey"] == "502"][0]
    expect(row["ringdelay"] == "20" and row["desc"] is None, row)
    r = sim.call("s10", "POST", "/api/ringgroups", {"pkey": "503", "cluster": "default",
                                                   "outcome": "Nowhere"})
    expect(r.status == 422 and "outcome" in r.json, r.raw)
    r = sim.call("s10", "POST", "/api/ringgroups", {"pkey": "502", "cluster": "default",
                                                   "outcome": "None"})
    expect(r.json == {"save": ["Duplicate Key - 502"]}, r.raw)
    r = sim.call("s10", "PUT", "/api/ringgroups/502", {"out": "x", "grouptype": "Ring"})
    expect(r.status == 422 and list(r.json) == ["out"], r.raw)
    r = sim.call("s10", "PUT", "/api/ringgroups/502", {"ringdelay": 30, "longdesc": "Lab"})
    expect(r.status == 200 and r.json["ringdelay"] == 30, r.raw)
    expect(sim.call("s10", "DELETE", "/api/ringgroups/502").status == 204, "deleted")


def test_commit(sim):
    before = sim.state("s7")
    expect(before["uncommitted"] > 0, "writes above are not committed yet")
    r = sim.call("s7", "GET", "/api/syscommands/commit")
    expect(r.status == 200 and r.json == {"message": "System Commit issued"}, r.raw)
    after = sim.state("s7")
    expect(after["commits"] == before["commits"] + 1 and after["uncommitted"] == 0, after)


# ------------------------------------------------------------------- astamis

def test_core_show_channels(sim):
    r = sim.call("s7", "GET", "/api/astamis/CoreShowChannels")
    expect(r.status == 200 and r.elapsed >= AMI_DELAY - 0.05, "AMI latency %.2f" % r.elapsed)
    events = r.json
    expect(events[0] == {"Response": "Success", "Message": "Channels will follow"}, events[0])
    expect(len(events) > 1, "some channels")
    for ev in events[1:]:
        expect(ev["Event"] == "CoreShowChannel", ev)
        expect(all(isinstance(v, str) for v in ev.values()), ev)
        expect(re.fullmatch(r"\d\d:\d\d:\d\d", ev["Duration"]), ev)
        expect(": " not in "".join(ev.values()), "values are cut at ': '")
    expect(not any("EventList" in e or "ListItems" in e for e in events), "no list markers")


def test_value_cut_at_colon_space(sim):
    sim.op("s7", "clear_channels")
    sim.op("s7", "add_call", kind="voicemail", channel={"CallerIDName": "Lab: bench 2"})
    ev = sim.call("s7", "GET", "/api/astamis/CoreShowChannels").json[1]
    expect(ev["CallerIDName"] == "Lab", ev)


def test_ami_calls_run_in_parallel(sim):
    out = []
    threads = [threading.Thread(target=lambda: out.append(
        sim.call("s7", "GET", "/api/astamis/QueueStatus"))) for _ in range(3)]
    t0 = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    took = time.monotonic() - t0
    expect(len(out) == 3 and all(r.status == 200 for r in out), [r.status for r in out])
    expect(took < 2.5 * AMI_DELAY, "three slow calls at once took %.2fs" % took)


def test_queue_status(sim):
    events = sim.call("s7", "GET", "/api/astamis/QueueStatus").json
    kinds = {e.get("Event") for e in events[1:]}
    expect(kinds <= {"QueueParams", "QueueMember", "QueueEntry"} and "QueueMember" in kinds,
           kinds)
    expect(events[0]["Message"] == "Queue status will follow", events[0])
    flat = sim.call("s7", "GET", "/api/astamis/QueueStatus/sales").json
    expect(isinstance(flat, dict) and flat["Event"] == "QueueStatusComplete", flat)


def test_empty_list_and_invalid_action(sim):
    sim.op("s7", "clear_channels")
    r = sim.call("s7", "GET", "/api/astamis/CoreShowChannels")
    expect(r.status == 404 and r.json == {"message": "Empty Object set returned from AMI"},
           r.raw)
    r = sim.call("s7", "GET", "/api/astamis/Originate")
    expect(r.status == 404 and r.json == {"message": "AMI Action invalid or unsupported"}, r.raw)
    expect(sim.call("s7", "GET", "/api/astamis/SIPpeers").status == 404, "L7 lists SIPpeers")
    tok = sim.login()
    r = sim.call("s11", "GET", "/api/astamis/SIPpeers", token=tok)
    expect(r.json["message"] == "AMI Action invalid or unsupported", "L11 has no SIPpeers")


def test_hangup(sim):
    sim.op("s7", "clear_channels")
    made = sim.op("s7", "add_call", kind="local")["channels"]
    local = [c for c in made if c.startswith("Local/")][0]
    tech, rest = local.split("/", 1)
    path = "/api/astamis/Hangup/%s/%s" % (tech, rest.replace("@", "%40").replace(";", "%3B"))
    r = sim.call("s7", "DELETE", path)
    expect(r.status == 200 and r.json == {rest: "Response: Success\r\nMessage: Channel "
                                          "Hungup\r\n\r\n"}, r.raw)
    expect(sim.state("s7")["channels"] == [], "the whole call ended")
    r = sim.call("s7", "DELETE", path)
    expect(r.status == 200 and "No such channel" in r.json[rest], r.raw)
    r = sim.call("s10", "DELETE", "/api/astamis/Hangup/PJSIP/1001-00000001")
    expect(r.status == 500, "L10 has no hangup method")


def test_ami_down(sim):
    sim.op("s7", "set_ami", mode="down")
    r = sim.call("s7", "GET", "/api/astamis/CoreShowChannels")
    expect(r.status == 503, r.status)
    try:
        json.loads(r.raw)
        expect(False, "the body should carry PHP output after the JSON")
    except ValueError:
        pass
    expect(r.first_json() == {"message": "PBX not running"}, r.raw)
    expect(sim.call("s7", "GET", "/api/syscommands/pbxrunstate").json == {"pbxrunstate": False},
           "pbxrunstate")
    sim.op("s7", "set_ami", mode="unreachable")
    r = sim.call("s7", "DELETE", "/api/astamis/Hangup/PJSIP/x-1")
    expect(r.status == 599 and "Could not connect" in r.first_json()["message"], r.raw)
    sim.op("s7", "set_ami", mode="ok")


def test_controls_and_config(sim):
    expect(sim.op("s10", "set_variant", variant="L11")["variant"] == "L11", "switch")
    expect(sim.call("s10", "GET", "/api/extensions").status == 404, "now needs a token")
    sim.op("s10", "set_variant", variant="l10")
    expect(sim.call("s10", "GET", "/api/extensions").status == 200, "back to L10")
    try:
        sim.op("s10", "set_variant", variant="L12")
        expect(False, "bad variant accepted")
    except urllib.error.HTTPError as err:
        expect(err.code == 400, err.code)
    expect(dialect_sark.pbxtop_config({"variant": "L7"}) == "variant = L7\n", "L7 config")
    cfg = dialect_sark.pbxtop_config({"password": "pw"})
    expect(cfg == "variant = L11\nusername = %s\npassword = pw\n" % EMAIL, cfg)
    sim.ctl("POST", "/reset", {})
    st = sim.state("s7")
    expect(st["commits"] == 0 and len(st["extensions"]) == 10 and st["channels"], "reset")


TESTS = [
    test_api_prefix_and_fallbacks, test_values_are_strings_or_null, test_model_404_json_or_html,
    test_l11_login, test_l11_login_revokes_older_tokens, test_l11_bad_bearers,
    test_l11_non_admin_and_whoami, test_l11_role_and_expiry_controls,
    test_l11_has_no_ring_groups, test_throttle_l7_only, test_typed_creates,
    test_extension_update_and_delete, test_ring_groups, test_commit, test_core_show_channels,
    test_value_cut_at_colon_space, test_ami_calls_run_in_parallel, test_queue_status,
    test_empty_list_and_invalid_action, test_hangup, test_ami_down, test_controls_and_config,
]


def main():
    began = time.time()
    tmp = tempfile.mkdtemp(prefix="pbxsim-sark-")
    passed = failed = 0
    sim = None
    try:
        sim = Sim(tmp)
        for test in TESTS:
            start = time.time()
            try:
                test(sim)
                passed += 1
                if VERBOSE:
                    print("ok   %s (%.2fs)" % (test.__name__, time.time() - start))
            except Exception as exc:
                failed += 1
                print("FAIL %s: %s: %s" % (test.__name__, type(exc).__name__, exc))
    finally:
        if sim is not None and sim.proc.poll() is None:
            sim.proc.kill()
            sim.proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print("sark selftest took %.1fs" % (time.time() - began))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
