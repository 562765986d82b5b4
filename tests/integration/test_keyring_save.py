"""Saving the keyring when things go wrong (DESIGN.md §5): strace makes the write fail with
ENOSPC, the fsync with EIO, or kills pbxtop just before the rename; the old keyring must stay
byte for byte and open. Two processes saving 100 times each never lose an update silently.
A canary secret never shows in `keyring list`, other output, argv or the debug log."""

import fcntl
import os
import secrets
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keyringlib import (Home, header, hooked_binary, init, listing, on_release,  # noqa: E402
                        popen, run, set_secret)

from pylib.harness import wait_until  # noqa: E402

PASS = "pass phrase"


def strace(home, call, error):
    """An strace prefix that fails the first `call` (write, fsync) of pbxtop with `error`: the
    first is the keyring's temp file, as the log and pbxtop's message show. (Not -P: strace
    cannot resolve a non-dumpable process's descriptors without CAP_SYS_PTRACE.)"""
    log = os.path.join(home.root, "strace.log")
    # LeakSanitizer cannot run under ptrace: a traced asan build skips only the leak check.
    asan = (os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
    return ["env", "ASAN_OPTIONS=" + asan, "strace", "-f", "-o", log, "-e", "trace=" + call,
            "-e", "inject=%s:error=%s:when=1" % (call, error)], log


def strace_log(log):
    with open(log) as f:
        return f.read()


def prepared(p, home):
    init(p, home)
    assert set_secret(p, home, "office", "old-secret", username="admin").rc == 0
    return home.read_keyring()


def check_intact(p, home, before):
    assert home.read_keyring() == before, "the keyring on disk changed"
    assert listing(p, home) == {"office": ["set", "admin", "-"]}


@on_release
def test_keyring_save_enospc_leaves_old_file(pbxtop):
    p = hooked_binary(pbxtop)
    with Home() as home:
        before = prepared(p, home)
        prefix, log = strace(home, "write", "ENOSPC")
        r = set_secret(p, home, "lab", "new-secret", prefix=prefix)
        injected = [x for x in strace_log(log).splitlines() if "INJECTED" in x]
        assert len(injected) == 1 and "PBXTOPKR" in injected[0], strace_log(log)
        assert r.rc == 1, r
        assert "No space left on device" in r.err and "keyring on disk is unchanged" in r.err, r
        assert not os.path.exists(home.keyring + ".new")
        check_intact(p, home, before)
        # the same command succeeds once the disk has room again
        assert set_secret(p, home, "lab", "new-secret").rc == 0
        assert set(listing(p, home)) == {"office", "lab"}


@on_release
def test_keyring_save_eio_on_fsync_leaves_old_file(pbxtop):
    p = hooked_binary(pbxtop)
    with Home() as home:
        before = prepared(p, home)
        prefix, log = strace(home, "fsync", "EIO")
        r = run(p, ["keyring", "passwd"], home, [PASS, "other phrase"], prefix=prefix)
        assert "EIO" in strace_log(log) and "INJECTED" in strace_log(log), strace_log(log)
        assert home.keyring + ".new: Input/output error" in r.err, r
        assert r.rc == 1, r
        assert "Input/output error" in r.err and "keyring on disk is unchanged" in r.err, r
        assert not os.path.exists(home.keyring + ".new")
        check_intact(p, home, before)


@on_release
def test_keyring_save_killed_before_rename(pbxtop):
    p = hooked_binary(pbxtop)
    with Home() as home:
        before = prepared(p, home)
        calls = "rename,renameat,renameat2"
        log = os.path.join(home.root, "strace.log")
        prefix = ["strace", "-f", "-o", log, "-e", "trace=" + calls,
                  "-e", "inject=%s:error=EIO:signal=KILL" % calls]
        r = set_secret(p, home, "lab", "new-secret", prefix=prefix)
        assert "killed by SIGKILL" in strace_log(log), strace_log(log)
        assert r.rc != 0 and r.rc != 1, r
        check_intact(p, home, before)
        # the half-done save's temp file does not get in the next one's way
        assert os.path.exists(home.keyring + ".new")
        assert set_secret(p, home, "lab", "new-secret").rc == 0
        assert not os.path.exists(home.keyring + ".new")
        assert set(listing(p, home)) == {"office", "lab"}


@on_release
def test_keyring_import_keeps_config_when_save_fails(pbxtop):
    p = hooked_binary(pbxtop)
    with Home() as home:
        init(p, home)
        text = "[office]\ntype = jade\nurl = https://10.0.0.5:8081\npassword = pw ; here\n"
        cfg = home.write_config(text)
        prefix, log = strace(home, "write", "ENOSPC")
        r = run(p, ["-c", cfg, "keyring", "import"], home, [PASS], prefix=prefix)
        assert r.rc == 1 and "No space left" in r.err and cfg + " is unchanged" in r.err, r
        assert open(cfg).read() == text
        assert listing(p, home) == {}
        r = run(p, ["-c", cfg, "keyring", "import"], home, [PASS])
        assert r.rc == 0, r
        assert "password" not in open(cfg).read()
        assert listing(p, home) == {"office": ["set", "-", "-"]}


@on_release
def test_keyring_two_writers_lose_nothing_silently(pbxtop):
    """Two processes each store 100 entries, one pbxtop run per entry, at the same time.
    Every run either saved (and its entry is there at the end) or said "changed on disk"
    (and its entry is not); nothing else, and nothing lost without a word."""
    p = hooked_binary(pbxtop)
    with Home() as home:
        init(p, home)
        results = {}

        def writer(prefix):
            for i in range(100):
                name = "%s%03d" % (prefix, i)
                results[name] = set_secret(p, home, name, "secret-" + name)
        threads = [threading.Thread(target=writer, args=(x,)) for x in "ab"]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ok = {n for n, r in results.items() if r.rc == 0}
        changed = {n for n, r in results.items() if r.rc == 1 and "changed on disk" in r.err}
        odd = {n: r for n, r in results.items() if n not in ok and n not in changed}
        assert not odd, "runs that neither saved nor said why: %r" % odd
        assert set(listing(p, home)) == ok, "saved entries missing: %r" % (
            ok - set(listing(p, home)))
        assert header(home.read_keyring())["gen"] == 1 + len(ok)
        assert len(ok) >= 100, "too few saves got through: %d" % len(ok)


@on_release
def test_keyring_canary_never_shown(pbxtop):
    p = hooked_binary(pbxtop)
    canary = "CANARY-" + secrets.token_hex(8)
    with Home() as home:
        logf = os.path.join(home.root, "debug.log")
        env = {"PBXTOP_LOG": logf}
        init(p, home)
        r = set_secret(p, home, "office", canary, username="admin", env=env)
        assert r.rc == 0, r
        outputs = [r.out, r.err]
        r = run(p, ["keyring", "list"], home, [PASS], env=env)
        assert r.rc == 0 and "office" in r.out, r
        outputs += [r.out, r.err]
        r = run(p, ["keyring", "passwd"], home, [PASS, "second phrase"], env=env)
        assert r.rc == 0, r
        outputs += [r.out, r.err]

        # While pbxtop holds the canary (blocked on the lock we hold), look at it from outside.
        lock = open(home.keyring + ".lock", "a")
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            proc = popen(p, ["keyring", "set", "lab"], home, ["second phrase"],
                         stdin="", env=env)
            proc.stdin.write(canary + "\n")
            proc.stdin.flush()
            time.sleep(0.5)
            assert proc.poll() is None, "pbxtop did not wait for the lock"
            # (its environment is ours: /proc/PID/environ of a non-dumpable process would
            # also need CAP_SYS_PTRACE)
            with open("/proc/%d/cmdline" % proc.pid, "rb") as f:
                outputs.append(f.read().decode(errors="replace"))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            lock.close()
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, (out, err)
        outputs += [out, err]
        with open(logf) as f:
            log = f.read()
        assert "keyring:" in log and "saved generation" in log, log
        outputs.append(log)
        for text in outputs:
            assert canary not in text, "the canary leaked: %r" % text
        assert canary.encode() not in home.read_keyring()
