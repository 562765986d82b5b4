#!/usr/bin/env python3
"""pbxsim: a loopback simulator of the PBX REST APIs that pbxtop speaks.

    python3 tests/sim/pbxsim.py --dir DIR --backend NAME=TYPE[,key=val...] [--backend ...]
            [--churn] [--seed N] [--no-tls] [--watch-stdin] [--cleanup-dir] [--verbose]

Each backend gets its own listener on 127.0.0.1 (HTTPS with DIR/cert.pem unless
--no-tls) and one plain-HTTP control listener steers them all.  The sim is ready
once DIR/ports.json exists.  See README.md for the control API.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import threading

import simcore

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")


def parse_backend(spec):
    """'office=jade,channels=3' -> ('office', 'jade', {'channels': '3'})."""
    name, eq, rest = spec.partition("=")
    if not eq or not NAME_RE.match(name):
        raise ValueError("bad --backend %r: want NAME=TYPE[,key=val...]" % spec)
    type_name, *pairs = rest.split(",")
    opts = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key:
            raise ValueError("bad option %r in --backend %s" % (pair, name))
        opts[key] = value
    return name, type_name, opts


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="pbxsim", description=__doc__.split("\n")[0])
    parser.add_argument("--dir", required=True, help="private working directory")
    parser.add_argument("--backend", action="append", required=True, metavar="NAME=TYPE[,k=v]",
                        help="a simulated backend; repeat for more")
    parser.add_argument("--churn", action="store_true", help="live channels come and go")
    parser.add_argument("--seed", type=int, default=1, help="seed for all generated data")
    parser.add_argument("--no-tls", action="store_true", help="serve backends over plain HTTP")
    parser.add_argument("--watch-stdin", action="store_true",
                        help="exit when stdin reaches EOF (the parent died)")
    parser.add_argument("--cleanup-dir", action="store_true", help="remove DIR on exit")
    parser.add_argument("--verbose", action="store_true", help="log requests and errors")
    return parser.parse_args(argv)


def build_sim(args):
    specs = [parse_backend(s) for s in args.backend]
    names = [name for name, _, _ in specs]
    if len(set(names)) != len(names):
        raise ValueError("backend names must be unique")
    return simcore.Sim(args.dir, specs, seed=args.seed, churn=args.churn,
                       tls=not args.no_tls, verbose=args.verbose)


def watch_stdin(sim):
    """Stop the sim when stdin closes: our parent has gone away."""
    try:
        while sys.stdin.buffer.read1(65536):
            pass
    except (OSError, ValueError, AttributeError):   # closed or absent stdin
        pass
    sim.stop()


def main(argv=None):
    args = parse_args(argv)
    try:
        sim = build_sim(args)
    except ValueError as exc:
        sys.stderr.write("pbxsim: %s\n" % exc)
        return 2
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: sim.stop())
    if args.watch_stdin:
        threading.Thread(target=watch_stdin, args=(sim,), daemon=True).start()
    try:
        sim.start()
        sim.run()
        return 0
    except (OSError, subprocess.SubprocessError) as exc:
        sys.stderr.write("pbxsim: cannot start: %s\n" % exc)
        return 1
    finally:
        sim.shutdown()
        if args.cleanup_dir:
            shutil.rmtree(sim.workdir, ignore_errors=True)


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Requests held by a "hang" fault live in daemon threads; do not wait for them.
    os._exit(code)
