#!/usr/bin/env python3
"""Self-test of pbxsim's dsiprouter dialect: starts pbxsim as a subprocess and checks the
dSIPRouter wire quirks over real HTTPS (urllib + ssl, verifying the generated cert),
comparing bodies with tests/fixtures/dsiprouter/ where the fixtures give them.

    python3 tests/sim/selftest_dsiprouter.py [-v]

Prints one line per check and "N passed, N failed"; exits 1 on any failure.
"""

import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
PBXSIM = os.path.join(HERE, "pbxsim.py")
FIXTURES = os.path.join(HERE, "..", "fixtures", "dsiprouter")
VERBOSE = "-v" in sys.argv[1:]
TOKEN = "selftest-token-Zq81"
EXT = "/api/v1/mediaserver/extension"
LIST_KEYS = {"account_code", "call_timeout", "domain_uuid", "enabled", "extension",
             "extensions_id", "outbound_caller_name", "outbound_caller_number", "user_context"}


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as fh:
        return fh.read()


def fixture_json(name):
    return json.loads(fixture(name))


class Reply:
    def __init__(self, status, headers, raw):
        self.status, self.headers, self.raw = status, headers, raw

    @property
    def json(self):
        return json.loads(self.raw)

    def __repr__(self):
        return "%d %r" % (self.status, self.raw[:300])


class Sim:
    def __init__(self, workdir):
        self.dir = workdir
        cmd = [sys.executable, PBXSIM, "--dir", workdir, "--seed", "3", "--watch-stdin",
               "--backend", "pbx=dsiprouter,token=%s" % TOKEN]
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=self.stderr)
        path = os.path.join(workdir, "ports.json")
        deadline = time.time() + 10
        while not os.path.exists(path):
            if self.proc.poll() is not None or time.time() > deadline:
                self.stderr.seek(0)
                raise RuntimeError("pbxsim did not start: %s" % self.stderr.read())
            time.sleep(0.02)
        with open(path) as fh:
            self.ports = json.load(fh)
        self.ctx = ssl.create_default_context(cafile=self.ports["cert"])

    def call(self, method, path, body=None, headers=None, auth=True, accept=True):
        h = {}
        if auth:
            h["Authorization"] = "Bearer " + TOKEN
        if accept:
            h["Accept"] = "application/json"
        h.update(headers or {})
        data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
        if data is not None:
            h.setdefault("Content-Type", "application/json")
        url = self.ports["backends"]["pbx"]["url"] + path
        req = urllib.request.Request(url, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=5, context=self.ctx) as r:
                return Reply(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
        except urllib.error.HTTPError as err:
            return Reply(err.code, {k.lower(): v for k, v in err.headers.items()}, err.read())

    def ctl(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.ports["control"], path),
                                     data=data, method=method)
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read())

    def op(self, op, **args):
        return self.ctl("POST", "/state", dict(args, backend="pbx", op=op))

    def state(self):
        return self.ctl("GET", "/state?backend=pbx")

    def stop(self):
        self.proc.stdin.close()
        self.proc.terminate()
        self.proc.wait(5)


def expect_body(reply, status, fixture_name):
    """Status and the exact bytes of a fixture (Flask's compact, sorted form)."""
    expect(reply.status == status, "status %r, want %d" % (reply, status))
    want = fixture(fixture_name).strip()
    expect(reply.raw == want + b"\n", "body %r\nwant %r" % (reply.raw, want))
    expect(reply.headers.get("content-type") == "application/json", reply.headers)


class Checks:
    def __init__(self, sim):
        self.sim = sim
        st = sim.state()
        self.acme = next(d for d in st["domains"] if d["name"] == "acme.pbx.example.com")

    def ext_body(self, **over):
        body = fixture_json("mediaserver_extension_create_request.json")
        body["domain_id"] = self.acme["domain_uuid"]
        body.update(over)
        return body

    def check_config_lines(self):
        with open(os.path.join(self.sim.dir, "backends.ini")) as fh:
            ini = fh.read()
        expect("type = dsiprouter" in ini and "password = %s" % TOKEN in ini, ini)

    def check_success_envelope_is_flask_compact(self):
        r = self.sim.call("GET", "/api/v1/endpointgroups")
        expect(r.status == 200 and r.raw.endswith(b"}\n"), r)
        doc = r.json
        expect(list(doc) == sorted(doc) and set(doc) == {"data", "dsipreload", "error",
                                                          "kamreload", "msg"}, doc)
        expect(json.dumps(doc, separators=(",", ":"), sort_keys=True).encode() + b"\n" == r.raw,
               "not compact: %r" % r.raw)
        expect([g["gwgroupid"] for g in doc["data"]] == [12, 14, 15], doc)
        expect(all(isinstance(g["gwlist"], str) for g in doc["data"]), doc)

    def check_token_scheme_word_not_checked(self):
        r = self.sim.call("GET", "/api/v1/endpointgroups", auth=False,
                          headers={"Authorization": "Token " + TOKEN})
        expect(r.status == 200, r)
        for header in ("Bearer  " + TOKEN, "Bearer", TOKEN, "Bearer " + TOKEN + " x",
                       "Bearer wrong"):
            r = self.sim.call("GET", "/api/v1/endpointgroups", auth=False,
                              headers={"Authorization": header})
            expect_body(r, 401, "error_401_unauthorized.json")
        expect_body(self.sim.call("GET", "/api/v1/endpointgroups", auth=False), 401,
                    "error_401_unauthorized.json")

    def check_html_login_page_without_accept_json(self):
        for accept in (None, "*/*", "text/html,application/xhtml+xml"):
            headers = {"Accept": accept} if accept else {}
            r = self.sim.call("GET", "/api/v1/endpointgroups", accept=False, headers=headers)
            expect(r.status == 401 and r.headers["content-type"].startswith("text/html"), r)
            expect(b"Login" in r.raw and b"csrf_token" in r.raw, r)

    def check_endpointgroup_detail(self):
        r = self.sim.call("GET", "/api/v1/endpointgroups/12")
        g = r.json["data"][0]
        expect(r.status == 200 and g["fusionpbx"]["enabled"] == "1" and g["fusionpbx"]["dbpass"],
               r)
        expect(self.sim.call("GET", "/api/v1/endpointgroups/14").json["data"][0]["fusionpbx"]
               == {}, "carrier group has no FusionPBX")
        expect_body(self.sim.call("GET", "/api/v1/endpointgroups/99"), 404,
                    "error_404_endpointgroup.json")

    def check_domain_list_is_a_list_of_one_list(self):
        r = self.sim.call("GET", "/api/v1/mediaserver/domain/12")
        doc = r.json
        expect(r.status == 200 and set(doc) == {"data", "error", "kamreload", "msg"}, r)
        expect(len(doc["data"]) == 1 and len(doc["data"][0]) == 2, doc)
        expect(doc["msg"] == "2 domains were found", doc)
        for d in doc["data"][0]:
            expect(d["domain_id"] == d["domain_uuid"] and d["enabled"] in ("true", "false"), d)
        one = self.sim.call("GET", "/api/v1/mediaserver/domain/12/" + self.acme["domain_uuid"])
        expect(len(one.json["data"][0]) == 1, one)
        expect_body(self.sim.call("GET", "/api/v1/mediaserver/domain/14"), 500,
                    "error_500_config_missing.json")
        r = self.sim.call("GET", "/api/v1/mediaserver/domain/")
        expect(r.status == 500 and "must be provided" in r.json["msg"], r)

    def check_extension_list(self):
        r = self.sim.call("GET", "%s/12/%s" % (EXT, self.acme["domain_uuid"]))
        rows = r.json["data"][0]
        expect(r.status == 200 and len(rows) == 8, r)
        expect(all(set(x) == LIST_KEYS for x in rows), "keys %s" % sorted(rows[0]))
        expect(all(isinstance(x["enabled"], str) for x in rows), "text enabled column")
        expect(any(x["call_timeout"] is None for x in rows), "a null call_timeout")
        expect(r.json["msg"] == "8 extensions were found", r)
        expect_body(self.sim.call("GET", "%s/12/%s" % (EXT, uuid.uuid4())), 500,
                    "error_500_domain_not_found_indexerror.json")

    def check_post_missing_field_is_500_keyerror(self):
        body = self.ext_body()
        del body["outbound_caller_number"]
        expect_body(self.sim.call("POST", EXT, body), 500, "error_500_missing_field_keyerror.json")

    def check_exact_type_checks(self):
        expect_body(self.sim.call("POST", EXT, self.ext_body(vm_password="1234")), 400,
                    "error_400_arg_not_valid.json")
        for key, bad in (("enabled", 1), ("config_id", "12"), ("call_timeout", True),
                         ("extension", 103), ("account_code", None)):
            r = self.sim.call("POST", EXT, self.ext_body(**{key: bad}))
            expect(r.status == 400 and r.json["msg"] == "Request data argument '%s' not valid"
                   % key, r)

    def check_unknown_keys_and_seed_payload(self):
        expect_body(self.sim.call("POST", EXT, {"num_of_extensions": 10}), 400,
                    "error_400_arg_not_recognized.json")
        r = self.sim.call("POST", EXT, {"type": "multiple", "num_of_extensions": 10})
        expect(r.json["msg"] == "Request data argument 'type' not recognized", r)

    def check_query_strings_break_validation(self):
        r = self.sim.call("POST", EXT + "?x=1", self.ext_body(extension="150"))
        expect(r.status == 400 and "'x' not recognized" in r.json["msg"], r)
        r = self.sim.call("DELETE", EXT + "?extension=101",
                          {"config_id": 12, "domain_id": self.acme["domain_uuid"]})
        expect(r.status == 400 and "'extension' not valid" in r.json["msg"], r)

    def check_post_200_no_id_no_duplicate_check(self):
        body = self.ext_body(extension="160")
        r = self.sim.call("POST", EXT, body)
        expect_body(r, 200, "mediaserver_extension_create_response.json")
        expect_body(self.sim.call("POST", EXT, body), 200,
                    "mediaserver_extension_create_response.json")
        rows = [e for e in self.sim.state()["extensions"] if e["extension"] == "160"]
        expect(len(rows) == 2 and rows[0]["enabled"] == "true" and rows[0]["vm_password"] == 1234,
               rows)

    def check_put(self):
        body = fixture_json("mediaserver_extension_update_request.json")
        body.update(domain_id=self.acme["domain_uuid"], extension="101")
        expect_body(self.sim.call("PUT", EXT, body), 200,
                    "mediaserver_extension_update_response.json")
        row = next(e for e in self.sim.state()["extensions"] if e["extension"] == "101")
        expect(row["outbound_caller_name"] == "Carol C." and row["call_timeout"] == 25, row)
        r = self.sim.call("PUT", EXT, dict(body, vm_password=1, vm_enabled=False))
        expect(r.status == 200, "vm_* accepted and ignored: %r" % r)
        r = self.sim.call("PUT", EXT, dict(body, extension="9999"))
        expect(r.status == 500 and r.json["error"] == "server", "unknown extension: %r" % r)
        del body["call_timeout"]
        r = self.sim.call("PUT", EXT, body)
        expect(r.status == 500 and r.json["msg"] == "'call_timeout'", r)

    def check_delete_json_body_even_if_absent(self):
        body = fixture_json("mediaserver_extension_delete_request.json")
        body.update(domain_id=self.acme["domain_uuid"], extension="102")
        expect_body(self.sim.call("DELETE", EXT, body), 200,
                    "mediaserver_extension_delete_response.json")
        expect(not any(e["extension"] == "102" for e in self.sim.state()["extensions"]), "gone")
        expect_body(self.sim.call("DELETE", EXT, body), 200,
                    "mediaserver_extension_delete_response.json")

    def check_unknown_route_and_method_are_html(self):
        r = self.sim.call("GET", "/api/v1/nothing")
        expect(r.status == 404 and r.headers["content-type"].startswith("text/html"), r)
        r = self.sim.call("PATCH", EXT, {})
        expect(r.status == 405 and r.headers["content-type"].startswith("text/html"), r)

    def check_kamailio_stats(self):
        r = self.sim.call("GET", "/api/v1/kamailio/stats")
        expect(set(r.json["data"][0]) == set(fixture_json("kamailio_stats.json")["data"][0]), r)
        expect(self.sim.call("GET", "/api/v1/stats").status == 404, "v0.78 has no /stats")

    def check_license_gate(self):
        self.sim.op("set_license", valid=False)
        try:
            expect_body(self.sim.call("GET", "/api/v1/endpointgroups"), 401,
                        "error_401_core_subscription_required.json")
            self.sim.op("set_version", version="0.74")
            expect(self.sim.call("GET", "/api/v1/endpointgroups").status == 200, "no gate")
        finally:
            self.sim.op("set_license", valid=True)
            self.sim.op("set_version", version="0.78")

    def check_v079_media_server_missing(self):
        self.sim.op("set_version", version="0.79")
        try:
            want = json.loads(fixture("mediaserver_route_missing_v079_exchange.json"))["response"]
            r = self.sim.call("GET", "/api/v1/mediaserver/domain/12", auth=False)
            expect(r.status == 404 and r.raw.decode() == want["body"], r)
            expect(r.headers["content-type"] == want["headers"]["Content-Type"], r.headers)
            r = self.sim.call("GET", "/api/v1/stats")
            expect(r.status == 200 and isinstance(r.json["data"]["active_calls"], int), r)
        finally:
            self.sim.op("set_version", version="0.78")

    def check_v0642_envelopes(self):
        self.sim.op("set_version", version="0.642")
        try:
            expect_body(self.sim.call("GET", "/api/v1/endpointgroups", auth=False), 401,
                        "error_401_unauthorized_v0642.json")
            r = self.sim.call("GET", "/api/v1/mediaserver/domain/14")
            expect(r.json == {"error": "server", "msg": "Configuration doesn't exist"}, r)
        finally:
            self.sim.op("set_version", version="0.78")

    def check_status_fault_uses_dialect_error(self):
        self.sim.ctl("POST", "/fault", {"backend": "pbx", "kind": "status", "status": 500,
                                        "count": 1})
        r = self.sim.call("GET", "/api/v1/endpointgroups")
        expect(r.status == 500 and r.json["error"] == "server", r)
        expect(self.sim.call("GET", "/api/v1/endpointgroups").status == 200, "one shot")

    def check_reset_restores_seed(self):
        self.sim.ctl("POST", "/reset", {})
        st = self.sim.state()
        expect(len(st["extensions"]) == 12 and len(st["domains"]) == 3, st)
        expect(st["domains"][0]["domain_uuid"] == self.acme["domain_uuid"], "same seed")


def main():
    tmp = tempfile.mkdtemp(prefix="pbxsim-dsip-selftest-")
    sim = None
    passed = failed = 0
    try:
        sim = Sim(os.path.join(tmp, "sim"))
        checks = Checks(sim)
        for name in [n for n in Checks.__dict__ if n.startswith("check_")]:
            t0 = time.monotonic()
            try:
                getattr(checks, name)()
                ok, detail = True, ""
            except Exception as exc:       # a failed check, or the sim broke
                ok, detail = False, "%s: %s" % (type(exc).__name__, exc)
            if ok:
                passed += 1
            else:
                failed += 1
            if VERBOSE or not ok:
                print("%s %s (%.2fs)%s" % ("PASS" if ok else "FAIL", name[6:],
                                           time.monotonic() - t0,
                                           "\n    " + detail if detail else ""))
    finally:
        if sim:
            sim.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
