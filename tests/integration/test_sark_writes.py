"""SARK V6 backend, writes through `pbxtop apply FILE.csv`: typed extension creates (and the
PUT that sets what a create does not take), updates with SARK's own values (YES/NO,
space-separated ring targets), deletes, the server's 422/409/404 answers, and exactly one
GET /api/syscommands/commit after a batch that changed something."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sarklib import (COMMIT, LOGIN, apply_csv, calls, count, pbx, sark_sim)  # noqa: E402

WRITES = ("POST", "PUT", "DELETE")


def _writes(log):
    return [x for x in log if x["method"] in WRITES]


def _row(rows, pkey):
    return next((r for r in rows if r["pkey"] == pkey), None)


def _lines(r):
    """Output lines of apply keyed by CSV line number."""
    out = {}
    for line in r.out.splitlines():
        head = line.split(" ", 1)[0]
        if head.isdigit():
            out[int(head)] = line
    return out


def test_sark_apply_batch_commits_once(pbxtop):
    with sark_sim("s7") as sim:
        cfg = sim.write_config()
        since = sim.last_seq()
        rows = [
            ["op", "view", "id", "extension", "type", "enabled", "callerid", "name", "members",
             "strategy", "ring_time", "outcome"],
            ["create", "extensions", "", "1020", "webrtc", "false", "441632960120", "", "", "",
             "", ""],
            ["update", "extensions", "1002", "", "", "", "1002", "", "", "", "", ""],
            ["delete", "extensions", "1008", "", "", "", "", "", "", "", "", ""],
            ["create", "ringgroups", "", "520", "", "", "", "Lab group", "1001 1009", "Hunt",
             "25", "Operator"],
            ["update", "ringgroups", "500", "", "", "", "", "Sales team", "1001 1002", "", "",
             ""],
            ["delete", "ringgroups", "510", "", "", "", "", "", "", "", "", ""],
        ]
        r = apply_csv(pbxtop, sim, cfg, "s7", rows, "--yes")
        assert r.rc == 0, r
        lines = _lines(r)
        assert sorted(lines) == [2, 3, 4, 5, 6, 7], r
        assert lines[2].startswith("2 extensions create 1020: ok"), lines
        assert lines[4].startswith("4 extensions delete 1008: ok"), lines
        assert "committed" in r.err, r
        st = sim.state("s7")
        new = _row(st["extensions"], "1020")
        assert new and new["device"] == "WebRTC" and new["transport"] == "wss", new
        assert new["active"] == "NO" and new["callerid"] == "441632960120", new
        assert _row(st["extensions"], "1002")["callerid"] == "1002"
        assert _row(st["extensions"], "1008") is None
        rg = _row(st["ringgroups"], "520")
        assert rg and rg["longdesc"] == "Lab group" and rg["out"] == "1001 1009", rg
        assert rg["grouptype"] == "Hunt" and rg["ringdelay"] == "25", rg
        assert _row(st["ringgroups"], "500")["longdesc"] == "Sales team"
        assert _row(st["ringgroups"], "500")["out"] == "1001 1002"
        assert _row(st["ringgroups"], "510") is None
        # Exactly one commit, after every write, and nothing left uncommitted.
        log = sim.requests(backend="s7", since=since)
        assert count(log, *COMMIT) == 1, calls(log)
        last_write = max(i for i, x in enumerate(log) if x["method"] in WRITES)
        commit_at = [i for i, x in enumerate(log) if (x["method"], x["path"]) == COMMIT][0]
        assert commit_at > last_write, calls(log)
        assert st["commits"] == 1 and st["uncommitted"] == 0, st
        # The requests themselves: typed create, then the PUT for what it does not take.
        bodies = {(x["method"], x["path"]): json.loads(x["body"]) if x["body"] else None
                  for x in _writes(log)}
        assert bodies[("POST", "/api/extensions/webrtc")] == {"pkey": "1020",
                                                              "cluster": "default"}, bodies
        assert bodies[("PUT", "/api/extensions/1020")] == {"active": "NO",
                                                           "callerid": "441632960120"}, bodies
        assert bodies[("PUT", "/api/extensions/1002")] == {"callerid": "1002"}, bodies
        assert bodies[("DELETE", "/api/extensions/1008")] is None
        assert bodies[("POST", "/api/ringgroups")] == {
            "pkey": "520", "longdesc": "Lab group", "grouptype": "Hunt", "ringdelay": 25,
            "out": "1001 1009", "cluster": "default", "outcome": "Operator"}, bodies
        assert bodies[("PUT", "/api/ringgroups/500")] == {"longdesc": "Sales team",
                                                          "out": "1001 1002"}, bodies
        for x in _writes(log):
            if x["body"]:
                assert x["headers"].get("content-type") == "application/json", x


def test_sark_apply_l11_with_token(pbxtop):
    with sark_sim("s11") as sim:
        cfg = sim.write_config()
        since = sim.last_seq()
        rows = [["op", "view", "id", "extension", "enabled", "location"],
                ["create", "ext", "", "1030", "", ""],
                ["update", "ext", "1001", "", "false", "remote"]]
        r = apply_csv(pbxtop, sim, cfg, "s11", rows, "--yes")
        assert r.rc == 0, r
        st = sim.state("s11")
        assert _row(st["extensions"], "1030")["desc"] == "Ext1030"
        assert _row(st["extensions"], "1001")["active"] == "NO"
        assert _row(st["extensions"], "1001")["location"] == "remote"
        log = sim.requests(backend="s11", since=since)
        assert count(log, *LOGIN) == 1, calls(log)
        assert count(log, *COMMIT) == 1 and st["commits"] == 1, calls(log)
        for x in log:
            if x["path"] != "/api/auth/login":
                assert x["headers"]["authorization"].startswith("Bearer "), x
        # Ring groups: not on L11, refused before anything is sent.
        since = sim.last_seq()
        rows = [["op", "view", "id", "extension", "outcome"], ["create", "rg", "", "530", "None"]]
        r = apply_csv(pbxtop, sim, cfg, "s11", rows, "--yes")
        assert r.rc in (2, 5), r
        assert "ringgroups" in r.out + r.err, r
        assert not _writes(sim.requests(backend="s11", since=since))


def test_sark_apply_server_validation_errors(pbxtop):
    with sark_sim("s7") as sim:
        cfg = sim.write_config()
        since = sim.last_seq()
        rows = [["op", "view", "id", "extension", "type", "cluster", "macaddr"],
                ["update", "extensions", "1001", "", "", "nosuch", ""],
                ["create", "extensions", "", "1040", "provisioned", "", "aabbcc112233"]]
        r = apply_csv(pbxtop, sim, cfg, "s7", rows, "--yes")
        assert r.rc == 1, r
        lines = _lines(r)
        assert "failed: cluster: The selected cluster is invalid." in lines[2], lines
        assert "failed: macaddr: Vendor not found" in lines[3], lines
        st = sim.state("s7")
        assert _row(st["extensions"], "1001")["cluster"] == "default"
        assert _row(st["extensions"], "1040") is None
        # Nothing changed: no commit.
        assert count(sim.requests(backend="s7", since=since), *COMMIT) == 0
        assert st["commits"] == 0


def test_sark_apply_create_then_put_partly_fails(pbxtop):
    with sark_sim("s7") as sim:
        cfg = sim.write_config()
        # The typed create takes pkey and cluster only; dvrvmail goes in the PUT after it, and
        # SARK refuses a voicemail box that does not exist.
        rows = [["op", "view", "id", "extension", "dvrvmail"],
                ["create", "extensions", "", "1050", "9999"]]
        r = apply_csv(pbxtop, sim, cfg, "s7", rows, "--yes")
        assert r.rc == 1, r
        line = _lines(r)[2]
        assert line.startswith("2 extensions create 1050: partial: created, but"), line
        assert "dvrvmail: The selected dvrvmail is invalid." in line, line
        st = sim.state("s7")
        assert _row(st["extensions"], "1050") is not None
        assert _row(st["extensions"], "1050")["dvrvmail"] is None
        # The record exists now: the batch changed something, so it is committed, once.
        assert st["commits"] == 1, st["commits"]


def test_sark_apply_schema_refusals_send_nothing(pbxtop):
    with sark_sim("s7") as sim:
        cfg = sim.write_config()
        since = sim.last_seq()
        cases = [
            ([["op", "view", "id", "name"], ["update", "ext", "1001", "New name"]], "read-only"),
            ([["op", "view", "id", "transport"], ["update", "ext", "1001", "sctp"]], "transport"),
            ([["op", "view", "id", "callerid"], ["update", "ext", "1001", "0123"]], "callerid"),
            ([["op", "view", "id", "extension", "type"], ["create", "ext", "", "1060",
                                                          "provisioned"]], "macaddr"),
            ([["op", "view", "id", "extension"], ["create", "rg", "", "540"]], "outcome"),
            ([["op", "view", "id", "extension"], ["update", "ext", "1001", "1002"]], "extension"),
            ([["op", "view", "id"], ["delete", "ext", "10/01"]], "10/01"),
        ]
        for rows, word in cases:
            r = apply_csv(pbxtop, sim, cfg, "s7", rows, "--yes")
            assert r.rc in (1, 2), (rows, r)
            assert word in r.out + r.err, (rows, word, r)
        assert not _writes(sim.requests(backend="s7", since=since))
        assert sim.state("s7")["commits"] == 0


def test_sark_apply_delete_already_gone_is_not_auth(pbxtop):
    with sark_sim("s11") as sim:
        cfg = sim.write_config()
        # Between pbxtop's re-read and its DELETE someone else deleted the extension: SARK
        # answers 404 "No query results for model": already gone, and no reason to log in.
        sim.fault(backend="s11", kind="status", status=404, method="DELETE",
                  path="^/api/extensions/1009$", count=1,
                  body='{"message":"No query results for model [App\\\\Models\\\\Extension] 1009"}')
        since = sim.last_seq()
        rows = [["op", "view", "id"], ["delete", "extensions", "1009"]]
        r = apply_csv(pbxtop, sim, cfg, "s11", rows, "--yes")
        assert r.rc == 0, r
        assert _lines(r)[2].startswith("2 extensions delete 1009: gone"), r
        log = sim.requests(backend="s11", since=since)
        assert count(log, *LOGIN) == 1, calls(log)
        assert count(log, *COMMIT) == 0, calls(log)


def test_sark_apply_dry_run_sends_no_writes(pbxtop):
    with sark_sim("s7") as sim:
        cfg = sim.write_config()
        since = sim.last_seq()
        rows = [["op", "view", "id", "callerid"], ["update", "ext", "1003", "42"],
                ["delete", "rg", "501", ""]]
        r = apply_csv(pbxtop, sim, cfg, "s7", rows, "--dry-run")
        assert r.rc == 0, r
        log = sim.requests(backend="s7", since=since)
        assert log and all(x["method"] == "GET" for x in log), calls(log)
        assert count(log, *COMMIT) == 0
        assert _row(sim.state("s7")["extensions"], "1003")["callerid"] == "1003"


def test_sark_apply_commit_failure_is_reported(pbxtop):
    with sark_sim("s7") as sim:
        cfg = sim.write_config()
        sim.fault(backend="s7", kind="status", status=500, path="^/api/syscommands/commit$",
                  body='{"message":"srkgenAst failed"}')
        rows = [["op", "view", "id", "celltwin"], ["update", "ext", "1004", "ON"]]
        r = apply_csv(pbxtop, sim, cfg, "s7", rows, "--yes")
        assert r.rc == 1, r
        assert "COMMIT FAILED" in r.err, r
        assert _row(sim.state("s7")["extensions"], "1004")["celltwin"] == "ON"


def test_sark_apply_rate_limited_write(pbxtop):
    with sark_sim("s10") as sim:
        cfg = sim.write_config()
        sim.fault(backend="s10", kind="status", status=429, method="PUT", count=1)
        rows = [["op", "view", "id", "sndcreds"], ["update", "ext", "1005", "Once"]]
        r = apply_csv(pbxtop, sim, cfg, "s10", rows, "--yes")
        assert r.rc == 1, r
        assert "rate limited" in _lines(r)[2], r
        assert _row(sim.state("s10")["extensions"], "1005")["sndcreds"] == "Always"


def test_sark_apply_read_only_backend(pbxtop):
    with sark_sim("s7") as sim:
        cfg = sim.write_config(extra={"s7": "read_only = true"})
        rows = [["op", "view", "id", "celltwin"], ["update", "ext", "1004", "ON"]]
        r = apply_csv(pbxtop, sim, cfg, "s7", rows, "--yes")
        assert r.rc != 0 and "read-only" in r.out + r.err, r
        assert not _writes(sim.requests(backend="s7"))
        r = pbx(pbxtop, sim, ["-c", cfg, "hangup", "-b", "s7", "--yes",
                              sim.state("s7")["channels"][0]["Channel"]])
        assert r.rc != 0 and not _writes(sim.requests(backend="s7")), r
