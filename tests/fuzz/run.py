"""fuzz-smoke: every libFuzzer target given (build/fuzz/fuzz_<name>) replays its regression
inputs (tests/fuzz/regress/<name>/), then fuzzes from its corpus (tests/fuzz/corpus/<name>/)
for a fixed number of runs under a time cap. One line per target, the fuzzer's report only
when it fails, and "fuzz: N passed, N failed".

New inputs the fuzzer finds go to build/fuzz/work/<name>/, never into tests/: a run leaves the
committed corpus as it was. A crash leaves its input in build/fuzz/artifacts/; once the bug is
fixed, that file goes into tests/fuzz/regress/<name>/ so that every later run replays it."""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_LEN = re.compile(r"^#define FUZZ_MAX_LEN\s+(\d+)", re.M)


def target_files(name):
    """The target's size cap (its FUZZ_MAX_LEN, so that the fuzzer makes no input the target
    skips), its dictionary if it has one, its corpus and regression folders."""
    with open(os.path.join(HERE, "fuzz_%s.c" % name)) as f:
        m = MAX_LEN.search(f.read())
    if not m:
        raise SystemExit("tests/fuzz/fuzz_%s.c: no #define FUZZ_MAX_LEN" % name)
    d = os.path.join(HERE, "%s.dict" % name)
    return (int(m.group(1)), d if os.path.exists(d) else None,
            os.path.join(HERE, "corpus", name), os.path.join(HERE, "regress", name))


def run(cmd, log):
    with open(log, "a") as out:
        out.write("$ %s\n" % " ".join(cmd))
        out.flush()
        return subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL).returncode


def fuzz_one(binary, args, outdir):
    name = os.path.basename(binary)[len("fuzz_"):]
    max_len, dict_path, corpus, regress = target_files(name)
    work = os.path.join(outdir, "work", name)
    log = os.path.join(outdir, "logs", name + ".log")
    artifacts = os.path.join(outdir, "artifacts", name + "-")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    os.makedirs(os.path.dirname(log), exist_ok=True)
    os.makedirs(os.path.dirname(artifacts), exist_ok=True)
    if os.path.exists(log):
        os.unlink(log)
    common = ["-timeout=10", "-rss_limit_mb=2048", "-artifact_prefix=" + artifacts]
    # Whole files, whatever their size: a regression input is replayed exactly as it crashed.
    inputs = sorted(os.path.join(regress, f) for f in os.listdir(regress)) \
        if os.path.isdir(regress) else []
    if inputs and run([binary] + common + inputs, log):
        return False, log
    cmd = [binary] + common + ["-runs=%d" % args.runs, "-max_total_time=%d" % args.max_time,
                               "-max_len=%d" % max_len, "-print_final_stats=1"]
    if dict_path:
        cmd.append("-dict=" + dict_path)
    cmd += [work] + [d for d in (corpus, regress) if os.path.isdir(d)]
    return run(cmd, log) == 0, log


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20000, help="mutations per target")
    ap.add_argument("--max-time", type=int, default=60, help="seconds per target at most")
    ap.add_argument("--out", default="build/fuzz", help="where work, logs and crashes go")
    ap.add_argument("targets", nargs="+")
    args = ap.parse_args()
    os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    passed = failed = 0
    for binary in args.targets:
        if not os.access(binary, os.X_OK) or "." in os.path.basename(binary):
            continue  # build/fuzz/fuzz_* also matches the compiler's .d files
        t0 = time.monotonic()
        ok, log = fuzz_one(binary, args, args.out)
        print("%s %s (%.0fs)" % ("PASS" if ok else "FAIL", binary, time.monotonic() - t0),
              flush=True)
        if ok:
            passed += 1
            continue
        failed += 1
        with open(log) as f:
            tail = f.read().splitlines()[-60:]
        print("    " + "\n    ".join(tail), flush=True)
    print("fuzz: %d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
