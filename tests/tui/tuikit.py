"""Helpers for the TUI tests: one console session against the simulator, screen parsing,
request-log queries and process lookups. Standard library only; waits poll, never sleep a
fixed time to let something happen."""

import contextlib
import json
import os
import re
import shlex
import signal
import tempfile
import time
import urllib.request

from pylib import harness  # noqa: E402
from pylib.harness import Sim, Tmux, release_binary, wait_until  # noqa: F401 (re-exported)

BACKEND = "office"
CHANNELS_PATH = "/v1/admin/core/channels"
HINTS = "F9/X Hang up"
DIALOG_BUTTONS = re.compile(r"(\[ Hang up \]|> Hang up <)\s+(\[ Cancel \]|> Cancel <)")


# ---------------------------------------------------------------- sessions

@contextlib.contextmanager
def console(pbxtop, args="", opts=None, extra=None, x=100, y=30, env=None, wait_rows=True,
            sim_kw=None, config_extra="timeout = 5\n", prepare=None):
    """A simulator with one jade backend `office` and pbxtop on it in a tmux pane.
    prepare(sim) runs before pbxtop starts. Yields (sim, tmux); both are torn down whatever
    happens."""
    sim = Sim([(BACKEND, "jade", opts or {})], **(sim_kw or {}))
    tmux = None
    try:
        sim.start()
        cfg = sim.write_config(extra={BACKEND: config_extra + (extra or "")})
        if prepare:
            prepare(sim)
        tmux = Tmux("%s -c %s %s" % (shlex.quote(pbxtop), shlex.quote(cfg), args), x=x, y=y,
                    env=pane_env(env))
        if wait_rows:
            # read the count again each time: with churn it moves while pbxtop starts
            tmux.wait_for(lambda s: header_calls(s) == len(sim.state(BACKEND)["channels"])
                          and table_rows(s), 10)
        yield sim, tmux
    finally:
        if tmux:
            tmux.kill()
        sim.cleanup()


def pane_env(env=None):
    """The pane's environment: TERM is what tmux emulates ("screen", tmux's default-terminal
    with -f /dev/null), not the runner's own TERM, or keys like End would not decode."""
    out = {"TERM": "screen"}
    out.update(env or {})
    return out


# ---------------------------------------------------------------- screen parsing

def lines(screen):
    return screen.split("\n")


def header(screen):
    return lines(screen)[0]


def status(screen):
    """The last non-empty line: flash messages, `N marked` and key hints."""
    ls = [l for l in lines(screen) if l.strip()]
    return ls[-1] if ls else ""


def header_calls(screen):
    m = re.search(r"(\d+) calls?\s*$", header(screen))
    return int(m.group(1)) if m else None


def table_rows(screen):
    """[(marker, channel name, whole line)] of the table body (rows 2..), dialogs excluded."""
    out = []
    ls = lines(screen)
    if ls and ls[-1] == "":
        ls = ls[:-1]                            # capture-pane ends with a newline
    if ls[1:2] and not ls[1].startswith(" CHANNEL "):
        return out                              # help or another screen, not the table
    for line in ls[2:-1]:                       # the last row is the status line
        m = re.match(r"^([ >*])(\S+/\S+)\s", line)
        if m:
            out.append((m.group(1), m.group(2), line))
    return out


def row_names(screen):
    return [name for _, name, _ in table_rows(screen)]


def cursor_name(screen):
    """The channel on the `>` row (the cursor), or None."""
    for marker, name, _ in table_rows(screen):
        if marker == ">":
            return name
    return None


def find_row(screen, name):
    for marker, n, line in table_rows(screen):
        if n == name:
            return marker, line
    return None


def dialog_box(screen):
    """Where the confirmation dialog is: dict(top, bottom, left, right, title, lines,
    buttons) in screen cells, or None when no dialog is shown."""
    ls = lines(screen)
    for y, line in enumerate(ls):
        i = line.find("Hang up ")
        if i < 0 or "?" not in line[i:] or y == len(ls) - 1:
            continue
        title = line[i:line.index("?", i) + 1]
        left = i - 2
        right = i + len(title)
        while right < len(line) and line[right] in "q─-":
            right += 1
        for by in range(y + 1, len(ls)):
            if DIALOG_BUTTONS.search(ls[by]):
                body = [ls[r][left + 1:right].strip() for r in range(y + 1, by)]
                return {"top": y, "bottom": by + 1, "left": left, "right": right,
                        "title": title, "lines": [b for b in body if b],
                        "buttons": DIALOG_BUTTONS.search(ls[by]).group(0)}
    return None


def focused_button(screen):
    box = dialog_box(screen)
    if not box:
        return None
    m = re.search(r"> (Hang up|Cancel) <", box["buttons"])
    return m.group(1) if m else None


# ---------------------------------------------------------------- the simulator's log

def channel_deletes(sim, since=0):
    return [r for r in sim.requests(BACKEND, since)
            if r["method"] == "DELETE" and r["path"].startswith(CHANNELS_PATH + "/")]


def channel_gets(sim, since=0):
    return [r for r in sim.requests(BACKEND, since)
            if r["method"] == "GET" and r["path"] == CHANNELS_PATH]


def uid_of(sim, name):
    for c in sim.state(BACKEND)["channels"]:
        if c["channel"] == name:
            return c["unique_id"]
    raise AssertionError("the simulator has no channel %s" % name)


def delete_path(uid):
    return CHANNELS_PATH + "/" + urllib.request.quote(uid, safe="")


def assert_no_delete(sim, since, what, settle=0.7):
    """A short bounded wait to show that no DELETE reaches the simulator."""
    deadline = time.monotonic() + settle
    while time.monotonic() < deadline:
        dels = channel_deletes(sim, since)
        assert not dels, "%s: DELETE sent anyway: %s" % (what, [d["path"] for d in dels])
        time.sleep(0.05)


def move_cursor_to(tmux, name, timeout=5):
    """Press j/k until the cursor is on channel `name`."""
    def step():
        s = tmux.screen()
        names = row_names(s)
        cur = cursor_name(s)
        if cur == name:
            return True
        if name not in names or cur not in names:
            return False
        tmux.send("j" if names.index(cur) < names.index(name) else "k")
        # wait for the cursor to move before the next decision
        wait_until(lambda: cursor_name(tmux.screen()) != cur, 2, what="the cursor to move")
        return False
    wait_until(step, timeout, what="cursor on %s" % name)


# ---------------------------------------------------------------- processes

def children(pid):
    out = []
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            out = [int(p) for p in f.read().split()]
    except OSError:
        pass
    return out


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        for c in children(todo.pop()):
            out.append(c)
            todo.append(c)
    return out


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def proc_state(pid):
    """The one-letter state of /proc/PID/stat (R, S, T, Z...), or None if it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    return data[data.rindex(")") + 2]


def alive(pid):
    st = proc_state(pid)
    return st is not None and st not in "ZX"


def pbxtop_pid(tmux, timeout=5):
    """The pid of the pbxtop process under the pane's shell."""
    pane = tmux.pane_pid()
    names = ("pbxtop", "pbxtop-test")
    return wait_until(lambda: next((p for p in descendants(pane) if comm(p) in names), None),
                      timeout, what="the pbxtop process")


def pane_flag(tmux, fmt):
    return tmux._tmux("display-message", "-p", "#{%s}" % fmt).stdout.strip()


def send_signal(pid, sig=signal.SIGTERM):
    os.kill(pid, sig)


# ---------------------------------------------------------------- the demo's simulator

class DemoSim:
    """Talks to the control API of the simulator that `pbxtop demo` started."""

    def __init__(self, ports_path):
        with open(ports_path) as f:
            self.ports = json.load(f)

    @property
    def pid(self):
        return self.ports["pid"]

    def ctl(self, method, path, body=None):
        return harness.control(self.ports["control"], method, path, body)

    def requests(self, backend, since=0):
        return self.ctl("GET", "/requests?since=%d&backend=%s" % (since, backend))["requests"]

    def state(self, backend):
        return self.ctl("GET", "/state?backend=%s" % backend)

    def op(self, backend, op, **kw):
        kw.update(backend=backend, op=op)
        return self.ctl("POST", "/state", kw)


def private_tmpdir():
    return tempfile.mkdtemp(prefix="pbxtop-tuitmp-")
