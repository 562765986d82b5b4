"""`pbxtop keyring` (DESIGN.md §5): the subcommands, exit codes, damaged and hostile files,
KDF bounds on the release binary, file safety, umask, and `import` from config.ini.

Most cases run build/<variant>/pbxtop-test with PBXTOP_TEST_KDF=fast (libsodium's minimum
Argon2id limits); the release binary, which must not contain that hook, runs the real KDF.
Saving under failures and concurrency is in test_keyring_save.py, the terminal in
test_keyring_tty.py."""

import os
import resource
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keyringlib import (HEADER, Home, fix_crc, header, hooked_binary, init,  # noqa: E402
                        listing, on_release, run, set_secret, with_field)

PASS = "pass phrase"


@on_release
def test_keyring_release_binary_has_no_test_hook(pbxtop):
    """The cheap-KDF hook is in pbxtop-test only (so this check can fail)."""
    test_bin = hooked_binary(pbxtop)

    def symbols(path):
        out = subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout
        return {line.split()[-1] for line in out.splitlines() if line.split()}
    assert "keyring_test_kdf_fast" in symbols(test_bin), "the hook is not where it should be"
    assert "keyring_test_kdf_fast" not in symbols(pbxtop), "the release binary has the hook"
    with open(pbxtop, "rb") as f:
        assert b"PBXTOP_TEST_KDF" not in f.read(), "the release binary knows PBXTOP_TEST_KDF"
    # ... and it ignores the variable: its keyring gets the real parameters.
    with Home() as home:
        init(pbxtop, home)
        h = header(home.read_keyring())
        assert (h["ops"], h["mem_kib"]) == (3, 256 * 1024), h
        # the test binary honours it
        os.unlink(home.keyring)
        init(test_bin, home)
        h = header(home.read_keyring())
        assert (h["ops"], h["mem_kib"]) == (1, 8), h
        # and the release binary refuses such a keyring, naming the floor
        r = run(pbxtop, ["keyring", "list"], home, [PASS])
        assert r.rc == 4, r
        assert "below the floor of 64 MiB" in r.err and "8 KiB" in r.err, r


@on_release
def test_keyring_release_round_trip(pbxtop):
    """The release binary, real Argon2id MODERATE: init, set, list."""
    with Home(fast=False) as home:
        init(pbxtop, home)
        r = set_secret(pbxtop, home, "office", "s3cret", username="admin")
        assert r.rc == 0, r
        rows = listing(pbxtop, home)
        assert rows == {"office": ["set", "admin", "-"]}, rows


@on_release
def test_keyring_commands(pbxtop):
    p = hooked_binary(pbxtop)
    with Home() as home:
        r = run(p, ["keyring", "list"], home, [PASS])
        assert r.rc == 4 and "no keyring at %s" % home.keyring in r.err, r
        assert "pbxtop keyring init" in r.err, r
        init(p, home)
        assert listing(p, home) == {}
        r = run(p, ["keyring", "list"], home, [PASS])
        assert "is empty" in r.out, r
        r = run(p, ["keyring", "init"], home, [PASS])
        assert r.rc == 1 and "already exists" in r.err and "passwd" in r.err, r

        assert set_secret(p, home, "office", "pw1", username="admin").rc == 0
        assert set_secret(p, home, "lab", "tok").rc == 0
        assert listing(p, home) == {"lab": ["set", "-", "-"], "office": ["set", "admin", "-"]}
        # a new secret for office; --username alone with an empty line keeps the secret
        assert set_secret(p, home, "office", "pw2").rc == 0
        r = set_secret(p, home, "lab", "", username="ops")
        assert r.rc == 0 and "stored the username" in r.out, r
        assert listing(p, home)["lab"] == ["set", "ops", "-"]
        r = set_secret(p, home, "lab", "")
        assert r.rc == 2 and "no secret given" in r.err, r
        # secrets with blanks and comment characters are taken as they are
        assert set_secret(p, home, "odd", "  a ;b #c \"d\"  ").rc == 0

        r = run(p, ["keyring", "rm", "lab"], home, [PASS])
        assert r.rc == 0 and "removed lab" in r.out, r
        r = run(p, ["keyring", "rm", "lab"], home, [PASS])
        assert r.rc == 1 and "no entry lab" in r.err, r
        assert set(listing(p, home)) == {"office", "odd"}

        # passwd: the current passphrase, then the new one
        r = run(p, ["keyring", "passwd"], home, [PASS, "new phrase"])
        assert r.rc == 0, r
        r = run(p, ["keyring", "list"], home, [PASS])
        assert r.rc == 4, r
        assert set(listing(p, home, "new phrase")) == {"office", "odd"}
        r = run(p, ["keyring", "passwd"], home, ["new phrase", ""])
        assert r.rc == 2 and "empty passphrase" in r.err, r
        h = header(home.read_keyring())
        assert h["gen"] == 8, h  # init, 5 sets, rm, passwd: the failed ones wrote nothing


@on_release
def test_keyring_usage_errors(pbxtop):
    p = hooked_binary(pbxtop)
    with Home() as home:
        init(p, home)
        for args, needle in [(["keyring"], "usage"), (["keyring", "bogus"], "unknown command"),
                             (["keyring", "set"], "usage"), (["keyring", "rm"], "usage"),
                             (["keyring", "list", "extra"], "usage"),
                             (["keyring", "list", "--username", "u"], "usage"),
                             (["keyring", "set", "a b"], "not a backend name"),
                             (["keyring", "set", "../x"], "not a backend name"),
                             (["keyring", "--bogus"], "usage")]:
            r = run(p, args, home, [PASS], stdin="x\n")
            assert r.rc == 2 and needle in r.err, (args, r)
        r = run(p, ["keyring", "--help"], home)
        assert r.rc == 0 and "keyring set NAME" in r.out, r
        # no terminal and no descriptor: locked
        r = run(p, ["keyring", "list"], home, start_new_session=True)
        assert r.rc == 4 and "PBXTOP_PASSPHRASE_FD" in r.err, r
        r = run(p, ["keyring", "list"], home, env={"PBXTOP_PASSPHRASE_FD": "99"})
        assert r.rc == 2 and "PBXTOP_PASSPHRASE_FD=99: not an open file descriptor" in r.err, r
        r = run(p, ["keyring", "list"], home, env={"PBXTOP_PASSPHRASE_FD": "x1"})
        assert r.rc == 2, r
        r = run(p, ["keyring", "list"], home, [])
        assert r.rc == 2 and "end of input" in r.err, r
        r = set_secret(p, home, "office", "a\0b")
        assert r.rc == 2 and "NUL" in r.err, r
        # the top-level usage lists the subcommand
        r = run(p, ["--help"], home)
        assert "pbxtop keyring init" in r.out, r


@on_release
def test_keyring_wrong_passphrase_exit_4_file_unchanged(pbxtop):
    p = hooked_binary(pbxtop)
    with Home() as home:
        init(p, home)
        assert set_secret(p, home, "office", "pw").rc == 0
        before = home.read_keyring()
        mtime = os.stat(home.keyring).st_mtime_ns
        for wrong in ["pass phras", "pass phrase ", "", "PASS PHRASE"]:
            for args in (["keyring", "list"], ["keyring", "rm", "office"],
                         ["keyring", "set", "office"], ["keyring", "passwd"]):
                r = run(p, args, home, [wrong, "other"], stdin="new\n")
                assert r.rc == 4, (wrong, args, r)
                assert "wrong passphrase, or the keyring file was altered" in r.err, r
        assert home.read_keyring() == before
        assert os.stat(home.keyring).st_mtime_ns == mtime


@on_release
def test_keyring_damage_reported_before_the_passphrase(pbxtop):
    """Truncated, flipped and foreign files: the release binary names the damage at once,
    without asking for a passphrase (it has no terminal and no descriptor here)."""
    p = hooked_binary(pbxtop)
    with Home() as home:
        init(p, home)
        good = home.read_keyring()
        cases = [(good[:n], "truncated") for n in (1, 7, 8, 9, 10, 11, 40, 75, 76, 77, 1000,
                                                  len(good) - 1)]
        cases += [(b"", "empty"), (b"hello world, not a keyring", "not a pbxtop keyring"),
                  (good + b"\0", "junk after")]
        for i in (0, 8, 11, 20, 40, 60, 68, 72, 80, len(good) - 1):
            flipped = bytearray(good)
            flipped[i] ^= 0x10
            cases.append((bytes(flipped), ""))
        for data, needle in cases:
            home.write_keyring(data)
            t0 = time.monotonic()
            r = run(pbxtop, ["keyring", "list"], home, start_new_session=True)
            assert r.rc == 4, (len(data), r)
            assert needle in r.err and home.keyring in r.err, (needle, r)
            assert "passphrase" not in r.err, ("asked for a passphrase first", r)
            assert time.monotonic() - t0 < 5


@on_release
def test_keyring_header_changed_checksum_fixed(pbxtop):
    """A field changed and the checksum fixed up passes the cheap checks but never decrypts:
    the header is the associated data."""
    p = hooked_binary(pbxtop)
    with Home() as home:
        init(p, home)
        assert set_secret(p, home, "office", "pw").rc == 0
        good = home.read_keyring()
        for offset, fmt, value in [(60, "Q", 99), (20, "B", good[20] ^ 1), (36, "B", good[36] ^ 1),
                                   (12, "I", 2), (16, "I", 9), (HEADER + 5, "B", good[HEADER + 5] ^ 1)]:
            home.write_keyring(with_field(good, offset, fmt, value))
            r = run(p, ["keyring", "list"], home, [PASS])
            assert r.rc == 4, (offset, r)
            assert "wrong passphrase, or the keyring file was altered" in r.err, (offset, r)
        # a newer minor version with the old ciphertext: read-only, but first of all altered
        home.write_keyring(with_field(good, 9, "B", 1))
        r = run(p, ["keyring", "list"], home, [PASS])
        assert r.rc == 4, r
        home.write_keyring(good)
        assert listing(p, home) == {"office": ["set", "-", "-"]}


@on_release
def test_keyring_versions(pbxtop):
    p = hooked_binary(pbxtop)
    with Home() as home:
        init(p, home)
        good = home.read_keyring()
        home.write_keyring(with_field(good, 8, "B", 2))
        r = run(pbxtop, ["keyring", "list"], home, start_new_session=True)
        assert r.rc == 4 and "format version 2.0" in r.err and "upgrade pbxtop" in r.err, r
        home.write_keyring(with_field(good, 10, "B", 7))
        r = run(pbxtop, ["keyring", "list"], home, start_new_session=True)
        assert r.rc == 4 and "KDF id 7" in r.err, r


def run_measured(binary, args, home):
    """Run to completion; (returncode, stderr, peak RSS in KiB, seconds) of this child only."""
    errf = tempfile.TemporaryFile()
    t0 = time.monotonic()
    from pylib.harness import pbxtop_env
    p = subprocess.Popen([binary] + args, env=pbxtop_env(home.env()), stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=errf, start_new_session=True)
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    errf.seek(0)
    return p.returncode, errf.read().decode(), usage.ru_maxrss, time.monotonic() - t0


@on_release
def test_keyring_kdf_bounds_release(pbxtop):
    """A header asking for 4 GiB (or more passes than the ceiling) is refused at once, before
    any passphrase or allocation, with a small peak memory."""
    p = hooked_binary(pbxtop)
    with Home() as home:
        init(p, home)
        good = home.read_keyring()
        cases = [(16, 4 * 1024 * 1024, "memory is above the ceiling of 1024 MiB"),
                 (16, 0xFFFFFFFF, "above the ceiling"),
                 (12, 1000, "passes are above the ceiling of 8")]
        for offset, value, needle in cases:
            data = with_field(good, offset, "I", value)
            if offset == 12:
                data = with_field(data, 16, "I", 256 * 1024)
            home.write_keyring(data)
            rc, err, rss_kib, secs = run_measured(pbxtop, ["keyring", "list"], home)
            assert rc == 4 and needle in err, (rc, err)
            assert rss_kib < 64 * 1024, "peak memory %d KiB" % rss_kib
            assert secs < 5, secs
        # the floor, for a release binary
        home.write_keyring(with_field(with_field(good, 16, "I", 32 * 1024), 12, "I", 3))
        rc, err, _, _ = run_measured(pbxtop, ["keyring", "list"], home)
        assert rc == 4 and "below the floor of 64 MiB" in err, err


@on_release
def test_keyring_unsafe_files_refused(pbxtop):
    p = hooked_binary(pbxtop)
    with Home() as home:
        init(p, home)
        assert set_secret(p, home, "office", "pw").rc == 0
        for mode in (0o644, 0o640, 0o604, 0o660):
            os.chmod(home.keyring, mode)
            for args, stdin in ((["keyring", "list"], None), (["keyring", "set", "x"], "s\n")):
                r = run(p, args, home, [PASS], stdin=stdin)
                assert r.rc == 4, (oct(mode), r)
                assert "chmod 600 %s" % home.keyring in r.err, r
        os.chmod(home.keyring, 0o600)
        real = home.keyring + ".real"
        os.rename(home.keyring, real)
        os.symlink(real, home.keyring)
        r = run(p, ["keyring", "list"], home, [PASS])
        assert r.rc == 4 and "symbolic link" in r.err, r
        r = set_secret(p, home, "x", "s")
        assert r.rc == 4 and "symbolic link" in r.err, r
        assert os.path.islink(home.keyring)
        os.unlink(home.keyring)
        os.rename(real, home.keyring)
        os.chmod(os.path.dirname(home.keyring), 0o777)
        r = run(p, ["keyring", "list"], home, [PASS])
        assert r.rc == 4 and "chmod 700" in r.err, r
        os.chmod(os.path.dirname(home.keyring), 0o700)
        if os.geteuid() == 0:  # only root can give a file away
            os.chown(home.keyring, 65534, 65534)
            r = run(p, ["keyring", "list"], home, [PASS])
            assert r.rc == 4 and "belongs to uid 65534" in r.err, r
            os.chown(home.keyring, 0, 0)
        assert listing(p, home) == {"office": ["set", "-", "-"]}


@on_release
def test_keyring_umask_000(pbxtop):
    p = hooked_binary(pbxtop)
    with Home() as home:
        r = run(p, ["keyring", "init"], home, [PASS], preexec_fn=lambda: os.umask(0))
        assert r.rc == 0, r
        r = run(p, ["keyring", "set", "office"], home, [PASS], stdin="pw\n",
                preexec_fn=lambda: os.umask(0))
        assert r.rc == 0, r
        for path, mode in ((home.keyring, 0o600), (home.keyring + ".lock", 0o600),
                           (os.path.dirname(home.keyring), 0o700), (home.data, 0o700)):
            got = os.stat(path).st_mode & 0o7777
            assert got == mode, "%s: mode %o, want %o" % (path, got, mode)


CONFIG = """; pbxtop
[pbxtop]
refresh = 2

[office]
type = jade
url = https://10.0.0.5:8081
username = admin
password = "s3cr;et #1"   ; quoted
read_only = true

[lab]
type = issabel
url = https://10.0.0.6
password = lab-pw

[ngcp]
type = ngcp
url = https://10.0.0.7:1443
username = api
"""


@on_release
def test_keyring_import(pbxtop):
    p = hooked_binary(pbxtop)
    with Home() as home:
        cfg = home.write_config(CONFIG)
        # no keyring yet: refused, the config untouched
        r = run(p, ["keyring", "import"], home, [PASS])
        assert r.rc == 4 and "pbxtop keyring init" in r.err, r
        init(p, home)
        # wrong passphrase: nothing changes
        r = run(p, ["keyring", "import"], home, ["nope"])
        assert r.rc == 4, r
        assert open(cfg).read() == CONFIG
        # a keyring that cannot be saved (open to others): the config keeps its passwords
        os.chmod(home.keyring, 0o644)
        r = run(p, ["keyring", "import"], home, [PASS])
        assert r.rc == 4, r
        assert open(cfg).read() == CONFIG
        os.chmod(home.keyring, 0o600)

        r = run(p, ["-c", cfg, "keyring", "import"], home, [PASS])
        assert r.rc == 0, r
        assert "office: moved its password" in r.out and "lab: moved" in r.out, r
        want = CONFIG.replace('password = "s3cr;et #1"   ; quoted\n', "").replace(
            "password = lab-pw\n", "")
        assert open(cfg).read() == want
        assert os.stat(cfg).st_mode & 0o777 == 0o600
        rows = listing(p, home)
        assert rows == {"office": ["set", "admin", "-"], "lab": ["set", "-", "-"]}, rows
        # again: nothing to do, and no passphrase asked
        r = run(p, ["keyring", "import"], home, start_new_session=True)
        assert r.rc == 0 and "nothing to import" in r.out, r
        assert open(cfg).read() == want


@on_release
def test_keyring_import_default_config_and_errors(pbxtop):
    p = hooked_binary(pbxtop)
    with Home() as home:
        init(p, home)
        r = run(p, ["keyring", "import"], home, [PASS])
        assert r.rc == 2 and "config.ini" in r.err, r
        cfg = home.write_config(CONFIG)
        r = run(p, ["keyring", "import"], home, [PASS])  # $XDG_CONFIG_HOME/pbxtop/config.ini
        assert r.rc == 0, r
        assert "password" not in open(cfg).read()
        # set warns about a name the config does not know, and stores it anyway
        r = set_secret(p, home, "ofice", "pw")
        assert r.rc == 0 and "has no backend [ofice]" in r.err, r
