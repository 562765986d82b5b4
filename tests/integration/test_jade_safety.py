"""jade backend, batch commands: faults, config errors, TLS, environment and hostile text.

Each test starts its own simulator (tests/sim/pbxsim.py) and runs pbxtop against it."""

import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from jadelib import (CHANNELS, LOGIN, PASSWORD, assert_no_secrets, backend_msg, calls,  # noqa
                     get, hangup, jade_sim, no_control_bytes, parse_table, pbx, reqs,
                     section, spki_pin, write)


def _fault_run(pbxtop, sim, cfg, fault, **kw):
    sim.clear_faults()
    sim.reset()
    sim.fault(backend="office", **fault)
    r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json", **kw)
    assert_no_secrets(sim, [r])
    msgs = backend_msg(r)
    assert len(msgs) == 1, "one clear message on stderr for %r: %r" % (fault, r)
    assert r.out.strip() in ("", "[]"), "no data may be shown for %r: %r" % (fault, r)
    return r, msgs[0]


# ---------------------------------------------------------------- faults

def test_fault_malformed_json(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        r, msg = _fault_run(pbxtop, sim, cfg, dict(kind="malformed", path="/core/channels"))
        assert r.rc == 1, r
        assert "JSON" in msg, r


def test_fault_oversize_body(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        for chunked in (False, True):
            r, msg = _fault_run(pbxtop, sim, cfg,
                                dict(kind="oversize", chunked=chunked, path="/core/channels"))
            assert r.rc in (1, 3), r
            assert "16 MiB" in msg, "the message should name the 16 MiB limit: %r" % r
            assert r.elapsed < 10, r


def test_fault_hang_times_out(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config(extra={"office": "timeout = 2"})
        for path in ("/core/channels", "/login"):
            try:
                r, msg = _fault_run(pbxtop, sim, cfg, dict(kind="hang", path=path), timeout=20)
            finally:
                sim.clear_faults()          # release the held request
            assert r.rc == 3, (path, r)
            assert re.search(r"in time|timed? ?out", msg, re.I), (path, r)
            assert 1.5 < r.elapsed < 10, "timeout = 2 should end the run in about 2 s: %r" % r


def test_fault_drop(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        for reset in (False, True):
            r, msg = _fault_run(pbxtop, sim, cfg,
                                dict(kind="drop", reset=reset, path="/core/channels"))
            assert r.rc == 3, r
            assert msg, r


def test_fault_http_status(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        r, msg = _fault_run(pbxtop, sim, cfg, dict(kind="status", status=503,
                                                   path="/core/channels"))
        assert r.rc == 1, r
        assert "HTTP 503" in msg, r
        # An error body full of terminal escapes is not echoed raw.
        r, msg = _fault_run(pbxtop, sim, cfg, dict(kind="status", status=502,
                                                   path="/core/channels",
                                                   body="\x1b]2;PWNED\x07\x1b[2J oops"))
        assert r.rc == 1, r
        no_control_bytes(r.err_b, "stderr")


def test_backend_stopped(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        sim.stop()
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json")
        assert r.rc == 3, r
        msgs = backend_msg(r)
        assert len(msgs) == 1 and "connect" in msgs[0].lower(), r
        assert r.elapsed < 10, r
        h = hangup(pbxtop, cfg, "-b", "office", "--yes", "1700000000.1")
        assert h.rc == 3, h
        assert "connect" in (h.out + h.err).lower(), h
        for x in (r, h):
            assert PASSWORD not in x.out + x.err, x


def test_slow_backend_within_timeout(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config(extra={"office": "timeout = 5"})
        sim.fault(backend="office", kind="delay", ms=800, path="/core/channels", count=1)
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json")
        assert r.rc == 0 and len(json.loads(r.out)) == 6, r
        assert_no_secrets(sim, [r])


# ---------------------------------------------------------------- configuration

def _lines_upto(text, needle):
    """1-based line number of the first line of text that starts with needle."""
    for i, line in enumerate(text.split("\n"), 1):
        if line.startswith(needle):
            return i
    raise AssertionError("%r not in config" % needle)


def test_config_unknown_key(pbxtop):
    with jade_sim() as sim:
        text = "[pbxtop]\nrefresh = 1\n\n" + section(sim, extra="colour = red")
        cfg = write(sim, text)
        r = get(pbxtop, cfg, "ch")
        assert r.rc == 2, r
        n = _lines_upto(text, "colour")
        assert cfg in r.err and re.search(r"\b%d\b" % n, r.err) and "colour" in r.err, \
            "message must name file, line %d and key: %r" % (n, r)
        assert reqs(sim) == []


def test_config_bad_type(pbxtop):
    with jade_sim() as sim:
        for key, val in (("timeout", "soon"), ("read_only", "maybe"), ("refresh", "often")):
            where = "[pbxtop]\n%s = %s\n\n" % (key, val) if key == "refresh" else "[pbxtop]\n\n"
            text = where + section(sim, extra="" if key == "refresh" else "%s = %s" % (key, val))
            cfg = write(sim, text, name="bad-%s.ini" % key)
            r = get(pbxtop, cfg, "ch")
            assert r.rc == 2, (key, r)
            n = _lines_upto(text, key)
            assert cfg in r.err and re.search(r"\b%d\b" % n, r.err) and key in r.err, \
                "message must name file, line %d and key %s: %r" % (n, key, r)
        assert reqs(sim) == []


def test_config_http_url_refused(pbxtop):
    with jade_sim() as sim:
        text = "[pbxtop]\nrefresh = 1\n\n" + section(sim).replace(sim.url("office"),
                                                                "http://10.9.8.7:8081")
        cfg = write(sim, text)
        r = get(pbxtop, cfg, "ch")
        assert r.rc == 2, r
        sect, url = _lines_upto(text, "[office]"), _lines_upto(text, "url")
        assert cfg in r.err, r
        assert re.search(r"\b(%d|%d)\b" % (url, sect), r.err), \
            "message must name the line (url on %d, section on %d): %r" % (url, sect, r)
        assert "http" in r.err, r


def test_config_password_file_mode(pbxtop):
    """A password in config.ini is refused whatever the file's mode (secrets belong in the
    keyring); `keyring import` refuses to read one that other users can read."""
    own = {"PBXTOP_PASSPHRASE_FD": "0"}  # this test's configs keep their password lines
    with jade_sim() as sim:
        for mode in (0o644, 0o640, 0o604, 0o600):
            cfg = write(sim, section(sim), name="m%o.ini" % mode, mode=mode)
            r = pbx(pbxtop, ["-c", cfg, "get", "ch"], env=own)
            assert r.rc == 2, (oct(mode), r)
            assert cfg in r.err and "secrets belong in the keyring" in r.err, r
            assert "pbxtop keyring import" in r.err and PASSWORD not in r.err, r
            if mode == 0o600:
                continue
            r = pbx(pbxtop, ["-c", cfg, "keyring", "import"],
                    env=dict(own, XDG_DATA_HOME=os.path.join(sim.dir, "data")))
            assert r.rc == 2 and cfg in r.err and "chmod 600" in r.err, r
            assert PASSWORD not in r.err, r
        assert reqs(sim) == []


def test_config_missing_file(pbxtop):
    with jade_sim() as sim:
        path = os.path.join(sim.dir, "no", "such.ini")
        for args in (["get", "ch"], ["hangup", "-b", "office", "--yes", "1.2"]):
            r = pbx(pbxtop, ["-c", path] + args)
            assert r.rc == 2, r
            assert path in r.err, r
        # Without -c, XDG_CONFIG_HOME decides.
        xdg = os.path.join(sim.dir, "xdg")
        r = pbx(pbxtop, ["get", "ch"], env={"XDG_CONFIG_HOME": xdg})
        assert r.rc == 2 and os.path.join(xdg, "pbxtop", "config.ini") in r.err, r


# ---------------------------------------------------------------- TLS and environment

def _tls_cfg(sim, extra, name):
    return write(sim, section(sim, ca=False, extra=extra), name=name)


def test_tls_system_store_rejects_self_signed(pbxtop):
    with jade_sim() as sim:
        cfg = _tls_cfg(sim, "", "noca.ini")
        r = get(pbxtop, cfg, "ch", "-b", "office")
        assert r.rc == 3, r
        msgs = backend_msg(r)
        assert len(msgs) == 1 and re.match(r"(channels: )?TLS", msgs[0]), \
            "the message should start with TLS: %r" % r
        assert reqs(sim) == [], "nothing may be sent over an unverified link: %r" % calls(reqs(sim))
        h = hangup(pbxtop, cfg, "-b", "office", "--yes", "1700000000.1")
        assert h.rc == 3 and "TLS" in h.out + h.err, h
        assert reqs(sim) == []


def test_tls_insecure(pbxtop):
    with jade_sim() as sim:
        cfg = _tls_cfg(sim, "insecure = true", "insecure.ini")
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json")
        assert r.rc == 0 and len(json.loads(r.out)) == 6, r


def test_tls_pin(pbxtop):
    with jade_sim() as sim:
        pin = spki_pin(sim.cert)
        cfg = _tls_cfg(sim, "pin = %s" % pin, "pin.ini")
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json")
        assert r.rc == 0 and len(json.loads(r.out)) == 6, r
        cfg = write(sim, section(sim, extra="pin = %s" % pin), name="pin-ca.ini")
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json")
        assert r.rc == 0, "pin and ca_file together: %r" % r
        # A wrong pin fails, with or without a CA that would trust the server.
        wrong = "sha256//" + "A" * 43 + "="
        for ca in (False, True):
            cfg = write(sim, section(sim, ca=ca, extra="pin = %s" % wrong), name="wrong.ini")
            seq = sim.last_seq()
            r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json")
            assert r.rc == 3, r
            msgs = backend_msg(r)
            assert msgs and "TLS" in msgs[0], r
            assert reqs(sim, since=seq) == [], calls(reqs(sim, since=seq))


def test_proxy_environment_ignored(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        dead = "http://127.0.0.1:9"
        env = {k: dead for k in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY",
                                 "all_proxy", "ALL_PROXY")}
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json", env=env,
                unset=("no_proxy", "NO_PROXY"))
        assert r.rc == 0 and len(json.loads(r.out)) == 6, r
        assert calls(reqs(sim)) == [LOGIN, CHANNELS], calls(reqs(sim))


def test_sslkeylogfile_ignored(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        keylog = os.path.join(sim.dir, "keys.log")
        if shutil.which("curl"):
            # Control: this libcurl/OpenSSL does honour SSLKEYLOGFILE, so the check below
            # means something.
            subprocess.run(["curl", "-s", "-o", "/dev/null", "--cacert", sim.cert,
                            sim.url("office") + "/v1/admin/core/channels"],
                           env=dict(os.environ, SSLKEYLOGFILE=keylog), timeout=20)
            if os.path.exists(keylog):
                os.unlink(keylog)
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json", env={"SSLKEYLOGFILE": keylog})
        assert r.rc == 0, r
        assert not os.path.exists(keylog), "pbxtop wrote TLS keys to SSLKEYLOGFILE"
        uid = sim.state("office")["channels"][0]["unique_id"]
        h = hangup(pbxtop, cfg, "-b", "office", "--yes", uid, env={"SSLKEYLOGFILE": keylog})
        assert h.rc == 0, h
        assert not os.path.exists(keylog), "pbxtop wrote TLS keys to SSLKEYLOGFILE"


# ---------------------------------------------------------------- hostile text

HOSTILE_NAME = "Zo\x1b]2;PWNED\x07 \u009b31m C1 \u202eevil\u202c \udc80\udcfe end"


def test_hostile_caller_name(pbxtop):
    with jade_sim(channels=2) as sim:
        cfg = sim.write_config()
        chan = sim.op("office", "add_channel", channel={
            "caller_id_name": HOSTILE_NAME,
            "caller_id_num": "\x1b[31m555\x1b[0m",
            "connected_line_name": "\u2066bidi\u2069 \x7f\x08\x0d",
            "channel": "PJSIP/x\x1b[2J-0001",
        })
        uid = chan["unique_id"]
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json")
        assert r.rc == 0, r
        text = no_control_bytes(r.out_b, "get -o json")
        records = json.loads(text)
        assert len(records) == 3, records
        mine = [x for x in records if x["id"] == uid]
        assert mine, records
        name = mine[0]["caller_name"]
        assert "\\x1b" in name, "ESC should be shown escaped as \\x1b: %r" % name
        assert "PWNED" in name and "end" in name, "the text around escapes is kept: %r" % name
        for c in ("\x1b", "\x07", "\x9b", "\u202e", "\u202c"):
            assert c not in name, (c, name)
        for field in ("caller_num", "connected_name", "channel"):
            value = mine[0][field]
            assert not any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f or c in "\u2066\u2069"
                           for c in value), (field, value)
        for fmt in ("csv", "table"):
            r = get(pbxtop, cfg, "ch", "-b", "office", "-o", fmt)
            assert r.rc == 0, r
            out = no_control_bytes(r.out_b, "get -o " + fmt)
            assert "PWNED" in out, out
            assert len(out.splitlines()) == 4, "a control character must not split a row: %r" % out
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "json", "--raw")
        assert r.rc == 0, r
        json.loads(no_control_bytes(r.out_b, "get -o json --raw"))
        # The same text through the filter path.
        r = get(pbxtop, cfg, "ch", "-b", "office", "-o", "table", "--filter", "PWNED")
        assert r.rc == 0, r
        assert len(parse_table(no_control_bytes(r.out_b, "filtered table"))[1]) == 1, r.out


def test_hostile_hangup_id_echo(pbxtop):
    with jade_sim() as sim:
        cfg = sim.write_config()
        r = hangup(pbxtop, cfg, "-b", "office", "--yes", "\x1b]2;PWNED\x07\u202e1.2")
        assert r.rc in (1, 2), r
        no_control_bytes(r.out_b, "hangup stdout")
        no_control_bytes(r.err_b, "hangup stderr")
        assert reqs(sim) == []


def test_c_locale_output_is_ascii(pbxtop):
    """In a non-UTF-8 locale, `get` prints ASCII only: escapes instead of UTF-8, and no UTF-8
    ellipsis when a long cell is cut."""
    with jade_sim(channels=1) as sim:
        sim.op("office", "add_channel", channel={
            "caller_id_name": "M\u00fcller \u4e2d\u6587 " + "x" * 80 + " \x1b[1m",
            "connected_line_name": "Ren\u00e9e"})
        cfg = sim.write_config()
        for fmt in ("table", "csv", "json"):
            r = get(pbxtop, cfg, "ch", "-b", "office", "-o", fmt,
                    env={"LC_ALL": "C", "LANG": "C"})
            assert r.rc == 0, r
            bad = sorted({b for b in r.out_b if b >= 0x80 or (b < 0x20 and b != 0x0a)})
            assert not bad, "-o %s in the C locale printed non-ASCII bytes %s: %r" % (
                fmt, [hex(b) for b in bad], r.out_b[:600])
