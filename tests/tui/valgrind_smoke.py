"""make valgrind: the console's real loop under valgrind, in a tmux pane, against a simulator
of all five backend types. It opens the fleet view (-b @all), walks through every table view
with Tab, opens the details of a record and its raw JSON, and ends by itself after FRAMES
frames (-n). Any memory error, and any definite or indirect leak, fails; so does an exit code
other than 0. One line PASS/FAIL with the time, valgrind's reports only on failure."""

import argparse
import glob
import os
import re
import shlex
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pylib.harness import Sim, Tmux  # noqa: E402

BACKENDS = [("jade-lab", "jade", {}), ("issabel-lab", "issabel", {}),
            ("sark-lab", "sark", {"variant": "L11"}), ("ngcp-lab", "ngcp", {}),
            ("dsiprouter-lab", "dsiprouter", {})]
# The views Tab goes through after channels, as the header names them.
VIEWS = ["extensions", "ringgroups", "queuemembers", "queues", "backends", "channels"]
ERRORS = re.compile(r"ERROR SUMMARY: (\d+) errors")


def header(screen):
    return screen.split("\n")[0]


def view_with_rows(view):
    """The header names the view and counts some rows (the backends view counts none)."""
    pat = re.compile(r"· %s · .*\b[1-9]\d* [a-z ]+$" % view)
    return lambda s: (("· %s ·" % view) in header(s) if view == "backends"
                      else pat.search(header(s)))


def drive(t):
    """Visit what the loop can show while the frames last. Under valgrind every step is slow,
    so each waits for the screen, and the walk stops quietly once pbxtop has ended."""
    steps = [(None, view_with_rows("channels"))]
    steps += [("Tab", view_with_rows(v)) for v in VIEWS]
    steps += [("Enter", lambda s: "(r raw JSON, Esc closes)" in s),
              ("r", lambda s: "(r fields, Esc closes)" in s),
              ("Escape", view_with_rows("channels")), ("?", None), ("Escape", None)]
    for key, shown in steps:
        if key:
            t.send(key)
        if shown:
            try:
                t.wait_for(lambda s: shown(s) or "PBXTOP-EXITED" in s, 60)
            except AssertionError:
                return
        if "PBXTOP-EXITED" in t.screen():
            return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pbxtop", required=True)
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--suppressions", required=True)
    ap.add_argument("--logs", required=True, help="folder for valgrind's reports")
    args = ap.parse_args()
    os.makedirs(args.logs, exist_ok=True)
    for old in glob.glob(os.path.join(args.logs, "vg.*.log")):
        os.unlink(old)
    vg = ["valgrind", "--error-exitcode=99", "--leak-check=full",
          "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect",
          "--num-callers=40", "--suppressions=" + args.suppressions,
          "--log-file=" + os.path.join(args.logs, "vg.%p.log")]
    t0 = time.monotonic()
    sim = Sim(BACKENDS, churn=True)
    t = None
    rc = None
    try:
        sim.start()
        cfg = sim.write_config()
        cmd = " ".join(shlex.quote(a) for a in vg + [os.path.abspath(args.pbxtop), "-c", cfg,
                                                    "-b", "@all", "-n", str(args.frames)])
        t = Tmux(cmd, x=120, y=40, env={"TERM": "screen"})
        drive(t)
        rc = t.exit_code(timeout=300)
    finally:
        if t:
            t.kill()
        sim.cleanup()
    logs = sorted(glob.glob(os.path.join(args.logs, "vg.*.log")))
    counts = [int(n) for log in logs for n in ERRORS.findall(open(log).read())]
    ok = rc == 0 and counts and not any(counts)
    print("%s valgrind: pbxtop -b @all -n %d (%.0fs)" % ("PASS" if ok else "FAIL", args.frames,
                                                       time.monotonic() - t0), flush=True)
    if not ok:
        print("    exit code %s; reports in %s" % (rc, args.logs))
        for log in logs:
            print("    " + open(log).read().replace("\n", "\n    "))
    print("valgrind: %d passed, %d failed" % (1 if ok else 0, 0 if ok else 1), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
