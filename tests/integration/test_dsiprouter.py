"""dSIPRouter backend, batch commands: FusionPBX extensions of every domain through the media
server API, the server's quirks, auth failures, and writes through `pbxtop apply`.

Each test starts its own simulator (tests/sim/pbxsim.py, dialect dsiprouter) and runs pbxtop
against it."""

import json
import os
import ssl
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dsiprouterlib import (EXT_FIELDS, EXT_PATH, LIST_KEYS, TOKEN, apply_csv,  # noqa: E402
                           backend_msgs, config, direct_get, domain, dsip_sim, expected_records,
                           ext_id, find_ext, get, get_json, reqs, writes)

ACME = "acme.pbx.example.com"
INITECH = "initech.pbx.example.com"


# ---------------------------------------------------------------- reading

def test_dsiprouter_get_extensions_matches_simulator(pbxtop):
    with dsip_sim() as sim:
        cfg = config(sim)
        records = get_json(pbxtop, cfg)
        expected = expected_records(sim)
        assert len(expected) == 12
        got = {r["id"]: r for r in records}
        assert len(got) == len(records), "duplicate ids: %r" % [r["id"] for r in records]
        assert set(got) == set(expected), "ids differ:\n%s\n%s" % (sorted(got), sorted(expected))
        for rid, rec in got.items():
            assert list(rec) == EXT_FIELDS, list(rec)
            assert rec == expected[rid], "%s:\n pbxtop    %r\n simulator %r" % (
                rid, rec, expected[rid])
        # nulls stay null (FusionPBX leaves 108's caller number empty), booleans are JSON
        assert any(r["callerid"] is None for r in records)
        assert {type(r["enabled"]) for r in records} == {bool}
        assert any(r["enabled"] is False for r in records)


def test_dsiprouter_get_raw_is_the_servers_row(pbxtop):
    with dsip_sim() as sim:
        cfg = config(sim)
        records = get_json(pbxtop, cfg, "--raw")
        state = {ext_id(e): e for e in sim.state("pbx")["extensions"]}
        assert len(records) == 12
        for rec in records:
            raw = rec["raw"]
            assert sorted(raw) == sorted(LIST_KEYS), raw
            want = {k: state[rec["id"]][k] for k in LIST_KEYS}
            assert raw == want, "%r\n%r" % (raw, want)
            assert isinstance(raw["enabled"], str), "FusionPBX text column: %r" % raw


def test_dsiprouter_bearer_and_accept_json_on_every_request(pbxtop):
    with dsip_sim() as sim:
        cfg = config(sim)
        assert get(pbxtop, cfg, "ext", "-b", "pbx").rc == 0
        log = reqs(sim)
        # endpoint groups, 3 details, 2 domain lists, 3 extension lists
        assert len(log) == 9, [(r["method"], r["path"]) for r in log]
        for r in log:
            assert r["headers"].get("authorization") == "Bearer " + TOKEN, r
            assert r["headers"].get("accept") == "application/json", r
            assert r["query"] == {}, "no query strings: %r" % r
            assert r["method"] == "GET", r
        paths = [r["path"] for r in log]
        assert paths[0] == "/api/v1/endpointgroups"
        assert sorted(paths[1:4]) == ["/api/v1/endpointgroups/%d" % g for g in (12, 14, 15)]
        # only the endpoint groups with FusionPBX are asked for domains
        assert sorted(paths[4:6]) == ["/api/v1/mediaserver/domain/12",
                                      "/api/v1/mediaserver/domain/15"]
        assert all(p.startswith("/api/v1/mediaserver/extension/") for p in paths[6:])


def test_dsiprouter_without_accept_json_the_server_sends_html(pbxtop):
    """Why pbxtop always sends Accept: application/json: the sim, like the server, answers
    a client that takes HTML with its login page."""
    with dsip_sim() as sim:
        st, ct, body = direct_get(sim, "/api/v1/endpointgroups", accept=None)
        assert st == 401 and ct.startswith("text/html") and "Login" in body, (st, ct, body)
        st, ct, body = direct_get(sim, "/api/v1/endpointgroups")
        assert st == 200 and ct == "application/json", (st, ct, body)


def test_dsiprouter_list_of_one_list(pbxtop):
    with dsip_sim() as sim:
        acme = domain(sim, ACME)
        st, _, body = direct_get(sim, "/api/v1/mediaserver/extension/12/" + acme["domain_uuid"])
        doc = json.loads(body)
        assert st == 200 and isinstance(doc["data"], list) and len(doc["data"]) == 1
        assert isinstance(doc["data"][0], list) and len(doc["data"][0]) == 8, doc
        st, _, body = direct_get(sim, "/api/v1/mediaserver/domain/12")
        assert [len(x) for x in json.loads(body)["data"]] == [2], body
        records = get_json(pbxtop, config(sim))
        assert sum(1 for r in records if r["context"] == ACME) == 8


def test_dsiprouter_domains_of_two_servers_merged(pbxtop):
    with dsip_sim() as sim:
        cfg = config(sim)
        new = sim.op("pbx", "add_domain", config_id=15, name="hooli.pbx.example.com")
        sim.op("pbx", "add_extension", domain_uuid=new["domain_uuid"], extension="500",
               outbound_caller_name="Gavin")
        records = get_json(pbxtop, cfg)
        contexts = {}
        for r in records:
            contexts.setdefault(r["context"], set()).add(r["id"].split("/")[0])
        assert contexts == {ACME: {"12"}, "branch.acme.example.com": {"12"},
                            INITECH: {"15"}, "hooli.pbx.example.com": {"15"}}, contexts
        assert {r["id"]: r for r in records} == expected_records(sim)
        hooli = [r for r in records if r["context"] == "hooli.pbx.example.com"]
        assert [(h["extension"], h["name"]) for h in hooli] == [("500", "Gavin")]
        # the same number in two domains is two records
        sim.op("pbx", "add_extension", domain_uuid=new["domain_uuid"], extension="101")
        ids = [r["id"] for r in get_json(pbxtop, cfg) if r["extension"] == "101"]
        assert len(ids) == 2 and len(set(ids)) == 2, ids


def test_dsiprouter_boolean_columns(pbxtop):
    with dsip_sim(bool_columns="1") as sim:
        st, _, body = direct_get(sim, "/api/v1/mediaserver/domain/12")
        assert json.loads(body)["data"][0][0]["enabled"] is True, body
        records = get_json(pbxtop, config(sim))
        assert {r["id"]: r for r in records} == expected_records(sim)


def test_dsiprouter_old_envelopes_v0642(pbxtop):
    with dsip_sim(version="0.642") as sim:
        st, _, body = direct_get(sim, "/api/v1/endpointgroups")
        assert "dsipreload" not in json.loads(body)
        records = get_json(pbxtop, config(sim))
        assert len(records) == 12
        st, _, body = direct_get(sim, "/api/v1/mediaserver/domain/14")
        assert st == 500 and json.loads(body) == {"error": "server",
                                                  "msg": "Configuration doesn't exist"}


def test_dsiprouter_unsupported_views(pbxtop):
    with dsip_sim() as sim:
        cfg = config(sim)
        for view, word in (("ch", "counters"), ("rg", "trunk pools"), ("qm", "queue"),
                           ("q", "queues")):
            r = get(pbxtop, cfg, view, "-b", "pbx")
            assert r.rc == 5, r
            assert any(word in m for m in backend_msgs(r)), r
        assert reqs(sim) == [], "nothing is asked for a view that cannot be served"


def test_dsiprouter_backends_view(pbxtop):
    with dsip_sim() as sim:
        r = get(pbxtop, config(sim), "be", "-o", "json")
        assert r.rc == 0, r
        be = json.loads(r.out)[0]
        assert be["type"] == "dsiprouter" and be["state"] == "up" and be["error"] is None, be


def test_dsiprouter_secrets_stay_out_of_output(pbxtop):
    """The endpoint group details carry the FusionPBX database password in clear; pbxtop
    reads only the enabled flag."""
    with dsip_sim() as sim:
        cfg = config(sim)
        r = get(pbxtop, cfg, "ext", "-b", "pbx", "-o", "json", "--raw")
        assert r.rc == 0, r
        st, _, body = direct_get(sim, "/api/v1/endpointgroups/12")
        dbpass = json.loads(body)["data"][0]["fusionpbx"]["dbpass"]
        for secret in (TOKEN, dbpass):
            assert secret not in r.out and secret not in r.err, secret
        bad = get(pbxtop, config(sim, "timeout_ms = 2000"), "ext", "-b", "pbx")
        assert TOKEN not in bad.out + bad.err


# ---------------------------------------------------------------- errors

def test_dsiprouter_bad_token_exit_3_no_storm(pbxtop):
    with dsip_sim() as sim:
        cfg = config(sim)
        sim.op("pbx", "set_token", token="another-token")
        r = get(pbxtop, cfg, "ext", "-b", "pbx")
        assert r.rc == 3, r
        msgs = backend_msgs(r)
        assert any("API token refused (HTTP 401 Unauthorized)" in m for m in msgs), r
        assert not any("license" in m for m in msgs), r
        log = reqs(sim)
        assert [(q["method"], q["path"]) for q in log] == [("GET", "/api/v1/endpointgroups")]
        r = get(pbxtop, cfg, "be", "-o", "json")
        be = json.loads(r.out)[0]
        assert be["state"] == "auth-failed" and "token refused" in be["error"], be


def test_dsiprouter_license_gate(pbxtop):
    with dsip_sim(license="0") as sim:
        cfg = config(sim)
        r = get(pbxtop, cfg, "ext", "-b", "pbx")
        assert r.rc == 3, r
        msg = " ".join(backend_msgs(r))
        for word in ("license", "DSIP_CORE", "auth = session", "not supported by this build"):
            assert word in msg, "%r lacks %r" % (msg, word)
        assert "check the token" not in msg, msg
        assert len(reqs(sim)) == 1
        # a v0.74 server has no gate: the same token works
        sim.op("pbx", "set_version", version="0.74")
        assert len(get_json(pbxtop, cfg)) == 12


def test_dsiprouter_v079_media_server_missing(pbxtop):
    with dsip_sim(version="0.79") as sim:
        st, ct, body = direct_get(sim, "/api/v1/mediaserver/domain/12")
        assert st == 404 and ct.startswith("text/html"), (st, ct)
        r = get(pbxtop, config(sim), "ext", "-b", "pbx")
        assert r.rc == 1, r
        msg = " ".join(backend_msgs(r))
        assert "media server API is missing on this server version" in msg, r
        assert "v0.79" in msg, r


def test_dsiprouter_unknown_route_is_wrong_url(pbxtop):
    with dsip_sim() as sim:
        sim.fault(backend="pbx", kind="status", status=404, path=r"^/api/v1/endpointgroups$")
        r = get(pbxtop, config(sim), "ext", "-b", "pbx")
        assert r.rc == 1, r
        assert any("no dSIPRouter API at this url" in m for m in backend_msgs(r)), r


def test_dsiprouter_server_500_on_poll(pbxtop):
    with dsip_sim() as sim:
        body = json.dumps({"data": [], "dsipreload": False, "error": "server",
                           "kamreload": False, "msg": "Configuration doesn't exist"})
        sim.fault(backend="pbx", kind="status", status=500, path="/mediaserver/domain/15",
                  body=body)
        r = get(pbxtop, config(sim), "ext", "-b", "pbx")
        assert r.rc == 1, r
        assert r.out.count("\n") <= 1, "no partial table on a failed poll: %r" % r.out
        msg = " ".join(backend_msgs(r))
        assert "domains of endpoint group 15" in msg and "Configuration doesn't exist" in msg, r
        assert "HTTP 500" in msg, r


def test_dsiprouter_malformed_and_dropped_answers(pbxtop):
    with dsip_sim() as sim:
        cfg = config(sim)
        sim.fault(backend="pbx", kind="malformed", path="/mediaserver/extension/")
        r = get(pbxtop, cfg, "ext", "-b", "pbx")
        assert r.rc == 1 and "not valid JSON" in r.err, r
        sim.clear_faults()
        sim.fault(backend="pbx", kind="drop", path="/endpointgroups/15")
        r = get(pbxtop, cfg, "ext", "-b", "pbx")
        assert r.rc == 3, r
        sim.clear_faults()
        assert len(get_json(pbxtop, cfg)) == 12


def test_dsiprouter_no_fusionpbx_group(pbxtop):
    with dsip_sim() as sim:
        for gid in (12, 15):
            sim.op("pbx", "set_fusionpbx", gwgroupid=gid, enabled=False)
        r = get(pbxtop, config(sim), "ext", "-b", "pbx")
        assert r.rc == 1, r
        assert any("no endpoint group has FusionPBX enabled (3 checked)" in m
                   for m in backend_msgs(r)), r
        assert not any("/mediaserver/" in q["path"] for q in reqs(sim))


def test_dsiprouter_config_checks(pbxtop):
    with dsip_sim() as sim:
        for extra, key, word in (("auth = session", "auth", "not supported by this build"),
                                 ("variant = L11", "variant", "no variants")):
            r = get(pbxtop, config(sim, extra), "ext", "-b", "pbx")
            assert r.rc == 2 and key in r.err and word in r.err, r
        path = sim.write_config()
        with open(path) as f:
            text = f.read().replace("password = %s" % TOKEN, "password = two words")
        with open(path, "w") as f:
            f.write(text)
        r = get(pbxtop, path, "ext", "-b", "pbx")
        assert r.rc == 2 and "spaces" in r.err and "two words" not in r.err, r
        assert reqs(sim) == []


# ---------------------------------------------------------------- writes

NEW = {"op": "create", "view": "extensions", "extension": "1000", "password": "Xk9#pQ2v",
       "vm_password": "2468", "context": INITECH, "name": "Carol", "callerid": "+15125550100",
       "account_code": "initech", "call_timeout": "25", "vm_notify_email": "c@initech.example"}


def test_dsiprouter_create_sends_all_12_fields_with_exact_types(pbxtop):
    with dsip_sim() as sim:
        cfg = config(sim)
        r = apply_csv(pbxtop, sim, cfg, [NEW])
        assert r.rc == 0, r
        ws = writes(reqs(sim))
        assert len(ws) == 1 and ws[0]["method"] == "POST" and ws[0]["query"] == {}, ws
        assert ws[0]["headers"]["content-type"] == "application/json"
        body = json.loads(ws[0]["body"])
        init = domain(sim, INITECH)
        assert body == {
            "config_id": 15, "domain_id": init["domain_uuid"], "extension": "1000",
            "password": "Xk9#pQ2v", "enabled": True, "account_code": "initech",
            "outbound_caller_number": "+15125550100", "outbound_caller_name": "Carol",
            "vm_enabled": True, "vm_password": 2468, "vm_notify_email": "c@initech.example",
            "call_timeout": 25}, body
        types = {k: type(v).__name__ for k, v in body.items()}
        assert types["vm_password"] == "int" and types["config_id"] == "int", types
        assert types["enabled"] == "bool" and types["vm_enabled"] == "bool", types
        new_id = "15/%s/1000" % init["domain_uuid"]
        assert new_id in r.out and "created" in r.out, r
        assert "Xk9#pQ2v" not in r.out + r.err and "2468" not in r.out + r.err, r
        [row] = find_ext(sim, "1000")
        assert row["user_context"] == INITECH and row["vm_password"] == 2468, row
        rec = {x["id"]: x for x in get_json(pbxtop, cfg)}[new_id]
        assert rec["name"] == "Carol" and rec["enabled"] is True, rec


def test_dsiprouter_create_defaults_fill_every_key(pbxtop):
    with dsip_sim() as sim:
        init = domain(sim, INITECH)
        row = {"op": "create", "view": "extensions", "extension": "1003", "password": "pw",
               "vm_password": "1357", "config_id": "15", "domain_id": init["domain_uuid"]}
        r = apply_csv(pbxtop, sim, config(sim), [row])
        assert r.rc == 0, r
        body = json.loads(writes(reqs(sim))[0]["body"])
        assert len(body) == 12, body
        assert body["enabled"] is True and body["vm_enabled"] is True and \
            body["call_timeout"] == 30 and body["outbound_caller_name"] == "", body


def test_dsiprouter_create_ten_from_1000(pbxtop):
    with dsip_sim() as sim:
        rows = [dict(NEW, extension=str(1000 + i), name="User %d" % i, callerid="")
                for i in range(10)]
        rows = [{k: v for k, v in row.items() if v != ""} for row in rows]
        r = apply_csv(pbxtop, sim, config(sim), rows)
        assert r.rc == 0, r
        ws = writes(reqs(sim))
        assert [w["method"] for w in ws] == ["POST"] * 10, ws
        assert sorted(json.loads(w["body"])["extension"] for w in ws) == \
            [str(n) for n in range(1000, 1010)]
        for n in range(1000, 1010):
            assert len(find_ext(sim, str(n), INITECH)) == 1, n
        assert r.out.count("created") == 10, r


def test_dsiprouter_missing_field_is_a_500_keyerror(pbxtop):
    """The sim answers a POST missing a field with the server's 500 KeyError, and pbxtop
    reports such a 500 naming the field (pbxtop itself always sends all 12)."""
    with dsip_sim() as sim:
        init = domain(sim, INITECH)
        # the server's own answer, from a request pbxtop would never send
        ctx = ssl.create_default_context(cafile=sim.cert)
        partial = {"config_id": 15, "domain_id": init["domain_uuid"], "extension": "9",
                   "password": "x", "enabled": True, "account_code": ""}
        req = urllib.request.Request(sim.url("pbx") + EXT_PATH, method="POST",
                                     data=json.dumps(partial).encode(),
                                     headers={"Authorization": "Bearer " + TOKEN,
                                              "Accept": "application/json",
                                              "Content-Type": "application/json"})
        try:
            urllib.request.urlopen(req, context=ctx, timeout=10)
            raise AssertionError("the sim accepted a POST without all fields")
        except urllib.error.HTTPError as e:
            assert e.code == 500, e.code
            assert json.loads(e.read())["msg"] == "'outbound_caller_number'"
        # and how pbxtop reports it when a server answers so
        body = json.dumps({"data": [], "dsipreload": False, "error": "server",
                           "kamreload": False, "msg": "'vm_notify_email'"})
        sim.fault(backend="pbx", kind="status", status=500, path=EXT_PATH + "$",
                  method="POST", body=body)
        r = apply_csv(pbxtop, sim, config(sim), [NEW])
        assert r.rc == 1, r
        assert "failed" in r.out and "wanted field 'vm_notify_email'" in r.out, r
        assert "HTTP 500" in r.out, r


def test_dsiprouter_type_check_400_reported(pbxtop):
    with dsip_sim() as sim:
        body = json.dumps({"data": [], "dsipreload": False, "error": "http",
                           "kamreload": False, "msg": "Request data argument 'vm_password' "
                           "not valid"})
        sim.fault(backend="pbx", kind="status", status=400, path=EXT_PATH + "$", body=body)
        r = apply_csv(pbxtop, sim, config(sim), [NEW])
        assert r.rc == 1, r
        assert "refused" in r.out and "'vm_password' not valid" in r.out, r


def test_dsiprouter_schema_refuses_before_sending(pbxtop):
    with dsip_sim() as sim:
        bad = [dict(NEW, vm_password="0123"), dict(NEW, extension="10a"),
               dict(NEW, call_timeout="soon")]
        r = apply_csv(pbxtop, sim, config(sim), bad)
        assert r.rc in (1, 2), r
        assert writes(reqs(sim)) == [], "nothing may be sent: %r" % r
        assert "0123" not in r.out + r.err, "vm_password is a secret: %r" % r


def test_dsiprouter_create_in_unknown_domain(pbxtop):
    with dsip_sim() as sim:
        r = apply_csv(pbxtop, sim, config(sim), [dict(NEW, context="nowhere.example.com")])
        assert r.rc == 1, r
        assert "no FusionPBX domain named 'nowhere.example.com'" in r.out, r
        assert writes(reqs(sim)) == []


def test_dsiprouter_update_sends_every_put_field(pbxtop):
    with dsip_sim() as sim:
        cfg = config(sim)
        [before] = find_ext(sim, "103", ACME)
        row = {"op": "update", "view": "extensions", "id": ext_id(before), "name": "Carol C.",
               "password": "N3w#Passw0rd", "call_timeout": "25"}
        r = apply_csv(pbxtop, sim, cfg, [row])
        assert r.rc == 0, r
        ws = writes(reqs(sim))
        assert [w["method"] for w in ws] == ["PUT"], ws
        body = json.loads(ws[0]["body"])
        assert body == {
            "config_id": 12, "domain_id": before["domain_uuid"], "extension": "103",
            "password": "N3w#Passw0rd", "enabled": True,
            "account_code": before["account_code"],
            "outbound_caller_number": before["outbound_caller_number"],
            "outbound_caller_name": "Carol C.", "call_timeout": 25}, body
        [after] = find_ext(sim, "103", ACME)
        assert after["outbound_caller_name"] == "Carol C." and after["call_timeout"] == 25
        assert after["password"] == "N3w#Passw0rd"
        assert after["outbound_caller_number"] == before["outbound_caller_number"]
        assert "updated" in r.out and "N3w#Passw0rd" not in r.out + r.err, r


def test_dsiprouter_update_of_null_fields(pbxtop):
    """108 has null caller fields and timeout: the PUT must still carry strings and an int."""
    with dsip_sim() as sim:
        [before] = find_ext(sim, "108", ACME)
        row = {"op": "update", "view": "extensions", "id": ext_id(before), "enabled": "false",
               "password": "pw108"}
        r = apply_csv(pbxtop, sim, config(sim), [row])
        assert r.rc == 0, r
        body = json.loads(writes(reqs(sim))[0]["body"])
        assert body["outbound_caller_number"] == "" and body["call_timeout"] == 30, body
        assert body["enabled"] is False
        assert find_ext(sim, "108", ACME)[0]["enabled"] == "false"


def test_dsiprouter_update_needs_password(pbxtop):
    with dsip_sim() as sim:
        [before] = find_ext(sim, "104", ACME)
        row = {"op": "update", "view": "extensions", "id": ext_id(before), "name": "Dave D."}
        r = apply_csv(pbxtop, sim, config(sim), [row])
        assert r.rc == 1, r
        assert "password: required to update" in r.out + r.err, r
        assert writes(reqs(sim)) == []
        assert find_ext(sim, "104", ACME)[0]["outbound_caller_name"] == "Dave"


def test_dsiprouter_delete_with_json_body(pbxtop):
    with dsip_sim() as sim:
        cfg = config(sim)
        [victim] = find_ext(sim, "105", ACME)
        row = {"op": "delete", "view": "extensions", "id": ext_id(victim)}
        r = apply_csv(pbxtop, sim, cfg, [row])
        assert r.rc == 0, r
        ws = writes(reqs(sim))
        assert [w["method"] for w in ws] == ["DELETE"] and ws[0]["query"] == {}, ws
        assert json.loads(ws[0]["body"]) == {"config_id": 12,
                                             "domain_id": victim["domain_uuid"],
                                             "extension": "105"}
        assert "deleted (or already gone)" in r.out, r
        assert find_ext(sim, "105", ACME) == []
        assert ext_id(victim) not in {x["id"] for x in get_json(pbxtop, cfg)}


def test_dsiprouter_writes_with_bad_token(pbxtop):
    with dsip_sim() as sim:
        cfg = config(sim)
        sim.op("pbx", "set_token", token="rotated")
        r = apply_csv(pbxtop, sim, cfg, [NEW])
        assert r.rc == 3, r
        assert writes(reqs(sim)) == []
        assert "API token refused" in r.out + r.err, r


def test_dsiprouter_hostile_names_are_escaped(pbxtop):
    with dsip_sim() as sim:
        acme = domain(sim, ACME)
        sim.op("pbx", "add_extension", domain_uuid=acme["domain_uuid"], extension="666",
               outbound_caller_name="Zo\x1b]2;PWNED\x07\u202eX")
        r = get(pbxtop, config(sim), "ext", "-b", "pbx")
        assert r.rc == 0, r
        assert "\x1b" not in r.out and "\x07" not in r.out and "\u202e" not in r.out, r
        assert "666" in r.out


def test_dsiprouter_many_domains_bounded_fan_out(pbxtop):
    """Every media server call opens FusionPBX database connections that the server never
    closes: pbxtop keeps at most 4 of them out at once, and still lists every domain."""
    with dsip_sim() as sim:
        for i in range(9):
            dom = sim.op("pbx", "add_domain", config_id=15, name="t%d.example.com" % i)
            sim.op("pbx", "add_extension", domain_uuid=dom["domain_uuid"], extension="10")
        sim.fault(backend="pbx", kind="delay", ms=300, path="/mediaserver/extension/")
        records = get_json(pbxtop, config(sim))
        assert {r["id"]: r for r in records} == expected_records(sim)
        assert len(records) == 12 + 9
        starts = sorted(r["t"] for r in reqs(sim) if "/mediaserver/extension/" in r["path"])
        assert len(starts) == 12, starts
        for k in range(4, 12):
            assert starts[k] - starts[k - 4] >= 0.25, \
                "more than 4 extension lists out at once: %r" % [s - starts[0] for s in starts]
