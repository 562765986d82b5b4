"""Helpers for the keyring tests: a private data and config home per test, pbxtop runs with
the passphrase on a pipe (PBXTOP_PASSPHRASE_FD) and the secret on stdin, the test binary with
the cheap KDF, and the file format's header (DESIGN.md §5, net/keyring_file.c)."""

import functools
import os
import shutil
import struct
import subprocess
import tempfile
import zlib

from pylib.harness import pbxtop_env, release_binary

HEADER = 76


class Home:
    """XDG_DATA_HOME and XDG_CONFIG_HOME in a fresh directory; removed on exit."""

    def __init__(self, fast=True):
        self.root = tempfile.mkdtemp(prefix="pbxtop-keyring-")
        self.data = os.path.join(self.root, "data")
        self.config_dir = os.path.join(self.root, "config", "pbxtop")
        self.keyring = os.path.join(self.data, "pbxtop", "keyring")
        self.fast = fast

    def env(self, extra=None):
        env = {"XDG_DATA_HOME": self.data, "XDG_CONFIG_HOME": os.path.join(self.root, "config")}
        if self.fast:
            env["PBXTOP_TEST_KDF"] = "fast"
        env.update(extra or {})
        return env

    def write_config(self, text, mode=0o600):
        os.makedirs(self.config_dir, exist_ok=True)
        path = os.path.join(self.config_dir, "config.ini")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def read_keyring(self):
        with open(self.keyring, "rb") as f:
            return f.read()

    def write_keyring(self, data):
        with open(self.keyring, "wb") as f:
            f.write(data)
        os.chmod(self.keyring, 0o600)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.root, ignore_errors=True)


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    def __repr__(self):
        return "rc=%r\n--- stdout\n%s--- stderr\n%s" % (self.rc, self.out, self.err)


def on_release(test):
    """Run test with the release binary: the suites hand pbxtop-test to every test, and these
    are about the release binary (the hooked one is hooked_binary() of it)."""
    @functools.wraps(test)
    def run_test(pbxtop):
        return test(release_binary(pbxtop))
    return run_test


def hooked_binary(pbxtop):
    """build/<variant>/pbxtop-test: the same program with the cheap-KDF hook."""
    path = os.path.join(os.path.dirname(pbxtop), "pbxtop-test")
    assert os.access(path, os.X_OK), "%s is missing: make %s" % (path, os.path.relpath(path))
    return path


def popen(binary, args, home, passphrases=None, stdin=None, env=None, prefix=None, **kw):
    """Start pbxtop; passphrases (a list of lines) go through a pipe named by
    PBXTOP_PASSPHRASE_FD, stdin (text) through its stdin. Returns (Popen, stdin text)."""
    extra = dict(env or {})
    fds = ()
    if passphrases is not None:
        r, w = os.pipe()
        os.write(w, "".join(p + "\n" for p in passphrases).encode())
        os.close(w)
        extra["PBXTOP_PASSPHRASE_FD"] = str(r)
        fds = (r,)
    p = subprocess.Popen((prefix or []) + [binary] + args, env=pbxtop_env(home.env(extra)),
                         stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         pass_fds=fds, **kw)
    for fd in fds:
        os.close(fd)
    return p


def run(binary, args, home, passphrases=None, stdin=None, env=None, prefix=None, timeout=60,
        **kw):
    p = popen(binary, args, home, passphrases, stdin, env, prefix, **kw)
    out, err = p.communicate(stdin, timeout=timeout)
    return Result(p.returncode, out, err)


def init(binary, home, passphrase="pass phrase"):
    r = run(binary, ["keyring", "init"], home, [passphrase])
    assert r.rc == 0, r
    return r


def set_secret(binary, home, name, secret, passphrase="pass phrase", username=None, **kw):
    args = ["keyring", "set", name] + (["--username", username] if username else [])
    return run(binary, args, home, [passphrase], stdin=secret + "\n", **kw)


def listing(binary, home, passphrase="pass phrase"):
    r = run(binary, ["keyring", "list"], home, [passphrase])
    assert r.rc == 0, r
    rows = {}
    for line in r.out.splitlines()[1:]:
        cols = line.split()
        rows[cols[0]] = cols[1:]
    return rows


def header(data):
    """The header's fields by name."""
    (magic, major, minor, kdf, flags, ops, mem_kib, salt, nonce, gen, ct_len,
     crc) = struct.unpack("<8sBBBBII16s24sQII", data[:HEADER])
    return dict(magic=magic, major=major, minor=minor, kdf=kdf, flags=flags, ops=ops,
                mem_kib=mem_kib, salt=salt, nonce=nonce, gen=gen, ct_len=ct_len, crc=crc)


def fix_crc(data):
    """data with its CRC-32 (bytes 0-71 and the ciphertext) recomputed."""
    data = bytearray(data)
    crc = zlib.crc32(bytes(data[:72]) + bytes(data[HEADER:]))
    data[72:76] = struct.pack("<I", crc)
    return bytes(data)


def with_field(data, offset, fmt, value):
    """data with the field at offset (struct format fmt) set to value, checksum fixed."""
    data = bytearray(data)
    struct.pack_into("<" + fmt, data, offset, value)
    return fix_crc(data)
