"""A slow, hung or failing backend never blocks the UI, shows as STALE/DOWN with its old rows,
recovers by itself, and makes hang ups refuse; pausing and polling now. DESIGN.md sections 2,
6 and 8."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tuikit import (BACKEND, CHANNELS_PATH, assert_no_delete, channel_gets,  # noqa: E402
                    console, cursor_name, dialog_box, header, header_calls, row_names, status,
                    table_rows, wait_until)

HELP_TITLE = "pbxtop 0.1.0: keys of the channels view (Esc closes)"
CHANNELS_ONLY = CHANNELS_PATH.replace("/", r"\/") + "$"


def key_response(t, key, pred, limit):
    """Press key and time how long until pred(screen) holds; fail past `limit` seconds.
    Polls capture-pane in 10 ms steps so that the measurement is not coarser than that."""
    t0 = time.monotonic()
    t.send(key)
    deadline = t0 + limit + 2
    while True:
        s = t.screen()
        if pred(s):
            break
        if time.monotonic() > deadline:
            raise AssertionError("no answer to %s; screen was:\n%s" % (key, s))
        time.sleep(0.01)
    dt = time.monotonic() - t0
    assert dt <= limit, "the screen took %.2fs to answer %s (limit %.1fs)" % (dt, key, limit)
    return dt


def hung_request(sim, since):
    """A channels GET that the hang fault is holding."""
    return [r for r in channel_gets(sim, since) if r.get("fault")]


def polled_age(screen):
    m = re.search(r"polled (\d+)s ago", header(screen))
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------- 4. the UI never blocks

def test_hung_backend_never_blocks_ui(pbxtop):
    with console(pbxtop, config_extra="timeout = 3\n") as (sim, t):
        names = row_names(t.screen())
        seq = sim.last_seq()
        sim.fault(backend=BACKEND, kind="hang", path=CHANNELS_ONLY, method="GET")
        wait_until(lambda: hung_request(sim, seq), 4, what="a channels GET to hang")
        # The request is in flight and hanging: keys still answer at once.
        key_response(t, "?", lambda s: HELP_TITLE in s, 1.0)
        key_response(t, "Escape", lambda s: HELP_TITLE not in s and table_rows(s), 1.0)
        key_response(t, "j", lambda s: cursor_name(s) == names[1], 1.0)
        # The timeout fails the poll: STALE with the age, DOWN with the retry, old rows kept.
        s = t.wait_for(lambda s: "STALE" in header(s) and "DOWN retry" in header(s), 8)
        assert re.search(r" STALE \d+s ", header(s)), header(s)
        assert re.search(r" DOWN retry \d+s ", header(s)), header(s)
        assert row_names(s) == names, s
        assert header_calls(s) == len(names), header(s)
        # Still answering while it retries.
        key_response(t, "k", lambda s: cursor_name(s) == names[0], 1.0)
        key_response(t, "F1", lambda s: HELP_TITLE in s, 1.0)
        key_response(t, "Escape", lambda s: HELP_TITLE not in s, 1.0)
        # The backend comes back: recovers without a restart, with the new data.
        sim.op(BACKEND, "add_channel", channel={"channel": "PJSIP/100-000000aa"})
        sim.clear_faults(BACKEND)
        s = t.wait_for(lambda s: "STALE" not in header(s) and "DOWN" not in header(s)
                       and "PJSIP/100-000000aa" in row_names(s), 15)
        age = polled_age(s)
        assert age is not None and age <= 1, header(s)
        assert header_calls(s) == len(names) + 1, header(s)
        assert "pbxtop · office" in header(s)


def test_ui_answers_before_first_data(pbxtop):
    """The backend hangs from the start: Loading..., yet help opens at once, and q quits
    at once even with the request in flight."""
    with console(pbxtop, wait_rows=False, config_extra="timeout = 5\n",
                 prepare=lambda sim: sim.fault(backend=BACKEND, kind="hang",
                                               path=CHANNELS_ONLY)) as (sim, t):
        s = t.wait_for("Loading channels from office...", 5)
        wait_until(lambda: hung_request(sim, 0), 4, what="a channels GET to hang")
        key_response(t, "?", lambda s: HELP_TITLE in s, 1.0)
        key_response(t, "Escape", lambda s: "Loading channels from office..." in s, 1.0)
        t0 = time.monotonic()
        t.send("q")
        assert t.exit_code(3) == 0
        assert time.monotonic() - t0 < 2.0, "quitting waited for the hung request"


def test_slow_backend_keys_within_200ms(pbxtop):
    """DESIGN 2.10's key test: with the backend delayed 5 s, a keypress updates the screen
    within 200 ms (plus what tmux itself takes to capture)."""
    with console(pbxtop) as (sim, t):
        names = row_names(t.screen())
        seq = sim.last_seq()
        sim.fault(backend=BACKEND, kind="delay", ms=5000, path=CHANNELS_ONLY)
        wait_until(lambda: [r for r in channel_gets(sim, seq) if r.get("fault")], 4,
                   what="a delayed GET")
        worst = 0
        for key, want in (("j", names[1]), ("j", names[2]), ("k", names[1])):
            worst = max(worst, key_response(t, key, lambda s: cursor_name(s) == want, 0.5))
        assert worst <= 0.3, "slowest key took %.2fs" % worst


# ---------------------------------------------------------------- 6. stale data refuses

def test_stale_data_refuses_hangup(pbxtop):
    with console(pbxtop) as (sim, t):
        names = row_names(t.screen())
        sim.fault(backend=BACKEND, kind="status", status=503, path=CHANNELS_ONLY)
        s = t.wait_for(lambda s: "STALE" in header(s), 6)
        assert row_names(s) == names, s
        # The status line tells what went wrong (the backend's last error).
        assert "HTTP 503" in status(s), status(s)
        seq = sim.last_seq()
        for key in ("X", "F9", "DC"):
            t.send(key)
            s = t.wait_for(lambda s: "Not hanging up: the channel list is stale" in status(s), 2)
            assert dialog_box(s) is None, s
        assert_no_delete(sim, seq, "stale data")
        # Marked rows do not get round it either.
        t.send("M")
        t.send("X")
        s = t.wait_for(lambda s: "Not hanging up: the channel list is stale" in status(s), 2)
        assert dialog_box(s) is None
        assert_no_delete(sim, seq, "stale data, marked")
        t.send("U")
        # Fresh data again: the dialog opens.
        sim.clear_faults(BACKEND)
        t.wait_for(lambda s: "STALE" not in header(s) and "DOWN" not in header(s), 12)
        t.send("X")
        s = t.wait_for(lambda s: dialog_box(s) is not None, 2)
        t.send("Escape")
        t.wait_for(lambda s: dialog_box(s) is None, 2)
        assert_no_delete(sim, seq, "cancelled after recovery", settle=0.2)


def test_dialog_open_when_data_goes_stale(pbxtop):
    """Data that goes stale while the dialog is open: confirming must not hang up on it."""
    with console(pbxtop) as (sim, t):
        seq = sim.last_seq()
        t.send("X")
        t.wait_for(lambda s: dialog_box(s) is not None, 2)
        sim.fault(backend=BACKEND, kind="status", status=503, path=CHANNELS_ONLY)
        t.wait_for(lambda s: "STALE" in header(s), 6)
        t.send("y")
        s = t.wait_for(lambda s: dialog_box(s) is None, 2)
        assert_no_delete(sim, seq, "confirmed on stale data")
        assert "Not hanging up" in status(t.screen()), status(t.screen())


# ---------------------------------------------------------------- 10. pause and poll now

def test_pause_and_resume(pbxtop):
    with console(pbxtop) as (sim, t):
        n = header_calls(t.screen())
        seq = sim.last_seq()
        pressed = time.time()
        t.send("Z")
        s = t.wait_for(lambda s: "PAUSED" in header(s)
                       and "Polling paused (Z resumes)" in status(s), 2)
        sim.op(BACKEND, "add_channel", channel={"channel": "PJSIP/100-000000aa"})
        # Bounded: nothing may happen here. A poll that was on its way when Z was pressed
        # lands within a few ms; anything later is a poll made while paused.
        deadline = time.monotonic() + 2.2
        while time.monotonic() < deadline:
            late = [g for g in channel_gets(sim, seq) if g["t"] > pressed + 0.25]
            assert not late, "polled while paused: %s" % late
            s = t.screen()
            assert "PJSIP/100-000000aa" not in row_names(s), s
            time.sleep(0.1)
        seq = sim.last_seq()
        assert "PAUSED" in header(s) and header_calls(s) == n, header(s)
        # The polled age keeps counting while paused.
        assert (polled_age(s) or 0) >= 1, header(s)
        # Keys still work while paused.
        t.send("j")
        t.wait_for(lambda s: cursor_name(s) == row_names(s)[1], 1)
        t.send("Z")
        s = t.wait_for(lambda s: "PAUSED" not in header(s), 2)
        wait_until(lambda: channel_gets(sim, seq), 2, what="a poll after resuming")
        t.wait_for(lambda s: "PJSIP/100-000000aa" in row_names(s) and header_calls(s) == n + 1,
                   3)


def test_ctrl_r_polls_now(pbxtop):
    with console(pbxtop, "-d 30") as (sim, t):
        n = header_calls(t.screen())
        seq = sim.last_seq()
        sim.op(BACKEND, "add_channel", channel={"channel": "PJSIP/100-000000aa"})
        # -d 30: no poll on its own for a while (bounded check).
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            assert not channel_gets(sim, seq), "polled before 30 s"
            time.sleep(0.1)
        t0 = time.monotonic()
        t.send("C-r")
        wait_until(lambda: channel_gets(sim, seq), 1.0, what="a GET after Ctrl-R")
        assert time.monotonic() - t0 <= 1.0
        t.wait_for(lambda s: "PJSIP/100-000000aa" in row_names(s) and header_calls(s) == n + 1,
                   1.5)
        # Ctrl-R also cuts a backoff short.
        sim.fault(backend=BACKEND, kind="status", status=503, path=CHANNELS_ONLY, count=1)
        seq = sim.last_seq()
        t.send("C-r")
        t.wait_for(lambda s: "STALE" in header(s), 3)
        seq = sim.last_seq()
        t.send("C-r")
        wait_until(lambda: channel_gets(sim, seq), 1.0, what="a GET after Ctrl-R in backoff")
        t.wait_for(lambda s: "STALE" not in header(s), 2)


def test_bad_replies_go_stale_and_recover(pbxtop):
    """Malformed JSON, a dropped connection, a reset and an oversized body: each one makes the
    data STALE with the old rows kept and the error on the status line, then it recovers."""
    with console(pbxtop) as (sim, t):
        names = row_names(t.screen())
        faults = [dict(kind="malformed"), dict(kind="drop"), dict(kind="drop", reset=True),
                  dict(kind="oversize")]
        for f in faults:
            sim.fault(backend=BACKEND, path=CHANNELS_ONLY, method="GET", **f)
            s = t.wait_for(lambda s: "STALE" in header(s), 8)
            assert row_names(s) == names, (f, s)
            assert status(s).split("  ")[0].strip(), ("no error on the status line", f, s)
            key_response(t, "?", lambda s: HELP_TITLE in s, 1.0)
            key_response(t, "Escape", lambda s: table_rows(s), 1.0)
            sim.clear_faults(BACKEND)
            t.send("C-r")
            t.wait_for(lambda s: "STALE" not in header(s) and "DOWN" not in header(s)
                       and row_names(s) == names, 8)
