"""A small test runner: every test_* function of the given modules, one line per test
(PASS/FAIL and its time), the failure's output only when it fails, and one summary line
"SUITE: N passed, N failed". Tests take one argument, the path of the pbxtop binary."""

import argparse
import importlib.util
import os
import sys
import time
import traceback


def load(path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(suite, here):
    ap = argparse.ArgumentParser()
    ap.add_argument("--pbxtop", required=True)
    ap.add_argument("-k", help="run only tests whose name contains this")
    args = ap.parse_args()
    pbxtop = os.path.abspath(args.pbxtop)
    sys.path.insert(0, os.path.dirname(here))
    from pylib import harness
    harness.HOOKED = harness.test_binary(pbxtop)
    files = sorted(f for f in os.listdir(here) if f.startswith("test_") and f.endswith(".py"))
    passed = failed = 0
    for f in files:
        mod = load(os.path.join(here, f))
        for name in sorted(n for n in dir(mod) if n.startswith("test_")):
            if args.k and args.k not in name:
                continue
            t0 = time.monotonic()
            try:
                getattr(mod, name)(pbxtop)
                ok, detail = True, ""
            except Exception:
                ok, detail = False, traceback.format_exc()
            dt = time.monotonic() - t0
            print("%s %s.%s (%.1fs)" % ("PASS" if ok else "FAIL", f[:-3], name, dt), flush=True)
            if ok:
                passed += 1
            else:
                failed += 1
                print("    " + detail.replace("\n", "\n    "), flush=True)
    print("%s: %d passed, %d failed" % (suite, passed, failed), flush=True)
    return 1 if failed else 0
