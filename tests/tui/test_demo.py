"""`pbxtop demo`: it starts the bundled simulator in a private temp dir, shows churning
channels, hangs up, and leaves nothing behind, whether it quits or is killed."""

import contextlib
import glob
import os
import shlex
import shutil
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tuikit import (DemoSim, Tmux, alive, cursor_name, delete_path, dialog_box,  # noqa: E402
                    header, header_calls, pane_env, pbxtop_pid, private_tmpdir, row_names,
                    release_binary, status, table_rows, wait_until)

DEMO = "jade-lab"


@contextlib.contextmanager
def demo(pbxtop):
    """pbxtop demo in a pane, with TMPDIR set to a fresh private dir. Yields (tmux, tmpdir)."""
    tmp = private_tmpdir()
    t = None
    try:
        # The release binary, as `make demo` runs it: its own keyring, no prompt.
        t = Tmux("%s demo" % shlex.quote(release_binary(pbxtop)), env=pane_env({"TMPDIR": tmp}))
        t.wait_for(lambda s: "pbxtop · %s (jade) · channels" % DEMO in header(s)
                   and header_calls(s) and table_rows(s), 15)
        yield t, tmp
    finally:
        if t:
            pid = None
            try:
                pid = pbxtop_pid(t, timeout=0.1)
            except AssertionError:
                pass
            t.kill()
            if pid:
                wait_until(lambda: not alive(pid), 5, what="pbxtop to go with its pane")
        for ports in glob.glob(os.path.join(tmp, "pbxtop-demo.*", "ports.json")):
            # never leave a simulator behind, even when a test failed half way
            try:
                pid = DemoSim(ports).pid
                if alive(pid):
                    os.kill(pid, signal.SIGKILL)
            except (OSError, ValueError):
                pass
        shutil.rmtree(tmp, ignore_errors=True)


def demo_dir(tmp):
    dirs = glob.glob(os.path.join(tmp, "pbxtop-demo.*"))
    assert len(dirs) == 1, dirs
    d = dirs[0]
    assert os.stat(d).st_mode & 0o077 == 0, "the demo dir is not private: %o" % os.stat(d).st_mode
    return d


def test_demo_runs_hangs_up_and_cleans_up(pbxtop):
    with demo(pbxtop) as (t, tmp):
        d = demo_dir(tmp)
        sim = DemoSim(os.path.join(d, "ports.json"))
        assert alive(sim.pid)
        # The channels change by themselves (churn).
        first = set(row_names(t.screen()))
        t.wait_for(lambda s: table_rows(s) and set(row_names(s)) != first, 12)
        # Calm it down for a deterministic hang up.
        sim.op(DEMO, "churn", on=False)
        chans = sim.state(DEMO)["channels"]
        names = sorted(c["channel"] for c in chans)
        t.wait_for(lambda s: row_names(s) == names and header_calls(s) == len(names), 4)
        target = names[0]
        uid = next(c["unique_id"] for c in chans if c["channel"] == target)
        t.send("Home")
        t.wait_for(lambda s: cursor_name(s) == target, 2)
        seq = sim.requests(DEMO)[-1]["seq"]
        t.send("X")
        s = t.wait_for(lambda s: dialog_box(s) is not None, 2)
        assert dialog_box(s)["title"] == "Hang up this channel on %s?" % DEMO
        t.send("y")
        t.wait_for(lambda s: "Hung up " + target in status(s), 4)
        t.wait_for(lambda s: target not in row_names(s), 4)
        dels = [r for r in sim.requests(DEMO, seq) if r["method"] == "DELETE"]
        assert [r["path"] for r in dels] == [delete_path(uid)], dels
        # q: pbxtop exits 0, the simulator stops and the temp dir goes.
        t.send("q")
        assert t.exit_code() == 0
        wait_until(lambda: not alive(sim.pid), 5, what="the demo simulator to stop")
        wait_until(lambda: not os.path.exists(d), 5, what="the demo dir to be removed")
        assert not glob.glob(os.path.join(tmp, "pbxtop-demo.*"))


def test_demo_kill9_leaves_nothing(pbxtop):
    with demo(pbxtop) as (t, tmp):
        d = demo_dir(tmp)
        sim = DemoSim(os.path.join(d, "ports.json"))
        pid = pbxtop_pid(t)
        assert alive(sim.pid)
        os.kill(pid, signal.SIGKILL)
        t.exit_code()
        # The simulator sees its stdin close and exits by itself, removing the dir.
        wait_until(lambda: not alive(sim.pid), 5, what="the orphaned simulator to exit")
        wait_until(lambda: not os.path.exists(d), 5, what="the demo dir to be removed")


def test_demo_sigterm_leaves_nothing(pbxtop):
    with demo(pbxtop) as (t, tmp):
        d = demo_dir(tmp)
        sim = DemoSim(os.path.join(d, "ports.json"))
        os.kill(pbxtop_pid(t), signal.SIGTERM)
        assert t.exit_code() == 128 + signal.SIGTERM
        wait_until(lambda: not alive(sim.pid), 5, what="the demo simulator to stop")
        wait_until(lambda: not os.path.exists(d), 5, what="the demo dir to be removed")
