"""SARK V6 backend (type sark), batch commands against the simulator: every view of every
variant equals the simulator's data, the quirks of contracts/jade-sark-issabel.md §3 (L11's
404 for a refused token, the 404 for an empty AMI list, 3 s AMI calls, the L7/L10 throttle,
L10's missing hangup), hang up end to end, and auth failures."""

import json
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sarklib import (CHANNELS, EMAIL, EXTENSIONS, LOGIN, LOGOUT, PASSWORD, VARIANTS,  # noqa
                     Tmux, backend_msg, calls, check_records, count,
                     expected, get, pbx, sark_sim, wait_until)

VIEWS = ("extensions", "ringgroups", "channels", "queuemembers", "queues")


def _get_json(pbxtop, sim, cfg, view, backend):
    r = get(pbxtop, sim, cfg, view, "-b", backend, "-o", "json")
    assert r.rc == 0, r
    assert r.err == "", "stderr should be empty on success: %r" % r
    return json.loads(r.out)


# ---------------------------------------------------------------- every view

def test_sark_views_match_simulator(pbxtop):
    with sark_sim() as sim:
        cfg = sim.write_config()
        for name, variant in VARIANTS.items():
            for view in VIEWS:
                if view == "ringgroups" and variant == "L11":
                    continue
                records = _get_json(pbxtop, sim, cfg, view, name)
                want = expected(sim.state(name), view, name)
                assert want, "the simulator should seed some %s" % view
                check_records(records, want, view)


def test_sark_get_all_backends_at_once(pbxtop):
    with sark_sim() as sim:
        cfg = sim.write_config()
        r = get(pbxtop, sim, cfg, "ext", "-o", "json", "-b", "@all")
        assert r.rc == 0, r
        records = json.loads(r.out)
        for name in VARIANTS:
            mine = [x for x in records if x["backend"] == name]
            check_records(mine, expected(sim.state(name), "extensions", name), "extensions")


def test_sark_raw_is_the_servers_object(pbxtop):
    with sark_sim("s7", "s11") as sim:
        cfg = sim.write_config()
        for name in ("s7", "s11"):
            r = get(pbxtop, sim, cfg, "ext", "-b", name, "-o", "json", "--raw")
            assert r.rc == 0, r
            rows = {x["pkey"]: x for x in sim.state(name)["extensions"]}
            recs = json.loads(r.out)
            assert len(recs) == len(rows) == 10
            for rec in recs:
                assert rec["raw"] == rows[rec["id"]], (rec["raw"], rows[rec["id"]])
                # SARK's strings for everything: still strings in raw, normalised outside
                assert rec["raw"]["active"] in ("YES", "NO") and isinstance(rec["enabled"], bool)
        r = get(pbxtop, sim, cfg, "rg", "-b", "s7", "-o", "json", "--raw")
        recs = json.loads(r.out)
        assert all(isinstance(x["raw"]["ringdelay"], str) and isinstance(x["ring_time"], int)
                   for x in recs), recs


def test_sark_every_request_accepts_json(pbxtop):
    with sark_sim("s7", "s11") as sim:
        cfg = sim.write_config()
        for view in ("ext", "ch", "qm"):
            assert get(pbxtop, sim, cfg, view, "-b", "@all").rc == 0
        log = sim.requests()
        assert log
        for req in log:
            assert req["headers"].get("accept") == "application/json", req
            assert req["path"].startswith("/api/"), req
            auth = req["headers"].get("authorization")
            if req["backend"] == "s7":
                assert auth is None, "L7 has no auth: %r" % req
            elif req["path"] != "/api/auth/login":
                assert re.fullmatch(r"Bearer \d+\|[A-Za-z0-9]{48}", auth or ""), req


def test_sark_l11_has_no_ring_groups(pbxtop):
    with sark_sim("s11", "s7") as sim:
        cfg = sim.write_config()
        r = get(pbxtop, sim, cfg, "rg", "-b", "s11", "-o", "json")
        assert r.rc == 5, r
        assert backend_msg(r, "s11") == ["SARK L11 has no ring groups"], r
        assert r.out.strip() in ("", "[]"), r
        assert sim.requests(backend="s11") == [], calls(sim.requests(backend="s11"))
        # With @all the L7 backend still answers; the L11 one says why it has none.
        r = get(pbxtop, sim, cfg, "rg", "-b", "@all", "-o", "json")
        assert r.rc == 0, r
        assert {x["backend"] for x in json.loads(r.out)} == {"s7"}, r
        assert backend_msg(r, "s11") == ["SARK L11 has no ring groups"], r


# ---------------------------------------------------------------- quirks

def test_sark_empty_ami_list_is_an_empty_view(pbxtop):
    with sark_sim() as sim:
        cfg = sim.write_config()
        for name in VARIANTS:
            sim.op(name, "clear_channels")
            sim.op(name, "clear_queues")
        since = sim.last_seq()
        for name in VARIANTS:
            for view in ("channels", "queuemembers", "queues"):
                r = get(pbxtop, sim, cfg, view, "-b", name, "-o", "json")
                assert r.rc == 0 and json.loads(r.out) == [], r
                assert r.err == "", r
            r = get(pbxtop, sim, cfg, "ch", "-b", name, "-o", "csv")
            assert r.rc == 0 and r.out.splitlines() == [
                "backend,id,channel,state,caller_num,caller_name,connected_num,connected_name,"
                "context,exten,application,duration"], r
            r = get(pbxtop, sim, cfg, "be", "-b", name, "-o", "json")
            assert r.rc == 0 and json.loads(r.out)[0]["state"] == "up", r
        # The server did answer 404 each time (and pbxtop did not log in again for it).
        for name in VARIANTS:
            log = sim.requests(backend=name, since=since)
            assert count(log, *CHANNELS) >= 2, calls(log)
            logins = count(log, *LOGIN)
            assert logins == (5 if name == "s11" else 0), calls(log)


def test_sark_ami_errors_are_clear(pbxtop):
    with sark_sim("s7", "s11") as sim:
        cfg = sim.write_config()
        for mode, words in (("down", "PBX not running"), ("auth_failed", "AMI auth failed"),
                            ("unreachable", "Could not connect to the PBX")):
            for name in ("s7", "s11"):
                sim.op(name, "set_ami", mode=mode)
                r = get(pbxtop, sim, cfg, "ch", "-b", name, "-o", "json")
                assert r.rc == 1, r
                msgs = backend_msg(r, name)
                assert len(msgs) == 1 and words in msgs[0] and "channels" in msgs[0], r
                # Only the first JSON value of the body: no PHP warning text in the message.
                assert "Warning" not in r.err and "<b>" not in r.err, r
                assert json.loads(r.out) == [], r
                # Extensions come from the database, not AMI: still fine.
                r = get(pbxtop, sim, cfg, "ext", "-b", name, "-o", "json")
                assert r.rc == 0 and len(json.loads(r.out)) == 10, r


def test_sark_l11_refused_token_one_relogin_then_auth_error(pbxtop):
    with sark_sim("s11") as sim:
        cfg = sim.write_config()
        # A user without the isAdmin role logs in fine, but every admin URL is a 404.
        sim.op("s11", "set_role", role="user")
        since = sim.last_seq()
        r = get(pbxtop, sim, cfg, "ext", "-b", "s11", "-o", "json")
        assert r.rc == 3, r
        msgs = backend_msg(r, "s11")
        assert len(msgs) == 1 and "authentication failed" in msgs[0] and "admin" in msgs[0], r
        log = sim.requests(backend="s11", since=since)
        assert calls(log)[:4] == [LOGIN, EXTENSIONS, LOGIN, EXTENSIONS], calls(log)
        assert count(log, *LOGIN) == 2 and count(log, *EXTENSIONS) == 2, calls(log)
        r = get(pbxtop, sim, cfg, "be", "-b", "s11", "-o", "json")
        assert r.rc == 3 and json.loads(r.out)[0]["state"] == "auth-failed", r


def test_sark_l11_revoked_token_relogs_in_silently(pbxtop):
    with sark_sim("s11") as sim:
        cfg = sim.write_config()
        # The first answer to the extensions list is the fallback 404 (the token was revoked,
        # e.g. by another login of the same user): one fresh login, then the data.
        sim.fault(backend="s11", kind="status", status=404, path="^/api/extensions$", count=1,
                  body='{"message":"Unauthorised\\/Page Not Found"}')
        since = sim.last_seq()
        records = _get_json(pbxtop, sim, cfg, "ext", "s11")
        check_records(records, expected(sim.state("s11"), "extensions", "s11"), "extensions")
        log = sim.requests(backend="s11", since=since)
        assert calls(log) == [LOGIN, EXTENSIONS, LOGIN, EXTENSIONS, LOGOUT], calls(log)
        # A 404 that is not the fallback (a model not found) is no reason to log in again.
        sim.fault(backend="s11", kind="status", status=404, path="^/api/extensions$", count=1,
                  body='{"message":"No query results for model [App\\\\Models\\\\Extension] 1"}')
        since = sim.last_seq()
        r = get(pbxtop, sim, cfg, "ext", "-b", "s11", "-o", "json")
        assert r.rc == 1 and "404" in backend_msg(r, "s11")[0], r
        assert count(sim.requests(backend="s11", since=since), *LOGIN) == 1


def test_sark_l11_login_revokes_older_tokens(pbxtop):
    with sark_sim("s11") as sim:
        cfg = sim.write_config()
        assert get(pbxtop, sim, cfg, "ext", "-b", "s11").rc == 0
        # pbxtop logged out at the end: no token is left on the server.
        st = sim.state("s11")
        assert st["tokens"] == 0 and st["logins"] == 1, st


def test_sark_l11_bad_credentials(pbxtop):
    with sark_sim("s11") as sim:
        cfg = sim.write_config()
        sim.op("s11", "set_credentials", password="changed-on-the-server")
        since = sim.last_seq()
        r = get(pbxtop, sim, cfg, "ch", "-b", "s11", "-o", "json")
        assert r.rc == 3, r
        msgs = backend_msg(r, "s11")
        assert len(msgs) == 1 and "wrong email or password" in msgs[0], r
        assert PASSWORD not in r.err and PASSWORD not in r.out, r
        log = sim.requests(backend="s11", since=since)
        assert calls(log) == [LOGIN], "one login, nothing else: %r" % calls(log)
        login = json.loads(log[0]["body"])
        assert login == {"email": EMAIL, "password": PASSWORD}, login
        assert log[0]["headers"].get("content-type") == "application/json", log[0]


def test_sark_config_needs_variant_and_l11_credentials(pbxtop):
    with sark_sim("s11") as sim:
        base = "[s11]\ntype = sark\nurl = %s\nca_file = %s\n" % (sim.url("s11"), sim.cert)
        cases = [("", "variant"), ("variant = L12\n", "variant"),
                 ("variant = L11\npassword = x\n", "username"),
                 ("variant = L11\nusername = a@b.c\n", "password")]
        for extra, key in cases:
            path = os.path.join(sim.dir, "bad.ini")
            with open(path, "w") as f:
                f.write(base + extra)
            os.chmod(path, 0o600)
            r = get(pbxtop, sim, path, "ext", "-b", "s11")
            assert r.rc == 2, (extra, r)
            if key == "password":  # the secret is the keyring's: its entry is missing
                assert "[s11] needs a password or token" in r.err, (extra, r)
                assert "run: pbxtop keyring set s11" in r.err, (extra, r)
            else:
                assert re.search(r":\d+: \[s11\] %s: " % key, r.err), (extra, r)
        # L7 and L10 need no credentials at all.
        path = os.path.join(sim.dir, "l7.ini")
        with open(path, "w") as f:
            f.write(base + "variant = l7\n")
        sim.op("s11", "set_variant", variant="L7")
        assert get(pbxtop, sim, path, "ext", "-b", "s11").rc == 0
        assert calls(sim.requests()) == [EXTENSIONS]


def test_sark_slow_ami_does_not_hold_up_other_backends(pbxtop):
    # SARK's astamis calls read AMI until a 3 s silence; jade answers at once.
    specs = [("sark", "sark", {"variant": "L7", "ami_delay": 3}),
             ("office", "jade", {"password": PASSWORD})]
    from sarklib import Sim
    with Sim(specs) as sim:
        cfg = sim.write_config()
        t0 = time.monotonic()
        r = get(pbxtop, sim, cfg, "ch", "-b", "@all", "-o", "json")
        elapsed = time.monotonic() - t0
        assert r.rc == 0, r
        assert {x["backend"] for x in json.loads(r.out)} == {"sark", "office"}, r
        assert 3.0 <= elapsed < 6.5, "one 3 s call, in parallel with jade: %.1fs" % elapsed
        log = sim.requests()
        sark_at = [x["t"] for x in log if (x["method"], x["path"]) == CHANNELS][0]
        jade_at = [x["t"] for x in log if x["path"] == "/v1/admin/core/channels"][0]
        assert jade_at - sark_at < 1.5, "jade was held up by SARK's slow call: %.2fs" % (
            jade_at - sark_at)
        # In the console on the SARK backend: while its 3 s AMI read runs, keys still work.
        t = Tmux("%s -c %s -b sark" % (pbxtop, cfg),
                 env={"HOME": sim.dir, "XDG_CONFIG_HOME": sim.dir,
                      "XDG_STATE_HOME": os.path.join(sim.dir, "state")})
        try:
            t.wait_for("pbxtop", timeout=5)
            sark_chan = sim.state("sark")["channels"][0]["Channel"]
            t0 = time.monotonic()
            t.send("?")
            s = t.wait_for("keys of the channels view", timeout=2)
            assert time.monotonic() - t0 < 1.0, "a key took %.2fs" % (time.monotonic() - t0)
            assert sark_chan not in s
            t.send("Escape")
            t.wait_for(sark_chan, timeout=10)
        finally:
            t.kill()


def test_sark_throttle_retry_after_is_honoured(pbxtop):
    with sark_sim(("s7", {"throttle": 3, "throttle_window": 6, "ami_delay": 0.05})) as sim:
        cfg = sim.write_config()
        r = get(pbxtop, sim, cfg, "ext", "-b", "s7", "-o", "json")
        assert r.rc == 0
        # Two more requests use up the window; the next one is refused with Retry-After.
        assert get(pbxtop, sim, cfg, "ext", "-b", "s7").rc == 0
        assert get(pbxtop, sim, cfg, "ext", "-b", "s7").rc == 0
        r = get(pbxtop, sim, cfg, "ext", "-b", "s7", "-o", "json")
        assert r.rc == 1 and "rate limited" in backend_msg(r, "s7")[0], r
        # The console keeps polling: after a 429 it waits as long as Retry-After says,
        # not its own 1 s backoff.
        sim.op("s7", "set_throttle", limit=3, window=6)   # a fresh window
        since = sim.last_seq()
        t = Tmux("%s -c %s -b s7" % (pbxtop, cfg),
                 env={"HOME": sim.dir, "XDG_CONFIG_HOME": sim.dir,
                      "XDG_STATE_HOME": os.path.join(sim.dir, "state")})
        try:
            wait_until(lambda: sim.state("s7")["throttle"]["throttled"][1:], timeout=12,
                       what="a 429 in the console's polling")
            first = sim.state("s7")["throttle"]["throttled"][1]
            assert first["retry_after"] >= 2, first
            wait_until(lambda: [x for x in sim.requests(backend="s7", since=since)
                                if x["t"] > first["t"] + 0.01], timeout=12,
                       what="the retry after the 429")
            after = [x["t"] for x in sim.requests(backend="s7", since=since)
                     if x["t"] > first["t"] + 0.01][0]
            assert after - first["t"] >= first["retry_after"] - 0.3, (
                "retried %.2fs after a 429 with Retry-After %d" % (after - first["t"],
                                                                    first["retry_after"]))
        finally:
            t.kill()


def test_sark_variant_switch(pbxtop):
    with sark_sim(("pbx", {"variant": "L11"})) as sim:
        l11 = sim.write_config()
        l7 = os.path.join(sim.dir, "l7.ini")
        with open(l7, "w") as f:
            f.write("[pbx]\ntype = sark\nurl = %s\nca_file = %s\nvariant = L7\n" % (
                sim.url("pbx"), sim.cert))
        os.chmod(l7, 0o600)
        # An L11 server: the L11 config works, the L7 one (no login) hits the fallback 404.
        assert get(pbxtop, sim, l11, "ext", "-b", "pbx").rc == 0
        r = get(pbxtop, sim, l7, "ext", "-b", "pbx", "-o", "json")
        assert r.rc == 1, r
        msg = backend_msg(r, "pbx")[0]
        assert "Unauthorised/Page Not Found" in msg and "variant" in msg, r
        # The same server switched to L7: ring groups and no auth; an L11 config cannot log in.
        sim.op("pbx", "set_variant", variant="L7")
        recs = _get_json(pbxtop, sim, l7, "rg", "pbx")
        check_records(recs, expected(sim.state("pbx"), "ringgroups", "pbx"), "ringgroups")
        r = get(pbxtop, sim, l11, "ext", "-b", "pbx", "-o", "json")
        assert r.rc == 3 and "no SARK L11 login" in backend_msg(r, "pbx")[0], r
        # L10: like L7 for reading.
        sim.op("pbx", "set_variant", variant="L10")
        recs = _get_json(pbxtop, sim, l7, "ch", "pbx")
        check_records(recs, expected(sim.state("pbx"), "channels", "pbx"), "channels")


# ---------------------------------------------------------------- hang up

def test_sark_hangup_end_to_end(pbxtop):
    with sark_sim("s7", "s11") as sim:
        cfg = sim.write_config()
        for name in ("s7", "s11"):
            sim.op(name, "clear_channels")
            made = sim.op(name, "add_call", kind="local", age=30)["channels"]
            local = [c for c in made if c.startswith("Local/")][0]
            assert "@" in local and ";" in local, made
            since = sim.last_seq()
            r = pbx(pbxtop, sim, ["-c", cfg, "hangup", "-b", name, "--yes", local])
            assert r.rc == 0, r
            assert r.out.strip() == "%s: hung up" % local, r
            log = sim.requests(backend=name, since=since)
            deletes = [x for x in log if x["method"] == "DELETE"]
            tech, rest = local.split("/", 1)
            want = "/api/astamis/Hangup/%s/%s" % (
                tech, rest.replace("@", "%40").replace(";", "%3B"))
            assert [x["path"] for x in deletes] == [want], calls(log)
            assert deletes[0]["headers"]["accept"] == "application/json"
            assert sim.state(name)["hangups"] == [local]
            # The whole call ended (Asterisk hangs up the bridged parties too).
            assert sim.state(name)["channels"] == [], sim.state(name)["channels"]


def test_sark_hangup_gone_and_invalid(pbxtop):
    with sark_sim("s7") as sim:
        cfg = sim.write_config()
        chans = [c["Channel"] for c in sim.state("s7")["channels"]]
        since = sim.last_seq()
        r = pbx(pbxtop, sim, ["-c", cfg, "hangup", "-b", "s7", "--yes", "PJSIP/9999-0000ffff",
                              "no-slash", "PJSIP/a/b"])
        assert r.rc != 0, r
        out = r.out + r.err
        assert "PJSIP/9999-0000ffff: channel already gone" in out, r
        assert "no-slash" in out and "PJSIP/a/b" in out, r
        log = sim.requests(backend="s7", since=since)
        assert not [x for x in log if x["method"] == "DELETE"], calls(log)
        assert [c["Channel"] for c in sim.state("s7")["channels"]] == chans


def test_sark_hangup_race_no_such_channel(pbxtop):
    # The call ends between pbxtop's re-read and its hangup: SARK answers 200 with the raw AMI
    # text "No such channel", which is "already gone", not a failure.
    with sark_sim("s7") as sim:
        cfg = sim.write_config()
        sim.op("s7", "clear_channels")
        chan = sim.op("s7", "add_call", kind="voicemail")["channels"][0]
        sim.fault(backend="s7", kind="delay", ms=1500, path="^/api/astamis/Hangup/", count=1)
        result = {}
        th = threading.Thread(target=lambda: result.update(
            r=pbx(pbxtop, sim, ["-c", cfg, "hangup", "-b", "s7", "--yes", chan])))
        th.start()
        wait_until(lambda: [x for x in sim.requests(backend="s7") if x["method"] == "DELETE"],
                   timeout=10, what="the hangup request")
        sim.op("s7", "remove_channel", channel=chan)
        th.join(20)
        r = result["r"]
        assert r.rc == 0, r
        assert r.out.strip() == "%s: channel already gone" % chan, r
        assert sim.state("s7")["hangups"] == [chan]


def test_sark_l10_cannot_hang_up(pbxtop):
    with sark_sim("s10") as sim:
        cfg = sim.write_config()
        chan = sim.state("s10")["channels"][0]["Channel"]
        r = pbx(pbxtop, sim, ["-c", cfg, "hangup", "-b", "s10", "--yes", chan])
        assert r.rc == 5, r
        assert "cannot hang up" in r.err, r
        assert sim.requests(backend="s10") == [], calls(sim.requests(backend="s10"))
        assert chan in [c["Channel"] for c in sim.state("s10")["channels"]]
