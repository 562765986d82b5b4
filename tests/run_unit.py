"""Run the cmocka unit test binaries given as arguments; print one line per binary and
"unit: N passed, N failed" counted over the individual cmocka tests."""

import re
import subprocess
import sys


def main(bins):
    passed = failed = 0
    for b in bins:
        p = subprocess.run([b], capture_output=True, text=True)
        out = p.stdout + p.stderr
        ok_n = sum(int(n) for n in re.findall(r"\[  PASSED  \] (\d+) test", out))
        bad_n = sum(int(n) for n in re.findall(r"\[  FAILED  \] (\d+) test", out))
        if p.returncode != 0 and bad_n == 0:
            bad_n = 1  # crashed or aborted before cmocka could count
        passed += ok_n
        failed += bad_n
        print("%s %s (%d passed, %d failed)" % ("PASS" if p.returncode == 0 else "FAIL", b,
                                               ok_n, bad_n), flush=True)
        if p.returncode != 0:
            print("    " + out.replace("\n", "\n    "))
    print("unit: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
