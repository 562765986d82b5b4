#!/usr/bin/env python3
"""Self-test of pbxsim's ngcp dialect: starts pbxsim as a subprocess and checks the NGCP
wire quirks (shared/contracts/ngcp-dsiprouter.md §1, tests/fixtures/ngcp/) over real HTTPS.

    python3 tests/sim/selftest_ngcp.py [-v]

Prints one line per failed check (all with -v) and "N passed, N failed"; exits 1 on any
failure. Takes a few seconds.
"""

import base64
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

HERE = os.path.dirname(os.path.abspath(__file__))
PBXSIM = os.path.join(HERE, "pbxsim.py")
FIXTURES = os.path.join(HERE, "..", "fixtures", "ngcp")
VERBOSE = "-v" in sys.argv[1:]
USER, PASSWORD = "administrator", "Adm-Pw-42"
HAL_TYPE = 'application/hal+json; profile="http://purl.org/sipwise/ngcp-api/"; charset=utf-8'
PATCH_TYPE = "application/json-patch+json"


class Reply:
    def __init__(self, status, headers, raw):
        self.status, self.headers, self.raw = status, headers, raw

    @property
    def json(self):
        return json.loads(self.raw)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as fh:
        return fh.read()


def canonical(doc):
    """The bytes JSON::to_json(canonical, pretty, utf8) gives for doc."""
    return (json.dumps(doc, indent=3, sort_keys=True, separators=(",", " : "),
                       ensure_ascii=False) + "\n").encode()


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
        self.opener = urllib.request.build_opener(
            NoRedirect, urllib.request.HTTPSHandler(context=self.ctx))

    def call(self, method, path, body=None, headers=None, auth=(USER, PASSWORD),
             backend="office"):
        data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
        hdrs = dict(headers or {})
        if auth:
            hdrs["Authorization"] = "Basic " + base64.b64encode(
                ("%s:%s" % auth).encode()).decode()
        url = self.ports["backends"][backend]["url"] + path
        req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
        try:
            with self.opener.open(req, timeout=5) as r:
                return Reply(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
        except urllib.error.HTTPError as err:
            return Reply(err.code, {k.lower(): v for k, v in err.headers.items()}, err.read())

    def ctl(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.ports["control"], path),
                                     data=data, method=method)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
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
            self.proc.kill()
            self.proc.wait()


def expect_error(reply, status, message):
    expect(reply.status == status, "status %d, want %d: %r" % (reply.status, status, reply.raw))
    expect(reply.headers.get("content-type") == "application/json",
           "error Content-Type %r" % reply.headers.get("content-type"))
    expect(reply.raw.endswith(b"\n") and b"\n" not in reply.raw[:-1] and b": " not in reply.raw,
           "error bodies are compact JSON plus a newline: %r" % reply.raw)
    expect(reply.json == {"code": status, "message": message}, "error body %r" % reply.raw)


def get_all(sim, path):
    """Every item of a collection, following next links; (items, requests made)."""
    items, n = [], 0
    while path:
        reply = sim.call("GET", path)
        n += 1
        expect(reply.status == 200, "GET %s: %d" % (path, reply.status))
        doc = reply.json
        items += doc.get("_embedded", {}).get("ngcp:subscribers", [])
        nxt = doc["_links"].get("next")
        path = nxt["href"] if nxt else None
    return items, n


def new_ext(**over):
    body = {"customer_id": 7, "domain": "pbx.example.org", "username": "newbie",
            "password": "newbiePassw0rd1", "pbx_extension": "150", "display_name": "New Bie"}
    body.update(over)
    return body


def post(sim, body, ctype="application/json", headers=None):
    hdrs = {"Content-Type": ctype}
    hdrs.update(headers or {})
    return sim.call("POST", "/api/subscribers/", body, hdrs)


def patch(sim, sid, ops, ctype=PATCH_TYPE, headers=None):
    hdrs = {"Content-Type": ctype}
    hdrs.update(headers or {})
    return sim.call("PATCH", "/api/subscribers/%d" % sid, ops, hdrs)


def subscriber(sim, sid):
    return sim.call("GET", "/api/subscribers/%d" % sid).json


# ------------------------------------------------------------------ checks

def test_401_is_plain_text(sim):
    for auth in (None, (USER, "wrong"), ("nobody", PASSWORD)):
        reply = sim.call("GET", "/api/subscribers/", auth=auth)
        expect(reply.status == 401, "status %d" % reply.status)
        want = json.loads(fixture("auth_401_exchange.json"))["response"]["body"].encode()
        expect(reply.raw == want, "401 body %r" % reply.raw)
        expect(reply.headers.get("content-type") == "text/plain", "401 %r" % reply.headers)
        expect(reply.headers.get("www-authenticate") == 'Basic realm="api_admin_http"',
               "401 %r" % reply.headers)
    # Auth comes before routing: an unknown path with bad credentials is a 401 too.
    expect(sim.call("GET", "/api/nothing/", auth=None).status == 401, "auth before 404")


def test_hal_canonical_pretty(sim):
    for path in ("/api/subscribers/", "/api/subscribers/42", "/api/callqueues/",
                 "/api/domains/", "/api/customers/7"):
        reply = sim.call("GET", path)
        expect(reply.status == 200, "%s: %d" % (path, reply.status))
        expect(reply.headers.get("content-type") == HAL_TYPE, "%s: %r" % (path, reply.headers))
        expect(reply.raw == canonical(reply.json), "%s is not canonical pretty JSON" % path)
        expect(b'\n   "_links" : {' in reply.raw, "%s: 3-space indent, ' : '" % path)
    reply = sim.call("GET", "/api/subscribers/42", headers={"Accept": "application/json"})
    expect(reply.headers.get("content-type") == "application/json",
           "Accept: application/json gets that type: %r" % reply.headers)


def test_fixture_shapes(sim):
    ext = subscriber(sim, 42)
    want = json.loads(fixture("subscriber_item_pbx_extension.json"))
    expect(set(ext) == set(want), "extension keys differ: %s" % sorted(set(ext) ^ set(want)))
    expect(set(ext["_links"]) == set(want["_links"]), "extension links differ")
    for key, value in want.items():
        expect(type(ext[key]) is type(value) or value is None or ext[key] is None,
               "%s is %r, fixture has %r" % (key, ext[key], value))
    expect(all(isinstance(ext["primary_number"][k], str) for k in ("cc", "ac", "sn")),
           "cc/ac/sn are strings")
    groups = sim.call("GET", "/api/subscribers/?is_pbx_group=1").json
    group = groups["_embedded"]["ngcp:subscribers"][0]
    want = json.loads(fixture("subscriber_item_pbx_group.json"))
    expect(set(group) == set(want), "group keys differ: %s" % sorted(set(group) ^ set(want)))
    pilot = subscriber(sim, 41)
    expect(pilot["is_pbx_pilot"] and pilot["pbx_extension"] is None
           and "ext_range_min" in pilot, "pilot %r" % pilot)
    sip = [s for s in sim.state()["subscribers"] if s["customer_id"] == 9][0]
    expect("pbx_extension" not in sip and "is_pbx_group" not in sip,
           "PBX fields vanish for sipaccount customers")
    expect("pbx_hunt_policy" not in ext, "hunt fields vanish on non-groups")
    expect("webpassword" not in ext, "webpassword is never shown")
    expect(ext["create_timestamp"].endswith("+00:00"), "RFC 3339 timestamps")
    cust = sim.call("GET", "/api/customers/7").json
    expect(len(cust["create_timestamp"]) == 19 and "T" not in cust["create_timestamp"],
           "customer timestamps are 'YYYY-MM-DD HH:MM:SS'")


def test_ngcp_relations_are_arrays(sim):
    doc = sim.call("GET", "/api/subscribers/?rows=1").json
    for rel, value in doc["_links"].items():
        if rel.startswith("ngcp:"):
            expect(isinstance(value, list) and len(value) == 1, "%s: %r" % (rel, value))
    item = doc["_embedded"]["ngcp:subscribers"]
    expect(isinstance(item, list) and len(item) == 1, "a one-item _embedded is still a list")
    for rel, value in item[0]["_links"].items():
        expect(isinstance(value, list) == rel.startswith("ngcp:"), "%s: %r" % (rel, value))


def test_empty_collection_has_no_embedded(sim):
    reply = sim.call("GET", "/api/subscribers/?username=nobody")
    want = json.loads(fixture("subscribers_collection_empty.json"))
    expect(reply.json == want, "empty collection %r" % reply.raw)
    expect(reply.raw == canonical(want), "empty collection bytes")


def test_pagination(sim):
    st = sim.state()
    total = len(st["subscribers"])
    doc = sim.call("GET", "/api/subscribers/").json
    expect(doc["total_count"] == total and len(doc["_embedded"]["ngcp:subscribers"]) == 10,
           "default rows is 10 of %d" % total)
    expect(doc["_links"]["self"]["href"] == "/api/subscribers/?page=1&rows=10", "self link")
    expect(doc["_links"]["next"]["href"] == "/api/subscribers/?page=2&rows=10", "next link")
    expect("prev" not in doc["_links"], "no prev on page 1")
    doc = sim.call("GET", "/api/subscribers/?rows=4&page=2&is_pbx_group=0&order_by=id").json
    links = doc["_links"]
    expect(links["next"]["href"] == "/api/subscribers/?page=3&rows=4&is_pbx_group=0&order_by=id",
           "other parameters follow page and rows: %r" % links["next"])
    expect(links["prev"]["href"].startswith("/api/subscribers/?page=1&rows=4&"), "prev link")
    items, n = get_all(sim, "/api/subscribers/?rows=5")
    expect(len(items) == total and n == -(-total // 5), "%d items in %d pages" % (len(items), n))
    expect(len({i["id"] for i in items}) == total, "no repeats across pages")
    last = sim.call("GET", "/api/subscribers/?rows=%d" % total).json
    expect("next" not in last["_links"], "no next when all fit")
    expect(len(sim.call("GET", "/api/subscribers/?rows=100000").json["_embedded"][
        "ngcp:subscribers"]) == total, "rows has no upper bound")
    msg = "Query parameters 'page' and 'rows', when specified, must be greater than 0."
    expect_error(sim.call("GET", "/api/subscribers/?page=0"), 400, msg)
    expect_error(sim.call("GET", "/api/subscribers/?rows=0"), 400, msg)
    expect(sim.call("GET", "/api/subscribers/?page=99").json.get("_embedded") is None,
           "a page past the end is empty")
    sim.op("set_options", rows_cap=3)
    doc = sim.call("GET", "/api/subscribers/?rows=100").json
    expect(len(doc["_embedded"]["ngcp:subscribers"]) == 3 and
           doc["_links"]["next"]["href"] == "/api/subscribers/?page=2&rows=3",
           "rows_cap serves 3 and links on: %r" % doc["_links"])
    items, n = get_all(sim, "/api/subscribers/?rows=100")
    expect(len(items) == total and n == -(-total // 3), "capped pages %d/%d" % (len(items), n))
    sim.op("set_options", rows_cap=0)


def test_filters_and_order(sim):
    groups = sim.call("GET", "/api/subscribers/?is_pbx_group=1&rows=100").json
    expect(all(s["is_pbx_group"] for s in groups["_embedded"]["ngcp:subscribers"]), "groups")
    others = sim.call("GET", "/api/subscribers/?is_pbx_group=0&rows=100").json
    expect(any(s["customer_id"] == 9 for s in others["_embedded"]["ngcp:subscribers"]),
           "is_pbx_group=0 includes plain SIP accounts (the column is 0)")
    expect(groups["total_count"] + others["total_count"] == len(sim.state()["subscribers"]),
           "the two filters split the subscribers")
    doc = sim.call("GET", "/api/subscribers/?username=al*").json
    expect([s["username"] for s in doc["_embedded"]["ngcp:subscribers"]] == ["alice"],
           "wildcard filter")
    doc = sim.call("GET", "/api/subscribers/?order_by=id&order_by_direction=desc&rows=2").json
    ids = [s["id"] for s in doc["_embedded"]["ngcp:subscribers"]]
    expect(ids == sorted(ids, reverse=True) and ids[0] == max(
        s["id"] for s in sim.state()["subscribers"]), "descending order %r" % ids)


def test_errors(sim):
    expect_error(sim.call("GET", "/api/subscribers/abc"), 400, "Invalid id in request URI")
    reply = sim.call("GET", "/api/subscribers/9999")
    expect_error(reply, 404, "Entity 'subscriber' not found.")
    expect(reply.raw.rstrip(b"\n") == fixture("error_404_subscriber_not_found.json").rstrip(),
           "404 body like the fixture: %r" % reply.raw)
    reply = sim.call("GET", "/api/subscribers")
    expect(reply.status == 301 and reply.headers.get("location") == "/api/subscribers/",
           "collections redirect to the trailing slash: %d %r" % (reply.status, reply.headers))
    reply = sim.call("POST", "/api/callqueues/", {}, {"Content-Type": "application/json"})
    expect(reply.status == 405, "callqueues are read-only: %d" % reply.status)
    reply = sim.call("OPTIONS", "/api/subscribers/42")
    expect(reply.json == json.loads(fixture("options_subscribers_item.json")),
           "OPTIONS %r" % reply.raw)


def test_create_201_empty_body(sim):
    reply = post(sim, new_ext(), headers={"Prefer": "return=representation"})
    expect(reply.status == 201 and reply.raw == b"", "201 with an empty body: %d %r" % (
        reply.status, reply.raw))
    loc = reply.headers.get("location", "")
    expect(loc.startswith("/api/subscribers/"), "Location %r" % loc)
    item = sim.call("GET", loc).json
    expect(item["username"] == "newbie" and item["pbx_extension"] == "150"
           and item["primary_number"]["sn"] == "999010150" and "password" in item,
           "the new subscriber %r" % item)
    expect(item["id"] == int(loc.rsplit("/", 1)[1]), "id matches the Location")
    expect_error(post(sim, new_ext(username="other")), 422,
                 "The pbx_extension already exists for this customer.")
    expect_error(post(sim, new_ext(pbx_extension="151")), 422, "Subscriber already exists.")
    expect_error(post(sim, new_ext(username="", pbx_extension="152")), 422,
                 json.loads(fixture("error_422_validation_required.json"))["message"])
    expect_error(post(sim, new_ext(customer_id=99)), 422,
                 json.loads(fixture("error_422_invalid_customer.json"))["message"])
    expect_error(post(sim, new_ext(username="x2", pbx_extension="999")), 422,
                 "Subscriber's PBX extension is out of customer's extension range.")
    expect_error(post(sim, new_ext(username="x3", pbx_extension=None)), 422,
                 "A pbx_extension is required if customer is PBX and pilot subscriber exists.")
    expect_error(post(sim, {"customer_id": 9, "domain": "voip.example.org", "username": "nonum"}),
                 422, "A primary_number is required for the SIP subscriber.")
    group = new_ext(username="grp", pbx_extension="250", is_pbx_group=True,
                    pbx_hunt_policy="roundrobin")
    expect_error(post(sim, group), 422,
                 json.loads(fixture("error_422_validation_failed.json"))["message"])
    group.update(pbx_hunt_policy="parallel", pbx_groupmember_ids="42")
    expect_error(post(sim, group), 422, "Invalid pbx_groupmember_ids parameter, must be an array.")
    sip_id = [s["id"] for s in sim.state()["subscribers"] if s["customer_id"] == 9][0]
    group["pbx_groupmember_ids"] = [42, sip_id]
    expect_error(post(sim, group), 422, "Invalid id '%d' in pbx_groupmember_ids, does not exist "
                 "for this customer." % sip_id)
    group.update(pbx_groupmember_ids=[42, 43], unknown_key="dropped silently")
    reply = post(sim, group)
    expect(reply.status == 201, "group create: %d %r" % (reply.status, reply.raw))
    gid = int(reply.headers["location"].rsplit("/", 1)[1])
    expect(gid in subscriber(sim, 42)["pbx_group_ids"], "members link back to the group")
    expect_error(post(sim, b"", "application/json"), 400, "This request is missing a message body.")
    reply = post(sim, new_ext(), ctype="text/plain")
    expect_error(reply, 415, "Unsupported media type 'text/plain', accepting application/json "
                 "only.")
    reply = post(sim, b"{not json", "application/json")
    expect(reply.status == 400 and reply.json["message"].startswith(
        "The entity is not a well-formed 'application/json' document."), "bad JSON %r" % reply.raw)


def test_patch_json_patch(sim):
    ops = [{"op": "replace", "path": "/display_name", "value": "Alice B. Example"}]
    expect_error(patch(sim, 42, ops, ctype="application/json"), 415,
                 json.loads(fixture("error_415_patch_media_type.json"))["message"])
    reply = patch(sim, 42, ops)
    expect(reply.status == 204 and reply.raw == b"" and
           reply.headers.get("preference-applied") == "return=minimal", "PATCH 204 %r" % (
               reply.headers,))
    expect(subscriber(sim, 42)["display_name"] == "Alice B. Example", "patched")
    ops = [{"op": "replace", "path": "/status", "value": "locked"},
           {"op": "remove", "path": "/external_id"}]
    reply = patch(sim, 43, ops, headers={"Prefer": "return=representation"})
    expect(reply.status == 200 and reply.json["status"] == "locked" and
           reply.json["external_id"] is None and
           reply.headers.get("preference-applied") == "return=representation",
           "PATCH with return=representation: %d" % reply.status)
    expect_error(patch(sim, 42, {"op": "replace"}), 400, "Body for PATCH must be an array.")
    expect_error(patch(sim, 42, [{"path": "/x"}]), 400, "PATCH element must have an 'op' field.")
    reply = patch(sim, 42, [{"op": "move", "path": "/x", "from": "/y"}])
    expect(reply.status == 400 and reply.json["message"].startswith("Invalid PATCH op 'move'"),
           "bad op %r" % reply.raw)
    expect_error(patch(sim, 42, [{"op": "replace", "path": "/customer_id", "value": 9}]), 422,
                 "customer_id can't be changed.")
    group = [s for s in sim.state()["subscribers"] if s.get("is_pbx_group")][0]
    ops = [{"op": "replace", "path": "/pbx_groupmember_ids", "value": [44]},
           {"op": "replace", "path": "/pbx_hunt_timeout", "value": 45}]
    expect(patch(sim, group["id"], ops).status == 204, "group patch")
    after = subscriber(sim, group["id"])
    expect(after["pbx_groupmember_ids"] == [44] and after["pbx_hunt_timeout"] == 45, "group %r"
           % after)
    expect(group["id"] in subscriber(sim, 44)["pbx_group_ids"] and
           group["id"] not in subscriber(sim, 42)["pbx_group_ids"], "reverse links follow")
    expect_error(patch(sim, 9999, ops), 404, "Entity 'subscriber' not found.")


def test_delete_terminates(sim):
    target = [s for s in sim.state()["subscribers"] if s.get("pbx_extension") == "105"][0]
    reply = sim.call("DELETE", "/api/subscribers/%d" % target["id"])
    expect(reply.status == 204 and reply.raw == b"", "DELETE 204: %d" % reply.status)
    expect_error(sim.call("GET", "/api/subscribers/%d" % target["id"]), 404,
                 "Entity 'subscriber' not found.")
    expect_error(sim.call("DELETE", "/api/subscribers/%d" % target["id"]), 404,
                 "Entity 'subscriber' not found.")
    st = sim.state()
    expect(target["id"] in st["terminated"] and
           all(s["id"] != target["id"] for s in st["subscribers"]), "gone from the collection")
    expect(all(target["id"] not in s.get("pbx_groupmember_ids", []) for s in st["subscribers"]),
           "gone from the groups")
    again = new_ext(username=target["username"], pbx_extension="105")
    expect(post(sim, again).status == 201, "the same username can be created again")
    expect_error(sim.call("DELETE", "/api/subscribers/41"), 403,
                 "Cannot terminate pilot subscriber when other subscribers exists")


def test_callqueues(sim):
    sim.op("clear_callqueues")
    doc = sim.call("GET", "/api/callqueues/").json
    expect("_embedded" not in doc and doc["total_count"] == 0, "no callers, no _embedded")
    group = [s for s in sim.state()["subscribers"] if s.get("is_pbx_group")][0]
    sim.op("add_caller", subscriber_id=group["id"], age=30)
    sim.op("add_caller", subscriber_id=group["id"])
    doc = sim.call("GET", "/api/callqueues/").json
    want = json.loads(fixture("callqueues_collection.json"))
    expect(set(doc["_links"]) == set(want["_links"]), "no ngcp:callqueues in the collection "
           "links: %s" % sorted(doc["_links"]))
    item = doc["_embedded"]["ngcp:callqueues"][0]
    fix = want["_embedded"]["ngcp:callqueues"][0]
    expect(set(item) == set(fix) and "id" not in item, "callqueue keys %s" % sorted(item))
    expect(set(item["queue"][0]) == set(fix["queue"][0]), "caller keys")
    expect(item["_links"]["self"]["href"] == "/api/callqueues/%d" % group["id"], "self link")
    expect(item["queue_length"] == 2 and isinstance(item["queue"][0]["start_time"], str)
           and 29 <= item["queue"][0]["duration"] <= 32, "queue %r" % item["queue"])
    dumped = sim.state()["callqueues"]
    strip = lambda qs: [dict(q, queue=[dict(c, duration=0) for c in q["queue"]]) for q in qs]
    expect(strip(dumped) == strip([item]), "the dump is what the API serves")


def test_read_only_and_ban(sim):
    sim.op("set_options", read_only=True)
    expect_error(post(sim, new_ext(username="ro", pbx_extension="160")), 403,
                 "Invalid HTTP method for read-only user")
    expect(sim.call("GET", "/api/subscribers/42").status == 200, "GET still works")
    sim.op("set_options", read_only=False, ban_after=2)
    for _ in range(2):
        expect(sim.call("GET", "/api/subscribers/", auth=(USER, "bad")).status == 401, "401")
    expect_error(sim.call("GET", "/api/subscribers/"), 403, "Banned")
    expect(sim.state()["banned"], "dump shows the ban")
    sim.op("unban")
    sim.op("set_options", ban_after=0)
    expect(sim.call("GET", "/api/subscribers/").status == 200, "unbanned")


def test_faults_use_ngcp_errors(sim):
    status, _ = sim.ctl("POST", "/fault", {"backend": "office", "kind": "status", "status": 401,
                                           "count": 1})
    expect(status == 200, "fault added")
    reply = sim.call("GET", "/api/subscribers/")
    expect(reply.status == 401 and reply.raw == b"Authorization required.", "401 fault")
    sim.ctl("POST", "/fault", {"backend": "office", "kind": "status", "status": 503, "count": 1})
    reply = sim.call("GET", "/api/subscribers/")
    expect(reply.status == 503 and reply.raw == b"", "503 fault has no body: %r" % reply.raw)
    sim.ctl("POST", "/fault", {"backend": "office", "kind": "status", "status": 500, "count": 1})
    expect_error(sim.call("GET", "/api/subscribers/"), 500, "Internal Server Error")


def test_credentials_and_config(sim):
    sim.op("set_credentials", password="Changed-Pw-7")
    expect(sim.call("GET", "/api/subscribers/").status == 401, "old password refused")
    expect(sim.call("GET", "/api/subscribers/", auth=(USER, "Changed-Pw-7")).status == 200,
           "new password accepted")
    sim.op("set_credentials", password=PASSWORD)
    sys.path.insert(0, HERE)
    import dialect_ngcp
    expect(dialect_ngcp.pbxtop_config({"user": "u", "password": "p"}) ==
           "username = u\npassword = p\n", "pbxtop_config")
    expect(dialect_ngcp.pbxtop_config({}) == "username = administrator\npassword = "
           "administrator\n", "pbxtop_config defaults")


def test_dump_matches_api(sim):
    st = sim.state()
    items, _ = get_all(sim, "/api/subscribers/?rows=7")
    expect(items == st["subscribers"], "the dump is what the API serves")
    expect(sim.call("GET", "/api/subscribers/?is_pbx_group=0&rows=100").json["total_count"]
           == len([s for s in st["subscribers"] if not s.get("is_pbx_group")]), "counts")


def test_churn(sim):
    sim.op("churn", on=True)
    before = json.dumps(sim.state()["callqueues"], sort_keys=True)
    deadline = time.time() + 8
    while time.time() < deadline:
        time.sleep(0.3)
        now = sim.state()["callqueues"]
        if json.dumps([dict(q, queue=[{k: c[k] for k in ("call_id",)} for c in q["queue"]])
                       for q in now], sort_keys=True) != json.dumps(
                [dict(q, queue=[{k: c[k] for k in ("call_id",)} for c in q["queue"]])
                 for q in json.loads(before)], sort_keys=True):
            break
    else:
        raise AssertionError("churn changed no callqueue in 8 s")
    sim.op("churn", on=False)


def test_reset(sim):
    sim.ctl("POST", "/reset", {})
    st = sim.state()
    expect(len(st["subscribers"]) == 15 and not st["terminated"], "seeded office back: %d" %
           len(st["subscribers"]))
    expect(subscriber(sim, 42)["display_name"] == "Alice Example", "names back")


TESTS = [
    test_401_is_plain_text, test_hal_canonical_pretty, test_fixture_shapes,
    test_ngcp_relations_are_arrays, test_empty_collection_has_no_embedded, test_pagination,
    test_filters_and_order, test_errors, test_dump_matches_api, test_create_201_empty_body,
    test_patch_json_patch, test_delete_terminates, test_callqueues, test_read_only_and_ban,
    test_faults_use_ngcp_errors, test_credentials_and_config, test_churn, test_reset,
]


def main():
    began = time.time()
    tmp = tempfile.mkdtemp(prefix="pbxsim-ngcp-selftest-")
    sim = Sim(os.path.join(tmp, "sim"), ["office=ngcp,password=%s" % PASSWORD])
    passed = failed = 0
    try:
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
        sim.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("pbxsim ngcp selftest took %.1fs" % (time.time() - began))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
