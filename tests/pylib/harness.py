"""Shared helpers for pbxtop's Python test suites: the simulator, configs, running pbxtop,
and driving the console in tmux. Standard library only."""

import atexit
import hashlib
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIM = os.path.join(ROOT, "tests", "sim", "pbxsim.py")


def wait_until(pred, timeout=5.0, step=0.05, what="condition"):
    """Poll pred() until it returns something truthy; raise AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(step)


def dialect_config(typ, opts):
    """Config lines (credentials, variant...) for a backend of simulator type `typ`: each
    dialect module knows what its server needs (its pbxtop_config function)."""
    path = os.path.join(ROOT, "tests", "sim", "dialect_%s.py" % typ)
    spec = importlib.util.spec_from_file_location("pbxsim_dialect_" + typ, path)
    mod = importlib.util.module_from_spec(spec)
    sim_dir = os.path.dirname(path)
    if sim_dir not in sys.path:
        sys.path.insert(0, sim_dir)
    spec.loader.exec_module(mod)
    return mod.pbxtop_config({k: str(v) for k, v in opts.items()})


def control(port, method, path, body=None):
    """One request to a simulator's control API (plain HTTP on loopback); the decoded JSON."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


class Sim:
    """One simulator process with any number of backends, e.g. Sim([("office", "jade", {})])."""

    def __init__(self, backends, churn=False, seed=1, workdir=None):
        self.backends = backends
        self.dir = workdir or tempfile.mkdtemp(prefix="pbxtop-test-")
        self.churn = churn
        self.seed = seed
        self.proc = None
        self.ports = None

    def start(self):
        args = [sys.executable, SIM, "--dir", self.dir, "--seed", str(self.seed)]
        for name, typ, opts in self.backends:
            spec = "%s=%s" % (name, typ)
            if opts:
                spec += "," + ",".join("%s=%s" % kv for kv in opts.items())
            args += ["--backend", spec]
        if self.churn:
            args.append("--churn")
        args.append("--watch-stdin")
        self.log = open(os.path.join(self.dir, "sim.log"), "w")
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        path = os.path.join(self.dir, "ports.json")

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("simulator exited: " + open(self.log.name).read())
            if os.path.exists(path):
                with open(path) as f:
                    return json.load(f)
            return None
        self.ports = wait_until(ready, timeout=20, what="the simulator's ports.json")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self.proc:
            self.log.close()
        self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()

    # -- addresses
    def port(self, name):
        return self.ports["backends"][name]["port"]

    def url(self, name):
        return self.ports["backends"][name]["url"]

    @property
    def cert(self):
        return self.ports["cert"]

    # -- control API
    def ctl(self, method, path, body=None):
        return control(self.ports["control"], method, path, body)

    def requests(self, backend=None, since=0):
        q = "?since=%d" % since + ("&backend=%s" % backend if backend else "")
        return self.ctl("GET", "/requests" + q)["requests"]

    def last_seq(self):
        reqs = self.requests()
        return reqs[-1]["seq"] if reqs else 0

    def fault(self, **kw):
        return self.ctl("POST", "/fault", kw)["id"]

    def clear_faults(self, backend=None):
        self.ctl("DELETE", "/fault" + ("?backend=%s" % backend if backend else ""))

    def state(self, backend):
        return self.ctl("GET", "/state?backend=%s" % backend)

    def op(self, backend, op, **kw):
        kw.update(backend=backend, op=op)
        return self.ctl("POST", "/state", kw)

    def reset(self):
        self.ctl("POST", "/reset", {})

    # -- pbxtop configs
    def write_config(self, names=None, extra=None, global_extra="", path=None):
        """A config for the named backends (all by default); extra: {name: "key = v\\n"}."""
        names = names or [b[0] for b in self.backends]
        types = {b[0]: b[1] for b in self.backends}
        opts = {b[0]: b[2] for b in self.backends}
        lines = ["[pbxtop]", "refresh = 1", global_extra]
        for name in names:
            lines += ["", "[%s]" % name, "type = %s" % types[name], "url = %s" % self.url(name),
                      "ca_file = %s" % self.cert, dialect_config(types[name], opts[name])]
            if extra and name in extra:
                lines.append(extra[name])
        path = path or os.path.join(self.dir, "config.ini")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.chmod(path, 0o600)
        return path


_STATE_HOME = None


def state_home():
    """A private XDG_STATE_HOME for this test process: journals never land in $HOME."""
    global _STATE_HOME
    if _STATE_HOME is None:
        _STATE_HOME = tempfile.mkdtemp(prefix="pbxtop-state-")
        atexit.register(shutil.rmtree, _STATE_HOME, True)
    return _STATE_HOME


# ---------------------------------------------------------------- the keyring
# pbxtop refuses `password =` in config.ini: secrets live in the keyring. Tests still write
# configs with password lines (the simulator's dialects know their credentials), and every
# pbxtop invocation goes through with_keyring(), which moves them into a keyring of that
# config's own (`pbxtop-test keyring init` + `keyring import`, the cheap KDF) and hands the
# passphrase over through PBXTOP_PASSPHRASE_FD, never on the command line.

PASSPHRASE = "harness pass phrase"
_PASS_FILE = None
PASSWORD_LINE = re.compile(r"^\s*password\s*=", re.M)


def passphrase_file():
    """A file holding the suites' keyring passphrase (one line)."""
    global _PASS_FILE
    if _PASS_FILE is None:
        d = tempfile.mkdtemp(prefix="pbxtop-pass-")
        atexit.register(shutil.rmtree, d, True)
        _PASS_FILE = os.path.join(d, "passphrase")
        with open(_PASS_FILE, "w") as f:
            f.write(PASSPHRASE + "\n")
        os.chmod(_PASS_FILE, 0o600)
    return _PASS_FILE


def is_test_binary(binary):
    return os.path.basename(binary) == "pbxtop-test"


HOOKED = None  # the build's pbxtop-test, for installed binaries (set by the runner)


def test_binary(binary):
    """pbxtop-test next to binary (the build with the cheap-KDF hook), else the build's."""
    path = os.path.join(os.path.dirname(os.path.abspath(binary)), "pbxtop-test")
    return path if os.path.exists(path) or not HOOKED else HOOKED


def release_binary(binary):
    """pbxtop next to binary (the release build of the same variant)."""
    return os.path.join(os.path.dirname(os.path.abspath(binary)), "pbxtop")


def config_of(args, env):
    """The config an invocation reads: -c FILE, else $XDG_CONFIG_HOME's; None if none."""
    for i, a in enumerate(args):
        if a in ("-c", "--config") and i + 1 < len(args):
            return args[i + 1]
        if a.startswith("--config="):
            return a.split("=", 1)[1]
    xdg = (env or {}).get("XDG_CONFIG_HOME")
    path = os.path.join(xdg, "pbxtop", "config.ini") if xdg else None
    return path if path and os.path.exists(path) else None


def _data_home(cfg, fast):
    return "%s.keyring%s" % (cfg, "" if fast else "-slow")


def _keyring_run(binary, args, data, fast):
    env = pbxtop_env({"XDG_DATA_HOME": data})
    env.pop("PBXTOP_TEST_KDF", None)
    if fast:
        env["PBXTOP_TEST_KDF"] = "fast"
    with open(passphrase_file()) as f:
        env["PBXTOP_PASSPHRASE_FD"] = str(f.fileno())
        return subprocess.run([test_binary(binary)] + args, capture_output=True, text=True,
                              env=env, stdin=subprocess.DEVNULL, pass_fds=(f.fileno(),),
                              timeout=120)


def _move_passwords(binary, cfg, text, data, fast):
    """What `keyring import` does (tests/integration/test_keyring.py tests that), but also
    for a config it refuses to read (a test of another error in it), and keeping the line
    numbers: each section's password (and username) into its entry, the line turned into a
    comment."""
    out, section, user = [], None, {}
    for line in text.split("\n"):
        m = re.match(r"^\s*\[([^\]]+)\]", line)
        if m:
            section = m.group(1).strip()
        m = re.match(r"^\s*username\s*=\s*(\S+)", line)
        if m and section:
            user[section] = m.group(1)
    for line in text.split("\n"):
        m = re.match(r"^\s*\[([^\]]+)\]", line)
        if m:
            section = m.group(1).strip()
        m = re.match(r"^\s*password\s*=\s*(.*?)\s*$", line)
        if m and section:
            args = ["keyring", "set", section] + (["--username", user[section]]
                                                  if section in user else [])
            env = pbxtop_env({"XDG_DATA_HOME": data})
            env.pop("PBXTOP_TEST_KDF", None)
            if fast:
                env["PBXTOP_TEST_KDF"] = "fast"
            with open(passphrase_file()) as f:
                env["PBXTOP_PASSPHRASE_FD"] = str(f.fileno())
                subprocess.run([test_binary(binary)] + args, input=m.group(1).strip('"') + "\n",
                               capture_output=True, text=True, env=env,
                               pass_fds=(f.fileno(),), timeout=120)
            line = "; password: in the keyring (moved by the test harness)"
        out.append(line)
    with open(cfg, "w") as f:
        f.write("\n".join(out))


_KEYRING_LOCK = threading.Lock()  # tests start pbxtop from several threads


def prepare_keyring(binary, cfg):
    """Make cfg's keyring hold what cfg's password lines held, the lines turned into comments
    (so that every other line keeps its number, for the tests of config errors). A config
    changed since (another password, a line removed) gets a fresh keyring. Returns the
    environment pbxtop needs to read it."""
    with _KEYRING_LOCK:
        return _prepare_keyring(binary, cfg)


def _prepare_keyring(binary, cfg):
    fast = is_test_binary(binary)
    data = _data_home(cfg, fast)
    env = {"XDG_DATA_HOME": data}
    if fast:
        env["PBXTOP_TEST_KDF"] = "fast"
    try:
        with open(cfg) as f:
            text = f.read()
    except OSError:
        return env
    stamp = os.path.join(data, "stamp")
    digest = hashlib.sha256(text.encode()).hexdigest()
    if not PASSWORD_LINE.search(text) and os.path.exists(stamp) and open(stamp).read() == digest:
        return env
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data, mode=0o700)
    r = _keyring_run(binary, ["keyring", "init"], data, fast)
    assert r.returncode == 0, r.stderr
    if PASSWORD_LINE.search(text):
        _move_passwords(binary, cfg, text, data, fast)
    with open(cfg) as f:
        digest = hashlib.sha256(f.read().encode()).hexdigest()
    with open(stamp, "w") as f:
        f.write(digest)
    return env


def with_keyring(binary, args, env=None):
    """The environment for running binary with args: its config's keyring prepared, the
    cheap KDF for pbxtop-test. The passphrase descriptor is added by passphrase_fd()."""
    env = dict(env or {})
    if "PBXTOP_PASSPHRASE_FD" in env:
        return env  # the test manages its own keyring
    cfg = config_of(args, env)
    if cfg:
        env.update(prepare_keyring(binary, cfg))
    elif is_test_binary(binary):
        env["PBXTOP_TEST_KDF"] = "fast"
    return env


def passphrase_fd(env):
    """Open the passphrase file for one child: sets PBXTOP_PASSPHRASE_FD in env (unless the
    test set its own) and returns the descriptors to pass (close them after the spawn)."""
    if "PBXTOP_PASSPHRASE_FD" in env:
        return ()
    fd = os.open(passphrase_file(), os.O_RDONLY)
    env["PBXTOP_PASSPHRASE_FD"] = str(fd)
    return (fd,)


def close_fds(fds):
    for fd in fds:
        os.close(fd)


def spawn(binary, args, env=None, popen=False, unset=(), **kw):
    """subprocess.run (or Popen) of binary with args, through the keyring: the one way the
    suites start pbxtop. env: extra variables (over pbxtop_env()); unset: names removed."""
    e = pbxtop_env(with_keyring(binary, list(args), env))
    for k in unset:
        e.pop(k, None)
    fds = passphrase_fd(e)
    try:
        if popen:
            return subprocess.Popen([binary] + list(args), env=e, pass_fds=fds, **kw)
        return subprocess.run([binary] + list(args), env=e, pass_fds=fds, **kw)
    finally:
        close_fds(fds)


def pbxtop_env(extra=None):
    env = dict(os.environ)
    env.pop("PBXTOP_LOG", None)
    env["XDG_STATE_HOME"] = state_home()
    env.setdefault("LANG", "C.UTF-8")
    env["LC_ALL"] = "C.UTF-8"
    if extra:
        env.update(extra)
    return env


def run(pbxtop, args, timeout=30, env=None, stdin=None):
    """Run pbxtop to completion: (returncode, stdout, stderr)."""
    p = spawn(pbxtop, args, env, capture_output=True, text=True, timeout=timeout,
              stdin=stdin if stdin is not None else subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


class Tmux:
    """A private tmux server running one command in a pane of a fixed size."""

    def __init__(self, cmd, x=100, y=30, env=None, keyring=True):
        self.sock = "pbxtop-%d-%d" % (os.getpid(), int(time.monotonic() * 1000) % 100000)
        envs = []
        env = dict(env or {})
        prefix = ""
        words = shlex.split(cmd)
        # A pbxtop command, also behind a wrapper such as valgrind, gets its config's keyring
        # and the passphrase on descriptor 3 (keyring=False: the test types it itself).
        at = next((i for i, w in enumerate(words)
                   if os.path.basename(w).startswith("pbxtop")), None)
        if at is not None:
            env = with_keyring(words[at], words[at + 1:], env)
            if keyring and "PBXTOP_PASSPHRASE_FD" not in env:
                prefix = "exec 3<%s; " % _q(passphrase_file())
                env["PBXTOP_PASSPHRASE_FD"] = "3"
        # A console of its own: an unfinished batch another test left must not pop up here.
        self.own_state = None
        if "XDG_STATE_HOME" not in env:
            self.own_state = env["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="pbxtop-state-")
        for k, v in pbxtop_env(env).items():
            if k in ("LANG", "LC_ALL", "TERM", "NO_COLOR", "PBXTOP_LOG", "PBXTOP_SIM",
                     "ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS", "PATH", "HOME",
                     "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "TMPDIR",
                     "PBXTOP_TEST_KDF", "PBXTOP_PASSPHRASE_FD"):
                envs.append("%s=%s" % (k, v))
        self.statusfile = tempfile.mktemp(prefix="pbxtop-rc-")
        # The pane keeps running after pbxtop exits so that its last screen and exit code
        # can be read.
        wrapped = "%senv %s %s; echo $? > %s; echo PBXTOP-EXITED; sleep 3600" % (
            prefix, " ".join(_q(e) for e in envs), cmd, self.statusfile)
        self._tmux("-f", "/dev/null", "new-session", "-d", "-x", str(x), "-y", str(y),
                   "sh", "-c", wrapped)
        self._tmux("set-option", "-g", "status", "off")

    def _tmux(self, *args, check=True):
        return subprocess.run(["tmux", "-L", self.sock] + list(args), capture_output=True,
                              text=True, check=check)

    def screen(self, escapes=False):
        args = ["capture-pane", "-p"] + (["-e"] if escapes else [])
        return self._tmux(*args).stdout

    def wait_for(self, text, timeout=5.0):
        """Wait until text (a string or a predicate on the screen) shows; return the screen."""
        pred = text if callable(text) else (lambda s: text in s)
        last = [""]

        def check():
            last[0] = self.screen()
            return last[0] if pred(last[0]) else None
        try:
            return wait_until(check, timeout=timeout, what=repr(text))
        except AssertionError as e:
            raise AssertionError("%s; screen was:\n%s" % (e, last[0]))

    def wait_gone(self, text, timeout=5.0):
        return self.wait_for(lambda s: text not in s, timeout)

    def send(self, *keys):
        self._tmux("send-keys", *keys)

    def send_literal(self, text):
        self._tmux("send-keys", "-l", text)

    def resize(self, x, y):
        self._tmux("resize-window", "-x", str(x), "-y", str(y))

    def title(self):
        return self._tmux("display-message", "-p", "#{pane_title}").stdout.strip()

    def pane_pid(self):
        return int(self._tmux("display-message", "-p", "#{pane_pid}").stdout.strip())

    def exit_code(self, timeout=10.0):
        """Wait for pbxtop to exit; its exit status."""
        self.wait_for("PBXTOP-EXITED", timeout)
        with open(self.statusfile) as f:
            return int(f.read().strip())

    def kill(self):
        self._tmux("kill-server", check=False)
        if self.own_state:
            shutil.rmtree(self.own_state, ignore_errors=True)
        try:
            os.unlink(self.statusfile)
        except OSError:
            pass


def _q(s):
    return "'" + s.replace("'", "'\\''") + "'"
