#!/usr/bin/env python3
"""Self-test of pbxsim's issabel dialect: starts pbxsim as a subprocess and checks Issabel's
wire quirks over real HTTPS (urllib + ssl, verifying the generated cert): JWT login and
renewal, 403 with an empty body, the HTTP 200 expiry, stringified envelopes, writes (201 +
Location, upsert, update-only, bulk deletes that stop at the first miss), reload, and the
/pbxapi/manager pass-through.

    python3 tests/sim/selftest_issabel.py [-v]

Prints one line per check and "N passed, N failed"; exits 1 on any failure.
"""

import base64
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PBXSIM = os.path.join(HERE, "pbxsim.py")
FIXTURES = os.path.join(HERE, "..", "fixtures", "issabel")
VERBOSE = "-v" in sys.argv[1:]
PASSWORD = "selftest-pw"
JWT_RE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\Z")


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
    def __init__(self, workdir, backends):
        self.dir = workdir
        cmd = [sys.executable, PBXSIM, "--dir", workdir, "--seed", "3", "--watch-stdin"]
        for spec in backends:
            cmd += ["--backend", spec]
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=self.stderr)
        path = os.path.join(workdir, "ports.json")
        deadline = time.time() + 15
        while not os.path.exists(path):
            if self.proc.poll() is not None or time.time() > deadline:
                self.stderr.seek(0)
                raise RuntimeError("pbxsim did not start: %s" % self.stderr.read().decode())
            time.sleep(0.02)
        with open(path) as fh:
            self.ports = json.load(fh)
        self.ctx = ssl.create_default_context(cafile=self.ports["cert"])

    def call(self, method, path, body=None, headers=None, backend="office"):
        data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
        url = self.ports["backends"][backend]["url"] + path
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10, context=self.ctx) as r:
                return Reply(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
        except urllib.error.HTTPError as err:
            return Reply(err.code, {k.lower(): v for k, v in err.headers.items()}, err.read())

    def ctl(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.ports["control"], path),
                                     data=data, method=method)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def op(self, op, **args):
        status, result = self.ctl("POST", "/state", dict(args, backend="office", op=op))
        expect(status == 200, "op %s failed: %s" % (op, result))
        return result

    def state(self):
        return self.ctl("GET", "/state?backend=office")[1]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.terminate()
            self.proc.wait(5)


class Harness:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="pbxsim-issabel-")
        self.sim = Sim(self.tmp, ["office=issabel,password=%s,token_ttl=30,refresh_ttl=60"
                                  % PASSWORD])
        self.access, self.refresh = self.login()

    def login(self, user="admin", password=PASSWORD, as_json=False):
        if as_json:
            reply = self.sim.call("POST", "/pbxapi/authenticate",
                                  {"username": user, "password": password},
                                  {"Content-Type": "application/json"})
        else:
            form = urllib.parse.urlencode({"user": user, "password": password}).encode()
            reply = self.sim.call("POST", "/pbxapi/authenticate", form)
        expect(reply.status == 200, "login: %d %r" % (reply.status, reply.raw))
        doc = reply.json
        expect(set(doc) == {"access_token", "expires_in", "refresh_token", "token_type"},
               "login keys %s" % sorted(doc))
        expect(doc["token_type"] == "Bearer" and doc["expires_in"] == 30, doc)
        return doc["access_token"], doc["refresh_token"]

    def auth(self, token=None):
        return {"Authorization": "Bearer " + (token or self.access)}

    def get(self, path, token=None):
        return self.sim.call("GET", path, headers=self.auth(token))

    def send(self, method, path, body, ctype="application/json", token=None):
        headers = self.auth(token)
        if ctype:
            headers["Content-Type"] = ctype
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.sim.call(method, path, raw, headers)

    def fresh(self):
        self.access, self.refresh = self.login()


def expect_errors(reply, status, details):
    expect(reply.status == status, "status %d, want %d: %r" % (reply.status, status, reply.raw))
    doc = reply.json
    expect(doc["status"] in ("fail", "error") and isinstance(doc["errors"], list), doc)
    got = [(e["status"], e.get("source"), e["detail"]) for e in doc["errors"]]
    expect(got == details, "errors %r, want %r" % (got, details))


def all_strings(value):
    if isinstance(value, dict):
        return all(all_strings(v) for v in value.values())
    if isinstance(value, list):
        return all(all_strings(v) for v in value)
    return isinstance(value, str)


def payload(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


# ------------------------------------------------------------------ checks

def test_config_and_tokens(h):
    with open(os.path.join(h.tmp, "backends.ini")) as fh:
        ini = fh.read()
    expect("type = issabel" in ini and "password = %s" % PASSWORD in ini, ini)
    expect("username = admin" in ini, ini)
    expect(JWT_RE.match(h.access) and JWT_RE.match(h.refresh), "tokens are JWTs")
    p = payload(h.access)
    expect(p["data"] == {"name": "admin"} and p["exp"] - p["iat"] == 30, p)
    expect(payload(h.refresh)["data"] == [], payload(h.refresh))
    access, _ = h.login(as_json=True)
    expect(h.get("/pbxapi/extensions", access).status == 200, "JSON login token works")


def test_bad_logins_are_empty_403(h):
    for user, password in (("admin", "nope"), ("root", PASSWORD), ("", "")):
        form = urllib.parse.urlencode({"user": user, "password": password}).encode()
        reply = h.sim.call("POST", "/pbxapi/authenticate", form)
        expect(reply.status == 403 and reply.raw == b"", "bad login: %d %r" % (reply.status,
                                                                             reply.raw))
    reply = h.sim.call("GET", "/pbxapi/authenticate")
    expect(reply.status == 200 and reply.json == {"status": "unauthorized"}, reply.raw)


def test_bad_tokens_are_empty_403(h):
    reply = h.sim.call("GET", "/pbxapi/extensions")
    expect(reply.status == 403 and reply.raw == b"", "no token: %r" % reply.raw)
    forged = h.access[:-4] + ("AAAA" if not h.access.endswith("AAAA") else "BBBB")
    for headers in ({"Authorization": "Bearer " + forged}, {"Authorization": "Bearer"},
                    {"Authorization": "Bearer  " + h.access}):
        reply = h.sim.call("GET", "/pbxapi/manager/status", headers=headers)
        expect(reply.status == 403 and reply.raw == b"", "bad token: %r" % reply.raw)


def test_list_envelope_strings_and_escapes(h):
    reply = h.get("/pbxapi/extensions")
    expect(reply.status == 200 and reply.headers["content-type"].startswith("application/json"),
           reply.headers)
    doc = reply.json
    expect(doc["status"] == "success" and len(doc["results"]) == 10, doc)
    expect(all_strings(doc["results"]), "every scalar is a string")
    first = doc["results"][0]
    expect(list(first) == ["extension", "name", "dial", "secret", "context", "tech", "voicemail",
                           "followme", "dictation"], list(first))
    expect(first["voicemail"] == [] and first["secret"], first)
    expect(b"PJSIP\\/200" in reply.raw, "PHP escapes / as \\/")
    reply = h.get("/pbxapi/extensions?fields=voicemail.enabled,callerid_override.outbound")
    item = reply.json["results"][0]
    expect(item["voicemail"] == {"enabled": "yes"}, item)
    expect(item["callerid_override"] == {"outbound": "5551000"}, item)
    rg = h.get("/pbxapi/ringgroups").json["results"][0]
    expect(set(rg) == {"id", "name", "extension", "extension_list", "strategy",
                       "change_callerid", "fixed_callerid"}, rg)
    rg = h.get("/pbxapi/ringgroups?fields=*").json["results"][0]
    expect(rg["ring_time"] == "20" and rg["music_on_hold_ringing"] == "Ring", rg)


def test_details(h):
    reply = h.get("/pbxapi/extensions/201")
    expect(reply.status == 200 and len(reply.json["results"]) == 1, reply.raw)
    detail = reply.json["results"][0]
    with open(os.path.join(FIXTURES, "extension_detail_reconstructed.json")) as fh:
        fixture = json.load(fh)["results"][0]
    expect(set(fixture) <= set(detail) | {"language"}, "detail keys as the fixture")
    reply = h.get("/pbxapi/extensions/4711")
    expect(reply.status == 200 and reply.json == {"status": "success", "results": []},
           "unknown extension: %r" % reply.raw)
    expect_errors(h.get("/pbxapi/ringgroups/4711"), 404, [("404", None, "Record not found")])


def test_expiry_and_renewal(h):
    h.fresh()
    h.sim.op("expire_tokens")
    reply = h.get("/pbxapi/extensions")
    expect(reply.status == 200 and reply.json == {"status": "expired"}, reply.raw)
    expect(not reply.headers["content-type"].startswith("application/json"), reply.headers)
    q = urllib.parse.urlencode({"refresh_token": h.refresh, "access_token": h.access})
    reply = h.sim.call("GET", "/pbxapi/authenticate/renewtoken?" + q)
    doc = reply.json
    expect(reply.status == 200 and doc["status"] == "authorized", doc)
    expect(payload(doc["refresh_token"])["exp"] - payload(doc["refresh_token"])["iat"] == 86400,
           "a renewed refresh token lives 24 h")
    expect(h.get("/pbxapi/extensions", doc["access_token"]).status == 200, "renewed works")
    # the refresh token's signature is not checked, only its expiry
    forged = doc["refresh_token"].rsplit(".", 1)[0] + ".AAAA"
    q = urllib.parse.urlencode({"refresh_token": forged, "access_token": h.access})
    expect(h.sim.call("GET", "/pbxapi/authenticate/x?" + q).json["status"] == "authorized",
           "any segment after /authenticate/ renews")
    q = urllib.parse.urlencode({"refresh_token": h.refresh, "access_token": "x.y.z"})
    reply = h.sim.call("GET", "/pbxapi/authenticate/renewtoken?" + q)
    expect(reply.status == 200 and reply.json == {"status": "unauthorized"}, reply.raw)
    h.sim.op("expire_refresh")
    q = urllib.parse.urlencode({"refresh_token": h.refresh, "access_token": h.access})
    reply = h.sim.call("GET", "/pbxapi/authenticate/renewtoken?" + q)
    expect(reply.json == {"status": "expired", "type": "refresh"}, reply.raw)
    h.fresh()


def test_extension_writes(h):
    reply = h.send("POST", "/pbxapi/extensions?x=y", {"name": "Q", "reload": 0})
    expect(reply.status == 201 and reply.raw == b"", "create: %d %r" % (reply.status, reply.raw))
    expect(re.search(r"/pbxapi/extensions\?x=y/210\Z", reply.headers["location"]),
           "Location from the request URI: %s" % reply.headers["location"])
    expect_errors(h.send("POST", "/pbxapi/extensions", {"extension": "600"}), 409,
                  [("409", None, "Extension number already in use")])
    expect_errors(h.send("POST", "/pbxapi/extensions", b""), 400,
                  [("400", None, "Could not decode JSON")])
    # extensions decode JSON whatever the Content-Type says
    reply = h.send("POST", "/pbxapi/extensions", {"extension": "230", "reload": 0}, "text/plain")
    expect(reply.status == 201, reply.raw)
    expect_errors(h.send("POST", "/pbxapi/extensions", {"tech": "skype",
                                                        "recording": {"inbound_external": "x"}}),
                  422, [("422", "tech", "Not in list of allowed values"),
                        ("422", "recording.inbound_external", "Not in list of allowed values")])
    reply = h.send("PUT", "/pbxapi/extensions/231", {"name": "Upsert", "reload": 0})
    expect(reply.status == 201 and reply.headers["location"].endswith("/pbxapi/extensions/231"),
           "PUT creates: %r" % reply.headers)
    reply = h.send("PUT", "/pbxapi/extensions/231", {"name": "Merged", "tech": "iax2",
                                                     "reload": 0})
    expect(reply.status == 200 and reply.raw == b"", reply.raw)
    detail = h.get("/pbxapi/extensions/231").json["results"][0]
    expect(detail["name"] == "Merged" and detail["tech"] == "sip", "tech cannot change")


def test_bulk_delete_and_reload(h):
    before = len(h.sim.state()["applies"])
    reply = h.sim.call("DELETE", "/pbxapi/extensions/230,4711,231", headers=h.auth())
    expect_errors(reply, 404, [("404", None, "Could not find a record to delete")])
    state = h.sim.state()
    numbers = [e["extension"] for e in state["extensions"]]
    expect("230" not in numbers and "231" in numbers, "stops at the first missing id")
    expect(len(state["applies"]) == before, "a stopped delete applies nothing")
    reply = h.sim.call("DELETE", "/pbxapi/extensions/231?reload=0", headers=h.auth())
    expect(reply.status == 200, reply.raw)
    expect(len(h.sim.state()["applies"]) == before + 1, "an extension DELETE always applies")
    # reload comes from the body only
    h.send("PUT", "/pbxapi/ringgroups/600?reload=0", {"name": "Sales"})
    expect(len(h.sim.state()["applies"]) == before + 2, "?reload=0 is never read")
    h.send("PUT", "/pbxapi/ringgroups/600", {"name": "Sales", "reload": "0"})
    h.send("PUT", "/pbxapi/ringgroups/600", {"name": "Sales", "reload": False})
    expect(len(h.sim.state()["applies"]) == before + 2, "reload 0/false skips the apply")
    h.send("PUT", "/pbxapi/ringgroups/600", {"name": "Sales", "reload": "true"})
    expect(len(h.sim.state()["applies"]) == before + 3, "reload true applies")


def test_ringgroup_writes(h):
    reply = h.send("POST", "/pbxapi/ringgroups", {"name": "G", "extension_list": ["201"]},
                   "application/json; charset=utf-8")
    expect_errors(reply, 422, [("422", "extension_list", "Required field missing")])
    reply = h.send("POST", "/pbxapi/ringgroups", {"name": "G", "extension_list": ["201"],
                                                  "ring_time": "45", "confirm_calls": "on"})
    expect(reply.status == 201 and reply.headers["location"].endswith("/ringgroups/603"),
           reply.headers)
    group = h.get("/pbxapi/ringgroups/603").json["results"][0]
    expect(group["ring_time"] == "45" and group["confirm_calls"] == "yes", group)
    expect_errors(h.send("POST", "/pbxapi/ringgroups", {"extension_list": ["1"],
                                                        "strategy": "x", "ring_time": "0"}),
                  422, [("422", "strategy", "Not in list of allowed values"),
                        ("422", "ring_time", "Valid range: 1-300")])
    expect_errors(h.send("PUT", "/pbxapi/ringgroups/4711", {"name": "x"}), 404,
                  [("404", None, "Could not find a record to update")])
    reply = h.sim.call("DELETE", "/pbxapi/ringgroups/603", headers=h.auth())
    expect_errors(reply, 400, [("400", None, "Could not decode JSON")])
    expect(h.send("DELETE", "/pbxapi/ringgroups/603", {}).status == 200, "{} body deletes")


def test_manager(h):
    reply = h.get("/pbxapi/manager/status")
    events = reply.json
    expect(reply.status == 200 and isinstance(events, list) and events, reply.raw)
    expect(all(e["Event"] == "Status" and all_strings(e) for e in events), events[0])
    name = events[0]["Channel"]
    reply = h.get("/pbxapi/manager/hangup?" + urllib.parse.urlencode({"channel": name}))
    expect(reply.status == 200 and reply.json == {"status": "ok", "message": "Channel Hungup"},
           reply.raw)
    reply = h.get("/pbxapi/manager/hangup?channel=PJSIP%2F999-1")
    expect(reply.status == 200 and reply.json["message"] == "No such channel", reply.raw)
    qs = h.get("/pbxapi/manager/queuestatus").json
    kinds = {e["Event"] for e in qs}
    expect(kinds <= {"QueueParams", "QueueMember", "QueueEntry"} and "QueueMember" in kinds, kinds)
    expect(all("Location" in e and "Name" in e for e in qs if e["Event"] == "QueueMember"), qs)
    h.sim.op("set_ami", up=False)
    reply = h.get("/pbxapi/manager/status")
    expect(reply.status == 200 and reply.json == {"status": "error",
                                                  "reason": "Could not connect to AMI"}, reply.raw)
    expect_errors(h.get("/pbxapi/extensions"), 500,
                  [("500", "Asterisk Manager", "Unable to connect to manager localhost:5038 "
                                               "(111): Connection refused")])
    expect(h.get("/pbxapi/extensions").json["status"] == "error", "500 says error")
    h.sim.op("set_ami", up=True)


def test_manager_queue_members(h):
    def call(action, **params):
        reply = h.get("/pbxapi/manager/%s?%s" % (action, urllib.parse.urlencode(params)))
        expect(reply.status == 200, "%s: HTTP %d %r" % (action, reply.status, reply.raw))
        return reply.json

    def member(queue, iface):
        found = [m for m in h.sim.state()["members"]
                 if m["Queue"] == queue and m["Location"] == iface]
        return found[0] if found else None

    iface = "Local/230@from-queue/n"      # an '@' inside the interface, as Issabel has them
    ok = {"status": "ok", "message": "Added interface to queue"}
    expect(call("queueadd", queue="400", interface=iface, penalty="3", paused="true",
                membername="Zoë & Co") == ok, "queueadd")
    m = member("400", iface)
    expect(m and m["Name"] == "Zoë & Co" and m["Penalty"] == "3" and m["Paused"] == "1" and
           m["Membership"] == "dynamic" and m["PausedReason"] == "", m)
    expect(call("queueadd", queue="400", interface=iface)["message"] ==
           "Unable to add interface: Already there", "twice")
    expect(call("queueadd", queue="499", interface=iface)["message"] ==
           "Unable to add interface to queue: No such queue", "no queue")
    expect(call("queueadd", queue="400")["status"] == "error", "no interface")
    # the reason arrives in the member's state, is replaced by a new pause, cleared by unpause
    expect(call("queuepause", queue="400", interface=iface, reason="coffee break") ==
           {"status": "ok", "message": "Interface paused successfully"}, "pause")
    expect(member("400", iface)["PausedReason"] == "coffee break", member("400", iface))
    call("queuepause", queue="400", interface=iface, reason="lunch")
    expect(member("400", iface)["PausedReason"] == "lunch", member("400", iface))
    expect(call("queueunpause", queue="400", interface=iface)["message"] ==
           "Interface unpaused successfully", "unpause")
    m = member("400", iface)
    expect(m["Paused"] == "0" and m["PausedReason"] == "", m)
    expect(call("queuepause", queue="400", interface="PJSIP/999") ==
           {"status": "error", "message": "Interface not found"}, "pause unknown")
    # only dynamic members can be removed
    static = next(m for m in h.sim.state()["members"] if m["Membership"] == "static")
    expect(call("queueremove", queue=static["Queue"], interface=static["Location"])["message"]
           == "Unable to remove interface: Not dynamic", "static")
    expect(call("queueremove", queue="400", interface=iface) ==
           {"status": "ok", "message": "Removed interface from queue"}, "remove")
    expect(member("400", iface) is None, "removed")
    expect(call("queueremove", queue="400", interface=iface)["message"] ==
           "Unable to remove interface: Not there", "remove twice")
    expect(call("queueremove", queue="499", interface=iface)["message"] ==
           "Unable to remove interface from queue: No such queue", "remove no queue")
    # odd penalties become 0, as Asterisk reads them
    call("queueadd", queue="401", interface="PJSIP/231", penalty="-4", paused="no")
    m = member("401", "PJSIP/231")
    expect(m["Penalty"] == "0" and m["Paused"] == "0" and m["Name"] == "PJSIP/231", m)
    # a member removed behind the API's back (the control op), then AMI down
    h.sim.op("remove_member", queue="401", interface="PJSIP/231")
    expect(member("401", "PJSIP/231") is None, "remove_member op")
    h.sim.op("set_ami", up=False)
    try:
        expect(call("queueadd", queue="400", interface=iface) ==
               {"status": "error", "reason": "Could not connect to AMI"}, "AMI down")
        expect(member("400", iface) is None, "nothing added while AMI is down")
    finally:
        h.sim.op("set_ami", up=True)


def test_framework_errors(h):
    reply = h.get("/pbxapi/nosuchthing")
    expect(reply.status == 404 and b"<" in reply.raw, "F3 page: %r" % reply.raw)
    reply = h.sim.call("GET", "/pbxapi/nosuchthing",
                       headers=dict(h.auth(), **{"X-Requested-With": "XMLHttpRequest"}))
    expect(reply.status == 404 and reply.json["code"] == 404, reply.raw)
    expect(h.sim.call("GET", "/other").status == 404, "outside /pbxapi")


def main():
    h = Harness()
    passed = failed = 0
    t0 = time.time()
    try:
        for name, fn in [(n, f) for n, f in globals().items() if n.startswith("test_")]:
            try:
                fn(h)
                passed += 1
                if VERBOSE:
                    print("ok   %s" % name)
            except Exception:
                failed += 1
                print("FAIL %s\n%s" % (name, traceback.format_exc()))
    finally:
        h.sim.stop()
        shutil.rmtree(h.tmp, ignore_errors=True)
    print("%d passed, %d failed (%.1fs)" % (passed, failed, time.time() - t0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
