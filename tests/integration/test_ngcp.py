"""NGCP backend (sip:provider CE REST API), batch commands: the views it lists, its quirks
(mandatory pagination, no _embedded for an empty collection, plain-text 401, HAL), what it
does not offer, and writes through `pbxtop apply` (201 + Location then GET, JSON-Patch,
terminate).

Each test starts its own simulator (tests/sim/pbxsim.py, dialect ngcp)."""

import json
import os
import ssl
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ngcplib import (EXT_FIELDS, PASSWORD, Q_FIELDS, RG_FIELDS, USER, apply, apply_lines,  # noqa
                     backend_msgs, basic_header, check_records, expected, get, get_json,
                     ngcp_sim, pbx, sub_by, sub_requests, target)

FIRST_EXT = "/api/subscribers/?page=1&rows=100&is_pbx_group=0&order_by=id"


# ---------------------------------------------------------------- the views

def test_ngcp_get_extensions_matches_sim(pbxtop):
    with ngcp_sim() as sim:
        cfg = sim.write_config()
        records = get_json(pbxtop, cfg, "ext")
        want = expected(sim, "ext")
        assert len(want) == 12, "10 extensions, the pilot and a plain SIP account"
        check_records(records, want, EXT_FIELDS)
        locked = [r for r in records if r["extension"] == "104"]
        assert locked and locked[0]["enabled"] is False, "status locked is not enabled"
        pilot = [r for r in records if r["id"] == "41"][0]
        assert pilot["extension"] == "acme_pilot", "no pbx_extension: the username stands in"


def test_ngcp_get_ringgroups_matches_sim(pbxtop):
    with ngcp_sim(groups=4) as sim:
        cfg = sim.write_config()
        records = get_json(pbxtop, cfg, "rg")
        want = expected(sim, "rg")
        assert len(want) == 4
        check_records(records, want, RG_FIELDS)
        assert any(r["ring_time"] is None for r in records), "a group without a hunt timeout"
        assert all(isinstance(m, str) for r in records for m in r["members"])
        reqs = sub_requests(sim)
        assert [target(r) for r in reqs] == [
            "/api/subscribers/?page=1&rows=100&is_pbx_group=1&order_by=id"], reqs


def test_ngcp_get_queues_matches_sim(pbxtop):
    with ngcp_sim(callers=5) as sim:
        cfg = sim.write_config()
        records = get_json(pbxtop, cfg, "q")
        want = expected(sim, "q")
        assert len(want) == 2 and sum(r["calls"] for r in want.values()) == 5
        check_records(records, want, Q_FIELDS)
        assert [target(r) for r in sub_requests(sim)] == ["/api/callqueues/?page=1&rows=100"]


def test_ngcp_get_raw_is_the_servers_object(pbxtop):
    with ngcp_sim() as sim:
        cfg = sim.write_config()
        records = get_json(pbxtop, cfg, "rg", "--raw")
        state = {str(s["id"]): s for s in sim.state("office")["subscribers"]}
        for r in records:
            assert list(r) == RG_FIELDS + ["raw"], list(r)
            assert r["raw"] == state[r["id"]], "raw differs:\n%r\n%r" % (r["raw"], state[r["id"]])


def test_ngcp_get_csv_lists_members(pbxtop):
    with ngcp_sim() as sim:
        cfg = sim.write_config()
        r = get(pbxtop, cfg, "rg", "-b", "office", "-o", "csv")
        assert r.rc == 0, r
        lines = r.out.splitlines()
        assert lines[0] == ",".join(RG_FIELDS), lines[0]
        sales = [l for l in lines if ",200,Sales Hunt Group," in l]
        group = sub_by(sim, pbx_extension="200")
        assert sales and sales[0].endswith(",%s" % ";".join(
            str(m) for m in group["pbx_groupmember_ids"])), r.out


def test_ngcp_views_not_offered(pbxtop):
    with ngcp_sim() as sim:
        cfg = sim.write_config()
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json")
        assert r.rc == 5 and backend_msgs(r) == ["NGCP has no live channel API"], r
        r = get(pbxtop, cfg, "qm", "-b", "office")
        assert r.rc == 5 and "no queue members" in r.err, r
        r = pbx(pbxtop, ["-c", cfg, "hangup", "-b", "office", "--yes", "42"], home=sim.dir)
        assert r.rc == 5 and "cannot hang up" in r.err, r
        assert sub_requests(sim) == [], "nothing is sent for what NGCP does not offer"


def test_ngcp_every_request_has_basic_auth(pbxtop):
    with ngcp_sim() as sim:
        cfg = sim.write_config()
        for view in ("ext", "rg", "q", "be"):
            assert get(pbxtop, cfg, view, "-b", "office").rc == 0
        reqs = sub_requests(sim)
        assert len(reqs) == 4, reqs
        for r in reqs:
            assert r["method"] == "GET" and r["path"] in ("/api/subscribers/",
                                                           "/api/callqueues/"), r
            assert r["headers"].get("authorization") == basic_header(), r["headers"]
            assert r["headers"].get("accept") == "application/hal+json", r["headers"]


# ---------------------------------------------------------------- quirks

def test_ngcp_pagination_25_records_at_10_per_page(pbxtop):
    """The server serves 10 rows whatever pbxtop asks: pbxtop follows _links.next (which
    says rows=10) to the end and delivers all 25 at once."""
    with ngcp_sim(extensions=23, rows_cap=10) as sim:
        cfg = sim.write_config()
        records = get_json(pbxtop, cfg, "ext")
        want = expected(sim, "ext")
        assert len(want) == 25
        check_records(records, want, EXT_FIELDS)
        got = [target(r) for r in sub_requests(sim)]
        assert got == [FIRST_EXT,
                       "/api/subscribers/?page=2&rows=10&is_pbx_group=0&order_by=id",
                       "/api/subscribers/?page=3&rows=10&is_pbx_group=0&order_by=id"], got


def test_ngcp_pagination_many_pages(pbxtop):
    with ngcp_sim(extensions=250, groups=0, callers=0, ext_max=999) as sim:
        cfg = sim.write_config()
        records = get_json(pbxtop, cfg, "ext")
        assert len(records) == 252
        check_records(records, expected(sim, "ext"), EXT_FIELDS)
        got = [r["query"]["page"] for r in sub_requests(sim)]
        assert got == ["1", "2", "3"], got


def test_ngcp_empty_collection_is_an_empty_view(pbxtop):
    with ngcp_sim(groups=0, callers=0) as sim:
        cfg = sim.write_config()
        assert get_json(pbxtop, cfg, "rg") == []
        assert get_json(pbxtop, cfg, "q") == []
        r = get(pbxtop, cfg, "rg", "-b", "office", "-o", "csv")
        assert r.rc == 0 and r.out.splitlines() == [",".join(RG_FIELDS)], r


def test_ngcp_plain_text_401_is_auth_failure(pbxtop):
    with ngcp_sim() as sim:
        cfg = sim.write_config()
        sim.op("office", "set_credentials", password="rotated-elsewhere")
        r = get(pbxtop, cfg, "ext", "-b", "office", "-o", "json")
        assert r.rc == 3, r
        assert backend_msgs(r) == [
            "authentication failed: wrong username or password (HTTP 401)"], r
        assert json.loads(r.out) == [], r
        assert PASSWORD not in r.out + r.err
        # No login storm: one request, and no retry (there is no login to retry).
        reqs = sub_requests(sim)
        assert len(reqs) == 1 and reqs[0]["path"] == "/api/subscribers/", reqs
        r = get(pbxtop, cfg, "be", "-b", "office", "-o", "json")
        assert r.rc == 3, r
        be = json.loads(r.out)[0]
        assert be["state"] == "auth-failed" and "wrong username or password" in be["error"], be


def test_ngcp_banned_is_auth_failure(pbxtop):
    with ngcp_sim() as sim:
        cfg = sim.write_config()
        sim.op("office", "set_options", ban_after=1)
        sim.op("office", "set_credentials", password="x")
        assert get(pbxtop, cfg, "q", "-b", "office").rc == 3
        sim.op("office", "set_credentials", password=PASSWORD)
        r = get(pbxtop, cfg, "q", "-b", "office")
        assert r.rc == 3, r
        assert backend_msgs(r) == ["authentication failed: the server says 'Banned' (HTTP 403)"], r


def test_ngcp_server_errors(pbxtop):
    with ngcp_sim() as sim:
        cfg = sim.write_config()
        sim.fault(backend="office", kind="status", status=503, count=1)
        r = get(pbxtop, cfg, "ext", "-b", "office")
        assert r.rc == 1 and "HTTP 503" in r.err and "unavailable" in r.err, r
        sim.fault(backend="office", kind="status", status=400, count=1,
                  body='{"code":400,"message":"Query parameters broken."}')
        r = get(pbxtop, cfg, "ext", "-b", "office")
        assert r.rc == 1 and backend_msgs(r) == [
            "extensions: HTTP 400: Query parameters broken."], r
        sim.fault(backend="office", kind="malformed", count=1)
        r = get(pbxtop, cfg, "rg", "-b", "office")
        assert r.rc == 1 and "ringgroups: answer is not valid JSON" in r.err, r


def test_ngcp_bad_page_fails_the_whole_poll(pbxtop):
    """A failure on page 2 shows no partial list."""
    with ngcp_sim(rows_cap=5) as sim:
        cfg = sim.write_config()
        # Faults apply in the order added: page 1 passes (a 1 ms delay), page 2 gets a 500.
        sim.fault(backend="office", kind="delay", ms=1, count=1)
        sim.fault(backend="office", kind="status", status=500, count=1)
        r = get(pbxtop, cfg, "ext", "-b", "office", "-o", "json")
        assert r.rc == 1 and json.loads(r.out) == [], r
        assert backend_msgs(r) == ["extensions: HTTP 500: Internal Server Error"], r
        assert [q["query"]["page"] for q in sub_requests(sim)] == ["1", "2"]
        assert len(get_json(pbxtop, cfg, "ext")) == 12


def test_ngcp_hostile_next_links(pbxtop):
    with ngcp_sim() as sim:
        cfg = sim.write_config()
        body = json.dumps({"_embedded": {"ngcp:subscribers": [{"id": 5, "username": "x"}]},
                           "_links": {"next": {"href": "https://evil.example/api/subscribers/"
                                                       "?page=2"}},
                           "total_count": 9})
        sim.fault(backend="office", kind="status", status=200, body=body, count=1)
        r = get(pbxtop, cfg, "ext", "-b", "office")
        assert r.rc == 1 and "next-page link" in r.err, r
        assert len(sub_requests(sim)) == 1, "the link was not followed"
        # A page without items that links on would page forever.
        body = json.dumps({"_links": {"next": {"href": "/api/subscribers/?page=1&rows=10"}},
                           "total_count": 9})
        sim.fault(backend="office", kind="status", status=200, body=body, count=1)
        r = get(pbxtop, cfg, "ext", "-b", "office")
        assert r.rc == 1 and "empty page links to another" in r.err, r


def test_ngcp_hostile_text_is_escaped(pbxtop):
    with ngcp_sim() as sim:
        sim.op("office", "add_subscriber",
               subscriber={"display_name": "Evil\x1b]2;owned\x07\u202e name",
                           "domain": "pbx\x1b[31m.example.org"})
        cfg = sim.write_config()
        for fmt in ("table", "csv", "json"):
            r = get(pbxtop, cfg, "ext", "-b", "office", "-o", fmt)
            assert r.rc == 0, r
            assert b"\x1b" not in r.out_b and b"\x07" not in r.out_b and \
                "\u202e".encode() not in r.out_b, r


def test_ngcp_sim_serves_canonical_hal(pbxtop):
    """The simulator's bodies are formatted like the server's (and like the fixtures):
    sorted keys, 3-space indent, '"k" : v'; pbxtop reads exactly these."""
    with ngcp_sim() as sim:
        ctx = ssl.create_default_context(cafile=sim.cert)
        req = urllib.request.Request(sim.url("office") + "/api/subscribers/?rows=2",
                                     headers={"Authorization": basic_header()})
        with urllib.request.urlopen(req, context=ctx, timeout=5) as resp:
            raw = resp.read()
            ctype = resp.headers["Content-Type"]
        doc = json.loads(raw)
        canon = json.dumps(doc, indent=3, sort_keys=True, separators=(",", " : "),
                           ensure_ascii=False) + "\n"
        assert raw == canon.encode(), raw[:300]
        assert ctype.startswith("application/hal+json; profile="), ctype
        assert doc["_links"]["next"]["href"] == "/api/subscribers/?page=2&rows=2"
        cfg = sim.write_config()
        assert len(get_json(pbxtop, cfg, "ext")) == 12


def test_ngcp_config_needs_credentials(pbxtop):
    with ngcp_sim() as sim:
        path = os.path.join(sim.dir, "nopw.ini")
        with open(path, "w") as f:
            f.write("[office]\ntype = ngcp\nurl = %s\nca_file = %s\nusername = %s\n" % (
                sim.url("office"), sim.cert, USER))
        os.chmod(path, 0o600)
        r = get(pbxtop, path, "ext", "-b", "office")
        # The secret comes from the keyring: its entry is what is missing.
        assert r.rc == 2 and "needs a password or token" in r.err, r
        assert "run: pbxtop keyring set office" in r.err, r


# ---------------------------------------------------------------- writes (pbxtop apply)

HEADER = ["op", "view", "id", "customer_id", "context", "username", "password", "extension",
          "name", "strategy", "ring_time", "members"]


def row(op, view, rid="", **fields):
    return [op, view, rid] + [fields.get(k, "") for k in HEADER[3:]]


def test_ngcp_apply_create_extension_201_then_get(pbxtop):
    with ngcp_sim() as sim:
        cfg = sim.write_config()
        since = sim.last_seq()
        r = apply(pbxtop, cfg, sim, [HEADER, row(
            "create", "extensions", customer_id="7", context="pbx.example.org",
            username="newbie", password="newbiePassw0rd1", extension="150", name="New Bie")],
            "--yes")
        assert r.rc == 0, r
        new = sub_by(sim, username="newbie")
        assert new and new["pbx_extension"] == "150" and new["display_name"] == "New Bie", new
        lines = apply_lines(r)
        assert list(lines.values()) == [("extensions", "create", str(new["id"]),
                                        lines[2][3])] and "ok" in lines[2][3], r
        writes = [x for x in sub_requests(sim, since) if x["method"] != "GET" or
                  x["path"] != "/api/subscribers/"]
        post, read = writes[0], writes[1]
        assert post["method"] == "POST" and post["path"] == "/api/subscribers/", writes
        assert post["headers"]["content-type"] == "application/json", post["headers"]
        assert json.loads(post["body"]) == {
            "customer_id": 7, "domain": "pbx.example.org", "username": "newbie",
            "password": "newbiePassw0rd1", "pbx_extension": "150", "display_name": "New Bie"}
        # 201 came with an empty body: the Location is read back.
        assert (read["method"], read["path"]) == ("GET", "/api/subscribers/%d" % new["id"])
        assert "newbiePassw0rd1" not in r.out + r.err and PASSWORD not in r.out + r.err


def test_ngcp_apply_create_ringgroup(pbxtop):
    with ngcp_sim() as sim:
        cfg = sim.write_config()
        r = apply(pbxtop, cfg, sim, [HEADER, row(
            "create", "ringgroups", customer_id="7", context="pbx.example.org",
            username="support2", extension="260", name="Support 2", strategy="parallel",
            ring_time="25", members="42;44")], "--yes")
        assert r.rc == 0, r
        group = sub_by(sim, username="support2")
        assert group and group["is_pbx_group"] and group["pbx_groupmember_ids"] == [42, 44] \
            and group["pbx_hunt_policy"] == "parallel" and group["pbx_hunt_timeout"] == 25, group


def test_ngcp_apply_update_is_json_patch_204(pbxtop):
    with ngcp_sim() as sim:
        cfg = sim.write_config()
        group = sub_by(sim, pbx_extension="200")
        since = sim.last_seq()
        r = apply(pbxtop, cfg, sim, [
            HEADER,
            row("update", "extensions", "42", name="Alice B. Example"),
            row("update", "ringgroups", str(group["id"]), strategy="circular", members="45,46"),
        ], "--yes")
        assert r.rc == 0, r
        patches = sub_requests(sim, since, "PATCH")
        assert [p["path"] for p in patches] == ["/api/subscribers/42",
                                                "/api/subscribers/%d" % group["id"]], patches
        for p in patches:
            assert p["headers"]["content-type"] == "application/json-patch+json", p["headers"]
        assert json.loads(patches[0]["body"]) == [
            {"op": "replace", "path": "/display_name", "value": "Alice B. Example"}]
        assert sorted(json.loads(patches[1]["body"]), key=lambda o: o["path"]) == [
            {"op": "replace", "path": "/pbx_groupmember_ids", "value": [45, 46]},
            {"op": "replace", "path": "/pbx_hunt_policy", "value": "circular"}]
        assert sub_by(sim, id=42)["display_name"] == "Alice B. Example"
        after = sub_by(sim, id=group["id"])
        assert after["pbx_groupmember_ids"] == [45, 46] and after["pbx_hunt_policy"] == "circular"


def test_ngcp_apply_delete_terminates_then_gone(pbxtop):
    with ngcp_sim() as sim:
        cfg = sim.write_config()
        r = apply(pbxtop, cfg, sim, [HEADER, row("delete", "extensions", "43")], "--yes")
        assert r.rc == 0, r
        assert sub_by(sim, id=43) is None and 43 in sim.state("office")["terminated"]
        dels = sub_requests(sim, 0, "DELETE")
        assert [d["path"] for d in dels] == ["/api/subscribers/43"], dels
        # Terminated between pbxtop's re-read and its DELETE: the server's 404 means the
        # delete has nothing left to do.
        since = sim.last_seq()
        with open(os.path.join(os.path.dirname(__file__), "..", "fixtures", "ngcp",
                               "error_404_subscriber_not_found.json")) as f:
            body = f.read()
        sim.fault(backend="office", kind="status", status=404, method="DELETE", count=1,
                  body=body)
        r = apply(pbxtop, cfg, sim, [HEADER, row("delete", "extensions", "44")], "--yes")
        assert r.rc == 0, r
        assert "gone" in apply_lines(r)[2][3], r
        assert [d["path"] for d in sub_requests(sim, since, "DELETE")] == ["/api/subscribers/44"]


def test_ngcp_apply_server_validation_message(pbxtop):
    with ngcp_sim() as sim:
        cfg = sim.write_config()
        since = sim.last_seq()
        # The username is taken (the extension is free, so pbxtop sees no conflict itself).
        r = apply(pbxtop, cfg, sim, [HEADER, row(
            "create", "extensions", customer_id="7", context="pbx.example.org",
            username="alice", password="dupPassw0rd123", extension="151")], "--yes")
        assert r.rc == 1, r
        assert "Subscriber already exists." in apply_lines(r)[2][3], r
        assert len(sub_requests(sim, since, "POST")) == 1
        r = apply(pbxtop, cfg, sim, [HEADER, row(
            "create", "extensions", customer_id="99", context="pbx.example.org",
            username="nobody", extension="152")], "--yes")
        assert r.rc == 1 and "Invalid 'customer_id', doesn't exist." in r.out, r
        r = apply(pbxtop, cfg, sim, [HEADER, row("delete", "extensions", "41")], "--yes")
        assert r.rc == 1 and "Cannot terminate pilot subscriber" in r.out, r
        assert sub_by(sim, id=41) is not None


def test_ngcp_apply_refuses_before_sending(pbxtop):
    with ngcp_sim() as sim:
        cfg = sim.write_config()
        since = sim.last_seq()
        r = apply(pbxtop, cfg, sim, [HEADER, row("update", "ringgroups", "52",
                                                 strategy="roundrobin")], "--yes")
        assert r.rc != 0 and "strategy" in (r.out + r.err), r
        r = apply(pbxtop, cfg, sim, [HEADER, row("create", "channels")], "--yes")
        assert r.rc != 0, r
        r = apply(pbxtop, cfg, sim, [HEADER, row("update", "extensions", "42",
                                                 name="x")], "--dry-run")
        assert r.rc == 0, r
        assert [x for x in sub_requests(sim, since) if x["method"] != "GET"] == []
        assert sub_by(sim, id=42)["display_name"] == "Alice Example"


def test_ngcp_apply_auth_failure(pbxtop):
    with ngcp_sim() as sim:
        cfg = sim.write_config()
        sim.op("office", "set_credentials", password="rotated")
        r = apply(pbxtop, cfg, sim, [HEADER, row("update", "extensions", "42", name="x")],
                  "--yes")
        assert r.rc == 3 and "wrong username or password" in (r.out + r.err), r
