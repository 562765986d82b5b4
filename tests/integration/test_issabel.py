"""Issabel backend, batch commands: every view against the simulator, JWT login and refresh,
the HTTP-200 quirks, and hang up.  Writes are in test_issabel_writes.py.

Each test starts its own simulator (tests/sim/pbxsim.py, dialect tests/sim/dialect_issabel.py)
and runs pbxtop against it."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from issabellib import (AUTH, CH_FIELDS, EXT_FIELDS, EXTENSIONS, HANGUP, PASSWORD, Q_FIELDS,  # noqa
                        QM_FIELDS, QUEUESTATUS, RENEW, RG_FIELDS, RINGGROUPS, STATUS, calls,
                        check_records, count, expected_channels, expected_extensions,
                        expected_members, expected_queues, expected_ringgroups, get,
                        in_background, issabel_sim, pbx, wait_for_request)


# ---------------------------------------------------------------- every view

def test_get_extensions_matches_simulator(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        r = get(sim, pbxtop, cfg, "ext")
        assert r.rc == 0 and r.err == "", r
        state = sim.state("office")
        assert len(state["extensions"]) == 10
        check_records(r.json, expected_extensions(state), EXT_FIELDS)
        # voicemail and the outbound caller id come through ?fields= on the list
        (req,) = [q for q in sim.requests("office") if q["path"] == EXTENSIONS[1]]
        assert req["query"] == {"fields": "voicemail.enabled,callerid_override.outbound"}, req
        # the secrets of the extensions never reach pbxtop's output, not even with --raw
        r = get(sim, pbxtop, cfg, "ext", "--raw")
        assert r.rc == 0, r
        for e in state["extensions"]:
            if e["secret"]:
                assert e["secret"] not in r.out, "a SIP secret leaked: %r" % r
        assert all("secret" not in rec["raw"] for rec in r.json), r


def test_get_ringgroups_matches_simulator(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        r = get(sim, pbxtop, cfg, "rg")
        assert r.rc == 0 and r.err == "", r
        check_records(r.json, expected_ringgroups(sim.state("office")), RG_FIELDS)
        # ring_time is not in the plain list: ?fields=* adds the detail fields
        (req,) = [q for q in sim.requests("office") if q["path"] == RINGGROUPS[1]]
        assert req["query"] == {"fields": "*"}, req


def test_get_channels_matches_simulator(pbxtop):
    with issabel_sim(calls=4) as sim:
        sim.op("office", "add_call", kind="outbound", age=3725)
        cfg = sim.write_config()
        r = get(sim, pbxtop, cfg, "ch")
        assert r.rc == 0 and r.err == "", r
        state = sim.state("office")
        assert len(state["channels"]) >= 6
        check_records(r.json, expected_channels(state), CH_FIELDS, loose=("duration",))
        assert any(3720 <= c["duration"] <= 3732 for c in r.json), r


def test_get_channels_empty(pbxtop):
    with issabel_sim(calls=0) as sim:
        cfg = sim.write_config()
        r = get(sim, pbxtop, cfg, "ch")
        assert r.rc == 0 and r.json == [], r


def test_get_queuemembers_matches_simulator(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        r = get(sim, pbxtop, cfg, "qm")
        assert r.rc == 0 and r.err == "", r
        state = sim.state("office")
        check_records(r.json, expected_members(state), QM_FIELDS)
        paused = [m for m in r.json if m["paused"]]
        assert paused and paused[0]["paused_reason"] == "lunch", r


def test_get_queues_matches_simulator(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        r = get(sim, pbxtop, cfg, "q")
        assert r.rc == 0 and r.err == "", r
        check_records(r.json, expected_queues(sim.state("office")), Q_FIELDS)
        assert count(sim.requests("office"), *QUEUESTATUS) == 1


def test_get_backends_up(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        r = get(sim, pbxtop, cfg, "be")
        assert r.rc == 0, r
        (be,) = r.json
        assert be["type"] == "issabel" and be["state"] == "up" and be["error"] is None, be


# ---------------------------------------------------------------- login and tokens

def test_login_form_then_bearer(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        r = get(sim, pbxtop, cfg, "ext")
        assert r.rc == 0, r
        log = sim.requests("office")
        assert calls(log) == [AUTH, EXTENSIONS], calls(log)
        login, ext = log
        assert login["headers"]["content-type"] == "application/x-www-form-urlencoded", login
        assert login["body"] == "user=admin&password=" + PASSWORD, login
        bearer = ext["headers"]["authorization"]
        assert bearer.startswith("Bearer ey") and bearer.count(".") == 2, ext
        assert ext["headers"].get("accept") == "application/json", ext
        assert "content-type" not in ext["headers"], "no body, no content type: %r" % ext
        for text in (r.out, r.err):
            assert PASSWORD not in text and bearer[7:] not in text, r


def test_expired_token_http200_triggers_refresh(pbxtop):
    """Quirk: an expired access token gets HTTP 200 {"status": "expired"}; pbxtop renews it
    with the refresh token and repeats the call."""
    with issabel_sim(token_ttl=1) as sim:
        cfg = sim.write_config()
        # The call is held 1.5 s before the server looks at it: the token has expired.
        sim.fault(backend="office", kind="delay", ms=1500, path="^/pbxapi/extensions$", count=1)
        r = get(sim, pbxtop, cfg, "ext")
        assert r.rc == 0 and r.err == "", r
        log = sim.requests("office")
        assert calls(log) == [AUTH, EXTENSIONS, RENEW, EXTENSIONS], calls(log)
        first_bearer = log[1]["headers"]["authorization"].split(" ", 1)[1]
        renew = log[2]
        assert renew["query"]["access_token"] == first_bearer, renew
        assert renew["query"]["refresh_token"].count(".") == 2, renew
        assert "authorization" not in renew["headers"], renew
        retry_bearer = log[3]["headers"]["authorization"].split(" ", 1)[1]
        assert retry_bearer != first_bearer, "the retry must carry the renewed token"
        state = sim.state("office")
        assert state["renewals"] == 1 and state["renewals_refused"] == 0, state
        assert state["logins"] == 1, state
        check_records(r.json, expected_extensions(state), EXT_FIELDS)


def test_failed_refresh_falls_back_to_login(pbxtop):
    """A refresh answered {"status": "expired", "type": "refresh"} (HTTP 200): log in with
    the password, then the call goes through."""
    with issabel_sim(token_ttl=1, refresh_ttl=1) as sim:
        cfg = sim.write_config()
        sim.fault(backend="office", kind="delay", ms=1500, path="^/pbxapi/extensions$", count=1)
        r = get(sim, pbxtop, cfg, "ext")
        assert r.rc == 0 and r.err == "", r
        log = sim.requests("office")
        assert calls(log) == [AUTH, EXTENSIONS, RENEW, AUTH, EXTENSIONS], calls(log)
        state = sim.state("office")
        assert state["renewals_refused"] == 1 and state["logins"] == 2, state
        assert len(r.json) == 10, r


def test_refresh_unauthorized_falls_back_to_login(pbxtop):
    with issabel_sim(token_ttl=1) as sim:
        cfg = sim.write_config()
        sim.fault(backend="office", kind="delay", ms=1500, path="^/pbxapi/manager/status$",
                  count=1)
        sim.fault(backend="office", kind="status", status=200, path="^/pbxapi/authenticate/",
                  body='{"status": "unauthorized"}', count=1)
        r = get(sim, pbxtop, cfg, "ch")
        assert r.rc == 0, r
        log = sim.requests("office")
        assert calls(log) == [AUTH, STATUS, RENEW, AUTH, STATUS], calls(log)


def test_wrong_password_exit_3_without_storm(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        text = open(cfg).read().replace("password = %s" % PASSWORD, "password = wrong-pw")
        with open(cfg, "w") as f:
            f.write(text)
        r = get(sim, pbxtop, cfg, "ext")
        assert r.rc == 3, r
        assert "authentication failed" in r.err and "wrong username or password" in r.err, r
        assert "wrong-pw" not in r.err + r.out, r
        assert calls(sim.requests("office")) == [AUTH], "one login, no storm"
        r = get(sim, pbxtop, cfg, "be")
        assert r.json[0]["state"] == "auth-failed", r


def test_persistent_403_no_login_storm(pbxtop):
    """403 with an empty body is Issabel's "bad token": one refresh, one retry, then exit 3."""
    with issabel_sim() as sim:
        cfg = sim.write_config()
        sim.fault(backend="office", kind="status", status=403, body="",
                  path="^/pbxapi/extensions$")
        r = get(sim, pbxtop, cfg, "ext")
        assert r.rc == 3, r
        assert "authentication failed" in r.err, r
        log = sim.requests("office")
        assert calls(log) == [AUTH, EXTENSIONS, RENEW, EXTENSIONS], calls(log)


def test_403_with_a_body_is_not_an_auth_failure(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        sim.fault(backend="office", kind="status", status=403, body="<h1>Forbidden</h1>",
                  path="^/pbxapi/ringgroups$")
        r = get(sim, pbxtop, cfg, "rg")
        assert r.rc == 1 and "HTTP 403" in r.err, r
        assert calls(sim.requests("office")) == [AUTH, RINGGROUPS]


# ---------------------------------------------------------------- Issabel's quirks

def test_manager_ami_unreachable_is_an_error_not_an_empty_list(pbxtop):
    with issabel_sim() as sim:
        sim.op("office", "set_ami", up=False)
        cfg = sim.write_config()
        for view in ("ch", "qm", "q"):
            r = get(sim, pbxtop, cfg, view)
            assert r.rc == 1, r
            assert "Could not connect to AMI" in r.err, r
            assert r.json == [], r
        r = get(sim, pbxtop, cfg, "ext")     # the REST resources answer 500
        assert r.rc == 1 and "Asterisk Manager: Unable to connect" in r.err, r
        r = get(sim, pbxtop, cfg, "be")
        assert r.json[0]["state"] in ("down", "stale"), r


def test_everything_as_strings_normalised(pbxtop):
    """Issabel sends every scalar as a string; pbxtop prints numbers and booleans."""
    with issabel_sim() as sim:
        cfg = sim.write_config()
        r = get(sim, pbxtop, cfg, "rg", "--raw")
        assert r.rc == 0, r
        for rec in r.json:
            assert isinstance(rec["raw"]["ring_time"], str), rec
            assert isinstance(rec["ring_time"], int) and rec["ring_time"] > 0, rec
            assert rec["members"] == rec["raw"]["extension_list"], rec
        r = get(sim, pbxtop, cfg, "qm", "--raw")
        for rec in r.json:
            assert rec["raw"]["Paused"] in ("0", "1") and isinstance(rec["paused"], bool), rec
            assert isinstance(rec["penalty"], int) and isinstance(rec["calls_taken"], int), rec
            assert rec["penalty"] == int(rec["raw"]["Penalty"]), rec
        r = get(sim, pbxtop, cfg, "ext", "--raw")
        for rec in r.json:
            assert rec["raw"]["voicemail"]["enabled"] in ("yes", "no"), rec
            assert rec["voicemail"] is (rec["raw"]["voicemail"]["enabled"] == "yes"), rec
        r = get(sim, pbxtop, cfg, "q", "--raw")
        for rec in r.json:
            assert rec["talk_time"] == int(rec["raw"]["TalkTime"]), rec


def test_php_escaped_slashes_and_hostile_text(pbxtop):
    with issabel_sim(calls=0) as sim:
        sim.op("office", "add_channel", channel={
            "Channel": "PJSIP/2001-0000abcd", "CallerIDName": "Zo\x1b]2;PWNED\x07 \u202eevil",
            "Data": "PJSIP/1000/sip:1000@10.0.0.21"})
        cfg = sim.write_config()
        r = get(sim, pbxtop, cfg, "ch")
        assert r.rc == 0, r
        (rec,) = r.json
        assert rec["id"] == "PJSIP/2001-0000abcd", rec      # "\/" read as "/"
        assert "\x1b" not in r.out and "\u202e" not in r.out and "\x07" not in r.out, r


# ---------------------------------------------------------------- hang up

def test_hangup_end_to_end(pbxtop):
    with issabel_sim(calls=3) as sim:
        cfg = sim.write_config()
        name = sim.state("office")["channels"][0]["Channel"]
        seq = sim.last_seq()
        r = pbx(sim, pbxtop, ["-c", cfg, "hangup", "-b", "office", "--yes", name])
        assert r.rc == 0, r
        assert r.out.strip() == "%s: hung up" % name, r
        log = sim.requests("office", since=seq)
        hangups = [q for q in log if (q["method"], q["path"]) == HANGUP]
        assert len(hangups) == 1, calls(log)
        assert hangups[0]["query"] == {"channel": name}, hangups[0]
        assert "content-type" not in hangups[0]["headers"] and hangups[0]["body"] == ""
        state = sim.state("office")
        assert state["hangups"] == [name], state
        assert name not in [c["Channel"] for c in state["channels"]]


def test_hangup_no_such_channel_is_already_gone(pbxtop):
    """Issabel answers HTTP 200 {"status":"error","message":"No such channel"}: gone."""
    with issabel_sim(calls=2) as sim:
        cfg = sim.write_config()
        name = sim.state("office")["channels"][0]["Channel"]
        seq = sim.last_seq()
        sim.fault(backend="office", kind="delay", ms=1500, path="^/pbxapi/manager/hangup$",
                  count=1)
        join = in_background(lambda: pbx(sim, pbxtop, ["-c", cfg, "hangup", "-b", "office",
                                                        "--yes", name]))
        wait_for_request(sim, *HANGUP, since=seq)
        sim.op("office", "remove_channel", channel=name)   # the call ends meanwhile
        r = join()
        assert r.rc == 0, r
        assert "already gone" in r.out, r
        assert sim.state("office")["hangups"] == []


def test_hangup_invalid_names_never_sent(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        seq = sim.last_seq()
        r = pbx(sim, pbxtop, ["-c", cfg, "hangup", "-b", "office", "--yes", "PJSIP/1 0",
                              "nochannel", "PJSIP/1\r\nX: y"])
        assert r.rc != 0, r
        assert not [q for q in sim.requests("office", since=seq) if q["path"] == HANGUP[1]]


def test_hangup_ami_unreachable_fails(pbxtop):
    with issabel_sim(calls=2) as sim:
        cfg = sim.write_config()
        name = sim.state("office")["channels"][0]["Channel"]
        seq = sim.last_seq()
        sim.fault(backend="office", kind="status", status=200, path="^/pbxapi/manager/hangup$",
                  body='{"status":"error","reason":"Could not connect to AMI"}')
        r = pbx(sim, pbxtop, ["-c", cfg, "hangup", "-b", "office", "--yes", name])
        assert r.rc == 1 and "Could not connect to AMI" in r.out + r.err, r
        assert count(sim.requests("office", since=seq), *HANGUP) == 1


def test_views_config_errors(pbxtop):
    with issabel_sim() as sim:
        cfg = sim.write_config()
        text = open(cfg).read().replace("password = %s\n" % PASSWORD, "")
        with open(cfg, "w") as f:
            f.write(text)
        r = get(sim, pbxtop, cfg, "ext")
        assert r.rc == 2 and "password" in r.err, r
        assert sim.requests("office") == []
