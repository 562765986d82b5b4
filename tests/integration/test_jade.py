"""jade backend, batch commands: channel data, login and tokens, hang up.

Each test starts its own simulator (tests/sim/pbxsim.py) and runs pbxtop against it."""

import csv
import io
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jadelib import (BACKEND_FIELDS, CHANNELS, JADE_MAP, JSON_FIELDS, LOGIN, LOGOUT, PASSWORD,  # noqa
                     assert_no_secrets, backend_msg, calls, chan_path, count, get, hangup,
                     jade_sim, parse_table, pbx, reqs, section, spawn, uid_epoch, wait_until,
                     write)


def _expected(sim, backend):
    """The simulator's channels as pbxtop's normalised records, keyed by id."""
    out = {}
    for c in sim.state(backend)["channels"]:
        rec = {k: c[v] for k, v in JADE_MAP.items()}
        rec["backend"] = backend
        out[rec["id"]] = rec
    return out


def _check_records(records, expected, now):
    got_ids = [r["id"] for r in records]
    assert len(got_ids) == len(set(got_ids)), "duplicate ids in %s" % got_ids
    assert set(got_ids) == set(expected), \
        "ids differ: pbxtop %s, simulator %s" % (sorted(got_ids), sorted(expected))
    for r in records:
        assert list(r) == JSON_FIELDS, "record keys %s, expected %s" % (list(r), JSON_FIELDS)
        exp = expected[r["id"]]
        for k in JADE_MAP:
            assert r[k] == exp[k], "%s: field %s is %r, simulator has %r" % (r["id"], k, r[k],
                                                                          exp[k])
        assert r["backend"] == exp["backend"], r
        d = r["duration"]
        assert isinstance(d, int) and not isinstance(d, bool), "duration not a number: %r" % r
        want = now - uid_epoch(r["id"])
        assert abs(d - want) <= 2.5, "%s: duration %s, expected about %.1f" % (r["id"], d, want)


# ---------------------------------------------------------------- channel data

def test_get_channels_json_matches_simulator(pbxtop):
    with jade_sim() as sim:
        # One call with a known age besides the seeded ones (10 min old at most).
        sim.op("office", "add_channel", channel={"kind": "dial", "age": 3725})
        cfg = sim.write_config()
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json")
        now = time.time()
        assert r.rc == 0, r
        assert r.err == "", "stderr should be empty on success: %r" % r
        records = json.loads(r.out)
        assert isinstance(records, list)
        expected = _expected(sim, "office")
        assert len(expected) == 7
        _check_records(records, expected, now)
        assert any(3720 <= rec["duration"] <= 3732 for rec in records), \
            "the channel started 3725 s ago: %r" % [rec["duration"] for rec in records]


def test_get_channels_json_raw(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        r = get(pbxtop, cfg, "channels", "-b", "office", "-o", "json", "--raw")
        assert r.rc == 0, r
        records = json.loads(r.out)
        state = {c["unique_id"]: c for c in sim.state("office")["channels"]}
        assert len(records) == len(state) == 6
        for rec in records:
            assert list(rec) == JSON_FIELDS + ["raw"], list(rec)
            raw = rec["raw"]
            assert raw == state[rec["id"]], "raw differs from the simulator's object:\n%r\n%r" % (
                raw, state[rec["id"]])
            assert raw["channel_state"] in (4, 5, 6) and isinstance(raw["priority"], str), raw


def test_get_channels_empty(pbxtop):
    with jade_sim(channels=0) as sim:
        cfg = sim.write_config()
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json")
        assert r.rc == 0 and json.loads(r.out) == [], r
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "csv")
        assert r.rc == 0, r
        assert r.out.splitlines() == [",".join(JSON_FIELDS)], r


def test_get_channels_csv(pbxtop):
    with jade_sim() as sim:
        sim.op("office", "add_channel",
               channel={"caller_id_name": 'Smith, "Bob" Jr.', "caller_id_num": "2099"})
        cfg = sim.write_config()
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "csv")
        now = time.time()
        assert r.rc == 0, r
        lines = r.out.splitlines()
        assert lines[0] == ",".join(JSON_FIELDS), "csv header: %r" % lines[0]
        rows = list(csv.reader(io.StringIO(r.out)))
        assert all(len(row) == len(JSON_FIELDS) for row in rows), rows
        records = [dict(zip(JSON_FIELDS, row)) for row in rows[1:]]
        for rec in records:
            rec["duration"] = int(rec["duration"])
        _check_records(records, _expected(sim, "office"), now)
        quoted = [rec for rec in records if rec["caller_num"] == "2099"]
        assert quoted and quoted[0]["caller_name"] == 'Smith, "Bob" Jr.', \
            "a comma and quotes must survive CSV quoting: %r" % r.out


def test_get_channels_table(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        # table is the default format
        r = get(pbxtop, cfg, "ch", "-b", "office")
        assert r.rc == 0, r
        names, rows = parse_table(r.out)
        assert names == [f.upper() for f in JSON_FIELDS], "table header: %r" % names
        expected = _expected(sim, "office")
        assert len(rows) == len(expected), "%d rows for %d channels:\n%s" % (
            len(rows), len(expected), r.out)
        for row in rows:
            rec = dict(zip(JSON_FIELDS, row))
            exp = expected.get(rec["id"])
            assert exp, "unknown id in row %r" % row
            for k in ("channel", "state", "caller_num", "caller_name", "exten", "application"):
                assert rec[k] == exp[k], "row %r: %s is %r, expected %r" % (row, k, rec[k], exp[k])
            assert rec["backend"] == "office" and rec["duration"].isdigit(), row
        r2 = get(pbxtop, cfg, "ch", "-b", "office", "-o", "table")
        assert r2.rc == 0 and parse_table(r2.out)[0] == names, r2


def test_get_channels_filter(pbxtop):
    with jade_sim() as sim:
        sim.op("office", "add_channel", channel={"caller_id_name": "Quincy Filtertest"})
        sim.op("office", "add_channel", channel={"connected_line_name": "QUINCY FILTERTEST"})
        cfg = sim.write_config()
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json", "--filter", "quincy filtertest")
        assert r.rc == 0, r
        got = json.loads(r.out)
        assert len(got) == 2, "the filter is case-insensitive and matches any field: %r" % got
        # A filter on the channel name: exactly the simulator's trunk channels.
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json", "--filter", "PJSIP/trunk")
        assert r.rc == 0, r
        want = {c["unique_id"] for c in sim.state("office")["channels"]
                if "pjsip/trunk" in c["channel"].lower()}
        assert want and {x["id"] for x in json.loads(r.out)} == want, (r, want)
        # No match: an empty result is not an error.
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json", "--filter", "no-such-thing-zz")
        assert r.rc == 0 and json.loads(r.out) == [], r
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "csv", "--filter", "quincy")
        assert r.rc == 0 and len(r.out.splitlines()) == 3, r


def test_get_channels_all_backends(pbxtop):
    with jade_sim("office", "branch") as sim:
        sim.op("branch", "add_channel", channel={"caller_id_name": "Branch Only"})
        cfg = sim.write_config()
        expected = _expected(sim, "office")
        branch = _expected(sim, "branch")
        for args in (["-b", "@all"], []):
            r = get(pbxtop, cfg, "ch", "-o", "json", *args)
            now = time.time()
            assert r.rc == 0, r
            records = json.loads(r.out)
            for name, exp in (("office", _expected(sim, "office")), ("branch", branch)):
                mine = [x for x in records if x["backend"] == name]
                _check_records(mine, exp, now)
            assert len(records) == len(expected) + len(branch), records
        # Each backend logged in once and fetched its channels once per run.
        for name in ("office", "branch"):
            log = reqs(sim, backend=name)
            assert count(log, *LOGIN) == 2 and count(log, *CHANNELS) == 2, calls(log)
        # One backend only.
        r = get(pbxtop, cfg, "ch", "-o", "json", "-b", "branch")
        assert r.rc == 0 and {x["backend"] for x in json.loads(r.out)} == {"branch"}, r


def test_get_all_with_one_backend_failing(pbxtop):
    with jade_sim("office", "branch") as sim:
        cfg = sim.write_config()
        sim.fault(backend="branch", kind="status", status=503, path="/core/channels")
        r = get(pbxtop, cfg, "ch", "-b", "@all", "-o", "json")
        assert r.rc == 1, "one backend failed: exit 1 expected: %r" % r
        records = json.loads(r.out)
        assert records and {x["backend"] for x in records} == {"office"}, r
        assert backend_msg(r, "branch") and "503" in backend_msg(r, "branch")[0], r
        assert not backend_msg(r, "office"), r


def test_get_unknown_backend_and_bad_usage(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        r = get(pbxtop, cfg, "ch", "-b", "nosuch")
        assert r.rc == 2 and "nosuch" in r.err, r
        r = get(pbxtop, cfg, "ch", "-o", "xml")
        assert r.rc == 2 and "xml" in r.err, r
        r = get(pbxtop, cfg, "nosuchview")
        assert r.rc == 2 and "nosuchview" in r.err, r
        assert reqs(sim) == [], "usage errors must not reach the backend: %r" % calls(reqs(sim))


def test_get_views_not_offered(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        for view in ("extensions", "ext", "ringgroups", "rg", "queuemembers", "qm", "queues",
                     "q"):
            r = get(pbxtop, cfg, view, "-b", "office", "-o", "json")
            if r.rc == 0:
                continue            # implemented meanwhile: nothing to check here
            assert r.rc == 5, "get %s: exit %s, expected 0 or 5: %r" % (view, r.rc, r)
            msgs = backend_msg(r)
            assert len(msgs) == 1 and msgs[0], "one line naming the reason: %r" % r
            assert r.out.strip() in ("", "[]"), "no table that looks like 'no data': %r" % r


def test_get_backends(pbxtop):
    with jade_sim("office", "branch") as sim:
        cfg = sim.write_config(extra={"branch": "read_only = true"})
        r = get(pbxtop, cfg, "be", "-o", "json")
        assert r.rc == 0, r
        rows = json.loads(r.out)
        assert [x["name"] for x in rows] == ["office", "branch"], rows
        for x in rows:
            assert list(x) == BACKEND_FIELDS, list(x)
            assert x["type"] == "jade" and x["url"] == sim.url(x["name"]), x
            assert x["state"] == "up", x
            assert isinstance(x["latency_ms"], int) and 0 <= x["latency_ms"] < 10000, x
            assert isinstance(x["last_poll_age"], int) and 0 <= x["last_poll_age"] <= 5, x
            assert x["error"] in (None, ""), x
        assert rows[0]["read_only"] is False and rows[1]["read_only"] is True, rows
        r = get(pbxtop, cfg, "backends")
        assert r.rc == 0, r
        names, table = parse_table(r.out)
        assert names == [f.upper() for f in BACKEND_FIELDS], names
        assert [row[0] for row in table] == ["office", "branch"], r.out
        assert all(row[4] == "up" and row[6].isdigit() for row in table), r.out


def test_get_backends_states(pbxtop):
    with jade_sim("office", "branch") as sim:
        cfg = sim.write_config()
        sim.op("branch", "set_credentials", password="changed-on-the-server")
        r = get(pbxtop, cfg, "be", "-o", "json")
        assert r.rc == 3, r
        rows = {x["name"]: x for x in json.loads(r.out)}
        assert rows["office"]["state"] == "up", rows
        assert rows["branch"]["state"] == "auth-failed", rows
        assert "password" in (rows["branch"]["error"] or ""), rows
        sim.stop()
        r = get(pbxtop, cfg, "be", "-o", "json")
        assert r.rc == 3, r
        assert {x["state"] for x in json.loads(r.out)} == {"down"}, r


def test_get_backends_reports_each_error_once(pbxtop):
    """`get be` with a failing backend prints its error on stderr once, like `get ch`."""
    with jade_sim("office", "branch") as sim:
        cfg = sim.write_config()
        sim.op("branch", "set_credentials", password="changed-on-the-server")
        r = get(pbxtop, cfg, "be")
        assert r.rc == 3, r
        msgs = backend_msg(r, "branch")
        assert len(msgs) == 1, "the error of backend branch is printed %d times: %r" % (
            len(msgs), r.err)


# ---------------------------------------------------------------- login and tokens

def test_login_basic_then_authtoken(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json")
        assert r.rc == 0, r
        log = reqs(sim)
        assert calls(log) == [LOGIN, CHANNELS], calls(log)
        login, chans = log[:2]
        auth = login["headers"].get("authorization", "")
        assert auth.startswith("Basic "), "login must use Basic auth: %r" % login["headers"]
        import base64
        assert base64.b64decode(auth[6:]).decode() == "admin:" + PASSWORD, auth
        assert "authtoken" not in login["query"], login
        tok = chans["query"].get("authtoken")
        assert tok and re.fullmatch(r"[0-9a-f-]{36}", tok), chans["query"]
        assert "authorization" not in chans["headers"], \
            "the Basic credentials must not be sent after login: %r" % chans["headers"]
        assert_no_secrets(sim, [r])


def test_logout_ends_each_run(pbxtop):
    """A batch run leaves no live token on the server: it logs out with the token it used."""
    with jade_sim() as sim:
        cfg = sim.write_config()
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json")
        assert r.rc == 0, r
        log = reqs(sim)
        assert (log[-1]["method"], log[-1]["path"]) == LOGOUT, [(x["method"], x["path"]) for x in log]
        assert log[-1]["query"].get("authtoken") == log[1]["query"].get("authtoken"), log
        assert sim.state("office")["tokens"] == 0, sim.state("office")["tokens"]


def test_token_reused_within_one_run(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        ids = sorted(c["unique_id"] for c in sim.state("office")["channels"])[:3]
        r = hangup(pbxtop, cfg, "-b", "office", "--yes", *ids)
        assert r.rc == 0, r
        log = reqs(sim)
        assert count(log, *LOGIN) == 1, "one login per run: %r" % calls(log)
        deletes = [x for x in log if x["method"] == "DELETE" and x["path"] != LOGOUT[1]]
        assert sorted(x["path"] for x in deletes) == sorted(chan_path(i) for i in ids), calls(log)
        toks = {x["query"].get("authtoken") for x in deletes}
        assert len(toks) == 1 and None not in toks, "one token for all calls: %r" % toks
        assert all("authorization" not in x["headers"] for x in deletes), log
        assert_no_secrets(sim, [r])


def test_relogin_once_after_403(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        sim.fault(backend="office", kind="status", status=403, count=1, path="/core/channels")
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json")
        assert r.rc == 0, r
        assert len(json.loads(r.out)) == 6, r
        log = reqs(sim)
        assert calls(log) == [LOGIN, CHANNELS, LOGIN, CHANNELS], calls(log)
        assert "fault" in log[1] and "fault" not in log[3], log
        assert log[1]["query"]["authtoken"] != log[3]["query"]["authtoken"], \
            "the retry must use the new token"
        # The same for a hangup: a refused token means the DELETE was not carried out.
        uid = sim.state("office")["channels"][0]["unique_id"]
        sim.fault(backend="office", kind="status", status=403, count=1, method="DELETE")
        seq = sim.last_seq()
        h = hangup(pbxtop, cfg, "-b", "office", "--yes", uid)
        assert h.rc == 0 and h.out == "%s: hung up\n" % uid, h
        log = reqs(sim, since=seq)
        assert calls(log) == [LOGIN, CHANNELS, ("DELETE", chan_path(uid)), LOGIN,
                              ("DELETE", chan_path(uid))], calls(log)
        assert uid not in {c["unique_id"] for c in sim.state("office")["channels"]}
        assert_no_secrets(sim, [r, h])


def test_relogin_when_tokens_expire_mid_run(pbxtop):
    """Tokens expire while a hangup is in flight: pbxtop logs in again and finishes the batch
    without hanging up anything twice."""
    with jade_sim() as sim:
        cfg = sim.write_config()
        ids = sorted(c["unique_id"] for c in sim.state("office")["channels"])[:2]
        # The first DELETE of ids[0] waits 1.5 s before jade checks its token.
        sim.fault(backend="office", kind="delay", ms=1500, method="DELETE",
                  path=re.escape(chan_path(ids[0])) + "$", count=1)
        p = spawn(pbxtop, ["-c", cfg, "hangup", "-b", "office", "--yes"] + ids, popen=True,
                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                  stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_until(lambda: any(x["method"] == "DELETE" and x["path"] == chan_path(ids[0])
                                   for x in reqs(sim)), timeout=10,
                       what="pbxtop's DELETE of the first channel")
            assert sim.op("office", "expire_tokens")["expired"] >= 1
            out, err = p.communicate(timeout=20)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        assert p.returncode == 0, (p.returncode, out, err)
        assert sorted(out.splitlines()) == sorted("%s: hung up" % i for i in ids), out
        log = reqs(sim)
        assert count(log, "DELETE", chan_path(ids[0])) == 2, \
            "the refused DELETE is retried once: %r" % calls(log)
        # ids[1] normally went out and finished before the expiry; if it raced with the
        # expiry it was refused too and retried once.
        second = count(log, "DELETE", chan_path(ids[1]))
        assert second in (1, 2), calls(log)
        logins = count(log, *LOGIN)
        assert logins == 2 or (second == 2 and logins == 3), \
            "one re-login per refused token at most: %r" % calls(log)
        left = {c["unique_id"] for c in sim.state("office")["channels"]}
        assert not left & set(ids), left


def test_persistent_403_no_login_storm(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        sim.fault(backend="office", kind="status", status=403, path="/core/channels")
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json")
        assert r.rc == 3, r
        msgs = backend_msg(r)
        assert msgs and "authentication failed" in msgs[0].lower(), r
        log = reqs(sim)
        assert count(log, *LOGIN) == 2, "one re-login, not more: %r" % calls(log)
        assert count(log, *CHANNELS) == 2, calls(log)
        assert len(log) == 4, calls(log)
        assert json.loads(r.out) == [], r
        # Same for hangup: refused token twice → auth failure, exit 3.
        sim.clear_faults()
        sim.fault(backend="office", kind="status", status=403, method="DELETE")
        uid = sim.state("office")["channels"][0]["unique_id"]
        seq = sim.last_seq()
        h = hangup(pbxtop, cfg, "-b", "office", "--yes", uid)
        assert h.rc == 3, h
        assert "authentication failed" in h.out.lower() + h.err.lower(), h
        log = reqs(sim, since=seq)
        assert count(log, *LOGIN) == 2 and count(log, "DELETE", chan_path(uid)) == 2, calls(log)
        assert_no_secrets(sim, [r, h])


def test_wrong_credentials(pbxtop):
    with jade_sim() as sim:
        sim.op("office", "set_credentials", password="not-the-configured-one")
        cfg = sim.write_config()
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json")
        assert r.rc == 3, r
        msgs = backend_msg(r)
        assert len(msgs) == 1, r
        assert "wrong username or password" in msgs[0], r
        log = reqs(sim)
        assert calls(log) == [LOGIN], "one login attempt and nothing else: %r" % calls(log)
        h = hangup(pbxtop, cfg, "-b", "office", "--yes", "1700000000.1")
        assert h.rc == 3, h
        assert "wrong username or password" in h.out + h.err, h
        assert calls(reqs(sim)) == [LOGIN, LOGIN], calls(reqs(sim))
        assert_no_secrets(sim, [r, h])


def test_login_bad_answers(pbxtop):
    """A login that answers 400, 500 or garbage is a clear failure, not a crash or a loop."""
    with jade_sim() as sim:
        cfg = sim.write_config()
        for fault, codes in ((dict(kind="status", status=400), (1, 3)),
                             (dict(kind="status", status=500), (1, 3)),
                             (dict(kind="malformed"), (1, 3)),
                             (dict(kind="status", status=200, body='{"api_ver":"0.1"}'), (1, 3))):
            sim.clear_faults()
            sim.fault(backend="office", path="/login", **fault)
            seq = sim.last_seq()
            r = get(pbxtop, cfg, "ch", "-b", "office")
            assert r.rc in codes, (fault, r)
            assert backend_msg(r), (fault, r)
            log = reqs(sim, since=seq)
            assert count(log, *LOGIN) == 1 and count(log, *CHANNELS) == 0, (fault, calls(log))
            assert_no_secrets(sim, [r])


# ---------------------------------------------------------------- hang up

def test_hangup_one(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        uid = sim.state("office")["channels"][2]["unique_id"]
        r = hangup(pbxtop, cfg, "-b", "office", "--yes", uid)
        assert r.rc == 0, r
        assert r.out == "%s: hung up\n" % uid, r
        log = reqs(sim)
        # DESIGN 7: the targets are re-read right before the change is sent
        assert calls(log) == [LOGIN, CHANNELS, ("DELETE", chan_path(uid))], calls(log)
        left = [c["unique_id"] for c in sim.state("office")["channels"]]
        assert uid not in left and len(left) == 5, left


def test_hangup_unknown_id_is_already_gone(pbxtop):
    """The re-read shows the channel is not there: nothing is sent for it."""
    with jade_sim() as sim:
        cfg = sim.write_config()
        uid = "1700000000.4242"
        r = hangup(pbxtop, cfg, "-b", "office", "--yes", uid)
        assert r.rc == 0, r
        assert r.out == "%s: channel already gone\n" % uid, r
        log = reqs(sim)
        assert calls(log) == [LOGIN, CHANNELS], calls(log)
        assert len(sim.state("office")["channels"]) == 6


def test_hangup_channel_ending_before_the_delete(pbxtop):
    """Listed at the re-read, gone when the DELETE lands: jade answers 500, pbxtop asks for
    the channel (404 in jade's envelope) and reports it gone, not a failure."""
    with jade_sim() as sim:
        cfg = sim.write_config()
        uid = sim.state("office")["channels"][0]["unique_id"]
        sim.fault(backend="office", kind="status", status=500, method="DELETE",
                  path=re.escape(chan_path(uid)))
        sim.fault(backend="office", kind="status", status=404, method="GET",
                  path=re.escape(chan_path(uid)) + "$")
        r = hangup(pbxtop, cfg, "-b", "office", "--yes", uid)
        assert r.rc == 0, r
        assert r.out == "%s: channel already gone\n" % uid, r
        log = reqs(sim)
        assert calls(log) == [LOGIN, CHANNELS, ("DELETE", chan_path(uid)),
                              ("GET", chan_path(uid))], calls(log)


def test_hangup_500_while_channel_exists_fails(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        uid = sim.state("office")["channels"][0]["unique_id"]
        sim.fault(backend="office", kind="status", status=500, method="DELETE")
        r = hangup(pbxtop, cfg, "-b", "office", "--yes", uid)
        assert r.rc == 1, r
        line = r.out.strip()
        assert line.startswith(uid + ": ") and line != uid + ": hung up", r
        assert "gone" not in line, "the channel is still there: %r" % r
        log = reqs(sim)
        assert count(log, "DELETE", chan_path(uid)) == 1, "no blind retry of a DELETE: %r" % \
            calls(log)
        assert count(log, "GET", chan_path(uid)) == 1, calls(log)
        assert uid in {c["unique_id"] for c in sim.state("office")["channels"]}


def test_hangup_404_is_not_proof_of_gone(pbxtop):
    """jade answers a hangup of an unknown id with 500, never 404; a bare 404 (no envelope)
    comes from a route that did not match (a proxy, a wrong url prefix). It must not be
    reported as success while the channel is still up: re-check like for 500."""
    with jade_sim() as sim:
        cfg = sim.write_config()
        uid = sim.state("office")["channels"][0]["unique_id"]
        sim.fault(backend="office", kind="status", status=404, body="", method="DELETE")
        r = hangup(pbxtop, cfg, "-b", "office", "--yes", uid)
        assert uid in {c["unique_id"] for c in sim.state("office")["channels"]}
        assert r.out.strip() not in (uid + ": hung up", uid + ": channel already gone"), \
            "the channel is still up, yet pbxtop reports: %r" % r
        assert r.rc == 1, r


def test_hangup_several_mixed(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        live = [c["unique_id"] for c in sim.state("office")["channels"]][:2]
        gone = "1700000000.77"
        r = hangup(pbxtop, cfg, "-b", "office", "--yes", live[0], gone, live[1])
        assert r.rc == 0, r
        assert sorted(r.out.splitlines()) == sorted(
            ["%s: hung up" % live[0], "%s: hung up" % live[1],
             "%s: channel already gone" % gone]), r
        log = reqs(sim)
        for uid in live:
            assert count(log, "DELETE", chan_path(uid)) == 1, calls(log)
        # the re-read showed it gone: nothing was sent for it
        assert count(log, "DELETE", chan_path(gone)) == 0, calls(log)
        assert not set(live) & {c["unique_id"] for c in sim.state("office")["channels"]}


def test_hangup_invalid_ids_never_sent(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        # "." and ".." matter most: libcurl removes dot segments, so they would address
        # /v1/admin/core/channels/ or /v1/admin/core/ instead of a channel.
        for bad in ("bad/id", "../x", "..", ".", "a?b=1", "a#b", "a b", "x%2f..", "\u202e1.2",
                    "1.2\n3", ""):
            r = hangup(pbxtop, cfg, "-b", "office", "--yes", bad)
            assert r.rc in (1, 2), "id %r: %r" % (bad, r)
            assert "hung up" not in r.out and "already gone" not in r.out, (bad, r)
            assert reqs(sim) == [], "id %r reached the simulator: %r" % (bad, calls(reqs(sim)))
        # A valid id next to an invalid one: only the valid one goes out.
        uid = sim.state("office")["channels"][0]["unique_id"]
        r = hangup(pbxtop, cfg, "-b", "office", "--yes", uid, "../x")
        assert r.rc == 1, r
        assert "%s: hung up" % uid in r.out.splitlines(), r
        paths = [p for _, p in calls(reqs(sim))]
        assert not any(".." in p or p.endswith("/x") for p in paths), paths
        assert count(reqs(sim), "DELETE", chan_path(uid)) == 1


def test_hangup_needs_confirmation(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        uid = sim.state("office")["channels"][0]["unique_id"]
        # No terminal: refused. A "y" piped into stdin must not count as a confirmation.
        for stdin in (None, b"y\n", b"yes\n"):
            r = pbx(pbxtop, ["-c", cfg, "hangup", "-b", "office", uid], stdin=stdin)
            assert r.rc == 2, r
            assert "hung up" not in r.out and r.err.strip(), r
        log = reqs(sim)
        assert not any(x["method"] == "DELETE" for x in log), calls(log)
        assert len(sim.state("office")["channels"]) == 6


def test_hangup_usage_errors(pbxtop):
    with jade_sim("office", "branch") as sim:
        cfg = sim.write_config()
        for args in (["--yes", "1.2"], ["-b", "office", "--yes"], ["-b", "@all", "--yes", "1.2"],
                     ["-b", "nosuch", "--yes", "1.2"]):
            r = hangup(pbxtop, cfg, *args)
            assert r.rc == 2, (args, r)
            assert r.err.strip(), r
        assert reqs(sim) == [], calls(reqs(sim))


def test_hangup_refused_when_read_only(pbxtop):
    with jade_sim() as sim:
        uid = sim.state("office")["channels"][0]["unique_id"]
        configs = {
            "backend": "[pbxtop]\nrefresh = 1\n\n" + section(sim, extra="read_only = true"),
            "global": "[pbxtop]\nread_only = true\n\n" + section(sim),
        }
        for where, text in configs.items():
            cfg = write(sim, text, name="ro-%s.ini" % where)
            r = hangup(pbxtop, cfg, "-b", "office", "--yes", uid)
            assert r.rc != 0, (where, r)
            said = (r.out + r.err).lower()
            assert "read-only" in said or "read only" in said, (where, r)
            assert "%s: hung up" % uid not in r.out.splitlines(), (where, r)
            log = reqs(sim)
            assert not any(x["method"] == "DELETE" for x in log), (where, calls(log))
        assert uid in {c["unique_id"] for c in sim.state("office")["channels"]}


def test_hangup_refused_with_read_only_option(pbxtop):
    """`pbxtop --read-only hangup ...`: the option is accepted before the subcommand, so it
    must either be honoured (refuse) or rejected as a usage error; it must never hang up."""
    with jade_sim() as sim:
        cfg = sim.write_config()
        uid = sim.state("office")["channels"][0]["unique_id"]
        r = pbx(pbxtop, ["-c", cfg, "--read-only", "hangup", "-b", "office", "--yes", uid])
        log = reqs(sim)
        assert not any(x["method"] == "DELETE" for x in log), \
            "--read-only was ignored: a DELETE was sent (%r); %r" % (calls(log), r)
        assert r.rc != 0, r
        assert uid in {c["unique_id"] for c in sim.state("office")["channels"]}
