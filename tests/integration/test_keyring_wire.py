"""The keyring as the source of every backend secret (issue 5, parts 5 and 6): config.ini's
`password =` refused, batch commands unlocking with PBXTOP_PASSPHRASE_FD (exit 4 on a wrong
passphrase or a missing keyring), a clear message for a missing entry, and the canary: a
secret set in the keyring never shows in a log, the journal, the screen, `get` output,
/proc/PID/cmdline or the environment of a child."""

import glob
import os
import shlex
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pylib.harness import (PASSPHRASE, PASSWORD_LINE, Sim, Tmux, pbxtop_env,  # noqa: E402
                           prepare_keyring, release_binary, run, wait_until)

CANARY_JADE = "CanaryJade-7f3a9c1e"
CANARY_ISSABEL = "CanaryIssabel-52be0d44"
CANARY_TOKEN = "CanaryToken-e81c6b90"
CANARIES = (CANARY_JADE, CANARY_ISSABEL, CANARY_TOKEN)


def run_with_passphrase(binary, args, env, lines):
    """Run binary with `lines` on a pipe named by PBXTOP_PASSPHRASE_FD; (rc, out, err)."""
    r, w = os.pipe()
    os.write(w, "".join(line + "\n" for line in lines).encode())
    os.close(w)
    e = pbxtop_env(dict(env, PBXTOP_PASSPHRASE_FD=str(r)))
    try:
        p = subprocess.run([binary] + args, env=e, pass_fds=(r,), capture_output=True,
                           text=True, stdin=subprocess.DEVNULL, timeout=60,
                           start_new_session=True)
    finally:
        os.close(r)
    return p.returncode, p.stdout, p.stderr


def test_config_password_refused_naming_import(pbxtop):
    with Sim([("office", "jade", {})]) as sim:
        cfg = sim.write_config()
        with open(cfg) as f:
            assert "password = " in f.read()
        env = pbxtop_env({"PBXTOP_TEST_KDF": "fast"})
        p = subprocess.run([pbxtop, "-c", cfg, "get", "ch"], env=env, capture_output=True,
                           text=True, stdin=subprocess.DEVNULL, timeout=30)
        assert p.returncode == 2, p
        assert "%s:" % cfg in p.stderr and "password: secrets belong in the keyring; run: " \
            "pbxtop keyring import" in p.stderr, p.stderr
        assert "admin\n" not in p.stderr and not p.stdout


def test_batch_commands_unlock_from_the_descriptor(pbxtop):
    with Sim([("office", "jade", {})]) as sim:
        cfg = sim.write_config()
        env = prepare_keyring(pbxtop, cfg)
        with open(cfg) as f:
            assert not PASSWORD_LINE.search(f.read()), "the harness moved it into the keyring"
        rc, out, err = run_with_passphrase(pbxtop, ["-c", cfg, "get", "ch", "-o", "json"], env,
                                           [PASSPHRASE])
        assert rc == 0 and out.startswith("["), (rc, out, err)
        seq = sim.last_seq()
        for args in (["get", "ch"], ["hangup", "-b", "office", "--yes", "x"],
                     ["apply", "/dev/null", "-b", "office", "--yes"]):
            rc, out, err = run_with_passphrase(pbxtop, ["-c", cfg] + args, env, ["wrong"])
            assert rc == 4 and "wrong passphrase" in err, (args, rc, err)
        assert sim.last_seq() == seq, "nothing may reach a backend before the keyring opens"
        # No keyring at all: 4, before any passphrase is read.
        empty = tempfile.mkdtemp(prefix="pbxtop-nokeyring-", dir=sim.dir)
        rc, out, err = run_with_passphrase(pbxtop, ["-c", cfg, "get", "ch"],
                                           dict(env, XDG_DATA_HOME=empty), [])
        assert rc == 4 and "no keyring at" in err and "pbxtop keyring init" in err, err


def test_missing_entry_names_the_fix(pbxtop):
    with Sim([("office", "jade", {}), ("lab", "jade", {})]) as sim:
        cfg = sim.write_config()
        env = prepare_keyring(pbxtop, cfg)
        rc, out, err = run_with_passphrase(pbxtop, ["keyring", "rm", "lab"], env, [PASSPHRASE])
        assert rc == 0, err
        rc, out, err = run_with_passphrase(pbxtop, ["-c", cfg, "get", "ch"], env, [PASSPHRASE])
        assert rc == 2, (rc, err)
        assert "no entry lab" in err and "run: pbxtop keyring set lab" in err, err


def canary_sim():
    return Sim([("office", "jade", {"password": CANARY_JADE}),
                ("pbx", "issabel", {"password": CANARY_ISSABEL}),
                ("dsip", "dsiprouter", {"token": CANARY_TOKEN})])


def assert_clean(what, text):
    for c in CANARIES:
        assert c not in text, "the canary %s is in %s" % (c, what)


def test_canary_never_leaks_from_batch_commands(pbxtop):
    with canary_sim() as sim:
        cfg = sim.write_config()
        log = os.path.join(sim.dir, "trace.log")
        state = os.path.join(sim.dir, "state")
        env = {"PBXTOP_LOG": log, "XDG_STATE_HOME": state}
        outputs = []
        for fmt in ("table", "csv", "json"):
            for view in ("ch", "ext", "be"):
                rc, out, err = run(pbxtop, ["-c", cfg, "get", view, "-b", "@all", "-o", fmt],
                                   env=env)
                outputs.append((rc, out, err))
        rc, out, err = run(pbxtop, ["-c", cfg, "get", "ext", "-b", "@all", "-o", "json",
                                    "--raw"], env=env)
        outputs.append((rc, out, err))
        assert all(o[0] in (0, 5) for o in outputs), outputs
        uid = sim.state("office")["channels"][0]["unique_id"]
        rc, out, err = run(pbxtop, ["-c", cfg, "hangup", "-b", "office", "--yes", uid], env=env)
        assert rc == 0, (rc, out, err)
        outputs.append((rc, out, err))
        rc, out, err = run(pbxtop, ["-c", cfg, "journal", "list"], env=env)
        outputs.append((rc, out, err))
        for rc, out, err in outputs:
            assert_clean("stdout", out)
            assert_clean("stderr", err)
        with open(log) as f:
            text = f.read()
        assert "keyring" in text and len(text) > 1000, "the trace was written"
        assert_clean("the PBXTOP_LOG trace", text)
        journals = glob.glob(os.path.join(state, "pbxtop", "journal", "*"))
        assert journals, "the hang up was journaled"
        for j in journals:
            with open(j, errors="replace") as f:
                assert_clean(j, f.read())
        for name in os.listdir(os.path.dirname(cfg)):
            if name.startswith("config.ini"):
                path = os.path.join(os.path.dirname(cfg), name)
                if os.path.isfile(path):
                    with open(path, errors="replace") as f:
                        assert_clean(path, f.read())


def descendants(pid):
    out = []
    for task in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(task) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            child = int(task.split("/")[2])
            out += [child] + descendants(child)
    return out


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


def test_canary_never_leaks_from_the_console(pbxtop):
    with canary_sim() as sim:
        cfg = sim.write_config()
        log = os.path.join(sim.dir, "console.log")
        t = Tmux("%s -c %s -b @all" % (shlex.quote(pbxtop), shlex.quote(cfg)),
                 env={"TERM": "screen", "PBXTOP_LOG": log})
        try:
            t.wait_for(lambda s: "@all" in s and "CHANNEL" in s, 15)
            pid = wait_until(lambda: next((p for p in descendants(t.pane_pid())
                                           if comm(p).startswith("pbxtop")), None), 5,
                             what="the pbxtop process")
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                cmdline = f.read().decode(errors="replace")
            assert_clean("/proc/PID/cmdline", cmdline)
            assert PASSPHRASE not in cmdline
            for keys in (["Tab"], ["Tab"], [":", "be", "Enter"]):
                for k in keys:
                    if k in ("Tab", "Enter"):
                        t.send(k)
                    else:
                        t.send_literal(k)
                time.sleep(0.5)
                assert_clean("the screen", t.screen(escapes=True))
            t.send("q")
            assert t.exit_code() == 0
        finally:
            t.kill()
        with open(log) as f:
            text = f.read()
        assert "unlocked" in text, text[:2000]
        assert_clean("the console's trace", text)
        assert PASSPHRASE not in text


def test_canary_demo_child_environment(pbxtop):
    """The demo's simulator child gets no secret in its environment or argv, and the demo's
    own keyring never appears on the screen."""
    binary = release_binary(pbxtop)
    tmp = tempfile.mkdtemp(prefix="pbxtop-canary-")
    t = Tmux("%s demo" % shlex.quote(binary), env={"TERM": "screen", "TMPDIR": tmp})
    try:
        t.wait_for(lambda s: "pbxtop · jade-lab (jade)" in s, 30)
        demo = glob.glob(os.path.join(tmp, "pbxtop-demo.*"))[0]
        secrets = []
        with open(os.path.join(demo, "backends.ini")) as f:
            for line in f:
                if line.strip().startswith("password"):
                    secrets.append(line.split("=", 1)[1].strip().strip('"'))
        assert secrets, "the simulator's credentials"
        with open(os.path.join(demo, "config.ini")) as f:
            assert "password" not in f.read(), "the demo's config holds no secret"
        assert os.path.exists(os.path.join(demo, "keyring"))
        pids = descendants(t.pane_pid())
        sim = [p for p in pids if comm(p).startswith("python")]
        assert sim, "the simulator child"
        for p in sim:
            with open("/proc/%d/environ" % p, "rb") as f:
                environ = f.read().decode(errors="replace")
            with open("/proc/%d/cmdline" % p, "rb") as f:
                cmdline = f.read().decode(errors="replace")
            assert "PBXTOP_PASSPHRASE" not in environ
            for fd in os.listdir("/proc/%d/fd" % p):
                try:
                    target = os.readlink("/proc/%d/fd/%s" % (p, fd))
                except OSError:
                    continue
                assert "passphrase" not in target, "the child holds the passphrase file"
            for s in secrets:
                if len(s) >= 6:  # short lab defaults ("admin") are also user names
                    assert s not in environ and s not in cmdline, s
        screen = t.screen(escapes=True)
        for s in secrets:
            if len(s) >= 6:
                assert s not in screen
        t.send("q")
        assert t.exit_code() == 0
    finally:
        t.kill()
        subprocess.run(["rm", "-rf", tmp])
