#!/usr/bin/env python3
"""make bench: pbxtop's figures against their references and budgets, as one table.

    python3 tests/bench/bench.py --build build/release [--quick] [--only NAME,...] [--json FILE]

Every ratio is taken in one run with its reference, so that it holds on a loaded machine;
counts that do not depend on the hardware (bytes per frame, connections opened, callgrind
instructions) come first. Never fails because a figure misses its budget: the table says
OK or MISSED, and the exit status says only whether the bench itself could run.
Standard library only; the simulator is tests/sim/pbxsim.py.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, HERE)

from pylib.harness import Sim, wait_until  # noqa: E402
from console import Console, cpu_seconds, wait_idle_cpu  # noqa: E402

MB = 1 << 20


class Table:
    """Rows of (figure, value, budget, verdict); verdict None = for information."""

    def __init__(self):
        self.rows = []

    def add(self, figure, value, budget="", ok=None, note=""):
        verdict = "" if ok is None else ("OK" if ok else "MISSED")
        self.rows.append({"figure": figure, "value": value, "budget": budget,
                          "verdict": verdict, "note": note})
        print("  %-62s %-16s %-14s %s" % (figure, value, budget, verdict), flush=True)

    def section(self, title):
        self.rows.append({"section": title})
        print("\n%s" % title, flush=True)

    def render(self):
        out = ["%-64s %-18s %-16s %s" % ("figure", "measured", "budget", "verdict")]
        for r in self.rows:
            if "section" in r:
                out.append("-- %s" % r["section"])
                continue
            out.append("  %-62s %-18s %-16s %s%s" % (r["figure"], r["value"], r["budget"],
                                                    r["verdict"],
                                                    ("  (" + r["note"] + ")") if r["note"]
                                                    else ""))
        return "\n".join(out)


def ratio(a, b):
    return a / b if b else float("inf")


# ---------------------------------------------------------------- decode (C)

def bench_decode(args, table):
    exe = os.path.join(args.build, "tests", "bench_decode")
    sizes = ["1000", "10000"] if args.quick else ["1000", "10000", "100000"]
    out = subprocess.run([exe, "table"] + sizes, capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    table.section("decode + model swap against bare cJSON parse + walk + free (CPU time, median)")
    for r in rows:
        if r["what"] != "decode":
            continue
        what = "%s %s %s" % (r["format"], "channels" if r["format"] == "jade" else "extensions",
                             "{:,}".format(r["n"]))
        q = ratio(r["swap_ms"], r["bare_ms"])
        table.add("%s: decode+swap / bare" % what, "%.2fx" % q, "<= 1.30x", q <= 1.3,
                  "%.1f / %.1f ms" % (r["swap_ms"], r["bare_ms"]))
        table.add("  %s: without raw JSON per record" % what, "%.2fx" % ratio(r["noraw_ms"],
                                                                        r["bare_ms"]),
                  "", None, "%.1f ms" % r["noraw_ms"])
        table.add("  %s: with a cJSON_InitHooks arena" % what, "%.2fx" % ratio(r["arena_ms"],
                                                                         r["bare_ms"]),
                  "", None, "%.1f ms" % r["arena_ms"])
        table.add("  %s: recognising an unchanged body (memcmp) / decode+swap" % what,
                  "%.1f%%" % (100 * ratio(r["cmp_ms"], r["swap_ms"])), "", None)
    table.section("memory of the decoded model (heap, mallinfo2)")
    for r in rows:
        if r["what"] != "memory":
            continue
        table.add("%s: cJSON tree / JSON bytes" % r["format"],
                  "%.1fx" % ratio(r["tree"], r["bytes"]), "", None)
        table.add("%s: model per 10k records (with raw JSON)" % r["format"],
                  "%.1f MB" % (r["model"] / MB), "", None)
        table.add("%s: model per 10k records (without raw JSON)" % r["format"],
                  "%.1f MB" % (r["model_noraw"] / MB), "", None)
    return {r["format"]: r for r in rows if r["what"] == "memory"}


def callgrind_ir(exe, args_):
    """Instructions executed inside bench_bare / bench_decode_swap (valgrind callgrind)."""
    with tempfile.TemporaryDirectory(prefix="pbxtop-cg-") as tmp:
        out = os.path.join(tmp, "cg.out")
        subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
                        "--collect-atstart=no", "--toggle-collect=bench_bare",
                        "--toggle-collect=bench_decode_swap", exe, "once"] + args_,
                       capture_output=True, check=True)
        with open(out) as f:
            for line in f:
                if line.startswith("totals:") or line.startswith("summary:"):
                    return int(line.split()[1]), out_top(out)
    raise RuntimeError("callgrind wrote no totals")


def out_top(path, n=8):
    """The top self-cost entries (callgrind_annotate) for the report."""
    try:
        text = subprocess.run(["callgrind_annotate", "--inclusive=yes", path],
                              capture_output=True, text=True).stdout
    except OSError:
        return []
    rows = [ln.strip() for ln in text.splitlines() if re.match(r"\s*[\d,]+ \(", ln)]
    return rows[:n + 8]


def bench_callgrind(args, table):
    if not shutil.which("valgrind"):
        table.add("callgrind instruction ratios", "skipped", "", None, "valgrind missing")
        return
    exe = os.path.join(args.build, "tests", "bench_decode")
    table.section("decode + model swap against bare cJSON, instructions (callgrind, 10k records)")
    for fmt in ("jade", "issabel"):
        bare, _ = callgrind_ir(exe, [fmt, "10000", "bare"])
        dec, top = callgrind_ir(exe, [fmt, "10000", "decode"])
        noraw, _ = callgrind_ir(exe, [fmt, "10000", "decode_noraw"])
        q = ratio(dec, bare)
        table.add("%s 10,000: decode+swap / bare instructions" % fmt, "%.2fx" % q, "<= 1.30x",
                  q <= 1.3, "%d / %d Ir" % (dec, bare))
        table.add("  %s 10,000: without raw JSON per record" % fmt, "%.2fx" % ratio(noraw, bare),
                  "", None)
        if q > 1.3:
            args.profiles.append(("%s decode+swap, callgrind_annotate --inclusive=yes" % fmt,
                                  top))


# ------------------------------------------------------------- the console

def sim_config(sim, names, refresh, path):
    """A config for the named backends, polled every `refresh` seconds."""
    path = sim.write_config(names=names, path=path)
    with open(path) as f:
        text = f.read().replace("refresh = 1\n", "refresh = %d\n" % refresh, 1)
    with open(path, "w") as f:
        f.write(text)
    return path


def bench_frames(args, table, tmp):
    table.section("bytes written to the terminal per frame (pty; 1,000 extensions)")
    sim = Sim([("office", "issabel", {"extensions": 1000})])
    sim.start()
    try:
        cfg = sim_config(sim, ["office"], 3600, os.path.join(tmp, "frames.ini"))
        numbers = sorted(e["extension"] for e in sim.state("office")["extensions"])
        # Answers come 300 ms after Ctrl-R, so that its flash is a frame of its own.
        sim.fault(backend="office", kind="delay", ms=300, path="/pbxapi/extensions$")
        for cols, rows in ((200, 60), (80, 24)):
            con = Console(args.pbxtop, cfg, cols, rows, ["-v", "ext"], tmp)
            try:
                con.wait_for_bytes(2000, 20)
                wait_idle_cpu(con.pid)
                tick = con.tick_bytes()
                nothing = min(con.key_frame(b"~") for _ in range(3))
                table.add("%dx%d: key that changes nothing" % (cols, rows), "%d B" % nothing,
                          "0 B", nothing == 0)
                table.add("%dx%d: the once-a-second tick (age in the header)" % (cols, rows),
                          "%d B" % tick, "", None)
                same = con.poll_frame()
                table.add("%dx%d: poll that changed nothing (Ctrl-R)" % (cols, rows),
                          "%d B" % same, "", None, "poll frame, flash excluded")
                five = [n for i, n in enumerate(numbers) if i % 20 == 0]
                sim.op("office", "rename_extensions", extensions=five, name="Renamed five")
                b5 = con.poll_frame()
                budget = 600 if cols == 200 else None
                table.add("%dx%d: poll where 5%% of the rows changed" % (cols, rows),
                          "%d B" % b5, "<= 600 B" if budget else "",
                          (b5 <= budget) if budget else None)
                sim.op("office", "rename_extensions", extensions=numbers, name="Renamed all")
                ball = con.poll_frame()
                table.add("%dx%d: poll where every row changed" % (cols, rows), "%d B" % ball,
                          "< full repaint", None)
                move = con.key_frame(b"j")
                table.add("%dx%d: cursor move (j), 1,000 rows" % (cols, rows), "%d B" % move, "",
                          None)
                full = con.key_frame(b"\x0c")
                table.add("%dx%d: full repaint (Ctrl-L), for scale" % (cols, rows),
                          "%d B" % full, "", None)
                if cols == 200:
                    args.full_repaint = full
                sim.op("office", "rename_extensions", extensions=numbers, name="Back")
            finally:
                con.quit()
    finally:
        sim.cleanup()


def bench_idle(args, table, tmp):
    """Console CPU over the same window, side by side: nothing to poll, 5 small backends, the
    churning 10k-channel feed, and `watch curl | jq` on that feed."""
    secs = 15 if args.quick else 60
    table.section("CPU over %d s (share of one core; consoles and watch side by side)" % secs)
    backends = [("idle", "jade", {})] + [("small%d" % i, "jade", {}) for i in range(5)] + \
        [("big", "jade", {"channels": 10000})]
    sim = Sim(backends, churn=True)
    sim.start()
    cons = []
    watch = None
    try:
        cfg_idle = sim_config(sim, ["idle"], 2, os.path.join(tmp, "idle.ini"))
        cfg_small = sim_config(sim, ["small%d" % i for i in range(5)], 2,
                               os.path.join(tmp, "small.ini"))
        cfg_big = sim_config(sim, ["big"], 2, os.path.join(tmp, "big.ini"))
        # jade has no ring groups: that view polls nothing.
        nothing = Console(args.pbxtop, cfg_idle, 200, 60, ["-v", "rg"], tmp)
        small = Console(args.pbxtop, cfg_small, 200, 60, ["-b", "@all", "-v", "ch"], tmp)
        big = Console(args.pbxtop, cfg_big, 200, 60, ["-v", "ch"], tmp)
        cons = [nothing, small, big]
        token = jade_token(sim.url("big"), sim.cert)
        url = "%s/v1/admin/core/channels?authtoken=%s" % (sim.url("big"), token)
        cmd = "curl -s --cacert %s '%s' | jq ." % (sim.cert, url)
        watch = Console("watch", None, 200, 60, ["-n", "2", cmd], tmp, raw_argv=True)
        time.sleep(6)                     # logins, first polls, first decodes
        before = [cpu_seconds(c.pid, children=c is watch) for c in cons + [watch]]
        seq0 = sim.last_seq()
        time.sleep(secs)
        after = [cpu_seconds(c.pid, children=c is watch) for c in cons + [watch]]
        reqs = sim.requests(since=seq0)
        polled_idle = sum(1 for r in reqs if r["backend"] == "idle")
        use = [100.0 * (a - b) / secs for a, b in zip(after, before)]
        table.add("nothing to poll", "%.3f%%" % use[0], "<= 0.01%", use[0] <= 0.01,
                  "%d requests" % polled_idle)
        table.add("5 small backends polled every 2 s", "%.3f%%" % use[1], "<= 0.05%",
                  use[1] <= 0.05)
        table.add("churning 10k-channel feed every 2 s: console", "%.2f%%" % use[2], "", None)
        table.add("  watch -n 2 'curl -s URL | jq .' on the same feed", "%.2f%%" % use[3], "",
                  None)
        q = ratio(use[3], use[2])
        table.add("  watch curl|jq / console", "%.2fx" % q, ">= 2x", q >= 2)
    finally:
        for c in cons:
            c.quit()
        if watch:
            watch.quit()
        sim.cleanup()


def jade_token(url, cert):
    out = subprocess.run(["curl", "-s", "--cacert", cert, "-u", "admin:admin", "-X", "POST",
                          url + "/v1/admin/login"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["result"]["authtoken"]


def rss_kb(pid, key="VmRSS"):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def bench_big(args, table, tmp, memory):
    """100k extensions: resident memory, and keystroke-to-screen while filtering and while a
    body is being decoded."""
    table.section("the console holding many extensions (Issabel, pty 200x60)")
    sim = Sim([("office", "issabel", {"extensions": 100000})])
    sim.start()
    try:
        body100k = extension_list_bytes(sim, "office")
    finally:
        sim.cleanup()
    table.add("100,000 extensions: the list body the console asks for", "%.1f MB" % (
        body100k / MB), "<= 16 MiB cap", body100k <= 16 * MB,
              "refused as too large" if body100k > 16 * MB else "")
    # The most that fits under the cap stands in for 100k below.
    n = 100000 if body100k <= 16 * MB else 80000
    sim = Sim([("office", "issabel", {"extensions": n}), ("tiny", "issabel", {})])
    sim.start()
    try:
        cfg_tiny = sim_config(sim, ["tiny"], 3600, os.path.join(tmp, "tiny.ini"))
        con = Console(args.pbxtop, cfg_tiny, 200, 60, ["-v", "ext"], tmp)
        try:
            con.wait_for_bytes(2000, 20)
            wait_idle_cpu(con.pid)
            base = rss_kb(con.pid) / 1024.0
        finally:
            con.quit()
        table.add("baseline RSS (10 extensions)", "%.1f MB" % base, "<= 15 MB", base <= 15)

        cfg = sim_config(sim, ["office"], 3600, os.path.join(tmp, "big.ini"))
        con = Console(args.pbxtop, cfg, 200, 60, ["-v", "ext"], tmp)
        try:
            poll_cycle(con, sim, "office", first=True)
            body = extension_list_bytes(sim, "office")
            rss_between = []
            for _ in range(2):            # two more polls, and the quiet after each
                poll_cycle(con, sim, "office")
                rss_between.append(rss_kb(con.pid) / 1024.0)
            peak = rss_kb(con.pid, "VmHWM") / 1024.0
            between = max(rss_between)
            model = memory["issabel"]["model"] * n / 10000 / MB
            limit = model + body / MB + 15
            table.add("%s extensions: RSS between polls" % "{:,}".format(n), "%.1f MB" % between,
                      "<= 75 MB", between <= 75)
            table.add("  against model + largest body + 15 MB", "%.1f MB" % between,
                      "<= %.0f MB" % limit, between <= limit,
                      "model %.0f MB, body %.1f MB" % (model, body / MB))
            table.add("%s extensions: peak RSS (VmHWM)" % "{:,}".format(n), "%.1f MB" % peak, "<= 290 MB", peak <= 290)

            lat = con.type_latencies(b"/")   # open the filter prompt
            lat = con.type_latencies(b"10042")
            con.type_latencies(b"\x1b")
            worst = max(lat) * 1000
            table.add("keystroke to screen, typing a filter over %dk rows (worst of 5)" % (n // 1000),
                      "%.1f ms" % worst, "<= 16 ms", worst <= 16,
                      "median %.1f ms" % (sorted(lat)[len(lat) // 2] * 1000))
            move = con.key_frame(b"j")
            table.add("200x60: cursor move (j), %s rows" % "{:,}".format(n), "%d B" % move, "",
                      None, "frame cost against table length: compare with 1,000 rows")
            moves = con.type_latencies(b"jjjjj")
            table.add("  moving the cursor (j), worst of 5", "%.1f ms" % (max(moves) * 1000),
                      "", None)
            during = con.latency_during_poll()
            table.add("keystroke to screen while a %dk-row body is decoded (worst)" % (n // 1000),
                      "%.0f ms" % (during * 1000), "<= 100 ms", during <= 0.1)
        finally:
            con.quit()
    finally:
        sim.cleanup()


def poll_cycle(con, sim, name, first=False):
    """Make the console poll the extensions (or wait for its first poll), then wait until it
    has received and decoded the answer: its CPU use rises, then falls quiet."""
    seq = 0 if first else sim.last_seq()
    if not first:
        con.poll_now()

    def asked():
        return [r for r in sim.requests(name, since=seq) if "/extensions" in r["path"]]
    wait_until(asked, 60, what="the console's request")
    cpu0 = cpu_seconds(con.pid)
    wait_until(lambda: cpu_seconds(con.pid) - cpu0 > 0.03, 60, what="the console decoding")
    wait_idle_cpu(con.pid)


def extension_list_bytes(sim, name):
    """Size of the extension list the sim serves, as the console receives it."""
    base = sim.url(name)
    out = subprocess.run(["curl", "-s", "--cacert", sim.cert, "-H",
                          "Content-Type: application/json", "-d",
                          '{"user":"admin","password":"amp111"}', base + "/pbxapi/authenticate"],
                         capture_output=True, text=True, check=True)
    token = json.loads(out.stdout)["access_token"]
    out = subprocess.run(["curl", "-s", "--cacert", sim.cert, "-o", "/dev/null", "-w",
                          "%{size_download}", "-H", "Authorization: Bearer " + token,
                          base + "/pbxapi/extensions?fields=voicemail.enabled,callerid_override.outbound"],
                         capture_output=True, text=True,
                         check=True)
    return int(out.stdout)


# -------------------------------------------------------------- polling (C)

def bench_poll(args, table, tmp):
    exe = os.path.join(args.build, "tests", "bench_poll")
    reps = "3" if args.quick else "7"
    slow_ms = 300
    table.section("one poll round over N backends, one of them %d ms slow" % slow_ms)
    names = ["p%d" % i for i in range(20)]
    sim = Sim([(n, "jade", {}) for n in names])
    sim.start()
    try:
        sim.fault(backend="p0", kind="delay", ms=slow_ms, path="/v1/admin/core/channels$")
        single = None
        for n in (1, 5, 20):
            urls = [sim.url(x) for x in names[:n]]
            p = subprocess.Popen([exe, "rounds", reps, sim.cert] + urls, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
            line = json.loads(p.stdout.readline())
            assert line["what"] == "warm"
            conns0 = sim.ctl("GET", "/connections")["connections"]
            p.stdin.write("go\n")
            p.stdin.flush()
            res = json.loads(p.stdout.readline())
            p.wait()
            conns1 = sim.ctl("GET", "/connections")["connections"]
            opened = sum(conns1[x] - conns0[x] for x in names[:n])
            if n == 1:
                single = res["median_ms"]
                table.add("slowest backend alone: one round", "%.0f ms" % single, "", None)
                continue
            q = ratio(res["median_ms"], single)
            table.add("N=%d: round / slowest alone" % n, "%.2fx" % q, "<= 1.2x", q <= 1.2,
                      "%.0f ms, %d of %d up" % (res["median_ms"], res["up"], n))
            table.add("N=%d: new connections over %s steady rounds" % (n, reps), "%d" % opened,
                      "0", opened == 0)
        sim.clear_faults()
        table.section("TLS (client CPU per request)")
        for label, ca in (("the sim's own cert", sim.cert),
                          ("a system-sized CA bundle", big_bundle(sim.cert, tmp))):
            p = subprocess.Popen([exe, "tls", "10" if args.quick else "30", ca,
                                  sim.url("p1") + "/v1/admin/core/channels"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            assert json.loads(p.stdout.readline())["what"] == "tls_ready"
            fid = sim.fault(backend="p1", kind="close")
            p.stdin.write("go\n")
            p.stdin.flush()
            res = json.loads(p.stdout.readline())
            p.wait()
            sim.ctl("DELETE", "/fault?backend=p1")
            del fid
            recon = res["reconnect_ms"] - res["kept_ms"]
            cold = res["cold_ms"] - res["kept_ms"]
            table.add("CA = %s: new connection" % label, "%.2f ms" % recon, "<= 1.5 ms",
                      recon <= 1.5, "session resumed, CA store cached")
            table.add("  CA = %s: a client's first connection" % label,
                      "%.2f ms" % cold, "", None,
                      "CA loaded, full handshake; a kept-alive request: %.2f ms" % res["kept_ms"])
    finally:
        sim.cleanup()


def big_bundle(cert, tmp):
    path = os.path.join(tmp, "bundle.pem")
    system = "/etc/ssl/certs/ca-certificates.crt"
    with open(path, "w") as out:
        if os.path.exists(system):
            with open(system) as f:
                out.write(f.read())
        with open(cert) as f:
            out.write(f.read())
    return path


def run_once(args, want):
    table = Table()
    tmp = tempfile.mkdtemp(prefix="pbxtop-bench-")
    os.environ["XDG_STATE_HOME"] = tmp
    os.environ["XDG_CONFIG_HOME"] = tmp
    t0 = time.monotonic()
    try:
        memory = bench_decode(args, table) if want("decode") or want("big") else {}
        if want("callgrind"):
            bench_callgrind(args, table)
        if want("poll"):
            bench_poll(args, table, tmp)
        if want("frames"):
            bench_frames(args, table, tmp)
        if want("big"):
            bench_big(args, table, tmp, memory)
        if want("idle"):
            bench_idle(args, table, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n" + "=" * 100)
    print("pbxtop bench (%s, %.0f s, load average %.2f %.2f %.2f)" % (
        "quick" if args.quick else "full", time.monotonic() - t0, *os.getloadavg()))
    print(table.render())
    for title, top in args.profiles:
        print("\nprofile: %s" % title)
        for line in top:
            print("    " + line)
    return table


def _number(value):
    m = re.match(r"\s*(-?[\d.]+)(.*)", value)
    return (float(m.group(1)), m.group(2)) if m else (None, value)


def spread(tables):
    """One line per figure over every run: median [min - max] and how many runs were OK."""
    order, seen = [], {}
    for t in tables:
        for r in t.rows:
            key = r.get("section") or r["figure"]
            if key not in seen:
                seen[key] = []
                order.append((key, "section" in r))
            if "section" not in r:
                seen[key].append(r)
    out = []
    for key, is_section in order:
        if is_section:
            out.append("-- %s" % key)
            continue
        rows = seen[key]
        nums = sorted(n for n in (_number(r["value"])[0] for r in rows) if n is not None)
        unit = _number(rows[-1]["value"])[1]
        if nums:
            med = nums[len(nums) // 2]
            val = "%g%s [%g - %g]" % (med, unit, nums[0], nums[-1])
        else:
            val = rows[-1]["value"]
        oks = [r["verdict"] for r in rows if r["verdict"]]
        verdict = ("%s (OK %d/%d)" % (sorted(oks)[len(oks) // 2], oks.count("OK"), len(oks))
                   if oks else "")
        out.append("  %-62s %-30s %-14s %s" % (key, val, rows[-1]["budget"], verdict))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--quick", action="store_true", help="short runs, for writing the bench")
    ap.add_argument("--only", default="", help="comma list: decode,callgrind,frames,idle,big,poll")
    ap.add_argument("--json", help="also write the rows to this file")
    ap.add_argument("--runs", type=int, default=1, help="repeat, then show the spread")
    args = ap.parse_args()
    args.pbxtop = os.path.join(args.build, "pbxtop")
    args.profiles = []
    only = set(filter(None, args.only.split(",")))

    def want(name):
        return not only or name in only

    tables = []
    for run in range(args.runs):
        if args.runs > 1:
            print("\n#### run %d of %d" % (run + 1, args.runs), flush=True)
        args.profiles = []
        tables.append(run_once(args, want))
    if args.runs > 1:
        print("\n" + "=" * 100)
        print("spread over %d runs: median [min - max]; the verdict most runs had (runs OK)" %
              args.runs)
        print(spread(tables))
    table = tables[-1]
    if args.json:
        with open(args.json, "w") as f:
            json.dump(table.rows, f, indent=1)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
