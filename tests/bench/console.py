"""A console (or any full-screen program) on a pty of a fixed size, with every byte it writes
counted and time-stamped: frames are told apart by the gaps between bursts of output.
Standard library only."""

import fcntl
import os
import struct
import subprocess
import termios
import threading
import time

BURST_GAP = 0.025   # output closer together than this is one frame
FLASH_S = 5.3       # tui/app.c FLASH_MS, and a margin


class Console:
    def __init__(self, exe, config, cols, rows, argv, tmp, raw_argv=False):
        self.master, slave = os.openpty()
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8",
                   XDG_STATE_HOME=tmp, XDG_CONFIG_HOME=tmp)
        env.pop("PBXTOP_LOG", None)
        cmd = [exe] + argv if raw_argv else [exe, "-c", config] + argv
        self.proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.pid = self.proc.pid
        self.lock = threading.Lock()
        self.chunks = []            # (monotonic time, bytes)
        self.total = 0
        self.head = b""             # the first bytes, to say why a console did not start
        self.last = time.monotonic()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            now = time.monotonic()
            with self.lock:
                self.head = (self.head + data)[:4096] if len(self.head) < 4096 else self.head
                self.chunks.append((now, len(data)))
                self.total += len(data)
                self.last = now

    # -- waiting
    def wait_for_bytes(self, n, timeout):
        end = time.monotonic() + timeout
        while self.total < n:
            if time.monotonic() > end:
                raise AssertionError("console wrote %d bytes, expected %d: %r" % (
                    self.total, n, self.head[-300:]))
            time.sleep(0.02)

    def wait_quiet(self, quiet, timeout=30.0):
        end = time.monotonic() + timeout
        while time.monotonic() - self.last < quiet:
            if time.monotonic() > end:
                return
            time.sleep(0.01)

    def _bursts_since(self, t0):
        with self.lock:
            chunks = [c for c in self.chunks if c[0] >= t0]
        bursts = []
        for t, n in chunks:
            if bursts and t - bursts[-1][1] <= BURST_GAP:
                bursts[-1][1] = t
                bursts[-1][2] += n
            else:
                bursts.append([t, t, n])
        return bursts              # [start, end, bytes]

    def _after_tick(self):
        """Return just after the once-a-second redraw, so that a short window after this
        holds no tick of its own."""
        t0 = time.monotonic()
        end = t0 + 1.5
        while time.monotonic() < end:
            b = self._bursts_since(t0)
            if b and time.monotonic() - b[0][1] > BURST_GAP:
                return b[0][2]
            time.sleep(0.005)
        return 0

    def send(self, data):
        os.write(self.master, data)

    # -- frames
    def tick_bytes(self):
        return min(self._after_tick() for _ in range(3))

    def key_frame(self, key, window=0.15):
        self._after_tick()
        t0 = time.monotonic()
        self.send(key)
        time.sleep(window)
        return sum(b[2] for b in self._bursts_since(t0))

    def poll_frame(self, window=0.9):
        """Ctrl-R just after a tick, then the bytes of the frame(s) the answer brings before
        the next tick. The flash that Ctrl-R shows at once is its own frame and is left out;
        the caller makes the answer come late enough (the sim's delay fault) to tell them
        apart."""
        t_tick = time.monotonic()
        self._after_tick()
        t_tick = time.monotonic()
        self.send(b"\x12")
        time.sleep(max(0.0, t_tick + window - time.monotonic()))
        bursts = [b for b in self._bursts_since(t_tick) if b[0] < t_tick + window]
        got = sum(b[2] for b in bursts[1:])
        time.sleep(max(0.0, FLASH_S - (time.monotonic() - t_tick)))
        return got

    def poll_now(self):
        self.send(b"\x12")

    # -- latency
    def _key_latency(self, key, timeout=3.0):
        t0 = time.monotonic()
        self.send(key)
        end = t0 + timeout
        while time.monotonic() < end:
            b = self._bursts_since(t0)
            if b and time.monotonic() - b[0][1] > BURST_GAP:
                return b[0][1] - t0
            time.sleep(0.001)
        return timeout

    def type_latencies(self, keys):
        out = []
        for k in keys:
            self.wait_quiet(0.1)
            out.append(self._key_latency(bytes([k])))
        return out

    def latency_during_poll(self, seconds=10.0):
        """Ctrl-R, then keep pressing j and k: the worst wait for the screen to answer."""
        self._after_tick()
        self.send(b"\x12")
        end = time.monotonic() + seconds
        worst, i = 0.0, 0
        while time.monotonic() < end:
            worst = max(worst, self._key_latency(b"jk"[i % 2:i % 2 + 1]))
            i += 1
            time.sleep(0.03)
        return worst

    def quit(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        try:
            os.close(self.master)
        except OSError:
            pass


def wait_idle_cpu(pid, window=0.3, eps=0.004, timeout=60.0):
    """Wait until the process used less than eps seconds of CPU over `window`: done with
    whatever it was receiving or decoding."""
    end = time.monotonic() + timeout
    last = cpu_seconds(pid)
    while time.monotonic() < end:
        time.sleep(window)
        now = cpu_seconds(pid)
        if now - last < eps:
            return True
        last = now
    return False


def cpu_seconds(pid, children=False):
    """CPU time of a process: its live threads to the nanosecond (schedstat), plus, with
    children, what the children it has reaped used (clock ticks)."""
    total = 0.0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0]) / 1e9
        except OSError:
            pass
    if children:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tck = os.sysconf("SC_CLK_TCK")
        total += (int(fields[13]) + int(fields[14])) / tck   # cutime, cstime
    return total
