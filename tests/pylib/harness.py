"""Shared helpers for pbxtop's Python test suites: the simulator, configs, running pbxtop,
and driving the console in tmux. Standard library only."""

import atexit
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
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
    p = subprocess.run([pbxtop] + args, capture_output=True, text=True, timeout=timeout,
                       env=pbxtop_env(env), stdin=stdin if stdin is not None else subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


class Tmux:
    """A private tmux server running one command in a pane of a fixed size."""

    def __init__(self, cmd, x=100, y=30, env=None):
        self.sock = "pbxtop-%d-%d" % (os.getpid(), int(time.monotonic() * 1000) % 100000)
        envs = []
        env = dict(env or {})
        # A console of its own: an unfinished batch another test left must not pop up here.
        self.own_state = None
        if "XDG_STATE_HOME" not in env:
            self.own_state = env["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="pbxtop-state-")
        for k, v in pbxtop_env(env).items():
            if k in ("LANG", "LC_ALL", "TERM", "NO_COLOR", "PBXTOP_LOG", "PBXTOP_SIM",
                     "ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS", "PATH", "HOME",
                     "XDG_CONFIG_HOME", "XDG_STATE_HOME", "TMPDIR"):
                envs.append("%s=%s" % (k, v))
        self.statusfile = tempfile.mktemp(prefix="pbxtop-rc-")
        # The pane keeps running after pbxtop exits so that its last screen and exit code
        # can be read.
        wrapped = "env %s %s; echo $? > %s; echo PBXTOP-EXITED; sleep 3600" % (
            " ".join(_q(e) for e in envs), cmd, self.statusfile)
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
