"""The keyring passphrase on a terminal (DESIGN.md §5): asked on /dev/tty with echo off, never
echoed, asked twice for a new keyring; the echo comes back when pbxtop is interrupted (^C,
SIGTERM, SIGHUP) or stopped (^Z), and goes off again when it continues.

pbxtop runs on a pseudo-terminal under a small job-control parent, as under a shell: it gets
its own foreground process group (so that ^Z really stops it) and the parent takes the
terminal back while it is stopped without touching the terminal's modes, so what the test
sees is what pbxtop left."""

import os
import select
import signal
import subprocess
import sys
import termios

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keyringlib import Home, hooked_binary, listing, on_release, run  # noqa: E402

from pylib.harness import pbxtop_env, wait_until  # noqa: E402

# The job-control parent: argv = control fd, report fd, command...
JOBCTL = r"""
import fcntl, os, signal, sys, termios, time
signal.signal(signal.SIGTTOU, signal.SIG_IGN)
fcntl.ioctl(0, termios.TIOCSCTTY, 0)
ctl, rep = int(sys.argv[1]), int(sys.argv[2])
pid = os.fork()
if pid == 0:
    os.setpgid(0, 0)
    signal.signal(signal.SIGTTOU, signal.SIG_DFL)
    while os.tcgetpgrp(0) != os.getpgrp():
        time.sleep(0.01)
    os.execv(sys.argv[3], sys.argv[3:])
os.setpgid(pid, pid)
os.tcsetpgrp(0, pid)
os.write(rep, b"pid %d\n" % pid)
while True:
    _, st = os.waitpid(pid, os.WUNTRACED)
    if os.WIFSTOPPED(st):
        os.tcsetpgrp(0, os.getpgrp())
        os.write(rep, b"stopped\n")
        os.read(ctl, 1)
        os.tcsetpgrp(0, pid)
        os.kill(pid, signal.SIGCONT)
        continue
    os.write(rep, b"exit %d\n" % os.waitstatus_to_exitcode(st))
    break
"""

PASS = "tty phrase"


class Term:
    """pbxtop on a pseudo-terminal of its own."""

    def __init__(self, binary, args, home, env=None, pass_fds=()):
        self.master, self.slave = os.openpty()
        self.ctl_r, self.ctl_w = os.pipe()
        self.rep_r, self.rep_w = os.pipe()
        e = pbxtop_env(home.env(env))
        if not env or "PBXTOP_PASSPHRASE_FD" not in env:
            e.pop("PBXTOP_PASSPHRASE_FD", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", JOBCTL, str(self.ctl_r), str(self.rep_w), binary] + args,
            stdin=self.slave, stdout=self.slave, stderr=self.slave, env=e,
            start_new_session=True, pass_fds=(self.ctl_r, self.rep_w) + tuple(pass_fds))
        os.close(self.ctl_r)
        os.close(self.rep_w)
        self.output = b""
        self.reports = b""
        self.pid = int(self.report("pid ").split()[1])

    def report(self, prefix, timeout=10):
        def got():
            r, _, _ = select.select([self.rep_r], [], [], 0.05)
            if r:
                self.reports += os.read(self.rep_r, 4096)
            for line in self.reports.decode().splitlines():
                if line.startswith(prefix):
                    return line
            return None
        line = wait_until(got, timeout, what="report %r" % prefix)
        self.reports = self.reports.replace(line.encode() + b"\n", b"", 1)
        return line

    def read(self):
        while select.select([self.master], [], [], 0.02)[0]:
            try:
                data = os.read(self.master, 4096)
            except OSError:
                break
            if not data:
                break
            self.output += data
        return self.output.decode(errors="replace")

    def wait_for(self, text, timeout=10):
        wait_until(lambda: text in self.read(), timeout, what=repr(text))

    def echo(self):
        return bool(termios.tcgetattr(self.slave)[3] & termios.ECHO)

    def wait_echo(self, on, timeout=5):
        wait_until(lambda: self.echo() == on, timeout, what="echo %s" % ("on" if on else "off"))

    def type(self, text):
        os.write(self.master, text.encode())

    def exit_code(self, timeout=30):
        return int(self.report("exit ", timeout).split()[1])

    def resume(self):
        os.write(self.ctl_w, b"c")

    def close(self):
        if self.proc.poll() is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.kill()
        self.proc.wait(10)
        for fd in (self.master, self.slave, self.ctl_w, self.rep_r):
            os.close(fd)


def state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    return data[data.rindex(")") + 2]


@on_release
def test_keyring_tty_init_asks_twice_without_echo(pbxtop):
    p = hooked_binary(pbxtop)
    with Home() as home:
        t = Term(p, ["keyring", "init"], home)
        try:
            # (a new pty starts with echo on, but pbxtop may have turned it off already by
            # the time its pid is reported: only what follows is checked)
            t.wait_for("New keyring passphrase: ")
            t.wait_echo(False)
            t.type(PASS + "\r")
            t.wait_for("Same passphrase again: ")
            assert not t.echo()
            t.type(PASS + "\r")
            assert t.exit_code() == 0, t.read()
            t.wait_for("created an empty keyring")
            assert PASS not in t.read(), "the passphrase was echoed: %r" % t.read()
            assert t.echo(), "echo is still off after pbxtop exited"
        finally:
            t.close()
        assert listing(p, home, PASS) == {}

        # Two different answers: nothing is created.
        os.unlink(home.keyring)
        t = Term(p, ["keyring", "init"], home)
        try:
            t.wait_for("New keyring passphrase: ")
            t.type("one\r")
            t.wait_for("Same passphrase again: ")
            t.type("two\r")
            assert t.exit_code() == 2
            t.wait_for("differ")
            assert t.echo()
        finally:
            t.close()
        assert not os.path.exists(home.keyring)


@on_release
def test_keyring_tty_echo_restored_on_signals(pbxtop):
    p = hooked_binary(pbxtop)
    with Home() as home:
        for how, sig in (("^C", signal.SIGINT), ("kill", signal.SIGTERM),
                         ("kill", signal.SIGHUP), ("^\\", signal.SIGQUIT)):
            t = Term(p, ["keyring", "init"], home)
            try:
                t.wait_for("New keyring passphrase: ")
                t.wait_echo(False)
                t.type("half typed")
                if how == "kill":
                    os.kill(t.pid, sig)
                else:
                    t.type({"^C": "\x03", "^\\": "\x1c"}[how])
                assert t.exit_code() == -sig, (how, sig, t.read())
                assert t.echo(), "echo still off after %s (%s)" % (how, sig)
            finally:
                t.close()
            assert not os.path.exists(home.keyring)


@on_release
def test_keyring_tty_stop_and_continue(pbxtop):
    p = hooked_binary(pbxtop)
    with Home() as home:
        t = Term(p, ["keyring", "init"], home)
        try:
            t.wait_for("New keyring passphrase: ")
            t.wait_echo(False)
            t.type("\x1a")  # ^Z
            t.report("stopped")
            assert state(t.pid) == "T", state(t.pid)
            assert t.echo(), "echo still off while pbxtop is stopped"
            t.resume()
            t.wait_echo(False)
            t.type(PASS + "\r")
            t.wait_for("Same passphrase again: ")
            t.type(PASS + "\r")
            assert t.exit_code() == 0, t.read()
            assert PASS not in t.read()
            assert t.echo()
        finally:
            t.close()
        assert listing(p, home, PASS) == {}


@on_release
def test_keyring_tty_set_reads_the_secret_from_the_terminal(pbxtop):
    """stdin is the terminal: the secret is asked there, without echo; the passphrase may
    still come from PBXTOP_PASSPHRASE_FD."""
    p = hooked_binary(pbxtop)
    with Home() as home:
        assert run(p, ["keyring", "init"], home, [PASS]).rc == 0
        r, w = os.pipe()
        os.write(w, (PASS + "\n").encode())
        os.close(w)
        t = Term(p, ["keyring", "set", "office", "--username", "admin"], home,
                 env={"PBXTOP_PASSPHRASE_FD": str(r)}, pass_fds=(r,))
        os.close(r)
        try:
            t.wait_for("Password or token for office: ")
            t.wait_echo(False)
            t.type("typed-secret\r")
            assert t.exit_code() == 0, t.read()
            assert "typed-secret" not in t.read()
            assert t.echo()
        finally:
            t.close()
        assert listing(p, home, PASS) == {"office": ["set", "admin", "-"]}
        # and the whole exchange on the terminal: passphrase, then the secret
        t = Term(p, ["keyring", "set", "lab"], home)
        try:
            t.wait_for("Keyring passphrase: ")
            t.type(PASS + "\r")
            t.wait_for("Password or token for lab: ")
            t.type("lab-secret\r")
            assert t.exit_code() == 0, t.read()
            out = t.read()
            assert PASS not in out and "lab-secret" not in out, out
        finally:
            t.close()
        assert set(listing(p, home, PASS)) == {"office", "lab"}
