"""Run every simulator self-test (selftest*.py here) and print "sim: N passed, N failed"
over all their checks, so that `make check` knows the simulator it tests against is right."""

import glob
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    passed = failed = 0
    for path in sorted(glob.glob(os.path.join(HERE, "selftest*.py"))):
        p = subprocess.run([sys.executable, path], capture_output=True, text=True, timeout=300)
        out = p.stdout + p.stderr
        m = re.findall(r"(\d+) passed, (\d+) failed", out)
        ok, bad = (int(m[-1][0]), int(m[-1][1])) if m else (0, 1)
        if p.returncode and not bad:
            bad = 1
        passed += ok
        failed += bad
        print("%s %s (%d passed, %d failed)" % ("PASS" if p.returncode == 0 else "FAIL",
                                               os.path.basename(path), ok, bad), flush=True)
        if p.returncode:
            print("    " + out.replace("\n", "\n    "))
    print("sim: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
