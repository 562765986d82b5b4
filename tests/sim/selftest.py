#!/usr/bin/env python3
"""Self-test of pbxsim: starts it as a subprocess and checks the jade wire
contract, the control API, the faults and the process lifecycle over real
HTTPS (urllib + ssl, verifying the generated cert).

    python3 tests/sim/selftest.py [-v]

Prints one line per check and "N passed, N failed"; exits 1 on any failure.
"""

import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PBXSIM = os.path.join(HERE, "pbxsim.py")
FIXTURES = os.path.join(HERE, "..", "..", "..", "shared", "fixtures", "jade")
VERBOSE = "-v" in sys.argv[1:]

CHANNEL_KEYS = {"account_code", "application", "application_data", "bridge_id",
                "caller_id_name", "caller_id_num", "channel", "channel_state",
                "channel_state_desc", "connected_line_name", "connected_line_num", "context",
                "duration", "exten", "hangup_cause", "hangup_cause_desc", "language",
                "linked_id", "priority", "tm_update", "unique_id", "variables"}
MEMBER_KEYS = {"id", "calls_taken", "in_call", "last_call", "last_pause", "location",
               "membership", "name", "paused", "paused_reason", "penalty", "queue_name",
               "ring_inuse", "state_interface", "status", "tm_update"}
QUEUE_KEYS = {"abandoned", "calls", "completed", "hold_time", "max", "name", "service_level",
              "service_level_perf", "strategy", "talk_time", "tm_update", "weight"}
ENTRY_KEYS = {"caller_id_name", "caller_id_num", "channel", "connected_line_name",
              "connected_line_num", "position", "queue_name", "tm_update", "unique_id", "wait"}
USER_KEYS = {"context", "name", "password", "permissions", "tm_create", "tm_update",
             "username", "uuid"}
TIMESTAMP_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,9}Z\Z")
UUID4_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")
CHANNEL_RE = re.compile(r"PJSIP/[A-Za-z0-9_-]+-[0-9a-f]{8}\Z")
STATES = {4: "Ring", 5: "Ringing", 6: "Up"}
OVERSIZE = 17 << 20
# Ways a client sees "the server closed without answering".
CLOSED = (http.client.RemoteDisconnected, http.client.BadStatusLine, ConnectionError,
          ssl.SSLError, http.client.IncompleteRead, urllib.error.URLError)


class Reply:
    def __init__(self, status, headers, raw):
        self.status, self.headers, self.raw = status, headers, raw

    @property
    def json(self):
        return json.loads(self.raw)


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


class Sim:
    """One pbxsim subprocess and clients for its backends and control API."""

    def __init__(self, workdir, backends, extra=()):
        self.dir = workdir
        cmd = [sys.executable, PBXSIM, "--dir", workdir, "--seed", "7", "--watch-stdin"]
        for spec in backends:
            cmd += ["--backend", spec]
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd + list(extra), stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=self.stderr)
        self.ports = self._wait_ready()
        self.ctx = ssl.create_default_context(cafile=self.ports["cert"])

    def _wait_ready(self):
        path = os.path.join(self.dir, "ports.json")
        deadline = time.time() + 10
        while time.time() < deadline:
            if os.path.exists(path):
                with open(path) as fh:
                    return json.load(fh)
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError("pbxsim did not start: %s" % self.stderr_text())

    def stderr_text(self):
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def url(self, backend, path):
        return self.ports["backends"][backend]["url"] + path

    def call(self, backend, method, path, body=None, headers=None, timeout=5, ctx=None):
        data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(self.url(backend, path), data=data, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=ctx or self.ctx) as r:
                return Reply(r.status, _lower(r.headers), r.read())
        except urllib.error.HTTPError as err:
            return Reply(err.code, _lower(err.headers), err.read())

    def ctl(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        url = "http://127.0.0.1:%d%s" % (self.ports["control"], path)
        req = urllib.request.Request(url, data=data, method=method)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def op(self, backend, op, **args):
        status, result = self.ctl("POST", "/state", dict(args, backend=backend, op=op))
        expect(status == 200, "op %s failed: %s" % (op, result))
        return result

    def state(self, backend):
        return self.ctl("GET", "/state?backend=" + backend)[1]

    def fault(self, **spec):
        status, result = self.ctl("POST", "/fault", spec)
        expect(status == 200, "fault rejected: %s" % result)
        return result["id"]


def _lower(headers):
    return {k.lower(): v for k, v in headers.items()}


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(
        ("%s:%s" % (user, password)).encode()).decode()}


def login(sim, backend="office", user="admin", password="admin", path="/v1/admin/login"):
    reply = sim.call(backend, "POST", path, headers=basic(user, password))
    expect(reply.status == 200, "login failed: %d %r" % (reply.status, reply.raw))
    return reply.json["result"]["authtoken"]


class Harness:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="pbxsim-selftest-")
        self.sim = Sim(os.path.join(self.tmp, "main"),
                       ["office=jade", "short=jade,token_ttl=1,channels=0", "busy=jade"])
        self.initial_office = self.sim.state("office")
        self.busy_seeded = {c["unique_id"] for c in self.sim.state("busy")["channels"]}
        self.sim.op("busy", "churn", on=True)       # checked near the end
        self.token = login(self.sim)
        self.sim2 = None

    def get(self, path, backend="office", **kw):
        return self.sim.call(backend, "GET", self._auth(path), **kw)

    def send(self, method, path, body=None, backend="office", **kw):
        return self.sim.call(backend, method, self._auth(path), body, **kw)

    def _auth(self, path):
        return path + ("&" if "?" in path else "?") + "authtoken=" + self.token


def expect_envelope(reply, status, with_result):
    expect(reply.status == status, "status %d, want %d: %r" % (reply.status, status, reply.raw))
    doc = reply.json
    keys = {"api_ver", "timestamp", "statuscode"} | ({"result"} if with_result else set())
    expect(set(doc) == keys, "envelope keys %s" % sorted(doc))
    expect(doc["api_ver"] == "0.1" and doc["statuscode"] == status, "envelope %r" % doc)
    expect(TIMESTAMP_RE.match(doc["timestamp"]), "timestamp %r" % doc["timestamp"])
    return doc.get("result")


def expect_error(reply, status):
    expect(reply.status == status, "status %d, want %d: %r" % (reply.status, status, reply.raw))
    doc = reply.json
    expect(set(doc) == {"api_ver", "timestamp", "statuscode", "error"}, "keys %s" % sorted(doc))
    expect(doc["error"] == {"code": status, "message": ""}, "error %r" % doc["error"])
    expect("content-type" not in reply.headers, "jade sends no Content-Type")


def expect_bare_404(reply):
    expect(reply.status == 404 and reply.raw == b"", "want bare 404, got %d %r"
           % (reply.status, reply.raw))
    expect("access-control-allow-origin" not in reply.headers, "bare 404 has CORS headers")


# ------------------------------------------------------------------ startup

def test_ports_json_and_files(h):
    ports, d = h.sim.ports, h.sim.dir
    expect(ports["pid"] == h.sim.proc.pid, "pid")
    expect(isinstance(ports["control"], int), "control port")
    expect(ports["cert"] == os.path.join(d, "cert.pem"), "cert path %r" % ports["cert"])
    office = ports["backends"]["office"]
    expect(office == {"type": "jade", "port": office["port"],
                      "url": "https://127.0.0.1:%d" % office["port"]}, "office %r" % office)
    expect(os.stat(d).st_mode & 0o777 == 0o700, "dir mode")
    expect(os.stat(os.path.join(d, "key.pem")).st_mode & 0o777 == 0o600, "key mode")


def test_tls_rejecting_clients_do_not_kill_listener(h):
    port = h.sim.ports["backends"]["office"]["port"]
    try:
        h.sim.call("office", "GET", "/v1/admin/core/channels", ctx=ssl.create_default_context())
        raise AssertionError("an untrusting client accepted the self-signed cert")
    except urllib.error.URLError as err:
        expect(isinstance(err.reason, ssl.SSLCertVerificationError), "reason %r" % err.reason)
    with socket.create_connection(("127.0.0.1", port), timeout=2) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")      # plain HTTP at a TLS port
        try:
            raw.recv(100)
        except ConnectionError:
            pass
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    expect(h.get("/v1/admin/core/channels").status == 200, "listener died")


def test_keep_alive(h):
    port = h.sim.ports["backends"]["office"]["port"]
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=h.sim.ctx, timeout=5)
    path = "/v1/admin/queue/queues?authtoken=" + h.token
    conn.request("GET", path)
    first = conn.getresponse()
    expect(first.getheader("Content-Length") is not None, "no Content-Length")
    first.read()
    sock = conn.sock
    conn.request("GET", path)
    second = conn.getresponse()
    second.read()
    expect(second.status == 200 and conn.sock is sock, "connection was not reused")
    conn.close()


# --------------------------------------------------------------------- auth

def test_login_envelope(h):
    reply = h.sim.call("office", "POST", "/v1/admin/login", b"ignored", basic("admin", "admin"))
    result = expect_envelope(reply, 200, True)
    expect(UUID4_RE.match(result["authtoken"]), "token %r" % result)
    expect("content-type" not in reply.headers, "jade sends no Content-Type")
    expect(reply.headers.get("access-control-allow-origin") == "*", "CORS origin")
    expect(reply.headers.get("access-control-max-age") == "86400", "CORS max-age")
    compact = json.dumps(reply.json, separators=(",", ":"), ensure_ascii=False).encode()
    expect(reply.raw == compact, "body is not compact JSON")


def test_login_errors(h):
    b64 = base64.b64encode(b"admin:admin").decode()
    expect_error(h.sim.call("office", "POST", "/v1/admin/login"), 400)
    for bad in ("Basic", "Basic !!!", "Basic " + base64.b64encode(b"nocolon").decode()):
        expect_error(h.sim.call("office", "POST", "/v1/admin/login",
                                headers={"Authorization": bad}), 400)
    expect_error(h.sim.call("office", "POST", "/v1/admin/login",
                            headers=basic("admin", "wrong")), 404)
    # jade skips to the first space without reading the scheme word.
    reply = h.sim.call("office", "POST", "/v1/admin/login",
                       headers={"Authorization": "Whatever " + b64})
    expect(reply.status == 200, "scheme word was checked")


def test_logout(h):
    token = login(h.sim)
    path = "/v1/admin/login?authtoken=" + token
    expect_envelope(h.sim.call("office", "DELETE", path), 200, False)
    expect_error(h.sim.call("office", "GET", "/v1/admin/core/channels?authtoken=" + token), 403)
    expect_error(h.sim.call("office", "DELETE", path), 400)
    expect_error(h.sim.call("office", "DELETE", "/v1/admin/login"), 400)


def test_403_before_405_and_bare_404(h):
    expect_error(h.sim.call("office", "GET", "/v1/admin/core/channels"), 403)
    expect_error(h.sim.call("office", "PUT", "/v1/admin/core/channels?authtoken=nope"), 403)
    expect_error(h.send("PUT", "/v1/admin/core/channels"), 405)
    expect_error(h.send("POST", "/v1/admin/queue/queues"), 405)
    expect_error(h.sim.call("office", "GET", "/v1/admin/login"), 405)
    expect_bare_404(h.sim.call("office", "GET", "/v1/admin/nothing?authtoken=nope"))
    expect_bare_404(h.get("/v1/nothing"))
    expect_bare_404(h.get("/"))


def test_options_is_200_empty(h):
    for path in ("/v1/admin/core/channels", "/v1/admin/queue/members/x%40y"):
        reply = h.sim.call("office", "OPTIONS", path)
        expect(reply.status == 200 and reply.raw == b"", "OPTIONS %s: %d" % (path, reply.status))


def test_non_admin_token_is_403(h):
    token = login(h.sim, user="operator", password="operator", path="/v1/manager/login")
    expect_error(h.sim.call("office", "GET", "/v1/admin/core/channels?authtoken=" + token), 403)
    admin = login(h.sim, path="/v1/me/login")
    reply = h.sim.call("office", "GET", "/v1/manager/users?authtoken=" + admin)
    expect(reply.status == 200, "admin token from /v1/me/login refused")


def test_token_sliding_expiry(h):
    token = login(h.sim, "short")
    path = "/v1/admin/core/channels?authtoken=" + token
    for _ in range(3):              # 3 x 0.6 s: longer than the 1 s ttl, never idle 1 s
        time.sleep(0.6)
        expect(h.sim.call("short", "GET", path).status == 200, "token expired while in use")
    time.sleep(1.3)
    expect_error(h.sim.call("short", "GET", path), 403)


def test_expire_tokens_and_credentials(h):
    token = login(h.sim)
    h.sim.op("office", "expire_tokens")
    expect_error(h.sim.call("office", "GET", "/v1/admin/core/channels?authtoken=" + token), 403)
    h.sim.op("office", "set_credentials", user="ops", password="s3cret")
    expect_error(h.sim.call("office", "POST", "/v1/admin/login",
                            headers=basic("admin", "admin")), 404)
    login(h.sim, user="ops", password="s3cret")
    h.sim.op("office", "set_credentials", user="admin", password="admin")
    h.token = login(h.sim)


# ----------------------------------------------------------------- channels

def check_channel(chan, now):
    expect(set(chan) == CHANNEL_KEYS, "channel keys %s" % sorted(set(chan) ^ CHANNEL_KEYS))
    epoch, _, seq = chan["unique_id"].partition(".")
    expect(epoch.isdigit() and seq.isdigit(), "unique_id %r" % chan["unique_id"])
    expect(now - 660 <= int(epoch) <= now + 2, "unique_id epoch %s" % epoch)
    expect(CHANNEL_RE.match(chan["channel"]), "channel %r" % chan["channel"])
    expect(STATES.get(chan["channel_state"]) == chan["channel_state_desc"],
           "state %r/%r" % (chan["channel_state"], chan["channel_state_desc"]))
    expect(isinstance(chan["priority"], str) and chan["priority"].isdigit(), "priority")
    expect(chan["duration"] is None and chan["hangup_cause"] is None, "nulls")
    expect(chan["variables"] == {}, "variables")
    expect(isinstance(chan["linked_id"], str), "linked_id")
    expect(TIMESTAMP_RE.match(chan["tm_update"]), "tm_update")
    if chan["application"] == "Dial" and chan["channel_state"] == 6:
        expect(chan["bridge_id"], "an answered Dial has a bridge")


def test_channels_list(h):
    chans = expect_envelope(h.get("/v1/admin/core/channels"), 200, True)["list"]
    expect(len(chans) == 6, "want 6 seeded channels, got %d" % len(chans))
    now = time.time()
    for chan in chans:
        check_channel(chan, now)
    apps = {c["application"] for c in chans}
    expect(apps <= {"Dial", "Queue", "VoiceMail", "Playback", "ConfBridge", "AppDial"},
           "apps %s" % apps)
    expect(any(c["channel"].startswith("PJSIP/trunk-") for c in chans), "no trunk channel")
    expect(any("<unknown>" in (c["caller_id_name"], c["connected_line_num"]) for c in chans),
           "no <unknown> party")
    seqs = [int(c["unique_id"].split(".")[1]) for c in chans]
    expect(seqs == sorted(seqs), "unique ids not in creation order")


def test_channel_detail_and_hangup(h):
    chan = h.get("/v1/admin/core/channels").json["result"]["list"][0]
    path = "/v1/admin/core/channels/" + chan["unique_id"]
    expect(expect_envelope(h.get(path), 200, True) == chan, "detail differs from list")
    expect_envelope(h.send("DELETE", path), 200, False)
    expect_error(h.get(path), 404)
    expect_error(h.send("DELETE", path), 500)
    uids = [c["unique_id"] for c in h.get("/v1/admin/core/channels").json["result"]["list"]]
    expect(chan["unique_id"] not in uids, "hung-up channel still listed")


def test_control_channels(h):
    added = h.sim.op("office", "add_channel", channel={
        "kind": "dial", "age": 125, "caller_id_name": "Zo\x1b]2;PW\x07", "channel_state": 5})
    epoch = int(added["unique_id"].split(".")[0])
    expect(abs(time.time() - 125 - epoch) <= 2, "age not applied: %s" % added["unique_id"])
    expect(added["channel_state_desc"] == "Ringing", "desc not derived")
    listed = h.get("/v1/admin/core/channels").json["result"]["list"]
    expect(added in listed, "added channel not listed")
    h.sim.op("office", "remove_channel", unique_id=added["unique_id"])
    status, _ = h.sim.ctl("POST", "/state", {"backend": "office", "op": "remove_channel",
                                             "unique_id": added["unique_id"]})
    expect(status == 400, "removing an unknown channel: %d" % status)
    saved = h.get("/v1/admin/core/channels").json["result"]["list"]
    h.sim.op("office", "set_channels", channels=[])
    expect(h.get("/v1/admin/core/channels").json["result"] == {"list": []}, "not emptied")
    h.sim.op("office", "set_channels", channels=[{"caller_id_name": "\udcff"}, {}])
    reply = h.get("/v1/admin/core/channels")
    expect(b'"caller_id_name":"\xff"' in reply.raw, "raw byte override not sent as is")
    h.sim.op("office", "set_channels", channels=saved)
    again = h.get("/v1/admin/core/channels").json["result"]["list"]
    expect(again == saved, "set_channels did not restore the given channels")


def test_control_bad_input(h):
    for body in ({"backend": "office", "op": "nope"}, {"backend": "ghost", "op": "churn"},
                 {"backend": "office", "op": "churn", "on": "yes"},
                 {"backend": "office", "op": "add_channel", "channel": {"kind": "x"}}):
        status, result = h.sim.ctl("POST", "/state", body)
        expect(status == 400 and "error" in result, "%r gave %d" % (body, status))
    expect(h.sim.ctl("GET", "/state?backend=ghost")[0] == 400, "unknown backend")
    expect(h.sim.ctl("GET", "/nowhere")[0] == 404, "unknown control path")


# ------------------------------------------------------ queues and members

def test_queues(h):
    queues = expect_envelope(h.get("/v1/admin/queue/queues"), 200, True)["list"]
    names = [q["name"] for q in queues]
    expect({"sales", "support"} <= set(names), "queues %s" % names)
    entries = h.get("/v1/admin/queue/entries").json["result"]["list"]
    for queue in queues:
        expect(set(queue) == QUEUE_KEYS, "queue keys")
        expect(isinstance(queue["service_level_perf"], float), "service_level_perf")
        expect(queue["calls"] == sum(e["queue_name"] == queue["name"] for e in entries),
               "calls does not count the waiting callers")
    expect(expect_envelope(h.get("/v1/admin/queue/queues/sales"), 200, True)["name"] == "sales",
           "queue detail")
    expect_error(h.get("/v1/admin/queue/queues/nope"), 404)


def test_members_list_and_detail(h):
    members = expect_envelope(h.get("/v1/admin/queue/members"), 200, True)["list"]
    expect(len(members) >= 5, "members %d" % len(members))
    for member in members:
        expect(set(member) == MEMBER_KEYS, "member keys")
        expect(member["id"] == "%s@%s" % (member["name"], member["queue_name"]), "member id")
        expect(member["ring_inuse"] is None, "ring_inuse")
        for key in ("penalty", "paused", "status", "calls_taken", "in_call", "last_call"):
            expect(type(member[key]) is int, "%s is not an int" % key)
    expect(any(m["paused"] and m["paused_reason"] for m in members), "nobody paused")
    for member in members:
        quoted = urllib.parse.quote(member["id"], safe="")
        got = expect_envelope(h.get("/v1/admin/queue/members/" + quoted), 200, True)
        expect(got == member, "detail of %s" % member["id"])
    expect_error(h.get("/v1/admin/queue/members/PJSIP/202@sales"), 404)   # "/" not encoded
    expect_error(h.get("/v1/admin/queue/members/nobody%40sales"), 404)


def find_member(h, queue, iface):
    for member in h.get("/v1/admin/queue/members").json["result"]["list"]:
        if member["queue_name"] == queue and member["state_interface"] == iface:
            return member
    return None


def test_member_put(h):
    body = {"queue_name": "support", "state_interface": "PJSIP/203", "paused": 1,
            "paused_reason": "lunch", "penalty": 3}
    expect_envelope(h.send("PUT", "/v1/admin/queue/members/ignored%40x", body), 200, False)
    member = find_member(h, "support", "PJSIP/203")
    expect((member["paused"], member["paused_reason"], member["penalty"]) == (1, "lunch", 3),
           "update not applied: %r" % member)
    body = {"queue_name": "support", "state_interface": "PJSIP/203", "penalty": "5",
            "paused": 0}
    expect_envelope(h.send("PUT", "/v1/admin/queue/members/x", body), 200, False)
    member = find_member(h, "support", "PJSIP/203")
    expect(member["penalty"] == 0 and member["paused"] == 0, "string int not read as 0")
    expect_error(h.send("PUT", "/v1/admin/queue/members/x", {"queue_name": "support"}), 400)
    expect_error(h.send("PUT", "/v1/admin/queue/members/x", b"{not json"), 400)


def test_member_add_and_remove(h):
    body = {"queue_name": "sales", "name": "Zed", "state_interface": "PJSIP/299",
            "penalty": 2, "paused": 0}
    expect_envelope(h.send("POST", "/v1/admin/queue/members", body), 200, False)
    member = find_member(h, "sales", "PJSIP/299")
    expect(member and member["id"] == "Zed@sales" and member["membership"] == "dynamic"
           and member["penalty"] == 2, "added member %r" % member)
    expect_envelope(h.send("POST", "/v1/admin/queue/members", {}), 200, False)
    expect_error(h.send("POST", "/v1/admin/queue/members", b"nope"), 400)
    path = "/v1/admin/queue/members/Zed%40sales"
    expect_envelope(h.send("DELETE", path), 200, False)
    expect(find_member(h, "sales", "PJSIP/299") is None, "member not removed")
    expect_error(h.send("DELETE", path), 500)


def test_entries(h):
    for _ in range(2):      # earlier tests may have hung up the seeded callers
        h.sim.op("office", "add_channel", channel={"kind": "queue_wait", "age": 30})
    entries = expect_envelope(h.get("/v1/admin/queue/entries"), 200, True)["list"]
    expect(len(entries) >= 2, "no waiting callers")
    for entry in entries:
        expect(set(entry) == ENTRY_KEYS, "entry keys")
        expect(type(entry["position"]) is int, "position")
        expect(entry["wait"] is None or type(entry["wait"]) is int, "wait")
    victim = entries[0]
    path = "/v1/admin/queue/entries/" + victim["unique_id"]
    expect(expect_envelope(h.get(path), 200, True) == victim, "entry detail")
    expect_envelope(h.send("DELETE", path), 200, False)
    expect_error(h.get("/v1/admin/core/channels/" + victim["unique_id"]), 404)
    expect_error(h.send("DELETE", path), 500)
    left = h.get("/v1/admin/queue/entries").json["result"]["list"]
    same_queue = [e["position"] for e in left if e["queue_name"] == victim["queue_name"]]
    expect(same_queue == list(range(1, len(same_queue) + 1)), "positions %s" % same_queue)
    # a caller put in a queue of the test's choice (billing has no DID of its own)
    added = h.sim.op("office", "add_channel",
                     channel={"kind": "queue_wait", "queue": "billing", "age": 42})
    entries = h.get("/v1/admin/queue/entries").json["result"]["list"]
    mine = [e for e in entries if e["unique_id"] == added["unique_id"]]
    expect(len(mine) == 1 and mine[0]["queue_name"] == "billing" and mine[0]["wait"] == 42,
           "caller in billing %r" % mine)
    billing = [e["position"] for e in entries if e["queue_name"] == "billing"]
    expect(billing == list(range(1, len(billing) + 1)), "billing positions %s" % billing)
    queues = h.get("/v1/admin/queue/queues").json["result"]["list"]
    expect(next(q for q in queues if q["name"] == "billing")["calls"] == len(billing),
           "billing calls")
    for bad in ({"kind": "dial", "queue": "billing"}, {"kind": "queue_wait", "queue": "nope"}):
        status, _ = h.sim.ctl("POST", "/state",
                              {"backend": "office", "op": "add_channel", "channel": bad})
        expect(status == 400, "%r gave %d" % (bad, status))


def test_endpoints(h):
    endpoints = expect_envelope(h.get("/v1/admin/pjsip/endpoints"), 200, True)["list"]
    expect(len(endpoints) >= 8, "endpoints %d" % len(endpoints))
    keys = set(endpoints[0])
    expect(len(keys) == 116 and all(set(e) == keys for e in endpoints), "endpoint keys")
    expect(len({e["object_name"] for e in endpoints}) == len(endpoints), "names not unique")
    one = expect_envelope(h.get("/v1/admin/pjsip/endpoints/200"), 200, True)
    expect(one["object_name"] == "200" and one["aors"] == "200", "endpoint detail")
    expect_error(h.get("/v1/admin/pjsip/endpoints/999"), 404)
    expect_error(h.send("POST", "/v1/admin/pjsip/endpoints"), 405)


def test_manager_users(h):
    users = expect_envelope(h.get("/v1/manager/users"), 200, True)["list"]
    expect(len(users) == 2 and all(set(u) == USER_KEYS for u in users), "users")
    first = users[0]
    expect(expect_envelope(h.get("/v1/manager/users/" + first["uuid"]), 200, True) == first,
           "user detail")
    expect_bare_404(h.get("/v1/manager/users/not-a-uuid"))
    body = {"context": "demo", "name": "test2", "username": "test2", "password": "test2",
            "permissions": [{"permission": "user"}]}
    expect_envelope(h.send("POST", "/v1/manager/users", body), 200, False)
    new = [u for u in h.get("/v1/manager/users").json["result"]["list"]
           if u["username"] == "test2"][0]
    path = "/v1/manager/users/" + new["uuid"]
    expect_envelope(h.send("PUT", path, {"name": "Test Two"}), 200, False)
    expect(h.get(path).json["result"]["name"] == "Test Two", "user not updated")
    expect(h.get("/v1/admin/pjsip/endpoints/test2").status == 200, "no PJSIP account made")
    expect_envelope(h.send("DELETE", path), 200, False)
    expect_error(h.send("DELETE", path), 500)


def test_fixture_shapes(h):
    """Cross-check key sets against shared/fixtures/jade when it is there."""
    if not os.path.isdir(FIXTURES):
        return
    pairs = (("core_channel_detail.json", CHANNEL_KEYS), ("queue_member_detail.json",
             MEMBER_KEYS), ("queue_queue_detail.json", QUEUE_KEYS))
    for name, keys in pairs:
        with open(os.path.join(FIXTURES, name)) as fh:
            expect(set(json.load(fh)["result"]) == keys, "fixture %s disagrees" % name)
    with open(os.path.join(FIXTURES, "pjsip_endpoint_detail.json")) as fh:
        want = set(json.load(fh)["result"])
    got = set(h.get("/v1/admin/pjsip/endpoints/200").json["result"])
    expect(got == want, "endpoint keys differ: %s" % sorted(got ^ want))


# --------------------------------------------------------- log and faults

def test_request_log(h):
    h.sim.ctl("DELETE", "/requests")
    h.send("PUT", "/v1/admin/queue/members/Bob%20Smith%40sales?x=1&x=2", {"a": 1},
           headers={"X-Test": "yes"})
    entries = h.sim.ctl("GET", "/requests?backend=office")[1]["requests"]
    expect(len(entries) == 1, "log has %d entries" % len(entries))
    entry = entries[0]
    expect(entry["method"] == "PUT" and entry["backend"] == "office", "method/backend")
    expect(entry["path"] == "/v1/admin/queue/members/Bob%20Smith%40sales", "path %r"
           % entry["path"])
    expect(entry["query"] == {"x": "1", "authtoken": h.token}, "query %r" % entry["query"])
    expect(entry["headers"].get("x-test") == "yes", "headers")
    expect(json.loads(entry["body"]) == {"a": 1}, "body")
    expect(isinstance(entry["t"], float) and isinstance(entry["seq"], int), "t/seq")
    later = h.sim.ctl("GET", "/requests?since=%d" % entry["seq"])[1]["requests"]
    expect(later == [], "since filter")
    expect(h.sim.ctl("GET", "/requests?backend=short")[1]["requests"] == [], "backend filter")


def test_fault_delay_and_count(h):
    h.sim.fault(backend="office", kind="delay", ms=400, path="/queues$", count=1)
    start = time.time()
    expect(h.get("/v1/admin/queue/queues").status == 200, "delayed request failed")
    expect(time.time() - start >= 0.4, "no delay")
    start = time.time()
    h.get("/v1/admin/queue/queues")
    expect(time.time() - start < 0.3, "count=1 fault applied twice")


def test_fault_status(h):
    h.sim.fault(backend="office", kind="status", status=503, path="channels", count=1)
    expect_error(h.get("/v1/admin/core/channels"), 503)
    h.sim.fault(backend="office", kind="status", status=502, body="oops", count=1)
    reply = h.get("/v1/admin/core/channels")
    expect(reply.status == 502 and reply.raw == b"oops", "status body override")
    expect(h.get("/v1/admin/core/channels").status == 200, "fault outlived its count")


def test_fault_order_and_filters(h):
    h.sim.fault(backend="office", kind="status", status=418, path="entries", method="GET")
    h.sim.fault(backend="office", kind="status", status=503)
    expect(h.get("/v1/admin/queue/entries").status == 418, "first fault must win")
    expect(h.get("/v1/admin/core/channels").status == 503, "second fault")
    expect(h.send("DELETE", "/v1/admin/queue/entries/1.1").status == 503, "method filter")
    expect(h.get("/v1/admin/core/channels", backend="busy").status == 403, "backend filter")
    listed = h.sim.ctl("GET", "/fault")[1]["faults"]
    expect([f["status"] for f in listed] == [418, 503], "GET /fault %r" % listed)
    h.sim.ctl("DELETE", "/fault?backend=office")
    expect(h.get("/v1/admin/core/channels").status == 200, "faults not cleared")
    faulted = [e for e in h.sim.ctl("GET", "/requests")[1]["requests"] if "fault" in e]
    expect(faulted, "faulted requests are not marked in the log")


def test_fault_bad_input(h):
    for spec in ({"kind": "nope"}, {"kind": "delay"}, {"kind": "status"},
                 {"kind": "drop", "backend": "ghost"}, {"kind": "drop", "path": "("},
                 {"kind": "status", "status": 99}, {"kind": "drop", "count": 0}):
        status, result = h.sim.ctl("POST", "/fault", spec)
        expect(status == 400 and "error" in result, "%r gave %d" % (spec, status))


def test_fault_malformed(h):
    h.sim.fault(backend="office", kind="malformed", path="members", count=1)
    reply = h.get("/v1/admin/queue/members")
    expect(reply.status == 200 and reply.raw, "malformed status")
    try:
        json.loads(reply.raw)
        raise AssertionError("malformed body parsed as JSON")
    except ValueError:
        pass


def test_fault_drop(h):
    for reset in (False, True):
        h.sim.fault(backend="office", kind="drop", reset=reset, count=1)
        try:
            h.get("/v1/admin/core/channels")
            raise AssertionError("dropped request got an answer")
        except CLOSED:
            pass
    expect(h.get("/v1/admin/core/channels").status == 200, "listener died after drops")


def run_in_thread(fn):
    """Run fn() in a thread; returns a dict that gets 'result' or 'error' and 'done_at'."""
    out = {}

    def body():
        try:
            out["result"] = fn()
        except Exception as exc:
            out["error"] = exc
        out["done_at"] = time.time()
    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    return out, thread


def test_fault_hang(h):
    h.sim.fault(backend="office", kind="hang", path="entries")
    out, thread = run_in_thread(lambda: h.get("/v1/admin/queue/entries", timeout=5))
    time.sleep(0.3)
    start = time.time()
    expect(h.get("/v1/admin/core/channels").status == 200, "hang blocked other requests")
    expect(time.time() - start < 0.5 and "done_at" not in out, "hung request answered")
    released = time.time()
    h.sim.ctl("DELETE", "/fault?backend=office")
    thread.join(3)
    expect(isinstance(out.get("error"), CLOSED), "hung request ended with %r" % out)
    expect(out["done_at"] - released < 1.0, "release took too long")


def test_fault_oversize(h):
    h.sim.fault(backend="office", kind="oversize", path="channels", count=2)
    reply = h.get("/v1/admin/core/channels", timeout=20)
    expect(reply.status == 200 and int(reply.headers["content-length"]) == OVERSIZE,
           "oversize headers %r" % reply.headers)
    expect(len(reply.raw) == OVERSIZE, "got %d bytes" % len(reply.raw))
    port = h.sim.ports["backends"]["office"]["port"]
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=h.sim.ctx, timeout=5)
    conn.request("GET", "/v1/admin/core/channels?authtoken=" + h.token)
    partial = conn.getresponse()
    partial.read(1 << 20)
    conn.close()                                 # the client gives up mid-body
    h.sim.fault(backend="office", kind="oversize", path="channels", count=1, chunked=True)
    reply = h.get("/v1/admin/core/channels", timeout=20)
    expect("transfer-encoding" in reply.headers and len(reply.raw) == OVERSIZE, "chunked")
    expect(h.get("/v1/admin/core/channels").status == 200, "sim unhealthy after oversize")


# ------------------------------------------------------ churn, reset, seed

def test_churn(h):
    state = h.sim.state("busy")
    expect(state["churn"] is True, "churn flag")
    uids = {c["unique_id"] for c in state["channels"]}
    expect(4 <= len(uids) <= 14, "channel count %d" % len(uids))
    expect(uids != h.busy_seeded, "nothing churned")
    live = {c["unique_id"] for c in state["channels"]}
    expect(all(e["unique_id"] in live for e in state["entries"]), "entry without a channel")


def test_reset(h):
    h.sim.fault(backend="office", kind="status", status=500)
    h.sim.op("office", "set_channels", channels=[])
    status, _ = h.sim.ctl("POST", "/reset")
    expect(status == 200, "reset failed")
    expect(h.sim.ctl("GET", "/fault")[1]["faults"] == [], "faults survived reset")
    expect(h.sim.ctl("GET", "/requests")[1]["requests"] == [], "log survived reset")
    state = h.sim.state("office")
    expect(len(state["channels"]) == 6 and state["tokens"] == 0, "state not reseeded")
    expect([c["channel"] for c in state["channels"]] ==
           [c["channel"] for c in h.initial_office["channels"]], "reset differs from seed")
    expect(state["members"] == h.initial_office["members"] or
           [m["id"] for m in state["members"]] == [m["id"] for m in h.initial_office["members"]],
           "members not reseeded")
    h.token = login(h.sim)


def test_same_seed_same_office_over_plain_http(h):
    sim2 = Sim(os.path.join(h.tmp, "plain"), ["office=jade"], ["--no-tls", "--cleanup-dir"])
    h.sim2 = sim2
    expect(sim2.ports["backends"]["office"]["url"].startswith("http://"), "url scheme")
    token = login(sim2)
    reply = sim2.call("office", "GET", "/v1/admin/core/channels?authtoken=" + token)
    expect(reply.status == 200, "plain HTTP backend")

    def shape(state):
        return ([(c["channel"], c["caller_id_num"], c["unique_id"].split(".")[1])
                 for c in state["channels"]], [m["id"] for m in state["members"]],
                state["users"])
    expect(shape(sim2.state("office")) == shape(h.sim.state("office")), "same seed differs")


def test_watch_stdin_and_cleanup_dir(h):
    sim2 = h.sim2
    start = time.time()
    sim2.proc.stdin.close()
    rc = sim2.proc.wait(timeout=3)
    expect(rc == 0 and time.time() - start < 1.5, "exit on stdin EOF: rc %s" % rc)
    expect(not os.path.exists(sim2.dir), "--cleanup-dir left the directory")


def test_churn_flag_and_sigint(h):
    sim3 = Sim(os.path.join(h.tmp, "churn"), ["office=jade,channels=2"], ["--churn"])
    try:
        expect(sim3.state("office")["churn"] is True, "--churn did not switch churn on")
        start = time.time()
        sim3.proc.send_signal(signal.SIGINT)
        rc = sim3.proc.wait(timeout=3)
        expect(rc == 0 and time.time() - start < 1.0, "SIGINT exit rc %s" % rc)
    finally:
        if sim3.proc.poll() is None:
            sim3.proc.kill()
            sim3.proc.wait()


def test_cli_errors(h):
    for spec in ("office", "office=nosuchtype", "office=jade,bogus=1", "office=jade,channels=x"):
        done = subprocess.run([sys.executable, PBXSIM, "--dir", os.path.join(h.tmp, "bad"),
                               "--backend", spec], capture_output=True, timeout=10)
        expect(done.returncode == 2 and b"pbxsim:" in done.stderr, "%s: rc %d" %
               (spec, done.returncode))


def test_sigterm_with_hung_request(h):
    h.sim.fault(backend="office", kind="hang")
    out, _ = run_in_thread(lambda: h.get("/v1/admin/core/channels", timeout=5))
    time.sleep(0.2)
    start = time.time()
    h.sim.proc.send_signal(signal.SIGTERM)
    rc = h.sim.proc.wait(timeout=5)
    expect(rc == 0 and time.time() - start < 1.0, "SIGTERM exit rc %s after %.2fs"
           % (rc, time.time() - start))
    expect(not os.path.exists(os.path.join(h.sim.dir, "ports.json")), "ports.json left")
    errors = h.sim.stderr_text()
    expect(errors == "", "pbxsim wrote to stderr:\n" + errors)


TESTS = [
    test_ports_json_and_files, test_tls_rejecting_clients_do_not_kill_listener,
    test_keep_alive, test_login_envelope, test_login_errors, test_logout,
    test_403_before_405_and_bare_404, test_options_is_200_empty, test_non_admin_token_is_403,
    test_token_sliding_expiry, test_expire_tokens_and_credentials, test_channels_list,
    test_channel_detail_and_hangup, test_control_channels, test_control_bad_input,
    test_queues, test_members_list_and_detail, test_member_put, test_member_add_and_remove,
    test_entries, test_endpoints, test_manager_users, test_fixture_shapes, test_request_log,
    test_fault_delay_and_count, test_fault_status, test_fault_order_and_filters,
    test_fault_bad_input, test_fault_malformed, test_fault_drop, test_fault_hang,
    test_fault_oversize, test_churn, test_reset, test_same_seed_same_office_over_plain_http,
    test_watch_stdin_and_cleanup_dir, test_churn_flag_and_sigint, test_cli_errors, test_sigterm_with_hung_request,
]


def main():
    began = time.time()
    h = Harness()
    passed = failed = 0
    try:
        for test in TESTS:
            start = time.time()
            try:
                test(h)
                passed += 1
                if VERBOSE:
                    print("ok   %s (%.2fs)" % (test.__name__, time.time() - start))
            except Exception as exc:
                failed += 1
                print("FAIL %s: %s: %s" % (test.__name__, type(exc).__name__, exc))
    finally:
        for sim in (h.sim, h.sim2):
            if sim is not None and sim.proc.poll() is None:
                sim.proc.kill()
                sim.proc.wait()
        shutil.rmtree(h.tmp, ignore_errors=True)
    print("pbxsim selftest took %.1fs" % (time.time() - began))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
